//! A scripted engine: just enough behaviour to drive every protocol path without the real
//! engine. Statements (case-insensitive, `;`-separated in simple queries):
//!
//! | statement | result |
//! | --- | --- |
//! | `select 1` | one `int4` column `?column?`, one row |
//! | `select series N` | one `int4` column `n`, rows 1..=N |
//! | `select mixed` | `int8`, `text`, `float8`, `bool`, NULL text columns, one row |
//! | `select $1::int` | the parameter back (`int4`) |
//! | `select $1::text, $2::int8` | the parameters back |
//! | `insert N` | `INSERT 0 N` |
//! | `begin` / `commit` / `rollback` | transaction status changes, as PostgreSQL |
//! | `set NAME to VALUE` | `SET`; changes the setting (reported parameters are re-sent) |
//! | `sleep MS` | waits, then `SET` (a statement that takes time) |
//! | `fatal` | a FATAL error |
//! | anything else | 42601 syntax error at position 1 |
//!
//! An error inside a block fails the block (25P02 until it ends), as in PostgreSQL.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use db001_common::{DataType, Error, Oid, Result, SqlState, Value};
use db001_engine::{Column, CommandTag, StatementResult, TransactionStatus};
use db001_wire::{LoginRole, PreparedStatement, QueryEngine, QuerySession};

/// The durations of the `sleep` statements running right now, so tests can wait until one has
/// really started.
static SLEEPING: Mutex<Vec<u64>> = Mutex::new(Vec::new());

/// Waits (at most 10 s) until a `sleep MS` statement is running.
pub async fn wait_until_sleeping(milliseconds: u64) {
    for _ in 0..1000 {
        if SLEEPING
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&milliseconds)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no `sleep {milliseconds}` statement started");
}

/// Removes its duration from [`SLEEPING`] when the sleep ends or is cancelled.
struct Sleeping(u64);

impl Drop for Sleeping {
    fn drop(&mut self) {
        let mut sleeping = SLEEPING.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(index) = sleeping.iter().position(|&ms| ms == self.0) {
            sleeping.remove(index);
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct FakeEngine;

/// The settings a fake session knows, with their defaults.
const SETTINGS: &[(&str, &str)] = &[
    ("application_name", ""),
    ("client_encoding", "UTF8"),
    ("DateStyle", "ISO, MDY"),
    ("extra_float_digits", "1"),
    ("TimeZone", "UTC"),
];

impl QueryEngine for FakeEngine {
    type Session = FakeSession;

    /// Roles: `scram_user` (password `secret`, SCRAM), `md5_user` (password `secret`, md5),
    /// `nologin` (NOLOGIN), `ghost` (does not exist); every other name is a LOGIN role
    /// without a password.
    fn login_role(&self, name: &str) -> Option<LoginRole> {
        let password = match name {
            "ghost" => return None,
            "scram_user" => Some(db001_engine::auth::password_verifier(
                name,
                "secret",
                "scram-sha-256",
            )),
            "md5_user" => Some(db001_engine::auth::password_verifier(name, "secret", "md5")),
            _ => None,
        };
        Some(LoginRole {
            can_login: name != "nologin",
            password,
        })
    }

    fn session(&self) -> FakeSession {
        FakeSession {
            status: TransactionStatus::Idle,
            settings: SETTINGS
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        }
    }
}

#[derive(Debug)]
pub struct FakeSession {
    status: TransactionStatus,
    settings: Vec<(String, String)>,
}

#[derive(Debug)]
pub struct FakePrepared {
    sql: String,
    param_types: Vec<DataType>,
    columns: Option<Arc<[Column]>>,
}

impl PreparedStatement for FakePrepared {
    fn param_types(&self) -> &[DataType] {
        &self.param_types
    }

    fn columns(&self) -> Option<&Arc<[Column]>> {
        self.columns.as_ref()
    }

    fn is_empty(&self) -> bool {
        self.sql.trim().is_empty()
    }
}

fn column(name: &str, data_type: DataType) -> Column {
    Column {
        name: name.to_owned(),
        data_type,
        table_oid: 0,
        column_number: 0,
    }
}

fn syntax_error(sql: &str) -> Error {
    let word = sql.split_whitespace().next().unwrap_or("");
    Error::syntax(format!("syntax error at or near \"{word}\"")).with_position(1)
}

/// The shape of a statement: parameter types and result columns.
type Shape = (Vec<DataType>, Option<Arc<[Column]>>);

fn describe(sql: &str) -> Result<Shape> {
    let lower = sql.trim().to_ascii_lowercase();
    let columns = |list: Vec<Column>| Some(Arc::from(list));
    Ok(match lower.as_str() {
        "select 1" => (vec![], columns(vec![column("?column?", DataType::Int)])),
        "select mixed" => (
            vec![],
            columns(vec![
                column("big", DataType::BigInt),
                column("name", DataType::Text),
                column("ratio", DataType::Double),
                column("flag", DataType::Bool),
                column("nothing", DataType::Text),
            ]),
        ),
        "select $1::int" => (
            vec![DataType::Int],
            columns(vec![column("int4", DataType::Int)]),
        ),
        "select $1::text, $2::int8" => (
            vec![DataType::Text, DataType::BigInt],
            columns(vec![
                column("text", DataType::Text),
                column("int8", DataType::BigInt),
            ]),
        ),
        other if other.starts_with("select series ") => {
            (vec![], columns(vec![column("n", DataType::Int)]))
        }
        other
            if other.starts_with("insert ")
                || other.starts_with("set ")
                || other.starts_with("sleep ")
                || matches!(other, "begin" | "commit" | "rollback" | "fatal") =>
        {
            (vec![], None)
        }
        _ => return Err(syntax_error(sql)),
    })
}

fn number(sql: &str) -> Result<u64> {
    sql.split_whitespace()
        .last()
        .and_then(|word| word.parse().ok())
        .ok_or_else(|| syntax_error(sql))
}

impl FakeSession {
    async fn run(&mut self, sql: &str, params: &[Value]) -> Result<StatementResult> {
        let lower = sql.trim().to_ascii_lowercase();
        match lower.as_str() {
            "begin" => {
                if self.status == TransactionStatus::Idle {
                    self.status = TransactionStatus::InBlock;
                }
                return Ok(StatementResult::command(CommandTag::Begin));
            }
            "commit" => {
                let failed = self.status == TransactionStatus::Failed;
                self.status = TransactionStatus::Idle;
                return Ok(StatementResult::command(if failed {
                    CommandTag::Rollback
                } else {
                    CommandTag::Commit
                }));
            }
            "rollback" => {
                self.status = TransactionStatus::Idle;
                return Ok(StatementResult::command(CommandTag::Rollback));
            }
            _ => {}
        }
        if self.status == TransactionStatus::Failed {
            return Err(Error::new(
                SqlState::IN_FAILED_SQL_TRANSACTION,
                "current transaction is aborted, commands ignored until end of transaction block",
            ));
        }
        let (_, columns) = describe(sql)?;
        let (rows, tag) = match lower.as_str() {
            "select 1" => (vec![vec![Value::Int32(1)]], CommandTag::Select(1)),
            "select mixed" => (
                vec![vec![
                    Value::Int64(-9_000_000_000),
                    Value::text("héllo"),
                    Value::Float64(0.5),
                    Value::Bool(true),
                    Value::Null,
                ]],
                CommandTag::Select(1),
            ),
            "select $1::int" | "select $1::text, $2::int8" => {
                (vec![params.to_vec()], CommandTag::Select(1))
            }
            "fatal" => {
                return Err(Error::internal("the fake engine gave up").fatal());
            }
            other if other.starts_with("select series ") => {
                let count = number(sql)?;
                let rows = (1..=count).map(|n| vec![Value::Int32(n as i32)]).collect();
                (rows, CommandTag::Select(count))
            }
            other if other.starts_with("insert ") => (vec![], CommandTag::Insert(number(sql)?)),
            other if other.starts_with("sleep ") => {
                let milliseconds = number(sql)?;
                SLEEPING
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(milliseconds);
                let _running = Sleeping(milliseconds);
                tokio::time::sleep(Duration::from_millis(milliseconds)).await;
                (vec![], CommandTag::Set)
            }
            other if other.starts_with("set ") => {
                let words: Vec<&str> = sql.split_whitespace().collect();
                let [_, name, _, value] = words[..] else {
                    return Err(syntax_error(sql));
                };
                self.set(name, value.trim_matches('\''))?;
                (vec![], CommandTag::Set)
            }
            _ => return Err(syntax_error(sql)),
        };
        Ok(StatementResult { columns, rows, tag })
    }

    fn set(&mut self, name: &str, value: &str) -> Result<()> {
        let Some(slot) = self
            .settings
            .iter_mut()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
        else {
            return Err(Error::new(
                SqlState::UNDEFINED_OBJECT,
                format!("unrecognized configuration parameter \"{name}\""),
            ));
        };
        slot.1 = match slot.0.as_str() {
            "DateStyle" if value.eq_ignore_ascii_case("iso") => "ISO, MDY".to_owned(),
            _ => value.to_owned(),
        };
        Ok(())
    }

    fn fail(&mut self, error: Error) -> Error {
        if self.status == TransactionStatus::InBlock {
            self.status = TransactionStatus::Failed;
        }
        error
    }
}

impl QuerySession for FakeSession {
    type Prepared = FakePrepared;

    fn set_identity(&mut self, _user: &str, _database: &str) {}

    fn set_startup_parameter(&mut self, name: &str, value: &str) -> Result<()> {
        self.set(name, value)
    }

    fn setting(&self, name: &str) -> Option<String> {
        self.settings
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.clone())
    }

    fn backend_pid(&self) -> i32 {
        4242
    }

    fn statement_failed(&mut self) {
        if self.status == TransactionStatus::InBlock {
            self.status = TransactionStatus::Failed;
        }
    }

    async fn simple_query(
        &mut self,
        sql: &str,
        on_result: &mut (dyn FnMut(StatementResult) + Send),
    ) -> Result<()> {
        for statement in sql.split(';').filter(|s| !s.trim().is_empty()) {
            match self.run(statement, &[]).await {
                Ok(result) => on_result(result),
                Err(error) => return Err(self.fail(error)),
            }
        }
        Ok(())
    }

    fn prepare(&mut self, sql: &str, param_types: &[Oid]) -> Result<Arc<FakePrepared>> {
        if sql.trim().is_empty() {
            return Ok(Arc::new(FakePrepared {
                sql: String::new(),
                param_types: Vec::new(),
                columns: None,
            }));
        }
        let (mut types, columns) = describe(sql).map_err(|error| self.fail(error))?;
        for (index, &oid) in param_types.iter().enumerate() {
            if let (Some(slot), Some(hinted)) = (types.get_mut(index), DataType::from_oid(oid)) {
                *slot = hinted;
            }
        }
        Ok(Arc::new(FakePrepared {
            sql: sql.to_owned(),
            param_types: types,
            columns,
        }))
    }

    async fn execute(
        &mut self,
        prepared: &FakePrepared,
        params: &[Value],
    ) -> Result<StatementResult> {
        let result = self.run(&prepared.sql, params).await;
        result.map_err(|error| self.fail(error))
    }

    async fn sync(&mut self) -> Result<()> {
        Ok(())
    }

    fn transaction_status(&self) -> TransactionStatus {
        self.status
    }

    /// The scripted engine runs no COPY: data is accepted and dropped.
    fn copy_data<'a>(
        &'a mut self,
        _data: &'a [u8],
    ) -> impl std::future::Future<Output = db001_common::Result<()>> + Send + 'a {
        std::future::ready(Ok(()))
    }

    fn copy_done(
        &mut self,
        _end_implicit: bool,
    ) -> impl std::future::Future<Output = db001_common::Result<StatementResult>> + Send + '_ {
        std::future::ready(Ok(StatementResult::command(
            db001_engine::CommandTag::Copy(0),
        )))
    }

    fn copy_fail(&mut self, message: &str) -> db001_common::Error {
        db001_common::Error::new(
            db001_common::SqlState::QUERY_CANCELED,
            format!("COPY from stdin failed: {message}"),
        )
    }
}
