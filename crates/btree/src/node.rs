//! Nodes and the arena that owns them.
//!
//! A tree owns two arenas, one of leaves and one of internal nodes. Nodes refer to each other by
//! [`NodeId`] (a `u32` index into the matching arena), never by pointer, so sibling links between
//! leaves, moving nodes and freeing them need no `unsafe` and no reference counting. Whether an
//! internal node's children are leaves or internal nodes follows from the tree's height (all
//! leaves are at the same depth), so a child id needs no tag.
//!
//! Every live node allocates its key, value and child vectors with a fixed capacity once, when it
//! is created, and never grows them: the tree's algorithms keep lengths within those capacities.
//! That keeps inserts free of reallocation and lets [`crate::BPlusTree::memory_bytes`] be computed
//! in O(1) from node counts (the invariant checker compares it with the exact sum).

use std::mem;

/// The index of a node in its arena.
pub(crate) type NodeId = u32;

/// "No node": the end of the leaf chain, or the root of an empty tree.
pub(crate) const NO_NODE: NodeId = NodeId::MAX;

/// A leaf: keys in ascending order, their values at the same indexes, and links to its neighbours
/// in key order so range scans move from leaf to leaf without climbing the tree.
pub(crate) struct Leaf<K, V> {
    pub(crate) keys: Vec<K>,
    pub(crate) values: Vec<V>,
    pub(crate) previous: NodeId,
    pub(crate) next: NodeId,
}

impl<K, V> Leaf<K, V> {
    /// An empty, unlinked leaf that can hold `capacity` entries without reallocating.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Leaf {
            keys: Vec::with_capacity(capacity),
            values: Vec::with_capacity(capacity),
            previous: NO_NODE,
            next: NO_NODE,
        }
    }
}

/// A copy of `source` with the same capacity (`Vec::clone` would shrink it to the length, and the
/// node would then reallocate on its next insert).
fn clone_with_capacity<T: Clone>(source: &Vec<T>) -> Vec<T> {
    let mut copy = Vec::with_capacity(source.capacity());
    copy.extend_from_slice(source);
    copy
}

impl<K: Clone, V: Clone> Clone for Leaf<K, V> {
    fn clone(&self) -> Self {
        Leaf {
            keys: clone_with_capacity(&self.keys),
            values: clone_with_capacity(&self.values),
            previous: self.previous,
            next: self.next,
        }
    }
}

impl<K, V> Default for Leaf<K, V> {
    /// The state of a freed arena slot: no allocation at all.
    fn default() -> Self {
        Leaf {
            keys: Vec::new(),
            values: Vec::new(),
            previous: NO_NODE,
            next: NO_NODE,
        }
    }
}

/// An internal node: `children.len() == keys.len() + 1`. Separator `keys[i]` divides child `i`
/// from child `i + 1`: every key under child `i` is `< keys[i]`, every key under child `i + 1` is
/// `>= keys[i]`. Separators are copies of keys that were once the first key of a leaf; removals
/// may leave a separator that no longer exists in any leaf, which is harmless.
pub(crate) struct Internal<K> {
    pub(crate) keys: Vec<K>,
    pub(crate) children: Vec<NodeId>,
}

impl<K> Internal<K> {
    /// An empty internal node for a tree whose nodes hold at most `capacity` children. It briefly
    /// holds `capacity + 1` children (and `capacity` separators) between an insert and its split.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Internal {
            keys: Vec::with_capacity(capacity),
            children: Vec::with_capacity(capacity + 1),
        }
    }
}

impl<K: Clone> Clone for Internal<K> {
    fn clone(&self) -> Self {
        Internal {
            keys: clone_with_capacity(&self.keys),
            children: clone_with_capacity(&self.children),
        }
    }
}

impl<K> Default for Internal<K> {
    /// The state of a freed arena slot: no allocation at all.
    fn default() -> Self {
        Internal {
            keys: Vec::new(),
            children: Vec::new(),
        }
    }
}

/// A vector of nodes with a free list. Freed slots keep no allocation and are reused first.
#[derive(Clone)]
pub(crate) struct Arena<T> {
    pub(crate) slots: Vec<T>,
    pub(crate) free: Vec<NodeId>,
    pub(crate) live: usize,
}

impl<T: Default> Arena<T> {
    pub(crate) const fn new() -> Self {
        Arena {
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
        }
    }

    /// Stores `node` and returns its id.
    pub(crate) fn allocate(&mut self, node: T) -> NodeId {
        self.live += 1;
        if let Some(id) = self.free.pop() {
            self.slots[id as usize] = node;
            return id;
        }
        let id = NodeId::try_from(self.slots.len())
            .ok()
            .filter(|id| *id != NO_NODE)
            // Each node holds at least two entries or children, so 2^32 nodes would mean far more
            // entries than any machine's memory can hold.
            .expect("node arena holds fewer than u32::MAX nodes");
        self.slots.push(node);
        id
    }

    /// Frees the slot `id` and hands back its node (so a merge can move its contents).
    pub(crate) fn release(&mut self, id: NodeId) -> T {
        self.live -= 1;
        self.free.push(id);
        mem::take(&mut self.slots[id as usize])
    }

    pub(crate) fn get(&self, id: NodeId) -> &T {
        &self.slots[id as usize]
    }

    pub(crate) fn get_mut(&mut self, id: NodeId) -> &mut T {
        &mut self.slots[id as usize]
    }

    /// Two distinct nodes, both mutable (for moving entries between siblings).
    pub(crate) fn pair_mut(&mut self, first: NodeId, second: NodeId) -> (&mut T, &mut T) {
        assert_ne!(first, second, "a node is never its own sibling");
        let (first, second) = (first as usize, second as usize);
        if first < second {
            let (low, high) = self.slots.split_at_mut(second);
            (&mut low[first], &mut high[0])
        } else {
            let (low, high) = self.slots.split_at_mut(first);
            (&mut high[0], &mut low[second])
        }
    }

    /// Heap bytes of the arena itself (slot headers and free list), not of what nodes allocate.
    pub(crate) fn own_bytes(&self) -> usize {
        self.slots.capacity() * mem::size_of::<T>()
            + self.free.capacity() * mem::size_of::<NodeId>()
    }
}
