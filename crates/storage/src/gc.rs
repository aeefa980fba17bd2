//! Garbage collection of one table: what `VACUUM` and the background collector run.
//!
//! Writers already prune the chains they touch against the oldest snapshot (see
//! [`crate::version`]); this pass handles everything else, precisely: a committed version is
//! removed when no snapshot in use or to come can see it ([`VisibilityView::may_see`]), so a
//! long-running transaction keeps only the versions it reads.
//!
//! ```text
//!   one slot, under its lock:
//!     [T9 live] → [c=120,e=T9] → [c=100,e=120] → [c=80,e=100]      snapshots {85}, W = 130
//!        keep        keep (current)    drop            keep (85 reads it)
//!   a deleted row whose delete every snapshot sees: the whole chain goes, then its index
//!   entries, then its row id joins the free list
//! ```
//!
//! Index entries are removed *after* the slot lock is released (lock order: tree, then slot),
//! and each removal re-checks, under the tree's write lock, that no version of the row still has
//! the key: a writer that gave the row that key again in the meantime adds its entry under the
//! same tree lock, so an entry a live version needs is never lost. Only once every stale entry
//! of an emptied row is gone does its row id become reusable.

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use db001_common::{Result, row_codec};
use db001_txn::{TxnManager, VisibilityView, is_txn_id};

use crate::index::Index;
use crate::table::Table;
use crate::version::{Version, has_key_changes};

/// What one pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VacuumStats {
    /// Row slots examined.
    pub rows_scanned: u64,
    /// Old versions removed from chains.
    pub versions_removed: u64,
    /// Deleted rows removed entirely (their row ids are reusable).
    pub rows_removed: u64,
    /// Stale index entries removed.
    pub index_entries_removed: u64,
    /// Stale lock-only row lock entries dropped.
    pub row_locks_removed: u64,
}

impl VacuumStats {
    pub fn add(&mut self, other: VacuumStats) {
        self.rows_scanned += other.rows_scanned;
        self.versions_removed += other.versions_removed;
        self.rows_removed += other.rows_removed;
        self.index_entries_removed += other.index_entries_removed;
        self.row_locks_removed += other.row_locks_removed;
    }
}

/// The end of a version: the commit timestamp of what superseded or deleted it, if committed.
fn end_of(version: &Version) -> Option<u64> {
    (version.xmax != 0 && !is_txn_id(version.xmax)).then_some(version.xmax)
}

/// Whether a version must stay: uncommitted ones always, committed ones while visible.
fn needed(version: &Version, view: &VisibilityView) -> bool {
    is_txn_id(version.xmin) || view.may_see(version.xmin, end_of(version))
}

/// Removes unneeded versions from a chain. Returns the removed versions' data (for index
/// cleanup when keys changed) and how many were removed.
#[allow(
    clippy::vec_box,
    reason = "chain links are boxes; kept ones are relinked without reallocating"
)]
fn prune_chain(head: &mut Option<Box<Version>>, view: &VisibilityView) -> (Vec<Box<Version>>, u64) {
    let mut removed = Vec::new();
    // Rebuild the chain from its versions, oldest last; unlink iteratively.
    let mut versions = Vec::new();
    let mut cursor = head.take();
    while let Some(mut version) = cursor {
        cursor = version.next.take();
        versions.push(version);
    }
    let mut kept: Vec<Box<Version>> = Vec::with_capacity(versions.len());
    for version in versions {
        if needed(&version, view) {
            kept.push(version);
        } else {
            // The newer kept version now follows whatever is older than this one: its keys may
            // differ from that, so it inherits the flag (conservatively).
            if let Some(newer) = kept.last_mut() {
                newer.keys_changed |= version.keys_changed;
            }
            removed.push(version);
        }
    }
    let count = removed.len() as u64;
    let mut chain: Option<Box<Version>> = None;
    for mut version in kept.into_iter().rev() {
        version.next = chain;
        chain = Some(version);
    }
    *head = chain;
    (removed, count)
}

/// The keys (per index) of a set of versions.
fn keys_of<'a>(
    versions: impl Iterator<Item = &'a Version>,
    indexes: &[std::sync::Arc<Index>],
) -> Result<HashSet<(u32, Vec<u8>)>> {
    let mut keys = HashSet::new();
    for version in versions {
        let row = row_codec::decode_row(&version.data)?;
        for index in indexes {
            keys.insert((index.spec.id, index.key_of(&row).0));
        }
    }
    Ok(keys)
}

fn chain_versions(head: &Option<Box<Version>>) -> impl Iterator<Item = &Version> {
    std::iter::successors(head.as_deref(), |v| v.next.as_deref())
}

impl Table {
    /// One garbage-collection pass over the table (see the module docs).
    pub fn vacuum(&self, view: &VisibilityView, manager: &TxnManager) -> Result<VacuumStats> {
        let mut stats = VacuumStats {
            row_locks_removed: self.row_locks.prune(manager) as u64,
            ..VacuumStats::default()
        };
        self.changes.store(0, Ordering::Relaxed);
        let end = self.next_row_id.load(Ordering::Acquire);
        let indexes = self.indexes();
        for row_id in 0..end {
            let Some(slot) = self.slots.get(row_id) else {
                continue;
            };
            stats.rows_scanned += 1;
            // Cheap test under the read lock first: most rows are one current version.
            {
                let chain = slot.chain.read();
                let Some(head) = chain.as_deref() else {
                    continue;
                };
                if head.next.is_none() && !head.keys_changed && end_of(head).is_none() {
                    continue;
                }
            }
            let (stale_keys, emptied) = {
                let mut chain = slot.chain.write();
                if chain.is_none() {
                    continue;
                }
                let key_changes = has_key_changes(&chain);
                let (removed, count) = prune_chain(&mut chain, view);
                stats.versions_removed += count;
                let emptied = chain.is_none();
                let stale_keys = if emptied {
                    keys_of(removed.iter().map(|v| &**v), &indexes)?
                } else if key_changes && !removed.is_empty() {
                    let gone = keys_of(removed.iter().map(|v| &**v), &indexes)?;
                    let kept = keys_of(chain_versions(&chain), &indexes)?;
                    gone.difference(&kept).cloned().collect()
                } else {
                    HashSet::new()
                };
                (stale_keys, emptied)
            };
            let mut all_removed = true;
            for (index_id, key) in &stale_keys {
                let Some(index) = indexes.iter().find(|i| i.spec.id == *index_id) else {
                    continue;
                };
                match self.remove_stale_entry(index, key, row_id)? {
                    true => stats.index_entries_removed += 1,
                    false => all_removed = false,
                }
            }
            if emptied {
                stats.rows_removed += 1;
                if all_removed {
                    self.free_row_id(row_id);
                }
            } else if !stale_keys.is_empty() && all_removed {
                self.settle_key_changes(row_id);
            }
        }
        Ok(stats)
    }

    /// Removes the entry `key ‖ row_id` unless some version of the row has `key` (checked under
    /// the tree's write lock; see the module docs). Returns whether the entry is gone.
    fn remove_stale_entry(&self, index: &Index, key: &[u8], row_id: u64) -> Result<bool> {
        let mut tree = index.tree.write();
        if let Some(slot) = self.slots.get(row_id) {
            let chain = slot.chain.read();
            for version in chain_versions(&chain) {
                if index.key_of_data(&version.data)?.0 == key {
                    return Ok(false);
                }
            }
        }
        tree.remove(&Index::entry(key, row_id)[..]);
        Ok(true)
    }

    /// After a chain's stale keys are gone: a chain of one committed version no longer needs
    /// index readers to re-check keys. (Every entry of the row belongs to some version that
    /// existed; those of removed versions are gone, so what is left matches the one version.)
    fn settle_key_changes(&self, row_id: u64) {
        let Some(slot) = self.slots.get(row_id) else {
            return;
        };
        let mut chain = slot.chain.write();
        if let Some(head) = chain.as_deref_mut()
            && head.next.is_none()
            && !is_txn_id(head.xmin)
        {
            head.keys_changed = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn version(xmin: u64, xmax: u64, next: Option<Box<Version>>) -> Option<Box<Version>> {
        Some(Box::new(Version {
            xmin,
            xmax,
            data: Arc::from(&[][..]),
            next,
            keys_changed: false,
        }))
    }

    fn stamps(head: &Option<Box<Version>>) -> Vec<u64> {
        chain_versions(head).map(|v| v.xmin).collect()
    }

    #[test]
    fn only_versions_someone_can_see_survive() {
        let live = db001_txn::TXN_ID_BIT | 9;
        let mut head = version(
            live,
            0,
            version(
                120,
                live,
                version(100, 120, version(80, 100, version(60, 80, None))),
            ),
        );
        let view = VisibilityView::new(130, vec![85]);
        let (_, removed) = prune_chain(&mut head, &view);
        assert_eq!(
            stamps(&head),
            vec![live, 120, 80],
            "85 reads ts80; 100 and 60 are unseen"
        );
        assert_eq!(removed, 2);
    }

    #[test]
    fn a_delete_everyone_sees_empties_the_chain() {
        let mut head = version(100, 110, version(50, 100, None));
        let (_, removed) = prune_chain(&mut head, &VisibilityView::new(200, vec![]));
        assert!(head.is_none());
        assert_eq!(removed, 2);
        let mut kept = version(100, 110, None);
        prune_chain(&mut kept, &VisibilityView::new(200, vec![105]));
        assert!(kept.is_some(), "a snapshot at 105 still sees the row");
    }
}
