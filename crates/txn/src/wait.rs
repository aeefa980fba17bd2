//! Waiting for a transaction to finish, from async code or from a plain thread.
//!
//! A [`TxnDone`] is a one-shot event set when its transaction commits or aborts. Async waiters
//! register a `Waker`; blocking waiters park on a condition variable. Sessions run on tokio worker
//! threads, so they always use the future: a blocked worker could be the one that has to run the
//! transaction being waited for.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

/// A one-shot "this transaction has finished" event.
#[derive(Debug, Default)]
pub struct TxnDone {
    state: Mutex<DoneState>,
    condvar: Condvar,
}

#[derive(Debug, Default)]
struct DoneState {
    done: bool,
    wakers: Vec<Waker>,
}

impl TxnDone {
    /// Sets the event and wakes every waiter. Idempotent.
    pub fn set(&self) {
        let wakers = {
            let mut state = self.state.lock();
            state.done = true;
            std::mem::take(&mut state.wakers)
        };
        self.condvar.notify_all();
        for waker in wakers {
            waker.wake();
        }
    }

    /// Whether the event is set.
    pub fn is_set(&self) -> bool {
        self.state.lock().done
    }

    /// Blocks the calling thread until the event is set or `timeout` passes; returns whether it
    /// is set.
    pub fn wait_blocking(&self, timeout: Duration) -> bool {
        let mut state = self.state.lock();
        if !state.done {
            let _ = self.condvar.wait_for(&mut state, timeout);
        }
        state.done
    }
}

/// Resolves when a transaction has finished (committed or aborted), or in general when its
/// [`TxnDone`] event is set.
#[derive(Debug)]
pub struct WaitFuture {
    pub(crate) done: Arc<TxnDone>,
}

impl WaitFuture {
    /// A future that resolves when `done` is set.
    pub fn new(done: Arc<TxnDone>) -> WaitFuture {
        WaitFuture { done }
    }
}

impl Future for WaitFuture {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut state = self.done.state.lock();
        if state.done {
            return Poll::Ready(());
        }
        if !state.wakers.iter().any(|w| w.will_wake(cx.waker())) {
            state.wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}
