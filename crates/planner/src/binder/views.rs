//! Views: a view named in FROM reads as its stored query, bound afresh against the current
//! catalog each time (views expand at bind time, as PostgreSQL's rewriter expands them).
//!
//! The query is kept as SQL text; errors inside it point into that text, not the statement's.
//! Only the first `columns.len()` columns the query produces belong to the view (so a view
//! over `SELECT *` keeps the width it had when created, as PostgreSQL's does), renamed to the
//! view's column names.

use db001_common::{Error, Result, SqlState};
use db001_sql::ast;

use super::Binder;
use crate::plan::{Expr, OutputColumn, Plan};

/// How deep views may nest inside one another.
const VIEW_NESTING_MAX: usize = 64;

impl Binder<'_> {
    /// If `name` is a view (and not a table), its query's plan and the view's columns.
    pub(crate) fn view_reference(
        &mut self,
        name: &ast::ObjectName,
    ) -> Result<Option<(Plan, Vec<OutputColumn>)>> {
        let Some(schema) = self.relation_schema(name) else {
            return Ok(None);
        };
        let Some(view) = self.catalog.view(&schema, &name.name().value) else {
            return Ok(None);
        };
        if self.expanding_views.contains(&view.id) {
            return Err(Error::new(
                SqlState::new("42P17"),
                format!(
                    "infinite recursion detected in rules for relation \"{}\"",
                    view.name
                ),
            ));
        }
        if self.expanding_views.len() >= VIEW_NESTING_MAX {
            return Err(Error::new(
                SqlState::STATEMENT_TOO_COMPLEX,
                format!("views nest more than {VIEW_NESTING_MAX} deep"),
            ));
        }
        let mut statements = db001_sql::parse(&view.query)?;
        let Some(ast::Statement::Select(query)) = statements.pop() else {
            return Err(Error::internal(format!(
                "view \"{}\" holds no query",
                view.name
            )));
        };
        // Bind the view's query on its own: its text, its own clause state, no locking, and
        // none of the statement's WITH queries or enclosing query levels (a view sees only
        // the catalog, as PostgreSQL's stored query does).
        let saved_sql = std::mem::replace(&mut self.sql, view.query.as_str());
        let saved_ctes = std::mem::take(&mut self.ctes);
        let saved_outer = std::mem::take(&mut self.outer);
        let saved_refs = std::mem::take(&mut self.column_refs);
        self.expanding_views.push(view.id);
        let bound = self.bind_nested_query(&query);
        self.expanding_views.pop();
        self.column_refs = saved_refs;
        self.outer = saved_outer;
        self.ctes = saved_ctes;
        self.sql = saved_sql;
        let (mut plan, columns) = bound?;
        if columns.len() < view.columns.len() {
            return Err(Error::new(
                SqlState::new("42P16"),
                format!(
                    "view \"{}\" no longer has the columns it was created with",
                    view.name
                ),
            ));
        }
        if columns.len() > view.columns.len() {
            plan = Plan::Project {
                input: Box::new(plan),
                exprs: (0..view.columns.len()).map(Expr::Column).collect(),
            };
        }
        let columns = view
            .columns
            .iter()
            .zip(columns)
            .enumerate()
            .map(|(i, ((name, _), column))| OutputColumn {
                name: name.clone(),
                data_type: column.data_type,
                table_oid: view.id,
                column_number: i as i16 + 1,
            })
            .collect();
        Ok(Some((plan, columns)))
    }
}
