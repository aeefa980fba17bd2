//! `db001 verify`: every checksum in the data directory, and every index against its table.
//!
//! Run it on a data directory no server is using (a stopped server's, or a backup): it reads
//! files a running server is writing, and reads never take its locks. Nothing is changed —
//! a torn tail is reported, not cut.
//!
//! What it checks:
//!
//! 1. **Checkpoints**: each file's header, every block checksum, the footer, and that every
//!    block decodes (catalog, schemas, rows).
//! 2. **WAL**: every segment header and record checksum from the oldest segment to the end
//!    (with the recovery rules: corruption followed by later flushes is an error, a torn tail
//!    a warning), and that every payload decodes.
//! 3. **Consistency**: the database recovered as start-up would recover it (in memory, from
//!    the newest usable checkpoint and the log), then for every index: the entries are exactly
//!    the keys of the table's rows (none missing, none extra), and a unique index holds no
//!    duplicate non-NULL key.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use db001_common::Result;
use db001_txn::{Snapshot, TXN_ID_BIT, TxnManager};
use db001_wal::checkpoint::{CheckpointReader, list_checkpoints};
use db001_wal::lifecycle::list_segments;
use db001_wal::{Lsn, WalIo, format_lsn, scan};

use crate::checkpoint::content::load;
use crate::checkpoint::{checkpoint_dir, wal_dir};
use crate::log_record::{KIND_RESTART, decode_payload};
use crate::recovery::load_read_only;

/// Mismatches listed per index before the rest are only counted.
const MISMATCHES_LISTED: usize = 5;

/// What `verify` found.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    /// One line per checkpoint file: what it holds, or why it is damaged.
    pub checkpoints: Vec<String>,
    pub wal_segments: usize,
    pub wal_records: u64,
    pub wal_start_lsn: Lsn,
    pub wal_end_lsn: Lsn,
    /// One line per table: rows and index entries checked.
    pub tables: Vec<String>,
    /// Damage or inconsistency. Empty means the data directory is sound.
    pub problems: Vec<String>,
    /// Worth knowing, not wrong (a torn tail after a crash, a fallback checkpoint).
    pub warnings: Vec<String>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "checkpoints:")?;
        if self.checkpoints.is_empty() {
            writeln!(f, "  (none)")?;
        }
        for line in &self.checkpoints {
            writeln!(f, "  {line}")?;
        }
        writeln!(
            f,
            "wal: {} segments, {} records, LSN {} to {}",
            self.wal_segments,
            self.wal_records,
            format_lsn(self.wal_start_lsn),
            format_lsn(self.wal_end_lsn)
        )?;
        writeln!(f, "tables:")?;
        for line in &self.tables {
            writeln!(f, "  {line}")?;
        }
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        for problem in &self.problems {
            writeln!(f, "PROBLEM: {problem}")?;
        }
        if self.is_ok() {
            writeln!(f, "OK: no problems found")
        } else {
            writeln!(f, "FAILED: {} problem(s)", self.problems.len())
        }
    }
}

/// Verifies the data directory `data_dir`; see the module docs. `Err` only for failures to
/// read at all; damage is reported in [`VerifyReport::problems`].
pub fn verify(io: Arc<dyn WalIo>, data_dir: &Path) -> Result<VerifyReport> {
    let mut report = VerifyReport::default();
    for file in list_checkpoints(&*io, &checkpoint_dir(data_dir))? {
        let checked = CheckpointReader::open(&*io, &file.path).and_then(|reader| {
            let header = reader.header();
            load(&reader).map(|loaded| (header, loaded.totals, reader.len()))
        });
        match checked {
            Ok((header, totals, bytes)) => report.checkpoints.push(format!(
                "{}: ok, LSN {} (replay from {}), {} tables, {} rows, {} bytes",
                file.name,
                format_lsn(header.lsn),
                format_lsn(header.replay_from),
                totals.tables,
                totals.rows,
                bytes
            )),
            Err(error) => {
                report.checkpoints.push(format!("{}: DAMAGED", file.name));
                report.problems.push(error.message().to_string());
            }
        }
    }

    let log = wal_dir(data_dir);
    let segments = list_segments(&*io, &log)?;
    report.wal_segments = segments.len();
    if let Some(oldest) = segments.first() {
        let mut records = 0u64;
        let mut undecodable = Vec::new();
        let scanned = scan(&*io, &log, oldest.start_lsn, &mut |record| {
            records += 1;
            if record.kind != KIND_RESTART
                && let Err(error) = decode_payload(record.payload)
            {
                undecodable.push(format!(
                    "WAL record at LSN {}: {}",
                    format_lsn(record.lsn),
                    error.message()
                ));
            }
            Ok(())
        });
        report.wal_records = records;
        report.problems.extend(undecodable);
        match scanned {
            Ok(summary) => {
                report.wal_start_lsn = summary.start_lsn;
                report.wal_end_lsn = summary.end_lsn;
                if let Some(torn) = summary.torn_tail {
                    report.warnings.push(format!(
                        "the log has a torn tail at LSN {} (a crash during a write; the next \
                         start cuts it)",
                        format_lsn(torn)
                    ));
                }
            }
            Err(error) => report.problems.push(error.message().to_string()),
        }
    }

    match load_read_only(&*io, data_dir) {
        Ok((catalog, recovery, _)) => {
            for rejected in &recovery.rejected_checkpoints {
                report
                    .warnings
                    .push(format!("start-up would not use a checkpoint: {rejected}"));
            }
            let everything = Snapshot {
                read_ts: u64::MAX >> 1,
                own: TXN_ID_BIT,
            };
            let manager = Arc::new(TxnManager::new(0));
            for entry in catalog.tables() {
                let rows: Vec<(u64, Arc<[u8]>)> = entry
                    .storage
                    .scan(everything, Arc::clone(&manager))
                    .collect::<Result<_>>()?;
                let mut line = format!(
                    "{}.{}: {} rows",
                    entry.schema.schema_name,
                    entry.schema.name,
                    rows.len()
                );
                for index in entry.storage.indexes() {
                    let name = index.spec().name.clone();
                    let mut expected = BTreeSet::new();
                    let mut keys = BTreeSet::new();
                    for (row_id, data) in &rows {
                        match index.key_of_encoded(data) {
                            Ok((key, has_null)) => {
                                if index.spec().unique && !has_null && !keys.insert(key.clone()) {
                                    report.problems.push(format!(
                                        "unique index \"{name}\" holds a duplicate key (row {row_id})"
                                    ));
                                }
                                expected.insert((key, *row_id));
                            }
                            Err(error) => report.problems.push(format!(
                                "table \"{}\" row {row_id}: {}",
                                entry.schema.name,
                                error.message()
                            )),
                        }
                    }
                    let actual: BTreeSet<(Vec<u8>, u64)> = index.entries().into_iter().collect();
                    let missing: Vec<u64> =
                        expected.difference(&actual).map(|(_, row)| *row).collect();
                    let extra: Vec<u64> =
                        actual.difference(&expected).map(|(_, row)| *row).collect();
                    if !missing.is_empty() {
                        report.problems.push(format!(
                            "index \"{name}\" lacks entries for {} rows (rows {:?}...)",
                            missing.len(),
                            &missing[..missing.len().min(MISMATCHES_LISTED)]
                        ));
                    }
                    if !extra.is_empty() {
                        report.problems.push(format!(
                            "index \"{name}\" has {} entries matching no row (rows {:?}...)",
                            extra.len(),
                            &extra[..extra.len().min(MISMATCHES_LISTED)]
                        ));
                    }
                    line.push_str(&format!(", index {name}: {} entries", actual.len()));
                }
                report.tables.push(line);
            }
        }
        Err(error) => report.problems.push(format!(
            "the database cannot be recovered: {}{}",
            error.message(),
            error
                .detail()
                .map(|detail| format!(" ({detail})"))
                .unwrap_or_default()
        )),
    }
    Ok(report)
}
