//! # db001-wire
//!
//! The PostgreSQL wire protocol (version 3.0) in front of the engine: TLS, startup,
//! host-based authentication (trust, reject, SCRAM-SHA-256, md5, password), the simple and
//! extended query protocols, text and binary value formats, error reporting with SQLSTATEs,
//! connection limits and graceful shutdown.
//!
//! ## A connection's way in
//!
//! ```text
//!   SSLRequest ──▶ 'S' + TLS handshake (tls configured) │ 'N' (not configured)
//!   StartupMessage (user, database, settings)
//!   hba rule: first of WireOptions::hba matching TLS-ness, database, user, client address
//!   exchange: trust │ reject │ SCRAM-SHA-256 (SASL) │ md5 │ cleartext password
//!   AuthenticationOk, role exists and may log in, settings, ParameterStatus, ReadyForQuery
//! ```
//!
//! ## Why our own implementation, not the `pgwire` crate
//!
//! The protocol is small (a dozen message types each way), and the parts that make a server
//! feel like PostgreSQL are exactly the ones a framework decides for you:
//!
//! - **Exact error behaviour.** After an error in the extended protocol every message up to
//!   Sync is discarded; malformed fields are ERRORs but bad frames are FATAL; each path sends
//!   PostgreSQL 15's SQLSTATE and message text. We checked these against a real PostgreSQL 15
//!   and pin them in tests.
//! - **ReadyForQuery status** comes from the engine's transaction state, at the right moments.
//! - **Pipelining and output batching.** All responses to a round trip are encoded into one
//!   buffer and written with one `write`; DataRows are encoded straight into that buffer.
//! - **COPY and cancel** will need control of the byte stream that a framework hides.
//! - **Build time.** `pgwire`'s default features build aws-lc-rs from C (minutes on two cores);
//!   this crate needs only tokio and bytes.
//!
//! ## Map
//!
//! - [`frontend`]: framing and parsing client messages (startup packets, authentication
//!   answers and regular messages).
//! - [`tls`]: the certificate and key, and the plain-or-TLS socket.
//! - [`hba`]: host-based authentication rules (`pg_hba.conf` syntax) and their matching.
//! - [`backend`]: encoding server messages into a `BytesMut`.
//! - [`format`](mod@format): text/binary format codes, Bind parameter decoding, DataRow encoding.
//! - `connection`: one connection's state machine (startup, authentication, simple query,
//!   extended protocol).
//! - `server`: the accept loop, connection slots, metrics, shutdown.
//! - [`QueryEngine`] / [`QuerySession`]: the five session operations the protocol drives,
//!   implemented for `db001_engine::Database`.
//!
//! ## Entry point
//!
//! [`serve`] accepts connections on a listener until the shutdown signal (a
//! `tokio::sync::watch::Receiver<bool>` turning `true`, or its sender being dropped) and then
//! drains sessions for at most [`WireOptions::shutdown_grace`].

pub mod backend;
mod connection;
mod engine_api;
pub mod format;
pub mod frontend;
pub mod hba;
mod server;
pub mod tls;

use std::sync::Arc;
use std::time::Duration;

use db001_engine::Database;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use connection::OUTPUT_FLUSH_BYTES;
pub use engine_api::{LoginRole, PreparedStatement, QueryEngine, QuerySession};
pub use server::{ConnectionSlot, WireMetrics, serve_engine};

/// PostgreSQL's limit on one message (1 GB - 1); larger settings are lowered to it.
pub const MESSAGE_BYTES_LIMIT: usize = (1 << 30) - 1;

/// Settings of the protocol front end.
#[derive(Debug, Clone)]
pub struct WireOptions {
    /// Sessions allowed at once; the next gets FATAL 53300.
    pub max_connections: usize,
    /// The largest message a client may send (Query, Parse, Bind, CopyData). At most
    /// [`MESSAGE_BYTES_LIMIT`].
    pub max_message_bytes: usize,
    /// Reported as `server_version`; clients (psql, JDBC) pick their catalog queries by it.
    pub server_version: String,
    /// How long shutdown waits for busy sessions before closing them.
    pub shutdown_grace: Duration,
    /// How long a client may take from connecting to the end of startup.
    pub startup_timeout: Duration,
    /// Counters shared with whoever exports them (`/metrics`).
    pub metrics: Arc<WireMetrics>,
    /// The certificate and key for TLS; `None` answers SSLRequest with `N`.
    pub tls: Option<tls::TlsConfig>,
    /// Host-based authentication rules, first match wins ([`hba::default_rules`]: trust on
    /// loopback, SCRAM-SHA-256 elsewhere).
    pub hba: Vec<hba::HbaRule>,
}

impl Default for WireOptions {
    fn default() -> WireOptions {
        WireOptions {
            max_connections: 100,
            max_message_bytes: 64 << 20,
            server_version: "15.0".to_owned(),
            shutdown_grace: Duration::from_secs(5),
            startup_timeout: Duration::from_secs(60),
            metrics: Arc::new(WireMetrics::default()),
            tls: None,
            hba: hba::default_rules(),
        }
    }
}

impl WireOptions {
    /// Clamps settings into their meaningful ranges.
    fn validated(mut self) -> WireOptions {
        self.max_message_bytes = self
            .max_message_bytes
            .clamp(frontend::SMALL_MESSAGE_BYTES_MAX, MESSAGE_BYTES_LIMIT);
        self
    }
}

/// Serves PostgreSQL clients on `listener` with sessions of `db` until `shutdown` becomes
/// `true` (or its sender is dropped); then stops accepting, lets each session finish its
/// current message, closes them (FATAL 57P01), and returns — after at most
/// `options.shutdown_grace`, aborting sessions still busy.
pub async fn serve(
    listener: TcpListener,
    db: Database,
    options: WireOptions,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    serve_engine(listener, db, options, shutdown).await
}
