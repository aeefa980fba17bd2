//! Subqueries inside expressions.
//!
//! An uncorrelated subquery gives the same answer for every row: it runs once per statement
//! and its result is kept in [`crate::StatementShared`] (for `IN` / `= ANY` with a hash set of
//! its values). A correlated one runs again for every row, in a context carrying that row's
//! correlated values, and stops reading as soon as the answer is known (EXISTS after one row,
//! ANY at the first true comparison).
//!
//! NULL rules, as SQL has them: `x op ANY (rows)` is true if some comparison is true, else NULL
//! if some comparison is NULL, else false (so false for no rows); `x op ALL (rows)` is false if
//! some comparison is false, else NULL if some is NULL, else true. `NOT IN` is `NOT (= ANY)`.

use std::collections::HashSet;
use std::sync::Arc;

use db001_common::{Error, Result, Row, SqlState, Value};
use db001_planner::plan::{BinaryOp, SubqueryExpr, SubqueryKind};

use crate::ExecContext;
use crate::eval::{Env, compare, eval};
use crate::operators::{Operator, build};

/// An uncorrelated subquery's result.
#[derive(Debug)]
pub enum Cached {
    Value(Value),
    /// The rows' single column, for ANY / ALL.
    Values {
        values: Vec<Value>,
        /// The non-NULL values, for `= ANY`.
        set: HashSet<Value>,
        has_null: bool,
    },
}

/// Evaluates a subquery expression for `row`.
pub fn evaluate(subquery: &SubqueryExpr, row: &Row, env: Env<'_>) -> Result<Value> {
    if subquery.correlated.is_empty() {
        let key = &subquery.plan as *const _ as usize;
        let cached = match env.ctx.shared.cached_subquery(key) {
            Some(cached) => cached,
            None => {
                let computed = Arc::new(compute(subquery, env.ctx)?);
                env.ctx.shared.cache_subquery(key, Arc::clone(&computed));
                computed
            }
        };
        return match (&subquery.kind, cached.as_ref()) {
            (
                SubqueryKind::Compare { left, op, all },
                Cached::Values {
                    values,
                    set,
                    has_null,
                },
            ) => {
                let left = eval(left, row, env)?;
                if *op == BinaryOp::Eq && !*all {
                    return Ok(member(&left, values.is_empty(), set, *has_null));
                }
                let mut rows = values.iter().cloned().map(Ok);
                quantified(&left, *op, *all, &mut rows)
            }
            (_, Cached::Value(value)) => Ok(value.clone()),
            _ => Err(Error::internal("cached subquery result of the wrong shape")),
        };
    }
    let mut values = Vec::with_capacity(subquery.correlated.len());
    for expr in &subquery.correlated {
        values.push(eval(expr, row, env)?);
    }
    let ctx = env.ctx.with_correlated(values);
    let mut operator = build(&subquery.plan, &ctx, None)?;
    match &subquery.kind {
        SubqueryKind::Scalar => scalar(operator.as_mut(), &ctx),
        SubqueryKind::Array(data_type) => collect_array(operator.as_mut(), &ctx, *data_type),
        SubqueryKind::Exists => Ok(Value::Bool(operator.next(&ctx)?.is_some())),
        SubqueryKind::Compare { left, op, all } => {
            let left = eval(left, row, env)?;
            let mut rows = std::iter::from_fn(|| match operator.next(&ctx) {
                Ok(Some(row)) => Some(first(row)),
                Ok(None) => None,
                Err(error) => Some(Err(error)),
            });
            quantified(&left, *op, *all, &mut rows)
        }
    }
}

/// Runs an uncorrelated subquery to its cacheable result.
fn compute(subquery: &SubqueryExpr, ctx: &ExecContext) -> Result<Cached> {
    let mut operator = build(&subquery.plan, ctx, None)?;
    Ok(match &subquery.kind {
        SubqueryKind::Scalar => Cached::Value(scalar(operator.as_mut(), ctx)?),
        SubqueryKind::Array(data_type) => {
            Cached::Value(collect_array(operator.as_mut(), ctx, *data_type)?)
        }
        SubqueryKind::Exists => Cached::Value(Value::Bool(operator.next(ctx)?.is_some())),
        SubqueryKind::Compare { .. } => {
            let mut values = Vec::new();
            let mut set = HashSet::new();
            let mut has_null = false;
            while let Some(row) = operator.next(ctx)? {
                let value = first(row)?;
                if value.is_null() {
                    has_null = true;
                } else {
                    set.insert(value.clone());
                }
                values.push(value);
            }
            Cached::Values {
                values,
                set,
                has_null,
            }
        }
    })
}

/// `ARRAY(subquery)`: every row's value, in order.
fn collect_array(
    operator: &mut dyn Operator,
    ctx: &ExecContext,
    data_type: db001_common::DataType,
) -> Result<Value> {
    let db001_common::DataType::Array(element) = data_type else {
        return Err(Error::internal("ARRAY(subquery) of a non-array type"));
    };
    let mut values = Vec::new();
    while let Some(row) = operator.next(ctx)? {
        values.push(first(row)?);
    }
    Ok(db001_common::array::Array::new(element, values).into_value())
}

/// A scalar subquery's value: NULL without rows, 21000 with more than one.
fn scalar(operator: &mut dyn Operator, ctx: &ExecContext) -> Result<Value> {
    let Some(row) = operator.next(ctx)? else {
        return Ok(Value::Null);
    };
    if operator.next(ctx)?.is_some() {
        return Err(Error::new(
            SqlState::CARDINALITY_VIOLATION,
            "more than one row returned by a subquery used as an expression",
        ));
    }
    first(row)
}

fn first(row: Row) -> Result<Value> {
    row.into_iter()
        .next()
        .ok_or_else(|| Error::internal("subquery row without columns"))
}

/// `left = ANY (values)` through the hash set.
fn member(left: &Value, empty: bool, set: &HashSet<Value>, has_null: bool) -> Value {
    if empty {
        return Value::Bool(false);
    }
    if left.is_null() {
        return Value::Null;
    }
    if set.contains(left) {
        Value::Bool(true)
    } else if has_null {
        Value::Null
    } else {
        Value::Bool(false)
    }
}

/// `left op ANY|ALL (values)`, reading values only until the answer is known.
fn quantified(
    left: &Value,
    op: BinaryOp,
    all: bool,
    values: &mut dyn Iterator<Item = Result<Value>>,
) -> Result<Value> {
    let mut saw_null = false;
    for value in values {
        match compare(op, left, &value?)? {
            Value::Bool(result) if result != all => return Ok(Value::Bool(!all)),
            Value::Bool(_) => {}
            _ => saw_null = true,
        }
    }
    Ok(if saw_null {
        Value::Null
    } else {
        Value::Bool(all)
    })
}
