//! Combining a query's locking clauses (`FOR UPDATE ... FOR SHARE OF t NOWAIT`) into one lock
//! request for the single table a db001 `SELECT ... FOR UPDATE` may read.
//!
//! As PostgreSQL does for a relation named by several clauses: the strongest strength wins,
//! and the strictest wait policy (NOWAIT over SKIP LOCKED over waiting). `OF` must name the
//! table (by its name or alias) — naming anything else is PostgreSQL's 42P01.

use db001_common::{Error, Result, SqlState};
use db001_sql::ast;

use crate::plan::LockRows;

fn strength_rank(strength: ast::LockStrength) -> u8 {
    match strength {
        ast::LockStrength::KeyShare => 0,
        ast::LockStrength::Share => 1,
        ast::LockStrength::NoKeyUpdate => 2,
        ast::LockStrength::Update => 3,
    }
}

fn wait_rank(wait: ast::LockWait) -> u8 {
    match wait {
        ast::LockWait::Wait => 0,
        ast::LockWait::SkipLocked => 1,
        ast::LockWait::NoWait => 2,
    }
}

/// Fills `lock`'s strength and wait policy from `clauses`.
pub(crate) fn apply_clauses(
    lock: &mut LockRows,
    clauses: &[ast::LockingClause],
    sql: &str,
) -> Result<()> {
    let table_name = lock.table.schema.name.as_str();
    let mut first = true;
    for clause in clauses {
        for name in &clause.of {
            let named = name.name().value.as_str();
            if named != table_name && !lock_alias_matches(lock, named) {
                return Err(Error::new(
                    SqlState::UNDEFINED_TABLE,
                    format!(
                        "relation \"{named}\" in {} clause not found in FROM clause",
                        clause_name(clause.strength)
                    ),
                )
                .with_position(name.span().position(sql)));
            }
        }
        if first || strength_rank(clause.strength) > strength_rank(lock.strength) {
            lock.strength = clause.strength;
        }
        if first || wait_rank(clause.wait) > wait_rank(lock.wait) {
            lock.wait = clause.wait;
        }
        first = false;
    }
    Ok(())
}

/// The alias the binder recorded for the locked table, if any.
fn lock_alias_matches(lock: &LockRows, named: &str) -> bool {
    lock.alias.as_deref() == Some(named)
}

fn clause_name(strength: ast::LockStrength) -> &'static str {
    match strength {
        ast::LockStrength::Update => "FOR UPDATE",
        ast::LockStrength::NoKeyUpdate => "FOR NO KEY UPDATE",
        ast::LockStrength::Share => "FOR SHARE",
        ast::LockStrength::KeyShare => "FOR KEY SHARE",
    }
}
