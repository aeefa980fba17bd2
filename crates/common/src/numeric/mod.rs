//! Exact decimal numbers for SQL `numeric`.
//!
//! # Representation and its limit
//!
//! A [`Numeric`] is a `rust_decimal::Decimal`: a 96-bit unsigned mantissa, a sign and a scale
//! (the number of digits after the decimal point, 0..=28). The value is `mantissa × 10^-scale`.
//! The scale is PostgreSQL's *display scale*: `1.50` keeps its trailing zero and prints as
//! `1.50`, exactly as PostgreSQL does.
//!
//! PostgreSQL's numeric has (practically) unlimited precision: up to 131072 digits before the
//! point and 16383 after. db001's holds 28 to 29 significant digits: an absolute value below
//! 2^96 (about 7.9e28) with at most 28 decimal places. Every operation here computes its exact
//! PostgreSQL result first (with wide integers where needed) and then either stores it
//! unchanged or fails with SQLSTATE 22003 `value overflows numeric format` — never a silently
//! rounded, wrong answer. That includes results whose *display scale* PostgreSQL would set
//! above 28 (e.g. `1 / 1e12`, whose PostgreSQL result has 32 decimal places): those are
//! errors too, because printing fewer places would differ from PostgreSQL's output.
//!
//! NaN and ±Infinity, which PostgreSQL 14+ numeric supports, are not representable; inputs
//! that would produce them fail with 0A000 (feature not supported).
//!
//! # Result scales
//!
//! The scale of every result follows PostgreSQL's `numeric.c`:
//!
//! | operation | result scale |
//! | --- | --- |
//! | `a + b`, `a - b` | `max(scale(a), scale(b))` |
//! | `a * b` | `scale(a) + scale(b)` |
//! | `a / b` | `select_div_scale`: enough for at least 16 significant digits, and not less than either input's scale; rounded half away from zero |
//! | `a % b` | `max(scale(a), scale(b))`, sign of `a` |
//! | `a ^ n` (integer `n`) | `max(16, scale(a))`, rounded half away from zero |
//!
//! Rounding is always half away from zero, as PostgreSQL's `round_var`.
//!
//! `numeric ^ numeric` with a non-integer exponent needs PostgreSQL's arbitrary-precision
//! logarithms, which db001 does not have: it fails with 0A000 (cast to double precision
//! instead). Integer exponents are computed exactly.
//!
//! The arithmetic lives in `numeric/arithmetic.rs`; exact conversions and comparisons with
//! `f64` and PostgreSQL's base-10000 wire form in `numeric/exact.rs`.

mod arithmetic;
mod exact;

use std::fmt;

use num_bigint::BigUint;
use rust_decimal::Decimal;

use crate::error::{Error, Result, SqlState};

/// The largest scale (digits after the decimal point) a db001 numeric can hold.
pub const NUMERIC_SCALE_MAX: u32 = 28;

/// The largest mantissa magnitude: 2^96 - 1.
const MANTISSA_MAX: u128 = (1u128 << 96) - 1;

/// PostgreSQL's `NUMERIC_MIN_SIG_DIGITS`: division and power keep at least this many digits.
const MIN_SIGNIFICANT_DIGITS: i32 = 16;

/// Beyond this many decimal digits in an intermediate, `power` refuses instead of computing.
const POWER_DIGITS_MAX: u64 = 20_000;

const fn pow10_table() -> [u128; 39] {
    let mut table = [1u128; 39];
    let mut i = 1;
    while i < 39 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
}

/// 10^0 ..= 10^38: every power of ten a `u128` holds.
static POW10: [u128; 39] = pow10_table();

fn pow10(exponent: u32) -> Option<u128> {
    POW10.get(exponent as usize).copied()
}

fn big_pow10(exponent: u32) -> BigUint {
    BigUint::from(10u32).pow(exponent)
}

/// The number of decimal digits of `value` (1 for zero).
fn decimal_digits(value: u128) -> u32 {
    match POW10.iter().position(|&p| p > value) {
        Some(count) => count.max(1) as u32,
        None => 39,
    }
}

/// The 22003 error for a result db001's numeric cannot hold.
pub(crate) fn overflow() -> Error {
    Error::out_of_range("value overflows numeric format").with_detail(
        "db001 numeric values hold at most 28 decimal places and an absolute value below 2^96 \
         (about 7.9e28).",
    )
}

fn power_error(message: &str) -> Error {
    Error::new(SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION, message)
}

/// A SQL `numeric` value. See the module documentation for its range and scale rules.
///
/// Equality, ordering and hashing are numeric: `1.5 == 1.50`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Numeric(Decimal);

impl Numeric {
    /// Zero with scale 0.
    pub const ZERO: Numeric = Numeric(Decimal::ZERO);

    /// Builds `mantissa × 10^-scale`; 22003 if db001 cannot hold it.
    pub fn from_parts(mantissa: i128, scale: u32) -> Result<Numeric> {
        Numeric::from_sign_magnitude(mantissa < 0, mantissa.unsigned_abs(), scale)
    }

    fn from_sign_magnitude(negative: bool, magnitude: u128, scale: u32) -> Result<Numeric> {
        if magnitude > MANTISSA_MAX || scale > NUMERIC_SCALE_MAX {
            return Err(overflow());
        }
        // The magnitude is below 2^96, so it fits an i128 without loss.
        let signed = if negative {
            -(magnitude as i128)
        } else {
            magnitude as i128
        };
        Decimal::try_from_i128_with_scale(signed, scale)
            .map(Numeric)
            .map_err(|_| overflow())
    }

    fn from_big(negative: bool, magnitude: &BigUint, scale: u32) -> Result<Numeric> {
        let magnitude = u128::try_from(magnitude).map_err(|_| overflow())?;
        Numeric::from_sign_magnitude(negative, magnitude, scale)
    }

    /// The signed mantissa: the value is `mantissa() × 10^-scale()`.
    pub fn mantissa(&self) -> i128 {
        self.0.mantissa()
    }

    /// The display scale: digits after the decimal point.
    pub fn scale(&self) -> u32 {
        self.0.scale()
    }

    fn magnitude(&self) -> u128 {
        self.0.mantissa().unsigned_abs()
    }

    /// Whether the value is below zero (zero is never negative).
    pub fn is_negative(&self) -> bool {
        self.0.mantissa() < 0
    }

    pub fn is_zero(&self) -> bool {
        self.0.mantissa() == 0
    }

    /// Whether the value has no nonzero digit after the decimal point.
    pub fn is_integral(&self) -> bool {
        let divisor = pow10(self.scale()).expect("scale is at most 28");
        self.magnitude().is_multiple_of(divisor)
    }

    /// PostgreSQL's `numeric_in`: surrounding whitespace, an optional sign, digits with an
    /// optional point, an optional exponent. The scale is the number of digits after the point
    /// minus the exponent (at least 0): `1.50` has scale 2, `1.5e1` has scale 0.
    pub fn parse(text: &str) -> Result<Numeric> {
        let invalid = || Error::invalid_text("numeric", text);
        let trimmed = text.trim_matches(crate::text::is_pg_space);
        let lower = trimmed.to_ascii_lowercase();
        if lower.starts_with("nan") {
            if lower == "nan" {
                return Err(Error::feature_not_supported(
                    "numeric NaN is not supported by db001",
                ));
            }
            return Err(invalid());
        }
        let unsigned = lower.trim_start_matches(['+', '-']);
        if unsigned.starts_with("inf") && lower.len() - unsigned.len() <= 1 {
            if unsigned == "inf" || unsigned == "infinity" {
                return Err(Error::feature_not_supported(
                    "numeric infinity is not supported by db001",
                ));
            }
            return Err(invalid());
        }

        let bytes = trimmed.as_bytes();
        let mut position = 0;
        let mut negative = false;
        if let Some(&sign) = bytes.first()
            && (sign == b'+' || sign == b'-')
        {
            negative = sign == b'-';
            position = 1;
        }
        let mut digits: Vec<u8> = Vec::new();
        let mut fraction_digits: i64 = 0;
        let mut seen_point = false;
        let mut seen_digit = false;
        while let Some(&byte) = bytes.get(position) {
            match byte {
                b'0'..=b'9' => {
                    seen_digit = true;
                    if seen_point {
                        fraction_digits += 1;
                    }
                    if !(digits.is_empty() && byte == b'0') {
                        digits.push(byte - b'0');
                    }
                }
                b'.' if !seen_point => seen_point = true,
                _ => break,
            }
            position += 1;
        }
        if !seen_digit {
            return Err(invalid());
        }
        let mut exponent: i64 = 0;
        if let Some(&marker) = bytes.get(position)
            && (marker == b'e' || marker == b'E')
        {
            position += 1;
            let mut exponent_negative = false;
            if let Some(&sign) = bytes.get(position)
                && (sign == b'+' || sign == b'-')
            {
                exponent_negative = sign == b'-';
                position += 1;
            }
            let start = position;
            while let Some(&byte) = bytes.get(position)
                && byte.is_ascii_digit()
            {
                // Saturates far beyond any representable value (22003 follows).
                exponent = (exponent * 10 + i64::from(byte - b'0')).min(1_000_000_000);
                position += 1;
            }
            if position == start {
                return Err(invalid());
            }
            if exponent_negative {
                exponent = -exponent;
            }
        }
        if position != bytes.len() {
            return Err(invalid());
        }

        let scale = (fraction_digits - exponent).max(0);
        if scale > i64::from(NUMERIC_SCALE_MAX) {
            return Err(overflow());
        }
        if digits.len() > 38 {
            return Err(overflow());
        }
        let mut magnitude: u128 = 0;
        for digit in &digits {
            magnitude = magnitude * 10 + u128::from(*digit);
        }
        let shift = exponent - fraction_digits;
        if shift > 0 && magnitude != 0 {
            let factor = u32::try_from(shift)
                .ok()
                .and_then(pow10)
                .ok_or_else(overflow)?;
            magnitude = magnitude.checked_mul(factor).ok_or_else(overflow)?;
        }
        Numeric::from_sign_magnitude(negative, magnitude, scale as u32)
    }

    pub fn from_i64(value: i64) -> Numeric {
        Numeric(Decimal::from(value))
    }

    /// PostgreSQL's `float8` → `numeric` cast: the float is printed with 15 significant digits
    /// (`%.15g`) and that text is parsed, so `0.1::float8::numeric` is `0.1` and
    /// `(1/3.0::float8)::numeric` is `0.333333333333333`.
    ///
    /// PostgreSQL 15 turns NaN and ±Infinity into numeric NaN/±Infinity, which db001 cannot
    /// hold: those fail with 0A000 using PostgreSQL 13's messages.
    pub fn from_f64(value: f64) -> Result<Numeric> {
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
        // Rust's exact formatting rounds the exact binary value to 15 significant digits,
        // ties to even, as glibc's printf does.
        let formatted = format!("{:.14e}", value.abs());
        let (mantissa_text, exponent_text) = formatted
            .split_once('e')
            .expect("`{:e}` output always has an exponent");
        let exponent: i64 = exponent_text
            .parse()
            .expect("`{:e}` prints a decimal exponent");
        let digits: String = mantissa_text.chars().filter(|c| *c != '.').collect();
        let digits = digits.trim_end_matches('0');
        if digits.is_empty() {
            return Ok(Numeric::ZERO);
        }
        let significant = digits.len() as i64;
        let scale = (significant - 1 - exponent).max(0);
        let mut magnitude: u128 = digits.parse().expect("at most 15 decimal digits");
        let shift = exponent - (significant - 1);
        if shift > 0 {
            let factor = u32::try_from(shift)
                .ok()
                .and_then(pow10)
                .ok_or_else(overflow)?;
            magnitude = magnitude.checked_mul(factor).ok_or_else(overflow)?;
        }
        if scale > i64::from(NUMERIC_SCALE_MAX) {
            return Err(overflow());
        }
        Numeric::from_sign_magnitude(value < 0.0, magnitude, scale as u32)
    }

    /// The nearest `f64` (correctly rounded, as PostgreSQL's `numeric_float8`).
    pub fn to_f64(&self) -> f64 {
        let magnitude = self.magnitude();
        let scale = self.scale();
        // Both operands exact in f64, so one correctly rounded division gives the answer.
        if magnitude < (1u128 << 53) && scale <= 22 {
            let divisor = pow10(scale).expect("scale is at most 28") as f64;
            let value = magnitude as f64 / divisor;
            return if self.is_negative() { -value } else { value };
        }
        self.to_string()
            .parse()
            .expect("numeric output is a valid float literal")
    }

    /// The value rounded half away from zero to an integer, as an `i128`.
    fn round_to_integer(&self) -> i128 {
        let divisor = pow10(self.scale()).expect("scale is at most 28");
        let magnitude = self.magnitude();
        let mut quotient = magnitude / divisor;
        if (magnitude % divisor) * 2 >= divisor && divisor > 1 {
            quotient += 1;
        }
        let quotient = quotient as i128;
        if self.is_negative() {
            -quotient
        } else {
            quotient
        }
    }

    /// `numeric` → `bigint`: rounds half away from zero; 22003 `bigint out of range`.
    pub fn to_i64(&self) -> Result<i64> {
        i64::try_from(self.round_to_integer())
            .map_err(|_| Error::out_of_range("bigint out of range"))
    }

    /// `numeric` → `integer`: rounds half away from zero; 22003 `integer out of range`.
    pub fn to_i32(&self) -> Result<i32> {
        i32::try_from(self.round_to_integer())
            .map_err(|_| Error::out_of_range("integer out of range"))
    }

    /// `numeric` → `smallint`: rounds half away from zero; 22003 `smallint out of range`.
    pub fn to_i16(&self) -> Result<i16> {
        i16::try_from(self.round_to_integer())
            .map_err(|_| Error::out_of_range("smallint out of range"))
    }
}

/// PostgreSQL's numeric output: every digit of the display scale, no exponent.
impl fmt::Display for Numeric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scale = self.scale() as usize;
        let digits = self.magnitude().to_string();
        let mut text = String::with_capacity(digits.len() + scale + 3);
        if self.is_negative() {
            text.push('-');
        }
        if digits.len() <= scale {
            text.push('0');
            text.push('.');
            text.extend(std::iter::repeat_n('0', scale - digits.len()));
            text.push_str(&digits);
        } else {
            let (integer, fraction) = digits.split_at(digits.len() - scale);
            text.push_str(integer);
            if scale > 0 {
                text.push('.');
                text.push_str(fraction);
            }
        }
        f.write_str(&text)
    }
}

impl From<i64> for Numeric {
    fn from(value: i64) -> Numeric {
        Numeric::from_i64(value)
    }
}

impl From<i32> for Numeric {
    fn from(value: i32) -> Numeric {
        Numeric::from_i64(i64::from(value))
    }
}

impl std::str::FromStr for Numeric {
    type Err = Error;

    fn from_str(text: &str) -> Result<Numeric> {
        Numeric::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_digit_counts() {
        assert_eq!(decimal_digits(0), 1);
        assert_eq!(decimal_digits(9), 1);
        assert_eq!(decimal_digits(10), 2);
        assert_eq!(decimal_digits(u128::MAX), 39);
    }
}
