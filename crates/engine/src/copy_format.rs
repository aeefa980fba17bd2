//! COPY's text and CSV formats: options, splitting input into records, parsing fields, and
//! writing rows — byte for byte as PostgreSQL 15 reads and writes them.
//!
//! - **text**: one line per row, fields separated by the delimiter (tab), `\N` for NULL,
//!   backslash escapes (`\t`, `\n`, `\\`, `\r`, `\b`, `\f`, `\v`, octal `\123`, hex `\x41`);
//!   a line `\.` ends the data.
//! - **csv**: fields separated by the delimiter (comma), quoted with `"` when they hold the
//!   delimiter, a quote, a line break, or look like the NULL string; a quote inside quotes is
//!   doubled (or escaped with ESCAPE); an unquoted empty field is NULL; records may span lines
//!   inside quotes; an optional header line.

use db001_common::{Error, Result, SqlState, Value};
use db001_sql::ast::{CopyOption, CopyOptionValue};

/// COPY's format options after checking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CopyFormat {
    pub(crate) csv: bool,
    /// `FORMAT binary` (see `copy_binary`).
    pub(crate) binary: bool,
    pub(crate) delimiter: char,
    pub(crate) null: String,
    pub(crate) quote: char,
    pub(crate) escape: char,
    pub(crate) header: bool,
    /// FORCE_QUOTE: all columns (`*`) or these.
    pub(crate) force_quote_all: bool,
    pub(crate) force_quote: Vec<String>,
}

fn option_error(message: impl Into<String>) -> Error {
    Error::new(SqlState::SYNTAX_ERROR, message)
}

fn single_char(name: &str, value: &str) -> Result<char> {
    let mut chars = value.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii() => Ok(c),
        _ => Err(Error::new(
            SqlState::FEATURE_NOT_SUPPORTED,
            format!("COPY {name} must be a single one-byte character"),
        )),
    }
}

fn boolean(name: &str, value: &CopyOptionValue) -> Result<bool> {
    match value {
        CopyOptionValue::None => Ok(true),
        CopyOptionValue::Text(text) => match text.to_ascii_lowercase().as_str() {
            "true" | "on" | "1" | "yes" => Ok(true),
            "false" | "off" | "0" | "no" => Ok(false),
            // HEADER MATCH (PostgreSQL 15) is accepted as a plain header.
            "match" if name == "header" => Ok(true),
            _ => Err(option_error(format!("{name} requires a Boolean value"))),
        },
        _ => Err(option_error(format!("{name} requires a Boolean value"))),
    }
}

fn text(name: &str, value: &CopyOptionValue) -> Result<String> {
    match value {
        CopyOptionValue::Text(text) => Ok(text.clone()),
        _ => Err(option_error(format!("{name} requires a string value"))),
    }
}

impl CopyFormat {
    /// Checks COPY's options (`from`: COPY FROM).
    pub(crate) fn from_options(options: &[CopyOption], from: bool) -> Result<CopyFormat> {
        let mut csv = false;
        let mut binary = false;
        let mut delimiter = None;
        let mut null = None;
        let mut quote = None;
        let mut escape = None;
        let mut header = false;
        let mut force_quote_all = false;
        let mut force_quote = Vec::new();
        for option in options {
            let name = option.name.as_str();
            let value = &option.value;
            match name {
                "format" => match text(name, value)?.to_ascii_lowercase().as_str() {
                    "text" => csv = false,
                    "csv" => csv = true,
                    "binary" => binary = true,
                    other => {
                        return Err(option_error(format!(
                            "COPY format \"{other}\" not recognized"
                        )));
                    }
                },
                "delimiter" => delimiter = Some(single_char("delimiter", &text(name, value)?)?),
                "null" => null = Some(text(name, value)?),
                "quote" => quote = Some(single_char("quote", &text(name, value)?)?),
                "escape" => escape = Some(single_char("escape", &text(name, value)?)?),
                "header" => header = boolean(name, value)?,
                // db001 writes no hint bits; FREEZE changes nothing it could skip.
                "freeze" => {
                    boolean(name, value)?;
                }
                "encoding" => {
                    let encoding = text(name, value)?
                        .to_ascii_uppercase()
                        .replace(['-', '_'], "");
                    if encoding != "UTF8" {
                        return Err(Error::feature_not_supported(
                            "COPY supports only the UTF8 encoding",
                        ));
                    }
                }
                "force_quote" => match value {
                    CopyOptionValue::Star => force_quote_all = true,
                    CopyOptionValue::Columns(columns) => {
                        force_quote = columns.iter().map(|c| c.value.clone()).collect();
                    }
                    _ => {
                        return Err(option_error(
                            "argument to option \"force_quote\" must be a list of column names",
                        ));
                    }
                },
                "force_not_null" | "force_null" => {}
                other => {
                    return Err(option_error(format!("option \"{other}\" not recognized")));
                }
            }
        }
        if !csv
            && (quote.is_some() || escape.is_some() || !force_quote.is_empty() || force_quote_all)
        {
            return Err(Error::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "COPY quote available only in CSV mode",
            ));
        }
        if !csv && header && from {
            // PostgreSQL 15 allows HEADER in text format too.
        }
        if from && (force_quote_all || !force_quote.is_empty()) {
            return Err(Error::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "COPY force quote only available using COPY TO",
            ));
        }
        if binary && (delimiter.is_some() || null.is_some() || header) {
            let option = if delimiter.is_some() {
                "DELIMITER"
            } else if null.is_some() {
                "NULL"
            } else {
                "HEADER"
            };
            return Err(option_error(format!(
                "cannot specify {option} in BINARY mode"
            )));
        }
        let delimiter = delimiter.unwrap_or(if csv { ',' } else { '\t' });
        let quote = quote.unwrap_or('"');
        Ok(CopyFormat {
            csv,
            binary,
            delimiter,
            null: null.unwrap_or_else(|| {
                if csv {
                    String::new()
                } else {
                    "\\N".to_string()
                }
            }),
            quote,
            escape: escape.unwrap_or(quote),
            header,
            force_quote_all,
            force_quote,
        })
    }

    /// One output line (with its newline) for a row.
    pub(crate) fn format_row(&self, row: &[Value], quoted: &[bool]) -> String {
        let mut line = String::new();
        for (index, value) in row.iter().enumerate() {
            if index > 0 {
                line.push(self.delimiter);
            }
            if value.is_null() {
                line.push_str(&self.null);
                continue;
            }
            let text = value.to_text();
            if self.csv {
                self.write_csv_field(
                    &text,
                    quoted.get(index).copied().unwrap_or(false),
                    &mut line,
                );
            } else {
                self.write_text_field(&text, &mut line);
            }
        }
        line.push('\n');
        line
    }

    /// The header line: column names.
    pub(crate) fn header_line(&self, names: &[String]) -> String {
        let mut line = String::new();
        for (index, name) in names.iter().enumerate() {
            if index > 0 {
                line.push(self.delimiter);
            }
            if self.csv {
                self.write_csv_field(name, false, &mut line);
            } else {
                self.write_text_field(name, &mut line);
            }
        }
        line.push('\n');
        line
    }

    fn write_text_field(&self, text: &str, out: &mut String) {
        for c in text.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' if self.delimiter == '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '\u{b}' => out.push_str("\\v"),
                c if c == self.delimiter => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
    }

    fn write_csv_field(&self, text: &str, force: bool, out: &mut String) {
        let needs_quotes = force
            || text == self.null
            || text.is_empty() && self.null.is_empty()
            || text.starts_with("\\.")
            || text
                .chars()
                .any(|c| c == self.delimiter || c == self.quote || c == '\n' || c == '\r');
        if !needs_quotes {
            out.push_str(text);
            return;
        }
        out.push(self.quote);
        for c in text.chars() {
            if c == self.quote || c == self.escape {
                out.push(self.escape);
            }
            out.push(c);
        }
        out.push(self.quote);
    }

    /// Takes the next complete record off the front of `buffer`, if there is one: up to a
    /// newline outside quotes (CSV) or any newline (text). The record excludes its line
    /// ending (`\n` or `\r\n`).
    pub(crate) fn take_record(&self, buffer: &mut String) -> Option<String> {
        let end = if self.csv {
            let mut in_quotes = false;
            let mut found = None;
            let mut previous_escape = false;
            for (index, c) in buffer.char_indices() {
                if in_quotes {
                    if previous_escape {
                        previous_escape = false;
                        continue;
                    }
                    if c == self.escape && self.escape != self.quote {
                        previous_escape = true;
                    } else if c == self.quote {
                        in_quotes = false;
                    }
                } else if c == self.quote {
                    in_quotes = true;
                } else if c == '\n' {
                    found = Some(index);
                    break;
                }
            }
            found?
        } else {
            buffer.find('\n')?
        };
        let mut record: String = buffer.drain(..=end).collect();
        record.pop();
        if record.ends_with('\r') {
            record.pop();
        }
        Some(record)
    }

    /// Whether a record is the end-of-data marker `\.`.
    pub(crate) fn is_end_marker(&self, record: &str) -> bool {
        record == "\\."
    }

    /// Splits a record into fields (`None`: NULL).
    pub(crate) fn parse_record(&self, record: &str) -> Result<Vec<Option<String>>> {
        if self.csv {
            self.parse_csv(record)
        } else {
            self.parse_text(record)
        }
    }

    fn parse_text(&self, record: &str) -> Result<Vec<Option<String>>> {
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut raw = String::new();
        let mut chars = record.chars().peekable();
        let finish = |field: &mut String, raw: &mut String, fields: &mut Vec<Option<String>>| {
            if *raw == self.null {
                fields.push(None);
            } else {
                fields.push(Some(std::mem::take(field)));
            }
            field.clear();
            raw.clear();
        };
        while let Some(c) = chars.next() {
            if c == self.delimiter {
                finish(&mut field, &mut raw, &mut fields);
                continue;
            }
            raw.push(c);
            if c != '\\' {
                field.push(c);
                continue;
            }
            let Some(next) = chars.next() else {
                break;
            };
            raw.push(next);
            match next {
                'n' => field.push('\n'),
                'r' => field.push('\r'),
                't' => field.push('\t'),
                'b' => field.push('\u{8}'),
                'f' => field.push('\u{c}'),
                'v' => field.push('\u{b}'),
                'x' => {
                    let mut value = 0u32;
                    let mut digits = 0;
                    while digits < 2 {
                        match chars.peek().and_then(|c| c.to_digit(16)) {
                            Some(digit) => {
                                value = value * 16 + digit;
                                raw.push(chars.next().unwrap_or('0'));
                                digits += 1;
                            }
                            None => break,
                        }
                    }
                    if digits == 0 {
                        field.push('x');
                    } else {
                        field.push(char::from_u32(value).unwrap_or('\u{fffd}'));
                    }
                }
                '0'..='7' => {
                    let mut value = next.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match chars.peek().and_then(|c| c.to_digit(8)) {
                            Some(digit) => {
                                value = value * 8 + digit;
                                raw.push(chars.next().unwrap_or('0'));
                            }
                            None => break,
                        }
                    }
                    field.push(char::from_u32(value).unwrap_or('\u{fffd}'));
                }
                other => field.push(other),
            }
        }
        finish(&mut field, &mut raw, &mut fields);
        Ok(fields)
    }

    fn parse_csv(&self, record: &str) -> Result<Vec<Option<String>>> {
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut in_quotes = false;
        let mut chars = record.chars().peekable();
        loop {
            let Some(c) = chars.next() else {
                if in_quotes {
                    return Err(Error::new(
                        SqlState::BAD_COPY_FILE_FORMAT,
                        "unterminated CSV quoted field",
                    ));
                }
                fields.push(csv_value(field, quoted, &self.null));
                return Ok(fields);
            };
            if in_quotes {
                if c == self.escape
                    && chars.peek() == Some(&self.quote)
                    && self.escape != self.quote
                {
                    field.push(chars.next().unwrap_or(self.quote));
                } else if c == self.quote {
                    if self.escape == self.quote && chars.peek() == Some(&self.quote) {
                        chars.next();
                        field.push(self.quote);
                    } else {
                        in_quotes = false;
                    }
                } else {
                    field.push(c);
                }
            } else if c == self.quote {
                in_quotes = true;
                quoted = true;
            } else if c == self.delimiter {
                fields.push(csv_value(std::mem::take(&mut field), quoted, &self.null));
                quoted = false;
            } else {
                field.push(c);
            }
        }
    }
}

fn csv_value(field: String, quoted: bool, null: &str) -> Option<String> {
    if !quoted && field == null {
        None
    } else {
        Some(field)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(list: &[(&str, Option<&str>)]) -> Vec<CopyOption> {
        list.iter()
            .map(|(name, value)| CopyOption {
                name: name.to_string(),
                value: value.map_or(CopyOptionValue::None, |v| CopyOptionValue::Text(v.into())),
            })
            .collect()
    }

    #[test]
    fn text_format_round_trips_escapes_and_nulls() {
        let format = CopyFormat::from_options(&[], true).expect("defaults");
        let row = vec![Value::text("a\tb\\c\nd"), Value::Null, Value::Int32(7)];
        let line = format.format_row(&row, &[]);
        assert_eq!(line, "a\\tb\\\\c\\nd\t\\N\t7\n");
        let mut buffer = line.clone();
        let record = format.take_record(&mut buffer).expect("a whole line");
        assert!(buffer.is_empty());
        assert_eq!(
            format.parse_record(&record).expect("parses"),
            vec![Some("a\tb\\c\nd".to_string()), None, Some("7".to_string())]
        );
        assert_eq!(
            format.parse_record("\\101\\x42").expect("octal and hex"),
            vec![Some("AB".to_string())]
        );
    }

    #[test]
    fn csv_quotes_nulls_and_multiline_records() {
        let format =
            CopyFormat::from_options(&options(&[("format", Some("csv")), ("header", None)]), true)
                .expect("csv");
        assert!(format.header);
        let mut buffer = "1,\"x,\"\"y\"\"\nz\",\n2,\"\",plain\r\npartial".to_string();
        let first = format.take_record(&mut buffer).expect("first record");
        assert_eq!(
            format.parse_record(&first).expect("parses"),
            vec![Some("1".into()), Some("x,\"y\"\nz".into()), None]
        );
        let second = format.take_record(&mut buffer).expect("second record");
        assert_eq!(
            format.parse_record(&second).expect("parses"),
            vec![Some("2".into()), Some(String::new()), Some("plain".into())]
        );
        assert_eq!(format.take_record(&mut buffer), None);
        assert_eq!(buffer, "partial");
        let line = format.format_row(&[Value::text("a,b"), Value::Null, Value::text("")], &[]);
        assert_eq!(line, "\"a,b\",,\"\"\n");
        let error = format.parse_record("\"open").expect_err("unterminated");
        assert_eq!(error.code(), SqlState::BAD_COPY_FILE_FORMAT);
    }

    #[test]
    fn options_are_checked() {
        let format = CopyFormat::from_options(
            &options(&[("delimiter", Some("|")), ("null", Some("NULL"))]),
            true,
        )
        .expect("text with options");
        assert_eq!(
            format.parse_record("1|NULL|x").expect("parses"),
            vec![Some("1".into()), None, Some("x".into())]
        );
        assert!(CopyFormat::from_options(&options(&[("quote", Some("'"))]), true).is_err());
        assert!(CopyFormat::from_options(&options(&[("delimiter", Some("ab"))]), true).is_err());
        assert!(
            CopyFormat::from_options(&options(&[("format", Some("binary"))]), true)
                .expect("binary COPY FROM")
                .binary
        );
        assert!(
            CopyFormat::from_options(&options(&[("format", Some("binary"))]), false)
                .expect("binary COPY TO")
                .binary
        );
        assert!(
            CopyFormat::from_options(
                &options(&[("format", Some("binary")), ("null", Some("x"))]),
                true
            )
            .is_err()
        );
        assert!(CopyFormat::from_options(&options(&[("bogus", None)]), true).is_err());
    }
}
