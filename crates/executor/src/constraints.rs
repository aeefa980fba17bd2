//! Enforcing CHECK constraints and foreign keys (the rules `db001_planner::rules` compiles).
//!
//! ## When each rule runs
//!
//! CHECK constraints (like NOT NULL) are checked on each row before it is written. Foreign
//! keys are checked after the statement has written all its rows, as PostgreSQL's
//! referential-integrity triggers run after the statement: so one INSERT may add a parent and
//! a child row that references it, and `UPDATE t SET id = id + 1` moves a referenced key
//! without tripping over its own intermediate state. The statement collects what it did in
//! [`Effects`]; [`after_statement`] then
//! - checks that every new or changed referencing key exists in the referenced table, and
//!   locks the referenced row;
//! - for every deleted or re-keyed referenced row, finds the rows that reference the old key
//!   and applies the constraint's action: NO ACTION and RESTRICT fail (NO ACTION not if the
//!   key exists again), CASCADE deletes or re-keys them, SET NULL and SET DEFAULT change them.
//!   Those writes are effects in turn and are processed the same way (a chain of cascades),
//!   up to [`CASCADED_CHANGES_MAX`] of them.
//!
//! ## Concurrency
//!
//! The referenced row is locked `FOR KEY SHARE` when a referencing key is checked, as
//! PostgreSQL's RI triggers do: a transaction deleting or re-keying it meanwhile must wait for
//! the referencing transaction to finish, and then (READ COMMITTED) runs its statement again on
//! a snapshot that sees the new referencing row, or (REPEATABLE READ and up) fails with 40001.
//! Non-key updates of the referenced row and other referencing inserts are not blocked. In the
//! other direction, a referencing insert that finds the referenced row held by a live deleter
//! waits for it, and its re-run no longer finds the row (a row found gone when locking is a
//! violation). The lock is taken in [`lock_referenced_row`] only.

use std::collections::VecDeque;

use db001_catalog::ReferentialAction;
use db001_common::value::CastKind;
use db001_common::{DataType, Error, Result, Row, SqlState, Value, key_codec};
use db001_planner::plan::TableRef;
use db001_planner::rules::{ForeignKeyRule, ReferencedRule, TableRules, WriteRules};
use db001_storage::{KeyBound, LockOutcome};
use db001_txn::{IsolationLevel, LockMode, Snapshot};

use crate::dml::{WriteContext, conform};
use crate::eval::{Env, eval};

/// How many cascaded changes one statement may make before it fails (54000): a bound on
/// cycles of ON UPDATE CASCADE.
pub const CASCADED_CHANGES_MAX: usize = 10_000_000;

/// One change a statement made to a table with rules.
#[derive(Debug)]
enum Event {
    Inserted { table: u32, row: Row },
    Updated { table: u32, old: Row, new: Row },
    Deleted { table: u32, old: Row },
}

/// The changes a statement made, in order, for [`after_statement`].
#[derive(Debug, Default)]
pub struct Effects {
    events: VecDeque<Event>,
}

impl Effects {
    pub fn inserted(&mut self, table: &TableRef, row: &Row) {
        if needs_events(table) {
            self.events.push_back(Event::Inserted {
                table: table.schema.id,
                row: row.clone(),
            });
        }
    }

    pub fn updated(&mut self, table: &TableRef, old: &Row, new: &Row) {
        if needs_events(table) {
            self.events.push_back(Event::Updated {
                table: table.schema.id,
                old: old.clone(),
                new: new.clone(),
            });
        }
    }

    pub fn deleted(&mut self, table: &TableRef, old: &Row) {
        if needs_events(table) {
            self.events.push_back(Event::Deleted {
                table: table.schema.id,
                old: old.clone(),
            });
        }
    }
}

fn needs_events(table: &TableRef) -> bool {
    table
        .rules
        .as_ref()
        .and_then(|rules| rules.of(table.schema.id))
        .is_some_and(|rules| !rules.references.is_empty() || !rules.referenced_by.is_empty())
}

/// Checks `row` against the CHECK constraints of `table` (23514 on the first it violates).
pub fn check_row(table: &TableRef, row: &Row, env: Env<'_>) -> Result<()> {
    let Some(rules) = table.rules.as_ref().and_then(|r| r.of(table.schema.id)) else {
        return Ok(());
    };
    check_table_row(rules, row, env)
}

fn check_table_row(rules: &TableRules, row: &Row, env: Env<'_>) -> Result<()> {
    for check in &rules.checks {
        if matches!(eval(&check.predicate, row, env)?, Value::Bool(false)) {
            return Err(Error::new(
                SqlState::CHECK_VIOLATION,
                format!(
                    "new row for relation \"{}\" violates check constraint \"{}\"",
                    rules.table.schema.name, check.name
                ),
            )
            .with_detail(failing_row(row)));
        }
    }
    Ok(())
}

/// PostgreSQL's `Failing row contains (...)` detail.
pub fn failing_row(row: &Row) -> String {
    let values: Vec<String> = row
        .iter()
        .map(|value| match value {
            Value::Null => "null".to_string(),
            value => value.to_text(),
        })
        .collect();
    format!("Failing row contains ({}).", values.join(", "))
}

/// Runs the foreign-key checks and actions for what a statement did (see the module docs).
pub fn after_statement(
    write: &mut WriteContext<'_>,
    table: &TableRef,
    mut effects: Effects,
    env: Env<'_>,
) -> Result<()> {
    let Some(rules) = table.rules.clone() else {
        return Ok(());
    };
    let mut processed = 0usize;
    while let Some(event) = effects.events.pop_front() {
        processed += 1;
        if processed > CASCADED_CHANGES_MAX {
            return Err(Error::new(
                SqlState::PROGRAM_LIMIT_EXCEEDED,
                format!(
                    "a statement's foreign key actions made more than {CASCADED_CHANGES_MAX} changes"
                ),
            ));
        }
        match event {
            Event::Inserted { table, row } => {
                if let Some(table_rules) = rules.of(table) {
                    for foreign in &table_rules.references {
                        check_reference(write, table_rules, foreign, &row, env)?;
                    }
                }
            }
            Event::Updated { table, old, new } => {
                let Some(table_rules) = rules.of(table) else {
                    continue;
                };
                for foreign in &table_rules.references {
                    if foreign.columns.iter().any(|&c| differs(&old[c], &new[c])) {
                        check_reference(write, table_rules, foreign, &new, env)?;
                    }
                }
                for referenced in &table_rules.referenced_by {
                    if referenced
                        .parent_columns
                        .iter()
                        .any(|&c| differs(&old[c], &new[c]))
                    {
                        referenced_key_gone(
                            write,
                            &rules,
                            table_rules,
                            referenced,
                            &old,
                            Some(&new),
                            &mut effects,
                            env,
                        )?;
                    }
                }
            }
            Event::Deleted { table, old } => {
                let Some(table_rules) = rules.of(table) else {
                    continue;
                };
                for referenced in &table_rules.referenced_by {
                    referenced_key_gone(
                        write,
                        &rules,
                        table_rules,
                        referenced,
                        &old,
                        None,
                        &mut effects,
                        env,
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// Whether two values differ as a key (NULLs differ from values, not from each other).
fn differs(left: &Value, right: &Value) -> bool {
    match (left.is_null(), right.is_null()) {
        (true, true) => false,
        (false, false) => !matches!(left.sql_cmp(right), Ok(Some(std::cmp::Ordering::Equal))),
        _ => true,
    }
}

/// `(a, b)=(1, x)` for `columns` of `row`, with the names of `table`'s columns.
fn describe_key(table: &TableRef, columns: &[usize], values: &[Value]) -> String {
    let names: Vec<&str> = columns
        .iter()
        .map(|&c| table.schema.columns[c].name.as_str())
        .collect();
    let shown: Vec<String> = values
        .iter()
        .map(|value| match value {
            Value::Null => "null".to_string(),
            value => value.to_text(),
        })
        .collect();
    format!("({})=({})", names.join(", "), shown.join(", "))
}

/// The values of `columns` in `row` cast to `types`; `None` if any is NULL (MATCH SIMPLE: a
/// key with a NULL references nothing and is not checked).
fn key_values(row: &Row, columns: &[usize], types: &[DataType]) -> Result<Option<Vec<Value>>> {
    let mut values = Vec::with_capacity(columns.len());
    for (&column, &data_type) in columns.iter().zip(types) {
        let value = row.get(column).cloned().unwrap_or(Value::Null);
        if value.is_null() {
            return Ok(None);
        }
        values.push(value.cast(data_type, CastKind::Implicit)?);
    }
    Ok(Some(values))
}

/// The first `limit` rows of `table` visible to `snapshot` whose key in `index` starts with
/// `values`.
fn rows_with_key(
    snapshot: Snapshot,
    table: &TableRef,
    index: u32,
    values: &[Value],
    env: Env<'_>,
    limit: usize,
) -> Result<Vec<(u64, Row)>> {
    let mut key = Vec::new();
    key_codec::encode_key(values, &mut key);
    let scan = table.storage.index_scan(
        index,
        KeyBound::Included(key.clone()),
        KeyBound::Included(key),
        false,
        snapshot,
        std::sync::Arc::clone(&env.ctx.manager),
    )?;
    let mut found = Vec::new();
    for item in scan {
        let (row_id, data) = item?;
        let mut row = db001_common::row_codec::decode_row(&data)?;
        row.resize(table.schema.columns.len(), Value::Null);
        found.push((row_id, row));
        if found.len() >= limit {
            break;
        }
    }
    Ok(found)
}

/// Checks that the key `foreign` takes from `row` exists in the referenced table, and locks
/// the referenced row.
fn check_reference(
    write: &mut WriteContext<'_>,
    rules: &TableRules,
    foreign: &ForeignKeyRule,
    row: &Row,
    env: Env<'_>,
) -> Result<()> {
    let Some(values) = key_values(row, &foreign.columns, &foreign.key_types)? else {
        return Ok(());
    };
    let snapshot = if write.txn.isolation == IsolationLevel::ReadCommitted {
        ri_snapshot(write, env)
    } else {
        write.txn.snapshot
    };
    let found = rows_with_key(
        snapshot,
        &foreign.parent,
        foreign.parent_index,
        &values,
        env,
        1,
    )?;
    if let Some((row_id, _)) = found.first()
        && lock_referenced_row(write, &foreign.parent, *row_id, snapshot.read_ts)?
    {
        return Ok(());
    }
    let shown: Vec<Value> = foreign.columns.iter().map(|&c| row[c].clone()).collect();
    Err(Error::new(
        SqlState::FOREIGN_KEY_VIOLATION,
        format!(
            "insert or update on table \"{}\" violates foreign key constraint \"{}\"",
            rules.table.schema.name, foreign.name
        ),
    )
    .with_detail(format!(
        "Key {} is not present in table \"{}\".",
        describe_key(&rules.table, &foreign.columns, &shown),
        foreign.parent.schema.name
    )))
}

/// Locks a referenced row `FOR KEY SHARE` for a referencing key (see the module docs). False
/// when the row turned out to be gone; a live conflicting holder is waited for (the statement
/// runs again afterwards).
fn lock_referenced_row(
    write: &mut WriteContext<'_>,
    parent: &TableRef,
    row_id: u64,
    read_ts: u64,
) -> Result<bool> {
    let txn = crate::dml::bumped(&write.txn, read_ts);
    match parent
        .storage
        .lock_row(&txn, write.write_set, row_id, LockMode::KeyShare)?
    {
        LockOutcome::Locked => Ok(true),
        LockOutcome::Gone => Ok(false),
        LockOutcome::Busy(holder) => Err(Error::wait_for(holder)),
    }
}

/// The snapshot referential checks and actions read with: the newest committed state, as
/// PostgreSQL's RI queries use a fresh snapshot. A READ COMMITTED statement that waited for a
/// lock (and runs again with its old snapshot, see `dml`) must still see a referencing row or
/// a referenced key that the transaction it waited for committed. Under REPEATABLE READ and
/// SERIALIZABLE, a referencing row found this way that the transaction's own snapshot does not
/// see still makes NO ACTION / RESTRICT fail (23503, as in PostgreSQL), but CASCADE and SET
/// NULL / DEFAULT cannot change it: a serialization failure (PostgreSQL's crosscheck). A
/// referenced key is looked up with the transaction's snapshot there (locking it then fails
/// if it changed since).
fn ri_snapshot(write: &WriteContext<'_>, env: Env<'_>) -> Snapshot {
    let snapshot = write.txn.snapshot;
    Snapshot {
        read_ts: env.ctx.manager.visible_ts().max(snapshot.read_ts),
        own: snapshot.own,
    }
}

/// Rows of the referencing table whose key equals `values` (already cast to its types).
fn referencing_rows(
    snapshot: Snapshot,
    referenced: &ReferencedRule,
    values: &[Value],
    env: Env<'_>,
    limit: usize,
) -> Result<Vec<(u64, Row)>> {
    let child = &referenced.child;
    if let Some(index) = referenced.child_index {
        return rows_with_key(snapshot, child, index, values, env, limit);
    }
    let width = child.schema.columns.len();
    let mut found = Vec::new();
    for scanned in child
        .storage
        .scan(snapshot, std::sync::Arc::clone(&env.ctx.manager))
    {
        let (row_id, data) = scanned?;
        let mut row = db001_common::row_codec::decode_row(&data)?;
        row.resize(width, Value::Null);
        let matches = referenced
            .child_columns
            .iter()
            .zip(values)
            .all(|(&c, value)| !row[c].is_null() && !differs(&row[c], value));
        if matches {
            found.push((row_id, row));
            if found.len() >= limit {
                break;
            }
        }
    }
    Ok(found)
}

/// A referenced key went away (`new` is `None` for a delete, the new row for a re-key):
/// applies the constraint's action to the rows that reference the old key.
#[allow(clippy::too_many_arguments)]
fn referenced_key_gone(
    write: &mut WriteContext<'_>,
    rules: &WriteRules,
    parent_rules: &TableRules,
    referenced: &ReferencedRule,
    old: &Row,
    new: Option<&Row>,
    effects: &mut Effects,
    env: Env<'_>,
) -> Result<()> {
    let Some(old_key) = key_values(old, &referenced.parent_columns, &referenced.child_types)?
    else {
        return Ok(());
    };
    let action = if new.is_some() {
        referenced.on_update
    } else {
        referenced.on_delete
    };
    let limit = match action {
        ReferentialAction::NoAction | ReferentialAction::Restrict => 1,
        _ => usize::MAX,
    };
    // The referencing rows are looked up with the newest committed state (see `ri_snapshot`);
    // the action's writes use a snapshot that sees them too.
    let latest = ri_snapshot(write, env);
    let children = referencing_rows(latest, referenced, &old_key, env, limit)?;
    if children.is_empty() {
        return Ok(());
    }
    let acts = !matches!(
        action,
        ReferentialAction::NoAction | ReferentialAction::Restrict
    );
    if acts && write.txn.isolation != IsolationLevel::ReadCommitted {
        // PostgreSQL's crosscheck: a referencing row committed after the transaction's
        // snapshot cannot be changed by it (NO ACTION and RESTRICT just report it, 23503).
        let seen = referencing_rows(write.txn.snapshot, referenced, &old_key, env, usize::MAX)?;
        if children
            .iter()
            .any(|(row_id, _)| !seen.iter().any(|(seen_id, _)| seen_id == row_id))
        {
            return Err(db001_storage::concurrent_update(write.txn.isolation));
        }
    }
    let txn = crate::dml::bumped(&write.txn, latest.read_ts);
    let parent = &parent_rules.table;
    let still_referenced = || {
        let shown: Vec<Value> = referenced
            .parent_columns
            .iter()
            .map(|&c| old[c].clone())
            .collect();
        Error::new(
            SqlState::FOREIGN_KEY_VIOLATION,
            format!(
                "update or delete on table \"{}\" violates foreign key constraint \"{}\" on table \"{}\"",
                parent.schema.name, referenced.name, referenced.child.schema.name
            ),
        )
        .with_detail(format!(
            "Key {} is still referenced from table \"{}\".",
            describe_key(parent, &referenced.parent_columns, &shown),
            referenced.child.schema.name
        ))
    };
    match action {
        ReferentialAction::Restrict => Err(still_referenced()),
        ReferentialAction::NoAction => {
            // The key may exist again (another row took it within the statement).
            if key_exists_again(write, parent, referenced, old, env)? {
                Ok(())
            } else {
                Err(still_referenced())
            }
        }
        ReferentialAction::Cascade if new.is_none() => {
            let child = &referenced.child;
            for (row_id, row) in children {
                if child.storage.delete(&txn, write.write_set, row_id)? {
                    cascaded(
                        rules,
                        effects,
                        Event::Deleted {
                            table: child.schema.id,
                            old: row,
                        },
                    );
                }
            }
            Ok(())
        }
        ReferentialAction::Cascade | ReferentialAction::SetNull | ReferentialAction::SetDefault => {
            let child = &referenced.child;
            let child_rules = rules.of(child.schema.id);
            for (row_id, row) in children {
                let mut changed = row.clone();
                for (i, &column) in referenced.child_columns.iter().enumerate() {
                    changed[column] = match (action, new) {
                        (ReferentialAction::Cascade, Some(new)) => {
                            new[referenced.parent_columns[i]].clone()
                        }
                        (ReferentialAction::SetDefault, _) => {
                            eval(&referenced.defaults[i], &Vec::new(), env)?
                        }
                        _ => Value::Null,
                    };
                }
                let changed = conform(child, changed)?;
                if let Some(child_rules) = child_rules {
                    check_table_row(child_rules, &changed, env)?;
                }
                if child
                    .storage
                    .update(&txn, write.write_set, row_id, &row, &changed)?
                {
                    cascaded(
                        rules,
                        effects,
                        Event::Updated {
                            table: child.schema.id,
                            old: row,
                            new: changed,
                        },
                    );
                }
            }
            Ok(())
        }
    }
}

/// Records a change an action made to a referencing table, if that table has rules.
fn cascaded(rules: &WriteRules, effects: &mut Effects, event: Event) {
    let table = match &event {
        Event::Inserted { table, .. }
        | Event::Updated { table, .. }
        | Event::Deleted { table, .. } => *table,
    };
    if rules
        .of(table)
        .is_some_and(|rules| !rules.references.is_empty() || !rules.referenced_by.is_empty())
    {
        effects.events.push_back(event);
    }
}

/// For NO ACTION: whether a row of the referenced table holds the old key again.
fn key_exists_again(
    write: &WriteContext<'_>,
    parent: &TableRef,
    referenced: &ReferencedRule,
    old: &Row,
    env: Env<'_>,
) -> Result<bool> {
    let Some(index) = parent.schema.unique_index_on(&referenced.parent_columns) else {
        return Ok(false);
    };
    let types: Vec<DataType> = index
        .columns
        .iter()
        .map(|&c| parent.schema.columns[c].data_type)
        .collect();
    let Some(values) = key_values(old, &index.columns, &types)? else {
        return Ok(false);
    };
    Ok(!rows_with_key(write.txn.snapshot, parent, index.id, &values, env, 1)?.is_empty())
}
