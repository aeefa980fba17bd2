//! The MVCC transaction manager: ids, snapshots, visibility, write conflicts.
