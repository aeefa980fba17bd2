//! End to end against a real PostgreSQL 15 started by the test: `ycsb load`, `ycsb run` of
//! workloads A and E, the resulting table checked directly, and `compare-report` fed with one
//! real report and one failure record.
//!
//! Needs the PostgreSQL 15 server binaries; it fails (never skips) when they are missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tpcc::local_postgres::LocalPostgres;

fn command(binary: &str, arguments: &[&str]) -> Output {
    Command::new(binary)
        .args(arguments)
        .output()
        .expect("the binary runs")
}

fn describe(output: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{path:?}: {error}"));
    serde_json::from_str(&text).expect("valid JSON")
}

struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn ycsb(url: &str, arguments: &[&str], json_path: &Path) -> Value {
    let mut all = arguments.to_vec();
    let path = json_path.to_string_lossy().into_owned();
    all.extend_from_slice(&["--url", url, "--progress-interval", "0", "--json", &path]);
    let output = command(env!("CARGO_BIN_EXE_ycsb"), &all);
    assert!(
        output.status.success(),
        "ycsb {arguments:?} failed:\n{}",
        describe(&output)
    );
    json(json_path)
}

fn kind<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["operations_by_kind"]
        .as_array()
        .and_then(|kinds| kinds.iter().find(|kind| kind["name"] == name))
        .unwrap_or_else(|| panic!("no {name} operations in {report:#}"))
}

#[test]
fn load_and_run_against_postgres_then_report() {
    let server = LocalPostgres::start(&[("shared_buffers", "128MB")])
        .expect("a PostgreSQL 15 server for the test");
    let url = server.url();
    let scratch = Scratch(std::env::temp_dir().join(format!("ycsb-test-{}", std::process::id())));
    std::fs::create_dir_all(&scratch.0).expect("temporary directory");

    let load = ycsb(
        &url,
        &[
            "load",
            "--records",
            "2000",
            "--threads",
            "2",
            "--batch-rows",
            "64",
        ],
        &scratch.0.join("load.json"),
    );
    assert_eq!(load["operations"], 2000);
    assert_eq!(load["errors"], 0);

    let run_a = ycsb(
        &url,
        &[
            "run",
            "--workload",
            "a",
            "--records",
            "2000",
            "--operations",
            "4000",
            "--threads",
            "4",
        ],
        &scratch.0.join("run-a.json"),
    );
    assert_eq!(run_a["operations"], 4000, "{run_a:#}");
    let reads = kind(&run_a, "read")["completed"].as_u64().expect("reads");
    let updates = kind(&run_a, "update")["completed"]
        .as_u64()
        .expect("updates");
    assert_eq!(reads + updates, 4000);
    assert!(
        (1700..2300).contains(&reads),
        "{reads} reads of 4000 in workload A"
    );
    assert_eq!(kind(&run_a, "read")["not_found"], 0);
    assert!(
        run_a["throughput_ops_per_second"]
            .as_f64()
            .expect("throughput")
            > 0.0
    );

    let run_e = ycsb(
        &url,
        &[
            "run",
            "--workload",
            "e",
            "--records",
            "2000",
            "--operations",
            "1000",
            "--threads",
            "2",
        ],
        &scratch.0.join("run-e.json"),
    );
    let inserts = kind(&run_e, "insert")["completed"]
        .as_u64()
        .expect("inserts");
    assert!(inserts > 20 && kind(&run_e, "scan")["completed"].as_u64().expect("scans") > 800);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = tpcc::connection::connect(&url).await.expect("connect");
        let count: i64 = client
            .query_one("SELECT COUNT(*) FROM usertable", &[])
            .await
            .expect("count")
            .get(0);
        assert_eq!(
            count as u64,
            2000 + inserts,
            "every acknowledged insert is in the table"
        );
        let first_key = client
            .query_opt(
                "SELECT field0 FROM usertable WHERE ycsb_key = 'user6284781860667377211'",
                &[],
            )
            .await
            .expect("lookup");
        let value: String = first_key
            .expect("key 0 is YCSB's user6284781860667377211")
            .get(0);
        assert_eq!(value.len(), 100);
    });

    // The comparison report, fed with this real run and a db001 failure record.
    let results = scratch.0.join("results");
    let postgresql = results.join("sync_on/postgresql");
    let db001 = results.join("sync_on/db001");
    std::fs::create_dir_all(&postgresql).expect("directory");
    std::fs::create_dir_all(&db001).expect("directory");
    std::fs::copy(
        scratch.0.join("run-a.json"),
        postgresql.join("ycsb_run_a.json"),
    )
    .expect("copy");
    std::fs::write(
        db001.join("ycsb_run_a.json"),
        r#"{"benchmark": "ycsb", "phase": "run", "error": {"context": "prepare ycsb.scan: SELECT ...", "sqlstate": "42601", "message": "syntax error at or near \"LIMIT\""}}"#,
    )
    .expect("write");
    let output = command(
        env!("CARGO_BIN_EXE_compare-report"),
        &[&results.to_string_lossy()],
    );
    assert!(output.status.success(), "{}", describe(&output));
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.contains("YCSB A throughput (ops/s)"), "{table}");
    assert!(table.contains("failed: prepare ycsb.scan"), "{table}");
    let summary = json(&results.join("summary.json"));
    let row = &summary[0]["rows"][0];
    assert_eq!(row["metric"], "YCSB A throughput");
    assert!(
        row["postgresql"]["value"]
            .as_f64()
            .expect("a number for PostgreSQL")
            > 0.0
    );
    assert!(
        row["db001"]["failed"]
            .as_str()
            .expect("a failure for db001")
            .contains("42601")
    );
    let chart = std::fs::read_to_string(results.join("chart.svg")).expect("chart");
    assert!(chart.contains("<svg") && chart.contains("failed: prepare ycsb.scan"));
    drop(server);
}
