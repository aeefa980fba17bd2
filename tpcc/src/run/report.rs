//! Statistics of a run: per-terminal counters merged into the report that is printed and written
//! as JSON.
//!
//! tpmC counts New-Order transactions completed per minute of the measurement window, the 1%
//! intended rollbacks included (they are complete business transactions; their count is also
//! reported separately). TPS counts all five types. Latencies are per type, from the first BEGIN
//! to the final COMMIT/ROLLBACK, retries included.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::histogram::{Histogram, LatencySummary};
use crate::run::mix::TransactionType;
use crate::run::statements::sql_of;
use crate::run::transactions::Failure;

/// Counters of one transaction type.
#[derive(Debug, Clone, Default)]
pub struct TypeStats {
    /// Committed in the window.
    pub committed: u64,
    /// Rolled back as intended (New-Order's unused item) in the window.
    pub rolled_back: u64,
    /// Retries after 40001/40P01 of transactions finishing in the window.
    pub retries: u64,
    /// Transactions that failed (any time).
    pub failed: u64,
    /// Latency of completed transactions in the window.
    pub latency: Histogram,
}

/// A failure kind and how often it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorRecord {
    /// `new_order`, `payment`, ...
    pub transaction: String,
    /// Statement name, e.g. `new_order.stock_for_update`, or BEGIN/COMMIT.
    pub statement: String,
    /// The statement's SQL, when it is one of ours.
    pub sql: Option<String>,
    /// SQLSTATE, if the server sent one.
    pub sqlstate: Option<String>,
    /// The first message seen.
    pub message: String,
    /// Occurrences.
    pub count: u64,
}

/// One terminal's statistics.
#[derive(Debug, Clone, Default)]
pub struct TerminalStats {
    /// Indexed by [`TransactionType::index`].
    pub by_type: [TypeStats; 5],
    /// Distinct failures.
    pub errors: Vec<ErrorRecord>,
    /// Districts a Delivery found without undelivered orders.
    pub delivery_skipped_districts: u64,
    /// The terminal stopped early because its connection failed.
    pub connection_lost: bool,
}

/// Distinct failures kept per terminal; more are counted into the last record.
const ERROR_KINDS_MAX: usize = 64;

impl TerminalStats {
    /// Counts a failure of `kind`.
    pub fn record_error(&mut self, kind: TransactionType, failure: &Failure) {
        let existing = self.errors.iter().position(|record| {
            record.transaction == kind.name()
                && record.statement == failure.statement
                && record.sqlstate == failure.sqlstate
        });
        if let Some(index) = existing {
            self.errors[index].count += 1;
        } else if self.errors.len() >= ERROR_KINDS_MAX {
            if let Some(last) = self.errors.last_mut() {
                last.count += 1;
            }
        } else {
            self.errors.push(ErrorRecord {
                transaction: kind.name().to_owned(),
                statement: failure.statement.to_owned(),
                sql: sql_of(failure.statement).map(str::to_owned),
                sqlstate: failure.sqlstate.clone(),
                message: failure.message.clone(),
                count: 1,
            });
        }
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &TerminalStats) {
        for (mine, theirs) in self.by_type.iter_mut().zip(other.by_type.iter()) {
            mine.committed += theirs.committed;
            mine.rolled_back += theirs.rolled_back;
            mine.retries += theirs.retries;
            mine.failed += theirs.failed;
            mine.latency.merge(&theirs.latency);
        }
        for record in &other.errors {
            match self.errors.iter_mut().find(|mine| {
                mine.transaction == record.transaction
                    && mine.statement == record.statement
                    && mine.sqlstate == record.sqlstate
            }) {
                Some(mine) => mine.count += record.count,
                None => self.errors.push(record.clone()),
            }
        }
        self.delivery_skipped_districts += other.delivery_skipped_districts;
        self.connection_lost |= other.connection_lost;
    }
}

/// Figures of one transaction type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionReport {
    /// `new_order`, ...
    pub name: String,
    /// Completed in the window (committed + intended rollbacks).
    pub completed: u64,
    /// Committed.
    pub committed: u64,
    /// Intended rollbacks.
    pub rolled_back: u64,
    /// Retries after 40001/40P01.
    pub retries: u64,
    /// Failed transactions.
    pub errors: u64,
    /// Share of all completed transactions, in percent.
    pub share_percent: f64,
    /// Latency in milliseconds.
    pub latency_ms: LatencySummary,
}

/// The result of `tpcc run`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Always `tpcc`.
    pub benchmark: String,
    /// Scale factor.
    pub warehouses: i32,
    /// Terminals (connections).
    pub terminals: usize,
    /// Measurement window.
    pub duration_seconds: f64,
    /// Warm-up before it.
    pub warmup_seconds: f64,
    /// Isolation level of every transaction.
    pub isolation: String,
    /// New-Orders per minute.
    pub tpmc: f64,
    /// Transactions of all types per second.
    pub tps: f64,
    /// Completed transactions in the window.
    pub completed: u64,
    /// Intended New-Order rollbacks (the 1%).
    pub aborts: u64,
    /// Retries after serialization failures and deadlocks.
    pub retries: u64,
    /// Failed transactions.
    pub errors: u64,
    /// Districts Delivery found empty.
    pub delivery_skipped_districts: u64,
    /// Terminals that stopped because their connection failed.
    pub terminals_lost: usize,
    /// Per type, in the order New-Order, Payment, Order-Status, Delivery, Stock-Level.
    pub transactions: Vec<TransactionReport>,
    /// Distinct failures.
    pub error_details: Vec<ErrorRecord>,
}

/// What the report needs besides the statistics.
#[derive(Debug, Clone)]
pub struct RunShape {
    /// Scale factor.
    pub warehouses: i32,
    /// Terminals.
    pub terminals: usize,
    /// Window length in seconds.
    pub duration_seconds: f64,
    /// Warm-up in seconds.
    pub warmup_seconds: f64,
    /// Isolation level name.
    pub isolation: String,
}

impl RunReport {
    /// Builds the report from merged statistics.
    pub fn new(shape: &RunShape, stats: &TerminalStats, terminals_lost: usize) -> Self {
        let completed_of = |stats: &TypeStats| stats.committed + stats.rolled_back;
        let completed: u64 = stats.by_type.iter().map(completed_of).sum();
        let transactions = TransactionType::ALL
            .iter()
            .map(|kind| {
                let type_stats = &stats.by_type[kind.index()];
                TransactionReport {
                    name: kind.name().to_owned(),
                    completed: completed_of(type_stats),
                    committed: type_stats.committed,
                    rolled_back: type_stats.rolled_back,
                    retries: type_stats.retries,
                    errors: type_stats.failed,
                    share_percent: if completed == 0 {
                        0.0
                    } else {
                        completed_of(type_stats) as f64 * 100.0 / completed as f64
                    },
                    latency_ms: type_stats.latency.summary(),
                }
            })
            .collect::<Vec<_>>();
        let seconds = shape.duration_seconds.max(1e-9);
        let new_orders = transactions[TransactionType::NewOrder.index()].completed;
        RunReport {
            benchmark: "tpcc".to_owned(),
            warehouses: shape.warehouses,
            terminals: shape.terminals,
            duration_seconds: shape.duration_seconds,
            warmup_seconds: shape.warmup_seconds,
            isolation: shape.isolation.clone(),
            tpmc: new_orders as f64 * 60.0 / seconds,
            tps: completed as f64 / seconds,
            completed,
            aborts: stats.by_type[TransactionType::NewOrder.index()].rolled_back,
            retries: stats
                .by_type
                .iter()
                .map(|type_stats| type_stats.retries)
                .sum(),
            errors: stats
                .by_type
                .iter()
                .map(|type_stats| type_stats.failed)
                .sum(),
            delivery_skipped_districts: stats.delivery_skipped_districts,
            terminals_lost,
            transactions,
            error_details: stats.errors.clone(),
        }
    }

    /// The human-readable summary.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        let mut line = |content: String| {
            text.push_str(&content);
            text.push('\n');
        };
        line(format!(
            "TPC-C: {} warehouses, {} terminals, {:.0} s measured after {:.0} s warm-up, {}",
            self.warehouses,
            self.terminals,
            self.duration_seconds,
            self.warmup_seconds,
            self.isolation
        ));
        line(format!(
            "tpmC {:.1}   TPS {:.1}   completed {}   aborts (intended) {}   retries {}   errors {}",
            self.tpmc, self.tps, self.completed, self.aborts, self.retries, self.errors
        ));
        line(format!(
            "{:<13} {:>9} {:>7} {:>8} {:>7} {:>9} {:>9} {:>9} {:>9}",
            "transaction",
            "completed",
            "share%",
            "retries",
            "errors",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms"
        ));
        for transaction in &self.transactions {
            let latency = &transaction.latency_ms;
            line(format!(
                "{:<13} {:>9} {:>7.2} {:>8} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                transaction.name,
                transaction.completed,
                transaction.share_percent,
                transaction.retries,
                transaction.errors,
                latency.p50_ms,
                latency.p95_ms,
                latency.p99_ms,
                latency.max_ms
            ));
        }
        if self.delivery_skipped_districts > 0 {
            line(format!(
                "delivery skipped {} empty districts",
                self.delivery_skipped_districts
            ));
        }
        if self.terminals_lost > 0 {
            line(format!(
                "{} terminals lost their connection",
                self.terminals_lost
            ));
        }
        for error in &self.error_details {
            let mut detail = format!(
                "error x{} in {} at {}: {}",
                error.count, error.transaction, error.statement, error.message
            );
            if let Some(sqlstate) = &error.sqlstate {
                write!(detail, " (SQLSTATE {sqlstate})").expect("writing to a String cannot fail");
            }
            line(detail);
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_computes_rates_and_shares() {
        let mut first = TerminalStats::default();
        let mut second = TerminalStats::default();
        first.by_type[0].committed = 89;
        first.by_type[0].rolled_back = 1;
        first.by_type[1].committed = 86;
        second.by_type[2].committed = 8;
        second.by_type[3].committed = 8;
        second.by_type[4].committed = 8;
        second.by_type[1].retries = 3;
        for micros in [1000, 2000, 3000] {
            first.by_type[0].latency.record(micros);
        }
        let failure =
            Failure::unexpected("payment.customer_for_update", "expected one row, got none");
        second.record_error(TransactionType::Payment, &failure);
        second.record_error(TransactionType::Payment, &failure);
        first.merge(&second);
        let shape = RunShape {
            warehouses: 1,
            terminals: 2,
            duration_seconds: 30.0,
            warmup_seconds: 0.0,
            isolation: "read committed".to_owned(),
        };
        let report = RunReport::new(&shape, &first, 0);
        assert_eq!(report.completed, 200);
        assert!((report.tpmc - 180.0).abs() < 1e-9);
        assert!((report.tps - 200.0 / 30.0).abs() < 1e-9);
        assert_eq!(report.aborts, 1);
        assert_eq!(report.retries, 3);
        assert!((report.transactions[0].share_percent - 45.0).abs() < 1e-9);
        assert_eq!(report.transactions[0].latency_ms.count, 3);
        assert_eq!(report.error_details.len(), 1);
        assert_eq!(report.error_details[0].count, 2);
        assert!(
            report.error_details[0]
                .sql
                .as_deref()
                .is_some_and(|sql| sql.contains("FOR UPDATE"))
        );
        let text = report.to_text();
        assert!(text.contains("tpmC 180.0"), "{text}");
        assert!(text.contains("payment.customer_for_update"));
        let json = serde_json::to_string(&report).expect("serialisable");
        let back: RunReport = serde_json::from_str(&json).expect("deserialisable");
        assert_eq!(back, report);
    }
}
