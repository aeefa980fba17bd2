//! The binary wire format: byte-exact against PostgreSQL's send functions, round trips, and
//! receive errors.

use db001_common::{DataType, Numeric, NumericTypmod, Value};
use proptest::prelude::*;

use super::support::{
    arbitrary_float, arbitrary_numeric, arbitrary_text, arbitrary_timestamp, identical,
};

fn hex(value: &Value) -> String {
    let mut out = Vec::new();
    value.encode_binary(&mut out);
    out.iter().map(|b| format!("{b:02x}")).collect()
}

fn bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

fn numeric(text: &str) -> Value {
    Value::Numeric(Numeric::parse(text).expect("valid"))
}

#[test]
fn send_formats_match_postgres() {
    // Expected bytes from PostgreSQL 15: numeric_send(...), float8send(...), etc.
    let cases = [
        (numeric("0"), "0000000000000000"),
        (numeric("0.00"), "0000000000000002"),
        (numeric("1"), "00010000000000000001"),
        (numeric("-1.5"), "000200004000000100011388"),
        (numeric("1234.5678"), "000200000000000404d2162e"),
        (numeric("12345678.9"), "000300010000000104d2162e2328"),
        (numeric("0.00001"), "0001fffe0000000503e8"),
        (numeric("100000000"), "00010002000000000001"),
        (numeric("1.10"), "0002000000000002000103e8"),
        (Value::Float64(1.5), "3ff8000000000000"),
        (Value::Timestamp(1_500_000), "000000000016e360"),
        (Value::Timestamp(i64::MAX), "7fffffffffffffff"),
        (Value::Bool(true), "01"),
        (Value::Int16(-2), "fffe"),
        (Value::Int32(1), "00000001"),
        (Value::Int64(-1), "ffffffffffffffff"),
        (Value::text("hé"), "68c3a9"),
    ];
    for (value, expected) in cases {
        assert_eq!(hex(&value), expected, "{value:?}");
        let decoded = Value::decode_binary(value.data_type(), &bytes(expected)).expect("decodes");
        assert!(identical(&decoded, &value), "{decoded:?} != {value:?}");
    }
    assert_eq!(hex(&Value::Null), "");
}

#[test]
fn encode_as_converts_to_the_column_type() {
    let mut out = Vec::new();
    Value::Int32(7)
        .encode_binary_as(DataType::BigInt, &mut out)
        .expect("widens");
    assert_eq!(out, 7i64.to_be_bytes());
    out.clear();
    Value::text("x")
        .encode_binary_as(DataType::Varchar(Some(3)), &mut out)
        .expect("text");
    assert_eq!(out, b"x");
}

fn error_of(ty: DataType, input: &str) -> (String, String) {
    let error = Value::decode_binary(ty, &bytes(input)).expect_err("malformed");
    (error.code().code().to_string(), error.message().to_string())
}

#[test]
fn receive_errors_match_postgres() {
    let insufficient = (
        "08P01".to_string(),
        "insufficient data left in message".to_string(),
    );
    let incorrect = (
        "22P03".to_string(),
        "incorrect binary data format".to_string(),
    );
    assert_eq!(error_of(DataType::Int, "0001"), insufficient);
    assert_eq!(error_of(DataType::Int, "0000000100"), incorrect);
    assert_eq!(error_of(DataType::Bool, ""), insufficient);
    assert_eq!(error_of(DataType::Double, "3ff8"), insufficient);
    assert_eq!(
        error_of(DataType::Numeric(None), "000100000000"),
        insufficient
    );
    assert_eq!(
        error_of(DataType::Numeric(None), "00020000000000000001"),
        insufficient,
        "two digits announced, one sent"
    );
    assert_eq!(
        error_of(DataType::Numeric(None), "0000000012340000"),
        (
            "22P03".into(),
            "invalid sign in external \"numeric\" value".into()
        )
    );
    assert_eq!(
        error_of(DataType::Numeric(None), "000000000000c000"),
        (
            "22P03".into(),
            "invalid scale in external \"numeric\" value".into()
        )
    );
    assert_eq!(
        error_of(DataType::Numeric(None), "00010000000000002710"),
        (
            "22P03".into(),
            "invalid digit in external \"numeric\" value".into()
        )
    );
    assert_eq!(
        error_of(DataType::Numeric(None), "00000000c0000000").0,
        "0A000"
    );
    assert_eq!(
        error_of(DataType::Numeric(None), "00010008000000000001").0,
        "22003"
    );
    assert_eq!(
        error_of(DataType::Text, "61c328"),
        (
            "22021".into(),
            "invalid byte sequence for encoding \"UTF8\": 0xc3 0x28".into()
        )
    );
    assert_eq!(
        error_of(DataType::Text, "6100"),
        (
            "22021".into(),
            "invalid byte sequence for encoding \"UTF8\": 0x00".into()
        )
    );
    assert_eq!(
        error_of(DataType::Timestamp, "7ffffffffffffffe"),
        ("22008".into(), "timestamp out of range".into())
    );
}

#[test]
fn numeric_receive_truncates_hidden_digits_and_applies_typmod() {
    // 1.5678 sent with dscale 2 reads as 1.56 (truncated, as numeric_recv).
    let value = Value::decode_binary(DataType::Numeric(None), &bytes("00020000000000020001162e"))
        .expect("valid");
    assert_eq!(value.to_text(), "1.56");
    let typmod = DataType::Numeric(Some(NumericTypmod {
        precision: 3,
        scale: 1,
    }));
    let value = Value::decode_binary(typmod, &bytes("000200000000000200011388")).expect("valid");
    assert_eq!(value.to_text(), "1.5");
    // Leading zero digits and a negative zero are normalized.
    let value = Value::decode_binary(DataType::Numeric(None), &bytes("000200014000000000000001"))
        .expect("leading zero digit");
    assert_eq!(value.to_text(), "-1");
    let value = Value::decode_binary(DataType::Numeric(None), &bytes("0000000040000001"))
        .expect("negative zero");
    assert_eq!(value.to_text(), "0.0");
}

fn round_trip(value: Value, ty: DataType) -> Result<(), TestCaseError> {
    let mut out = Vec::new();
    value.encode_binary(&mut out);
    let back = Value::decode_binary(ty, &out).expect("our own encoding decodes");
    prop_assert!(
        identical(&back, &value),
        "{:?} came back as {:?}",
        value,
        back
    );
    Ok(())
}

proptest! {
    #[test]
    fn every_type_round_trips(
        flag in any::<bool>(),
        small in any::<i16>(),
        int in any::<i32>(),
        big in any::<i64>(),
        float in arbitrary_float(),
        number in arbitrary_numeric(),
        text in arbitrary_text(),
        timestamp in arbitrary_timestamp(),
    ) {
        round_trip(Value::Bool(flag), DataType::Bool)?;
        round_trip(Value::Int16(small), DataType::SmallInt)?;
        round_trip(Value::Int32(int), DataType::Int)?;
        round_trip(Value::Int64(big), DataType::BigInt)?;
        round_trip(Value::Float64(float), DataType::Double)?;
        round_trip(Value::Numeric(number), DataType::Numeric(None))?;
        if !text.contains('\0') {
            round_trip(Value::from(text.clone()), DataType::Text)?;
            round_trip(Value::from(text), DataType::Varchar(Some(1)))?;
        }
        round_trip(Value::Timestamp(timestamp), DataType::Timestamp)?;
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(data in proptest::collection::vec(any::<u8>(), 0..40)) {
        for ty in [DataType::Bool, DataType::SmallInt, DataType::Int, DataType::BigInt, DataType::Double,
                   DataType::Numeric(None), DataType::Text, DataType::Timestamp] {
            let _ = Value::decode_binary(ty, &data);
        }
    }
}
