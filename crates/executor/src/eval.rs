//! Expression evaluation with SQL's three-valued logic.

use std::cmp::Ordering;

use db001_common::value::CastKind;
use db001_common::{Error, Result, Row, Value, ops};
use db001_planner::plan::{BinaryOp, Expr};

use crate::ExecContext;
use crate::functions;

/// What an expression can read besides its input row.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    pub ctx: &'a ExecContext,
    /// The current row of the enclosing nested loop's outer side.
    pub outer: Option<&'a Row>,
}

/// Evaluates `expr` over `row`.
pub fn eval(expr: &Expr, row: &Row, env: Env<'_>) -> Result<Value> {
    match expr {
        Expr::Column(i) => row
            .get(*i)
            .cloned()
            .ok_or_else(|| Error::internal(format!("column {i} out of range"))),
        Expr::OuterColumn(i) => env
            .outer
            .and_then(|outer| outer.get(*i))
            .cloned()
            .ok_or_else(|| Error::internal(format!("outer column {i} out of range"))),
        Expr::Literal(value) => Ok(value.clone()),
        Expr::Parameter(i) => env
            .ctx
            .params
            .get(*i)
            .cloned()
            .ok_or_else(|| Error::internal(format!("parameter ${} not bound", i + 1))),
        Expr::Negate(inner) => ops::neg(&eval(inner, row, env)?),
        Expr::Not(inner) => Ok(match eval(inner, row, env)? {
            Value::Bool(b) => Value::Bool(!b),
            _ => Value::Null,
        }),
        Expr::Binary { op, left, right } => {
            let left = eval(left, row, env)?;
            let right = eval(right, row, env)?;
            binary(*op, &left, &right)
        }
        Expr::And(left, right) => {
            let left = eval(left, row, env)?;
            if matches!(left, Value::Bool(false)) {
                return Ok(Value::Bool(false));
            }
            let right = eval(right, row, env)?;
            Ok(match (left, right) {
                (_, Value::Bool(false)) => Value::Bool(false),
                (Value::Bool(true), Value::Bool(true)) => Value::Bool(true),
                _ => Value::Null,
            })
        }
        Expr::Or(left, right) => {
            let left = eval(left, row, env)?;
            if matches!(left, Value::Bool(true)) {
                return Ok(Value::Bool(true));
            }
            let right = eval(right, row, env)?;
            Ok(match (left, right) {
                (_, Value::Bool(true)) => Value::Bool(true),
                (Value::Bool(false), Value::Bool(false)) => Value::Bool(false),
                _ => Value::Null,
            })
        }
        Expr::IsNull { expr, negated } => {
            Ok(Value::Bool(eval(expr, row, env)?.is_null() != *negated))
        }
        Expr::IsBool {
            expr,
            value,
            negated,
        } => {
            let matches = matches!(eval(expr, row, env)?, Value::Bool(b) if b == *value);
            Ok(Value::Bool(matches != *negated))
        }
        Expr::IsDistinctFrom {
            left,
            right,
            negated,
        } => {
            let left = eval(left, row, env)?;
            let right = eval(right, row, env)?;
            let distinct = match (left.is_null(), right.is_null()) {
                (true, true) => false,
                (true, false) | (false, true) => true,
                (false, false) => left.sql_cmp(&right)? != Some(Ordering::Equal),
            };
            Ok(Value::Bool(distinct != *negated))
        }
        Expr::Cast { expr, to } => eval(expr, row, env)?.cast(*to, CastKind::Explicit),
        Expr::Function { function, args } => {
            let mut values = Vec::with_capacity(args.len());
            for arg in args {
                values.push(eval(arg, row, env)?);
            }
            functions::call(*function, values, env)
        }
        Expr::Case {
            operand,
            when_then,
            else_result,
        } => {
            let operand = operand.as_ref().map(|o| eval(o, row, env)).transpose()?;
            for (when, then) in when_then {
                let when = eval(when, row, env)?;
                let hit = match &operand {
                    Some(operand) => operand.sql_cmp(&when)? == Some(Ordering::Equal),
                    None => matches!(when, Value::Bool(true)),
                };
                if hit {
                    return eval(then, row, env);
                }
            }
            match else_result {
                Some(e) => eval(e, row, env),
                None => Ok(Value::Null),
            }
        }
        Expr::InList {
            expr,
            list,
            negated,
        } => {
            let value = eval(expr, row, env)?;
            if value.is_null() {
                return Ok(Value::Null);
            }
            let mut saw_null = false;
            for item in list {
                let item = eval(item, row, env)?;
                match value.sql_cmp(&item)? {
                    Some(Ordering::Equal) => return Ok(Value::Bool(!negated)),
                    None => saw_null = true,
                    Some(_) => {}
                }
            }
            Ok(if saw_null {
                Value::Null
            } else {
                Value::Bool(*negated)
            })
        }
        Expr::Like {
            expr,
            pattern,
            negated,
            case_insensitive,
        } => {
            let value = eval(expr, row, env)?;
            let pattern = eval(pattern, row, env)?;
            match (value, pattern) {
                (Value::Text(value), Value::Text(pattern)) => {
                    let matched = if *case_insensitive {
                        functions::like(&value.to_lowercase(), &pattern.to_lowercase())?
                    } else {
                        functions::like(&value, &pattern)?
                    };
                    Ok(Value::Bool(matched != *negated))
                }
                _ => Ok(Value::Null),
            }
        }
        Expr::Correlated(i) => env
            .ctx
            .correlated
            .get(*i)
            .cloned()
            .ok_or_else(|| Error::internal(format!("correlated value {i} not bound"))),
        Expr::Subquery(subquery) => crate::subquery::evaluate(subquery, row, env),
    }
}

/// Evaluates a predicate: only TRUE passes (NULL and FALSE do not).
pub fn eval_predicate(expr: &Expr, row: &Row, env: Env<'_>) -> Result<bool> {
    Ok(matches!(eval(expr, row, env)?, Value::Bool(true)))
}

/// Applies a binary operator to two values (comparisons give NULL when either is NULL).
pub fn compare(op: BinaryOp, left: &Value, right: &Value) -> Result<Value> {
    binary(op, left, right)
}

fn binary(op: BinaryOp, left: &Value, right: &Value) -> Result<Value> {
    let compare = |test: fn(Ordering) -> bool| -> Result<Value> {
        Ok(match left.sql_cmp(right)? {
            Some(ordering) => Value::Bool(test(ordering)),
            None => Value::Null,
        })
    };
    match op {
        BinaryOp::Add => ops::add(left, right),
        BinaryOp::Subtract => ops::sub(left, right),
        BinaryOp::Multiply => ops::mul(left, right),
        BinaryOp::Divide => ops::div(left, right),
        BinaryOp::Modulo => ops::rem(left, right),
        BinaryOp::Power => ops::pow(left, right),
        BinaryOp::Concat => ops::concat(left, right),
        BinaryOp::Eq => compare(|o| o == Ordering::Equal),
        BinaryOp::NotEq => compare(|o| o != Ordering::Equal),
        BinaryOp::Lt => compare(|o| o == Ordering::Less),
        BinaryOp::LtEq => compare(|o| o != Ordering::Greater),
        BinaryOp::Gt => compare(|o| o == Ordering::Greater),
        BinaryOp::GtEq => compare(|o| o != Ordering::Less),
    }
}
