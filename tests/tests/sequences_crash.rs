//! Sequences across `kill -9`: after a crash no sequence hands out a value it handed out
//! before (PostgreSQL's guarantee for values used by acknowledged commits; db001 also keeps it
//! for values of rolled-back transactions and of plain `SELECT nextval`, which it logs ahead),
//! and the catalog objects created before the crash (schema, sequence, serial and identity
//! tables, constraints, views) are all there.

use db001_tests::{TestServer, error_text};

/// Rounds of "use values, crash, restart".
const ROUNDS: usize = 3;
/// Rows inserted per round.
const ROWS_PER_ROUND: i64 = 40;

#[tokio::test]
async fn sequences_never_repeat_a_value_after_kill_9() {
    let mut server = TestServer::start();
    let client = server.client().await;
    client
        .batch_execute(
            "CREATE SCHEMA game;
             CREATE SEQUENCE game.tickets INCREMENT 3;
             CREATE TABLE game.rolls (id bigserial PRIMARY KEY, ticket bigint NOT NULL DEFAULT nextval('game.tickets'), face int CHECK (face BETWEEN 1 AND 6));
             CREATE TABLE game.log (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, roll_id bigint REFERENCES game.rolls (id) ON DELETE CASCADE);
             CREATE VIEW game.sixes AS SELECT id FROM game.rolls WHERE face = 6;",
        )
        .await
        .unwrap_or_else(|e| panic!("schema: {}", error_text(&e)));
    drop(client);

    let mut highest_roll = 0_i64;
    let mut highest_ticket = 0_i64;
    let mut highest_log = 0_i32;
    for round in 0..ROUNDS {
        let client = server.client().await;
        for i in 0..ROWS_PER_ROUND {
            let row = client
                .query_one(
                    "INSERT INTO game.rolls (face) VALUES ($1) RETURNING id, ticket",
                    &[&((i % 6) as i32 + 1)],
                )
                .await
                .unwrap_or_else(|e| panic!("insert: {}", error_text(&e)));
            let (id, ticket): (i64, i64) = (row.get(0), row.get(1));
            assert!(
                id > highest_roll,
                "round {round}: roll id {id} handed out again"
            );
            assert!(
                ticket > highest_ticket,
                "round {round}: ticket {ticket} handed out again"
            );
            highest_roll = id;
            highest_ticket = ticket;
            let log: i32 = client
                .query_one(
                    "INSERT INTO game.log (roll_id) VALUES ($1) RETURNING id",
                    &[&id],
                )
                .await
                .unwrap_or_else(|e| panic!("log: {}", error_text(&e)))
                .get(0);
            assert!(
                log > highest_log,
                "round {round}: log id {log} handed out again"
            );
            highest_log = log;
        }
        // Values taken by a transaction that rolls back, and by a bare SELECT, count too.
        client
            .batch_execute("BEGIN; SELECT nextval('game.tickets'); ROLLBACK")
            .await
            .unwrap_or_else(|e| panic!("rolled back nextval: {}", error_text(&e)));
        let bare: i64 = client
            .query_one("SELECT nextval('game.tickets')", &[])
            .await
            .unwrap_or_else(|e| panic!("nextval: {}", error_text(&e)))
            .get(0);
        assert!(bare > highest_ticket);
        highest_ticket = bare;
        drop(client);
        server.kill9();
        server.restart();
    }

    let client = server.client().await;
    let row = client
        .query_one(
            "SELECT count(*), (SELECT count(*) FROM game.sixes), (SELECT count(*) FROM game.log) FROM game.rolls",
            &[],
        )
        .await
        .unwrap_or_else(|e| panic!("counts: {}", error_text(&e)));
    let (rolls, sixes, logs): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    let total = ROUNDS as i64 * ROWS_PER_ROUND;
    assert_eq!(rolls, total, "every acknowledged insert survived");
    assert_eq!(logs, total);
    assert_eq!(
        sixes,
        (0..ROWS_PER_ROUND).filter(|i| i % 6 == 5).count() as i64 * ROUNDS as i64
    );
    let error = client
        .execute("INSERT INTO game.rolls (face) VALUES (7)", &[])
        .await
        .expect_err("the CHECK survived");
    assert_eq!(error.code().map(|c| c.code()), Some("23514"));
    client
        .execute("DELETE FROM game.rolls", &[])
        .await
        .unwrap_or_else(|e| panic!("delete: {}", error_text(&e)));
    let logs: i64 = client
        .query_one("SELECT count(*) FROM game.log", &[])
        .await
        .unwrap_or_else(|e| panic!("count: {}", error_text(&e)))
        .get(0);
    assert_eq!(logs, 0, "the cascade survived");
    let ticket: i64 = client
        .query_one("SELECT nextval('game.tickets')", &[])
        .await
        .unwrap_or_else(|e| panic!("nextval: {}", error_text(&e)))
        .get(0);
    assert!(
        ticket > highest_ticket,
        "ticket {ticket} after {highest_ticket}"
    );
}
