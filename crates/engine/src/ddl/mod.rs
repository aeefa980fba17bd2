//! DDL: CREATE / ALTER / DROP of tables, indexes, views, sequences and schemas, and TRUNCATE,
//! applied to the transaction's private catalog copy (see the catalog crate's docs for why DDL
//! is transactional this way).
//!
//! Every statement follows the same steps:
//! 1. take the DDL lock and the private catalog ([`Ddl::catalog`]), and exclusive table locks
//!    on the tables whose storage it changes or whose rows it must see complete
//!    ([`Ddl::lock_exclusive`]; see `table_locks`);
//! 2. check the request against the catalog with PostgreSQL's errors;
//! 3. check existing rows when a new constraint demands it (`validate`), with a snapshot taken
//!    after the locks, so every row committed before is seen;
//! 4. change the private catalog, and log the change ([`Ddl::log`]) as WAL ops that will be
//!    written with the transaction's commit record. A change that gives a table new storage
//!    (TRUNCATE, rewrites) logs the new schema first and then the rows as inserts.
//!
//! If a step must wait for another transaction (a lock), the session rolls the transaction
//! back to where the statement began and runs it again after the wait.
//!
//! | module | statements |
//! | --- | --- |
//! | `create_table` | CREATE TABLE, and the column and constraint definitions ALTER TABLE shares |
//! | `foreign_keys` | FOREIGN KEY definitions |
//! | `alter` | ALTER TABLE |
//! | `rewrite` | table rewrites, TRUNCATE |
//! | `drop` | DROP TABLE / INDEX / VIEW / SEQUENCE / SCHEMA and their dependencies |
//! | `objects` | CREATE VIEW, CREATE SCHEMA, CREATE SEQUENCE |
//! | `index` | CREATE INDEX |
//! | `validate` | checking existing rows against new constraints |

mod alter;
mod create_table;
mod drop;
mod foreign_keys;
mod index;
mod objects;
mod rewrite;
mod validate;

use std::sync::Arc;

use db001_catalog::{Catalog, RelationKind, TableEntry};
use db001_common::{Error, Result, SqlState};
use db001_executor::{ExecContext, SessionInfo};
use db001_sql::ast;
use db001_txn::Snapshot;

use crate::database::Database;
use crate::log_record::LogOp;
use crate::result::StatementResult;
use crate::transaction::Transaction;

/// PostgreSQL's `NAMEDATALEN - 1`: the longest identifier it keeps.
const NAME_BYTES_MAX: usize = 63;

/// One DDL statement's context.
pub(crate) struct Ddl<'a> {
    pub(crate) db: &'a Database,
    pub(crate) txn: &'a mut Transaction,
    pub(crate) sql: &'a str,
    /// The session's `search_path`, `$user` resolved.
    pub(crate) search_path: &'a [String],
    pub(crate) session: &'a Arc<SessionInfo>,
}

/// Runs one DDL statement in the context's transaction.
pub(crate) fn execute(ddl: &mut Ddl<'_>, statement: &ast::Statement) -> Result<StatementResult> {
    match statement {
        ast::Statement::CreateTable(create) => create_table::create_table(ddl, create),
        ast::Statement::DropTable(drop) => drop::drop_tables(ddl, drop),
        ast::Statement::CreateIndex(create) => index::create_index(ddl, create),
        ast::Statement::DropIndex(drop) => drop::drop_indexes(ddl, drop),
        ast::Statement::AlterTable(alter) => alter::alter_table(ddl, alter),
        ast::Statement::Truncate(truncate) => rewrite::truncate(ddl, truncate),
        ast::Statement::CreateView(create) => objects::create_view(ddl, create),
        ast::Statement::DropObjects(drop) => drop::drop_objects(ddl, drop),
        ast::Statement::CreateSchema(create) => objects::create_schema(ddl, create),
        ast::Statement::CreateSequence(create) => objects::create_sequence(ddl, create),
        _ => Err(Error::internal("not a DDL statement")),
    }
}

/// Whether a statement is DDL (runs through [`execute`]).
pub(crate) fn is_ddl(statement: &ast::Statement) -> bool {
    matches!(
        statement,
        ast::Statement::CreateTable(_)
            | ast::Statement::DropTable(_)
            | ast::Statement::CreateIndex(_)
            | ast::Statement::DropIndex(_)
            | ast::Statement::AlterTable(_)
            | ast::Statement::Truncate(_)
            | ast::Statement::CreateView(_)
            | ast::Statement::DropObjects(_)
            | ast::Statement::CreateSchema(_)
            | ast::Statement::CreateSequence(_)
    )
}

impl Ddl<'_> {
    /// The private catalog (taking the DDL lock the first time).
    pub(crate) fn catalog(&mut self) -> Result<&mut Catalog> {
        self.txn.begin_ddl(self.db)
    }

    /// Logs a DDL op at the current position of the write set (before any rows the statement
    /// writes after it).
    pub(crate) fn log(&mut self, op: LogOp) {
        let at = self.txn.write_set.len();
        self.txn.ddl_log.push((at, op));
    }

    /// Marks the private catalog as a new version (once per statement that changed it).
    pub(crate) fn bump_version(&mut self) -> Result<()> {
        let published = self.db.catalog().version();
        self.catalog()?.bump_version(published);
        Ok(())
    }

    /// Takes an exclusive lock on a table (see `table_locks`).
    pub(crate) fn lock_exclusive(&mut self, table: u32) -> Result<()> {
        self.txn.lock_table(self.db, table, true)
    }

    /// A snapshot that sees every commit so far and this transaction's own writes: what
    /// validation and rewrites read, after the locks guarantee no other writer is active.
    pub(crate) fn fresh_snapshot(&mut self) -> Snapshot {
        let own = self.txn.ensure_writer(self.db);
        Snapshot {
            read_ts: self.db.shared.manager.visible_ts(),
            own,
        }
    }

    /// An executor context for evaluating expressions over rows (validation, defaults).
    pub(crate) fn exec_context(&self, snapshot: Snapshot) -> ExecContext {
        ExecContext {
            manager: Arc::clone(&self.db.shared.manager),
            snapshot,
            params: Vec::new(),
            session: Arc::clone(self.session),
            transaction_start_micros: self.txn.start_micros,
            correlated: Vec::new(),
            shared: Default::default(),
        }
    }

    /// The schema a new object named `name` goes into: its qualifier (which must exist), or
    /// the first existing schema of the search path.
    pub(crate) fn creation_schema(&mut self, name: &ast::ObjectName) -> Result<String> {
        let search_path = self.search_path;
        let catalog = self.catalog()?;
        match name.schema() {
            Some(schema) => {
                if !catalog.schema_exists(&schema.value) {
                    return Err(undefined_schema(&schema.value));
                }
                Ok(schema.value.clone())
            }
            None => search_path
                .iter()
                .find(|schema| catalog.schema_exists(schema))
                .cloned()
                .ok_or_else(|| {
                    Error::new(
                        SqlState::new("3F000"),
                        "no schema has been selected to create in",
                    )
                }),
        }
    }

    /// The schema holding the existing relation `name` (`None`: not found). A qualifier that
    /// names no schema is 3F000, as in PostgreSQL.
    pub(crate) fn relation_schema(&mut self, name: &ast::ObjectName) -> Result<Option<String>> {
        let search_path = self.search_path;
        let catalog = self.catalog()?;
        match name.schema() {
            Some(schema) => {
                if !catalog.schema_exists(&schema.value) {
                    return Err(undefined_schema(&schema.value));
                }
                Ok(catalog
                    .relation_kind(&schema.value, &name.name().value)
                    .map(|_| schema.value.clone()))
            }
            None => Ok(catalog
                .find_relation_schema(search_path, &name.name().value)
                .map(str::to_string)),
        }
    }

    /// The table `name` names, or 42P01 / 42809.
    pub(crate) fn table(&mut self, name: &ast::ObjectName) -> Result<TableEntry> {
        self.find_table(name)?
            .ok_or_else(|| Error::undefined_table(&shown_name(name)))
    }

    /// The table `name` names (`None`: no relation of that name), or 42809 when it names
    /// another kind of relation.
    pub(crate) fn find_table(&mut self, name: &ast::ObjectName) -> Result<Option<TableEntry>> {
        let Some(schema) = self.relation_schema(name)? else {
            return Ok(None);
        };
        let relation = &name.name().value;
        let catalog = self.catalog()?;
        if let Some(entry) = catalog.table(&schema, relation) {
            return Ok(Some(entry.clone()));
        }
        Err(Error::new(
            SqlState::WRONG_OBJECT_TYPE,
            format!("\"{relation}\" is not a table"),
        ))
    }

    /// How PostgreSQL names a relation in messages: qualified when its schema is not on the
    /// search path.
    pub(crate) fn display_name(&self, schema: &str, name: &str) -> String {
        if self.search_path.iter().any(|s| s == schema) {
            name.to_string()
        } else {
            format!("{schema}.{name}")
        }
    }
}

/// 3F000 `schema "x" does not exist`.
pub(crate) fn undefined_schema(name: &str) -> Error {
    Error::new(
        SqlState::new("3F000"),
        format!("schema \"{name}\" does not exist"),
    )
}

/// A name as written, parts joined with dots (for "relation ... does not exist").
pub(crate) fn shown_name(name: &ast::ObjectName) -> String {
    name.parts
        .iter()
        .map(|part| part.value.as_str())
        .collect::<Vec<_>>()
        .join(".")
}

/// 42809 with PostgreSQL's hint for dropping `name` with the wrong DROP.
pub(crate) fn wrong_kind(name: &str, expected: RelationKind, actual: RelationKind) -> Error {
    let error = Error::new(
        SqlState::WRONG_OBJECT_TYPE,
        format!(
            "\"{name}\" is not a{} {}",
            article(expected),
            expected.noun()
        ),
    );
    error.with_hint(format!(
        "Use DROP {} to remove a{} {}.",
        actual.noun().to_ascii_uppercase(),
        article(actual),
        actual.noun()
    ))
}

fn article(kind: RelationKind) -> &'static str {
    match kind {
        RelationKind::Index => "n",
        _ => "",
    }
}

/// PostgreSQL's `makeObjectName`: `name1[_name2]_label`, the longer of the names shortened
/// until the whole fits in 63 bytes.
pub(crate) fn object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut first = name1.to_string();
    let mut second = name2.map(str::to_string);
    let overhead = label.len() + 1 + usize::from(second.is_some());
    let available = NAME_BYTES_MAX.saturating_sub(overhead);
    loop {
        let total = first.len() + second.as_ref().map_or(0, String::len);
        if total <= available {
            break;
        }
        let shorten_second = second
            .as_ref()
            .is_some_and(|second| second.len() > first.len());
        let target = if shorten_second {
            second.as_mut().expect("checked above")
        } else {
            &mut first
        };
        let mut cut = target.len() - 1;
        while !target.is_char_boundary(cut) {
            cut -= 1;
        }
        target.truncate(cut);
    }
    match second {
        Some(second) => format!("{first}_{second}_{label}"),
        None => format!("{first}_{label}"),
    }
}

/// PostgreSQL's `ChooseRelationName`/`ChooseConstraintName`: [`object_name`], with a number
/// after the label while `taken` says the name is used.
pub(crate) fn choose_name(
    name1: &str,
    name2: Option<&str>,
    label: &str,
    taken: impl Fn(&str) -> bool,
) -> String {
    let mut candidate = object_name(name1, name2, label);
    let mut pass = 0u32;
    while taken(&candidate) && pass < u32::MAX {
        pass += 1;
        candidate = object_name(name1, name2, &format!("{label}{pass}"));
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_are_shortened_like_postgres() {
        assert_eq!(object_name("t", Some("a"), "key"), "t_a_key");
        assert_eq!(object_name("t", None, "pkey"), "t_pkey");
        let long = "a".repeat(70);
        let name = object_name(&long, Some("b"), "fkey");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_b_fkey"));
        assert_eq!(
            choose_name("t", Some("a"), "key", |n| n == "t_a_key" || n == "t_a_key1"),
            "t_a_key2"
        );
    }
}
