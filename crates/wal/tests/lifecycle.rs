//! The log after a checkpoint: reading from a replay start, removing and archiving segments,
//! read-only scans, copies up to a durable LSN, and cuts for point-in-time recovery.

mod support;

use std::path::Path;
use std::sync::Arc;

use db001_wal::lifecycle::{
    check_log_covers, copy_file_durably, cut_log, list_segments, remove_segments_before,
};
use db001_wal::{Lsn, StdIo, Wal, scan, segment_file_name};
use support::{FIRST_LSN, Replayed, open, payload, segment_files, small};

const SEGMENT_BYTES: u64 = 1024;

/// Appends `count` records of about 100 bytes, flushing each; returns their (lsn, end) pairs.
fn build(dir: &Path, count: u32) -> Vec<(Lsn, Lsn)> {
    let (wal, _, _) = open(dir, small(SEGMENT_BYTES)).expect("open");
    let mut positions = Vec::new();
    for sequence in 0..count {
        let body = payload(1, sequence, 100);
        let end = wal.append(1, &body, |_| {}).expect("append");
        wal.flush().expect("flush");
        positions.push((end - (body.len() as u64 + 17).next_multiple_of(8), end));
    }
    wal.shutdown().expect("shutdown");
    positions
}

fn open_from(dir: &Path, from: Lsn) -> db001_common::Result<(Wal, Vec<Replayed>)> {
    let mut records = Vec::new();
    let (wal, _) = Wal::open_from(
        Arc::new(StdIo),
        dir,
        small(SEGMENT_BYTES),
        from,
        &mut |record| {
            records.push(Replayed {
                lsn: record.lsn,
                end_lsn: record.end_lsn,
                kind: record.kind,
                payload: record.payload.to_vec(),
            });
            Ok(())
        },
    )?;
    Ok((wal, records))
}

#[test]
fn open_from_replays_only_records_at_or_after_the_start() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let positions = build(dir.path(), 40);
    assert!(
        segment_files(dir.path()).len() > 3,
        "the log spans segments"
    );
    for &(lsn, _) in [positions[0], positions[17], positions[39]].iter() {
        let (wal, records) = open_from(dir.path(), lsn).expect("open from");
        let expected: Vec<Lsn> = positions
            .iter()
            .map(|(start, _)| *start)
            .filter(|start| *start >= lsn)
            .collect();
        let replayed: Vec<Lsn> = records.iter().map(|record| record.lsn).collect();
        assert_eq!(replayed, expected, "from {lsn}");
        wal.shutdown().expect("shutdown");
    }
    // Replaying from the end of the log replays nothing and appends after it.
    let end = positions.last().expect("records").1;
    let (wal, records) = open_from(dir.path(), end).expect("open at the end");
    assert!(records.is_empty());
    assert_eq!(wal.written_lsn(), end);
}

#[test]
fn removed_segments_before_the_start_are_not_needed_but_a_later_gap_refuses() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let positions = build(dir.path(), 40);
    let start = positions[20].0;
    let removal = remove_segments_before(&StdIo, dir.path(), start, None).expect("remove");
    assert!(!removal.removed.is_empty());
    let remaining = list_segments(&StdIo, dir.path()).expect("list");
    assert!(
        remaining[0].start_lsn <= start,
        "the segment holding the start stays"
    );
    assert!(
        remaining.len() < 2 || remaining[1].start_lsn > start,
        "every segment wholly before the start went"
    );
    assert_eq!(
        check_log_covers(&StdIo, dir.path(), start).expect("check"),
        Ok(())
    );
    let (wal, records) = open_from(dir.path(), start).expect("open from the start");
    assert_eq!(records.len(), 20);
    wal.shutdown().expect("shutdown");

    // From an earlier position the log is now incomplete: refused, naming the files.
    let earlier = positions[0].0;
    let reason = check_log_covers(&StdIo, dir.path(), earlier)
        .expect("check")
        .expect_err("not covered");
    assert!(reason.contains("oldest WAL segment file"), "{reason}");
    let error = open_from(dir.path(), earlier).expect_err("refused");
    assert_eq!(error.code().code(), "XX001");
    assert!(error.message().contains("WAL segment missing"), "{error:?}");
    // And a gap after the start is a missing segment too.
    let names = segment_files(dir.path());
    std::fs::remove_file(dir.path().join(&names[1])).expect("remove a middle segment");
    let reason = check_log_covers(&StdIo, dir.path(), start)
        .expect("check")
        .expect_err("gap");
    assert!(reason.contains(&names[1]), "{reason}");
    let error = open_from(dir.path(), start).expect_err("refused");
    assert_eq!(error.code().code(), "XX001");
}

#[test]
fn archiving_copies_each_removed_segment_byte_for_byte() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let archive = tempfile::tempdir().expect("archive directory");
    let positions = build(dir.path(), 40);
    let before: Vec<(String, Vec<u8>)> = segment_files(dir.path())
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(dir.path().join(&name)).expect("read");
            (name, bytes)
        })
        .collect();
    let end = positions.last().expect("records").1;
    let removal =
        remove_segments_before(&StdIo, dir.path(), end, Some(archive.path())).expect("archive");
    assert_eq!(
        removal.removed.len(),
        before.len() - 1,
        "all but the newest"
    );
    assert_eq!(
        removal.archived_bytes,
        SEGMENT_BYTES * removal.removed.len() as u64
    );
    for (name, bytes) in &before[..before.len() - 1] {
        let copy = std::fs::read(archive.path().join(name)).expect("archived");
        assert_eq!(&copy, bytes, "{name}");
    }
    assert_eq!(
        segment_files(dir.path()),
        vec![before[before.len() - 1].0.clone()]
    );
    let leftovers = std::fs::read_dir(archive.path())
        .expect("list")
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|entry| entry.file_name().to_string_lossy().contains("partial"))
        })
        .count();
    assert_eq!(leftovers, 0);
    // Archive plus the remaining segment is the whole log again.
    let whole = tempfile::tempdir().expect("reassembled");
    support::copy_dir(archive.path(), whole.path());
    support::copy_dir(dir.path(), whole.path());
    let (_wal, _, records) = open(whole.path(), small(SEGMENT_BYTES)).expect("open");
    assert_eq!(records.len(), positions.len());
}

#[test]
fn scan_reports_a_torn_tail_without_cutting_it() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let positions = build(dir.path(), 10);
    let (last_lsn, _) = *positions.last().expect("records");
    let path = dir
        .path()
        .join(segment_file_name(last_lsn / SEGMENT_BYTES * SEGMENT_BYTES));
    let offset = last_lsn % SEGMENT_BYTES + 30;
    let mut bytes = std::fs::read(&path).expect("read");
    bytes[offset as usize] ^= 0x40;
    std::fs::write(&path, &bytes).expect("damage the last record");
    let mut seen = 0;
    let summary = scan(&StdIo, dir.path(), 0, &mut |_| {
        seen += 1;
        Ok(())
    })
    .expect("scan");
    assert_eq!(seen, 9);
    assert_eq!(summary.torn_tail, Some(last_lsn));
    assert_eq!(
        std::fs::read(&path).expect("read"),
        bytes,
        "nothing was changed"
    );
    // A scan of a missing directory is an empty log, and creates nothing.
    let missing = dir.path().join("missing");
    let summary = scan(&StdIo, &missing, 0, &mut |_| Ok(())).expect("scan");
    assert_eq!(summary.records_replayed, 0);
    assert!(!missing.exists());
}

#[test]
fn a_copy_up_to_a_durable_lsn_is_zero_after_it_and_cut_ends_the_log() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let copy = tempfile::tempdir().expect("copy directory");
    let positions = build(dir.path(), 6);
    let (cut_at, _) = positions[3];
    assert!(cut_at < SEGMENT_BYTES, "all in the first segment");
    let name = segment_file_name(0);
    let written = copy_file_durably(
        &StdIo,
        &dir.path().join(&name),
        copy.path(),
        &name,
        Some(cut_at),
    )
    .expect("copy");
    assert_eq!(written, SEGMENT_BYTES);
    let (_wal, _, records) = open(copy.path(), small(SEGMENT_BYTES)).expect("open the copy");
    assert_eq!(records.len(), 3);

    cut_log(&StdIo, dir.path(), positions[2].0).expect("cut");
    let (_wal, summary, records) = open(dir.path(), small(SEGMENT_BYTES)).expect("open");
    assert_eq!(records.len(), 2);
    assert_eq!(summary.torn_tail, None, "a cut log ends cleanly");
    assert_eq!(summary.end_lsn, positions[2].0);
    assert!(FIRST_LSN <= positions[0].0);
}
