//! Hash aggregation: GROUP BY with count, sum, avg, min, max, bool_and, bool_or and
//! string_agg, each optionally DISTINCT, with FILTER (WHERE ...) and ORDER BY inside the call.
//!
//! [`Accumulator`] is one aggregate's running state; window functions reuse it over frames.
//! An aggregate with ORDER BY keeps its inputs and feeds them, sorted, to a fresh state when
//! the result is asked for (only `string_agg`'s result depends on the order, but the others
//! accept the clause too).

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use db001_common::{DataType, Error, Numeric, Result, Row, Value};
use db001_planner::plan::{AggregateCall, AggregateFunction, Expr, SortKey};

use crate::ExecContext;
use crate::eval::{Env, eval, eval_predicate};
use crate::operators::{Operator, compare_keys};

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
                accumulator.add_row(call, &row, env)?;
            }
        }
        let mut output = Vec::with_capacity(groups.len());
        for (mut key, accumulators) in groups {
            for accumulator in &accumulators {
                key.push(accumulator.result()?);
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

/// An input kept for an ordered aggregate: its sort key and its arguments.
type Buffered = (Vec<Value>, Vec<Value>);

/// The running state of one aggregate in one group.
#[derive(Debug, Clone)]
pub struct Accumulator {
    function: AggregateFunction,
    data_type: DataType,
    /// Argument lists already seen, for DISTINCT aggregates.
    distinct: Option<HashSet<Vec<Value>>>,
    /// For ORDER BY inside the call: (sort key, arguments) in input order, and the keys' spec.
    ordered: Option<(Vec<Buffered>, Vec<SortKey>)>,
    /// A DISTINCT aggregate without ORDER BY is fed its arguments in ascending order, as
    /// PostgreSQL's (which removes duplicates by sorting) is: `string_agg(DISTINCT ...)`
    /// lists values sorted.
    sort_by_args: bool,
    state: State,
}

#[derive(Debug, Clone, Default)]
struct State {
    count: i64,
    /// Exact integer sum (sum/avg over integers).
    integer_sum: i128,
    numeric_sum: Option<Numeric>,
    float_sum: f64,
    /// min / max so far.
    extreme: Option<Value>,
    /// bool_and / bool_or so far.
    truth: Option<bool>,
    /// string_agg so far.
    text: Option<String>,
    /// `sum(real)`, accumulated in single precision as PostgreSQL's `float4pl`.
    real_sum: f32,
    /// `sum` / `avg` of intervals.
    interval_sum: Option<db001_common::Interval>,
    /// The values of `json_agg`, `jsonb_agg` and `array_agg`, NULLs included.
    collected: Vec<Value>,
}

impl Accumulator {
    pub fn new(call: &AggregateCall) -> Accumulator {
        let sort_by_args = call.distinct && call.order_by.is_empty();
        let keys = if sort_by_args {
            (0..call.args.len())
                .map(|i| SortKey {
                    expr: Expr::Column(i),
                    descending: false,
                    nulls_first: false,
                })
                .collect()
        } else {
            call.order_by.clone()
        };
        Accumulator {
            function: call.function,
            data_type: call.data_type,
            distinct: call.distinct.then(HashSet::new),
            ordered: (!keys.is_empty()).then(|| (Vec::new(), keys)),
            sort_by_args,
            state: State::default(),
        }
    }

    /// Feeds one input row: evaluates the FILTER, the arguments and the ORDER BY keys.
    pub fn add_row(&mut self, call: &AggregateCall, row: &Row, env: Env<'_>) -> Result<()> {
        if let Some(filter) = &call.filter
            && !eval_predicate(filter, row, env)?
        {
            return Ok(());
        }
        let args = call
            .args
            .iter()
            .map(|e| eval(e, row, env))
            .collect::<Result<Vec<Value>>>()?;
        match &mut self.ordered {
            Some((buffer, _)) if self.sort_by_args => {
                buffer.push((args.clone(), args));
                Ok(())
            }
            Some((buffer, keys)) => {
                let sort = keys
                    .iter()
                    .map(|k| eval(&k.expr, row, env))
                    .collect::<Result<Vec<Value>>>()?;
                buffer.push((sort, args));
                Ok(())
            }
            None => self.add(args),
        }
    }

    /// Feeds one argument list (already filtered).
    pub fn add(&mut self, args: Vec<Value>) -> Result<()> {
        let collects_nulls = matches!(
            self.function,
            AggregateFunction::CountStar
                | AggregateFunction::JsonAgg
                | AggregateFunction::JsonbAgg
                | AggregateFunction::ArrayAgg
        );
        if !collects_nulls && args.first().is_none_or(Value::is_null) {
            return Ok(());
        }
        if let Some(seen) = &mut self.distinct {
            if seen.contains(&args) {
                return Ok(());
            }
            seen.insert(args.clone());
        }
        self.state.add(self.function, args)
    }

    /// The aggregate's value over what it has been fed.
    pub fn result(&self) -> Result<Value> {
        match &self.ordered {
            None => self.state.result(self.function, self.data_type),
            Some((buffer, keys)) => {
                let sorted = crate::sort::sort_cancellable(
                    buffer.iter().collect::<Vec<&Buffered>>(),
                    |(a, _), (b, _)| compare_keys(a, b, keys),
                )?;
                let mut replay = Accumulator {
                    ordered: None,
                    distinct: self.distinct.as_ref().map(|_| HashSet::new()),
                    ..self.clone()
                };
                replay.state = State::default();
                for (_, args) in sorted {
                    replay.add(args.clone())?;
                }
                replay.state.result(self.function, self.data_type)
            }
        }
    }
}

impl State {
    fn add(&mut self, function: AggregateFunction, args: Vec<Value>) -> Result<()> {
        self.count += 1;
        let mut args = args.into_iter();
        let value = args.next().unwrap_or(Value::Null);
        match function {
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
                        let wanted = if function == AggregateFunction::Min {
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
            AggregateFunction::BoolAnd | AggregateFunction::BoolOr => {
                let Value::Bool(b) = value else {
                    return Err(Error::internal("bool_and/bool_or of a non-boolean"));
                };
                self.truth = Some(match (self.truth, function) {
                    (None, _) => b,
                    (Some(so_far), AggregateFunction::BoolAnd) => so_far && b,
                    (Some(so_far), _) => so_far || b,
                });
            }
            AggregateFunction::StringAgg => {
                let text = match &value {
                    Value::Text(s) => s.to_string(),
                    other => other.to_text(),
                };
                match &mut self.text {
                    None => self.text = Some(text),
                    Some(so_far) => {
                        // Each value after the first is preceded by its own row's delimiter
                        // (a NULL delimiter adds nothing).
                        if let Some(Value::Text(delimiter)) = args.next() {
                            so_far.push_str(&delimiter);
                        }
                        so_far.push_str(&text);
                    }
                }
            }
        }
        Ok(())
    }

    fn result(&self, function: AggregateFunction, data_type: DataType) -> Result<Value> {
        match function {
            AggregateFunction::CountStar | AggregateFunction::Count => Ok(Value::Int64(self.count)),
            _ if self.count == 0 => Ok(Value::Null),
            AggregateFunction::Min | AggregateFunction::Max => {
                Ok(self.extreme.clone().unwrap_or(Value::Null))
            }
            AggregateFunction::BoolAnd | AggregateFunction::BoolOr => {
                Ok(self.truth.map_or(Value::Null, Value::Bool))
            }
            AggregateFunction::StringAgg => {
                Ok(self.text.as_deref().map_or(Value::Null, Value::text))
            }
            AggregateFunction::JsonAgg => {
                Ok(db001_common::json::ops::json_array_of(&self.collected))
            }
            AggregateFunction::JsonbAgg => db001_common::json::ops::jsonb_array_of(&self.collected),
            AggregateFunction::ArrayAgg => {
                let DataType::Array(element) = data_type else {
                    return Err(Error::internal("array_agg without an array type"));
                };
                Ok(db001_common::array::Array::new(element, self.collected.clone()).into_value())
            }
            AggregateFunction::Sum if data_type == DataType::Real => {
                Ok(Value::Float32(self.real_sum))
            }
            AggregateFunction::Sum | AggregateFunction::Avg if data_type == DataType::Interval => {
                let sum = self.interval_sum.unwrap_or_default();
                if function == AggregateFunction::Sum {
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
