//! `tpcc run`: the measurement.
//!
//! 1. Read the load's NURand constants from `tpcc_load_info` and derive the run's (§2.1.6.1).
//! 2. Open one connection per terminal and prepare every statement on it; terminal `i` gets home
//!    warehouse `i % W + 1` and Stock-Level district `(i / W) % 10 + 1`, so with T ≥ W every
//!    warehouse has a terminal and (W, district) pairs for Stock-Level are distinct up to T = 10·W.
//! 3. Run all terminals for warm-up + duration; count what finishes inside the window.
//! 4. Merge the per-terminal statistics into a [`report::RunReport`].
//!
//! The terminals share nothing but three relaxed atomic counters read by the progress line.

pub mod inputs;
pub mod mix;
pub mod report;
pub mod statements;
pub mod terminal;
pub mod transactions;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::time::Instant;
use tokio_postgres::Client;

use crate::connection::connect;
use crate::data::NurandConstants;
use crate::error::DriverError;
use crate::rng::Rng;
use crate::schema::DISTRICTS_PER_WAREHOUSE;
use inputs::TerminalIdentity;
use report::{RunReport, RunShape, TerminalStats};
use statements::Statements;
use terminal::{LiveCounters, Terminal, Window};
use transactions::Session;

/// Transaction isolation level of every transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Isolation {
    /// PostgreSQL's default.
    #[default]
    ReadCommitted,
    /// Snapshot isolation.
    RepeatableRead,
    /// Serializable snapshot isolation.
    Serializable,
}

impl Isolation {
    /// Parses `read-committed`, `repeatable-read` or `serializable` (spaces or underscores also
    /// accepted).
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.to_ascii_lowercase().replace([' ', '_'], "-").as_str() {
            "read-committed" | "rc" => Ok(Isolation::ReadCommitted),
            "repeatable-read" | "rr" => Ok(Isolation::RepeatableRead),
            "serializable" => Ok(Isolation::Serializable),
            other => Err(format!(
                "unknown isolation level {other:?}; use read-committed, repeatable-read or serializable"
            )),
        }
    }

    /// The BEGIN statement.
    pub fn begin_sql(self) -> &'static str {
        match self {
            Isolation::ReadCommitted => "BEGIN ISOLATION LEVEL READ COMMITTED",
            Isolation::RepeatableRead => "BEGIN ISOLATION LEVEL REPEATABLE READ",
            Isolation::Serializable => "BEGIN ISOLATION LEVEL SERIALIZABLE",
        }
    }

    /// The level's SQL name.
    pub fn name(self) -> &'static str {
        match self {
            Isolation::ReadCommitted => "read committed",
            Isolation::RepeatableRead => "repeatable read",
            Isolation::Serializable => "serializable",
        }
    }
}

/// Options of `tpcc run`.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Server to measure.
    pub url: String,
    /// Warehouses to use; at most the number loaded.
    pub warehouses: i32,
    /// Terminals, one connection each.
    pub terminals: usize,
    /// Measurement window.
    pub duration: Duration,
    /// Warm-up before the window.
    pub warmup: Duration,
    /// Isolation level.
    pub isolation: Isolation,
    /// Seed of the terminals' random streams; random when absent.
    pub seed: Option<u64>,
    /// Retries of one transaction after 40001/40P01 before it counts as failed.
    pub max_retries: u32,
    /// How long after the window a running transaction may take before it is abandoned.
    pub grace: Duration,
    /// Print a progress line this often (to stderr).
    pub progress_interval: Option<Duration>,
}

/// The load's constants and scale, from `tpcc_load_info`.
async fn load_info(client: &Client) -> Result<(i32, NurandConstants), DriverError> {
    let sql = "SELECT warehouses, c_last_load, c_id_constant, ol_i_id_constant FROM tpcc_load_info";
    let row = client
        .query_opt(sql, &[])
        .await
        .map_err(|error| DriverError::database(sql, &error))?
        .ok_or_else(|| DriverError::new(sql, "tpcc_load_info is empty; run `tpcc load` first"))?;
    let value = |index: usize| -> Result<i32, DriverError> {
        row.try_get(index)
            .map_err(|error| DriverError::database(sql, &error))
    };
    Ok((
        value(0)?,
        NurandConstants {
            last_name: value(1)?,
            customer_id: value(2)?,
            item_id: value(3)?,
        },
    ))
}

async fn open_session(url: &str) -> Result<Session, DriverError> {
    let client = connect(url).await?;
    let statements = Statements::prepare(&client).await?;
    Ok(Session { client, statements })
}

/// Runs the benchmark and returns its report.
pub async fn run(options: &RunOptions) -> Result<RunReport, DriverError> {
    if options.warehouses < 1 || options.terminals < 1 {
        return Err(DriverError::new(
            "options",
            "--warehouses and --terminals must be at least 1",
        ));
    }
    let control = connect(&options.url).await?;
    let (loaded_warehouses, load_constants) = load_info(&control).await?;
    if options.warehouses > loaded_warehouses {
        return Err(DriverError::new(
            "options",
            format!(
                "--warehouses {} but the database holds {loaded_warehouses}",
                options.warehouses
            ),
        ));
    }
    let seed = options
        .seed
        .unwrap_or_else(|| Rng::from_entropy().next_u64());
    let mut rng = Rng::for_stream(seed, u64::MAX);
    let constants = NurandConstants::for_run(&load_constants, &mut rng);

    let mut opening = Vec::with_capacity(options.terminals);
    for _ in 0..options.terminals {
        let url = options.url.clone();
        opening.push(tokio::spawn(async move { open_session(&url).await }));
    }
    let live = Arc::new(LiveCounters::default());
    let mut terminals = Vec::with_capacity(options.terminals);
    for (index, handle) in opening.into_iter().enumerate() {
        let session = handle
            .await
            .map_err(|error| DriverError::new("open terminal", error.to_string()))??;
        let warehouses = options.warehouses;
        let identity = TerminalIdentity {
            warehouse_id: index as i32 % warehouses + 1,
            warehouses,
            stock_level_district_id: (index as i32 / warehouses) % DISTRICTS_PER_WAREHOUSE + 1,
            constants,
        };
        terminals.push(Terminal::new(
            session,
            identity,
            Rng::for_stream(seed, index as u64),
            options.isolation.begin_sql(),
            options.max_retries,
            Arc::clone(&live),
        ));
    }

    let start = Instant::now();
    let measure_start = start + options.warmup;
    let measure_end = measure_start + options.duration;
    let window = Window {
        measure_start,
        measure_end,
        hard_deadline: measure_end + options.grace,
    };
    let handles: Vec<_> = terminals
        .into_iter()
        .map(|terminal| tokio::spawn(terminal.run(window)))
        .collect();
    let reporter = options
        .progress_interval
        .map(|interval| tokio::spawn(report_progress(Arc::clone(&live), start, window, interval)));

    let mut merged = TerminalStats::default();
    let mut terminals_lost = 0;
    for handle in handles {
        let stats = handle
            .await
            .map_err(|error| DriverError::new("terminal", error.to_string()))?;
        terminals_lost += usize::from(stats.connection_lost);
        merged.merge(&stats);
    }
    if let Some(reporter) = reporter {
        reporter.abort();
    }
    let shape = RunShape {
        warehouses: options.warehouses,
        terminals: options.terminals,
        duration_seconds: options.duration.as_secs_f64(),
        warmup_seconds: options.warmup.as_secs_f64(),
        isolation: options.isolation.name().to_owned(),
    };
    Ok(RunReport::new(&shape, &merged, terminals_lost))
}

async fn report_progress(
    live: Arc<LiveCounters>,
    start: Instant,
    window: Window,
    interval: Duration,
) {
    let mut previous_new_orders = 0;
    let mut ticker = tokio::time::interval_at(start + interval, interval);
    while Instant::now() < window.measure_end {
        ticker.tick().await;
        let new_orders = live.new_orders.load(Ordering::Relaxed);
        let phase = if Instant::now() < window.measure_start {
            "warm-up"
        } else {
            "measuring"
        };
        eprintln!(
            "[{:>5.0} s] {phase}: tpmC (last {:.0} s) {:.0}, transactions {}, errors {}",
            start.elapsed().as_secs_f64(),
            interval.as_secs_f64(),
            (new_orders - previous_new_orders) as f64 * 60.0 / interval.as_secs_f64(),
            live.transactions.load(Ordering::Relaxed),
            live.errors.load(Ordering::Relaxed),
        );
        previous_new_orders = new_orders;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolation_levels_parse() {
        assert_eq!(
            Isolation::parse("read-committed"),
            Ok(Isolation::ReadCommitted)
        );
        assert_eq!(
            Isolation::parse("REPEATABLE READ"),
            Ok(Isolation::RepeatableRead)
        );
        assert_eq!(
            Isolation::parse("serializable"),
            Ok(Isolation::Serializable)
        );
        assert!(Isolation::parse("snapshot").is_err());
        assert!(
            Isolation::Serializable
                .begin_sql()
                .ends_with("SERIALIZABLE")
        );
    }
}
