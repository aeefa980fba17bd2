//! Joins: nested loop and hash join, for inner, left, right, full, semi and anti joins.
//!
//! Both pull left rows one at a time and return output as soon as a pair matches, so a LIMIT
//! above a join stops it early. The right side of a hash join, and the right side of a nested
//! loop that does not read the left row, is computed once and kept in memory; right and full
//! joins mark each kept right row when it matches and emit the unmatched ones (padded with
//! NULLs on the left) after the last left row. A nested loop whose right side reads the left
//! row (an index lookup, [`db001_planner::plan::Expr::OuterColumn`]) runs it again for every
//! left row; the planner never builds that for right or full joins.

use std::collections::HashMap;
use std::sync::Arc;

use db001_common::{Error, Result, Row, Value};
use db001_planner::optimizer::{references_outer, width};
use db001_planner::plan::{Expr, JoinKind, Plan};

use crate::ExecContext;
use crate::eval::{Env, eval, eval_predicate};
use crate::operators::{Operator, build, collect};

/// Whether `condition` holds for the combined row.
fn passes(condition: Option<&Expr>, row: &Row, env: Env<'_>) -> Result<bool> {
    match condition {
        Some(condition) => eval_predicate(condition, row, env),
        None => Ok(true),
    }
}

fn concat(left: &Row, right: &Row) -> Row {
    let mut row = Vec::with_capacity(left.len() + right.len());
    row.extend_from_slice(left);
    row.extend_from_slice(right);
    row
}

fn nulls(width: usize) -> Row {
    vec![Value::Null; width]
}

/// The nested-loop join.
#[allow(missing_debug_implementations)] // holds trait objects
pub struct NestedLoopOp<'a> {
    left: Box<dyn Operator + 'a>,
    right: &'a Plan,
    condition: Option<&'a Expr>,
    kind: JoinKind,
    left_width: usize,
    right_width: usize,
    /// The enclosing loop's outer row, for the join condition.
    outer: Option<Arc<Row>>,
    /// The right side's rows when they do not depend on the left row.
    materialized: Option<Vec<Row>>,
    /// Which materialized right rows matched (right and full joins).
    right_matched: Vec<bool>,
    current: Option<Current<'a>>,
    /// Position in the unmatched-right-rows pass, once the left side is exhausted.
    unmatched: Option<usize>,
}

struct Current<'a> {
    left: Arc<Row>,
    right: Inner<'a>,
    matched: bool,
}

enum Inner<'a> {
    Materialized(usize),
    Operator(Box<dyn Operator + 'a>),
}

impl<'a> NestedLoopOp<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        left: Box<dyn Operator + 'a>,
        left_plan: &'a Plan,
        right: &'a Plan,
        condition: Option<&'a Expr>,
        kind: JoinKind,
        right_width: usize,
        ctx: &ExecContext,
        outer: Option<Arc<Row>>,
    ) -> Result<NestedLoopOp<'a>> {
        let materialized = if references_outer(right) {
            if kind.keeps_right() {
                return Err(Error::internal(
                    "a right or full nested loop cannot re-run its right side per left row",
                ));
            }
            None
        } else {
            Some(collect(right, ctx, outer.clone())?)
        };
        let right_matched = match (&materialized, kind.keeps_right()) {
            (Some(rows), true) => vec![false; rows.len()],
            _ => Vec::new(),
        };
        Ok(NestedLoopOp {
            left,
            right,
            condition,
            kind,
            left_width: width(left_plan),
            right_width,
            outer,
            materialized,
            right_matched,
            current: None,
            unmatched: None,
        })
    }

    /// After the left side: right rows no left row matched, padded with NULLs.
    fn next_unmatched(&mut self) -> Option<Row> {
        let rows = self.materialized.as_ref()?;
        let position = self.unmatched.get_or_insert(0);
        while *position < rows.len() {
            let i = *position;
            *position += 1;
            if !self.right_matched[i] {
                let mut row = nulls(self.left_width);
                row.extend_from_slice(&rows[i]);
                return Some(row);
            }
        }
        None
    }
}

impl Operator for NestedLoopOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        if self.unmatched.is_some() {
            return Ok(self.next_unmatched());
        }
        loop {
            if self.current.is_none() {
                let Some(left) = self.left.next(ctx)? else {
                    if self.kind.keeps_right() {
                        return Ok(self.next_unmatched());
                    }
                    return Ok(None);
                };
                let left = Arc::new(left);
                let right = match &self.materialized {
                    Some(_) => Inner::Materialized(0),
                    None => Inner::Operator(build(self.right, ctx, Some(Arc::clone(&left)))?),
                };
                self.current = Some(Current {
                    left,
                    right,
                    matched: false,
                });
            }
            let current = self.current.as_mut().expect("set above");
            let (right_row, index) = match &mut current.right {
                Inner::Materialized(position) => {
                    let rows = self.materialized.as_ref().expect("materialized inner side");
                    let index = *position;
                    *position += 1;
                    (rows.get(index).cloned(), Some(index))
                }
                Inner::Operator(operator) => (operator.next(ctx)?, None),
            };
            let env = Env {
                ctx,
                outer: self.outer.as_deref(),
            };
            match right_row {
                Some(right_row) => {
                    let row = concat(&current.left, &right_row);
                    if !passes(self.condition, &row, env)? {
                        continue;
                    }
                    current.matched = true;
                    if let Some(index) = index
                        && self.kind.keeps_right()
                    {
                        self.right_matched[index] = true;
                    }
                    match self.kind {
                        JoinKind::Semi => {
                            let finished = self.current.take().expect("set above");
                            return Ok(Some(finished.left.as_ref().clone()));
                        }
                        JoinKind::Anti => {
                            self.current = None;
                        }
                        _ => return Ok(Some(row)),
                    }
                }
                None => {
                    let finished = self.current.take().expect("set above");
                    if !finished.matched {
                        match self.kind {
                            JoinKind::Left | JoinKind::Full => {
                                let mut row = finished.left.as_ref().clone();
                                row.resize(row.len() + self.right_width, Value::Null);
                                return Ok(Some(row));
                            }
                            JoinKind::Anti => return Ok(Some(finished.left.as_ref().clone())),
                            _ => {}
                        }
                    }
                }
            }
        }
    }
}

/// What a hash join node says, borrowed from the plan.
#[derive(Debug)]
pub struct HashJoinSpec<'a> {
    pub left: &'a Plan,
    pub right: &'a Plan,
    pub left_keys: &'a [Expr],
    pub right_keys: &'a [Expr],
    pub condition: Option<&'a Expr>,
    pub kind: JoinKind,
    pub right_width: usize,
}

/// The hash join: builds on the right input, probes with the left.
#[allow(missing_debug_implementations)] // holds trait objects
pub struct HashJoinOp<'a> {
    left: Box<dyn Operator + 'a>,
    spec: HashJoinSpec<'a>,
    left_width: usize,
    outer: Option<Arc<Row>>,
    /// The right rows and the hash table over their keys (rows with a NULL key are kept for
    /// right and full joins but never match).
    built: Option<Built>,
    probe: Option<Probe>,
    right_matched: Vec<bool>,
    unmatched: Option<usize>,
}

struct Built {
    rows: Vec<Row>,
    table: HashMap<Vec<Value>, Vec<usize>>,
}

struct Probe {
    left: Row,
    candidates: Vec<usize>,
    next: usize,
    matched: bool,
}

impl<'a> HashJoinOp<'a> {
    pub fn new(
        left: Box<dyn Operator + 'a>,
        spec: HashJoinSpec<'a>,
        outer: Option<Arc<Row>>,
    ) -> HashJoinOp<'a> {
        HashJoinOp {
            left,
            left_width: width(spec.left),
            spec,
            outer,
            built: None,
            probe: None,
            right_matched: Vec::new(),
            unmatched: None,
        }
    }

    fn build_side(&mut self, ctx: &ExecContext) -> Result<()> {
        let env = Env {
            ctx,
            outer: self.outer.as_deref(),
        };
        let rows = collect(self.spec.right, ctx, self.outer.clone())?;
        let mut table: HashMap<Vec<Value>, Vec<usize>> = HashMap::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            if let Some(key) = keys(self.spec.right_keys, row, env)? {
                table.entry(key).or_default().push(i);
            }
        }
        if self.spec.kind.keeps_right() {
            self.right_matched = vec![false; rows.len()];
        }
        self.built = Some(Built { rows, table });
        Ok(())
    }

    fn next_unmatched(&mut self) -> Option<Row> {
        let built = self.built.as_ref()?;
        let position = self.unmatched.get_or_insert(0);
        while *position < built.rows.len() {
            let i = *position;
            *position += 1;
            if !self.right_matched[i] {
                let mut row = nulls(self.left_width);
                row.extend_from_slice(&built.rows[i]);
                return Some(row);
            }
        }
        None
    }
}

/// The key values of a row, or `None` when one is NULL (NULL never equals anything).
fn keys(exprs: &[Expr], row: &Row, env: Env<'_>) -> Result<Option<Vec<Value>>> {
    let mut values = Vec::with_capacity(exprs.len());
    for expr in exprs {
        let value = eval(expr, row, env)?;
        if value.is_null() {
            return Ok(None);
        }
        values.push(value);
    }
    Ok(Some(values))
}

impl Operator for HashJoinOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        if self.built.is_none() {
            self.build_side(ctx)?;
        }
        if self.unmatched.is_some() {
            return Ok(self.next_unmatched());
        }
        let env = Env {
            ctx,
            outer: self.outer.as_deref(),
        };
        let kind = self.spec.kind;
        loop {
            if let Some(probe) = &mut self.probe {
                let built = self.built.as_ref().expect("built above");
                while probe.next < probe.candidates.len() {
                    let index = probe.candidates[probe.next];
                    probe.next += 1;
                    let row = concat(&probe.left, &built.rows[index]);
                    if !passes(self.spec.condition, &row, env)? {
                        continue;
                    }
                    probe.matched = true;
                    if kind.keeps_right() {
                        self.right_matched[index] = true;
                    }
                    match kind {
                        JoinKind::Semi => {
                            let finished = self.probe.take().expect("probing");
                            return Ok(Some(finished.left));
                        }
                        JoinKind::Anti => break,
                        _ => return Ok(Some(row)),
                    }
                }
                let finished = self.probe.take().expect("probing");
                if !finished.matched {
                    match kind {
                        JoinKind::Left | JoinKind::Full => {
                            let mut row = finished.left;
                            row.resize(row.len() + self.spec.right_width, Value::Null);
                            return Ok(Some(row));
                        }
                        JoinKind::Anti => return Ok(Some(finished.left)),
                        _ => {}
                    }
                }
            }
            let Some(left) = self.left.next(ctx)? else {
                if kind.keeps_right() {
                    return Ok(self.next_unmatched());
                }
                return Ok(None);
            };
            let built = self.built.as_ref().expect("built above");
            let candidates = match keys(self.spec.left_keys, &left, env)? {
                Some(key) => built.table.get(&key).cloned().unwrap_or_default(),
                None => Vec::new(),
            };
            self.probe = Some(Probe {
                left,
                candidates,
                next: 0,
                matched: false,
            });
        }
    }
}
