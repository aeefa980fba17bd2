//! Exact conversions between numerics, `f64` and PostgreSQL's base-10000 form.
//!
//! Comparing a numeric with a float exactly (not through a rounded conversion) is what keeps
//! the sort order transitive across types and lets [`crate::key_codec`] place every number
//! between the floats around it.

use std::cmp::Ordering;

use num_bigint::BigUint;
use num_traits::Zero;

use super::{NUMERIC_SCALE_MAX, Numeric, big_pow10, overflow, pow10};
use crate::error::Result;

impl Numeric {
    /// The exact value of a finite float (no rounding, unlike the SQL cast
    /// [`Numeric::from_f64`]), with its minimal scale; 22003 when it needs more than 28
    /// decimal places or 96 bits.
    pub fn from_f64_exact(value: f64) -> Result<Numeric> {
        let exact = exact_f64(value).ok_or_else(overflow)?;
        let mut magnitude = exact.magnitude;
        let mut scale = exact.scale;
        let ten = BigUint::from(10u32);
        while scale > 0 && (&magnitude % &ten).is_zero() {
            magnitude /= &ten;
            scale -= 1;
        }
        if scale > NUMERIC_SCALE_MAX {
            return Err(overflow());
        }
        Numeric::from_big(exact.negative && !magnitude.is_zero(), &magnitude, scale)
    }

    /// Exact comparison with an `f64` (NaN is greater than every numeric, as in sort order).
    pub fn cmp_f64(&self, other: f64) -> Ordering {
        if other.is_nan() {
            return Ordering::Less;
        }
        if other.is_infinite() {
            return if other > 0.0 {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let nearest = self.to_f64();
        // `nearest` is the correctly rounded value: a float strictly on one side of it is
        // strictly on the same side of the exact value.
        match nearest.partial_cmp(&other).expect("neither is NaN") {
            Ordering::Less => return Ordering::Less,
            Ordering::Greater => return Ordering::Greater,
            Ordering::Equal => {}
        }
        if self.exact_f64().is_some() {
            // Exactly a float, and that float is `nearest == other`.
            return Ordering::Equal;
        }
        match exact_f64(other) {
            Some(exact) => self.cmp_exact(&exact),
            None => Ordering::Equal,
        }
    }

    /// The value as an `f64` when a float holds it exactly (`0.5`, `3`, `1e20`), else `None`
    /// (`0.1`, `2^60 + 1`).
    pub fn exact_f64(&self) -> Option<f64> {
        let normalized = self.normalized();
        let mut magnitude = normalized.magnitude();
        if magnitude == 0 {
            return Some(0.0);
        }
        // m / 10^s = m / (2^s × 5^s) is dyadic only if 5^s divides m; then the odd part of
        // m / 5^s must fit the 53-bit significand (the exponent range is never a problem here).
        let five_power = 5u128.pow(normalized.scale());
        if !magnitude.is_multiple_of(five_power) {
            return None;
        }
        magnitude /= five_power;
        magnitude >>= magnitude.trailing_zeros();
        if magnitude >= 1u128 << 53 {
            return None;
        }
        Some(normalized.to_f64())
    }

    fn cmp_exact(&self, other: &ExactDecimal) -> Ordering {
        let negative = self.is_negative();
        if negative != other.negative {
            if self.is_zero() && other.magnitude.is_zero() {
                return Ordering::Equal;
            }
            return if negative {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let scale = self.scale().max(other.scale);
        let left = BigUint::from(self.magnitude()) * big_pow10(scale - self.scale());
        let right = &other.magnitude * big_pow10(scale - other.scale);
        let ordering = left.cmp(&right);
        if negative {
            ordering.reverse()
        } else {
            ordering
        }
    }

    /// Whether this value equals `value` exactly.
    pub fn equals_f64(&self, value: f64) -> bool {
        self.cmp_f64(value) == Ordering::Equal
    }

    /// The digits with trailing fractional zeros removed: a canonical form for hashing.
    pub fn normalized(&self) -> Numeric {
        if self.is_zero() {
            return Numeric::ZERO;
        }
        let mut magnitude = self.magnitude();
        let mut scale = self.scale();
        while scale > 0 && magnitude.is_multiple_of(10) {
            magnitude /= 10;
            scale -= 1;
        }
        Numeric::from_sign_magnitude(self.is_negative(), magnitude, scale)
            .expect("removing zeros keeps the value in range")
    }

    /// The value as an exact `i64` when it is an integer in range.
    pub fn to_exact_i64(&self) -> Option<i64> {
        if !self.is_integral() {
            return None;
        }
        let divisor = pow10(self.scale()).expect("scale is at most 28");
        let magnitude = i64::try_from(self.magnitude() / divisor).ok()?;
        Some(if self.is_negative() {
            -magnitude
        } else {
            magnitude
        })
    }

    /// PostgreSQL's base-10000 form: `(weight, negative, display scale, digits)`, leading and
    /// trailing zero digits stripped, zero as no digits with weight 0 (as `make_result`).
    pub fn to_base_10000(&self) -> (i16, bool, u16, Vec<i16>) {
        let scale = self.scale();
        if self.is_zero() {
            return (0, false, scale as u16, Vec::new());
        }
        let padded_scale = scale.div_ceil(4) * 4;
        // The magnitude is below 2^96 and the factor at most 1000: no overflow.
        let mut integer =
            self.magnitude() * pow10(padded_scale - scale).expect("at most three digits");
        let mut groups: Vec<i16> = Vec::new();
        while integer > 0 {
            groups.push((integer % 10_000) as i16);
            integer /= 10_000;
        }
        let weight = groups.len() as i32 - 1 - (padded_scale / 4) as i32;
        groups.reverse();
        while groups.last() == Some(&0) {
            groups.pop();
        }
        (weight as i16, self.is_negative(), scale as u16, groups)
    }

    /// Builds a value from PostgreSQL's base-10000 form, truncating digits hidden by the display
    /// scale as `numeric_recv` does. Digits must be 0..=9999 (checked by the caller).
    pub fn from_base_10000(
        weight: i16,
        negative: bool,
        display_scale: u16,
        digits: &[i16],
    ) -> Result<Numeric> {
        let display_scale = u32::from(display_scale);
        if display_scale > NUMERIC_SCALE_MAX {
            return Err(overflow());
        }
        // Accumulate at a fixed scale of 32 (eight base-10000 places): every digit that can
        // survive truncation to a scale of at most 28 lies at or above 10000^-8.
        let mut total = BigUint::zero();
        for (index, &digit) in digits.iter().enumerate() {
            if digit == 0 {
                continue;
            }
            let position = i32::from(weight) - index as i32;
            if position > 7 {
                return Err(overflow());
            }
            if position < -8 {
                break;
            }
            total += BigUint::from(digit as u32) * big_pow10(((position + 8) * 4) as u32);
        }
        let truncated = total / big_pow10(32 - display_scale);
        Numeric::from_big(negative && !truncated.is_zero(), &truncated, display_scale)
    }
}

/// An exact decimal too wide for [`Numeric`]: an `f64`'s exact value.
struct ExactDecimal {
    negative: bool,
    magnitude: BigUint,
    scale: u32,
}

/// The exact decimal value of a finite `f64` (at most 1074 decimal places).
fn exact_f64(value: f64) -> Option<ExactDecimal> {
    if !value.is_finite() {
        return None;
    }
    let bits = value.to_bits();
    let negative = bits >> 63 == 1;
    let exponent_bits = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    let (mantissa, exponent) = if exponent_bits == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), exponent_bits - 1075)
    };
    if exponent >= 0 {
        Some(ExactDecimal {
            negative,
            magnitude: BigUint::from(mantissa) << exponent as u32,
            scale: 0,
        })
    } else {
        // mantissa / 2^k = mantissa × 5^k / 10^k
        let k = (-exponent) as u32;
        Some(ExactDecimal {
            negative,
            magnitude: BigUint::from(mantissa) * BigUint::from(5u32).pow(k),
            scale: k,
        })
    }
}
