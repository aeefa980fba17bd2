//! WITH queries read once are inlined.
//!
//! The binder puts every reference to a WITH query whose rows do not vary within the statement
//! in a [`Plan::Materialize`] node, so that all references share one computation (PostgreSQL's
//! CTE Scan). A WITH query referenced only once gains nothing from that and loses push-down
//! (a filter on it could not reach its scans), so — as PostgreSQL 12 and later do — its node
//! is removed and the query's plan takes its place.

use std::collections::HashMap;

use crate::plan::{BoundStatement, Expr, Plan};

use super::subplans::{map_children, map_exprs};
use super::{children, map_statement_plans, rewrite, visit_plan_exprs, walk};

/// Removes the Materialize nodes of WITH queries the statement reads only once.
pub(super) fn inline_single_references(statement: BoundStatement) -> BoundStatement {
    let mut counts = HashMap::new();
    let count_expr = |expr: &Expr, counts: &mut HashMap<usize, usize>| {
        walk(expr, &mut |inner| {
            if let Expr::Subquery(subquery) = inner {
                count(&subquery.plan, counts);
            }
        })
    };
    match &statement {
        BoundStatement::Query { plan, lock, .. } => {
            count(plan, &mut counts);
            if let Some(lock) = lock {
                count(&lock.scan, &mut counts);
            }
        }
        BoundStatement::Insert {
            source, returning, ..
        } => {
            count(source, &mut counts);
            for expr in returning.iter().flat_map(|r| &r.exprs) {
                count_expr(expr, &mut counts);
            }
        }
        BoundStatement::Update {
            scan,
            assignments,
            returning,
            ..
        } => {
            count(scan, &mut counts);
            for (_, expr) in assignments {
                count_expr(expr, &mut counts);
            }
            for expr in returning.iter().flat_map(|r| &r.exprs) {
                count_expr(expr, &mut counts);
            }
        }
        BoundStatement::Delete {
            scan, returning, ..
        } => {
            count(scan, &mut counts);
            for expr in returning.iter().flat_map(|r| &r.exprs) {
                count_expr(expr, &mut counts);
            }
        }
    }
    map_statement_plans(statement, &|plan| inline(plan, &counts))
}

/// Counts the Materialize nodes of each WITH query, in this plan and its subqueries.
fn count(plan: &Plan, counts: &mut HashMap<usize, usize>) {
    count_level(plan, counts);
    // Each expression of the level once; `walk` does not enter subquery plans, `count` does.
    visit_plan_exprs(plan, &mut |expr| {
        walk(expr, &mut |inner| {
            if let Expr::Subquery(subquery) = inner {
                count(&subquery.plan, counts);
            }
        })
    });
}

fn count_level(plan: &Plan, counts: &mut HashMap<usize, usize>) {
    if let Plan::Materialize { id, .. } = plan {
        *counts.entry(*id).or_default() += 1;
    }
    for child in children(plan) {
        count_level(child, counts);
    }
}

/// Inlines the Materialize nodes read once, in this plan and its subqueries.
fn inline(plan: Plan, counts: &HashMap<usize, usize>) -> Plan {
    let plan = inline_level(plan, counts);
    map_exprs(plan, &|expr| {
        rewrite(expr, &|leaf| leaf, &|subplan| inline(subplan, counts))
    })
}

fn inline_level(plan: Plan, counts: &HashMap<usize, usize>) -> Plan {
    match map_children(plan, &|child| inline_level(child, counts)) {
        Plan::Materialize { id, input, .. } if counts.get(&id).copied().unwrap_or(0) <= 1 => *input,
        other => other,
    }
}
