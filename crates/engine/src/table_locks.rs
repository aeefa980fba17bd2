//! Table locks: what keeps DDL that replaces or removes a table's storage from racing with
//! transactions that write the table.
//!
//! ## Why db001 needs them at all
//!
//! DDL works on a private copy of the catalog (see the catalog crate), so readers never
//! notice it until it commits, and then see a consistent new catalog. Writers are different:
//! TRUNCATE, DROP TABLE and the ALTER TABLE forms that rewrite rows give the table new storage
//! (or none), and a transaction that went on writing the old storage would lose its writes —
//! or log them against a table whose rows have been renumbered. PostgreSQL prevents this with
//! table locks; db001 keeps the two modes that matter:
//!
//! | mode | taken by | conflicts with |
//! | --- | --- | --- |
//! | shared | INSERT, UPDATE, DELETE, SELECT FOR UPDATE (target and every table a foreign key makes it write or lock) | exclusive |
//! | exclusive | ALTER TABLE, DROP TABLE, TRUNCATE (and the tables a new foreign key links) | both |
//!
//! (PostgreSQL's ROW EXCLUSIVE and ACCESS EXCLUSIVE.) Plain reads take none: they read the
//! storage of the catalog they planned with, which stays intact for them. Locks are held until
//! the transaction ends. A conflict is reported as "wait for transaction T", which the session
//! handles like a row conflict: it waits (with deadlock detection on the same wait-for graph)
//! and runs the statement again. A writer that planned with a catalog an exclusive holder then
//! replaced notices after locking ([`plan_is_current`]) and plans again.

use std::collections::HashMap;

use db001_catalog::Catalog;
use db001_common::{Error, Result};
use db001_txn::TxnId;
use parking_lot::Mutex;

/// The lock table.
#[derive(Debug, Default)]
pub(crate) struct TableLocks {
    tables: Mutex<HashMap<u32, Holders>>,
}

#[derive(Debug, Default)]
struct Holders {
    exclusive: Option<TxnId>,
    shared: Vec<TxnId>,
}

impl TableLocks {
    /// Takes a shared lock on `table` for `txn`. Returns whether it is new (to be released at
    /// the end), or a wait for the exclusive holder.
    pub(crate) fn lock_shared(&self, table: u32, txn: TxnId) -> Result<bool> {
        let mut tables = self.tables.lock();
        let holders = tables.entry(table).or_default();
        match holders.exclusive {
            Some(holder) if holder == txn => Ok(false),
            Some(holder) => Err(Error::wait_for(holder)),
            None if holders.shared.contains(&txn) => Ok(false),
            None => {
                holders.shared.push(txn);
                Ok(true)
            }
        }
    }

    /// Takes an exclusive lock on `table` for `txn` (upgrading its shared lock). Returns
    /// whether it is new, or a wait for another holder.
    pub(crate) fn lock_exclusive(&self, table: u32, txn: TxnId) -> Result<bool> {
        let mut tables = self.tables.lock();
        let holders = tables.entry(table).or_default();
        if let Some(holder) = holders.exclusive {
            return if holder == txn {
                Ok(false)
            } else {
                Err(Error::wait_for(holder))
            };
        }
        if let Some(other) = holders.shared.iter().find(|&&holder| holder != txn) {
            return Err(Error::wait_for(*other));
        }
        let had_shared = !holders.shared.is_empty();
        holders.shared.clear();
        holders.exclusive = Some(txn);
        Ok(!had_shared)
    }

    /// Releases `txn`'s locks on `tables`.
    pub(crate) fn release(&self, tables: &[u32], txn: TxnId) {
        if tables.is_empty() {
            return;
        }
        let mut locks = self.tables.lock();
        for table in tables {
            if let Some(holders) = locks.get_mut(table) {
                if holders.exclusive == Some(txn) {
                    holders.exclusive = None;
                }
                holders.shared.retain(|&holder| holder != txn);
                if holders.exclusive.is_none() && holders.shared.is_empty() {
                    locks.remove(table);
                }
            }
        }
    }
}

/// Whether every table a plan writes still has, in `catalog`, the storage the plan holds
/// (false: DDL replaced it after the plan was made, and the statement must be planned again).
pub(crate) fn plan_is_current(
    catalog: &Catalog,
    tables: &[(u32, std::sync::Arc<db001_storage::Table>)],
) -> bool {
    tables.iter().all(|(id, storage)| {
        catalog
            .table_by_id(*id)
            .is_some_and(|entry| std::sync::Arc::ptr_eq(&entry.storage, storage))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use db001_txn::TXN_ID_BIT;

    const A: TxnId = TXN_ID_BIT | 1;
    const B: TxnId = TXN_ID_BIT | 2;

    #[test]
    fn shared_locks_share_and_exclusive_excludes() {
        let locks = TableLocks::default();
        assert!(locks.lock_shared(7, A).expect("free"));
        assert!(!locks.lock_shared(7, A).expect("held"));
        assert!(locks.lock_shared(7, B).expect("shared with A"));
        let wait = locks.lock_exclusive(7, A).expect_err("B shares it");
        assert_eq!(wait.waiting_for(), Some(B));
        locks.release(&[7], B);
        assert!(
            !locks.lock_exclusive(7, A).expect("upgrade"),
            "an upgrade is not a new lock"
        );
        assert_eq!(
            locks
                .lock_shared(7, B)
                .expect_err("exclusive")
                .waiting_for(),
            Some(A)
        );
        assert!(!locks.lock_shared(7, A).expect("own exclusive covers it"));
        locks.release(&[7], A);
        assert!(locks.lock_exclusive(7, B).expect("free again"));
        locks.release(&[7], B);
        assert!(locks.tables.lock().is_empty(), "nothing left behind");
    }
}
