//! Segment files: creating one safely, and the full-length read and write loops.
//!
//! ## Why a segment is created the way it is
//!
//! A new segment is written under a temporary name (`<name>.wal.partial`), filled with zeroes to
//! its full size, given its header, fsynced, renamed to its final name, and then the directory
//! is fsynced. So:
//!
//! - a segment file with a final name always has its full size and a durable header; a crash in
//!   the middle leaves only a `.partial` file, which recovery deletes;
//! - the blocks are allocated up front, so a full disk shows up here (53100), when no record
//!   depends on the segment yet, rather than in the middle of a commit's write;
//! - later record writes do not change the file size, so `fdatasync` has no metadata to flush;
//! - unwritten space reads as zeroes, and a zero length field is how a segment says "no record
//!   here".

use std::path::{Path, PathBuf};

use db001_common::{Error, Result};

use crate::format::{PARTIAL_SUFFIX, SEGMENT_HEADER_BYTES, SegmentHeader, segment_file_name};
use crate::io::{WalFile, WalIo};
use crate::{Lsn, SyncMethod};

/// Zeroes are written in pieces of this size when a segment is filled.
const ZERO_CHUNK_BYTES: usize = 1 << 20;
/// A read or write that makes no progress this many times in a row is an error, not a retry.
const STALLED_WRITES_MAX: u32 = 64;

/// A segment file open for writing.
#[derive(Debug)]
pub(crate) struct OpenSegment {
    pub(crate) start_lsn: Lsn,
    pub(crate) segment_bytes: u64,
    pub(crate) path: PathBuf,
    pub(crate) file: Box<dyn WalFile>,
    /// Written to since its last successful fsync.
    pub(crate) dirty: bool,
}

impl OpenSegment {
    /// The LSN just past the segment's last byte.
    pub(crate) fn end_lsn(&self) -> Lsn {
        self.start_lsn + self.segment_bytes
    }

    /// Makes what was written since the last sync durable, the way `method` says (with
    /// `open_datasync` the writes already were: see [`OpenSegment::prepare_for_writes`]).
    pub(crate) fn sync_if_dirty(&mut self, method: SyncMethod) -> Result<()> {
        if self.dirty {
            let synced = match method {
                SyncMethod::Fdatasync => self.file.sync_data(),
                SyncMethod::Fsync => self.file.sync_all(),
                SyncMethod::OpenDatasync => Ok(()),
            };
            synced.map_err(|error| {
                io_error("could not fsync WAL segment file", &self.path, &error)
            })?;
            self.dirty = false;
        }
        Ok(())
    }

    /// Before records are written to this segment: with `open_datasync`, reopens it with
    /// `O_DSYNC` so every write returns durable.
    pub(crate) fn prepare_for_writes(&mut self, io: &dyn WalIo, method: SyncMethod) -> Result<()> {
        if method == SyncMethod::OpenDatasync {
            self.file = io.open_data_synchronous(&self.path).map_err(|error| {
                io_error(
                    "could not open WAL segment file with O_DSYNC",
                    &self.path,
                    &error,
                )
            })?;
        }
        Ok(())
    }
}

/// Creates, fills, seals and names a new segment (see the module docs for the order and why).
pub(crate) fn create_segment(
    io: &dyn WalIo,
    dir: &Path,
    start_lsn: Lsn,
    segment_bytes: u64,
) -> Result<OpenSegment> {
    let name = segment_file_name(start_lsn);
    let path = dir.join(&name);
    let partial = dir.join(format!("{start_lsn:016X}{PARTIAL_SUFFIX}"));
    let result = fill_new_segment(io, &partial, start_lsn, segment_bytes).and_then(|file| {
        crate::crash_point::hit(crate::crash_point::CrashPoint::SegmentBeforeRename);
        io.rename(&partial, &path)
            .map_err(|error| io_error("could not rename new WAL segment file", &partial, &error))?;
        io.sync_dir(dir)
            .map_err(|error| io_error("could not fsync WAL directory", dir, &error))?;
        Ok(file)
    });
    match result {
        Ok(file) => {
            tracing::debug!(segment = %name, "created WAL segment");
            Ok(OpenSegment {
                start_lsn,
                segment_bytes,
                path,
                file,
                dirty: false,
            })
        }
        Err(error) => {
            // Give the space back; a leftover would be deleted by the next recovery anyway.
            let _ = io.remove_file(&partial);
            Err(error)
        }
    }
}

fn fill_new_segment(
    io: &dyn WalIo,
    partial: &Path,
    start_lsn: Lsn,
    segment_bytes: u64,
) -> Result<Box<dyn WalFile>> {
    let file = io
        .create(partial)
        .map_err(|error| io_error("could not create WAL segment file", partial, &error))?;
    write_zeroes(&*file, SEGMENT_HEADER_BYTES, segment_bytes, partial)?;
    let header = SegmentHeader {
        start_lsn,
        segment_bytes,
    };
    write_all_at(&*file, &header.encode(), 0, partial)?;
    file.sync_all()
        .map_err(|error| io_error("could not fsync WAL segment file", partial, &error))?;
    Ok(file)
}

/// Writes all of `bytes` at `offset` of a WAL segment, continuing after short writes.
pub(crate) fn write_all_at(
    file: &dyn WalFile,
    bytes: &[u8],
    offset: u64,
    path: &Path,
) -> Result<()> {
    write_file_at(file, bytes, offset, path, "WAL segment file")
}

/// Writes all of `bytes` at `offset`, continuing after short writes; errors call the file
/// `what`.
pub(crate) fn write_file_at(
    file: &dyn WalFile,
    bytes: &[u8],
    offset: u64,
    path: &Path,
    what: &str,
) -> Result<()> {
    let context = format!("could not write to {what}");
    let mut written = 0usize;
    let mut stalled = 0u32;
    while written < bytes.len() {
        match file.write_at(&bytes[written..], offset + written as u64) {
            Ok(0) => {
                stalled += 1;
                if stalled >= STALLED_WRITES_MAX {
                    let error = std::io::Error::from(std::io::ErrorKind::WriteZero);
                    return Err(io_error(&context, path, &error));
                }
            }
            Ok(count) => {
                written += count;
                stalled = 0;
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {
                stalled += 1;
                if stalled >= STALLED_WRITES_MAX {
                    return Err(io_error(&context, path, &error));
                }
            }
            Err(error) => return Err(io_error(&context, path, &error)),
        }
    }
    Ok(())
}

/// Writes zeroes over `[from, to)` of a file, extending it if it is shorter.
pub(crate) fn write_zeroes(file: &dyn WalFile, from: u64, to: u64, path: &Path) -> Result<()> {
    let chunk_bytes = usize::try_from(to.saturating_sub(from))
        .unwrap_or(ZERO_CHUNK_BYTES)
        .min(ZERO_CHUNK_BYTES);
    let zeroes = vec![0u8; chunk_bytes];
    let mut offset = from;
    while offset < to {
        let count = usize::try_from(to - offset)
            .unwrap_or(chunk_bytes)
            .min(chunk_bytes);
        write_all_at(file, &zeroes[..count], offset, path)?;
        offset += count as u64;
    }
    Ok(())
}

/// Reads the first `len` bytes of a file (fewer if the file is shorter).
pub(crate) fn read_up_to(file: &dyn WalFile, len: u64, path: &Path) -> Result<Vec<u8>> {
    let len = usize::try_from(len).map_err(|_| {
        Error::new(
            db001_common::SqlState::PROGRAM_LIMIT_EXCEEDED,
            format!(
                "WAL segment file \"{}\" is too large to read",
                path.display()
            ),
        )
    })?;
    let mut data = vec![0u8; len];
    let mut filled = 0usize;
    let mut interrupted = 0u32;
    while filled < len {
        match file.read_at(&mut data[filled..], filled as u64) {
            Ok(0) => break,
            Ok(count) => filled += count,
            Err(error)
                if error.kind() == std::io::ErrorKind::Interrupted
                    && interrupted < STALLED_WRITES_MAX =>
            {
                interrupted += 1;
            }
            Err(error) => {
                return Err(io_error("could not read WAL segment file", path, &error));
            }
        }
    }
    data.truncate(filled);
    Ok(data)
}

/// An I/O error naming the file; ENOSPC becomes 53100 (disk full), anything else 58030.
pub(crate) fn io_error(what: &str, path: &Path, error: &std::io::Error) -> Error {
    Error::io(&format!("{what} \"{}\"", path.display()), error)
}
