//! End-to-end SQL through the embedded API: DDL, DML, queries, errors.

mod common;

use common::{fail, open, rows, run, scalar};
use db001_common::SqlState;
use db001_engine::CommandTag;

#[tokio::test]
async fn create_insert_select() {
    let (db, _dir) = open();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (id integer PRIMARY KEY, name text NOT NULL, score numeric(6,2) DEFAULT 1.5)").await;
    let inserted = run(
        &mut s,
        "INSERT INTO t (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')",
    )
    .await;
    assert_eq!(inserted.tag, CommandTag::Insert(3));
    assert_eq!(inserted.tag.to_string(), "INSERT 0 3");
    assert_eq!(
        rows(
            &mut s,
            "SELECT id, name, score FROM t WHERE id >= 2 ORDER BY id DESC"
        )
        .await,
        vec![vec!["3", "c", "1.50"], vec!["2", "b", "1.50"]]
    );
    assert_eq!(
        rows(&mut s, "SELECT name FROM t ORDER BY id LIMIT 1 OFFSET 1").await,
        vec![vec!["b"]]
    );
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM t").await, "3");
    assert_eq!(scalar(&mut s, "SELECT sum(id) + 1 FROM t").await, "7");
    assert_eq!(
        scalar(&mut s, "SELECT avg(id) FROM t").await,
        "2.0000000000000000"
    );
    assert_eq!(scalar(&mut s, "SELECT max(name) FROM t").await, "c");
}

#[tokio::test]
async fn group_by_and_having() {
    let (db, _dir) = open();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE sales (region text, amount bigint)").await;
    run(
        &mut s,
        "INSERT INTO sales VALUES ('n', 10), ('n', 20), ('s', 5), (NULL, 1)",
    )
    .await;
    assert_eq!(
        rows(
            &mut s,
            "SELECT region, sum(amount), count(*) FROM sales GROUP BY region ORDER BY region"
        )
        .await,
        vec![
            vec!["n", "30", "2"],
            vec!["s", "5", "1"],
            vec!["NULL", "1", "1"]
        ]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT region FROM sales GROUP BY 1 HAVING sum(amount) > 6 ORDER BY 1"
        )
        .await,
        vec![vec!["n"]]
    );
    let error = fail(&mut s, "SELECT region, amount FROM sales GROUP BY region").await;
    assert_eq!(error.code(), SqlState::GROUPING_ERROR);
    assert_eq!(
        scalar(&mut s, "SELECT count(*) FROM sales WHERE amount > 100").await,
        "0"
    );
    assert_eq!(
        scalar(&mut s, "SELECT sum(amount) FROM sales WHERE amount > 100").await,
        "NULL"
    );
}

#[tokio::test]
async fn update_and_delete_report_counts() {
    let (db, _dir) = open();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY, v int)").await;
    run(&mut s, "INSERT INTO t VALUES (1, 10), (2, 20), (3, 30)").await;
    assert_eq!(
        run(&mut s, "UPDATE t SET v = v + 1 WHERE id <> 2")
            .await
            .tag,
        CommandTag::Update(2)
    );
    assert_eq!(
        run(&mut s, "UPDATE t SET id = id + 10").await.tag,
        CommandTag::Update(3)
    );
    assert_eq!(
        rows(&mut s, "SELECT id, v FROM t ORDER BY id").await,
        vec![vec!["11", "11"], vec!["12", "20"], vec!["13", "31"]]
    );
    assert_eq!(
        run(&mut s, "DELETE FROM t WHERE v > 15").await.tag,
        CommandTag::Delete(2)
    );
    assert_eq!(
        rows(&mut s, "SELECT id FROM t WHERE id = 11").await,
        vec![vec!["11"]]
    );
    assert_eq!(
        rows(&mut s, "SELECT id FROM t WHERE id = 12").await.len(),
        0
    );
}

#[tokio::test]
async fn errors_carry_postgres_sqlstates() {
    let (db, _dir) = open();
    let mut s = db.session();
    run(
        &mut s,
        "CREATE TABLE t (id int PRIMARY KEY, name varchar(3) NOT NULL)",
    )
    .await;
    run(&mut s, "INSERT INTO t VALUES (1, 'a')").await;
    let cases: &[(&str, SqlState)] = &[
        ("SELECT * FROM nope", SqlState::UNDEFINED_TABLE),
        ("SELECT nope FROM t", SqlState::UNDEFINED_COLUMN),
        ("INSERT INTO t VALUES (1, 'b')", SqlState::UNIQUE_VIOLATION),
        (
            "INSERT INTO t VALUES (2, NULL)",
            SqlState::NOT_NULL_VIOLATION,
        ),
        (
            "INSERT INTO t VALUES ('x', 'b')",
            SqlState::INVALID_TEXT_REPRESENTATION,
        ),
        (
            "SELECT 2147483647 + 1",
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        ),
        ("SELECT 1 / 0", SqlState::DIVISION_BY_ZERO),
        (
            "INSERT INTO t VALUES (3, 'toolong')",
            SqlState::STRING_DATA_RIGHT_TRUNCATION,
        ),
        ("SELEC 1", SqlState::SYNTAX_ERROR),
        ("CREATE TABLE t (a int)", SqlState::DUPLICATE_TABLE),
    ];
    for (sql, code) in cases {
        let error = fail(&mut s, sql).await;
        assert_eq!(error.code(), *code, "{sql}: {error:?}");
    }
    let error = fail(&mut s, "SELECT * FROM t WHERE nope = 1").await;
    assert_eq!(error.position(), Some(23), "position of `nope`");
    // `FROMM` reads as a column alias, so PostgreSQL points at `t`.
    let error = fail(&mut s, "SELECT 1 FROMM t").await;
    assert_eq!(error.position(), Some(16));
    // The session still works.
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM t").await, "1");
}

#[tokio::test]
async fn failed_transaction_block_answers_25p02_until_rollback() {
    let (db, _dir) = open();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY)").await;
    run(&mut s, "BEGIN").await;
    run(&mut s, "INSERT INTO t VALUES (1)").await;
    fail(&mut s, "INSERT INTO t VALUES (1)").await;
    assert_eq!(
        fail(&mut s, "SELECT 1").await.code(),
        SqlState::IN_FAILED_SQL_TRANSACTION
    );
    assert_eq!(run(&mut s, "COMMIT").await.tag, CommandTag::Rollback);
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM t").await, "0");
}

#[tokio::test]
async fn rollback_undoes_writes_and_ddl() {
    let (db, _dir) = open();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE keep (id int PRIMARY KEY, v int)").await;
    run(&mut s, "INSERT INTO keep VALUES (1, 1)").await;
    run(&mut s, "BEGIN").await;
    run(&mut s, "UPDATE keep SET v = 2").await;
    run(&mut s, "DELETE FROM keep").await;
    run(&mut s, "INSERT INTO keep VALUES (5, 5)").await;
    run(&mut s, "CREATE TABLE gone (a int)").await;
    run(&mut s, "INSERT INTO gone VALUES (1)").await;
    run(&mut s, "ROLLBACK").await;
    assert_eq!(
        rows(&mut s, "SELECT id, v FROM keep").await,
        vec![vec!["1", "1"]]
    );
    assert_eq!(
        fail(&mut s, "SELECT * FROM gone").await.code(),
        SqlState::UNDEFINED_TABLE
    );
    // The primary key index was restored too.
    assert_eq!(
        rows(&mut s, "SELECT v FROM keep WHERE id = 1").await,
        vec![vec!["1"]]
    );
    assert_eq!(
        rows(&mut s, "SELECT v FROM keep WHERE id = 5").await.len(),
        0
    );
}

#[tokio::test]
async fn multi_statement_query_is_one_implicit_transaction() {
    let (db, _dir) = open();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY)").await;
    let error = fail(&mut s, "INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)").await;
    assert_eq!(error.code(), SqlState::UNIQUE_VIOLATION);
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM t").await, "0");
    let mut tags = Vec::new();
    s.simple_query(
        "INSERT INTO t VALUES (1); SELECT 1; INSERT INTO t VALUES (2)",
        &mut |r| tags.push(r.tag.to_string()),
    )
    .await
    .expect("runs");
    assert_eq!(tags, vec!["INSERT 0 1", "SELECT 1", "INSERT 0 1"]);
    assert_eq!(scalar(&mut s, "SELECT count(*) FROM t").await, "2");
}

#[tokio::test]
async fn prepared_statements_infer_parameter_types_and_replan_after_ddl() {
    let (db, _dir) = open();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (id bigint PRIMARY KEY, name text)").await;
    let insert = s
        .prepare("INSERT INTO t VALUES ($1, $2)", &[])
        .expect("prepares");
    assert_eq!(
        insert.param_types,
        vec![db001_common::DataType::BigInt, db001_common::DataType::Text]
    );
    for i in 0..5 {
        s.execute(
            &insert,
            &[
                db001_common::Value::Int64(i),
                db001_common::Value::text("x"),
            ],
        )
        .await
        .expect("inserts");
    }
    s.sync().await.expect("commits");
    let select = s
        .prepare("SELECT name FROM t WHERE id = $1", &[])
        .expect("prepares");
    assert_eq!(
        select.columns.as_ref().expect("returns rows")[0].name,
        "name"
    );
    let result = s
        .execute(&select, &[db001_common::Value::Int64(3)])
        .await
        .expect("runs");
    assert_eq!(result.rows.len(), 1);
    s.sync().await.expect("ends");
    run(&mut s, "CREATE INDEX t_name ON t (name)").await;
    let result = s
        .execute(&select, &[db001_common::Value::Int64(4)])
        .await
        .expect("re-planned");
    assert_eq!(result.rows.len(), 1);
    s.sync().await.expect("ends");
}

#[tokio::test]
async fn explain_shows_the_index() {
    let (db, _dir) = open();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY, v int)").await;
    let plan = rows(&mut s, "EXPLAIN SELECT v FROM t WHERE id = 5").await;
    assert_eq!(plan[0][0], "Index Scan using t_pkey on t");
    let plan = rows(&mut s, "EXPLAIN SELECT v FROM t WHERE v = 5").await;
    assert_eq!(plan[0][0], "Seq Scan on t");
}
