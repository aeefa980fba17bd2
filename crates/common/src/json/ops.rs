//! JSON operators and functions, for `json` (text) and `jsonb` (tree) alike.
//!
//! `json` values are re-parsed on every operation and results are slices of their original
//! text (`'{"a": [1, 2]}'::json -> 'a'` is `[1, 2]` exactly as written), as in PostgreSQL.
//! Lookups in `json` objects with duplicate keys find the last one.
//!
//! Conversions from SQL values (`to_json`, `json_build_object`, `json_agg`) follow
//! PostgreSQL's `datum_to_json`: numbers as numbers (non-finite floats as strings), booleans,
//! strings escaped, dates and timestamps in ISO 8601 with a `T`, arrays as arrays, `json` and
//! `jsonb` embedded, anything else as its text output in a string.

use std::sync::Arc;

use super::{Jsonb, Node, NodeKind, parse_nodes, write_json_string};
use crate::error::{Error, Result, SqlState};
use crate::value::Value;

/// One step of a JSON path: an object key, or an array index (negative from the end).
#[derive(Debug, Clone, Copy)]
pub enum Step<'a> {
    Key(&'a str),
    Index(i64),
}

/// A path element as text, as `#>` gives it: used as a key in objects and, when it reads as an
/// integer, as an index in arrays.
fn resolve_step<'a>(element: &'a str, is_array: bool) -> Option<Step<'a>> {
    if is_array {
        element.trim().parse::<i64>().ok().map(Step::Index)
    } else {
        Some(Step::Key(element))
    }
}

fn index_in(length: usize, index: i64) -> Option<usize> {
    let length = length as i64;
    let position = if index < 0 { length + index } else { index };
    (0..length).contains(&position).then_some(position as usize)
}

impl Jsonb {
    /// `jsonb -> key` / `jsonb -> index`.
    pub fn get(&self, step: Step<'_>) -> Option<&Jsonb> {
        match (self, step) {
            (Jsonb::Object(pairs), Step::Key(key)) => pairs
                .binary_search_by(|(candidate, _)| super::order::key_order(candidate, key))
                .ok()
                .map(|at| &pairs[at].1),
            (Jsonb::Array(items), Step::Index(index)) => {
                index_in(items.len(), index).map(|at| &items[at])
            }
            _ => None,
        }
    }

    /// `jsonb #> path`.
    pub fn get_path(&self, path: &[&str]) -> Option<&Jsonb> {
        let mut current = self;
        for element in path {
            let step = resolve_step(element, matches!(current, Jsonb::Array(_)))?;
            current = current.get(step)?;
        }
        Some(current)
    }

    /// The text `->>` returns: strings unescaped, `null` as SQL NULL, others as JSON text.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Jsonb::Null => None,
            Jsonb::String(s) => Some(s.to_string()),
            other => Some(other.to_text()),
        }
    }

    /// `jsonb_typeof`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Jsonb::Null => "null",
            Jsonb::Bool(_) => "boolean",
            Jsonb::Number(_) => "number",
            Jsonb::String(_) => "string",
            Jsonb::Array(_) => "array",
            Jsonb::Object(_) => "object",
        }
    }

    /// `jsonb_array_length`: 22023 for objects and scalars.
    pub fn array_length(&self) -> Result<i32> {
        match self {
            Jsonb::Array(items) => Ok(items.len() as i32),
            Jsonb::Object(_) => Err(Error::new(
                SqlState::INVALID_PARAMETER_VALUE,
                "cannot get array length of a non-array",
            )),
            _ => Err(Error::new(
                SqlState::INVALID_PARAMETER_VALUE,
                "cannot get array length of a scalar",
            )),
        }
    }

    /// `jsonb @> jsonb` (PostgreSQL's `JsonbDeepContains`, with the top-level rule that an
    /// array contains a scalar that is one of its elements).
    pub fn contains(&self, other: &Jsonb) -> bool {
        match (self, other) {
            (Jsonb::Array(items), scalar) if !is_container(scalar) => {
                items.iter().any(|item| item.compare(scalar).is_eq())
            }
            _ => deep_contains(self, other),
        }
    }
}

fn is_container(value: &Jsonb) -> bool {
    matches!(value, Jsonb::Array(_) | Jsonb::Object(_))
}

/// Containment of one value in another at the same nesting level: containers of the same kind
/// recurse, scalars must be equal, anything else does not match.
fn element_contains(container: &Jsonb, wanted: &Jsonb) -> bool {
    match (container, wanted) {
        (Jsonb::Array(_), Jsonb::Array(_)) | (Jsonb::Object(_), Jsonb::Object(_)) => {
            deep_contains(container, wanted)
        }
        _ if is_container(container) || is_container(wanted) => false,
        _ => container.compare(wanted).is_eq(),
    }
}

fn deep_contains(container: &Jsonb, wanted: &Jsonb) -> bool {
    match (container, wanted) {
        (Jsonb::Object(_), Jsonb::Object(wanted_pairs)) => {
            wanted_pairs.iter().all(|(key, wanted_value)| {
                container
                    .get(Step::Key(key))
                    .is_some_and(|value| element_contains(value, wanted_value))
            })
        }
        (Jsonb::Array(items), Jsonb::Array(wanted_items)) => wanted_items
            .iter()
            .all(|wanted| items.iter().any(|item| element_contains(item, wanted))),
        _ => element_contains(container, wanted),
    }
}

/// A `json` value's node for a path, with the original text.
fn json_node_at<'a>(node: &'a Node, steps: &[Step<'_>]) -> Option<&'a Node> {
    let mut current = node;
    for step in steps {
        current = match (&current.kind, step) {
            (NodeKind::Object(pairs), Step::Key(key)) => pairs
                .iter()
                .rev()
                .find(|(candidate, _)| candidate == key)
                .map(|(_, value)| value)?,
            (NodeKind::Array(items), Step::Index(index)) => {
                index_in(items.len(), *index).map(|at| &items[at])?
            }
            _ => return None,
        };
    }
    Some(current)
}

/// `json -> step`: the member's original text, or `None` (SQL NULL).
pub fn json_get(text: &str, step: Step<'_>) -> Result<Option<String>> {
    let root = parse_nodes(text, false)?;
    Ok(json_node_at(&root, &[step]).map(|node| text[node.start..node.end].to_string()))
}

/// `json #> path`.
pub fn json_get_path(text: &str, path: &[&str]) -> Result<Option<String>> {
    let root = parse_nodes(text, false)?;
    let mut current = &root;
    for element in path {
        let Some(step) = resolve_step(element, matches!(current.kind, NodeKind::Array(_))) else {
            return Ok(None);
        };
        match json_node_at(current, &[step]) {
            Some(next) => current = next,
            None => return Ok(None),
        }
    }
    Ok(Some(text[current.start..current.end].to_string()))
}

/// `json ->> step` / `json #>> path` on a member's text: strings unescaped, `null` NULL.
pub fn json_text_of(member: &str) -> Result<Option<String>> {
    let node = parse_nodes(member, false)?;
    Ok(match node.kind {
        NodeKind::Null => None,
        NodeKind::String(s) => Some(s),
        _ => Some(member.to_string()),
    })
}

/// `json_typeof`.
pub fn json_type_name(text: &str) -> Result<&'static str> {
    Ok(match parse_nodes(text, false)?.kind {
        NodeKind::Null => "null",
        NodeKind::Bool(_) => "boolean",
        NodeKind::Number => "number",
        NodeKind::String(_) => "string",
        NodeKind::Array(_) => "array",
        NodeKind::Object(_) => "object",
    })
}

/// `json_array_length`.
pub fn json_array_length(text: &str) -> Result<i32> {
    match parse_nodes(text, false)?.kind {
        NodeKind::Array(items) => Ok(items.len() as i32),
        NodeKind::Object(_) => Err(Error::new(
            SqlState::INVALID_PARAMETER_VALUE,
            "cannot get array length of a non-array",
        )),
        _ => Err(Error::new(
            SqlState::INVALID_PARAMETER_VALUE,
            "cannot get array length of a scalar",
        )),
    }
}

/// ISO 8601 (`XSD`) text of a timestamp: the output with `T` between date and time.
fn xsd_timestamp(value: &Value) -> String {
    let text = value.to_text();
    match value {
        Value::Timestamp(t) | Value::TimestampTz(t) if *t != i64::MAX && *t != i64::MIN => {
            let mut text = text.replacen(' ', "T", 1);
            if let Value::TimestampTz(_) = value {
                // `+00` becomes `+00:00`.
                if let Some(at) = text.find("+00") {
                    text.replace_range(at..at + 3, "+00:00");
                }
            }
            text
        }
        _ => text,
    }
}

/// Appends `value` as `json` text (`datum_to_json`); `compact` arrays have no spaces, as
/// `to_json` prints them.
pub fn write_value_as_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int16(_) | Value::Int32(_) | Value::Int64(_) | Value::Numeric(_) => {
            value.write_text(out)
        }
        Value::Float32(_) | Value::Float64(_) => {
            let text = value.to_text();
            if text
                .bytes()
                .all(|b| b.is_ascii_digit() || b"-+.e".contains(&b))
            {
                out.push_str(&text);
            } else {
                write_json_string(&text, out);
            }
        }
        Value::Json(text) => out.push_str(text),
        Value::Jsonb(document) => document.write(out),
        Value::Timestamp(_) | Value::TimestampTz(_) => {
            write_json_string(&xsd_timestamp(value), out)
        }
        Value::Array(array) => {
            out.push('[');
            for (index, element) in array.values.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_value_as_json(element, out);
            }
            out.push(']');
        }
        other => write_json_string(&other.to_text(), out),
    }
}

/// `to_jsonb`: a SQL value as a `jsonb` document.
pub fn value_to_jsonb(value: &Value) -> Result<Jsonb> {
    Ok(match value {
        Value::Null => Jsonb::Null,
        Value::Bool(b) => Jsonb::Bool(*b),
        Value::Int16(_) | Value::Int32(_) | Value::Int64(_) | Value::Numeric(_) => {
            Jsonb::Number(value.to_text().into())
        }
        Value::Float32(_) | Value::Float64(_) => {
            let text = value.to_text();
            if text
                .bytes()
                .all(|b| b.is_ascii_digit() || b"-+.e".contains(&b))
            {
                Jsonb::Number(super::number::canonical(&text)?.into())
            } else {
                Jsonb::String(text.into())
            }
        }
        Value::Json(text) => Jsonb::parse(text)?,
        Value::Jsonb(document) => (**document).clone(),
        Value::Timestamp(_) | Value::TimestampTz(_) => Jsonb::String(xsd_timestamp(value).into()),
        Value::Array(array) => Jsonb::Array(
            array
                .values
                .iter()
                .map(value_to_jsonb)
                .collect::<Result<_>>()?,
        ),
        other => Jsonb::String(other.to_text().into()),
    })
}

/// `to_json`.
pub fn value_to_json(value: &Value) -> Value {
    let mut out = String::new();
    write_value_as_json(value, &mut out);
    Value::Json(Arc::from(out))
}

fn key_text(key: &Value, position: usize) -> Result<String> {
    if key.is_null() {
        return Err(Error::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("argument {position}: key must not be null"),
        ));
    }
    Ok(match key {
        Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        other => other.to_text(),
    })
}

fn check_even(arguments: &[Value], function: &str) -> Result<()> {
    if !arguments.len().is_multiple_of(2) {
        return Err(Error::new(
            SqlState::INVALID_PARAMETER_VALUE,
            "argument list must have even number of elements",
        )
        .with_hint(format!(
            "The arguments of {function}() must consist of alternating keys and values."
        )));
    }
    Ok(())
}

/// `json_build_object(k1, v1, ...)`: `{"k1" : v1, "k2" : v2}`.
pub fn json_build_object(arguments: &[Value]) -> Result<Value> {
    check_even(arguments, "json_build_object")?;
    let mut out = String::from("{");
    for (index, pair) in arguments.chunks(2).enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        write_json_string(&key_text(&pair[0], index * 2 + 1)?, &mut out);
        out.push_str(" : ");
        write_value_as_json(&pair[1], &mut out);
    }
    out.push('}');
    Ok(Value::Json(Arc::from(out)))
}

/// `jsonb_build_object(k1, v1, ...)`.
pub fn jsonb_build_object(arguments: &[Value]) -> Result<Value> {
    check_even(arguments, "jsonb_build_object")?;
    let mut pairs = Vec::with_capacity(arguments.len() / 2);
    for (index, pair) in arguments.chunks(2).enumerate() {
        pairs.push((
            key_text(&pair[0], index * 2 + 1)?.into_boxed_str(),
            value_to_jsonb(&pair[1])?,
        ));
    }
    Ok(Value::Jsonb(Arc::new(Jsonb::object(pairs))))
}

/// `json_build_array(...)` / `json_agg` output: `[a, b, c]`.
pub fn json_array_of(values: &[Value]) -> Value {
    let mut out = String::from("[");
    for (index, value) in values.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        write_value_as_json(value, &mut out);
    }
    out.push(']');
    Value::Json(Arc::from(out))
}

/// `jsonb_build_array(...)` / `jsonb_agg` output.
pub fn jsonb_array_of(values: &[Value]) -> Result<Value> {
    Ok(Value::Jsonb(Arc::new(Jsonb::Array(
        values.iter().map(value_to_jsonb).collect::<Result<_>>()?,
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Jsonb {
        Jsonb::parse(text).expect(text)
    }

    #[test]
    fn operators_match_postgres() {
        assert_eq!(
            doc(r#"{"a":1}"#)
                .get(Step::Key("a"))
                .map(Jsonb::to_text)
                .as_deref(),
            Some("1")
        );
        assert_eq!(
            doc("[1,2,3]")
                .get(Step::Index(-1))
                .map(Jsonb::to_text)
                .as_deref(),
            Some("3")
        );
        assert!(doc("[1,2,3]").get(Step::Index(5)).is_none());
        assert_eq!(
            doc(r#"{"a":{"b":[1,"x"]}}"#)
                .get_path(&["a", "b", "1"])
                .and_then(Jsonb::as_text)
                .as_deref(),
            Some("x")
        );
        assert_eq!(
            json_get(r#"{"a":1,"a":2}"#, Step::Key("a"))
                .expect("valid")
                .as_deref(),
            Some("2")
        );
        assert_eq!(
            json_get(r#"{"a": [1, 2]}"#, Step::Key("a"))
                .expect("valid")
                .as_deref(),
            Some("[1, 2]")
        );
        let contains = |a: &str, b: &str| doc(a).contains(&doc(b));
        assert!(contains(r#"{"a":{"b":1}}"#, r#"{"a":{}}"#));
        assert!(contains(r#"{"a":[1,2]}"#, r#"{"a":[2]}"#));
        assert!(!contains("[[1,2]]", "[1]"));
        assert!(!contains(r#"{"a":[1]}"#, r#"{"a":1}"#));
        assert!(!contains("1", "[1]"));
        assert!(contains("[1,[2]]", "[[2]]"));
        assert!(contains("[1,2]", "1"));
        assert!(contains(r#"[{"a":1,"b":2}]"#, r#"[{"a":1}]"#));
    }

    #[test]
    fn builders_match_postgres() {
        let built = json_build_object(&[
            Value::text("a"),
            Value::Int32(1),
            Value::text("b"),
            Value::text("2"),
        ])
        .expect("even");
        assert_eq!(built.to_text(), r#"{"a" : 1, "b" : "2"}"#);
        let built = jsonb_build_object(&[
            Value::Int32(1),
            Value::Int32(2),
            Value::Bool(true),
            Value::Int32(3),
        ])
        .expect("even");
        assert_eq!(built.to_text(), r#"{"1": 2, "true": 3}"#);
        assert!(jsonb_build_object(&[Value::Null, Value::Int32(2)]).is_err());
        assert!(json_build_object(&[Value::text("a")]).is_err());
        assert_eq!(
            json_array_of(&[Value::Int32(1), Value::text("a"), Value::Null]).to_text(),
            r#"[1, "a", null]"#
        );
        assert_eq!(
            value_to_json(&Value::Float64(f64::NAN)).to_text(),
            "\"NaN\""
        );
    }
}
