//! # db001-engine
//!
//! `Database` and `Session`: the one place where parser, planner, executor, transactions,
//! storage and the WAL meet, and the embedded Rust API (see the crate README section in the
//! repository's README.md). The wire crate drives a `Session` per connection; tests and
//! benchmarks drive it in-process.
//!
//! (Scaffold: the API below is the contract the wire crate codes against. Bodies land with the
//! engine itself.)

mod result;

use std::path::PathBuf;
use std::sync::Arc;

use db001_common::{DataType, Error, Oid, Result, Value};

pub use result::{Column, CommandTag, StatementResult, TransactionStatus};

/// Engine settings. The server fills it from `config/database.yaml` and flags.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory for the WAL (and, later, checkpoints).
    pub data_dir: PathBuf,
    /// `synchronous_commit`: when true a commit is acknowledged only after its WAL record is
    /// fsynced.
    pub synchronous_commit: bool,
    /// Size of one WAL segment file.
    pub wal_segment_bytes: u64,
    /// With `synchronous_commit = off`, the longest a commit stays unflushed.
    pub wal_writer_delay_ms: u64,
}

impl Config {
    /// Defaults for a data directory.
    pub fn new(data_dir: impl Into<PathBuf>) -> Config {
        Config {
            data_dir: data_dir.into(),
            synchronous_commit: true,
            wal_segment_bytes: 16 << 20,
            wal_writer_delay_ms: 200,
        }
    }
}

/// An open database. Cheap to clone; all clones share one engine.
#[derive(Debug, Clone)]
pub struct Database {
    _inner: Arc<()>,
}

impl Database {
    /// Opens (and recovers) the database in `config.data_dir`.
    pub fn open(_config: Config) -> Result<Database> {
        Err(Error::feature_not_supported("engine not built yet"))
    }

    /// A new session (one per client connection).
    pub fn session(&self) -> Session {
        Session { _db: self.clone() }
    }

    /// The highest LSN known to be on disk.
    pub fn durable_lsn(&self) -> u64 {
        0
    }

    /// Whether the engine can serve queries (false after a WAL failure or during shutdown).
    pub fn is_healthy(&self) -> bool {
        false
    }

    /// Flushes the WAL and stops accepting new work.
    pub fn shutdown(&self) -> Result<()> {
        Ok(())
    }
}

/// A statement parsed and planned once, executed many times (extended protocol).
#[derive(Debug)]
pub struct Prepared {
    /// The type of each `$n` parameter, from the client's hints or inferred.
    pub param_types: Vec<DataType>,
    /// Result columns, or `None` for statements that return no rows.
    pub columns: Option<Arc<[Column]>>,
}

/// One client's session: its transaction state and settings.
#[derive(Debug)]
pub struct Session {
    _db: Database,
}

impl Session {
    /// Runs a simple-query string: every statement in it, in order, as one implicit transaction
    /// unless the text holds its own BEGIN/COMMIT. `on_result` receives each statement's result
    /// as it completes; the first error stops the run and is returned. An empty string runs
    /// nothing and calls `on_result` never.
    pub async fn simple_query(
        &mut self,
        _sql: &str,
        _on_result: &mut (dyn FnMut(StatementResult) + Send),
    ) -> Result<()> {
        Err(Error::feature_not_supported("engine not built yet"))
    }

    /// Parses and plans one statement (Parse). `param_types` are the client's OIDs, 0 for
    /// "infer".
    pub fn prepare(&mut self, _sql: &str, _param_types: &[Oid]) -> Result<Arc<Prepared>> {
        Err(Error::feature_not_supported("engine not built yet"))
    }

    /// Executes a prepared statement with bound parameters (Bind + Execute), inside the
    /// implicit transaction that lasts until [`Session::sync`] unless a block is open.
    pub async fn execute(
        &mut self,
        _prepared: &Prepared,
        _params: &[Value],
    ) -> Result<StatementResult> {
        Err(Error::feature_not_supported("engine not built yet"))
    }

    /// Sync: ends the implicit transaction of an extended-protocol batch, committing it (and
    /// waiting for durability) or rolling it back if a statement failed.
    pub async fn sync(&mut self) -> Result<()> {
        Ok(())
    }

    /// The status ReadyForQuery reports.
    pub fn transaction_status(&self) -> TransactionStatus {
        TransactionStatus::Idle
    }
}
