//! What a transaction has written: enough to undo it (statement or whole transaction), re-stamp
//! it at commit, and log it to the WAL; plus the lock-only row locks it holds, so they can be
//! released when it ends and logged when it prepares.

use std::sync::Arc;

use db001_txn::LockMode;

use crate::table::Table;

/// The kind of one write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteKind {
    Insert,
    /// A new version was pushed on top of a committed one.
    Update,
    /// The transaction's own version was overwritten; `prior` is what it held before.
    UpdateInPlace {
        prior: Arc<[u8]>,
    },
    Delete,
}

/// One write.
#[derive(Debug, Clone)]
pub struct WriteEntry {
    pub table: Arc<Table>,
    pub row_id: u64,
    pub kind: WriteKind,
    /// The row as written (None for deletes).
    pub data: Option<Arc<[u8]>>,
    /// Index entries this write added: (index id, key without row id).
    pub(crate) added_keys: Vec<(u32, Vec<u8>)>,
}

/// A lock-only row lock a transaction took (`SELECT ... FOR SHARE` and friends).
#[derive(Debug, Clone)]
pub struct HeldLock {
    pub table: Arc<Table>,
    pub row_id: u64,
    pub mode: LockMode,
}

/// A transaction's writes in the order they happened, and its lock-only row locks.
#[derive(Debug, Default)]
pub struct WriteSet {
    pub(crate) entries: Vec<WriteEntry>,
    pub(crate) locks: Vec<HeldLock>,
}

impl WriteSet {
    pub fn new() -> WriteSet {
        WriteSet::default()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[WriteEntry] {
        &self.entries
    }

    /// The lock-only row locks taken (a row may appear more than once, with growing modes).
    pub fn row_locks(&self) -> &[HeldLock] {
        &self.locks
    }
}
