//! Serializable Snapshot Isolation, after PostgreSQL (Cahill et al., SIGMOD 2008; Ports and
//! Grittner, VLDB 2012).
//!
//! Snapshot isolation allows exactly one kind of anomaly: a cycle in the dependency graph that
//! contains two consecutive *rw-antidependencies* (T1 read something that T2, concurrently,
//! overwrote). SSI records every rw-antidependency between serializable transactions and aborts
//! one transaction when a *dangerous structure* appears:
//!
//! ```text
//!        rw            rw
//!   Tin ────▶ Tpivot ────▶ Tout        and Tout commits first
//! ```
//!
//! (Tin may be Tout: plain write skew.) This aborts some serializable histories too, but never
//! lets a non-serializable one commit.
//!
//! ## Finding rw-antidependencies
//!
//! A dependency `R → W` (R read, W wrote, concurrently) is found from whichever side acts last:
//!
//! - **W writes after R read** — R left a *SIREAD lock* (a predicate lock that blocks nothing):
//!   a whole table for a sequential scan, a key range of one index for an index scan. Every
//!   serializable write checks the locks that cover it: the table, and the ranges containing the
//!   row's old and new index keys ([`Ssi::check_write`]). Range locks cover phantoms: an insert
//!   into a range someone scanned conflicts even though no row was there.
//! - **R reads after W wrote** — R meets W's version on the chain: a newer version it cannot see
//!   (or a delete it cannot see) was made by a concurrent writer ([`Ssi::check_read`]).
//!
//! SIREAD locks are registered *before* the scan reads rows and writes check them *after* the
//! write is in place, both under one mutex; so of any concurrent read and write on the same data
//! at least one side notices the other.
//!
//! ## The bookkeeping
//!
//! Every serializable transaction gets a [`Sxact`] record when it takes its snapshot, keyed by its
//! transaction id. Records of committed transactions (and their SIREAD locks) outlive them until
//! every transaction that overlapped them has finished. Ordering questions ("did Tout commit
//! first?", "had Tout committed before Tin's snapshot?") use a private sequence
//! (`prepare_seq`/`commit_seq`, PostgreSQL's `SerCommitSeqNo`); overlap questions use tickets from
//! the same counter taken at snapshot and finish.
//!
//! Read-only transactions get PostgreSQL's optimizations: one can only be Tin, and only if Tout
//! committed before its snapshot; a read-only transaction whose concurrent read-write
//! transactions all finish without such a conflict has a *safe* snapshot and leaves SSI entirely,
//! and `READ ONLY DEFERRABLE` waits for such a snapshot before running (and then never fails).
//!
//! ## Simplifications
//!
//! All state sits behind one mutex (PostgreSQL's `SerializableXactHashLock` is similarly global);
//! only serializable transactions ever take it. A transaction holding more than
//! [`RANGES_PER_INDEX_MAX`] range locks on one index is promoted to a lock on the table. There is
//! no summarizing of old transactions to disk: records live in memory until nobody overlaps them.
//! DDL does not take part (a `DROP TABLE` conflicts with nobody's SIREAD locks).

use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use db001_common::{Error, Result, SqlState};
use parking_lot::Mutex;

use crate::wait::TxnDone;
use crate::{TXN_ID_BIT, Timestamp, TxnId, is_txn_id};

/// Range locks one transaction may hold on one index before they become a table lock.
pub const RANGES_PER_INDEX_MAX: usize = 64;

/// A serializable transaction's record.
#[derive(Debug)]
struct Sxact {
    read_ts: Timestamp,
    /// Clock value when the snapshot was taken.
    snapshot_ticket: u64,
    /// Clock value when it committed or rolled back (`u64::MAX` while running).
    finish_ticket: u64,
    /// The commit sequence number of the last commit before the snapshot.
    last_commit_before_snapshot: u64,
    /// Set when it passed the pre-commit check (it can no longer be aborted by others).
    prepare_seq: Option<u64>,
    commit_seq: Option<u64>,
    /// The commit timestamp of a committed writer (its stamped versions carry it).
    commit_ts: Option<Timestamp>,
    /// Declared READ ONLY, or committed without writing.
    read_only: bool,
    declared_read_only: bool,
    doomed: bool,
    rolled_back: bool,
    /// Has a rw-conflict out to a transaction that committed before it.
    conflict_out: bool,
    earliest_out_conflict_commit: u64,
    /// Recovered prepared transactions: conflicts unknown, assumed on both sides.
    summary_conflict_in: bool,
    summary_conflict_out: bool,
    /// Readers R with R → self.
    in_conflicts: HashSet<TxnId>,
    /// Writers W with self → W.
    out_conflicts: HashSet<TxnId>,
    /// For a read-only transaction: the read-write ones that could still make its snapshot
    /// unsafe. For a read-write one: the read-only ones it could make unsafe.
    possible_unsafe: HashSet<TxnId>,
    ro_safe: bool,
    ro_unsafe: bool,
    /// Set when a DEFERRABLE transaction's snapshot is known safe or unsafe.
    settled: Option<Arc<TxnDone>>,
    locks: Vec<LockTarget>,
}

impl Sxact {
    fn committed(&self) -> bool {
        self.commit_seq.is_some()
    }

    fn prepared(&self) -> bool {
        self.prepare_seq.is_some()
    }

    fn active(&self) -> bool {
        !self.committed() && !self.rolled_back
    }
}

/// What a SIREAD lock covers.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LockTarget {
    Table(u32),
    Range {
        table: u32,
        index: u32,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
    },
}

/// An index range a serializable scan reads, over the index's entry bytes.
#[derive(Debug, Clone)]
pub struct ReadRange {
    pub index: u32,
    pub lower: Bound<Vec<u8>>,
    pub upper: Bound<Vec<u8>>,
}

/// One range lock: its holder and bounds over index entry bytes.
type RangeLock = (TxnId, Bound<Vec<u8>>, Bound<Vec<u8>>);

#[derive(Debug, Default)]
struct SsiState {
    clock: u64,
    last_commit_seq: u64,
    /// Sequence numbers at or below this belong to commits no read-write transaction overlaps.
    can_partial_clear_through: u64,
    xacts: HashMap<TxnId, Sxact>,
    by_commit_ts: HashMap<Timestamp, TxnId>,
    writable_active: usize,
    tables: HashMap<u32, HashSet<TxnId>>,
    /// Range locks by (table, index).
    ranges: HashMap<(u32, u32), Vec<RangeLock>>,
}

/// How a serializable transaction starts.
#[derive(Debug)]
pub enum Registration {
    /// Tracked by SSI.
    Tracked,
    /// Read-only with no concurrent serializable writer: its snapshot is safe, nothing to track.
    Safe,
    /// `READ ONLY DEFERRABLE` with writers around: wait for the event, then ask
    /// [`Ssi::deferrable_outcome`].
    Deferred(Arc<TxnDone>),
}

/// SSI's shared state. See the module docs.
#[derive(Debug, Default)]
pub struct Ssi {
    /// Number of records (running or committed-but-relevant): zero means every hook returns at
    /// once, so non-serializable workloads pay one atomic load.
    tracked: AtomicUsize,
    state: Mutex<SsiState>,
}

fn failure(reason: &str) -> Error {
    Error::new(
        SqlState::SERIALIZATION_FAILURE,
        "could not serialize access due to read/write dependencies among transactions",
    )
    .with_detail(format!("Reason code: {reason}."))
    .with_hint("The transaction might succeed if retried.")
}

fn xid(id: TxnId) -> u64 {
    id & !TXN_ID_BIT
}

fn contains(lower: &Bound<Vec<u8>>, upper: &Bound<Vec<u8>>, entry: &[u8]) -> bool {
    let above = match lower {
        Bound::Unbounded => true,
        Bound::Included(l) => entry >= l.as_slice(),
        Bound::Excluded(l) => entry > l.as_slice(),
    };
    let below = match upper {
        Bound::Unbounded => true,
        Bound::Included(u) => entry <= u.as_slice(),
        Bound::Excluded(u) => entry < u.as_slice(),
    };
    above && below
}

impl Ssi {
    /// Whether any serializable transaction is being tracked (a cheap pre-check for hooks).
    #[inline]
    pub fn is_active(&self) -> bool {
        self.tracked.load(Ordering::Acquire) != 0
    }

    /// Registers serializable transaction `id`; `take_snapshot` runs under SSI's lock (so
    /// snapshot order and SSI's clock agree) and returns the read timestamp.
    pub fn register(
        &self,
        id: TxnId,
        read_only: bool,
        deferrable: bool,
        take_snapshot: impl FnOnce() -> Timestamp,
    ) -> Registration {
        let mut state = self.state.lock();
        let read_ts = take_snapshot();
        if read_only && state.writable_active == 0 {
            return Registration::Safe;
        }
        state.clock += 1;
        let mut sxact = Sxact {
            read_ts,
            snapshot_ticket: state.clock,
            finish_ticket: u64::MAX,
            last_commit_before_snapshot: state.last_commit_seq,
            prepare_seq: None,
            commit_seq: None,
            commit_ts: None,
            read_only,
            declared_read_only: read_only,
            doomed: false,
            rolled_back: false,
            conflict_out: false,
            earliest_out_conflict_commit: u64::MAX,
            summary_conflict_in: false,
            summary_conflict_out: false,
            in_conflicts: HashSet::new(),
            out_conflicts: HashSet::new(),
            possible_unsafe: HashSet::new(),
            ro_safe: false,
            ro_unsafe: false,
            settled: None,
            locks: Vec::new(),
        };
        if read_only {
            let writers: Vec<TxnId> = state
                .xacts
                .iter()
                .filter(|(_, other)| other.active() && !other.doomed && !other.read_only)
                .map(|(other_id, _)| *other_id)
                .collect();
            if writers.is_empty() {
                return Registration::Safe;
            }
            for writer in &writers {
                if let Some(other) = state.xacts.get_mut(writer) {
                    other.possible_unsafe.insert(id);
                }
            }
            sxact.possible_unsafe = writers.into_iter().collect();
        } else {
            state.writable_active += 1;
        }
        let deferred = (read_only && deferrable).then(|| {
            let event = Arc::new(TxnDone::default());
            sxact.settled = Some(Arc::clone(&event));
            event
        });
        state.xacts.insert(id, sxact);
        self.tracked.fetch_add(1, Ordering::AcqRel);
        match deferred {
            Some(event) => Registration::Deferred(event),
            None => Registration::Tracked,
        }
    }

    /// After a [`Registration::Deferred`] event: `true` if the snapshot turned out safe (the
    /// transaction runs without SSI), `false` if it must retry with a new snapshot. Either way
    /// the record is released.
    pub fn deferrable_outcome(&self, id: TxnId) -> bool {
        let mut state = self.state.lock();
        let safe = state
            .xacts
            .get(&id)
            .is_none_or(|x| x.ro_safe && !x.ro_unsafe);
        self.release(&mut state, id);
        safe
    }

    /// Whether `id` is tracked (and not doomed to nothing): hooks for readers start here. A
    /// read-only transaction found safe leaves SSI at this point.
    pub fn is_tracked(&self, id: TxnId) -> bool {
        if !self.is_active() {
            return false;
        }
        let mut state = self.state.lock();
        match state.xacts.get(&id) {
            Some(sxact) if sxact.ro_safe && sxact.active() => {
                self.release(&mut state, id);
                false
            }
            Some(sxact) => sxact.active(),
            None => false,
        }
    }

    /// Records that `id` is about to read all of `table` (a sequential scan).
    pub fn lock_table(&self, id: TxnId, table: u32) -> Result<()> {
        let mut state = self.state.lock();
        let Some(sxact) = state.xacts.get_mut(&id) else {
            return Ok(());
        };
        if sxact.doomed {
            return Err(failure(
                "Canceled on identification as a pivot, during conflict out checking",
            ));
        }
        if sxact.locks.contains(&LockTarget::Table(table)) {
            return Ok(());
        }
        sxact.locks.push(LockTarget::Table(table));
        state.tables.entry(table).or_default().insert(id);
        Ok(())
    }

    /// Records that `id` is about to read `range` of an index of `table`.
    pub fn lock_range(&self, id: TxnId, table: u32, range: ReadRange) -> Result<()> {
        let mut state = self.state.lock();
        let Some(sxact) = state.xacts.get_mut(&id) else {
            return Ok(());
        };
        if sxact.doomed {
            return Err(failure(
                "Canceled on identification as a pivot, during conflict out checking",
            ));
        }
        if sxact.locks.contains(&LockTarget::Table(table)) {
            return Ok(());
        }
        let on_index = sxact
            .locks
            .iter()
            .filter(|l| matches!(l, LockTarget::Range { table: t, index: i, .. } if *t == table && *i == range.index))
            .count();
        if on_index >= RANGES_PER_INDEX_MAX {
            // Promote: one table lock replaces this transaction's ranges on the table.
            sxact
                .locks
                .retain(|l| !matches!(l, LockTarget::Range { table: t, .. } if *t == table));
            sxact.locks.push(LockTarget::Table(table));
            for (key, entries) in state.ranges.iter_mut() {
                if key.0 == table {
                    entries.retain(|(holder, _, _)| *holder != id);
                }
            }
            state.ranges.retain(|_, entries| !entries.is_empty());
            state.tables.entry(table).or_default().insert(id);
            return Ok(());
        }
        sxact.locks.push(LockTarget::Range {
            table,
            index: range.index,
            lower: range.lower.clone(),
            upper: range.upper.clone(),
        });
        state
            .ranges
            .entry((table, range.index))
            .or_default()
            .push((id, range.lower, range.upper));
        Ok(())
    }

    /// Reader `id` met versions written by `writers` (version stamps: transaction ids or commit
    /// timestamps) that its snapshot does not see: rw-conflicts out, if the writers are
    /// serializable.
    pub fn check_read(&self, id: TxnId, writers: &[u64]) -> Result<()> {
        let mut state = self.state.lock();
        let Some(me) = state.xacts.get(&id) else {
            return Ok(());
        };
        if me.doomed {
            return Err(failure(
                "Canceled on identification as a pivot, during conflict out checking",
            ));
        }
        for &stamp in writers {
            let writer = if is_txn_id(stamp) {
                stamp
            } else {
                match state.by_commit_ts.get(&stamp) {
                    Some(writer) => *writer,
                    None => continue,
                }
            };
            if writer == id {
                continue;
            }
            let (Some(me), Some(other)) = (state.xacts.get(&id), state.xacts.get(&writer)) else {
                continue;
            };
            if other.doomed || other.rolled_back {
                continue;
            }
            if other.summary_conflict_out {
                if other.prepared() {
                    return Err(failure("Canceled on conflict out to old pivot"));
                }
                if let Some(other) = state.xacts.get_mut(&writer) {
                    other.doomed = true;
                }
                continue;
            }
            // A read-only reader of a committed writer with no conflict out to an earlier
            // commit appears to run first: no conflict.
            if me.read_only
                && other.committed()
                && (!other.conflict_out
                    || me.last_commit_before_snapshot < other.earliest_out_conflict_commit)
            {
                continue;
            }
            if me.out_conflicts.contains(&writer) {
                continue;
            }
            self.flag_conflict(&mut state, id, writer, id)?;
        }
        Ok(())
    }

    /// Writer `id` wrote a row of `table` whose old and new index entries are `entries`
    /// (index id, entry bytes): rw-conflicts in from every overlapping reader whose SIREAD lock
    /// covers them.
    pub fn check_write(&self, id: TxnId, table: u32, entries: &[(u32, Vec<u8>)]) -> Result<()> {
        let mut state = self.state.lock();
        let Some(me) = state.xacts.get(&id) else {
            return Ok(());
        };
        if me.doomed {
            return Err(failure(
                "Canceled on identification as a pivot, during conflict in checking",
            ));
        }
        let my_snapshot = me.snapshot_ticket;
        let mut readers: Vec<TxnId> = state
            .tables
            .get(&table)
            .map(|holders| holders.iter().copied().collect())
            .unwrap_or_default();
        for (index, entry) in entries {
            if let Some(ranges) = state.ranges.get(&(table, *index)) {
                for (holder, lower, upper) in ranges {
                    if contains(lower, upper, entry) {
                        readers.push(*holder);
                    }
                }
            }
        }
        readers.sort_unstable();
        readers.dedup();
        for reader in readers {
            if reader == id {
                continue;
            }
            let Some(other) = state.xacts.get(&reader) else {
                continue;
            };
            let overlaps = other.active() || other.finish_ticket > my_snapshot;
            if other.doomed || other.rolled_back || !overlaps || other.out_conflicts.contains(&id) {
                continue;
            }
            self.flag_conflict(&mut state, reader, id, id)?;
        }
        Ok(())
    }

    /// PostgreSQL's `OnConflict_CheckForSerializationFailure` followed by recording the edge
    /// `reader → writer`. `me` is whichever of the two is running this check.
    fn flag_conflict(
        &self,
        state: &mut SsiState,
        reader: TxnId,
        writer: TxnId,
        me: TxnId,
    ) -> Result<()> {
        let failed = {
            let (Some(r), Some(w)) = (state.xacts.get(&reader), state.xacts.get(&writer)) else {
                return Ok(());
            };
            // R → W → T2 with W committed and T2 committed before it.
            let mut failed = w.committed() && (w.conflict_out || w.summary_conflict_out);
            // W is a pivot with an out-conflict to a prepared T2 that commits first.
            if !failed && w.summary_conflict_out {
                failed = true;
            }
            if !failed {
                failed = w.out_conflicts.iter().any(|t2| {
                    state.xacts.get(t2).is_some_and(|t2| {
                        let Some(t2_prepared) = t2.prepare_seq else {
                            return false;
                        };
                        r.commit_seq.is_none_or(|c| t2_prepared <= c)
                            && w.commit_seq.is_none_or(|c| t2_prepared <= c)
                            && (!r.read_only || t2_prepared <= r.last_commit_before_snapshot)
                    })
                });
            }
            // T0 → R → W with W prepared: R becomes a pivot.
            if !failed && w.prepared() && !r.read_only {
                if r.summary_conflict_in {
                    failed = true;
                } else if let Some(w_prepared) = w.prepare_seq {
                    failed = r.in_conflicts.iter().any(|t0| {
                        state.xacts.get(t0).is_some_and(|t0| {
                            !t0.doomed
                                && t0.commit_seq.is_none_or(|c| c >= w_prepared)
                                && (!t0.read_only || t0.last_commit_before_snapshot >= w_prepared)
                        })
                    });
                }
            }
            failed
        };
        if failed {
            if me == writer {
                return Err(failure(
                    "Canceled on identification as a pivot, during write",
                ));
            }
            if state.xacts.get(&writer).is_some_and(Sxact::prepared) {
                return Err(failure(&format!(
                    "Canceled on conflict out to pivot {}, during read",
                    xid(writer)
                )));
            }
            if let Some(w) = state.xacts.get_mut(&writer) {
                w.doomed = true;
            }
        }
        if let Some(r) = state.xacts.get_mut(&reader) {
            r.out_conflicts.insert(writer);
        }
        if let Some(w) = state.xacts.get_mut(&writer) {
            w.in_conflicts.insert(reader);
        }
        Ok(())
    }

    /// The last check before a serializable transaction commits (or prepares): fails if it was
    /// doomed; dooms pivots for which it is the committing Tout. After this it can no longer be
    /// chosen as a victim by others.
    pub fn pre_commit(&self, id: TxnId) -> Result<()> {
        let mut state = self.state.lock();
        let Some(me) = state.xacts.get(&id) else {
            return Ok(());
        };
        if me.doomed {
            return Err(failure(
                "Canceled on identification as a pivot, during commit attempt",
            ));
        }
        let near: Vec<TxnId> = me.in_conflicts.iter().copied().collect();
        for pivot_id in near {
            let Some(pivot) = state.xacts.get(&pivot_id) else {
                continue;
            };
            if pivot.committed() || pivot.doomed {
                continue;
            }
            let dangerous = pivot.in_conflicts.iter().any(|far| {
                *far == id
                    || state
                        .xacts
                        .get(far)
                        .is_some_and(|f| !f.committed() && !f.read_only && !f.doomed)
            });
            if dangerous {
                if pivot.prepared() {
                    return Err(failure(
                        "Canceled on commit attempt with conflict in from prepared pivot",
                    ));
                }
                if let Some(pivot) = state.xacts.get_mut(&pivot_id) {
                    pivot.doomed = true;
                }
            }
        }
        state.last_commit_seq += 1;
        let seq = state.last_commit_seq;
        if let Some(me) = state.xacts.get_mut(&id) {
            me.prepare_seq = Some(seq);
        }
        Ok(())
    }

    /// Transaction `id` committed (at `commit_ts` if it logged writes); `did_write` says whether
    /// it wrote anything.
    pub fn committed(&self, id: TxnId, commit_ts: Option<Timestamp>, did_write: bool) {
        let mut state = self.state.lock();
        if !state.xacts.contains_key(&id) {
            return;
        }
        state.last_commit_seq += 1;
        state.clock += 1;
        let (seq, ticket) = (state.last_commit_seq, state.clock);
        let (declared_read_only, out, possible) = {
            let me = state.xacts.get_mut(&id).expect("checked above");
            me.commit_seq = Some(seq);
            me.finish_ticket = ticket;
            me.commit_ts = commit_ts;
            if !did_write {
                me.read_only = true;
            }
            if !me.read_only && me.summary_conflict_out {
                me.earliest_out_conflict_commit = 1;
                me.conflict_out = true;
            }
            (
                me.declared_read_only,
                me.out_conflicts.iter().copied().collect::<Vec<_>>(),
                me.possible_unsafe.iter().copied().collect::<Vec<_>>(),
            )
        };
        if let Some(ts) = commit_ts {
            state.by_commit_ts.insert(ts, id);
        }
        if !declared_read_only {
            state.writable_active = state.writable_active.saturating_sub(1);
            if state.writable_active == 0 {
                state.can_partial_clear_through = state.last_commit_seq;
            }
        }
        // Conflicts out to writers that committed before us make us "conflict out"; edges to
        // committed writers are no longer needed.
        let read_only = state.xacts.get(&id).is_some_and(|me| me.read_only);
        let last_commit_seq = state.last_commit_seq;
        for writer in out {
            let Some(w) = state.xacts.get(&writer) else {
                continue;
            };
            let (w_committed, w_prepare, w_last_before) = (
                w.committed(),
                w.prepare_seq.unwrap_or(u64::MAX),
                w.last_commit_before_snapshot,
            );
            if !read_only
                && w_committed
                && let Some(me) = state.xacts.get_mut(&id)
            {
                if !me.conflict_out || w_prepare < me.earliest_out_conflict_commit {
                    me.earliest_out_conflict_commit = w_prepare;
                }
                me.conflict_out = true;
            }
            if w_committed || w_last_before >= last_commit_seq {
                Self::remove_edge(&mut state, id, writer);
            }
        }
        // In-conflicts from committed or read-only readers can no longer matter.
        let readers: Vec<TxnId> = state
            .xacts
            .get(&id)
            .map(|me| me.in_conflicts.iter().copied().collect())
            .unwrap_or_default();
        for reader in readers {
            if state
                .xacts
                .get(&reader)
                .is_some_and(|r| r.committed() || r.read_only)
            {
                Self::remove_edge(&mut state, reader, id);
            }
        }
        if declared_read_only {
            for writer in possible {
                if let Some(w) = state.xacts.get_mut(&writer) {
                    w.possible_unsafe.remove(&id);
                }
            }
            if let Some(me) = state.xacts.get_mut(&id) {
                me.possible_unsafe.clear();
            }
        } else {
            let (conflict_out, earliest) = state.xacts.get(&id).map_or((false, u64::MAX), |me| {
                (me.conflict_out, me.earliest_out_conflict_commit)
            });
            for reader in possible {
                let unsafe_now = did_write
                    && conflict_out
                    && state
                        .xacts
                        .get(&reader)
                        .is_some_and(|r| earliest <= r.last_commit_before_snapshot);
                if unsafe_now {
                    Self::flag_unsafe(&mut state, reader);
                } else if let Some(r) = state.xacts.get_mut(&reader) {
                    r.possible_unsafe.remove(&id);
                    if r.possible_unsafe.is_empty() && !r.ro_unsafe {
                        r.ro_safe = true;
                        if let Some(event) = &r.settled {
                            event.set();
                        }
                    }
                }
            }
            if let Some(me) = state.xacts.get_mut(&id) {
                me.possible_unsafe.clear();
            }
        }
        self.clear_old(&mut state);
    }

    /// Transaction `id` rolled back (or its snapshot is being given up): forget it.
    pub fn rolled_back(&self, id: TxnId) {
        let mut state = self.state.lock();
        self.release(&mut state, id);
        self.clear_old(&mut state);
    }

    /// Marks a recovered prepared transaction: its conflicts are unknown, so it is assumed to
    /// have them on both sides, and it holds table locks on what it read.
    pub fn register_recovered_prepared(&self, id: TxnId, read_ts: Timestamp, tables: &[u32]) {
        let mut state = self.state.lock();
        state.clock += 1;
        state.last_commit_seq += 1;
        let sxact = Sxact {
            read_ts,
            snapshot_ticket: 0,
            finish_ticket: u64::MAX,
            last_commit_before_snapshot: 0,
            prepare_seq: Some(state.last_commit_seq),
            commit_seq: None,
            commit_ts: None,
            read_only: false,
            declared_read_only: false,
            doomed: false,
            rolled_back: false,
            conflict_out: false,
            earliest_out_conflict_commit: u64::MAX,
            summary_conflict_in: true,
            summary_conflict_out: true,
            in_conflicts: HashSet::new(),
            out_conflicts: HashSet::new(),
            possible_unsafe: HashSet::new(),
            ro_safe: false,
            ro_unsafe: false,
            settled: None,
            locks: tables.iter().map(|t| LockTarget::Table(*t)).collect(),
        };
        for table in tables {
            state.tables.entry(*table).or_default().insert(id);
        }
        state.writable_active += 1;
        state.xacts.insert(id, sxact);
        self.tracked.fetch_add(1, Ordering::AcqRel);
    }

    /// The tables a transaction holds SIREAD locks on (ranges count as their table), for the
    /// prepare record.
    pub fn locked_tables(&self, id: TxnId) -> Vec<u32> {
        let state = self.state.lock();
        let mut tables: Vec<u32> = state
            .xacts
            .get(&id)
            .map(|x| {
                x.locks
                    .iter()
                    .map(|l| match l {
                        LockTarget::Table(t) | LockTarget::Range { table: t, .. } => *t,
                    })
                    .collect()
            })
            .unwrap_or_default();
        tables.sort_unstable();
        tables.dedup();
        tables
    }

    /// Number of records held (running and committed-but-relevant), for tests and metrics.
    pub fn tracked_count(&self) -> usize {
        self.tracked.load(Ordering::Acquire)
    }

    /// The read timestamp a tracked transaction's snapshot was taken at (tests).
    pub fn read_ts(&self, id: TxnId) -> Option<Timestamp> {
        self.state.lock().xacts.get(&id).map(|x| x.read_ts)
    }

    fn flag_unsafe(state: &mut SsiState, reader: TxnId) {
        let writers: Vec<TxnId> = match state.xacts.get_mut(&reader) {
            Some(r) => {
                r.ro_unsafe = true;
                if let Some(event) = &r.settled {
                    event.set();
                }
                r.possible_unsafe.drain().collect()
            }
            None => return,
        };
        for writer in writers {
            if let Some(w) = state.xacts.get_mut(&writer) {
                w.possible_unsafe.remove(&reader);
            }
        }
    }

    fn remove_edge(state: &mut SsiState, reader: TxnId, writer: TxnId) {
        if let Some(r) = state.xacts.get_mut(&reader) {
            r.out_conflicts.remove(&writer);
        }
        if let Some(w) = state.xacts.get_mut(&writer) {
            w.in_conflicts.remove(&reader);
        }
    }

    fn drop_locks(state: &mut SsiState, id: TxnId) {
        let locks = match state.xacts.get_mut(&id) {
            Some(x) => std::mem::take(&mut x.locks),
            None => return,
        };
        for lock in locks {
            match lock {
                LockTarget::Table(table) => {
                    if let Some(holders) = state.tables.get_mut(&table) {
                        holders.remove(&id);
                        if holders.is_empty() {
                            state.tables.remove(&table);
                        }
                    }
                }
                LockTarget::Range { table, index, .. } => {
                    if let Some(entries) = state.ranges.get_mut(&(table, index)) {
                        entries.retain(|(holder, _, _)| *holder != id);
                        if entries.is_empty() {
                            state.ranges.remove(&(table, index));
                        }
                    }
                }
            }
        }
    }

    /// Removes a record and everything pointing at it.
    fn release(&self, state: &mut SsiState, id: TxnId) {
        Self::drop_locks(state, id);
        let Some(sxact) = state.xacts.remove(&id) else {
            return;
        };
        self.tracked.fetch_sub(1, Ordering::AcqRel);
        if sxact.active() && !sxact.declared_read_only {
            state.writable_active = state.writable_active.saturating_sub(1);
        }
        if let Some(ts) = sxact.commit_ts {
            state.by_commit_ts.remove(&ts);
        }
        for writer in &sxact.out_conflicts {
            if let Some(w) = state.xacts.get_mut(writer) {
                w.in_conflicts.remove(&id);
            }
        }
        for reader in &sxact.in_conflicts {
            if let Some(r) = state.xacts.get_mut(reader) {
                r.out_conflicts.remove(&id);
            }
        }
        for other in &sxact.possible_unsafe {
            if let Some(o) = state.xacts.get_mut(other) {
                o.possible_unsafe.remove(&id);
                // A read-only transaction whose last possibly-unsafe writer vanished (rolled
                // back) is safe.
                if o.declared_read_only
                    && o.active()
                    && o.possible_unsafe.is_empty()
                    && !o.ro_unsafe
                {
                    o.ro_safe = true;
                    if let Some(event) = &o.settled {
                        event.set();
                    }
                }
            }
        }
        if let Some(event) = &sxact.settled {
            event.set();
        }
    }

    /// Frees committed records nobody overlaps any more (PostgreSQL's
    /// `ClearOldPredicateLocks`), and the SIREAD locks of commits no read-write transaction
    /// overlaps.
    fn clear_old(&self, state: &mut SsiState) {
        let oldest_active = state
            .xacts
            .values()
            .filter(|x| x.active())
            .map(|x| x.snapshot_ticket)
            .min()
            .unwrap_or(u64::MAX);
        let finished: Vec<(TxnId, u64, u64, bool)> = state
            .xacts
            .iter()
            .filter(|(_, x)| x.committed())
            .map(|(id, x)| (*id, x.finish_ticket, x.commit_seq.unwrap_or(0), x.read_only))
            .collect();
        for (id, finish, commit_seq, read_only) in finished {
            if finish < oldest_active {
                self.release(state, id);
            } else if commit_seq <= state.can_partial_clear_through {
                if read_only {
                    self.release(state, id);
                } else {
                    Self::drop_locks(state, id);
                    let readers: Vec<TxnId> = state
                        .xacts
                        .get(&id)
                        .map(|x| x.in_conflicts.iter().copied().collect())
                        .unwrap_or_default();
                    for reader in readers {
                        Self::remove_edge(state, reader, id);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "ssi_tests.rs"]
mod tests;
