//! Arithmetic and concatenation operators with PostgreSQL's types, results and errors.
//!
//! Operand types are promoted as PostgreSQL's operator resolution and implicit casts make
//! them: `smallint < integer < bigint < numeric < double precision`. Two integers produce the
//! wider integer type (`int2 + int2` is `int2`, `int2 + int4` is `int4`) and overflow with
//! 22003 `smallint out of range` / `integer out of range` / `bigint out of range`. Integer
//! division truncates toward zero; `/ 0` and `% 0` are 22012 `division by zero`. Numeric
//! results follow [`crate::Numeric`]'s scale rules. `float8` results that overflow to infinity
//! from finite operands are 22003 `value out of range: overflow`; products and quotients that
//! underflow to zero from nonzero operands are `value out of range: underflow`.
//!
//! `^` has no integer form in PostgreSQL: integers are raised in `double precision`, a numeric
//! base with a non-float exponent stays numeric. `%` has no `double precision` form (42883).
//! `real` with `real` stays `real` (with `float4`'s own overflow checks); `real` with any other
//! number is computed in `double precision`, which is what PostgreSQL's operator resolution
//! picks. Dates, times, timestamps and intervals have their own operators (in `datetime_ops`
//! below and [`crate::datetime::arith`]); `||` also joins `bytea`, `jsonb` and arrays.
//! Any other operand types are 42883 `operator does not exist: text + integer`. NULL in
//! gives NULL out.

use std::sync::Arc;

use crate::array::Array;
use crate::compare::{Number, operator_does_not_exist};
use crate::datetime::arith;
use crate::datetime::interval::Interval;
use crate::error::{Error, Result, SqlState};
use crate::json::Jsonb;
use crate::numeric::Numeric;
use crate::types::DataType;
use crate::value::{CastKind, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Power,
}

impl Operator {
    fn symbol(self) -> &'static str {
        match self {
            Operator::Add => "+",
            Operator::Subtract => "-",
            Operator::Multiply => "*",
            Operator::Divide => "/",
            Operator::Remainder => "%",
            Operator::Power => "^",
        }
    }
}

/// The promotion rank of a numeric value's type; `None` for non-numbers.
fn rank(value: &Value) -> Option<u8> {
    match value {
        Value::Int16(_) => Some(0),
        Value::Int32(_) => Some(1),
        Value::Int64(_) => Some(2),
        Value::Numeric(_) => Some(3),
        Value::Float32(_) | Value::Float64(_) => Some(4),
        _ => None,
    }
}

fn overflow_error() -> Error {
    Error::out_of_range("value out of range: overflow")
}

fn underflow_error() -> Error {
    Error::out_of_range("value out of range: underflow")
}

/// Wraps an `i128` result into the integer type of `rank`, or 22003.
fn integer_result(value: i128, rank: u8) -> Result<Value> {
    match rank {
        0 => i16::try_from(value)
            .map(Value::Int16)
            .map_err(|_| Error::out_of_range("smallint out of range")),
        1 => i32::try_from(value)
            .map(Value::Int32)
            .map_err(|_| Error::out_of_range("integer out of range")),
        _ => i64::try_from(value)
            .map(Value::Int64)
            .map_err(|_| Error::out_of_range("bigint out of range")),
    }
}

fn integer_operation(a: i64, b: i64, operator: Operator, rank: u8) -> Result<Value> {
    let (a, b) = (i128::from(a), i128::from(b));
    let result = match operator {
        Operator::Add => a + b,
        Operator::Subtract => a - b,
        Operator::Multiply => a * b,
        Operator::Divide => {
            if b == 0 {
                return Err(Error::division_by_zero());
            }
            a / b
        }
        Operator::Remainder => {
            if b == 0 {
                return Err(Error::division_by_zero());
            }
            a % b
        }
        // Integer powers are computed in double precision before reaching here.
        Operator::Power => return float_power(a as f64, b as f64).map(Value::Float64),
    };
    integer_result(result, rank)
}

fn power_error(message: &str) -> Error {
    Error::new(SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION, message)
}

/// PostgreSQL's `dpow`.
fn float_power(base: f64, exponent: f64) -> Result<f64> {
    if base.is_nan() || exponent.is_nan() || base.is_infinite() || exponent.is_infinite() {
        // C's pow handles the special values as PostgreSQL's explicit branches do.
        if base == 0.0 && exponent < 0.0 {
            return Err(power_error("zero raised to a negative power is undefined"));
        }
        return Ok(base.powf(exponent));
    }
    if base == 0.0 && exponent < 0.0 {
        return Err(power_error("zero raised to a negative power is undefined"));
    }
    if base < 0.0 && exponent.floor() != exponent {
        return Err(power_error(
            "a negative number raised to a non-integer power yields a complex result",
        ));
    }
    let result = base.powf(exponent);
    if result.is_infinite() {
        return Err(overflow_error());
    }
    if result == 0.0 && base != 0.0 {
        return Err(underflow_error());
    }
    Ok(result)
}

fn float_operation(a: f64, b: f64, operator: Operator) -> Result<f64> {
    let either_infinite = a.is_infinite() || b.is_infinite();
    let result = match operator {
        Operator::Add => a + b,
        Operator::Subtract => a - b,
        Operator::Multiply => {
            let result = a * b;
            if result == 0.0 && a != 0.0 && b != 0.0 {
                return Err(underflow_error());
            }
            result
        }
        Operator::Divide => {
            if b == 0.0 && !a.is_nan() {
                return Err(Error::division_by_zero());
            }
            let result = a / b;
            if result.is_infinite() && !a.is_infinite() {
                return Err(overflow_error());
            }
            if result == 0.0 && a != 0.0 && !b.is_infinite() {
                return Err(underflow_error());
            }
            return Ok(result);
        }
        Operator::Power => return float_power(a, b),
        // `binary` rejects float `%` before computing (no such operator in PostgreSQL).
        Operator::Remainder => a % b,
    };
    if result.is_infinite() && !either_infinite {
        return Err(overflow_error());
    }
    Ok(result)
}

/// `float4` arithmetic: PostgreSQL's `float4pl` .. `float4div`, computed in single precision.
fn float32_operation(a: f32, b: f32, operator: Operator) -> Result<f32> {
    let result = match operator {
        Operator::Add => a + b,
        Operator::Subtract => a - b,
        Operator::Multiply => {
            let result = a * b;
            if result == 0.0 && a != 0.0 && b != 0.0 {
                return Err(underflow_error());
            }
            result
        }
        Operator::Divide => {
            if b == 0.0 && !a.is_nan() {
                return Err(Error::division_by_zero());
            }
            let result = a / b;
            if result.is_infinite() && !a.is_infinite() {
                return Err(overflow_error());
            }
            if result == 0.0 && a != 0.0 && !b.is_infinite() {
                return Err(underflow_error());
            }
            return Ok(result);
        }
        // Not reached: `binary` sends `^` and `%` elsewhere.
        Operator::Power | Operator::Remainder => {
            return Err(operator_does_not_exist(
                operator.symbol(),
                &DataType::Real,
                &DataType::Real,
            ));
        }
    };
    if result.is_infinite() && !a.is_infinite() && !b.is_infinite() {
        return Err(overflow_error());
    }
    Ok(result)
}

fn numeric_operation(a: &Numeric, b: &Numeric, operator: Operator) -> Result<Numeric> {
    match operator {
        Operator::Add => a.checked_add(b),
        Operator::Subtract => a.checked_sub(b),
        Operator::Multiply => a.checked_mul(b),
        Operator::Divide => a.checked_div(b),
        Operator::Remainder => a.checked_rem(b),
        Operator::Power => a.checked_pow(b),
    }
}

fn to_numeric(number: Number) -> Result<Numeric> {
    match number {
        Number::Integer(v) => Ok(Numeric::from_i64(v)),
        Number::Numeric(n) => Ok(n),
        // Not reached: a float operand makes the whole operation float.
        Number::Float(f) => Numeric::from_f64(f),
    }
}

fn binary(a: &Value, b: &Value, operator: Operator) -> Result<Value> {
    if let Some(result) = datetime_ops::binary(a, b, operator)? {
        return Ok(result);
    }
    if a.is_null() || b.is_null() {
        // PostgreSQL still resolves the operator first; NULL literals are `unknown` and adapt.
        let known = |v: &Value| v.is_null() || rank(v).is_some();
        if !known(a) || !known(b) {
            return Err(operator_does_not_exist(
                operator.symbol(),
                &a.data_type(),
                &b.data_type(),
            ));
        }
        return Ok(Value::Null);
    }
    let (Some(rank_a), Some(rank_b)) = (rank(a), rank(b)) else {
        return Err(operator_does_not_exist(
            operator.symbol(),
            &a.data_type(),
            &b.data_type(),
        ));
    };
    let number_a = Number::of(a).expect("ranked values are numbers");
    let number_b = Number::of(b).expect("ranked values are numbers");
    let rank = rank_a.max(rank_b);
    if operator == Operator::Remainder && rank == 4 {
        return Err(operator_does_not_exist("%", &a.data_type(), &b.data_type()));
    }
    if let (Value::Float32(x), Value::Float32(y)) = (a, b)
        && operator != Operator::Power
    {
        return float32_operation(*x, *y, operator).map(Value::Float32);
    }
    // `^` on integers resolves to float8, and numeric ^ numeric needs a numeric base.
    let float_power = operator == Operator::Power && (rank <= 2 || rank == 4);
    if rank == 4 || float_power {
        return float_operation(number_a.to_f64(), number_b.to_f64(), operator).map(Value::Float64);
    }
    if rank == 3 {
        return numeric_operation(&to_numeric(number_a)?, &to_numeric(number_b)?, operator)
            .map(Value::Numeric);
    }
    let left = a.as_i64().expect("rank below 3 is an integer");
    let right = b.as_i64().expect("rank below 3 is an integer");
    integer_operation(left, right, operator, rank)
}

/// `a + b`.
pub fn add(a: &Value, b: &Value) -> Result<Value> {
    binary(a, b, Operator::Add)
}

/// `a - b`.
pub fn sub(a: &Value, b: &Value) -> Result<Value> {
    binary(a, b, Operator::Subtract)
}

/// `a * b`.
pub fn mul(a: &Value, b: &Value) -> Result<Value> {
    binary(a, b, Operator::Multiply)
}

/// `a / b`: integers truncate toward zero.
pub fn div(a: &Value, b: &Value) -> Result<Value> {
    binary(a, b, Operator::Divide)
}

/// `a % b`: the sign of the dividend; no `double precision` form.
pub fn rem(a: &Value, b: &Value) -> Result<Value> {
    binary(a, b, Operator::Remainder)
}

/// `a ^ b`.
pub fn pow(a: &Value, b: &Value) -> Result<Value> {
    binary(a, b, Operator::Power)
}

/// Unary `-a`.
pub fn neg(a: &Value) -> Result<Value> {
    match a {
        Value::Null => Ok(Value::Null),
        Value::Int16(v) => integer_result(-i128::from(*v), 0),
        Value::Int32(v) => integer_result(-i128::from(*v), 1),
        Value::Int64(v) => integer_result(-i128::from(*v), 2),
        Value::Numeric(n) => Ok(Value::Numeric(n.neg())),
        Value::Float32(f) => Ok(Value::Float32(-f)),
        Value::Float64(f) => Ok(Value::Float64(-f)),
        Value::Interval(span) => Ok(Value::Interval(span.checked_neg()?)),
        other => Err(Error::new(
            SqlState::UNDEFINED_FUNCTION,
            format!(
                "operator does not exist: - {}",
                other.data_type().sql_name()
            ),
        )),
    }
}

/// `@a` / `abs(a)`.
pub fn abs(a: &Value) -> Result<Value> {
    match a {
        Value::Null => Ok(Value::Null),
        Value::Int16(v) => integer_result(i128::from(*v).abs(), 0),
        Value::Int32(v) => integer_result(i128::from(*v).abs(), 1),
        Value::Int64(v) => integer_result(i128::from(*v).abs(), 2),
        Value::Numeric(n) => Ok(Value::Numeric(n.abs())),
        Value::Float32(f) => Ok(Value::Float32(f.abs())),
        Value::Float64(f) => Ok(Value::Float64(f.abs())),
        other => Err(Error::new(
            SqlState::UNDEFINED_FUNCTION,
            format!(
                "operator does not exist: @ {}",
                other.data_type().sql_name()
            ),
        )),
    }
}

/// `a || b` where at least one side is text: the other side is cast to text (so `'a' || true`
/// is `atrue`, as PostgreSQL's `anytextcat`). NULL on either side gives NULL. Two non-text
/// operands are 42883.
pub fn concat(a: &Value, b: &Value) -> Result<Value> {
    match (a, b) {
        (Value::Bytea(x), Value::Bytea(y)) => {
            let mut joined = Vec::with_capacity(x.len() + y.len());
            joined.extend_from_slice(x);
            joined.extend_from_slice(y);
            return Ok(Value::Bytea(Arc::from(joined)));
        }
        (Value::Jsonb(x), Value::Jsonb(y)) => return Ok(jsonb_concat(x, y)),
        (Value::Array(_), _) | (_, Value::Array(_)) => return array_concat(a, b),
        _ => {}
    }
    let is_text = |v: &Value| matches!(v, Value::Text(_) | Value::Bpchar(_));
    if !is_text(a) && !is_text(b) && !a.is_null() && !b.is_null() {
        return Err(operator_does_not_exist(
            "||",
            &a.data_type(),
            &b.data_type(),
        ));
    }
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    let left = a.cast(DataType::Text, CastKind::Explicit)?;
    let right = b.cast(DataType::Text, CastKind::Explicit)?;
    let mut joined = String::with_capacity(
        left.as_str().map_or(0, str::len) + right.as_str().map_or(0, str::len),
    );
    joined.push_str(left.as_str().expect("cast to text yields text"));
    joined.push_str(right.as_str().expect("cast to text yields text"));
    Ok(Value::from(joined))
}

/// `jsonb || jsonb`: objects merge (right wins), arrays append, a scalar joins as an element.
fn jsonb_concat(a: &Jsonb, b: &Jsonb) -> Value {
    let as_elements = |value: &Jsonb| match value {
        Jsonb::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    let joined = match (a, b) {
        (Jsonb::Object(x), Jsonb::Object(y)) => {
            let mut pairs = x.clone();
            pairs.extend(y.iter().cloned());
            Jsonb::object(pairs)
        }
        _ => {
            let mut items = as_elements(a);
            items.extend(as_elements(b));
            Jsonb::Array(items)
        }
    };
    Value::Jsonb(Arc::new(joined))
}

/// `array || array`, `array || element`, `element || array` (NULL arrays act as empty;
/// a NULL element is appended as NULL, as PostgreSQL's `array_append`).
fn array_concat(a: &Value, b: &Value) -> Result<Value> {
    let element = match (a, b) {
        (Value::Array(x), _) => x.element,
        (_, Value::Array(y)) => y.element,
        _ => return Err(Error::internal("array_concat without an array")),
    };
    let mut values = Vec::new();
    for side in [a, b] {
        match side {
            Value::Array(array) => values.extend(array.values.iter().cloned()),
            other => values.push(other.cast(element.data_type(), CastKind::Implicit)?),
        }
    }
    Ok(Array::new(element, values).into_value())
}

/// The operators of dates, times, timestamps and intervals.
mod datetime_ops {
    use super::*;

    /// `Some(result)` when the operands are a date/time combination with an operator,
    /// `None` when this module does not handle them.
    pub(super) fn binary(a: &Value, b: &Value, operator: Operator) -> Result<Option<Value>> {
        use Value as V;
        let integer = |v: &Value| v.as_i64();
        let float = |v: &Value| -> Option<f64> {
            match v {
                V::Float32(f) => Some(f64::from(*f)),
                V::Float64(f) => Some(*f),
                V::Numeric(n) => Some(n.to_f64()),
                other => other.as_i64().map(|i| i as f64),
            }
        };
        let timestamp_like = |t: i64, template: &Value| match template {
            V::TimestampTz(_) => V::TimestampTz(t),
            _ => V::Timestamp(t),
        };
        Ok(Some(match (operator, a, b) {
            (Operator::Add, V::Timestamp(t) | V::TimestampTz(t), V::Interval(span)) => {
                timestamp_like(arith::timestamp_plus_interval(*t, span)?, a)
            }
            (Operator::Add, V::Interval(span), V::Timestamp(t) | V::TimestampTz(t)) => {
                timestamp_like(arith::timestamp_plus_interval(*t, span)?, b)
            }
            (Operator::Subtract, V::Timestamp(t) | V::TimestampTz(t), V::Interval(span)) => {
                timestamp_like(arith::timestamp_minus_interval(*t, span)?, a)
            }
            (
                Operator::Subtract,
                V::Timestamp(x) | V::TimestampTz(x),
                V::Timestamp(y) | V::TimestampTz(y),
            ) => V::Interval(arith::timestamp_minus_timestamp(*x, *y)?),
            (Operator::Add, V::Date(d), n) if integer(n).is_some() => {
                V::Date(arith::date_plus_days(*d, integer(n).unwrap_or(0))?)
            }
            (Operator::Add, n, V::Date(d)) if integer(n).is_some() => {
                V::Date(arith::date_plus_days(*d, integer(n).unwrap_or(0))?)
            }
            (Operator::Subtract, V::Date(d), n) if integer(n).is_some() => {
                V::Date(arith::date_plus_days(*d, -integer(n).unwrap_or(0))?)
            }
            (Operator::Subtract, V::Date(x), V::Date(y)) => {
                V::Int32(arith::date_minus_date(*x, *y)?)
            }
            (Operator::Add, V::Date(d), V::Interval(span))
            | (Operator::Add, V::Interval(span), V::Date(d)) => {
                V::Timestamp(arith::timestamp_plus_interval(
                    crate::datetime::date::date_to_timestamp(*d)?,
                    span,
                )?)
            }
            (Operator::Subtract, V::Date(d), V::Interval(span)) => {
                V::Timestamp(arith::timestamp_minus_interval(
                    crate::datetime::date::date_to_timestamp(*d)?,
                    span,
                )?)
            }
            (Operator::Add, V::Date(d), V::Time(t)) | (Operator::Add, V::Time(t), V::Date(d)) => {
                V::Timestamp(arith::date_plus_time(*d, *t)?)
            }
            (Operator::Add, V::Time(t), V::Interval(span))
            | (Operator::Add, V::Interval(span), V::Time(t)) => {
                V::Time(arith::time_plus_interval(*t, span))
            }
            (Operator::Subtract, V::Time(t), V::Interval(span)) => {
                V::Time(arith::time_plus_interval(*t, &span.checked_neg()?))
            }
            (Operator::Subtract, V::Time(x), V::Time(y)) => V::Interval(Interval::new(0, 0, x - y)),
            (Operator::Add, V::Interval(x), V::Interval(y)) => V::Interval(x.checked_add(y)?),
            (Operator::Subtract, V::Interval(x), V::Interval(y)) => V::Interval(x.checked_sub(y)?),
            (Operator::Multiply, V::Interval(span), n)
            | (Operator::Multiply, n, V::Interval(span))
                if float(n).is_some() =>
            {
                V::Interval(span.checked_mul(float(n).unwrap_or(0.0))?)
            }
            (Operator::Divide, V::Interval(span), n) if float(n).is_some() => {
                V::Interval(span.checked_div(float(n).unwrap_or(0.0))?)
            }
            _ => {
                let involved = |v: &Value| {
                    matches!(
                        v,
                        V::Date(_)
                            | V::Time(_)
                            | V::Timestamp(_)
                            | V::TimestampTz(_)
                            | V::Interval(_)
                    )
                };
                if involved(a) || involved(b) {
                    if a.is_null() || b.is_null() {
                        return Ok(Some(V::Null));
                    }
                    return Err(operator_does_not_exist(
                        operator.symbol(),
                        &a.data_type(),
                        &b.data_type(),
                    ));
                }
                return Ok(None);
            }
        }))
    }
}
