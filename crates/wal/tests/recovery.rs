//! Recovery of damaged logs: torn tails, corruption, missing and broken segments.
//!
//! Each test builds a log through the public API, damages its files the way a crash or a bad
//! disk would, and checks what `open` decides (see the recovery table in the crate docs).

mod support;

use std::path::Path;
use std::time::Duration;

use db001_wal::{Lsn, Wal, WalOptions, segment_file_name};
use support::{
    FIRST_LSN, Replayed, copy_dir, open, payload, segment_files, segment_path, segment_start, small,
};

/// A record the test appended: where it is and what it holds.
#[derive(Debug, Clone)]
struct Appended {
    lsn: Lsn,
    end_lsn: Lsn,
    payload: Vec<u8>,
}

/// Appends records in flush groups: `groups[i]` records, then a flush. Returns them in order.
///
/// The WAL runs asynchronously with an hour-long delay, so each group reaches the disk as one
/// write followed by one fsync, as a group commit would.
fn build_log(dir: &Path, segment_bytes: u64, groups: &[usize], length: usize) -> Vec<Appended> {
    let options = WalOptions {
        synchronous: false,
        writer_delay: Duration::from_secs(3600),
        ..small(segment_bytes)
    };
    let (wal, _, _) = open(dir, options).expect("open");
    let mut appended = Vec::new();
    let mut sequence = 0;
    for &count in groups {
        for _ in 0..count {
            let body = payload(7, sequence, length + (sequence as usize % 5));
            let end_lsn = wal.append(1, &body, |_| {}).expect("append");
            let lsn = end_lsn - (body.len() + 17).next_multiple_of(8) as u64;
            appended.push(Appended {
                lsn,
                end_lsn,
                payload: body,
            });
            sequence += 1;
        }
        wal.flush().expect("flush");
    }
    wal.shutdown().expect("shutdown");
    appended
}

fn assert_replayed(records: &[Replayed], expected: &[Appended]) {
    assert_eq!(records.len(), expected.len(), "number of records replayed");
    for (record, appended) in records.iter().zip(expected) {
        assert_eq!(record.lsn, appended.lsn);
        assert_eq!(record.end_lsn, appended.end_lsn);
        assert_eq!(record.payload, appended.payload);
    }
}

fn flip_bit(path: &Path, offset: u64, bit: u8) {
    let mut bytes = std::fs::read(path).expect("read segment");
    bytes[offset as usize] ^= 1 << bit;
    std::fs::write(path, bytes).expect("write segment");
}

fn zero_range(path: &Path, from: u64, to: u64) {
    let mut bytes = std::fs::read(path).expect("read segment");
    bytes[from as usize..to as usize].fill(0);
    std::fs::write(path, bytes).expect("write segment");
}

/// Opens, expecting a torn tail cut at `cut`, then checks that appending afterwards works and
/// survives another reopen.
fn expect_torn_then_append(dir: &Path, segment_bytes: u64, kept: &[Appended], cut: Lsn) {
    let (wal, summary, records) = open(dir, small(segment_bytes)).expect("open after a torn tail");
    assert_replayed(&records, kept);
    assert_eq!(summary.torn_tail, Some(cut));
    assert_eq!(summary.end_lsn, cut);
    assert!(!summary.warnings.is_empty());
    assert_eq!(wal.written_lsn(), cut);
    let end = wal
        .append(9, b"after the cut", |_| {})
        .expect("append after the cut");
    wal.wait_durable_blocking(end).expect("durable");
    drop(wal);
    let (_wal, summary, records) = open(dir, small(segment_bytes)).expect("second reopen");
    assert_eq!(summary.torn_tail, None, "the cut left a clean log");
    assert_replayed(&records[..kept.len()], kept);
    assert_eq!(records.len(), kept.len() + 1);
    let last = records.last().expect("the new record");
    assert_eq!((last.lsn, last.end_lsn, last.kind), (cut, end, 9));
    assert_eq!(last.payload, b"after the cut");
}

#[test]
fn torn_tail_at_every_byte_of_the_final_record() {
    let original = tempfile::tempdir().expect("temporary directory");
    let segment_bytes = 4096;
    let appended = build_log(original.path(), segment_bytes, &[1, 1, 3, 1, 1], 150);
    let last = appended.last().expect("records").clone();
    let kept = &appended[..appended.len() - 1];
    let path_name = segment_file_name(segment_start(last.lsn, segment_bytes));
    let from = last.lsn % segment_bytes;
    let to = last.end_lsn - segment_start(last.lsn, segment_bytes);
    assert!(to - from > 150);
    for cut in from + 1..to {
        for zeroed in [false, true] {
            let scratch = tempfile::tempdir().expect("temporary directory");
            copy_dir(original.path(), scratch.path());
            let path = scratch.path().join(&path_name);
            if zeroed {
                // The preallocated file keeps its size; the bytes after `cut` never arrived.
                zero_range(&path, cut, segment_bytes);
            } else {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .expect("open segment");
                file.set_len(cut).expect("truncate");
            }
            expect_torn_then_append(scratch.path(), segment_bytes, kept, last.lsn);
            let size = std::fs::metadata(&path).expect("segment").len();
            assert_eq!(
                size, segment_bytes,
                "cut {cut}: the segment has its full size again"
            );
        }
    }
}

#[test]
fn truncation_at_a_record_boundary_is_a_clean_end() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let appended = build_log(dir.path(), 4096, &[2, 2], 100);
    let last = appended.last().expect("records");
    let path = segment_path(dir.path(), last.lsn, 4096);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .expect("open segment");
    file.set_len(last.lsn).expect("truncate");
    drop(file);
    let (_wal, summary, records) = open(dir.path(), small(4096)).expect("open");
    assert_replayed(&records, &appended[..3]);
    assert_eq!(summary.torn_tail, None);
    assert_eq!(summary.end_lsn, last.lsn);
    assert_eq!(std::fs::metadata(&path).expect("segment").len(), 4096);
}

#[test]
fn bit_flip_in_a_middle_record_refuses_naming_segment_and_offset() {
    let original = tempfile::tempdir().expect("temporary directory");
    let appended = build_log(original.path(), 4096, &[1; 10], 60);
    let victim = &appended[3];
    let offset = victim.lsn % 4096;
    // Length field, checksum, stored LSN, kind, payload.
    for delta in [0u64, 2, 5, 9, 16, 17, 40] {
        let scratch = tempfile::tempdir().expect("temporary directory");
        copy_dir(original.path(), scratch.path());
        flip_bit(
            &segment_path(scratch.path(), victim.lsn, 4096),
            offset + delta,
            1,
        );
        let error = open(scratch.path(), small(4096)).expect_err("corruption refuses");
        assert_eq!(error.code().code(), "XX001", "delta {delta}: {error:?}");
        assert!(
            error.message().contains("0000000000000000.wal"),
            "names the segment: {}",
            error.message()
        );
        assert!(
            error.message().contains(&format!("offset {offset}")),
            "names the offset: {}",
            error.message()
        );
        assert!(
            error
                .detail()
                .is_some_and(|detail| detail.contains("follows"))
        );
    }
}

#[test]
fn bit_flip_in_the_last_record_is_a_torn_tail() {
    let original = tempfile::tempdir().expect("temporary directory");
    let appended = build_log(original.path(), 4096, &[1; 6], 60);
    let last = appended.last().expect("records");
    for delta in [0u64, 4, 8, 16, 30] {
        let scratch = tempfile::tempdir().expect("temporary directory");
        copy_dir(original.path(), scratch.path());
        flip_bit(
            &segment_path(scratch.path(), last.lsn, 4096),
            last.lsn % 4096 + delta,
            6,
        );
        expect_torn_then_append(scratch.path(), 4096, &appended[..5], last.lsn);
    }
}

#[test]
fn damage_inside_the_final_flush_is_a_torn_tail_even_with_valid_records_after_it() {
    // Five records flushed one by one, then five flushed together. Power loss may keep later
    // sectors of that last write and lose earlier ones: the records after the damage were
    // never acknowledged, so this is a torn tail, not corruption.
    let original = tempfile::tempdir().expect("temporary directory");
    let appended = build_log(original.path(), 4096, &[1, 1, 1, 1, 1, 5], 60);
    for victim in 5..9 {
        let scratch = tempfile::tempdir().expect("temporary directory");
        copy_dir(original.path(), scratch.path());
        let record = &appended[victim];
        flip_bit(
            &segment_path(scratch.path(), record.lsn, 4096),
            record.lsn % 4096 + 20,
            0,
        );
        expect_torn_then_append(scratch.path(), 4096, &appended[..victim], record.lsn);
    }
    // The same with the damaged record's bytes lost entirely (zeroes).
    let scratch = tempfile::tempdir().expect("temporary directory");
    copy_dir(original.path(), scratch.path());
    let record = &appended[6];
    zero_range(
        &segment_path(scratch.path(), record.lsn, 4096),
        record.lsn % 4096,
        record.end_lsn % 4096,
    );
    expect_torn_then_append(scratch.path(), 4096, &appended[..6], record.lsn);
}

#[test]
fn lost_record_followed_by_later_flushes_refuses() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let appended = build_log(dir.path(), 4096, &[1; 8], 60);
    let record = &appended[2];
    zero_range(
        &segment_path(dir.path(), record.lsn, 4096),
        record.lsn % 4096,
        record.end_lsn % 4096,
    );
    let error = open(dir.path(), small(4096)).expect_err("a hole in durable data");
    assert_eq!(error.code().code(), "XX001");
    assert!(
        error
            .message()
            .contains(&format!("offset {}", record.lsn % 4096))
    );
}

#[test]
fn corruption_in_an_older_segment_refuses() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let appended = build_log(dir.path(), 1024, &[1; 30], 100);
    assert!(segment_files(dir.path()).len() >= 4);
    let record = &appended[1];
    assert!(record.lsn < 1024);
    flip_bit(
        &segment_path(dir.path(), record.lsn, 1024),
        record.lsn + 30,
        3,
    );
    let error = open(dir.path(), small(1024)).expect_err("corruption refuses");
    assert_eq!(error.code().code(), "XX001");
    assert!(error.message().contains("0000000000000000.wal"));
}

#[test]
fn a_segment_that_ends_early_although_the_next_record_fits_refuses() {
    // 100-byte payloads take 120 bytes: eight fit in a 1024-byte segment, the ninth starts the
    // next one. Erasing the eighth makes the first segment look as if it ended early.
    let dir = tempfile::tempdir().expect("temporary directory");
    let (wal, _, _) = open(dir.path(), small(1024)).expect("open");
    let mut ends = Vec::new();
    for sequence in 0..12 {
        let end = wal
            .append(1, &[sequence as u8; 100], |_| {})
            .expect("append");
        wal.wait_durable_blocking(end).expect("durable");
        ends.push(end);
    }
    drop(wal);
    assert_eq!(
        ends[7],
        32 + 8 * 120,
        "eight records fill the first segment"
    );
    assert_eq!(ends[8], 1024 + 32 + 120, "the ninth starts the second");
    zero_range(
        &dir.path().join(segment_file_name(0)),
        32 + 7 * 120,
        32 + 8 * 120,
    );
    let error = open(dir.path(), small(1024)).expect_err("lost records refuse");
    assert_eq!(error.code().code(), "XX001");
    assert!(
        error.message().contains("would have fit"),
        "{}",
        error.message()
    );
}

#[test]
fn missing_middle_segment_refuses() {
    let dir = tempfile::tempdir().expect("temporary directory");
    build_log(dir.path(), 1024, &[1; 30], 100);
    let files = segment_files(dir.path());
    assert!(files.len() >= 4);
    std::fs::remove_file(dir.path().join(&files[2])).expect("remove a segment");
    let error = open(dir.path(), small(1024)).expect_err("a gap refuses");
    assert_eq!(error.code().code(), "XX001");
    assert!(error.message().contains("missing"), "{}", error.message());
    assert!(error.message().contains(&files[1]));
    assert!(error.message().contains(&files[3]));
    assert!(
        error
            .detail()
            .is_some_and(|detail| detail.contains(&files[2]))
    );
}

#[test]
fn never_written_newest_segment_with_a_broken_header_is_discarded() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let appended = build_log(dir.path(), 1024, &[1; 3], 100);
    // A newest segment that was created but never written, whose header is damaged.
    let files = segment_files(dir.path());
    assert_eq!(files, vec![segment_file_name(0)]);
    let newest = dir.path().join(segment_file_name(1024));
    let mut bytes = vec![0u8; 1024];
    bytes[..8].copy_from_slice(b"DB001WAL");
    bytes[9] = 0x55;
    std::fs::write(&newest, bytes).expect("write the broken segment");
    let (wal, summary, records) = open(dir.path(), small(1024)).expect("open");
    assert_replayed(&records, &appended);
    assert!(!newest.exists(), "the broken empty segment is gone");
    assert!(
        summary
            .warnings
            .iter()
            .any(|warning| warning.contains("never written"))
    );
    assert_eq!(summary.torn_tail, None);
    let end = wal
        .append(2, &[1; 900], |_| {})
        .expect("append into a new segment");
    wal.wait_durable_blocking(end).expect("durable");
    drop(wal);
    let (_wal, _, records) = open(dir.path(), small(1024)).expect("reopen");
    assert_eq!(records.len(), appended.len() + 1);
    assert_eq!(records.last().expect("new record").lsn, 1024 + 32);
}

#[test]
fn broken_header_of_an_older_segment_refuses() {
    let dir = tempfile::tempdir().expect("temporary directory");
    build_log(dir.path(), 1024, &[1; 12], 100);
    flip_bit(&dir.path().join(segment_file_name(1024)), 13, 0);
    let error = open(dir.path(), small(1024)).expect_err("broken header refuses");
    assert_eq!(error.code().code(), "XX001");
    assert!(error.message().contains(&segment_file_name(1024)));
    assert!(error.message().contains("header"));
}

#[test]
fn broken_header_of_a_newest_segment_with_records_refuses() {
    let dir = tempfile::tempdir().expect("temporary directory");
    build_log(dir.path(), 1024, &[1; 12], 100);
    let newest = segment_files(dir.path()).pop().expect("segments");
    flip_bit(&dir.path().join(&newest), 2, 0);
    let error = open(dir.path(), small(1024)).expect_err("written segment refuses");
    assert_eq!(error.code().code(), "XX001");
    assert!(error.message().contains(&newest));
}

#[test]
fn leftover_partial_segment_is_removed() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let appended = build_log(dir.path(), 4096, &[2], 10);
    let partial = dir.path().join("0000000000001000.wal.partial");
    std::fs::write(&partial, [1u8; 100]).expect("write partial");
    let (_wal, summary, records) = open(dir.path(), small(4096)).expect("open");
    assert_replayed(&records, &appended);
    assert!(!partial.exists());
    assert!(
        summary
            .warnings
            .iter()
            .any(|warning| warning.contains("unfinished"))
    );
}

#[test]
fn garbage_after_the_end_is_cut_as_a_torn_tail() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let appended = build_log(dir.path(), 4096, &[3], 10);
    let end = appended.last().expect("records").end_lsn;
    let path = dir.path().join(segment_file_name(0));
    let mut bytes = std::fs::read(&path).expect("read");
    // A zero length field, then bytes that form no record.
    bytes[end as usize + 8..end as usize + 40].fill(0x5A);
    std::fs::write(&path, bytes).expect("write");
    expect_torn_then_append(dir.path(), 4096, &appended, end);
}

#[test]
fn refused_open_leaves_the_files_untouched() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let appended = build_log(dir.path(), 4096, &[1; 5], 40);
    flip_bit(
        &dir.path().join(segment_file_name(0)),
        appended[1].lsn + 20,
        2,
    );
    let before = std::fs::read(dir.path().join(segment_file_name(0))).expect("read");
    let error = Wal::open(dir.path(), small(4096), &mut |_| Ok(())).expect_err("refuses");
    assert_eq!(error.code().code(), "XX001");
    let after = std::fs::read(dir.path().join(segment_file_name(0))).expect("read");
    assert_eq!(before, after, "a refused start changes nothing");
    assert_eq!(FIRST_LSN, appended[0].lsn);
}
