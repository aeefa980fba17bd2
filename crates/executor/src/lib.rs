//! # db001-executor: running plans
//!
//! Turns a [`db001_planner::plan::Plan`] into a tree of pull-based [`operators`] and drives it;
//! evaluates expressions ([`eval`]) with SQL's three-valued logic and PostgreSQL's operator
//! semantics (the arithmetic itself lives in `db001_common::ops`); applies INSERT, UPDATE and
//! DELETE through the storage layer ([`dml`]).
//!
//! The executor never waits: when storage reports a row held by another transaction, the error
//! travels up to the engine, which undoes the statement, waits, and runs it again.
//!
//! Operators by concept: scans, filters, projections, sorts and limits in [`operators`], joins
//! in [`join`], set operations and recursive queries in [`setops`], `generate_series` in
//! [`series`], grouping in [`aggregate`], window functions in [`window`], and subqueries inside
//! expressions in [`subquery`].

pub mod aggregate;
pub mod constraints;
pub mod dml;
pub mod eval;
pub mod functions;
pub mod join;
pub mod library;
pub mod locking;
pub mod operators;
pub mod project_set;
pub mod sequences;
pub mod series;
pub mod setops;
pub mod sort;
pub mod subquery;
pub mod system;
pub mod upsert;
pub mod window;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use db001_common::{Row, Value};
use db001_txn::{Snapshot, TxnManager};

pub use dml::WriteContext;
pub use operators::collect;
pub use sequences::SequenceAccess;
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
    /// What runs `nextval` and friends for this session (`None`: they fail with 0A000).
    pub sequences: Option<Arc<dyn SequenceAccess>>,
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
    /// The values the running subquery reads as `Expr::Correlated`; empty outside subqueries.
    pub correlated: Vec<Value>,
    /// What every part of one statement shares (see [`StatementShared`]).
    pub shared: Arc<StatementShared>,
}

impl ExecContext {
    /// The context a correlated subquery runs in: the same statement, its own correlated
    /// values.
    pub fn with_correlated(&self, correlated: Vec<Value>) -> ExecContext {
        ExecContext {
            manager: Arc::clone(&self.manager),
            snapshot: self.snapshot,
            params: self.params.clone(),
            session: Arc::clone(&self.session),
            transaction_start_micros: self.transaction_start_micros,
            correlated,
            shared: Arc::clone(&self.shared),
        }
    }
}

/// State shared by every operator of one statement run.
///
/// - The results of uncorrelated subqueries, computed the first time they are needed (they
///   are the same for every row; keyed by the address of their plan, which the statement's
///   plan owns for the whole run).
/// - The rows each running recursive query's last round produced (its work table), read by
///   the WorkTable scans of its recursive term.
/// - The rows of WITH queries read more than once, computed at the first read.
#[derive(Debug, Default)]
pub struct StatementShared {
    subqueries: Mutex<HashMap<usize, Arc<subquery::Cached>>>,
    work_tables: Mutex<HashMap<usize, Arc<Vec<Row>>>>,
    /// The rows of WITH queries read more than once (`Plan::Materialize`), by query.
    materialized: Mutex<HashMap<usize, Arc<Vec<Row>>>>,
}

impl StatementShared {
    pub(crate) fn cached_subquery(&self, key: usize) -> Option<Arc<subquery::Cached>> {
        lock(&self.subqueries).get(&key).cloned()
    }

    pub(crate) fn cache_subquery(&self, key: usize, value: Arc<subquery::Cached>) {
        lock(&self.subqueries).insert(key, value);
    }

    pub(crate) fn work_table(&self, id: usize) -> Option<Arc<Vec<Row>>> {
        lock(&self.work_tables).get(&id).cloned()
    }

    pub(crate) fn set_work_table(&self, id: usize, rows: Arc<Vec<Row>>) {
        lock(&self.work_tables).insert(id, rows);
    }

    pub(crate) fn materialized(&self, id: usize) -> Option<Arc<Vec<Row>>> {
        lock(&self.materialized).get(&id).cloned()
    }

    pub(crate) fn set_materialized(&self, id: usize, rows: Arc<Vec<Row>>) {
        lock(&self.materialized).insert(id, rows);
    }
}

/// Locks a mutex; a panic elsewhere while it was held leaves data that is still consistent
/// here (every critical section is a single map operation), so poisoning is ignored.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
