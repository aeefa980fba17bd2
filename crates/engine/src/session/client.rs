//! Statements of session housekeeping and role management, as the session runs them.

use db001_common::{Error, Result, SqlState};
use db001_sql::ast;

use super::{STATEMENT_RETRIES_MAX, Session};
use crate::result::{CommandTag, StatementResult};
use crate::roles::{self, RoleContext};

impl Session {
    /// `DISCARD ALL | PLANS | SEQUENCES | TEMP`. DISCARD ALL resets every setting; the wire
    /// drops the prepared statements and portals when it sees the tag.
    pub(super) fn discard(&mut self, target: ast::DiscardTarget) -> Result<StatementResult> {
        if target != ast::DiscardTarget::All {
            // db001 caches no plans across statements it could drop, has no temporary tables
            // and no sequence caches: nothing to discard.
            return Ok(StatementResult::command(CommandTag::Discard));
        }
        if self.txn.as_ref().is_some_and(|txn| txn.explicit) {
            return Err(Error::new(
                SqlState::ACTIVE_SQL_TRANSACTION,
                "DISCARD ALL cannot run inside a transaction block",
            ));
        }
        self.settings.reset(None)?;
        Ok(StatementResult::command(CommandTag::DiscardAll))
    }

    /// CREATE / ALTER / DROP ROLE as DDL of the session's transaction, waiting for another
    /// DDL transaction to finish first.
    pub(super) async fn run_role_statement(
        &mut self,
        statement: &ast::Statement,
    ) -> Result<StatementResult> {
        let db = self.db.clone();
        let context = RoleContext {
            current_user: self.info.user.clone(),
            password_encryption: self.settings.get("password_encryption"),
        };
        self.ensure_transaction();
        let limits = self.wait_limits();
        let mut attempts = 0;
        loop {
            let txn = self.txn.as_mut().expect("ensured above");
            if txn.read_only {
                return Err(super::writes::read_only_refusal(
                    &super::writes::ddl_command_name(statement),
                ));
            }
            db.check_writable()?;
            let result = roles::execute(&db, txn, statement, &context);
            let Err(error) = &result else {
                return result;
            };
            let Some(other) = error.waiting_for() else {
                return result;
            };
            attempts += 1;
            if attempts > STATEMENT_RETRIES_MAX || other == 0 {
                return result;
            }
            let own = txn.id();
            crate::waiting::wait_for_transaction(
                &db.shared.manager,
                own,
                other,
                self.info.backend_pid,
                limits.clone(),
            )
            .await?;
        }
    }
}
