//! MVCC through the embedded API: snapshots, write conflicts, waiting, deadlocks.

mod common;

use std::time::Duration;

use common::{fail, open, rows, run, scalar};
use db001_common::SqlState;

#[tokio::test]
async fn readers_see_a_consistent_snapshot_and_never_block() {
    let (db, _dir) = open();
    let mut setup = db.session();
    run(&mut setup, "CREATE TABLE t (id int PRIMARY KEY, v int)").await;
    run(&mut setup, "INSERT INTO t VALUES (1, 100)").await;

    let mut reader = db.session();
    let mut writer = db.session();
    run(&mut reader, "BEGIN ISOLATION LEVEL REPEATABLE READ").await;
    assert_eq!(scalar(&mut reader, "SELECT v FROM t").await, "100");
    run(&mut writer, "BEGIN").await;
    run(&mut writer, "UPDATE t SET v = 200").await;
    // Uncommitted: invisible to others, visible to itself.
    assert_eq!(scalar(&mut reader, "SELECT v FROM t").await, "100");
    assert_eq!(scalar(&mut writer, "SELECT v FROM t").await, "200");
    run(&mut writer, "COMMIT").await;
    // Repeatable read keeps its snapshot; a new statement in autocommit sees the commit.
    assert_eq!(scalar(&mut reader, "SELECT v FROM t").await, "100");
    run(&mut reader, "COMMIT").await;
    assert_eq!(scalar(&mut reader, "SELECT v FROM t").await, "200");
}

#[tokio::test]
async fn read_committed_sees_each_statements_latest_commits() {
    let (db, _dir) = open();
    let mut a = db.session();
    let mut b = db.session();
    run(&mut a, "CREATE TABLE t (id int PRIMARY KEY, v int)").await;
    run(&mut a, "INSERT INTO t VALUES (1, 1)").await;
    run(&mut a, "BEGIN").await;
    assert_eq!(scalar(&mut a, "SELECT v FROM t").await, "1");
    run(&mut b, "UPDATE t SET v = 2").await;
    assert_eq!(scalar(&mut a, "SELECT v FROM t").await, "2");
    run(&mut a, "COMMIT").await;
}

#[tokio::test]
async fn repeatable_read_second_writer_waits_then_fails_with_40001() {
    let (db, _dir) = open();
    let mut setup = db.session();
    run(&mut setup, "CREATE TABLE t (id int PRIMARY KEY, v int)").await;
    run(&mut setup, "INSERT INTO t VALUES (1, 0)").await;

    let mut first = db.session();
    let mut second = db.session();
    run(&mut first, "BEGIN ISOLATION LEVEL REPEATABLE READ").await;
    run(&mut second, "BEGIN ISOLATION LEVEL REPEATABLE READ").await;
    assert_eq!(scalar(&mut second, "SELECT v FROM t").await, "0");
    run(&mut first, "UPDATE t SET v = v + 1").await;
    let waiter = tokio::spawn(async move {
        let result = second.execute_sql("UPDATE t SET v = v + 1", &[]).await;
        (second, result)
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !waiter.is_finished(),
        "the second writer waits for the first"
    );
    run(&mut first, "COMMIT").await;
    let (mut second, result) = waiter.await.expect("task");
    assert_eq!(
        result.expect_err("conflict").code(),
        SqlState::SERIALIZATION_FAILURE
    );
    run(&mut second, "ROLLBACK").await;
    assert_eq!(scalar(&mut second, "SELECT v FROM t").await, "1");
}

#[tokio::test]
async fn waiter_proceeds_when_the_first_writer_rolls_back() {
    let (db, _dir) = open();
    let mut setup = db.session();
    run(&mut setup, "CREATE TABLE t (id int PRIMARY KEY, v int)").await;
    run(&mut setup, "INSERT INTO t VALUES (1, 0)").await;
    let mut first = db.session();
    let mut second = db.session();
    run(&mut first, "BEGIN ISOLATION LEVEL REPEATABLE READ").await;
    run(&mut second, "BEGIN ISOLATION LEVEL REPEATABLE READ").await;
    run(&mut first, "UPDATE t SET v = 10").await;
    let waiter = tokio::spawn(async move {
        let result = second.execute_sql("UPDATE t SET v = v + 1", &[]).await;
        (second, result)
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    run(&mut first, "ROLLBACK").await;
    let (mut second, result) = waiter.await.expect("task");
    result.expect("no conflict after rollback");
    run(&mut second, "COMMIT").await;
    assert_eq!(scalar(&mut second, "SELECT v FROM t").await, "1");
}

#[tokio::test]
async fn concurrent_increments_lose_nothing_under_read_committed() {
    let (db, _dir) = open();
    let mut setup = db.session();
    run(
        &mut setup,
        "CREATE TABLE counter (id int PRIMARY KEY, n bigint)",
    )
    .await;
    run(&mut setup, "INSERT INTO counter VALUES (1, 0)").await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut s = db.session();
            for _ in 0..50 {
                s.execute_sql("UPDATE counter SET n = n + 1 WHERE id = 1", &[])
                    .await
                    .expect("read committed never fails an increment");
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    assert_eq!(scalar(&mut setup, "SELECT n FROM counter").await, "400");
}

#[tokio::test]
async fn concurrent_inserts_of_one_key_admit_exactly_one() {
    let (db, _dir) = open();
    let mut setup = db.session();
    run(&mut setup, "CREATE TABLE t (id int PRIMARY KEY)").await;
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut s = db.session();
            s.execute_sql("INSERT INTO t VALUES (7)", &[]).await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.expect("task") {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(e.code(), SqlState::UNIQUE_VIOLATION),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(scalar(&mut setup, "SELECT count(*) FROM t").await, "1");
}

#[tokio::test]
async fn deadlock_aborts_the_first_waiter_with_40p01_after_deadlock_timeout() {
    let (db, _dir) = open();
    let mut setup = db.session();
    run(&mut setup, "CREATE TABLE t (id int PRIMARY KEY, v int)").await;
    run(&mut setup, "INSERT INTO t VALUES (1, 0), (2, 0)").await;
    let mut a = db.session();
    let mut b = db.session();
    run(&mut a, "BEGIN").await;
    run(&mut b, "BEGIN").await;
    run(&mut a, "SET deadlock_timeout = '200ms'").await;
    run(&mut b, "SET deadlock_timeout = '200ms'").await;
    run(&mut a, "UPDATE t SET v = 1 WHERE id = 1").await;
    run(&mut b, "UPDATE t SET v = 2 WHERE id = 2").await;
    let a_task = tokio::spawn(async move {
        let result = a.execute_sql("UPDATE t SET v = 1 WHERE id = 2", &[]).await;
        (a, result)
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    // b closes the cycle; a, which waited first, runs the deadlock check first and is the
    // victim (as in PostgreSQL); its transaction is aborted at once, so b proceeds.
    run(&mut b, "UPDATE t SET v = 2 WHERE id = 1").await;
    let (mut a, result) = a_task.await.expect("task");
    let error = result.expect_err("a is the victim");
    assert_eq!(error.code(), SqlState::DEADLOCK_DETECTED);
    assert_eq!(
        fail(&mut a, "SELECT 1").await.code(),
        SqlState::IN_FAILED_SQL_TRANSACTION
    );
    run(&mut a, "ROLLBACK").await;
    run(&mut b, "COMMIT").await;
    assert_eq!(
        rows(&mut a, "SELECT v FROM t ORDER BY id").await,
        vec![vec!["2"], vec!["2"]]
    );
}

#[tokio::test]
async fn select_for_update_makes_other_writers_wait() {
    let (db, _dir) = open();
    let mut setup = db.session();
    run(&mut setup, "CREATE TABLE t (id int PRIMARY KEY, v int)").await;
    run(&mut setup, "INSERT INTO t VALUES (1, 0), (2, 0)").await;
    let mut locker = db.session();
    run(&mut locker, "BEGIN").await;
    assert_eq!(
        rows(&mut locker, "SELECT v FROM t WHERE id = 1 FOR UPDATE").await,
        vec![vec!["0"]]
    );
    let mut other = db.session();
    // An unlocked row is free.
    run(&mut other, "UPDATE t SET v = 5 WHERE id = 2").await;
    let waiter = tokio::spawn(async move {
        let result = other
            .execute_sql("UPDATE t SET v = v + 1 WHERE id = 1", &[])
            .await;
        (other, result)
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!waiter.is_finished(), "the writer waits for the row lock");
    run(&mut locker, "UPDATE t SET v = 10 WHERE id = 1").await;
    run(&mut locker, "COMMIT").await;
    let (mut other, result) = waiter.await.expect("task");
    result.expect("read committed proceeds on the new version");
    assert_eq!(
        scalar(&mut other, "SELECT v FROM t WHERE id = 1").await,
        "11"
    );
    let error = fail(&mut other, "SELECT count(*) FROM t FOR UPDATE").await;
    assert_eq!(error.code(), SqlState::FEATURE_NOT_SUPPORTED);
}

#[tokio::test]
async fn an_old_snapshot_keeps_its_versions_while_a_hot_row_is_updated() {
    let (db, _dir) = open();
    let mut setup = db.session();
    run(&mut setup, "CREATE TABLE hot (id int PRIMARY KEY, n int)").await;
    run(&mut setup, "INSERT INTO hot VALUES (1, 0)").await;
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
    // The old snapshot holds the horizon back, so its version is still there.
    assert_eq!(
        scalar(&mut old, "SELECT n FROM hot WHERE id = 1").await,
        "0"
    );
    let catalog = db.catalog();
    let table = &catalog.table("public", "hot").expect("table").storage;
    assert_eq!(scalar(&mut old, "SELECT count(*) FROM hot").await, "1");
    run(&mut old, "COMMIT").await;
    for _ in 0..10 {
        run(&mut writer, "UPDATE hot SET n = n + 1 WHERE id = 1").await;
    }
    // Once it is gone, writing the row prunes what nobody can see.
    assert!(
        table.version_count(0) <= 2,
        "{} versions",
        table.version_count(0)
    );
    assert_eq!(
        scalar(&mut old, "SELECT n FROM hot WHERE id = 1").await,
        "210"
    );
    // A primary-key change keeps the old key's entry consistent.
    run(&mut writer, "UPDATE hot SET id = 2 WHERE id = 1").await;
    for _ in 0..10 {
        run(&mut writer, "UPDATE hot SET n = n + 1 WHERE id = 2").await;
    }
    assert_eq!(
        rows(&mut old, "SELECT n FROM hot WHERE id = 1").await.len(),
        0
    );
    assert_eq!(
        scalar(&mut old, "SELECT n FROM hot WHERE id = 2").await,
        "220"
    );
}
