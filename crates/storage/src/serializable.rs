//! Where storage meets serializable snapshot isolation (`db001_txn::ssi`).
//!
//! Reads: a sequential scan takes a SIREAD lock on its table, an index scan on the key range it
//! covers, both before reading the first row; and every row a serializable scan examines reports
//! the writers of versions its snapshot cannot see (rw-conflicts out).
//! Writes: a serializable insert, update or delete reports the row's old and new index entries
//! once the write is in place (rw-conflicts in).
//!
//! Only serializable transactions take part, as in PostgreSQL: other levels pay one atomic load
//! per scan and nothing per write.

use db001_common::Result;
use db001_txn::ssi::ReadRange;
use db001_txn::{IsolationLevel, Snapshot, TxnManager, is_txn_id};

use crate::table::TxnContext;
use crate::version::Version;

/// Whether a write by `ctx` must be checked for rw-conflicts in.
#[inline]
pub(crate) fn writes_checked(ctx: &TxnContext<'_>) -> bool {
    ctx.isolation == IsolationLevel::Serializable && ctx.manager.ssi().is_active()
}

/// Reports a serializable write of `entries` (index id, entry bytes) to `table`.
pub(crate) fn check_write(
    ctx: &TxnContext<'_>,
    table: u32,
    entries: &[(u32, Vec<u8>)],
) -> Result<()> {
    ctx.manager
        .ssi()
        .check_write(ctx.snapshot.own, table, entries)
}

/// Whether the scanning transaction is a tracked serializable one.
pub(crate) fn tracks_reads(snapshot: &Snapshot, manager: &TxnManager) -> bool {
    manager.ssi().is_active() && is_txn_id(snapshot.own) && manager.ssi().is_tracked(snapshot.own)
}

/// Takes the SIREAD lock of a sequential scan.
pub(crate) fn lock_table(snapshot: &Snapshot, manager: &TxnManager, table: u32) -> Result<()> {
    manager.ssi().lock_table(snapshot.own, table)
}

/// Takes the SIREAD lock of an index scan.
pub(crate) fn lock_range(
    snapshot: &Snapshot,
    manager: &TxnManager,
    table: u32,
    range: ReadRange,
) -> Result<()> {
    manager.ssi().lock_range(snapshot.own, table, range)
}

/// The writers (version stamps) of everything on a chain that `snapshot` cannot see but that a
/// serializable reader "read past": versions newer than the visible one, and the end of the
/// visible one. Appends to `writers`.
pub(crate) fn unseen_writers(
    head: &Option<Box<Version>>,
    snapshot: &Snapshot,
    manager: &TxnManager,
    writers: &mut Vec<u64>,
) {
    let mut cursor = head.as_deref();
    while let Some(version) = cursor {
        if snapshot.is_visible(version.xmin, version.xmax, manager) {
            if version.xmax != 0 && version.xmax != snapshot.own {
                writers.push(version.xmax);
            }
            return;
        }
        if snapshot.sees(version.xmin, manager) {
            // Ended before the snapshot: nothing concurrent below.
            return;
        }
        if version.xmin != snapshot.own {
            writers.push(version.xmin);
        }
        cursor = version.next.as_deref();
    }
}

/// Reports rw-conflicts out found while reading.
pub(crate) fn check_read(snapshot: &Snapshot, manager: &TxnManager, writers: &[u64]) -> Result<()> {
    manager.ssi().check_read(snapshot.own, writers)
}
