//! `to_char(number, format)` for the common patterns: `9` (digit, blank when a leading zero),
//! `0` (digit, zero kept), `.`/`D` (decimal point), `,`/`G` (group separator), `S` (sign
//! anchored to the number), `MI`/`PL`/`SG` (sign at that position), `FM` (no padding, no
//! trailing zeros for `9`), and other characters copied. Too many integer digits print `#`
//! in every digit position, as PostgreSQL does. `numeric` rounds half away from zero;
//! floating-point values round their exact binary value (`printf`'s rule), as PostgreSQL's
//! `float8_to_char` does. Other patterns (`EEEE`, `V`, `RN`, `TH`, `PR`) are 0A000.

use db001_common::{Error, Result, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Digit { zero: bool },
    Point,
    Group,
    AnchoredSign,
    Minus,
    Plus,
    SignAt,
    Literal(char),
}

struct Format {
    tokens: Vec<Token>,
    fill_mode: bool,
}

fn parse_format(format: &str) -> Result<Format> {
    let mut tokens = Vec::new();
    let mut fill_mode = false;
    let upper = format.to_ascii_uppercase();
    let mut at = 0;
    let bytes = upper.as_bytes();
    while at < bytes.len() {
        let rest = &upper[at..];
        let (token, length) = if rest.starts_with("FM") {
            fill_mode = true;
            at += 2;
            continue;
        } else if rest.starts_with("MI") {
            (Token::Minus, 2)
        } else if rest.starts_with("PL") {
            (Token::Plus, 2)
        } else if rest.starts_with("SG") {
            (Token::SignAt, 2)
        } else if rest.starts_with("EEEE")
            || rest.starts_with("RN")
            || rest.starts_with("PR")
            || rest.starts_with("TH")
            || rest.starts_with('V')
            || rest.starts_with('L')
        {
            return Err(Error::feature_not_supported(format!(
                "to_char number pattern \"{}\" is not supported by db001",
                &format[at..(at + 2).min(format.len())]
            )));
        } else {
            match bytes[at] {
                b'9' => (Token::Digit { zero: false }, 1),
                b'0' => (Token::Digit { zero: true }, 1),
                b'.' | b'D' => (Token::Point, 1),
                b',' | b'G' => (Token::Group, 1),
                b'S' => (Token::AnchoredSign, 1),
                _ => {
                    let c = format[at..].chars().next().unwrap_or(' ');
                    (Token::Literal(c), c.len_utf8())
                }
            }
        };
        tokens.push(token);
        at += length;
    }
    Ok(Format { tokens, fill_mode })
}

/// The value's digits rounded to `fraction` places: (negative, integer digits, fraction digits).
fn digits_of(value: &Value, fraction: usize) -> Result<(bool, String, String)> {
    let text = match value {
        Value::Numeric(n) => n.checked_round_to_scale(fraction as i32)?.to_string(),
        Value::Float64(f) => format!("{f:.fraction$}"),
        Value::Float32(f) => format!("{:.fraction$}", f64::from(*f)),
        other => match other.as_i64() {
            Some(integer) if fraction == 0 => integer.to_string(),
            Some(integer) => format!("{integer}.{}", "0".repeat(fraction)),
            None => other.to_text(),
        },
    };
    let negative = text.starts_with('-');
    let unsigned = text.trim_start_matches('-');
    let (integer, fraction_digits) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let integer = integer.trim_start_matches('0').to_string();
    let mut fraction_digits = fraction_digits.to_string();
    while fraction_digits.len() < fraction {
        fraction_digits.push('0');
    }
    let is_zero = integer.is_empty() && fraction_digits.bytes().all(|b| b == b'0');
    Ok((negative && !is_zero, integer, fraction_digits))
}

/// `to_char(number, format)`.
pub(crate) fn to_char(value: &Value, format: &str) -> Result<String> {
    let Format { tokens, fill_mode } = parse_format(format)?;
    let point = tokens.iter().position(|t| *t == Token::Point);
    let integer_slots = tokens
        .iter()
        .take(point.unwrap_or(tokens.len()))
        .filter(|t| matches!(t, Token::Digit { .. }))
        .count();
    let fraction_slots = point.map_or(0, |p| {
        tokens[p..]
            .iter()
            .filter(|t| matches!(t, Token::Digit { .. }))
            .count()
    });
    let (negative, integer, fraction) = digits_of(value, fraction_slots)?;
    let overflow = integer.len() > integer_slots;
    // `PL` only adds a plus: the minus of a negative number still goes before the digits.
    let explicit_sign = tokens
        .iter()
        .any(|t| matches!(t, Token::AnchoredSign | Token::Minus | Token::SignAt));
    // Integer digits right-aligned to the slots; a lone zero shows when nothing else would.
    let padded: Vec<Option<char>> = {
        let mut slots = vec![None; integer_slots];
        for (slot, digit) in slots.iter_mut().rev().zip(integer.chars().rev()) {
            *slot = Some(digit);
        }
        if integer.is_empty() && point.is_none() && integer_slots > 0 {
            slots[integer_slots - 1] = Some('0');
        }
        slots
    };
    let anchored_sign = if tokens.contains(&Token::AnchoredSign) {
        Some(if negative { '-' } else { '+' })
    } else if !explicit_sign {
        Some(if negative { '-' } else { ' ' })
    } else {
        None
    };
    let mut out = String::new();
    let mut started = false;
    let mut sign_written = false;
    let mut integer_index = 0;
    let mut fraction_index = 0;
    let mut after_point = false;
    let write_sign = |out: &mut String, sign_written: &mut bool| {
        if !*sign_written && let Some(sign) = anchored_sign {
            if !(fill_mode && sign == ' ') {
                out.push(sign);
            }
            *sign_written = true;
        }
    };
    for (position, token) in tokens.iter().enumerate() {
        match *token {
            Token::Digit { zero } if !after_point => {
                let digit = padded[integer_index];
                integer_index += 1;
                if overflow {
                    write_sign(&mut out, &mut sign_written);
                    out.push('#');
                    continue;
                }
                match digit {
                    Some(d) => {
                        if !started {
                            write_sign(&mut out, &mut sign_written);
                            started = true;
                        }
                        out.push(d);
                    }
                    None if zero || started => {
                        if !started {
                            write_sign(&mut out, &mut sign_written);
                            started = true;
                        }
                        out.push('0');
                    }
                    None if !fill_mode => out.push(' '),
                    None => {}
                }
            }
            Token::Digit { zero } => {
                let digit = fraction
                    .as_bytes()
                    .get(fraction_index)
                    .copied()
                    .unwrap_or(b'0');
                fraction_index += 1;
                if overflow {
                    out.push('#');
                    continue;
                }
                let rest_zero = fraction.as_bytes()[fraction_index - 1..]
                    .iter()
                    .all(|b| *b == b'0');
                let trailing_nines = tokens[position..]
                    .iter()
                    .all(|t| !matches!(t, Token::Digit { zero: true }));
                if fill_mode && !zero && rest_zero && trailing_nines {
                    continue;
                }
                out.push(char::from(digit));
            }
            Token::Point => {
                after_point = true;
                if !started {
                    write_sign(&mut out, &mut sign_written);
                    started = true;
                }
                out.push('.');
            }
            Token::Group => {
                if started || overflow {
                    out.push(',');
                } else if !fill_mode {
                    out.push(' ');
                }
            }
            Token::AnchoredSign => {}
            Token::Minus => out.push(if negative { '-' } else { ' ' }),
            Token::Plus => out.push(if negative { ' ' } else { '+' }),
            Token::SignAt => out.push(if negative { '-' } else { '+' }),
            Token::Literal(c) => out.push(c),
        }
    }
    write_sign(&mut out, &mut sign_written);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use db001_common::Numeric;

    fn numeric(text: &str) -> Value {
        Value::Numeric(Numeric::parse(text).expect("valid"))
    }

    #[test]
    fn common_patterns_match_postgres() {
        let cases: &[(Value, &str, &str)] = &[
            (numeric("1234.5"), "9999.99", " 1234.50"),
            (numeric("1234.5"), "FM9,999.00", "1,234.50"),
            (Value::Int32(-12), "999", " -12"),
            (numeric("0.5"), "0.99", " 0.50"),
            (Value::Int32(12345), "99", " ##"),
            (Value::Float64(1.23456), "9.99", " 1.23"),
            (numeric("0.5"), "9.99", "  .50"),
            (Value::Int32(5), "000", " 005"),
            (numeric("-5.5"), "FM999.9", "-5.5"),
            (Value::Int32(5), "S999", "  +5"),
            (Value::Int32(-5), "S999", "  -5"),
            (Value::Int32(5), "999MI", "  5 "),
            (Value::Int32(-5), "999MI", "  5-"),
            (numeric("1234567.891"), "9,999,999.99", " 1,234,567.89"),
            (Value::Int32(12), "9,999", "    12"),
            (Value::Int32(0), "9999", "    0"),
            (Value::Int32(0), "FM9999", "0"),
            (numeric("1.5"), "FM9.99", "1.5"),
            (Value::Int32(1), "FM9.00", "1.00"),
            (numeric("-0.5"), "9.9", " -.5"),
            (numeric("2.5"), "9", " 3"),
            (numeric("-2.5"), "9", "-3"),
            (Value::Float64(1e20), "9999", " ####"),
            (Value::Int32(5), "PL999", "+   5"),
            (Value::Int32(1234), "9G999D99", " 1,234.00"),
            (Value::Int32(0), "0.00", " 0.00"),
            (numeric("0.001"), "9.99", "  .00"),
            (Value::Int32(10), "99.9", " 10.0"),
            (numeric("-1234.5"), "FM9,999.99", "-1,234.5"),
            (numeric("1234.5"), "99,999", "  1,235"),
            (Value::Int32(-5), "FM999", "-5"),
            (Value::Int32(5), "FMS999", "+5"),
            (numeric("0.25"), "FM0.9", "0.3"),
            (numeric("12.3"), "00000.00", " 00012.30"),
            (numeric("-0.1"), "FM90.99", "-0.1"),
            (numeric("123.456"), "999D99", " 123.46"),
        ];
        for (value, format, expected) in cases {
            assert_eq!(
                to_char(value, format).expect("supported"),
                *expected,
                "to_char({value}, '{format}')"
            );
        }
    }
}
