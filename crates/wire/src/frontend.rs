//! Frontend (client → server) messages: framing and parsing.
//!
//! Two layers, because they fail differently:
//!
//! 1. **Framing** ([`take_startup_packet`], [`take_message`]) cuts one message off the input
//!    buffer. A bad frame — unknown type byte, a length below 4 or above the limit — means the
//!    byte stream can no longer be trusted, so it is a [`FramingError`] and the connection ends
//!    with FATAL 08P01, as in PostgreSQL.
//! 2. **Parsing** ([`parse_startup`], [`FrontendMessage::parse`]) reads the fields of one framed
//!    body. The frame boundary is intact, so a bad field (missing NUL, invalid UTF-8, unknown
//!    Describe subtype, short body) is an ordinary ERROR — 08P01 or 22021, with PostgreSQL 15's
//!    exact messages — and the session goes on (after skipping to Sync in the extended protocol).
//!
//! Bodies are `Bytes` slices of the input buffer: Bind parameter values are sub-slices of the
//! same allocation, never copied.

use bytes::{Buf, Bytes, BytesMut};
use db001_common::{Error, Oid, Result, SqlState};

/// `SSLRequest` code: 1234 << 16 | 5679.
pub const SSL_REQUEST_CODE: i32 = 80_877_103;
/// `GSSENCRequest` code: 1234 << 16 | 5680.
pub const GSSENC_REQUEST_CODE: i32 = 80_877_104;
/// `CancelRequest` code: 1234 << 16 | 5678.
pub const CANCEL_REQUEST_CODE: i32 = 80_877_102;
/// The only protocol major version db001 speaks.
pub const PROTOCOL_MAJOR: u16 = 3;
/// The newest protocol minor version db001 speaks (3.0).
pub const PROTOCOL_MINOR_NEWEST: u16 = 0;
/// PostgreSQL's MAX_STARTUP_PACKET_LENGTH.
pub const STARTUP_PACKET_BYTES_MAX: usize = 10_000;
/// PostgreSQL's PQ_SMALL_MESSAGE_LIMIT, applied to the messages that carry no SQL or data.
pub const SMALL_MESSAGE_BYTES_MAX: usize = 10_000;

/// A framing failure: the stream is unusable and the connection must close.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramingError {
    pub message: String,
}

impl FramingError {
    fn new(message: impl Into<String>) -> FramingError {
        FramingError {
            message: message.into(),
        }
    }

    /// The FATAL 08P01 error sent to the client before closing.
    pub fn to_error(&self) -> Error {
        Error::new(SqlState::PROTOCOL_VIOLATION, self.message.clone()).fatal()
    }
}

/// The result of trying to cut one frame off the input buffer.
#[derive(Debug, PartialEq, Eq)]
pub enum Framed<T> {
    /// A whole frame.
    Frame(T),
    /// Not enough bytes yet: at least this many more are needed.
    Need(usize),
}

/// Cuts one startup-phase packet (`length, payload`; no type byte) off `input`.
pub fn take_startup_packet(input: &mut BytesMut) -> Result<Framed<Bytes>, FramingError> {
    if input.len() < 4 {
        return Ok(Framed::Need(4 - input.len()));
    }
    let length = i32::from_be_bytes([input[0], input[1], input[2], input[3]]);
    // The packet must at least hold its length and a 4-byte code.
    let length = usize::try_from(length)
        .ok()
        .filter(|&length| (8..=STARTUP_PACKET_BYTES_MAX).contains(&length))
        .ok_or_else(|| FramingError::new("invalid length of startup packet"))?;
    if input.len() < length {
        return Ok(Framed::Need(length - input.len()));
    }
    let mut packet = input.split_to(length).freeze();
    packet.advance(4);
    Ok(Framed::Frame(packet))
}

/// What a client asks for before (or instead of) a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartupRequest {
    SslRequest,
    GssEncRequest,
    Cancel {
        process_id: i32,
        secret_key: i32,
    },
    /// A protocol 3.x StartupMessage with its `name, value` parameters in order.
    Startup {
        minor_version: u16,
        parameters: Vec<(String, String)>,
    },
    /// Any other protocol version.
    UnsupportedVersion {
        major: u16,
        minor: u16,
    },
}

/// Parses a startup packet (after its length word).
pub fn parse_startup(packet: Bytes) -> Result<StartupRequest> {
    let mut reader = Reader::new(packet);
    let code = reader.i32()?;
    match code {
        SSL_REQUEST_CODE => {
            reader.finish()?;
            Ok(StartupRequest::SslRequest)
        }
        GSSENC_REQUEST_CODE => {
            reader.finish()?;
            Ok(StartupRequest::GssEncRequest)
        }
        CANCEL_REQUEST_CODE => {
            let process_id = reader.i32()?;
            let secret_key = reader.i32()?;
            reader.finish()?;
            Ok(StartupRequest::Cancel {
                process_id,
                secret_key,
            })
        }
        _ => {
            let major = (code as u32 >> 16) as u16;
            let minor = (code as u32 & 0xffff) as u16;
            if major != PROTOCOL_MAJOR {
                return Ok(StartupRequest::UnsupportedVersion { major, minor });
            }
            // Pairs of strings, ended by an empty name.
            let mut parameters = Vec::new();
            loop {
                let name = reader.cstr()?;
                if name.is_empty() {
                    break;
                }
                let value = reader.cstr()?;
                parameters.push((name, value));
            }
            reader.finish().map_err(|_| {
                Error::new(
                    SqlState::PROTOCOL_VIOLATION,
                    "invalid startup packet layout: expected terminator as last byte",
                )
            })?;
            Ok(StartupRequest::Startup {
                minor_version: minor,
                parameters,
            })
        }
    }
}

/// Whether `tag` is a message type a client may send after startup.
fn is_known_type(tag: u8) -> bool {
    matches!(
        tag,
        b'Q' | b'P' | b'B' | b'D' | b'E' | b'C' | b'S' | b'H' | b'X' | b'F' | b'd' | b'c' | b'f'
    )
}

/// Messages that may carry SQL text or data get the configured limit; the rest are small.
fn is_large_type(tag: u8) -> bool {
    matches!(tag, b'Q' | b'P' | b'B' | b'F' | b'd' | b'f')
}

/// Cuts one regular message (`type, length, body`) off `input`. The returned body excludes the
/// type byte and the length word.
pub fn take_message(
    input: &mut BytesMut,
    max_message_bytes: usize,
) -> Result<Framed<(u8, Bytes)>, FramingError> {
    if input.is_empty() {
        return Ok(Framed::Need(5));
    }
    let tag = input[0];
    if !is_known_type(tag) {
        return Err(FramingError::new(format!(
            "invalid frontend message type {tag}"
        )));
    }
    if input.len() < 5 {
        return Ok(Framed::Need(5 - input.len()));
    }
    let length = i32::from_be_bytes([input[1], input[2], input[3], input[4]]);
    let limit = if is_large_type(tag) {
        max_message_bytes
    } else {
        SMALL_MESSAGE_BYTES_MAX.min(max_message_bytes)
    };
    let length = match usize::try_from(length) {
        Ok(length) if length >= 4 && length <= limit => length,
        _ => {
            return Err(FramingError::new(format!(
                "invalid message length {length} for message type '{}' (limit {limit} bytes)",
                tag as char
            )));
        }
    };
    let total = 1 + length;
    if input.len() < total {
        return Ok(Framed::Need(total - input.len()));
    }
    let mut frame = input.split_to(total).freeze();
    frame.advance(5);
    Ok(Framed::Frame((tag, frame)))
}

/// PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH: the largest password or SASL message.
pub const AUTHENTICATION_MESSAGE_BYTES_MAX: usize = 65_535;

/// Cuts the client's answer to an authentication request off `input`: a `p` message, whose
/// body [`parse_password`], [`parse_sasl_initial_response`] or [`parse_sasl_response`] reads
/// depending on what was asked. `expected` names the answer for the error PostgreSQL sends
/// when another message type arrives (`password`, `SASL`).
pub fn take_authentication_message(
    input: &mut BytesMut,
    expected: &str,
) -> Result<Framed<Bytes>, FramingError> {
    if input.is_empty() {
        return Ok(Framed::Need(5));
    }
    let tag = input[0];
    if tag != b'p' {
        return Err(FramingError::new(format!(
            "expected {expected} response, got message type {tag}"
        )));
    }
    if input.len() < 5 {
        return Ok(Framed::Need(5 - input.len()));
    }
    let length = i32::from_be_bytes([input[1], input[2], input[3], input[4]]);
    let length = usize::try_from(length)
        .ok()
        .filter(|&length| (4..=AUTHENTICATION_MESSAGE_BYTES_MAX).contains(&length))
        .ok_or_else(|| FramingError::new("invalid message length"))?;
    if input.len() < 1 + length {
        return Ok(Framed::Need(1 + length - input.len()));
    }
    let mut frame = input.split_to(1 + length).freeze();
    frame.advance(5);
    Ok(Framed::Frame(frame))
}

/// A PasswordMessage: the password (cleartext, or md5's `md5<hex>` answer). As in
/// PostgreSQL, the body must be exactly one NUL-terminated string, and an empty password is
/// refused (28P01).
pub fn parse_password(body: Bytes) -> Result<Bytes> {
    let end = body.iter().position(|&byte| byte == 0);
    if end != Some(body.len().wrapping_sub(1)) {
        return Err(Error::new(
            SqlState::PROTOCOL_VIOLATION,
            "invalid password packet size",
        ));
    }
    if body.len() == 1 {
        return Err(Error::new(
            SqlState::INVALID_PASSWORD,
            "empty password returned by client",
        ));
    }
    Ok(body.slice(..body.len() - 1))
}

/// A SASLInitialResponse: the mechanism the client chose and its first message (`None` when
/// the client sent length -1, i.e. no initial response).
pub fn parse_sasl_initial_response(body: Bytes) -> Result<(String, Option<Bytes>)> {
    let mut reader = Reader::new(body);
    let mechanism = reader.cstr()?;
    let length = reader.i32()?;
    let data = if length == -1 {
        None
    } else {
        let length = usize::try_from(length).map_err(|_| insufficient_data())?;
        Some(reader.bytes(length)?)
    };
    reader.finish()?;
    Ok((mechanism, data))
}

/// A SASLResponse: the rest of the exchange, as raw bytes.
pub fn parse_sasl_response(body: Bytes) -> Bytes {
    body
}

/// Which kind of object Describe and Close name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Statement,
    Portal,
}

/// One parsed frontend message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrontendMessage {
    Query {
        sql: String,
    },
    Parse {
        name: String,
        sql: String,
        param_types: Vec<Oid>,
    },
    Bind {
        portal: String,
        statement: String,
        param_formats: Vec<i16>,
        /// `None` is SQL NULL (length -1).
        params: Vec<Option<Bytes>>,
        result_formats: Vec<i16>,
    },
    Describe {
        target: Target,
        name: String,
    },
    Execute {
        portal: String,
        /// 0 (or negative) means all rows.
        max_rows: i32,
    },
    Close {
        target: Target,
        name: String,
    },
    Sync,
    Flush,
    Terminate,
    /// Fastpath function call (not supported; answered with an error).
    FunctionCall,
    CopyData(Bytes),
    CopyDone,
    CopyFail {
        message: String,
    },
}

impl FrontendMessage {
    /// Parses the body of a framed message of type `tag`.
    pub fn parse(tag: u8, body: Bytes) -> Result<FrontendMessage> {
        let mut reader = Reader::new(body);
        let message = match tag {
            b'Q' => FrontendMessage::Query {
                sql: reader.cstr()?,
            },
            b'P' => {
                let name = reader.cstr()?;
                let sql = reader.cstr()?;
                let count = reader.count()?;
                let mut param_types = Vec::with_capacity(count.min(reader.remaining() / 4));
                for _ in 0..count {
                    param_types.push(reader.i32()? as u32);
                }
                FrontendMessage::Parse {
                    name,
                    sql,
                    param_types,
                }
            }
            b'B' => {
                let portal = reader.cstr()?;
                let statement = reader.cstr()?;
                let param_formats = reader.format_codes()?;
                let count = reader.count()?;
                let mut params = Vec::with_capacity(count.min(reader.remaining() / 4));
                for _ in 0..count {
                    let length = reader.i32()?;
                    if length == -1 {
                        params.push(None);
                    } else {
                        let length = usize::try_from(length).map_err(|_| insufficient_data())?;
                        params.push(Some(reader.bytes(length)?));
                    }
                }
                let result_formats = reader.format_codes()?;
                FrontendMessage::Bind {
                    portal,
                    statement,
                    param_formats,
                    params,
                    result_formats,
                }
            }
            b'D' => {
                let subtype = reader.u8()?;
                let target = target(subtype, "DESCRIBE")?;
                FrontendMessage::Describe {
                    target,
                    name: reader.cstr()?,
                }
            }
            b'E' => FrontendMessage::Execute {
                portal: reader.cstr()?,
                max_rows: reader.i32()?,
            },
            b'C' => {
                let subtype = reader.u8()?;
                let target = target(subtype, "CLOSE")?;
                FrontendMessage::Close {
                    target,
                    name: reader.cstr()?,
                }
            }
            b'S' => FrontendMessage::Sync,
            b'H' => FrontendMessage::Flush,
            b'X' => FrontendMessage::Terminate,
            b'F' => {
                // The body is irrelevant: the call is refused whatever it names.
                reader.skip_rest();
                FrontendMessage::FunctionCall
            }
            b'd' => FrontendMessage::CopyData(reader.rest()),
            b'c' => FrontendMessage::CopyDone,
            b'f' => FrontendMessage::CopyFail {
                message: reader.cstr()?,
            },
            other => {
                return Err(Error::new(
                    SqlState::PROTOCOL_VIOLATION,
                    format!("invalid frontend message type {other}"),
                ));
            }
        };
        reader.finish()?;
        Ok(message)
    }
}

fn target(subtype: u8, message: &str) -> Result<Target> {
    match subtype {
        b'S' => Ok(Target::Statement),
        b'P' => Ok(Target::Portal),
        other => Err(Error::new(
            SqlState::PROTOCOL_VIOLATION,
            format!("invalid {message} message subtype {other}"),
        )),
    }
}

fn insufficient_data() -> Error {
    Error::new(
        SqlState::PROTOCOL_VIOLATION,
        "insufficient data left in message",
    )
}

/// A bounds-checked cursor over one message body. Every read fails with PostgreSQL's message
/// instead of panicking.
#[derive(Debug)]
struct Reader {
    body: Bytes,
}

impl Reader {
    fn new(body: Bytes) -> Reader {
        Reader { body }
    }

    fn remaining(&self) -> usize {
        self.body.len()
    }

    fn u8(&mut self) -> Result<u8> {
        if self.body.is_empty() {
            return Err(insufficient_data());
        }
        Ok(self.body.get_u8())
    }

    fn i16(&mut self) -> Result<i16> {
        if self.body.len() < 2 {
            return Err(insufficient_data());
        }
        Ok(self.body.get_i16())
    }

    fn i32(&mut self) -> Result<i32> {
        if self.body.len() < 4 {
            return Err(insufficient_data());
        }
        Ok(self.body.get_i32())
    }

    /// A non-negative 16-bit count.
    fn count(&mut self) -> Result<usize> {
        let count = self.i16()?;
        usize::try_from(count)
            .map_err(|_| Error::new(SqlState::PROTOCOL_VIOLATION, "invalid message format"))
    }

    fn format_codes(&mut self) -> Result<Vec<i16>> {
        let count = self.count()?;
        let mut codes = Vec::with_capacity(count.min(self.remaining() / 2));
        for _ in 0..count {
            codes.push(self.i16()?);
        }
        Ok(codes)
    }

    fn bytes(&mut self, length: usize) -> Result<Bytes> {
        if self.body.len() < length {
            return Err(insufficient_data());
        }
        Ok(self.body.split_to(length))
    }

    fn rest(&mut self) -> Bytes {
        self.body.split_to(self.body.len())
    }

    fn skip_rest(&mut self) {
        self.body.clear();
    }

    /// A NUL-terminated UTF-8 string.
    fn cstr(&mut self) -> Result<String> {
        let end = self
            .body
            .iter()
            .position(|&byte| byte == 0)
            .ok_or_else(|| Error::new(SqlState::PROTOCOL_VIOLATION, "invalid string in message"))?;
        let text = self.body.split_to(end);
        self.body.advance(1);
        match std::str::from_utf8(&text) {
            Ok(text) => Ok(text.to_owned()),
            Err(error) => Err(invalid_utf8(&text[error.valid_up_to()..])),
        }
    }

    /// PostgreSQL's `pq_getmsgend`: the body must be fully consumed.
    fn finish(&self) -> Result<()> {
        if self.body.is_empty() {
            Ok(())
        } else {
            Err(Error::new(
                SqlState::PROTOCOL_VIOLATION,
                "invalid message format",
            ))
        }
    }
}

/// PostgreSQL's `invalid byte sequence for encoding "UTF8": 0xc3 0x28`: the bytes of the
/// sequence that the lead byte announces (as far as the input goes).
pub fn invalid_utf8(bad: &[u8]) -> Error {
    let announced = match bad.first() {
        Some(0xc0..=0xdf) => 2,
        Some(0xe0..=0xef) => 3,
        Some(0xf0..=0xf7) => 4,
        _ => 1,
    };
    let shown: Vec<String> = bad
        .iter()
        .take(announced)
        .map(|byte| format!("0x{byte:02x}"))
        .collect();
    Error::new(
        SqlState::CHARACTER_NOT_IN_REPERTOIRE,
        format!(
            "invalid byte sequence for encoding \"UTF8\": {}",
            shown.join(" ")
        ),
    )
}

/// Validates client bytes as UTF-8 with PostgreSQL's error.
pub fn utf8(bytes: &[u8]) -> Result<&str> {
    std::str::from_utf8(bytes).map_err(|error| invalid_utf8(&bytes[error.valid_up_to()..]))
}

#[cfg(test)]
#[path = "frontend_tests.rs"]
mod tests;
