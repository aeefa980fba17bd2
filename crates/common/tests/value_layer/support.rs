//! Helpers shared by the value-layer tests.

use db001_common::{DataType, ElementType, NumericTypmod};

/// Parses a PostgreSQL type name as the case tables spell it (`int4`, `numeric(5,2)`,
/// `int4[]`, ...).
pub fn data_type(name: &str) -> DataType {
    if let Some(element) = name.strip_suffix("[]") {
        let element = ElementType::of(data_type(element)).expect("an array element type");
        return DataType::Array(element);
    }
    let (base, modifier) = match name.split_once('(') {
        Some((base, rest)) => (base, Some(rest.trim_end_matches(')'))),
        None => (name, None),
    };
    match (base, modifier) {
        ("bool", None) => DataType::Bool,
        ("int2", None) => DataType::SmallInt,
        ("int4", None) => DataType::Int,
        ("int8", None) => DataType::BigInt,
        ("float8", None) => DataType::Double,
        ("float4", None) => DataType::Real,
        ("bpchar", None) => DataType::Bpchar(None),
        ("bpchar", Some(limit)) => DataType::Bpchar(Some(limit.parse().expect("length"))),
        ("bytea", None) => DataType::Bytea,
        ("date", None) => DataType::Date,
        ("time", None) => DataType::Time,
        ("timestamptz", None) => DataType::TimestampTz,
        ("interval", None) => DataType::Interval,
        ("uuid", None) => DataType::Uuid,
        ("json", None) => DataType::Json,
        ("jsonb", None) => DataType::Jsonb,
        ("numeric", None) => DataType::Numeric(None),
        ("numeric", Some(modifier)) => {
            let (precision, scale) = modifier.split_once(',').expect("numeric(p,s)");
            DataType::Numeric(Some(NumericTypmod {
                precision: precision.trim().parse().expect("precision"),
                scale: scale.trim().parse().expect("scale"),
            }))
        }
        ("text", None) => DataType::Text,
        ("varchar", None) => DataType::Varchar(None),
        ("varchar", Some(limit)) => DataType::Varchar(Some(limit.parse().expect("length"))),
        ("timestamp", None) => DataType::Timestamp,
        _ => panic!("unknown type name in a case table: {name}"),
    }
}

/// A result as the case tables spell it: the text output, or `ERROR <SQLSTATE>`.
pub fn outcome(result: db001_common::Result<db001_common::Value>) -> String {
    match result {
        Ok(value) => value.to_text(),
        Err(error) => format!("ERROR {}", error.code()),
    }
}

use db001_common::{Numeric, Value};
use proptest::prelude::*;

/// Floats including the special ones: NaN, ±0, ±infinity, subnormals, integers.
pub fn arbitrary_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(0.0),
        Just(-0.0),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(5e-324),
        (-1_000_000i64..1_000_000).prop_map(|v| v as f64),
        (-1000.0f64..1000.0),
    ]
}

/// Numerics over the whole range: any 96-bit mantissa, any scale 0..=28, and small ones.
pub fn arbitrary_numeric() -> impl Strategy<Value = Numeric> {
    prop_oneof![
        (any::<u128>(), any::<bool>(), 0u32..=28).prop_map(|(bits, negative, scale)| {
            let magnitude = (bits & ((1u128 << 96) - 1)) as i128;
            Numeric::from_parts(if negative { -magnitude } else { magnitude }, scale)
                .expect("within 96 bits and 28 places")
        }),
        (-100_000i64..100_000, 0u32..=4).prop_map(|(mantissa, scale)| {
            Numeric::from_parts(i128::from(mantissa), scale).expect("small")
        }),
    ]
}

/// Timestamps across PostgreSQL's range, plus ±infinity.
pub fn arbitrary_timestamp() -> impl Strategy<Value = i64> {
    prop_oneof![
        db001_common::datetime::TIMESTAMP_MIN..db001_common::datetime::TIMESTAMP_END,
        -10_000_000_000_000_000i64..10_000_000_000_000_000,
        Just(i64::MAX),
        Just(i64::MIN),
    ]
}

/// Strings with NUL bytes, multi-byte characters and shared prefixes.
pub fn arbitrary_text() -> impl Strategy<Value = String> {
    prop_oneof!["[ab\\x00\\xff]{0,4}", ".{0,12}", "[a-c]{0,3}",]
}

/// Dates across PostgreSQL's range, plus ±infinity.
pub fn arbitrary_date() -> impl Strategy<Value = i32> {
    prop_oneof![
        db001_common::datetime::date::DATE_MIN..db001_common::datetime::date::DATE_END,
        -100_000i32..100_000,
        Just(i32::MAX),
        Just(i32::MIN),
    ]
}

/// Intervals with any mix of signs, including equal spans spelled differently.
pub fn arbitrary_interval() -> impl Strategy<Value = db001_common::Interval> {
    prop_oneof![
        (any::<i32>(), any::<i32>(), any::<i64>())
            .prop_map(|(m, d, t)| db001_common::Interval::new(m, d, t)),
        (-3i32..3, -40i32..40, -3i64..3).prop_map(|(m, d, t)| db001_common::Interval::new(
            m,
            d,
            t * 86_400_000_000
        )),
    ]
}

/// Small JSON documents of every kind, as text.
pub fn arbitrary_json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        (-1000i64..1000, 0u32..3).prop_map(|(m, s)| {
            let scale = 10f64.powi(s as i32);
            format!("{}", m as f64 / scale)
        }),
        "[a-c]{0,3}".prop_map(|s| format!("\"{s}\"")),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(","))),
            proptest::collection::vec(("[a-c]{0,2}", inner), 0..4).prop_map(|pairs| {
                let members: Vec<String> = pairs
                    .into_iter()
                    .map(|(k, v)| format!("\"{k}\":{v}"))
                    .collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

/// Values of the types added with issue 4 (each variant once it is picked).
pub fn arbitrary_new_value() -> impl Strategy<Value = Value> {
    use std::sync::Arc;
    prop_oneof![
        any::<f32>().prop_map(Value::Float32),
        "[ab ]{0,4}".prop_map(|s| Value::Bpchar(Arc::from(s))),
        proptest::collection::vec(any::<u8>(), 0..6).prop_map(|b| Value::Bytea(Arc::from(b))),
        arbitrary_date().prop_map(Value::Date),
        (0i64..=86_400_000_000).prop_map(Value::Time),
        arbitrary_timestamp().prop_map(Value::TimestampTz),
        arbitrary_interval().prop_map(Value::Interval),
        any::<[u8; 16]>().prop_map(Value::Uuid),
        arbitrary_json_text().prop_map(|t| Value::Json(Arc::from(t))),
        arbitrary_json_text().prop_map(|t| Value::Jsonb(Arc::new(
            db001_common::json::Jsonb::parse(&t).expect("generated JSON is valid")
        ))),
        proptest::collection::vec(
            prop_oneof![Just(Value::Null), (-5i32..5).prop_map(Value::Int32)],
            0..4
        )
        .prop_map(|values| db001_common::array::Array::new(
            db001_common::ElementType::Int,
            values
        )
        .into_value()),
        proptest::collection::vec(
            prop_oneof![Just(Value::Null), "[ab]{0,2}".prop_map(Value::from)],
            0..4
        )
        .prop_map(|values| db001_common::array::Array::new(
            db001_common::ElementType::Text,
            values
        )
        .into_value()),
    ]
}

/// Any value of any variant.
pub fn arbitrary_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        arbitrary_new_value(),
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i16>().prop_map(Value::Int16),
        any::<i32>().prop_map(Value::Int32),
        any::<i64>().prop_map(Value::Int64),
        (-3i64..3).prop_map(Value::Int64),
        arbitrary_float().prop_map(Value::Float64),
        arbitrary_numeric().prop_map(Value::Numeric),
        arbitrary_text().prop_map(Value::from),
        arbitrary_timestamp().prop_map(Value::Timestamp),
    ]
}

/// Whether two values are identical: same variant, same bits, same scale.
pub fn identical(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float64(x), Value::Float64(y)) => x.to_bits() == y.to_bits(),
        (Value::Float32(x), Value::Float32(y)) => x.to_bits() == y.to_bits(),
        (Value::Bpchar(x), Value::Bpchar(y)) => x == y,
        (Value::Interval(x), Value::Interval(y)) => x == y,
        (Value::Jsonb(x), Value::Jsonb(y)) => x.to_text() == y.to_text(),
        (Value::Json(x), Value::Json(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.element == y.element
                && x.values.len() == y.values.len()
                && x.values.iter().zip(&y.values).all(|(p, q)| identical(p, q))
        }
        (Value::Numeric(x), Value::Numeric(y)) => {
            x.mantissa() == y.mantissa() && x.scale() == y.scale()
        }
        _ => std::mem::discriminant(a) == std::mem::discriminant(b) && a == b,
    }
}
