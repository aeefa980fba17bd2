//! The shared engine: catalog, transaction manager, WAL; opening it runs recovery.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};

use db001_catalog::{Catalog, TableSchema, codec};
use db001_common::{Error, Result, SqlState};
use db001_storage::Table;
use db001_txn::{Snapshot, TXN_ID_BIT, TxnId, TxnManager};
use db001_wal::{Wal, WalOptions};
use parking_lot::{Mutex, RwLock};

use crate::log_record::{KIND_TXN_COMMIT, KIND_TXN_DATA, LogOp, decode_payload};
use crate::two_phase::PreparedRegistry;
use crate::two_phase::recovery::{RecoveredPrepared, is_two_phase};
use crate::{Config, Session};

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
    pub(crate) shutting_down: AtomicBool,
    pub(crate) next_backend_pid: AtomicI32,
    pub(crate) stats: Stats,
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
}

impl Database {
    /// Opens the database in `config.data_dir`, replaying the WAL.
    pub fn open(config: Config) -> Result<Database> {
        Self::open_with_report(config).map(|(db, _)| db)
    }

    /// Opens the database and reports what recovery did.
    pub fn open_with_report(config: Config) -> Result<(Database, RecoveryReport)> {
        let wal_dir: PathBuf = config.data_dir.join("wal");
        std::fs::create_dir_all(&wal_dir)
            .map_err(|e| Error::io(&format!("could not create {}", wal_dir.display()), &e))?;
        let options = WalOptions {
            segment_bytes: config.wal_segment_bytes,
            synchronous: config.synchronous_commit,
            writer_delay: std::time::Duration::from_millis(config.wal_writer_delay_ms),
        };
        let mut recovery = Recovery {
            catalog: Catalog::new(),
            ..Recovery::default()
        };
        let (wal, summary) = Wal::open(&wal_dir, options, &mut |record| {
            recovery.apply(record.kind, record.payload, record.end_lsn)
        })?;
        let report = RecoveryReport {
            transactions_replayed: recovery.replayed,
            end_lsn: summary.end_lsn,
            torn_tail_at: summary.torn_tail,
        };
        let manager = Arc::new(TxnManager::new(summary.end_lsn));
        // Ids in the log (of crashed or prepared transactions) must not be handed out again.
        manager.reserve_ids_above(recovery.max_txn);
        let listener_manager = Arc::clone(&manager);
        wal.set_durable_listener(Box::new(move |lsn| listener_manager.advance_visible(lsn)));
        let shared = Shared {
            config,
            catalog: RwLock::new(Arc::new(recovery.catalog)),
            manager,
            wal,
            ddl_owner: Mutex::new(None),
            shutting_down: AtomicBool::new(false),
            next_backend_pid: AtomicI32::new(1000),
            stats: Stats::default(),
            prepared: PreparedRegistry::default(),
        };
        let db = Database {
            shared: Arc::new(shared),
        };
        crate::two_phase::recovery::restore(&db, std::mem::take(&mut recovery.two_phase))?;
        for entry in db.catalog().tables() {
            entry.storage.rebuild_free_list();
        }
        crate::collector::start(&db);
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
            .map(|e| format!("WAL failed: {}", e.message()))
    }

    /// Counters for metrics.
    pub fn stats(&self) -> &Stats {
        &self.shared.stats
    }

    /// Number of transactions currently running.
    pub fn live_transactions(&self) -> usize {
        self.shared.manager.live_count()
    }

    /// Flushes the WAL and stops accepting new work.
    pub fn shutdown(&self) -> Result<()> {
        self.shared.shutting_down.store(true, Ordering::Release);
        self.shared.wal.shutdown()
    }

    /// The latest committed catalog (tables, their schemas and storage).
    pub fn catalog(&self) -> Arc<Catalog> {
        Arc::clone(&self.shared.catalog.read())
    }
}

/// Replays committed transactions from the WAL into an empty catalog.
#[derive(Debug, Default)]
struct Recovery {
    catalog: Catalog,
    tables: HashMap<u32, Arc<Table>>,
    /// Data records of transactions whose commit record has not been seen yet.
    pending: HashMap<u64, Vec<LogOp>>,
    replayed: u64,
    /// Prepared transactions not finished (so far) in the log.
    two_phase: RecoveredPrepared,
    /// The largest transaction id in the log.
    max_txn: u64,
}

impl Recovery {
    fn apply(&mut self, kind: u8, payload: &[u8], end_lsn: u64) -> Result<()> {
        if is_two_phase(kind) {
            let mut two_phase = std::mem::take(&mut self.two_phase);
            let mut pending = std::mem::take(&mut self.pending);
            let mut max_txn = self.max_txn;
            let result = two_phase.apply(
                kind,
                payload,
                end_lsn,
                &mut pending,
                &mut max_txn,
                &mut |ops, ts| {
                    for op in ops {
                        self.apply_op(op, ts)?;
                    }
                    self.replayed += 1;
                    Ok(())
                },
            );
            self.two_phase = two_phase;
            self.pending = pending;
            self.max_txn = max_txn;
            return result;
        }
        let (txn, ops) = decode_payload(payload)?;
        self.max_txn = self.max_txn.max(txn);
        match kind {
            KIND_TXN_DATA => {
                self.pending.entry(txn).or_default().extend(ops);
                Ok(())
            }
            KIND_TXN_COMMIT => {
                let mut all = self.pending.remove(&txn).unwrap_or_default();
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
                let everything = Snapshot {
                    read_ts: u64::MAX >> 1,
                    own: TXN_ID_BIT,
                };
                let manager = TxnManager::new(0);
                self.table(table)?
                    .add_index(schema.index_spec(&index), &everything, &manager)?;
                schema.indexes.push(index);
                self.catalog.replace_schema(schema)
            }
            LogOp::DropIndex { table, index } => {
                let mut schema = self.schema(table)?;
                self.table(table)?.drop_index(index);
                schema.indexes.retain(|i| i.id != index);
                self.catalog.replace_schema(schema)
            }
        }
    }
}
