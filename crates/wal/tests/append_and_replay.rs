//! Appending, waiting for durability, segment rotation and replay after a clean reopen.

mod support;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use db001_wal::fault::FaultyIo;
use db001_wal::{SEGMENT_HEADER_BYTES, StdIo, Wal, WalOptions};
use support::{
    FIRST_LSN, block_on, eventually, open, open_io, payload, payload_identity, segment_files, small,
};

const LIMIT: Duration = Duration::from_secs(20);

#[test]
fn fresh_log_is_empty_and_reopens_empty() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (wal, summary, records) = open(dir.path(), small(4096)).expect("open");
    assert!(records.is_empty());
    assert_eq!(summary.records_replayed, 0);
    assert_eq!(summary.end_lsn, FIRST_LSN);
    assert_eq!(summary.torn_tail, None);
    assert_eq!(wal.durable_lsn(), FIRST_LSN);
    assert_eq!(wal.written_lsn(), FIRST_LSN);
    assert_eq!(segment_files(dir.path()), vec!["0000000000000000.wal"]);
    assert_eq!(
        std::fs::metadata(dir.path().join("0000000000000000.wal"))
            .expect("segment exists")
            .len(),
        4096,
        "segments are preallocated to their full size"
    );
    wal.shutdown().expect("shutdown");
    drop(wal);
    let (_wal, summary, records) = open(dir.path(), small(4096)).expect("reopen");
    assert!(records.is_empty());
    assert_eq!(summary.end_lsn, FIRST_LSN);
}

#[test]
fn records_round_trip_with_kinds_lsns_and_empty_payloads() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (wal, _, _) = open(dir.path(), small(4096)).expect("open");
    let mut expected = Vec::new();
    let mut previous_end = FIRST_LSN;
    for (index, length) in [0usize, 1, 7, 8, 9, 100, 0, 300].into_iter().enumerate() {
        let body = payload(0, index as u32, length.max(8))[..length].to_vec();
        let mut assigned = 0;
        let end = wal
            .append((index as u8).wrapping_mul(37), &body, |lsn| assigned = lsn)
            .expect("append");
        assert_eq!(assigned, end, "on_assigned sees the end LSN");
        assert!(end > previous_end, "end LSNs strictly increase");
        assert_eq!(end % 8, 0, "records are 8-byte aligned");
        assert_eq!(wal.written_lsn(), end);
        expected.push((previous_end, end, (index as u8).wrapping_mul(37), body));
        previous_end = end;
    }
    wal.flush().expect("flush");
    assert_eq!(wal.durable_lsn(), previous_end);
    drop(wal);
    let (wal, summary, records) = open(dir.path(), small(4096)).expect("reopen");
    assert_eq!(summary.records_replayed, expected.len() as u64);
    assert_eq!(summary.end_lsn, previous_end);
    assert_eq!(wal.written_lsn(), previous_end);
    let replayed: Vec<_> = records
        .into_iter()
        .map(|record| (record.lsn, record.end_lsn, record.kind, record.payload))
        .collect();
    assert_eq!(replayed, expected);
}

#[test]
fn concurrent_appends_are_all_replayed_in_lsn_order() {
    const WRITERS: u32 = 8;
    const PER_WRITER: u32 = 400;
    let dir = tempfile::tempdir().expect("temporary directory");
    let options = small(64 << 10);
    let (wal, _, _) = open(dir.path(), options.clone()).expect("open");
    let wal = Arc::new(wal);
    let mut handles = Vec::new();
    for writer in 0..WRITERS {
        let wal = Arc::clone(&wal);
        handles.push(std::thread::spawn(move || {
            let mut ends = Vec::new();
            for sequence in 0..PER_WRITER {
                let length = 8 + ((writer * 131 + sequence * 17) % 700) as usize;
                let body = payload(writer, sequence, length);
                let end = wal.append(writer as u8, &body, |_| {}).expect("append");
                if sequence % 16 == 0 {
                    wal.wait_durable_blocking(end).expect("durable");
                }
                ends.push((end, body));
            }
            ends
        }));
    }
    let mut appended: HashMap<u64, Vec<u8>> = HashMap::new();
    for handle in handles {
        for (end, body) in handle.join().expect("writer thread") {
            assert!(appended.insert(end, body).is_none(), "end LSNs are unique");
        }
    }
    wal.shutdown().expect("shutdown");
    drop(wal);

    let (_wal, summary, records) = open(dir.path(), options).expect("reopen");
    assert!(segment_files(dir.path()).len() > 3, "the log rotated");
    assert_eq!(records.len(), (WRITERS * PER_WRITER) as usize);
    assert_eq!(summary.records_replayed, records.len() as u64);
    let mut next_sequence = vec![0u32; WRITERS as usize];
    let mut previous_end = 0;
    for record in &records {
        assert!(record.lsn >= previous_end, "records come in LSN order");
        previous_end = record.end_lsn;
        let body = appended.get(&record.end_lsn).expect("an appended end LSN");
        assert_eq!(&record.payload, body, "payload intact at {}", record.lsn);
        let (writer, sequence) = payload_identity(&record.payload);
        assert_eq!(record.kind, writer as u8);
        assert_eq!(sequence, next_sequence[writer as usize], "per-writer order");
        next_sequence[writer as usize] += 1;
    }
}

#[test]
fn records_that_do_not_fit_start_the_next_segment() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let segment_bytes = 1024;
    let (wal, _, _) = open(dir.path(), small(segment_bytes)).expect("open");
    // 300-byte payloads take 320 bytes: three fit in the 992 bytes after the header.
    let mut ends = Vec::new();
    for sequence in 0..10 {
        let end = wal
            .append(1, &payload(1, sequence, 300), |_| {})
            .expect("append");
        ends.push(end);
    }
    // A record exactly filling a segment.
    let max = wal.max_payload_bytes();
    assert_eq!(max as u64, segment_bytes - SEGMENT_HEADER_BYTES - 17);
    let full = wal
        .append(2, &vec![0xAB; max], |_| {})
        .expect("maximal payload");
    ends.push(full);
    let too_big = wal
        .append(2, &vec![0; max + 1], |_| {})
        .expect_err("payload above the limit");
    assert_eq!(too_big.code().code(), "54000");
    let after = wal.append(3, b"after", |_| {}).expect("append after");
    ends.push(after);
    wal.flush().expect("flush");
    drop(wal);

    let (_wal, _, records) = open(dir.path(), small(segment_bytes)).expect("reopen");
    assert_eq!(
        records
            .iter()
            .map(|record| record.end_lsn)
            .collect::<Vec<_>>(),
        ends
    );
    for (index, record) in records.iter().enumerate().take(10) {
        let slot = index as u64 % 3;
        let segment = index as u64 / 3;
        assert_eq!(
            record.lsn,
            segment * segment_bytes + SEGMENT_HEADER_BYTES + slot * 320,
            "record {index} placement"
        );
    }
    let maximal = &records[10];
    assert_eq!(maximal.lsn % segment_bytes, SEGMENT_HEADER_BYTES);
    assert_eq!(maximal.end_lsn % segment_bytes, 0, "it fills its segment");
    assert_eq!(maximal.payload, vec![0xAB; max]);
    assert_eq!(records[11].lsn % segment_bytes, SEGMENT_HEADER_BYTES);
    assert_eq!(segment_files(dir.path()).len(), 6);
}

#[test]
fn reopening_with_another_segment_size_keeps_old_segments() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (wal, _, _) = open(dir.path(), small(1024)).expect("open");
    for sequence in 0..5 {
        wal.append(1, &payload(1, sequence, 300), |_| {})
            .expect("append");
    }
    wal.flush().expect("flush");
    drop(wal);
    let (wal, _, records) = open(dir.path(), small(4096)).expect("reopen larger");
    assert_eq!(records.len(), 5);
    for sequence in 5..20 {
        wal.append(1, &payload(1, sequence, 300), |_| {})
            .expect("append");
    }
    wal.flush().expect("flush");
    drop(wal);
    let (_wal, _, records) = open(dir.path(), small(1024)).expect("reopen smaller");
    let sequences: Vec<u32> = records
        .iter()
        .map(|record| payload_identity(&record.payload).1)
        .collect();
    assert_eq!(sequences, (0..20).collect::<Vec<_>>());
}

#[test]
fn durable_future_resolves_and_is_send() {
    fn assert_send_static<T: Send + 'static>(_: &T) {}
    let dir = tempfile::tempdir().expect("temporary directory");
    let (wal, _, _) = open(dir.path(), small(4096)).expect("open");
    let wal = Arc::new(wal);
    let mut threads = Vec::new();
    for writer in 0..4 {
        let wal = Arc::clone(&wal);
        threads.push(std::thread::spawn(move || {
            for sequence in 0..50 {
                let end = wal
                    .append(0, &payload(writer, sequence, 40), |_| {})
                    .expect("append");
                let future = wal.wait_durable(end);
                assert_send_static(&future);
                block_on(future, LIMIT).expect("durable");
                assert!(wal.durable_lsn() >= end);
            }
        }));
    }
    for thread in threads {
        thread.join().expect("thread");
    }
    // Already durable: resolves at once. Beyond the end of the log: an error, not a hang.
    block_on(wal.wait_durable(FIRST_LSN), LIMIT).expect("durable");
    let beyond = wal.written_lsn() + 8;
    assert!(block_on(wal.wait_durable(beyond), LIMIT).is_err());
    assert!(wal.wait_durable_blocking(beyond).is_err());
}

#[test]
fn dropped_pending_futures_do_not_disturb_others() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let io = FaultyIo::new(Arc::new(StdIo), 1);
    let (wal, _, _) = open_io(io.clone(), dir.path(), small(4096)).expect("open");
    io.set_sync_delay(Duration::from_millis(50));
    for sequence in 0..20 {
        let end = wal
            .append(0, &payload(0, sequence, 16), |_| {})
            .expect("append");
        let mut dropped = Box::pin(wal.wait_durable(end));
        let waker = std::task::Waker::noop();
        let _ = dropped
            .as_mut()
            .poll(&mut std::task::Context::from_waker(waker));
        drop(dropped);
        let second = wal.wait_durable(end);
        block_on(second, LIMIT).expect("durable");
    }
}

#[test]
fn listener_runs_before_waiters_wake() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (wal, _, _) = open(dir.path(), small(1 << 16)).expect("open");
    let seen = Arc::new(AtomicU64::new(0));
    let calls = Arc::new(AtomicU64::new(0));
    {
        let seen = Arc::clone(&seen);
        let calls = Arc::clone(&calls);
        wal.set_durable_listener(Box::new(move |lsn| {
            let previous = seen.swap(lsn, Ordering::SeqCst);
            assert!(lsn > previous, "the durable LSN only grows");
            calls.fetch_add(1, Ordering::SeqCst);
        }));
    }
    for sequence in 0..100 {
        let end = wal
            .append(0, &payload(0, sequence, 24), |_| {})
            .expect("append");
        wal.wait_durable_blocking(end).expect("durable");
        assert!(
            seen.load(Ordering::SeqCst) >= end,
            "the listener saw {end} before the waiter woke"
        );
    }
    assert!(calls.load(Ordering::SeqCst) >= 1);
}

#[test]
fn asynchronous_mode_returns_at_once_and_flushes_within_the_delay() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let io = FaultyIo::new(Arc::new(StdIo), 2);
    let options = WalOptions {
        segment_bytes: 1 << 16,
        synchronous: false,
        writer_delay: Duration::from_millis(1000),
        ..WalOptions::default()
    };
    let (wal, _, _) = open_io(io.clone(), dir.path(), options.clone()).expect("open");
    let syncs_before = io.data_syncs();
    let end = wal.append(1, b"asynchronous", |_| {}).expect("append");
    // The writer holds the record for up to a second; the append did not wait for an fsync.
    assert!(wal.durable_lsn() < end);
    assert_eq!(io.data_syncs(), syncs_before);
    // Nobody waits or flushes, yet it becomes durable on its own, within a bounded time.
    assert!(
        eventually(Duration::from_secs(15), || wal.durable_lsn() >= end),
        "the writer flushed on its own"
    );
    assert_eq!(io.data_syncs(), syncs_before + 1);
    drop(wal);
    let (_wal, _, records) = open(dir.path(), options).expect("reopen");
    assert_eq!(records.len(), 1);
}

#[test]
fn asynchronous_mode_flushes_at_once_for_a_waiter() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let options = WalOptions {
        segment_bytes: 1 << 16,
        synchronous: false,
        writer_delay: Duration::from_secs(3600),
        ..WalOptions::default()
    };
    let (wal, _, _) = open(dir.path(), options).expect("open");
    for sequence in 0..5 {
        let end = wal
            .append(1, &payload(1, sequence, 30), |_| {})
            .expect("append");
        // An hour-long delay would make these hang; a waiter asks for the flush instead.
        if sequence % 2 == 0 {
            wal.wait_durable_blocking(end).expect("durable");
        } else {
            block_on(wal.wait_durable(end), LIMIT).expect("durable");
        }
    }
    let end = wal.append(1, b"last", |_| {}).expect("append");
    wal.flush().expect("flush");
    assert_eq!(wal.durable_lsn(), end);
}

#[test]
fn shutdown_flushes_and_then_refuses() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let options = WalOptions {
        synchronous: false,
        writer_delay: Duration::from_secs(3600),
        ..small(4096)
    };
    let (wal, _, _) = open(dir.path(), options.clone()).expect("open");
    let end = wal.append(1, b"kept", |_| {}).expect("append");
    wal.shutdown().expect("shutdown");
    assert_eq!(wal.durable_lsn(), end, "shutdown flushed");
    wal.shutdown().expect("a second shutdown is harmless");
    let refused = wal
        .append(1, b"late", |_| {})
        .expect_err("append after shutdown");
    assert_eq!(refused.code().code(), "57P01");
    wal.wait_durable_blocking(end)
        .expect("durable before shutdown");
    assert!(wal.failed().is_none());
    drop(wal);
    let (_wal, _, records) = open(dir.path(), options).expect("reopen");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].payload, b"kept");
}

#[test]
fn dropping_the_wal_flushes() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let options = WalOptions {
        synchronous: false,
        writer_delay: Duration::from_secs(3600),
        ..small(4096)
    };
    let (wal, _, _) = open(dir.path(), options.clone()).expect("open");
    wal.append(1, b"kept by drop", |_| {}).expect("append");
    drop(wal);
    let (_wal, _, records) = open(dir.path(), options).expect("reopen");
    assert_eq!(records.len(), 1);
}

#[test]
fn invalid_segment_size_is_rejected() {
    let dir = tempfile::tempdir().expect("temporary directory");
    for segment_bytes in [0, 512, 4097, 2 << 30] {
        let error = open(dir.path(), small(segment_bytes)).expect_err("invalid size");
        assert_eq!(error.code().code(), "22023", "{segment_bytes}");
    }
}

#[test]
fn replay_errors_abort_open() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let (wal, _, _) = open(dir.path(), small(4096)).expect("open");
    wal.append(1, b"one", |_| {}).expect("append");
    wal.append(1, b"two", |_| {}).expect("append");
    drop(wal);
    let mut seen = 0;
    let error = Wal::open(dir.path(), small(4096), &mut |_| {
        seen += 1;
        Err(db001_common::Error::internal("replay refused"))
    })
    .expect_err("replay error");
    assert_eq!(error.message(), "replay refused");
    assert_eq!(seen, 1, "replay stops at the first error");
}
