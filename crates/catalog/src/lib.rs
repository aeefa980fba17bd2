//! # db001-catalog: what tables exist and what they look like
//!
//! A [`Catalog`] is an immutable value: the schemas (namespaces), tables (each with its
//! [`TableSchema`], constraints included, and its storage), views and sequences. DDL never edits
//! the shared catalog in place. A transaction that runs DDL works on its own copy (a cheap clone
//! of maps of `Arc`s) and publishes it at commit; a rollback simply drops the copy. That makes
//! DDL transactional — a migration that fails inside BEGIN leaves nothing behind — without
//! storing the catalog in system tables. (DESIGN.md suggests system tables; copy-on-write values
//! give the same atomicity with far less machinery while DDL is rare. The engine serialises DDL
//! transactions with one lock, which is also what makes a single "latest catalog" well defined.)
//!
//! Two things are shared by every copy rather than copied: a table's storage (rows are
//! versioned by MVCC, not by the catalog) and a sequence's value ([`sequence`]: sequences are
//! not transactional, as in PostgreSQL).
//!
//! Every published catalog has a larger [`Catalog::version`]; prepared plans remember the version
//! they were planned against and are re-planned when it changes.
//!
//! Objects have byte encodings of our own ([`codec`], [`codec_objects`]) for the WAL and
//! checkpoints, each with a format version.

pub mod codec;
mod roles;

pub use roles::{BOOTSTRAP_ROLE_NAME, BOOTSTRAP_ROLE_OID, Role, decode_role, encode_role};
pub mod codec_objects;
pub mod objects;
pub mod sequence;

use std::collections::BTreeMap;
use std::sync::Arc;

use db001_common::{DataType, Error, Result, SqlState};
use db001_storage::{IndexSpec, Table};

pub use objects::{
    CheckConstraint, ForeignKey, Identity, PUBLIC_SCHEMA_OID, ReferentialAction, SequenceEntry,
    SequenceSchema, ViewSchema,
};
pub use sequence::{SequenceState, SequenceValue};

/// The first object id handed out, as in PostgreSQL (ids below are reserved for the system).
pub const FIRST_USER_OID: u32 = 16384;

/// A column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnSchema {
    pub name: String,
    pub data_type: DataType,
    pub nullable: bool,
    /// The DEFAULT expression as SQL text, re-parsed when used.
    pub default: Option<String>,
    /// `GENERATED ... AS IDENTITY`: values come from the sequence the column owns.
    pub identity: Option<Identity>,
}

/// An index (a primary key and every UNIQUE constraint is one).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IndexSchema {
    pub id: u32,
    pub name: String,
    /// Positions of the indexed columns.
    pub columns: Vec<usize>,
    pub unique: bool,
    pub primary: bool,
    /// Whether the index belongs to a PRIMARY KEY or UNIQUE constraint of the same name
    /// (rather than to CREATE [UNIQUE] INDEX): such an index is dropped with its constraint.
    pub constraint: bool,
}

/// A table's definition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableSchema {
    pub id: u32,
    pub name: String,
    pub schema_name: String,
    pub columns: Vec<ColumnSchema>,
    pub indexes: Vec<IndexSchema>,
    pub checks: Vec<CheckConstraint>,
    /// The table's own FOREIGN KEY constraints (it is the referencing side).
    pub foreign_keys: Vec<ForeignKey>,
}

impl TableSchema {
    /// Position of a column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// The primary key index, if any.
    pub fn primary_key(&self) -> Option<&IndexSchema> {
        self.indexes.iter().find(|i| i.primary)
    }

    /// Whether a constraint (of any kind) of this name exists on the table.
    pub fn has_constraint(&self, name: &str) -> bool {
        self.indexes.iter().any(|i| i.constraint && i.name == name)
            || self.checks.iter().any(|c| c.name == name)
            || self.foreign_keys.iter().any(|f| f.name == name)
    }

    /// A unique index over exactly `columns` (in any order), as a foreign key may reference.
    pub fn unique_index_on(&self, columns: &[usize]) -> Option<&IndexSchema> {
        self.indexes.iter().find(|index| {
            index.unique
                && index.columns.len() == columns.len()
                && columns.iter().all(|c| index.columns.contains(c))
        })
    }

    /// The storage-level description of an index.
    pub fn index_spec(&self, index: &IndexSchema) -> IndexSpec {
        IndexSpec {
            id: index.id,
            name: index.name.clone(),
            column_names: index
                .columns
                .iter()
                .map(|&c| self.columns[c].name.clone())
                .collect(),
            columns: index.columns.clone(),
            unique: index.unique,
        }
    }

    /// Storage-level descriptions of every index.
    pub fn index_specs(&self) -> Vec<IndexSpec> {
        self.indexes.iter().map(|i| self.index_spec(i)).collect()
    }
}

/// A table: definition plus rows.
#[derive(Debug, Clone)]
pub struct TableEntry {
    pub schema: Arc<TableSchema>,
    pub storage: Arc<Table>,
}

/// What a name in the relation namespace of a schema is (PostgreSQL's `pg_class.relkind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    Table,
    Index,
    View,
    Sequence,
}

impl RelationKind {
    /// The noun PostgreSQL's messages use.
    pub fn noun(self) -> &'static str {
        match self {
            RelationKind::Table => "table",
            RelationKind::Index => "index",
            RelationKind::View => "view",
            RelationKind::Sequence => "sequence",
        }
    }
}

type Key = (String, String);

fn key(schema: &str, name: &str) -> Key {
    (schema.to_string(), name.to_string())
}

/// The set of schemas, tables, views and sequences at one point in (transaction) time.
#[derive(Debug, Clone)]
pub struct Catalog {
    version: u64,
    next_oid: u32,
    /// Schema name → OID.
    schemas: BTreeMap<String, u32>,
    /// Keyed by (schema, table name).
    tables: BTreeMap<Key, TableEntry>,
    views: BTreeMap<Key, Arc<ViewSchema>>,
    sequences: BTreeMap<Key, SequenceEntry>,
    /// Roles by name; the bootstrap superuser is always there (see `roles`).
    roles: BTreeMap<String, Arc<Role>>,
}

impl Default for Catalog {
    fn default() -> Catalog {
        Catalog::new()
    }
}

impl Catalog {
    /// An empty catalog with the `public` schema.
    pub fn new() -> Catalog {
        let mut schemas = BTreeMap::new();
        schemas.insert("public".to_string(), PUBLIC_SCHEMA_OID);
        Catalog {
            version: 1,
            next_oid: FIRST_USER_OID,
            schemas,
            tables: BTreeMap::new(),
            roles: BTreeMap::from([(BOOTSTRAP_ROLE_NAME.to_string(), Arc::new(Role::bootstrap()))]),
            views: BTreeMap::new(),
            sequences: BTreeMap::new(),
        }
    }

    /// Every role, by name.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.values().map(Arc::as_ref)
    }

    /// A role by name.
    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.get(name).map(Arc::as_ref)
    }

    /// Adds or replaces a role (CREATE ROLE, ALTER ROLE, recovery).
    pub fn put_role(&mut self, role: Role) {
        self.reserve_oid(role.oid);
        self.roles.insert(role.name.clone(), Arc::new(role));
    }

    /// Removes a role; returns it.
    pub fn remove_role(&mut self, name: &str) -> Option<Role> {
        self.roles.remove(name).map(|role| role.as_ref().clone())
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// Marks this (private) copy as a new version; called once per DDL statement.
    pub fn bump_version(&mut self, at_least: u64) {
        self.version = self.version.max(at_least) + 1;
    }

    /// A fresh object id.
    pub fn allocate_oid(&mut self) -> u32 {
        let oid = self.next_oid;
        self.next_oid += 1;
        oid
    }

    /// Makes sure future ids are above `oid` (recovery).
    pub fn reserve_oid(&mut self, oid: u32) {
        self.next_oid = self.next_oid.max(oid.saturating_add(1));
    }

    // ---------------------------------------------------------------- schemas

    /// Whether a schema exists.
    pub fn schema_exists(&self, name: &str) -> bool {
        self.schemas.contains_key(name)
    }

    /// Every schema: (name, OID), by name.
    pub fn schemas(&self) -> impl Iterator<Item = (&str, u32)> {
        self.schemas.iter().map(|(name, oid)| (name.as_str(), *oid))
    }

    /// Adds a schema. Fails with 42P06 if it exists.
    pub fn add_schema(&mut self, name: &str, oid: u32) -> Result<()> {
        if self.schema_exists(name) {
            return Err(Error::new(
                SqlState::new("42P06"),
                format!("schema \"{name}\" already exists"),
            ));
        }
        self.reserve_oid(oid);
        self.schemas.insert(name.to_string(), oid);
        Ok(())
    }

    /// Removes an (empty) schema; returns whether it existed.
    pub fn remove_schema(&mut self, name: &str) -> bool {
        self.schemas.remove(name).is_some()
    }

    /// The first schema of `search_path` that holds a relation (table, view, sequence or
    /// index) called `name`.
    pub fn find_relation_schema<'p>(
        &self,
        search_path: &'p [String],
        name: &str,
    ) -> Option<&'p str> {
        search_path
            .iter()
            .find(|schema| self.relation_kind(schema, name).is_some())
            .map(String::as_str)
    }

    // ---------------------------------------------------------------- relations

    /// What the relation `schema.name` is, if it exists.
    pub fn relation_kind(&self, schema: &str, name: &str) -> Option<RelationKind> {
        let key = key(schema, name);
        if self.tables.contains_key(&key) {
            Some(RelationKind::Table)
        } else if self.views.contains_key(&key) {
            Some(RelationKind::View)
        } else if self.sequences.contains_key(&key) {
            Some(RelationKind::Sequence)
        } else if self.index_owner(schema, name).is_some() {
            Some(RelationKind::Index)
        } else {
            None
        }
    }

    /// Whether any relation (table, index, view or sequence) in `schema` has this name.
    pub fn relation_exists(&self, schema: &str, name: &str) -> bool {
        self.relation_kind(schema, name).is_some()
    }

    /// Every relation in a schema: (name, kind), by kind and name.
    pub fn relations_in(&self, schema: &str) -> Vec<(String, RelationKind)> {
        let mut found = Vec::new();
        for ((table_schema, name), entry) in &self.tables {
            if table_schema == schema {
                found.push((name.clone(), RelationKind::Table));
                for index in &entry.schema.indexes {
                    found.push((index.name.clone(), RelationKind::Index));
                }
            }
        }
        for (view_schema, name) in self.views.keys() {
            if view_schema == schema {
                found.push((name.clone(), RelationKind::View));
            }
        }
        for (sequence_schema, name) in self.sequences.keys() {
            if sequence_schema == schema {
                found.push((name.clone(), RelationKind::Sequence));
            }
        }
        found
    }

    fn duplicate_relation(name: &str) -> Error {
        Error::new(
            SqlState::DUPLICATE_TABLE,
            format!("relation \"{name}\" already exists"),
        )
    }

    // ---------------------------------------------------------------- tables

    /// Looks up a table by schema and name.
    pub fn table(&self, schema: &str, name: &str) -> Option<&TableEntry> {
        self.tables.get(&key(schema, name))
    }

    /// Looks up a table by id.
    pub fn table_by_id(&self, id: u32) -> Option<&TableEntry> {
        self.tables.values().find(|t| t.schema.id == id)
    }

    /// Every table, ordered by schema and name.
    pub fn tables(&self) -> impl Iterator<Item = &TableEntry> {
        self.tables.values()
    }

    /// Finds the table that owns an index, by index name.
    pub fn index_owner(
        &self,
        schema: &str,
        index_name: &str,
    ) -> Option<(&TableEntry, &IndexSchema)> {
        self.tables
            .values()
            .filter(|t| t.schema.schema_name == schema)
            .find_map(|t| {
                t.schema
                    .indexes
                    .iter()
                    .find(|i| i.name == index_name)
                    .map(|i| (t, i))
            })
    }

    /// Adds a table with new, empty storage. Fails with 42P07 if the name is taken.
    pub fn add_table(&mut self, schema: TableSchema) -> Result<TableEntry> {
        if self.relation_exists(&schema.schema_name, &schema.name) {
            return Err(Self::duplicate_relation(&schema.name));
        }
        self.reserve_oid(schema.id);
        for index in &schema.indexes {
            self.reserve_oid(index.id);
        }
        let storage = Table::new(schema.id, schema.index_specs());
        let entry = TableEntry {
            schema: Arc::new(schema),
            storage,
        };
        self.tables.insert(
            key(&entry.schema.schema_name, &entry.schema.name),
            entry.clone(),
        );
        Ok(entry)
    }

    /// Removes a table; returns it.
    pub fn remove_table(&mut self, schema: &str, name: &str) -> Option<TableEntry> {
        self.tables.remove(&key(schema, name))
    }

    /// Replaces a table's schema (found by its id, so a schema with a new name renames it),
    /// keeping its storage.
    pub fn replace_schema(&mut self, schema: TableSchema) -> Result<()> {
        let old_key = self
            .tables
            .iter()
            .find(|(_, entry)| entry.schema.id == schema.id)
            .map(|(key, _)| key.clone())
            .ok_or_else(|| Error::undefined_table(&schema.name))?;
        let new_key = key(&schema.schema_name, &schema.name);
        if new_key != old_key && self.relation_exists(&schema.schema_name, &schema.name) {
            return Err(Self::duplicate_relation(&schema.name));
        }
        for index in &schema.indexes {
            self.reserve_oid(index.id);
        }
        let mut entry = self
            .tables
            .remove(&old_key)
            .expect("the key was found above");
        entry.schema = Arc::new(schema);
        self.tables.insert(new_key, entry);
        Ok(())
    }

    /// Gives a table new, empty storage (TRUNCATE and table rewrites) with `schema`'s indexes;
    /// the old storage stays with older catalogs. Returns the new entry.
    pub fn replace_storage(&mut self, schema: TableSchema) -> Result<TableEntry> {
        let id = schema.id;
        self.replace_schema(schema)?;
        let entry = self
            .tables
            .values_mut()
            .find(|entry| entry.schema.id == id)
            .expect("replaced above");
        entry.storage = Table::new(id, entry.schema.index_specs());
        Ok(entry.clone())
    }

    /// The foreign keys that reference table `id`: (referencing table, constraint).
    pub fn references_to(&self, id: u32) -> Vec<(&TableEntry, &ForeignKey)> {
        self.tables
            .values()
            .flat_map(|entry| {
                entry
                    .schema
                    .foreign_keys
                    .iter()
                    .filter(move |fk| fk.referenced_table == id)
                    .map(move |fk| (entry, fk))
            })
            .collect()
    }

    // ---------------------------------------------------------------- views

    /// Looks up a view.
    pub fn view(&self, schema: &str, name: &str) -> Option<&Arc<ViewSchema>> {
        self.views.get(&key(schema, name))
    }

    /// Every view, by schema and name.
    pub fn views(&self) -> impl Iterator<Item = &Arc<ViewSchema>> {
        self.views.values()
    }

    /// Adds a view (or replaces the view of that name when `replace`). Fails with 42P07 if
    /// the name is taken by another relation.
    pub fn add_view(&mut self, view: ViewSchema, replace: bool) -> Result<()> {
        let key = key(&view.schema_name, &view.name);
        let exists_as_view = self.views.contains_key(&key);
        if (exists_as_view && !replace)
            || (!exists_as_view && self.relation_exists(&view.schema_name, &view.name))
        {
            return Err(Self::duplicate_relation(&view.name));
        }
        self.reserve_oid(view.id);
        self.views.insert(key, Arc::new(view));
        Ok(())
    }

    /// Removes a view; returns it.
    pub fn remove_view(&mut self, schema: &str, name: &str) -> Option<Arc<ViewSchema>> {
        self.views.remove(&key(schema, name))
    }

    /// Views whose query reads relation `id`.
    pub fn views_depending_on(&self, id: u32) -> Vec<&Arc<ViewSchema>> {
        self.views
            .values()
            .filter(|view| view.depends_on.contains(&id))
            .collect()
    }

    // ---------------------------------------------------------------- sequences

    /// Looks up a sequence.
    pub fn sequence(&self, schema: &str, name: &str) -> Option<&SequenceEntry> {
        self.sequences.get(&key(schema, name))
    }

    /// Looks up a sequence by id.
    pub fn sequence_by_id(&self, id: u32) -> Option<&SequenceEntry> {
        self.sequences.values().find(|s| s.schema.id == id)
    }

    /// Every sequence, by schema and name.
    pub fn sequences(&self) -> impl Iterator<Item = &SequenceEntry> {
        self.sequences.values()
    }

    /// Adds a sequence with its (shared) state. Fails with 42P07 if the name is taken.
    pub fn add_sequence(&mut self, entry: SequenceEntry) -> Result<()> {
        if self.relation_exists(&entry.schema.schema_name, &entry.schema.name) {
            return Err(Self::duplicate_relation(&entry.schema.name));
        }
        self.reserve_oid(entry.schema.id);
        self.sequences
            .insert(key(&entry.schema.schema_name, &entry.schema.name), entry);
        Ok(())
    }

    /// Replaces a sequence's definition (found by id), keeping its state.
    pub fn replace_sequence(&mut self, schema: SequenceSchema) -> Result<()> {
        let entry = self
            .sequences
            .values_mut()
            .find(|entry| entry.schema.id == schema.id)
            .ok_or_else(|| Error::internal(format!("sequence {} not found", schema.id)))?;
        entry.schema = Arc::new(schema);
        Ok(())
    }

    /// Removes a sequence; returns it.
    pub fn remove_sequence(&mut self, schema: &str, name: &str) -> Option<SequenceEntry> {
        self.sequences.remove(&key(schema, name))
    }

    /// Sequences owned by a column of table `table_id` (all columns when `column` is `None`).
    pub fn owned_sequences(&self, table_id: u32, column: Option<&str>) -> Vec<SequenceEntry> {
        self.sequences
            .values()
            .filter(|entry| {
                entry
                    .schema
                    .owned_by
                    .as_ref()
                    .is_some_and(|(table, owner)| {
                        *table == table_id && column.is_none_or(|column| column == owner)
                    })
            })
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(id: u32, name: &str) -> TableSchema {
        TableSchema {
            id,
            name: name.to_string(),
            schema_name: "public".to_string(),
            columns: vec![ColumnSchema {
                name: "id".to_string(),
                data_type: DataType::Int,
                nullable: false,
                default: None,
                identity: None,
            }],
            indexes: vec![IndexSchema {
                id: id + 1,
                name: format!("{name}_pkey"),
                columns: vec![0],
                unique: true,
                primary: true,
                constraint: true,
            }],
            checks: Vec::new(),
            foreign_keys: Vec::new(),
        }
    }

    #[test]
    fn copies_are_independent() {
        let mut base = Catalog::new();
        let oid = base.allocate_oid();
        base.add_table(schema(oid, "a")).expect("new name");
        let mut private = base.clone();
        let oid = private.allocate_oid() + 1;
        private.add_table(schema(oid, "b")).expect("new name");
        assert!(base.table("public", "b").is_none());
        assert!(private.table("public", "b").is_some());
        assert!(private.table("public", "a").is_some());
    }

    #[test]
    fn names_are_unique_across_tables_and_indexes() {
        let mut catalog = Catalog::new();
        catalog
            .add_table(schema(FIRST_USER_OID, "a"))
            .expect("new name");
        let error = catalog
            .add_table(schema(FIRST_USER_OID + 10, "a"))
            .expect_err("taken");
        assert_eq!(error.code(), SqlState::DUPLICATE_TABLE);
        let error = catalog
            .add_table(schema(FIRST_USER_OID + 20, "a_pkey"))
            .expect_err("index name");
        assert_eq!(error.code(), SqlState::DUPLICATE_TABLE);
        assert!(catalog.allocate_oid() > FIRST_USER_OID + 1);
    }
}
