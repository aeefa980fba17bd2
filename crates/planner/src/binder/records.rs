//! Composite values: `(expr).field` and `(expr).*`.
//!
//! db001's composites are the records of built-in functions (`db001_common::record`): their
//! shape is part of the type ([`DataType::Record`] carries a [`db001_common::Composite`]), so a
//! field selection is resolved here, at bind time, to the field's position and type, and
//! runs as [`Builtin::Field`] on the record value. A record can travel through a subquery's
//! output like any value (pgjdbc's primary-key query selects `_pg_expandarray(indkey) AS
//! keys` in a subquery and reads `(result.keys).x` outside it).
//!
//! `(expr).*` in a select list binds `expr` once and gives one column per field, named after
//! the field (PostgreSQL evaluates `expr` once per field; for the set-returning functions
//! db001 has, that yields the same rows). Elsewhere it is refused as PostgreSQL refuses it.
//! Errors are PostgreSQL's: 42809 for a field of a value that is not composite, 42703 for a
//! field the record does not have.

use db001_common::{DataType, Error, Result, SqlState};
use db001_sql::ast;

use super::expr::strip_nested;
use super::{Binder, Scope};
use crate::builtin::Builtin;
use crate::plan::{Expr, Function, OutputColumn};

fn field(record: Expr, index: usize) -> Expr {
    Expr::Function {
        function: Function::Builtin(Builtin::Field { index }),
        args: vec![record],
    }
}

impl Binder<'_> {
    /// Binds `inner` and checks that it is composite; the fields come back with it.
    fn bind_record(
        &mut self,
        inner: &ast::Expr,
        field_name: &str,
        scope: &Scope,
    ) -> Result<(Expr, Vec<(&'static str, DataType)>)> {
        let (bound, data_type) = self.bind_expr(inner, scope)?;
        let DataType::Record(composite) = data_type else {
            return Err(Error::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!(
                    "column notation .{field_name} applied to type {}, which is not a composite type",
                    data_type.sql_name()
                ),
            )
            .with_position(strip_nested(inner).span().position(self.sql)));
        };
        Ok((bound, composite.fields()))
    }

    /// `(expr).field`.
    pub(crate) fn bind_field_select(
        &mut self,
        inner: &ast::Expr,
        name: &ast::Ident,
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        let (record, fields) = self.bind_record(inner, &name.value, scope)?;
        let Some(index) = fields.iter().position(|(field, _)| *field == name.value) else {
            return Err(Error::new(
                SqlState::UNDEFINED_COLUMN,
                format!(
                    "could not identify column \"{}\" in record data type",
                    name.value
                ),
            )
            .with_position(strip_nested(inner).span().position(self.sql)));
        };
        Ok((field(record, index), fields[index].1))
    }

    /// `(expr).*` in a select list: one output column per field.
    pub(crate) fn bind_field_expansion(
        &mut self,
        inner: &ast::Expr,
        scope: &Scope,
    ) -> Result<Vec<(Expr, OutputColumn)>> {
        let (record, fields) = self.bind_record(inner, "*", scope)?;
        Ok(fields
            .into_iter()
            .enumerate()
            .map(|(index, (name, data_type))| {
                let column = OutputColumn {
                    name: name.to_string(),
                    data_type,
                    table_oid: 0,
                    column_number: 0,
                };
                (field(record.clone(), index), column)
            })
            .collect())
    }
}
