//! The one error type of the drivers: what was being done, the SQLSTATE if the server sent one,
//! and the message.
//!
//! Why a plain record rather than an enum of causes: the comparison with PostgreSQL has to say
//! *which statement* db001 could not run, so every failure carries its context (a statement name
//! such as `new_order.stock_for_update`, or a DDL/COPY step), and the record serialises as is into
//! the JSON reports that `benches/compare.sh` reads.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A failed step of a driver command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriverError {
    /// What was being done: a statement name, a DDL step, `connect`, ...
    pub context: String,
    /// The SQLSTATE the server reported, if the failure came from the server.
    pub sqlstate: Option<String>,
    /// The server's or the driver's message.
    pub message: String,
}

impl DriverError {
    /// A failure detected by the driver itself.
    pub fn new(context: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            context: context.into(),
            sqlstate: None,
            message: message.into(),
        }
    }

    /// A failure reported by tokio-postgres while doing `context`.
    pub fn database(context: impl Into<String>, error: &tokio_postgres::Error) -> Self {
        Self {
            context: context.into(),
            sqlstate: error.code().map(|code| code.code().to_owned()),
            message: describe(error),
        }
    }
}

/// The server's message for a database error, or the whole cause chain for anything else
/// (closed connections, I/O, type mismatches), so reports say what actually happened.
pub fn describe(error: &tokio_postgres::Error) -> String {
    if let Some(database_error) = error.as_db_error() {
        return database_error.message().to_owned();
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl fmt::Display for DriverError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}: {}", self.context, self.message)?;
        if let Some(sqlstate) = &self.sqlstate {
            write!(formatter, " (SQLSTATE {sqlstate})")?;
        }
        Ok(())
    }
}

impl std::error::Error for DriverError {}
