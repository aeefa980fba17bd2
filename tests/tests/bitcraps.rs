//! BitCraps, the first real application: its schema migrations and its queries.
//!
//! - The migrations in `config/migrations/bitcraps` apply with `db001 migrate`, roll back with
//!   `--down`, apply again; an edited applied file stops the runner; a failing migration leaves
//!   nothing behind; the `migrations_dir` setting applies them at start-up.
//! - The application's transactions (token transfer with balance check, placing and resolving
//!   a bet with payout and player statistics, the leaderboard, active games with pagination)
//!   give the same answers on db001 and on PostgreSQL 15.
//! - Many transfers from several connections at once: money is conserved and no balance goes
//!   negative.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use db001_tests::postgres::Postgres;
use db001_tests::{TestServer, error_text, run_db001};
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

const MIGRATE_LIMIT: Duration = Duration::from_secs(60);

fn migrations_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/migrations/bitcraps")
}

fn url(server: &TestServer) -> String {
    format!("postgresql://postgres@{}/postgres", server.address())
}

fn migrate(url: &str, dir: &Path, extra: &[&str]) -> (bool, String) {
    let dir = dir.to_string_lossy();
    let mut args = vec!["migrate", "--url", url, "--dir", dir.as_ref()];
    args.extend_from_slice(extra);
    let (status, stdout, stderr) = run_db001(&args, MIGRATE_LIMIT);
    (status.success(), format!("{stdout}{stderr}"))
}

/// Which of the BitCraps tables (and `leftover`) exist, probed one by one (db001 has no
/// information_schema yet).
async fn table_names(client: &Client) -> Vec<String> {
    let mut found = Vec::new();
    for table in ALL_TABLES.iter().chain(&["leftover"]) {
        match client
            .simple_query(&format!("SELECT 1 FROM {table} LIMIT 1"))
            .await
        {
            Ok(_) => found.push(table.to_string()),
            Err(error) if error.code() == Some(&SqlState::UNDEFINED_TABLE) => {}
            Err(error) => panic!("probe {table}: {}", error_text(&error)),
        }
    }
    found
}

async fn applied_versions(client: &Client) -> Vec<i64> {
    client
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .await
        .map(|rows| rows.iter().map(|row| row.get(0)).collect())
        .unwrap_or_else(|error| panic!("read schema_migrations: {}", error_text(&error)))
}

const ALL_TABLES: [&str; 16] = [
    "audit_log",
    "bets",
    "consensus_rounds",
    "consensus_votes",
    "game_statistics",
    "games",
    "peer_connections",
    "performance_metrics",
    "player_statistics",
    "schema_migrations",
    "staking",
    "system_health",
    "token_balances",
    "token_transfers",
    "transactions",
    "users",
];

#[tokio::test]
async fn migrations_apply_roll_back_and_apply_again() {
    let server = TestServer::start();
    let url = url(&server);
    let client = server.client().await;
    let (ok, output) = migrate(&url, &migrations_dir(), &[]);
    assert!(ok, "{output}");
    assert!(output.contains("applied 7 migration(s)"), "{output}");
    assert_eq!(table_names(&client).await, ALL_TABLES);
    assert_eq!(applied_versions(&client).await, [1, 2, 3, 4, 5, 6, 7]);

    let (ok, output) = migrate(&url, &migrations_dir(), &[]);
    assert!(ok && output.contains("up to date"), "{output}");

    let (ok, output) = migrate(&url, &migrations_dir(), &["--down", "3"]);
    assert!(
        ok && output.contains("undid 3 migration(s): 7, 6, 5"),
        "{output}"
    );
    assert_eq!(applied_versions(&client).await, [1, 2, 3, 4]);
    assert!(
        !table_names(&client)
            .await
            .contains(&"token_balances".to_string())
    );

    let (ok, output) = migrate(&url, &migrations_dir(), &["--down", "7"]);
    assert!(ok, "{output}");
    assert_eq!(table_names(&client).await, ["schema_migrations"]);

    let (ok, output) = migrate(&url, &migrations_dir(), &[]);
    assert!(ok, "{output}");
    assert_eq!(table_names(&client).await, ALL_TABLES);
}

/// A copy of the BitCraps migrations in a scratch directory (to edit or extend).
fn scratch_copy() -> tempfile::TempDir {
    let scratch = tempfile::tempdir().expect("scratch directory");
    for entry in std::fs::read_dir(migrations_dir()).expect("migrations directory") {
        let path = entry.expect("directory entry").path();
        let name = path.file_name().expect("file name");
        std::fs::copy(&path, scratch.path().join(name)).expect("copy migration");
    }
    scratch
}

#[tokio::test]
async fn an_edited_applied_migration_stops_the_runner_and_a_failing_one_leaves_nothing() {
    let server = TestServer::start();
    let url = url(&server);
    let client = server.client().await;
    let scratch = scratch_copy();
    let (ok, output) = migrate(&url, scratch.path(), &[]);
    assert!(ok, "{output}");

    // A migration that fails half-way: its first table must not survive.
    std::fs::write(
        scratch.path().join("V8__broken.sql"),
        "CREATE TABLE leftover (id int PRIMARY KEY);\nCREATE TABLE users (id int);\n",
    )
    .expect("write V8");
    let (ok, output) = migrate(&url, scratch.path(), &[]);
    assert!(!ok, "a failing migration must fail the run: {output}");
    assert!(output.contains("V8__broken.sql failed"), "{output}");
    assert!(output.contains("42P07"), "{output}");
    assert!(!table_names(&client).await.contains(&"leftover".to_string()));
    assert_eq!(applied_versions(&client).await, [1, 2, 3, 4, 5, 6, 7]);
    std::fs::remove_file(scratch.path().join("V8__broken.sql")).expect("remove V8");

    // Editing history is refused, in both directions.
    let edited = scratch.path().join("V3__consensus.sql");
    let mut text = std::fs::read_to_string(&edited).expect("read V3");
    text.push_str("\n-- an innocent-looking edit\n");
    std::fs::write(&edited, text).expect("edit V3");
    for extra in [&[][..], &["--down", "1"][..]] {
        let (ok, output) = migrate(&url, scratch.path(), extra);
        assert!(!ok, "an edited migration must stop the runner: {output}");
        assert!(
            output.contains("was changed after it was applied"),
            "{output}"
        );
    }
    assert_eq!(applied_versions(&client).await, [1, 2, 3, 4, 5, 6, 7]);
}

#[tokio::test]
async fn the_migrations_dir_setting_applies_them_at_start_up() {
    let dir = migrations_dir();
    let dir = dir.to_string_lossy();
    let mut server = TestServer::start_with_args(&["--migrations-dir", dir.as_ref()]);
    let client = server.client().await;
    assert_eq!(table_names(&client).await, ALL_TABLES);
    drop(client);
    server.restart();
    let client = server.client().await;
    assert_eq!(applied_versions(&client).await, [1, 2, 3, 4, 5, 6, 7]);
    assert!(
        server.log_shows("schema is up to date", Duration::from_secs(10)),
        "{}",
        server.log()
    );
}

// ---------------------------------------------------------------- the application

/// Applies the migrations over `client` the way the runner does (used for PostgreSQL, where
/// the db001 binary's runner would do the same).
async fn apply_all(client: &Client) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(migrations_dir())
        .expect("migrations directory")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('V') && n.ends_with(".sql"))
        })
        .collect();
    files.sort_by_key(|path| {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        name[1..name.find("__").unwrap_or(1)]
            .parse::<i64>()
            .unwrap_or(0)
    });
    for file in files {
        let sql = std::fs::read_to_string(&file).expect("read migration");
        client
            .batch_execute(&format!("BEGIN;\n{sql}\nCOMMIT;"))
            .await
            .unwrap_or_else(|e| panic!("{}: {}", file.display(), error_text(&e)));
    }
}

async fn seed(client: &Client, users: usize, balance: i64) {
    for i in 0..users {
        let id = format!("u{i:02}");
        client
            .execute(
                "INSERT INTO users (id, username, public_key) VALUES ($1, $2, $3)",
                &[&id, &format!("player{i:02}"), &vec![i as u8; 32]],
            )
            .await
            .unwrap_or_else(|e| panic!("insert user: {}", error_text(&e)));
        client
            .execute(
                "INSERT INTO token_balances (user_id, balance) VALUES ($1, $2)",
                &[&id, &balance],
            )
            .await
            .unwrap_or_else(|e| panic!("insert balance: {}", error_text(&e)));
    }
}

/// Why a transfer did not happen.
#[derive(Debug, PartialEq)]
enum TransferError {
    Insufficient,
    /// 40001 or 40P01: the application retries.
    Retry,
    Other(String),
}

fn classify(error: tokio_postgres::Error) -> TransferError {
    match error.code() {
        Some(code)
            if *code == SqlState::T_R_SERIALIZATION_FAILURE
                || *code == SqlState::T_R_DEADLOCK_DETECTED =>
        {
            TransferError::Retry
        }
        _ => TransferError::Other(error_text(&error)),
    }
}

/// The BitCraps transfer: lock and check the sender's balance, debit, credit, log the
/// transfer and an audit event, all in one transaction.
async fn transfer(client: &Client, from: &str, to: &str, amount: i64) -> Result<(), TransferError> {
    client.batch_execute("BEGIN").await.map_err(classify)?;
    let result = async {
        let row = client
            .query_one(
                "SELECT balance FROM token_balances WHERE user_id = $1 FOR UPDATE",
                &[&from],
            )
            .await
            .map_err(classify)?;
        let balance: i64 = row.get(0);
        if balance < amount {
            return Err(TransferError::Insufficient);
        }
        client
            .execute(
                "UPDATE token_balances SET balance = balance - $2, updated_at = now() WHERE user_id = $1",
                &[&from, &amount],
            )
            .await
            .map_err(classify)?;
        client
            .execute(
                "UPDATE token_balances SET balance = balance + $2, updated_at = now() WHERE user_id = $1",
                &[&to, &amount],
            )
            .await
            .map_err(classify)?;
        client
            .execute(
                "INSERT INTO token_transfers (from_user_id, to_user_id, amount, memo) VALUES ($1, $2, $3, 'transfer')",
                &[&from, &to, &amount],
            )
            .await
            .map_err(classify)?;
        client
            .execute(
                "INSERT INTO audit_log (event_type, user_id, details) \
                 VALUES ('token_transfer', $1, jsonb_build_object('to', $2::text, 'amount', $3::bigint))",
                &[&from, &to, &amount],
            )
            .await
            .map_err(classify)?;
        client.batch_execute("COMMIT").await.map_err(classify)
    }
    .await;
    if result.is_err() {
        let _ = client.batch_execute("ROLLBACK").await;
    }
    result
}

async fn balance(client: &Client, user: &str) -> i64 {
    client
        .query_one(
            "SELECT balance FROM token_balances WHERE user_id = $1",
            &[&user],
        )
        .await
        .map(|row| row.get(0))
        .unwrap_or_else(|e| panic!("balance: {}", error_text(&e)))
}

/// Places a bet: debit the stake, record the bet and the ledger entry, grow the pot.
async fn place_bet(client: &Client, game: &str, player: &str, amount: i64) -> i64 {
    let statements = async {
        client.batch_execute("BEGIN").await?;
        client
            .execute(
                "UPDATE token_balances SET balance = balance - $2 WHERE user_id = $1",
                &[&player, &amount],
            )
            .await?;
        let bet: i64 = client
            .query_one(
                "INSERT INTO bets (game_id, player_id, bet_type, amount) VALUES ($1, $2, 'pass_line', $3) RETURNING id",
                &[&game, &player, &amount],
            )
            .await?
            .get(0);
        client
            .execute(
                "UPDATE games SET pot_size = pot_size + $2, state = 'active' WHERE id = $1",
                &[&game, &amount],
            )
            .await?;
        client
            .execute(
                "INSERT INTO transactions (from_user_id, amount, transaction_type, game_id) VALUES ($1, $2, 'bet', $3)",
                &[&player, &amount, &game],
            )
            .await?;
        client.batch_execute("COMMIT").await?;
        Ok::<i64, tokio_postgres::Error>(bet)
    };
    statements
        .await
        .unwrap_or_else(|e| panic!("place bet: {}", error_text(&e)))
}

/// Resolves a bet: mark it won or lost, pay out, and fold it into the player's statistics
/// (an upsert).
async fn resolve_bet(client: &Client, bet: i64, won: bool) {
    let statements = async {
        client.batch_execute("BEGIN").await?;
        let row = client
            .query_one(
                "UPDATE bets SET status = CASE WHEN $2 THEN 'won' ELSE 'lost' END, \
                 payout = CASE WHEN $2 THEN amount * 2 ELSE 0 END, resolved_at = now() \
                 WHERE id = $1 AND status = 'pending' RETURNING player_id, game_id, amount, payout",
                &[&bet, &won],
            )
            .await?;
        let player: String = row.get(0);
        let game: String = row.get(1);
        let amount: i64 = row.get(2);
        let payout: i64 = row.get(3);
        if payout > 0 {
            client
                .execute(
                    "UPDATE token_balances SET balance = balance + $2 WHERE user_id = $1",
                    &[&player, &payout],
                )
                .await?;
            client
                .execute(
                    "INSERT INTO transactions (to_user_id, amount, transaction_type, game_id) VALUES ($1, $2, 'payout', $3)",
                    &[&player, &payout, &game],
                )
                .await?;
        }
        client
            .execute(
                "INSERT INTO player_statistics AS ps (user_id, games_played, games_won, total_wagered, total_won, biggest_win) \
                 VALUES ($1, 1, $2, $3, $4, $4) \
                 ON CONFLICT (user_id) DO UPDATE SET \
                   games_played = ps.games_played + 1, \
                   games_won = ps.games_won + EXCLUDED.games_won, \
                   total_wagered = ps.total_wagered + EXCLUDED.total_wagered, \
                   total_won = ps.total_won + EXCLUDED.total_won, \
                   biggest_win = GREATEST(ps.biggest_win, EXCLUDED.biggest_win), \
                   updated_at = now()",
                &[&player, &i32::from(won), &amount, &payout],
            )
            .await?;
        client.batch_execute("COMMIT").await
    };
    statements
        .await
        .unwrap_or_else(|e| panic!("resolve bet: {}", error_text(&e)))
}

/// Runs the application scenario and returns everything it read, as text, for comparing the
/// two servers.
async fn application_scenario(client: &Client) -> Vec<String> {
    seed(client, 4, 1000).await;
    let mut seen = Vec::new();

    // Transfers, one of them too large.
    assert_eq!(transfer(client, "u00", "u01", 300).await, Ok(()));
    assert_eq!(
        transfer(client, "u01", "u02", 5000).await,
        Err(TransferError::Insufficient)
    );
    for user in ["u00", "u01", "u02"] {
        seen.push(format!("{user} balance {}", balance(client, user).await));
    }
    assert_eq!(balance(client, "u00").await, 700);
    assert_eq!(balance(client, "u01").await, 1300);
    // The CHECK on the balance stops a debit that skipped the application's check.
    let error = client
        .execute(
            "UPDATE token_balances SET balance = balance - 10000 WHERE user_id = 'u03'",
            &[],
        )
        .await
        .expect_err("negative balance");
    assert_eq!(error.code(), Some(&SqlState::CHECK_VIOLATION));

    // Games, bets, payouts, statistics.
    for (i, game) in ["g1", "g2", "g3", "g4", "g5"].iter().enumerate() {
        client
            .execute(
                "INSERT INTO games (id, host_id, created_at) VALUES ($1, 'u00', \
                 timestamptz '2025-01-01 00:00:00+00' + $2::int * interval '1 minute')",
                &[game, &(i as i32)],
            )
            .await
            .unwrap_or_else(|e| panic!("insert game: {}", error_text(&e)));
    }
    let mut bets = Vec::new();
    for (game, player, amount) in [
        ("g1", "u00", 100),
        ("g1", "u01", 50),
        ("g2", "u02", 200),
        ("g3", "u01", 25),
        ("g4", "u03", 75),
    ] {
        bets.push(place_bet(client, game, player, amount).await);
    }
    for (bet, won) in bets.iter().zip([true, false, true, true, false]) {
        resolve_bet(client, *bet, won).await;
    }
    let stats = client
        .query(
            "SELECT user_id, games_played, games_won, total_wagered, total_won, biggest_win \
             FROM player_statistics ORDER BY user_id",
            &[],
        )
        .await
        .unwrap_or_else(|e| panic!("statistics: {}", error_text(&e)));
    for row in &stats {
        let (user, played, won): (String, i32, i32) = (row.get(0), row.get(1), row.get(2));
        let (wagered, total, biggest): (i64, i64, i64) = (row.get(3), row.get(4), row.get(5));
        seen.push(format!("{user} {played} {won} {wagered} {total} {biggest}"));
    }
    assert_eq!(
        seen.iter()
            .filter(|s| s.starts_with("u01 2 1 75 50"))
            .count(),
        1
    );

    // The leaderboard: join, aggregate, ORDER BY, LIMIT.
    let leaders = client
        .query(
            "SELECT u.username, ps.total_won, count(b.id) AS bets, coalesce(sum(b.amount), 0) AS staked \
             FROM users u JOIN player_statistics ps ON ps.user_id = u.id \
             LEFT JOIN bets b ON b.player_id = u.id \
             WHERE u.is_active \
             GROUP BY u.username, ps.total_won \
             ORDER BY ps.total_won DESC, u.username LIMIT 3",
            &[],
        )
        .await
        .unwrap_or_else(|e| panic!("leaderboard: {}", error_text(&e)));
    for row in &leaders {
        let (name, won, count): (String, i64, i64) = (row.get(0), row.get(1), row.get(2));
        let staked: rust_decimal::Decimal = row.get(3);
        seen.push(format!("leader {name} {won} {count} {staked}"));
    }
    assert_eq!(leaders.len(), 3);
    assert_eq!(leaders[0].get::<_, String>(0), "player02");

    // Active games, newest first, two per page.
    for page in 0..2_i64 {
        let games = client
            .query(
                "SELECT id, pot_size FROM games WHERE state = 'active' \
                 ORDER BY created_at DESC, id LIMIT 2 OFFSET $1",
                &[&(page * 2)],
            )
            .await
            .unwrap_or_else(|e| panic!("active games: {}", error_text(&e)));
        let ids: Vec<String> = games
            .iter()
            .map(|row| format!("{}:{}", row.get::<_, String>(0), row.get::<_, i64>(1)))
            .collect();
        seen.push(format!("page {page}: {}", ids.join(" ")));
    }
    assert!(
        seen.contains(&"page 0: g4:75 g3:25".to_string()),
        "{seen:?}"
    );
    assert!(
        seen.contains(&"page 1: g2:200 g1:150".to_string()),
        "{seen:?}"
    );

    // Money is where the ledger says it is.
    let total: i64 = client
        .query_one("SELECT sum(balance)::bigint FROM token_balances", &[])
        .await
        .map(|row| row.get(0))
        .unwrap_or_else(|e| panic!("total: {}", error_text(&e)));
    seen.push(format!("total {total}"));
    seen
}

#[tokio::test]
async fn application_queries_match_postgres() {
    let server = TestServer::start();
    let (ok, output) = migrate(&url(&server), &migrations_dir(), &[]);
    assert!(ok, "{output}");
    let db001 = application_scenario(&server.client().await).await;

    let postgres = Postgres::start();
    let admin = postgres.client("postgres").await;
    admin
        .batch_execute("CREATE DATABASE bitcraps")
        .await
        .expect("create database");
    let client = postgres.client("bitcraps").await;
    apply_all(&client).await;
    let expected = application_scenario(&client).await;
    assert_eq!(db001, expected);
}

// ---------------------------------------------------------------- concurrency

const USERS: usize = 10;
const INITIAL_BALANCE: i64 = 500;
const CONNECTIONS: usize = 6;
const TRANSFERS_PER_CONNECTION: usize = 60;
/// Attempts one transfer may take (retries after 40001/40P01) before the test gives up.
const ATTEMPTS_MAX: usize = 1000;

#[tokio::test]
async fn concurrent_transfers_conserve_money_and_never_overdraw() {
    let server = TestServer::start();
    let (ok, output) = migrate(&url(&server), &migrations_dir(), &[]);
    assert!(ok, "{output}");
    let setup = server.client().await;
    seed(&setup, USERS, INITIAL_BALANCE).await;

    let mut tasks = Vec::new();
    let done = Arc::new(std::sync::atomic::AtomicU64::new(0));
    for connection in 0..CONNECTIONS {
        let client = server.client().await;
        let done = Arc::clone(&done);
        tasks.push(tokio::spawn(async move {
            let mut state = 0x9E37_79B9_7F4A_7C15_u64 ^ (connection as u64 + 1);
            let mut next = move |n: u64| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state % n
            };
            for _ in 0..TRANSFERS_PER_CONNECTION {
                let from = next(USERS as u64);
                let to = (from + 1 + next(USERS as u64 - 1)) % USERS as u64;
                // Large enough that some transfers find the balance too low.
                let amount = 1 + next(400) as i64;
                let (from, to) = (format!("u{from:02}"), format!("u{to:02}"));
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    assert!(attempts <= ATTEMPTS_MAX, "transfer kept failing");
                    match transfer(&client, &from, &to, amount).await {
                        Ok(()) => {
                            done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            break;
                        }
                        Err(TransferError::Insufficient) => break,
                        Err(TransferError::Retry) => continue,
                        Err(TransferError::Other(error)) => panic!("transfer failed: {error}"),
                    }
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("transfer task");
    }
    let row = setup
        .query_one(
            "SELECT sum(balance)::bigint, min(balance), count(*) FROM token_balances",
            &[],
        )
        .await
        .unwrap_or_else(|e| panic!("totals: {}", error_text(&e)));
    let (total, lowest, users): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    assert_eq!(
        total,
        INITIAL_BALANCE * USERS as i64,
        "money was created or lost"
    );
    assert!(lowest >= 0, "a balance went negative: {lowest}");
    assert_eq!(users, USERS as i64);
    let logged: i64 = setup
        .query_one("SELECT count(*) FROM token_transfers", &[])
        .await
        .map(|row| row.get(0))
        .unwrap_or_else(|e| panic!("count transfers: {}", error_text(&e)));
    let done = done.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        logged as u64, done,
        "every committed transfer is logged once"
    );
    assert!(done > 0, "no transfer committed");
    // Each committed transfer's audit entry is there too.
    let audited: i64 = setup
        .query_one(
            "SELECT count(*) FROM audit_log WHERE event_type = 'token_transfer'",
            &[],
        )
        .await
        .map(|row| row.get(0))
        .unwrap_or_else(|e| panic!("count audit: {}", error_text(&e)));
    assert_eq!(audited, logged);
}
