//! Expressions: precedence climbing over PostgreSQL's operator table.
//!
//! The levels, loosest first, are those of PostgreSQL's `gram.y` (and the "Operator
//! Precedence" table of its documentation):
//!
//! | level | operators | associativity |
//! | --- | --- | --- |
//! | 1 | `OR` | left |
//! | 2 | `AND` | left |
//! | 3 | `NOT` (prefix) | right |
//! | 4 | `IS ...`, `ISNULL`, `NOTNULL` | non-associative |
//! | 5 | `< > = <= >= <>` | non-associative |
//! | 6 | `BETWEEN`, `IN`, `LIKE`, `ILIKE`, `SIMILAR` (and `NOT` forms) | non-associative |
//! | 8 | any other operator: `\|\|`, `~`, `->`, `&`, `OPERATOR(...)`, ... | left |
//! | 9 | `+ -` | left |
//! | 10 | `* / %` | left |
//! | 11 | `^` | left |
//! | 12 | `AT TIME ZONE` | left |
//! | 13 | `COLLATE` | left |
//! | 14 | unary `+ -` | right |
//! | 15 | `[ ]` subscript | left |
//! | 17 | `::` cast | left |
//!
//! Non-associative means what it means to bison: `a = b = c` is a syntax error at the second
//! `=`, while postfix tests chain (`x IS NULL IS NULL` is fine).
//!
//! Two PostgreSQL behaviours shape the loop. A keyword operator (`AND`, `IS`, `LIKE`, ...)
//! followed by something that cannot continue it ends the expression instead, so the caller can
//! take the word as a column alias: PostgreSQL runs `SELECT 1 and` and names the column `and`.
//! And a unary minus applied directly to a numeric literal is folded into it, as PostgreSQL's
//! grammar does, so `-2147483648` is a single int4 literal.

use db001_common::{Error, Result, SqlState};

use super::Parser;
use crate::ast::{BinaryOp, Expr, FunctionCall, IsTest, ObjectName, Span};
use crate::keywords::{Category, Keyword, kw};
use crate::lexer::{Symbol, Token, TokenKind};

/// Chains of up to this many `AND` (or `OR`) operands are built left-deep; longer ones are
/// balanced (see the parser's module documentation).
pub(crate) const BOOLEAN_CHAIN_LEFT_DEEP_MAX: usize = 16;

/// Binding powers, loosest first.
pub(crate) mod level {
    pub const OR: u8 = 1;
    pub const AND: u8 = 2;
    pub const NOT: u8 = 3;
    pub const IS: u8 = 4;
    pub const COMPARISON: u8 = 5;
    pub const PATTERN: u8 = 6;
    pub const OTHER: u8 = 8;
    pub const ADDITIVE: u8 = 9;
    pub const MULTIPLICATIVE: u8 = 10;
    pub const EXPONENT: u8 = 11;
    pub const AT: u8 = 12;
    pub const COLLATE: u8 = 13;
    pub const UNARY: u8 = 14;
    pub const SUBSCRIPT: u8 = 15;
    pub const CAST: u8 = 17;
}

/// The level of a binary operator.
pub(crate) fn binary_level(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => level::OR,
        BinaryOp::And => level::AND,
        BinaryOp::Eq
        | BinaryOp::NotEq
        | BinaryOp::Lt
        | BinaryOp::LtEq
        | BinaryOp::Gt
        | BinaryOp::GtEq => level::COMPARISON,
        BinaryOp::Plus | BinaryOp::Minus => level::ADDITIVE,
        BinaryOp::Multiply | BinaryOp::Divide | BinaryOp::Modulo => level::MULTIPLICATIVE,
        BinaryOp::Exponent => level::EXPONENT,
        BinaryOp::Concat
        | BinaryOp::RegexMatch { .. }
        | BinaryOp::JsonGet
        | BinaryOp::JsonGetText
        | BinaryOp::JsonPath
        | BinaryOp::JsonPathText
        | BinaryOp::Contains
        | BinaryOp::ContainedBy
        | BinaryOp::BitAnd
        | BinaryOp::BitOr
        | BinaryOp::BitXor
        | BinaryOp::ShiftLeft
        | BinaryOp::ShiftRight => level::OTHER,
    }
}

/// The binary operator an operator symbol stands for.
fn binary_op_of(symbol: Symbol) -> Option<BinaryOp> {
    Some(match symbol {
        Symbol::Plus => BinaryOp::Plus,
        Symbol::Minus => BinaryOp::Minus,
        Symbol::Star => BinaryOp::Multiply,
        Symbol::Slash => BinaryOp::Divide,
        Symbol::Percent => BinaryOp::Modulo,
        Symbol::Caret => BinaryOp::Exponent,
        Symbol::Equals => BinaryOp::Eq,
        Symbol::NotEquals => BinaryOp::NotEq,
        Symbol::Less => BinaryOp::Lt,
        Symbol::LessEquals => BinaryOp::LtEq,
        Symbol::Greater => BinaryOp::Gt,
        Symbol::GreaterEquals => BinaryOp::GtEq,
        Symbol::Concat => BinaryOp::Concat,
        Symbol::Tilde => BinaryOp::RegexMatch {
            case_insensitive: false,
            negated: false,
        },
        Symbol::TildeStar => BinaryOp::RegexMatch {
            case_insensitive: true,
            negated: false,
        },
        Symbol::NotTilde => BinaryOp::RegexMatch {
            case_insensitive: false,
            negated: true,
        },
        Symbol::NotTildeStar => BinaryOp::RegexMatch {
            case_insensitive: true,
            negated: true,
        },
        Symbol::Arrow => BinaryOp::JsonGet,
        Symbol::LongArrow => BinaryOp::JsonGetText,
        Symbol::Ampersand => BinaryOp::BitAnd,
        Symbol::Pipe => BinaryOp::BitOr,
        Symbol::Hash => BinaryOp::BitXor,
        Symbol::ShiftLeft => BinaryOp::ShiftLeft,
        Symbol::ShiftRight => BinaryOp::ShiftRight,
        _ => return None,
    })
}

/// The operators the lexer leaves as operator runs (no symbol of their own).
fn binary_op_of_operator(text: &str) -> Option<BinaryOp> {
    Some(match text {
        "#>" => BinaryOp::JsonPath,
        "#>>" => BinaryOp::JsonPathText,
        "@>" => BinaryOp::Contains,
        "<@" => BinaryOp::ContainedBy,
        _ => return None,
    })
}

/// The binary operator spelled `text` inside `OPERATOR(...)`.
fn binary_op_of_text(text: &str) -> Option<BinaryOp> {
    if let Some(op) = binary_op_of_operator(text) {
        return Some(op);
    }
    let symbol = match text {
        "+" => Symbol::Plus,
        "-" => Symbol::Minus,
        "*" => Symbol::Star,
        "/" => Symbol::Slash,
        "%" => Symbol::Percent,
        "^" => Symbol::Caret,
        "=" => Symbol::Equals,
        "<>" | "!=" => Symbol::NotEquals,
        "<" => Symbol::Less,
        "<=" => Symbol::LessEquals,
        ">" => Symbol::Greater,
        ">=" => Symbol::GreaterEquals,
        "||" => Symbol::Concat,
        "~" => Symbol::Tilde,
        "~*" => Symbol::TildeStar,
        "!~" => Symbol::NotTilde,
        "!~*" => Symbol::NotTildeStar,
        "->" => Symbol::Arrow,
        "->>" => Symbol::LongArrow,
        "&" => Symbol::Ampersand,
        "|" => Symbol::Pipe,
        "#" => Symbol::Hash,
        "<<" => Symbol::ShiftLeft,
        ">>" => Symbol::ShiftRight,
        _ => return None,
    };
    binary_op_of(symbol)
}

/// An infix or postfix construct the loop may apply to the expression so far.
#[derive(Debug, Clone, Copy)]
enum Infix {
    Binary(BinaryOp),
    /// An operator db001 does not implement.
    Unknown,
    /// `OPERATOR(schema.op)` naming a known operator (`None`: an unknown one).
    OperatorKeyword(Option<BinaryOp>),
    And,
    Or,
    Is,
    /// `ISNULL` (false) or `NOTNULL` (true).
    IsNull(bool),
    Between(bool),
    In(bool),
    Like {
        negated: bool,
        ilike: bool,
    },
    Similar,
    Cast,
    Subscript,
    /// `(expr).field` / `(expr).*`.
    Field,
    Collate,
    AtTimeZone,
}

impl Infix {
    fn level(self) -> u8 {
        match self {
            Infix::Binary(op) => binary_level(op),
            Infix::OperatorKeyword(Some(op)) => binary_level(op),
            Infix::Unknown | Infix::OperatorKeyword(None) => level::OTHER,
            Infix::And => level::AND,
            Infix::Or => level::OR,
            Infix::Is | Infix::IsNull(_) => level::IS,
            Infix::Between(_) | Infix::In(_) | Infix::Like { .. } | Infix::Similar => {
                level::PATTERN
            }
            Infix::Cast => level::CAST,
            Infix::Subscript | Infix::Field => level::SUBSCRIPT,
            Infix::Collate => level::COLLATE,
            Infix::AtTimeZone => level::AT,
        }
    }
}

/// The keywords that may follow `IS`.
fn is_test_keyword(keyword: Option<Keyword>) -> bool {
    matches!(
        keyword,
        Some(
            kw::NULL
                | kw::NOT
                | kw::TRUE
                | kw::FALSE
                | kw::UNKNOWN
                | kw::DISTINCT
                | kw::DOCUMENT
                | kw::NORMALIZED
                | kw::NFC
                | kw::NFD
                | kw::NFKC
                | kw::NFKD
                | kw::OF
        )
    )
}

fn span_between(left: &Expr, right_end: u32) -> Span {
    Span {
        start: left.span().start,
        end: right_end,
    }
}

fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    let span = Span {
        start: left.span().start,
        end: right.span().end,
    };
    Expr::Binary {
        op,
        left: Box::new(left),
        right: Box::new(right),
        span,
    }
}

/// Builds an `AND`/`OR` chain: left-deep when short, balanced halves when long. The shape
/// depends only on the number of operands, so printing and re-parsing reproduces it.
fn build_boolean_chain(op: BinaryOp, mut operands: Vec<Expr>) -> Expr {
    if operands.len() <= BOOLEAN_CHAIN_LEFT_DEEP_MAX {
        let mut iter = operands.into_iter();
        let first = iter.next().expect("a chain has at least one operand");
        iter.fold(first, |left, right| binary(op, left, right))
    } else {
        let right = operands.split_off(operands.len() / 2);
        binary(
            op,
            build_boolean_chain(op, operands),
            build_boolean_chain(op, right),
        )
    }
}

/// The number of levels [`build_boolean_chain`] adds above its operands.
fn boolean_chain_depth(operands: usize) -> usize {
    if operands <= BOOLEAN_CHAIN_LEFT_DEEP_MAX {
        operands.saturating_sub(1)
    } else {
        let left = operands / 2;
        1 + boolean_chain_depth(left).max(boolean_chain_depth(operands - left))
    }
}

impl Parser<'_, '_> {
    /// `a_expr`: any expression.
    pub(crate) fn parse_expr(&mut self) -> Result<Expr> {
        self.parse_expr_bp(0, false)
    }

    /// PostgreSQL's `b_expr`, used where a following keyword would otherwise be swallowed
    /// (`DEFAULT 0 NOT NULL`): no boolean operators, `IS` tests, pattern matching or `COLLATE`.
    pub(super) fn parse_restricted_expr(&mut self) -> Result<Expr> {
        self.parse_expr_bp(0, true)
    }

    /// Runs `parse` where keyword operators cannot end the expression (inside brackets).
    pub(super) fn without_bare_labels<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<T>,
    ) -> Result<T> {
        let saved = std::mem::replace(&mut self.bare_label_allowed, false);
        let result = parse(self);
        self.bare_label_allowed = saved;
        result
    }

    /// A select item's expression: keyword operators with nothing after them end it.
    pub(super) fn parse_select_item_expr(&mut self) -> Result<Expr> {
        let saved = std::mem::replace(&mut self.bare_label_allowed, true);
        let result = self.parse_expr();
        self.bare_label_allowed = saved;
        result
    }

    /// An expression whose operators all bind at least as tightly as `min`.
    pub(super) fn parse_expr_bp(&mut self, min: u8, restricted: bool) -> Result<Expr> {
        self.nested(|parser| parser.expr_loop(min, restricted))
    }

    fn expr_loop(&mut self, min: u8, restricted: bool) -> Result<Expr> {
        let outer = self.begin_chain();
        let mut expr = self.parse_prefix(restricted)?;
        let mut links = 0usize;
        // The level of a non-associative operator just applied with an expression on its
        // right: another operator of that level right after it is a syntax error.
        let mut non_associative: Option<u8> = None;
        while let Some(infix) = self.peek_infix(restricted) {
            let infix_level = infix.level();
            if infix_level < min {
                break;
            }
            if non_associative == Some(infix_level) {
                return Err(self.error_here());
            }
            let (next, added, blocks) = self.parse_infix(expr, infix, restricted)?;
            expr = next;
            links += added;
            self.check_chain(links)?;
            non_associative = blocks.then_some(infix_level);
        }
        self.end_chain(outer, links);
        Ok(expr)
    }

    /// Whether the token at `offset` can begin an operand.
    pub(super) fn operand_follows(&self, offset: usize) -> bool {
        let token = self.peek_nth(offset);
        match &token.kind {
            TokenKind::Number(_)
            | TokenKind::String { .. }
            | TokenKind::BitString(_)
            | TokenKind::Parameter(_)
            | TokenKind::QuotedIdent(_)
            | TokenKind::Operator(_) => true,
            TokenKind::Symbol(symbol) => matches!(
                symbol,
                Symbol::LeftParen | Symbol::Plus | Symbol::Minus | Symbol::Tilde
            ),
            TokenKind::Word { keyword: None, .. } => true,
            TokenKind::Word {
                keyword: Some(keyword),
                ..
            } => {
                keyword.category() != Category::Reserved
                    || matches!(
                        *keyword,
                        kw::NOT
                            | kw::NULL
                            | kw::TRUE
                            | kw::FALSE
                            | kw::CASE
                            | kw::CAST
                            | kw::ARRAY
                            | kw::DEFAULT
                            | kw::CURRENT_DATE
                            | kw::CURRENT_TIME
                            | kw::CURRENT_TIMESTAMP
                            | kw::CURRENT_USER
                            | kw::CURRENT_ROLE
                            | kw::CURRENT_CATALOG
                            | kw::SESSION_USER
                            | kw::USER
                            | kw::LOCALTIME
                            | kw::LOCALTIMESTAMP
                    )
            }
            TokenKind::Other(_) | TokenKind::Eof => false,
        }
    }

    fn peek_infix(&self, restricted: bool) -> Option<Infix> {
        let token = self.peek();
        match &token.kind {
            TokenKind::Symbol(Symbol::DoubleColon) => Some(Infix::Cast),
            TokenKind::Symbol(Symbol::LeftBracket) => Some(Infix::Subscript),
            TokenKind::Symbol(Symbol::Dot) => Some(Infix::Field),
            TokenKind::Symbol(symbol) => binary_op_of(*symbol).map(Infix::Binary),
            TokenKind::Operator(text) => {
                Some(binary_op_of_operator(text).map_or(Infix::Unknown, Infix::Binary))
            }
            TokenKind::Word {
                keyword: Some(keyword),
                ..
            } => self.peek_keyword_infix(*keyword, restricted),
            _ => None,
        }
    }

    fn peek_keyword_infix(&self, keyword: Keyword, restricted: bool) -> Option<Infix> {
        let next = Self::keyword_of(self.peek_nth(1));
        // Outside a select item a keyword operator is always an operator.
        let operand_follows = !self.bare_label_allowed || self.operand_follows(1);
        if keyword == kw::IS {
            // `b_expr` keeps only `IS [NOT] DISTINCT FROM`.
            let distinct = next == Some(kw::DISTINCT)
                || (next == Some(kw::NOT) && self.is_keyword_at(2, kw::DISTINCT));
            let test_follows = !self.bare_label_allowed || is_test_keyword(next);
            return (test_follows && (!restricted || distinct)).then_some(Infix::Is);
        }
        if keyword == kw::OPERATOR {
            return self
                .is_symbol_at(1, Symbol::LeftParen)
                .then(|| Infix::OperatorKeyword(self.peek_operator_keyword_op()));
        }
        if restricted {
            return None;
        }
        match keyword {
            kw::AND => operand_follows.then_some(Infix::And),
            kw::OR => operand_follows.then_some(Infix::Or),
            kw::ISNULL => Some(Infix::IsNull(false)),
            kw::NOTNULL => Some(Infix::IsNull(true)),
            kw::NOT => match next {
                Some(kw::BETWEEN) => Some(Infix::Between(true)),
                Some(kw::IN) => Some(Infix::In(true)),
                Some(kw::LIKE) => Some(Infix::Like {
                    negated: true,
                    ilike: false,
                }),
                Some(kw::ILIKE) => Some(Infix::Like {
                    negated: true,
                    ilike: true,
                }),
                Some(kw::SIMILAR) => Some(Infix::Similar),
                _ => None,
            },
            kw::BETWEEN => (operand_follows
                || matches!(next, Some(kw::SYMMETRIC | kw::ASYMMETRIC)))
            .then_some(Infix::Between(false)),
            kw::IN => (!self.bare_label_allowed || self.is_symbol_at(1, Symbol::LeftParen))
                .then_some(Infix::In(false)),
            kw::LIKE | kw::ILIKE => operand_follows.then_some(Infix::Like {
                negated: false,
                ilike: keyword == kw::ILIKE,
            }),
            kw::SIMILAR => (next == Some(kw::TO)).then_some(Infix::Similar),
            kw::COLLATE => (!self.bare_label_allowed || Self::is_col_label_token(self.peek_nth(1)))
                .then_some(Infix::Collate),
            kw::AT => (next == Some(kw::TIME) && self.is_keyword_at(2, kw::ZONE))
                .then_some(Infix::AtTimeZone),
            _ => None,
        }
    }

    /// Applies `infix` to `left`. Returns the new expression, the tree levels it added, and
    /// whether a non-associative operator now blocks another of its level.
    fn parse_infix(
        &mut self,
        left: Expr,
        infix: Infix,
        restricted: bool,
    ) -> Result<(Expr, usize, bool)> {
        let operator_token = self.peek();
        match infix {
            Infix::Binary(op) => {
                self.advance();
                let expr = self.parse_binary_right(left, op, restricted)?;
                // `a = ANY (...)` takes an operator's precedence in PostgreSQL's grammar, so
                // another comparison may follow it; a plain comparison may not.
                let blocks =
                    binary_level(op) == level::COMPARISON && !matches!(expr, Expr::AnyAll { .. });
                Ok((expr, 1, blocks))
            }
            Infix::Unknown => Err(self.unknown_operator(operator_token)),
            Infix::OperatorKeyword(_) => {
                let op = self.parse_operator_keyword()?;
                let expr = self.parse_binary_right(left, op, restricted)?;
                let blocks =
                    binary_level(op) == level::COMPARISON && !matches!(expr, Expr::AnyAll { .. });
                Ok((expr, 1, blocks))
            }
            Infix::And | Infix::Or => {
                let (op, keyword, chain_level) = if matches!(infix, Infix::And) {
                    (BinaryOp::And, kw::AND, level::AND)
                } else {
                    (BinaryOp::Or, kw::OR, level::OR)
                };
                let mut operands = vec![left];
                while self.is_keyword(keyword)
                    && (!self.bare_label_allowed || self.operand_follows(1))
                {
                    self.advance();
                    operands.push(self.parse_expr_bp(chain_level + 1, restricted)?);
                }
                let depth = boolean_chain_depth(operands.len());
                Ok((build_boolean_chain(op, operands), depth, false))
            }
            Infix::Is => self.parse_is(left),
            Infix::IsNull(negated) => {
                self.advance();
                let span = self.span_from(left.span().start);
                let expr = Expr::Is {
                    expr: Box::new(left),
                    negated,
                    test: IsTest::Null,
                    span,
                };
                Ok((expr, 1, false))
            }
            Infix::Between(negated) => {
                if negated {
                    self.advance();
                }
                self.advance();
                if self.is_keyword(kw::SYMMETRIC) {
                    return Err(self.unsupported("BETWEEN SYMMETRIC", self.peek().span));
                }
                self.eat_keyword(kw::ASYMMETRIC);
                let low = self.parse_restricted_expr()?;
                self.expect_keyword(kw::AND)?;
                let high = self.parse_expr_bp(level::PATTERN + 1, restricted)?;
                let span = span_between(&left, high.span().end);
                let expr = Expr::Between {
                    expr: Box::new(left),
                    negated,
                    low: Box::new(low),
                    high: Box::new(high),
                    span,
                };
                Ok((expr, 1, true))
            }
            Infix::In(negated) => {
                if negated {
                    self.advance();
                }
                self.advance();
                self.expect_symbol(Symbol::LeftParen)?;
                let expr = if self.at_query_start() {
                    let subquery = self.parse_query()?;
                    self.expect_symbol(Symbol::RightParen)?;
                    Expr::InSubquery {
                        span: self.span_from(left.span().start),
                        expr: Box::new(left),
                        subquery: Box::new(subquery),
                        negated,
                    }
                } else {
                    let list = self.comma_separated(Self::parse_expr)?;
                    self.expect_symbol(Symbol::RightParen)?;
                    Expr::InList {
                        span: self.span_from(left.span().start),
                        expr: Box::new(left),
                        list,
                        negated,
                    }
                };
                Ok((expr, 1, false))
            }
            Infix::Like { negated, ilike } => {
                if negated {
                    self.advance();
                }
                self.advance();
                if matches!(self.peek_keyword(), Some(kw::ANY | kw::ALL | kw::SOME)) {
                    return Err(self.unsupported("LIKE with ANY or ALL", self.peek().span));
                }
                let pattern = self.parse_expr_bp(level::PATTERN + 1, restricted)?;
                let escape = if self.eat_keyword(kw::ESCAPE) {
                    Some(Box::new(
                        self.parse_expr_bp(level::PATTERN + 1, restricted)?,
                    ))
                } else {
                    None
                };
                let expr = Expr::Like {
                    span: self.span_from(left.span().start),
                    expr: Box::new(left),
                    pattern: Box::new(pattern),
                    escape,
                    negated,
                    case_insensitive: ilike,
                };
                Ok((expr, 1, true))
            }
            Infix::Similar => Err(self.unsupported("SIMILAR TO", operator_token.span)),
            Infix::Cast => {
                self.advance();
                let data_type = self.parse_type_name()?;
                let expr = Expr::Cast {
                    span: self.span_from(left.span().start),
                    expr: Box::new(left),
                    data_type,
                };
                Ok((expr, 1, false))
            }
            Infix::Subscript => {
                // PostgreSQL subscripts only names, parameters, parenthesised expressions and
                // subqueries (`f(x)[1]` and `'{1}'[1]` are syntax errors there).
                if !matches!(
                    left,
                    Expr::Column(_)
                        | Expr::Parameter(..)
                        | Expr::Nested(..)
                        | Expr::Subquery(..)
                        | Expr::Subscript { .. }
                ) {
                    return Err(self.error_here());
                }
                self.advance();
                if self.is_symbol(Symbol::Colon) {
                    return Err(self.unsupported("an array slice", self.peek().span));
                }
                let index = self.without_bare_labels(Self::parse_expr)?;
                if self.is_symbol(Symbol::Colon) {
                    return Err(self.unsupported("an array slice", self.peek().span));
                }
                self.expect_symbol(Symbol::RightBracket)?;
                let expr = Expr::Subscript {
                    span: self.span_from(left.span().start),
                    expr: Box::new(left),
                    index: Box::new(index),
                };
                Ok((expr, 1, false))
            }
            Infix::Field => {
                // PostgreSQL selects fields of parenthesised expressions (and of names, which
                // the primary parser reads as qualified names).
                if !matches!(left, Expr::Nested(..)) {
                    return Err(self.error_here());
                }
                self.advance();
                if self.eat_symbol(Symbol::Star) {
                    let expr = Expr::FieldWildcard {
                        span: self.span_from(left.span().start),
                        expr: Box::new(left),
                    };
                    return Ok((expr, 1, false));
                }
                let field = self.expect_col_label()?;
                let expr = Expr::FieldSelect {
                    span: self.span_from(left.span().start),
                    expr: Box::new(left),
                    field,
                };
                Ok((expr, 1, false))
            }
            Infix::Collate => {
                self.advance();
                let mut parts = vec![self.expect_col_label()?];
                while self.eat_symbol(Symbol::Dot) {
                    parts.push(self.expect_col_label()?);
                }
                let collation = self.check_qualified_name(parts)?;
                let expr = Expr::Collate {
                    span: self.span_from(left.span().start),
                    expr: Box::new(left),
                    collation,
                };
                Ok((expr, 1, false))
            }
            Infix::AtTimeZone => {
                let at = self.advance().span;
                self.advance();
                self.advance();
                let zone = self.parse_expr_bp(level::AT + 1, restricted)?;
                // PostgreSQL turns `x AT TIME ZONE z` into `timezone(z, x)`.
                let span = span_between(&left, zone.span().end);
                let expr = Expr::Function(Box::new(FunctionCall {
                    name: ObjectName {
                        parts: vec![crate::ast::Ident {
                            value: "timezone".to_string(),
                            span: at,
                        }],
                    },
                    args: vec![zone, left],
                    star: false,
                    distinct: false,
                    order_by: Vec::new(),
                    filter: None,
                    over: None,
                    span,
                }));
                Ok((expr, 1, false))
            }
        }
    }

    /// The right side of a binary operator whose token was consumed: an operand, or
    /// `ANY | SOME | ALL ( subquery | array )`.
    fn parse_binary_right(&mut self, left: Expr, op: BinaryOp, restricted: bool) -> Result<Expr> {
        // ANY, SOME and ALL are reserved: after an operator they can only quantify.
        if matches!(self.peek_keyword(), Some(kw::ANY | kw::SOME | kw::ALL)) {
            let all = self.peek_keyword() == Some(kw::ALL);
            self.advance();
            let open = self.expect_symbol(Symbol::LeftParen)?;
            let right = if self.at_query_start() {
                let subquery = self.parse_query()?;
                self.expect_symbol(Symbol::RightParen)?;
                Expr::Subquery(Box::new(subquery), self.span_from(open.start))
            } else {
                let array = self.parse_expr()?;
                self.expect_symbol(Symbol::RightParen)?;
                array
            };
            return Ok(Expr::AnyAll {
                span: self.span_from(left.span().start),
                left: Box::new(left),
                op,
                all,
                right: Box::new(right),
            });
        }
        let right = self.parse_expr_bp(binary_level(op) + 1, restricted)?;
        Ok(binary(op, left, right))
    }

    /// The operator an `OPERATOR ( [schema .] op )` at the cursor names, looking ahead.
    ///
    /// PostgreSQL gives `OPERATOR(...)` the precedence of user-defined operators whatever it
    /// names; db001 maps it to the operator itself, so it takes that operator's precedence (the
    /// tree has no other way to print it back). The two differ only in unparenthesised mixes
    /// like `a > b OPERATOR(=) c`, which no client sends.
    fn peek_operator_keyword_op(&self) -> Option<BinaryOp> {
        let mut offset = 2;
        if Self::is_col_id_token(self.peek_nth(offset))
            && self.is_symbol_at(offset + 1, Symbol::Dot)
        {
            offset += 2;
        }
        let token = self.peek_nth(offset);
        match token.kind {
            TokenKind::Symbol(_) | TokenKind::Operator(_) => {
                binary_op_of_text(&self.sql[token.span.start as usize..token.span.end as usize])
            }
            _ => None,
        }
    }

    /// `OPERATOR ( [schema .] op )`, mapped to the operator it names.
    fn parse_operator_keyword(&mut self) -> Result<BinaryOp> {
        self.advance();
        self.expect_symbol(Symbol::LeftParen)?;
        while Self::is_col_id_token(self.peek()) {
            let schema = Self::ident_of(self.advance());
            if schema.value != "pg_catalog" {
                return Err(self.unsupported("an operator outside pg_catalog", schema.span));
            }
            self.expect_symbol(Symbol::Dot)?;
        }
        let token = self.advance();
        let text = &self.sql[token.span.start as usize..token.span.end as usize];
        let op = match &token.kind {
            TokenKind::Symbol(_) | TokenKind::Operator(_) => binary_op_of_text(text),
            _ => return Err(self.error_at(token)),
        };
        let Some(op) = op else {
            return Err(self.unknown_operator(token));
        };
        self.expect_symbol(Symbol::RightParen)?;
        Ok(op)
    }

    /// PostgreSQL would look the operator up in its catalog; db001 has no such operator.
    pub(super) fn unknown_operator(&self, token: &Token<'_>) -> Error {
        let text = &self.sql[token.span.start as usize..token.span.end as usize];
        Error::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("operator does not exist: {text}"),
        )
        .with_position(token.span.position(self.sql))
    }

    /// `IS [NOT] { NULL | TRUE | FALSE | UNKNOWN | DISTINCT FROM expr }`.
    fn parse_is(&mut self, left: Expr) -> Result<(Expr, usize, bool)> {
        self.advance();
        let negated = self.eat_keyword(kw::NOT);
        let test = match self.peek_keyword() {
            Some(kw::NULL) => IsTest::Null,
            Some(kw::TRUE) => IsTest::True,
            Some(kw::FALSE) => IsTest::False,
            Some(kw::UNKNOWN) => IsTest::Unknown,
            Some(kw::DISTINCT) => {
                self.advance();
                self.expect_keyword(kw::FROM)?;
                let right = self.parse_expr_bp(level::IS + 1, false)?;
                let span = span_between(&left, right.span().end);
                let expr = Expr::IsDistinctFrom {
                    left: Box::new(left),
                    right: Box::new(right),
                    negated,
                    span,
                };
                return Ok((expr, 1, true));
            }
            Some(
                kw::DOCUMENT | kw::NORMALIZED | kw::NFC | kw::NFD | kw::NFKC | kw::NFKD | kw::OF,
            ) => {
                return Err(self.unsupported("this IS test", self.peek().span));
            }
            _ => return Err(self.error_here()),
        };
        self.advance();
        let span = self.span_from(left.span().start);
        let expr = Expr::Is {
            expr: Box::new(left),
            negated,
            test,
            span,
        };
        Ok((expr, 1, false))
    }
}
