//! pgbench's builtin tpcb-like script with 16 clients against db001: every client updates the
//! one branch row (scale 1), one of ten teller rows and a random account, at READ COMMITTED.
//! PostgreSQL finishes this without a single failed transaction (writers queue on the branch
//! row and re-check it after each commit); so must db001. Afterwards every delta must have
//! landed exactly once: the sums of the account, teller and branch balances all equal the sum
//! of the history's deltas, and the history has one row per processed transaction.
//!
//! The tables are created and filled with plain SQL, as `pgbench -i -I dtGvp` would (db001 has
//! no TRUNCATE or COPY for `pgbench -i` yet). The longer comparison with PostgreSQL's numbers is
//! `benches/pgbench-tpcb.sh`.

use std::process::Command;

use db001_tests::TestServer;
use db001_tests::postgres::bin_dir;

const LOAD: &str = "\
    CREATE TABLE pgbench_history (tid int, bid int, aid int, delta int, mtime timestamp, filler char(22));
    CREATE TABLE pgbench_tellers (tid int NOT NULL PRIMARY KEY, bid int, tbalance int, filler char(84));
    CREATE TABLE pgbench_accounts (aid int NOT NULL PRIMARY KEY, bid int, abalance int, filler char(84));
    CREATE TABLE pgbench_branches (bid int NOT NULL PRIMARY KEY, bbalance int, filler char(88));
    INSERT INTO pgbench_branches (bid, bbalance) SELECT bid, 0 FROM generate_series(1, 1) AS bid;
    INSERT INTO pgbench_tellers (tid, bid, tbalance)
        SELECT tid, (tid - 1) / 10 + 1, 0 FROM generate_series(1, 10) AS tid;
    INSERT INTO pgbench_accounts (aid, bid, abalance, filler)
        SELECT aid, (aid - 1) / 100000 + 1, 0, '' FROM generate_series(1, 100000) AS aid;";

/// The number after `label` in pgbench's report.
fn reported(report: &str, label: &str) -> u64 {
    report
        .lines()
        .find_map(|line| line.strip_prefix(label))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no {label:?} in pgbench's report:\n{report}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tpcb_like_with_16_clients_has_no_failed_transactions() {
    let server = TestServer::start();
    let client = server.client().await;
    client.batch_execute(LOAD).await.expect("load");

    let output = Command::new(bin_dir().join("pgbench"))
        .args(["-n", "-c", "16", "-j", "2", "-T", "5", "-M", "prepared"])
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &server.address().port().to_string(),
        ])
        .args(["-U", "postgres", "postgres"])
        .output()
        .expect("run pgbench");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "pgbench failed:\n{report}\nserver log:\n{}",
        server.log()
    );
    let processed = reported(&report, "number of transactions actually processed: ");
    assert!(processed > 0, "{report}");
    assert_eq!(
        reported(&report, "number of failed transactions: "),
        0,
        "{report}"
    );

    let row = client
        .query_one(
            "SELECT (SELECT sum(abalance) FROM pgbench_accounts)::bigint, \
                    (SELECT sum(tbalance) FROM pgbench_tellers)::bigint, \
                    (SELECT sum(bbalance) FROM pgbench_branches)::bigint, \
                    (SELECT sum(delta) FROM pgbench_history)::bigint, \
                    (SELECT count(*) FROM pgbench_history)",
            &[],
        )
        .await
        .expect("sums");
    let (accounts, tellers, branches, deltas, history): (i64, i64, i64, i64, i64) =
        (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
    assert_eq!(accounts, deltas, "sum(abalance) = sum(delta)");
    assert_eq!(tellers, deltas, "sum(tbalance) = sum(delta)");
    assert_eq!(branches, deltas, "sum(bbalance) = sum(delta)");
    assert_eq!(history as u64, processed, "one history row per transaction");
}
