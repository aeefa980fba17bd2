//! Backend codec tests: each message against bytes written out by hand (several of them copied
//! from what PostgreSQL 15 sent for the same thing).

use std::sync::Arc;

use bytes::BytesMut;
use db001_common::{DataType, Error, SqlState};
use db001_engine::{Column, CommandTag};

use super::*;

fn encoded(write: impl FnOnce(&mut BytesMut)) -> Vec<u8> {
    let mut out = BytesMut::new();
    write(&mut out);
    out.to_vec()
}

#[test]
fn fixed_messages() {
    assert_eq!(encoded(encryption_refused), b"N");
    assert_eq!(
        encoded(authentication_ok),
        b"R\x00\x00\x00\x08\x00\x00\x00\x00"
    );
    assert_eq!(
        encoded(|out| backend_key_data(out, 9980, 0x680e_1510)),
        b"K\x00\x00\x00\x0c\x00\x00\x26\xfc\x68\x0e\x15\x10"
    );
    assert_eq!(
        encoded(|out| ready_for_query(out, b'E')),
        b"Z\x00\x00\x00\x05E"
    );
    assert_eq!(encoded(empty_query_response), b"I\x00\x00\x00\x04");
    assert_eq!(encoded(parse_complete), b"1\x00\x00\x00\x04");
    assert_eq!(encoded(bind_complete), b"2\x00\x00\x00\x04");
    assert_eq!(encoded(close_complete), b"3\x00\x00\x00\x04");
    assert_eq!(encoded(no_data), b"n\x00\x00\x00\x04");
    assert_eq!(encoded(portal_suspended), b"s\x00\x00\x00\x04");
}

#[test]
fn parameter_status() {
    assert_eq!(
        encoded(|out| super::parameter_status(out, "DateStyle", "ISO, MDY")),
        b"S\x00\x00\x00\x17DateStyle\0ISO, MDY\0"
    );
}

#[test]
fn negotiate_protocol_version_matches_postgres() {
    // PostgreSQL 15's answer to a 3.2 StartupMessage carrying `_pq_.foo`.
    assert_eq!(
        encoded(|out| negotiate_protocol_version(out, 0, &["_pq_.foo"])),
        b"v\x00\x00\x00\x15\x00\x03\x00\x00\x00\x00\x00\x01_pq_.foo\0"
    );
}

#[test]
fn command_complete_tags() {
    assert_eq!(
        encoded(|out| command_complete(out, &CommandTag::Select(1))),
        b"C\x00\x00\x00\x0dSELECT 1\0"
    );
    assert_eq!(
        encoded(|out| command_complete(out, &CommandTag::Insert(2))),
        b"C\x00\x00\x00\x0fINSERT 0 2\0"
    );
    assert_eq!(
        encoded(|out| command_complete(out, &CommandTag::CreateTable)),
        b"C\x00\x00\x00\x11CREATE TABLE\0"
    );
}

#[test]
fn row_description_matches_postgres() {
    // PostgreSQL 15 for `select 1 as a, 'x'::varchar(5) as b`.
    let columns: Arc<[Column]> = Arc::from(vec![
        Column {
            name: "a".into(),
            data_type: DataType::Int,
            table_oid: 0,
            column_number: 0,
        },
        Column {
            name: "b".into(),
            data_type: DataType::Varchar(Some(5)),
            table_oid: 0,
            column_number: 0,
        },
    ]);
    let bytes = encoded(|out| {
        row_description(out, &columns, |_| Format::Text).expect("small");
    });
    let mut expected = b"T\x00\x00\x00\x2e".to_vec();
    expected.extend_from_slice(
        b"\x00\x02a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x17\x00\x04\xff\xff\xff\xff\x00\x00\
b\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x13\xff\xff\x00\x00\x00\x09\x00\x00",
    );
    assert_eq!(bytes, expected);
    // The format code follows the portal's formats.
    let binary = encoded(|out| {
        row_description(out, &columns[..1], |_| Format::Binary).expect("small");
    });
    assert_eq!(&binary[binary.len() - 2..], b"\x00\x01");
}

#[test]
fn row_description_carries_table_and_column() {
    let columns = [Column {
        name: "id".into(),
        data_type: DataType::BigInt,
        table_oid: 16384,
        column_number: 1,
    }];
    let bytes = encoded(|out| {
        row_description(out, &columns, |_| Format::Text).expect("small");
    });
    assert_eq!(
        bytes,
        b"T\x00\x00\x00\x1b\x00\x01id\0\x00\x00\x40\x00\x00\x01\x00\x00\x00\x14\x00\x08\xff\xff\xff\xff\x00\x00"
    );
}

#[test]
fn parameter_description_lists_oids() {
    assert_eq!(
        encoded(|out| parameter_description(out, &[23, 25]).expect("small")),
        b"t\x00\x00\x00\x0e\x00\x02\x00\x00\x00\x17\x00\x00\x00\x19"
    );
}

#[test]
fn error_response_matches_postgres_fields() {
    let error = Error::syntax("syntax error at or near \"selec\"").with_position(1);
    assert_eq!(
        encoded(|out| error_response(out, &error)),
        b"E\x00\x00\x00\x3eSERROR\0VERROR\0C42601\0Msyntax error at or near \"selec\"\0P1\0\0"
    );
}

#[test]
fn error_response_with_detail_hint_and_fatal() {
    let error = Error::new(SqlState::TOO_MANY_CONNECTIONS, "sorry")
        .with_detail("d")
        .with_hint("h")
        .fatal();
    assert_eq!(
        encoded(|out| error_response(out, &error)),
        b"E\x00\x00\x00\x27SFATAL\0VFATAL\0C53300\0Msorry\0Dd\0Hh\0\0"
    );
}

#[test]
fn error_text_is_capped_at_a_character_boundary_and_at_nul() {
    let long = "é".repeat(ERROR_FIELD_BYTES_MAX);
    let bytes = encoded(|out| error_response(out, &Error::internal(long)));
    assert!(bytes.len() < ERROR_FIELD_BYTES_MAX + 64);
    let message_start = bytes.windows(2).position(|w| w == b"\0M").expect("M field") + 2;
    let message_end = message_start
        + bytes[message_start..]
            .iter()
            .position(|&b| b == 0)
            .expect("terminated");
    assert!(std::str::from_utf8(&bytes[message_start..message_end]).is_ok());

    let bytes = encoded(|out| error_response(out, &Error::internal("a\0b")));
    assert_eq!(
        bytes,
        b"E\x00\x00\x00\x1dSERROR\0VERROR\0CXX000\0Ma\0\0".to_vec()
    );
}

#[test]
fn begin_and_finish_patch_the_length() {
    let mut out = BytesMut::from(&b"prefix"[..]);
    let at = begin(&mut out, b'D');
    out.extend_from_slice(b"xyz");
    finish(&mut out, at).expect("small message");
    assert_eq!(&out[..], b"prefixD\x00\x00\x00\x07xyz");
}
