//! Properties of the types added for the PostgreSQL dialect (issue 4): `real`, `char(n)`,
//! `bytea`, `date`, `time`, `timestamptz`, `interval`, `uuid`, `json`, `jsonb` and arrays.
//! Every value must survive its binary and text formats, and its index key must order and
//! decode as the value does.

use std::cmp::Ordering;

use db001_common::key_codec::{decode_key, key_of};
use db001_common::{DataType, Value};
use proptest::prelude::*;

use super::support::{arbitrary_new_value, identical};

/// Identity, with every NaN equal to every other (their payloads are not preserved).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float32(x), Value::Float32(y)) if x.is_nan() && y.is_nan() => true,
        _ => identical(a, b),
    }
}

/// The type a value is read back as; `char` without a length keeps its spaces.
fn type_of(value: &Value) -> DataType {
    value.data_type()
}

proptest! {
    #[test]
    fn binary_format_round_trips(value in arbitrary_new_value()) {
        let mut bytes = Vec::new();
        value.encode_binary(&mut bytes);
        let back = Value::decode_binary(type_of(&value), &bytes).expect("our own encoding decodes");
        prop_assert!(same(&back, &value), "{:?} came back as {:?}", value, back);
    }

    #[test]
    fn text_format_round_trips(value in arbitrary_new_value()) {
        // PostgreSQL cannot read back the most negative interval time either.
        if let Value::Interval(span) = &value {
            prop_assume!(span.micros != i64::MIN);
        }
        let text = value.to_text();
        let back = Value::parse_text(type_of(&value), &text)
            .unwrap_or_else(|error| panic!("{value:?} printed as {text:?} does not read back: {error:?}"));
        prop_assert!(same(&back, &value), "{:?} printed as {:?} came back as {:?}", value, text, back);
    }

    #[test]
    fn keys_order_like_values(a in arbitrary_new_value(), b in arbitrary_new_value()) {
        let ordering = key_of(std::slice::from_ref(&a)).cmp(&key_of(std::slice::from_ref(&b)));
        prop_assert_eq!(ordering, a.sort_cmp(&b), "{:?} vs {:?}", a, b);
        prop_assert_eq!(ordering == Ordering::Equal, a == b);
    }

    #[test]
    fn keys_decode_to_equal_values(value in arbitrary_new_value()) {
        // Spans beyond 2^31 months of 30 days cannot be decoded (documented in key_codec).
        if let Value::Interval(span) = &value {
            prop_assume!(span.months.unsigned_abs() < 1 << 30);
        }
        let key = key_of(std::slice::from_ref(&value));
        let back = decode_key(&key, &[type_of(&value)]).expect("our own key decodes");
        prop_assert_eq!(back[0].sort_cmp(&value), Ordering::Equal, "{:?} came back as {:?}", value, back);
    }

    #[test]
    fn new_types_decode_arbitrary_bytes_without_panicking(data in proptest::collection::vec(any::<u8>(), 0..40)) {
        for ty in [
            DataType::Real, DataType::Bpchar(Some(3)), DataType::Bytea, DataType::Date, DataType::Time,
            DataType::TimestampTz, DataType::Interval, DataType::Uuid, DataType::Json, DataType::Jsonb,
            DataType::Array(db001_common::ElementType::Int), DataType::Array(db001_common::ElementType::Text),
        ] {
            let _ = Value::decode_binary(ty, &data);
            let _ = decode_key(&data, &[ty]);
            if let Ok(text) = std::str::from_utf8(&data) {
                let _ = Value::parse_text(ty, text);
            }
        }
    }
}

#[test]
fn equal_spans_and_padded_strings_share_keys() {
    use db001_common::Interval;
    let month = Value::Interval(Interval::new(1, 0, 0));
    let thirty_days = Value::Interval(Interval::new(0, 30, 0));
    assert_eq!(month, thirty_days);
    assert_eq!(key_of(&[month]), key_of(&[thirty_days]));
    let padded = Value::Bpchar("ab  ".into());
    let short = Value::Bpchar("ab".into());
    assert_eq!(padded, short);
    assert_eq!(key_of(&[padded]), key_of(&[short]));
    let back = decode_key(
        &key_of(&[Value::Bpchar("ab".into())]),
        &[DataType::Bpchar(Some(4))],
    )
    .expect("decodes");
    assert_eq!(back[0].as_str(), Some("ab  "), "re-padded from the typmod");
}
