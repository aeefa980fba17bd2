//! The value of a sequence: what `nextval`, `currval` and `setval` change.
//!
//! ## Why sequences are not transactional, and how they survive a crash
//!
//! As in PostgreSQL, `nextval` hands out a value once, whether or not the transaction that
//! asked commits: two sessions never receive the same value, and nobody waits for anybody.
//! So the value lives outside MVCC, in one mutex per sequence shared by every copy of the
//! catalog.
//!
//! Durability follows PostgreSQL's `SEQ_LOG_VALS`: instead of logging every value, `nextval`
//! logs a value [`LOG_AHEAD_VALUES`] increments ahead of the one it returns and hands out
//! values up to it without logging again. Recovery sets the sequence to the last logged value,
//! so after a crash the next value lies beyond everything handed out before (a gap of up to 32
//! values, as in PostgreSQL), never below. `setval` logs its exact value at once.
//!
//! The logging itself is the engine's (a non-transactional WAL record); this type only asks
//! for it through the callback it is given, while holding the sequence's lock, so records of
//! one sequence reach the log in the order their values were decided.

use db001_common::{Error, Result, SqlState};
use parking_lot::Mutex;

use crate::objects::SequenceSchema;

/// How far ahead of the value it returns `nextval` logs (PostgreSQL's `SEQ_LOG_VALS`).
pub const LOG_AHEAD_VALUES: i64 = 32;

/// The current value of a sequence.
#[derive(Debug)]
pub struct SequenceState {
    values: Mutex<Values>,
}

#[derive(Debug, Clone, Copy)]
struct Values {
    last_value: i64,
    /// Whether `last_value` was handed out (false: the next `nextval` returns it).
    is_called: bool,
    /// The value the log already covers: values up to it may be handed out without logging.
    logged: Option<i64>,
}

/// What the WAL must hold for a sequence to come back at least this far: its last value and
/// whether that value was handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SequenceValue {
    pub last_value: i64,
    pub is_called: bool,
}

impl SequenceState {
    /// A sequence whose first `nextval` returns `start`.
    pub fn new(start: i64) -> SequenceState {
        SequenceState::restored(SequenceValue {
            last_value: start,
            is_called: false,
        })
    }

    /// A sequence as recovery found it.
    pub fn restored(value: SequenceValue) -> SequenceState {
        SequenceState {
            values: Mutex::new(Values {
                last_value: value.last_value,
                is_called: value.is_called,
                logged: None,
            }),
        }
    }

    /// The value to persist (checkpoints): the logged value when values were handed out
    /// beyond the last log record's value, so a restart never hands them out again.
    pub fn durable_value(&self) -> SequenceValue {
        let values = self.values.lock();
        match values.logged {
            Some(logged) => SequenceValue {
                last_value: logged,
                is_called: true,
            },
            None => SequenceValue {
                last_value: values.last_value,
                is_called: values.is_called,
            },
        }
    }

    /// The current state as `SELECT * FROM seq` shows it.
    pub fn current(&self) -> SequenceValue {
        let values = self.values.lock();
        SequenceValue {
            last_value: values.last_value,
            is_called: values.is_called,
        }
    }

    /// Recovery: a log record says the sequence got this far.
    pub fn replay(&self, value: SequenceValue) {
        let mut values = self.values.lock();
        values.last_value = value.last_value;
        values.is_called = value.is_called;
        values.logged = None;
    }

    /// `nextval`: the next value, logging ahead through `log` when the log does not cover it.
    pub fn next(
        &self,
        schema: &SequenceSchema,
        log: &mut dyn FnMut(SequenceValue) -> Result<()>,
    ) -> Result<i64> {
        let mut values = self.values.lock();
        let next = if values.is_called {
            step(schema, values.last_value, 1)?
        } else {
            values.last_value
        };
        let covered = values
            .logged
            .is_some_and(|logged| within(schema, next, logged));
        if !covered {
            // Log ahead, stopping at the bound (a cycling sequence logs again when it wraps).
            let mut ahead = next;
            for _ in 1..LOG_AHEAD_VALUES {
                match step_without_cycle(schema, ahead) {
                    Some(further) => ahead = further,
                    None => break,
                }
            }
            log(SequenceValue {
                last_value: ahead,
                is_called: true,
            })?;
            values.logged = Some(ahead);
        }
        values.last_value = next;
        values.is_called = true;
        Ok(next)
    }

    /// `setval(value, is_called)`: checks the bounds and logs the exact value.
    pub fn set(
        &self,
        schema: &SequenceSchema,
        value: i64,
        is_called: bool,
        log: &mut dyn FnMut(SequenceValue) -> Result<()>,
    ) -> Result<i64> {
        if value < schema.min_value || value > schema.max_value {
            return Err(Error::new(
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                format!(
                    "setval: value {value} is out of bounds for sequence \"{}\" ({}..{})",
                    schema.name, schema.min_value, schema.max_value
                ),
            ));
        }
        let mut values = self.values.lock();
        let state = SequenceValue {
            last_value: value,
            is_called,
        };
        log(state)?;
        values.last_value = value;
        values.is_called = is_called;
        values.logged = None;
        Ok(value)
    }
}

/// Whether `value` lies at or before `limit` in the sequence's direction.
fn within(schema: &SequenceSchema, value: i64, limit: i64) -> bool {
    if schema.increment > 0 {
        value <= limit
    } else {
        value >= limit
    }
}

/// The value after `value`, or `None` at the bound.
fn step_without_cycle(schema: &SequenceSchema, value: i64) -> Option<i64> {
    let next = value.checked_add(schema.increment)?;
    (next >= schema.min_value && next <= schema.max_value).then_some(next)
}

/// The value after `value`: wraps for a cycling sequence, fails (2200H) at the bound
/// otherwise, with PostgreSQL's message.
fn step(schema: &SequenceSchema, value: i64, _count: i64) -> Result<i64> {
    if let Some(next) = step_without_cycle(schema, value) {
        return Ok(next);
    }
    if schema.cycle {
        return Ok(if schema.increment > 0 {
            schema.min_value
        } else {
            schema.max_value
        });
    }
    let (which, bound) = if schema.increment > 0 {
        ("maximum", schema.max_value)
    } else {
        ("minimum", schema.min_value)
    };
    Err(Error::new(
        SqlState::new("2200H"),
        format!(
            "nextval: reached {which} value of sequence \"{}\" ({bound})",
            schema.name
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use db001_common::DataType;

    fn schema(increment: i64, min: i64, max: i64, cycle: bool) -> SequenceSchema {
        SequenceSchema {
            id: 1,
            name: "s".to_string(),
            schema_name: "public".to_string(),
            data_type: DataType::BigInt,
            start: if increment > 0 { min } else { max },
            increment,
            min_value: min,
            max_value: max,
            cache: 1,
            cycle,
            owned_by: None,
        }
    }

    #[test]
    fn logs_ahead_once_per_batch_and_restores_beyond_every_value() {
        let schema = schema(1, 1, i64::MAX, false);
        let state = SequenceState::new(1);
        let mut logged = Vec::new();
        let mut values = Vec::new();
        for _ in 0..40 {
            values.push(
                state
                    .next(&schema, &mut |value| {
                        logged.push(value);
                        Ok(())
                    })
                    .expect("in range"),
            );
        }
        assert_eq!(values, (1..=40).collect::<Vec<_>>());
        assert_eq!(logged.len(), 2, "one record per 32 values: {logged:?}");
        assert_eq!(logged[0].last_value, 32);
        assert_eq!(logged[1].last_value, 64);
        // A restart from the last record hands out 65 next, never a value already given.
        let restored = SequenceState::restored(logged[1]);
        let next = restored.next(&schema, &mut |_| Ok(())).expect("in range");
        assert_eq!(next, 65);
        assert_eq!(state.durable_value().last_value, 64);
    }

    #[test]
    fn bounds_fail_or_cycle() {
        let bounded = schema(1, 1, 3, false);
        let state = SequenceState::new(1);
        for expected in 1..=3 {
            assert_eq!(state.next(&bounded, &mut |_| Ok(())).expect("ok"), expected);
        }
        let error = state.next(&bounded, &mut |_| Ok(())).expect_err("at max");
        assert_eq!(error.code().code(), "2200H");
        assert_eq!(
            error.message(),
            "nextval: reached maximum value of sequence \"s\" (3)"
        );
        let cycling = schema(-1, 1, 3, true);
        let state = SequenceState::new(3);
        let got: Vec<i64> = (0..5)
            .map(|_| state.next(&cycling, &mut |_| Ok(())).expect("cycles"))
            .collect();
        assert_eq!(got, vec![3, 2, 1, 3, 2]);
    }

    #[test]
    fn setval_is_logged_and_checked() {
        let schema = schema(1, 1, 100, false);
        let state = SequenceState::new(1);
        let mut logged = Vec::new();
        state
            .set(&schema, 50, false, &mut |value| {
                logged.push(value);
                Ok(())
            })
            .expect("in bounds");
        assert_eq!(
            logged,
            vec![SequenceValue {
                last_value: 50,
                is_called: false
            }]
        );
        assert_eq!(state.next(&schema, &mut |_| Ok(())).expect("ok"), 50);
        let error = state
            .set(&schema, 0, true, &mut |_| Ok(()))
            .expect_err("below min");
        assert_eq!(error.code(), SqlState::NUMERIC_VALUE_OUT_OF_RANGE);
    }
}
