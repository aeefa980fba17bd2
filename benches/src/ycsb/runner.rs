//! Applies generated operations to a [`Store`] and measures them: one call per client thread,
//! generic over the store so the same loop can drive db001's engine in-process later.
//!
//! Counting follows YCSB's reporting with one difference stated plainly: throughput counts
//! operations that succeeded; reads or updates of a missing key are counted as `not_found` and
//! failures as `errors`, both outside the throughput. Latency is per operation kind, in
//! microseconds, for successful operations; a read-modify-write is timed as a whole.

use std::future::Future;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::{Instant, timeout};
use tpcc::histogram::Histogram;
use tpcc::rng::Rng;

use crate::ycsb::store::{Record, Store, StoreError};
use crate::ycsb::workload::{Operation, OperationGenerator, OperationKind, field_value, key_name};

/// Counters of one operation kind.
#[derive(Debug, Clone, Default)]
pub struct OperationStats {
    /// Succeeded.
    pub completed: u64,
    /// Failed.
    pub errors: u64,
    /// Addressed a key that was not there.
    pub not_found: u64,
    /// Latency of successful operations, µs.
    pub latency: Histogram,
}

/// A failure kind and how often it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Operation kind.
    pub operation: String,
    /// Statement name.
    pub statement: String,
    /// Statement text.
    pub sql: Option<String>,
    /// SQLSTATE.
    pub sqlstate: Option<String>,
    /// First message seen.
    pub message: String,
    /// Occurrences.
    pub count: u64,
}

/// Distinct failures kept per thread.
const ERROR_KINDS_MAX: usize = 64;

/// One client thread's statistics.
#[derive(Debug, Clone, Default)]
pub struct ThreadStats {
    /// Indexed by [`OperationKind::index`].
    pub by_kind: [OperationStats; 5],
    /// Distinct failures.
    pub errors: Vec<ErrorDetail>,
    /// The thread stopped early: its store failed for good.
    pub lost: bool,
}

impl ThreadStats {
    fn record_error(&mut self, kind: OperationKind, error: &StoreError) {
        self.by_kind[kind.index()].errors += 1;
        let existing = self.errors.iter().position(|detail| {
            detail.operation == kind.name()
                && detail.statement == error.statement
                && detail.sqlstate == error.sqlstate
        });
        if let Some(index) = existing {
            self.errors[index].count += 1;
        } else if self.errors.len() < ERROR_KINDS_MAX {
            self.errors.push(ErrorDetail {
                operation: kind.name().to_owned(),
                statement: error.statement.to_owned(),
                sql: error.sql.clone(),
                sqlstate: error.sqlstate.clone(),
                message: error.message.clone(),
                count: 1,
            });
        }
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &ThreadStats) {
        for (mine, theirs) in self.by_kind.iter_mut().zip(other.by_kind.iter()) {
            mine.completed += theirs.completed;
            mine.errors += theirs.errors;
            mine.not_found += theirs.not_found;
            mine.latency.merge(&theirs.latency);
        }
        for detail in &other.errors {
            match self.errors.iter_mut().find(|mine| {
                mine.operation == detail.operation
                    && mine.statement == detail.statement
                    && mine.sqlstate == detail.sqlstate
            }) {
                Some(mine) => mine.count += detail.count,
                None => self.errors.push(detail.clone()),
            }
        }
        self.lost |= other.lost;
    }

    /// Successful operations of all kinds.
    pub fn completed(&self) -> u64 {
        self.by_kind.iter().map(|stats| stats.completed).sum()
    }
}

/// How long one operation may take before the thread gives up on its store.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Per-operation timeout.
    pub operation_timeout: Duration,
    /// Stop starting operations after this instant.
    pub deadline: Option<Instant>,
}

/// Reusable buffers of one thread.
#[derive(Debug, Default)]
struct Buffers {
    key: String,
    value: String,
    record: Record,
}

fn timed_out(statement: &'static str, limit: Duration) -> StoreError {
    StoreError {
        statement,
        sql: None,
        sqlstate: None,
        message: format!("no answer within {} s", limit.as_secs_f64()),
        fatal: true,
    }
}

async fn bounded<T>(
    limit: Duration,
    statement: &'static str,
    operation: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, StoreError> {
    timeout(limit, operation)
        .await
        .unwrap_or_else(|_| Err(timed_out(statement, limit)))
}

/// Whether the operation found its key.
enum Found {
    Yes,
    No,
}

async fn apply<S: Store>(
    store: &mut S,
    operation: Operation,
    generator: &mut OperationGenerator,
    buffers: &mut Buffers,
    limit: Duration,
) -> Result<Found, StoreError> {
    let found = |present: bool| if present { Found::Yes } else { Found::No };
    match operation {
        Operation::Read { key } => {
            key_name(key, &mut buffers.key);
            bounded(limit, "ycsb.read", store.read(&buffers.key))
                .await
                .map(found)
        }
        Operation::Update { key, field } => {
            key_name(key, &mut buffers.key);
            field_value(generator.rng(), &mut buffers.value);
            bounded(
                limit,
                "ycsb.update",
                store.update(&buffers.key, field, &buffers.value),
            )
            .await
            .map(found)
        }
        Operation::Insert { key } => {
            key_name(key, &mut buffers.record.key);
            for field in &mut buffers.record.fields {
                field_value(generator.rng(), field);
            }
            let result = bounded(limit, "ycsb.insert", store.insert(&buffers.record)).await;
            generator.acknowledge_insert(key);
            result.map(|()| Found::Yes)
        }
        Operation::Scan { start, length } => {
            key_name(start, &mut buffers.key);
            bounded(limit, "ycsb.scan", store.scan(&buffers.key, length))
                .await
                .map(|rows| found(rows > 0))
        }
        Operation::ReadModifyWrite { key, field } => {
            key_name(key, &mut buffers.key);
            if !bounded(limit, "ycsb.read", store.read(&buffers.key)).await? {
                return Ok(Found::No);
            }
            field_value(generator.rng(), &mut buffers.value);
            bounded(
                limit,
                "ycsb.update",
                store.update(&buffers.key, field, &buffers.value),
            )
            .await
            .map(found)
        }
    }
}

/// Runs `operations` operations (or until the deadline) from `generator` against `store`.
pub async fn run_operations<S: Store>(
    store: &mut S,
    generator: &mut OperationGenerator,
    operations: u64,
    limits: Limits,
    progress: &Arc<AtomicU64>,
) -> ThreadStats {
    let mut stats = ThreadStats::default();
    let mut buffers = Buffers::default();
    for _ in 0..operations {
        if limits
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline)
        {
            break;
        }
        let operation = generator.next_operation();
        let kind = operation.kind();
        let started = Instant::now();
        let result = apply(
            store,
            operation,
            generator,
            &mut buffers,
            limits.operation_timeout,
        )
        .await;
        let elapsed = started.elapsed();
        match result {
            Ok(Found::Yes) => {
                let kind_stats = &mut stats.by_kind[kind.index()];
                kind_stats.completed += 1;
                kind_stats.latency.record(micros(elapsed));
                progress.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Found::No) => stats.by_kind[kind.index()].not_found += 1,
            Err(error) => {
                stats.record_error(kind, &error);
                if error.fatal {
                    stats.lost = true;
                    break;
                }
            }
        }
    }
    stats
}

/// Inserts records `keys` in batches of `batch_rows`, each with fresh random values.
pub async fn load_records<S: Store>(
    store: &mut S,
    keys: Range<u64>,
    batch_rows: usize,
    rng: &mut Rng,
    limits: Limits,
    progress: &Arc<AtomicU64>,
) -> ThreadStats {
    let mut stats = ThreadStats::default();
    let batch_rows = batch_rows.max(1);
    let mut batch: Vec<Record> = vec![Record::default(); batch_rows];
    let mut next = keys.start;
    while next < keys.end {
        let rows = (keys.end - next).min(batch_rows as u64) as usize;
        for (offset, record) in batch[..rows].iter_mut().enumerate() {
            key_name(next + offset as u64, &mut record.key);
            for field in &mut record.fields {
                field_value(rng, field);
            }
        }
        let started = Instant::now();
        let result = bounded(
            limits.operation_timeout,
            "ycsb.insert_batch",
            store.insert_batch(&batch[..rows]),
        )
        .await;
        let insert = &mut stats.by_kind[OperationKind::Insert.index()];
        match result {
            Ok(()) => {
                insert.completed += rows as u64;
                insert.latency.record(micros(started.elapsed()));
                progress.fetch_add(rows as u64, Ordering::Relaxed);
            }
            Err(error) => {
                stats.record_error(OperationKind::Insert, &error);
                stats.lost = true;
                break;
            }
        }
        next += rows as u64;
    }
    stats
}

fn micros(elapsed: Duration) -> u64 {
    u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ycsb::generators::InsertSequence;
    use crate::ycsb::workload::WorkloadSpec;
    use std::collections::BTreeMap;

    /// An in-memory store: the model for what any store must do.
    #[derive(Default)]
    struct MemoryStore {
        rows: BTreeMap<String, Record>,
        fail_updates: bool,
    }

    impl Store for MemoryStore {
        async fn read(&mut self, key: &str) -> Result<bool, StoreError> {
            Ok(self.rows.contains_key(key))
        }

        async fn update(
            &mut self,
            key: &str,
            field: usize,
            value: &str,
        ) -> Result<bool, StoreError> {
            if self.fail_updates {
                return Err(StoreError {
                    statement: "ycsb.update",
                    sql: None,
                    sqlstate: Some("0A000".to_owned()),
                    message: "updates are not supported".to_owned(),
                    fatal: false,
                });
            }
            Ok(match self.rows.get_mut(key) {
                Some(record) => {
                    record.fields[field] = value.to_owned();
                    true
                }
                None => false,
            })
        }

        async fn insert(&mut self, record: &Record) -> Result<(), StoreError> {
            self.rows.insert(record.key.clone(), record.clone());
            Ok(())
        }

        async fn insert_batch(&mut self, records: &[Record]) -> Result<(), StoreError> {
            for record in records {
                self.insert(record).await?;
            }
            Ok(())
        }

        async fn scan(&mut self, start_key: &str, count: u64) -> Result<u64, StoreError> {
            Ok(self
                .rows
                .range(start_key.to_owned()..)
                .take(count as usize)
                .count() as u64)
        }
    }

    fn limits() -> Limits {
        Limits {
            operation_timeout: Duration::from_secs(5),
            deadline: None,
        }
    }

    #[tokio::test]
    async fn load_then_run_every_workload_against_a_model_store() {
        let progress = Arc::new(AtomicU64::new(0));
        let mut store = MemoryStore::default();
        let mut rng = Rng::seeded(51);
        let loaded = load_records(&mut store, 0..1000, 64, &mut rng, limits(), &progress).await;
        assert_eq!(
            loaded.by_kind[OperationKind::Insert.index()].completed,
            1000
        );
        assert_eq!(store.rows.len(), 1000);
        for letter in ["a", "b", "c", "d", "e", "f"] {
            let spec = WorkloadSpec::core(letter).expect("core workload");
            let existing = store.rows.len() as u64;
            let inserts = Arc::new(InsertSequence::new(existing));
            let mut generator =
                OperationGenerator::new(spec, existing, 2000, inserts, Rng::seeded(52));
            let stats = run_operations(&mut store, &mut generator, 2000, limits(), &progress).await;
            assert_eq!(
                stats.completed(),
                2000,
                "workload {letter}: every key exists"
            );
            assert!(stats.errors.is_empty());
            let latency_count: u64 = stats.by_kind.iter().map(|kind| kind.latency.count()).sum();
            assert_eq!(latency_count, 2000);
        }
        assert!(
            store.rows.len() > 1000,
            "workloads d and e inserted records"
        );
    }

    #[tokio::test]
    async fn failures_are_counted_by_statement() {
        let progress = Arc::new(AtomicU64::new(0));
        let mut store = MemoryStore::default();
        let mut rng = Rng::seeded(53);
        load_records(&mut store, 0..100, 10, &mut rng, limits(), &progress).await;
        store.fail_updates = true;
        let spec = WorkloadSpec::core("a").expect("core workload");
        let inserts = Arc::new(InsertSequence::new(100));
        let mut generator = OperationGenerator::new(spec, 100, 1000, inserts, Rng::seeded(54));
        let stats = run_operations(&mut store, &mut generator, 1000, limits(), &progress).await;
        let updates = &stats.by_kind[OperationKind::Update.index()];
        assert_eq!(updates.completed, 0);
        assert!(updates.errors > 400);
        assert_eq!(stats.errors.len(), 1);
        assert_eq!(stats.errors[0].statement, "ycsb.update");
        assert_eq!(stats.errors[0].count, updates.errors);
        assert!(!stats.lost, "a non-fatal error does not stop the thread");
    }
}
