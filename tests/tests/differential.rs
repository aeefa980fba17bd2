//! Differential test: generated queries over the same small tables, run on PostgreSQL 15 and on
//! db001, must return the same rows (compared as sorted text) or fail with the same SQLSTATE.
//!
//! The tables hold small integers with NULLs so that joins find duplicates, misses and NULL
//! keys; the query templates exercise every join kind (index nested loop, hash and nested-loop
//! joins), correlated and uncorrelated subqueries (decorrelated or not), window frames, set
//! operations, grouping with FILTER / ORDER BY inside aggregates, DISTINCT ON and WITH
//! queries. The generator is seeded, so a failure names a query that reproduces.
//!
//! One deliberate difference is skipped: PostgreSQL refuses a FULL JOIN whose condition is not
//! an equality it can hash or merge (0A000), which db001 answers with a nested loop.

use db001_tests::TestServer;
use db001_tests::error_text;
use db001_tests::postgres::Postgres;
use tokio_postgres::{Client, SimpleQueryMessage};

/// Queries per run.
const QUERIES: usize = 400;

/// A small deterministic generator (64-bit LCG; quality is not the point, repeatability is).
struct Generator(u64);

impl Generator {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn value(&mut self) -> String {
        if self.below(7) == 0 {
            "NULL".to_string()
        } else {
            self.below(6).to_string()
        }
    }

    /// `alias.column op constant`.
    fn predicate(&mut self, alias: &str, columns: &[&str]) -> String {
        let column = self.pick(columns);
        let op = self.pick(&["=", "<", ">", "<>", "<=", ">="]);
        format!("{alias}.{column} {op} {}", self.below(6))
    }
}

fn setup(generator: &mut Generator) -> Vec<String> {
    let mut statements = vec![
        "CREATE TABLE t1 (id int PRIMARY KEY, a int, b int)".to_string(),
        "CREATE TABLE t2 (id int PRIMARY KEY, a int, c int)".to_string(),
        "CREATE TABLE t3 (a int, d int)".to_string(),
        "CREATE INDEX t2_a ON t2 (a)".to_string(),
    ];
    for (table, rows) in [("t1", 12), ("t2", 10)] {
        let values: Vec<String> = (1..=rows)
            .map(|i| format!("({i}, {}, {})", generator.value(), generator.value()))
            .collect();
        statements.push(format!("INSERT INTO {table} VALUES {}", values.join(", ")));
    }
    let values: Vec<String> = (0..8)
        .map(|_| format!("({}, {})", generator.value(), generator.value()))
        .collect();
    statements.push(format!("INSERT INTO t3 VALUES {}", values.join(", ")));
    statements
}

const T1: &[&str] = &["id", "a", "b"];
const T2: &[&str] = &["id", "a", "c"];
const T3: &[&str] = &["a", "d"];

fn join_query(g: &mut Generator) -> String {
    let kinds = ["JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN"];
    let first = g.pick(&kinds);
    let second = g.pick(&kinds);
    let y_predicate = g.predicate("y", T2);
    let on_first = match g.below(5) {
        0 => "x.a = y.a".to_string(),
        1 => format!("x.a = y.a AND {y_predicate}"),
        2 => "x.b = y.c".to_string(),
        3 => "x.id = y.id".to_string(),
        _ => "x.a = y.a AND x.b <> y.c".to_string(),
    };
    let z_predicate = g.predicate("z", T3);
    let on_second = match g.below(4) {
        0 => "z.a = y.a".to_string(),
        1 => "z.a = x.b".to_string(),
        2 => format!("z.d = x.a AND {z_predicate}"),
        _ => "z.a = x.a OR z.d = y.c".to_string(),
    };
    let x_predicate = g.predicate("x", T1);
    let z_predicate = g.predicate("z", T3);
    let filter = match g.below(4) {
        0 => String::new(),
        1 => format!(" WHERE {x_predicate}"),
        2 => " WHERE y.id IS NULL".to_string(),
        _ => format!(" WHERE {z_predicate} OR x.a IS NULL"),
    };
    let (select, group) = match g.below(3) {
        0 => ("x.id, y.id, z.a, z.d", ""),
        1 => ("count(*), count(y.id), sum(z.d)", ""),
        _ => ("x.a, count(*)", " GROUP BY x.a"),
    };
    format!(
        "SELECT {select} FROM t1 x {first} t2 y ON {on_first} {second} t3 z ON {on_second}{filter}{group}"
    )
}

fn subquery(g: &mut Generator) -> String {
    let negated = g.pick(&["", "NOT "]);
    let column = g.pick(&["a", "b", "id"]);
    let predicate = g.predicate("y", T2);
    match g.below(7) {
        0 => format!(
            "SELECT x.id FROM t1 x WHERE {negated}EXISTS (SELECT 1 FROM t2 y WHERE y.a = x.{column} AND {predicate})"
        ),
        1 => format!(
            "SELECT x.id FROM t1 x WHERE x.{column} {negated}IN (SELECT y.a FROM t2 y WHERE {predicate})"
        ),
        2 => {
            let op = g.pick(&["=", "<", ">="]);
            let quantifier = g.pick(&["ANY", "ALL"]);
            format!(
                "SELECT x.id FROM t1 x WHERE x.{column} {op} {quantifier} (SELECT y.c FROM t2 y WHERE y.a = x.b OR {predicate})"
            )
        }
        3 => format!("SELECT x.id, (SELECT max(y.c) FROM t2 y WHERE y.a = x.{column}) FROM t1 x"),
        4 => format!(
            "SELECT x.id FROM t1 x WHERE (SELECT count(*) FROM t3 z WHERE z.a = x.{column}) > {}",
            g.below(3)
        ),
        5 => format!(
            "SELECT x.id FROM t1 x WHERE {negated}EXISTS (SELECT 1 FROM t3 z WHERE z.d = x.{column} AND EXISTS (SELECT 1 FROM t2 y WHERE y.c = z.a AND y.a <> x.b))"
        ),
        _ => format!(
            "UPDATE t1 SET b = b WHERE {negated}EXISTS (SELECT 1 FROM t2 y WHERE y.a = t1.{column} AND {predicate}) RETURNING id"
        ),
    }
}

fn window_query(g: &mut Generator) -> String {
    let function = g.pick(&[
        "row_number()",
        "rank()",
        "dense_rank()",
        "sum(b)",
        "count(*)",
        "min(b)",
        "max(a)",
        "avg(b)",
        "lag(b)",
        "lead(b, 2, -1)",
        "first_value(b)",
        "last_value(b)",
        "count(b)",
        "ntile(3)",
        "percent_rank()",
    ]);
    let partition = g.pick(&["", "PARTITION BY a "]);
    let order = g.pick(&[
        "ORDER BY id",
        "ORDER BY b, id",
        "ORDER BY b DESC NULLS LAST, id",
        "ORDER BY a NULLS FIRST, id",
    ]);
    let frame = g.pick(&[
        "",
        " ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING",
        " ROWS UNBOUNDED PRECEDING",
        " ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING",
        " RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING",
        " GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW",
        " ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING",
    ]);
    if g.below(3) == 0 {
        let direction = g.pick(&["", " DESC"]);
        let (before, after) = (g.below(4), g.below(4));
        return format!(
            "SELECT id, sum(id) OVER (ORDER BY b{direction} RANGE BETWEEN {before} PRECEDING AND {after} FOLLOWING), \
             count(*) OVER (PARTITION BY a ORDER BY b{direction} RANGE {before} PRECEDING) FROM t1"
        );
    }
    format!("SELECT id, {function} OVER ({partition}{order}{frame}) FROM t1")
}

fn other_query(g: &mut Generator) -> String {
    let t1_predicate = g.predicate("t1", T1);
    let t2_predicate = g.predicate("t2", T2);
    match g.below(12) {
        0 => {
            let op = g.pick(&["UNION", "UNION ALL", "INTERSECT", "INTERSECT ALL", "EXCEPT", "EXCEPT ALL"]);
            format!("SELECT a FROM t1 WHERE {t1_predicate} {op} SELECT a FROM t2 WHERE {t2_predicate}")
        }
        1 => format!("SELECT a, string_agg(b::text, ',' ORDER BY b DESC NULLS FIRST, id), count(DISTINCT b), sum(b) FILTER (WHERE {t1_predicate}) FROM t1 GROUP BY a"),
        2 => {
            let filter = g.pick(&["a = 2", "n > 1", "m IS NULL", "a IS NULL OR n = 1"]);
            format!("SELECT * FROM (SELECT a, count(*) n, max(b) m FROM t1 GROUP BY a) s WHERE {filter}")
        }
        3 => format!("WITH w AS (SELECT a, b FROM t1 WHERE {t1_predicate}) SELECT w1.a, w2.b FROM w w1 JOIN w w2 ON w1.a = w2.b"),
        4 => "SELECT DISTINCT ON (a) a, id, b FROM t1 ORDER BY a, b DESC NULLS LAST, id".to_string(),
        5 => format!("SELECT bool_and(b > a), bool_or(b = a), every(id > 0) FROM t1 WHERE {t1_predicate}"),
        6 => format!(
            "SELECT x.a, (SELECT count(*) FROM t2 y WHERE y.a = x.a) c FROM t1 x GROUP BY x.a HAVING count(*) > {}",
            g.below(3)
        ),
        7 => "SELECT * FROM t1 x WHERE x.b = (SELECT max(c) FROM t2 y WHERE y.a = x.a)".to_string(),
        8 => "WITH RECURSIVE r(n, s) AS (SELECT 0, 0 UNION ALL SELECT n + 1, s + coalesce((SELECT max(b) FROM t1 WHERE id = n + 1), 0) FROM r WHERE n < 12) SELECT * FROM r".to_string(),
        9 => format!("SELECT x.a, y.c FROM t1 x JOIN t2 y USING (a) WHERE {}", g.predicate("x", T1)),
        10 => "SELECT * FROM t1 NATURAL FULL JOIN t3".to_string(),
        _ => "SELECT a, sum(b) OVER (PARTITION BY a), rank() OVER (ORDER BY sum(b) DESC) FROM t1 GROUP BY a, b".to_string(),
    }
}

/// Sorted text rows, or the SQLSTATE of the error.
async fn answer(client: &Client, sql: &str) -> Result<Vec<String>, String> {
    match client.simple_query(sql).await {
        Ok(messages) => {
            let mut rows: Vec<String> = messages
                .iter()
                .filter_map(|message| match message {
                    SimpleQueryMessage::Row(row) => Some(
                        (0..row.len())
                            .map(|i| row.get(i).unwrap_or("NULL").to_string())
                            .collect::<Vec<_>>()
                            .join("|"),
                    ),
                    _ => None,
                })
                .collect();
            rows.sort();
            Ok(rows)
        }
        Err(error) => Err(error
            .code()
            .map_or_else(|| error_text(&error), |c| c.code().to_string())),
    }
}

#[tokio::test]
async fn generated_queries_agree_with_postgres() {
    let postgres = Postgres::start();
    let admin = postgres.client("postgres").await;
    admin
        .batch_execute("CREATE DATABASE differential")
        .await
        .expect("create database");
    let reference = postgres.client("differential").await;
    let server = TestServer::start();
    let db001 = server.client().await;

    let mut generator = Generator(0x5eed_0001);
    for statement in setup(&mut generator) {
        for client in [&reference, &db001] {
            client
                .batch_execute(&statement)
                .await
                .unwrap_or_else(|e| panic!("{statement}: {}", error_text(&e)));
        }
    }
    let mut mismatches = Vec::new();
    for _ in 0..QUERIES {
        let sql = match generator.below(4) {
            0 => join_query(&mut generator),
            1 => subquery(&mut generator),
            2 => window_query(&mut generator),
            _ => other_query(&mut generator),
        };
        let expected = answer(&reference, &sql).await;
        let actual = answer(&db001, &sql).await;
        // PostgreSQL refuses a FULL JOIN whose condition it cannot hash or merge (0A000);
        // db001 runs it as a nested loop. There is nothing to compare with then.
        if expected == Err("0A000".to_string()) && sql.contains("FULL JOIN") {
            continue;
        }
        if expected != actual {
            mismatches.push(format!(
                "{sql}\n  PostgreSQL: {expected:?}\n  db001:      {actual:?}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {QUERIES} queries differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
