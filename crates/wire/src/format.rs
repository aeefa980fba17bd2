//! Text and binary formats: decoding Bind parameters, encoding DataRows.
//!
//! The value conversions themselves live with `Value` in `db001-common` (`parse_text`,
//! `decode_binary`, `write_text`, `encode_binary`), so the engine and the wire agree on them;
//! this module applies PostgreSQL's format-code rules around them and writes DataRows directly
//! into the output buffer. One [`Scratch`] per connection is reused for every value, so a row
//! costs no allocation beyond what formatting a value needs.

use bytes::{BufMut, Bytes, BytesMut};
use db001_common::{DataType, Error, Result, SqlState, Value};
use db001_engine::Column;

use crate::backend::{begin, finish};
use crate::frontend::utf8;

/// A value format code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// 0: PostgreSQL's text output.
    Text,
    /// 1: PostgreSQL's binary send/recv format.
    Binary,
}

impl Format {
    /// Reads a format code sent by the client.
    pub fn from_code(code: i16) -> Result<Format> {
        match code {
            0 => Ok(Format::Text),
            1 => Ok(Format::Binary),
            other => Err(Error::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!("unsupported format code: {other}"),
            )),
        }
    }

    /// The code sent in RowDescription.
    pub fn code(self) -> i16 {
        match self {
            Format::Text => 0,
            Format::Binary => 1,
        }
    }
}

/// The result formats of a portal, resolved from Bind's codes by PostgreSQL's rule: no code
/// means all text, one code applies to every column, otherwise one code per column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResultFormats {
    All(Format),
    PerColumn(Vec<Format>),
}

impl ResultFormats {
    /// Resolves Bind's result format codes for a result of `columns` columns.
    pub fn resolve(codes: &[i16], columns: usize) -> Result<ResultFormats> {
        match codes {
            [] => Ok(ResultFormats::All(Format::Text)),
            [code] => Ok(ResultFormats::All(Format::from_code(*code)?)),
            codes if codes.len() == columns => Ok(ResultFormats::PerColumn(
                codes
                    .iter()
                    .map(|&code| Format::from_code(code))
                    .collect::<Result<_>>()?,
            )),
            codes => Err(Error::new(
                SqlState::PROTOCOL_VIOLATION,
                format!(
                    "bind message has {} result formats but query has {columns} columns",
                    codes.len()
                ),
            )),
        }
    }

    /// The format of column `index`.
    pub fn get(&self, index: usize) -> Format {
        match self {
            ResultFormats::All(format) => *format,
            ResultFormats::PerColumn(formats) => {
                formats.get(index).copied().unwrap_or(Format::Text)
            }
        }
    }
}

/// Decodes Bind's parameter values into typed values.
///
/// `formats` are Bind's parameter format codes (none, one for all, or one per parameter);
/// `types` are the prepared statement's parameter types, whose count the caller has checked.
pub fn decode_parameters(
    types: &[DataType],
    formats: &[i16],
    params: &[Option<Bytes>],
) -> Result<Vec<Value>> {
    if formats.len() > 1 && formats.len() != params.len() {
        return Err(Error::new(
            SqlState::PROTOCOL_VIOLATION,
            format!(
                "bind message has {} parameter formats but {} parameters",
                formats.len(),
                params.len()
            ),
        ));
    }
    let mut values = Vec::with_capacity(params.len());
    for (index, (param, data_type)) in params.iter().zip(types).enumerate() {
        let code = match formats {
            [] => 0,
            [code] => *code,
            codes => codes[index],
        };
        let format = Format::from_code(code)?;
        let value = match param {
            None => Value::Null,
            Some(bytes) => decode_parameter(*data_type, format, bytes).map_err(|error| {
                // PostgreSQL names the parameter in this one message.
                if error.code() == SqlState::INVALID_BINARY_REPRESENTATION
                    && error.message() == "incorrect binary data format"
                {
                    Error::new(
                        SqlState::INVALID_BINARY_REPRESENTATION,
                        format!(
                            "incorrect binary data format in bind parameter {}",
                            index + 1
                        ),
                    )
                } else {
                    error
                }
            })?,
        };
        values.push(value);
    }
    Ok(values)
}

fn decode_parameter(data_type: DataType, format: Format, bytes: &[u8]) -> Result<Value> {
    match format {
        Format::Text => Value::parse_text(data_type, utf8(bytes)?),
        Format::Binary => Value::decode_binary(data_type, bytes),
    }
}

/// Buffers reused for every value a connection formats.
#[derive(Debug, Default)]
pub struct Scratch {
    text: String,
    binary: Vec<u8>,
}

/// Writes one DataRow for `row` into `out`, each value in its column's format. Binary values
/// are encoded as the column's declared type, which is what the client decodes by.
pub fn data_row(
    out: &mut BytesMut,
    row: &[Value],
    columns: &[Column],
    formats: &ResultFormats,
    scratch: &mut Scratch,
) -> Result<()> {
    let at = begin(out, b'D');
    let count = i16::try_from(row.len()).map_err(|_| {
        Error::new(
            SqlState::TOO_MANY_COLUMNS,
            format!(
                "target lists can have at most 1664 entries, not {}",
                row.len()
            ),
        )
    })?;
    out.put_i16(count);
    for (index, value) in row.iter().enumerate() {
        if value.is_null() {
            out.put_i32(-1);
            continue;
        }
        let bytes: &[u8] = match formats.get(index) {
            Format::Text => {
                scratch.text.clear();
                value.write_text(&mut scratch.text);
                scratch.text.as_bytes()
            }
            Format::Binary => {
                scratch.binary.clear();
                let encoded = match columns.get(index) {
                    Some(column) => value.encode_binary_as(column.data_type, &mut scratch.binary),
                    None => {
                        value.encode_binary(&mut scratch.binary);
                        Ok(())
                    }
                };
                if let Err(error) = encoded {
                    out.truncate(at - 1);
                    return Err(error);
                }
                &scratch.binary
            }
        };
        let Ok(length) = i32::try_from(bytes.len()) else {
            out.truncate(at - 1);
            return Err(Error::new(
                SqlState::PROGRAM_LIMIT_EXCEEDED,
                "value too large to send to the client",
            ));
        };
        out.put_i32(length);
        out.put_slice(bytes);
    }
    finish(out, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_formats_follow_the_zero_one_n_rule() {
        assert_eq!(
            ResultFormats::resolve(&[], 3).expect("no codes is valid"),
            ResultFormats::All(Format::Text)
        );
        let all_binary = ResultFormats::resolve(&[1], 3).expect("one code is valid");
        assert_eq!(all_binary.get(2), Format::Binary);
        let mixed = ResultFormats::resolve(&[0, 1], 2).expect("one code per column");
        assert_eq!((mixed.get(0), mixed.get(1)), (Format::Text, Format::Binary));
        let error = ResultFormats::resolve(&[0, 0], 1).expect_err("count mismatch");
        assert_eq!(error.code(), SqlState::PROTOCOL_VIOLATION);
        assert_eq!(
            error.message(),
            "bind message has 2 result formats but query has 1 columns"
        );
        let error = ResultFormats::resolve(&[2], 1).expect_err("bad code");
        assert_eq!(error.message(), "unsupported format code: 2");
    }

    #[test]
    fn parameter_format_count_must_match() {
        let error = decode_parameters(&[DataType::Int], &[0, 0], &[Some(Bytes::from_static(b"1"))])
            .expect_err("two formats for one parameter");
        assert_eq!(error.code(), SqlState::PROTOCOL_VIOLATION);
        assert_eq!(
            error.message(),
            "bind message has 2 parameter formats but 1 parameters"
        );
    }

    #[test]
    fn null_parameters_need_no_decoding() {
        let values = decode_parameters(&[DataType::Int, DataType::Text], &[1], &[None, None])
            .expect("NULLs decode in any format");
        assert!(values.iter().all(Value::is_null));
    }

    #[test]
    fn invalid_utf8_text_parameter_is_22021() {
        let error = decode_parameters(
            &[DataType::Text],
            &[],
            &[Some(Bytes::from_static(b"a\xff"))],
        )
        .expect_err("not UTF-8");
        assert_eq!(error.code(), SqlState::CHARACTER_NOT_IN_REPERTOIRE);
        assert_eq!(
            error.message(),
            "invalid byte sequence for encoding \"UTF8\": 0xff"
        );
    }

    #[test]
    fn data_row_writes_null_as_minus_one() {
        let mut out = BytesMut::new();
        let mut scratch = Scratch::default();
        data_row(
            &mut out,
            &[Value::Null],
            &[],
            &ResultFormats::All(Format::Text),
            &mut scratch,
        )
        .expect("small row");
        assert_eq!(&out[..], b"D\x00\x00\x00\x0a\x00\x01\xff\xff\xff\xff");
    }
}
