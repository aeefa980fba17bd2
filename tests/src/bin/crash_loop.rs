//! `crash_loop`: the crash check of `tests/tests/crash.rs` for as long as you like.
//!
//! Runs [`db001_tests::crash::CrashLoop`] (concurrent workload, `kill -9` after a random
//! interval or at an injected crash point, restart, verify every acknowledged commit and every
//! invariant listed in that module's docs) until a cycle count or a duration is reached, or
//! until the first violation, which it prints with the seed and exits 1.
//!
//! `--crash-points mixed` (the default) alternates: odd cycles kill at a random moment, even
//! cycles arm the next injected crash point in turn (`db001_wal::crash_point`, every point
//! in order, round and round); `each` arms a point in every cycle; `off` only kills at random
//! moments. `tests/crash-torture-long.sh CYCLES` runs it in release mode.
//!
//! ```sh
//! # a release server (faster cycles), an hour, 8 workers:
//! cargo build --release -p db001-server --bin db001
//! cargo run --release -p db001-tests --bin crash_loop -- --duration 1h --workers 8
//! # replay a failing seed with the asynchronous-commit variant:
//! cargo run -p db001-tests --bin crash_loop -- --cycles 200 --seed 1234 --synchronous-commit off
//! ```
//!
//! Options: `--cycles N`, `--duration N[s|m|h]` (default: 100 cycles when neither is given;
//! with both, whichever comes first), `--seed N` (default `$DB001_CRASH_SEED` or the clock),
//! `--workers N` (6), `--synchronous-commit on|off` (on), `--checkpoints on|off` (on: a
//! concurrent CHECKPOINT loop, see the crash module), `--min-run-ms N` (50),
//! `--max-run-ms N` (400). The `db001` binary is built into the same target directory and
//! profile unless `DB001_BIN` names one. SIGINT or SIGTERM stops it after the current cycle,
//! with the server stopped and its data directory removed.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use db001_tests::crash::{CrashLoop, Settings, seed_from_env};
use db001_wal::crash_point::CrashPoint;

/// Cycles when neither `--cycles` nor `--duration` is given.
const DEFAULT_CYCLES: u64 = 100;

/// Which cycles arm an injected crash point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CrashPoints {
    Off,
    Each,
    Mixed,
}

impl CrashPoints {
    /// The point cycle `cycle` (counted from 0) arms.
    fn for_cycle(self, cycle: u64) -> Option<CrashPoint> {
        let points = CrashPoint::ALL.len() as u64;
        match self {
            CrashPoints::Off => None,
            CrashPoints::Each => Some(CrashPoint::ALL[(cycle % points) as usize]),
            CrashPoints::Mixed if cycle % 2 == 1 => {
                Some(CrashPoint::ALL[((cycle / 2) % points) as usize])
            }
            CrashPoints::Mixed => None,
        }
    }
}

/// What the command line asked for.
#[derive(Debug)]
struct Options {
    settings: Settings,
    cycles: Option<u64>,
    duration: Option<Duration>,
    crash_points: CrashPoints,
}

fn usage() -> &'static str {
    "usage: crash_loop [--cycles N] [--duration N[s|m|h]] [--seed N] [--workers N] \
     [--synchronous-commit on|off] [--checkpoints on|off] [--filler on|off] \
     [--crash-points off|each|mixed] [--min-run-ms N] [--max-run-ms N] \
     [--server-arg ARG]... (e.g. --server-arg --wal-sync-method --server-arg open_datasync)"
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let number: u64 = number
        .parse()
        .map_err(|_| format!("bad duration {text:?}"))?;
    let seconds = match unit {
        "s" => number,
        "m" => number * 60,
        "h" => number * 3600,
        _ => return Err(format!("bad duration unit in {text:?} (use s, m or h)")),
    };
    Ok(Duration::from_secs(seconds))
}

fn parse(arguments: &[String]) -> Result<Options, String> {
    let mut settings = Settings::new(seed_from_env("DB001_CRASH_SEED")?);
    let mut cycles = None;
    let mut duration = None;
    let mut crash_points = CrashPoints::Mixed;
    let mut rest = arguments.iter();
    while let Some(flag) = rest.next() {
        let value = rest
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{}", usage()))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag} needs a number, not {value:?}"))
        };
        match flag.as_str() {
            "--cycles" => cycles = Some(number()?),
            "--duration" => duration = Some(parse_duration(value)?),
            "--seed" => settings.seed = number()?,
            "--workers" => {
                settings.workers = usize::try_from(number()?)
                    .ok()
                    .filter(|&workers| (1..=64).contains(&workers))
                    .ok_or("--workers must be between 1 and 64")?
            }
            "--synchronous-commit" => {
                settings.synchronous_commit = match value.as_str() {
                    "on" => true,
                    "off" => false,
                    _ => return Err("--synchronous-commit takes on or off".to_owned()),
                }
            }
            "--checkpoints" => {
                settings.checkpoints = match value.as_str() {
                    "on" => true,
                    "off" => false,
                    _ => return Err("--checkpoints takes on or off".to_owned()),
                }
            }
            "--filler" => {
                settings.filler = match value.as_str() {
                    "on" => true,
                    "off" => false,
                    _ => return Err("--filler takes on or off".to_owned()),
                }
            }
            "--crash-points" => {
                crash_points = match value.as_str() {
                    "off" => CrashPoints::Off,
                    "each" => CrashPoints::Each,
                    "mixed" => CrashPoints::Mixed,
                    _ => return Err("--crash-points takes off, each or mixed".to_owned()),
                }
            }
            "--server-arg" => settings.server_args.push(value.clone()),
            "--min-run-ms" => settings.min_run = Duration::from_millis(number()?),
            "--max-run-ms" => settings.max_run = Duration::from_millis(number()?),
            _ => return Err(format!("unknown option {flag}\n{}", usage())),
        }
    }
    if settings.min_run > settings.max_run {
        return Err("--min-run-ms exceeds --max-run-ms".to_owned());
    }
    if cycles.is_none() && duration.is_none() {
        cycles = Some(DEFAULT_CYCLES);
    }
    Ok(Options {
        settings,
        cycles,
        duration,
        crash_points,
    })
}

/// A flag set on SIGINT or SIGTERM, so the loop ends after the current cycle and the server
/// and its data directory are cleaned up (the default action would orphan the server).
fn stop_on_signal() -> Arc<AtomicBool> {
    let flag = Arc::new(AtomicBool::new(false));
    let set = Arc::clone(&flag);
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut interrupt), Ok(mut terminate)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            eprintln!("crash_loop: cannot install signal handlers; stop it with SIGKILL");
            return;
        };
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        set.store(true, Ordering::SeqCst);
    });
    flag
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() -> ExitCode {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if arguments.iter().any(|argument| argument == "--help") {
        println!("{}", usage());
        return ExitCode::SUCCESS;
    }
    let options = match parse(&arguments) {
        Ok(options) => options,
        Err(error) => {
            eprintln!("crash_loop: {error}");
            return ExitCode::from(2);
        }
    };
    let seed = options.settings.seed;
    println!(
        "crash_loop: seed {seed}, {} workers, synchronous_commit {}, runs of {}-{} ms",
        options.settings.workers,
        if options.settings.synchronous_commit {
            "on"
        } else {
            "off"
        },
        options.settings.min_run.as_millis(),
        options.settings.max_run.as_millis()
    );
    let started = Instant::now();
    let mut crash = match CrashLoop::start(options.settings).await {
        Ok(crash) => crash,
        Err(error) => {
            eprintln!("crash_loop: {error}");
            return ExitCode::FAILURE;
        }
    };
    let interrupted = stop_on_signal();
    let (mut acknowledged, mut lost, mut cycles) = (0, 0, 0_u64);
    // Per crash point: cycles armed, cycles it fired.
    let mut injected: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
    loop {
        if interrupted.load(Ordering::SeqCst) {
            println!("crash_loop: interrupted; stopping after {cycles} cycles");
            break;
        }
        if options.cycles.is_some_and(|limit| cycles >= limit)
            || options
                .duration
                .is_some_and(|limit| started.elapsed() >= limit)
        {
            break;
        }
        match crash.cycle_at(options.crash_points.for_cycle(cycles)).await {
            Ok(report) => {
                println!("{report}");
                if let Some(point) = report.injected {
                    let entry = injected.entry(point.name()).or_insert((0, 0));
                    entry.0 += 1;
                    entry.1 += u64::from(report.injected_fired);
                }
                acknowledged += report.acknowledged;
                lost += report.acknowledged_lost;
                cycles += 1;
            }
            Err(error) => {
                eprintln!("crash_loop: FAILED after {cycles} good cycles\n{error}");
                let log = crash.server().log();
                let tail: Vec<&str> = log.lines().rev().take(40).collect();
                eprintln!("---- last lines of the db001 log ----");
                for line in tail.iter().rev() {
                    eprintln!("{line}");
                }
                eprintln!("replay with: crash_loop --seed {seed}");
                return ExitCode::FAILURE;
            }
        }
    }
    for (name, (armed, fired)) in &injected {
        println!("crash_loop: crash point {name}: fired in {fired} of {armed} cycles");
    }
    println!(
        "crash_loop: {cycles} cycles in {:.1} s, {acknowledged} operations acknowledged, {lost} \
         acknowledged lost, seed {seed}: OK",
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
