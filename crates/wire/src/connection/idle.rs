//! `idle_in_transaction_session_timeout`: a session that sits in an open transaction block
//! (ReadyForQuery said `T` or `E`) longer than the setting waiting for its next message is
//! ended with FATAL 25P03, as in PostgreSQL, so an abandoned transaction cannot hold its
//! snapshot (and the garbage-collection horizon) or its row locks forever. Closing the
//! connection drops the session, which rolls the transaction back.

use std::time::Duration;

use db001_common::{Error, SqlState};
use db001_engine::TransactionStatus;

use crate::engine_api::QuerySession;

/// How long the session may wait for its next message, if the timeout applies now.
pub(super) fn limit(session: &impl QuerySession) -> Option<Duration> {
    if session.transaction_status() == TransactionStatus::Idle {
        return None;
    }
    let value = session.setting("idle_in_transaction_session_timeout")?;
    milliseconds(&value)
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
}

/// A time setting as SHOW prints it (`0`, `250ms`, `1500ms`, `2s`, `5min`, `1h`, `1d`; a bare
/// number is milliseconds) in milliseconds.
fn milliseconds(value: &str) -> Option<u64> {
    let value = value.trim();
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: u64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "" | "ms" => 1,
        "s" => 1000,
        "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    number.checked_mul(scale)
}

/// The FATAL error that ends an idle transaction's connection.
pub(super) fn timeout_error() -> Error {
    Error::new(
        SqlState::new("25P03"),
        "terminating connection due to idle-in-transaction timeout",
    )
}

#[cfg(test)]
mod tests {
    use super::milliseconds;

    #[test]
    fn settings_read_in_milliseconds() {
        assert_eq!(milliseconds("0"), Some(0));
        assert_eq!(milliseconds("250ms"), Some(250));
        assert_eq!(milliseconds("2s"), Some(2000));
        assert_eq!(milliseconds("5min"), Some(300_000));
        assert_eq!(milliseconds("1500"), Some(1500));
        assert_eq!(milliseconds("soon"), None);
    }
}
