//! SAVEPOINT, RELEASE [SAVEPOINT] and ROLLBACK TO [SAVEPOINT].
//!
//! A savepoint is a mark in the transaction ([`crate::transaction::TxnMark`]): the length of
//! its write set and DDL log, and a copy of its private catalog. Rolling back to it undoes the
//! row writes after it (the write set supports undo to a mark), drops the DDL done since, and
//! leaves a failed transaction block usable again; the savepoint itself stays, as in
//! PostgreSQL. Locks taken since stay held and sequences keep their values (PostgreSQL releases
//! a subtransaction's locks; db001 keeps them until the transaction ends).

use db001_common::{Error, Result, SqlState};
use db001_sql::ast;

use super::Session;
use crate::result::{CommandTag, StatementResult};
use crate::transaction::{Savepoint, Transaction};

fn outside_block(what: &str) -> Error {
    Error::new(
        SqlState::NO_ACTIVE_SQL_TRANSACTION,
        format!("{what} can only be used in transaction blocks"),
    )
}

fn no_such_savepoint(name: &str) -> Error {
    Error::new(
        SqlState::new("3B001"),
        format!("savepoint \"{name}\" does not exist"),
    )
}

impl Session {
    fn block(&mut self, what: &str) -> Result<&mut Transaction> {
        match &mut self.txn {
            Some(txn) if txn.explicit => Ok(txn),
            _ => Err(outside_block(what)),
        }
    }

    pub(super) fn savepoint(&mut self, name: &ast::Ident) -> Result<StatementResult> {
        let txn = self.block("SAVEPOINT")?;
        let mark = txn.mark();
        txn.savepoints.push(Savepoint {
            name: name.value.clone(),
            mark,
        });
        Ok(StatementResult::command(CommandTag::Savepoint))
    }

    pub(super) fn release_savepoint(&mut self, name: &ast::Ident) -> Result<StatementResult> {
        let txn = self.block("RELEASE SAVEPOINT")?;
        let position = txn
            .savepoints
            .iter()
            .rposition(|savepoint| savepoint.name == name.value)
            .ok_or_else(|| no_such_savepoint(&name.value))?;
        txn.savepoints.truncate(position);
        Ok(StatementResult::command(CommandTag::Release))
    }

    pub(super) fn rollback_to_savepoint(&mut self, name: &ast::Ident) -> Result<StatementResult> {
        let db = self.db.clone();
        let txn = self.block("ROLLBACK TO SAVEPOINT")?;
        let position = txn
            .savepoints
            .iter()
            .rposition(|savepoint| savepoint.name == name.value)
            .ok_or_else(|| no_such_savepoint(&name.value))?;
        txn.savepoints.truncate(position + 1);
        let savepoint = txn.savepoints.pop().expect("the savepoint was found above");
        txn.rollback_to(&db, &savepoint.mark);
        txn.savepoints.push(savepoint);
        txn.failed = false;
        Ok(StatementResult::command(CommandTag::Rollback))
    }
}
