//! # `pg_catalog` and `information_schema`
//!
//! psql's backslash commands, every driver's metadata calls and ORMs' reflection read
//! PostgreSQL's system catalogs. db001 keeps its catalog as Rust values (`db001_catalog`), so
//! the system relations are *derived*: when a statement names one, [`SystemCatalog`] builds
//! its rows from the catalog the transaction sees and hands the binder a table of frozen rows
//! (`relation::Rows::into_table`). Nothing is stored twice and nothing can drift.
//!
//! - **Shapes** are PostgreSQL 15's, column for column: `generated_relations.rs` is written
//!   by `generate.py` from a real PostgreSQL 15 (`relations.txt` lists the relations), with
//!   db001's type for each column: object ids are `oid`, `oid[]`, `int2vector` and
//!   `oidvector` are themselves, `name` and `"char"` are `text`, `xid` is `bigint`,
//!   `aclitem[]` is `text[]`, `pg_node_tree` is `text` (see `db001_planner::system`). Row code
//!   may set plain integers into `oid` columns; `relation::Rows::into_table` converts them.
//! - **Fixed contents** (`pg_type`, `pg_proc`, `pg_am`, `pg_database`, `pg_collation`) come
//!   from PostgreSQL 15 too (`generated_data.rs`), built once per process.
//! - **Live contents** (`pg_class`, `pg_attribute`, `pg_index`, `pg_constraint`, ...) are built
//!   per catalog version and cached; `pg_settings` and `pg_stat_activity` per use, and a plan
//!   that read them is not kept (see [`SystemCatalog::take_volatile`]).
//! - Relations db001 has nothing for (`pg_inherits`, `pg_trigger`, `pg_policy`, ...) exist
//!   and are empty, so the queries that join them work.
//!
//! Object ids: PostgreSQL's own for everything built in (`pg_catalog` 11, `public` 2200,
//! `integer` 23, `pg_class` 1259, the `postgres` role 10); user tables and indexes use the ids
//! db001's catalog allocates from 16384, as PostgreSQL does.
//!
//! [`SystemCatalog`] also answers the system functions (`functions.rs`) for its session.

mod constraints;
mod contents;
mod functions;
#[rustfmt::skip]
mod generated_data;
#[rustfmt::skip]
mod generated_relations;
mod information_schema;
mod names;
mod relation;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use db001_catalog::Catalog;
use db001_common::{Error, Result, SqlState, Value};
use db001_planner::plan::TableRef;
use db001_planner::system::{ObjectKind, SystemFunction, SystemRelations};
use parking_lot::Mutex;

use crate::settings::Settings;

/// Who the session is, for `pg_stat_activity`, `session_user` and friends.
#[derive(Debug, Clone)]
pub(crate) struct SessionIdentity {
    pub(crate) user: String,
    pub(crate) database: String,
    pub(crate) backend_pid: i32,
    pub(crate) application_name: String,
}

/// One session's provider of system relations and system functions.
#[derive(Debug)]
pub(crate) struct SystemCatalog {
    settings: Settings,
    identity: Mutex<SessionIdentity>,
    /// The catalog the running statement sees (the transaction's own after DDL).
    catalog: Mutex<Arc<Catalog>>,
    /// Set when a relation whose rows change without a catalog change was read.
    volatile: AtomicBool,
    /// Live relations by name, for the catalog version they were built from.
    cache: Mutex<HashMap<&'static str, (u64, TableRef)>>,
    /// Microseconds since 2000-01-01 when the server started.
    start_micros: i64,
}

impl SystemCatalog {
    pub(crate) fn new(
        settings: Settings,
        identity: SessionIdentity,
        catalog: Arc<Catalog>,
        start_micros: i64,
    ) -> SystemCatalog {
        SystemCatalog {
            settings,
            identity: Mutex::new(identity),
            catalog: Mutex::new(catalog),
            volatile: AtomicBool::new(false),
            cache: Mutex::new(HashMap::new()),
            start_micros,
        }
    }

    /// The catalog system functions read from now on.
    pub(crate) fn set_catalog(&self, catalog: Arc<Catalog>) {
        *self.catalog.lock() = catalog;
    }

    pub(crate) fn set_identity(&self, user: &str, database: &str) {
        let mut identity = self.identity.lock();
        identity.user = user.to_string();
        identity.database = database.to_string();
    }

    /// Whether a relation read since the last call changes without the catalog version
    /// changing (a plan that read it must not be cached); resets the flag.
    pub(crate) fn take_volatile(&self) -> bool {
        self.volatile.swap(false, Ordering::Relaxed)
    }

    fn identity(&self) -> SessionIdentity {
        let mut identity = self.identity.lock().clone();
        identity.application_name = self.settings.get("application_name");
        identity
    }

    fn current_catalog(&self) -> Arc<Catalog> {
        Arc::clone(&self.catalog.lock())
    }

    /// Builds (or takes from a cache) the relation `def`.
    fn build(&self, catalog: &Catalog, def: &'static relation::RelationDef) -> Result<TableRef> {
        if let Some(table) = fixed_relation(def)? {
            return Ok(table);
        }
        if contents::is_volatile(def) {
            self.volatile.store(true, Ordering::Relaxed);
            return contents::build_volatile(def, &self.settings, &self.identity(), self)
                .and_then(relation::Rows::into_table);
        }
        let version = catalog.version();
        if let Some((cached_version, table)) = self.cache.lock().get(def.name)
            && *cached_version == version
        {
            return Ok(table.clone());
        }
        let table = contents::build_live(def, catalog)?.into_table()?;
        self.cache.lock().insert(def.name, (version, table.clone()));
        Ok(table)
    }
}

/// Relations whose rows never change, built once per process.
fn fixed_relation(def: &'static relation::RelationDef) -> Result<Option<TableRef>> {
    static FIXED: OnceLock<Mutex<HashMap<&'static str, TableRef>>> = OnceLock::new();
    let Some(build) = contents::fixed_builder(def) else {
        return Ok(None);
    };
    let cache = FIXED.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(table) = cache.lock().get(def.name) {
        return Ok(Some(table.clone()));
    }
    let table = build(def).into_table()?;
    cache.lock().insert(def.name, table.clone());
    Ok(Some(table))
}

/// The definition of a system relation by schema and name.
fn find_relation(schema: Option<&str>, name: &str) -> Option<&'static relation::RelationDef> {
    let schema = schema.unwrap_or("pg_catalog");
    generated_relations::RELATIONS
        .iter()
        .copied()
        .find(|def| def.schema == schema && def.name == name)
}

impl SystemRelations for SystemCatalog {
    fn relation(
        &self,
        catalog: &Catalog,
        schema: Option<&str>,
        name: &str,
    ) -> Option<Result<TableRef>> {
        if let Some(schema) = schema
            && schema != "pg_catalog"
            && schema != "information_schema"
        {
            return None;
        }
        match find_relation(schema, name) {
            Some(def) => Some(self.build(catalog, def)),
            // A qualified name in a system schema that names nothing is an error there, not
            // a user table.
            None if schema.is_some() => Some(Err(Error::new(
                SqlState::UNDEFINED_TABLE,
                format!(
                    "relation \"{}.{name}\" does not exist",
                    schema.unwrap_or_default()
                ),
            ))),
            None => None,
        }
    }

    fn object_id(&self, catalog: &Catalog, kind: ObjectKind, name: &str) -> Result<i64> {
        if let Ok(id) = name.trim().parse::<i64>() {
            return Ok(id);
        }
        names::object_id(catalog, kind, name)?.ok_or_else(|| names::undefined(kind, name))
    }
}

impl db001_executor::SystemFunctions for SystemCatalog {
    fn call(&self, function: SystemFunction, args: &[Value]) -> Result<Value> {
        functions::call(self, function, args)
    }
}

#[cfg(test)]
mod tests;
