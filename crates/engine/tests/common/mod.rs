//! Helpers for the engine's in-process tests.

#![allow(dead_code)]

use db001_common::{Error, Value};
use db001_engine::{Config, Database, Session, StatementResult};

/// A database in a temporary directory (kept alive by the returned guard).
pub fn open() -> (Database, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = Database::open(Config::new(dir.path())).expect("open database");
    (db, dir)
}

/// Runs SQL and returns the last result, panicking on error.
pub async fn run(session: &mut Session, sql: &str) -> StatementResult {
    let mut results = session
        .execute_sql(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    results.pop().expect("at least one statement")
}

/// Runs SQL expecting an error; returns it.
pub async fn fail(session: &mut Session, sql: &str) -> Error {
    match session.execute_sql(sql, &[]).await {
        Ok(_) => panic!("{sql}: expected an error"),
        Err(e) => e,
    }
}

/// The rows of a query as text (NULL as "NULL").
pub async fn rows(session: &mut Session, sql: &str) -> Vec<Vec<String>> {
    run(session, sql)
        .await
        .rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| match v {
                    Value::Null => "NULL".to_string(),
                    v => v.to_text(),
                })
                .collect()
        })
        .collect()
}

/// A single value as text.
pub async fn scalar(session: &mut Session, sql: &str) -> String {
    rows(session, sql).await[0][0].clone()
}
