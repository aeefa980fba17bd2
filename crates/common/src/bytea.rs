//! `bytea`: input in PostgreSQL's hex (`\x4142`) and escape (`AB\101\\`) formats, output in
//! the hex format (`bytea_output = hex`, PostgreSQL's default).

use crate::error::{Error, Result, SqlState};

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// `byteain`.
pub fn parse_bytea(text: &str) -> Result<Vec<u8>> {
    let bytes = text.as_bytes();
    if let Some(hex) = text.strip_prefix("\\x") {
        let digits = hex.as_bytes();
        let mut out = Vec::with_capacity(digits.len() / 2);
        let mut at = 0;
        while at < digits.len() {
            let first = digits[at];
            if crate::text::is_pg_space(char::from(first)) {
                at += 1;
                continue;
            }
            let invalid_digit = |byte: u8| {
                let shown = hex[at..]
                    .chars()
                    .next()
                    .map_or_else(|| char::from(byte).to_string(), |c| c.to_string());
                Error::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("invalid hexadecimal digit: \"{shown}\""),
                )
            };
            let high = hex_value(first).ok_or_else(|| invalid_digit(first))?;
            at += 1;
            let Some(&second) = digits.get(at) else {
                return Err(Error::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    "invalid hexadecimal data: odd number of digits",
                ));
            };
            let low = hex_value(second).ok_or_else(|| {
                let shown = hex[at..].chars().next().unwrap_or('?');
                Error::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("invalid hexadecimal digit: \"{shown}\""),
                )
            })?;
            at += 1;
            out.push(high << 4 | low);
        }
        return Ok(out);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'\\' {
            out.push(bytes[at]);
            at += 1;
            continue;
        }
        if bytes.get(at + 1) == Some(&b'\\') {
            out.push(b'\\');
            at += 2;
            continue;
        }
        let octal = bytes.get(at + 1..at + 4).filter(|digits| {
            (b'0'..=b'3').contains(&digits[0])
                && digits[1..].iter().all(|d| (b'0'..=b'7').contains(d))
        });
        match octal {
            Some(digits) => {
                out.push(
                    ((digits[0] - b'0') << 6) | ((digits[1] - b'0') << 3) | (digits[2] - b'0'),
                );
                at += 4;
            }
            // PostgreSQL's escape-format error names only the type.
            None => {
                return Err(Error::new(
                    SqlState::INVALID_TEXT_REPRESENTATION,
                    "invalid input syntax for type bytea",
                ));
            }
        }
    }
    Ok(out)
}

/// `byteaout` in hex format: `\x` and two lower-case hex digits per byte.
pub fn write_bytea(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(2 + bytes.len() * 2);
    out.push_str("\\x");
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_escape_input() {
        assert_eq!(parse_bytea("\\x4142").expect("hex"), b"AB");
        assert_eq!(
            parse_bytea("\\x41 42").expect("spaces between pairs"),
            b"AB"
        );
        assert_eq!(parse_bytea("x").expect("escape format"), b"x");
        assert_eq!(parse_bytea("a\\101\\\\").expect("octal"), b"aA\\");
        assert_eq!(
            parse_bytea("\\x1").expect_err("odd").message(),
            "invalid hexadecimal data: odd number of digits"
        );
        assert_eq!(
            parse_bytea("\\xzz").expect_err("bad digit").message(),
            "invalid hexadecimal digit: \"z\""
        );
        assert_eq!(
            parse_bytea("\\9").expect_err("bad escape").code(),
            SqlState::INVALID_TEXT_REPRESENTATION
        );
        let mut out = String::new();
        write_bytea(&[0, 0xab, 0xff], &mut out);
        assert_eq!(out, "\\x00abff");
    }
}
