//! Row locks, lock waits and their limits, deadlocks, read-only transactions, deferrable
//! serializable snapshots and two-phase commit, step by step over the wire — each scenario
//! against db001 and PostgreSQL 15, both checked against the golden file
//! `tests/isolation/locking.out` (regenerate from PostgreSQL with `REGENERATE_GOLDEN=1`).
//!
//! Covered, as PostgreSQL behaves:
//! - `FOR SHARE` locks coexist; an UPDATE waits for every holder.
//! - `FOR KEY SHARE` lets a non-key UPDATE through but blocks a key UPDATE and `FOR UPDATE`.
//! - `NOWAIT` fails with 55P03 "could not obtain lock on row in relation ..."; `SKIP LOCKED`
//!   with LIMIT hands each worker its own row (only returned rows are locked).
//! - READ COMMITTED `FOR UPDATE` re-checks a row changed while it waited, and returns its new
//!   version or drops it; REPEATABLE READ fails with 40001.
//! - `lock_timeout` (55P03) and `statement_timeout` (57014) cancel a wait; `statement_timeout`
//!   also cancels a long statement that waits for nothing.
//! - A transaction that only locked rows (autocommit `SELECT ... FOR UPDATE`, or a block of
//!   lock-only statements) leaves nothing behind once it ends: the next UPDATE of the row, from
//!   any session and at any level, neither waits nor fails with 40001.
//! - Deadlocks: the waiter whose `deadlock_timeout` expires first while the cycle exists is the
//!   victim (40P01) and its transaction is aborted at once, so the other proceeds.
//! - A deadlock of three: the waiter with the shortest `deadlock_timeout` is the victim; the
//!   other two proceed in turn.
//! - 25006 for writes in read-only transactions; 25001 for late SET TRANSACTION.
//! - `default_transaction_isolation`, `SET TRANSACTION` and `SET SESSION CHARACTERISTICS`
//!   change what the next transactions do (their snapshots, 40001, 25006), not just what SHOW
//!   prints.
//! - `SERIALIZABLE READ ONLY DEFERRABLE` waits for a safe snapshot.
//! - `PREPARE TRANSACTION` keeps the row locked; `COMMIT PREPARED` from another session.
//! - A foreign-key check locks the referenced row FOR KEY SHARE: a non-key UPDATE of the parent
//!   goes through, FOR UPDATE NOWAIT fails, and a DELETE of the parent waits for the inserting
//!   transaction and then fails with 23503.

use std::path::PathBuf;

use db001_tests::TestServer;
use db001_tests::postgres::Postgres;
use db001_tests::scenario::{Scenario, format, run};

const SETUP: &str = "DROP TABLE IF EXISTS acct; \
     CREATE TABLE acct (id int PRIMARY KEY, owner text, balance int); \
     INSERT INTO acct VALUES (1, 'a', 100), (2, 'b', 200), (3, 'c', 300)";

const RC: &[&str] = &["READ COMMITTED"];
const BOTH: &[&str] = &["READ COMMITTED", "REPEATABLE READ"];

const SCENARIOS: &[(Scenario, &[&str])] = &[
    (
        Scenario {
            name: "FOR SHARE locks coexist, writers wait for all holders",
            setup: SETUP,
            steps: &[
                (1, "begin"),
                (2, "begin"),
                (1, "SELECT * FROM acct WHERE id = 1 FOR SHARE"),
                (2, "SELECT * FROM acct WHERE id = 1 FOR SHARE"),
                (3, "UPDATE acct SET balance = 0 WHERE id = 1"),
                (1, "COMMIT"),
                (2, "SELECT * FROM acct WHERE id = 2 FOR UPDATE"),
                (2, "COMMIT"),
                (1, "SELECT * FROM acct ORDER BY id"),
            ],
        },
        BOTH,
    ),
    (
        Scenario {
            name: "FOR KEY SHARE admits non-key updates only",
            setup: SETUP,
            steps: &[
                (1, "begin"),
                (1, "SELECT id FROM acct WHERE id = 1 FOR KEY SHARE"),
                (2, "UPDATE acct SET balance = 1 WHERE id = 1"),
                (3, "begin"),
                (3, "SELECT id FROM acct WHERE id = 1 FOR NO KEY UPDATE"),
                (3, "COMMIT"),
                (2, "UPDATE acct SET id = 10 WHERE id = 1"),
                (1, "COMMIT"),
                (1, "SELECT * FROM acct ORDER BY id"),
            ],
        },
        RC,
    ),
    (
        Scenario {
            name: "FOR UPDATE blocks FOR KEY SHARE",
            setup: SETUP,
            steps: &[
                (1, "begin"),
                (1, "SELECT id FROM acct WHERE id = 2 FOR UPDATE"),
                (2, "begin"),
                (2, "SELECT id FROM acct WHERE id = 2 FOR KEY SHARE"),
                (1, "ROLLBACK"),
                (2, "COMMIT"),
            ],
        },
        RC,
    ),
    (
        Scenario {
            name: "NOWAIT",
            setup: SETUP,
            steps: &[
                (1, "begin"),
                (1, "SELECT * FROM acct WHERE id = 1 FOR UPDATE"),
                (2, "begin"),
                (2, "SELECT * FROM acct WHERE id = 1 FOR UPDATE NOWAIT"),
                (2, "ROLLBACK"),
                (2, "SELECT * FROM acct WHERE id = 2 FOR SHARE NOWAIT"),
                (2, "SELECT * FROM acct WHERE id = 1 FOR SHARE NOWAIT"),
                (1, "COMMIT"),
            ],
        },
        RC,
    ),
    (
        Scenario {
            name: "SKIP LOCKED with LIMIT hands out a queue",
            setup: SETUP,
            steps: &[
                (1, "begin"),
                (
                    1,
                    "SELECT id FROM acct ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                ),
                (2, "begin"),
                (
                    2,
                    "SELECT id FROM acct ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
                ),
                (3, "begin"),
                (3, "SELECT id FROM acct ORDER BY id FOR UPDATE SKIP LOCKED"),
                (
                    4,
                    "SELECT id FROM acct ORDER BY id LIMIT 5 FOR SHARE SKIP LOCKED",
                ),
                (1, "COMMIT"),
                (
                    4,
                    "SELECT id FROM acct ORDER BY id DESC LIMIT 2 FOR UPDATE SKIP LOCKED",
                ),
                (2, "COMMIT"),
                (3, "COMMIT"),
            ],
        },
        BOTH,
    ),
    (
        Scenario {
            name: "FOR UPDATE after a concurrent update",
            setup: SETUP,
            steps: &[
                (1, "begin"),
                (1, "UPDATE acct SET balance = balance + 1 WHERE id <= 2"),
                (2, "begin"),
                (
                    2,
                    "SELECT * FROM acct WHERE balance = 100 OR id = 2 ORDER BY id FOR UPDATE",
                ),
                (1, "COMMIT"),
                (2, "COMMIT"),
            ],
        },
        BOTH,
    ),
    (
        Scenario {
            name: "UPDATE waits for a FOR UPDATE lock and re-checks",
            setup: SETUP,
            steps: &[
                (1, "begin"),
                (1, "SELECT * FROM acct WHERE id = 3 FOR UPDATE"),
                (2, "begin"),
                (
                    2,
                    "UPDATE acct SET balance = balance * 2 WHERE balance >= 300",
                ),
                (1, "UPDATE acct SET balance = 250 WHERE id = 3"),
                (1, "COMMIT"),
                (2, "COMMIT"),
                (1, "SELECT * FROM acct ORDER BY id"),
            ],
        },
        BOTH,
    ),
    (
        Scenario {
            name: "lock_timeout and statement_timeout",
            setup: SETUP,
            steps: &[
                (1, "begin"),
                (1, "UPDATE acct SET balance = 0 WHERE id = 1"),
                (2, "SET lock_timeout = '100ms'"),
                (2, "UPDATE acct SET balance = 1 WHERE id = 1"),
                (2, "SELECT * FROM acct WHERE id = 1 FOR SHARE"),
                (2, "SET lock_timeout = 0"),
                (2, "SET statement_timeout = '100ms'"),
                (2, "DELETE FROM acct WHERE id = 1"),
                (2, "SHOW statement_timeout"),
                (2, "UPDATE acct SET balance = 2 WHERE id = 2"),
                (1, "ROLLBACK"),
            ],
        },
        RC,
    ),
    (
        Scenario {
            name: "statement_timeout cancels a long statement that waits for nothing",
            setup: SETUP,
            steps: &[
                (1, "SET statement_timeout = '200ms'"),
                (1, "SELECT count(*) FROM generate_series(1, 1000000000)"),
                (1, "begin"),
                (1, "SELECT count(*) FROM generate_series(1, 1000000000)"),
                (1, "SELECT 1"),
                (1, "ROLLBACK"),
                (1, "SELECT count(*) FROM generate_series(1, 1000)"),
            ],
        },
        RC,
    ),
    (
        Scenario {
            name: "a finished lock-only transaction leaves nothing behind",
            setup: SETUP,
            steps: &[
                (1, "SELECT * FROM acct WHERE id = 1 FOR UPDATE"),
                (1, "UPDATE acct SET balance = balance + 1 WHERE id = 1"),
                (1, "SELECT * FROM acct WHERE id = 1 FOR SHARE"),
                (2, "UPDATE acct SET balance = balance + 1 WHERE id = 1"),
                (1, "begin"),
                (1, "SELECT * FROM acct WHERE id = 1 FOR SHARE"),
                (1, "COMMIT"),
                (2, "begin"),
                (2, "UPDATE acct SET balance = balance + 1 WHERE id = 1"),
                (2, "COMMIT"),
                (3, "begin"),
                (3, "SELECT balance FROM acct WHERE id = 2"),
                (1, "SELECT * FROM acct WHERE id = 2 FOR UPDATE"),
                (1, "begin"),
                (1, "SELECT * FROM acct WHERE id = 2 FOR KEY SHARE"),
                (1, "COMMIT"),
                (2, "SELECT * FROM acct WHERE id = 2 FOR NO KEY UPDATE"),
                (3, "UPDATE acct SET balance = balance + 1 WHERE id = 2"),
                (3, "COMMIT"),
                (1, "SELECT * FROM acct ORDER BY id"),
            ],
        },
        BOTH,
    ),
    (
        Scenario {
            name: "deadlock: the closing waiter checks first",
            setup: SETUP,
            steps: &[
                (1, "begin"),
                (2, "begin"),
                (1, "SET deadlock_timeout = '100ms'"),
                (2, "SET deadlock_timeout = '100ms'"),
                (1, "UPDATE acct SET balance = 11 WHERE id = 1"),
                (2, "UPDATE acct SET balance = 22 WHERE id = 2"),
                (1, "UPDATE acct SET balance = 12 WHERE id = 2"),
                (2, "UPDATE acct SET balance = 21 WHERE id = 1"),
                (2, "SELECT 1"),
                (2, "ROLLBACK"),
                (1, "COMMIT"),
                (1, "SELECT * FROM acct ORDER BY id"),
            ],
        },
        BOTH,
    ),
    (
        Scenario {
            name: "deadlock: the first waiter checks first",
            setup: SETUP,
            steps: &[
                (1, "begin"),
                (2, "begin"),
                (1, "SET deadlock_timeout = '2s'"),
                (2, "SET deadlock_timeout = '2s'"),
                (1, "UPDATE acct SET balance = 11 WHERE id = 1"),
                (2, "UPDATE acct SET balance = 22 WHERE id = 2"),
                (1, "UPDATE acct SET balance = 12 WHERE id = 2"),
                (2, "UPDATE acct SET balance = 21 WHERE id = 1"),
            ],
        },
        RC,
    ),
    (
        Scenario {
            name: "deadlock of three: one victim, the other two proceed",
            setup: SETUP,
            steps: &[
                (1, "begin"),
                (2, "begin"),
                (3, "begin"),
                (1, "SET deadlock_timeout = '2s'"),
                (2, "SET deadlock_timeout = '2s'"),
                (3, "SET deadlock_timeout = '100ms'"),
                (1, "UPDATE acct SET balance = 11 WHERE id = 1"),
                (2, "UPDATE acct SET balance = 22 WHERE id = 2"),
                (3, "UPDATE acct SET balance = 33 WHERE id = 3"),
                (1, "UPDATE acct SET balance = 12 WHERE id = 2"),
                (2, "UPDATE acct SET balance = 23 WHERE id = 3"),
                (3, "SELECT * FROM acct WHERE id = 1 FOR SHARE"),
                (3, "ROLLBACK"),
                (2, "COMMIT"),
                (1, "COMMIT"),
                (1, "SELECT * FROM acct ORDER BY id"),
            ],
        },
        BOTH,
    ),
    (
        Scenario {
            name: "read-only transactions and late SET TRANSACTION",
            setup: SETUP,
            steps: &[
                (1, "BEGIN READ ONLY"),
                (1, "UPDATE acct SET balance = 0"),
                (1, "ROLLBACK"),
                (1, "START TRANSACTION READ ONLY"),
                (1, "SELECT * FROM acct WHERE id = 1 FOR KEY SHARE"),
                (1, "ROLLBACK"),
                (1, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"),
                (1, "INSERT INTO acct VALUES (4, 'd', 0)"),
                (1, "SHOW default_transaction_read_only"),
                (1, "SET default_transaction_read_only = off"),
                (1, "INSERT INTO acct VALUES (4, 'd', 0)"),
                (1, "begin"),
                (1, "SELECT count(*) FROM acct"),
                (1, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"),
                (1, "ROLLBACK"),
                (1, "BEGIN READ ONLY"),
                (1, "SELECT 1"),
                (1, "SET TRANSACTION READ WRITE"),
                (1, "ROLLBACK"),
                (1, "BEGIN WORK"),
                (1, "SELECT 1"),
                (1, "SET TRANSACTION READ ONLY"),
                (1, "DELETE FROM acct"),
                (1, "ROLLBACK"),
                (1, "SET default_transaction_isolation = 'serializable'"),
                (1, "BEGIN WORK"),
                (1, "SHOW transaction_isolation"),
                (1, "COMMIT"),
                (
                    1,
                    "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                ),
                (1, "SHOW default_transaction_isolation"),
            ],
        },
        RC,
    ),
    (
        Scenario {
            name: "session defaults and SET TRANSACTION change what a transaction does",
            setup: SETUP,
            steps: &[
                (1, "SET default_transaction_isolation = 'repeatable read'"),
                (1, "START TRANSACTION"),
                (1, "SELECT balance FROM acct WHERE id = 1"),
                (2, "UPDATE acct SET balance = 1 WHERE id = 1"),
                (1, "SELECT balance FROM acct WHERE id = 1"),
                (1, "UPDATE acct SET balance = 2 WHERE id = 1"),
                (1, "ROLLBACK"),
                (1, "RESET default_transaction_isolation"),
                (1, "START TRANSACTION"),
                (1, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"),
                (1, "SHOW transaction_isolation"),
                (1, "SELECT balance FROM acct WHERE id = 2"),
                (2, "UPDATE acct SET balance = 3 WHERE id = 2"),
                (1, "SELECT balance FROM acct WHERE id = 2"),
                (1, "COMMIT"),
                (1, "SET TRANSACTION READ ONLY"),
                (1, "BEGIN ISOLATION LEVEL SERIALIZABLE, READ ONLY"),
                (1, "SHOW transaction_read_only"),
                (1, "CREATE TABLE other (a int)"),
                (1, "ROLLBACK"),
                (1, "BEGIN READ ONLY"),
                (1, "CREATE ROLE reader"),
                (1, "ROLLBACK"),
                (
                    1,
                    "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE READ ONLY",
                ),
                (1, "SHOW default_transaction_isolation"),
                (1, "SHOW default_transaction_read_only"),
                (1, "UPDATE acct SET balance = 0"),
                (1, "SELECT * FROM acct WHERE id = 3 FOR UPDATE"),
                (1, "BEGIN READ WRITE"),
                (1, "SHOW transaction_isolation"),
                (1, "UPDATE acct SET balance = 5 WHERE id = 3"),
                (1, "COMMIT"),
                (1, "SELECT * FROM acct ORDER BY id"),
            ],
        },
        RC,
    ),
    (
        Scenario {
            name: "SERIALIZABLE READ ONLY DEFERRABLE waits for a safe snapshot",
            setup: SETUP,
            steps: &[
                (1, "BEGIN ISOLATION LEVEL SERIALIZABLE"),
                (1, "UPDATE acct SET balance = balance - 50 WHERE id = 1"),
                (2, "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE"),
                (2, "SELECT sum(balance) FROM acct"),
                (1, "UPDATE acct SET balance = balance + 50 WHERE id = 2"),
                (1, "COMMIT"),
                (2, "SELECT sum(balance) FROM acct"),
                (2, "COMMIT"),
            ],
        },
        RC,
    ),
    (
        Scenario {
            name: "a prepared transaction keeps its locks",
            setup: SETUP,
            steps: &[
                (1, "PREPARE TRANSACTION 'nothing'"),
                (1, "begin"),
                (1, "UPDATE acct SET balance = 0 WHERE id = 1"),
                (1, "SELECT * FROM acct WHERE id = 2 FOR UPDATE"),
                (1, "PREPARE TRANSACTION 'p1'"),
                (1, "SELECT gid, owner, database FROM pg_prepared_xacts"),
                (2, "UPDATE acct SET balance = balance + 1 WHERE id = 1"),
                (3, "SELECT * FROM acct WHERE id = 2 FOR UPDATE NOWAIT"),
                (3, "begin"),
                (3, "UPDATE acct SET balance = 5 WHERE id = 3"),
                (3, "PREPARE TRANSACTION 'p1'"),
                (3, "begin"),
                (3, "COMMIT PREPARED 'p1'"),
                (3, "ROLLBACK"),
                (3, "ROLLBACK PREPARED 'nope'"),
                (3, "COMMIT PREPARED 'p1'"),
                (3, "SELECT count(*) FROM pg_prepared_xacts"),
                (3, "SELECT * FROM acct ORDER BY id"),
            ],
        },
        RC,
    ),
    (
        Scenario {
            name: "foreign-key checks take KEY SHARE locks on the referenced row",
            setup: "DROP TABLE IF EXISTS child; DROP TABLE IF EXISTS parent; \
                 CREATE TABLE parent (id int PRIMARY KEY, note text); \
                 CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id)); \
                 INSERT INTO parent VALUES (1, 'a'), (2, 'b')",
            steps: &[
                (1, "begin"),
                (1, "INSERT INTO child VALUES (1, 1)"),
                (2, "UPDATE parent SET note = 'x' WHERE id = 1"),
                (
                    2,
                    "SELECT id FROM parent WHERE id = 1 FOR NO KEY UPDATE NOWAIT",
                ),
                (2, "SELECT id FROM parent WHERE id = 1 FOR UPDATE NOWAIT"),
                (3, "DELETE FROM parent WHERE id = 1"),
                (1, "COMMIT"),
                (2, "UPDATE parent SET id = 20 WHERE id = 2"),
                (2, "SELECT * FROM parent ORDER BY id"),
                (2, "SELECT * FROM child ORDER BY id"),
            ],
        },
        RC,
    ),
];

fn golden_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("isolation/locking.out")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn locking_matches_postgresql() {
    let postgres = Postgres::start();
    let server = TestServer::start_with_args(&["--max-prepared-transactions", "10"]);
    let connect_postgres = async || postgres.client("postgres").await;
    let connect_db001 = async || server.client().await;
    let mut from_postgres = String::new();
    let mut pairs = Vec::new();
    for (scenario, levels) in SCENARIOS {
        for level in levels.iter() {
            let (theirs, ours) = tokio::join!(
                run(scenario, level, &connect_postgres),
                run(scenario, level, &connect_db001),
            );
            let theirs = format(scenario.name, level, &theirs);
            from_postgres.push_str(&theirs);
            pairs.push((theirs, format(scenario.name, level, &ours)));
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
    let mismatches: Vec<String> = pairs
        .iter()
        .filter(|(theirs, ours)| theirs != ours)
        .map(|(theirs, ours)| format!("PostgreSQL:\n{theirs}db001:\n{ours}"))
        .collect();
    assert!(
        mismatches.is_empty(),
        "{} of {} scenario runs differ from PostgreSQL:\n\n{}",
        mismatches.len(),
        pairs.len(),
        mismatches.join("\n")
    );
}
