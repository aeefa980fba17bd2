//! A small sqllogictest runner (the sqllogictest-rs dialect, reduced to what db001's suites use).
//!
//! ```text
//! statement ok                      statement error 23505        query ITR [rowsort]
//! <SQL up to a blank line>          <SQL>                        <SQL>
//!                                                                ----
//!                                                                <row: values joined by one space>
//! ```
//!
//! Values are compared as text, the way the simple query protocol returns them; NULL is `NULL`
//! and the empty string `(empty)`. The type letters after `query` are informational.
//! `tests/slt/fill_from_postgres.py` writes the expected results from a real PostgreSQL, and
//! `tests/tests/slt.rs` runs every file against both PostgreSQL and db001, so a file can
//! neither drift from PostgreSQL nor pass on db001 by accident.

use std::fmt::Write as _;

use tokio_postgres::{Client, SimpleQueryMessage};

/// One record of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// `statement ok` / `statement error [SQLSTATE]`.
    Statement {
        line: usize,
        sql: String,
        /// `None` for `ok`; `Some(None)` for an error of any code.
        error: Option<Option<String>>,
    },
    /// `query ... [rowsort]`.
    Query {
        line: usize,
        sql: String,
        rowsort: bool,
        expected: Vec<String>,
    },
}

/// Parses a file. Fails on a malformed record, naming its line.
pub fn parse(text: &str) -> Result<Vec<Record>, String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut records = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let header = lines[i].trim_end();
        if header.trim().is_empty() || header.starts_with('#') {
            i += 1;
            continue;
        }
        let line = i + 1;
        i += 1;
        let mut sql = Vec::new();
        while i < lines.len() && !lines[i].trim().is_empty() && lines[i] != "----" {
            sql.push(lines[i]);
            i += 1;
        }
        let mut expected = Vec::new();
        let has_results = i < lines.len() && lines[i] == "----";
        if has_results {
            i += 1;
            while i < lines.len() && !lines[i].trim().is_empty() {
                expected.push(lines[i].to_string());
                i += 1;
            }
        }
        if sql.is_empty() {
            return Err(format!("line {line}: record without SQL"));
        }
        let sql = sql.join("\n");
        let words: Vec<&str> = header.split_whitespace().collect();
        records.push(match words.as_slice() {
            ["statement", "ok"] => Record::Statement {
                line,
                sql,
                error: None,
            },
            ["statement", "error"] => Record::Statement {
                line,
                sql,
                error: Some(None),
            },
            ["statement", "error", code] => Record::Statement {
                line,
                sql,
                error: Some(Some((*code).to_string())),
            },
            ["query", _types, rest @ ..] if has_results => Record::Query {
                line,
                sql,
                rowsort: rest.contains(&"rowsort"),
                expected,
            },
            _ => return Err(format!("line {line}: cannot read record header {header:?}")),
        });
    }
    Ok(records)
}

fn render(value: Option<&str>) -> String {
    match value {
        None => "NULL".to_string(),
        Some("") => "(empty)".to_string(),
        Some(text) => text.to_string(),
    }
}

/// Runs every record on `client`; returns a description of each mismatch.
pub async fn run(client: &Client, records: &[Record]) -> Vec<String> {
    let mut failures = Vec::new();
    for record in records {
        match record {
            Record::Statement { line, sql, error } => {
                let result = client.simple_query(sql).await;
                match (error, result) {
                    (None, Ok(_)) | (Some(None), Err(_)) => {}
                    (None, Err(e)) => failures.push(format!(
                        "line {line}: expected success, got {}: {sql}",
                        describe(&e)
                    )),
                    (Some(_), Ok(_)) => {
                        failures.push(format!("line {line}: expected an error: {sql}"))
                    }
                    (Some(Some(code)), Err(e)) => {
                        let actual = e.code().map(|c| c.code().to_string());
                        if actual.as_deref() != Some(code.as_str()) {
                            failures.push(format!(
                                "line {line}: expected SQLSTATE {code}, got {}: {sql}",
                                describe(&e)
                            ));
                        }
                    }
                }
            }
            Record::Query {
                line,
                sql,
                rowsort,
                expected,
            } => match client.simple_query(sql).await {
                Err(e) => failures.push(format!(
                    "line {line}: query failed: {}: {sql}",
                    describe(&e)
                )),
                Ok(messages) => {
                    let mut rows: Vec<String> = messages
                        .iter()
                        .filter_map(|message| match message {
                            SimpleQueryMessage::Row(row) => Some(
                                (0..row.len())
                                    .map(|i| render(row.get(i)))
                                    .collect::<Vec<_>>()
                                    .join(" "),
                            ),
                            _ => None,
                        })
                        .collect();
                    if *rowsort {
                        rows.sort();
                    }
                    if rows != *expected {
                        let mut message = format!("line {line}: {sql}\n  expected:\n");
                        for row in expected {
                            let _ = writeln!(message, "    {row}");
                        }
                        message.push_str("  actual:\n");
                        for row in &rows {
                            let _ = writeln!(message, "    {row}");
                        }
                        failures.push(message);
                    }
                }
            },
        }
    }
    failures
}

fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} {}", db.code().code(), db.message()),
        None => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_record_kind() {
        let text = "# comment\nstatement ok\nCREATE TABLE t (a int)\n\nstatement error 23505\nINSERT\nINTO t\n\nquery IT rowsort\nSELECT 1\n----\n1 a\nNULL (empty)\n\nstatement error\nBAD\n";
        let records = parse(text).expect("valid");
        assert_eq!(records.len(), 4);
        assert_eq!(
            records[1],
            Record::Statement {
                line: 5,
                sql: "INSERT\nINTO t".to_string(),
                error: Some(Some("23505".to_string())),
            }
        );
        assert_eq!(
            records[2],
            Record::Query {
                line: 9,
                sql: "SELECT 1".to_string(),
                rowsort: true,
                expected: vec!["1 a".to_string(), "NULL (empty)".to_string()],
            }
        );
    }

    #[test]
    fn rejects_a_query_without_results_section() {
        assert!(parse("query I\nSELECT 1\n").is_err());
        assert!(parse("frobnicate\nSELECT 1\n").is_err());
    }
}
