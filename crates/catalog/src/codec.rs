//! The byte layout of a table schema, as the WAL stores it in CREATE TABLE, ALTER TABLE and
//! CREATE INDEX records and checkpoints store it in table blocks. Our own, versioned format (no
//! serde encoding of Rust structs):
//!
//! ```text
//! table    := version:u8(=2) id:u32 name:str schema:str ncolumns:u16 column* nindexes:u16 index*
//!             nchecks:u16 check* nforeign:u16 foreign*
//! column   := name:str type nullable:u8 has_default:u8 [default:str] identity:u8
//!             (identity: 0 none, 1 ALWAYS, 2 BY DEFAULT)
//! type     := tag:u8 [params]    1 bool  2 int2  3 int4  4 int8  5 float8  7 text  9 timestamp
//!                                6 numeric has:u8 [precision:u16 scale:u16]
//!                                8 varchar has:u8 [length:u32]
//!                                10 float4  11 bpchar has:u8 [length:u32]  12 bytea  13 date
//!                                14 time  15 timestamptz  16 interval  17 uuid  18 json  19 jsonb
//!                                20 array element:type (a scalar type, no nested array)
//! index    := id:u32 name:str ncolumns:u16 column:u16* unique:u8 primary:u8 constraint:u8
//! check    := name:str expr:str
//! foreign  := name:str ncolumns:u16 column:u16* referenced-table:u32 nreferenced:u16
//!             column:u16* on-delete:u8 on-update:u8      (actions: ReferentialAction::code)
//! str      := length:u32 bytes (UTF-8)
//! ```
//!
//! Version 1 (before constraints) had no identity byte, no constraint byte and no checks or
//! foreign keys; it still decodes. A standalone index (the CREATE INDEX log record) is encoded
//! without a version and without the constraint byte, as version 1 wrote it: CREATE INDEX never
//! makes a constraint's index.
//!
//! All integers little-endian. Decoding never panics: malformed input is `XX001`.

use db001_common::{DataType, ElementType, Error, NumericTypmod, Result, SqlState};

use crate::objects::{CheckConstraint, ForeignKey, Identity, ReferentialAction};
use crate::{ColumnSchema, IndexSchema, TableSchema};

const FORMAT_VERSION: u8 = 2;
const FIRST_FORMAT_VERSION: u8 = 1;

/// Appends the encoding of a table schema.
pub fn encode_table(table: &TableSchema, out: &mut Vec<u8>) {
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&table.id.to_le_bytes());
    put_str(out, &table.name);
    put_str(out, &table.schema_name);
    out.extend_from_slice(&(table.columns.len() as u16).to_le_bytes());
    for column in &table.columns {
        put_str(out, &column.name);
        encode_type(column.data_type, out);
        out.push(column.nullable as u8);
        match &column.default {
            Some(default) => {
                out.push(1);
                put_str(out, default);
            }
            None => out.push(0),
        }
        out.push(match column.identity {
            None => 0,
            Some(Identity::Always) => 1,
            Some(Identity::ByDefault) => 2,
        });
    }
    out.extend_from_slice(&(table.indexes.len() as u16).to_le_bytes());
    for index in &table.indexes {
        encode_index(index, out);
        out.push(index.constraint as u8);
    }
    out.extend_from_slice(&(table.checks.len() as u16).to_le_bytes());
    for check in &table.checks {
        put_str(out, &check.name);
        put_str(out, &check.expr);
    }
    out.extend_from_slice(&(table.foreign_keys.len() as u16).to_le_bytes());
    for foreign in &table.foreign_keys {
        put_str(out, &foreign.name);
        put_positions(out, &foreign.columns);
        out.extend_from_slice(&foreign.referenced_table.to_le_bytes());
        put_positions(out, &foreign.referenced_columns);
        out.push(foreign.on_delete.code());
        out.push(foreign.on_update.code());
    }
}

fn put_positions(out: &mut Vec<u8>, positions: &[usize]) {
    out.extend_from_slice(&(positions.len() as u16).to_le_bytes());
    for &position in positions {
        out.extend_from_slice(&(position as u16).to_le_bytes());
    }
}

/// Appends the encoding of one index (without the constraint byte; see the module docs).
pub fn encode_index(index: &IndexSchema, out: &mut Vec<u8>) {
    out.extend_from_slice(&index.id.to_le_bytes());
    put_str(out, &index.name);
    out.extend_from_slice(&(index.columns.len() as u16).to_le_bytes());
    for &column in &index.columns {
        out.extend_from_slice(&(column as u16).to_le_bytes());
    }
    out.push(index.unique as u8);
    out.push(index.primary as u8);
}

/// Decodes a table schema (format version 1 or 2).
pub fn decode_table(bytes: &[u8]) -> Result<TableSchema> {
    let mut reader = Reader { bytes, at: 0 };
    let version = reader.u8()?;
    if version != FORMAT_VERSION && version != FIRST_FORMAT_VERSION {
        return Err(corrupt(&format!(
            "unknown table schema format version {version}"
        )));
    }
    let current = version == FORMAT_VERSION;
    let id = reader.u32()?;
    let name = reader.string()?;
    let schema_name = reader.string()?;
    let column_count = reader.u16()?;
    let mut columns = Vec::with_capacity(column_count as usize);
    for _ in 0..column_count {
        let name = reader.string()?;
        let data_type = decode_type(&mut reader)?;
        let nullable = reader.u8()? != 0;
        let default = if reader.u8()? != 0 {
            Some(reader.string()?)
        } else {
            None
        };
        let identity = if current {
            match reader.u8()? {
                0 => None,
                1 => Some(Identity::Always),
                2 => Some(Identity::ByDefault),
                other => return Err(corrupt(&format!("unknown identity kind {other}"))),
            }
        } else {
            None
        };
        columns.push(ColumnSchema {
            name,
            data_type,
            nullable,
            default,
            identity,
        });
    }
    let index_count = reader.u16()?;
    let mut indexes = Vec::with_capacity(index_count as usize);
    for _ in 0..index_count {
        let mut index = decode_index_from(&mut reader, columns.len())?;
        if current {
            index.constraint = reader.u8()? != 0;
        } else {
            // Version 1 made indexes only for PRIMARY KEY and UNIQUE in CREATE TABLE, and
            // by CREATE INDEX; only the primary key can be told apart.
            index.constraint = index.primary;
        }
        indexes.push(index);
    }
    let mut checks = Vec::new();
    let mut foreign_keys = Vec::new();
    if current {
        for _ in 0..reader.u16()? {
            let name = reader.string()?;
            let expr = reader.string()?;
            checks.push(CheckConstraint { name, expr });
        }
        for _ in 0..reader.u16()? {
            let name = reader.string()?;
            let own = reader.positions(columns.len())?;
            let referenced_table = reader.u32()?;
            let referenced_columns = reader.positions(usize::from(u16::MAX))?;
            let action = |code: u8| {
                ReferentialAction::from_code(code)
                    .ok_or_else(|| corrupt(&format!("unknown referential action {code}")))
            };
            let on_delete = action(reader.u8()?)?;
            let on_update = action(reader.u8()?)?;
            foreign_keys.push(ForeignKey {
                name,
                columns: own,
                referenced_table,
                referenced_columns,
                on_delete,
                on_update,
            });
        }
    }
    if reader.at != bytes.len() {
        return Err(corrupt("trailing bytes"));
    }
    Ok(TableSchema {
        id,
        name,
        schema_name,
        columns,
        indexes,
        checks,
        foreign_keys,
    })
}

/// Decodes one index of a table with `column_count` columns.
pub fn decode_index(bytes: &[u8], column_count: usize) -> Result<IndexSchema> {
    decode_index_from(&mut Reader { bytes, at: 0 }, column_count)
}

fn decode_index_from(reader: &mut Reader<'_>, column_count: usize) -> Result<IndexSchema> {
    let id = reader.u32()?;
    let name = reader.string()?;
    let count = reader.u16()?;
    let mut columns = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let column = reader.u16()? as usize;
        if column >= column_count {
            return Err(corrupt("index column out of range"));
        }
        columns.push(column);
    }
    let unique = reader.u8()? != 0;
    let primary = reader.u8()? != 0;
    Ok(IndexSchema {
        id,
        name,
        columns,
        unique,
        primary,
        constraint: false,
    })
}

pub(crate) fn encode_type(data_type: DataType, out: &mut Vec<u8>) {
    match data_type {
        DataType::Bool => out.push(1),
        DataType::SmallInt => out.push(2),
        DataType::Int => out.push(3),
        DataType::BigInt => out.push(4),
        DataType::Double => out.push(5),
        DataType::Numeric(typmod) => {
            out.push(6);
            match typmod {
                Some(t) => {
                    out.push(1);
                    out.extend_from_slice(&t.precision.to_le_bytes());
                    out.extend_from_slice(&t.scale.to_le_bytes());
                }
                None => out.push(0),
            }
        }
        DataType::Text | DataType::Unknown => out.push(7),
        DataType::Varchar(length) => {
            out.push(8);
            match length {
                Some(n) => {
                    out.push(1);
                    out.extend_from_slice(&n.to_le_bytes());
                }
                None => out.push(0),
            }
        }
        DataType::Timestamp => out.push(9),
        DataType::Real => out.push(10),
        DataType::Bpchar(length) => {
            out.push(11);
            match length {
                Some(n) => {
                    out.push(1);
                    out.extend_from_slice(&n.to_le_bytes());
                }
                None => out.push(0),
            }
        }
        DataType::Bytea => out.push(12),
        DataType::Date => out.push(13),
        DataType::Time => out.push(14),
        DataType::TimestampTz => out.push(15),
        DataType::Interval => out.push(16),
        DataType::Uuid => out.push(17),
        DataType::Json => out.push(18),
        DataType::Jsonb => out.push(19),
        DataType::Array(element) => {
            out.push(20);
            encode_type(element.data_type(), out);
        }
        DataType::Oid => out.push(21),
        DataType::Int2Vector => out.push(22),
        DataType::OidVector => out.push(23),
        // Records are never column types (the binder refuses them); encoded for totality.
        DataType::Record(db001_common::Composite::ExpandArray(element)) => {
            out.push(24);
            encode_type(element.data_type(), out);
        }
    }
}

pub(crate) fn decode_type(reader: &mut Reader<'_>) -> Result<DataType> {
    decode_type_at(reader, false)
}

fn decode_type_at(reader: &mut Reader<'_>, in_array: bool) -> Result<DataType> {
    Ok(match reader.u8()? {
        1 => DataType::Bool,
        2 => DataType::SmallInt,
        3 => DataType::Int,
        4 => DataType::BigInt,
        5 => DataType::Double,
        6 => DataType::Numeric(if reader.u8()? != 0 {
            Some(NumericTypmod {
                precision: reader.u16()?,
                scale: reader.u16()?,
            })
        } else {
            None
        }),
        7 => DataType::Text,
        8 => DataType::Varchar(if reader.u8()? != 0 {
            Some(reader.u32()?)
        } else {
            None
        }),
        9 => DataType::Timestamp,
        10 => DataType::Real,
        11 => DataType::Bpchar(if reader.u8()? != 0 {
            Some(reader.u32()?)
        } else {
            None
        }),
        12 => DataType::Bytea,
        13 => DataType::Date,
        14 => DataType::Time,
        15 => DataType::TimestampTz,
        16 => DataType::Interval,
        17 => DataType::Uuid,
        18 => DataType::Json,
        19 => DataType::Jsonb,
        21 => DataType::Oid,
        22 => DataType::Int2Vector,
        23 => DataType::OidVector,
        24 if !in_array => {
            let element = decode_type_at(reader, true)?;
            DataType::Record(db001_common::Composite::ExpandArray(
                ElementType::of(element).ok_or_else(|| corrupt("bad record field type"))?,
            ))
        }
        20 if !in_array => {
            let element = decode_type_at(reader, true)?;
            DataType::Array(
                ElementType::of(element).ok_or_else(|| corrupt("bad array element type"))?,
            )
        }
        tag => return Err(corrupt(&format!("unknown type tag {tag}"))),
    })
}

pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

pub(crate) fn corrupt(what: &str) -> Error {
    Error::new(
        SqlState::DATA_CORRUPTED,
        format!("corrupt table schema: {what}"),
    )
}

/// A bounds-checked cursor over bytes.
pub(crate) struct Reader<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let end = end.ok_or_else(|| corrupt("truncated"))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u64(&mut self) -> Result<u64> {
        let b = self.take(8)?;
        let mut word = [0u8; 8];
        word.copy_from_slice(b);
        Ok(u64::from_le_bytes(word))
    }

    pub(crate) fn string(&mut self) -> Result<String> {
        let len = self.u32()? as usize;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| corrupt("invalid UTF-8"))
    }

    /// A list of column positions, each below `limit`.
    fn positions(&mut self, limit: usize) -> Result<Vec<usize>> {
        let count = self.u16()?;
        let mut positions = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let position = self.u16()? as usize;
            if position >= limit {
                return Err(corrupt("column position out of range"));
            }
            positions.push(position);
        }
        Ok(positions)
    }

    /// Whether every byte was read.
    pub(crate) fn finished(&self) -> bool {
        self.at == self.bytes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TableSchema {
        TableSchema {
            id: 16390,
            name: "accounts".to_string(),
            schema_name: "public".to_string(),
            columns: vec![
                ColumnSchema {
                    name: "id".to_string(),
                    data_type: DataType::BigInt,
                    nullable: false,
                    default: None,
                    identity: Some(Identity::Always),
                },
                ColumnSchema {
                    name: "balance".to_string(),
                    data_type: DataType::Numeric(Some(NumericTypmod {
                        precision: 12,
                        scale: 2,
                    })),
                    nullable: true,
                    default: Some("0".to_string()),
                    identity: None,
                },
                ColumnSchema {
                    name: "owner".to_string(),
                    data_type: DataType::Varchar(Some(20)),
                    nullable: true,
                    default: None,
                    identity: None,
                },
            ],
            indexes: vec![
                IndexSchema {
                    id: 16391,
                    name: "accounts_pkey".to_string(),
                    columns: vec![0],
                    unique: true,
                    primary: true,
                    constraint: true,
                },
                IndexSchema {
                    id: 16392,
                    name: "accounts_owner_idx".to_string(),
                    columns: vec![2, 1],
                    unique: false,
                    primary: false,
                    constraint: false,
                },
            ],
            checks: vec![CheckConstraint {
                name: "accounts_balance_check".to_string(),
                expr: "balance >= 0".to_string(),
            }],
            foreign_keys: vec![ForeignKey {
                name: "accounts_owner_fkey".to_string(),
                columns: vec![2],
                referenced_table: 16380,
                referenced_columns: vec![1],
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::SetNull,
            }],
        }
    }

    /// A version-1 encoding, as databases written before constraints hold it.
    fn version_one(table: &TableSchema) -> Vec<u8> {
        let mut out = vec![FIRST_FORMAT_VERSION];
        out.extend_from_slice(&table.id.to_le_bytes());
        put_str(&mut out, &table.name);
        put_str(&mut out, &table.schema_name);
        out.extend_from_slice(&(table.columns.len() as u16).to_le_bytes());
        for column in &table.columns {
            put_str(&mut out, &column.name);
            encode_type(column.data_type, &mut out);
            out.push(column.nullable as u8);
            match &column.default {
                Some(default) => {
                    out.push(1);
                    put_str(&mut out, default);
                }
                None => out.push(0),
            }
        }
        out.extend_from_slice(&(table.indexes.len() as u16).to_le_bytes());
        for index in &table.indexes {
            encode_index(index, &mut out);
        }
        out
    }

    #[test]
    fn version_one_schemas_still_decode() {
        let decoded = decode_table(&version_one(&sample())).expect("version 1");
        assert_eq!(decoded.columns.len(), 3);
        assert_eq!(decoded.columns[0].identity, None);
        assert!(
            decoded.indexes[0].constraint,
            "a primary key is a constraint"
        );
        assert!(!decoded.indexes[1].constraint);
        assert!(decoded.checks.is_empty() && decoded.foreign_keys.is_empty());
    }

    #[test]
    fn round_trip() {
        let mut bytes = Vec::new();
        encode_table(&sample(), &mut bytes);
        assert_eq!(decode_table(&bytes).expect("valid"), sample());
    }

    #[test]
    fn every_type_round_trips_and_old_tags_keep_their_meaning() {
        let mut types = vec![
            DataType::Bool,
            DataType::SmallInt,
            DataType::Int,
            DataType::BigInt,
            DataType::Real,
            DataType::Double,
            DataType::Numeric(None),
            DataType::Text,
            DataType::Varchar(None),
            DataType::Bpchar(Some(3)),
            DataType::Bpchar(None),
            DataType::Bytea,
            DataType::Date,
            DataType::Time,
            DataType::Timestamp,
            DataType::TimestampTz,
            DataType::Interval,
            DataType::Uuid,
            DataType::Json,
            DataType::Jsonb,
        ];
        types.extend(ElementType::ALL.map(DataType::Array));
        for data_type in types {
            let mut bytes = Vec::new();
            encode_type(data_type, &mut bytes);
            let decoded = decode_type(&mut Reader {
                bytes: &bytes,
                at: 0,
            })
            .expect("valid");
            assert_eq!(decoded, data_type);
        }
        // Schemas written before issue 4 used tags 1..=9; they still mean the same types.
        let old = [
            (5u8, DataType::Double),
            (7, DataType::Text),
            (9, DataType::Timestamp),
        ];
        for (tag, data_type) in old {
            let decoded = decode_type(&mut Reader {
                bytes: &[tag],
                at: 0,
            })
            .expect("old tag");
            assert_eq!(decoded, data_type);
        }
        let nested = [20u8, 20, 3];
        assert!(
            decode_type(&mut Reader {
                bytes: &nested,
                at: 0
            })
            .is_err(),
            "arrays of arrays are not a db001 type"
        );
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let mut bytes = Vec::new();
        encode_table(&sample(), &mut bytes);
        for len in 0..bytes.len() {
            let error = decode_table(&bytes[..len]).expect_err("truncated");
            assert_eq!(error.code(), SqlState::DATA_CORRUPTED);
        }
    }
}
