//! # db001-tests
//!
//! End-to-end tests run the real `db001` binary as a child process and talk to it the way users
//! do: over TCP with real drivers (tokio-postgres) or the byte-level [`raw`] client, plus HTTP.
//! This crate holds the harness; the tests are in `tests/tests/*.rs`.
//!
//! ## Finding the binary
//!
//! Cargo gives `CARGO_BIN_EXE_<name>` only to a binary's own package, and a library cannot
//! depend on a binary (artifact dependencies are nightly-only). So the harness builds it:
//! the first [`TestServer`] in a test process runs `cargo build -p db001-server --bin db001`
//! into the same target directory and profile as the running test (found from the test
//! executable's own path, in `<target>/<profile>/deps/` for tests and `<target>/<profile>/`
//! for this package's binaries), once. When everything is already built this is a no-op
//! taking a fraction of a second. Setting `DB001_BIN=/path/to/db001` skips the build and uses that
//! binary (e.g. a release build in a benchmark or CI step).
//!
//! ## What a [`TestServer`] is
//!
//! A child `db001 --listen 127.0.0.1:0 --http-listen 127.0.0.1:0 --data-dir <temp dir>
//! --config /dev/null`, whose stdout announces the bound ports. Its stderr (the server log) is
//! collected and printed if the test panics. Every wait is bounded ([`START_TIMEOUT`],
//! [`STOP_TIMEOUT`]); dropping the server kills the child.

pub mod crash;
pub mod postgres;
pub mod raw;
pub mod scenario;
pub mod slt;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long the server may take to print its addresses.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the server may take to exit after SIGTERM.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// The `db001` binary, built once per test process (see the crate docs).
pub fn server_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(build_server).clone()
}

fn build_server() -> PathBuf {
    if let Some(path) = std::env::var_os("DB001_BIN") {
        let path = PathBuf::from(path);
        assert!(path.is_file(), "DB001_BIN={} is not a file", path.display());
        return path;
    }
    // A test executable lives in <target>/<profile>/deps/, a binary of this package (such as
    // `crash_loop`) in <target>/<profile>/.
    let executable = std::env::current_exe().expect("path of the test executable");
    let executable_dir = executable
        .parent()
        .expect("an executable sits in a directory");
    let profile_dir = if executable_dir.file_name() == Some("deps".as_ref()) {
        executable_dir
            .parent()
            .expect("test executable inside <target>/<profile>/deps")
    } else {
        executable_dir
    };
    let target_dir = profile_dir
        .parent()
        .expect("profile directory inside the target directory");
    let profile = profile_dir
        .file_name()
        .and_then(|name| name.to_str())
        .expect("profile directory name");
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace root");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(workspace)
        .args(["build", "--quiet", "-p", "db001-server", "--bin", "db001"])
        .arg("--target-dir")
        .arg(target_dir);
    match profile {
        "debug" => {}
        "release" => {
            command.arg("--release");
        }
        other => {
            command.args(["--profile", other]);
        }
    }
    let output = command.output().expect("run cargo build");
    assert!(
        output.status.success(),
        "building db001 failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let binary = profile_dir.join("db001");
    assert!(binary.is_file(), "cargo built no {}", binary.display());
    binary
}

/// A `db001` server in a child process, on free ports, with its own data directory.
#[derive(Debug)]
pub struct TestServer {
    child: Option<Child>,
    data_dir: tempfile::TempDir,
    extra_args: Vec<String>,
    /// `DB001_*` variables given to the next launches (the test's own are removed).
    environment: Vec<(String, String)>,
    address: SocketAddr,
    http_address: SocketAddr,
    log: Arc<Mutex<String>>,
}

impl TestServer {
    /// Starts a server with default settings.
    pub fn start() -> TestServer {
        TestServer::start_with_args(&[])
    }

    /// Starts a server with extra command-line flags (e.g. `["--max-connections", "2"]`).
    pub fn start_with_args(args: &[&str]) -> TestServer {
        let data_dir = tempfile::Builder::new()
            .prefix("db001-test-")
            .tempdir()
            .expect("temporary data directory");
        TestServer::start_in(data_dir, args)
    }

    /// Starts a server on a data directory that may already hold data (a restored backup, a
    /// point-in-time recovery), with extra flags.
    pub fn start_in(data_dir: tempfile::TempDir, args: &[&str]) -> TestServer {
        let mut server = TestServer {
            child: None,
            data_dir,
            extra_args: args.iter().map(|arg| arg.to_string()).collect(),
            environment: Vec::new(),
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            http_address: SocketAddr::from(([127, 0, 0, 1], 0)),
            log: Arc::new(Mutex::new(String::new())),
        };
        server.launch();
        server
    }

    /// The PostgreSQL address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The HTTP address.
    pub fn http_address(&self) -> SocketAddr {
        self.http_address
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.path()
    }

    /// The server's stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Whether the server's stderr shows `needle` within `limit`: the log is read by a
    /// background thread, so a line written just before a client connected may arrive a
    /// moment later.
    pub fn log_shows(&self, needle: &str, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if self.log().contains(needle) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn launch(&mut self) {
        assert!(self.child.is_none(), "the server is already running");
        let mut command = Command::new(server_binary());
        command
            .args(["--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .args(["--config", "/dev/null"])
            .args(&self.extra_args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // The test's own environment must not reconfigure the server.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("DB001_") {
                command.env_remove(&name);
            }
        }
        command.envs(self.environment.iter().map(|(name, value)| (name, value)));
        let mut child = command.spawn().expect("start db001");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        collect(stderr, Arc::clone(&self.log));

        let (sender, addresses) = mpsc::channel();
        let log = Arc::clone(&self.log);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let parsed = line
                    .strip_prefix("db001: listening for PostgreSQL connections on ")
                    .map(|address| (true, address))
                    .or_else(|| {
                        line.strip_prefix("db001: HTTP on ")
                            .map(|address| (false, address))
                    });
                match parsed {
                    Some((postgres, address)) => {
                        let _ = sender.send((postgres, address.trim().to_owned()));
                    }
                    None => log
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push_str(&format!("[stdout] {line}\n")),
                }
            }
        });

        let deadline = Instant::now() + START_TIMEOUT;
        let (mut postgres, mut http) = (None, None);
        while postgres.is_none() || http.is_none() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "db001 exited with {status} before listening; its log:\n{}",
                    self.log()
                );
            }
            assert!(
                Instant::now() < deadline,
                "db001 did not announce its addresses within {START_TIMEOUT:?}; its log:\n{}",
                self.log()
            );
            if let Ok((is_postgres, address)) = addresses.recv_timeout(Duration::from_millis(50)) {
                let address: SocketAddr = address.parse().expect("announced address parses");
                if is_postgres {
                    postgres = Some(address);
                } else {
                    http = Some(address);
                }
            }
        }
        self.address = postgres.expect("loop ends with both");
        self.http_address = http.expect("loop ends with both");
        self.child = Some(child);
    }

    /// A tokio-postgres configuration for this server.
    pub fn config(&self) -> tokio_postgres::Config {
        let mut config = tokio_postgres::Config::new();
        config
            .host(self.address.ip().to_string())
            .port(self.address.port())
            .user("postgres")
            .dbname("postgres")
            .application_name("db001-tests")
            .connect_timeout(Duration::from_secs(10));
        config
    }

    /// A connected tokio-postgres client; its connection runs on a spawned task.
    pub async fn client(&self) -> tokio_postgres::Client {
        let (client, connection) = self
            .config()
            .connect(tokio_postgres::NoTls)
            .await
            .unwrap_or_else(|error| panic!("connect to db001: {error}; log:\n{}", self.log()));
        tokio::spawn(async move {
            let _ = connection.await;
        });
        client
    }

    /// Like [`TestServer::client`], but a failure to connect (the server died) is returned
    /// rather than a panic.
    pub async fn try_client(&self) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
        let (client, connection) = self.config().connect(tokio_postgres::NoTls).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(client)
    }

    /// The child's process id (while it runs).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sets (`Some`) or removes (`None`) an environment variable for the next launches, e.g.
    /// `DB001_CRASH_AT` to arm a crash point. A running server is not affected.
    pub fn set_env(&mut self, name: &str, value: Option<&str>) {
        self.environment.retain(|(existing, _)| existing != name);
        if let Some(value) = value {
            self.environment.push((name.to_owned(), value.to_owned()));
        }
    }

    /// Whether the server process has ended by itself (a crash point, a crash); it stays
    /// recorded as running until [`TestServer::kill9`] or [`TestServer::restart`].
    pub fn has_exited(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(Some(_))))
    }

    /// SIGKILL: the crash case. Waits for the process to be gone.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM and wait (bounded) for a clean exit; returns the exit status.
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("the server is running");
        let pid = libc::pid_t::try_from(child.id()).expect("pid fits pid_t");
        // SAFETY: kill(2) with a pid we own and a valid signal number has no memory effects.
        let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(sent, 0, "send SIGTERM");
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().expect("wait for db001") {
                return status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "db001 did not exit within {STOP_TIMEOUT:?} of SIGTERM; its log:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again on the same data directory (new ports). A server still running
    /// is stopped with SIGTERM first; call [`TestServer::kill9`] before to test a crash.
    pub fn restart(&mut self) {
        if self.child.is_some() {
            let status = self.stop();
            assert!(status.success(), "db001 exited with {status} on SIGTERM");
        }
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push_str("---- restart ----\n");
        self.launch();
    }

    /// A blocking `GET path` on the HTTP port: `(status, body)`.
    pub fn http_get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect_timeout(&self.http_address, Duration::from_secs(10))
            .expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("set timeout");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .expect("send request");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read response");
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("malformed response: {response:?}"));
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default();
        (status, body)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill9();
        if std::thread::panicking() {
            eprintln!(
                "---- db001 log ----\n{}---- end of db001 log ----",
                self.log()
            );
        }
    }
}

/// Runs the `db001` binary with `args` (a tool such as `backup`, `recover` or `verify`) and
/// waits, at most `limit`, for it to finish; returns its exit status, stdout and stderr.
pub fn run_db001(args: &[&str], limit: Duration) -> (ExitStatus, String, String) {
    let mut child = Command::new(server_binary())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start db001");
    let stdout = Arc::new(Mutex::new(String::new()));
    let stderr = Arc::new(Mutex::new(String::new()));
    collect(
        child.stdout.take().expect("piped stdout"),
        Arc::clone(&stdout),
    );
    collect(
        child.stderr.take().expect("piped stderr"),
        Arc::clone(&stderr),
    );
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for db001") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "db001 {args:?} did not finish within {limit:?}; stderr:\n{}",
                stderr.lock().unwrap_or_else(|p| p.into_inner())
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // The collector threads finish when the pipes close; give them a moment (bounded).
    let settle = Instant::now() + Duration::from_secs(2);
    while Instant::now() < settle {
        std::thread::sleep(Duration::from_millis(20));
        if Arc::strong_count(&stdout) == 1 && Arc::strong_count(&stderr) == 1 {
            break;
        }
    }
    let text =
        |buffer: &Arc<Mutex<String>>| buffer.lock().unwrap_or_else(|p| p.into_inner()).clone();
    (status, text(&stdout), text(&stderr))
}

/// A tokio-postgres error with its SQLSTATE and message when the server sent one (its
/// `Display` says only "db error").
pub fn error_text(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(server_error) => format!("{} {}", server_error.code().code(), server_error.message()),
        None => error.to_string(),
    }
}

/// Appends everything `reader` produces to `log`, on a thread of its own (so the child never
/// blocks on a full pipe).
fn collect(reader: impl Read + Send + 'static, log: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(reader).lines() {
            let Ok(line) = line else { break };
            let mut log = log.lock().unwrap_or_else(|p| p.into_inner());
            log.push_str(&line);
            log.push('\n');
        }
    });
}
