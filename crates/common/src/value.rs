//! Runtime values.

use std::sync::Arc;

use crate::numeric::Numeric;
use crate::types::DataType;

/// One SQL value. Strings are reference-counted so that projecting, sorting and grouping rows
/// copies pointers, not bytes.
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Float64(f64),
    Numeric(Numeric),
    /// `text` and `varchar`.
    Text(Arc<str>),
    /// `timestamp`: microseconds since 2000-01-01 00:00:00, PostgreSQL's epoch.
    Timestamp(i64),
}

/// A row: one value per column.
pub type Row = Vec<Value>;

impl Value {
    /// Whether the value is SQL NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A text value.
    pub fn text(s: &str) -> Value {
        Value::Text(Arc::from(s))
    }

    /// The natural type of the value; `Unknown` for NULL.
    pub fn data_type(&self) -> DataType {
        match self {
            Value::Null => DataType::Unknown,
            Value::Bool(_) => DataType::Bool,
            Value::Int16(_) => DataType::SmallInt,
            Value::Int32(_) => DataType::Int,
            Value::Int64(_) => DataType::BigInt,
            Value::Float64(_) => DataType::Double,
            Value::Numeric(_) => DataType::Numeric(None),
            Value::Text(_) => DataType::Text,
            Value::Timestamp(_) => DataType::Timestamp,
        }
    }
}
