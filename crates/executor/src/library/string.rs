//! String and byte-string functions with PostgreSQL 15's results.
//!
//! Lengths and positions count characters (UTF-8 code points); `octet_length` counts bytes.
//! Case mapping (`lower`, `upper`, `initcap`) is the C locale's: ASCII letters only, which is
//! what PostgreSQL does in a database created with `LC_CTYPE = C`, the collation db001
//! implements (strings compare bytewise). Arguments arrive already cast to the parameter
//! types the binder chose, and NULLs have been handled for strict functions.

use std::sync::Arc;

use db001_common::{Error, Result, SqlState, Value};
use db001_planner::builtin::StringFunction;
use db001_sql::keywords::quote_identifier;

use super::{Arguments, text_value};

/// Calls a string function.
pub(crate) fn call(function: StringFunction, args: Vec<Value>) -> Result<Value> {
    let mut args = Arguments::new(args);
    use StringFunction as F;
    Ok(match function {
        F::Length => Value::Int32(args.text()?.chars().count() as i32),
        F::BpcharLength => Value::Int32(args.text()?.trim_end_matches(' ').chars().count() as i32),
        F::ByteaLength => Value::Int32(args.bytes()?.len() as i32),
        F::OctetLength => match args.next()? {
            Value::Bytea(bytes) => Value::Int32(bytes.len() as i32),
            other => Value::Int32(other.as_str().map_or(0, str::len) as i32),
        },
        F::BitLength => match args.next()? {
            Value::Bytea(bytes) => Value::Int32(bytes.len() as i32 * 8),
            other => Value::Int32(other.as_str().map_or(0, str::len) as i32 * 8),
        },
        F::Lower => text_value(lower(&args.text()?)),
        F::Upper => text_value(upper(&args.text()?)),
        F::Initcap => text_value(initcap(&args.text()?)),
        F::Substring => {
            let text = args.text()?;
            let start = args.int()?;
            let count = args.optional_int()?;
            let chars: Vec<char> = text.chars().collect();
            let (from, to) = substring_range(chars.len(), start, count)?;
            text_value(chars[from..to].iter().collect())
        }
        F::ByteaSubstring => {
            let bytes = args.bytes()?;
            let start = args.int()?;
            let count = args.optional_int()?;
            let (from, to) = substring_range(bytes.len(), start, count)?;
            Value::Bytea(Arc::from(&bytes[from..to]))
        }
        F::Position => {
            let haystack = args.text()?;
            let needle = args.text()?;
            Value::Int32(match haystack.find(needle.as_str()) {
                Some(at) => haystack[..at].chars().count() as i32 + 1,
                None => 0,
            })
        }
        F::Trim | F::LeftTrim | F::RightTrim => {
            let text = args.text()?;
            let set = args.optional_text()?.unwrap_or_else(|| " ".to_string());
            let in_set = |c: char| set.contains(c);
            text_value(match function {
                F::Trim => text.trim_matches(in_set).to_string(),
                F::LeftTrim => text.trim_start_matches(in_set).to_string(),
                _ => text.trim_end_matches(in_set).to_string(),
            })
        }
        F::Replace => {
            let text = args.text()?;
            let from = args.text()?;
            let to = args.text()?;
            if from.is_empty() {
                text_value(text)
            } else {
                text_value(text.replace(&from, &to))
            }
        }
        F::Concat => {
            let mut out = String::new();
            for value in args.rest() {
                if !value.is_null() {
                    out.push_str(&value.to_text());
                }
            }
            text_value(out)
        }
        F::ConcatWithSeparator => {
            let separator = args.next()?;
            let Some(separator) = separator.as_str().map(str::to_string) else {
                return Ok(Value::Null);
            };
            let parts: Vec<String> = args
                .rest()
                .into_iter()
                .filter(|value| !value.is_null())
                .map(|value| value.to_text())
                .collect();
            text_value(parts.join(&separator))
        }
        F::Left | F::Right => {
            let chars: Vec<char> = args.text()?.chars().collect();
            let n = i64::from(args.int()?);
            let length = chars.len() as i64;
            let keep = if n >= 0 {
                n.min(length)
            } else {
                (length + n).max(0)
            } as usize;
            text_value(if function == F::Left {
                chars[..keep].iter().collect()
            } else {
                chars[chars.len() - keep..].iter().collect()
            })
        }
        F::LeftPad | F::RightPad => {
            let chars: Vec<char> = args.text()?.chars().collect();
            let length = args.int()?.max(0) as usize;
            let fill: Vec<char> = args
                .optional_text()?
                .unwrap_or_else(|| " ".to_string())
                .chars()
                .collect();
            if length > 268_435_455 {
                return Err(Error::new(
                    SqlState::PROGRAM_LIMIT_EXCEEDED,
                    "requested length too large",
                ));
            }
            if chars.len() >= length || fill.is_empty() {
                text_value(chars[..chars.len().min(length)].iter().collect())
            } else {
                let padding: String = fill.iter().cycle().take(length - chars.len()).collect();
                let text: String = chars.iter().collect();
                text_value(if function == F::LeftPad {
                    padding + &text
                } else {
                    text + &padding
                })
            }
        }
        F::SplitPart => {
            let text = args.text()?;
            let delimiter = args.text()?;
            let field = args.int()?;
            if field == 0 {
                return Err(Error::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    "field position must not be zero",
                ));
            }
            let parts: Vec<&str> = if delimiter.is_empty() {
                vec![text.as_str()]
            } else {
                text.split(delimiter.as_str()).collect()
            };
            let index = if field > 0 {
                Some(field as usize - 1)
            } else {
                parts.len().checked_sub(field.unsigned_abs() as usize)
            };
            text_value(
                index
                    .and_then(|i| parts.get(i))
                    .map_or_else(String::new, |part| (*part).to_string()),
            )
        }
        F::Repeat => {
            let text = args.text()?;
            let count = args.int()?.max(0) as usize;
            if text.len().saturating_mul(count) > (1 << 30) - 1 {
                return Err(Error::new(
                    SqlState::PROGRAM_LIMIT_EXCEEDED,
                    "requested length too large",
                ));
            }
            text_value(text.repeat(count))
        }
        F::Reverse => text_value(args.text()?.chars().rev().collect()),
        F::StartsWith => {
            let text = args.text()?;
            let prefix = args.text()?;
            Value::Bool(text.starts_with(prefix.as_str()))
        }
        F::Md5 => {
            use md5::Digest;
            let digest = match args.next()? {
                Value::Bytea(bytes) => md5::Md5::digest(&bytes[..]),
                other => md5::Md5::digest(other.as_str().unwrap_or_default().as_bytes()),
            };
            text_value(hex(&digest))
        }
        F::Sha256 => {
            use sha2::Digest;
            let bytes = args.bytes()?;
            Value::Bytea(Arc::from(&sha2::Sha256::digest(&bytes[..])[..]))
        }
        F::Ascii => Value::Int32(args.text()?.chars().next().map_or(0, |c| c as i32)),
        F::Chr => {
            let code = args.int()?;
            if code == 0 {
                return Err(Error::new(
                    SqlState::PROGRAM_LIMIT_EXCEEDED,
                    "null character not permitted",
                ));
            }
            let c = u32::try_from(code)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| {
                    Error::new(
                        SqlState::PROGRAM_LIMIT_EXCEEDED,
                        "requested character too large for encoding",
                    )
                })?;
            text_value(c.to_string())
        }
        F::Translate => {
            let text = args.text()?;
            let from: Vec<char> = args.text()?.chars().collect();
            let to: Vec<char> = args.text()?.chars().collect();
            text_value(
                text.chars()
                    .filter_map(|c| match from.iter().position(|f| *f == c) {
                        Some(index) => to.get(index).copied(),
                        None => Some(c),
                    })
                    .collect(),
            )
        }
        F::ToHex => text_value(match args.next()? {
            Value::Int32(v) => format!("{:x}", v as u32),
            other => format!("{:x}", other.as_i64().unwrap_or(0) as u64),
        }),
        F::Format => format(args.rest())?,
        F::Encode => {
            let bytes = args.bytes()?;
            let format = args.text()?;
            text_value(encode(&bytes, &format)?)
        }
        F::Decode => {
            let text = args.text()?;
            let format = args.text()?;
            Value::Bytea(Arc::from(decode(&text, &format)?))
        }
        F::QuoteIdent => text_value(quote_identifier(&args.text()?)),
        F::QuoteLiteral => text_value(quote_literal(&args.text()?)),
    })
}

/// `lower` in the C locale.
pub(crate) fn lower(text: &str) -> String {
    text.to_ascii_lowercase()
}

/// `upper` in the C locale.
pub(crate) fn upper(text: &str) -> String {
    text.to_ascii_uppercase()
}

/// `initcap`: the first letter of each run of alphanumerics upper case, the rest lower.
fn initcap(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_word = false;
    for c in text.chars() {
        out.push(if in_word {
            c.to_ascii_lowercase()
        } else {
            c.to_ascii_uppercase()
        });
        in_word = c.is_alphanumeric();
    }
    out
}

/// The `[from, to)` range of `substring(x, start, count)` over `length` items (1-based start,
/// which may be before the beginning).
fn substring_range(length: usize, start: i32, count: Option<i32>) -> Result<(usize, usize)> {
    let start = i64::from(start);
    let end = match count {
        Some(count) if count < 0 => {
            return Err(Error::new(
                SqlState::new("22011"),
                "negative substring length not allowed",
            ));
        }
        Some(count) => start + i64::from(count),
        None => i64::MAX,
    };
    let clamp = |position: i64| (position - 1).clamp(0, length as i64) as usize;
    let (from, to) = (clamp(start), clamp(end.max(start)));
    Ok((from, to.max(from)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `quote_literal`: single quotes doubled; a backslash makes it an `E'...'` literal with
/// backslashes doubled.
pub(crate) fn quote_literal(text: &str) -> String {
    let quoted = text.replace('\'', "''");
    if text.contains('\\') {
        format!("E'{}'", quoted.replace('\\', "\\\\"))
    } else {
        format!("'{quoted}'")
    }
}

/// `format(formatstr, args...)` with `%s`, `%I`, `%L`, `%%`, positions (`%2$s`), the `-`
/// flag and widths.
fn format(mut values: Vec<Value>) -> Result<Value> {
    if values.is_empty() {
        return Ok(Value::Null);
    }
    let format_value = values.remove(0);
    let Some(format) = format_value.as_str().map(str::to_string) else {
        return Ok(Value::Null);
    };
    let invalid = |message: &str| Error::new(SqlState::INVALID_PARAMETER_VALUE, message);
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    let mut next_argument = 0usize;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        // [position$][-][width]type
        let mut digits = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(d);
            chars.next();
        }
        let mut position = None;
        if chars.peek() == Some(&'$') {
            chars.next();
            let index: usize = digits
                .parse()
                .map_err(|_| invalid("invalid argument position"))?;
            if index == 0 {
                return Err(invalid(
                    "format specifies argument 0, but arguments are numbered from 1",
                ));
            }
            position = Some(index - 1);
            digits.clear();
        }
        let mut left_align = false;
        if chars.peek() == Some(&'-') {
            chars.next();
            left_align = true;
        }
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            digits.push(d);
            chars.next();
        }
        let width: usize = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| invalid("invalid width"))?
        };
        let Some(kind) = chars.next() else {
            return Err(invalid("unterminated format() type specifier"));
        };
        let index = position.unwrap_or(next_argument);
        next_argument = index + 1;
        let value = values
            .get(index)
            .ok_or_else(|| invalid("too few arguments for format()"))?;
        let text = match kind {
            's' => {
                if value.is_null() {
                    String::new()
                } else {
                    value.to_text()
                }
            }
            'I' => {
                if value.is_null() {
                    return Err(Error::new(
                        SqlState::NULL_VALUE_NOT_ALLOWED,
                        "null values cannot be formatted as an SQL identifier",
                    ));
                }
                quote_identifier(&value.to_text())
            }
            'L' => {
                if value.is_null() {
                    "NULL".to_string()
                } else {
                    quote_literal(&value.to_text())
                }
            }
            other => {
                return Err(
                    invalid(&format!("unrecognized format() type specifier \"{other}\""))
                        .with_hint("For a single \"%\" use \"%%\"."),
                );
            }
        };
        let padding = width.saturating_sub(text.chars().count());
        if left_align {
            out.push_str(&text);
            out.extend(std::iter::repeat_n(' ', padding));
        } else {
            out.extend(std::iter::repeat_n(' ', padding));
            out.push_str(&text);
        }
    }
    Ok(text_value(out))
}

fn unknown_encoding(format: &str) -> Error {
    Error::new(
        SqlState::INVALID_PARAMETER_VALUE,
        format!("unrecognized encoding: \"{format}\""),
    )
}

/// `encode(bytea, 'hex' | 'base64' | 'escape')`.
fn encode(bytes: &[u8], format: &str) -> Result<String> {
    use base64::Engine;
    Ok(match format.to_ascii_lowercase().as_str() {
        "hex" => hex(bytes),
        "base64" => {
            let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
            // PostgreSQL breaks base64 output into lines of 76 characters.
            encoded
                .as_bytes()
                .chunks(76)
                .map(|line| std::str::from_utf8(line).unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n")
        }
        "escape" => {
            let mut out = String::new();
            for &byte in bytes {
                match byte {
                    b'\\' => out.push_str("\\\\"),
                    0 | 0x80..=0xff => out.push_str(&format!("\\{byte:03o}")),
                    other => out.push(char::from(other)),
                }
            }
            out
        }
        _ => return Err(unknown_encoding(format)),
    })
}

/// `decode(text, 'hex' | 'base64' | 'escape')`.
fn decode(text: &str, format: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    match format.to_ascii_lowercase().as_str() {
        "hex" => db001_common::bytea::parse_bytea(&format!("\\x{text}")),
        "base64" => {
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact.as_bytes())
                .map_err(|_| {
                    Error::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        "invalid base64 end sequence",
                    )
                })
        }
        "escape" => db001_common::bytea::parse_bytea(text),
        _ => Err(unknown_encoding(format)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(function: StringFunction, args: Vec<Value>) -> String {
        call(function, args).expect("valid call").to_text()
    }

    #[test]
    fn functions_match_postgres() {
        use StringFunction as F;
        assert_eq!(
            run(
                F::Substring,
                vec![Value::text("hello"), Value::Int32(-1), Value::Int32(3)]
            ),
            "h"
        );
        assert_eq!(
            run(F::Substring, vec![Value::text("hello"), Value::Int32(2)]),
            "ello"
        );
        assert!(
            call(
                F::Substring,
                vec![Value::text("hello"), Value::Int32(1), Value::Int32(-1)]
            )
            .is_err()
        );
        assert_eq!(
            run(F::Left, vec![Value::text("abcdef"), Value::Int32(-2)]),
            "abcd"
        );
        assert_eq!(
            run(F::Right, vec![Value::text("abcdef"), Value::Int32(-2)]),
            "cdef"
        );
        assert_eq!(
            run(
                F::LeftPad,
                vec![Value::text("hi"), Value::Int32(5), Value::text("xy")]
            ),
            "xyxhi"
        );
        assert_eq!(
            run(F::LeftPad, vec![Value::text("hello"), Value::Int32(3)]),
            "hel"
        );
        assert_eq!(
            run(
                F::SplitPart,
                vec![Value::text("a,b,c"), Value::text(","), Value::Int32(-1)]
            ),
            "c"
        );
        assert_eq!(
            run(F::Initcap, vec![Value::text("hello wORLD-foo bar_baz")]),
            "Hello World-Foo Bar_Baz"
        );
        assert_eq!(
            run(F::Md5, vec![Value::text("abc")]),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        assert_eq!(
            run(
                F::Translate,
                vec![Value::text("12345"), Value::text("143"), Value::text("ax")]
            ),
            "a2x5"
        );
        assert_eq!(run(F::ToHex, vec![Value::Int32(-1)]), "ffffffff");
        assert_eq!(
            run(
                F::Format,
                vec![
                    Value::text("%s|%I|%L|%%|%s"),
                    Value::text("x"),
                    Value::text("My Col"),
                    Value::text("it's"),
                    Value::Null
                ]
            ),
            "x|\"My Col\"|'it''s'|%|"
        );
        assert_eq!(
            run(F::Lower, vec![Value::text("ÄB")]),
            "Äb",
            "C locale: ASCII only"
        );
    }
}
