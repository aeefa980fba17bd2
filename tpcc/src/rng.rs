//! A small, fast, seedable pseudo-random number generator.
//!
//! Why our own: the drivers draw several random numbers per statement and share two cores with
//! the server they measure, so the generator must be cheap, allocation-free and reproducible from
//! a seed (a load with `--seed` is the same load every time). xoshiro256** (Blackman and Vigna)
//! seeded through SplitMix64 is the usual choice for that; it is not cryptographic and does not
//! need to be. Bounded integers use Lemire's multiply-and-reject method, so there is no modulo
//! bias.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// xoshiro256** state. Cheap to clone; each terminal or worker owns one.
#[derive(Debug, Clone)]
pub struct Rng {
    state: [u64; 4],
}

/// Distinguishes generators created from entropy within the same nanosecond.
static ENTROPY_COUNTER: AtomicU64 = AtomicU64::new(0);

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator whose whole sequence is determined by `seed`.
    pub fn seeded(seed: u64) -> Self {
        let mut mixer = seed;
        let state = [
            splitmix64(&mut mixer),
            splitmix64(&mut mixer),
            splitmix64(&mut mixer),
            splitmix64(&mut mixer),
        ];
        Self { state }
    }

    /// A generator seeded from the clock, the process id and a process-wide counter.
    pub fn from_entropy() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| elapsed.as_nanos() as u64)
            .unwrap_or(0);
        let counter = ENTROPY_COUNTER.fetch_add(1, Ordering::Relaxed);
        let pid = u64::from(std::process::id());
        Self::seeded(nanos ^ pid.rotate_left(32) ^ counter.wrapping_mul(0xA076_1D64_78BD_642F))
    }

    /// A child generator for stream `stream` of a seeded run: the same (seed, stream) pair
    /// always gives the same child, and different streams are independent.
    pub fn for_stream(seed: u64, stream: u64) -> Self {
        let mut mixer = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        Self::seeded(splitmix64(&mut mixer))
    }

    /// The next 64 uniformly distributed bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.state[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let shifted = self.state[1] << 17;
        self.state[2] ^= self.state[0];
        self.state[3] ^= self.state[1];
        self.state[1] ^= self.state[2];
        self.state[0] ^= self.state[3];
        self.state[2] ^= shifted;
        self.state[3] = self.state[3].rotate_left(45);
        result
    }

    /// A uniform integer in `0..bound`. `bound` must be positive.
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "an empty range has no random member");
        // Lemire: the high half of a 64x64 multiplication is uniform in 0..bound once the
        // few low products that would bias it are rejected.
        let mut product = u128::from(self.next_u64()) * u128::from(bound);
        let mut low = product as u64;
        if low < bound {
            let threshold = bound.wrapping_neg() % bound;
            while low < threshold {
                product = u128::from(self.next_u64()) * u128::from(bound);
                low = product as u64;
            }
        }
        (product >> 64) as u64
    }

    /// A uniform integer in `low..=high` (TPC-C's `random(x, y)`). Requires `low <= high`.
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        assert!(low <= high, "random({low}, {high}) has an empty range");
        let span = (high - low) as u64 + 1;
        low + self.below(span) as i64
    }

    /// [`Rng::between`] for the 32-bit ids TPC-C uses everywhere.
    pub fn between_i32(&mut self, low: i32, high: i32) -> i32 {
        self.between(i64::from(low), i64::from(high)) as i32
    }

    /// A uniform double in `[0, 1)` with 53 random bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for index in (1..items.len()).rev() {
            let other = self.below(index as u64 + 1) as usize;
            items.swap(index, other);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_generators_repeat_and_streams_differ() {
        let mut first = Rng::seeded(42);
        let mut second = Rng::seeded(42);
        let draws: Vec<u64> = (0..8).map(|_| first.next_u64()).collect();
        let again: Vec<u64> = (0..8).map(|_| second.next_u64()).collect();
        assert_eq!(draws, again);
        let mut stream_one = Rng::for_stream(42, 1);
        let mut stream_two = Rng::for_stream(42, 2);
        assert_ne!(stream_one.next_u64(), stream_two.next_u64());
    }

    #[test]
    fn between_stays_in_range_and_reaches_both_ends() {
        let mut rng = Rng::seeded(7);
        let mut seen_low = false;
        let mut seen_high = false;
        for _ in 0..10_000 {
            let value = rng.between(5, 15);
            assert!((5..=15).contains(&value), "{value} outside 5..=15");
            seen_low |= value == 5;
            seen_high |= value == 15;
        }
        assert!(seen_low && seen_high);
        assert_eq!(rng.between(3, 3), 3);
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut rng = Rng::seeded(11);
        let mut counts = [0u32; 10];
        for _ in 0..100_000 {
            counts[rng.below(10) as usize] += 1;
        }
        for count in counts {
            assert!(
                (9_000..11_000).contains(&count),
                "bucket count {count} is not ~10000"
            );
        }
    }

    #[test]
    fn unit_is_in_half_open_interval() {
        let mut rng = Rng::seeded(3);
        let mut sum = 0.0;
        for _ in 0..10_000 {
            let value = rng.unit();
            assert!((0.0..1.0).contains(&value));
            sum += value;
        }
        let mean = sum / 10_000.0;
        assert!((0.48..0.52).contains(&mean), "mean {mean}");
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut rng = Rng::seeded(5);
        let mut items: Vec<u32> = (1..=3000).collect();
        rng.shuffle(&mut items);
        assert_ne!(items, (1..=3000).collect::<Vec<u32>>());
        items.sort_unstable();
        assert_eq!(items, (1..=3000).collect::<Vec<u32>>());
    }
}
