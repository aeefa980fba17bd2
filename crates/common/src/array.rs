//! One-dimensional arrays: `integer[]`, `text[]`, ... of every scalar db001 type.
//!
//! db001 models the arrays applications use: one dimension, lower bound 1, elements possibly
//! NULL. Text and binary formats are PostgreSQL's (`array_out`/`array_in`, `array_send`/
//! `array_recv`); multi-dimensional values and explicit bounds (`'[0:1]={1,2}'`) are refused
//! with 0A000 rather than flattened.
//!
//! `int2vector` and `oidvector` (the catalog's `indkey`, `proargtypes`) are arrays too, as in
//! PostgreSQL: [`Array::vector`] marks them, their subscripts start at 0 and their text is
//! `1 2 3` (see [`crate::oid`]). Casting one to `smallint[]` / `oid[]` keeps the lower bound
//! 0, which then shows as `[0:1]={1,2}` as in PostgreSQL; such arrays exist only through that
//! cast (input of explicit bounds is still refused), and functions that build a new array
//! from one start it at 1.
//!
//! Arrays order as PostgreSQL's `array_cmp`: element by element with the element type's
//! order, NULL elements after all others, then the shorter array first. SQL `=` and `<` on
//! arrays use that same total order (so `ARRAY[1,NULL] = ARRAY[1,NULL]` is true, as in
//! PostgreSQL).

use std::cmp::Ordering;
use std::sync::Arc;

use crate::error::{Error, Result, SqlState};
use crate::types::{DataType, ElementType};
use crate::value::Value;

/// A one-dimensional array value.
#[derive(Debug, Clone)]
pub struct Array {
    pub element: ElementType,
    pub values: Vec<Value>,
    /// The subscript of the first element: 1, or 0 for vectors and arrays cast from them.
    pub lower_bound: i32,
    /// Whether this is an `int2vector` (`smallint` elements) or `oidvector` (`oid` elements)
    /// rather than an array of its element type.
    pub vector: bool,
}

impl Array {
    /// An array of `values` (each already of the element type, or NULL).
    pub fn new(element: ElementType, values: Vec<Value>) -> Array {
        Array {
            element,
            values,
            lower_bound: 1,
            vector: false,
        }
    }

    /// An `int2vector` (`element` is `SmallInt`) or `oidvector` (`Oid`) of `values`.
    pub fn vector(element: ElementType, values: Vec<Value>) -> Array {
        Array {
            element,
            values,
            lower_bound: 0,
            vector: true,
        }
    }

    /// The value's type: the array type, or `int2vector` / `oidvector`.
    pub fn data_type(&self) -> DataType {
        match (self.vector, self.element) {
            (true, ElementType::SmallInt) => DataType::Int2Vector,
            (true, ElementType::Oid) => DataType::OidVector,
            _ => DataType::Array(self.element),
        }
    }

    /// The element at subscript `index` (PostgreSQL's subscripting: NULL out of bounds).
    pub fn get(&self, index: i64) -> Value {
        index
            .checked_sub(i64::from(self.lower_bound))
            .and_then(|offset| usize::try_from(offset).ok())
            .and_then(|offset| self.values.get(offset))
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// The array as a value.
    pub fn into_value(self) -> Value {
        Value::Array(Arc::new(self))
    }

    /// PostgreSQL's `array_cmp` (see the module docs).
    pub fn compare(&self, other: &Array) -> Ordering {
        for (a, b) in self.values.iter().zip(&other.values) {
            let ordering = a.sort_cmp(b);
            if ordering != Ordering::Equal {
                return ordering;
            }
        }
        self.values.len().cmp(&other.values.len())
    }
}

fn malformed(text: &str, detail: &str) -> Error {
    Error::new(
        SqlState::INVALID_TEXT_REPRESENTATION,
        format!("malformed array literal: \"{text}\""),
    )
    .with_detail(detail.to_string())
}

/// Whether an element's text needs quotes in `array_out`.
fn needs_quotes(text: &str) -> bool {
    text.is_empty()
        || text.eq_ignore_ascii_case("null")
        || text
            .chars()
            .any(|c| matches!(c, '{' | '}' | ',' | '"' | '\\') || crate::text::is_pg_space(c))
}

/// `array_out`: `{1,2,NULL,"a b"}`, `[0:1]={1,2}` when the lower bound is not 1; the
/// vectors' output functions: `1 2`.
pub fn write_array(array: &Array, out: &mut String) {
    if array.vector {
        crate::oid::write_vector(array, out);
        return;
    }
    if array.lower_bound != 1 && !array.values.is_empty() {
        let upper = i64::from(array.lower_bound) + array.values.len() as i64 - 1;
        out.push_str(&format!("[{}:{upper}]=", array.lower_bound));
    }
    out.push('{');
    for (index, value) in array.values.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        if value.is_null() {
            out.push_str("NULL");
            continue;
        }
        let text = value.to_text();
        if needs_quotes(&text) {
            out.push('"');
            for c in text.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        } else {
            out.push_str(&text);
        }
    }
    out.push('}');
}

/// `array_in` for a one-dimensional array of `element`.
pub fn parse_array(element: ElementType, text: &str) -> Result<Array> {
    let trimmed = text.trim_matches(crate::text::is_pg_space);
    if trimmed.starts_with('[') {
        return Err(Error::feature_not_supported(
            "array bounds in array literals are not supported by db001",
        ));
    }
    let Some(body) = trimmed.strip_prefix('{') else {
        return Err(malformed(
            text,
            "Array value must start with \"{\" or dimension information.",
        ));
    };
    let mut values = Vec::new();
    let chars: Vec<char> = body.chars().collect();
    let mut at = 0;
    let skip_space = |at: &mut usize| {
        while *at < chars.len() && crate::text::is_pg_space(chars[*at]) {
            *at += 1;
        }
    };
    skip_space(&mut at);
    if chars.get(at) == Some(&'}') {
        at += 1;
        skip_space(&mut at);
        if at != chars.len() {
            return Err(malformed(text, "Junk after closing right brace."));
        }
        return Ok(Array::new(element, values));
    }
    loop {
        skip_space(&mut at);
        match chars.get(at) {
            None => return Err(malformed(text, "Unexpected end of input.")),
            Some('{') => {
                return Err(Error::feature_not_supported(
                    "multidimensional arrays are not supported by db001",
                ));
            }
            Some('"') => {
                at += 1;
                let mut item = String::new();
                loop {
                    match chars.get(at) {
                        None => return Err(malformed(text, "Unexpected end of input.")),
                        Some('"') => {
                            at += 1;
                            break;
                        }
                        Some('\\') => {
                            at += 1;
                            match chars.get(at) {
                                Some(&escaped) => item.push(escaped),
                                None => return Err(malformed(text, "Unexpected end of input.")),
                            }
                            at += 1;
                        }
                        Some(&c) => {
                            item.push(c);
                            at += 1;
                        }
                    }
                }
                values.push(Value::parse_text(element.data_type(), &item)?);
            }
            Some(_) => {
                let mut item = String::new();
                let mut escaped_any = false;
                while let Some(&c) = chars.get(at) {
                    match c {
                        ',' | '}' => break,
                        '{' | '"' => {
                            return Err(malformed(text, "Unexpected array element."));
                        }
                        '\\' => {
                            escaped_any = true;
                            at += 1;
                            match chars.get(at) {
                                Some(&escaped) => item.push(escaped),
                                None => return Err(malformed(text, "Unexpected end of input.")),
                            }
                            at += 1;
                        }
                        c => {
                            item.push(c);
                            at += 1;
                        }
                    }
                }
                let item = item.trim_end_matches(crate::text::is_pg_space);
                if item.is_empty() {
                    return Err(malformed(text, "Unexpected \",\" character."));
                }
                if !escaped_any && item.eq_ignore_ascii_case("null") {
                    values.push(Value::Null);
                } else {
                    values.push(Value::parse_text(element.data_type(), item)?);
                }
            }
        }
        skip_space(&mut at);
        match chars.get(at) {
            Some(',') => at += 1,
            Some('}') => {
                at += 1;
                skip_space(&mut at);
                if at != chars.len() {
                    return Err(malformed(text, "Junk after closing right brace."));
                }
                return Ok(Array::new(element, values));
            }
            _ => return Err(malformed(text, "Unexpected end of input.")),
        }
    }
}

/// `array_send`: dimensions, a has-NULL flag, the element OID, then each element's length
/// (-1 for NULL) and binary form.
pub fn encode_array_binary(array: &Array, out: &mut Vec<u8>) {
    let element_type = array.element.data_type();
    let dimensions: i32 = if array.values.is_empty() { 0 } else { 1 };
    out.extend_from_slice(&dimensions.to_be_bytes());
    out.extend_from_slice(&i32::from(array.values.iter().any(Value::is_null)).to_be_bytes());
    out.extend_from_slice(&element_type.oid().to_be_bytes());
    if dimensions == 1 {
        out.extend_from_slice(&(array.values.len() as i32).to_be_bytes());
        out.extend_from_slice(&array.lower_bound.to_be_bytes());
    }
    for value in &array.values {
        value.encode_binary_field(element_type, out);
    }
}

fn incorrect() -> Error {
    Error::new(
        SqlState::INVALID_BINARY_REPRESENTATION,
        "incorrect binary data format",
    )
}

/// `array_recv` for a one-dimensional array of `element`.
pub fn decode_array_binary(element: ElementType, bytes: &[u8]) -> Result<Array> {
    decode_binary_with_lower_bound(element, bytes, 1)
}

/// `array_recv` accepting one lower bound: 1 for arrays, 0 for the vectors.
pub(crate) fn decode_binary_with_lower_bound(
    element: ElementType,
    bytes: &[u8],
    lower_bound: i32,
) -> Result<Array> {
    let mut rest = bytes;
    let i32_field = |rest: &mut &[u8]| -> Result<i32> {
        if rest.len() < 4 {
            return Err(Error::new(
                SqlState::PROTOCOL_VIOLATION,
                "insufficient data left in message",
            ));
        }
        let (head, tail) = rest.split_at(4);
        *rest = tail;
        Ok(i32::from_be_bytes(head.try_into().expect("four bytes")))
    };
    let dimensions = i32_field(&mut rest)?;
    let flags = i32_field(&mut rest)?;
    let element_oid = i32_field(&mut rest)? as u32;
    if !(0..=6).contains(&dimensions) {
        return Err(Error::new(
            SqlState::INVALID_BINARY_REPRESENTATION,
            format!("invalid number of dimensions: {dimensions}"),
        ));
    }
    if flags != 0 && flags != 1 {
        return Err(Error::new(
            SqlState::INVALID_BINARY_REPRESENTATION,
            "invalid array flags",
        ));
    }
    let element_type = element.data_type();
    if element_oid != element_type.oid() {
        return Err(Error::new(
            SqlState::DATATYPE_MISMATCH,
            format!(
                "binary data has array element type {element_oid} instead of expected {}",
                element_type.oid()
            ),
        ));
    }
    if dimensions > 1 {
        return Err(Error::feature_not_supported(
            "multidimensional arrays are not supported by db001",
        ));
    }
    let count = if dimensions == 1 {
        let length = i32_field(&mut rest)?;
        let lower = i32_field(&mut rest)?;
        if length < 0 {
            return Err(incorrect());
        }
        if lower != lower_bound && length > 0 {
            return Err(Error::feature_not_supported(format!(
                "array lower bounds other than {lower_bound} are not supported by db001 here"
            )));
        }
        length as usize
    } else {
        0
    };
    let mut values = Vec::with_capacity(count.min(4096));
    for _ in 0..count {
        let length = i32_field(&mut rest)?;
        if length == -1 {
            values.push(Value::Null);
            continue;
        }
        let length = usize::try_from(length).map_err(|_| incorrect())?;
        if rest.len() < length {
            return Err(Error::new(
                SqlState::PROTOCOL_VIOLATION,
                "insufficient data left in message",
            ));
        }
        let (item, tail) = rest.split_at(length);
        rest = tail;
        values.push(Value::decode_binary(element_type, item)?);
    }
    if !rest.is_empty() {
        return Err(incorrect());
    }
    Ok(Array::new(element, values))
}

/// The element type for `ARRAY[...]` and `array_agg` over values of `data_type`, or 0A000.
pub fn element_of(data_type: DataType) -> Result<ElementType> {
    ElementType::of(data_type).ok_or_else(|| {
        Error::feature_not_supported(format!(
            "arrays of type {} are not supported by db001",
            data_type.sql_name()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(element: ElementType, text: &str) -> String {
        let mut out = String::new();
        write_array(&parse_array(element, text).expect(text), &mut out);
        out
    }

    #[test]
    fn text_format_matches_postgres() {
        assert_eq!(round_trip(ElementType::Int, "{1, 2 ,3}"), "{1,2,3}");
        assert_eq!(round_trip(ElementType::Int, " { } "), "{}");
        assert_eq!(
            round_trip(ElementType::Int, "{1,NULL,null}"),
            "{1,NULL,NULL}"
        );
        assert_eq!(
            round_trip(
                ElementType::Text,
                r#"{"a b","",x,"NULL","q\"uote",back\\slash}"#
            ),
            r#"{"a b","",x,"NULL","q\"uote","back\\slash"}"#
        );
        assert!(parse_array(ElementType::Int, "{1,a}").is_err());
        assert!(parse_array(ElementType::Int, "1,2").is_err());
        assert!(parse_array(ElementType::Int, "{1,2}x").is_err());
        assert_eq!(
            parse_array(ElementType::Int, "{{1},{2}}")
                .expect_err("2-D")
                .code(),
            SqlState::FEATURE_NOT_SUPPORTED
        );
    }

    #[test]
    fn binary_round_trip() {
        let array = Array::new(
            ElementType::Text,
            vec![Value::text("a"), Value::Null, Value::text("")],
        );
        let mut bytes = Vec::new();
        encode_array_binary(&array, &mut bytes);
        assert_eq!(&bytes[..12], &[0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 25]);
        let back = decode_array_binary(ElementType::Text, &bytes).expect("valid");
        assert_eq!(back.compare(&array), Ordering::Equal);
        let mut empty = Vec::new();
        encode_array_binary(&Array::new(ElementType::Int, Vec::new()), &mut empty);
        assert_eq!(empty, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23]);
    }
}
