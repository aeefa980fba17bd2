//! Statements clients send around their queries: `COPY`, role management (`CREATE / ALTER /
//! DROP ROLE | USER`), and the session housekeeping of connection pools (`DISCARD`, `CLOSE`,
//! `LISTEN`, `UNLISTEN`).
//!
//! COPY options come in two syntaxes, both still sent by clients: the parenthesised list
//! (`WITH (FORMAT csv, HEADER true)`, pgbench's `with (freeze on)`) and the old bare words
//! (`CSV HEADER DELIMITER AS ','`, what psql's `\copy ... csv header` sends). Both become the
//! same [`CopyOption`] list; the engine checks names and values.

use db001_common::Result;

use super::Parser;
use crate::ast::{
    AlterRole, AlterRoleAction, Copy, CopyOption, CopyOptionValue, CopySource, CreateRole,
    DiscardTarget, Ident, RoleOption, Statement,
};
use crate::keywords::kw;
use crate::lexer::{Symbol, TokenKind};

/// Role attributes that are plain flags (each also as `NO...`).
const ROLE_FLAGS: &[&str] = &[
    "superuser",
    "createdb",
    "createrole",
    "inherit",
    "login",
    "replication",
    "bypassrls",
];

impl Parser<'_, '_> {
    /// The current token's text in lower case when it is an unquoted word.
    fn peek_word(&self) -> Option<String> {
        match &self.peek().kind {
            TokenKind::Word { text, .. } => Some(text.to_ascii_lowercase()),
            _ => None,
        }
    }

    /// `COPY table [(columns)] | (query)  FROM STDIN | TO STDOUT  [[WITH] options]`.
    pub(super) fn parse_copy(&mut self) -> Result<Statement> {
        let copy = self.advance().span;
        let source = if self.eat_symbol(Symbol::LeftParen) {
            let query = self.parse_query()?;
            self.expect_symbol(Symbol::RightParen)?;
            CopySource::Query(Box::new(query))
        } else {
            let name = self.parse_object_name()?;
            let columns = if self.is_symbol(Symbol::LeftParen) {
                self.parse_parenthesized_column_list()?
            } else {
                Vec::new()
            };
            CopySource::Table { name, columns }
        };
        let from = if self.eat_keyword(kw::FROM) {
            true
        } else {
            self.expect_keyword(kw::TO)?;
            false
        };
        if matches!(source, CopySource::Query(_)) && from {
            return Err(self.syntax_error("syntax error at or near \"FROM\"", copy));
        }
        if self.eat_keyword(kw::PROGRAM) {
            return Err(self.unsupported("COPY to or from a program", copy));
        }
        match &self.peek().kind {
            TokenKind::String { .. } => {
                return Err(self
                    .unsupported("COPY to or from a file on the server", self.peek().span)
                    .with_hint("Use COPY ... FROM STDIN / TO STDOUT, or psql's \\copy."));
            }
            _ if from => {
                self.expect_keyword(kw::STDIN)?;
            }
            _ => {
                self.expect_keyword(kw::STDOUT)?;
            }
        }
        let options = self.parse_copy_options()?;
        Ok(Statement::Copy(Box::new(Copy {
            source,
            from,
            options,
        })))
    }

    fn parse_copy_options(&mut self) -> Result<Vec<CopyOption>> {
        let with = self.eat_keyword(kw::WITH);
        if self.eat_symbol(Symbol::LeftParen) {
            let options = self.comma_separated(Self::parse_copy_option)?;
            self.expect_symbol(Symbol::RightParen)?;
            return Ok(options);
        }
        let _ = with;
        let mut options = Vec::new();
        // Old syntax: BINARY | CSV | HEADER | DELIMITER [AS] 'c' | NULL [AS] 's' | QUOTE [AS]
        // 'c' | ESCAPE [AS] 'c' | FORCE QUOTE cols | * | FORCE NOT NULL cols | FREEZE.
        while !self.at_eof() && !self.is_symbol(Symbol::Semicolon) {
            let Some(word) = self.peek_word() else {
                return Err(self.error_here());
            };
            self.advance();
            let option = match word.as_str() {
                "binary" => named("format", CopyOptionValue::Text("binary".into())),
                "csv" => named("format", CopyOptionValue::Text("csv".into())),
                "header" | "freeze" => named(&word, CopyOptionValue::None),
                "delimiter" | "null" | "quote" | "escape" | "encoding" => {
                    self.eat_keyword(kw::AS);
                    named(&word, CopyOptionValue::Text(self.expect_string()?))
                }
                "force" => {
                    let name = if self.eat_keyword(kw::QUOTE) {
                        "force_quote"
                    } else if self.eat_keywords(&[kw::NOT, kw::NULL]) {
                        "force_not_null"
                    } else if self.eat_keyword(kw::NULL) {
                        "force_null"
                    } else {
                        return Err(self.error_here());
                    };
                    let value = if self.eat_symbol(Symbol::Star) {
                        CopyOptionValue::Star
                    } else {
                        CopyOptionValue::Columns(self.comma_separated(Self::expect_col_id)?)
                    };
                    named(name, value)
                }
                _ => return Err(self.error_at(&self.tokens[self.index - 1])),
            };
            options.push(option);
        }
        Ok(options)
    }

    /// One `name [value]` of the parenthesised option list.
    fn parse_copy_option(&mut self) -> Result<CopyOption> {
        let name = self.expect_col_label()?.value;
        let value = if self.is_symbol(Symbol::Comma) || self.is_symbol(Symbol::RightParen) {
            CopyOptionValue::None
        } else if self.eat_symbol(Symbol::Star) {
            CopyOptionValue::Star
        } else if self.is_symbol(Symbol::LeftParen) {
            CopyOptionValue::Columns(self.parse_parenthesized_column_list()?)
        } else {
            match &self.peek().kind {
                TokenKind::String { value, .. } => {
                    let value = value.to_string();
                    self.advance();
                    CopyOptionValue::Text(value)
                }
                TokenKind::Number(text) => {
                    let text = text.to_string();
                    self.advance();
                    CopyOptionValue::Text(text)
                }
                _ => CopyOptionValue::Text(self.expect_col_label()?.value),
            }
        };
        Ok(CopyOption { name, value })
    }

    /// `CREATE ROLE | USER | GROUP name [[WITH] options]` (the cursor is on ROLE/USER/GROUP).
    pub(super) fn parse_create_role(&mut self) -> Result<Statement> {
        let user = self.advance_is(kw::USER);
        let name = self.expect_role_name()?;
        let options = self.parse_role_options()?;
        Ok(Statement::CreateRole(Box::new(CreateRole {
            name,
            user,
            options,
        })))
    }

    /// `ALTER ROLE | USER name ...` (the cursor is on ALTER).
    pub(super) fn parse_alter_role(&mut self) -> Result<Statement> {
        self.advance();
        self.advance();
        let name = self.expect_role_name()?;
        let action = if self.eat_keyword(kw::RENAME) {
            self.expect_keyword(kw::TO)?;
            AlterRoleAction::Rename(self.expect_role_name()?)
        } else if self.is_keyword(kw::SET) || self.is_keyword(kw::RESET) {
            return Err(self.unsupported("ALTER ROLE ... SET", self.peek().span));
        } else {
            AlterRoleAction::Options(self.parse_role_options()?)
        };
        Ok(Statement::AlterRole(Box::new(AlterRole { name, action })))
    }

    /// `DROP ROLE | USER | GROUP [IF EXISTS] name, ...` (the cursor is on ROLE/USER/GROUP).
    pub(super) fn parse_drop_role(&mut self) -> Result<Statement> {
        self.advance();
        let if_exists = self.eat_keywords(&[kw::IF, kw::EXISTS]);
        let names = self.comma_separated(Self::expect_role_name)?;
        Ok(Statement::DropRole { if_exists, names })
    }

    /// Advances; whether the token passed was `keyword`.
    fn advance_is(&mut self, keyword: crate::keywords::Keyword) -> bool {
        Self::keyword_of(self.advance()) == Some(keyword)
    }

    /// A role name: any identifier, including reserved-looking words such as `user` when
    /// quoted.
    fn expect_role_name(&mut self) -> Result<Ident> {
        if let TokenKind::String { value, .. } = &self.peek().kind {
            // PostgreSQL accepts Sconst role names only in some places; be lenient.
            let ident = Ident {
                value: value.to_string(),
                span: self.peek().span,
            };
            self.advance();
            return Ok(ident);
        }
        self.expect_non_reserved_word()
    }

    fn parse_role_options(&mut self) -> Result<Vec<RoleOption>> {
        self.eat_keyword(kw::WITH);
        let mut options = Vec::new();
        while !self.at_eof() && !self.is_symbol(Symbol::Semicolon) {
            let Some(word) = self.peek_word() else {
                return Err(self.error_here());
            };
            let start = self.peek().span;
            self.advance();
            let option = match word.as_str() {
                "connection" => {
                    self.expect_keyword(kw::LIMIT)?;
                    let negative = self.eat_symbol(Symbol::Minus);
                    let TokenKind::Number(text) = self.peek().kind else {
                        return Err(self.error_here());
                    };
                    let limit: i32 = text.parse().map_err(|_| self.error_here())?;
                    self.advance();
                    RoleOption::ConnectionLimit(if negative { -limit } else { limit })
                }
                "encrypted" | "unencrypted" | "password" => {
                    if word != "password" {
                        self.expect_keyword(kw::PASSWORD)?;
                    }
                    if self.eat_keyword(kw::NULL) {
                        RoleOption::Password(None)
                    } else {
                        RoleOption::Password(Some(self.expect_string()?))
                    }
                }
                "valid" => {
                    self.expect_keyword(kw::UNTIL)?;
                    RoleOption::ValidUntil(self.expect_string()?)
                }
                "in" | "role" | "admin" | "user" | "sysid" => {
                    return Err(self.unsupported("role membership options", start));
                }
                flag => {
                    let (name, value) = match flag.strip_prefix("no") {
                        Some(rest) if ROLE_FLAGS.contains(&rest) => (rest, false),
                        _ if ROLE_FLAGS.contains(&flag) => (flag, true),
                        _ => {
                            return Err(self.syntax_error(
                                format!("unrecognized role option \"{flag}\""),
                                start,
                            ));
                        }
                    };
                    RoleOption::Flag {
                        name: name.to_string(),
                        value,
                    }
                }
            };
            options.push(option);
        }
        Ok(options)
    }

    /// `DISCARD ALL | PLANS | SEQUENCES | TEMP | TEMPORARY`.
    pub(super) fn parse_discard(&mut self) -> Result<Statement> {
        self.advance();
        let target = match self.peek_word().as_deref() {
            Some("all") => DiscardTarget::All,
            Some("plans") => DiscardTarget::Plans,
            Some("sequences") => DiscardTarget::Sequences,
            Some("temp" | "temporary") => DiscardTarget::Temp,
            _ => return Err(self.error_here()),
        };
        self.advance();
        Ok(Statement::Discard(target))
    }

    /// `CLOSE name | ALL`.
    pub(super) fn parse_close(&mut self) -> Result<Statement> {
        self.advance();
        if self.eat_keyword(kw::ALL) {
            return Ok(Statement::Close(None));
        }
        Ok(Statement::Close(Some(self.expect_col_id()?)))
    }

    /// `LISTEN channel`, `UNLISTEN channel | *`.
    pub(super) fn parse_listen(&mut self) -> Result<Statement> {
        let listen = self.advance_is(kw::LISTEN);
        if !listen && self.eat_symbol(Symbol::Star) {
            return Ok(Statement::Unlisten(None));
        }
        let channel = self.expect_col_id()?;
        Ok(if listen {
            Statement::Listen(channel)
        } else {
            Statement::Unlisten(Some(channel))
        })
    }
}

fn named(name: &str, value: CopyOptionValue) -> CopyOption {
    CopyOption {
        name: name.to_string(),
        value,
    }
}
