//! `INSERT ... ON CONFLICT DO NOTHING | DO UPDATE`.
//!
//! ## How a conflict is found, and why it is safe under concurrency
//!
//! For each proposed row the statement first looks, in each arbiter index, for a row its
//! snapshot sees with the same key. Found: DO NOTHING skips the proposed row; DO UPDATE
//! updates that row (the update itself waits for, or fails on, concurrent writers of the row
//! exactly as an UPDATE does). Not found: the row is inserted, and the insert's own unique
//! check — which sees every live row, committed or not — catches what the snapshot could not:
//! - a conflicting row by a transaction still running: the statement is undone and waits for
//!   that transaction, then runs again (then it either sees the committed row and takes the
//!   conflict path, or, if the other transaction rolled back, inserts);
//! - a conflicting row committed after the snapshot: under READ COMMITTED the statement runs
//!   again on a fresh snapshot, which sees it; under REPEATABLE READ and SERIALIZABLE it fails
//!   with 40001, as PostgreSQL does.
//!
//! So two sessions upserting the same key never both insert, and neither gets a unique
//! violation from the key they named. As in PostgreSQL, DO UPDATE may not touch a row twice in
//! one statement (21000), and a conflict on a unique index that is not an arbiter is an error.

use std::collections::HashSet;
use std::sync::Arc;

use db001_common::{Error, Result, SqlState, Value, key_codec};
use db001_planner::plan::{InsertValue, OnConflict, Plan, Returning, TableRef};
use db001_storage::{Index, KeyBound, LockOutcome, concurrent_update};
use db001_txn::LockMode;

use crate::ExecContext;
use crate::constraints::{self, Effects};
use crate::dml::{DmlResult, WriteContext, conform, new_row, project};
use crate::eval::{Env, eval, eval_predicate};
use crate::operators::collect;

/// Runs an INSERT with ON CONFLICT (see the module docs).
pub fn insert(
    ctx: &ExecContext,
    write: &mut WriteContext<'_>,
    table: &TableRef,
    source: &Plan,
    values: &[InsertValue],
    returning: Option<&Returning>,
    on_conflict: &OnConflict,
) -> Result<DmlResult> {
    let env = Env { ctx, outer: None };
    let arbiters: Vec<Arc<Index>> = table
        .storage
        .indexes()
        .into_iter()
        .filter(|index| {
            index.spec().unique
                && (on_conflict.arbiters.is_empty()
                    || on_conflict.arbiters.contains(&index.spec().id))
        })
        .collect();
    let source_rows = collect(source, ctx, None)?;
    let own = write.txn.snapshot.own;
    // Rows this statement inserted or updated: DO UPDATE may not affect one twice.
    let mut touched = HashSet::new();
    let mut count = 0;
    let mut returned = Vec::new();
    let mut effects = Effects::default();
    for source_row in &source_rows {
        let row = new_row(table, values, source_row, env)?;
        let Some((row_id, existing)) = find_conflict(write, table, &arbiters, &row, env)? else {
            let mark = write.write_set.len();
            match table.storage.insert(&write.txn, write.write_set, &row) {
                Ok(row_id) => {
                    touched.insert(row_id);
                    count += 1;
                    effects.inserted(table, &row);
                    if let Some(returning) = returning {
                        returned.push(project(returning, &row, env)?);
                    }
                    continue;
                }
                Err(error) if violates_arbiter(&error, &arbiters) => {
                    // Committed after the snapshot: see the module docs.
                    db001_storage::undo(write.write_set, mark, own);
                    return Err(concurrent_update(write.txn.isolation));
                }
                Err(error) => return Err(error),
            }
        };
        let Some(update) = &on_conflict.update else {
            continue;
        };
        if touched.contains(&row_id) {
            return Err(Error::new(
                SqlState::CARDINALITY_VIOLATION,
                "ON CONFLICT DO UPDATE command cannot affect row a second time",
            )
            .with_hint(
                "Ensure that no rows proposed for insertion within the same command have \
                 duplicate constrained values.",
            ));
        }
        let mut both = existing.clone();
        both.extend(row.iter().cloned());
        if let Some(predicate) = &update.predicate
            && !eval_predicate(predicate, &both, env)?
        {
            // PostgreSQL still locks the row it did not update.
            match table
                .storage
                .lock_row(&write.txn, write.write_set, row_id, LockMode::Update)?
            {
                LockOutcome::Busy(holder) => return Err(Error::wait_for(holder)),
                LockOutcome::Locked | LockOutcome::Gone => {}
            }
            touched.insert(row_id);
            continue;
        }
        let mut updated = existing.clone();
        for (column, expr) in &update.assignments {
            updated[*column] = eval(expr, &both, env)?;
        }
        let updated = conform(table, updated)?;
        constraints::check_row(table, &updated, env)?;
        if table
            .storage
            .update(&write.txn, write.write_set, row_id, &existing, &updated)?
        {
            touched.insert(row_id);
            count += 1;
            effects.updated(table, &existing, &updated);
            if let Some(returning) = returning {
                returned.push(project(returning, &updated, env)?);
            }
        }
    }
    constraints::after_statement(write, table, effects, env)?;
    Ok((count, returned))
}

/// The row the snapshot sees that shares a key with `row` in an arbiter index.
fn find_conflict(
    write: &WriteContext<'_>,
    table: &TableRef,
    arbiters: &[Arc<Index>],
    row: &[Value],
    env: Env<'_>,
) -> Result<Option<(u64, Vec<Value>)>> {
    for index in arbiters {
        let spec = index.spec();
        let values: Vec<Value> = spec.columns.iter().map(|&c| row[c].clone()).collect();
        if values.iter().any(Value::is_null) {
            continue;
        }
        let mut key = Vec::new();
        key_codec::encode_key(&values, &mut key);
        let mut scan = table.storage.index_scan(
            spec.id,
            KeyBound::Included(key.clone()),
            KeyBound::Included(key),
            false,
            write.txn.snapshot,
            Arc::clone(&env.ctx.manager),
        )?;
        if let Some(item) = scan.next() {
            let (row_id, data) = item?;
            let mut existing = db001_common::row_codec::decode_row(&data)?;
            existing.resize(table.schema.columns.len(), Value::Null);
            return Ok(Some((row_id, existing)));
        }
    }
    Ok(None)
}

/// Whether a unique violation from storage is on one of the arbiter indexes (storage names
/// the index in the message).
fn violates_arbiter(error: &Error, arbiters: &[Arc<Index>]) -> bool {
    error.code() == SqlState::UNIQUE_VIOLATION
        && arbiters.iter().any(|index| {
            error
                .message()
                .ends_with(&format!("unique constraint \"{}\"", index.spec().name))
        })
}
