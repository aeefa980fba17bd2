//! Whole queries: WITH, set operations (`UNION` / `INTERSECT` / `EXCEPT [ALL]`), and the ORDER BY,
//! LIMIT and OFFSET that apply to a query's result.
//!
//! Set operations follow PostgreSQL's `transformSetOperationTree`: columns are matched by
//! position, named after the leftmost query, and each column's type is the common type of the
//! two sides at every operator, an `unknown` side (a bare literal or NULL) taking the other
//! side's type. ORDER BY over a set operation may only name result columns.
//!
//! WITH queries are bound once where they are declared and copied into each reference (for
//! read-only queries that is what PostgreSQL's inlining does too). `WITH RECURSIVE` queries of
//! the form `anchor UNION [ALL] recursive-term` become a [`Plan::RecursiveUnion`].

use db001_common::{DataType, Error, Result, SqlState};
use db001_sql::ast;

use super::coerce::common_type;
use super::expr::strip_nested;
use super::select::{BoundSelect, output_position, sort_key};
use super::{Binder, CteBinding, CteState, Scope, ScopeColumn};
use crate::plan::{Expr, OutputColumn, Plan, SetOpKind};

impl Binder<'_> {
    /// Binds a query; returns its plan and result columns.
    pub(crate) fn bind_query(&mut self, query: &ast::Query) -> Result<(Plan, Vec<OutputColumn>)> {
        let ctes_before = self.ctes.len();
        let result = match &query.with {
            Some(with) => self
                .bind_with(with)
                .and_then(|()| self.bind_query_body(query)),
            None => self.bind_query_body(query),
        };
        self.ctes.truncate(ctes_before);
        result
    }

    fn bind_query_body(&mut self, query: &ast::Query) -> Result<(Plan, Vec<OutputColumn>)> {
        let bound = match &query.body {
            ast::SetExpr::Select(select) => self.bind_select(select, &query.order_by, false)?,
            ast::SetExpr::Values(values) => {
                let (plan, columns) = self.bind_values(values, None)?;
                self.order_plain(plan, columns, &query.order_by, false)?
            }
            ast::SetExpr::Query(inner) => {
                let (plan, columns) = self.bind_query(inner)?;
                self.order_plain(plan, columns, &query.order_by, false)?
            }
            ast::SetExpr::SetOperation { .. } => {
                let (plan, columns) = self.bind_set_expr(&query.body)?;
                self.order_plain(plan, columns, &query.order_by, true)?
            }
        };
        let mut plan = bound.plan;
        if query.limit.is_some() || query.offset.is_some() {
            let limit = query
                .limit
                .as_ref()
                .map(|e| self.bind_count(e, "LIMIT"))
                .transpose()?;
            let offset = query
                .offset
                .as_ref()
                .map(|e| self.bind_count(e, "OFFSET"))
                .transpose()?;
            plan = Plan::Limit {
                input: Box::new(plan),
                limit,
                offset,
            };
        }
        Ok((plan, bound.columns))
    }

    /// Binds a query that is part of the current one (a derived table or a WITH query): the
    /// current SELECT's clause state is kept aside meanwhile.
    pub(crate) fn bind_nested_query(
        &mut self,
        query: &ast::Query,
    ) -> Result<(Plan, Vec<OutputColumn>)> {
        let aggregate = self.aggregate.take();
        let window = self.window.take();
        let clause = self.clause;
        let locking = std::mem::replace(&mut self.locking, false);
        let result = self.bind_query(query);
        self.aggregate = aggregate;
        self.window = window;
        self.clause = clause;
        self.locking = locking;
        result
    }

    fn bind_count(&mut self, expr: &ast::Expr, clause: &'static str) -> Result<Expr> {
        let previous = std::mem::replace(&mut self.clause, clause);
        let saved = self.aggregate.take();
        let window = self.window.take();
        let result = self.bind_expr_to(expr, &Scope::default(), DataType::BigInt);
        self.aggregate = saved;
        self.window = window;
        self.clause = previous;
        result
    }

    /// Orders a plan whose columns are final (VALUES, parenthesised queries, set operations):
    /// ORDER BY names output columns by name or position; other expressions over them are
    /// allowed except after a set operation.
    fn order_plain(
        &mut self,
        plan: Plan,
        columns: Vec<OutputColumn>,
        order_by: &[ast::OrderByExpr],
        set_operation: bool,
    ) -> Result<BoundSelect> {
        if order_by.is_empty() {
            return Ok(BoundSelect { plan, columns });
        }
        let scope = Scope::relation(
            "",
            columns
                .iter()
                .map(|c| ScopeColumn {
                    qualifier: None,
                    name: c.name.clone(),
                    data_type: c.data_type,
                    table_oid: 0,
                    column_number: 0,
                })
                .collect(),
            Vec::new(),
        );
        let scope = Scope {
            relations: Vec::new(),
            ..scope
        };
        let mut keys = Vec::with_capacity(order_by.len());
        for item in order_by {
            let expr = match output_position(&item.expr, columns.len(), self.sql)? {
                Some(position) => Expr::Column(position),
                None if set_operation => {
                    let ast::Expr::Column(parts) = strip_nested(&item.expr) else {
                        return Err(Error::feature_not_supported(
                            "invalid UNION/INTERSECT/EXCEPT ORDER BY clause",
                        )
                        .with_detail(
                            "Only result column names can be used, not expressions or functions.",
                        )
                        .with_hint(
                            "Add the expression/function to every SELECT, or move the UNION into a FROM clause.",
                        )
                        .with_position(item.expr.span().position(self.sql)));
                    };
                    if parts.len() > 1 {
                        return Err(Error::feature_not_supported(
                            "invalid UNION/INTERSECT/EXCEPT ORDER BY clause",
                        )
                        .with_position(item.expr.span().position(self.sql)));
                    }
                    self.bind_expr(&item.expr, &scope)?.0
                }
                None => self.bind_expr(&item.expr, &scope)?.0,
            };
            keys.push(sort_key(expr, item));
        }
        Ok(BoundSelect {
            plan: Plan::Sort {
                input: Box::new(plan),
                keys,
            },
            columns,
        })
    }

    // ---------------------------------------------------------------- set operations

    /// Binds one operand of a set operation (or the whole tree).
    fn bind_set_expr(&mut self, body: &ast::SetExpr) -> Result<(Plan, Vec<OutputColumn>)> {
        match body {
            ast::SetExpr::Select(select) => {
                let bound = self.bind_select(select, &[], true)?;
                Ok((bound.plan, bound.columns))
            }
            ast::SetExpr::Values(values) => self.bind_values(values, None),
            ast::SetExpr::Query(query) => self.bind_query(query),
            ast::SetExpr::SetOperation {
                op,
                all,
                left,
                right,
            } => {
                let (left_plan, left_columns) = self.bind_set_expr(left)?;
                let (right_plan, right_columns) = self.bind_set_expr(right)?;
                let word = match op {
                    ast::SetOperator::Union => "UNION",
                    ast::SetOperator::Intersect => "INTERSECT",
                    ast::SetOperator::Except => "EXCEPT",
                };
                if left_columns.len() != right_columns.len() {
                    return Err(Error::syntax(format!(
                        "each {word} query must have the same number of columns"
                    )));
                }
                let mut targets = Vec::with_capacity(left_columns.len());
                for (l, r) in left_columns.iter().zip(&right_columns) {
                    let (lt, rt) = (l.data_type, r.data_type);
                    let target = if lt == rt {
                        lt
                    } else {
                        common_type(lt.without_modifier(), rt.without_modifier()).ok_or_else(
                            || {
                                Error::datatype_mismatch(format!(
                                    "{word} types {} and {} cannot be matched",
                                    lt.sql_name(),
                                    rt.sql_name()
                                ))
                            },
                        )?
                    };
                    targets.push(if target == DataType::Unknown {
                        DataType::Text
                    } else {
                        target
                    });
                }
                let left_plan = self.coerce_output(left_plan, &left_columns, &targets)?;
                let right_plan = self.coerce_output(right_plan, &right_columns, &targets)?;
                let columns = left_columns
                    .iter()
                    .zip(&targets)
                    .map(|(c, t)| OutputColumn {
                        name: c.name.clone(),
                        data_type: *t,
                        table_oid: 0,
                        column_number: 0,
                    })
                    .collect();
                let plan = match op {
                    ast::SetOperator::Union => {
                        let mut inputs = Vec::new();
                        for side in [left_plan, right_plan] {
                            match side {
                                // UNION ALL chains become one Append.
                                Plan::Append { inputs: nested } => inputs.extend(nested),
                                other => inputs.push(other),
                            }
                        }
                        let append = Plan::Append { inputs };
                        if *all {
                            append
                        } else {
                            Plan::Distinct {
                                input: Box::new(append),
                            }
                        }
                    }
                    ast::SetOperator::Intersect | ast::SetOperator::Except => Plan::SetOp {
                        op: if *op == ast::SetOperator::Intersect {
                            SetOpKind::Intersect
                        } else {
                            SetOpKind::Except
                        },
                        all: *all,
                        left: Box::new(left_plan),
                        right: Box::new(right_plan),
                    },
                };
                Ok((plan, columns))
            }
        }
    }

    /// Converts a plan's output columns to `targets`.
    pub(crate) fn coerce_output(
        &mut self,
        plan: Plan,
        columns: &[OutputColumn],
        targets: &[DataType],
    ) -> Result<Plan> {
        let changes = columns
            .iter()
            .zip(targets)
            .any(|(c, t)| c.data_type.without_modifier() != t.without_modifier());
        if !changes {
            return Ok(plan);
        }
        let (input, mut exprs) = match plan {
            Plan::Project { input, exprs } => (input, exprs),
            other => (
                Box::new(other),
                (0..columns.len()).map(Expr::Column).collect(),
            ),
        };
        for (i, (column, target)) in columns.iter().zip(targets).enumerate() {
            let from = column.data_type.without_modifier();
            if from != target.without_modifier() {
                let expr =
                    std::mem::replace(&mut exprs[i], Expr::Literal(db001_common::Value::Null));
                exprs[i] = self.coerce(expr, from, *target)?;
            }
        }
        Ok(Plan::Project { input, exprs })
    }

    // ---------------------------------------------------------------- WITH

    fn bind_with(&mut self, with: &ast::With) -> Result<()> {
        let first = self.ctes.len();
        for cte in &with.ctes {
            if self.ctes[first..].iter().any(|c| c.name == cte.name.value) {
                return Err(Error::new(
                    SqlState::new("42712"),
                    format!(
                        "WITH query name \"{}\" specified more than once",
                        cte.name.value
                    ),
                )
                .with_position(cte.name.span.position(self.sql)));
            }
            let (plan, columns) = if with.recursive {
                self.bind_recursive_cte(cte)?
            } else {
                self.bind_nested_query(&cte.query)?
            };
            let columns = rename_columns(columns, &cte.columns, &cte.name.value, "WITH query")?;
            let id = self.work_tables;
            self.work_tables += 1;
            self.ctes.push(CteBinding {
                name: cte.name.value.clone(),
                state: CteState::Ready { id, plan, columns },
                depth: self.outer.len(),
            });
        }
        Ok(())
    }

    /// A CTE of a `WITH RECURSIVE`: recursive if its recursive term names it.
    fn bind_recursive_cte(&mut self, cte: &ast::Cte) -> Result<(Plan, Vec<OutputColumn>)> {
        let name = &cte.name.value;
        let shape = match &cte.query.body {
            ast::SetExpr::SetOperation {
                op: ast::SetOperator::Union,
                all,
                left,
                right,
            } if cte.query.order_by.is_empty()
                && cte.query.limit.is_none()
                && cte.query.offset.is_none()
                && cte.query.with.is_none() =>
            {
                Some((*all, left, right))
            }
            _ => None,
        };
        if matches!(
            cte.query.body,
            ast::SetExpr::SetOperation {
                op: ast::SetOperator::Union,
                ..
            }
        ) {
            if !cte.query.order_by.is_empty() {
                return Err(Error::feature_not_supported(
                    "ORDER BY in a recursive query is not implemented",
                ));
            }
            if cte.query.limit.is_some() || cte.query.offset.is_some() {
                return Err(Error::feature_not_supported(
                    "LIMIT in a recursive query is not implemented",
                ));
            }
        }
        let Some((all, left, right)) = shape else {
            return self.with_pending_cte(
                cte,
                format!(
                    "recursive query \"{name}\" does not have the form non-recursive-term UNION [ALL] recursive-term"
                ),
                |binder| binder.bind_nested_query(&cte.query),
            );
        };
        let (anchor, anchor_columns) = self.with_pending_cte(
            cte,
            format!(
                "recursive reference to query \"{name}\" must not appear within its non-recursive term"
            ),
            |binder| binder.bind_nested_set_expr(left),
        )?;
        let anchor_columns = rename_columns(anchor_columns, &cte.columns, name, "WITH query")?;
        let id = self.work_tables;
        self.work_tables += 1;
        self.ctes.push(CteBinding {
            name: name.clone(),
            state: CteState::WorkTable {
                id,
                columns: anchor_columns.clone(),
                references: 0,
            },
            depth: self.outer.len(),
        });
        check_recursive_term(right)?;
        let recursive = self.bind_nested_set_expr(right);
        let binding = self.ctes.pop().expect("pushed above");
        let (recursive, recursive_columns) = recursive?;
        let CteState::WorkTable { references, .. } = binding.state else {
            return Err(Error::internal("work table binding changed state"));
        };
        if recursive_columns.len() != anchor_columns.len() {
            return Err(Error::syntax(
                "each UNION query must have the same number of columns",
            ));
        }
        let targets: Vec<DataType> = anchor_columns.iter().map(|c| c.data_type).collect();
        for (i, (anchor_column, recursive_column)) in
            anchor_columns.iter().zip(&recursive_columns).enumerate()
        {
            let (a, r) = (anchor_column.data_type, recursive_column.data_type);
            if a.without_modifier() != r.without_modifier() && r != DataType::Unknown {
                return Err(Error::datatype_mismatch(format!(
                    "recursive query \"{name}\" column {} has type {} in non-recursive term but type {} overall",
                    i + 1,
                    a.sql_name(),
                    r.sql_name()
                ))
                .with_hint("Cast the output of the non-recursive term to the correct type."));
            }
        }
        let recursive = self.coerce_output(recursive, &recursive_columns, &targets)?;
        if references == 0 {
            // Not recursive after all: an ordinary UNION.
            let append = Plan::Append {
                inputs: vec![anchor, recursive],
            };
            let plan = if all {
                append
            } else {
                Plan::Distinct {
                    input: Box::new(append),
                }
            };
            return Ok((plan, anchor_columns));
        }
        Ok((
            Plan::RecursiveUnion {
                name: name.clone(),
                work_table: id,
                anchor: Box::new(anchor),
                recursive: Box::new(recursive),
                distinct: !all,
            },
            anchor_columns,
        ))
    }

    fn bind_nested_set_expr(&mut self, body: &ast::SetExpr) -> Result<(Plan, Vec<OutputColumn>)> {
        let aggregate = self.aggregate.take();
        let window = self.window.take();
        let clause = self.clause;
        let locking = std::mem::replace(&mut self.locking, false);
        let result = match body {
            // A set-operation operand keeps unknown literals unknown; a CTE term does not.
            ast::SetExpr::Select(select) => self
                .bind_select(select, &[], false)
                .map(|bound| (bound.plan, bound.columns)),
            other => self.bind_set_expr(other),
        };
        self.aggregate = aggregate;
        self.window = window;
        self.clause = clause;
        self.locking = locking;
        result
    }

    /// Runs `bind` with `cte`'s name registered as an error to reference.
    fn with_pending_cte<T>(
        &mut self,
        cte: &ast::Cte,
        message: String,
        bind: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        self.ctes.push(CteBinding {
            name: cte.name.value.clone(),
            state: CteState::Pending { message },
            depth: self.outer.len(),
        });
        let result = bind(self);
        self.ctes.pop();
        result
    }

    /// The CTE named `name` as a FROM item, if one is in scope.
    pub(crate) fn cte_reference(
        &mut self,
        name: &ast::ObjectName,
    ) -> Result<Option<(Plan, Vec<OutputColumn>)>> {
        if name.parts.len() > 1 {
            return Ok(None);
        }
        let ident = name.name();
        let depth = self.outer.len();
        let Some(binding) = self.ctes.iter_mut().rev().find(|c| c.name == ident.value) else {
            return Ok(None);
        };
        let position = ident.span.position(self.sql);
        match &mut binding.state {
            CteState::Ready { id, plan, columns } => {
                let correlated = crate::optimizer::references_correlated(plan);
                if binding.depth != depth && correlated {
                    return Err(Error::feature_not_supported(
                        "a WITH query that reads columns of an enclosing query can only be used at the level it is declared",
                    )
                    .with_position(position));
                }
                // Rows that depend on an enclosing row or on a recursive query's round cannot
                // be computed once for the statement.
                let varying = correlated
                    || crate::optimizer::any_node(plan, &|node| {
                        matches!(node, Plan::WorkTableScan { .. })
                    });
                let plan = if varying {
                    plan.clone()
                } else {
                    Plan::Materialize {
                        id: *id,
                        label: crate::plan::CteLabel {
                            name: binding.name.clone(),
                            alias: None,
                            columns: columns.iter().map(|c| c.name.clone()).collect(),
                        },
                        input: Box::new(plan.clone()),
                    }
                };
                Ok(Some((plan, columns.clone())))
            }
            CteState::Pending { message } => {
                Err(Error::new(SqlState::new("42P19"), message.clone()).with_position(position))
            }
            CteState::WorkTable {
                id,
                columns,
                references,
            } => {
                if binding.depth != depth {
                    return Err(Error::new(
                        SqlState::new("42P19"),
                        format!(
                            "recursive reference to query \"{}\" must not appear within a subquery",
                            ident.value
                        ),
                    )
                    .with_position(position));
                }
                *references += 1;
                if *references > 1 {
                    return Err(Error::new(
                        SqlState::new("42P19"),
                        format!(
                            "recursive reference to query \"{}\" must not appear more than once",
                            ident.value
                        ),
                    )
                    .with_position(position));
                }
                Ok(Some((
                    Plan::WorkTableScan {
                        name: ident.value.clone(),
                        work_table: *id,
                        columns: columns.iter().map(|c| c.name.clone()).collect(),
                    },
                    columns.clone(),
                )))
            }
        }
    }
}

/// What PostgreSQL refuses in a recursive term (42P19 / 0A000) rather than evaluate once per
/// round with a different meaning.
fn check_recursive_term(term: &ast::SetExpr) -> Result<()> {
    match term {
        ast::SetExpr::Select(select) => {
            let aggregated = !select.group_by.is_empty()
                || select.having.is_some()
                || select.projection.iter().any(|item| match item {
                    ast::SelectItem::Expr { expr, .. } => {
                        super::aggregate::contains_aggregate(expr)
                    }
                    _ => false,
                });
            if aggregated {
                return Err(Error::new(
                    SqlState::new("42P19"),
                    "aggregate functions are not allowed in a recursive query's recursive term",
                ));
            }
            Ok(())
        }
        ast::SetExpr::Query(query) => check_recursive_term(&query.body),
        ast::SetExpr::SetOperation { left, right, .. } => {
            check_recursive_term(left)?;
            check_recursive_term(right)
        }
        ast::SetExpr::Values(_) => Ok(()),
    }
}

/// Renames a query's columns by an alias list (`WITH q(a, b)`, `AS s(a, b)`).
pub(crate) fn rename_columns(
    mut columns: Vec<OutputColumn>,
    aliases: &[ast::Ident],
    name: &str,
    what: &str,
) -> Result<Vec<OutputColumn>> {
    if aliases.len() > columns.len() {
        let what = if what == "WITH query" {
            format!("WITH query \"{name}\"")
        } else {
            format!("table \"{name}\"")
        };
        return Err(Error::new(
            SqlState::INVALID_COLUMN_REFERENCE,
            format!(
                "{what} has {} columns available but {} columns specified",
                columns.len(),
                aliases.len()
            ),
        ));
    }
    for (column, alias) in columns.iter_mut().zip(aliases) {
        column.name = alias.value.clone();
    }
    Ok(columns)
}
