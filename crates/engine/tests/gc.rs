//! Garbage collection through the embedded API: VACUUM and the background collector reclaim
//! versions nobody can see, deleted rows, stale index entries and row ids, while a long-running
//! snapshot keeps exactly what it reads.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{fail, open, rows, run, scalar};
use db001_common::SqlState;
use db001_engine::{Config, Database};
use db001_storage::Table;

fn table(db: &Database, name: &str) -> Arc<Table> {
    Arc::clone(&db.catalog().table("public", name).expect("table").storage)
}

fn index_entries(table: &Table) -> usize {
    table.indexes().iter().map(|i| i.len()).sum()
}

#[tokio::test]
async fn vacuum_removes_deleted_rows_and_their_index_entries_and_recycles_row_ids() {
    let (db, _dir) = open();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY, v text)").await;
    let values: Vec<String> = (1..=100).map(|i| format!("({i}, 'v{i}')")).collect();
    run(
        &mut s,
        &format!("INSERT INTO t VALUES {}", values.join(", ")),
    )
    .await;
    run(&mut s, "DELETE FROM t WHERE id > 10").await;
    let t = table(&db, "t");
    assert_eq!(index_entries(&t), 100, "deleted rows keep their entries");
    run(&mut s, "VACUUM t").await;
    assert_eq!(index_entries(&t), 10);
    assert_eq!(t.free_row_ids(), 90);
    // New rows take the freed ids; reads and index lookups stay right.
    let values: Vec<String> = (101..=190).map(|i| format!("({i}, 'w{i}')")).collect();
    run(
        &mut s,
        &format!("INSERT INTO t VALUES {}", values.join(", ")),
    )
    .await;
    assert_eq!(t.free_row_ids(), 0);
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM t").await, "100");
    assert_eq!(
        scalar(&mut s, "SELECT v FROM t WHERE id = 150").await,
        "w150"
    );
    assert!(
        rows(&mut s, "SELECT v FROM t WHERE id = 50")
            .await
            .is_empty()
    );
    assert_eq!(index_entries(&t), 100);
    // A rolled-back insert gives its row id back at once.
    run(&mut s, "BEGIN").await;
    run(&mut s, "INSERT INTO t VALUES (500, 'gone')").await;
    run(&mut s, "ROLLBACK").await;
    assert_eq!(t.free_row_ids(), 1);
}

#[tokio::test]
async fn a_long_snapshot_holds_back_only_the_version_it_reads() {
    // Without the background collector, which could otherwise visit the table in the middle
    // of the updates and make the first count depend on timing.
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = Config::new(dir.path());
    config.autovacuum = false;
    let db = Database::open(config).expect("open database");
    let mut setup = db.session();
    run(&mut setup, "CREATE TABLE hot (id int PRIMARY KEY, n int)").await;
    run(&mut setup, "INSERT INTO hot VALUES (1, 0), (2, 0)").await;
    let mut old = db.session();
    run(&mut old, "BEGIN ISOLATION LEVEL REPEATABLE READ").await;
    assert_eq!(
        scalar(&mut old, "SELECT n FROM hot WHERE id = 1").await,
        "0"
    );
    let mut writer = db.session();
    for _ in 0..200 {
        run(&mut writer, "UPDATE hot SET n = n + 1 WHERE id = 1").await;
    }
    let t = table(&db, "hot");
    // Writers' pruning keeps everything newer than the oldest snapshot; only the background
    // collector (which sees the snapshots precisely) may have reclaimed versions meanwhile, if
    // its timer fired during the loop.
    let collected = db
        .stats()
        .versions_collected
        .load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        t.version_count(0) as u64 + collected > 150,
        "writers alone keep everything newer than the oldest snapshot: {} kept, {collected} collected",
        t.version_count(0)
    );
    run(&mut writer, "VACUUM hot").await;
    assert!(
        t.version_count(0) <= 3,
        "the old snapshot's version and the current one remain: {}",
        t.version_count(0)
    );
    assert_eq!(
        scalar(&mut old, "SELECT n FROM hot WHERE id = 1").await,
        "0"
    );
    assert_eq!(
        scalar(&mut writer, "SELECT n FROM hot WHERE id = 1").await,
        "200"
    );
    run(&mut old, "COMMIT").await;
    run(&mut writer, "VACUUM").await;
    assert_eq!(t.version_count(0), 1);
}

#[tokio::test]
async fn key_updates_leave_no_stale_index_entries_after_vacuum() {
    let (db, _dir) = open();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE k (id int PRIMARY KEY, v int)").await;
    run(&mut s, "CREATE INDEX k_v ON k (v)").await;
    run(&mut s, "INSERT INTO k VALUES (1, 100)").await;
    for i in 2..=50 {
        run(
            &mut s,
            &format!("UPDATE k SET id = {i}, v = v + 1 WHERE id = {}", i - 1),
        )
        .await;
    }
    let t = table(&db, "k");
    assert_eq!(index_entries(&t), 100, "every key the row ever had");
    run(&mut s, "VACUUM k").await;
    assert_eq!(index_entries(&t), 2, "one entry per index");
    assert_eq!(t.version_count(0), 1);
    assert_eq!(
        rows(&mut s, "SELECT id, v FROM k WHERE id = 50").await,
        vec![vec!["50", "149"]]
    );
    assert!(
        rows(&mut s, "SELECT id FROM k WHERE id = 1")
            .await
            .is_empty()
    );
    assert_eq!(
        rows(&mut s, "SELECT id FROM k WHERE v = 149").await,
        vec![vec!["50"]]
    );
    assert!(
        rows(&mut s, "SELECT id FROM k WHERE v = 100")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_background_collector_reclaims_without_vacuum() {
    let (db, _dir) = open();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE q (id int PRIMARY KEY, payload text)").await;
    let values: Vec<String> = (1..=200).map(|i| format!("({i}, 'job {i}')")).collect();
    run(
        &mut s,
        &format!("INSERT INTO q VALUES {}", values.join(", ")),
    )
    .await;
    run(&mut s, "DELETE FROM q").await;
    let t = table(&db, "q");
    let mut waited = Duration::ZERO;
    while t.free_row_ids() < 200 {
        assert!(
            waited < Duration::from_secs(20),
            "the collector did not run: {} row ids free",
            t.free_row_ids()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += Duration::from_millis(50);
    }
    assert_eq!(index_entries(&t), 0);
    assert!(
        db.stats()
            .rows_collected
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 200
    );
}

#[tokio::test]
async fn vacuum_follows_postgresql_s_rules() {
    let (db, _dir) = open();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (id int)").await;
    run(&mut s, "BEGIN").await;
    let error = fail(&mut s, "VACUUM t").await;
    assert_eq!(error.code(), SqlState::ACTIVE_SQL_TRANSACTION);
    assert_eq!(
        error.message(),
        "VACUUM cannot run inside a transaction block"
    );
    run(&mut s, "ROLLBACK").await;
    let error = fail(&mut s, "VACUUM nosuch").await;
    assert_eq!(error.code(), SqlState::UNDEFINED_TABLE);
    let result = run(&mut s, "VACUUM (VERBOSE, ANALYZE) t").await;
    assert_eq!(result.tag.to_string(), "VACUUM");
}
