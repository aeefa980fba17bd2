//! Helpers shared by the WAL's integration tests.

#![allow(dead_code)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;
use std::time::{Duration, Instant};

use db001_common::Result;
use db001_wal::{Lsn, RecoverySummary, SEGMENT_HEADER_BYTES, StdIo, Wal, WalIo, WalOptions};

/// A record as replay handed it over, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    pub lsn: Lsn,
    pub end_lsn: Lsn,
    pub kind: u8,
    pub payload: Vec<u8>,
}

/// Opens the WAL through `io` and collects every replayed record.
pub fn open_io(
    io: Arc<dyn WalIo>,
    dir: &Path,
    options: WalOptions,
) -> Result<(Wal, RecoverySummary, Vec<Replayed>)> {
    let mut records = Vec::new();
    let (wal, summary) = Wal::open_with_io(io, dir, options, &mut |record| {
        records.push(Replayed {
            lsn: record.lsn,
            end_lsn: record.end_lsn,
            kind: record.kind,
            payload: record.payload.to_vec(),
        });
        Ok(())
    })?;
    Ok((wal, summary, records))
}

/// Opens the WAL on the real file system and collects every replayed record.
pub fn open(dir: &Path, options: WalOptions) -> Result<(Wal, RecoverySummary, Vec<Replayed>)> {
    open_io(Arc::new(StdIo), dir, options)
}

/// Options with small segments, synchronous.
pub fn small(segment_bytes: u64) -> WalOptions {
    WalOptions {
        segment_bytes,
        ..WalOptions::default()
    }
}

/// The start LSN of the segment holding `lsn`, when every segment has `segment_bytes`.
pub fn segment_start(lsn: Lsn, segment_bytes: u64) -> Lsn {
    lsn / segment_bytes * segment_bytes
}

/// The path of the segment holding `lsn`, when every segment has `segment_bytes`.
pub fn segment_path(dir: &Path, lsn: Lsn, segment_bytes: u64) -> PathBuf {
    dir.join(db001_wal::segment_file_name(segment_start(
        lsn,
        segment_bytes,
    )))
}

/// The first record position of a fresh log.
pub const FIRST_LSN: Lsn = SEGMENT_HEADER_BYTES;

/// A payload that identifies its writer and sequence number, with a length that varies.
pub fn payload(writer: u32, sequence: u32, length: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(length.max(8));
    bytes.extend_from_slice(&writer.to_le_bytes());
    bytes.extend_from_slice(&sequence.to_le_bytes());
    let mut state = u64::from(writer) << 32 | u64::from(sequence);
    while bytes.len() < length {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        bytes.push((state >> 56) as u8);
    }
    bytes
}

/// Reads back writer and sequence from a [`payload`].
pub fn payload_identity(payload: &[u8]) -> (u32, u32) {
    let writer = u32::from_le_bytes(payload[0..4].try_into().expect("payload has a writer"));
    let sequence = u32::from_le_bytes(payload[4..8].try_into().expect("payload has a sequence"));
    (writer, sequence)
}

/// Segment files in `dir`, sorted.
pub fn segment_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the WAL directory is readable")
        .map(|entry| {
            entry
                .expect("a directory entry")
                .file_name()
                .into_string()
                .expect("UTF-8")
        })
        .filter(|name| name.ends_with(".wal"))
        .collect();
    names.sort();
    names
}

struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on this thread; panics if it takes longer than `limit`.
pub fn block_on<F: Future>(future: F, limit: Duration) -> F::Output {
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    let deadline = Instant::now() + limit;
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        let now = Instant::now();
        assert!(
            now < deadline,
            "the future did not resolve within {limit:?}"
        );
        std::thread::park_timeout((deadline - now).min(Duration::from_millis(50)));
    }
}

/// Waits (bounded) until `condition` holds; returns whether it did.
pub fn eventually(limit: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    condition()
}

/// Copies every file of `from` into `to` (created).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read the directory") {
        let entry = entry.expect("a directory entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy a file");
    }
}

/// Runs `run(seed)` for each seed; a failing seed is named with the command that replays it.
pub fn for_each_seed(test: &str, seeds: std::ops::Range<u64>, run: impl Fn(u64)) {
    for seed in seeds {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(seed)));
        if let Err(panic) = outcome {
            eprintln!(
                "{test}: seed {seed} failed; replay it with DB001_POWER_LOSS_SEED={seed} \
                 cargo test -p db001-wal --test faults {test}"
            );
            std::panic::resume_unwind(panic);
        }
    }
}
