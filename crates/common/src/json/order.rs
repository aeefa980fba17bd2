//! `jsonb` ordering, hashing and index keys.
//!
//! PostgreSQL's btree order for `jsonb` (`compareJsonbContainers`) walks both documents token by
//! token. Containers compare by size first (more elements or pairs is greater), then element by
//! element (objects: key, value, key, value ... in storage order); values of different kinds
//! order `null < string < number < boolean < array < object`. A scalar at top level is a
//! one-element "raw scalar" array: it sorts below any non-empty array with the same element
//! count and above the empty array, so `'[]' < 'null'` (PostgreSQL's documented quirk).
//! Strings compare bytewise (the C collation db001 uses); numbers numerically.
//!
//! The index-key encoding emits the same token stream as bytes whose `memcmp` order is that
//! order: containers lead with their size, so two documents' streams stay aligned until the
//! first difference, which the bytes of that token decide.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use super::Jsonb;
use super::number;
use crate::error::{Error, Result, SqlState};

/// Object keys in storage order: shorter first, then bytewise.
pub(crate) fn key_order(a: &str, b: &str) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

/// PostgreSQL's `jbvType` order of kinds.
fn kind_rank(value: &Jsonb) -> u8 {
    match value {
        Jsonb::Null => 0,
        Jsonb::String(_) => 1,
        Jsonb::Number(_) => 2,
        Jsonb::Bool(_) => 3,
        Jsonb::Array(_) => 4,
        Jsonb::Object(_) => 5,
    }
}

fn compare_values(a: &Jsonb, b: &Jsonb) -> Ordering {
    match (a, b) {
        (Jsonb::Null, Jsonb::Null) => Ordering::Equal,
        (Jsonb::String(x), Jsonb::String(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Jsonb::Number(x), Jsonb::Number(y)) => number::compare(x, y),
        (Jsonb::Bool(x), Jsonb::Bool(y)) => x.cmp(y),
        (Jsonb::Array(x), Jsonb::Array(y)) => x
            .len()
            .cmp(&y.len())
            .then_with(|| compare_sequences(x.iter(), y.iter())),
        (Jsonb::Object(x), Jsonb::Object(y)) => x.len().cmp(&y.len()).then_with(|| {
            for ((key_x, value_x), (key_y, value_y)) in x.iter().zip(y) {
                let ordering = key_x
                    .as_bytes()
                    .cmp(key_y.as_bytes())
                    .then_with(|| compare_values(value_x, value_y));
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
            Ordering::Equal
        }),
        _ => kind_rank(a).cmp(&kind_rank(b)),
    }
}

fn compare_sequences<'a>(
    a: impl Iterator<Item = &'a Jsonb>,
    b: impl Iterator<Item = &'a Jsonb>,
) -> Ordering {
    for (x, y) in a.zip(b) {
        let ordering = compare_values(x, y);
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    Ordering::Equal
}

fn is_scalar(value: &Jsonb) -> bool {
    !matches!(value, Jsonb::Array(_) | Jsonb::Object(_))
}

impl Jsonb {
    /// PostgreSQL's `jsonb` comparison (see the module docs).
    pub fn compare(&self, other: &Jsonb) -> Ordering {
        match (is_scalar(self), is_scalar(other)) {
            (true, true) => compare_values(self, other),
            (true, false) | (false, true) => {
                // A raw scalar is a one-element array that sorts below other arrays of one.
                let (scalar_first, container) = if is_scalar(self) {
                    (true, other)
                } else {
                    (false, self)
                };
                let ordering = match container {
                    Jsonb::Array(items) => match 1.cmp(&items.len()) {
                        Ordering::Equal => Ordering::Less,
                        other => other,
                    },
                    _ => Ordering::Less,
                };
                if scalar_first {
                    ordering
                } else {
                    ordering.reverse()
                }
            }
            (false, false) => compare_values(self, other),
        }
    }

    /// Hashes consistently with [`Jsonb::compare`] equality (numbers by value).
    pub fn hash_into<H: Hasher>(&self, state: &mut H) {
        kind_rank(self).hash(state);
        match self {
            Jsonb::Null => {}
            Jsonb::Bool(b) => b.hash(state),
            Jsonb::Number(n) => {
                let decimal = number::decimal(n);
                decimal.negative.hash(state);
                decimal.digits.hash(state);
                decimal.point.hash(state);
            }
            Jsonb::String(s) => s.hash(state),
            Jsonb::Array(items) => {
                items.len().hash(state);
                for item in items {
                    item.hash_into(state);
                }
            }
            Jsonb::Object(pairs) => {
                pairs.len().hash(state);
                for (key, value) in pairs {
                    key.hash(state);
                    value.hash_into(state);
                }
            }
        }
    }
}

const KEY_NULL: u8 = 0x10;
const KEY_STRING: u8 = 0x20;
const KEY_NUMBER: u8 = 0x30;
const KEY_BOOL: u8 = 0x40;
const KEY_ARRAY: u8 = 0x50;
const KEY_OBJECT: u8 = 0x60;

fn encode_string(text: &str, out: &mut Vec<u8>) {
    for &byte in text.as_bytes() {
        out.push(byte);
        if byte == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0x00, 0x01]);
}

/// An order-preserving decimal: sign class, then exponent and digits (complemented when
/// negative).
fn encode_number(text: &str, out: &mut Vec<u8>) {
    let decimal = number::decimal(text);
    if decimal.digits.is_empty() {
        out.push(0x80);
        return;
    }
    let start = out.len();
    out.push(0x81);
    out.extend_from_slice(&((decimal.point as i32 as u32) ^ (1 << 31)).to_be_bytes());
    for digit in &decimal.digits {
        out.push(digit + 1);
    }
    out.push(0);
    if decimal.negative {
        out[start] = 0x7F;
        for byte in &mut out[start + 1..] {
            *byte = !*byte;
        }
    }
}

fn encode_value(value: &Jsonb, raw_scalar: bool, out: &mut Vec<u8>) {
    match value {
        Jsonb::Null => out.push(KEY_NULL),
        Jsonb::String(s) => {
            out.push(KEY_STRING);
            encode_string(s, out);
        }
        Jsonb::Number(n) => {
            out.push(KEY_NUMBER);
            encode_number(n, out);
        }
        Jsonb::Bool(b) => {
            out.push(KEY_BOOL);
            out.push(u8::from(*b));
        }
        Jsonb::Array(items) => {
            out.push(KEY_ARRAY);
            out.extend_from_slice(&(items.len() as u32).to_be_bytes());
            out.push(u8::from(!raw_scalar));
            for item in items {
                encode_value(item, false, out);
            }
        }
        Jsonb::Object(pairs) => {
            out.push(KEY_OBJECT);
            out.extend_from_slice(&(pairs.len() as u32).to_be_bytes());
            for (key, value) in pairs {
                out.push(KEY_STRING);
                encode_string(key, out);
                encode_value(value, false, out);
            }
        }
    }
}

/// Appends the order-preserving key bytes of a document.
pub fn encode_key(value: &Jsonb, out: &mut Vec<u8>) {
    if is_scalar(value) {
        out.push(KEY_ARRAY);
        out.extend_from_slice(&1u32.to_be_bytes());
        out.push(0);
        encode_value(value, false, out);
    } else {
        encode_value(value, false, out);
    }
}

fn corrupted() -> Error {
    Error::new(
        SqlState::INDEX_CORRUPTED,
        "index key is corrupted: bad jsonb",
    )
}

/// Reads a document encoded by [`encode_key`] from the front of `bytes`; returns it and the
/// bytes after it. Numbers come back in their shortest canonical form (`1.50` as `1.5`).
pub fn decode_key(bytes: &[u8]) -> Result<(Jsonb, &[u8])> {
    let (value, raw, rest) = decode_value(bytes, 0)?;
    if raw {
        match value {
            Jsonb::Array(mut items) if items.len() == 1 => {
                let item = items.pop().ok_or_else(corrupted)?;
                Ok((item, rest))
            }
            _ => Err(corrupted()),
        }
    } else {
        Ok((value, rest))
    }
}

fn take(bytes: &[u8], count: usize) -> Result<(&[u8], &[u8])> {
    if bytes.len() < count {
        return Err(corrupted());
    }
    Ok(bytes.split_at(count))
}

fn decode_string(mut bytes: &[u8]) -> Result<(String, &[u8])> {
    let mut text = Vec::new();
    loop {
        let (&byte, rest) = bytes.split_first().ok_or_else(corrupted)?;
        bytes = rest;
        if byte != 0 {
            text.push(byte);
            continue;
        }
        let (&next, rest) = bytes.split_first().ok_or_else(corrupted)?;
        bytes = rest;
        match next {
            0xFF => text.push(0),
            0x01 => break,
            _ => return Err(corrupted()),
        }
    }
    Ok((String::from_utf8(text).map_err(|_| corrupted())?, bytes))
}

fn decode_number(bytes: &[u8]) -> Result<(String, &[u8])> {
    let (&class, mut rest) = bytes.split_first().ok_or_else(corrupted)?;
    if class == 0x80 {
        return Ok(("0".to_string(), rest));
    }
    let negative = match class {
        0x81 => false,
        0x7F => true,
        _ => return Err(corrupted()),
    };
    let flip = |byte: u8| if negative { !byte } else { byte };
    let (exponent, after) = take(rest, 4)?;
    rest = after;
    let exponent: [u8; 4] = exponent.try_into().map_err(|_| corrupted())?;
    let point = i64::from((u32::from_be_bytes(exponent.map(flip)) ^ (1 << 31)) as i32);
    let mut digits = String::new();
    loop {
        let (&byte, after) = rest.split_first().ok_or_else(corrupted)?;
        rest = after;
        let byte = flip(byte);
        if byte == 0 {
            break;
        }
        if !(1..=10).contains(&byte) || digits.len() > 200_000 {
            return Err(corrupted());
        }
        digits.push(char::from(b'0' + byte - 1));
    }
    if digits.is_empty() {
        return Err(corrupted());
    }
    let text = format!("{}0.{digits}e{point}", if negative { "-" } else { "" });
    let canonical = number::canonical(&text).map_err(|_| corrupted())?;
    // Shortest form: drop the trailing zeros the canonical scale keeps.
    let shortest = if canonical.contains('.') {
        canonical
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        canonical
    };
    Ok((shortest, rest))
}

/// Decodes one value; the flag says whether it was a raw-scalar wrapper.
fn decode_value(bytes: &[u8], depth: usize) -> Result<(Jsonb, bool, &[u8])> {
    if depth > super::DEPTH_MAX {
        return Err(corrupted());
    }
    let (&tag, rest) = bytes.split_first().ok_or_else(corrupted)?;
    Ok(match tag {
        KEY_NULL => (Jsonb::Null, false, rest),
        KEY_STRING => {
            let (text, rest) = decode_string(rest)?;
            (Jsonb::String(text.into()), false, rest)
        }
        KEY_NUMBER => {
            let (text, rest) = decode_number(rest)?;
            (Jsonb::Number(text.into()), false, rest)
        }
        KEY_BOOL => {
            let (&byte, rest) = rest.split_first().ok_or_else(corrupted)?;
            (Jsonb::Bool(byte != 0), false, rest)
        }
        KEY_ARRAY => {
            let (count, rest) = take(rest, 4)?;
            let count = u32::from_be_bytes(count.try_into().map_err(|_| corrupted())?) as usize;
            let (&flag, mut rest) = rest.split_first().ok_or_else(corrupted)?;
            if count > rest.len() {
                return Err(corrupted());
            }
            let mut items = Vec::with_capacity(count);
            for _ in 0..count {
                let (item, _, after) = decode_value(rest, depth + 1)?;
                items.push(item);
                rest = after;
            }
            (Jsonb::Array(items), flag == 0, rest)
        }
        KEY_OBJECT => {
            let (count, rest) = take(rest, 4)?;
            let count = u32::from_be_bytes(count.try_into().map_err(|_| corrupted())?) as usize;
            let mut rest = rest;
            if count > rest.len() {
                return Err(corrupted());
            }
            let mut pairs = Vec::with_capacity(count);
            for _ in 0..count {
                let (&key_tag, after) = rest.split_first().ok_or_else(corrupted)?;
                if key_tag != KEY_STRING {
                    return Err(corrupted());
                }
                let (key, after) = decode_string(after)?;
                let (value, _, after) = decode_value(after, depth + 1)?;
                pairs.push((key.into_boxed_str(), value));
                rest = after;
            }
            (Jsonb::object(pairs), false, rest)
        }
        _ => return Err(corrupted()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Jsonb {
        Jsonb::parse(text).expect(text)
    }

    fn key(text: &str) -> Vec<u8> {
        let mut out = Vec::new();
        encode_key(&doc(text), &mut out);
        out
    }

    #[test]
    fn order_matches_postgres() {
        let ascending = [
            "[]",
            "null",
            "\"a\"",
            "\"b\"",
            "-1.5",
            "-1",
            "0",
            "1.0",
            "2",
            "false",
            "true",
            "[5]",
            "[1, 2]",
            "[1, 3]",
            "{}",
            "{\"a\": 1}",
            "{\"b\": 0}",
            "{\"a\": 1, \"b\": 1}",
        ];
        for pair in ascending.windows(2) {
            assert_eq!(
                doc(pair[0]).compare(&doc(pair[1])),
                Ordering::Less,
                "{pair:?}"
            );
            assert!(key(pair[0]) < key(pair[1]), "key order {pair:?}");
        }
        assert_eq!(doc("1.0").compare(&doc("1.00")), Ordering::Equal);
        assert_eq!(key("1.0"), key("1.00"));
    }

    #[test]
    fn keys_decode() {
        for text in [
            "null",
            "[1, \"x\", {\"k\": [true]}]",
            "{\"a\": -2.5, \"bb\": {}}",
            "[]",
            "-0.001",
        ] {
            let bytes = key(text);
            let (decoded, rest) = decode_key(&bytes).expect(text);
            assert!(rest.is_empty());
            assert_eq!(decoded.compare(&doc(text)), Ordering::Equal, "{text}");
        }
    }
}
