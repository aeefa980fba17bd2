//! The optimizer: rewrites a bound plan without changing its meaning.
//!
//! Rules, applied in this order:
//! 0. **Decorrelation** (`decorrelate`): `EXISTS`, `NOT EXISTS` and `IN` subqueries among a
//!    filter's conjuncts become semi and anti joins; then every subquery left inside an
//!    expression is optimized in turn (`subplans`).
//! 1. **Predicate push-down.** WHERE and inner-join conditions are split into conjuncts; each goes
//!    to the lowest node that has all its columns, through projections (derived tables, WITH
//!    queries), sorts, DISTINCT, UNION ALL, and through grouping when it reads only group keys. A conjunct that needs both sides of a nested
//!    loop goes into the inner side with the outer columns as `OuterColumn` references, so the
//!    inner side can use them for an index lookup (an index nested-loop join).
//! 2. **Access path.** A scan whose conjuncts bind a prefix of an index's columns to values known
//!    before the scan starts (constants, parameters, outer columns) with `=`, optionally followed by
//!    one range, reads that index range instead of the whole table. Every conjunct stays in the
//!    scan's filter as a re-check, so the choice can never change results.
//! 3. **Sort elimination.** An ORDER BY over index columns of a single-table scan under a LIMIT
//!    reads the index in order instead of sorting.
//!
//! There are no statistics yet: an index is preferred whenever it applies (unique full-key
//! matches first, then the longest equality prefix).
//!
//! How a join runs is decided during push-down, once its conjuncts are known (`join`): an
//! index nested loop when the inner side can look up an index with the outer row's values, else
//! a hash join on the equality conjuncts, else a nested loop over the materialized inner side.
//! Joins stay in the order FROM wrote them; only a hash join's build side is chosen, by
//! `estimate`.

mod access;
mod decorrelate;
mod estimate;
mod join;
mod materialize;
mod subplans;

pub use estimate::estimate_rows;

use access::eliminate_sort;
pub(crate) use access::{as_comparison, choose_access};

use crate::plan::{
    Access, BoundStatement, Expr, Function, IndexBound, Plan, Returning, SubqueryExpr, SubqueryKind,
};

/// Optimizes every plan inside a statement.
pub fn optimize_statement(statement: BoundStatement) -> BoundStatement {
    let statement = materialize::inline_single_references(statement);
    map_statement_plans(statement, &optimize)
}

/// Applies `f` to every plan of a statement: its query, lock scan or write scan, and the plans
/// of the subqueries in expressions that live outside any plan (an UPDATE's new values, a
/// RETURNING list). INSERT's VALUES rows and ON CONFLICT are left as they are.
pub(super) fn map_statement_plans(
    statement: BoundStatement,
    f: &dyn Fn(Plan) -> Plan,
) -> BoundStatement {
    let expr = |expr: Expr| rewrite(expr, &|leaf| leaf, f);
    let returning = |returning: Option<Returning>| {
        returning.map(|r| Returning {
            exprs: r.exprs.into_iter().map(expr).collect(),
            columns: r.columns,
        })
    };
    match statement {
        BoundStatement::Query {
            plan,
            columns,
            lock,
        } => BoundStatement::Query {
            plan: f(plan),
            columns,
            lock: lock.map(|lock| crate::plan::LockRows {
                scan: f(lock.scan),
                ..lock
            }),
        },
        BoundStatement::Insert {
            table,
            source,
            values,
            returning: returned,
            on_conflict,
        } => BoundStatement::Insert {
            table,
            source: f(source),
            values,
            returning: returning(returned),
            on_conflict,
        },
        BoundStatement::Update {
            table,
            scan,
            assignments,
            returning: returned,
        } => BoundStatement::Update {
            table,
            scan: f(scan),
            assignments: assignments
                .into_iter()
                .map(|(column, value)| (column, expr(value)))
                .collect(),
            returning: returning(returned),
        },
        BoundStatement::Delete {
            table,
            scan,
            returning: returned,
        } => BoundStatement::Delete {
            table,
            scan: f(scan),
            returning: returning(returned),
        },
    }
}

/// Optimizes a plan.
pub fn optimize(plan: Plan) -> Plan {
    let plan = decorrelate::decorrelate(plan);
    let plan = subplans::optimize_subplans(plan);
    let plan = push_down(plan, Vec::new());
    eliminate_sort(plan, false)
}

/// Number of columns a plan produces.
pub fn width(plan: &Plan) -> usize {
    match plan {
        Plan::Single => 0,
        Plan::Values { rows } => rows.first().map_or(0, Vec::len),
        Plan::Scan {
            table, with_row_id, ..
        } => table.schema.columns.len() + usize::from(*with_row_id),
        Plan::FunctionScan { .. } => 1,
        Plan::Filter { input, .. }
        | Plan::Sort { input, .. }
        | Plan::Distinct { input }
        | Plan::DistinctOn { input, .. }
        | Plan::Limit { input, .. } => width(input),
        Plan::Project { exprs, .. } => exprs.len(),
        Plan::Aggregate {
            group_by,
            aggregates,
            ..
        } => group_by.len() + aggregates.len(),
        Plan::NestedLoopJoin {
            left,
            right_width,
            kind,
            ..
        }
        | Plan::HashJoin {
            left,
            right_width,
            kind,
            ..
        } => width(left) + if kind.emits_right() { *right_width } else { 0 },
        Plan::Append { inputs } => inputs.first().map_or(0, width),
        Plan::SetOp { left, .. } => width(left),
        Plan::RecursiveUnion { anchor, .. } => width(anchor),
        Plan::WorkTableScan { columns, .. } => columns.len(),
        Plan::Window { input, calls } => width(input) + calls.len(),
        Plan::ProjectSet { input, calls } => width(input) + calls.len(),
        Plan::Materialize { input, .. } => width(input),
    }
}

// ---------------------------------------------------------------- expression helpers

/// Splits an expression into its AND-ed parts.
pub fn split_conjuncts(expr: Expr, out: &mut Vec<Expr>) {
    match expr {
        Expr::And(left, right) => {
            split_conjuncts(*left, out);
            split_conjuncts(*right, out);
        }
        other => out.push(other),
    }
}

/// ANDs conjuncts back together.
pub fn conjoin(conjuncts: Vec<Expr>) -> Option<Expr> {
    conjuncts
        .into_iter()
        .reduce(|left, right| Expr::And(Box::new(left), Box::new(right)))
}

/// Calls `f` on every sub-expression of this query level: a subquery's correlated values and
/// left operand are visited, its plan (another level) is not.
pub(crate) fn walk(expr: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(expr);
    match expr {
        Expr::Column(_)
        | Expr::Literal(_)
        | Expr::Parameter(_)
        | Expr::OuterColumn(_)
        | Expr::Correlated(_) => {}
        Expr::Subquery(subquery) => {
            subquery.correlated.iter().for_each(|e| walk(e, f));
            if let SubqueryKind::Compare { left, .. } = &subquery.kind {
                walk(left, f);
            }
        }
        Expr::Negate(e) | Expr::Not(e) => walk(e, f),
        Expr::IsNull { expr, .. } | Expr::IsBool { expr, .. } | Expr::Cast { expr, .. } => {
            walk(expr, f)
        }
        Expr::Binary { left, right, .. }
        | Expr::IsDistinctFrom { left, right, .. }
        | Expr::And(left, right)
        | Expr::Or(left, right) => {
            walk(left, f);
            walk(right, f);
        }
        Expr::Like { expr, pattern, .. } => {
            walk(expr, f);
            walk(pattern, f);
        }
        Expr::Function { args, .. } => args.iter().for_each(|a| walk(a, f)),
        Expr::Case {
            operand,
            when_then,
            else_result,
        } => {
            if let Some(operand) = operand {
                walk(operand, f);
            }
            for (when, then) in when_then {
                walk(when, f);
                walk(then, f);
            }
            if let Some(e) = else_result {
                walk(e, f);
            }
        }
        Expr::InList { expr, list, .. } => {
            walk(expr, f);
            list.iter().for_each(|e| walk(e, f));
        }
    }
}

/// The smallest and largest column referenced (None if none).
pub(crate) fn column_range(expr: &Expr) -> Option<(usize, usize)> {
    let mut range: Option<(usize, usize)> = None;
    walk(expr, &mut |e| {
        if let Expr::Column(c) = e {
            range = Some(match range {
                None => (*c, *c),
                Some((lo, hi)) => (lo.min(*c), hi.max(*c)),
            });
        }
    });
    range
}

/// Whether the expression reads no column of the current row.
pub(crate) fn is_row_independent(expr: &Expr) -> bool {
    column_range(expr).is_none()
}

/// Rewrites every column reference of this query level (see [`walk`]).
pub(crate) fn remap(expr: Expr, f: &dyn Fn(usize) -> Expr) -> Expr {
    rewrite(
        expr,
        &|leaf| match leaf {
            Expr::Column(c) => f(c),
            other => other,
        },
        &|plan| plan,
    )
}

/// Rewrites every leaf (column, constant, parameter, outer or correlated value) of this query
/// level with `leaf`, and the plan of every subquery in it with `plan`.
pub(crate) fn rewrite(
    expr: Expr,
    leaf: &dyn Fn(Expr) -> Expr,
    plan: &dyn Fn(Plan) -> Plan,
) -> Expr {
    let f = leaf;
    let remap = |e: Expr, f: &dyn Fn(Expr) -> Expr| rewrite(e, f, plan);
    let boxed = |e: Box<Expr>| Box::new(rewrite(*e, leaf, plan));
    match expr {
        leaf_expr @ (Expr::Column(_)
        | Expr::Literal(_)
        | Expr::Parameter(_)
        | Expr::OuterColumn(_)
        | Expr::Correlated(_)) => f(leaf_expr),
        Expr::Subquery(subquery) => {
            let SubqueryExpr {
                kind,
                plan: subplan,
                correlated,
            } = *subquery;
            let kind = match kind {
                SubqueryKind::Compare { left, op, all } => SubqueryKind::Compare {
                    left: boxed(left),
                    op,
                    all,
                },
                other => other,
            };
            Expr::Subquery(Box::new(SubqueryExpr {
                kind,
                plan: plan(subplan),
                correlated: correlated.into_iter().map(|e| remap(e, f)).collect(),
            }))
        }
        Expr::Negate(e) => Expr::Negate(boxed(e)),
        Expr::Not(e) => Expr::Not(boxed(e)),
        Expr::Binary { op, left, right } => Expr::Binary {
            op,
            left: boxed(left),
            right: boxed(right),
        },
        Expr::And(l, r) => Expr::And(boxed(l), boxed(r)),
        Expr::Or(l, r) => Expr::Or(boxed(l), boxed(r)),
        Expr::IsNull { expr, negated } => Expr::IsNull {
            expr: boxed(expr),
            negated,
        },
        Expr::IsBool {
            expr,
            value,
            negated,
        } => Expr::IsBool {
            expr: boxed(expr),
            value,
            negated,
        },
        Expr::IsDistinctFrom {
            left,
            right,
            negated,
        } => Expr::IsDistinctFrom {
            left: boxed(left),
            right: boxed(right),
            negated,
        },
        Expr::Cast { expr, to } => Expr::Cast {
            expr: boxed(expr),
            to,
        },
        Expr::Function { function, args } => Expr::Function {
            function,
            args: args.into_iter().map(|a| remap(a, f)).collect(),
        },
        Expr::Case {
            operand,
            when_then,
            else_result,
        } => Expr::Case {
            operand: operand.map(boxed),
            when_then: when_then
                .into_iter()
                .map(|(w, t)| (remap(w, f), remap(t, f)))
                .collect(),
            else_result: else_result.map(boxed),
        },
        Expr::InList {
            expr,
            list,
            negated,
        } => Expr::InList {
            expr: boxed(expr),
            list: list.into_iter().map(|e| remap(e, f)).collect(),
            negated,
        },
        Expr::Like {
            expr,
            pattern,
            negated,
            case_insensitive,
        } => Expr::Like {
            expr: boxed(expr),
            pattern: boxed(pattern),
            negated,
            case_insensitive,
        },
    }
}

// ---------------------------------------------------------------- rule 1: push-down

/// Pushes `conjuncts` (over `plan`'s output columns) as deep as they can go.
pub(crate) fn push_down(plan: Plan, mut conjuncts: Vec<Expr>) -> Plan {
    match plan {
        Plan::Filter { input, predicate } => {
            split_conjuncts(predicate, &mut conjuncts);
            push_down(*input, conjuncts)
        }
        Plan::Scan {
            table,
            access,
            filter,
            with_row_id,
            alias,
        } => {
            if let Some(filter) = filter {
                split_conjuncts(filter, &mut conjuncts);
            }
            let access = match access {
                Access::Sequential => choose_access(&table, &conjuncts),
                chosen => chosen,
            };
            Plan::Scan {
                table,
                access,
                filter: conjoin(conjuncts),
                with_row_id,
                alias,
            }
        }
        Plan::NestedLoopJoin {
            left,
            right,
            condition,
            kind,
            right_width,
        } => join::plan_join(*left, *right, condition, kind, right_width, conjuncts),
        Plan::HashJoin {
            left,
            right,
            left_keys,
            right_keys,
            condition,
            kind,
            right_width,
        } => wrap_filter(
            Plan::HashJoin {
                left: Box::new(push_down(*left, Vec::new())),
                right: Box::new(push_down(*right, Vec::new())),
                left_keys,
                right_keys,
                condition,
                kind,
                right_width,
            },
            conjuncts,
        ),
        Plan::Single
        | Plan::Values { .. }
        | Plan::FunctionScan { .. }
        | Plan::WorkTableScan { .. } => wrap_filter(plan, conjuncts),
        Plan::Project { input, exprs } => {
            // A conjunct over projected columns is the same conjunct over the projection's
            // input with the expressions substituted, when evaluating those expressions once
            // more per row changes nothing (no volatile functions, no subqueries).
            let (through, above): (Vec<Expr>, Vec<Expr>) = conjuncts
                .into_iter()
                .partition(|c| substitutable(c, &exprs));
            let through = through
                .into_iter()
                .map(|c| remap(c, &|i| exprs[i].clone()))
                .collect();
            wrap_filter(
                Plan::Project {
                    input: Box::new(push_down(*input, through)),
                    exprs,
                },
                above,
            )
        }
        Plan::Aggregate {
            input,
            group_by,
            aggregates,
        } => {
            // A conjunct over group keys only keeps or drops whole groups: it can filter the
            // input rows instead (PostgreSQL pushes such quals below the aggregation too).
            let keys = group_by.len();
            let (below, above): (Vec<Expr>, Vec<Expr>) = conjuncts.into_iter().partition(|c| {
                column_range(c).is_some_and(|(_, high)| high < keys) && substitutable(c, &group_by)
            });
            let below = below
                .into_iter()
                .map(|c| remap(c, &|i| group_by[i].clone()))
                .collect();
            wrap_filter(
                Plan::Aggregate {
                    input: Box::new(push_down(*input, below)),
                    group_by,
                    aggregates,
                },
                above,
            )
        }
        // Filtering commutes with sorting and with duplicate removal.
        Plan::Sort { input, keys } => Plan::Sort {
            input: Box::new(push_down(*input, conjuncts)),
            keys,
        },
        Plan::Distinct { input } => Plan::Distinct {
            input: Box::new(push_down(*input, conjuncts)),
        },
        Plan::DistinctOn { input, keys } => wrap_filter(
            Plan::DistinctOn {
                input: Box::new(push_down(*input, Vec::new())),
                keys,
            },
            conjuncts,
        ),
        Plan::Limit {
            input,
            limit,
            offset,
        } => wrap_filter(
            Plan::Limit {
                input: Box::new(push_down(*input, Vec::new())),
                limit,
                offset,
            },
            conjuncts,
        ),
        // A filter over UNION ALL is the same filter over each input.
        Plan::Append { inputs } => Plan::Append {
            inputs: inputs
                .into_iter()
                .map(|input| push_down(input, conjuncts.clone()))
                .collect(),
        },
        Plan::SetOp {
            op,
            all,
            left,
            right,
        } => wrap_filter(
            Plan::SetOp {
                op,
                all,
                left: Box::new(push_down(*left, Vec::new())),
                right: Box::new(push_down(*right, Vec::new())),
            },
            conjuncts,
        ),
        Plan::RecursiveUnion {
            name,
            work_table,
            anchor,
            recursive,
            distinct,
        } => wrap_filter(
            Plan::RecursiveUnion {
                name,
                work_table,
                anchor: Box::new(push_down(*anchor, Vec::new())),
                recursive: Box::new(push_down(*recursive, Vec::new())),
                distinct,
            },
            conjuncts,
        ),
        Plan::Window { input, calls } => wrap_filter(
            Plan::Window {
                input: Box::new(push_down(*input, Vec::new())),
                calls,
            },
            conjuncts,
        ),
        Plan::ProjectSet { input, calls } => wrap_filter(
            Plan::ProjectSet {
                input: Box::new(push_down(*input, Vec::new())),
                calls,
            },
            conjuncts,
        ),
        // Shared by several references: each filters its own copy of the rows.
        Plan::Materialize { id, label, input } => wrap_filter(
            Plan::Materialize {
                id,
                label,
                input: Box::new(push_down(*input, Vec::new())),
            },
            conjuncts,
        ),
    }
}

/// Whether `conjunct` may be evaluated below a projection with `exprs` substituted.
fn substitutable(conjunct: &Expr, exprs: &[Expr]) -> bool {
    if is_volatile(conjunct) {
        return false;
    }
    let mut safe = true;
    walk(conjunct, &mut |e| {
        if let Expr::Column(i) = e {
            match exprs.get(*i) {
                Some(projected) => {
                    if is_volatile(projected) {
                        safe = false;
                    }
                }
                None => safe = false,
            }
        }
    });
    safe
}

/// Whether evaluating the expression twice could differ from evaluating it once, or cost a
/// subquery run: `random()` and subqueries.
pub(crate) fn is_volatile(expr: &Expr) -> bool {
    let mut volatile = false;
    walk(expr, &mut |e| {
        if matches!(
            e,
            Expr::Subquery(_)
                | Expr::Function {
                    function: Function::Random,
                    ..
                }
        ) {
            volatile = true;
        }
    });
    volatile
}

pub(crate) fn wrap_filter(plan: Plan, conjuncts: Vec<Expr>) -> Plan {
    match conjoin(conjuncts) {
        Some(predicate) => Plan::Filter {
            input: Box::new(plan),
            predicate,
        },
        None => plan,
    }
}

/// Whether any expression of the plan's query level reads a correlated value
/// ([`Expr::Correlated`]).
pub fn references_correlated(plan: &Plan) -> bool {
    let mut found = false;
    let mut check = |e: &Expr| {
        walk(e, &mut |inner| {
            if matches!(inner, Expr::Correlated(_)) {
                found = true;
            }
        })
    };
    visit_plan_exprs(plan, &mut check);
    found
}

/// Whether any expression in the plan reads the enclosing nested loop's outer row.
pub fn references_outer(plan: &Plan) -> bool {
    let mut found = false;
    let mut check = |e: &Expr| {
        walk(e, &mut |inner| {
            if matches!(inner, Expr::OuterColumn(_)) {
                found = true;
            }
        })
    };
    visit_plan_exprs(plan, &mut check);
    found
}

/// Calls `f` on every top-level expression of every node of this query level (nested loops'
/// inner sides included, subquery plans not: [`walk`] stops at them).
pub(crate) fn visit_plan_exprs(plan: &Plan, f: &mut dyn FnMut(&Expr)) {
    match plan {
        Plan::Single | Plan::WorkTableScan { .. } => {}
        Plan::Values { rows } => {
            for e in rows.iter().flatten() {
                f(e);
            }
        }
        Plan::FunctionScan { args, .. } => args.iter().for_each(&mut *f),
        Plan::Scan { access, filter, .. } => {
            if let Some(filter) = filter {
                f(filter);
            }
            if let Access::Index { lower, upper, .. } = access {
                for bound in [lower, upper] {
                    if let IndexBound::Included(items) | IndexBound::Excluded(items) = bound {
                        for (e, _) in items {
                            f(e);
                        }
                    }
                }
            }
        }
        Plan::Filter { input, predicate } => {
            f(predicate);
            visit_plan_exprs(input, f);
        }
        Plan::Project { input, exprs } => {
            for e in exprs {
                f(e);
            }
            visit_plan_exprs(input, f);
        }
        Plan::Aggregate {
            input,
            group_by,
            aggregates,
        } => {
            for e in group_by {
                f(e);
            }
            for call in aggregates {
                call.args.iter().for_each(&mut *f);
                call.filter.iter().for_each(&mut *f);
                call.order_by.iter().for_each(|k| f(&k.expr));
            }
            visit_plan_exprs(input, f);
        }
        Plan::ProjectSet { input, calls } => {
            for call in calls {
                call.args.iter().for_each(&mut *f);
            }
            visit_plan_exprs(input, f);
        }
        Plan::Window { input, calls } => {
            for call in calls {
                call.args.iter().for_each(&mut *f);
                call.filter.iter().for_each(&mut *f);
                call.partition_by.iter().for_each(&mut *f);
                call.order_by.iter().for_each(|k| f(&k.expr));
                for bound in [&call.frame.start, &call.frame.end] {
                    if let crate::plan::FrameBound::Preceding(e)
                    | crate::plan::FrameBound::Following(e) = bound
                    {
                        f(e);
                    }
                }
            }
            visit_plan_exprs(input, f);
        }
        Plan::Sort { input, keys } => {
            keys.iter().for_each(|k| f(&k.expr));
            visit_plan_exprs(input, f);
        }
        Plan::DistinctOn { input, keys } => {
            keys.iter().for_each(&mut *f);
            visit_plan_exprs(input, f);
        }
        Plan::Distinct { input } => visit_plan_exprs(input, f),
        Plan::Limit {
            input,
            limit,
            offset,
        } => {
            for e in limit.iter().chain(offset.iter()) {
                f(e);
            }
            visit_plan_exprs(input, f);
        }
        Plan::NestedLoopJoin {
            left,
            right,
            condition,
            ..
        } => {
            if let Some(condition) = condition {
                f(condition);
            }
            visit_plan_exprs(left, f);
            // The inner side's outer references belong to this join, not to an enclosing one,
            // but a nested join's inner side may also reach further out; report both.
            visit_plan_exprs(right, f);
        }
        Plan::HashJoin {
            left,
            right,
            left_keys,
            right_keys,
            condition,
            ..
        } => {
            left_keys.iter().chain(right_keys).for_each(&mut *f);
            condition.iter().for_each(&mut *f);
            visit_plan_exprs(left, f);
            visit_plan_exprs(right, f);
        }
        Plan::Append { inputs } => inputs.iter().for_each(|input| visit_plan_exprs(input, f)),
        Plan::SetOp { left, right, .. } => {
            visit_plan_exprs(left, f);
            visit_plan_exprs(right, f);
        }
        Plan::RecursiveUnion {
            anchor, recursive, ..
        } => {
            visit_plan_exprs(anchor, f);
            visit_plan_exprs(recursive, f);
        }
        Plan::Materialize { input, .. } => visit_plan_exprs(input, f),
    }
}

/// A node's inputs.
pub(crate) fn children(plan: &Plan) -> Vec<&Plan> {
    match plan {
        Plan::Single
        | Plan::Values { .. }
        | Plan::Scan { .. }
        | Plan::FunctionScan { .. }
        | Plan::WorkTableScan { .. } => Vec::new(),
        Plan::Filter { input, .. }
        | Plan::Project { input, .. }
        | Plan::Aggregate { input, .. }
        | Plan::Sort { input, .. }
        | Plan::Distinct { input }
        | Plan::DistinctOn { input, .. }
        | Plan::Limit { input, .. }
        | Plan::Window { input, .. }
        | Plan::ProjectSet { input, .. }
        | Plan::Materialize { input, .. } => vec![input],
        Plan::NestedLoopJoin { left, right, .. }
        | Plan::HashJoin { left, right, .. }
        | Plan::SetOp { left, right, .. } => vec![left, right],
        Plan::RecursiveUnion {
            anchor, recursive, ..
        } => vec![anchor, recursive],
        Plan::Append { inputs } => inputs.iter().collect(),
    }
}

/// Whether some node of the plan (this level or a subquery's) satisfies `test`.
pub(crate) fn any_node(plan: &Plan, test: &dyn Fn(&Plan) -> bool) -> bool {
    if test(plan) || children(plan).into_iter().any(|c| any_node(c, test)) {
        return true;
    }
    let mut found = false;
    visit_plan_exprs(plan, &mut |expr| {
        walk(expr, &mut |inner| {
            if let Expr::Subquery(subquery) = inner
                && any_node(&subquery.plan, test)
            {
                found = true;
            }
        })
    });
    found
}
