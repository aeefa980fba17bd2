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
//! On open, recovery (`recovery`) loads the newest usable checkpoint and replays the WAL after
//! it: every acknowledged commit comes back, nothing else does. Checkpoints (`checkpoint`) are
//! taken from an MVCC snapshot while writers continue, by the `checkpointer` thread on a
//! timer, on WAL volume, on `CHECKPOINT` and at shutdown; they bound start-up time and let old
//! WAL segments go (or to the archive). `backup`, `pitr` and `verify` are the operator's tools
//! built on the same pieces.

pub mod auth;
mod backup;
mod cancel;
mod checkpoint;
mod checkpointer;
mod collector;
mod copy_binary;
mod copy_format;
mod database;
mod ddl;
mod log_record;
mod pitr;
mod recovery;
mod result;
mod roles;
mod sequences;
mod session;
mod settings;
mod system;
mod table_locks;
mod transaction;
mod transaction_control;
mod two_phase;
mod verify;
mod waiting;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use db001_wal::{StdIo, SyncMethod, WalIo};

pub use backup::{BACKUP_LABEL, BackupInfo};
pub use cancel::CancelHandle;
pub use checkpoint::{CheckpointInfo, checkpoint_dir, wal_dir};
pub use checkpointer::CheckpointStatus;
pub use database::{Database, RecoveryReport, Stats};
pub use pitr::{PitrReport, RecoveryTarget, recover_to_point};
pub use result::{Column, CommandTag, CopyStream, StatementResult, TransactionStatus};
pub use session::{Prepared, Session};
pub use verify::{VerifyReport, verify};

/// What `version()` reports: PostgreSQL's shape (drivers parse it), db001's name and version.
pub const VERSION_STRING: &str = concat!(
    "PostgreSQL 15.0 (db001 ",
    env!("CARGO_PKG_VERSION"),
    ") on x86_64-pc-linux-gnu, compiled by rustc, 64-bit"
);

/// Engine settings. The server fills it from `config/database.yaml` and flags.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data directory: `wal/` (segments) and `checkpoints/` inside it.
    pub data_dir: PathBuf,
    /// `synchronous_commit`: when true a commit is acknowledged only after its WAL record is
    /// fsynced. Sessions may turn it off for themselves with `SET synchronous_commit = off`.
    pub synchronous_commit: bool,
    /// Size of one WAL segment file.
    pub wal_segment_bytes: u64,
    /// With `synchronous_commit = off`, the longest a commit stays unflushed.
    pub wal_writer_delay_ms: u64,
    /// `wal_sync_method`: how the WAL writer makes records durable.
    pub wal_sync_method: SyncMethod,
    /// `checkpoint_interval`: a checkpoint at least this often when anything was committed
    /// (zero: no timed checkpoints).
    pub checkpoint_interval: Duration,
    /// `max_wal_size`: a checkpoint starts once this much WAL was written since the last one
    /// (zero: no volume-triggered checkpoints). The WAL on disk stays around twice this (two
    /// checkpoints are kept).
    pub max_wal_bytes: u64,
    /// `archive_dir` when `archive_mode` is on: WAL segments no checkpoint needs any more are
    /// copied here before they are removed (`None`: they are just removed).
    pub archive_dir: Option<PathBuf>,
    /// Every file operation on the WAL and checkpoints (tests inject faults here).
    pub io: Arc<dyn WalIo>,
    /// `max_prepared_transactions`: how many transactions may be prepared for two-phase commit
    /// at once; 0 (PostgreSQL's default) disables `PREPARE TRANSACTION`.
    pub max_prepared_transactions: usize,
    /// `autovacuum`: whether the background collector runs (writers' pruning and `VACUUM`
    /// work either way). Tests that count versions turn it off to count deterministically.
    pub autovacuum: bool,
    /// `ssl`: whether the server accepts TLS connections (only reported, by `SHOW ssl`; the
    /// wire front end does the TLS).
    pub ssl: bool,
}

impl Config {
    /// Defaults for a data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            synchronous_commit: true,
            wal_segment_bytes: 16 << 20,
            wal_writer_delay_ms: 200,
            wal_sync_method: SyncMethod::Fdatasync,
            checkpoint_interval: Duration::from_secs(300),
            max_wal_bytes: 1 << 30,
            archive_dir: None,
            io: Arc::new(StdIo),
            max_prepared_transactions: 0,
            autovacuum: true,
            ssl: false,
        }
    }
}
