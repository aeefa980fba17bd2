//! Identity columns (`GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY`): their values come from
//! the sequence the column owns, and an ALWAYS column refuses explicit values (428C9) unless
//! they are DEFAULT or the INSERT says `OVERRIDING SYSTEM VALUE`, as in PostgreSQL;
//! `OVERRIDING USER VALUE` makes identity columns ignore the statement's values.

use db001_catalog::{Identity, TableSchema};
use db001_common::{Error, Result, SqlState};
use db001_sql::ast;

use super::Binder;
use crate::plan::TableRef;

impl Binder<'_> {
    /// 428C9 when an INSERT gives a `GENERATED ALWAYS` column a value other than DEFAULT.
    pub(crate) fn check_identity_insert(
        &self,
        schema: &TableSchema,
        targets: &[usize],
        source: &ast::InsertSource,
    ) -> Result<()> {
        for (position, &column) in targets.iter().enumerate() {
            if schema.columns[column].identity != Some(Identity::Always) {
                continue;
            }
            let all_default = match source {
                ast::InsertSource::DefaultValues => true,
                ast::InsertSource::Query(query) => match &query.body {
                    ast::SetExpr::Values(values) => values
                        .rows
                        .iter()
                        .all(|row| matches!(row.get(position), Some(ast::Expr::Default(_)) | None)),
                    _ => false,
                },
            };
            if !all_default {
                let name = &schema.columns[column].name;
                return Err(Error::new(
                    SqlState::new("428C9"),
                    format!("cannot insert a non-DEFAULT value into column \"{name}\""),
                )
                .with_detail(format!(
                    "Column \"{name}\" is an identity column defined as GENERATED ALWAYS."
                ))
                .with_hint("Use OVERRIDING SYSTEM VALUE to override."));
            }
        }
        Ok(())
    }

    /// 428C9 for assigning anything but DEFAULT to a `GENERATED ALWAYS` identity column.
    pub(crate) fn check_identity_update(
        &self,
        table: &TableRef,
        column: usize,
        is_default: bool,
    ) -> Result<()> {
        let schema_column = &table.schema.columns[column];
        if schema_column.identity == Some(Identity::Always) && !is_default {
            return Err(Error::new(
                SqlState::new("428C9"),
                format!(
                    "column \"{}\" can only be updated to DEFAULT",
                    schema_column.name
                ),
            )
            .with_detail(format!(
                "Column \"{}\" is an identity column defined as GENERATED ALWAYS.",
                schema_column.name
            )));
        }
        Ok(())
    }

    /// The DEFAULT text of a column: its own, or `nextval` of the sequence an identity column
    /// owns.
    pub(crate) fn default_text(&self, table: &TableSchema, column: usize) -> Option<String> {
        let schema_column = &table.columns[column];
        if let Some(default) = &schema_column.default {
            return Some(default.clone());
        }
        schema_column.identity?;
        let sequence = self
            .catalog
            .owned_sequences(table.id, Some(&schema_column.name))
            .into_iter()
            .next()?;
        let qualified = format!(
            "{}.{}",
            ast::Ident {
                value: sequence.schema.schema_name.clone(),
                span: ast::Span::default(),
            },
            ast::Ident {
                value: sequence.schema.name.clone(),
                span: ast::Span::default(),
            }
        );
        Some(format!("nextval('{}')", qualified.replace('\'', "''")))
    }
}
