//! System relations as tables: their definitions (generated from PostgreSQL 15), rows built
//! by column name, and materialisation into a frozen [`Table`] the planner can scan.

use std::collections::HashMap;
use std::sync::Arc;

use db001_catalog::{ColumnSchema, TableSchema};
use db001_common::{CastKind, DataType, Result, Value, row_codec};
use db001_planner::plan::TableRef;
use db001_storage::Table;

/// db001's types for PostgreSQL's catalog column types (see `db001_planner::system`).
pub(super) mod types {
    use db001_common::{DataType, ElementType};

    pub(in crate::system) const BOOL: DataType = DataType::Bool;
    pub(in crate::system) const SMALLINT: DataType = DataType::SmallInt;
    pub(in crate::system) const INT: DataType = DataType::Int;
    pub(in crate::system) const BIGINT: DataType = DataType::BigInt;
    pub(in crate::system) const REAL: DataType = DataType::Real;
    pub(in crate::system) const TEXT: DataType = DataType::Text;
    pub(in crate::system) const BYTEA: DataType = DataType::Bytea;
    pub(in crate::system) const TIMESTAMPTZ: DataType = DataType::TimestampTz;
    pub(in crate::system) const TEXT_ARRAY: DataType = DataType::Array(ElementType::Text);
    pub(in crate::system) const OID: DataType = DataType::Oid;
    pub(in crate::system) const OID_ARRAY: DataType = DataType::Array(ElementType::Oid);
    pub(in crate::system) const SMALLINT_ARRAY: DataType = DataType::Array(ElementType::SmallInt);
    pub(in crate::system) const INT2VECTOR: DataType = DataType::Int2Vector;
    pub(in crate::system) const OIDVECTOR: DataType = DataType::OidVector;
}

/// One column of a system relation.
#[derive(Debug, Clone, Copy)]
pub(super) struct Column {
    pub(super) name: &'static str,
    pub(super) data_type: DataType,
    /// PostgreSQL declares it NOT NULL: rows that do not set it get the type's zero value
    /// (`0`, `false`, `''`, an empty array) rather than NULL.
    pub(super) not_null: bool,
}

/// Shorthand for the generated tables.
pub(super) const fn c(name: &'static str, data_type: DataType, not_null: bool) -> Column {
    Column {
        name,
        data_type,
        not_null,
    }
}

/// A system relation as PostgreSQL 15 defines it.
#[derive(Debug)]
pub(super) struct RelationDef {
    pub(super) schema: &'static str,
    pub(super) name: &'static str,
    /// PostgreSQL's OID for it (also db001's: system OIDs are below 16384).
    pub(super) oid: u32,
    /// `r` (table) or `v` (view).
    pub(super) kind: char,
    pub(super) columns: &'static [Column],
}

/// A `pg_type` row: oid, name, len, byval, type, category, preferred, delimiter, subscript,
/// elem, array, the seven support functions, align, storage, collation.
#[derive(Debug)]
pub(super) struct TypeRow(
    pub(super) u32,
    pub(super) &'static str,
    pub(super) i16,
    pub(super) bool,
    pub(super) char,
    pub(super) char,
    pub(super) bool,
    pub(super) char,
    pub(super) &'static str,
    pub(super) u32,
    pub(super) u32,
    pub(super) [&'static str; 7],
    pub(super) char,
    pub(super) char,
    pub(super) u32,
);

/// A `pg_proc` row: oid, name, kind, returns a set, result type, argument types,
/// volatility, strict.
#[derive(Debug)]
pub(super) struct ProcRow(
    pub(super) u32,
    pub(super) &'static str,
    pub(super) char,
    pub(super) bool,
    pub(super) u32,
    pub(super) &'static [u32],
    pub(super) char,
    pub(super) bool,
);

/// Rows of one relation, filled by column name.
#[derive(Debug)]
pub(super) struct Rows {
    def: &'static RelationDef,
    positions: HashMap<&'static str, usize>,
    rows: Vec<Vec<Value>>,
}

impl Rows {
    pub(super) fn new(def: &'static RelationDef) -> Rows {
        let positions = def
            .columns
            .iter()
            .enumerate()
            .map(|(index, column)| (column.name, index))
            .collect();
        Rows {
            def,
            positions,
            rows: Vec::new(),
        }
    }

    /// Starts a row with every column at its default (see [`Column::not_null`]).
    pub(super) fn row(&mut self) -> Row<'_> {
        let values = self.def.columns.iter().map(default_value).collect();
        self.rows.push(values);
        let index = self.rows.len() - 1;
        Row {
            positions: &self.positions,
            values: &mut self.rows[index],
        }
    }

    /// The relation as a table of frozen rows, visible to every snapshot.
    pub(super) fn into_table(self) -> Result<TableRef> {
        let schema = TableSchema {
            id: self.def.oid,
            name: self.def.name.to_string(),
            schema_name: self.def.schema.to_string(),
            columns: self
                .def
                .columns
                .iter()
                .map(|column| ColumnSchema {
                    name: column.name.to_string(),
                    data_type: column.data_type,
                    nullable: !column.not_null,
                    default: None,
                    identity: None,
                })
                .collect(),
            indexes: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
        };
        let storage = Table::new(self.def.oid, Vec::new());
        let mut buffer = Vec::new();
        for (row_id, row) in self.rows.into_iter().enumerate() {
            let row = row
                .into_iter()
                .zip(self.def.columns)
                .map(|(value, column)| conform(value, column.data_type))
                .collect::<Result<Vec<Value>>>()?;
            buffer.clear();
            row_codec::encode_row(&row, &mut buffer);
            // Committed "at the beginning of time": every snapshot sees these rows.
            storage.replay_insert(row_id as u64, Arc::from(buffer.as_slice()), FROZEN_TS)?;
        }
        Ok(TableRef {
            schema: Arc::new(schema),
            storage,
            rules: None,
        })
    }
}

/// The commit timestamp of system rows: below every snapshot's read timestamp.
const FROZEN_TS: u64 = 1;

/// One row being filled.
#[derive(Debug)]
pub(super) struct Row<'a> {
    positions: &'a HashMap<&'static str, usize>,
    values: &'a mut Vec<Value>,
}

impl Row<'_> {
    /// Sets a column. Names come from this crate's code, so a wrong one is a bug: the tests
    /// that build every relation catch it (debug builds assert); a release build leaves the
    /// column at its default rather than failing the client's query.
    pub(super) fn set(&mut self, column: &str, value: impl Into<Value>) -> &mut Self {
        match self.positions.get(column) {
            Some(&position) => self.values[position] = value.into(),
            None => debug_assert!(false, "system relation has no column {column}"),
        }
        self
    }

    pub(super) fn text(&mut self, column: &str, value: &str) -> &mut Self {
        self.set(column, Value::text(value))
    }

    pub(super) fn oid(&mut self, column: &str, value: u32) -> &mut Self {
        self.set(column, Value::Oid(value))
    }

    pub(super) fn char(&mut self, column: &str, value: char) -> &mut Self {
        let mut buffer = [0u8; 4];
        self.set(column, Value::text(value.encode_utf8(&mut buffer)))
    }
}

fn default_value(column: &Column) -> Value {
    if !column.not_null {
        return Value::Null;
    }
    match column.data_type {
        DataType::Bool => Value::Bool(false),
        DataType::SmallInt => Value::Int16(0),
        DataType::Int => Value::Int32(0),
        DataType::BigInt => Value::Int64(0),
        DataType::Real => Value::Float32(0.0),
        DataType::Double => Value::Float64(0.0),
        DataType::Text => Value::text(""),
        DataType::Oid => Value::Oid(0),
        DataType::Array(element) => {
            db001_common::array::Array::new(element, Vec::new()).into_value()
        }
        DataType::Int2Vector | DataType::OidVector => {
            let element = column
                .data_type
                .array_element()
                .expect("vectors have an element type");
            db001_common::array::Array::vector(element, Vec::new()).into_value()
        }
        _ => Value::Null,
    }
}

/// A value built by the row code, as the column's type holds it: integers set into `oid`
/// columns become oids, integer arrays set into `int2vector` / `oidvector` / `oid[]`
/// columns become those. Other values are already of their column's type.
fn conform(value: Value, data_type: DataType) -> Result<Value> {
    if value.is_null() || value.data_type() == data_type.without_modifier() {
        return Ok(value);
    }
    match (&value, data_type) {
        (Value::Array(array), DataType::Int2Vector | DataType::OidVector) => {
            let element = data_type
                .array_element()
                .expect("vectors have an element type");
            let values = array
                .values
                .iter()
                .map(|item| item.cast(element.data_type(), CastKind::Explicit))
                .collect::<Result<Vec<Value>>>()?;
            Ok(db001_common::array::Array::vector(element, values).into_value())
        }
        (Value::Int16(_) | Value::Int32(_) | Value::Int64(_) | Value::Array(_), _) => {
            value.cast(data_type, CastKind::Explicit)
        }
        _ => Ok(value),
    }
}
