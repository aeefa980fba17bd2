//! One version of a row and the walks over a version chain.

use std::sync::Arc;

use db001_txn::{Snapshot, TxnManager, is_txn_id};

/// One version of a row. `xmin`/`xmax` are stamps as the txn crate defines them: a transaction
/// id while the writer is live, its commit timestamp afterwards, 0 for "not ended".
#[derive(Debug)]
pub(crate) struct Version {
    pub(crate) xmin: u64,
    pub(crate) xmax: u64,
    /// The row, encoded with `db001_common::row_codec`.
    pub(crate) data: Arc<[u8]>,
    /// The next older version.
    pub(crate) next: Option<Box<Version>>,
    /// Whether some index key of this version differs from the next older version's. While
    /// any version of a chain has it set, index entries may point at the row under a key its
    /// visible version no longer has, and index readers must re-check keys.
    pub(crate) keys_changed: bool,
}

impl Drop for Version {
    /// Unlinks older versions one by one: the default recursive drop of a long chain could
    /// overflow the stack.
    fn drop(&mut self) {
        let mut next = self.next.take();
        while let Some(mut version) = next {
            next = version.next.take();
        }
    }
}

/// The version of a chain visible to `snapshot`, if any, and whether it is the newest.
pub(crate) fn visible<'a>(
    head: &'a Option<Box<Version>>,
    snapshot: &Snapshot,
    manager: &TxnManager,
) -> Option<(&'a Version, bool)> {
    let mut cursor = head.as_deref();
    let mut newest = true;
    while let Some(version) = cursor {
        if snapshot.is_visible(version.xmin, version.xmax, manager) {
            return Some((version, newest));
        }
        // A version whose creation this snapshot sees but whose end it also sees is the last
        // candidate: everything older ended even earlier.
        if snapshot.sees(version.xmin, manager) {
            return None;
        }
        cursor = version.next.as_deref();
        newest = false;
    }
    None
}

/// Whether an index entry could point at this row under a key other than its visible
/// version's (some version's keys differ from its predecessor's).
pub(crate) fn has_key_changes(head: &Option<Box<Version>>) -> bool {
    let mut cursor = head.as_deref();
    while let Some(version) = cursor {
        if version.keys_changed {
            return true;
        }
        cursor = version.next.as_deref();
    }
    false
}

/// Drops every version older than the newest one committed at or before `horizon`: no current
/// or future snapshot can see them (see the txn crate's docs on the horizon). Keeps them when
/// an index key changed among the versions concerned, because their index entries would
/// otherwise outlive them. Returns the number of versions dropped.
pub(crate) fn prune(head: &mut Option<Box<Version>>, horizon: u64) -> usize {
    let mut cursor = head.as_deref_mut();
    while let Some(version) = cursor {
        if !is_txn_id(version.xmin) && version.xmin <= horizon {
            if version.keys_changed || has_key_changes(&version.next) {
                return 0;
            }
            let mut dropped = 0;
            let mut tail = version.next.take();
            // Unlink iteratively: dropping a long chain recursively could overflow the stack.
            while let Some(mut old) = tail {
                tail = old.next.take();
                dropped += 1;
            }
            return dropped;
        }
        cursor = version.next.as_deref_mut();
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(stamps: &[(u64, bool)]) -> Option<Box<Version>> {
        let mut head = None;
        for &(xmin, keys_changed) in stamps.iter().rev() {
            head = Some(Box::new(Version {
                xmin,
                xmax: 0,
                data: Arc::from(&[][..]),
                next: head,
                keys_changed,
            }));
        }
        head
    }

    fn length(head: &Option<Box<Version>>) -> usize {
        let mut count = 0;
        let mut cursor = head.as_deref();
        while let Some(version) = cursor {
            count += 1;
            cursor = version.next.as_deref();
        }
        count
    }

    #[test]
    fn prune_keeps_the_newest_version_at_or_below_the_horizon() {
        let own = db001_txn::TXN_ID_BIT | 7;
        let mut head = chain(&[(own, false), (120, false), (100, false), (80, false)]);
        assert_eq!(prune(&mut head, 110), 1, "only ts80 is older than ts100");
        assert_eq!(length(&head), 3);
        assert_eq!(prune(&mut head, 50), 0, "nothing committed at or before 50");
        assert_eq!(prune(&mut head, 130), 1);
        assert_eq!(length(&head), 2);
    }

    #[test]
    fn prune_keeps_versions_whose_index_keys_differ() {
        let mut head = chain(&[(120, false), (100, true), (80, false)]);
        assert_eq!(prune(&mut head, 130), 0);
        assert!(has_key_changes(&head));
        let mut head = chain(&[(120, false), (100, false)]);
        assert!(!has_key_changes(&head));
        assert_eq!(prune(&mut head, 130), 1);
    }

    #[test]
    fn prune_drops_a_very_long_chain_without_recursion() {
        let stamps: Vec<(u64, bool)> = (0..200_000u64).rev().map(|ts| (ts + 1, false)).collect();
        let mut head = chain(&stamps);
        assert_eq!(prune(&mut head, 200_000), 199_999);
    }
}
