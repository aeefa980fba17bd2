//! Window functions.
//!
//! The node reads all its input, then for each window call: sorts the rows by (PARTITION BY,
//! ORDER BY) — reusing the previous call's order when the specification is the same — splits
//! them into partitions and, within a partition, into peer groups (rows equal under ORDER BY).
//! Ranking functions read positions and peer groups; `lag` / `lead` read other rows of the
//! partition; value functions and aggregates read the row's frame:
//!
//! - `ROWS`: offsets count rows;
//! - `GROUPS`: offsets count peer groups;
//! - `RANGE`: `CURRENT ROW` means the row's peer group, offsets are distances in the value of
//!   the single ORDER BY key (rows with a NULL key frame their NULL peers).
//!
//! The default frame is `RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`: the running value
//! up to and including the row's peers, or the whole partition without ORDER BY. A frame that
//! starts at the partition's start (the common case) is aggregated incrementally, since its end
//! never moves backwards; other frames are aggregated from scratch for each row.
//!
//! Rows come out in the order of the last call's sort, as PostgreSQL's do.

use std::cmp::Ordering;
use std::sync::Arc;

use db001_common::{Error, Result, Row, SqlState, Value, ops};
use db001_planner::plan::{
    AggregateCall, Expr, FrameBound, FrameUnits, SortKey, WindowCall, WindowFunction,
};

use crate::ExecContext;
use crate::aggregate::Accumulator;
use crate::eval::{Env, eval};
use crate::operators::{Operator, compare_keys};

/// The window node.
#[allow(missing_debug_implementations)] // holds trait objects
pub struct WindowOp<'a> {
    input: Option<Box<dyn Operator + 'a>>,
    calls: &'a [WindowCall],
    outer: Option<Arc<Row>>,
    /// Finished rows, reversed.
    output: Vec<Row>,
}

impl<'a> WindowOp<'a> {
    pub fn new(
        input: Box<dyn Operator + 'a>,
        calls: &'a [WindowCall],
        outer: Option<Arc<Row>>,
    ) -> WindowOp<'a> {
        WindowOp {
            input: Some(input),
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
        let mut rows = Vec::new();
        while let Some(row) = input.next(ctx)? {
            rows.push(row);
        }
        let mut results: Vec<Vec<Value>> = Vec::with_capacity(self.calls.len());
        let mut sorted: Option<Sorted> = None;
        for call in self.calls {
            let reuse = sorted.as_ref().is_some_and(|s| {
                s.partition_by == call.partition_by && s.order_by == call.order_by
            });
            if !reuse {
                sorted = Some(Sorted::new(&rows, call, env)?);
            }
            let order = sorted.as_ref().expect("sorted above");
            let mut values = vec![Value::Null; rows.len()];
            for partition in &order.partitions {
                let positions = &order.order[partition.clone()];
                let computed = evaluate(call, &rows, positions, &order.keys, env)?;
                for (&row, value) in positions.iter().zip(computed) {
                    values[row] = value;
                }
            }
            results.push(values);
        }
        let order = sorted.map_or_else(|| (0..rows.len()).collect(), |s| s.order);
        let mut rows: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
        let mut output = Vec::with_capacity(rows.len());
        for i in order {
            let mut row = rows[i].take().expect("each row is output once");
            for values in &mut results {
                row.push(std::mem::replace(&mut values[i], Value::Null));
            }
            output.push(row);
        }
        output.reverse();
        self.output = output;
        Ok(())
    }
}

impl Operator for WindowOp<'_> {
    fn next(&mut self, ctx: &ExecContext) -> Result<Option<Row>> {
        if let Some(input) = self.input.take() {
            self.run(input, ctx)?;
        }
        Ok(self.output.pop())
    }
}

/// The rows in one window specification's order.
struct Sorted {
    partition_by: Vec<Expr>,
    order_by: Vec<SortKey>,
    /// Row indices in (partition, order) order.
    order: Vec<usize>,
    /// Ranges of `order`, one per partition.
    partitions: Vec<std::ops::Range<usize>>,
    /// Each row's ORDER BY values (indexed by row).
    keys: Vec<Vec<Value>>,
}

impl Sorted {
    fn new(rows: &[Row], call: &WindowCall, env: Env<'_>) -> Result<Sorted> {
        let evaluate_all = |exprs: &mut dyn Iterator<Item = &Expr>, row: &Row| {
            exprs
                .map(|e| eval(e, row, env))
                .collect::<Result<Vec<Value>>>()
        };
        let mut partition_keys = Vec::with_capacity(rows.len());
        let mut keys = Vec::with_capacity(rows.len());
        for row in rows {
            partition_keys.push(evaluate_all(&mut call.partition_by.iter(), row)?);
            keys.push(evaluate_all(
                &mut call.order_by.iter().map(|k| &k.expr),
                row,
            )?);
        }
        let order = crate::sort::sort_cancellable((0..rows.len()).collect(), |&a, &b| {
            Value::sort_cmp_rows(&partition_keys[a], &partition_keys[b])
                .then_with(|| compare_keys(&keys[a], &keys[b], &call.order_by))
        })?;
        let mut partitions = Vec::new();
        let mut start = 0;
        for i in 1..=order.len() {
            if i == order.len() || partition_keys[order[i]] != partition_keys[order[start]] {
                partitions.push(start..i);
                start = i;
            }
        }
        Ok(Sorted {
            partition_by: call.partition_by.clone(),
            order_by: call.order_by.clone(),
            order,
            partitions,
            keys,
        })
    }
}

/// One partition: its rows (indices into `rows`, in order) and their peer groups.
struct Partition<'r> {
    rows: &'r [Row],
    positions: &'r [usize],
    keys: &'r [Vec<Value>],
    /// For each position, the first and last position of its peer group.
    peer_start: Vec<usize>,
    peer_end: Vec<usize>,
    /// For each position, its peer group's number; and each group's first and last position.
    group: Vec<usize>,
    groups: Vec<(usize, usize)>,
}

impl<'r> Partition<'r> {
    fn new(
        rows: &'r [Row],
        positions: &'r [usize],
        keys: &'r [Vec<Value>],
        order_by: &[SortKey],
    ) -> Partition<'r> {
        let m = positions.len();
        let mut groups = Vec::new();
        let mut group = vec![0; m];
        let mut start = 0;
        for k in 1..=m {
            let boundary = k == m
                || compare_keys(&keys[positions[k]], &keys[positions[start]], order_by)
                    != Ordering::Equal;
            if boundary {
                for g in group.iter_mut().take(k).skip(start) {
                    *g = groups.len();
                }
                groups.push((start, k - 1));
                start = k;
            }
        }
        let peer_start = group.iter().map(|&g| groups[g].0).collect();
        let peer_end = group.iter().map(|&g| groups[g].1).collect();
        Partition {
            rows,
            positions,
            keys,
            peer_start,
            peer_end,
            group,
            groups,
        }
    }

    fn len(&self) -> usize {
        self.positions.len()
    }

    fn row(&self, k: usize) -> &Row {
        &self.rows[self.positions[k]]
    }
}

/// A frame offset after evaluation.
#[derive(Clone)]
enum Bound {
    UnboundedPreceding,
    Preceding(Value),
    CurrentRow,
    Following(Value),
    UnboundedFollowing,
}

/// The call's value for each row of one partition (in partition order).
fn evaluate(
    call: &WindowCall,
    rows: &[Row],
    positions: &[usize],
    keys: &[Vec<Value>],
    env: Env<'_>,
) -> Result<Vec<Value>> {
    let partition = Partition::new(rows, positions, keys, &call.order_by);
    let m = partition.len();
    let arg = |i: usize, k: usize| -> Result<Value> {
        match call.args.get(i) {
            Some(expr) => eval(expr, partition.row(k), env),
            None => Ok(Value::Null),
        }
    };
    let mut out = Vec::with_capacity(m);
    match call.function {
        WindowFunction::RowNumber => {
            out.extend((0..m).map(|k| Value::Int64(k as i64 + 1)));
        }
        WindowFunction::Rank => {
            out.extend((0..m).map(|k| Value::Int64(partition.peer_start[k] as i64 + 1)));
        }
        WindowFunction::DenseRank => {
            out.extend((0..m).map(|k| Value::Int64(partition.group[k] as i64 + 1)));
        }
        WindowFunction::PercentRank => out.extend((0..m).map(|k| {
            Value::Float64(if m > 1 {
                partition.peer_start[k] as f64 / (m - 1) as f64
            } else {
                0.0
            })
        })),
        WindowFunction::CumeDist => out
            .extend((0..m).map(|k| Value::Float64((partition.peer_end[k] + 1) as f64 / m as f64))),
        WindowFunction::Ntile => {
            for k in 0..m {
                out.push(match arg(0, k)?.as_i64() {
                    None => Value::Null,
                    Some(buckets) if buckets <= 0 => {
                        return Err(Error::new(
                            SqlState::new("22014"),
                            "argument of ntile must be greater than zero",
                        ));
                    }
                    Some(buckets) => Value::Int32(ntile(k, m, buckets as usize) as i32),
                });
            }
        }
        WindowFunction::Lag | WindowFunction::Lead => {
            for k in 0..m {
                let Some(offset) = arg(1, k)?.as_i64() else {
                    out.push(Value::Null);
                    continue;
                };
                let target = if call.function == WindowFunction::Lag {
                    k as i64 - offset
                } else {
                    k as i64 + offset
                };
                out.push(if (0..m as i64).contains(&target) {
                    arg(0, target as usize)?
                } else {
                    arg(2, k)?
                });
            }
        }
        WindowFunction::FirstValue | WindowFunction::LastValue | WindowFunction::NthValue => {
            let (start, end) = frame_bounds(call, env)?;
            for k in 0..m {
                let (first, last) = frame(&partition, k, &start, &end, &call.frame.units)?;
                if first > last {
                    out.push(Value::Null);
                    continue;
                }
                let target = match call.function {
                    WindowFunction::FirstValue => first,
                    WindowFunction::LastValue => last,
                    _ => match arg(1, k)?.as_i64() {
                        None => {
                            out.push(Value::Null);
                            continue;
                        }
                        Some(n) if n <= 0 => {
                            return Err(Error::new(
                                SqlState::new("22016"),
                                "argument of nth_value must be greater than zero",
                            ));
                        }
                        Some(n) => {
                            first.saturating_add(usize::try_from(n - 1).unwrap_or(usize::MAX))
                        }
                    },
                };
                out.push(if target <= last {
                    arg(0, target)?
                } else {
                    Value::Null
                });
            }
        }
        WindowFunction::Aggregate(function) => {
            let aggregate = AggregateCall {
                function,
                args: call.args.clone(),
                distinct: false,
                filter: call.filter.clone(),
                order_by: Vec::new(),
                data_type: call.data_type,
            };
            let (start, end) = frame_bounds(call, env)?;
            let running = matches!(start, Bound::UnboundedPreceding);
            let mut accumulator = Accumulator::new(&aggregate);
            let mut added = 0;
            for k in 0..m {
                let (first, last) = frame(&partition, k, &start, &end, &call.frame.units)?;
                let empty = first > last;
                if running {
                    while !empty && added <= last {
                        accumulator.add_row(&aggregate, partition.row(added), env)?;
                        added += 1;
                    }
                    out.push(accumulator.result()?);
                } else {
                    let mut fresh = Accumulator::new(&aggregate);
                    if !empty {
                        for j in first..=last {
                            fresh.add_row(&aggregate, partition.row(j), env)?;
                        }
                    }
                    out.push(fresh.result()?);
                }
            }
        }
    }
    Ok(out)
}

/// PostgreSQL's `ntile`: `m` rows into `buckets` buckets, the first `m % buckets` one larger.
fn ntile(k: usize, m: usize, buckets: usize) -> usize {
    let size = m / buckets;
    let larger = m % buckets;
    if size == 0 {
        return k + 1;
    }
    let boundary = larger * (size + 1);
    if k < boundary {
        k / (size + 1) + 1
    } else {
        larger + (k - boundary) / size + 1
    }
}

/// The frame's bounds with their offsets evaluated (they cannot read the row).
fn frame_bounds(call: &WindowCall, env: Env<'_>) -> Result<(Bound, Bound)> {
    let evaluate = |bound: &FrameBound, which: &str| -> Result<Bound> {
        let offset = |expr: &Expr| -> Result<Value> {
            let value = eval(expr, &Vec::new(), env)?;
            if value.is_null() {
                return Err(Error::new(
                    SqlState::NULL_VALUE_NOT_ALLOWED,
                    format!("frame {which} offset must not be null"),
                ));
            }
            let zero = Value::Int32(0);
            if value.sql_cmp(&zero)? == Some(Ordering::Less) {
                return Err(Error::new(
                    SqlState::new("22013"),
                    format!("frame {which} offset must not be negative"),
                ));
            }
            Ok(value)
        };
        Ok(match bound {
            FrameBound::UnboundedPreceding => Bound::UnboundedPreceding,
            FrameBound::Preceding(e) => Bound::Preceding(offset(e)?),
            FrameBound::CurrentRow => Bound::CurrentRow,
            FrameBound::Following(e) => Bound::Following(offset(e)?),
            FrameBound::UnboundedFollowing => Bound::UnboundedFollowing,
        })
    };
    Ok((
        evaluate(&call.frame.start, "starting")?,
        evaluate(&call.frame.end, "ending")?,
    ))
}

/// The frame of position `k` as (first, last) positions; empty when first > last (the
/// positions may then lie outside the partition).
fn frame(
    partition: &Partition<'_>,
    k: usize,
    start: &Bound,
    end: &Bound,
    units: &FrameUnits,
) -> Result<(usize, usize)> {
    let m = partition.len();
    let count = |value: &Value| -> usize {
        value
            .as_i64()
            .map_or(usize::MAX, |v| usize::try_from(v).unwrap_or(usize::MAX))
    };
    // Positions are computed in i128 so that "before the first row" is representable.
    let (first, last): (i128, i128) = match units {
        FrameUnits::Rows => {
            let at = |bound: &Bound, is_start: bool| -> i128 {
                match bound {
                    Bound::UnboundedPreceding => 0,
                    Bound::UnboundedFollowing => m as i128 - 1,
                    Bound::CurrentRow => k as i128,
                    Bound::Preceding(v) => k as i128 - count(v) as i128,
                    Bound::Following(v) => k as i128 + count(v) as i128,
                }
                .clamp(if is_start { 0 } else { -1 }, m as i128)
            };
            (at(start, true), at(end, false))
        }
        FrameUnits::Groups => {
            let g = partition.group[k] as i128;
            let groups = partition.groups.len() as i128;
            let at = |bound: &Bound, is_start: bool| -> i128 {
                let group = match bound {
                    Bound::UnboundedPreceding => return 0,
                    Bound::UnboundedFollowing => return m as i128 - 1,
                    Bound::CurrentRow => g,
                    Bound::Preceding(v) => g - count(v) as i128,
                    Bound::Following(v) => g + count(v) as i128,
                };
                if group < 0 {
                    return if is_start { 0 } else { -1 };
                }
                if group >= groups {
                    return if is_start { m as i128 } else { m as i128 - 1 };
                }
                let (first, last) = partition.groups[group as usize];
                if is_start {
                    first as i128
                } else {
                    last as i128
                }
            };
            (at(start, true), at(end, false))
        }
        FrameUnits::Range => (
            range_position(partition, k, start, true)?,
            range_position(partition, k, end, false)?,
        ),
    };
    if first > last || first >= m as i128 || last < 0 {
        return Ok((1, 0));
    }
    Ok((first.max(0) as usize, last.min(m as i128 - 1) as usize))
}

/// A RANGE frame bound for position `k`.
fn range_position(
    partition: &Partition<'_>,
    k: usize,
    bound: &Bound,
    is_start: bool,
) -> Result<i128> {
    let m = partition.len() as i128;
    let offset = match bound {
        Bound::UnboundedPreceding => return Ok(0),
        Bound::UnboundedFollowing => return Ok(m - 1),
        Bound::CurrentRow => {
            return Ok(if is_start {
                partition.peer_start[k] as i128
            } else {
                partition.peer_end[k] as i128
            });
        }
        Bound::Preceding(v) | Bound::Following(v) => v,
    };
    let key = |j: usize| -> &Value { &partition.keys[partition.positions[j]][0] };
    let current = key(k);
    if current.is_null() {
        // A NULL key's frame is its NULL peers.
        return Ok(if is_start {
            partition.peer_start[k] as i128
        } else {
            partition.peer_end[k] as i128
        });
    }
    // The ORDER BY key is sorted; the non-NULL keys form one run.
    let non_null: Vec<usize> = (0..partition.len())
        .filter(|&j| !key(j).is_null())
        .collect();
    let (low, high) = (non_null[0], non_null[non_null.len() - 1]);
    let descending = partition
        .keys
        .first()
        .is_some_and(|_| key(low).sql_cmp(key(high)).ok().flatten() == Some(Ordering::Greater));
    // "Preceding" moves against the sort direction.
    let toward_start = matches!(bound, Bound::Preceding(_));
    let subtract = toward_start != descending;
    let target = if subtract {
        ops::sub(current, offset)
    } else {
        ops::add(current, offset)
    };
    let Ok(target) = target else {
        // Out of the type's range: the bound lies beyond every row.
        return Ok(if subtract != descending {
            if is_start {
                low as i128
            } else {
                low as i128 - 1
            }
        } else if is_start {
            high as i128 + 1
        } else {
            high as i128
        });
    };
    let before = |value: &Value| -> bool {
        let ordering = value
            .sql_cmp(&target)
            .ok()
            .flatten()
            .unwrap_or(Ordering::Equal);
        if descending {
            ordering == Ordering::Greater
        } else {
            ordering == Ordering::Less
        }
    };
    let not_after = |value: &Value| -> bool {
        let ordering = value
            .sql_cmp(&target)
            .ok()
            .flatten()
            .unwrap_or(Ordering::Equal);
        if descending {
            ordering != Ordering::Less
        } else {
            ordering != Ordering::Greater
        }
    };
    let run = &non_null;
    Ok(if is_start {
        // The first row not before the target.
        let skip = run.partition_point(|&j| before(key(j)));
        run.get(skip).map_or(high as i128 + 1, |&j| j as i128)
    } else {
        // The last row not after the target.
        let keep = run.partition_point(|&j| not_after(key(j)));
        if keep == 0 {
            low as i128 - 1
        } else {
            run[keep - 1] as i128
        }
    })
}
