//! pgbench against the `db001` binary: initialisation (`pgbench -i`, both the client-side COPY
//! load and `-I dtGvp` with server-side generate_series), then short runs of the built-in
//! tpcb-like and select-only scripts with `-M simple` and `-M prepared`, each with no failed
//! transaction, and afterwards sum(abalance) of pgbench_accounts equals sum(delta) of
//! pgbench_history. (`benches/pgbench.sh` runs the full-size comparison with PostgreSQL.)

use std::process::{Command, Output};

use db001_tests::TestServer;
use db001_tests::postgres::bin_dir;

fn pgbench(port: u16, args: &[&str]) -> Output {
    Command::new(bin_dir().join("pgbench"))
        .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres"])
        .args(args)
        .arg("postgres")
        .output()
        .expect("run pgbench")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn initialise(port: u16) {
    for args in [
        &["-i", "-q", "-s", "1"][..],
        &["-i", "-q", "-I", "dtGvp", "-s", "1"],
    ] {
        let output = pgbench(port, args);
        assert!(
            output.status.success(),
            "pgbench {args:?} failed:\n{}",
            text(&output)
        );
    }
    println!("pgbench -i: default and dtGvp loads done");
}

fn sums_match(port: u16) -> String {
    let output = Command::new(bin_dir().join("psql"))
        .args([
            "-X",
            "-At",
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
        ])
        .args([
            "-d",
            "postgres",
            "-c",
            "SELECT (SELECT sum(abalance) FROM pgbench_accounts), \
             (SELECT coalesce(sum(delta), 0) FROM pgbench_history), \
             (SELECT count(*) FROM pgbench_history)",
        ])
        .output()
        .expect("run psql");
    assert!(output.status.success(), "{}", text(&output));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn pgbench_tpcb_like_and_select_only_in_simple_and_prepared_mode() {
    let server = TestServer::start();
    let port = server.address().port();
    initialise(port);
    for script in ["tpcb-like", "select-only"] {
        for protocol in ["simple", "prepared"] {
            let output = pgbench(
                port,
                &[
                    "-n", "-b", script, "-M", protocol, "-c", "4", "-j", "2", "-T", "3",
                ],
            );
            let report = text(&output);
            assert!(
                output.status.success(),
                "pgbench {script} -M {protocol}:\n{report}\n{}",
                server.log()
            );
            assert!(
                report.contains("number of failed transactions: 0 "),
                "pgbench {script} -M {protocol} had failures:\n{report}"
            );
            let processed = report
                .lines()
                .find_map(|line| line.strip_prefix("number of transactions actually processed: "))
                .and_then(|n| n.split('/').next()?.trim().parse::<u64>().ok())
                .unwrap_or(0);
            assert!(
                processed > 0,
                "pgbench {script} -M {protocol} processed nothing:\n{report}"
            );
            let tps = report
                .lines()
                .find(|l| l.starts_with("tps = "))
                .unwrap_or("");
            println!("{script} -M {protocol}: {processed} transactions, {tps}");
        }
        let sums = sums_match(port);
        let parts: Vec<&str> = sums.split('|').collect();
        assert_eq!(parts.len(), 3, "{sums}");
        assert_eq!(parts[0], parts[1], "sum(abalance) != sum(delta): {sums}");
        if script == "tpcb-like" {
            assert_ne!(parts[2], "0", "tpcb-like wrote no history");
        }
    }
}
