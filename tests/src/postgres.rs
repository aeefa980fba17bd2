//! A throwaway PostgreSQL 15 server for tests that use PostgreSQL as the oracle.
//!
//! PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
//! `postgres` system user (`runuser -u postgres`) in a temporary directory handed to that user.
//! It listens on a free loopback port with `fsync = off` (the oracle's durability is not under
//! test) and is stopped (`pg_ctl stop -m immediate`) when the value is dropped. Nothing is
//! skipped when PostgreSQL is missing: starting fails loudly with what was tried.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A running PostgreSQL server in a temporary directory.
#[derive(Debug)]
pub struct Postgres {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    _dir: tempfile::TempDir,
    port: u16,
    as_postgres_user: bool,
}

/// PostgreSQL's binaries: `pg_config --bindir`, or Debian's default location.
pub fn bin_dir() -> PathBuf {
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output()
        && output.status.success()
    {
        let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if path.join("initdb").is_file() {
            return path;
        }
    }
    PathBuf::from("/usr/lib/postgresql/15/bin")
}

fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}

impl Postgres {
    /// Initialises and starts a server. Panics with the server's output if that fails.
    pub fn start() -> Postgres {
        Postgres::start_with_locale("C")
    }

    /// As [`Postgres::start`], with the cluster's locale (`initdb --locale`): psql's `\l`
    /// shows it, so comparisons with db001 (which reports C.UTF-8) start one with `C.UTF-8`.
    pub fn start_with_locale(locale: &str) -> Postgres {
        Postgres::start_inner(locale, None)
    }

    /// As [`Postgres::start`], with `pg_hba.conf` replaced by `hba` and, when `tls` gives a
    /// PEM certificate and key, `ssl = on` with them (for tests of TLS and authentication).
    pub fn start_with_authentication(hba: &str, tls: Option<(&str, &str)>) -> Postgres {
        Postgres::start_inner("C", Some((hba, tls)))
    }

    fn start_inner(locale: &str, authentication: Option<(&str, Option<(&str, &str)>)>) -> Postgres {
        let bin_dir = bin_dir();
        let as_postgres_user = running_as_root();
        let dir = tempfile::Builder::new()
            .prefix("db001-pg-")
            .tempdir_in("/tmp")
            .expect("temporary directory");
        let data_dir = dir.path().join("data");
        let postgres = Postgres {
            bin_dir,
            data_dir,
            port: free_port(),
            _dir: dir,
            as_postgres_user,
        };
        if as_postgres_user {
            let status = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(postgres._dir.path())
                .status()
                .expect("run chown");
            assert!(status.success(), "chown of the PostgreSQL directory failed");
        }
        let initdb = postgres.run(
            "initdb",
            &[
                "-D",
                path_str(&postgres.data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                &format!("--locale={locale}"),
            ],
        );
        check(&initdb, "initdb");
        let mut options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_prepared_transactions=10",
            postgres.port,
            path_str(postgres._dir.path())
        );
        if let Some((hba, tls)) = authentication {
            let mut files = vec![("pg_hba.conf", hba)];
            if let Some((cert, key)) = tls {
                files.push(("server.crt", cert));
                files.push(("server.key", key));
                options.push_str(" -c ssl=on");
            }
            for (name, text) in files {
                let path = postgres.data_dir.join(name);
                std::fs::write(&path, text).expect("write a PostgreSQL configuration file");
                // PostgreSQL refuses a key file others can read.
                let mode = std::os::unix::fs::PermissionsExt::from_mode(0o600);
                std::fs::set_permissions(&path, mode).expect("chmod");
                if as_postgres_user {
                    let status = Command::new("chown")
                        .arg("postgres:postgres")
                        .arg(&path)
                        .status()
                        .expect("run chown");
                    assert!(status.success(), "chown of {name} failed");
                }
            }
        }
        let log = postgres._dir.path().join("server.log");
        let start = postgres.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&postgres.data_dir),
                "-o",
                &options,
                "-l",
                path_str(&log),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        if !start.status.success() {
            let server_log = std::fs::read_to_string(&log).unwrap_or_default();
            panic!(
                "pg_ctl start failed: {}\n{}\n{server_log}",
                String::from_utf8_lossy(&start.stdout),
                String::from_utf8_lossy(&start.stderr)
            );
        }
        postgres
    }

    fn run(&self, program: &str, args: &[&str]) -> Output {
        let program = self.bin_dir.join(program);
        let mut command = if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&program);
            command
        } else {
            Command::new(&program)
        };
        command
            .args(args)
            .current_dir("/tmp")
            .output()
            .unwrap_or_else(|e| panic!("could not run {}: {e}", program.display()))
    }

    /// The loopback port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection string for a database on this server.
    pub fn url(&self, database: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname={database}",
            self.port
        )
    }

    /// Connects to a database.
    pub async fn client(&self, database: &str) -> tokio_postgres::Client {
        let (client, connection) =
            tokio_postgres::connect(&self.url(database), tokio_postgres::NoTls)
                .await
                .expect("connect to PostgreSQL");
        tokio::spawn(async move {
            let _ = connection.await;
        });
        client
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.run(
            "pg_ctl",
            &[
                "-D",
                path_str(&self.data_dir),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
        );
    }
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

fn check(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
