//! # db001-txn: multi-version concurrency control
//!
//! This crate decides who sees what and who waits for whom. It owns transaction ids, commit
//! timestamps, snapshots, the visibility rule, row-lock modes, waiting for another transaction
//! and deadlock detection, serializable snapshot isolation (SSI, [`ssi`]), the statement
//! deadline ([`deadline`]) and the input of garbage collection ([`VisibilityView`]). The row
//! versions themselves live in the storage crate, which asks this crate every visibility
//! question; the engine drives transactions (begin, commit, waits, two-phase commit, the
//! collector) and the executor runs READ COMMITTED's re-check. Who does what:
//!
//! ```text
//!   engine   Session ── Transaction::commit ── waiting (deadlock_timeout, lock_timeout,
//!            │           two_phase            statement_timeout) ── collector / VACUUM
//!   executor │ dml: EvalPlanQual re-check      locking: SELECT ... FOR UPDATE/SHARE
//!   storage  │ version chains, write conflicts, lock-only row locks, SIREAD hooks, gc pass
//!   txn      ▼ ids, timestamps, snapshots, visibility, LockMode, wait-for graph, SSI, views
//! ```
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
//! resolve the id through the [`TxnManager`]'s table of live transactions. An aborted writer
//! unlinks its versions before it leaves that table, so a reader never meets the id of a
//! transaction that is gone. Only writes make versions: row locks never do (see Row locks).
//!
//! ## Commit timestamps are WAL positions
//!
//! A transaction's commit timestamp is the LSN at the end of its commit record. It is assigned
//! inside the WAL's append lock (see `db001_wal::Wal::append`'s `on_assigned` hook), so timestamp
//! order is log order, and "everything up to LSN L is durable" means "every commit with a
//! timestamp ≤ L is durable". A transaction that wrote nothing (a reader, or one that only
//! locked rows) has no commit record and no timestamp: it just finishes.
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
//!
//!   log:  ──ts80──ts100──ts120──│watermark 125│──ts130 (flushing)──
//!   snapshot{read_ts=125}: sees 80, 100, 120; not 130, not any live transaction but itself
//! ```
//!
//! A transaction whose timestamp is assigned but whose WAL flush is still pending counts as
//! committed for readers whose read timestamp is at or above it: such readers exist only after
//! the watermark passed it, i.e. after it became durable.
//!
//! Isolation levels differ in *when* the snapshot is taken and in what a write conflict does:
//!
//! | level | snapshot | a row changed by a commit after the snapshot, met by a write or lock |
//! | --- | --- | --- |
//! | READ COMMITTED | per statement | re-check its newest version and proceed (EvalPlanQual) |
//! | REPEATABLE READ | per transaction, at its first statement | 40001 (first updater wins) |
//! | SERIALIZABLE | as REPEATABLE READ, plus SSI | 40001, and SSI's dangerous structures |
//!
//! ## Writers and waiting
//!
//! A version whose `xmax` (or, for the newest version, `xmin`) names another live transaction is
//! write-locked by it. A second writer does not block a thread: storage reports the holder
//! (`Error::wait_for`), the engine undoes the statement, waits asynchronously for the holder to
//! finish ([`TxnManager::wait`], a [`WaitFuture`]) and runs the statement again with the same
//! snapshot. On that run the row shows up as changed after the snapshot: READ COMMITTED re-checks
//! the statement's WHERE clause on the newest committed version and updates, deletes or locks
//! that one (the executor's EvalPlanQual, `db001_executor::dml`), so concurrent increments of one
//! counter never lose an update and never fail; REPEATABLE READ and SERIALIZABLE fail with 40001.
//!
//! ```text
//!   T1: UPDATE c SET n = n + 1   ── writes v2(xmin=T1) ───────── COMMIT (ts 200)
//!   T2: UPDATE c SET n = n + 1   ── meets T1 ── waits ─────────── re-runs: v2 is newer than
//!                                                                 its snapshot → re-check
//!                                                                 WHERE on v2, write v3 = v2+1
//! ```
//!
//! Every wait is bounded the way PostgreSQL bounds it (engine `waiting`): `deadlock_timeout`
//! (then a deadlock check), `lock_timeout` (55P03) and `statement_timeout` (57014, which
//! [`deadline`] also enforces inside long scans).
//!
//! ## Row locks
//!
//! [`LockMode`] has PostgreSQL's four strengths and conflict table. Writers hold them implicitly
//! through their versions (an UPDATE that changes no index key holds NO KEY UPDATE; a key
//! change or a DELETE holds UPDATE). `SELECT ... FOR <mode>` writes nothing, so its lock is an
//! entry in the table's lock-only lock table in storage (`row_locks`), not a version: two
//! `FOR SHARE` holders coexist, readers never notice, nothing is logged (except by a prepared
//! transaction, which must keep its locks across a restart), and the entries go when the
//! transaction ends — committed or not, with or without a commit record.
//!
//! ```text
//!   slots:     [7] → v(xmin=ts90)         lock-only: { 7: [(T3, SHARE), (T5, SHARE)] }
//!   T6: UPDATE row 7 → conflicts with SHARE → waits for T3, then for T5, then writes
//! ```
//!
//! [`WaitPolicy`] is the locker's choice when it meets a conflict: wait, `NOWAIT` (55P03), or
//! `SKIP LOCKED`.
//!
//! ## Deadlocks
//!
//! Every wait adds an edge `waiter → holder` to the wait-for graph (each waiter waits for one
//! holder at a time). As in PostgreSQL, a waiter looks for a cycle through itself only once it
//! has waited `deadlock_timeout` ([`TxnManager::check_deadlock`]); if there is one it is the
//! victim (40P01, with PostgreSQL's "Process … waits for ShareLock on transaction …" detail), its
//! transaction aborts at once, and the others proceed.
//!
//! ```text
//!   T1 ──waits──▶ T2 ──waits──▶ T1     T1's deadlock_timeout fires first → T1 gets 40P01
//! ```
//!
//! ## Serializable: SSI
//!
//! SERIALIZABLE is PostgreSQL's serializable snapshot isolation ([`ssi`] explains it in full):
//! scans leave SIREAD locks (a table, or an index key range, so phantoms count), writes check
//! them, reads notice versions they cannot see, and a transaction that becomes the pivot of two
//! consecutive rw-antidependencies `Tin → Tpivot → Tout` (Tout committed first) is aborted with
//! 40001. Read-only transactions get PostgreSQL's safe-snapshot rules, and `SERIALIZABLE READ
//! ONLY DEFERRABLE` waits for a safe snapshot and then can never fail.
//!
//! ## Garbage collection
//!
//! Each session publishes the read timestamp of the snapshot it is using in a [`ReaderSlot`].
//! Two collectors use what is published:
//!
//! 1. **Writers prune as they go** against the *horizon* (the oldest published read timestamp,
//!    or the watermark when none is in use): once a version committed at or before the horizon
//!    exists, every older version of that row is invisible to all current and future
//!    snapshots, so a writer drops them from the chain it just extended. Hot rows stay short.
//!
//!    ```text
//!      row:  [T9 active] → [ts120] → [ts100] → [ts80]        horizon = 110
//!                                      └── newest ≤ horizon: keep it, drop everything older
//!    ```
//!
//! 2. **The background collector and `VACUUM`** (engine `collector`, storage `gc`) are
//!    precise: a committed version alive over `[created, ended)` is garbage when its end is at or
//!    below the watermark and no published snapshot reads inside that interval
//!    ([`VisibilityView::may_see`]). So a long-running transaction holds back one version per
//!    row — the one it reads — not everything newer than it. Deleted rows whose delete everyone
//!    sees lose their whole chain, then their index entries, then their row id is reused; stale
//!    lock-only entries are dropped. The collector wakes every 500 ms and visits a table after
//!    50 + 10% of its rows have changed since its last pass (autovacuum's rule).
//!
//!    ```text
//!      [T9 live] → [c=120,e=T9] → [c=100,e=120] → [c=80,e=100]   snapshots {85}, W = 130
//!         keep       keep (current)   drop            keep (85 reads it)
//!    ```
//!
//! Measured with `benches/memory-soak.sh` (a 30-minute update-heavy pgbench run that samples
//! the server's VmRSS every 30 s): 13.3 million transactions, 26 million versions reclaimed,
//! and resident memory within 0.5% of 93.5 MB from minute 5 to minute 30
//! (`benches/results/memory-soak-30min`).
//!
//! ## Two-phase commit
//!
//! `PREPARE TRANSACTION` logs the transaction's writes and locks and leaves it *live* in this
//! crate's table, owned by no session: its versions keep its id (invisible, write-locked) and
//! its row and SIREAD locks stay until `COMMIT PREPARED` (whose commit record's LSN is its
//! timestamp) or `ROLLBACK PREPARED`, from any session, also after a restart (engine
//! `two_phase`).
//!
//! ## Not done yet, and differences from PostgreSQL
//!
//! - Foreign keys do not exist yet, so nothing takes the implicit KEY SHARE lock a foreign-key
//!   check takes in PostgreSQL (the lock mode itself works: `SELECT ... FOR KEY SHARE`).
//! - KEY SHARE treats every index key as a "key" (PostgreSQL: only columns of unique
//!   indexes), so an UPDATE of a column in a non-unique index conflicts with FOR KEY SHARE in
//!   db001 and not in PostgreSQL.
//! - A statement that has to wait gives up the rows it already changed and redoes the whole
//!   statement after the wait (PostgreSQL keeps them and waits in place), so two statements that
//!   would deadlock in PostgreSQL may take turns in db001. A write whose target rows come from a
//!   join re-runs on a fresh snapshot instead of re-checking row by row (`db001_executor::dml`).
//! - `statement_timeout` interrupts scans and `generate_series`, not a long sort or a nested
//!   loop over already-read rows until their next scan step.
//! - SSI keeps all its state behind one mutex and in memory (no summarizing of old
//!   transactions); many range locks on one index are promoted to a table lock; DDL does not
//!   take part. Like PostgreSQL's, it has false positives.
//! - A transaction that ran DDL cannot be prepared (0A000).

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
