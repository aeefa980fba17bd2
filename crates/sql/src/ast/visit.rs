//! Walking the tree: every expression node, every relation a query reads.
//!
//! The engine's DDL needs these to find what a CHECK constraint or a view refers to (the
//! columns a constraint is named after and renamed with, the tables a view depends on) without
//! binding. Walks recurse as deep as the tree, which the parser bounds ([`crate::MAX_DEPTH`]);
//! each level runs on a fresh stack segment when the current one runs low, as `Display` does.

use super::{
    Expr, FunctionCall, ObjectName, Query, SelectItem, SetExpr, TableFactor, TableWithJoins,
};

fn guarded<T>(walk: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, walk)
}

/// The direct sub-expressions of `expr` (not those inside subqueries).
fn children(expr: &Expr) -> Vec<&Expr> {
    match expr {
        Expr::Column(_)
        | Expr::Literal(..)
        | Expr::Parameter(..)
        | Expr::TypedString { .. }
        | Expr::Subquery(..)
        | Expr::ArraySubquery(..)
        | Expr::Exists { .. }
        | Expr::Default(_) => Vec::new(),
        Expr::Unary { expr, .. }
        | Expr::Is { expr, .. }
        | Expr::Cast { expr, .. }
        | Expr::Collate { expr, .. }
        | Expr::FieldSelect { expr, .. }
        | Expr::FieldWildcard { expr, .. }
        | Expr::Nested(expr, _)
        | Expr::InSubquery { expr, .. } => vec![expr],
        Expr::Binary { left, right, .. }
        | Expr::IsDistinctFrom { left, right, .. }
        | Expr::AnyAll { left, right, .. } => vec![left, right],
        Expr::Between {
            expr, low, high, ..
        } => vec![expr, low, high],
        Expr::InList { expr, list, .. } => {
            let mut all = vec![expr.as_ref()];
            all.extend(list);
            all
        }
        Expr::Like {
            expr,
            pattern,
            escape,
            ..
        } => {
            let mut all = vec![expr.as_ref(), pattern.as_ref()];
            all.extend(escape.as_deref());
            all
        }
        Expr::Case {
            operand,
            when_then,
            else_result,
            ..
        } => {
            let mut all: Vec<&Expr> = operand.as_deref().into_iter().collect();
            for (when, then) in when_then {
                all.push(when);
                all.push(then);
            }
            all.extend(else_result.as_deref());
            all
        }
        Expr::Function(call) => call_children(call),
        Expr::Array(items, _) | Expr::Row(items, _) => items.iter().collect(),
        Expr::Subscript { expr, index, .. } => vec![expr, index],
    }
}

fn call_children(call: &FunctionCall) -> Vec<&Expr> {
    let mut all: Vec<&Expr> = call.args.iter().collect();
    all.extend(call.order_by.iter().map(|o| &o.expr));
    all.extend(call.filter.as_deref());
    if let Some(over) = &call.over {
        all.extend(&over.partition_by);
        all.extend(over.order_by.iter().map(|o| &o.expr));
    }
    all
}

/// Calls `visit` on `expr` and every expression below it, outside subqueries, parents first.
pub fn walk_expr<'a>(expr: &'a Expr, visit: &mut dyn FnMut(&'a Expr)) {
    guarded(|| {
        visit(expr);
        for child in children(expr) {
            walk_expr(child, visit);
        }
    });
}

/// Whether `expr` holds a subquery (scalar, EXISTS, IN or ANY/ALL over a query).
pub fn contains_subquery(expr: &Expr) -> bool {
    let mut found = false;
    walk_expr(expr, &mut |node| {
        if matches!(
            node,
            Expr::Subquery(..)
                | Expr::ArraySubquery(..)
                | Expr::Exists { .. }
                | Expr::InSubquery { .. }
        ) {
            found = true;
        }
    });
    found
}

/// The distinct column names `expr` refers to (the last part of each reference), in order of
/// first appearance.
pub fn column_names(expr: &Expr) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    walk_expr(expr, &mut |node| {
        if let Expr::Column(parts) = node
            && let Some(last) = parts.last()
            && !names.contains(&last.value)
        {
            names.push(last.value.clone());
        }
    });
    names
}

/// Renames every reference to column `old` (unqualified, or qualified by anything) to `new`,
/// outside subqueries. Returns whether any was renamed.
pub fn rename_column(expr: &mut Expr, old: &str, new: &str) -> bool {
    guarded(|| {
        let mut renamed = false;
        if let Expr::Column(parts) = expr
            && let Some(last) = parts.last_mut()
            && last.value == old
        {
            last.value = new.to_string();
            renamed = true;
        }
        for child in children_mut(expr) {
            renamed |= rename_column(child, old, new);
        }
        renamed
    })
}

fn children_mut(expr: &mut Expr) -> Vec<&mut Expr> {
    match expr {
        Expr::Column(_)
        | Expr::Literal(..)
        | Expr::Parameter(..)
        | Expr::TypedString { .. }
        | Expr::Subquery(..)
        | Expr::ArraySubquery(..)
        | Expr::Exists { .. }
        | Expr::Default(_) => Vec::new(),
        Expr::Unary { expr, .. }
        | Expr::Is { expr, .. }
        | Expr::Cast { expr, .. }
        | Expr::Collate { expr, .. }
        | Expr::FieldSelect { expr, .. }
        | Expr::FieldWildcard { expr, .. }
        | Expr::Nested(expr, _)
        | Expr::InSubquery { expr, .. } => vec![expr],
        Expr::Binary { left, right, .. }
        | Expr::IsDistinctFrom { left, right, .. }
        | Expr::AnyAll { left, right, .. } => vec![left, right],
        Expr::Between {
            expr, low, high, ..
        } => vec![expr, low, high],
        Expr::InList { expr, list, .. } => {
            let mut all = vec![expr.as_mut()];
            all.extend(list.iter_mut());
            all
        }
        Expr::Like {
            expr,
            pattern,
            escape,
            ..
        } => {
            let mut all = vec![expr.as_mut(), pattern.as_mut()];
            all.extend(escape.as_deref_mut());
            all
        }
        Expr::Case {
            operand,
            when_then,
            else_result,
            ..
        } => {
            let mut all: Vec<&mut Expr> = operand.as_deref_mut().into_iter().collect();
            for (when, then) in when_then {
                all.push(when);
                all.push(then);
            }
            all.extend(else_result.as_deref_mut());
            all
        }
        Expr::Function(call) => {
            let call = call.as_mut();
            let mut all: Vec<&mut Expr> = call.args.iter_mut().collect();
            all.extend(call.order_by.iter_mut().map(|o| &mut o.expr));
            all.extend(call.filter.as_deref_mut());
            if let Some(over) = &mut call.over {
                all.extend(over.partition_by.iter_mut());
                all.extend(over.order_by.iter_mut().map(|o| &mut o.expr));
            }
            all
        }
        Expr::Array(items, _) | Expr::Row(items, _) => items.iter_mut().collect(),
        Expr::Subscript { expr, index, .. } => vec![expr, index],
    }
}

/// Every relation name a query reads: FROM items at every level, in subqueries too, and the
/// names WITH queries define (so a caller can tell them apart from tables).
#[derive(Debug, Default)]
pub struct Relations {
    pub names: Vec<ObjectName>,
    pub cte_names: Vec<String>,
}

/// The relations `query` reads (see [`Relations`]).
pub fn query_relations(query: &Query) -> Relations {
    let mut relations = Relations::default();
    collect_query(query, &mut relations);
    relations
}

fn collect_query(query: &Query, out: &mut Relations) {
    guarded(|| {
        if let Some(with) = &query.with {
            for cte in &with.ctes {
                out.cte_names.push(cte.name.value.clone());
                collect_query(&cte.query, out);
            }
        }
        collect_set_expr(&query.body, out);
        for item in &query.order_by {
            collect_expr(&item.expr, out);
        }
        for expr in query.limit.iter().chain(&query.offset) {
            collect_expr(expr, out);
        }
    });
}

fn collect_set_expr(body: &SetExpr, out: &mut Relations) {
    guarded(|| match body {
        SetExpr::Select(select) => {
            for item in &select.from {
                collect_from(item, out);
            }
            for item in &select.projection {
                if let SelectItem::Expr { expr, .. } = item {
                    collect_expr(expr, out);
                }
            }
            for expr in select
                .selection
                .iter()
                .chain(&select.group_by)
                .chain(&select.having)
            {
                collect_expr(expr, out);
            }
        }
        SetExpr::Values(values) => {
            for expr in values.rows.iter().flatten() {
                collect_expr(expr, out);
            }
        }
        SetExpr::Query(query) => collect_query(query, out),
        SetExpr::SetOperation { left, right, .. } => {
            collect_set_expr(left, out);
            collect_set_expr(right, out);
        }
    });
}

fn collect_from(item: &TableWithJoins, out: &mut Relations) {
    guarded(|| {
        collect_factor(&item.relation, out);
        for join in &item.joins {
            collect_factor(&join.relation, out);
            if let super::JoinConstraint::On(expr) = &join.constraint {
                collect_expr(expr, out);
            }
        }
    });
}

fn collect_factor(factor: &TableFactor, out: &mut Relations) {
    match factor {
        TableFactor::Table { name, .. } => out.names.push(name.clone()),
        TableFactor::Derived { subquery, .. } => collect_query(subquery, out),
        TableFactor::Function { args, .. } => {
            for arg in args {
                collect_expr(arg, out);
            }
        }
        TableFactor::NestedJoin(inner) => collect_from(inner, out),
    }
}

fn collect_expr(expr: &Expr, out: &mut Relations) {
    walk_expr(expr, &mut |node| match node {
        Expr::Subquery(query, _)
        | Expr::ArraySubquery(query, _)
        | Expr::Exists {
            subquery: query, ..
        }
        | Expr::InSubquery {
            subquery: query, ..
        } => collect_query(query, out),
        _ => {}
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Statement;

    fn expr(sql: &str) -> Expr {
        crate::parse_expr(sql).expect("valid expression")
    }

    #[test]
    fn columns_are_found_and_renamed_outside_subqueries() {
        let mut check = expr("a > 0 AND (t.b + a) < coalesce(c, 1) AND d IN (SELECT e FROM f)");
        assert_eq!(column_names(&check), ["a", "b", "c", "d"]);
        assert!(contains_subquery(&check));
        assert!(rename_column(&mut check, "a", "z"));
        assert_eq!(
            check.to_string(),
            "z > 0 AND (t.b + z) < COALESCE(c, 1) AND d IN (SELECT e FROM f)"
        );
        assert!(!rename_column(&mut check, "e", "y"), "inside a subquery");
        assert!(!contains_subquery(&expr("CASE WHEN a THEN 1 END")));
    }

    #[test]
    fn relations_of_a_query_include_joins_subqueries_and_ctes() {
        let statements = crate::parse(
            "WITH w AS (SELECT * FROM s.base) SELECT * FROM a JOIN (b CROSS JOIN c) ON a.x = \
             (SELECT max(y) FROM d) WHERE EXISTS (SELECT 1 FROM w) UNION SELECT 1 FROM e",
        )
        .expect("valid");
        let Statement::Select(query) = &statements[0] else {
            panic!("a query");
        };
        let relations = query_relations(query);
        let names: Vec<String> = relations.names.iter().map(|n| n.to_string()).collect();
        assert_eq!(names, ["s.base", "a", "b", "c", "d", "w", "e"]);
        assert_eq!(relations.cte_names, ["w"]);
    }
}
