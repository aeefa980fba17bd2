//! Optimizing the plans of subqueries that stay inside expressions.
//!
//! The binder leaves subquery plans as it built them so that decorrelation can still take them
//! apart; whatever remains inside an expression afterwards is optimized here, recursively
//! (a subquery's own subqueries included).

use crate::plan::{Access, AggregateCall, Expr, FrameBound, IndexBound, Plan, SortKey, WindowCall};

use super::{optimize, rewrite};

/// Optimizes every subquery plan inside `plan`'s expressions (not `plan` itself).
pub(super) fn optimize_subplans(plan: Plan) -> Plan {
    map_exprs(plan, &|expr| rewrite(expr, &|leaf| leaf, &optimize))
}

/// Applies `f` to every expression of every node of this query level.
pub(super) fn map_exprs(plan: Plan, f: &dyn Fn(Expr) -> Expr) -> Plan {
    let node = |plan: Box<Plan>| Box::new(map_exprs(*plan, f));
    let all = |exprs: Vec<Expr>| exprs.into_iter().map(f).collect::<Vec<_>>();
    let keys = |keys: Vec<SortKey>| {
        keys.into_iter()
            .map(|k| SortKey {
                expr: f(k.expr),
                ..k
            })
            .collect::<Vec<_>>()
    };
    let bound = |bound: IndexBound| match bound {
        IndexBound::Unbounded => IndexBound::Unbounded,
        IndexBound::Included(items) => {
            IndexBound::Included(items.into_iter().map(|(e, t)| (f(e), t)).collect())
        }
        IndexBound::Excluded(items) => {
            IndexBound::Excluded(items.into_iter().map(|(e, t)| (f(e), t)).collect())
        }
    };
    match plan {
        Plan::Single => Plan::Single,
        Plan::Values { rows } => Plan::Values {
            rows: rows.into_iter().map(all).collect(),
        },
        Plan::Scan {
            table,
            access,
            filter,
            with_row_id,
            alias,
        } => Plan::Scan {
            table,
            access: match access {
                Access::Sequential => Access::Sequential,
                Access::Index {
                    index_id,
                    index_name,
                    lower,
                    upper,
                    reverse,
                } => Access::Index {
                    index_id,
                    index_name,
                    lower: bound(lower),
                    upper: bound(upper),
                    reverse,
                },
            },
            filter: filter.map(f),
            with_row_id,
            alias,
        },
        Plan::FunctionScan {
            function,
            args,
            ordinality,
            alias,
        } => Plan::FunctionScan {
            function,
            args: all(args),
            ordinality,
            alias,
        },
        Plan::WorkTableScan { .. } => plan,
        Plan::Filter { input, predicate } => Plan::Filter {
            input: node(input),
            predicate: f(predicate),
        },
        Plan::Project { input, exprs } => Plan::Project {
            input: node(input),
            exprs: all(exprs),
        },
        Plan::Aggregate {
            input,
            group_by,
            aggregates,
        } => Plan::Aggregate {
            input: node(input),
            group_by: all(group_by),
            aggregates: aggregates
                .into_iter()
                .map(|call| AggregateCall {
                    args: all(call.args),
                    filter: call.filter.map(f),
                    order_by: keys(call.order_by),
                    ..call
                })
                .collect(),
        },
        Plan::Sort { input, keys: sort } => Plan::Sort {
            input: node(input),
            keys: keys(sort),
        },
        Plan::Distinct { input } => Plan::Distinct { input: node(input) },
        Plan::DistinctOn { input, keys } => Plan::DistinctOn {
            input: node(input),
            keys: all(keys),
        },
        Plan::Limit {
            input,
            limit,
            offset,
        } => Plan::Limit {
            input: node(input),
            limit: limit.map(f),
            offset: offset.map(f),
        },
        Plan::NestedLoopJoin {
            left,
            right,
            condition,
            kind,
            right_width,
        } => Plan::NestedLoopJoin {
            left: node(left),
            right: node(right),
            condition: condition.map(f),
            kind,
            right_width,
        },
        Plan::HashJoin {
            left,
            right,
            left_keys,
            right_keys,
            condition,
            kind,
            right_width,
        } => Plan::HashJoin {
            left: node(left),
            right: node(right),
            left_keys: all(left_keys),
            right_keys: all(right_keys),
            condition: condition.map(f),
            kind,
            right_width,
        },
        Plan::Append { inputs } => Plan::Append {
            inputs: inputs.into_iter().map(|p| map_exprs(p, f)).collect(),
        },
        Plan::SetOp {
            op,
            all,
            left,
            right,
        } => Plan::SetOp {
            op,
            all,
            left: node(left),
            right: node(right),
        },
        Plan::RecursiveUnion {
            name,
            work_table,
            anchor,
            recursive,
            distinct,
        } => Plan::RecursiveUnion {
            name,
            work_table,
            anchor: node(anchor),
            recursive: node(recursive),
            distinct,
        },
        Plan::Materialize { id, label, input } => Plan::Materialize {
            id,
            label,
            input: node(input),
        },
        Plan::ProjectSet { input, calls } => Plan::ProjectSet {
            input: node(input),
            calls: calls
                .into_iter()
                .map(|call| crate::plan::SetCall {
                    args: all(call.args),
                    ..call
                })
                .collect(),
        },
        Plan::Window { input, calls } => Plan::Window {
            input: node(input),
            calls: calls
                .into_iter()
                .map(|call| {
                    let frame_bound = |b: FrameBound| match b {
                        FrameBound::Preceding(e) => FrameBound::Preceding(f(e)),
                        FrameBound::Following(e) => FrameBound::Following(f(e)),
                        other => other,
                    };
                    let mut frame = call.frame;
                    frame.start = frame_bound(frame.start);
                    frame.end = frame_bound(frame.end);
                    WindowCall {
                        args: all(call.args),
                        filter: call.filter.map(f),
                        partition_by: all(call.partition_by),
                        order_by: keys(call.order_by),
                        frame,
                        ..call
                    }
                })
                .collect(),
        },
    }
}

/// Applies `f` to every input of a node.
pub(super) fn map_children(plan: Plan, f: &dyn Fn(Plan) -> Plan) -> Plan {
    let node = |plan: Box<Plan>| Box::new(f(*plan));
    match plan {
        Plan::Single
        | Plan::Values { .. }
        | Plan::Scan { .. }
        | Plan::FunctionScan { .. }
        | Plan::WorkTableScan { .. } => plan,
        Plan::Filter { input, predicate } => Plan::Filter {
            input: node(input),
            predicate,
        },
        Plan::Project { input, exprs } => Plan::Project {
            input: node(input),
            exprs,
        },
        Plan::Aggregate {
            input,
            group_by,
            aggregates,
        } => Plan::Aggregate {
            input: node(input),
            group_by,
            aggregates,
        },
        Plan::Sort { input, keys } => Plan::Sort {
            input: node(input),
            keys,
        },
        Plan::Distinct { input } => Plan::Distinct { input: node(input) },
        Plan::DistinctOn { input, keys } => Plan::DistinctOn {
            input: node(input),
            keys,
        },
        Plan::Limit {
            input,
            limit,
            offset,
        } => Plan::Limit {
            input: node(input),
            limit,
            offset,
        },
        Plan::NestedLoopJoin {
            left,
            right,
            condition,
            kind,
            right_width,
        } => Plan::NestedLoopJoin {
            left: node(left),
            right: node(right),
            condition,
            kind,
            right_width,
        },
        Plan::HashJoin {
            left,
            right,
            left_keys,
            right_keys,
            condition,
            kind,
            right_width,
        } => Plan::HashJoin {
            left: node(left),
            right: node(right),
            left_keys,
            right_keys,
            condition,
            kind,
            right_width,
        },
        Plan::Append { inputs } => Plan::Append {
            inputs: inputs.into_iter().map(f).collect(),
        },
        Plan::SetOp {
            op,
            all,
            left,
            right,
        } => Plan::SetOp {
            op,
            all,
            left: node(left),
            right: node(right),
        },
        Plan::RecursiveUnion {
            name,
            work_table,
            anchor,
            recursive,
            distinct,
        } => Plan::RecursiveUnion {
            name,
            work_table,
            anchor: node(anchor),
            recursive: node(recursive),
            distinct,
        },
        Plan::Window { input, calls } => Plan::Window {
            input: node(input),
            calls,
        },
        Plan::ProjectSet { input, calls } => Plan::ProjectSet {
            input: node(input),
            calls,
        },
        Plan::Materialize { id, label, input } => Plan::Materialize {
            id,
            label,
            input: node(input),
        },
    }
}
