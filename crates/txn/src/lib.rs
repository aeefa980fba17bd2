//! # db001-txn: multi-version concurrency control
//!
//! This crate decides who sees what. It owns transaction ids, commit timestamps, snapshots, the
//! visibility rule, waiting for another transaction to finish, and deadlock detection. The row
//! versions themselves live in the storage crate, which asks this crate every visibility
//! question.
//!
//! ## Versions
//!
//! Every row is a chain of versions, newest first. Each version carries two stamps:
//!
//! ```text
//!   xmin: who created it      xmax: who ended it (0 = nobody yet)
//!
//!   row 7:  [xmin=T42  xmax=0   "balance=90"]  ← written by active transaction T42
//!        →  [xmin=ts100 xmax=T42 "balance=100"] ← committed at ts100, being replaced by T42
//! ```
//!
//! A stamp is either a *transaction id* (high bit set, [`TXN_ID_BIT`]) while its writer has not
//! finished, or the writer's *commit timestamp* once it has. After commit the writer re-stamps its
//! versions with the timestamp ("stamping"), so old data never needs a lookup; until then readers
//! resolve the id through the [`TxnManager`]'s table of live transactions.
//!
//! ## Commit timestamps are WAL positions
//!
//! A transaction's commit timestamp is the LSN at the end of its commit record. It is assigned
//! inside the WAL's append lock (see `db001_wal::Wal::append`'s `on_assigned` hook), so timestamp
//! order is log order, and "everything up to LSN L is durable" means "every commit with a
//! timestamp ≤ L is durable".
//!
//! ## Snapshots and visibility
//!
//! A snapshot is a plain value: a read timestamp plus the reader's own transaction id. The read
//! timestamp is the *visibility watermark* when the snapshot is taken: the watermark only moves
//! past a commit's timestamp once the commit is durable (or, with `synchronous_commit = off`, once
//! it is in the log buffer). So a snapshot never shows data that a crash could take back (with
//! synchronous commit), and because timestamps follow log order, every commit at or below the
//! watermark is visible to it — a consistent cut of the log.
//!
//! ```text
//! visible(v) = created(v) ∧ ¬ended(v)
//! created(v) = v.xmin = me ∨ committed_at(v.xmin) ≤ read_ts
//! ended(v)   = v.xmax = me ∨ committed_at(v.xmax) ≤ read_ts
//! ```
//!
//! A transaction whose timestamp is assigned but whose WAL flush is still pending counts as
//! committed for readers whose read timestamp is at or above it: such readers exist only after
//! the watermark passed it, i.e. after it became durable.
//!
//! Isolation levels differ only in *when* the snapshot is taken: READ COMMITTED takes one per
//! statement, REPEATABLE READ and SERIALIZABLE one per transaction. (SERIALIZABLE currently runs
//! as snapshot isolation; serializable validation is future work, and the level is accepted so
//! clients that ask for it work.)
//!
//! ## Writers
//!
//! A version whose `xmax` (or, for the newest version, `xmin`) names another live transaction is
//! write-locked by it. A second writer waits for the first to finish ([`TxnManager::wait`]),
//! then re-runs its statement: under READ COMMITTED against a fresh snapshot (so concurrent
//! increments never lose an update), under REPEATABLE READ against the same snapshot, where
//! finding the row changed by a transaction that committed after the snapshot is a serialization
//! failure (40001, first-updater-wins as in PostgreSQL). The storage crate applies these rules;
//! the engine does the waiting and the re-running, so no thread ever blocks on a row lock.
//!
//! ## Deadlocks
//!
//! Every wait adds an edge to a wait-for graph. A wait that would close a cycle fails at once with
//! 40P01 for the transaction that tried to close it; the others proceed.
//!
//! ## Garbage: the horizon
//!
//! Each session publishes the read timestamp of the snapshot it is using in a [`ReaderSlot`].
//! The oldest published timestamp (or the watermark, when no snapshot is in use) is the
//! *horizon*: once a version committed at or before the horizon exists, every older version of
//! that row is invisible to all current and future snapshots. Writers prune such versions from
//! the chains they touch (see the storage crate), which keeps hot rows' chains short.
//!
//! ```text
//!   row:  [T9 active] → [ts120] → [ts100] → [ts80]        horizon = 110
//!                                   └── newest ≤ horizon: keep it, drop everything older
//! ```
//!
//! ## Not done yet
//!
//! A background collector for rows nobody writes again (deleted rows and their index entries
//! are kept until then); serializable (SSI) validation; shared row locks (`FOR SHARE` locks
//! exclusively); two-phase commit.

pub mod deadline;
mod horizon;
mod manager;
mod row_lock;
mod snapshot;
pub mod ssi;
mod wait;

pub use horizon::VisibilityView;
pub use manager::{ReaderSlot, TxnManager, TxnShared, TxnStatus};
pub use row_lock::{LockMode, WaitPolicy};
pub use snapshot::{IsolationLevel, Snapshot};
pub use wait::{TxnDone, WaitFuture};

/// A transaction id. Always has [`TXN_ID_BIT`] set, so it cannot be mistaken for a timestamp.
pub type TxnId = u64;

/// A commit timestamp: the WAL position (LSN) at the end of the commit record.
pub type Timestamp = u64;

/// Set in every transaction id, never in a timestamp.
pub const TXN_ID_BIT: u64 = 1 << 63;

/// Whether a version stamp names a transaction (rather than a commit timestamp).
#[inline]
pub fn is_txn_id(stamp: u64) -> bool {
    stamp & TXN_ID_BIT != 0
}
