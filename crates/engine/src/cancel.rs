//! Cancel requests: how another connection interrupts a session's running statement.
//!
//! A client cancels by opening a new connection and sending a CancelRequest with the target
//! session's process id and secret (the wire checks both). The wire then calls
//! [`CancelHandle::cancel`], which sets the session's flag and wakes it if it is waiting:
//!
//! ```text
//!   synchronous execution   scans and generate_series call db001_txn::deadline::check()
//!                           every few hundred rows; it sees the flag → 57014
//!   waiting for a lock      the wait selects on the handle's notification → 57014
//!   idle                    nothing happens: the flag is cleared when the next request
//!                           (simple query or Execute) starts, as PostgreSQL clears it
//! ```
//!
//! The error is PostgreSQL's: 57014 "canceling statement due to user request". As in
//! PostgreSQL cancellation is best effort: a cancel arriving just as a statement finishes
//! may have no effect, and work that never scans (a large sort of rows already read) notices
//! it only at its next scan step.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

/// A session's cancel flag; cheap to clone, shared with the wire's cancel registry.
#[derive(Debug, Clone, Default)]
pub struct CancelHandle {
    inner: Arc<CancelState>,
}

#[derive(Debug, Default)]
struct CancelState {
    requested: Arc<AtomicBool>,
    wake: Notify,
}

impl CancelHandle {
    /// Asks the session to cancel its running statement (see the module docs).
    pub fn cancel(&self) {
        self.inner.requested.store(true, Ordering::SeqCst);
        self.inner.wake.notify_waiters();
    }

    /// Forgets an earlier request: called when a new client request starts.
    pub(crate) fn reset(&self) {
        self.inner.requested.store(false, Ordering::SeqCst);
    }

    /// The flag synchronous execution checks (`db001_txn::deadline`).
    pub(crate) fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.inner.requested)
    }

    /// Completes once a cancel was requested.
    pub(crate) async fn cancelled(&self) {
        loop {
            // Registered before the flag is read, so a cancel between the two still wakes it.
            let woken = self.inner.wake.notified();
            if self.inner.requested.load(Ordering::SeqCst) {
                return;
            }
            woken.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_waiter_wakes_on_cancel_and_reset_forgets_it() {
        let handle = CancelHandle::default();
        let waiter = {
            let handle = handle.clone();
            tokio::spawn(async move { handle.cancelled().await })
        };
        tokio::task::yield_now().await;
        handle.cancel();
        tokio::time::timeout(std::time::Duration::from_secs(10), waiter)
            .await
            .expect("woken within the bound")
            .expect("joined");
        assert!(handle.flag().load(Ordering::SeqCst));
        handle.reset();
        assert!(!handle.flag().load(Ordering::SeqCst));
        let pending =
            tokio::time::timeout(std::time::Duration::from_millis(50), handle.cancelled()).await;
        assert!(pending.is_err(), "no cancel after the reset");
    }
}
