//! TLS and authentication against the db001 binary, with PostgreSQL 15 as the oracle: both
//! servers get the same hba rules, the same certificate (made for this run by rcgen, signed by
//! a throwaway CA) and the same roles, and every refusal must carry the same SQLSTATE and
//! message on both. The clients are tokio-postgres (with rustls), psql and psycopg, each
//! unmodified; psql and psycopg use libpq, so `sslmode=require` / `verify-full` are libpq's own.

use std::path::{Path, PathBuf};
use std::process::Command;

use db001_tests::TestServer;
use db001_tests::postgres::{Postgres, bin_dir};
use tokio_postgres::config::SslMode;

/// The rules both servers run with. `postgres` is trusted so that the tests can create roles.
const HBA: &[&str] = &[
    "host    all postgres      127.0.0.1/32 trust",
    "hostssl all scram_user    127.0.0.1/32 scram-sha-256",
    "hostssl all md5_user      127.0.0.1/32 md5",
    "host    all plain_user    127.0.0.1/32 password",
    "host    all rejected      127.0.0.1/32 reject",
    "host    all nologin_user  127.0.0.1/32 trust",
    "host    all ghost         127.0.0.1/32 trust",
    "host    all ghost_scram   127.0.0.1/32 scram-sha-256",
    "host    all md5_on_scram  127.0.0.1/32 md5",
];

/// The roles, created the same way on both servers.
const ROLES: &str = "
    CREATE USER scram_user PASSWORD 'secret';
    SET password_encryption = 'md5';
    CREATE USER md5_user PASSWORD 'secret';
    RESET password_encryption;
    CREATE USER plain_user PASSWORD 'secret';
    CREATE USER md5_on_scram PASSWORD 'secret';
    CREATE USER rejected PASSWORD 'secret';
    CREATE ROLE nologin_user PASSWORD 'secret';
";

#[path = "../src/tls_certificates.rs"]
mod tls_certificates;

use tls_certificates::TestCertificates;

/// A CA, and a certificate for localhost / 127.0.0.1 signed by it, also as PEM files.
struct Certificates {
    dir: tempfile::TempDir,
    pem: TestCertificates,
}

impl Certificates {
    fn generate() -> Certificates {
        let certificates = Certificates {
            dir: tempfile::tempdir().expect("temporary directory"),
            pem: TestCertificates::generate(),
        };
        for (name, text) in [
            ("ca.crt", &certificates.pem.ca_pem),
            ("server.crt", &certificates.pem.cert_pem),
            ("server.key", &certificates.pem.key_pem),
        ] {
            std::fs::write(certificates.path(name), text).expect("write PEM file");
        }
        certificates
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn connector(&self) -> tokio_postgres_rustls::MakeRustlsConnect {
        self.pem.connector()
    }
}

/// db001 with TLS and [`HBA`], from a config file as an operator would write it.
fn start_db001(certificates: &Certificates) -> TestServer {
    let mut yaml = format!(
        "ssl: on\nssl_cert_file: {}\nssl_key_file: {}\nhba:\n",
        certificates.path("server.crt").display(),
        certificates.path("server.key").display()
    );
    for rule in HBA {
        yaml.push_str(&format!("  - {rule}\n"));
    }
    let config = certificates.path("database.yaml");
    std::fs::write(&config, yaml).expect("write config");
    TestServer::start_with_args(&["--config", config.to_str().expect("UTF-8 path")])
}

fn start_postgres(certificates: &Certificates) -> Postgres {
    let hba = HBA.join("\n") + "\n";
    Postgres::start_with_authentication(
        &hba,
        Some((&certificates.pem.cert_pem, &certificates.pem.key_pem)),
    )
}

/// Connects as `user` and runs a query; `Err` holds the SQLSTATE and message of a refusal
/// (or `client` and the client's own error).
async fn login(
    port: u16,
    tls: Option<&tokio_postgres_rustls::MakeRustlsConnect>,
    user: &str,
    password: Option<&str>,
) -> Result<(), (String, String)> {
    let mut config = tokio_postgres::Config::new();
    config
        .host("127.0.0.1")
        .port(port)
        .user(user)
        .dbname("postgres")
        .connect_timeout(std::time::Duration::from_secs(10));
    if let Some(password) = password {
        config.password(password);
    }
    let refused = |error: tokio_postgres::Error| match error.as_db_error() {
        Some(db) => (db.code().code().to_owned(), db.message().to_owned()),
        None => ("client".to_owned(), error.to_string()),
    };
    let client = match tls {
        Some(tls) => {
            config.ssl_mode(SslMode::Require);
            let (client, connection) = config.connect(tls.clone()).await.map_err(refused)?;
            tokio::spawn(connection);
            client
        }
        None => {
            config.ssl_mode(SslMode::Disable);
            let (client, connection) = config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(refused)?;
            tokio::spawn(connection);
            client
        }
    };
    let row = client
        .query_one("SELECT current_user::text", &[])
        .await
        .map_err(|error| ("query".to_owned(), error.to_string()))?;
    assert_eq!(row.get::<_, String>(0), user);
    Ok(())
}

async fn create_roles(port: u16) {
    let (client, connection) = tokio_postgres::connect(
        &format!("host=127.0.0.1 port={port} user=postgres dbname=postgres sslmode=disable"),
        tokio_postgres::NoTls,
    )
    .await
    .expect("connect as postgres");
    tokio::spawn(connection);
    client.batch_execute(ROLES).await.expect("create roles");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_match_postgres_and_passwords_work_over_tls() {
    let certificates = Certificates::generate();
    let tls = certificates.connector();
    let db001 = start_db001(&certificates);
    let postgres = start_postgres(&certificates);
    create_roles(db001.address().port()).await;
    create_roles(postgres.port()).await;

    type Case = (
        &'static str,
        bool,
        Option<&'static str>,
        Result<(), (&'static str, &'static str)>,
    );
    let no_rule_plain = "no pg_hba.conf entry for host \"127.0.0.1\", user \"scram_user\", \
                         database \"postgres\", no encryption";
    let cases: Vec<Case> = vec![
        ("scram_user", true, Some("secret"), Ok(())),
        (
            "scram_user",
            true,
            Some("wrong"),
            Err((
                "28P01",
                "password authentication failed for user \"scram_user\"",
            )),
        ),
        (
            "scram_user",
            false,
            Some("secret"),
            Err(("28000", no_rule_plain)),
        ),
        ("md5_user", true, Some("secret"), Ok(())),
        (
            "md5_user",
            true,
            Some("Secret"),
            Err((
                "28P01",
                "password authentication failed for user \"md5_user\"",
            )),
        ),
        ("plain_user", false, Some("secret"), Ok(())),
        (
            "plain_user",
            false,
            Some("nope"),
            Err((
                "28P01",
                "password authentication failed for user \"plain_user\"",
            )),
        ),
        ("md5_on_scram", false, Some("secret"), Ok(())),
        (
            "rejected",
            false,
            Some("secret"),
            Err((
                "28000",
                "pg_hba.conf rejects connection for host \"127.0.0.1\", user \"rejected\", \
                 database \"postgres\", no encryption",
            )),
        ),
        (
            "rejected",
            true,
            Some("secret"),
            Err((
                "28000",
                "pg_hba.conf rejects connection for host \"127.0.0.1\", user \"rejected\", \
                 database \"postgres\", SSL encryption",
            )),
        ),
        (
            "nologin_user",
            false,
            None,
            Err(("28000", "role \"nologin_user\" is not permitted to log in")),
        ),
        (
            "ghost",
            true,
            None,
            Err(("28000", "role \"ghost\" does not exist")),
        ),
        (
            "ghost_scram",
            false,
            Some("secret"),
            Err((
                "28P01",
                "password authentication failed for user \"ghost_scram\"",
            )),
        ),
        (
            "nobody",
            true,
            Some("secret"),
            Err((
                "28000",
                "no pg_hba.conf entry for host \"127.0.0.1\", user \"nobody\", database \
                 \"postgres\", SSL encryption",
            )),
        ),
    ];
    for (user, use_tls, password, expected) in cases {
        let expected = expected.map_err(|(code, message)| (code.to_owned(), message.to_owned()));
        let tls = use_tls.then_some(&tls);
        let from_postgres = login(postgres.port(), tls, user, password).await;
        let from_db001 = login(db001.address().port(), tls, user, password).await;
        assert_eq!(
            from_postgres, expected,
            "PostgreSQL: {user} tls={use_tls} {password:?}"
        );
        assert_eq!(
            from_db001,
            expected,
            "db001: {user} tls={use_tls} {password:?}; log:\n{}",
            db001.log()
        );
    }

    // The counters saw the TLS sessions and the refusals.
    let (_, metrics) = db001.http_get("/metrics");
    let value = |name: &str| -> u64 {
        metrics
            .lines()
            .find_map(|line| line.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in\n{metrics}"))
    };
    assert!(value("db001_tls_sessions_total ") >= 7, "{metrics}");
    assert_eq!(value("db001_auth_failures_total "), 10, "{metrics}");

    // SHOW ssl reports the setting, as in PostgreSQL.
    let client = db001.client().await;
    let row = client.query_one("SHOW ssl", &[]).await.expect("SHOW ssl");
    assert_eq!(row.get::<_, String>(0), "on");
}

fn psql() -> PathBuf {
    let path = bin_dir().join("psql");
    if path.is_file() {
        path
    } else {
        PathBuf::from("psql")
    }
}

/// Runs psql with libpq settings in the environment; returns (success, stdout + stderr) with
/// the port masked.
fn run_psql(port: u16, user: &str, environment: &[(&str, &str)], command: &str) -> (bool, String) {
    let mut psql = Command::new(psql());
    psql.args(["-X", "-w", "-h", "127.0.0.1", "-p", &port.to_string()])
        .args(["-U", user, "-d", "postgres", "-c", command])
        .env_remove("PGPASSWORD")
        .env_remove("PGSSLMODE")
        .env_remove("PGOPTIONS");
    for (name, value) in environment {
        psql.env(name, value);
    }
    let output = psql.output().expect("run psql");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.status.success(),
        text.replace(&port.to_string(), "PORT"),
    )
}

#[test]
fn psql_over_tls_with_passwords() {
    let certificates = Certificates::generate();
    let db001 = start_db001(&certificates);
    let postgres = start_postgres(&certificates);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(create_roles(db001.address().port()));
    runtime.block_on(create_roles(postgres.port()));
    let ca = certificates.path("ca.crt");
    let ca = ca.to_str().expect("UTF-8 path");

    for port in [postgres.port(), db001.address().port()] {
        // sslmode=verify-full: the chain and the 127.0.0.1 name check out.
        let (ok, text) = run_psql(
            port,
            "scram_user",
            &[
                ("PGPASSWORD", "secret"),
                ("PGSSLMODE", "verify-full"),
                ("PGSSLROOTCERT", ca),
            ],
            "\\conninfo",
        );
        assert!(ok, "{text}");
        assert!(
            text.contains("SSL connection (protocol: TLSv1.3"),
            "port {port}: {text}"
        );
        let (ok, text) = run_psql(
            port,
            "md5_user",
            &[("PGPASSWORD", "secret"), ("PGSSLMODE", "require")],
            "SELECT current_user",
        );
        assert!(ok && text.contains("md5_user"), "{text}");
    }

    // Refusals print the same lines.
    let failures: &[(&str, &[(&str, &str)])] = &[
        (
            "scram_user",
            &[("PGPASSWORD", "wrong"), ("PGSSLMODE", "require")],
        ),
        (
            "scram_user",
            &[("PGPASSWORD", "secret"), ("PGSSLMODE", "disable")],
        ),
        ("rejected", &[("PGSSLMODE", "require")]),
        ("ghost", &[("PGSSLMODE", "disable")]),
        // No password given: libpq gives up itself (-w) once asked for one.
        ("scram_user", &[("PGSSLMODE", "require")]),
    ];
    for (user, environment) in failures {
        let (ok_postgres, from_postgres) = run_psql(postgres.port(), user, environment, "SELECT 1");
        let (ok_db001, from_db001) =
            run_psql(db001.address().port(), user, environment, "SELECT 1");
        assert!(
            !ok_postgres && !ok_db001,
            "{user} {environment:?} must fail"
        );
        assert_eq!(from_db001, from_postgres, "{user} {environment:?}");
    }
}

/// sslmode=require against servers without TLS fails the same way in libpq.
#[test]
fn sslmode_require_against_a_server_without_tls() {
    let db001 = TestServer::start();
    let postgres = Postgres::start();
    let (ok_postgres, from_postgres) = run_psql(
        postgres.port(),
        "postgres",
        &[("PGSSLMODE", "require")],
        "SELECT 1",
    );
    let (ok_db001, from_db001) = run_psql(
        db001.address().port(),
        "postgres",
        &[("PGSSLMODE", "require")],
        "SELECT 1",
    );
    assert!(!ok_postgres && !ok_db001);
    assert!(
        from_db001.contains("server does not support SSL, but SSL was required"),
        "{from_db001}"
    );
    assert_eq!(from_db001, from_postgres);
}

/// The psycopg venv of the client suites (tests/clients/install.sh, cached).
fn python() -> PathBuf {
    let output = Command::new("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/install.sh"))
        .output()
        .expect("run tests/clients/install.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "install.sh failed:\n{stdout}");
    let cache = stdout.lines().last().expect("cache directory").trim();
    Path::new(cache).join("venv/bin/python")
}

#[test]
fn psycopg_connects_with_scram_over_tls() {
    let certificates = Certificates::generate();
    let db001 = start_db001(&certificates);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(create_roles(db001.address().port()));
    let script = r#"
import sys, psycopg
port, ca = sys.argv[1], sys.argv[2]
with psycopg.connect(host="127.0.0.1", port=port, dbname="postgres", user="scram_user",
                     password="secret", sslmode="verify-full", sslrootcert=ca) as conn:
    assert conn.pgconn.ssl_in_use, "not TLS"
    print("user", conn.execute("SELECT current_user").fetchone()[0])
try:
    psycopg.connect(host="127.0.0.1", port=port, dbname="postgres", user="scram_user",
                    password="bad", sslmode="require")
except psycopg.OperationalError as error:
    print("refused", error.sqlstate if hasattr(error, "sqlstate") else "", str(error).strip().splitlines()[-1])
"#;
    let output = Command::new(python())
        .arg("-c")
        .arg(script)
        .arg(db001.address().port().to_string())
        .arg(certificates.path("ca.crt"))
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("user scram_user"), "{stdout}");
    assert!(
        stdout.contains("password authentication failed for user \"scram_user\""),
        "{stdout}"
    );
}
