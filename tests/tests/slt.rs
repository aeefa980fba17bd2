//! Runs every `tests/slt/*.slt` file against PostgreSQL 15 and against db001.
//!
//! Both must produce exactly the expected results: the PostgreSQL run proves the expectations
//! are PostgreSQL's (they were written by `tests/slt/fill_from_postgres.py`), the db001 run
//! proves db001 matches them. Each file gets a fresh database on each side.

use std::path::PathBuf;

use db001_tests::TestServer;
use db001_tests::postgres::Postgres;
use db001_tests::slt;

fn files() -> Vec<(String, Vec<slt::Record>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("slt");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/slt exists")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "slt"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no .slt files in {}", dir.display());
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable .slt file");
            let name = path
                .file_name()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let records = slt::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, records)
        })
        .collect()
}

fn report(side: &str, failures: Vec<(String, Vec<String>)>) {
    let failed: Vec<String> = failures
        .into_iter()
        .filter(|(_, f)| !f.is_empty())
        .map(|(name, f)| format!("{side} {name}:\n{}", f.join("\n")))
        .collect();
    assert!(failed.is_empty(), "\n{}", failed.join("\n\n"));
}

#[tokio::test]
async fn expectations_are_postgres_results() {
    let postgres = Postgres::start();
    let admin = postgres.client("postgres").await;
    let mut failures = Vec::new();
    for (i, (name, records)) in files().into_iter().enumerate() {
        let database = format!("slt_{i}");
        admin
            .batch_execute(&format!("CREATE DATABASE {database}"))
            .await
            .expect("create database");
        let client = postgres.client(&database).await;
        failures.push((name, slt::run(&client, &records).await));
    }
    report("PostgreSQL", failures);
}

#[tokio::test]
async fn db001_matches_postgres() {
    let mut failures = Vec::new();
    for (name, records) in files() {
        let server = TestServer::start();
        let client = server.client().await;
        failures.push((name, slt::run(&client, &records).await));
    }
    report("db001", failures);
}
