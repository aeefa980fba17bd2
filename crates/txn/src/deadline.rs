//! `statement_timeout` inside synchronous execution.
//!
//! A statement executes synchronously on one thread (operators pull rows; nothing awaits), so a
//! timer future cannot interrupt it. Instead the session installs the statement's deadline in a
//! thread-local for the duration of the synchronous call ([`DeadlineGuard`]), and the loops that
//! can run long — the storage scans — call [`check`] every few hundred rows. Waits for other
//! transactions happen between synchronous calls, in the session, which bounds them itself.
//!
//! Work that never scans (a large sort of rows already read, a nested loop over a materialized
//! inner side) is not interrupted until the next scan step: a documented limit.

use std::cell::Cell;
use std::time::Instant;

use db001_common::{Error, Result, SqlState};

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Installs a deadline for the current thread until dropped.
#[derive(Debug)]
pub struct DeadlineGuard {
    previous: Option<Instant>,
}

impl DeadlineGuard {
    /// Sets `deadline` (None: no limit) for synchronous work on this thread.
    pub fn new(deadline: Option<Instant>) -> DeadlineGuard {
        let previous = DEADLINE.with(|cell| cell.replace(deadline));
        DeadlineGuard { previous }
    }
}

impl Drop for DeadlineGuard {
    fn drop(&mut self) {
        DEADLINE.with(|cell| cell.set(self.previous));
    }
}

/// The error PostgreSQL raises when `statement_timeout` fires.
pub fn statement_timeout_error() -> Error {
    Error::new(
        SqlState::QUERY_CANCELED,
        "canceling statement due to statement timeout",
    )
}

/// Fails with 57014 once the current thread's deadline has passed.
#[inline]
pub fn check() -> Result<()> {
    match DEADLINE.with(Cell::get) {
        Some(deadline) if Instant::now() >= deadline => Err(statement_timeout_error()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_passed_deadline_fails_until_the_guard_is_dropped() {
        assert!(check().is_ok(), "no deadline by default");
        {
            let _guard = DeadlineGuard::new(Some(Instant::now() - Duration::from_millis(1)));
            assert_eq!(
                check().expect_err("passed").code(),
                SqlState::QUERY_CANCELED
            );
            {
                let _inner = DeadlineGuard::new(None);
                assert!(check().is_ok(), "an inner guard replaces the deadline");
            }
            assert!(check().is_err(), "and restores it when dropped");
        }
        assert!(check().is_ok());
    }
}
