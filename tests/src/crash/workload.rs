//! One worker's stream of operations and what it learned about each.
//!
//! A worker is sequential: it sends an operation, waits for the answer, records it, and only
//! then sends the next. So at most one of its operations is unanswered when the server dies,
//! and everything it sent is ordered, which is what lets `verify` demand that what survived is
//! a prefix. The first error ends the worker: after a kill that is the connection failing; a
//! server error (any SQLSTATE) or a connection failure before the kill is a violation, since
//! nothing in this workload conflicts (each worker has its own ids and its own counter row).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tokio_postgres::{Client, SimpleQueryMessage, Statement};

use super::Rng;
use crate::error_text;

/// Inserts one ledger row.
pub(crate) const INSERT: &str = "INSERT INTO ledger (id, worker, n) VALUES ($1, $2, $3)";
/// Increments the worker's counter.
pub(crate) const INCREMENT: &str = "UPDATE counters SET n = n + 1 WHERE worker = $1";

/// The most operations one worker sends in one cycle (a bound; runs end far sooner).
const OPERATIONS_MAX: usize = 1_000_000;

/// Rows in `accounts`, the bank transfers move money between.
pub(crate) const ACCOUNTS: i32 = 8;
/// Each account's balance at the start; the total never changes.
pub(crate) const INITIAL_BALANCE: i64 = 1_000;

/// The transfer a `Transfer` operation with ledger id `id` makes: (from account, to account,
/// amount). Derived from the id, so the recovered ledger alone says what every account must
/// hold.
pub(crate) fn transfer_of(id: i64) -> (i32, i32, i64) {
    let mut mixed = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    mixed ^= mixed >> 29;
    let from = (mixed % ACCOUNTS as u64) as i32;
    let step = 1 + ((mixed >> 8) % (ACCOUNTS as u64 - 1)) as i32;
    let to = (from + step) % ACCOUNTS;
    let amount = 1 + ((mixed >> 16) % 50) as i64;
    (from, to, amount)
}

/// What the workers share: the logical clock and whether the kill has begun.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// Stamps sends and acknowledgments in one total order.
    clock: AtomicU64,
    /// Set just before SIGKILL; a connection failure before it is a violation.
    pub(crate) killed: AtomicBool,
}

impl Shared {
    fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::SeqCst)
    }
}

/// The shape of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// One autocommit `INSERT`.
    Insert,
    /// One autocommit `UPDATE counters`.
    Increment,
    /// `BEGIN; INSERT; INSERT [; INSERT]; UPDATE counters; COMMIT` as one simple query.
    Batch,
    /// The same transaction statement by statement over the extended protocol.
    Transaction,
    /// `BEGIN; INSERT [; INSERT]; ROLLBACK`.
    RolledBack,
    /// A bank transfer as one simple query: `BEGIN; UPDATE accounts` (twice, lower account
    /// first so transfers never deadlock) `; INSERT INTO ledger; COMMIT` ([`transfer_of`]).
    Transfer,
}

/// What the worker knows about an operation's fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The commit was acknowledged.
    Acknowledged,
    /// The commit (or autocommit statement) was sent; no answer came.
    InFlight,
    /// It cannot have committed: it rolled back, or the connection died before COMMIT was sent.
    NotCommitted,
}

/// One operation as sent and answered.
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    pub(crate) kind: Kind,
    /// Ledger ids it inserts.
    pub(crate) ids: Vec<i64>,
    /// How much it adds to the worker's counter.
    pub(crate) increments: i64,
    pub(crate) outcome: Outcome,
    /// Clock when its first message was sent.
    pub(crate) sent: u64,
    /// Clock when its commit was acknowledged.
    pub(crate) acknowledged: Option<u64>,
}

impl Operation {
    /// Whether it may have changed the database (acknowledged or in flight).
    pub(crate) fn may_have_committed(&self) -> bool {
        self.outcome != Outcome::NotCommitted
    }
}

/// Everything one worker did in one cycle.
#[derive(Debug)]
pub(crate) struct WorkerRun {
    pub(crate) worker: usize,
    pub(crate) operations: Vec<Operation>,
    /// The next unused id sequence number.
    pub(crate) next_sequence: u32,
    pub(crate) violations: Vec<String>,
}

impl WorkerRun {
    /// A worker that sent nothing (it could not connect: the server was already gone).
    pub(crate) fn idle(worker: usize, next_sequence: u32) -> WorkerRun {
        WorkerRun {
            worker,
            operations: Vec::new(),
            next_sequence,
            violations: Vec::new(),
        }
    }
}

/// The ledger id for a worker's `sequence`-th row. The high half is the worker, so ids never
/// collide; the low half is a bijective scramble of the sequence, so inserts land all over the
/// primary-key B+Tree rather than only at its right edge.
pub(crate) fn ledger_id(worker: usize, sequence: u32) -> i64 {
    let mut scrambled = sequence.wrapping_mul(0x9E37_79B1);
    scrambled ^= scrambled >> 16;
    ((worker as i64) << 32) | i64::from(scrambled)
}

/// The worker an id belongs to.
pub(crate) fn worker_of(id: i64) -> i64 {
    id >> 32
}

/// The `n` column stored with an id, so recovered rows can be checked for content.
pub(crate) fn payload(id: i64) -> i32 {
    id.rem_euclid(1_000_003) as i32
}

/// How an operation failed: before its COMMIT was sent, or at/after it.
struct Failure {
    commit_sent: bool,
    error: tokio_postgres::Error,
}

fn before_commit(error: tokio_postgres::Error) -> Failure {
    Failure {
        commit_sent: false,
        error,
    }
}

fn at_commit(error: tokio_postgres::Error) -> Failure {
    Failure {
        commit_sent: true,
        error,
    }
}

/// A worker with its prepared statements.
struct Worker {
    client: Client,
    worker: usize,
    insert: Statement,
    increment: Statement,
    violations: Vec<String>,
}

/// Runs operations until the connection fails (the kill) or a violation stops the worker.
pub(crate) async fn run_worker(
    client: Client,
    worker: usize,
    first_sequence: u32,
    mut rng: Rng,
    shared: Arc<Shared>,
) -> WorkerRun {
    let mut run = WorkerRun {
        worker,
        operations: Vec::new(),
        next_sequence: first_sequence,
        violations: Vec::new(),
    };
    let prepared = async {
        Ok::<_, tokio_postgres::Error>((
            client.prepare(INSERT).await?,
            client.prepare(INCREMENT).await?,
        ))
    }
    .await;
    let (insert, increment) = match prepared {
        Ok(statements) => statements,
        Err(error) => {
            if error.as_db_error().is_some() || !shared.killed.load(Ordering::SeqCst) {
                run.violations.push(format!(
                    "worker {worker}: preparing failed: {}",
                    error_text(&error)
                ));
            }
            return run;
        }
    };
    let mut worker_state = Worker {
        client,
        worker,
        insert,
        increment,
        violations: Vec::new(),
    };

    for _ in 0..OPERATIONS_MAX {
        let choice = rng.below(100);
        let kind = match choice {
            0..35 => Kind::Insert,
            35..50 => Kind::Increment,
            50..62 => Kind::Batch,
            62..75 => Kind::Transaction,
            75..95 => Kind::Transfer,
            _ => Kind::RolledBack,
        };
        let rows = match kind {
            Kind::Insert | Kind::Transfer => 1,
            Kind::Increment => 0,
            Kind::Batch | Kind::Transaction => 2 + rng.below(2) as u32,
            Kind::RolledBack => 1 + rng.below(2) as u32,
        };
        let ids: Vec<i64> = (0..rows)
            .map(|offset| ledger_id(worker, run.next_sequence + offset))
            .collect();
        run.next_sequence += rows;
        let increments = match kind {
            Kind::Increment | Kind::Batch | Kind::Transaction => 1,
            Kind::Insert | Kind::RolledBack | Kind::Transfer => 0,
        };

        let sent = shared.tick();
        let result = worker_state.perform(kind, &ids).await;
        let (outcome, acknowledged, failure) = match result {
            Ok(()) if kind == Kind::RolledBack => (Outcome::NotCommitted, None, None),
            Ok(()) => (Outcome::Acknowledged, Some(shared.tick()), None),
            Err(failure) if kind == Kind::RolledBack || !failure.commit_sent => {
                (Outcome::NotCommitted, None, Some(failure.error))
            }
            Err(failure) => (Outcome::InFlight, None, Some(failure.error)),
        };
        let mut outcome = outcome;
        if let Some(error) = &failure {
            if let Some(server_error) = error.as_db_error() {
                // Unexpected in this workload; its fate is unknown, so claim nothing about it.
                outcome = Outcome::InFlight;
                worker_state.violations.push(format!(
                    "worker {worker}: {kind:?} {ids:?} failed with SQLSTATE {}: {}",
                    server_error.code().code(),
                    server_error.message()
                ));
            } else if !shared.killed.load(Ordering::SeqCst) {
                worker_state.violations.push(format!(
                    "worker {worker}: connection failed before the kill during {kind:?} {ids:?}: \
                     {error}"
                ));
            }
        }
        run.operations.push(Operation {
            kind,
            ids,
            increments,
            outcome,
            sent,
            acknowledged,
        });
        if failure.is_some() || !worker_state.violations.is_empty() {
            break;
        }
    }
    run.violations.append(&mut worker_state.violations);
    run
}

impl Worker {
    /// Sends one operation and waits for its answer. Wrong row counts are recorded as
    /// violations; the operation still counts as acknowledged.
    async fn perform(&mut self, kind: Kind, ids: &[i64]) -> Result<(), Failure> {
        let worker = i32::try_from(self.worker).expect("worker numbers are small");
        match kind {
            Kind::Insert => {
                let id = ids[0];
                let count = self
                    .client
                    .execute(&self.insert, &[&id, &worker, &payload(id)])
                    .await
                    .map_err(at_commit)?;
                self.expect_count("INSERT", ids, count, 1);
            }
            Kind::Increment => {
                let count = self
                    .client
                    .execute(&self.increment, &[&worker])
                    .await
                    .map_err(at_commit)?;
                self.expect_count("UPDATE counters", ids, count, 1);
            }
            Kind::Batch => {
                let mut sql = String::from("BEGIN;");
                for &id in ids {
                    sql.push_str(&format!(
                        " INSERT INTO ledger (id, worker, n) VALUES ({id}, {worker}, {});",
                        payload(id)
                    ));
                }
                sql.push_str(&format!(
                    " UPDATE counters SET n = n + 1 WHERE worker = {worker}; COMMIT"
                ));
                let messages = self.client.simple_query(&sql).await.map_err(at_commit)?;
                let counts: Vec<u64> = messages
                    .iter()
                    .filter_map(|message| match message {
                        SimpleQueryMessage::CommandComplete(count) => Some(*count),
                        _ => None,
                    })
                    .collect();
                let mut expected = vec![0];
                expected.extend(std::iter::repeat_n(1, ids.len() + 1));
                expected.push(0);
                if counts != expected {
                    self.violations.push(format!(
                        "worker {}: batch {ids:?} answered row counts {counts:?}, expected \
                         {expected:?}",
                        self.worker
                    ));
                }
            }
            Kind::Transfer => {
                let id = ids[0];
                let (from, to, amount) = transfer_of(id);
                let (first, first_delta, second, second_delta) = if from < to {
                    (from, -amount, to, amount)
                } else {
                    (to, amount, from, -amount)
                };
                let sql = format!(
                    "BEGIN; \
                     UPDATE accounts SET balance = balance + {first_delta} WHERE id = {first}; \
                     UPDATE accounts SET balance = balance + {second_delta} WHERE id = {second}; \
                     INSERT INTO ledger (id, worker, n) VALUES ({id}, {worker}, {}); \
                     COMMIT",
                    payload(id)
                );
                let messages = self.client.simple_query(&sql).await.map_err(at_commit)?;
                let counts: Vec<u64> = messages
                    .iter()
                    .filter_map(|message| match message {
                        SimpleQueryMessage::CommandComplete(count) => Some(*count),
                        _ => None,
                    })
                    .collect();
                if counts != [0, 1, 1, 1, 0] {
                    self.violations.push(format!(
                        "worker {}: transfer {id} answered row counts {counts:?}, expected \
                         [0, 1, 1, 1, 0]",
                        self.worker
                    ));
                }
            }
            Kind::Transaction | Kind::RolledBack => {
                let transaction = self.client.transaction().await.map_err(before_commit)?;
                let mut counts = Vec::with_capacity(ids.len() + 1);
                for &id in ids {
                    counts.push(
                        transaction
                            .execute(&self.insert, &[&id, &worker, &payload(id)])
                            .await
                            .map_err(before_commit)?,
                    );
                }
                if kind == Kind::Transaction {
                    counts.push(
                        transaction
                            .execute(&self.increment, &[&worker])
                            .await
                            .map_err(before_commit)?,
                    );
                    transaction.commit().await.map_err(at_commit)?;
                } else {
                    transaction.rollback().await.map_err(before_commit)?;
                }
                if counts.iter().any(|&count| count != 1) {
                    self.violations.push(format!(
                        "worker {}: {kind:?} {ids:?} answered row counts {counts:?}, expected 1 \
                         each",
                        self.worker
                    ));
                }
            }
        }
        Ok(())
    }

    fn expect_count(&mut self, what: &str, ids: &[i64], count: u64, expected: u64) {
        if count != expected {
            self.violations.push(format!(
                "worker {}: {what} {ids:?} reported {count} rows, expected {expected}",
                self.worker
            ));
        }
    }
}
