//! `generate_series(start, stop [, step])` in FROM, over integers and numerics, and
//! `unnest(array)` in FROM.
//!
//! Rows are produced one at a time, so `generate_series(1, 1000000000) LIMIT 5` is cheap.
//! As in PostgreSQL: a NULL argument gives no rows, a zero step is an error (22023), and a
//! series stops before it would overflow its type. A long series honours `statement_timeout`
//! (57014): it checks the statement's deadline every [`DEADLINE_CHECK_ROWS`] rows, as the
//! storage scans do, since nothing else interrupts a query that reads no table.

use std::cmp::Ordering;

use db001_common::{Error, Result, Row, SqlState, Value, ops};
use db001_planner::plan::Expr;

use crate::ExecContext;
use crate::eval::{Env, eval};
use crate::operators::Operator;

/// Rows produced between two looks at the statement's deadline.
const DEADLINE_CHECK_ROWS: u32 = 1024;

/// Produces the series.
#[derive(Debug)]
pub struct SeriesOp {
    state: State,
    /// Rows since the deadline was last checked.
    since_check: u32,
}

#[derive(Debug)]
enum State {
    Done,
    /// Integers, counted in i128 so that stepping past the end cannot overflow.
    Integer {
        next: i128,
        stop: i128,
        step: i128,
        bigint: bool,
    },
    Numeric {
        next: Value,
        stop: Value,
        step: Value,
        ascending: bool,
    },
}

impl SeriesOp {
    /// Evaluates the arguments (once, as PostgreSQL does).
    pub fn new(args: &[Expr], env: Env<'_>) -> Result<SeriesOp> {
        let empty = Vec::new();
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push(eval(arg, &empty, env)?);
        }
        SeriesOp::from_values(values)
    }

    /// The series for evaluated arguments (`start, stop [, step]`).
    pub fn from_values(mut values: Vec<Value>) -> Result<SeriesOp> {
        if values.len() == 2 {
            let one = match values[0] {
                Value::Numeric(_) => Value::Numeric(db001_common::Numeric::from_i64(1)),
                Value::Int64(_) => Value::Int64(1),
                _ => Value::Int32(1),
            };
            values.push(one);
        }
        let [start, stop, step] = <[Value; 3]>::try_from(values)
            .map_err(|_| Error::internal("generate_series takes two or three arguments"))?;
        if start.is_null() || stop.is_null() || step.is_null() {
            return Ok(SeriesOp {
                state: State::Done,
                since_check: 0,
            });
        }
        let zero_step = || {
            Error::new(
                SqlState::INVALID_PARAMETER_VALUE,
                "step size cannot equal zero",
            )
        };
        let state = match (start.as_i64(), stop.as_i64(), step.as_i64()) {
            (Some(start_value), Some(stop_value), Some(step_value)) => {
                if step_value == 0 {
                    return Err(zero_step());
                }
                State::Integer {
                    next: i128::from(start_value),
                    stop: i128::from(stop_value),
                    step: i128::from(step_value),
                    bigint: matches!(start, Value::Int64(_)),
                }
            }
            _ => {
                let zero = Value::Numeric(db001_common::Numeric::from_i64(0));
                let ascending = match step.sql_cmp(&zero)? {
                    Some(Ordering::Greater) => true,
                    Some(Ordering::Less) => false,
                    _ => return Err(zero_step()),
                };
                State::Numeric {
                    next: start,
                    stop,
                    step,
                    ascending,
                }
            }
        };
        Ok(SeriesOp {
            state,
            since_check: 0,
        })
    }
}

impl Operator for SeriesOp {
    fn next(&mut self, _ctx: &ExecContext) -> Result<Option<Row>> {
        self.since_check += 1;
        if self.since_check >= DEADLINE_CHECK_ROWS {
            self.since_check = 0;
            if let Err(error) = db001_txn::deadline::check() {
                self.state = State::Done;
                return Err(error);
            }
        }
        match &mut self.state {
            State::Done => Ok(None),
            State::Integer {
                next,
                stop,
                step,
                bigint,
            } => {
                let within = if *step > 0 {
                    *next <= *stop
                } else {
                    *next >= *stop
                };
                if !within {
                    self.state = State::Done;
                    return Ok(None);
                }
                let value = if *bigint {
                    i64::try_from(*next).map(Value::Int64).ok()
                } else {
                    i32::try_from(*next).map(Value::Int32).ok()
                };
                let Some(value) = value else {
                    self.state = State::Done;
                    return Ok(None);
                };
                *next += *step;
                Ok(Some(vec![value]))
            }
            State::Numeric {
                next,
                stop,
                step,
                ascending,
            } => {
                let ordering = next.sql_cmp(stop)?;
                let within = match ordering {
                    Some(Ordering::Less) => *ascending,
                    Some(Ordering::Greater) => !*ascending,
                    Some(Ordering::Equal) => true,
                    None => false,
                };
                if !within {
                    self.state = State::Done;
                    return Ok(None);
                }
                let value = next.clone();
                match ops::add(next, step) {
                    Ok(following) => *next = following,
                    // Past the largest representable value: this was the last one.
                    Err(_) => {
                        self.state = State::Done;
                        return Ok(Some(vec![value]));
                    }
                }
                Ok(Some(vec![value]))
            }
        }
    }
}

/// `unnest(array)` in FROM: the elements as one-column rows (none for NULL).
pub fn unnest(args: &[Expr], env: Env<'_>) -> Result<ValuesOp> {
    let empty = Vec::new();
    let values = match args.first().map(|arg| eval(arg, &empty, env)).transpose()? {
        Some(Value::Array(array)) => array.values.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(_) => return Err(Error::internal("unnest of a non-array value")),
    };
    Ok(ValuesOp::new(values))
}

/// Rows of one column from a list of values.
#[derive(Debug)]
pub struct ValuesOp {
    values: std::vec::IntoIter<Value>,
}

impl ValuesOp {
    /// One row per value.
    pub fn new(values: Vec<Value>) -> ValuesOp {
        ValuesOp {
            values: values.into_iter(),
        }
    }
}

/// `WITH ORDINALITY`: the input's rows, each followed by its number (bigint, from 1).
pub(crate) struct Ordinality<'a> {
    input: Box<dyn Operator + 'a>,
    count: i64,
}

impl<'a> Ordinality<'a> {
    pub(crate) fn new(input: Box<dyn Operator + 'a>) -> Ordinality<'a> {
        Ordinality { input, count: 0 }
    }
}

impl Operator for Ordinality<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        let Some(mut row) = self.input.next(ctx)? else {
            return Ok(None);
        };
        self.count += 1;
        row.push(Value::Int64(self.count));
        Ok(Some(row))
    }
}

impl Operator for ValuesOp {
    fn next(&mut self, _ctx: &ExecContext) -> Result<Option<Row>> {
        Ok(self.values.next().map(|value| vec![value]))
    }
}
