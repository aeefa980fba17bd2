//! Two-phase commit across restarts: a prepared transaction survives a crash (kill -9) and a
//! clean restart with its writes invisible and its rows still locked, and `COMMIT PREPARED` /
//! `ROLLBACK PREPARED` after the restart finish it as if nothing happened.

use std::time::Duration;

use db001_tests::{TestServer, error_text};
use tokio_postgres::Client;

async fn rows(client: &Client, sql: &str) -> Vec<String> {
    client
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {}", error_text(&e)))
        .iter()
        .filter_map(|message| match message {
            tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).unwrap_or("NULL"))
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            _ => None,
        })
        .collect()
}

async fn error_code(client: &Client, sql: &str) -> String {
    match client.batch_execute(sql).await {
        Ok(()) => panic!("{sql}: expected an error"),
        Err(error) => error
            .code()
            .map_or_else(|| error.to_string(), |c| c.code().to_string()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_transactions_survive_a_crash_and_a_restart_with_their_locks() {
    let mut server = TestServer::start_with_args(&["--max-prepared-transactions", "4"]);
    let client = server.client().await;
    client
        .batch_execute(
            "CREATE TABLE t (id int PRIMARY KEY, v text); \
             INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')",
        )
        .await
        .expect("setup");
    client
        .batch_execute(
            "BEGIN; \
             UPDATE t SET v = 'ONE' WHERE id = 1; \
             DELETE FROM t WHERE id = 2; \
             INSERT INTO t VALUES (10, 'ten'); \
             SELECT * FROM t WHERE id = 3 FOR SHARE; \
             PREPARE TRANSACTION 'keep'",
        )
        .await
        .expect("prepare keep");
    client
        .batch_execute(
            "BEGIN ISOLATION LEVEL SERIALIZABLE; \
             INSERT INTO t VALUES (20, 'twenty'); \
             PREPARE TRANSACTION 'drop'",
        )
        .await
        .expect("prepare drop");
    // Committed work after the prepares must survive too.
    client
        .batch_execute("INSERT INTO t VALUES (4, 'four')")
        .await
        .expect("insert");

    server.kill9();
    server.restart();
    let client = server.client().await;
    assert_eq!(
        rows(&client, "SELECT gid FROM pg_prepared_xacts ORDER BY gid").await,
        vec!["drop", "keep"]
    );
    // The prepared writes are invisible...
    assert_eq!(
        rows(&client, "SELECT * FROM t ORDER BY id").await,
        vec!["1,one", "2,two", "3,three", "4,four"]
    );
    // ...and still hold their rows: updated, deleted, inserted and FOR SHARE-locked.
    client
        .batch_execute("SET lock_timeout = '200ms'")
        .await
        .expect("set");
    for sql in [
        "UPDATE t SET v = 'x' WHERE id = 1",
        "DELETE FROM t WHERE id = 2",
        "INSERT INTO t VALUES (10, 'again')",
        "UPDATE t SET v = 'x' WHERE id = 3",
        "INSERT INTO t VALUES (20, 'again')",
    ] {
        assert_eq!(error_code(&client, sql).await, "55P03", "{sql}");
    }
    // FOR SHARE coexists with the restored share lock.
    assert_eq!(
        rows(&client, "SELECT v FROM t WHERE id = 3 FOR SHARE NOWAIT").await,
        vec!["three"]
    );

    // A clean restart keeps them as well.
    server.restart();
    let client = server.client().await;
    assert_eq!(
        rows(&client, "SELECT count(*) FROM pg_prepared_xacts").await,
        vec!["2"]
    );
    client
        .batch_execute("COMMIT PREPARED 'keep'; ROLLBACK PREPARED 'drop'")
        .await
        .expect("finish both");
    assert_eq!(
        rows(&client, "SELECT * FROM t ORDER BY id").await,
        vec!["1,ONE", "3,three", "4,four", "10,ten"]
    );
    client
        .batch_execute("UPDATE t SET v = 'free' WHERE id = 3")
        .await
        .expect("the share lock went with the commit");

    // And the outcome is durable, with nothing left prepared.
    server.kill9();
    server.restart();
    let client = server.client().await;
    assert_eq!(
        rows(&client, "SELECT * FROM t ORDER BY id").await,
        vec!["1,ONE", "3,free", "4,four", "10,ten"]
    );
    assert_eq!(
        rows(&client, "SELECT count(*) FROM pg_prepared_xacts").await,
        vec!["0"]
    );
    // Transaction ids restart above every id in the log: a new prepare works normally.
    tokio::time::timeout(
        Duration::from_secs(10),
        client.batch_execute("BEGIN; INSERT INTO t VALUES (5, 'five'); PREPARE TRANSACTION 'again'; COMMIT PREPARED 'again'"),
    )
    .await
    .expect("answered")
    .expect("prepare and commit");
    assert_eq!(
        rows(&client, "SELECT v FROM t WHERE id = 5").await,
        vec!["five"]
    );
}

#[tokio::test]
async fn prepared_transactions_are_disabled_by_default_as_in_postgresql() {
    let server = TestServer::start();
    let client = server.client().await;
    let error = client
        .batch_execute("BEGIN; PREPARE TRANSACTION 'x'")
        .await
        .expect_err("disabled");
    let db_error = error.as_db_error().expect("a server error");
    assert_eq!(db_error.code().code(), "55000");
    assert_eq!(db_error.message(), "prepared transactions are disabled");
    assert_eq!(
        db_error.hint(),
        Some("Set max_prepared_transactions to a nonzero value.")
    );
    assert_eq!(
        rows(&client, "SHOW max_prepared_transactions").await,
        vec!["0"]
    );
    // The failed PREPARE ended the block.
    client.batch_execute("SELECT 1").await.expect("no block");
}

/// PostgreSQL 15 with `max_prepared_transactions = 2`: the third PREPARE fails with 53200 and
/// a hint naming the setting, the failed transaction is rolled back (its row never appears and
/// the block is over), and committing one prepared transaction makes room again.
#[tokio::test]
async fn max_prepared_transactions_limits_prepared_transactions() {
    let server = TestServer::start_with_args(&["--max-prepared-transactions", "2"]);
    let client = server.client().await;
    client
        .batch_execute("CREATE TABLE t (id int PRIMARY KEY)")
        .await
        .expect("create");
    for (id, gid) in [(1, "a"), (2, "b")] {
        client
            .batch_execute(&format!(
                "BEGIN; INSERT INTO t VALUES ({id}); PREPARE TRANSACTION '{gid}'"
            ))
            .await
            .expect("prepare within the limit");
    }
    let error = client
        .batch_execute("BEGIN; INSERT INTO t VALUES (3); PREPARE TRANSACTION 'c'")
        .await
        .expect_err("over the limit");
    let db_error = error.as_db_error().expect("a server error");
    assert_eq!(db_error.code().code(), "53200");
    assert_eq!(
        db_error.message(),
        "maximum number of prepared transactions reached"
    );
    assert_eq!(
        db_error.hint(),
        Some("Increase max_prepared_transactions (currently 2).")
    );
    assert_eq!(
        rows(&client, "SHOW transaction_isolation").await,
        vec!["read committed"],
        "the failed PREPARE ended the block"
    );
    assert_eq!(
        rows(&client, "SELECT count(*) FROM pg_prepared_xacts").await,
        vec!["2"]
    );
    client
        .batch_execute("COMMIT PREPARED 'a'")
        .await
        .expect("commit a");
    client
        .batch_execute("BEGIN; INSERT INTO t VALUES (3); PREPARE TRANSACTION 'c'")
        .await
        .expect("room again");
    client
        .batch_execute("COMMIT PREPARED 'b'; COMMIT PREPARED 'c'")
        .await
        .expect("commit b and c");
    assert_eq!(
        rows(&client, "SELECT id FROM t ORDER BY id").await,
        vec!["1", "2", "3"]
    );
}
