//! Binding whole statements: SELECT (FROM, WHERE, GROUP BY, HAVING, ORDER BY, LIMIT), INSERT,
//! UPDATE and DELETE.

use db001_common::{DataType, Error, Result, SqlState, Value};
use db001_sql::ast;

use super::coerce::assignment_castable;
use super::expr::{contains_aggregate, strip_nested};
use super::{AggregateState, Binder, Scope, ScopeColumn, ScopeRelation};
use crate::plan::{
    Access, BoundStatement, Expr, InsertValue, OutputColumn, Plan, Returning, SortKey, TableRef,
};

/// A bound query before its final projection is trimmed.
struct BoundSelect {
    plan: Plan,
    columns: Vec<OutputColumn>,
}

impl Binder<'_> {
    /// Binds a SELECT, INSERT, UPDATE or DELETE.
    pub fn bind_statement(&mut self, statement: &ast::Statement) -> Result<BoundStatement> {
        let bound = match statement {
            ast::Statement::Select(query) => {
                self.locking = !query.locking.is_empty();
                for clause in &query.locking {
                    if clause.wait != ast::LockWait::Wait {
                        return Err(Error::feature_not_supported(
                            "NOWAIT and SKIP LOCKED are not supported yet",
                        ));
                    }
                    if !clause.of.is_empty() {
                        return Err(Error::feature_not_supported(
                            "FOR UPDATE OF is not supported yet",
                        ));
                    }
                }
                let (plan, columns) = self.bind_query(query)?;
                let lock = self.lock_target.take();
                if self.locking && lock.is_none() {
                    return Err(Error::feature_not_supported(
                        "FOR UPDATE/SHARE is supported on a single-table SELECT only",
                    ));
                }
                BoundStatement::Query {
                    plan,
                    columns,
                    lock,
                }
            }
            ast::Statement::Insert(insert) => self.bind_insert(insert)?,
            ast::Statement::Update(update) => self.bind_update(update)?,
            ast::Statement::Delete(delete) => self.bind_delete(delete)?,
            _ => return Err(Error::internal("statement is not a query or DML")),
        };
        Ok(crate::optimizer::optimize_statement(bound))
    }

    /// Binds a query; returns its plan and result columns.
    pub(crate) fn bind_query(&mut self, query: &ast::Query) -> Result<(Plan, Vec<OutputColumn>)> {
        if query.with.is_some() {
            return Err(Error::feature_not_supported("WITH is not supported yet"));
        }
        let bound = match &query.body {
            ast::SetExpr::Select(select) => self.bind_select(select, &query.order_by)?,
            ast::SetExpr::Values(values) => {
                let (plan, columns) = self.bind_values(values, None)?;
                self.order_plain(plan, columns, &query.order_by)?
            }
            ast::SetExpr::Query(inner) => {
                let (plan, columns) = self.bind_query(inner)?;
                self.order_plain(plan, columns, &query.order_by)?
            }
            ast::SetExpr::SetOperation { .. } => {
                return Err(Error::feature_not_supported(
                    "UNION/INTERSECT/EXCEPT are not supported yet",
                ));
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

    fn bind_count(&mut self, expr: &ast::Expr, clause: &'static str) -> Result<Expr> {
        let previous = std::mem::replace(&mut self.clause, clause);
        let saved = self.aggregate.take();
        let result = self.bind_expr_to(expr, &Scope::default(), DataType::BigInt);
        self.aggregate = saved;
        self.clause = previous;
        result
    }

    /// Orders a plan whose columns are final (VALUES, parenthesised queries): ORDER BY may only
    /// name output columns by name or position.
    fn order_plain(
        &mut self,
        plan: Plan,
        columns: Vec<OutputColumn>,
        order_by: &[ast::OrderByExpr],
    ) -> Result<BoundSelect> {
        if order_by.is_empty() {
            return Ok(BoundSelect { plan, columns });
        }
        let scope = Scope {
            columns: columns
                .iter()
                .map(|c| ScopeColumn {
                    qualifier: None,
                    name: c.name.clone(),
                    data_type: c.data_type,
                    table_oid: 0,
                    column_number: 0,
                })
                .collect(),
            relations: Vec::new(),
        };
        let mut keys = Vec::with_capacity(order_by.len());
        for item in order_by {
            let expr = match output_position(&item.expr, columns.len(), self.sql)? {
                Some(position) => Expr::Column(position),
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

    fn bind_values(
        &mut self,
        values: &ast::Values,
        targets: Option<&[DataType]>,
    ) -> Result<(Plan, Vec<OutputColumn>)> {
        let width = values.rows.first().map_or(0, Vec::len);
        let mut rows = Vec::with_capacity(values.rows.len());
        let mut types = vec![DataType::Unknown; width];
        for row in &values.rows {
            if row.len() != width {
                return Err(Error::syntax("VALUES lists must all be the same length")
                    .with_position(
                        row.first()
                            .map_or(values.span, ast::Expr::span)
                            .position(self.sql),
                    ));
            }
            let mut bound_row = Vec::with_capacity(width);
            for (i, item) in row.iter().enumerate() {
                let (bound, data_type) = self.bind_expr(item, &Scope::default())?;
                if types[i] == DataType::Unknown {
                    types[i] = data_type;
                } else if let Some(common) = super::coerce::common_type(types[i], data_type) {
                    types[i] = common;
                }
                bound_row.push((bound, data_type));
            }
            rows.push(bound_row);
        }
        // Targets (INSERT) decide unknown items; otherwise unknowns become text.
        for (i, column_type) in types.iter_mut().enumerate() {
            if let Some(targets) = targets
                && let Some(target) = targets.get(i)
                && *column_type == DataType::Unknown
            {
                *column_type = *target;
            }
            if *column_type == DataType::Unknown {
                *column_type = DataType::Text;
            }
        }
        let mut plan_rows = Vec::with_capacity(rows.len());
        for row in rows {
            let mut bound_row = Vec::with_capacity(width);
            for (i, (expr, data_type)) in row.into_iter().enumerate() {
                bound_row.push(if data_type == DataType::Unknown {
                    self.coerce(expr, data_type, types[i])?
                } else {
                    expr
                });
            }
            plan_rows.push(bound_row);
        }
        let columns = types
            .iter()
            .enumerate()
            .map(|(i, t)| OutputColumn {
                name: format!("column{}", i + 1),
                data_type: *t,
                table_oid: 0,
                column_number: 0,
            })
            .collect();
        Ok((Plan::Values { rows: plan_rows }, columns))
    }

    /// FROM: a left-deep nested-loop tree in FROM order (the optimizer pushes predicates into
    /// it and picks index access).
    pub(crate) fn bind_from(&mut self, from: &[ast::TableWithJoins]) -> Result<(Plan, Scope)> {
        let mut scope = Scope::default();
        let mut plan: Option<Plan> = None;
        for item in from {
            plan = Some(self.bind_factor(&item.relation, &mut scope, plan, None, false)?);
            for join in &item.joins {
                let condition = match &join.constraint {
                    ast::JoinConstraint::On(expr) => Some(expr),
                    ast::JoinConstraint::None => None,
                    ast::JoinConstraint::Using(_) | ast::JoinConstraint::Natural => {
                        return Err(Error::feature_not_supported(
                            "JOIN ... USING and NATURAL JOIN are not supported yet",
                        ));
                    }
                };
                let left_outer = match join.kind {
                    ast::JoinKind::Inner | ast::JoinKind::Cross => false,
                    ast::JoinKind::Left => true,
                    ast::JoinKind::Right | ast::JoinKind::Full => {
                        return Err(Error::feature_not_supported(
                            "RIGHT and FULL joins are not supported yet",
                        ));
                    }
                };
                plan = Some(self.bind_factor(
                    &join.relation,
                    &mut scope,
                    plan,
                    condition,
                    left_outer,
                )?);
            }
        }
        Ok((plan.unwrap_or(Plan::Single), scope))
    }

    fn bind_factor(
        &mut self,
        factor: &ast::TableFactor,
        scope: &mut Scope,
        left: Option<Plan>,
        condition: Option<&ast::Expr>,
        left_outer: bool,
    ) -> Result<Plan> {
        let ast::TableFactor::Table { name, alias } = factor else {
            return Err(Error::feature_not_supported(
                "subqueries and functions in FROM are not supported yet",
            ));
        };
        // A view reads as its query (see `views.rs`); a table as a scan.
        let (scan, columns) = match self.view_reference(name)? {
            Some((plan, columns)) => (plan, columns),
            None => {
                let table = self.table(name)?;
                let columns = table
                    .schema
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, column)| OutputColumn {
                        name: column.name.clone(),
                        data_type: column.data_type,
                        table_oid: table.schema.id,
                        column_number: i as i16 + 1,
                    })
                    .collect::<Vec<_>>();
                let scan = Plan::Scan {
                    table,
                    access: Access::Sequential,
                    filter: None,
                    with_row_id: false,
                };
                (scan, columns)
            }
        };
        let relation_name = alias
            .as_ref()
            .map_or(name.name().value.clone(), |a| a.name.value.clone());
        if scope.relations.iter().any(|r| r.name == relation_name) {
            return Err(Error::new(
                SqlState::new("42712"),
                format!("table name \"{relation_name}\" specified more than once"),
            ));
        }
        let column_aliases = alias.as_ref().map_or(&[][..], |a| a.columns.as_slice());
        if column_aliases.len() > columns.len() {
            return Err(Error::new(
                SqlState::INVALID_COLUMN_REFERENCE,
                format!(
                    "table \"{relation_name}\" has {} columns available but {} columns specified",
                    columns.len(),
                    column_aliases.len()
                ),
            ));
        }
        let offset = scope.columns.len();
        for (i, column) in columns.iter().enumerate() {
            scope.columns.push(ScopeColumn {
                qualifier: Some(relation_name.clone()),
                name: column_aliases
                    .get(i)
                    .map_or(column.name.clone(), |a| a.value.clone()),
                data_type: column.data_type,
                table_oid: column.table_oid,
                column_number: column.column_number,
            });
        }
        let width = columns.len();
        scope.relations.push(ScopeRelation {
            name: relation_name,
            offset,
            width,
        });
        let Some(left) = left else {
            return Ok(scan);
        };
        let condition = condition
            .map(|c| {
                let previous = std::mem::replace(&mut self.clause, "JOIN conditions");
                let bound = self.bind_condition(c, scope, "JOIN/ON");
                self.clause = previous;
                bound
            })
            .transpose()?;
        Ok(Plan::NestedLoopJoin {
            left: Box::new(left),
            right: Box::new(scan),
            condition,
            left_outer,
            right_width: width,
        })
    }

    fn bind_select(
        &mut self,
        select: &ast::Select,
        order_by: &[ast::OrderByExpr],
    ) -> Result<BoundSelect> {
        let (mut plan, scope) = self.bind_from(&select.from)?;
        if let Some(selection) = &select.selection {
            self.clause = "WHERE";
            let predicate = self.bind_condition(selection, &scope, "WHERE")?;
            plan = Plan::Filter {
                input: Box::new(plan),
                predicate,
            };
        }
        if self.locking && self.lock_target.is_none() {
            self.lock_target = Some(self.lock_rows(select, &plan)?);
        }
        let aggregated = !select.group_by.is_empty()
            || select.having.is_some()
            || select.projection.iter().any(|item| match item {
                ast::SelectItem::Expr { expr, .. } => contains_aggregate(expr),
                _ => false,
            })
            || order_by.iter().any(|o| contains_aggregate(&o.expr));

        // Expand the select list.
        let mut items: Vec<(&ast::Expr, String)> = Vec::new();
        let mut star_columns: Vec<(usize, usize)> = Vec::new(); // (item position, scope column)
        let mut expanded: Vec<Option<usize>> = Vec::new();
        for item in &select.projection {
            match item {
                ast::SelectItem::Expr { expr, alias } => {
                    let name = alias
                        .as_ref()
                        .map_or_else(|| column_name(expr), |a| a.value.clone());
                    items.push((expr, name));
                    expanded.push(None);
                }
                ast::SelectItem::Wildcard(span) => {
                    if scope.relations.is_empty() {
                        return Err(Error::syntax(
                            "SELECT * with no tables specified is not valid",
                        )
                        .with_position(span.position(self.sql)));
                    }
                    for column in 0..scope.columns.len() {
                        star_columns.push((expanded.len(), column));
                        expanded.push(Some(column));
                    }
                }
                ast::SelectItem::QualifiedWildcard(name) => {
                    let relation = scope
                        .relations
                        .iter()
                        .find(|r| r.name == name.name().value)
                        .ok_or_else(|| {
                            Error::new(
                                SqlState::UNDEFINED_TABLE,
                                format!(
                                    "missing FROM-clause entry for table \"{}\"",
                                    name.name().value
                                ),
                            )
                            .with_position(name.span().position(self.sql))
                        })?;
                    for column in relation.offset..relation.offset + relation.width {
                        star_columns.push((expanded.len(), column));
                        expanded.push(Some(column));
                    }
                }
            }
        }
        if aggregated && !star_columns.is_empty() {
            let column = &scope.columns[star_columns[0].1];
            return Err(Error::new(
                SqlState::GROUPING_ERROR,
                format!(
                    "column \"{}.{}\" must appear in the GROUP BY clause or be used in an aggregate function",
                    column.qualifier.as_deref().unwrap_or_default(),
                    column.name
                ),
            ));
        }

        // GROUP BY keys (by expression, output position or output alias).
        let mut group_exprs = Vec::new();
        if aggregated {
            let mut keys = Vec::new();
            let mut key_types = Vec::new();
            for key in &select.group_by {
                let key_ast = match output_position(key, items.len(), self.sql)? {
                    Some(position) => items[position].0,
                    None => match strip_nested(key) {
                        ast::Expr::Column(parts)
                            if parts.len() == 1 && scope.resolve(parts, self.sql).is_err() =>
                        {
                            items
                                .iter()
                                .find(|(_, name)| *name == parts[0].value)
                                .map(|(expr, _)| *expr)
                                .unwrap_or(key)
                        }
                        _ => key,
                    },
                };
                self.clause = "GROUP BY";
                let (bound, data_type) = self.bind_expr(key_ast, &scope)?;
                keys.push(strip_nested(key_ast).to_string());
                key_types.push(data_type);
                group_exprs.push(bound);
            }
            self.aggregate = Some(AggregateState {
                keys,
                key_types,
                calls: Vec::new(),
                inside_call: false,
            });
        }

        let result = self.bind_projection(
            select,
            order_by,
            &scope,
            plan,
            &items,
            &expanded,
            group_exprs,
        );
        self.aggregate = None;
        result
    }

    #[allow(clippy::too_many_arguments)]
    fn bind_projection(
        &mut self,
        select: &ast::Select,
        order_by: &[ast::OrderByExpr],
        scope: &Scope,
        mut plan: Plan,
        items: &[(&ast::Expr, String)],
        expanded: &[Option<usize>],
        group_exprs: Vec<Expr>,
    ) -> Result<BoundSelect> {
        self.clause = "SELECT";
        let mut exprs = Vec::with_capacity(expanded.len());
        let mut columns = Vec::with_capacity(expanded.len());
        let mut next_item = 0;
        for entry in expanded {
            match entry {
                Some(column) => {
                    let c = &scope.columns[*column];
                    exprs.push(Expr::Column(*column));
                    columns.push(OutputColumn {
                        name: c.name.clone(),
                        data_type: c.data_type,
                        table_oid: c.table_oid,
                        column_number: c.column_number,
                    });
                }
                None => {
                    let (expr_ast, name) = &items[next_item];
                    next_item += 1;
                    let (mut bound, mut data_type) = self.bind_expr(expr_ast, scope)?;
                    if data_type == DataType::Unknown {
                        bound = self.coerce(bound, data_type, DataType::Text)?;
                        data_type = DataType::Text;
                    }
                    let (table_oid, column_number) = match (strip_nested(expr_ast), &bound) {
                        (ast::Expr::Column(_), Expr::Column(i)) if self.aggregate.is_none() => {
                            (scope.columns[*i].table_oid, scope.columns[*i].column_number)
                        }
                        _ => (0, 0),
                    };
                    let data_type = match (strip_nested(expr_ast), &bound) {
                        // A bare column keeps its declared type modifier in RowDescription.
                        (ast::Expr::Column(_), Expr::Column(i)) if self.aggregate.is_none() => {
                            scope.columns[*i].data_type
                        }
                        _ => data_type,
                    };
                    exprs.push(bound);
                    columns.push(OutputColumn {
                        name: name.clone(),
                        data_type,
                        table_oid,
                        column_number,
                    });
                }
            }
        }

        let having = match &select.having {
            Some(having) => {
                self.clause = "HAVING";
                Some(self.bind_condition(having, scope, "HAVING")?)
            }
            None => None,
        };

        // ORDER BY: output position, output name, or an expression (hidden column if needed).
        let visible = exprs.len();
        let mut keys = Vec::with_capacity(order_by.len());
        self.clause = "ORDER BY";
        for item in order_by {
            let position = match output_position(&item.expr, visible, self.sql)? {
                Some(position) => position,
                None => {
                    let by_name = match strip_nested(&item.expr) {
                        ast::Expr::Column(parts) if parts.len() == 1 => {
                            let matches: Vec<usize> = (0..visible)
                                .filter(|&i| columns[i].name == parts[0].value)
                                .collect();
                            match matches.as_slice() {
                                [only] => Some(*only),
                                [] => None,
                                _ => {
                                    return Err(Error::new(
                                        SqlState::AMBIGUOUS_COLUMN,
                                        format!("ORDER BY \"{}\" is ambiguous", parts[0].value),
                                    ));
                                }
                            }
                        }
                        _ => None,
                    };
                    match by_name {
                        Some(position) => position,
                        None => {
                            let (bound, _) = self.bind_expr(&item.expr, scope)?;
                            match exprs.iter().position(|e| *e == bound) {
                                Some(position) => position,
                                None => {
                                    if matches!(select.distinct, Some(ast::Distinct::All)) {
                                        return Err(Error::new(
                                            SqlState::INVALID_COLUMN_REFERENCE,
                                            "for SELECT DISTINCT, ORDER BY expressions must appear in select list",
                                        )
                                        .with_position(item.expr.span().position(self.sql)));
                                    }
                                    exprs.push(bound);
                                    exprs.len() - 1
                                }
                            }
                        }
                    }
                }
            };
            keys.push(sort_key(Expr::Column(position), item));
        }

        if let Some(aggregate) = self.aggregate.take() {
            plan = Plan::Aggregate {
                input: Box::new(plan),
                group_by: group_exprs,
                aggregates: aggregate.calls,
            };
        }
        if let Some(predicate) = having {
            plan = Plan::Filter {
                input: Box::new(plan),
                predicate,
            };
        }
        let width = exprs.len();
        plan = Plan::Project {
            input: Box::new(plan),
            exprs,
        };
        match &select.distinct {
            Some(ast::Distinct::All) => {
                plan = Plan::Distinct {
                    input: Box::new(plan),
                }
            }
            Some(ast::Distinct::On(_)) => {
                return Err(Error::feature_not_supported(
                    "DISTINCT ON is not supported yet",
                ));
            }
            None => {}
        }
        if !keys.is_empty() {
            plan = Plan::Sort {
                input: Box::new(plan),
                keys,
            };
        }
        if width > visible {
            plan = Plan::Project {
                input: Box::new(plan),
                exprs: (0..visible).map(Expr::Column).collect(),
            };
        }
        Ok(BoundSelect { plan, columns })
    }

    /// The rows a `SELECT ... FOR UPDATE` locks (PostgreSQL locks the rows the query returns;
    /// db001 locks every row matching FROM and WHERE, the same set unless LIMIT cuts it).
    fn lock_rows(&self, select: &ast::Select, plan: &Plan) -> Result<crate::plan::LockRows> {
        let not_allowed = |what: &str| {
            Error::feature_not_supported(format!("FOR UPDATE is not allowed with {what}"))
        };
        if select.distinct.is_some() {
            return Err(not_allowed("DISTINCT clause"));
        }
        if !select.group_by.is_empty() || select.having.is_some() {
            return Err(not_allowed("GROUP BY clause"));
        }
        if select.projection.iter().any(
            |item| matches!(item, ast::SelectItem::Expr { expr, .. } if contains_aggregate(expr)),
        ) {
            return Err(not_allowed("aggregate functions"));
        }
        let (table, filter) = match plan {
            Plan::Scan { table, .. } => (table.clone(), None),
            Plan::Filter { input, predicate } => match input.as_ref() {
                Plan::Scan { table, .. } => (table.clone(), Some(predicate.clone())),
                _ => {
                    return Err(Error::feature_not_supported(
                        "FOR UPDATE is supported on a single table only",
                    ));
                }
            },
            _ => {
                return Err(Error::feature_not_supported(
                    "FOR UPDATE is supported on a single table only",
                ));
            }
        };
        Ok(crate::plan::LockRows {
            scan: Plan::Scan {
                table: table.clone(),
                access: Access::Sequential,
                filter,
                with_row_id: true,
            },
            table,
        })
    }

    // ---------------------------------------------------------------- DML

    pub(crate) fn table_scope(&self, table: &TableRef, alias: Option<&ast::Ident>) -> Scope {
        let name = alias.map_or(table.schema.name.clone(), |a| a.value.clone());
        Scope {
            columns: table
                .schema
                .columns
                .iter()
                .enumerate()
                .map(|(i, c)| ScopeColumn {
                    qualifier: Some(name.clone()),
                    name: c.name.clone(),
                    data_type: c.data_type,
                    table_oid: table.schema.id,
                    column_number: i as i16 + 1,
                })
                .collect(),
            relations: vec![ScopeRelation {
                name,
                offset: 0,
                width: table.schema.columns.len(),
            }],
        }
    }

    /// The bound DEFAULT of a column (or NULL).
    pub(crate) fn default_value(&mut self, table: &TableRef, column: usize) -> Result<InsertValue> {
        if self.default_text(&table.schema, column).is_none() {
            return Ok(InsertValue::Null);
        }
        Ok(InsertValue::Default(
            self.bound_default(&table.schema, column)?,
        ))
    }

    /// Coerces a value assigned to a column: unknowns take the column's type; other types need
    /// an assignment cast (applied when the row is written).
    pub(crate) fn coerce_assignment(
        &mut self,
        expr: Expr,
        from: DataType,
        to: DataType,
        column: &str,
    ) -> Result<Expr> {
        if from == DataType::Unknown {
            return self.coerce(expr, from, to.without_modifier());
        }
        if !assignment_castable(from, to) {
            return Err(Error::datatype_mismatch(format!(
                "column \"{column}\" is of type {} but expression is of type {}",
                to.sql_name(),
                from.sql_name()
            ))
            .with_hint("You will need to rewrite or cast the expression."));
        }
        Ok(expr)
    }

    pub(crate) fn bind_returning(
        &mut self,
        items: &[ast::SelectItem],
        scope: &Scope,
    ) -> Result<Option<Returning>> {
        if items.is_empty() {
            return Ok(None);
        }
        self.clause = "RETURNING";
        let mut exprs = Vec::new();
        let mut columns = Vec::new();
        for item in items {
            match item {
                ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(_) => {
                    for (i, c) in scope.columns.iter().enumerate() {
                        exprs.push(Expr::Column(i));
                        columns.push(OutputColumn {
                            name: c.name.clone(),
                            data_type: c.data_type,
                            table_oid: c.table_oid,
                            column_number: c.column_number,
                        });
                    }
                }
                ast::SelectItem::Expr { expr, alias } => {
                    let (mut bound, mut data_type) = self.bind_expr(expr, scope)?;
                    if data_type == DataType::Unknown {
                        bound = self.coerce(bound, data_type, DataType::Text)?;
                        data_type = DataType::Text;
                    }
                    columns.push(OutputColumn {
                        name: alias
                            .as_ref()
                            .map_or_else(|| column_name(expr), |a| a.value.clone()),
                        data_type,
                        table_oid: 0,
                        column_number: 0,
                    });
                    exprs.push(bound);
                }
            }
        }
        Ok(Some(Returning { exprs, columns }))
    }

    fn bind_insert(&mut self, insert: &ast::Insert) -> Result<BoundStatement> {
        let table = self.table(&insert.table)?;
        let table = self.with_write_rules(table)?;
        let schema = std::sync::Arc::clone(&table.schema);
        let mut targets = Vec::new();
        if insert.columns.is_empty() {
            targets.extend(0..schema.columns.len());
        } else {
            for ident in &insert.columns {
                let position = schema.column_index(&ident.value).ok_or_else(|| {
                    Error::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!(
                            "column \"{}\" of relation \"{}\" does not exist",
                            ident.value, schema.name
                        ),
                    )
                    .with_position(ident.span.position(self.sql))
                })?;
                if targets.contains(&position) {
                    return Err(Error::new(
                        SqlState::DUPLICATE_COLUMN,
                        format!("column \"{}\" specified more than once", ident.value),
                    )
                    .with_position(ident.span.position(self.sql)));
                }
                targets.push(position);
            }
        }
        self.check_identity_insert(&schema, &targets, &insert.source)?;
        let target_types: Vec<DataType> = targets
            .iter()
            .map(|&c| schema.columns[c].data_type)
            .collect();
        let (source, source_types) = match &insert.source {
            ast::InsertSource::DefaultValues => (
                Plan::Values {
                    rows: vec![Vec::new()],
                },
                Vec::new(),
            ),
            ast::InsertSource::Query(query) => match &query.body {
                ast::SetExpr::Values(values)
                    if query.order_by.is_empty()
                        && query.limit.is_none()
                        && query.offset.is_none() =>
                {
                    let values = self.substitute_defaults(values, &table, &targets)?;
                    let (plan, columns) = self.bind_values(&values, Some(&target_types))?;
                    (
                        plan,
                        columns.iter().map(|c| c.data_type).collect::<Vec<_>>(),
                    )
                }
                _ => {
                    let (plan, columns) = self.bind_query(query)?;
                    (plan, columns.iter().map(|c| c.data_type).collect())
                }
            },
        };
        let explicit_columns = !insert.columns.is_empty();
        if source_types.len() > targets.len() {
            return Err(Error::syntax(
                "INSERT has more expressions than target columns",
            ));
        }
        if explicit_columns
            && source_types.len() < targets.len()
            && !matches!(insert.source, ast::InsertSource::DefaultValues)
        {
            return Err(Error::syntax(
                "INSERT has more target columns than expressions",
            ));
        }
        for (i, from) in source_types.iter().enumerate() {
            let column = &schema.columns[targets[i]];
            if !assignment_castable(*from, column.data_type) {
                return Err(Error::datatype_mismatch(format!(
                    "column \"{}\" is of type {} but expression is of type {}",
                    column.name,
                    column.data_type.sql_name(),
                    from.sql_name()
                ))
                .with_hint("You will need to rewrite or cast the expression."));
            }
        }
        let mut values = Vec::with_capacity(schema.columns.len());
        for column in 0..schema.columns.len() {
            match targets.iter().position(|&t| t == column) {
                Some(source_position) if source_position < source_types.len() => {
                    values.push(InsertValue::Source(source_position))
                }
                _ => values.push(self.default_value(&table, column)?),
            }
        }
        let on_conflict = match &insert.on_conflict {
            Some(on_conflict) => Some(Box::new(self.bind_on_conflict(
                on_conflict,
                &table,
                insert.alias.as_ref(),
            )?)),
            None => None,
        };
        let scope = self.table_scope(&table, insert.alias.as_ref());
        let returning = self.bind_returning(&insert.returning, &scope)?;
        Ok(BoundStatement::Insert {
            table,
            source,
            values,
            returning,
            on_conflict,
        })
    }

    /// Replaces `DEFAULT` items of an INSERT's VALUES rows with the column's default
    /// expression (or NULL).
    fn substitute_defaults(
        &self,
        values: &ast::Values,
        table: &TableRef,
        targets: &[usize],
    ) -> Result<ast::Values> {
        let mut values = values.clone();
        for row in &mut values.rows {
            for (i, item) in row.iter_mut().enumerate() {
                if let ast::Expr::Default(span) = item {
                    let span = *span;
                    let Some(&column) = targets.get(i) else {
                        continue;
                    };
                    *item = match self.default_text(&table.schema, column) {
                        Some(default) => db001_sql::parse_expr(&default)?,
                        None => ast::Expr::Literal(ast::Literal::Null, span),
                    };
                }
            }
        }
        Ok(values)
    }

    fn bind_update(&mut self, update: &ast::Update) -> Result<BoundStatement> {
        let table = self.table(&update.table)?;
        let table = self.with_write_rules(table)?;
        // With FROM, the scan joins the target with the FROM items (see `dml_join.rs`).
        let (scan, scope) = if update.from.is_empty() {
            let scope = self.table_scope(&table, update.alias.as_ref());
            let scan = self.dml_scan(&table, update.selection.as_ref(), &scope)?;
            (scan, scope)
        } else {
            self.bind_dml_join(
                &table,
                update.alias.as_ref(),
                &update.from,
                update.selection.as_ref(),
            )?
        };
        self.clause = "UPDATE";
        let mut assignments = Vec::with_capacity(update.assignments.len());
        for assignment in &update.assignments {
            let column = table
                .schema
                .column_index(&assignment.column.value)
                .ok_or_else(|| {
                    Error::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!(
                            "column \"{}\" of relation \"{}\" does not exist",
                            assignment.column.value, table.schema.name
                        ),
                    )
                    .with_position(assignment.column.span.position(self.sql))
                })?;
            if assignments.iter().any(|(c, _)| *c == column) {
                return Err(Error::syntax(format!(
                    "multiple assignments to same column \"{}\"",
                    assignment.column.value
                )));
            }
            self.check_identity_update(&table, column, assignment.value.is_none())?;
            let value = match &assignment.value {
                None => match self.default_value(&table, column)? {
                    InsertValue::Default(expr) => expr,
                    _ => Expr::Literal(Value::Null),
                },
                Some(expr) => {
                    let (bound, data_type) = self.bind_expr(expr, &scope)?;
                    let schema_column = &table.schema.columns[column];
                    self.coerce_assignment(
                        bound,
                        data_type,
                        schema_column.data_type,
                        &schema_column.name,
                    )
                    .map_err(|e| e.with_position(expr.span().position(self.sql)))?
                }
            };
            assignments.push((column, value));
        }
        let returning = self.bind_returning(&update.returning, &scope)?;
        Ok(BoundStatement::Update {
            table,
            scan,
            assignments,
            returning,
        })
    }

    fn bind_delete(&mut self, delete: &ast::Delete) -> Result<BoundStatement> {
        let table = self.table(&delete.table)?;
        let table = self.with_write_rules(table)?;
        let (scan, scope) = if delete.using.is_empty() {
            let scope = self.table_scope(&table, delete.alias.as_ref());
            let scan = self.dml_scan(&table, delete.selection.as_ref(), &scope)?;
            (scan, scope)
        } else {
            self.bind_dml_join(
                &table,
                delete.alias.as_ref(),
                &delete.using,
                delete.selection.as_ref(),
            )?
        };
        let returning = self.bind_returning(&delete.returning, &scope)?;
        Ok(BoundStatement::Delete {
            table,
            scan,
            returning,
        })
    }

    pub(crate) fn dml_scan(
        &mut self,
        table: &TableRef,
        selection: Option<&ast::Expr>,
        scope: &Scope,
    ) -> Result<Plan> {
        let filter = match selection {
            Some(selection) => {
                self.clause = "WHERE";
                Some(self.bind_condition(selection, scope, "WHERE")?)
            }
            None => None,
        };
        Ok(Plan::Scan {
            table: table.clone(),
            access: Access::Sequential,
            filter,
            with_row_id: true,
        })
    }
}

/// `ORDER BY 2` / `GROUP BY 2`: the 0-based output position, if the expression is an integer
/// constant.
fn output_position(expr: &ast::Expr, width: usize, sql: &str) -> Result<Option<usize>> {
    let ast::Expr::Literal(ast::Literal::Number(text), span) = strip_nested(expr) else {
        return Ok(None);
    };
    let Ok(position) = text.parse::<i64>() else {
        return Ok(None);
    };
    if position < 1 || position as usize > width {
        return Err(Error::new(
            SqlState::INVALID_COLUMN_REFERENCE,
            format!("ORDER BY position {position} is not in select list"),
        )
        .with_position(span.position(sql)));
    }
    Ok(Some(position as usize - 1))
}

fn sort_key(expr: Expr, item: &ast::OrderByExpr) -> SortKey {
    let descending = item.asc == Some(false);
    SortKey {
        expr,
        descending,
        // PostgreSQL: NULLs sort as larger than everything unless told otherwise.
        nulls_first: item.nulls_first.unwrap_or(descending),
    }
}

/// The name PostgreSQL gives a result column without an alias (`FigureColname`).
pub(crate) fn column_name(expr: &ast::Expr) -> String {
    fn figure(expr: &ast::Expr) -> Option<String> {
        match expr {
            ast::Expr::Column(parts) => parts.last().map(|p| p.value.clone()),
            ast::Expr::Function(call) => Some(call.name.name().value.clone()),
            ast::Expr::Cast {
                expr, data_type, ..
            } => figure(expr).or_else(|| Some(type_column_name(&data_type.name))),
            ast::Expr::TypedString { data_type, .. } => Some(type_column_name(&data_type.name)),
            ast::Expr::Case { .. } => Some("case".to_string()),
            ast::Expr::Exists { .. } => Some("exists".to_string()),
            ast::Expr::Array(..) => Some("array".to_string()),
            ast::Expr::Row(..) => Some("row".to_string()),
            ast::Expr::Nested(inner, _) => figure(inner),
            _ => None,
        }
    }
    figure(expr).unwrap_or_else(|| "?column?".to_string())
}

/// The column name a cast to this type produces (PostgreSQL uses the internal type name).
fn type_column_name(name: &str) -> String {
    match name {
        "integer" | "int" => "int4",
        "smallint" => "int2",
        "bigint" => "int8",
        "double precision" | "float" => "float8",
        "real" => "float4",
        "boolean" => "bool",
        "character varying" => "varchar",
        "character" => "bpchar",
        "decimal" => "numeric",
        other => other,
    }
    .to_string()
}
