//! # db001-executor: running plans
//!
//! Turns a [`db001_planner::plan::Plan`] into a tree of pull-based [`operators`] and drives it;
//! evaluates expressions ([`eval`]) with SQL's three-valued logic and PostgreSQL's operator
//! semantics (the arithmetic itself lives in `db001_common::ops`); applies INSERT, UPDATE and
//! DELETE through the storage layer ([`dml`]).
//!
//! The executor never waits: when storage reports a row held by another transaction, the error
//! travels up to the engine, which undoes the statement, waits, and runs it again.

pub mod aggregate;
pub mod dml;
pub mod eval;
pub mod functions;
pub mod library;
pub mod operators;
pub mod system;

use std::sync::Arc;

use db001_common::Value;
use db001_txn::{Snapshot, TxnManager};

pub use dml::WriteContext;
pub use operators::collect;
pub use system::SystemFunctions;

/// Facts about the session that functions like `now()` and `current_user` report.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub user: String,
    pub database: String,
    pub version: String,
    pub backend_pid: i32,
    /// The engine's answers to system functions; `None` where no engine is behind the
    /// executor (they then fail with 0A000).
    pub system: Option<Arc<dyn SystemFunctions>>,
}

/// Everything a statement's operators read.
#[derive(Debug)]
pub struct ExecContext {
    pub manager: Arc<TxnManager>,
    pub snapshot: Snapshot,
    pub params: Vec<Value>,
    pub session: Arc<SessionInfo>,
    /// `now()`: the start of the current transaction, µs since 2000-01-01.
    pub transaction_start_micros: i64,
}
