//! The shared engine: catalog, transaction manager, WAL, checkpointer; opening it runs
//! recovery (see `recovery` for the start-up sequence, `checkpoint` for what a checkpoint is).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};

use db001_catalog::{Catalog, TableSchema, codec, codec_objects};
use db001_common::{Error, Result, SqlState};
use db001_storage::Table;
use db001_txn::{Snapshot, TXN_ID_BIT, TxnId, TxnManager};
use db001_wal::Wal;
use parking_lot::{Mutex, RwLock};

use crate::backup::BackupInfo;
use crate::checkpoint::tracker::CommitTracker;
use crate::checkpoint::{CheckpointInfo, CheckpointReason};
use crate::checkpointer::{CheckpointStatus, Checkpointer};
use crate::log_record::{
    KIND_RESTART, KIND_SEQUENCE, KIND_TXN_COMMIT, KIND_TXN_DATA, LogOp, decode_payload,
    decode_sequence_record, encode_restart, unix_micros_now,
};
use crate::two_phase::PreparedRegistry;
use crate::two_phase::recovery::{RecoveredPrepared, is_two_phase};
use crate::{Config, Session};

/// 2000-01-01 in Unix microseconds.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// Counters the server exports as metrics.
#[derive(Debug, Default)]
pub struct Stats {
    pub commits: AtomicU64,
    pub rollbacks: AtomicU64,
    pub statements: AtomicU64,
    pub conflict_retries: AtomicU64,
    /// Old versions removed by garbage collection (collector and VACUUM).
    pub versions_collected: AtomicU64,
    /// Deleted rows removed by garbage collection.
    pub rows_collected: AtomicU64,
}

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Config,
    /// The latest committed catalog.
    pub(crate) catalog: RwLock<Arc<Catalog>>,
    pub(crate) manager: Arc<TxnManager>,
    pub(crate) wal: Wal,
    /// The transaction that may run DDL right now (DDL transactions run one at a time).
    pub(crate) ddl_owner: Mutex<Option<TxnId>>,
    /// Table locks between DDL and writers (see `table_locks`).
    pub(crate) table_locks: crate::table_locks::TableLocks,
    /// Object ids below this may have been used by DDL that rolled back; new DDL starts above.
    pub(crate) oid_floor: std::sync::atomic::AtomicU32,
    /// Every sequence's value by id, committed or not (see `sequences`).
    pub(crate) sequences: crate::sequences::SequenceRegistry,
    pub(crate) shutting_down: AtomicBool,
    pub(crate) next_backend_pid: AtomicI32,
    pub(crate) stats: Stats,
    /// Commits in progress that a checkpoint must know about (see `checkpoint::tracker`).
    pub(crate) commits: CommitTracker,
    pub(crate) checkpointer: Checkpointer,
    /// When the database was opened, µs since 2000-01-01 (`pg_postmaster_start_time()`).
    pub(crate) start_micros: i64,
    /// Transactions prepared for two-phase commit.
    pub(crate) prepared: PreparedRegistry,
}

/// An open database. Cheap to clone; all clones share one engine.
#[derive(Debug, Clone)]
pub struct Database {
    pub(crate) shared: Arc<Shared>,
}

/// What recovery found, for the start-up log.
#[derive(Debug, Clone, Default)]
pub struct RecoveryReport {
    pub transactions_replayed: u64,
    pub end_lsn: u64,
    pub torn_tail_at: Option<u64>,
    /// The checkpoint recovery started from (`None`: the empty database and the whole log).
    pub checkpoint_lsn: Option<u64>,
    /// Where the log was read from.
    pub replay_from: u64,
    /// Rows loaded from the checkpoint.
    pub checkpoint_rows: u64,
    /// WAL records read from the replay start on.
    pub records_replayed: u64,
    /// Commits in the log that the checkpoint already held.
    pub commits_skipped: u64,
    /// Checkpoints that could not be used, with the reason (newest first).
    pub rejected_checkpoints: Vec<String>,
    pub load_seconds: f64,
    pub replay_seconds: f64,
}

impl Database {
    /// Opens the database in `config.data_dir`, replaying the WAL.
    pub fn open(config: Config) -> Result<Database> {
        Self::open_with_report(config).map(|(db, _)| db)
    }

    /// Opens the database and reports what recovery did.
    pub fn open_with_report(config: Config) -> Result<(Database, RecoveryReport)> {
        db001_txn::deadline::set_long_statement_hook(leave_the_async_worker);
        let (catalog, prepared, wal, report) = crate::recovery::open(&config)?;
        // Transaction ids start again at 1: this record tells a later recovery that data
        // records of a transaction cut off before its commit belong to no later transaction.
        // (Prepared transactions are re-created under new ids, see `two_phase::recovery`.)
        let restart = wal.append(KIND_RESTART, &encode_restart(unix_micros_now()), |_| {})?;
        let manager = Arc::new(TxnManager::new(report.end_lsn));
        let listener_manager = Arc::clone(&manager);
        wal.set_durable_listener(Box::new(move |lsn| listener_manager.advance_visible(lsn)));
        wal.wait_durable_blocking(restart)?;
        let shared = Arc::new(Shared {
            checkpointer: Checkpointer::new(report.checkpoint_lsn.unwrap_or(0)),
            config,
            catalog: RwLock::new(Arc::new(catalog)),
            manager,
            wal,
            ddl_owner: Mutex::new(None),
            table_locks: crate::table_locks::TableLocks::default(),
            oid_floor: std::sync::atomic::AtomicU32::new(0),
            sequences: crate::sequences::SequenceRegistry::default(),
            shutting_down: AtomicBool::new(false),
            next_backend_pid: AtomicI32::new(1000),
            stats: Stats::default(),
            commits: CommitTracker::default(),
            start_micros: unix_micros_now() - POSTGRES_EPOCH_MICROS,
            prepared: PreparedRegistry::default(),
        });
        shared.sequences.register_all(&shared.catalog.read());
        let db = Database { shared };
        crate::two_phase::recovery::restore(&db, prepared, report.replay_from)?;
        for entry in db.catalog().tables() {
            entry.storage.rebuild_free_list();
        }
        db.shared.checkpointer.start(Arc::downgrade(&db.shared))?;
        if db.shared.config.autovacuum {
            crate::collector::start(&db);
        }
        Ok((db, report))
    }

    /// Number of transactions prepared for two-phase commit and not yet finished.
    pub fn prepared_transactions(&self) -> usize {
        self.shared.prepared.len()
    }

    /// A new session (one per client connection).
    pub fn session(&self) -> Session {
        Session::new(self.clone())
    }

    /// The highest LSN known to be on disk.
    pub fn durable_lsn(&self) -> u64 {
        self.shared.wal.durable_lsn()
    }

    /// Refuses work once shutdown began (57P01).
    pub(crate) fn check_accepting(&self) -> Result<()> {
        if self.shared.shutting_down.load(Ordering::Acquire) {
            return Err(Error::new(
                SqlState::ADMIN_SHUTDOWN,
                "db001 is not accepting work: shutting down",
            ));
        }
        Ok(())
    }

    /// Refuses writes once the WAL failed: nothing more can be made durable, so nothing more
    /// may be written. Reads go on. The error is the WAL's own (58030, or 53100 for a full
    /// disk).
    pub(crate) fn check_writable(&self) -> Result<()> {
        match self.shared.wal.failed() {
            None => Ok(()),
            Some(failure) => Err(Error::new(
                failure.code(),
                format!(
                    "db001 accepts no writes: the write-ahead log failed: {}",
                    failure.message()
                ),
            )
            .with_hint(
                "Reads still work. Fix the disk and restart the server: recovery brings back \
                 every acknowledged commit.",
            )),
        }
    }

    /// Takes a checkpoint now, on the calling thread (blocking). `None`: the newest checkpoint
    /// already holds the current state. Sessions use `CHECKPOINT`, which runs it on the
    /// checkpointer thread instead.
    pub fn checkpoint(&self) -> Result<Option<CheckpointInfo>> {
        self.shared
            .checkpointer
            .checkpoint_now(&self.shared, CheckpointReason::Requested)
    }

    /// Writes a base backup into `dir` (blocking); see `BACKUP TO` and the `backup` module.
    pub fn backup(&self, dir: &Path) -> Result<BackupInfo> {
        self.shared.checkpointer.backup_now(&self.shared, dir)
    }

    /// What the checkpointer has done.
    pub fn checkpoint_status(&self) -> CheckpointStatus {
        self.shared.checkpointer.status()
    }

    /// WAL bytes appended since the newest checkpoint's LSN (what a restart would replay, about).
    pub fn wal_bytes_since_checkpoint(&self) -> u64 {
        self.shared
            .wal
            .written_lsn()
            .saturating_sub(self.checkpoint_status().last_lsn)
    }

    /// Reasons the engine is degraded while it still serves everything: the last checkpoint
    /// failed, or the WAL since the last checkpoint is much larger than `max_wal_size`
    /// (checkpoints are not keeping up), so a restart would replay a lot.
    pub fn health_warnings(&self) -> Vec<String> {
        let status = self.checkpoint_status();
        let mut warnings = Vec::new();
        if let Some(failure) = &status.last_failure {
            warnings.push(format!("the last checkpoint failed: {}", failure.message()));
        }
        let since = self
            .shared
            .wal
            .written_lsn()
            .saturating_sub(status.last_lsn);
        let limit = self.shared.config.max_wal_bytes.saturating_mul(2);
        if limit > 0 && since > limit {
            warnings.push(format!(
                "{} MB of WAL since the last checkpoint, more than twice max_wal_size",
                since >> 20
            ));
        }
        warnings
    }

    /// Whether the engine can serve queries (false after a WAL failure or during shutdown).
    pub fn is_healthy(&self) -> bool {
        !self.shared.shutting_down.load(Ordering::Acquire) && self.shared.wal.failed().is_none()
    }

    /// Why the engine is unhealthy, if it is.
    pub fn health_problem(&self) -> Option<String> {
        if self.shared.shutting_down.load(Ordering::Acquire) {
            return Some("shutting down".to_string());
        }
        self.shared
            .wal
            .failed()
            .map(|e| format!("WAL failed, only reads are served: {}", e.message()))
    }

    /// Counters for metrics.
    pub fn stats(&self) -> &Stats {
        &self.shared.stats
    }

    /// Number of transactions currently running.
    pub fn live_transactions(&self) -> usize {
        self.shared.manager.live_count()
    }

    /// Stops accepting new work, takes a last checkpoint (so the next start replays almost
    /// nothing), and flushes and closes the WAL. A failed checkpoint is reported after the
    /// WAL is closed; the data is safe in the WAL either way.
    pub fn shutdown(&self) -> Result<()> {
        self.shared.shutting_down.store(true, Ordering::Release);
        self.shared.checkpointer.stop();
        let checkpointed = if self.shared.wal.failed().is_none() {
            self.shared
                .checkpointer
                .checkpoint_now(&self.shared, CheckpointReason::Shutdown)
                .map(|_| ())
        } else {
            Ok(())
        };
        self.shared.wal.shutdown()?;
        checkpointed
    }

    /// The latest committed catalog (tables, their schemas and storage).
    pub fn catalog(&self) -> Arc<Catalog> {
        Arc::clone(&self.shared.catalog.read())
    }
}

/// A snapshot that sees every committed version (recovery builds indexes with it).
fn replay_snapshot() -> Snapshot {
    Snapshot {
        read_ts: u64::MAX >> 1,
        own: TXN_ID_BIT,
    }
}

/// Replays committed transactions from the WAL into a catalog: empty, or loaded from a
/// checkpoint whose LSN is `skip_through`.
#[derive(Debug, Default)]
pub(crate) struct Recovery {
    catalog: Catalog,
    tables: HashMap<u32, Arc<Table>>,
    /// Data records of transactions whose commit record has not been seen yet.
    pending: HashMap<u64, Vec<LogOp>>,
    /// Sequence records for sequences not (yet) in the catalog: a transaction that created a
    /// sequence and used it logs the use before its commit record creates the sequence.
    pending_sequences: HashMap<u32, db001_catalog::SequenceValue>,
    pub(crate) replayed: u64,
    /// Commits at or below this timestamp are already in the checkpoint and are skipped.
    skip_through: u64,
    pub(crate) skipped: u64,
    /// Prepared transactions not finished (so far) in the log.
    two_phase: RecoveredPrepared,
}

impl Recovery {
    pub(crate) fn new(
        catalog: Catalog,
        tables: HashMap<u32, Arc<Table>>,
        skip_through: u64,
    ) -> Recovery {
        Recovery {
            catalog,
            tables,
            skip_through,
            ..Recovery::default()
        }
    }

    /// The recovered catalog and the transactions still prepared at the end of the log.
    pub(crate) fn into_parts(self) -> (Catalog, RecoveredPrepared) {
        (self.catalog, self.two_phase)
    }

    pub(crate) fn apply(&mut self, kind: u8, payload: &[u8], end_lsn: u64) -> Result<()> {
        if kind == KIND_RESTART {
            // Whatever is pending was cut off by a crash; ids start again after this.
            // (Prepared transactions left `pending` at their prepare record.)
            self.pending.clear();
            return Ok(());
        }
        if kind == KIND_SEQUENCE {
            let (sequence, value) = decode_sequence_record(payload)?;
            match self.catalog.sequence_by_id(sequence) {
                Some(entry) => entry.state.replay(value),
                None => {
                    self.pending_sequences.insert(sequence, value);
                }
            }
            return Ok(());
        }
        if is_two_phase(kind) {
            let mut two_phase = std::mem::take(&mut self.two_phase);
            let mut pending = std::mem::take(&mut self.pending);
            let skip_through = self.skip_through;
            let result = two_phase.apply(
                kind,
                payload,
                end_lsn,
                skip_through,
                &mut pending,
                &mut |ops, ts| {
                    if ts <= skip_through {
                        self.skipped += 1;
                        return Ok(());
                    }
                    for op in ops {
                        self.apply_op(op, ts)?;
                    }
                    self.replayed += 1;
                    Ok(())
                },
            );
            self.two_phase = two_phase;
            self.pending = pending;
            return result;
        }
        let (txn, ops) = decode_payload(payload)?;
        match kind {
            KIND_TXN_DATA => {
                self.pending.entry(txn).or_default().extend(ops);
                Ok(())
            }
            KIND_TXN_COMMIT => {
                let mut all = self.pending.remove(&txn).unwrap_or_default();
                if end_lsn <= self.skip_through {
                    self.skipped += 1;
                    return Ok(());
                }
                all.extend(ops);
                for op in all {
                    self.apply_op(op, end_lsn)?;
                }
                self.replayed += 1;
                Ok(())
            }
            other => Err(Error::new(
                SqlState::DATA_CORRUPTED,
                format!("unknown WAL record kind {other} at LSN {end_lsn}"),
            )),
        }
    }

    fn table(&self, id: u32) -> Result<&Arc<Table>> {
        self.tables.get(&id).ok_or_else(|| {
            Error::new(
                SqlState::DATA_CORRUPTED,
                format!("WAL refers to table {id}, which does not exist"),
            )
        })
    }

    fn schema(&self, id: u32) -> Result<TableSchema> {
        self.catalog
            .table_by_id(id)
            .map(|t| t.schema.as_ref().clone())
            .ok_or_else(|| {
                Error::new(
                    SqlState::DATA_CORRUPTED,
                    format!("WAL refers to table {id}, which does not exist"),
                )
            })
    }

    fn apply_op(&mut self, op: LogOp, ts: u64) -> Result<()> {
        match op {
            LogOp::Insert {
                table,
                row_id,
                data,
            } => self.table(table)?.replay_insert(row_id, data, ts),
            LogOp::Update {
                table,
                row_id,
                data,
            } => self.table(table)?.replay_update(row_id, data, ts),
            LogOp::Delete { table, row_id } => self.table(table)?.replay_delete(row_id),
            LogOp::CreateTable { schema } => {
                let schema = codec::decode_table(&schema)?;
                let entry = self.catalog.add_table(schema)?;
                self.tables
                    .insert(entry.schema.id, Arc::clone(&entry.storage));
                Ok(())
            }
            LogOp::DropTable { table } => {
                let schema = self.schema(table)?;
                self.catalog.remove_table(&schema.schema_name, &schema.name);
                self.tables.remove(&table);
                Ok(())
            }
            LogOp::CreateIndex { table, index } => {
                let mut schema = self.schema(table)?;
                let index = codec::decode_index(&index, schema.columns.len())?;
                let manager = TxnManager::new(0);
                self.table(table)?.add_index(
                    schema.index_spec(&index),
                    &replay_snapshot(),
                    &manager,
                )?;
                schema.indexes.push(index);
                self.catalog.replace_schema(schema)
            }
            LogOp::DropIndex { table, index } => {
                let mut schema = self.schema(table)?;
                self.table(table)?.drop_index(index);
                schema.indexes.retain(|i| i.id != index);
                self.catalog.replace_schema(schema)
            }
            LogOp::CommitTime { .. } => Ok(()),
            LogOp::PutRole { role } => {
                self.catalog.put_role(db001_catalog::decode_role(&role)?);
                Ok(())
            }
            LogOp::DropRole { name } => {
                self.catalog.remove_role(&name);
                Ok(())
            }
            LogOp::AlterTable { schema } => {
                let new = codec::decode_table(&schema)?;
                let old = self.schema(new.id)?;
                let storage = Arc::clone(self.table(new.id)?);
                for index in &old.indexes {
                    if !new.indexes.iter().any(|i| i.id == index.id) {
                        storage.drop_index(index.id);
                    }
                }
                for index in &new.indexes {
                    if !old.indexes.iter().any(|i| i.id == index.id) {
                        let manager = TxnManager::new(0);
                        storage.add_index(new.index_spec(index), &replay_snapshot(), &manager)?;
                    }
                }
                self.catalog.replace_schema(new)
            }
            LogOp::RewriteTable { schema } => {
                let new = codec::decode_table(&schema)?;
                let entry = self.catalog.replace_storage(new)?;
                self.tables
                    .insert(entry.schema.id, Arc::clone(&entry.storage));
                Ok(())
            }
            LogOp::CreateView { view } => {
                let view = codec_objects::decode_view(&view)?;
                self.catalog.add_view(view, true)
            }
            LogOp::DropView { view } => {
                let found = self
                    .catalog
                    .views()
                    .find(|v| v.id == view)
                    .map(|v| (v.schema_name.clone(), v.name.clone()));
                if let Some((schema, name)) = found {
                    self.catalog.remove_view(&schema, &name);
                }
                Ok(())
            }
            LogOp::CreateSequence { sequence } => {
                let (schema, mut value) = codec_objects::decode_sequence(&sequence)?;
                if let Some(used) = self.pending_sequences.remove(&schema.id) {
                    value = used;
                }
                self.catalog.add_sequence(db001_catalog::SequenceEntry {
                    schema: Arc::new(schema),
                    state: Arc::new(db001_catalog::SequenceState::restored(value)),
                })
            }
            LogOp::DropSequence { sequence } => {
                let found = self
                    .catalog
                    .sequence_by_id(sequence)
                    .map(|s| (s.schema.schema_name.clone(), s.schema.name.clone()));
                if let Some((schema, name)) = found {
                    self.catalog.remove_sequence(&schema, &name);
                }
                Ok(())
            }
            LogOp::CreateSchema { schema } => {
                let (oid, name) = codec_objects::decode_schema(&schema)?;
                self.catalog.add_schema(&name, oid)
            }
            LogOp::DropSchema { name } => {
                self.catalog.remove_schema(&name);
                Ok(())
            }
            LogOp::AlterSequence { sequence } => {
                let (schema, _) = codec_objects::decode_sequence(&sequence)?;
                self.catalog.replace_sequence(schema)
            }
        }
    }
}

/// The long-statement hook (see `db001_txn::deadline`): on a multi-threaded tokio runtime, hands
/// this worker's queued tasks to another thread so the statement running here stops delaying
/// them. Elsewhere (a current-thread runtime, a plain thread) there is nothing to hand over.
fn leave_the_async_worker() {
    if let Ok(handle) = tokio::runtime::Handle::try_current()
        && handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
    {
        // block_in_place hands the worker's core to a new thread and takes it back when the
        // closure returns if that thread has not picked it up yet; the pause lets it do so.
        tokio::task::block_in_place(|| std::thread::sleep(std::time::Duration::from_millis(5)));
    }
}
