//! Rough timings of the tree against `std::collections::BTreeMap`, for humans (not a benchmark
//! harness and not a test): `cargo run --release -p db001-btree --example timing`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use db001_btree::{BPlusTree, InlineKey};

const COUNT: u64 = 1_000_000;

/// A fixed pseudo-random sequence (splitmix64), so runs are comparable.
fn random_keys(count: u64) -> Vec<u64> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..count)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut mixed = state;
            mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            mixed ^ (mixed >> 31)
        })
        .collect()
}

/// An index key as the storage layer builds it: an 8-byte encoded value, then an 8-byte row id.
fn index_key(value: u64, row_id: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(16);
    key.extend_from_slice(&value.to_be_bytes());
    key.extend_from_slice(&row_id.to_be_bytes());
    key
}

fn time<T>(label: &str, work: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let result = work();
    println!(
        "{label:<48} {:>8.1} ms",
        start.elapsed().as_secs_f64() * 1000.0
    );
    result
}

fn main() {
    let keys = random_keys(COUNT);
    let sequential: Vec<u64> = (0..COUNT).collect();

    println!("-- u64 -> u64, {COUNT} keys");
    let tree = time("BPlusTree insert random", || {
        let mut tree = BPlusTree::new();
        for key in &keys {
            tree.insert(*key, *key);
        }
        tree
    });
    time("BPlusTree get random (all hit)", || {
        for key in &keys {
            black_box(tree.get(key));
        }
    });
    time("BPlusTree full scan", || {
        black_box(tree.iter().map(|(key, _)| *key).fold(0, u64::wrapping_add))
    });
    time("BPlusTree full reverse scan", || {
        black_box(
            tree.iter()
                .rev()
                .map(|(key, _)| *key)
                .fold(0, u64::wrapping_add),
        )
    });
    println!(
        "{:<48} {:>8.1} MB",
        "BPlusTree memory_bytes (random load)",
        tree.memory_bytes() as f64 / 1e6
    );
    let mut tree = tree;
    time("BPlusTree remove random (all)", || {
        for key in &keys {
            black_box(tree.remove(key));
        }
    });
    assert!(tree.is_empty());

    let map = time("BTreeMap insert random", || {
        let mut map = BTreeMap::new();
        for key in &keys {
            map.insert(*key, *key);
        }
        map
    });
    time("BTreeMap get random (all hit)", || {
        for key in &keys {
            black_box(map.get(key));
        }
    });
    let mut map = map;
    time("BTreeMap remove random (all)", || {
        for key in &keys {
            black_box(map.remove(key));
        }
    });

    let tree = time("BPlusTree insert sequential", || {
        let mut tree = BPlusTree::new();
        for key in &sequential {
            tree.insert(*key, *key);
        }
        tree
    });
    time("BPlusTree get sequential", || {
        for key in &sequential {
            black_box(tree.get(key));
        }
    });
    println!(
        "{:<48} {:>8.1} MB",
        "BPlusTree memory_bytes (sequential load)",
        tree.memory_bytes() as f64 / 1e6
    );
    time("BPlusTree 10k short range scans (100 keys)", || {
        for start in keys.iter().take(10_000) {
            let start = start % (COUNT - 100);
            black_box(tree.range(start..start + 100).count());
        }
    });

    println!("-- 16-byte Vec<u8> index keys -> u64, {COUNT} keys");
    let index_keys: Vec<Vec<u8>> = keys
        .iter()
        .enumerate()
        .map(|(row, value)| index_key(value % 10_000, row as u64))
        .collect();
    let tree = time("BPlusTree insert random", || {
        let mut tree = BPlusTree::new();
        for (row, key) in index_keys.iter().enumerate() {
            tree.insert(key.clone(), row as u64);
        }
        tree
    });
    time("BPlusTree get random (all hit)", || {
        for key in &index_keys {
            black_box(tree.get(key.as_slice()));
        }
    });
    time("BPlusTree 10k prefix scans (~100 keys each)", || {
        for value in 0..10_000u64 {
            black_box(tree.range_prefix(&value.to_be_bytes()).count());
        }
    });
    let map = time("BTreeMap insert random", || {
        let mut map = BTreeMap::new();
        for (row, key) in index_keys.iter().enumerate() {
            map.insert(key.clone(), row as u64);
        }
        map
    });
    time("BTreeMap get random (all hit)", || {
        for key in &index_keys {
            black_box(map.get(key.as_slice()));
        }
    });
    drop(map);
    let mut tree = tree;
    time("BPlusTree remove random (all)", || {
        for key in &index_keys {
            black_box(tree.remove(key.as_slice()));
        }
    });

    drop(tree);

    println!("-- the same keys as InlineKey -> u64");
    let inline_keys: Vec<InlineKey> = index_keys.iter().map(|key| InlineKey::new(key)).collect();
    let tree = time("BPlusTree insert random", || {
        let mut tree = BPlusTree::new();
        for (row, key) in inline_keys.iter().enumerate() {
            tree.insert(key.clone(), row as u64);
        }
        tree
    });
    time("BPlusTree get random, &InlineKey probe", || {
        for key in &inline_keys {
            black_box(tree.get(key));
        }
    });
    time("BPlusTree get random, &[u8] probe", || {
        for key in &index_keys {
            black_box(tree.get(key.as_slice()));
        }
    });
    time("BPlusTree 10k prefix scans (~100 keys each)", || {
        for value in 0..10_000u64 {
            black_box(tree.range_prefix(&value.to_be_bytes()).count());
        }
    });
    let mut tree = tree;
    time("BPlusTree remove random (all)", || {
        for key in &inline_keys {
            black_box(tree.remove(key));
        }
    });
}
