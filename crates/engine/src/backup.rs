//! Online base backups: a checkpoint plus the log after it, copied while the server serves.
//!
//! ## What a backup directory holds
//!
//! ```text
//! <dir>/checkpoints/<lsn>.ckpt      a checkpoint taken for the backup
//! <dir>/wal/<segment>.wal ...       every segment from the checkpoint's replay start up to
//!                                   the durable end of the log when the copy began; the last
//!                                   one is copied only up to that end (zeroes after it)
//! <dir>/backup_label                what the backup is, as `key: value` lines
//! ```
//!
//! That is exactly the layout of a data directory, so **restoring is copying the directory's
//! contents into an empty data directory** and starting the server there: recovery loads the
//! checkpoint and replays the copied log. `db001 recover` does the same and can go further,
//! with archived WAL, up to a point in time (see `pitr`).
//!
//! ## Why the copy is consistent
//!
//! The checkpoint is a consistent snapshot by construction (see `checkpoint`). The log is
//! copied only up to an LSN that was durable before the copy began: bytes below it are never
//! written again, so reading them while the writer appends further on is safe. Copying the
//! tail of a segment that is still being written could pick up a record of a later flush
//! without an earlier one — a pattern recovery rightly reads as corruption — so that tail is
//! left as zeroes, which recovery reads as the clean end of the log. The backup holds the
//! checkpointer's lock throughout, so no checkpoint removes a segment it is still copying.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use db001_common::{Error, Result, SqlState};
use db001_wal::checkpoint::{CheckpointReader, list_checkpoints};
use db001_wal::lifecycle::{copy_file_durably, list_segments};
use db001_wal::{Lsn, format_lsn};

use crate::checkpoint::{self, CheckpointInfo, CheckpointReason, checkpoint_dir, wal_dir};
use crate::database::Shared;
use crate::log_record::unix_micros_now;

/// The manifest file of a backup.
pub const BACKUP_LABEL: &str = "backup_label";
/// Progress is logged at most this often while a backup copies files.
const PROGRESS_INTERVAL: Duration = Duration::from_secs(1);

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct BackupInfo {
    pub dir: PathBuf,
    /// The checkpoint in the backup: its state is every commit at or before this LSN.
    pub checkpoint_lsn: Lsn,
    /// Where its log starts being needed.
    pub replay_from: Lsn,
    /// The end of the copied log: the backup restores to (at least) every commit before it.
    pub wal_end_lsn: Lsn,
    pub files: usize,
    pub bytes: u64,
    pub seconds: f64,
}

/// Writes a base backup of the running database into `dir` (absolute, missing or empty).
/// `on_checkpoint` hears the result of the checkpoint taken for it. Callers hold the
/// checkpointer's lock.
pub(crate) fn run(
    shared: &Shared,
    dir: &Path,
    on_checkpoint: &mut dyn FnMut(&Result<Option<CheckpointInfo>>),
) -> Result<BackupInfo> {
    let started = Instant::now();
    let io = shared.wal.io();
    if !dir.is_absolute() {
        return Err(Error::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!(
                "backup directory \"{}\" must be an absolute path",
                dir.display()
            ),
        ));
    }
    match io.list_dir(dir) {
        Ok(names) if !names.is_empty() => {
            return Err(Error::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!(
                    "backup directory \"{}\" exists and is not empty",
                    dir.display()
                ),
            ));
        }
        Ok(_) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => {
            return Err(Error::io(
                &format!("could not list backup directory \"{}\"", dir.display()),
                &error,
            ));
        }
    }
    tracing::info!(dir = %dir.display(), "backup starting");
    let result = checkpoint::run(shared, CheckpointReason::Backup);
    on_checkpoint(&result);
    result?;
    let data_dir = &shared.config.data_dir;
    let newest = list_checkpoints(&*io, &checkpoint_dir(data_dir))?
        .into_iter()
        .next()
        .ok_or_else(|| Error::internal("no checkpoint exists right after taking one"))?;
    let header = CheckpointReader::open(&*io, &newest.path)?.header();
    let wal_end = shared.wal.durable_lsn();
    debug_assert!(
        wal_end >= header.lsn,
        "a checkpoint is never ahead of the log"
    );

    // Plan the copy: the checkpoint, then the segments from the one holding the replay start
    // to the one holding the durable end.
    let segments = list_segments(&*io, &wal_dir(data_dir))?;
    let first = segments
        .iter()
        .rposition(|segment| segment.start_lsn <= header.replay_from)
        .ok_or_else(|| {
            Error::new(
                SqlState::DATA_CORRUPTED,
                format!(
                    "the WAL segment holding LSN {} is missing",
                    format_lsn(header.replay_from)
                ),
            )
        })?;
    let mut plan: Vec<(PathBuf, PathBuf, String, Option<u64>)> = vec![(
        newest.path.clone(),
        checkpoint_dir(dir),
        newest.name.clone(),
        None,
    )];
    for (index, segment) in segments.iter().enumerate().skip(first) {
        if segment.start_lsn >= wal_end && index > first {
            break;
        }
        let whole = segments
            .get(index + 1)
            .is_some_and(|next| next.start_lsn <= wal_end);
        let valid = (!whole).then(|| wal_end.saturating_sub(segment.start_lsn));
        plan.push((
            segment.path.clone(),
            wal_dir(dir),
            segment.name.clone(),
            valid,
        ));
    }

    let mut bytes = 0u64;
    let mut last_progress = Instant::now();
    for (position, (from, to_dir, name, valid)) in plan.iter().enumerate() {
        bytes += copy_file_durably(&*io, from, to_dir, name, *valid)?;
        if last_progress.elapsed() >= PROGRESS_INTERVAL {
            last_progress = Instant::now();
            tracing::info!(
                files = position + 1,
                of = plan.len(),
                mb = bytes >> 20,
                "backup in progress"
            );
        }
    }
    let info = BackupInfo {
        dir: dir.to_path_buf(),
        checkpoint_lsn: header.lsn,
        replay_from: header.replay_from,
        wal_end_lsn: wal_end,
        files: plan.len(),
        bytes,
        seconds: started.elapsed().as_secs_f64(),
    };
    write_label(&*io, &info)?;
    tracing::info!(
        dir = %dir.display(),
        checkpoint = %format_lsn(info.checkpoint_lsn),
        wal_end = %format_lsn(info.wal_end_lsn),
        files = info.files,
        mb = format!("{:.1}", info.bytes as f64 / 1048576.0),
        seconds = format!("{:.3}", info.seconds),
        "backup complete"
    );
    Ok(info)
}

/// Writes `backup_label` (durably, like every other file of the backup).
fn write_label(io: &dyn db001_wal::WalIo, info: &BackupInfo) -> Result<()> {
    let text = format!(
        "db001 base backup\ncheckpoint lsn: {}\nreplay from: {}\nwal end lsn: {}\n\
         files: {}\nbytes: {}\ncreated unix micros: {}\n",
        format_lsn(info.checkpoint_lsn),
        format_lsn(info.replay_from),
        format_lsn(info.wal_end_lsn),
        info.files,
        info.bytes,
        unix_micros_now()
    );
    let path = info.dir.join(format!("{BACKUP_LABEL}.tmp"));
    let file = io
        .create(&path)
        .map_err(|error| Error::io(&format!("could not create \"{}\"", path.display()), &error))?;
    let mut written = 0;
    while written < text.len() {
        match file.write_at(&text.as_bytes()[written..], written as u64) {
            Ok(0) => {
                return Err(Error::io(
                    &format!("could not write \"{}\"", path.display()),
                    &std::io::Error::from(std::io::ErrorKind::WriteZero),
                ));
            }
            Ok(count) => written += count,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => {
                return Err(Error::io(
                    &format!("could not write \"{}\"", path.display()),
                    &error,
                ));
            }
        }
    }
    file.sync_all()
        .map_err(|error| Error::io(&format!("could not fsync \"{}\"", path.display()), &error))?;
    io.rename(&path, &info.dir.join(BACKUP_LABEL))
        .map_err(|error| Error::io(&format!("could not rename \"{}\"", path.display()), &error))?;
    io.sync_dir(&info.dir).map_err(|error| {
        Error::io(
            &format!("could not fsync \"{}\"", info.dir.display()),
            &error,
        )
    })
}
