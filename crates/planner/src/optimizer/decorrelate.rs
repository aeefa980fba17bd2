//! Decorrelation: `EXISTS`, `NOT EXISTS` and `IN` subqueries among a filter's conjuncts become
//! semi and anti joins.
//!
//! ```text
//! Filter (EXISTS (SELECT ... FROM b WHERE b.x = a.y))      Semi Join (b.x = a.y)
//!   Scan a                                           ==>     Scan a
//!                                                            Scan b
//! ```
//!
//! The subquery's WHERE, with its correlated values replaced by the expressions of the outer
//! row they stand for, becomes the join condition; `x IN (SELECT e ...)` adds `x = e`. Join
//! planning then runs the semi join as a hash join or an index lookup instead of running the
//! subquery once per row. Only subqueries of the shape `SELECT ... FROM ... [WHERE ...]` whose
//! FROM reads no outer value are rewritten (no aggregates, DISTINCT, LIMIT or set operations);
//! `NOT IN` is not, because its NULL rules are not an anti join's. In a filter, "NULL" and
//! "false" both reject the row, so `IN` as a semi join is exact.

use crate::plan::{Expr, JoinKind, Plan, SubqueryExpr, SubqueryKind};

use super::subplans::map_children;
use super::{references_correlated, rewrite, split_conjuncts, width, wrap_filter};

/// Rewrites every filter of this query level (bottom-up), including the filters UPDATE and
/// DELETE put in their table scans.
pub(super) fn decorrelate(plan: Plan) -> Plan {
    let plan = map_children(plan, &decorrelate);
    let plan = match plan {
        Plan::Scan {
            table,
            access,
            filter: Some(filter),
            with_row_id,
            alias,
        } if contains_subquery(&filter) => Plan::Filter {
            input: Box::new(Plan::Scan {
                table,
                access,
                filter: None,
                with_row_id,
                alias,
            }),
            predicate: filter,
        },
        other => other,
    };
    let Plan::Filter { input, predicate } = plan else {
        return plan;
    };
    let mut conjuncts = Vec::new();
    split_conjuncts(predicate, &mut conjuncts);
    let mut input = *input;
    let mut rest = Vec::new();
    for conjunct in conjuncts {
        let (joined, kept) = semi_join(input, conjunct);
        input = joined;
        rest.extend(kept);
    }
    wrap_filter(input, rest)
}

/// `left` semi/anti-joined with the subquery of `conjunct`, or both back unchanged.
fn semi_join(left: Plan, conjunct: Expr) -> (Plan, Option<Expr>) {
    match try_semi_join(left, conjunct) {
        Ok(joined) => (joined, None),
        Err(unchanged) => (unchanged.0, Some(unchanged.1)),
    }
}

#[allow(clippy::result_large_err)] // the error hands both inputs back; it is never propagated
fn try_semi_join(left: Plan, conjunct: Expr) -> Result<Plan, (Plan, Expr)> {
    let (kind, negated) = match &conjunct {
        Expr::Subquery(subquery) => match &subquery.kind {
            SubqueryKind::Exists => (JoinKind::Semi, false),
            SubqueryKind::Compare {
                op: crate::plan::BinaryOp::Eq,
                all: false,
                ..
            } => (JoinKind::Semi, false),
            _ => return Err((left, conjunct)),
        },
        Expr::Not(inner) => match inner.as_ref() {
            Expr::Subquery(subquery) if subquery.kind == SubqueryKind::Exists => {
                (JoinKind::Anti, true)
            }
            _ => return Err((left, conjunct)),
        },
        _ => return Err((left, conjunct)),
    };
    if !decomposable(&conjunct, negated) {
        return Err((left, conjunct));
    }
    // Taken apart from a copy, so that the conjunct can be handed back should the shape
    // checked above not be there after all.
    let subquery = match conjunct.clone() {
        Expr::Subquery(subquery) => *subquery,
        Expr::Not(inner) => match *inner {
            Expr::Subquery(subquery) => *subquery,
            _ => return Err((left, conjunct)),
        },
        _ => return Err((left, conjunct)),
    };
    let SubqueryExpr {
        kind: subquery_kind,
        plan,
        correlated,
    } = subquery;
    let Plan::Project { input, exprs } = plan else {
        return Err((left, conjunct));
    };
    let (from, predicate) = match *input {
        Plan::Filter { input, predicate } => (*input, Some(predicate)),
        other => (other, None),
    };
    let left_width = width(&left);
    // Inner columns move behind the outer row; correlated values become the outer
    // expressions they stand for.
    let to_join = |expr: Expr| {
        rewrite(
            expr,
            &|leaf| match leaf {
                Expr::Column(c) => Expr::Column(c + left_width),
                Expr::Correlated(i) => correlated.get(i).cloned().unwrap_or(Expr::Correlated(i)),
                other => other,
            },
            &|plan| plan,
        )
    };
    let mut condition = Vec::new();
    if let Some(predicate) = predicate {
        split_conjuncts(to_join(predicate), &mut condition);
    }
    if let SubqueryKind::Compare {
        left: value, op, ..
    } = subquery_kind
    {
        let Some(item) = exprs.into_iter().next() else {
            return Err((left, conjunct));
        };
        condition.push(Expr::Binary {
            op,
            left: value,
            right: Box::new(to_join(item)),
        });
    }
    let right_width = width(&from);
    Ok(Plan::NestedLoopJoin {
        left: Box::new(left),
        right: Box::new(from),
        condition: condition
            .into_iter()
            .reduce(|l, r| Expr::And(Box::new(l), Box::new(r))),
        kind,
        right_width,
    })
}

fn contains_subquery(expr: &Expr) -> bool {
    let mut found = false;
    super::walk(expr, &mut |e| {
        if matches!(e, Expr::Subquery(_)) {
            found = true;
        }
    });
    found
}

/// Whether the subquery has the shape [`semi_join`] takes apart.
fn decomposable(conjunct: &Expr, negated: bool) -> bool {
    let subquery = match (conjunct, negated) {
        (Expr::Subquery(subquery), false) => subquery,
        (Expr::Not(inner), true) => match inner.as_ref() {
            Expr::Subquery(subquery) => subquery,
            _ => return false,
        },
        _ => return false,
    };
    let Plan::Project { input, exprs } = &subquery.plan else {
        return false;
    };
    if matches!(subquery.kind, SubqueryKind::Compare { .. }) && exprs.len() != 1 {
        return false;
    }
    let from = match input.as_ref() {
        Plan::Filter { input, .. } => input.as_ref(),
        other => other,
    };
    !references_correlated(from)
}
