//! Lock-only row locks (`SELECT ... FOR SHARE` and friends): who holds which mode on a row.
//!
//! A write locks its row implicitly through the version it adds (see `db001_txn`). A row lock
//! that writes nothing must not add a version — that would make it exclusive, log nothing useful
//! and cost a version per locked row — so it lives here, outside the version chain:
//!
//! ```text
//!   Table ── slots: [7] → v(xmin=ts90)          row_locks: { 7: [(T3, SHARE), (T5, SHARE)] }
//!                   [9] → v(xmin=T4) → v(ts80)             { 9: [(T6, KEY SHARE)] }
//! ```
//!
//! Readers never look here. Writers and lockers of a row consult it while holding the row's
//! slot lock, and every change to a row's entry is made under that same slot lock, so checking
//! for a conflict and installing a version (or a lock) is atomic. Entries of transactions that
//! have finished are stale: they are ignored, dropped when met, and released eagerly when the
//! transaction ends ([`crate::release_row_locks`]).
//!
//! Most tables never see a lock-only lock: a count of rows with entries lets writers skip the
//! lookup (one atomic load) when it is zero.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use db001_txn::{LockMode, TxnId, TxnManager, TxnStatus};
use parking_lot::Mutex;

/// Maps are sharded by row id to spread contention.
const SHARDS: usize = 16;

/// One row's holders (usually one or two).
type Holders = Vec<(TxnId, LockMode)>;

/// The lock-only locks of one table.
#[derive(Debug)]
pub(crate) struct RowLockTable {
    /// Rows with at least one entry.
    rows: AtomicUsize,
    shards: [Mutex<HashMap<u64, Holders>>; SHARDS],
}

impl Default for RowLockTable {
    fn default() -> RowLockTable {
        RowLockTable {
            rows: AtomicUsize::new(0),
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
        }
    }
}

fn holds(manager: &TxnManager, holder: TxnId) -> bool {
    // A prepared transaction is still active; a committed one has released its locks.
    manager.status(holder) == TxnStatus::Active
}

impl RowLockTable {
    fn shard(&self, row_id: u64) -> &Mutex<HashMap<u64, Holders>> {
        &self.shards[(row_id as usize) % SHARDS]
    }

    /// A live transaction other than `own` holding `row_id` in a mode that conflicts with
    /// `mode`. Drops stale entries on the way. Call with the row's slot lock held.
    pub(crate) fn conflicting_holder(
        &self,
        row_id: u64,
        own: TxnId,
        mode: LockMode,
        manager: &TxnManager,
    ) -> Option<TxnId> {
        if self.rows.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut shard = self.shard(row_id).lock();
        let holders = shard.get_mut(&row_id)?;
        holders.retain(|(holder, _)| *holder == own || holds(manager, *holder));
        let found = holders
            .iter()
            .find(|(holder, held)| *holder != own && held.conflicts_with(mode))
            .map(|(holder, _)| *holder);
        if holders.is_empty() {
            shard.remove(&row_id);
            self.rows.fetch_sub(1, Ordering::AcqRel);
        }
        found
    }

    /// Records that `own` holds `mode` on `row_id` (keeping a stronger mode it already holds).
    /// Returns whether the entry is new or stronger. Call with the row's slot lock held.
    pub(crate) fn acquire(&self, row_id: u64, own: TxnId, mode: LockMode) -> bool {
        let mut shard = self.shard(row_id).lock();
        let holders = shard.entry(row_id).or_insert_with(|| {
            self.rows.fetch_add(1, Ordering::AcqRel);
            Vec::new()
        });
        match holders.iter_mut().find(|(holder, _)| *holder == own) {
            Some((_, held)) if *held >= mode => false,
            Some((_, held)) => {
                *held = mode;
                true
            }
            None => {
                holders.push((own, mode));
                true
            }
        }
    }

    /// Drops `own`'s entry on `row_id`. Call with the row's slot lock held.
    pub(crate) fn release(&self, row_id: u64, own: TxnId) {
        if self.rows.load(Ordering::Acquire) == 0 {
            return;
        }
        let mut shard = self.shard(row_id).lock();
        if let Some(holders) = shard.get_mut(&row_id) {
            holders.retain(|(holder, _)| *holder != own);
            if holders.is_empty() {
                shard.remove(&row_id);
                self.rows.fetch_sub(1, Ordering::AcqRel);
            }
        }
    }

    /// Drops every entry of a row (its slot is being recycled).
    pub(crate) fn forget(&self, row_id: u64) {
        if self.rows.load(Ordering::Acquire) == 0 {
            return;
        }
        if self.shard(row_id).lock().remove(&row_id).is_some() {
            self.rows.fetch_sub(1, Ordering::AcqRel);
        }
    }

    /// Drops the entries of finished transactions everywhere (garbage collection).
    pub(crate) fn prune(&self, manager: &TxnManager) -> usize {
        if self.rows.load(Ordering::Acquire) == 0 {
            return 0;
        }
        let mut dropped = 0;
        for shard in &self.shards {
            let mut shard = shard.lock();
            let before = shard.len();
            shard.retain(|_, holders| {
                holders.retain(|(holder, _)| holds(manager, *holder));
                !holders.is_empty()
            });
            let removed = before - shard.len();
            self.rows.fetch_sub(removed, Ordering::AcqRel);
            dropped += removed;
        }
        dropped
    }

    /// Number of rows with entries.
    pub(crate) fn len(&self) -> usize {
        self.rows.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn share_locks_coexist_and_exclude_writers() {
        let manager = TxnManager::new(1);
        let a = manager.begin();
        let b = manager.begin();
        let locks = RowLockTable::default();
        assert!(locks.acquire(3, a.id(), LockMode::Share));
        assert_eq!(
            locks.conflicting_holder(3, b.id(), LockMode::Share, &manager),
            None
        );
        assert!(locks.acquire(3, b.id(), LockMode::Share));
        assert!(
            locks
                .conflicting_holder(3, b.id(), LockMode::NoKeyUpdate, &manager)
                .is_some_and(|h| h == a.id())
        );
        assert!(!locks.acquire(3, a.id(), LockMode::KeyShare), "weaker");
        assert!(locks.acquire(3, a.id(), LockMode::Update), "upgrade");
        assert_eq!(locks.len(), 1);
    }

    #[test]
    fn finished_holders_are_stale() {
        let manager = TxnManager::new(1);
        let a = manager.begin();
        let b = manager.begin();
        let locks = RowLockTable::default();
        locks.acquire(1, a.id(), LockMode::Update);
        locks.acquire(2, a.id(), LockMode::Update);
        a.set_commit_ts(5);
        manager.finish(&a);
        assert_eq!(
            locks.conflicting_holder(1, b.id(), LockMode::Update, &manager),
            None
        );
        assert_eq!(locks.len(), 1, "row 1's stale entry was dropped on sight");
        assert_eq!(locks.prune(&manager), 1);
        assert_eq!(locks.len(), 0);
    }
}
