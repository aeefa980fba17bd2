//! Real client libraries against the `db001` binary: psycopg 3 (text and binary), asyncpg,
//! node-postgres, pgjdbc (prepareThreshold=1, DatabaseMetaData) and SQLAlchemy 2, each driven by
//! its script under `tests/clients/<client>/`. Each test starts its own server, so the clients
//! never see each other's tables.
//!
//! The libraries are installed by `tests/clients/install.sh` (a cached, idempotent step: a
//! Python venv, node_modules and Debian's pgjdbc), run once per test process. Nothing is skipped
//! when something is missing: the installer is run instead, and a failure to install fails the
//! test with the installer's output.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use db001_tests::TestServer;

/// The longest one client script may run.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients")
}

/// Runs the installer once and returns its cache directory (its last line of output).
fn cache_dir() -> &'static Path {
    static CACHE: OnceLock<PathBuf> = OnceLock::new();
    CACHE.get_or_init(|| {
        let output = Command::new("bash")
            .arg(clients_dir().join("install.sh"))
            .output()
            .expect("run tests/clients/install.sh");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "installing the client libraries failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let last = stdout
            .lines()
            .last()
            .expect("install.sh prints its cache directory");
        PathBuf::from(last.trim())
    })
}

/// Runs a client script against a fresh server and checks that it says it passed.
fn run_client(program: &Path, args: &[&str], passed_line: &str) {
    let server = TestServer::start();
    let address = server.address();
    let cache = cache_dir();
    let mut child = Command::new(program)
        .args(args)
        .current_dir(clients_dir())
        .env("DB001_HOST", address.ip().to_string())
        .env("DB001_PORT", address.port().to_string())
        .env(
            "DB001_DSN",
            format!(
                "host={} port={} user=postgres dbname=postgres",
                address.ip(),
                address.port()
            ),
        )
        .env("NODE_PATH", cache.join("node/node_modules"))
        .env("TZ", "UTC")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("start {}: {error}", program.display()));
    let started = Instant::now();
    loop {
        if child.try_wait().expect("poll the client").is_some() {
            break;
        }
        if started.elapsed() > SCRIPT_TIMEOUT {
            let _ = child.kill();
            panic!(
                "{} {args:?} ran longer than {SCRIPT_TIMEOUT:?}",
                program.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("client output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    print!("{stdout}");
    // The scripts probe SAVEPOINT so that they could run before db001 had it; now it must work.
    assert!(
        !stdout.contains("savepoint: not supported"),
        "{} {args:?}: SAVEPOINT is refused:\n{stdout}",
        program.display()
    );
    assert!(
        output.status.success() && stdout.lines().any(|line| line == passed_line),
        "{} {args:?} failed ({}):\n{stdout}\n{stderr}\n--- server log ---\n{}",
        program.display(),
        output.status,
        server.log()
    );
}

fn python() -> PathBuf {
    cache_dir().join("venv/bin/python")
}

#[test]
fn psycopg_text_and_binary() {
    run_client(
        &python(),
        &["psycopg/check.py"],
        "psycopg: all checks passed",
    );
}

#[test]
fn asyncpg_prepared_statements_and_binary_formats() {
    run_client(
        &python(),
        &["asyncpg/check.py"],
        "asyncpg: all checks passed",
    );
}

#[test]
fn sqlalchemy_create_all_reflection_and_sessions() {
    run_client(
        &python(),
        &["sqlalchemy/check.py"],
        "sqlalchemy: all checks passed",
    );
}

#[test]
fn node_postgres() {
    run_client(
        Path::new("node"),
        &["node/check.js"],
        "node-postgres: all checks passed",
    );
}

#[test]
fn pgjdbc_prepare_threshold_and_metadata() {
    let _ = cache_dir();
    run_client(
        Path::new("java"),
        &["-cp", "/usr/share/java/postgresql.jar", "jdbc/Check.java"],
        "pgjdbc: all checks passed",
    );
}
