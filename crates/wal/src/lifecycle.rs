//! The life of segments after they are written: removal or archiving once a checkpoint no
//! longer needs them, durable copies for backups, and cutting a log at a point-in-time target.
//!
//! ## Why removal is decided by names alone
//!
//! Segment files tile the LSN space, so a segment ends where the next one starts: a segment is
//! wholly before LSN `l` exactly when the *next* segment file starts at or before `l`. Removal
//! therefore needs only a directory listing, never touches the newest segment (the writer's),
//! and cannot race with the writer, which only ever creates segments after all existing ones.
//!
//! ## Why archiving copies
//!
//! The archive may be on another file system, so a segment is archived by copying it to
//! `<archive>/<name>.partial`, fsyncing the copy, renaming it to `<name>` and fsyncing the
//! archive directory, and only then removing the original (and fsyncing the WAL directory). A
//! crash in between leaves the segment in both places or only in the WAL directory, never in
//! neither; archiving it again overwrites the identical copy.

use std::path::{Path, PathBuf};

use db001_common::{Error, Result, SqlState};

use crate::Lsn;
use crate::format::{
    PARTIAL_SUFFIX, SEGMENT_HEADER_BYTES, SegmentHeader, format_lsn, parse_segment_file_name,
    segment_file_name,
};
use crate::io::{WalFile, WalIo};
use crate::segment::{io_error, read_up_to, write_file_at, write_zeroes};

/// Bytes copied per read/write when a file is copied.
const COPY_CHUNK_BYTES: usize = 1 << 20;

/// A segment file found in a directory (by name; its header is not read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentName {
    pub start_lsn: Lsn,
    pub name: String,
    pub path: PathBuf,
}

/// The segment files in `dir`, in LSN order. A missing directory holds none.
pub fn list_segments(io: &dyn WalIo, dir: &Path) -> Result<Vec<SegmentName>> {
    let names = match io.list_dir(dir) {
        Ok(names) => names,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(io_error("could not list WAL directory", dir, &error)),
    };
    let mut segments: Vec<SegmentName> = names
        .into_iter()
        .filter_map(|name| {
            parse_segment_file_name(&name).map(|start_lsn| SegmentName {
                start_lsn,
                path: dir.join(&name),
                name,
            })
        })
        .collect();
    segments.sort_by_key(|segment| segment.start_lsn);
    Ok(segments)
}

/// Whether the log in `dir` can be read from `replay_from` on: `Ok(())`, or the reason it
/// cannot (a missing or broken segment) in words. Reads only segment headers, so the engine
/// can choose between checkpoints before loading one.
///
/// `replay_from = 0` asks for the whole log since its creation: the first segment must start
/// at 0, or there must be no segment at all.
pub fn check_log_covers(
    io: &dyn WalIo,
    dir: &Path,
    replay_from: Lsn,
) -> Result<std::result::Result<(), String>> {
    let segments = list_segments(io, dir)?;
    let Some(first_needed) = segments
        .iter()
        .rposition(|segment| segment.start_lsn <= replay_from)
    else {
        return Ok(Err(match segments.first() {
            None if replay_from <= SEGMENT_HEADER_BYTES => return Ok(Ok(())),
            None => format!(
                "the WAL directory holds no segment, but replay must start at LSN {}",
                format_lsn(replay_from)
            ),
            Some(oldest) => format!(
                "replay must start at LSN {}, but the oldest WAL segment file is \"{}\"",
                format_lsn(replay_from),
                oldest.name
            ),
        }));
    };
    let needed = &segments[first_needed..];
    let mut expected = None;
    for segment in needed {
        if let Some(expected) = expected
            && segment.start_lsn != expected
        {
            return Ok(Err(format!(
                "WAL segment file \"{}\" is missing (the next one present is \"{}\")",
                segment_file_name(expected),
                segment.name
            )));
        }
        let file = io
            .open(&segment.path)
            .map_err(|error| io_error("could not open WAL segment file", &segment.path, &error))?;
        let header = read_up_to(&*file, SEGMENT_HEADER_BYTES, &segment.path)?;
        match SegmentHeader::decode(&header) {
            Ok(header) if header.start_lsn == segment.start_lsn => {
                expected = Some(segment.start_lsn + header.segment_bytes);
            }
            // A broken header in the newest segment may be a creation that never finished;
            // recovery decides that, and it does not change where the log starts.
            _ if std::ptr::eq(segment, needed.last().expect("not empty")) => {}
            Ok(_) => {
                return Ok(Err(format!(
                    "WAL segment file \"{}\" has a header for another position",
                    segment.name
                )));
            }
            Err(reason) => {
                return Ok(Err(format!(
                    "WAL segment file \"{}\" has an invalid header: {reason}",
                    segment.name
                )));
            }
        }
    }
    if let Some(expected) = expected
        && replay_from > expected
    {
        return Ok(Err(format!(
            "replay must start at LSN {}, after the end of the last segment ({})",
            format_lsn(replay_from),
            format_lsn(expected)
        )));
    }
    Ok(Ok(()))
}

/// What [`remove_segments_before`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SegmentRemoval {
    /// Segment files removed from the WAL directory (archived first when archiving).
    pub removed: Vec<String>,
    /// Bytes copied into the archive.
    pub archived_bytes: u64,
}

/// Removes every segment of `dir` that lies wholly before `lsn`, copying it into `archive`
/// first when one is given (see the module docs). The newest segment is never removed.
pub fn remove_segments_before(
    io: &dyn WalIo,
    dir: &Path,
    lsn: Lsn,
    archive: Option<&Path>,
) -> Result<SegmentRemoval> {
    let segments = list_segments(io, dir)?;
    let mut removal = SegmentRemoval::default();
    for pair in segments.windows(2) {
        let (segment, next) = (&pair[0], &pair[1]);
        if next.start_lsn > lsn {
            break;
        }
        if let Some(archive) = archive {
            removal.archived_bytes +=
                copy_file_durably(io, &segment.path, archive, &segment.name, None)?;
        }
        io.remove_file(&segment.path).map_err(|error| {
            io_error("could not remove WAL segment file", &segment.path, &error)
        })?;
        removal.removed.push(segment.name.clone());
    }
    if !removal.removed.is_empty() {
        io.sync_dir(dir)
            .map_err(|error| io_error("could not fsync WAL directory", dir, &error))?;
    }
    Ok(removal)
}

/// Copies `from` to `<to_dir>/<name>` durably: through `<name>.partial`, fsynced, renamed,
/// directory fsynced. With `valid_bytes`, only that many bytes are copied and the rest of the
/// file (up to the source's size) is zeroes — a segment copied up to a durable LSN. Returns
/// the bytes written.
pub fn copy_file_durably(
    io: &dyn WalIo,
    from: &Path,
    to_dir: &Path,
    name: &str,
    valid_bytes: Option<u64>,
) -> Result<u64> {
    io.create_dir_all(to_dir)
        .map_err(|error| io_error("could not create directory", to_dir, &error))?;
    let source = io
        .open(from)
        .map_err(|error| io_error("could not open file", from, &error))?;
    let size = source
        .size()
        .map_err(|error| io_error("could not read the size of file", from, &error))?;
    let copied = valid_bytes.map_or(size, |valid| valid.min(size));
    let partial_name = if name.ends_with(".wal") {
        format!("{}{PARTIAL_SUFFIX}", name.trim_end_matches(".wal"))
    } else {
        format!("{name}.partial")
    };
    let partial = to_dir.join(partial_name);
    let target = to_dir.join(name);
    let copy = || -> Result<()> {
        let destination = io
            .create(&partial)
            .map_err(|error| io_error("could not create file", &partial, &error))?;
        copy_range(&*source, from, &*destination, &partial, copied)?;
        if copied < size {
            write_zeroes(&*destination, copied, size, &partial)?;
        }
        destination
            .sync_all()
            .map_err(|error| io_error("could not fsync file", &partial, &error))?;
        io.rename(&partial, &target)
            .map_err(|error| io_error("could not rename file", &partial, &error))?;
        io.sync_dir(to_dir)
            .map_err(|error| io_error("could not fsync directory", to_dir, &error))
    };
    match copy() {
        Ok(()) => Ok(size),
        Err(error) => {
            let _ = io.remove_file(&partial);
            Err(error)
        }
    }
}

fn copy_range(
    source: &dyn WalFile,
    from: &Path,
    destination: &dyn WalFile,
    to: &Path,
    bytes: u64,
) -> Result<()> {
    let mut buffer = vec![0u8; COPY_CHUNK_BYTES];
    let mut offset = 0u64;
    while offset < bytes {
        let want = usize::try_from(bytes - offset)
            .unwrap_or(COPY_CHUNK_BYTES)
            .min(COPY_CHUNK_BYTES);
        let read = loop {
            match source.read_at(&mut buffer[..want], offset) {
                Ok(read) => break read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
                Err(error) => return Err(io_error("could not read file", from, &error)),
            }
        };
        if read == 0 {
            return Err(Error::new(
                SqlState::IO_ERROR,
                format!(
                    "file \"{}\" ended at {offset} bytes while being copied",
                    from.display()
                ),
            ));
        }
        write_file_at(destination, &buffer[..read], offset, to, "file")?;
        offset += read as u64;
    }
    Ok(())
}

/// Cuts the log in `dir` at `lsn` (a record boundary): zeroes the rest of the segment holding
/// it, removes every later segment, and fsyncs. Point-in-time recovery uses this to end the
/// log at its target; the next start then reads the log as ending cleanly there.
pub fn cut_log(io: &dyn WalIo, dir: &Path, lsn: Lsn) -> Result<()> {
    let segments = list_segments(io, dir)?;
    let Some(holding) = segments
        .iter()
        .rposition(|segment| segment.start_lsn <= lsn)
    else {
        return Err(Error::new(
            SqlState::DATA_CORRUPTED,
            format!("no WAL segment holds LSN {}", format_lsn(lsn)),
        ));
    };
    let segment = &segments[holding];
    let file = io
        .open(&segment.path)
        .map_err(|error| io_error("could not open WAL segment file", &segment.path, &error))?;
    let size = file
        .size()
        .map_err(|error| io_error("could not read the size of file", &segment.path, &error))?;
    let offset = (lsn - segment.start_lsn).max(SEGMENT_HEADER_BYTES);
    if offset < size {
        write_zeroes(&*file, offset, size, &segment.path)?;
    }
    file.sync_data()
        .map_err(|error| io_error("could not fsync WAL segment file", &segment.path, &error))?;
    for later in &segments[holding + 1..] {
        io.remove_file(&later.path)
            .map_err(|error| io_error("could not remove WAL segment file", &later.path, &error))?;
    }
    io.sync_dir(dir)
        .map_err(|error| io_error("could not fsync WAL directory", dir, &error))
}
