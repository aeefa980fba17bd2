//! psql against db001 and against PostgreSQL 15: the same session (`tests/clients/psql/
//! session.sql`: `\l`, `\dn`, `\dt`, `\di`, `\ds`, `\dv`, `\d`, `\d TABLE`, `\d+`, `\du`, `\x`,
//! `\timing`, `\copy` both ways, a `\copy` with a bad row) must print the same, line for line,
//! once timings are masked — and psql must print no version warning against db001.

use std::path::{Path, PathBuf};
use std::process::Command;

use db001_tests::TestServer;
use db001_tests::postgres::{Postgres, bin_dir};

fn psql() -> PathBuf {
    let path = bin_dir().join("psql");
    if path.is_file() {
        path
    } else {
        PathBuf::from("psql")
    }
}

/// Runs the session file with psql against `port`; stdout and stderr interleaved as psql
/// prints them (stderr is redirected into stdout by psql's `-L`-free default: both go to the
/// same pipe here).
fn run_session(port: u16) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/psql");
    let output = Command::new("bash")
        .current_dir(&dir)
        .arg("-c")
        .arg(format!(
            "exec {} -X -h 127.0.0.1 -p {port} -U postgres -d postgres -f session.sql 2>&1",
            psql().display()
        ))
        .env("PGAPPNAME", "psql")
        .env("PGTZ", "UTC")
        .env_remove("PGOPTIONS")
        .output()
        .expect("run psql");
    assert!(output.status.success(), "psql failed: {output:?}");
    mask(&String::from_utf8_lossy(&output.stdout))
}

/// Masks what legitimately differs between two runs: `\timing`'s durations.
fn mask(text: &str) -> String {
    text.lines()
        .map(|line| match line.strip_prefix("Time: ") {
            Some(_) => "Time: <masked>".to_owned(),
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn psql_session_matches_postgres() {
    let postgres = Postgres::start_with_locale("C.UTF-8");
    let expected = run_session(postgres.port());
    drop(postgres);
    let server = TestServer::start();
    let actual = run_session(server.address().port());
    assert!(
        !actual.contains("WARNING") && !actual.contains("psql major version"),
        "psql warned:\n{actual}"
    );
    // Sanity: the session really ran its commands against PostgreSQL.
    for needle in [
        "List of databases",
        "Table \"public.accounts\"",
        "accounts_pkey",
        "Time: <masked>",
        "COPY 2",
    ] {
        assert!(
            expected.contains(needle),
            "PostgreSQL's output lacks {needle:?}:\n{expected}"
        );
    }
    if actual != expected {
        let mut report = String::new();
        for (index, (want, got)) in expected.lines().zip(actual.lines()).enumerate() {
            if want != got {
                report.push_str(&format!(
                    "line {}:\n  PostgreSQL: {want}\n  db001:      {got}\n",
                    index + 1
                ));
            }
        }
        panic!(
            "psql output differs ({} vs {} lines):\n{report}\n--- PostgreSQL ---\n{expected}\n--- db001 ---\n{actual}",
            expected.lines().count(),
            actual.lines().count()
        );
    }
}
