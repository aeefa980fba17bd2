//! What a checkpoint must know about commits in progress: where the oldest multi-record
//! commit started in the log, and whether a DDL commit is between its commit record and the
//! publication of its catalog.
//!
//! ## Why commits in progress matter
//!
//! A checkpoint holds every transaction committed at or before its snapshot's read timestamp
//! `R`; recovery replays the log after it. A transaction is logged as data records followed by
//! a commit record, appended one by one, so a transaction committing *after* `R` may have data
//! records *before* `R`. Replay must start early enough to see them: at the oldest start of any
//! multi-record commit in progress. Single-record commits need nothing: their one record ends
//! after `R` (timestamps are record end LSNs, and `R` is always a record boundary), so it starts
//! at or after `R`.
//!
//! The rule that makes the bound safe: a multi-record commit registers the log position before
//! its first append ([`CommitTracker::enter`]) and stays registered until its commit is visible
//! (its timestamp at or below the visibility watermark). A checkpoint first reads the oldest
//! registered start together with the current end of the log, and only then takes its
//! snapshot. For a transaction `X` that commits after `R`:
//!
//! - registered when the checkpoint looked: its start is in the minimum;
//! - registered later: its records start after the end of the log the checkpoint read;
//! - no longer registered when the checkpoint looked: then `X` was already visible, so the
//!   snapshot taken after that sees it, and `X` committed at or before `R` — not this case.
//!
//! The catalog is the second thing a checkpoint reads next to its snapshot, and it must match:
//! a DDL commit assigns its timestamp inside the append, becomes visible, and only then
//! publishes its catalog. A DDL commit brackets that window with [`CommitTracker::enter`]'s
//! `ddl` flag (a generation counter that is odd inside it; DDL commits run one at a time), and
//! a checkpoint reads snapshot and catalog between two equal, even readings of the counter.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use db001_txn::{TxnManager, TxnShared, TxnStatus};
use db001_wal::{Lsn, Wal};
use parking_lot::Mutex;

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct CommitTracker {
    /// Registered multi-record commits: id → (log position before the first append, commit
    /// timestamp once it is known and the commit is not yet visible).
    starts: Mutex<BTreeMap<u64, (Lsn, Option<Lsn>)>>,
    next_id: AtomicU64,
    /// Odd while a DDL commit is between its commit record and its catalog's publication.
    ddl_generation: AtomicU64,
}

impl CommitTracker {
    /// Brackets one commit (see the module docs). Returns `None` (no cost) for the usual
    /// single-record, non-DDL commit. Call before the first append; keep the window until the
    /// commit is visible and its catalog published.
    pub(crate) fn enter<'a>(
        &'a self,
        multi_record: bool,
        ddl: bool,
        wal: &Wal,
        manager: &'a TxnManager,
        txn: &Arc<TxnShared>,
    ) -> Option<CommitWindow<'a>> {
        if !multi_record && !ddl {
            return None;
        }
        let registration = multi_record.then(|| {
            let id = self.next_id.fetch_add(1, Ordering::Relaxed);
            let mut starts = self.starts.lock();
            // Read under the lock: a checkpoint that read the map before this insert read an
            // end of the log at or before this position.
            starts.insert(id, (wal.written_lsn(), None));
            id
        });
        if ddl {
            self.ddl_generation.fetch_add(1, Ordering::SeqCst);
        }
        Some(CommitWindow {
            tracker: self,
            manager,
            txn: Arc::clone(txn),
            registration,
            ddl,
        })
    }

    /// Registers the log start of a prepared transaction (call before its first append). It
    /// stays registered until [`CommitTracker::finish_prepared`] and then until the watermark
    /// passes its final record, so a checkpoint taken meanwhile replays from before its
    /// prepare record, and recovery finds the prepared transaction its commit or rollback
    /// record names. Returns the registration.
    pub(crate) fn register_prepared(&self, start: Lsn) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.starts.lock().insert(id, (start, None));
        id
    }

    /// Ends a registration from [`CommitTracker::register_prepared`]: `final_lsn` is the end of
    /// its COMMIT/ROLLBACK PREPARED record (kept until visible), `None` drops it now (nothing
    /// of the prepare reached the log).
    pub(crate) fn finish_prepared(&self, id: u64, final_lsn: Option<Lsn>) {
        let mut starts = self.starts.lock();
        match final_lsn {
            Some(lsn) => {
                if let Some(entry) = starts.get_mut(&id) {
                    entry.1 = Some(lsn);
                }
            }
            None => {
                starts.remove(&id);
            }
        }
    }

    /// The smallest registered start, or `end_of_log` when it is smaller (read under the same
    /// lock, see the module docs).
    pub(crate) fn oldest_start(&self, wal: &Wal, visible_ts: Lsn) -> Lsn {
        let mut starts = self.starts.lock();
        // Entries kept only until their commit became visible can go now.
        starts.retain(|_, (_, commit_ts)| commit_ts.is_none_or(|ts| ts > visible_ts));
        let end_of_log = wal.written_lsn();
        starts
            .values()
            .map(|(start, _)| *start)
            .min()
            .map_or(end_of_log, |oldest| oldest.min(end_of_log))
    }

    /// The DDL generation counter (odd inside a DDL commit window).
    pub(crate) fn ddl_generation(&self) -> u64 {
        self.ddl_generation.load(Ordering::SeqCst)
    }
}

/// One commit in progress; closes its window when dropped (on every way out of the commit).
#[derive(Debug)]
pub(crate) struct CommitWindow<'a> {
    tracker: &'a CommitTracker,
    manager: &'a TxnManager,
    txn: Arc<TxnShared>,
    registration: Option<u64>,
    ddl: bool,
}

impl Drop for CommitWindow<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.registration {
            let mut starts = self.tracker.starts.lock();
            match self.txn.status() {
                // Dropped before its commit became visible (a cancelled commit): the start
                // stays registered until the watermark passes the timestamp.
                TxnStatus::Committed(ts) if ts > self.manager.visible_ts() => {
                    if let Some(entry) = starts.get_mut(&id) {
                        entry.1 = Some(ts);
                    }
                }
                _ => {
                    starts.remove(&id);
                }
            }
        }
        if self.ddl {
            self.tracker.ddl_generation.fetch_add(1, Ordering::SeqCst);
        }
    }
}
