//! `tpcc check`: consistency conditions 1–4 of TPC-C 5.11 §3.3.2.
//!
//! 1. W_YTD = sum(D_YTD) for each warehouse.
//! 2. D_NEXT_O_ID - 1 = max(O_ID) = max(NO_O_ID) for each district.
//! 3. max(NO_O_ID) - min(NO_O_ID) + 1 = number of NEW-ORDER rows, for each district.
//! 4. sum(O_OL_CNT) = number of ORDER-LINE rows, for each district.
//!
//! The server is asked only for plain per-table aggregates inside one REPEATABLE READ
//! transaction (a consistent snapshot even while terminals run); the comparisons happen here,
//! with exact decimals, so a young server needs no correlated subqueries to be checked.

use std::collections::BTreeMap;

use serde::Serialize;
use tokio_postgres::types::FromSql;
use tokio_postgres::{Client, Row};

use crate::connection::connect;
use crate::error::DriverError;
use crate::numeric::Decimal4;

/// Violations listed per condition; more are only counted.
const VIOLATIONS_LISTED_MAX: usize = 10;

/// The verdict on one condition.
#[derive(Debug, Clone, Serialize)]
pub struct ConditionResult {
    /// 1..=4.
    pub number: u8,
    /// What it requires.
    pub description: &'static str,
    /// Warehouses or districts examined.
    pub checked: u64,
    /// How many broke the condition.
    pub violation_count: u64,
    /// The first few, in words.
    pub violations: Vec<String>,
}

impl ConditionResult {
    fn new(number: u8, description: &'static str) -> Self {
        Self {
            number,
            description,
            checked: 0,
            violation_count: 0,
            violations: Vec::new(),
        }
    }

    fn verify(&mut self, holds: bool, describe: impl FnOnce() -> String) {
        self.checked += 1;
        if !holds {
            self.violation_count += 1;
            if self.violations.len() < VIOLATIONS_LISTED_MAX {
                self.violations.push(describe());
            }
        }
    }

    /// Whether the condition holds.
    pub fn passed(&self) -> bool {
        self.violation_count == 0
    }
}

/// The result of `tpcc check`.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// Always `tpcc-check`.
    pub benchmark: &'static str,
    /// All four hold.
    pub passed: bool,
    /// Conditions 1..=4.
    pub conditions: Vec<ConditionResult>,
}

impl CheckReport {
    /// One line per condition, then the listed violations.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        for condition in &self.conditions {
            text.push_str(&format!(
                "condition {} ({}): {} ({} checked, {} violations)\n",
                condition.number,
                condition.description,
                if condition.passed() { "ok" } else { "FAILED" },
                condition.checked,
                condition.violation_count
            ));
            for violation in &condition.violations {
                text.push_str(&format!("  {violation}\n"));
            }
        }
        text
    }
}

async fn rows(client: &Client, sql: &str) -> Result<Vec<Row>, DriverError> {
    client
        .query(sql, &[])
        .await
        .map_err(|error| DriverError::database(sql, &error))
}

fn value<'a, T: FromSql<'a>>(row: &'a Row, index: usize, sql: &str) -> Result<T, DriverError> {
    row.try_get(index)
        .map_err(|error| DriverError::database(sql, &error))
}

#[derive(Debug, Default, Clone, Copy)]
struct DistrictFigures {
    next_order_id: i32,
    max_order_id: Option<i32>,
    order_line_count_sum: Option<i64>,
    new_orders: Option<(i32, i32, i64)>,
    order_lines: Option<i64>,
}

/// Checks conditions 1–4 on the database at `url`.
pub async fn check(url: &str) -> Result<CheckReport, DriverError> {
    let client = connect(url).await?;
    let begin = "BEGIN ISOLATION LEVEL REPEATABLE READ";
    client
        .batch_execute(begin)
        .await
        .map_err(|error| DriverError::database(begin, &error))?;

    let sql = "SELECT w_id, w_ytd FROM warehouse";
    let mut warehouses: BTreeMap<i32, (Decimal4, Decimal4)> = BTreeMap::new();
    for row in rows(&client, sql).await? {
        warehouses.insert(value(&row, 0, sql)?, (value(&row, 1, sql)?, Decimal4::ZERO));
    }

    let sql = "SELECT d_w_id, d_id, d_ytd, d_next_o_id FROM district";
    let mut districts: BTreeMap<(i32, i32), DistrictFigures> = BTreeMap::new();
    let mut orphan_districts = Vec::new();
    for row in rows(&client, sql).await? {
        let key: (i32, i32) = (value(&row, 0, sql)?, value(&row, 1, sql)?);
        let year_to_date: Decimal4 = value(&row, 2, sql)?;
        match warehouses.get_mut(&key.0) {
            Some((_, sum)) => *sum += year_to_date,
            None => orphan_districts.push(key),
        }
        districts.insert(
            key,
            DistrictFigures {
                next_order_id: value(&row, 3, sql)?,
                ..DistrictFigures::default()
            },
        );
    }

    let sql = "SELECT o_w_id, o_d_id, MAX(o_id), SUM(o_ol_cnt) FROM orders GROUP BY o_w_id, o_d_id";
    for row in rows(&client, sql).await? {
        let key = (value(&row, 0, sql)?, value(&row, 1, sql)?);
        let figures = districts.entry(key).or_default();
        figures.max_order_id = value(&row, 2, sql)?;
        figures.order_line_count_sum = value(&row, 3, sql)?;
    }
    let sql = "SELECT no_w_id, no_d_id, MAX(no_o_id), MIN(no_o_id), COUNT(*) FROM new_order \
               GROUP BY no_w_id, no_d_id";
    for row in rows(&client, sql).await? {
        let key = (value(&row, 0, sql)?, value(&row, 1, sql)?);
        districts.entry(key).or_default().new_orders = Some((
            value(&row, 2, sql)?,
            value(&row, 3, sql)?,
            value(&row, 4, sql)?,
        ));
    }
    let sql = "SELECT ol_w_id, ol_d_id, COUNT(*) FROM order_line GROUP BY ol_w_id, ol_d_id";
    for row in rows(&client, sql).await? {
        let key = (value(&row, 0, sql)?, value(&row, 1, sql)?);
        districts.entry(key).or_default().order_lines = Some(value(&row, 2, sql)?);
    }
    client
        .batch_execute("COMMIT")
        .await
        .map_err(|error| DriverError::database("COMMIT", &error))?;

    let mut first = ConditionResult::new(1, "W_YTD = sum(D_YTD)");
    if warehouses.is_empty() {
        first.verify(false, || "WAREHOUSE is empty".to_owned());
    }
    for (warehouse_id, (year_to_date, district_sum)) in &warehouses {
        first.verify(year_to_date == district_sum, || {
            format!("warehouse {warehouse_id}: W_YTD {year_to_date} but sum(D_YTD) {district_sum}")
        });
    }
    for (warehouse_id, district_id) in orphan_districts {
        first.verify(false, || {
            format!("district ({warehouse_id}, {district_id}) has no warehouse")
        });
    }

    let mut second = ConditionResult::new(2, "D_NEXT_O_ID - 1 = max(O_ID) = max(NO_O_ID)");
    let mut third = ConditionResult::new(3, "max(NO_O_ID) - min(NO_O_ID) + 1 = rows in NEW-ORDER");
    let mut fourth = ConditionResult::new(4, "sum(O_OL_CNT) = rows in ORDER-LINE");
    for ((warehouse_id, district_id), figures) in &districts {
        let place = format!("district ({warehouse_id}, {district_id})");
        let last_order = figures.next_order_id - 1;
        let new_order_max = figures.new_orders.map(|(max, _, _)| max);
        second.verify(
            figures.max_order_id == Some(last_order)
                && new_order_max.is_none_or(|max| max == last_order),
            || {
                format!(
                    "{place}: D_NEXT_O_ID - 1 = {last_order}, max(O_ID) = {:?}, max(NO_O_ID) = {:?}",
                    figures.max_order_id, new_order_max
                )
            },
        );
        if let Some((max, min, count)) = figures.new_orders {
            third.verify(i64::from(max) - i64::from(min) + 1 == count, || {
                format!("{place}: NO_O_ID spans {min}..={max} but there are {count} rows")
            });
        }
        let lines = figures.order_lines.unwrap_or(0);
        fourth.verify(figures.order_line_count_sum.unwrap_or(0) == lines, || {
            format!(
                "{place}: sum(O_OL_CNT) = {:?} but ORDER-LINE has {lines} rows",
                figures.order_line_count_sum
            )
        });
    }
    let conditions = vec![first, second, third, fourth];
    Ok(CheckReport {
        benchmark: "tpcc-check",
        passed: conditions.iter().all(ConditionResult::passed),
        conditions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_fails_on_any_violation() {
        let mut condition = ConditionResult::new(1, "x");
        condition.verify(true, || unreachable!("only called on violation"));
        assert!(condition.passed());
        for index in 0..15 {
            condition.verify(false, || format!("violation {index}"));
        }
        assert!(!condition.passed());
        assert_eq!(condition.violation_count, 15);
        assert_eq!(condition.violations.len(), VIOLATIONS_LISTED_MAX);
    }
}
