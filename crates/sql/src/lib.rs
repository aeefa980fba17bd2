//! # db001-sql
//!
//! SQL text to abstract syntax tree, with PostgreSQL 15's dialect, messages and error
//! positions.
//!
//! ```text
//! text ──lexer::tokenize──▶ tokens with byte spans ──parser──▶ Vec<ast::Statement>
//!                                                     ▲
//!                              ast::* Display ────────┘ (prints SQL that parses back equal)
//! ```
//!
//! - [`lexer`] splits the text into tokens exactly where PostgreSQL's scanner would, resolving
//!   each word to a [`keywords::Keyword`] once.
//! - The parser (private) is recursive descent with precedence climbing; it knows nothing of
//!   the catalog, so a name it accepts may still be rejected by the binder.
//! - [`ast`] is the contract with the planner. Every node an error can point at carries a byte
//!   [`ast::Span`]; [`ast::Span::position`] turns it into PostgreSQL's 1-based character
//!   position.
//! - `Display` (in `display.rs`) prints every node back as SQL; parsing that text again gives
//!   an equal tree (ignoring spans), which the tests check over a corpus and random trees.
//!
//! Errors are [`db001_common::Error`]s: 42601 with PostgreSQL's wording and position for syntax
//! errors, 54001 when a statement nests deeper than [`MAX_DEPTH`], 0A000 for valid PostgreSQL
//! that db001 does not implement, and the lexer's own codes (22021, 22025) for bad escapes.
//! No input makes the parser panic or overflow its stack.

pub mod ast;
mod display;
pub mod keywords;
pub mod lexer;
mod parser;

use db001_common::Result;

pub use parser::MAX_DEPTH;

/// Parses a query string into its statements.
///
/// Statements are separated by `;` at the top level; empty statements are skipped. The whole
/// string is parsed before any statement is returned, so one syntax error anywhere fails the
/// lot, as in PostgreSQL's simple-query protocol. Error positions count from the start of
/// `sql`.
pub fn parse(sql: &str) -> Result<Vec<ast::Statement>> {
    let tokens = lexer::tokenize(sql)?;
    parser::Parser::new(sql, &tokens).parse_statements()
}

/// Parses a single expression, e.g. a stored column `DEFAULT`. The text must contain the
/// expression and nothing else.
pub fn parse_expr(sql: &str) -> Result<ast::Expr> {
    let tokens = lexer::tokenize(sql)?;
    parser::Parser::new(sql, &tokens).parse_standalone_expr()
}
