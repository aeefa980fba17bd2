//! Running writes: DML with its re-planning when DDL replaced a table it writes before its
//! table locks were taken (see `table_locks`), and DDL statements, which start again from a
//! mark of the transaction when they must wait for another transaction (see `crate::ddl`).

use std::sync::Arc;

use db001_common::{Error, Result, SqlState, Value};
use db001_sql::ast;

use super::{Prepared, STATEMENT_RETRIES_MAX, Session, locking};
use crate::ddl;
use crate::result::StatementResult;
use crate::waiting::wait_for_transaction;

/// How often a statement is planned again because DDL replaced a table it writes between
/// planning and locking (each time another DDL transaction committed in that window).
const REPLANS_MAX: u32 = 100;

impl Session {
    /// Runs a query or DML statement: plans it, and plans it again if DDL replaced a table it
    /// writes before its locks were taken (see `table_locks`).
    pub(super) async fn run_dml(
        &mut self,
        statement: &ast::Statement,
        sql: &str,
        prepared: Option<&Prepared>,
        params: &[Value],
    ) -> Result<StatementResult> {
        let mut replans = 0;
        loop {
            let bound = self.bound_plan(statement, sql, prepared)?;
            match self.run_planned(&bound, params).await {
                Err(error) if locking::is_stale(&error) && replans < REPLANS_MAX => replans += 1,
                result => return result,
            }
        }
    }

    /// The session's `search_path`: schema names in order, `$user` replaced by the user's
    /// name.
    pub(crate) fn search_path(&self) -> Vec<String> {
        crate::settings::search_path(&self.settings.get("search_path"), &self.info.user)
    }

    pub(super) async fn run_ddl(
        &mut self,
        statement: &ast::Statement,
        sql: &str,
    ) -> Result<StatementResult> {
        let db = self.db.clone();
        let search_path = self.search_path();
        let info = Arc::clone(&self.info);
        let limits = self.wait_limits();
        self.ensure_transaction();
        let mut attempts = 0;
        loop {
            let txn = self.txn.as_mut().expect("ensured above");
            if txn.read_only {
                return Err(read_only_refusal(&ddl_command_name(statement)));
            }
            db.check_writable()?;
            let snapshot = self.statement_snapshot(limits.deadline).await?;
            let txn = self.txn.as_mut().expect("ensured above");
            debug_assert_eq!(
                txn.snapshot,
                Some(snapshot),
                "DDL reads the statement snapshot"
            );
            // A statement that must wait starts again from here (see `ddl`).
            let mark = txn.mark();
            let result = ddl::execute(
                &mut ddl::Ddl {
                    db: &db,
                    txn: &mut *txn,
                    sql,
                    search_path: &search_path,
                    session: &info,
                },
                statement,
            );
            let Err(error) = &result else {
                return result;
            };
            let Some(other) = error.waiting_for() else {
                return result;
            };
            txn.rollback_to(&db, &mark);
            attempts += 1;
            if attempts > STATEMENT_RETRIES_MAX || other == 0 {
                return result;
            }
            let own = txn.id();
            wait_for_transaction(
                &db.shared.manager,
                own,
                other,
                self.info.backend_pid,
                limits.clone(),
            )
            .await?;
        }
    }
}

/// 25006, as PostgreSQL words it for `command` (`INSERT`, `CREATE TABLE`, ...).
pub(super) fn read_only_refusal(command: &str) -> Error {
    Error::new(
        SqlState::READ_ONLY_SQL_TRANSACTION,
        format!("cannot execute {command} in a read-only transaction"),
    )
}

/// The command a read-only transaction refuses, named as PostgreSQL's error (and command tag)
/// names it.
pub(super) fn ddl_command_name(statement: &ast::Statement) -> String {
    match statement {
        ast::Statement::CreateTable(_) => "CREATE TABLE".to_string(),
        ast::Statement::DropTable(_) => "DROP TABLE".to_string(),
        ast::Statement::CreateIndex(_) => "CREATE INDEX".to_string(),
        ast::Statement::DropIndex(_) => "DROP INDEX".to_string(),
        ast::Statement::AlterTable(_) => "ALTER TABLE".to_string(),
        ast::Statement::Truncate(_) => "TRUNCATE TABLE".to_string(),
        ast::Statement::CreateView(_) => "CREATE VIEW".to_string(),
        ast::Statement::CreateSchema(_) => "CREATE SCHEMA".to_string(),
        ast::Statement::CreateSequence(_) => "CREATE SEQUENCE".to_string(),
        ast::Statement::DropObjects(drop) => format!("DROP {}", drop.kind.keyword()),
        ast::Statement::CreateRole(_) => "CREATE ROLE".to_string(),
        ast::Statement::AlterRole(_) => "ALTER ROLE".to_string(),
        ast::Statement::DropRole { .. } => "DROP ROLE".to_string(),
        _ => "DDL".to_string(),
    }
}
