//! `/metrics`: the server's counters in Prometheus' text format.
//!
//! The live numbers are kept where they happen (the wire's connection and error counters, the
//! engine's `Stats` and durable LSN) and copied into a `prometheus` registry when scraped, so the hot path never touches the
//! registry. Counters are advanced by the difference since the last scrape, which keeps them
//! monotonic; one mutex serialises scrapes so two at once cannot both add the same difference.

use std::sync::Mutex;
use std::time::Instant;

use db001_wire::WireMetrics;
use prometheus::{
    Encoder, Gauge, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

/// The registry and the metrics in it.
#[derive(Debug)]
pub struct Metrics {
    scrape: Mutex<Registered>,
}

#[derive(Debug)]
struct Registered {
    registry: Registry,
    connections: IntGauge,
    connections_total: IntCounter,
    connections_rejected_total: IntCounter,
    auth_failures_total: IntCounter,
    tls_sessions_total: IntCounter,
    statements_total: IntCounter,
    commits_total: IntCounter,
    rollbacks_total: IntCounter,
    conflict_retries_total: IntCounter,
    gc_versions_collected_total: IntCounter,
    gc_rows_collected_total: IntCounter,
    errors_total: IntCounterVec,
    durable_lsn: IntGauge,
    uptime_seconds: IntGauge,
    healthy: IntGauge,
    checkpoints_total: IntCounterVec,
    checkpoint_failures_total: IntCounter,
    checkpoint_last_duration_seconds: Gauge,
    checkpoint_last_bytes: IntGauge,
    wal_bytes_since_checkpoint: IntGauge,
}

/// The engine's counters (from `db001_engine::Stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineCounters {
    pub commits: u64,
    pub rollbacks: u64,
    pub statements: u64,
    pub conflict_retries: u64,
    /// Old row versions reclaimed by garbage collection (collector and VACUUM).
    pub versions_collected: u64,
    /// Deleted rows reclaimed entirely by garbage collection.
    pub rows_collected: u64,
}

/// The checkpointer's numbers (from `db001_engine::CheckpointStatus`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckpointSample {
    /// Checkpoints taken since the server started, by reason (`checkpoint_interval`,
    /// `max_wal_size`, `requested`, `backup`, `shutdown`).
    pub completed_by_reason: Vec<(&'static str, u64)>,
    /// Checkpoint attempts that failed since the server started.
    pub failures: u64,
    /// The last checkpoint this process took: how long it took, how large its file is.
    pub last_duration_seconds: f64,
    pub last_bytes: u64,
    /// WAL appended since the newest checkpoint.
    pub wal_bytes_since_checkpoint: u64,
}

/// The values one scrape reports besides the wire's counters.
#[derive(Debug, Clone)]
pub struct EngineSample {
    pub durable_lsn: u64,
    pub healthy: bool,
    pub counters: EngineCounters,
    pub checkpoints: CheckpointSample,
    pub started: Instant,
}

impl Metrics {
    /// Builds the registry. Fails only on a programming error (a duplicate or malformed
    /// metric name), which the tests catch.
    pub fn new() -> prometheus::Result<Metrics> {
        let registry = Registry::new();
        let gauge = |name: &str, help: &str| -> prometheus::Result<IntGauge> {
            let gauge = IntGauge::new(name, help)?;
            registry.register(Box::new(gauge.clone()))?;
            Ok(gauge)
        };
        let counter = |name: &str, help: &str| -> prometheus::Result<IntCounter> {
            let counter = IntCounter::new(name, help)?;
            registry.register(Box::new(counter.clone()))?;
            Ok(counter)
        };
        let registered = Registered {
            connections: gauge("db001_connections", "Client sessions open now.")?,
            connections_total: counter(
                "db001_connections_total",
                "Client sessions started since the server started.",
            )?,
            connections_rejected_total: counter(
                "db001_connections_rejected_total",
                "Connections refused because max_connections sessions were open (53300).",
            )?,
            auth_failures_total: counter(
                "db001_auth_failures_total",
                "Connections refused by authentication (hba rule, password, role).",
            )?,
            tls_sessions_total: counter(
                "db001_tls_sessions_total",
                "Connections that completed a TLS handshake.",
            )?,
            statements_total: counter(
                "db001_statements_total",
                "Statements executed by the engine.",
            )?,
            commits_total: counter(
                "db001_commits_total",
                "Transactions committed (explicit and implicit).",
            )?,
            rollbacks_total: counter("db001_rollbacks_total", "Transactions rolled back.")?,
            conflict_retries_total: counter(
                "db001_conflict_retries_total",
                "Statements re-run after waiting for a concurrent writer.",
            )?,
            gc_versions_collected_total: counter(
                "db001_gc_versions_collected_total",
                "Old row versions reclaimed by garbage collection (collector and VACUUM).",
            )?,
            gc_rows_collected_total: counter(
                "db001_gc_rows_collected_total",
                "Deleted rows reclaimed entirely by garbage collection.",
            )?,
            errors_total: {
                let errors = IntCounterVec::new(
                    Opts::new(
                        "db001_errors_total",
                        "Errors sent to clients, by SQLSTATE class (first two characters).",
                    ),
                    &["class"],
                )?;
                registry.register(Box::new(errors.clone()))?;
                errors
            },
            durable_lsn: gauge(
                "db001_durable_lsn",
                "Highest WAL position known to be on disk.",
            )?,
            uptime_seconds: gauge("db001_uptime_seconds", "Seconds since the server started.")?,
            healthy: gauge(
                "db001_healthy",
                "1 when the engine can serve queries, else 0.",
            )?,
            checkpoints_total: {
                let checkpoints = IntCounterVec::new(
                    Opts::new(
                        "db001_checkpoints_total",
                        "Checkpoints taken since the server started, by reason \
                         (checkpoint_interval, max_wal_size, requested, backup, shutdown).",
                    ),
                    &["reason"],
                )?;
                registry.register(Box::new(checkpoints.clone()))?;
                checkpoints
            },
            checkpoint_failures_total: counter(
                "db001_checkpoint_failures_total",
                "Checkpoint attempts that failed since the server started.",
            )?,
            checkpoint_last_duration_seconds: {
                let last = Gauge::new(
                    "db001_checkpoint_last_duration_seconds",
                    "How long the last checkpoint this process took ran, in seconds.",
                )?;
                registry.register(Box::new(last.clone()))?;
                last
            },
            checkpoint_last_bytes: gauge(
                "db001_checkpoint_last_bytes",
                "Size of the last checkpoint file this process wrote.",
            )?,
            wal_bytes_since_checkpoint: gauge(
                "db001_wal_bytes_since_checkpoint",
                "WAL appended since the newest checkpoint (about what a restart replays).",
            )?,
            registry,
        };
        Ok(Metrics {
            scrape: Mutex::new(registered),
        })
    }

    /// Copies the current values in and renders the text format.
    pub fn render(&self, wire: &WireMetrics, engine: EngineSample) -> String {
        let registered = self
            .scrape
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        registered
            .connections
            .set(saturating_i64(wire.connections_current()));
        advance(&registered.connections_total, wire.connections_total());
        advance(
            &registered.connections_rejected_total,
            wire.connections_rejected(),
        );
        advance(
            &registered.auth_failures_total,
            wire.authentication_failures(),
        );
        advance(&registered.tls_sessions_total, wire.tls_sessions());
        let counters = engine.counters;
        advance(&registered.statements_total, counters.statements);
        advance(&registered.commits_total, counters.commits);
        advance(&registered.rollbacks_total, counters.rollbacks);
        advance(
            &registered.conflict_retries_total,
            counters.conflict_retries,
        );
        advance(
            &registered.gc_versions_collected_total,
            counters.versions_collected,
        );
        advance(&registered.gc_rows_collected_total, counters.rows_collected);
        for (class, count) in wire.errors_by_class() {
            advance(&registered.errors_total.with_label_values(&[&class]), count);
        }
        registered
            .durable_lsn
            .set(saturating_i64(engine.durable_lsn));
        registered
            .uptime_seconds
            .set(saturating_i64(engine.started.elapsed().as_secs()));
        registered.healthy.set(i64::from(engine.healthy));
        let checkpoints = &engine.checkpoints;
        for (reason, count) in &checkpoints.completed_by_reason {
            advance(
                &registered.checkpoints_total.with_label_values(&[reason]),
                *count,
            );
        }
        advance(&registered.checkpoint_failures_total, checkpoints.failures);
        registered
            .checkpoint_last_duration_seconds
            .set(checkpoints.last_duration_seconds);
        registered
            .checkpoint_last_bytes
            .set(saturating_i64(checkpoints.last_bytes));
        registered
            .wal_bytes_since_checkpoint
            .set(saturating_i64(checkpoints.wal_bytes_since_checkpoint));

        let mut text = Vec::new();
        if let Err(error) = TextEncoder::new().encode(&registered.registry.gather(), &mut text) {
            tracing::error!(%error, "could not encode metrics");
        }
        String::from_utf8_lossy(&text).into_owned()
    }
}

/// Moves a counter up to `target` (counters only go up).
fn advance(counter: &IntCounter, target: u64) {
    let current = counter.get();
    if target > current {
        counter.inc_by(target - current);
    }
}

fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_reports_every_metric() {
        let metrics = Metrics::new().expect("metric names are valid");
        let wire = WireMetrics::default();
        let sample = EngineSample {
            durable_lsn: 42,
            healthy: true,
            counters: EngineCounters {
                commits: 3,
                rollbacks: 1,
                statements: 9,
                conflict_retries: 0,
                versions_collected: 11,
                rows_collected: 2,
            },
            checkpoints: CheckpointSample {
                completed_by_reason: vec![("requested", 2), ("shutdown", 1)],
                failures: 1,
                last_duration_seconds: 0.25,
                last_bytes: 4096,
                wal_bytes_since_checkpoint: 777,
            },
            started: Instant::now(),
        };
        let text = metrics.render(&wire, sample.clone());
        for name in [
            "db001_connections ",
            "db001_connections_total ",
            "db001_connections_rejected_total ",
            "db001_auth_failures_total 0",
            "db001_tls_sessions_total 0",
            "db001_statements_total 9",
            "db001_commits_total 3",
            "db001_rollbacks_total 1",
            "db001_conflict_retries_total 0",
            "db001_gc_versions_collected_total 11",
            "db001_gc_rows_collected_total 2",
            "db001_durable_lsn 42",
            "db001_uptime_seconds ",
            "db001_healthy 1",
            "db001_checkpoints_total{reason=\"requested\"} 2",
            "db001_checkpoints_total{reason=\"shutdown\"} 1",
            "db001_checkpoint_failures_total 1",
            "db001_checkpoint_last_duration_seconds 0.25",
            "db001_checkpoint_last_bytes 4096",
            "db001_wal_bytes_since_checkpoint 777",
        ] {
            assert!(text.contains(name), "missing {name:?} in\n{text}");
        }
        assert!(text.contains("# TYPE db001_commits_total counter"));
        // Rendering twice does not double anything.
        let again = metrics.render(&wire, sample);
        assert!(again.contains("db001_commits_total 3"));
    }

    #[test]
    fn counters_follow_their_source_without_double_counting() {
        let counter = IntCounter::new("c", "help").expect("valid name");
        advance(&counter, 5);
        advance(&counter, 5);
        assert_eq!(counter.get(), 5);
        advance(&counter, 7);
        assert_eq!(counter.get(), 7);
        advance(&counter, 3);
        assert_eq!(counter.get(), 7, "a counter never goes down");
    }
}
