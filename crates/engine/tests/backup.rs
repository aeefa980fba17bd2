//! Online backups under load, point-in-time recovery to what a client observed, and verify.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{rows, run, scalar};
use db001_engine::{
    Config, Database, RecoveryTarget, checkpoint_dir, recover_to_point, verify, wal_dir,
};
use db001_wal::StdIo;

fn config(dir: &Path) -> Config {
    let mut config = Config::new(dir);
    config.wal_segment_bytes = 8 << 10;
    config.checkpoint_interval = Duration::ZERO;
    config.max_wal_bytes = 0;
    config
}

/// Copies a directory tree (restoring a backup is exactly this).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create");
    for entry in std::fs::read_dir(from).expect("read directory") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

async fn setup_bank(db: &Database) {
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)",
    )
    .await;
    run(
        &mut s,
        "CREATE TABLE ledger (id bigint PRIMARY KEY, account int NOT NULL, amount bigint NOT NULL)",
    )
    .await;
    run(
        &mut s,
        "INSERT INTO accounts VALUES (0, 1000), (1, 1000), (2, 1000), (3, 1000)",
    )
    .await;
}

/// One transfer of 1 from `from` to `from + 1`, with a ledger row, locking in id order.
fn transfer_sql(id: i64, from: i64) -> String {
    let to = (from + 1) % 4;
    let (first, first_delta, second, second_delta) = if from < to {
        (from, -1, to, 1)
    } else {
        (to, 1, from, -1)
    };
    format!(
        "BEGIN;
         UPDATE accounts SET balance = balance + {first_delta} WHERE id = {first};
         UPDATE accounts SET balance = balance + {second_delta} WHERE id = {second};
         INSERT INTO ledger VALUES ({id}, {from}, 1);
         COMMIT"
    )
}

async fn check_bank(db: &Database) -> usize {
    let mut s = db.session();
    assert_eq!(
        scalar(&mut s, "SELECT sum(balance) FROM accounts").await,
        "4000",
        "money is conserved"
    );
    // Every ledger row is one transfer: balances are determined by the ledger.
    let ledger = rows(
        &mut s,
        "SELECT account, count(*) FROM ledger GROUP BY account ORDER BY account",
    )
    .await;
    let mut out = [0i64; 4];
    for row in &ledger {
        out[row[0].parse::<usize>().expect("account")] = row[1].parse().expect("count");
    }
    let balances = rows(&mut s, "SELECT id, balance FROM accounts ORDER BY id").await;
    for row in &balances {
        let id: usize = row[0].parse().expect("id");
        let into = out[(id + 3) % 4];
        let expected = 1000 - out[id] + into;
        assert_eq!(row[1], expected.to_string(), "account {id}: {balances:?}");
    }
    scalar(&mut s, "SELECT count(*) FROM ledger")
        .await
        .parse()
        .expect("count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_under_load_restores_to_a_consistent_state() {
    let dir = tempfile::tempdir().expect("data directory");
    let backups = tempfile::tempdir().expect("backup directory");
    let backup = backups.path().join("base");
    let db = Database::open(config(dir.path())).expect("open");
    setup_bank(&db).await;
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for writer in 0..3i64 {
        let db = db.clone();
        let stop = Arc::clone(&stop);
        writers.push(tokio::spawn(async move {
            let mut s = db.session();
            let mut id = writer * 1_000_000;
            while !stop.load(Ordering::Relaxed) {
                s.execute_sql(&transfer_sql(id, (id + writer) % 4), &[])
                    .await
                    .expect("transfer");
                id += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = {
        let mut s = db.session();
        scalar(&mut s, "SELECT count(*) FROM ledger")
            .await
            .parse::<usize>()
            .expect("count")
    };
    let info = {
        let db = db.clone();
        let backup = backup.clone();
        tokio::task::spawn_blocking(move || db.backup(&backup).expect("backup"))
            .await
            .expect("backup task")
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("writer");
    }
    assert!(info.files >= 2, "{info:?}");
    assert!(backup.join(db001_engine::BACKUP_LABEL).is_file());
    let after = check_bank(&db).await;

    // Restoring is copying the backup into a data directory.
    let restored = tempfile::tempdir().expect("restored directory");
    copy_tree(&backup, restored.path());
    let report = verify(Arc::new(StdIo), restored.path()).expect("verify");
    assert!(report.is_ok(), "{report}");
    let db = Database::open(config(restored.path())).expect("open the restored backup");
    let count = check_bank(&db).await;
    assert!(
        before <= count && count <= after,
        "the backup holds at least what was committed before it began ({before} <= {count} <= \
         {after})"
    );
    // A second backup into a non-empty directory is refused.
    let error = db.backup(&backup).expect_err("not empty");
    assert!(error.message().contains("not empty"), "{error:?}");
}

#[tokio::test]
async fn point_in_time_recovery_matches_what_the_client_saw_at_that_lsn_and_time() {
    let dir = tempfile::tempdir().expect("data directory");
    let archive = tempfile::tempdir().expect("archive");
    let backups = tempfile::tempdir().expect("backups");
    let backup = backups.path().join("base");
    let mut config = config(dir.path());
    config.archive_dir = Some(archive.path().to_path_buf());
    let db = Database::open(config.clone()).expect("open");
    setup_bank(&db).await;
    let mut s = db.session();
    for id in 0..20 {
        run(&mut s, &transfer_sql(id, id % 4)).await;
    }
    let info = db.backup(&backup).expect("backup");
    // After the backup: each commit's LSN and time, and the state the client then saw.
    let mut observed: Vec<(u64, i64, Vec<Vec<String>>)> = Vec::new();
    for id in 20..200 {
        run(&mut s, &transfer_sql(id, id % 4)).await;
        if id % 20 == 0 {
            let state = rows(&mut s, "SELECT id, balance FROM accounts ORDER BY id").await;
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_micros() as i64;
            observed.push((db.durable_lsn(), now, state));
            // Commit times are in microseconds; keep the points apart.
            std::thread::sleep(Duration::from_millis(2));
        }
        if id % 50 == 0 {
            db.checkpoint().expect("checkpoint");
        }
    }
    assert!(info.wal_end_lsn < observed[0].0);
    let archived = std::fs::read_dir(archive.path()).expect("archive").count();
    assert!(archived > 0, "checkpoints archived segments");
    drop(s);
    drop(db);
    let sources: Vec<PathBuf> = vec![archive.path().to_path_buf(), wal_dir(dir.path())];

    for (index, (lsn, time, state)) in observed.iter().enumerate() {
        let targets = [
            RecoveryTarget::Lsn(*lsn),
            RecoveryTarget::Time { unix_micros: *time },
        ];
        for target in targets {
            if index % 2 == 1 && matches!(target, RecoveryTarget::Time { .. }) {
                continue;
            }
            let restored = tempfile::tempdir().expect("restored");
            let report = recover_to_point(Config::new(restored.path()), &backup, &sources, target)
                .unwrap_or_else(|error| panic!("{target:?}: {error:?}"));
            assert!(report.cut, "{target:?}: {report:?}");
            let db = Database::open(Config::new(restored.path())).expect("open recovered");
            let mut s = db.session();
            assert_eq!(
                &rows(&mut s, "SELECT id, balance FROM accounts ORDER BY id").await,
                state,
                "{target:?}"
            );
            check_bank(&db).await;
            // A recovered server takes new writes.
            run(&mut s, &transfer_sql(10_000, 1)).await;
        }
    }
    // Latest: everything; an LSN beyond the end of the WAL available is an error.
    let restored = tempfile::tempdir().expect("restored");
    let report = recover_to_point(
        Config::new(restored.path()),
        &backup,
        &sources,
        RecoveryTarget::Latest,
    )
    .expect("latest");
    assert!(!report.cut);
    let db = Database::open(Config::new(restored.path())).expect("open");
    assert_eq!(check_bank(&db).await, 200);
    let restored = tempfile::tempdir().expect("restored");
    let error = recover_to_point(
        Config::new(restored.path()),
        &backup,
        &[],
        RecoveryTarget::Lsn(observed.last().expect("points").0),
    )
    .expect_err("the backup alone does not reach it");
    assert!(error.message().contains("not reached"), "{error:?}");
}

#[tokio::test]
async fn verify_finds_damaged_checkpoints_and_wal_and_passes_a_sound_directory() {
    let dir = tempfile::tempdir().expect("data directory");
    {
        let db = Database::open(config(dir.path())).expect("open");
        setup_bank(&db).await;
        let mut s = db.session();
        run(&mut s, "CREATE INDEX ledger_account ON ledger (account)").await;
        for id in 0..100 {
            run(&mut s, &transfer_sql(id, id % 4)).await;
        }
        db.checkpoint().expect("checkpoint");
        for id in 100..300 {
            run(&mut s, &transfer_sql(id, id % 4)).await;
        }
        drop(s);
        drop(db);
    }
    let report = verify(Arc::new(StdIo), dir.path()).expect("verify");
    assert!(report.is_ok(), "{report}");
    assert_eq!(report.checkpoints.len(), 1);
    assert!(report.wal_records > 300, "{report}");
    let text = report.to_string();
    assert!(text.contains("ledger_account"), "{text}");
    assert!(text.contains("300 rows"), "{text}");

    // A flipped bit in the checkpoint.
    let checkpoint = std::fs::read_dir(checkpoint_dir(dir.path()))
        .expect("checkpoints")
        .map(|entry| entry.expect("entry").path())
        .next()
        .expect("one checkpoint");
    let original = std::fs::read(&checkpoint).expect("read");
    let mut damaged = original.clone();
    damaged[original.len() / 2] ^= 1;
    std::fs::write(&checkpoint, &damaged).expect("damage");
    let report = verify(Arc::new(StdIo), dir.path()).expect("verify");
    assert!(!report.is_ok());
    assert!(
        report
            .problems
            .iter()
            .any(|problem| problem.contains("checksum")),
        "{report}"
    );
    std::fs::write(&checkpoint, &original).expect("restore");

    // A flipped bit in a WAL record followed by later flushes.
    let mut segments: Vec<PathBuf> = std::fs::read_dir(wal_dir(dir.path()))
        .expect("WAL")
        .map(|entry| entry.expect("entry").path())
        .collect();
    segments.sort();
    let middle = &segments[segments.len() / 2];
    let mut bytes = std::fs::read(middle).expect("read");
    bytes[100] ^= 0x20;
    std::fs::write(middle, &bytes).expect("damage");
    let report = verify(Arc::new(StdIo), dir.path()).expect("verify");
    assert!(!report.is_ok(), "{report}");
    assert!(
        report
            .problems
            .iter()
            .any(|problem| problem.contains("corrupt write-ahead log")),
        "{report}"
    );
}
