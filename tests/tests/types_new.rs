//! The types added for the PostgreSQL dialect (issue 4) over the wire, both ways and in both
//! formats, checked against db001 and a real PostgreSQL 15 like `types.rs`: `real`,
//! `char(n)`, `bytea`, `date`, `time`, `timestamptz`, `interval`, `uuid`, `json`, `jsonb` and
//! arrays.
//!
//! The binary decoders are independent of db001: tokio-postgres's own for `real`, `bytea`,
//! `char` and arrays, chrono for `date`, `time` and `timestamptz`, and raw byte wrappers below
//! (written from PostgreSQL's `*_send` documentation) for `uuid`, `interval`, `json` and
//! `jsonb`, which tokio-postgres decodes only with features this workspace does not enable.

#[macro_use]
mod type_support;

use std::error::Error;

use bytes::BytesMut;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use tokio_postgres::Client;
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use type_support::{RawBytes, equal, round_trip, text_rows};

/// A value of `wire_type` as its exact binary bytes, sent and received unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Binary {
    wire_type: Type,
    bytes: Vec<u8>,
}

impl ToSql for Binary {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        out.extend_from_slice(&self.bytes);
        Ok(IsNull::No)
    }

    fn accepts(data_type: &Type) -> bool {
        matches!(
            *data_type,
            Type::UUID | Type::INTERVAL | Type::JSON | Type::JSONB
        )
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Binary {
    fn from_sql(data_type: &Type, raw: &'a [u8]) -> Result<Binary, Box<dyn Error + Sync + Send>> {
        Ok(Binary {
            wire_type: data_type.clone(),
            bytes: raw.to_vec(),
        })
    }

    fn accepts(data_type: &Type) -> bool {
        <Binary as ToSql>::accepts(data_type)
    }
}

fn uuid(text: &str) -> Binary {
    let hex: String = text.chars().filter(|c| *c != '-').collect();
    let bytes = (0..16)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex test data"))
        .collect();
    Binary {
        wire_type: Type::UUID,
        bytes,
    }
}

/// `interval_send`: microseconds (i64), days (i32), months (i32).
fn interval(months: i32, days: i32, micros: i64) -> Binary {
    let mut bytes = micros.to_be_bytes().to_vec();
    bytes.extend_from_slice(&days.to_be_bytes());
    bytes.extend_from_slice(&months.to_be_bytes());
    Binary {
        wire_type: Type::INTERVAL,
        bytes,
    }
}

fn json(text: &str) -> Binary {
    Binary {
        wire_type: Type::JSON,
        bytes: text.as_bytes().to_vec(),
    }
}

/// `jsonb_send`: version 1, then the text.
fn jsonb(text: &str) -> Binary {
    let mut bytes = vec![1];
    bytes.extend_from_slice(text.as_bytes());
    Binary {
        wire_type: Type::JSONB,
        bytes,
    }
}

checks!(
    real_round_trips_bit_for_bit,
    char_pads_and_compares_without_trailing_spaces,
    bytea_round_trips,
    dates_and_times_round_trip,
    timestamptz_round_trips_in_utc,
    interval_keeps_months_days_and_microseconds,
    uuid_round_trips,
    json_keeps_text_and_jsonb_normalises,
    arrays_round_trip,
    describe_reports_the_new_types,
);

async fn real_round_trips_bit_for_bit(client: &Client) {
    round_trip(
        client,
        "real",
        Type::FLOAT4,
        &[
            (1.5f32, "1.5"),
            (0.1, "0.1"),
            (-0.0, "-0"),
            (f32::INFINITY, "Infinity"),
            (f32::NEG_INFINITY, "-Infinity"),
            (1e10, "1e+10"),
            (123_456_790.0, "1.2345679e+08"),
            (f32::MAX, "3.4028235e+38"),
            (1e-45, "1e-45"),
            (100_000.0, "100000"),
        ],
        |left: &f32, right: &f32| left.to_bits() == right.to_bits(),
    )
    .await;
}

async fn char_pads_and_compares_without_trailing_spaces(client: &Client) {
    round_trip(
        client,
        "char(4)",
        Type::BPCHAR,
        &[
            ("ab  ".to_string(), "ab  "),
            ("abcd".to_string(), "abcd"),
            ("    ".to_string(), "    "),
        ],
        equal,
    )
    .await;
    let rows = text_rows(
        client,
        "SELECT v || '|', length(v), octet_length(v) FROM rt WHERE v = 'ab' ORDER BY k",
    )
    .await;
    let expected = ["ab|", "2", "4"].map(|text| Some(text.to_owned()));
    assert_eq!(rows, vec![expected.to_vec(), expected.to_vec()]);
}

async fn bytea_round_trips(client: &Client) {
    round_trip(
        client,
        "bytea",
        Type::BYTEA,
        &[
            (vec![0u8, 1, 0xff], "\\x0001ff"),
            (Vec::new(), "\\x"),
            (b"hello".to_vec(), "\\x68656c6c6f"),
        ],
        equal,
    )
    .await;
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day)
        .unwrap_or_else(|| panic!("valid test date {year}-{month}-{day}"))
}

async fn dates_and_times_round_trip(client: &Client) {
    round_trip(
        client,
        "date",
        Type::DATE,
        &[
            (date(2024, 1, 5), "2024-01-05"),
            (date(2000, 1, 1), "2000-01-01"),
            (date(1, 1, 1), "0001-01-01"),
            (date(0, 12, 31), "0001-12-31 BC"),
            (date(2024, 2, 29), "2024-02-29"),
        ],
        equal,
    )
    .await;
    let time = |h: u32, m: u32, s: u32, micros: u32| {
        NaiveTime::from_hms_micro_opt(h, m, s, micros).expect("valid test time")
    };
    round_trip(
        client,
        "time",
        Type::TIME,
        &[
            (time(12, 34, 56, 789_000), "12:34:56.789"),
            (time(0, 0, 0, 0), "00:00:00"),
            (time(23, 59, 59, 999_999), "23:59:59.999999"),
        ],
        equal,
    )
    .await;
}

async fn timestamptz_round_trips_in_utc(client: &Client) {
    let instant = |text: &str| {
        DateTime::parse_from_rfc3339(text)
            .expect("valid test instant")
            .with_timezone(&Utc)
    };
    round_trip(
        client,
        "timestamptz",
        Type::TIMESTAMPTZ,
        &[
            (
                instant("2024-01-02T03:04:05.123456Z"),
                "2024-01-02 03:04:05.123456+00",
            ),
            (instant("2000-01-01T00:00:00Z"), "2000-01-01 00:00:00+00"),
            (
                instant("1969-12-31T23:59:59.5Z"),
                "1969-12-31 23:59:59.5+00",
            ),
        ],
        equal,
    )
    .await;
    // An input offset moves the instant; output is in the session zone, UTC.
    let rows = text_rows(
        client,
        "SELECT '2024-01-01 10:00+05'::timestamptz, '2024-01-01 10:00:00-03:30'::timestamptz",
    )
    .await;
    assert_eq!(
        rows,
        vec![vec![
            Some("2024-01-01 05:00:00+00".to_owned()),
            Some("2024-01-01 13:30:00+00".to_owned())
        ]]
    );
}

async fn interval_keeps_months_days_and_microseconds(client: &Client) {
    round_trip(
        client,
        "interval",
        Type::INTERVAL,
        &[
            (
                interval(14, 3, 14_706_789_000),
                "1 year 2 mons 3 days 04:05:06.789",
            ),
            (interval(0, -1, 7_380_000_000), "-1 days +02:03:00"),
            (interval(0, 0, 0), "00:00:00"),
            (interval(1, 0, 0), "1 mon"),
            (interval(0, 30, 0), "30 days"),
            (interval(-1, 0, -1), "-1 mons -00:00:00.000001"),
        ],
        equal,
    )
    .await;
    // '1 mon' and '30 days' are equal intervals, yet each keeps its own fields.
    let rows = text_rows(
        client,
        "SELECT count(*) FROM rt WHERE v = interval '30 days' AND k < 100",
    )
    .await;
    assert_eq!(rows, vec![vec![Some("2".to_owned())]]);
}

async fn uuid_round_trips(client: &Client) {
    round_trip(
        client,
        "uuid",
        Type::UUID,
        &[
            (
                uuid("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
                "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            ),
            (
                uuid("00000000-0000-0000-0000-000000000000"),
                "00000000-0000-0000-0000-000000000000",
            ),
        ],
        equal,
    )
    .await;
    let row = client
        .query_one("SELECT gen_random_uuid()", &[])
        .await
        .expect("a random uuid");
    let random: Binary = row.get(0);
    assert_eq!(random.bytes.len(), 16);
    assert_eq!(random.bytes[6] >> 4, 4, "version 4");
    assert_eq!(random.bytes[8] >> 6, 2, "RFC 4122 variant");
}

async fn json_keeps_text_and_jsonb_normalises(client: &Client) {
    round_trip(
        client,
        "json",
        Type::JSON,
        &[
            (json(r#"{"b": 1, "a": [1, 2]}"#), r#"{"b": 1, "a": [1, 2]}"#),
            (json(r#" {"x":1,"x":2} "#), r#" {"x":1,"x":2} "#),
        ],
        equal,
    )
    .await;
    round_trip(
        client,
        "jsonb",
        Type::JSONB,
        &[
            (jsonb(r#"{"a": 2, "b": 1}"#), r#"{"a": 2, "b": 1}"#),
            (jsonb("[1.50, null, true]"), "[1.50, null, true]"),
        ],
        equal,
    )
    .await;
    let row = client
        .query_one(r#"SELECT '{"b":1,"a":2,"a":3}'::jsonb"#, &[])
        .await
        .expect("jsonb in binary");
    assert_eq!(row.get::<_, Binary>(0), jsonb(r#"{"a": 3, "b": 1}"#));
}

async fn arrays_round_trip(client: &Client) {
    round_trip(
        client,
        "integer[]",
        Type::INT4_ARRAY,
        &[
            (vec![Some(1i32), Some(2), Some(3)], "{1,2,3}"),
            (vec![Some(-1), None], "{-1,NULL}"),
            (Vec::new(), "{}"),
        ],
        equal,
    )
    .await;
    round_trip(
        client,
        "text[]",
        Type::TEXT_ARRAY,
        &[
            (
                vec![Some("a b".to_string()), Some(String::new()), None],
                r#"{"a b","",NULL}"#,
            ),
            (
                vec![Some("q\"uote".to_string()), Some("NULL".to_string())],
                r#"{"q\"uote","NULL"}"#,
            ),
        ],
        equal,
    )
    .await;
    let row = client
        .query_one("SELECT ARRAY[1, 2]", &[])
        .await
        .expect("an array literal");
    // array_send: ndim 1, no NULLs, int4, length 2, lower bound 1, then 4-byte elements.
    let words: [u32; 9] = [1, 0, 23, 2, 1, 4, 1, 4, 2];
    let expected: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
    assert_eq!(row.get::<_, RawBytes>(0), RawBytes(expected));
}

/// The types Describe reports for the new types, PostgreSQL 15's choices.
async fn describe_reports_the_new_types(client: &Client) {
    client
        .batch_execute(
            "CREATE TABLE t (id int PRIMARY KEY, r real, c char(3), b bytea, d date, tm time,
                 tz timestamptz, i interval, u uuid, j json, jb jsonb, a int[])",
        )
        .await
        .expect("create");
    let cases: [(&str, &[Type], &[Type]); 4] = [
        (
            "SELECT r, c, b, d, tm, tz, i, u, j, jb, a FROM t WHERE d = $1 AND u = $2",
            &[Type::DATE, Type::UUID],
            &[
                Type::FLOAT4,
                Type::BPCHAR,
                Type::BYTEA,
                Type::DATE,
                Type::TIME,
                Type::TIMESTAMPTZ,
                Type::INTERVAL,
                Type::UUID,
                Type::JSON,
                Type::JSONB,
                Type::INT4_ARRAY,
            ],
        ),
        (
            "SELECT d + 1, d - d, tz - tz, d + i, now(), r * 2, jb -> 'k', jb ->> 'k'",
            &[],
            &[
                Type::DATE,
                Type::INT4,
                Type::INTERVAL,
                Type::TIMESTAMP,
                Type::TIMESTAMPTZ,
                Type::FLOAT8,
                Type::JSONB,
                Type::TEXT,
            ],
        ),
        (
            "INSERT INTO t (id, tz, i, jb, a) VALUES ($1, $2, $3, $4, $5)",
            &[
                Type::INT4,
                Type::TIMESTAMPTZ,
                Type::INTERVAL,
                Type::JSONB,
                Type::INT4_ARRAY,
            ],
            &[],
        ),
        (
            "SELECT extract(year from d), date_part('year', d), array_agg(id), json_agg(id) FROM t GROUP BY d",
            &[],
            &[Type::NUMERIC, Type::FLOAT8, Type::INT4_ARRAY, Type::JSON],
        ),
    ];
    let mut mismatches = Vec::new();
    for (sql, params, columns) in cases {
        let sql = if sql.starts_with("SELECT d + 1") {
            format!("{sql} FROM t")
        } else {
            sql.to_string()
        };
        let statement = match client.prepare(&sql).await {
            Ok(statement) => statement,
            Err(error) => {
                mismatches.push(format!(
                    "prepare {sql}: {}",
                    db001_tests::error_text(&error)
                ));
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
}
