//! `oid`, `int2vector` and `oidvector`: the types of PostgreSQL's system catalogs.
//!
//! An `oid` is a 4-byte unsigned integer ([`Value::Oid`]). Its input function is
//! PostgreSQL's `oidin`: a decimal integer between -2147483648 and 4294967295, negative values
//! wrapping around as unsigned 32-bit (`'-1'::oid` is 4294967295), surrounding whitespace
//! allowed; anything else is 22P02, out-of-range is 22003. Casts follow `pg_cast`: `smallint`,
//! `integer` and `bigint` convert implicitly to `oid` (`integer` reinterprets the 32 bits, so
//! `(-1)::oid` is 4294967295; `bigint` must be within 0..=4294967295, else 22003 `OID out of
//! range`), `oid` to `integer` (the bits again, so 3000000000 becomes -1294967296) and to
//! `bigint` by assignment. `oid` compares unsigned and has no arithmetic.
//!
//! `int2vector` and `oidvector` are [`Array`]s marked [`Array::vector`] (elements `smallint`
//! / `oid`, no NULLs, subscripts from 0), written as the elements separated by single
//! spaces (`int2vectorout`) and read back from any whitespace-separated list
//! (`int2vectorin`). Their binary format is the array format with lower bound 0.

use crate::array::Array;
use crate::error::{Error, Result, SqlState};
use crate::text::is_pg_space;
use crate::types::{DataType, ElementType};
use crate::value::Value;

/// `oidin`: an integer from -2147483648 to 4294967295; negative values wrap, as in PostgreSQL
/// (`'-1'::oid` is 4294967295).
pub fn parse_oid(text: &str) -> Result<u32> {
    let value = crate::text::parse_integer(text, -(1 << 31), i64::from(u32::MAX), "oid")?;
    Ok(if value < 0 {
        value as i32 as u32
    } else {
        value as u32
    })
}

/// The 22003 error of `bigint` → `oid` for values outside 0..=4294967295.
pub fn oid_out_of_range() -> Error {
    Error::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, "OID out of range")
}

/// `int2vectorin` / `oidvectorin`: whitespace-separated elements.
pub fn parse_vector(element: ElementType, text: &str) -> Result<Array> {
    let values = text
        .split(is_pg_space)
        .filter(|item| !item.is_empty())
        .map(|item| Value::parse_text(element.data_type(), item))
        .collect::<Result<Vec<Value>>>()?;
    Ok(Array::vector(element, values))
}

/// `int2vectorout` / `oidvectorout`: the elements separated by single spaces.
pub fn write_vector(array: &Array, out: &mut String) {
    for (index, value) in array.values.iter().enumerate() {
        if index > 0 {
            out.push(' ');
        }
        value.write_text(out);
    }
}

/// `int2vectorrecv` / `oidvectorrecv`: the array format, one dimension, lower bound 0, no
/// NULLs.
pub fn decode_vector_binary(element: ElementType, bytes: &[u8]) -> Result<Array> {
    let mut array = crate::array::decode_binary_with_lower_bound(element, bytes, 0)?;
    if array.values.iter().any(Value::is_null) {
        return Err(Error::new(
            SqlState::INVALID_BINARY_REPRESENTATION,
            "invalid int2vector data",
        ));
    }
    array.lower_bound = 0;
    array.vector = true;
    Ok(array)
}

/// Casts between `int2vector`/`oidvector` and arrays, as PostgreSQL's binary-coercible
/// relabelling: a vector becomes an array of its element type keeping lower bound 0; an
/// array becomes a vector if it has no NULLs.
pub(crate) fn relabel(array: &Array, to: DataType) -> Option<Result<Array>> {
    let element = to.array_element()?;
    if element != array.element {
        return None;
    }
    let mut relabelled = array.clone();
    match to {
        DataType::Int2Vector | DataType::OidVector => {
            if array.values.iter().any(Value::is_null) {
                return Some(Err(Error::new(
                    SqlState::NULL_VALUE_NOT_ALLOWED,
                    "array must not contain nulls",
                )));
            }
            relabelled.vector = true;
            relabelled.lower_bound = 0;
        }
        _ => relabelled.vector = false,
    }
    Some(Ok(relabelled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_input_wraps_negatives_like_oidin() {
        assert_eq!(parse_oid("4294967295").expect("max"), u32::MAX);
        assert_eq!(parse_oid("-1").expect("wraps"), u32::MAX);
        assert_eq!(parse_oid(" 12 ").expect("spaces"), 12);
        assert_eq!(parse_oid("-2147483648").expect("min"), 2_147_483_648);
        assert_eq!(
            parse_oid("4294967296").expect_err("too big").code(),
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE
        );
        assert_eq!(
            parse_oid("-2147483649").expect_err("too small").code(),
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE
        );
        for bad in ["", "abc", "12abc", "1.5"] {
            assert_eq!(
                parse_oid(bad).expect_err(bad).code(),
                SqlState::INVALID_TEXT_REPRESENTATION
            );
        }
    }

    #[test]
    fn vectors_read_and_write_space_separated() {
        let vector = parse_vector(ElementType::SmallInt, " 1  2 3 ").expect("valid");
        let mut out = String::new();
        write_vector(&vector, &mut out);
        assert_eq!(out, "1 2 3");
        assert_eq!(vector.data_type(), DataType::Int2Vector);
        assert_eq!(vector.get(0), Value::Int16(1));
        assert!(vector.get(3).is_null());
        let mut bytes = Vec::new();
        crate::array::encode_array_binary(&vector, &mut bytes);
        let back = decode_vector_binary(ElementType::SmallInt, &bytes).expect("round trip");
        assert_eq!(back.values.len(), 3);
        assert!(back.vector);
        assert!(parse_vector(ElementType::SmallInt, "1 x").is_err());
    }
}
