//! Differential tests: random operation sequences applied in lockstep to a `BPlusTree` and to
//! `std::collections::BTreeMap`, comparing every result, the full contents and the structural
//! invariants after every step.
//!
//! Two fan-outs run: 4 (tiny nodes, so a few hundred keys already make trees five or six levels
//! deep and every split, shift, borrow and merge path runs constantly) and the default 64, with
//! bulk operations so that trees reach three levels.

use std::collections::BTreeMap;
use std::ops::Bound;

use db001_btree::{BPlusTree, InlineKey, prefix_range, slice_bounds};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

#[derive(Debug, Clone)]
enum Operation {
    Insert(u16, u32),
    Remove(u16),
    Get(u16),
    /// A scan taking from the front (`true`) or back (`false`) per step, then the front only.
    Range {
        start: Bound<u16>,
        end: Bound<u16>,
        directions: Vec<bool>,
    },
    /// Inserts `count` keys `start, start + step, ...` (descending when `descending`).
    InsertMany {
        start: u16,
        count: u16,
        step: u16,
        descending: bool,
    },
    /// Removes keys `start, start + step, ...` up to `count` of them, present or not.
    RemoveMany {
        start: u16,
        count: u16,
        step: u16,
        descending: bool,
    },
    FirstLast,
    Clear,
}

fn bound(key_limit: u16) -> impl Strategy<Value = Bound<u16>> {
    prop_oneof![
        Just(Bound::Unbounded),
        (0..key_limit).prop_map(Bound::Included),
        (0..key_limit).prop_map(Bound::Excluded),
    ]
}

fn operation(key_limit: u16, bulk_limit: u16) -> impl Strategy<Value = Operation> {
    let key = 0..key_limit;
    prop_oneof![
        30 => (key.clone(), any::<u32>()).prop_map(|(key, value)| Operation::Insert(key, value)),
        20 => key.clone().prop_map(Operation::Remove),
        8 => key.clone().prop_map(Operation::Get),
        10 => (bound(key_limit), bound(key_limit), prop::collection::vec(any::<bool>(), 0..40))
            .prop_map(|(start, end, directions)| Operation::Range { start, end, directions }),
        3 => (key.clone(), 1..bulk_limit, 1u16..4, any::<bool>()).prop_map(
            |(start, count, step, descending)| Operation::InsertMany { start, count, step, descending }
        ),
        3 => (key, 1..bulk_limit, 1u16..4, any::<bool>()).prop_map(
            |(start, count, step, descending)| Operation::RemoveMany { start, count, step, descending }
        ),
        2 => Just(Operation::FirstLast),
        1 => Just(Operation::Clear),
    ]
}

/// The keys a bulk operation touches, in the order it touches them.
fn bulk_keys(start: u16, count: u16, step: u16, descending: bool, key_limit: u16) -> Vec<u16> {
    let keys = (0..u32::from(count))
        .map(|index| u32::from(start) + index * u32::from(step))
        .take_while(|key| *key < u32::from(key_limit))
        .map(|key| u16::try_from(key).expect("below key_limit"));
    if descending {
        let mut keys: Vec<u16> = keys.collect();
        keys.reverse();
        keys
    } else {
        keys.collect()
    }
}

/// Whether `BTreeMap::range` accepts these bounds (it panics on an empty interval; ours returns
/// nothing).
fn model_accepts(start: &Bound<u16>, end: &Bound<u16>) -> bool {
    match (start, end) {
        (Bound::Excluded(start), Bound::Excluded(end)) => start < end,
        (
            Bound::Included(start) | Bound::Excluded(start),
            Bound::Included(end) | Bound::Excluded(end),
        ) => start <= end,
        _ => true,
    }
}

/// Drains both iterators with the same sequence of front/back steps and compares every item,
/// including the `None`s at the end (twice, for fusedness).
fn compare_scans<'a, A, B>(
    mut actual: A,
    mut expected: B,
    directions: &[bool],
) -> Result<(), TestCaseError>
where
    A: DoubleEndedIterator<Item = (&'a u16, &'a u32)>,
    B: DoubleEndedIterator<Item = (&'a u16, &'a u32)>,
{
    for (step, from_front) in directions.iter().enumerate() {
        let (got, want) = if *from_front {
            (actual.next(), expected.next())
        } else {
            (actual.next_back(), expected.next_back())
        };
        prop_assert_eq!(got, want, "step {} (front: {})", step, from_front);
    }
    loop {
        let (got, want) = (actual.next(), expected.next());
        prop_assert_eq!(got, want);
        if want.is_none() {
            break;
        }
    }
    prop_assert_eq!(actual.next(), None);
    prop_assert_eq!(actual.next_back(), None);
    Ok(())
}

fn run<const NODE_CAPACITY: usize>(
    operations: &[Operation],
    key_limit: u16,
) -> Result<(), TestCaseError> {
    let mut tree: BPlusTree<u16, u32, NODE_CAPACITY> = BPlusTree::default();
    let mut model: BTreeMap<u16, u32> = BTreeMap::new();
    let mut next_value = 0u32;
    for (step, operation) in operations.iter().enumerate() {
        match operation {
            Operation::Insert(key, value) => {
                prop_assert_eq!(tree.insert(*key, *value), model.insert(*key, *value));
            }
            Operation::Remove(key) => {
                prop_assert_eq!(tree.remove(key), model.remove(key));
            }
            Operation::Get(key) => {
                prop_assert_eq!(tree.get(key), model.get(key));
                prop_assert_eq!(tree.contains_key(key), model.contains_key(key));
            }
            Operation::Range {
                start,
                end,
                directions,
            } => {
                let actual = tree.range((*start, *end));
                if model_accepts(start, end) {
                    compare_scans(actual, model.range((*start, *end)), directions)?;
                } else {
                    compare_scans(actual, std::iter::empty(), directions)?;
                }
            }
            Operation::InsertMany {
                start,
                count,
                step,
                descending,
            } => {
                for key in bulk_keys(*start, *count, *step, *descending, key_limit) {
                    next_value = next_value.wrapping_add(1);
                    prop_assert_eq!(tree.insert(key, next_value), model.insert(key, next_value));
                }
            }
            Operation::RemoveMany {
                start,
                count,
                step,
                descending,
            } => {
                for key in bulk_keys(*start, *count, *step, *descending, key_limit) {
                    prop_assert_eq!(tree.remove(&key), model.remove(&key));
                }
            }
            Operation::FirstLast => {
                prop_assert_eq!(tree.first(), model.first_key_value());
                prop_assert_eq!(tree.last(), model.last_key_value());
            }
            Operation::Clear => {
                tree.clear();
                model.clear();
            }
        }
        if let Err(violation) = tree.check_invariants() {
            return Err(TestCaseError::fail(format!(
                "after step {step} ({operation:?}): {violation}"
            )));
        }
        prop_assert_eq!(tree.len(), model.len());
        prop_assert_eq!(tree.is_empty(), model.is_empty());
        prop_assert!(
            tree.iter().eq(model.iter()),
            "contents differ after step {}",
            step
        );
        prop_assert!(tree.iter().rev().eq(model.iter().rev()));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn tiny_nodes_match_btreemap(operations in prop::collection::vec(operation(300, 120), 1..300)) {
        run::<4>(&operations, 300)?;
    }

    #[test]
    fn odd_capacity_matches_btreemap(operations in prop::collection::vec(operation(300, 120), 1..200)) {
        run::<5>(&operations, 300)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn default_nodes_match_btreemap(operations in prop::collection::vec(operation(12_000, 6_000), 1..60)) {
        run::<{ db001_btree::DEFAULT_NODE_CAPACITY }>(&operations, 12_000)?;
    }
}

/// Collects a scan forwards or backwards.
fn ordered<'a>(scan: impl DoubleEndedIterator<Item = &'a [u8]>, reverse: bool) -> Vec<&'a [u8]> {
    if reverse {
        scan.rev().collect()
    } else {
        scan.collect()
    }
}

/// Short byte strings over an alphabet that stresses prefix successors (0x00 and 0xFF).
fn byte_key() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::sample::select(vec![0x00u8, 0x01, 0x7F, 0xFE, 0xFF]),
        0..5,
    )
}

#[derive(Debug, Clone)]
enum ByteOperation {
    Insert(Vec<u8>),
    Remove(Vec<u8>),
    Prefix(Vec<u8>, bool),
}

fn byte_operation() -> impl Strategy<Value = ByteOperation> {
    prop_oneof![
        4 => byte_key().prop_map(ByteOperation::Insert),
        2 => byte_key().prop_map(ByteOperation::Remove),
        2 => (byte_key(), any::<bool>()).prop_map(|(prefix, reverse)| ByteOperation::Prefix(prefix, reverse)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Prefix scans over `Box<[u8]>` keys (through `range::<[u8], _>`), `Vec<u8>` keys (through
    /// `range_prefix` and `range::<Vec<u8>, _>`) and `InlineKey`s against filtering the model by
    /// `starts_with`.
    #[test]
    fn prefix_scans_match_filtering(operations in prop::collection::vec(byte_operation(), 1..200)) {
        let mut boxed: BPlusTree<Box<[u8]>, (), 4> = BPlusTree::default();
        let mut owned: BPlusTree<Vec<u8>, (), 4> = BPlusTree::default();
        let mut inline: BPlusTree<InlineKey, (), 4> = BPlusTree::default();
        let mut model: BTreeMap<Vec<u8>, ()> = BTreeMap::new();
        for operation in &operations {
            match operation {
                ByteOperation::Insert(key) => {
                    let expected = model.insert(key.clone(), ());
                    prop_assert_eq!(boxed.insert(key.clone().into_boxed_slice(), ()), expected);
                    prop_assert_eq!(owned.insert(key.clone(), ()), expected);
                    prop_assert_eq!(inline.insert(InlineKey::new(key), ()), expected);
                }
                ByteOperation::Remove(key) => {
                    let expected = model.remove(key);
                    prop_assert_eq!(boxed.remove(key.as_slice()), expected);
                    prop_assert_eq!(owned.remove(key), expected);
                    prop_assert_eq!(inline.remove(key.as_slice()), expected);
                }
                ByteOperation::Prefix(prefix, reverse) => {
                    let bounds = prefix_range(prefix);
                    let expected = model.keys().filter(|key| key.starts_with(prefix)).map(Vec::as_slice);
                    let from_boxed = boxed.range::<[u8], _>(slice_bounds(&bounds)).map(|(key, _)| &**key);
                    let from_owned = owned.range_prefix(prefix).map(|(key, _)| key.as_slice());
                    let from_inline = inline.range_prefix(prefix).map(|(key, _)| key.as_bytes());
                    let from_owned_bounds =
                        owned.range::<Vec<u8>, _>(bounds.clone()).map(|(key, _)| key.as_slice());
                    let expected: Vec<&[u8]> =
                        if *reverse { expected.rev().collect() } else { expected.collect() };
                    for (scan, name) in [
                        (ordered(from_boxed, *reverse), "boxed"),
                        (ordered(from_owned, *reverse), "range_prefix"),
                        (ordered(from_owned_bounds, *reverse), "owned bounds"),
                        (ordered(from_inline, *reverse), "inline"),
                    ] {
                        prop_assert_eq!(&scan, &expected, "{} scan of prefix {:?}", name, prefix);
                    }
                }
            }
            prop_assert!(boxed.check_invariants().is_ok());
            prop_assert!(owned.check_invariants().is_ok());
            prop_assert!(inline.check_invariants().is_ok());
        }
    }
}
