//! The classic isolation anomalies (Adya's G0, G1a, G1b, G1c, OTV, PMP, P4, G-single, G2-item,
//! G2, in the form of Martin Kleppmann's Hermitage tests) at READ COMMITTED, REPEATABLE READ and
//! SERIALIZABLE, over the wire, step by step.
//!
//! Every scenario runs against db001 and against a real PostgreSQL 15, and both transcripts
//! must equal the golden file `tests/isolation/hermitage.out` (PostgreSQL's outcomes, which the
//! test also re-checks on every run). Regenerate it from PostgreSQL with
//! `REGENERATE_GOLDEN=1 cargo test -p db001-tests --test isolation`.
//!
//! What the golden file shows, in short (PostgreSQL 15's behaviour):
//! - G0, G1a, G1b, G1c: prevented at every level (no dirty writes or reads; a second writer
//!   waits for the first).
//! - OTV, P4 (lost update), PMP with a write predicate: READ COMMITTED re-checks the row's new
//!   version (no lost update, no error); REPEATABLE READ and SERIALIZABLE fail with 40001.
//! - PMP, G-single (read skew): only READ COMMITTED sees the other transaction's commit.
//! - G2-item (write skew), G2 (anti-dependency cycles, including the read-only anomaly):
//!   only SERIALIZABLE prevents them, with 40001 "read/write dependencies".

use std::path::PathBuf;

use db001_tests::TestServer;
use db001_tests::postgres::Postgres;
use db001_tests::scenario::{Scenario, format, run};

const SETUP: &str = "DROP TABLE IF EXISTS test; \
     CREATE TABLE test (id int PRIMARY KEY, value int); \
     INSERT INTO test (id, value) VALUES (1, 10), (2, 20)";

const LEVELS: [&str; 3] = ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"];

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "G0 dirty write",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (2, "begin"),
            (1, "UPDATE test SET value = 11 WHERE id = 1"),
            (2, "UPDATE test SET value = 12 WHERE id = 1"),
            (1, "UPDATE test SET value = 21 WHERE id = 2"),
            (1, "COMMIT"),
            (1, "SELECT * FROM test ORDER BY id"),
            (2, "UPDATE test SET value = 22 WHERE id = 2"),
            (2, "COMMIT"),
            (1, "SELECT * FROM test ORDER BY id"),
        ],
    },
    Scenario {
        name: "G1a aborted read",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (2, "begin"),
            (1, "UPDATE test SET value = 101 WHERE id = 1"),
            (2, "SELECT * FROM test ORDER BY id"),
            (1, "ROLLBACK"),
            (2, "SELECT * FROM test ORDER BY id"),
            (2, "COMMIT"),
        ],
    },
    Scenario {
        name: "G1b intermediate read",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (2, "begin"),
            (1, "UPDATE test SET value = 101 WHERE id = 1"),
            (2, "SELECT * FROM test ORDER BY id"),
            (1, "UPDATE test SET value = 11 WHERE id = 1"),
            (1, "COMMIT"),
            (2, "SELECT * FROM test ORDER BY id"),
            (2, "COMMIT"),
        ],
    },
    Scenario {
        name: "G1c circular information flow",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (2, "begin"),
            (1, "UPDATE test SET value = 11 WHERE id = 1"),
            (2, "UPDATE test SET value = 22 WHERE id = 2"),
            (1, "SELECT * FROM test WHERE id = 2"),
            (2, "SELECT * FROM test WHERE id = 1"),
            (1, "COMMIT"),
            (2, "COMMIT"),
        ],
    },
    Scenario {
        name: "OTV observed transaction vanishes",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (2, "begin"),
            (3, "begin"),
            (1, "UPDATE test SET value = 11 WHERE id = 1"),
            (1, "UPDATE test SET value = 19 WHERE id = 2"),
            (2, "UPDATE test SET value = 12 WHERE id = 1"),
            (1, "COMMIT"),
            (3, "SELECT * FROM test WHERE id = 1"),
            (2, "UPDATE test SET value = 18 WHERE id = 2"),
            (3, "SELECT * FROM test WHERE id = 2"),
            (2, "COMMIT"),
            (3, "SELECT * FROM test WHERE id = 2"),
            (3, "SELECT * FROM test WHERE id = 1"),
            (3, "COMMIT"),
        ],
    },
    Scenario {
        name: "PMP predicate-many-preceders",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (2, "begin"),
            (1, "SELECT * FROM test WHERE value = 30"),
            (2, "INSERT INTO test (id, value) VALUES (3, 30)"),
            (2, "COMMIT"),
            (1, "SELECT * FROM test WHERE value % 3 = 0"),
            (1, "COMMIT"),
        ],
    },
    Scenario {
        name: "PMP with a write predicate",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (2, "begin"),
            (1, "UPDATE test SET value = value + 10"),
            (2, "DELETE FROM test WHERE value = 20"),
            (1, "COMMIT"),
            (2, "SELECT * FROM test ORDER BY id"),
            (2, "COMMIT"),
        ],
    },
    Scenario {
        name: "P4 lost update",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (2, "begin"),
            (1, "SELECT * FROM test WHERE id = 1"),
            (2, "SELECT * FROM test WHERE id = 1"),
            (1, "UPDATE test SET value = 11 WHERE id = 1"),
            (2, "UPDATE test SET value = 11 WHERE id = 1"),
            (1, "COMMIT"),
            (2, "COMMIT"),
            (1, "SELECT * FROM test ORDER BY id"),
        ],
    },
    Scenario {
        name: "P4 lost update by increments",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (2, "begin"),
            (1, "UPDATE test SET value = value + 1 WHERE id = 1"),
            (2, "UPDATE test SET value = value + 1 WHERE id = 1"),
            (1, "COMMIT"),
            (2, "COMMIT"),
            (1, "SELECT * FROM test ORDER BY id"),
        ],
    },
    Scenario {
        name: "G-single read skew",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (2, "begin"),
            (1, "SELECT * FROM test WHERE id = 1"),
            (2, "SELECT * FROM test WHERE id = 1"),
            (2, "SELECT * FROM test WHERE id = 2"),
            (2, "UPDATE test SET value = 12 WHERE id = 1"),
            (2, "UPDATE test SET value = 18 WHERE id = 2"),
            (2, "COMMIT"),
            (1, "SELECT * FROM test WHERE id = 2"),
            (1, "COMMIT"),
        ],
    },
    Scenario {
        name: "G-single read skew with predicate dependencies",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (2, "begin"),
            (1, "SELECT * FROM test WHERE value % 5 = 0 ORDER BY id"),
            (2, "UPDATE test SET value = 12 WHERE value = 10"),
            (2, "COMMIT"),
            (1, "SELECT * FROM test WHERE value % 3 = 0"),
            (1, "COMMIT"),
        ],
    },
    Scenario {
        name: "G-single read skew on a write predicate",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (2, "begin"),
            (1, "SELECT * FROM test WHERE id = 1"),
            (2, "SELECT * FROM test ORDER BY id"),
            (2, "UPDATE test SET value = 12 WHERE id = 1"),
            (2, "UPDATE test SET value = 18 WHERE id = 2"),
            (2, "COMMIT"),
            (1, "DELETE FROM test WHERE value = 20"),
            (1, "COMMIT"),
            (2, "SELECT * FROM test ORDER BY id"),
        ],
    },
    Scenario {
        name: "G-single read skew, interleaved writes",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (2, "begin"),
            (1, "SELECT * FROM test WHERE id = 1"),
            (2, "SELECT * FROM test ORDER BY id"),
            (2, "UPDATE test SET value = 12 WHERE id = 1"),
            (1, "DELETE FROM test WHERE value = 20"),
            (2, "UPDATE test SET value = 18 WHERE id = 2"),
            (1, "ROLLBACK"),
            (2, "COMMIT"),
            (1, "SELECT * FROM test ORDER BY id"),
        ],
    },
    Scenario {
        name: "G2-item write skew",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (2, "begin"),
            (1, "SELECT * FROM test WHERE id IN (1, 2) ORDER BY id"),
            (2, "SELECT * FROM test WHERE id IN (1, 2) ORDER BY id"),
            (1, "UPDATE test SET value = 11 WHERE id = 1"),
            (2, "UPDATE test SET value = 21 WHERE id = 2"),
            (1, "COMMIT"),
            (2, "COMMIT"),
            (1, "SELECT * FROM test ORDER BY id"),
        ],
    },
    Scenario {
        name: "G2 anti-dependency cycle on a predicate",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (2, "begin"),
            (1, "SELECT * FROM test WHERE value % 3 = 0"),
            (2, "SELECT * FROM test WHERE value % 3 = 0"),
            (1, "INSERT INTO test (id, value) VALUES (3, 30)"),
            (2, "INSERT INTO test (id, value) VALUES (4, 42)"),
            (1, "COMMIT"),
            (2, "COMMIT"),
            (1, "SELECT * FROM test ORDER BY id"),
        ],
    },
    Scenario {
        name: "G2 two anti-dependency edges (read-only anomaly)",
        setup: SETUP,
        steps: &[
            (1, "begin"),
            (1, "SELECT * FROM test ORDER BY id"),
            (2, "begin"),
            (2, "UPDATE test SET value = value + 5 WHERE id = 2"),
            (2, "COMMIT"),
            (3, "begin"),
            (3, "SELECT * FROM test ORDER BY id"),
            (3, "COMMIT"),
            (1, "UPDATE test SET value = 0 WHERE id = 1"),
            (1, "COMMIT"),
            (1, "SELECT * FROM test ORDER BY id"),
        ],
    },
];

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("isolation/hermitage.out")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn anomalies_at_every_level_match_postgresql() {
    let postgres = Postgres::start();
    let server = TestServer::start();
    let mut from_postgres = String::new();
    let mut from_db001 = Vec::new();
    let connect_postgres = async || postgres.client("postgres").await;
    let connect_db001 = async || server.client().await;
    for scenario in SCENARIOS {
        for level in LEVELS {
            let (theirs, ours) = tokio::join!(
                run(scenario, level, &connect_postgres),
                run(scenario, level, &connect_db001),
            );
            from_postgres.push_str(&format(scenario.name, level, &theirs));
            from_db001.push((
                format(scenario.name, level, &theirs),
                format(scenario.name, level, &ours),
            ));
        }
    }
    if std::env::var_os("REGENERATE_GOLDEN").is_some() {
        std::fs::write(golden_path(), &from_postgres).expect("write the golden file");
    }
    let golden = std::fs::read_to_string(golden_path()).expect("read the golden file");
    assert_eq!(
        from_postgres, golden,
        "PostgreSQL's transcripts differ from the golden file"
    );
    let mismatches: Vec<String> = from_db001
        .iter()
        .filter(|(theirs, ours)| theirs != ours)
        .map(|(theirs, ours)| format!("PostgreSQL:\n{theirs}db001:\n{ours}"))
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} scenario runs differ from PostgreSQL:\n\n{}",
        mismatches.len(),
        from_db001.len(),
        mismatches.join("\n")
    );
}
