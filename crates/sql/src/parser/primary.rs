//! Primary expressions: literals, parameters, names (columns, qualified names, typed literals
//! like `date '2020-01-01'`), the keyword-led forms (`CASE`, `CAST`, `ARRAY[...]`, `EXISTS`,
//! `ROW(...)`, `CURRENT_TIMESTAMP`, ...), parentheses (nested expressions, row constructors,
//! scalar subqueries), and the prefix operators in front of them.
//!
//! PostgreSQL lets keywords that are not reserved name columns, so a word's category decides
//! what it may start: `timestamp` followed by a string is a typed literal, alone it is a column;
//! `left` may only be called (`left(s, 2)`), never read as a column.

use db001_common::{Error, Result};

use super::Parser;
use super::expr::level;
use super::functions::special_function;
use crate::ast::{Expr, Literal, Span, TypeName, UnaryOp};
use crate::keywords::{Category, Keyword, kw};
use crate::lexer::{Symbol, TokenKind};

impl Parser<'_, '_> {
    /// Prefix operators, then a primary expression.
    pub(super) fn parse_prefix(&mut self, restricted: bool) -> Result<Expr> {
        let token = self.peek();
        match &token.kind {
            TokenKind::Symbol(Symbol::Minus) => {
                self.advance();
                let operand = self.parse_expr_bp(level::UNARY, restricted)?;
                let span = self.span_from(token.span.start);
                Ok(match operand {
                    Expr::Literal(Literal::Number(text), _) => {
                        Expr::Literal(Literal::Number(negate_number(&text)), span)
                    }
                    operand => Expr::Unary {
                        op: UnaryOp::Minus,
                        expr: Box::new(operand),
                        span,
                    },
                })
            }
            TokenKind::Symbol(Symbol::Plus) => {
                self.advance();
                let operand = self.parse_expr_bp(level::UNARY, restricted)?;
                Ok(Expr::Unary {
                    op: UnaryOp::Plus,
                    expr: Box::new(operand),
                    span: self.span_from(token.span.start),
                })
            }
            TokenKind::Symbol(Symbol::Tilde) | TokenKind::Operator(_) => {
                Err(self.unknown_operator(token))
            }
            TokenKind::Word {
                keyword: Some(kw::NOT),
                ..
            } if !restricted => {
                self.advance();
                let operand = self.parse_expr_bp(level::NOT, false)?;
                let span = self.span_from(token.span.start);
                Ok(match operand {
                    Expr::Exists {
                        subquery,
                        negated: false,
                        ..
                    } => Expr::Exists {
                        subquery,
                        negated: true,
                        span,
                    },
                    operand => Expr::Unary {
                        op: UnaryOp::Not,
                        expr: Box::new(operand),
                        span,
                    },
                })
            }
            _ => self.parse_primary(),
        }
    }

    /// Literals, names, function calls, parentheses and the keyword-led forms. Whatever they
    /// bracket is parsed without bare labels.
    fn parse_primary(&mut self) -> Result<Expr> {
        self.without_bare_labels(Self::parse_primary_inner)
    }

    fn parse_primary_inner(&mut self) -> Result<Expr> {
        let token = self.peek();
        let span = token.span;
        match &token.kind {
            TokenKind::Number(text) => {
                self.advance();
                Ok(Expr::Literal(Literal::Number((*text).to_string()), span))
            }
            TokenKind::String { value, national } => {
                self.advance();
                if *national {
                    return Ok(Expr::TypedString {
                        data_type: TypeName {
                            name: "bpchar".to_string(),
                            modifiers: Vec::new(),
                            array_dims: 0,
                            span,
                        },
                        value: value.to_string(),
                        span,
                    });
                }
                Ok(Expr::Literal(Literal::String(value.to_string()), span))
            }
            TokenKind::BitString(_) => Err(self.unsupported("a bit-string literal", span)),
            TokenKind::Parameter(number) => {
                self.advance();
                Ok(Expr::Parameter(*number, span))
            }
            TokenKind::Symbol(Symbol::LeftParen) => self.parse_parenthesized(),
            TokenKind::QuotedIdent(_) | TokenKind::Word { keyword: None, .. } => {
                self.parse_name_expr()
            }
            TokenKind::Word {
                keyword: Some(keyword),
                ..
            } => self.parse_keyword_primary(*keyword),
            _ => Err(self.error_here()),
        }
    }

    fn parse_keyword_primary(&mut self, keyword: Keyword) -> Result<Expr> {
        let span = self.peek().span;
        let followed_by_paren = self.is_symbol_at(1, Symbol::LeftParen);
        match keyword {
            kw::TRUE | kw::FALSE => {
                self.advance();
                Ok(Expr::Literal(Literal::Boolean(keyword == kw::TRUE), span))
            }
            kw::NULL => {
                self.advance();
                Ok(Expr::Literal(Literal::Null, span))
            }
            kw::DEFAULT => {
                self.advance();
                Ok(Expr::Default(span))
            }
            kw::CASE => self.parse_case(),
            kw::CAST => {
                self.advance();
                self.expect_symbol(Symbol::LeftParen)?;
                let expr = self.parse_expr()?;
                self.expect_keyword(kw::AS)?;
                let data_type = self.parse_type_name()?;
                self.expect_symbol(Symbol::RightParen)?;
                Ok(Expr::Cast {
                    expr: Box::new(expr),
                    data_type,
                    span: self.span_from(span.start),
                })
            }
            kw::ARRAY => {
                self.advance();
                if self.eat_symbol(Symbol::LeftParen) {
                    let query = self.parse_query()?;
                    self.expect_symbol(Symbol::RightParen)?;
                    return Ok(Expr::ArraySubquery(
                        Box::new(query),
                        self.span_from(span.start),
                    ));
                }
                self.parse_array_elements(span.start)
            }
            kw::EXISTS if followed_by_paren => {
                self.advance();
                self.advance();
                let subquery = self.parse_query()?;
                self.expect_symbol(Symbol::RightParen)?;
                Ok(Expr::Exists {
                    subquery: Box::new(subquery),
                    negated: false,
                    span: self.span_from(span.start),
                })
            }
            kw::ROW if followed_by_paren => {
                self.advance();
                self.advance();
                let items = if self.is_symbol(Symbol::RightParen) {
                    Vec::new()
                } else {
                    self.comma_separated(Self::parse_expr)?
                };
                self.expect_symbol(Symbol::RightParen)?;
                Ok(Expr::Row(items, self.span_from(span.start)))
            }
            kw::CURRENT_DATE
            | kw::CURRENT_ROLE
            | kw::CURRENT_USER
            | kw::SESSION_USER
            | kw::USER
            | kw::CURRENT_CATALOG => {
                self.advance();
                Ok(special_function(keyword.as_str(), span, Vec::new(), span))
            }
            kw::CURRENT_SCHEMA => {
                self.advance();
                if followed_by_paren {
                    self.advance();
                    self.expect_symbol(Symbol::RightParen)?;
                }
                Ok(special_function(
                    keyword.as_str(),
                    span,
                    Vec::new(),
                    self.span_from(span.start),
                ))
            }
            kw::CURRENT_TIME | kw::CURRENT_TIMESTAMP | kw::LOCALTIME | kw::LOCALTIMESTAMP => {
                self.advance();
                let mut args = Vec::new();
                if self.eat_symbol(Symbol::LeftParen) {
                    let precision = self.peek();
                    if !matches!(precision.kind, TokenKind::Number(_)) {
                        return Err(self.error_here());
                    }
                    args.push(self.parse_primary()?);
                    self.expect_symbol(Symbol::RightParen)?;
                }
                Ok(special_function(
                    keyword.as_str(),
                    span,
                    args,
                    self.span_from(span.start),
                ))
            }
            kw::COALESCE | kw::GREATEST | kw::LEAST | kw::GROUPING if followed_by_paren => {
                self.advance();
                self.advance();
                let args = self.comma_separated(Self::parse_expr)?;
                self.expect_symbol(Symbol::RightParen)?;
                Ok(special_function(
                    keyword.as_str(),
                    span,
                    args,
                    self.span_from(span.start),
                ))
            }
            kw::NULLIF if followed_by_paren => {
                self.advance();
                self.advance();
                let first = self.parse_expr()?;
                self.expect_symbol(Symbol::Comma)?;
                let second = self.parse_expr()?;
                self.expect_symbol(Symbol::RightParen)?;
                Ok(special_function(
                    "nullif",
                    span,
                    vec![first, second],
                    self.span_from(span.start),
                ))
            }
            kw::EXTRACT | kw::POSITION | kw::SUBSTRING | kw::TRIM | kw::OVERLAY
                if followed_by_paren =>
            {
                self.parse_special_syntax_function(keyword)
            }
            kw::TREAT | kw::NORMALIZE | kw::COLLATION
                if followed_by_paren || keyword == kw::COLLATION =>
            {
                Err(self.unsupported(&keyword.as_str().to_ascii_uppercase(), span))
            }
            _ if keyword.as_str().starts_with("xml") && followed_by_paren => {
                Err(self.unsupported("XML functions", span))
            }
            kw::INT
            | kw::INTEGER
            | kw::SMALLINT
            | kw::BIGINT
            | kw::REAL
            | kw::FLOAT
            | kw::DOUBLE
            | kw::DECIMAL
            | kw::DEC
            | kw::NUMERIC
            | kw::BOOLEAN
            | kw::CHAR
            | kw::CHARACTER
            | kw::VARCHAR
            | kw::NATIONAL
            | kw::NCHAR
            | kw::BIT
            | kw::TIMESTAMP
            | kw::TIME
            | kw::INTERVAL => match self.try_typed_literal()? {
                Some(expr) => Ok(expr),
                None => self.parse_name_expr(),
            },
            _ => match keyword.category() {
                Category::Reserved => Err(self.error_here()),
                _ => self.parse_name_expr(),
            },
        }
    }

    /// `type 'string'` for the keyword-spelled types; restores the cursor and returns `None`
    /// when no string follows (then the word is a column name, as in `SELECT timestamp FROM t`).
    fn try_typed_literal(&mut self) -> Result<Option<Expr>> {
        let (index, last_end) = (self.index, self.last_end);
        let start = self.start();
        if let Ok(data_type) = self.parse_simple_type_name()
            && let TokenKind::String {
                value,
                national: false,
            } = &self.peek().kind
        {
            self.advance();
            self.reject_interval_qualifier(&data_type)?;
            return Ok(Some(Expr::TypedString {
                data_type,
                value: value.to_string(),
                span: self.span_from(start),
            }));
        }
        self.index = index;
        self.last_end = last_end;
        Ok(None)
    }

    /// `interval '1' day` would need the field qualifier kept; db001 does not model it.
    fn reject_interval_qualifier(&self, data_type: &TypeName) -> Result<()> {
        if data_type.name == "interval"
            && matches!(
                self.peek_keyword(),
                Some(kw::YEAR | kw::MONTH | kw::DAY | kw::HOUR | kw::MINUTE | kw::SECOND)
            )
        {
            return Err(self.unsupported("an interval field qualifier", self.peek().span));
        }
        Ok(())
    }

    /// A name-led expression: column reference, function call or `type 'string'`.
    fn parse_name_expr(&mut self) -> Result<Expr> {
        let first_token = self.advance();
        let start = first_token.span.start;
        let mut parts = vec![Self::ident_of(first_token)];
        while self.is_symbol(Symbol::Dot) {
            if self.is_symbol_at(1, Symbol::Star) {
                return Err(
                    self.unsupported("a qualified * in this position", self.span_from(start))
                );
            }
            self.advance();
            parts.push(self.expect_col_label()?);
        }
        if self.is_symbol(Symbol::LeftParen) {
            if parts.len() == 1 && !Self::is_type_function_name_token(first_token) {
                return Err(self.error_here());
            }
            let name = self.check_qualified_name(parts)?;
            return self.parse_function_call(name, start);
        }
        if let TokenKind::String {
            value,
            national: false,
        } = &self.peek().kind
            && (parts.len() > 1 || Self::is_type_function_name_token(first_token))
        {
            self.advance();
            let type_span = Span {
                start,
                end: parts[parts.len() - 1].span.end,
            };
            let names = parts.into_iter().map(|part| part.value).collect();
            return Ok(Expr::TypedString {
                data_type: TypeName {
                    name: super::types::qualified_type_name(names),
                    modifiers: Vec::new(),
                    array_dims: 0,
                    span: type_span,
                },
                value: value.to_string(),
                span: self.span_from(start),
            });
        }
        if parts.len() == 1 && !Self::is_col_id_token(first_token) {
            return Err(self.error_here());
        }
        if parts.len() > 3 {
            let text: Vec<String> = parts.iter().map(|part| part.to_string()).collect();
            return Err(Error::feature_not_supported(format!(
                "cross-database references are not implemented: {}",
                text.join(".")
            ))
            .with_position(self.span_from(start).position(self.sql)));
        }
        Ok(Expr::Column(parts))
    }

    /// `CASE [operand] WHEN ... THEN ... [ELSE ...] END`.
    fn parse_case(&mut self) -> Result<Expr> {
        let start = self.advance().span.start;
        let operand = if self.is_keyword(kw::WHEN) {
            None
        } else {
            Some(Box::new(self.parse_expr()?))
        };
        let mut when_then = Vec::new();
        self.expect_keyword(kw::WHEN)?;
        loop {
            let condition = self.parse_expr()?;
            self.expect_keyword(kw::THEN)?;
            let result = self.parse_expr()?;
            when_then.push((condition, result));
            if !self.eat_keyword(kw::WHEN) {
                break;
            }
        }
        let else_result = if self.eat_keyword(kw::ELSE) {
            Some(Box::new(self.parse_expr()?))
        } else {
            None
        };
        self.expect_keyword(kw::END)?;
        Ok(Expr::Case {
            operand,
            when_then,
            else_result,
            span: self.span_from(start),
        })
    }

    /// `[ elements ]` after `ARRAY` (or nested inside it), each element an expression or a
    /// nested bracketed list.
    fn parse_array_elements(&mut self, start: u32) -> Result<Expr> {
        self.expect_symbol(Symbol::LeftBracket)?;
        let mut elements = Vec::new();
        if !self.is_symbol(Symbol::RightBracket) {
            elements = self.comma_separated(|parser| {
                if parser.is_symbol(Symbol::LeftBracket) {
                    let start = parser.start();
                    parser.nested(|parser| parser.parse_array_elements(start))
                } else {
                    parser.parse_expr()
                }
            })?;
        }
        self.expect_symbol(Symbol::RightBracket)?;
        Ok(Expr::Array(elements, self.span_from(start)))
    }

    /// `( ... )` in an expression: a subquery, a row constructor, or a parenthesised
    /// expression.
    fn parse_parenthesized(&mut self) -> Result<Expr> {
        let start = self.advance().span.start;
        if self.at_query_start() {
            let subquery = self.parse_query()?;
            self.expect_symbol(Symbol::RightParen)?;
            return self
                .after_parenthesized(Expr::Subquery(Box::new(subquery), self.span_from(start)));
        }
        let first = self.parse_expr()?;
        if self.is_symbol(Symbol::Comma) {
            let mut items = vec![first];
            while self.eat_symbol(Symbol::Comma) {
                items.push(self.parse_expr()?);
            }
            self.expect_symbol(Symbol::RightParen)?;
            return Ok(Expr::Row(items, self.span_from(start)));
        }
        // `((SELECT 1) UNION (SELECT 2))`: the first operand parsed as a scalar subquery turns
        // out to begin a set operation or a query tail.
        if let Expr::Subquery(query, _) = &first
            && self.at_query_continuation()
        {
            let query = self.continue_query_after_parenthesized((**query).clone(), start)?;
            self.expect_symbol(Symbol::RightParen)?;
            return Ok(Expr::Subquery(Box::new(query), self.span_from(start)));
        }
        self.expect_symbol(Symbol::RightParen)?;
        self.after_parenthesized(Expr::Nested(Box::new(first), self.span_from(start)))
    }

    /// `(subquery).field` selects a field of a composite subquery result, which db001 does
    /// not model; `(expr).field` is parsed as an infix (see `expr.rs`).
    fn after_parenthesized(&self, expr: Expr) -> Result<Expr> {
        if matches!(expr, Expr::Subquery(..)) && self.is_symbol(Symbol::Dot) {
            return Err(self.unsupported("field selection from a subquery", expr.span()));
        }
        Ok(expr)
    }

    /// Whether a scalar subquery just parsed continues as a query (`UNION`, `ORDER BY`, ...).
    fn at_query_continuation(&self) -> bool {
        matches!(
            self.peek_keyword(),
            Some(
                kw::UNION
                    | kw::INTERSECT
                    | kw::EXCEPT
                    | kw::ORDER
                    | kw::LIMIT
                    | kw::OFFSET
                    | kw::FETCH
                    | kw::FOR
            )
        )
    }
}

/// `-` applied to a numeric literal's text.
fn negate_number(text: &str) -> String {
    match text.strip_prefix('-') {
        Some(positive) => positive.to_string(),
        None => format!("-{text}"),
    }
}
