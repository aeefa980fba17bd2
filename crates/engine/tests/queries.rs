//! Query features through the embedded API where the sqllogictest files (which are checked
//! against PostgreSQL) cannot reach: db001's own limits, parameters inside subqueries and WITH
//! queries, and uncorrelated subqueries running once per statement.

mod common;

use common::{fail, open, rows, run, scalar};
use db001_common::{SqlState, Value};

#[tokio::test]
async fn runaway_recursion_fails_cleanly() {
    let (db, _dir) = open();
    let mut s = db.session();
    let error = fail(
        &mut s,
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
    )
    .await;
    assert_eq!(error.code(), SqlState::PROGRAM_LIMIT_EXCEEDED);
    // A LIMIT stops the same recursion early, and the session is still usable.
    assert_eq!(
        rows(
            &mut s,
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r LIMIT 3"
        )
        .await,
        vec![vec!["1"], vec!["2"], vec!["3"]]
    );
}

#[tokio::test]
async fn parameters_reach_subqueries_and_with_queries() {
    let (db, _dir) = open();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY, grp text)").await;
    run(&mut s, "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'a')").await;
    let results = s
        .execute_sql(
            "WITH picked AS (SELECT id FROM t WHERE grp = $1) \
             SELECT count(*) FROM t WHERE id IN (SELECT id FROM picked) AND id > $2",
            &[Value::text("a"), Value::Int32(1)],
        )
        .await
        .expect("runs");
    assert_eq!(results[0].rows, vec![vec![Value::Int64(1)]]);
    let results = s
        .execute_sql(
            "SELECT (SELECT max(id) FROM t WHERE grp = $1) + $2",
            &[Value::text("b"), Value::Int32(10)],
        )
        .await
        .expect("runs");
    assert_eq!(results[0].rows, vec![vec![Value::Int32(12)]]);
}

#[tokio::test]
async fn scalar_subquery_with_two_rows_is_21000_and_random_runs_once_per_uncorrelated_subquery() {
    let (db, _dir) = open();
    let mut s = db.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY)").await;
    run(
        &mut s,
        "INSERT INTO t SELECT g FROM generate_series(1, 50) g",
    )
    .await;
    let error = fail(&mut s, "SELECT (SELECT id FROM t) FROM t").await;
    assert_eq!(error.code(), SqlState::CARDINALITY_VIOLATION);
    // Uncorrelated: one value for every row.
    assert_eq!(
        scalar(
            &mut s,
            "SELECT count(DISTINCT r) FROM (SELECT (SELECT random()) AS r FROM t) s"
        )
        .await,
        "1"
    );
    // Correlated: evaluated per row.
    assert_eq!(
        scalar(
            &mut s,
            "SELECT count(DISTINCT r) FROM (SELECT (SELECT random() + t.id * 0) AS r FROM t) s"
        )
        .await,
        "50"
    );
}
