//! After a restart: compare what the server holds with what the workers were told.
//!
//! The model is what earlier cycles verified: the ledger ids known present (which must stay),
//! ids known absent (which must never appear), and each counter's value. A cycle's operations
//! are then judged per worker as an ordered list of the operations that may have committed.
//! Each one with ledger ids is all present or all absent (else it was torn). Because a worker
//! is sequential and the WAL is replayed as a prefix, the survivors must be the first `p`
//! operations for some `p`: after the last present insert and before the first absent one,
//! with the counter equal to the increments of those `p` operations. Between those two bounds
//! lie only counter-only operations, each adding one, so the counter fixes `p` exactly.

use std::collections::{HashMap, HashSet};

use tokio_postgres::Client;

use super::workload::{
    ACCOUNTS, INITIAL_BALANCE, Kind, Operation, Outcome, WorkerRun, ledger_id, payload,
    transfer_of, worker_of,
};
use super::{CycleReport, Rng};
use crate::error_text;

/// The full scan (checked to be a sequential scan by [`check_plans`]).
const SCAN: &str = "SELECT id, worker, n FROM ledger";
/// A point lookup through the primary key.
const LOOKUP: &str = "SELECT worker, n FROM ledger WHERE id = $1";
/// A range count through the primary key.
const RANGE_COUNT: &str = "SELECT count(*) FROM ledger WHERE id >= $1 AND id < $2";
/// Counts by a column without an index.
const WORKER_COUNTS: &str = "SELECT worker, count(*) FROM ledger GROUP BY worker";

/// The accounts by a sequential scan, and one account through its primary key.
const ACCOUNTS_SCAN: &str = "SELECT id, balance FROM accounts";
const ACCOUNT_LOOKUP: &str = "SELECT balance FROM accounts WHERE id = $1";

/// How many random present and absent ids each cycle looks up.
const SAMPLE: usize = 40;

/// What earlier cycles established.
#[derive(Debug)]
pub(crate) struct Model {
    present: HashSet<i64>,
    /// `present` in insertion order, for sampling.
    present_list: Vec<i64>,
    absent: Vec<i64>,
    absent_set: HashSet<i64>,
    counters: Vec<i64>,
    next_sequence: Vec<u32>,
    /// Ledger ids sent as bank transfers (in any cycle): present ones moved money.
    transfers: HashSet<i64>,
}

impl Model {
    pub(crate) fn new(workers: usize) -> Model {
        Model {
            present: HashSet::new(),
            present_list: Vec::new(),
            absent: Vec::new(),
            absent_set: HashSet::new(),
            counters: vec![0; workers],
            next_sequence: vec![0; workers],
            transfers: HashSet::new(),
        }
    }

    pub(crate) fn next_sequence(&self, worker: usize) -> u32 {
        self.next_sequence[worker]
    }

    fn mark_present(&mut self, id: i64) {
        if self.present.insert(id) {
            self.present_list.push(id);
        }
    }

    fn mark_absent(&mut self, id: i64) {
        if self.absent_set.insert(id) {
            self.absent.push(id);
        }
    }
}

/// Checks once that the queries [`verify`] compares use different access paths, so agreement
/// between them says something about the index.
pub(crate) async fn check_plans(client: &Client) -> Result<(), String> {
    let cases = [
        (SCAN.to_owned(), "Seq Scan"),
        (LOOKUP.replace("$1", "1"), "Index Scan using ledger_pkey"),
        (
            RANGE_COUNT.replace("$1", "1").replace("$2", "2"),
            "Index Scan using ledger_pkey",
        ),
        (WORKER_COUNTS.to_owned(), "Seq Scan"),
        (ACCOUNTS_SCAN.to_owned(), "Seq Scan"),
        (
            ACCOUNT_LOOKUP.replace("$1", "1"),
            "Index Scan using accounts_pkey",
        ),
    ];
    for (query, expected) in cases {
        let messages = client
            .simple_query(&format!("EXPLAIN {query}"))
            .await
            .map_err(|error| format!("EXPLAIN {query} failed: {}", error_text(&error)))?;
        let plan: Vec<String> = messages
            .iter()
            .filter_map(|message| match message {
                tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
                _ => None,
            })
            .collect();
        if !plan.iter().any(|line| line.contains(expected)) {
            return Err(format!(
                "the plan of {query} should contain {expected:?} (the crash check compares \
                 access paths); it is:\n{}",
                plan.join("\n")
            ));
        }
    }
    Ok(())
}

/// Verifies the recovered server against the model and this cycle's runs, then moves what
/// was observed into the model. Returns every violation found.
pub(crate) async fn verify(
    client: &Client,
    model: &mut Model,
    runs: &[WorkerRun],
    synchronous_commit: bool,
    rng: &mut Rng,
) -> Result<CycleReport, Vec<String>> {
    let mut violations: Vec<String> = runs
        .iter()
        .flat_map(|run| run.violations.iter().cloned())
        .collect();
    let query_failed =
        |what: &str, error: tokio_postgres::Error| vec![format!("{what}: {}", error_text(&error))];

    // The full scan.
    let rows = client
        .query(SCAN, &[])
        .await
        .map_err(|error| query_failed(SCAN, error))?;
    let mut scanned: HashMap<i64, (i32, i32)> = HashMap::with_capacity(rows.len());
    for row in &rows {
        let (id, worker, n): (i64, i32, i32) = (row.get(0), row.get(1), row.get(2));
        if scanned.insert(id, (worker, n)).is_some() {
            violations.push(format!("id {id} appears more than once in a full scan"));
        }
        if i64::from(worker) != worker_of(id) || n != payload(id) {
            violations.push(format!(
                "row {id} holds (worker {worker}, n {n}), inserted as (worker {}, n {})",
                worker_of(id),
                payload(id)
            ));
        }
    }

    // Every row is known: verified before, or sent this cycle by an operation that may have
    // committed.
    let mut candidates = HashSet::new();
    let mut uncommitted = Vec::new();
    for operation in runs.iter().flat_map(|run| &run.operations) {
        if operation.may_have_committed() {
            candidates.extend(operation.ids.iter().copied());
        } else {
            uncommitted.extend(operation.ids.iter().copied());
        }
    }
    for &id in scanned.keys() {
        if model.absent_set.contains(&id) {
            violations.push(format!(
                "id {id} was absent after an earlier restart (never committed) but is present now"
            ));
        } else if !model.present.contains(&id) && !candidates.contains(&id) {
            violations.push(format!(
                "id {id} is present but no committed or in-flight operation inserted it"
            ));
        }
    }
    let missing: Vec<i64> = model
        .present_list
        .iter()
        .copied()
        .filter(|id| !scanned.contains_key(id))
        .collect();
    if !missing.is_empty() {
        violations.push(format!(
            "{} id(s) verified present after an earlier restart are gone, e.g. {:?}",
            missing.len(),
            &missing[..missing.len().min(10)]
        ));
    }
    for &id in &uncommitted {
        if scanned.contains_key(&id) {
            violations.push(format!(
                "id {id} is present but its transaction rolled back or never sent COMMIT"
            ));
        }
    }

    // The counters.
    let counter_rows = client
        .query("SELECT worker, n FROM counters", &[])
        .await
        .map_err(|error| query_failed("SELECT worker, n FROM counters", error))?;
    let mut counters: HashMap<i32, i64> = HashMap::new();
    for row in &counter_rows {
        if counters.insert(row.get(0), row.get(1)).is_some() {
            violations.push(format!(
                "counter row {} appears twice",
                row.get::<_, i32>(0)
            ));
        }
    }
    if counters.len() != model.counters.len() {
        violations.push(format!(
            "counters has {} rows, expected {}",
            counters.len(),
            model.counters.len()
        ));
    }

    // Per worker: torn transactions, the surviving prefix, counters, lost acknowledgments.
    let mut report = CycleReport::default();
    let mut survivors_sent_last: Option<&Operation> = None;
    let mut lost_acknowledged_first: Option<&Operation> = None;
    for run in runs {
        let worker = run.worker;
        let effective: Vec<&Operation> = run
            .operations
            .iter()
            .filter(|operation| operation.may_have_committed())
            .collect();
        for operation in &run.operations {
            match operation.outcome {
                Outcome::Acknowledged => report.acknowledged += 1,
                Outcome::InFlight => report.in_flight += 1,
                Outcome::NotCommitted => {}
            }
        }
        // Present (Some(true)), absent (Some(false)) or counter-only (None), per operation.
        let mut states = Vec::with_capacity(effective.len());
        for operation in &effective {
            let present: Vec<i64> = operation
                .ids
                .iter()
                .copied()
                .filter(|id| scanned.contains_key(id))
                .collect();
            let state = if operation.ids.is_empty() {
                None
            } else if present.is_empty() {
                Some(false)
            } else if present.len() == operation.ids.len() {
                Some(true)
            } else {
                violations.push(format!(
                    "worker {worker}: {:?} ({:?}) is torn: only {present:?} of {:?} are present",
                    operation.kind, operation.outcome, operation.ids
                ));
                Some(true)
            };
            states.push(state);
        }
        let prefix_min = states
            .iter()
            .rposition(|state| *state == Some(true))
            .map_or(0, |index| index + 1);
        let prefix_max = states
            .iter()
            .position(|state| *state == Some(false))
            .unwrap_or(states.len());
        if prefix_min > prefix_max {
            violations.push(format!(
                "worker {worker}: a hole in the recovered history: operation #{} {:?} survived \
                 but the earlier #{} {:?} did not",
                prefix_min - 1,
                effective[prefix_min - 1].ids,
                prefix_max,
                effective[prefix_max].ids
            ));
        }
        let increments_until = |length: usize| -> i64 {
            effective[..length]
                .iter()
                .map(|operation| operation.increments)
                .sum()
        };
        let base = model.counters[worker];
        let observed = counters
            .get(&i32::try_from(worker).expect("worker numbers are small"))
            .copied()
            .unwrap_or(base);
        let acknowledged_increments: i64 = effective
            .iter()
            .filter(|operation| operation.outcome == Outcome::Acknowledged)
            .map(|operation| operation.increments)
            .sum();
        let in_flight_increments: i64 = effective
            .iter()
            .filter(|operation| operation.outcome == Outcome::InFlight)
            .map(|operation| operation.increments)
            .sum();
        let upper = base + acknowledged_increments + in_flight_increments;
        let lower = if synchronous_commit {
            base + acknowledged_increments
        } else {
            base
        };
        if observed < lower || observed > upper {
            violations.push(format!(
                "worker {worker}: counter is {observed}, expected between {lower} and {upper} \
                 (before this cycle {base}, {acknowledged_increments} acknowledged and \
                 {in_flight_increments} in-flight increments)"
            ));
        }
        // The prefix length the counter implies (unique: see the module docs).
        let prefix = (prefix_min..=prefix_max.max(prefix_min))
            .find(|&length| {
                length <= effective.len() && base + increments_until(length) == observed
            })
            .unwrap_or_else(|| {
                violations.push(format!(
                    "worker {worker}: counter {observed} matches no surviving prefix: between \
                     {} and {} operations survived, giving {} to {}",
                    prefix_min,
                    prefix_max,
                    base + increments_until(prefix_min.min(effective.len())),
                    base + increments_until(prefix_max.min(effective.len()))
                ));
                prefix_min.min(effective.len())
            });
        for operation in &effective[..prefix] {
            if operation.outcome == Outcome::InFlight {
                report.in_flight_survived += 1;
            }
            if survivors_sent_last.is_none_or(|last| operation.sent > last.sent) {
                survivors_sent_last = Some(operation);
            }
        }
        for operation in &effective[prefix..] {
            if operation.outcome != Outcome::Acknowledged {
                continue;
            }
            report.acknowledged_lost += 1;
            if synchronous_commit {
                violations.push(format!(
                    "worker {worker}: acknowledged {:?} {:?} (+{} to the counter) is lost",
                    operation.kind, operation.ids, operation.increments
                ));
            }
            if lost_acknowledged_first
                .is_none_or(|first| operation.acknowledged < first.acknowledged)
            {
                lost_acknowledged_first = Some(operation);
            }
        }
    }
    // Across workers: a commit acknowledged before another was sent precedes it in the log.
    if let (Some(survivor), Some(lost)) = (survivors_sent_last, lost_acknowledged_first)
        && lost.acknowledged.is_some_and(|at| at < survivor.sent)
    {
        violations.push(format!(
            "a hole across workers: {:?} {:?} was acknowledged before {:?} {:?} was sent, yet \
             the later one survived and the earlier one is lost",
            lost.kind, lost.ids, survivor.kind, survivor.ids
        ));
    }

    // count(*) agrees with the scan.
    match client.query_one("SELECT count(*) FROM ledger", &[]).await {
        Ok(row) => {
            let count: i64 = row.get(0);
            if count != rows.len() as i64 {
                violations.push(format!(
                    "SELECT count(*) says {count} rows, a full scan returned {}",
                    rows.len()
                ));
            }
        }
        Err(error) => violations.push(format!("SELECT count(*) failed: {}", error_text(&error))),
    }

    // Fold this cycle into the model; then the index must agree with it.
    for run in runs {
        model.next_sequence[run.worker] = run.next_sequence;
        for operation in &run.operations {
            for &id in &operation.ids {
                if scanned.contains_key(&id) {
                    model.mark_present(id);
                } else {
                    model.mark_absent(id);
                }
            }
        }
    }
    for (&worker, &value) in &counters {
        if let Some(slot) = usize::try_from(worker)
            .ok()
            .and_then(|worker| model.counters.get_mut(worker))
        {
            *slot = value;
        }
    }
    report.rows = rows.len();
    violations.extend(check_index(client, model, runs, &scanned, rng).await);
    for operation in runs.iter().flat_map(|run| &run.operations) {
        if operation.kind == Kind::Transfer {
            model.transfers.extend(operation.ids.iter().copied());
        }
    }
    violations.extend(check_accounts(client, model, &scanned).await);

    if violations.is_empty() {
        Ok(report)
    } else {
        Err(violations)
    }
}

/// Point lookups through the primary key for a sample of ids (this cycle's in-flight and
/// last operations, random present ones, random absent ones), and per-worker counts by index
/// range and by a grouped sequential scan, all against the full scan.
async fn check_index(
    client: &Client,
    model: &Model,
    runs: &[WorkerRun],
    scanned: &HashMap<i64, (i32, i32)>,
    rng: &mut Rng,
) -> Vec<String> {
    let mut violations = Vec::new();
    let mut ids: Vec<i64> = Vec::new();
    for run in runs {
        for operation in run.operations.iter().rev().take(3) {
            ids.extend(&operation.ids);
        }
        let this_cycle: Vec<i64> = run
            .operations
            .iter()
            .flat_map(|operation| operation.ids.iter().copied())
            .collect();
        ids.extend(rng.sample(&this_cycle, 5));
    }
    ids.extend(rng.sample(&model.present_list, SAMPLE));
    ids.extend(rng.sample(&model.absent, SAMPLE));
    // An id never used: the sequence after the last one.
    ids.extend(
        runs.iter()
            .map(|run| ledger_id(run.worker, run.next_sequence)),
    );

    let lookup = match client.prepare(LOOKUP).await {
        Ok(statement) => statement,
        Err(error) => return vec![format!("preparing {LOOKUP} failed: {}", error_text(&error))],
    };
    for id in ids {
        match client.query(&lookup, &[&id]).await {
            Ok(rows) => {
                let found: Vec<(i32, i32)> =
                    rows.iter().map(|row| (row.get(0), row.get(1))).collect();
                let expected: Vec<(i32, i32)> = scanned.get(&id).copied().into_iter().collect();
                if found != expected {
                    violations.push(format!(
                        "index lookup of id {id} found {found:?}, the full scan has {expected:?}"
                    ));
                }
            }
            Err(error) => {
                violations.push(format!("lookup of id {id} failed: {}", error_text(&error)))
            }
        }
    }

    let mut scan_counts: HashMap<i64, i64> = HashMap::new();
    for &id in scanned.keys() {
        *scan_counts.entry(worker_of(id)).or_default() += 1;
    }
    // Counts by an aggregate over a sequential scan (the worker column has no index).
    let mut grouped: HashMap<i64, i64> = HashMap::new();
    match client.query(WORKER_COUNTS, &[]).await {
        Ok(rows) => {
            for row in rows {
                grouped.insert(i64::from(row.get::<_, i32>(0)), row.get(1));
            }
        }
        Err(error) => violations.push(format!("{WORKER_COUNTS} failed: {}", error_text(&error))),
    }
    for worker in 0..model.counters.len() as i64 {
        let expected = scan_counts.get(&worker).copied().unwrap_or(0);
        let by_scan = grouped.get(&worker).copied().unwrap_or(0);
        if by_scan != expected {
            violations.push(format!(
                "worker {worker}: GROUP BY over a sequential scan counts {by_scan} rows, the \
                 full scan has {expected}"
            ));
        }
        let low = worker << 32;
        let high = (worker + 1) << 32;
        match client.query_one(RANGE_COUNT, &[&low, &high]).await {
            Ok(row) => {
                let count: i64 = row.get(0);
                if count != expected {
                    violations.push(format!(
                        "worker {worker}: an index range scan counts {count} rows, the full \
                         scan has {expected}"
                    ));
                }
            }
            Err(error) => violations.push(format!(
                "worker {worker}: {RANGE_COUNT} failed: {}",
                error_text(&error)
            )),
        }
    }
    violations
}

/// The bank: the total is conserved, each account holds its initial balance plus the transfers
/// whose ledger rows survived (so a transfer's balance updates and its ledger row are all
/// there or all gone), and lookups through `accounts_pkey` agree with the scan.
async fn check_accounts(
    client: &Client,
    model: &Model,
    scanned: &HashMap<i64, (i32, i32)>,
) -> Vec<String> {
    let mut violations = Vec::new();
    let mut expected: HashMap<i32, i64> = (0..ACCOUNTS)
        .map(|account| (account, INITIAL_BALANCE))
        .collect();
    let mut transfers = 0usize;
    for &id in scanned.keys() {
        if model.transfers.contains(&id) {
            let (from, to, amount) = transfer_of(id);
            *expected.entry(from).or_default() -= amount;
            *expected.entry(to).or_default() += amount;
            transfers += 1;
        }
    }
    let rows = match client.query(ACCOUNTS_SCAN, &[]).await {
        Ok(rows) => rows,
        Err(error) => return vec![format!("{ACCOUNTS_SCAN} failed: {}", error_text(&error))],
    };
    let mut balances: HashMap<i32, i64> = HashMap::new();
    for row in &rows {
        let (account, balance): (i32, i64) = (row.get(0), row.get(1));
        if balances.insert(account, balance).is_some() {
            violations.push(format!("account {account} appears twice in a full scan"));
        }
    }
    let total: i64 = balances.values().sum();
    let expected_total = i64::from(ACCOUNTS) * INITIAL_BALANCE;
    if total != expected_total {
        violations.push(format!(
            "the accounts hold {total} in total, expected {expected_total}: money was created \
             or destroyed"
        ));
    }
    if balances != expected {
        violations.push(format!(
            "account balances {balances:?} do not match the {transfers} transfers in the \
             recovered ledger, which give {expected:?}"
        ));
    }
    let lookup = match client.prepare(ACCOUNT_LOOKUP).await {
        Ok(statement) => statement,
        Err(error) => {
            violations.push(format!(
                "preparing {ACCOUNT_LOOKUP} failed: {}",
                error_text(&error)
            ));
            return violations;
        }
    };
    for account in 0..ACCOUNTS {
        match client.query(&lookup, &[&account]).await {
            Ok(rows) => {
                let found: Vec<i64> = rows.iter().map(|row| row.get(0)).collect();
                let by_scan: Vec<i64> = balances.get(&account).copied().into_iter().collect();
                if found != by_scan {
                    violations.push(format!(
                        "index lookup of account {account} found {found:?}, the full scan has \
                         {by_scan:?}"
                    ));
                }
            }
            Err(error) => violations.push(format!(
                "lookup of account {account} failed: {}",
                error_text(&error)
            )),
        }
    }
    violations
}
