//! Recovery: reading the log back at start-up, and deciding what a damaged log means.
//!
//! The rules are tabulated in the crate documentation ("Recovery"); this module implements that
//! table in three steps:
//!
//! 1. **Inventory** ([`inventory`]): list the segment files, delete unfinished `.partial` ones,
//!    verify every header, and check that the segments tile the LSN space without a gap.
//! 2. **Read** ([`read_log`]): walk the records in LSN order, handing each valid one to the
//!    caller, until the log ends cleanly or a slot is damaged.
//! 3. **Decide** ([`classify_damage`]): damage followed (anywhere later) by a valid flush-start
//!    record is corruption of durable data and refuses start-up; otherwise it is a torn tail,
//!    which is cut: the rest of its segment is zeroed and later segments are deleted.
//!
//! Before returning, every remaining segment is fsynced: records replayed now must not vanish
//! in a later power loss just because the previous process died before its fsync.
//!
//! Two refinements serve checkpoints and tools:
//!
//! - **`replay_from`**: recovery after a checkpoint needs the log only from the checkpoint's
//!   replay start. Segments that end before it are neither opened nor read (start-up time is
//!   proportional to the log since the checkpoint), and records before it in the first segment
//!   read are checked but not handed to `replay`. The segment holding `replay_from` must exist:
//!   otherwise recovery refuses (a missing segment), and likewise when the log ends before it.
//! - **Read-only mode** (`repair = false`): the same reading and the same decisions, but no
//!   file is created, deleted, zeroed or fsynced; what repair would have done is reported in
//!   the summary. `db001 verify` and point-in-time recovery use it.

use std::path::{Path, PathBuf};

use db001_common::{Error, Result, SqlState};

use crate::format::{
    PARTIAL_SUFFIX, RECORD_ALIGNMENT, RECORD_BYTES_MIN, SEGMENT_BYTES_MAX, SEGMENT_HEADER_BYTES,
    SegmentHeader, Slot, decode_slot, find_valid_record, format_lsn, parse_segment_file_name,
    segment_file_name,
};
use crate::io::{WalFile, WalIo};
use crate::segment::{OpenSegment, create_segment, io_error, read_up_to, write_zeroes};
use crate::{Lsn, Record, RecoverySummary, WalOptions};

/// What recovery hands to [`crate::Wal`]: the summary and the segment appends continue in
/// (`None` in read-only mode).
#[derive(Debug)]
pub(crate) struct Recovered {
    pub(crate) summary: RecoverySummary,
    pub(crate) segment: Option<OpenSegment>,
}

/// How [`recover`] runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecoverMode {
    /// Records before this LSN are not handed to `replay`, and segments ending before it are
    /// not read.
    pub(crate) replay_from: Lsn,
    /// Whether recovery may change files (cut a torn tail, delete leftovers, create the first
    /// segment). Without it nothing is written.
    pub(crate) repair: bool,
}

/// A segment file whose header was verified.
#[derive(Debug)]
struct SegmentFile {
    name: String,
    path: PathBuf,
    start_lsn: Lsn,
    segment_bytes: u64,
    file: Box<dyn WalFile>,
    file_bytes: u64,
}

impl SegmentFile {
    fn end_lsn(&self) -> Lsn {
        self.start_lsn + self.segment_bytes
    }

    /// The segment's bytes, as far as the file goes (at most its declared size).
    fn load(&self) -> Result<Vec<u8>> {
        read_up_to(
            &*self.file,
            self.file_bytes.min(self.segment_bytes),
            &self.path,
        )
    }

    fn size(&self) -> usize {
        usize::try_from(self.segment_bytes).expect("segment sizes are at most 1 GiB")
    }
}

/// Where reading stopped.
#[derive(Debug)]
enum Stop {
    /// The log ends cleanly at this offset of the last segment read.
    Clean { index: usize, offset: usize },
    /// The slot at this offset is not a valid record, and the log cannot simply end there.
    Damaged {
        index: usize,
        offset: usize,
        reason: String,
    },
}

/// Runs recovery over `dir`; see the module docs.
pub(crate) fn recover(
    io: &dyn WalIo,
    dir: &Path,
    options: &WalOptions,
    mode: RecoverMode,
    replay: &mut dyn FnMut(Record<'_>) -> Result<()>,
) -> Result<Recovered> {
    let mut warnings = Vec::new();
    if mode.repair {
        io.create_dir_all(dir)
            .map_err(|error| io_error("could not create WAL directory", dir, &error))?;
    } else if let Err(error) = io.list_dir(dir) {
        if error.kind() != std::io::ErrorKind::NotFound {
            return Err(io_error("could not list WAL directory", dir, &error));
        }
        warnings.push(format!(
            "the WAL directory \"{}\" does not exist",
            dir.display()
        ));
        return empty_log(io, dir, options, mode, 0, warnings);
    }
    let (mut segments, next_start) = inventory(io, dir, mode, &mut warnings)?;
    if segments.is_empty() {
        return empty_log(io, dir, options, mode, next_start.unwrap_or(0), warnings);
    }

    let mut records_replayed = 0u64;
    let mut left_at = Vec::new();
    let (stop, tail_data) = read_log(
        &segments,
        mode.replay_from,
        replay,
        &mut records_replayed,
        &mut left_at,
    )?;
    let (mut index, mut offset, torn_reason) = match stop {
        Stop::Clean { index, offset } => {
            // Clean, unless bytes after the end are not zero: a torn record whose first bytes
            // never reached the disk.
            let tail_dirty = tail_data
                .get(offset..)
                .is_some_and(|tail| tail.iter().any(|byte| *byte != 0));
            let reason = tail_dirty
                .then(|| "no record starts here but the bytes after it are not zero".to_string());
            (index, offset, reason)
        }
        Stop::Damaged {
            index,
            offset,
            reason,
        } => {
            classify_damage(&segments, index, offset, &reason, &tail_data)?;
            (index, offset, Some(reason))
        }
    };

    let torn_message = torn_reason.map(|reason| {
        format!(
            "torn tail in WAL segment file \"{}\" at offset {offset} (LSN {}): {reason}",
            segments[index].name,
            format_lsn(segments[index].start_lsn + offset as u64)
        )
    });
    // A log must not end at the start of a segment holding no record: the previous segment
    // was left early for a record that never reached the disk, and the next record written
    // would open this segment although it fits in the previous one — which a later recovery
    // rightly reads as lost records. So the end moves back to where the previous segment was
    // left, and the empty segment goes with the later ones.
    let mut moved_back = false;
    while offset == SEGMENT_HEADER_BYTES as usize && index > 0 {
        index -= 1;
        offset = left_at[index];
        moved_back = true;
    }
    let end_lsn = segments[index].start_lsn + offset as u64;
    if end_lsn < mode.replay_from {
        return Err(corrupt(format!(
            "the write-ahead log ends at LSN {}, before LSN {} where replay must start",
            format_lsn(end_lsn),
            format_lsn(mode.replay_from)
        ))
        .with_detail(
            "The checkpoint being recovered is newer than the log: WAL that was durable is \
             missing."
                .to_string(),
        ));
    }
    let torn_tail = torn_message.map(|message| {
        let verb = if mode.repair { "is" } else { "would be" };
        let message = format!("{message}; the log {verb} cut at {}", format_lsn(end_lsn));
        tracing::warn!("{message}");
        warnings.push(message);
        end_lsn
    });
    if !mode.repair {
        let start_lsn = segments[0].start_lsn + SEGMENT_HEADER_BYTES;
        let segment_count = index + 1;
        let summary = RecoverySummary {
            records_replayed,
            segments: segment_count,
            start_lsn,
            end_lsn,
            torn_tail,
            warnings,
        };
        return Ok(Recovered {
            summary,
            segment: None,
        });
    }

    // Make the end of the log clean: zero the rest of the segment (and restore its full size if
    // the file was short), and delete every later segment.
    let end_segment = &segments[index];
    if torn_tail.is_some() || moved_back || end_segment.file_bytes < end_segment.segment_bytes {
        if end_segment.file_bytes < end_segment.segment_bytes {
            let message = format!(
                "WAL segment file \"{}\" was {} bytes, shorter than its size of {} bytes; \
                 it was extended with zeroes",
                end_segment.name, end_segment.file_bytes, end_segment.segment_bytes
            );
            tracing::warn!("{message}");
            warnings.push(message);
        }
        write_zeroes(
            &*end_segment.file,
            offset as u64,
            end_segment.segment_bytes,
            &end_segment.path,
        )?;
    }
    let later: Vec<SegmentFile> = segments.drain(index + 1..).collect();
    for segment in &later {
        io.remove_file(&segment.path).map_err(|error| {
            io_error("could not remove WAL segment file", &segment.path, &error)
        })?;
        let message = format!(
            "removed WAL segment file \"{}\": it lies after the cut",
            segment.name
        );
        tracing::warn!("{message}");
        warnings.push(message);
    }
    for segment in &segments {
        segment
            .file
            .sync_data()
            .map_err(|error| io_error("could not fsync WAL segment file", &segment.path, &error))?;
    }
    if !later.is_empty() {
        io.sync_dir(dir)
            .map_err(|error| io_error("could not fsync WAL directory", dir, &error))?;
    }

    let start_lsn = segments[0].start_lsn + SEGMENT_HEADER_BYTES;
    let segment_count = segments.len();
    let last = segments.pop().expect("the log has at least one segment");
    tracing::info!(
        records = records_replayed,
        segments = segment_count,
        "write-ahead log recovered from {} to {}",
        format_lsn(start_lsn),
        format_lsn(end_lsn)
    );
    let summary = RecoverySummary {
        records_replayed,
        segments: segment_count,
        start_lsn,
        end_lsn,
        torn_tail,
        warnings,
    };
    let segment = OpenSegment {
        start_lsn: last.start_lsn,
        segment_bytes: last.segment_bytes,
        path: last.path,
        file: last.file,
        dirty: false,
    };
    Ok(Recovered {
        summary,
        segment: Some(segment),
    })
}

/// A log with no segment: a fresh one starts at `start_lsn` (unless replay must start later,
/// which means the segments it needs are missing).
fn empty_log(
    io: &dyn WalIo,
    dir: &Path,
    options: &WalOptions,
    mode: RecoverMode,
    start_lsn: Lsn,
    warnings: Vec<String>,
) -> Result<Recovered> {
    let end_lsn = start_lsn + SEGMENT_HEADER_BYTES;
    if mode.replay_from > end_lsn {
        return Err(missing_from(dir, mode.replay_from, None));
    }
    let segment = if mode.repair {
        let segment = create_segment(io, dir, start_lsn, options.segment_bytes)?;
        tracing::info!(
            dir = %dir.display(),
            "write-ahead log initialized; appending from {}",
            format_lsn(end_lsn)
        );
        Some(segment)
    } else {
        None
    };
    let summary = RecoverySummary {
        records_replayed: 0,
        segments: usize::from(segment.is_some()),
        start_lsn: end_lsn,
        end_lsn,
        torn_tail: None,
        warnings,
    };
    Ok(Recovered { summary, segment })
}

/// The error for "replay must start at `replay_from`, but no segment holds it".
fn missing_from(dir: &Path, replay_from: Lsn, oldest: Option<&str>) -> Error {
    let found = match oldest {
        Some(name) => format!("the oldest segment file is \"{name}\""),
        None => "the directory holds no segment file".to_string(),
    };
    corrupt(format!(
        "WAL segment missing: recovery must read the log from LSN {} in \"{}\", but {found}",
        format_lsn(replay_from),
        dir.display()
    ))
    .with_hint(
        "The segments after the last checkpoint were deleted or never copied. Restore them \
         (from the archive or a backup), or recover from a backup with db001 recover.",
    )
}

/// Lists, opens and verifies the segment files. Returns them in LSN order, plus the start LSN
/// of a newest segment that was deleted as never written (so a fresh log continues there).
fn inventory(
    io: &dyn WalIo,
    dir: &Path,
    mode: RecoverMode,
    warnings: &mut Vec<String>,
) -> Result<(Vec<SegmentFile>, Option<Lsn>)> {
    let names = io
        .list_dir(dir)
        .map_err(|error| io_error("could not list WAL directory", dir, &error))?;
    let mut found: Vec<(Lsn, String)> = Vec::new();
    let mut removed_any = false;
    for name in names {
        if name.ends_with(PARTIAL_SUFFIX) {
            let path = dir.join(&name);
            if mode.repair {
                io.remove_file(&path).map_err(|error| {
                    io_error("could not remove WAL segment file", &path, &error)
                })?;
                removed_any = true;
            }
            let verb = if mode.repair {
                "removed"
            } else {
                "would remove"
            };
            let message = format!(
                "{verb} unfinished WAL segment file \"{name}\" (its creation was interrupted)"
            );
            tracing::info!("{message}");
            warnings.push(message);
        } else if let Some(start_lsn) = parse_segment_file_name(&name) {
            found.push((start_lsn, name));
        } else {
            tracing::debug!(file = %name, "ignoring a file in the WAL directory");
        }
    }
    found.sort();
    // Only the segment holding `replay_from` and the later ones are needed; older ones are
    // kept for an older checkpoint or the archive, and are not even opened.
    if mode.replay_from > 0 && !found.is_empty() {
        match found
            .iter()
            .rposition(|(start, _)| *start <= mode.replay_from)
        {
            Some(first_needed) => {
                found.drain(..first_needed);
            }
            None => return Err(missing_from(dir, mode.replay_from, Some(&found[0].1))),
        }
    }

    let count = found.len();
    let mut segments = Vec::with_capacity(count);
    let mut next_start = None;
    for (position, (name_lsn, name)) in found.into_iter().enumerate() {
        let path = dir.join(&name);
        let file = io
            .open(&path)
            .map_err(|error| io_error("could not open WAL segment file", &path, &error))?;
        let file_bytes = file.size().map_err(|error| {
            io_error("could not read the size of WAL segment file", &path, &error)
        })?;
        let header_bytes = read_up_to(&*file, file_bytes.min(SEGMENT_HEADER_BYTES), &path)?;
        let header = SegmentHeader::decode(&header_bytes).and_then(|header| {
            if header.start_lsn == name_lsn {
                Ok(header)
            } else {
                Err(format!(
                    "the header says the segment starts at LSN {}, but its name says {}",
                    format_lsn(header.start_lsn),
                    format_lsn(name_lsn)
                ))
            }
        });
        match header {
            Ok(header) => segments.push(SegmentFile {
                name,
                path,
                start_lsn: header.start_lsn,
                segment_bytes: header.segment_bytes,
                file,
                file_bytes,
            }),
            Err(reason) if position + 1 == count => {
                // The newest segment: if it was created but never written, its header is the
                // only thing that can be damaged, and nothing is lost by deleting it.
                let data = read_up_to(&*file, file_bytes.min(SEGMENT_BYTES_MAX), &path)?;
                let size = data.len();
                let first = SEGMENT_HEADER_BYTES as usize;
                if let Some(offset) = find_valid_record(&data, first, size, name_lsn, false) {
                    return Err(corrupt(format!(
                        "invalid header in WAL segment file \"{name}\": {reason}"
                    ))
                    .with_detail(format!(
                        "The segment holds a valid record at offset {offset}, so it was written \
                         to and cannot be discarded."
                    )));
                }
                drop(file);
                if mode.repair {
                    io.remove_file(&path).map_err(|error| {
                        io_error("could not remove WAL segment file", &path, &error)
                    })?;
                    removed_any = true;
                }
                let verb = if mode.repair {
                    "removed"
                } else {
                    "would remove"
                };
                let message = format!(
                    "{verb} WAL segment file \"{name}\": invalid header ({reason}) and no \
                     records, so it was created but never written"
                );
                tracing::warn!("{message}");
                warnings.push(message);
                next_start = Some(name_lsn);
            }
            Err(reason) => {
                return Err(corrupt(format!(
                    "invalid header in WAL segment file \"{name}\": {reason}"
                )));
            }
        }
    }
    if removed_any {
        io.sync_dir(dir)
            .map_err(|error| io_error("could not fsync WAL directory", dir, &error))?;
    }

    for pair in segments.windows(2) {
        let (previous, next) = (&pair[0], &pair[1]);
        let expected = previous.end_lsn();
        if next.start_lsn > expected {
            return Err(corrupt(format!(
                "WAL segment missing: segment file \"{}\" ends at LSN {}, but the next segment \
                 file is \"{}\"",
                previous.name,
                format_lsn(expected),
                next.name
            ))
            .with_detail(format!(
                "Expected segment file \"{}\".",
                segment_file_name(expected)
            )));
        }
        if next.start_lsn < expected {
            return Err(corrupt(format!(
                "WAL segment files overlap: \"{}\" ends at LSN {}, after \"{}\" starts",
                previous.name,
                format_lsn(expected),
                next.name
            )));
        }
    }
    if let Some((_, older)) = segments.split_last() {
        for segment in older {
            if segment.file_bytes < segment.segment_bytes {
                return Err(corrupt(format!(
                    "WAL segment file \"{}\" is {} bytes, shorter than its size of {} bytes",
                    segment.name, segment.file_bytes, segment.segment_bytes
                )));
            }
        }
    }
    Ok((segments, next_start))
}

/// Reads the records of every segment in order, handing each valid one to `replay`. Returns
/// where it stopped and the bytes of the segment it stopped in; `left_at[i]` is the offset at
/// which segment `i` was left for the next one.
fn read_log(
    segments: &[SegmentFile],
    replay_from: Lsn,
    replay: &mut dyn FnMut(Record<'_>) -> Result<()>,
    records_replayed: &mut u64,
    left_at: &mut Vec<usize>,
) -> Result<(Stop, Vec<u8>)> {
    let mut index = 0;
    let mut offset = SEGMENT_HEADER_BYTES as usize;
    let mut data = segments[0].load()?;
    // Each pass either consumes a record (the offset grows by at least one slot) or moves to
    // the next segment, so the loop ends after at most (log bytes / slot + segments) passes.
    loop {
        let segment = &segments[index];
        let size = segment.size();
        let lsn = segment.start_lsn + offset as u64;
        let slot = if offset + RECORD_BYTES_MIN > size {
            Slot::Absent
        } else {
            decode_slot(&data, offset, size, lsn)
        };
        match slot {
            Slot::Record(record) => {
                let end_lsn = lsn + record.aligned_bytes as u64;
                if lsn >= replay_from {
                    replay(Record {
                        lsn,
                        end_lsn,
                        kind: record.kind,
                        payload: record.payload,
                    })?;
                    *records_replayed += 1;
                }
                offset += record.aligned_bytes;
            }
            Slot::Zero | Slot::Absent => {
                // No record here: the rest of the segment must hold none either.
                let after = offset + RECORD_ALIGNMENT;
                if let Some(found) = find_valid_record(&data, after, size, segment.start_lsn, false)
                {
                    let reason = format!(
                        "no record starts here, but a valid record follows at LSN {}",
                        format_lsn(segment.start_lsn + found as u64)
                    );
                    let stop = Stop::Damaged {
                        index,
                        offset,
                        reason,
                    };
                    return Ok((stop, data));
                }
                if index + 1 == segments.len() {
                    return Ok((Stop::Clean { index, offset }, data));
                }
                // The segment was left early because the next record did not fit; if the next
                // segment's first record would have fit, this segment lost records.
                let next = &segments[index + 1];
                let next_data = next.load()?;
                let first = SEGMENT_HEADER_BYTES as usize;
                let next_first_lsn = next.start_lsn + SEGMENT_HEADER_BYTES;
                if let Slot::Record(record) =
                    decode_slot(&next_data, first, next.size(), next_first_lsn)
                    && offset + record.aligned_bytes <= size
                {
                    let reason = format!(
                        "the segment ends here, but the first record of the next segment ({} \
                         bytes) would have fit",
                        record.aligned_bytes
                    );
                    let stop = Stop::Damaged {
                        index,
                        offset,
                        reason,
                    };
                    return Ok((stop, data));
                }
                left_at.push(offset);
                index += 1;
                offset = first;
                data = next_data;
            }
            Slot::Invalid(reason) => {
                let stop = Stop::Damaged {
                    index,
                    offset,
                    reason,
                };
                return Ok((stop, data));
            }
        }
    }
}

/// Decides whether damage at `offset` of segment `index` is a torn tail (returns `Ok`) or
/// corruption of durable data (returns the XX001 error naming the file and offset).
///
/// A valid record carrying the flush-start flag anywhere after the damage was written after an
/// fsync that covered the damaged position, so the damaged bytes had been durable: corruption.
/// Without one, everything from the damage on belongs to the last write, whose fsync never
/// completed, so nothing there was ever acknowledged: a torn tail.
fn classify_damage(
    segments: &[SegmentFile],
    index: usize,
    offset: usize,
    reason: &str,
    data: &[u8],
) -> Result<()> {
    let segment = &segments[index];
    let after = offset + RECORD_ALIGNMENT;
    let mut proof = find_valid_record(data, after, segment.size(), segment.start_lsn, true)
        .map(|found| (segment, found));
    if proof.is_none() {
        for later in &segments[index + 1..] {
            let later_data = later.load()?;
            let first = SEGMENT_HEADER_BYTES as usize;
            if let Some(found) =
                find_valid_record(&later_data, first, later.size(), later.start_lsn, true)
            {
                proof = Some((later, found));
                break;
            }
        }
    }
    match proof {
        None => Ok(()),
        Some((proof_segment, proof_offset)) => {
            let lsn = segment.start_lsn + offset as u64;
            let error = corrupt(format!(
                "corrupt write-ahead log: invalid record in segment file \"{}\" at offset \
                 {offset} (LSN {}): {reason}",
                segment.name,
                format_lsn(lsn)
            ))
            .with_detail(format!(
                "A valid record written after a later fsync follows at offset {proof_offset} of \
                 segment file \"{}\" (LSN {}), so the damaged record had been durable: this is \
                 not a torn tail.",
                proof_segment.name,
                format_lsn(proof_segment.start_lsn + proof_offset as u64)
            ))
            .with_hint(
                "Restore the WAL directory from a backup or a replica. Start-up refuses rather \
                 than silently dropping committed transactions.",
            );
            tracing::error!("{error:?}");
            Err(error)
        }
    }
}

fn corrupt(message: String) -> Error {
    Error::new(SqlState::DATA_CORRUPTED, message)
}
