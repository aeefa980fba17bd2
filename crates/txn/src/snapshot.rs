//! Snapshots and the visibility rule (see the crate docs for the reasoning).

use crate::manager::TxnManager;
use crate::{Timestamp, TxnId, is_txn_id};

/// The isolation levels PostgreSQL offers (READ UNCOMMITTED behaves as READ COMMITTED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IsolationLevel {
    ReadCommitted,
    RepeatableRead,
    Serializable,
}

impl IsolationLevel {
    /// Whether each statement takes a fresh snapshot.
    pub fn snapshot_per_statement(self) -> bool {
        self == IsolationLevel::ReadCommitted
    }

    /// The name `SHOW transaction_isolation` prints.
    pub fn name(self) -> &'static str {
        match self {
            IsolationLevel::ReadCommitted => "read committed",
            IsolationLevel::RepeatableRead => "repeatable read",
            IsolationLevel::Serializable => "serializable",
        }
    }
}

/// What one statement (or transaction) may see: every commit with a timestamp at or below
/// `read_ts`, plus the writes of `own`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapshot {
    pub read_ts: Timestamp,
    pub own: TxnId,
}

impl Snapshot {
    /// Whether the write stamped `stamp` (a version's xmin or a non-zero xmax) has happened in
    /// this snapshot.
    #[inline]
    pub fn sees(&self, stamp: u64, manager: &TxnManager) -> bool {
        if stamp == self.own {
            return true;
        }
        if !is_txn_id(stamp) {
            return stamp <= self.read_ts;
        }
        manager
            .committed_ts(stamp)
            .is_some_and(|ts| ts <= self.read_ts)
    }

    /// Whether a version created by `xmin` and ended by `xmax` (0: not ended) is visible.
    #[inline]
    pub fn is_visible(&self, xmin: u64, xmax: u64, manager: &TxnManager) -> bool {
        self.sees(xmin, manager) && (xmax == 0 || !self.sees(xmax, manager))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A model transaction: its commit timestamp (None: still running or aborted) and whether
    /// it aborted.
    #[derive(Debug, Clone, Copy)]
    struct ModelTxn {
        commit_ts: Option<u64>,
    }

    fn model_sees(stamp: usize, txns: &[ModelTxn], own: usize, read_ts: u64) -> bool {
        stamp == own || txns[stamp].commit_ts.is_some_and(|ts| ts <= read_ts)
    }

    proptest! {
        /// Visibility through the manager (with ids, or re-stamped timestamps) agrees with a
        /// model that knows every transaction's fate.
        #[test]
        fn visibility_matches_model(
            fates in proptest::collection::vec(0u8..3, 2..8),
            versions in proptest::collection::vec((0usize..8, proptest::option::of(0usize..8), any::<bool>()), 1..20),
            reader in 0usize..8,
            read_ts in 0u64..20,
        ) {
            let manager = TxnManager::new(0);
            let mut fates = fates;
            let reader = reader % fates.len();
            // The reader is running: only running transactions read.
            fates[reader] = 0;
            let mut shared = Vec::new();
            let mut model = Vec::new();
            for (i, fate) in fates.iter().enumerate() {
                let txn = manager.begin();
                let commit_ts = match fate {
                    0 => None,                          // active
                    1 => { txn.set_aborted(); None }    // aborted
                    _ => { let ts = 2 + 2 * i as u64; txn.set_commit_ts(ts); Some(ts) }
                };
                model.push(ModelTxn { commit_ts });
                shared.push(txn);
            }
            let n = shared.len();
            let snapshot = Snapshot { read_ts, own: shared[reader].id() };
            for (creator, ender, stamped) in versions {
                let creator = creator % n;
                let ender = ender.map(|e| e % n);
                // A committed writer may already have re-stamped its versions with the timestamp.
                let stamp = |t: usize| match (stamped, model[t].commit_ts) {
                    (true, Some(ts)) => ts,
                    _ => shared[t].id(),
                };
                let xmin = stamp(creator);
                let xmax = ender.map_or(0, stamp);
                let expected = model_sees(creator, &model, reader, read_ts)
                    && !ender.is_some_and(|e| model_sees(e, &model, reader, read_ts));
                prop_assert_eq!(snapshot.is_visible(xmin, xmax, &manager), expected);
            }
        }
    }
}
