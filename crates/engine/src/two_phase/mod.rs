//! Two-phase commit: `PREPARE TRANSACTION 'gid'`, `COMMIT PREPARED`, `ROLLBACK PREPARED`,
//! `pg_prepared_xacts`.
//!
//! A prepared transaction is an ordinary transaction that stopped just before its commit record:
//!
//! ```text
//!   session: BEGIN … writes … PREPARE TRANSACTION 'g'
//!       log:  TXN_DATA*  TXN_PREPARE(g, header, ops)      ← durable before the client hears
//!       the transaction leaves the session and waits in the registry, still *live*: its
//!       versions keep its transaction id (invisible, write-locked), its lock-only row locks and
//!       SIREAD locks stay, so it keeps every lock it had
//!   any session: COMMIT PREPARED 'g'
//!       log:  TXN_COMMIT_PREPARED(g)                      ← its end LSN is the commit timestamp
//!       then the usual end of a commit: visible, re-stamped, finished
//! ```
//!
//! After a crash, recovery ([`recovery`]) applies a prepared-then-committed transaction at its
//! commit record, drops a rolled-back one, and re-creates one still prepared as a live
//! transaction holding its writes and locks, under a new transaction id.
//!
//! Limits, stated: a transaction that ran DDL cannot be prepared (0A000); PostgreSQL's
//! `pg_prepared_xacts` types `transaction` as `xid`, `prepared` as `timestamptz` and the names as
//! `name`; db001 shows `bigint`, `timestamp` and `text`.

pub(crate) mod record;
pub(crate) mod recovery;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use db001_catalog::{Catalog, ColumnSchema, TableSchema};
use db001_common::{DataType, Error, Result, Row, SqlState, Value, row_codec};
use db001_txn::TXN_ID_BIT;
use parking_lot::Mutex;

use crate::database::Database;
use crate::log_record::{
    KIND_TXN_COMMIT_PREPARED, KIND_TXN_DATA, KIND_TXN_PREPARE, KIND_TXN_ROLLBACK_PREPARED,
    encode_payloads,
};
use crate::transaction::Transaction;
use record::PrepareHeader;

/// PostgreSQL's limit: identifiers are shorter than 200 bytes.
const GID_BYTES_MAX: usize = 199;

/// The object id the `pg_prepared_xacts` view gets in a planning catalog (below the first user
/// object id, so it never collides with a table).
const VIEW_OID: u32 = 12_100;

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// One prepared transaction.
#[derive(Debug)]
struct Entry {
    gid: String,
    /// Its transaction id as `pg_prepared_xacts` shows it (0 while being prepared).
    xid: u64,
    prepared_micros: i64,
    owner: String,
    database: String,
    /// `None` while PREPARE is logging it or COMMIT/ROLLBACK PREPARED works on it.
    txn: Option<Transaction>,
    /// Its log start, registered with the checkpoint's commit tracker (see
    /// `CommitTracker::register_prepared`); `None` until PREPARE starts logging.
    log_start: Option<u64>,
}

/// The prepared transactions, in the order they were prepared.
#[derive(Debug, Default)]
pub(crate) struct PreparedRegistry {
    entries: Mutex<Vec<Entry>>,
}

impl PreparedRegistry {
    /// Number of prepared transactions (including ones being prepared or finished).
    pub(crate) fn len(&self) -> usize {
        self.entries.lock().len()
    }

    fn unreserve(&self, gid: &str) {
        self.entries.lock().retain(|e| e.gid != gid);
    }

    fn set_log_start(&self, gid: &str, registration: u64) {
        if let Some(entry) = self.entries.lock().iter_mut().find(|e| e.gid == gid) {
            entry.log_start = Some(registration);
        }
    }

    fn install(&self, gid: &str, xid: u64, txn: Transaction) {
        let mut entries = self.entries.lock();
        if let Some(entry) = entries.iter_mut().find(|e| e.gid == gid) {
            entry.xid = xid;
            entry.txn = Some(txn);
        }
    }

    /// Adds a recovered prepared transaction.
    pub(crate) fn restore(
        &self,
        header: &PrepareHeader,
        xid: u64,
        txn: Transaction,
        log_start: u64,
    ) {
        self.entries.lock().push(Entry {
            gid: header.gid.clone(),
            xid,
            prepared_micros: header.prepared_micros,
            owner: header.owner.clone(),
            database: header.database.clone(),
            txn: Some(txn),
            log_start: Some(log_start),
        });
    }
}

fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
        - POSTGRES_EPOCH_MICROS
}

/// `PREPARE TRANSACTION 'gid'` for the session's explicit transaction `txn`. On any error the
/// transaction is rolled back, as in PostgreSQL (PREPARE ends the block either way).
pub(crate) async fn prepare(
    db: &Database,
    mut txn: Transaction,
    gid: &str,
    owner: &str,
    database: &str,
) -> Result<()> {
    let max = db.shared.config.max_prepared_transactions;
    let refuse = |txn: Transaction, error: Error| {
        txn.rollback(db);
        Err(error)
    };
    if max == 0 {
        return refuse(
            txn,
            Error::new(SqlState::new("55000"), "prepared transactions are disabled")
                .with_hint("Set max_prepared_transactions to a nonzero value."),
        );
    }
    if gid.len() > GID_BYTES_MAX {
        return refuse(
            txn,
            Error::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!("transaction identifier \"{gid}\" is too long"),
            ),
        );
    }
    if txn.ran_ddl() {
        return refuse(
            txn,
            Error::feature_not_supported(
                "PREPARE TRANSACTION is not supported for a transaction that ran DDL",
            ),
        );
    }
    {
        let mut entries = db.shared.prepared.entries.lock();
        if entries.iter().any(|e| e.gid == gid) {
            drop(entries);
            return refuse(
                txn,
                Error::new(
                    SqlState::DUPLICATE_OBJECT,
                    format!("transaction identifier \"{gid}\" is already in use"),
                ),
            );
        }
        if entries.len() >= max {
            drop(entries);
            return refuse(
                txn,
                Error::new(
                    SqlState::OUT_OF_MEMORY,
                    "maximum number of prepared transactions reached",
                )
                .with_hint(format!(
                    "Increase max_prepared_transactions (currently {max})."
                )),
            );
        }
        entries.push(Entry {
            gid: gid.to_string(),
            xid: 0,
            prepared_micros: now_micros(),
            owner: owner.to_string(),
            database: database.to_string(),
            txn: None,
            log_start: None,
        });
    }
    // Registered before the first append, so no checkpoint replays from after it while the
    // transaction stays prepared.
    let registration = db
        .shared
        .commits
        .register_prepared(db.shared.wal.written_lsn());
    db.shared.prepared.set_log_start(gid, registration);
    match log_prepare(db, &mut txn, gid, owner, database).await {
        Ok(own) => {
            db.shared.prepared.install(gid, own & !TXN_ID_BIT, txn);
            Ok(())
        }
        Err(error) => {
            // The log failed (nothing more is written) or nothing was appended.
            db.shared.commits.finish_prepared(registration, None);
            db.shared.prepared.unreserve(gid);
            txn.rollback(db);
            Err(error)
        }
    }
}

/// Passes SSI's pre-commit check and writes the prepare records; returns the transaction id.
async fn log_prepare(
    db: &Database,
    txn: &mut Transaction,
    gid: &str,
    owner: &str,
    database: &str,
) -> Result<u64> {
    let own = txn.ensure_writer(db);
    let manager = &db.shared.manager;
    if txn.ssi_tracked {
        manager.ssi().pre_commit(own)?;
    }
    let mut locks: Vec<(u32, u64, u8)> = Vec::new();
    for held in txn.write_set.row_locks() {
        let key = (held.table.id(), held.row_id);
        match locks.iter_mut().find(|(t, r, _)| (*t, *r) == key) {
            Some(existing) => existing.2 = existing.2.max(held.mode.code()),
            None => locks.push((key.0, key.1, held.mode.code())),
        }
    }
    let header = PrepareHeader {
        gid: gid.to_string(),
        prepared_micros: now_micros(),
        owner: owner.to_string(),
        database: database.to_string(),
        isolation: txn.isolation,
        read_ts: txn.snapshot.map_or(manager.visible_ts(), |s| s.read_ts),
        ssi_tables: if txn.ssi_tracked {
            manager.ssi().locked_tables(own)
        } else {
            Vec::new()
        },
        locks,
    };
    let header_bytes = record::encode_prepare(&header, &[])?.len();
    let wal = &db.shared.wal;
    let room = wal
        .max_payload_bytes()
        .checked_sub(header_bytes)
        .ok_or_else(|| {
            Error::new(
                SqlState::PROGRAM_LIMIT_EXCEEDED,
                "too many row locks to prepare the transaction",
            )
        })?;
    let payloads = encode_payloads(own & !TXN_ID_BIT, &txn.log_ops(), room);
    let last = payloads.len() - 1;
    let mut lsn = 0;
    for (i, payload) in payloads.iter().enumerate() {
        lsn = if i == last {
            wal.append(
                KIND_TXN_PREPARE,
                &record::encode_prepare(&header, payload)?,
                |_| {},
            )?
        } else {
            wal.append(KIND_TXN_DATA, payload, |_| {})?
        };
    }
    // A prepared transaction must survive a crash whatever synchronous_commit says.
    wal.wait_durable(lsn).await?;
    Ok(own)
}

/// `COMMIT PREPARED 'gid'` (`commit`) or `ROLLBACK PREPARED 'gid'`.
pub(crate) async fn finish(db: &Database, gid: &str, commit: bool) -> Result<()> {
    db.check_writable()?;
    let (mut txn, log_start) = {
        let mut entries = db.shared.prepared.entries.lock();
        let Some(entry) = entries.iter_mut().find(|e| e.gid == gid) else {
            return Err(Error::new(
                SqlState::UNDEFINED_OBJECT,
                format!("prepared transaction with identifier \"{gid}\" does not exist"),
            ));
        };
        let txn = entry.txn.take().ok_or_else(|| {
            Error::new(
                SqlState::OBJECT_IN_USE,
                format!("prepared transaction with identifier \"{gid}\" is busy"),
            )
        })?;
        (txn, entry.log_start)
    };
    let Some(shared) = txn.shared().cloned() else {
        db.shared.prepared.unreserve(gid);
        return Err(Error::internal("a prepared transaction without an id"));
    };
    let wal = &db.shared.wal;
    let payload = record::encode_finish(gid)?;
    let kind = if commit {
        KIND_TXN_COMMIT_PREPARED
    } else {
        KIND_TXN_ROLLBACK_PREPARED
    };
    let appended = wal.append(kind, &payload, |lsn| {
        if commit {
            shared.set_commit_ts(lsn);
        }
    });
    let lsn = match appended {
        Ok(lsn) => lsn,
        Err(error) => {
            // Nothing was logged: it stays prepared.
            db.shared
                .prepared
                .install(gid, shared.id() & !TXN_ID_BIT, txn);
            return Err(error);
        }
    };
    if let Some(registration) = log_start {
        db.shared.commits.finish_prepared(registration, Some(lsn));
    }
    db.shared.prepared.unreserve(gid);
    if let Err(error) = wal.wait_durable(lsn).await {
        txn.abort(db, shared);
        return Err(error);
    }
    if commit {
        db.shared.manager.advance_visible(lsn);
        txn.finish_committed(db, &shared, Some(lsn));
    } else {
        txn.abort(db, shared);
    }
    Ok(())
}

/// The rows of `pg_prepared_xacts`: transaction, gid, prepared, owner, database.
fn view_rows(db: &Database) -> Vec<Row> {
    db.shared
        .prepared
        .entries
        .lock()
        .iter()
        .filter(|e| e.xid != 0)
        .map(|e| {
            vec![
                Value::Int64(e.xid as i64),
                Value::text(&e.gid),
                Value::Timestamp(e.prepared_micros),
                Value::text(&e.owner),
                Value::text(&e.database),
            ]
        })
        .collect()
}

/// Whether a statement text mentions the view (then it is planned against
/// [`with_view`]'s catalog).
pub(crate) fn mentions_view(sql: &str) -> bool {
    sql.to_ascii_lowercase().contains("pg_prepared_xacts")
}

/// A copy of `base` in which `pg_catalog.pg_prepared_xacts` (and, unless a user table has the
/// name, `public.pg_prepared_xacts`) is a table holding the current prepared transactions. Its
/// version is unique, so no cached plan is ever reused with stale rows.
pub(crate) fn with_view(db: &Database, base: &Catalog) -> Result<Arc<Catalog>> {
    static VERSIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1 << 62);
    let mut catalog = base.clone();
    let rows = view_rows(db);
    let column = |name: &str, data_type| ColumnSchema {
        name: name.to_string(),
        data_type,
        nullable: true,
        default: None,
        identity: None,
    };
    for (offset, schema_name) in ["pg_catalog", "public"].into_iter().enumerate() {
        if catalog.table(schema_name, "pg_prepared_xacts").is_some() {
            continue;
        }
        let entry = catalog.add_table(TableSchema {
            id: VIEW_OID + offset as u32,
            name: "pg_prepared_xacts".to_string(),
            schema_name: schema_name.to_string(),
            columns: vec![
                column("transaction", DataType::BigInt),
                column("gid", DataType::Text),
                column("prepared", DataType::Timestamp),
                column("owner", DataType::Text),
                column("database", DataType::Text),
            ],
            indexes: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
        })?;
        for (row_id, row) in rows.iter().enumerate() {
            let mut data = Vec::new();
            row_codec::encode_row(row, &mut data);
            // Committed at timestamp 1: visible to every snapshot.
            entry.storage.replay_insert(row_id as u64, data.into(), 1)?;
        }
    }
    let unique = VERSIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    catalog.bump_version(unique);
    Ok(Arc::new(catalog))
}
