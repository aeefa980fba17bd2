//! FROM: tables, WITH queries, derived tables (`(SELECT ...) AS s(a, b)`, `(VALUES ...) AS v`),
//! `generate_series(...)`, and join trees — `JOIN ... ON`, `USING`, `NATURAL`, `CROSS`,
//! `LEFT` / `RIGHT` / `FULL [OUTER]`, parenthesised joins, and comma-separated items.
//!
//! Every join becomes a nested loop in FROM's order with its ON condition; the optimizer then
//! pushes conditions down and decides how each join runs (`crate::optimizer`). USING and
//! NATURAL joins compare the common columns with `=` (after bringing both sides to a common
//! type) and merge them into one visible column, as `scope.rs` describes.

use db001_common::{DataType, Error, Result, SqlState};
use db001_sql::ast;

use super::coerce::common_type;
use super::query::rename_columns;
use super::scope::Visible;
use super::{Binder, Scope, ScopeColumn};
use crate::plan::{Access, BinaryOp, Expr, Function, JoinKind, OutputColumn, Plan, TableFunction};

impl Binder<'_> {
    /// FROM: the plan producing the input rows, and what can be named in them.
    pub(crate) fn bind_from(&mut self, from: &[ast::TableWithJoins]) -> Result<(Plan, Scope)> {
        let mut result: Option<(Plan, Scope)> = None;
        for item in from {
            let (plan, scope) = self.bind_table_with_joins(item)?;
            result = Some(match result {
                None => (plan, scope),
                Some((left, left_scope)) => {
                    check_names(&left_scope, &scope)?;
                    let right_width = scope.width();
                    let (mut combined, right_visible) = left_scope.concat(scope);
                    combined.visible.extend(right_visible);
                    (
                        Plan::NestedLoopJoin {
                            left: Box::new(left),
                            right: Box::new(plan),
                            condition: None,
                            kind: JoinKind::Inner,
                            right_width,
                        },
                        combined,
                    )
                }
            });
        }
        Ok(result.unwrap_or((Plan::Single, Scope::default())))
    }

    fn bind_table_with_joins(&mut self, item: &ast::TableWithJoins) -> Result<(Plan, Scope)> {
        let (mut plan, mut scope) = self.bind_factor(&item.relation)?;
        for join in &item.joins {
            let (right, right_scope) = self.bind_factor(&join.relation)?;
            (plan, scope) = self.bind_join(plan, scope, right, right_scope, join)?;
        }
        Ok((plan, scope))
    }

    fn bind_factor(&mut self, factor: &ast::TableFactor) -> Result<(Plan, Scope)> {
        match factor {
            ast::TableFactor::Table { name, alias } => {
                let relation_name = alias
                    .as_ref()
                    .map_or(name.name().value.clone(), |a| a.name.value.clone());
                let column_aliases = alias.as_ref().map_or(&[][..], |a| a.columns.as_slice());
                if let Some((mut plan, columns)) = self.cte_reference(name)? {
                    let columns = rename_columns(columns, column_aliases, &relation_name, "table")?;
                    if let Plan::Materialize { label, .. } = &mut plan {
                        label.alias = alias.as_ref().map(|a| a.name.value.clone());
                        label.columns = columns.iter().map(|c| c.name.clone()).collect();
                    }
                    let scope = output_scope(&relation_name, &columns);
                    return Ok((plan, scope));
                }
                // A view reads as its stored query (see `views.rs`).
                if let Some((plan, columns)) = self.view_reference(name)? {
                    let columns = rename_columns(columns, column_aliases, &relation_name, "table")?;
                    let scope = output_scope(&relation_name, &columns);
                    return Ok((plan, scope));
                }
                let table = self.table(name)?;
                if column_aliases.len() > table.schema.columns.len() {
                    return Err(Error::new(
                        SqlState::INVALID_COLUMN_REFERENCE,
                        format!(
                            "table \"{relation_name}\" has {} columns available but {} columns specified",
                            table.schema.columns.len(),
                            column_aliases.len()
                        ),
                    ));
                }
                let scope = Scope::table(&relation_name, &table, column_aliases);
                let plan = Plan::Scan {
                    table,
                    access: Access::Sequential,
                    filter: None,
                    with_row_id: false,
                    alias: alias.as_ref().map(|a| a.name.value.clone()),
                };
                Ok((plan, scope))
            }
            ast::TableFactor::Derived {
                lateral,
                subquery,
                alias,
            } => {
                if *lateral {
                    return Err(Error::feature_not_supported(
                        "LATERAL subqueries are not supported yet",
                    ));
                }
                let Some(alias) = alias else {
                    let what = match subquery.body {
                        ast::SetExpr::Values(_) => "VALUES",
                        _ => "subquery",
                    };
                    return Err(Error::syntax(format!("{what} in FROM must have an alias"))
                        .with_hint("For example, FROM (SELECT ...) [AS] foo."));
                };
                let (plan, columns) = self.bind_nested_query(subquery)?;
                let columns = rename_columns(columns, &alias.columns, &alias.name.value, "table")?;
                Ok((plan, output_scope(&alias.name.value, &columns)))
            }
            ast::TableFactor::Function {
                name,
                args,
                with_ordinality,
                alias,
            } => self.bind_table_function(name, args, *with_ordinality, alias.as_ref()),
            ast::TableFactor::NestedJoin(inner) => self.bind_table_with_joins(inner),
        }
    }

    /// `generate_series(start, stop [, step])`, `unnest(array)` and `pg_partition_ancestors`
    /// in FROM, optionally `WITH ORDINALITY`.
    fn bind_table_function(
        &mut self,
        name: &ast::ObjectName,
        args: &[ast::Expr],
        ordinality: bool,
        alias: Option<&ast::TableAlias>,
    ) -> Result<(Plan, Scope)> {
        let function_name = name.name().value.as_str();
        let builtin = name.schema().is_none_or(|s| s.value == "pg_catalog");
        let function = match function_name {
            "generate_series" if builtin => TableFunction::GenerateSeries,
            "unnest" if builtin => TableFunction::Unnest,
            "pg_partition_ancestors" if builtin => TableFunction::PartitionAncestors,
            _ => {
                return Err(Error::feature_not_supported(format!(
                    "function {function_name} in FROM is not supported yet (only generate_series, unnest and pg_partition_ancestors are)"
                ))
                .with_position(name.span().position(self.sql)));
            }
        };
        let previous = std::mem::replace(&mut self.clause, "functions in FROM");
        let mut bound = Vec::with_capacity(args.len());
        for arg in args {
            match self.bind_expr(arg, &Scope::default()) {
                Ok(b) => bound.push(b),
                Err(e) => {
                    self.clause = previous;
                    return Err(e);
                }
            }
        }
        self.clause = previous;
        let types: Vec<DataType> = bound.iter().map(|(_, t)| *t).collect();
        let no_such = || super::expr::undefined_function(function_name, &types);
        if function == TableFunction::GenerateSeries && !(2..=3).contains(&bound.len()) {
            return Err(no_such());
        }
        let (coerced, series_type) = if function == TableFunction::PartitionAncestors {
            let [(expr, data_type)]: [(Expr, DataType); 1] =
                bound.try_into().map_err(|_| no_such())?;
            (
                vec![self.coerce(expr, data_type, DataType::Oid)?],
                DataType::Oid,
            )
        } else if function == TableFunction::Unnest {
            let bound = bound
                .into_iter()
                .map(|(expr, data_type)| self.as_array(expr, data_type))
                .collect::<Result<Vec<_>>>()?;
            match bound.as_slice() {
                [(_, DataType::Array(element))] => {
                    let element = element.data_type();
                    (bound.into_iter().map(|(e, _)| e).collect(), element)
                }
                _ => return Err(no_such()),
            }
        } else {
            self.series_arguments(bound, &types, &no_such)?
        };
        let relation_name = alias.map_or(function_name.to_string(), |a| a.name.value.clone());
        let column_aliases = alias.map_or(&[][..], |a| a.columns.as_slice());
        let available = 1 + usize::from(ordinality);
        if column_aliases.len() > available {
            return Err(Error::new(
                SqlState::INVALID_COLUMN_REFERENCE,
                format!(
                    "table \"{relation_name}\" has {available} columns available but {} columns specified",
                    column_aliases.len()
                ),
            ));
        }
        // A scalar function's column is named after the alias, if there is one, else after
        // the function; the ordinality column is `ordinality` unless the alias renames it.
        let column = |position: usize, default: String, data_type: DataType| ScopeColumn {
            qualifier: Some(relation_name.clone()),
            name: column_aliases
                .get(position)
                .map_or(default, |a| a.value.clone()),
            data_type,
            table_oid: 0,
            column_number: 0,
        };
        let mut columns = vec![column(0, relation_name.clone(), series_type)];
        if ordinality {
            columns.push(column(1, "ordinality".to_string(), DataType::BigInt));
        }
        let scope = Scope::relation(&relation_name, columns, Vec::new());
        let plan = Plan::FunctionScan {
            function,
            args: coerced,
            ordinality,
            alias: alias.map(|a| a.name.value.clone()),
        };
        Ok((plan, scope))
    }

    /// `generate_series`'s arguments coerced to the series type.
    fn series_arguments(
        &mut self,
        bound: Vec<(Expr, DataType)>,
        types: &[DataType],
        no_such: &dyn Fn() -> Error,
    ) -> Result<(Vec<Expr>, DataType)> {
        let mut common = DataType::Unknown;
        for t in types {
            common = common_type(common, *t).ok_or_else(no_such)?;
        }
        let series_type = match common {
            DataType::SmallInt | DataType::Int | DataType::Unknown => DataType::Int,
            DataType::BigInt => DataType::BigInt,
            DataType::Numeric(_) => DataType::Numeric(None),
            DataType::Timestamp => {
                return Err(Error::feature_not_supported(
                    "generate_series over timestamps is not supported yet",
                ));
            }
            _ => return Err(no_such()),
        };
        let mut coerced = Vec::with_capacity(bound.len());
        for (expr, data_type) in bound {
            coerced.push(self.coerce(expr, data_type, series_type)?);
        }
        Ok((coerced, series_type))
    }

    /// One `JOIN`: combines the scopes and binds the join condition.
    fn bind_join(
        &mut self,
        left: Plan,
        left_scope: Scope,
        right: Plan,
        right_scope: Scope,
        join: &ast::Join,
    ) -> Result<(Plan, Scope)> {
        check_names(&left_scope, &right_scope)?;
        let kind = match join.kind {
            ast::JoinKind::Inner | ast::JoinKind::Cross => JoinKind::Inner,
            ast::JoinKind::Left => JoinKind::Left,
            ast::JoinKind::Right => JoinKind::Right,
            ast::JoinKind::Full => JoinKind::Full,
        };
        // A recursive query's previous round may not be the side of an outer join that is
        // padded with NULLs (PostgreSQL's rule: the result would depend on the round).
        let nullable_work_table = match kind {
            JoinKind::Left => reads_work_table(&right),
            JoinKind::Right => reads_work_table(&left),
            JoinKind::Full => reads_work_table(&left).or_else(|| reads_work_table(&right)),
            _ => None,
        };
        if let Some(name) = nullable_work_table {
            return Err(Error::new(
                SqlState::new("42P19"),
                format!(
                    "recursive reference to query \"{name}\" must not appear within an outer join"
                ),
            ));
        }
        let right_width = right_scope.width();
        let left_visible = left_scope.visible.clone();
        let (mut scope, right_visible) = left_scope.concat(right_scope);
        let condition = match &join.constraint {
            ast::JoinConstraint::None => {
                scope.visible = left_visible;
                scope.visible.extend(right_visible);
                None
            }
            ast::JoinConstraint::On(expr) => {
                scope.visible = left_visible;
                scope.visible.extend(right_visible);
                let previous = std::mem::replace(&mut self.clause, "JOIN conditions");
                let bound = self.bind_condition(expr, &scope, "JOIN/ON");
                self.clause = previous;
                Some(bound?)
            }
            ast::JoinConstraint::Using(names) => {
                let names: Vec<(String, Option<ast::Span>)> = names
                    .iter()
                    .map(|n| (n.value.clone(), Some(n.span)))
                    .collect();
                self.merge_using(&mut scope, left_visible, right_visible, &names, kind)?
            }
            ast::JoinConstraint::Natural => {
                let mut names = Vec::new();
                for visible in &left_visible {
                    if right_visible.iter().any(|r| r.name == visible.name)
                        && !names.iter().any(|(n, _)| *n == visible.name)
                    {
                        names.push((visible.name.clone(), None));
                    }
                }
                self.merge_using(&mut scope, left_visible, right_visible, &names, kind)?
            }
        };
        let plan = Plan::NestedLoopJoin {
            left: Box::new(left),
            right: Box::new(right),
            condition,
            kind,
            right_width,
        };
        Ok((plan, scope))
    }

    /// USING / NATURAL: the equality condition, and the merged columns first in the visible
    /// list, then the other columns of each side.
    fn merge_using(
        &mut self,
        scope: &mut Scope,
        mut left_visible: Vec<Visible>,
        mut right_visible: Vec<Visible>,
        names: &[(String, Option<ast::Span>)],
        kind: JoinKind,
    ) -> Result<Option<Expr>> {
        let mut merged = Vec::with_capacity(names.len());
        let mut conjuncts = Vec::with_capacity(names.len());
        for (i, (name, span)) in names.iter().enumerate() {
            let position = span.map(|s| s.position(self.sql));
            if names[..i].iter().any(|(n, _)| n == name) {
                return Err(Error::new(
                    SqlState::DUPLICATE_COLUMN,
                    format!("column name \"{name}\" appears more than once in USING clause"),
                )
                .or_position(position));
            }
            let take = |visible: &mut Vec<Visible>, side: &str| -> Result<Visible> {
                let found: Vec<usize> = (0..visible.len())
                    .filter(|&j| visible[j].name == *name)
                    .collect();
                match found.as_slice() {
                    [only] => Ok(visible.remove(*only)),
                    [] => Err(Error::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!(
                            "column \"{name}\" specified in USING clause does not exist in {side} table"
                        ),
                    )),
                    _ => Err(Error::new(
                        SqlState::AMBIGUOUS_COLUMN,
                        format!(
                            "common column name \"{name}\" appears more than once in {side} table"
                        ),
                    )),
                }
            };
            let l = take(&mut left_visible, "left")?;
            let r = take(&mut right_visible, "right")?;
            let (lt, rt) = (
                l.data_type.without_modifier(),
                r.data_type.without_modifier(),
            );
            let common = common_type(lt, rt).ok_or_else(|| {
                Error::datatype_mismatch(format!(
                    "JOIN/USING types {} and {} cannot be matched",
                    lt.sql_name(),
                    rt.sql_name()
                ))
                .or_position(position)
            })?;
            let (l_expr, r_expr, _) =
                self.unify_pair(l.expr.clone(), lt, r.expr.clone(), rt, "=")?;
            conjuncts.push(Expr::Binary {
                op: BinaryOp::Eq,
                left: Box::new(l_expr),
                right: Box::new(r_expr),
            });
            let same_type = |t: DataType| t.without_modifier() == common.without_modifier();
            let (expr, data_type) = match kind {
                JoinKind::Right => (
                    self.coerce(r.expr, rt, common)?,
                    if same_type(rt) { r.data_type } else { common },
                ),
                JoinKind::Full => (
                    Expr::Function {
                        function: Function::Coalesce,
                        args: vec![
                            self.coerce(l.expr, lt, common)?,
                            self.coerce(r.expr, rt, common)?,
                        ],
                    },
                    if l.data_type == r.data_type {
                        l.data_type
                    } else {
                        common
                    },
                ),
                _ => (
                    self.coerce(l.expr, lt, common)?,
                    if same_type(lt) { l.data_type } else { common },
                ),
            };
            merged.push(Visible {
                name: name.clone(),
                expr,
                data_type,
            });
        }
        merged.extend(left_visible);
        merged.extend(right_visible);
        scope.visible = merged;
        Ok(conjuncts
            .into_iter()
            .reduce(|l, r| Expr::And(Box::new(l), Box::new(r))))
    }
}

/// The scope of a derived table, WITH query or other relation made of output columns.
fn output_scope(name: &str, columns: &[OutputColumn]) -> Scope {
    Scope::relation(
        name,
        columns
            .iter()
            .map(|c| ScopeColumn {
                qualifier: Some(name.to_string()),
                name: c.name.clone(),
                data_type: c.data_type,
                table_oid: c.table_oid,
                column_number: c.column_number,
            })
            .collect(),
        Vec::new(),
    )
}

/// The recursive query whose work table `plan` reads, if any.
fn reads_work_table(plan: &Plan) -> Option<String> {
    match plan {
        Plan::WorkTableScan { name, .. } => Some(name.clone()),
        Plan::NestedLoopJoin { left, right, .. } => {
            reads_work_table(left).or_else(|| reads_work_table(right))
        }
        Plan::Filter { input, .. } | Plan::Project { input, .. } => reads_work_table(input),
        _ => None,
    }
}

/// Two FROM items may not have the same name (42712).
pub(crate) fn check_names(left: &Scope, right: &Scope) -> Result<()> {
    for relation in &right.relations {
        if left.relations.iter().any(|r| r.name == relation.name) {
            return Err(Error::new(
                SqlState::new("42712"),
                format!("table name \"{}\" specified more than once", relation.name),
            ));
        }
    }
    Ok(())
}
