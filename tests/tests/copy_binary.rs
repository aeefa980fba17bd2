//! COPY in binary format against PostgreSQL 15 as the oracle: `COPY ... TO STDOUT (FORMAT
//! binary)` must produce the same bytes, cut into the same CopyData messages, as PostgreSQL;
//! those bytes must load back with `COPY ... FROM STDIN (FORMAT binary)`; and both
//! CopyInResponse and CopyOutResponse must announce binary columns the way PostgreSQL does
//! (drivers pick their decoder from them).

use std::pin::pin;

use bytes::Bytes;
use db001_tests::TestServer;
use db001_tests::postgres::Postgres;
use db001_tests::raw::{RawConnection, message};
use futures_util::{SinkExt, StreamExt};

const TABLE: &str = "CREATE TABLE wide (
    id int PRIMARY KEY, small smallint, big bigint, ratio double precision, amount numeric(12,3),
    name text, flag boolean, day date, at timestamp, blob bytea, tags int[], code varchar(8))";

const ROWS: &str = "INSERT INTO wide VALUES
    (1, 7, 9000000000, 1.5, 12345.678, 'one', true, '2024-02-29', '2024-02-29 13:14:15.5',
     '\\x00ff10', '{1,2,NULL}', 'abc'),
    (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (3, -32768, -1, -0.25, -0.001, '', false, '1999-12-31', '1970-01-01 00:00:00',
     '\\x', '{}', ''),
    (4, 0, 0, '1e300', 0, 'ünïcødé', true, '2000-01-01', '2038-01-19 03:14:08', '\\x41', '{-5}', 'z')";

/// The CopyData pieces of a COPY TO STDOUT, in order.
async fn copy_out(client: &tokio_postgres::Client, sql: &str) -> Vec<Bytes> {
    let stream = client.copy_out(sql).await.expect("COPY TO starts");
    let mut stream = pin!(stream);
    let mut pieces = Vec::new();
    while let Some(piece) = stream.next().await {
        pieces.push(piece.expect("CopyData"));
    }
    pieces
}

/// Sends `data` as one COPY FROM STDIN; the number of rows copied.
async fn copy_in(client: &tokio_postgres::Client, sql: &str, data: Vec<Bytes>) -> u64 {
    let sink = client.copy_in(sql).await.expect("COPY FROM starts");
    let mut sink = pin!(sink);
    for piece in data {
        sink.send(piece).await.expect("CopyData accepted");
    }
    sink.as_mut().finish().await.expect("COPY FROM finishes")
}

#[tokio::test]
async fn binary_copy_out_is_byte_identical_to_postgres_and_loads_back() {
    let postgres = Postgres::start();
    let server = TestServer::start();
    let pg = postgres.client("postgres").await;
    let db = server.client().await;
    for client in [&pg, &db] {
        client.batch_execute(TABLE).await.expect("create table");
        client.batch_execute(ROWS).await.expect("insert rows");
    }

    for sql in [
        "COPY wide TO STDOUT (FORMAT binary)",
        "COPY wide (name, id) TO STDOUT WITH (FORMAT binary)",
        "COPY (SELECT id, amount * 2 AS twice FROM wide ORDER BY id DESC) TO STDOUT (FORMAT binary)",
        "COPY (SELECT id FROM wide WHERE false) TO STDOUT (FORMAT binary)",
    ] {
        let expected = copy_out(&pg, sql).await;
        let actual = copy_out(&db, sql).await;
        assert!(!expected.is_empty(), "{sql}: PostgreSQL sent no data");
        assert_eq!(actual, expected, "{sql}: CopyData pieces differ");
    }

    // PostgreSQL's binary output loads into db001, and db001 then writes it back unchanged.
    let from_postgres = copy_out(&pg, "COPY wide TO STDOUT (FORMAT binary)").await;
    let create_copy = TABLE.replace("CREATE TABLE wide", "CREATE TABLE wide_copy");
    db.batch_execute(&create_copy).await.expect("create copy");
    let copied = copy_in(
        &db,
        "COPY wide_copy FROM STDIN (FORMAT binary)",
        from_postgres.clone(),
    )
    .await;
    assert_eq!(copied, 4);
    let reloaded = copy_out(&db, "COPY wide_copy TO STDOUT (FORMAT binary)").await;
    assert_eq!(reloaded, from_postgres);
    // And the values are the same as PostgreSQL's, compared in text format too.
    let as_text = copy_out(&db, "COPY wide_copy TO STDOUT").await;
    let expected_text = copy_out(&pg, "COPY wide TO STDOUT").await;
    assert_eq!(as_text, expected_text);
}

/// The body of the first message tagged `tag` in the answer to `sql`.
async fn response_body(connection: &mut RawConnection, sql: &str, tag: u8) -> Vec<u8> {
    connection.send(&message::query(sql)).await;
    loop {
        let received = connection
            .read_message()
            .await
            .unwrap_or_else(|| panic!("{sql}: closed before message {}", tag as char));
        if received.tag == tag {
            return received.body;
        }
        assert_ne!(
            received.tag,
            b'E',
            "{sql}: error {:?}",
            received.field(b'M')
        );
    }
}

async fn raw_session(port: u16) -> RawConnection {
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut connection = RawConnection::connect(address).await;
    connection
        .send(&message::startup(&[
            ("user", "postgres"),
            ("database", "postgres"),
        ]))
        .await;
    connection.read_until_ready().await;
    connection
}

#[tokio::test]
async fn copy_responses_announce_the_format_as_postgres_does() {
    let postgres = Postgres::start();
    let server = TestServer::start();
    let mut pg = raw_session(postgres.port()).await;
    let mut db = raw_session(server.address().port()).await;
    for connection in [&mut pg, &mut db] {
        connection.query("CREATE TABLE pair (a int, b text)").await;
    }
    for (sql, tag) in [
        ("COPY pair FROM STDIN (FORMAT binary)", b'G'),
        ("COPY pair FROM STDIN", b'G'),
        ("COPY pair FROM STDIN (FORMAT csv)", b'G'),
        ("COPY pair TO STDOUT (FORMAT binary)", b'H'),
        ("COPY pair TO STDOUT", b'H'),
    ] {
        let expected = response_body(&mut pg, sql, tag).await;
        let actual = response_body(&mut db, sql, tag).await;
        assert_eq!(actual, expected, "{sql}");
        if tag == b'G' {
            // End the COPY FROM and wait for ReadyForQuery on both.
            for connection in [&mut pg, &mut db] {
                connection.send(&message::raw(b'f', b"done\0")).await;
                connection.read_until_ready().await;
            }
        } else {
            for connection in [&mut pg, &mut db] {
                connection.read_until_ready().await;
            }
        }
    }
    assert_eq!(
        response_body(&mut pg, "COPY pair TO STDOUT (FORMAT binary)", b'H').await[0],
        1,
        "PostgreSQL announces binary COPY with overall format 1"
    );
}
