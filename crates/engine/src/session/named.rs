//! SQL-level prepared statements: `PREPARE name [(types)] AS statement`, `EXECUTE name
//! [(arguments)]`, `DEALLOCATE [PREPARE] name | ALL` (which psycopg sends when it resets a
//! connection).
//!
//! A named statement is prepared exactly as an extended-protocol Parse would prepare it (its
//! plan cached until the catalog changes). EXECUTE evaluates the arguments as constant
//! expressions, casts them to the parameter types, and runs the statement.

use std::sync::Arc;

use db001_common::value::CastKind;
use db001_common::{Error, Result, SqlState, Value};
use db001_sql::ast;

use super::{Prepared, Session};
use crate::result::{CommandTag, StatementResult};

fn undefined(name: &str) -> Error {
    Error::new(
        SqlState::INVALID_SQL_STATEMENT_NAME,
        format!("prepared statement \"{name}\" does not exist"),
    )
}

impl Session {
    pub(super) fn prepare_named(&mut self, prepare: &ast::Prepare) -> Result<StatementResult> {
        let name = &prepare.name.value;
        if self.named.contains_key(name) {
            return Err(Error::new(
                SqlState::DUPLICATE_PREPARED_STATEMENT,
                format!("prepared statement \"{name}\" already exists"),
            ));
        }
        let mut oids = Vec::with_capacity(prepare.param_types.len());
        for type_name in &prepare.param_types {
            oids.push(db001_planner::resolve_type(type_name)?.oid());
        }
        let text = prepare.statement.to_string();
        let prepared = self.prepare_inner(&text, &oids)?;
        self.named.insert(name.clone(), prepared);
        Ok(StatementResult::command(CommandTag::Prepare))
    }

    pub(super) async fn execute_named(
        &mut self,
        execute: &ast::Execute,
    ) -> Result<StatementResult> {
        let name = &execute.name.value;
        let prepared: Arc<Prepared> = self
            .named
            .get(name)
            .cloned()
            .ok_or_else(|| undefined(name))?;
        if execute.params.len() != prepared.param_types.len() {
            return Err(Error::syntax(format!(
                "wrong number of parameters for prepared statement \"{name}\""
            ))
            .with_detail(format!(
                "Expected {} parameters but got {}.",
                prepared.param_types.len(),
                execute.params.len()
            )));
        }
        let values = self.evaluate_arguments(&execute.params).await?;
        let mut params = Vec::with_capacity(values.len());
        for (value, data_type) in values.into_iter().zip(&prepared.param_types) {
            params.push(if value.is_null() {
                value
            } else {
                value.cast(*data_type, CastKind::Explicit)?
            });
        }
        let Some(statement) = &prepared.statement else {
            return Err(Error::internal("a named statement without a statement"));
        };
        self.run_dml(statement, &prepared.sql, Some(&prepared), &params)
            .await
    }

    /// EXECUTE's arguments, evaluated as `SELECT arg, ...`.
    async fn evaluate_arguments(&mut self, arguments: &[ast::Expr]) -> Result<Vec<Value>> {
        if arguments.is_empty() {
            return Ok(Vec::new());
        }
        let query = ast::Statement::Select(Box::new(ast::Query {
            with: None,
            body: ast::SetExpr::Select(Box::new(ast::Select {
                distinct: None,
                projection: arguments
                    .iter()
                    .map(|expr| ast::SelectItem::Expr {
                        expr: expr.clone(),
                        alias: None,
                    })
                    .collect(),
                from: Vec::new(),
                selection: None,
                group_by: Vec::new(),
                having: None,
                span: ast::Span::default(),
            })),
            order_by: Vec::new(),
            limit: None,
            offset: None,
            locking: Vec::new(),
            span: ast::Span::default(),
        }));
        let text = query.to_string();
        let result = self.run_dml(&query, &text, None, &[]).await?;
        result
            .rows
            .into_iter()
            .next()
            .ok_or_else(|| Error::internal("EXECUTE's arguments gave no row"))
    }

    pub(super) fn deallocate(&mut self, name: Option<&ast::Ident>) -> Result<StatementResult> {
        match name {
            None => {
                self.named.clear();
                Ok(StatementResult::command(CommandTag::DeallocateAll))
            }
            // Protocol-level statements (Parse) share PostgreSQL's namespace but live in the
            // wire, which drops them on this tag (or answers 26000 for an unknown name).
            Some(name) => match self.named.remove(&name.value) {
                Some(_) => Ok(StatementResult::command(CommandTag::Deallocate)),
                None => Ok(StatementResult::command(CommandTag::DeallocateProtocol(
                    name.value.clone(),
                ))),
            },
        }
    }
}
