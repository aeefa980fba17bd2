//! Removal with rebalancing.
//!
//! A node that falls below the minimum occupancy (half the capacity) first borrows from a sibling
//! under the same parent that has entries to spare, moving half the difference so the next
//! removal does not immediately borrow again. When neither sibling can spare any, the node and a
//! sibling merge (the two fit in one node, see `SHAPE_IS_VALID`), the parent loses a separator
//! and a child, and the parent is checked in turn. A root left with a single child is replaced by
//! that child, so the tree shrinks in height exactly as it grew: every leaf stays at the same depth
//! and every non-root node at least half full, whatever the order of removals.
//!
//! Separators are not refreshed when a leaf's first key is removed: a separator only has to lie
//! between the keys on its two sides, and a stale one still does.

use std::borrow::Borrow;
use std::iter;

use crate::node::{NO_NODE, NodeId};
use crate::tree::{BPlusTree, Path, child_slot, find};

impl<K: Ord + Clone, V, const NODE_CAPACITY: usize> BPlusTree<K, V, NODE_CAPACITY> {
    /// Removes `key` and returns its value, if it was present.
    ///
    /// `K: Clone` because borrowing entries from a sibling leaf copies the new boundary key into
    /// the parent.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: ?Sized + Ord,
    {
        if self.root == NO_NODE {
            return None;
        }
        let mut path = Path::new();
        let mut node = self.root;
        for _ in 0..self.internal_levels {
            let internal = self.internals.get(node);
            let slot = child_slot(&internal.keys, key);
            path.push(node, slot);
            node = internal.children[slot];
        }
        let leaf = self.leaves.get_mut(node);
        let index = find(&leaf.keys, key).ok()?;
        leaf.keys.remove(index);
        let value = leaf.values.remove(index);
        self.len -= 1;
        let remaining = leaf.keys.len();
        if remaining >= Self::MIN_OCCUPANCY {
            return Some(value);
        }
        if self.internal_levels == 0 {
            // The root leaf may hold any number of entries; an empty tree has no nodes at all.
            if remaining == 0 {
                self.leaves.release(node);
                self.root = NO_NODE;
            }
            return Some(value);
        }
        self.rebalance_leaf(node, path);
        Some(value)
    }

    /// Restores the minimum occupancy of the non-root leaf `node`, which is one entry short.
    fn rebalance_leaf(&mut self, node: NodeId, mut path: Path) {
        let (parent, slot) = path
            .pop()
            .expect("a non-root leaf has a parent on the path");
        let children = &self.internals.get(parent).children;
        let left = slot.checked_sub(1).map(|left_slot| children[left_slot]);
        let right = children.get(slot + 1).copied();
        let node_len = self.leaves.get(node).keys.len();

        if let Some(left) = left {
            let left_len = self.leaves.get(left).keys.len();
            if left_len > Self::MIN_OCCUPANCY {
                // Move the left sibling's last `count` entries to the front of this leaf.
                let count = (left_len - node_len) / 2;
                let start = left_len - count;
                let (giver, receiver) = self.leaves.pair_mut(left, node);
                drop(receiver.keys.splice(0..0, giver.keys.drain(start..)));
                drop(receiver.values.splice(0..0, giver.values.drain(start..)));
                let separator = receiver.keys[0].clone();
                self.internals.get_mut(parent).keys[slot - 1] = separator;
                return;
            }
        }
        if let Some(right) = right {
            let right_len = self.leaves.get(right).keys.len();
            if right_len > Self::MIN_OCCUPANCY {
                // Move the right sibling's first `count` entries to the end of this leaf.
                let count = (right_len - node_len) / 2;
                let (receiver, giver) = self.leaves.pair_mut(node, right);
                receiver.keys.extend(giver.keys.drain(..count));
                receiver.values.extend(giver.values.drain(..count));
                let separator = giver.keys[0].clone();
                self.internals.get_mut(parent).keys[slot] = separator;
                return;
            }
        }
        // Neither sibling can spare an entry: merge with one of them.
        let (survivor, absorbed, separator_index) = match (left, right) {
            (Some(left), _) => (left, node, slot - 1),
            (None, Some(right)) => (node, right, slot),
            (None, None) => unreachable!("a non-root internal node has at least two children"),
        };
        let parent_node = self.internals.get_mut(parent);
        parent_node.keys.remove(separator_index);
        parent_node.children.remove(separator_index + 1);
        let absorbed = self.leaves.release(absorbed);
        let survivor_leaf = self.leaves.get_mut(survivor);
        survivor_leaf.keys.extend(absorbed.keys);
        survivor_leaf.values.extend(absorbed.values);
        survivor_leaf.next = absorbed.next;
        if absorbed.next != NO_NODE {
            self.leaves.get_mut(absorbed.next).previous = survivor;
        }
        self.rebalance_internal(parent, path);
    }

    /// Restores the minimum occupancy of internal node `node` after it lost a child, walking up
    /// the path while merges keep removing children. `path` holds `node`'s ancestors.
    fn rebalance_internal(&mut self, node: NodeId, mut path: Path) {
        let mut node = node;
        loop {
            let node_len = self.internals.get(node).children.len();
            let Some((parent, slot)) = path.pop() else {
                // `node` is the root: it only needs two children, and with one it is redundant.
                if node_len == 1 {
                    let old_root = self.internals.release(node);
                    self.root = old_root.children[0];
                    self.internal_levels -= 1;
                }
                return;
            };
            if node_len >= Self::MIN_OCCUPANCY {
                return;
            }
            let children = &self.internals.get(parent).children;
            let left = slot.checked_sub(1).map(|left_slot| children[left_slot]);
            let right = children.get(slot + 1).copied();

            if let Some(left) = left {
                let left_len = self.internals.get(left).children.len();
                if left_len > Self::MIN_OCCUPANCY {
                    self.borrow_from_left_internal(parent, slot, left, node);
                    return;
                }
            }
            if let Some(right) = right {
                let right_len = self.internals.get(right).children.len();
                if right_len > Self::MIN_OCCUPANCY {
                    self.borrow_from_right_internal(parent, slot, node, right);
                    return;
                }
            }
            let (survivor, absorbed, separator_index) = match (left, right) {
                (Some(left), _) => (left, node, slot - 1),
                (None, Some(right)) => (node, right, slot),
                (None, None) => unreachable!("a non-root internal node has at least two children"),
            };
            let parent_node = self.internals.get_mut(parent);
            let separator = parent_node.keys.remove(separator_index);
            parent_node.children.remove(separator_index + 1);
            let absorbed = self.internals.release(absorbed);
            let survivor_node = self.internals.get_mut(survivor);
            survivor_node.keys.push(separator);
            survivor_node.keys.extend(absorbed.keys);
            survivor_node.children.extend(absorbed.children);
            node = parent;
        }
    }

    /// Moves the last children of `left` to the front of `node` (its right neighbour under
    /// `parent`, at child `slot`), rotating separators through the parent.
    fn borrow_from_left_internal(
        &mut self,
        parent: NodeId,
        slot: usize,
        left: NodeId,
        node: NodeId,
    ) {
        let old_separator = self.internals.get_mut(parent).keys.remove(slot - 1);
        let (giver, receiver) = self.internals.pair_mut(left, node);
        let giver_len = giver.children.len();
        let count = (giver_len - receiver.children.len()) / 2;
        let start = giver_len - count;
        drop(
            receiver
                .children
                .splice(0..0, giver.children.drain(start..)),
        );
        // Separator `start - 1` sat between the children that stay and those that move: it goes
        // up to the parent. The separators among the moved children move with them, and the old
        // parent separator now divides the moved children from this node's own.
        let mut moved = giver.keys.drain(start - 1..);
        let new_separator = moved
            .next()
            .expect("the giver keeps at least one child, so a separator precedes the moved ones");
        drop(
            receiver
                .keys
                .splice(0..0, moved.chain(iter::once(old_separator))),
        );
        self.internals
            .get_mut(parent)
            .keys
            .insert(slot - 1, new_separator);
    }

    /// Moves the first children of `right` to the end of `node` (its left neighbour under
    /// `parent`, at child `slot`), rotating separators through the parent.
    fn borrow_from_right_internal(
        &mut self,
        parent: NodeId,
        slot: usize,
        node: NodeId,
        right: NodeId,
    ) {
        let old_separator = self.internals.get_mut(parent).keys.remove(slot);
        let (receiver, giver) = self.internals.pair_mut(node, right);
        let count = (giver.children.len() - receiver.children.len()) / 2;
        receiver.children.extend(giver.children.drain(..count));
        receiver.keys.push(old_separator);
        let mut moved = giver.keys.drain(..count);
        receiver.keys.extend(moved.by_ref().take(count - 1));
        let new_separator = moved
            .next()
            .expect("count separators were drained: count - 1 moved, one goes up");
        drop(moved);
        self.internals
            .get_mut(parent)
            .keys
            .insert(slot, new_separator);
    }
}
