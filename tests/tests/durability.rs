//! Durability with the real binary: `CHECKPOINT` and `BACKUP TO` over the wire, `db001 backup`
//! while clients write, `kill -9`, `db001 verify`, `db001 recover` to the LSN a client
//! observed, and restarts from what those tools produced.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use db001_tests::{TestServer, error_text, run_db001};
use tokio_postgres::{Client, SimpleQueryMessage};

/// How long a tool may take.
const TOOL_LIMIT: Duration = Duration::from_secs(120);

async fn query_rows(client: &Client, sql: &str) -> Vec<Vec<String>> {
    client
        .simple_query(sql)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {}", error_text(&error)))
        .into_iter()
        .filter_map(|message| match message {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|index| row.get(index).unwrap_or("NULL").to_owned())
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

async fn state(client: &Client) -> Vec<Vec<String>> {
    let mut rows = query_rows(client, "SELECT id, balance FROM accounts ORDER BY id").await;
    rows.extend(
        query_rows(
            client,
            "SELECT count(*), coalesce(sum(amount), 0) FROM ledger",
        )
        .await,
    );
    rows
}

async fn check_conserved(client: &Client) {
    let total = query_rows(client, "SELECT sum(balance) FROM accounts").await;
    assert_eq!(total, vec![vec!["4000".to_owned()]], "money is conserved");
}

fn transfer(id: i64) -> String {
    let from = id.rem_euclid(4);
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

/// The durable LSN `/health` reports, as `pg_lsn` text.
fn durable_lsn(server: &TestServer) -> String {
    let (status, body) = server.http_get("/health");
    assert_eq!(status, 200, "{body}");
    let lsn: u64 = body
        .split("\"durable_lsn\":")
        .nth(1)
        .and_then(|rest| rest.trim_end_matches(['}', '\n']).parse().ok())
        .unwrap_or_else(|| panic!("no durable_lsn in {body}"));
    format!("{:X}/{:X}", lsn >> 32, lsn & 0xFFFF_FFFF)
}

fn path_text(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temporary path")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn backup_kill_verify_and_point_in_time_recovery_with_the_binary() {
    let archive = tempfile::tempdir().expect("archive directory");
    let scratch = tempfile::tempdir().expect("scratch directory");
    let backup = scratch.path().join("base");
    let mut server = TestServer::start_with_args(&[
        "--wal-segment-size",
        "1MB",
        "--archive-mode",
        "on",
        "--archive-dir",
        path_text(archive.path()),
    ]);
    let client = server.client().await;
    client
        .batch_execute(
            "CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL);
             CREATE TABLE ledger (id bigint PRIMARY KEY, account int NOT NULL, amount int NOT NULL);
             INSERT INTO accounts VALUES (0, 1000), (1, 1000), (2, 1000), (3, 1000);",
        )
        .await
        .expect("schema");
    client
        .batch_execute("CHECKPOINT")
        .await
        .expect("CHECKPOINT");
    let error = client
        .simple_query("BACKUP TO 'relative/dir'")
        .await
        .expect_err("a relative backup directory is refused");
    assert!(
        error_text(&error).starts_with("22023"),
        "{}",
        error_text(&error)
    );

    // db001 backup while three clients transfer money.
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for writer in 0..3i64 {
        let client = server.client().await;
        let stop = Arc::clone(&stop);
        writers.push(tokio::spawn(async move {
            let mut id = 1_000_000 * (writer + 1);
            while !stop.load(Ordering::Relaxed) {
                client.batch_execute(&transfer(id)).await.expect("transfer");
                id += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let url = format!(
        "postgresql://postgres@127.0.0.1:{}/postgres",
        server.address().port()
    );
    let backup_arg = backup.clone();
    let (status, stdout, stderr) = tokio::task::spawn_blocking(move || {
        run_db001(
            &["backup", "--url", &url, "--to", path_text(&backup_arg)],
            TOOL_LIMIT,
        )
    })
    .await
    .expect("backup task");
    assert!(status.success(), "db001 backup: {stdout}{stderr}");
    assert!(stdout.contains("complete"), "{stdout}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("writer");
    }

    // A point the client observes, then more history after it.
    for id in 0..200 {
        client.batch_execute(&transfer(id)).await.expect("transfer");
    }
    let observed = state(&client).await;
    let target = durable_lsn(&server);
    for id in 200..2000 {
        client.batch_execute(&transfer(id)).await.expect("transfer");
        if id % 500 == 0 {
            client
                .batch_execute("CHECKPOINT")
                .await
                .expect("CHECKPOINT");
        }
    }
    let latest = state(&client).await;
    drop(client);
    server.kill9();

    let data_dir = server.data_dir().to_path_buf();
    let (status, stdout, stderr) =
        run_db001(&["verify", "--data-dir", path_text(&data_dir)], TOOL_LIMIT);
    assert!(status.success(), "db001 verify: {stdout}{stderr}");
    assert!(stdout.contains("OK: no problems found"), "{stdout}");
    assert!(stdout.contains("index ledger_pkey"), "{stdout}");

    // Point-in-time recovery to what the client observed.
    let recovered = tempfile::tempdir().expect("recovered directory");
    let live_wal = data_dir.join("wal");
    let (status, stdout, stderr) = run_db001(
        &[
            "recover",
            "--data-dir",
            path_text(recovered.path()),
            "--from-backup",
            path_text(&backup),
            "--archive",
            path_text(archive.path()),
            "--archive",
            path_text(&live_wal),
            "--until",
            &target,
        ],
        TOOL_LIMIT,
    );
    assert!(status.success(), "db001 recover: {stdout}{stderr}");
    assert!(stdout.contains("cut at the target"), "{stdout}");
    let pitr = TestServer::start_in(recovered, &[]);
    let client = pitr.client().await;
    assert_eq!(state(&client).await, observed);
    check_conserved(&client).await;
    drop(client);
    drop(pitr);

    // Restoring the backup by copying it, and the crashed server itself, both start.
    let restored = tempfile::tempdir().expect("restored directory");
    copy_tree(&backup, restored.path());
    let from_backup = TestServer::start_in(restored, &[]);
    let client = from_backup.client().await;
    check_conserved(&client).await;
    drop(client);
    server.restart();
    let client = server.client().await;
    assert_eq!(state(&client).await, latest);
    check_conserved(&client).await;
    let (status, body) = server.http_get("/health");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"status\":\"ok\""), "{body}");
}

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

/// Every `wal_sync_method` serves commits that survive `kill -9`, and a bad one is refused at
/// start-up with exit code 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_wal_sync_method_keeps_acknowledged_commits() {
    for method in ["fdatasync", "fsync", "open_datasync"] {
        let mut server = TestServer::start_with_args(&[
            "--wal-segment-size",
            "1MB",
            "--wal-sync-method",
            method,
        ]);
        let client = server.client().await;
        client
            .batch_execute("CREATE TABLE t (id int PRIMARY KEY, pad text)")
            .await
            .expect("create");
        // About 3 MB: segments switch under the method too.
        for id in 0..300 {
            client
                .batch_execute(&format!("INSERT INTO t VALUES ({id}, repeat('y', 10000))"))
                .await
                .expect("insert");
        }
        server.kill9();
        server.restart();
        let client = server.client().await;
        assert_eq!(
            query_rows(&client, "SELECT count(*), sum(length(pad)) FROM t").await,
            vec![vec!["300".to_owned(), "3000000".to_owned()]],
            "{method}"
        );
    }
    let (status, _, stderr) = run_db001(&["--wal-sync-method", "sometimes"], TOOL_LIMIT);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("open_datasync"), "{stderr}");
}

/// The value of metric line `name` (with its labels) in a `/metrics` body.
fn metric(body: &str, name: &str) -> Option<f64> {
    body.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// `/metrics` reports checkpoints by reason, the last one's duration and size, and the WAL
/// written since it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_report_checkpoints() {
    let server = TestServer::start_with_args(&["--checkpoint-interval", "0"]);
    let client = server.client().await;
    client
        .batch_execute(
            "CREATE TABLE t (id int PRIMARY KEY, pad text);
             INSERT INTO t SELECT g, repeat('z', 1000) FROM generate_series(1, 500) g",
        )
        .await
        .expect("setup");
    let (_, before) = server.http_get("/metrics");
    let since_before = metric(&before, "db001_wal_bytes_since_checkpoint").expect("WAL gauge");
    assert!(since_before > 500_000.0, "{before}");
    client
        .batch_execute("CHECKPOINT")
        .await
        .expect("checkpoint");
    let (status, body) = server.http_get("/metrics");
    assert_eq!(status, 200);
    assert_eq!(
        metric(&body, "db001_checkpoints_total{reason=\"requested\"}"),
        Some(1.0),
        "{body}"
    );
    assert_eq!(metric(&body, "db001_checkpoint_failures_total"), Some(0.0));
    let bytes = metric(&body, "db001_checkpoint_last_bytes").expect("size gauge");
    assert!(bytes > 500_000.0, "the checkpoint holds the table: {bytes}");
    let seconds = metric(&body, "db001_checkpoint_last_duration_seconds").expect("duration");
    assert!(seconds > 0.0 && seconds < 60.0, "{seconds}");
    let since = metric(&body, "db001_wal_bytes_since_checkpoint").expect("WAL gauge");
    assert!(
        since < 1000.0,
        "nothing was written after the checkpoint: {since}"
    );
}
