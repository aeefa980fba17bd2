//! The protocol as clients see it, against the scripted engine: startup, simple and extended
//! query flows, formats, errors and transaction status. Expected bytes and texts are what
//! PostgreSQL 15 sends in the same situations.

mod support;

use support::Server;
use support::raw::{RawConnection, message, tags};
use tokio_postgres::SimpleQueryMessage;
use tokio_postgres::error::{ErrorPosition, SqlState};
use tokio_postgres::types::Type;

#[tokio::test]
async fn startup_sends_postgres_15_parameters_in_order() {
    let server = Server::start().await;
    let mut connection = RawConnection::connect(server.address).await;
    connection.send(&message::ssl_request()).await;
    assert_eq!(
        connection.read_byte().await,
        b'N',
        "SSL is refused, not fatal"
    );
    connection
        .send(&message::startup(&[
            ("user", "alice"),
            ("database", "db001"),
            ("application_name", "probe"),
        ]))
        .await;
    let messages = connection.read_until_ready().await;
    assert_eq!(tags(&messages), "RSSSSSSSSSSSSSKZ");
    assert_eq!(messages[0].body, b"\x00\x00\x00\x00", "AuthenticationOk");
    let parameters: Vec<(String, String)> = messages[1..14]
        .iter()
        .map(|message| message.parameter_status())
        .collect();
    let expected = [
        ("application_name", "probe"),
        ("client_encoding", "UTF8"),
        ("DateStyle", "ISO, MDY"),
        ("default_transaction_read_only", "off"),
        ("in_hot_standby", "off"),
        ("integer_datetimes", "on"),
        ("IntervalStyle", "postgres"),
        ("is_superuser", "on"),
        ("server_encoding", "UTF8"),
        ("server_version", "15.0"),
        ("session_authorization", "alice"),
        ("standard_conforming_strings", "on"),
        ("TimeZone", "UTC"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    assert_eq!(parameters, expected);
    assert_eq!(messages[14].body.len(), 8, "BackendKeyData: pid and secret");
    assert_eq!(messages[15].body, b"I");
}

#[tokio::test]
async fn startup_refusals_match_postgres() {
    let server = Server::start().await;

    let mut no_user = RawConnection::connect(server.address).await;
    no_user.send(&message::startup(&[("database", "x")])).await;
    let messages = no_user.read_until_closed().await;
    assert_eq!(tags(&messages), "E");
    assert_eq!(messages[0].sqlstate(), "28000");
    assert_eq!(messages[0].field(b'S').as_deref(), Some("FATAL"));

    let mut version_2 = RawConnection::connect(server.address).await;
    version_2
        .send(&message::startup_version(2, 0, &[("user", "u")]))
        .await;
    let messages = version_2.read_until_closed().await;
    assert_eq!(messages[0].sqlstate(), "0A000");
    assert_eq!(
        messages[0].field(b'M').as_deref(),
        Some("unsupported frontend protocol 2.0: server supports 3.0 to 3.0")
    );

    let mut latin1 = RawConnection::connect(server.address).await;
    latin1
        .send(&message::startup(&[
            ("user", "u"),
            ("client_encoding", "LATIN1"),
        ]))
        .await;
    let messages = latin1.read_until_closed().await;
    assert_eq!(messages[0].sqlstate(), "22023");

    // A newer minor version and a protocol option get NegotiateProtocolVersion first.
    let mut newer = RawConnection::connect(server.address).await;
    newer
        .send(&message::startup_version(
            3,
            2,
            &[("user", "u"), ("_pq_.x", "1")],
        ))
        .await;
    let messages = newer.read_until_ready().await;
    assert_eq!(messages[0].tag, b'v');
    assert_eq!(
        messages[0].body,
        b"\x00\x03\x00\x00\x00\x00\x00\x01_pq_.x\0"
    );
    assert_eq!(messages[1].tag, b'R');
}

#[tokio::test]
async fn cancel_request_is_accepted_and_closed() {
    let server = Server::start().await;
    let mut connection = RawConnection::connect(server.address).await;
    connection.send(&message::cancel_request(1, 2)).await;
    assert!(connection.read_until_closed().await.is_empty());
    assert_eq!(server.metrics.connections_total(), 0, "no session started");
}

#[tokio::test]
async fn simple_query_sends_descriptions_rows_and_tags() {
    let server = Server::start().await;
    let (mut connection, _) = RawConnection::startup(server.address, "u").await;
    let messages = connection
        .query("select 1; insert 3; select series 2")
        .await;
    assert_eq!(tags(&messages), "TDCCTDDCZ");
    assert_eq!(messages[1].data_row_text(), vec![Some("1".to_owned())]);
    assert_eq!(messages[2].command_tag(), "SELECT 1");
    assert_eq!(messages[3].command_tag(), "INSERT 0 3");
    assert_eq!(messages[7].command_tag(), "SELECT 2");
    assert_eq!(messages[8].body, b"I");

    // Only whitespace and semicolons: EmptyQueryResponse.
    let messages = connection.query(" ; ;").await;
    assert_eq!(tags(&messages), "IZ");
}

#[tokio::test]
async fn simple_query_with_tokio_postgres() {
    let server = Server::start().await;
    let client = server.client().await;
    let messages = client.simple_query("select mixed").await.expect("query");
    let SimpleQueryMessage::Row(row) = &messages[1] else {
        panic!("expected a row, got {messages:?}");
    };
    assert_eq!(row.get(0), Some("-9000000000"));
    assert_eq!(row.get(1), Some("héllo"));
    assert_eq!(row.get(2), Some("0.5"));
    assert_eq!(row.get(3), Some("t"));
    assert_eq!(row.get(4), None);
    assert!(matches!(
        messages[2],
        SimpleQueryMessage::CommandComplete(1)
    ));
}

#[tokio::test]
async fn errors_carry_sqlstate_and_position_and_the_session_survives() {
    let server = Server::start().await;
    let client = server.client().await;
    let error = client
        .simple_query("selec 1")
        .await
        .expect_err("syntax error");
    let database_error = error.as_db_error().expect("a server error");
    assert_eq!(database_error.code(), &SqlState::SYNTAX_ERROR);
    assert_eq!(
        database_error.message(),
        "syntax error at or near \"selec\""
    );
    assert_eq!(database_error.position(), Some(&ErrorPosition::Original(1)));

    let error = client.prepare("selec 1").await.expect_err("syntax error");
    assert_eq!(error.code(), Some(&SqlState::SYNTAX_ERROR));

    let rows = client.query("select 1", &[]).await.expect("still serving");
    assert_eq!(rows[0].get::<_, i32>(0), 1);
}

#[tokio::test]
async fn ready_for_query_reports_the_transaction_status() {
    let server = Server::start().await;
    let (mut connection, _) = RawConnection::startup(server.address, "u").await;
    let status = |messages: &[support::raw::BackendMessage]| {
        messages.last().expect("ReadyForQuery").body.clone()
    };
    assert_eq!(status(&connection.query("begin").await), b"T");
    let failed = connection.query("oops").await;
    assert_eq!(tags(&failed), "EZ");
    assert_eq!(status(&failed), b"E");
    let refused = connection.query("select 1").await;
    assert_eq!(refused[0].sqlstate(), "25P02");
    let rolled_back = connection.query("commit").await;
    assert_eq!(rolled_back[0].command_tag(), "ROLLBACK");
    assert_eq!(status(&rolled_back), b"I");
}

#[tokio::test]
async fn extended_protocol_with_binary_parameters_and_results() {
    let server = Server::start().await;
    let client = server.client().await;
    let statement = client.prepare("select $1::int").await.expect("prepare");
    assert_eq!(statement.params(), &[Type::INT4]);
    assert_eq!(statement.columns()[0].type_(), &Type::INT4);
    assert_eq!(statement.columns()[0].name(), "int4");
    for value in [0_i32, 41, -7, i32::MAX] {
        let row = client
            .query_one(&statement, &[&value])
            .await
            .expect("execute");
        assert_eq!(row.get::<_, i32>(0), value);
    }
    let statement = client
        .prepare("select $1::text, $2::int8")
        .await
        .expect("prepare");
    let row = client
        .query_one(&statement, &[&"naïve", &(-5_i64)])
        .await
        .expect("execute");
    assert_eq!(row.get::<_, String>(0), "naïve");
    assert_eq!(row.get::<_, i64>(1), -5);
    let row = client
        .query_one(&statement, &[&None::<String>, &None::<i64>])
        .await
        .expect("NULLs");
    assert_eq!(row.get::<_, Option<String>>(0), None);

    // Binary results of several types.
    let row = client.query_one("select mixed", &[]).await.expect("query");
    assert_eq!(row.get::<_, i64>(0), -9_000_000_000);
    assert_eq!(row.get::<_, String>(1), "héllo");
    assert_eq!(row.get::<_, f64>(2), 0.5);
    assert!(row.get::<_, bool>(3));
    assert_eq!(row.get::<_, Option<String>>(4), None);
}

#[tokio::test]
async fn text_parameters_and_describe_over_raw_messages() {
    let server = Server::start().await;
    let (mut connection, _) = RawConnection::startup(server.address, "u").await;
    let mut batch = message::parse("s1", "select $1::text, $2::int8", &[]);
    batch.extend(message::describe(b'S', "s1"));
    batch.extend(message::bind(
        "",
        "s1",
        &[0],
        &[Some(b"abc"), Some(b"42")],
        &[0, 1],
    ));
    batch.extend(message::describe(b'P', ""));
    batch.extend(message::execute("", 0));
    batch.extend(message::sync());
    connection.send(&batch).await;
    let messages = connection.read_until_ready().await;
    assert_eq!(tags(&messages), "1tT2TDCZ");
    // ParameterDescription: text (25) and int8 (20).
    assert_eq!(
        messages[1].body,
        b"\x00\x02\x00\x00\x00\x19\x00\x00\x00\x14"
    );
    // Describe of the statement reports text format; of the portal, the bound formats.
    assert_eq!(&messages[2].body[messages[2].body.len() - 2..], b"\x00\x00");
    assert_eq!(&messages[4].body[messages[4].body.len() - 2..], b"\x00\x01");
    let values = messages[5].data_row();
    assert_eq!(values[0].as_deref(), Some(&b"abc"[..]));
    assert_eq!(values[1].as_deref(), Some(&42_i64.to_be_bytes()[..]));
    assert_eq!(messages[6].command_tag(), "SELECT 1");

    // A statement without result rows describes as NoData.
    let mut batch = message::parse("", "insert 2", &[]);
    batch.extend(message::describe(b'S', ""));
    batch.extend(message::bind("", "", &[], &[], &[]));
    batch.extend(message::describe(b'P', ""));
    batch.extend(message::execute("", 0));
    batch.extend(message::sync());
    connection.send(&batch).await;
    let messages = connection.read_until_ready().await;
    assert_eq!(tags(&messages), "1tn2nCZ");
    assert_eq!(messages[5].command_tag(), "INSERT 0 2");
}

#[tokio::test]
async fn execute_with_max_rows_suspends_the_portal() {
    let server = Server::start().await;
    let (mut connection, _) = RawConnection::startup(server.address, "u").await;
    let mut batch = message::parse("", "select series 5", &[]);
    batch.extend(message::bind("", "", &[], &[], &[1]));
    for _ in 0..4 {
        batch.extend(message::execute("", 2));
    }
    batch.extend(message::sync());
    connection.send(&batch).await;
    let messages = connection.read_until_ready().await;
    // As PostgreSQL 15: 2 rows, suspended, 2 rows, suspended, last row "SELECT 1", then
    // "SELECT 0" for the drained portal.
    assert_eq!(tags(&messages), "12DDsDDsDCCZ");
    assert_eq!(
        messages[8].data_row()[0].as_deref(),
        Some(&5_i32.to_be_bytes()[..])
    );
    assert_eq!(messages[9].command_tag(), "SELECT 1");
    assert_eq!(messages[10].command_tag(), "SELECT 0");

    // Portals end with the transaction: the next batch cannot execute it.
    let mut batch = message::execute("", 0);
    batch.extend(message::sync());
    connection.send(&batch).await;
    let messages = connection.read_until_ready().await;
    assert_eq!(messages[0].sqlstate(), "34000");
}

#[tokio::test]
async fn errors_discard_the_batch_until_sync() {
    let server = Server::start().await;
    let (mut connection, _) = RawConnection::startup(server.address, "u").await;
    let mut batch = message::parse("", "broken", &[]);
    batch.extend(message::bind("", "", &[], &[], &[]));
    batch.extend(message::execute("", 0));
    batch.extend(message::query("select 1"));
    batch.extend(message::sync());
    batch.extend(message::parse("", "select 1", &[]));
    batch.extend(message::bind("", "", &[], &[], &[]));
    batch.extend(message::execute("", 0));
    batch.extend(message::sync());
    connection.send(&batch).await;
    let first = connection.read_until_ready().await;
    assert_eq!(
        tags(&first),
        "EZ",
        "everything after the error, up to Sync, is skipped"
    );
    assert_eq!(first[0].sqlstate(), "42601");
    let second = connection.read_until_ready().await;
    assert_eq!(tags(&second), "12DCZ");
}

#[tokio::test]
async fn bind_and_name_errors_match_postgres() {
    let server = Server::start().await;
    let (mut connection, _) = RawConnection::startup(server.address, "u").await;
    let cases: Vec<(Vec<u8>, &str, &str)> = vec![
        (
            message::bind("", "s1", &[], &[Some(b"1")], &[]),
            "08P01",
            "bind message supplies 1 parameters, but prepared statement \"s1\" requires 2",
        ),
        (
            message::bind("", "nope", &[], &[], &[]),
            "26000",
            "prepared statement \"nope\" does not exist",
        ),
        (
            message::parse("s1", "select 1", &[]),
            "42P05",
            "prepared statement \"s1\" already exists",
        ),
        (
            message::execute("zz", 0),
            "34000",
            "portal \"zz\" does not exist",
        ),
        (
            message::bind("", "s1", &[0, 0, 0], &[Some(b"a"), Some(b"1")], &[]),
            "08P01",
            "bind message has 3 parameter formats but 2 parameters",
        ),
        (
            message::bind("", "s1", &[], &[Some(b"a"), Some(b"1")], &[0, 0, 0]),
            "08P01",
            "bind message has 3 result formats but query has 2 columns",
        ),
        (
            message::bind("", "s1", &[1], &[Some(b"a"), Some(b"123456789")], &[]),
            "22P03",
            "incorrect binary data format in bind parameter 2",
        ),
        (
            message::raw(b'D', b"Xs1\0"),
            "08P01",
            "invalid DESCRIBE message subtype 88",
        ),
    ];
    connection
        .send(
            &[
                message::parse("s1", "select $1::text, $2::int8", &[]),
                message::sync(),
            ]
            .concat(),
        )
        .await;
    assert_eq!(tags(&connection.read_until_ready().await), "1Z");
    for (request, code, text) in cases {
        connection.send(&[request, message::sync()].concat()).await;
        let messages = connection.read_until_ready().await;
        assert_eq!(tags(&messages), "EZ", "{text}");
        assert_eq!(messages[0].sqlstate(), code, "{text}");
        assert_eq!(messages[0].field(b'M').as_deref(), Some(text));
    }
    // Closing what does not exist is fine; a closed statement is gone.
    let mut batch = message::close(b'S', "missing");
    batch.extend(message::close(b'S', "s1"));
    batch.extend(message::describe(b'S', "s1"));
    batch.extend(message::sync());
    connection.send(&batch).await;
    let messages = connection.read_until_ready().await;
    assert_eq!(tags(&messages), "33EZ");
    assert_eq!(messages[2].sqlstate(), "26000");
}

#[tokio::test]
async fn pipelined_queries_are_all_answered() {
    let server = Server::start().await;
    let client = server.client().await;
    let statement = client.prepare("select $1::int").await.expect("prepare");
    let queries = (0..200).map(|value: i32| {
        let client = &client;
        let statement = &statement;
        async move {
            let row = client.query_one(statement, &[&value]).await.expect("query");
            assert_eq!(row.get::<_, i32>(0), value);
        }
    });
    futures_join_all(queries).await;
}

/// Runs futures concurrently on this task (tokio-postgres pipelines what is in flight).
async fn futures_join_all<F: std::future::Future<Output = ()>>(futures: impl Iterator<Item = F>) {
    let mut pending: Vec<std::pin::Pin<Box<F>>> = futures.map(Box::pin).collect();
    std::future::poll_fn(|context| {
        pending.retain_mut(|future| future.as_mut().poll(context).is_pending());
        if pending.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

#[tokio::test]
async fn large_results_stream_in_pieces() {
    let server = Server::start().await;
    let client = server.client().await;
    let messages = client
        .simple_query("select series 50000")
        .await
        .expect("query");
    let rows = messages
        .iter()
        .filter(|message| matches!(message, SimpleQueryMessage::Row(_)))
        .count();
    assert_eq!(rows, 50_000);
    let rows = client
        .query("select series 30000", &[])
        .await
        .expect("query");
    assert_eq!(rows.len(), 30_000);
    assert_eq!(rows[29_999].get::<_, i32>(0), 30_000);
}

#[tokio::test]
async fn metrics_count_sessions_and_errors() {
    let server = Server::start().await;
    {
        let client = server.client().await;
        client
            .simple_query("select 1; insert 1")
            .await
            .expect("query");
        let _ = client.simple_query("nonsense").await;
        let _ = client.simple_query("begin; select 1; nonsense").await;
        client.simple_query("rollback").await.expect("rollback");
        assert_eq!(server.metrics.connections_current(), 1);
    }
    assert_eq!(server.metrics.connections_total(), 1);
    assert_eq!(server.metrics.errors_by_class(), vec![("42".to_owned(), 2)]);
    // The session ends once the client is dropped.
    for _ in 0..100 {
        if server.metrics.connections_current() == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the session was not released");
}

#[tokio::test]
async fn startup_parameters_reach_the_session_and_changes_are_reported() {
    let server = Server::start().await;
    let mut connection = RawConnection::connect(server.address).await;
    connection
        .send(&message::startup(&[
            ("user", "u"),
            ("DateStyle", "ISO"),
            ("TimeZone", "Etc/UTC"),
            ("options", "-c extra_float_digits=3"),
        ]))
        .await;
    let messages = connection.read_until_ready().await;
    let reported: Vec<(String, String)> = messages
        .iter()
        .filter(|message| message.tag == b'S')
        .map(|message| message.parameter_status())
        .collect();
    assert!(reported.contains(&("DateStyle".to_owned(), "ISO, MDY".to_owned())));
    assert!(reported.contains(&("TimeZone".to_owned(), "Etc/UTC".to_owned())));
    let key_data = &messages[messages.len() - 2];
    assert_eq!(key_data.tag, b'K');
    assert_eq!(
        key_data.body[..4],
        4242_i32.to_be_bytes(),
        "the session's backend pid"
    );

    // SET of a reported parameter is followed by its new ParameterStatus, once.
    let messages = connection
        .query("set application_name to 'reporting'")
        .await;
    assert_eq!(tags(&messages), "CSZ");
    assert_eq!(
        messages[1].parameter_status(),
        ("application_name".to_owned(), "reporting".to_owned())
    );
    let messages = connection.query("set extra_float_digits to 2").await;
    assert_eq!(tags(&messages), "CZ", "not a reported parameter");

    // An unknown startup parameter is FATAL 42704, as in PostgreSQL: after AuthenticationOk,
    // since PostgreSQL applies startup settings once the client is authenticated.
    let mut refused = RawConnection::connect(server.address).await;
    refused
        .send(&message::startup(&[
            ("user", "u"),
            ("no_such_setting", "1"),
        ]))
        .await;
    let messages = refused.read_until_closed().await;
    assert_eq!(tags(&messages), "RE");
    assert_eq!(messages[1].sqlstate(), "42704");
}

#[tokio::test]
async fn empty_prepared_statement_answers_empty_query_response() {
    let server = Server::start().await;
    let (mut connection, _) = RawConnection::startup(server.address, "u").await;
    let mut batch = message::parse("", "", &[]);
    batch.extend(message::bind("", "", &[], &[], &[]));
    batch.extend(message::describe(b'P', ""));
    batch.extend(message::execute("", 0));
    batch.extend(message::sync());
    connection.send(&batch).await;
    // PostgreSQL 15: ParseComplete, BindComplete, NoData, EmptyQueryResponse, ReadyForQuery.
    assert_eq!(tags(&connection.read_until_ready().await), "12nIZ");
}
