//! Set-returning functions in the select list: `unnest(array)`, `generate_subscripts(array,
//! dim [, reverse])`, `generate_series(start, stop [, step])` and
//! `information_schema._pg_expandarray(array)` (records `(x, n)`: each element and its
//! 1-based position; pgjdbc's primary-key query reads it, see `records.rs`).
//!
//! They are bound like window calls: each call is recorded in the SELECT's state and stands
//! for a column at [`SET_BASE`] + its number; the SELECT puts a [`Plan::ProjectSet`] under its
//! projection and moves those columns behind the node's input (see `select.rs`). Drivers'
//! catalog queries use them (SQLAlchemy's primary-key reflection zips `unnest(indkey)` with
//! `generate_subscripts(indkey, 1)`), so the calls run in lockstep as in PostgreSQL 10+.
//!
//! [`Plan::ProjectSet`]: crate::plan::Plan::ProjectSet

use db001_common::{Composite, DataType, Error, Result};
use db001_sql::ast;

use super::coerce::common_type;
use super::{Binder, SET_BASE, Scope};
use crate::plan::{Expr, SetCall, SetFunction};

impl Binder<'_> {
    /// Binds `call` if it names a set-returning function; `None` for other functions.
    pub(crate) fn bind_set_function(
        &mut self,
        name: &str,
        call: &ast::FunctionCall,
        scope: &Scope,
    ) -> Result<Option<(Expr, DataType)>> {
        let function = match name {
            "generate_series" => SetFunction::GenerateSeries,
            "unnest" => SetFunction::Unnest,
            "generate_subscripts" => SetFunction::GenerateSubscripts,
            "_pg_expandarray"
                if call
                    .name
                    .schema()
                    .is_some_and(|schema| schema.value == "information_schema") =>
            {
                SetFunction::ExpandArray
            }
            _ => return Ok(None),
        };
        let inside_aggregate = self.aggregate.as_ref().is_some_and(|a| a.inside_call);
        let Some(state) = self.window.as_ref().filter(|_| !inside_aggregate) else {
            let clause = if inside_aggregate {
                "aggregate function calls"
            } else {
                self.clause
            };
            return Err(Error::feature_not_supported(format!(
                "set-returning functions are not allowed in {clause}"
            ))
            .with_position(call.name.span().position(self.sql)));
        };
        if state.inside_call {
            return Err(Error::feature_not_supported(
                "set-returning functions are not allowed in window function calls",
            ));
        }
        let mut bound = Vec::with_capacity(call.args.len());
        for arg in &call.args {
            let (expr, data_type) = self.bind_expr(arg, scope)?;
            bound.push(self.as_array(expr, data_type)?);
        }
        let types: Vec<DataType> = bound.iter().map(|(_, t)| *t).collect();
        let no_such = || super::expr::undefined_function(name, &types);
        let (args, data_type) = match function {
            SetFunction::Unnest => match bound.as_slice() {
                [(_, DataType::Array(element))] => {
                    let element = element.data_type();
                    (bound.into_iter().map(|(e, _)| e).collect(), element)
                }
                _ => return Err(no_such()),
            },
            SetFunction::ExpandArray => match bound.as_slice() {
                [(_, DataType::Array(element))] => {
                    let record = DataType::Record(Composite::ExpandArray(*element));
                    (bound.into_iter().map(|(e, _)| e).collect(), record)
                }
                _ => return Err(no_such()),
            },
            SetFunction::GenerateSubscripts => {
                if !(2..=3).contains(&bound.len()) || !matches!(types[0], DataType::Array(_)) {
                    return Err(no_such());
                }
                let mut args = Vec::with_capacity(bound.len());
                let targets = [types[0], DataType::Int, DataType::Bool];
                for ((expr, data_type), target) in bound.into_iter().zip(targets) {
                    args.push(self.coerce(expr, data_type, target)?);
                }
                (args, DataType::Int)
            }
            SetFunction::GenerateSeries => {
                if !(2..=3).contains(&bound.len()) {
                    return Err(no_such());
                }
                let mut common = DataType::Unknown;
                for t in &types {
                    common = common_type(common, *t).ok_or_else(no_such)?;
                }
                let series_type = match common {
                    DataType::SmallInt | DataType::Int | DataType::Unknown => DataType::Int,
                    DataType::BigInt => DataType::BigInt,
                    DataType::Numeric(_) => DataType::Numeric(None),
                    _ => return Err(no_such()),
                };
                let mut args = Vec::with_capacity(bound.len());
                for (expr, data_type) in bound {
                    args.push(self.coerce(expr, data_type, series_type)?);
                }
                (args, series_type)
            }
        };
        let state = self.window.as_mut().ok_or_else(|| {
            Error::internal("set-returning function state vanished while binding its arguments")
        })?;
        let index = state.set_calls.len();
        state.set_calls.push(SetCall {
            function,
            args,
            data_type,
        });
        Ok(Some((Expr::Column(SET_BASE + index), data_type)))
    }
}
