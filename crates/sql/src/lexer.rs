//! The lexer: SQL text to a vector of tokens, each with its byte span.
//!
//! It follows PostgreSQL 15's `scan.l` rule by rule, because clients depend on its corner cases:
//!
//! - Unquoted words are returned as written (the parser folds them to lower case, ASCII only, when
//!   it makes an identifier) together with the keyword they spell, looked up once here so the
//!   parser compares small integers. `"Quoted"` identifiers keep their case, with `""` read as
//!   `"`, and are never keywords.
//! - Numbers are `1`, `1.5`, `1.`, `.5`, `1e10`, `1.e3`; a number running straight into a letter
//!   (`123abc`) is "trailing junk", and `1..2` is the integer `1` followed by `..`.
//! - Strings: `'...'` with `''`, `E'...'` with backslash escapes, `$$...$$` and `$tag$...$tag$`,
//!   and adjacent `'...'` pieces separated by whitespace that contains a newline are one string.
//! - Operators are a maximal run of operator characters, cut before an embedded `--` or `/*` and
//!   stripped of trailing `+`/`-` unless the run contains one of `~ ! @ # ^ & | ` ? %` (so `a=-1`
//!   is `a = -1`). Runs db001 has no operator for come back as [`TokenKind::Operator`] and the
//!   parser reports them the way PostgreSQL reports an unknown operator.
//! - `--` comments run to the end of the line; `/* */` comments nest.
//!
//! Nothing is copied unless it must be: words, numbers, dollar-quoted strings and strings without
//! escapes borrow from the input. Lexical errors carry PostgreSQL's messages, SQLSTATEs and
//! positions (`unterminated quoted string at or near "'abc"`).
//!
//! nom supplies the small recognisers (numbers, parameters, dollar-quote tags) where a
//! combinator reads better than an index loop; the main loop is a plain byte scanner because the
//! token boundaries depend on PostgreSQL-specific look-ahead rules.

use std::borrow::Cow;

use db001_common::{Error, Result, SqlState};
use nom::branch::alt;
use nom::bytes::complete::take_while;
use nom::character::complete::{char, digit1, one_of, satisfy};
use nom::combinator::{not, opt, recognize};
use nom::{IResult, Parser};

use crate::ast::Span;
use crate::keywords::Keyword;

/// Punctuation and the operators db001 knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbol {
    LeftParen,
    RightParen,
    Comma,
    Semicolon,
    Dot,
    LeftBracket,
    RightBracket,
    Colon,
    /// `::`
    DoubleColon,
    /// `:=`
    ColonEquals,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Caret,
    Equals,
    /// `<>` or `!=`
    NotEquals,
    Less,
    LessEquals,
    Greater,
    GreaterEquals,
    /// `=>`
    EqualsGreater,
    /// `||`
    Concat,
    Tilde,
    /// `~*`
    TildeStar,
    /// `!~`
    NotTilde,
    /// `!~*`
    NotTildeStar,
    /// `->`
    Arrow,
    /// `->>`
    LongArrow,
    Ampersand,
    Pipe,
    Hash,
    /// `<<`
    ShiftLeft,
    /// `>>`
    ShiftRight,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind<'a> {
    /// An unquoted word as written, and the keyword it spells (if any).
    Word {
        text: &'a str,
        keyword: Option<Keyword>,
    },
    /// A `"quoted"` identifier, unescaped and truncated to PostgreSQL's 63 bytes.
    QuotedIdent(Cow<'a, str>),
    /// A numeric literal as written.
    Number(&'a str),
    /// A string literal with its escapes processed. `national` for `N'...'`.
    String {
        value: Cow<'a, str>,
        national: bool,
    },
    /// `B'...'` or `X'...'`: a bit-string literal, as written between the quotes.
    BitString(&'a str),
    /// `$n`.
    Parameter(u32),
    Symbol(Symbol),
    /// An operator db001 does not implement, e.g. `@>`.
    Operator(&'a str),
    /// Text that starts no token: a stray character such as `\` or `$`, or `..`.
    Other(&'a str),
    /// The end of the input; always the last token.
    Eof,
}

/// A token and the byte range of its text.
#[derive(Debug, Clone, PartialEq)]
pub struct Token<'a> {
    pub kind: TokenKind<'a>,
    pub span: Span,
}

/// PostgreSQL's `NAMEDATALEN - 1`: longer identifiers are truncated.
pub const IDENTIFIER_BYTES_MAX: usize = 63;

/// Splits `sql` into tokens, ending with [`TokenKind::Eof`] at `sql.len()`.
pub fn tokenize(sql: &str) -> Result<Vec<Token<'_>>> {
    // Spans are 32-bit; PostgreSQL itself refuses messages over 1 GiB.
    if u32::try_from(sql.len()).is_err() {
        return Err(Error::new(
            SqlState::PROGRAM_LIMIT_EXCEEDED,
            "statement is too long",
        ));
    }
    let mut lexer = Lexer {
        sql,
        bytes: sql.as_bytes(),
        position: 0,
    };
    let mut tokens = Vec::with_capacity(sql.len() / 4 + 2);
    loop {
        lexer.skip_whitespace_and_comments()?;
        let start = lexer.position;
        if start >= lexer.bytes.len() {
            tokens.push(Token {
                kind: TokenKind::Eof,
                span: Span::new(start, start),
            });
            return Ok(tokens);
        }
        let kind = lexer.next_token()?;
        tokens.push(Token {
            kind,
            span: Span::new(start, lexer.position),
        });
    }
}

/// Folds an unquoted word to an identifier: ASCII lower case, truncated to 63 bytes.
pub fn fold_identifier(word: &str) -> String {
    let mut folded = word.to_ascii_lowercase();
    truncate_identifier(&mut folded);
    folded
}

/// Truncates an identifier to [`IDENTIFIER_BYTES_MAX`] bytes on a character boundary.
pub fn truncate_identifier(identifier: &mut String) {
    if identifier.len() > IDENTIFIER_BYTES_MAX {
        let mut end = IDENTIFIER_BYTES_MAX;
        while !identifier.is_char_boundary(end) {
            end -= 1;
        }
        identifier.truncate(end);
    }
}

/// A syntax-class (42601) error "`message` at or near "`near`"" positioned at byte `start`.
fn error_near(sql: &str, start: usize, message: &str, near: &str) -> Error {
    Error::syntax(format!("{message} at or near \"{near}\""))
        .with_position(Span::new(start, start).position(sql))
}

fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
}

fn is_ident_continue(byte: u8) -> bool {
    is_ident_start(byte) || byte.is_ascii_digit() || byte == b'$'
}

fn is_operator_char(byte: u8) -> bool {
    matches!(
        byte,
        b'~' | b'!'
            | b'@'
            | b'#'
            | b'^'
            | b'&'
            | b'|'
            | b'`'
            | b'?'
            | b'+'
            | b'-'
            | b'*'
            | b'/'
            | b'%'
            | b'<'
            | b'>'
            | b'='
    )
}

/// PostgreSQL's whitespace: space, tab, newline, carriage return, form feed.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// `1`, `1.5`, `1.`, `.5`, each with an optional exponent. `1..` stops before the dots.
///
/// (`opt(digit1)` rather than `digit0`: nom 8's `digit0` returns a remainder outside the input
/// when it consumes all of it, which breaks `recognize`. Callers also slice the text by the
/// remainder's length, never by the recognised slice.)
fn number(input: &str) -> IResult<&str, &str> {
    recognize((
        alt((
            recognize((digit1, opt((char('.'), not(char('.')), opt(digit1))))),
            recognize((char('.'), digit1)),
        )),
        opt((one_of("eE"), opt(one_of("+-")), digit1)),
    ))
    .parse(input)
}

/// A dollar-quote delimiter: `$$` or `$tag$`, the tag starting with a letter or `_`.
fn dollar_delimiter(input: &str) -> IResult<&str, &str> {
    recognize((
        char('$'),
        opt((
            satisfy(|c| c.is_ascii_alphabetic() || c == '_' || !c.is_ascii()),
            take_while(|c: char| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii()),
        )),
        char('$'),
    ))
    .parse(input)
}

struct Lexer<'a> {
    sql: &'a str,
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Lexer<'a> {
    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.position + offset).copied()
    }

    fn rest(&self) -> &'a str {
        &self.sql[self.position..]
    }

    fn skip_whitespace_and_comments(&mut self) -> Result<()> {
        loop {
            match self.peek_at(0) {
                Some(byte) if is_space(byte) => self.position += 1,
                Some(b'-') if self.peek_at(1) == Some(b'-') => self.skip_line_comment(),
                Some(b'/') if self.peek_at(1) == Some(b'*') => self.skip_block_comment()?,
                _ => return Ok(()),
            }
        }
    }

    fn skip_line_comment(&mut self) {
        while let Some(byte) = self.peek_at(0) {
            if byte == b'\n' || byte == b'\r' {
                break;
            }
            self.position += 1;
        }
    }

    /// Skips a `/* ... */` comment, which may nest.
    fn skip_block_comment(&mut self) -> Result<()> {
        let start = self.position;
        self.position += 2;
        let mut depth = 1usize;
        while depth > 0 {
            match (self.peek_at(0), self.peek_at(1)) {
                (None, _) => {
                    return Err(error_near(
                        self.sql,
                        start,
                        "unterminated /* comment",
                        &self.sql[start..],
                    ));
                }
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    self.position += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    self.position += 2;
                }
                _ => self.position += 1,
            }
        }
        Ok(())
    }

    fn next_token(&mut self) -> Result<TokenKind<'a>> {
        let start = self.position;
        let byte = self.bytes[start];
        let next = self.peek_at(1);
        match byte {
            b'\'' => self.quoted_string(start, false),
            b'"' => self.quoted_identifier(),
            b'e' | b'E' if next == Some(b'\'') => {
                self.position += 1;
                self.quoted_string(start, true)
            }
            b'n' | b'N' if next == Some(b'\'') => {
                self.position += 1;
                match self.quoted_string(start, false)? {
                    TokenKind::String { value, .. } => Ok(TokenKind::String {
                        value,
                        national: true,
                    }),
                    other => Ok(other),
                }
            }
            b'b' | b'B' | b'x' | b'X' if next == Some(b'\'') => self.bit_string(),
            b'u' | b'U' if next == Some(b'&') && matches!(self.peek_at(2), Some(b'\'' | b'"')) => {
                Err(Error::feature_not_supported(
                    "Unicode escape strings (U&'...') are not supported",
                )
                .with_position(Span::new(self.position, self.position).position(self.sql)))
            }
            b'$' => self.dollar(),
            b'0'..=b'9' => self.number(),
            b'.' if next.is_some_and(|b| b.is_ascii_digit()) => self.number(),
            b'.' if next == Some(b'.') => {
                self.position += 2;
                Ok(TokenKind::Other(
                    &self.sql[self.position - 2..self.position],
                ))
            }
            _ if is_ident_start(byte) => Ok(self.word()),
            b':' => Ok(self.colon()),
            b',' | b'(' | b')' | b'[' | b']' | b'.' | b';' => {
                self.position += 1;
                Ok(TokenKind::Symbol(match byte {
                    b',' => Symbol::Comma,
                    b'(' => Symbol::LeftParen,
                    b')' => Symbol::RightParen,
                    b'[' => Symbol::LeftBracket,
                    b']' => Symbol::RightBracket,
                    b'.' => Symbol::Dot,
                    _ => Symbol::Semicolon,
                }))
            }
            _ if is_operator_char(byte) => Ok(self.operator()),
            _ => {
                // One character that starts no token; the parser reports it as a syntax error.
                let width = self.rest().chars().next().map_or(1, char::len_utf8);
                self.position += width;
                Ok(TokenKind::Other(
                    &self.sql[self.position - width..self.position],
                ))
            }
        }
    }

    fn word(&mut self) -> TokenKind<'a> {
        let start = self.position;
        while self.peek_at(0).is_some_and(is_ident_continue) {
            self.position += 1;
        }
        let text = &self.sql[start..self.position];
        TokenKind::Word {
            text,
            keyword: Keyword::lookup(text),
        }
    }

    fn colon(&mut self) -> TokenKind<'a> {
        self.position += 1;
        match self.peek_at(0) {
            Some(b':') => {
                self.position += 1;
                TokenKind::Symbol(Symbol::DoubleColon)
            }
            Some(b'=') => {
                self.position += 1;
                TokenKind::Symbol(Symbol::ColonEquals)
            }
            _ => TokenKind::Symbol(Symbol::Colon),
        }
    }

    fn number(&mut self) -> Result<TokenKind<'a>> {
        let start = self.position;
        let (rest, _) = number(self.rest()).map_err(|_| {
            // Unreachable in practice: the caller saw a digit, or a dot followed by a digit.
            error_near(self.sql, start, "syntax error", &self.sql[start..start + 1])
        })?;
        self.position = self.sql.len() - rest.len();
        self.reject_trailing_junk(start, "trailing junk after numeric literal")?;
        Ok(TokenKind::Number(&self.sql[start..self.position]))
    }

    /// PostgreSQL 15 rejects a number or parameter that runs into identifier characters, and an
    /// exponent marker without digits (`1e`, `1e+`).
    fn reject_trailing_junk(&self, start: usize, message: &str) -> Result<()> {
        let mut end = self.position;
        if !self.peek_at(0).is_some_and(is_ident_start) {
            return Ok(());
        }
        if matches!(self.peek_at(0), Some(b'e' | b'E'))
            && matches!(self.peek_at(1), Some(b'+' | b'-'))
        {
            end += 2;
        } else {
            while self.bytes.get(end).copied().is_some_and(is_ident_continue) {
                end += 1;
            }
        }
        Err(error_near(self.sql, start, message, &self.sql[start..end]))
    }

    fn dollar(&mut self) -> Result<TokenKind<'a>> {
        let start = self.position;
        if self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) {
            let (rest, _) = digit1::<_, nom::error::Error<&str>>(&self.sql[start + 1..])
                .map_err(|_| error_near(self.sql, start, "syntax error", "$"))?;
            self.position = self.sql.len() - rest.len();
            let digits = &self.sql[start + 1..self.position];
            self.reject_trailing_junk(start, "trailing junk after parameter")?;
            // PostgreSQL reads the number with atol; out-of-range numbers name no parameter
            // anyway, so saturate and let the binder report "there is no parameter $n".
            let number = digits.parse::<u32>().unwrap_or(u32::MAX);
            return Ok(TokenKind::Parameter(number));
        }
        if let Ok((rest, _)) = dollar_delimiter(self.rest()) {
            let body_start = self.sql.len() - rest.len();
            let delimiter = &self.sql[start..body_start];
            return match rest.find(delimiter) {
                Some(offset) => {
                    self.position = body_start + offset + delimiter.len();
                    Ok(TokenKind::String {
                        value: Cow::Borrowed(&rest[..offset]),
                        national: false,
                    })
                }
                None => Err(error_near(
                    self.sql,
                    start,
                    "unterminated dollar-quoted string",
                    &self.sql[start..],
                )),
            };
        }
        self.position += 1;
        Ok(TokenKind::Other(&self.sql[start..self.position]))
    }

    fn quoted_identifier(&mut self) -> Result<TokenKind<'a>> {
        let start = self.position;
        self.position += 1;
        let mut value: Cow<'a, str> = Cow::Borrowed("");
        loop {
            let rest = self.rest();
            let Some(offset) = rest.find('"') else {
                return Err(error_near(
                    self.sql,
                    start,
                    "unterminated quoted identifier",
                    &self.sql[start..],
                ));
            };
            append(&mut value, &rest[..offset]);
            self.position += offset + 1;
            if self.peek_at(0) == Some(b'"') {
                value.to_mut().push('"');
                self.position += 1;
            } else {
                break;
            }
        }
        if value.is_empty() {
            return Err(error_near(
                self.sql,
                start,
                "zero-length delimited identifier",
                "\"\"",
            ));
        }
        if value.len() > IDENTIFIER_BYTES_MAX {
            truncate_identifier(value.to_mut());
        }
        Ok(TokenKind::QuotedIdent(value))
    }

    /// `'...'` (or, with `escapes`, `E'...'`), including continuation pieces. The position is at
    /// the opening quote; `token_start` is where the token began (before an `E` or `N` prefix),
    /// which is where errors point.
    fn quoted_string(&mut self, token_start: usize, escapes: bool) -> Result<TokenKind<'a>> {
        let mut value: Cow<'a, str> = Cow::Borrowed("");
        let mut escaped_bytes: Vec<u8> = Vec::new();
        loop {
            // Position is at an opening quote.
            self.position += 1;
            if escapes {
                self.escaped_piece(token_start, &mut escaped_bytes)?;
            } else {
                self.plain_piece(token_start, &mut value)?;
            }
            match self.continuation() {
                Some(next_quote) => self.position = next_quote,
                None => break,
            }
        }
        if escapes {
            value = Cow::Owned(bytes_to_string(escaped_bytes)?);
        }
        if value.contains('\0') {
            return Err(Error::new(
                SqlState::CHARACTER_NOT_IN_REPERTOIRE,
                "invalid byte sequence for encoding \"UTF8\": 0x00",
            ));
        }
        Ok(TokenKind::String {
            value,
            national: false,
        })
    }

    /// One `'...'` piece without escapes; the position is just after the opening quote and ends
    /// just after the closing quote.
    fn plain_piece(&mut self, token_start: usize, value: &mut Cow<'a, str>) -> Result<()> {
        loop {
            let rest = self.rest();
            let Some(offset) = rest.find('\'') else {
                return Err(self.unterminated_string(token_start));
            };
            append(value, &rest[..offset]);
            self.position += offset + 1;
            if self.peek_at(0) == Some(b'\'') {
                value.to_mut().push('\'');
                self.position += 1;
            } else {
                return Ok(());
            }
        }
    }

    fn unterminated_string(&self, token_start: usize) -> Error {
        error_near(
            self.sql,
            token_start,
            "unterminated quoted string",
            &self.sql[token_start..],
        )
    }

    /// One `E'...'` piece: backslash escapes produce bytes, which must form UTF-8 at the end.
    fn escaped_piece(&mut self, token_start: usize, out: &mut Vec<u8>) -> Result<()> {
        loop {
            let Some(byte) = self.peek_at(0) else {
                return Err(self.unterminated_string(token_start));
            };
            match byte {
                b'\'' if self.peek_at(1) == Some(b'\'') => {
                    out.push(b'\'');
                    self.position += 2;
                }
                b'\'' => {
                    self.position += 1;
                    return Ok(());
                }
                b'\\' => self.escape(token_start, out)?,
                _ => {
                    out.push(byte);
                    self.position += 1;
                }
            }
        }
    }

    /// One backslash escape of an `E'...'` string; the position is at the backslash.
    fn escape(&mut self, token_start: usize, out: &mut Vec<u8>) -> Result<()> {
        let escape_start = self.position;
        let Some(code) = self.peek_at(1) else {
            return Err(self.unterminated_string(token_start));
        };
        self.position += 2;
        match code {
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'0'..=b'7' => {
                let mut value = u32::from(code - b'0');
                for _ in 0..2 {
                    match self.peek_at(0) {
                        Some(digit @ b'0'..=b'7') => {
                            value = value * 8 + u32::from(digit - b'0');
                            self.position += 1;
                        }
                        _ => break,
                    }
                }
                out.push((value & 0xff) as u8);
            }
            b'x' if self.peek_at(0).is_some_and(|b| b.is_ascii_hexdigit()) => {
                let mut value = 0u32;
                for _ in 0..2 {
                    match self.peek_at(0).and_then(|b| (b as char).to_digit(16)) {
                        Some(digit) => {
                            value = value * 16 + digit;
                            self.position += 1;
                        }
                        None => break,
                    }
                }
                out.push(value as u8);
            }
            b'u' | b'U' => {
                let first = self.unicode_escape(escape_start, code)?;
                let character = if (0xD800..0xDC00).contains(&first) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    let second_start = self.position;
                    let low = match (self.peek_at(0), self.peek_at(1)) {
                        (Some(b'\\'), Some(second @ (b'u' | b'U'))) => {
                            self.position += 2;
                            Some(self.unicode_escape(second_start, second)?)
                        }
                        _ => None,
                    };
                    match low {
                        Some(low) if (0xDC00..0xE000).contains(&low) => {
                            0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
                        }
                        _ => return Err(self.surrogate_error()),
                    }
                } else if (0xDC00..0xE000).contains(&first) {
                    return Err(self.surrogate_error());
                } else {
                    first
                };
                let character = char::from_u32(character).ok_or_else(|| self.surrogate_error())?;
                let mut buffer = [0u8; 4];
                out.extend_from_slice(character.encode_utf8(&mut buffer).as_bytes());
            }
            _ => {
                // Any other escaped character stands for itself (a whole UTF-8 character).
                let start = self.position - 1;
                let width = self.sql[start..].chars().next().map_or(1, char::len_utf8);
                out.extend_from_slice(&self.bytes[start..start + width]);
                self.position = start + width;
            }
        }
        Ok(())
    }

    /// Reads the hex digits of `\uXXXX` or `\UXXXXXXXX`; the position is after the `u`/`U`.
    fn unicode_escape(&mut self, escape_start: usize, code: u8) -> Result<u32> {
        let digits = if code == b'u' { 4 } else { 8 };
        let mut value = 0u32;
        for index in 0..digits {
            match self.peek_at(index).and_then(|b| (b as char).to_digit(16)) {
                Some(digit) => value = value.wrapping_mul(16).wrapping_add(digit),
                None => {
                    return Err(Error::new(
                        SqlState::INVALID_ESCAPE_SEQUENCE,
                        "invalid Unicode escape",
                    )
                    .with_hint("Unicode escapes must be \\uXXXX or \\UXXXXXXXX.")
                    .with_position(Span::new(escape_start, escape_start).position(self.sql)));
                }
            }
        }
        self.position += digits;
        if value == 0 || value > 0x10FFFF {
            return Err(error_near(
                self.sql,
                escape_start,
                "invalid Unicode escape value",
                &self.sql[escape_start..self.position],
            ));
        }
        Ok(value)
    }

    fn surrogate_error(&self) -> Error {
        let near = self
            .rest()
            .chars()
            .next()
            .map_or(String::new(), String::from);
        error_near(
            self.sql,
            self.position,
            "invalid Unicode surrogate pair",
            &near,
        )
    }

    /// After a closing quote: if whitespace containing a newline (and perhaps `--` comments,
    /// which end at a newline) leads to another quote, the literal continues there. Returns
    /// that quote's position.
    fn continuation(&self) -> Option<usize> {
        let mut index = self.position;
        let mut newline = false;
        loop {
            match self.bytes.get(index).copied() {
                Some(b' ' | b'\t' | b'\x0c') => index += 1,
                Some(b'\n' | b'\r') => {
                    newline = true;
                    index += 1;
                }
                Some(b'-') if self.bytes.get(index + 1) == Some(&b'-') => {
                    while self
                        .bytes
                        .get(index)
                        .is_some_and(|&b| b != b'\n' && b != b'\r')
                    {
                        index += 1;
                    }
                }
                Some(b'\'') if newline => return Some(index),
                _ => return None,
            }
        }
    }

    fn bit_string(&mut self) -> Result<TokenKind<'a>> {
        let start = self.position;
        self.position += 2;
        match self.rest().find('\'') {
            Some(offset) => {
                let body = &self.sql[self.position..self.position + offset];
                self.position += offset + 1;
                Ok(TokenKind::BitString(body))
            }
            None => Err(error_near(
                self.sql,
                start,
                "unterminated bit string literal",
                &self.sql[start..],
            )),
        }
    }

    /// A run of operator characters, trimmed as PostgreSQL trims it.
    fn operator(&mut self) -> TokenKind<'a> {
        let start = self.position;
        let mut end = start;
        while self.bytes.get(end).copied().is_some_and(is_operator_char) {
            end += 1;
        }
        let run = &self.bytes[start..end];
        // A comment start inside the run ends the operator before it.
        let mut length = run
            .windows(2)
            .position(|pair| pair == b"--" || pair == b"/*")
            .unwrap_or(run.len());
        if length == 0 {
            // Cannot happen: comments are skipped before a token starts. Stay safe anyway.
            length = 1;
        }
        if length > 1 && matches!(run[length - 1], b'+' | b'-') {
            let keeps_sign = run[..length - 1].iter().any(|b| {
                matches!(
                    b,
                    b'~' | b'!' | b'@' | b'#' | b'^' | b'&' | b'|' | b'`' | b'?' | b'%'
                )
            });
            if !keeps_sign {
                while length > 1 && matches!(run[length - 1], b'+' | b'-') {
                    length -= 1;
                }
            }
        }
        self.position = start + length;
        let text = &self.sql[start..self.position];
        let symbol = match text {
            "+" => Symbol::Plus,
            "-" => Symbol::Minus,
            "*" => Symbol::Star,
            "/" => Symbol::Slash,
            "%" => Symbol::Percent,
            "^" => Symbol::Caret,
            "=" => Symbol::Equals,
            "<" => Symbol::Less,
            ">" => Symbol::Greater,
            "<=" => Symbol::LessEquals,
            ">=" => Symbol::GreaterEquals,
            "<>" | "!=" => Symbol::NotEquals,
            "=>" => Symbol::EqualsGreater,
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
            _ => return TokenKind::Operator(text),
        };
        TokenKind::Symbol(symbol)
    }
}

fn append<'a>(value: &mut Cow<'a, str>, piece: &'a str) {
    if value.is_empty()
        && let Cow::Borrowed(_) = value
    {
        *value = Cow::Borrowed(piece);
        return;
    }
    if !piece.is_empty() {
        value.to_mut().push_str(piece);
    }
}

/// Turns the bytes an `E'...'` string produced into a string, reporting bad UTF-8 as
/// PostgreSQL does.
fn bytes_to_string(bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|error| {
        let bytes = error.as_bytes();
        let start = error.utf8_error().valid_up_to();
        let expected = match bytes[start] {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        let shown: Vec<String> = bytes[start..(start + expected).min(bytes.len())]
            .iter()
            .map(|byte| format!("0x{byte:02x}"))
            .collect();
        Error::new(
            SqlState::CHARACTER_NOT_IN_REPERTOIRE,
            format!(
                "invalid byte sequence for encoding \"UTF8\": {}",
                shown.join(" ")
            ),
        )
    })
}
