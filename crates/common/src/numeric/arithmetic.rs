//! Numeric arithmetic with PostgreSQL's result scales, rounding and typmods.

use num_bigint::BigUint;
use num_traits::{One, ToPrimitive, Zero};

use super::{
    MIN_SIGNIFICANT_DIGITS, NUMERIC_SCALE_MAX, Numeric, POWER_DIGITS_MAX, big_pow10,
    decimal_digits, overflow, pow10, power_error,
};
use crate::error::{Error, Result};
use crate::types::NumericTypmod;

impl Numeric {
    /// Both mantissas at the larger scale. `None` when one does not fit an `i128`, which
    /// implies the exact sum or difference does not fit db001's numeric either: the operand
    /// with the larger scale is below 2^96 at that scale, the other is above 2^127.
    fn aligned(&self, other: &Numeric) -> Option<(i128, i128, u32)> {
        let scale = self.scale().max(other.scale());
        let left = self
            .mantissa()
            .checked_mul(pow10(scale - self.scale())? as i128)?;
        let right = other
            .mantissa()
            .checked_mul(pow10(scale - other.scale())? as i128)?;
        Some((left, right, scale))
    }

    /// Exact sum; scale `max(scale(a), scale(b))`.
    pub fn checked_add(&self, other: &Numeric) -> Result<Numeric> {
        let (left, right, scale) = self.aligned(other).ok_or_else(overflow)?;
        Numeric::from_parts(left.checked_add(right).ok_or_else(overflow)?, scale)
    }

    /// Exact difference; scale `max(scale(a), scale(b))`.
    pub fn checked_sub(&self, other: &Numeric) -> Result<Numeric> {
        let (left, right, scale) = self.aligned(other).ok_or_else(overflow)?;
        Numeric::from_parts(left.checked_sub(right).ok_or_else(overflow)?, scale)
    }

    /// Exact product; scale `scale(a) + scale(b)`.
    pub fn checked_mul(&self, other: &Numeric) -> Result<Numeric> {
        let product = self
            .mantissa()
            .checked_mul(other.mantissa())
            .ok_or_else(overflow)?;
        Numeric::from_parts(product, self.scale() + other.scale())
    }

    /// PostgreSQL's `select_div_scale`: the base-10000 weight and first digit of each operand
    /// estimate the quotient's weight; the scale gives at least 16 significant digits and is
    /// not less than either input's scale.
    fn division_scale(&self, divisor: &Numeric) -> i32 {
        let (weight1, first1) = self.base_10000_lead();
        let (weight2, first2) = divisor.base_10000_lead();
        let mut quotient_weight = weight1 - weight2;
        if first1 <= first2 {
            quotient_weight -= 1;
        }
        let scale = MIN_SIGNIFICANT_DIGITS - quotient_weight * 4;
        scale
            .max(self.scale() as i32)
            .max(divisor.scale() as i32)
            .clamp(0, 1000)
    }

    /// The weight (power of 10000) and value of the first nonzero base-10000 digit, as
    /// PostgreSQL's `NumericVar` holds them; `(0, 0)` for zero.
    fn base_10000_lead(&self) -> (i32, u128) {
        let magnitude = self.magnitude();
        if magnitude == 0 {
            return (0, 0);
        }
        let scale = self.scale() as i32;
        let exponent = decimal_digits(magnitude) as i32 - 1 - scale;
        let weight = exponent.div_euclid(4);
        let shift = scale + 4 * weight;
        let first = if shift >= 0 {
            magnitude / pow10(shift as u32).expect("shift is below 39")
        } else {
            magnitude * pow10((-shift) as u32).expect("shift is at most 3")
        };
        (weight, first)
    }

    /// Division with PostgreSQL's result scale (PostgreSQL's `select_div_scale`), rounded half
    /// away from zero; 22012 when dividing by zero.
    pub fn checked_div(&self, divisor: &Numeric) -> Result<Numeric> {
        if divisor.is_zero() {
            return Err(Error::division_by_zero());
        }
        let scale = self.division_scale(divisor);
        if scale > NUMERIC_SCALE_MAX as i32 {
            return Err(overflow());
        }
        let scale = scale as u32;
        // quotient × 10^scale = (m1 × 10^-s1) / (m2 × 10^-s2) × 10^scale
        //                     = m1 × 10^(scale + s2 - s1) / m2, and scale >= s1.
        let shift = scale + divisor.scale() - self.scale();
        let negative = self.is_negative() != divisor.is_negative();
        let numerator = self.magnitude();
        let denominator = divisor.magnitude();
        if let Some(factor) = pow10(shift)
            && let Some(numerator) = numerator.checked_mul(factor)
        {
            let mut quotient = numerator / denominator;
            if (numerator % denominator) * 2 >= denominator {
                quotient += 1;
            }
            return Numeric::from_sign_magnitude(negative, quotient, scale);
        }
        let numerator = BigUint::from(numerator) * big_pow10(shift);
        let denominator = BigUint::from(denominator);
        let mut quotient = &numerator / &denominator;
        if (&numerator % &denominator) * 2u32 >= denominator {
            quotient += 1u32;
        }
        Numeric::from_big(negative, &quotient, scale)
    }

    /// PostgreSQL's numeric `%`: `a - trunc(a / b) * b`, scale `max(scale(a), scale(b))`,
    /// sign of `a`; 22012 when `b` is zero.
    pub fn checked_rem(&self, divisor: &Numeric) -> Result<Numeric> {
        if divisor.is_zero() {
            return Err(Error::division_by_zero());
        }
        let scale = self.scale().max(divisor.scale());
        let left = BigUint::from(self.magnitude()) * big_pow10(scale - self.scale());
        let right = BigUint::from(divisor.magnitude()) * big_pow10(scale - divisor.scale());
        Numeric::from_big(self.is_negative(), &(left % right), scale)
    }

    /// Integer division truncated toward zero (PostgreSQL's `div(a, b)`), scale 0.
    pub fn checked_div_trunc(&self, divisor: &Numeric) -> Result<Numeric> {
        if divisor.is_zero() {
            return Err(Error::division_by_zero());
        }
        let scale = self.scale().max(divisor.scale());
        let left = BigUint::from(self.magnitude()) * big_pow10(scale - self.scale());
        let right = BigUint::from(divisor.magnitude()) * big_pow10(scale - divisor.scale());
        Numeric::from_big(
            self.is_negative() != divisor.is_negative(),
            &(left / right),
            0,
        )
    }

    pub fn neg(&self) -> Numeric {
        if self.is_zero() {
            *self
        } else {
            Numeric(-self.0)
        }
    }

    pub fn abs(&self) -> Numeric {
        Numeric(self.0.abs())
    }

    /// Rounds half away from zero to `scale` decimal places (negative: to tens, hundreds...),
    /// as SQL `round(x, scale)`; the result's scale is `max(scale, 0)`. 22003 when the result
    /// does not fit (scale above 28, or a carry past 2^96).
    pub fn checked_round_to_scale(&self, scale: i32) -> Result<Numeric> {
        self.rescale(scale, true)
    }

    /// Truncates toward zero to `scale` decimal places, as SQL `trunc(x, scale)`; 22003 when
    /// `scale` is above 28.
    pub fn checked_trunc_to_scale(&self, scale: i32) -> Result<Numeric> {
        self.rescale(scale, false)
    }

    /// [`Numeric::checked_round_to_scale`] for callers that cannot fail. db001 cannot hold a
    /// scale above 28, so such requests keep scale 28 (the value is unchanged, only fewer
    /// trailing zeros print than PostgreSQL would); on a carry past 2^96 — only possible within
    /// one unit of the largest value — the value is returned unrounded. SQL `round()` should use
    /// the checked form.
    pub fn round_to_scale(&self, scale: i32) -> Numeric {
        let scale = scale.min(NUMERIC_SCALE_MAX as i32);
        self.rescale(scale, true).unwrap_or(*self)
    }

    /// [`Numeric::checked_trunc_to_scale`] for callers that cannot fail: a scale above 28 keeps
    /// scale 28, as [`Numeric::round_to_scale`].
    pub fn trunc_to_scale(&self, scale: i32) -> Numeric {
        let scale = scale.min(NUMERIC_SCALE_MAX as i32);
        self.rescale(scale, false).unwrap_or(*self)
    }

    fn rescale(&self, scale: i32, round: bool) -> Result<Numeric> {
        let current = self.scale() as i32;
        let target = scale.max(-40);
        if target > NUMERIC_SCALE_MAX as i32 {
            return Err(overflow());
        }
        let result_scale = target.max(0) as u32;
        if target >= current {
            let factor = pow10((target - current) as u32).expect("at most 28");
            let magnitude = self.magnitude().checked_mul(factor).ok_or_else(overflow)?;
            return Numeric::from_sign_magnitude(self.is_negative(), magnitude, result_scale);
        }
        // Drop `current - target` digits, then pad back to the (non-negative) result scale.
        let dropped = (current - target) as u32;
        let magnitude = self.magnitude();
        let Some(divisor) = pow10(dropped) else {
            // More digits dropped than a u128 has: everything rounds away.
            return Numeric::from_sign_magnitude(false, 0, result_scale);
        };
        let mut kept = magnitude / divisor;
        if round && (magnitude % divisor) >= divisor.div_ceil(2) && divisor > 1 {
            kept += 1;
        }
        if target < 0 {
            let factor = pow10((-target) as u32).ok_or_else(overflow)?;
            kept = kept.checked_mul(factor).ok_or_else(overflow)?;
        }
        Numeric::from_sign_magnitude(self.is_negative(), kept, result_scale)
    }

    /// Fits the value to `numeric(precision, scale)`: rounds to the scale, then fails with
    /// 22003 `numeric field overflow` if more integer digits remain than the precision allows,
    /// with PostgreSQL's detail line.
    pub fn apply_typmod(&self, typmod: NumericTypmod) -> Result<Numeric> {
        let rounded = self.checked_round_to_scale(i32::from(typmod.scale))?;
        let integer_digits_max = i32::from(typmod.precision) - i32::from(typmod.scale);
        if !rounded.is_zero() {
            let exponent = decimal_digits(rounded.magnitude()) as i32 - 1 - rounded.scale() as i32;
            if exponent + 1 > integer_digits_max {
                let bound = if integer_digits_max != 0 {
                    format!("10^{integer_digits_max}")
                } else {
                    "1".to_string()
                };
                return Err(
                    Error::out_of_range("numeric field overflow").with_detail(format!(
                        "A field with precision {}, scale {} must round to an absolute value less \
                     than {bound}.",
                        typmod.precision, typmod.scale
                    )),
                );
            }
        }
        Ok(rounded)
    }

    /// `numeric ^ numeric` as PostgreSQL 15 computes it for integer exponents: scale
    /// `max(16, scale(base))`, rounded half away from zero. Non-integer exponents need
    /// PostgreSQL's arbitrary-precision logarithms, which db001 does not have: 0A000 (cast to
    /// double precision instead).
    pub fn checked_pow(&self, exponent: &Numeric) -> Result<Numeric> {
        if self.is_zero() && exponent.is_negative() {
            return Err(power_error("zero raised to a negative power is undefined"));
        }
        if !exponent.is_integral() {
            if self.is_negative() {
                return Err(power_error(
                    "a negative number raised to a non-integer power yields a complex result",
                ));
            }
            return Err(Error::feature_not_supported(
                "db001 computes numeric ^ numeric only for integer exponents",
            )
            .with_hint("Cast to double precision for a floating-point power."));
        }
        let power = exponent
            .round_to_integer()
            .to_i64()
            .filter(|p| i32::try_from(*p).is_ok())
            .ok_or_else(overflow)?;
        let scale = (MIN_SIGNIFICANT_DIGITS as u32).max(self.scale());
        if scale > NUMERIC_SCALE_MAX {
            return Err(overflow());
        }
        if power == 0 {
            return Numeric::from_sign_magnitude(false, pow10(scale).expect("<= 28"), scale);
        }
        if self.is_zero() {
            return Numeric::from_sign_magnitude(false, 0, scale);
        }
        let negative = self.is_negative() && power % 2 != 0;
        let count = power.unsigned_abs();
        // log10 of the result's magnitude, to refuse hopeless sizes before computing exactly.
        let log10 = (self.to_f64().abs()).log10() * power as f64;
        if log10 > 30.0 {
            return Err(overflow());
        }
        if log10 < -(f64::from(scale) + 2.0) {
            return Numeric::from_sign_magnitude(false, 0, scale);
        }
        let base_digits = u64::from(decimal_digits(self.magnitude()));
        if base_digits.saturating_mul(count) > POWER_DIGITS_MAX
            || u64::from(self.scale()).saturating_mul(count) > POWER_DIGITS_MAX
        {
            return Err(Error::feature_not_supported(
                "numeric power too large for db001 to evaluate exactly",
            ));
        }
        let count = count as u32;
        // |base|^count = magnitude^count × 10^-(scale(base) × count), exactly.
        let raised = BigUint::from(self.magnitude()).pow(count);
        let raised_scale = self.scale() * count;
        let (numerator, denominator) = if power > 0 {
            // value × 10^scale = raised × 10^(scale - raised_scale)
            if scale >= raised_scale {
                (raised * big_pow10(scale - raised_scale), BigUint::one())
            } else {
                (raised, big_pow10(raised_scale - scale))
            }
        } else {
            // 1 / (raised × 10^-raised_scale) × 10^scale = 10^(raised_scale + scale) / raised
            (big_pow10(raised_scale + scale), raised)
        };
        if denominator.is_zero() {
            return Err(overflow());
        }
        let mut quotient = &numerator / &denominator;
        if (&numerator % &denominator) * 2u32 >= denominator {
            quotient += 1u32;
        }
        Numeric::from_big(negative, &quotient, scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_10000_lead_matches_postgres() {
        let lead = |s: &str| Numeric::parse(s).expect("valid").base_10000_lead();
        assert_eq!(lead("0.00001"), (-2, 1000));
        assert_eq!(lead("12345678.9"), (1, 1234));
        assert_eq!(lead("1"), (0, 1));
        assert_eq!(lead("0"), (0, 0));
    }
}
