//! `SELECT ... FOR UPDATE | NO KEY UPDATE | SHARE | KEY SHARE`, and reading a row's newest
//! committed version for READ COMMITTED's re-check (EvalPlanQual).
//!
//! Locking a row never adds a version: the lock is an entry in the table's lock-only lock table
//! ([`crate::row_locks`]), so two `FOR SHARE` lockers coexist, readers see nothing, and nothing
//! is logged. What a locker must respect, checked under the row's slot lock:
//!
//! ```text
//!   newest version written by live T ── T's write holds NO KEY UPDATE (or UPDATE if it changed a
//!                                       key, or deleted): conflicting modes wait for T
//!   newest version committed after my snapshot ── READ COMMITTED: re-check it (the caller);
//!                                                 REPEATABLE READ / SERIALIZABLE: 40001
//!   lock-only entries of live transactions ── conflicting modes wait for their holder
//! ```
//!
//! The wait policy (wait, NOWAIT, SKIP LOCKED) is the caller's: a conflict comes back as
//! [`LockOutcome::Busy`] naming the holder.

use std::sync::Arc;

use db001_common::{Error, Result};
use db001_txn::{LockMode, Timestamp, TxnId, is_txn_id};

use crate::table::{Table, TxnContext, concurrent_update};
use crate::write_set::{HeldLock, WriteSet};

/// What happened to a lock request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockOutcome {
    /// The row is locked, and the version the snapshot sees is its newest.
    Locked,
    /// The row is gone: deleted by this transaction, or (READ COMMITTED) by a committed one.
    Gone,
    /// Another live transaction holds the row in a conflicting mode.
    Busy(TxnId),
}

impl Table {
    /// Locks `row_id` in `mode` for `ctx`'s transaction. A row changed by a transaction that
    /// committed after the snapshot is `concurrent_update(ctx.isolation)` (READ COMMITTED: the
    /// caller re-checks [`Table::newest_committed`] and retries with a snapshot that sees it).
    pub fn lock_row(
        self: &Arc<Self>,
        ctx: &TxnContext<'_>,
        ws: &mut WriteSet,
        row_id: u64,
        mode: LockMode,
    ) -> Result<LockOutcome> {
        let own = ctx.snapshot.own;
        let slot = self.slot(row_id)?;
        let chain = slot.chain.write();
        let Some(head) = chain.as_deref() else {
            return Ok(LockOutcome::Gone);
        };
        // The newest committed (or own) version, past an uncommitted update that does not
        // conflict (KEY SHARE against a non-key update).
        let newest = if is_txn_id(head.xmin) && head.xmin != own {
            let writer_mode = if head.keys_changed || head.next.is_none() {
                LockMode::Update
            } else {
                LockMode::NoKeyUpdate
            };
            if mode.conflicts_with(writer_mode) {
                return Ok(LockOutcome::Busy(head.xmin));
            }
            match head.next.as_deref() {
                Some(version) => version,
                None => return Ok(LockOutcome::Gone),
            }
        } else {
            head
        };
        if newest.xmin != own && newest.xmin > ctx.snapshot.read_ts {
            return Err(concurrent_update(ctx.isolation));
        }
        match newest.xmax {
            0 => {}
            xmax if xmax == own => return Ok(LockOutcome::Gone),
            // The non-conflicting updater met above.
            xmax if xmax == head.xmin && !std::ptr::eq(newest, head) => {}
            // A delete (or key update) in progress holds UPDATE, which conflicts with all.
            xmax if is_txn_id(xmax) => return Ok(LockOutcome::Busy(xmax)),
            xmax if xmax <= ctx.snapshot.read_ts => return Ok(LockOutcome::Gone),
            _ if ctx.isolation.snapshot_per_statement() => return Ok(LockOutcome::Gone),
            _ => return Err(concurrent_update(ctx.isolation)),
        }
        if let Some(holder) = self
            .row_locks
            .conflicting_holder(row_id, own, mode, ctx.manager)
        {
            return Ok(LockOutcome::Busy(holder));
        }
        if self.row_locks.acquire(row_id, own, mode) {
            ws.locks.push(HeldLock {
                table: Arc::clone(self),
                row_id,
                mode,
            });
        }
        drop(chain);
        Ok(LockOutcome::Locked)
    }

    /// The newest committed version of a row and its commit timestamp, for READ COMMITTED's
    /// re-check after a concurrent update; `None` if the row was deleted. A version still being
    /// written by another transaction is a wait for it.
    pub fn newest_committed(
        &self,
        row_id: u64,
        ctx: &TxnContext<'_>,
    ) -> Result<Option<(Timestamp, Arc<[u8]>)>> {
        let own = ctx.snapshot.own;
        let slot = self.slot(row_id)?;
        let chain = slot.chain.read();
        let Some(head) = chain.as_deref() else {
            return Ok(None);
        };
        if head.xmin != own && is_txn_id(head.xmin) {
            return Err(Error::wait_for(head.xmin));
        }
        match head.xmax {
            0 => {}
            xmax if xmax == own => return Ok(None),
            xmax if is_txn_id(xmax) => return Err(Error::wait_for(xmax)),
            _ => return Ok(None),
        }
        let ts = if head.xmin == own {
            ctx.snapshot.read_ts
        } else {
            head.xmin
        };
        Ok(Some((ts, Arc::clone(&head.data))))
    }

    /// Re-takes a lock of a prepared transaction found in the log at start-up (no conflict
    /// checks: nothing else runs yet).
    pub fn restore_row_lock(
        self: &Arc<Self>,
        ws: &mut WriteSet,
        own: TxnId,
        row_id: u64,
        mode: LockMode,
    ) -> Result<()> {
        let slot = self.slot(row_id)?;
        let _chain = slot.chain.write();
        if self.row_locks.acquire(row_id, own, mode) {
            ws.locks.push(HeldLock {
                table: Arc::clone(self),
                row_id,
                mode,
            });
        }
        Ok(())
    }
}

/// Releases every lock-only row lock of a transaction that has ended (its entries would be
/// ignored anyway; this frees their memory at once).
pub fn release_row_locks(ws: &mut WriteSet, own: TxnId) {
    for held in ws.locks.drain(..) {
        if let Some(slot) = held.table.slots.get(held.row_id) {
            let _chain = slot.chain.write();
            held.table.row_locks.release(held.row_id, own);
        }
    }
}
