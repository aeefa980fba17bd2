//! Session statements with transaction rules of their own: taking a statement's snapshot
//! (including SERIALIZABLE's registration with SSI and READ ONLY DEFERRABLE's wait for a safe
//! snapshot), `PREPARE TRANSACTION`, `COMMIT PREPARED` / `ROLLBACK PREPARED`, and `VACUUM`.

use std::time::Instant;

use db001_common::{Error, Result, SqlState};
use db001_sql::ast;
use db001_txn::ssi::Registration;
use db001_txn::{IsolationLevel, Snapshot, WaitFuture};

use crate::result::{CommandTag, StatementResult};
use crate::session::Session;
use crate::waiting::wait_for_event;
use crate::{collector, two_phase};

/// How often a `SERIALIZABLE READ ONLY DEFERRABLE` transaction may find its snapshot unsafe and
/// take another before giving up with 40001 (each try waits for the concurrent writers of the
/// previous one to finish).
const DEFERRABLE_ATTEMPTS_MAX: u32 = 1000;

impl Session {
    /// The snapshot for a statement's first attempt: a fresh one under READ COMMITTED, the
    /// transaction's under the snapshot levels (taken now if this is its first statement).
    pub(crate) async fn statement_snapshot(
        &mut self,
        deadline: Option<Instant>,
    ) -> Result<Snapshot> {
        let txn = self.ensure_transaction();
        if let Some(snapshot) = txn.snapshot
            && !txn.isolation.snapshot_per_statement()
        {
            return Ok(snapshot);
        }
        if txn.isolation != IsolationLevel::Serializable {
            let db = self.db.clone();
            let txn = self.txn.as_mut().expect("ensured above");
            return Ok(txn.fresh_snapshot(&db, &self.reader));
        }
        self.serializable_snapshot(deadline).await
    }

    /// A serializable transaction's snapshot, taken under SSI's lock. A read-only transaction
    /// with no serializable writer around is safe and runs untracked; `READ ONLY DEFERRABLE`
    /// waits until its snapshot is known safe, or takes a new one if it turned out unsafe.
    async fn serializable_snapshot(&mut self, deadline: Option<Instant>) -> Result<Snapshot> {
        let db = self.db.clone();
        let manager = &db.shared.manager;
        for _ in 0..DEFERRABLE_ATTEMPTS_MAX {
            let txn = self.txn.as_mut().expect("a transaction is open");
            let id = txn.ensure_writer(&db);
            let reader = &self.reader;
            let mut taken = None;
            let registration =
                manager
                    .ssi()
                    .register(id, txn.read_only, txn.read_only && txn.deferrable, || {
                        let snapshot = reader.snapshot(manager, id);
                        taken = Some(snapshot);
                        snapshot.read_ts
                    });
            let snapshot = taken.expect("register takes the snapshot");
            txn.snapshot = Some(snapshot);
            match registration {
                Registration::Tracked => {
                    txn.ssi_tracked = true;
                    return Ok(snapshot);
                }
                Registration::Safe => return Ok(snapshot),
                Registration::Deferred(settled) => {
                    if let Err(error) = wait_for_event(WaitFuture::new(settled), deadline).await {
                        manager.ssi().rolled_back(id);
                        return Err(error);
                    }
                    if manager.ssi().deferrable_outcome(id) {
                        return Ok(snapshot);
                    }
                }
            }
        }
        Err(Error::new(
            SqlState::SERIALIZATION_FAILURE,
            "could not obtain a safe snapshot for a deferrable transaction",
        ))
    }

    /// `PREPARE TRANSACTION 'gid'`. Outside a transaction block, or in a failed one, it rolls
    /// back (PostgreSQL answers `ROLLBACK`, with a warning when there was nothing to prepare).
    pub(crate) async fn prepare_transaction(&mut self, gid: &str) -> Result<StatementResult> {
        let preparable = self.txn.as_ref().is_some_and(|t| t.explicit && !t.failed);
        let Some(txn) = self.take_transaction() else {
            return Ok(StatementResult::command(CommandTag::Rollback));
        };
        if !preparable {
            txn.rollback(&self.db);
            return Ok(StatementResult::command(CommandTag::Rollback));
        }
        two_phase::prepare(&self.db, txn, gid, &self.info.user, &self.info.database).await?;
        Ok(StatementResult::command(CommandTag::PrepareTransaction))
    }

    /// `COMMIT PREPARED 'gid'` / `ROLLBACK PREPARED 'gid'`, which may not run inside a
    /// transaction block.
    pub(crate) async fn finish_prepared(
        &mut self,
        gid: &str,
        commit: bool,
    ) -> Result<StatementResult> {
        let (what, tag) = if commit {
            ("COMMIT PREPARED", CommandTag::CommitPrepared)
        } else {
            ("ROLLBACK PREPARED", CommandTag::RollbackPrepared)
        };
        if self.txn.is_some() {
            return Err(Error::new(
                SqlState::ACTIVE_SQL_TRANSACTION,
                format!("{what} cannot run inside a transaction block"),
            ));
        }
        two_phase::finish(&self.db, gid, commit).await?;
        Ok(StatementResult::command(tag))
    }

    /// `VACUUM [table, ...]`: a garbage-collection pass over the tables (all when none is
    /// named). Not inside a transaction block, as in PostgreSQL.
    pub(crate) fn vacuum(&mut self, vacuum: &ast::Vacuum) -> Result<StatementResult> {
        if self.txn.is_some() {
            return Err(Error::new(
                SqlState::ACTIVE_SQL_TRANSACTION,
                "VACUUM cannot run inside a transaction block",
            ));
        }
        let catalog = self.db.catalog();
        let tables = if vacuum.tables.is_empty() {
            catalog
                .tables()
                .map(|t| std::sync::Arc::clone(&t.storage))
                .collect()
        } else {
            let mut tables = Vec::with_capacity(vacuum.tables.len());
            for name in &vacuum.tables {
                let schema = name.schema().map_or("public", |s| s.value.as_str());
                let entry = catalog.table(schema, &name.name().value).ok_or_else(|| {
                    Error::new(
                        SqlState::UNDEFINED_TABLE,
                        format!("relation \"{}\" does not exist", name.name().value),
                    )
                })?;
                tables.push(std::sync::Arc::clone(&entry.storage));
            }
            tables
        };
        collector::vacuum(&self.db, &tables)?;
        Ok(StatementResult::command(CommandTag::Vacuum))
    }
}
