//! YCSB's number generators, reproduced so key popularity matches the Java YCSB client:
//! FNV-1a-style 64-bit hashing, the Zipfian generator of Gray et al. ("Quickly Generating
//! Billion-Record Synthetic Databases", SIGMOD 1994), its scrambled variant with YCSB's
//! precomputed constant, the skewed-latest generator, and the acknowledged insert counter.
//!
//! Fidelity notes, all matching YCSB's `site.ycsb.generator` classes:
//! - `fnv_hash64` processes the eight low bytes of a signed 64-bit value with an arithmetic shift
//!   and returns `Math.abs` of the result (so `i64::MIN` stays negative, as in Java).
//! - `ScrambledZipfian` draws from a Zipfian over 10^10 + 1 items with theta 0.99, whose zeta is
//!   the precomputed 26.46902820178302, then maps the draw into the key space with
//!   `min + fnv_hash64(draw) % item_count`.
//! - When a Zipfian is asked for more items than it was built for (the latest distribution
//!   as inserts arrive), zeta is extended incrementally and eta recomputed with the *original*
//!   item count, as YCSB does.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use tpcc::rng::Rng;

/// YCSB's default Zipfian constant.
pub const ZIPFIAN_CONSTANT: f64 = 0.99;
/// Items of the Zipfian behind the scrambled generator.
pub const SCRAMBLED_ITEM_COUNT: u64 = 10_000_000_000;
/// zeta(10^10 + 1, 0.99), as precomputed by YCSB.
pub const SCRAMBLED_ZETAN: f64 = 26.469_028_201_783_02;

const FNV_OFFSET_BASIS_64: u64 = 0xCBF2_9CE4_8422_2325;
const FNV_PRIME_64: u64 = 1_099_511_628_211;

/// YCSB's `Utils.fnvhash64`.
pub fn fnv_hash64(value: i64) -> i64 {
    let mut value = value;
    let mut hash = FNV_OFFSET_BASIS_64 as i64;
    for _ in 0..8 {
        let octet = value & 0xff;
        value >>= 8;
        hash ^= octet;
        hash = hash.wrapping_mul(FNV_PRIME_64 as i64);
    }
    hash.wrapping_abs()
}

/// The sum of 1/i^theta for i in `start + 1..=end`, added to `initial`.
pub fn zeta(start: u64, end: u64, theta: f64, initial: f64) -> f64 {
    let mut sum = initial;
    for index in start..end {
        sum += 1.0 / ((index + 1) as f64).powf(theta);
    }
    sum
}

/// Zipfian over `base..base + items`: item `base` is the most popular.
#[derive(Debug, Clone)]
pub struct Zipfian {
    items: u64,
    base: u64,
    theta: f64,
    zeta_two_theta: f64,
    alpha: f64,
    zetan: f64,
    eta: f64,
    count_for_zeta: u64,
}

impl Zipfian {
    /// Over `min..=max` with constant `theta`, computing zeta (O(items)).
    pub fn new(min: u64, max: u64, theta: f64) -> Self {
        let items = max - min + 1;
        Self::with_zetan(min, max, theta, zeta(0, items, theta, 0.0))
    }

    /// Over `min..=max` with a precomputed zeta for `max - min + 1` items.
    pub fn with_zetan(min: u64, max: u64, theta: f64, zetan: f64) -> Self {
        let items = max - min + 1;
        let zeta_two_theta = zeta(0, 2, theta, 0.0);
        let eta = (1.0 - (2.0 / items as f64).powf(1.0 - theta)) / (1.0 - zeta_two_theta / zetan);
        Self {
            items,
            base: min,
            theta,
            zeta_two_theta,
            alpha: 1.0 / (1.0 - theta),
            zetan,
            eta,
            count_for_zeta: items,
        }
    }

    /// A draw among the first `item_count` items (YCSB's `nextLong(itemcount)`).
    pub fn next_among(&mut self, rng: &mut Rng, item_count: u64) -> u64 {
        if item_count > self.count_for_zeta {
            self.zetan = zeta(self.count_for_zeta, item_count, self.theta, self.zetan);
            self.count_for_zeta = item_count;
            self.eta = (1.0 - (2.0 / self.items as f64).powf(1.0 - self.theta))
                / (1.0 - self.zeta_two_theta / self.zetan);
        }
        let uniform = rng.unit();
        let scaled = uniform * self.zetan;
        if scaled < 1.0 {
            return self.base;
        }
        if scaled < 1.0 + 0.5f64.powf(self.theta) {
            return self.base + 1;
        }
        self.base
            + (item_count as f64 * (self.eta * uniform - self.eta + 1.0).powf(self.alpha)) as u64
    }

    /// A draw among all items.
    pub fn next(&mut self, rng: &mut Rng) -> u64 {
        self.next_among(rng, self.items)
    }
}

/// Zipfian popularity scattered over `min..=max` by hashing (YCSB's default request
/// distribution).
#[derive(Debug, Clone)]
pub struct ScrambledZipfian {
    min: u64,
    item_count: u64,
    zipfian: Zipfian,
}

impl ScrambledZipfian {
    /// Over `min..=max`.
    pub fn new(min: u64, max: u64) -> Self {
        Self {
            min,
            item_count: max - min + 1,
            zipfian: Zipfian::with_zetan(
                0,
                SCRAMBLED_ITEM_COUNT,
                ZIPFIAN_CONSTANT,
                SCRAMBLED_ZETAN,
            ),
        }
    }

    /// The next value in `min..=max`.
    pub fn next(&mut self, rng: &mut Rng) -> u64 {
        let draw = self.zipfian.next(rng) as i64;
        // A negative hash (only for i64::MIN) would wrap like Java's remainder; clamp instead.
        let offset = fnv_hash64(draw) % self.item_count as i64;
        self.min + offset.max(0) as u64
    }
}

/// Recently inserted keys are the most popular (YCSB's `SkewedLatestGenerator`).
#[derive(Debug, Clone)]
pub struct SkewedLatest {
    zipfian: Zipfian,
}

impl SkewedLatest {
    /// For a key space whose newest acknowledged key is `latest` (at least 1).
    pub fn new(latest: u64) -> Self {
        let items = latest.max(1);
        Self {
            zipfian: Zipfian::new(0, items - 1, ZIPFIAN_CONSTANT),
        }
    }

    /// A key at most `latest`, skewed towards it.
    pub fn next(&mut self, rng: &mut Rng, latest: u64) -> u64 {
        let latest = latest.max(1);
        latest - self.zipfian.next_among(rng, latest).min(latest)
    }
}

/// Uniform over `low..=high`.
#[derive(Debug, Clone, Copy)]
pub struct UniformRange {
    low: u64,
    high: u64,
}

impl UniformRange {
    /// Over `low..=high`; requires `low <= high`.
    pub fn new(low: u64, high: u64) -> Self {
        assert!(low <= high, "uniform range {low}..={high} is empty");
        Self { low, high }
    }

    /// The next value.
    pub fn next(&self, rng: &mut Rng) -> u64 {
        self.low + rng.below(self.high - self.low + 1)
    }
}

/// The key sequence of inserts during a run, shared by all client threads.
///
/// Keys are handed out in order; an insert acknowledges its key when it finishes (even if it
/// failed, as YCSB does). [`InsertSequence::latest`] is the highest key below which every key has
/// been acknowledged, so readers never choose a key whose insert may still be in flight.
#[derive(Debug)]
pub struct InsertSequence {
    next: AtomicU64,
    latest: AtomicU64,
    pending: Mutex<BinaryHeap<Reverse<u64>>>,
}

impl InsertSequence {
    /// Keys `0..existing` exist; the first insert gets key `existing`.
    pub fn new(existing: u64) -> Self {
        Self {
            next: AtomicU64::new(existing),
            latest: AtomicU64::new(existing.saturating_sub(1)),
            pending: Mutex::new(BinaryHeap::new()),
        }
    }

    /// The key for the next insert.
    pub fn next_key(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// Marks `key`'s insert as finished.
    pub fn acknowledge(&self, key: u64) {
        let mut pending = match self.pending.lock() {
            Ok(guard) => guard,
            // A panicking thread cannot leave the heap inconsistent: push and pop are atomic
            // with respect to the data we rely on.
            Err(poisoned) => poisoned.into_inner(),
        };
        pending.push(Reverse(key));
        let mut latest = self.latest.load(Ordering::Relaxed);
        while pending
            .peek()
            .is_some_and(|Reverse(smallest)| *smallest == latest + 1)
        {
            pending.pop();
            latest += 1;
        }
        self.latest.store(latest, Ordering::Release);
    }

    /// The newest key such that it and all before it are acknowledged.
    pub fn latest(&self) -> u64 {
        self.latest.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_hash_matches_ycsb() {
        // Key 0 of every hashed YCSB load is "user6284781860667377211", key 1
        // "user8517097267634966620".
        assert_eq!(fnv_hash64(0), 6_284_781_860_667_377_211);
        assert_eq!(fnv_hash64(1), 8_517_097_267_634_966_620);
        assert_eq!(fnv_hash64(2), 1_820_151_046_732_198_393);
        assert_eq!(fnv_hash64(12_345), 1_792_800_413_050_876_852);
        let hashes: Vec<i64> = (0..1000).map(fnv_hash64).collect();
        assert!(hashes.iter().all(|hash| *hash >= 0));
        let mut distinct = hashes.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 1000);
    }

    #[test]
    fn zipfian_matches_theory_for_a_small_key_space() {
        let mut rng = Rng::seeded(31);
        let mut zipfian = Zipfian::new(0, 999, ZIPFIAN_CONSTANT);
        let zeta_n = zeta(0, 1000, ZIPFIAN_CONSTANT, 0.0);
        let draws = 400_000;
        let mut counts = vec![0u32; 1000];
        for _ in 0..draws {
            let value = zipfian.next(&mut rng);
            assert!(value < 1000);
            counts[value as usize] += 1;
        }
        // P(item i) = 1 / ((i + 1)^theta * zeta(n)); items 0 and 1 are drawn exactly so.
        for (item, count) in counts.iter().enumerate().take(2) {
            let expected = draws as f64 / ((item + 1) as f64).powf(ZIPFIAN_CONSTANT) / zeta_n;
            let actual = f64::from(*count);
            assert!(
                (actual - expected).abs() / expected < 0.03,
                "item {item}: {actual} vs {expected}"
            );
        }
        // Popularity falls with rank.
        let head: u32 = counts[..10].iter().sum();
        let tail: u32 = counts[990..].iter().sum();
        assert!(head > 20 * tail, "head {head} tail {tail}");
    }

    #[test]
    fn scrambled_zipfian_stays_in_range_and_is_skewed() {
        let mut rng = Rng::seeded(32);
        let mut generator = ScrambledZipfian::new(0, 99_999);
        let mut counts = std::collections::HashMap::new();
        for _ in 0..200_000 {
            let value = generator.next(&mut rng);
            assert!(value < 100_000);
            *counts.entry(value).or_insert(0u32) += 1;
        }
        let most = counts.values().copied().max().expect("draws were made");
        // The hottest key of YCSB's scrambled Zipfian gets about 1/26.47 of all draws.
        let share = f64::from(most) / 200_000.0;
        assert!((0.03..0.045).contains(&share), "hottest key share {share}");
        // And the hot key is not simply key 0: hashing scatters it.
        let hottest = counts
            .iter()
            .max_by_key(|(_, count)| **count)
            .map(|(key, _)| *key);
        assert_ne!(hottest, Some(0));
    }

    #[test]
    fn scrambled_constant_is_consistent_with_the_partial_zeta() {
        // zeta grows by about n^(1 - theta) / (1 - theta); the first million terms give ~13.9,
        // and YCSB's constant for 10^10 items must lie between that and the integral bound.
        let partial = zeta(0, 1_000_000, ZIPFIAN_CONSTANT, 0.0);
        assert!(partial < SCRAMBLED_ZETAN);
        let bound = 1.0 + ((1e10f64).powf(0.01) - 1.0) / 0.01;
        assert!(SCRAMBLED_ZETAN < bound, "{SCRAMBLED_ZETAN} < {bound}");
    }

    #[test]
    fn skewed_latest_prefers_recent_keys() {
        let mut rng = Rng::seeded(33);
        let mut generator = SkewedLatest::new(9_999);
        let mut recent = 0;
        for _ in 0..100_000 {
            let key = generator.next(&mut rng, 9_999);
            assert!(key <= 9_999);
            if key >= 9_900 {
                recent += 1;
            }
        }
        assert!(
            recent > 40_000,
            "only {recent} of 100000 draws among the newest 100 keys"
        );
        // After inserts, the newest keys become reachable and popular.
        let mut newest = 0;
        for _ in 0..10_000 {
            let key = generator.next(&mut rng, 10_999);
            assert!(key <= 10_999);
            if key > 9_999 {
                newest += 1;
            }
        }
        assert!(newest > 5_000, "{newest}");
    }

    #[test]
    fn uniform_range_covers_its_bounds() {
        let mut rng = Rng::seeded(34);
        let range = UniformRange::new(1, 100);
        let values: Vec<u64> = (0..10_000).map(|_| range.next(&mut rng)).collect();
        assert!(values.iter().all(|value| (1..=100).contains(value)));
        assert!(values.contains(&1) && values.contains(&100));
    }

    #[test]
    fn insert_sequence_acknowledges_in_order() {
        let sequence = InsertSequence::new(100);
        assert_eq!(sequence.latest(), 99);
        let first = sequence.next_key();
        let second = sequence.next_key();
        let third = sequence.next_key();
        assert_eq!((first, second, third), (100, 101, 102));
        sequence.acknowledge(second);
        assert_eq!(
            sequence.latest(),
            99,
            "101 is done but 100 is still in flight"
        );
        sequence.acknowledge(first);
        assert_eq!(sequence.latest(), 101);
        sequence.acknowledge(third);
        assert_eq!(sequence.latest(), 102);
    }
}
