//! `SELECT ... FOR UPDATE | FOR NO KEY UPDATE | FOR SHARE | FOR KEY SHARE [NOWAIT | SKIP
//! LOCKED]`.
//!
//! PostgreSQL locks the rows a query *returns*: its plan is `Limit → LockRows → (Sort) → Scan`,
//! so a row is locked as it leaves the sort and before LIMIT counts it; a row that SKIP LOCKED
//! passes over, or that turns out (READ COMMITTED) to have been changed so it no longer matches,
//! does not count, and LIMIT pulls the next. db001 does the same by taking the plan apart:
//!
//! ```text
//!   Limit(offset, limit)            ← done here, counting only rows locked and kept
//!     Project / Sort / Filter ...   ← run as planned, with the row id threaded through
//!       Scan(t, with_row_id)        ← the one table FOR UPDATE may read
//! ```
//!
//! Each row that comes out is locked ([`db001_storage::Table::lock_row`]). Under READ
//! COMMITTED a row changed by a transaction that committed after the snapshot is re-checked on
//! its newest version — the plan is run again over just that version (EvalPlanQual) — and the
//! newest version is what the query returns. Plan shapes this cannot follow (a join) fall back
//! to locking every row matching FROM and WHERE before running the query.

use db001_common::{Error, Result, Row, SqlState, Value};
use db001_planner::plan::{Expr, LockRows, Plan};
use db001_sql::ast;
use db001_storage::LockOutcome;
use db001_txn::LockMode;

use crate::ExecContext;
use crate::dml::{WriteContext, bumped, recheck, row_id_of, scan_predicates};
use crate::eval::Env;
use crate::operators::{build, collect, count};

/// Runs a locking query; returns its rows.
pub fn select_locked(
    ctx: &ExecContext,
    write: &mut WriteContext<'_>,
    plan: &Plan,
    lock: &LockRows,
) -> Result<Vec<Row>> {
    let env = Env { ctx, outer: None };
    let (inner, limit, offset) = match plan {
        Plan::Limit {
            input,
            limit,
            offset,
        } => (
            input.as_ref(),
            count(limit.as_ref(), env, "LIMIT", SqlState::new("2201W"))?,
            count(offset.as_ref(), env, "OFFSET", SqlState::new("2201X"))?,
        ),
        _ => (plan, None, None),
    };
    let table_id = lock.table.schema.id;
    let Some((threaded, row_id_at)) = thread_row_id(inner, table_id) else {
        lock_all(ctx, write, lock)?;
        return collect(plan, ctx, None);
    };
    let mode = lock_mode(lock.strength);
    let predicates = scan_predicates(&lock.scan, &lock.table);
    let mut skipped = 0;
    let mut rows = Vec::new();
    if limit == Some(0) {
        return Ok(rows);
    }
    let mut operator = build(&threaded, ctx, None)?;
    while let Some(mut row) = operator.next(ctx)? {
        let row_id = match row.get(row_id_at) {
            Some(Value::Int64(id)) => *id as u64,
            _ => return Err(Error::internal("locking query row without a row id")),
        };
        let Some(locked) = lock_one(
            ctx,
            write,
            lock,
            mode,
            row_id,
            &threaded,
            predicates.as_deref(),
        )?
        else {
            continue;
        };
        if let Some(newest) = locked {
            row = newest;
        }
        row.truncate(row_id_at);
        if skipped < offset.unwrap_or(0) {
            skipped += 1;
            continue;
        }
        rows.push(row);
        if limit.is_some_and(|limit| rows.len() as u64 >= limit) {
            break;
        }
    }
    Ok(rows)
}

/// Locks one row. `Ok(None)`: leave the row out (skipped, gone, or no longer matching);
/// `Ok(Some(None))`: locked as seen; `Ok(Some(Some(row)))`: locked, and the query's output for
/// the row's newest version is `row` (READ COMMITTED re-check).
fn lock_one(
    ctx: &ExecContext,
    write: &mut WriteContext<'_>,
    lock: &LockRows,
    mode: LockMode,
    row_id: u64,
    threaded: &Plan,
    predicates: Option<&[&Expr]>,
) -> Result<Option<Option<Row>>> {
    let env = Env { ctx, outer: None };
    let table = &lock.table;
    let mut txn = write.txn;
    let mut rechecks = 0;
    let mut output = None;
    loop {
        match table.storage.lock_row(&txn, write.write_set, row_id, mode) {
            Ok(LockOutcome::Locked) => return Ok(Some(output)),
            Ok(LockOutcome::Gone) => return Ok(None),
            Ok(LockOutcome::Busy(holder)) => {
                return match lock.wait {
                    ast::LockWait::Wait => Err(Error::wait_for(holder)),
                    ast::LockWait::SkipLocked => Ok(None),
                    ast::LockWait::NoWait => Err(Error::new(
                        SqlState::LOCK_NOT_AVAILABLE,
                        format!(
                            "could not obtain lock on row in relation \"{}\"",
                            table.schema.name
                        ),
                    )),
                };
            }
            Err(error) => {
                let Some((read_ts, newest)) =
                    recheck(error, &txn, table, row_id, predicates, env, &mut rechecks)?
                else {
                    return Ok(None);
                };
                // Run the query's per-row part again over the newest version.
                let mut source = newest;
                source.push(Value::Int64(row_id as i64));
                let Some(rerun) = substitute_scan(threaded, table.schema.id, &source) else {
                    return Err(Error::internal("locking query lost its scan"));
                };
                match collect(&rerun, ctx, None)?.pop() {
                    Some(row) => output = Some(row),
                    None => return Ok(None),
                }
                txn = bumped(&txn, read_ts);
            }
        }
    }
}

/// The fallback: lock every row of the lock scan, waiting or failing per the policy.
fn lock_all(ctx: &ExecContext, write: &mut WriteContext<'_>, lock: &LockRows) -> Result<()> {
    let width = lock.table.schema.columns.len();
    let mode = lock_mode(lock.strength);
    let predicates = scan_predicates(&lock.scan, &lock.table);
    for mut row in collect(&lock.scan, ctx, None)? {
        let row_id = row_id_of(&mut row, width)?;
        lock_one(
            ctx,
            write,
            lock,
            mode,
            row_id,
            &lock.scan,
            predicates.as_deref(),
        )?;
    }
    Ok(())
}

fn lock_mode(strength: ast::LockStrength) -> LockMode {
    match strength {
        ast::LockStrength::Update => LockMode::Update,
        ast::LockStrength::NoKeyUpdate => LockMode::NoKeyUpdate,
        ast::LockStrength::Share => LockMode::Share,
        ast::LockStrength::KeyShare => LockMode::KeyShare,
    }
}

/// `plan` with the scan of `table_id` producing row ids and every projection above it passing
/// the row id on as its last column; also the row id's position in the output. `None` for
/// shapes other than projections, filters and sorts over that one scan.
fn thread_row_id(plan: &Plan, table_id: u32) -> Option<(Plan, usize)> {
    match plan {
        Plan::Scan {
            table,
            access,
            filter,
            alias,
            ..
        } if table.schema.id == table_id => Some((
            Plan::Scan {
                table: table.clone(),
                access: access.clone(),
                filter: filter.clone(),
                with_row_id: true,
                alias: alias.clone(),
            },
            table.schema.columns.len(),
        )),
        Plan::Filter { input, predicate } => {
            let (input, at) = thread_row_id(input, table_id)?;
            Some((
                Plan::Filter {
                    input: Box::new(input),
                    predicate: predicate.clone(),
                },
                at,
            ))
        }
        Plan::Sort { input, keys } => {
            let (input, at) = thread_row_id(input, table_id)?;
            Some((
                Plan::Sort {
                    input: Box::new(input),
                    keys: keys.clone(),
                },
                at,
            ))
        }
        Plan::Project { input, exprs } => {
            let (input, at) = thread_row_id(input, table_id)?;
            let mut exprs = exprs.clone();
            exprs.push(Expr::Column(at));
            let position = exprs.len() - 1;
            Some((
                Plan::Project {
                    input: Box::new(input),
                    exprs,
                },
                position,
            ))
        }
        _ => None,
    }
}

/// `plan` (as [`thread_row_id`] made it) with the scan replaced by the single row `source`
/// (table columns and row id) and the scan's own filter kept.
fn substitute_scan(plan: &Plan, table_id: u32, source: &Row) -> Option<Plan> {
    match plan {
        Plan::Scan { table, filter, .. } if table.schema.id == table_id => {
            let values = Plan::Values {
                rows: vec![source.iter().cloned().map(Expr::Literal).collect()],
            };
            Some(match filter {
                Some(predicate) => Plan::Filter {
                    input: Box::new(values),
                    predicate: predicate.clone(),
                },
                None => values,
            })
        }
        Plan::Filter { input, predicate } => Some(Plan::Filter {
            input: Box::new(substitute_scan(input, table_id, source)?),
            predicate: predicate.clone(),
        }),
        Plan::Sort { input, keys } => Some(Plan::Sort {
            input: Box::new(substitute_scan(input, table_id, source)?),
            keys: keys.clone(),
        }),
        Plan::Project { input, exprs } => Some(Plan::Project {
            input: Box::new(substitute_scan(input, table_id, source)?),
            exprs: exprs.clone(),
        }),
        _ => None,
    }
}
