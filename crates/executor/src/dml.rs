//! INSERT, UPDATE and DELETE.
//!
//! Each statement first reads everything it will change (with the statement's snapshot), then
//! writes. Reading first is what keeps `INSERT INTO t SELECT * FROM t` and an UPDATE that moves
//! rows along the index it scans from seeing their own writes (the Halloween problem).
//!
//! ## READ COMMITTED: re-checking the newest version (EvalPlanQual)
//!
//! Under READ COMMITTED, a row the statement's snapshot saw may have been changed by a
//! transaction that committed since. PostgreSQL then re-evaluates the statement's WHERE clause
//! on the row's *newest* version and, if it still matches, updates (or deletes, or locks) that
//! version, computing SET expressions from it; a row that no longer matches, or was deleted, is
//! skipped. db001 does the same, per row, in [`recheck`]: storage reports the concurrent update,
//! the executor reads the newest committed version, re-checks the scan's predicate and retries
//! the write with a snapshot that sees that version. So `UPDATE t SET n = n + 1` run
//! concurrently loses no increment and never fails, and `DELETE FROM t WHERE n = 10` racing
//! with `UPDATE t SET n = n + 1` deletes nothing if the row it saw has become 11.
//!
//! A row held by a live writer is different: the statement is undone, the session waits for the
//! writer, and runs the statement again *with the same snapshot*; on the second run the row
//! shows up as concurrently updated and is re-checked as above. Differences from PostgreSQL:
//! - PostgreSQL keeps the rows it already changed while it waits; db001 gives them up and
//!   redoes them. Rows changed meanwhile by others are re-checked when redone, which is a
//!   result PostgreSQL could also produce with other timing; but two statements that would
//!   deadlock in PostgreSQL may instead take turns in db001.
//! - The re-check covers the scan of the target table (its WHERE clause, including conditions
//!   used for index access). A plan whose target rows do not come from a plain scan of one table
//!   (a join, as `UPDATE ... FROM` would produce) falls back to re-running the whole statement
//!   on a fresh snapshot, which can change more rows than PostgreSQL would (rows that newly
//!   match) — stated here because it is not EvalPlanQual.

use db001_common::value::CastKind;
use db001_common::{Error, Result, Row, SqlState, Value, row_codec};
use db001_planner::plan::{Expr, InsertValue, Plan, Returning, TableRef};
use db001_storage::{TxnContext, WriteSet};
use db001_txn::Snapshot;

use crate::ExecContext;
use crate::constraints::{self, Effects};
use crate::eval::{Env, eval, eval_predicate};
use crate::operators::collect;

/// How often one row is re-checked before the statement gives up and re-runs on a fresh
/// snapshot (each round means another transaction committed a change to the row meanwhile).
const RECHECKS_PER_ROW_MAX: u32 = 1000;

/// What a write needs: the transaction and its write set.
#[derive(Debug)]
pub struct WriteContext<'a> {
    pub txn: TxnContext<'a>,
    pub write_set: &'a mut WriteSet,
}

/// Rows affected, and the RETURNING rows.
pub type DmlResult = (u64, Vec<Row>);

pub fn insert(
    ctx: &ExecContext,
    write: &mut WriteContext<'_>,
    table: &TableRef,
    source: &Plan,
    values: &[InsertValue],
    returning: Option<&Returning>,
) -> Result<DmlResult> {
    let env = Env { ctx, outer: None };
    let source_rows = collect(source, ctx, None)?;
    let mut returned = Vec::new();
    let mut effects = Effects::default();
    for source_row in &source_rows {
        let row = new_row(table, values, source_row, env)?;
        table.storage.insert(&write.txn, write.write_set, &row)?;
        effects.inserted(table, &row);
        if let Some(returning) = returning {
            returned.push(project(returning, &row, env)?);
        }
    }
    constraints::after_statement(write, table, effects, env)?;
    Ok((source_rows.len() as u64, returned))
}

/// The row an INSERT writes for one source row: values or defaults, cast to the columns'
/// types, checked against NOT NULL and CHECK constraints.
pub(crate) fn new_row(
    table: &TableRef,
    values: &[InsertValue],
    source_row: &Row,
    env: Env<'_>,
) -> Result<Row> {
    let mut row = Vec::with_capacity(values.len());
    for value in values {
        row.push(match value {
            InsertValue::Source(i) => source_row.get(*i).cloned().unwrap_or(Value::Null),
            InsertValue::Default(expr) => eval(expr, &Vec::new(), env)?,
            InsertValue::Null => Value::Null,
        });
    }
    let row = conform(table, row)?;
    constraints::check_row(table, &row, env)?;
    Ok(row)
}

pub fn update(
    ctx: &ExecContext,
    write: &mut WriteContext<'_>,
    table: &TableRef,
    scan: &Plan,
    assignments: &[(usize, db001_planner::plan::Expr)],
    returning: Option<&Returning>,
) -> Result<DmlResult> {
    let env = Env { ctx, outer: None };
    let width = table.schema.columns.len();
    let mut targets = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for mut row in collect(scan, ctx, None)? {
        let row_id = row_id_of(&mut row, width)?;
        // With FROM, a row may join several rows; the first match updates it.
        if !seen.insert(row_id) {
            continue;
        }
        let mut new_row = row[..width].to_vec();
        for (column, expr) in assignments {
            new_row[*column] = eval(expr, &row, env)?;
        }
        let extra = row.split_off(width);
        targets.push((row_id, row, new_row, extra));
    }
    let predicates = scan_predicates(scan, table);
    let mut count = 0;
    let mut returned = Vec::new();
    let mut effects = Effects::default();
    for (row_id, old, new, extra) in targets {
        let mut old = old;
        let mut new = conform(table, new)?;
        constraints::check_row(table, &new, env)?;
        let mut txn = write.txn;
        let mut rechecks = 0;
        let updated = loop {
            match table
                .storage
                .update(&txn, write.write_set, row_id, &old, &new)
            {
                Ok(updated) => break updated,
                Err(error) => {
                    let Some(newest) = recheck(
                        error,
                        &txn,
                        table,
                        row_id,
                        predicates.as_deref(),
                        env,
                        &mut rechecks,
                    )?
                    else {
                        break false;
                    };
                    let (read_ts, row) = newest;
                    let mut assigned = row.clone();
                    for (column, expr) in assignments {
                        assigned[*column] = eval(expr, &row, env)?;
                    }
                    old = row;
                    new = conform(table, assigned)?;
                    constraints::check_row(table, &new, env)?;
                    txn = bumped(&txn, read_ts);
                }
            }
        };
        if updated {
            count += 1;
            effects.updated(table, &old, &new);
            if let Some(returning) = returning {
                returned.push(project(returning, &joined(&new, extra), env)?);
            }
        }
    }
    constraints::after_statement(write, table, effects, env)?;
    Ok((count, returned))
}

/// A written row followed by the FROM (or USING) columns it was joined with, for RETURNING.
fn joined(row: &Row, extra: Row) -> Row {
    if extra.is_empty() {
        return row.clone();
    }
    let mut all = row.clone();
    all.extend(extra);
    all
}

/// The conjuncts a target row had to pass in a DML scan of `table` (the WHERE clause), or
/// `None` if the scan is not a plain scan of the table (then there is no per-row re-check).
pub(crate) fn scan_predicates<'a>(scan: &'a Plan, table: &TableRef) -> Option<Vec<&'a Expr>> {
    let mut predicates = Vec::new();
    let mut cursor = scan;
    loop {
        match cursor {
            Plan::Filter { input, predicate } => {
                predicates.push(predicate);
                cursor = input;
            }
            Plan::Scan {
                table: scanned,
                filter,
                with_row_id: true,
                ..
            } if scanned.schema.id == table.schema.id => {
                predicates.extend(filter.iter());
                return Some(predicates);
            }
            _ => return None,
        }
    }
}

/// A row with its row id appended, as a DML scan produces it.
fn with_row_id(row: &Row, row_id: u64) -> Row {
    let mut scanned = row.clone();
    scanned.push(Value::Int64(row_id as i64));
    scanned
}

/// The same transaction context with a snapshot that also sees commits up to `read_ts`.
pub(crate) fn bumped<'a>(txn: &TxnContext<'a>, read_ts: u64) -> TxnContext<'a> {
    TxnContext {
        snapshot: Snapshot {
            read_ts: read_ts.max(txn.snapshot.read_ts),
            own: txn.snapshot.own,
        },
        ..*txn
    }
}

/// READ COMMITTED's re-check after `error` from a write to `row_id` (see the module docs).
/// Returns the newest committed version (its timestamp and decoded row) if it still passes the
/// statement's predicates, `None` if the row is to be skipped, and passes every other error
/// (waits, serialization failures, a plan that cannot be re-checked) through.
pub(crate) fn recheck(
    error: Error,
    txn: &TxnContext<'_>,
    table: &TableRef,
    row_id: u64,
    predicates: Option<&[&Expr]>,
    env: Env<'_>,
    rechecks: &mut u32,
) -> Result<Option<(u64, Row)>> {
    // A concurrent update shows up as "wait for nobody" (see db001_storage::concurrent_update).
    if error.waiting_for() != Some(0) {
        return Err(error);
    }
    let Some(predicates) = predicates else {
        return Err(error);
    };
    *rechecks += 1;
    if *rechecks > RECHECKS_PER_ROW_MAX {
        return Err(error);
    }
    let Some((read_ts, data)) = table.storage.newest_committed(row_id, txn)? else {
        return Ok(None);
    };
    let mut row = row_codec::decode_row(&data)?;
    row.resize(table.schema.columns.len(), Value::Null);
    let scanned = with_row_id(&row, row_id);
    for predicate in predicates {
        if !eval_predicate(predicate, &scanned, env)? {
            return Ok(None);
        }
    }
    Ok(Some((read_ts, row)))
}

pub fn delete(
    ctx: &ExecContext,
    write: &mut WriteContext<'_>,
    table: &TableRef,
    scan: &Plan,
    returning: Option<&Returning>,
) -> Result<DmlResult> {
    let env = Env { ctx, outer: None };
    let width = table.schema.columns.len();
    let predicates = scan_predicates(scan, table);
    let mut count = 0;
    let mut returned = Vec::new();
    let mut effects = Effects::default();
    let mut seen = std::collections::HashSet::new();
    for mut row in collect(scan, ctx, None)? {
        let row_id = row_id_of(&mut row, width)?;
        if !seen.insert(row_id) {
            continue;
        }
        let extra = row.split_off(width);
        let mut txn = write.txn;
        let mut rechecks = 0;
        let deleted = loop {
            match table.storage.delete(&txn, write.write_set, row_id) {
                Ok(deleted) => break deleted,
                Err(error) => {
                    match recheck(
                        error,
                        &txn,
                        table,
                        row_id,
                        predicates.as_deref(),
                        env,
                        &mut rechecks,
                    )? {
                        Some((read_ts, newest)) => {
                            row = newest;
                            txn = bumped(&txn, read_ts);
                        }
                        None => break false,
                    }
                }
            }
        };
        if deleted {
            count += 1;
            effects.deleted(table, &row);
            if let Some(returning) = returning {
                returned.push(project(returning, &joined(&row, extra), env)?);
            }
        }
    }
    constraints::after_statement(write, table, effects, env)?;
    Ok((count, returned))
}

/// Removes and returns the trailing row id a DML scan appends (after the table's columns and,
/// for UPDATE ... FROM and DELETE ... USING, the joined columns).
pub(crate) fn row_id_of(row: &mut Row, width: usize) -> Result<u64> {
    match row.pop() {
        Some(Value::Int64(id)) if row.len() >= width => Ok(id as u64),
        _ => Err(Error::internal("DML scan row without a row id")),
    }
}

/// Casts each value to its column's type (assignment rules: typmods enforced) and checks NOT
/// NULL, with PostgreSQL's messages.
pub(crate) fn conform(table: &TableRef, row: Row) -> Result<Row> {
    let schema = &table.schema;
    let mut conformed = Vec::with_capacity(row.len());
    for (value, column) in row.into_iter().zip(&schema.columns) {
        if value.is_null() {
            conformed.push(Value::Null);
        } else {
            conformed.push(value.cast(column.data_type, CastKind::Assignment)?);
        }
    }
    if let Some(column) = schema
        .columns
        .iter()
        .zip(&conformed)
        .find_map(|(column, value)| (!column.nullable && value.is_null()).then_some(column))
    {
        return Err(Error::new(
            SqlState::NOT_NULL_VIOLATION,
            format!(
                "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                column.name, schema.name
            ),
        )
        .with_detail(constraints::failing_row(&conformed)));
    }
    Ok(conformed)
}

pub(crate) fn project(returning: &Returning, row: &Row, env: Env<'_>) -> Result<Row> {
    returning.exprs.iter().map(|e| eval(e, row, env)).collect()
}
