//! Transaction control, SET / SHOW / RESET, and EXPLAIN.
//!
//! Settings with their own syntax are mapped to the parameter PostgreSQL maps them to:
//! `SET TIME ZONE` is `timezone`, `SET NAMES` is `client_encoding`, `SET SCHEMA` is
//! `search_path`, `SHOW TRANSACTION ISOLATION LEVEL` is `transaction_isolation`, `SET SESSION
//! AUTHORIZATION` is `session_authorization`, `SET ROLE` is `role`.

use db001_common::Result;

use super::Parser;
use crate::ast::{Ident, IsolationLevel, SetStatement, SetValue, Statement, TransactionMode};
use crate::keywords::kw;
use crate::lexer::{Symbol, TokenKind};

impl Parser<'_, '_> {
    /// `BEGIN [WORK | TRANSACTION] [modes]`, `START TRANSACTION [modes]`.
    pub(super) fn parse_begin(&mut self) -> Result<Statement> {
        if self.advance_keyword() == Some(kw::START) {
            self.expect_keyword(kw::TRANSACTION)?;
        } else if !self.eat_keyword(kw::WORK) {
            self.eat_keyword(kw::TRANSACTION);
        }
        Ok(Statement::Begin(self.parse_transaction_modes(false)?))
    }

    fn advance_keyword(&mut self) -> Option<crate::keywords::Keyword> {
        Self::keyword_of(self.advance())
    }

    /// `COMMIT | END [WORK | TRANSACTION] [AND NO CHAIN]`, `COMMIT PREPARED 'gid'`.
    pub(super) fn parse_commit(&mut self) -> Result<Statement> {
        let first = self.advance();
        let is_commit = Self::keyword_of(first) == Some(kw::COMMIT);
        if is_commit && self.eat_keyword(kw::PREPARED) {
            return Ok(Statement::CommitPrepared(self.expect_string()?));
        }
        self.parse_transaction_end_tail()?;
        Ok(Statement::Commit)
    }

    /// `ROLLBACK | ABORT [WORK | TRANSACTION] [AND NO CHAIN]`, `ROLLBACK PREPARED 'gid'`.
    pub(super) fn parse_rollback(&mut self) -> Result<Statement> {
        let token = self.advance();
        let is_rollback = Self::keyword_of(token) == Some(kw::ROLLBACK);
        if is_rollback && self.eat_keyword(kw::PREPARED) {
            return Ok(Statement::RollbackPrepared(self.expect_string()?));
        }
        if !self.eat_keyword(kw::WORK) {
            self.eat_keyword(kw::TRANSACTION);
        }
        if self.eat_keyword(kw::TO) {
            self.eat_keyword(kw::SAVEPOINT);
            return Ok(Statement::RollbackToSavepoint(self.expect_col_id()?));
        }
        self.parse_chain_clause()?;
        Ok(Statement::Rollback)
    }

    /// A plain string literal (a transaction identifier, a password, a file name).
    pub(super) fn expect_string(&mut self) -> Result<String> {
        let TokenKind::String {
            value,
            national: false,
        } = &self.peek().kind
        else {
            return Err(self.error_here());
        };
        let value = value.to_string();
        self.advance();
        Ok(value)
    }

    /// `VACUUM [ ( option [boolean] [, ...] ) ] [FULL] [FREEZE] [VERBOSE] [ANALYZE]
    /// [table [, ...]]`. Column lists are not supported.
    pub(super) fn parse_vacuum(&mut self) -> Result<Statement> {
        self.advance();
        let mut options = Vec::new();
        if self.eat_symbol(Symbol::LeftParen) {
            options = self.comma_separated(|parser| {
                let name = parser.expect_non_reserved_word_or_analyze()?;
                let value = parser.parse_explain_option_value()?.unwrap_or(true);
                Ok((name, value))
            })?;
            self.expect_symbol(Symbol::RightParen)?;
        } else {
            for keyword in [kw::FULL, kw::FREEZE, kw::VERBOSE, kw::ANALYZE] {
                if self.is_keyword(keyword) {
                    options.push((Self::ident_of(self.advance()), true));
                }
            }
        }
        let mut tables = Vec::new();
        if !self.at_statement_end() {
            tables = self.comma_separated(Self::parse_object_name)?;
            if self.is_symbol(Symbol::LeftParen) {
                return Err(self.unsupported("VACUUM with a column list", self.peek().span));
            }
        }
        Ok(Statement::Vacuum(crate::ast::Vacuum { options, tables }))
    }

    fn parse_transaction_end_tail(&mut self) -> Result<()> {
        if !self.eat_keyword(kw::WORK) {
            self.eat_keyword(kw::TRANSACTION);
        }
        self.parse_chain_clause()
    }

    /// `[AND [NO] CHAIN]`: chaining starts a new transaction at once, which db001 lacks.
    fn parse_chain_clause(&mut self) -> Result<()> {
        if self.eat_keywords(&[kw::AND, kw::NO, kw::CHAIN]) {
            return Ok(());
        }
        if self.is_keyword(kw::AND) && self.is_keyword_at(1, kw::CHAIN) {
            return Err(self.unsupported("AND CHAIN", self.peek().span));
        }
        Ok(())
    }

    /// Transaction modes separated by commas or spaces; `required` demands at least one.
    fn parse_transaction_modes(&mut self, required: bool) -> Result<Vec<TransactionMode>> {
        let mut modes = Vec::new();
        loop {
            let mode = if self.eat_keywords(&[kw::ISOLATION, kw::LEVEL]) {
                TransactionMode::IsolationLevel(self.parse_isolation_level()?)
            } else if self.eat_keywords(&[kw::READ, kw::ONLY]) {
                TransactionMode::ReadOnly
            } else if self.eat_keywords(&[kw::READ, kw::WRITE]) {
                TransactionMode::ReadWrite
            } else if self.eat_keyword(kw::DEFERRABLE) {
                TransactionMode::Deferrable(true)
            } else if self.eat_keywords(&[kw::NOT, kw::DEFERRABLE]) {
                TransactionMode::Deferrable(false)
            } else if modes.is_empty() && !required {
                return Ok(modes);
            } else {
                return Err(self.error_here());
            };
            modes.push(mode);
            if !self.eat_symbol(Symbol::Comma) && !self.at_transaction_mode() {
                return Ok(modes);
            }
        }
    }

    fn at_transaction_mode(&self) -> bool {
        matches!(
            self.peek_keyword(),
            Some(kw::ISOLATION | kw::READ | kw::DEFERRABLE | kw::NOT)
        )
    }

    fn parse_isolation_level(&mut self) -> Result<IsolationLevel> {
        if self.eat_keyword(kw::SERIALIZABLE) {
            Ok(IsolationLevel::Serializable)
        } else if self.eat_keywords(&[kw::REPEATABLE, kw::READ]) {
            Ok(IsolationLevel::RepeatableRead)
        } else if self.eat_keywords(&[kw::READ, kw::COMMITTED]) {
            Ok(IsolationLevel::ReadCommitted)
        } else if self.eat_keywords(&[kw::READ, kw::UNCOMMITTED]) {
            Ok(IsolationLevel::ReadUncommitted)
        } else {
            Err(self.error_here())
        }
    }

    /// The many forms of SET.
    pub(super) fn parse_set(&mut self) -> Result<Statement> {
        self.advance();
        let local = if self.eat_keyword(kw::LOCAL) {
            true
        } else {
            // `SET SESSION x` is plain SET, but `SET SESSION CHARACTERISTICS` and `SET SESSION
            // AUTHORIZATION` are their own statements.
            if self.is_keyword(kw::SESSION)
                && !matches!(
                    Self::keyword_of(self.peek_nth(1)),
                    Some(kw::CHARACTERISTICS | kw::AUTHORIZATION)
                )
            {
                self.advance();
            }
            false
        };
        if self.eat_keyword(kw::TRANSACTION) {
            if self.is_keyword(kw::SNAPSHOT) {
                return Err(self.unsupported("SET TRANSACTION SNAPSHOT", self.peek().span));
            }
            let modes = self.parse_transaction_modes(true)?;
            return Ok(Statement::SetTransaction {
                session: false,
                modes,
            });
        }
        if self.eat_keywords(&[kw::SESSION, kw::CHARACTERISTICS]) {
            self.expect_keyword(kw::AS)?;
            self.expect_keyword(kw::TRANSACTION)?;
            let modes = self.parse_transaction_modes(true)?;
            return Ok(Statement::SetTransaction {
                session: true,
                modes,
            });
        }
        let start = self.start();
        // `SET role TO x` is the generic form; `SET ROLE x` the special one.
        let generic = self.is_keyword_at(1, kw::TO) || self.is_symbol_at(1, Symbol::Equals);
        let special = if generic { None } else { self.peek_keyword() };
        let (name, value) = match special {
            Some(kw::TIME) if self.is_keyword_at(1, kw::ZONE) => {
                self.advance();
                self.advance();
                let name = self.setting_name("timezone", start);
                (name, self.parse_time_zone_value()?)
            }
            Some(kw::NAMES) => {
                self.advance();
                let name = self.setting_name("client_encoding", start);
                let value = if self.at_statement_end() {
                    None
                } else {
                    self.parse_set_value_or_default()?
                };
                (name, value)
            }
            Some(kw::SCHEMA) => {
                self.advance();
                let name = self.setting_name("search_path", start);
                let token = self.peek();
                let TokenKind::String { value, .. } = &token.kind else {
                    return Err(self.error_here());
                };
                self.advance();
                (name, Some(vec![SetValue::String(value.to_string())]))
            }
            Some(kw::ROLE) => {
                self.advance();
                let name = self.setting_name("role", start);
                (name, self.parse_set_value_or_default()?)
            }
            Some(kw::SESSION) if self.is_keyword_at(1, kw::AUTHORIZATION) => {
                self.advance();
                self.advance();
                let name = self.setting_name("session_authorization", start);
                (name, self.parse_set_value_or_default()?)
            }
            Some(kw::CATALOG | kw::XML) => {
                return Err(self.unsupported("this SET form", self.peek().span));
            }
            _ => {
                let name = self.parse_setting_name()?;
                if self.is_keyword(kw::FROM) && self.is_keyword_at(1, kw::CURRENT) {
                    return Err(self.unsupported("SET ... FROM CURRENT", self.peek().span));
                }
                if !self.eat_keyword(kw::TO) {
                    self.expect_symbol(Symbol::Equals)?;
                }
                (name, self.parse_set_value_or_default()?)
            }
        };
        Ok(Statement::Set(SetStatement { local, name, value }))
    }

    fn at_statement_end(&self) -> bool {
        self.at_eof() || self.is_symbol(Symbol::Semicolon)
    }

    fn setting_name(&self, name: &str, start: u32) -> Ident {
        Ident {
            value: name.to_string(),
            span: self.span_from(start),
        }
    }

    /// `name [. name ...]`, joined with dots: `search_path`, `myapp.user_id`.
    fn parse_setting_name(&mut self) -> Result<Ident> {
        let start = self.start();
        let mut name = self.expect_col_id()?.value;
        while self.eat_symbol(Symbol::Dot) {
            name.push('.');
            name.push_str(&self.expect_col_id()?.value);
        }
        Ok(Ident {
            value: name,
            span: self.span_from(start),
        })
    }

    /// `DEFAULT` (as `None`) or a comma-separated list of values.
    fn parse_set_value_or_default(&mut self) -> Result<Option<Vec<SetValue>>> {
        if self.eat_keyword(kw::DEFAULT) {
            return Ok(None);
        }
        Ok(Some(self.comma_separated(Self::parse_set_value)?))
    }

    /// One value: a word (any non-reserved word, quoted identifier, `ON`, `TRUE`, `FALSE`),
    /// a string, or a signed number.
    fn parse_set_value(&mut self) -> Result<SetValue> {
        let token = self.peek();
        match &token.kind {
            TokenKind::String {
                value,
                national: false,
            } => {
                self.advance();
                Ok(SetValue::String(value.to_string()))
            }
            TokenKind::Number(text) => {
                self.advance();
                Ok(SetValue::Number((*text).to_string()))
            }
            TokenKind::Symbol(sign @ (Symbol::Minus | Symbol::Plus)) => {
                self.advance();
                let TokenKind::Number(text) = self.peek().kind else {
                    return Err(self.error_here());
                };
                self.advance();
                Ok(SetValue::Number(if *sign == Symbol::Minus {
                    format!("-{text}")
                } else {
                    text.to_string()
                }))
            }
            TokenKind::Word {
                keyword: Some(kw::ON | kw::TRUE | kw::FALSE),
                ..
            } => Ok(SetValue::Word(Self::ident_of(self.advance()).value)),
            _ => Ok(SetValue::Word(self.expect_non_reserved_word()?.value)),
        }
    }

    /// `SET TIME ZONE { 'zone' | word | number | LOCAL | DEFAULT }`.
    fn parse_time_zone_value(&mut self) -> Result<Option<Vec<SetValue>>> {
        if self.eat_keyword(kw::LOCAL) || self.eat_keyword(kw::DEFAULT) {
            return Ok(None);
        }
        if self.is_keyword(kw::INTERVAL) {
            return Err(self.unsupported("SET TIME ZONE INTERVAL", self.peek().span));
        }
        Ok(Some(vec![self.parse_set_value()?]))
    }

    /// `SHOW name | ALL | TIME ZONE | TRANSACTION ISOLATION LEVEL | SESSION AUTHORIZATION`.
    /// `BACKUP TO 'directory'` (the cursor is on `backup`).
    pub(super) fn parse_backup(&mut self) -> Result<Statement> {
        self.advance();
        self.expect_keyword(kw::TO)?;
        let TokenKind::String {
            value,
            national: false,
        } = &self.peek().kind
        else {
            return Err(self.error_here());
        };
        let to = value.to_string();
        self.advance();
        Ok(Statement::Backup { to })
    }

    pub(super) fn parse_show(&mut self) -> Result<Statement> {
        self.advance();
        Ok(Statement::Show(self.parse_special_setting_name()?))
    }

    /// `RESET name | ALL | TIME ZONE | ...`; `RESET ALL` is `None`.
    pub(super) fn parse_reset(&mut self) -> Result<Statement> {
        self.advance();
        if self.eat_keyword(kw::ALL) {
            return Ok(Statement::Reset(None));
        }
        Ok(Statement::Reset(Some(self.parse_special_setting_name()?)))
    }

    fn parse_special_setting_name(&mut self) -> Result<Ident> {
        let start = self.start();
        let name = if self.eat_keywords(&[kw::TIME, kw::ZONE]) {
            "timezone"
        } else if self.eat_keywords(&[kw::TRANSACTION, kw::ISOLATION, kw::LEVEL]) {
            "transaction_isolation"
        } else if self.eat_keywords(&[kw::SESSION, kw::AUTHORIZATION]) {
            "session_authorization"
        } else if self.eat_keyword(kw::ALL) {
            "all"
        } else {
            return self.parse_setting_name();
        };
        Ok(self.setting_name(name, start))
    }

    /// `EXPLAIN [ANALYZE] [VERBOSE] statement` or `EXPLAIN ( option [, ...] ) statement`.
    /// Options other than ANALYZE only change the presentation and are accepted as long as
    /// the output stays text.
    pub(super) fn parse_explain(&mut self) -> Result<Statement> {
        self.advance();
        let mut analyze = false;
        if self.is_symbol(Symbol::LeftParen) && !self.parentheses_open_explained_query() {
            self.advance();
            self.comma_separated(|parser| {
                let option = parser.expect_non_reserved_word_or_analyze()?;
                let value = parser.parse_explain_option_value()?;
                match option.value.as_str() {
                    "analyze" | "analyse" => analyze = value.unwrap_or(true),
                    "format" => {
                        if value.is_some() || !parser.eat_text_format() {
                            return Err(
                                parser.unsupported("EXPLAIN formats other than TEXT", option.span)
                            );
                        }
                    }
                    "verbose" | "costs" | "settings" | "buffers" | "wal" | "timing" | "summary" => {
                    }
                    other => {
                        return Err(parser.syntax_error(
                            format!("unrecognized EXPLAIN option \"{other}\""),
                            option.span,
                        ));
                    }
                }
                Ok(())
            })?;
            self.expect_symbol(Symbol::RightParen)?;
        } else {
            analyze = self.eat_keyword(kw::ANALYZE) || self.eat_keyword(kw::ANALYSE);
            self.eat_keyword(kw::VERBOSE);
        }
        let statement_start = self.peek().span;
        let explained = match self.peek_keyword() {
            Some(
                kw::SELECT
                | kw::VALUES
                | kw::WITH
                | kw::TABLE
                | kw::INSERT
                | kw::UPDATE
                | kw::DELETE,
            ) => self.parse_statement()?,
            None if self.is_symbol(Symbol::LeftParen) => self.parse_statement()?,
            Some(kw::CREATE | kw::EXECUTE | kw::DECLARE) => {
                return Err(self.unsupported("EXPLAIN of this statement", statement_start));
            }
            _ => return Err(self.error_here()),
        };
        Ok(Statement::Explain {
            analyze,
            statement: Box::new(explained),
        })
    }

    /// `EXPLAIN (SELECT 1)` explains a parenthesised query rather than listing options.
    fn parentheses_open_explained_query(&self) -> bool {
        let mut offset = 0;
        while self.is_symbol_at(offset, Symbol::LeftParen) {
            offset += 1;
        }
        matches!(
            Self::keyword_of(self.peek_nth(offset)),
            Some(kw::SELECT | kw::VALUES | kw::WITH | kw::TABLE)
        )
    }

    fn expect_non_reserved_word_or_analyze(&mut self) -> Result<Ident> {
        if matches!(self.peek_keyword(), Some(kw::ANALYZE | kw::ANALYSE)) {
            return Ok(Self::ident_of(self.advance()));
        }
        self.expect_non_reserved_word()
    }

    /// An option's optional boolean value; `None` when absent or not a boolean word.
    fn parse_explain_option_value(&mut self) -> Result<Option<bool>> {
        let value = match &self.peek().kind {
            TokenKind::Word {
                keyword: Some(kw::TRUE | kw::ON),
                ..
            } => Some(true),
            TokenKind::Word {
                keyword: Some(kw::FALSE | kw::OFF),
                ..
            } => Some(false),
            TokenKind::Number("1") => Some(true),
            TokenKind::Number("0") => Some(false),
            _ => None,
        };
        if value.is_some() {
            self.advance();
        }
        Ok(value)
    }

    fn eat_text_format(&mut self) -> bool {
        let is_text = match &self.peek().kind {
            TokenKind::Word { text, .. } => text.eq_ignore_ascii_case("text"),
            TokenKind::String { value, .. } => value.eq_ignore_ascii_case("text"),
            _ => false,
        };
        if is_text {
            self.advance();
        }
        is_text
    }
}
