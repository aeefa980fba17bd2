//! `EXPLAIN`: the chosen plan as text, in PostgreSQL's layout.
//!
//! Node names, indentation (`->  ` arrows, two-space steps) and the detail lines (`Filter`,
//! `Index Cond`, `Hash Cond`, `Join Filter`, `Sort Key`, `Group Key`, `SubPlan n`) follow
//! PostgreSQL's `explain.c`, so the output reads like PostgreSQL's `EXPLAIN (COSTS OFF)`.
//! Expressions are printed the way `ruleutils.c` prints them: every operator parenthesised,
//! columns qualified by their table's alias once the query reads more than one relation,
//! string constants with their type (`'a'::text`). There are no costs: db001 has no cost
//! model yet, and invented numbers would mislead.
//!
//! Differences from PostgreSQL that remain: db001's plan tree has no Subquery Scan, CTE Scan or
//! Materialize nodes (derived tables, WITH queries and views are flattened into the plan),
//! projections are not shown, `IN (list)` prints as written rather than as `= ANY (array)`, and
//! subqueries always appear as `SubPlan n` (PostgreSQL prints uncorrelated ones as InitPlans).

use std::collections::{HashMap, HashSet};

use db001_common::{DataType, Value};

use crate::optimizer::as_comparison;
use crate::plan::{
    Access, BoundStatement, Expr, FrameBound, FrameUnits, IndexBound, JoinKind, Plan, SetOpKind,
    SortKey, SubqueryExpr, SubqueryKind, WindowCall, WindowFrame,
};

/// The lines of `EXPLAIN` output for a statement: a query's plan, or the Insert / Update /
/// Delete node above the plan that produces the rows it writes.
pub fn explain_statement(statement: &BoundStatement) -> Vec<String> {
    let (verb, table, plan) = match statement {
        BoundStatement::Query { plan, .. } => return explain(plan),
        BoundStatement::Insert { table, source, .. } => ("Insert", table, source),
        BoundStatement::Update { table, scan, .. } => ("Update", table, scan),
        BoundStatement::Delete { table, scan, .. } => ("Delete", table, scan),
    };
    let mut lines = vec![format!("{verb} on {}", quoted(&table.schema.name))];
    lines.extend(explain(plan).into_iter().enumerate().map(|(i, line)| {
        if i == 0 {
            format!("  ->  {line}")
        } else {
            format!("      {line}")
        }
    }));
    lines
}

/// The lines of `EXPLAIN` output for a plan.
pub fn explain(plan: &Plan) -> Vec<String> {
    let names = relation_names(plan);
    let mut explainer = Explainer {
        lines: Vec::new(),
        shown_ctes: HashSet::new(),
        qualify: names.len() > 1,
        names: &names,
        subplans: 0,
    };
    explainer.render(plan, 0, None, &Context::default());
    explainer.lines
}

/// What names the expressions of one node can print besides its input's columns.
#[derive(Debug, Clone, Default)]
struct Context {
    /// The enclosing nested loop's outer row ([`Expr::OuterColumn`]).
    outer: Labels,
    /// The subquery's correlated values ([`Expr::Correlated`]).
    correlated: Labels,
}

/// Names for a row's columns.
type Labels = Vec<String>;

/// Subqueries met in a node's expressions: number, subquery, names of its correlated values.
type SubPlans<'p> = Vec<(usize, &'p SubqueryExpr, Labels)>;

/// A child line of a node.
enum Child<'p> {
    Plan(&'p Plan, Context),
    /// PostgreSQL's Hash node above a hash join's build side.
    Hash(&'p Plan),
}

struct Explainer<'n> {
    lines: Vec<String>,
    /// WITH queries whose plan was printed already.
    shown_ctes: HashSet<usize>,
    /// Each relation scan's unique name (see [`relation_names`]).
    names: &'n HashMap<usize, String>,
    /// Whether column names carry their relation's name.
    qualify: bool,
    /// Subqueries numbered so far (`SubPlan n`).
    subplans: usize,
}

impl Explainer<'_> {
    /// Prints `plan` at PostgreSQL's `indent` (in steps of two spaces) under the optional
    /// `plan_name` label, as `ExplainNode` does.
    fn render(&mut self, plan: &Plan, indent: usize, plan_name: Option<String>, context: &Context) {
        let mut indent = indent;
        if let Some(name) = plan_name {
            self.lines.push(format!("{}{name}", "  ".repeat(indent)));
            indent += 1;
        }
        let mut prefix = String::new();
        if indent > 0 {
            prefix = format!("{}->  ", "  ".repeat(indent));
            indent += 2;
        }
        indent += 1;
        // Projections and filters are not nodes of their own in PostgreSQL's plans: a filter
        // shows as a detail of the node under it.
        let mut attached = Vec::new();
        let mut projections = Vec::new();
        let mut current = plan;
        loop {
            match current {
                Plan::Filter { input, predicate } => {
                    attached.push((predicate, self.labels(input, context)));
                    current = input;
                }
                Plan::Project { input, exprs } => {
                    projections.push((exprs, self.labels(input, context)));
                    current = input;
                }
                _ => break,
            }
        }
        let mut subplans = SubPlans::new();
        // Subqueries in the select list are printed under the node that computes it.
        for (exprs, labels) in projections.iter().rev() {
            for expr in exprs.iter() {
                self.expr(expr, labels, context, &mut subplans);
            }
        }
        let (title, mut details, children) = self.describe(current, context, &mut subplans);
        let filter_label = if matches!(current, Plan::Single) {
            "One-Time Filter"
        } else {
            "Filter"
        };
        for (predicate, labels) in attached.iter().rev() {
            let text = self.condition(predicate, labels, context, &mut subplans);
            details.push(format!("{filter_label}: {text}"));
        }
        self.lines.push(format!("{prefix}{title}"));
        let detail_indent = "  ".repeat(indent);
        for detail in details {
            self.lines.push(format!("{detail_indent}{detail}"));
        }
        for child in children {
            match child {
                Child::Plan(plan, context) => self.render(plan, indent, None, &context),
                Child::Hash(plan) => {
                    self.lines.push(format!("{}->  Hash", "  ".repeat(indent)));
                    self.render(plan, indent + 3, None, context);
                }
            }
        }
        for (number, subquery, correlated) in subplans {
            let inner = Context {
                outer: Labels::new(),
                correlated,
            };
            self.render(
                &subquery.plan,
                indent,
                Some(format!("SubPlan {number}")),
                &inner,
            );
        }
    }

    /// A node's title, detail lines and children.
    fn describe<'p>(
        &mut self,
        plan: &'p Plan,
        context: &Context,
        subplans: &mut SubPlans<'p>,
    ) -> (String, Vec<String>, Vec<Child<'p>>) {
        let mut details = Vec::new();
        let mut children = Vec::new();
        let same = |plan: &'p Plan| Child::Plan(plan, context.clone());
        let title = match plan {
            Plan::Single => "Result".to_string(),
            // PostgreSQL computes a single VALUES row in a Result node.
            Plan::Values { rows } if rows.len() == 1 => "Result".to_string(),
            Plan::Values { .. } => "Values Scan on \"*VALUES*\"".to_string(),
            Plan::Scan {
                table,
                access,
                filter,
                alias,
                ..
            } => {
                let name = &table.schema.name;
                let label = self.relation_name(plan);
                let shown = if label != *name {
                    format!("{} {}", quoted(name), quoted(&label))
                } else {
                    quoted(name)
                };
                let _ = alias;
                let labels = self.labels(plan, context);
                let mut conjuncts = filter.as_ref().map(conjuncts_of).unwrap_or_default();
                let title = match access {
                    Access::Sequential => format!("Seq Scan on {shown}"),
                    Access::Index {
                        index_id,
                        index_name,
                        lower,
                        upper,
                        reverse,
                    } => {
                        let used = bound_len(lower).max(bound_len(upper));
                        let index_columns: Vec<usize> = table
                            .schema
                            .indexes
                            .iter()
                            .find(|i| i.id == *index_id)
                            .map(|i| i.columns.iter().take(used).copied().collect())
                            .unwrap_or_default();
                        let (index_cond, rest): (Vec<&Expr>, Vec<&Expr>) =
                            conjuncts.into_iter().partition(|c| {
                                as_comparison(c)
                                    .is_some_and(|cmp| index_columns.contains(&cmp.column))
                            });
                        // The indexed column on the left, as PostgreSQL prints index quals.
                        let mut parts = Vec::new();
                        for conjunct in &index_cond {
                            let Some(comparison) = as_comparison(conjunct) else {
                                continue;
                            };
                            let value = self.expr(comparison.value, &labels, context, subplans);
                            let column = labels.get(comparison.column).cloned().unwrap_or_default();
                            parts.push(format!("({column} {} {value})", comparison.op.symbol()));
                        }
                        match parts.as_slice() {
                            [] => {}
                            [only] => details.push(format!("Index Cond: {only}")),
                            many => details.push(format!("Index Cond: ({})", many.join(" AND "))),
                        }
                        conjuncts = rest;
                        let direction = if *reverse { " Backward" } else { "" };
                        let index_name = quoted(index_name);
                        format!("Index Scan{direction} using {index_name} on {shown}")
                    }
                };
                if let Some(text) = self.conjunction(&conjuncts, &labels, context, subplans) {
                    details.push(format!("Filter: {text}"));
                }
                title
            }
            Plan::FunctionScan { function, .. } => {
                let label = self.relation_name(plan);
                let name = function.name();
                if label == name {
                    format!("Function Scan on {name}")
                } else {
                    format!("Function Scan on {name} {}", quoted(&label))
                }
            }
            Plan::WorkTableScan { name, .. } => format!("WorkTable Scan on {}", quoted(name)),
            Plan::Filter { input, .. } | Plan::Project { input, .. } => {
                // Peeled off by `render`; only reachable as a Hash child's top.
                children.push(same(input));
                "Result".to_string()
            }
            Plan::Aggregate {
                input, group_by, ..
            } => {
                let labels = self.labels(input, context);
                if !group_by.is_empty() {
                    let keys: Vec<String> = group_by
                        .iter()
                        .map(|e| self.expr(e, &labels, context, subplans))
                        .collect();
                    details.push(format!("Group Key: {}", keys.join(", ")));
                }
                children.push(same(input));
                if group_by.is_empty() {
                    "Aggregate".to_string()
                } else {
                    "HashAggregate".to_string()
                }
            }
            Plan::Sort { input, keys } => {
                let labels = self.labels(input, context);
                let keys = self.sort_keys(keys, &labels, context, subplans);
                details.push(format!("Sort Key: {keys}"));
                children.push(same(input));
                "Sort".to_string()
            }
            Plan::Distinct { input } => {
                let labels = self.labels(input, context);
                details.push(format!("Group Key: {}", labels.join(", ")));
                children.push(same(input));
                "HashAggregate".to_string()
            }
            Plan::DistinctOn { input, .. } => {
                children.push(same(input));
                "Unique".to_string()
            }
            Plan::Limit { input, .. } => {
                children.push(same(input));
                "Limit".to_string()
            }
            Plan::NestedLoopJoin {
                left,
                right,
                condition,
                kind,
                ..
            } => {
                let right_context = Context {
                    outer: self.labels(left, context),
                    correlated: context.correlated.clone(),
                };
                if let Some(condition) = condition {
                    let combined = self.join_labels(left, right, context, &right_context);
                    let text = self.condition(condition, &combined, context, subplans);
                    details.push(format!("Join Filter: {text}"));
                }
                children.push(same(left));
                children.push(Child::Plan(right, right_context));
                format!("Nested Loop{}", join_suffix(*kind))
            }
            Plan::HashJoin {
                left,
                right,
                left_keys,
                right_keys,
                condition,
                kind,
                ..
            } => {
                let left_labels = self.labels(left, context);
                let right_labels = self.labels(right, context);
                let pairs: Vec<String> = left_keys
                    .iter()
                    .zip(right_keys)
                    .map(|(l, r)| {
                        let l = self.expr(l, &left_labels, context, subplans);
                        let r = self.expr(r, &right_labels, context, subplans);
                        format!("({l} = {r})")
                    })
                    .collect();
                details.push(match pairs.as_slice() {
                    [only] => format!("Hash Cond: {only}"),
                    _ => format!("Hash Cond: ({})", pairs.join(" AND ")),
                });
                if let Some(condition) = condition {
                    let combined = self.join_labels(left, right, context, context);
                    let text = self.condition(condition, &combined, context, subplans);
                    details.push(format!("Join Filter: {text}"));
                }
                children.push(same(left));
                children.push(Child::Hash(right));
                let suffix = match kind {
                    JoinKind::Inner => " Join",
                    other => join_suffix(*other),
                };
                format!("Hash{suffix}")
            }
            Plan::Append { inputs } => {
                children.extend(inputs.iter().map(same));
                "Append".to_string()
            }
            Plan::SetOp {
                op,
                all,
                left,
                right,
            } => {
                children.push(same(left));
                children.push(same(right));
                let op = match op {
                    SetOpKind::Intersect => "Intersect",
                    SetOpKind::Except => "Except",
                };
                let all = if *all { " All" } else { "" };
                format!("HashSetOp {op}{all}")
            }
            Plan::RecursiveUnion {
                anchor, recursive, ..
            } => {
                children.push(same(anchor));
                children.push(same(recursive));
                "Recursive Union".to_string()
            }
            Plan::Window { input, .. } => {
                children.push(same(input));
                "WindowAgg".to_string()
            }
            Plan::ProjectSet { input, .. } => {
                children.push(same(input));
                "ProjectSet".to_string()
            }
            Plan::Materialize { id, label, input } => {
                // The WITH query's own plan is shown under its first reference.
                if self.shown_ctes.insert(*id) {
                    children.push(same(input));
                }
                let relation = self.relation_name(plan);
                if relation == label.name {
                    format!("CTE Scan on {}", quoted(&label.name))
                } else {
                    format!("CTE Scan on {} {}", quoted(&label.name), quoted(&relation))
                }
            }
        };
        (title, details, children)
    }

    /// The names of a plan's output columns (pure: subqueries print as `(SubPlan)`).
    fn labels(&self, plan: &Plan, context: &Context) -> Labels {
        let mut quiet = Explainer {
            lines: Vec::new(),
            shown_ctes: HashSet::new(),
            qualify: self.qualify,
            names: self.names,
            subplans: 0,
        };
        quiet.labels_of(plan, context)
    }

    fn labels_of(&mut self, plan: &Plan, context: &Context) -> Labels {
        let mut ignored = SubPlans::new();
        match plan {
            Plan::Single => Labels::new(),
            Plan::Values { rows } => (1..=rows.first().map_or(0, Vec::len))
                .map(|i| self.qualified("*VALUES*", &format!("column{i}")))
                .collect(),
            Plan::Scan {
                table, with_row_id, ..
            } => {
                let relation = &self.relation_name(plan);
                let mut labels: Labels = table
                    .schema
                    .columns
                    .iter()
                    .map(|c| self.qualified(relation, &c.name))
                    .collect();
                if *with_row_id {
                    labels.push(self.qualified(relation, "ctid"));
                }
                labels
            }
            Plan::FunctionScan {
                alias,
                function,
                ordinality,
                ..
            } => {
                let relation = self.relation_name(plan);
                let column = alias.as_deref().unwrap_or(function.name());
                let mut labels = vec![self.qualified(&relation, column)];
                if *ordinality {
                    labels.push(self.qualified(&relation, "ordinality"));
                }
                labels
            }
            Plan::WorkTableScan { name, columns, .. } => {
                columns.iter().map(|c| self.qualified(name, c)).collect()
            }
            Plan::Filter { input, .. }
            | Plan::Sort { input, .. }
            | Plan::Distinct { input }
            | Plan::DistinctOn { input, .. }
            | Plan::Limit { input, .. } => self.labels_of(input, context),
            Plan::Project { input, exprs } => {
                let labels = self.labels_of(input, context);
                exprs
                    .iter()
                    .map(|e| self.expr(e, &labels, context, &mut ignored))
                    .collect()
            }
            Plan::Aggregate {
                input,
                group_by,
                aggregates,
            } => {
                let labels = self.labels_of(input, context);
                let mut out: Labels = group_by
                    .iter()
                    .map(|e| self.expr(e, &labels, context, &mut ignored))
                    .collect();
                for call in aggregates {
                    let args: Vec<String> = call
                        .args
                        .iter()
                        .map(|e| self.expr(e, &labels, context, &mut ignored))
                        .collect();
                    let args = match (args.is_empty(), call.distinct) {
                        (true, _) => "*".to_string(),
                        (false, true) => format!("DISTINCT {}", args.join(", ")),
                        (false, false) => args.join(", "),
                    };
                    out.push(format!("{}({args})", call.function.name()));
                }
                out
            }
            Plan::NestedLoopJoin {
                left, right, kind, ..
            }
            | Plan::HashJoin {
                left, right, kind, ..
            } => {
                let left_labels = self.labels_of(left, context);
                if !kind.emits_right() {
                    return left_labels;
                }
                let right_context = Context {
                    outer: left_labels.clone(),
                    correlated: context.correlated.clone(),
                };
                let right_labels = self.labels_of(right, &right_context);
                left_labels.into_iter().chain(right_labels).collect()
            }
            Plan::Append { inputs } => inputs
                .first()
                .map(|input| self.labels_of(input, context))
                .unwrap_or_default(),
            Plan::SetOp { left, .. } => self.labels_of(left, context),
            Plan::Materialize { label, .. } => {
                let relation = self.relation_name(plan);
                label
                    .columns
                    .iter()
                    .map(|c| self.qualified(&relation, c))
                    .collect()
            }
            Plan::RecursiveUnion { anchor, .. } => self.labels_of(anchor, context),
            Plan::Window { input, calls } => {
                let labels = self.labels_of(input, context);
                let mut out = labels.clone();
                for call in calls {
                    out.push(self.window_call(call, &labels, context, &mut ignored));
                }
                out
            }
            Plan::ProjectSet { input, calls } => {
                let labels = self.labels_of(input, context);
                let mut out = labels.clone();
                for call in calls {
                    let args: Vec<String> = call
                        .args
                        .iter()
                        .map(|e| self.expr(e, &labels, context, &mut ignored))
                        .collect();
                    out.push(format!("{}({})", call.function.name(), args.join(", ")));
                }
                out
            }
        }
    }

    /// The combined row of a join, as its join filter sees it.
    fn join_labels(
        &self,
        left: &Plan,
        right: &Plan,
        context: &Context,
        right_context: &Context,
    ) -> Labels {
        let mut labels = self.labels(left, context);
        labels.extend(self.labels(right, right_context));
        labels
    }

    /// The unique name of a relation scan node.
    fn relation_name(&self, plan: &Plan) -> String {
        self.names
            .get(&(plan as *const Plan as usize))
            .cloned()
            .unwrap_or_default()
    }

    fn qualified(&self, relation: &str, column: &str) -> String {
        let column = quoted(column);
        if self.qualify {
            format!("{}.{column}", quoted(relation))
        } else {
            column
        }
    }

    fn sort_keys<'p>(
        &mut self,
        keys: &'p [SortKey],
        labels: &Labels,
        context: &Context,
        subplans: &mut SubPlans<'p>,
    ) -> String {
        keys.iter()
            .map(|key| {
                let mut text = self.expr(&key.expr, labels, context, subplans);
                if key.descending {
                    text.push_str(" DESC");
                    if !key.nulls_first {
                        text.push_str(" NULLS LAST");
                    }
                } else if key.nulls_first {
                    text.push_str(" NULLS FIRST");
                }
                text
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn window_call<'p>(
        &mut self,
        call: &'p WindowCall,
        labels: &Labels,
        context: &Context,
        subplans: &mut SubPlans<'p>,
    ) -> String {
        let args: Vec<String> = call
            .args
            .iter()
            .map(|e| self.expr(e, labels, context, subplans))
            .collect();
        let mut over = Vec::new();
        if !call.partition_by.is_empty() {
            let keys: Vec<String> = call
                .partition_by
                .iter()
                .map(|e| self.expr(e, labels, context, subplans))
                .collect();
            over.push(format!("PARTITION BY {}", keys.join(", ")));
        }
        if !call.order_by.is_empty() {
            let keys = self.sort_keys(&call.order_by, labels, context, subplans);
            over.push(format!("ORDER BY {keys}"));
        }
        if call.frame != WindowFrame::default_frame() {
            let units = match call.frame.units {
                FrameUnits::Rows => "ROWS",
                FrameUnits::Range => "RANGE",
                FrameUnits::Groups => "GROUPS",
            };
            let start = self.frame_bound(&call.frame.start, labels, context, subplans);
            let end = self.frame_bound(&call.frame.end, labels, context, subplans);
            over.push(format!("{units} BETWEEN {start} AND {end}"));
        }
        format!(
            "{}({}) OVER ({})",
            call.function.name(),
            args.join(", "),
            over.join(" ")
        )
    }

    fn frame_bound<'p>(
        &mut self,
        bound: &'p FrameBound,
        labels: &Labels,
        context: &Context,
        subplans: &mut SubPlans<'p>,
    ) -> String {
        match bound {
            FrameBound::UnboundedPreceding => "UNBOUNDED PRECEDING".to_string(),
            FrameBound::UnboundedFollowing => "UNBOUNDED FOLLOWING".to_string(),
            FrameBound::CurrentRow => "CURRENT ROW".to_string(),
            FrameBound::Preceding(e) => {
                format!("{} PRECEDING", self.expr(e, labels, context, subplans))
            }
            FrameBound::Following(e) => {
                format!("{} FOLLOWING", self.expr(e, labels, context, subplans))
            }
        }
    }

    /// A predicate as PostgreSQL prints a qual list: conjuncts joined by AND.
    fn condition<'p>(
        &mut self,
        expr: &'p Expr,
        labels: &Labels,
        context: &Context,
        subplans: &mut SubPlans<'p>,
    ) -> String {
        let conjuncts = conjuncts_of(expr);
        self.conjunction(&conjuncts, labels, context, subplans)
            .unwrap_or_default()
    }

    fn conjunction<'p>(
        &mut self,
        conjuncts: &[&'p Expr],
        labels: &Labels,
        context: &Context,
        subplans: &mut SubPlans<'p>,
    ) -> Option<String> {
        match conjuncts {
            [] => None,
            [only] => Some(self.expr(only, labels, context, subplans)),
            many => {
                let parts: Vec<String> = many
                    .iter()
                    .map(|c| self.expr(c, labels, context, subplans))
                    .collect();
                Some(format!("({})", parts.join(" AND ")))
            }
        }
    }

    /// An expression as `ruleutils.c` prints it. Subqueries are numbered and queued in
    /// `subplans` (with their correlated values' names) to be printed after the node.
    fn expr<'p>(
        &mut self,
        expr: &'p Expr,
        labels: &Labels,
        context: &Context,
        subplans: &mut SubPlans<'p>,
    ) -> String {
        match expr {
            Expr::Column(i) => labels.get(*i).cloned().unwrap_or_else(|| format!("${i}")),
            Expr::OuterColumn(i) => context
                .outer
                .get(*i)
                .cloned()
                .unwrap_or_else(|| format!("outer.${i}")),
            Expr::Correlated(i) => context
                .correlated
                .get(*i)
                .cloned()
                .unwrap_or_else(|| format!("${i}")),
            Expr::Parameter(i) => format!("${}", i + 1),
            Expr::Literal(value) => constant(value),
            Expr::Negate(inner) => format!("(- {})", self.expr(inner, labels, context, subplans)),
            Expr::Not(inner) => format!("(NOT {})", self.expr(inner, labels, context, subplans)),
            Expr::Binary { op, left, right } => {
                let l = self.expr(left, labels, context, subplans);
                let r = self.expr(right, labels, context, subplans);
                format!("({l} {} {r})", op.symbol())
            }
            Expr::And(..) | Expr::Or(..) => {
                let is_and = matches!(expr, Expr::And(..));
                let mut parts = Vec::new();
                flatten(expr, is_and, &mut parts);
                let texts: Vec<String> = parts
                    .iter()
                    .map(|p| self.expr(p, labels, context, subplans))
                    .collect();
                let word = if is_and { " AND " } else { " OR " };
                format!("({})", texts.join(word))
            }
            Expr::IsNull { expr, negated } => {
                let not = if *negated { " NOT" } else { "" };
                let inner = self.expr(expr, labels, context, subplans);
                format!("({inner} IS{not} NULL)")
            }
            Expr::IsBool {
                expr,
                value,
                negated,
            } => {
                let not = if *negated { " NOT" } else { "" };
                let value = if *value { "TRUE" } else { "FALSE" };
                let inner = self.expr(expr, labels, context, subplans);
                format!("({inner} IS{not} {value})")
            }
            Expr::IsDistinctFrom {
                left,
                right,
                negated,
            } => {
                let not = if *negated { " NOT" } else { "" };
                let l = self.expr(left, labels, context, subplans);
                let r = self.expr(right, labels, context, subplans);
                format!("({l} IS{not} DISTINCT FROM {r})")
            }
            Expr::Cast { expr, to } => {
                format!("({})::{to}", self.expr(expr, labels, context, subplans))
            }
            Expr::Function { function, args } => {
                let args: Vec<String> = args
                    .iter()
                    .map(|a| self.expr(a, labels, context, subplans))
                    .collect();
                let name = format!("{function:?}").to_lowercase();
                format!("{name}({})", args.join(", "))
            }
            Expr::Case {
                operand,
                when_then,
                else_result,
            } => {
                let mut text = "CASE".to_string();
                if let Some(operand) = operand {
                    text.push(' ');
                    text.push_str(&self.expr(operand, labels, context, subplans));
                }
                for (when, then) in when_then {
                    let when = self.expr(when, labels, context, subplans);
                    let then = self.expr(then, labels, context, subplans);
                    text.push_str(&format!(" WHEN {when} THEN {then}"));
                }
                if let Some(else_result) = else_result {
                    let value = self.expr(else_result, labels, context, subplans);
                    text.push_str(&format!(" ELSE {value}"));
                }
                text.push_str(" END");
                text
            }
            Expr::InList {
                expr,
                list,
                negated,
            } => {
                let not = if *negated { " NOT" } else { "" };
                let value = self.expr(expr, labels, context, subplans);
                let items: Vec<String> = list
                    .iter()
                    .map(|i| self.expr(i, labels, context, subplans))
                    .collect();
                format!("({value}{not} IN ({}))", items.join(", "))
            }
            Expr::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
            } => {
                let op = match (negated, case_insensitive) {
                    (false, false) => "~~",
                    (true, false) => "!~~",
                    (false, true) => "~~*",
                    (true, true) => "!~~*",
                };
                let value = self.expr(expr, labels, context, subplans);
                let pattern = self.expr(pattern, labels, context, subplans);
                format!("({value} {op} {pattern})")
            }
            Expr::Subquery(subquery) => {
                self.subplans += 1;
                let number = self.subplans;
                let correlated: Labels = subquery
                    .correlated
                    .iter()
                    .map(|c| self.expr(c, labels, context, subplans))
                    .collect();
                let text = match &subquery.kind {
                    SubqueryKind::Scalar | SubqueryKind::Exists => format!("(SubPlan {number})"),
                    SubqueryKind::Array(_) => format!("ARRAY(SubPlan {number})"),
                    SubqueryKind::Compare { left, op, all } => {
                        let quantifier = if *all { "ALL" } else { "ANY" };
                        let left = self.expr(left, labels, context, subplans);
                        format!("({left} {} {quantifier} (SubPlan {number}))", op.symbol())
                    }
                };
                subplans.push((number, subquery.as_ref(), correlated));
                text
            }
        }
    }
}

/// The AND-ed parts of a predicate, borrowed.
fn conjuncts_of(expr: &Expr) -> Vec<&Expr> {
    let mut parts = Vec::new();
    flatten(expr, true, &mut parts);
    parts
}

fn flatten<'a>(expr: &'a Expr, is_and: bool, out: &mut Vec<&'a Expr>) {
    match expr {
        Expr::And(l, r) if is_and => {
            flatten(l, is_and, out);
            flatten(r, is_and, out);
        }
        Expr::Or(l, r) if !is_and => {
            flatten(l, is_and, out);
            flatten(r, is_and, out);
        }
        other => out.push(other),
    }
}

fn join_suffix(kind: JoinKind) -> &'static str {
    match kind {
        JoinKind::Inner => "",
        JoinKind::Left => " Left Join",
        JoinKind::Right => " Right Join",
        JoinKind::Full => " Full Join",
        JoinKind::Semi => " Semi Join",
        JoinKind::Anti => " Anti Join",
    }
}

fn bound_len(bound: &IndexBound) -> usize {
    match bound {
        IndexBound::Unbounded => 0,
        IndexBound::Included(items) | IndexBound::Excluded(items) => items.len(),
    }
}

/// A constant as PostgreSQL prints it: numbers bare, other values quoted with their type.
fn constant(value: &Value) -> String {
    match value {
        Value::Null => "NULL".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Int32(v) if *v >= 0 => v.to_string(),
        Value::Numeric(_) if !value.to_text().starts_with('-') => value.to_text(),
        other => {
            let data_type = other.data_type();
            let type_name = match data_type {
                DataType::Numeric(_) => "numeric".to_string(),
                t => t.to_string(),
            };
            format!("'{}'::{type_name}", other.to_text().replace('\'', "''"))
        }
    }
}

/// A name as EXPLAIN prints it: quoted when PostgreSQL's `quote_identifier` would quote it
/// (upper case, special characters, or a reserved keyword such as `user`).
fn quoted(name: &str) -> String {
    db001_sql::keywords::quote_identifier(name)
}

/// The name each relation scan (by node address) is shown under, made unique the way
/// PostgreSQL does it (`acc`, then `acc_1`), subqueries included.
fn relation_names(plan: &Plan) -> HashMap<usize, String> {
    let mut names = HashMap::new();
    let mut used: HashMap<String, usize> = HashMap::new();
    visit_relations(
        plan,
        &mut |node, name| {
            let count = used.entry(name.clone()).or_insert(0);
            let unique = if *count == 0 {
                name
            } else {
                format!("{name}_{count}")
            };
            *count += 1;
            names.insert(node as *const Plan as usize, unique);
        },
        &mut HashSet::new(),
    );
    names
}

fn visit_relations(plan: &Plan, f: &mut dyn FnMut(&Plan, String), seen: &mut HashSet<usize>) {
    visit_level(plan, f, seen);
    crate::optimizer::visit_plan_exprs(plan, &mut |expr| {
        crate::optimizer::walk(expr, &mut |inner| {
            if let Expr::Subquery(subquery) = inner {
                visit_relations(&subquery.plan, f, seen);
            }
        })
    });
}

/// The relations of one query level, in plan order.
fn visit_level(plan: &Plan, f: &mut dyn FnMut(&Plan, String), seen: &mut HashSet<usize>) {
    match plan {
        Plan::Scan { table, alias, .. } => f(
            plan,
            alias.clone().unwrap_or_else(|| table.schema.name.clone()),
        ),
        Plan::FunctionScan {
            alias, function, ..
        } => f(
            plan,
            alias.clone().unwrap_or_else(|| function.name().to_string()),
        ),
        Plan::Values { .. } => f(plan, "*VALUES*".to_string()),
        Plan::WorkTableScan { name, .. } => f(plan, name.clone()),
        Plan::Materialize { id, label, input } => {
            f(
                plan,
                label.alias.clone().unwrap_or_else(|| label.name.clone()),
            );
            // The WITH query's plan is shown (and named) once.
            if seen.insert(*id) {
                visit_level(input, f, seen);
            }
            return;
        }
        _ => {}
    }
    for child in crate::optimizer::children(plan) {
        visit_level(child, f, seen);
    }
}
