//! Order-preserving ("memcomparable") encoding of index keys.
//!
//! The B+Tree compares keys as plain bytes, so a tuple of values is encoded such that
//! comparing two encodings with `memcmp` gives the same answer as comparing the tuples
//! lexicographically with [`Value::sort_cmp`]. Each value is self-delimiting, so the encoding
//! of `(a)` is a prefix of the encoding of `(a, b)`, and a prefix scan finds every key that
//! starts with given values.
//!
//! ```text
//! key     := element*
//! element := 0x10 (0x00 | 0x01)                 bool
//!          | 0x20 floor:[u8; 8] residual?       any number (smallint .. double precision, real)
//!          | 0x30 escaped-utf8 0x00 0x01        text / varchar / char(n) (without trailing spaces)
//!          | 0x35 escaped-bytes 0x00 0x01       bytea
//!          | 0x40 micros:[u8; 8]                timestamp / timestamptz (i64 with the sign bit flipped, BE)
//!          | 0x41 days:[u8; 4]                  date (i32 with the sign bit flipped, BE)
//!          | 0x42 micros:[u8; 8]                time
//!          | 0x43 span:[u8; 16]                 interval (its i128 length, sign bit flipped, BE)
//!          | 0x44 bytes:[u8; 16]                uuid
//!          | 0x45 escaped-utf8 0x00 0x01        json (by text; PostgreSQL has no json order)
//!          | 0x46 jsonb-key                     jsonb (see `json::order`)
//!          | 0x50 (0x01 element)* 0x00          array, int2vector, oidvector (NULL elements are 0x01 0xF0)
//!          | 0x51 (0x01 element)* 0x00          record (its fields)
//!          | 0xF0                               NULL (sorts after every value, as ASC NULLS LAST)
//! escaped := 0x00 becomes 0x00 0xFF, other bytes unchanged
//! ```
//!
//! The tags order the type families as `sort_cmp` does (bool < numbers < strings < bytea <
//! timestamps < dates < times < intervals < uuids < json < jsonb < arrays < NULL). Text escapes
//! 0x00 so the terminator 0x00 0x01 sorts below every continuation: `"a" < "a\0" < "ab"` still
//! holds. An array's elements each follow a 0x01 and the array ends with 0x00, so a shorter
//! array sorts before a longer one that extends it.
//!
//! # Numbers
//!
//! All numeric types share one encoding so that `Int32(5)`, `Int64(5)`, `Numeric(5.00)` and
//! `Float64(5.0)` encode identically and mixed types order by value. A number `x` is written as
//! `floor(x)`: the largest `f64` not above `x`, as 8 bytes that order like the float (sign bit
//! flipped for positives, all bits flipped for negatives; NaN canonicalized and above
//! infinity; `-0.0` written as `0.0`). When `x` is not exactly that float — a numeric such as
//! `0.1`, or an integer beyond 2^53 — a residual follows: the byte 0xFF and `x` as an
//! order-preserving decimal. Keys with the same floor and no residual are exactly the floor and
//! sort first; the byte after them is either the end of the key or a tag (< 0xFF), so they
//! sort below any residual. Residuals of equal floors have the same sign and compare as
//! decimals:
//!
//! ```text
//! residual := 0xFF exponent:u8 digit-pair* 0x00         (all bytes complemented if x < 0)
//! exponent := 64 + the decimal exponent of x's first significant digit
//! digit-pair := 1 + two decimal digits (1..=100), the last pair padded with a 0 digit
//! ```
//!
//! # What decoding cannot restore
//!
//! Keys hold values, not their spellings: a numeric decodes with its minimal scale (`5.00`
//! decodes as `5`), and `-0.0` decodes as `0.0`. An index-only scan of an unconstrained
//! `numeric` column must therefore fetch the row to print the stored scale; a
//! `numeric(p, s)` column gets it back by applying the typmod. Likewise a `char(n)` key is
//! re-padded from its typmod, an interval decodes as 30-day months, days and time
//! (`40 days` as `1 mon 10 days`, which compares equal), and jsonb numbers lose trailing zeros.

use std::sync::Arc;

use crate::array::Array;
use crate::compare::cmp_i64_f64;
use crate::datetime::interval::Interval;
use crate::error::{Error, Result, SqlState};
use crate::numeric::Numeric;
use crate::types::DataType;
use crate::value::{Row, Value};

const TAG_BOOL: u8 = 0x10;
const TAG_NUMBER: u8 = 0x20;
const TAG_TEXT: u8 = 0x30;
const TAG_BYTEA: u8 = 0x35;
const TAG_TIMESTAMP: u8 = 0x40;
const TAG_DATE: u8 = 0x41;
const TAG_TIME: u8 = 0x42;
const TAG_INTERVAL: u8 = 0x43;
const TAG_UUID: u8 = 0x44;
const TAG_JSON: u8 = 0x45;
const TAG_JSONB: u8 = 0x46;
const TAG_ARRAY: u8 = 0x50;
const TAG_RECORD: u8 = 0x51;
const ARRAY_ELEMENT: u8 = 0x01;
const ARRAY_END: u8 = 0x00;
const TAG_NULL: u8 = 0xF0;
const RESIDUAL_MARKER: u8 = 0xFF;
const EXPONENT_BIAS: i32 = 64;

fn corrupted(reason: &str) -> Error {
    Error::new(
        SqlState::INDEX_CORRUPTED,
        format!("index key is corrupted: {reason}"),
    )
}

/// The 8 bytes of an `f64` that compare like the float (NaN canonical and greatest).
fn float_bytes(value: f64) -> [u8; 8] {
    let value = if value.is_nan() {
        f64::NAN
    } else if value == 0.0 {
        0.0
    } else {
        value
    };
    let bits = value.to_bits();
    let ordered = if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    };
    ordered.to_be_bytes()
}

fn float_from_bytes(bytes: [u8; 8]) -> f64 {
    let ordered = u64::from_be_bytes(bytes);
    let bits = if ordered >> 63 == 1 {
        ordered & !(1 << 63)
    } else {
        !ordered
    };
    f64::from_bits(bits)
}

/// Appends the order-preserving decimal of a nonzero numeric (the residual body).
fn write_decimal(value: &Numeric, out: &mut Vec<u8>) {
    let normalized = value.normalized();
    let digits = normalized.mantissa().unsigned_abs().to_string();
    let exponent = digits.len() as i32 - 1 - normalized.scale() as i32;
    let negative = normalized.is_negative();
    let start = out.len();
    out.push((EXPONENT_BIAS + exponent) as u8);
    for pair in digits.as_bytes().chunks(2) {
        let high = pair[0] - b'0';
        let low = pair.get(1).map_or(0, |d| d - b'0');
        out.push(1 + high * 10 + low);
    }
    out.push(0);
    if negative {
        for byte in &mut out[start..] {
            *byte = !*byte;
        }
    }
}

/// The floor float of an integer and whether it is exact.
fn integer_floor(value: i64) -> (f64, bool) {
    let nearest = value as f64;
    match cmp_i64_f64(value, nearest) {
        std::cmp::Ordering::Equal => (nearest, true),
        std::cmp::Ordering::Less => (nearest.next_down(), false),
        std::cmp::Ordering::Greater => (nearest, false),
    }
}

/// The floor float of a numeric and whether it is exact.
fn numeric_floor(value: &Numeric) -> (f64, bool) {
    if let Some(exact) = value.exact_f64() {
        return (exact, true);
    }
    let nearest = value.to_f64();
    match value.cmp_f64(nearest) {
        std::cmp::Ordering::Less => (nearest.next_down(), false),
        _ => (nearest, false),
    }
}

fn encode_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(TAG_NULL),
        Value::Bool(b) => {
            out.push(TAG_BOOL);
            out.push(u8::from(*b));
        }
        Value::Int16(_) | Value::Int32(_) | Value::Int64(_) | Value::Oid(_) => {
            let integer = match value {
                Value::Oid(v) => i64::from(*v),
                other => other.as_i64().expect("an integer variant"),
            };
            let (floor, exact) = integer_floor(integer);
            out.push(TAG_NUMBER);
            out.extend_from_slice(&float_bytes(floor));
            if !exact {
                out.push(RESIDUAL_MARKER);
                write_decimal(&Numeric::from_i64(integer), out);
            }
        }
        Value::Float64(f) => {
            out.push(TAG_NUMBER);
            out.extend_from_slice(&float_bytes(*f));
        }
        Value::Float32(f) => {
            out.push(TAG_NUMBER);
            out.extend_from_slice(&float_bytes(f64::from(*f)));
        }
        Value::Numeric(n) => {
            let (floor, exact) = numeric_floor(n);
            out.push(TAG_NUMBER);
            out.extend_from_slice(&float_bytes(floor));
            if !exact {
                out.push(RESIDUAL_MARKER);
                write_decimal(n, out);
            }
        }
        Value::Text(s) => escaped(TAG_TEXT, s.as_bytes(), out),
        Value::Bpchar(s) => escaped(TAG_TEXT, s.trim_end_matches(' ').as_bytes(), out),
        Value::Bytea(bytes) => escaped(TAG_BYTEA, bytes, out),
        Value::Json(text) => escaped(TAG_JSON, text.as_bytes(), out),
        Value::Timestamp(t) | Value::TimestampTz(t) => {
            out.push(TAG_TIMESTAMP);
            out.extend_from_slice(&((*t as u64) ^ (1 << 63)).to_be_bytes());
        }
        Value::Date(d) => {
            out.push(TAG_DATE);
            out.extend_from_slice(&((*d as u32) ^ (1 << 31)).to_be_bytes());
        }
        Value::Time(t) => {
            out.push(TAG_TIME);
            out.extend_from_slice(&((*t as u64) ^ (1 << 63)).to_be_bytes());
        }
        Value::Interval(interval) => {
            out.push(TAG_INTERVAL);
            out.extend_from_slice(&((interval.span() as u128) ^ (1 << 127)).to_be_bytes());
        }
        Value::Uuid(uuid) => {
            out.push(TAG_UUID);
            out.extend_from_slice(uuid);
        }
        Value::Jsonb(document) => {
            out.push(TAG_JSONB);
            crate::json::order::encode_key(document, out);
        }
        Value::Array(array) => {
            out.push(TAG_ARRAY);
            for element in &array.values {
                out.push(ARRAY_ELEMENT);
                encode_value(element, out);
            }
            out.push(ARRAY_END);
        }
        Value::Record(record) => {
            out.push(TAG_RECORD);
            for field in &record.values {
                out.push(ARRAY_ELEMENT);
                encode_value(field, out);
            }
            out.push(ARRAY_END);
        }
    }
}

/// A tag, then bytes with 0x00 escaped, then the terminator 0x00 0x01.
fn escaped(tag: u8, bytes: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    for &byte in bytes {
        out.push(byte);
        if byte == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0x00, 0x01]);
}

/// Appends the order-preserving encoding of a tuple of values.
pub fn encode_key(values: &[Value], out: &mut Vec<u8>) {
    for value in values {
        encode_value(value, out);
    }
}

/// The encoding of a tuple, as a new vector.
pub fn key_of(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_key(values, &mut out);
    out
}

/// A cursor over an encoded key.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8> {
        let (&first, rest) = self
            .bytes
            .split_first()
            .ok_or_else(|| corrupted("unexpected end of key"))?;
        self.bytes = rest;
        Ok(first)
    }

    fn eight(&mut self) -> Result<[u8; 8]> {
        if self.bytes.len() < 8 {
            return Err(corrupted("unexpected end of key"));
        }
        let (head, tail) = self.bytes.split_at(8);
        self.bytes = tail;
        Ok(head.try_into().expect("split at eight bytes"))
    }

    fn decimal(&mut self) -> Result<Numeric> {
        let first = self.byte()?;
        // A positive decimal's exponent byte is at most 64 + 28; a negative one's is complemented.
        let negative = first >= 0x80;
        let flip = |byte: u8| if negative { !byte } else { byte };
        let exponent = i32::from(flip(first)) - EXPONENT_BIAS;
        let mut digits = String::new();
        loop {
            let byte = flip(self.byte()?);
            if byte == 0 {
                break;
            }
            if byte > 100 || digits.len() >= 40 {
                return Err(corrupted("bad decimal digits"));
            }
            let pair = byte - 1;
            digits.push(char::from(b'0' + pair / 10));
            digits.push(char::from(b'0' + pair % 10));
        }
        let digits = digits.trim_end_matches('0');
        if digits.is_empty() {
            return Err(corrupted("empty decimal"));
        }
        // value = 0.d1d2... × 10^(exponent + 1)
        let text = format!(
            "{}0.{digits}e{}",
            if negative { "-" } else { "" },
            exponent + 1
        );
        Numeric::parse(&text).map_err(|_| corrupted("decimal out of range"))
    }

    fn text(&mut self) -> Result<Arc<str>> {
        let bytes = self.escaped_bytes()?;
        let text = String::from_utf8(bytes).map_err(|_| corrupted("text is not UTF-8"))?;
        Ok(Arc::from(text))
    }

    fn sixteen(&mut self) -> Result<[u8; 16]> {
        if self.bytes.len() < 16 {
            return Err(corrupted("unexpected end of key"));
        }
        let (head, tail) = self.bytes.split_at(16);
        self.bytes = tail;
        Ok(head.try_into().expect("split at sixteen bytes"))
    }

    fn four(&mut self) -> Result<[u8; 4]> {
        if self.bytes.len() < 4 {
            return Err(corrupted("unexpected end of key"));
        }
        let (head, tail) = self.bytes.split_at(4);
        self.bytes = tail;
        Ok(head.try_into().expect("split at four bytes"))
    }

    fn escaped_bytes(&mut self) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        loop {
            let byte = self.byte()?;
            if byte != 0 {
                bytes.push(byte);
                continue;
            }
            match self.byte()? {
                0xFF => bytes.push(0),
                0x01 => break,
                _ => return Err(corrupted("bad text escape")),
            }
        }
        Ok(bytes)
    }

    /// A number element after its tag: the exact value as a numeric when there is a residual.
    fn number(&mut self) -> Result<(f64, Option<Numeric>)> {
        let floor = float_from_bytes(self.eight()?);
        if self.bytes.first() == Some(&RESIDUAL_MARKER) {
            self.byte()?;
            return Ok((floor, Some(self.decimal()?)));
        }
        Ok((floor, None))
    }
}

fn number_value(ty: DataType, floor: f64, residual: Option<Numeric>) -> Result<Value> {
    let out_of_type = || corrupted("number does not fit the column type");
    let integer = |min: i64, max: i64| -> Result<i64> {
        let value = match residual {
            Some(n) => n.to_exact_i64(),
            None => {
                let in_range = floor.trunc() == floor
                    && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&floor);
                in_range.then_some(floor as i64)
            }
        };
        value
            .filter(|v| (min..=max).contains(v))
            .ok_or_else(out_of_type)
    };
    Ok(match ty {
        DataType::SmallInt => {
            Value::Int16(integer(i64::from(i16::MIN), i64::from(i16::MAX))? as i16)
        }
        DataType::Int => Value::Int32(integer(i64::from(i32::MIN), i64::from(i32::MAX))? as i32),
        DataType::BigInt => Value::Int64(integer(i64::MIN, i64::MAX)?),
        DataType::Oid => Value::Oid(integer(0, i64::from(u32::MAX))? as u32),
        DataType::Double => Value::Float64(residual.map_or(floor, |n| n.to_f64())),
        DataType::Real => Value::Float32(residual.map_or(floor, |n| n.to_f64()) as f32),
        DataType::Numeric(_) | DataType::Unknown => match residual {
            Some(n) => Value::Numeric(n),
            None if ty == DataType::Unknown => Value::Float64(floor),
            None => Value::Numeric(Numeric::from_f64_exact(floor).map_err(|_| out_of_type())?),
        },
        _ => return Err(corrupted("number in a non-numeric column")),
    })
}

/// Decodes a key into one value per entry of `types` (the index's column types); 'XX002'
/// (index corrupted) on malformed bytes or a value that does not fit its type.
pub fn decode_key(bytes: &[u8], types: &[DataType]) -> Result<Row> {
    let mut reader = Reader { bytes };
    let mut row = Vec::with_capacity(types.len());
    for ty in types {
        row.push(decode_value(&mut reader, *ty, 0)?);
    }
    if !reader.bytes.is_empty() {
        return Err(corrupted("trailing bytes after the last value"));
    }
    Ok(row)
}

/// The elements of an array or the fields of a record, up to its end marker; `type_of`
/// gives the type of the element at an index (`None`: more than the type has).
fn decode_elements(
    reader: &mut Reader<'_>,
    type_of: impl Fn(usize) -> Option<DataType>,
    depth: usize,
) -> Result<Vec<Value>> {
    let mut values = Vec::new();
    loop {
        match reader.byte()? {
            ARRAY_END => return Ok(values),
            ARRAY_ELEMENT => {
                let element_type =
                    type_of(values.len()).ok_or_else(|| corrupted("too many record fields"))?;
                values.push(decode_value(reader, element_type, depth + 1)?)
            }
            _ => return Err(corrupted("bad array element marker")),
        }
    }
}

fn decode_value(reader: &mut Reader<'_>, ty: DataType, depth: usize) -> Result<Value> {
    let tag = reader.byte()?;
    let is = |wanted: DataType| ty.without_modifier() == wanted || ty == DataType::Unknown;
    Ok(match (tag, ty) {
        (TAG_NULL, _) => Value::Null,
        (TAG_BOOL, DataType::Bool | DataType::Unknown) => match reader.byte()? {
            0 => Value::Bool(false),
            1 => Value::Bool(true),
            _ => return Err(corrupted("bad boolean")),
        },
        (TAG_NUMBER, _) if ty.is_numeric() || ty == DataType::Oid || ty == DataType::Unknown => {
            let (floor, residual) = reader.number()?;
            number_value(ty, floor, residual)?
        }
        (TAG_TEXT, DataType::Bpchar(limit)) => {
            let text = reader.text()?;
            Value::Bpchar(match limit {
                Some(limit) => crate::text::fit_bpchar(&text, limit, true)?,
                None => text,
            })
        }
        (TAG_TEXT, DataType::Text | DataType::Varchar(_) | DataType::Unknown) => {
            Value::Text(reader.text()?)
        }
        (TAG_BYTEA, _) if is(DataType::Bytea) => Value::Bytea(Arc::from(reader.escaped_bytes()?)),
        (TAG_JSON, _) if is(DataType::Json) => Value::Json(reader.text()?),
        (TAG_TIMESTAMP, DataType::TimestampTz) => {
            Value::TimestampTz((u64::from_be_bytes(reader.eight()?) ^ (1 << 63)) as i64)
        }
        (TAG_TIMESTAMP, DataType::Timestamp | DataType::Unknown) => {
            Value::Timestamp((u64::from_be_bytes(reader.eight()?) ^ (1 << 63)) as i64)
        }
        (TAG_DATE, _) if is(DataType::Date) => {
            Value::Date((u32::from_be_bytes(reader.four()?) ^ (1 << 31)) as i32)
        }
        (TAG_TIME, _) if is(DataType::Time) => {
            Value::Time((u64::from_be_bytes(reader.eight()?) ^ (1 << 63)) as i64)
        }
        (TAG_INTERVAL, _) if is(DataType::Interval) => {
            // Back as 30-day months, days and time: equal to the stored interval. Spans beyond
            // what that form holds (over 178 million years) are refused.
            let span = (u128::from_be_bytes(reader.sixteen()?) ^ (1 << 127)) as i128;
            let day = i128::from(crate::datetime::USECS_PER_DAY);
            let month = day * i128::from(crate::datetime::interval::DAYS_PER_MONTH);
            let months = i32::try_from(span.div_euclid(month))
                .map_err(|_| corrupted("interval out of range"))?;
            let rest = span.rem_euclid(month);
            Value::Interval(Interval::new(
                months,
                (rest / day) as i32,
                (rest % day) as i64,
            ))
        }
        (TAG_UUID, _) if is(DataType::Uuid) => Value::Uuid(reader.sixteen()?),
        (TAG_JSONB, _) if is(DataType::Jsonb) => {
            let (document, rest) = crate::json::order::decode_key(reader.bytes)?;
            reader.bytes = rest;
            Value::Jsonb(Arc::new(document))
        }
        (TAG_ARRAY, DataType::Array(_) | DataType::Int2Vector | DataType::OidVector)
            if depth == 0 =>
        {
            let element = ty.array_element().expect("an array type");
            let values = decode_elements(reader, |_| Some(element.data_type()), depth)?;
            if matches!(ty, DataType::Array(_)) {
                Array::new(element, values).into_value()
            } else {
                Array::vector(element, values).into_value()
            }
        }
        (TAG_RECORD, DataType::Record(composite)) if depth == 0 => {
            let fields = composite.fields();
            let values = decode_elements(reader, |index| fields.get(index).map(|f| f.1), depth)?;
            Value::Record(Arc::new(crate::record::Record { composite, values }))
        }
        _ => {
            return Err(corrupted(&format!(
                "tag {tag:#04x} does not match type {ty}"
            )));
        }
    })
}
