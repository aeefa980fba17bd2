//! # Crash checking: a concurrent workload, `kill -9`, restart, verify
//!
//! The promise under test (README, `db001_engine`): a commit is acknowledged only after its WAL
//! record is written, and replay on start brings back exactly the acknowledged commits, each
//! transaction whole or not at all. [`CrashLoop`] checks it the way a user would meet it:
//!
//! 1. **Workload.** [`Settings::workers`] clients each run a sequential stream of operations
//!    (see `workload`): single-row autocommit inserts into `ledger` with unique ids,
//!    increments of the worker's own row in `counters`, transactions that insert 2–3 rows *and*
//!    increment the counter (sent either as one simple query `BEGIN; INSERT; INSERT; UPDATE;
//!    COMMIT` or step by step over the extended protocol), transactions that insert and
//!    then roll back, and bank transfers: `BEGIN; UPDATE accounts` (debit and credit, lower
//!    account first) `; INSERT INTO ledger; COMMIT`, whose accounts and amount follow from the
//!    ledger id. Each operation is stamped from one shared logical clock when it is sent
//!    and when it is acknowledged.
//!    With [`Settings::filler`] one more client overwrites 60 kB rows of `filler` back to back,
//!    so WAL segments switch and `max_wal_size` checkpoints start several times a second.
//!    With [`Settings::checkpoints`] one more client runs `CHECKPOINT` back to back, on a
//!    server with 1 MB WAL segments and `max_wal_size = 1MB`, so checkpoints (and segment
//!    removal) run during the workload and the kill often lands inside one: the report counts
//!    the kills that left an unfinished `*.ckpt.tmp` behind.
//! 2. **Crash.** After a random 50–400 ms the server gets SIGKILL. An operation whose answer
//!    never came is *in flight*; a transaction whose COMMIT was never sent (or that rolled
//!    back) is *not committed*. Or, in a cycle with an injected crash point
//!    ([`CrashLoop::cycle_at`]), the server was restarted with `DB001_CRASH_AT=<point>:<n>`
//!    (`db001_wal::crash_point`: before the WAL write, between write and fsync, between fsync
//!    and acknowledgement, inside a checkpoint, inside a segment switch) and kills itself
//!    with SIGKILL the `n`-th time it gets there; the report says whether it fired.
//! 3. **Restart** on the same data directory, which replays the WAL; in one cycle of four the
//!    recovered server is killed again at once and restarted once more.
//! 4. **Verify** (see `verify`): a full scan has no duplicate and no unknown row, and every row
//!    has the content it was inserted with; every row verified in an earlier cycle is still
//!    there; uncommitted rows are absent; each transaction is all-or-nothing across both
//!    tables; per worker, what survived is a *prefix* of what it sent, and the counter equals
//!    the increments in that prefix; across workers, no acknowledged operation is lost while
//!    one sent after that acknowledgment survived (a redo log replays a prefix: no holes);
//!    with `synchronous_commit = on` every acknowledged operation survived, so counters lie
//!    between the acknowledged increments and those plus the in-flight ones; `count(*)`
//!    equals the scan; point lookups through the primary-key index agree with the scan for a
//!    random sample of present and absent ids, and per-worker counts by index range scans
//!    agree with a `GROUP BY worker` over a sequential scan. The bank: the total balance is
//!    conserved, every account holds its initial balance plus exactly the transfers whose
//!    ledger rows survived (so a transfer is whole or absent across both tables), and lookups
//!    through `accounts_pkey` agree with the scan. Every `filler` row is present once, empty
//!    or one whole value. (`EXPLAIN` is checked once at the start to make sure these queries
//!    really take those access paths.)
//! 5. The workload continues on the recovered server; the next cycle starts from what was
//!    verified.
//!
//! ## `synchronous_commit = off`
//!
//! Then a commit is acknowledged before its WAL record is written (the WAL writer flushes
//! within `wal_writer_delay`), so a crash may lose acknowledged commits: that is the setting's
//! documented trade, as in PostgreSQL. Only consistency is asserted: all-or-nothing, the prefix
//! (no holes), index agreement, and that nothing verified earlier disappears. The report counts
//! the acknowledged commits that were lost, which shows the mode was really in effect.
//!
//! ## What a `kill -9` can and cannot show
//!
//! SIGKILL ends the process but not the machine: data the server passed to `write(2)` survives
//! in the page cache even if it was never fsynced. So this checks the ordering "written before
//! acknowledged" and the replay, not that `fsync` reaches the disk; torn and lost writes are the
//! WAL crate's fault-injection tests' business.
//!
//! ## Replaying a failure
//!
//! Every random choice (operation mix, ids' order, run lengths, samples) comes from a
//! [`Rng`] seeded by [`Settings::seed`], printed in every failure. The interleaving of the
//! workers and the instant of the kill depend on timing, so a seed replays the same workload,
//! not the same schedule. Long runs outside CI use the `crash_loop` binary
//! (`tests/src/bin/crash_loop.rs`).

mod verify;
mod workload;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use db001_wal::crash_point::{CRASH_AT_VARIABLE, CrashPoint};

use crate::{TestServer, error_text};
use verify::Model;
use workload::{ACCOUNTS, INITIAL_BALANCE, Shared, WorkerRun};

/// How long the workers may take to notice the crash once the server is gone.
pub const WORKER_STOP_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest a cycle with an armed crash point waits for it to fire before it kills the
/// server itself (the report then says the point did not fire).
pub const INJECTED_RUN_MAX: Duration = Duration::from_secs(15);

/// How long the server's last log lines may take to reach the collected log after it exits.
const LOG_SETTLE: Duration = Duration::from_secs(5);

/// Rows of `filler`, which the filler client overwrites round-robin.
const FILLER_ROWS: i32 = 16;
/// Bytes of each `filler.pad` value: about 16 updates fill a 1 MB segment.
const FILLER_BYTES: usize = 60_000;

/// What a [`CrashLoop`] runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Seeds every random choice; print it to replay.
    pub seed: u64,
    /// Concurrent clients (each with its own counter row).
    pub workers: usize,
    /// Starts the server with `--synchronous-commit on|off` (see the module docs).
    pub synchronous_commit: bool,
    /// The shortest workload run before a kill.
    pub min_run: Duration,
    /// The longest workload run before a kill.
    pub max_run: Duration,
    /// Runs `CHECKPOINT` concurrently with the workload (see the module docs).
    pub checkpoints: bool,
    /// Runs the filler client: 60 kB row updates, so WAL segments switch (and `max_wal_size`
    /// checkpoints start) several times a second.
    pub filler: bool,
    /// More server flags, e.g. `["--wal-sync-method", "open_datasync"]`.
    pub server_args: Vec<String>,
}

impl Settings {
    /// Six workers, `synchronous_commit = on`, runs of 50–400 ms, concurrent checkpoints.
    pub fn new(seed: u64) -> Settings {
        Settings {
            seed,
            workers: 6,
            synchronous_commit: true,
            min_run: Duration::from_millis(50),
            max_run: Duration::from_millis(400),
            checkpoints: true,
            filler: true,
            server_args: Vec::new(),
        }
    }
}

/// The seed in environment variable `variable` (decimal), or a fresh one from the clock.
pub fn seed_from_env(variable: &str) -> Result<u64, String> {
    match std::env::var(variable) {
        Ok(text) => text
            .trim()
            .parse()
            .map_err(|error| format!("{variable}={text:?} is not a u64 seed: {error}")),
        Err(_) => {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_nanos() as u64);
            Ok(Rng::new(nanos ^ u64::from(std::process::id())).next_u64())
        }
    }
}

/// SplitMix64: small, fast and good enough to pick operations; reproducible from its seed.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound > 0`; the modulo bias is irrelevant here).
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "Rng::below needs a positive bound");
        self.next_u64() % bound
    }

    /// An independent generator derived from this one.
    pub fn fork(&mut self) -> Rng {
        Rng::new(self.next_u64())
    }

    /// Up to `count` items of `items`, chosen with replacement.
    pub fn sample<T: Copy>(&mut self, items: &[T], count: usize) -> Vec<T> {
        if items.is_empty() {
            return Vec::new();
        }
        (0..count)
            .map(|_| items[self.below(items.len() as u64) as usize])
            .collect()
    }
}

/// What one cycle did and found.
#[derive(Debug, Clone, Default)]
pub struct CycleReport {
    pub cycle: u64,
    pub run: Duration,
    /// Commits acknowledged (autocommit statements and transactions).
    pub acknowledged: usize,
    /// Operations without an answer when the server died.
    pub in_flight: usize,
    /// In-flight operations found committed after the restart.
    pub in_flight_survived: usize,
    /// Acknowledged commits missing after the restart (always 0 with `synchronous_commit = on`,
    /// or the cycle fails).
    pub acknowledged_lost: usize,
    /// Rows in `ledger` after the restart.
    pub rows: usize,
    /// Whether the server was killed again right after recovering (and restarted again).
    pub crashed_after_recovery: bool,
    /// `CHECKPOINT`s completed during the run.
    pub checkpoints: usize,
    /// Whether the kill interrupted a checkpoint (an unfinished checkpoint file was left).
    pub killed_during_checkpoint: bool,
    pub restart: Duration,
    pub verify: Duration,
    /// The crash point armed for this cycle (`DB001_CRASH_AT`), if any...
    pub injected: Option<CrashPoint>,
    /// ...and whether it fired (else the server was killed after [`INJECTED_RUN_MAX`]).
    pub injected_fired: bool,
    /// Filler updates acknowledged during the run.
    pub filler_updates: usize,
}

impl fmt::Display for CycleReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(point) = self.injected {
            write!(
                f,
                "[{} {}] ",
                point.name(),
                if self.injected_fired {
                    "fired"
                } else {
                    "did not fire"
                }
            )?;
        }
        write!(
            f,
            "cycle {}: ran {} ms, {} acknowledged, {} in flight ({} survived), {} acknowledged \
             lost; {} rows; {} checkpoints{}; restart {} ms{}, verify {} ms",
            self.cycle,
            self.run.as_millis(),
            self.acknowledged,
            self.in_flight,
            self.in_flight_survived,
            self.acknowledged_lost,
            self.rows,
            self.checkpoints,
            if self.killed_during_checkpoint {
                " (killed during one)"
            } else {
                ""
            },
            self.restart.as_millis(),
            if self.crashed_after_recovery {
                " (killed once more after recovery)"
            } else {
                ""
            },
            self.verify.as_millis()
        )
    }
}

/// A server, the model of what it must hold, and the loop of workload, kill, restart, verify.
#[derive(Debug)]
pub struct CrashLoop {
    settings: Settings,
    server: TestServer,
    model: Model,
    rng: Rng,
    cycles: u64,
}

impl CrashLoop {
    /// Starts a server, creates the schema durably and checks that the verification queries
    /// use the access paths they are meant to compare.
    pub async fn start(settings: Settings) -> Result<CrashLoop, String> {
        assert!(settings.workers > 0, "at least one worker");
        assert!(
            settings.min_run <= settings.max_run,
            "min_run must not exceed max_run"
        );
        let synchronous = if settings.synchronous_commit {
            "on"
        } else {
            "off"
        };
        let mut args = vec!["--synchronous-commit", synchronous];
        if settings.checkpoints {
            args.extend(["--wal-segment-size", "1MB", "--max-wal-size", "1MB"]);
        }
        args.extend(settings.server_args.iter().map(String::as_str));
        let server = TestServer::start_with_args(&args);
        let client = server.client().await;
        // The schema must survive the first kill whatever the server's default is.
        let values = |rows: Vec<String>| rows.join(", ");
        let setup = format!(
            "SET synchronous_commit = on;
             CREATE TABLE ledger (id bigint PRIMARY KEY, worker int NOT NULL, n int NOT NULL);
             CREATE TABLE counters (worker int PRIMARY KEY, n bigint NOT NULL DEFAULT 0);
             INSERT INTO counters (worker) VALUES {};
             CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL);
             INSERT INTO accounts VALUES {};
             CREATE TABLE filler (id int PRIMARY KEY, pad text NOT NULL);
             INSERT INTO filler VALUES {};",
            values(
                (0..settings.workers)
                    .map(|worker| format!("({worker})"))
                    .collect()
            ),
            values(
                (0..ACCOUNTS)
                    .map(|account| format!("({account}, {INITIAL_BALANCE})"))
                    .collect()
            ),
            values((0..FILLER_ROWS).map(|row| format!("({row}, '')")).collect()),
        );
        client
            .batch_execute(&setup)
            .await
            .map_err(|error| format!("creating the schema failed: {}", error_text(&error)))?;
        let shown = show(&client, "synchronous_commit").await?;
        if shown != "on" {
            return Err(format!(
                "SET synchronous_commit = on left it {shown:?} in the setup session"
            ));
        }
        verify::check_plans(&client).await?;
        drop(client);
        let client = server.client().await;
        let shown = show(&client, "synchronous_commit").await?;
        if shown != synchronous {
            return Err(format!(
                "--synchronous-commit {synchronous} gave sessions synchronous_commit = {shown:?}"
            ));
        }
        let rng = Rng::new(settings.seed);
        let model = Model::new(settings.workers);
        Ok(CrashLoop {
            settings,
            server,
            model,
            rng,
            cycles: 0,
        })
    }

    /// The server under test.
    pub fn server(&self) -> &TestServer {
        &self.server
    }

    /// One cycle: run the workload, kill -9, restart, verify. The error lists every violation
    /// found, with the seed.
    pub async fn cycle(&mut self) -> Result<CycleReport, String> {
        self.cycle_at(None).await
    }

    /// One cycle; with `Some(point)`, the server is first restarted (by `kill -9`) with
    /// `DB001_CRASH_AT=<point>:<countdown>` for a random countdown, and the workload runs until
    /// the server kills itself there (or [`INJECTED_RUN_MAX`] passes). The restart after it is
    /// unarmed. Then the same verification as for a random kill.
    pub async fn cycle_at(&mut self, point: Option<CrashPoint>) -> Result<CycleReport, String> {
        self.cycles += 1;
        let cycle = self.cycles;
        let (seed, synchronous) = (self.settings.seed, self.settings.synchronous_commit);
        let context = move |message: String| {
            format!(
                "crash cycle {cycle} (seed {seed}, synchronous_commit {}): {message}",
                if synchronous { "on" } else { "off" }
            )
        };
        let span = self.settings.max_run - self.settings.min_run;
        let run = self.settings.min_run
            + Duration::from_millis(self.rng.below(span.as_millis() as u64 + 1));

        if let Some(point) = point {
            let countdown = 1 + match point {
                CrashPoint::WalBeforeWrite
                | CrashPoint::WalBeforeFsync
                | CrashPoint::WalBeforeAcknowledge => self.rng.below(150),
                CrashPoint::SegmentBeforeRename | CrashPoint::SegmentBeforeFirstWrite => {
                    self.rng.below(3)
                }
                CrashPoint::CheckpointBeforePublish | CrashPoint::CheckpointBeforeRetire => {
                    self.rng.below(8)
                }
            };
            let armed = format!("{}:{countdown}", point.name());
            self.server.set_env(CRASH_AT_VARIABLE, Some(&armed));
            self.server.kill9();
            self.server.restart();
            self.server.set_env(CRASH_AT_VARIABLE, None);
        }
        let log_before = self.server.log().len();
        let run_started = Instant::now();
        let (runs, outcome) = self
            .run_workload(run, point.is_some())
            .await
            .map_err(&context)?;
        let run_elapsed = run_started.elapsed();
        let fired = |server: &TestServer, point: CrashPoint| {
            server.log().get(log_before..).is_some_and(|added| {
                added.contains(&format!("crash point {} reached", point.name()))
            })
        };
        let mut injected_fired = point.is_some_and(|point| fired(&self.server, point));
        if let Some(point) = point
            && outcome.exited_by_itself
        {
            // The server's last stderr line may still be in the pipe when its exit is seen:
            // the collector thread appends it a moment later.
            let deadline = Instant::now() + LOG_SETTLE;
            while !injected_fired && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(10)).await;
                injected_fired = fired(&self.server, point);
            }
        }
        if point.is_some() && outcome.exited_by_itself && !injected_fired {
            return Err(context(format!(
                "the server died during the run without reaching its crash point; log tail:\n{}",
                log_tail(&self.server.log(), 30)
            )));
        }

        let started = Instant::now();
        self.server.restart();
        // Sometimes crash again straight after recovery: replaying must not leave the log in
        // a state a second replay reads differently (e.g. a torn tail not cut off).
        let crashed_after_recovery = self.rng.below(4) == 0;
        if crashed_after_recovery {
            self.server.kill9();
            self.server.restart();
        }
        let restart = started.elapsed();

        let started = Instant::now();
        let client = self.server.client().await;
        let mut report = verify::verify(
            &client,
            &mut self.model,
            &runs,
            self.settings.synchronous_commit,
            &mut self.rng,
        )
        .await
        .map_err(|violations| {
            context(format!(
                "{} violation(s):\n  - {}",
                violations.len(),
                violations
                    .iter()
                    .take(50)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n  - ")
            ))
        })?;
        report.cycle = cycle;
        // With a crash point the run lasted until it fired.
        report.run = if point.is_some() { run_elapsed } else { run };
        report.restart = restart;
        report.crashed_after_recovery = crashed_after_recovery;
        report.checkpoints = outcome.checkpoints;
        report.killed_during_checkpoint = outcome.killed_during_checkpoint;
        report.filler_updates = outcome.filler_updates;
        report.injected = point;
        report.injected_fired = injected_fired;
        report.verify = started.elapsed();
        match check_filler(&client).await {
            Ok(()) => Ok(report),
            Err(violation) => Err(context(violation)),
        }
    }

    /// Runs the workers (and the checkpoint loop and the filler) for `run` — or, with
    /// `injected`, until the server kills itself at its crash point (at most
    /// [`INJECTED_RUN_MAX`]) — kills the server and collects what each worker saw, how many
    /// checkpoints completed, and whether the kill left an unfinished checkpoint behind.
    async fn run_workload(
        &mut self,
        run: Duration,
        injected: bool,
    ) -> Result<(Vec<WorkerRun>, RunOutcome), String> {
        let shared = Arc::new(Shared::default());
        // With a crash point armed the server may die at any moment: a lost connection is
        // then expected from the start.
        shared.killed.store(injected, Ordering::SeqCst);
        let mut handles = Vec::with_capacity(self.settings.workers);
        // With a crash point armed, the server may already be gone while clients connect.
        let connect = async |server: &TestServer| match server.try_client().await {
            Ok(client) => Ok(Some(client)),
            Err(_) if injected => Ok(None),
            Err(error) => Err(format!("connecting to the server failed: {error}")),
        };
        for worker in 0..self.settings.workers {
            let first_sequence = self.model.next_sequence(worker);
            let rng = self.rng.fork();
            handles.push(match connect(&self.server).await? {
                Some(client) => tokio::spawn(workload::run_worker(
                    client,
                    worker,
                    first_sequence,
                    rng,
                    Arc::clone(&shared),
                )),
                None => tokio::spawn(async move { WorkerRun::idle(worker, first_sequence) }),
            });
        }
        let checkpointer = match self.settings.checkpoints {
            true => connect(&self.server)
                .await?
                .map(|client| tokio::spawn(run_checkpoints(client, Arc::clone(&shared)))),
            false => None,
        };
        let filler = match self.settings.filler {
            true => connect(&self.server)
                .await?
                .map(|client| tokio::spawn(run_filler(client, Arc::clone(&shared)))),
            false => None,
        };
        let mut exited_by_itself = false;
        if injected {
            let started = Instant::now();
            while started.elapsed() < INJECTED_RUN_MAX {
                if self.server.has_exited() {
                    exited_by_itself = true;
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        } else {
            tokio::time::sleep(run).await;
        }
        shared.killed.store(true, Ordering::SeqCst);
        self.server.kill9();
        let killed_during_checkpoint = unfinished_checkpoint(self.server.data_dir());
        let checkpoints = join_helper(checkpointer, "the checkpoint loop").await?;
        let filler_updates = join_helper(filler, "the filler").await?;

        let mut runs = Vec::with_capacity(handles.len());
        for (worker, handle) in handles.into_iter().enumerate() {
            match tokio::time::timeout(WORKER_STOP_TIMEOUT, handle).await {
                Ok(Ok(run)) => runs.push(run),
                Ok(Err(error)) => return Err(format!("worker {worker} panicked: {error}")),
                Err(_) => {
                    return Err(format!(
                        "worker {worker} did not notice the crash within {WORKER_STOP_TIMEOUT:?}"
                    ));
                }
            }
        }
        Ok((
            runs,
            RunOutcome {
                checkpoints,
                killed_during_checkpoint,
                filler_updates,
                exited_by_itself,
            },
        ))
    }
}

/// What a run did besides the workers' operations.
#[derive(Debug)]
struct RunOutcome {
    checkpoints: usize,
    killed_during_checkpoint: bool,
    filler_updates: usize,
    /// The server ended before the loop killed it (its crash point fired).
    exited_by_itself: bool,
}

/// Waits (bounded) for a helper task (the checkpoint loop, the filler) to notice the crash;
/// returns how many operations it completed, or its violation.
async fn join_helper(
    task: Option<tokio::task::JoinHandle<Result<usize, String>>>,
    what: &str,
) -> Result<usize, String> {
    let Some(task) = task else {
        return Ok(0);
    };
    match tokio::time::timeout(WORKER_STOP_TIMEOUT, task).await {
        Ok(Ok(Ok(done))) => Ok(done),
        Ok(Ok(Err(violation))) => Err(violation),
        Ok(Err(error)) => Err(format!("{what} panicked: {error}")),
        Err(_) => Err(format!(
            "{what} did not notice the crash within {WORKER_STOP_TIMEOUT:?}"
        )),
    }
}

/// The most filler updates in one cycle (a bound; runs end far sooner).
const FILLER_UPDATES_MAX: usize = 1_000_000;

/// Overwrites `filler` rows round-robin with [`FILLER_BYTES`]-byte values until the server
/// dies. Returns how many updates were acknowledged; an error before the kill is a violation.
async fn run_filler(client: tokio_postgres::Client, shared: Arc<Shared>) -> Result<usize, String> {
    let failed = |error: tokio_postgres::Error, shared: &Shared| {
        if error.as_db_error().is_some() || !shared.killed.load(Ordering::SeqCst) {
            Err(format!("filler update failed: {}", error_text(&error)))
        } else {
            Ok(())
        }
    };
    let update = match client
        .prepare("UPDATE filler SET pad = $1 WHERE id = $2")
        .await
    {
        Ok(statement) => statement,
        Err(error) => return failed(error, &shared).map(|()| 0),
    };
    for done in 0..FILLER_UPDATES_MAX {
        let row = (done % FILLER_ROWS as usize) as i32;
        let letter = char::from(b'a' + (done % 26) as u8);
        let pad: String = std::iter::repeat_n(letter, FILLER_BYTES).collect();
        match client.execute(&update, &[&pad, &row]).await {
            Ok(1) => {}
            Ok(count) => return Err(format!("filler update of row {row} changed {count} rows")),
            Err(error) => return failed(error, &shared).map(|()| done),
        }
    }
    Ok(FILLER_UPDATES_MAX)
}

/// After a restart every filler row is there once, holding `''` or a whole value of one
/// letter.
async fn check_filler(client: &tokio_postgres::Client) -> Result<(), String> {
    let sql = "SELECT id, length(pad), left(pad, 1) = right(pad, 1) FROM filler";
    let rows = client
        .query(sql, &[])
        .await
        .map_err(|error| format!("{sql} failed: {}", error_text(&error)))?;
    let mut ids: Vec<i32> = Vec::with_capacity(rows.len());
    for row in &rows {
        let (id, length, uniform): (i32, i32, Option<bool>) = (row.get(0), row.get(1), row.get(2));
        if !(length == 0 || length as usize == FILLER_BYTES && uniform == Some(true)) {
            return Err(format!(
                "filler row {id} holds {length} bytes (uniform: {uniform:?}), expected 0 or \
                 {FILLER_BYTES} of one letter"
            ));
        }
        ids.push(id);
    }
    ids.sort_unstable();
    if ids != (0..FILLER_ROWS).collect::<Vec<_>>() {
        return Err(format!(
            "filler holds rows {ids:?}, expected 0..{FILLER_ROWS}"
        ));
    }
    Ok(())
}

/// The last `lines` lines of a log.
fn log_tail(log: &str, lines: usize) -> String {
    let tail: Vec<&str> = log.lines().rev().take(lines).collect();
    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
}

/// The most checkpoints the loop asks for in one cycle (a bound; runs end far sooner).
const CHECKPOINTS_MAX: usize = 100_000;

/// Runs `CHECKPOINT` back to back until the server dies. Returns how many completed; a server
/// error, or losing the connection before the kill, is a violation.
async fn run_checkpoints(
    client: tokio_postgres::Client,
    shared: Arc<Shared>,
) -> Result<usize, String> {
    let mut done = 0;
    for _ in 0..CHECKPOINTS_MAX {
        match client.simple_query("CHECKPOINT").await {
            Ok(_) => done += 1,
            Err(error) => {
                if error.as_db_error().is_some() || !shared.killed.load(Ordering::SeqCst) {
                    return Err(format!("CHECKPOINT failed: {}", error_text(&error)));
                }
                return Ok(done);
            }
        }
    }
    Ok(done)
}

/// Whether the data directory holds an unfinished checkpoint file.
fn unfinished_checkpoint(data_dir: &std::path::Path) -> bool {
    std::fs::read_dir(data_dir.join("checkpoints")).is_ok_and(|entries| {
        entries
            .filter_map(Result::ok)
            .any(|entry| entry.file_name().to_string_lossy().ends_with(".ckpt.tmp"))
    })
}

/// `SHOW name` over the simple protocol.
async fn show(client: &tokio_postgres::Client, name: &str) -> Result<String, String> {
    let messages = client
        .simple_query(&format!("SHOW {name}"))
        .await
        .map_err(|error| format!("SHOW {name} failed: {}", error_text(&error)))?;
    messages
        .iter()
        .find_map(|message| match message {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
            _ => None,
        })
        .ok_or_else(|| format!("SHOW {name} returned no row"))
}
