//! The HTTP endpoint: `GET /health` and `GET /metrics`, hand-rolled HTTP/1.1 over tokio.
//!
//! Two read-only endpoints do not justify an HTTP stack (hyper and its tree roughly double the
//! build). Each request is bounded: its head must arrive within [`REQUEST_TIMEOUT`] and fit in
//! [`REQUEST_HEAD_BYTES_MAX`]; at most [`CONNECTIONS_MAX`] are served at once; every response
//! closes the connection. Handlers read atomics and the engine's cheap status calls only, so a
//! scrape never waits on a query.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use db001_engine::Database;
use db001_wire::WireMetrics;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

use crate::metrics::{EngineCounters, EngineSample, Metrics};

/// The largest request head (request line and headers) read.
pub const REQUEST_HEAD_BYTES_MAX: usize = 8 * 1024;
/// How long a client has to send its request head.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// HTTP connections served at once; more are closed unanswered.
pub const CONNECTIONS_MAX: usize = 64;

/// The engine facts the endpoints report; implemented by `Database` (and by fakes in tests,
/// since a `Database` needs a data directory).
pub trait EngineStatus: Send + Sync + std::fmt::Debug {
    fn durable_lsn(&self) -> u64;
    /// Why the engine cannot serve queries, or `None` when it can.
    fn health_problem(&self) -> Option<String>;
    /// Why the engine is degraded while it serves everything (a failed checkpoint, too much
    /// WAL since the last one).
    fn health_warnings(&self) -> Vec<String> {
        Vec::new()
    }
    fn counters(&self) -> EngineCounters;
}

impl EngineStatus for Database {
    fn durable_lsn(&self) -> u64 {
        Database::durable_lsn(self)
    }

    fn health_problem(&self) -> Option<String> {
        if Database::is_healthy(self) {
            None
        } else {
            Some(
                Database::health_problem(self)
                    .unwrap_or_else(|| "engine is not healthy".to_owned()),
            )
        }
    }

    fn health_warnings(&self) -> Vec<String> {
        Database::health_warnings(self)
    }

    fn counters(&self) -> EngineCounters {
        let stats = Database::stats(self);
        EngineCounters {
            commits: stats.commits.load(Ordering::Relaxed),
            rollbacks: stats.rollbacks.load(Ordering::Relaxed),
            statements: stats.statements.load(Ordering::Relaxed),
            conflict_retries: stats.conflict_retries.load(Ordering::Relaxed),
            versions_collected: stats.versions_collected.load(Ordering::Relaxed),
            rows_collected: stats.rows_collected.load(Ordering::Relaxed),
        }
    }
}

/// What the handlers look at.
#[derive(Debug)]
pub struct HttpState {
    pub db: Arc<dyn EngineStatus>,
    pub wire: Arc<WireMetrics>,
    pub metrics: Metrics,
    pub started: Instant,
    /// Set when shutdown begins: /health turns 503 so load balancers stop sending clients.
    pub shutting_down: AtomicBool,
}

/// A response: status code, content type, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Response {
    fn text(status: u16, body: &str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: format!("{body}\n"),
        }
    }
}

/// Accepts HTTP connections until shutdown.
pub async fn serve(
    listener: TcpListener,
    state: Arc<HttpState>,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(CONNECTIONS_MAX));
    loop {
        let accepted = tokio::select! {
            _ = shutdown.wait_for(|&requested| requested) => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(error) => {
                tracing::warn!(%error, "HTTP accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            // Over the limit: closing is the cheapest answer.
            continue;
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            if let Err(error) = handle_connection(stream, &state).await {
                tracing::debug!(%error, "HTTP connection failed");
            }
            drop(permit);
        });
    }
}

async fn handle_connection(mut stream: TcpStream, state: &HttpState) -> std::io::Result<()> {
    let response = match tokio::time::timeout(REQUEST_TIMEOUT, read_head(&mut stream)).await {
        Err(_elapsed) => Response::text(408, "request timeout"),
        Ok(Err(error)) => return Err(error),
        Ok(Ok(None)) => Response::text(431, "request header too large"),
        Ok(Ok(Some(head))) => route(&head, state),
    };
    write_response(&mut stream, &response).await
}

/// Reads up to the blank line ending the head. `None` when it does not fit.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<String>> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0_u8; 1024];
    // Each pass reads at least one byte or returns, and the head is bounded, so this ends.
    loop {
        if let Some(end) = find_head_end(&head) {
            head.truncate(end);
            return Ok(Some(String::from_utf8_lossy(&head).into_owned()));
        }
        if head.len() >= REQUEST_HEAD_BYTES_MAX {
            return Ok(None);
        }
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            // The client stopped sending: answer what arrived.
            return Ok(Some(String::from_utf8_lossy(&head).into_owned()));
        }
        head.extend_from_slice(&chunk[..read]);
    }
}

fn find_head_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .or_else(|| bytes.windows(2).position(|window| window == b"\n\n"))
}

/// Picks the response for a request head.
pub fn route(head: &str, state: &HttpState) -> Response {
    let mut parts = head.lines().next().unwrap_or("").split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Response::text(400, "bad request");
    };
    let path = target.split('?').next().unwrap_or(target);
    match (method, path) {
        ("GET", "/health") => health(state),
        ("GET", "/metrics") => Response {
            status: 200,
            content_type: "text/plain; version=0.0.4; charset=utf-8",
            body: state.metrics.render(&state.wire, sample(state)),
        },
        (_, "/health" | "/metrics") => Response::text(405, "method not allowed"),
        _ => Response::text(404, "not found"),
    }
}

fn sample(state: &HttpState) -> EngineSample {
    EngineSample {
        durable_lsn: state.db.durable_lsn(),
        healthy: state.db.health_problem().is_none(),
        counters: state.db.counters(),
        started: state.started,
    }
}

/// 200 with the server's vital signs when it serves queries (`"status":"ok"`, or
/// `"degraded"` with `"reasons"` when checkpoints fail or fall behind); 503 with the reason
/// when it does not (shutting down, or the WAL failed and only reads are served).
pub fn health(state: &HttpState) -> Response {
    let uptime_seconds = state.started.elapsed().as_secs();
    let durable_lsn = state.db.durable_lsn();
    let version = env!("CARGO_PKG_VERSION");
    let reason = if state.shutting_down.load(Ordering::Acquire) {
        Some("shutting down".to_owned())
    } else {
        state.db.health_problem()
    };
    let warnings = if reason.is_none() {
        state.db.health_warnings()
    } else {
        Vec::new()
    };
    match reason {
        None if !warnings.is_empty() => Response {
            status: 200,
            content_type: "application/json",
            body: format!(
                "{{\"status\":\"degraded\",\"reasons\":[{}],\"version\":\"{version}\",\"uptime_seconds\":{uptime_seconds},\"durable_lsn\":{durable_lsn}}}\n",
                warnings
                    .iter()
                    .map(|warning| json_string(warning))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        },
        None => Response {
            status: 200,
            content_type: "application/json",
            body: format!(
                "{{\"status\":\"ok\",\"version\":\"{version}\",\"uptime_seconds\":{uptime_seconds},\"durable_lsn\":{durable_lsn}}}\n"
            ),
        },
        Some(reason) => Response {
            status: 503,
            // The reason may quote an I/O error: escape it as a JSON string.
            content_type: "application/json",
            body: format!(
                "{{\"status\":\"unavailable\",\"reason\":{},\"version\":\"{version}\",\"uptime_seconds\":{uptime_seconds},\"durable_lsn\":{durable_lsn}}}\n",
                json_string(&reason)
            ),
        },
    }
}

/// A JSON string literal.
fn json_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            c if u32::from(c) < 0x20 => quoted.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

async fn write_response(stream: &mut TcpStream, response: &Response) -> std::io::Result<()> {
    let reason = match response.status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Unknown",
    };
    let mut bytes = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n",
        response.status,
        response.content_type,
        response.body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(response.body.as_bytes());
    stream.write_all(&bytes).await?;
    stream.shutdown().await?;
    linger(stream).await;
    Ok(())
}

/// Reads and discards what the client still sends (briefly, boundedly) before the socket is
/// closed: closing with unread input makes the kernel send a reset, which can destroy the
/// response before the client reads it.
async fn linger(stream: &mut TcpStream) {
    const LINGER_BYTES_MAX: usize = 64 * 1024;
    const LINGER_TIME: Duration = Duration::from_secs(1);
    let mut discarded = 0;
    let mut chunk = [0_u8; 4096];
    let _ = tokio::time::timeout(LINGER_TIME, async {
        while discarded < LINGER_BYTES_MAX {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(read) => discarded += read,
            }
        }
    })
    .await;
}

#[cfg(test)]
#[path = "http_tests.rs"]
mod tests;
