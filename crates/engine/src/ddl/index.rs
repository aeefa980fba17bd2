//! CREATE [UNIQUE] INDEX [IF NOT EXISTS] [name] ON table (columns).
//!
//! The index is added to the table's shared storage at once and filled from every version of
//! every row (writers that run meanwhile maintain it themselves, see `Table::add_index`); a
//! rollback removes it again. Indexes on expressions, and DESC or NULLS FIRST/LAST keys, are
//! not supported (0A000).

use std::sync::Arc;

use db001_catalog::{IndexSchema, codec};
use db001_common::{Error, Result, SqlState};
use db001_sql::ast;

use super::{Ddl, choose_name};
use crate::log_record::LogOp;
use crate::result::{CommandTag, StatementResult};
use crate::transaction::DdlAction;

pub(super) fn create_index(
    ddl: &mut Ddl<'_>,
    create: &ast::CreateIndex,
) -> Result<StatementResult> {
    let entry = ddl.table(&create.table)?;
    let schema_name = entry.schema.schema_name.clone();
    let table_name = entry.schema.name.clone();
    let mut positions = Vec::with_capacity(create.columns.len());
    for item in &create.columns {
        let ast::Expr::Column(parts) = &item.expr else {
            return Err(Error::feature_not_supported(
                "indexes on expressions are not supported yet",
            ));
        };
        if item.asc == Some(false) || item.nulls_first.is_some() {
            return Err(Error::feature_not_supported(
                "DESC and NULLS FIRST/LAST in indexes are not supported yet",
            ));
        }
        let column = &parts
            .last()
            .ok_or_else(|| Error::internal("a column reference without a name"))?
            .value;
        let position = entry.schema.column_index(column).ok_or_else(|| {
            Error::new(
                SqlState::UNDEFINED_COLUMN,
                format!("column \"{column}\" does not exist"),
            )
        })?;
        positions.push(position);
    }
    let catalog = ddl.catalog()?;
    let name = match &create.name {
        Some(name) => name.value.clone(),
        None => {
            let joined: Vec<&str> = positions
                .iter()
                .map(|&c| entry.schema.columns[c].name.as_str())
                .collect();
            choose_name(&table_name, Some(&joined.join("_")), "idx", |candidate| {
                catalog.relation_exists(&schema_name, candidate)
            })
        }
    };
    if catalog.relation_exists(&schema_name, &name) {
        if create.if_not_exists {
            return Ok(StatementResult::command(CommandTag::CreateIndex));
        }
        return Err(Error::new(
            SqlState::DUPLICATE_TABLE,
            format!("relation \"{name}\" already exists"),
        ));
    }
    let index = IndexSchema {
        id: catalog.allocate_oid(),
        name,
        columns: positions,
        unique: create.unique,
        primary: false,
        constraint: false,
    };
    let snapshot = ddl.fresh_snapshot();
    entry.storage.add_index(
        entry.schema.index_spec(&index),
        &snapshot,
        &ddl.db.shared.manager,
    )?;
    ddl.txn.on_rollback.push(DdlAction::DropIndex {
        table: Arc::clone(&entry.storage),
        index_id: index.id,
    });
    let mut schema = entry.schema.as_ref().clone();
    schema.indexes.push(index.clone());
    ddl.catalog()?.replace_schema(schema)?;
    ddl.bump_version()?;
    let mut encoded = Vec::new();
    codec::encode_index(&index, &mut encoded);
    ddl.log(LogOp::CreateIndex {
        table: entry.schema.id,
        index: encoded,
    });
    Ok(StatementResult::command(CommandTag::CreateIndex))
}
