//! Two-phase commit records during recovery, and bringing prepared transactions back to life.
//!
//! While the log is replayed, a prepare record parks the transaction's ops under its global
//! identifier; a commit-prepared record applies them as a commit at its own LSN; a
//! rollback-prepared record drops them. Whatever is still parked at the end of the log was
//! prepared and never finished: [`restore`] re-creates each as a live transaction under a new
//! id — its writes as uncommitted versions, its lock-only row locks, its SIREAD locks (as table
//! locks, with conflicts assumed on both sides, as PostgreSQL does for recovered transactions) —
//! and puts it in the registry, so `COMMIT PREPARED` works exactly as before the restart.

use std::collections::HashMap;
use std::sync::Arc;

use db001_common::{Error, Result, SqlState, row_codec};
use db001_storage::TxnContext;
use db001_txn::{IsolationLevel, LockMode, Snapshot};

use super::record::{self, PrepareHeader};
use crate::database::Database;
use crate::log_record::{
    KIND_TXN_COMMIT_PREPARED, KIND_TXN_PREPARE, KIND_TXN_ROLLBACK_PREPARED, LogOp, decode_payload,
};
use crate::transaction::Transaction;

/// Whether a record kind belongs to two-phase commit.
pub(crate) fn is_two_phase(kind: u8) -> bool {
    matches!(
        kind,
        KIND_TXN_PREPARE | KIND_TXN_COMMIT_PREPARED | KIND_TXN_ROLLBACK_PREPARED
    )
}

/// Prepared transactions found in the log and not (yet) finished, in prepare order.
#[derive(Debug, Default)]
pub(crate) struct RecoveredPrepared {
    prepared: Vec<(PrepareHeader, Vec<LogOp>)>,
}

impl RecoveredPrepared {
    /// Replays one two-phase record. `pending` holds data records waiting for their final
    /// record (by transaction id); `commit` applies a committed transaction's ops at a
    /// timestamp. `skip_through` is the LSN of the checkpoint replay started from: a
    /// transaction prepared before the replay start and finished at or before that LSN is in
    /// the checkpoint (or was rolled back), so its finishing record names a transaction this
    /// replay never saw prepared.
    pub(crate) fn apply(
        &mut self,
        kind: u8,
        payload: &[u8],
        end_lsn: u64,
        skip_through: u64,
        pending: &mut HashMap<u64, Vec<LogOp>>,
        commit: &mut dyn FnMut(Vec<LogOp>, u64) -> Result<()>,
    ) -> Result<()> {
        match kind {
            KIND_TXN_PREPARE => {
                let (header, txn_payload) = record::decode_prepare(payload)?;
                let (txn, ops) = decode_payload(txn_payload)?;
                let mut all = pending.remove(&txn).unwrap_or_default();
                all.extend(ops);
                self.prepared.retain(|(h, _)| h.gid != header.gid);
                self.prepared.push((header, all));
                Ok(())
            }
            KIND_TXN_COMMIT_PREPARED | KIND_TXN_ROLLBACK_PREPARED => {
                let gid = record::decode_finish(payload)?;
                let found = self.prepared.iter().position(|(h, _)| h.gid == gid);
                if found.is_none() && end_lsn <= skip_through {
                    return Ok(());
                }
                let at = found.ok_or_else(|| {
                        Error::new(
                            SqlState::DATA_CORRUPTED,
                            format!(
                                "WAL finishes prepared transaction \"{gid}\" at LSN {end_lsn}, which was never prepared"
                            ),
                        )
                    })?;
                let (_, ops) = self.prepared.remove(at);
                if kind == KIND_TXN_COMMIT_PREPARED {
                    commit(ops, end_lsn)?;
                }
                Ok(())
            }
            other => Err(Error::internal(format!(
                "record kind {other} is not two-phase"
            ))),
        }
    }
}

/// Re-creates the still-prepared transactions in `db` (before it serves anyone). Each is
/// registered with the checkpoint's commit tracker from `replay_from` (where this recovery
/// read the log from, so at or before its records), so later checkpoints keep its records.
pub(crate) fn restore(db: &Database, recovered: RecoveredPrepared, replay_from: u64) -> Result<()> {
    let manager = &db.shared.manager;
    let catalog = db.catalog();
    for (header, ops) in recovered.prepared {
        let shared = manager.begin();
        let own = shared.id();
        let mut txn = Transaction::new(header.isolation, false, true);
        txn.adopt(Arc::clone(&shared));
        let ctx = TxnContext {
            manager,
            snapshot: Snapshot {
                read_ts: manager.visible_ts(),
                own,
            },
            isolation: IsolationLevel::ReadCommitted,
        };
        let table = |id: u32| {
            catalog
                .table_by_id(id)
                .map(|entry| Arc::clone(&entry.storage))
                .ok_or_else(|| {
                    Error::new(
                        SqlState::DATA_CORRUPTED,
                        format!("prepared transaction \"{}\" refers to table {id}, which does not exist", header.gid),
                    )
                })
        };
        for op in ops {
            match op {
                LogOp::Insert {
                    table: id,
                    row_id,
                    data,
                } => {
                    let row = row_codec::decode_row(&data)?;
                    table(id)?.insert_at(&ctx, &mut txn.write_set, row_id, &row)?;
                }
                LogOp::Update {
                    table: id,
                    row_id,
                    data,
                } => {
                    let storage = table(id)?;
                    let new = row_codec::decode_row(&data)?;
                    let old = match storage.newest_committed(row_id, &ctx)? {
                        Some((_, current)) => row_codec::decode_row(&current)?,
                        None => new.clone(),
                    };
                    storage.update(&ctx, &mut txn.write_set, row_id, &old, &new)?;
                }
                LogOp::Delete { table: id, row_id } => {
                    table(id)?.delete(&ctx, &mut txn.write_set, row_id)?;
                }
                _ => {
                    return Err(Error::new(
                        SqlState::DATA_CORRUPTED,
                        format!("prepared transaction \"{}\" holds DDL", header.gid),
                    ));
                }
            }
        }
        for (id, row_id, code) in &header.locks {
            let mode = LockMode::from_code(*code).ok_or_else(|| {
                Error::new(
                    SqlState::DATA_CORRUPTED,
                    format!("unknown row lock mode {code}"),
                )
            })?;
            table(*id)?.restore_row_lock(&mut txn.write_set, own, *row_id, mode)?;
        }
        if header.isolation == IsolationLevel::Serializable {
            manager
                .ssi()
                .register_recovered_prepared(own, header.read_ts, &header.ssi_tables);
            txn.ssi_tracked = true;
        }
        let registration = db.shared.commits.register_prepared(replay_from);
        db.shared
            .prepared
            .restore(&header, own & !db001_txn::TXN_ID_BIT, txn, registration);
    }
    Ok(())
}
