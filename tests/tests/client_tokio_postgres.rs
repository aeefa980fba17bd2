//! tokio-postgres as an application uses it, against the `db001` binary: DDL, parameterised
//! DML through prepared statements (binary parameters and results), a transaction with a
//! savepoint, an error with its SQLSTATE, NULLs, and every db001 type — natively where the
//! crate has a codec enabled here (integers, floats, numeric via rust_decimal, text, bytea,
//! date/time via chrono, arrays) and through text casts for uuid, json(b) and interval.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use db001_tests::TestServer;
use rust_decimal::Decimal;
use tokio_postgres::error::SqlState;

#[tokio::test]
async fn tokio_postgres_application_flow() {
    let server = TestServer::start();
    let mut client = server.client().await;

    client
        .batch_execute(
            "CREATE TABLE ledger (id bigint PRIMARY KEY, who text NOT NULL, amount numeric(10,2), memo text)",
        )
        .await
        .expect("create table");
    let insert = client
        .prepare("INSERT INTO ledger VALUES ($1, $2, $3, $4)")
        .await
        .expect("prepare insert");
    let rows: [(i64, &str, Option<Decimal>, Option<&str>); 3] = [
        (1, "ann", Some(Decimal::new(1050, 2)), None),
        (2, "bob", None, Some("no amount")),
        (3, "cy", Some(Decimal::new(-25, 2)), Some("refund")),
    ];
    for (id, who, amount, memo) in rows {
        let count = client
            .execute(&insert, &[&id, &who, &amount, &memo])
            .await
            .expect("insert");
        assert_eq!(count, 1);
    }
    let updated = client
        .execute(
            "UPDATE ledger SET memo = $1 WHERE amount IS NULL",
            &[&"filled"],
        )
        .await
        .expect("update");
    assert_eq!(updated, 1);
    let row = client
        .query_one(
            "SELECT sum(amount), count(memo), count(*) FROM ledger WHERE id <= $1",
            &[&3_i64],
        )
        .await
        .expect("aggregate");
    assert_eq!(row.get::<_, Decimal>(0), Decimal::new(1025, 2));
    assert_eq!(row.get::<_, i64>(1), 2);
    assert_eq!(row.get::<_, i64>(2), 3);
    let memo: Option<String> = client
        .query_one("SELECT memo FROM ledger WHERE id = $1", &[&1_i64])
        .await
        .expect("null memo")
        .get(0);
    assert_eq!(memo, None);

    // A transaction rolled back on drop, one committed (with a savepoint rolled back).
    let savepoints = savepoints_supported(&client).await;
    assert!(savepoints, "SAVEPOINT is refused");
    {
        let transaction = client.transaction().await.expect("begin");
        transaction
            .execute("DELETE FROM ledger", &[])
            .await
            .expect("delete");
    }
    {
        let transaction = client.transaction().await.expect("begin");
        transaction
            .execute("INSERT INTO ledger (id, who) VALUES (4, 'dee')", &[])
            .await
            .expect("insert in transaction");
        let mut transaction = transaction;
        if savepoints {
            let savepoint = transaction.savepoint("sp_inner").await.expect("savepoint");
            savepoint
                .execute("INSERT INTO ledger (id, who) VALUES (5, 'undone')", &[])
                .await
                .expect("insert in savepoint");
            savepoint.rollback().await.expect("rollback to savepoint");
        }
        transaction.commit().await.expect("commit");
    }
    let count: i64 = client
        .query_one("SELECT count(*) FROM ledger", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 4, "the rollback kept the rows, the commit added one");

    let error = client
        .execute("INSERT INTO ledger (id, who) VALUES (1, 'dup')", &[])
        .await
        .expect_err("duplicate key");
    assert_eq!(error.code(), Some(&SqlState::UNIQUE_VIOLATION));
    let error = client
        .query("SELECT $1::int / 0", &[&1_i32])
        .await
        .expect_err("division by zero");
    assert_eq!(error.code(), Some(&SqlState::DIVISION_BY_ZERO));

    every_type(&client).await;
}

/// Whether SAVEPOINT works in this build; says so when it does not (0A000).
async fn savepoints_supported(client: &tokio_postgres::Client) -> bool {
    client.batch_execute("BEGIN").await.expect("begin");
    let probe = client.batch_execute("SAVEPOINT probe").await;
    client.batch_execute("ROLLBACK").await.expect("rollback");
    match probe {
        Ok(()) => true,
        Err(error) => {
            assert_eq!(
                error.code(),
                Some(&SqlState::FEATURE_NOT_SUPPORTED),
                "{error}"
            );
            println!(
                "savepoint: not supported by this db001 build (0A000); tested plain transactions"
            );
            false
        }
    }
}

async fn every_type(client: &tokio_postgres::Client) {
    client
        .batch_execute(
            "CREATE TABLE typed (id int PRIMARY KEY, b boolean, s smallint, i integer, l bigint, \
             r real, d double precision, n numeric, t text, v varchar(10), c char(3), by bytea, \
             dt date, tm time, ts timestamp, tz timestamptz, iv interval, u uuid, j json, jb jsonb, \
             ia integer[], ta text[])",
        )
        .await
        .expect("create typed");
    let date = NaiveDate::from_ymd_opt(2024, 2, 29).expect("valid date");
    let time = NaiveTime::from_hms_micro_opt(13, 14, 15, 161718).expect("valid time");
    let timestamp = NaiveDateTime::new(date, time);
    let timestamptz = Utc.from_utc_datetime(&timestamp);
    let numeric = Decimal::new(-31415926535, 10);
    let ints = vec![Some(1_i32), None, Some(3)];
    let texts = vec![Some("a".to_owned()), None, Some("b c".to_owned())];
    client
        .execute(
            "INSERT INTO typed VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
             $14, $15, $16::text::interval, $17::text::uuid, $18::text::json, $19::text::jsonb, $20, $21)",
            &[
                &true,
                &-32768_i16,
                &i32::MAX,
                &i64::MIN,
                &1.5_f32,
                &-2.25e100_f64,
                &numeric,
                &"naïve",
                &"varchar",
                &"ab",
                &vec![0_u8, 255, 10],
                &date,
                &time,
                &timestamp,
                &timestamptz,
                &"1 day 02:03:04",
                &"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                &r#"{"k": [1, 2]}"#,
                &r#"{"k": [1, 2]}"#,
                &ints,
                &texts,
            ],
        )
        .await
        .expect("insert typed");
    client
        .execute("INSERT INTO typed (id) VALUES (2)", &[])
        .await
        .expect("insert nulls");
    let row = client
        .query_one(
            "SELECT b, s, i, l, r, d, n, t, v, c, by, dt, tm, ts, tz, iv::text, u::text, j::text, \
             jb::text, ia, ta FROM typed WHERE id = $1",
            &[&1_i32],
        )
        .await
        .expect("select typed");
    assert!(row.get::<_, bool>(0));
    assert_eq!(row.get::<_, i16>(1), -32768);
    assert_eq!(row.get::<_, i32>(2), i32::MAX);
    assert_eq!(row.get::<_, i64>(3), i64::MIN);
    assert_eq!(row.get::<_, f32>(4), 1.5);
    assert_eq!(row.get::<_, f64>(5), -2.25e100);
    assert_eq!(row.get::<_, Decimal>(6), numeric);
    assert_eq!(row.get::<_, String>(7), "naïve");
    assert_eq!(row.get::<_, String>(8), "varchar");
    assert_eq!(row.get::<_, String>(9), "ab ");
    assert_eq!(row.get::<_, Vec<u8>>(10), vec![0, 255, 10]);
    assert_eq!(row.get::<_, NaiveDate>(11), date);
    assert_eq!(row.get::<_, NaiveTime>(12), time);
    assert_eq!(row.get::<_, NaiveDateTime>(13), timestamp);
    assert_eq!(row.get::<_, chrono::DateTime<Utc>>(14), timestamptz);
    assert_eq!(row.get::<_, String>(15), "1 day 02:03:04");
    assert_eq!(
        row.get::<_, String>(16),
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    );
    assert_eq!(row.get::<_, String>(17), r#"{"k": [1, 2]}"#);
    assert_eq!(row.get::<_, String>(18), r#"{"k": [1, 2]}"#);
    assert_eq!(row.get::<_, Vec<Option<i32>>>(19), ints);
    assert_eq!(row.get::<_, Vec<Option<String>>>(20), texts);

    let nulls = client
        .query_one("SELECT * FROM typed WHERE id = 2", &[])
        .await
        .expect("select nulls");
    for (index, column) in nulls.columns().iter().enumerate().skip(1) {
        let raw: Option<Raw> = nulls.get(index);
        assert!(raw.is_none(), "{} is not NULL", column.name());
    }
}

/// Any value, undecoded: for checking NULLs of every column type.
struct Raw;

impl<'a> tokio_postgres::types::FromSql<'a> for Raw {
    fn from_sql(
        _: &tokio_postgres::types::Type,
        _: &'a [u8],
    ) -> Result<Raw, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw)
    }

    fn accepts(_: &tokio_postgres::types::Type) -> bool {
        true
    }
}
