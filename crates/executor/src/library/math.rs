//! Mathematical functions with PostgreSQL 15's results and errors.
//!
//! Double precision functions use the platform's libm, as PostgreSQL does, so results agree
//! to the last bit where both link the same C library. `sqrt(numeric)` is exact: the integer
//! square root of the scaled value, rounded half away from zero to PostgreSQL's result scale
//! (at least 16 significant digits). `exp`, `ln` and `log` of `numeric` need PostgreSQL's
//! arbitrary-precision series and are refused at plan time (0A000).

use db001_common::{Error, Numeric, Result, SqlState, Value, ops};
use db001_planner::builtin::MathFunction;
use num_bigint::BigUint;

use super::Arguments;

/// PostgreSQL's `RADIANS_PER_DEGREE`.
const RADIANS_PER_DEGREE: f64 = 0.017_453_292_519_943_295;

fn overflow() -> Error {
    Error::out_of_range("value out of range: overflow")
}

fn underflow() -> Error {
    Error::out_of_range("value out of range: underflow")
}

fn logarithm_error(value: f64) -> Error {
    Error::new(
        SqlState::new("2201E"),
        if value == 0.0 {
            "cannot take logarithm of zero"
        } else {
            "cannot take logarithm of a negative number"
        },
    )
}

fn negative_root() -> Error {
    Error::new(
        SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION,
        "cannot take square root of a negative number",
    )
}

/// Calls a math function.
pub(crate) fn call(function: MathFunction, args: Vec<Value>) -> Result<Value> {
    use MathFunction as F;
    if function == F::ToChar {
        let mut args = Arguments::new(args);
        let value = args.next()?;
        let format = args.text()?;
        return Ok(super::text_value(super::number_format::to_char(
            &value, &format,
        )?));
    }
    if function == F::Mod {
        let mut args = Arguments::new(args);
        let (a, b) = (args.next()?, args.next()?);
        return ops::rem(&a, &b);
    }
    if matches!(function, F::Power | F::NumericPower) {
        let mut args = Arguments::new(args);
        let (a, b) = (args.next()?, args.next()?);
        return ops::pow(&a, &b);
    }
    let mut args = Arguments::new(args);
    Ok(match function {
        F::Sqrt => {
            let x = args.double()?;
            if x < 0.0 {
                return Err(negative_root());
            }
            Value::Float64(x.sqrt())
        }
        F::NumericSqrt => Value::Numeric(numeric_sqrt(&args.numeric()?)?),
        F::Cbrt => Value::Float64(args.double()?.cbrt()),
        F::Exp => {
            let x = args.double()?;
            let result = x.exp();
            if result.is_infinite() && x.is_finite() {
                return Err(overflow());
            }
            if result == 0.0 && x.is_finite() {
                return Err(underflow());
            }
            Value::Float64(result)
        }
        F::Ln | F::Log10 => {
            let x = args.double()?;
            if x <= 0.0 {
                return Err(logarithm_error(x));
            }
            Value::Float64(if function == F::Ln { x.ln() } else { x.log10() })
        }
        F::Sign => match args.next()? {
            Value::Numeric(n) => Value::Numeric(Numeric::from_i64(if n.is_zero() {
                0
            } else if n.is_negative() {
                -1
            } else {
                1
            })),
            other => {
                let x = match other {
                    Value::Float64(x) => x,
                    other => other.as_i64().unwrap_or(0) as f64,
                };
                Value::Float64(if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else {
                    0.0
                })
            }
        },
        F::Pi => Value::Float64(std::f64::consts::PI),
        F::Degrees => Value::Float64(args.double()? / RADIANS_PER_DEGREE),
        F::Radians => Value::Float64(args.double()? * RADIANS_PER_DEGREE),
        F::Div => {
            let a = args.numeric()?;
            let b = args.numeric()?;
            Value::Numeric(a.checked_div_trunc(&b)?)
        }
        F::Gcd | F::Lcm => {
            let (a, b) = (args.next()?, args.next()?);
            gcd_lcm(&a, &b, function == F::Gcd)?
        }
        F::Scale => Value::Int32(args.numeric()?.scale() as i32),
        F::WidthBucket => width_bucket(args)?,
        F::ToChar | F::Mod | F::Power | F::NumericPower => {
            return Err(Error::internal("handled above"));
        }
    })
}

/// PostgreSQL's `sqrt(numeric)`: `rscale = max(16 - sweight, dscale)` where `sweight` comes
/// from the base-10000 weight of the first digit.
fn numeric_sqrt(value: &Numeric) -> Result<Numeric> {
    if value.is_negative() {
        return Err(negative_root());
    }
    let scale = value.scale() as i64;
    let magnitude = value.mantissa().unsigned_abs();
    // Decimal exponent of the first significant digit (0 for zero).
    let exponent = if magnitude == 0 {
        0
    } else {
        magnitude.to_string().len() as i64 - 1 - scale
    };
    let weight = exponent.div_euclid(4);
    let sweight = (weight + 1) * 4 / 2 - 1;
    let result_scale = (16 - sweight).max(scale).max(0);
    // sqrt(m × 10^-s) × 10^r = sqrt(m × 10^(2r - s)); one extra digit decides the rounding.
    let shift = 2 * (result_scale + 1) - scale;
    let radicand = if shift >= 0 {
        BigUint::from(magnitude) * BigUint::from(10u32).pow(shift as u32)
    } else {
        // Digits below the result's last place cannot change it: drop them.
        BigUint::from(magnitude / 10u128.pow((-shift) as u32))
    };
    let root = radicand.sqrt();
    let (quotient, last) = (&root / 10u32, root % 10u32);
    let rounded = if last >= BigUint::from(5u32) {
        quotient + 1u32
    } else {
        quotient
    };
    let mantissa = i128::try_from(rounded)
        .map_err(|_| Error::out_of_range("value overflows numeric format"))?;
    Numeric::from_parts(mantissa, result_scale as u32)
}

/// `gcd` / `lcm` of integers or numerics (numerics aligned to a common scale).
fn gcd_lcm(a: &Value, b: &Value, gcd: bool) -> Result<Value> {
    fn euclid(mut a: i128, mut b: i128) -> i128 {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a.abs()
    }
    let combine = |x: i128, y: i128| -> Option<i128> {
        if gcd {
            Some(euclid(x, y))
        } else if x == 0 || y == 0 {
            Some(0)
        } else {
            (x / euclid(x, y)).checked_mul(y).map(i128::abs)
        }
    };
    Ok(match (a, b) {
        (Value::Numeric(x), Value::Numeric(y)) => {
            let scale = x.scale().max(y.scale());
            let align = |n: &Numeric| n.mantissa() * 10i128.pow(scale - n.scale());
            let result = combine(align(x), align(y))
                .ok_or_else(|| Error::out_of_range("value overflows numeric format"))?;
            Value::Numeric(Numeric::from_parts(result, scale)?)
        }
        (Value::Int32(x), Value::Int32(y)) => Value::Int32(
            combine(i128::from(*x), i128::from(*y))
                .and_then(|r| i32::try_from(r).ok())
                .ok_or_else(|| Error::out_of_range("integer out of range"))?,
        ),
        _ => Value::Int64(
            combine(
                i128::from(a.as_i64().unwrap_or(0)),
                i128::from(b.as_i64().unwrap_or(0)),
            )
            .and_then(|r| i64::try_from(r).ok())
            .ok_or_else(|| Error::out_of_range("bigint out of range"))?,
        ),
    })
}

/// `width_bucket(operand, low, high, count)`.
fn width_bucket(mut args: Arguments) -> Result<Value> {
    let as_f64 = |value: Value| match value {
        Value::Numeric(n) => n.to_f64(),
        Value::Float64(f) => f,
        other => other.as_i64().unwrap_or(0) as f64,
    };
    let operand = as_f64(args.next()?);
    let low = as_f64(args.next()?);
    let high = as_f64(args.next()?);
    let count = args.int()?;
    let invalid = |message: &str| Error::new(SqlState::new("2201G"), message);
    if count <= 0 {
        return Err(invalid("count must be greater than zero"));
    }
    if low == high {
        return Err(invalid("lower bound cannot equal upper bound"));
    }
    let count_f = f64::from(count);
    let bucket = if low < high {
        if operand < low {
            0
        } else if operand >= high {
            i64::from(count) + 1
        } else {
            ((operand - low) / (high - low) * count_f) as i64 + 1
        }
    } else if operand > low {
        0
    } else if operand <= high {
        i64::from(count) + 1
    } else {
        ((low - operand) / (low - high) * count_f) as i64 + 1
    };
    i32::try_from(bucket)
        .map(Value::Int32)
        .map_err(|_| Error::out_of_range("integer out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqrt(text: &str) -> String {
        numeric_sqrt(&Numeric::parse(text).expect("valid"))
            .expect("in range")
            .to_string()
    }

    #[test]
    fn numeric_sqrt_matches_postgres() {
        assert_eq!(sqrt("2.0"), "1.414213562373095");
        assert_eq!(sqrt("16.0"), "4.000000000000000");
        assert_eq!(sqrt("0.0001"), "0.01000000000000000");
        assert_eq!(sqrt("1e10"), "100000.00000000000");
        assert_eq!(sqrt("2.00"), "1.414213562373095");
        assert_eq!(sqrt("123456789.123"), "11111.11106609056");
        assert_eq!(sqrt("0.0"), "0.000000000000000");
        assert_eq!(sqrt("1e-20"), "0.0000000001000000000000000");
        assert_eq!(sqrt("99999999999999999999.0"), "10000000000.0000000");
    }
}
