//! Every db001 type over the wire, both ways and in both formats.
//!
//! tokio-postgres's `query`/`execute` send typed parameters and ask for results in the binary
//! format; `simple_query` gets text. So each value is checked four ways: sent binary and read
//! back binary and as text, and sent as a text literal and read back binary. The binary
//! decoders are independent of db001's code: tokio-postgres's own for integers, floats,
//! booleans and strings, chrono (tokio-postgres's `with-chrono-0_4`) for `timestamp`,
//! rust_decimal (`db-tokio-postgres`) for `numeric`, plus raw byte checks where those cannot
//! reach (timestamp infinity and the end of the range, numeric's exact digit groups).
//!
//! The expected text forms, types and error codes are PostgreSQL 15's: every check also runs
//! against a real PostgreSQL (`expectations_are_postgresql_s`, see [`checks!`]).
//!
//! Describe is checked along the way: the parameter types the server infers for the insert
//! and the column type in RowDescription for the select, per type, plus a few expressions.

#[macro_use]
mod type_support;

use std::error::Error;
use std::str::FromStr;

use bytes::BytesMut;
use chrono::{NaiveDate, NaiveDateTime};
use db001_tests::error_text;
use rust_decimal::Decimal;
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use type_support::{RawBytes, equal, round_trip, text_rows};

/// A `timestamp` as PostgreSQL's binary form: microseconds since 2000-01-01 (`i64::MAX` is
/// `infinity`), for values chrono cannot hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RawTimestamp(i64);

impl ToSql for RawTimestamp {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        out.extend_from_slice(&self.0.to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(data_type: &Type) -> bool {
        *data_type == Type::TIMESTAMP
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for RawTimestamp {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<RawTimestamp, Box<dyn Error + Sync + Send>> {
        let bytes: [u8; 8] = raw.try_into().map_err(|_| "timestamp is not 8 bytes")?;
        Ok(RawTimestamp(i64::from_be_bytes(bytes)))
    }

    fn accepts(data_type: &Type) -> bool {
        *data_type == Type::TIMESTAMP
    }
}

checks!(
    integers_round_trip_at_their_limits,
    double_precision_round_trips_special_values_bit_for_bit,
    numeric_round_trips_scale_sign_and_28_digits,
    numeric_binary_digits_are_postgresql_s,
    boolean_round_trips_and_accepts_postgresql_spellings,
    text_round_trips_unicode_empty_and_quotes,
    varchar_round_trips_and_rejects_overlong_values_with_22001,
    explicit_cast_to_varchar_truncates,
    timestamp_round_trips_fractions_and_far_dates,
    nulls_of_every_type_round_trip,
    describe_infers_parameter_and_column_types,
);

async fn integers_round_trip_at_their_limits(client: &Client) {
    round_trip(
        client,
        "smallint",
        Type::INT2,
        &[
            (i16::MIN, "-32768"),
            (i16::MAX, "32767"),
            (0, "0"),
            (-1, "-1"),
        ],
        equal,
    )
    .await;
    round_trip(
        client,
        "integer",
        Type::INT4,
        &[
            (i32::MIN, "-2147483648"),
            (i32::MAX, "2147483647"),
            (0, "0"),
            (42, "42"),
        ],
        equal,
    )
    .await;
    round_trip(
        client,
        "bigint",
        Type::INT8,
        &[
            (i64::MIN, "-9223372036854775808"),
            (i64::MAX, "9223372036854775807"),
            (0, "0"),
            (-7, "-7"),
        ],
        equal,
    )
    .await;

    // One past each limit is 22003, as a literal and through arithmetic.
    client
        .batch_execute("CREATE TABLE limits (s smallint, i int, b bigint)")
        .await
        .expect("create");
    for (sql, message) in [
        (
            "INSERT INTO limits (s) VALUES (32768)",
            "smallint out of range",
        ),
        (
            "INSERT INTO limits (i) VALUES (2147483648)",
            "integer out of range",
        ),
        (
            "INSERT INTO limits (b) VALUES (9223372036854775808)",
            "bigint out of range",
        ),
        (
            "SELECT 9223372036854775807::bigint + 1",
            "bigint out of range",
        ),
    ] {
        let error = client.simple_query(sql).await.expect_err(sql);
        assert_eq!(
            error.code(),
            Some(&SqlState::NUMERIC_VALUE_OUT_OF_RANGE),
            "{sql}"
        );
        assert_eq!(
            error.as_db_error().map(|error| error.message()),
            Some(message),
            "{sql}"
        );
    }
}

async fn double_precision_round_trips_special_values_bit_for_bit(client: &Client) {
    round_trip(
        client,
        "double precision",
        Type::FLOAT8,
        &[
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (-0.0, "-0"),
            (0.0, "0"),
            (1e15, "1e+15"),
            (1e14, "100000000000000"),
            (0.1, "0.1"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (-1.5, "-1.5"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "5e-324"),
        ],
        |left: &f64, right: &f64| left.to_bits() == right.to_bits(),
    )
    .await;
}

/// A decimal from its text (test data, always valid).
fn decimal(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|error| panic!("{text}: {error}"))
}

async fn numeric_round_trips_scale_sign_and_28_digits(client: &Client) {
    // Unconstrained numeric keeps the scale it is given; compare by text so the scale counts.
    let texts = [
        "1.50",
        "-0.001",
        "0",
        "100",
        "-123.4500",
        "1234567890123456789012345678",
        "-9999999999999999999999999999",
        "0.0000000000000000000000000001",
        "3.1415926535897932384626433833",
    ];
    let cases: Vec<(Decimal, &str)> = texts.iter().map(|text| (decimal(text), *text)).collect();
    let same_text = |left: &Decimal, right: &Decimal| left.to_string() == right.to_string();
    round_trip(client, "numeric", Type::NUMERIC, &cases, same_text).await;

    // Zero keeps its scale too (as text: rust_decimal encodes every zero with scale 0).
    let rows = text_rows(client, "SELECT '0.00'::numeric, -0.0::numeric").await;
    assert_eq!(
        rows,
        vec![vec![Some("0.00".to_owned()), Some("0.0".to_owned())]]
    );

    // numeric(p, s) rounds half away from zero to its scale and pads to it.
    let cases = [
        (decimal("1.23"), "1.23"),
        (decimal("-1.24"), "-1.24"),
        (decimal("2.50"), "2.50"),
        (decimal("999.99"), "999.99"),
    ];
    round_trip(client, "numeric(5,2)", Type::NUMERIC, &cases, same_text).await;
    let rounded = text_rows(
        client,
        "SELECT 1.2345::numeric(5,2), 1.235::numeric(5,2), -1.235::numeric(5,2), \
         2.5::numeric(10,3)",
    )
    .await;
    let expected = ["1.23", "1.24", "-1.24", "2.500"].map(|text| Some(text.to_owned()));
    assert_eq!(rounded, vec![expected.to_vec()]);
    let row = client
        .query_one("SELECT $1::numeric(5,2)", &[&decimal("1.235")])
        .await
        .expect("binary parameter with a typmod");
    assert_eq!(row.get::<_, Decimal>(0).to_string(), "1.24");

    // Too many integer digits for the declaration: 22003.
    let error = client
        .simple_query("INSERT INTO rt VALUES (100, 1000)")
        .await
        .expect_err("1000 does not fit numeric(5,2)");
    assert_eq!(error.code(), Some(&SqlState::NUMERIC_VALUE_OUT_OF_RANGE));
    assert_eq!(
        error.as_db_error().map(|error| error.message()),
        Some("numeric field overflow")
    );
    let error = client
        .execute("INSERT INTO rt VALUES (101, $1)", &[&decimal("-1000.5")])
        .await
        .expect_err("binary -1000.5 does not fit numeric(5,2)");
    assert_eq!(error.code(), Some(&SqlState::NUMERIC_VALUE_OUT_OF_RANGE));
}

async fn numeric_binary_digits_are_postgresql_s(client: &Client) {
    // numeric_send: ndigits, weight, sign, dscale, then base-10000 digits, all big-endian.
    let cases: [(&str, &[u16]); 6] = [
        ("0.00", &[0, 0, 0x0000, 2]),
        ("1.50", &[2, 0, 0x0000, 2, 1, 5000]),
        ("-0.001", &[1, 0xFFFF, 0x4000, 3, 10]),
        ("0", &[0, 0, 0x0000, 0]),
        (
            "1234567890123456789012345678",
            &[7, 6, 0x0000, 0, 1234, 5678, 9012, 3456, 7890, 1234, 5678],
        ),
        ("100000.0", &[1, 1, 0x0000, 1, 10]),
    ];
    for (text, words) in cases {
        let row = client
            .query_one(&format!("SELECT {text}::numeric"), &[])
            .await
            .expect("select numeric");
        let expected: Vec<u8> = words.iter().flat_map(|word| word.to_be_bytes()).collect();
        assert_eq!(row.get::<_, RawBytes>(0), RawBytes(expected), "{text}");
    }
}

async fn boolean_round_trips_and_accepts_postgresql_spellings(client: &Client) {
    round_trip(
        client,
        "boolean",
        Type::BOOL,
        &[(true, "t"), (false, "f")],
        equal,
    )
    .await;
    let rows = text_rows(
        client,
        "SELECT 'yes'::boolean, 'off'::boolean, '1'::boolean, ' TRUE '::boolean",
    )
    .await;
    let expected = ["t", "f", "t", "t"].map(|text| Some(text.to_owned()));
    assert_eq!(rows, vec![expected.to_vec()]);
    let error = client
        .simple_query("SELECT 'maybe'::boolean")
        .await
        .expect_err("not a boolean");
    assert_eq!(error.code(), Some(&SqlState::INVALID_TEXT_REPRESENTATION));
}

async fn text_round_trips_unicode_empty_and_quotes(client: &Client) {
    let long = "x".repeat(10_000);
    let texts = [
        "",
        "it's",
        "''",
        "double \" quote",
        r"back\slash",
        "héllo 日本 🎉",
        "tab\there\nnew line",
        " leading and trailing ",
        long.as_str(),
    ];
    let cases: Vec<(String, &str)> = texts.iter().map(|text| (text.to_string(), *text)).collect();
    round_trip(client, "text", Type::TEXT, &cases, equal).await;
    let rows = text_rows(client, "SELECT length('héllo 日本 🎉'), ''").await;
    assert_eq!(
        rows,
        vec![vec![Some("10".to_owned()), Some(String::new())]],
        "length counts characters; the empty string is not NULL"
    );
}

async fn varchar_round_trips_and_rejects_overlong_values_with_22001(client: &Client) {
    let cases: Vec<(String, &str)> = ["", "abcde", "it's", "日本語日本", "a b"]
        .iter()
        .map(|text| (text.to_string(), *text))
        .collect();
    round_trip(client, "varchar(5)", Type::VARCHAR, &cases, equal).await;

    // The limit counts characters, and trailing spaces beyond it are cut silently.
    client
        .simple_query("INSERT INTO rt VALUES (100, 'abcde   ')")
        .await
        .expect("excess trailing spaces are truncated");
    let rows = text_rows(client, "SELECT v, length(v) FROM rt WHERE k = 100").await;
    assert_eq!(
        rows,
        vec![vec![Some("abcde".to_owned()), Some("5".to_owned())]]
    );

    for (attempt, sql) in [
        ("text literal", "INSERT INTO rt VALUES (101, 'abcdef')"),
        (
            "multibyte literal",
            "INSERT INTO rt VALUES (102, '日本語日本語')",
        ),
        ("update", "UPDATE rt SET v = 'abcdef' WHERE k = 0"),
    ] {
        let error = client.simple_query(sql).await.expect_err(attempt);
        assert_eq!(
            error.code(),
            Some(&SqlState::STRING_DATA_RIGHT_TRUNCATION),
            "{attempt}"
        );
        assert_eq!(
            error.as_db_error().map(|error| error.message()),
            Some("value too long for type character varying(5)"),
            "{attempt}"
        );
    }
    let error = client
        .execute("INSERT INTO rt VALUES ($1, $2)", &[&103_i32, &"abcdef"])
        .await
        .expect_err("binary parameter too long");
    assert_eq!(error.code(), Some(&SqlState::STRING_DATA_RIGHT_TRUNCATION));
    let rows = text_rows(
        client,
        "SELECT count(*) FROM rt WHERE k BETWEEN 101 AND 103",
    )
    .await;
    assert_eq!(rows, vec![vec![Some("0".to_owned())]], "nothing was stored");
}

/// PostgreSQL (and the SQL standard): an *explicit* cast to `varchar(n)` truncates silently;
/// only assignment raises 22001.
async fn explicit_cast_to_varchar_truncates(client: &Client) {
    let rows = text_rows(
        client,
        "SELECT 'abcdef'::varchar(5), CAST('日本語日本語' AS varchar(5))",
    )
    .await;
    assert_eq!(
        rows,
        vec![vec![
            Some("abcde".to_owned()),
            Some("日本語日本".to_owned())
        ]]
    );
}

/// A timestamp for a proleptic Gregorian date (year 0 is 1 BC).
fn timestamp(year: i32, month: u32, day: u32, hms: (u32, u32, u32), micros: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(year, month, day)
        .and_then(|date| date.and_hms_micro_opt(hms.0, hms.1, hms.2, micros))
        .unwrap_or_else(|| panic!("valid test date {year}-{month}-{day}"))
}

/// `294276-12-31 23:59:59.999999`, the last timestamp PostgreSQL accepts: one microsecond
/// before Julian day 109203528 (294277-01-01), counted from 2000-01-01 (Julian day 2451545).
const TIMESTAMP_MAX_MICROS: i64 = (109_203_528 - 2_451_545) * 86_400_000_000 - 1;

async fn timestamp_round_trips_fractions_and_far_dates(client: &Client) {
    round_trip(
        client,
        "timestamp",
        Type::TIMESTAMP,
        &[
            (
                timestamp(2024, 1, 2, (3, 4, 5), 123_456),
                "2024-01-02 03:04:05.123456",
            ),
            (timestamp(2000, 1, 1, (0, 0, 0), 0), "2000-01-01 00:00:00"),
            (
                timestamp(1999, 12, 31, (23, 59, 59), 500_000),
                "1999-12-31 23:59:59.5",
            ),
            (timestamp(1970, 1, 1, (0, 0, 0), 0), "1970-01-01 00:00:00"),
            (
                timestamp(1900, 2, 28, (12, 0, 0), 1),
                "1900-02-28 12:00:00.000001",
            ),
            (
                timestamp(2024, 2, 29, (23, 59, 59), 999_999),
                "2024-02-29 23:59:59.999999",
            ),
            (timestamp(1, 1, 1, (0, 0, 0), 0), "0001-01-01 00:00:00"),
            (
                timestamp(0, 12, 31, (23, 59, 59), 999_999),
                "0001-12-31 23:59:59.999999 BC",
            ),
            (
                timestamp(-4712, 11, 24, (0, 0, 0), 0),
                "4713-11-24 00:00:00 BC",
            ),
            (
                timestamp(9999, 12, 31, (23, 59, 59), 999_999),
                "9999-12-31 23:59:59.999999",
            ),
            (
                timestamp(12345, 6, 7, (8, 9, 10), 11),
                "12345-06-07 08:09:10.000011",
            ),
        ],
        equal,
    )
    .await;
    // Beyond chrono's range: the raw microseconds.
    round_trip(
        client,
        "timestamp",
        Type::TIMESTAMP,
        &[
            (
                RawTimestamp(TIMESTAMP_MAX_MICROS),
                "294276-12-31 23:59:59.999999",
            ),
            (RawTimestamp(i64::MAX), "infinity"),
            (RawTimestamp(i64::MIN), "-infinity"),
        ],
        equal,
    )
    .await;
    for text in ["294277-01-01 00:00:00", "4714-11-23 23:59:59 BC"] {
        let error = client
            .simple_query(&format!("SELECT '{text}'::timestamp"))
            .await
            .expect_err(text);
        assert_eq!(
            error.code(),
            Some(&SqlState::DATETIME_VALUE_OUT_OF_RANGE),
            "{text}"
        );
        assert_eq!(
            error.as_db_error().map(|error| error.message().to_owned()),
            Some(format!("timestamp out of range: \"{text}\"")),
        );
    }
}

async fn nulls_of_every_type_round_trip(client: &Client) {
    client
        .batch_execute(
            "CREATE TABLE nulls (k int PRIMARY KEY, s smallint, i integer, b bigint,
                 d double precision, m numeric(10,2), f boolean, t text, v varchar(3),
                 ts timestamp)",
        )
        .await
        .expect("create");
    let insert = client
        .prepare("INSERT INTO nulls VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .await
        .expect("prepare");
    assert_eq!(
        insert.params(),
        &[
            Type::INT4,
            Type::INT2,
            Type::INT4,
            Type::INT8,
            Type::FLOAT8,
            Type::NUMERIC,
            Type::BOOL,
            Type::TEXT,
            Type::VARCHAR,
            Type::TIMESTAMP
        ]
    );
    client
        .execute(
            &insert,
            &[
                &1_i32,
                &None::<i16>,
                &None::<i32>,
                &None::<i64>,
                &None::<f64>,
                &None::<Decimal>,
                &None::<bool>,
                &None::<String>,
                &None::<String>,
                &None::<NaiveDateTime>,
            ],
        )
        .await
        .expect("binary NULLs");
    client
        .batch_execute(
            "INSERT INTO nulls VALUES (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
        )
        .await
        .expect("text NULLs");
    client
        .batch_execute("INSERT INTO nulls (k) VALUES (3)")
        .await
        .expect("defaulted NULLs");
    for key in 1..=3_i32 {
        let row = client
            .query_one("SELECT * FROM nulls WHERE k = $1", &[&key])
            .await
            .expect("select");
        assert_eq!(row.len(), 10);
        assert_eq!(row.get::<_, Option<i16>>(1), None);
        assert_eq!(row.get::<_, Option<i32>>(2), None);
        assert_eq!(row.get::<_, Option<i64>>(3), None);
        assert_eq!(row.get::<_, Option<f64>>(4), None);
        assert_eq!(row.get::<_, Option<Decimal>>(5), None);
        assert_eq!(row.get::<_, Option<bool>>(6), None);
        assert_eq!(row.get::<_, Option<String>>(7), None);
        assert_eq!(row.get::<_, Option<String>>(8), None);
        assert_eq!(row.get::<_, Option<NaiveDateTime>>(9), None);
        let texts = text_rows(client, &format!("SELECT * FROM nulls WHERE k = {key}")).await;
        let mut expected = vec![Some(key.to_string())];
        expected.extend(std::iter::repeat_n(None, 9));
        assert_eq!(texts, vec![expected]);
    }
    let row = client
        .query_one(
            "SELECT count(*) FROM nulls WHERE ts IS NULL AND v IS NULL",
            &[],
        )
        .await
        .expect("count");
    assert_eq!(row.get::<_, i64>(0), 3);
}

/// The types Describe reports: parameters inferred from context, result columns from the
/// expressions (PostgreSQL 15's choices).
async fn describe_infers_parameter_and_column_types(client: &Client) {
    client
        .batch_execute(
            "CREATE TABLE t (id int PRIMARY KEY, v varchar(5), s smallint, b bigint,
                 d double precision, m numeric(8,3), f boolean, ts timestamp)",
        )
        .await
        .expect("create");
    let cases: [(&str, &[Type], &[Type]); 9] = [
        ("SELECT $1::int + 1", &[Type::INT4], &[Type::INT4]),
        (
            "INSERT INTO t (id, v) VALUES ($1, $2)",
            &[Type::INT4, Type::VARCHAR],
            &[],
        ),
        (
            "UPDATE t SET v = $1 WHERE id = $2",
            &[Type::VARCHAR, Type::INT4],
            &[],
        ),
        ("DELETE FROM t WHERE b = $1", &[Type::INT8], &[]),
        (
            "SELECT id, v, s, b, d, m, f, ts FROM t WHERE id = $1 AND f = $2",
            &[Type::INT4, Type::BOOL],
            &[
                Type::INT4,
                Type::VARCHAR,
                Type::INT2,
                Type::INT8,
                Type::FLOAT8,
                Type::NUMERIC,
                Type::BOOL,
                Type::TIMESTAMP,
            ],
        ),
        (
            "SELECT s + 1, b * 2, d / 2, m + 1, id + 1.5 FROM t WHERE ts < $1",
            &[Type::TIMESTAMP],
            &[
                Type::INT4,
                Type::INT8,
                Type::FLOAT8,
                Type::NUMERIC,
                Type::NUMERIC,
            ],
        ),
        (
            "SELECT count(*), sum(s), sum(id), sum(b), avg(id), max(v), min(ts) FROM t",
            &[],
            &[
                Type::INT8,
                Type::INT8,
                Type::INT8,
                Type::NUMERIC,
                Type::NUMERIC,
                Type::TEXT,
                Type::TIMESTAMP,
            ],
        ),
        (
            "SELECT 1, 2147483648, 1.5, 'a', true, NULL",
            &[],
            &[
                Type::INT4,
                Type::INT8,
                Type::NUMERIC,
                Type::TEXT,
                Type::BOOL,
                Type::TEXT,
            ],
        ),
        (
            "SELECT $1::bigint, $2::numeric, $3::float8, $4::text, $5::timestamp, $6::smallint",
            &[
                Type::INT8,
                Type::NUMERIC,
                Type::FLOAT8,
                Type::TEXT,
                Type::TIMESTAMP,
                Type::INT2,
            ],
            &[
                Type::INT8,
                Type::NUMERIC,
                Type::FLOAT8,
                Type::TEXT,
                Type::TIMESTAMP,
                Type::INT2,
            ],
        ),
    ];
    // Every case runs before the verdict, so one mismatch does not hide the others.
    let mut mismatches = Vec::new();
    for (sql, params, columns) in cases {
        let statement = match client.prepare(sql).await {
            Ok(statement) => statement,
            Err(error) => {
                mismatches.push(format!("prepare {sql}: {}", error_text(&error)));
                continue;
            }
        };
        if statement.params() != params {
            mismatches.push(format!(
                "parameters of {sql}: {:?}, PostgreSQL infers {params:?}",
                statement.params()
            ));
        }
        let reported: Vec<Type> = statement
            .columns()
            .iter()
            .map(|column| column.type_().clone())
            .collect();
        if reported != columns {
            mismatches.push(format!(
                "columns of {sql}: {reported:?}, PostgreSQL reports {columns:?}"
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    let row = client
        .query_one("SELECT $1::int + 1", &[&41_i32])
        .await
        .expect("run it");
    assert_eq!(row.get::<_, i32>(0), 42);
}
