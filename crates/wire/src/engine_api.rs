//! The narrow seam between the protocol and the engine.
//!
//! The wire drives a handful of session operations: startup (identity, startup parameters,
//! settings for ParameterStatus, the backend pid), simple query, prepare, execute, sync and the
//! transaction status. Naming them in a trait, implemented here for `db001_engine::Database`,
//! keeps the protocol state machine independent of the engine's internals and lets the wire's
//! own tests run every protocol path against a scripted session, with no storage behind it.
//! Production code only ever instantiates it with the real engine.

use std::future::Future;
use std::sync::Arc;

use db001_common::{DataType, Oid, Result, Value};
use db001_engine::{
    CancelHandle, Column, Database, Prepared, Session, StatementResult, TransactionStatus,
};

/// Something that hands out one session per connection.
pub trait QueryEngine: Clone + Send + Sync + 'static {
    type Session: QuerySession;

    /// A new session for one client connection.
    fn session(&self) -> Self::Session;
}

/// What a prepared statement tells the protocol about itself.
pub trait PreparedStatement: Send + Sync + 'static {
    /// The type of each `$n` parameter.
    fn param_types(&self) -> &[DataType];
    /// Result columns, or `None` when the statement returns no rows.
    fn columns(&self) -> Option<&Arc<[Column]>>;
    /// Whether the query string held no statement (Execute answers EmptyQueryResponse).
    fn is_empty(&self) -> bool;
}

/// One client's session as the protocol drives it. See `db001_engine::Session` for the
/// meaning of each operation.
pub trait QuerySession: Send + 'static {
    type Prepared: PreparedStatement;

    /// Who is connected, from the StartupMessage.
    fn set_identity(&mut self, user: &str, database: &str);

    /// Applies one StartupMessage parameter (`application_name`, `DateStyle`, ...); an unknown
    /// name or a bad value is an error (FATAL at startup, as in PostgreSQL).
    fn set_startup_parameter(&mut self, name: &str, value: &str) -> Result<()>;

    /// The current value of a setting, for ParameterStatus; `None` if the engine does not know
    /// the name.
    fn setting(&self, name: &str) -> Option<String>;

    /// A number that changes whenever any setting does; `None`: unknown, so ReadyForQuery
    /// re-reads every reported parameter each time.
    fn settings_generation(&self) -> Option<u64> {
        None
    }

    /// The process id BackendKeyData reports (and `pg_backend_pid()` returns).
    fn backend_pid(&self) -> i32;

    /// What a CancelRequest naming this session triggers; `None`: it cannot be cancelled.
    fn cancel_handle(&self) -> Option<CancelHandle> {
        None
    }

    fn simple_query<'a>(
        &'a mut self,
        sql: &'a str,
        on_result: &'a mut (dyn FnMut(StatementResult) + Send),
    ) -> impl Future<Output = Result<()>> + Send + 'a;

    fn prepare(&mut self, sql: &str, param_types: &[Oid]) -> Result<Arc<Self::Prepared>>;

    fn execute<'a>(
        &'a mut self,
        prepared: &'a Self::Prepared,
        params: &'a [Value],
    ) -> impl Future<Output = Result<StatementResult>> + Send + 'a;

    fn sync(&mut self) -> impl Future<Output = Result<()>> + Send + '_;

    /// A statement failed in the protocol layer (Bind, Describe, ...): the session fails its
    /// transaction block as if the statement had failed inside the engine.
    fn statement_failed(&mut self);

    fn transaction_status(&self) -> TransactionStatus;

    /// One CopyData of a COPY FROM STDIN the session started (`CommandTag::CopyIn`).
    fn copy_data<'a>(&'a mut self, data: &'a [u8]) -> impl Future<Output = Result<()>> + Send + 'a;

    /// CopyDone: `COPY n`; with `end_implicit` (simple query) the implicit transaction ends.
    fn copy_done(
        &mut self,
        end_implicit: bool,
    ) -> impl Future<Output = Result<StatementResult>> + Send + '_;

    /// CopyFail: the error to report.
    fn copy_fail(&mut self, message: &str) -> db001_common::Error;
}

impl QueryEngine for Database {
    type Session = Session;

    fn session(&self) -> Session {
        Database::session(self)
    }
}

impl PreparedStatement for Prepared {
    fn param_types(&self) -> &[DataType] {
        &self.param_types
    }

    fn columns(&self) -> Option<&Arc<[Column]>> {
        self.columns.as_ref()
    }

    fn is_empty(&self) -> bool {
        Prepared::is_empty(self)
    }
}

impl QuerySession for Session {
    type Prepared = Prepared;

    fn set_identity(&mut self, user: &str, database: &str) {
        Session::set_identity(self, user, database);
    }

    fn set_startup_parameter(&mut self, name: &str, value: &str) -> Result<()> {
        Session::set_startup_parameter(self, name, value)
    }

    fn setting(&self, name: &str) -> Option<String> {
        Session::setting(self, name)
    }

    fn settings_generation(&self) -> Option<u64> {
        Some(Session::settings_generation(self))
    }

    fn backend_pid(&self) -> i32 {
        Session::backend_pid(self)
    }

    fn cancel_handle(&self) -> Option<CancelHandle> {
        Some(Session::cancel_handle(self))
    }

    fn simple_query<'a>(
        &'a mut self,
        sql: &'a str,
        on_result: &'a mut (dyn FnMut(StatementResult) + Send),
    ) -> impl Future<Output = Result<()>> + Send + 'a {
        Session::simple_query(self, sql, on_result)
    }

    fn prepare(&mut self, sql: &str, param_types: &[Oid]) -> Result<Arc<Prepared>> {
        Session::prepare(self, sql, param_types)
    }

    fn execute<'a>(
        &'a mut self,
        prepared: &'a Prepared,
        params: &'a [Value],
    ) -> impl Future<Output = Result<StatementResult>> + Send + 'a {
        Session::execute(self, prepared, params)
    }

    fn sync(&mut self) -> impl Future<Output = Result<()>> + Send + '_ {
        Session::sync(self)
    }

    fn statement_failed(&mut self) {
        Session::statement_failed(self);
    }

    fn transaction_status(&self) -> TransactionStatus {
        Session::transaction_status(self)
    }

    fn copy_data<'a>(&'a mut self, data: &'a [u8]) -> impl Future<Output = Result<()>> + Send + 'a {
        Session::copy_data(self, data)
    }

    fn copy_done(
        &mut self,
        end_implicit: bool,
    ) -> impl Future<Output = Result<StatementResult>> + Send + '_ {
        Session::copy_done(self, end_implicit)
    }

    fn copy_fail(&mut self, message: &str) -> db001_common::Error {
        Session::copy_fail(self, message)
    }
}
