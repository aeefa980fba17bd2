//! Comparing and hashing values: SQL comparison, the total sort order, `Eq` and `Hash`.
//!
//! Two orders exist because SQL needs both:
//!
//! * [`Value::sql_cmp`] is the `=`/`<` of SQL expressions. NULL compares as unknown (`None`).
//!   Numbers of different types compare as PostgreSQL's implicit casts make them: integers of
//!   any width and numerics exactly, but anything against a `float8` in `float8` (so
//!   `9007199254740993::int8 = 9007199254740992::float8` is true, as in PostgreSQL). Types
//!   without a comparison operator are an error (42883).
//! * [`Value::sort_cmp`] is a *total* order for ORDER BY, DISTINCT, GROUP BY and index keys:
//!   NULL sorts after everything (PostgreSQL's ASC default), NaN after every other float and
//!   equal to itself, `-0.0` equal to `0.0`, and numbers of different types by their exact
//!   values (so the order stays transitive, which sorting requires). `char(n)` values compare
//!   as their text without trailing spaces (so `'a '::char(2) = 'a'::char(1)`). Values of
//!   unrelated types order by type family: bool < numbers < strings < bytea < timestamps <
//!   dates < times < intervals < uuids < json < jsonb < arrays < NULL, the order of
//!   [`crate::key_codec`]'s tags.
//!
//! `PartialEq`/`Eq` is `sort_cmp == Equal`, and `Hash` hashes a canonical form of each number
//! (an integer, else an exactly representable float, else a normalized decimal) so that equal
//! values hash equally across types and scales.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use crate::error::{Error, Result, SqlState};
use crate::numeric::Numeric;
use crate::types::DataType;
use crate::value::Value;

/// A number of any of the numeric types, for cross-type comparison.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Number {
    Integer(i64),
    Numeric(Numeric),
    Float(f64),
}

impl Number {
    pub(crate) fn of(value: &Value) -> Option<Number> {
        match value {
            Value::Int16(v) => Some(Number::Integer(i64::from(*v))),
            Value::Int32(v) => Some(Number::Integer(i64::from(*v))),
            Value::Int64(v) => Some(Number::Integer(*v)),
            // Unsigned: 4294967295 is the greatest oid, as in PostgreSQL.
            Value::Oid(v) => Some(Number::Integer(i64::from(*v))),
            Value::Numeric(n) => Some(Number::Numeric(*n)),
            Value::Float32(f) => Some(Number::Float(f64::from(*f))),
            Value::Float64(f) => Some(Number::Float(*f)),
            _ => None,
        }
    }

    pub(crate) fn to_f64(self) -> f64 {
        match self {
            Number::Integer(v) => v as f64,
            Number::Numeric(n) => n.to_f64(),
            Number::Float(f) => f,
        }
    }

    /// Exact comparison; NaN is greater than every other number and equal to itself.
    pub(crate) fn cmp_exact(self, other: Number) -> Ordering {
        match (self, other) {
            (Number::Integer(a), Number::Integer(b)) => a.cmp(&b),
            (Number::Integer(a), Number::Numeric(b)) => Numeric::from_i64(a).cmp(&b),
            (Number::Numeric(a), Number::Integer(b)) => a.cmp(&Numeric::from_i64(b)),
            (Number::Numeric(a), Number::Numeric(b)) => a.cmp(&b),
            (Number::Integer(a), Number::Float(b)) => cmp_i64_f64(a, b),
            (Number::Float(a), Number::Integer(b)) => cmp_i64_f64(b, a).reverse(),
            (Number::Numeric(a), Number::Float(b)) => a.cmp_f64(b),
            (Number::Float(a), Number::Numeric(b)) => b.cmp_f64(a).reverse(),
            (Number::Float(a), Number::Float(b)) => cmp_f64_total(a, b),
        }
    }
}

/// PostgreSQL's float8 comparison: NaN equals NaN and is greater than everything; -0 == 0.
pub fn cmp_f64_total(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => a.partial_cmp(&b).expect("neither is NaN"),
    }
}

/// Exact comparison of an integer with a float (NaN greatest).
pub(crate) fn cmp_i64_f64(a: i64, b: f64) -> Ordering {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if b.is_nan() || b >= TWO_POW_63 {
        return Ordering::Less;
    }
    if b < -TWO_POW_63 {
        return Ordering::Greater;
    }
    // |b| < 2^63 here, so its integer part converts exactly.
    let whole = b.trunc();
    match a.cmp(&(whole as i64)) {
        Ordering::Equal => {
            let fraction = b - whole;
            if fraction > 0.0 {
                Ordering::Less
            } else if fraction < 0.0 {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
        other => other,
    }
}

/// The rank of a value's type family in the total order.
fn family_rank(value: &Value) -> u8 {
    match value {
        Value::Bool(_) => 0,
        Value::Int16(_) | Value::Int32(_) | Value::Int64(_) | Value::Numeric(_) => 1,
        Value::Oid(_) => 1,
        Value::Float32(_) | Value::Float64(_) => 1,
        Value::Text(_) | Value::Bpchar(_) => 2,
        Value::Bytea(_) => 3,
        Value::Timestamp(_) | Value::TimestampTz(_) => 4,
        Value::Date(_) => 5,
        Value::Time(_) => 6,
        Value::Interval(_) => 7,
        Value::Uuid(_) => 8,
        Value::Json(_) => 9,
        Value::Jsonb(_) => 10,
        Value::Array(_) => 11,
        Value::Record(_) => 12,
        Value::Null => 13,
    }
}

/// The text a string value compares as: `char(n)` without its trailing spaces.
fn comparable_text(value: &Value) -> Option<&str> {
    match value {
        Value::Text(s) => Some(s),
        Value::Bpchar(s) => Some(s.trim_end_matches(' ')),
        _ => None,
    }
}

/// A date or timestamp as microseconds on one axis (dates at midnight, infinities at the ends),
/// for comparisons across the two types.
fn instant(value: &Value) -> Option<i128> {
    match value {
        Value::Timestamp(t) | Value::TimestampTz(t) => Some(match *t {
            i64::MAX => i128::MAX,
            i64::MIN => i128::MIN,
            t => i128::from(t),
        }),
        Value::Date(d) => Some(match *d {
            i32::MAX => i128::MAX,
            i32::MIN => i128::MIN,
            d => i128::from(d) * i128::from(crate::datetime::USECS_PER_DAY),
        }),
        _ => None,
    }
}

/// The 42883 error PostgreSQL gives when no operator exists for the operand types.
pub fn operator_does_not_exist(operator: &str, left: &DataType, right: &DataType) -> Error {
    Error::new(
        SqlState::UNDEFINED_FUNCTION,
        format!(
            "operator does not exist: {} {operator} {}",
            left.sql_name(),
            right.sql_name()
        ),
    )
    .with_hint(
        "No operator matches the given name and argument types. You might need to add explicit \
         type casts.",
    )
}

impl Value {
    /// SQL comparison (`=`, `<`, ...): `None` if either side is NULL; 42883 for types that
    /// have no comparison operator between them.
    pub fn sql_cmp(&self, other: &Value) -> Result<Option<Ordering>> {
        if self.is_null() || other.is_null() {
            return Ok(None);
        }
        if let (Some(a), Some(b)) = (Number::of(self), Number::of(other)) {
            let ordering = match (a, b) {
                (Number::Float(_), _) | (_, Number::Float(_)) => {
                    cmp_f64_total(a.to_f64(), b.to_f64())
                }
                _ => a.cmp_exact(b),
            };
            return Ok(Some(ordering));
        }
        if let (Some(a), Some(b)) = (comparable_text(self), comparable_text(other)) {
            return Ok(Some(a.as_bytes().cmp(b.as_bytes())));
        }
        if let (Some(a), Some(b)) = (instant(self), instant(other)) {
            return Ok(Some(a.cmp(&b)));
        }
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => Ok(Some(a.cmp(b))),
            (Value::Bytea(a), Value::Bytea(b)) => Ok(Some(a.cmp(b))),
            (Value::Time(a), Value::Time(b)) => Ok(Some(a.cmp(b))),
            (Value::Interval(a), Value::Interval(b)) => Ok(Some(a.cmp_span(b))),
            (Value::Uuid(a), Value::Uuid(b)) => Ok(Some(a.cmp(b))),
            (Value::Jsonb(a), Value::Jsonb(b)) => Ok(Some(a.compare(b))),
            (Value::Array(a), Value::Array(b)) => Ok(Some(a.compare(b))),
            (Value::Record(a), Value::Record(b)) => Ok(Some(a.compare(b))),
            _ => Err(operator_does_not_exist(
                "=",
                &self.data_type(),
                &other.data_type(),
            )),
        }
    }

    /// The total order used for sorting, grouping and index keys (see the module docs).
    pub fn sort_cmp(&self, other: &Value) -> Ordering {
        if let (Some(a), Some(b)) = (Number::of(self), Number::of(other)) {
            return a.cmp_exact(b);
        }
        if let (Some(a), Some(b)) = (comparable_text(self), comparable_text(other)) {
            return a.as_bytes().cmp(b.as_bytes());
        }
        match (self, other) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Bytea(a), Value::Bytea(b)) => a.cmp(b),
            (
                Value::Timestamp(a) | Value::TimestampTz(a),
                Value::Timestamp(b) | Value::TimestampTz(b),
            ) => a.cmp(b),
            (Value::Date(a), Value::Date(b)) => a.cmp(b),
            (Value::Time(a), Value::Time(b)) => a.cmp(b),
            (Value::Interval(a), Value::Interval(b)) => a.cmp_span(b),
            (Value::Uuid(a), Value::Uuid(b)) => a.cmp(b),
            (Value::Json(a), Value::Json(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Value::Jsonb(a), Value::Jsonb(b)) => a.compare(b),
            (Value::Array(a), Value::Array(b)) => a.compare(b),
            (Value::Record(a), Value::Record(b)) => a.compare(b),
            _ => family_rank(self).cmp(&family_rank(other)),
        }
    }

    /// Lexicographic [`Value::sort_cmp`] of two rows; a shorter row that is a prefix of the
    /// other sorts first.
    pub fn sort_cmp_rows(left: &[Value], right: &[Value]) -> Ordering {
        for (a, b) in left.iter().zip(right) {
            let ordering = a.sort_cmp(b);
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        left.len().cmp(&right.len())
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.sort_cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Value) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Value {
    fn cmp(&self, other: &Value) -> Ordering {
        self.sort_cmp(other)
    }
}

/// Hash tags; numbers share the canonical-form tags whatever their type.
const HASH_NULL: u8 = 0;
const HASH_BOOL: u8 = 1;
const HASH_INTEGER: u8 = 2;
const HASH_FLOAT: u8 = 3;
const HASH_DECIMAL: u8 = 4;
const HASH_TEXT: u8 = 5;
const HASH_TIMESTAMP: u8 = 6;
const HASH_BYTEA: u8 = 7;
const HASH_DATE: u8 = 8;
const HASH_TIME: u8 = 9;
const HASH_INTERVAL: u8 = 10;
const HASH_UUID: u8 = 11;
const HASH_JSON: u8 = 12;
const HASH_JSONB: u8 = 13;
const HASH_ARRAY: u8 = 14;
const HASH_RECORD: u8 = 15;

fn hash_float<H: Hasher>(value: f64, state: &mut H) {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if value.is_nan() {
        HASH_FLOAT.hash(state);
        u64::MAX.hash(state);
    } else if value.trunc() == value && (-TWO_POW_63..TWO_POW_63).contains(&value) {
        // Integral and in i64 range (this includes -0.0): hash as the integer it equals.
        HASH_INTEGER.hash(state);
        (value as i64).hash(state);
    } else {
        HASH_FLOAT.hash(state);
        value.to_bits().hash(state);
    }
}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Value::Null => HASH_NULL.hash(state),
            Value::Bool(b) => {
                HASH_BOOL.hash(state);
                b.hash(state);
            }
            Value::Int16(_) | Value::Int32(_) | Value::Int64(_) => {
                HASH_INTEGER.hash(state);
                self.as_i64().expect("an integer variant").hash(state);
            }
            Value::Oid(v) => {
                HASH_INTEGER.hash(state);
                i64::from(*v).hash(state);
            }
            Value::Float32(f) => hash_float(f64::from(*f), state),
            Value::Float64(f) => hash_float(*f, state),
            Value::Numeric(n) => {
                if let Some(integer) = n.to_exact_i64() {
                    HASH_INTEGER.hash(state);
                    integer.hash(state);
                } else if let Some(float) = n.exact_f64() {
                    hash_float(float, state);
                } else {
                    let normalized = n.normalized();
                    HASH_DECIMAL.hash(state);
                    normalized.mantissa().hash(state);
                    normalized.scale().hash(state);
                }
            }
            Value::Text(_) | Value::Bpchar(_) => {
                HASH_TEXT.hash(state);
                comparable_text(self).hash(state);
            }
            Value::Timestamp(t) | Value::TimestampTz(t) => {
                HASH_TIMESTAMP.hash(state);
                t.hash(state);
            }
            Value::Bytea(bytes) => {
                HASH_BYTEA.hash(state);
                bytes.hash(state);
            }
            Value::Date(d) => {
                HASH_DATE.hash(state);
                d.hash(state);
            }
            Value::Time(t) => {
                HASH_TIME.hash(state);
                t.hash(state);
            }
            Value::Interval(interval) => {
                HASH_INTERVAL.hash(state);
                interval.span().hash(state);
            }
            Value::Uuid(uuid) => {
                HASH_UUID.hash(state);
                uuid.hash(state);
            }
            Value::Json(text) => {
                HASH_JSON.hash(state);
                text.hash(state);
            }
            Value::Jsonb(document) => {
                HASH_JSONB.hash(state);
                document.hash_into(state);
            }
            Value::Array(array) => {
                HASH_ARRAY.hash(state);
                array.values.len().hash(state);
                for value in &array.values {
                    value.hash(state);
                }
            }
            Value::Record(record) => {
                HASH_RECORD.hash(state);
                for value in &record.values {
                    value.hash(state);
                }
            }
        }
    }
}
