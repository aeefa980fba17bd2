//! A fixed-size log-linear latency histogram, shared by the TPC-C and YCSB drivers.
//!
//! Why this shape: recording must cost a few instructions and never allocate (it runs once per
//! transaction on a machine the server also needs), percentiles must be good to about one
//! percent, and per-terminal histograms must merge exactly. Values below 256 µs get a bucket
//! each; above that, every power of two is split into 128 linear sub-buckets (the idea of
//! HdrHistogram), so the relative error of a reported percentile is below 1/128. The range ends
//! at 2^41 µs (about 25 days), far beyond any transaction; larger values land in the last bucket.

use serde::Serialize;

const SUB_BUCKET_BITS: u32 = 7;
const SUB_BUCKETS: u64 = 1 << SUB_BUCKET_BITS;
/// Values up to 2^(HIGHEST_SHIFT + 8) µs get their own bucket.
const HIGHEST_SHIFT: u32 = 33;
const BUCKET_COUNT: usize = ((HIGHEST_SHIFT as u64 + 2) * SUB_BUCKETS) as usize;

/// Latencies in microseconds.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: Box<[u64]>,
    total: u64,
    sum_micros: u128,
    min_micros: u64,
    max_micros: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self::new()
    }
}

/// Values below 256 index themselves; above, `shift` is chosen so that `micros >> shift` is in
/// 128..256, and octave `shift` occupies indexes `(shift + 1) * 128 .. (shift + 2) * 128`.
fn bucket_index(micros: u64) -> usize {
    let highest_bit = 63 - (micros | 1).leading_zeros();
    if highest_bit <= SUB_BUCKET_BITS {
        return micros as usize;
    }
    let shift = highest_bit - SUB_BUCKET_BITS;
    if shift > HIGHEST_SHIFT {
        return BUCKET_COUNT - 1;
    }
    (u64::from(shift) * SUB_BUCKETS + (micros >> shift)) as usize
}

/// The largest value that [`bucket_index`] maps to `index`.
fn bucket_upper_bound(index: usize) -> u64 {
    let index = index as u64;
    if index < 2 * SUB_BUCKETS {
        return index;
    }
    let shift = (index / SUB_BUCKETS - 1) as u32;
    let lower = (SUB_BUCKETS + index % SUB_BUCKETS) << shift;
    lower + (1u64 << shift) - 1
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Self {
            counts: vec![0; BUCKET_COUNT].into_boxed_slice(),
            total: 0,
            sum_micros: 0,
            min_micros: u64::MAX,
            max_micros: 0,
        }
    }

    /// Records one latency.
    pub fn record(&mut self, micros: u64) {
        self.counts[bucket_index(micros)] += 1;
        self.total += 1;
        self.sum_micros += u128::from(micros);
        self.min_micros = self.min_micros.min(micros);
        self.max_micros = self.max_micros.max(micros);
    }

    /// Adds every observation of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        for (count, added) in self.counts.iter_mut().zip(other.counts.iter()) {
            *count += added;
        }
        self.total += other.total;
        self.sum_micros += other.sum_micros;
        self.min_micros = self.min_micros.min(other.min_micros);
        self.max_micros = self.max_micros.max(other.max_micros);
    }

    /// Number of recorded observations.
    pub fn count(&self) -> u64 {
        self.total
    }

    /// The smallest recorded value not exceeded by `quantile` (0..=1) of observations, as the
    /// upper bound of its bucket capped by the true maximum; 0 when empty.
    pub fn percentile(&self, quantile: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let rank = ((quantile.clamp(0.0, 1.0) * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return bucket_upper_bound(index).min(self.max_micros);
            }
        }
        self.max_micros
    }

    /// Mean latency in microseconds; 0 when empty.
    pub fn mean(&self) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        self.sum_micros as f64 / self.total as f64
    }

    /// Count, mean and percentiles in milliseconds, for reports.
    pub fn summary(&self) -> LatencySummary {
        let millis = |micros: u64| micros as f64 / 1000.0;
        LatencySummary {
            count: self.total,
            mean_ms: self.mean() / 1000.0,
            p50_ms: millis(self.percentile(0.50)),
            p95_ms: millis(self.percentile(0.95)),
            p99_ms: millis(self.percentile(0.99)),
            max_ms: millis(self.max_micros),
        }
    }
}

/// Latency figures of one operation type, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize, serde::Deserialize, PartialEq)]
pub struct LatencySummary {
    /// Observations.
    pub count: u64,
    /// Arithmetic mean.
    pub mean_ms: f64,
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest observation.
    pub max_ms: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_contain_their_values() {
        let mut previous = 0;
        for micros in (0..5_000_000u64).step_by(7).chain([1 << 40, u64::MAX / 4]) {
            let index = bucket_index(micros);
            assert!(index >= previous, "bucket order broken at {micros}");
            assert!(index < BUCKET_COUNT);
            previous = index;
            if index < BUCKET_COUNT - 1 {
                let upper = bucket_upper_bound(index);
                assert!(upper >= micros, "{micros} above its bucket bound {upper}");
                assert!(
                    (upper - micros) as f64 <= micros as f64 / 60.0 + 1.0,
                    "bucket of {micros} too wide (upper {upper})"
                );
            }
        }
    }

    #[test]
    fn percentiles_of_a_uniform_sequence() {
        let mut histogram = Histogram::new();
        for micros in 1..=10_000 {
            histogram.record(micros);
        }
        let close = |actual: u64, expected: f64| (actual as f64 - expected).abs() / expected < 0.02;
        assert!(
            close(histogram.percentile(0.5), 5000.0),
            "{}",
            histogram.percentile(0.5)
        );
        assert!(close(histogram.percentile(0.95), 9500.0));
        assert!(close(histogram.percentile(0.99), 9900.0));
        assert_eq!(histogram.percentile(1.0), 10_000);
        assert_eq!(histogram.count(), 10_000);
        assert!((histogram.mean() - 5000.5).abs() < 1e-9);
    }

    #[test]
    fn merge_equals_recording_everything_in_one() {
        let mut left = Histogram::new();
        let mut right = Histogram::new();
        let mut both = Histogram::new();
        for micros in [3, 150, 900, 12_000, 250_000] {
            left.record(micros);
            both.record(micros);
        }
        for micros in [1, 77, 40_000] {
            right.record(micros);
            both.record(micros);
        }
        left.merge(&right);
        assert_eq!(left.count(), both.count());
        for quantile in [0.1, 0.5, 0.9, 0.99] {
            assert_eq!(left.percentile(quantile), both.percentile(quantile));
        }
        assert_eq!(left.summary(), both.summary());
    }

    #[test]
    fn empty_histogram_reports_zero() {
        let histogram = Histogram::new();
        assert_eq!(histogram.percentile(0.99), 0);
        assert_eq!(histogram.summary().count, 0);
        assert_eq!(histogram.summary().max_ms, 0.0);
    }
}
