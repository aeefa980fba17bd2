//! The [`Wal`] handle: appending, waiting for durability, failure and shutdown.
//!
//! ## Why the append path is shaped so
//!
//! Appenders never touch a file. An append computes the payload's checksum outside any lock,
//! then, under the append mutex, picks the record's LSN, finishes the checksum with the LSN
//! (twelve bytes), copies the record into the pending buffer, and calls the caller's
//! `on_assigned` hook. That is the whole critical section: the memcpy and the LSN bump. The one
//! writer thread ([`crate::writer`]) takes everything pending at once, writes it, fsyncs once,
//! and then wakes every waiter the fsync covered — group commit without any timer in
//! synchronous mode: while one fsync runs, the next group gathers.
//!
//! Three kinds of waiting meet here, each bounded: appenders wait for buffer space (the
//! unflushed bytes are capped, [`UNFLUSHED_BYTES_MAX`]), futures wait for a waker, blocking
//! callers wait on a condition variable. Blocking waits sleep in slices of [`WAIT_SLICE`] and
//! re-check, and every one ends when the writer makes progress, fails, or stops: the writer
//! marks itself stopped on every way out, panics included, and wakes everyone when it does.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use std::{fmt, mem};

use db001_common::{Error, Result, SqlState};
use parking_lot::{Condvar, Mutex, RwLock};

use crate::format::{
    self, SEGMENT_HEADER_BYTES, aligned_record_bytes, encode_record, payload_checksum,
};
use crate::io::{StdIo, WalIo};
use crate::lifecycle::{SegmentRemoval, remove_segments_before};
use crate::recovery::{RecoverMode, recover};
use crate::{Lsn, Record, RecoverySummary, WalOptions};

/// Appends wait (back-pressure) while more than this many bytes are appended but not durable.
pub(crate) const UNFLUSHED_BYTES_MAX: u64 = 64 << 20;
/// With `synchronous = false`, the writer flushes early once this many bytes are pending.
pub(crate) const ASYNC_FLUSH_BYTES: u64 = 1 << 20;
/// Blocking waits re-check their condition at least this often.
pub(crate) const WAIT_SLICE: Duration = Duration::from_millis(100);

pub(crate) type DurableListener = dyn Fn(Lsn) + Send + Sync;

/// The write-ahead log. `Send + Sync`; share it in an `Arc`.
pub struct Wal {
    shared: Arc<Shared>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

/// Everything the appenders, the waiters and the writer thread share.
pub(crate) struct Shared {
    pub(crate) dir: std::path::PathBuf,
    pub(crate) io: Arc<dyn WalIo>,
    pub(crate) options: WalOptions,
    /// The append lock: LSN assignment and the pending buffer.
    pub(crate) state: Mutex<AppendState>,
    /// Appenders (and flush requests) wake the writer with this.
    pub(crate) writer_wakeup: Condvar,
    /// The writer wakes appenders waiting for buffer space with this.
    pub(crate) space_available: Condvar,
    /// Everything before this LSN is fsynced.
    pub(crate) durable_lsn: AtomicU64,
    /// Everything before this LSN is appended (a lock-free copy of `AppendState::next_lsn`).
    pub(crate) written_lsn: AtomicU64,
    pub(crate) waiters: Mutex<Waiters>,
    /// Blocking waiters sleep on this (with `waiters`).
    pub(crate) durable_changed: Condvar,
    pub(crate) listener: RwLock<Option<Arc<DurableListener>>>,
}

/// The state under the append lock.
pub(crate) struct AppendState {
    /// Where the next record would start.
    pub(crate) next_lsn: Lsn,
    /// The segment `next_lsn` is in: its first LSN and the LSN just past it.
    pub(crate) segment_start: Lsn,
    pub(crate) segment_end: Lsn,
    /// Appended records not yet taken by the writer, as contiguous runs within one segment.
    pub(crate) runs: Vec<Run>,
    /// Emptied buffers the writer hands back for reuse.
    pub(crate) free_buffers: Vec<Vec<u8>>,
    /// Bytes in `runs`.
    pub(crate) pending_bytes: u64,
    /// Bytes the writer has taken and not yet made durable.
    pub(crate) in_flight_bytes: u64,
    /// The highest LSN a waiter asked to be flushed now (used when `synchronous = false`).
    pub(crate) flush_requested_lsn: Lsn,
    /// When the oldest pending record was appended (for `writer_delay`).
    pub(crate) first_pending_at: Option<Instant>,
    pub(crate) shutdown_requested: bool,
    pub(crate) failure: Option<Error>,
    pub(crate) writer_stopped: bool,
}

/// Contiguous record bytes inside one segment, in LSN order.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) segment_start: Lsn,
    pub(crate) segment_bytes: u64,
    pub(crate) start_lsn: Lsn,
    pub(crate) bytes: Vec<u8>,
}

impl Run {
    pub(crate) fn end_lsn(&self) -> Lsn {
        self.start_lsn + self.bytes.len() as u64
    }
}

/// Registered futures and the terminal state waiters must see.
pub(crate) struct Waiters {
    /// Keyed by (LSN waited for, registration id), so the covered ones split off in order.
    pub(crate) wakers: BTreeMap<(Lsn, u64), Waker>,
    pub(crate) next_id: u64,
    pub(crate) failure: Option<Error>,
    pub(crate) writer_stopped: bool,
}

impl Waiters {
    /// What a waiter for `lsn` gets now, or `None` if it must keep waiting.
    fn outcome(&self, durable_lsn: Lsn, lsn: Lsn) -> Option<Result<()>> {
        if durable_lsn >= lsn {
            Some(Ok(()))
        } else if let Some(failure) = &self.failure {
            Some(Err(failure.clone()))
        } else if self.writer_stopped {
            Some(Err(shut_down_error()))
        } else {
            None
        }
    }
}

pub(crate) fn shut_down_error() -> Error {
    Error::new(SqlState::ADMIN_SHUTDOWN, "the write-ahead log is shut down")
}

impl Shared {
    pub(crate) fn durable_lsn(&self) -> Lsn {
        self.durable_lsn.load(Ordering::Acquire)
    }

    /// Asks the writer to flush up to `lsn` now rather than after `writer_delay`.
    fn request_flush(&self, lsn: Lsn) {
        if self.options.synchronous {
            // The writer flushes whatever is pending as soon as it can anyway.
            return;
        }
        let mut state = self.state.lock();
        if state.flush_requested_lsn < lsn {
            state.flush_requested_lsn = lsn;
            drop(state);
            self.writer_wakeup.notify_one();
        }
    }

    /// Publishes a new durable LSN (the writer has already stored it in `durable_lsn`): the
    /// listener first, then every waiter it covers.
    ///
    /// The listener runs before the waiters wake so that a client acknowledged for a commit
    /// at `lsn` finds the engine's visibility watermark already at `lsn` (reads its own writes).
    pub(crate) fn publish_durable(&self, lsn: Lsn) {
        self.durable_lsn.fetch_max(lsn, Ordering::AcqRel);
        let listener = self.listener.read().clone();
        if let Some(listener) = listener {
            listener(lsn);
        }
        let ready = {
            let mut waiters = self.waiters.lock();
            let later = waiters.wakers.split_off(&(lsn.saturating_add(1), 0));
            self.durable_changed.notify_all();
            mem::replace(&mut waiters.wakers, later)
        };
        for waker in ready.into_values() {
            waker.wake();
        }
    }

    /// Enters the failed state: appends fail, every waiter not yet covered gets `error`.
    pub(crate) fn fail(&self, error: Error) {
        tracing::error!(
            code = %error.code(),
            "the write-ahead log failed and is read-only from now on: {error}"
        );
        {
            let mut state = self.state.lock();
            state.failure.get_or_insert_with(|| error.clone());
        }
        self.space_available.notify_all();
        let woken = {
            let mut waiters = self.waiters.lock();
            waiters.failure.get_or_insert(error);
            self.durable_changed.notify_all();
            mem::take(&mut waiters.wakers)
        };
        for waker in woken.into_values() {
            waker.wake();
        }
    }

    /// Marks the writer stopped and wakes everyone; runs on every way out of the writer.
    pub(crate) fn writer_stopped(&self) {
        self.state.lock().writer_stopped = true;
        self.space_available.notify_all();
        let woken = {
            let mut waiters = self.waiters.lock();
            waiters.writer_stopped = true;
            self.durable_changed.notify_all();
            mem::take(&mut waiters.wakers)
        };
        for waker in woken.into_values() {
            waker.wake();
        }
    }
}

impl Wal {
    /// Opens (creating if missing) the WAL in `dir` on the real file system; see
    /// [`Wal::open_with_io`].
    pub fn open(
        dir: &Path,
        options: WalOptions,
        replay: &mut dyn FnMut(Record<'_>) -> Result<()>,
    ) -> Result<(Wal, RecoverySummary)> {
        Wal::open_with_io(Arc::new(StdIo), dir, options, replay)
    }

    /// Opens the WAL in `dir` through `io`: reads every record from the start of the log in
    /// order and hands each to `replay`, applies the recovery rules of the crate docs (a torn
    /// tail is cut, corruption refuses with XX001), and returns a WAL positioned to append
    /// after the last valid record, with a summary of what recovery found.
    pub fn open_with_io(
        io: Arc<dyn WalIo>,
        dir: &Path,
        options: WalOptions,
        replay: &mut dyn FnMut(Record<'_>) -> Result<()>,
    ) -> Result<(Wal, RecoverySummary)> {
        Wal::open_from(io, dir, options, 0, replay)
    }

    /// Like [`Wal::open_with_io`], but hands `replay` only the records at or after
    /// `replay_from` (a checkpoint's replay start), and does not read segments that end before
    /// it. Refuses (XX001) when the segment holding `replay_from` is missing or the log ends
    /// before it.
    pub fn open_from(
        io: Arc<dyn WalIo>,
        dir: &Path,
        options: WalOptions,
        replay_from: Lsn,
        replay: &mut dyn FnMut(Record<'_>) -> Result<()>,
    ) -> Result<(Wal, RecoverySummary)> {
        if !format::segment_bytes_valid(options.segment_bytes) {
            return Err(Error::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!(
                    "invalid WAL segment size {} bytes: it must be a multiple of 8 between {} and {}",
                    options.segment_bytes,
                    format::SEGMENT_BYTES_MIN,
                    format::SEGMENT_BYTES_MAX
                ),
            ));
        }
        let mode = RecoverMode {
            replay_from,
            repair: true,
        };
        let recovered = recover(&*io, dir, &options, mode, replay)?;
        let end_lsn = recovered.summary.end_lsn;
        let segment = recovered
            .segment
            .ok_or_else(|| Error::internal("recovery in repair mode returned no segment"))?;
        let shared = Arc::new(Shared {
            dir: dir.to_path_buf(),
            io,
            options,
            state: Mutex::new(AppendState {
                next_lsn: end_lsn,
                segment_start: segment.start_lsn,
                segment_end: segment.end_lsn(),
                runs: Vec::new(),
                free_buffers: Vec::new(),
                pending_bytes: 0,
                in_flight_bytes: 0,
                flush_requested_lsn: 0,
                first_pending_at: None,
                shutdown_requested: false,
                failure: None,
                writer_stopped: false,
            }),
            writer_wakeup: Condvar::new(),
            space_available: Condvar::new(),
            durable_lsn: AtomicU64::new(end_lsn),
            written_lsn: AtomicU64::new(end_lsn),
            waiters: Mutex::new(Waiters {
                wakers: BTreeMap::new(),
                next_id: 0,
                failure: None,
                writer_stopped: false,
            }),
            durable_changed: Condvar::new(),
            listener: RwLock::new(None),
        });
        let writer_shared = Arc::clone(&shared);
        let writer = std::thread::Builder::new()
            .name("db001-wal-writer".to_string())
            .spawn(move || crate::writer::run(writer_shared, segment))
            .map_err(|error| Error::io("could not start the WAL writer thread", &error))?;
        let wal = Wal {
            shared,
            writer: Mutex::new(Some(writer)),
        };
        Ok((wal, recovered.summary))
    }

    /// Appends one record to the in-memory log buffer and returns its end LSN. Does not wait
    /// for durability (except for buffer space when too much is unflushed).
    ///
    /// `on_assigned(end_lsn)` runs while the append lock is still held, before any flush can
    /// make the record durable, so a caller can assign commit timestamps in log order. It must
    /// be short and must not call back into the WAL.
    pub fn append(&self, kind: u8, payload: &[u8], on_assigned: impl FnOnce(Lsn)) -> Result<Lsn> {
        let max_payload = self.max_payload_bytes();
        if payload.len() > max_payload {
            return Err(Error::new(
                SqlState::PROGRAM_LIMIT_EXCEEDED,
                format!(
                    "WAL record payload of {} bytes exceeds the maximum of {max_payload} bytes",
                    payload.len()
                ),
            ));
        }
        let record_bytes = aligned_record_bytes(payload.len()) as u64;
        let checksum = payload_checksum(kind, payload);
        let shared = &*self.shared;
        let mut state = shared.state.lock();
        loop {
            if let Some(failure) = &state.failure {
                return Err(failure.clone());
            }
            if state.shutdown_requested || state.writer_stopped {
                return Err(shut_down_error());
            }
            let unflushed = state.pending_bytes + state.in_flight_bytes;
            // One record is always admitted into an empty buffer, however large.
            if unflushed == 0 || unflushed + record_bytes <= UNFLUSHED_BYTES_MAX {
                break;
            }
            shared.writer_wakeup.notify_one();
            shared.space_available.wait_for(&mut state, WAIT_SLICE);
        }
        if state.next_lsn + record_bytes > state.segment_end {
            // The record does not fit: the rest of this segment stays zero ("go to the next
            // segment") and the record opens the next one.
            state.segment_start = state.segment_end;
            state.segment_end = state.segment_start + shared.options.segment_bytes;
            state.next_lsn = state.segment_start + SEGMENT_HEADER_BYTES;
        }
        let lsn = state.next_lsn;
        let end_lsn = lsn + record_bytes;
        let continues_run = state.runs.last().is_some_and(|run| run.end_lsn() == lsn);
        if !continues_run {
            let bytes = state.free_buffers.pop().unwrap_or_default();
            let run = Run {
                segment_start: state.segment_start,
                segment_bytes: state.segment_end - state.segment_start,
                start_lsn: lsn,
                bytes,
            };
            state.runs.push(run);
        }
        let run = state
            .runs
            .last_mut()
            .expect("a run for this record was just ensured");
        encode_record(&mut run.bytes, lsn, kind, payload, checksum);
        debug_assert_eq!(run.end_lsn(), end_lsn);
        state.next_lsn = end_lsn;
        state.pending_bytes += record_bytes;
        let first_pending = state.first_pending_at.is_none();
        if first_pending {
            state.first_pending_at = Some(Instant::now());
        }
        shared.written_lsn.store(end_lsn, Ordering::Release);
        on_assigned(end_lsn);
        let wake_writer =
            shared.options.synchronous || first_pending || state.pending_bytes >= ASYNC_FLUSH_BYTES;
        drop(state);
        if wake_writer {
            shared.writer_wakeup.notify_one();
        }
        Ok(end_lsn)
    }

    /// A future that resolves when everything up to `lsn` is fsynced, or with the WAL's error
    /// if it failed (or was shut down) first. With `synchronous = false` it also asks the writer
    /// to flush now instead of after `writer_delay`.
    pub fn wait_durable(&self, lsn: Lsn) -> DurableFuture {
        if self.shared.durable_lsn() >= lsn {
            return DurableFuture::done(Ok(()));
        }
        if let Err(error) = self.check_appended(lsn) {
            return DurableFuture::done(Err(error));
        }
        self.shared.request_flush(lsn);
        DurableFuture {
            state: FutureState::Waiting {
                shared: Arc::clone(&self.shared),
                lsn,
                key: None,
            },
        }
    }

    /// Blocks until everything up to `lsn` is fsynced, or returns the WAL's error.
    pub fn wait_durable_blocking(&self, lsn: Lsn) -> Result<()> {
        let shared = &*self.shared;
        if shared.durable_lsn() >= lsn {
            return Ok(());
        }
        self.check_appended(lsn)?;
        shared.request_flush(lsn);
        let mut waiters = shared.waiters.lock();
        // Each pass sleeps at most one slice; the loop ends when the writer makes `lsn`
        // durable, fails or stops, and the writer marks itself stopped on every way out.
        loop {
            if let Some(outcome) = waiters.outcome(shared.durable_lsn(), lsn) {
                return outcome;
            }
            shared.durable_changed.wait_for(&mut waiters, WAIT_SLICE);
        }
    }

    /// The highest LSN known to be fsynced: every record ending at or before it is durable.
    pub fn durable_lsn(&self) -> Lsn {
        self.shared.durable_lsn()
    }

    /// The end of the last appended record (buffered, not necessarily durable).
    pub fn written_lsn(&self) -> Lsn {
        self.shared.written_lsn.load(Ordering::Acquire)
    }

    /// Writes and fsyncs everything appended so far, blocking until it is durable.
    pub fn flush(&self) -> Result<()> {
        self.wait_durable_blocking(self.written_lsn())
    }

    /// `Some(error)` once a write or fsync failed; from then on the WAL is read-only.
    pub fn failed(&self) -> Option<Error> {
        self.shared.waiters.lock().failure.clone()
    }

    /// The largest payload [`Wal::append`] accepts; larger ones fail with 54000.
    pub fn max_payload_bytes(&self) -> usize {
        format::max_payload_bytes(self.shared.options.segment_bytes)
    }

    /// Flushes everything appended and stops the writer thread. Appends and waits for
    /// unflushed LSNs fail afterwards (57P01). Returns the WAL's failure, if it failed.
    pub fn shutdown(&self) -> Result<()> {
        self.shared.state.lock().shutdown_requested = true;
        self.shared.writer_wakeup.notify_all();
        let writer = self.writer.lock().take();
        if let Some(writer) = writer {
            if writer.thread().id() == std::thread::current().id() {
                // Dropped from inside the durable listener: the writer cannot join itself; it
                // sees the request and stops after flushing once the listener returns.
                return Ok(());
            }
            if writer.join().is_err() {
                return Err(Error::internal("the WAL writer thread panicked"));
            }
        }
        match self.failed() {
            Some(failure) => Err(failure),
            None => Ok(()),
        }
    }

    /// The directory holding the segments.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// The I/O the WAL goes through (checkpoints and archiving use the same).
    pub fn io(&self) -> Arc<dyn WalIo> {
        Arc::clone(&self.shared.io)
    }

    /// Size of the segments this WAL creates.
    pub fn segment_bytes(&self) -> u64 {
        self.shared.options.segment_bytes
    }

    /// Removes (or archives, then removes) the segments wholly before `lsn`; see
    /// [`crate::lifecycle`]. The segment being written is never touched.
    pub fn remove_segments_before(
        &self,
        lsn: Lsn,
        archive: Option<&Path>,
    ) -> Result<SegmentRemoval> {
        remove_segments_before(&*self.shared.io, &self.shared.dir, lsn, archive)
    }

    /// Installs the function the writer calls after each successful fsync with the new
    /// durable LSN (before waking the waiters that fsync covered). It runs on the writer
    /// thread, so it must be quick and must not wait on the WAL.
    pub fn set_durable_listener(&self, listener: Box<dyn Fn(Lsn) + Send + Sync>) {
        *self.shared.listener.write() = Some(Arc::from(listener));
    }

    /// Rejects waits for LSNs never appended: nothing would ever make them durable.
    fn check_appended(&self, lsn: Lsn) -> Result<()> {
        let written = self.written_lsn();
        if lsn > written {
            return Err(Error::internal(format!(
                "cannot wait for WAL position {}: the log ends at {}",
                format::format_lsn(lsn),
                format::format_lsn(written)
            )));
        }
        Ok(())
    }
}

/// Reads the log in `dir` from `replay_from` exactly as [`Wal::open_from`] would, handing each
/// record to `replay`, but changes nothing on disk: a torn tail is reported in the summary,
/// not cut. For `db001 verify` and point-in-time recovery.
pub fn scan(
    io: &dyn WalIo,
    dir: &Path,
    replay_from: Lsn,
    replay: &mut dyn FnMut(Record<'_>) -> Result<()>,
) -> Result<RecoverySummary> {
    let mode = RecoverMode {
        replay_from,
        repair: false,
    };
    // The segment size only matters for creating segments, which a scan never does.
    let recovered = recover(io, dir, &WalOptions::default(), mode, replay)?;
    Ok(recovered.summary)
}

impl Drop for Wal {
    fn drop(&mut self) {
        if let Err(error) = self.shutdown() {
            tracing::error!("the write-ahead log did not shut down cleanly: {error}");
        }
    }
}

impl fmt::Debug for Wal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wal")
            .field("dir", &self.shared.dir)
            .field("written_lsn", &self.written_lsn())
            .field("durable_lsn", &self.durable_lsn())
            .field("failed", &self.failed().is_some())
            .finish()
    }
}

/// Resolves when an LSN is durable; see [`Wal::wait_durable`]. `Send + 'static`, and
/// dropping it before it resolves unregisters it.
pub struct DurableFuture {
    state: FutureState,
}

enum FutureState {
    Done(Option<Result<()>>),
    Waiting {
        shared: Arc<Shared>,
        lsn: Lsn,
        /// The registration in `Waiters::wakers`, once polled.
        key: Option<(Lsn, u64)>,
    },
}

impl DurableFuture {
    fn done(result: Result<()>) -> DurableFuture {
        DurableFuture {
            state: FutureState::Done(Some(result)),
        }
    }
}

impl Future for DurableFuture {
    type Output = Result<()>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Result<()>> {
        let this = self.get_mut();
        let outcome = match &mut this.state {
            FutureState::Done(result) => {
                return Poll::Ready(result.take().unwrap_or_else(|| {
                    Err(Error::internal(
                        "a durability future was polled after it resolved",
                    ))
                }));
            }
            FutureState::Waiting { shared, lsn, key } => {
                if shared.durable_lsn() >= *lsn {
                    Ok(())
                } else {
                    let mut waiters = shared.waiters.lock();
                    match waiters.outcome(shared.durable_lsn(), *lsn) {
                        Some(outcome) => {
                            if let Some(key) = key.take() {
                                waiters.wakers.remove(&key);
                            }
                            outcome
                        }
                        None => {
                            let registration = match *key {
                                Some(registration) => registration,
                                None => {
                                    let registration = (*lsn, waiters.next_id);
                                    waiters.next_id += 1;
                                    *key = Some(registration);
                                    registration
                                }
                            };
                            match waiters.wakers.get_mut(&registration) {
                                Some(waker) => waker.clone_from(context.waker()),
                                None => {
                                    waiters.wakers.insert(registration, context.waker().clone());
                                }
                            }
                            return Poll::Pending;
                        }
                    }
                }
            }
        };
        this.state = FutureState::Done(None);
        Poll::Ready(outcome)
    }
}

impl Drop for DurableFuture {
    fn drop(&mut self) {
        if let FutureState::Waiting {
            shared,
            key: Some(key),
            ..
        } = &self.state
        {
            shared.waiters.lock().wakers.remove(key);
        }
    }
}

impl fmt::Debug for DurableFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.state {
            FutureState::Done(_) => f.write_str("DurableFuture(resolved)"),
            FutureState::Waiting { lsn, .. } => write!(f, "DurableFuture(waiting for {lsn})"),
        }
    }
}
