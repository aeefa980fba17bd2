//! Type names: every spelling PostgreSQL accepts for the built-in types, folded to one canonical
//! name per type so the binder matches a single string (`int`, `int4` and `integer` are all
//! `integer`; `timestamp with time zone` is `timestamptz`). Names db001 does not know are kept
//! as written (schema-qualified ones joined with `.`), and the binder rejects them.

use db001_common::{Error, Result, SqlState};

use super::Parser;
use crate::ast::{Span, TypeName};
use crate::keywords::kw;
use crate::lexer::{Symbol, TokenKind};

/// The canonical name for a type name written as a plain or quoted identifier.
pub(crate) fn canonical_type_name(name: &str) -> &str {
    match name {
        "int" | "int4" | "integer" => "integer",
        "int2" | "smallint" => "smallint",
        "int8" | "bigint" => "bigint",
        "float8" | "double precision" => "double precision",
        "float4" | "real" => "real",
        "decimal" | "numeric" => "numeric",
        "bool" | "boolean" => "boolean",
        "varchar" | "character varying" => "character varying",
        "serial4" => "serial",
        "serial8" => "bigserial",
        "serial2" => "smallserial",
        _ => name,
    }
}

/// Names that `Display` prints as they are, never quoted: the canonical multi-word and keyword
/// spellings above.
pub(crate) fn is_builtin_spelling(name: &str) -> bool {
    matches!(
        name,
        "integer"
            | "smallint"
            | "bigint"
            | "double precision"
            | "real"
            | "numeric"
            | "boolean"
            | "character varying"
            | "character"
            | "bit"
            | "bit varying"
            | "timestamp"
            | "timestamptz"
            | "time"
            | "timetz"
            | "interval"
    )
}

impl Parser<'_, '_> {
    /// `Typename`: a simple type name with optional array bounds (`int[]`, `int ARRAY`).
    pub(super) fn parse_type_name(&mut self) -> Result<TypeName> {
        let mut type_name = self.parse_simple_type_name()?;
        loop {
            if self.eat_symbol(Symbol::LeftBracket) {
                self.skip_array_bound();
                self.expect_symbol(Symbol::RightBracket)?;
                type_name.array_dims += 1;
            } else if self.is_keyword(kw::ARRAY) {
                self.advance();
                if self.eat_symbol(Symbol::LeftBracket) {
                    self.skip_array_bound();
                    self.expect_symbol(Symbol::RightBracket)?;
                }
                type_name.array_dims += 1;
                break;
            } else {
                break;
            }
        }
        type_name.span = self.span_from(type_name.span.start);
        Ok(type_name)
    }

    /// PostgreSQL accepts and ignores array sizes: `int[3]`.
    fn skip_array_bound(&mut self) {
        if matches!(self.peek().kind, TokenKind::Number(_)) {
            self.advance();
        }
    }

    /// `SimpleTypename`: a type without array bounds. Used alone for typed literals
    /// (`timestamp(3) '...'`), where PostgreSQL allows no array bounds.
    pub(super) fn parse_simple_type_name(&mut self) -> Result<TypeName> {
        let start = self.start();
        let keyword = self.peek_keyword();
        let name: String = match keyword {
            Some(kw::INT | kw::INTEGER) => self.fixed_type("integer"),
            Some(kw::SMALLINT) => self.fixed_type("smallint"),
            Some(kw::BIGINT) => self.fixed_type("bigint"),
            Some(kw::REAL) => self.fixed_type("real"),
            Some(kw::BOOLEAN) => self.fixed_type("boolean"),
            Some(kw::DOUBLE) if self.is_keyword_at(1, kw::PRECISION) => {
                self.advance();
                self.fixed_type("double precision")
            }
            Some(kw::FLOAT) => {
                self.advance();
                return self.float_type(start);
            }
            Some(kw::DECIMAL | kw::DEC | kw::NUMERIC) => {
                self.advance();
                return self.with_modifiers("numeric", start);
            }
            Some(kw::VARCHAR) => {
                self.advance();
                return self.with_modifiers("character varying", start);
            }
            Some(kw::CHARACTER | kw::CHAR | kw::NCHAR | kw::NATIONAL) => {
                self.advance();
                if keyword == Some(kw::NATIONAL) && !self.eat_keyword(kw::CHARACTER) {
                    self.expect_keyword(kw::CHAR)?;
                }
                let name = if self.eat_keyword(kw::VARYING) {
                    "character varying"
                } else {
                    "character"
                };
                return self.with_modifiers(name, start);
            }
            Some(kw::BIT) => {
                self.advance();
                let name = if self.eat_keyword(kw::VARYING) {
                    "bit varying"
                } else {
                    "bit"
                };
                return self.with_modifiers(name, start);
            }
            Some(kw::TIMESTAMP | kw::TIME) => {
                self.advance();
                let modifiers = self.parse_type_modifiers()?;
                let with_zone = self.parse_time_zone_clause()?;
                let name = match (keyword == Some(kw::TIMESTAMP), with_zone) {
                    (true, true) => "timestamptz",
                    (true, false) => "timestamp",
                    (false, true) => "timetz",
                    (false, false) => "time",
                };
                return Ok(self.type_name(name.to_string(), modifiers, start));
            }
            Some(kw::INTERVAL) => {
                self.advance();
                if matches!(
                    self.peek_keyword(),
                    Some(kw::YEAR | kw::MONTH | kw::DAY | kw::HOUR | kw::MINUTE | kw::SECOND)
                ) {
                    return Err(self.unsupported("an interval field qualifier", self.peek().span));
                }
                return self.with_modifiers("interval", start);
            }
            Some(kw::SETOF) => {
                return Err(self.unsupported("SETOF", self.peek().span));
            }
            _ => {
                if !Self::is_type_function_name_token(self.peek()) {
                    return Err(self.error_here());
                }
                let mut parts = vec![Self::ident_of(self.advance()).value];
                while self.is_symbol(crate::lexer::Symbol::Dot) {
                    self.advance();
                    parts.push(self.expect_col_label()?.value);
                }
                return self.with_modifiers_owned(qualified_type_name(parts), start);
            }
        };
        Ok(self.type_name(name, Vec::new(), start))
    }

    fn fixed_type(&mut self, name: &str) -> String {
        self.advance();
        name.to_string()
    }

    fn type_name(&self, name: String, modifiers: Vec<i64>, start: u32) -> TypeName {
        TypeName {
            name,
            modifiers,
            array_dims: 0,
            span: self.span_from(start),
        }
    }

    fn with_modifiers(&mut self, name: &str, start: u32) -> Result<TypeName> {
        self.with_modifiers_owned(name.to_string(), start)
    }

    fn with_modifiers_owned(&mut self, name: String, start: u32) -> Result<TypeName> {
        let modifiers = self.parse_type_modifiers()?;
        Ok(self.type_name(name, modifiers, start))
    }

    /// `FLOAT [(p)]`: up to 24 bits is `real`, up to 53 is `double precision`.
    fn float_type(&mut self, start: u32) -> Result<TypeName> {
        let precision_start = self.start();
        let modifiers = self.parse_type_modifiers()?;
        let name = match modifiers.as_slice() {
            [] => "double precision",
            [bits] if *bits < 1 => {
                return Err(self.invalid_float_precision(
                    "precision for type float must be at least 1 bit",
                    precision_start,
                ));
            }
            [bits] if *bits <= 24 => "real",
            [bits] if *bits <= 53 => "double precision",
            [_] => {
                return Err(self.invalid_float_precision(
                    "precision for type float must be less than 54 bits",
                    precision_start,
                ));
            }
            _ => return Err(self.syntax_error("syntax error", self.span_from(precision_start))),
        };
        Ok(self.type_name(name.to_string(), Vec::new(), start))
    }

    fn invalid_float_precision(&self, message: &str, start: u32) -> Error {
        Error::new(SqlState::INVALID_PARAMETER_VALUE, message)
            .with_position(Span::new(start as usize, start as usize).position(self.sql))
    }

    /// `[WITH | WITHOUT] TIME ZONE`, returning whether the zone is kept.
    fn parse_time_zone_clause(&mut self) -> Result<bool> {
        if self.is_keyword(kw::WITH) && self.is_keyword_at(1, kw::TIME) {
            self.advance();
            self.advance();
            self.expect_keyword(kw::ZONE)?;
            Ok(true)
        } else if self.is_keyword(kw::WITHOUT) {
            self.advance();
            self.expect_keyword(kw::TIME)?;
            self.expect_keyword(kw::ZONE)?;
            Ok(false)
        } else {
            Ok(false)
        }
    }

    /// `[( integer [, integer ...] )]`
    fn parse_type_modifiers(&mut self) -> Result<Vec<i64>> {
        if !self.eat_symbol(Symbol::LeftParen) {
            return Ok(Vec::new());
        }
        let modifiers = self.comma_separated(Self::parse_signed_integer)?;
        self.expect_symbol(Symbol::RightParen)?;
        Ok(modifiers)
    }

    /// An integer constant with an optional sign.
    pub(super) fn parse_signed_integer(&mut self) -> Result<i64> {
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
        let value: i64 = text.parse().map_err(|_| self.error_here())?;
        self.advance();
        Ok(if negative { -value } else { value })
    }
}

/// The name of a type written as identifiers: `pg_catalog.int4` is `integer`, other qualified
/// names are joined with dots.
pub(super) fn qualified_type_name(mut parts: Vec<String>) -> String {
    if parts.len() == 1 || (parts.len() == 2 && parts[0] == "pg_catalog") {
        let last = parts.pop().unwrap_or_default();
        let canonical = canonical_type_name(&last);
        if canonical == last {
            last
        } else {
            canonical.to_string()
        }
    } else {
        parts.join(".")
    }
}
