//! # db001-wal: the write-ahead log
//!
//! db001 keeps its data in memory; this log is what survives a crash. The crate is physical
//! framing only: it stores opaque payloads, each tagged with a one-byte kind the caller chooses,
//! at positions called LSNs, and hands them back in order at start-up. What a payload means is
//! the engine's business. Checkpoints, archiving and segment removal come later.
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
//!   once, and wakes every waiter that fsync covered (group commit). With
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

pub mod fault;

use std::time::Duration;

pub use crate::format::{
    FORMAT_VERSION, RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES, format_lsn, segment_file_name,
};
pub use crate::io::{StdIo, WalFile, WalIo};
pub use crate::wal::{DurableFuture, Wal};

/// A byte position in the logical log; 0 means "nothing".
pub type Lsn = u64;

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
}

impl Default for WalOptions {
    fn default() -> WalOptions {
        WalOptions {
            segment_bytes: 16 << 20,
            synchronous: true,
            writer_delay: Duration::from_millis(200),
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
