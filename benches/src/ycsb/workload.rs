//! YCSB's core workloads A–F: which operation comes next, on which key, with which values.
//!
//! This module knows nothing about SQL or sockets; it hands out [`Operation`]s that a runner
//! applies to any [`crate::ycsb::store::Store`]. Defaults follow YCSB's `CoreWorkload`: ten
//! fields of 100 bytes, hashed key order (`"user" + fnv_hash64(n)`), reads of all fields,
//! updates of one random field, read-modify-write = read all + update one, scan lengths uniform
//! in 1..=100, and for the Zipfian distribution a key space enlarged by twice the expected
//! inserts so popularity does not shift as records arrive (a key not yet inserted is redrawn).

use std::fmt::Write as _;
use std::sync::Arc;

use tpcc::rng::Rng;

use crate::ycsb::generators::{
    InsertSequence, ScrambledZipfian, SkewedLatest, UniformRange, fnv_hash64,
};

/// Fields per record.
pub const FIELD_COUNT: usize = 10;
/// Bytes per field.
pub const FIELD_LENGTH: usize = 100;
/// Longest scan of workload E.
pub const MAX_SCAN_LENGTH: u64 = 100;

/// How keys are chosen for reads, updates and scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestDistribution {
    /// Scrambled Zipfian, constant 0.99.
    Zipfian,
    /// Uniform over existing keys.
    Uniform,
    /// Skewed towards the most recent inserts.
    Latest,
}

/// Operation proportions and key distribution of a workload.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkloadSpec {
    /// `a`..`f` (or `custom`).
    pub name: &'static str,
    /// Share of reads.
    pub read: f64,
    /// Share of single-field updates.
    pub update: f64,
    /// Share of inserts.
    pub insert: f64,
    /// Share of range scans.
    pub scan: f64,
    /// Share of read-modify-writes.
    pub read_modify_write: f64,
    /// Key distribution.
    pub distribution: RequestDistribution,
}

impl WorkloadSpec {
    /// YCSB core workload `letter` (a-f, either case).
    pub fn core(letter: &str) -> Result<WorkloadSpec, String> {
        let base = WorkloadSpec {
            name: "",
            read: 0.0,
            update: 0.0,
            insert: 0.0,
            scan: 0.0,
            read_modify_write: 0.0,
            distribution: RequestDistribution::Zipfian,
        };
        Ok(match letter.to_ascii_lowercase().as_str() {
            "a" => WorkloadSpec {
                name: "a",
                read: 0.5,
                update: 0.5,
                ..base
            },
            "b" => WorkloadSpec {
                name: "b",
                read: 0.95,
                update: 0.05,
                ..base
            },
            "c" => WorkloadSpec {
                name: "c",
                read: 1.0,
                ..base
            },
            "d" => WorkloadSpec {
                name: "d",
                read: 0.95,
                insert: 0.05,
                distribution: RequestDistribution::Latest,
                ..base
            },
            "e" => WorkloadSpec {
                name: "e",
                scan: 0.95,
                insert: 0.05,
                ..base
            },
            "f" => WorkloadSpec {
                name: "f",
                read: 0.5,
                read_modify_write: 0.5,
                ..base
            },
            other => {
                return Err(format!(
                    "unknown workload {other:?}; use a, b, c, d, e or f"
                ));
            }
        })
    }
}

/// The operation kinds, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    /// Read all fields of one record.
    Read,
    /// Overwrite one field.
    Update,
    /// Add a record.
    Insert,
    /// Read up to N records from a start key on.
    Scan,
    /// Read all fields, then overwrite one.
    ReadModifyWrite,
}

impl OperationKind {
    /// All five.
    pub const ALL: [OperationKind; 5] = [
        OperationKind::Read,
        OperationKind::Update,
        OperationKind::Insert,
        OperationKind::Scan,
        OperationKind::ReadModifyWrite,
    ];

    /// Name in reports.
    pub fn name(self) -> &'static str {
        match self {
            OperationKind::Read => "read",
            OperationKind::Update => "update",
            OperationKind::Insert => "insert",
            OperationKind::Scan => "scan",
            OperationKind::ReadModifyWrite => "read_modify_write",
        }
    }

    /// Position in [`OperationKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One operation to apply; keys are key numbers (see [`key_name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Read record `key`.
    Read {
        /// Key number.
        key: u64,
    },
    /// Overwrite `field` of `key`.
    Update {
        /// Key number.
        key: u64,
        /// Field index 0..10.
        field: usize,
    },
    /// Insert a new record `key`; acknowledge it afterwards.
    Insert {
        /// Key number.
        key: u64,
    },
    /// Read `length` records from `start` on, in key order.
    Scan {
        /// Key number of the start key.
        start: u64,
        /// Records to read.
        length: u64,
    },
    /// Read `key`, then overwrite `field`.
    ReadModifyWrite {
        /// Key number.
        key: u64,
        /// Field index 0..10.
        field: usize,
    },
}

impl Operation {
    /// Its kind.
    pub fn kind(&self) -> OperationKind {
        match self {
            Operation::Read { .. } => OperationKind::Read,
            Operation::Update { .. } => OperationKind::Update,
            Operation::Insert { .. } => OperationKind::Insert,
            Operation::Scan { .. } => OperationKind::Scan,
            Operation::ReadModifyWrite { .. } => OperationKind::ReadModifyWrite,
        }
    }
}

/// Writes YCSB's key for key number `number` ("user" + hashed number) into `out`.
pub fn key_name(number: u64, out: &mut String) {
    out.clear();
    out.push_str("user");
    write!(out, "{}", fnv_hash64(number as i64)).expect("writing to a String cannot fail");
}

/// Fills `out` with a fresh random field value of [`FIELD_LENGTH`] printable ASCII characters.
pub fn field_value(rng: &mut Rng, out: &mut String) {
    out.clear();
    while out.len() < FIELD_LENGTH {
        let mut bits = rng.next_u64();
        for _ in 0..8 {
            if out.len() == FIELD_LENGTH {
                break;
            }
            // 95 printable characters, space through tilde.
            out.push(char::from(b' ' + ((bits & 0xff) % 95) as u8));
            bits >>= 8;
        }
    }
}

enum KeyChooser {
    Zipfian(ScrambledZipfian),
    Uniform(UniformRange),
    Latest(SkewedLatest),
}

impl std::fmt::Debug for KeyChooser {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(match self {
            KeyChooser::Zipfian(_) => "Zipfian",
            KeyChooser::Uniform(_) => "Uniform",
            KeyChooser::Latest(_) => "Latest",
        })
    }
}

/// Draws a key still missing from the key space this many times before settling for the newest.
const KEY_REDRAWS_MAX: usize = 1000;

/// One client thread's source of operations.
#[derive(Debug)]
pub struct OperationGenerator {
    spec: WorkloadSpec,
    rng: Rng,
    chooser: KeyChooser,
    inserts: Arc<InsertSequence>,
    scan_length: UniformRange,
}

impl OperationGenerator {
    /// For a table holding keys `0..records`, a run of `operations` operations in total (all
    /// threads), sharing `inserts` with the other threads.
    pub fn new(
        spec: WorkloadSpec,
        records: u64,
        operations: u64,
        inserts: Arc<InsertSequence>,
        rng: Rng,
    ) -> Self {
        let records = records.max(1);
        let chooser = match spec.distribution {
            RequestDistribution::Uniform => KeyChooser::Uniform(UniformRange::new(0, records - 1)),
            RequestDistribution::Zipfian => {
                let expected_new_keys = (operations as f64 * spec.insert * 2.0) as u64;
                KeyChooser::Zipfian(ScrambledZipfian::new(0, records + expected_new_keys))
            }
            RequestDistribution::Latest => KeyChooser::Latest(SkewedLatest::new(inserts.latest())),
        };
        Self {
            spec,
            rng,
            chooser,
            inserts,
            scan_length: UniformRange::new(1, MAX_SCAN_LENGTH),
        }
    }

    /// The random stream, for building values.
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    fn next_key(&mut self) -> u64 {
        let latest = self.inserts.latest();
        for _ in 0..KEY_REDRAWS_MAX {
            let key = match &mut self.chooser {
                KeyChooser::Zipfian(generator) => generator.next(&mut self.rng),
                KeyChooser::Uniform(generator) => generator.next(&mut self.rng),
                KeyChooser::Latest(generator) => generator.next(&mut self.rng, latest),
            };
            if key <= latest {
                return key;
            }
        }
        latest
    }

    /// The next operation.
    pub fn next_operation(&mut self) -> Operation {
        let spec = self.spec;
        let total = spec.read + spec.update + spec.insert + spec.scan + spec.read_modify_write;
        let mut draw = self.rng.unit() * total;
        let mut kind = OperationKind::ReadModifyWrite;
        for (share, candidate) in [
            (spec.read, OperationKind::Read),
            (spec.update, OperationKind::Update),
            (spec.insert, OperationKind::Insert),
            (spec.scan, OperationKind::Scan),
            (spec.read_modify_write, OperationKind::ReadModifyWrite),
        ] {
            if share > 0.0 && draw < share {
                kind = candidate;
                break;
            }
            draw -= share;
        }
        match kind {
            OperationKind::Read => Operation::Read {
                key: self.next_key(),
            },
            OperationKind::Update => Operation::Update {
                key: self.next_key(),
                field: self.rng.below(FIELD_COUNT as u64) as usize,
            },
            OperationKind::Insert => Operation::Insert {
                key: self.inserts.next_key(),
            },
            OperationKind::Scan => {
                let start = self.next_key();
                Operation::Scan {
                    start,
                    length: self.scan_length.next(&mut self.rng),
                }
            }
            OperationKind::ReadModifyWrite => Operation::ReadModifyWrite {
                key: self.next_key(),
                field: self.rng.below(FIELD_COUNT as u64) as usize,
            },
        }
    }

    /// Marks an insert of [`Operation::Insert`] as finished (successfully or not).
    pub fn acknowledge_insert(&self, key: u64) {
        self.inserts.acknowledge(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generator(letter: &str, records: u64) -> OperationGenerator {
        let spec = WorkloadSpec::core(letter).expect("core workload");
        let inserts = Arc::new(InsertSequence::new(records));
        OperationGenerator::new(spec, records, 100_000, inserts, Rng::seeded(41))
    }

    fn mix(letter: &str) -> [f64; 5] {
        let mut generator = generator(letter, 10_000);
        let mut counts = [0u32; 5];
        let draws = 50_000;
        for _ in 0..draws {
            let operation = generator.next_operation();
            if let Operation::Insert { key } = operation {
                generator.acknowledge_insert(key);
            }
            counts[operation.kind().index()] += 1;
        }
        counts.map(|count| f64::from(count) / f64::from(draws))
    }

    fn close(actual: [f64; 5], expected: [f64; 5]) -> bool {
        actual
            .iter()
            .zip(expected)
            .all(|(actual, expected)| (actual - expected).abs() < 0.01)
    }

    #[test]
    fn core_workload_mixes() {
        assert!(close(mix("a"), [0.5, 0.5, 0.0, 0.0, 0.0]), "{:?}", mix("a"));
        assert!(close(mix("b"), [0.95, 0.05, 0.0, 0.0, 0.0]));
        assert!(close(mix("c"), [1.0, 0.0, 0.0, 0.0, 0.0]));
        assert!(close(mix("d"), [0.95, 0.0, 0.05, 0.0, 0.0]));
        assert!(close(mix("e"), [0.0, 0.0, 0.05, 0.95, 0.0]));
        assert!(close(mix("F"), [0.5, 0.0, 0.0, 0.0, 0.5]));
        assert!(WorkloadSpec::core("g").is_err());
    }

    #[test]
    fn keys_stay_within_acknowledged_records() {
        for letter in ["a", "d", "e"] {
            let mut generator = generator(letter, 1000);
            for _ in 0..20_000 {
                match generator.next_operation() {
                    Operation::Read { key }
                    | Operation::Update { key, .. }
                    | Operation::ReadModifyWrite { key, .. } => {
                        assert!(key <= generator.inserts.latest(), "{letter}: {key}")
                    }
                    Operation::Scan { start, length } => {
                        assert!(start <= generator.inserts.latest());
                        assert!((1..=MAX_SCAN_LENGTH).contains(&length));
                    }
                    Operation::Insert { key } => {
                        assert!(key >= 1000);
                        generator.acknowledge_insert(key);
                    }
                }
            }
        }
    }

    #[test]
    fn latest_distribution_favours_new_inserts() {
        let mut generator = generator("d", 10_000);
        let mut recent = 0;
        let mut reads = 0;
        for _ in 0..50_000 {
            match generator.next_operation() {
                Operation::Insert { key } => generator.acknowledge_insert(key),
                Operation::Read { key } => {
                    reads += 1;
                    if key + 100 >= generator.inserts.latest() {
                        recent += 1;
                    }
                }
                other => panic!("workload d produced {other:?}"),
            }
        }
        assert!(
            recent * 2 > reads,
            "{recent} of {reads} reads hit the newest 100 keys"
        );
    }

    #[test]
    fn key_names_are_hashed_like_ycsb() {
        let mut key = String::new();
        key_name(0, &mut key);
        assert_eq!(key, "user6284781860667377211");
        key_name(1, &mut key);
        assert_eq!(key, "user8517097267634966620");
    }

    #[test]
    fn field_values_are_printable_and_sized() {
        let mut rng = Rng::seeded(42);
        let mut value = String::new();
        field_value(&mut rng, &mut value);
        assert_eq!(value.len(), FIELD_LENGTH);
        assert!(value.bytes().all(|byte| (b' '..=b'~').contains(&byte)));
        let first = value.clone();
        field_value(&mut rng, &mut value);
        assert_ne!(first, value);
    }
}
