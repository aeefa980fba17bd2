//! Edge cases, each with the structural checker run along the way.

use std::collections::BTreeMap;
use std::ops::Bound;

use db001_btree::{BPlusTree, DEFAULT_NODE_CAPACITY, prefix_range, slice_bounds};

/// A deterministic permutation of `0..count` (multiplying by a unit modulo a prime-free stride
/// would do too; a small xorshift keeps it obviously shuffled).
fn shuffled(count: u64, seed: u64) -> Vec<u64> {
    let mut keys: Vec<u64> = (0..count).collect();
    let mut state = seed | 1;
    for index in (1..keys.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let other = usize::try_from(state % (index as u64 + 1)).expect("index fits usize");
        keys.swap(index, other);
    }
    keys
}

fn checked<K: Ord, V, const N: usize>(tree: &BPlusTree<K, V, N>) {
    if let Err(violation) = tree.check_invariants() {
        panic!("invariant violated: {violation}");
    }
}

#[test]
fn empty_tree_answers_everything_with_nothing() {
    let mut tree: BPlusTree<u64, u64> = BPlusTree::new();
    checked(&tree);
    assert_eq!(tree.len(), 0);
    assert!(tree.is_empty());
    assert_eq!(tree.height(), 0);
    assert_eq!(tree.get(&1), None);
    assert_eq!(tree.get_mut(&1), None);
    assert_eq!(tree.remove(&1), None);
    assert_eq!(tree.first(), None);
    assert_eq!(tree.last(), None);
    assert_eq!(tree.iter().next(), None);
    assert_eq!(tree.iter().next_back(), None);
    assert_eq!(tree.range(1..10).count(), 0);
    assert_eq!(tree.range(..).rev().count(), 0);
    assert_eq!(tree.memory_bytes(), 0);
    assert_eq!(format!("{tree:?}"), "BPlusTree { len: 0, height: 0, .. }");
}

#[test]
fn single_key_round_trip() {
    let mut tree: BPlusTree<u64, &str> = BPlusTree::new();
    assert_eq!(tree.insert(7, "seven"), None);
    checked(&tree);
    assert_eq!(tree.len(), 1);
    assert_eq!(tree.height(), 1);
    assert_eq!(tree.get(&7), Some(&"seven"));
    assert_eq!(tree.get(&6), None);
    assert_eq!(tree.first(), Some((&7, &"seven")));
    assert_eq!(tree.last(), Some((&7, &"seven")));
    assert_eq!(tree.range(7..=7).collect::<Vec<_>>(), vec![(&7, &"seven")]);
    assert_eq!(tree.range(..7).count(), 0);
    assert_eq!(
        tree.range((Bound::Excluded(7), Bound::Unbounded)).count(),
        0
    );
    assert_eq!(tree.iter().rev().collect::<Vec<_>>(), vec![(&7, &"seven")]);
    assert!(tree.memory_bytes() > 0);
    assert_eq!(tree.remove(&7), Some("seven"));
    checked(&tree);
    assert!(tree.is_empty());
    assert_eq!(tree.first(), None);
    assert_eq!(tree.remove(&7), None);
}

#[test]
fn duplicate_insert_replaces_value_and_keeps_len() {
    let mut tree: BPlusTree<u64, u64> = BPlusTree::new();
    for key in 0..1000 {
        assert_eq!(tree.insert(key, key), None);
    }
    for key in 0..1000 {
        assert_eq!(tree.insert(key, key + 10_000), Some(key));
    }
    checked(&tree);
    assert_eq!(tree.len(), 1000);
    assert_eq!(tree.get(&500), Some(&10_500));
    if let Some(value) = tree.get_mut(&500) {
        *value = 1;
    }
    assert_eq!(tree.get(&500), Some(&1));
}

/// Fills a tree with `keys` in order, then removes `removal_order`, checking the structure every
/// `check_every` steps and at the end.
fn fill_and_drain<const N: usize>(keys: &[u64], removal_order: &[u64], check_every: usize) {
    let mut tree: BPlusTree<u64, u64, N> = BPlusTree::default();
    for (inserted, key) in keys.iter().enumerate() {
        assert_eq!(tree.insert(*key, key * 2), None);
        if inserted % check_every == 0 {
            checked(&tree);
        }
    }
    checked(&tree);
    assert_eq!(tree.len(), keys.len());
    assert!(tree.height() >= 3, "the test should exercise a deep tree");
    for (removed, key) in removal_order.iter().enumerate() {
        assert_eq!(tree.remove(key), Some(key * 2));
        assert_eq!(tree.remove(key), None);
        assert_eq!(tree.len(), keys.len() - removed - 1);
        if removed % check_every == 0 {
            checked(&tree);
        }
    }
    checked(&tree);
    assert!(tree.is_empty());
    assert_eq!(tree.height(), 0);
    assert_eq!(tree.iter().count(), 0);
}

/// Ascending, descending and shuffled orders of `0..count`.
fn orders(count: u64) -> [Vec<u64>; 3] {
    [
        (0..count).collect(),
        (0..count).rev().collect(),
        shuffled(count, 0x5eed),
    ]
}

#[test]
fn removing_everything_in_ascending_descending_and_random_order() {
    let large = orders(5000);
    let small = orders(600);
    for insert_order in 0..3 {
        for removal_order in 0..3 {
            fill_and_drain::<DEFAULT_NODE_CAPACITY>(&large[insert_order], &large[removal_order], 7);
            fill_and_drain::<4>(&small[insert_order], &small[removal_order], 1);
        }
    }
}

fn keys<'a>(scan: impl Iterator<Item = (&'a u64, &'a ())>) -> Vec<u64> {
    scan.map(|(key, _)| *key).collect()
}

#[test]
#[expect(
    clippy::double_ended_iterator_last,
    reason = "checks Range's own O(1) Iterator::last"
)]
fn reverse_and_mixed_ranges() {
    let mut tree: BPlusTree<u64, ()> = BPlusTree::new();
    for key in (0..10_000).map(|key| key * 2) {
        tree.insert(key, ());
    }
    assert_eq!(keys(tree.range(10..20).rev()), vec![18, 16, 14, 12, 10]);
    assert_eq!(keys(tree.range(9..=21).rev()), vec![20, 18, 16, 14, 12, 10]);
    assert_eq!(
        keys(tree.range((Bound::Excluded(10), Bound::Excluded(20))).rev()),
        vec![18, 16, 14, 12]
    );
    assert_eq!(
        keys(tree.range(19_990..).rev()),
        vec![19_998, 19_996, 19_994, 19_992, 19_990]
    );
    assert_eq!(tree.range(..).next_back(), Some((&19_998, &())));
    assert_eq!(tree.range(..1000).next_back(), Some((&998, &())));
    assert_eq!(tree.range(..1000).last(), Some((&998, &())));
    assert_eq!(tree.range(..0).last(), None);

    // Both ends meeting in the middle across many leaves.
    let mut scan = tree.range(100..=10_100);
    let (mut fronts, mut backs) = (Vec::new(), Vec::new());
    while let Some((front, _)) = scan.next() {
        fronts.push(*front);
        let Some((back, _)) = scan.next_back() else {
            break;
        };
        backs.push(*back);
    }
    // 5001 keys: the front takes 2501 of them ascending, the back 2500 descending.
    assert_eq!(fronts, (50..=2550).map(|key| key * 2).collect::<Vec<_>>());
    assert_eq!(
        backs,
        (2551..=5050).rev().map(|key| key * 2).collect::<Vec<_>>()
    );
    assert_eq!(scan.next(), None);
    assert_eq!(scan.next_back(), None);
}

#[test]
fn empty_intervals_give_empty_scans_instead_of_panicking() {
    let mut tree: BPlusTree<u64, u64> = BPlusTree::new();
    for key in 0..1000 {
        tree.insert(key * 10, key);
    }
    let backwards = (Bound::Included(500), Bound::Excluded(300));
    assert_eq!(tree.range(backwards).count(), 0);
    assert_eq!(tree.range(backwards).rev().count(), 0);
    assert_eq!(
        tree.range((Bound::Included(500), Bound::Included(490)))
            .count(),
        0
    );
    assert_eq!(
        tree.range((Bound::Excluded(500), Bound::Excluded(500)))
            .count(),
        0
    );
    assert_eq!(
        tree.range((Bound::Excluded(500), Bound::Included(500)))
            .count(),
        0
    );
    // Between two stored keys, possibly in different leaves.
    for key in 0..1000 {
        assert_eq!(tree.range(key * 10 + 1..key * 10 + 9).count(), 0);
        assert_eq!(tree.range(key * 10 + 1..key * 10 + 9).next_back(), None);
    }
    assert_eq!(tree.range(10_000..).count(), 0);
    assert_eq!(tree.range(..0).count(), 0);
}

#[test]
fn prefix_ranges_with_ff_bytes() {
    let keys: Vec<Vec<u8>> = vec![
        vec![],
        vec![0x00],
        vec![0x01, 0xFF],
        vec![0x01, 0xFF, 0x00],
        vec![0x01, 0xFF, 0xFF],
        vec![0x01, 0xFF, 0xFF, 0xFF, 0x07],
        vec![0x02],
        vec![0x02, 0x00],
        vec![0xFF],
        vec![0xFF, 0x00],
        vec![0xFF, 0xFF],
        vec![0xFF, 0xFF, 0xFF],
    ];
    let mut tree: BPlusTree<Box<[u8]>, u64, 4> = BPlusTree::default();
    for (row, key) in keys.iter().enumerate() {
        tree.insert(key.clone().into_boxed_slice(), row as u64);
    }
    checked(&tree);
    let scan = |prefix: &[u8]| -> Vec<Vec<u8>> {
        tree.range::<[u8], _>(slice_bounds(&prefix_range(prefix)))
            .map(|(key, _)| key.to_vec())
            .collect()
    };
    let expected = |prefix: &[u8]| -> Vec<Vec<u8>> {
        keys.iter()
            .filter(|key| key.starts_with(prefix))
            .cloned()
            .collect()
    };
    for prefix in [
        &[][..],
        &[0x01],
        &[0x01, 0xFF],
        &[0x01, 0xFF, 0xFF],
        &[0x02],
        &[0xFF],
        &[0xFF, 0xFF],
        &[0xFF, 0xFF, 0xFF, 0xFF],
        &[0x03],
    ] {
        assert_eq!(scan(prefix), expected(prefix), "prefix {prefix:02x?}");
        let reversed: Vec<Vec<u8>> = tree
            .range_prefix(prefix)
            .rev()
            .map(|(key, _)| key.to_vec())
            .collect();
        let mut expected_reversed = expected(prefix);
        expected_reversed.reverse();
        assert_eq!(reversed, expected_reversed, "reversed prefix {prefix:02x?}");
    }
    assert_eq!(scan(&[0xFF]).len(), 4);
    assert_eq!(scan(&[0x01, 0xFF]).len(), 4);
}

#[test]
fn clear_releases_everything_and_the_tree_is_reusable() {
    let mut tree: BPlusTree<u64, u64> = BPlusTree::new();
    for key in 0..10_000 {
        tree.insert(key, key);
    }
    assert!(tree.memory_bytes() > 0);
    tree.clear();
    checked(&tree);
    assert!(tree.is_empty());
    assert_eq!(tree.memory_bytes(), 0);
    tree.insert(3, 3);
    assert_eq!(tree.iter().collect::<Vec<_>>(), vec![(&3, &3)]);
}

/// Leaves hold 64 `u64 -> u64` entries in 64 * 16 = 1024 bytes; the tree's total must stay close
/// to that ideal under ascending and descending loads (shifting before splitting), and within the
/// usual two-thirds fill under random loads.
#[test]
fn memory_stays_near_full_leaves_for_sequential_loads() {
    let count = 100_000u64;
    let ideal_bytes = count as usize * 16;
    let measure = |keys: &[u64]| {
        let mut tree: BPlusTree<u64, u64> = BPlusTree::new();
        for key in keys {
            tree.insert(*key, *key);
        }
        checked(&tree);
        tree.memory_bytes() as f64 / ideal_bytes as f64
    };
    let ascending = measure(&(0..count).collect::<Vec<_>>());
    let descending = measure(&(0..count).rev().collect::<Vec<_>>());
    let random = measure(&shuffled(count, 42));
    assert!(
        ascending < 1.15,
        "ascending load uses {ascending:.2}x the ideal"
    );
    assert!(
        descending < 1.15,
        "descending load uses {descending:.2}x the ideal"
    );
    assert!(random < 1.6, "random load uses {random:.2}x the ideal");
}

#[test]
fn height_stays_logarithmic() {
    let mut tree: BPlusTree<u64, ()> = BPlusTree::new();
    for key in shuffled(200_000, 7) {
        tree.insert(key, ());
    }
    // 200k entries in leaves of at least 32 and internal nodes of at least 32 children (root 2).
    assert!(tree.height() <= 4, "height {}", tree.height());
    for key in 0..190_000 {
        tree.remove(&key);
    }
    checked(&tree);
    assert!(
        tree.height() <= 3,
        "height {} after removals",
        tree.height()
    );
    assert_eq!(tree.first(), Some((&190_000, &())));
    assert_eq!(tree.last(), Some((&199_999, &())));
}

#[test]
fn same_results_as_btreemap_for_encoded_index_keys() {
    // Keys shaped as the storage layer builds them: an encoded value, then an 8-byte row id.
    let mut tree: BPlusTree<Vec<u8>, u64> = BPlusTree::new();
    let mut model = BTreeMap::new();
    for (row_id, value) in shuffled(20_000, 99).into_iter().enumerate() {
        let mut key = (value % 100).to_be_bytes().to_vec();
        key.extend_from_slice(&(row_id as u64).to_be_bytes());
        tree.insert(key.clone(), row_id as u64);
        model.insert(key, row_id as u64);
    }
    checked(&tree);
    let prefix = 42u64.to_be_bytes();
    let from_tree: Vec<u64> = tree.range_prefix(&prefix).map(|(_, row)| *row).collect();
    let from_model: Vec<u64> = model
        .iter()
        .filter(|(key, _)| key.starts_with(&prefix))
        .map(|(_, row)| *row)
        .collect();
    assert_eq!(from_tree.len(), 200);
    assert_eq!(from_tree, from_model);
}

#[test]
fn trees_and_scans_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<BPlusTree<Vec<u8>, u64>>();
    assert_send_sync::<BPlusTree<Box<[u8]>, ()>>();
    assert_send_sync::<db001_btree::Range<'static, Vec<u8>, u64>>();
}

#[test]
fn clone_is_independent() {
    let mut tree: BPlusTree<u64, u64> = BPlusTree::new();
    for key in 0..1000 {
        tree.insert(key, key);
    }
    let copy = tree.clone();
    for key in 0..500 {
        tree.remove(&key);
    }
    checked(&tree);
    checked(&copy);
    assert_eq!(copy.len(), 1000);
    assert_eq!(tree.len(), 500);
    assert_eq!(copy.get(&10), Some(&10));
}
