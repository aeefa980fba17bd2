//! Set operations and WITH queries: UNION ALL (Append), `INTERSECT` / `EXCEPT [ALL]`, the
//! Recursive Union of `WITH RECURSIVE` with its WorkTable scans, and the shared rows of a WITH
//! query read more than once (Materialize).
//!
//! Rows compare as in GROUP BY and DISTINCT: NULLs are equal to each other.
//!
//! A recursive query runs round by round: the anchor's rows first, then the recursive term
//! over the rows the previous round produced (published to the term's WorkTable scans through
//! [`crate::StatementShared`]), until a round produces nothing new. Rows are returned as they
//! are produced, so `WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT *
//! FROM t LIMIT 10` stops after ten rounds. PostgreSQL has no bound on the number of rounds;
//! db001 stops a query that reaches [`RECURSION_ROUNDS_MAX`] rounds, or that keeps more than
//! [`RECURSION_ROWS_MAX`] rows (one round's work table, or the rows a UNION has seen), with
//! 54000 (program_limit_exceeded) rather than let it run until memory is exhausted. Those are
//! the only two things a recursive query accumulates, so either bound ends every runaway
//! recursion; db001 has no statement timeout or cancel request yet that could end it earlier.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use db001_common::{Error, Result, Row, SqlState};
use db001_planner::plan::{Plan, SetOpKind};

use crate::ExecContext;
use crate::operators::{Operator, build, collect};

/// Bound on the rounds of one recursive query.
pub const RECURSION_ROUNDS_MAX: u64 = 1_000_000;
/// Bound on the rows a recursive query keeps at once (see the module docs).
pub const RECURSION_ROWS_MAX: usize = 10_000_000;

/// UNION ALL: each input in turn.
#[allow(missing_debug_implementations)] // holds trait objects
pub struct AppendOp<'a> {
    inputs: &'a [Plan],
    next_input: usize,
    current: Option<Box<dyn Operator + 'a>>,
    outer: Option<Arc<Row>>,
}

impl<'a> AppendOp<'a> {
    pub fn new(inputs: &'a [Plan], outer: Option<Arc<Row>>) -> AppendOp<'a> {
        AppendOp {
            inputs,
            next_input: 0,
            current: None,
            outer,
        }
    }
}

impl Operator for AppendOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        loop {
            if let Some(current) = &mut self.current {
                if let Some(row) = current.next(ctx)? {
                    return Ok(Some(row));
                }
                self.current = None;
            }
            let Some(input) = self.inputs.get(self.next_input) else {
                return Ok(None);
            };
            self.next_input += 1;
            self.current = Some(build(input, ctx, self.outer.clone())?);
        }
    }
}

/// `INTERSECT [ALL]` and `EXCEPT [ALL]`: counts the right side's rows, then filters the left's.
#[allow(missing_debug_implementations)] // holds trait objects
pub struct SetOpOp<'a> {
    op: SetOpKind,
    all: bool,
    left: Box<dyn Operator + 'a>,
    right: &'a Plan,
    outer: Option<Arc<Row>>,
    /// How many copies of each row the right side still offers.
    right_counts: Option<HashMap<Row, usize>>,
    /// Rows already returned (without ALL each distinct row is returned once).
    returned: HashSet<Row>,
}

impl<'a> SetOpOp<'a> {
    pub fn new(
        op: SetOpKind,
        all: bool,
        left: Box<dyn Operator + 'a>,
        right: &'a Plan,
        outer: Option<Arc<Row>>,
    ) -> SetOpOp<'a> {
        SetOpOp {
            op,
            all,
            left,
            right,
            outer,
            right_counts: None,
            returned: HashSet::new(),
        }
    }
}

impl Operator for SetOpOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        if self.right_counts.is_none() {
            let mut counts: HashMap<Row, usize> = HashMap::new();
            for row in collect(self.right, ctx, self.outer.clone())? {
                *counts.entry(row).or_default() += 1;
            }
            self.right_counts = Some(counts);
        }
        let counts = self.right_counts.as_mut().expect("counted above");
        while let Some(row) = self.left.next(ctx)? {
            let in_right = counts.get(&row).copied().unwrap_or(0);
            let keep = match (self.op, self.all) {
                // min(left copies, right copies) rows: each left copy uses up a right copy.
                (SetOpKind::Intersect, true) => {
                    if in_right > 0 {
                        counts.insert(row.clone(), in_right - 1);
                        true
                    } else {
                        false
                    }
                }
                (SetOpKind::Intersect, false) => in_right > 0 && !self.returned.contains(&row),
                // max(left copies - right copies, 0) rows.
                (SetOpKind::Except, true) => {
                    if in_right > 0 {
                        counts.insert(row.clone(), in_right - 1);
                        false
                    } else {
                        true
                    }
                }
                (SetOpKind::Except, false) => in_right == 0 && !self.returned.contains(&row),
            };
            if keep {
                if !self.all {
                    self.returned.insert(row.clone());
                }
                return Ok(Some(row));
            }
        }
        Ok(None)
    }
}

/// `WITH RECURSIVE`: see the module docs.
#[allow(missing_debug_implementations)] // holds trait objects
pub struct RecursiveUnionOp<'a> {
    name: &'a str,
    work_table: usize,
    recursive: &'a Plan,
    distinct: bool,
    outer: Option<Arc<Row>>,
    /// The anchor first, then each round of the recursive term.
    source: Option<Box<dyn Operator + 'a>>,
    /// Rows this round produced: the next round's work table.
    produced: Vec<Row>,
    /// Every row returned so far (UNION only).
    seen: HashSet<Row>,
    rounds: u64,
}

impl<'a> RecursiveUnionOp<'a> {
    pub fn new(
        name: &'a str,
        work_table: usize,
        anchor: Box<dyn Operator + 'a>,
        recursive: &'a Plan,
        distinct: bool,
        outer: Option<Arc<Row>>,
    ) -> RecursiveUnionOp<'a> {
        RecursiveUnionOp {
            name,
            work_table,
            recursive,
            distinct,
            outer,
            source: Some(anchor),
            produced: Vec::new(),
            seen: HashSet::new(),
            rounds: 0,
        }
    }
}

impl RecursiveUnionOp<'_> {
    fn limit_error(&self, limit: String) -> Error {
        Error::new(
            SqlState::PROGRAM_LIMIT_EXCEEDED,
            format!(
                "recursive query \"{}\" exceeded db001's limit of {limit}",
                self.name
            ),
        )
        .with_hint("Check that the recursive term eventually produces no rows.")
    }
}

impl Operator for RecursiveUnionOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        loop {
            if let Some(source) = &mut self.source {
                match source.next(ctx)? {
                    Some(row) => {
                        if self.distinct && !self.seen.insert(row.clone()) {
                            continue;
                        }
                        if self.produced.len() >= RECURSION_ROWS_MAX
                            || self.seen.len() > RECURSION_ROWS_MAX
                        {
                            return Err(self.limit_error(format!("{RECURSION_ROWS_MAX} rows")));
                        }
                        self.produced.push(row.clone());
                        return Ok(Some(row));
                    }
                    None => self.source = None,
                }
            }
            if self.produced.is_empty() {
                return Ok(None);
            }
            self.rounds += 1;
            if self.rounds > RECURSION_ROUNDS_MAX {
                return Err(self.limit_error(format!("{RECURSION_ROUNDS_MAX} rounds")));
            }
            let rows = Arc::new(std::mem::take(&mut self.produced));
            ctx.shared.set_work_table(self.work_table, rows);
            self.source = Some(build(self.recursive, ctx, self.outer.clone())?);
        }
    }
}

/// The previous round's rows of a recursive query.
#[derive(Debug)]
pub struct WorkTableScanOp {
    rows: Arc<Vec<Row>>,
    next: usize,
}

impl WorkTableScanOp {
    pub fn new(name: &str, work_table: usize, ctx: &ExecContext) -> Result<WorkTableScanOp> {
        let rows = ctx.shared.work_table(work_table).ok_or_else(|| {
            Error::internal(format!(
                "work table of recursive query \"{name}\" is not set"
            ))
        })?;
        Ok(WorkTableScanOp { rows, next: 0 })
    }
}

impl Operator for WorkTableScanOp {
    fn next(&mut self, _ctx: &ExecContext) -> Result<Option<Row>> {
        let row = self.rows.get(self.next).cloned();
        self.next += 1;
        Ok(row)
    }
}

/// The rows of a WITH query read more than once: computed by the first reference read, then
/// shared through [`crate::StatementShared`].
#[allow(missing_debug_implementations)] // holds plan references
pub struct MaterializeOp<'a> {
    id: usize,
    input: &'a Plan,
    outer: Option<Arc<Row>>,
    rows: Option<Arc<Vec<Row>>>,
    next: usize,
}

impl<'a> MaterializeOp<'a> {
    pub fn new(id: usize, input: &'a Plan, outer: Option<Arc<Row>>) -> MaterializeOp<'a> {
        MaterializeOp {
            id,
            input,
            outer,
            rows: None,
            next: 0,
        }
    }
}

impl Operator for MaterializeOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        if self.rows.is_none() {
            let rows = match ctx.shared.materialized(self.id) {
                Some(rows) => rows,
                None => {
                    let rows = Arc::new(collect(self.input, ctx, self.outer.clone())?);
                    ctx.shared.set_materialized(self.id, Arc::clone(&rows));
                    rows
                }
            };
            self.rows = Some(rows);
        }
        let rows = self.rows.as_ref().expect("set above");
        let row = rows.get(self.next).cloned();
        self.next += 1;
        Ok(row)
    }
}
