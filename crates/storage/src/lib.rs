//! # db001-storage: tables of versioned rows and their indexes
//!
//! A [`Table`] is an array of row slots, addressed by a row id that never changes, each holding
//! a chain of versions newest first (see `db001_txn` for what the stamps on a version mean and
//! who may see it). Rows are stored encoded (`db001_common::row_codec`): compact in memory and
//! the same bytes the WAL logs. Indexes are B+Trees from order-preserving key bytes plus row id to
//! nothing (see [`index`]).
//!
//! The storage layer knows rows and keys, not SQL: callers hand it decoded rows and encoded key
//! bounds, it hands back row ids and encoded rows. Writes go through a transaction's
//! [`WriteSet`], which is what rollback undoes, commit re-stamps, and the WAL logs.
//!
//! ```text
//!  Table ── slots: [0] → v(xmin=ts90) ─────────────────────────────
//!         │        [1] → v(xmin=T7, xmax=0) → v(xmin=ts80, xmax=T7)   (T7 is updating row 1)
//!         │        [2] → (empty: aborted insert)
//!         └─ indexes: pkey  {key(1)‖0, key(2)‖1, key(5)‖1 ...}        (row 1's key changed)
//! ```
//!
//! Concurrency: each slot has its own reader-writer lock; each index tree has one. Writers
//! never block on another transaction: a row held by a live writer yields a "wait for
//! transaction T" error, and the engine waits (asynchronously) and re-runs the statement.
//!
//! Modules: [`table`](Table) (writes, undo, stamping, recovery), `scan` (sequential and index
//! scans), `locking` (`FOR UPDATE`/`FOR SHARE` and READ COMMITTED's newest-version re-read),
//! `row_locks` (the lock-only lock table), `serializable` (the SSI hooks), `gc` (VACUUM and
//! the background collector: precise version pruning, dead rows, stale index entries, row id
//! reuse).

mod gc;
pub mod index;
mod locking;
mod row_locks;
mod scan;
mod serializable;
mod slots;
mod table;
mod version;
mod write_set;

pub use gc::VacuumStats;
pub use index::{Index, IndexSpec};
pub use locking::{LockOutcome, release_row_locks};
pub use scan::{IndexScan, TableScan};
pub use table::{KeyBound, Table, TxnContext, concurrent_delete, concurrent_update, stamp, undo};
pub use write_set::{HeldLock, WriteEntry, WriteKind, WriteSet};
