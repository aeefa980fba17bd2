//! Checking a table's existing rows against constraints ALTER TABLE adds (NOT NULL, CHECK,
//! FOREIGN KEY), with PostgreSQL's errors. The table is locked exclusively first, so the rows
//! read through a fresh snapshot are all the rows there are.

use std::collections::HashSet;
use std::sync::Arc;

use db001_catalog::{ForeignKey, TableSchema};
use db001_common::value::CastKind;
use db001_common::{Error, Result, Row, SqlState, Value, key_codec, row_codec};
use db001_executor::eval::{Env, eval};
use db001_storage::Table;

use super::Ddl;

/// Every row of `storage` a fresh snapshot sees, padded to `width` columns.
pub(super) fn visible_rows(
    ddl: &mut Ddl<'_>,
    storage: &Arc<Table>,
    width: usize,
) -> Result<Vec<(u64, Row)>> {
    let snapshot = ddl.fresh_snapshot();
    let mut rows = Vec::new();
    for scanned in storage.scan(snapshot, Arc::clone(&ddl.db.shared.manager)) {
        let (row_id, data) = scanned?;
        let mut row = row_codec::decode_row(&data)?;
        row.resize(width, Value::Null);
        rows.push((row_id, row));
    }
    Ok(rows)
}

/// 23502 when a row has NULL in `column`.
pub(super) fn not_null(schema: &TableSchema, rows: &[(u64, Row)], column: usize) -> Result<()> {
    if rows.iter().any(|(_, row)| row[column].is_null()) {
        return Err(Error::new(
            SqlState::NOT_NULL_VIOLATION,
            format!(
                "column \"{}\" of relation \"{}\" contains null values",
                schema.columns[column].name, schema.name
            ),
        ));
    }
    Ok(())
}

/// 23514 when a row makes the CHECK constraint `name` false.
pub(super) fn check(
    ddl: &mut Ddl<'_>,
    schema: &TableSchema,
    rows: &[(u64, Row)],
    name: &str,
) -> Result<()> {
    let Some(constraint) = schema.checks.iter().find(|c| c.name == name) else {
        return Err(Error::internal(format!(
            "check constraint \"{name}\" vanished"
        )));
    };
    let catalog = ddl.catalog()?;
    let (predicate, _) = db001_planner::bind_table_expression(
        catalog,
        schema,
        &constraint.expr,
        "check constraints",
    )?;
    let snapshot = ddl.fresh_snapshot();
    let ctx = ddl.exec_context(snapshot);
    let env = Env {
        ctx: &ctx,
        outer: None,
    };
    for (_, row) in rows {
        if matches!(eval(&predicate, row, env)?, Value::Bool(false)) {
            return Err(Error::new(
                SqlState::CHECK_VIOLATION,
                format!(
                    "check constraint \"{name}\" of relation \"{}\" is violated by some row",
                    schema.name
                ),
            ));
        }
    }
    Ok(())
}

/// 23503 when a row of `schema` references a key missing from `referenced` (whose rows are
/// `referenced_rows`).
pub(super) fn foreign_key(
    schema: &TableSchema,
    rows: &[(u64, Row)],
    foreign: &ForeignKey,
    referenced: &TableSchema,
    referenced_rows: &[(u64, Row)],
) -> Result<()> {
    let types: Vec<_> = foreign
        .referenced_columns
        .iter()
        .map(|&c| referenced.columns[c].data_type)
        .collect();
    let key = |row: &Row, columns: &[usize]| -> Result<Option<Vec<u8>>> {
        let mut values = Vec::with_capacity(columns.len());
        for (&column, &data_type) in columns.iter().zip(&types) {
            let value = &row[column];
            if value.is_null() {
                return Ok(None);
            }
            values.push(value.cast(data_type, CastKind::Implicit)?);
        }
        let mut key = Vec::new();
        key_codec::encode_key(&values, &mut key);
        Ok(Some(key))
    };
    let mut present = HashSet::new();
    for (_, row) in referenced_rows {
        if let Some(key) = key(row, &foreign.referenced_columns)? {
            present.insert(key);
        }
    }
    for (_, row) in rows {
        let Some(wanted) = key(row, &foreign.columns)? else {
            continue;
        };
        if !present.contains(&wanted) {
            let names: Vec<&str> = foreign
                .columns
                .iter()
                .map(|&c| schema.columns[c].name.as_str())
                .collect();
            let values: Vec<String> = foreign.columns.iter().map(|&c| row[c].to_text()).collect();
            return Err(Error::new(
                SqlState::FOREIGN_KEY_VIOLATION,
                format!(
                    "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
                    schema.name, foreign.name
                ),
            )
            .with_detail(format!(
                "Key ({})=({}) is not present in table \"{}\".",
                names.join(", "),
                values.join(", "),
                referenced.name
            )));
        }
    }
    Ok(())
}
