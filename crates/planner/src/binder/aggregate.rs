//! Aggregate calls: `count`, `sum`, `avg`, `min`, `max`, `bool_and` / `every`, `bool_or` and
//! `string_agg`, each with `DISTINCT`, `FILTER (WHERE ...)` and `ORDER BY` inside the call.
//!
//! An aggregate's arguments are bound against the input rows (`AggregateState::inside_call`);
//! the call itself becomes a column of the Aggregate node's output, numbered from
//! [`AGGREGATE_BASE`] until the SELECT knows how many group keys precede the aggregates.
//!
//! `array_agg` is recognised and refused with 0A000: db001 has no array type yet.

use db001_common::{DataType, Error, Result, SqlState};
use db001_sql::ast;

use super::expr::{undefined_function, visit};
use super::{AGGREGATE_BASE, Binder, Scope};
use crate::plan::{AggregateCall, AggregateFunction, Expr, SortKey};

impl Binder<'_> {
    /// Binds `call` if it names an aggregate; `None` when it does not.
    pub(crate) fn bind_aggregate_call(
        &mut self,
        call: &ast::FunctionCall,
        scope: &Scope,
    ) -> Result<Option<(Expr, DataType)>> {
        let name = call.name.name().value.as_str();
        let Some(function) = aggregate_function(name, call.star) else {
            return Ok(None);
        };
        let Some(aggregate) = self.aggregate.as_mut() else {
            return Err(Error::new(
                SqlState::GROUPING_ERROR,
                format!("aggregate functions are not allowed in {}", self.clause),
            ));
        };
        if aggregate.inside_call {
            return Err(Error::new(
                SqlState::GROUPING_ERROR,
                "aggregate function calls cannot be nested",
            ));
        }
        aggregate.inside_call = true;
        let refs = std::mem::take(&mut self.column_refs);
        let bound = self.bind_aggregate_parts(function, call, scope);
        let inner_refs = std::mem::replace(&mut self.column_refs, refs);
        self.column_refs.local += inner_refs.local;
        self.column_refs.outer += inner_refs.outer;
        let aggregate = self.aggregate.as_mut().expect("set above");
        aggregate.inside_call = false;
        let (args, arg_types, filter, order_by) = bound?;
        if inner_refs.outer > 0 && inner_refs.local == 0 {
            // PostgreSQL evaluates such an aggregate in the enclosing query.
            return Err(Error::feature_not_supported(
                "aggregates over only the columns of an enclosing query are not supported yet",
            ));
        }
        let data_type = aggregate_result_type(function, name, &arg_types)?;
        let index = aggregate.calls.len();
        aggregate.calls.push(AggregateCall {
            function,
            args,
            distinct: call.distinct,
            filter,
            order_by,
            data_type,
        });
        Ok(Some((Expr::Column(AGGREGATE_BASE + index), data_type)))
    }

    #[allow(clippy::type_complexity)]
    fn bind_aggregate_parts(
        &mut self,
        function: AggregateFunction,
        call: &ast::FunctionCall,
        scope: &Scope,
    ) -> Result<(Vec<Expr>, Vec<DataType>, Option<Expr>, Vec<SortKey>)> {
        let (args, arg_types) = self.bind_aggregate_args(function, call, scope)?;
        let filter = match &call.filter {
            Some(filter) => {
                let previous = std::mem::replace(&mut self.clause, "FILTER");
                let bound = self.bind_condition(filter, scope, "FILTER");
                self.clause = previous;
                Some(bound?)
            }
            None => None,
        };
        let mut order_by = Vec::with_capacity(call.order_by.len());
        for item in &call.order_by {
            let (expr, data_type) = self.bind_expr(&item.expr, scope)?;
            let expr = if data_type == DataType::Unknown {
                self.coerce(expr, data_type, DataType::Text)?
            } else {
                expr
            };
            if call.distinct && !args.contains(&expr) {
                return Err(Error::new(
                    SqlState::INVALID_COLUMN_REFERENCE,
                    "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list",
                )
                .with_position(item.expr.span().position(self.sql)));
            }
            order_by.push(super::select::sort_key(expr, item));
        }
        Ok((args, arg_types, filter, order_by))
    }

    /// Binds an aggregate's arguments, resolving unknown literals as PostgreSQL does.
    pub(crate) fn bind_aggregate_args(
        &mut self,
        function: AggregateFunction,
        call: &ast::FunctionCall,
        scope: &Scope,
    ) -> Result<(Vec<Expr>, Vec<DataType>)> {
        if function == AggregateFunction::CountStar {
            return Ok((Vec::new(), Vec::new()));
        }
        let name = call.name.name().value.as_str();
        let expected = if function == AggregateFunction::StringAgg {
            2
        } else {
            1
        };
        if call.args.len() != expected {
            let mut types = Vec::with_capacity(call.args.len());
            for arg in &call.args {
                types.push(self.bind_expr(arg, scope)?.1);
            }
            return Err(undefined_function(name, &types));
        }
        let mut args = Vec::with_capacity(call.args.len());
        let mut types = Vec::with_capacity(call.args.len());
        for arg in &call.args {
            let (bound, data_type) = self.bind_expr(arg, scope)?;
            let wanted = match function {
                AggregateFunction::BoolAnd | AggregateFunction::BoolOr => DataType::Bool,
                // PostgreSQL resolves an unknown aggregate argument as text.
                _ => DataType::Text,
            };
            if data_type == DataType::Unknown {
                args.push(self.coerce(bound, data_type, wanted)?);
                types.push(wanted);
            } else {
                args.push(bound);
                types.push(data_type);
            }
        }
        Ok((args, types))
    }
}

/// The result type of an aggregate over arguments of `types` (PostgreSQL's signatures).
pub(crate) fn aggregate_result_type(
    function: AggregateFunction,
    name: &str,
    types: &[DataType],
) -> Result<DataType> {
    use AggregateFunction as F;
    let first = types.first().copied().unwrap_or(DataType::Unknown);
    Ok(match (function, first) {
        (F::CountStar | F::Count, _) => DataType::BigInt,
        (F::Sum, DataType::SmallInt | DataType::Int) => DataType::BigInt,
        (F::Sum | F::Avg, DataType::BigInt | DataType::Numeric(_)) => DataType::Numeric(None),
        (F::Avg, DataType::SmallInt | DataType::Int) => DataType::Numeric(None),
        (F::Sum | F::Avg, DataType::Double) => DataType::Double,
        (F::Sum, DataType::Real) => DataType::Real,
        (F::Avg, DataType::Real) => DataType::Double,
        (F::Sum | F::Avg, DataType::Interval) => DataType::Interval,
        // There is no max(varchar): PostgreSQL resolves it as max(text).
        (F::Min | F::Max, DataType::Bpchar(_)) => DataType::Bpchar(None),
        (F::Min | F::Max, t) if t.is_string() => DataType::Text,
        (
            F::Min | F::Max,
            t @ (DataType::Date
            | DataType::Time
            | DataType::Timestamp
            | DataType::TimestampTz
            | DataType::Interval
            | DataType::Oid
            | DataType::Array(_)),
        ) => t,
        (F::Min | F::Max, t) if t.is_numeric() => t.without_modifier(),
        (F::JsonAgg, _) => DataType::Json,
        (F::JsonbAgg, _) => DataType::Jsonb,
        (F::ArrayAgg, t) => DataType::Array(
            db001_common::array::element_of(t).map_err(|_| undefined_function(name, &[t]))?,
        ),
        (F::BoolAnd | F::BoolOr, DataType::Bool) => DataType::Bool,
        (F::StringAgg, t) if t.is_string() && types.get(1).is_some_and(|d| d.is_string()) => {
            DataType::Text
        }
        _ => return Err(undefined_function(name, types)),
    })
}

/// Whether the AST contains an aggregate call (outside subqueries and window calls).
pub(crate) fn contains_aggregate(expr: &ast::Expr) -> bool {
    let mut found = false;
    visit(expr, &mut |e| {
        if let ast::Expr::Function(call) = e
            && call.over.is_none()
            && aggregate_function(call.name.name().value.as_str(), call.star).is_some()
        {
            found = true;
        }
    });
    found
}

/// The aggregate a function name denotes.
pub(crate) fn aggregate_function(name: &str, star: bool) -> Option<AggregateFunction> {
    Some(match name {
        "count" if star => AggregateFunction::CountStar,
        "count" => AggregateFunction::Count,
        "sum" => AggregateFunction::Sum,
        "avg" => AggregateFunction::Avg,
        "min" => AggregateFunction::Min,
        "max" => AggregateFunction::Max,
        "bool_and" | "every" => AggregateFunction::BoolAnd,
        "bool_or" => AggregateFunction::BoolOr,
        "string_agg" => AggregateFunction::StringAgg,
        "json_agg" => AggregateFunction::JsonAgg,
        "jsonb_agg" => AggregateFunction::JsonbAgg,
        "array_agg" => AggregateFunction::ArrayAgg,
        _ => return None,
    })
}
