//! The function library: the executor's half of [`db001_planner::builtin`].
//!
//! The binder has already chosen each call's overload and cast the arguments to its parameter
//! types, so the functions here read their arguments by position with the [`Arguments`]
//! helpers and never guess types. Strict functions (most of them) never see a NULL: [`call`]
//! returns NULL first, as PostgreSQL does for `STRICT` functions.
//!
//! | module | functions |
//! | --- | --- |
//! | `string` | length, substring, trim, pad, split_part, format, md5, encode, ... |
//! | `math` | mod, power, sqrt, exp, ln, log, sign, div, gcd, lcm, to_char(number) |
//! | `datetime` | now, extract, date_part, date_trunc, age, to_char, to_timestamp, make_* |
//! | `json` | `->`, `->>`, `#>`, `@>`, jsonb_typeof, builders, to_json |
//! | `array` | `ARRAY[...]`, `ANY/ALL`, subscripts, array_length, array_to_string, ... |

mod array;
mod datetime;
mod json;
mod math;
mod number_format;
mod regex;
mod string;

use std::sync::Arc;

use db001_common::{Error, Numeric, Result, Value};
use db001_planner::builtin::Builtin;

use crate::eval::Env;

pub(crate) use string::{lower, upper};

/// Calls a library function on evaluated arguments.
pub fn call(builtin: Builtin, args: Vec<Value>, env: Env<'_>) -> Result<Value> {
    if builtin.is_strict() && args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    match builtin {
        Builtin::String(function) => string::call(function, args),
        Builtin::Math(function) => math::call(function, args),
        Builtin::DateTime(function) => datetime::call(function, args, env),
        Builtin::Json(function) => json::call(function, args),
        Builtin::Array(function) => array::call(function, args),
        Builtin::RegexMatch {
            case_insensitive,
            negated,
        } => regex::call(&args, case_insensitive, negated),
        Builtin::System(function) => match &env.ctx.session.system {
            Some(system) => system.call(function, &args),
            None => Err(Error::feature_not_supported(
                "system functions are not available here",
            )),
        },
        Builtin::Sequence(function) => crate::sequences::call(function, args, env),
        Builtin::Field { index } => match args.into_iter().next() {
            Some(Value::Record(record)) => {
                Ok(record.values.get(index).cloned().unwrap_or(Value::Null))
            }
            _ => Err(Error::internal(
                "a field selection of a value that is not a record",
            )),
        },
        Builtin::GenRandomUuid => {
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes).map_err(|error| {
                Error::internal(format!("could not generate random values: {error}"))
            })?;
            Ok(Value::Uuid(db001_common::uuid::random_uuid(
                u128::from_be_bytes(bytes),
            )))
        }
    }
}

/// A text value.
pub(crate) fn text_value(text: String) -> Value {
    Value::Text(Arc::from(text))
}

/// Positional access to a call's arguments.
pub(crate) struct Arguments {
    values: std::vec::IntoIter<Value>,
}

fn missing() -> Error {
    Error::internal("a library function got fewer arguments than its signature has")
}

fn wrong(expected: &str, value: &Value) -> Error {
    Error::internal(format!(
        "a library function expected {expected}, got a value of type {}",
        value.data_type().sql_name()
    ))
}

impl Arguments {
    pub(crate) fn new(values: Vec<Value>) -> Arguments {
        Arguments {
            values: values.into_iter(),
        }
    }

    pub(crate) fn next(&mut self) -> Result<Value> {
        self.values.next().ok_or_else(missing)
    }

    /// The remaining arguments.
    pub(crate) fn rest(self) -> Vec<Value> {
        self.values.collect()
    }

    pub(crate) fn text(&mut self) -> Result<String> {
        match self.next()? {
            Value::Text(s) | Value::Bpchar(s) => Ok(s.to_string()),
            other => Err(wrong("text", &other)),
        }
    }

    pub(crate) fn optional_text(&mut self) -> Result<Option<String>> {
        match self.values.next() {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Text(s) | Value::Bpchar(s)) => Ok(Some(s.to_string())),
            Some(other) => Err(wrong("text", &other)),
        }
    }

    pub(crate) fn bytes(&mut self) -> Result<Arc<[u8]>> {
        match self.next()? {
            Value::Bytea(bytes) => Ok(bytes),
            other => Err(wrong("bytea", &other)),
        }
    }

    pub(crate) fn int(&mut self) -> Result<i32> {
        match self.next()? {
            Value::Int32(v) => Ok(v),
            Value::Int16(v) => Ok(i32::from(v)),
            other => Err(wrong("integer", &other)),
        }
    }

    pub(crate) fn optional_int(&mut self) -> Result<Option<i32>> {
        match self.values.next() {
            None => Ok(None),
            Some(Value::Int32(v)) => Ok(Some(v)),
            Some(Value::Int16(v)) => Ok(Some(i32::from(v))),
            Some(other) => Err(wrong("integer", &other)),
        }
    }

    pub(crate) fn double(&mut self) -> Result<f64> {
        match self.next()? {
            Value::Float64(v) => Ok(v),
            Value::Float32(v) => Ok(f64::from(v)),
            other => other
                .as_i64()
                .map(|v| v as f64)
                .ok_or_else(|| wrong("double precision", &other)),
        }
    }

    pub(crate) fn numeric(&mut self) -> Result<Numeric> {
        match self.next()? {
            Value::Numeric(n) => Ok(n),
            other => other
                .as_i64()
                .map(Numeric::from_i64)
                .ok_or_else(|| wrong("numeric", &other)),
        }
    }
}
