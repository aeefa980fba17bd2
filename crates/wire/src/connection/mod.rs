//! One client connection: its buffers, its session, and the message loop.
//!
//! ```text
//!   accept ─▶ startup (SSLRequest → TLS or refusal, StartupMessage, slot, authentication,
//!              │          settings, ParameterStatus)
//!              ▼
//!   ┌──▶ read one message ──(EOF / Terminate / FATAL / shutdown)──▶ drop session, close
//!   │          │
//!   │          ├─ Query ........... session.simple_query → rows, CommandComplete, ReadyForQuery
//!   │          └─ Parse/Bind/... .. extended protocol (extended.rs); after an error every
//!   │                               message up to Sync is discarded
//!   └──────────┘
//! ```
//!
//! **Output.** Everything is encoded into one `BytesMut` and written when a ReadyForQuery or a
//! Flush is due, when the buffer passes [`OUTPUT_FLUSH_BYTES`], or before the loop would block
//! on the socket — so a round trip costs one `write` however many messages it returns.
//!
//! **Input.** Messages are cut from a `BytesMut` that grows only as far as the message being
//! read needs, and never past `max_message_bytes`.
//!
//! **Failure.** Client-caused problems become ErrorResponses; only framing errors, FATAL engine
//! errors, socket errors and `idle_in_transaction_session_timeout` (idle.rs) end the
//! connection, and they end only this one. Dropping the session rolls back whatever
//! transaction it had open.

mod authenticate;
mod copy;
mod extended;
mod idle;
mod startup;

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use db001_common::{Error, SqlState, Value};
use db001_engine::{Column, CommandTag, StatementResult, TransactionStatus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::backend;
use crate::engine_api::{QueryEngine, QuerySession};
use crate::format::{self, Format, ResultFormats, Scratch};
use crate::frontend::{self, Framed, FrontendMessage};
use crate::server::Shared;
use crate::tls::{Stream, TlsConfig};

use extended::Portal;
use startup::ReportedParameters;

/// Output is written once it grows past this, even mid-result.
pub const OUTPUT_FLUSH_BYTES: usize = 64 * 1024;
/// The smallest read: enough for many small pipelined messages at once.
const READ_CHUNK_BYTES: usize = 8 * 1024;
/// The most the input buffer grows in one step while a large message arrives.
const READ_RESERVE_BYTES_MAX: usize = 1 << 20;

/// How long closing a TLS session may take to send its close_notify.
const TLS_CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// The socket and its two buffers.
#[derive(Debug)]
struct Io {
    stream: Stream,
    /// The client's address (for host-based authentication and logs).
    peer: Option<SocketAddr>,
    input: BytesMut,
    output: BytesMut,
}

/// What reading the next message produced.
enum Incoming<T> {
    Frame(T),
    /// The client closed the connection.
    Closed,
    /// The server is shutting down.
    Shutdown,
    /// The byte stream is broken; send this FATAL error and close.
    Broken(Error),
}

impl Io {
    fn new(stream: TcpStream, peer: Option<SocketAddr>) -> Io {
        Io {
            stream: Stream::Plain(stream),
            peer,
            input: BytesMut::with_capacity(READ_CHUNK_BYTES),
            output: BytesMut::with_capacity(READ_CHUNK_BYTES),
        }
    }

    /// Writes all pending output.
    async fn flush(&mut self) -> io::Result<()> {
        if !self.output.is_empty() {
            self.stream.write_all(&self.output).await?;
            self.output.clear();
            // rustls may hold the last records back until asked; a TCP flush is a no-op.
            if self.stream.is_tls() {
                self.stream.flush().await?;
            }
        }
        Ok(())
    }

    /// Runs the TLS handshake on the plain socket (after answering `S` to an SSLRequest).
    /// `false`: the handshake failed (the client sent something other than a ClientHello, or
    /// gave up) and the connection must end without another byte.
    async fn upgrade_to_tls(&mut self, tls: &TlsConfig) -> io::Result<bool> {
        let Stream::Plain(socket) = std::mem::replace(&mut self.stream, Stream::Upgrading) else {
            return Ok(false);
        };
        match tls.accept(socket).await {
            Ok(stream) => {
                self.stream = Stream::Tls(Box::new(stream));
                Ok(true)
            }
            Err(error) => {
                tracing::debug!(peer = ?self.peer, %error, "TLS handshake failed");
                Ok(false)
            }
        }
    }

    /// Ends a TLS session with close_notify, as PostgreSQL does, so that clients do not
    /// report an unexpected EOF; plain sockets simply close when dropped.
    async fn close(&mut self) {
        if self.stream.is_tls() {
            let _ = tokio::time::timeout(TLS_CLOSE_TIMEOUT, self.stream.shutdown()).await;
        }
    }

    /// Writes pending output if it has grown large.
    async fn flush_if_large(&mut self) -> io::Result<()> {
        if self.output.len() >= OUTPUT_FLUSH_BYTES {
            self.flush().await?;
        }
        Ok(())
    }

    /// Sends a FATAL error and flushes; the caller then closes.
    async fn send_fatal(&mut self, error: &Error) -> io::Result<()> {
        backend::error_response(&mut self.output, &error.clone().fatal());
        self.flush().await
    }

    /// Reads until `take` cuts a frame off the input. Pending output is flushed before the
    /// loop blocks on the socket. Each iteration either returns or reads at least one byte,
    /// and `take` bounds how much a frame may need, so the loop ends.
    async fn read_frame<T>(
        &mut self,
        shutdown: &mut watch::Receiver<bool>,
        mut take: impl FnMut(&mut BytesMut) -> Result<Framed<T>, frontend::FramingError>,
    ) -> io::Result<Incoming<T>> {
        loop {
            let need = match take(&mut self.input) {
                Ok(Framed::Frame(frame)) => return Ok(Incoming::Frame(frame)),
                Ok(Framed::Need(need)) => need,
                Err(error) => return Ok(Incoming::Broken(error.to_error())),
            };
            self.flush().await?;
            self.input
                .reserve(need.clamp(READ_CHUNK_BYTES, READ_RESERVE_BYTES_MAX));
            tokio::select! {
                biased;
                () = crate::server::wait_for_shutdown(shutdown) => return Ok(Incoming::Shutdown),
                read = self.stream.read_buf(&mut self.input) => {
                    if read? == 0 {
                        if !self.input.is_empty() {
                            tracing::debug!("client closed the connection mid-message");
                        }
                        return Ok(Incoming::Closed);
                    }
                }
            }
        }
    }
}

/// Whether the message loop goes on.
#[derive(Debug, PartialEq, Eq)]
enum Flow {
    Continue,
    Close,
}

/// An established session and its protocol state.
struct Connection<S: QuerySession> {
    io: Io,
    session: S,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
    /// Named and unnamed ("") prepared statements.
    statements: HashMap<String, Arc<S::Prepared>>,
    /// Named and unnamed ("") portals; all dropped when a transaction ends.
    portals: HashMap<String, Portal<S::Prepared>>,
    /// After an error in the extended protocol, messages are discarded until Sync.
    skipping_until_sync: bool,
    /// An Execute started a COPY FROM STDIN of this shape (see `copy`).
    pending_copy_in: Option<db001_engine::CopyStream>,
    /// ParameterStatus values as last sent.
    reported: ReportedParameters,
    /// A statement that may change a reported parameter (SET, RESET, end of a transaction
    /// block) ran since ParameterStatus was last checked.
    settings_may_have_changed: bool,
    scratch: Scratch,
}

/// Serves one accepted socket to the end. Never panics on client input; I/O errors end only
/// this connection.
pub(crate) async fn run<E: QueryEngine>(
    stream: TcpStream,
    engine: E,
    shared: Arc<Shared>,
    shutdown: watch::Receiver<bool>,
) {
    let address = stream.peer_addr().ok();
    let peer = address.map_or_else(|| "unknown peer".to_owned(), |address| address.to_string());
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%peer, %error, "could not set TCP_NODELAY");
    }
    match serve_connection(Io::new(stream, address), engine, shared, shutdown).await {
        Ok(()) => tracing::debug!(%peer, "connection closed"),
        Err(error) => tracing::debug!(%peer, %error, "connection ended by I/O error"),
    }
}

async fn serve_connection<E: QueryEngine>(
    mut io: Io,
    engine: E,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) -> io::Result<()> {
    let Some(established) = startup::establish(&mut io, &engine, &shared, &mut shutdown).await?
    else {
        io.close().await;
        return Ok(());
    };
    let mut connection = Connection {
        io,
        session: established.session,
        shared,
        shutdown,
        statements: HashMap::new(),
        portals: HashMap::new(),
        skipping_until_sync: false,
        pending_copy_in: None,
        reported: established.reported,
        settings_may_have_changed: false,
        scratch: Scratch::default(),
    };
    let result = connection.message_loop().await;
    connection.io.close().await;
    drop(established.cancel_registration);
    // The slot is released only after the session (and its transaction) is gone.
    drop(connection);
    drop(established.slot);
    result
}

impl<S: QuerySession> Connection<S> {
    async fn message_loop(&mut self) -> io::Result<()> {
        let max_message_bytes = self.shared.options.max_message_bytes;
        loop {
            let idle_limit = idle::limit(&self.session);
            let read = self.io.read_frame(&mut self.shutdown, |input| {
                frontend::take_message(input, max_message_bytes)
            });
            let incoming = match idle_limit {
                None => read.await?,
                Some(limit) => match tokio::time::timeout(limit, read).await {
                    Ok(incoming) => incoming?,
                    Err(_) => {
                        let error = idle::timeout_error();
                        self.shared.metrics.record_error(&error);
                        return self.io.send_fatal(&error).await;
                    }
                },
            };
            let (tag, body) = match incoming {
                Incoming::Frame(frame) => frame,
                Incoming::Closed => return Ok(()),
                Incoming::Shutdown => return self.terminate_for_shutdown().await,
                Incoming::Broken(error) => {
                    self.shared.metrics.record_error(&error);
                    return self.io.send_fatal(&error).await;
                }
            };
            // As in PostgreSQL, a message skipped until Sync is not even parsed.
            if self.skipping_until_sync && tag != b'S' && tag != b'X' {
                continue;
            }
            let flow = match FrontendMessage::parse(tag, body) {
                Ok(message) => self.handle(message).await?,
                Err(error) => self.malformed(tag, error).await?,
            };
            if flow == Flow::Close {
                return self.io.flush().await;
            }
            if *self.shutdown.borrow() {
                return self.terminate_for_shutdown().await;
            }
        }
    }

    /// PostgreSQL's answer to a fast shutdown: FATAL 57P01, then close.
    async fn terminate_for_shutdown(&mut self) -> io::Result<()> {
        let error = Error::new(
            SqlState::ADMIN_SHUTDOWN,
            "terminating connection due to administrator command",
        );
        self.io.send_fatal(&error).await
    }

    /// A message whose frame was sound but whose fields were not (PostgreSQL reports these
    /// as ordinary errors): extended-protocol messages start the skip to Sync, the others are
    /// answered with ReadyForQuery, and stray COPY messages are ignored as they would be whole.
    async fn malformed(&mut self, tag: u8, error: Error) -> io::Result<Flow> {
        match tag {
            b'd' | b'c' | b'f' => Ok(Flow::Continue),
            b'X' => Ok(Flow::Close),
            b'P' | b'B' | b'C' | b'D' | b'E' | b'H' => self.fail(error, true).await,
            _ => {
                self.skipping_until_sync = false;
                if self.fail(error, false).await? == Flow::Close {
                    return Ok(Flow::Close);
                }
                self.ready_for_query().await?;
                Ok(Flow::Continue)
            }
        }
    }

    async fn handle(&mut self, message: FrontendMessage) -> io::Result<Flow> {
        match message {
            FrontendMessage::Query { sql } => self.simple_query(&sql).await,
            FrontendMessage::Parse {
                name,
                sql,
                param_types,
            } => self.parse(name, &sql, &param_types).await,
            FrontendMessage::Bind {
                portal,
                statement,
                param_formats,
                params,
                result_formats,
            } => {
                self.bind(portal, &statement, &param_formats, &params, &result_formats)
                    .await
            }
            FrontendMessage::Describe { target, name } => self.describe(target, &name).await,
            FrontendMessage::Execute { portal, max_rows } => self.execute(&portal, max_rows).await,
            FrontendMessage::Close { target, name } => Ok(self.close(target, &name)),
            FrontendMessage::Sync => self.sync().await,
            FrontendMessage::Flush => {
                self.io.flush().await?;
                Ok(Flow::Continue)
            }
            FrontendMessage::Terminate => Ok(Flow::Close),
            FrontendMessage::FunctionCall => {
                let error =
                    Error::feature_not_supported("fastpath function calls are not supported");
                if self.fail(error, false).await? == Flow::Close {
                    return Ok(Flow::Close);
                }
                self.ready_for_query().await?;
                Ok(Flow::Continue)
            }
            // Outside COPY these are ignored, as PostgreSQL does (a COPY that failed may leave
            // some in flight).
            FrontendMessage::CopyData(_)
            | FrontendMessage::CopyDone
            | FrontendMessage::CopyFail { .. } => Ok(Flow::Continue),
        }
    }

    /// Sends an ErrorResponse. In the extended protocol the rest of the batch is skipped up to
    /// Sync. A FATAL error closes the connection.
    async fn fail(&mut self, error: Error, extended: bool) -> io::Result<Flow> {
        self.shared.metrics.record_error(&error);
        backend::error_response(&mut self.io.output, &error);
        if error.severity() == db001_common::Severity::Fatal {
            self.io.flush().await?;
            return Ok(Flow::Close);
        }
        if extended {
            self.skipping_until_sync = true;
            self.session.statement_failed();
        }
        self.io.flush_if_large().await?;
        Ok(Flow::Continue)
    }

    /// ReadyForQuery with the session's status, preceded by ParameterStatus for any reported
    /// setting that changed; drops portals once no transaction is open.
    async fn ready_for_query(&mut self) -> io::Result<()> {
        // Checked after every statement, not only after SET: set_config() and the end of a
        // transaction change settings too, and the check is a handful of lookups.
        self.settings_may_have_changed = false;
        self.reported
            .report_changes(&self.session, &mut self.io.output);
        let status = self.session.transaction_status();
        if status == TransactionStatus::Idle {
            self.portals.clear();
        }
        backend::ready_for_query(&mut self.io.output, status.as_byte());
        self.io.flush().await
    }

    /// A Query message: every statement of the string, then ReadyForQuery.
    async fn simple_query(&mut self, sql: &str) -> io::Result<Flow> {
        // As in PostgreSQL, a simple query ends the life of the unnamed prepared statement.
        self.statements.remove("");
        let mut results = Vec::new();
        let outcome = self
            .session
            .simple_query(sql, &mut |result| results.push(result))
            .await;
        let any_result = !results.is_empty();
        let mut failure = outcome.err();
        for mut result in results {
            self.note_tag(&result.tag);
            if let Some(name) = deallocate_target(&result.tag)
                && let Err(error) = deallocate(&mut self.statements, name)
            {
                failure = Some(error);
                break;
            }
            if let CommandTag::CopyIn(columns) = result.tag {
                match self.copy_in(columns, true).await? {
                    copy::CopyInEnd::Close => return Ok(Flow::Close),
                    copy::CopyInEnd::Finished(Ok(done)) => result = done,
                    copy::CopyInEnd::Finished(Err(error)) => {
                        failure = Some(error);
                        break;
                    }
                }
            }
            let written = self
                .write_result(result, &ResultFormats::All(Format::Text))
                .await?;
            if let Err(error) = written {
                failure = Some(error);
                break;
            }
        }
        match failure {
            Some(error) => {
                // A failed statement may have ended a transaction (and with it SET LOCALs).
                self.settings_may_have_changed = true;
                if self.fail(error, false).await? == Flow::Close {
                    return Ok(Flow::Close);
                }
            }
            None if !any_result => backend::empty_query_response(&mut self.io.output),
            None => {}
        }
        self.ready_for_query().await?;
        Ok(Flow::Continue)
    }

    /// Remembers statements after which a reported parameter may differ.
    fn note_tag(&mut self, tag: &CommandTag) {
        self.settings_may_have_changed |= may_change_settings(tag);
        if *tag == CommandTag::DiscardAll {
            // DISCARD ALL includes DEALLOCATE ALL and CLOSE ALL.
            self.statements.clear();
            self.portals.clear();
        }
    }

    /// RowDescription (when the statement returns rows), the rows, CommandComplete.
    async fn write_result(
        &mut self,
        result: StatementResult,
        formats: &ResultFormats,
    ) -> io::Result<Result<(), Error>> {
        if copy::write_copy_out(&mut self.io, &result).await? {
            return Ok(Ok(()));
        }
        if let Some(columns) = &result.columns {
            let described =
                backend::row_description(&mut self.io.output, columns, |index| formats.get(index));
            if let Err(error) = described {
                return Ok(Err(error));
            }
            let written = write_rows(
                &mut self.io,
                &mut self.scratch,
                result.rows.iter(),
                columns,
                formats,
            )
            .await?;
            if let Err(error) = written {
                return Ok(Err(error));
            }
        }
        backend::command_complete(&mut self.io.output, &result.tag);
        Ok(Ok(()))
    }
}

/// What a statement's tag asks the wire to deallocate: all protocol-level statements
/// (`DEALLOCATE ALL`, after the engine dropped its SQL-level ones) or the one named (a name the
/// engine did not know as a SQL-level statement).
fn deallocate_target(tag: &CommandTag) -> Option<Option<&str>> {
    match tag {
        CommandTag::DeallocateAll => Some(None),
        CommandTag::DeallocateProtocol(name) => Some(Some(name.as_str())),
        _ => None,
    }
}

/// `DEALLOCATE name | ALL`: protocol-level prepared statements live here, in the wire, so the
/// wire carries out what the engine parsed. Unknown names are 26000, as in PostgreSQL.
fn deallocate<T>(statements: &mut HashMap<String, T>, name: Option<&str>) -> Result<(), Error> {
    match name {
        None => {
            statements.clear();
            Ok(())
        }
        Some(name) => match statements.remove(name) {
            Some(_) => Ok(()),
            None => Err(Error::new(
                SqlState::new("26000"),
                format!("prepared statement \"{name}\" does not exist"),
            )),
        },
    }
}

/// Whether a statement may have changed a reported parameter: SET and RESET directly, the end
/// of a transaction block by undoing a SET made inside it.
fn may_change_settings(tag: &CommandTag) -> bool {
    matches!(
        tag,
        CommandTag::Set
            | CommandTag::Reset
            | CommandTag::Commit
            | CommandTag::Rollback
            | CommandTag::DiscardAll
            | CommandTag::Copy(_)
    )
}

/// Encodes rows as DataRows straight into the output, writing it out whenever it grows large,
/// so a big result never sits in memory twice. Returns how many rows were sent.
async fn write_rows<R: AsRef<[Value]>>(
    io: &mut Io,
    scratch: &mut Scratch,
    rows: impl Iterator<Item = R>,
    columns: &[Column],
    formats: &ResultFormats,
) -> io::Result<Result<u64, Error>> {
    let mut sent = 0;
    for row in rows {
        let row = row.as_ref();
        if let Err(error) = format::data_row(&mut io.output, row, columns, formats, scratch) {
            return Ok(Err(error));
        }
        sent += 1;
        io.flush_if_large().await?;
    }
    Ok(Ok(sent))
}
