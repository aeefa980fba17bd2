//! FOREIGN KEY definitions: the referenced table, its key, the column types, the name.
//!
//! As in PostgreSQL, the referenced columns must be exactly the columns of a primary key or
//! unique constraint (or unique index) of the referenced table (42830 otherwise), omitted
//! columns mean the primary key, and each pair of columns must be comparable (42804). The
//! referenced table is locked exclusively until the transaction ends, so no other transaction
//! can drop, truncate or rewrite it before the constraint is committed and validated rows
//! stay valid.

use db001_catalog::{ForeignKey, ReferentialAction, TableSchema};
use db001_common::{DataType, Error, Result, SqlState, TypeCategory};
use db001_sql::ast;

use super::{Ddl, choose_name, shown_name};

/// A FOREIGN KEY as written.
#[derive(Debug)]
pub(super) struct PendingForeignKey {
    pub(super) name: Option<String>,
    pub(super) columns: Vec<ast::Ident>,
    pub(super) table: ast::ObjectName,
    pub(super) referred: Vec<ast::Ident>,
    pub(super) on_delete: ReferentialAction,
    pub(super) on_update: ReferentialAction,
}

/// Resolves a foreign key of `schema` (a table being created or altered).
pub(super) fn resolve_foreign_key(
    ddl: &mut Ddl<'_>,
    schema: &TableSchema,
    pending: PendingForeignKey,
) -> Result<ForeignKey> {
    let self_reference = pending.table.name().value == schema.name
        && pending
            .table
            .schema()
            .is_none_or(|s| s.value == schema.schema_name)
        && match ddl.relation_schema(&pending.table)? {
            None => true,
            Some(found) => found == schema.schema_name,
        };
    let referenced: TableSchema = if self_reference {
        schema.clone()
    } else {
        let Some(relation_schema) = ddl.relation_schema(&pending.table)? else {
            return Err(Error::undefined_table(&shown_name(&pending.table)));
        };
        let relation = pending.table.name().value.clone();
        let catalog = ddl.catalog()?;
        let Some(entry) = catalog.table(&relation_schema, &relation).cloned() else {
            return Err(Error::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("referenced relation \"{relation}\" is not a table"),
            ));
        };
        ddl.lock_exclusive(entry.schema.id)?;
        entry.schema.as_ref().clone()
    };
    let own: Vec<usize> = pending
        .columns
        .iter()
        .map(|ident| {
            schema.column_index(&ident.value).ok_or_else(|| {
                Error::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!(
                        "column \"{}\" referenced in foreign key constraint does not exist",
                        ident.value
                    ),
                )
            })
        })
        .collect::<Result<_>>()?;
    let referenced_columns: Vec<usize> = if pending.referred.is_empty() {
        referenced
            .primary_key()
            .map(|key| key.columns.clone())
            .ok_or_else(|| {
                Error::new(
                    SqlState::new("42830"),
                    format!(
                        "there is no primary key for referenced table \"{}\"",
                        referenced.name
                    ),
                )
            })?
    } else {
        pending
            .referred
            .iter()
            .map(|ident| {
                referenced.column_index(&ident.value).ok_or_else(|| {
                    Error::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!(
                            "column \"{}\" referenced in foreign key constraint does not exist",
                            ident.value
                        ),
                    )
                })
            })
            .collect::<Result<_>>()?
    };
    if own.len() != referenced_columns.len() {
        return Err(Error::new(
            SqlState::new("42830"),
            "number of referencing and referenced columns for foreign key disagree",
        ));
    }
    if referenced.unique_index_on(&referenced_columns).is_none() {
        return Err(Error::new(
            SqlState::new("42830"),
            format!(
                "there is no unique constraint matching given keys for referenced table \"{}\"",
                referenced.name
            ),
        ));
    }
    let name = match pending.name {
        Some(name) => name,
        None => {
            let joined: Vec<&str> = own
                .iter()
                .map(|&c| schema.columns[c].name.as_str())
                .collect();
            choose_name(&schema.name, Some(&joined.join("_")), "fkey", |candidate| {
                schema.has_constraint(candidate)
            })
        }
    };
    for (&mine, &theirs) in own.iter().zip(&referenced_columns) {
        let left = schema.columns[mine].data_type;
        let right = referenced.columns[theirs].data_type;
        if !comparable(left, right) {
            return Err(Error::datatype_mismatch(format!(
                "foreign key constraint \"{name}\" cannot be implemented"
            ))
            .with_detail(format!(
                "Key columns \"{}\" and \"{}\" are of incompatible types: {} and {}.",
                schema.columns[mine].name,
                referenced.columns[theirs].name,
                left.sql_name(),
                right.sql_name()
            )));
        }
    }
    Ok(ForeignKey {
        name,
        columns: own,
        referenced_table: referenced.id,
        referenced_columns,
        on_delete: pending.on_delete,
        on_update: pending.on_update,
    })
}

/// Whether values of the two types can be compared with `=` for a foreign key (numbers with
/// numbers, strings with strings, anything else with its own type).
fn comparable(left: DataType, right: DataType) -> bool {
    if left.without_modifier() == right.without_modifier() {
        return true;
    }
    matches!(
        (left.category(), right.category()),
        (TypeCategory::Numeric, TypeCategory::Numeric)
            | (TypeCategory::String, TypeCategory::String)
    )
}
