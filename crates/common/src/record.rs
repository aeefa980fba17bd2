//! Composite values (`record`).
//!
//! db001 has no user-defined composite types: a [`Record`] comes from a built-in function
//! that returns `record` (`information_schema._pg_expandarray`), and its [`Composite`] names
//! the shape, so the binder knows the fields of `(expr).field` and `(expr).*` and the wire
//! knows each field's type. Output is PostgreSQL's `record_out` (`(1,"a b",)`: a field is
//! quoted when empty or holding `"`, `\`, `(`, `)`, `,` or white space; NULL is nothing) and
//! `record_send` (field count, then each field's type OID, length and binary form).
//! Records compare field by field with the fields' total order.

use std::cmp::Ordering;

use crate::types::Composite;
use crate::value::Value;

/// A composite value: one value per field of its [`Composite`].
#[derive(Debug, Clone)]
pub struct Record {
    pub composite: Composite,
    pub values: Vec<Value>,
}

impl Record {
    /// Field by field, as `btrecordcmp` over db001's total order.
    pub fn compare(&self, other: &Record) -> Ordering {
        Value::sort_cmp_rows(&self.values, &other.values)
    }
}

/// `record_out`.
pub fn write_record(record: &Record, out: &mut String) {
    out.push('(');
    for (index, value) in record.values.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        if value.is_null() {
            continue;
        }
        let text = value.to_text();
        let quote = text.is_empty()
            || text
                .chars()
                .any(|c| matches!(c, '"' | '\\' | '(' | ')' | ',') || crate::text::is_pg_space(c));
        if !quote {
            out.push_str(&text);
            continue;
        }
        out.push('"');
        for c in text.chars() {
            if c == '"' || c == '\\' {
                out.push(c);
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push(')');
}

/// `record_send`.
pub fn encode_record_binary(record: &Record, out: &mut Vec<u8>) {
    let fields = record.composite.fields();
    out.extend_from_slice(&(record.values.len() as i32).to_be_bytes());
    for (index, value) in record.values.iter().enumerate() {
        let data_type = fields
            .get(index)
            .map_or_else(|| value.data_type(), |(_, data_type)| *data_type);
        out.extend_from_slice(&data_type.oid().to_be_bytes());
        value.encode_binary_field(data_type, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ElementType;

    #[test]
    fn text_and_binary_match_record_out_and_record_send() {
        let record = Record {
            composite: Composite::ExpandArray(ElementType::Text),
            values: vec![Value::text("a b"), Value::Int32(2)],
        };
        let mut text = String::new();
        write_record(&record, &mut text);
        assert_eq!(text, "(\"a b\",2)");
        let with_null = Record {
            composite: Composite::ExpandArray(ElementType::SmallInt),
            values: vec![Value::Null, Value::Int32(1)],
        };
        let mut text = String::new();
        write_record(&with_null, &mut text);
        assert_eq!(text, "(,1)");
        let mut bytes = Vec::new();
        encode_record_binary(&with_null, &mut bytes);
        assert_eq!(
            bytes,
            [
                0, 0, 0, 2, 0, 0, 0, 21, 255, 255, 255, 255, 0, 0, 0, 23, 0, 0, 0, 4, 0, 0, 0, 1
            ]
        );
    }
}
