//! PostgreSQL's text input and output functions for every db001 type.
//!
//! [`Value::parse_text`] is PostgreSQL's `*_in` family (`int4in`, `float4in`, `float8in`,
//! `boolin`, `numeric_in`, `varchar_in`, `bpcharin`, `timestamp_in`, ...) with the same accepted
//! spellings, SQLSTATEs and messages; [`Value::write_text`] is the `*_out` family, producing
//! what `psql` prints. The date/time, `bytea`, `uuid`, JSON and array formats live in their
//! own modules; this one dispatches to them.
//!
//! `float8` and `float4` output follow PostgreSQL 12+ with the default `extra_float_digits = 1`:
//! the shortest decimal that reads back to the same value (Ryu in PostgreSQL, Rust's own
//! shortest formatting here — both produce the shortest, closest digit string), laid out like
//! `%g`: exponent form when the decimal exponent is below -4 or at least 15 for `float8` (6 for
//! `float4`): `1e+15`, `1.5e-05`, `1.2345679e+08`; plain digits otherwise.
//!
//! Known difference: PostgreSQL's `float8in` uses C's `strtod`, which also accepts hexadecimal
//! floats (`'0x10'::float8` is 16); db001 accepts only decimal syntax and reports 22P02.

use std::sync::Arc;

use crate::array;
use crate::datetime;
use crate::error::{Error, Result, SqlState};
use crate::json::Jsonb;
use crate::numeric::Numeric;
use crate::types::DataType;
use crate::value::Value;

/// The whitespace C's `isspace` accepts, which PostgreSQL's input functions trim.
pub fn is_pg_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c')
}

/// Parses an integer as `pg_strtoint16/32/64` do, returning it widened to `i128` after
/// checking it against `[min, max]`.
pub(crate) fn parse_integer(text: &str, min: i64, max: i64, type_name: &str) -> Result<i64> {
    let invalid = || Error::invalid_text(type_name, text);
    let trimmed = text.trim_matches(is_pg_space);
    let (negative, digits) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let mut magnitude: i128 = 0;
    for byte in digits.bytes() {
        magnitude = magnitude * 10 + i128::from(byte - b'0');
        if magnitude > i128::from(i64::MAX) + 1 {
            break;
        }
    }
    let value = if negative { -magnitude } else { magnitude };
    if value < i128::from(min) || value > i128::from(max) {
        return Err(Error::out_of_range(format!(
            "value \"{text}\" is out of range for type {type_name}"
        )));
    }
    Ok(value as i64)
}

/// `float8in`: decimal and exponent forms, `NaN`, `Infinity`, `inf` (any case, signed);
/// 22003 when a nonzero input rounds to infinity or to zero.
pub fn parse_f64(text: &str) -> Result<f64> {
    let (value, nonzero) = parse_float_text(text, "double precision")?;
    if (value.is_infinite() && !is_infinity_word(text)) || (value == 0.0 && nonzero) {
        return Err(Error::out_of_range(format!(
            "\"{text}\" is out of range for type double precision"
        )));
    }
    Ok(value)
}

/// `float4in`: as `float8in`, rounded to single precision (subnormal results are kept).
pub fn parse_f32(text: &str) -> Result<f32> {
    let (wide, nonzero) = parse_float_text(text, "real")?;
    let value: f32 = if wide.is_nan() || is_infinity_word(text) {
        wide as f32
    } else {
        // Rounded once, from the decimal text, as `strtof` does.
        text.trim_matches(is_pg_space)
            .parse()
            .map_err(|_| Error::invalid_text("real", text))?
    };
    if (value.is_infinite() && !is_infinity_word(text)) || (value == 0.0 && nonzero) {
        return Err(Error::out_of_range(format!(
            "\"{text}\" is out of range for type real"
        )));
    }
    Ok(value)
}

fn is_infinity_word(text: &str) -> bool {
    let lower = text.trim_matches(is_pg_space).to_ascii_lowercase();
    matches!(lower.trim_start_matches(['+', '-']), "inf" | "infinity")
}

/// Validates float syntax and parses as `f64`; also says whether any mantissa digit is nonzero.
fn parse_float_text(text: &str, type_name: &str) -> Result<(f64, bool)> {
    let invalid = || Error::invalid_text(type_name, text);
    let trimmed = text.trim_matches(is_pg_space);
    if trimmed.is_empty() {
        return Err(invalid());
    }
    let lower = trimmed.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if lower.len() - unsigned.len() > 1 {
        return Err(invalid());
    }
    match unsigned {
        "nan" => return Ok((f64::NAN, false)),
        "inf" | "infinity" => {
            return Ok((
                if lower.starts_with('-') {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                },
                false,
            ));
        }
        _ => {}
    }
    // Only the strtod decimal syntax: digits, one point, an exponent with digits.
    let bytes = unsigned.as_bytes();
    let mut position = 0;
    let mut mantissa_digits = 0;
    let mut nonzero = false;
    let mut seen_point = false;
    while let Some(&byte) = bytes.get(position) {
        match byte {
            b'0'..=b'9' => {
                mantissa_digits += 1;
                nonzero |= byte != b'0';
            }
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        position += 1;
    }
    if mantissa_digits == 0 {
        return Err(invalid());
    }
    if let Some(b'e') = bytes.get(position) {
        position += 1;
        if matches!(bytes.get(position), Some(b'+' | b'-')) {
            position += 1;
        }
        let start = position;
        while bytes.get(position).is_some_and(u8::is_ascii_digit) {
            position += 1;
        }
        if position == start {
            return Err(invalid());
        }
    }
    if position != bytes.len() {
        return Err(invalid());
    }
    let value: f64 = trimmed.parse().map_err(|_| invalid())?;
    Ok((value, nonzero))
}

/// `float8out` with `extra_float_digits = 1` (see the module docs).
pub fn write_f64(value: f64, out: &mut String) {
    if value.is_nan() || value.is_infinite() || value == 0.0 {
        write_special(value, out);
        return;
    }
    // `{:e}` is the shortest round-trip digit string: "1.2345e15", "5e-324".
    write_shortest(value < 0.0, &format!("{:e}", value.abs()), 15, out);
}

/// `float4out` with `extra_float_digits = 1` (see the module docs).
pub fn write_f32(value: f32, out: &mut String) {
    if value.is_nan() || value.is_infinite() || value == 0.0 {
        write_special(f64::from(value), out);
        return;
    }
    write_shortest(value < 0.0, &format!("{:e}", value.abs()), 6, out);
}

/// NaN, infinities and signed zero.
fn write_special(value: f64, out: &mut String) {
    if value.is_nan() {
        out.push_str("NaN");
        return;
    }
    if value.is_infinite() {
        out.push_str(if value > 0.0 { "Infinity" } else { "-Infinity" });
        return;
    }
    out.push_str(if value.is_sign_negative() { "-0" } else { "0" });
}

/// Lays out a shortest digit string (`{:e}` form) like `%g` with exponent threshold `limit`.
fn write_shortest(negative: bool, formatted: &str, limit: i32, out: &mut String) {
    if negative {
        out.push('-');
    }
    let (mantissa, exponent) = formatted
        .split_once('e')
        .expect("`{:e}` output always has an exponent");
    let exponent: i32 = exponent.parse().expect("`{:e}` prints a decimal exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if !(-4..limit).contains(&exponent) {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push('0');
        }
        out.push_str(&magnitude.to_string());
    } else if exponent >= 0 {
        let integer_digits = exponent as usize + 1;
        if digits.len() <= integer_digits {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', integer_digits - digits.len()));
        } else {
            out.push_str(&digits[..integer_digits]);
            out.push('.');
            out.push_str(&digits[integer_digits..]);
        }
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-exponent - 1) as usize));
        out.push_str(&digits);
    }
}

/// `boolin`: `t`/`true`/`y`/`yes`/`on`/`1` and `f`/`false`/`n`/`no`/`off`/`0`, any unique
/// prefix, any case, surrounding whitespace ignored.
pub fn parse_bool(text: &str) -> Result<bool> {
    let trimmed = text.trim_matches(is_pg_space).to_ascii_lowercase();
    let is_prefix_of = |word: &str, min_len: usize| {
        trimmed.len() >= min_len && trimmed.len() <= word.len() && word.starts_with(&trimmed)
    };
    let value = match trimmed.as_bytes().first() {
        Some(b't') if is_prefix_of("true", 1) => Some(true),
        Some(b'f') if is_prefix_of("false", 1) => Some(false),
        Some(b'y') if is_prefix_of("yes", 1) => Some(true),
        Some(b'n') if is_prefix_of("no", 1) => Some(false),
        Some(b'o') if is_prefix_of("on", 2) => Some(true),
        Some(b'o') if is_prefix_of("off", 2) => Some(false),
        Some(b'1') if trimmed.len() == 1 => Some(true),
        Some(b'0') if trimmed.len() == 1 => Some(false),
        _ => None,
    };
    value.ok_or_else(|| Error::invalid_text("boolean", text))
}

/// The 22001 error for a string longer than `varchar(n)`.
pub(crate) fn too_long(limit: u32) -> Error {
    Error::new(
        SqlState::STRING_DATA_RIGHT_TRUNCATION,
        format!("value too long for type character varying({limit})"),
    )
}

/// Fits `text` to `varchar(limit)` (lengths in characters). `explicit` truncates silently;
/// otherwise excess characters must all be spaces (they are dropped) or 22001 is raised.
pub(crate) fn fit_varchar(text: &Arc<str>, limit: u32, explicit: bool) -> Result<Arc<str>> {
    let limit_chars = limit as usize;
    // Fast path: byte length bounds character length.
    if text.len() <= limit_chars {
        return Ok(Arc::clone(text));
    }
    let Some((cut, _)) = text.char_indices().nth(limit_chars) else {
        return Ok(Arc::clone(text));
    };
    if !explicit && !text[cut..].bytes().all(|b| b == b' ') {
        return Err(too_long(limit));
    }
    Ok(Arc::from(&text[..cut]))
}

/// The 22001 error for a string longer than `char(n)`.
pub(crate) fn too_long_bpchar(limit: u32) -> Error {
    Error::new(
        SqlState::STRING_DATA_RIGHT_TRUNCATION,
        format!("value too long for type character({limit})"),
    )
}

/// Fits `text` to `char(limit)`: longer strings as [`fit_varchar`] (truncated when `explicit`,
/// else only excess spaces may go), shorter ones padded with spaces to `limit` characters.
pub(crate) fn fit_bpchar(text: &str, limit: u32, explicit: bool) -> Result<Arc<str>> {
    let limit_chars = limit as usize;
    let length = text.chars().count();
    if length > limit_chars {
        let (cut, _) = text
            .char_indices()
            .nth(limit_chars)
            .expect("longer than the limit");
        if !explicit && !text[cut..].bytes().all(|b| b == b' ') {
            return Err(too_long_bpchar(limit));
        }
        return Ok(Arc::from(&text[..cut]));
    }
    let mut padded = String::with_capacity(text.len() + limit_chars - length);
    padded.push_str(text);
    padded.extend(std::iter::repeat_n(' ', limit_chars - length));
    Ok(Arc::from(padded))
}

impl Value {
    /// PostgreSQL's input function for `ty` applied to `text` (see the module docs). Type
    /// modifiers apply: `numeric(p,s)` rounds and checks, `varchar(n)` rejects longer strings
    /// unless the excess is spaces (input/assignment semantics; an explicit `::varchar(n)`
    /// truncates instead — use [`Value::cast`] with [`crate::CastKind::Explicit`] for that).
    /// `Unknown` yields text.
    pub fn parse_text(ty: DataType, text: &str) -> Result<Value> {
        Ok(match ty {
            DataType::Bool => Value::Bool(parse_bool(text)?),
            DataType::SmallInt => Value::Int16(parse_integer(
                text,
                i64::from(i16::MIN),
                i64::from(i16::MAX),
                "smallint",
            )? as i16),
            DataType::Int => Value::Int32(parse_integer(
                text,
                i64::from(i32::MIN),
                i64::from(i32::MAX),
                "integer",
            )? as i32),
            DataType::BigInt => Value::Int64(parse_integer(text, i64::MIN, i64::MAX, "bigint")?),
            DataType::Real => Value::Float32(parse_f32(text)?),
            DataType::Double => Value::Float64(parse_f64(text)?),
            DataType::Numeric(typmod) => {
                let value = Numeric::parse(text)?;
                Value::Numeric(match typmod {
                    Some(typmod) => value.apply_typmod(typmod)?,
                    None => value,
                })
            }
            DataType::Text | DataType::Unknown | DataType::Varchar(None) => Value::text(text),
            DataType::Varchar(Some(limit)) => {
                Value::Text(fit_varchar(&Arc::from(text), limit, false)?)
            }
            DataType::Bpchar(None) => Value::Bpchar(Arc::from(text)),
            DataType::Bpchar(Some(limit)) => Value::Bpchar(fit_bpchar(text, limit, false)?),
            DataType::Bytea => Value::Bytea(Arc::from(crate::bytea::parse_bytea(text)?)),
            DataType::Date => Value::Date(datetime::date::parse_date(text)?),
            DataType::Time => Value::Time(datetime::time::parse_time(text)?),
            DataType::Timestamp => Value::Timestamp(datetime::parse_timestamp(text)?),
            DataType::TimestampTz => Value::TimestampTz(datetime::parse_timestamptz(text)?),
            DataType::Interval => Value::Interval(datetime::interval::parse_interval(text)?),
            DataType::Uuid => Value::Uuid(crate::uuid::parse_uuid(text)?),
            DataType::Json => {
                crate::json::validate_json(text)?;
                Value::Json(Arc::from(text))
            }
            DataType::Jsonb => Value::Jsonb(Arc::new(Jsonb::parse(text)?)),
            DataType::Array(element) => array::parse_array(element, text)?.into_value(),
            DataType::Oid => Value::Oid(crate::oid::parse_oid(text)?),
            DataType::Int2Vector | DataType::OidVector => {
                let element = ty.array_element().expect("vectors have an element type");
                crate::oid::parse_vector(element, text)?.into_value()
            }
            DataType::Record(_) => {
                return Err(Error::feature_not_supported(
                    "input of anonymous composite types is not implemented",
                ));
            }
        })
    }

    /// PostgreSQL's output function for the value's type, appended to `out`. NULL writes
    /// nothing: the protocol sends NULL as a length of -1, not as text.
    pub fn write_text(&self, out: &mut String) {
        use std::fmt::Write;
        match self {
            Value::Null => {}
            Value::Bool(b) => out.push(if *b { 't' } else { 'f' }),
            Value::Int16(v) => write!(out, "{v}").expect("writing to a String cannot fail"),
            Value::Int32(v) => write!(out, "{v}").expect("writing to a String cannot fail"),
            Value::Int64(v) => write!(out, "{v}").expect("writing to a String cannot fail"),
            Value::Float32(v) => write_f32(*v, out),
            Value::Float64(v) => write_f64(*v, out),
            Value::Numeric(n) => write!(out, "{n}").expect("writing to a String cannot fail"),
            Value::Text(s) | Value::Bpchar(s) | Value::Json(s) => out.push_str(s),
            Value::Bytea(bytes) => crate::bytea::write_bytea(bytes, out),
            Value::Date(d) => datetime::date::write_date(*d, out),
            Value::Time(t) => datetime::time::write_time(*t, out),
            Value::Timestamp(t) => datetime::write_timestamp(*t, out),
            Value::TimestampTz(t) => datetime::write_timestamptz(*t, out),
            Value::Interval(interval) => datetime::interval::write_interval(interval, out),
            Value::Uuid(uuid) => crate::uuid::write_uuid(uuid, out),
            Value::Jsonb(document) => document.write(out),
            Value::Array(array) => array::write_array(array, out),
            Value::Oid(v) => write!(out, "{v}").expect("writing to a String cannot fail"),
            Value::Record(record) => crate::record::write_record(record, out),
        }
    }

    /// [`Value::write_text`] into a new string.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write_text(&mut out);
        out
    }
}

impl std::fmt::Display for Value {
    /// The PostgreSQL text output; NULL displays as `NULL`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_null() {
            return f.write_str("NULL");
        }
        f.write_str(&self.to_text())
    }
}
