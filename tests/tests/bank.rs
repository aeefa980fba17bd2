//! Bank transfers under concurrency, at each isolation level: money is neither created nor
//! destroyed, and every read-only view of the accounts at REPEATABLE READ or SERIALIZABLE sums
//! to the total.
//!
//! - Eight writer connections move random amounts between random accounts. Under READ
//!   COMMITTED they use relative updates (`balance = balance - $1`), which READ COMMITTED's
//!   re-check of concurrently updated rows keeps exact. Under REPEATABLE READ and SERIALIZABLE
//!   they read both balances first and write the computed values back (`balance = $1`) — the
//!   lost-update pattern, which first-updater-wins must stop with 40001.
//! - Two reader connections read every account with one statement per account inside a
//!   transaction (so each statement's snapshot matters) and check the sum; at SERIALIZABLE one
//!   of them is `READ ONLY DEFERRABLE`.
//! - Serialization failures (40001) and deadlocks (40P01) are retried, as an application
//!   would; anything else fails the test. At the end the total must be unchanged and the
//!   number of committed transfers must match what the writers counted.
//!
//! The same run is made against PostgreSQL 15 (with fewer transfers), as a check on the test.

use std::time::Duration;

use db001_tests::TestServer;
use db001_tests::postgres::Postgres;
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

const ACCOUNTS: i32 = 20;
const INITIAL: i64 = 1000;
const WRITERS: usize = 8;
const READERS: usize = 2;
/// How long one level runs before the writers stop.
const RUN_TIME: Duration = Duration::from_secs(4);
/// Attempts one transfer may take before the test gives up on it.
const ATTEMPTS_MAX: usize = 10_000;

/// A small deterministic random generator (xorshift), one per connection.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn is_serialization_failure(error: &tokio_postgres::Error) -> bool {
    error.code() == Some(&SqlState::T_R_SERIALIZATION_FAILURE)
}

fn is_deadlock(error: &tokio_postgres::Error) -> bool {
    error.code() == Some(&SqlState::T_R_DEADLOCK_DETECTED)
}

async fn transfer(
    client: &Client,
    level: &str,
    from: i32,
    to: i32,
    amount: i64,
) -> Result<(), tokio_postgres::Error> {
    client
        .batch_execute(&format!("BEGIN ISOLATION LEVEL {level}"))
        .await?;
    let result = async {
        if level == "READ COMMITTED" {
            client
                .execute(
                    "UPDATE accounts SET balance = balance - $1 WHERE id = $2",
                    &[&amount, &from],
                )
                .await?;
            client
                .execute(
                    "UPDATE accounts SET balance = balance + $1 WHERE id = $2",
                    &[&amount, &to],
                )
                .await?;
        } else {
            let read = "SELECT balance FROM accounts WHERE id = $1";
            let from_balance: i64 = client.query_one(read, &[&from]).await?.get(0);
            let to_balance: i64 = client.query_one(read, &[&to]).await?.get(0);
            let write = "UPDATE accounts SET balance = $1 WHERE id = $2";
            client
                .execute(write, &[&(from_balance - amount), &from])
                .await?;
            client
                .execute(write, &[&(to_balance + amount), &to])
                .await?;
        }
        client.batch_execute("COMMIT").await
    }
    .await;
    if result.is_err() {
        let _ = client.batch_execute("ROLLBACK").await;
    }
    result
}

/// Reads every account, one statement each, inside one transaction; returns the sum.
async fn read_all(client: &Client, begin: &str) -> Result<i64, tokio_postgres::Error> {
    client.batch_execute(begin).await?;
    let result = async {
        let mut sum = 0;
        for id in 1..=ACCOUNTS {
            let balance: i64 = client
                .query_one("SELECT balance FROM accounts WHERE id = $1", &[&id])
                .await?
                .get(0);
            sum += balance;
        }
        client.batch_execute("COMMIT").await?;
        Ok(sum)
    }
    .await;
    if result.is_err() {
        let _ = client.batch_execute("ROLLBACK").await;
    }
    result
}

#[derive(Debug, Default)]
struct Outcome {
    transfers: u64,
    serialization_failures: u64,
    deadlocks: u64,
    consistent_reads: u64,
    /// Read-only transactions that failed with 40001 (and were retried).
    failed_reads: u64,
}

async fn bank(
    connect: &impl AsyncFn() -> Client,
    level: &'static str,
    run_time: Duration,
) -> Outcome {
    let setup = connect().await;
    setup
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS accounts; \
             CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL); \
             INSERT INTO accounts VALUES {}",
            (1..=ACCOUNTS)
                .map(|i| format!("({i}, {INITIAL})"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .await
        .expect("create accounts");
    let stop = tokio::time::Instant::now() + run_time;
    let mut writers = Vec::new();
    for seed in 0..WRITERS {
        let client = connect().await;
        writers.push(tokio::spawn(async move {
            let mut random = Random(0x9E37_79B9_7F4A_7C15 ^ (seed as u64 + 1));
            let (mut done, mut failures, mut deadlocks) = (0u64, 0u64, 0u64);
            while tokio::time::Instant::now() < stop {
                let from = random.below(ACCOUNTS as u64) as i32 + 1;
                let to = (from + random.below(ACCOUNTS as u64 - 1) as i32) % ACCOUNTS + 1;
                let amount = random.below(50) as i64 + 1;
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    assert!(attempts <= ATTEMPTS_MAX, "a transfer never went through");
                    match transfer(&client, level, from, to, amount).await {
                        Ok(()) => break,
                        Err(error) if is_serialization_failure(&error) => failures += 1,
                        Err(error) if is_deadlock(&error) => deadlocks += 1,
                        Err(error) => panic!("{level}: transfer failed: {error:?}"),
                    }
                }
                done += 1;
            }
            (done, failures, deadlocks)
        }));
    }
    let mut readers = Vec::new();
    if level != "READ COMMITTED" {
        for reader in 0..READERS {
            let client = connect().await;
            let begin = if level == "SERIALIZABLE" && reader == 0 {
                "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE".to_string()
            } else {
                format!("BEGIN ISOLATION LEVEL {level} READ ONLY")
            };
            readers.push(tokio::spawn(async move {
                let (mut consistent, mut failed) = (0u64, 0u64);
                while tokio::time::Instant::now() < stop {
                    match read_all(&client, &begin).await {
                        Ok(sum) => {
                            assert_eq!(
                                sum,
                                INITIAL * ACCOUNTS as i64,
                                "{begin}: a read-only transaction saw money appear or vanish"
                            );
                            consistent += 1;
                        }
                        Err(error) if is_serialization_failure(&error) => failed += 1,
                        Err(error) => panic!("{begin}: read failed: {error:?}"),
                    }
                }
                (consistent, failed)
            }));
        }
    }
    let mut outcome = Outcome::default();
    for writer in writers {
        let (done, failures, deadlocks) =
            tokio::time::timeout(run_time + Duration::from_secs(120), writer)
                .await
                .expect("writers finish")
                .expect("no writer panicked");
        outcome.transfers += done;
        outcome.serialization_failures += failures;
        outcome.deadlocks += deadlocks;
    }
    for reader in readers {
        let (consistent, failed) = tokio::time::timeout(Duration::from_secs(120), reader)
            .await
            .expect("readers finish")
            .expect("no reader panicked");
        outcome.consistent_reads += consistent;
        outcome.failed_reads += failed;
    }
    let total: i64 = setup
        .query_one("SELECT sum(balance)::bigint FROM accounts", &[])
        .await
        .expect("sum")
        .get(0);
    assert_eq!(
        total,
        INITIAL * ACCOUNTS as i64,
        "{level}: money was created or destroyed"
    );
    assert!(outcome.transfers > 0, "{level}: no transfer committed");
    if level != "READ COMMITTED" {
        assert!(
            outcome.consistent_reads > 0,
            "{level}: no read-only sum completed"
        );
    }
    outcome
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bank_transfers_conserve_money_at_every_level() {
    let server = TestServer::start();
    let connect = async || server.client().await;
    for level in ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"] {
        let outcome = bank(&connect, level, RUN_TIME).await;
        eprintln!("db001 {level}: {outcome:?}");
        if level == "READ COMMITTED" {
            assert_eq!(
                outcome.serialization_failures, 0,
                "READ COMMITTED increments never fail with 40001 (PostgreSQL's re-check)"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_bank_test_holds_on_postgresql() {
    let postgres = Postgres::start();
    let connect = async || postgres.client("postgres").await;
    for level in ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"] {
        let outcome = bank(&connect, level, Duration::from_secs(2)).await;
        eprintln!("PostgreSQL {level}: {outcome:?}");
    }
}
