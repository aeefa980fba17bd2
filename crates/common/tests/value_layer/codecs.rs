//! The stored-row layout and the order-preserving index-key layout.

use std::cmp::Ordering;

use db001_common::key_codec::{decode_key, encode_key, key_of};
use db001_common::row_codec::{
    column_count, decode_column, decode_row, decode_row_padded, encode_row,
};
use db001_common::{DataType, Numeric, Value};
use proptest::prelude::*;

use super::support::{arbitrary_numeric, arbitrary_value, identical};

fn encoded(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_row(values, &mut out);
    out
}

#[test]
fn rows_are_compact() {
    // version + count + (tag + one varint byte) per small integer.
    assert_eq!(encoded(&[Value::Int32(5)]).len(), 4);
    assert_eq!(
        encoded(&[Value::Int64(-3), Value::Null, Value::Bool(true)]).len(),
        6
    );
    assert_eq!(encoded(&[Value::text("hello")]).len(), 2 + 1 + 1 + 5);
    assert_eq!(
        encoded(&[Value::Numeric(Numeric::parse("12.34").expect("valid"))]).len(),
        2 + 1 + 1 + 2
    );
    assert_eq!(encoded(&[]).len(), 2);
}

#[test]
fn rows_written_before_add_column_read_nulls() {
    let old = encoded(&[Value::Int32(1), Value::text("a")]);
    assert_eq!(column_count(&old).expect("valid"), 2);
    let row = decode_row_padded(&old, 4).expect("valid");
    assert_eq!(
        row,
        vec![Value::Int32(1), Value::text("a"), Value::Null, Value::Null]
    );
    assert!(row[2].is_null() && row[3].is_null());
    assert!(decode_column(&old, 3).expect("valid").is_null());
    assert_eq!(decode_column(&old, 1).expect("valid"), Value::text("a"));
}

#[test]
fn corrupt_rows_are_xx001() {
    let good = encoded(&[Value::text("abc"), Value::Int64(1 << 40)]);
    for cut in 0..good.len() {
        let error = decode_row(&good[..cut]).expect_err("truncated");
        assert_eq!(error.code().code(), "XX001", "cut at {cut}");
    }
    let mut bad_version = good.clone();
    bad_version[0] = 9;
    assert_eq!(
        decode_row(&bad_version).expect_err("version").code().code(),
        "XX001"
    );
    let mut trailing = good.clone();
    trailing.push(0);
    assert_eq!(
        decode_row(&trailing).expect_err("trailing").code().code(),
        "XX001"
    );
    let bad_utf8 = [1, 1, 8, 1, 0xff];
    assert_eq!(
        decode_row(&bad_utf8).expect_err("utf8").code().code(),
        "XX001"
    );
    let bad_numeric = [1, 1, 7, 29, 1];
    assert_eq!(
        decode_row(&bad_numeric)
            .expect_err("scale 29")
            .code()
            .code(),
        "XX001"
    );
    let long_varint = [
        1, 1, 4, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    ];
    assert_eq!(
        decode_row(&long_varint).expect_err("varint").code().code(),
        "XX001"
    );
}

#[test]
fn keys_unify_integer_widths_and_order_text() {
    assert_eq!(key_of(&[Value::Int32(5)]), key_of(&[Value::Int64(5)]));
    assert_eq!(key_of(&[Value::Int16(-7)]), key_of(&[Value::Int64(-7)]));
    assert_eq!(
        key_of(&[Value::Float64(-0.0)]),
        key_of(&[Value::Float64(0.0)])
    );
    assert_eq!(
        key_of(&[Value::Numeric(Numeric::parse("5.00").expect("valid"))]),
        key_of(&[Value::Int32(5)])
    );
    let a = key_of(&[Value::text("a")]);
    let a_nul = key_of(&[Value::text("a\0")]);
    let ab = key_of(&[Value::text("ab")]);
    assert!(a < a_nul && a_nul < ab);
    assert!(key_of(&[Value::Float64(f64::INFINITY)]) < key_of(&[Value::Float64(f64::NAN)]));
    assert!(key_of(&[Value::Int64(i64::MAX)]) < key_of(&[Value::Null]));
    assert!(key_of(&[Value::Int64(1), Value::Null]) < key_of(&[Value::Int64(2)]));
    // Beyond 2^53 integers still order exactly.
    assert!(key_of(&[Value::Int64((1 << 53) + 1)]) > key_of(&[Value::Float64(9007199254740992.0)]));
    assert!(key_of(&[Value::Int64((1 << 53) + 1)]) < key_of(&[Value::Int64((1 << 53) + 2)]));
}

#[test]
fn keys_decode_with_their_types() {
    let values = [
        Value::Int16(-3),
        Value::Int64(i64::MIN),
        Value::Numeric(Numeric::parse("-0.1").expect("valid")),
        Value::Numeric(Numeric::parse("79228162514264337593543950335").expect("valid")),
        Value::Float64(1e300),
        Value::text("x\0y"),
        Value::Timestamp(-5),
        Value::Bool(true),
        Value::Null,
    ];
    let types = [
        DataType::SmallInt,
        DataType::BigInt,
        DataType::Numeric(None),
        DataType::Numeric(None),
        DataType::Double,
        DataType::Varchar(Some(5)),
        DataType::Timestamp,
        DataType::Bool,
        DataType::Int,
    ];
    let decoded = decode_key(&key_of(&values), &types).expect("valid");
    for (value, back) in values.iter().zip(&decoded) {
        assert!(identical(value, back), "{value:?} decoded as {back:?}");
    }
    // A numeric decodes with its minimal scale (documented).
    let five = decode_key(
        &key_of(&[Value::Numeric(Numeric::parse("5.00").expect("valid"))]),
        &[DataType::Numeric(None)],
    )
    .expect("valid");
    assert_eq!(five[0].to_text(), "5");
    let error = decode_key(&key_of(&[Value::text("a")]), &[DataType::Int]).expect_err("wrong type");
    assert_eq!(error.code().code(), "XX002");
    let error = decode_key(&key_of(&[Value::Int64(1 << 40)]), &[DataType::Int]).expect_err("range");
    assert_eq!(error.code().code(), "XX002");
}

fn tuple() -> impl Strategy<Value = Vec<Value>> {
    proptest::collection::vec(arbitrary_value(), 0..4)
}

fn same_number_family() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::Int64),
        (-50i32..50).prop_map(Value::Int32),
        super::support::arbitrary_float().prop_map(Value::Float64),
        arbitrary_numeric().prop_map(Value::Numeric),
        (-50i64..50, 0u32..3).prop_map(|(m, s)| Value::Numeric(
            Numeric::from_parts(i128::from(m), s).expect("small")
        )),
        (-50i64..50).prop_map(|v| Value::Float64(v as f64 / 4.0)),
    ]
}

proptest! {
    #[test]
    fn row_round_trip(values in tuple(), extra in 0usize..3) {
        let bytes = encoded(&values);
        let row = decode_row(&bytes).expect("our encoding decodes");
        prop_assert_eq!(row.len(), values.len());
        for (index, (value, back)) in values.iter().zip(&row).enumerate() {
            prop_assert!(identical(value, back), "{:?} came back as {:?}", value, back);
            let single = decode_column(&bytes, index).expect("column decodes");
            prop_assert!(identical(value, &single));
        }
        let padded = decode_row_padded(&bytes, values.len() + extra).expect("decodes");
        prop_assert_eq!(padded.len(), values.len() + extra);
        prop_assert!(padded[values.len()..].iter().all(Value::is_null));
    }

    #[test]
    fn row_decoding_never_panics(data in proptest::collection::vec(any::<u8>(), 0..48)) {
        let _ = decode_row(&data);
        let _ = decode_column(&data, 2);
    }

    #[test]
    fn key_order_matches_sort_order(a in tuple(), b in tuple()) {
        let ordering = key_of(&a).cmp(&key_of(&b));
        prop_assert_eq!(ordering, Value::sort_cmp_rows(&a, &b), "{:?} vs {:?}", a, b);
    }

    #[test]
    fn key_order_matches_for_mixed_numbers(a in same_number_family(), b in same_number_family()) {
        let ordering = key_of(std::slice::from_ref(&a)).cmp(&key_of(std::slice::from_ref(&b)));
        prop_assert_eq!(ordering, a.sort_cmp(&b), "{:?} vs {:?}", a, b);
        prop_assert_eq!(ordering == Ordering::Equal, a == b);
    }

    #[test]
    fn key_order_holds_next_to_floats(number in arbitrary_numeric(), integer in any::<i64>(), float in super::support::arbitrary_float()) {
        // Numbers and the floats right around them: where the floor and residual logic bites.
        let nearest = number.to_f64();
        let integer_nearest = integer as f64;
        let float_as_numeric = Numeric::from_f64(float).ok().map(Value::Numeric);
        let mut pairs = vec![
            (Value::Numeric(number), Value::Float64(nearest)),
            (Value::Numeric(number), Value::Float64(nearest.next_up())),
            (Value::Numeric(number), Value::Float64(nearest.next_down())),
            (Value::Int64(integer), Value::Float64(integer_nearest)),
            (Value::Int64(integer), Value::Float64(integer_nearest.next_up())),
            (Value::Int64(integer), Value::Float64(integer_nearest.next_down())),
            (Value::Int64(integer), Value::Numeric(Numeric::from_i64(integer))),
            (Value::Int64(integer), Value::Int64(integer.saturating_add(1))),
        ];
        if let Some(value) = float_as_numeric {
            pairs.push((value, Value::Float64(float)));
        }
        for (a, b) in pairs {
            let ordering = key_of(std::slice::from_ref(&a)).cmp(&key_of(std::slice::from_ref(&b)));
            prop_assert_eq!(ordering, a.sort_cmp(&b), "{:?} vs {:?}", a, b);
            let with_suffix = key_of(&[a.clone(), Value::text("z")]).cmp(&key_of(&[b.clone(), Value::Null]));
            prop_assert_eq!(with_suffix, Value::sort_cmp_rows(&[a.clone(), Value::text("z")], &[b.clone(), Value::Null]));
        }
    }

    #[test]
    fn key_prefix_property(a in tuple(), b in tuple()) {
        let prefix = key_of(&a);
        let mut whole = prefix.clone();
        encode_key(&b, &mut whole);
        prop_assert!(whole.starts_with(&prefix));
        let mut joined = a.clone();
        joined.extend(b.iter().cloned());
        prop_assert_eq!(whole, key_of(&joined));
    }

    #[test]
    fn key_decoding_never_panics(data in proptest::collection::vec(any::<u8>(), 0..40)) {
        for ty in [DataType::Bool, DataType::Int, DataType::Double, DataType::Numeric(None), DataType::Text, DataType::Timestamp] {
            let _ = decode_key(&data, &[ty, ty]);
        }
    }
}
