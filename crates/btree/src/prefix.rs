//! Prefix scans over byte-string keys.
//!
//! Index keys are order-preserving encodings, so "every key that starts with these bytes" (all
//! entries of one value in a composite index, say) is a contiguous interval: from the prefix
//! itself up to, but excluding, the smallest byte string greater than every extension of the
//! prefix. That successor drops trailing `0xFF` bytes and increments the last remaining byte; a
//! prefix of only `0xFF` bytes (or an empty one) has no successor, and the interval is unbounded
//! above.

use std::borrow::Borrow;
use std::ops::Bound;

use crate::range::Range;
use crate::tree::BPlusTree;

/// The bounds of all byte strings that start with `prefix`.
///
/// With `K = Vec<u8>`: `tree.range::<Vec<u8>, _>(prefix_range(prefix))`. With `K = Box<[u8]>`
/// (or to avoid naming the type), borrow the bounds as slices:
/// `tree.range::<[u8], _>(slice_bounds(&prefix_range(prefix)))`, or call
/// [`BPlusTree::range_prefix`].
pub fn prefix_range(prefix: &[u8]) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let lower = Bound::Included(prefix.to_vec());
    let upper = match prefix.iter().rposition(|byte| *byte != u8::MAX) {
        Some(last) => {
            let mut successor = prefix[..=last].to_vec();
            successor[last] += 1;
            Bound::Excluded(successor)
        }
        None => Bound::Unbounded,
    };
    (lower, upper)
}

/// Borrows owned byte-string bounds as slice bounds, which implement `RangeBounds<[u8]>`.
pub fn slice_bounds(bounds: &(Bound<Vec<u8>>, Bound<Vec<u8>>)) -> (Bound<&[u8]>, Bound<&[u8]>) {
    (
        bounds.0.as_ref().map(Vec::as_slice),
        bounds.1.as_ref().map(Vec::as_slice),
    )
}

impl<K, V, const NODE_CAPACITY: usize> BPlusTree<K, V, NODE_CAPACITY>
where
    K: Ord + Borrow<[u8]>,
{
    /// The entries whose keys start with `prefix`, in key order.
    pub fn range_prefix(&self, prefix: &[u8]) -> Range<'_, K, V> {
        self.range::<[u8], _>(slice_bounds(&prefix_range(prefix)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_prefix_increments_last_byte() {
        assert_eq!(
            prefix_range(b"ab"),
            (
                Bound::Included(b"ab".to_vec()),
                Bound::Excluded(b"ac".to_vec())
            )
        );
    }

    #[test]
    fn trailing_ff_bytes_are_dropped_before_incrementing() {
        assert_eq!(
            prefix_range(&[0x01, 0xFF, 0xFF]),
            (
                Bound::Included(vec![0x01, 0xFF, 0xFF]),
                Bound::Excluded(vec![0x02])
            )
        );
        assert_eq!(
            prefix_range(&[0x00, 0xFF]),
            (
                Bound::Included(vec![0x00, 0xFF]),
                Bound::Excluded(vec![0x01])
            )
        );
    }

    #[test]
    fn all_ff_and_empty_prefixes_are_unbounded_above() {
        assert_eq!(
            prefix_range(&[0xFF, 0xFF]),
            (Bound::Included(vec![0xFF, 0xFF]), Bound::Unbounded)
        );
        assert_eq!(
            prefix_range(&[]),
            (Bound::Included(vec![]), Bound::Unbounded)
        );
    }
}
