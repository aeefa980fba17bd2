//! `compare-report RESULTS_DIR`: prints the comparison tables of a `benches/compare.sh` run and
//! writes `summary.json`, `summary.md` and `chart.svg` into the same directory.

use std::path::PathBuf;
use std::process::ExitCode;

use db001_benches::compare::{ModeReport, mode_directories, mode_report, svg, table_text};

fn heading(mode: &str) -> String {
    match mode {
        "sync_on" => "synchronous_commit = on (fsync on)".to_owned(),
        "sync_off" => "synchronous_commit = off (fsync on)".to_owned(),
        other => other.to_owned(),
    }
}

fn main() -> ExitCode {
    let Some(results) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: compare-report RESULTS_DIR");
        return ExitCode::from(2);
    };
    let modes: Vec<ModeReport> = mode_directories(&results)
        .iter()
        .map(|directory| mode_report(directory))
        .collect();
    if modes.is_empty() {
        eprintln!(
            "no sync_on or sync_off directory under {}",
            results.display()
        );
        return ExitCode::FAILURE;
    }
    let mut markdown = String::from("# db001 vs PostgreSQL 15\n\n");
    if let Ok(settings) = std::fs::read_to_string(results.join("settings.txt")) {
        markdown.push_str("```\n");
        markdown.push_str(&settings);
        markdown.push_str("```\n\n");
    }
    markdown.push_str("Ratio = db001 / PostgreSQL (above 1 is better for throughput, worse for times and latencies).\n\n");
    for mode in &modes {
        let table = table_text(mode);
        println!("\n{}\n{table}", heading(&mode.mode));
        markdown.push_str(&format!("## {}\n\n{table}\n", heading(&mode.mode)));
    }
    let outputs = [
        ("summary.md", markdown),
        (
            "summary.json",
            match serde_json::to_string_pretty(&modes) {
                Ok(json) => json + "\n",
                Err(error) => {
                    eprintln!("cannot serialise the summary: {error}");
                    return ExitCode::FAILURE;
                }
            },
        ),
        (
            "chart.svg",
            svg::chart(
                "db001 vs PostgreSQL 15 (throughput; higher is better)",
                &modes,
            ),
        ),
    ];
    for (name, content) in outputs {
        let path = results.join(name);
        if let Err(error) = std::fs::write(&path, content) {
            eprintln!("cannot write {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!(
        "\nwrote {}/summary.md, summary.json and chart.svg",
        results.display()
    );
    ExitCode::SUCCESS
}
