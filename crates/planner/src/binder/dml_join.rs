//! `UPDATE ... FROM` and `DELETE ... USING`: the target table joined with other FROM items.
//!
//! The scan is a nested loop of the target (with its row ids) and the FROM items, projected
//! to `target columns, FROM columns, row id` so that, as for a plain DML scan, the row id comes
//! last; WHERE, SET and RETURNING are bound over the target's and the FROM items' columns in
//! that order. A target row that joins several FROM rows is written once (the executor skips
//! repeated row ids), the first match winning, which PostgreSQL also allows.

use db001_common::{Error, Result, SqlState};
use db001_sql::ast;

use super::{Binder, Scope, ScopeRelation};
use crate::plan::{Access, Expr, Plan, TableRef};

impl Binder<'_> {
    /// The scan of an UPDATE with FROM or a DELETE with USING, and the scope its expressions
    /// are bound in.
    pub(crate) fn bind_dml_join(
        &mut self,
        table: &TableRef,
        alias: Option<&ast::Ident>,
        from: &[ast::TableWithJoins],
        selection: Option<&ast::Expr>,
    ) -> Result<(Plan, Scope)> {
        let target_scope = self.table_scope(table, alias);
        let (from_plan, from_scope) = self.bind_from(from)?;
        for relation in &from_scope.relations {
            if target_scope.relations.iter().any(|r| r.name == relation.name) {
                return Err(Error::new(
                    SqlState::new("42712"),
                    format!("table name \"{}\" specified more than once", relation.name),
                ));
            }
        }
        let width = table.schema.columns.len();
        let from_width = from_scope.columns.len();
        let join = Plan::NestedLoopJoin {
            left: Box::new(Plan::Scan {
                table: table.clone(),
                access: Access::Sequential,
                filter: None,
                with_row_id: true,
            }),
            right: Box::new(from_plan),
            condition: None,
            left_outer: false,
            right_width: from_width,
        };
        // [target, row id, from] → [target, from, row id]
        let mut exprs: Vec<Expr> = (0..width).map(Expr::Column).collect();
        exprs.extend((width + 1..width + 1 + from_width).map(Expr::Column));
        exprs.push(Expr::Column(width));
        let mut plan = Plan::Project {
            input: Box::new(join),
            exprs,
        };
        let mut scope = target_scope;
        scope.columns.extend(from_scope.columns);
        scope
            .relations
            .extend(from_scope.relations.into_iter().map(|relation| ScopeRelation {
                offset: relation.offset + width,
                ..relation
            }));
        if let Some(selection) = selection {
            self.clause = "WHERE";
            let predicate = self.bind_condition(selection, &scope, "WHERE")?;
            plan = Plan::Filter {
                input: Box::new(plan),
                predicate,
            };
        }
        Ok((plan, scope))
    }
}
