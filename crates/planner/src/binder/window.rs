//! Window functions: `row_number`, `rank`, `dense_rank`, `percent_rank`, `cume_dist`, `ntile`,
//! `lag`, `lead`, `first_value`, `last_value`, `nth_value`, and aggregates with `OVER`.
//!
//! A window call is allowed in the select list and ORDER BY. Its arguments, PARTITION BY and
//! ORDER BY are bound like select-list expressions (so over an aggregated query they read
//! group keys and aggregates); the call becomes a column of the Window node's output, numbered
//! from [`WINDOW_BASE`] until the SELECT places it after the node's input columns.

use db001_common::{DataType, Error, Result, SqlState};
use db001_sql::ast;

use super::aggregate::{aggregate_function, aggregate_result_type};
use super::coerce::is_integer;
use super::expr::undefined_function;
use super::{Binder, Scope, WINDOW_BASE};
use crate::plan::{Expr, FrameBound, FrameUnits, SortKey, WindowCall, WindowFrame, WindowFunction};

const WINDOWING_ERROR: SqlState = SqlState::new("42P20");

impl Binder<'_> {
    /// Binds `name(args) OVER (...)`.
    pub(crate) fn bind_window_call(
        &mut self,
        call: &ast::FunctionCall,
        over: &ast::WindowSpec,
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        let name = call.name.name().value.as_str();
        if self.aggregate.as_ref().is_some_and(|a| a.inside_call) {
            return Err(Error::new(
                SqlState::GROUPING_ERROR,
                "aggregate function calls cannot contain window function calls",
            ));
        }
        let Some(state) = self.window.as_mut() else {
            return Err(Error::new(
                WINDOWING_ERROR,
                format!("window functions are not allowed in {}", self.clause),
            ));
        };
        if state.inside_call {
            return Err(Error::new(
                WINDOWING_ERROR,
                "window function calls cannot be nested",
            ));
        }
        let function = match name {
            "row_number" => WindowFunction::RowNumber,
            "rank" => WindowFunction::Rank,
            "dense_rank" => WindowFunction::DenseRank,
            "percent_rank" => WindowFunction::PercentRank,
            "cume_dist" => WindowFunction::CumeDist,
            "ntile" => WindowFunction::Ntile,
            "lag" => WindowFunction::Lag,
            "lead" => WindowFunction::Lead,
            "first_value" => WindowFunction::FirstValue,
            "last_value" => WindowFunction::LastValue,
            "nth_value" => WindowFunction::NthValue,
            _ => match aggregate_function(name, call.star) {
                Some(aggregate) => WindowFunction::Aggregate(aggregate),
                None => {
                    return Err(Error::new(
                        SqlState::WRONG_OBJECT_TYPE,
                        format!(
                            "OVER specified, but {name} is not a window function nor an aggregate function"
                        ),
                    ));
                }
            },
        };
        if call.distinct {
            return Err(Error::feature_not_supported(
                "DISTINCT is not implemented for window functions",
            ));
        }
        if !call.order_by.is_empty() {
            return Err(Error::feature_not_supported(
                "aggregate ORDER BY is not implemented for window functions",
            ));
        }
        if call.filter.is_some() && !matches!(function, WindowFunction::Aggregate(_)) {
            return Err(Error::feature_not_supported(
                "FILTER is not implemented for non-aggregate window functions",
            ));
        }
        state.inside_call = true;
        let bound = self.bind_window_parts(function, call, over, scope);
        if let Some(state) = self.window.as_mut() {
            state.inside_call = false;
        }
        let call = bound?;
        let data_type = call.data_type;
        let state = self.window.as_mut().expect("checked above");
        state.calls.push(call);
        Ok((Expr::Column(WINDOW_BASE + state.calls.len() - 1), data_type))
    }

    fn bind_window_parts(
        &mut self,
        function: WindowFunction,
        call: &ast::FunctionCall,
        over: &ast::WindowSpec,
        scope: &Scope,
    ) -> Result<WindowCall> {
        let (args, data_type) = self.bind_window_args(function, call, scope)?;
        let filter = match &call.filter {
            Some(filter) => Some(self.bind_condition(filter, scope, "FILTER")?),
            None => None,
        };
        let mut partition_by = Vec::with_capacity(over.partition_by.len());
        for expr in &over.partition_by {
            let (bound, data_type) = self.bind_expr(expr, scope)?;
            partition_by.push(self.coerce(bound, data_type, resolved(data_type))?);
        }
        let mut order_by = Vec::with_capacity(over.order_by.len());
        let mut order_types = Vec::with_capacity(over.order_by.len());
        for item in &over.order_by {
            let (bound, data_type) = self.bind_expr(&item.expr, scope)?;
            let bound = self.coerce(bound, data_type, resolved(data_type))?;
            order_by.push(super::select::sort_key(bound, item));
            order_types.push(resolved(data_type));
        }
        let frame = self.bind_frame(over.frame.as_ref(), &order_by, &order_types, scope)?;
        Ok(WindowCall {
            function,
            args,
            filter,
            partition_by,
            order_by,
            frame,
            data_type,
        })
    }

    /// The arguments and the result type.
    fn bind_window_args(
        &mut self,
        function: WindowFunction,
        call: &ast::FunctionCall,
        scope: &Scope,
    ) -> Result<(Vec<Expr>, DataType)> {
        let name = call.name.name().value.as_str();
        if let WindowFunction::Aggregate(aggregate) = function {
            let (args, types) = self.bind_aggregate_args(aggregate, call, scope)?;
            let data_type = aggregate_result_type(aggregate, name, &types)?;
            return Ok((args, data_type));
        }
        let mut bound = Vec::with_capacity(call.args.len());
        for arg in &call.args {
            bound.push(self.bind_expr(arg, scope)?);
        }
        let types: Vec<DataType> = bound.iter().map(|(_, t)| *t).collect();
        let no_such = || undefined_function(name, &types);
        let integer = |t: DataType| is_integer(t) || t == DataType::Unknown;
        match function {
            WindowFunction::RowNumber | WindowFunction::Rank | WindowFunction::DenseRank => {
                if !bound.is_empty() {
                    return Err(no_such());
                }
                Ok((Vec::new(), DataType::BigInt))
            }
            WindowFunction::PercentRank | WindowFunction::CumeDist => {
                if !bound.is_empty() {
                    return Err(no_such());
                }
                Ok((Vec::new(), DataType::Double))
            }
            WindowFunction::Ntile => {
                let [(expr, data_type)] = <[_; 1]>::try_from(bound).map_err(|_| no_such())?;
                if !integer(data_type) {
                    return Err(no_such());
                }
                Ok((
                    vec![self.coerce(expr, data_type, DataType::Int)?],
                    DataType::Int,
                ))
            }
            WindowFunction::Lag | WindowFunction::Lead => {
                if bound.is_empty() || bound.len() > 3 {
                    return Err(no_such());
                }
                let mut iter = bound.into_iter();
                let (value, value_type) = iter.next().expect("checked length");
                let offset = iter.next();
                let default = iter.next();
                let mut args = Vec::with_capacity(3);
                let result_type = match default {
                    Some((default, default_type)) => {
                        let (value, default, common) = self
                            .unify_pair(value, value_type, default, default_type, "=")
                            .map_err(|_| no_such())?;
                        args.push(value);
                        args.push(Expr::Literal(db001_common::Value::Int32(1)));
                        args.push(default);
                        common
                    }
                    None => {
                        let target = resolved(value_type);
                        args.push(self.coerce(value, value_type, target)?);
                        args.push(Expr::Literal(db001_common::Value::Int32(1)));
                        target
                    }
                };
                if let Some((offset, offset_type)) = offset {
                    if !integer(offset_type) {
                        return Err(no_such());
                    }
                    args[1] = self.coerce(offset, offset_type, DataType::Int)?;
                }
                Ok((args, result_type))
            }
            WindowFunction::FirstValue | WindowFunction::LastValue => {
                let [(expr, data_type)] = <[_; 1]>::try_from(bound).map_err(|_| no_such())?;
                let target = resolved(data_type);
                Ok((vec![self.coerce(expr, data_type, target)?], target))
            }
            WindowFunction::NthValue => {
                let [(value, value_type), (n, n_type)] =
                    <[_; 2]>::try_from(bound).map_err(|_| no_such())?;
                if !integer(n_type) {
                    return Err(no_such());
                }
                let target = resolved(value_type);
                Ok((
                    vec![
                        self.coerce(value, value_type, target)?,
                        self.coerce(n, n_type, DataType::Int)?,
                    ],
                    target,
                ))
            }
            WindowFunction::Aggregate(_) => Err(Error::internal("aggregates handled above")),
        }
    }

    /// The frame, with PostgreSQL's checks (42P20) and SQL's default.
    fn bind_frame(
        &mut self,
        frame: Option<&ast::WindowFrame>,
        order_by: &[SortKey],
        order_types: &[DataType],
        scope: &Scope,
    ) -> Result<WindowFrame> {
        let Some(frame) = frame else {
            return Ok(WindowFrame::default_frame());
        };
        let units = match frame.units {
            ast::WindowFrameUnits::Rows => FrameUnits::Rows,
            ast::WindowFrameUnits::Range => FrameUnits::Range,
            ast::WindowFrameUnits::Groups => FrameUnits::Groups,
        };
        let end = frame
            .end
            .clone()
            .unwrap_or(ast::WindowFrameBound::CurrentRow);
        use ast::WindowFrameBound as B;
        let error = |message: &str| Err(Error::new(WINDOWING_ERROR, message.to_string()));
        match (&frame.start, &end) {
            (B::UnboundedFollowing, _) => {
                return error("frame start cannot be UNBOUNDED FOLLOWING");
            }
            (_, B::UnboundedPreceding) => return error("frame end cannot be UNBOUNDED PRECEDING"),
            (B::CurrentRow, B::Preceding(_)) => {
                return error("frame starting from current row cannot have preceding rows");
            }
            (B::Following(_), B::Preceding(_) | B::CurrentRow) => {
                return error("frame starting from following row cannot have preceding rows");
            }
            _ => {}
        }
        let has_offset = matches!(frame.start, B::Preceding(_) | B::Following(_))
            || matches!(end, B::Preceding(_) | B::Following(_));
        if units == FrameUnits::Groups && order_by.is_empty() {
            return error("GROUPS mode requires an ORDER BY clause");
        }
        let offset_type = match units {
            FrameUnits::Rows | FrameUnits::Groups => DataType::BigInt,
            FrameUnits::Range if has_offset => {
                let [order_type] = order_types else {
                    return error(
                        "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column",
                    );
                };
                if !order_type.is_numeric() {
                    return Err(Error::feature_not_supported(format!(
                        "RANGE with offset PRECEDING/FOLLOWING is not supported for column type {}",
                        order_type.sql_name()
                    )));
                }
                *order_type
            }
            FrameUnits::Range => DataType::BigInt,
        };
        let what = match units {
            FrameUnits::Rows => "ROWS",
            FrameUnits::Range => "RANGE",
            FrameUnits::Groups => "GROUPS",
        };
        let start = self.bind_frame_bound(&frame.start, offset_type, what, scope)?;
        let end = self.bind_frame_bound(&end, offset_type, what, scope)?;
        Ok(WindowFrame { units, start, end })
    }

    fn bind_frame_bound(
        &mut self,
        bound: &ast::WindowFrameBound,
        offset_type: DataType,
        what: &str,
        scope: &Scope,
    ) -> Result<FrameBound> {
        let offset = |binder: &mut Self, expr: &ast::Expr| -> Result<Expr> {
            let bound = binder.bind_expr_to(expr, scope, offset_type)?;
            if !crate::optimizer::is_row_independent(&bound) {
                return Err(Error::new(
                    SqlState::INVALID_COLUMN_REFERENCE,
                    format!("argument of {what} must not contain variables"),
                )
                .with_position(expr.span().position(binder.sql)));
            }
            Ok(bound)
        };
        Ok(match bound {
            ast::WindowFrameBound::UnboundedPreceding => FrameBound::UnboundedPreceding,
            ast::WindowFrameBound::UnboundedFollowing => FrameBound::UnboundedFollowing,
            ast::WindowFrameBound::CurrentRow => FrameBound::CurrentRow,
            ast::WindowFrameBound::Preceding(expr) => FrameBound::Preceding(offset(self, expr)?),
            ast::WindowFrameBound::Following(expr) => FrameBound::Following(offset(self, expr)?),
        })
    }
}

/// An unknown-typed value resolved as text; other types unchanged (modifiers dropped).
fn resolved(data_type: DataType) -> DataType {
    if data_type == DataType::Unknown {
        DataType::Text
    } else {
        data_type.without_modifier()
    }
}
