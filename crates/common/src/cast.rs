//! Casts between db001's types, with PostgreSQL's semantics.
//!
//! [`Value::cast`] converts a value; [`cast_context`] tells the planner in which contexts
//! PostgreSQL applies a cast without being asked (its `pg_cast.castcontext`), so that
//! `INSERT INTO t (int_column) VALUES ('1'::text)` can be rejected at plan time as PostgreSQL
//! does. `Value::cast` itself checks only that the cast exists (42846 otherwise); the
//! [`CastKind`] changes behaviour only where PostgreSQL's does:
//!
//! * `varchar(n)`: an explicit cast truncates silently; implicit and assignment casts fail with
//!   22001 unless every excess character is a space (those are dropped).
//!
//! The conversions:
//!
//! | from → to | behaviour |
//! | --- | --- |
//! | integer → narrower integer | 22003 `smallint out of range` / `integer out of range` |
//! | float8 → integer | rounds half to even (`rint`), 22003 when out of range or NaN |
//! | numeric → integer | rounds half away from zero, 22003 when out of range |
//! | float8 → numeric | 15 significant digits (`%.15g`), NaN/Infinity 0A000 |
//! | any → numeric(p,s) | rounds to `s`, 22003 `numeric field overflow` |
//! | bool ↔ integer | `int4` only, as PostgreSQL: 0 is false, anything else true; true is 1 |
//! | text → any | the type's input function ([`Value::parse_text`]) |
//! | any → text | the output function, except bool → `true`/`false` (PostgreSQL's `booltext`) |
//! | NULL → any | NULL |

use std::sync::Arc;

use crate::error::{Error, Result, SqlState};
use crate::numeric::Numeric;
use crate::text::fit_varchar;
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
        (a, b) if integer_rank(a).is_some() && integer_rank(b).is_some() => {
            if integer_rank(a) < integer_rank(b) {
                Implicit
            } else {
                Assignment
            }
        }
        (a, T::Numeric(_) | T::Double) if integer_rank(a).is_some() => Implicit,
        (T::Numeric(_), T::Double) => Implicit,
        (T::Numeric(_), b) if integer_rank(b).is_some() => Assignment,
        (T::Double, b) if integer_rank(b).is_some() => Assignment,
        (T::Double, T::Numeric(_)) => Assignment,
        (T::Int, T::Bool) | (T::Bool, T::Int) => Explicit,
        (T::Text, T::Varchar(_)) | (T::Varchar(_), T::Text) => Implicit,
        (_, T::Text | T::Varchar(_) | T::Unknown) => Assignment,
        (T::Text | T::Varchar(_), _) => Explicit,
        _ => return None,
    })
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
        // Text is parsed by the target type's input function.
        if let Value::Text(text) = self
            && !to.is_string()
            && to != DataType::Unknown
        {
            return Value::parse_text(to, text);
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
                let wide = match self {
                    Value::Int16(_) | Value::Int32(_) | Value::Int64(_) => {
                        self.as_i64().expect("an integer variant")
                    }
                    Value::Float64(f) => float_to_integer(
                        *f,
                        min as f64,
                        // max + 1 as a float: 2^15, 2^31 or 2^63, all exact.
                        -(min as f64),
                        match to {
                            DataType::SmallInt => "smallint",
                            DataType::Int => "integer",
                            _ => "bigint",
                        },
                    )?,
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
                Value::Float64(f) => Ok(Value::Float64(*f)),
                Value::Numeric(n) => Ok(Value::Float64(n.to_f64())),
                _ => Err(cannot()),
            },
            DataType::Numeric(typmod) => {
                let value = match self {
                    Value::Int16(_) | Value::Int32(_) | Value::Int64(_) => {
                        Numeric::from_i64(self.as_i64().expect("an integer variant"))
                    }
                    Value::Float64(f) => Numeric::from_f64(*f)?,
                    Value::Numeric(n) => *n,
                    _ => return Err(cannot()),
                };
                Ok(Value::Numeric(match typmod {
                    Some(typmod) => value.apply_typmod(typmod)?,
                    None => value,
                }))
            }
            DataType::Timestamp => match self {
                Value::Timestamp(t) => Ok(Value::Timestamp(*t)),
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
