//! Durability through the embedded API: what is committed comes back after reopening.

mod common;

use common::{fail, rows, run, scalar};
use db001_common::SqlState;
use db001_engine::{Config, Database};

#[tokio::test]
async fn committed_data_and_ddl_survive_reopen() {
    let dir = tempfile::tempdir().expect("temporary directory");
    {
        let db = Database::open(Config::new(dir.path())).expect("open");
        let mut s = db.session();
        run(
            &mut s,
            "CREATE TABLE t (id int PRIMARY KEY, name text, amount numeric(10,2))",
        )
        .await;
        run(
            &mut s,
            "INSERT INTO t VALUES (1, 'one', 1.5), (2, 'two', 2.25), (3, 'three', NULL)",
        )
        .await;
        run(&mut s, "UPDATE t SET name = 'TWO' WHERE id = 2").await;
        run(&mut s, "DELETE FROM t WHERE id = 3").await;
        run(&mut s, "CREATE INDEX t_name ON t (name)").await;
        run(&mut s, "CREATE TABLE dropped (a int)").await;
        run(&mut s, "DROP TABLE dropped").await;
        run(&mut s, "BEGIN").await;
        run(&mut s, "INSERT INTO t VALUES (4, 'uncommitted', 0)").await;
        // The session is dropped without COMMIT: rolled back, never logged.
        drop(s);
        db.shutdown().expect("clean shutdown");
    }
    let db = Database::open(Config::new(dir.path())).expect("reopen");
    let mut s = db.session();
    assert_eq!(
        rows(&mut s, "SELECT id, name, amount FROM t ORDER BY id").await,
        vec![vec!["1", "one", "1.50"], vec!["2", "TWO", "2.25"]]
    );
    assert_eq!(
        scalar(&mut s, "SELECT id FROM t WHERE name = 'TWO'").await,
        "2"
    );
    assert_eq!(
        fail(&mut s, "SELECT * FROM dropped").await.code(),
        SqlState::UNDEFINED_TABLE
    );
    // New writes continue after the recovered ones (row ids and object ids do not collide).
    run(&mut s, "INSERT INTO t VALUES (5, 'five', 5)").await;
    run(&mut s, "CREATE TABLE another (a int PRIMARY KEY)").await;
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM t").await, "3");
    assert_eq!(
        fail(&mut s, "INSERT INTO t VALUES (1, 'dup', 0)")
            .await
            .code(),
        SqlState::UNIQUE_VIOLATION
    );
}

#[tokio::test]
async fn a_large_transaction_spans_several_records() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = Config::new(dir.path());
    config.wal_segment_bytes = 1 << 20;
    {
        let db = Database::open(config.clone()).expect("open");
        let mut s = db.session();
        run(&mut s, "CREATE TABLE big (id int PRIMARY KEY, pad text)").await;
        run(&mut s, "BEGIN").await;
        let pad = "x".repeat(500);
        for chunk in 0..10 {
            let values: Vec<String> = (0..500)
                .map(|i| format!("({}, '{pad}')", chunk * 500 + i))
                .collect();
            run(
                &mut s,
                &format!("INSERT INTO big VALUES {}", values.join(", ")),
            )
            .await;
        }
        run(&mut s, "COMMIT").await;
        db.shutdown().expect("clean shutdown");
    }
    let db = Database::open(config).expect("reopen");
    let mut s = db.session();
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM big").await, "5000");
    assert_eq!(
        scalar(&mut s, "SELECT length(pad) FROM big WHERE id = 4999").await,
        "500"
    );
}

#[tokio::test]
async fn replayed_updates_move_index_entries_only_when_keys_change() {
    let dir = tempfile::tempdir().expect("temporary directory");
    {
        let db = Database::open(Config::new(dir.path())).expect("open");
        let mut s = db.session();
        run(
            &mut s,
            "CREATE TABLE k (id int PRIMARY KEY, tag text, n int)",
        )
        .await;
        run(&mut s, "CREATE INDEX k_tag ON k (tag)").await;
        run(
            &mut s,
            "INSERT INTO k VALUES (1, 'a', 0), (2, 'b', 0), (3, 'c', 0)",
        )
        .await;
        run(&mut s, "UPDATE k SET n = n + 1").await;
        run(&mut s, "UPDATE k SET id = 10, tag = 'z' WHERE id = 1").await;
        run(&mut s, "UPDATE k SET tag = 'y' WHERE id = 2").await;
        run(&mut s, "DELETE FROM k WHERE id = 3").await;
        // A crash: no shutdown checkpoint, so all of it is replayed from the WAL.
        drop(s);
        drop(db);
    }
    let report =
        db001_engine::verify(std::sync::Arc::new(db001_wal::StdIo), dir.path()).expect("verify");
    assert!(report.is_ok(), "{report}");
    let db = Database::open(Config::new(dir.path())).expect("reopen");
    let mut s = db.session();
    assert_eq!(
        rows(&mut s, "SELECT id, tag, n FROM k ORDER BY id").await,
        vec![vec!["2", "y", "1"], vec!["10", "z", "1"]]
    );
    for (sql, expected) in [
        ("SELECT count(*) FROM k WHERE id = 1", "0"),
        ("SELECT count(*) FROM k WHERE id = 10", "1"),
        ("SELECT count(*) FROM k WHERE tag = 'a'", "0"),
        ("SELECT count(*) FROM k WHERE tag = 'b'", "0"),
        ("SELECT count(*) FROM k WHERE tag = 'y'", "1"),
        ("SELECT count(*) FROM k WHERE id = 3", "0"),
    ] {
        assert_eq!(scalar(&mut s, sql).await, expected, "{sql}");
    }
}
