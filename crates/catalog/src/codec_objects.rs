//! Byte layouts of views, sequences and schemas, for the WAL and checkpoints. Our own, versioned
//! formats (see [`crate::codec`] for types and strings):
//!
//! ```text
//! view     := version:u8(=1) id:u32 name:str schema:str query:str ncolumns:u16 (name:str type)*
//!             ndepends:u16 relation:u32*
//! sequence := version:u8(=1) id:u32 name:str schema:str type start:i64 increment:i64
//!             min:i64 max:i64 cache:i64 cycle:u8 owned:u8 [table:u32 column:str]
//!             last-value:i64 is-called:u8
//! schema   := version:u8(=1) oid:u32 name:str
//! ```
//!
//! A sequence's encoding carries its value, so the record that creates one (and a checkpoint's
//! copy) restores it where it was. All integers little-endian; decoding never panics.

use db001_common::{DataType, Result};

use crate::codec::{Reader, corrupt, decode_type, encode_type, put_str};
use crate::objects::{SequenceSchema, ViewSchema};
use crate::sequence::SequenceValue;

const VIEW_VERSION: u8 = 1;
const SEQUENCE_VERSION: u8 = 1;
const SCHEMA_VERSION: u8 = 1;

/// Appends the encoding of a view.
pub fn encode_view(view: &ViewSchema, out: &mut Vec<u8>) {
    out.push(VIEW_VERSION);
    out.extend_from_slice(&view.id.to_le_bytes());
    put_str(out, &view.name);
    put_str(out, &view.schema_name);
    put_str(out, &view.query);
    out.extend_from_slice(&(view.columns.len() as u16).to_le_bytes());
    for (name, data_type) in &view.columns {
        put_str(out, name);
        encode_type(*data_type, out);
    }
    out.extend_from_slice(&(view.depends_on.len() as u16).to_le_bytes());
    for relation in &view.depends_on {
        out.extend_from_slice(&relation.to_le_bytes());
    }
}

/// Decodes a view.
pub fn decode_view(bytes: &[u8]) -> Result<ViewSchema> {
    let mut reader = Reader { bytes, at: 0 };
    check_version(&mut reader, VIEW_VERSION, "view")?;
    let id = reader.u32()?;
    let name = reader.string()?;
    let schema_name = reader.string()?;
    let query = reader.string()?;
    let mut columns = Vec::new();
    for _ in 0..reader.u16()? {
        let column = reader.string()?;
        columns.push((column, decode_type(&mut reader)?));
    }
    let mut depends_on = Vec::new();
    for _ in 0..reader.u16()? {
        depends_on.push(reader.u32()?);
    }
    finish(&reader)?;
    Ok(ViewSchema {
        id,
        name,
        schema_name,
        query,
        columns,
        depends_on,
    })
}

/// Appends the encoding of a sequence and its value.
pub fn encode_sequence(sequence: &SequenceSchema, value: SequenceValue, out: &mut Vec<u8>) {
    out.push(SEQUENCE_VERSION);
    out.extend_from_slice(&sequence.id.to_le_bytes());
    put_str(out, &sequence.name);
    put_str(out, &sequence.schema_name);
    encode_type(sequence.data_type, out);
    for number in [
        sequence.start,
        sequence.increment,
        sequence.min_value,
        sequence.max_value,
        sequence.cache,
    ] {
        out.extend_from_slice(&number.to_le_bytes());
    }
    out.push(sequence.cycle as u8);
    match &sequence.owned_by {
        Some((table, column)) => {
            out.push(1);
            out.extend_from_slice(&table.to_le_bytes());
            put_str(out, column);
        }
        None => out.push(0),
    }
    out.extend_from_slice(&value.last_value.to_le_bytes());
    out.push(value.is_called as u8);
}

/// Decodes a sequence and its value.
pub fn decode_sequence(bytes: &[u8]) -> Result<(SequenceSchema, SequenceValue)> {
    let mut reader = Reader { bytes, at: 0 };
    check_version(&mut reader, SEQUENCE_VERSION, "sequence")?;
    let id = reader.u32()?;
    let name = reader.string()?;
    let schema_name = reader.string()?;
    let data_type = decode_type(&mut reader)?;
    if !matches!(
        data_type,
        DataType::SmallInt | DataType::Int | DataType::BigInt
    ) {
        return Err(corrupt("a sequence of a type other than an integer"));
    }
    let mut numbers = [0i64; 5];
    for number in &mut numbers {
        *number = reader.u64()? as i64;
    }
    let [start, increment, min_value, max_value, cache] = numbers;
    let cycle = reader.u8()? != 0;
    let owned_by = if reader.u8()? != 0 {
        let table = reader.u32()?;
        Some((table, reader.string()?))
    } else {
        None
    };
    let last_value = reader.u64()? as i64;
    let is_called = reader.u8()? != 0;
    finish(&reader)?;
    Ok((
        SequenceSchema {
            id,
            name,
            schema_name,
            data_type,
            start,
            increment,
            min_value,
            max_value,
            cache,
            cycle,
            owned_by,
        },
        SequenceValue {
            last_value,
            is_called,
        },
    ))
}

/// Appends the encoding of a schema (namespace).
pub fn encode_schema(oid: u32, name: &str, out: &mut Vec<u8>) {
    out.push(SCHEMA_VERSION);
    out.extend_from_slice(&oid.to_le_bytes());
    put_str(out, name);
}

/// Decodes a schema: (OID, name).
pub fn decode_schema(bytes: &[u8]) -> Result<(u32, String)> {
    let mut reader = Reader { bytes, at: 0 };
    check_version(&mut reader, SCHEMA_VERSION, "schema")?;
    let oid = reader.u32()?;
    let name = reader.string()?;
    finish(&reader)?;
    Ok((oid, name))
}

fn check_version(reader: &mut Reader<'_>, expected: u8, what: &str) -> Result<()> {
    let version = reader.u8()?;
    if version != expected {
        return Err(corrupt(&format!("unknown {what} format version {version}")));
    }
    Ok(())
}

fn finish(reader: &Reader<'_>) -> Result<()> {
    if reader.finished() {
        Ok(())
    } else {
        Err(corrupt("trailing bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use db001_common::SqlState;

    fn view() -> ViewSchema {
        ViewSchema {
            id: 16400,
            name: "rich".to_string(),
            schema_name: "app".to_string(),
            query: "SELECT id, balance FROM accounts WHERE balance > 100".to_string(),
            columns: vec![
                ("id".to_string(), DataType::BigInt),
                ("balance".to_string(), DataType::Numeric(None)),
            ],
            depends_on: vec![16390],
        }
    }

    fn sequence() -> SequenceSchema {
        SequenceSchema {
            id: 16401,
            name: "accounts_id_seq".to_string(),
            schema_name: "public".to_string(),
            data_type: DataType::Int,
            start: 1,
            increment: -3,
            min_value: -100,
            max_value: i64::MAX,
            cache: 1,
            cycle: true,
            owned_by: Some((16390, "id".to_string())),
        }
    }

    #[test]
    fn objects_round_trip_and_truncations_fail_cleanly() {
        let mut bytes = Vec::new();
        encode_view(&view(), &mut bytes);
        assert_eq!(decode_view(&bytes).expect("valid"), view());
        for len in 0..bytes.len() {
            let error = decode_view(&bytes[..len]).expect_err("truncated");
            assert_eq!(error.code(), SqlState::DATA_CORRUPTED);
        }
        let value = SequenceValue {
            last_value: -7,
            is_called: true,
        };
        let mut bytes = Vec::new();
        encode_sequence(&sequence(), value, &mut bytes);
        assert_eq!(decode_sequence(&bytes).expect("valid"), (sequence(), value));
        for len in 0..bytes.len() {
            assert!(decode_sequence(&bytes[..len]).is_err());
        }
        let mut bytes = Vec::new();
        encode_schema(16402, "app", &mut bytes);
        assert_eq!(
            decode_schema(&bytes).expect("valid"),
            (16402, "app".to_string())
        );
        bytes.push(0);
        assert!(decode_schema(&bytes).is_err(), "trailing bytes");
    }
}
