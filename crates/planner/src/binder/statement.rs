//! Binding whole statements: the entry point, VALUES lists, INSERT, UPDATE and DELETE (queries
//! are in `query.rs`, `select.rs` and `from.rs`).

use db001_common::{DataType, Error, Result, SqlState, Value};
use db001_sql::ast;

use super::coerce::assignment_castable;
use super::select::column_name;
use super::{Binder, Scope};
use crate::plan::{
    Access, BoundStatement, Expr, InsertValue, OutputColumn, Plan, Returning, TableRef,
};

impl Binder<'_> {
    /// Binds a SELECT, INSERT, UPDATE or DELETE.
    pub fn bind_statement(&mut self, statement: &ast::Statement) -> Result<BoundStatement> {
        let bound = match statement {
            ast::Statement::Select(query) => {
                self.locking = !query.locking.is_empty();
                let (plan, columns) = self.bind_query(query)?;
                let mut lock = self.lock_target.take();
                if self.locking && lock.is_none() {
                    return Err(Error::feature_not_supported(
                        "FOR UPDATE/SHARE is supported on a single-table SELECT only",
                    ));
                }
                if let Some(lock) = &mut lock {
                    super::locking::apply_clauses(lock, &query.locking, self.sql)?;
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

    pub(crate) fn bind_values(
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
        // In INSERT, PostgreSQL coerces every item straight to its target column's type (with
        // assignment casts) rather than to the common type of the VALUES column: `(1.5),
        // ('1e300')` into a float8 column never passes through numeric. Unknown items are
        // converted here; the others keep their own type and INSERT converts each value when
        // it conforms the row to the table (assignment rules, typmods enforced). A column with
        // an item that cannot be assigned takes that item's type, so INSERT reports the
        // mismatch as PostgreSQL does (42804).
        for (i, column_type) in types.iter_mut().enumerate() {
            if let Some(targets) = targets
                && let Some(target) = targets.get(i)
            {
                let unassignable = rows.iter().map(|row| row[i].1).find(|item| {
                    *item != DataType::Unknown && !assignment_castable(*item, *target)
                });
                *column_type = unassignable.unwrap_or(*target);
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

    // ---------------------------------------------------------------- DML

    pub(crate) fn table_scope(&self, table: &TableRef, alias: Option<&ast::Ident>) -> Scope {
        let name = alias.map_or(table.schema.name.clone(), |a| a.value.clone());
        Scope::table(&name, table, &[])
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
                ast::SelectItem::Wildcard(_) => {
                    for visible in &scope.visible {
                        let (table_oid, column_number) = match visible.expr {
                            Expr::Column(i) => {
                                (scope.columns[i].table_oid, scope.columns[i].column_number)
                            }
                            _ => (0, 0),
                        };
                        exprs.push(visible.expr.clone());
                        columns.push(OutputColumn {
                            name: visible.name.clone(),
                            data_type: visible.data_type,
                            table_oid,
                            column_number,
                        });
                    }
                }
                ast::SelectItem::QualifiedWildcard(name) => {
                    // `t.*`: the columns of FROM item `t` (the target or a FROM/USING item).
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
                    for i in relation.offset..relation.offset + relation.width {
                        let c = &scope.columns[i];
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
        if insert.overriding.is_none() {
            self.check_identity_insert(&schema, &targets, &insert.source)?;
        }
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
            // OVERRIDING USER VALUE: identity columns take their sequence's value whatever
            // the statement gives them.
            let overridden = insert.overriding == Some(ast::Overriding::User)
                && schema.columns[column].identity.is_some();
            match targets.iter().position(|&t| t == column) {
                Some(source_position) if source_position < source_types.len() && !overridden => {
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
            alias: None,
        })
    }
}
