//! A throwaway PostgreSQL server for the integration tests of both driver packages.
//!
//! It runs initdb into a fresh directory under /tmp, appends the requested settings to
//! `postgresql.conf`, listens on a free loopback port (and on a Unix socket inside its own
//! directory), and is stopped and deleted when dropped — also when a test fails and unwinds.
//!
//! PostgreSQL refuses to run as root, so when this process is root the server runs as the
//! `postgres` user through `runuser -u postgres --`, and the directory is handed to that user.
//! Nothing is skipped when something is missing: every problem is an error that says what to
//! install or fix.
//!
//! Binaries come from `$PG_BIN_DIR`, else `pg_config --bindir`, else
//! `/usr/lib/postgresql/15/bin`.

use std::fs;
use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The user PostgreSQL runs as when this process is root.
const SERVICE_USER: &str = "postgres";

/// Seconds pg_ctl waits for start and stop.
const PG_CTL_WAIT_SECONDS: &str = "60";

/// Distinguishes servers started by one process.
static INSTANCE_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A running PostgreSQL in a temporary directory.
#[derive(Debug)]
pub struct LocalPostgres {
    root: PathBuf,
    data: PathBuf,
    log: PathBuf,
    bin_dir: PathBuf,
    port: u16,
    as_service_user: bool,
    running: bool,
}

fn binary_directory() -> Result<PathBuf, String> {
    if let Ok(directory) = std::env::var("PG_BIN_DIR") {
        return Ok(PathBuf::from(directory));
    }
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        let directory = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        if Path::new(&directory).join("initdb").exists() {
            return Ok(PathBuf::from(directory));
        }
    }
    let fallback = PathBuf::from("/usr/lib/postgresql/15/bin");
    if fallback.join("initdb").exists() {
        return Ok(fallback);
    }
    Err("PostgreSQL server binaries not found: install postgresql-15 or set PG_BIN_DIR".to_owned())
}

fn running_as_root() -> Result<bool, String> {
    fs::metadata("/proc/self")
        .map(|metadata| metadata.uid() == 0)
        .map_err(|error| format!("cannot tell whether this process is root: {error}"))
}

fn free_loopback_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|error| format!("cannot bind a loopback port: {error}"))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|error| format!("cannot read the bound port: {error}"))
}

fn describe_output(output: &Output) -> String {
    format!(
        "exit status {}; stdout: {}; stderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout).trim(),
        String::from_utf8_lossy(&output.stderr).trim()
    )
}

impl LocalPostgres {
    /// initdb, configure with `settings` (name, value as written in postgresql.conf) and start.
    pub fn start(settings: &[(&str, &str)]) -> Result<LocalPostgres, String> {
        let bin_dir = binary_directory()?;
        let as_service_user = running_as_root()?;
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let root = PathBuf::from(format!(
            "/tmp/db001-postgres-{}-{}-{}",
            std::process::id(),
            nanos,
            INSTANCE_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&root).map_err(|error| format!("cannot create {root:?}: {error}"))?;
        let mut server = LocalPostgres {
            data: root.join("data"),
            log: root.join("server.log"),
            root,
            bin_dir,
            port: 0,
            as_service_user,
            running: false,
        };
        if as_service_user {
            let owner = format!("{SERVICE_USER}:");
            let output = Command::new("chown")
                .arg(&owner)
                .arg(&server.root)
                .output()
                .map_err(|error| format!("cannot run chown: {error}"))?;
            if !output.status.success() {
                return Err(format!(
                    "chown {owner} {:?} failed (is there a `{SERVICE_USER}` user?): {}",
                    server.root,
                    describe_output(&output)
                ));
            }
        }
        server.initdb()?;
        let mut last_error = String::new();
        for _ in 0..3 {
            server.port = free_loopback_port()?;
            server.configure(settings)?;
            match server.pg_ctl(&["start", "-l", &server.log.to_string_lossy()]) {
                Ok(()) => {
                    server.running = true;
                    return Ok(server);
                }
                // Another process may have taken the port between probing and binding.
                Err(error) => last_error = format!("{error}; log: {}", server.log_tail()),
            }
        }
        Err(format!("PostgreSQL did not start: {last_error}"))
    }

    fn command(&self, program: &str) -> Command {
        let path = self.bin_dir.join(program);
        if self.as_service_user {
            let mut command = Command::new("runuser");
            command.args(["-u", SERVICE_USER, "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    fn initdb(&self) -> Result<(), String> {
        let output = self
            .command("initdb")
            .arg("-D")
            .arg(&self.data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "--locale=C",
                "--encoding=UTF8",
            ])
            .output()
            .map_err(|error| format!("cannot run initdb: {error}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!("initdb failed: {}", describe_output(&output)))
        }
    }

    fn configure(&self, settings: &[(&str, &str)]) -> Result<(), String> {
        let path = self.data.join("postgresql.conf");
        let mut file = fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|error| format!("cannot open {path:?}: {error}"))?;
        let mut text = format!(
            "\n# db001 test server\nport = {}\nlisten_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{}'\n",
            self.port,
            self.root.display()
        );
        for (name, value) in settings {
            text.push_str(&format!("{name} = {value}\n"));
        }
        file.write_all(text.as_bytes())
            .map_err(|error| format!("cannot write {path:?}: {error}"))
    }

    fn pg_ctl(&self, arguments: &[&str]) -> Result<(), String> {
        let output = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-w", "-t", PG_CTL_WAIT_SECONDS])
            .args(arguments)
            .output()
            .map_err(|error| format!("cannot run pg_ctl: {error}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(format!(
                "pg_ctl {} failed: {}",
                arguments.join(" "),
                describe_output(&output)
            ))
        }
    }

    /// The loopback port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A tokio-postgres / libpq URL for the `postgres` database as the `postgres` user.
    pub fn url(&self) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// The last lines of the server log, for error messages.
    pub fn log_tail(&self) -> String {
        let text = fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Stops the server (fast shutdown). Dropping does this too.
    pub fn stop(&mut self) -> Result<(), String> {
        if !self.running {
            return Ok(());
        }
        self.running = false;
        self.pg_ctl(&["-m", "fast", "stop"])
    }
}

impl Drop for LocalPostgres {
    fn drop(&mut self) {
        if let Err(error) = self.stop() {
            eprintln!("stopping the test PostgreSQL failed: {error}");
            // Make sure no server outlives the test: immediate shutdown as a last resort.
            let _ = self.pg_ctl(&["-m", "immediate", "stop"]);
        }
        let _ = fs::remove_dir_all(&self.root);
    }
}
