//! The optimizer: rewrites a bound plan without changing its meaning.
//!
//! Rules, applied in this order:
//! 1. **Predicate push-down.** WHERE and inner-join conditions are split into conjuncts; each goes
//!    to the lowest node that has all its columns. A conjunct that needs both sides of a nested
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

use db001_common::DataType;

use crate::plan::{Access, BinaryOp, BoundStatement, Expr, IndexBound, Plan, SortKey, TableRef};

/// Optimizes every plan inside a statement.
pub fn optimize_statement(statement: BoundStatement) -> BoundStatement {
    match statement {
        BoundStatement::Query {
            plan,
            columns,
            lock,
        } => BoundStatement::Query {
            plan: optimize(plan),
            columns,
            lock: lock.map(|lock| crate::plan::LockRows {
                table: lock.table,
                scan: optimize(lock.scan),
            }),
        },
        BoundStatement::Insert {
            table,
            source,
            values,
            returning,
            on_conflict,
        } => BoundStatement::Insert {
            table,
            source: optimize(source),
            values,
            returning,
            on_conflict,
        },
        BoundStatement::Update {
            table,
            scan,
            assignments,
            returning,
        } => BoundStatement::Update {
            table,
            scan: optimize(scan),
            assignments,
            returning,
        },
        BoundStatement::Delete {
            table,
            scan,
            returning,
        } => BoundStatement::Delete {
            table,
            scan: optimize(scan),
            returning,
        },
    }
}

/// Optimizes a plan.
pub fn optimize(plan: Plan) -> Plan {
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
        Plan::Filter { input, .. }
        | Plan::Sort { input, .. }
        | Plan::Distinct { input }
        | Plan::Limit { input, .. } => width(input),
        Plan::Project { exprs, .. } => exprs.len(),
        Plan::Aggregate {
            group_by,
            aggregates,
            ..
        } => group_by.len() + aggregates.len(),
        Plan::NestedLoopJoin {
            left, right_width, ..
        } => width(left) + right_width,
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

/// Calls `f` on every sub-expression.
fn walk(expr: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(expr);
    match expr {
        Expr::Column(_) | Expr::Literal(_) | Expr::Parameter(_) | Expr::OuterColumn(_) => {}
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
fn column_range(expr: &Expr) -> Option<(usize, usize)> {
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
fn is_row_independent(expr: &Expr) -> bool {
    column_range(expr).is_none()
}

/// Rewrites every column reference.
fn remap(expr: Expr, f: &dyn Fn(usize) -> Expr) -> Expr {
    let boxed = |e: Box<Expr>| Box::new(remap(*e, f));
    match expr {
        Expr::Column(c) => f(c),
        leaf @ (Expr::Literal(_) | Expr::Parameter(_) | Expr::OuterColumn(_)) => leaf,
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
fn push_down(plan: Plan, mut conjuncts: Vec<Expr>) -> Plan {
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
            }
        }
        Plan::NestedLoopJoin {
            left,
            right,
            condition,
            left_outer,
            right_width,
        } => {
            let left_width = width(&left);
            let mut to_left = Vec::new();
            let mut to_right = Vec::new();
            let mut above = Vec::new();
            let mut keep_condition = Vec::new();
            let to_inner = |e: Expr| {
                remap(e, &|c| {
                    if c < left_width {
                        Expr::OuterColumn(c)
                    } else {
                        Expr::Column(c - left_width)
                    }
                })
            };
            // WHERE conjuncts.
            for conjunct in conjuncts {
                match column_range(&conjunct) {
                    Some((_, hi)) if hi < left_width => to_left.push(conjunct),
                    _ if left_outer => above.push(conjunct),
                    _ => to_right.push(to_inner(conjunct)),
                }
            }
            // ON conjuncts: for an inner join they are just more WHERE conjuncts; for a left join
            // those that only read the left side decide matching and must stay on the join.
            if let Some(condition) = condition {
                let mut parts = Vec::new();
                split_conjuncts(condition, &mut parts);
                for part in parts {
                    match column_range(&part) {
                        Some((_, hi)) if hi < left_width && left_outer => keep_condition.push(part),
                        Some((_, hi)) if hi < left_width => to_left.push(part),
                        None if left_outer => keep_condition.push(part),
                        _ => to_right.push(to_inner(part)),
                    }
                }
            }
            let join = Plan::NestedLoopJoin {
                left: Box::new(push_down(*left, to_left)),
                right: Box::new(push_down(*right, to_right)),
                condition: conjoin(keep_condition),
                left_outer,
                right_width,
            };
            wrap_filter(join, above)
        }
        Plan::Single | Plan::Values { .. } => wrap_filter(plan, conjuncts),
        Plan::Project { input, exprs } => wrap_filter(
            Plan::Project {
                input: Box::new(push_down(*input, Vec::new())),
                exprs,
            },
            conjuncts,
        ),
        Plan::Aggregate {
            input,
            group_by,
            aggregates,
        } => wrap_filter(
            Plan::Aggregate {
                input: Box::new(push_down(*input, Vec::new())),
                group_by,
                aggregates,
            },
            conjuncts,
        ),
        Plan::Sort { input, keys } => wrap_filter(
            Plan::Sort {
                input: Box::new(push_down(*input, Vec::new())),
                keys,
            },
            conjuncts,
        ),
        Plan::Distinct { input } => wrap_filter(
            Plan::Distinct {
                input: Box::new(push_down(*input, Vec::new())),
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
    }
}

fn wrap_filter(plan: Plan, conjuncts: Vec<Expr>) -> Plan {
    match conjoin(conjuncts) {
        Some(predicate) => Plan::Filter {
            input: Box::new(plan),
            predicate,
        },
        None => plan,
    }
}

// ---------------------------------------------------------------- rule 2: access path

/// A conjunct of the form `column op value` with a row-independent value.
struct Comparison<'a> {
    column: usize,
    op: BinaryOp,
    value: &'a Expr,
}

fn as_comparison(expr: &Expr) -> Option<Comparison<'_>> {
    let Expr::Binary { op, left, right } = expr else {
        return None;
    };
    if !op.is_comparison() || *op == BinaryOp::NotEq {
        return None;
    }
    match (left.as_ref(), right.as_ref()) {
        (Expr::Column(c), value) if is_row_independent(value) => Some(Comparison {
            column: *c,
            op: *op,
            value,
        }),
        (value, Expr::Column(c)) if is_row_independent(value) => Some(Comparison {
            column: *c,
            op: op.flip(),
            value,
        }),
        _ => None,
    }
}

fn choose_access(table: &TableRef, conjuncts: &[Expr]) -> Access {
    let comparisons: Vec<Comparison<'_>> = conjuncts.iter().filter_map(as_comparison).collect();
    if comparisons.is_empty() {
        return Access::Sequential;
    }
    let column_type = |c: usize| table.schema.columns[c].data_type;
    let mut best: Option<((usize, bool, bool), Access)> = None;
    for index in &table.schema.indexes {
        let mut equal = Vec::new();
        for &column in &index.columns {
            match comparisons
                .iter()
                .find(|c| c.column == column && c.op == BinaryOp::Eq)
            {
                Some(c) => equal.push((c.value.clone(), column_type(column))),
                None => break,
            }
        }
        let mut lower = None;
        let mut upper = None;
        if let Some(&next) = index.columns.get(equal.len()) {
            for c in comparisons.iter().filter(|c| c.column == next) {
                let item = (c.value.clone(), column_type(next));
                match c.op {
                    BinaryOp::Gt if lower.is_none() => lower = Some((item, false)),
                    BinaryOp::GtEq if lower.is_none() => lower = Some((item, true)),
                    BinaryOp::Lt if upper.is_none() => upper = Some((item, false)),
                    BinaryOp::LtEq if upper.is_none() => upper = Some((item, true)),
                    _ => {}
                }
            }
        }
        if equal.is_empty() && lower.is_none() && upper.is_none() {
            continue;
        }
        let full_unique = index.unique && equal.len() == index.columns.len();
        let score = (equal.len(), full_unique, lower.is_some() || upper.is_some());
        let bound = |extra: Option<((Expr, DataType), bool)>| -> IndexBound {
            match extra {
                Some((item, inclusive)) => {
                    let mut key = equal.clone();
                    key.push(item);
                    if inclusive {
                        IndexBound::Included(key)
                    } else {
                        IndexBound::Excluded(key)
                    }
                }
                None if equal.is_empty() => IndexBound::Unbounded,
                None => IndexBound::Included(equal.clone()),
            }
        };
        let access = Access::Index {
            index_id: index.id,
            index_name: index.name.clone(),
            lower: bound(lower),
            upper: bound(upper),
            reverse: false,
        };
        let better = match &best {
            None => true,
            Some((best_score, _)) => {
                (score.1, score.0, score.2) > (best_score.1, best_score.0, best_score.2)
            }
        };
        if better {
            best = Some((score, access));
        }
    }
    best.map_or(Access::Sequential, |(_, access)| access)
}

// ---------------------------------------------------------------- rule 3: sort elimination

fn eliminate_sort(plan: Plan, under_limit: bool) -> Plan {
    match plan {
        Plan::Limit {
            input,
            limit,
            offset,
        } => Plan::Limit {
            input: Box::new(eliminate_sort(*input, true)),
            limit,
            offset,
        },
        Plan::Project { input, exprs } => Plan::Project {
            input: Box::new(eliminate_sort(*input, under_limit)),
            exprs,
        },
        Plan::Sort { input, keys } => match *input {
            Plan::Project { input: scan, exprs } => {
                let (scan, ordered) = ordered_scan(*scan, &exprs, &keys, under_limit);
                let project = Plan::Project {
                    input: Box::new(scan),
                    exprs,
                };
                if ordered {
                    project
                } else {
                    Plan::Sort {
                        input: Box::new(project),
                        keys,
                    }
                }
            }
            other => Plan::Sort {
                input: Box::new(other),
                keys,
            },
        },
        other => other,
    }
}

/// The scan, reading an index in the sort's order if it can; the flag says whether it does.
fn ordered_scan(scan: Plan, exprs: &[Expr], keys: &[SortKey], under_limit: bool) -> (Plan, bool) {
    let Plan::Scan {
        table,
        access,
        filter,
        with_row_id,
    } = scan
    else {
        return (scan, false);
    };
    let descending = keys.first().is_some_and(|k| k.descending);
    let sort_columns: Option<Vec<usize>> = keys
        .iter()
        .map(|k| match &k.expr {
            Expr::Column(i) if k.descending == descending && k.nulls_first == descending => {
                match exprs.get(*i) {
                    Some(Expr::Column(c)) => Some(*c),
                    _ => None,
                }
            }
            _ => None,
        })
        .collect();
    let rebuild = |access| Plan::Scan {
        table: table.clone(),
        access,
        filter: filter.clone(),
        with_row_id,
    };
    let Some(sort_columns) = sort_columns else {
        return (rebuild(access), false);
    };
    let satisfies = |index_columns: &[usize], equal_prefix: usize| {
        (0..=equal_prefix).any(|start| {
            index_columns.get(start..start + sort_columns.len()) == Some(sort_columns.as_slice())
        })
    };
    match access {
        Access::Index {
            index_id,
            index_name,
            lower,
            upper,
            ..
        } => {
            let index = table.schema.indexes.iter().find(|i| i.id == index_id);
            let equal_prefix = match (&lower, &upper) {
                (IndexBound::Included(l), IndexBound::Included(u)) => l.len().min(u.len()),
                _ => 0,
            };
            let ordered = index.is_some_and(|i| satisfies(&i.columns, equal_prefix));
            let scan = rebuild(Access::Index {
                index_id,
                index_name,
                lower,
                upper,
                reverse: ordered && descending,
            });
            (scan, ordered)
        }
        Access::Sequential if under_limit => {
            match table
                .schema
                .indexes
                .iter()
                .find(|i| satisfies(&i.columns, 0))
            {
                Some(index) => (
                    rebuild(Access::Index {
                        index_id: index.id,
                        index_name: index.name.clone(),
                        lower: IndexBound::Unbounded,
                        upper: IndexBound::Unbounded,
                        reverse: descending,
                    }),
                    true,
                ),
                None => (rebuild(Access::Sequential), false),
            }
        }
        Access::Sequential => (rebuild(Access::Sequential), false),
    }
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

/// Calls `f` on every top-level expression of every node (nested loops' inner sides included).
fn visit_plan_exprs(plan: &Plan, f: &mut dyn FnMut(&Expr)) {
    match plan {
        Plan::Single => {}
        Plan::Values { rows } => {
            for e in rows.iter().flatten() {
                f(e);
            }
        }
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
            for e in aggregates.iter().filter_map(|a| a.arg.as_ref()) {
                f(e);
            }
            visit_plan_exprs(input, f);
        }
        Plan::Sort { input, keys } => {
            keys.iter().for_each(|k| f(&k.expr));
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
    }
}
