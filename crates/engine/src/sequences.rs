//! Sequences at run time: the registry of every sequence's value by id, and each session's
//! view of them (`currval`, `lastval`).
//!
//! The binder resolves a sequence name against the catalog the transaction sees and passes the
//! id; the value lives in a [`SequenceState`] shared by every catalog copy and by this
//! registry, which also holds sequences created by transactions that have not committed (so
//! `nextval` works on a sequence created earlier in the same transaction). Advancing logs a
//! non-transactional `SEQUENCE` record when the log does not already cover the value (see
//! `db001_catalog::sequence`); a transaction that used such a value waits at commit until the
//! record is durable, so no value handed to a committed transaction can be handed out again
//! after a crash.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use db001_catalog::{Catalog, SequenceEntry, SequenceValue};
use db001_common::{Error, Result, SqlState};
use db001_executor::SequenceAccess;
use parking_lot::{Mutex, RwLock};

use crate::database::Database;
use crate::log_record::{KIND_SEQUENCE, encode_sequence_record};

/// Every sequence by id.
#[derive(Debug, Default)]
pub(crate) struct SequenceRegistry {
    entries: RwLock<HashMap<u32, SequenceEntry>>,
}

impl SequenceRegistry {
    /// Registers every sequence of a catalog (at start-up).
    pub(crate) fn register_all(&self, catalog: &Catalog) {
        let mut entries = self.entries.write();
        for entry in catalog.sequences() {
            entries.insert(entry.schema.id, entry.clone());
        }
    }

    pub(crate) fn register(&self, entry: &SequenceEntry) {
        self.entries.write().insert(entry.schema.id, entry.clone());
    }

    fn get(&self, id: u32) -> Result<SequenceEntry> {
        self.entries.read().get(&id).cloned().ok_or_else(|| {
            Error::new(
                SqlState::UNDEFINED_TABLE,
                format!("could not open relation with OID {id}"),
            )
        })
    }
}

/// One session's sequence functions.
#[derive(Debug)]
pub(crate) struct SessionSequences {
    db: Database,
    /// `currval` per sequence.
    current: Mutex<HashMap<u32, i64>>,
    /// `lastval`.
    last: Mutex<Option<(u32, i64)>>,
    /// The end of the newest `SEQUENCE` record this session wrote.
    logged_lsn: AtomicU64,
}

impl SessionSequences {
    pub(crate) fn new(db: Database) -> SessionSequences {
        SessionSequences {
            db,
            current: Mutex::new(HashMap::new()),
            last: Mutex::new(None),
            logged_lsn: AtomicU64::new(0),
        }
    }

    /// Waits until every sequence record this session wrote is durable (before a commit is
    /// acknowledged).
    pub(crate) async fn wait_durable(&self) -> Result<()> {
        let lsn = self.logged_lsn.load(Ordering::Acquire);
        if lsn > self.db.shared.wal.durable_lsn() {
            self.db.shared.wal.wait_durable(lsn).await?;
        }
        Ok(())
    }

    fn log(&self, id: u32, value: SequenceValue) -> Result<()> {
        self.db.check_writable()?;
        let lsn =
            self.db
                .shared
                .wal
                .append(KIND_SEQUENCE, &encode_sequence_record(id, value), |_| {})?;
        self.logged_lsn.fetch_max(lsn, Ordering::AcqRel);
        Ok(())
    }

    fn remember(&self, id: u32, value: i64) {
        self.current.lock().insert(id, value);
        *self.last.lock() = Some((id, value));
    }
}

impl SequenceAccess for SessionSequences {
    fn next_value(&self, id: u32) -> Result<i64> {
        let entry = self.db.shared.sequences.get(id)?;
        let value = entry
            .state
            .next(&entry.schema, &mut |value| self.log(id, value))?;
        self.remember(id, value);
        Ok(value)
    }

    fn current_value(&self, id: u32) -> Result<i64> {
        if let Some(value) = self.current.lock().get(&id) {
            return Ok(*value);
        }
        let entry = self.db.shared.sequences.get(id)?;
        Err(Error::new(
            SqlState::new("55000"),
            format!(
                "currval of sequence \"{}\" is not yet defined in this session",
                entry.schema.name
            ),
        ))
    }

    fn set_value(&self, id: u32, value: i64, is_called: bool) -> Result<i64> {
        let entry = self.db.shared.sequences.get(id)?;
        entry
            .state
            .set(&entry.schema, value, is_called, &mut |state| {
                self.log(id, state)
            })?;
        if is_called {
            self.remember(id, value);
        }
        Ok(value)
    }

    fn last_value(&self) -> Result<i64> {
        let last = *self.last.lock();
        match last {
            Some((id, value)) if self.db.shared.sequences.get(id).is_ok() => Ok(value),
            _ => Err(Error::new(
                SqlState::new("55000"),
                "lastval is not yet defined in this session",
            )),
        }
    }
}

/// Makes a sequence reachable by id for `nextval` (at CREATE, before it commits).
pub(crate) fn register(db: &Database, entry: &SequenceEntry) {
    db.shared.sequences.register(entry);
}

/// A new sequence state shared by the catalog and the registry.
pub(crate) fn new_entry(schema: db001_catalog::SequenceSchema) -> SequenceEntry {
    let state = Arc::new(db001_catalog::SequenceState::new(schema.start));
    SequenceEntry {
        schema: Arc::new(schema),
        state,
    }
}

/// Sets a sequence back to its start and logs it (`TRUNCATE ... RESTART IDENTITY`, at
/// commit).
pub(crate) fn reset(db: &Database, id: u32) -> Result<()> {
    let entry = db.shared.sequences.get(id)?;
    let value = SequenceValue {
        last_value: entry.schema.start,
        is_called: false,
    };
    entry.state.replay(value);
    db.shared
        .wal
        .append(KIND_SEQUENCE, &encode_sequence_record(id, value), |_| {})?;
    Ok(())
}
