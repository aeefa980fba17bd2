//! Table rewrites and TRUNCATE: giving a table new storage.
//!
//! A rewrite (ALTER TABLE forms that change every row's layout: dropping a column, adding one
//! with a default, renaming an indexed column) builds the table again in new storage within
//! the transaction: the old storage stays untouched for everyone reading the committed catalog,
//! the new one becomes visible with the commit (PostgreSQL's new relfilenode). It is logged as
//! a `rewrite-table` op with the new schema followed by an insert per row, so replay rebuilds
//! exactly the same rows. Unique indexes the statement adds are built after the rows are in,
//! so a duplicate fails with PostgreSQL's "could not create unique index".
//!
//! TRUNCATE is a rewrite with no rows. As in PostgreSQL, it is transactional, and a table that
//! other tables reference can only be truncated together with them (or with CASCADE).
//! `RESTART IDENTITY` resets the sequences the tables own when the transaction commits.

use std::collections::BTreeSet;

use db001_catalog::{TableEntry, TableSchema, codec};
use db001_common::{Error, Result, Row};
use db001_sql::ast;
use db001_storage::TxnContext;

use super::{Ddl, shown_name};
use crate::log_record::LogOp;
use crate::result::{CommandTag, StatementResult};
use crate::transaction::DdlAction;

/// Gives the table `schema` describes new storage holding `rows` (already in the new layout).
/// Indexes listed in `build_after` are built once the rows are in. Returns the new entry.
pub(super) fn rewrite(
    ddl: &mut Ddl<'_>,
    schema: TableSchema,
    rows: Vec<Row>,
    build_after: &[u32],
) -> Result<TableEntry> {
    let mut initial = schema.clone();
    initial
        .indexes
        .retain(|index| !build_after.contains(&index.id));
    let entry = ddl.catalog()?.replace_storage(initial.clone())?;
    let mut encoded = Vec::new();
    codec::encode_table(&initial, &mut encoded);
    ddl.log(LogOp::RewriteTable { schema: encoded });
    let snapshot = ddl.fresh_snapshot();
    let context = TxnContext {
        manager: &ddl.db.shared.manager,
        snapshot,
        isolation: ddl.txn.isolation,
    };
    for row in &rows {
        entry
            .storage
            .insert(&context, &mut ddl.txn.write_set, row)?;
    }
    if build_after.is_empty() {
        return Ok(entry);
    }
    for index in &schema.indexes {
        if build_after.contains(&index.id) {
            entry
                .storage
                .add_index(schema.index_spec(index), &snapshot, &ddl.db.shared.manager)?;
        }
    }
    let mut encoded = Vec::new();
    codec::encode_table(&schema, &mut encoded);
    ddl.catalog()?.replace_schema(schema)?;
    ddl.log(LogOp::AlterTable { schema: encoded });
    ddl.catalog()?
        .table_by_id(entry.schema.id)
        .cloned()
        .ok_or_else(|| Error::internal("the rewritten table vanished"))
}

pub(super) fn truncate(ddl: &mut Ddl<'_>, truncate: &ast::Truncate) -> Result<StatementResult> {
    let mut tables: Vec<TableEntry> = Vec::new();
    for name in &truncate.names {
        let entry = ddl
            .find_table(name)?
            .ok_or_else(|| Error::undefined_table(&shown_name(name)))?;
        if !tables.iter().any(|t| t.schema.id == entry.schema.id) {
            tables.push(entry);
        }
    }
    // Tables that reference the truncated ones must be truncated too.
    let mut index = 0;
    while index < tables.len() {
        let id = tables[index].schema.id;
        let referencing: Vec<TableEntry> = ddl
            .catalog()?
            .references_to(id)
            .into_iter()
            .map(|(entry, _)| entry.clone())
            .collect();
        for entry in referencing {
            if tables.iter().any(|t| t.schema.id == entry.schema.id) {
                continue;
            }
            if !truncate.cascade {
                return Err(Error::feature_not_supported(
                    "cannot truncate a table referenced in a foreign key constraint",
                )
                .with_detail(format!(
                    "Table \"{}\" references \"{}\".",
                    entry.schema.name, tables[index].schema.name
                ))
                .with_hint(format!(
                    "Truncate table \"{}\" at the same time, or use TRUNCATE ... CASCADE.",
                    entry.schema.name
                )));
            }
            tables.push(entry);
        }
        index += 1;
    }
    for table in &tables {
        ddl.lock_exclusive(table.schema.id)?;
    }
    let mut sequences = BTreeSet::new();
    for table in &tables {
        // The schema as the private catalog has it now (an earlier statement may have changed
        // it).
        let schema = ddl
            .catalog()?
            .table_by_id(table.schema.id)
            .map(|entry| entry.schema.as_ref().clone())
            .ok_or_else(|| Error::undefined_table(&table.schema.name))?;
        if truncate.restart_identity {
            for sequence in ddl.catalog()?.owned_sequences(schema.id, None) {
                sequences.insert(sequence.schema.id);
            }
        }
        rewrite(ddl, schema, Vec::new(), &[])?;
    }
    for sequence in sequences {
        ddl.txn
            .on_commit
            .push(DdlAction::ResetSequence { sequence });
    }
    ddl.bump_version()?;
    Ok(StatementResult::command(CommandTag::Truncate))
}
