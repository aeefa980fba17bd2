//! Garbage collection: the background collector thread and `VACUUM`.
//!
//! Both run [`db001_storage::Table::vacuum`] against a fresh [`db001_txn::VisibilityView`] (the
//! snapshots in use plus the watermark), so a version is reclaimed as soon as nobody can see it,
//! however old the oldest snapshot is.
//!
//! The collector wakes every [`COLLECTOR_INTERVAL`] and vacuums the tables that changed enough
//! since their last pass (as autovacuum does: a base count plus a fraction of the table), so an
//! idle database costs nothing and a hot table is visited often. It holds only a weak
//! reference to the database, and stops when the database is dropped or shuts down.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use db001_common::Result;
use db001_storage::{Table, VacuumStats};

use crate::database::{Database, Shared};

/// How often the collector looks for work.
pub(crate) const COLLECTOR_INTERVAL: Duration = Duration::from_millis(500);
/// Changes (updates and deletes) a table needs before the collector visits it: this many...
const CHANGES_BASE: u64 = 50;
/// ... plus this fraction of its rows.
const CHANGES_FRACTION: f64 = 0.1;

/// Starts the collector thread for `db`.
pub(crate) fn start(db: &Database) {
    let weak = Arc::downgrade(&db.shared);
    let spawned = std::thread::Builder::new()
        .name("db001-gc".to_string())
        .spawn(move || run(weak));
    if let Err(error) = spawned {
        // The database still works; versions are then only pruned by writers and VACUUM.
        eprintln!("db001: could not start the garbage collector: {error}");
    }
}

fn run(weak: Weak<Shared>) {
    loop {
        std::thread::sleep(COLLECTOR_INTERVAL);
        let Some(shared) = weak.upgrade() else {
            return;
        };
        if shared.shutting_down.load(Ordering::Acquire) {
            return;
        }
        let db = Database { shared };
        for entry in db.catalog().tables() {
            let table = &entry.storage;
            if due(table) {
                // A failure (a row that does not decode) leaves the table for the next pass.
                let _ = vacuum_table(&db, table);
            }
        }
    }
}

fn due(table: &Table) -> bool {
    let threshold = CHANGES_BASE + (table.row_estimate() as f64 * CHANGES_FRACTION) as u64;
    table.changes_since_vacuum() >= threshold
}

/// One pass over one table.
pub(crate) fn vacuum_table(db: &Database, table: &Table) -> Result<VacuumStats> {
    let manager = &db.shared.manager;
    manager.refresh_horizon();
    let view = manager.visibility_view();
    let stats = table.vacuum(&view, manager)?;
    db.shared
        .stats
        .versions_collected
        .fetch_add(stats.versions_removed, Ordering::Relaxed);
    db.shared
        .stats
        .rows_collected
        .fetch_add(stats.rows_removed, Ordering::Relaxed);
    Ok(stats)
}

/// `VACUUM [table, ...]`: the named tables, or all.
pub(crate) fn vacuum(db: &Database, tables: &[Arc<Table>]) -> Result<VacuumStats> {
    let mut total = VacuumStats::default();
    for table in tables {
        total.add(vacuum_table(db, table)?);
    }
    Ok(total)
}
