//! Checkpoints: a consistent copy of the whole database on disk, so that start-up replays only
//! the log written after it.
//!
//! ## What a checkpoint is
//!
//! A checkpoint is the catalog and every row visible to one MVCC snapshot, written to a file
//! (framing, checksums and atomic publication: `db001_wal::checkpoint`; block contents:
//! [`content`]). Because readers never block writers, the snapshot is taken while writers go on:
//! a checkpoint is a long read-only transaction, nothing more. Its snapshot's read timestamp `R`
//! is the checkpoint's LSN: the file holds exactly the transactions committed at or before `R`
//! (commit timestamps are commit record end LSNs).
//!
//! ```text
//!  log:  ... [data X] [commit A ≤R] [commit B ≤R] │R  [data Y] [commit X >R] [commit Y >R] ...
//!                ▲                                 │
//!                replay_from: the oldest start of a commit still in progress when the
//!                snapshot was taken (X), or R itself
//!  checkpoint file = catalog + rows as of R (A and B in, X and Y not)
//!  recovery      = load the file, read the log from replay_from, skip every commit ≤ R
//!                  (already in the file), apply every commit > R with its data records
//! ```
//!
//! ## Taking one, step by step ([`run`])
//!
//! 1. **Capture** the snapshot, the catalog and the replay start together (see [`tracker`] for
//!    why this triple is consistent even while commits and DDL run).
//! 2. **Write** the catalog and the rows visible to the snapshot into `<R>.ckpt.tmp`. The
//!    snapshot is published to the garbage-collection horizon while it is read, so no version
//!    it needs is pruned.
//! 3. **Wait** until the log is durable up to `R` (with `synchronous_commit = off` the snapshot
//!    may see commits not yet on disk): a checkpoint must never be ahead of the log.
//! 4. **Publish**: fsync, rename to `<R>.ckpt`, fsync the directory.
//! 5. **Retire**: keep the two newest checkpoints, delete older ones, and remove (or archive)
//!    the WAL segments wholly before the *previous* checkpoint's replay start. So the newest
//!    checkpoint can always fall back to the one before it with the log it needs (and the
//!    first checkpoint to the empty database and the whole log, which is kept until the
//!    second one).
//!
//! A checkpoint with nothing new (`R` equal to the newest checkpoint's LSN) is skipped. A
//! failed checkpoint removes its temporary file and changes nothing else; `/health` reports
//! it until one succeeds.
//!
//! ## Costs
//!
//! Writing costs one pass over every live row (copied as stored, already encoded) plus one
//! fsync; commits continue meanwhile, slowed only by the competition for CPU and disk.
//! Loading costs one pass over the file plus rebuilding the indexes; then the log since the
//! checkpoint is replayed. Start-up time is thus proportional to the data size plus the log
//! written since the last checkpoint, which `checkpoint_interval` and `max_wal_size` bound.

pub(crate) mod content;
pub(crate) mod tracker;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use db001_catalog::Catalog;
use db001_common::{Error, Result, SqlState};
use db001_txn::{ReaderSlot, Snapshot, TXN_ID_BIT};
use db001_wal::checkpoint::{
    CheckpointFile, CheckpointHeader, CheckpointReader, CheckpointWriter, list_checkpoints,
    remove_checkpoint,
};
use db001_wal::crash_point::{self, CrashPoint};
use db001_wal::{Lsn, format_lsn};

use crate::database::Shared;
use crate::log_record::unix_micros_now;

/// The checkpoint directory inside a data directory.
pub fn checkpoint_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("checkpoints")
}

/// The WAL directory inside a data directory.
pub fn wal_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("wal")
}

/// Checkpoints kept: the newest, and the one before it as a fallback.
pub(crate) const CHECKPOINTS_KEPT: usize = 2;
/// Capturing gives up (and the checkpoint fails) after this many tries, each of which waits
/// at most [`CAPTURE_RETRY_DELAY`] for a DDL commit to publish its catalog.
const CAPTURE_ATTEMPTS_MAX: u32 = 10_000;
const CAPTURE_RETRY_DELAY: Duration = Duration::from_millis(1);

/// Why a checkpoint was taken (for the log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointReason {
    /// `checkpoint_interval` passed.
    Time,
    /// `max_wal_size` of WAL was written since the last one.
    WalVolume,
    /// The `CHECKPOINT` command (or an embedded caller).
    Requested,
    /// A base backup.
    Backup,
    /// Clean shutdown.
    Shutdown,
}

impl CheckpointReason {
    /// The name logs and the `reason` label of `db001_checkpoints_total` use.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckpointReason::Time => "checkpoint_interval",
            CheckpointReason::WalVolume => "max_wal_size",
            CheckpointReason::Requested => "requested",
            CheckpointReason::Backup => "backup",
            CheckpointReason::Shutdown => "shutdown",
        }
    }
}

/// A published checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointInfo {
    /// The snapshot's read timestamp: the state is every commit at or before it.
    pub lsn: Lsn,
    /// Where recovery starts reading the log.
    pub replay_from: Lsn,
    pub path: PathBuf,
    pub bytes: u64,
    pub tables: u64,
    pub rows: u64,
    pub duration: Duration,
    /// WAL segment files removed (or archived) afterwards.
    pub segments_removed: usize,
}

/// The snapshot, catalog and replay start a checkpoint writes (see [`tracker`]).
struct Capture {
    catalog: Arc<Catalog>,
    snapshot: Snapshot,
    /// Holds the garbage-collection horizon at the snapshot until dropped.
    reader: ReaderSlot,
    replay_from: Lsn,
}

fn capture(shared: &Shared) -> Result<Capture> {
    let reader = shared.manager.register_reader();
    for _ in 0..CAPTURE_ATTEMPTS_MAX {
        let generation = shared.commits.ddl_generation();
        if generation % 2 == 1 {
            // A DDL commit is between its commit record and its catalog: wait for it.
            std::thread::sleep(CAPTURE_RETRY_DELAY);
            continue;
        }
        let oldest_start = shared
            .commits
            .oldest_start(&shared.wal, shared.manager.visible_ts());
        let snapshot = reader.snapshot(&shared.manager, TXN_ID_BIT);
        let catalog = Arc::clone(&shared.catalog.read());
        if shared.commits.ddl_generation() == generation {
            return Ok(Capture {
                catalog,
                snapshot,
                reader,
                replay_from: oldest_start.min(snapshot.read_ts),
            });
        }
        reader.release();
    }
    Err(Error::new(
        SqlState::OBJECT_IN_USE,
        "checkpoint could not take a snapshot: DDL commits kept running",
    ))
}

/// Takes a checkpoint (see the module docs). Returns `None` when the newest checkpoint already
/// holds the current state. Callers serialize checkpoints (the checkpointer's lock).
pub(crate) fn run(shared: &Shared, reason: CheckpointReason) -> Result<Option<CheckpointInfo>> {
    let started = Instant::now();
    let io = shared.wal.io();
    let dir = checkpoint_dir(&shared.config.data_dir);
    let capture = capture(shared)?;
    let lsn = capture.snapshot.read_ts;
    let existing = list_checkpoints(&*io, &dir)?;
    if existing.first().is_some_and(|newest| newest.lsn == lsn) {
        tracing::debug!(
            reason = reason.as_str(),
            "checkpoint skipped: nothing committed since the last one at {}",
            format_lsn(lsn)
        );
        return Ok(None);
    }
    tracing::info!(
        reason = reason.as_str(),
        lsn = %format_lsn(lsn),
        replay_from = %format_lsn(capture.replay_from),
        "checkpoint starting"
    );
    let header = CheckpointHeader {
        lsn,
        replay_from: capture.replay_from,
        created_unix_micros: unix_micros_now(),
    };
    let mut writer = CheckpointWriter::create(Arc::clone(&io), &dir, header)?;
    let totals = content::write_content(
        &mut writer,
        &capture.catalog,
        capture.snapshot,
        &shared.manager,
    )?;
    let Capture {
        reader,
        replay_from,
        ..
    } = capture;
    drop(reader);
    shared.wal.wait_durable_blocking(lsn)?;
    let published = writer.publish()?;
    crash_point::hit(CrashPoint::CheckpointBeforeRetire);
    let segments_removed = retire(shared, &dir)?;
    let info = CheckpointInfo {
        lsn,
        replay_from,
        path: published.path,
        bytes: published.bytes,
        tables: totals.tables,
        rows: totals.rows,
        duration: started.elapsed(),
        segments_removed,
    };
    tracing::info!(
        reason = reason.as_str(),
        lsn = %format_lsn(lsn),
        tables = info.tables,
        rows = info.rows,
        mb = format!("{:.1}", info.bytes as f64 / 1048576.0),
        seconds = format!("{:.3}", info.duration.as_secs_f64()),
        segments_removed,
        "checkpoint complete"
    );
    Ok(Some(info))
}

/// Deletes checkpoints beyond the newest [`CHECKPOINTS_KEPT`] and the WAL segments no kept
/// checkpoint needs; returns how many segments went.
fn retire(shared: &Shared, dir: &Path) -> Result<usize> {
    let io = shared.wal.io();
    let files = list_checkpoints(&*io, dir)?;
    for old in files.iter().skip(CHECKPOINTS_KEPT) {
        remove_checkpoint(&*io, old)?;
        tracing::debug!(file = %old.name, "removed old checkpoint");
    }
    if files.len() < CHECKPOINTS_KEPT {
        // The first checkpoint: its fallback is the empty database and the whole log.
        return Ok(0);
    }
    let kept: Vec<&CheckpointFile> = files.iter().take(CHECKPOINTS_KEPT).collect();
    // The log must still reach back to the oldest kept checkpoint that is readable.
    let mut retain_from = None;
    for file in kept.iter().rev() {
        match CheckpointReader::open(&*io, &file.path) {
            Ok(reader) => {
                retain_from = Some(reader.header().replay_from);
                break;
            }
            Err(error) => tracing::warn!("{error}"),
        }
    }
    let Some(retain_from) = retain_from else {
        return Ok(0);
    };
    let removal = shared
        .wal
        .remove_segments_before(retain_from, shared.config.archive_dir.as_deref())?;
    if !removal.removed.is_empty() {
        let verb = if shared.config.archive_dir.is_some() {
            "archived"
        } else {
            "removed"
        };
        tracing::info!(
            segments = removal.removed.len(),
            first = %removal.removed[0],
            "{verb} WAL segments before {}",
            format_lsn(retain_from)
        );
    }
    Ok(removal.removed.len())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use db001_common::{Value, row_codec};
    use db001_txn::TXN_ID_BIT;

    use crate::log_record::{KIND_TXN_COMMIT, KIND_TXN_DATA, LogOp, encode_payloads};
    use crate::{Config, Database};

    async fn run(db: &Database, sql: &str) -> Vec<Vec<Value>> {
        let mut session = db.session();
        let mut results = session.execute_sql(sql, &[]).await.expect(sql);
        results.pop().map(|result| result.rows).unwrap_or_default()
    }

    /// The case the replay start exists for, built step by step as `Transaction::commit`
    /// runs it: transaction X logs a data record, another commit becomes visible after it,
    /// the checkpoint's snapshot lands between them and X's commit record, then X commits.
    /// Recovery from that checkpoint must find X's data record, which lies before the
    /// snapshot.
    #[tokio::test]
    async fn data_records_before_the_snapshot_of_a_commit_after_it_are_replayed() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut config = Config::new(dir.path());
        config.checkpoint_interval = Duration::ZERO;
        config.max_wal_bytes = 0;
        let db = Database::open(config.clone()).expect("open");
        run(&db, "CREATE TABLE t (id int PRIMARY KEY)").await;
        run(&db, "INSERT INTO t VALUES (1)").await;
        let table = db
            .catalog()
            .table("public", "t")
            .expect("created")
            .schema
            .id;
        let shared = &db.shared;
        let wal = &shared.wal;

        let x = shared.manager.begin();
        let window = shared.commits.enter(true, false, wal, &shared.manager, &x);
        let mut row = Vec::new();
        row_codec::encode_row(&[Value::Int32(2)], &mut row);
        let insert = LogOp::Insert {
            table,
            row_id: 1000,
            data: row.into(),
        };
        let id = x.id() & !TXN_ID_BIT;
        let data = &encode_payloads(id, &[insert], wal.max_payload_bytes())[0];
        let data_end = wal.append(KIND_TXN_DATA, data, |_| {}).expect("data");

        run(&db, "INSERT INTO t VALUES (3)").await;
        let taken = db.checkpoint().expect("checkpoint").expect("taken");
        assert!(
            taken.lsn > data_end,
            "the snapshot is after X's data record"
        );
        assert!(
            taken.replay_from < data_end,
            "replay starts at or before X's data record: {taken:?}"
        );

        let time = LogOp::CommitTime { unix_micros: 1 };
        let commit = &encode_payloads(id, &[time], wal.max_payload_bytes())[0];
        let end = wal
            .append(KIND_TXN_COMMIT, commit, |ts| x.set_commit_ts(ts))
            .expect("commit");
        wal.wait_durable_blocking(end).expect("durable");
        shared.manager.advance_visible(end);
        drop(window);
        shared.manager.finish(&x);
        drop(db);

        let (db, report) = Database::open_with_report(config).expect("reopen");
        assert_eq!(report.checkpoint_lsn, Some(taken.lsn));
        let ids: Vec<Vec<Value>> = run(&db, "SELECT id FROM t ORDER BY id").await;
        assert_eq!(
            ids,
            vec![
                vec![Value::Int32(1)],
                vec![Value::Int32(2)],
                vec![Value::Int32(3)]
            ]
        );
    }
}
