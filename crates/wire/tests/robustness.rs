//! Hostile and unlucky clients: malformed frames and fields, too many connections, peers that
//! vanish, FATAL engine errors, and shutdown while sessions are idle or busy. Each must affect
//! only its own connection.

mod support;

use std::time::Duration;

use db001_wire::WireOptions;
use support::Server;
use support::raw::{RawConnection, message, tags};
use tokio_postgres::error::SqlState;

/// Sends `bytes` after startup and expects one FATAL 08P01 and the connection closed, while an
/// unrelated client goes on working.
async fn expect_fatal_protocol_violation(bytes: &[u8], expected_message: &str) {
    let server = Server::start_with(WireOptions {
        max_message_bytes: 1 << 20,
        ..WireOptions::default()
    })
    .await;
    let bystander = server.client().await;
    let (mut connection, _) = RawConnection::startup(server.address, "u").await;
    connection.send(bytes).await;
    let messages = connection.read_until_closed().await;
    assert_eq!(tags(&messages), "E", "{messages:?}");
    assert_eq!(messages[0].sqlstate(), "08P01");
    assert_eq!(messages[0].field(b'S').as_deref(), Some("FATAL"));
    let text = messages[0].field(b'M').expect("message");
    assert!(text.starts_with(expected_message), "{text}");
    let rows = bystander
        .query("select 1", &[])
        .await
        .expect("bystander unaffected");
    assert_eq!(rows[0].get::<_, i32>(0), 1);
}

#[tokio::test]
async fn huge_length_is_fatal_08p01() {
    expect_fatal_protocol_violation(b"Q\x7f\xff\xff\xff", "invalid message length 2147483647")
        .await;
}

#[tokio::test]
async fn message_over_the_limit_is_fatal_08p01() {
    let mut bytes = b"Q".to_vec();
    bytes.extend_from_slice(&((1_i32 << 20) + 100).to_be_bytes());
    expect_fatal_protocol_violation(&bytes, "invalid message length").await;
}

#[tokio::test]
async fn length_below_four_is_fatal_08p01() {
    expect_fatal_protocol_violation(b"Q\x00\x00\x00\x02", "invalid message length 2").await;
}

#[tokio::test]
async fn unknown_message_type_is_fatal_08p01() {
    expect_fatal_protocol_violation(b"y\x00\x00\x00\x04", "invalid frontend message type 121")
        .await;
}

#[tokio::test]
async fn bad_fields_are_errors_and_the_session_goes_on() {
    // PostgreSQL 15 answers a missing terminator or invalid UTF-8 with an ERROR (08P01 and
    // 22021) and keeps the session: the frame itself was sound.
    let server = Server::start().await;
    let (mut connection, _) = RawConnection::startup(server.address, "u").await;
    connection.send(&message::raw(b'Q', b"abcd")).await;
    let messages = connection.read_until_ready().await;
    assert_eq!(tags(&messages), "EZ");
    assert_eq!(messages[0].sqlstate(), "08P01");
    assert_eq!(
        messages[0].field(b'M').as_deref(),
        Some("invalid string in message")
    );

    connection
        .send(&message::raw(b'Q', b"select \xff\xfe\0"))
        .await;
    let messages = connection.read_until_ready().await;
    assert_eq!(messages[0].sqlstate(), "22021");
    assert_eq!(
        messages[0].field(b'M').as_deref(),
        Some("invalid byte sequence for encoding \"UTF8\": 0xff")
    );

    // In the extended protocol the same errors skip to Sync.
    let mut batch = message::raw(b'P', b"\0select 1");
    batch.extend(message::bind("", "", &[], &[], &[]));
    batch.extend(message::sync());
    connection.send(&batch).await;
    let messages = connection.read_until_ready().await;
    assert_eq!(tags(&messages), "EZ");

    // A text parameter that is not UTF-8.
    let mut batch = message::parse("", "select $1::text, $2::int8", &[]);
    batch.extend(message::bind("", "", &[], &[Some(b"\xc3\x28"), None], &[]));
    batch.extend(message::sync());
    connection.send(&batch).await;
    let messages = connection.read_until_ready().await;
    assert_eq!(tags(&messages), "1EZ");
    assert_eq!(messages[1].sqlstate(), "22021");

    assert_eq!(tags(&connection.query("select 1").await), "TDCZ");
}

#[tokio::test]
async fn garbage_before_startup_is_fatal_and_harmless() {
    let server = Server::start().await;
    let mut connection = RawConnection::connect(server.address).await;
    connection.send(b"GET / HTTP/1.1\r\n\r\n").await;
    let messages = connection.read_until_closed().await;
    assert_eq!(tags(&messages), "E");
    assert_eq!(messages[0].sqlstate(), "08P01");
    let client = server.client().await;
    client
        .simple_query("select 1")
        .await
        .expect("server unaffected");
}

#[tokio::test]
async fn too_many_connections_is_fatal_53300() {
    let server = Server::start_with(WireOptions {
        max_connections: 2,
        ..WireOptions::default()
    })
    .await;
    let first = server.client().await;
    let second = server.client().await;
    let Err(error) = server.config().connect(tokio_postgres::NoTls).await else {
        panic!("third connection accepted");
    };
    assert_eq!(error.code(), Some(&SqlState::TOO_MANY_CONNECTIONS));
    assert_eq!(server.metrics.connections_rejected(), 1);
    // The two sessions are untouched, and a slot frees up when one leaves.
    first.simple_query("select 1").await.expect("first works");
    drop(first);
    let mut third = None;
    for _ in 0..100 {
        if let Ok((client, connection)) = server.config().connect(tokio_postgres::NoTls).await {
            tokio::spawn(connection);
            third = Some(client);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let third = third.expect("a slot became free");
    third.simple_query("select 1").await.expect("third works");
    second.simple_query("select 1").await.expect("second works");
}

#[tokio::test]
async fn peer_vanishing_mid_transaction_releases_the_session() {
    let server = Server::start().await;
    {
        let (mut connection, _) = RawConnection::startup(server.address, "u").await;
        assert_eq!(
            connection.query("begin").await.last().expect("Z").body,
            b"T"
        );
        // Half a message, then gone.
        connection.send(b"Q\x00\x00\x00\x20sel").await;
    }
    for _ in 0..100 {
        if server.metrics.connections_current() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the session of a vanished peer was not dropped");
}

#[tokio::test]
async fn fatal_engine_error_closes_only_that_connection() {
    let server = Server::start().await;
    let bystander = server.client().await;
    let (mut connection, _) = RawConnection::startup(server.address, "u").await;
    connection.send(&message::query("fatal")).await;
    let messages = connection.read_until_closed().await;
    assert_eq!(tags(&messages), "E");
    assert_eq!(messages[0].field(b'S').as_deref(), Some("FATAL"));
    bystander
        .simple_query("select 1")
        .await
        .expect("bystander unaffected");
}

#[tokio::test]
async fn terminate_closes_cleanly() {
    let server = Server::start().await;
    let (mut connection, _) = RawConnection::startup(server.address, "u").await;
    connection.send(&message::terminate()).await;
    assert!(connection.read_until_closed().await.is_empty());
}

#[tokio::test]
async fn shutdown_lets_busy_sessions_finish_then_closes_everyone() {
    let mut server = Server::start().await;
    let (mut idle, _) = RawConnection::startup(server.address, "u").await;
    let (mut busy, _) = RawConnection::startup(server.address, "u").await;
    busy.send(&message::query("sleep 300")).await;
    support::fake::wait_until_sleeping(300).await;
    let started = std::time::Instant::now();
    server.shutdown().await.expect("serve returns Ok");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no need to wait out the grace period"
    );

    let messages = busy.read_until_closed().await;
    assert_eq!(
        tags(&messages),
        "CZE",
        "the running statement completes first"
    );
    assert_eq!(messages[2].sqlstate(), "57P01");
    let messages = idle.read_until_closed().await;
    assert_eq!(tags(&messages), "E");
    assert_eq!(messages[0].sqlstate(), "57P01");
    assert!(
        tokio::net::TcpStream::connect(server.address)
            .await
            .is_err(),
        "no longer accepting"
    );
}

#[tokio::test]
async fn shutdown_grace_bounds_a_statement_that_does_not_finish() {
    let mut server = Server::start_with(WireOptions {
        shutdown_grace: Duration::from_millis(200),
        ..WireOptions::default()
    })
    .await;
    let (mut stuck, _) = RawConnection::startup(server.address, "u").await;
    stuck.send(&message::query("sleep 60000")).await;
    support::fake::wait_until_sleeping(60000).await;
    let started = std::time::Instant::now();
    server.shutdown().await.expect("serve returns Ok");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        stuck.read_until_closed().await.is_empty(),
        "aborted without an answer"
    );
}

#[tokio::test]
async fn slow_startup_is_cut_off() {
    let server = Server::start_with(WireOptions {
        startup_timeout: Duration::from_millis(200),
        ..WireOptions::default()
    })
    .await;
    let mut connection = RawConnection::connect(server.address).await;
    connection.send(b"\x00\x00").await;
    assert!(connection.read_until_closed().await.is_empty());
}

#[tokio::test]
async fn idle_sockets_cannot_pile_up_without_bound() {
    // max_connections 1 allows 2 * 1 + 64 = 66 connection tasks.
    let server = Server::start_with(WireOptions {
        max_connections: 1,
        ..WireOptions::default()
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..66 {
        idle.push(RawConnection::connect(server.address).await);
    }
    let mut refused = RawConnection::connect(server.address).await;
    let messages = refused.read_until_closed().await;
    assert_eq!(tags(&messages), "E");
    assert_eq!(messages[0].sqlstate(), "53300");
    // Once the idle sockets are gone, clients are served again.
    drop(idle);
    for _ in 0..100 {
        if let Ok((client, connection)) = server.config().connect(tokio_postgres::NoTls).await {
            tokio::spawn(connection);
            client.simple_query("select 1").await.expect("served");
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server did not recover after the idle sockets closed");
}
