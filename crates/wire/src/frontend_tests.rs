//! Frontend codec tests: hand-written byte strings in, parsed messages or exact errors out.

use bytes::{Bytes, BytesMut};
use db001_common::SqlState;

use super::*;

/// A regular message: type, length (including itself), body.
fn message(tag: u8, body: &[u8]) -> BytesMut {
    let mut bytes = BytesMut::new();
    bytes.extend_from_slice(&[tag]);
    bytes.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
    bytes.extend_from_slice(body);
    bytes
}

fn parse_one(tag: u8, body: &[u8]) -> Result<FrontendMessage> {
    let mut input = message(tag, body);
    match take_message(&mut input, 1 << 20).expect("well framed") {
        Framed::Frame((tag, body)) => {
            assert!(input.is_empty(), "the frame consumed its bytes exactly");
            FrontendMessage::parse(tag, body)
        }
        Framed::Need(need) => panic!("complete message reported as needing {need} bytes"),
    }
}

#[test]
fn ssl_request_is_recognised() {
    let mut input = BytesMut::from(&b"\x00\x00\x00\x08\x04\xd2\x16\x2f"[..]);
    let Framed::Frame(packet) = take_startup_packet(&mut input).expect("valid") else {
        panic!("complete packet")
    };
    assert_eq!(
        parse_startup(packet).expect("valid"),
        StartupRequest::SslRequest
    );
    assert!(input.is_empty());
}

#[test]
fn gssenc_and_cancel_requests_are_recognised() {
    let gss = Bytes::from_static(b"\x04\xd2\x16\x30");
    assert_eq!(
        parse_startup(gss).expect("valid"),
        StartupRequest::GssEncRequest
    );
    let cancel = Bytes::from_static(b"\x04\xd2\x16\x2e\x00\x00\x00\x07\xff\xff\xff\xfe");
    assert_eq!(
        parse_startup(cancel).expect("valid"),
        StartupRequest::Cancel {
            process_id: 7,
            secret_key: -2
        }
    );
}

#[test]
fn startup_message_parameters_are_read_in_order() {
    let mut input = BytesMut::new();
    let body = b"\x00\x03\x00\x00user\0alice\0database\0shop\0\0";
    input.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
    input.extend_from_slice(body);
    // A pipelined first message stays in the buffer.
    input.extend_from_slice(b"Q\x00\x00\x00\x05\x00");
    let Framed::Frame(packet) = take_startup_packet(&mut input).expect("valid") else {
        panic!("complete packet")
    };
    assert_eq!(
        parse_startup(packet).expect("valid"),
        StartupRequest::Startup {
            minor_version: 0,
            parameters: vec![
                ("user".into(), "alice".into()),
                ("database".into(), "shop".into())
            ],
        }
    );
    assert_eq!(&input[..], b"Q\x00\x00\x00\x05\x00");
}

#[test]
fn other_protocol_versions_are_reported_not_parsed() {
    let v2 = Bytes::from_static(b"\x00\x02\x00\x00user\0x\0\0");
    assert_eq!(
        parse_startup(v2).expect("valid"),
        StartupRequest::UnsupportedVersion { major: 2, minor: 0 }
    );
    let v3_2 = Bytes::from_static(b"\x00\x03\x00\x02user\0x\0\0");
    assert!(matches!(
        parse_startup(v3_2).expect("valid"),
        StartupRequest::Startup {
            minor_version: 2,
            ..
        }
    ));
}

#[test]
fn startup_packet_length_is_bounded() {
    for length in [0_i32, 7, 10_001, -1, i32::MAX] {
        let mut input = BytesMut::from(&length.to_be_bytes()[..]);
        let error = take_startup_packet(&mut input).expect_err("bad length");
        assert_eq!(error.message, "invalid length of startup packet");
        assert_eq!(error.to_error().code(), SqlState::PROTOCOL_VIOLATION);
    }
}

#[test]
fn startup_packet_without_terminator_is_an_error() {
    let packet = Bytes::from_static(b"\x00\x03\x00\x00user\0alice\0");
    let error = parse_startup(packet).expect_err("no final NUL");
    assert_eq!(error.code(), SqlState::PROTOCOL_VIOLATION);
}

#[test]
fn partial_input_asks_for_more() {
    let mut input = BytesMut::from(&b"Q\x00\x00"[..]);
    assert_eq!(take_message(&mut input, 1 << 20), Ok(Framed::Need(2)));
    let mut input = BytesMut::from(&b"Q\x00\x00\x00\x0dselect"[..]);
    assert_eq!(take_message(&mut input, 1 << 20), Ok(Framed::Need(3)));
    assert_eq!(input.len(), 11, "nothing consumed until the frame is whole");
    let mut empty = BytesMut::new();
    assert_eq!(take_message(&mut empty, 1 << 20), Ok(Framed::Need(5)));
}

#[test]
fn unknown_message_type_is_fatal() {
    let mut input = BytesMut::from(&b"y\x00\x00\x00\x04"[..]);
    let error = take_message(&mut input, 1 << 20).expect_err("unknown type");
    assert_eq!(error.message, "invalid frontend message type 121");
    let error = error.to_error();
    assert_eq!(error.code(), SqlState::PROTOCOL_VIOLATION);
    assert_eq!(error.severity(), db001_common::Severity::Fatal);
    // Detected from the first byte alone.
    let mut input = BytesMut::from(&b"y"[..]);
    assert!(take_message(&mut input, 1 << 20).is_err());
}

#[test]
fn bad_lengths_are_fatal() {
    for (bytes, limit) in [
        (&b"Q\x00\x00\x00\x03"[..], 1 << 20),
        (&b"Q\xff\xff\xff\xff"[..], 1 << 20),
        (&b"Q\x7f\xff\xff\xff"[..], 1 << 20),
        (&b"Q\x00\x00\x01\x00"[..], 100),
        // Sync is small by nature: 10000 bytes at most whatever the configured limit.
        (&b"S\x00\x01\x00\x00"[..], 1 << 20),
    ] {
        let mut input = BytesMut::from(bytes);
        let error = take_message(&mut input, limit).expect_err("bad length");
        assert!(
            error.message.starts_with("invalid message length"),
            "{}",
            error.message
        );
    }
}

#[test]
fn query_is_parsed() {
    assert_eq!(
        parse_one(b'Q', b"select 1\0").expect("valid"),
        FrontendMessage::Query {
            sql: "select 1".into()
        }
    );
}

#[test]
fn missing_nul_is_postgres_invalid_string() {
    let error = parse_one(b'Q', b"abcd").expect_err("no NUL");
    assert_eq!(error.code(), SqlState::PROTOCOL_VIOLATION);
    assert_eq!(error.message(), "invalid string in message");
}

#[test]
fn invalid_utf8_is_22021_with_postgres_text() {
    let error = parse_one(b'Q', b"select \xff\xfe\0").expect_err("not UTF-8");
    assert_eq!(error.code(), SqlState::CHARACTER_NOT_IN_REPERTOIRE);
    assert_eq!(
        error.message(),
        "invalid byte sequence for encoding \"UTF8\": 0xff"
    );
    let error = parse_one(b'Q', b"\xc3\x28\0").expect_err("broken sequence");
    assert_eq!(
        error.message(),
        "invalid byte sequence for encoding \"UTF8\": 0xc3 0x28"
    );
}

#[test]
fn trailing_bytes_are_invalid_message_format() {
    let error = parse_one(b'Q', b"select 1\0x").expect_err("extra byte");
    assert_eq!(error.message(), "invalid message format");
    let error = parse_one(b'S', b"x").expect_err("Sync has no body");
    assert_eq!(error.message(), "invalid message format");
}

#[test]
fn parse_is_parsed() {
    assert_eq!(
        parse_one(
            b'P',
            b"s1\0select $1\0\x00\x02\x00\x00\x00\x17\x00\x00\x00\x00"
        )
        .expect("valid"),
        FrontendMessage::Parse {
            name: "s1".into(),
            sql: "select $1".into(),
            param_types: vec![23, 0],
        }
    );
    let error = parse_one(b'P', b"\0select\0\x00\x02\x00\x00\x00\x17").expect_err("short");
    assert_eq!(error.message(), "insufficient data left in message");
}

#[test]
fn bind_is_parsed_with_nulls_and_formats() {
    let body = b"p\0s1\0\x00\x01\x00\x01\x00\x02\x00\x00\x00\x04\x00\x00\x00\x2a\xff\xff\xff\xff\x00\x01\x00\x01";
    assert_eq!(
        parse_one(b'B', body).expect("valid"),
        FrontendMessage::Bind {
            portal: "p".into(),
            statement: "s1".into(),
            param_formats: vec![1],
            params: vec![Some(Bytes::from_static(b"\x00\x00\x00\x2a")), None],
            result_formats: vec![1],
        }
    );
}

#[test]
fn bind_with_impossible_lengths_is_rejected() {
    // Parameter claims 100 bytes, 1 present.
    let body = b"\0\0\x00\x00\x00\x01\x00\x00\x00\x64x\x00\x00";
    assert_eq!(
        parse_one(b'B', body).expect_err("short").message(),
        "insufficient data left in message"
    );
    // Length -2 is neither NULL nor a length.
    let body = b"\0\0\x00\x00\x00\x01\xff\xff\xff\xfe\x00\x00";
    assert!(parse_one(b'B', body).is_err());
    // Negative parameter count.
    let body = b"\0\0\x00\x00\xff\xff\x00\x00";
    assert_eq!(
        parse_one(b'B', body).expect_err("negative count").message(),
        "invalid message format"
    );
}

#[test]
fn describe_execute_close_are_parsed() {
    assert_eq!(
        parse_one(b'D', b"Ss1\0").expect("valid"),
        FrontendMessage::Describe {
            target: Target::Statement,
            name: "s1".into()
        }
    );
    assert_eq!(
        parse_one(b'D', b"P\0").expect("valid"),
        FrontendMessage::Describe {
            target: Target::Portal,
            name: String::new()
        }
    );
    assert_eq!(
        parse_one(b'E', b"\0\x00\x00\x00\x0a").expect("valid"),
        FrontendMessage::Execute {
            portal: String::new(),
            max_rows: 10
        }
    );
    assert_eq!(
        parse_one(b'C', b"Pcur\0").expect("valid"),
        FrontendMessage::Close {
            target: Target::Portal,
            name: "cur".into()
        }
    );
    let error = parse_one(b'D', b"Xa\0").expect_err("bad subtype");
    assert_eq!(error.message(), "invalid DESCRIBE message subtype 88");
    let error = parse_one(b'C', b"Za\0").expect_err("bad subtype");
    assert_eq!(error.message(), "invalid CLOSE message subtype 90");
}

#[test]
fn bodiless_messages_are_parsed() {
    assert_eq!(parse_one(b'S', b"").expect("valid"), FrontendMessage::Sync);
    assert_eq!(parse_one(b'H', b"").expect("valid"), FrontendMessage::Flush);
    assert_eq!(
        parse_one(b'X', b"").expect("valid"),
        FrontendMessage::Terminate
    );
    assert_eq!(
        parse_one(b'c', b"").expect("valid"),
        FrontendMessage::CopyDone
    );
    assert_eq!(
        parse_one(b'F', b"\x00\x00\x00\x00anything").expect("valid"),
        FrontendMessage::FunctionCall
    );
    assert_eq!(
        parse_one(b'd', b"1\t2\n").expect("valid"),
        FrontendMessage::CopyData(Bytes::from_static(b"1\t2\n"))
    );
}

#[test]
fn pipelined_messages_are_cut_one_by_one() {
    let mut input = message(b'P', b"\0select 1\0\x00\x00");
    input.extend_from_slice(&message(b'B', b"\0\0\x00\x00\x00\x00\x00\x00"));
    input.extend_from_slice(&message(b'S', b""));
    let mut tags = Vec::new();
    // Three messages, so at most three frames plus the final Need.
    for _ in 0..4 {
        match take_message(&mut input, 1 << 20).expect("valid") {
            Framed::Frame((tag, _)) => tags.push(tag),
            Framed::Need(_) => break,
        }
    }
    assert_eq!(tags, b"PBS");
}
