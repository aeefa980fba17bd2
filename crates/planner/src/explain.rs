//! `EXPLAIN`: the chosen plan as indented text, in PostgreSQL's layout (without costs: db001
//! has no cost model yet, and printing invented numbers would mislead).

use crate::plan::{Access, Plan};

/// The lines of `EXPLAIN` output for a plan.
pub fn explain(plan: &Plan) -> Vec<String> {
    let mut lines = Vec::new();
    node(plan, 0, &mut lines);
    lines
}

fn node(plan: &Plan, depth: usize, lines: &mut Vec<String>) {
    let indent = if depth == 0 {
        String::new()
    } else {
        format!("{}->  ", " ".repeat(depth * 6 - 4))
    };
    let detail_indent = " ".repeat(depth * 6 + 2);
    let mut push = |title: String| lines.push(format!("{indent}{title}"));
    match plan {
        Plan::Single => push("Result".to_string()),
        Plan::Values { rows } => push(format!("Values Scan on \"*VALUES*\" ({} rows)", rows.len())),
        Plan::Scan {
            table,
            access,
            filter,
            ..
        } => {
            match access {
                Access::Sequential => push(format!("Seq Scan on {}", table.schema.name)),
                Access::Index {
                    index_name,
                    reverse,
                    ..
                } => push(format!(
                    "Index Scan{} using {index_name} on {}",
                    if *reverse { " Backward" } else { "" },
                    table.schema.name
                )),
            }
            if filter.is_some() {
                lines.push(format!("{detail_indent}Filter: (re-checked per row)"));
            }
        }
        Plan::Filter { input, .. } => {
            push("Filter".to_string());
            node(input, depth + 1, lines);
        }
        Plan::Project { input, .. } => node(input, depth, lines),
        Plan::Aggregate {
            input, group_by, ..
        } => {
            push(if group_by.is_empty() {
                "Aggregate".to_string()
            } else {
                "HashAggregate".to_string()
            });
            node(input, depth + 1, lines);
        }
        Plan::Sort { input, .. } => {
            push("Sort".to_string());
            node(input, depth + 1, lines);
        }
        Plan::Distinct { input } => {
            push("HashAggregate (DISTINCT)".to_string());
            node(input, depth + 1, lines);
        }
        Plan::Limit { input, .. } => {
            push("Limit".to_string());
            node(input, depth + 1, lines);
        }
        Plan::NestedLoopJoin {
            left,
            right,
            left_outer,
            ..
        } => {
            push(if *left_outer {
                "Nested Loop Left Join".to_string()
            } else {
                "Nested Loop".to_string()
            });
            node(left, depth + 1, lines);
            node(right, depth + 1, lines);
        }
    }
}
