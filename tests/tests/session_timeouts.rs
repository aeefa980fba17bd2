//! Session limits over the wire: `idle_in_transaction_session_timeout` ends a connection that
//! idles inside a transaction block with FATAL 25P03, and leaves idle connections outside one
//! alone; the abandoned transaction's writes are rolled back.

use std::time::Duration;

use db001_tests::TestServer;
use db001_tests::raw::{RawConnection, tags};

#[tokio::test]
async fn idle_in_transaction_session_timeout_ends_the_connection_with_25p03() {
    let server = TestServer::start();
    let (mut setup, _) = RawConnection::startup(server.address(), "postgres").await;
    setup
        .query("CREATE TABLE idle_t (id int PRIMARY KEY)")
        .await;

    let (mut connection, _) = RawConnection::startup(server.address(), "postgres").await;
    let set = connection
        .query("SET idle_in_transaction_session_timeout = '300ms'")
        .await;
    assert_eq!(tags(&set), "CZ", "{set:?}");
    // Idle outside a transaction: nothing happens.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let begin = connection.query("BEGIN").await;
    assert_eq!(tags(&begin), "CZ", "{begin:?}");
    let insert = connection.query("INSERT INTO idle_t VALUES (1)").await;
    assert_eq!(tags(&insert), "CZ", "{insert:?}");
    tokio::time::sleep(Duration::from_millis(900)).await;
    let messages = connection.read_until_closed().await;
    let error = messages
        .iter()
        .find(|message| message.tag == b'E')
        .unwrap_or_else(|| panic!("no ErrorResponse: {messages:?}"));
    assert_eq!(error.sqlstate(), "25P03");
    assert_eq!(error.field(b'V').as_deref(), Some("FATAL"));
    assert_eq!(
        error.field(b'M').as_deref(),
        Some("terminating connection due to idle-in-transaction timeout")
    );
    let count = setup.query("SELECT count(*) FROM idle_t").await;
    let row = count
        .iter()
        .find(|message| message.tag == b'D')
        .expect("a row");
    assert_eq!(row.data_row_text(), vec![Some("0".to_owned())]);
}
