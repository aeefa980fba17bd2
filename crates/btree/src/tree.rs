//! The tree itself: its shape constants, lookups and insertion. Removal is in `remove.rs`, range
//! scans in `range.rs`, the structural checker in `invariants.rs`.
//!
//! Insertion descends once from the root, remembering the path (node and child slot per level)
//! in a fixed array, so no parent pointers are stored and nothing is allocated per insert except
//! when a node splits. A full leaf first tries to pass entries to a sibling with room (as a B*-tree
//! does) and splits only when both are (nearly) full; ascending or descending key loads (serial
//! primary keys, row ids) therefore leave leaves close to full instead of half full.

use std::borrow::Borrow;
use std::fmt;
use std::mem;

use crate::node::{Arena, Internal, Leaf, NO_NODE, NodeId};

/// The default node capacity: the most entries a leaf holds, and the most children an internal
/// node has. With 64, a million entries take four levels (five in the worst case of every node
/// half full), and a node's `u64` keys span eight cache lines.
pub const DEFAULT_NODE_CAPACITY: usize = 64;

const _: () = assert!(
    DEFAULT_NODE_CAPACITY >= 32 && DEFAULT_NODE_CAPACITY <= 64,
    "the default fan-out is tuned for 32..=64 keys per node"
);

/// The deepest a tree can be, counting internal levels. Every non-root internal node has at least
/// two children and the root has two, so `levels` internal levels need at least `2^levels`
/// leaves, and leaf ids are `u32` values below `u32::MAX`.
pub(crate) const MAX_INTERNAL_LEVELS: usize = 32;

/// An ordered map from `K` to `V` stored as a B+Tree: entries live in leaves linked in key order;
/// internal nodes hold separator keys only. See the crate documentation for the design.
///
/// `NODE_CAPACITY` is the fan-out (entries per leaf, children per internal node); leave it at the
/// default outside tests. Every node except the root holds at least `NODE_CAPACITY / 2`.
#[derive(Clone)]
pub struct BPlusTree<K, V, const NODE_CAPACITY: usize = DEFAULT_NODE_CAPACITY> {
    pub(crate) leaves: Arena<Leaf<K, V>>,
    pub(crate) internals: Arena<Internal<K>>,
    /// A leaf when `internal_levels == 0`, else an internal node; `NO_NODE` when the tree is empty.
    pub(crate) root: NodeId,
    /// How many levels of internal nodes sit above the leaves.
    pub(crate) internal_levels: usize,
    pub(crate) len: usize,
}

/// The nodes and child slots visited on the way down from the root, root first.
pub(crate) struct Path {
    steps: [(NodeId, u32); MAX_INTERNAL_LEVELS],
    len: usize,
}

impl Path {
    pub(crate) fn new() -> Self {
        Path {
            steps: [(NO_NODE, 0); MAX_INTERNAL_LEVELS],
            len: 0,
        }
    }

    pub(crate) fn push(&mut self, node: NodeId, slot: usize) {
        let step = self
            .steps
            .get_mut(self.len)
            .expect("a tree is never deeper than MAX_INTERNAL_LEVELS");
        // Slots are below NODE_CAPACITY, which is asserted to fit in u16.
        *step = (node, slot as u32);
        self.len += 1;
    }

    pub(crate) fn pop(&mut self) -> Option<(NodeId, usize)> {
        self.len = self.len.checked_sub(1)?;
        let (node, slot) = self.steps[self.len];
        Some((node, slot as usize))
    }

    pub(crate) fn last(&self) -> Option<(NodeId, usize)> {
        let (node, slot) = *self.steps[..self.len].last()?;
        Some((node, slot as usize))
    }
}

/// Below this many candidates, node searches scan linearly instead of halving.
const LINEAR_SEARCH_MAX: usize = 8;

/// The number of leading `items` for which `is_before` holds (it must hold for a prefix of them).
///
/// Why not `slice::partition_point`: it is branchless, so with heap-allocated keys (`Vec<u8>`),
/// where every probe is a cache miss, each load waits for the previous comparison. With a branch
/// the processor speculates down the predicted half and starts the next load early, and the final
/// in-order scan of at most `LINEAR_SEARCH_MAX` candidates issues its loads back to back. Measured
/// on a million random 16-byte `Vec<u8>` keys, lookups took about half the time of
/// `partition_point`; for `u64` keys the two are within noise of each other.
pub(crate) fn partition<T>(items: &[T], mut is_before: impl FnMut(&T) -> bool) -> usize {
    let (mut low, mut high) = (0, items.len());
    while high - low > LINEAR_SEARCH_MAX {
        let middle = low + (high - low) / 2;
        if is_before(&items[middle]) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    while low < high && is_before(&items[low]) {
        low += 1;
    }
    low
}

/// Where `key` is among sorted `keys`: `Ok(index)` if present, else `Err(insertion index)`.
pub(crate) fn find<K, Q>(keys: &[K], key: &Q) -> Result<usize, usize>
where
    K: Borrow<Q>,
    Q: ?Sized + Ord,
{
    let index = partition(keys, |probe| probe.borrow() < key);
    match keys.get(index) {
        Some(probe) if probe.borrow() == key => Ok(index),
        _ => Err(index),
    }
}

/// The child to follow for `key` among an internal node's separators: the number of separators
/// `<= key`, since a key equal to a separator lives to its right.
pub(crate) fn child_slot<K, Q>(separators: &[K], key: &Q) -> usize
where
    K: Borrow<Q>,
    Q: ?Sized + Ord,
{
    partition(separators, |separator| separator.borrow() <= key)
}

impl<K, V> BPlusTree<K, V> {
    /// An empty tree with the default fan-out. Allocates nothing.
    pub const fn new() -> Self {
        Self::empty()
    }
}

impl<K, V, const NODE_CAPACITY: usize> Default for BPlusTree<K, V, NODE_CAPACITY> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<K, V, const NODE_CAPACITY: usize> fmt::Debug for BPlusTree<K, V, NODE_CAPACITY> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("BPlusTree")
            .field("len", &self.len)
            .field("height", &self.height())
            .finish_non_exhaustive()
    }
}

impl<K, V, const NODE_CAPACITY: usize> BPlusTree<K, V, NODE_CAPACITY> {
    /// The fewest entries of a non-root leaf, and the fewest children of a non-root internal node.
    pub(crate) const MIN_OCCUPANCY: usize = NODE_CAPACITY / 2;

    /// How the capacity relates to the minimum occupancy; evaluated when a tree type is first
    /// instantiated, so a bad `NODE_CAPACITY` is a compile error.
    const SHAPE_IS_VALID: () = {
        // A full leaf splits into halves of NODE_CAPACITY / 2 and NODE_CAPACITY - NODE_CAPACITY / 2
        // entries before taking the new one; both halves must meet the minimum.
        assert!(2 * Self::MIN_OCCUPANCY <= NODE_CAPACITY);
        // An overfull internal node (NODE_CAPACITY + 1 children) splits into two halves, the
        // smaller holding (NODE_CAPACITY + 1) / 2 rounded down, i.e. NODE_CAPACITY / 2 rounded up.
        assert!(NODE_CAPACITY.div_ceil(2) >= Self::MIN_OCCUPANCY);
        // A node one below the minimum merged with a sibling at the minimum must fit in one node.
        assert!(2 * Self::MIN_OCCUPANCY - 1 <= NODE_CAPACITY);
        // Non-root internal nodes have at least two children, so the height stays logarithmic and
        // within MAX_INTERNAL_LEVELS; and the overflow shift needs room for two entries to move.
        assert!(Self::MIN_OCCUPANCY >= 2);
        // Child slots are stored as u32 in a Path.
        assert!(NODE_CAPACITY <= u16::MAX as usize);
    };

    const fn empty() -> Self {
        let () = Self::SHAPE_IS_VALID;
        BPlusTree {
            leaves: Arena::new(),
            internals: Arena::new(),
            root: NO_NODE,
            internal_levels: 0,
            len: 0,
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the tree has no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of node levels from the root to the leaves (0 for an empty tree, 1 when the
    /// root is a leaf).
    pub fn height(&self) -> usize {
        if self.root == NO_NODE {
            0
        } else {
            self.internal_levels + 1
        }
    }

    /// Removes every entry and releases all node memory.
    pub fn clear(&mut self) {
        *self = Self::empty();
    }

    /// Approximate heap bytes held by the tree's nodes and arenas, for metrics. Keys' and values'
    /// own heap contents (such as the bytes of a `Vec<u8>` key) are not included. O(1).
    pub fn memory_bytes(&self) -> usize {
        let leaf_bytes = NODE_CAPACITY * (mem::size_of::<K>() + mem::size_of::<V>());
        let internal_bytes =
            NODE_CAPACITY * mem::size_of::<K>() + (NODE_CAPACITY + 1) * mem::size_of::<NodeId>();
        self.leaves.own_bytes()
            + self.internals.own_bytes()
            + self.leaves.live * leaf_bytes
            + self.internals.live * internal_bytes
    }
}

impl<K: Ord, V, const NODE_CAPACITY: usize> BPlusTree<K, V, NODE_CAPACITY> {
    /// The leaf whose key range covers `key`. The tree must not be empty.
    pub(crate) fn leaf_for<Q>(&self, key: &Q) -> NodeId
    where
        K: Borrow<Q>,
        Q: ?Sized + Ord,
    {
        let mut node = self.root;
        for _ in 0..self.internal_levels {
            let internal = self.internals.get(node);
            node = internal.children[child_slot(&internal.keys, key)];
        }
        node
    }

    /// The value stored under `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: ?Sized + Ord,
    {
        if self.root == NO_NODE {
            return None;
        }
        let leaf = self.leaves.get(self.leaf_for(key));
        let index = find(&leaf.keys, key).ok()?;
        Some(&leaf.values[index])
    }

    /// The value stored under `key`, mutable (the key itself cannot change).
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: ?Sized + Ord,
    {
        if self.root == NO_NODE {
            return None;
        }
        let leaf = self.leaves.get_mut(self.leaf_for(key));
        let index = find(&leaf.keys, key).ok()?;
        Some(&mut leaf.values[index])
    }

    /// Whether `key` is present.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: ?Sized + Ord,
    {
        self.get(key).is_some()
    }
}

impl<K: Ord + Clone, V, const NODE_CAPACITY: usize> BPlusTree<K, V, NODE_CAPACITY> {
    /// Stores `value` under `key`. Returns the value it replaced, if the key was present (the
    /// stored key is then kept, as `BTreeMap` does).
    ///
    /// `K: Clone` because a split or shift copies a key into the parent as a separator.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if self.root == NO_NODE {
            let mut leaf = Leaf::with_capacity(NODE_CAPACITY);
            leaf.keys.push(key);
            leaf.values.push(value);
            self.root = self.leaves.allocate(leaf);
            self.len = 1;
            return None;
        }
        let mut path = Path::new();
        let mut node = self.root;
        for _ in 0..self.internal_levels {
            let internal = self.internals.get(node);
            let slot = child_slot(&internal.keys, &key);
            path.push(node, slot);
            node = internal.children[slot];
        }
        let leaf = self.leaves.get_mut(node);
        let index = match find(&leaf.keys, &key) {
            Ok(index) => return Some(mem::replace(&mut leaf.values[index], value)),
            Err(index) => index,
        };
        self.len += 1;
        if leaf.keys.len() < NODE_CAPACITY {
            leaf.keys.insert(index, key);
            leaf.values.insert(index, value);
            return None;
        }
        if let Err((key, value)) = self.shift_into_sibling(&path, node, index, key, value) {
            let (separator, right) = self.split_leaf(node, index, key, value);
            self.insert_separator(path, separator, right);
        }
        None
    }

    /// Makes room in the full leaf `node` by moving some of its entries to a sibling under the
    /// same parent that has room for at least two more, then stores the new entry. Hands the
    /// entry back (`Err`) when no sibling has that much room.
    fn shift_into_sibling(
        &mut self,
        path: &Path,
        node: NodeId,
        index: usize,
        key: K,
        value: V,
    ) -> Result<(), (K, V)> {
        let Some((parent, slot)) = path.last() else {
            return Err((key, value));
        };
        let children = &self.internals.get(parent).children;
        let left = slot.checked_sub(1).map(|left_slot| children[left_slot]);
        let right = children.get(slot + 1).copied();

        if let Some(left) = left {
            let room = NODE_CAPACITY - self.leaves.get(left).keys.len();
            if room >= 2 {
                // Move the first `count` entries to the end of the left sibling; the new entry
                // then goes to whichever side of the new boundary it belongs.
                let count = room / 2;
                let (receiver, full) = self.leaves.pair_mut(left, node);
                let receiver_len = receiver.keys.len();
                receiver.keys.extend(full.keys.drain(..count));
                receiver.values.extend(full.values.drain(..count));
                if index < count {
                    receiver.keys.insert(receiver_len + index, key);
                    receiver.values.insert(receiver_len + index, value);
                } else {
                    full.keys.insert(index - count, key);
                    full.values.insert(index - count, value);
                }
                let separator = full.keys[0].clone();
                self.internals.get_mut(parent).keys[slot - 1] = separator;
                return Ok(());
            }
        }
        if let Some(right) = right {
            let room = NODE_CAPACITY - self.leaves.get(right).keys.len();
            if room >= 2 {
                // Move the last `count` entries to the front of the right sibling.
                let count = room / 2;
                let start = NODE_CAPACITY - count;
                let (full, receiver) = self.leaves.pair_mut(node, right);
                drop(receiver.keys.splice(0..0, full.keys.drain(start..)));
                drop(receiver.values.splice(0..0, full.values.drain(start..)));
                if index <= start {
                    full.keys.insert(index, key);
                    full.values.insert(index, value);
                } else {
                    receiver.keys.insert(index - start, key);
                    receiver.values.insert(index - start, value);
                }
                let separator = receiver.keys[0].clone();
                self.internals.get_mut(parent).keys[slot] = separator;
                return Ok(());
            }
        }
        Err((key, value))
    }

    /// Splits the full leaf `node` in two, stores the new entry (which belongs at `index` of the
    /// full leaf) in the matching half, and returns the right half's first key and id.
    fn split_leaf(&mut self, node: NodeId, index: usize, key: K, value: V) -> (K, NodeId) {
        let middle = NODE_CAPACITY / 2;
        let left = self.leaves.get_mut(node);
        let mut right = Leaf::with_capacity(NODE_CAPACITY);
        right.keys.extend(left.keys.drain(middle..));
        right.values.extend(left.values.drain(middle..));
        if index <= middle {
            left.keys.insert(index, key);
            left.values.insert(index, value);
        } else {
            right.keys.insert(index - middle, key);
            right.values.insert(index - middle, value);
        }
        let old_next = left.next;
        right.previous = node;
        right.next = old_next;
        let separator = right.keys[0].clone();
        let right_id = self.leaves.allocate(right);
        self.leaves.get_mut(node).next = right_id;
        if old_next != NO_NODE {
            self.leaves.get_mut(old_next).previous = right_id;
        }
        (separator, right_id)
    }

    /// Adds `new_child` (with `separator` on its left) beside the child the path went through,
    /// splitting internal nodes upward as they overflow and growing a new root if the old one
    /// splits.
    fn insert_separator(&mut self, mut path: Path, separator: K, new_child: NodeId) {
        let mut separator = separator;
        let mut new_child = new_child;
        while let Some((parent, slot)) = path.pop() {
            let internal = self.internals.get_mut(parent);
            internal.keys.insert(slot, separator);
            internal.children.insert(slot + 1, new_child);
            if internal.children.len() <= NODE_CAPACITY {
                return;
            }
            // NODE_CAPACITY + 1 children: the left half keeps the larger share, the separator
            // between the halves moves up instead of being copied.
            let left_children = (NODE_CAPACITY + 2) / 2;
            let mut right = Internal::with_capacity(NODE_CAPACITY);
            right.keys.extend(internal.keys.drain(left_children..));
            right
                .children
                .extend(internal.children.drain(left_children..));
            separator = internal
                .keys
                .pop()
                .expect("the left half of a split keeps at least two children");
            new_child = self.internals.allocate(right);
        }
        let mut root = Internal::with_capacity(NODE_CAPACITY);
        root.keys.push(separator);
        root.children.push(self.root);
        root.children.push(new_child);
        self.root = self.internals.allocate(root);
        self.internal_levels += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_agrees_with_partition_point() {
        for length in 0..100usize {
            let items: Vec<usize> = (0..length).map(|item| item * 2).collect();
            for probe in 0..=2 * length + 1 {
                let expected = items.partition_point(|item| *item < probe);
                assert_eq!(partition(&items, |item| *item < probe), expected);
                let found = find(&items, &probe);
                if probe % 2 == 0 && probe < 2 * length {
                    assert_eq!(found, Ok(expected));
                } else {
                    assert_eq!(found, Err(expected));
                }
            }
        }
    }
}
