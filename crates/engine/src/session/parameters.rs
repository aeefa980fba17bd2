//! `SET`, `SET TRANSACTION` / `SET SESSION CHARACTERISTICS`, `SHOW`: the session's parameters
//! and its transaction's modes. `transaction_isolation` and `transaction_read_only` are the
//! current transaction's modes (SET of them is SET TRANSACTION); everything else lives in the
//! session's [`Settings`].

use std::sync::Arc;

use db001_common::{DataType, Error, Result, SqlState, Value};
use db001_sql::ast;

use super::{Session, text_column};
use crate::result::{Column, CommandTag, StatementResult};
use crate::settings::{Settings, parse_isolation};
use crate::transaction::Transaction;

impl Session {
    pub(super) fn apply_set(&mut self, set: &ast::SetStatement) -> Result<()> {
        let name = set.name.value.as_str();
        if name.eq_ignore_ascii_case("transaction_read_only")
            && let Some(values) = &set.value
        {
            let value = words(values);
            let mode = match value.to_ascii_lowercase().as_str() {
                "on" | "true" | "yes" | "1" => ast::TransactionMode::ReadOnly,
                "off" | "false" | "no" | "0" => ast::TransactionMode::ReadWrite,
                _ => {
                    return Err(Error::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        "parameter \"transaction_read_only\" requires a Boolean value",
                    ));
                }
            };
            return self.set_transaction(false, &[mode]);
        }
        if name.eq_ignore_ascii_case("transaction_isolation")
            && let Some(values) = &set.value
        {
            let value = words(values);
            let level = parse_isolation(&value).ok_or_else(|| {
                Error::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("invalid value for parameter \"transaction_isolation\": \"{value}\""),
                )
            })?;
            return self.set_transaction(
                false,
                &[ast::TransactionMode::IsolationLevel(to_ast_level(level))],
            );
        }
        self.settings.set(name, set.value.as_deref())
    }

    pub(super) fn set_transaction(
        &mut self,
        session: bool,
        modes: &[ast::TransactionMode],
    ) -> Result<()> {
        if session {
            for mode in modes {
                match mode {
                    ast::TransactionMode::IsolationLevel(level) => {
                        self.settings.set_isolation_default(from_ast_level(*level))
                    }
                    ast::TransactionMode::ReadOnly => self.settings.set_read_only_default(true),
                    ast::TransactionMode::ReadWrite => self.settings.set_read_only_default(false),
                    ast::TransactionMode::Deferrable(on) => {
                        self.settings.set_deferrable_default(*on)
                    }
                }
            }
            return Ok(());
        }
        match &mut self.txn {
            Some(txn) if txn.explicit => {
                if txn.snapshot.is_some() {
                    if modes
                        .iter()
                        .any(|m| matches!(m, ast::TransactionMode::IsolationLevel(_)))
                    {
                        return Err(Error::new(
                            SqlState::ACTIVE_SQL_TRANSACTION,
                            "SET TRANSACTION ISOLATION LEVEL must be called before any query",
                        ));
                    }
                    if txn.read_only && modes.contains(&ast::TransactionMode::ReadWrite) {
                        return Err(Error::new(
                            SqlState::ACTIVE_SQL_TRANSACTION,
                            "transaction read-write mode must be set before any query",
                        ));
                    }
                    if modes
                        .iter()
                        .any(|m| matches!(m, ast::TransactionMode::Deferrable(_)))
                    {
                        return Err(Error::new(
                            SqlState::ACTIVE_SQL_TRANSACTION,
                            "SET TRANSACTION [NOT] DEFERRABLE must be called before any query",
                        ));
                    }
                }
                apply_modes(txn, modes)
            }
            // Outside a block PostgreSQL warns and does nothing.
            _ => Ok(()),
        }
    }

    pub(super) fn show(&self, name: &str) -> Result<StatementResult> {
        let columns = show_columns(name)?;
        if name.eq_ignore_ascii_case("all") {
            let rows = self
                .settings
                .all()
                .into_iter()
                .map(|(name, value)| {
                    let description = crate::settings::KNOWN
                        .iter()
                        .find(|p| p.name == name)
                        .map_or("", |p| p.description);
                    vec![
                        Value::text(&name),
                        Value::text(&value),
                        Value::text(description),
                    ]
                })
                .collect();
            return Ok(StatementResult {
                columns: Some(columns),
                rows,
                tag: CommandTag::Show,
            });
        }
        let value = if name.eq_ignore_ascii_case("transaction_isolation") {
            self.txn.as_ref().map_or_else(
                || self.settings.default_isolation().name().to_string(),
                |t| t.isolation.name().to_string(),
            )
        } else if name.eq_ignore_ascii_case("transaction_read_only") {
            let read_only = self
                .txn
                .as_ref()
                .map_or(self.settings.default_read_only(), |t| t.read_only);
            if read_only { "on" } else { "off" }.to_string()
        } else {
            self.settings
                .lookup(name)?
                .ok_or_else(|| crate::settings::unrecognized(name))?
        };
        Ok(StatementResult {
            columns: Some(columns),
            rows: vec![vec![Value::text(&value)]],
            tag: CommandTag::Show,
        })
    }
}

/// The column `SHOW name` returns (three for `SHOW ALL`).
pub(super) fn show_columns(name: &str) -> Result<Arc<[Column]>> {
    if name.eq_ignore_ascii_case("all") {
        return Ok(["name", "setting", "description"]
            .iter()
            .map(|name| Column {
                name: name.to_string(),
                data_type: DataType::Text,
                table_oid: 0,
                column_number: 0,
            })
            .collect());
    }
    if name.eq_ignore_ascii_case("transaction_isolation")
        || name.eq_ignore_ascii_case("transaction_read_only")
    {
        return Ok(text_column(&name.to_ascii_lowercase()));
    }
    match Settings::canonical(name) {
        Ok(canonical) => Ok(text_column(canonical)),
        Err(_) if name.contains('.') => Ok(text_column(&name.to_ascii_lowercase())),
        Err(error) => Err(error),
    }
}

/// Applies BEGIN's or SET TRANSACTION's modes to a transaction.
pub(crate) fn apply_modes(txn: &mut Transaction, modes: &[ast::TransactionMode]) -> Result<()> {
    for mode in modes {
        match mode {
            ast::TransactionMode::IsolationLevel(level) => txn.isolation = from_ast_level(*level),
            ast::TransactionMode::ReadOnly => txn.read_only = true,
            ast::TransactionMode::ReadWrite => txn.read_only = false,
            ast::TransactionMode::Deferrable(on) => txn.deferrable = *on,
        }
    }
    Ok(())
}

fn from_ast_level(level: ast::IsolationLevel) -> db001_txn::IsolationLevel {
    match level {
        ast::IsolationLevel::ReadUncommitted | ast::IsolationLevel::ReadCommitted => {
            db001_txn::IsolationLevel::ReadCommitted
        }
        ast::IsolationLevel::RepeatableRead => db001_txn::IsolationLevel::RepeatableRead,
        ast::IsolationLevel::Serializable => db001_txn::IsolationLevel::Serializable,
    }
}

fn to_ast_level(level: db001_txn::IsolationLevel) -> ast::IsolationLevel {
    match level {
        db001_txn::IsolationLevel::ReadCommitted => ast::IsolationLevel::ReadCommitted,
        db001_txn::IsolationLevel::RepeatableRead => ast::IsolationLevel::RepeatableRead,
        db001_txn::IsolationLevel::Serializable => ast::IsolationLevel::Serializable,
    }
}

/// The words of a `SET name = ...` value, as one text (`SET transaction_isolation TO repeatable
/// read` gives `repeatable read`).
fn words(values: &[ast::SetValue]) -> String {
    let parts: Vec<&str> = values
        .iter()
        .map(|value| match value {
            ast::SetValue::Word(w) | ast::SetValue::String(w) | ast::SetValue::Number(w) => {
                w.as_str()
            }
        })
        .collect();
    parts.join(" ")
}
