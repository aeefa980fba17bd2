//! `json` and `jsonb`.
//!
//! Both types accept the same text (RFC 8259, as PostgreSQL's JSON lexer reads it). They differ
//! in what they keep:
//!
//! * `json` keeps the input text exactly, whitespace, key order and duplicate keys included;
//!   its operators re-parse it and return slices of the original text (PostgreSQL does the
//!   same).
//! * `jsonb` keeps a normalised tree ([`Jsonb`]): object keys sorted shortest first then
//!   bytewise, duplicate keys resolved to the last value, numbers read as `numeric` (so `1e2`
//!   becomes `100` and `1.50` stays `1.50`), strings unescaped. Output is PostgreSQL's
//!   (`{"a": 1, "b": [1, 2]}`: a space after each `:` and `,`).
//!
//! Numbers are arbitrary-precision decimals held as their canonical numeric text (see
//! `number`), not as db001's 28-digit [`crate::Numeric`], so no JSON number PostgreSQL accepts
//! is refused or rounded.
//!
//! | module | owns |
//! | --- | --- |
//! | `number` | canonical decimal text of JSON numbers and their comparison |
//! | `order` | jsonb comparison (PostgreSQL's btree order), hashing, index-key encoding |
//! | [`ops`] | operators and functions: `->`, `->>`, `#>`, `#>>`, `@>`, `jsonb_typeof`, builders, `to_json` |
//!
//! Nesting is limited to [`DEPTH_MAX`] levels (54001 beyond), so no document can exhaust the
//! stack in the recursive parser, printer, comparison or drop.

pub(crate) mod number;
pub mod ops;
pub(crate) mod order;

use crate::error::{Error, Result, SqlState};

/// The deepest nesting of arrays and objects accepted.
pub const DEPTH_MAX: usize = 1000;

/// A `jsonb` document.
#[derive(Debug, Clone)]
pub enum Jsonb {
    Null,
    Bool(bool),
    /// Canonical numeric text: `-12.50`, `100`, `0.0001`.
    Number(Box<str>),
    String(Box<str>),
    Array(Vec<Jsonb>),
    /// Pairs sorted by key length, then key bytes; keys unique.
    Object(Vec<(Box<str>, Jsonb)>),
}

/// A parsed JSON value with the byte range of its source text (for `json`'s operators).
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) kind: NodeKind,
}

#[derive(Debug, Clone)]
pub(crate) enum NodeKind {
    Null,
    Bool(bool),
    Number,
    String(String),
    Array(Vec<Node>),
    /// Pairs in input order, duplicates kept.
    Object(Vec<(String, Node)>),
}

fn invalid(detail: impl Into<String>, _text: &str) -> Error {
    Error::new(
        SqlState::INVALID_TEXT_REPRESENTATION,
        "invalid input syntax for type json",
    )
    .with_detail(detail)
}

/// A recursive-descent JSON parser over the input bytes.
struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
    /// `jsonb` rejects `\u0000` (it cannot be text); `json` keeps it.
    for_jsonb: bool,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The token at the cursor, for error details.
    fn token(&self) -> String {
        let rest = &self.text[self.at..];
        let end = rest
            .char_indices()
            .find(|(index, c)| {
                *index > 0 && (c.is_whitespace() || matches!(c, ',' | ':' | ']' | '}' | '[' | '{'))
            })
            .map_or(rest.len(), |(index, _)| index);
        rest[..end.max(rest.chars().next().map_or(0, char::len_utf8))].to_string()
    }

    fn value(&mut self, depth: usize) -> Result<Node> {
        if depth > DEPTH_MAX {
            return Err(Error::new(
                SqlState::STATEMENT_TOO_COMPLEX,
                "stack depth limit exceeded",
            ));
        }
        self.skip_space();
        let start = self.at;
        let Some(&byte) = self.bytes.get(self.at) else {
            return Err(invalid("The input string ended unexpectedly.", self.text));
        };
        let kind = match byte {
            b'{' => {
                self.at += 1;
                let mut pairs = Vec::new();
                self.skip_space();
                if self.bytes.get(self.at) == Some(&b'}') {
                    self.at += 1;
                } else {
                    loop {
                        self.skip_space();
                        if self.bytes.get(self.at) != Some(&b'"') {
                            return Err(self.expected("string"));
                        }
                        let key = self.string()?;
                        self.skip_space();
                        if self.bytes.get(self.at) != Some(&b':') {
                            return Err(self.expected("\":\""));
                        }
                        self.at += 1;
                        let value = self.value(depth + 1)?;
                        pairs.push((key, value));
                        self.skip_space();
                        match self.bytes.get(self.at) {
                            Some(b',') => self.at += 1,
                            Some(b'}') => {
                                self.at += 1;
                                break;
                            }
                            _ => return Err(self.expected("\",\" or \"}\"")),
                        }
                    }
                }
                NodeKind::Object(pairs)
            }
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                self.skip_space();
                if self.bytes.get(self.at) == Some(&b']') {
                    self.at += 1;
                } else {
                    loop {
                        items.push(self.value(depth + 1)?);
                        self.skip_space();
                        match self.bytes.get(self.at) {
                            Some(b',') => self.at += 1,
                            Some(b']') => {
                                self.at += 1;
                                break;
                            }
                            _ => return Err(self.expected("\",\" or \"]\"")),
                        }
                    }
                }
                NodeKind::Array(items)
            }
            b'"' => NodeKind::String(self.string()?),
            b'-' | b'0'..=b'9' => {
                self.number()?;
                NodeKind::Number
            }
            b't' | b'f' | b'n' => {
                let token = self.token();
                let kind = match token.as_str() {
                    "true" => NodeKind::Bool(true),
                    "false" => NodeKind::Bool(false),
                    "null" => NodeKind::Null,
                    _ => return Err(invalid(format!("Token \"{token}\" is invalid."), self.text)),
                };
                self.at += token.len();
                kind
            }
            b']' | b'}' | b',' | b':' => {
                return Err(invalid(
                    format!("Expected JSON value, but found \"{}\".", char::from(byte)),
                    self.text,
                ));
            }
            _ => {
                let token = self.token();
                return Err(invalid(format!("Token \"{token}\" is invalid."), self.text));
            }
        };
        Ok(Node {
            start,
            end: self.at,
            kind,
        })
    }

    fn expected(&self, what: &str) -> Error {
        match self.bytes.get(self.at) {
            None => invalid("The input string ended unexpectedly.", self.text),
            Some(_) => invalid(
                format!("Expected {what}, but found \"{}\".", self.token()),
                self.text,
            ),
        }
    }

    /// A number token: `-`? (`0` | [1-9][0-9]*) (`.` [0-9]+)? ([eE] [+-]? [0-9]+)?
    fn number(&mut self) -> Result<()> {
        let start = self.at;
        let digits = |parser: &mut Self| {
            let from = parser.at;
            while parser.bytes.get(parser.at).is_some_and(u8::is_ascii_digit) {
                parser.at += 1;
            }
            parser.at - from
        };
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        let leading_zero = self.bytes.get(self.at) == Some(&b'0');
        let integer_digits = digits(self);
        let mut valid = integer_digits > 0 && !(leading_zero && integer_digits > 1);
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            valid &= digits(self) > 0;
        }
        if matches!(self.bytes.get(self.at), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.bytes.get(self.at), Some(b'+' | b'-')) {
                self.at += 1;
            }
            valid &= digits(self) > 0;
        }
        // A number runs into any following word characters as one invalid token.
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'.' || *b == b'_')
        {
            self.at += 1;
            valid = false;
        }
        if !valid {
            let token = &self.text[start..self.at];
            return Err(invalid(format!("Token \"{token}\" is invalid."), self.text));
        }
        Ok(())
    }

    /// A string token after its opening quote; returns the unescaped text.
    fn string(&mut self) -> Result<String> {
        self.at += 1;
        let mut out = String::new();
        loop {
            let Some(&byte) = self.bytes.get(self.at) else {
                return Err(invalid("The input string ended unexpectedly.", self.text));
            };
            match byte {
                b'"' => {
                    self.at += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.at += 1;
                    let Some(&escape) = self.bytes.get(self.at) else {
                        return Err(invalid("The input string ended unexpectedly.", self.text));
                    };
                    self.at += 1;
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let unit = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&unit) {
                                let low = if self.bytes.get(self.at) == Some(&b'\\')
                                    && self.bytes.get(self.at + 1) == Some(&b'u')
                                {
                                    self.at += 2;
                                    self.hex4()?
                                } else {
                                    0
                                };
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(invalid(
                                        "Unicode low surrogate must follow a high surrogate.",
                                        self.text,
                                    ));
                                }
                                0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                            } else if (0xDC00..0xE000).contains(&unit) {
                                return Err(invalid(
                                    "Unicode low surrogate must follow a high surrogate.",
                                    self.text,
                                ));
                            } else {
                                unit
                            };
                            if code == 0 && self.for_jsonb {
                                return Err(Error::new(
                                    SqlState::new("22P05"),
                                    "unsupported Unicode escape sequence",
                                )
                                .with_detail("\\u0000 cannot be converted to text."));
                            }
                            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                        }
                        _ => {
                            return Err(invalid(
                                format!("Escape sequence \"\\{}\" is invalid.", char::from(escape)),
                                self.text,
                            ));
                        }
                    }
                }
                0x00..=0x1f => {
                    return Err(invalid(
                        format!("Character with value 0x{byte:02x} must be escaped."),
                        self.text,
                    ));
                }
                _ => {
                    let rest = &self.text[self.at..];
                    let run = rest
                        .find(|c: char| c == '"' || c == '\\' || (c as u32) < 0x20)
                        .unwrap_or(rest.len());
                    out.push_str(&rest[..run]);
                    self.at += run;
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32> {
        let digits = self
            .text
            .get(self.at..self.at + 4)
            .filter(|digits| digits.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| {
                invalid(
                    "\"\\u\" must be followed by four hexadecimal digits.",
                    self.text,
                )
            })?;
        self.at += 4;
        Ok(u32::from_str_radix(digits, 16).expect("four hex digits"))
    }
}

/// Parses JSON text into a node tree with source spans.
pub(crate) fn parse_nodes(text: &str, for_jsonb: bool) -> Result<Node> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        at: 0,
        for_jsonb,
    };
    let node = parser.value(0)?;
    parser.skip_space();
    if parser.at != text.len() {
        return Err(invalid(
            format!("Expected end of input, but found \"{}\".", parser.token()),
            text,
        ));
    }
    Ok(node)
}

/// `json_in`: validates the text (the value is the text itself).
pub fn validate_json(text: &str) -> Result<()> {
    parse_nodes(text, false).map(|_| ())
}

impl Jsonb {
    /// `jsonb_in`.
    pub fn parse(text: &str) -> Result<Jsonb> {
        let node = parse_nodes(text, true)?;
        Jsonb::from_node(text, node)
    }

    pub(crate) fn from_node(text: &str, node: Node) -> Result<Jsonb> {
        Ok(match node.kind {
            NodeKind::Null => Jsonb::Null,
            NodeKind::Bool(b) => Jsonb::Bool(b),
            NodeKind::Number => {
                Jsonb::Number(number::canonical(&text[node.start..node.end])?.into())
            }
            NodeKind::String(s) => Jsonb::String(s.into()),
            NodeKind::Array(items) => Jsonb::Array(
                items
                    .into_iter()
                    .map(|item| Jsonb::from_node(text, item))
                    .collect::<Result<_>>()?,
            ),
            NodeKind::Object(pairs) => {
                let pairs = pairs
                    .into_iter()
                    .map(|(key, value)| Ok((key.into_boxed_str(), Jsonb::from_node(text, value)?)))
                    .collect::<Result<Vec<_>>>()?;
                Jsonb::object(pairs)
            }
        })
    }

    /// An object from pairs in any order: sorted PostgreSQL's way, the last duplicate winning.
    pub fn object(mut pairs: Vec<(Box<str>, Jsonb)>) -> Jsonb {
        // A stable sort keeps duplicates in input order; keep the last of each run.
        pairs.sort_by(|(a, _), (b, _)| order::key_order(a, b));
        let mut unique: Vec<(Box<str>, Jsonb)> = Vec::with_capacity(pairs.len());
        for (key, value) in pairs {
            match unique.last_mut() {
                Some((last, slot)) if *last == key => *slot = value,
                _ => unique.push((key, value)),
            }
        }
        Jsonb::Object(unique)
    }

    /// `jsonb_out`.
    pub fn write(&self, out: &mut String) {
        match self {
            Jsonb::Null => out.push_str("null"),
            Jsonb::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Jsonb::Number(n) => out.push_str(n),
            Jsonb::String(s) => write_json_string(s, out),
            Jsonb::Array(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Jsonb::Object(pairs) => {
                out.push('{');
                for (index, (key, value)) in pairs.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    write_json_string(key, out);
                    out.push_str(": ");
                    value.write(out);
                }
                out.push('}');
            }
        }
    }

    /// The text `jsonb_out` produces.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    /// The nesting depth (0 for a scalar).
    pub fn depth(&self) -> usize {
        match self {
            Jsonb::Array(items) => 1 + items.iter().map(Jsonb::depth).max().unwrap_or(0),
            Jsonb::Object(pairs) => 1 + pairs.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }
}

/// PostgreSQL's `escape_json`: quotes, backslashes and control characters escaped.
pub fn write_json_string(text: &str, out: &mut String) {
    use std::fmt::Write;
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                write!(out, "\\u{:04x}", c as u32).expect("writing to a String cannot fail")
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(text: &str) -> String {
        Jsonb::parse(text).expect(text).to_text()
    }

    #[test]
    fn jsonb_normalises_like_postgres() {
        assert_eq!(
            normalized(r#"{"b":1,"a":2,"aa":3,"a":4}"#),
            r#"{"a": 4, "b": 1, "aa": 3}"#
        );
        assert_eq!(
            normalized("[1.0, 1e2, -0, 1E+2, 0.1e-3, 12345678901234567890123456789012345]"),
            "[1.0, 100, 0, 100, 0.0001, 12345678901234567890123456789012345]"
        );
        assert_eq!(
            normalized(r#""\u0041\/\n\u001f\u00e9""#),
            "\"A/\\n\\u001fé\""
        );
        assert_eq!(normalized("  [1,2]  "), "[1, 2]");
        assert_eq!(normalized(r#""\ud83d\ude00""#), "\"😀\"");
        for bad in [
            "01",
            "1.",
            "[1,]",
            ".5",
            "{",
            "[1,2",
            r#"{"a":}"#,
            r#""\ud83d""#,
            "tru",
            "",
        ] {
            let error = Jsonb::parse(bad).expect_err(bad);
            assert_eq!(error.code(), SqlState::INVALID_TEXT_REPRESENTATION, "{bad}");
        }
        assert_eq!(
            Jsonb::parse(r#""\u0000""#).expect_err("NUL").code().code(),
            "22P05"
        );
        assert!(validate_json(r#""\u0000""#).is_ok());
        let deep = "[".repeat(DEPTH_MAX + 2);
        assert_eq!(
            Jsonb::parse(&deep).expect_err("too deep").code(),
            SqlState::STATEMENT_TOO_COMPLEX
        );
    }
}
