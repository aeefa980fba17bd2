//! Cancel requests over the wire (what psql's Ctrl-C and every driver's `cancel` send): a
//! CancelRequest quoting a session's process id and secret interrupts its running statement with
//! 57014 "canceling statement due to user request" — a long scan and a lock wait alike — and
//! the session goes on serving. A request with the wrong secret, or for a session that is idle,
//! changes nothing. (Cancellation is best effort, as in PostgreSQL: the tests re-send a cancel
//! that arrived before its statement started, as a user presses Ctrl-C again.)

use std::time::{Duration, Instant};

use db001_tests::TestServer;
use tokio_postgres::error::SqlState;

/// Long enough that only a cancel ends it within the test's bounds.
const LONG_QUERY: &str = "SELECT count(*) FROM generate_series(1, 2000000000)";

/// Sends a cancel after `delay` on its own connection, and again every 500 ms (at most 20
/// times) until `done` is set: cancellation is best effort in PostgreSQL's protocol too — a
/// request that arrives before the statement starts is forgotten — so a client presses
/// Ctrl-C again.
fn cancel_after(
    token: tokio_postgres::CancelToken,
    delay: Duration,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> tokio::task::JoinHandle<usize> {
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        let mut sent = 0;
        while sent < 20 && !done.load(std::sync::atomic::Ordering::SeqCst) {
            token
                .cancel_query(tokio_postgres::NoTls)
                .await
                .expect("send the cancel request");
            sent += 1;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        sent
    })
}

/// Runs `statement` while [`cancel_after`] cancels it; returns its error.
async fn cancelled_run<T: std::fmt::Debug>(
    token: tokio_postgres::CancelToken,
    delay: Duration,
    statement: impl std::future::Future<Output = Result<T, tokio_postgres::Error>>,
) -> tokio_postgres::Error {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let canceller = cancel_after(token, delay, std::sync::Arc::clone(&done));
    let result = tokio::time::timeout(Duration::from_secs(60), statement)
        .await
        .expect("cancelled well within the bound");
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let sent = canceller.await.expect("canceller");
    assert!(sent >= 1, "a cancel request was sent");
    result.expect_err("the statement is cancelled")
}

fn assert_cancelled(error: &tokio_postgres::Error) {
    let db_error = error.as_db_error().unwrap_or_else(|| panic!("{error}"));
    assert_eq!(db_error.code(), &SqlState::QUERY_CANCELED, "{db_error:?}");
    assert_eq!(
        db_error.message(),
        "canceling statement due to user request"
    );
}

#[tokio::test]
async fn a_cancel_request_interrupts_a_long_statement_and_the_session_goes_on() {
    let server = TestServer::start();
    let client = server.client().await;
    let started = Instant::now();
    let error = cancelled_run(
        client.cancel_token(),
        Duration::from_millis(300),
        client.simple_query(LONG_QUERY),
    )
    .await;
    assert_cancelled(&error);
    assert!(started.elapsed() >= Duration::from_millis(300));
    // The same session serves the next statement, in the extended protocol too.
    let row = client
        .query_one("SELECT 1 + $1::int", &[&1i32])
        .await
        .expect("next");
    assert_eq!(row.get::<_, i32>(0), 2);

    // Inside a block the cancelled statement aborts the transaction, as in PostgreSQL.
    client.batch_execute("BEGIN").await.expect("begin");
    let error = cancelled_run(
        client.cancel_token(),
        Duration::from_millis(200),
        client.query(LONG_QUERY, &[]),
    )
    .await;
    assert_cancelled(&error);
    let aborted = client
        .simple_query("SELECT 1")
        .await
        .expect_err("aborted block");
    assert_eq!(
        aborted.as_db_error().map(|e| e.code()),
        Some(&SqlState::IN_FAILED_SQL_TRANSACTION)
    );
    client.batch_execute("ROLLBACK").await.expect("rollback");
}

#[tokio::test]
async fn a_cancel_request_ends_a_lock_wait() {
    let server = TestServer::start();
    let holder = server.client().await;
    let waiter = server.client().await;
    holder
        .batch_execute("CREATE TABLE cancel_t (id int PRIMARY KEY, v int)")
        .await
        .expect("create");
    holder
        .batch_execute("INSERT INTO cancel_t VALUES (1, 0)")
        .await
        .expect("insert");
    holder
        .batch_execute("BEGIN; UPDATE cancel_t SET v = 1 WHERE id = 1")
        .await
        .expect("hold the row");
    let error = cancelled_run(
        waiter.cancel_token(),
        Duration::from_millis(300),
        waiter.simple_query("UPDATE cancel_t SET v = 2 WHERE id = 1"),
    )
    .await;
    assert_cancelled(&error);
    holder.batch_execute("COMMIT").await.expect("commit");
    let row = waiter
        .query_one("SELECT v FROM cancel_t WHERE id = 1", &[])
        .await
        .expect("read");
    assert_eq!(
        row.get::<_, i32>(0),
        1,
        "the cancelled update left no trace"
    );
}

#[tokio::test]
async fn a_wrong_secret_or_an_idle_session_changes_nothing() {
    let server = TestServer::start();
    let holder = server.client().await;
    let waiter = server.client().await;
    holder
        .batch_execute(
            "CREATE TABLE cancel_u (id int PRIMARY KEY, v int); INSERT INTO cancel_u VALUES (1, 0)",
        )
        .await
        .expect("setup");
    // A cancel for an idle session is forgotten: the next statement runs normally.
    waiter
        .cancel_token()
        .cancel_query(tokio_postgres::NoTls)
        .await
        .expect("send the cancel request");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let row = waiter
        .query_one("SELECT count(*) FROM generate_series(1, 100000)", &[])
        .await;
    assert_eq!(row.expect("not cancelled").get::<_, i64>(0), 100_000);

    // A CancelRequest with the right process id and a wrong secret: the wait goes on and the
    // update completes once the holder commits.
    holder
        .batch_execute("BEGIN; UPDATE cancel_u SET v = 1 WHERE id = 1")
        .await
        .expect("hold the row");
    let process_id = waiter
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .expect("pid")
        .get::<_, i32>(0);
    let update = tokio::spawn(async move {
        let result = waiter
            .execute("UPDATE cancel_u SET v = v + 10 WHERE id = 1", &[])
            .await;
        (waiter, result)
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut request = Vec::with_capacity(16);
    request.extend_from_slice(&16i32.to_be_bytes());
    request.extend_from_slice(&80_877_102i32.to_be_bytes());
    request.extend_from_slice(&process_id.to_be_bytes());
    request.extend_from_slice(&0x1234_5678i32.to_be_bytes());
    {
        use tokio::io::AsyncWriteExt;
        let mut stream = tokio::net::TcpStream::connect(server.address())
            .await
            .expect("connect for the cancel");
        stream.write_all(&request).await.expect("send");
        let _ = stream.shutdown().await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!update.is_finished(), "the wrong secret cancelled nothing");
    holder.batch_execute("COMMIT").await.expect("commit");
    let (waiter, result) = tokio::time::timeout(Duration::from_secs(30), update)
        .await
        .expect("the update finishes after the commit")
        .expect("task");
    assert_eq!(result.expect("update"), 1);
    let row = waiter
        .query_one("SELECT v FROM cancel_u WHERE id = 1", &[])
        .await
        .expect("read");
    assert_eq!(row.get::<_, i32>(0), 11);
}
