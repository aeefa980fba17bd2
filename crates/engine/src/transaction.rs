//! One transaction's state inside a session, and how it commits or rolls back.
//!
//! Commit, in order (see the txn crate's docs for why this order is safe):
//! 1. log the write set (and DDL) as WAL payloads; the last one is the commit record, and the
//!    commit timestamp is assigned inside the WAL's append lock;
//! 2. wait until the commit record is durable (unless `synchronous_commit` is off);
//! 3. publish the transaction's catalog if it ran DDL, make its writes visible, re-stamp its
//!    versions with the timestamp, and wake every transaction waiting for it;
//! 4. only then is the client told `COMMIT`.
//!
//! A serializable transaction passes SSI's pre-commit check before step 1 (it may fail there
//! with 40001, PostgreSQL's "during commit attempt") and tells SSI it committed after step 3.
//! Lock-only row locks are released once the transaction has finished.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use db001_catalog::Catalog;
use db001_common::{Error, Result};
use db001_storage::{Table, WriteKind, WriteSet};
use db001_txn::{IsolationLevel, ReaderSlot, Snapshot, TXN_ID_BIT, TxnId, TxnShared};

use crate::database::Database;
use crate::log_record::{KIND_TXN_COMMIT, KIND_TXN_DATA, LogOp, encode_payloads, unix_micros_now};

/// A DDL side effect on shared storage that must be undone or finished later.
#[derive(Debug)]
pub(crate) enum DdlAction {
    /// An index added to a table's storage.
    DropIndex { table: Arc<Table>, index_id: u32 },
    /// `TRUNCATE ... RESTART IDENTITY`: the sequence goes back to its start when the
    /// transaction commits. (Resetting it earlier would be unsafe: values handed out after the
    /// reset are logged ahead before the commit record, and replaying the reset after them
    /// would hand them out again.)
    ResetSequence { sequence: u32 },
}

impl DdlAction {
    fn run(self, db: &Database) {
        match self {
            DdlAction::DropIndex { table, index_id } => table.drop_index(index_id),
            DdlAction::ResetSequence { sequence } => {
                if let Err(error) = crate::sequences::reset(db, sequence) {
                    tracing::warn!("RESTART IDENTITY of sequence {sequence} failed: {error}");
                }
            }
        }
    }
}

/// Where a transaction stood at a point in time: what `ROLLBACK TO SAVEPOINT` (and a DDL
/// statement that has to wait and run again) returns to.
#[derive(Debug)]
pub(crate) struct TxnMark {
    write_set_len: usize,
    ddl_log_len: usize,
    catalog: Option<Catalog>,
    on_rollback_len: usize,
    on_commit_len: usize,
}

/// A named savepoint.
#[derive(Debug)]
pub(crate) struct Savepoint {
    pub(crate) name: String,
    pub(crate) mark: TxnMark,
}

/// The state of one transaction.
#[derive(Debug)]
pub(crate) struct Transaction {
    /// Registered with the transaction manager at the first write.
    shared: Option<Arc<TxnShared>>,
    pub(crate) isolation: IsolationLevel,
    pub(crate) read_only: bool,
    /// `DEFERRABLE` (matters for `SERIALIZABLE READ ONLY DEFERRABLE`).
    pub(crate) deferrable: bool,
    /// Whether serializable snapshot isolation tracks this transaction.
    pub(crate) ssi_tracked: bool,
    /// Whether BEGIN opened it (otherwise it is the implicit transaction of one query or one
    /// extended-protocol batch).
    pub(crate) explicit: bool,
    /// After an error in a block: everything but ROLLBACK/COMMIT fails with 25P02.
    pub(crate) failed: bool,
    /// Whether a statement has run (fixes the snapshot for REPEATABLE READ).
    pub(crate) snapshot: Option<Snapshot>,
    pub(crate) write_set: WriteSet,
    /// The private catalog of a transaction that ran DDL.
    pub(crate) catalog: Option<Catalog>,
    /// DDL log ops, each with the write-set length when it ran (to interleave with DML).
    pub(crate) ddl_log: Vec<(usize, LogOp)>,
    /// Undone on rollback.
    pub(crate) on_rollback: Vec<DdlAction>,
    /// Done after a successful commit.
    pub(crate) on_commit: Vec<DdlAction>,
    pub(crate) holds_ddl_lock: bool,
    /// `now()`: µs since 2000-01-01.
    pub(crate) start_micros: i64,
    /// Tables this transaction holds a lock on (see `table_locks`).
    pub(crate) table_locks: Vec<u32>,
    /// Open savepoints, oldest first.
    pub(crate) savepoints: Vec<Savepoint>,
}

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

impl Transaction {
    pub(crate) fn new(isolation: IsolationLevel, read_only: bool, explicit: bool) -> Transaction {
        let unix_micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64);
        Transaction {
            shared: None,
            isolation,
            read_only,
            deferrable: false,
            ssi_tracked: false,
            explicit,
            failed: false,
            snapshot: None,
            write_set: WriteSet::new(),
            catalog: None,
            ddl_log: Vec::new(),
            on_rollback: Vec::new(),
            on_commit: Vec::new(),
            holds_ddl_lock: false,
            start_micros: unix_micros - POSTGRES_EPOCH_MICROS,
            table_locks: Vec::new(),
            savepoints: Vec::new(),
        }
    }

    /// Where the transaction stands now.
    pub(crate) fn mark(&self) -> TxnMark {
        TxnMark {
            write_set_len: self.write_set.len(),
            ddl_log_len: self.ddl_log.len(),
            catalog: self.catalog.clone(),
            on_rollback_len: self.on_rollback.len(),
            on_commit_len: self.on_commit.len(),
        }
    }

    /// Undoes everything done since `mark`: row writes, DDL (the private catalog goes back to
    /// its copy at the mark), and DDL side effects on shared storage. Locks stay held, and
    /// sequences keep their values, as in PostgreSQL.
    pub(crate) fn rollback_to(&mut self, db: &Database, mark: &TxnMark) {
        let own = self.id();
        db001_storage::undo(&mut self.write_set, mark.write_set_len, own);
        self.ddl_log.truncate(mark.ddl_log_len);
        self.catalog = mark.catalog.clone();
        while self.on_rollback.len() > mark.on_rollback_len {
            if let Some(action) = self.on_rollback.pop() {
                action.run(db);
            }
        }
        self.on_commit.truncate(mark.on_commit_len);
    }

    /// Takes a lock on a table for this transaction (see `table_locks`).
    pub(crate) fn lock_table(&mut self, db: &Database, table: u32, exclusive: bool) -> Result<()> {
        let own = self.ensure_writer(db);
        let locks = &db.shared.table_locks;
        let new = if exclusive {
            locks.lock_exclusive(table, own)?
        } else {
            locks.lock_shared(table, own)?
        };
        if new {
            self.table_locks.push(table);
        }
        Ok(())
    }

    fn release_table_locks(&mut self, db: &Database, own: TxnId) {
        db.shared.table_locks.release(&self.table_locks, own);
        self.table_locks.clear();
    }

    /// The transaction id (`TXN_ID_BIT` alone, which matches nothing, before the first write).
    pub(crate) fn id(&self) -> TxnId {
        self.shared.as_ref().map_or(TXN_ID_BIT, |s| s.id())
    }

    /// Registers the transaction for writing; returns its id.
    pub(crate) fn ensure_writer(&mut self, db: &Database) -> TxnId {
        if self.shared.is_none() {
            self.shared = Some(db.shared.manager.begin());
            let id = self.id();
            if let Some(snapshot) = &mut self.snapshot {
                snapshot.own = id;
            }
        }
        self.id()
    }

    /// Whether a write set or DDL exists (a transaction that wrote nothing is read-only for
    /// SSI's purposes).
    pub(crate) fn did_write(&self) -> bool {
        !self.write_set.is_empty() || !self.ddl_log.is_empty()
    }

    /// Takes a fresh snapshot (non-serializable transactions; serializable ones go through
    /// SSI's registration in the session) and publishes it in the session's reader slot, which
    /// holds back garbage collection until the transaction ends.
    pub(crate) fn fresh_snapshot(&mut self, db: &Database, reader: &ReaderSlot) -> Snapshot {
        let snapshot = reader.snapshot(&db.shared.manager, self.id());
        self.snapshot = Some(snapshot);
        snapshot
    }

    /// Takes over a transaction registered elsewhere (a prepared transaction restored at
    /// start-up).
    pub(crate) fn adopt(&mut self, shared: Arc<TxnShared>) {
        self.shared = Some(shared);
    }

    /// The shared part, once registered (two-phase commit hands it over).
    pub(crate) fn shared(&self) -> Option<&Arc<TxnShared>> {
        self.shared.as_ref()
    }

    /// The catalog this transaction sees.
    pub(crate) fn catalog(&self, db: &Database) -> Arc<Catalog> {
        match &self.catalog {
            Some(private) => Arc::new(private.clone()),
            None => db.catalog(),
        }
    }

    /// Takes the DDL lock (DDL transactions run one at a time) and a private catalog copy.
    pub(crate) fn begin_ddl(&mut self, db: &Database) -> Result<&mut Catalog> {
        let own = self.ensure_writer(db);
        if !self.holds_ddl_lock {
            let mut owner = db.shared.ddl_owner.lock();
            match *owner {
                Some(other) if other != own => return Err(Error::wait_for(other)),
                _ => *owner = Some(own),
            }
            self.holds_ddl_lock = true;
        }
        if self.catalog.is_none() {
            let mut catalog = db.catalog().as_ref().clone();
            // Ids a rolled-back DDL transaction used are not handed out again.
            catalog.reserve_oid(
                db.shared
                    .oid_floor
                    .load(std::sync::atomic::Ordering::Acquire),
            );
            self.catalog = Some(catalog);
        }
        Ok(self.catalog.as_mut().expect("set above"))
    }

    pub(crate) fn log_ops(&self) -> Vec<LogOp> {
        let mut ops = Vec::with_capacity(self.write_set.len() + self.ddl_log.len());
        let mut ddl = self.ddl_log.iter().peekable();
        for (position, entry) in self.write_set.entries().iter().enumerate() {
            while let Some((_, op)) = ddl.next_if(|(at, _)| *at <= position) {
                ops.push(op.clone());
            }
            let table = entry.table.id();
            let row_id = entry.row_id;
            ops.push(match (&entry.kind, &entry.data) {
                (WriteKind::Insert, Some(data)) => LogOp::Insert {
                    table,
                    row_id,
                    data: Arc::clone(data),
                },
                (WriteKind::Update | WriteKind::UpdateInPlace { .. }, Some(data)) => {
                    LogOp::Update {
                        table,
                        row_id,
                        data: Arc::clone(data),
                    }
                }
                _ => LogOp::Delete { table, row_id },
            });
        }
        ops.extend(ddl.map(|(_, op)| op.clone()));
        ops
    }

    /// Commits. `synchronous` says whether to wait for the WAL flush.
    pub(crate) async fn commit(mut self, db: &Database, synchronous: bool) -> Result<()> {
        let Some(shared) = self.shared.take() else {
            // Read-only: nothing to log or publish.
            db.shared
                .stats
                .commits
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return Ok(());
        };
        let own = shared.id();
        if self.ssi_tracked
            && let Err(error) = db.shared.manager.ssi().pre_commit(own)
        {
            self.abort(db, shared);
            return Err(error);
        }
        let wal = &db.shared.wal;
        let mut ops = self.log_ops();
        let payloads = if ops.is_empty() {
            Vec::new()
        } else {
            ops.push(LogOp::CommitTime {
                unix_micros: unix_micros_now(),
            });
            encode_payloads(own & !TXN_ID_BIT, &ops, wal.max_payload_bytes())
        };
        // Until this commit is visible (and its catalog published), checkpoints must know it
        // is in progress (see checkpoint::tracker); dropped on every way out.
        let _window = db.shared.commits.enter(
            payloads.len() > 1,
            self.catalog.is_some(),
            wal,
            &db.shared.manager,
            &shared,
        );
        let lsn = if payloads.is_empty() {
            None
        } else {
            let last = payloads.len() - 1;
            let mut appended = Ok(0);
            for (i, payload) in payloads.iter().enumerate() {
                appended = if i == last {
                    wal.append(KIND_TXN_COMMIT, payload, |lsn| shared.set_commit_ts(lsn))
                } else {
                    wal.append(KIND_TXN_DATA, payload, |_| {})
                };
                if appended.is_err() {
                    break;
                }
            }
            match appended {
                Ok(lsn) => Some(lsn),
                Err(error) => {
                    self.abort(db, shared);
                    return Err(error);
                }
            }
        };
        if let Some(lsn) = lsn {
            if synchronous && let Err(error) = wal.wait_durable(lsn).await {
                // Never reported durable: the commit did not happen as far as anyone saw.
                self.abort(db, shared);
                return Err(error);
            }
            db.shared.manager.advance_visible(lsn);
        }
        if let Some(catalog) = self.catalog.take() {
            let mut published = db.shared.catalog.write();
            let mut catalog = catalog;
            catalog.bump_version(published.version());
            *published = Arc::new(catalog);
        }
        for action in std::mem::take(&mut self.on_commit) {
            action.run(db);
        }
        self.finish_committed(db, &shared, lsn);
        self.release_table_locks(db, own);
        self.release_ddl_lock(db, own);
        Ok(())
    }

    /// The end of a commit once the commit record (if any) is durable and visible: re-stamp,
    /// finish, tell SSI, release lock-only locks. Shared with `COMMIT PREPARED`.
    pub(crate) fn finish_committed(&mut self, db: &Database, shared: &TxnShared, lsn: Option<u64>) {
        let own = shared.id();
        if let Some(lsn) = lsn {
            db001_storage::stamp(&self.write_set, own, lsn);
        }
        db.shared.manager.finish(shared);
        if self.ssi_tracked {
            let did_write = self.did_write();
            db.shared.manager.ssi().committed(own, lsn, did_write);
        }
        db001_storage::release_row_locks(&mut self.write_set, own);
        db.shared.manager.refresh_horizon();
        db.shared
            .stats
            .commits
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Rolls back everything.
    pub(crate) fn rollback(mut self, db: &Database) {
        db.shared
            .stats
            .rollbacks
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(shared) = self.shared.take() {
            self.abort(db, shared);
        }
    }

    pub(crate) fn abort(&mut self, db: &Database, shared: Arc<TxnShared>) {
        let own = shared.id();
        shared.set_aborted();
        if self.ssi_tracked {
            db.shared.manager.ssi().rolled_back(own);
        }
        db001_storage::undo(&mut self.write_set, 0, own);
        while let Some(action) = self.on_rollback.pop() {
            action.run(db);
        }
        if let Some(mut catalog) = self.catalog.take() {
            db.shared
                .oid_floor
                .fetch_max(catalog.allocate_oid(), std::sync::atomic::Ordering::AcqRel);
        }
        self.release_table_locks(db, own);
        db.shared.manager.finish(&shared);
        db001_storage::release_row_locks(&mut self.write_set, own);
        self.release_ddl_lock(db, own);
    }

    /// Aborts the transaction's effects now but keeps the (failed) block open: what an error
    /// inside a block does.
    pub(crate) fn abort_in_place(&mut self, db: &Database) {
        if let Some(shared) = self.shared.take() {
            self.abort(db, shared);
        }
    }

    /// Whether the transaction ran DDL (two-phase commit refuses those).
    pub(crate) fn ran_ddl(&self) -> bool {
        self.catalog.is_some() || !self.ddl_log.is_empty() || self.holds_ddl_lock
    }

    fn release_ddl_lock(&mut self, db: &Database, own: TxnId) {
        if self.holds_ddl_lock {
            let mut owner = db.shared.ddl_owner.lock();
            if *owner == Some(own) {
                *owner = None;
            }
            self.holds_ddl_lock = false;
        }
    }
}
