//! The structural checker: every property the algorithms rely on, verified by walking the whole
//! tree. O(n); meant for tests (this crate's property tests run it after every operation) and for
//! callers' debug assertions, never for the query path.

use std::mem;

use crate::node::{NO_NODE, NodeId};
use crate::tree::BPlusTree;

/// A node still to visit, with the key interval its subtree must lie in (`lower <= key < upper`).
struct Pending<'a, K> {
    node: NodeId,
    depth: usize,
    lower: Option<&'a K>,
    upper: Option<&'a K>,
}

fn within<K: Ord>(key: &K, lower: Option<&K>, upper: Option<&K>) -> bool {
    lower.is_none_or(|lower| lower <= key) && upper.is_none_or(|upper| key < upper)
}

fn strictly_ascending<K: Ord>(keys: &[K]) -> bool {
    keys.windows(2).all(|pair| pair[0] < pair[1])
}

impl<K: Ord, V, const NODE_CAPACITY: usize> BPlusTree<K, V, NODE_CAPACITY> {
    /// Checks the tree's structure and describes the first violation found:
    ///
    /// - keys strictly ascending within every node and across the leaf chain;
    /// - every key inside the interval its ancestors' separators allow;
    /// - every non-root node holds between `NODE_CAPACITY / 2` and `NODE_CAPACITY` entries
    ///   (leaves) or children (internal nodes); the root leaf is non-empty, the root internal node
    ///   has at least two children;
    /// - all leaves at the same depth; the leaf chain links them in order, both directions;
    /// - every live node reachable exactly once, freed slots unreachable and empty;
    /// - `len` equals the number of entries; node capacities are as allocated, so
    ///   `memory_bytes` is exact.
    pub fn check_invariants(&self) -> Result<(), String> {
        if self.root == NO_NODE {
            return self.check_empty();
        }
        let mut seen_leaves = vec![false; self.leaves.slots.len()];
        let mut seen_internals = vec![false; self.internals.slots.len()];
        let mut leaf_order: Vec<NodeId> = Vec::new();
        let mut entries = 0usize;
        let mut stack = vec![Pending {
            node: self.root,
            depth: 0,
            lower: None,
            upper: None,
        }];
        while let Some(Pending {
            node,
            depth,
            lower,
            upper,
        }) = stack.pop()
        {
            let is_root = depth == 0;
            if depth == self.internal_levels {
                let seen = seen_leaves
                    .get_mut(node as usize)
                    .ok_or_else(|| format!("leaf id {node} is outside the arena"))?;
                if mem::replace(seen, true) {
                    return Err(format!("leaf {node} is reachable twice"));
                }
                let leaf = self.leaves.get(node);
                let count = leaf.keys.len();
                if leaf.values.len() != count {
                    return Err(format!(
                        "leaf {node} has {count} keys but {} values",
                        leaf.values.len()
                    ));
                }
                let minimum = if is_root { 1 } else { Self::MIN_OCCUPANCY };
                if count < minimum || count > NODE_CAPACITY {
                    return Err(format!(
                        "leaf {node} holds {count} entries, outside {minimum}..={NODE_CAPACITY}"
                    ));
                }
                if !strictly_ascending(&leaf.keys) {
                    return Err(format!("keys of leaf {node} are not strictly ascending"));
                }
                if !leaf.keys.iter().all(|key| within(key, lower, upper)) {
                    return Err(format!("leaf {node} holds a key outside its separators"));
                }
                if leaf.keys.capacity() * mem::size_of::<K>() != NODE_CAPACITY * mem::size_of::<K>()
                    || leaf.values.capacity() * mem::size_of::<V>()
                        != NODE_CAPACITY * mem::size_of::<V>()
                {
                    return Err(format!("leaf {node} was reallocated"));
                }
                entries += count;
                leaf_order.push(node);
                continue;
            }
            let seen = seen_internals
                .get_mut(node as usize)
                .ok_or_else(|| format!("internal id {node} is outside the arena"))?;
            if mem::replace(seen, true) {
                return Err(format!("internal node {node} is reachable twice"));
            }
            let internal = self.internals.get(node);
            let children = internal.children.len();
            if internal.keys.len() + 1 != children {
                return Err(format!(
                    "internal node {node} has {} separators for {children} children",
                    internal.keys.len()
                ));
            }
            let minimum = if is_root { 2 } else { Self::MIN_OCCUPANCY };
            if children < minimum || children > NODE_CAPACITY {
                return Err(format!(
                    "internal node {node} has {children} children, outside {minimum}..={NODE_CAPACITY}"
                ));
            }
            if !strictly_ascending(&internal.keys) {
                return Err(format!(
                    "separators of internal node {node} are not strictly ascending"
                ));
            }
            if !internal.keys.iter().all(|key| within(key, lower, upper)) {
                return Err(format!(
                    "internal node {node} has a separator outside its parent's interval"
                ));
            }
            if internal.keys.capacity() * mem::size_of::<K>() != NODE_CAPACITY * mem::size_of::<K>()
                || internal.children.capacity() != NODE_CAPACITY + 1
            {
                return Err(format!("internal node {node} was reallocated"));
            }
            // Push right to left so children are visited (and leaves collected) in key order.
            for (slot, child) in internal.children.iter().enumerate().rev() {
                stack.push(Pending {
                    node: *child,
                    depth: depth + 1,
                    lower: if slot == 0 {
                        lower
                    } else {
                        Some(&internal.keys[slot - 1])
                    },
                    upper: internal.keys.get(slot).or(upper),
                });
            }
        }
        if entries != self.len {
            return Err(format!(
                "len is {} but the leaves hold {entries} entries",
                self.len
            ));
        }
        self.check_leaf_chain(&leaf_order)?;
        self.check_arenas(&seen_leaves, &seen_internals)
    }

    fn check_empty(&self) -> Result<(), String> {
        if self.len != 0 || self.internal_levels != 0 {
            return Err(format!(
                "empty root but len {} and {} internal levels",
                self.len, self.internal_levels
            ));
        }
        if self.leaves.live != 0 || self.internals.live != 0 {
            return Err("empty tree with live nodes".to_string());
        }
        Ok(())
    }

    fn check_leaf_chain(&self, leaf_order: &[NodeId]) -> Result<(), String> {
        for (position, leaf_id) in leaf_order.iter().enumerate() {
            let leaf = self.leaves.get(*leaf_id);
            let expected_previous = position.checked_sub(1).map_or(NO_NODE, |p| leaf_order[p]);
            let expected_next = leaf_order.get(position + 1).copied().unwrap_or(NO_NODE);
            if leaf.previous != expected_previous || leaf.next != expected_next {
                return Err(format!("leaf {leaf_id} is linked out of key order"));
            }
            if expected_next != NO_NODE {
                let next = self.leaves.get(expected_next);
                if leaf.keys.last() >= next.keys.first() {
                    return Err(format!(
                        "leaf {leaf_id} overlaps its successor {expected_next}"
                    ));
                }
            }
        }
        Ok(())
    }

    fn check_arenas(&self, seen_leaves: &[bool], seen_internals: &[bool]) -> Result<(), String> {
        let reachable_leaves = seen_leaves.iter().filter(|seen| **seen).count();
        let reachable_internals = seen_internals.iter().filter(|seen| **seen).count();
        if reachable_leaves != self.leaves.live || reachable_internals != self.internals.live {
            return Err(format!(
                "{reachable_leaves} leaves and {reachable_internals} internal nodes reachable, \
                 {} and {} counted live",
                self.leaves.live, self.internals.live
            ));
        }
        if self.leaves.live + self.leaves.free.len() != self.leaves.slots.len()
            || self.internals.live + self.internals.free.len() != self.internals.slots.len()
        {
            return Err("live and free nodes do not add up to the arena size".to_string());
        }
        for id in &self.leaves.free {
            let slot = self.leaves.get(*id);
            if seen_leaves.get(*id as usize).is_none_or(|seen| *seen)
                || slot.keys.capacity() * mem::size_of::<K>() != 0
            {
                return Err(format!("freed leaf slot {id} is in use or holds memory"));
            }
        }
        for id in &self.internals.free {
            let slot = self.internals.get(*id);
            if seen_internals.get(*id as usize).is_none_or(|seen| *seen)
                || slot.children.capacity() != 0
            {
                return Err(format!(
                    "freed internal slot {id} is in use or holds memory"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    //! The checker must notice each kind of damage; these corrupt a healthy tree directly.

    use crate::BPlusTree;
    use crate::node::NodeId;

    /// A three-level tree with fan-out 4: keys 0, 10, ..., 990.
    fn healthy() -> BPlusTree<u32, u32, 4> {
        let mut tree = BPlusTree::default();
        for key in 0..100 {
            tree.insert(key * 10, key);
        }
        assert!(tree.internal_levels >= 2);
        assert_eq!(tree.check_invariants(), Ok(()));
        tree
    }

    fn leftmost_leaf(tree: &BPlusTree<u32, u32, 4>) -> NodeId {
        let mut node = tree.root;
        for _ in 0..tree.internal_levels {
            node = tree.internals.get(node).children[0];
        }
        node
    }

    fn expect_violation(tree: &BPlusTree<u32, u32, 4>, fragment: &str) {
        match tree.check_invariants() {
            Ok(()) => panic!("damage not detected (expected {fragment:?})"),
            Err(violation) => assert!(
                violation.contains(fragment),
                "expected {fragment:?} in {violation:?}"
            ),
        }
    }

    #[test]
    fn detects_wrong_len() {
        let mut tree = healthy();
        tree.len += 1;
        expect_violation(&tree, "len is");
    }

    #[test]
    fn detects_unsorted_leaf() {
        let mut tree = healthy();
        let leaf = leftmost_leaf(&tree);
        tree.leaves.get_mut(leaf).keys.swap(0, 1);
        expect_violation(&tree, "not strictly ascending");
    }

    #[test]
    fn detects_underfull_leaf() {
        let mut tree = healthy();
        let leaf = leftmost_leaf(&tree);
        let node = tree.leaves.get_mut(leaf);
        while node.keys.len() >= 2 {
            node.keys.pop();
            node.values.pop();
            tree.len -= 1;
        }
        expect_violation(&tree, "outside 2..=4");
    }

    #[test]
    fn detects_key_outside_separators() {
        let mut tree = healthy();
        let leaf = leftmost_leaf(&tree);
        let node = tree.leaves.get_mut(leaf);
        let last = node.keys.len() - 1;
        node.keys[last] = 5_000;
        expect_violation(&tree, "outside its separators");
    }

    #[test]
    fn detects_broken_leaf_chain() {
        let mut tree = healthy();
        let leaf = leftmost_leaf(&tree);
        let second = tree.leaves.get(leaf).next;
        tree.leaves.get_mut(second).previous = second;
        expect_violation(&tree, "linked out of key order");
    }

    #[test]
    fn detects_shared_child() {
        let mut tree = healthy();
        let root = tree.internals.get_mut(tree.root);
        root.children[1] = root.children[0];
        expect_violation(&tree, "reachable twice");
    }

    #[test]
    fn detects_miscounted_live_nodes() {
        let mut tree = healthy();
        tree.leaves.live += 1;
        expect_violation(&tree, "counted live");
    }
}
