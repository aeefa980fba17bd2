//! Access paths (rule 2) and sort elimination (rule 3): which index a scan reads, and when an
//! index's order makes a sort unnecessary. See the rule list in the parent module.

use db001_common::DataType;

use crate::plan::{Access, BinaryOp, Expr, IndexBound, Plan, SortKey, TableRef};

use super::is_row_independent;

// ---------------------------------------------------------------- rule 2: access path

/// A conjunct of the form `column op value` with a row-independent value.
pub(crate) struct Comparison<'a> {
    pub(crate) column: usize,
    pub(crate) op: BinaryOp,
    pub(crate) value: &'a Expr,
}

pub(crate) fn as_comparison(expr: &Expr) -> Option<Comparison<'_>> {
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

pub(crate) fn choose_access(table: &TableRef, conjuncts: &[Expr]) -> Access {
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

pub(super) fn eliminate_sort(plan: Plan, under_limit: bool) -> Plan {
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
        alias,
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
        alias: alias.clone(),
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
