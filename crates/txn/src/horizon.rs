//! Which committed versions someone can still see: the input of precise garbage collection.
//!
//! A committed version created at `c` and superseded (or deleted) at `e` is visible to exactly
//! the snapshots reading at `s` with `c ≤ s < e`. The snapshots in use are published in reader
//! slots; every snapshot still to come reads at or above the visibility watermark `W` loaded
//! before the slots were scanned. So a version is garbage when `e ≤ W` and no published snapshot
//! falls in `[c, e)`:
//!
//! ```text
//!   versions of one row:   c=10 ───── e=20 ───── e=30 ───── e=40 ──── (current)
//!   snapshots in use:              15                            45=W
//!                          [10,20) seen by 15      [20,30) and [30,40): nobody → garbage
//! ```
//!
//! This is what lets a long-running transaction hold back only what it can see: its snapshot
//! keeps one version per row (the one it reads), not everything newer than it, which is what
//! the simpler "oldest snapshot" horizon ([`crate::TxnManager::gc_horizon`]) would keep.

use crate::Timestamp;

/// Published snapshots plus the watermark (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisibilityView {
    watermark: Timestamp,
    /// Sorted, without duplicates.
    snapshots: Vec<Timestamp>,
}

impl VisibilityView {
    /// A view from the watermark and the read timestamps of the snapshots in use.
    pub fn new(watermark: Timestamp, mut snapshots: Vec<Timestamp>) -> VisibilityView {
        snapshots.sort_unstable();
        snapshots.dedup();
        VisibilityView {
            watermark,
            snapshots,
        }
    }

    /// Whether a version committed at `created` and ended at `ended` (the commit timestamp of
    /// whatever superseded or deleted it; `None` while it is current or its end is not
    /// committed) is visible to some snapshot in use or to come.
    pub fn may_see(&self, created: Timestamp, ended: Option<Timestamp>) -> bool {
        let Some(ended) = ended else {
            return true;
        };
        if ended > self.watermark {
            return true;
        }
        // The first snapshot at or above `created`: is it below `ended`?
        let at = self.snapshots.partition_point(|s| *s < created);
        self.snapshots.get(at).is_some_and(|s| *s < ended)
    }

    /// The oldest snapshot in use or to come.
    pub fn oldest(&self) -> Timestamp {
        self.snapshots
            .first()
            .copied()
            .unwrap_or(self.watermark)
            .min(self.watermark)
    }

    pub fn watermark(&self) -> Timestamp {
        self.watermark
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_long_snapshot_keeps_only_the_version_it_reads() {
        let view = VisibilityView::new(45, vec![15]);
        assert!(view.may_see(10, Some(20)), "read by the snapshot at 15");
        assert!(!view.may_see(20, Some(30)));
        assert!(!view.may_see(30, Some(40)));
        assert!(view.may_see(40, None), "current");
        assert!(view.may_see(40, Some(50)), "ended after the watermark");
        assert_eq!(view.oldest(), 15);
    }

    proptest! {
        /// may_see agrees with "some reader at s in snapshots ∪ [W, ∞) has c ≤ s < e".
        #[test]
        fn may_see_matches_brute_force(
            watermark in 0u64..60,
            snapshots in proptest::collection::vec(0u64..60, 0..6),
            created in 0u64..60,
            length in proptest::option::of(1u64..30),
        ) {
            let view = VisibilityView::new(watermark, snapshots.clone());
            let ended = length.map(|l| created + l);
            let readers = snapshots.iter().copied().chain(watermark..70);
            let expected = readers.into_iter().any(|s| s >= created && ended.is_none_or(|e| s < e));
            prop_assert_eq!(view.may_see(created, ended), expected);
        }
    }
}
