//! `uuid`: PostgreSQL's `uuid_in` (hex digits in pairs, optional braces, a hyphen allowed
//! after any group of four digits) and `uuid_out` (lower-case 8-4-4-4-12), and version 4
//! generation for `gen_random_uuid()`.

use crate::error::{Error, Result};

/// `uuid_in`.
pub fn parse_uuid(text: &str) -> Result<[u8; 16]> {
    let invalid = || Error::invalid_text("uuid", text);
    let mut rest = text.as_bytes();
    let braces = rest.first() == Some(&b'{');
    if braces {
        rest = &rest[1..];
    }
    let mut out = [0u8; 16];
    for (index, slot) in out.iter_mut().enumerate() {
        let (Some(&high), Some(&low)) = (rest.first(), rest.get(1)) else {
            return Err(invalid());
        };
        let digit = |byte: u8| char::from(byte).to_digit(16).map(|d| d as u8);
        *slot = (digit(high).ok_or_else(invalid)? << 4) | digit(low).ok_or_else(invalid)?;
        rest = &rest[2..];
        if rest.first() == Some(&b'-') && index % 2 == 1 && index < 15 {
            rest = &rest[1..];
        }
    }
    if braces {
        if rest.first() != Some(&b'}') {
            return Err(invalid());
        }
        rest = &rest[1..];
    }
    if !rest.is_empty() {
        return Err(invalid());
    }
    Ok(out)
}

/// `uuid_out`.
pub fn write_uuid(uuid: &[u8; 16], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (index, byte) in uuid.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
}

/// A random (version 4, RFC 4122 variant) UUID from 128 random bits.
pub fn random_uuid(random: u128) -> [u8; 16] {
    let mut bytes = random.to_be_bytes();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_spellings_match_postgres() {
        let canonical = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
        for spelling in [
            canonical,
            "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
            "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
            "a0eebc999c0b4ef8bb6d6bb9bd380a11",
            "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11",
            "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}",
        ] {
            let mut out = String::new();
            write_uuid(&parse_uuid(spelling).expect(spelling), &mut out);
            assert_eq!(out, canonical, "{spelling}");
        }
        for bad in [
            "",
            "abc",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
            " a0eebc999c0b4ef8bb6d6bb9bd380a11",
            "a0eebc99--9c0b4ef8bb6d6bb9bd380a11",
        ] {
            assert!(parse_uuid(bad).is_err(), "{bad}");
        }
        let random = random_uuid(u128::MAX);
        assert_eq!(random[6] >> 4, 4);
        assert_eq!(random[8] >> 6, 2);
    }
}
