//! `statement_timeout` and cancel requests inside synchronous execution.
//!
//! A statement executes synchronously on one thread (operators pull rows; nothing awaits), so a
//! timer future cannot interrupt it. Instead the session installs the statement's deadline and
//! its cancel flag in thread-locals for the duration of the synchronous call
//! ([`DeadlineGuard`]), and the loops that can run long — the storage scans, generate_series —
//! call [`check`] every few hundred rows. Waits for other transactions happen between
//! synchronous calls, in the session, which bounds them itself.
//!
//! Work that never scans (a large sort of rows already read, a nested loop over a materialized
//! inner side) is not interrupted until the next scan step: a documented limit.
//!
//! The same checks let a long statement step off its async worker thread. A statement runs on
//! a tokio worker; while it runs, tasks queued on that worker (in particular the one in its
//! LIFO slot, which other workers cannot steal — often a freshly woken connection) would wait
//! for it. So once a statement has run for [`LONG_STATEMENT`], the next check calls the hook
//! the engine installed ([`set_long_statement_hook`]: `tokio::task::block_in_place`), which
//! hands the worker's queued tasks to another thread while this one finishes the statement.
//! Short statements never pay for it.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use db001_common::{Error, Result, SqlState};

/// How long a statement runs before [`check`] calls the long-statement hook.
pub const LONG_STATEMENT: Duration = Duration::from_millis(20);

static LONG_STATEMENT_HOOK: OnceLock<fn()> = OnceLock::new();

/// Installs the function [`check`] calls once per statement that has run for
/// [`LONG_STATEMENT`] (the first installation wins).
pub fn set_long_statement_hook(hook: fn()) {
    let _ = LONG_STATEMENT_HOOK.set(hook);
}

thread_local! {
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    static CANCEL: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
    /// When the guarded statement started; `None` once the long-statement hook ran (or with
    /// no guard).
    static STARTED: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Installs a deadline and a cancel flag for the current thread until dropped.
#[derive(Debug)]
pub struct DeadlineGuard {
    previous: Option<Instant>,
    previous_cancel: Option<Arc<AtomicBool>>,
    previous_started: Option<Instant>,
}

impl DeadlineGuard {
    /// Sets `deadline` (None: no limit) for synchronous work on this thread.
    pub fn new(deadline: Option<Instant>) -> DeadlineGuard {
        Self::with_cancel(deadline, None)
    }

    /// Sets `deadline` and `cancel` (a flag a cancel request sets; None: none) for synchronous
    /// work on this thread.
    pub fn with_cancel(
        deadline: Option<Instant>,
        cancel: Option<Arc<AtomicBool>>,
    ) -> DeadlineGuard {
        let previous = DEADLINE.with(|cell| cell.replace(deadline));
        let previous_cancel = CANCEL.with(|cell| cell.replace(cancel));
        let previous_started = STARTED.with(|cell| cell.replace(Some(Instant::now())));
        DeadlineGuard {
            previous,
            previous_cancel,
            previous_started,
        }
    }
}

impl Drop for DeadlineGuard {
    fn drop(&mut self) {
        DEADLINE.with(|cell| cell.set(self.previous));
        STARTED.with(|cell| cell.set(self.previous_started));
        let previous_cancel = self.previous_cancel.take();
        CANCEL.with(|cell| *cell.borrow_mut() = previous_cancel);
    }
}

/// The error PostgreSQL raises when a cancel request interrupts a statement.
pub fn cancel_error() -> Error {
    Error::new(
        SqlState::QUERY_CANCELED,
        "canceling statement due to user request",
    )
}

/// The error PostgreSQL raises when `statement_timeout` fires.
pub fn statement_timeout_error() -> Error {
    Error::new(
        SqlState::QUERY_CANCELED,
        "canceling statement due to statement timeout",
    )
}

/// Fails with 57014 once the current thread's deadline has passed or its statement was
/// cancelled.
#[inline]
pub fn check() -> Result<()> {
    let cancelled = CANCEL.with(|cell| {
        cell.borrow()
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
    });
    if cancelled {
        return Err(cancel_error());
    }
    let now = Instant::now();
    if let Some(started) = STARTED.with(Cell::get)
        && now.duration_since(started) >= LONG_STATEMENT
    {
        STARTED.with(|cell| cell.set(None));
        if let Some(hook) = LONG_STATEMENT_HOOK.get() {
            hook();
        }
    }
    match DEADLINE.with(Cell::get) {
        Some(deadline) if now >= deadline => Err(statement_timeout_error()),
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

    #[test]
    fn a_set_cancel_flag_fails_with_user_request_until_the_guard_is_dropped() {
        let flag = Arc::new(AtomicBool::new(false));
        {
            let _guard = DeadlineGuard::with_cancel(None, Some(Arc::clone(&flag)));
            assert!(check().is_ok(), "not cancelled yet");
            flag.store(true, Ordering::Relaxed);
            let error = check().expect_err("cancelled");
            assert_eq!(error.code(), SqlState::QUERY_CANCELED);
            assert_eq!(error.message(), "canceling statement due to user request");
        }
        assert!(check().is_ok(), "the flag is gone with the guard");
    }
}
