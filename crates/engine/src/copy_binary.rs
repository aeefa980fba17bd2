//! COPY in PostgreSQL's binary format: FROM STDIN (asyncpg's `copy_records_to_table` sends it)
//! and TO STDOUT (psycopg's and tokio-postgres' binary copy read it).
//!
//! The stream is the 11-byte signature `PGCOPY\n\377\r\n\0`, a 32-bit flags field (bit 16, OIDs
//! included, is refused as in PostgreSQL 12+), a 32-bit header-extension length and that many
//! bytes; then per row a 16-bit field count followed by each field as a 32-bit length (-1 for
//! NULL) and the value in its type's binary receive format; then the trailer, a field count of
//! -1. Rows may be cut anywhere by CopyData boundaries, so the parser works on a byte buffer and
//! takes a row only once all of it has arrived.
//!
//! The writer produces exactly what PostgreSQL's COPY TO does, CopyData for CopyData: the header
//! (flags 0, no extension) in front of the first row, one row per CopyData, and the trailer in
//! a CopyData of its own (or after the header when there are no rows).

use db001_common::{DataType, Error, Result, SqlState, Value};

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";

/// What the front of the buffer holds.
#[derive(Debug, PartialEq)]
pub(crate) enum BinaryItem {
    /// Not all of the next item has arrived.
    Incomplete,
    /// The header, `consumed` bytes long.
    Header { consumed: usize },
    /// A row of values, `consumed` bytes long.
    Row { consumed: usize, values: Vec<Value> },
    /// The trailer: the data ends here.
    Trailer,
}

fn bad_format(message: impl Into<String>) -> Error {
    Error::new(SqlState::BAD_COPY_FILE_FORMAT, message)
}

fn u32_at(buffer: &[u8], at: usize) -> Option<u32> {
    let bytes = buffer.get(at..at + 4)?;
    Some(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

/// Reads the next item: the header when `header_done` is false, else a row or the trailer, with
/// values decoded as `columns`' types. Errors name the column (the caller adds the row).
pub(crate) fn next_item(
    buffer: &[u8],
    header_done: bool,
    columns: &[(String, DataType)],
) -> Result<BinaryItem> {
    if !header_done {
        if buffer.len() < SIGNATURE.len() + 8 {
            if !SIGNATURE.starts_with(&buffer[..buffer.len().min(SIGNATURE.len())]) {
                return Err(bad_format("COPY file signature not recognized"));
            }
            return Ok(BinaryItem::Incomplete);
        }
        if &buffer[..SIGNATURE.len()] != SIGNATURE {
            return Err(bad_format("COPY file signature not recognized"));
        }
        let flags = u32_at(buffer, 11).unwrap_or(0);
        if flags & (1 << 16) != 0 {
            return Err(bad_format("invalid COPY file header (WITH OIDS)"));
        }
        if flags & 0xFFFF_0000 & !(1 << 16) != 0 {
            return Err(bad_format(
                "unrecognized critical flags in COPY file header",
            ));
        }
        let extension = u32_at(buffer, 15).unwrap_or(0) as usize;
        let consumed = SIGNATURE.len() + 8 + extension;
        if buffer.len() < consumed {
            return Ok(BinaryItem::Incomplete);
        }
        return Ok(BinaryItem::Header { consumed });
    }
    let Some(count) = buffer.get(..2).map(|b| i16::from_be_bytes([b[0], b[1]])) else {
        return Ok(BinaryItem::Incomplete);
    };
    if count == -1 {
        return Ok(BinaryItem::Trailer);
    }
    if usize::try_from(count).ok() != Some(columns.len()) {
        return Err(bad_format(format!(
            "row field count is {count}, expected {}",
            columns.len()
        )));
    }
    let mut at = 2;
    let mut fields = Vec::with_capacity(columns.len());
    for _ in columns {
        let Some(length) = u32_at(buffer, at) else {
            return Ok(BinaryItem::Incomplete);
        };
        at += 4;
        let length = length as i32;
        if length == -1 {
            fields.push(None);
            continue;
        }
        let length = usize::try_from(length)
            .map_err(|_| bad_format(format!("invalid field size {length}")))?;
        if buffer.len() < at + length {
            return Ok(BinaryItem::Incomplete);
        }
        fields.push(Some(at..at + length));
        at += length;
    }
    let mut values = Vec::with_capacity(columns.len());
    for (field, (name, data_type)) in fields.into_iter().zip(columns) {
        values.push(match field {
            None => Value::Null,
            Some(range) => Value::decode_binary(*data_type, &buffer[range])
                .map_err(|error| error.with_context(format!("column {name}")))?,
        });
    }
    Ok(BinaryItem::Row {
        consumed: at,
        values,
    })
}

/// The file header: the signature, flags 0 (no OIDs) and an empty header extension.
pub(crate) fn write_header(out: &mut Vec<u8>) {
    out.extend_from_slice(SIGNATURE);
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
}

/// Appends one row: its field count, then each field as a length (-1 for NULL) and its type's
/// binary send format (`types` are the result columns' types).
pub(crate) fn write_row(row: &[Value], types: &[DataType], out: &mut Vec<u8>) -> Result<()> {
    let count = i16::try_from(row.len())
        .map_err(|_| Error::internal("COPY row has more than 32767 columns"))?;
    out.extend_from_slice(&count.to_be_bytes());
    for (value, data_type) in row.iter().zip(types) {
        value.encode_binary_field(*data_type, out);
    }
    Ok(())
}

/// Appends the trailer (a field count of -1).
pub(crate) fn write_trailer(out: &mut Vec<u8>) {
    out.extend_from_slice(&(-1i16).to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(rows: &[Vec<Option<Vec<u8>>>]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend_from_slice(&0u32.to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes());
        for row in rows {
            out.extend_from_slice(&(row.len() as i16).to_be_bytes());
            for field in row {
                match field {
                    None => out.extend_from_slice(&(-1i32).to_be_bytes()),
                    Some(bytes) => {
                        out.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
                        out.extend_from_slice(bytes);
                    }
                }
            }
        }
        out.extend_from_slice(&(-1i16).to_be_bytes());
        out
    }

    #[test]
    fn written_rows_read_back() {
        let types = [DataType::BigInt, DataType::Text];
        let mut data = Vec::new();
        write_header(&mut data);
        // An Int32 value in an int8 column is widened to eight bytes.
        write_row(&[Value::Int32(5), Value::Null], &types, &mut data).expect("row");
        write_row(
            &[Value::Int64(-1), Value::Text("x".into())],
            &types,
            &mut data,
        )
        .expect("row");
        write_trailer(&mut data);
        assert_eq!(
            data,
            stream(&[
                vec![Some(5i64.to_be_bytes().to_vec()), None],
                vec![Some((-1i64).to_be_bytes().to_vec()), Some(b"x".to_vec())],
            ])
        );
    }

    #[test]
    fn rows_are_read_whole_across_any_cut() {
        let columns = vec![
            ("id".to_string(), DataType::Int),
            ("name".to_string(), DataType::Text),
        ];
        let data = stream(&[
            vec![Some(7i32.to_be_bytes().to_vec()), Some(b"seven".to_vec())],
            vec![Some(8i32.to_be_bytes().to_vec()), None],
        ]);
        for cut in 0..data.len() {
            let mut buffer = data[..cut].to_vec();
            let mut rest = &data[cut..];
            let mut header_done = false;
            let mut rows = Vec::new();
            loop {
                match next_item(&buffer, header_done, &columns).expect("valid") {
                    BinaryItem::Incomplete => {
                        assert!(!rest.is_empty(), "stalled at cut {cut}");
                        buffer.extend_from_slice(rest);
                        rest = &[];
                    }
                    BinaryItem::Header { consumed } => {
                        header_done = true;
                        buffer.drain(..consumed);
                    }
                    BinaryItem::Row { consumed, values } => {
                        rows.push(values);
                        buffer.drain(..consumed);
                    }
                    BinaryItem::Trailer => break,
                }
            }
            assert_eq!(
                rows,
                vec![
                    vec![Value::Int32(7), Value::Text("seven".into())],
                    vec![Value::Int32(8), Value::Null],
                ]
            );
        }
    }

    #[test]
    fn bad_streams_are_22p04() {
        let columns = vec![("id".to_string(), DataType::Int)];
        let error = next_item(b"NOTCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0", false, &columns)
            .expect_err("bad signature");
        assert_eq!(error.code(), SqlState::BAD_COPY_FILE_FORMAT);
        let error = next_item(&[0, 2, 0, 0, 0, 4, 0, 0, 0, 1], true, &columns)
            .expect_err("two fields for one column");
        assert_eq!(error.message(), "row field count is 2, expected 1");
    }
}
