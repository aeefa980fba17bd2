//! Waiting for another transaction, bounded the way PostgreSQL bounds it.
//!
//! A statement that met a row held by transaction T waits for T to finish (asynchronously: the
//! session's task yields, nothing blocks a thread). Three clocks run while it waits:
//!
//! ```text
//!   started ──── deadlock_timeout ──── lock_timeout ──── statement deadline
//!                 │ look for a cycle     │ 55P03            │ 57014
//!                 │ through me: 40P01    │ "canceling       │ "canceling statement due
//!                 │ (once, as PG does)   │  statement due   │  to statement timeout"
//!                 ▼                      │  to lock timeout"│
//! ```
//!
//! The deadlock check runs once, after `deadlock_timeout` (default 1 s), as in PostgreSQL: the
//! transaction whose timer fires first while a cycle exists is the victim, and the others
//! proceed. In the classic two-transaction deadlock that is the one that started waiting first.

use std::time::{Duration, Instant};

use db001_common::{Error, Result, SqlState};
use db001_txn::{TxnId, TxnManager, WaitFuture};

use crate::cancel::CancelHandle;

/// The limits on one wait.
#[derive(Debug, Clone)]
pub(crate) struct WaitLimits {
    pub(crate) deadlock_timeout: Duration,
    pub(crate) lock_timeout: Option<Duration>,
    /// When the statement's `statement_timeout` runs out.
    pub(crate) deadline: Option<Instant>,
    /// The session's cancel flag: a cancel request ends the wait with 57014.
    pub(crate) cancel: Option<CancelHandle>,
}

pub(crate) fn lock_timeout_error() -> Error {
    Error::new(
        SqlState::LOCK_NOT_AVAILABLE,
        "canceling statement due to lock timeout",
    )
}

/// Waits until `other` finishes, on behalf of `me` (session process id `pid`).
pub(crate) async fn wait_for_transaction(
    manager: &TxnManager,
    me: TxnId,
    other: TxnId,
    pid: i32,
    limits: WaitLimits,
) -> Result<()> {
    let future = manager.wait(me, other, pid);
    let result = bounded(future, limits, || manager.check_deadlock(me)).await;
    manager.end_wait(me);
    result
}

/// Waits for an event (a transaction's end, a deferrable snapshot becoming safe) under the
/// statement deadline only.
pub(crate) async fn wait_for_event(future: WaitFuture, deadline: Option<Instant>) -> Result<()> {
    let limits = WaitLimits {
        deadlock_timeout: Duration::MAX,
        lock_timeout: None,
        deadline,
        cancel: None,
    };
    bounded(future, limits, || Ok(())).await
}

async fn bounded(
    future: WaitFuture,
    limits: WaitLimits,
    mut check_deadlock: impl FnMut() -> Result<()>,
) -> Result<()> {
    let started = Instant::now();
    let lock_deadline = limits.lock_timeout.map(|timeout| started + timeout);
    let mut deadlock_at = started.checked_add(limits.deadlock_timeout);
    tokio::pin!(future);
    // Each round ends at the next timer; there are at most three, each firing once, so the loop
    // runs at most four rounds before the future or an error ends it.
    for _ in 0..4 {
        let next = [deadlock_at, lock_deadline, limits.deadline]
            .into_iter()
            .flatten()
            .min();
        match next {
            Some(at) => {
                tokio::select! {
                    () = &mut future => return Ok(()),
                    () = tokio::time::sleep_until(at.into()) => {}
                    () = cancelled(limits.cancel.as_ref()) => {
                        return Err(db001_txn::deadline::cancel_error());
                    }
                }
            }
            None => {
                tokio::select! {
                    () = &mut future => return Ok(()),
                    () = cancelled(limits.cancel.as_ref()) => {
                        return Err(db001_txn::deadline::cancel_error());
                    }
                }
            }
        }
        let now = Instant::now();
        if limits.deadline.is_some_and(|deadline| now >= deadline) {
            return Err(db001_txn::deadline::statement_timeout_error());
        }
        if lock_deadline.is_some_and(|deadline| now >= deadline) {
            return Err(lock_timeout_error());
        }
        if deadlock_at.is_some_and(|at| now >= at) {
            deadlock_at = None;
            check_deadlock()?;
        }
    }
    future.as_mut().await;
    Ok(())
}

/// Completes when a cancel is requested; never without a handle.
async fn cancelled(cancel: Option<&CancelHandle>) {
    match cancel {
        Some(handle) => handle.cancelled().await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(lock_ms: Option<u64>, statement_ms: Option<u64>) -> WaitLimits {
        WaitLimits {
            deadlock_timeout: Duration::from_secs(1),
            lock_timeout: lock_ms.map(Duration::from_millis),
            deadline: statement_ms.map(|ms| Instant::now() + Duration::from_millis(ms)),
            cancel: None,
        }
    }

    #[tokio::test]
    async fn lock_timeout_and_statement_timeout_cancel_a_wait() {
        let manager = TxnManager::new(1);
        let holder = manager.begin();
        let waiter = manager.begin();
        let error = wait_for_transaction(
            &manager,
            waiter.id(),
            holder.id(),
            1,
            limits(Some(50), None),
        )
        .await
        .expect_err("lock timeout");
        assert_eq!(error.code(), SqlState::LOCK_NOT_AVAILABLE);
        assert_eq!(error.message(), "canceling statement due to lock timeout");
        let error = wait_for_transaction(
            &manager,
            waiter.id(),
            holder.id(),
            1,
            limits(Some(500), Some(50)),
        )
        .await
        .expect_err("statement timeout first");
        assert_eq!(error.code(), SqlState::QUERY_CANCELED);
        holder.set_aborted();
        manager.finish(&holder);
        wait_for_transaction(&manager, waiter.id(), holder.id(), 1, limits(None, None))
            .await
            .expect("finished: no wait");
    }

    #[tokio::test]
    async fn the_first_waiter_of_a_cycle_is_the_victim() {
        let manager = std::sync::Arc::new(TxnManager::new(1));
        let a = manager.begin();
        let b = manager.begin();
        let fast = WaitLimits {
            deadlock_timeout: Duration::from_millis(50),
            lock_timeout: None,
            deadline: None,
            cancel: None,
        };
        let first = {
            let manager = std::sync::Arc::clone(&manager);
            let (a, b) = (a.id(), b.id());
            let fast = fast.clone();
            tokio::spawn(async move { wait_for_transaction(&manager, a, b, 1, fast).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let second = {
            let manager = std::sync::Arc::clone(&manager);
            let (a, b) = (a.id(), b.id());
            tokio::spawn(async move { wait_for_transaction(&manager, b, a, 2, fast).await })
        };
        let error = first.await.expect("task").expect_err("a checks first");
        assert_eq!(error.code(), SqlState::DEADLOCK_DETECTED);
        // The victim rolls back, which lets the other proceed.
        a.set_aborted();
        manager.finish(&a);
        second.await.expect("task").expect("b proceeds");
    }
}
