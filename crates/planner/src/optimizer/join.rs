//! How a join runs, decided once push-down has brought it every conjunct it can use.
//!
//! The conjuncts of the ON clause and of the WHERE clause above the join are sorted first by the
//! sides they read: one side only goes into that side (where the join kind allows it: a filter
//! may not move into the side whose unmatched rows are kept with NULLs), both sides become join
//! conjuncts, and whatever may not move stays in a filter above the join. Then, in order:
//!
//! 1. **Index nested loop** (inner, left, semi and anti joins): when the right side is a table
//!    scan and the join conjuncts, read with the left row's values as constants
//!    ([`Expr::OuterColumn`]), let it look up an index — `orders.customer_id = customers.id`
//!    with an index on `orders.customer_id` — each left row costs one index probe.
//! 2. **Hash join** on the conjuncts of the form `left expression = right expression`, the rest
//!    checked on each matching pair. The hash table is built on the side with fewer estimated
//!    rows (the inputs are swapped, and a projection restores the column order, when the left
//!    side is smaller). Semi and anti joins always build on their right side.
//! 3. **Nested loop** over the right side's rows, computed once and kept.
//!
//! The join order is FROM's order: db001 has no statistics that would make reordering a safe
//! bet, and FROM order is what the query's author wrote (usually from the driving table out).

use crate::plan::{Access, BinaryOp, Expr, IndexBound, JoinKind, Plan};

use super::{
    choose_access, column_range, conjoin, estimate_rows, push_down, remap, split_conjuncts, walk,
    width, wrap_filter,
};

/// Which inputs of a join an expression reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Neither,
    Left,
    Right,
    Both,
}

fn side(expr: &Expr, left_width: usize) -> Side {
    match column_range(expr) {
        None => Side::Neither,
        Some((_, high)) if high < left_width => Side::Left,
        Some((low, _)) if low >= left_width => Side::Right,
        _ => Side::Both,
    }
}

/// Plans the join of `left` and `right` (from the binder's nested loop) with the WHERE
/// `conjuncts` that reached it.
pub(super) fn plan_join(
    left: Plan,
    right: Plan,
    condition: Option<Expr>,
    kind: JoinKind,
    right_width: usize,
    conjuncts: Vec<Expr>,
) -> Plan {
    let left_width = width(&left);
    let to_right_side = |e: Expr| remap(e, &|c| Expr::Column(c - left_width));
    let mut to_left = Vec::new();
    let mut to_right = Vec::new();
    let mut join_conjuncts = Vec::new();
    let mut above = Vec::new();
    for conjunct in conjuncts {
        match (side(&conjunct, left_width), kind) {
            (
                Side::Left | Side::Neither,
                JoinKind::Inner | JoinKind::Left | JoinKind::Semi | JoinKind::Anti,
            ) => to_left.push(conjunct),
            (Side::Right, JoinKind::Inner | JoinKind::Right) => {
                to_right.push(to_right_side(conjunct))
            }
            (Side::Both, JoinKind::Inner) => join_conjuncts.push(conjunct),
            _ => above.push(conjunct),
        }
    }
    if let Some(condition) = condition {
        let mut parts = Vec::new();
        split_conjuncts(condition, &mut parts);
        for part in parts {
            match (side(&part, left_width), kind) {
                (Side::Left | Side::Neither, JoinKind::Inner) | (Side::Left, JoinKind::Right) => {
                    to_left.push(part)
                }
                (
                    Side::Right,
                    JoinKind::Inner | JoinKind::Left | JoinKind::Semi | JoinKind::Anti,
                ) => to_right.push(to_right_side(part)),
                _ => join_conjuncts.push(part),
            }
        }
    }
    let left = push_down(left, to_left);

    let plan =
        if let Some(inner) = index_lookup(&right, &to_right, &join_conjuncts, kind, left_width) {
            Plan::NestedLoopJoin {
                left: Box::new(left),
                right: Box::new(inner),
                condition: None,
                kind,
                right_width,
            }
        } else {
            let right = push_down(right, to_right);
            hash_join(left, right, join_conjuncts, kind, left_width, right_width)
        };
    wrap_filter(plan, above)
}

/// The right side as an index lookup driven by the left row, if an index can use the join
/// conjuncts.
fn index_lookup(
    right: &Plan,
    to_right: &[Expr],
    join_conjuncts: &[Expr],
    kind: JoinKind,
    left_width: usize,
) -> Option<Plan> {
    if join_conjuncts.is_empty() || matches!(kind, JoinKind::Right | JoinKind::Full) {
        return None;
    }
    let Plan::Scan {
        table,
        access: Access::Sequential,
        filter,
        with_row_id,
        alias,
    } = right
    else {
        return None;
    };
    let mut inner = to_right.to_vec();
    if let Some(filter) = filter {
        split_conjuncts(filter.clone(), &mut inner);
    }
    for conjunct in join_conjuncts {
        inner.push(remap(conjunct.clone(), &|c| {
            if c < left_width {
                Expr::OuterColumn(c)
            } else {
                Expr::Column(c - left_width)
            }
        }));
    }
    let Access::Index { lower, upper, .. } = choose_access(table, &inner) else {
        return None;
    };
    let mut driven = false;
    for bound in [&lower, &upper] {
        if let IndexBound::Included(items) | IndexBound::Excluded(items) = bound {
            for (value, _) in items {
                walk(value, &mut |e| {
                    if matches!(e, Expr::OuterColumn(_)) {
                        driven = true;
                    }
                });
            }
        }
    }
    if !driven {
        return None;
    }
    Some(push_down(
        Plan::Scan {
            table: table.clone(),
            access: Access::Sequential,
            filter: None,
            with_row_id: *with_row_id,
            alias: alias.clone(),
        },
        inner,
    ))
}

/// A hash join on the equality conjuncts, or a nested loop when there are none.
fn hash_join(
    left: Plan,
    right: Plan,
    join_conjuncts: Vec<Expr>,
    kind: JoinKind,
    left_width: usize,
    right_width: usize,
) -> Plan {
    let mut left_keys = Vec::new();
    let mut right_keys = Vec::new();
    let mut residual = Vec::new();
    for conjunct in join_conjuncts {
        if let Expr::Binary {
            op: BinaryOp::Eq,
            left: l,
            right: r,
        } = &conjunct
        {
            let key = match (side(l, left_width), side(r, left_width)) {
                (Side::Left, Side::Right) => Some((l.as_ref().clone(), r.as_ref().clone())),
                (Side::Right, Side::Left) => Some((r.as_ref().clone(), l.as_ref().clone())),
                _ => None,
            };
            if let Some((left_key, right_key)) = key {
                left_keys.push(left_key);
                right_keys.push(remap(right_key, &|c| Expr::Column(c - left_width)));
                continue;
            }
        }
        residual.push(conjunct);
    }
    if left_keys.is_empty() {
        return Plan::NestedLoopJoin {
            left: Box::new(left),
            right: Box::new(right),
            condition: conjoin(residual),
            kind,
            right_width,
        };
    }
    let swap = kind.swapped().is_some() && estimate_rows(&left) < estimate_rows(&right);
    if !swap {
        return Plan::HashJoin {
            left: Box::new(left),
            right: Box::new(right),
            left_keys,
            right_keys,
            condition: conjoin(residual),
            kind,
            right_width,
        };
    }
    // Build on the (smaller) left input: swap the inputs, then restore the column order.
    let swapped_kind = kind.swapped().expect("checked above");
    let condition = conjoin(residual).map(|c| {
        remap(c, &|i| {
            if i < left_width {
                Expr::Column(i + right_width)
            } else {
                Expr::Column(i - left_width)
            }
        })
    });
    let join = Plan::HashJoin {
        left: Box::new(right),
        right: Box::new(left),
        left_keys: right_keys,
        right_keys: left_keys,
        condition,
        kind: swapped_kind,
        right_width: left_width,
    };
    let exprs = (0..left_width)
        .map(|i| Expr::Column(right_width + i))
        .chain((0..right_width).map(Expr::Column))
        .collect();
    Plan::Project {
        input: Box::new(join),
        exprs,
    }
}
