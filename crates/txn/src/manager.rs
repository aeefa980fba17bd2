//! The transaction manager: live transactions, the visibility watermark, waits and deadlocks.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use db001_common::{Error, Result, SqlState};
use parking_lot::{Mutex, RwLock};

use crate::horizon::VisibilityView;
use crate::snapshot::Snapshot;
use crate::ssi::Ssi;
use crate::wait::{TxnDone, WaitFuture};
use crate::{TXN_ID_BIT, Timestamp, TxnId, is_txn_id};

/// `TxnShared::state` while the transaction runs.
const STATE_ACTIVE: u64 = 0;
/// `TxnShared::state` once the transaction has aborted.
const STATE_ABORTED: u64 = u64::MAX;

/// Live transactions are spread over this many independently locked maps.
const SHARDS: usize = 16;

/// What a transaction id resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnStatus {
    /// Still running (or unknown to a reader that must treat it as not yet committed).
    Active,
    /// Has a commit timestamp. Its WAL record may still be on its way to disk; readers see it
    /// only through snapshots whose read timestamp is at or above the timestamp.
    Committed(Timestamp),
    Aborted,
}

/// The part of a transaction that other transactions look at.
#[derive(Debug)]
pub struct TxnShared {
    id: TxnId,
    /// `STATE_ACTIVE`, `STATE_ABORTED` or the commit timestamp.
    state: AtomicU64,
    done: Arc<TxnDone>,
}

impl TxnShared {
    pub fn id(&self) -> TxnId {
        self.id
    }

    pub fn status(&self) -> TxnStatus {
        match self.state.load(Ordering::Acquire) {
            STATE_ACTIVE => TxnStatus::Active,
            STATE_ABORTED => TxnStatus::Aborted,
            ts => TxnStatus::Committed(ts),
        }
    }

    /// Records the commit timestamp. Called from inside the WAL append lock, before the commit
    /// record can be flushed (see the crate docs).
    pub fn set_commit_ts(&self, ts: Timestamp) {
        debug_assert!(ts != STATE_ACTIVE && ts != STATE_ABORTED && !is_txn_id(ts));
        self.state.store(ts, Ordering::Release);
    }

    /// Marks the transaction aborted. Its versions become invisible at once; it still holds its
    /// write locks until [`TxnManager::finish`].
    pub fn set_aborted(&self) {
        self.state.store(STATE_ABORTED, Ordering::Release);
    }
}

/// Hands out transaction ids, keeps the table of live transactions and the visibility watermark.
#[derive(Debug)]
pub struct TxnManager {
    next_id: AtomicU64,
    /// Every commit with a timestamp at or below this is durable (or asynchronously committed)
    /// and visible to new snapshots.
    visible_ts: AtomicU64,
    live: [RwLock<HashMap<TxnId, Arc<TxnShared>>>; SHARDS],
    /// The wait-for graph: waiter → the transaction it waits for (each waiter waits for one).
    waits: Mutex<HashMap<TxnId, WaitEdge>>,
    /// One slot per session: the read timestamp of the snapshot it is using, or `IDLE`.
    readers: Mutex<Vec<Arc<AtomicU64>>>,
    /// No snapshot in use reads below this: versions superseded at or before it are garbage.
    horizon: AtomicU64,
    /// Serializable snapshot isolation's bookkeeping.
    ssi: Ssi,
}

/// One edge of the wait-for graph.
#[derive(Debug, Clone, Copy)]
struct WaitEdge {
    holder: TxnId,
    /// The waiting session's process id, for the deadlock report.
    pid: i32,
}

/// A reader slot's value while its session holds no snapshot.
const IDLE: u64 = u64::MAX;
/// Set in a reader slot's value while the session is taking a snapshot: the rest of the value
/// is a lower bound of the read timestamp to come (see [`ReaderSlot::snapshot`]).
pub(crate) const PENDING: u64 = TXN_ID_BIT;

/// A session's published snapshot, which holds back garbage collection (see
/// [`TxnManager::register_reader`]). Unregisters itself when dropped.
#[derive(Debug)]
pub struct ReaderSlot {
    slot: Arc<AtomicU64>,
    manager: std::sync::Weak<TxnManager>,
}

impl ReaderSlot {
    /// Takes a snapshot for `own` and publishes its read timestamp.
    ///
    /// The slot first holds the current horizon marked [`PENDING`], so a horizon or a
    /// visibility view computed concurrently can never pass the read timestamp that is about to
    /// be loaded (see [`TxnManager::refresh_horizon`] and [`TxnManager::visibility_view`]).
    pub fn snapshot(&self, manager: &TxnManager, own: TxnId) -> Snapshot {
        self.slot.store(
            manager.horizon.load(Ordering::SeqCst) | PENDING,
            Ordering::SeqCst,
        );
        let read_ts = manager.visible_ts.load(Ordering::SeqCst);
        self.slot.store(read_ts, Ordering::SeqCst);
        Snapshot { read_ts, own }
    }

    /// The session no longer reads (its transaction ended).
    pub fn release(&self) {
        self.slot.store(IDLE, Ordering::SeqCst);
    }
}

impl Drop for ReaderSlot {
    fn drop(&mut self) {
        if let Some(manager) = self.manager.upgrade() {
            manager
                .readers
                .lock()
                .retain(|slot| !Arc::ptr_eq(slot, &self.slot));
        }
    }
}

impl TxnManager {
    /// A manager whose first snapshots read at `visible_ts` (the end of the recovered log).
    pub fn new(visible_ts: Timestamp) -> TxnManager {
        TxnManager {
            next_id: AtomicU64::new(TXN_ID_BIT | 1),
            visible_ts: AtomicU64::new(visible_ts),
            live: std::array::from_fn(|_| RwLock::new(HashMap::new())),
            waits: Mutex::new(HashMap::new()),
            readers: Mutex::new(Vec::new()),
            horizon: AtomicU64::new(visible_ts),
            ssi: Ssi::default(),
        }
    }

    /// Makes every transaction id handed out from now on greater than `id` (recovery: ids
    /// found in the log must not be reused, or a crashed transaction's data records would be
    /// taken for a new transaction's).
    pub fn reserve_ids_above(&self, id: TxnId) {
        self.next_id
            .fetch_max((id | TXN_ID_BIT).saturating_add(1), Ordering::AcqRel);
    }

    /// Serializable snapshot isolation's state.
    pub fn ssi(&self) -> &Ssi {
        &self.ssi
    }

    /// Registers a session as a reader. Its snapshots (taken through the slot) hold back the
    /// garbage-collection horizon until released.
    pub fn register_reader(self: &Arc<Self>) -> ReaderSlot {
        let slot = Arc::new(AtomicU64::new(IDLE));
        self.readers.lock().push(Arc::clone(&slot));
        ReaderSlot {
            slot,
            manager: Arc::downgrade(self),
        }
    }

    /// Recomputes the garbage-collection horizon: the oldest read timestamp of any published
    /// snapshot, or the visibility watermark when none is in use. Never moves back.
    ///
    /// The watermark is loaded before the slots: a session that loads its read timestamp after
    /// this scan passed its slot loads one at least as new as this watermark.
    pub fn refresh_horizon(&self) -> Timestamp {
        let mut horizon = self.visible_ts.load(Ordering::SeqCst);
        for slot in self.readers.lock().iter() {
            let value = slot.load(Ordering::SeqCst);
            if value != IDLE {
                horizon = horizon.min(value & !PENDING);
            }
        }
        self.horizon
            .fetch_max(horizon, Ordering::SeqCst)
            .max(horizon)
    }

    /// Versions superseded by a version committed at or before this timestamp are invisible
    /// to every snapshot in use and to every snapshot still to come.
    pub fn gc_horizon(&self) -> Timestamp {
        self.horizon.load(Ordering::SeqCst)
    }

    /// What every published snapshot (and every snapshot still to come) can see: the input of
    /// precise garbage collection (see [`VisibilityView`]).
    pub fn visibility_view(&self) -> VisibilityView {
        let mut watermark = self.visible_ts.load(Ordering::SeqCst);
        let mut snapshots = Vec::new();
        for slot in self.readers.lock().iter() {
            let value = slot.load(Ordering::SeqCst);
            if value == IDLE {
                continue;
            }
            if value & PENDING != 0 {
                // A snapshot being taken reads at or above this bound: treat it like a future
                // snapshot.
                watermark = watermark.min(value & !PENDING);
            } else {
                snapshots.push(value);
            }
        }
        VisibilityView::new(watermark, snapshots)
    }

    fn shard(&self, id: TxnId) -> &RwLock<HashMap<TxnId, Arc<TxnShared>>> {
        &self.live[(id as usize) % SHARDS]
    }

    /// Starts a transaction.
    pub fn begin(&self) -> Arc<TxnShared> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let shared = Arc::new(TxnShared {
            id,
            state: AtomicU64::new(STATE_ACTIVE),
            done: Arc::new(TxnDone::default()),
        });
        self.shard(id).write().insert(id, Arc::clone(&shared));
        shared
    }

    /// A snapshot at the current watermark for transaction `own`.
    pub fn snapshot(&self, own: TxnId) -> Snapshot {
        Snapshot {
            read_ts: self.visible_ts.load(Ordering::Acquire),
            own,
        }
    }

    /// The current visibility watermark.
    pub fn visible_ts(&self) -> Timestamp {
        self.visible_ts.load(Ordering::Acquire)
    }

    /// Moves the watermark forward to `ts` (never back).
    pub fn advance_visible(&self, ts: Timestamp) {
        self.visible_ts.fetch_max(ts, Ordering::AcqRel);
    }

    /// The status of a live transaction; a transaction no longer in the table has finished and
    /// re-stamped its versions, and callers holding a row's lock never see its id (the crate
    /// docs explain why), so a missing id reads as aborted.
    pub fn status(&self, id: TxnId) -> TxnStatus {
        match self.shard(id).read().get(&id) {
            Some(shared) => shared.status(),
            None => TxnStatus::Aborted,
        }
    }

    /// The commit timestamp a version stamp stands for, if its writer has committed.
    #[inline]
    pub fn committed_ts(&self, stamp: u64) -> Option<Timestamp> {
        if !is_txn_id(stamp) {
            return Some(stamp);
        }
        match self.status(stamp) {
            TxnStatus::Committed(ts) => Some(ts),
            TxnStatus::Active | TxnStatus::Aborted => None,
        }
    }

    /// Ends a transaction after its versions are re-stamped (commit) or undone (abort): removes
    /// it from the live table and wakes every transaction waiting for it.
    pub fn finish(&self, txn: &TxnShared) {
        self.shard(txn.id).write().remove(&txn.id);
        self.waits.lock().remove(&txn.id);
        txn.done.set();
    }

    /// Waits for `other` to finish on behalf of `me` (whose session has process id `pid`):
    /// records the edge `me → other` in the wait-for graph and returns a future that resolves
    /// when `other` finishes. Never fails: as in PostgreSQL, a waiter looks for a deadlock only
    /// after `deadlock_timeout` ([`TxnManager::check_deadlock`]). Call
    /// [`TxnManager::end_wait`] when done.
    pub fn wait(&self, me: TxnId, other: TxnId, pid: i32) -> WaitFuture {
        let done = match self.shard(other).read().get(&other) {
            Some(shared) => Arc::clone(&shared.done),
            // Already finished: a future that is ready at once.
            None => {
                let done = Arc::new(TxnDone::default());
                done.set();
                return WaitFuture { done };
            }
        };
        self.waits
            .lock()
            .insert(me, WaitEdge { holder: other, pid });
        WaitFuture { done }
    }

    /// The deadlock check a waiter runs once it has waited `deadlock_timeout`: if the wait-for
    /// graph has a cycle through `me`, removes `me`'s edge and fails with 40P01 (so `me` is the
    /// victim and the others proceed); otherwise `me` keeps waiting.
    pub fn check_deadlock(&self, me: TxnId) -> Result<()> {
        let mut waits = self.waits.lock();
        let mut cycle = Vec::new();
        let mut cursor = me;
        // Each transaction waits for at most one other, so the walk either ends or returns to a
        // transaction already seen within waits.len() steps.
        for _ in 0..=waits.len() {
            let Some(edge) = waits.get(&cursor) else {
                return Ok(());
            };
            cycle.push((cursor, *edge));
            cursor = edge.holder;
            if cursor == me {
                let mut detail = String::new();
                for (position, (_, edge)) in cycle.iter().enumerate() {
                    let blocker_pid = cycle[(position + 1) % cycle.len()].1.pid;
                    if position > 0 {
                        detail.push('\n');
                    }
                    let _ = write!(
                        detail,
                        "Process {} waits for ShareLock on transaction {}; blocked by process {}.",
                        edge.pid,
                        edge.holder & !TXN_ID_BIT,
                        blocker_pid
                    );
                }
                waits.remove(&me);
                return Err(Error::new(SqlState::DEADLOCK_DETECTED, "deadlock detected")
                    .with_detail(detail)
                    .with_hint("See server log for query details."));
            }
            if cycle.iter().any(|(waiter, _)| *waiter == cursor) {
                // A cycle that does not pass through `me`: its own members will find it.
                return Ok(());
            }
        }
        Ok(())
    }

    /// Removes `me`'s edge from the wait-for graph.
    pub fn end_wait(&self, me: TxnId) {
        self.waits.lock().remove(&me);
    }

    /// Number of live transactions.
    pub fn live_count(&self) -> usize {
        self.live.iter().map(|shard| shard.read().len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_timestamp_resolves_until_finish() {
        let manager = TxnManager::new(10);
        let txn = manager.begin();
        assert_eq!(manager.status(txn.id()), TxnStatus::Active);
        assert_eq!(manager.committed_ts(txn.id()), None);
        txn.set_commit_ts(20);
        assert_eq!(manager.committed_ts(txn.id()), Some(20));
        assert_eq!(manager.committed_ts(15), Some(15));
        manager.finish(&txn);
        assert_eq!(manager.live_count(), 0);
    }

    #[test]
    fn the_waiter_that_checks_first_is_the_deadlock_victim() {
        let manager = TxnManager::new(1);
        let a = manager.begin();
        let b = manager.begin();
        let c = manager.begin();
        let _wait_ab = manager.wait(a.id(), b.id(), 101);
        let _wait_bc = manager.wait(b.id(), c.id(), 102);
        assert!(manager.check_deadlock(a.id()).is_ok(), "no cycle yet");
        let _wait_ca = manager.wait(c.id(), a.id(), 103);
        // Whoever checks first (after its deadlock_timeout) is the victim, as in PostgreSQL.
        let error = manager.check_deadlock(a.id()).expect_err("a → b → c → a");
        assert_eq!(error.code(), SqlState::DEADLOCK_DETECTED);
        assert!(
            error
                .detail()
                .is_some_and(|d| d.starts_with("Process 101 waits for ShareLock")
                    && d.contains("blocked by process 101.")),
            "{:?}",
            error.detail()
        );
        // The victim's edge is gone, so the others see no cycle.
        assert!(manager.check_deadlock(b.id()).is_ok());
        assert!(manager.check_deadlock(c.id()).is_ok());
    }

    #[test]
    fn a_cycle_elsewhere_is_not_this_waiters_deadlock() {
        let manager = TxnManager::new(1);
        let a = manager.begin();
        let b = manager.begin();
        let c = manager.begin();
        let _ab = manager.wait(a.id(), b.id(), 1);
        let _bc = manager.wait(b.id(), c.id(), 2);
        let _cb = manager.wait(c.id(), b.id(), 3);
        assert!(
            manager.check_deadlock(a.id()).is_ok(),
            "a only waits on the cycle"
        );
        assert!(manager.check_deadlock(b.id()).is_err());
    }

    #[test]
    fn reserved_ids_are_never_handed_out() {
        let manager = TxnManager::new(1);
        manager.reserve_ids_above(TXN_ID_BIT | 500);
        assert!(manager.begin().id() > (TXN_ID_BIT | 500));
    }

    #[test]
    fn waiting_for_a_finished_transaction_is_immediate() {
        let manager = TxnManager::new(1);
        let a = manager.begin();
        let b = manager.begin();
        let future = manager.wait(a.id(), b.id(), 1);
        b.set_aborted();
        manager.finish(&b);
        assert!(future.done.is_set());
        let again = manager.wait(a.id(), b.id(), 1);
        assert!(again.done.is_set());
    }

    #[test]
    fn horizon_is_held_back_by_published_snapshots_only() {
        let manager = Arc::new(TxnManager::new(10));
        let reader = manager.register_reader();
        let snapshot = reader.snapshot(&manager, TXN_ID_BIT);
        assert_eq!(snapshot.read_ts, 10);
        manager.advance_visible(50);
        assert_eq!(
            manager.refresh_horizon(),
            10,
            "the open snapshot reads at 10"
        );
        reader.release();
        assert_eq!(manager.refresh_horizon(), 50);
        let again = reader.snapshot(&manager, TXN_ID_BIT);
        assert_eq!(again.read_ts, 50);
        drop(reader);
        manager.advance_visible(70);
        assert_eq!(
            manager.refresh_horizon(),
            70,
            "a dropped slot no longer counts"
        );
        assert_eq!(manager.gc_horizon(), 70);
    }

    #[test]
    fn watermark_never_moves_back() {
        let manager = TxnManager::new(5);
        manager.advance_visible(9);
        manager.advance_visible(7);
        assert_eq!(manager.visible_ts(), 9);
        assert_eq!(manager.snapshot(TXN_ID_BIT | 3).read_ts, 9);
    }
}
