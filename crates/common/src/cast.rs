//! Casts between db001's types, with PostgreSQL's semantics.
//!
//! [`Value::cast`] converts a value; [`cast_context`] tells the planner in which contexts
//! PostgreSQL applies a cast without being asked (its `pg_cast.castcontext`), so that
//! `INSERT INTO t (int_column) VALUES ('1'::text)` can be rejected at plan time as PostgreSQL
//! does. `Value::cast` itself checks only that the cast exists (42846 otherwise); the
//! [`CastKind`] changes behaviour only where PostgreSQL's does:
//!
//! * `varchar(n)` and `char(n)`: an explicit cast truncates silently; implicit and assignment
//!   casts fail with 22001 unless every excess character is a space (those are dropped).
//!   `char(n)` also pads shorter strings with spaces.
//!
//! The conversions:
//!
//! | from → to | behaviour |
//! | --- | --- |
//! | integer → narrower integer | 22003 `smallint out of range` / `integer out of range` |
//! | float8 → integer | rounds half to even (`rint`), 22003 when out of range or NaN |
//! | numeric → integer | rounds half away from zero, 22003 when out of range |
//! | float8 → numeric | 15 significant digits (`%.15g`), NaN/Infinity 0A000 |
//! | float4 → numeric | 6 significant digits (`%.6g`) |
//! | float8 → float4 | rounded; 22003 `value out of range: overflow` / `underflow` |
//! | char(n) → text / varchar | trailing spaces removed (`rtrim`) |
//! | date ↔ timestamp / timestamptz | midnight; the day (22008 out of the other's range) |
//! | timestamp ↔ timestamptz | the same instant (the session zone is UTC) |
//! | timestamp[tz] → time, time ↔ interval | time of day; the interval's time part modulo 24 h |
//! | json ↔ jsonb | parsed / printed |
//! | jsonb → numbers, boolean | a JSON number or boolean, else 22023 `cannot cast jsonb string to type integer` |
//! | array → array | element by element, with the same context |
//! | any → numeric(p,s) | rounds to `s`, 22003 `numeric field overflow` |
//! | bool ↔ integer | `int4` only, as PostgreSQL: 0 is false, anything else true; true is 1 |
//! | smallint, integer → oid | the 32 bits as unsigned (`(-1)::oid` is 4294967295) |
//! | bigint → oid | 22003 `OID out of range` outside 0..=4294967295 |
//! | oid → integer / bigint | the 32 bits as signed / the value |
//! | int2vector / oidvector → smallint[] / oid[] | the elements, lower bound 0 kept |
//! | text, varchar, char → any | the type's input function ([`Value::parse_text`]) |
//! | any → text | the output function, except bool → `true`/`false` (PostgreSQL's `booltext`) |
//! | NULL → any | NULL |

use std::sync::Arc;

use crate::array::Array;
use crate::datetime::{self, date};
use crate::error::{Error, Result, SqlState};
use crate::json::Jsonb;
use crate::numeric::Numeric;
use crate::text::{fit_bpchar, fit_varchar};
use crate::types::DataType;
use crate::value::{CastKind, Value};

/// 42846 `cannot cast type X to Y`.
pub fn cannot_cast(from: &DataType, to: &DataType) -> Error {
    Error::new(
        SqlState::CANNOT_COERCE,
        format!("cannot cast type {} to {to}", from.sql_name()),
    )
}

/// The least permissive context in which PostgreSQL applies a cast from `from` to `to`
/// (`Implicit` < `Assignment` < `Explicit`), or `None` when no cast exists. Type modifiers are
/// ignored: a cast between the same base types is always implicit (a length coercion).
pub fn cast_context(from: DataType, to: DataType) -> Option<CastKind> {
    use crate::types::ElementType as T2;
    use CastKind::{Assignment, Explicit, Implicit};
    use DataType as T;
    let from = from.without_modifier();
    let to = to.without_modifier();
    if from == to || from == T::Unknown {
        return Some(Implicit);
    }
    let integer_rank = |t: DataType| match t {
        T::SmallInt => Some(0),
        T::Int => Some(1),
        T::BigInt => Some(2),
        _ => None,
    };
    Some(match (from, to) {
        (T::Array(a), T::Array(b)) => return cast_context(a.data_type(), b.data_type()),
        (T::SmallInt | T::Int | T::BigInt, T::Oid) => Implicit,
        (T::Oid, T::Int | T::BigInt) => Assignment,
        (T::Oid, _) if to.is_numeric() => return None,
        (T::Int2Vector, T::Array(T2::SmallInt)) | (T::OidVector, T::Array(T2::Oid)) => Implicit,
        (T::Record(_), _) | (_, T::Record(_)) => return None,
        (T::Int2Vector | T::OidVector, _) if !to.is_string() => return None,
        (a, b) if integer_rank(a).is_some() && integer_rank(b).is_some() => {
            if integer_rank(a) < integer_rank(b) {
                Implicit
            } else {
                Assignment
            }
        }
        (a, T::Numeric(_) | T::Double | T::Real) if integer_rank(a).is_some() => Implicit,
        (T::Numeric(_), T::Double | T::Real) => Implicit,
        (T::Real, T::Double) => Implicit,
        (T::Double, T::Real) => Assignment,
        (T::Numeric(_) | T::Double | T::Real, b) if integer_rank(b).is_some() => Assignment,
        (T::Double | T::Real, T::Numeric(_)) => Assignment,
        (T::Int, T::Bool) | (T::Bool, T::Int) => Explicit,
        (a, b) if a.is_string() && b.is_string() => Implicit,
        (T::Date, T::Timestamp | T::TimestampTz) => Implicit,
        (T::Timestamp, T::TimestampTz) => Implicit,
        (T::TimestampTz, T::Timestamp) => Assignment,
        (T::Timestamp | T::TimestampTz, T::Date | T::Time) => Assignment,
        (T::Time, T::Interval) => Implicit,
        (T::Interval, T::Time) => Assignment,
        (T::Json, T::Jsonb) | (T::Jsonb, T::Json) => Assignment,
        (
            T::Jsonb,
            T::Bool | T::SmallInt | T::Int | T::BigInt | T::Real | T::Double | T::Numeric(_),
        ) => Explicit,
        (_, T::Text | T::Varchar(_) | T::Bpchar(_) | T::Unknown) => Assignment,
        (T::Text | T::Varchar(_) | T::Bpchar(_), _) => Explicit,
        _ => return None,
    })
}

/// A float's `%.{digits}g` text, the way PostgreSQL turns `float4`/`float8` into `numeric`.
pub(crate) fn float_to_numeric(value: f64, digits: usize) -> Result<Numeric> {
    if value.is_nan() {
        return Err(Error::feature_not_supported(
            "cannot convert NaN to numeric",
        ));
    }
    if value.is_infinite() {
        return Err(Error::feature_not_supported(
            "cannot convert infinity to numeric",
        ));
    }
    let formatted = format!("{:.*e}", digits - 1, value);
    let (mantissa, exponent) = formatted
        .split_once('e')
        .expect("`{:e}` output always has an exponent");
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    Numeric::parse(&format!("{mantissa}e{exponent}"))
}

/// `float8` → `float4`: rounded, with PostgreSQL's overflow and underflow checks.
fn double_to_real(value: f64) -> Result<f32> {
    let narrowed = value as f32;
    if narrowed.is_infinite() && value.is_finite() {
        return Err(Error::out_of_range("value out of range: overflow"));
    }
    if narrowed == 0.0 && value != 0.0 {
        return Err(Error::out_of_range("value out of range: underflow"));
    }
    Ok(narrowed)
}

/// The error for a `jsonb` value of the wrong kind in a cast (PostgreSQL's
/// `cannotCastJsonbValue`).
fn cannot_cast_jsonb(document: &Jsonb, to: &DataType) -> Error {
    let kind = match document {
        Jsonb::Null => "null",
        Jsonb::String(_) => "string",
        Jsonb::Number(_) => "numeric",
        Jsonb::Bool(_) => "boolean",
        Jsonb::Array(_) => "array",
        Jsonb::Object(_) => "object",
    };
    Error::new(
        SqlState::INVALID_PARAMETER_VALUE,
        format!("cannot cast jsonb {kind} to type {}", to.sql_name()),
    )
}

/// `float8` → integer: `rint`, then PostgreSQL's range test on the rounded value.
fn float_to_integer(value: f64, min: f64, end: f64, type_name: &str) -> Result<i64> {
    let rounded = value.round_ties_even();
    if rounded.is_nan() || rounded < min || rounded >= end {
        return Err(Error::out_of_range(format!("{type_name} out of range")));
    }
    Ok(rounded as i64)
}

fn integer_out_of_range(to: &DataType) -> Error {
    Error::out_of_range(format!(
        "{} out of range",
        match to {
            DataType::SmallInt => "smallint",
            DataType::Int => "integer",
            _ => "bigint",
        }
    ))
}

impl Value {
    /// The text a cast to `text` produces: the output function, except `true`/`false`.
    fn cast_text(&self) -> Arc<str> {
        match self {
            Value::Text(s) => Arc::clone(s),
            Value::Bpchar(s) => Arc::from(s.trim_end_matches(' ')),
            Value::Bool(b) => Arc::from(if *b { "true" } else { "false" }),
            other => Arc::from(other.to_text()),
        }
    }

    /// Converts the value to `to` with PostgreSQL's semantics (see the module docs).
    pub fn cast(&self, to: DataType, kind: CastKind) -> Result<Value> {
        if self.is_null() {
            return Ok(Value::Null);
        }
        let from = self.data_type();
        let cannot = || cannot_cast(&from, &to);
        // Strings are parsed by the target type's input function.
        if let Value::Text(text) | Value::Bpchar(text) = self
            && !to.is_string()
            && to != DataType::Unknown
        {
            return Value::parse_text(to, text);
        }
        if let Value::Jsonb(document) = self
            && (to.is_numeric() || to == DataType::Bool)
        {
            return match (&**document, to) {
                (Jsonb::Bool(b), DataType::Bool) => Ok(Value::Bool(*b)),
                (Jsonb::Number(n), _) if to != DataType::Bool => {
                    let number = Numeric::parse(n)?;
                    Value::Numeric(number).cast(to, kind)
                }
                (other, _) => Err(cannot_cast_jsonb(other, &to)),
            };
        }
        match to {
            DataType::Text | DataType::Unknown | DataType::Varchar(None) => {
                Ok(Value::Text(self.cast_text()))
            }
            DataType::Varchar(Some(limit)) => Ok(Value::Text(fit_varchar(
                &self.cast_text(),
                limit,
                kind == CastKind::Explicit,
            )?)),
            DataType::Bpchar(limit) => {
                // Only strings keep their trailing spaces into char(n).
                let text = match self {
                    Value::Text(s) | Value::Bpchar(s) => Arc::clone(s),
                    other => other.cast_text(),
                };
                Ok(Value::Bpchar(match limit {
                    Some(limit) => fit_bpchar(&text, limit, kind == CastKind::Explicit)?,
                    None => text,
                }))
            }
            DataType::Bool => match self {
                Value::Bool(b) => Ok(Value::Bool(*b)),
                Value::Int32(v) => Ok(Value::Bool(*v != 0)),
                _ => Err(cannot()),
            },
            DataType::SmallInt | DataType::Int | DataType::BigInt => {
                let (min, max) = match to {
                    DataType::SmallInt => (i64::from(i16::MIN), i64::from(i16::MAX)),
                    DataType::Int => (i64::from(i32::MIN), i64::from(i32::MAX)),
                    _ => (i64::MIN, i64::MAX),
                };
                let type_name = match to {
                    DataType::SmallInt => "smallint",
                    DataType::Int => "integer",
                    _ => "bigint",
                };
                // max + 1 as a float: 2^15, 2^31 or 2^63, all exact.
                let float = |f: f64| float_to_integer(f, min as f64, -(min as f64), type_name);
                let wide = match self {
                    Value::Int16(_) | Value::Int32(_) | Value::Int64(_) => {
                        self.as_i64().expect("an integer variant")
                    }
                    // `oid` → `integer` keeps the bits; → `bigint` the value.
                    Value::Oid(v) if to == DataType::Int => i64::from(*v as i32),
                    Value::Oid(v) if to == DataType::BigInt => i64::from(*v),
                    Value::Float32(f) => float(f64::from(*f))?,
                    Value::Float64(f) => float(*f)?,
                    Value::Numeric(n) => match to {
                        DataType::SmallInt => i64::from(n.to_i16()?),
                        DataType::Int => i64::from(n.to_i32()?),
                        _ => n.to_i64()?,
                    },
                    Value::Bool(b) if to == DataType::Int => i64::from(*b),
                    _ => return Err(cannot()),
                };
                if wide < min || wide > max {
                    return Err(integer_out_of_range(&to));
                }
                Ok(match to {
                    DataType::SmallInt => Value::Int16(wide as i16),
                    DataType::Int => Value::Int32(wide as i32),
                    _ => Value::Int64(wide),
                })
            }
            DataType::Double => match self {
                Value::Int16(_) | Value::Int32(_) | Value::Int64(_) => Ok(Value::Float64(
                    self.as_i64().expect("an integer variant") as f64,
                )),
                Value::Float32(f) => Ok(Value::Float64(f64::from(*f))),
                Value::Float64(f) => Ok(Value::Float64(*f)),
                Value::Numeric(n) => Ok(Value::Float64(n.to_f64())),
                _ => Err(cannot()),
            },
            DataType::Real => match self {
                Value::Int16(_) | Value::Int32(_) | Value::Int64(_) => Ok(Value::Float32(
                    self.as_i64().expect("an integer variant") as f32,
                )),
                Value::Float32(f) => Ok(Value::Float32(*f)),
                Value::Float64(f) => Ok(Value::Float32(double_to_real(*f)?)),
                // Rounded once from the decimal digits, as `float4in` would.
                Value::Numeric(n) => {
                    Ok(Value::Float32(n.to_string().parse().map_err(|_| cannot())?))
                }
                _ => Err(cannot()),
            },
            DataType::Numeric(typmod) => {
                let value = match self {
                    Value::Int16(_) | Value::Int32(_) | Value::Int64(_) => {
                        Numeric::from_i64(self.as_i64().expect("an integer variant"))
                    }
                    Value::Float64(f) => Numeric::from_f64(*f)?,
                    Value::Float32(f) => float_to_numeric(f64::from(*f), 6)?,
                    Value::Numeric(n) => *n,
                    _ => return Err(cannot()),
                };
                Ok(Value::Numeric(match typmod {
                    Some(typmod) => value.apply_typmod(typmod)?,
                    None => value,
                }))
            }
            DataType::Timestamp | DataType::TimestampTz => {
                let micros = match self {
                    Value::Timestamp(t) | Value::TimestampTz(t) => *t,
                    Value::Date(d) => date::date_to_timestamp(*d)?,
                    _ => return Err(cannot()),
                };
                Ok(if to == DataType::Timestamp {
                    Value::Timestamp(micros)
                } else {
                    Value::TimestampTz(micros)
                })
            }
            DataType::Date => match self {
                Value::Date(d) => Ok(Value::Date(*d)),
                Value::Timestamp(t) | Value::TimestampTz(t) => {
                    Ok(Value::Date(date::timestamp_to_date(*t)?))
                }
                _ => Err(cannot()),
            },
            DataType::Time => match self {
                Value::Time(t) => Ok(Value::Time(*t)),
                Value::Timestamp(t) | Value::TimestampTz(t) => {
                    if *t == i64::MAX || *t == i64::MIN {
                        // PostgreSQL: the time of an infinite timestamp is NULL.
                        return Ok(Value::Null);
                    }
                    Ok(Value::Time(datetime::time::time_of_timestamp(*t)))
                }
                Value::Interval(span) => {
                    Ok(Value::Time(span.micros.rem_euclid(datetime::USECS_PER_DAY)))
                }
                _ => Err(cannot()),
            },
            DataType::Interval => match self {
                Value::Interval(span) => Ok(Value::Interval(*span)),
                Value::Time(t) => Ok(Value::Interval(datetime::interval::Interval::new(0, 0, *t))),
                _ => Err(cannot()),
            },
            DataType::Json => match self {
                Value::Json(text) => Ok(Value::Json(Arc::clone(text))),
                Value::Jsonb(document) => Ok(Value::Json(Arc::from(document.to_text()))),
                _ => Err(cannot()),
            },
            DataType::Jsonb => match self {
                Value::Jsonb(document) => Ok(Value::Jsonb(Arc::clone(document))),
                Value::Json(text) => Ok(Value::Jsonb(Arc::new(Jsonb::parse(text)?))),
                _ => Err(cannot()),
            },
            DataType::Bytea => match self {
                Value::Bytea(bytes) => Ok(Value::Bytea(Arc::clone(bytes))),
                _ => Err(cannot()),
            },
            DataType::Uuid => match self {
                Value::Uuid(uuid) => Ok(Value::Uuid(*uuid)),
                _ => Err(cannot()),
            },
            DataType::Oid => match self {
                Value::Oid(v) => Ok(Value::Oid(*v)),
                Value::Int16(v) => Ok(Value::Oid(i32::from(*v) as u32)),
                Value::Int32(v) => Ok(Value::Oid(*v as u32)),
                Value::Int64(v) => Ok(Value::Oid(
                    u32::try_from(*v).map_err(|_| crate::oid::oid_out_of_range())?,
                )),
                _ => Err(cannot()),
            },
            DataType::Int2Vector | DataType::OidVector => match self {
                Value::Array(array) if array.vector && array.data_type() == to => {
                    Ok(Value::Array(Arc::clone(array)))
                }
                _ => Err(cannot()),
            },
            DataType::Record(_) => match self {
                Value::Record(record) if DataType::Record(record.composite) == to => {
                    Ok(self.clone())
                }
                _ => Err(cannot()),
            },
            DataType::Array(element) => match self {
                Value::Array(array) if array.element == element && !array.vector => {
                    Ok(Value::Array(Arc::clone(array)))
                }
                Value::Array(array) if array.vector => match crate::oid::relabel(array, to) {
                    Some(relabelled) => Ok(relabelled?.into_value()),
                    None => Err(cannot()),
                },
                Value::Array(array) => {
                    let target = element.data_type();
                    let values = array
                        .values
                        .iter()
                        .map(|value| value.cast(target, kind))
                        .collect::<Result<Vec<_>>>()?;
                    Ok(Array::new(element, values).into_value())
                }
                _ => Err(cannot()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_follow_pg_cast() {
        use CastKind::{Assignment, Explicit, Implicit};
        assert_eq!(
            cast_context(DataType::Int, DataType::BigInt),
            Some(Implicit)
        );
        assert_eq!(
            cast_context(DataType::BigInt, DataType::Int),
            Some(Assignment)
        );
        assert_eq!(
            cast_context(DataType::Int, DataType::Numeric(None)),
            Some(Implicit)
        );
        assert_eq!(
            cast_context(DataType::Numeric(None), DataType::Double),
            Some(Implicit)
        );
        assert_eq!(
            cast_context(DataType::Double, DataType::Numeric(None)),
            Some(Assignment)
        );
        assert_eq!(
            cast_context(DataType::Double, DataType::SmallInt),
            Some(Assignment)
        );
        assert_eq!(cast_context(DataType::Int, DataType::Bool), Some(Explicit));
        assert_eq!(cast_context(DataType::BigInt, DataType::Bool), None);
        assert_eq!(
            cast_context(DataType::Int, DataType::Text),
            Some(Assignment)
        );
        assert_eq!(cast_context(DataType::Text, DataType::Int), Some(Explicit));
        assert_eq!(
            cast_context(DataType::Text, DataType::Varchar(Some(3))),
            Some(Implicit)
        );
        assert_eq!(
            cast_context(DataType::Unknown, DataType::Timestamp),
            Some(Implicit)
        );
        assert_eq!(cast_context(DataType::Timestamp, DataType::Int), None);
        assert_eq!(
            cast_context(DataType::Varchar(Some(3)), DataType::Varchar(Some(5))),
            Some(Implicit)
        );
    }

    #[test]
    fn null_casts_to_null_and_impossible_casts_name_both_types() {
        assert!(
            Value::Null
                .cast(DataType::Int, CastKind::Implicit)
                .expect("NULL")
                .is_null()
        );
        let error = Value::Timestamp(0)
            .cast(DataType::Int, CastKind::Explicit)
            .expect_err("no such cast");
        assert_eq!(error.code(), SqlState::CANNOT_COERCE);
        assert_eq!(
            error.message(),
            "cannot cast type timestamp without time zone to integer"
        );
    }
}
