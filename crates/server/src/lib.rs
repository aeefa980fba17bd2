//! # db001-server
//!
//! The `db001` binary: settings ([`config`]), the engine, the PostgreSQL listener
//! (`db001-wire`), the HTTP listener ([`http`], [`metrics`]), logging and signals; and the
//! durability tools `db001 backup`, `db001 recover` and `db001 verify` ([`tools`]).
//!
//! ## Life of the process
//!
//! 1. Settings: defaults < `config/database.yaml` < `DB001_*` < flags. A bad setting stops here
//!    with exit code 2.
//! 2. `Database::open` recovers the data directory. Failure: exit 1.
//! 3. With `migrations_dir` set, its pending migrations are applied through an embedded
//!    session ([`migrate`]); a failing or edited migration stops the server (exit 1) before it
//!    accepts anyone.
//! 4. Both listeners are bound (port 0 works) and their real addresses printed on stdout, one
//!    line each, flushed — tests and scripts read them:
//!    `db001: listening for PostgreSQL connections on 127.0.0.1:54321`,
//!    `db001: HTTP on 127.0.0.1:54322`.
//!    Only then is a crash point armed, when `DB001_CRASH_AT` names one (testing only:
//!    `db001_wal::crash_point`; a malformed value is refused at step 1 with exit code 2).
//! 5. Serve until SIGTERM or SIGINT. Then: `/health` turns 503, the wire stops accepting and
//!    drains sessions for at most `shutdown_grace` (a second signal cuts the wait short),
//!    `db.shutdown()` takes a last checkpoint and flushes the WAL, exit 0.

pub mod config;
pub mod http;
pub mod metrics;
pub mod migrate;
pub mod tools;

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use db001_engine::Database;
use db001_wire::WireOptions;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

use config::Settings;

/// Why the server stopped abnormally.
#[derive(Debug)]
pub struct ServerError(pub String);

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ServerError {}

/// Applies the pending migrations of `dir` (the `migrations_dir` setting).
async fn apply_migrations(db: &Database, dir: &std::path::Path) -> Result<(), ServerError> {
    let failed = |error: String| {
        ServerError(format!(
            "cannot apply the migrations in {}: {error}",
            dir.display()
        ))
    };
    let migrations = migrate::read_dir(dir).map_err(failed)?;
    let mut session = db.session();
    let outcome = migrate::up(&mut session, &migrations)
        .await
        .map_err(failed)?;
    tracing::info!(dir = %dir.display(), "{}", migrate::summary(&outcome, false));
    Ok(())
}

/// Installs the stderr logger: one timestamped line per event.
pub fn init_logging(level: tracing::Level) {
    let result = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .try_init();
    if let Err(error) = result {
        eprintln!("db001: logging was already set up: {error}");
    }
}

/// Runs the server until a termination signal; returns after a clean shutdown.
pub async fn run(settings: Settings) -> Result<(), ServerError> {
    let started = Instant::now();
    // Signal handlers first, so a SIGTERM during recovery is not lost.
    let mut terminate = signal(SignalKind::terminate())
        .map_err(|error| ServerError(format!("cannot handle SIGTERM: {error}")))?;
    let mut interrupt = signal(SignalKind::interrupt())
        .map_err(|error| ServerError(format!("cannot handle SIGINT: {error}")))?;

    // Certificate problems stop the server before anything is opened.
    let tls = settings.tls_config().map_err(ServerError)?;
    let engine_config = settings.engine_config();
    tracing::info!(data_dir = %settings.data_dir.display(), "opening database");
    let db = tokio::task::spawn_blocking(move || Database::open(engine_config))
        .await
        .map_err(|error| ServerError(format!("database open task failed: {error}")))?
        .map_err(|error| {
            ServerError(format!(
                "cannot open database in {}: {error} ({})",
                settings.data_dir.display(),
                error.code()
            ))
        })?;

    if let Some(dir) = &settings.migrations_dir {
        apply_migrations(&db, dir).await?;
    }

    let listener = bind(&settings.listen, "PostgreSQL").await?;
    let http_listener = bind(&settings.http_listen, "HTTP").await?;
    announce(&listener, &http_listener)?;

    let wire_options = WireOptions {
        max_connections: settings.max_connections,
        max_message_bytes: settings.max_message_bytes,
        shutdown_grace: settings.shutdown_grace,
        tls,
        hba: settings.hba.clone(),
        ..WireOptions::default()
    };
    let state = Arc::new(http::HttpState {
        db: Arc::new(db.clone()),
        wire: Arc::clone(&wire_options.metrics),
        metrics: metrics::Metrics::new()
            .map_err(|error| ServerError(format!("cannot register metrics: {error}")))?,
        started,
        shutting_down: AtomicBool::new(false),
    });
    let (stop, stopped) = watch::channel(false);
    let http_task = tokio::spawn(http::serve(
        http_listener,
        Arc::clone(&state),
        stopped.clone(),
    ));
    let mut wire_task = tokio::spawn(db001_wire::serve(
        listener,
        db.clone(),
        wire_options,
        stopped,
    ));
    tracing::info!("ready to accept connections");
    // Armed only now, so recovery never trips it (db001_wal::crash_point).
    match db001_wal::crash_point::arm_from_env() {
        Ok(None) => {}
        Ok(Some((point, countdown))) => tracing::warn!(
            "crash point {} armed: the process kills itself at hit {countdown} (DB001_CRASH_AT)",
            point.name()
        ),
        Err(error) => return Err(ServerError(error)),
    }

    let early_end = tokio::select! {
        _ = terminate.recv() => { tracing::info!("received SIGTERM; shutting down"); None }
        _ = interrupt.recv() => { tracing::info!("received SIGINT; shutting down"); None }
        ended = &mut wire_task => Some(ended),
    };
    state.shutting_down.store(true, Ordering::Release);
    // The receivers live in the tasks; a send error only means they already ended.
    let _ = stop.send(true);

    let ended_early = early_end.is_some();
    let wire_result = match early_end {
        Some(ended) => ended,
        None => {
            // The wire bounds its own drain by shutdown_grace; this outer bound only guards
            // against a wire bug. A second signal skips the wait.
            let limit = settings.shutdown_grace + Duration::from_secs(5);
            tokio::select! {
                ended = tokio::time::timeout(limit, &mut wire_task) => match ended {
                    Ok(ended) => ended,
                    Err(_elapsed) => {
                        tracing::warn!("sessions did not drain in time");
                        wire_task.abort();
                        Ok(Ok(()))
                    }
                },
                _ = terminate.recv() => { tracing::warn!("second signal: not waiting for sessions"); wire_task.abort(); Ok(Ok(())) }
                _ = interrupt.recv() => { tracing::warn!("second signal: not waiting for sessions"); wire_task.abort(); Ok(Ok(())) }
            }
        }
    };
    if tokio::time::timeout(Duration::from_secs(2), http_task)
        .await
        .is_err()
    {
        tracing::warn!("HTTP listener did not stop in time");
    }

    let shutdown_db = db.clone();
    let flushed = tokio::task::spawn_blocking(move || shutdown_db.shutdown())
        .await
        .map_err(|error| ServerError(format!("database shutdown task failed: {error}")))?;
    if let Err(error) = flushed {
        return Err(ServerError(format!("database shutdown failed: {error}")));
    }
    match wire_result {
        Ok(Ok(())) if !ended_early => {
            tracing::info!("database flushed; shut down cleanly");
            Ok(())
        }
        Ok(Ok(())) => Err(ServerError(
            "the PostgreSQL listener stopped unexpectedly".into(),
        )),
        Ok(Err(error)) => Err(ServerError(format!("PostgreSQL listener failed: {error}"))),
        Err(error) => Err(ServerError(format!(
            "PostgreSQL listener task failed: {error}"
        ))),
    }
}

async fn bind(address: &str, what: &str) -> Result<TcpListener, ServerError> {
    TcpListener::bind(address)
        .await
        .map_err(|error| ServerError(format!("cannot listen for {what} on {address}: {error}")))
}

/// Prints the bound addresses on stdout, one line each, and flushes.
fn announce(listener: &TcpListener, http_listener: &TcpListener) -> Result<(), ServerError> {
    let address = |listener: &TcpListener| {
        listener
            .local_addr()
            .map_err(|error| ServerError(format!("cannot read bound address: {error}")))
    };
    let (postgres, http) = (address(listener)?, address(http_listener)?);
    let mut stdout = std::io::stdout().lock();
    let written = writeln!(
        stdout,
        "db001: listening for PostgreSQL connections on {postgres}"
    )
    .and_then(|()| writeln!(stdout, "db001: HTTP on {http}"))
    .and_then(|()| stdout.flush());
    // Nobody reading stdout is not a reason to stop serving.
    if let Err(error) = written {
        tracing::warn!(%error, "could not print the listening addresses");
    }
    Ok(())
}
