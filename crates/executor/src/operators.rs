//! Query operators: each pulls rows from its input one at a time (the Volcano model), so a
//! LIMIT over an index range reads only the rows it returns.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Arc;

use db001_common::value::CastKind;
use db001_common::{Error, Result, Row, SqlState, Value, key_codec, row_codec};
use db001_planner::plan::{Access, Expr, IndexBound, Plan, SortKey, TableFunction, TableRef};
use db001_storage::{IndexScan, KeyBound, TableScan};

use crate::aggregate::AggregateOp;
use crate::eval::{Env, eval, eval_predicate};
use crate::{ExecContext, join, project_set, series, setops, window};

/// A pull-based operator.
pub trait Operator {
    /// The next row, or `None` when exhausted.
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>>;
}

/// Builds the operator tree for `plan`. `outer` is the current outer row when `plan` is the
/// inner side of a nested loop.
pub fn build<'a>(
    plan: &'a Plan,
    ctx: &ExecContext,
    outer: Option<Arc<Row>>,
) -> Result<Box<dyn Operator + 'a>> {
    Ok(match plan {
        Plan::Single => Box::new(SingleOp { done: false }),
        Plan::Values { rows } => Box::new(ValuesOp {
            rows,
            next: 0,
            outer,
        }),
        Plan::Scan {
            table,
            access,
            filter,
            with_row_id,
            ..
        } => {
            let source = match access {
                Access::Sequential => {
                    Source::Table(table.storage.scan(ctx.snapshot, Arc::clone(&ctx.manager)))
                }
                Access::Index {
                    index_id,
                    lower,
                    upper,
                    reverse,
                    ..
                } => {
                    let env = Env {
                        ctx,
                        outer: outer.as_deref(),
                    };
                    let lower_key = key_bound(lower, env)?;
                    // An equality lookup has the same values at both ends: evaluate them once.
                    let upper_key = match (lower, upper) {
                        (IndexBound::Included(low), IndexBound::Included(high)) if low == high => {
                            lower_key.clone()
                        }
                        _ => key_bound(upper, env)?,
                    };
                    match (lower_key, upper_key) {
                        (Some(lower), Some(upper)) => Source::Index(table.storage.index_scan(
                            *index_id,
                            lower,
                            upper,
                            *reverse,
                            ctx.snapshot,
                            Arc::clone(&ctx.manager),
                        )?),
                        // A NULL bound matches nothing.
                        _ => Source::Empty,
                    }
                }
            };
            Box::new(ScanOp {
                source,
                table,
                filter: filter.as_ref(),
                with_row_id: *with_row_id,
                outer,
            })
        }
        Plan::Filter { input, predicate } => Box::new(FilterOp {
            input: build(input, ctx, outer.clone())?,
            predicate,
            outer,
        }),
        Plan::Project { input, exprs } => Box::new(ProjectOp {
            input: build(input, ctx, outer.clone())?,
            exprs,
            outer,
        }),
        Plan::Aggregate {
            input,
            group_by,
            aggregates,
        } => Box::new(AggregateOp::new(
            build(input, ctx, outer.clone())?,
            group_by,
            aggregates,
            outer,
        )),
        Plan::Sort { input, keys } => Box::new(SortOp {
            input: Some(build(input, ctx, outer.clone())?),
            keys,
            sorted: Vec::new(),
            outer,
        }),
        Plan::Distinct { input } => Box::new(DistinctOp {
            input: build(input, ctx, outer)?,
            seen: HashSet::new(),
        }),
        Plan::DistinctOn { input, keys } => Box::new(DistinctOnOp {
            input: build(input, ctx, outer.clone())?,
            keys,
            previous: None,
            outer,
        }),
        Plan::Limit {
            input,
            limit,
            offset,
        } => {
            let env = Env {
                ctx,
                outer: outer.as_deref(),
            };
            let limit = count(limit.as_ref(), env, "LIMIT", SqlState::new("2201W"))?;
            let offset = count(offset.as_ref(), env, "OFFSET", SqlState::new("2201X"))?;
            Box::new(LimitOp {
                input: build(input, ctx, outer)?,
                remaining: limit,
                skip: offset.unwrap_or(0),
            })
        }
        Plan::NestedLoopJoin {
            left,
            right,
            condition,
            kind,
            right_width,
        } => Box::new(join::NestedLoopOp::new(
            build(left, ctx, outer.clone())?,
            left,
            right,
            condition.as_ref(),
            *kind,
            *right_width,
            ctx,
            outer,
        )?),
        Plan::HashJoin {
            left,
            right,
            left_keys,
            right_keys,
            condition,
            kind,
            right_width,
        } => Box::new(join::HashJoinOp::new(
            build(left, ctx, outer.clone())?,
            join::HashJoinSpec {
                left,
                right,
                left_keys,
                right_keys,
                condition: condition.as_ref(),
                kind: *kind,
                right_width: *right_width,
            },
            outer,
        )),
        Plan::FunctionScan {
            function,
            args,
            ordinality,
            ..
        } => {
            let env = Env {
                ctx,
                outer: outer.as_deref(),
            };
            let rows: Box<dyn Operator + 'a> = match function {
                TableFunction::GenerateSeries => Box::new(series::SeriesOp::new(args, env)?),
                TableFunction::Unnest => Box::new(series::unnest(args, env)?),
                TableFunction::PartitionAncestors => Box::new(series::ValuesOp::new(Vec::new())),
            };
            if *ordinality {
                Box::new(series::Ordinality::new(rows))
            } else {
                rows
            }
        }
        Plan::Append { inputs } => Box::new(setops::AppendOp::new(inputs, outer)),
        Plan::SetOp {
            op,
            all,
            left,
            right,
        } => Box::new(setops::SetOpOp::new(
            *op,
            *all,
            build(left, ctx, outer.clone())?,
            right,
            outer,
        )),
        Plan::RecursiveUnion {
            name,
            work_table,
            anchor,
            recursive,
            distinct,
        } => Box::new(setops::RecursiveUnionOp::new(
            name,
            *work_table,
            build(anchor, ctx, outer.clone())?,
            recursive,
            *distinct,
            outer,
        )),
        Plan::WorkTableScan {
            name, work_table, ..
        } => Box::new(setops::WorkTableScanOp::new(name, *work_table, ctx)?),
        Plan::Materialize { id, input, .. } => {
            Box::new(setops::MaterializeOp::new(*id, input, outer))
        }
        Plan::ProjectSet { input, calls } => Box::new(project_set::ProjectSetOp::new(
            build(input, ctx, outer.clone())?,
            calls,
            outer,
        )),
        Plan::Window { input, calls } => Box::new(window::WindowOp::new(
            build(input, ctx, outer.clone())?,
            calls,
            outer,
        )),
    })
}

/// Runs a plan to completion.
pub fn collect(plan: &Plan, ctx: &ExecContext, outer: Option<Arc<Row>>) -> Result<Vec<Row>> {
    let mut operator = build(plan, ctx, outer)?;
    let mut rows = Vec::new();
    while let Some(row) = operator.next(ctx)? {
        rows.push(row);
    }
    Ok(rows)
}

pub(crate) fn count(
    expr: Option<&Expr>,
    env: Env<'_>,
    what: &str,
    code: SqlState,
) -> Result<Option<u64>> {
    let Some(expr) = expr else {
        return Ok(None);
    };
    match eval(expr, &Vec::new(), env)? {
        Value::Null => Ok(None),
        value => {
            let Value::Int64(n) = value.cast(db001_common::DataType::BigInt, CastKind::Implicit)?
            else {
                return Err(Error::internal(format!("{what} is not an integer")));
            };
            if n < 0 {
                return Err(Error::new(code, format!("{what} must not be negative")));
            }
            Ok(Some(n as u64))
        }
    }
}

/// Evaluates an index bound to encoded key bytes; `None` when a key value is NULL.
fn key_bound(bound: &IndexBound, env: Env<'_>) -> Result<Option<KeyBound>> {
    let (items, included) = match bound {
        IndexBound::Unbounded => return Ok(Some(KeyBound::Unbounded)),
        IndexBound::Included(items) => (items, true),
        IndexBound::Excluded(items) => (items, false),
    };
    let mut values = Vec::with_capacity(items.len());
    for (expr, data_type) in items {
        let value = eval(expr, &Vec::new(), env)?;
        if value.is_null() {
            return Ok(None);
        }
        values.push(value.cast(*data_type, CastKind::Implicit)?);
    }
    let mut key = Vec::with_capacity(16 * values.len());
    key_codec::encode_key(&values, &mut key);
    Ok(Some(if included {
        KeyBound::Included(key)
    } else {
        KeyBound::Excluded(key)
    }))
}

struct SingleOp {
    done: bool,
}

impl Operator for SingleOp {
    fn next(&mut self, _ctx: &ExecContext) -> Result<Option<Row>> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        Ok(Some(Vec::new()))
    }
}

struct ValuesOp<'a> {
    rows: &'a [Vec<Expr>],
    next: usize,
    outer: Option<Arc<Row>>,
}

impl Operator for ValuesOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        let Some(exprs) = self.rows.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        let env = Env {
            ctx,
            outer: self.outer.as_deref(),
        };
        let empty = Vec::new();
        exprs
            .iter()
            .map(|e| eval(e, &empty, env))
            .collect::<Result<Row>>()
            .map(Some)
    }
}

enum Source {
    Table(TableScan),
    Index(IndexScan),
    Empty,
}

struct ScanOp<'a> {
    source: Source,
    table: &'a TableRef,
    filter: Option<&'a Expr>,
    with_row_id: bool,
    outer: Option<Arc<Row>>,
}

impl Operator for ScanOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        let width = self.table.schema.columns.len();
        loop {
            let (row_id, data) = match &mut self.source {
                Source::Table(scan) => match scan.next() {
                    Some(item) => item?,
                    None => return Ok(None),
                },
                Source::Index(scan) => match scan.next() {
                    Some(item) => item?,
                    None => return Ok(None),
                },
                Source::Empty => return Ok(None),
            };
            let mut row = row_codec::decode_row(&data)?;
            // Rows written before ALTER TABLE ADD COLUMN are shorter.
            row.resize(width, Value::Null);
            if self.with_row_id {
                row.push(Value::Int64(row_id as i64));
            }
            let passes = match self.filter {
                Some(filter) => eval_predicate(
                    filter,
                    &row,
                    Env {
                        ctx,
                        outer: self.outer.as_deref(),
                    },
                )?,
                None => true,
            };
            if passes {
                return Ok(Some(row));
            }
        }
    }
}

struct FilterOp<'a> {
    input: Box<dyn Operator + 'a>,
    predicate: &'a Expr,
    outer: Option<Arc<Row>>,
}

impl Operator for FilterOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        while let Some(row) = self.input.next(ctx)? {
            let env = Env {
                ctx,
                outer: self.outer.as_deref(),
            };
            if eval_predicate(self.predicate, &row, env)? {
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

struct ProjectOp<'a> {
    input: Box<dyn Operator + 'a>,
    exprs: &'a [Expr],
    outer: Option<Arc<Row>>,
}

impl Operator for ProjectOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        let Some(row) = self.input.next(ctx)? else {
            return Ok(None);
        };
        let env = Env {
            ctx,
            outer: self.outer.as_deref(),
        };
        self.exprs
            .iter()
            .map(|e| eval(e, &row, env))
            .collect::<Result<Row>>()
            .map(Some)
    }
}

struct SortOp<'a> {
    input: Option<Box<dyn Operator + 'a>>,
    keys: &'a [SortKey],
    /// Sorted rows, reversed (pop from the end).
    sorted: Vec<Row>,
    outer: Option<Arc<Row>>,
}

impl Operator for SortOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        if let Some(mut input) = self.input.take() {
            let env = Env {
                ctx,
                outer: self.outer.as_deref(),
            };
            let mut keyed = Vec::new();
            while let Some(row) = input.next(ctx)? {
                let key = self
                    .keys
                    .iter()
                    .map(|k| eval(&k.expr, &row, env))
                    .collect::<Result<Vec<Value>>>()?;
                keyed.push((key, row));
            }
            let keys = self.keys;
            // Stable, like PostgreSQL's for equal keys in practice; descending reverses order.
            let keyed =
                crate::sort::sort_cancellable(keyed, |(a, _), (b, _)| compare_keys(a, b, keys))?;
            self.sorted = keyed.into_iter().rev().map(|(_, row)| row).collect();
        }
        Ok(self.sorted.pop())
    }
}

/// Orders two sort keys as ORDER BY says (direction, NULLS FIRST/LAST).
pub fn compare_keys(a: &[Value], b: &[Value], keys: &[SortKey]) -> Ordering {
    for ((x, y), key) in a.iter().zip(b).zip(keys) {
        let ordering = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if key.nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if key.nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, false) => {
                let ordering = x.sort_cmp(y);
                if key.descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            }
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

struct DistinctOp<'a> {
    input: Box<dyn Operator + 'a>,
    seen: HashSet<Row>,
}

impl Operator for DistinctOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        while let Some(row) = self.input.next(ctx)? {
            if !self.seen.contains(&row) {
                self.seen.insert(row.clone());
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

struct LimitOp<'a> {
    input: Box<dyn Operator + 'a>,
    remaining: Option<u64>,
    skip: u64,
}

impl Operator for LimitOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        if self.remaining == Some(0) {
            return Ok(None);
        }
        while self.skip > 0 {
            if self.input.next(ctx)?.is_none() {
                return Ok(None);
            }
            self.skip -= 1;
        }
        let row = self.input.next(ctx)?;
        if row.is_some()
            && let Some(remaining) = &mut self.remaining
        {
            *remaining -= 1;
        }
        Ok(row)
    }
}

struct DistinctOnOp<'a> {
    input: Box<dyn Operator + 'a>,
    keys: &'a [Expr],
    /// The keys of the last row returned.
    previous: Option<Vec<Value>>,
    outer: Option<Arc<Row>>,
}

impl Operator for DistinctOnOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        while let Some(row) = self.input.next(ctx)? {
            let env = Env {
                ctx,
                outer: self.outer.as_deref(),
            };
            let keys = self
                .keys
                .iter()
                .map(|k| eval(k, &row, env))
                .collect::<Result<Vec<Value>>>()?;
            // Rows with equal keys (NULLs equal) are adjacent: keep the first of each run.
            if self.previous.as_ref() != Some(&keys) {
                self.previous = Some(keys);
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}
