//! Checkpoints through the embedded API: round trips, concurrent writers, the replay start of
//! commits in progress, damaged and missing files, and WAL retention.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use common::{rows, run, scalar};
use db001_engine::{Config, Database, checkpoint_dir, wal_dir};
use db001_wal::StdIo;
use db001_wal::fault::FaultyIo;

fn config(dir: &Path) -> Config {
    let mut config = Config::new(dir);
    // Small segments, so checkpoints have segments to remove.
    config.wal_segment_bytes = 64 << 10;
    // Only the checkpoints a test asks for.
    config.checkpoint_interval = Duration::ZERO;
    config.max_wal_bytes = 0;
    config
}

fn checkpoint_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(checkpoint_dir(dir))
        .expect("checkpoint directory")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "ckpt"))
        .collect();
    files.sort();
    files
}

fn segment_count(dir: &Path) -> usize {
    std::fs::read_dir(wal_dir(dir))
        .expect("WAL directory")
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|entry| entry.file_name().to_string_lossy().ends_with(".wal"))
        })
        .count()
}

async fn table_state(db: &Database) -> Vec<Vec<String>> {
    let mut session = db.session();
    rows(&mut session, "SELECT id, name, n FROM t ORDER BY id").await
}

async fn setup(db: &Database) {
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL, n bigint)",
    )
    .await;
    run(&mut s, "CREATE INDEX t_name ON t (name)").await;
}

/// Inserts rows `from..to` and updates/deletes some older ones, in a few transactions.
async fn churn(db: &Database, from: i64, to: i64) {
    let mut s = db.session();
    for id in from..to {
        run(
            &mut s,
            &format!("INSERT INTO t VALUES ({id}, 'row {id}', {})", id * 10),
        )
        .await;
        if id % 7 == 0 && id > 3 {
            run(
                &mut s,
                &format!("UPDATE t SET n = n + 1 WHERE id = {}", id - 3),
            )
            .await;
        }
        if id % 11 == 0 && id > 5 {
            run(&mut s, &format!("DELETE FROM t WHERE id = {}", id - 5)).await;
        }
    }
}

#[tokio::test]
async fn checkpoint_and_wal_tail_round_trip() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let expected = {
        let db = Database::open(config(dir.path())).expect("open");
        setup(&db).await;
        churn(&db, 0, 300).await;
        let mut s = db.session();
        run(&mut s, "CHECKPOINT").await;
        let status = db.checkpoint_status();
        let taken = status.last.expect("a checkpoint was taken");
        assert!(taken.rows > 200, "{taken:?}");
        // The WAL tail after the checkpoint: more rows, and DDL.
        churn(&db, 300, 400).await;
        run(&mut s, "CREATE TABLE later (a int PRIMARY KEY)").await;
        run(&mut s, "INSERT INTO later VALUES (1), (2)").await;
        let expected = table_state(&db).await;
        // A crash: no shutdown checkpoint.
        drop(s);
        drop(db);
        expected
    };
    let (db, report) = Database::open_with_report(config(dir.path())).expect("reopen");
    assert!(report.checkpoint_lsn.is_some(), "{report:?}");
    assert!(report.checkpoint_rows > 200);
    assert!(report.transactions_replayed > 50, "{report:?}");
    assert!(report.rejected_checkpoints.is_empty());
    assert_eq!(table_state(&db).await, expected);
    let mut s = db.session();
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM later").await, "2");
    // Index paths agree with the table after loading.
    assert_eq!(
        scalar(&mut s, "SELECT id FROM t WHERE name = 'row 350'").await,
        "350"
    );
    // New writes go on after recovered ones without id collisions.
    run(&mut s, "INSERT INTO t VALUES (100000, 'new', 0)").await;
    run(&mut s, "CREATE TABLE another (a int)").await;
    drop(s);
    db.shutdown().expect("clean shutdown");
    // A clean shutdown checkpoints: the next start replays no transaction.
    let (db, report) = Database::open_with_report(config(dir.path())).expect("reopen");
    assert_eq!(report.transactions_replayed, 0, "{report:?}");
    let mut s = db.session();
    assert_eq!(
        scalar(&mut s, "SELECT name FROM t WHERE id = 100000").await,
        "new"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn checkpoints_while_writers_run_restore_what_clients_saw() {
    const WRITERS: i64 = 4;
    let dir = tempfile::tempdir().expect("temporary directory");
    let expected = {
        let db = Database::open(config(dir.path())).expect("open");
        setup(&db).await;
        let mut s = db.session();
        run(
            &mut s,
            "CREATE TABLE accounts (id int PRIMARY KEY, balance bigint)",
        )
        .await;
        run(
            &mut s,
            "INSERT INTO accounts VALUES (0, 1000), (1, 1000), (2, 1000), (3, 1000)",
        )
        .await;
        let stop = Arc::new(AtomicBool::new(false));
        let mut writers = Vec::new();
        for writer in 0..WRITERS {
            let db = db.clone();
            let stop = Arc::clone(&stop);
            writers.push(tokio::spawn(async move {
                let mut s = db.session();
                let mut id = writer * 1_000_000;
                let mut committed = 0;
                while !stop.load(Ordering::Relaxed) {
                    let from = (id % 4 + writer) % 4;
                    let to = (from + 1) % 4;
                    // Rows are locked in id order, so transfers never deadlock.
                    let (first, first_delta, second, second_delta) = if from < to {
                        (from, -1, to, 1)
                    } else {
                        (to, 1, from, -1)
                    };
                    s.execute_sql(
                        &format!(
                            "BEGIN;
                             INSERT INTO t VALUES ({id}, 'w{writer}', {id});
                             UPDATE accounts SET balance = balance + {first_delta} WHERE id = {first};
                             UPDATE accounts SET balance = balance + {second_delta} WHERE id = {second};
                             COMMIT"
                        ),
                        &[],
                    )
                    .await
                    .expect("transfer");
                    id += 1;
                    committed += 1;
                }
                committed
            }));
        }
        let checkpoints = Arc::new(AtomicU64::new(0));
        for _ in 0..8 {
            let db = db.clone();
            tokio::task::spawn_blocking(move || db.checkpoint().expect("checkpoint"))
                .await
                .expect("checkpoint task");
            checkpoints.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stop.store(true, Ordering::Relaxed);
        let mut total = 0;
        for writer in writers {
            total += writer.await.expect("writer");
        }
        assert!(total > 20, "writers made progress: {total}");
        assert!(db.checkpoint_status().completed >= 4);
        let expected = (
            table_state(&db).await,
            rows(&mut s, "SELECT id, balance FROM accounts ORDER BY id").await,
        );
        drop(s);
        drop(db);
        expected
    };
    let (db, report) = Database::open_with_report(config(dir.path())).expect("reopen");
    assert!(report.checkpoint_lsn.is_some());
    let mut s = db.session();
    let recovered = (
        table_state(&db).await,
        rows(&mut s, "SELECT id, balance FROM accounts ORDER BY id").await,
    );
    assert_eq!(recovered, expected);
    assert_eq!(
        scalar(&mut s, "SELECT sum(balance) FROM accounts").await,
        "4000"
    );
    assert!(
        segment_count(dir.path()) < 40,
        "checkpoints removed old segments ({} left)",
        segment_count(dir.path())
    );
}

/// A multi-record commit waiting for its fsync while a checkpoint runs: not in the
/// checkpoint, so recovery from that checkpoint must replay it whole. (The unit tests of
/// `checkpoint` build the sharper case deterministically: data records before the snapshot,
/// commit record after it.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_commit_in_progress_during_the_checkpoint_is_replayed_whole() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let io = FaultyIo::new(Arc::new(StdIo), 11);
    let mut config = config(dir.path());
    config.io = io.clone();
    let db = Database::open(config.clone()).expect("open");
    setup(&db).await;
    churn(&db, 0, 10).await;
    // Every fsync takes a while: the big commit below is appended, then waits.
    io.set_sync_delay(Duration::from_millis(300));
    let big = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut s = db.session();
            // About 200 KiB in one transaction: several WAL records at 64 KiB segments.
            let values: Vec<String> = (1000..3000)
                .map(|id| format!("({id}, '{}', {id})", "x".repeat(90)))
                .collect();
            s.execute_sql(
                &format!("BEGIN; INSERT INTO t VALUES {}; COMMIT", values.join(", ")),
                &[],
            )
            .await
            .expect("big commit");
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let taken = {
        let db = db.clone();
        tokio::task::spawn_blocking(move || db.checkpoint().expect("checkpoint"))
            .await
            .expect("checkpoint task")
            .expect("a new checkpoint")
    };
    big.await.expect("big commit task");
    io.set_sync_delay(Duration::ZERO);
    let mut s = db.session();
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM t").await, "2010");
    assert_eq!(
        taken.rows, 10,
        "the big commit was in progress, not in the checkpoint: {taken:?}"
    );
    drop(s);
    drop(db);
    let (db, report) = Database::open_with_report(config).expect("reopen");
    assert_eq!(report.checkpoint_lsn, Some(taken.lsn), "{report:?}");
    let mut s = db.session();
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM t").await, "2010");
    assert_eq!(
        scalar(&mut s, "SELECT n FROM t WHERE id = 2999").await,
        "2999"
    );
}

#[tokio::test]
async fn a_corrupt_newest_checkpoint_falls_back_to_the_previous_one() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let expected = {
        let db = Database::open(config(dir.path())).expect("open");
        setup(&db).await;
        // Enough WAL before the first checkpoint that the second one retires segment 0.
        churn(&db, 0, 1500).await;
        db.checkpoint().expect("first").expect("taken");
        churn(&db, 1500, 1600).await;
        db.checkpoint().expect("second").expect("taken");
        churn(&db, 1600, 1650).await;
        let expected = table_state(&db).await;
        drop(db);
        expected
    };
    let files = checkpoint_files(dir.path());
    assert_eq!(files.len(), 2);
    let newest = files[1].clone();
    let original = std::fs::read(&newest).expect("read");
    let damages: Vec<(&str, Vec<u8>)> = vec![
        ("truncated to nothing", Vec::new()),
        ("truncated in the header", original[..20].to_vec()),
        (
            "truncated in the middle",
            original[..original.len() / 2].to_vec(),
        ),
        ("footer cut", original[..original.len() - 1].to_vec()),
        ("bit flip in the rows", {
            let mut bytes = original.clone();
            let at = bytes.len() * 2 / 3;
            bytes[at] ^= 0x08;
            bytes
        }),
    ];
    for (what, damaged) in damages {
        std::fs::write(&newest, &damaged).expect("damage");
        let (db, report) = Database::open_with_report(config(dir.path()))
            .unwrap_or_else(|error| panic!("{what}: {error:?}"));
        assert_eq!(report.rejected_checkpoints.len(), 1, "{what}: {report:?}");
        assert_eq!(table_state(&db).await, expected, "{what}");
        // Leave the files as they were for the next case: no shutdown checkpoint.
        drop(db);
    }
    // With the previous one damaged too, and the log no longer reaching back to LSN 0,
    // db001 refuses to start and says why for each candidate.
    std::fs::write(&files[0], b"not a checkpoint").expect("damage");
    let error = Database::open(config(dir.path())).expect_err("refused");
    assert_eq!(error.code().code(), "XX001", "{error:?}");
    assert!(
        error.message().contains("no checkpoint is usable"),
        "{error:?}"
    );
    let detail = error.detail().expect("detail lists the candidates");
    assert!(detail.lines().count() >= 3, "{detail}");
    // Restoring the newest makes it start again.
    std::fs::write(&newest, &original).expect("restore");
    let db = Database::open(config(dir.path())).expect("restored");
    assert_eq!(table_state(&db).await, expected);
}

#[tokio::test]
async fn a_missing_segment_after_the_checkpoint_refuses_to_start() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = config(dir.path());
    config.wal_segment_bytes = 8 << 10;
    {
        let db = Database::open(config.clone()).expect("open");
        setup(&db).await;
        churn(&db, 0, 50).await;
        db.checkpoint().expect("checkpoint").expect("taken");
        churn(&db, 50, 600).await;
        drop(db);
    }
    let mut segments: Vec<PathBuf> = std::fs::read_dir(wal_dir(dir.path()))
        .expect("WAL directory")
        .map(|entry| entry.expect("entry").path())
        .collect();
    segments.sort();
    assert!(segments.len() >= 3, "{segments:?}");
    let missing = segments[segments.len() - 2].clone();
    std::fs::remove_file(&missing).expect("remove a segment");
    let error = Database::open(config).expect_err("refused");
    assert_eq!(error.code().code(), "XX001");
    let name = missing
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let text = format!("{} {}", error.message(), error.detail().unwrap_or(""));
    assert!(text.contains(&name), "the error names {name}: {error:?}");
}

#[tokio::test]
async fn wal_before_the_previous_checkpoint_is_removed_or_archived() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let archive = tempfile::tempdir().expect("archive");
    let mut config = config(dir.path());
    config.archive_dir = Some(archive.path().to_path_buf());
    let db = Database::open(config.clone()).expect("open");
    setup(&db).await;
    let mut removed = 0;
    for round in 0..5 {
        churn(&db, round * 200, (round + 1) * 200).await;
        removed += db
            .checkpoint()
            .expect("checkpoint")
            .expect("taken")
            .segments_removed;
    }
    assert!(removed > 0, "segments were retired");
    let archived = std::fs::read_dir(archive.path()).expect("archive").count();
    assert_eq!(archived, removed, "every removed segment is in the archive");
    assert_eq!(
        checkpoint_files(dir.path()).len(),
        2,
        "two checkpoints are kept"
    );
    let expected = table_state(&db).await;
    drop(db);
    let db = Database::open(config).expect("reopen");
    assert_eq!(table_state(&db).await, expected);
}
