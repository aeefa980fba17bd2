//! PostgreSQL's binary wire format (`*_send` / `*_recv`) for every db001 type.
//!
//! | type | bytes |
//! | --- | --- |
//! | `bool` | one byte, 1 or 0 (on input any nonzero byte is true) |
//! | `int2` / `int4` / `int8` | two / four / eight bytes, big-endian two's complement |
//! | `float4` / `float8` | the IEEE 754 bits, big-endian |
//! | `numeric` | `ndigits` u16, `weight` i16, `sign` u16 (0x0000 positive, 0x4000 negative), `dscale` u16, then `ndigits` base-10000 digits as i16, all big-endian; leading and trailing zero digits stripped, zero is no digits with weight 0 |
//! | `text` / `varchar` / `char` / `json` | the UTF-8 bytes |
//! | `jsonb` | a version byte (1), then the text |
//! | `bytea` | the bytes |
//! | `timestamp` / `timestamptz` | i64 microseconds since 2000-01-01 (UTC), big-endian; `infinity` is `i64::MAX` |
//! | `date` | i32 days since 2000-01-01; `infinity` is `i32::MAX` |
//! | `time` | i64 microseconds since midnight |
//! | `interval` | i64 microseconds, i32 days, i32 months |
//! | `uuid` | the 16 bytes |
//! | `oid` | four bytes, big-endian unsigned |
//! | arrays, `int2vector`, `oidvector` | see [`crate::array`] and [`crate::oid`] |
//! | `record` | see [`crate::record`] |
//!
//! Decoding follows PostgreSQL's errors: too few bytes is 08P01 `insufficient data left in
//! message` (raised by `pq_getmsgint` in PostgreSQL); bytes left over are 22P03 `incorrect
//! binary data format` (PostgreSQL appends ` in bind parameter N`; the wire crate knows N and
//! may add it); a numeric with a bad sign, scale or digit is 22P03 with `numeric_recv`'s
//! message; text must be valid UTF-8 without NUL (22021). Type modifiers of `varchar(n)` are
//! left to a later cast, as in PostgreSQL's Bind; a `numeric(p,s)` typmod is applied.

use crate::error::{Error, Result, SqlState};
use crate::numeric::Numeric;
use crate::types::DataType;
use crate::value::{CastKind, Value};

const NUMERIC_POSITIVE: u16 = 0x0000;
const NUMERIC_NEGATIVE: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_POSITIVE_INFINITY: u16 = 0xD000;
const NUMERIC_NEGATIVE_INFINITY: u16 = 0xF000;
const NUMERIC_DSCALE_MASK: u16 = 0x3FFF;

fn insufficient() -> Error {
    Error::new(
        SqlState::PROTOCOL_VIOLATION,
        "insufficient data left in message",
    )
}

fn incorrect_format() -> Error {
    Error::new(
        SqlState::INVALID_BINARY_REPRESENTATION,
        "incorrect binary data format",
    )
}

/// Reads big-endian fields from a byte slice.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8]> {
        if self.bytes.len() < count {
            return Err(insufficient());
        }
        let (head, tail) = self.bytes.split_at(count);
        self.bytes = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        Ok(self
            .take(N)?
            .try_into()
            .expect("take returned exactly N bytes"))
    }

    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn i16(&mut self) -> Result<i16> {
        Ok(i16::from_be_bytes(self.array()?))
    }

    fn finish(&self) -> Result<()> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(incorrect_format())
        }
    }
}

/// Checks UTF-8 and the absence of NUL as PostgreSQL's `pg_verify_mbstr` does, with its
/// message: `invalid byte sequence for encoding "UTF8": 0xc3 0x28`.
pub fn verify_utf8(bytes: &[u8]) -> Result<&str> {
    let bad_at = |index: usize| {
        let lead = bytes[index];
        let length = match lead {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        let shown: Vec<String> = bytes[index..bytes.len().min(index + length)]
            .iter()
            .map(|b| format!("0x{b:02x}"))
            .collect();
        Error::new(
            SqlState::CHARACTER_NOT_IN_REPERTOIRE,
            format!(
                "invalid byte sequence for encoding \"UTF8\": {}",
                shown.join(" ")
            ),
        )
    };
    match std::str::from_utf8(bytes) {
        Ok(text) => match text.bytes().position(|b| b == 0) {
            Some(index) => Err(bad_at(index)),
            None => Ok(text),
        },
        Err(error) => Err(bad_at(error.valid_up_to())),
    }
}

fn encode_numeric(n: &Numeric, out: &mut Vec<u8>) {
    let (weight, negative, scale, digits) = n.to_base_10000();
    out.extend_from_slice(&(digits.len() as u16).to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    let sign = if negative {
        NUMERIC_NEGATIVE
    } else {
        NUMERIC_POSITIVE
    };
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&scale.to_be_bytes());
    for digit in digits {
        out.extend_from_slice(&digit.to_be_bytes());
    }
}

fn decode_numeric(reader: &mut Reader<'_>) -> Result<Numeric> {
    let count = reader.u16()?;
    let weight = reader.i16()?;
    let sign = reader.u16()?;
    if !matches!(
        sign,
        NUMERIC_POSITIVE
            | NUMERIC_NEGATIVE
            | NUMERIC_NAN
            | NUMERIC_POSITIVE_INFINITY
            | NUMERIC_NEGATIVE_INFINITY
    ) {
        return Err(Error::new(
            SqlState::INVALID_BINARY_REPRESENTATION,
            "invalid sign in external \"numeric\" value",
        ));
    }
    let scale = reader.u16()?;
    if scale & NUMERIC_DSCALE_MASK != scale {
        return Err(Error::new(
            SqlState::INVALID_BINARY_REPRESENTATION,
            "invalid scale in external \"numeric\" value",
        ));
    }
    let mut digits = Vec::with_capacity(usize::from(count.min(64)));
    for _ in 0..count {
        let digit = reader.i16()?;
        if !(0..10_000).contains(&digit) {
            return Err(Error::new(
                SqlState::INVALID_BINARY_REPRESENTATION,
                "invalid digit in external \"numeric\" value",
            ));
        }
        digits.push(digit);
    }
    match sign {
        NUMERIC_NAN => Err(Error::feature_not_supported(
            "numeric NaN is not supported by db001",
        )),
        NUMERIC_POSITIVE_INFINITY | NUMERIC_NEGATIVE_INFINITY => Err(Error::feature_not_supported(
            "numeric infinity is not supported by db001",
        )),
        _ => Numeric::from_base_10000(weight, sign == NUMERIC_NEGATIVE, scale, &digits),
    }
}

impl Value {
    /// Appends the binary send format of the value's own type. NULL appends nothing (the
    /// protocol sends NULL as length -1).
    pub fn encode_binary(&self, out: &mut Vec<u8>) {
        match self {
            Value::Null => {}
            Value::Bool(b) => out.push(u8::from(*b)),
            Value::Int16(v) => out.extend_from_slice(&v.to_be_bytes()),
            Value::Int32(v) => out.extend_from_slice(&v.to_be_bytes()),
            Value::Int64(v) => out.extend_from_slice(&v.to_be_bytes()),
            Value::Float32(v) => out.extend_from_slice(&v.to_bits().to_be_bytes()),
            Value::Float64(v) => out.extend_from_slice(&v.to_bits().to_be_bytes()),
            Value::Numeric(n) => encode_numeric(n, out),
            Value::Text(s) | Value::Bpchar(s) | Value::Json(s) => {
                out.extend_from_slice(s.as_bytes())
            }
            Value::Jsonb(document) => {
                out.push(1);
                out.extend_from_slice(document.to_text().as_bytes());
            }
            Value::Bytea(bytes) => out.extend_from_slice(bytes),
            Value::Date(d) => out.extend_from_slice(&d.to_be_bytes()),
            Value::Time(t) | Value::Timestamp(t) | Value::TimestampTz(t) => {
                out.extend_from_slice(&t.to_be_bytes())
            }
            Value::Interval(interval) => {
                out.extend_from_slice(&interval.micros.to_be_bytes());
                out.extend_from_slice(&interval.days.to_be_bytes());
                out.extend_from_slice(&interval.months.to_be_bytes());
            }
            Value::Uuid(uuid) => out.extend_from_slice(uuid),
            Value::Array(array) => crate::array::encode_array_binary(array, out),
            Value::Oid(v) => out.extend_from_slice(&v.to_be_bytes()),
            Value::Record(record) => crate::record::encode_record_binary(record, out),
        }
    }

    /// Appends the binary format of `ty`, converting the value first when its own type differs
    /// (an `Int32` sent for an `int8` column is widened, not sent as four bytes).
    pub fn encode_binary_as(&self, ty: DataType, out: &mut Vec<u8>) -> Result<()> {
        let same = self.is_null()
            || self.data_type().without_modifier() == ty.without_modifier()
            || (self.as_str().is_some() && (ty.is_string() || ty == DataType::Unknown));
        if same {
            self.encode_binary(out);
        } else {
            self.cast(ty, CastKind::Explicit)?.encode_binary(out);
        }
        Ok(())
    }

    /// Appends the value as the binary formats of arrays, records and COPY carry a field: a
    /// 32-bit length (-1 for NULL), then the value's binary form as `ty` (its own type's form if
    /// it cannot be converted).
    pub fn encode_binary_field(&self, ty: DataType, out: &mut Vec<u8>) {
        if self.is_null() {
            out.extend_from_slice(&(-1i32).to_be_bytes());
            return;
        }
        let at = out.len();
        out.extend_from_slice(&[0; 4]);
        if self.encode_binary_as(ty, out).is_err() {
            self.encode_binary(out);
        }
        let length = (out.len() - at - 4) as i32;
        out[at..at + 4].copy_from_slice(&length.to_be_bytes());
    }

    /// Decodes the binary receive format of `ty` (see the module docs for errors).
    pub fn decode_binary(ty: DataType, bytes: &[u8]) -> Result<Value> {
        let mut reader = Reader { bytes };
        let value = match ty {
            DataType::Bool => Value::Bool(reader.array::<1>()?[0] != 0),
            DataType::SmallInt => Value::Int16(i16::from_be_bytes(reader.array()?)),
            DataType::Int => Value::Int32(i32::from_be_bytes(reader.array()?)),
            DataType::BigInt => Value::Int64(i64::from_be_bytes(reader.array()?)),
            DataType::Double => Value::Float64(f64::from_bits(u64::from_be_bytes(reader.array()?))),
            DataType::Numeric(typmod) => {
                let value = decode_numeric(&mut reader)?;
                Value::Numeric(match typmod {
                    Some(typmod) => value.apply_typmod(typmod)?,
                    None => value,
                })
            }
            DataType::Real => Value::Float32(f32::from_bits(u32::from_be_bytes(reader.array()?))),
            DataType::Text | DataType::Varchar(_) | DataType::Unknown => {
                let text = verify_utf8(reader.take(bytes.len())?)?;
                Value::text(text)
            }
            DataType::Bpchar(_) => {
                let text = verify_utf8(reader.take(bytes.len())?)?;
                Value::Bpchar(std::sync::Arc::from(text))
            }
            DataType::Json => {
                let text = verify_utf8(reader.take(bytes.len())?)?;
                crate::json::validate_json(text)?;
                Value::Json(std::sync::Arc::from(text))
            }
            DataType::Jsonb => {
                let version = reader.array::<1>()?[0];
                if version != 1 {
                    return Err(Error::new(
                        SqlState::INVALID_BINARY_REPRESENTATION,
                        format!("unsupported jsonb version number {version}"),
                    ));
                }
                let text = verify_utf8(reader.take(bytes.len() - 1)?)?;
                Value::Jsonb(std::sync::Arc::new(crate::json::Jsonb::parse(text)?))
            }
            DataType::Bytea => Value::Bytea(std::sync::Arc::from(reader.take(bytes.len())?)),
            DataType::Timestamp | DataType::TimestampTz => {
                let t = i64::from_be_bytes(reader.array()?);
                if !crate::datetime::is_valid_timestamp(t)
                    && t != crate::datetime::TIMESTAMP_INFINITY
                    && t != crate::datetime::TIMESTAMP_NEG_INFINITY
                {
                    return Err(Error::new(
                        SqlState::DATETIME_FIELD_OVERFLOW,
                        "timestamp out of range",
                    ));
                }
                if ty == DataType::Timestamp {
                    Value::Timestamp(t)
                } else {
                    Value::TimestampTz(t)
                }
            }
            DataType::Date => {
                let d = i32::from_be_bytes(reader.array()?);
                if !crate::datetime::date::is_valid_date(d)
                    && !crate::datetime::date::is_infinite(d)
                {
                    return Err(Error::new(
                        SqlState::DATETIME_FIELD_OVERFLOW,
                        "date out of range",
                    ));
                }
                Value::Date(d)
            }
            DataType::Time => {
                let t = i64::from_be_bytes(reader.array()?);
                if !(0..=crate::datetime::USECS_PER_DAY).contains(&t) {
                    return Err(Error::new(
                        SqlState::DATETIME_FIELD_OVERFLOW,
                        "time out of range",
                    ));
                }
                Value::Time(t)
            }
            DataType::Interval => {
                let micros = i64::from_be_bytes(reader.array()?);
                let days = i32::from_be_bytes(reader.array()?);
                let months = i32::from_be_bytes(reader.array()?);
                Value::Interval(crate::datetime::interval::Interval::new(
                    months, days, micros,
                ))
            }
            DataType::Uuid => Value::Uuid(reader.array()?),
            DataType::Array(element) => {
                let array = crate::array::decode_array_binary(element, reader.take(bytes.len())?)?;
                array.into_value()
            }
            DataType::Oid => Value::Oid(u32::from_be_bytes(reader.array()?)),
            DataType::Int2Vector | DataType::OidVector => {
                let element = ty.array_element().expect("vectors have an element type");
                crate::oid::decode_vector_binary(element, reader.take(bytes.len())?)?.into_value()
            }
            DataType::Record(_) => {
                return Err(Error::feature_not_supported(
                    "input of anonymous composite types is not implemented",
                ));
            }
        };
        reader.finish()?;
        Ok(value)
    }
}
