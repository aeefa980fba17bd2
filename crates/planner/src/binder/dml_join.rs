//! `UPDATE ... FROM` and `DELETE ... USING`: the target table joined with other FROM items.
//!
//! The scan is a nested loop of the target (with its row ids) and the FROM items, projected
//! to `target columns, FROM columns, row id` so that, as for a plain DML scan, the row id comes
//! last; WHERE, SET and RETURNING are bound over the target's and the FROM items' columns in
//! that order. A target row that joins several FROM rows is written once (the executor skips
//! repeated row ids), the first match winning, which PostgreSQL also allows.

use db001_common::Result;
use db001_sql::ast;

use super::Binder;
use super::from::check_names;
use super::scope::Scope;
use crate::plan::{Access, Expr, JoinKind, Plan, TableRef};

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
        check_names(&target_scope, &from_scope)?;
        let width = table.schema.columns.len();
        let from_width = from_scope.width();
        let join = Plan::NestedLoopJoin {
            left: Box::new(Plan::Scan {
                table: table.clone(),
                access: Access::Sequential,
                filter: None,
                with_row_id: true,
                alias: alias.map(|a| a.value.clone()),
            }),
            right: Box::new(from_plan),
            condition: None,
            kind: JoinKind::Inner,
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
        let (mut scope, from_visible) = target_scope.concat(from_scope);
        scope.visible.extend(from_visible);
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
