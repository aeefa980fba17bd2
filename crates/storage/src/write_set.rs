//! What a transaction has written: enough to undo it (statement or whole transaction), re-stamp
//! it at commit, and log it to the WAL.

use std::sync::Arc;

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
    /// A row lock (`SELECT ... FOR UPDATE`): a new version with unchanged bytes; not logged.
    Lock,
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

/// A transaction's writes in the order they happened.
#[derive(Debug, Default)]
pub struct WriteSet {
    pub(crate) entries: Vec<WriteEntry>,
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
}
