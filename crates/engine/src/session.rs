//! A client session: transaction blocks, statement dispatch, conflict retries, prepared
//! statements.
//!
//! Transaction control with its own rules (snapshots under SSI, PREPARE TRANSACTION, VACUUM)
//! lives in `transaction_control`.

mod client;
mod copy;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use db001_common::{DataType, Error, Oid, Result, SqlState, Value};
use db001_executor::{ExecContext, SessionInfo, WriteContext};
use db001_planner::BoundStatement;
use db001_sql::ast;
use db001_storage::TxnContext;
use db001_txn::ReaderSlot;
use parking_lot::Mutex;

use crate::cancel::CancelHandle;
use crate::database::Database;
use crate::result::{Column, CommandTag, StatementResult, TransactionStatus};
use crate::sequences::SessionSequences;
use crate::settings::Settings;
use crate::system::{SessionIdentity, SystemCatalog};
use crate::transaction::Transaction;
use crate::waiting::{WaitLimits, wait_for_transaction};
use crate::{VERSION_STRING, ddl, two_phase};
use parameters::{apply_modes, show_columns};

mod locking;
mod named;
mod parameters;
mod savepoints;
mod writes;

/// How often one statement may be re-run after waiting for other writers before giving up.
const STATEMENT_RETRIES_MAX: u32 = 10_000;

/// A statement parsed and planned once, executed many times (extended protocol).
#[derive(Debug)]
pub struct Prepared {
    /// The type of each `$n` parameter, from the client's hints or inferred.
    pub param_types: Vec<DataType>,
    /// Result columns, or `None` for statements that return no rows.
    pub columns: Option<Arc<[Column]>>,
    /// The statement; `None` for an empty query string.
    statement: Option<ast::Statement>,
    sql: String,
    /// The plan and the catalog version it was made against.
    plan: Mutex<Option<(u64, Arc<BoundStatement>)>>,
}

impl Prepared {
    /// Whether the query string held no statement (the wire sends EmptyQueryResponse).
    pub fn is_empty(&self) -> bool {
        self.statement.is_none()
    }
}

/// One client's session: its transaction state and settings.
#[derive(Debug)]
pub struct Session {
    pub(crate) db: Database,
    pub(crate) txn: Option<Transaction>,
    pub(crate) settings: Settings,
    pub(crate) info: Arc<SessionInfo>,
    /// `pg_catalog`, `information_schema` and the system functions for this session.
    system: Arc<SystemCatalog>,
    /// Publishes this session's snapshot to the garbage-collection horizon.
    pub(crate) reader: ReaderSlot,
    /// A COPY FROM STDIN waiting for data (see `copy`).
    copy_in: Option<Box<copy::CopyIn>>,
    /// `currval`, `lastval`, and the sequence records to wait for at commit.
    sequences: Arc<SessionSequences>,
    /// Statements prepared with SQL `PREPARE`, by name.
    named: std::collections::HashMap<String, Arc<Prepared>>,
    /// Set by a cancel request from another connection (see `cancel`).
    cancel: CancelHandle,
}

impl Session {
    pub(crate) fn new(db: Database) -> Session {
        let backend_pid = db.shared.next_backend_pid.fetch_add(1, Ordering::Relaxed);
        let settings = Settings::new(db.shared.config.synchronous_commit);
        settings.set_server_value(
            "max_prepared_transactions",
            db.shared.config.max_prepared_transactions.to_string(),
        );
        let ssl = if db.shared.config.ssl { "on" } else { "off" };
        settings.set_server_value("ssl", ssl.to_string());
        let reader = db.shared.manager.register_reader();
        let system = Arc::new(SystemCatalog::new(
            settings.clone(),
            SessionIdentity {
                user: "postgres".to_string(),
                database: "postgres".to_string(),
                backend_pid,
                application_name: String::new(),
            },
            db.catalog(),
            db.shared.start_micros,
        ));
        let functions: Arc<dyn db001_executor::SystemFunctions> = system.clone();
        let sequences = Arc::new(SessionSequences::new(db.clone()));
        Session {
            reader,
            txn: None,
            settings,
            system,
            copy_in: None,
            info: Arc::new(SessionInfo {
                user: "postgres".to_string(),
                database: "postgres".to_string(),
                version: VERSION_STRING.to_string(),
                backend_pid,
                system: Some(functions),
                sequences: Some(Arc::clone(&sequences) as Arc<dyn db001_executor::SequenceAccess>),
            }),
            db,
            sequences,
            named: std::collections::HashMap::new(),
            cancel: CancelHandle::default(),
        }
    }

    /// The handle a cancel request for this session uses (the wire registers it under the
    /// session's process id and secret).
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// Sets who is connected (from the startup packet).
    pub fn set_identity(&mut self, user: &str, database: &str) {
        let info = Arc::make_mut(&mut self.info);
        info.user = user.to_string();
        info.database = database.to_string();
        self.system.set_identity(user, database);
        self.settings.set_fixed("session_authorization", user);
    }

    /// Applies a startup-packet option such as `application_name` or `DateStyle`; an unknown
    /// name or a bad value is an error (the wire makes it FATAL, as PostgreSQL does).
    pub fn set_startup_parameter(&mut self, name: &str, value: &str) -> Result<()> {
        self.settings
            .set(name, Some(&[ast::SetValue::String(value.to_string())]))
    }

    /// The value of a setting, for ParameterStatus.
    pub fn setting(&self, name: &str) -> Option<String> {
        self.settings.lookup(name).ok().flatten()
    }

    /// A number that changes whenever any of the session's settings does.
    pub fn settings_version(&self) -> u64 {
        self.settings.version()
    }

    /// This session's process id as BackendKeyData and `pg_backend_pid()` report it.
    pub fn backend_pid(&self) -> i32 {
        self.info.backend_pid
    }

    /// The status ReadyForQuery reports.
    pub fn transaction_status(&self) -> TransactionStatus {
        match &self.txn {
            Some(txn) if txn.failed => TransactionStatus::Failed,
            Some(txn) if txn.explicit => TransactionStatus::InBlock,
            _ => TransactionStatus::Idle,
        }
    }

    // ---------------------------------------------------------------- simple query

    /// Runs a simple-query string: every statement in it, in order, as one implicit transaction
    /// unless the text holds its own BEGIN/COMMIT. `on_result` receives each statement's result
    /// as it completes (the last one after the implicit commit, as PostgreSQL orders them); the
    /// first error stops the run and is returned. An empty string calls `on_result` never.
    pub async fn simple_query(
        &mut self,
        sql: &str,
        on_result: &mut (dyn FnMut(StatementResult) + Send),
    ) -> Result<()> {
        self.cancel.reset();
        let statements = match db001_sql::parse(sql) {
            Ok(statements) => statements,
            Err(error) => {
                self.fail_statement();
                return Err(error);
            }
        };
        if let Some(position) = statements
            .iter()
            .position(|s| matches!(s, ast::Statement::Copy(copy) if copy.from))
            && position + 1 != statements.len()
        {
            self.fail_statement();
            return Err(Error::feature_not_supported(
                "COPY FROM STDIN must be the last statement of a query string",
            ));
        }
        let mut pending = None;
        for statement in &statements {
            if let Some(result) = pending.take() {
                on_result(result);
            }
            match self.run_statement(statement, sql, None, &[]).await {
                Ok(result) if matches!(result.tag, CommandTag::CopyIn(_)) => {
                    // The transaction stays open until the data has arrived (copy_done).
                    on_result(result);
                    return Ok(());
                }
                Ok(result) => pending = Some(result),
                Err(error) => {
                    self.fail_statement();
                    return Err(error);
                }
            }
        }
        if self.txn.as_ref().is_some_and(|t| !t.explicit) {
            self.end_implicit().await?;
        }
        if let Some(result) = pending {
            on_result(result);
        }
        Ok(())
    }

    /// Runs SQL with parameters and collects every result (the embedded API).
    pub async fn execute_sql(
        &mut self,
        sql: &str,
        params: &[Value],
    ) -> Result<Vec<StatementResult>> {
        if params.is_empty() {
            let mut results = Vec::new();
            self.simple_query(sql, &mut |r| results.push(r)).await?;
            return Ok(results);
        }
        let prepared = self.prepare(sql, &[])?;
        let result = self.execute(&prepared, params).await;
        let synced = self.sync().await;
        let result = result?;
        synced?;
        Ok(vec![result])
    }

    // ---------------------------------------------------------------- extended protocol

    /// Parses and plans one statement (Parse). `param_types` are the client's OIDs, 0 for
    /// "infer".
    pub fn prepare(&mut self, sql: &str, param_types: &[Oid]) -> Result<Arc<Prepared>> {
        let prepared = self.prepare_inner(sql, param_types);
        if prepared.is_err() {
            self.fail_statement();
        }
        prepared
    }

    fn prepare_inner(&mut self, sql: &str, param_types: &[Oid]) -> Result<Arc<Prepared>> {
        let mut statements = db001_sql::parse(sql)?;
        if statements.len() > 1 {
            return Err(Error::syntax(
                "cannot insert multiple commands into a prepared statement",
            ));
        }
        let mut types = Vec::with_capacity(param_types.len());
        for &oid in param_types {
            types.push(match oid {
                0 => DataType::Unknown,
                oid => DataType::from_oid(oid).ok_or_else(|| {
                    Error::feature_not_supported(format!(
                        "parameter type with OID {oid} is not supported yet"
                    ))
                })?,
            });
        }
        let Some(statement) = statements.pop() else {
            return Ok(Arc::new(Prepared {
                param_types: types,
                columns: None,
                statement: None,
                sql: sql.to_string(),
                plan: Mutex::new(None),
            }));
        };
        if self.txn.as_ref().is_some_and(|t| t.failed)
            && !is_transaction_end(&statement)
            && !matches!(statement, ast::Statement::RollbackToSavepoint(_))
        {
            return Err(aborted_error());
        }
        let (columns, param_types, plan) = match planned_kind(&statement) {
            Some(inner) => {
                let catalog = self.planning_catalog(sql)?;
                let search_path = self.search_path();
                let (bound, param_types) = db001_planner::plan_statement_with_system_in(
                    &catalog,
                    self.system.as_ref(),
                    sql,
                    inner,
                    &types,
                    &search_path,
                )?;
                let volatile = self.system.take_volatile();
                let columns = if matches!(statement, ast::Statement::Explain { .. }) {
                    Some(explain_columns())
                } else {
                    bound.columns().map(to_columns)
                };
                (
                    columns,
                    param_types,
                    (!volatile).then(|| (catalog.version(), Arc::new(bound))),
                )
            }
            None => {
                let columns = match &statement {
                    ast::Statement::Show(name) => Some(show_columns(&name.value)?),
                    ast::Statement::Backup { .. } => Some(crate::checkpointer::backup_columns()),
                    _ => None,
                };
                (columns, types, None)
            }
        };
        Ok(Arc::new(Prepared {
            param_types,
            columns,
            statement: Some(statement),
            sql: sql.to_string(),
            plan: Mutex::new(plan),
        }))
    }

    /// Executes a prepared statement with bound parameters (Bind + Execute), inside the
    /// implicit transaction that lasts until [`Session::sync`] unless a block is open.
    pub async fn execute(
        &mut self,
        prepared: &Prepared,
        params: &[Value],
    ) -> Result<StatementResult> {
        self.cancel.reset();
        let Some(statement) = &prepared.statement else {
            return Err(Error::internal("empty statement has nothing to execute"));
        };
        if params.len() != prepared.param_types.len() {
            return Err(Error::new(
                SqlState::PROTOCOL_VIOLATION,
                format!(
                    "bind message supplies {} parameters, but prepared statement requires {}",
                    params.len(),
                    prepared.param_types.len()
                ),
            ));
        }
        let result = self
            .run_statement(statement, &prepared.sql, Some(prepared), params)
            .await;
        if result.is_err() {
            self.fail_statement();
        }
        result
    }

    /// Sync: ends the implicit transaction of an extended-protocol batch, committing it (and
    /// waiting for durability) or rolling it back if a statement failed.
    pub async fn sync(&mut self) -> Result<()> {
        if self.txn.as_ref().is_some_and(|t| !t.explicit) {
            return self.end_implicit().await;
        }
        Ok(())
    }

    // ---------------------------------------------------------------- transactions

    fn current_catalog(&self) -> Arc<db001_catalog::Catalog> {
        let catalog = match &self.txn {
            Some(txn) => txn.catalog(&self.db),
            None => self.db.catalog(),
        };
        // System functions evaluated by the statement read the same catalog.
        self.system.set_catalog(Arc::clone(&catalog));
        catalog
    }

    /// The catalog a statement is planned against: the transaction's, plus the
    /// `pg_prepared_xacts` view when the text mentions it.
    fn planning_catalog(&self, sql: &str) -> Result<Arc<db001_catalog::Catalog>> {
        let catalog = self.current_catalog();
        if two_phase::mentions_view(sql) {
            two_phase::with_view(&self.db, &catalog)
        } else {
            Ok(catalog)
        }
    }

    /// Ends the session's hold on its transaction (and on the GC horizon).
    pub(crate) fn take_transaction(&mut self) -> Option<Transaction> {
        self.reader.release();
        self.txn.take()
    }

    pub(crate) fn ensure_transaction(&mut self) -> &mut Transaction {
        if self.txn.is_none() {
            let (isolation, read_only, deferrable) = self.settings.transaction_defaults();
            let mut txn = Transaction::new(isolation, read_only, false);
            txn.deferrable = deferrable;
            self.txn = Some(txn);
        }
        self.txn.as_mut().expect("set above")
    }

    /// Tells the session that a statement failed outside the engine (for example a Bind whose
    /// parameter does not parse): as for any failed statement, an explicit block becomes failed
    /// and an implicit transaction rolls back. Idempotent.
    pub fn statement_failed(&mut self) {
        self.fail_statement();
    }

    /// After an error: an implicit transaction rolls back; an explicit block becomes failed,
    /// and — as in PostgreSQL — its transaction is aborted at once (writes undone, locks
    /// released, waiters woken), though the block stays open until ROLLBACK or COMMIT.
    fn fail_statement(&mut self) {
        match &mut self.txn {
            Some(txn) if txn.explicit => {
                txn.failed = true;
                // An error aborts the innermost subtransaction at once, as in PostgreSQL: with
                // a savepoint, what was done since it (ROLLBACK TO then resumes from there);
                // without one, the whole transaction (its locks go now, not at ROLLBACK).
                if let Some(savepoint) = txn.savepoints.pop() {
                    txn.rollback_to(&self.db, &savepoint.mark);
                    txn.savepoints.push(savepoint);
                } else {
                    txn.abort_in_place(&self.db);
                    self.reader.release();
                }
            }
            Some(_) => {
                if let Some(txn) = self.take_transaction() {
                    txn.rollback(&self.db);
                }
            }
            None => {}
        }
    }

    async fn end_implicit(&mut self) -> Result<()> {
        let Some(txn) = self.take_transaction() else {
            return Ok(());
        };
        if txn.failed {
            txn.rollback(&self.db);
            return Ok(());
        }
        if self.settings.synchronous_commit() {
            self.sequences.wait_durable().await?;
        }
        txn.commit(&self.db, self.settings.synchronous_commit())
            .await
    }

    async fn run_statement(
        &mut self,
        statement: &ast::Statement,
        sql: &str,
        prepared: Option<&Prepared>,
        params: &[Value],
    ) -> Result<StatementResult> {
        self.db
            .shared
            .stats
            .statements
            .fetch_add(1, Ordering::Relaxed);
        if !matches!(statement, ast::Statement::Rollback) {
            // After a WAL failure only writes are refused (run_planned, run_ddl).
            self.db.check_accepting()?;
        }
        match statement {
            ast::Statement::Begin(modes) => return self.begin(modes),
            ast::Statement::Commit => return self.commit().await,
            ast::Statement::PrepareTransaction(gid) => return self.prepare_transaction(gid).await,
            ast::Statement::Rollback => {
                if let Some(txn) = self.take_transaction() {
                    txn.rollback(&self.db);
                }
                return Ok(StatementResult::command(CommandTag::Rollback));
            }
            ast::Statement::RollbackToSavepoint(name) => return self.rollback_to_savepoint(name),
            _ => {}
        }
        if self.txn.as_ref().is_some_and(|t| t.failed) {
            return Err(aborted_error());
        }
        match statement {
            ast::Statement::Set(set) => {
                self.apply_set(set)?;
                Ok(StatementResult::command(CommandTag::Set))
            }
            ast::Statement::SetTransaction { session, modes } => {
                self.set_transaction(*session, modes)?;
                Ok(StatementResult::command(CommandTag::Set))
            }
            ast::Statement::Reset(name) => {
                self.settings
                    .reset(name.as_ref().map(|n| n.value.as_str()))?;
                Ok(StatementResult::command(CommandTag::Reset))
            }
            ast::Statement::Show(name) => self.show(&name.value),
            ast::Statement::Checkpoint => crate::checkpointer::checkpoint_statement(&self.db).await,
            ast::Statement::Backup { to } => {
                crate::checkpointer::backup_statement(&self.db, to).await
            }
            ast::Statement::CommitPrepared(gid) => self.finish_prepared(gid, true).await,
            ast::Statement::RollbackPrepared(gid) => self.finish_prepared(gid, false).await,
            ast::Statement::Vacuum(vacuum) => self.vacuum(vacuum),
            ast::Statement::Explain {
                analyze,
                statement: inner,
            } => {
                if *analyze {
                    return Err(Error::feature_not_supported(
                        "EXPLAIN ANALYZE is not supported yet",
                    ));
                }
                let bound = self.bound_plan(inner, sql, prepared)?;
                let lines = db001_planner::explain::explain_statement(&bound);
                Ok(StatementResult {
                    columns: Some(explain_columns()),
                    rows: lines.into_iter().map(|l| vec![Value::text(&l)]).collect(),
                    tag: CommandTag::Explain,
                })
            }
            statement if ddl::is_ddl(statement) => self.run_ddl(statement, sql).await,
            ast::Statement::Select(_)
            | ast::Statement::Insert(_)
            | ast::Statement::Update(_)
            | ast::Statement::Delete(_) => self.run_dml(statement, sql, prepared, params).await,
            ast::Statement::Savepoint(name) => self.savepoint(name),
            ast::Statement::ReleaseSavepoint(name) => self.release_savepoint(name),
            ast::Statement::Prepare(prepare) => self.prepare_named(prepare),
            ast::Statement::Execute(execute) => self.execute_named(execute).await,
            ast::Statement::Deallocate(name) => self.deallocate(name.as_ref()),
            ast::Statement::Begin(_)
            | ast::Statement::Commit
            | ast::Statement::Rollback
            | ast::Statement::PrepareTransaction(_) => {
                Err(Error::internal("transaction control handled above"))
            }
            ast::Statement::CreateRole(_)
            | ast::Statement::AlterRole(_)
            | ast::Statement::DropRole { .. } => self.run_role_statement(statement).await,
            ast::Statement::Discard(target) => self.discard(*target),
            ast::Statement::Close(None) => {
                Ok(StatementResult::command(CommandTag::CloseCursor(true)))
            }
            ast::Statement::Close(Some(name)) => Err(Error::new(
                SqlState::INVALID_CURSOR_NAME,
                format!("cursor \"{}\" does not exist", name.value),
            )),
            // Nothing is ever listened to, so there is nothing to stop listening to.
            ast::Statement::Unlisten(_) => Ok(StatementResult::command(CommandTag::Unlisten)),
            ast::Statement::Listen(_) => Err(Error::feature_not_supported(
                "LISTEN/NOTIFY is not supported by db001",
            )),
            ast::Statement::Copy(copy) => self.copy(copy, sql).await,
            _ => Err(Error::internal("transaction control handled above")),
        }
    }

    fn begin(&mut self, modes: &[ast::TransactionMode]) -> Result<StatementResult> {
        let fresh = self.txn.is_none();
        let txn = self.ensure_transaction();
        // BEGIN inside a running block: PostgreSQL warns and carries on.
        txn.explicit = true;
        if fresh || txn.snapshot.is_none() {
            apply_modes(txn, modes)?;
        }
        Ok(StatementResult::command(CommandTag::Begin))
    }

    async fn commit(&mut self) -> Result<StatementResult> {
        let Some(txn) = self.take_transaction() else {
            return Ok(StatementResult::command(CommandTag::Commit));
        };
        if txn.failed {
            txn.rollback(&self.db);
            return Ok(StatementResult::command(CommandTag::Rollback));
        }
        if self.settings.synchronous_commit() {
            self.sequences.wait_durable().await?;
        }
        txn.commit(&self.db, self.settings.synchronous_commit())
            .await?;
        Ok(StatementResult::command(CommandTag::Commit))
    }

    /// The plan of a query or DML statement: the prepared one if the catalog has not changed.
    fn bound_plan(
        &mut self,
        statement: &ast::Statement,
        sql: &str,
        prepared: Option<&Prepared>,
    ) -> Result<Arc<BoundStatement>> {
        let catalog = self.planning_catalog(sql)?;
        if let Some(prepared) = prepared {
            let mut cached = prepared.plan.lock();
            if let Some((version, plan)) = cached.as_ref()
                && *version == catalog.version()
            {
                return Ok(Arc::clone(plan));
            }
            let inner = planned_kind(statement).unwrap_or(statement);
            let search_path = self.search_path();
            let (bound, _) = db001_planner::plan_statement_with_system_in(
                &catalog,
                self.system.as_ref(),
                sql,
                inner,
                &prepared.param_types,
                &search_path,
            )?;
            let volatile = self.system.take_volatile();
            let columns = bound.columns().map(to_columns);
            let explain = matches!(statement, ast::Statement::Explain { .. });
            if !explain && columns.as_deref() != prepared.columns.as_deref() {
                return Err(Error::feature_not_supported(
                    "cached plan must not change result type",
                ));
            }
            let bound = Arc::new(bound);
            if !volatile {
                *cached = Some((catalog.version(), Arc::clone(&bound)));
            }
            return Ok(bound);
        }
        let inner = planned_kind(statement).unwrap_or(statement);
        let search_path = self.search_path();
        let (bound, _) = db001_planner::plan_statement_with_system_in(
            &catalog,
            self.system.as_ref(),
            sql,
            inner,
            &[],
            &search_path,
        )?;
        self.system.take_volatile();
        Ok(Arc::new(bound))
    }

    /// The limits on this statement's waits, and its deadline (`statement_timeout`).
    pub(crate) fn wait_limits(&self) -> WaitLimits {
        let (deadlock_timeout, lock_timeout, statement_timeout) = self.settings.timeouts();
        WaitLimits {
            deadlock_timeout,
            lock_timeout,
            deadline: statement_timeout.map(|timeout| Instant::now() + timeout),
            cancel: Some(self.cancel.clone()),
        }
    }

    /// Runs a planned statement inside the session's transaction, waiting for and re-running
    /// after conflicting writers (see the txn crate's docs).
    ///
    /// A statement that met a row held by a live writer is undone, waits for that writer, and
    /// runs again with the *same* snapshot: rows changed meanwhile then show up as concurrent
    /// updates, which READ COMMITTED re-checks row by row (see `db001_executor::dml`) and the
    /// snapshot levels answer with 40001. Only a concurrent update the executor cannot
    /// re-check (signalled as a wait for nobody) makes READ COMMITTED re-run on a fresh
    /// snapshot.
    async fn run_planned(
        &mut self,
        bound: &BoundStatement,
        params: &[Value],
    ) -> Result<StatementResult> {
        let db = self.db.clone();
        let limits = self.wait_limits();
        let writes = !matches!(bound, BoundStatement::Query { lock: None, .. });
        let txn = self.ensure_transaction();
        if writes {
            if txn.read_only {
                let what = match bound {
                    BoundStatement::Query {
                        lock: Some(lock), ..
                    } => format!("SELECT {}", lock_clause(lock.strength)),
                    BoundStatement::Query { .. } => "SELECT".to_string(),
                    BoundStatement::Insert { .. } => "INSERT".to_string(),
                    BoundStatement::Update { .. } => "UPDATE".to_string(),
                    BoundStatement::Delete { .. } => "DELETE".to_string(),
                };
                return Err(writes::read_only_refusal(&what));
            }
            db.check_writable()?;
            txn.ensure_writer(&db);
        }
        let written = locking::written_tables(bound);
        let mut snapshot = self.statement_snapshot(limits.deadline).await?;
        let mut attempts = 0;
        loop {
            let txn = self.txn.as_mut().expect("ensured above");
            let mark = txn.write_set.len();
            let own = txn.id();
            let ctx = ExecContext {
                manager: Arc::clone(&db.shared.manager),
                snapshot,
                params: params.to_vec(),
                session: Arc::clone(&self.info),
                transaction_start_micros: txn.start_micros,
                correlated: Vec::new(),
                shared: Default::default(),
            };
            let result = {
                let _deadline = db001_txn::deadline::DeadlineGuard::with_cancel(
                    limits.deadline,
                    Some(self.cancel.flag()),
                );
                locking::lock_written(&db, txn, &written)
                    .and_then(|()| execute_bound(&db, txn, &ctx, bound))
            };
            let Err(error) = &result else {
                return result;
            };
            let Some(other) = error.waiting_for() else {
                return result;
            };
            db001_storage::undo(&mut txn.write_set, mark, own);
            attempts += 1;
            db.shared
                .stats
                .conflict_retries
                .fetch_add(1, Ordering::Relaxed);
            if attempts > STATEMENT_RETRIES_MAX {
                return Err(Error::new(
                    SqlState::SERIALIZATION_FAILURE,
                    "could not serialize access: too many conflicting concurrent updates",
                ));
            }
            if other == 0 {
                snapshot = txn.fresh_snapshot(&db, &self.reader);
            } else {
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
}

impl Drop for Session {
    /// A client that disconnects mid-transaction rolls it back.
    fn drop(&mut self) {
        if let Some(txn) = self.take_transaction() {
            txn.rollback(&self.db);
        }
    }
}

fn execute_bound(
    db: &Database,
    txn: &mut Transaction,
    ctx: &ExecContext,
    bound: &BoundStatement,
) -> Result<StatementResult> {
    let isolation = txn.isolation;
    let mut write = WriteContext {
        txn: TxnContext {
            manager: &db.shared.manager,
            snapshot: ctx.snapshot,
            isolation,
        },
        write_set: &mut txn.write_set,
    };
    let (tag, rows, columns) = match bound {
        BoundStatement::Query {
            plan,
            columns,
            lock,
        } => {
            let rows = match lock {
                Some(lock) => db001_executor::locking::select_locked(ctx, &mut write, plan, lock)?,
                None => db001_executor::collect(plan, ctx, None)?,
            };
            (
                CommandTag::Select(rows.len() as u64),
                rows,
                Some(to_columns(columns)),
            )
        }
        BoundStatement::Insert {
            table,
            source,
            values,
            returning,
            on_conflict,
        } => {
            let (count, rows) = match on_conflict {
                None => db001_executor::dml::insert(
                    ctx,
                    &mut write,
                    table,
                    source,
                    values,
                    returning.as_ref(),
                )?,
                Some(on_conflict) => db001_executor::upsert::insert(
                    ctx,
                    &mut write,
                    table,
                    source,
                    values,
                    returning.as_ref(),
                    on_conflict,
                )?,
            };
            (
                CommandTag::Insert(count),
                rows,
                returning.as_ref().map(|r| to_columns(&r.columns)),
            )
        }
        BoundStatement::Update {
            table,
            scan,
            assignments,
            returning,
        } => {
            let (count, rows) = db001_executor::dml::update(
                ctx,
                &mut write,
                table,
                scan,
                assignments,
                returning.as_ref(),
            )?;
            (
                CommandTag::Update(count),
                rows,
                returning.as_ref().map(|r| to_columns(&r.columns)),
            )
        }
        BoundStatement::Delete {
            table,
            scan,
            returning,
        } => {
            let (count, rows) =
                db001_executor::dml::delete(ctx, &mut write, table, scan, returning.as_ref())?;
            (
                CommandTag::Delete(count),
                rows,
                returning.as_ref().map(|r| to_columns(&r.columns)),
            )
        }
    };
    Ok(StatementResult { columns, rows, tag })
}

/// The statement to bind for statements that go through the planner (EXPLAIN binds its inner
/// statement).
fn planned_kind(statement: &ast::Statement) -> Option<&ast::Statement> {
    match statement {
        ast::Statement::Select(_)
        | ast::Statement::Insert(_)
        | ast::Statement::Update(_)
        | ast::Statement::Delete(_) => Some(statement),
        ast::Statement::Explain {
            statement: inner, ..
        } => planned_kind(inner),
        _ => None,
    }
}

fn is_transaction_end(statement: &ast::Statement) -> bool {
    matches!(statement, ast::Statement::Commit | ast::Statement::Rollback)
}

fn aborted_error() -> Error {
    Error::new(
        SqlState::IN_FAILED_SQL_TRANSACTION,
        "current transaction is aborted, commands ignored until end of transaction block",
    )
}

fn to_columns(columns: &[db001_planner::OutputColumn]) -> Arc<[Column]> {
    columns
        .iter()
        .map(|c| Column {
            name: c.name.clone(),
            data_type: c.data_type,
            table_oid: c.table_oid,
            column_number: c.column_number,
        })
        .collect()
}

fn text_column(name: &str) -> Arc<[Column]> {
    Arc::from(vec![Column {
        name: name.to_string(),
        data_type: DataType::Text,
        table_oid: 0,
        column_number: 0,
    }])
}

fn explain_columns() -> Arc<[Column]> {
    text_column("QUERY PLAN")
}

/// `FOR UPDATE` and friends, as messages spell them.
fn lock_clause(strength: ast::LockStrength) -> &'static str {
    match strength {
        ast::LockStrength::Update => "FOR UPDATE",
        ast::LockStrength::NoKeyUpdate => "FOR NO KEY UPDATE",
        ast::LockStrength::Share => "FOR SHARE",
        ast::LockStrength::KeyShare => "FOR KEY SHARE",
    }
}
