//! Real client libraries against the `db001` binary: psycopg 3 (text and binary), asyncpg,
//! node-postgres, pgjdbc (prepareThreshold=1, DatabaseMetaData) and SQLAlchemy 2, each driven by
//! its script under `tests/clients/<client>/`; and each driver's own SCRAM-SHA-256 and md5
//! client (`tests/clients/auth/`), run against PostgreSQL 15 with the same rules too. Each test starts its own server, so the clients
//! never see each other's tables.
//!
//! The libraries are installed by `tests/clients/install.sh` (a cached, idempotent step: a
//! Python venv, node_modules and Debian's pgjdbc), run once per test process. Nothing is skipped
//! when something is missing: the installer is run instead, and a failure to install fails the
//! test with the installer's output.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use db001_tests::TestServer;
use db001_tests::postgres::Postgres;

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
    run_client_on(server.address(), program, args, passed_line, &|| {
        server.log()
    });
}

/// Runs a client script against the server at `address` (db001 or PostgreSQL; `log` gives the
/// server's log for a failure report) and checks that it says it passed.
fn run_client_on(
    address: SocketAddr,
    program: &Path,
    args: &[&str],
    passed_line: &str,
    log: &dyn Fn() -> String,
) {
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
        log()
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

/// The rules both servers get for the password test: SCRAM for `app`, md5 for `legacy`, trust
/// for the rest (the test's own `postgres` connection that creates the roles).
const PASSWORD_RULES: [&str; 3] = [
    "host all app 127.0.0.1/32 scram-sha-256",
    "host all legacy 127.0.0.1/32 md5",
    "host all all 127.0.0.1/32 trust",
];

/// Creates `app` (SCRAM verifier) and `legacy` (md5 hash) through `client`.
async fn create_password_roles(client: &tokio_postgres::Client) {
    client
        .batch_execute(
            "CREATE ROLE app LOGIN PASSWORD 'app-secret';
             SET password_encryption = 'md5';
             CREATE ROLE legacy LOGIN PASSWORD 'legacy-secret';",
        )
        .await
        .expect("create the password roles");
}

#[test]
fn every_driver_authenticates_with_scram_and_md5() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let server = TestServer::start_with_args(&["--hba", &PASSWORD_RULES.join(";")]);
    let postgres = Postgres::start_with_authentication(&(PASSWORD_RULES.join("\n") + "\n"), None);
    runtime.block_on(async {
        create_password_roles(&server.client().await).await;
        create_password_roles(&postgres.client("postgres").await).await;
    });
    let postgres_address = SocketAddr::from(([127, 0, 0, 1], postgres.port()));
    let db001_log = || server.log();
    let no_log = || "(PostgreSQL)".to_string();
    let targets: [(SocketAddr, &dyn Fn() -> String); 2] =
        [(postgres_address, &no_log), (server.address(), &db001_log)];
    let java = ["-cp", "/usr/share/java/postgresql.jar", "auth/Auth.java"];
    for (address, log) in targets {
        run_client_on(
            address,
            &python(),
            &["auth/check.py"],
            "auth-python: all checks passed",
            log,
        );
        run_client_on(
            address,
            Path::new("node"),
            &["auth/check.js"],
            "auth-node: all checks passed",
            log,
        );
        run_client_on(
            address,
            Path::new("java"),
            &java,
            "auth-jdbc: all checks passed",
            log,
        );
    }
}
