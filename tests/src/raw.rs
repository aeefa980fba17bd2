//! A byte-level PostgreSQL protocol client for tests that need what drivers will not send:
//! malformed messages, text-format parameters, partial fetches, pipelined batches, and the exact
//! message sequence a server answers with.
//!
//! Depends on std and tokio only, so the wire crate's own tests include this same file
//! (`#[path = ".../tests/src/raw.rs"]`) instead of depending on the test harness. Every read is
//! bounded by [`READ_TIMEOUT`]; helpers panic with a clear message, as test code may.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The longest any single read waits before the test fails.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// One message from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendMessage {
    pub tag: u8,
    pub body: Vec<u8>,
}

impl BackendMessage {
    /// A field of an ErrorResponse or NoticeResponse (`b'C'` for the SQLSTATE, `b'M'`, ...).
    pub fn field(&self, code: u8) -> Option<String> {
        let mut rest = &self.body[..];
        while let Some((&field, tail)) = rest.split_first() {
            if field == 0 {
                break;
            }
            let end = tail.iter().position(|&byte| byte == 0)?;
            if field == code {
                return Some(String::from_utf8_lossy(&tail[..end]).into_owned());
            }
            rest = &tail[end + 1..];
        }
        None
    }

    /// The SQLSTATE of an ErrorResponse.
    pub fn sqlstate(&self) -> String {
        assert_eq!(self.tag, b'E', "not an ErrorResponse: {self:?}");
        self.field(b'C').expect("ErrorResponse has a code")
    }

    /// The tag of a CommandComplete.
    pub fn command_tag(&self) -> String {
        assert_eq!(self.tag, b'C', "not a CommandComplete: {self:?}");
        String::from_utf8_lossy(self.body.strip_suffix(&[0]).unwrap_or(&self.body)).into_owned()
    }

    /// The values of a DataRow as raw bytes (`None` for NULL).
    pub fn data_row(&self) -> Vec<Option<Vec<u8>>> {
        assert_eq!(self.tag, b'D', "not a DataRow: {self:?}");
        let count = i16::from_be_bytes([self.body[0], self.body[1]]);
        let mut values = Vec::new();
        let mut at = 2;
        for _ in 0..count {
            let length = i32::from_be_bytes(self.body[at..at + 4].try_into().expect("4 bytes"));
            at += 4;
            if length < 0 {
                values.push(None);
            } else {
                let length = length as usize;
                values.push(Some(self.body[at..at + length].to_vec()));
                at += length;
            }
        }
        values
    }

    /// The values of a DataRow as text (`None` for NULL).
    pub fn data_row_text(&self) -> Vec<Option<String>> {
        self.data_row()
            .into_iter()
            .map(|value| value.map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
            .collect()
    }

    /// The `(name, value)` of a ParameterStatus.
    pub fn parameter_status(&self) -> (String, String) {
        assert_eq!(self.tag, b'S', "not a ParameterStatus: {self:?}");
        let mut parts = self.body.split(|&byte| byte == 0);
        let name = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
        let value = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
        (name, value)
    }
}

/// The message tags of a sequence, as a string (`"1 2 T D C Z"` style without spaces).
pub fn tags(messages: &[BackendMessage]) -> String {
    messages.iter().map(|message| message.tag as char).collect()
}

/// A raw connection.
#[derive(Debug)]
pub struct RawConnection {
    pub stream: TcpStream,
    buffer: Vec<u8>,
}

impl RawConnection {
    /// Opens a TCP connection without sending anything.
    pub async fn connect(address: SocketAddr) -> RawConnection {
        let stream = tokio::time::timeout(READ_TIMEOUT, TcpStream::connect(address))
            .await
            .expect("connect in time")
            .expect("connect");
        RawConnection {
            stream,
            buffer: Vec::new(),
        }
    }

    /// Connects and completes startup as `user`; returns the startup messages up to and
    /// including ReadyForQuery.
    pub async fn startup(address: SocketAddr, user: &str) -> (RawConnection, Vec<BackendMessage>) {
        let mut connection = RawConnection::connect(address).await;
        connection
            .send(&message::startup(&[("user", user), ("database", "db001")]))
            .await;
        let messages = connection.read_until_ready().await;
        (connection, messages)
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("send");
    }

    /// Reads one byte (the answer to SSLRequest / GSSENCRequest).
    pub async fn read_byte(&mut self) -> u8 {
        if let Some(&byte) = self.buffer.first() {
            self.buffer.remove(0);
            return byte;
        }
        tokio::time::timeout(READ_TIMEOUT, self.stream.read_u8())
            .await
            .expect("answer in time")
            .expect("one byte")
    }

    /// The next message, or `None` once the server closed the connection.
    pub async fn read_message(&mut self) -> Option<BackendMessage> {
        loop {
            if self.buffer.len() >= 5 {
                let length =
                    i32::from_be_bytes(self.buffer[1..5].try_into().expect("4 bytes")) as usize;
                if self.buffer.len() > length {
                    let body = self.buffer[5..1 + length].to_vec();
                    let tag = self.buffer[0];
                    self.buffer.drain(..1 + length);
                    return Some(BackendMessage { tag, body });
                }
            }
            let mut chunk = [0_u8; 8192];
            let read = tokio::time::timeout(READ_TIMEOUT, self.stream.read(&mut chunk))
                .await
                .expect("server answered in time");
            match read {
                Ok(0) | Err(_) => {
                    assert!(self.buffer.is_empty(), "connection closed mid-message");
                    return None;
                }
                Ok(read) => self.buffer.extend_from_slice(&chunk[..read]),
            }
        }
    }

    /// Messages up to and including the next ReadyForQuery.
    pub async fn read_until_ready(&mut self) -> Vec<BackendMessage> {
        let mut messages = Vec::new();
        loop {
            let message = self
                .read_message()
                .await
                .unwrap_or_else(|| panic!("closed before ReadyForQuery; got {messages:?}"));
            let ready = message.tag == b'Z';
            messages.push(message);
            if ready {
                return messages;
            }
        }
    }

    /// Messages until the server closes the connection.
    pub async fn read_until_closed(&mut self) -> Vec<BackendMessage> {
        let mut messages = Vec::new();
        while let Some(message) = self.read_message().await {
            messages.push(message);
        }
        messages
    }

    /// Sends a simple query and reads its answer up to ReadyForQuery.
    pub async fn query(&mut self, sql: &str) -> Vec<BackendMessage> {
        self.send(&message::query(sql)).await;
        self.read_until_ready().await
    }
}

/// Frontend message encoders.
pub mod message {
    fn framed(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut bytes = vec![tag];
        bytes.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
        bytes.extend_from_slice(body);
        bytes
    }

    fn cstr(out: &mut Vec<u8>, text: &str) {
        out.extend_from_slice(text.as_bytes());
        out.push(0);
    }

    /// A protocol 3.0 StartupMessage.
    pub fn startup(parameters: &[(&str, &str)]) -> Vec<u8> {
        startup_version(3, 0, parameters)
    }

    /// A StartupMessage with any protocol version.
    pub fn startup_version(major: u16, minor: u16, parameters: &[(&str, &str)]) -> Vec<u8> {
        let mut body = ((u32::from(major) << 16) | u32::from(minor))
            .to_be_bytes()
            .to_vec();
        for (name, value) in parameters {
            cstr(&mut body, name);
            cstr(&mut body, value);
        }
        body.push(0);
        let mut bytes = (body.len() as i32 + 4).to_be_bytes().to_vec();
        bytes.extend_from_slice(&body);
        bytes
    }

    pub fn ssl_request() -> Vec<u8> {
        b"\x00\x00\x00\x08\x04\xd2\x16\x2f".to_vec()
    }

    pub fn cancel_request(process_id: i32, secret_key: i32) -> Vec<u8> {
        let mut bytes = b"\x00\x00\x00\x10\x04\xd2\x16\x2e".to_vec();
        bytes.extend_from_slice(&process_id.to_be_bytes());
        bytes.extend_from_slice(&secret_key.to_be_bytes());
        bytes
    }

    pub fn query(sql: &str) -> Vec<u8> {
        let mut body = Vec::new();
        cstr(&mut body, sql);
        framed(b'Q', &body)
    }

    pub fn parse(name: &str, sql: &str, type_oids: &[u32]) -> Vec<u8> {
        let mut body = Vec::new();
        cstr(&mut body, name);
        cstr(&mut body, sql);
        body.extend_from_slice(&(type_oids.len() as i16).to_be_bytes());
        for oid in type_oids {
            body.extend_from_slice(&oid.to_be_bytes());
        }
        framed(b'P', &body)
    }

    pub fn bind(
        portal: &str,
        statement: &str,
        param_formats: &[i16],
        params: &[Option<&[u8]>],
        result_formats: &[i16],
    ) -> Vec<u8> {
        let mut body = Vec::new();
        cstr(&mut body, portal);
        cstr(&mut body, statement);
        body.extend_from_slice(&(param_formats.len() as i16).to_be_bytes());
        for format in param_formats {
            body.extend_from_slice(&format.to_be_bytes());
        }
        body.extend_from_slice(&(params.len() as i16).to_be_bytes());
        for param in params {
            match param {
                None => body.extend_from_slice(&(-1_i32).to_be_bytes()),
                Some(value) => {
                    body.extend_from_slice(&(value.len() as i32).to_be_bytes());
                    body.extend_from_slice(value);
                }
            }
        }
        body.extend_from_slice(&(result_formats.len() as i16).to_be_bytes());
        for format in result_formats {
            body.extend_from_slice(&format.to_be_bytes());
        }
        framed(b'B', &body)
    }

    /// Describe a statement (`b'S'`) or a portal (`b'P'`).
    pub fn describe(kind: u8, name: &str) -> Vec<u8> {
        let mut body = vec![kind];
        cstr(&mut body, name);
        framed(b'D', &body)
    }

    pub fn execute(portal: &str, max_rows: i32) -> Vec<u8> {
        let mut body = Vec::new();
        cstr(&mut body, portal);
        body.extend_from_slice(&max_rows.to_be_bytes());
        framed(b'E', &body)
    }

    /// Close a statement (`b'S'`) or a portal (`b'P'`).
    pub fn close(kind: u8, name: &str) -> Vec<u8> {
        let mut body = vec![kind];
        cstr(&mut body, name);
        framed(b'C', &body)
    }

    pub fn sync() -> Vec<u8> {
        framed(b'S', b"")
    }

    pub fn flush() -> Vec<u8> {
        framed(b'H', b"")
    }

    pub fn terminate() -> Vec<u8> {
        framed(b'X', b"")
    }

    /// Any message, framed as given (for malformed input).
    pub fn raw(tag: u8, body: &[u8]) -> Vec<u8> {
        framed(tag, body)
    }
}
