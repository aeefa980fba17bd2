//! A table: row slots with version chains, plus its indexes; inserts, updates and deletes.
//!
//! Lock order, which every path here keeps: an index tree's lock may be held while a row slot's
//! lock is taken (unique checks, garbage collection), never the other way round. Writers
//! release the slot lock before they touch indexes. The lock-only row locks
//! ([`crate::row_locks`]) are consulted and changed only under the row's slot lock.
//!
//! A writer meets three kinds of competitor on a row, all checked under the slot lock:
//! - a newer version by a live transaction: wait for it (`Error::wait_for`);
//! - a newer version committed after the statement's snapshot: a *concurrent update* — under
//!   READ COMMITTED the executor re-checks the newest version (PostgreSQL's EvalPlanQual, see
//!   `db001_executor::dml`), under the snapshot levels it is 40001;
//! - a lock-only lock in a conflicting mode (`FOR SHARE` blocks an UPDATE): wait for its holder.
//!
//! Row ids of rows that garbage collection removed (and of rolled-back inserts) are recycled
//! through a free list once no index entry points at them any more.

use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};

use db001_common::{Error, Result, Row, SqlState, Value, row_codec};
use db001_txn::{IsolationLevel, LockMode, Snapshot, TxnManager, is_txn_id};
use parking_lot::{Mutex, RwLock};

use crate::index::{Index, IndexSpec, split_entry};
use crate::row_locks::RowLockTable;
use crate::slots::{Slot, SlotArray};
use crate::version::{Version, has_key_changes, prune, visible};
use crate::write_set::{WriteEntry, WriteKind, WriteSet};

/// What a write needs to know about the transaction doing it.
#[derive(Debug, Clone, Copy)]
pub struct TxnContext<'a> {
    pub manager: &'a TxnManager,
    pub snapshot: Snapshot,
    pub isolation: IsolationLevel,
}

/// The error for "this row changed after the statement's snapshot": under READ COMMITTED the
/// executor re-checks the row's newest version (signalled as a wait for transaction 0, i.e.
/// nobody), under the snapshot levels it is a serialization failure, as in PostgreSQL.
pub fn concurrent_update(isolation: IsolationLevel) -> Error {
    concurrent_change(isolation, "update")
}

/// [`concurrent_update`] for a row deleted since the snapshot (PostgreSQL's UPDATE and DELETE
/// say "concurrent delete" then).
pub fn concurrent_delete(isolation: IsolationLevel) -> Error {
    concurrent_change(isolation, "delete")
}

fn concurrent_change(isolation: IsolationLevel, what: &str) -> Error {
    if isolation.snapshot_per_statement() {
        Error::wait_for(0)
    } else {
        Error::new(
            SqlState::SERIALIZATION_FAILURE,
            format!("could not serialize access due to concurrent {what}"),
        )
    }
}

/// One bound of an index range, over encoded key prefixes (see `db001_common::key_codec`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyBound {
    Unbounded,
    /// Keys that start with, or sort after (lower) / before (upper), this prefix.
    Included(Vec<u8>),
    /// Keys strictly after (lower) / before (upper) every key starting with this prefix.
    Excluded(Vec<u8>),
}

/// A table's rows and indexes.
#[derive(Debug)]
pub struct Table {
    id: u32,
    pub(crate) slots: SlotArray,
    pub(crate) next_row_id: AtomicU64,
    indexes: RwLock<Vec<Arc<Index>>>,
    /// Rows inserted minus rows deleted, committed or not: a planner estimate.
    live_rows: AtomicI64,
    /// Lock-only row locks (`FOR SHARE` ...).
    pub(crate) row_locks: RowLockTable,
    /// Row ids free for reuse: empty slots no index entry points at.
    free: Mutex<Vec<u64>>,
    free_count: AtomicUsize,
    /// Updates and deletes since the last garbage collection of this table.
    pub(crate) changes: AtomicU64,
}

impl Table {
    /// An empty table with the given indexes.
    pub fn new(id: u32, indexes: Vec<IndexSpec>) -> Arc<Table> {
        Arc::new(Table {
            id,
            slots: SlotArray::new(),
            next_row_id: AtomicU64::new(0),
            indexes: RwLock::new(
                indexes
                    .into_iter()
                    .map(|s| Arc::new(Index::new(s)))
                    .collect(),
            ),
            live_rows: AtomicI64::new(0),
            row_locks: RowLockTable::default(),
            free: Mutex::new(Vec::new()),
            free_count: AtomicUsize::new(0),
            changes: AtomicU64::new(0),
        })
    }

    pub fn id(&self) -> u32 {
        self.id
    }

    /// Estimated number of live rows.
    pub fn row_estimate(&self) -> u64 {
        self.live_rows.load(Ordering::Relaxed).max(0) as u64
    }

    /// Approximate bytes of memory held by slots (not row data).
    pub fn slot_memory_bytes(&self) -> usize {
        self.slots.memory_bytes()
    }

    /// Number of versions in a row's chain (for tests and diagnostics).
    pub fn version_count(&self, row_id: u64) -> usize {
        let Some(slot) = self.slots.get(row_id) else {
            return 0;
        };
        let chain = slot.chain.read();
        let mut count = 0;
        let mut cursor = chain.as_deref();
        while let Some(version) = cursor {
            count += 1;
            cursor = version.next.as_deref();
        }
        count
    }

    pub fn indexes(&self) -> Vec<Arc<Index>> {
        self.indexes.read().clone()
    }

    /// Updates and deletes since the table was last garbage-collected.
    pub fn changes_since_vacuum(&self) -> u64 {
        self.changes.load(Ordering::Relaxed)
    }

    /// Rows that currently have lock-only locks (diagnostics and tests).
    pub fn locked_row_count(&self) -> usize {
        self.row_locks.len()
    }

    /// Row ids waiting for reuse (diagnostics and tests).
    pub fn free_row_ids(&self) -> usize {
        self.free_count.load(Ordering::Acquire)
    }

    /// Makes an emptied row id available to inserts. The caller guarantees that no index entry
    /// points at it and that nothing will write its slot except through a new insert.
    pub(crate) fn free_row_id(&self, row_id: u64) {
        self.row_locks.forget(row_id);
        let mut free = self.free.lock();
        free.push(row_id);
        self.free_count.store(free.len(), Ordering::Release);
    }

    /// A row id for a new row: a recycled one if any, else the next never used.
    fn allocate_row_id(&self) -> u64 {
        if self.free_count.load(Ordering::Acquire) > 0 {
            let mut free = self.free.lock();
            let recycled = free.pop();
            self.free_count.store(free.len(), Ordering::Release);
            if let Some(row_id) = recycled {
                return row_id;
            }
        }
        self.next_row_id.fetch_add(1, Ordering::AcqRel)
    }

    /// After recovery (nothing else running): every empty slot below the highest row id is
    /// free for reuse.
    pub fn rebuild_free_list(&self) {
        let end = self.next_row_id.load(Ordering::Acquire);
        let mut free = self.free.lock();
        free.clear();
        for row_id in (0..end).rev() {
            let empty = self
                .slots
                .get(row_id)
                .is_none_or(|slot| slot.chain.read().is_none());
            if empty && self.slots.get_or_create(row_id).is_some() {
                free.push(row_id);
            }
        }
        self.free_count.store(free.len(), Ordering::Release);
    }

    pub(crate) fn index_by_id(&self, id: u32) -> Option<Arc<Index>> {
        self.indexes
            .read()
            .iter()
            .find(|i| i.spec.id == id)
            .cloned()
    }

    // ---------------------------------------------------------------- reads

    /// The version of `row_id` visible to `snapshot`.
    pub fn get(&self, row_id: u64, snapshot: &Snapshot, manager: &TxnManager) -> Option<Arc<[u8]>> {
        let slot = self.slots.get(row_id)?;
        let chain = slot.chain.read();
        visible(&chain, snapshot, manager).map(|(version, _)| Arc::clone(&version.data))
    }

    // ---------------------------------------------------------------- writes

    /// Inserts a row; checks unique indexes (waiting for, or failing on, conflicting writers).
    pub fn insert(
        self: &Arc<Self>,
        ctx: &TxnContext<'_>,
        ws: &mut WriteSet,
        row: &Row,
    ) -> Result<u64> {
        let (row_id, slot) = self.empty_slot()?;
        self.insert_into(ctx, ws, row_id, slot, row)?;
        Ok(row_id)
    }

    /// Inserts a row at a given row id, whose slot must be empty: a prepared transaction's
    /// insert restored from the log at start-up.
    pub fn insert_at(
        self: &Arc<Self>,
        ctx: &TxnContext<'_>,
        ws: &mut WriteSet,
        row_id: u64,
        row: &Row,
    ) -> Result<()> {
        let slot = self.slots.get_or_create(row_id).ok_or_else(|| {
            Error::new(
                SqlState::DATA_CORRUPTED,
                format!("row id {row_id} out of range"),
            )
        })?;
        if slot.chain.read().is_some() {
            return Err(Error::new(
                SqlState::DATA_CORRUPTED,
                format!("row id {row_id} of table {} is already in use", self.id),
            ));
        }
        self.next_row_id.fetch_max(row_id + 1, Ordering::AcqRel);
        self.insert_into(ctx, ws, row_id, slot, row)
    }

    fn insert_into(
        self: &Arc<Self>,
        ctx: &TxnContext<'_>,
        ws: &mut WriteSet,
        row_id: u64,
        slot: &Slot,
        row: &Row,
    ) -> Result<()> {
        let mut encoded = Vec::with_capacity(encoded_size_hint(row));
        row_codec::encode_row(row, &mut encoded);
        let data: Arc<[u8]> = encoded.into();
        {
            let mut chain = slot.chain.write();
            debug_assert!(chain.is_none(), "an allocated row id has an empty slot");
            *chain = Some(Box::new(Version {
                xmin: ctx.snapshot.own,
                xmax: 0,
                data: Arc::clone(&data),
                next: None,
                keys_changed: false,
            }));
        }
        self.live_rows.fetch_add(1, Ordering::Relaxed);
        ws.entries.push(WriteEntry {
            table: Arc::clone(self),
            row_id,
            kind: WriteKind::Insert,
            data: Some(data),
            added_keys: Vec::new(),
        });
        let entry = ws.entries.len() - 1;
        let serializable = crate::serializable::writes_checked(ctx);
        let mut written_entries = Vec::new();
        for index in self.indexes() {
            let (key, has_null) = index.key_of(row);
            if serializable {
                written_entries.push((index.spec.id, Index::entry(&key, row_id).into_vec()));
            }
            if self.add_entry_checked(ctx, &index, &key, has_null, row_id, row)? {
                ws.entries[entry].added_keys.push((index.spec.id, key));
            }
        }
        if serializable {
            crate::serializable::check_write(ctx, self.id, &written_entries)?;
        }
        Ok(())
    }

    /// An allocated row id whose slot is empty. A recycled id's slot is empty by the free
    /// list's contract; one that is not (a bug) is skipped rather than overwritten.
    fn empty_slot(&self) -> Result<(u64, &Slot)> {
        for _ in 0..1024 {
            let row_id = self.allocate_row_id();
            let slot = self.slots.get_or_create(row_id).ok_or_else(|| {
                Error::new(SqlState::PROGRAM_LIMIT_EXCEEDED, "table has too many rows")
            })?;
            if slot.chain.read().is_none() {
                return Ok((row_id, slot));
            }
        }
        Err(Error::internal(
            "no empty row slot found among recycled row ids",
        ))
    }

    /// Replaces the row `row_id` (which the statement read as `old`) with `new`. Returns false
    /// when this transaction already deleted the row.
    pub fn update(
        self: &Arc<Self>,
        ctx: &TxnContext<'_>,
        ws: &mut WriteSet,
        row_id: u64,
        old: &Row,
        new: &Row,
    ) -> Result<bool> {
        let own = ctx.snapshot.own;
        let mut encoded = Vec::with_capacity(encoded_size_hint(new));
        row_codec::encode_row(new, &mut encoded);
        let data: Arc<[u8]> = encoded.into();
        // Index keys first (no lock held): which change, and so need new entries.
        let indexes = self.indexes();
        let mut changed_keys = Vec::new();
        for index in &indexes {
            // Identical indexed values have identical keys: no need to encode either.
            if index.same_values(old, new) {
                continue;
            }
            let (new_key, has_null) = index.key_of(new);
            if index.key_of(old).0 != new_key {
                changed_keys.push((Arc::clone(index), new_key, has_null));
            }
        }
        let keys_changed = !changed_keys.is_empty();
        let mode = if keys_changed {
            LockMode::Update
        } else {
            LockMode::NoKeyUpdate
        };
        let slot = self.slot(row_id)?;
        let kind = {
            let mut chain = slot.chain.write();
            let Some(head) = chain.as_deref_mut() else {
                return Ok(false);
            };
            if let Some(holder) = self
                .row_locks
                .conflicting_holder(row_id, own, mode, ctx.manager)
            {
                return Err(Error::wait_for(holder));
            }
            if head.xmin == own {
                if head.xmax == own {
                    return Ok(false);
                }
                head.keys_changed |= keys_changed;
                let prior = std::mem::replace(&mut head.data, Arc::clone(&data));
                WriteKind::UpdateInPlace { prior }
            } else {
                if !writable(ctx, head)? {
                    return Ok(false);
                }
                let mut old_head = chain.take().expect("checked above");
                old_head.xmax = own;
                *chain = Some(Box::new(Version {
                    xmin: own,
                    xmax: 0,
                    data: Arc::clone(&data),
                    next: Some(old_head),
                    keys_changed,
                }));
                prune(&mut chain, ctx.manager.gc_horizon());
                WriteKind::Update
            }
        };
        ws.entries.push(WriteEntry {
            table: Arc::clone(self),
            row_id,
            kind,
            data: Some(data),
            added_keys: Vec::new(),
        });
        let entry = ws.entries.len() - 1;
        self.changes.fetch_add(1, Ordering::Relaxed);
        let serializable = crate::serializable::writes_checked(ctx);
        let mut written_entries = Vec::new();
        if serializable {
            // The row's old keys (readers of ranges holding it) and its new ones.
            for index in &indexes {
                let old_key = index.key_of(old).0;
                written_entries.push((index.spec.id, Index::entry(&old_key, row_id).into_vec()));
            }
        }
        for (index, new_key, has_null) in changed_keys {
            if serializable {
                written_entries.push((index.spec.id, Index::entry(&new_key, row_id).into_vec()));
            }
            if self.add_entry_checked(ctx, &index, &new_key, has_null, row_id, new)? {
                ws.entries[entry].added_keys.push((index.spec.id, new_key));
            }
        }
        if serializable {
            crate::serializable::check_write(ctx, self.id, &written_entries)?;
        }
        Ok(true)
    }

    /// Deletes the row `row_id`. Returns false when this transaction already deleted it.
    pub fn delete(
        self: &Arc<Self>,
        ctx: &TxnContext<'_>,
        ws: &mut WriteSet,
        row_id: u64,
    ) -> Result<bool> {
        let own = ctx.snapshot.own;
        let slot = self.slot(row_id)?;
        let old_data = {
            let mut chain = slot.chain.write();
            let Some(head) = chain.as_deref_mut() else {
                return Ok(false);
            };
            if let Some(holder) =
                self.row_locks
                    .conflicting_holder(row_id, own, LockMode::Update, ctx.manager)
            {
                return Err(Error::wait_for(holder));
            }
            if head.xmin == own {
                if head.xmax == own {
                    return Ok(false);
                }
            } else if !writable(ctx, head)? {
                return Ok(false);
            }
            head.xmax = own;
            Arc::clone(&head.data)
        };
        self.live_rows.fetch_sub(1, Ordering::Relaxed);
        self.changes.fetch_add(1, Ordering::Relaxed);
        ws.entries.push(WriteEntry {
            table: Arc::clone(self),
            row_id,
            kind: WriteKind::Delete,
            data: None,
            added_keys: Vec::new(),
        });
        if crate::serializable::writes_checked(ctx) {
            let row = row_codec::decode_row(&old_data)?;
            let entries: Vec<(u32, Vec<u8>)> = self
                .indexes()
                .iter()
                .map(|index| {
                    let key = index.key_of(&row).0;
                    (index.spec.id, Index::entry(&key, row_id).into_vec())
                })
                .collect();
            crate::serializable::check_write(ctx, self.id, &entries)?;
        }
        Ok(true)
    }

    pub(crate) fn slot(&self, row_id: u64) -> Result<&Slot> {
        self.slots
            .get(row_id)
            .ok_or_else(|| Error::internal(format!("row {row_id} does not exist")))
    }

    /// Adds an index entry, first checking uniqueness under the tree's write lock so that two
    /// inserters of one key cannot both pass. Returns whether the entry is new.
    fn add_entry_checked(
        &self,
        ctx: &TxnContext<'_>,
        index: &Index,
        key: &[u8],
        has_null: bool,
        row_id: u64,
        row: &Row,
    ) -> Result<bool> {
        let mut tree = index.tree.write();
        if index.spec.unique && !has_null {
            let (lower, upper) = db001_btree::prefix_range(key);
            let others: Vec<u64> = tree
                .range::<[u8], _>((bound_ref(&lower), bound_ref(&upper)))
                .map(|(entry, _)| split_entry(entry))
                .filter(|(entry_key, id)| entry_key.len() == key.len() && *id != row_id)
                .map(|(_, id)| id)
                .collect();
            for other in others {
                if self.holds_live_key(ctx, index, key, other)? {
                    return Err(unique_violation(index, row));
                }
            }
        }
        Ok(tree.insert(Index::entry(key, row_id), ()).is_none())
    }

    /// Whether row `row_id`'s newest version is live (not deleted by a finished writer) and has
    /// `key`. Returns a wait error when a live writer other than `ctx`'s holds the row.
    fn holds_live_key(
        &self,
        ctx: &TxnContext<'_>,
        index: &Index,
        key: &[u8],
        row_id: u64,
    ) -> Result<bool> {
        let own = ctx.snapshot.own;
        let Some(slot) = self.slots.get(row_id) else {
            return Ok(false);
        };
        let chain = slot.chain.read();
        let Some(head) = chain.as_deref() else {
            return Ok(false);
        };
        if head.xmin != own && is_txn_id(head.xmin) {
            return Err(Error::wait_for(head.xmin));
        }
        if head.xmax != 0 {
            if head.xmax != own && is_txn_id(head.xmax) {
                return Err(Error::wait_for(head.xmax));
            }
            return Ok(false);
        }
        if has_key_changes(&chain) {
            return Ok(index.key_of_data(&head.data)?.0 == key);
        }
        Ok(true)
    }

    // ---------------------------------------------------------------- DDL

    /// Adds an index and fills it from every version of every row. For a unique index, fails
    /// with 23505 if two rows visible to `snapshot` share a key (and removes the index again).
    ///
    /// The index joins the table's list before it is filled, so writers that run meanwhile
    /// maintain it themselves; filling is idempotent, so rows seen twice do no harm.
    pub fn add_index(
        &self,
        spec: IndexSpec,
        snapshot: &Snapshot,
        manager: &TxnManager,
    ) -> Result<()> {
        let index = Arc::new(Index::new(spec));
        self.indexes.write().push(Arc::clone(&index));
        let filled = self.fill_index(&index, snapshot, manager);
        if filled.is_err() {
            self.drop_index(index.spec.id);
        }
        filled
    }

    fn fill_index(&self, index: &Index, snapshot: &Snapshot, manager: &TxnManager) -> Result<()> {
        let end = self.next_row_id.load(Ordering::Acquire);
        let mut seen_keys = std::collections::HashSet::new();
        for row_id in 0..end {
            let Some(slot) = self.slots.get(row_id) else {
                continue;
            };
            // Collect under the slot lock, insert after releasing it (lock order: see top).
            let mut keys = Vec::new();
            {
                let chain = slot.chain.read();
                let mut cursor = chain.as_deref();
                while let Some(version) = cursor {
                    let row = row_codec::decode_row(&version.data)?;
                    let (key, has_null) = index.key_of(&row);
                    let current = snapshot.is_visible(version.xmin, version.xmax, manager);
                    if index.spec.unique && current && !has_null && !seen_keys.insert(key.clone()) {
                        return Err(Error::new(
                            SqlState::UNIQUE_VIOLATION,
                            format!("could not create unique index \"{}\"", index.spec.name),
                        )
                        .with_detail(format!("Key {} is duplicated.", describe_key(index, &row))));
                    }
                    keys.push(key);
                    cursor = version.next.as_deref();
                }
            }
            for key in keys {
                index.insert_entry(&key, row_id);
            }
        }
        Ok(())
    }

    /// Removes an index.
    pub fn drop_index(&self, index_id: u32) {
        self.indexes.write().retain(|i| i.spec.id != index_id);
    }

    // ---------------------------------------------------------------- recovery

    /// Replays a committed insert from the WAL (single-threaded, before serving), or loads a
    /// row from a checkpoint. Replacing a row whose index keys do not change leaves the
    /// indexes alone (most replayed updates, e.g. a balance), which is where replay spends
    /// its time otherwise.
    pub fn replay_insert(&self, row_id: u64, data: Arc<[u8]>, ts: u64) -> Result<()> {
        let row = row_codec::decode_row(&data)?;
        let slot = self.slots.get_or_create(row_id).ok_or_else(|| {
            Error::new(
                SqlState::DATA_CORRUPTED,
                format!("row id {row_id} out of range"),
            )
        })?;
        let previous = slot.chain.write().replace(Box::new(Version {
            xmin: ts,
            xmax: 0,
            data,
            next: None,
            keys_changed: false,
        }));
        let previous_row = match &previous {
            Some(previous) => Some(row_codec::decode_row(&previous.data)?),
            None => {
                self.live_rows.fetch_add(1, Ordering::Relaxed);
                None
            }
        };
        for index in self.indexes.read().iter() {
            let key = index.key_of(&row).0;
            if let Some(previous_row) = &previous_row {
                let previous_key = index.key_of(previous_row).0;
                if previous_key == key {
                    continue;
                }
                index.remove_entry(&previous_key, row_id);
            }
            index.insert_entry(&key, row_id);
        }
        self.next_row_id.fetch_max(row_id + 1, Ordering::AcqRel);
        Ok(())
    }

    /// Replays a committed update (the new row image) from the WAL.
    pub fn replay_update(&self, row_id: u64, data: Arc<[u8]>, ts: u64) -> Result<()> {
        self.replay_insert(row_id, data, ts)
    }

    /// Replays a committed delete from the WAL.
    pub fn replay_delete(&self, row_id: u64) -> Result<()> {
        let Some(slot) = self.slots.get(row_id) else {
            return Ok(());
        };
        let previous = slot.chain.write().take();
        if let Some(previous) = previous {
            self.live_rows.fetch_sub(1, Ordering::Relaxed);
            self.remove_keys_of(row_id, &previous.data)?;
        }
        Ok(())
    }

    fn remove_keys_of(&self, row_id: u64, data: &[u8]) -> Result<()> {
        let row = row_codec::decode_row(data)?;
        for index in self.indexes() {
            index.remove_entry(&index.key_of(&row).0, row_id);
        }
        Ok(())
    }
}

/// Whether the newest version `head` (not written by this transaction) may be replaced by this
/// transaction. `Ok(false)`: this transaction already deleted it. Errors: wait for its writer, or
/// a concurrent update.
pub(crate) fn writable(ctx: &TxnContext<'_>, head: &Version) -> Result<bool> {
    let own = ctx.snapshot.own;
    if is_txn_id(head.xmin) {
        // A newer version by a writer that has not finished (or is rolling back).
        return Err(Error::wait_for(head.xmin));
    }
    if head.xmin > ctx.snapshot.read_ts {
        return Err(concurrent_update(ctx.isolation));
    }
    match head.xmax {
        0 => Ok(true),
        xmax if xmax == own => Ok(false),
        xmax if is_txn_id(xmax) => Err(Error::wait_for(xmax)),
        _ => Err(concurrent_delete(ctx.isolation)),
    }
}

fn unique_violation(index: &Index, row: &Row) -> Error {
    Error::new(
        SqlState::UNIQUE_VIOLATION,
        format!(
            "duplicate key value violates unique constraint \"{}\"",
            index.spec.name
        ),
    )
    .with_detail(format!("Key {} already exists.", describe_key(index, row)))
}

/// `(a, b)=(1, x)` as PostgreSQL prints keys in constraint errors.
fn describe_key(index: &Index, row: &Row) -> String {
    let names = index.spec.column_names.join(", ");
    let values: Vec<String> = index
        .spec
        .columns
        .iter()
        .map(|&c| match row.get(c) {
            Some(Value::Null) | None => "null".to_string(),
            Some(value) => value.to_text(),
        })
        .collect();
    format!("({names})=({})", values.join(", "))
}

pub(crate) fn bound_ref(bound: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match bound {
        Bound::Included(b) => Bound::Included(b.as_slice()),
        Bound::Excluded(b) => Bound::Excluded(b.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// Undoes the writes after position `to` of a write set, newest first (statement rollback,
/// `ROLLBACK TO SAVEPOINT`, transaction abort).
pub fn undo(ws: &mut WriteSet, to: usize, own: u64) {
    while ws.entries.len() > to {
        let entry = ws.entries.pop().expect("length checked");
        let table = &entry.table;
        for (index_id, key) in &entry.added_keys {
            if let Some(index) = table.index_by_id(*index_id) {
                index.remove_entry(key, entry.row_id);
            }
        }
        let Some(slot) = table.slots.get(entry.row_id) else {
            continue;
        };
        let mut chain = slot.chain.write();
        let Some(head) = chain.as_deref_mut() else {
            continue;
        };
        match entry.kind {
            WriteKind::Insert => {
                if head.xmin == own {
                    let next = head.next.take();
                    let emptied = next.is_none();
                    *chain = next;
                    table.live_rows.fetch_sub(1, Ordering::Relaxed);
                    drop(chain);
                    if emptied {
                        // Its index entries went above; nobody else ever saw the row.
                        table.free_row_id(entry.row_id);
                    }
                }
            }
            WriteKind::Update => {
                if head.xmin == own {
                    let mut next = head.next.take();
                    if let Some(older) = next.as_deref_mut()
                        && older.xmax == own
                    {
                        older.xmax = 0;
                    }
                    *chain = next;
                }
            }
            WriteKind::UpdateInPlace { prior } => {
                if head.xmin == own {
                    head.data = prior;
                }
            }
            WriteKind::Delete => {
                if head.xmax == own {
                    head.xmax = 0;
                    table.live_rows.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}

/// Re-stamps every version this transaction wrote with its commit timestamp.
pub fn stamp(ws: &WriteSet, own: u64, ts: u64) {
    for entry in &ws.entries {
        let Some(slot) = entry.table.slots.get(entry.row_id) else {
            continue;
        };
        let mut chain = slot.chain.write();
        let mut cursor = chain.as_deref_mut();
        while let Some(version) = cursor {
            let mut touched = false;
            if version.xmin == own {
                version.xmin = ts;
                touched = true;
            }
            if version.xmax == own {
                version.xmax = ts;
                touched = true;
            }
            if !touched && !is_txn_id(version.xmin) {
                break;
            }
            cursor = version.next.as_deref_mut();
        }
    }
}

/// A capacity for a row's encoding that is usually enough, so that encoding a wide row does not
/// grow its buffer five times over (a tag and a length or fixed-size payload per value).
fn encoded_size_hint(row: &Row) -> usize {
    row.iter()
        .map(|value| match value {
            Value::Text(text) | Value::Bpchar(text) | Value::Json(text) => text.len() + 6,
            Value::Bytea(bytes) => bytes.len() + 6,
            _ => 18,
        })
        .sum::<usize>()
        + 8
}
