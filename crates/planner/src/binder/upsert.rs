//! `INSERT ... ON CONFLICT`: choosing the arbiter indexes and binding DO UPDATE.
//!
//! PostgreSQL infers the arbiters from the conflict target: every unique index whose columns
//! are exactly the target's columns (a predicate after the target selects partial indexes;
//! db001 has none, and a full index satisfies any predicate, so it is only bound), or the
//! index of the constraint `ON CONSTRAINT` names. DO NOTHING without a target arbitrates on
//! every unique index. DO UPDATE expressions see the existing row under the table's name (or
//! alias) and the proposed row as `excluded`.

use db001_common::{Error, Result, SqlState};
use db001_sql::ast;

use super::{Binder, Scope, ScopeColumn};
use crate::plan::{ConflictUpdate, OnConflict, TableRef};

impl Binder<'_> {
    pub(crate) fn bind_on_conflict(
        &mut self,
        on_conflict: &ast::OnConflict,
        table: &TableRef,
        alias: Option<&ast::Ident>,
    ) -> Result<OnConflict> {
        let schema = &table.schema;
        let arbiters = if let Some(constraint) = &on_conflict.constraint {
            let index = schema
                .indexes
                .iter()
                .find(|index| index.constraint && index.name == constraint.value)
                .ok_or_else(|| {
                    Error::new(
                        SqlState::UNDEFINED_OBJECT,
                        format!(
                            "constraint \"{}\" for table \"{}\" does not exist",
                            constraint.value, schema.name
                        ),
                    )
                })?;
            vec![index.id]
        } else if on_conflict.target.is_empty() {
            if matches!(on_conflict.action, ast::OnConflictAction::DoUpdate { .. }) {
                return Err(Error::syntax(
                    "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                )
                .with_hint("For example, ON CONFLICT (column_name)."));
            }
            Vec::new()
        } else {
            let mut columns = Vec::with_capacity(on_conflict.target.len());
            for ident in &on_conflict.target {
                let position = schema.column_index(&ident.value).ok_or_else(|| {
                    Error::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!("column \"{}\" does not exist", ident.value),
                    )
                    .with_position(ident.span.position(self.sql))
                })?;
                if !columns.contains(&position) {
                    columns.push(position);
                }
            }
            let arbiters: Vec<u32> = schema
                .indexes
                .iter()
                .filter(|index| {
                    index.unique
                        && index.columns.len() == columns.len()
                        && columns.iter().all(|c| index.columns.contains(c))
                })
                .map(|index| index.id)
                .collect();
            if arbiters.is_empty() {
                return Err(Error::new(
                    SqlState::INVALID_COLUMN_REFERENCE,
                    "there is no unique or exclusion constraint matching the ON CONFLICT \
                     specification",
                ));
            }
            if let Some(predicate) = &on_conflict.target_predicate {
                let scope = self.table_scope(table, alias);
                self.clause = "index predicate";
                self.bind_condition(predicate, &scope, "WHERE")?;
            }
            arbiters
        };
        let update = match &on_conflict.action {
            ast::OnConflictAction::DoNothing => None,
            ast::OnConflictAction::DoUpdate {
                assignments,
                selection,
            } => Some(self.bind_conflict_update(table, alias, assignments, selection.as_ref())?),
        };
        Ok(OnConflict { arbiters, update })
    }

    fn bind_conflict_update(
        &mut self,
        table: &TableRef,
        alias: Option<&ast::Ident>,
        assignments: &[ast::Assignment],
        selection: Option<&ast::Expr>,
    ) -> Result<ConflictUpdate> {
        let schema = &table.schema;
        let scope = self.table_scope(table, alias);
        // `excluded` is one more relation whose columns are visible too (PostgreSQL adds it
        // to both namespaces, so an unqualified column both have is ambiguous).
        let excluded: Vec<ScopeColumn> = scope
            .columns
            .iter()
            .map(|column| ScopeColumn {
                qualifier: Some("excluded".to_string()),
                ..column.clone()
            })
            .collect();
        let (mut scope, excluded_visible) =
            scope.concat(Scope::relation("excluded", excluded, Vec::new()));
        scope.visible.extend(excluded_visible);
        self.clause = "UPDATE";
        let mut bound = Vec::with_capacity(assignments.len());
        for assignment in assignments {
            let column = schema
                .column_index(&assignment.column.value)
                .ok_or_else(|| {
                    Error::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!(
                            "column \"{}\" of relation \"{}\" does not exist",
                            assignment.column.value, schema.name
                        ),
                    )
                    .with_position(assignment.column.span.position(self.sql))
                })?;
            if bound.iter().any(|(c, _)| *c == column) {
                return Err(Error::syntax(format!(
                    "multiple assignments to same column \"{}\"",
                    assignment.column.value
                )));
            }
            self.check_identity_update(table, column, assignment.value.is_none())?;
            let value = match &assignment.value {
                None => self.bound_default(schema, column)?,
                Some(expr) => {
                    let (value, data_type) = self.bind_expr(expr, &scope)?;
                    let schema_column = &schema.columns[column];
                    self.coerce_assignment(
                        value,
                        data_type,
                        schema_column.data_type,
                        &schema_column.name,
                    )
                    .map_err(|e| e.with_position(expr.span().position(self.sql)))?
                }
            };
            bound.push((column, value));
        }
        let predicate = match selection {
            Some(selection) => {
                self.clause = "WHERE";
                Some(self.bind_condition(selection, &scope, "WHERE")?)
            }
            None => None,
        };
        Ok(ConflictUpdate {
            assignments: bound,
            predicate,
        })
    }
}
