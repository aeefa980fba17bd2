//! Row-count estimates, used only to pick a hash join's build side.
//!
//! db001 keeps no statistics yet, so these are rules of thumb over the live row counts tables
//! keep anyway: a filter keeps a third of its input per conjunct, an equality lookup on a
//! unique index finds one row, other index lookups a tenth, a join of two inputs with a
//! condition about as many rows as its larger input. They only need to tell "a handful of rows"
//! from "the whole table" apart; choosing the larger side costs memory and time, never
//! correctness.

use crate::plan::{Access, Expr, IndexBound, JoinKind, Plan};

use super::split_conjuncts;

/// The fraction of rows a conjunct is assumed to keep.
const CONJUNCT_SELECTIVITY: f64 = 0.3;
/// Rows assumed for a set-returning function whose size is not known (PostgreSQL assumes 1000).
const FUNCTION_ROWS: f64 = 1000.0;

/// Estimated number of rows `plan` produces (at least 1).
pub fn estimate_rows(plan: &Plan) -> f64 {
    let rows = match plan {
        Plan::Single => 1.0,
        Plan::Values { rows } => rows.len() as f64,
        Plan::Scan {
            table,
            access,
            filter,
            ..
        } => {
            let total = table.storage.row_estimate() as f64;
            let base = match access {
                Access::Sequential => total,
                Access::Index {
                    index_id,
                    lower,
                    upper,
                    ..
                } => {
                    let unique_lookup = table.schema.indexes.iter().any(|index| {
                        index.id == *index_id
                            && index.unique
                            && matches!((lower, upper), (IndexBound::Included(l), IndexBound::Included(u))
                                if l.len() == index.columns.len() && u.len() == index.columns.len())
                    });
                    if unique_lookup { 1.0 } else { total * 0.1 }
                }
            };
            base * filter_selectivity(filter.as_ref())
        }
        Plan::FunctionScan { args, .. } => series_length(args).unwrap_or(FUNCTION_ROWS),
        Plan::Filter { input, predicate } => {
            estimate_rows(input) * filter_selectivity(Some(predicate))
        }
        Plan::Project { input, .. }
        | Plan::Sort { input, .. }
        | Plan::Window { input, .. }
        | Plan::Materialize { input, .. } => estimate_rows(input),
        // PostgreSQL's guess for a set-returning function is 10 rows per call.
        Plan::ProjectSet { input, .. } => estimate_rows(input) * 10.0,
        Plan::Aggregate {
            input, group_by, ..
        } => {
            if group_by.is_empty() {
                1.0
            } else {
                estimate_rows(input) * 0.1
            }
        }
        Plan::Distinct { input } | Plan::DistinctOn { input, .. } => estimate_rows(input) * 0.5,
        Plan::Limit { input, limit, .. } => {
            let input = estimate_rows(input);
            match limit {
                Some(Expr::Literal(value)) => value
                    .as_i64()
                    .map_or(input, |limit| input.min(limit.max(0) as f64)),
                _ => input,
            }
        }
        Plan::NestedLoopJoin {
            left,
            right,
            condition,
            kind,
            ..
        } => join_rows(left, right, condition.is_some(), *kind),
        Plan::HashJoin {
            left, right, kind, ..
        } => join_rows(left, right, true, *kind),
        Plan::Append { inputs } => inputs.iter().map(estimate_rows).sum(),
        Plan::SetOp { left, .. } => estimate_rows(left),
        Plan::RecursiveUnion { anchor, .. } => estimate_rows(anchor) * 10.0,
        Plan::WorkTableScan { .. } => 10.0,
    };
    rows.max(1.0)
}

fn filter_selectivity(filter: Option<&Expr>) -> f64 {
    let Some(filter) = filter else {
        return 1.0;
    };
    let mut conjuncts = Vec::new();
    split_conjuncts(filter.clone(), &mut conjuncts);
    CONJUNCT_SELECTIVITY.powi(conjuncts.len().min(i32::MAX as usize) as i32)
}

fn join_rows(left: &Plan, right: &Plan, conditioned: bool, kind: JoinKind) -> f64 {
    let (l, r) = (estimate_rows(left), estimate_rows(right));
    match kind {
        JoinKind::Semi | JoinKind::Anti => l * 0.5,
        _ if !conditioned => l * r,
        _ => l.max(r),
    }
}

/// The length of `generate_series(start, stop[, step])` with constant integer arguments.
fn series_length(args: &[Expr]) -> Option<f64> {
    let constant = |e: Option<&Expr>| match e {
        Some(Expr::Literal(value)) => value.as_i64(),
        _ => None,
    };
    let start = constant(args.first())?;
    let stop = constant(args.get(1))?;
    let step = match args.get(2) {
        Some(_) => constant(args.get(2))?,
        None => 1,
    };
    if step == 0 {
        return None;
    }
    let length = (stop as f64 - start as f64) / step as f64 + 1.0;
    Some(length.max(0.0))
}
