//! The table locks a DML statement takes before it runs (see `table_locks`): shared locks on
//! every table it may write or lock rows in — its target, and through foreign keys the
//! referenced tables (whose rows it locks) and the referencing tables (which its actions
//! change).

use std::sync::Arc;

use db001_common::{Error, Result, SqlState};
use db001_planner::BoundStatement;
use db001_planner::plan::TableRef;
use db001_storage::Table;

use crate::database::Database;
use crate::table_locks::plan_is_current;
use crate::transaction::Transaction;

const STALE_PLAN: &str = "db001: the plan's tables changed before they were locked";

/// The tables a statement writes or locks rows in, with the storage its plan holds.
pub(super) fn written_tables(bound: &BoundStatement) -> Vec<(u32, Arc<Table>)> {
    let mut tables = Vec::new();
    let mut add = |table: &TableRef| {
        if !tables.iter().any(|(id, _)| *id == table.schema.id) {
            tables.push((table.schema.id, Arc::clone(&table.storage)));
        }
    };
    let target = match bound {
        BoundStatement::Query { lock: None, .. } => return Vec::new(),
        BoundStatement::Query {
            lock: Some(lock), ..
        } => &lock.table,
        BoundStatement::Insert { table, .. }
        | BoundStatement::Update { table, .. }
        | BoundStatement::Delete { table, .. } => table,
    };
    add(target);
    if let Some(rules) = &target.rules {
        for table_rules in rules.tables.values() {
            add(&table_rules.table);
            for foreign in &table_rules.references {
                add(&foreign.parent);
            }
            for referenced in &table_rules.referenced_by {
                add(&referenced.child);
            }
        }
    }
    tables
}

/// Takes shared locks on `tables`, then checks the plan still holds their current storage.
pub(super) fn lock_written(
    db: &Database,
    txn: &mut Transaction,
    tables: &[(u32, Arc<Table>)],
) -> Result<()> {
    for (id, _) in tables {
        txn.lock_table(db, *id, false)?;
    }
    let current = match &txn.catalog {
        Some(private) => plan_is_current(private, tables),
        None => plan_is_current(&db.catalog(), tables),
    };
    if current {
        Ok(())
    } else {
        Err(Error::new(SqlState::INTERNAL_ERROR, STALE_PLAN))
    }
}

/// Whether an error says the plan must be made again.
pub(super) fn is_stale(error: &Error) -> bool {
    error.code() == SqlState::INTERNAL_ERROR && error.message() == STALE_PLAN
}
