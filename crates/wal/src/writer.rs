//! The writer thread: the only code that writes records to segment files.
//!
//! ## Why one writer, and the order it works in
//!
//! One thread owns the open segment. Each round it takes everything pending (all runs appended
//! since the last round), writes each run with one positioned write, fsyncs once
//! (`fdatasync`, or what `wal_sync_method` says: [`crate::SyncMethod`]; with `open_datasync`
//! the writes themselves are synchronous), publishes the new durable LSN, calls the durable
//! listener, and wakes the waiters the fsync covered. Everything that arrived while the fsync
//! ran goes into the next round: that is group commit, and the fsync count grows with rounds,
//! not with commits.
//!
//! Two ordering rules make recovery decidable:
//!
//! 1. **Nothing is written to a segment until the previous segment is fsynced.** A round whose
//!    records cross into a new segment fsyncs the old one before creating and writing the new
//!    one, so a byte on disk in segment N+1 proves segment N is complete on disk.
//! 2. **The first record of every run carries the flush-start flag** (bit 31 of its length
//!    field, covered by its checksum). A run is written only after an fsync succeeded — the
//!    previous round's, or the previous segment's within this round — so a valid flagged record
//!    proves every byte before it was durable when it was written. Recovery uses this to tell a
//!    torn tail (damage inside the last, never-acknowledged write) from corruption of durable
//!    data (see the crate docs).
//!
//! On any write or fsync error the WAL fails for good: no retry, no later success report for
//! bytes whose fsync failed (after a failed fsync the kernel may have dropped the dirty pages —
//! PostgreSQL's "fsyncgate"). The writer then stops, and every waiter gets the error.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use db001_common::Result;

use crate::crash_point::{self, CrashPoint};
use crate::format::mark_flush_start;
use crate::segment::{OpenSegment, create_segment, write_all_at};
use crate::wal::{ASYNC_FLUSH_BYTES, AppendState, Run, Shared};

/// The writer re-checks its state at least this often while idle.
const IDLE_WAKE: Duration = Duration::from_secs(1);
/// At most this many emptied run buffers are kept for reuse...
const RECYCLED_BUFFERS_MAX: usize = 8;
/// ...and only those no larger than this, so a burst does not pin memory forever.
const RECYCLED_BUFFER_BYTES_MAX: usize = 4 << 20;

/// Marks the writer stopped on every way out of [`run`], unwinding included.
struct StopGuard(Arc<Shared>);

impl Drop for StopGuard {
    fn drop(&mut self) {
        self.0.writer_stopped();
    }
}

/// The writer thread's body.
pub(crate) fn run(shared: Arc<Shared>, mut segment: OpenSegment) {
    let _guard = StopGuard(Arc::clone(&shared));
    if let Err(error) = segment.prepare_for_writes(&*shared.io, shared.options.sync_method) {
        shared.fail(error);
        return;
    }
    let mut batch: Vec<Run> = Vec::new();
    loop {
        let (batch_end, batch_bytes) = {
            let mut state = shared.state.lock();
            loop {
                if state.failure.is_some() {
                    return;
                }
                if !state.runs.is_empty() && should_flush(&shared, &state) {
                    break;
                }
                if state.runs.is_empty() && state.shutdown_requested {
                    tracing::debug!("WAL writer stopping after shutdown");
                    return;
                }
                let timeout = wait_time(&shared, &state);
                shared.writer_wakeup.wait_for(&mut state, timeout);
            }
            std::mem::swap(&mut state.runs, &mut batch);
            let batch_bytes = state.pending_bytes;
            state.pending_bytes = 0;
            state.in_flight_bytes += batch_bytes;
            state.first_pending_at = None;
            (state.next_lsn, batch_bytes)
        };
        let result = write_batch(&shared, &mut segment, &mut batch);
        if result.is_ok() {
            crash_point::hit(CrashPoint::WalBeforeAcknowledge);
            // Durable before the bytes leave the in-flight count, so `written - durable` never
            // exceeds the back-pressure bound.
            shared.durable_lsn.fetch_max(batch_end, Ordering::AcqRel);
        }
        {
            let mut state = shared.state.lock();
            state.in_flight_bytes -= batch_bytes;
            for run in batch.drain(..) {
                let mut bytes = run.bytes;
                if state.free_buffers.len() < RECYCLED_BUFFERS_MAX
                    && bytes.capacity() <= RECYCLED_BUFFER_BYTES_MAX
                {
                    bytes.clear();
                    state.free_buffers.push(bytes);
                }
            }
        }
        match result {
            Ok(()) => {
                shared.space_available.notify_all();
                shared.publish_durable(batch_end);
            }
            Err(error) => {
                shared.fail(error);
                return;
            }
        }
    }
}

/// Whether the pending records should be written now.
fn should_flush(shared: &Shared, state: &AppendState) -> bool {
    if shared.options.synchronous || state.shutdown_requested {
        return true;
    }
    // Nothing is in flight while the writer decides, so a request above the durable LSN is a
    // request for a pending record.
    if state.flush_requested_lsn > shared.durable_lsn() || state.pending_bytes >= ASYNC_FLUSH_BYTES
    {
        return true;
    }
    state
        .first_pending_at
        .is_some_and(|since| since.elapsed() >= shared.options.writer_delay)
}

/// How long the writer may sleep before it must look again.
fn wait_time(shared: &Shared, state: &AppendState) -> Duration {
    match state.first_pending_at {
        Some(since) if !state.runs.is_empty() => shared
            .options
            .writer_delay
            .saturating_sub(since.elapsed())
            .clamp(Duration::from_millis(1), IDLE_WAKE),
        _ => IDLE_WAKE,
    }
}

/// Writes every run of a round and fsyncs, following the ordering rules of the module docs.
fn write_batch(shared: &Shared, segment: &mut OpenSegment, batch: &mut [Run]) -> Result<()> {
    crash_point::hit(CrashPoint::WalBeforeWrite);
    for run in batch.iter_mut() {
        if run.segment_start != segment.start_lsn {
            debug_assert!(run.segment_start >= segment.end_lsn());
            // Rule 1: the old segment is durable before the new one gets a byte.
            segment.sync_if_dirty(shared.options.sync_method)?;
            *segment = create_segment(
                &*shared.io,
                &shared.dir,
                run.segment_start,
                run.segment_bytes,
            )?;
            segment.prepare_for_writes(&*shared.io, shared.options.sync_method)?;
            crash_point::hit(CrashPoint::SegmentBeforeFirstWrite);
        }
        // Rule 2: the first record of the run says "everything before me was fsynced".
        mark_flush_start(&mut run.bytes);
        let offset = run.start_lsn - segment.start_lsn;
        debug_assert!(run.end_lsn() <= segment.end_lsn());
        segment.dirty = true;
        write_all_at(&*segment.file, &run.bytes, offset, &segment.path)?;
    }
    crash_point::hit(CrashPoint::WalBeforeFsync);
    segment.sync_if_dirty(shared.options.sync_method)
}
