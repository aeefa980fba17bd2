//! Parser throughput on statements real clients send (pgbench, TPC-C, YCSB).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const STATEMENTS: &[(&str, &str)] = &[
    (
        "pgbench_update",
        "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;",
    ),
    (
        "pgbench_select",
        "SELECT abalance FROM pgbench_accounts WHERE aid = $1",
    ),
    (
        "tpcc_stock_level",
        "SELECT COUNT(DISTINCT s_i_id) FROM order_line, stock WHERE ol_w_id = $1 AND ol_d_id = $2 AND ol_o_id < $3 AND ol_o_id >= $4 AND s_w_id = $1 AND s_i_id = ol_i_id AND s_quantity < $5",
    ),
    (
        "ycsb_insert",
        "INSERT INTO usertable (ycsb_key, field0, field1, field2, field3, field4, field5, field6, field7, field8, field9) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    ),
    (
        "create_table",
        "CREATE TABLE IF NOT EXISTS bets (id TEXT PRIMARY KEY, game_id TEXT NOT NULL, player_id TEXT NOT NULL, amount BIGINT NOT NULL DEFAULT 0, created_at TIMESTAMP, UNIQUE (game_id, player_id))",
    ),
];

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (name, sql) in STATEMENTS {
        group.throughput(Throughput::Bytes(sql.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| db001_sql::parse(black_box(sql)).expect("valid SQL"))
        });
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
