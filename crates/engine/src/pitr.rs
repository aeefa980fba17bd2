//! Point-in-time recovery: a base backup plus archived WAL, replayed up to a target.
//!
//! ## The procedure ([`recover_to_point`])
//!
//! 1. The new data directory must be empty. The backup's checkpoint and segments are copied
//!    into it, then every segment of the archive directories (archived segments are complete,
//!    so an archived copy replaces the backup's copy of the same segment, which may end early).
//! 2. The log is scanned (read-only) from the checkpoint's replay start. The first commit
//!    after the target — by LSN: a commit timestamp (its record's end LSN) above the target; by
//!    time: a commit time later than the target — is where the log is **cut**: the rest of its
//!    segment is zeroed and later segments are deleted. Data records of transactions whose
//!    commit lies after the cut stay behind without a commit record, which recovery ignores.
//! 3. The database is opened normally (recovery replays everything up to the cut) and shut
//!    down cleanly, which writes a checkpoint: the directory is then an ordinary data
//!    directory whose state is every transaction committed up to the target, and nothing
//!    after it.
//!
//! A target the available WAL does not reach is an error (as in PostgreSQL), not a silent
//! shorter recovery: an LSN beyond the end of the log, or a time with no commit after it.
//! `RecoveryTarget::Latest` replays everything available.
//!
//! The recovered server continues the log from the cut, reusing segment names the old
//! history also used: give it a new archive directory, or the archive would mix histories.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use db001_common::{Error, Result, SqlState};
use db001_wal::checkpoint::{CheckpointReader, list_checkpoints};
use db001_wal::lifecycle::{copy_file_durably, cut_log, list_segments};
use db001_wal::{Lsn, WalIo, format_lsn, scan};

use crate::checkpoint::{checkpoint_dir, wal_dir};
use crate::log_record::{KIND_TXN_COMMIT, commit_time, decode_payload};
use crate::{Config, Database};

/// Where point-in-time recovery stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryTarget {
    /// Everything the backup and archives hold.
    Latest,
    /// Every commit whose timestamp (commit record end LSN) is at or below this LSN.
    Lsn(Lsn),
    /// Every commit whose commit time is at or before this many microseconds since the Unix
    /// epoch.
    Time { unix_micros: i64 },
}

/// What point-in-time recovery did.
#[derive(Debug, Clone, PartialEq)]
pub struct PitrReport {
    /// The backup's checkpoint.
    pub checkpoint_lsn: Lsn,
    /// The end of the recovered log (where new commits will go).
    pub end_lsn: Lsn,
    /// The last commit replayed: its timestamp and commit time.
    pub last_commit_lsn: Option<Lsn>,
    pub last_commit_unix_micros: Option<i64>,
    /// Whether the log was cut (false: the target was at or beyond the end of the log).
    pub cut: bool,
    /// Transactions replayed on top of the checkpoint.
    pub transactions_replayed: u64,
    /// Segment files taken from the archives.
    pub archived_segments_used: usize,
}

/// Restores `backup` (and the segments in `archives`) into the empty `config.data_dir`, up
/// to `target`; see the module docs.
pub fn recover_to_point(
    config: Config,
    backup: &Path,
    archives: &[PathBuf],
    target: RecoveryTarget,
) -> Result<PitrReport> {
    let io: Arc<dyn WalIo> = Arc::clone(&config.io);
    let data_dir = config.data_dir.clone();
    for sub in [checkpoint_dir(&data_dir), wal_dir(&data_dir)] {
        match io.list_dir(&sub) {
            Ok(names) if !names.is_empty() => {
                return Err(Error::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!(
                        "data directory \"{}\" is not empty: recovery writes a new one",
                        data_dir.display()
                    ),
                ));
            }
            _ => {}
        }
    }
    // 1. Assemble the data directory.
    let checkpoints = list_checkpoints(&*io, &checkpoint_dir(backup))?;
    let newest = checkpoints.first().ok_or_else(|| {
        Error::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("\"{}\" holds no checkpoint: not a backup", backup.display()),
        )
    })?;
    copy_file_durably(
        &*io,
        &newest.path,
        &checkpoint_dir(&data_dir),
        &newest.name,
        None,
    )?;
    let header = CheckpointReader::open(&*io, &newest.path)?.header();
    if let RecoveryTarget::Lsn(lsn) = target
        && lsn < header.lsn
    {
        return Err(Error::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!(
                "target LSN {} precedes the backup's checkpoint at {}",
                format_lsn(lsn),
                format_lsn(header.lsn)
            ),
        )
        .with_hint("Recover from an older base backup."));
    }
    let log = wal_dir(&data_dir);
    for segment in list_segments(&*io, &wal_dir(backup))? {
        copy_file_durably(&*io, &segment.path, &log, &segment.name, None)?;
    }
    let mut archived_segments_used = 0;
    for archive in archives {
        for segment in list_segments(&*io, archive)? {
            if segment.start_lsn + io_segment_bytes(&*io, &segment.path)? <= header.replay_from {
                continue;
            }
            copy_file_durably(&*io, &segment.path, &log, &segment.name, None)?;
            archived_segments_used += 1;
        }
    }

    // 2. Find the cut.
    let mut cut_at = None;
    let mut last_commit = None;
    let summary = scan(&*io, &log, header.replay_from, &mut |record| {
        if record.kind != KIND_TXN_COMMIT || record.end_lsn <= header.lsn || cut_at.is_some() {
            return Ok(());
        }
        let (_, ops) = decode_payload(record.payload)?;
        let time = commit_time(&ops);
        let beyond = match target {
            RecoveryTarget::Latest => false,
            RecoveryTarget::Lsn(lsn) => record.end_lsn > lsn,
            RecoveryTarget::Time { unix_micros } => time.is_some_and(|time| time > unix_micros),
        };
        if beyond {
            cut_at = Some(record.lsn);
        } else {
            last_commit = Some((record.end_lsn, time));
        }
        Ok(())
    })?;
    match (target, cut_at) {
        (RecoveryTarget::Lsn(lsn), None) if lsn > summary.end_lsn => {
            return Err(not_reached(&format!(
                "the available WAL ends at LSN {}, before the target LSN {}",
                format_lsn(summary.end_lsn),
                format_lsn(lsn)
            )));
        }
        (RecoveryTarget::Time { .. }, None) => {
            return Err(not_reached(
                "no transaction committed after the target time in the available WAL, so it \
                 cannot tell whether it holds everything up to the target",
            ));
        }
        _ => {}
    }
    if let Some(cut_at) = cut_at {
        cut_log(&*io, &log, cut_at)?;
        tracing::info!(
            "point-in-time recovery: the log is cut at {}",
            format_lsn(cut_at)
        );
    }

    // 3. Replay and checkpoint.
    let (db, report) = Database::open_with_report(config)?;
    db.shutdown()?;
    Ok(PitrReport {
        checkpoint_lsn: header.lsn,
        end_lsn: report.end_lsn,
        last_commit_lsn: last_commit.map(|(lsn, _)| lsn),
        last_commit_unix_micros: last_commit.and_then(|(_, time)| time),
        cut: cut_at.is_some(),
        transactions_replayed: report.transactions_replayed,
        archived_segments_used,
    })
}

fn not_reached(reason: &str) -> Error {
    Error::new(
        SqlState::INVALID_PARAMETER_VALUE,
        format!("recovery target not reached: {reason}"),
    )
    .with_hint("Add the archive directory holding later WAL, or recover to \"latest\".")
}

/// The size of a segment file (its declared size; segments are preallocated).
fn io_segment_bytes(io: &dyn WalIo, path: &Path) -> Result<u64> {
    let file = io
        .open(path)
        .map_err(|error| Error::io(&format!("could not open \"{}\"", path.display()), &error))?;
    file.size()
        .map_err(|error| Error::io(&format!("could not stat \"{}\"", path.display()), &error))
}
