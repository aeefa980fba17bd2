//! Injected faults: fsync failures, a full disk, short writes, power loss; and group commit
//! measured by counting fsyncs.

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use db001_wal::fault::{FaultyIo, power_loss_seeds};
use db001_wal::{Lsn, StdIo, SyncMethod, WalOptions};
use support::{
    block_on, for_each_seed, open, open_io, payload, payload_identity, segment_files, small,
};

/// A commit the WAL acknowledged: its end LSN and payload.
type Acknowledged = Vec<(Lsn, Vec<u8>)>;

#[test]
fn group_commit_batches_many_waiters_into_few_fsyncs() {
    const WRITERS: u32 = 16;
    const COMMITS: u32 = 25;
    let dir = tempfile::tempdir().expect("temporary directory");
    let io = FaultyIo::new(Arc::new(StdIo), 3);
    let (wal, _, _) = open_io(io.clone(), dir.path(), small(1 << 20)).expect("open");
    io.set_sync_delay(Duration::from_millis(3));
    let wal = Arc::new(wal);
    let syncs_before = io.data_syncs();
    let mut threads = Vec::new();
    for writer in 0..WRITERS {
        let wal = Arc::clone(&wal);
        threads.push(std::thread::spawn(move || {
            for sequence in 0..COMMITS {
                let end = wal
                    .append(1, &payload(writer, sequence, 64), |_| {})
                    .expect("append");
                wal.wait_durable_blocking(end).expect("durable");
            }
        }));
    }
    for thread in threads {
        thread.join().expect("committer");
    }
    let commits = u64::from(WRITERS * COMMITS);
    let fsyncs = io.data_syncs() - syncs_before;
    assert!(fsyncs >= 1);
    assert!(
        fsyncs * 4 <= commits,
        "{commits} commits took {fsyncs} fsyncs: commits were not grouped"
    );
}

#[test]
fn fsync_failure_fails_waiters_and_appends_and_never_acknowledges() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let io = FaultyIo::new(Arc::new(StdIo), 4);
    let (wal, _, _) = open_io(io.clone(), dir.path(), small(1 << 16)).expect("open");
    io.set_sync_delay(Duration::from_millis(1));
    io.fail_syncs_after(5);
    let wal = Arc::new(wal);
    let acknowledged: Arc<Mutex<Acknowledged>> = Arc::default();
    let failures = Arc::new(Mutex::new(Vec::new()));
    let mut threads = Vec::new();
    for writer in 0..6 {
        let wal = Arc::clone(&wal);
        let acknowledged = Arc::clone(&acknowledged);
        let failures = Arc::clone(&failures);
        threads.push(std::thread::spawn(move || {
            let mut failed = false;
            for sequence in 0..100 {
                let body = payload(writer, sequence, 50);
                let end = match wal.append(1, &body, |_| {}) {
                    Ok(end) => end,
                    Err(error) => {
                        failures.lock().expect("lock").push(error);
                        failed = true;
                        continue;
                    }
                };
                let result = if sequence % 2 == 0 {
                    wal.wait_durable_blocking(end)
                } else {
                    block_on(wal.wait_durable(end), Duration::from_secs(20))
                };
                match result {
                    Ok(()) => {
                        assert!(
                            !failed,
                            "an acknowledgement after this writer saw a failure"
                        );
                        acknowledged.lock().expect("lock").push((end, body));
                    }
                    Err(error) => {
                        failures.lock().expect("lock").push(error);
                        failed = true;
                    }
                }
            }
        }));
    }
    for thread in threads {
        thread.join().expect("committer");
    }
    let failure = wal.failed().expect("the WAL failed");
    assert_eq!(failure.code().code(), "58030");
    let failures = failures.lock().expect("lock");
    assert!(!failures.is_empty());
    assert!(failures.iter().all(|error| error.code().code() == "58030"));
    let refused = wal.append(1, b"later", |_| {}).expect_err("appends fail");
    assert_eq!(refused.code().code(), "58030");
    assert!(wal.flush().is_err());
    let durable = wal.durable_lsn();
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(
        acknowledged.iter().all(|(end, _)| *end <= durable),
        "nothing was acknowledged beyond the last successful fsync"
    );
    assert!(wal.shutdown().is_err(), "shutdown reports the failure");
    drop(wal);

    let (_wal, _, records) = open(dir.path(), small(1 << 16)).expect("reopen");
    let present: HashMap<Lsn, Vec<u8>> = records
        .into_iter()
        .map(|record| (record.end_lsn, record.payload))
        .collect();
    for (end, body) in &acknowledged {
        assert_eq!(present.get(end), Some(body), "acknowledged record at {end}");
    }
}

#[test]
fn full_disk_at_segment_creation_fails_with_53100() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let io = FaultyIo::new(Arc::new(StdIo), 5);
    let (wal, _, _) = open_io(io.clone(), dir.path(), small(4096)).expect("open");
    // The first segment exists; not one more byte of file growth.
    io.set_disk_space(Some(0));
    let mut acknowledged = Vec::new();
    let mut error = None;
    for sequence in 0..40 {
        let body = payload(1, sequence, 200);
        let end = match wal.append(1, &body, |_| {}) {
            Ok(end) => end,
            Err(refused) => {
                error = Some(refused);
                break;
            }
        };
        match wal.wait_durable_blocking(end) {
            Ok(()) => acknowledged.push(body),
            Err(failed) => {
                error = Some(failed);
                break;
            }
        }
    }
    let error = error.expect("the disk filled up");
    assert_eq!(error.code().code(), "53100", "{error:?}");
    assert_eq!(wal.failed().expect("failed").code().code(), "53100");
    assert!(acknowledged.len() >= 10, "the first segment was usable");
    assert_eq!(
        wal.append(1, b"x", |_| {})
            .expect_err("read-only")
            .code()
            .code(),
        "53100"
    );
    drop(wal);
    assert_eq!(segment_files(dir.path()).len(), 1);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("read dir")
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "the unfinished segment was removed");
    let (_wal, _, records) = open(dir.path(), small(4096)).expect("reopen");
    let replayed: Vec<Vec<u8>> = records.into_iter().map(|record| record.payload).collect();
    assert_eq!(&replayed[..acknowledged.len()], &acknowledged[..]);
}

#[test]
fn short_writes_are_completed() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let io = FaultyIo::new(Arc::new(StdIo), 6);
    io.set_short_writes(true);
    let (wal, _, _) = open_io(io.clone(), dir.path(), small(2048)).expect("open");
    let wal = Arc::new(wal);
    let mut threads = Vec::new();
    for writer in 0..4 {
        let wal = Arc::clone(&wal);
        threads.push(std::thread::spawn(move || {
            for sequence in 0..100 {
                let body = payload(writer, sequence, 8 + (sequence as usize * 13) % 400);
                let end = wal.append(1, &body, |_| {}).expect("append");
                if sequence % 10 == 9 {
                    wal.wait_durable_blocking(end).expect("durable");
                }
            }
        }));
    }
    for thread in threads {
        thread.join().expect("writer");
    }
    wal.shutdown().expect("shutdown");
    drop(wal);
    let (_wal, summary, records) = open(dir.path(), small(2048)).expect("reopen");
    assert_eq!(records.len(), 400);
    assert_eq!(summary.torn_tail, None);
    let mut next = [0u32; 4];
    for record in &records {
        let (writer, sequence) = payload_identity(&record.payload);
        assert_eq!(sequence, next[writer as usize]);
        assert_eq!(
            record.payload,
            payload(writer, sequence, 8 + (sequence as usize * 13) % 400)
        );
        next[writer as usize] += 1;
    }
}

/// One power-loss run: writers commit until the power goes off; every acknowledged commit must
/// be replayed intact after restart, and the restarted log must accept and keep new records.
fn power_loss_run(seed: u64) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let io = FaultyIo::new(Arc::new(StdIo), seed);
    // Small segments make crashes around segment creation common, larger ones crashes in the
    // middle of a group's write.
    let options = WalOptions {
        segment_bytes: if seed.is_multiple_of(2) { 2048 } else { 16384 },
        ..WalOptions::default()
    };
    let (wal, _, _) = open_io(io.clone(), dir.path(), options.clone()).expect("open");
    io.set_short_writes(seed.is_multiple_of(3));
    // Power goes off after 10 to 209 further mutating operations.
    let operations = 10 + (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) % 200;
    io.power_loss_after(operations);
    let wal = Arc::new(wal);
    let acknowledged: Arc<Mutex<Acknowledged>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for writer in 0..4u32 {
        let wal = Arc::clone(&wal);
        let acknowledged = Arc::clone(&acknowledged);
        let stop = Arc::clone(&stop);
        threads.push(std::thread::spawn(move || {
            for sequence in 0..150u32 {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let length = 8 + ((seed as u32 ^ sequence).wrapping_mul(2654435761) % 500) as usize;
                let body = payload(writer, sequence, length);
                let Ok(end) = wal.append(writer as u8, &body, |_| {}) else {
                    return;
                };
                let waited = if sequence % 3 == 0 {
                    block_on(wal.wait_durable(end), Duration::from_secs(30))
                } else {
                    wal.wait_durable_blocking(end)
                };
                match waited {
                    Ok(()) => acknowledged.lock().expect("lock").push((end, body)),
                    Err(_) => return,
                }
            }
        }));
    }
    for thread in threads {
        thread.join().expect("committer");
    }
    stop.store(true, Ordering::SeqCst);
    // If the writers finished first, the power goes off now, before a clean shutdown could
    // flush anything more.
    io.power_loss();
    drop(wal);

    let (wal, summary, records) = open(dir.path(), options.clone())
        .unwrap_or_else(|error| panic!("seed {seed}: restart refused: {error:?}"));
    let mut previous_end = 0;
    let mut present: HashMap<Lsn, Vec<u8>> = HashMap::new();
    for record in records {
        assert!(record.lsn >= previous_end, "seed {seed}: LSN order");
        previous_end = record.end_lsn;
        present.insert(record.end_lsn, record.payload);
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();
    for (end, body) in &acknowledged {
        assert_eq!(
            present.get(end),
            Some(body),
            "seed {seed}: acknowledged commit at {end} lost or damaged (torn tail {:?})",
            summary.torn_tail
        );
    }
    let end = wal
        .append(0, b"after restart", |_| {})
        .expect("append after restart");
    wal.wait_durable_blocking(end)
        .expect("durable after restart");
    drop(wal);
    let (_wal, summary, records) = open(dir.path(), options).expect("second restart");
    assert_eq!(summary.torn_tail, None, "seed {seed}");
    assert_eq!(records.last().map(|record| record.end_lsn), Some(end));
}

/// 120 seeds in CI; `DB001_POWER_LOSS_SEED=N` replays one, `DB001_POWER_LOSS_SEEDS=COUNT`
/// (or `FIRST..END`) runs many (`tests/power-loss-long.sh`).
#[test]
fn power_loss_never_loses_an_acknowledged_commit() {
    let seeds = power_loss_seeds(0..120);
    eprintln!("power loss: seeds {seeds:?}");
    for_each_seed(
        "power_loss_never_loses_an_acknowledged_commit",
        seeds,
        power_loss_run,
    );
}

#[test]
fn power_loss_with_a_fresh_log_restarts() {
    // Power lost during the very first segment's creation or first writes.
    for seed in power_loss_seeds(0..20) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let io = FaultyIo::new(Arc::new(StdIo), seed);
        io.power_loss_after(seed);
        let opened = open_io(io.clone(), dir.path(), small(1024));
        if let Ok((wal, _, _)) = &opened {
            let _ = wal.append(1, b"maybe", |_| {});
            let _ = wal.flush();
        }
        io.power_loss();
        drop(opened);
        let (wal, _, _) = open(dir.path(), small(1024))
            .unwrap_or_else(|error| panic!("seed {seed}: restart refused: {error:?}"));
        let end = wal.append(1, b"works", |_| {}).expect("append");
        wal.wait_durable_blocking(end).expect("durable");
    }
}

#[test]
fn back_pressure_bounds_unflushed_bytes() {
    const UNFLUSHED_BYTES_MAX: u64 = 64 << 20;
    const RECORD: usize = 1 << 20;
    let dir = tempfile::tempdir().expect("temporary directory");
    let io = FaultyIo::new(Arc::new(StdIo), 7);
    let (wal, _, _) = open_io(io.clone(), dir.path(), small(32 << 20)).expect("open");
    io.set_sync_delay(Duration::from_millis(300));
    let wal = Arc::new(wal);
    let done = Arc::new(AtomicBool::new(false));
    let appender = {
        let wal = Arc::clone(&wal);
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let body = vec![0x11u8; RECORD];
            for _ in 0..90 {
                wal.append(1, &body, |_| {}).expect("append");
            }
            done.store(true, Ordering::SeqCst);
        })
    };
    let mut largest_gap = 0;
    let mut samples = 0;
    while !done.load(Ordering::SeqCst) && samples < 20_000 {
        let durable = wal.durable_lsn();
        let written = wal.written_lsn();
        largest_gap = largest_gap.max(written.saturating_sub(durable));
        samples += 1;
        std::thread::sleep(Duration::from_millis(1));
    }
    appender.join().expect("appender");
    assert!(
        largest_gap <= UNFLUSHED_BYTES_MAX + 4 * RECORD as u64,
        "unflushed bytes reached {largest_gap}"
    );
    assert!(
        largest_gap > UNFLUSHED_BYTES_MAX / 2,
        "the test did fill the buffer ({largest_gap})"
    );
    wal.flush().expect("flush");
}

/// Each `wal_sync_method` makes acknowledged commits durable: fdatasync and fsync by their
/// sync calls (counted), open_datasync by writing through an `O_DSYNC` handle, with no sync
/// call at all; a power loss right after the acknowledgements loses none of them.
#[test]
fn every_sync_method_survives_a_power_loss_after_acknowledgement() {
    for method in SyncMethod::ALL {
        let dir = tempfile::tempdir().expect("temporary directory");
        let io = FaultyIo::new(Arc::new(StdIo), 11);
        let options = WalOptions {
            sync_method: method,
            ..small(4096)
        };
        let (wal, _, _) = open_io(io.clone(), dir.path(), options.clone()).expect("open");
        let (data_syncs, syncs) = (io.data_syncs(), io.syncs());
        let mut acknowledged = Vec::new();
        // Enough records to switch segments a few times.
        for sequence in 0..40u32 {
            let body = payload(0, sequence, 300);
            let end = wal.append(1, &body, |_| {}).expect("append");
            wal.wait_durable_blocking(end).expect("durable");
            acknowledged.push((end, body));
        }
        let record_syncs = (io.data_syncs() - data_syncs, io.syncs() - syncs);
        io.power_loss();
        drop(wal);
        let (_wal, _, records) = open(dir.path(), options).expect("restart");
        let present: HashMap<Lsn, Vec<u8>> = records
            .into_iter()
            .map(|record| (record.end_lsn, record.payload))
            .collect();
        for (end, body) in &acknowledged {
            assert_eq!(
                present.get(end),
                Some(body),
                "{}: commit at {end}",
                method.name()
            );
        }
        // Segment creation fsyncs (sync_all) whatever the method; the rest tells them apart.
        let (data, all) = record_syncs;
        match method {
            SyncMethod::Fdatasync => assert!(data >= 40, "fdatasync: {data} data syncs"),
            SyncMethod::Fsync => {
                assert_eq!(data, 0, "fsync uses no fdatasync");
                assert!(all >= 40, "fsync: {all} syncs");
            }
            SyncMethod::OpenDatasync => {
                assert_eq!(data, 0, "open_datasync: no fdatasync");
                assert!(all < 40, "open_datasync syncs only new segments: {all}");
            }
        }
    }
}
