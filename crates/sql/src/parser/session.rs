//! Session-level statements: SAVEPOINT, RELEASE, PREPARE, EXECUTE and DEALLOCATE
//! (`ROLLBACK TO SAVEPOINT` is in `utility.rs`, beside ROLLBACK).

use db001_common::Result;

use super::Parser;
use crate::ast::{Execute, Prepare, Statement};
use crate::keywords::kw;
use crate::lexer::Symbol;

impl Parser<'_, '_> {
    /// `SAVEPOINT name`.
    pub(super) fn parse_savepoint(&mut self) -> Result<Statement> {
        self.advance();
        Ok(Statement::Savepoint(self.expect_col_id()?))
    }

    /// `RELEASE [SAVEPOINT] name`.
    pub(super) fn parse_release(&mut self) -> Result<Statement> {
        self.advance();
        self.eat_keyword(kw::SAVEPOINT);
        Ok(Statement::ReleaseSavepoint(self.expect_col_id()?))
    }

    /// `PREPARE TRANSACTION 'gid'` (two-phase commit), or `PREPARE name [(type, ...)] AS statement`, where the statement is a SELECT, VALUES,
    /// INSERT, UPDATE or DELETE.
    pub(super) fn parse_prepare(&mut self) -> Result<Statement> {
        self.advance();
        if self.eat_keyword(kw::TRANSACTION) {
            return Ok(Statement::PrepareTransaction(self.expect_string()?));
        }
        let name = self.expect_col_id()?;
        let param_types = if self.eat_symbol(Symbol::LeftParen) {
            let types = self.comma_separated(Self::parse_type_name)?;
            self.expect_symbol(Symbol::RightParen)?;
            types
        } else {
            Vec::new()
        };
        self.expect_keyword(kw::AS)?;
        let preparable = matches!(
            self.peek_keyword(),
            Some(
                kw::SELECT
                    | kw::VALUES
                    | kw::WITH
                    | kw::TABLE
                    | kw::INSERT
                    | kw::UPDATE
                    | kw::DELETE
            )
        ) || self.is_symbol(Symbol::LeftParen);
        if !preparable {
            return Err(self.error_here());
        }
        let statement = self.parse_statement()?;
        Ok(Statement::Prepare(Box::new(Prepare {
            name,
            param_types,
            statement: Box::new(statement),
        })))
    }

    /// `EXECUTE name [(expr, ...)]`.
    pub(super) fn parse_execute(&mut self) -> Result<Statement> {
        self.advance();
        let name = self.expect_col_id()?;
        let params = if self.eat_symbol(Symbol::LeftParen) {
            let params = self.comma_separated(Self::parse_expr)?;
            self.expect_symbol(Symbol::RightParen)?;
            params
        } else {
            Vec::new()
        };
        Ok(Statement::Execute(Execute { name, params }))
    }

    /// `DEALLOCATE [PREPARE] { name | ALL }`.
    pub(super) fn parse_deallocate(&mut self) -> Result<Statement> {
        self.advance();
        self.eat_keyword(kw::PREPARE);
        if self.eat_keyword(kw::ALL) {
            return Ok(Statement::Deallocate(None));
        }
        Ok(Statement::Deallocate(Some(self.expect_col_id()?)))
    }
}
