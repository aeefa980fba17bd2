//! The `db001` binary over the wire: tokio-postgres and raw protocol messages against a real
//! server process, plus its HTTP endpoint and signal handling.

use db001_tests::TestServer;
use db001_tests::raw::{RawConnection, message, tags};
use tokio_postgres::error::{ErrorPosition, SqlState};
use tokio_postgres::types::Type;
use tokio_postgres::{Client, SimpleQueryMessage};

/// The text rows of a simple query's answer.
fn text_rows(messages: &[SimpleQueryMessage]) -> Vec<Vec<Option<String>>> {
    messages
        .iter()
        .filter_map(|message| match message {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|index| row.get(index).map(str::to_owned))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// The row counts of a simple query's CommandCompletes.
fn completions(messages: &[SimpleQueryMessage]) -> Vec<u64> {
    messages
        .iter()
        .filter_map(|message| match message {
            SimpleQueryMessage::CommandComplete(count) => Some(*count),
            _ => None,
        })
        .collect()
}

async fn accounts(client: &Client) {
    client
        .batch_execute(
            "CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, balance bigint);
             INSERT INTO accounts VALUES (1, 'ann', 100), (2, 'bob', 250), (3, 'cy', NULL)",
        )
        .await
        .expect("create and fill accounts");
}

#[tokio::test]
async fn simple_protocol_create_insert_select() {
    let server = TestServer::start();
    let client = server.client().await;
    let messages = client
        .simple_query("CREATE TABLE t (id int PRIMARY KEY, name text); INSERT INTO t VALUES (1, 'a'), (2, NULL)")
        .await
        .expect("create and insert");
    assert_eq!(completions(&messages), vec![0, 2]);
    let messages = client
        .simple_query("SELECT id, name FROM t ORDER BY id")
        .await
        .expect("select");
    assert_eq!(
        text_rows(&messages),
        vec![
            vec![Some("1".to_owned()), Some("a".to_owned())],
            vec![Some("2".to_owned()), None]
        ]
    );
    assert_eq!(completions(&messages), vec![2]);
}

#[tokio::test]
async fn extended_protocol_with_binary_parameters() {
    let server = TestServer::start();
    let client = server.client().await;
    accounts(&client).await;
    let statement = client
        .prepare("SELECT owner, balance FROM accounts WHERE id = $1")
        .await
        .expect("prepare");
    let row = client
        .query_one(&statement, &[&2_i32])
        .await
        .expect("query");
    assert_eq!(row.get::<_, String>(0), "bob");
    assert_eq!(row.get::<_, i64>(1), 250);
    let row = client
        .query_one(&statement, &[&3_i32])
        .await
        .expect("query");
    assert_eq!(row.get::<_, Option<i64>>(1), None);
    let inserted = client
        .execute(
            "INSERT INTO accounts VALUES ($1, $2, $3)",
            &[&4_i32, &"dee", &Some(7_i64)],
        )
        .await
        .expect("insert with parameters");
    assert_eq!(inserted, 1);
    let rows = client
        .query(
            "SELECT id FROM accounts WHERE balance > $1 ORDER BY id",
            &[&50_i64],
        )
        .await
        .expect("query");
    let ids: Vec<i32> = rows.iter().map(|row| row.get(0)).collect();
    assert_eq!(ids, vec![1, 2]);
}

#[tokio::test]
async fn text_parameters_over_raw_protocol() {
    let server = TestServer::start();
    let client = server.client().await;
    accounts(&client).await;
    let (mut connection, _) = RawConnection::startup(server.address(), "postgres").await;
    let mut batch = message::parse(
        "",
        "SELECT owner, balance FROM accounts WHERE id = $1",
        &[0],
    );
    batch.extend(message::bind("", "", &[0], &[Some(b"1")], &[0]));
    batch.extend(message::execute("", 0));
    batch.extend(message::sync());
    connection.send(&batch).await;
    let messages = connection.read_until_ready().await;
    assert_eq!(tags(&messages), "12DCZ");
    assert_eq!(
        messages[2].data_row_text(),
        vec![Some("ann".to_owned()), Some("100".to_owned())]
    );
    assert_eq!(messages[3].command_tag(), "SELECT 1");

    // A text parameter that is not an integer: 22P02, and the batch is skipped to Sync.
    let mut batch = message::bind("", "", &[], &[Some(b"one")], &[]);
    batch.extend(message::execute("", 0));
    batch.extend(message::sync());
    connection.send(&batch).await;
    let messages = connection.read_until_ready().await;
    assert_eq!(tags(&messages), "EZ");
    assert_eq!(messages[0].sqlstate(), "22P02");
}

#[tokio::test]
async fn describe_reports_parameter_and_column_types() {
    let server = TestServer::start();
    let client = server.client().await;
    accounts(&client).await;
    let statement = client
        .prepare("SELECT id, owner, balance FROM accounts WHERE id = $1")
        .await
        .expect("prepare");
    assert_eq!(statement.params(), &[Type::INT4]);
    let columns: Vec<(&str, &Type)> = statement
        .columns()
        .iter()
        .map(|column| (column.name(), column.type_()))
        .collect();
    assert_eq!(
        columns,
        vec![
            ("id", &Type::INT4),
            ("owner", &Type::TEXT),
            ("balance", &Type::INT8)
        ]
    );
    let insert = client
        .prepare("INSERT INTO accounts VALUES ($1, $2, $3)")
        .await
        .expect("prepare");
    assert_eq!(insert.params(), &[Type::INT4, Type::TEXT, Type::INT8]);
    assert!(insert.columns().is_empty());
}

#[tokio::test]
async fn errors_carry_sqlstate_and_position() {
    let server = TestServer::start();
    let client = server.client().await;
    let error = client
        .simple_query("SELECT * FROM missing")
        .await
        .expect_err("no such table");
    let error = error.as_db_error().expect("server error");
    assert_eq!(error.code(), &SqlState::UNDEFINED_TABLE);
    assert_eq!(error.message(), "relation \"missing\" does not exist");
    assert_eq!(error.position(), Some(&ErrorPosition::Original(15)));

    let error = client
        .simple_query("SELEC 1")
        .await
        .expect_err("syntax error");
    assert_eq!(error.code(), Some(&SqlState::SYNTAX_ERROR));
    assert_eq!(
        error.as_db_error().and_then(|error| error.position()),
        Some(&ErrorPosition::Original(1))
    );

    let error = client
        .query("SELECT 1 / $1", &[&0_i32])
        .await
        .expect_err("division by zero");
    assert_eq!(error.code(), Some(&SqlState::DIVISION_BY_ZERO));
}

#[tokio::test]
async fn session_keeps_working_after_errors() {
    let server = TestServer::start();
    let client = server.client().await;
    accounts(&client).await;
    let error = client
        .execute("INSERT INTO accounts VALUES (1, 'again', 0)", &[])
        .await
        .expect_err("duplicate key");
    assert_eq!(error.code(), Some(&SqlState::UNIQUE_VIOLATION));

    client.batch_execute("BEGIN").await.expect("begin");
    let error = client
        .batch_execute("SELECT nope FROM accounts")
        .await
        .expect_err("bad column");
    assert_eq!(error.code(), Some(&SqlState::UNDEFINED_COLUMN));
    let error = client
        .batch_execute("SELECT 1")
        .await
        .expect_err("transaction is aborted");
    assert_eq!(error.code(), Some(&SqlState::IN_FAILED_SQL_TRANSACTION));
    client.batch_execute("ROLLBACK").await.expect("rollback");

    let row = client
        .query_one("SELECT count(*) FROM accounts", &[])
        .await
        .expect("the session works again");
    assert_eq!(row.get::<_, i64>(0), 3);
}

#[tokio::test]
async fn transaction_status_follows_blocks() {
    let server = TestServer::start();
    let (mut connection, _) = RawConnection::startup(server.address(), "postgres").await;
    let status = |messages: &[db001_tests::raw::BackendMessage]| {
        messages.last().expect("ReadyForQuery").body.clone()
    };
    assert_eq!(status(&connection.query("BEGIN").await), b"T");
    assert_eq!(
        status(&connection.query("SELECT * FROM nowhere").await),
        b"E"
    );
    assert_eq!(status(&connection.query("ROLLBACK").await), b"I");
    assert_eq!(tags(&connection.query("").await), "IZ");
}

/// Sends `bytes` on a fresh session and expects FATAL 08P01 and a closed connection, while
/// another client goes on working.
async fn expect_protocol_violation(bytes: &[u8]) {
    let server = TestServer::start();
    let bystander = server.client().await;
    let (mut connection, _) = RawConnection::startup(server.address(), "postgres").await;
    connection.send(bytes).await;
    let messages = connection.read_until_closed().await;
    assert_eq!(tags(&messages), "E", "{messages:?}");
    assert_eq!(messages[0].sqlstate(), "08P01");
    assert_eq!(messages[0].field(b'S').as_deref(), Some("FATAL"));
    let row = bystander
        .query_one("SELECT 1", &[])
        .await
        .expect("other sessions are unaffected");
    assert_eq!(row.get::<_, i32>(0), 1);
}

#[tokio::test]
async fn huge_message_length_closes_only_that_connection() {
    expect_protocol_violation(b"Q\x7f\xff\xff\xff").await;
}

#[tokio::test]
async fn unknown_message_type_closes_only_that_connection() {
    expect_protocol_violation(b"y\x00\x00\x00\x04").await;
}

#[tokio::test]
async fn too_many_connections_is_53300() {
    let server = TestServer::start_with_args(&["--max-connections", "2"]);
    let _first = server.client().await;
    let _second = server.client().await;
    let Err(error) = server.config().connect(tokio_postgres::NoTls).await else {
        panic!("a third connection was accepted");
    };
    assert_eq!(error.code(), Some(&SqlState::TOO_MANY_CONNECTIONS));
}

#[tokio::test]
async fn health_and_metrics_over_http() {
    let server = TestServer::start();
    let (status, body) = server.http_get("/health");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.starts_with("{\"status\":\"ok\",\"version\":\""),
        "{body}"
    );
    assert!(body.contains("\"uptime_seconds\":"), "{body}");
    assert!(body.contains("\"durable_lsn\":"), "{body}");

    let client = server.client().await;
    let _ = client.simple_query("SELEC 1").await;
    let (status, body) = server.http_get("/metrics");
    assert_eq!(status, 200);
    assert!(body.contains("db001_connections 1"), "{body}");
    assert!(
        body.contains("db001_errors_total{class=\"42\"} 1"),
        "{body}"
    );
    assert!(
        body.contains("# TYPE db001_commits_total counter"),
        "{body}"
    );
    assert_eq!(server.http_get("/nope").0, 404);
}

#[tokio::test]
async fn sigterm_exits_zero_and_committed_data_survives_restart() {
    let mut server = TestServer::start();
    let client = server.client().await;
    accounts(&client).await;
    let status = server.stop();
    assert!(
        status.success(),
        "exit status {status}; log:\n{}",
        server.log()
    );
    assert!(
        client.simple_query("SELECT 1").await.is_err(),
        "the session was closed"
    );

    server.restart();
    let client = server.client().await;
    let row = client
        .query_one("SELECT owner FROM accounts WHERE id = 2", &[])
        .await
        .expect("data survives a clean restart");
    assert_eq!(row.get::<_, String>(0), "bob");
}

#[tokio::test]
async fn acknowledged_commits_survive_kill_9() {
    let mut server = TestServer::start();
    let client = server.client().await;
    accounts(&client).await;
    client
        .execute("UPDATE accounts SET balance = 999 WHERE id = 1", &[])
        .await
        .expect("update");
    server.kill9();
    server.restart();
    let client = server.client().await;
    let row = client
        .query_one("SELECT balance FROM accounts WHERE id = 1", &[])
        .await
        .expect("recovered");
    assert_eq!(row.get::<_, i64>(0), 999);
}
