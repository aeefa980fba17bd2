//! Backend (server → client) messages, encoded straight into the connection's output buffer.
//!
//! Every function appends one whole message to a `BytesMut`; nothing is written to the socket
//! here. A message is `type byte, i32 length (including itself), body`: `begin` writes the type
//! and a placeholder length, `finish` patches the length once the body is known, so no body is
//! built in a temporary buffer first.
//!
//! Lengths are `i32` on the wire. Messages whose content the wire bounds by construction
//! (ParameterStatus, CommandComplete, ErrorResponse whose fields are capped at
//! [`ERROR_FIELD_BYTES_MAX`]) cannot overflow; RowDescription and DataRow carry engine output of
//! any size and return an error (54000) instead of a corrupt length.

use bytes::{BufMut, BytesMut};
use db001_common::{Error, Result, SqlState};
use db001_engine::{Column, CommandTag, CopyStream};

use crate::format::Format;

/// Longest message, detail or hint text sent in an ErrorResponse; longer text is cut.
pub const ERROR_FIELD_BYTES_MAX: usize = 64 * 1024;

/// Starts a message: writes its type and a placeholder length; returns where the length goes.
pub(crate) fn begin(out: &mut BytesMut, tag: u8) -> usize {
    out.put_u8(tag);
    let at = out.len();
    out.put_i32(0);
    at
}

/// Patches the length of the message begun at `at`. On overflow the partial message is removed
/// and 54000 returned, so the stream stays well formed.
pub(crate) fn finish(out: &mut BytesMut, at: usize) -> Result<()> {
    match i32::try_from(out.len() - at) {
        Ok(length) => {
            out[at..at + 4].copy_from_slice(&length.to_be_bytes());
            Ok(())
        }
        Err(_) => {
            out.truncate(at - 1);
            Err(Error::new(
                SqlState::PROGRAM_LIMIT_EXCEEDED,
                "out of memory: message to the client would exceed 2 GB",
            ))
        }
    }
}

/// [`finish`] for messages whose size the caller bounds far below `i32::MAX`.
fn finish_bounded(out: &mut BytesMut, at: usize) {
    let length = out.len() - at;
    debug_assert!(
        length <= i32::MAX as usize,
        "bounded message is {length} bytes"
    );
    let length = i32::try_from(length).unwrap_or(i32::MAX);
    out[at..at + 4].copy_from_slice(&length.to_be_bytes());
}

fn put_cstr(out: &mut BytesMut, text: &str) {
    out.put_slice(text.as_bytes());
    out.put_u8(0);
}

/// Writes `text` as a C string, cut at a character boundary to at most `limit` bytes. A NUL
/// inside the text would end the field early on the client side, so it is cut there too.
fn put_cstr_capped(out: &mut BytesMut, text: &str, limit: usize) {
    let mut end = text.len().min(limit);
    if let Some(nul) = text.as_bytes()[..end].iter().position(|&byte| byte == 0) {
        end = nul;
    }
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    put_cstr(out, &text[..end]);
}

/// The single byte answering SSLRequest and GSSENCRequest: not supported, go on in clear text.
pub fn encryption_refused(out: &mut BytesMut) {
    out.put_u8(b'N');
}

/// The one-byte answer accepting an SSLRequest: the TLS handshake follows.
pub fn encryption_accepted(out: &mut BytesMut) {
    out.put_u8(b'S');
}

/// AuthenticationOk.
pub fn authentication_ok(out: &mut BytesMut) {
    let at = begin(out, b'R');
    out.put_i32(0);
    finish_bounded(out, at);
}

/// NegotiateProtocolVersion: the newest minor version supported and the unrecognised `_pq_.`
/// options.
pub fn negotiate_protocol_version(out: &mut BytesMut, newest_minor: u16, unrecognized: &[&str]) {
    let at = begin(out, b'v');
    out.put_i32(i32::from(crate::frontend::PROTOCOL_MAJOR) << 16 | i32::from(newest_minor));
    out.put_i32(i32::try_from(unrecognized.len()).unwrap_or(i32::MAX));
    for option in unrecognized {
        put_cstr_capped(out, option, ERROR_FIELD_BYTES_MAX);
    }
    finish_bounded(out, at);
}

/// ParameterStatus. Callers pass server-chosen names and values of bounded size.
pub fn parameter_status(out: &mut BytesMut, name: &str, value: &str) {
    let at = begin(out, b'S');
    put_cstr_capped(out, name, ERROR_FIELD_BYTES_MAX);
    put_cstr_capped(out, value, ERROR_FIELD_BYTES_MAX);
    finish_bounded(out, at);
}

/// BackendKeyData: the process id and secret a CancelRequest must quote.
pub fn backend_key_data(out: &mut BytesMut, process_id: i32, secret_key: i32) {
    let at = begin(out, b'K');
    out.put_i32(process_id);
    out.put_i32(secret_key);
    finish_bounded(out, at);
}

/// ReadyForQuery with the transaction status byte (`I`, `T` or `E`).
pub fn ready_for_query(out: &mut BytesMut, status: u8) {
    let at = begin(out, b'Z');
    out.put_u8(status);
    finish_bounded(out, at);
}

/// RowDescription: one field per column, with the format code the rows will use.
pub fn row_description(
    out: &mut BytesMut,
    columns: &[Column],
    format: impl Fn(usize) -> Format,
) -> Result<()> {
    let at = begin(out, b'T');
    out.put_i16(i16::try_from(columns.len()).map_err(|_| too_many_columns(columns.len()))?);
    for (index, column) in columns.iter().enumerate() {
        put_cstr(out, &column.name);
        out.put_u32(column.table_oid);
        out.put_i16(column.column_number);
        out.put_u32(column.data_type.oid());
        out.put_i16(column.data_type.type_len());
        out.put_i32(column.data_type.type_modifier());
        out.put_i16(format(index).code());
    }
    finish(out, at)
}

fn too_many_columns(count: usize) -> Error {
    Error::new(
        SqlState::TOO_MANY_COLUMNS,
        format!("target lists can have at most 1664 entries, not {count}"),
    )
}

/// ParameterDescription: the type OID of each `$n`.
pub fn parameter_description(out: &mut BytesMut, type_oids: &[u32]) -> Result<()> {
    let at = begin(out, b't');
    let count = i16::try_from(type_oids.len()).map_err(|_| {
        Error::new(
            SqlState::PROGRAM_LIMIT_EXCEEDED,
            "number of parameters must be between 0 and 65535",
        )
    })?;
    out.put_i16(count);
    for &oid in type_oids {
        out.put_u32(oid);
    }
    finish(out, at)
}

/// CommandComplete with the tag's text (`SELECT 3`, `INSERT 0 1`, ...).
pub fn command_complete(out: &mut BytesMut, tag: &CommandTag) {
    use std::fmt::Write;
    let at = begin(out, b'C');
    // Writing into a BytesMut cannot fail; the tag is a keyword and at most one number.
    let _ = write!(out, "{tag}");
    out.put_u8(0);
    finish_bounded(out, at);
}

/// EmptyQueryResponse: the query string held no statement.
pub fn empty_query_response(out: &mut BytesMut) {
    let at = begin(out, b'I');
    finish_bounded(out, at);
}

/// ErrorResponse: severity (S and V), SQLSTATE (C), message (M), then detail (D), hint (H) and
/// position (P) when present.
pub fn error_response(out: &mut BytesMut, error: &Error) {
    let at = begin(out, b'E');
    let severity = error.severity().as_str();
    out.put_u8(b'S');
    put_cstr(out, severity);
    out.put_u8(b'V');
    put_cstr(out, severity);
    out.put_u8(b'C');
    put_cstr(out, error.code().code());
    out.put_u8(b'M');
    put_cstr_capped(out, error.message(), ERROR_FIELD_BYTES_MAX);
    if let Some(detail) = error.detail() {
        out.put_u8(b'D');
        put_cstr_capped(out, detail, ERROR_FIELD_BYTES_MAX);
    }
    if let Some(hint) = error.hint() {
        out.put_u8(b'H');
        put_cstr_capped(out, hint, ERROR_FIELD_BYTES_MAX);
    }
    if let Some(position) = error.position() {
        use std::fmt::Write;
        out.put_u8(b'P');
        // Writing into a BytesMut cannot fail.
        let _ = write!(out, "{position}");
        out.put_u8(0);
    }
    if let Some(context) = error.context() {
        out.put_u8(b'W');
        put_cstr_capped(out, context, ERROR_FIELD_BYTES_MAX);
    }
    out.put_u8(0);
    finish_bounded(out, at);
}

/// ParseComplete.
pub fn parse_complete(out: &mut BytesMut) {
    empty_message(out, b'1');
}

/// BindComplete.
pub fn bind_complete(out: &mut BytesMut) {
    empty_message(out, b'2');
}

/// CloseComplete.
pub fn close_complete(out: &mut BytesMut) {
    empty_message(out, b'3');
}

/// NoData: the statement or portal returns no rows.
pub fn no_data(out: &mut BytesMut) {
    empty_message(out, b'n');
}

/// PortalSuspended: Execute stopped at its row limit; more rows remain.
pub fn portal_suspended(out: &mut BytesMut) {
    empty_message(out, b's');
}

/// CopyInResponse (`G`) or CopyOutResponse (`H`): the overall format (0 text, 1 binary) and
/// the same format code for each column, as PostgreSQL sends them.
pub fn copy_response(out: &mut BytesMut, tag: u8, stream: CopyStream) {
    let format = u16::from(stream.binary);
    let at = begin(out, tag);
    out.put_u8(format as u8);
    out.put_u16(stream.columns);
    for _ in 0..stream.columns {
        out.put_u16(format);
    }
    finish_bounded(out, at);
}

/// CopyData with `data`.
pub fn copy_data(out: &mut BytesMut, data: &[u8]) {
    let at = begin(out, b'd');
    out.put_slice(data);
    finish_bounded(out, at);
}

/// CopyDone.
pub fn copy_done(out: &mut BytesMut) {
    empty_message(out, b'c');
}

/// AuthenticationCleartextPassword (3), AuthenticationMD5Password (5, with its salt),
/// AuthenticationSASL (10, with the mechanism), SASLContinue (11) and SASLFinal (12).
pub fn authentication(out: &mut BytesMut, code: i32, data: &[u8]) {
    let at = begin(out, b'R');
    out.put_i32(code);
    out.put_slice(data);
    finish_bounded(out, at);
}

fn empty_message(out: &mut BytesMut, tag: u8) {
    let at = begin(out, tag);
    finish_bounded(out, at);
}

#[cfg(test)]
#[path = "backend_tests.rs"]
mod tests;
