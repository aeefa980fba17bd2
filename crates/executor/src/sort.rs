//! A stable sort that a cancel request or `statement_timeout` can interrupt.
//!
//! Statements notice cancellation at their scan steps (`db001_txn::deadline::check`). A sort of
//! rows already read has no steps: `slice::sort_by` on a million rows runs to the end however
//! long it takes. So a large input is sorted in runs of [`RUN`] items, with a check after each
//! run, and the runs are merged pairwise, bottom-up, with a check every [`RUN`] items merged.
//! That is a merge sort like the standard library's, and as stable (on equal keys the left run
//! goes first), so its cost is close to `sort_by`'s; inputs up to one run are sorted directly.

use std::cmp::Ordering;

use db001_common::Result;

/// Items sorted, or merged, between two cancellation checks.
const RUN: usize = 16 * 1024;

/// Sorts `items` stably by `compare`; fails with 57014 when the statement is cancelled or
/// times out on the way (see the module docs).
pub fn sort_cancellable<T>(
    mut items: Vec<T>,
    compare: impl Fn(&T, &T) -> Ordering,
) -> Result<Vec<T>> {
    if items.len() <= RUN {
        items.sort_by(&compare);
        return Ok(items);
    }
    for run in items.chunks_mut(RUN) {
        run.sort_by(&compare);
        db001_txn::deadline::check()?;
    }
    let mut width = RUN;
    while width < items.len() {
        let mut merged = Vec::with_capacity(items.len());
        let mut rest = items.into_iter().peekable();
        while rest.peek().is_some() {
            let left: Vec<T> = rest.by_ref().take(width).collect();
            let right: Vec<T> = rest.by_ref().take(width).collect();
            merge_into(left, right, &compare, &mut merged)?;
        }
        items = merged;
        width = width.saturating_mul(2);
    }
    Ok(items)
}

/// Appends the merge of two sorted runs to `out`, the left run first among equals.
fn merge_into<T>(
    left: Vec<T>,
    right: Vec<T>,
    compare: &impl Fn(&T, &T) -> Ordering,
    out: &mut Vec<T>,
) -> Result<()> {
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    let mut since_check = 0;
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (Some(l), Some(r)) => compare(l, r) != Ordering::Greater,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return Ok(()),
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
        since_check += 1;
        if since_check == RUN {
            since_check = 0;
            db001_txn::deadline::check()?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    /// A deterministic shuffle of 0..n with many equal keys (key = value / 7).
    fn input(n: usize) -> Vec<(u64, usize)> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        (0..n)
            .map(|position| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ((state % (n as u64)) / 7, position)
            })
            .collect()
    }

    #[test]
    fn sorts_stably_like_sort_by_at_every_size() {
        for n in [0, 1, 2, RUN - 1, RUN, RUN + 1, 3 * RUN + 5, 8 * RUN] {
            let items = input(n);
            let mut expected = items.clone();
            expected.sort_by_key(|item| item.0);
            let sorted = sort_cancellable(items, |a, b| a.0.cmp(&b.0)).expect("not cancelled");
            assert_eq!(sorted, expected, "n = {n}");
        }
    }

    #[test]
    fn a_cancelled_statement_stops_a_large_sort() {
        let flag = Arc::new(AtomicBool::new(true));
        let _guard = db001_txn::deadline::DeadlineGuard::with_cancel(None, Some(flag));
        let error = sort_cancellable(input(4 * RUN), |a, b| a.0.cmp(&b.0))
            .expect_err("cancelled before the first run was checked");
        assert_eq!(error.code().code(), "57014");
    }
}
