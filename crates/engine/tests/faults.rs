//! Injected storage faults through the engine (`db001_wal::fault::FaultyIo` under both the WAL
//! and the checkpoint files): fsync failure, a full disk at segment creation and during a
//! checkpoint, and power loss at every I/O step of a checkpoint.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{fail, rows, run, scalar};
use db001_engine::{Config, Database, checkpoint_dir};
use db001_wal::StdIo;
use db001_wal::fault::FaultyIo;

fn config(dir: &Path, io: &Arc<FaultyIo>) -> Config {
    let mut config = Config::new(dir);
    config.wal_segment_bytes = 16 << 10;
    config.checkpoint_interval = Duration::ZERO;
    config.max_wal_bytes = 0;
    config.io = io.clone();
    config
}

fn plain_config(dir: &Path) -> Config {
    let mut config = Config::new(dir);
    config.wal_segment_bytes = 16 << 10;
    config.checkpoint_interval = Duration::ZERO;
    config.max_wal_bytes = 0;
    config
}

#[tokio::test]
async fn an_fsync_failure_acknowledges_nothing_and_leaves_the_server_read_only() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let io = FaultyIo::new(Arc::new(StdIo), 1);
    let db = Database::open(config(dir.path(), &io)).expect("open");
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY, v text)").await;
    run(&mut s, "INSERT INTO t VALUES (1, 'acknowledged')").await;
    io.fail_syncs_after(0);
    let error = fail(&mut s, "INSERT INTO t VALUES (2, 'never acknowledged')").await;
    assert_eq!(error.code().code(), "58030", "{error:?}");
    // Reads keep working and do not see the failed commit.
    assert_eq!(
        rows(&mut s, "SELECT id, v FROM t ORDER BY id").await,
        vec![vec!["1", "acknowledged"]]
    );
    // Every write is refused with a clear error, DDL too; /health sees it.
    for write in [
        "INSERT INTO t VALUES (3, 'x')",
        "UPDATE t SET v = 'y' WHERE id = 1",
        "CREATE TABLE u (a int)",
    ] {
        let error = fail(&mut s, write).await;
        assert_eq!(error.code().code(), "58030", "{write}: {error:?}");
        assert!(
            error.message().contains("accepts no writes"),
            "{write}: {error:?}"
        );
    }
    assert!(!db.is_healthy());
    assert!(
        db.health_problem()
            .is_some_and(|problem| problem.contains("WAL failed")),
        "{:?}",
        db.health_problem()
    );
    assert!(
        db.checkpoint().is_err(),
        "no checkpoint without a working log"
    );
    drop(s);
    assert!(db.shutdown().is_err(), "shutdown reports the failure");
    drop(db);
    // The disk works again: recovery brings back every acknowledged commit.
    let db = Database::open(plain_config(dir.path())).expect("reopen");
    let mut s = db.session();
    assert_eq!(
        scalar(&mut s, "SELECT v FROM t WHERE id = 1").await,
        "acknowledged"
    );
    run(&mut s, "INSERT INTO t VALUES (4, 'after restart')").await;
}

#[tokio::test]
async fn a_full_disk_at_segment_creation_fails_the_commit_with_53100_and_reads_go_on() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let io = FaultyIo::new(Arc::new(StdIo), 2);
    let db = Database::open(config(dir.path(), &io)).expect("open");
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY, pad text)").await;
    // Segments are preallocated: the current one still takes records, the next cannot exist.
    io.set_disk_space(Some(0));
    let pad = "p".repeat(200);
    let mut acknowledged = 0;
    let mut failure = None;
    for id in 0..500 {
        match s
            .execute_sql(&format!("INSERT INTO t VALUES ({id}, '{pad}')"), &[])
            .await
        {
            Ok(_) => acknowledged += 1,
            Err(error) => {
                failure = Some(error);
                break;
            }
        }
    }
    let failure = failure.expect("the segment could not be created");
    assert_eq!(failure.code().code(), "53100", "{failure:?}");
    assert!(acknowledged > 10, "the existing segment was used first");
    assert_eq!(
        scalar(&mut s, "SELECT count(*) FROM t").await,
        acknowledged.to_string()
    );
    let error = fail(&mut s, "INSERT INTO t VALUES (-1, 'x')").await;
    assert_eq!(error.code().code(), "53100", "{error:?}");
    drop(s);
    drop(db);
    io.set_disk_space(None);
    let db = Database::open(plain_config(dir.path())).expect("reopen with space");
    let mut s = db.session();
    let count: usize = scalar(&mut s, "SELECT count(*) FROM t")
        .await
        .parse()
        .expect("a count");
    assert!(
        count == acknowledged || count == acknowledged + 1,
        "acknowledged commits survive ({count} rows, {acknowledged} acknowledged)"
    );
}

#[tokio::test]
async fn a_failed_checkpoint_keeps_everything_and_is_reported_until_one_succeeds() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let io = FaultyIo::new(Arc::new(StdIo), 3);
    let db = Database::open(config(dir.path(), &io)).expect("open");
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY)").await;
    run(&mut s, "INSERT INTO t VALUES (1), (2)").await;
    db.checkpoint().expect("first checkpoint").expect("taken");
    run(&mut s, "INSERT INTO t VALUES (3)").await;
    // The WAL's segment is preallocated and keeps working; a new file cannot grow.
    io.set_disk_space(Some(10));
    let error = db.checkpoint().expect_err("no space for the checkpoint");
    assert_eq!(error.code().code(), "53100", "{error:?}");
    let warnings = db.health_warnings();
    assert!(
        warnings
            .iter()
            .any(|warning| warning.contains("last checkpoint failed")),
        "{warnings:?}"
    );
    let leftovers: Vec<String> = std::fs::read_dir(checkpoint_dir(dir.path()))
        .expect("checkpoint directory")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "only the first checkpoint: {leftovers:?}"
    );
    run(&mut s, "INSERT INTO t VALUES (4)").await;
    io.set_disk_space(None);
    db.checkpoint().expect("space again").expect("taken");
    assert!(
        db.health_warnings().is_empty(),
        "{:?}",
        db.health_warnings()
    );
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM t").await, "4");
}

/// Power is lost at each I/O operation of a checkpoint in turn (writing the file, its fsync,
/// the rename, the directory fsync, retiring old files): whatever state the disk is left in,
/// the next start recovers every commit that was acknowledged.
#[tokio::test]
async fn power_loss_at_every_step_of_a_checkpoint_loses_nothing() {
    let mut completed_without_loss = false;
    for step in 0..60 {
        let dir = tempfile::tempdir().expect("temporary directory");
        let io = FaultyIo::new(Arc::new(StdIo), 100 + step);
        let mut config = config(dir.path(), &io);
        config.wal_segment_bytes = 4 << 10;
        let db = Database::open(config).expect("open");
        let mut s = db.session();
        run(&mut s, "CREATE TABLE t (id int PRIMARY KEY, v text)").await;
        for id in 0..60 {
            run(&mut s, &format!("INSERT INTO t VALUES ({id}, 'before')")).await;
        }
        db.checkpoint().expect("first checkpoint").expect("taken");
        for id in 60..120 {
            run(&mut s, &format!("INSERT INTO t VALUES ({id}, 'between')")).await;
        }
        run(&mut s, "UPDATE t SET v = 'updated' WHERE id < 30").await;
        let expected = rows(&mut s, "SELECT id, v FROM t ORDER BY id").await;
        io.power_loss_after(step);
        let checkpointed = db.checkpoint();
        let lost_power = io.powered_off();
        drop(s);
        drop(db);
        let db = Database::open(plain_config(dir.path()))
            .unwrap_or_else(|error| panic!("step {step}: restart failed: {error:?}"));
        let mut s = db.session();
        assert_eq!(
            rows(&mut s, "SELECT id, v FROM t ORDER BY id").await,
            expected,
            "step {step}"
        );
        if !lost_power {
            checkpointed.expect("a checkpoint without faults succeeds");
            // create, write, fsync, rename, directory fsync at least came before.
            assert!(step >= 5, "the checkpoint took only {step} I/O operations");
            eprintln!("power lost at each of the {step} I/O operations of a checkpoint");
            completed_without_loss = true;
            break;
        }
    }
    assert!(
        completed_without_loss,
        "the loop reached a step after the whole checkpoint"
    );
}
