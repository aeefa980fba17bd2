//! The parser: tokens to the AST, by recursive descent with precedence climbing for expressions.
//!
//! ## Why hand-written descent over a token slice
//!
//! PostgreSQL's grammar is LALR(1) with a few look-ahead hacks. A descent parser that looks at
//! the current token (and occasionally one or two more) reproduces its decisions, its error
//! positions (the first token that cannot continue a valid statement) and its messages, and it
//! never backtracks more than a few tokens, so parsing is linear in the input. The lexer has
//! already resolved every word to its keyword number, so the hot path compares integers.
//!
//! nom, the workspace's parsing crate, recognises the lexical pieces (numbers, parameters,
//! dollar-quote tags; see the lexer). Over tokens it would need its own `Input` implementation
//! and would still have to be steered token by token to report PostgreSQL's exact "at or near"
//! token, so the grammar itself is plain descent.
//!
//! The code is split by concept: this module holds the cursor, errors, names and the depth
//! guard; [`expr`] operators and precedence, [`primary`] the operands, [`functions`] function
//! calls; [`types`] type names; [`query`] SELECT and friends; [`dml`]
//! INSERT, UPDATE, DELETE; [`ddl`] CREATE and DROP; [`utility`] transactions, SET, SHOW, EXPLAIN.
//!
//! ## Why a depth guard
//!
//! Recursion over client input must be bounded: `SELECT ((((...))))` with 10,000 parentheses
//! or `1+1+...+1` with 100,000 terms would otherwise overflow the stack, here or in any later
//! stage that walks the tree (the binder, `Drop`, `Display`). Two counters keep every tree
//! within [`MAX_DEPTH`] levels (times a small constant: one level of nesting is a few AST
//! nodes):
//!
//! - `depth` counts the parser's own nesting (each expression, query or parenthesised join it
//!   is inside); beyond the bound the parse fails with 54001 `stack depth limit exceeded`.
//! - Loops build left-deep trees without recursing (`a + b + c`, `x::a::b`, `q1 UNION q2 UNION
//!   q3`). Each such loop measures the deepest level its operands reached (`deepest`, a
//!   high-water mark of `depth`) and adds one per link it builds, so a long chain fails exactly
//!   like deep parentheses do.
//!
//! The counters bound the tree; they cannot bound the stack the parser itself needs, which
//! depends on the build profile's frame sizes (about 3 KiB per level of parentheses in release,
//! 10 KiB in debug). So each nesting level checks the remaining stack and, when it runs low,
//! continues on a heap-allocated segment (`stacker`, the mechanism rustc uses), and no input
//! can overflow the stack whatever thread the parser runs on.
//!
//! `AND` and `OR` chains are the exception PostgreSQL users rely on (ORMs write `WHERE id = 1 OR
//! id = 2 OR ...` with thousands of terms, and PostgreSQL flattens them): a chain of more than
//! [`expr::BOOLEAN_CHAIN_LEFT_DEEP_MAX`] operands is built as a balanced tree, whose depth grows
//! with the logarithm of its length. Both operators are associative, and `Display` prints such
//! a chain without parentheses so it parses back to the same shape.

mod alter;
mod client;
mod ddl;
mod dml;
pub(crate) mod expr;
mod functions;
mod objects;
mod primary;
mod query;
mod session;
mod types;
mod utility;

pub(crate) use types::is_builtin_spelling as is_builtin_type_spelling;

use db001_common::{Error, Result, SqlState};

use crate::ast::{Ident, ObjectName, Span, Statement};
use crate::keywords::{Category, Keyword, kw};
use crate::lexer::{Symbol, Token, TokenKind, fold_identifier};

/// The deepest nesting of expressions and queries a statement may have; deeper statements fail
/// with 54001 `stack depth limit exceeded`. PostgreSQL's own limit comes from its 2 MB
/// `max_stack_depth` and is higher (about 2,000 terms of `1+1+...`).
///
/// Every returned tree is at most this deep (in nesting levels; one level is a few AST nodes).
/// Code that walks a tree recursively must afford that much stack: the derived `Clone`,
/// `PartialEq` and `Debug` take about 2 KiB per level in a debug build (0.7 KiB in release), so
/// run sessions on threads with several MiB of stack, or guard the recursion with
/// `stacker::maybe_grow` as the parser and `Display` do.
pub const MAX_DEPTH: usize = 1000;

/// When less stack than this remains, the next nesting level runs on a new segment...
const STACK_RED_ZONE_BYTES: usize = 128 * 1024;
/// ...of this size, allocated on the heap and freed when the level returns.
const STACK_SEGMENT_BYTES: usize = 2 * 1024 * 1024;

pub(crate) struct Parser<'a, 't> {
    sql: &'a str,
    tokens: &'t [Token<'a>],
    index: usize,
    /// End (byte offset) of the last consumed token, for spans.
    last_end: usize,
    /// Current nesting of expressions, queries and parenthesised joins.
    depth: usize,
    /// High-water mark of `depth` plus chain links, within the construct being measured.
    deepest: usize,
    /// Whether the expression being parsed is a select item's, outside any brackets: there a
    /// keyword operator with nothing to operate on ends the expression and becomes the
    /// column's alias (`SELECT 1 and`), as in PostgreSQL. Elsewhere it is a syntax error at
    /// the token after it, again as in PostgreSQL.
    bare_label_allowed: bool,
}

/// What kind of name a token may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameClass {
    /// Not a word at all.
    None,
    /// An identifier that is no keyword, or a quoted identifier: usable anywhere.
    Plain,
    Keyword(Category),
}

impl<'a, 't> Parser<'a, 't> {
    pub(crate) fn new(sql: &'a str, tokens: &'t [Token<'a>]) -> Parser<'a, 't> {
        Parser {
            sql,
            tokens,
            index: 0,
            last_end: 0,
            depth: 0,
            deepest: 0,
            bare_label_allowed: false,
        }
    }

    /// Parses every statement, skipping empty ones.
    pub(crate) fn parse_statements(&mut self) -> Result<Vec<Statement>> {
        let mut statements = Vec::new();
        loop {
            while self.eat_symbol(Symbol::Semicolon) {}
            if self.at_eof() {
                return Ok(statements);
            }
            statements.push(self.parse_statement()?);
            if !self.eat_symbol(Symbol::Semicolon) && !self.at_eof() {
                return Err(self.error_here());
            }
        }
    }

    /// Parses one expression that must make up the whole input.
    pub(crate) fn parse_standalone_expr(&mut self) -> Result<crate::ast::Expr> {
        let expr = self.parse_expr()?;
        if !self.at_eof() {
            return Err(self.error_here());
        }
        Ok(expr)
    }

    // ---- The cursor. ----

    fn peek(&self) -> &'t Token<'a> {
        // The lexer always ends the slice with Eof, and `advance` never moves past it.
        &self.tokens[self.index.min(self.tokens.len() - 1)]
    }

    fn peek_nth(&self, offset: usize) -> &'t Token<'a> {
        &self.tokens[(self.index + offset).min(self.tokens.len() - 1)]
    }

    fn advance(&mut self) -> &'t Token<'a> {
        let token = self.peek();
        if !matches!(token.kind, TokenKind::Eof) {
            self.index += 1;
            self.last_end = token.span.end as usize;
        }
        token
    }

    fn at_eof(&self) -> bool {
        matches!(self.peek().kind, TokenKind::Eof)
    }

    fn start(&self) -> u32 {
        self.peek().span.start
    }

    /// The span from `start` to the end of the last consumed token.
    fn span_from(&self, start: u32) -> Span {
        Span {
            start,
            end: (self.last_end as u32).max(start),
        }
    }

    fn keyword_of(token: &Token<'_>) -> Option<Keyword> {
        match token.kind {
            TokenKind::Word { keyword, .. } => keyword,
            _ => None,
        }
    }

    fn peek_keyword(&self) -> Option<Keyword> {
        Self::keyword_of(self.peek())
    }

    fn is_keyword(&self, keyword: Keyword) -> bool {
        self.peek_keyword() == Some(keyword)
    }

    fn is_keyword_at(&self, offset: usize, keyword: Keyword) -> bool {
        Self::keyword_of(self.peek_nth(offset)) == Some(keyword)
    }

    fn eat_keyword(&mut self, keyword: Keyword) -> bool {
        if self.is_keyword(keyword) {
            self.advance();
            true
        } else {
            false
        }
    }

    /// Consumes `keywords` if they all come next, else nothing.
    fn eat_keywords(&mut self, keywords: &[Keyword]) -> bool {
        let all = keywords
            .iter()
            .enumerate()
            .all(|(offset, keyword)| self.is_keyword_at(offset, *keyword));
        if all {
            for _ in keywords {
                self.advance();
            }
        }
        all
    }

    fn expect_keyword(&mut self, keyword: Keyword) -> Result<Span> {
        if self.is_keyword(keyword) {
            Ok(self.advance().span)
        } else {
            Err(self.error_here())
        }
    }

    fn is_symbol(&self, symbol: Symbol) -> bool {
        self.peek().kind == TokenKind::Symbol(symbol)
    }

    fn is_symbol_at(&self, offset: usize, symbol: Symbol) -> bool {
        self.peek_nth(offset).kind == TokenKind::Symbol(symbol)
    }

    fn eat_symbol(&mut self, symbol: Symbol) -> bool {
        if self.is_symbol(symbol) {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expect_symbol(&mut self, symbol: Symbol) -> Result<Span> {
        if self.is_symbol(symbol) {
            Ok(self.advance().span)
        } else {
            Err(self.error_here())
        }
    }

    /// Parses `item` one or more times, separated by commas.
    fn comma_separated<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut items = vec![item(self)?];
        while self.eat_symbol(Symbol::Comma) {
            items.push(item(self)?);
        }
        Ok(items)
    }

    // ---- Errors. ----

    /// PostgreSQL's syntax error at the current token.
    fn error_here(&self) -> Error {
        self.error_at(self.peek())
    }

    fn error_at(&self, token: &Token<'_>) -> Error {
        let position = token.span.position(self.sql);
        let message = match token.kind {
            TokenKind::Eof => "syntax error at end of input".to_string(),
            _ => format!(
                "syntax error at or near \"{}\"",
                &self.sql[token.span.start as usize..token.span.end as usize]
            ),
        };
        Error::syntax(message).with_position(position)
    }

    /// A 42601 error with its own message, at `span`.
    fn syntax_error(&self, message: impl Into<String>, span: Span) -> Error {
        Error::syntax(message).with_position(span.position(self.sql))
    }

    /// Valid PostgreSQL that db001 does not implement, at `span`.
    fn unsupported(&self, what: &str, span: Span) -> Error {
        Error::feature_not_supported(format!("{what} is not supported"))
            .with_position(span.position(self.sql))
    }

    // ---- The depth guard (see the module documentation). ----

    /// Runs `parse` one nesting level deeper, on a fresh stack segment if this one is
    /// running low (a debug build spends about 10 KiB of stack per level of parentheses).
    fn nested<T>(&mut self, parse: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(stack_depth_error());
        }
        self.deepest = self.deepest.max(self.depth);
        let result = stacker::maybe_grow(STACK_RED_ZONE_BYTES, STACK_SEGMENT_BYTES, || parse(self));
        self.depth -= 1;
        result
    }

    /// Starts measuring a chain: returns the outer high-water mark to restore afterwards.
    fn begin_chain(&mut self) -> usize {
        std::mem::replace(&mut self.deepest, self.depth)
    }

    /// Fails when a chain of `links` on top of the deepest operand would exceed the bound.
    fn check_chain(&self, links: usize) -> Result<()> {
        if self.deepest + links > MAX_DEPTH {
            return Err(stack_depth_error());
        }
        Ok(())
    }

    /// Ends a chain of `links`, folding its depth into the outer high-water mark.
    fn end_chain(&mut self, outer: usize, links: usize) {
        self.deepest = outer.max(self.deepest + links);
    }

    // ---- Names. ----

    fn name_class(token: &Token<'_>) -> NameClass {
        match &token.kind {
            TokenKind::QuotedIdent(_) => NameClass::Plain,
            TokenKind::Word { keyword: None, .. } => NameClass::Plain,
            TokenKind::Word {
                keyword: Some(keyword),
                ..
            } => NameClass::Keyword(keyword.category()),
            _ => NameClass::None,
        }
    }

    /// PostgreSQL's `ColId`: a column, table or alias name.
    fn is_col_id_token(token: &Token<'_>) -> bool {
        matches!(
            Self::name_class(token),
            NameClass::Plain | NameClass::Keyword(Category::Unreserved | Category::ColumnName)
        )
    }

    /// PostgreSQL's `type_function_name`.
    fn is_type_function_name_token(token: &Token<'_>) -> bool {
        matches!(
            Self::name_class(token),
            NameClass::Plain
                | NameClass::Keyword(Category::Unreserved | Category::TypeFunctionName)
        )
    }

    /// PostgreSQL's `ColLabel`: any word.
    fn is_col_label_token(token: &Token<'_>) -> bool {
        Self::name_class(token) != NameClass::None
    }

    fn at_col_id(&self) -> bool {
        Self::is_col_id_token(self.peek())
    }

    /// The identifier a word or quoted-identifier token stands for.
    fn ident_of(token: &Token<'_>) -> Ident {
        let value = match &token.kind {
            TokenKind::Word { text, .. } => fold_identifier(text),
            TokenKind::QuotedIdent(value) => value.to_string(),
            _ => String::new(),
        };
        Ident {
            value,
            span: token.span,
        }
    }

    fn expect_col_id(&mut self) -> Result<Ident> {
        if self.at_col_id() {
            Ok(Self::ident_of(self.advance()))
        } else {
            Err(self.error_here())
        }
    }

    fn expect_col_label(&mut self) -> Result<Ident> {
        if Self::is_col_label_token(self.peek()) {
            Ok(Self::ident_of(self.advance()))
        } else {
            Err(self.error_here())
        }
    }

    /// PostgreSQL's `NonReservedWord`: any word but a reserved keyword.
    fn expect_non_reserved_word(&mut self) -> Result<Ident> {
        match Self::name_class(self.peek()) {
            NameClass::None | NameClass::Keyword(Category::Reserved) => Err(self.error_here()),
            _ => Ok(Self::ident_of(self.advance())),
        }
    }

    /// `ColId [. ColLabel [. ColLabel]]`: a table, index or type name.
    fn parse_object_name(&mut self) -> Result<ObjectName> {
        let mut parts = vec![self.expect_col_id()?];
        while self.is_symbol(Symbol::Dot) {
            self.advance();
            parts.push(self.expect_col_label()?);
        }
        self.check_qualified_name(parts)
    }

    /// PostgreSQL accepts `catalog.schema.name` at most.
    fn check_qualified_name(&self, parts: Vec<Ident>) -> Result<ObjectName> {
        if parts.len() > 3 {
            let text: Vec<String> = parts.iter().map(|part| part.to_string()).collect();
            let span = Span {
                start: parts[0].span.start,
                end: parts[parts.len() - 1].span.end,
            };
            return Err(self.syntax_error(
                format!(
                    "improper qualified name (too many dotted names): {}",
                    text.join(".")
                ),
                span,
            ));
        }
        Ok(ObjectName { parts })
    }

    /// `( ColId, ... )`
    fn parse_parenthesized_column_list(&mut self) -> Result<Vec<Ident>> {
        self.expect_symbol(Symbol::LeftParen)?;
        let columns = self.comma_separated(Self::expect_col_id)?;
        self.expect_symbol(Symbol::RightParen)?;
        Ok(columns)
    }

    /// A statement.
    fn parse_statement(&mut self) -> Result<Statement> {
        let token = self.peek();
        let Some(keyword) = self.peek_keyword() else {
            if self.is_symbol(Symbol::LeftParen) {
                return Ok(Statement::Select(Box::new(self.parse_query()?)));
            }
            if let TokenKind::Word { text, .. } = token.kind
                && text.eq_ignore_ascii_case("backup")
            {
                return self.parse_backup();
            }
            return Err(self.error_here());
        };
        match keyword {
            kw::SELECT | kw::VALUES | kw::WITH | kw::TABLE => {
                if keyword == kw::WITH && self.with_introduces_dml() {
                    return Err(
                        self.unsupported("WITH before INSERT, UPDATE or DELETE", token.span)
                    );
                }
                Ok(Statement::Select(Box::new(self.parse_query()?)))
            }
            kw::INSERT => self.parse_insert(),
            kw::UPDATE => self.parse_update(),
            kw::DELETE => self.parse_delete(),
            kw::CREATE => self.parse_create(),
            kw::DROP => self.parse_drop(),
            kw::BEGIN | kw::START => self.parse_begin(),
            kw::COMMIT | kw::END => self.parse_commit(),
            kw::ROLLBACK | kw::ABORT => self.parse_rollback(),
            kw::SET => self.parse_set(),
            kw::SHOW => self.parse_show(),
            kw::RESET => self.parse_reset(),
            kw::EXPLAIN => self.parse_explain(),
            kw::CHECKPOINT => {
                self.advance();
                Ok(Statement::Checkpoint)
            }
            kw::COPY => self.parse_copy(),
            kw::DISCARD => self.parse_discard(),
            kw::CLOSE => self.parse_close(),
            kw::LISTEN | kw::UNLISTEN => self.parse_listen(),
            kw::ALTER
                if matches!(
                    Self::keyword_of(self.peek_nth(1)),
                    Some(kw::ROLE | kw::USER)
                ) =>
            {
                self.parse_alter_role()
            }
            kw::ALTER => self.parse_alter(),
            kw::TRUNCATE => self.parse_truncate(),
            kw::SAVEPOINT => self.parse_savepoint(),
            kw::RELEASE => self.parse_release(),
            kw::PREPARE => self.parse_prepare(),
            kw::EXECUTE => self.parse_execute(),
            kw::DEALLOCATE => self.parse_deallocate(),
            kw::VACUUM => self.parse_vacuum(),
            kw::ANALYZE
            | kw::ANALYSE
            | kw::NOTIFY
            | kw::LOCK
            | kw::GRANT
            | kw::REVOKE
            | kw::COMMENT
            | kw::DO
            | kw::CALL
            | kw::DECLARE
            | kw::FETCH
            | kw::MOVE
            | kw::CLUSTER
            | kw::REINDEX
            | kw::REFRESH
            | kw::SECURITY
            | kw::IMPORT
            | kw::LOAD
            | kw::REASSIGN => {
                Err(self.unsupported(&keyword.as_str().to_ascii_uppercase(), token.span))
            }
            _ => Err(self.error_here()),
        }
    }

    /// Whether the `WITH` at the cursor heads an INSERT, UPDATE or DELETE: scans to the first
    /// top-level word after the CTE list.
    fn with_introduces_dml(&self) -> bool {
        let mut depth = 0usize;
        for token in &self.tokens[self.index..] {
            match &token.kind {
                TokenKind::Symbol(Symbol::LeftParen) => depth += 1,
                TokenKind::Symbol(Symbol::RightParen) => depth = depth.saturating_sub(1),
                TokenKind::Symbol(Symbol::Semicolon) | TokenKind::Eof => return false,
                TokenKind::Word {
                    keyword: Some(keyword),
                    ..
                } if depth == 0 => match *keyword {
                    kw::INSERT | kw::UPDATE | kw::DELETE => return true,
                    kw::SELECT | kw::VALUES | kw::TABLE => return false,
                    _ => {}
                },
                _ => {}
            }
        }
        false
    }
}

fn stack_depth_error() -> Error {
    Error::new(
        SqlState::STATEMENT_TOO_COMPLEX,
        "stack depth limit exceeded",
    )
    .with_hint(format!(
        "db001 limits statements to {MAX_DEPTH} levels of nested expressions and queries."
    ))
}
