//! SQL comparison, the total sort order, `Eq`/`Hash`, and text output round trips.

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use db001_common::{DataType, Numeric, Value};
use proptest::prelude::*;

use super::support::{arbitrary_float, arbitrary_numeric, arbitrary_timestamp, arbitrary_value};

fn hash_of(value: &Value) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

fn n(text: &str) -> Value {
    Value::Numeric(Numeric::parse(text).expect("valid"))
}

#[test]
fn sql_comparison_follows_postgres_casts() {
    assert_eq!(
        Value::Null.sql_cmp(&Value::Int32(1)).expect("comparable"),
        None
    );
    assert_eq!(
        Value::Int16(5).sql_cmp(&Value::Int64(5)).expect("ok"),
        Some(Ordering::Equal)
    );
    assert_eq!(
        Value::Int32(2).sql_cmp(&n("1.99")).expect("ok"),
        Some(Ordering::Greater)
    );
    // int8 = float8 compares in float8, as PostgreSQL's implicit cast does...
    let big = Value::Int64((1 << 53) + 1);
    let float = Value::Float64(9007199254740992.0);
    assert_eq!(big.sql_cmp(&float).expect("ok"), Some(Ordering::Equal));
    // ...while the sort order stays exact (and so transitive).
    assert_eq!(big.sort_cmp(&float), Ordering::Greater);
    assert_eq!(
        Value::Float64(f64::NAN)
            .sql_cmp(&Value::Float64(f64::NAN))
            .expect("ok"),
        Some(Ordering::Equal)
    );
    assert_eq!(
        Value::text("B").sql_cmp(&Value::text("a")).expect("ok"),
        Some(Ordering::Less)
    );
    let error = Value::Int32(1)
        .sql_cmp(&Value::text("1"))
        .expect_err("no operator");
    assert_eq!(error.code().code(), "42883");
    assert_eq!(error.message(), "operator does not exist: integer = text");
}

#[test]
fn sort_order_specials() {
    assert_eq!(
        Value::Null.sort_cmp(&Value::Int32(i32::MAX)),
        Ordering::Greater
    );
    assert_eq!(Value::Null.sort_cmp(&Value::Null), Ordering::Equal);
    assert_eq!(
        Value::Float64(f64::NAN).sort_cmp(&Value::Float64(f64::INFINITY)),
        Ordering::Greater
    );
    assert_eq!(
        Value::Float64(f64::NAN).sort_cmp(&n("79228162514264337593543950335")),
        Ordering::Greater
    );
    assert_eq!(
        Value::Float64(-0.0).sort_cmp(&Value::Float64(0.0)),
        Ordering::Equal
    );
    assert_eq!(
        n("0.1").sort_cmp(&Value::Float64(0.1)),
        Ordering::Less,
        "0.1 < 0.1000000000000000055..."
    );
    assert_eq!(n("0.5").sort_cmp(&Value::Float64(0.5)), Ordering::Equal);
    assert_eq!(Value::Bool(true).sort_cmp(&Value::Int16(0)), Ordering::Less);
}

#[test]
fn equal_numbers_hash_equally_across_types() {
    let groups = [
        vec![
            Value::Int16(5),
            Value::Int32(5),
            Value::Int64(5),
            n("5"),
            n("5.000"),
            Value::Float64(5.0),
        ],
        vec![n("0.5"), n("0.50"), Value::Float64(0.5)],
        vec![
            Value::Float64(0.0),
            Value::Float64(-0.0),
            Value::Int32(0),
            n("0.00"),
        ],
        vec![n("100000000000000000000"), Value::Float64(1e20)],
        vec![Value::Float64(f64::NAN), Value::Float64(-f64::NAN)],
        vec![n("0.1"), n("0.100")],
    ];
    for group in &groups {
        for a in group {
            for b in group {
                assert_eq!(a, b);
                assert_eq!(hash_of(a), hash_of(b), "{a:?} and {b:?}");
            }
        }
    }
    assert_ne!(n("0.1"), Value::Float64(0.1));
    assert_ne!(Value::text("5"), Value::Int32(5));
}

#[test]
fn float_output_is_postgres_layout() {
    let cases = [
        (1e15, "1e+15"),
        (1e14, "100000000000000"),
        (123456789012345.0, "123456789012345"),
        (1234567890123456.0, "1.234567890123456e+15"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1.5e-5, "1.5e-05"),
        (0.0001, "0.0001"),
        (-0.0, "-0"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
        (1e100, "1e+100"),
        (5e-324, "5e-324"),
        (-1.7976931348623157e308, "-1.7976931348623157e+308"),
    ];
    for (value, expected) in cases {
        assert_eq!(Value::Float64(value).to_text(), expected);
    }
}

#[test]
fn timestamp_output() {
    let parse = |s: &str| Value::parse_text(DataType::Timestamp, s).expect("valid");
    assert_eq!(
        parse("2024-01-02 03:04:05.120").to_text(),
        "2024-01-02 03:04:05.12"
    );
    assert_eq!(parse("2000-01-01").to_text(), "2000-01-01 00:00:00");
    assert_eq!(
        parse("0044-03-15 12:00 BC").to_text(),
        "0044-03-15 12:00:00 BC"
    );
    assert_eq!(parse("infinity").to_text(), "infinity");
    assert_eq!(Value::Timestamp(0), parse("2000-01-01 00:00:00"));
    assert_eq!(Value::Timestamp(1), parse("2000-01-01 00:00:00.000001"));
    assert_eq!(Value::Timestamp(-1).to_text(), "1999-12-31 23:59:59.999999");
    // `now` reads the clock: some time after this test was written.
    let now = parse("now");
    assert!(now > parse("2024-01-01"), "{now}");
    let error = Value::parse_text(DataType::Timestamp, "2024-01-02 10:00 Europe/Paris")
        .expect_err("no time zone database");
    assert_eq!(error.code().code(), "0A000");
    let error = Value::parse_text(DataType::Timestamp, "2024-02-30").expect_err("no such day");
    assert_eq!(
        error.message(),
        "date/time field value out of range: \"2024-02-30\""
    );
}

#[test]
fn varchar_input_and_casts() {
    let ty = DataType::Varchar(Some(3));
    assert_eq!(
        Value::parse_text(ty, "ab   ")
            .expect("spaces trimmed")
            .to_text(),
        "ab "
    );
    let error = Value::parse_text(ty, "abcd").expect_err("too long");
    assert_eq!(error.code().code(), "22001");
    assert_eq!(
        error.message(),
        "value too long for type character varying(3)"
    );
    let text = Value::text("héllo");
    assert_eq!(
        text.cast(ty, db001_common::CastKind::Explicit)
            .expect("truncates")
            .to_text(),
        "hél"
    );
    assert!(text.cast(ty, db001_common::CastKind::Assignment).is_err());
    assert_eq!(
        Value::Bool(true)
            .cast(DataType::Text, db001_common::CastKind::Assignment)
            .expect("ok")
            .to_text(),
        "true"
    );
    assert_eq!(Value::Bool(true).to_text(), "t");
}

proptest! {
    #[test]
    fn equality_and_hash_agree(a in arbitrary_value(), b in arbitrary_value()) {
        prop_assert_eq!(a == b, a.sort_cmp(&b) == Ordering::Equal);
        if a == b {
            prop_assert_eq!(hash_of(&a), hash_of(&b), "{:?} == {:?}", a, b);
        }
        prop_assert_eq!(a.sort_cmp(&b), b.sort_cmp(&a).reverse());
    }

    #[test]
    fn numbers_hash_by_value(mantissa in -1_000_000i64..1_000_000, scale in 0u32..6) {
        let numeric = Numeric::from_parts(i128::from(mantissa), scale).expect("small");
        let float = numeric.to_f64();
        let as_float = Value::Float64(float);
        let as_numeric = Value::Numeric(numeric);
        prop_assert_eq!(as_float == as_numeric, numeric.exact_f64().is_some());
        if as_float == as_numeric {
            prop_assert_eq!(hash_of(&as_float), hash_of(&as_numeric));
        }
        if let Some(integer) = numeric.to_exact_i64() {
            prop_assert_eq!(hash_of(&Value::Int64(integer)), hash_of(&as_numeric));
        }
    }

    #[test]
    fn sort_order_is_transitive(a in arbitrary_value(), b in arbitrary_value(), c in arbitrary_value()) {
        let mut values = [a, b, c];
        values.sort_by(Value::sort_cmp);
        prop_assert!(values[0].sort_cmp(&values[1]) != Ordering::Greater);
        prop_assert!(values[1].sort_cmp(&values[2]) != Ordering::Greater);
        prop_assert!(values[0].sort_cmp(&values[2]) != Ordering::Greater);
    }

    #[test]
    fn float_text_round_trips(value in arbitrary_float()) {
        let text = Value::Float64(value).to_text();
        let back = Value::parse_text(DataType::Double, &text).expect("our output parses");
        match back {
            Value::Float64(parsed) if value.is_nan() => prop_assert!(parsed.is_nan()),
            Value::Float64(parsed) => prop_assert_eq!(parsed.to_bits(), value.to_bits(), "{}", text),
            other => prop_assert!(false, "parsed as {:?}", other),
        }
    }

    #[test]
    fn numeric_text_round_trips(value in arbitrary_numeric()) {
        let text = Value::Numeric(value).to_text();
        let back = Value::parse_text(DataType::Numeric(None), &text).expect("our output parses");
        prop_assert_eq!(back.to_text(), text);
    }

    #[test]
    fn timestamp_text_round_trips(value in arbitrary_timestamp()) {
        let text = Value::Timestamp(value).to_text();
        let back = Value::parse_text(DataType::Timestamp, &text).expect("our output parses");
        prop_assert_eq!(back, Value::Timestamp(value), "{}", text);
    }
}
