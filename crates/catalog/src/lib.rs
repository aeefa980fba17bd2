//! # db001-catalog: what tables exist and what they look like
//!
//! A [`Catalog`] is an immutable value: the set of tables, each with its [`TableSchema`] and its
//! storage. DDL never edits the shared catalog in place. A transaction that runs DDL works on its
//! own copy (a cheap clone of a map of `Arc`s) and publishes it at commit; a rollback simply drops
//! the copy. That makes DDL transactional — a migration that fails inside BEGIN leaves nothing
//! behind — without storing the catalog in system tables. (DESIGN.md suggests system tables;
//! copy-on-write values give the same atomicity with far less machinery while DDL is rare. The
//! engine serialises DDL transactions with one lock, which is also what makes a single
//! "latest catalog" well defined.)
//!
//! Every published catalog has a larger [`Catalog::version`]; prepared plans remember the version
//! they were planned against and are re-planned when it changes.
//!
//! Table schemas have a byte encoding of our own ([`codec`]) for the WAL.

pub mod codec;
mod roles;

pub use roles::{BOOTSTRAP_ROLE_NAME, BOOTSTRAP_ROLE_OID, Role, decode_role, encode_role};

use std::collections::BTreeMap;
use std::sync::Arc;

use db001_common::{DataType, Error, Result, SqlState};
use db001_storage::{IndexSpec, Table};

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
}

/// An index (a primary key and every UNIQUE constraint is one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexSchema {
    pub id: u32,
    pub name: String,
    /// Positions of the indexed columns.
    pub columns: Vec<usize>,
    pub unique: bool,
    pub primary: bool,
}

/// A table's definition.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSchema {
    pub id: u32,
    pub name: String,
    pub schema_name: String,
    pub columns: Vec<ColumnSchema>,
    pub indexes: Vec<IndexSchema>,
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

/// The set of tables at one point in (transaction) time.
#[derive(Debug, Clone)]
pub struct Catalog {
    version: u64,
    next_oid: u32,
    /// Keyed by (schema, table name).
    tables: BTreeMap<(String, String), TableEntry>,
    /// Roles by name; the bootstrap superuser is always there (see `roles`).
    roles: BTreeMap<String, Arc<Role>>,
}

impl Default for Catalog {
    fn default() -> Catalog {
        Catalog::new()
    }
}

impl Catalog {
    /// An empty catalog.
    pub fn new() -> Catalog {
        Catalog {
            version: 1,
            next_oid: FIRST_USER_OID,
            tables: BTreeMap::new(),
            roles: BTreeMap::from([(BOOTSTRAP_ROLE_NAME.to_string(), Arc::new(Role::bootstrap()))]),
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
        self.next_oid = self.next_oid.max(oid + 1);
    }

    /// Looks up a table by schema and name.
    pub fn table(&self, schema: &str, name: &str) -> Option<&TableEntry> {
        self.tables.get(&(schema.to_string(), name.to_string()))
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

    /// Whether any relation (table or index) in `schema` has this name.
    pub fn relation_exists(&self, schema: &str, name: &str) -> bool {
        self.table(schema, name).is_some() || self.index_owner(schema, name).is_some()
    }

    /// Adds a table. Fails with 42P07 if the name is taken.
    pub fn add_table(&mut self, schema: TableSchema) -> Result<TableEntry> {
        if self.relation_exists(&schema.schema_name, &schema.name) {
            return Err(Error::new(
                SqlState::DUPLICATE_TABLE,
                format!("relation \"{}\" already exists", schema.name),
            ));
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
            (entry.schema.schema_name.clone(), entry.schema.name.clone()),
            entry.clone(),
        );
        Ok(entry)
    }

    /// Removes a table; returns it.
    pub fn remove_table(&mut self, schema: &str, name: &str) -> Option<TableEntry> {
        self.tables.remove(&(schema.to_string(), name.to_string()))
    }

    /// Replaces a table's schema (after CREATE/DROP INDEX), keeping its storage.
    pub fn replace_schema(&mut self, schema: TableSchema) -> Result<()> {
        let key = (schema.schema_name.clone(), schema.name.clone());
        let entry = self
            .tables
            .get_mut(&key)
            .ok_or_else(|| Error::undefined_table(&schema.name))?;
        for index in &schema.indexes {
            self.next_oid = self.next_oid.max(index.id + 1);
        }
        entry.schema = Arc::new(schema);
        Ok(())
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
            }],
            indexes: vec![IndexSchema {
                id: id + 1,
                name: format!("{name}_pkey"),
                columns: vec![0],
                unique: true,
                primary: true,
            }],
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
