//! EXPLAIN as a test surface: golden files of plans.
//!
//! Each `tests/explain/*.golden` file is a script of blocks separated by blank lines. A block
//! is SQL, optionally followed by `----` and the expected EXPLAIN output; blocks without
//! `----` are setup statements that must succeed. Plans depend on table sizes (a hash join
//! builds on the smaller side), so the setup loads data first.
//!
//! To regenerate the expectations after an intended plan change:
//!
//! ```text
//! DB001_UPDATE_GOLDEN=1 cargo test -p db001-engine --test explain
//! ```
//! then review the diff.

mod common;

use std::path::PathBuf;

use common::{open, run};
use db001_common::Value;

/// One block of a golden file.
struct Block {
    sql: String,
    expected: Option<Vec<String>>,
}

fn parse(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    for chunk in text.split("\n\n") {
        let lines: Vec<&str> = chunk
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .collect();
        if lines.is_empty() {
            continue;
        }
        match lines.iter().position(|l| *l == "----") {
            Some(split) => blocks.push(Block {
                sql: lines[..split].join("\n"),
                expected: Some(lines[split + 1..].iter().map(|l| l.to_string()).collect()),
            }),
            None => blocks.push(Block {
                sql: lines.join("\n"),
                expected: None,
            }),
        }
    }
    blocks
}

/// Rewrites a golden file with the actual plans, keeping comments and setup.
fn render(text: &str, actual: &[Vec<String>]) -> String {
    let mut out = Vec::new();
    let mut plans = actual.iter();
    for chunk in text.split("\n\n") {
        let lines: Vec<&str> = chunk.lines().collect();
        match lines.iter().position(|l| *l == "----") {
            Some(split) => {
                let mut block: Vec<String> =
                    lines[..=split].iter().map(|l| l.to_string()).collect();
                block.extend(plans.next().cloned().unwrap_or_default());
                out.push(block.join("\n"));
            }
            None => out.push(chunk.to_string()),
        }
    }
    out.join("\n\n")
}

#[tokio::test]
async fn plans_match_golden_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/explain");
    let update = std::env::var_os("DB001_UPDATE_GOLDEN").is_some();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/explain exists")
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "golden"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no golden files in {}", dir.display());
    let mut failures = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("readable golden file");
        let (db, _guard) = open();
        let mut session = db.session();
        let mut actual = Vec::new();
        for block in parse(&text) {
            let result = run(&mut session, &block.sql).await;
            let Some(expected) = block.expected else {
                continue;
            };
            let lines: Vec<String> = result
                .rows
                .iter()
                .map(|row| match row.first() {
                    Some(Value::Text(line)) => line.to_string(),
                    other => format!("{other:?}"),
                })
                .collect();
            if lines != expected {
                failures.push(format!(
                    "{}: {}\nexpected:\n{}\nactual:\n{}",
                    path.display(),
                    block.sql,
                    expected.join("\n"),
                    lines.join("\n")
                ));
            }
            actual.push(lines);
        }
        if update {
            std::fs::write(&path, render(&text, &actual)).expect("write golden file");
        }
    }
    assert!(
        update || failures.is_empty(),
        "{}\n\n(DB001_UPDATE_GOLDEN=1 regenerates)",
        failures.join("\n\n")
    );
}

#[test]
fn golden_files_round_trip_through_the_parser() {
    let text = "CREATE TABLE t (x int)\n\nEXPLAIN SELECT 1\n----\nResult";
    let blocks = parse(text);
    assert_eq!(blocks.len(), 2);
    assert!(blocks[0].expected.is_none());
    assert_eq!(
        blocks[1].expected.as_deref(),
        Some(&["Result".to_string()][..])
    );
    assert_eq!(render(text, &[vec!["Result".to_string()]]), text);
}
