//! The accept loop, the connection limit, counters, and graceful shutdown.
//!
//! One tokio task per connection, all held in a `JoinSet` so that shutdown can wait for them
//! and, past the grace period, abort them. Shutdown is a `watch` channel: every connection task
//! holds a receiver and checks it between messages and while idle, so a session finishes the
//! message it is working on, then receives FATAL 57P01 and is closed (PostgreSQL's "fast"
//! shutdown). Aborting a task drops its session, which rolls back its open transaction.
//!
//! Tasks are bounded too: sessions count against `max_connections` once their startup is done,
//! but a client that connects and sends nothing holds a task until `startup_timeout`. At
//! [`connection_tasks_max`] tasks, new sockets get FATAL 53300 at once (written without
//! waiting) and are closed, so a flood of idle sockets cannot grow memory without bound.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use db001_common::Error;
use db001_engine::CancelHandle;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::WireOptions;
use crate::connection;
use crate::engine_api::QueryEngine;

/// Counters the server exports on `/metrics`. Cheap to update from every connection.
#[derive(Debug, Default)]
pub struct WireMetrics {
    connections_current: AtomicU64,
    connections_total: AtomicU64,
    connections_rejected: AtomicU64,
    authentication_failures: AtomicU64,
    tls_sessions: AtomicU64,
    /// ErrorResponses sent, by SQLSTATE class (the code's first two characters).
    errors_by_class: Mutex<BTreeMap<String, u64>>,
}

impl WireMetrics {
    /// Sessions open now.
    pub fn connections_current(&self) -> u64 {
        self.connections_current.load(Ordering::Relaxed)
    }

    /// Sessions ever started.
    pub fn connections_total(&self) -> u64 {
        self.connections_total.load(Ordering::Relaxed)
    }

    /// Connections refused with 53300 (too many clients).
    pub fn connections_rejected(&self) -> u64 {
        self.connections_rejected.load(Ordering::Relaxed)
    }

    /// Connections refused by authentication: no or a `reject` hba rule, a failed password
    /// exchange, an unknown or NOLOGIN role. Clients that hang up mid-exchange (as libpq does
    /// to prompt for a password) do not count.
    pub fn authentication_failures(&self) -> u64 {
        self.authentication_failures.load(Ordering::Relaxed)
    }

    /// Connections that completed a TLS handshake.
    pub fn tls_sessions(&self) -> u64 {
        self.tls_sessions.load(Ordering::Relaxed)
    }

    pub(crate) fn record_authentication_failure(&self, error: &Error) {
        self.authentication_failures.fetch_add(1, Ordering::Relaxed);
        self.record_error(error);
    }

    pub(crate) fn record_tls_session(&self) {
        self.tls_sessions.fetch_add(1, Ordering::Relaxed);
    }

    /// ErrorResponses sent, by SQLSTATE class, in class order.
    pub fn errors_by_class(&self) -> Vec<(String, u64)> {
        let errors = self
            .errors_by_class
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        errors
            .iter()
            .map(|(class, count)| (class.clone(), *count))
            .collect()
    }

    pub(crate) fn record_error(&self, error: &Error) {
        let code = error.code();
        let class = &code.code()[..2];
        let mut errors = self
            .errors_by_class
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match errors.get_mut(class) {
            Some(count) => *count += 1,
            None => {
                errors.insert(class.to_owned(), 1);
            }
        }
    }
}

/// What every connection task shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub options: WireOptions,
    pub metrics: Arc<WireMetrics>,
    /// Sessions a CancelRequest may target: process id → (secret, cancel handle).
    cancel_targets: Mutex<HashMap<i32, (i32, CancelHandle)>>,
}

impl Shared {
    /// Takes a session slot unless `max_connections` are open.
    pub fn try_acquire_slot(self: &Arc<Shared>) -> Option<ConnectionSlot> {
        let current = &self.metrics.connections_current;
        let max = self.options.max_connections as u64;
        let acquired = current
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |open| {
                (open < max).then_some(open + 1)
            })
            .is_ok();
        if !acquired {
            self.metrics
                .connections_rejected
                .fetch_add(1, Ordering::Relaxed);
            return None;
        }
        self.metrics
            .connections_total
            .fetch_add(1, Ordering::Relaxed);
        Some(ConnectionSlot {
            metrics: Arc::clone(&self.metrics),
        })
    }

    /// A random secret for BackendKeyData (a CancelRequest must quote it).
    pub fn new_secret_key(&self) -> i32 {
        getrandom::u32().unwrap_or_else(|_| fallback_random()) as i32
    }

    /// Makes a session reachable by CancelRequest under its process id and secret until the
    /// returned registration is dropped (when the connection ends).
    pub fn register_cancel(
        self: &Arc<Shared>,
        process_id: i32,
        secret: i32,
        handle: CancelHandle,
    ) -> CancelRegistration {
        self.cancel_targets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(process_id, (secret, handle));
        CancelRegistration {
            shared: Arc::clone(self),
            process_id,
        }
    }

    /// Honours a CancelRequest: cancels the session's running statement when the process id
    /// is known and the secret matches (otherwise nothing, as in PostgreSQL, which answers a
    /// CancelRequest with nothing either way). Returns whether it cancelled.
    pub fn cancel(&self, process_id: i32, secret: i32) -> bool {
        let targets = self
            .cancel_targets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match targets.get(&process_id) {
            Some((expected, handle)) if *expected == secret => {
                handle.cancel();
                true
            }
            _ => false,
        }
    }
}

/// A session's entry in the cancel registry; removes it when dropped.
#[derive(Debug)]
pub struct CancelRegistration {
    shared: Arc<Shared>,
    process_id: i32,
}

impl Drop for CancelRegistration {
    fn drop(&mut self) {
        self.shared
            .cancel_targets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&self.process_id);
    }
}

/// Randomness without the OS source (which practically never fails): the standard library's
/// randomly keyed hasher, mixed with the time.
fn fallback_random() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |elapsed| elapsed.as_nanos()),
    );
    hasher.finish() as u32
}

/// One open session's place under `max_connections`; released on drop.
#[derive(Debug)]
pub struct ConnectionSlot {
    metrics: Arc<WireMetrics>,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        self.metrics
            .connections_current
            .fetch_sub(1, Ordering::AcqRel);
    }
}

/// Resolves once shutdown is requested: the value turned true, or every sender is gone.
pub(crate) async fn wait_for_shutdown(shutdown: &mut watch::Receiver<bool>) {
    // `wait_for` fails only when the sender is dropped, which also means shut down.
    let _ = shutdown.wait_for(|&requested| requested).await;
}

/// Accept loop over any [`QueryEngine`]; see [`crate::serve`].
pub async fn serve_engine<E: QueryEngine>(
    listener: TcpListener,
    engine: E,
    options: WireOptions,
    mut shutdown: watch::Receiver<bool>,
) -> io::Result<()> {
    let options = options.validated();
    let grace = options.shutdown_grace;
    let shared = Arc::new(Shared {
        metrics: Arc::clone(&options.metrics),
        options,
        cancel_targets: Mutex::new(HashMap::new()),
    });
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            biased;
            () = wait_for_shutdown(&mut shutdown) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) if tasks.len() >= connection_tasks_max(&shared.options) => {
                    refuse_immediately(&stream, &shared.metrics);
                }
                Ok((stream, _peer)) => {
                    tasks.spawn(connection::run(
                        stream,
                        engine.clone(),
                        Arc::clone(&shared),
                        shutdown.clone(),
                    ));
                }
                Err(error) => {
                    // Out of file descriptors and the like: transient; back off briefly rather
                    // than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => log_task_end(joined),
        }
    }
    drop(listener);
    tracing::info!(
        sessions = tasks.len(),
        "no longer accepting connections; waiting for sessions to finish"
    );
    let deadline = Instant::now() + grace;
    while !tasks.is_empty() {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(remaining, tasks.join_next()).await {
            Ok(Some(joined)) => log_task_end(joined),
            Ok(None) => break,
            Err(_elapsed) => {
                tracing::warn!(
                    sessions = tasks.len(),
                    "sessions still busy after {grace:?}; closing them"
                );
                tasks.abort_all();
                // Aborted tasks end at their next await; wait so their sessions are dropped
                // (and their transactions rolled back) before returning.
                while tasks.join_next().await.is_some() {}
                break;
            }
        }
    }
    Ok(())
}

/// The most connection tasks (sessions plus clients still in startup) at once.
pub(crate) fn connection_tasks_max(options: &WireOptions) -> usize {
    options.max_connections.saturating_mul(2).saturating_add(64)
}

/// Best effort: FATAL 53300 in one non-blocking write, then the socket is dropped.
fn refuse_immediately(stream: &tokio::net::TcpStream, metrics: &WireMetrics) {
    let error = Error::new(
        db001_common::SqlState::TOO_MANY_CONNECTIONS,
        "sorry, too many clients already",
    )
    .fatal();
    let mut out = bytes::BytesMut::new();
    crate::backend::error_response(&mut out, &error);
    let _ = stream.try_write(&out);
    metrics.connections_rejected.fetch_add(1, Ordering::Relaxed);
    metrics.record_error(&error);
}

fn log_task_end(joined: Result<(), tokio::task::JoinError>) {
    if let Err(error) = joined
        && error.is_panic()
    {
        tracing::error!(%error, "connection task panicked");
    }
}
