//! The YCSB driver: `ycsb load` fills `usertable`, `ycsb run` applies one of the core workloads
//! A–F with T client threads (one connection each) and reports throughput and latency per
//! operation kind.
//!
//! Layers, from the bottom:
//! - [`generators`]: YCSB's key distributions (scrambled Zipfian 0.99, uniform, latest);
//! - [`workload`]: the operation mix and key/value choice — transport-independent;
//! - [`store`]: the five-method [`store::Store`] trait between workload and data;
//! - [`postgres`]: the PostgreSQL-protocol store (prepared statements on one connection);
//! - [`runner`]: the measuring loop, generic over the store;
//! - this module: connections, threads, timing, and the [`YcsbReport`].

pub mod generators;
pub mod postgres;
pub mod runner;
pub mod store;
pub mod workload;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use tokio_postgres::Client;
use tpcc::connection::connect;
use tpcc::error::DriverError;
use tpcc::histogram::LatencySummary;
use tpcc::rng::Rng;

use generators::InsertSequence;
use postgres::{PostgresStore, TABLE, create_table_sql};
use runner::{ErrorDetail, Limits, ThreadStats, load_records, run_operations};
use workload::{OperationGenerator, OperationKind, WorkloadSpec};

/// Options of `ycsb load` and `ycsb run`.
#[derive(Debug, Clone)]
pub struct YcsbOptions {
    /// Server URL.
    pub url: String,
    /// The workload (its mix matters only for `run`).
    pub workload: WorkloadSpec,
    /// Records loaded (`load`) or present (`run`).
    pub records: u64,
    /// Operations in total across threads (`run`).
    pub operations: u64,
    /// Client threads, one connection each.
    pub threads: usize,
    /// Stop `run` after this long even if operations remain.
    pub duration: Option<Duration>,
    /// Rows per INSERT statement during `load`.
    pub batch_rows: usize,
    /// Seed of the random streams.
    pub seed: Option<u64>,
    /// Per-operation timeout.
    pub operation_timeout: Duration,
    /// Progress line interval on stderr.
    pub progress_interval: Option<Duration>,
}

/// Figures of one operation kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationReport {
    /// `read`, `update`, ...
    pub name: String,
    /// Successful operations.
    pub completed: u64,
    /// Failed operations.
    pub errors: u64,
    /// Operations on missing keys.
    pub not_found: u64,
    /// Latency of successful operations (for `load`: per INSERT statement).
    pub latency_ms: LatencySummary,
}

/// The result of `ycsb load` or `ycsb run`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YcsbReport {
    /// Always `ycsb`.
    pub benchmark: String,
    /// `load` or `run`.
    pub phase: String,
    /// `a`..`f`.
    pub workload: String,
    /// Records in the table at the start.
    pub records: u64,
    /// Client threads.
    pub threads: usize,
    /// Successful operations (records for `load`).
    pub operations: u64,
    /// Wall-clock seconds of the phase.
    pub seconds: f64,
    /// `operations / seconds`.
    pub throughput_ops_per_second: f64,
    /// Failed operations.
    pub errors: u64,
    /// Threads that stopped early.
    pub threads_lost: usize,
    /// Per operation kind that occurred.
    pub operations_by_kind: Vec<OperationReport>,
    /// Distinct failures.
    pub error_details: Vec<ErrorDetail>,
}

impl YcsbReport {
    fn new(
        options: &YcsbOptions,
        phase: &str,
        records: u64,
        stats: &ThreadStats,
        lost: usize,
        seconds: f64,
    ) -> Self {
        let operations_by_kind = OperationKind::ALL
            .iter()
            .filter_map(|kind| {
                let kind_stats = &stats.by_kind[kind.index()];
                let active = kind_stats.completed + kind_stats.errors + kind_stats.not_found > 0;
                active.then(|| OperationReport {
                    name: kind.name().to_owned(),
                    completed: kind_stats.completed,
                    errors: kind_stats.errors,
                    not_found: kind_stats.not_found,
                    latency_ms: kind_stats.latency.summary(),
                })
            })
            .collect();
        let operations = stats.completed();
        YcsbReport {
            benchmark: "ycsb".to_owned(),
            phase: phase.to_owned(),
            workload: options.workload.name.to_owned(),
            records,
            threads: options.threads,
            operations,
            seconds,
            throughput_ops_per_second: operations as f64 / seconds.max(1e-9),
            errors: stats.by_kind.iter().map(|kind| kind.errors).sum(),
            threads_lost: lost,
            operations_by_kind,
            error_details: stats.errors.clone(),
        }
    }

    /// Human-readable summary.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "YCSB {} workload {}: {} records, {} threads, {} operations in {:.1} s = {:.0} ops/s, {} errors\n",
            self.phase,
            self.workload,
            self.records,
            self.threads,
            self.operations,
            self.seconds,
            self.throughput_ops_per_second,
            self.errors
        );
        text.push_str(&format!(
            "{:<18} {:>10} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9}\n",
            "operation", "completed", "errors", "notfound", "p50 ms", "p95 ms", "p99 ms", "max ms"
        ));
        for kind in &self.operations_by_kind {
            let latency = &kind.latency_ms;
            text.push_str(&format!(
                "{:<18} {:>10} {:>7} {:>9} {:>9.3} {:>9.3} {:>9.3} {:>9.2}\n",
                kind.name,
                kind.completed,
                kind.errors,
                kind.not_found,
                latency.p50_ms,
                latency.p95_ms,
                latency.p99_ms,
                latency.max_ms
            ));
        }
        if self.threads_lost > 0 {
            text.push_str(&format!("{} threads stopped early\n", self.threads_lost));
        }
        for detail in &self.error_details {
            text.push_str(&format!(
                "error x{} in {} at {}: {}{}\n",
                detail.count,
                detail.operation,
                detail.statement,
                detail.message,
                detail
                    .sqlstate
                    .as_ref()
                    .map(|code| format!(" (SQLSTATE {code})"))
                    .unwrap_or_default()
            ));
        }
        text
    }
}

async fn setup_statement(client: &Client, sql: &str) -> Result<(), DriverError> {
    client
        .batch_execute(sql)
        .await
        .map_err(|error| DriverError::database(sql, &error))
}

fn spawn_progress(
    counter: Arc<AtomicU64>,
    interval: Option<Duration>,
    label: &'static str,
) -> Option<tokio::task::JoinHandle<()>> {
    let interval = interval?;
    Some(tokio::spawn(async move {
        let start = Instant::now();
        let mut previous = 0;
        let mut ticker = tokio::time::interval_at(start + interval, interval);
        // Bounded by the caller, which aborts this task when the phase ends.
        loop {
            ticker.tick().await;
            let now = counter.load(Ordering::Relaxed);
            eprintln!(
                "[{:>5.0} s] {label}: {now} operations, {:.0} ops/s over the last {:.0} s",
                start.elapsed().as_secs_f64(),
                (now - previous) as f64 / interval.as_secs_f64(),
                interval.as_secs_f64()
            );
            previous = now;
        }
    }))
}

async fn connect_all(
    options: &YcsbOptions,
    batch_rows: usize,
) -> Result<Vec<PostgresStore>, DriverError> {
    let mut handles = Vec::with_capacity(options.threads);
    for _ in 0..options.threads.max(1) {
        let url = options.url.clone();
        handles.push(tokio::spawn(async move {
            PostgresStore::connect(&url, batch_rows).await
        }));
    }
    let mut stores = Vec::with_capacity(handles.len());
    for handle in handles {
        stores.push(
            handle
                .await
                .map_err(|error| DriverError::new("connect", error.to_string()))??,
        );
    }
    Ok(stores)
}

/// Drops and recreates `usertable` and inserts `records` records with `threads` connections.
pub async fn load(options: &YcsbOptions) -> Result<YcsbReport, DriverError> {
    let setup = connect(&options.url).await?;
    setup_statement(&setup, &format!("DROP TABLE IF EXISTS {TABLE}")).await?;
    setup_statement(&setup, &create_table_sql()).await?;
    let seed = options
        .seed
        .unwrap_or_else(|| Rng::from_entropy().next_u64());
    let stores = connect_all(options, options.batch_rows).await?;
    let progress = Arc::new(AtomicU64::new(0));
    let reporter = spawn_progress(Arc::clone(&progress), options.progress_interval, "load");
    let limits = Limits {
        operation_timeout: options.operation_timeout,
        deadline: None,
    };
    let started = Instant::now();
    let thread_count = stores.len() as u64;
    let mut handles = Vec::new();
    for (index, mut store) in stores.into_iter().enumerate() {
        let first = options.records * index as u64 / thread_count;
        let last = options.records * (index as u64 + 1) / thread_count;
        let progress = Arc::clone(&progress);
        let batch_rows = options.batch_rows;
        handles.push(tokio::spawn(async move {
            let mut rng = Rng::for_stream(seed, index as u64);
            load_records(
                &mut store,
                first..last,
                batch_rows,
                &mut rng,
                limits,
                &progress,
            )
            .await
        }));
    }
    let (merged, lost) = join_threads(handles).await?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(reporter) = reporter {
        reporter.abort();
    }
    // Statistics help PostgreSQL plan the scan; a server without ANALYZE still works.
    if let Err(error) = setup_statement(&setup, &format!("ANALYZE {TABLE}")).await {
        eprintln!("warning: {error}");
    }
    Ok(YcsbReport::new(options, "load", 0, &merged, lost, seconds))
}

/// Runs `options.workload` against a loaded `usertable`.
pub async fn run(options: &YcsbOptions) -> Result<YcsbReport, DriverError> {
    let seed = options
        .seed
        .unwrap_or_else(|| Rng::from_entropy().next_u64());
    let stores = connect_all(options, 1).await?;
    // Inserts of earlier runs (workloads D and E) extend the key space past `records`.
    let count_sql = format!("SELECT COUNT(*) FROM {TABLE}");
    let existing: i64 = match stores.first() {
        Some(store) => store
            .client()
            .query_one(count_sql.as_str(), &[])
            .await
            .and_then(|row| row.try_get(0))
            .map_err(|error| DriverError::database(count_sql.as_str(), &error))?,
        None => 0,
    };
    let records = options.records.max(existing.max(0) as u64);
    let inserts = Arc::new(InsertSequence::new(records));
    let progress = Arc::new(AtomicU64::new(0));
    let reporter = spawn_progress(Arc::clone(&progress), options.progress_interval, "run");
    let started = Instant::now();
    let limits = Limits {
        operation_timeout: options.operation_timeout,
        deadline: options.duration.map(|duration| started + duration),
    };
    let thread_count = stores.len() as u64;
    let mut handles = Vec::new();
    for (index, mut store) in stores.into_iter().enumerate() {
        let index = index as u64;
        let operations = options.operations * (index + 1) / thread_count
            - options.operations * index / thread_count;
        let mut generator = OperationGenerator::new(
            options.workload,
            records,
            options.operations,
            Arc::clone(&inserts),
            Rng::for_stream(seed, index),
        );
        let progress = Arc::clone(&progress);
        handles.push(tokio::spawn(async move {
            run_operations(&mut store, &mut generator, operations, limits, &progress).await
        }));
    }
    let (merged, lost) = join_threads(handles).await?;
    let seconds = started.elapsed().as_secs_f64();
    if let Some(reporter) = reporter {
        reporter.abort();
    }
    Ok(YcsbReport::new(
        options, "run", records, &merged, lost, seconds,
    ))
}

async fn join_threads(
    handles: Vec<tokio::task::JoinHandle<ThreadStats>>,
) -> Result<(ThreadStats, usize), DriverError> {
    let mut merged = ThreadStats::default();
    let mut lost = 0;
    for handle in handles {
        let stats = handle
            .await
            .map_err(|error| DriverError::new("client thread", error.to_string()))?;
        lost += usize::from(stats.lost);
        merged.merge(&stats);
    }
    Ok((merged, lost))
}
