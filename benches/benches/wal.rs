//! WAL append: one writer (each append waits for its fsync) and many concurrent writers
//! sharing fsyncs through group commit; plus append without waiting (synchronous_commit off).

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use db001_wal::{Wal, WalOptions};

fn open(dir: &std::path::Path, synchronous: bool) -> Wal {
    let options = WalOptions {
        synchronous,
        ..WalOptions::default()
    };
    Wal::open(dir, options, &mut |_| Ok(()))
        .expect("open WAL")
        .0
}

/// `threads` writers append `per_thread` records of `payload` bytes each, each waiting for its
/// own record to be durable; returns the elapsed time.
fn group_commit(wal: &Arc<Wal>, threads: usize, per_thread: usize, payload: usize) -> Duration {
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let wal = Arc::clone(wal);
            scope.spawn(move || {
                let bytes = vec![7u8; payload];
                for _ in 0..per_thread {
                    let lsn = wal.append(2, &bytes, |_| {}).expect("append");
                    wal.wait_durable_blocking(lsn).expect("durable");
                }
            });
        }
    });
    start.elapsed()
}

fn append(c: &mut Criterion) {
    let mut group = c.benchmark_group("wal");
    group.sample_size(10);
    for threads in [1usize, 8, 32] {
        let dir = tempfile::tempdir().expect("temporary directory");
        let wal = Arc::new(open(dir.path(), true));
        let per_thread = 20;
        group.throughput(Throughput::Elements((threads * per_thread) as u64));
        group.bench_function(format!("commit_200B_fsync_{threads}_writers"), |b| {
            b.iter_custom(|iterations| {
                (0..iterations)
                    .map(|_| group_commit(&wal, threads, per_thread, 200))
                    .sum()
            })
        });
    }
    let dir = tempfile::tempdir().expect("temporary directory");
    let wal = open(dir.path(), false);
    let bytes = vec![7u8; 200];
    group.throughput(Throughput::Elements(1));
    group.bench_function("append_200B_no_wait", |b| {
        b.iter(|| wal.append(2, &bytes, |_| {}).expect("append"))
    });
    group.finish();
}

criterion_group!(benches, append);
criterion_main!(benches);
