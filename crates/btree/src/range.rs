//! Ordered scans: [`Range`], the double-ended iterator behind `range`, `iter`, `first` and `last`.
//!
//! A scan descends the tree twice when it is created — once for the first entry inside the
//! bounds, once for the last — and from then on only follows the leaves' sibling links. Each step
//! is O(1) and nothing recurses, so a scan of `k` entries costs O(log n + k), in either direction
//! or both at once. The two ends are inclusive positions of real entries; the scan is over when
//! the end being advanced yields the entry the other end points at.
//!
//! Unlike `BTreeMap::range`, bounds that describe an empty interval (start after end, or equal
//! and excluded) give an empty scan instead of a panic: bounds come from queries such as
//! `WHERE x > 5 AND x < 3`.

use std::borrow::Borrow;
use std::fmt;
use std::iter::FusedIterator;
use std::ops::{Bound, RangeBounds};

use crate::node::{Leaf, NO_NODE, NodeId};
use crate::tree::{BPlusTree, partition};

/// Where an entry is: its leaf and its index in that leaf.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Position {
    leaf: NodeId,
    index: usize,
}

/// An iterator over the entries of a [`BPlusTree`] within some bounds, in ascending key order
/// from the front and descending from the back.
pub struct Range<'a, K, V> {
    leaves: &'a [Leaf<K, V>],
    /// The next entry `next` yields.
    front: Position,
    /// The next entry `next_back` yields.
    back: Position,
    /// Set once the two ends have met (or when the bounds held no entry).
    exhausted: bool,
}

impl<K, V> Clone for Range<'_, K, V> {
    fn clone(&self) -> Self {
        Range {
            leaves: self.leaves,
            front: self.front,
            back: self.back,
            exhausted: self.exhausted,
        }
    }
}

impl<K, V> fmt::Debug for Range<'_, K, V> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Range")
            .field("front", &self.front)
            .field("back", &self.back)
            .field("exhausted", &self.exhausted)
            .finish()
    }
}

impl<'a, K, V> Range<'a, K, V> {
    fn entry(&self, position: Position) -> (&'a K, &'a V) {
        let leaf = &self.leaves[position.leaf as usize];
        (&leaf.keys[position.index], &leaf.values[position.index])
    }
}

impl<'a, K, V> Iterator for Range<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        if self.exhausted {
            return None;
        }
        let current = self.front;
        if current == self.back {
            self.exhausted = true;
        } else {
            let leaf = &self.leaves[current.leaf as usize];
            self.front = if current.index + 1 < leaf.keys.len() {
                Position {
                    leaf: current.leaf,
                    index: current.index + 1,
                }
            } else {
                // The back end lies further right, so a next leaf exists; leaves are never empty.
                Position {
                    leaf: leaf.next,
                    index: 0,
                }
            };
        }
        Some(self.entry(current))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.exhausted {
            (0, Some(0))
        } else {
            (1, None)
        }
    }
}

impl<K, V> DoubleEndedIterator for Range<'_, K, V> {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.exhausted {
            return None;
        }
        let current = self.back;
        if current == self.front {
            self.exhausted = true;
        } else if current.index > 0 {
            self.back.index -= 1;
        } else {
            // The front end lies further left, so a previous leaf exists; leaves are never empty.
            let previous = self.leaves[current.leaf as usize].previous;
            self.back = Position {
                leaf: previous,
                index: self.leaves[previous as usize].keys.len() - 1,
            };
        }
        Some(self.entry(current))
    }
}

impl<K, V> FusedIterator for Range<'_, K, V> {}

impl<'a, K: Ord, V, const NODE_CAPACITY: usize> IntoIterator
    for &'a BPlusTree<K, V, NODE_CAPACITY>
{
    type Item = (&'a K, &'a V);
    type IntoIter = Range<'a, K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<K: Ord, V, const NODE_CAPACITY: usize> BPlusTree<K, V, NODE_CAPACITY> {
    /// The entries whose keys lie within `range`, in key order (reverse it for descending order).
    /// Empty, not a panic, when the bounds describe an empty interval.
    pub fn range<Q, R>(&self, range: R) -> Range<'_, K, V>
    where
        K: Borrow<Q>,
        Q: ?Sized + Ord,
        R: RangeBounds<Q>,
    {
        let front = match range.start_bound() {
            Bound::Unbounded => self.first_position(),
            Bound::Included(key) => self.first_position_after(key, false),
            Bound::Excluded(key) => self.first_position_after(key, true),
        };
        let back = match range.end_bound() {
            Bound::Unbounded => self.last_position(),
            Bound::Included(key) => self.last_position_before(key, false),
            Bound::Excluded(key) => self.last_position_before(key, true),
        };
        let leaves = self.leaves.slots.as_slice();
        match (front, back) {
            (Some(front), Some(back)) => {
                let mut scan = Range {
                    leaves,
                    front,
                    back,
                    exhausted: false,
                };
                // With an empty interval the first entry after the start lies beyond the last
                // entry before the end.
                scan.exhausted = scan.entry(front).0 > scan.entry(back).0;
                scan
            }
            _ => Range {
                leaves,
                front: Position {
                    leaf: NO_NODE,
                    index: 0,
                },
                back: Position {
                    leaf: NO_NODE,
                    index: 0,
                },
                exhausted: true,
            },
        }
    }

    /// All entries in key order.
    pub fn iter(&self) -> Range<'_, K, V> {
        self.range::<K, _>(..)
    }

    /// The entry with the smallest key.
    pub fn first(&self) -> Option<(&K, &V)> {
        let position = self.first_position()?;
        let leaf = self.leaves.get(position.leaf);
        Some((&leaf.keys[position.index], &leaf.values[position.index]))
    }

    /// The entry with the largest key.
    pub fn last(&self) -> Option<(&K, &V)> {
        let position = self.last_position()?;
        let leaf = self.leaves.get(position.leaf);
        Some((&leaf.keys[position.index], &leaf.values[position.index]))
    }

    fn first_position(&self) -> Option<Position> {
        if self.root == NO_NODE {
            return None;
        }
        let mut node = self.root;
        for _ in 0..self.internal_levels {
            node = self.internals.get(node).children[0];
        }
        Some(Position {
            leaf: node,
            index: 0,
        })
    }

    fn last_position(&self) -> Option<Position> {
        if self.root == NO_NODE {
            return None;
        }
        let mut node = self.root;
        for _ in 0..self.internal_levels {
            let children = &self.internals.get(node).children;
            node = children[children.len() - 1];
        }
        Some(Position {
            leaf: node,
            index: self.leaves.get(node).keys.len() - 1,
        })
    }

    /// The first entry whose key is `>= key` (or `> key` when `exclusive`).
    fn first_position_after<Q>(&self, key: &Q, exclusive: bool) -> Option<Position>
    where
        K: Borrow<Q>,
        Q: ?Sized + Ord,
    {
        if self.root == NO_NODE {
            return None;
        }
        let leaf_id = self.leaf_for(key);
        let leaf = self.leaves.get(leaf_id);
        let index = partition(&leaf.keys, |probe| {
            let probe = probe.borrow();
            if exclusive { probe <= key } else { probe < key }
        });
        if index < leaf.keys.len() {
            return Some(Position {
                leaf: leaf_id,
                index,
            });
        }
        // Everything in this leaf is before the bound; everything in the next leaf is at or
        // after the separator that sent `key` here, which is greater than `key`.
        (leaf.next != NO_NODE).then_some(Position {
            leaf: leaf.next,
            index: 0,
        })
    }

    /// The last entry whose key is `<= key` (or `< key` when `exclusive`).
    fn last_position_before<Q>(&self, key: &Q, exclusive: bool) -> Option<Position>
    where
        K: Borrow<Q>,
        Q: ?Sized + Ord,
    {
        if self.root == NO_NODE {
            return None;
        }
        let leaf_id = self.leaf_for(key);
        let leaf = self.leaves.get(leaf_id);
        let after = partition(&leaf.keys, |probe| {
            let probe = probe.borrow();
            if exclusive { probe < key } else { probe <= key }
        });
        if after > 0 {
            return Some(Position {
                leaf: leaf_id,
                index: after - 1,
            });
        }
        // Everything in this leaf is past the bound; everything in the previous leaf is below the
        // separator that sent `key` here, which is at most `key`.
        let previous = leaf.previous;
        (previous != NO_NODE).then(|| Position {
            leaf: previous,
            index: self.leaves.get(previous).keys.len() - 1,
        })
    }
}
