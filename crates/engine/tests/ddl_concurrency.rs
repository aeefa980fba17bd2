//! Constraints, upserts and DDL with two sessions at once: who waits for whom, and what the
//! waiter sees once the other commits (READ COMMITTED, as PostgreSQL).

mod common;

use std::time::Duration;

use common::{open, rows, run, scalar};
use db001_engine::Session;

/// Long enough that a statement which is not blocked has finished.
const SETTLE: Duration = Duration::from_millis(300);
/// Bound on waiting for a blocked statement once it is released.
const RELEASE_LIMIT: Duration = Duration::from_secs(10);

/// Starts `sql` on `session` in a task and checks it is still waiting after a while; returns
/// the task (which hands the session back with the statement's outcome).
async fn start_blocked(
    mut session: Session,
    sql: &'static str,
) -> tokio::task::JoinHandle<(Session, Result<(), String>)> {
    let task = tokio::spawn(async move {
        let result = session
            .execute_sql(sql, &[])
            .await
            .map(|_| ())
            .map_err(|error| error.code().to_string());
        (session, result)
    });
    tokio::time::sleep(SETTLE).await;
    assert!(
        !task.is_finished(),
        "{sql} should wait for the other session"
    );
    task
}

async fn finish(
    task: tokio::task::JoinHandle<(Session, Result<(), String>)>,
) -> (Session, Result<(), String>) {
    tokio::time::timeout(RELEASE_LIMIT, task)
        .await
        .expect("the waiting statement finished")
        .expect("task")
}

#[tokio::test]
async fn concurrent_upserts_of_one_key_never_both_insert() {
    let (db, _dir) = open();
    let mut first = db.session();
    run(
        &mut first,
        "CREATE TABLE hits (page text PRIMARY KEY, n int)",
    )
    .await;
    run(&mut first, "BEGIN").await;
    run(
        &mut first,
        "INSERT INTO hits VALUES ('home', 1) ON CONFLICT (page) DO UPDATE SET n = hits.n + 1",
    )
    .await;
    let second = start_blocked(
        db.session(),
        "INSERT INTO hits VALUES ('home', 1) ON CONFLICT (page) DO UPDATE SET n = hits.n + 1",
    )
    .await;
    run(&mut first, "COMMIT").await;
    let (_, result) = finish(second).await;
    assert_eq!(result, Ok(()));
    assert_eq!(
        rows(&mut first, "SELECT page, n FROM hits").await,
        [["home", "2"]]
    );
}

#[tokio::test]
async fn concurrent_do_nothing_upserts_insert_once() {
    let (db, _dir) = open();
    let mut first = db.session();
    run(
        &mut first,
        "CREATE TABLE seen (id int PRIMARY KEY, who text)",
    )
    .await;
    run(&mut first, "BEGIN").await;
    run(
        &mut first,
        "INSERT INTO seen VALUES (1, 'first') ON CONFLICT DO NOTHING",
    )
    .await;
    let second = start_blocked(
        db.session(),
        "INSERT INTO seen VALUES (1, 'second') ON CONFLICT DO NOTHING",
    )
    .await;
    run(&mut first, "COMMIT").await;
    let (_, result) = finish(second).await;
    assert_eq!(result, Ok(()));
    assert_eq!(
        rows(&mut first, "SELECT id, who FROM seen").await,
        [["1", "first"]]
    );
}

#[tokio::test]
async fn deleting_a_parent_waits_for_a_new_child_and_then_fails() {
    let (db, _dir) = open();
    let mut child_session = db.session();
    run(
        &mut child_session,
        "CREATE TABLE parent (id int PRIMARY KEY, note text)",
    )
    .await;
    run(
        &mut child_session,
        "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id))",
    )
    .await;
    run(
        &mut child_session,
        "INSERT INTO parent VALUES (1, 'a'), (2, 'b')",
    )
    .await;
    run(&mut child_session, "BEGIN").await;
    run(&mut child_session, "INSERT INTO child VALUES (10, 1)").await;
    // A non-key update of the referenced row is not blocked by the KEY SHARE lock.
    let mut other = db.session();
    run(
        &mut other,
        "UPDATE parent SET note = 'changed' WHERE id = 1",
    )
    .await;
    // Deleting it is.
    let deleter = start_blocked(db.session(), "DELETE FROM parent WHERE id = 1").await;
    run(&mut child_session, "COMMIT").await;
    let (_, result) = finish(deleter).await;
    assert_eq!(result, Err("23503".to_string()));
    assert_eq!(scalar(&mut other, "SELECT count(*) FROM parent").await, "2");
}

#[tokio::test]
async fn a_child_insert_waits_for_a_parent_delete_and_then_fails() {
    let (db, _dir) = open();
    let mut deleter = db.session();
    run(&mut deleter, "CREATE TABLE parent (id int PRIMARY KEY)").await;
    run(
        &mut deleter,
        "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id))",
    )
    .await;
    run(&mut deleter, "INSERT INTO parent VALUES (1)").await;
    run(&mut deleter, "BEGIN").await;
    run(&mut deleter, "DELETE FROM parent WHERE id = 1").await;
    let inserter = start_blocked(db.session(), "INSERT INTO child VALUES (10, 1)").await;
    run(&mut deleter, "COMMIT").await;
    let (_, result) = finish(inserter).await;
    assert_eq!(result, Err("23503".to_string()));
    assert_eq!(
        scalar(&mut deleter, "SELECT count(*) FROM child").await,
        "0"
    );
}

#[tokio::test]
async fn ddl_that_replaces_storage_waits_for_writers() {
    let (db, _dir) = open();
    let mut writer = db.session();
    run(&mut writer, "CREATE TABLE t (id int PRIMARY KEY)").await;
    run(&mut writer, "INSERT INTO t VALUES (1)").await;
    run(&mut writer, "BEGIN").await;
    run(&mut writer, "INSERT INTO t VALUES (2)").await;
    let truncate = start_blocked(db.session(), "TRUNCATE t").await;
    run(&mut writer, "COMMIT").await;
    let (mut truncater, result) = finish(truncate).await;
    assert_eq!(result, Ok(()));
    assert_eq!(scalar(&mut truncater, "SELECT count(*) FROM t").await, "0");

    // And a writer waits for uncommitted DDL on its table, then sees the new column.
    run(&mut truncater, "BEGIN").await;
    run(
        &mut truncater,
        "ALTER TABLE t ADD COLUMN extra int DEFAULT 7",
    )
    .await;
    let insert = start_blocked(db.session(), "INSERT INTO t (id) VALUES (3)").await;
    run(&mut truncater, "COMMIT").await;
    let (mut inserter, result) = finish(insert).await;
    assert_eq!(result, Ok(()));
    assert_eq!(
        rows(&mut inserter, "SELECT id, extra FROM t").await,
        [["3", "7"]]
    );
}

#[tokio::test]
async fn a_repeatable_read_parent_delete_sees_a_child_committed_meanwhile() {
    let (db, _dir) = open();
    let mut child_session = db.session();
    run(
        &mut child_session,
        "CREATE TABLE parent (id int PRIMARY KEY)",
    )
    .await;
    run(
        &mut child_session,
        "CREATE TABLE child (id int PRIMARY KEY, parent_id int REFERENCES parent (id))",
    )
    .await;
    run(&mut child_session, "INSERT INTO parent VALUES (1)").await;
    let mut deleter = db.session();
    run(&mut deleter, "BEGIN ISOLATION LEVEL REPEATABLE READ").await;
    assert_eq!(
        scalar(&mut deleter, "SELECT count(*) FROM child").await,
        "0"
    );
    run(&mut child_session, "INSERT INTO child VALUES (10, 1)").await;
    // As PostgreSQL: NO ACTION sees the child its snapshot does not (23503)...
    let error = common::fail(&mut deleter, "DELETE FROM parent WHERE id = 1").await;
    assert_eq!(error.code().to_string(), "23503");
    run(&mut deleter, "ROLLBACK").await;
    // ... and CASCADE cannot delete it (40001).
    run(&mut child_session, "DELETE FROM child").await;
    run(
        &mut child_session,
        "ALTER TABLE child ADD CONSTRAINT child_cascade FOREIGN KEY (parent_id) \
         REFERENCES parent (id) ON DELETE CASCADE",
    )
    .await;
    run(
        &mut child_session,
        "ALTER TABLE child DROP CONSTRAINT child_parent_id_fkey",
    )
    .await;
    run(&mut deleter, "BEGIN ISOLATION LEVEL REPEATABLE READ").await;
    assert_eq!(
        scalar(&mut deleter, "SELECT count(*) FROM child").await,
        "0"
    );
    run(&mut child_session, "INSERT INTO child VALUES (11, 1)").await;
    let error = common::fail(&mut deleter, "DELETE FROM parent WHERE id = 1").await;
    assert_eq!(error.code().to_string(), "40001");
    run(&mut deleter, "ROLLBACK").await;
    assert_eq!(
        scalar(&mut deleter, "SELECT count(*) FROM parent").await,
        "1"
    );
}
