//! `ProjectSet`: set-returning functions in the select list (`unnest`, `generate_subscripts`,
//! `generate_series`, `information_schema._pg_expandarray`).
//!
//! For each input row every call is started over the row's argument values; the calls then
//! advance in lockstep, one output row per step (the input row followed by one value per call),
//! until every call is done, a finished call giving NULL meanwhile — PostgreSQL 10+'s rules.
//! Calls stream (a generate_series is never materialised), so `LIMIT` stops them early.

use std::sync::Arc;

use db001_common::array::Array;
use db001_common::record::Record;
use db001_common::{Composite, Error, Result, Row, SqlState, Value};
use db001_planner::plan::{SetCall, SetFunction};

use crate::ExecContext;
use crate::eval::{Env, eval};
use crate::operators::Operator;
use crate::series::SeriesOp;

/// Runs the calls of a [`db001_planner::plan::Plan::ProjectSet`] over its input.
#[allow(missing_debug_implementations)] // holds trait objects
pub struct ProjectSetOp<'a> {
    input: Box<dyn Operator + 'a>,
    calls: &'a [SetCall],
    outer: Option<Arc<Row>>,
    /// The input row being expanded, with one running call per set function.
    current: Option<(Row, Vec<Running>)>,
}

/// One call over one input row.
enum Running {
    Values(std::vec::IntoIter<Value>),
    Series(SeriesOp),
    Done,
}

impl<'a> ProjectSetOp<'a> {
    pub fn new(
        input: Box<dyn Operator + 'a>,
        calls: &'a [SetCall],
        outer: Option<Arc<Row>>,
    ) -> ProjectSetOp<'a> {
        ProjectSetOp {
            input,
            calls,
            outer,
            current: None,
        }
    }

    fn start(&self, call: &SetCall, row: &Row, ctx: &ExecContext) -> Result<Running> {
        let env = Env {
            ctx,
            outer: self.outer.as_deref(),
        };
        let mut args = Vec::with_capacity(call.args.len());
        for arg in &call.args {
            args.push(eval(arg, row, env)?);
        }
        Ok(match call.function {
            SetFunction::GenerateSeries => Running::Series(SeriesOp::from_values(args)?),
            SetFunction::Unnest => match args.into_iter().next() {
                Some(Value::Array(array)) => Running::Values(array.values.clone().into_iter()),
                Some(Value::Null) | None => Running::Done,
                Some(_) => return Err(Error::internal("unnest of a non-array value")),
            },
            SetFunction::GenerateSubscripts => subscripts(&args)?,
            SetFunction::ExpandArray => match args.into_iter().next() {
                Some(Value::Array(array)) => Running::Values(expand_array(&array).into_iter()),
                Some(Value::Null) | None => Running::Done,
                Some(_) => return Err(Error::internal("_pg_expandarray of a non-array value")),
            },
        })
    }
}

/// `generate_subscripts(array, dimension [, reverse])`: db001's arrays have one dimension, so
/// dimension 1 gives lower bound ..= upper bound (0-based for vectors) and any other nothing.
fn subscripts(args: &[Value]) -> Result<Running> {
    let (Some(Value::Array(array)), Some(Value::Int32(1))) = (args.first(), args.get(1)) else {
        return Ok(Running::Done);
    };
    let length = i32::try_from(array.values.len()).map_err(|_| {
        Error::new(
            SqlState::PROGRAM_LIMIT_EXCEEDED,
            "array size exceeds the maximum allowed",
        )
    })?;
    let lower = array.lower_bound;
    let mut values: Vec<Value> = (lower..lower + length).map(Value::Int32).collect();
    if matches!(args.get(2), Some(Value::Bool(true))) {
        values.reverse();
    }
    Ok(Running::Values(values.into_iter()))
}

/// `information_schema._pg_expandarray(array)`: `(element, n)` with `n` counted from 1 whatever
/// the array's lower bound, as PostgreSQL's SQL definition computes it.
fn expand_array(array: &Array) -> Vec<Value> {
    let composite = Composite::ExpandArray(array.element);
    array
        .values
        .iter()
        .enumerate()
        .map(|(index, value)| {
            let values = vec![value.clone(), Value::Int32(index as i32 + 1)];
            Value::Record(Arc::new(Record { composite, values }))
        })
        .collect()
}

impl Running {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Value>> {
        let value = match self {
            Running::Values(values) => values.next(),
            Running::Series(series) => series.next(ctx)?.and_then(|row| row.into_iter().next()),
            Running::Done => None,
        };
        if value.is_none() {
            *self = Running::Done;
        }
        Ok(value)
    }
}

impl Operator for ProjectSetOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        loop {
            if let Some((row, running)) = self.current.as_mut() {
                let mut values = Vec::with_capacity(running.len());
                let mut any = false;
                for call in running.iter_mut() {
                    let value = call.next(ctx)?;
                    any |= value.is_some();
                    values.push(value.unwrap_or(Value::Null));
                }
                if any {
                    let mut out = Vec::with_capacity(row.len() + values.len());
                    out.extend_from_slice(row);
                    out.extend(values);
                    return Ok(Some(out));
                }
                self.current = None;
            }
            let Some(row) = self.input.next(ctx)? else {
                return Ok(None);
            };
            let mut running = Vec::with_capacity(self.calls.len());
            for call in self.calls {
                running.push(self.start(call, &row, ctx)?);
            }
            self.current = Some((row, running));
        }
    }
}
