//! The comparison report: reads the JSON files one `benches/compare.sh` run leaves in
//! `results/<timestamp>/`, and turns them into a table (metric | PostgreSQL | db001 | ratio),
//! `summary.json`, `summary.md` and `chart.svg`.
//!
//! Layout it reads: `<results>/<mode>/<server>/<step>.json`, where mode is `sync_on` or
//! `sync_off`, server is `postgresql` or `db001`, and step is one of `tpcc_load`,
//! `tpcc_run_t<T>`, `tpcc_check`, `ycsb_load`, `ycsb_run_<workload>`. Each file is what the
//! `tpcc`/`ycsb` commands wrote with `--json`, or, when a step could not run at all,
//! `{"error": {"context": ..., "message": ...}}` written by the script. Files are read as
//! untyped JSON so a failure record, a success report and a missing file are all handled.
//!
//! A cell holds a number only when the step ran cleanly. If it failed, or a run recorded
//! errors, the cell says which statement failed instead: a benchmark that could not execute
//! part of its mix is not comparable.

pub mod svg;

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

/// The two servers, in column order.
pub const SERVERS: [&str; 2] = ["postgresql", "db001"];

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    /// A measured figure.
    Value(f64),
    /// Pass/fail or other text that is not a number.
    Text(String),
    /// Why there is no figure: the statement or step that failed.
    Failed(String),
    /// The step was not run.
    Missing,
}

impl Cell {
    /// The number, if any.
    pub fn number(&self) -> Option<f64> {
        match self {
            Cell::Value(value) => Some(*value),
            _ => None,
        }
    }

    /// For the table.
    pub fn display(&self, width: usize) -> String {
        match self {
            Cell::Value(value) => format_number(*value),
            Cell::Text(text) => text.clone(),
            Cell::Failed(reason) => shorten(&format!("failed: {reason}"), width),
            Cell::Missing => "-".to_owned(),
        }
    }
}

/// Numbers with sensible precision for a table.
pub fn format_number(value: f64) -> String {
    if value.abs() >= 100.0 {
        format!("{value:.0}")
    } else if value.abs() >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(width.saturating_sub(3)).collect();
    short.push_str("...");
    short
}

/// One row of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// What is measured, e.g. `TPC-C W=2 T=4 tpmC`.
    pub metric: String,
    /// Unit, e.g. `tpmC`, `ops/s`, `ms`, `s`.
    pub unit: String,
    /// Whether a larger number is better (throughput) or worse (latency, time).
    pub higher_is_better: bool,
    /// PostgreSQL's side.
    pub postgresql: Cell,
    /// db001's side.
    pub db001: Cell,
    /// db001 / PostgreSQL when both are numbers.
    pub ratio: Option<f64>,
    /// Whether the row is a throughput figure worth charting.
    pub chart: bool,
}

/// All rows of one durability mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModeReport {
    /// `sync_on` or `sync_off`.
    pub mode: String,
    /// In display order.
    pub rows: Vec<Row>,
}

fn read_json(path: &Path) -> Option<Value> {
    let text = fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn error_text(error: &Value) -> String {
    let field = |name: &str| {
        error
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut text = field("context");
    let message = field("message");
    if !message.is_empty() {
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&message);
    }
    if let Some(code) = error.get("sqlstate").and_then(Value::as_str) {
        text.push_str(&format!(" (SQLSTATE {code})"));
    }
    text
}

/// Why a step's report cannot be used, if it cannot: a failure record, a skip note, or a run
/// that recorded errors (then the most frequent failing statement).
pub fn failure_of(report: &Value) -> Option<String> {
    if let Some(error) = report.get("error") {
        return Some(error_text(error));
    }
    if let Some(reason) = report.get("skipped").and_then(Value::as_str) {
        return Some(format!("skipped: {reason}"));
    }
    let errors = report.get("errors").and_then(Value::as_u64).unwrap_or(0);
    let lost = report
        .get("terminals_lost")
        .or_else(|| report.get("threads_lost"));
    let lost = lost.and_then(Value::as_u64).unwrap_or(0);
    if errors == 0 && lost == 0 {
        return None;
    }
    let details = report.get("error_details").and_then(Value::as_array);
    let worst = details.and_then(|details| {
        details
            .iter()
            .max_by_key(|detail| detail.get("count").and_then(Value::as_u64).unwrap_or(0))
    });
    Some(match worst {
        Some(detail) => {
            let field = |name: &str| {
                detail
                    .get(name)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let mut text = format!(
                "{} ({errors} errors): {}",
                field("statement"),
                field("message")
            );
            if let Some(code) = detail.get("sqlstate").and_then(Value::as_str) {
                text.push_str(&format!(" (SQLSTATE {code})"));
            }
            if let Some(sql) = detail.get("sql").and_then(Value::as_str) {
                text.push_str(&format!(" [{sql}]"));
            }
            text
        }
        None => format!("{errors} errors, {lost} connections lost"),
    })
}

fn cell(report: Option<&Value>, extract: &dyn Fn(&Value) -> Option<f64>) -> Cell {
    let Some(report) = report else {
        return Cell::Missing;
    };
    if let Some(reason) = failure_of(report) {
        return Cell::Failed(reason);
    }
    match extract(report) {
        Some(value) => Cell::Value(value),
        None => Cell::Failed("the report lacks this figure".to_owned()),
    }
}

fn path_number(report: &Value, path: &[&str]) -> Option<f64> {
    let mut current = report;
    for key in path {
        current = current.get(*key)?;
    }
    current.as_f64()
}

/// Latency percentile `field` (e.g. `p95_ms`) of entry `name` in array `list`.
fn latency(report: &Value, list: &str, name: &str, field: &str) -> Option<f64> {
    report
        .get(list)?
        .as_array()?
        .iter()
        .find(|entry| entry.get("name").and_then(Value::as_str) == Some(name))?
        .get("latency_ms")?
        .get(field)?
        .as_f64()
}

/// The reports of one step for both servers.
struct StepReports {
    reports: [Option<Value>; 2],
}

impl StepReports {
    fn read(mode_directory: &Path, step: &str) -> Self {
        let reports = SERVERS
            .map(|server| read_json(&mode_directory.join(server).join(format!("{step}.json"))));
        Self { reports }
    }

    fn exists(&self) -> bool {
        self.reports.iter().any(Option::is_some)
    }

    fn row(
        &self,
        metric: String,
        unit: &str,
        higher_is_better: bool,
        chart: bool,
        extract: &dyn Fn(&Value) -> Option<f64>,
    ) -> Row {
        let postgresql = cell(self.reports[0].as_ref(), extract);
        let db001 = cell(self.reports[1].as_ref(), extract);
        let ratio = match (postgresql.number(), db001.number()) {
            (Some(base), Some(ours)) if base != 0.0 => Some(ours / base),
            _ => None,
        };
        Row {
            metric,
            unit: unit.to_owned(),
            higher_is_better,
            postgresql,
            db001,
            ratio,
            chart,
        }
    }
}

fn step_names(mode_directory: &Path, prefix: &str) -> Vec<String> {
    let mut names: Vec<String> = SERVERS
        .iter()
        .filter_map(|server| fs::read_dir(mode_directory.join(server)).ok())
        .flatten()
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            let step = name.strip_suffix(".json")?;
            step.starts_with(prefix).then(|| step.to_owned())
        })
        .collect();
    names.sort_by_key(|name| {
        let suffix = &name[prefix.len()..];
        (suffix.parse::<u64>().unwrap_or(u64::MAX), suffix.to_owned())
    });
    names.dedup();
    names
}

fn warehouses_of(reports: &StepReports) -> String {
    reports
        .reports
        .iter()
        .flatten()
        .find_map(|report| report.get("warehouses").and_then(Value::as_u64))
        .map(|warehouses| warehouses.to_string())
        .unwrap_or_else(|| "?".to_owned())
}

/// Builds the rows of one mode directory.
pub fn mode_report(mode_directory: &Path) -> ModeReport {
    let mode = mode_directory
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut rows = Vec::new();

    let load = StepReports::read(mode_directory, "tpcc_load");
    if load.exists() {
        let warehouses = warehouses_of(&load);
        rows.push(load.row(
            format!("TPC-C load W={warehouses} time"),
            "s",
            false,
            false,
            &|report| path_number(report, &["seconds"]),
        ));
    }
    for step in step_names(mode_directory, "tpcc_run_t") {
        let reports = StepReports::read(mode_directory, &step);
        let warehouses = warehouses_of(&reports);
        let terminals = &step["tpcc_run_t".len()..];
        let label = format!("TPC-C W={warehouses} T={terminals}");
        rows.push(
            reports.row(format!("{label} tpmC"), "tpmC", true, true, &|report| {
                path_number(report, &["tpmc"])
            }),
        );
        rows.push(
            reports.row(format!("{label} TPS"), "txn/s", true, false, &|report| {
                path_number(report, &["tps"])
            }),
        );
        for (transaction, label_name) in [("new_order", "New-Order"), ("payment", "Payment")] {
            rows.push(reports.row(
                format!("{label} {label_name} p95"),
                "ms",
                false,
                false,
                &|report| latency(report, "transactions", transaction, "p95_ms"),
            ));
        }
    }
    let check = StepReports::read(mode_directory, "tpcc_check");
    if check.exists() {
        let verdict = |report: Option<&Value>| match report {
            None => Cell::Missing,
            Some(report) => match failure_of(report) {
                Some(reason) => Cell::Failed(reason),
                None => match report.get("passed").and_then(Value::as_bool) {
                    Some(true) => Cell::Text("pass".to_owned()),
                    Some(false) => Cell::Text(failed_conditions(report)),
                    None => Cell::Failed("the report lacks a verdict".to_owned()),
                },
            },
        };
        rows.push(Row {
            metric: "TPC-C consistency (§3.3.2 1-4)".to_owned(),
            unit: String::new(),
            higher_is_better: true,
            postgresql: verdict(check.reports[0].as_ref()),
            db001: verdict(check.reports[1].as_ref()),
            ratio: None,
            chart: false,
        });
    }
    let ycsb_load = StepReports::read(mode_directory, "ycsb_load");
    if ycsb_load.exists() {
        rows.push(
            ycsb_load.row("YCSB load".to_owned(), "ops/s", true, false, &|report| {
                path_number(report, &["throughput_ops_per_second"])
            }),
        );
    }
    for step in step_names(mode_directory, "ycsb_run_") {
        let reports = StepReports::read(mode_directory, &step);
        let workload = step["ycsb_run_".len()..].to_ascii_uppercase();
        rows.push(reports.row(
            format!("YCSB {workload} throughput"),
            "ops/s",
            true,
            true,
            &|report| path_number(report, &["throughput_ops_per_second"]),
        ));
        let kinds: Vec<String> = reports
            .reports
            .iter()
            .flatten()
            .filter_map(|report| report.get("operations_by_kind")?.as_array().cloned())
            .flatten()
            .filter_map(|kind| kind.get("name")?.as_str().map(str::to_owned))
            .fold(Vec::new(), |mut kinds, name| {
                if !kinds.contains(&name) {
                    kinds.push(name);
                }
                kinds
            });
        for kind in kinds {
            rows.push(reports.row(
                format!("YCSB {workload} {kind} p99"),
                "ms",
                false,
                false,
                &|report| latency(report, "operations_by_kind", &kind, "p99_ms"),
            ));
        }
    }
    ModeReport { mode, rows }
}

fn failed_conditions(report: &Value) -> String {
    let failed: Vec<String> = report
        .get("conditions")
        .and_then(Value::as_array)
        .map(|conditions| {
            conditions
                .iter()
                .filter(|condition| {
                    condition
                        .get("violation_count")
                        .and_then(Value::as_u64)
                        .unwrap_or(0)
                        > 0
                })
                .filter_map(|condition| condition.get("number").and_then(Value::as_u64))
                .map(|number| number.to_string())
                .collect()
        })
        .unwrap_or_default();
    format!("FAIL (conditions {})", failed.join(", "))
}

/// Mode directories (`sync_on` before `sync_off`) under a results directory.
pub fn mode_directories(results: &Path) -> Vec<PathBuf> {
    ["sync_on", "sync_off"]
        .iter()
        .map(|mode| results.join(mode))
        .filter(|directory| directory.is_dir())
        .collect()
}

/// The table as fixed-width text (also valid Markdown).
pub fn table_text(report: &ModeReport) -> String {
    const VALUE_WIDTH: usize = 60;
    let metric_width = report
        .rows
        .iter()
        .map(|row| row.metric.len() + row.unit.len() + 3)
        .max()
        .unwrap_or(10)
        .max(6);
    let cells: Vec<[String; 3]> = report
        .rows
        .iter()
        .map(|row| {
            [
                row.postgresql.display(VALUE_WIDTH),
                row.db001.display(VALUE_WIDTH),
                row.ratio
                    .map(|ratio| format!("{ratio:.2}"))
                    .unwrap_or_else(|| "-".to_owned()),
            ]
        })
        .collect();
    let width = |column: usize, header: &str| {
        cells
            .iter()
            .map(|cell| cell[column].chars().count())
            .max()
            .unwrap_or(0)
            .max(header.len())
    };
    let widths = [width(0, "PostgreSQL"), width(1, "db001"), width(2, "ratio")];
    let mut text = format!(
        "| {:<metric_width$} | {:>w0$} | {:>w1$} | {:>w2$} |\n",
        "metric",
        "PostgreSQL",
        "db001",
        "ratio",
        w0 = widths[0],
        w1 = widths[1],
        w2 = widths[2]
    );
    text.push_str(&format!(
        "|{}|{}:|{}:|{}:|\n",
        "-".repeat(metric_width + 2),
        "-".repeat(widths[0] + 1),
        "-".repeat(widths[1] + 1),
        "-".repeat(widths[2] + 1)
    ));
    for (row, cell) in report.rows.iter().zip(&cells) {
        let metric = if row.unit.is_empty() {
            row.metric.clone()
        } else {
            format!("{} ({})", row.metric, row.unit)
        };
        text.push_str(&format!(
            "| {:<metric_width$} | {:>w0$} | {:>w1$} | {:>w2$} |\n",
            metric,
            cell[0],
            cell[1],
            cell[2],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failures_name_the_statement() {
        let failed_step = json!({"benchmark": "tpcc-load", "error": {"context": "COPY stock", "sqlstate": "0A000", "message": "COPY is not supported"}});
        assert_eq!(
            failure_of(&failed_step).as_deref(),
            Some("COPY stock: COPY is not supported (SQLSTATE 0A000)")
        );
        let run_with_errors = json!({
            "tpmc": 10.0, "errors": 12, "terminals_lost": 0,
            "error_details": [
                {"statement": "payment.warehouse", "message": "rare", "sqlstate": null, "count": 2},
                {"statement": "stock_level.low_stock", "sql": "SELECT COUNT(DISTINCT s_i_id) ...", "message": "COUNT(DISTINCT) is not supported", "sqlstate": "0A000", "count": 10}
            ]
        });
        let reason = failure_of(&run_with_errors).expect("errors make the run unusable");
        assert!(reason.starts_with("stock_level.low_stock (12 errors): COUNT(DISTINCT) is not supported (SQLSTATE 0A000)"), "{reason}");
        assert_eq!(
            failure_of(&json!({"tpmc": 5.0, "errors": 0, "terminals_lost": 0})),
            None
        );
        assert_eq!(
            failure_of(&json!({"skipped": "tpcc load failed"})).as_deref(),
            Some("skipped: tpcc load failed")
        );
    }

    #[test]
    fn cells_and_ratios() {
        let reports = StepReports {
            reports: [
                Some(json!({"tpmc": 1000.0, "errors": 0})),
                Some(json!({"tpmc": 250.0, "errors": 0})),
            ],
        };
        let row = reports.row("x".to_owned(), "tpmC", true, true, &|report| {
            path_number(report, &["tpmc"])
        });
        assert_eq!(row.postgresql, Cell::Value(1000.0));
        assert_eq!(row.ratio, Some(0.25));
        let reports = StepReports {
            reports: [Some(json!({"tpmc": 1000.0})), None],
        };
        let row = reports.row("x".to_owned(), "tpmC", true, true, &|report| {
            path_number(report, &["tpmc"])
        });
        assert_eq!(row.db001, Cell::Missing);
        assert_eq!(row.ratio, None);
    }

    #[test]
    fn numbers_are_formatted_for_reading() {
        assert_eq!(format_number(12345.678), "12346");
        assert_eq!(format_number(12.345), "12.35");
        assert_eq!(format_number(0.12345), "0.123");
        assert_eq!(
            Cell::Failed("x".repeat(100)).display(20).chars().count(),
            20
        );
    }
}
