//! # db001-engine: where the layers meet
//!
//! `Database` and `Session` are the embedded Rust API and what the wire crate drives per
//! connection. One statement travels like this:
//!
//! 1. **Parse** — `db001_sql::parse` turns text into AST statements (the whole simple-query
//!    string first, so a syntax error anywhere runs nothing, as in PostgreSQL).
//! 2. **Transaction** — the session opens an implicit transaction unless a BEGIN block is open;
//!    a failed block answers 25P02 until it ends.
//! 3. **Plan** — `db001_planner` binds names and types against the catalog the transaction sees
//!    (its private copy if it ran DDL) and optimizes. Prepared statements keep their plan until
//!    the catalog version changes.
//! 4. **Execute** — `db001_executor` runs the plan against a snapshot from `db001_txn`; writes go
//!    through `db001_storage` into the transaction's write set. If a row is held by another
//!    writer, the statement is undone, the session waits for that writer (asynchronously), and
//!    runs the statement again (see `db001_txn` for the isolation rules this implements).
//! 5. **Commit** — the write set becomes redo records in the WAL (`log_record`); the session
//!    awaits the group-commit fsync, then makes the writes visible, and only then answers
//!    `COMMIT` (see `transaction`).
//!
//! On open, the WAL is replayed into an empty catalog (`database`): every acknowledged commit
//! comes back, nothing else does.

mod collector;
mod database;
mod ddl;
mod log_record;
mod result;
mod session;
mod settings;
mod transaction;
mod transaction_control;
mod two_phase;
mod waiting;

use std::path::PathBuf;

pub use database::{Database, RecoveryReport, Stats};
pub use result::{Column, CommandTag, StatementResult, TransactionStatus};
pub use session::{Prepared, Session};

/// What `version()` reports: PostgreSQL's shape (drivers parse it), db001's name and version.
pub const VERSION_STRING: &str = concat!(
    "PostgreSQL 15.0 (db001 ",
    env!("CARGO_PKG_VERSION"),
    ") on x86_64-pc-linux-gnu, compiled by rustc, 64-bit"
);

/// Engine settings. The server fills it from `config/database.yaml` and flags.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory for the WAL (and, later, checkpoints).
    pub data_dir: PathBuf,
    /// `synchronous_commit`: when true a commit is acknowledged only after its WAL record is
    /// fsynced. Sessions may turn it off for themselves with `SET synchronous_commit = off`.
    pub synchronous_commit: bool,
    /// Size of one WAL segment file.
    pub wal_segment_bytes: u64,
    /// With `synchronous_commit = off`, the longest a commit stays unflushed.
    pub wal_writer_delay_ms: u64,
    /// `max_prepared_transactions`: how many transactions may be prepared for two-phase commit
    /// at once; 0 (PostgreSQL's default) disables `PREPARE TRANSACTION`.
    pub max_prepared_transactions: usize,
}

impl Config {
    /// Defaults for a data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            synchronous_commit: true,
            wal_segment_bytes: 16 << 20,
            wal_writer_delay_ms: 200,
            max_prepared_transactions: 0,
        }
    }
}
