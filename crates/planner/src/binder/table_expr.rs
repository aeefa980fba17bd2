//! Binding an expression stored as text over one table's columns: CHECK constraints (when a
//! write is planned, and by DDL validating existing rows) and column defaults.

use std::sync::Arc;

use db001_catalog::{Catalog, TableSchema};
use db001_common::{DataType, Result};
use db001_storage::Table;

use super::Binder;
use crate::plan::{Expr, TableRef};

/// Binds `text` over the columns of `table` (qualified by the table's name). `clause` names
/// where the expression stands for error messages ("check constraints": "aggregate functions
/// are not allowed in check constraints").
pub fn bind_table_expression(
    catalog: &Catalog,
    table: &TableSchema,
    text: &str,
    clause: &'static str,
) -> Result<(Expr, DataType)> {
    let parsed = db001_sql::parse_expr(text)?;
    let mut binder = Binder::new(catalog, text, &[]);
    binder.clause = clause;
    let reference = TableRef {
        schema: Arc::new(table.clone()),
        storage: Table::new(table.id, Vec::new()),
        rules: None,
    };
    let scope = binder.table_scope(&reference, None);
    binder.bind_expr(&parsed, &scope)
}

impl Binder<'_> {
    /// A column's DEFAULT, bound over nothing and cast to the column's type, or NULL.
    pub(crate) fn bound_default(&mut self, table: &TableSchema, column: usize) -> Result<Expr> {
        let schema_column = &table.columns[column];
        let Some(default) = self.default_text(table, column) else {
            return Ok(Expr::Literal(db001_common::Value::Null));
        };
        let parsed = db001_sql::parse_expr(&default)?;
        let mut binder = Binder::new(self.catalog, &default, &[]);
        binder.search_path = self.search_path.clone();
        let (bound, data_type) = binder.bind_expr(&parsed, &super::Scope::default())?;
        let bound = binder.coerce_assignment(
            bound,
            data_type,
            schema_column.data_type,
            &schema_column.name,
        )?;
        Ok(bound)
    }
}
