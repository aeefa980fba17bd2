//! The `ycsb` command: `ycsb load|run --url URL --workload a..f --records N --operations M
//! --threads T [--json FILE]`.
//!
//! Exit status: 0 on success; 1 when the command failed or any operation failed; 2 for bad
//! arguments. With `--json` the report (or `{"benchmark": "ycsb", "error": {...}}`) is written
//! to the file.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use db001_benches::ycsb::workload::WorkloadSpec;
use db001_benches::ycsb::{YcsbOptions, load, run};
use serde::Serialize;
use tpcc::duration::parse_duration;
use tpcc::error::DriverError;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Phase {
    /// Create usertable and insert the records.
    Load,
    /// Run the workload.
    Run,
}

#[derive(Debug, Parser)]
#[command(
    name = "ycsb",
    about = "YCSB core workloads against a PostgreSQL-protocol server"
)]
struct Arguments {
    /// load or run.
    phase: Phase,
    /// Server URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres
    #[arg(long)]
    url: String,
    /// Core workload a, b, c, d, e or f.
    #[arg(long, default_value = "a", value_parser = WorkloadSpec::core)]
    workload: WorkloadSpec,
    /// Records to load, or present in the table for run.
    #[arg(long, default_value_t = 100_000)]
    records: u64,
    /// Operations in total for run.
    #[arg(long, default_value_t = 100_000)]
    operations: u64,
    /// Client threads (one connection each).
    #[arg(long, default_value_t = 4)]
    threads: usize,
    /// Stop run after this long even if operations remain (e.g. 60s).
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,
    /// Rows per INSERT statement during load.
    #[arg(long, default_value_t = 50)]
    batch_rows: usize,
    /// Seed of the random streams.
    #[arg(long)]
    seed: Option<u64>,
    /// Per-operation timeout.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    operation_timeout: Duration,
    /// Progress line interval on stderr (0 = none).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    progress_interval: Duration,
    /// Tokio worker threads of the driver (1 = single-threaded).
    #[arg(long, default_value_t = 1)]
    driver_threads: usize,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Serialize)]
struct FailureReport<'a> {
    benchmark: &'a str,
    phase: &'a str,
    error: &'a DriverError,
}

fn write_json(path: &Option<PathBuf>, value: &impl Serialize) -> Result<(), String> {
    let Some(path) = path else {
        return Ok(());
    };
    let text = serde_json::to_string_pretty(value).map_err(|error| error.to_string())?;
    std::fs::write(path, text + "\n").map_err(|error| format!("cannot write {path:?}: {error}"))
}

fn main() -> ExitCode {
    let arguments = Arguments::parse();
    let options = YcsbOptions {
        url: arguments.url,
        workload: arguments.workload,
        records: arguments.records,
        operations: arguments.operations,
        threads: arguments.threads.max(1),
        duration: arguments.duration,
        batch_rows: arguments.batch_rows.max(1),
        seed: arguments.seed,
        operation_timeout: arguments.operation_timeout,
        progress_interval: (!arguments.progress_interval.is_zero())
            .then_some(arguments.progress_interval),
    };
    let runtime = if arguments.driver_threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(arguments.driver_threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let (phase_name, result) = match arguments.phase {
        Phase::Load => ("load", runtime.block_on(load(&options))),
        Phase::Run => ("run", runtime.block_on(run(&options))),
    };
    match result {
        Ok(report) => {
            print!("{}", report.to_text());
            if let Err(problem) = write_json(&arguments.json, &report) {
                eprintln!("{problem}");
                return ExitCode::FAILURE;
            }
            if report.errors == 0 && report.threads_lost == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("ycsb {phase_name} failed: {error}");
            let failure = FailureReport {
                benchmark: "ycsb",
                phase: phase_name,
                error: &error,
            };
            if let Err(problem) = write_json(&arguments.json, &failure) {
                eprintln!("{problem}");
            }
            ExitCode::FAILURE
        }
    }
}
