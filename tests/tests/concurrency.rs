//! Concurrent writers over the wire: the isolation rules of README's "MVCC" section, seen by
//! real clients on separate connections.
//!
//! - REPEATABLE READ, first updater wins: a second writer to a row another open transaction
//!   has updated *waits*; when the first commits it fails with 40001, when the first rolls
//!   back it proceeds.
//! - READ COMMITTED re-runs an update that met a concurrent one, so increments from many
//!   connections at once lose nothing.
//!
//! "Waits" is observed, not assumed: the second writer's statement must still be unanswered
//! after [`STILL_WAITING`], and must be answered within [`ANSWER_TIMEOUT`] of the first
//! transaction ending.

use std::time::Duration;

use db001_tests::TestServer;
use db001_tests::postgres::Postgres;
use tokio::task::JoinHandle;
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

/// How long a blocked statement must stay unanswered to count as waiting.
const STILL_WAITING: Duration = Duration::from_millis(300);
/// How long a statement may take once what it waited for has ended.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

async fn counter_table(client: &Client) {
    client
        .batch_execute(
            "CREATE TABLE counter (id int PRIMARY KEY, n bigint NOT NULL);
             INSERT INTO counter VALUES (1, 0), (2, 0)",
        )
        .await
        .expect("create counter");
}

async fn counter_value(client: &Client, id: i32) -> i64 {
    client
        .query_one("SELECT n FROM counter WHERE id = $1", &[&id])
        .await
        .expect("read counter")
        .get(0)
}

/// Starts `sql` on `client` in a task, checks that it is still waiting after
/// [`STILL_WAITING`], and returns the task.
async fn blocked(
    client: Client,
    sql: &'static str,
) -> JoinHandle<(Client, Result<u64, tokio_postgres::Error>)> {
    let task = tokio::spawn(async move {
        let result = client.execute(sql, &[]).await;
        (client, result)
    });
    tokio::time::sleep(STILL_WAITING).await;
    assert!(
        !task.is_finished(),
        "{sql} should wait for the concurrent writer, but it was answered"
    );
    task
}

/// The answer of a [`blocked`] statement once it arrives.
async fn answer(
    task: JoinHandle<(Client, Result<u64, tokio_postgres::Error>)>,
) -> (Client, Result<u64, tokio_postgres::Error>) {
    tokio::time::timeout(ANSWER_TIMEOUT, task)
        .await
        .expect("the waiting statement is answered once the first writer ends")
        .expect("the task does not panic")
}

async fn repeatable_read_second_writer_waits_then_fails_with_40001(
    connect: &impl AsyncFn() -> Client,
) {
    let first = connect().await;
    let second = connect().await;
    counter_table(&first).await;

    first
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        .await
        .expect("begin first");
    second
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        .await
        .expect("begin second");
    // The second transaction's snapshot is taken here, before the first commits.
    assert_eq!(counter_value(&second, 1).await, 0);
    let updated = first
        .execute("UPDATE counter SET n = n + 1 WHERE id = 1", &[])
        .await
        .expect("first update");
    assert_eq!(updated, 1);

    let task = blocked(second, "UPDATE counter SET n = n + 10 WHERE id = 1").await;
    first.batch_execute("COMMIT").await.expect("commit first");
    let (second, result) = answer(task).await;
    let error = result.expect_err("first updater wins");
    assert_eq!(error.code(), Some(&SqlState::T_R_SERIALIZATION_FAILURE));
    assert_eq!(
        error.as_db_error().map(|error| error.message()),
        Some("could not serialize access due to concurrent update")
    );
    // The block is failed until it ends; the first writer's value stands.
    let error = second
        .batch_execute("SELECT 1")
        .await
        .expect_err("aborted block");
    assert_eq!(error.code(), Some(&SqlState::IN_FAILED_SQL_TRANSACTION));
    second.batch_execute("ROLLBACK").await.expect("rollback");
    assert_eq!(counter_value(&second, 1).await, 1);

    // A row the first transaction did not touch is no conflict.
    second
        .batch_execute(
            "BEGIN ISOLATION LEVEL REPEATABLE READ; UPDATE counter SET n = n + 5 WHERE id = 2; \
             COMMIT",
        )
        .await
        .expect("independent row");
    assert_eq!(counter_value(&first, 2).await, 5);
}

async fn repeatable_read_second_writer_proceeds_when_the_first_rolls_back(
    connect: &impl AsyncFn() -> Client,
) {
    let first = connect().await;
    let second = connect().await;
    counter_table(&first).await;

    first
        .batch_execute(
            "BEGIN ISOLATION LEVEL REPEATABLE READ; UPDATE counter SET n = 100 WHERE id = 1",
        )
        .await
        .expect("first update");
    second
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        .await
        .expect("begin second");
    assert_eq!(counter_value(&second, 1).await, 0);
    let task = blocked(second, "UPDATE counter SET n = n + 10 WHERE id = 1").await;
    first
        .batch_execute("ROLLBACK")
        .await
        .expect("rollback first");
    let (second, result) = answer(task).await;
    assert_eq!(result.expect("nothing to conflict with"), 1);
    second.batch_execute("COMMIT").await.expect("commit second");
    assert_eq!(counter_value(&first, 1).await, 10);
}

async fn read_committed_second_writer_waits_and_sees_the_first_commit(
    connect: &impl AsyncFn() -> Client,
) {
    let first = connect().await;
    let second = connect().await;
    counter_table(&first).await;

    first
        .batch_execute("BEGIN; UPDATE counter SET n = n + 1 WHERE id = 1")
        .await
        .expect("first update");
    second.batch_execute("BEGIN").await.expect("begin second");
    let task = blocked(second, "UPDATE counter SET n = n * 10 WHERE id = 1").await;
    first.batch_execute("COMMIT").await.expect("commit first");
    let (second, result) = answer(task).await;
    assert_eq!(result.expect("READ COMMITTED re-runs on the new row"), 1);
    second.batch_execute("COMMIT").await.expect("commit second");
    // (0 + 1) * 10: the second update ran on the committed row, not its old snapshot.
    assert_eq!(counter_value(&first, 1).await, 10);
}

/// Connections incrementing one counter at once.
const CONNECTIONS: usize = 8;
/// Increments per connection.
const INCREMENTS: usize = 40;

async fn read_committed_concurrent_increments_lose_nothing(connect: &impl AsyncFn() -> Client) {
    let setup = connect().await;
    counter_table(&setup).await;

    let mut tasks = Vec::with_capacity(CONNECTIONS);
    for connection in 0..CONNECTIONS {
        let client = connect().await;
        tasks.push(tokio::spawn(async move {
            let increment = client
                .prepare("UPDATE counter SET n = n + 1 WHERE id = 1")
                .await
                .expect("prepare");
            for round in 0..INCREMENTS {
                // Half autocommit statements, half explicit blocks that also read in between,
                // so waits happen both inside and outside transaction blocks.
                let updated = if (connection + round) % 2 == 0 {
                    client.execute(&increment, &[]).await.expect("increment")
                } else {
                    client.batch_execute("BEGIN").await.expect("begin");
                    let updated = client.execute(&increment, &[]).await.expect("increment");
                    client
                        .query_one("SELECT n FROM counter WHERE id = 1", &[])
                        .await
                        .expect("read inside the block");
                    client.batch_execute("COMMIT").await.expect("commit");
                    updated
                };
                assert_eq!(updated, 1, "every increment finds the row");
            }
        }));
    }
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(120), task)
            .await
            .expect("the increments finish")
            .expect("no connection failed");
    }
    assert_eq!(
        counter_value(&setup, 1).await,
        (CONNECTIONS * INCREMENTS) as i64,
        "no increment was lost"
    );
    assert_eq!(
        counter_value(&setup, 2).await,
        0,
        "the other row is untouched"
    );
}

/// Each check against its own db001 server.
mod db001 {
    use super::*;

    #[tokio::test]
    async fn repeatable_read_second_writer_waits_then_fails_with_40001() {
        let server = TestServer::start();
        super::repeatable_read_second_writer_waits_then_fails_with_40001(&async || {
            server.client().await
        })
        .await;
    }

    #[tokio::test]
    async fn repeatable_read_second_writer_proceeds_when_the_first_rolls_back() {
        let server = TestServer::start();
        super::repeatable_read_second_writer_proceeds_when_the_first_rolls_back(&async || {
            server.client().await
        })
        .await;
    }

    #[tokio::test]
    async fn read_committed_second_writer_waits_and_sees_the_first_commit() {
        let server = TestServer::start();
        super::read_committed_second_writer_waits_and_sees_the_first_commit(&async || {
            server.client().await
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn read_committed_concurrent_increments_lose_nothing() {
        let server = TestServer::start();
        super::read_committed_concurrent_increments_lose_nothing(&async || server.client().await)
            .await;
    }
}

/// Every check against PostgreSQL 15, each in a fresh database: the expected behaviour is
/// PostgreSQL's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expectations_are_postgresql_s() {
    let postgres = Postgres::start();
    let admin = postgres.client("postgres").await;
    let fresh = async |database: &str| {
        admin
            .batch_execute(&format!("CREATE DATABASE {database}"))
            .await
            .expect("create database");
    };
    fresh("first_updater_wins").await;
    repeatable_read_second_writer_waits_then_fails_with_40001(&async || {
        postgres.client("first_updater_wins").await
    })
    .await;
    fresh("rolled_back").await;
    repeatable_read_second_writer_proceeds_when_the_first_rolls_back(&async || {
        postgres.client("rolled_back").await
    })
    .await;
    fresh("read_committed").await;
    read_committed_second_writer_waits_and_sees_the_first_commit(&async || {
        postgres.client("read_committed").await
    })
    .await;
    fresh("increments").await;
    read_committed_concurrent_increments_lose_nothing(&async || {
        postgres.client("increments").await
    })
    .await;
}
