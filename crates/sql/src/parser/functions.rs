//! Function calls: the general form with `DISTINCT`, `*`, `ORDER BY` in the arguments,
//! `FILTER (WHERE ...)` and `OVER (...)` window specifications, and the SQL-standard functions
//! whose arguments are separated by keywords (`EXTRACT(year FROM x)`, `POSITION(a IN b)`,
//! `SUBSTRING(x FROM a FOR b)`, `TRIM(LEADING x FROM y)`, `OVERLAY(...)`), which become plain
//! calls with the arguments in the order PostgreSQL's functions take them, named as PostgreSQL
//! names them (`TRIM(LEADING ...)` is `ltrim`).

use db001_common::Result;

use super::Parser;
use crate::ast::{
    Expr, FunctionCall, Literal, ObjectName, OrderByExpr, Span, WindowFrame, WindowFrameBound,
    WindowFrameUnits, WindowSpec,
};
use crate::keywords::{Keyword, kw};
use crate::lexer::{Symbol, TokenKind};

impl Parser<'_, '_> {
    /// `name ( [DISTINCT] args [ORDER BY ...] ) [FILTER (WHERE ...)] [OVER (...)]`; the cursor
    /// is at the opening parenthesis.
    pub(super) fn parse_function_call(&mut self, name: ObjectName, start: u32) -> Result<Expr> {
        self.expect_symbol(Symbol::LeftParen)?;
        let mut call = FunctionCall {
            name,
            args: Vec::new(),
            star: false,
            distinct: false,
            order_by: Vec::new(),
            filter: None,
            over: None,
            span: Span::default(),
        };
        if self.eat_symbol(Symbol::Star) {
            call.star = true;
        } else if !self.is_symbol(Symbol::RightParen) {
            if self.eat_keyword(kw::DISTINCT) {
                call.distinct = true;
            } else {
                self.eat_keyword(kw::ALL);
            }
            call.args = self.comma_separated(Self::parse_function_argument)?;
            if self.eat_keywords(&[kw::ORDER, kw::BY]) {
                call.order_by = self.comma_separated(Self::parse_order_by_expr)?;
            }
        }
        self.expect_symbol(Symbol::RightParen)?;
        if self.is_keyword(kw::WITHIN) {
            return Err(self.unsupported("WITHIN GROUP", self.peek().span));
        }
        if self.is_keyword(kw::FILTER) && self.is_symbol_at(1, Symbol::LeftParen) {
            self.advance();
            self.advance();
            self.expect_keyword(kw::WHERE)?;
            call.filter = Some(Box::new(self.parse_expr()?));
            self.expect_symbol(Symbol::RightParen)?;
        }
        if self.is_keyword(kw::OVER) {
            self.advance();
            call.over = Some(self.parse_window_spec()?);
        }
        call.span = self.span_from(start);
        Ok(Expr::Function(Box::new(call)))
    }

    fn parse_function_argument(&mut self) -> Result<Expr> {
        if self.is_keyword(kw::VARIADIC) {
            return Err(self.unsupported("VARIADIC", self.peek().span));
        }
        if Self::is_col_label_token(self.peek())
            && (self.is_symbol_at(1, Symbol::EqualsGreater)
                || self.is_symbol_at(1, Symbol::ColonEquals))
        {
            return Err(self.unsupported("a named function argument", self.peek().span));
        }
        self.parse_expr()
    }

    /// `( [PARTITION BY ...] [ORDER BY ...] [frame] )` after `OVER`.
    fn parse_window_spec(&mut self) -> Result<WindowSpec> {
        if !self.is_symbol(Symbol::LeftParen) {
            return Err(if Self::is_col_id_token(self.peek()) {
                self.unsupported("a named window", self.peek().span)
            } else {
                self.error_here()
            });
        }
        self.advance();
        if Self::is_col_id_token(self.peek())
            && !matches!(
                self.peek_keyword(),
                Some(kw::PARTITION | kw::ROWS | kw::RANGE | kw::GROUPS)
            )
        {
            return Err(self.unsupported("a named window", self.peek().span));
        }
        let mut spec = WindowSpec {
            partition_by: Vec::new(),
            order_by: Vec::new(),
            frame: None,
        };
        if self.eat_keywords(&[kw::PARTITION, kw::BY]) {
            spec.partition_by = self.comma_separated(Self::parse_expr)?;
        }
        if self.eat_keywords(&[kw::ORDER, kw::BY]) {
            spec.order_by = self.comma_separated(Self::parse_order_by_expr)?;
        }
        let units = match self.peek_keyword() {
            Some(kw::ROWS) => Some(WindowFrameUnits::Rows),
            Some(kw::RANGE) => Some(WindowFrameUnits::Range),
            Some(kw::GROUPS) => Some(WindowFrameUnits::Groups),
            _ => None,
        };
        if let Some(units) = units {
            self.advance();
            let (start, end) = if self.eat_keyword(kw::BETWEEN) {
                let start = self.parse_frame_bound()?;
                self.expect_keyword(kw::AND)?;
                (start, Some(self.parse_frame_bound()?))
            } else {
                (self.parse_frame_bound()?, None)
            };
            if self.is_keyword(kw::EXCLUDE) {
                return Err(self.unsupported("a window frame EXCLUDE clause", self.peek().span));
            }
            spec.frame = Some(WindowFrame { units, start, end });
        }
        self.expect_symbol(Symbol::RightParen)?;
        Ok(spec)
    }

    fn parse_frame_bound(&mut self) -> Result<WindowFrameBound> {
        if self.eat_keywords(&[kw::UNBOUNDED, kw::PRECEDING]) {
            return Ok(WindowFrameBound::UnboundedPreceding);
        }
        if self.eat_keywords(&[kw::UNBOUNDED, kw::FOLLOWING]) {
            return Ok(WindowFrameBound::UnboundedFollowing);
        }
        if self.eat_keywords(&[kw::CURRENT, kw::ROW]) {
            return Ok(WindowFrameBound::CurrentRow);
        }
        let offset = Box::new(self.parse_expr()?);
        if self.eat_keyword(kw::PRECEDING) {
            Ok(WindowFrameBound::Preceding(offset))
        } else {
            self.expect_keyword(kw::FOLLOWING)?;
            Ok(WindowFrameBound::Following(offset))
        }
    }

    /// `expr [ASC | DESC] [NULLS { FIRST | LAST }]`.
    pub(super) fn parse_order_by_expr(&mut self) -> Result<OrderByExpr> {
        let expr = self.parse_expr()?;
        self.parse_ordering(expr)
    }

    pub(super) fn parse_ordering(&mut self, expr: Expr) -> Result<OrderByExpr> {
        let asc = if self.eat_keyword(kw::ASC) {
            Some(true)
        } else if self.eat_keyword(kw::DESC) {
            Some(false)
        } else if self.is_keyword(kw::USING) {
            return Err(self.unsupported("ORDER BY ... USING", self.peek().span));
        } else {
            None
        };
        let nulls_first = if self.eat_keyword(kw::NULLS) {
            if self.eat_keyword(kw::FIRST) {
                Some(true)
            } else {
                self.expect_keyword(kw::LAST)?;
                Some(false)
            }
        } else {
            None
        };
        Ok(OrderByExpr {
            expr,
            asc,
            nulls_first,
        })
    }

    /// EXTRACT, POSITION, SUBSTRING, TRIM and OVERLAY with their keyword-separated arguments,
    /// rewritten to plain calls with arguments in the order PostgreSQL's functions take them.
    pub(super) fn parse_special_syntax_function(&mut self, keyword: Keyword) -> Result<Expr> {
        let name_span = self.advance().span;
        self.advance();
        let mut name = keyword.as_str();
        let args = match keyword {
            kw::EXTRACT => {
                // PostgreSQL's extract_arg: an identifier, one of six keywords, or a string.
                let field_token = self.peek();
                let field = match &field_token.kind {
                    TokenKind::String {
                        value,
                        national: false,
                    } => value.to_string(),
                    TokenKind::QuotedIdent(_) | TokenKind::Word { keyword: None, .. } => {
                        Self::ident_of(field_token).value
                    }
                    TokenKind::Word {
                        keyword:
                            Some(kw::YEAR | kw::MONTH | kw::DAY | kw::HOUR | kw::MINUTE | kw::SECOND),
                        ..
                    } => Self::ident_of(field_token).value,
                    _ => return Err(self.error_here()),
                };
                self.advance();
                self.expect_keyword(kw::FROM)?;
                let source = self.parse_expr()?;
                vec![
                    Expr::Literal(Literal::String(field), field_token.span),
                    source,
                ]
            }
            kw::POSITION => {
                if self.is_symbol(Symbol::RightParen) {
                    Vec::new()
                } else {
                    let needle = self.parse_restricted_expr()?;
                    self.expect_keyword(kw::IN)?;
                    let haystack = self.parse_restricted_expr()?;
                    vec![haystack, needle]
                }
            }
            kw::SUBSTRING => self.parse_substring_arguments()?,
            kw::TRIM => {
                name = if self.eat_keyword(kw::LEADING) {
                    "ltrim"
                } else if self.eat_keyword(kw::TRAILING) {
                    "rtrim"
                } else {
                    self.eat_keyword(kw::BOTH);
                    "btrim"
                };
                if self.eat_keyword(kw::FROM) {
                    self.comma_separated(Self::parse_expr)?
                } else {
                    let first = self.parse_expr()?;
                    if self.eat_keyword(kw::FROM) {
                        let mut args = self.comma_separated(Self::parse_expr)?;
                        args.push(first);
                        args
                    } else {
                        let mut args = vec![first];
                        while self.eat_symbol(Symbol::Comma) {
                            args.push(self.parse_expr()?);
                        }
                        args
                    }
                }
            }
            _ => {
                // OVERLAY(a PLACING b FROM c [FOR d]) or plain arguments.
                let mut args = Vec::new();
                if !self.is_symbol(Symbol::RightParen) {
                    args.push(self.parse_expr()?);
                    if self.eat_keyword(kw::PLACING) {
                        args.push(self.parse_expr()?);
                        self.expect_keyword(kw::FROM)?;
                        args.push(self.parse_expr()?);
                        if self.eat_keyword(kw::FOR) {
                            args.push(self.parse_expr()?);
                        }
                    } else {
                        while self.eat_symbol(Symbol::Comma) {
                            args.push(self.parse_expr()?);
                        }
                    }
                }
                args
            }
        };
        self.expect_symbol(Symbol::RightParen)?;
        Ok(special_function(
            name,
            name_span,
            args,
            self.span_from(name_span.start),
        ))
    }

    /// SUBSTRING's argument forms: `x FROM a [FOR b]`, `x FOR b [FROM a]`, or a plain list.
    fn parse_substring_arguments(&mut self) -> Result<Vec<Expr>> {
        if self.is_symbol(Symbol::RightParen) {
            return Ok(Vec::new());
        }
        let source = self.parse_expr()?;
        if self.eat_keyword(kw::FROM) {
            let from = self.parse_expr()?;
            let mut args = vec![source, from];
            if self.eat_keyword(kw::FOR) {
                args.push(self.parse_expr()?);
            }
            return Ok(args);
        }
        if self.is_keyword(kw::FOR) {
            let for_span = self.advance().span;
            let count = self.parse_expr()?;
            let from = if self.eat_keyword(kw::FROM) {
                self.parse_expr()?
            } else {
                Expr::Literal(Literal::Number("1".to_string()), for_span)
            };
            return Ok(vec![source, from, count]);
        }
        if self.is_keyword(kw::SIMILAR) {
            return Err(self.unsupported("SUBSTRING ... SIMILAR", self.peek().span));
        }
        let mut args = vec![source];
        while self.eat_symbol(Symbol::Comma) {
            args.push(self.parse_expr()?);
        }
        Ok(args)
    }
}

/// A call to a function with special syntax, named after the keyword.
pub(super) fn special_function(name: &str, name_span: Span, args: Vec<Expr>, span: Span) -> Expr {
    Expr::Function(Box::new(FunctionCall {
        name: ObjectName {
            parts: vec![crate::ast::Ident {
                value: name.to_string(),
                span: name_span,
            }],
        },
        args,
        star: false,
        distinct: false,
        order_by: Vec::new(),
        filter: None,
        over: None,
        span,
    }))
}
