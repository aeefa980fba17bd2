//! Runtime values.
//!
//! [`Value`] is one SQL value. Its behaviour is split by concern:
//!
//! | module | owns |
//! | --- | --- |
//! | [`crate::text`] | PostgreSQL input and output functions (`Value::parse_text`, `Value::write_text`) |
//! | [`crate::datetime`] | dates, times, timestamps and intervals: parsing, formatting, arithmetic |
//! | [`crate::bytea`], [`crate::uuid`], [`crate::json`], [`crate::array`], [`crate::oid`], [`crate::record`] | those types' own formats and operations |
//! | [`crate::binary`] | the wire's binary format (`Value::encode_binary`, `Value::decode_binary`) |
//! | [`crate::cast`] | casts between types (`Value::cast`) and which contexts allow them |
//! | [`crate::compare`] | SQL comparison (`sql_cmp`), the total sort order (`sort_cmp`), `Eq`, `Hash` |
//! | [`crate::ops`] | arithmetic and concatenation operators |
//! | [`crate::row_codec`] | the stored byte layout of a row |
//! | [`crate::key_codec`] | the order-preserving byte layout of index keys |
//!
//! A value does not carry type modifiers: a `varchar(10)` column holds `Value::Text`, a
//! `numeric(12,2)` column holds `Value::Numeric` whose scale is 2 because the typmod was applied
//! when the value was stored. The declared [`DataType`] lives in the catalog and the plan.
//!
//! Equality (`==`) and `Hash` are *grouping* semantics, not SQL `=`: `NULL == NULL`, NaN equals
//! NaN, and numbers of different types are equal when their values are (`Int16(5) ==
//! Int64(5) == Numeric(5.00) == Float64(5.0)`), exactly when [`Value::sort_cmp`] says `Equal`.

use std::sync::Arc;

use crate::array::Array;
use crate::datetime::interval::Interval;
use crate::json::Jsonb;
use crate::numeric::Numeric;
use crate::record::Record;
use crate::types::DataType;

/// One SQL value. Strings are reference-counted so that projecting, sorting and grouping rows
/// copies pointers, not bytes.
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    /// `real`.
    Float32(f32),
    Float64(f64),
    Numeric(Numeric),
    /// `text` and `varchar`.
    Text(Arc<str>),
    /// `char(n)` / `bpchar`: the string as stored, blank-padded to the declared length.
    /// Comparisons ignore trailing spaces; a cast to text drops them.
    Bpchar(Arc<str>),
    /// `bytea`.
    Bytea(Arc<[u8]>),
    /// `date`: days since 2000-01-01; `i32::MIN`/`i32::MAX` are `-infinity`/`infinity`.
    Date(i32),
    /// `time`: microseconds since midnight (0 ..= 24:00:00).
    Time(i64),
    /// `timestamp`: microseconds since 2000-01-01 00:00:00, PostgreSQL's epoch.
    /// `i64::MIN` is `-infinity` and `i64::MAX` is `infinity`, as in PostgreSQL.
    Timestamp(i64),
    /// `timestamptz`: microseconds since 2000-01-01 00:00:00 UTC, same infinities.
    TimestampTz(i64),
    /// `interval`.
    Interval(Interval),
    /// `uuid`.
    Uuid([u8; 16]),
    /// `json`: the validated input text, kept as given.
    Json(Arc<str>),
    /// `jsonb`: the parsed, normalised document.
    Jsonb(Arc<Jsonb>),
    /// A one-dimensional array; also `int2vector` and `oidvector` (see [`Array::vector`]).
    Array(Arc<Array>),
    /// `oid`: 4 bytes, unsigned.
    Oid(u32),
    /// A composite value (`record`).
    Record(Arc<Record>),
}

/// A row: one value per column.
pub type Row = Vec<Value>;

/// The context a cast happens in, as PostgreSQL's `pg_cast.castcontext` distinguishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CastKind {
    /// Inserted silently inside an expression (`int + numeric`).
    Implicit,
    /// Storing into a column (`INSERT`, `UPDATE ... SET`).
    Assignment,
    /// Written by the user (`CAST(x AS t)`, `x::t`).
    Explicit,
}

impl Value {
    /// Whether the value is SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A text value.
    pub fn text(s: &str) -> Value {
        Value::Text(Arc::from(s))
    }

    /// A numeric value.
    pub fn numeric(n: Numeric) -> Value {
        Value::Numeric(n)
    }

    /// The natural type of the value; `Unknown` for NULL.
    pub fn data_type(&self) -> DataType {
        match self {
            Value::Null => DataType::Unknown,
            Value::Bool(_) => DataType::Bool,
            Value::Int16(_) => DataType::SmallInt,
            Value::Int32(_) => DataType::Int,
            Value::Int64(_) => DataType::BigInt,
            Value::Float32(_) => DataType::Real,
            Value::Float64(_) => DataType::Double,
            Value::Numeric(_) => DataType::Numeric(None),
            Value::Text(_) => DataType::Text,
            Value::Bpchar(_) => DataType::Bpchar(None),
            Value::Bytea(_) => DataType::Bytea,
            Value::Date(_) => DataType::Date,
            Value::Time(_) => DataType::Time,
            Value::Timestamp(_) => DataType::Timestamp,
            Value::TimestampTz(_) => DataType::TimestampTz,
            Value::Interval(_) => DataType::Interval,
            Value::Uuid(_) => DataType::Uuid,
            Value::Json(_) => DataType::Json,
            Value::Jsonb(_) => DataType::Jsonb,
            Value::Array(array) => array.data_type(),
            Value::Oid(_) => DataType::Oid,
            Value::Record(record) => DataType::Record(record.composite),
        }
    }

    /// The integer value of an `Int16`, `Int32` or `Int64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int16(v) => Some(i64::from(*v)),
            Value::Int32(v) => Some(i64::from(*v)),
            Value::Int64(v) => Some(*v),
            _ => None,
        }
    }

    /// The string of a `Text` (or of a `Bpchar`, padding included).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) | Value::Bpchar(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean of a `Bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

impl From<i16> for Value {
    fn from(v: i16) -> Value {
        Value::Int16(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Value {
        Value::Int32(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int64(v)
    }
}

impl From<f32> for Value {
    fn from(v: f32) -> Value {
        Value::Float32(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Float64(v)
    }
}

impl From<Numeric> for Value {
    fn from(v: Numeric) -> Value {
        Value::Numeric(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::text(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(Arc::from(v))
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_stays_three_words() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
    }
}
