//! The byte layout of a stored row: in memory, in the WAL and in checkpoints.
//!
//! Rows are the bulk of db001's memory, so the layout is compact first: one tag byte per
//! value, integers as zigzag varints (a small `integer` costs two bytes), text as a varint
//! length and its UTF-8 bytes, NULL and booleans as the tag alone. It is self-describing —
//! every value carries its tag — so a row written before `ALTER TABLE ... ADD COLUMN` (fewer
//! values than the table now has) still decodes: the missing trailing columns read as NULL
//! ([`decode_row_padded`], [`decode_column`]). A leading format byte versions the layout.
//!
//! ```text
//! row    := format:u8 (= 1)  count:varint  value{count}
//! value  := 0x00                                   NULL
//!         | 0x01 | 0x02                            false | true
//!         | 0x03 zigzag-varint                     smallint
//!         | 0x04 zigzag-varint                     integer
//!         | 0x05 zigzag-varint                     bigint
//!         | 0x06 bits:u64 little-endian            double precision
//!         | 0x07 sign-and-scale:u8 magnitude:varint numeric (bit 7 = negative, bits 0-6 = scale)
//!         | 0x08 length:varint utf8-bytes{length}  text / varchar
//!         | 0x09 micros:i64 little-endian          timestamp
//!         | 0x0A bits:u32 little-endian            real
//!         | 0x0B length:varint utf8-bytes{length}  char(n) (padded as stored)
//!         | 0x0C length:varint bytes{length}       bytea
//!         | 0x0D zigzag-varint                     date (days since 2000-01-01)
//!         | 0x0E zigzag-varint                     time (microseconds since midnight)
//!         | 0x0F micros:i64 little-endian          timestamptz
//!         | 0x10 zigzag-varint{3}                  interval: months, days, microseconds
//!         | 0x11 bytes{16}                         uuid
//!         | 0x12 length:varint utf8-bytes{length}  json (the text as given)
//!         | 0x13 length:varint utf8-bytes{length}  jsonb (its normalised text, re-parsed on read)
//!         | 0x14 element:u8 count:varint value{count}  array (element = index in `ElementType::ALL`)
//!         | 0x15 varint                            oid
//!         | 0x16 element:u8 count:varint value{count}  int2vector / oidvector (lower bound 0)
//!         | 0x17 element:u8 lower:zigzag-varint count:varint value{count}
//!                                                  array whose lower bound is not 1
//!         | 0x18 shape:u8 element:u8 count:varint value{count}
//!                                                  record (shape 0: `_pg_expandarray`'s)
//! varint := LEB128: 7 bits per byte, low group first, high bit set on all but the last byte
//! zigzag := (n << 1) ^ (n >> 63), so small negative numbers stay short
//! ```
//!
//! Decoding never panics: truncated input, unknown tags or versions, overlong varints,
//! out-of-range numerics, invalid UTF-8 and trailing bytes are all XX001 (data corrupted).
//! The layout is db001's own and is versioned here; it does not depend on any serialization
//! crate's encoding of Rust types.

use std::sync::Arc;

use crate::array::Array;
use crate::datetime::interval::Interval;
use crate::error::{Error, Result, SqlState};
use crate::json::Jsonb;
use crate::numeric::Numeric;
use crate::record::Record;
use crate::types::{Composite, ElementType};
use crate::value::{Row, Value};

/// The current row format version, the first byte of every encoded row.
pub const ROW_FORMAT_VERSION: u8 = 1;

const TAG_NULL: u8 = 0x00;
const TAG_FALSE: u8 = 0x01;
const TAG_TRUE: u8 = 0x02;
const TAG_INT16: u8 = 0x03;
const TAG_INT32: u8 = 0x04;
const TAG_INT64: u8 = 0x05;
const TAG_FLOAT64: u8 = 0x06;
const TAG_NUMERIC: u8 = 0x07;
const TAG_TEXT: u8 = 0x08;
const TAG_TIMESTAMP: u8 = 0x09;
const TAG_FLOAT32: u8 = 0x0A;
const TAG_BPCHAR: u8 = 0x0B;
const TAG_BYTEA: u8 = 0x0C;
const TAG_DATE: u8 = 0x0D;
const TAG_TIME: u8 = 0x0E;
const TAG_TIMESTAMPTZ: u8 = 0x0F;
const TAG_INTERVAL: u8 = 0x10;
const TAG_UUID: u8 = 0x11;
const TAG_JSON: u8 = 0x12;
const TAG_JSONB: u8 = 0x13;
const TAG_ARRAY: u8 = 0x14;
const TAG_OID: u8 = 0x15;
const TAG_VECTOR: u8 = 0x16;
const TAG_ARRAY_BOUNDED: u8 = 0x17;
const TAG_RECORD: u8 = 0x18;

/// Arrays nest at most this deep in a stored row (db001 arrays are one-dimensional, so one).
const ARRAY_DEPTH_MAX: usize = 1;

const NUMERIC_NEGATIVE_BIT: u8 = 0x80;

fn corrupted(reason: &str) -> Error {
    Error::new(
        SqlState::DATA_CORRUPTED,
        format!("row data is corrupted: {reason}"),
    )
}

/// Appends `value` as a LEB128 varint.
pub fn write_varint(mut value: u128, out: &mut Vec<u8>) {
    loop {
        let low = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(low);
            return;
        }
        out.push(low | 0x80);
    }
}

fn zigzag(value: i64) -> u128 {
    u128::from(((value << 1) ^ (value >> 63)) as u64)
}

fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

/// Appends one value.
fn encode_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(TAG_NULL),
        Value::Bool(false) => out.push(TAG_FALSE),
        Value::Bool(true) => out.push(TAG_TRUE),
        Value::Int16(v) => {
            out.push(TAG_INT16);
            write_varint(zigzag(i64::from(*v)), out);
        }
        Value::Int32(v) => {
            out.push(TAG_INT32);
            write_varint(zigzag(i64::from(*v)), out);
        }
        Value::Int64(v) => {
            out.push(TAG_INT64);
            write_varint(zigzag(*v), out);
        }
        Value::Float64(v) => {
            out.push(TAG_FLOAT64);
            out.extend_from_slice(&v.to_bits().to_le_bytes());
        }
        Value::Numeric(n) => {
            out.push(TAG_NUMERIC);
            let sign = if n.is_negative() {
                NUMERIC_NEGATIVE_BIT
            } else {
                0
            };
            // The scale is at most 28, so it fits the low seven bits.
            out.push(sign | n.scale() as u8);
            write_varint(n.mantissa().unsigned_abs(), out);
        }
        Value::Text(s) => {
            out.push(TAG_TEXT);
            write_varint(s.len() as u128, out);
            out.extend_from_slice(s.as_bytes());
        }
        Value::Timestamp(t) => {
            out.push(TAG_TIMESTAMP);
            out.extend_from_slice(&t.to_le_bytes());
        }
        Value::Float32(v) => {
            out.push(TAG_FLOAT32);
            out.extend_from_slice(&v.to_bits().to_le_bytes());
        }
        Value::Bpchar(s) => write_bytes(TAG_BPCHAR, s.as_bytes(), out),
        Value::Bytea(bytes) => write_bytes(TAG_BYTEA, bytes, out),
        Value::Json(text) => write_bytes(TAG_JSON, text.as_bytes(), out),
        Value::Jsonb(document) => write_bytes(TAG_JSONB, document.to_text().as_bytes(), out),
        Value::Date(d) => {
            out.push(TAG_DATE);
            write_varint(zigzag(i64::from(*d)), out);
        }
        Value::Time(t) => {
            out.push(TAG_TIME);
            write_varint(zigzag(*t), out);
        }
        Value::TimestampTz(t) => {
            out.push(TAG_TIMESTAMPTZ);
            out.extend_from_slice(&t.to_le_bytes());
        }
        Value::Interval(interval) => {
            out.push(TAG_INTERVAL);
            write_varint(zigzag(i64::from(interval.months)), out);
            write_varint(zigzag(i64::from(interval.days)), out);
            write_varint(zigzag(interval.micros), out);
        }
        Value::Uuid(uuid) => {
            out.push(TAG_UUID);
            out.extend_from_slice(uuid);
        }
        Value::Array(array) => {
            if array.vector {
                out.push(TAG_VECTOR);
                out.push(element_number(array.element));
            } else if array.lower_bound != 1 {
                out.push(TAG_ARRAY_BOUNDED);
                out.push(element_number(array.element));
                write_varint(zigzag(i64::from(array.lower_bound)), out);
            } else {
                out.push(TAG_ARRAY);
                out.push(element_number(array.element));
            }
            write_varint(array.values.len() as u128, out);
            for value in &array.values {
                encode_value(value, out);
            }
        }
        Value::Oid(v) => {
            out.push(TAG_OID);
            write_varint(u128::from(*v), out);
        }
        Value::Record(record) => {
            out.push(TAG_RECORD);
            let Composite::ExpandArray(element) = record.composite;
            out.push(0);
            out.push(element_number(element));
            write_varint(record.values.len() as u128, out);
            for value in &record.values {
                encode_value(value, out);
            }
        }
    }
}

/// An element type's number in the format: its index in [`ElementType::ALL`].
fn element_number(element: ElementType) -> u8 {
    ElementType::ALL
        .iter()
        .position(|candidate| *candidate == element)
        .expect("every element type is in ElementType::ALL") as u8
}

fn write_bytes(tag: u8, bytes: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    write_varint(bytes.len() as u128, out);
    out.extend_from_slice(bytes);
}

/// Appends the encoding of a row of values.
pub fn encode_row(values: &[Value], out: &mut Vec<u8>) {
    out.push(ROW_FORMAT_VERSION);
    write_varint(values.len() as u128, out);
    for value in values {
        encode_value(value, out);
    }
}

/// A cursor over an encoded row.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8> {
        let (&first, rest) = self
            .bytes
            .split_first()
            .ok_or_else(|| corrupted("unexpected end of row"))?;
        self.bytes = rest;
        Ok(first)
    }

    fn take(&mut self, count: usize) -> Result<&'a [u8]> {
        if self.bytes.len() < count {
            return Err(corrupted("unexpected end of row"));
        }
        let (head, tail) = self.bytes.split_at(count);
        self.bytes = tail;
        Ok(head)
    }

    fn eight(&mut self) -> Result<[u8; 8]> {
        Ok(self
            .take(8)?
            .try_into()
            .expect("take returned exactly eight bytes"))
    }

    /// A varint of at most `bits` significant bits.
    fn varint(&mut self, bits: u32) -> Result<u128> {
        let mut value: u128 = 0;
        let mut shift = 0;
        loop {
            let byte = self.byte()?;
            let group = u128::from(byte & 0x7f);
            if shift >= bits || (shift > 0 && group >> (bits - shift).min(127) != 0) {
                return Err(corrupted("varint too long"));
            }
            value |= group << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
            shift += 7;
        }
    }

    fn header(&mut self) -> Result<usize> {
        let version = self.byte()?;
        if version != ROW_FORMAT_VERSION {
            return Err(corrupted(&format!("unknown row format version {version}")));
        }
        let count = self.varint(32)?;
        // Every value takes at least one byte: a larger count cannot be genuine.
        if count > self.bytes.len() as u128 {
            return Err(corrupted("column count exceeds the row's length"));
        }
        Ok(count as usize)
    }

    fn integer(&mut self) -> Result<i64> {
        Ok(unzigzag(self.varint(64)? as u64))
    }

    fn int32(&mut self, what: &str) -> Result<i32> {
        i32::try_from(self.integer()?).map_err(|_| corrupted(&format!("{what} out of range")))
    }

    fn bytes_field(&mut self) -> Result<&'a [u8]> {
        let length = self.varint(32)?;
        self.take(usize::try_from(length).unwrap_or(usize::MAX))
    }

    fn text_field(&mut self) -> Result<&'a str> {
        std::str::from_utf8(self.bytes_field()?).map_err(|_| corrupted("text is not UTF-8"))
    }

    fn value(&mut self) -> Result<Value> {
        self.value_at(0)
    }

    fn value_at(&mut self, depth: usize) -> Result<Value> {
        Ok(match self.byte()? {
            TAG_NULL => Value::Null,
            TAG_FALSE => Value::Bool(false),
            TAG_TRUE => Value::Bool(true),
            TAG_INT16 => Value::Int16(
                i16::try_from(self.integer()?).map_err(|_| corrupted("smallint out of range"))?,
            ),
            TAG_INT32 => Value::Int32(
                i32::try_from(self.integer()?).map_err(|_| corrupted("integer out of range"))?,
            ),
            TAG_INT64 => Value::Int64(self.integer()?),
            TAG_FLOAT64 => Value::Float64(f64::from_bits(u64::from_le_bytes(self.eight()?))),
            TAG_NUMERIC => {
                let sign_and_scale = self.byte()?;
                let magnitude = self.varint(96)?;
                let scale = u32::from(sign_and_scale & !NUMERIC_NEGATIVE_BIT);
                let negative = sign_and_scale & NUMERIC_NEGATIVE_BIT != 0;
                let signed = magnitude as i128;
                Value::Numeric(
                    Numeric::from_parts(if negative { -signed } else { signed }, scale)
                        .map_err(|_| corrupted("numeric out of range"))?,
                )
            }
            TAG_TEXT => {
                let length = self.varint(32)?;
                let bytes = self.take(usize::try_from(length).unwrap_or(usize::MAX))?;
                let text =
                    std::str::from_utf8(bytes).map_err(|_| corrupted("text is not UTF-8"))?;
                Value::Text(Arc::from(text))
            }
            TAG_TIMESTAMP => Value::Timestamp(i64::from_le_bytes(self.eight()?)),
            TAG_FLOAT32 => {
                let bits: [u8; 4] = self.take(4)?.try_into().expect("four bytes");
                Value::Float32(f32::from_bits(u32::from_le_bytes(bits)))
            }
            TAG_BPCHAR => Value::Bpchar(Arc::from(self.text_field()?)),
            TAG_BYTEA => Value::Bytea(Arc::from(self.bytes_field()?)),
            TAG_JSON => Value::Json(Arc::from(self.text_field()?)),
            TAG_JSONB => Value::Jsonb(Arc::new(
                Jsonb::parse(self.text_field()?).map_err(|_| corrupted("bad jsonb"))?,
            )),
            TAG_DATE => Value::Date(self.int32("date")?),
            TAG_TIME => Value::Time(self.integer()?),
            TAG_TIMESTAMPTZ => Value::TimestampTz(i64::from_le_bytes(self.eight()?)),
            TAG_INTERVAL => {
                let months = self.int32("interval")?;
                let days = self.int32("interval")?;
                Value::Interval(Interval::new(months, days, self.integer()?))
            }
            TAG_UUID => Value::Uuid(self.take(16)?.try_into().expect("sixteen bytes")),
            tag @ (TAG_ARRAY | TAG_VECTOR | TAG_ARRAY_BOUNDED) => {
                if depth >= ARRAY_DEPTH_MAX {
                    return Err(corrupted("arrays nested too deeply"));
                }
                let element = self.element()?;
                let lower_bound = if tag == TAG_ARRAY_BOUNDED {
                    self.int32("array lower bound")?
                } else {
                    1
                };
                let values = self.values(depth)?;
                let mut array = if tag == TAG_VECTOR {
                    Array::vector(element, values)
                } else {
                    Array::new(element, values)
                };
                if tag == TAG_ARRAY_BOUNDED {
                    array.lower_bound = lower_bound;
                }
                array.into_value()
            }
            TAG_OID => Value::Oid(
                u32::try_from(self.varint(32)?).map_err(|_| corrupted("oid out of range"))?,
            ),
            TAG_RECORD => {
                if depth >= ARRAY_DEPTH_MAX {
                    return Err(corrupted("records nested too deeply"));
                }
                if self.byte()? != 0 {
                    return Err(corrupted("unknown record shape"));
                }
                let composite = Composite::ExpandArray(self.element()?);
                let values = self.values(depth)?;
                Value::Record(Arc::new(Record { composite, values }))
            }
            tag => return Err(corrupted(&format!("unknown value tag {tag:#04x}"))),
        })
    }

    fn element(&mut self) -> Result<ElementType> {
        ElementType::ALL
            .get(usize::from(self.byte()?))
            .copied()
            .ok_or_else(|| corrupted("unknown array element type"))
    }

    /// A count, then that many values one level down.
    fn values(&mut self, depth: usize) -> Result<Vec<Value>> {
        let count = self.varint(32)?;
        if count > self.bytes.len() as u128 {
            return Err(corrupted("array length exceeds the row's length"));
        }
        let mut values = Vec::with_capacity(count as usize);
        for _ in 0..count {
            values.push(self.value_at(depth + 1)?);
        }
        Ok(values)
    }

    /// Skips one value without building it.
    fn skip(&mut self) -> Result<()> {
        match self.byte()? {
            TAG_NULL | TAG_FALSE | TAG_TRUE => {}
            TAG_INT16 | TAG_INT32 | TAG_INT64 | TAG_DATE | TAG_TIME => {
                self.varint(64)?;
            }
            TAG_FLOAT64 | TAG_TIMESTAMP | TAG_TIMESTAMPTZ => {
                self.take(8)?;
            }
            TAG_FLOAT32 => {
                self.take(4)?;
            }
            TAG_UUID => {
                self.take(16)?;
            }
            TAG_INTERVAL => {
                self.varint(64)?;
                self.varint(64)?;
                self.varint(64)?;
            }
            TAG_BPCHAR | TAG_BYTEA | TAG_JSON | TAG_JSONB => {
                self.bytes_field()?;
            }
            TAG_OID => {
                self.varint(32)?;
            }
            tag @ (TAG_ARRAY | TAG_VECTOR | TAG_ARRAY_BOUNDED | TAG_RECORD) => {
                self.byte()?;
                if tag == TAG_ARRAY_BOUNDED {
                    self.varint(64)?;
                }
                if tag == TAG_RECORD {
                    self.byte()?;
                }
                let count = self.varint(32)?;
                if count > self.bytes.len() as u128 {
                    return Err(corrupted("array length exceeds the row's length"));
                }
                for _ in 0..count {
                    // Elements are scalars: a nested array tag cannot be genuine.
                    if matches!(
                        self.bytes.first(),
                        Some(&(TAG_ARRAY | TAG_VECTOR | TAG_ARRAY_BOUNDED | TAG_RECORD))
                    ) {
                        return Err(corrupted("arrays nested too deeply"));
                    }
                    self.skip()?;
                }
            }
            TAG_NUMERIC => {
                self.byte()?;
                self.varint(96)?;
            }
            TAG_TEXT => {
                let length = self.varint(32)?;
                self.take(usize::try_from(length).unwrap_or(usize::MAX))?;
            }
            tag => return Err(corrupted(&format!("unknown value tag {tag:#04x}"))),
        }
        Ok(())
    }
}

/// Decodes a whole row: exactly the values that were stored.
pub fn decode_row(bytes: &[u8]) -> Result<Row> {
    let mut reader = Reader { bytes };
    let count = reader.header()?;
    let mut row = Vec::with_capacity(count);
    for _ in 0..count {
        row.push(reader.value()?);
    }
    if !reader.bytes.is_empty() {
        return Err(corrupted("trailing bytes after the last value"));
    }
    Ok(row)
}

/// Decodes a row for a table of `width` columns: values missing at the end (the row predates
/// `ADD COLUMN`) read as NULL. A row with more values than `width` keeps them all.
pub fn decode_row_padded(bytes: &[u8], width: usize) -> Result<Row> {
    let mut row = decode_row(bytes)?;
    if row.len() < width {
        row.resize(width, Value::Null);
    }
    Ok(row)
}

/// The number of values stored in an encoded row.
pub fn column_count(bytes: &[u8]) -> Result<usize> {
    Reader { bytes }.header()
}

/// Decodes the value at `index` without building the others; NULL when the row has fewer
/// values (a column added after the row was written).
pub fn decode_column(bytes: &[u8], index: usize) -> Result<Value> {
    let mut reader = Reader { bytes };
    let count = reader.header()?;
    if index >= count {
        return Ok(Value::Null);
    }
    for _ in 0..index {
        reader.skip()?;
    }
    reader.value()
}
