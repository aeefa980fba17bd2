//! # db001-wal: the write-ahead log and checkpoint files
//!
//! db001 keeps its data in memory; this log, and the checkpoints that bound how much of it must
//! be replayed, are what survive a crash. The crate is physical framing only: it stores opaque
//! payloads, each tagged with a one-byte kind the caller chooses, at positions called LSNs, and
//! hands them back in order at start-up; checkpoint files ([`checkpoint`]) are checksummed
//! blocks of the caller's bytes, published atomically. What a payload or block means is the
//! engine's business. [`lifecycle`] removes or archives segments a checkpoint made unnecessary,
//! copies them for backups and cuts a log for point-in-time recovery. Every file operation goes
//! through one small trait ([`WalIo`]) so tests inject faults ([`fault::FaultyIo`]), and
//! named [`crash_point`]s let a test make the real binary `kill -9` itself at an exact place.
//!
//! ```text
//!  sessions ── append(kind, payload) ──▶ [pending runs] ──▶ writer thread ──▶ NNNN.wal segments
//!     ▲          (memcpy + LSN bump,                          write, fdatasync once,
//!     │           under the append lock)                      publish durable LSN
//!     └──────── wait_durable(lsn) resolves ◀── listener(lsn), then wake covered waiters
//! ```
//!
//! - [`Wal::append`] copies a record into a shared buffer and returns its end LSN without
//!   waiting; its `on_assigned` hook runs inside the append lock, so commit timestamps taken
//!   there are in log order.
//! - One writer thread writes everything buffered with as few syscalls as possible, fsyncs
//!   once (the [`SyncMethod`]: `fdatasync` by default, `fsync`, or writes through an
//!   `O_DSYNC` handle), and wakes every waiter that fsync covered (group commit). With
//!   `synchronous = false` it flushes every `writer_delay`, or sooner when 1 MiB is pending
//!   or someone waits. Appends block (back-pressure) while 64 MiB are appended but not durable.
//! - [`Wal::wait_durable`] is a plain `std::future::Future`; the crate does not use tokio.
//! - A failed write or fsync puts the WAL in a failed state for good (58030, or 53100 when the
//!   disk is full): waiters get the error, appends fail, nothing is reported durable later.
//!
//! ## LSNs
//!
//! An LSN ([`Lsn`]) is a byte position in the logical log: segment files tile the LSN space,
//! and the byte at offset `o` of the segment starting at LSN `s` has LSN `s + o`. Segment
//! headers take LSN space too, so the first record of a fresh log is at LSN 32, and LSN 0
//! means "nothing". A record's `lsn` is where it starts and its `end_lsn` where the next one
//! may start (padding included); end LSNs strictly increase in append order.
//!
//! ## On-disk format (version 1)
//!
//! The WAL directory holds segment files named `<first LSN as 16 uppercase hex digits>.wal`,
//! e.g. `0000000001000000.wal`. All integers are little-endian.
//!
//! ```text
//! segment file (segment_bytes long, preallocated with zeroes)
//! ┌──────────────────────── header, 32 bytes ───────────────────────────┐
//! │ magic "DB001WAL" (8) │ version u32 = 1 │ start LSN u64 │ segment_bytes u64 │ crc32c u32 │
//! └──────────────────────────────────────────────────────────────────────┘
//!  record, record, ..., zeroes to the end of the segment
//!
//! record (starts at a multiple of 8 bytes; zero padding up to the next multiple of 8)
//! ┌──────────────┬────────────┬─────────┬─────────┬─────────────────────┐
//! │ length u32   │ crc32c u32 │ lsn u64 │ kind u8 │ payload (length-17) │
//! └──────────────┴────────────┴─────────┴─────────┴─────────────────────┘
//! ```
//!
//! - **Segment header**: the crc32c covers the 28 bytes before it. `start LSN` must equal the
//!   LSN in the file name; `segment_bytes` (1 KiB to 1 GiB, a multiple of 8) is the file's
//!   size. Segment sizes may differ between segments: a new segment uses the size the WAL was
//!   opened with.
//! - **length**: bits 0–30 are the record's length in bytes, header included, padding
//!   excluded (so at least 17). Bit 31 is the *flush-start flag*: the writer sets it on the
//!   first record it writes after a successful fsync (see "Recovery"). A length field of zero
//!   means "no record here".
//! - **crc32c**: over `kind ‖ payload ‖ length field ‖ lsn` (in that order, so the part over the
//!   payload can be computed before the append lock is taken).
//! - **lsn**: the record's own position. A record is valid only where its stored LSN equals its
//!   position; this is what lets recovery recognise a real record found while scanning.
//! - A record never spans segments. When it does not fit in the space left, that space stays
//!   zero (a zero length field: "go to the next segment") and the record starts the next
//!   segment. So the payload limit ([`Wal::max_payload_bytes`]) is `segment_bytes - 32 - 17`;
//!   larger payloads are rejected with 54000 and the engine splits big transactions.
//! - New segments are written as `<name>.wal.partial` (zeroes, then header, then fsync), renamed
//!   into place, and the directory is fsynced.
//!
//! ## Start-up: every case, and what db001 does
//!
//! db001 starts from the newest usable checkpoint and the log after it. The engine drives the
//! steps (`db001_engine`'s `recovery` module); this crate supplies each one:
//!
//! 1. leftover `*.ckpt.tmp` files (a checkpoint interrupted by a crash) are deleted
//!    ([`checkpoint::remove_temporary_files`]);
//! 2. the candidates are the checkpoint files, newest first, and finally "no checkpoint": the
//!    empty database plus the whole log from LSN 0;
//! 3. a candidate is usable when the log still holds every segment from its replay start on
//!    ([`lifecycle::check_log_covers`], headers only) and its file reads back whole: header,
//!    every block's checksum, footer ([`checkpoint::CheckpointReader`]). The first usable one
//!    is loaded; each rejected one is logged with its reason;
//! 4. the log is read from the checkpoint's replay start ([`Wal::open_from`], the table under
//!    "Recovery" below) and every transaction committed after the checkpoint is applied.
//!
//! Segments are removed only when wholly before the replay start of the *previous* checkpoint
//! (the engine keeps two), so falling back from a damaged newest checkpoint to the one before
//! it always finds its log — unless files were lost outside db001's control.
//!
//! | case | detected by | db001 does | logs | starts? |
//! | --- | --- | --- | --- | --- |
//! | clean shutdown | the shutdown checkpoint is at the end of the log | loads the checkpoint; replays nothing after it (only the records of the shutdown itself, if any) | info: checkpoint file, LSNs, rows, seconds; WAL records and LSN range | yes |
//! | crash (`kill -9`, power loss) | — | loads the newest checkpoint, replays the log from its replay start: every acknowledged commit comes back, nothing unacknowledged half | info, with progress every few seconds | yes |
//! | torn record at the tail | a damaged record with no valid flush-start record after it (see "Recovery") | the log ends there: it is cut at the last valid record | warn: segment file, offset, LSN, reason | yes |
//! | checksum failure followed by valid records of a later flush | the damaged record is followed by a valid flush-start record | refuses: XX001 naming the segment file, the offset and the LSN, the later record in the detail | error | **no** |
//! | missing segment after the newest checkpoint's replay start | [`lifecycle::check_log_covers`] for every candidate (older checkpoints need the same segments) | refuses: XX001 naming the missing segment file, with every candidate's reason | error | **no** |
//! | missing or broken segment wholly before the newest checkpoint's replay start | not needed, not read | starts; the next checkpoint removes the old segments | — | yes |
//! | corrupt newest checkpoint (bit flip, truncation, no footer, bad header), previous one usable | a header, block or footer check fails while loading | discards what it loaded, falls back to the previous checkpoint and replays the longer log after it | error: file, offset, reason; warn: the fallback | yes |
//! | corrupt newest checkpoint, no older usable one, but the log reaches back to LSN 0 | as above | falls back to the empty database and the whole log | error, warn | yes |
//! | corrupt newest checkpoint, nothing older usable | every candidate rejected | refuses: XX001 listing every checkpoint file and why it was rejected | error | **no** |
//! | log ends before the checkpoint's LSN | the recovered end LSN is below it | refuses: XX001 (durable WAL is missing) | error | **no** |
//! | segments but no checkpoint, and the first segment does not start at LSN 0 | [`lifecycle::check_log_covers`] | refuses: XX001, the data directory is incomplete | error | **no** |
//! | crash during a checkpoint | a `*.ckpt.tmp` file | deletes it; the previous checkpoint is the newest | info | yes |
//! | crash during segment removal or archiving | the segment is in the WAL directory (and maybe in the archive) | nothing special: the next removal archives it again, overwriting the identical copy | — | yes |
//! | disk full when a segment is created (running) | ENOSPC while the segment is preallocated, before any record is written to it | the waiting commits fail with 53100 and are never acknowledged; the WAL is failed for good: reads keep working, every write fails with 53100, `/health` reports it; after a restart (with space) recovery is normal | error | (running: reads only) |
//! | fsync error (running) | EIO from fsync | the waiting commits fail with 58030 and are never acknowledged, not even by a retry that would later succeed; the WAL is failed for good: reads keep working, writes fail with 58030, `/health` reports it; a restart recovers what was durable | error | (running: reads only) |
//! | a checkpoint fails (disk full, fsync error) while running | the checkpoint writer's error | the temporary file is removed, the previous checkpoints and all WAL are kept; `/health` is degraded until a checkpoint succeeds; the next trigger retries | error | (running) |
//!
//! ## Recovery
//!
//! [`Wal::open`] lists the segments in LSN order, verifies their headers and that they tile the
//! LSN space, and reads records from the start of the oldest segment, handing each valid one to
//! the caller's `replay`. Where a slot holds no valid record, it decides as below. "Damaged"
//! means: a nonzero length field with an invalid length, a stored LSN different from its
//! position, a checksum mismatch, a record cut by the end of the file — or a zero length field
//! with a valid record later in the same segment.
//!
//! The key question about damage is whether the damaged bytes had ever been durable. The writer
//! writes a record only after the fsync of everything before it succeeded, and marks the first
//! record written after each fsync with the flush-start flag. So **a valid flagged record after
//! the damage proves the damaged bytes were durable** (corruption), and **without one, all
//! bytes from the damage on belong to the final write, whose fsync never returned** (a torn
//! tail: nothing there was ever acknowledged). This refines "any valid record later means
//! corruption": after a power loss, later sectors of the final write may survive while earlier
//! ones are lost, and those surviving records were never acknowledged either.
//!
//! | case | detected by | db001 does | logs | starts? |
//! | --- | --- | --- | --- | --- |
//! | empty or missing directory | no segment files | creates the directory and segment `0000000000000000.wal` | info | yes |
//! | clean shutdown or crash at a record boundary | zero length field (or the end of the last segment) after the last record, only zeroes after it | appends after the last record | info: records, LSN range | yes |
//! | segment left early | zero length field in a segment that is not the last, nothing valid after it in that segment | continues with the next segment | — | yes |
//! | segment left early although the next segment's first record would have fit | size check | damaged at that position (rows below) | | |
//! | torn tail | damage, and no valid flush-start record anywhere after it | cuts the log there: zeroes the rest of that segment, deletes later segments, fsyncs; `RecoverySummary::torn_tail = Some(lsn)` | warn: file, offset, LSN, reason | yes |
//! | the log would end at the start of a segment holding no record (its first record was lost) | end position | the end moves back to where the previous segment was left, and the empty segment is deleted, so the next record is not placed in a new segment although it fits in the previous one | — | yes |
//! | garbage after the end | zero length field followed by nonzero bytes that form no valid record | treated as a torn tail at the zero length field | warn | yes |
//! | corruption (e.g. checksum failure followed by valid records of later flushes) | damage, and a valid flush-start record after it | refuses: XX001 naming the segment file, the offset and the LSN, with the later record in the detail | error | **no** |
//! | missing segment | a gap between one segment's end and the next one's start | refuses: XX001 naming both files and the expected one | error | **no** |
//! | overlapping segments | a segment starts before the previous one ends | refuses: XX001 | error | **no** |
//! | invalid header (magic, checksum, version, size, start LSN ≠ name) in the newest segment, which holds no valid record | header check, then a scan of the file | deletes the file (it was created but never written); a log left empty restarts at that file's LSN | warn | yes |
//! | invalid header in the newest segment, which holds a valid record | header check, then a scan | refuses: XX001 | error | **no** |
//! | invalid header in an older segment | header check | refuses: XX001 naming the file | error | **no** |
//! | older segment shorter than its declared size | file size | refuses: XX001 | error | **no** |
//! | last segment shorter than its declared size | file size | reads what is there (a record cut by the end of the file is a torn tail), then restores the full size with zeroes | warn | yes |
//! | leftover `*.wal.partial` | file name | deletes it (a segment creation that did not finish) | info | yes |
//! | other files in the directory | file name | ignored | debug | yes |
//! | `replay` returns an error, or a read fails | — | `open` returns that error (read errors: 58030) | — | **no** |
//! | disk full while creating a segment (running) | ENOSPC | WAL fails with 53100: waiters and appends get it; the next start recovers normally | error | (running) |
//! | write or fsync error (running) | error from the OS | WAL fails with 58030, never retried; the next start recovers normally | error | (running) |
//!
//! Finally every remaining segment is fsynced: records replayed now must stay on disk even if
//! the previous process died before its own fsync.
//!
//! [`Wal::open_from`] starts at a checkpoint's replay start: segments ending before it are not
//! opened, and records before it are checked but not replayed. Its segment missing, or the log
//! ending before it, refuses with XX001. [`scan`] reads a log the same way without changing a
//! byte (a torn tail is reported, not cut) for `db001 verify` and point-in-time recovery.
//!
//! ## How the tables are tested
//!
//! - Every row of the recovery table: `tests/recovery.rs` (crafted files, truncation at every
//!   byte offset of a segment tail, random bit flips) and `tests/faults.rs` (fsync failure,
//!   ENOSPC, short writes, and simulated power loss over seeds: unsynced writes dropped or
//!   torn at 512-byte boundaries; `DB001_POWER_LOSS_SEED=N` replays one seed,
//!   `tests/power-loss-long.sh` runs thousands).
//! - The start-up table: the engine's `tests/checkpoint.rs`, `tests/faults.rs` (power loss at
//!   every I/O step of a checkpoint) and `tests/power_loss.rs` (bank transfers and
//!   checkpoints through [`fault::FaultyIo`] over seeds).
//! - `kill -9` of the real binary: `tests/tests/crash.rs` at random moments and at each
//!   [`crash_point`] — before the WAL write, between write and fsync, between fsync and
//!   acknowledgement, inside a checkpoint before and after publication, inside a segment
//!   switch before and after the rename — which lands in the rows "crash", "crash during a
//!   checkpoint", "leftover `*.wal.partial`" and "the log would end at the start of a segment
//!   holding no record"; `tests/crash-torture-long.sh CYCLES` for long runs.
//!
//! **What the flag rule cannot see**: two faults at once — a torn final write *and* corruption
//! of durable bytes before it in the same segment, with no later flush — read as one torn tail
//! at the earlier damage; and bit rot inside the final flush (not a torn write) reads as a torn
//! tail, like bit rot in the very last record always does.

mod format;
mod io;
mod recovery;
mod segment;
mod wal;
mod writer;

pub mod checkpoint;
pub mod crash_point;
pub mod fault;
pub mod lifecycle;

use std::time::Duration;

pub use crate::format::{
    FORMAT_VERSION, RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES, format_lsn, segment_file_name,
};
pub use crate::io::{FileBytes, StdIo, WalFile, WalIo};
pub use crate::wal::{DurableFuture, Wal, scan};

/// A byte position in the logical log; 0 means "nothing".
pub type Lsn = u64;

/// How the WAL writer makes the records it wrote durable (the `wal_sync_method` setting).
///
/// Only the WAL's record writes use it: segment creation, checkpoint files and directory
/// entries are always made durable with `fsync`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncMethod {
    /// `fdatasync(2)` after each group's writes: the data, and metadata only when needed to
    /// read it back (the default, as PostgreSQL's on Linux). Segments are preallocated, so a
    /// record write never changes the file size and there is no metadata to flush.
    #[default]
    Fdatasync,
    /// `fsync(2)`: data and all metadata (timestamps too), for file systems whose
    /// `fdatasync` is not trusted.
    Fsync,
    /// The segment being written is opened with `O_DSYNC`: each `write(2)` returns once its
    /// data is durable, and no separate sync follows. Fewer system calls, but every write of
    /// a group waits for the device, so it helps only when groups are one write.
    OpenDatasync,
}

impl SyncMethod {
    /// Every method, in the order of the docs.
    pub const ALL: [SyncMethod; 3] = [
        SyncMethod::Fdatasync,
        SyncMethod::Fsync,
        SyncMethod::OpenDatasync,
    ];

    /// The setting's spelling (PostgreSQL's names).
    pub fn name(self) -> &'static str {
        match self {
            SyncMethod::Fdatasync => "fdatasync",
            SyncMethod::Fsync => "fsync",
            SyncMethod::OpenDatasync => "open_datasync",
        }
    }

    /// The method spelt `name` (case-insensitive).
    pub fn from_name(name: &str) -> Option<SyncMethod> {
        SyncMethod::ALL
            .into_iter()
            .find(|method| method.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// How a [`Wal`] is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalOptions {
    /// Size of each new segment file in bytes (default 16 MiB; 1 KiB to 1 GiB, a multiple of 8).
    pub segment_bytes: u64,
    /// `true`: callers wait for the fsync of their commit. `false`: the writer flushes at most
    /// `writer_delay` after an append (sooner when 1 MiB is pending or someone waits).
    pub synchronous: bool,
    /// How long the writer may hold appended records when `synchronous` is false (default
    /// 200 ms).
    pub writer_delay: Duration,
    /// How written records are made durable (default `fdatasync`).
    pub sync_method: SyncMethod,
}

impl Default for WalOptions {
    fn default() -> WalOptions {
        WalOptions {
            segment_bytes: 16 << 20,
            synchronous: true,
            writer_delay: Duration::from_millis(200),
            sync_method: SyncMethod::Fdatasync,
        }
    }
}

/// One record as recovery hands it to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// Where the record starts.
    pub lsn: Lsn,
    /// Where the next record may start; the value [`Wal::append`] returned for it.
    pub end_lsn: Lsn,
    /// The caller's one-byte tag.
    pub kind: u8,
    pub payload: &'a [u8],
}

/// What [`Wal::open`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoverySummary {
    /// Records handed to `replay`.
    pub records_replayed: u64,
    /// Segment files in the log after recovery.
    pub segments: usize,
    /// Where the oldest segment's first record slot is.
    pub start_lsn: Lsn,
    /// Where the next record goes: the end of the last valid record (the durable and written
    /// LSN of the opened WAL).
    pub end_lsn: Lsn,
    /// `Some(lsn)` when a torn tail was cut at `lsn` (equal to `end_lsn`).
    pub torn_tail: Option<Lsn>,
    /// Everything recovery logged at warn or info level about the files, for the operator.
    pub warnings: Vec<String>,
}
