//! `nextval`, `currval`, `setval` and `lastval` at run time.
//!
//! The binder resolved the sequence to its id; the session's [`SequenceAccess`] (the engine's)
//! finds the sequence, advances it (logging to the WAL as `db001_catalog::sequence`
//! describes) and remembers per session what `currval` and `lastval` report.

use db001_common::{Error, Result, Value};
use db001_planner::builtin::SequenceFunction;

use crate::eval::Env;

/// What the executor needs from the engine to run sequence functions.
pub trait SequenceAccess: Send + Sync + std::fmt::Debug {
    /// The next value of sequence `id` (and it becomes this session's `currval`).
    fn next_value(&self, id: u32) -> Result<i64>;
    /// The value `nextval` last returned for sequence `id` in this session (55000 before).
    fn current_value(&self, id: u32) -> Result<i64>;
    /// Sets the sequence's value; returns `value`.
    fn set_value(&self, id: u32, value: i64, is_called: bool) -> Result<i64>;
    /// The value `nextval` last returned in this session, of any sequence (55000 before).
    fn last_value(&self) -> Result<i64>;
}

/// Runs a sequence function on evaluated arguments (the first is the sequence's id).
pub(crate) fn call(function: SequenceFunction, args: Vec<Value>, env: Env<'_>) -> Result<Value> {
    let access = env.ctx.session.sequences.as_ref().ok_or_else(|| {
        Error::feature_not_supported("sequence functions are not available in this context")
    })?;
    let id = match args.first() {
        Some(Value::Int64(id)) => u32::try_from(*id).ok(),
        _ => None,
    };
    let sequence = || id.ok_or_else(|| Error::internal("a sequence function without its sequence"));
    let value = match function {
        SequenceFunction::NextValue => access.next_value(sequence()?)?,
        SequenceFunction::CurrentValue => access.current_value(sequence()?)?,
        SequenceFunction::LastValue => access.last_value()?,
        SequenceFunction::SetValue => {
            let value = match args.get(1) {
                Some(Value::Int64(value)) => *value,
                _ => return Err(Error::internal("setval without a bigint value")),
            };
            let is_called = !matches!(args.get(2), Some(Value::Bool(false)));
            access.set_value(sequence()?, value, is_called)?
        }
    };
    Ok(Value::Int64(value))
}
