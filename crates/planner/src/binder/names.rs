//! Column references: the current query's columns, grouped columns of an aggregated query,
//! and columns of enclosing queries read by a correlated subquery.
//!
//! A name is looked up in the current query's scope first, then in each enclosing query's
//! scope from the innermost out (PostgreSQL's rule). A column of an enclosing query becomes a
//! *capture*: the enclosing query evaluates it over its own row and hands the value to the
//! subquery, which reads it as `Expr::Correlated(i)`. A column two levels out is captured by
//! the middle level too and passed through, so every subquery only ever receives values from
//! the query directly around it.

use db001_common::{DataType, Error, Result, SqlState};
use db001_sql::ast;

use super::scope::{Resolved, unresolved};
use super::{Binder, Scope};
use crate::plan::Expr;

impl Binder<'_> {
    /// Binds a column reference.
    pub(crate) fn bind_column(
        &mut self,
        parts: &[ast::Ident],
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        if let Some(resolved) = scope.lookup(parts, self.sql)? {
            self.column_refs.local += 1;
            return self.grouped_column(resolved, parts, scope);
        }
        for level in (0..self.outer.len()).rev() {
            if let Some(resolved) = self.outer[level].scope.lookup(parts, self.sql)? {
                return self.capture(level, resolved, parts);
            }
        }
        Err(unresolved(parts, self.sql))
    }

    /// A resolved input column as the current clause sees it: in the select list, HAVING and
    /// ORDER BY of an aggregated query only group keys (and columns functionally dependent on
    /// them) exist.
    pub(crate) fn grouped_column(
        &mut self,
        resolved: Resolved,
        parts: &[ast::Ident],
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        let Some(aggregate) = self.aggregate.as_mut() else {
            return Ok((resolved.expr, resolved.data_type.without_modifier()));
        };
        if aggregate.inside_call {
            return Ok((resolved.expr, resolved.data_type.without_modifier()));
        }
        if let Some(key) = aggregate.key_exprs.iter().position(|k| *k == resolved.expr) {
            return Ok((Expr::Column(key), aggregate.key_types[key]));
        }
        if let Some(position) = resolved.position
            && aggregate
                .dependent
                .iter()
                .any(|(offset, width)| (*offset..offset + width).contains(&position))
        {
            // Grouping by more columns that are determined by the keys changes no group.
            let data_type = resolved.data_type.without_modifier();
            aggregate.keys.push(format!("\u{0}dependent {position}"));
            aggregate.key_exprs.push(resolved.expr);
            aggregate.key_types.push(data_type);
            return Ok((Expr::Column(aggregate.key_exprs.len() - 1), data_type));
        }
        let shown = match resolved.position.and_then(|p| scope.columns.get(p)) {
            Some(column) => match &column.qualifier {
                Some(qualifier) => format!("{qualifier}.{}", column.name),
                None => column.name.clone(),
            },
            None => parts
                .iter()
                .map(|p| p.value.as_str())
                .collect::<Vec<_>>()
                .join("."),
        };
        let message = if self.outer_binding {
            format!("subquery uses ungrouped column \"{shown}\" from outer query")
        } else {
            format!(
                "column \"{shown}\" must appear in the GROUP BY clause or be used in an aggregate function"
            )
        };
        Err(Error::new(SqlState::GROUPING_ERROR, message)
            .or_position(parts.first().map(|p| p.span.position(self.sql))))
    }

    /// Makes a column of the enclosing level `level` available to the subquery being bound.
    fn capture(
        &mut self,
        level: usize,
        resolved: Resolved,
        parts: &[ast::Ident],
    ) -> Result<(Expr, DataType)> {
        // Bind the column as that level sees it (grouped or not).
        let scope = std::mem::take(&mut self.outer[level].scope);
        std::mem::swap(&mut self.aggregate, &mut self.outer[level].aggregate);
        self.outer_binding = true;
        let grouped = self.grouped_column(resolved, parts, &scope);
        self.outer_binding = false;
        std::mem::swap(&mut self.aggregate, &mut self.outer[level].aggregate);
        self.outer[level].scope = scope;
        let (mut expr, data_type) = grouped?;
        for outer in &mut self.outer[level..] {
            let index = match outer.captures.iter().position(|c| *c == expr) {
                Some(index) => index,
                None => {
                    outer.captures.push(expr);
                    outer.captures.len() - 1
                }
            };
            expr = Expr::Correlated(index);
        }
        self.column_refs.outer += 1;
        Ok((expr, data_type))
    }
}
