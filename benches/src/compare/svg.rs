//! The comparison chart as a self-contained SVG: one panel per throughput metric, one horizontal
//! bar per (durability mode, server), each bar labelled with its value — or with "failed" when
//! the server could not run the workload. Hand-written so the chart needs no plotting library.

use std::fmt::Write as _;

use crate::compare::{Cell, ModeReport, format_number};

const PANEL_WIDTH: f64 = 420.0;
const PANEL_HEADER: f64 = 28.0;
const BAR_HEIGHT: f64 = 18.0;
const BAR_GAP: f64 = 6.0;
const LABEL_WIDTH: f64 = 140.0;
const VALUE_WIDTH: f64 = 70.0;
const COLUMNS: usize = 2;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn color(server: usize, mode: usize) -> &'static str {
    match (server, mode) {
        (0, 0) => "#336791",
        (0, _) => "#7fa7c9",
        (_, 0) => "#d35400",
        _ => "#f0a868",
    }
}

/// The failing step or statement of a failure text: "prepare new_order.stock_for_update: SELECT
/// ...: message (SQLSTATE 0A000)" becomes "failed: new_order.stock_for_update (0A000)".
fn short_reason(reason: &str) -> String {
    let subject = reason.strip_prefix("prepare ").unwrap_or(reason);
    let subject = subject.split(": ").next().unwrap_or(subject);
    let code = reason.rfind("(SQLSTATE ").map(|start| {
        reason[start + "(SQLSTATE ".len()..]
            .trim_end_matches(')')
            .to_owned()
    });
    match code {
        Some(code) => format!("failed: {subject} ({code})"),
        None => format!("failed: {subject}"),
    }
}

/// One bar: its label, its cell and its colour.
struct Bar {
    label: String,
    cell: Cell,
    color: &'static str,
}

/// Renders every charted row of `modes` (rows are matched by metric name across modes).
pub fn chart(title: &str, modes: &[ModeReport]) -> String {
    let mut metrics: Vec<String> = Vec::new();
    for mode in modes {
        for row in mode.rows.iter().filter(|row| row.chart) {
            if !metrics.contains(&row.metric) {
                metrics.push(row.metric.clone());
            }
        }
    }
    let bars_per_panel = modes.len() * 2;
    let panel_height = PANEL_HEADER + bars_per_panel as f64 * (BAR_HEIGHT + BAR_GAP) + 10.0;
    let rows = metrics.len().div_ceil(COLUMNS).max(1);
    let width = PANEL_WIDTH * COLUMNS as f64 + 20.0;
    let height = 50.0 + rows as f64 * panel_height;
    let mut svg = String::new();
    let mut out = |text: String| svg.push_str(&text);
    out(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n"
    ));
    out(format!(
        "<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n"
    ));
    out(format!(
        "<text x=\"10\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{}</text>\n",
        escape(title)
    ));
    for (index, metric) in metrics.iter().enumerate() {
        let left = 10.0 + (index % COLUMNS) as f64 * PANEL_WIDTH;
        let top = 40.0 + (index / COLUMNS) as f64 * panel_height;
        let mut bars = Vec::new();
        let mut unit = String::new();
        for (mode_index, mode) in modes.iter().enumerate() {
            let row = mode.rows.iter().find(|row| &row.metric == metric);
            if let Some(row) = row {
                unit.clone_from(&row.unit);
            }
            let mode_label = mode.mode.replace("sync_", "sync ");
            for (server_index, server) in ["PostgreSQL", "db001"].iter().enumerate() {
                let cell = match row {
                    Some(row) if server_index == 0 => row.postgresql.clone(),
                    Some(row) => row.db001.clone(),
                    None => Cell::Missing,
                };
                bars.push(Bar {
                    label: format!("{server}, {mode_label}"),
                    cell,
                    color: color(server_index, mode_index),
                });
            }
        }
        let largest = bars
            .iter()
            .filter_map(|bar| bar.cell.number())
            .fold(0.0, f64::max);
        out(format!(
            "<text x=\"{left}\" y=\"{}\" font-weight=\"bold\">{} ({})</text>\n",
            top + 16.0,
            escape(metric),
            escape(&unit)
        ));
        let bar_space = PANEL_WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20.0;
        for (bar_index, bar) in bars.iter().enumerate() {
            let y = top + PANEL_HEADER + bar_index as f64 * (BAR_HEIGHT + BAR_GAP);
            out(format!(
                "<text x=\"{left}\" y=\"{}\">{}</text>\n",
                y + BAR_HEIGHT - 5.0,
                escape(&bar.label)
            ));
            let bar_left = left + LABEL_WIDTH;
            match &bar.cell {
                Cell::Value(value) => {
                    let length = if largest > 0.0 {
                        value / largest * bar_space
                    } else {
                        0.0
                    };
                    out(format!(
                        "<rect x=\"{bar_left}\" y=\"{y}\" width=\"{:.1}\" height=\"{BAR_HEIGHT}\" fill=\"{}\"/>\n",
                        length.max(1.0),
                        bar.color
                    ));
                    out(format!(
                        "<text x=\"{:.1}\" y=\"{}\">{}</text>\n",
                        bar_left + length.max(1.0) + 4.0,
                        y + BAR_HEIGHT - 5.0,
                        format_number(*value)
                    ));
                }
                Cell::Failed(reason) => {
                    let mut text = String::new();
                    write!(text, "failed: {reason}").expect("writing to a String cannot fail");
                    let short: String = short_reason(reason).chars().take(40).collect();
                    out(format!(
                        "<text x=\"{bar_left}\" y=\"{}\" fill=\"#c0392b\"><title>{}</title>{}</text>\n",
                        y + BAR_HEIGHT - 5.0,
                        escape(&text),
                        escape(&short)
                    ));
                }
                Cell::Text(text) => out(format!(
                    "<text x=\"{bar_left}\" y=\"{}\">{}</text>\n",
                    y + BAR_HEIGHT - 5.0,
                    escape(text)
                )),
                Cell::Missing => out(format!(
                    "<text x=\"{bar_left}\" y=\"{}\" fill=\"#888\">not run</text>\n",
                    y + BAR_HEIGHT - 5.0
                )),
            }
        }
    }
    out("</svg>\n".to_owned());
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Row;

    #[test]
    fn chart_has_a_bar_per_value_and_names_failures() {
        let row = |metric: &str, postgresql: Cell, db001: Cell| Row {
            metric: metric.to_owned(),
            unit: "ops/s".to_owned(),
            higher_is_better: true,
            postgresql,
            db001,
            ratio: None,
            chart: true,
        };
        let modes = vec![ModeReport {
            mode: "sync_on".to_owned(),
            rows: vec![
                row(
                    "YCSB A throughput",
                    Cell::Value(1000.0),
                    Cell::Failed("ycsb.update: <nope>".to_owned()),
                ),
                row(
                    "YCSB C throughput",
                    Cell::Value(4000.0),
                    Cell::Value(8000.0),
                ),
            ],
        }];
        let svg = chart("db001 vs PostgreSQL", &modes);
        assert!(svg.starts_with("<svg"));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(
            svg.matches("<rect x=").count(),
            3,
            "three numbers, three bars"
        );
        assert!(
            svg.contains("failed: ycsb.update: &lt;nope&gt;"),
            "the full reason is the tooltip"
        );
        assert!(
            svg.contains(">failed: ycsb.update<"),
            "the statement is the label"
        );
        assert_eq!(
            short_reason("prepare new_order.stock_for_update: SELECT 1: not yet (SQLSTATE 0A000)"),
            "failed: new_order.stock_for_update (0A000)"
        );
        assert!(svg.contains(">8000<"));
    }
}
