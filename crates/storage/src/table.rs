//! A table: row slots with version chains, plus its indexes.
//!
//! Lock order, which every path here keeps: an index tree's lock may be held while a row slot's
//! lock is taken (unique checks), never the other way round. Writers release the slot lock
//! before they touch indexes.

use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use db001_common::{Error, Result, Row, SqlState, Value, row_codec};
use db001_txn::{IsolationLevel, Snapshot, TxnManager, is_txn_id};
use parking_lot::RwLock;

use crate::index::{Index, IndexSpec, split_entry};
use crate::slots::SlotArray;
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
/// statement re-runs on a fresh snapshot (signalled as a wait for transaction 0, i.e. nobody),
/// under the snapshot levels it is a serialization failure, as in PostgreSQL.
pub fn concurrent_update(isolation: IsolationLevel) -> Error {
    if isolation.snapshot_per_statement() {
        Error::wait_for(0)
    } else {
        Error::new(
            SqlState::SERIALIZATION_FAILURE,
            "could not serialize access due to concurrent update",
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
    slots: SlotArray,
    next_row_id: AtomicU64,
    indexes: RwLock<Vec<Arc<Index>>>,
    /// Rows inserted minus rows deleted, committed or not: a planner estimate.
    live_rows: AtomicI64,
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

    fn index_by_id(&self, id: u32) -> Option<Arc<Index>> {
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

    /// Every row visible to `snapshot`, in row id order.
    pub fn scan(self: &Arc<Self>, snapshot: Snapshot, manager: Arc<TxnManager>) -> TableScan {
        TableScan {
            table: Arc::clone(self),
            next: 0,
            end: self.next_row_id.load(Ordering::Acquire),
            snapshot,
            manager,
        }
    }

    /// Rows visible to `snapshot` whose key in index `index_id` lies between the bounds, in key
    /// order (or reverse key order).
    pub fn index_scan(
        self: &Arc<Self>,
        index_id: u32,
        lower: KeyBound,
        upper: KeyBound,
        reverse: bool,
        snapshot: Snapshot,
        manager: Arc<TxnManager>,
    ) -> Result<IndexScan> {
        let index = self
            .index_by_id(index_id)
            .ok_or_else(|| Error::internal(format!("index {index_id} not found")))?;
        let lower = match lower {
            KeyBound::Unbounded => Bound::Unbounded,
            KeyBound::Included(prefix) => Bound::Included(prefix),
            KeyBound::Excluded(prefix) => match db001_btree::prefix_range(&prefix).1 {
                Bound::Excluded(end) => Bound::Included(end),
                _ => return Ok(IndexScan::empty(self, index, snapshot, manager)),
            },
        };
        let upper = match upper {
            KeyBound::Unbounded => Bound::Unbounded,
            KeyBound::Included(prefix) => db001_btree::prefix_range(&prefix).1,
            KeyBound::Excluded(prefix) => Bound::Excluded(prefix),
        };
        Ok(IndexScan {
            table: Arc::clone(self),
            index,
            lower,
            upper,
            reverse,
            batch: Vec::new(),
            done: false,
            snapshot,
            manager,
        })
    }

    // ---------------------------------------------------------------- writes

    /// Inserts a row; checks unique indexes (waiting for, or failing on, conflicting writers).
    pub fn insert(
        self: &Arc<Self>,
        ctx: &TxnContext<'_>,
        ws: &mut WriteSet,
        row: &Row,
    ) -> Result<u64> {
        let mut encoded = Vec::with_capacity(64);
        row_codec::encode_row(row, &mut encoded);
        let data: Arc<[u8]> = encoded.into();
        let row_id = self.next_row_id.fetch_add(1, Ordering::AcqRel);
        let slot = self.slots.get_or_create(row_id).ok_or_else(|| {
            Error::new(SqlState::PROGRAM_LIMIT_EXCEEDED, "table has too many rows")
        })?;
        *slot.chain.write() = Some(Box::new(Version {
            xmin: ctx.snapshot.own,
            xmax: 0,
            data: Arc::clone(&data),
            next: None,
            keys_changed: false,
        }));
        self.live_rows.fetch_add(1, Ordering::Relaxed);
        ws.entries.push(WriteEntry {
            table: Arc::clone(self),
            row_id,
            kind: WriteKind::Insert,
            data: Some(data),
            added_keys: Vec::new(),
        });
        let entry = ws.entries.len() - 1;
        for index in self.indexes() {
            let (key, has_null) = index.key_of(row);
            if self.add_entry_checked(ctx, &index, &key, has_null, row_id, row)? {
                ws.entries[entry].added_keys.push((index.spec.id, key));
            }
        }
        Ok(row_id)
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
        let mut encoded = Vec::with_capacity(64);
        row_codec::encode_row(new, &mut encoded);
        let data: Arc<[u8]> = encoded.into();
        // Index keys first (no lock held): which change, and so need new entries.
        let indexes = self.indexes();
        let mut changed_keys = Vec::new();
        for index in &indexes {
            let (new_key, has_null) = index.key_of(new);
            if index.key_of(old).0 != new_key {
                changed_keys.push((Arc::clone(index), new_key, has_null));
            }
        }
        let keys_changed = !changed_keys.is_empty();
        let slot = self.slot(row_id)?;
        let kind = {
            let mut chain = slot.chain.write();
            let Some(head) = chain.as_deref_mut() else {
                return Ok(false);
            };
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
        for (index, new_key, has_null) in changed_keys {
            if self.add_entry_checked(ctx, &index, &new_key, has_null, row_id, new)? {
                ws.entries[entry].added_keys.push((index.spec.id, new_key));
            }
        }
        Ok(true)
    }

    /// Locks the row `row_id` for this transaction (`SELECT ... FOR UPDATE`): later writers
    /// wait for it exactly as for an update. The lock is a new version with the same bytes, so
    /// readers see no change and the transaction's own later update of the row is in place.
    /// Returns false when this transaction already deleted the row.
    pub fn lock(
        self: &Arc<Self>,
        ctx: &TxnContext<'_>,
        ws: &mut WriteSet,
        row_id: u64,
    ) -> Result<bool> {
        let own = ctx.snapshot.own;
        let slot = self.slot(row_id)?;
        {
            let mut chain = slot.chain.write();
            let Some(head) = chain.as_deref_mut() else {
                return Ok(false);
            };
            if head.xmin == own {
                return Ok(head.xmax != own);
            }
            if !writable(ctx, head)? {
                return Ok(false);
            }
            let mut old_head = chain.take().expect("checked above");
            old_head.xmax = own;
            let data = Arc::clone(&old_head.data);
            *chain = Some(Box::new(Version {
                xmin: own,
                xmax: 0,
                data,
                next: Some(old_head),
                keys_changed: false,
            }));
            prune(&mut chain, ctx.manager.gc_horizon());
        }
        ws.entries.push(WriteEntry {
            table: Arc::clone(self),
            row_id,
            kind: WriteKind::Lock,
            data: None,
            added_keys: Vec::new(),
        });
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
        {
            let mut chain = slot.chain.write();
            let Some(head) = chain.as_deref_mut() else {
                return Ok(false);
            };
            if head.xmin == own {
                if head.xmax == own {
                    return Ok(false);
                }
            } else if !writable(ctx, head)? {
                return Ok(false);
            }
            head.xmax = own;
        }
        self.live_rows.fetch_sub(1, Ordering::Relaxed);
        ws.entries.push(WriteEntry {
            table: Arc::clone(self),
            row_id,
            kind: WriteKind::Delete,
            data: None,
            added_keys: Vec::new(),
        });
        Ok(true)
    }

    fn slot(&self, row_id: u64) -> Result<&crate::slots::Slot> {
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
fn writable(ctx: &TxnContext<'_>, head: &Version) -> Result<bool> {
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
        _ => Err(concurrent_update(ctx.isolation)),
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

fn bound_ref(bound: &Bound<Vec<u8>>) -> Bound<&[u8]> {
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
                    *chain = next;
                    table.live_rows.fetch_sub(1, Ordering::Relaxed);
                }
            }
            WriteKind::Update | WriteKind::Lock => {
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

/// A sequential scan (owns what it needs, so operators can hold it).
#[derive(Debug)]
pub struct TableScan {
    table: Arc<Table>,
    next: u64,
    end: u64,
    snapshot: Snapshot,
    manager: Arc<TxnManager>,
}

impl Iterator for TableScan {
    type Item = (u64, Arc<[u8]>);

    fn next(&mut self) -> Option<(u64, Arc<[u8]>)> {
        while self.next < self.end {
            let row_id = self.next;
            self.next += 1;
            let Some(slot) = self.table.slots.get(row_id) else {
                continue;
            };
            let chain = slot.chain.read();
            if let Some((version, _)) = visible(&chain, &self.snapshot, &self.manager) {
                return Some((row_id, Arc::clone(&version.data)));
            }
        }
        None
    }
}

/// Entries fetched from the tree per lock acquisition.
const INDEX_BATCH: usize = 64;

/// An index range scan. Fetches entries in batches so the tree's lock is never held while rows
/// are read, and re-checks each entry's key against the visible version when the row has
/// several versions (the entry may belong to an older version).
#[derive(Debug)]
pub struct IndexScan {
    table: Arc<Table>,
    index: Arc<Index>,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    reverse: bool,
    /// Fetched entries, in the order they are handed out, reversed (pop from the end).
    batch: Vec<Box<[u8]>>,
    done: bool,
    snapshot: Snapshot,
    manager: Arc<TxnManager>,
}

impl IndexScan {
    fn empty(
        table: &Arc<Table>,
        index: Arc<Index>,
        snapshot: Snapshot,
        manager: Arc<TxnManager>,
    ) -> IndexScan {
        IndexScan {
            table: Arc::clone(table),
            index,
            lower: Bound::Unbounded,
            upper: Bound::Unbounded,
            reverse: false,
            batch: Vec::new(),
            done: true,
            snapshot,
            manager,
        }
    }

    fn refill(&mut self) {
        let tree = self.index.tree.read();
        let range = tree.range::<[u8], _>((bound_ref(&self.lower), bound_ref(&self.upper)));
        let fetched: Vec<Box<[u8]>> = if self.reverse {
            range
                .rev()
                .take(INDEX_BATCH)
                .map(|(k, _)| k.clone())
                .collect()
        } else {
            range.take(INDEX_BATCH).map(|(k, _)| k.clone()).collect()
        };
        drop(tree);
        if fetched.len() < INDEX_BATCH {
            self.done = true;
        }
        if let Some(last) = fetched.last() {
            if self.reverse {
                self.upper = Bound::Excluded(last.to_vec());
            } else {
                self.lower = Bound::Excluded(last.to_vec());
            }
        }
        self.batch = fetched;
        self.batch.reverse();
    }
}

impl Iterator for IndexScan {
    type Item = Result<(u64, Arc<[u8]>)>;

    fn next(&mut self) -> Option<Result<(u64, Arc<[u8]>)>> {
        loop {
            if self.batch.is_empty() {
                if self.done {
                    return None;
                }
                self.refill();
                continue;
            }
            let entry = self.batch.pop().expect("checked non-empty");
            let (key, row_id) = split_entry(&entry);
            let Some(slot) = self.table.slots.get(row_id) else {
                continue;
            };
            let chain = slot.chain.read();
            let Some((version, _)) = visible(&chain, &self.snapshot, &self.manager) else {
                continue;
            };
            if has_key_changes(&chain) {
                match self.index.key_of_data(&version.data) {
                    Ok((current, _)) if current == key => {}
                    Ok(_) => continue,
                    Err(error) => return Some(Err(error)),
                }
            }
            return Some(Ok((row_id, Arc::clone(&version.data))));
        }
    }
}
