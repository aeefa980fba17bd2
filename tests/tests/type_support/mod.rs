//! Helpers shared by the type round-trip tests (`types.rs`, `types_new.rs`): text rows of a
//! simple query, raw binary values, the four-way round trip, and the `checks!` macro that runs
//! every check against db001 and against a real PostgreSQL 15.

use std::error::Error;
use std::fmt::Debug;

use db001_tests::error_text;
use tokio_postgres::types::{FromSql, ToSql, Type};
use tokio_postgres::{Client, SimpleQueryMessage};

/// The text rows of a simple query's answer.
pub async fn text_rows(client: &Client, sql: &str) -> Vec<Vec<Option<String>>> {
    client
        .simple_query(sql)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {}", error_text(&error)))
        .iter()
        .filter_map(|message| match message {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|index| row.get(index).map(str::to_owned))
                    .collect(),
            ),
            _ => None,
        })
        .collect()
}

/// A SQL string literal for `text` (standard_conforming_strings: only quotes are doubled).
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A value's bytes exactly as the server sent them in binary.
#[derive(Debug, PartialEq, Eq)]
pub struct RawBytes(pub Vec<u8>);

impl<'a> FromSql<'a> for RawBytes {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<RawBytes, Box<dyn Error + Sync + Send>> {
        Ok(RawBytes(raw.to_vec()))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Checks `cases` (value, PostgreSQL's text form) through a fresh table `rt (k int PRIMARY
/// KEY, v <sql_type>)`: binary in → binary and text out; text literal in → binary out; and the
/// types Describe reports. `same` compares values (floats need bitwise equality).
pub async fn round_trip<T>(
    client: &Client,
    sql_type: &str,
    wire_type: Type,
    cases: &[(T, &str)],
    same: impl Fn(&T, &T) -> bool,
) where
    T: ToSql + Sync + for<'a> FromSql<'a> + Debug,
{
    client
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS rt; CREATE TABLE rt (k int PRIMARY KEY, v {sql_type})"
        ))
        .await
        .unwrap_or_else(|error| panic!("create rt ({sql_type}): {}", error_text(&error)));
    let insert = client
        .prepare("INSERT INTO rt VALUES ($1, $2)")
        .await
        .expect("prepare insert");
    assert_eq!(
        insert.params(),
        &[Type::INT4, wire_type.clone()],
        "{sql_type}"
    );
    let select = client
        .prepare("SELECT v FROM rt WHERE k = $1")
        .await
        .expect("prepare select");
    assert_eq!(select.params(), &[Type::INT4]);
    assert_eq!(select.columns().len(), 1);
    assert_eq!(select.columns()[0].name(), "v");
    assert_eq!(select.columns()[0].type_(), &wire_type, "{sql_type}");

    for (index, (value, text)) in cases.iter().enumerate() {
        let key = index as i32;
        // Binary in, binary out.
        let inserted = client
            .execute(&insert, &[&key, value])
            .await
            .unwrap_or_else(|error| {
                panic!("insert {value:?} as {sql_type}: {}", error_text(&error))
            });
        assert_eq!(inserted, 1);
        let row = client.query_one(&select, &[&key]).await.expect("select");
        let back: T = row.get(0);
        assert!(
            same(&back, value),
            "{sql_type}: sent {value:?} in binary, read back {back:?} in binary"
        );
        // Binary in, text out.
        let texts = text_rows(client, &format!("SELECT v FROM rt WHERE k = {key}")).await;
        assert_eq!(
            texts,
            vec![vec![Some(text.to_string())]],
            "{sql_type}: sent {value:?} in binary, read back as text"
        );
        // Text in, binary out.
        let text_key = key + 10_000;
        client
            .simple_query(&format!(
                "INSERT INTO rt VALUES ({text_key}, {})",
                literal(text)
            ))
            .await
            .unwrap_or_else(|error| {
                panic!(
                    "insert {text:?} as {sql_type} literal: {}",
                    error_text(&error)
                )
            });
        let row = client
            .query_one(&select, &[&text_key])
            .await
            .expect("select");
        let back: T = row.get(0);
        assert!(
            same(&back, value),
            "{sql_type}: sent {text:?} as text, read back {back:?} in binary, expected {value:?}"
        );
    }
}

pub fn equal<T: PartialEq>(left: &T, right: &T) -> bool {
    left == right
}

/// Each check runs as its own test against db001 (`db001::<check>`), and all of them against
/// PostgreSQL 15 in `expectations_are_postgresql_s`, so the expectations cannot drift from
/// PostgreSQL. Every check gets a fresh server (db001) or database (PostgreSQL).
// Used through `#[macro_use] mod type_support` by both test crates; rustc's unused-macro lint
// does not see uses from the parent module's macro scope.
#[allow(unused_macros)]
macro_rules! checks {
    ($($check:ident),* $(,)?) => {
        mod db001 {
            $(
                #[tokio::test]
                async fn $check() {
                    let server = db001_tests::TestServer::start();
                    super::$check(&server.client().await).await;
                }
            )*
        }

        #[tokio::test]
        async fn expectations_are_postgresql_s() {
            let postgres = Postgres::start();
            let admin = postgres.client("postgres").await;
            $(
                admin
                    .batch_execute(concat!("CREATE DATABASE ", stringify!($check)))
                    .await
                    .expect("create database");
                eprintln!("PostgreSQL: {}", stringify!($check));
                $check(&postgres.client(stringify!($check)).await).await;
            )*
        }
    };
}

/// Each check runs as its own test against db001 (`db001::<check>`), and all of them against
/// PostgreSQL 15 in `expectations_are_postgresql_s`, so the expectations cannot drift from
/// PostgreSQL. Every check gets a fresh server (db001) or database (PostgreSQL).
// Used through `#[macro_use] mod type_support` by both test crates; rustc's unused-macro lint
// does not see uses from the parent module's macro scope.
#[allow(unused_macros)]
macro_rules! checks {
    ($($check:ident),* $(,)?) => {
        mod db001 {
            $(
                #[tokio::test]
                async fn $check() {
                    let server = db001_tests::TestServer::start();
                    super::$check(&server.client().await).await;
                }
            )*
        }

        #[tokio::test]
        async fn expectations_are_postgresql_s() {
            let postgres = db001_tests::postgres::Postgres::start();
            let admin = postgres.client("postgres").await;
            $(
                admin
                    .batch_execute(concat!("CREATE DATABASE ", stringify!($check)))
                    .await
                    .expect("create database");
                eprintln!("PostgreSQL: {}", stringify!($check));
                $check(&postgres.client(stringify!($check)).await).await;
            )*
        }
    };
}
