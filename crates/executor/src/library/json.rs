//! JSON operators and functions over `db001_common::json`.

use std::sync::Arc;

use db001_common::json::Jsonb;
use db001_common::json::ops::{self, Step};
use db001_common::{Error, Result, Value};
use db001_planner::builtin::JsonFunction;

use super::{Arguments, text_value};

fn document(value: Value) -> Result<Arc<Jsonb>> {
    match value {
        Value::Jsonb(document) => Ok(document),
        other => Err(Error::internal(format!(
            "expected jsonb, got {}",
            other.data_type().sql_name()
        ))),
    }
}

fn json_text(value: Value) -> Result<Arc<str>> {
    match value {
        Value::Json(text) => Ok(text),
        other => Err(Error::internal(format!(
            "expected json, got {}",
            other.data_type().sql_name()
        ))),
    }
}

/// The `->` step of a key (text) or index (integer) argument.
fn step_of(value: &Value) -> Result<Step<'_>> {
    match value {
        Value::Text(key) => Ok(Step::Key(key)),
        other => other
            .as_i64()
            .map(Step::Index)
            .ok_or_else(|| Error::internal("a JSON step must be text or an integer")),
    }
}

/// A path from variadic text arguments or one text array (`#>`); `None` when an element is
/// NULL, which makes the result NULL.
fn path_of(arguments: Vec<Value>) -> Option<Vec<String>> {
    let elements: Vec<Value> = match arguments.as_slice() {
        [Value::Array(array)] => array.values.clone(),
        _ => arguments,
    };
    elements
        .iter()
        .map(|element| element.as_str().map(str::to_string))
        .collect()
}

fn optional_text(text: Option<String>) -> Value {
    text.map_or(Value::Null, text_value)
}

/// Calls a JSON function.
pub(crate) fn call(function: JsonFunction, args: Vec<Value>) -> Result<Value> {
    use JsonFunction as F;
    match function {
        F::JsonBuildObject => return ops::json_build_object(&args),
        F::JsonbBuildObject => return ops::jsonb_build_object(&args),
        F::JsonBuildArray => return Ok(ops::json_array_of(&args)),
        F::JsonbBuildArray => return ops::jsonb_array_of(&args),
        _ => {}
    }
    let mut args = Arguments::new(args);
    Ok(match function {
        F::JsonGet | F::JsonGetText => {
            let text = json_text(args.next()?)?;
            let step = args.next()?;
            let member = ops::json_get(&text, step_of(&step)?)?;
            match (function, member) {
                (_, None) => Value::Null,
                (F::JsonGet, Some(member)) => Value::Json(Arc::from(member)),
                (_, Some(member)) => optional_text(ops::json_text_of(&member)?),
            }
        }
        F::JsonbGet | F::JsonbGetText => {
            let document = document(args.next()?)?;
            let step = args.next()?;
            let member = document.get(step_of(&step)?);
            match (function, member) {
                (_, None) => Value::Null,
                (F::JsonbGet, Some(member)) => Value::Jsonb(Arc::new(member.clone())),
                (_, Some(member)) => optional_text(member.as_text()),
            }
        }
        F::JsonExtractPath | F::JsonExtractPathText => {
            let text = json_text(args.next()?)?;
            let Some(path) = path_of(args.rest()) else {
                return Ok(Value::Null);
            };
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            match (function, ops::json_get_path(&text, &path)?) {
                (_, None) => Value::Null,
                (F::JsonExtractPath, Some(member)) => Value::Json(Arc::from(member)),
                (_, Some(member)) => optional_text(ops::json_text_of(&member)?),
            }
        }
        F::JsonbExtractPath | F::JsonbExtractPathText => {
            let document = document(args.next()?)?;
            let Some(path) = path_of(args.rest()) else {
                return Ok(Value::Null);
            };
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            match (function, document.get_path(&path)) {
                (_, None) => Value::Null,
                (F::JsonbExtractPath, Some(member)) => Value::Jsonb(Arc::new(member.clone())),
                (_, Some(member)) => optional_text(member.as_text()),
            }
        }
        F::JsonbContains => {
            let container = document(args.next()?)?;
            let wanted = document(args.next()?)?;
            Value::Bool(container.contains(&wanted))
        }
        F::JsonbExists => {
            let document = document(args.next()?)?;
            let key = args.text()?;
            Value::Bool(match &*document {
                Jsonb::Object(_) => document.get(Step::Key(&key)).is_some(),
                Jsonb::Array(items) => items
                    .iter()
                    .any(|item| matches!(item, Jsonb::String(s) if **s == *key)),
                Jsonb::String(s) => **s == *key,
                _ => false,
            })
        }
        F::JsonTypeof => text_value(ops::json_type_name(&json_text(args.next()?)?)?.to_string()),
        F::JsonbTypeof => text_value(document(args.next()?)?.type_name().to_string()),
        F::JsonArrayLength => Value::Int32(ops::json_array_length(&json_text(args.next()?)?)?),
        F::JsonbArrayLength => Value::Int32(document(args.next()?)?.array_length()?),
        F::ToJson => ops::value_to_json(&args.next()?),
        F::ToJsonb => Value::Jsonb(Arc::new(ops::value_to_jsonb(&args.next()?)?)),
        F::JsonbStripNulls => Value::Jsonb(Arc::new(strip_nulls(&*document(args.next()?)?))),
        F::JsonbPretty => text_value(pretty(&*document(args.next()?)?)),
        F::JsonBuildObject | F::JsonbBuildObject | F::JsonBuildArray | F::JsonbBuildArray => {
            return Err(Error::internal("handled above"));
        }
    })
}

/// `jsonb_strip_nulls`: object members whose value is null removed, at every level.
fn strip_nulls(document: &Jsonb) -> Jsonb {
    match document {
        Jsonb::Object(pairs) => Jsonb::Object(
            pairs
                .iter()
                .filter(|(_, value)| !matches!(value, Jsonb::Null))
                .map(|(key, value)| (key.clone(), strip_nulls(value)))
                .collect(),
        ),
        Jsonb::Array(items) => Jsonb::Array(items.iter().map(strip_nulls).collect()),
        other => other.clone(),
    }
}

/// `jsonb_pretty`: four-space indentation, one member per line.
fn pretty(document: &Jsonb) -> String {
    fn write(value: &Jsonb, depth: usize, out: &mut String) {
        let indent = |out: &mut String, depth: usize| out.push_str(&"    ".repeat(depth));
        match value {
            Jsonb::Array(items) if !items.is_empty() => {
                out.push_str("[\n");
                for (index, item) in items.iter().enumerate() {
                    indent(out, depth + 1);
                    write(item, depth + 1, out);
                    out.push_str(if index + 1 < items.len() { ",\n" } else { "\n" });
                }
                indent(out, depth);
                out.push(']');
            }
            Jsonb::Object(pairs) if !pairs.is_empty() => {
                out.push_str("{\n");
                for (index, (key, value)) in pairs.iter().enumerate() {
                    indent(out, depth + 1);
                    db001_common::json::write_json_string(key, out);
                    out.push_str(": ");
                    write(value, depth + 1, out);
                    out.push_str(if index + 1 < pairs.len() { ",\n" } else { "\n" });
                }
                indent(out, depth);
                out.push('}');
            }
            other => other.write(out),
        }
    }
    let mut out = String::new();
    write(document, 0, &mut out);
    out
}
