//! INSERT, UPDATE and DELETE.
//!
//! Each statement first reads everything it will change (with the statement's snapshot), then
//! writes. Reading first is what keeps `INSERT INTO t SELECT * FROM t` and an UPDATE that moves
//! rows along the index it scans from seeing their own writes (the Halloween problem).

use db001_common::value::CastKind;
use db001_common::{Error, Result, Row, SqlState, Value};
use db001_planner::plan::{InsertValue, Plan, Returning, TableRef};
use db001_storage::{TxnContext, WriteSet};

use crate::ExecContext;
use crate::constraints::{self, Effects};
use crate::eval::{Env, eval};
use crate::operators::collect;

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
    let mut count = 0;
    let mut returned = Vec::new();
    let mut effects = Effects::default();
    for (row_id, old, new, extra) in targets {
        let new = conform(table, new)?;
        constraints::check_row(table, &new, env)?;
        if table
            .storage
            .update(&write.txn, write.write_set, row_id, &old, &new)?
        {
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

pub fn delete(
    ctx: &ExecContext,
    write: &mut WriteContext<'_>,
    table: &TableRef,
    scan: &Plan,
    returning: Option<&Returning>,
) -> Result<DmlResult> {
    let env = Env { ctx, outer: None };
    let width = table.schema.columns.len();
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
        if table.storage.delete(&write.txn, write.write_set, row_id)? {
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
fn row_id_of(row: &mut Row, width: usize) -> Result<u64> {
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

/// Locks every row `scan` produces (`SELECT ... FOR UPDATE`); returns how many.
pub fn lock(
    ctx: &ExecContext,
    write: &mut WriteContext<'_>,
    table: &TableRef,
    scan: &Plan,
) -> Result<u64> {
    let width = table.schema.columns.len();
    let mut count = 0;
    for mut row in collect(scan, ctx, None)? {
        let row_id = row_id_of(&mut row, width)?;
        if table.storage.lock(&write.txn, write.write_set, row_id)? {
            count += 1;
        }
    }
    Ok(count)
}
