//! One version of a row and the walks over a version chain.

use std::sync::Arc;

use db001_txn::{Snapshot, TxnManager};

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

/// Number of versions in a chain.
pub(crate) fn chain_len(head: &Option<Box<Version>>) -> usize {
    let mut count = 0;
    let mut cursor = head.as_deref();
    while let Some(version) = cursor {
        count += 1;
        cursor = version.next.as_deref();
    }
    count
}
