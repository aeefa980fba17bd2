//! Start-up: choose a checkpoint, load it, replay the log after it.
//!
//! The full table of start-up cases (which checkpoint is used when files are damaged or
//! missing, and when db001 refuses to start) is in the `db001_wal` crate docs; this module is
//! its implementation:
//!
//! 1. Delete `*.ckpt.tmp` files: checkpoints a crash interrupted.
//! 2. Try each checkpoint file, newest first: the log must hold every segment from its replay
//!    start on (headers only), and the file must load completely — every block checksum and
//!    the footer are verified while the rows go into fresh tables, so a damaged file is
//!    discarded as a whole. The first that passes both is used.
//! 3. With no usable checkpoint, start from the empty database and the log from LSN 0 — only
//!    if the log still starts there, and never when checkpoints existed but the log is empty
//!    (that would silently drop the data they held). Otherwise refuse, listing every rejected
//!    candidate and why.
//! 4. Read the log from the replay start (`Wal::open_from`, or `db001_wal::scan` when nothing
//!    may change on disk), skipping commits at or below the checkpoint's LSN, which the file
//!    already holds.
//!
//! Progress is logged every few seconds while loading and replaying.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use db001_catalog::Catalog;
use db001_common::{Error, Result, SqlState};
use db001_wal::checkpoint::{
    CheckpointHeader, CheckpointReader, list_checkpoints, remove_temporary_files,
};
use db001_wal::lifecycle::{check_log_covers, list_segments};
use db001_wal::{Lsn, Record, RecoverySummary, Wal, WalIo, WalOptions, format_lsn, scan};

use crate::Config;
use crate::checkpoint::content::{ContentTotals, load};
use crate::checkpoint::{checkpoint_dir, wal_dir};
use crate::database::{Recovery, RecoveryReport};
use crate::two_phase::recovery::RecoveredPrepared;

/// Replay progress is logged at most this often.
const PROGRESS_INTERVAL: Duration = Duration::from_secs(5);

/// The starting point recovery chose.
#[derive(Debug)]
pub(crate) struct StartingPoint {
    pub(crate) replay: Recovery,
    pub(crate) header: Option<CheckpointHeader>,
    pub(crate) totals: ContentTotals,
    pub(crate) replay_from: Lsn,
    pub(crate) rejected: Vec<String>,
    pub(crate) load_time: Duration,
}

/// Chooses and loads the starting point (steps 1–3 of the module docs). `repair` allows
/// deleting leftover temporary checkpoint files.
pub(crate) fn starting_point(
    io: &dyn WalIo,
    data_dir: &Path,
    repair: bool,
) -> Result<StartingPoint> {
    let started = Instant::now();
    let checkpoints = checkpoint_dir(data_dir);
    let log = wal_dir(data_dir);
    if repair {
        for name in remove_temporary_files(io, &checkpoints)? {
            tracing::info!(
                file = %name,
                "removed an unfinished checkpoint file (a checkpoint was interrupted)"
            );
        }
    }
    let candidates = list_checkpoints(io, &checkpoints)?;
    let mut rejected = Vec::new();
    for candidate in &candidates {
        let attempt = || -> Result<std::result::Result<StartingPoint, String>> {
            let reader = match CheckpointReader::open(io, &candidate.path) {
                Ok(reader) => reader,
                Err(error) if error.code() == SqlState::DATA_CORRUPTED => {
                    return Ok(Err(error.message().to_string()));
                }
                Err(error) => return Err(error),
            };
            let header = reader.header();
            if header.lsn != candidate.lsn {
                return Ok(Err(format!(
                    "checkpoint file \"{}\" holds the checkpoint at LSN {}",
                    candidate.name,
                    format_lsn(header.lsn)
                )));
            }
            if let Err(reason) = check_log_covers(io, &log, header.replay_from)? {
                return Ok(Err(format!(
                    "checkpoint \"{}\" needs the log from LSN {}: {reason}",
                    candidate.name,
                    format_lsn(header.replay_from)
                )));
            }
            tracing::info!(
                file = %candidate.name,
                lsn = %format_lsn(header.lsn),
                replay_from = %format_lsn(header.replay_from),
                mb = reader.len() >> 20,
                "loading checkpoint"
            );
            let loaded = match load(&reader) {
                Ok(loaded) => loaded,
                Err(error) if error.code() == SqlState::DATA_CORRUPTED => {
                    return Ok(Err(error.message().to_string()));
                }
                Err(error) => return Err(error),
            };
            Ok(Ok(StartingPoint {
                replay: Recovery::new(loaded.catalog, loaded.tables, header.lsn),
                header: Some(header),
                totals: loaded.totals,
                replay_from: header.replay_from,
                rejected: Vec::new(),
                load_time: Duration::ZERO,
            }))
        };
        match attempt()? {
            Ok(mut point) => {
                point.rejected = rejected;
                point.load_time = started.elapsed();
                tracing::info!(
                    tables = point.totals.tables,
                    rows = point.totals.rows,
                    seconds = format!("{:.3}", point.load_time.as_secs_f64()),
                    "checkpoint loaded"
                );
                return Ok(point);
            }
            Err(reason) => {
                tracing::error!("cannot use checkpoint \"{}\": {reason}", candidate.name);
                rejected.push(reason);
            }
        }
    }
    // No usable checkpoint: the empty database and the whole log, if the log has all of it.
    let segments = list_segments(io, &log)?;
    let whole_log = match check_log_covers(io, &log, 0)? {
        Ok(()) if segments.is_empty() && !candidates.is_empty() => Err(
            "the log is empty, so starting without a checkpoint would lose their data".to_string(),
        ),
        other => other,
    };
    match whole_log {
        Ok(()) => {
            if !candidates.is_empty() {
                tracing::warn!(
                    "no checkpoint is usable; recovering from the empty database and the whole \
                     log"
                );
            }
            Ok(StartingPoint {
                replay: Recovery::new(Catalog::new(), Default::default(), 0),
                header: None,
                totals: ContentTotals::default(),
                replay_from: 0,
                rejected,
                load_time: started.elapsed(),
            })
        }
        Err(reason) => {
            rejected.push(format!("without a checkpoint: {reason}"));
            let what = if candidates.is_empty() {
                "there is no checkpoint and the write-ahead log is incomplete"
            } else {
                "no checkpoint is usable"
            };
            Err(Error::new(
                SqlState::DATA_CORRUPTED,
                format!("cannot start from \"{}\": {what}", data_dir.display()),
            )
            .with_detail(rejected.join("\n"))
            .with_hint(
                "Restore the data directory from a backup (db001 recover), or the missing \
                 files from the archive.",
            ))
        }
    }
}

/// Wraps a replay callback with progress logging.
fn with_progress<'a>(
    replay: &'a mut Recovery,
    records: &'a mut u64,
) -> impl FnMut(Record<'_>) -> Result<()> + 'a {
    let mut last_progress = Instant::now();
    move |record| {
        replay.apply(record.kind, record.payload, record.end_lsn)?;
        *records += 1;
        if last_progress.elapsed() >= PROGRESS_INTERVAL {
            last_progress = Instant::now();
            tracing::info!(
                records = *records,
                transactions = replay.replayed,
                lsn = %format_lsn(record.end_lsn),
                "replaying the write-ahead log"
            );
        }
        Ok(())
    }
}

/// Opens the database's files: loads the starting point and replays the log into it,
/// returning the catalog, the transactions still prepared, the WAL ready for appends and what
/// recovery did.
pub(crate) fn open(config: &Config) -> Result<(Catalog, RecoveredPrepared, Wal, RecoveryReport)> {
    let started = Instant::now();
    let io = Arc::clone(&config.io);
    let log = wal_dir(&config.data_dir);
    io.create_dir_all(&log)
        .map_err(|error| Error::io(&format!("could not create {}", log.display()), &error))?;
    let mut point = starting_point(&*io, &config.data_dir, true)?;
    let options = WalOptions {
        segment_bytes: config.wal_segment_bytes,
        synchronous: config.synchronous_commit,
        writer_delay: Duration::from_millis(config.wal_writer_delay_ms),
    };
    let replay_started = Instant::now();
    let mut records = 0;
    let (wal, summary) = Wal::open_from(
        io,
        &log,
        options,
        point.replay_from,
        &mut with_progress(&mut point.replay, &mut records),
    )?;
    let report = finish(&point, &summary, records, replay_started, started)?;
    let (catalog, prepared) = point.replay.into_parts();
    Ok((catalog, prepared, wal, report))
}

/// Loads the database's files without changing any of them (a torn tail is reported, not
/// cut): for `db001 verify`.
pub(crate) fn load_read_only(
    io: &dyn WalIo,
    data_dir: &Path,
) -> Result<(Catalog, RecoveryReport, RecoverySummary)> {
    let started = Instant::now();
    let mut point = starting_point(io, data_dir, false)?;
    let replay_started = Instant::now();
    let mut records = 0;
    let summary = scan(
        io,
        &wal_dir(data_dir),
        point.replay_from,
        &mut with_progress(&mut point.replay, &mut records),
    )?;
    let report = finish(&point, &summary, records, replay_started, started)?;
    Ok((point.replay.into_parts().0, report, summary))
}

fn finish(
    point: &StartingPoint,
    summary: &RecoverySummary,
    records: u64,
    replay_started: Instant,
    started: Instant,
) -> Result<RecoveryReport> {
    if let Some(header) = point.header
        && summary.end_lsn < header.lsn
    {
        return Err(Error::new(
            SqlState::DATA_CORRUPTED,
            format!(
                "the write-ahead log ends at LSN {}, before the checkpoint's LSN {}",
                format_lsn(summary.end_lsn),
                format_lsn(header.lsn)
            ),
        )
        .with_detail("Durable WAL written before the checkpoint was published is missing."));
    }
    let report = RecoveryReport {
        transactions_replayed: point.replay.replayed,
        end_lsn: summary.end_lsn,
        torn_tail_at: summary.torn_tail,
        checkpoint_lsn: point.header.map(|header| header.lsn),
        replay_from: point.replay_from,
        checkpoint_rows: point.totals.rows,
        records_replayed: records,
        commits_skipped: point.replay.skipped,
        rejected_checkpoints: point.rejected.clone(),
        load_seconds: point.load_time.as_secs_f64(),
        replay_seconds: replay_started.elapsed().as_secs_f64(),
    };
    tracing::info!(
        checkpoint = %point.header.map_or_else(|| "none".to_string(), |h| format_lsn(h.lsn)),
        rows = report.checkpoint_rows,
        wal_records = records,
        transactions = report.transactions_replayed,
        end = %format_lsn(report.end_lsn),
        load_seconds = format!("{:.3}", report.load_seconds),
        replay_seconds = format!("{:.3}", report.replay_seconds),
        seconds = format!("{:.3}", started.elapsed().as_secs_f64()),
        "recovery complete"
    );
    Ok(report)
}
