//! Sequential and index scans: the rows a snapshot sees.
//!
//! Both own what they need (an `Arc` of the table, the snapshot, the manager), so operators can
//! hold them across calls. Both yield `Result`s: a serializable reader can be chosen as an SSI
//! victim while it reads, and every [`DEADLINE_CHECK_ROWS`] rows they check the statement's
//! deadline (`statement_timeout`, see `db001_txn::deadline`).

use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use db001_common::{Error, Result};
use db001_txn::ssi::ReadRange;
use db001_txn::{Snapshot, TxnManager};

use crate::index::{Index, split_entry};
use crate::serializable;
use crate::table::{KeyBound, Table, bound_ref};
use crate::version::{has_key_changes, visible};

/// Rows (or index entries) between two looks at the statement deadline.
const DEADLINE_CHECK_ROWS: u32 = 256;

/// Entries fetched from the tree per lock acquisition.
const INDEX_BATCH: usize = 64;

impl Table {
    /// Every row visible to `snapshot`, in row id order.
    pub fn scan(self: &Arc<Self>, snapshot: Snapshot, manager: Arc<TxnManager>) -> TableScan {
        // The SIREAD lock goes first: a concurrent serializable writer either sees it or wrote
        // before this scan reads its row (see db001_txn::ssi).
        let mut pending = None;
        let serializable = serializable::tracks_reads(&snapshot, &manager);
        if serializable && let Err(error) = serializable::lock_table(&snapshot, &manager, self.id())
        {
            pending = Some(error);
        }
        TableScan {
            table: Arc::clone(self),
            next: 0,
            end: self.next_row_id.load(Ordering::Acquire),
            snapshot,
            manager,
            serializable,
            pending,
            since_check: 0,
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
        let serializable = serializable::tracks_reads(&snapshot, &manager);
        if serializable {
            serializable::lock_range(
                &snapshot,
                &manager,
                self.id(),
                ReadRange {
                    index: index_id,
                    lower: lower.clone(),
                    upper: upper.clone(),
                },
            )?;
        }
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
            serializable,
            since_check: 0,
        })
    }
}

/// A sequential scan.
#[derive(Debug)]
pub struct TableScan {
    table: Arc<Table>,
    next: u64,
    end: u64,
    snapshot: Snapshot,
    manager: Arc<TxnManager>,
    /// Whether this is a tracked serializable reader (SSI conflict-out checks per row).
    serializable: bool,
    /// An error to report before any row (taking the SIREAD lock failed).
    pending: Option<Error>,
    since_check: u32,
}

impl Iterator for TableScan {
    type Item = Result<(u64, Arc<[u8]>)>;

    fn next(&mut self) -> Option<Result<(u64, Arc<[u8]>)>> {
        if let Some(error) = self.pending.take() {
            self.next = self.end;
            return Some(Err(error));
        }
        let mut writers = Vec::new();
        while self.next < self.end {
            self.since_check += 1;
            if self.since_check >= DEADLINE_CHECK_ROWS {
                self.since_check = 0;
                if let Err(error) = db001_txn::deadline::check() {
                    self.next = self.end;
                    return Some(Err(error));
                }
            }
            let row_id = self.next;
            self.next += 1;
            let Some(slot) = self.table.slots.get(row_id) else {
                continue;
            };
            let found = {
                let chain = slot.chain.read();
                if self.serializable {
                    serializable::unseen_writers(
                        &chain,
                        &self.snapshot,
                        &self.manager,
                        &mut writers,
                    );
                }
                visible(&chain, &self.snapshot, &self.manager).map(|(v, _)| Arc::clone(&v.data))
            };
            if !writers.is_empty() {
                if let Err(error) =
                    serializable::check_read(&self.snapshot, &self.manager, &writers)
                {
                    self.next = self.end;
                    return Some(Err(error));
                }
                writers.clear();
            }
            if let Some(data) = found {
                return Some(Ok((row_id, data)));
            }
        }
        None
    }
}

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
    serializable: bool,
    since_check: u32,
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
            serializable: false,
            since_check: 0,
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
        let mut writers = Vec::new();
        loop {
            if self.batch.is_empty() {
                if self.done {
                    return None;
                }
                self.refill();
                continue;
            }
            self.since_check += 1;
            if self.since_check >= DEADLINE_CHECK_ROWS {
                self.since_check = 0;
                if let Err(error) = db001_txn::deadline::check() {
                    self.done = true;
                    self.batch.clear();
                    return Some(Err(error));
                }
            }
            let entry = self.batch.pop().expect("checked non-empty");
            let (key, row_id) = split_entry(&entry);
            let Some(slot) = self.table.slots.get(row_id) else {
                continue;
            };
            let chain = slot.chain.read();
            if self.serializable {
                serializable::unseen_writers(&chain, &self.snapshot, &self.manager, &mut writers);
                if !writers.is_empty() {
                    if let Err(error) =
                        serializable::check_read(&self.snapshot, &self.manager, &writers)
                    {
                        self.done = true;
                        self.batch.clear();
                        return Some(Err(error));
                    }
                    writers.clear();
                }
            }
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
