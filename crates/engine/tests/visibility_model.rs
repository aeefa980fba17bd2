//! Visibility against a model, through the whole engine.
//!
//! A property test: random interleavings of a few sessions — BEGIN at READ COMMITTED or
//! REPEATABLE READ, reads (full scans and primary-key lookups), INSERT / UPDATE / DELETE,
//! COMMIT / ROLLBACK, autocommit writes, VACUUM and CHECKPOINT from a bystander, and restarts —
//! run against the engine and against a model that is nothing but maps:
//!
//! ```text
//!   committed: key → value            (the latest committed state)
//!   changed:   key → commit number    (when each key was last written or deleted)
//!   session:   level, snapshot (a copy of `committed` and the commit number it was taken at),
//!              own writes: key → Some(value) | None (deleted)
//! ```
//!
//! A statement sees its snapshot (READ COMMITTED: the latest committed state, taken per
//! statement; REPEATABLE READ: the copy taken at the block's first statement) overlaid with its
//! own writes. A REPEATABLE READ write to a row it sees that was changed after its snapshot
//! fails with 40001 (first updater wins) and fails the block. Every read must return exactly the
//! model's rows. The generator never issues a write that would wait for another session's
//! uncommitted write (nothing here runs concurrently), and never inserts a key that exists in the
//! latest committed state (that would be a unique violation, which is not what this tests) or
//! that the session still sees: a REPEATABLE READ block whose snapshot shows a row another
//! session deleted since may insert the same key, and then sees both rows, old and new — as
//! PostgreSQL does (checked against PostgreSQL 15), and as a map cannot hold.
//!
//! Garbage collection runs in the middle of open snapshots (VACUUM, and the background
//! collector), so this also checks that it never removes a version a snapshot still reads, and
//! restarts check that exactly the committed state survives.

use std::collections::BTreeMap;

use db001_common::{Error, SqlState, Value};
use db001_engine::{Config, Database, Session};
use proptest::prelude::*;

const SESSIONS: usize = 3;
const KEYS: u8 = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    ReadCommitted,
    RepeatableRead,
}

#[derive(Debug, Clone)]
enum Action {
    Begin(Level),
    Scan,
    Lookup(u8),
    Insert(u8),
    Update(u8),
    Delete(u8),
    Commit,
    Rollback,
}

#[derive(Debug, Clone)]
enum Step {
    Session(usize, Action),
    Vacuum,
    Checkpoint,
    Restart,
}

fn action() -> impl Strategy<Value = Action> {
    let key = 0..KEYS;
    prop_oneof![
        2 => prop_oneof![Just(Level::ReadCommitted), Just(Level::RepeatableRead)].prop_map(Action::Begin),
        2 => Just(Action::Scan),
        1 => key.clone().prop_map(Action::Lookup),
        2 => key.clone().prop_map(Action::Insert),
        3 => key.clone().prop_map(Action::Update),
        1 => key.prop_map(Action::Delete),
        2 => Just(Action::Commit),
        1 => Just(Action::Rollback),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        20 => (0..SESSIONS, action()).prop_map(|(s, a)| Step::Session(s, a)),
        2 => Just(Step::Vacuum),
        1 => Just(Step::Checkpoint),
        1 => Just(Step::Restart),
    ]
}

type State = BTreeMap<u8, i64>;

#[derive(Debug, Default)]
struct Block {
    level: Option<Level>,
    /// REPEATABLE READ: the state at the first statement and the commit number then.
    snapshot: Option<(State, u64)>,
    writes: BTreeMap<u8, Option<i64>>,
    failed: bool,
}

#[derive(Debug, Default)]
struct Model {
    committed: State,
    changed: BTreeMap<u8, u64>,
    commits: u64,
    blocks: [Option<Block>; SESSIONS],
    next_value: i64,
}

/// What the engine must answer to one statement.
#[derive(Debug, PartialEq)]
enum Expect {
    Rows(Vec<(u8, i64)>),
    Count(u64),
    SerializationFailure,
}

impl Model {
    /// Whether another session holds an uncommitted write on `key`.
    fn written_by_other(&self, session: usize, key: u8) -> bool {
        self.blocks.iter().enumerate().any(|(s, block)| {
            s != session && block.as_ref().is_some_and(|b| b.writes.contains_key(&key))
        })
    }

    /// The state a statement of `session` reads (fixing a REPEATABLE READ snapshot).
    fn view(&mut self, session: usize) -> State {
        let committed = self.committed.clone();
        let commits = self.commits;
        let Some(block) = self.blocks[session].as_mut() else {
            return committed;
        };
        let mut state = match block.level {
            Some(Level::RepeatableRead) => {
                block.snapshot.get_or_insert((committed, commits)).0.clone()
            }
            _ => committed,
        };
        for (key, value) in &block.writes {
            match value {
                Some(value) => state.insert(*key, *value),
                None => state.remove(key),
            };
        }
        state
    }

    /// Whether `session`'s next statement would see `key`, without fixing its snapshot (a
    /// statement that is then not issued must not take one).
    fn sees(&self, session: usize, key: u8) -> bool {
        let Some(block) = &self.blocks[session] else {
            return self.committed.contains_key(&key);
        };
        if let Some(write) = block.writes.get(&key) {
            return write.is_some();
        }
        match (&block.snapshot, block.level) {
            (Some((state, _)), Some(Level::RepeatableRead)) => state.contains_key(&key),
            _ => self.committed.contains_key(&key),
        }
    }

    /// Whether a REPEATABLE READ write by `session` to a `key` it sees must fail.
    fn conflicts(&self, session: usize, key: u8) -> bool {
        let Some(block) = &self.blocks[session] else {
            return false;
        };
        match (&block.snapshot, block.level) {
            (Some((_, taken)), Some(Level::RepeatableRead)) => {
                !block.writes.contains_key(&key)
                    && self.changed.get(&key).is_some_and(|c| c > taken)
            }
            _ => false,
        }
    }

    fn apply(&mut self, writes: BTreeMap<u8, Option<i64>>) {
        if writes.is_empty() {
            return;
        }
        self.commits += 1;
        for (key, value) in writes {
            match value {
                Some(value) => self.committed.insert(key, value),
                None => self.committed.remove(&key),
            };
            self.changed.insert(key, self.commits);
        }
    }

    /// Records a write of `session` (autocommit: commits it at once).
    fn write(&mut self, session: usize, key: u8, value: Option<i64>) {
        match self.blocks[session].as_mut() {
            Some(block) => {
                block.writes.insert(key, value);
            }
            None => self.apply(BTreeMap::from([(key, value)])),
        }
    }
}

fn rows_of(result: &[Vec<Value>]) -> Vec<(u8, i64)> {
    result
        .iter()
        .map(|row| {
            let key = row[0].to_text().parse().expect("an id");
            let value = row[1].to_text().parse().expect("a value");
            (key, value)
        })
        .collect()
}

async fn answer(session: &mut Session, sql: &str) -> Result<db001_engine::StatementResult, Error> {
    let mut results = session.execute_sql(sql, &[]).await?;
    Ok(results.pop().expect("one statement"))
}

fn observed(result: Result<db001_engine::StatementResult, Error>, sql: &str) -> Expect {
    use db001_engine::CommandTag;
    match result {
        Ok(result) => match result.tag {
            CommandTag::Select(_) => Expect::Rows(rows_of(&result.rows)),
            CommandTag::Insert(n) | CommandTag::Update(n) | CommandTag::Delete(n) => {
                Expect::Count(n)
            }
            other => panic!("{sql}: unexpected {other}"),
        },
        Err(error) if error.code() == SqlState::SERIALIZATION_FAILURE => {
            Expect::SerializationFailure
        }
        Err(error) => panic!("{sql}: {error:?}"),
    }
}

struct Engine {
    dir: tempfile::TempDir,
    db: Option<Database>,
    sessions: Vec<Session>,
    bystander: Option<Session>,
}

impl Engine {
    async fn open() -> Engine {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut engine = Engine {
            dir,
            db: None,
            sessions: Vec::new(),
            bystander: None,
        };
        engine.start();
        let bystander = engine.bystander.as_mut().expect("started");
        answer(bystander, "CREATE TABLE t (id int PRIMARY KEY, v bigint)")
            .await
            .expect("create");
        engine
    }

    fn start(&mut self) {
        let db = Database::open(Config::new(self.dir.path())).expect("open database");
        self.sessions = (0..SESSIONS).map(|_| db.session()).collect();
        self.bystander = Some(db.session());
        self.db = Some(db);
    }

    fn restart(&mut self) {
        self.sessions.clear();
        self.bystander = None;
        if let Some(db) = self.db.take() {
            db.shutdown().expect("clean shutdown");
        }
        self.start();
    }

    async fn bystander(&mut self, sql: &str) {
        let bystander = self.bystander.as_mut().expect("started");
        answer(bystander, sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }
}

async fn run_history(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut engine = Engine::open().await;
    let mut model = Model::default();
    for (number, step) in steps.into_iter().enumerate() {
        let (session, action) = match step {
            Step::Vacuum => {
                engine.bystander("VACUUM t").await;
                continue;
            }
            Step::Checkpoint => {
                engine.bystander("CHECKPOINT").await;
                continue;
            }
            Step::Restart => {
                if model.blocks.iter().all(Option::is_none) {
                    engine.restart();
                }
                continue;
            }
            Step::Session(session, action) => (session, action),
        };
        // A failed block only ends.
        if model.blocks[session].as_ref().is_some_and(|b| b.failed) {
            answer(&mut engine.sessions[session], "ROLLBACK")
                .await
                .expect("rollback");
            model.blocks[session] = None;
            continue;
        }
        let (sql, expect) = match action {
            Action::Begin(level) => {
                if model.blocks[session].is_some() {
                    continue;
                }
                model.blocks[session] = Some(Block {
                    level: Some(level),
                    ..Block::default()
                });
                let name = match level {
                    Level::ReadCommitted => "READ COMMITTED",
                    Level::RepeatableRead => "REPEATABLE READ",
                };
                answer(
                    &mut engine.sessions[session],
                    &format!("BEGIN ISOLATION LEVEL {name}"),
                )
                .await
                .expect("begin");
                continue;
            }
            Action::Commit | Action::Rollback => {
                let Some(block) = model.blocks[session].take() else {
                    continue;
                };
                let commit = matches!(action, Action::Commit);
                if commit {
                    model.apply(block.writes);
                }
                let sql = if commit { "COMMIT" } else { "ROLLBACK" };
                answer(&mut engine.sessions[session], sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
                continue;
            }
            Action::Scan => {
                let view = model.view(session);
                (
                    "SELECT id, v FROM t ORDER BY id".to_string(),
                    Expect::Rows(view.into_iter().collect()),
                )
            }
            Action::Lookup(key) => {
                let view = model.view(session);
                (
                    format!("SELECT id, v FROM t WHERE id = {key}"),
                    Expect::Rows(view.get(&key).map(|v| (key, *v)).into_iter().collect()),
                )
            }
            Action::Insert(key) => {
                let mut latest = model.committed.clone();
                if let Some(block) = &model.blocks[session] {
                    for (k, v) in &block.writes {
                        match v {
                            Some(v) => latest.insert(*k, *v),
                            None => latest.remove(k),
                        };
                    }
                }
                if latest.contains_key(&key)
                    || model.sees(session, key)
                    || model.written_by_other(session, key)
                {
                    continue;
                }
                model.view(session);
                model.next_value += 1;
                let value = model.next_value;
                model.write(session, key, Some(value));
                (
                    format!("INSERT INTO t VALUES ({key}, {value})"),
                    Expect::Count(1),
                )
            }
            Action::Update(key) | Action::Delete(key) => {
                if model.written_by_other(session, key) {
                    continue;
                }
                let view = model.view(session);
                let delete = matches!(action, Action::Delete(_));
                model.next_value += 1;
                let value = model.next_value;
                let sql = if delete {
                    format!("DELETE FROM t WHERE id = {key}")
                } else {
                    format!("UPDATE t SET v = {value} WHERE id = {key}")
                };
                let expect = if !view.contains_key(&key) {
                    Expect::Count(0)
                } else if model.conflicts(session, key) {
                    if let Some(block) = model.blocks[session].as_mut() {
                        block.failed = true;
                    }
                    Expect::SerializationFailure
                } else {
                    model.write(session, key, (!delete).then_some(value));
                    Expect::Count(1)
                };
                (sql, expect)
            }
        };
        let got = observed(answer(&mut engine.sessions[session], &sql).await, &sql);
        prop_assert_eq!(
            got,
            expect,
            "step {} (session {}): {}; model {:?}",
            number,
            session,
            sql,
            model
        );
    }
    // Everything committed, nothing else, survives a restart.
    for session in 0..SESSIONS {
        if model.blocks[session].take().is_some() {
            answer(&mut engine.sessions[session], "ROLLBACK")
                .await
                .expect("rollback");
        }
    }
    engine.bystander("VACUUM").await;
    engine.restart();
    let bystander = engine.bystander.as_mut().expect("started");
    let last = answer(bystander, "SELECT id, v FROM t ORDER BY id")
        .await
        .expect("final read");
    let expected: Vec<(u8, i64)> = model.committed.into_iter().collect();
    prop_assert_eq!(rows_of(&last.rows), expected);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn engine_visibility_matches_the_model(steps in proptest::collection::vec(step(), 1..80)) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(run_history(steps))?;
    }
}
