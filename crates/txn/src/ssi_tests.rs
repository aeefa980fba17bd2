//! Unit tests of serializable snapshot isolation's bookkeeping (`super::ssi`).

use super::*;

const T1: TxnId = TXN_ID_BIT | 1;
const T2: TxnId = TXN_ID_BIT | 2;
const T3: TxnId = TXN_ID_BIT | 3;

fn register(ssi: &Ssi, id: TxnId, ts: Timestamp, read_only: bool) {
    assert!(matches!(
        ssi.register(id, read_only, false, || ts),
        Registration::Tracked
    ));
}

fn key(k: u8) -> Vec<u8> {
    vec![k, 0, 0, 0, 0, 0, 0, 0, 0]
}

fn point(k: u8) -> ReadRange {
    ReadRange {
        index: 7,
        lower: Bound::Included(vec![k]),
        upper: Bound::Excluded(vec![k + 1]),
    }
}

#[test]
fn write_skew_dooms_the_second_committer() {
    let ssi = Ssi::default();
    register(&ssi, T1, 10, false);
    register(&ssi, T2, 10, false);
    // Both read x (key 1) and y (key 2).
    for t in [T1, T2] {
        ssi.lock_range(t, 1, point(1)).expect("lock");
        ssi.lock_range(t, 1, point(2)).expect("lock");
    }
    // T1 writes x: T2 → T1. T2 writes y: T1 → T2.
    ssi.check_write(T1, 1, &[(7, key(1))])
        .expect("no structure yet");
    ssi.check_write(T2, 1, &[(7, key(2))])
        .expect("nobody committed yet");
    ssi.pre_commit(T1).expect("T1 commits first");
    ssi.committed(T1, Some(20), true);
    let error = ssi.pre_commit(T2).expect_err("T2 is the pivot");
    assert_eq!(error.code(), SqlState::SERIALIZATION_FAILURE);
    assert!(
        error
            .detail()
            .is_some_and(|d| d.contains("during commit attempt"))
    );
    ssi.rolled_back(T2);
    assert_eq!(ssi.tracked_count(), 0, "nothing overlaps T1 any more");
}

#[test]
fn a_single_rw_edge_is_harmless() {
    let ssi = Ssi::default();
    register(&ssi, T1, 10, false);
    register(&ssi, T2, 10, false);
    ssi.lock_table(T1, 1).expect("lock");
    ssi.check_write(T2, 1, &[]).expect("T1 → T2 only");
    ssi.pre_commit(T2).expect("commit");
    ssi.committed(T2, Some(20), true);
    ssi.pre_commit(T1).expect("T1 serializes before T2");
    ssi.committed(T1, None, false);
}

#[test]
fn reading_a_committed_pivots_write_fails_the_reader() {
    // T3 → T2 (read) and T2 committed with a conflict out to T1 that committed first:
    // R → W → T2 with W committed and conflicted.
    let ssi = Ssi::default();
    register(&ssi, T1, 10, false);
    register(&ssi, T2, 10, false);
    register(&ssi, T3, 10, false);
    ssi.lock_table(T2, 1).expect("lock");
    ssi.check_write(T1, 1, &[]).expect("T2 → T1");
    ssi.pre_commit(T1).expect("commit T1");
    ssi.committed(T1, Some(20), true);
    ssi.pre_commit(T2).expect("commit T2");
    ssi.committed(T2, Some(30), true);
    let error = ssi
        .check_read(T3, &[30])
        .expect_err("T3 → T2 → T1 with T1 first");
    assert_eq!(error.code(), SqlState::SERIALIZATION_FAILURE);
}

#[test]
fn read_only_transactions_without_writers_are_safe_at_once() {
    let ssi = Ssi::default();
    assert!(matches!(
        ssi.register(T1, true, true, || 5),
        Registration::Safe
    ));
    assert_eq!(ssi.tracked_count(), 0);
    register(&ssi, T2, 5, false);
    let Registration::Deferred(event) = ssi.register(T3, true, true, || 5) else {
        panic!("a writer is running: the deferrable reader must wait");
    };
    assert!(!event.is_set());
    ssi.pre_commit(T2).expect("commit");
    ssi.committed(T2, Some(9), true);
    assert!(event.is_set(), "the writer finished without conflicts");
    assert!(ssi.deferrable_outcome(T3), "safe snapshot");
}

#[test]
fn range_locks_cover_inserts_inside_them_only() {
    let ssi = Ssi::default();
    register(&ssi, T1, 10, false);
    register(&ssi, T2, 10, false);
    ssi.lock_range(
        T1,
        1,
        ReadRange {
            index: 7,
            lower: Bound::Included(vec![10]),
            upper: Bound::Excluded(vec![20]),
        },
    )
    .expect("lock");
    ssi.check_write(T2, 1, &[(7, key(30))]).expect("outside");
    ssi.check_write(T2, 1, &[(8, key(15))])
        .expect("another index");
    assert!(ssi.state.lock().xacts[&T2].in_conflicts.is_empty());
    ssi.check_write(T2, 1, &[(7, key(15))]).expect("inside");
    assert!(ssi.state.lock().xacts[&T2].in_conflicts.contains(&T1));
}

#[test]
fn many_ranges_promote_to_a_table_lock() {
    let ssi = Ssi::default();
    register(&ssi, T1, 10, false);
    for k in 0..=RANGES_PER_INDEX_MAX as u8 {
        ssi.lock_range(T1, 1, point(k)).expect("lock");
    }
    let state = ssi.state.lock();
    assert!(state.tables[&1].contains(&T1));
    assert!(!state.ranges.contains_key(&(1, 7)));
}
