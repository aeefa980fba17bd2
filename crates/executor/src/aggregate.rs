//! Hash aggregation: GROUP BY with count, sum, avg, min and max (optionally DISTINCT).

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use db001_common::{DataType, Error, Numeric, Result, Row, Value};
use db001_planner::plan::{AggregateCall, AggregateFunction, Expr};

use crate::ExecContext;
use crate::eval::{Env, eval};
use crate::operators::Operator;

/// Consumes its input on the first call, then returns one row per group: the group-by values
/// followed by each aggregate's result. Without GROUP BY there is exactly one group, even for
/// empty input (as SQL requires: `SELECT count(*) FROM empty` is 0).
#[allow(missing_debug_implementations)] // holds trait objects
pub struct AggregateOp<'a> {
    input: Option<Box<dyn Operator + 'a>>,
    group_by: &'a [Expr],
    calls: &'a [AggregateCall],
    outer: Option<Arc<Row>>,
    /// Finished rows, reversed.
    output: Vec<Row>,
}

impl<'a> AggregateOp<'a> {
    pub fn new(
        input: Box<dyn Operator + 'a>,
        group_by: &'a [Expr],
        calls: &'a [AggregateCall],
        outer: Option<Arc<Row>>,
    ) -> AggregateOp<'a> {
        AggregateOp {
            input: Some(input),
            group_by,
            calls,
            outer,
            output: Vec::new(),
        }
    }

    fn run(&mut self, mut input: Box<dyn Operator + 'a>, ctx: &ExecContext) -> Result<()> {
        let env = Env {
            ctx,
            outer: self.outer.as_deref(),
        };
        let mut index: HashMap<Row, usize> = HashMap::new();
        let mut groups: Vec<(Row, Vec<Accumulator>)> = Vec::new();
        if self.group_by.is_empty() {
            groups.push((Vec::new(), self.fresh()));
            index.insert(Vec::new(), 0);
        }
        while let Some(row) = input.next(ctx)? {
            let key = self
                .group_by
                .iter()
                .map(|e| eval(e, &row, env))
                .collect::<Result<Row>>()?;
            let position = match index.get(&key) {
                Some(&position) => position,
                None => {
                    groups.push((key.clone(), self.fresh()));
                    index.insert(key, groups.len() - 1);
                    groups.len() - 1
                }
            };
            let accumulators = &mut groups[position].1;
            for (call, accumulator) in self.calls.iter().zip(accumulators.iter_mut()) {
                let value = match &call.arg {
                    Some(arg) => eval(arg, &row, env)?,
                    None => Value::Bool(true),
                };
                accumulator.add(value)?;
            }
        }
        let mut output = Vec::with_capacity(groups.len());
        for (mut key, accumulators) in groups {
            for (call, accumulator) in self.calls.iter().zip(accumulators) {
                key.push(accumulator.finish(call.data_type)?);
            }
            output.push(key);
        }
        output.reverse();
        self.output = output;
        Ok(())
    }

    fn fresh(&self) -> Vec<Accumulator> {
        self.calls.iter().map(Accumulator::new).collect()
    }
}

impl Operator for AggregateOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        if let Some(input) = self.input.take() {
            self.run(input, ctx)?;
        }
        Ok(self.output.pop())
    }
}

/// The running state of one aggregate in one group.
struct Accumulator {
    function: AggregateFunction,
    /// Values already seen, for DISTINCT aggregates.
    distinct: Option<HashSet<Value>>,
    count: i64,
    /// Exact integer sum (sum/avg over integers).
    integer_sum: i128,
    numeric_sum: Option<Numeric>,
    float_sum: f64,
    /// min / max so far.
    extreme: Option<Value>,
    /// `sum(real)`, accumulated in single precision as PostgreSQL's `float4pl`.
    real_sum: f32,
    /// `sum` / `avg` of intervals.
    interval_sum: Option<db001_common::Interval>,
    /// The values of `json_agg`, `jsonb_agg` and `array_agg`, NULLs included.
    collected: Vec<Value>,
}

impl Accumulator {
    fn new(call: &AggregateCall) -> Accumulator {
        Accumulator {
            function: call.function,
            distinct: call.distinct.then(HashSet::new),
            count: 0,
            integer_sum: 0,
            numeric_sum: None,
            float_sum: 0.0,
            extreme: None,
            real_sum: 0.0,
            interval_sum: None,
            collected: Vec::new(),
        }
    }

    fn add(&mut self, value: Value) -> Result<()> {
        let collects_nulls = matches!(
            self.function,
            AggregateFunction::JsonAgg | AggregateFunction::JsonbAgg | AggregateFunction::ArrayAgg
        );
        if value.is_null() && !collects_nulls {
            return Ok(());
        }
        if let Some(seen) = &mut self.distinct {
            if seen.contains(&value) {
                return Ok(());
            }
            seen.insert(value.clone());
        }
        self.count += 1;
        match self.function {
            AggregateFunction::CountStar | AggregateFunction::Count => {}
            AggregateFunction::Sum | AggregateFunction::Avg => match value {
                Value::Int16(v) => self.integer_sum += v as i128,
                Value::Int32(v) => self.integer_sum += v as i128,
                Value::Int64(v) => self.integer_sum += v as i128,
                Value::Float64(v) => self.float_sum += v,
                Value::Float32(v) => {
                    let sum = self.real_sum + v;
                    if sum.is_infinite() && self.real_sum.is_finite() && v.is_finite() {
                        return Err(Error::out_of_range("value out of range: overflow"));
                    }
                    self.real_sum = sum;
                    self.float_sum += f64::from(v);
                }
                Value::Interval(span) => {
                    self.interval_sum = Some(match &self.interval_sum {
                        Some(sum) => sum.checked_add(&span)?,
                        None => span,
                    })
                }
                Value::Numeric(n) => {
                    self.numeric_sum = Some(match &self.numeric_sum {
                        Some(sum) => sum.checked_add(&n)?,
                        None => n,
                    })
                }
                other => {
                    return Err(Error::internal(format!(
                        "cannot sum a value of type {}",
                        other.data_type().sql_name()
                    )));
                }
            },
            AggregateFunction::JsonAgg
            | AggregateFunction::JsonbAgg
            | AggregateFunction::ArrayAgg => self.collected.push(value),
            AggregateFunction::Min | AggregateFunction::Max => {
                // PostgreSQL's `*_larger` / `*_smaller` return their second argument on a tie,
                // so an equal later value (`1 mon` after `30 days`, `1.00` after `1.0`) wins;
                // `bpchar_larger` / `bpchar_smaller` keep the first.
                let replace = match &self.extreme {
                    None => true,
                    Some(current) => {
                        let ordering = value.sql_cmp(current)?.unwrap_or(Ordering::Equal);
                        let wanted = if self.function == AggregateFunction::Min {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        };
                        ordering == wanted
                            || (ordering == Ordering::Equal && !matches!(value, Value::Bpchar(_)))
                    }
                };
                if replace {
                    self.extreme = Some(value);
                }
            }
        }
        Ok(())
    }

    fn finish(self, data_type: DataType) -> Result<Value> {
        match self.function {
            AggregateFunction::CountStar | AggregateFunction::Count => Ok(Value::Int64(self.count)),
            _ if self.count == 0 => Ok(Value::Null),
            AggregateFunction::Min | AggregateFunction::Max => {
                Ok(self.extreme.unwrap_or(Value::Null))
            }
            AggregateFunction::JsonAgg => {
                Ok(db001_common::json::ops::json_array_of(&self.collected))
            }
            AggregateFunction::JsonbAgg => db001_common::json::ops::jsonb_array_of(&self.collected),
            AggregateFunction::ArrayAgg => {
                let DataType::Array(element) = data_type else {
                    return Err(Error::internal("array_agg without an array type"));
                };
                Ok(db001_common::array::Array::new(element, self.collected).into_value())
            }
            AggregateFunction::Sum if data_type == DataType::Real => {
                Ok(Value::Float32(self.real_sum))
            }
            AggregateFunction::Sum | AggregateFunction::Avg if data_type == DataType::Interval => {
                let sum = self.interval_sum.unwrap_or_default();
                if self.function == AggregateFunction::Sum {
                    Ok(Value::Interval(sum))
                } else {
                    Ok(Value::Interval(sum.checked_div(self.count as f64)?))
                }
            }
            AggregateFunction::Sum => self.total(data_type),
            AggregateFunction::Avg => match data_type {
                DataType::Double => Ok(Value::Float64(self.float_sum / self.count as f64)),
                _ => {
                    let Value::Numeric(total) = self.total(DataType::Numeric(None))? else {
                        return Err(Error::internal("numeric sum expected"));
                    };
                    Ok(Value::Numeric(
                        total.checked_div(&Numeric::from_i64(self.count))?,
                    ))
                }
            },
        }
    }

    /// The sum as the aggregate's result type.
    fn total(&self, data_type: DataType) -> Result<Value> {
        match data_type {
            DataType::Double => Ok(Value::Float64(self.float_sum)),
            DataType::BigInt => i64::try_from(self.integer_sum)
                .map(Value::Int64)
                .map_err(|_| Error::out_of_range("bigint out of range")),
            _ => {
                let integers = Numeric::parse(&self.integer_sum.to_string())?;
                Ok(Value::Numeric(match &self.numeric_sum {
                    Some(sum) => sum.checked_add(&integers)?,
                    None => integers,
                }))
            }
        }
    }
}
