//! The checkpointer: one background thread that takes checkpoints when they are due and runs
//! the ones (and the backups) sessions ask for.
//!
//! ## Triggers
//!
//! - **Time**: `checkpoint_interval` after the last checkpoint, if anything was committed since.
//! - **Volume**: once `max_wal_size` bytes of WAL were written since the last checkpoint's LSN.
//! - **Request**: `CHECKPOINT` and `BACKUP TO` ask the thread and await the answer as a future,
//!   so no tokio worker blocks on a checkpoint's I/O.
//! - **Shutdown**: [`crate::Database::shutdown`] stops the thread and takes a last checkpoint
//!   itself, so the next start replays (almost) nothing.
//!
//! Only one checkpoint (or backup) runs at a time: everything that takes one holds
//! [`Checkpointer::run_lock`]. After a failed automatic checkpoint the thread waits
//! [`RETRY_DELAY`] before the next automatic attempt, so a full disk does not turn into a busy
//! loop; requests are always tried.
//!
//! The thread holds only a weak reference to the database, so dropping the last `Database`
//! ends it; every wait is bounded by [`TICK`].

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use db001_common::{Error, Result, SqlState};
use db001_wal::Lsn;
use parking_lot::{Condvar, Mutex};

use db001_common::{DataType, Value};

use crate::backup::{self, BackupInfo};
use crate::checkpoint::{self, CheckpointInfo, CheckpointReason};
use crate::database::{Database, Shared};
use crate::result::{Column, CommandTag, StatementResult};

/// The thread re-checks its triggers at least this often.
const TICK: Duration = Duration::from_millis(250);
/// After a failed automatic checkpoint, the next automatic one waits at least this long.
const RETRY_DELAY: Duration = Duration::from_secs(10);

/// What the checkpointer has done, for `/health`, metrics and tests.
#[derive(Debug, Clone)]
pub struct CheckpointStatus {
    /// The newest checkpoint's LSN (from recovery, or the last one taken); 0 for none.
    pub last_lsn: Lsn,
    /// The last checkpoint this process took.
    pub last: Option<CheckpointInfo>,
    /// When the last checkpoint was taken or found up to date (start-up counts).
    pub last_at: Instant,
    /// The error of the last attempt, until one succeeds.
    pub last_failure: Option<Error>,
    /// Checkpoints taken by this process.
    pub completed: u64,
    /// Checkpoint attempts that failed.
    pub failed: u64,
    /// Checkpoints taken by this process, by why they were taken
    /// ([`CheckpointReason::as_str`]).
    pub completed_by_reason: BTreeMap<&'static str, u64>,
}

/// What a request asks for and what it gets.
#[derive(Debug)]
enum Task {
    Checkpoint,
    Backup(PathBuf),
}

/// A request's answer.
#[derive(Debug, Clone)]
pub(crate) enum Answer {
    /// The checkpoint was taken (or the newest one was already current).
    Checkpoint,
    Backup(BackupInfo),
}

#[derive(Debug)]
struct Request {
    task: Task,
    completion: Arc<Completion>,
}

#[derive(Debug)]
struct State {
    stop: bool,
    requests: Vec<Request>,
    status: CheckpointStatus,
    /// When the last automatic attempt failed.
    failed_at: Option<Instant>,
}

#[derive(Debug)]
struct Control {
    state: Mutex<State>,
    wakeup: Condvar,
    /// Held by whatever is taking a checkpoint or a backup.
    running: Mutex<()>,
}

/// The checkpointer of one database (see the module docs).
#[derive(Debug)]
pub(crate) struct Checkpointer {
    control: Arc<Control>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    /// A checkpointer whose newest checkpoint (found by recovery) is at `last_lsn`. The thread
    /// starts with [`Checkpointer::start`], once the database exists.
    pub(crate) fn new(last_lsn: Lsn) -> Checkpointer {
        Checkpointer {
            control: Arc::new(Control {
                state: Mutex::new(State {
                    stop: false,
                    requests: Vec::new(),
                    status: CheckpointStatus {
                        last_lsn,
                        last: None,
                        last_at: Instant::now(),
                        last_failure: None,
                        completed: 0,
                        failed: 0,
                        completed_by_reason: BTreeMap::new(),
                    },
                    failed_at: None,
                }),
                wakeup: Condvar::new(),
                running: Mutex::new(()),
            }),
            thread: Mutex::new(None),
        }
    }

    /// Starts the background thread.
    pub(crate) fn start(&self, database: Weak<Shared>) -> Result<()> {
        let control = Arc::clone(&self.control);
        let thread = std::thread::Builder::new()
            .name("db001-checkpointer".to_string())
            .spawn(move || run_thread(&control, &database))
            .map_err(|error| Error::io("could not start the checkpointer thread", &error))?;
        *self.thread.lock() = Some(thread);
        Ok(())
    }

    /// Stops the thread (bounded: it finishes what it is doing) and fails queued requests.
    pub(crate) fn stop(&self) {
        self.control.state.lock().stop = true;
        self.control.wakeup.notify_all();
        let thread = self.thread.lock().take();
        if let Some(thread) = thread {
            if thread.thread().id() == std::thread::current().id() {
                // Dropped from the thread itself (it held the last reference); it sees `stop`.
                return;
            }
            if thread.join().is_err() {
                tracing::error!("the checkpointer thread panicked");
            }
        }
    }

    /// Queues a checkpoint request and returns its answer as a future.
    pub(crate) fn request_checkpoint(&self) -> CompletionFuture {
        self.request(Task::Checkpoint)
    }

    /// Queues a backup into `dir` and returns its answer as a future.
    pub(crate) fn request_backup(&self, dir: PathBuf) -> CompletionFuture {
        self.request(Task::Backup(dir))
    }

    fn request(&self, task: Task) -> CompletionFuture {
        let completion = Arc::new(Completion::default());
        {
            let mut state = self.control.state.lock();
            if state.stop {
                completion.complete(Err(shut_down()));
            } else {
                state.requests.push(Request {
                    task,
                    completion: Arc::clone(&completion),
                });
            }
        }
        self.control.wakeup.notify_all();
        CompletionFuture(completion)
    }

    /// Takes a checkpoint on the calling thread (shutdown, embedded callers, tests).
    pub(crate) fn checkpoint_now(
        &self,
        shared: &Shared,
        reason: CheckpointReason,
    ) -> Result<Option<CheckpointInfo>> {
        let _running = self.control.running.lock();
        let result = checkpoint::run(shared, reason);
        record(&self.control, &result, false, reason);
        result
    }

    /// Writes a backup on the calling thread (embedded callers, tests).
    pub(crate) fn backup_now(&self, shared: &Shared, dir: &Path) -> Result<BackupInfo> {
        let _running = self.control.running.lock();
        backup::run(shared, dir, &mut |result| {
            record(&self.control, result, false, CheckpointReason::Backup)
        })
    }

    /// The status so far.
    pub(crate) fn status(&self) -> CheckpointStatus {
        self.control.state.lock().status.clone()
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `CHECKPOINT`: the checkpointer thread takes it; the session awaits the answer.
pub(crate) async fn checkpoint_statement(db: &Database) -> Result<StatementResult> {
    match db.shared.checkpointer.request_checkpoint().await? {
        Answer::Checkpoint => Ok(StatementResult::command(CommandTag::Checkpoint)),
        Answer::Backup(_) => Err(Error::internal(
            "a checkpoint request was answered by a backup",
        )),
    }
}

/// The columns `BACKUP TO` returns.
pub(crate) fn backup_columns() -> Arc<[Column]> {
    let column = |name: &str, data_type| Column {
        name: name.to_string(),
        data_type,
        table_oid: 0,
        column_number: 0,
    };
    Arc::from(vec![
        column("checkpoint_lsn", DataType::Text),
        column("wal_end_lsn", DataType::Text),
        column("files", DataType::BigInt),
        column("bytes", DataType::BigInt),
    ])
}

/// `BACKUP TO 'dir'`: the checkpointer thread writes the backup; one row describes it.
pub(crate) async fn backup_statement(db: &Database, to: &str) -> Result<StatementResult> {
    let info = match db
        .shared
        .checkpointer
        .request_backup(PathBuf::from(to))
        .await?
    {
        Answer::Backup(info) => info,
        Answer::Checkpoint => {
            return Err(Error::internal(
                "a backup request was answered by a checkpoint",
            ));
        }
    };
    Ok(StatementResult {
        columns: Some(backup_columns()),
        rows: vec![vec![
            Value::text(&db001_wal::format_lsn(info.checkpoint_lsn)),
            Value::text(&db001_wal::format_lsn(info.wal_end_lsn)),
            Value::Int64(i64::try_from(info.files).unwrap_or(i64::MAX)),
            Value::Int64(i64::try_from(info.bytes).unwrap_or(i64::MAX)),
        ]],
        tag: CommandTag::Select(1),
    })
}

fn shut_down() -> Error {
    Error::new(SqlState::ADMIN_SHUTDOWN, "the database is shutting down")
}

/// Updates the status after a checkpoint attempt.
fn record(
    control: &Control,
    result: &Result<Option<CheckpointInfo>>,
    automatic: bool,
    reason: CheckpointReason,
) {
    let mut state = control.state.lock();
    match result {
        Ok(info) => {
            let status = &mut state.status;
            status.last_at = Instant::now();
            status.last_failure = None;
            if let Some(info) = info {
                status.last_lsn = info.lsn;
                status.last = Some(info.clone());
                status.completed += 1;
                *status
                    .completed_by_reason
                    .entry(reason.as_str())
                    .or_default() += 1;
            }
            state.failed_at = None;
        }
        Err(error) => {
            tracing::error!("checkpoint failed: {error}");
            state.status.last_failure = Some(error.clone());
            state.status.failed += 1;
            if automatic {
                state.failed_at = Some(Instant::now());
            }
        }
    }
}

/// Why an automatic checkpoint is due now, if it is.
fn due(shared: &Shared, state: &State) -> Option<CheckpointReason> {
    if shared.wal.failed().is_some() {
        return None;
    }
    if state
        .failed_at
        .is_some_and(|failed_at| failed_at.elapsed() < RETRY_DELAY)
    {
        return None;
    }
    let status = &state.status;
    let written = shared.wal.written_lsn();
    let max_wal_bytes = shared.config.max_wal_bytes;
    if max_wal_bytes > 0 && written.saturating_sub(status.last_lsn) >= max_wal_bytes {
        return Some(CheckpointReason::WalVolume);
    }
    let interval = shared.config.checkpoint_interval;
    if !interval.is_zero()
        && status.last_at.elapsed() >= interval
        && shared.manager.visible_ts() > status.last_lsn
    {
        return Some(CheckpointReason::Time);
    }
    None
}

enum Work {
    Requests(Vec<Request>),
    Automatic(CheckpointReason),
}

fn run_thread(control: &Control, database: &Weak<Shared>) {
    loop {
        let work = {
            let mut state = control.state.lock();
            // Each pass waits at most one tick; the loop ends when work arrives, the
            // checkpointer is stopped, or the database is gone.
            loop {
                if state.stop {
                    for request in state.requests.drain(..) {
                        request.completion.complete(Err(shut_down()));
                    }
                    return;
                }
                if !state.requests.is_empty() {
                    break Work::Requests(std::mem::take(&mut state.requests));
                }
                let Some(shared) = database.upgrade() else {
                    return;
                };
                let reason = due(&shared, &state);
                // Dropped outside the lock: it may be the last reference.
                parking_lot::MutexGuard::unlocked(&mut state, || drop(shared));
                if let Some(reason) = reason {
                    break Work::Automatic(reason);
                }
                control.wakeup.wait_for(&mut state, TICK);
            }
        };
        let Some(shared) = database.upgrade() else {
            if let Work::Requests(requests) = work {
                for request in requests {
                    request.completion.complete(Err(shut_down()));
                }
            }
            return;
        };
        let running = control.running.lock();
        match work {
            Work::Automatic(reason) => {
                let result = checkpoint::run(&shared, reason);
                record(control, &result, true, reason);
            }
            Work::Requests(requests) => {
                let mut checkpoint_result = None;
                for request in requests {
                    let answer = match &request.task {
                        Task::Checkpoint => checkpoint_result
                            .get_or_insert_with(|| {
                                let result = checkpoint::run(&shared, CheckpointReason::Requested);
                                record(control, &result, false, CheckpointReason::Requested);
                                result
                            })
                            .clone()
                            .map(|_| Answer::Checkpoint),
                        Task::Backup(dir) => {
                            let result = backup::run(&shared, dir, &mut |result| {
                                record(control, result, false, CheckpointReason::Backup);
                            });
                            result.map(Answer::Backup)
                        }
                    };
                    request.completion.complete(answer);
                }
            }
        }
        drop(running);
        drop(shared);
    }
}

/// A request's answer, delivered by the checkpointer thread.
#[derive(Debug, Default)]
pub(crate) struct Completion {
    result: Mutex<Option<Result<Answer>>>,
    waker: Mutex<Option<Waker>>,
}

impl Completion {
    fn complete(&self, result: Result<Answer>) {
        *self.result.lock() = Some(result);
        if let Some(waker) = self.waker.lock().take() {
            waker.wake();
        }
    }
}

/// Resolves with the answer to a checkpoint or backup request.
#[derive(Debug)]
pub(crate) struct CompletionFuture(Arc<Completion>);

impl Future for CompletionFuture {
    type Output = Result<Answer>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Result<Answer>> {
        let completion = &self.0;
        // Register first, then look: a completion in between finds the waker.
        *completion.waker.lock() = Some(context.waker().clone());
        match completion.result.lock().take() {
            Some(result) => Poll::Ready(result),
            None => Poll::Pending,
        }
    }
}
