//! Catalog objects and sequence values across restarts and checkpoints: schemas, views,
//! sequences (serial, identity, CREATE SEQUENCE), CHECK / UNIQUE / FOREIGN KEY constraints,
//! defaults, and what ALTER TABLE changed, each recovered from the WAL alone, from a checkpoint
//! plus the WAL after it, and from a clean shutdown's checkpoint.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{fail, rows, run, scalar};
use db001_engine::{Config, Database};

fn config(dir: &Path) -> Config {
    let mut config = Config::new(dir);
    // Only the checkpoints a test asks for.
    config.checkpoint_interval = Duration::ZERO;
    config.max_wal_bytes = 0;
    config
}

/// How the database goes down between the two halves of a test.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// Dropped without a shutdown checkpoint: recovery replays the WAL only.
    Crash,
    /// A checkpoint in the middle (after the first DDL), then a crash: the checkpoint holds
    /// part of the catalog and the WAL after it the rest.
    CheckpointThenCrash,
    /// A clean shutdown, which checkpoints everything.
    Shutdown,
}

async fn build_schema(db: &Database, stop: Stop) -> i64 {
    let mut s = db.session();
    run(&mut s, "CREATE SCHEMA app").await;
    run(
        &mut s,
        "CREATE TABLE app.users (id serial PRIMARY KEY, name text UNIQUE NOT NULL, \
         score int DEFAULT 10 CONSTRAINT score_range CHECK (score BETWEEN 0 AND 100))",
    )
    .await;
    run(
        &mut s,
        "CREATE TABLE app.posts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
         author int NOT NULL REFERENCES app.users (id) ON DELETE CASCADE, body text)",
    )
    .await;
    run(&mut s, "CREATE SEQUENCE app.tickets START 1000 INCREMENT 7").await;
    run(
        &mut s,
        "INSERT INTO app.users (name) VALUES ('ann'), ('bo'), ('cy')",
    )
    .await;
    run(
        &mut s,
        "INSERT INTO app.posts (author, body) VALUES (1, 'hello'), (2, 'hi'), (2, 'again')",
    )
    .await;
    if matches!(stop, Stop::CheckpointThenCrash) {
        db.checkpoint().expect("checkpoint");
    }
    // After the checkpoint (if any): more DDL, more rows, more sequence values.
    run(
        &mut s,
        "ALTER TABLE app.users ADD COLUMN email text DEFAULT 'none'",
    )
    .await;
    run(
        &mut s,
        "ALTER TABLE app.users RENAME COLUMN score TO points",
    )
    .await;
    run(
        &mut s,
        "ALTER TABLE app.posts ADD CONSTRAINT body_short CHECK (length(body) < 20)",
    )
    .await;
    run(&mut s, "CREATE INDEX posts_author ON app.posts (author)").await;
    run(
        &mut s,
        "CREATE VIEW app.busy AS SELECT u.name, count(*) AS posts \
         FROM app.users u JOIN app.posts p ON p.author = u.id GROUP BY u.name",
    )
    .await;
    run(&mut s, "INSERT INTO app.users (name) VALUES ('di')").await;
    for _ in 0..3 {
        run(&mut s, "SELECT nextval('app.tickets')").await;
    }
    // Values handed out in a transaction that rolls back stay handed out.
    run(&mut s, "BEGIN").await;
    let last = scalar(&mut s, "SELECT nextval('app.tickets')")
        .await
        .parse()
        .expect("a number");
    run(&mut s, "ROLLBACK").await;
    last
}

async fn check_schema(db: &Database, last_ticket: i64) {
    let mut s = db.session();
    assert_eq!(
        rows(&mut s, "SELECT name, posts FROM app.busy ORDER BY name").await,
        [["ann", "1"], ["bo", "2"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT id, name, points, email FROM app.users ORDER BY id"
        )
        .await,
        [
            ["1", "ann", "10", "none"],
            ["2", "bo", "10", "none"],
            ["3", "cy", "10", "none"],
            ["4", "di", "10", "none"],
        ]
    );
    // serial and identity continue after what they handed out.
    run(&mut s, "INSERT INTO app.users (name) VALUES ('ed')").await;
    let id: i64 = scalar(&mut s, "SELECT id FROM app.users WHERE name = 'ed'")
        .await
        .parse()
        .expect("a number");
    assert!(id > 4, "serial handed out {id} again");
    run(
        &mut s,
        "INSERT INTO app.posts (author, body) VALUES (4, 'new')",
    )
    .await;
    let post: i64 = scalar(&mut s, "SELECT max(id) FROM app.posts")
        .await
        .parse()
        .expect("a number");
    assert!(post > 3, "identity handed out {post} again");
    let ticket: i64 = scalar(&mut s, "SELECT nextval('app.tickets')")
        .await
        .parse()
        .expect("a number");
    assert!(
        ticket > last_ticket,
        "sequence handed out {ticket} after {last_ticket}"
    );
    assert_eq!((ticket - 1000) % 7, 0, "the increment survived");
    // Every constraint is still enforced.
    let cases = [
        ("INSERT INTO app.users (name) VALUES ('ann')", "23505"),
        (
            "INSERT INTO app.users (name, points) VALUES ('x', 101)",
            "23514",
        ),
        ("INSERT INTO app.users (id) VALUES (99)", "23502"),
        (
            "INSERT INTO app.posts (author, body) VALUES (77, 'x')",
            "23503",
        ),
        (
            "INSERT INTO app.posts (author, body) VALUES (1, 'far too long for the check')",
            "23514",
        ),
        (
            "INSERT INTO app.posts (id, author) VALUES (1000, 1)",
            "428C9",
        ),
        ("SELECT score FROM app.users", "42703"),
    ];
    for (sql, code) in cases {
        assert_eq!(fail(&mut s, sql).await.code().to_string(), code, "{sql}");
    }
    // The cascade still fires.
    run(&mut s, "DELETE FROM app.users WHERE name = 'bo'").await;
    assert_eq!(
        scalar(&mut s, "SELECT count(*) FROM app.posts WHERE author = 2").await,
        "0"
    );
}

async fn round_trip(stop: Stop) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let last_ticket = {
        let db = Database::open(config(dir.path())).expect("open");
        let last = build_schema(&db, stop).await;
        match stop {
            Stop::Crash | Stop::CheckpointThenCrash => drop(db),
            Stop::Shutdown => db.shutdown().expect("clean shutdown"),
        }
        last
    };
    let db = Database::open(config(dir.path())).expect("reopen");
    check_schema(&db, last_ticket).await;
    // And once more, after a checkpoint of the recovered state.
    db.checkpoint().expect("checkpoint");
    let last = scalar(&mut db.session(), "SELECT nextval('app.tickets')")
        .await
        .parse::<i64>()
        .expect("a number");
    drop(db);
    let db = Database::open(config(dir.path())).expect("reopen after checkpoint");
    let mut s = db.session();
    assert_eq!(
        rows(&mut s, "SELECT name FROM app.busy ORDER BY name").await,
        [["ann"], ["di"]]
    );
    let next: i64 = scalar(&mut s, "SELECT nextval('app.tickets')")
        .await
        .parse()
        .expect("a number");
    assert!(next > last, "sequence handed out {next} after {last}");
}

#[tokio::test]
async fn catalog_objects_survive_a_crash() {
    round_trip(Stop::Crash).await;
}

#[tokio::test]
async fn catalog_objects_survive_a_checkpoint_and_a_crash() {
    round_trip(Stop::CheckpointThenCrash).await;
}

#[tokio::test]
async fn catalog_objects_survive_a_clean_shutdown() {
    round_trip(Stop::Shutdown).await;
}

#[tokio::test]
async fn dropped_and_rolled_back_objects_stay_gone_after_restart() {
    let dir = tempfile::tempdir().expect("temporary directory");
    {
        let db = Database::open(config(dir.path())).expect("open");
        let mut s = db.session();
        run(&mut s, "CREATE TABLE keep (id int PRIMARY KEY)").await;
        run(&mut s, "CREATE SEQUENCE gone_seq").await;
        run(&mut s, "CREATE VIEW gone_view AS SELECT id FROM keep").await;
        run(&mut s, "CREATE SCHEMA gone_schema").await;
        run(&mut s, "CREATE TABLE gone_schema.t (a int)").await;
        db.checkpoint().expect("checkpoint");
        run(&mut s, "DROP VIEW gone_view").await;
        run(&mut s, "DROP SEQUENCE gone_seq").await;
        run(&mut s, "DROP SCHEMA gone_schema CASCADE").await;
        // A migration that failed inside its transaction leaves nothing behind.
        run(&mut s, "BEGIN").await;
        run(&mut s, "CREATE TABLE half (id int)").await;
        run(&mut s, "ALTER TABLE keep ADD COLUMN extra int").await;
        fail(&mut s, "CREATE TABLE keep (id int)").await;
        run(&mut s, "ROLLBACK").await;
        drop(db);
    }
    let db = Database::open(config(dir.path())).expect("reopen");
    let mut s = db.session();
    for (sql, code) in [
        ("SELECT * FROM gone_view", "42P01"),
        ("SELECT nextval('gone_seq')", "42P01"),
        ("SELECT * FROM gone_schema.t", "42P01"),
        ("SELECT * FROM half", "42P01"),
        ("SELECT extra FROM keep", "42703"),
    ] {
        assert_eq!(fail(&mut s, sql).await.code().to_string(), code, "{sql}");
    }
    run(&mut s, "CREATE SCHEMA gone_schema").await;
    run(&mut s, "CREATE SEQUENCE gone_seq").await;
    assert_eq!(scalar(&mut s, "SELECT nextval('gone_seq')").await, "1");
}
