//! B+Tree: insert, point lookup and range scan, on u64 keys and on 16-byte index keys.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use db001_btree::BPlusTree;

const KEYS: u64 = 100_000;

/// A deterministic permutation of 0..n: multiplying by a prime that does not divide n is a
/// bijection modulo n.
fn shuffled(n: u64) -> Vec<u64> {
    const PRIME: u64 = 7919;
    assert!(
        !n.is_multiple_of(PRIME),
        "the multiplier must be coprime to n"
    );
    (0..n).map(|i| (i * PRIME) % n).collect()
}

fn byte_key(i: u64) -> Box<[u8]> {
    let mut key = Vec::with_capacity(16);
    key.extend_from_slice(&i.to_be_bytes());
    key.extend_from_slice(&(i ^ 0xA5A5).to_be_bytes());
    key.into_boxed_slice()
}

fn insert(c: &mut Criterion) {
    let mut group = c.benchmark_group("btree_insert");
    group.throughput(Throughput::Elements(KEYS));
    let keys = shuffled(KEYS);
    group.bench_function("u64_random_100k", |b| {
        b.iter_batched(
            BPlusTree::<u64, u64>::new,
            |mut tree| {
                for &k in &keys {
                    tree.insert(k, k);
                }
                tree
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("bytes16_random_100k", |b| {
        b.iter_batched(
            BPlusTree::<Box<[u8]>, ()>::new,
            |mut tree| {
                for &k in &keys {
                    tree.insert(byte_key(k), ());
                }
                tree
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

fn lookup(c: &mut Criterion) {
    let mut tree = BPlusTree::<u64, u64>::new();
    let mut bytes = BPlusTree::<Box<[u8]>, ()>::new();
    for k in 0..KEYS {
        tree.insert(k, k);
        bytes.insert(byte_key(k), ());
    }
    let probes = shuffled(KEYS);
    let byte_probes: Vec<Box<[u8]>> = probes.iter().map(|&k| byte_key(k)).collect();
    let mut group = c.benchmark_group("btree_lookup");
    group.throughput(Throughput::Elements(KEYS));
    group.bench_function("u64_point_100k", |b| {
        b.iter(|| {
            for k in &probes {
                black_box(tree.get(k));
            }
        })
    });
    group.bench_function("bytes16_point_100k", |b| {
        b.iter(|| {
            for k in &byte_probes {
                black_box(bytes.get(&k[..]));
            }
        })
    });
    group.finish();
}

fn range(c: &mut Criterion) {
    let mut tree = BPlusTree::<u64, u64>::new();
    for k in 0..KEYS {
        tree.insert(k, k);
    }
    let mut group = c.benchmark_group("btree_range");
    group.throughput(Throughput::Elements(100));
    group.bench_function("u64_scan_100", |b| {
        let mut start = 0;
        b.iter(|| {
            start = (start + 7919) % (KEYS - 100);
            black_box(tree.range(start..start + 100).count())
        })
    });
    group.bench_function("u64_scan_100_reverse", |b| {
        let mut start = 0;
        b.iter(|| {
            start = (start + 7919) % (KEYS - 100);
            black_box(tree.range(start..start + 100).rev().count())
        })
    });
    group.finish();
}

criterion_group!(benches, insert, lookup, range);
criterion_main!(benches);
