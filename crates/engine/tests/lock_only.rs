//! A transaction that only locked rows (`SELECT ... FOR UPDATE` / `FOR SHARE` / ..., and
//! nothing else) commits without a WAL record. It once left its lock behind as a version or
//! marker without a commit timestamp, so the next UPDATE of the row failed with 40001 "too many
//! conflicting concurrent updates". These tests pin that a finished lock-only transaction leaves
//! nothing a later writer can trip on: in autocommit and in a block, from the same session and
//! from another, for every lock strength, at READ COMMITTED and REPEATABLE READ, and after
//! VACUUM.

mod common;

use common::{open, rows, run, scalar};
use db001_engine::{CommandTag, Database};

const STRENGTHS: &[&str] = &["UPDATE", "NO KEY UPDATE", "SHARE", "KEY SHARE"];

async fn setup(db: &Database) {
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY, n int)").await;
    run(&mut s, "INSERT INTO t VALUES (1, 0), (2, 0)").await;
}

/// The row count of an UPDATE or DELETE.
async fn updated(session: &mut db001_engine::Session, sql: &str) -> u64 {
    match run(session, sql).await.tag {
        CommandTag::Update(n) | CommandTag::Delete(n) => n,
        other => panic!("{sql}: unexpected tag {other}"),
    }
}

#[tokio::test]
async fn autocommit_lock_then_update_from_the_same_and_another_session() {
    let (db, _dir) = open();
    setup(&db).await;
    let mut locker = db.session();
    let mut other = db.session();
    let mut expected = 0;
    for strength in STRENGTHS {
        for _ in 0..3 {
            let locked = rows(
                &mut locker,
                &format!("SELECT id, n FROM t WHERE id = 1 FOR {strength}"),
            )
            .await;
            assert_eq!(locked, vec![vec!["1".to_string(), expected.to_string()]]);
            assert_eq!(
                updated(&mut locker, "UPDATE t SET n = n + 1 WHERE id = 1").await,
                1,
                "same session after FOR {strength}"
            );
            run(
                &mut locker,
                &format!("SELECT id FROM t WHERE id = 1 FOR {strength}"),
            )
            .await;
            assert_eq!(
                updated(&mut other, "UPDATE t SET n = n + 1 WHERE id = 1").await,
                1,
                "other session after FOR {strength}"
            );
            expected += 2;
        }
    }
    assert_eq!(
        scalar(&mut other, "SELECT n FROM t WHERE id = 1").await,
        expected.to_string()
    );
}

#[tokio::test]
async fn lock_only_blocks_commit_and_leave_the_row_writable() {
    let (db, _dir) = open();
    setup(&db).await;
    let mut locker = db.session();
    let mut writer = db.session();
    for level in ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"] {
        for strength in STRENGTHS {
            run(&mut locker, &format!("BEGIN ISOLATION LEVEL {level}")).await;
            run(
                &mut locker,
                &format!("SELECT * FROM t WHERE id = 1 FOR {strength}"),
            )
            .await;
            run(&mut locker, "COMMIT").await;
            // Another session, in autocommit and in a block of the same level.
            assert_eq!(
                updated(&mut writer, "UPDATE t SET n = n + 1 WHERE id = 1").await,
                1
            );
            run(&mut writer, &format!("BEGIN ISOLATION LEVEL {level}")).await;
            assert_eq!(
                updated(&mut writer, "UPDATE t SET n = n + 1 WHERE id = 1").await,
                1,
                "{level}, after a committed FOR {strength} block"
            );
            run(&mut writer, "COMMIT").await;
            // The locker itself, in a new block.
            run(&mut locker, &format!("BEGIN ISOLATION LEVEL {level}")).await;
            assert_eq!(updated(&mut locker, "DELETE FROM t WHERE id = 2").await, 1);
            run(&mut locker, "INSERT INTO t VALUES (2, 0)").await;
            run(&mut locker, "COMMIT").await;
        }
    }
    assert_eq!(
        scalar(&mut writer, "SELECT n FROM t WHERE id = 1").await,
        "24"
    );
}

/// PostgreSQL: a row whose only change after a REPEATABLE READ snapshot is a finished lock
/// (no new version) can still be updated by that snapshot's transaction.
#[tokio::test]
async fn repeatable_read_writer_is_not_failed_by_a_lock_taken_after_its_snapshot() {
    let (db, _dir) = open();
    setup(&db).await;
    let mut reader = db.session();
    let mut locker = db.session();
    for strength in STRENGTHS {
        run(&mut reader, "BEGIN ISOLATION LEVEL REPEATABLE READ").await;
        run(&mut reader, "SELECT count(*) FROM t").await;
        run(
            &mut locker,
            &format!("SELECT * FROM t WHERE id = 1 FOR {strength}"),
        )
        .await;
        run(&mut locker, "BEGIN").await;
        run(
            &mut locker,
            &format!("SELECT * FROM t WHERE id = 2 FOR {strength}"),
        )
        .await;
        run(&mut locker, "COMMIT").await;
        assert_eq!(
            updated(&mut reader, "UPDATE t SET n = n + 1 WHERE id <= 2").await,
            2,
            "after FOR {strength}"
        );
        run(&mut reader, "COMMIT").await;
    }
}

#[tokio::test]
async fn many_lock_only_transactions_then_vacuum_then_update() {
    let (db, _dir) = open();
    setup(&db).await;
    let mut s = db.session();
    for i in 0..200 {
        let strength = STRENGTHS[i % STRENGTHS.len()];
        run(&mut s, &format!("SELECT * FROM t FOR {strength}")).await;
    }
    run(&mut s, "VACUUM t").await;
    assert_eq!(updated(&mut s, "UPDATE t SET n = 7").await, 2);
    assert_eq!(
        rows(&mut s, "SELECT n FROM t ORDER BY id").await,
        vec![vec!["7".to_string()], vec!["7".to_string()]]
    );
}
