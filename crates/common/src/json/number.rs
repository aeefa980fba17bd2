//! JSON numbers as PostgreSQL's `numeric` reads and prints them, without db001's 28-digit
//! limit: a number is kept as its canonical text (`numeric_out(numeric_in(text))`).
//!
//! The canonical form of `digits × 10^exponent` with `f` digits after the point in the input
//! has display scale `max(0, f - exponent)`, no exponent, no leading zeros, and no sign on
//! zero: `1e2` → `100`, `1.50` → `1.50`, `0.1e-3` → `0.0001`, `-0` → `0`.

use std::cmp::Ordering;

use crate::error::{Error, Result};

/// PostgreSQL's numeric allows 131072 digits before the point and 16383 after.
const EXPONENT_LIMIT: i64 = 140_000;

/// A decimal broken into sign, significant digits and the exponent of the first digit:
/// value = 0.d1d2d3... × 10^(point).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decimal {
    pub(crate) negative: bool,
    /// Significant digits without leading or trailing zeros; empty for zero.
    pub(crate) digits: Vec<u8>,
    /// Position of the decimal point relative to the first digit.
    pub(crate) point: i64,
}

/// Splits number text (already validated as a JSON or numeric literal) into parts:
/// sign, all mantissa digits, digits after the point, exponent.
fn split(text: &str) -> Option<(bool, Vec<u8>, i64, i64)> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(at) => (&rest[..at], rest[at + 1..].parse::<i64>().ok()?),
        None => (rest, 0),
    };
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: Vec<u8> = integer
        .bytes()
        .chain(fraction.bytes())
        .map(|b| b.wrapping_sub(b'0'))
        .collect();
    if digits.iter().any(|d| *d > 9) || digits.is_empty() {
        return None;
    }
    Some((negative, digits, fraction.len() as i64, exponent))
}

fn overflow() -> Error {
    Error::out_of_range("value overflows numeric format")
}

/// The canonical numeric text of a number literal.
pub(crate) fn canonical(text: &str) -> Result<String> {
    let (negative, digits, fraction_digits, exponent) =
        split(text).ok_or_else(|| Error::invalid_text("numeric", text))?;
    if exponent.abs() > EXPONENT_LIMIT {
        return Err(overflow());
    }
    let scale = (fraction_digits - exponent).max(0);
    // Integer part length: digits before the (shifted) point.
    let integer_length = digits.len() as i64 - fraction_digits + exponent;
    let mut out = String::new();
    let is_zero = digits.iter().all(|d| *d == 0);
    if negative && !is_zero {
        out.push('-');
    }
    let digit_at = |index: i64| -> char {
        if index < 0 || index >= digits.len() as i64 {
            '0'
        } else {
            char::from(b'0' + digits[index as usize])
        }
    };
    // Integer part without leading zeros.
    let mut integer = String::new();
    for index in 0..integer_length.max(0) {
        integer.push(digit_at(index));
    }
    let integer = integer.trim_start_matches('0');
    out.push_str(if integer.is_empty() { "0" } else { integer });
    if scale > 0 {
        out.push('.');
        for offset in 0..scale {
            out.push(digit_at(integer_length + offset));
        }
    }
    Ok(out)
}

/// The value of canonical text as sign, significant digits and point position.
pub(crate) fn decimal(canonical: &str) -> Decimal {
    let (negative, rest) = match canonical.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, canonical),
    };
    let (integer, fraction) = rest.split_once('.').unwrap_or((rest, ""));
    let all: Vec<u8> = integer
        .bytes()
        .chain(fraction.bytes())
        .map(|b| b - b'0')
        .collect();
    let leading = all.iter().take_while(|d| **d == 0).count();
    let significant = &all[leading..];
    let trailing = significant.iter().rev().take_while(|d| **d == 0).count();
    let digits = significant[..significant.len() - trailing].to_vec();
    if digits.is_empty() {
        return Decimal {
            negative: false,
            digits,
            point: 0,
        };
    }
    Decimal {
        negative,
        digits,
        point: integer.len() as i64 - leading as i64,
    }
}

/// Numeric comparison of two canonical numbers.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (decimal(a), decimal(b));
    let sign = |d: &Decimal| -> i8 {
        if d.digits.is_empty() {
            0
        } else if d.negative {
            -1
        } else {
            1
        }
    };
    match sign(&a).cmp(&sign(&b)) {
        Ordering::Equal => {}
        other => return other,
    }
    let magnitude = a.point.cmp(&b.point).then_with(|| a.digits.cmp(&b.digits));
    if a.negative {
        magnitude.reverse()
    } else {
        magnitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms_match_numeric_out() {
        for (input, expected) in [
            ("1.0", "1.0"),
            ("1e2", "100"),
            ("-0", "0"),
            ("-0.00", "0.00"),
            ("1E+2", "100"),
            ("0.1e-3", "0.0001"),
            ("12.50", "12.50"),
            ("1.5e1", "15"),
            ("1.55e1", "15.5"),
            ("-123", "-123"),
            ("0", "0"),
            ("100e-2", "1.00"),
        ] {
            assert_eq!(canonical(input).expect(input), expected, "{input}");
        }
        assert!(canonical("1e200000").is_err());
    }

    #[test]
    fn comparison_is_numeric() {
        assert_eq!(compare("1.0", "1.00"), Ordering::Equal);
        assert_eq!(compare("-1", "-1.5"), Ordering::Greater);
        assert_eq!(compare("0", "-0.5"), Ordering::Greater);
        assert_eq!(compare("10", "9.99"), Ordering::Greater);
        assert_eq!(compare("0.001", "0.01"), Ordering::Less);
    }
}
