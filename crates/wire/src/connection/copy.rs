//! The COPY sub-protocols.
//!
//! **COPY FROM STDIN.** The session answered a COPY with `CommandTag::CopyIn`: send
//! CopyInResponse, then hand each CopyData to the session until CopyDone (the session reports
//! `COPY n`) or CopyFail (the COPY fails with the client's message). Flush and Sync are
//! ignored in between, as PostgreSQL does; any other message fails the COPY with 08P01. After
//! an error the rest of the client's COPY messages are dropped by the main loop, which ignores
//! CopyData, CopyDone and CopyFail outside a COPY.
//!
//! **COPY TO STDOUT.** The session's result holds the output pieces (text lines, or binary
//! rows with the file header and trailer): CopyOutResponse, one CopyData per piece, CopyDone,
//! then CommandComplete `COPY n`.

use std::io;

use db001_common::{Error, SqlState, Value};
use db001_engine::{CommandTag, CopyStream, StatementResult};

use super::{Connection, Incoming, Io};
use crate::backend;
use crate::engine_api::QuerySession;
use crate::frontend;

/// How a COPY FROM STDIN ended.
pub(super) enum CopyInEnd {
    /// CopyDone and the session's `COPY n`, or the error that failed the COPY.
    Finished(Result<StatementResult, Error>),
    /// The connection is gone or must close (EOF, shutdown, a broken frame).
    Close,
}

impl<S: QuerySession> Connection<S> {
    /// Runs the COPY FROM STDIN data phase (see the module docs). `simple`: the COPY came in a
    /// Query message, so the implicit transaction ends with it.
    pub(super) async fn copy_in(
        &mut self,
        stream: CopyStream,
        simple: bool,
    ) -> io::Result<CopyInEnd> {
        backend::copy_response(&mut self.io.output, b'G', stream);
        self.io.flush().await?;
        let max_message_bytes = self.shared.options.max_message_bytes;
        // Each iteration consumes one client message; the client decides how many there are,
        // and a closed or broken connection ends the loop.
        loop {
            let incoming = self
                .io
                .read_frame(&mut self.shutdown, |input| {
                    frontend::take_message(input, max_message_bytes)
                })
                .await?;
            let (tag, body) = match incoming {
                Incoming::Frame(frame) => frame,
                Incoming::Closed | Incoming::Shutdown => return Ok(CopyInEnd::Close),
                Incoming::Broken(error) => {
                    self.shared.metrics.record_error(&error);
                    self.io.send_fatal(&error).await?;
                    return Ok(CopyInEnd::Close);
                }
            };
            match tag {
                b'd' => {
                    if let Err(error) = self.session.copy_data(&body).await {
                        return Ok(CopyInEnd::Finished(Err(error)));
                    }
                }
                b'c' => {
                    let done = self.session.copy_done(simple).await;
                    return Ok(CopyInEnd::Finished(done));
                }
                b'f' => {
                    let message =
                        String::from_utf8_lossy(body.strip_suffix(b"\0").unwrap_or(&body))
                            .into_owned();
                    return Ok(CopyInEnd::Finished(Err(self.session.copy_fail(&message))));
                }
                b'H' | b'S' => {}
                other => {
                    // The session forgets the COPY; the protocol error below is what the
                    // client hears.
                    drop(self.session.copy_fail("protocol violation"));
                    return Ok(CopyInEnd::Finished(Err(Error::new(
                        SqlState::PROTOCOL_VIOLATION,
                        format!("unexpected message type 0x{other:02X} during COPY from stdin"),
                    ))));
                }
            }
        }
    }
}

/// Writes a COPY TO STDOUT result (see the module docs); `false` if `result` is not one.
pub(super) async fn write_copy_out(io: &mut Io, result: &StatementResult) -> io::Result<bool> {
    let CommandTag::CopyOut(stream, rows) = result.tag else {
        return Ok(false);
    };
    backend::copy_response(&mut io.output, b'H', stream);
    for piece in &result.rows {
        let data: &[u8] = match piece.first() {
            Some(Value::Text(text)) => text.as_bytes(),
            Some(Value::Bytea(bytes)) => bytes,
            _ => continue,
        };
        backend::copy_data(&mut io.output, data);
        io.flush_if_large().await?;
    }
    backend::copy_done(&mut io.output);
    backend::command_complete(&mut io.output, &CommandTag::Copy(rows));
    Ok(true)
}
