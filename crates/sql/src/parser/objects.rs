//! CREATE VIEW, CREATE SCHEMA, CREATE SEQUENCE (with the sequence options identity columns
//! share), and DROP of views, sequences and schemas.

use db001_common::{Error, Result, SqlState};

use super::Parser;
use crate::ast::{
    CreateSchema, CreateSequence, CreateView, DropObjects, ObjectKind, SequenceOption, Statement,
};
use crate::keywords::kw;
use crate::lexer::{Symbol, TokenKind};

impl Parser<'_, '_> {
    /// After `CREATE [OR REPLACE]` (and `RECURSIVE` rejected): `VIEW name [(columns)]
    /// [WITH (options)] AS query [WITH CHECK OPTION]`.
    pub(super) fn parse_create_view(&mut self, or_replace: bool) -> Result<Statement> {
        self.advance();
        let name = self.parse_object_name()?;
        let columns = if self.is_symbol(Symbol::LeftParen) {
            self.parse_parenthesized_column_list()?
        } else {
            Vec::new()
        };
        if self.is_keyword(kw::WITH) && self.is_symbol_at(1, Symbol::LeftParen) {
            return Err(self.unsupported("view options", self.peek().span));
        }
        self.expect_keyword(kw::AS)?;
        let query = self.parse_query()?;
        if self.is_keyword(kw::WITH) {
            return Err(self.unsupported("WITH CHECK OPTION", self.peek().span));
        }
        Ok(Statement::CreateView(Box::new(CreateView {
            or_replace,
            name,
            columns,
            query: Box::new(query),
        })))
    }

    /// After `CREATE`: `SCHEMA [IF NOT EXISTS] name`.
    pub(super) fn parse_create_schema(&mut self) -> Result<Statement> {
        self.advance();
        let if_not_exists = self.parse_if_not_exists();
        if self.is_keyword(kw::AUTHORIZATION) {
            return Err(self.unsupported("CREATE SCHEMA AUTHORIZATION", self.peek().span));
        }
        let name = self.expect_col_id()?;
        if self.is_symbol(Symbol::Dot) {
            return Err(self.error_here());
        }
        if self.is_keyword(kw::AUTHORIZATION) {
            return Err(self.unsupported("CREATE SCHEMA ... AUTHORIZATION", self.peek().span));
        }
        if self.is_keyword(kw::CREATE) || self.is_keyword(kw::GRANT) {
            return Err(self.unsupported("schema elements in CREATE SCHEMA", self.peek().span));
        }
        Ok(Statement::CreateSchema(CreateSchema {
            if_not_exists,
            name,
        }))
    }

    /// After `CREATE`: `SEQUENCE [IF NOT EXISTS] name [options]`.
    pub(super) fn parse_create_sequence(&mut self) -> Result<Statement> {
        self.advance();
        let if_not_exists = self.parse_if_not_exists();
        let name = self.parse_object_name()?;
        let options = self.parse_sequence_options(false)?;
        Ok(Statement::CreateSequence(Box::new(CreateSequence {
            if_not_exists,
            name,
            options,
        })))
    }

    /// Sequence options, written one after another without commas. `parenthesized` is the
    /// identity column form `( options )`, which must hold at least one.
    pub(super) fn parse_sequence_options(
        &mut self,
        parenthesized: bool,
    ) -> Result<Vec<SequenceOption>> {
        let mut options = Vec::new();
        loop {
            let option = match self.peek_keyword() {
                Some(kw::AS) => {
                    self.advance();
                    SequenceOption::As(self.parse_type_name()?)
                }
                Some(kw::INCREMENT) => {
                    self.advance();
                    self.eat_keyword(kw::BY);
                    SequenceOption::IncrementBy(self.parse_sequence_number()?)
                }
                Some(kw::MINVALUE) => {
                    self.advance();
                    SequenceOption::MinValue(Some(self.parse_sequence_number()?))
                }
                Some(kw::MAXVALUE) => {
                    self.advance();
                    SequenceOption::MaxValue(Some(self.parse_sequence_number()?))
                }
                Some(kw::START) => {
                    self.advance();
                    self.eat_keyword(kw::WITH);
                    SequenceOption::StartWith(self.parse_sequence_number()?)
                }
                Some(kw::CACHE) => {
                    self.advance();
                    SequenceOption::Cache(self.parse_sequence_number()?)
                }
                Some(kw::CYCLE) => {
                    self.advance();
                    SequenceOption::Cycle(true)
                }
                Some(kw::NO) => {
                    let no = self.advance();
                    match self.peek_keyword() {
                        Some(kw::MINVALUE) => {
                            self.advance();
                            SequenceOption::MinValue(None)
                        }
                        Some(kw::MAXVALUE) => {
                            self.advance();
                            SequenceOption::MaxValue(None)
                        }
                        Some(kw::CYCLE) => {
                            self.advance();
                            SequenceOption::Cycle(false)
                        }
                        _ => return Err(self.error_at(no)),
                    }
                }
                Some(kw::OWNED) => {
                    self.advance();
                    self.expect_keyword(kw::BY)?;
                    if self.eat_keyword(kw::NONE) {
                        SequenceOption::OwnedBy(None)
                    } else {
                        SequenceOption::OwnedBy(Some(self.parse_object_name()?))
                    }
                }
                Some(kw::RESTART | kw::SEQUENCE | kw::LOGGED | kw::UNLOGGED) => {
                    let what = format!(
                        "the sequence option {}",
                        self.peek_keyword()
                            .map_or("", |keyword| keyword.as_str())
                            .to_ascii_uppercase()
                    );
                    return Err(self.unsupported(&what, self.peek().span));
                }
                _ => {
                    if parenthesized && options.is_empty() {
                        return Err(self.error_here());
                    }
                    return Ok(options);
                }
            };
            options.push(option);
        }
    }

    /// `[+|-] integer`, as a 64-bit number.
    fn parse_sequence_number(&mut self) -> Result<i64> {
        let start = self.peek().span;
        let negative = if self.eat_symbol(Symbol::Minus) {
            true
        } else {
            self.eat_symbol(Symbol::Plus);
            false
        };
        let token = self.peek();
        let TokenKind::Number(text) = token.kind else {
            return Err(self.error_here());
        };
        self.advance();
        let digits = if negative {
            format!("-{text}")
        } else {
            text.to_string()
        };
        if text.contains(['.', 'e', 'E']) {
            return Err(Error::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!("invalid input syntax for type bigint: \"{digits}\""),
            )
            .with_position(start.position(self.sql)));
        }
        digits.parse::<i64>().map_err(|_| {
            Error::out_of_range(format!(
                "value \"{digits}\" is out of range for type bigint"
            ))
            .with_position(start.position(self.sql))
        })
    }

    /// After `DROP`: `{VIEW | SEQUENCE | SCHEMA} [IF EXISTS] name [, ...] [CASCADE | RESTRICT]`.
    pub(super) fn parse_drop_objects(&mut self, kind: ObjectKind) -> Result<Statement> {
        self.advance();
        let if_exists = self.eat_keywords(&[kw::IF, kw::EXISTS]);
        let names = self.comma_separated(Self::parse_object_name)?;
        let cascade = self.parse_drop_behavior();
        Ok(Statement::DropObjects(DropObjects {
            kind,
            if_exists,
            names,
            cascade,
        }))
    }
}
