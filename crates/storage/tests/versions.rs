//! Version chains under repeated updates: pruning against the GC horizon.

use std::sync::Arc;

use db001_common::Value;
use db001_storage::{IndexSpec, Table, TxnContext, WriteSet, stamp};
use db001_txn::{IsolationLevel, TxnManager};

fn spec() -> IndexSpec {
    IndexSpec {
        id: 2,
        name: "t_pkey".to_string(),
        column_names: vec!["id".to_string()],
        columns: vec![0],
        unique: true,
    }
}

/// Runs one committed write through `f` and returns the commit timestamp used.
fn commit(manager: &Arc<TxnManager>, ts: &mut u64, f: impl FnOnce(&TxnContext<'_>, &mut WriteSet)) {
    let txn = manager.begin();
    let reader = manager.register_reader();
    let snapshot = reader.snapshot(manager, txn.id());
    let ctx = TxnContext {
        manager,
        snapshot,
        isolation: IsolationLevel::ReadCommitted,
    };
    let mut ws = WriteSet::new();
    f(&ctx, &mut ws);
    *ts += 10;
    txn.set_commit_ts(*ts);
    manager.advance_visible(*ts);
    stamp(&ws, txn.id(), *ts);
    drop(reader);
    manager.finish(&txn);
    manager.refresh_horizon();
}

#[test]
fn repeated_updates_keep_the_chain_short_when_no_snapshot_is_old() {
    let manager = Arc::new(TxnManager::new(1));
    let table = Table::new(1, vec![spec()]);
    let mut ts = 1;
    let mut row = vec![Value::Int32(1), Value::Int32(0)];
    commit(&manager, &mut ts, |ctx, ws| {
        table.insert(ctx, ws, &row).expect("insert");
    });
    for n in 1..100 {
        let new = vec![Value::Int32(1), Value::Int32(n)];
        let old = row.clone();
        commit(&manager, &mut ts, |ctx, ws| {
            assert!(table.update(ctx, ws, 0, &old, &new).expect("update"));
        });
        row = new;
    }
    assert!(
        table.version_count(0) <= 2,
        "{} versions",
        table.version_count(0)
    );
}
