//! The `tpcc` command: `load`, `run` and `check` (see the library's documentation).
//!
//! Exit status: 0 on success; 1 when the command failed, a run recorded errors or lost
//! terminals, or a consistency condition does not hold; 2 for bad arguments. With `--json FILE`
//! the report is also written as JSON — on failure as `{"benchmark": ..., "error": {...}}`
//! naming the step or statement that failed, so scripts can report it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use serde::Serialize;
use tpcc::check::check;
use tpcc::duration::parse_duration;
use tpcc::error::DriverError;
use tpcc::load::{LoadOptions, load};
use tpcc::run::{Isolation, RunOptions, run};

#[derive(Debug, Parser)]
#[command(name = "tpcc", about = "TPC-C driver for PostgreSQL-protocol servers")]
struct Arguments {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create the nine tables and load the initial population.
    Load {
        /// Server URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres
        #[arg(long)]
        url: String,
        /// Scale factor.
        #[arg(long)]
        warehouses: i32,
        /// Parallel loading connections.
        #[arg(long, default_value_t = 4)]
        threads: usize,
        /// Seed for a reproducible population.
        #[arg(long)]
        seed: Option<u64>,
        /// Rows per INSERT when the server has no COPY.
        #[arg(long, default_value_t = 100)]
        insert_batch_rows: usize,
        /// Use INSERT even if the server supports COPY.
        #[arg(long)]
        force_insert: bool,
        /// Do not draw a progress bar.
        #[arg(long)]
        no_progress: bool,
        /// Tokio worker threads of the driver (1 = single-threaded).
        #[arg(long, default_value_t = 2)]
        driver_threads: usize,
        /// Also write the report as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Run the transaction mix and report tpmC, TPS and latencies.
    Run {
        /// Server URL.
        #[arg(long)]
        url: String,
        /// Warehouses to use (at most the number loaded).
        #[arg(long)]
        warehouses: i32,
        /// Terminals, one connection each.
        #[arg(long)]
        terminals: usize,
        /// Measurement window, e.g. 60s.
        #[arg(long, default_value = "60s", value_parser = parse_duration)]
        duration: Duration,
        /// Warm-up before the window.
        #[arg(long, default_value = "10s", value_parser = parse_duration)]
        warmup: Duration,
        /// read-committed, repeatable-read or serializable.
        #[arg(long, default_value = "read-committed", value_parser = Isolation::parse)]
        isolation: Isolation,
        /// Seed of the terminals' random streams.
        #[arg(long)]
        seed: Option<u64>,
        /// Retries after 40001/40P01 before a transaction counts as failed.
        #[arg(long, default_value_t = 20)]
        max_retries: u32,
        /// Time a transaction may still run after the window before it is abandoned.
        #[arg(long, default_value = "30s", value_parser = parse_duration)]
        grace: Duration,
        /// Progress line interval on stderr (0 = none).
        #[arg(long, default_value = "10s", value_parser = parse_duration)]
        progress_interval: Duration,
        /// Tokio worker threads of the driver (1 = single-threaded).
        #[arg(long, default_value_t = 1)]
        driver_threads: usize,
        /// Also write the report as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Verify consistency conditions 1-4 (§3.3.2).
    Check {
        /// Server URL.
        #[arg(long)]
        url: String,
        /// Also write the report as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

#[derive(Serialize)]
struct FailureReport<'a> {
    benchmark: &'a str,
    error: &'a DriverError,
}

fn write_json(path: &Option<PathBuf>, value: &impl Serialize) -> Result<(), String> {
    let Some(path) = path else {
        return Ok(());
    };
    let text = serde_json::to_string_pretty(value).map_err(|error| error.to_string())?;
    std::fs::write(path, text + "\n").map_err(|error| format!("cannot write {path:?}: {error}"))
}

fn runtime(threads: usize) -> Result<tokio::runtime::Runtime, String> {
    let built = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()
    };
    built.map_err(|error| format!("cannot start the tokio runtime: {error}"))
}

/// Prints a failure, writes it as JSON if asked, and returns exit status 1.
fn fail(benchmark: &str, json: &Option<PathBuf>, error: &DriverError) -> ExitCode {
    eprintln!("{benchmark} failed: {error}");
    if let Err(problem) = write_json(json, &FailureReport { benchmark, error }) {
        eprintln!("{problem}");
    }
    ExitCode::FAILURE
}

fn finish(json: &Option<PathBuf>, value: &impl Serialize, success: bool) -> ExitCode {
    if let Err(problem) = write_json(json, value) {
        eprintln!("{problem}");
        return ExitCode::FAILURE;
    }
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    let arguments = Arguments::parse();
    match arguments.command {
        Command::Load {
            url,
            warehouses,
            threads,
            seed,
            insert_batch_rows,
            force_insert,
            no_progress,
            driver_threads,
            json,
        } => {
            let options = LoadOptions {
                url,
                warehouses,
                threads,
                seed,
                insert_batch_rows,
                force_insert,
                progress: !no_progress,
            };
            let result = runtime(driver_threads)
                .map_err(|message| DriverError::new("runtime", message))
                .and_then(|runtime| runtime.block_on(load(&options)));
            match result {
                Ok(report) => {
                    println!(
                        "loaded {} warehouses: {} rows in {:.1} s ({:.0} rows/s, {}, seed {})",
                        report.warehouses,
                        report.rows,
                        report.seconds,
                        report.rows_per_second,
                        report.method,
                        report.seed
                    );
                    if let Some(warning) = &report.analyze_warning {
                        eprintln!("warning: {warning}");
                    }
                    finish(&json, &report, true)
                }
                Err(error) => fail("tpcc-load", &json, &error),
            }
        }
        Command::Run {
            url,
            warehouses,
            terminals,
            duration,
            warmup,
            isolation,
            seed,
            max_retries,
            grace,
            progress_interval,
            driver_threads,
            json,
        } => {
            let options = RunOptions {
                url,
                warehouses,
                terminals,
                duration,
                warmup,
                isolation,
                seed,
                max_retries,
                grace,
                progress_interval: (!progress_interval.is_zero()).then_some(progress_interval),
            };
            let result = runtime(driver_threads)
                .map_err(|message| DriverError::new("runtime", message))
                .and_then(|runtime| runtime.block_on(run(&options)));
            match result {
                Ok(report) => {
                    print!("{}", report.to_text());
                    let clean = report.errors == 0 && report.terminals_lost == 0;
                    finish(&json, &report, clean)
                }
                Err(error) => fail("tpcc", &json, &error),
            }
        }
        Command::Check { url, json } => {
            let result = runtime(1)
                .map_err(|message| DriverError::new("runtime", message))
                .and_then(|runtime| runtime.block_on(check(&url)));
            match result {
                Ok(report) => {
                    print!("{}", report.to_text());
                    if report.passed {
                        println!("all consistency conditions hold");
                    } else {
                        let failed: Vec<String> = report
                            .conditions
                            .iter()
                            .filter(|condition| !condition.passed())
                            .map(|condition| condition.number.to_string())
                            .collect();
                        eprintln!("consistency conditions failed: {}", failed.join(", "));
                    }
                    finish(&json, &report, report.passed)
                }
                Err(error) => fail("tpcc-check", &json, &error),
            }
        }
    }
}
