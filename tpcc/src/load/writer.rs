//! Streams generated rows into one table, by `COPY ... FROM STDIN` or by multi-row `INSERT`.
//!
//! Why both: COPY is how PostgreSQL is bulk-loaded and what a fair comparison uses, but a young
//! server may not speak it yet. The loader tries COPY once; if the server answers 0A000
//! (feature not supported) or 42601 (syntax error) it switches to batched literal INSERTs. Rows
//! are encoded field by field straight into one reusable text buffer in either format, so the
//! generators do not know or care which one is in use.
//!
//! COPY text format: fields separated by tab, rows ended by newline, `\N` for NULL, and
//! backslash, tab, newline and carriage return escaped with a backslash. INSERT format: string
//! literals in single quotes with quotes doubled (standard_conforming_strings is on by default
//! since PostgreSQL 9.1, so backslashes are ordinary characters).

use std::fmt::Write as _;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::SinkExt;
use indicatif::ProgressBar;
use tokio_postgres::{Client, CopyInSink};

use crate::error::DriverError;
use crate::numeric::Decimal4;
use crate::schema::TableDefinition;

/// How rows reach the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadMethod {
    /// `COPY table (columns) FROM STDIN` in text format.
    Copy,
    /// `INSERT INTO table (columns) VALUES (...), (...)` with this many rows per statement.
    Insert {
        /// Rows per statement.
        rows_per_statement: usize,
    },
}

impl LoadMethod {
    /// `copy` or `insert`, for reports.
    pub fn name(self) -> &'static str {
        match self {
            LoadMethod::Copy => "copy",
            LoadMethod::Insert { .. } => "insert",
        }
    }
}

/// COPY data is sent in chunks of about this many bytes.
const COPY_CHUNK_BYTES: usize = 64 * 1024;

/// SQLSTATEs that mean "this server has no COPY": feature_not_supported and syntax_error.
const COPY_UNSUPPORTED: [&str; 2] = ["0A000", "42601"];

/// Whether a failure to start COPY means the server does not support it.
pub fn copy_is_unsupported(error: &DriverError) -> bool {
    error
        .sqlstate
        .as_deref()
        .is_some_and(|code| COPY_UNSUPPORTED.contains(&code))
}

/// An open stream of rows into one table.
pub struct TableWriter<'a> {
    client: &'a Client,
    table: &'static TableDefinition,
    method: LoadMethod,
    copy: Option<Pin<Box<CopyInSink<Bytes>>>>,
    buffer: String,
    insert_prefix_length: usize,
    fields_in_row: usize,
    rows_in_buffer: usize,
    rows_written: u64,
    progress: Option<ProgressBar>,
}

impl std::fmt::Debug for TableWriter<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("TableWriter")
            .field("table", &self.table.name)
            .field("method", &self.method)
            .field("rows_written", &self.rows_written)
            .finish()
    }
}

impl<'a> TableWriter<'a> {
    /// Starts loading `table`. With [`LoadMethod::Copy`] this sends the COPY statement, so a
    /// server without COPY fails here (see [`copy_is_unsupported`]).
    pub async fn open(
        client: &'a Client,
        table: &'static TableDefinition,
        method: LoadMethod,
        progress: Option<ProgressBar>,
    ) -> Result<TableWriter<'a>, DriverError> {
        let mut buffer = String::with_capacity(COPY_CHUNK_BYTES + 4096);
        let mut copy = None;
        match method {
            LoadMethod::Copy => {
                let statement = format!("COPY {} {} FROM STDIN", table.name, table.column_list());
                let sink = client
                    .copy_in::<_, Bytes>(statement.as_str())
                    .await
                    .map_err(|error| {
                        DriverError::database(format!("COPY {}", table.name), &error)
                    })?;
                copy = Some(Box::pin(sink));
            }
            LoadMethod::Insert { .. } => {
                write!(
                    buffer,
                    "INSERT INTO {} {} VALUES ",
                    table.name,
                    table.column_list()
                )
                .expect("writing to a String cannot fail");
            }
        }
        let insert_prefix_length = buffer.len();
        Ok(TableWriter {
            client,
            table,
            method,
            copy,
            buffer,
            insert_prefix_length,
            fields_in_row: 0,
            rows_in_buffer: 0,
            rows_written: 0,
            progress,
        })
    }

    fn begin_field(&mut self) {
        if self.fields_in_row == 0 {
            if let LoadMethod::Insert { .. } = self.method {
                if self.rows_in_buffer > 0 {
                    self.buffer.push(',');
                }
                self.buffer.push('(');
            }
        } else {
            self.buffer.push(match self.method {
                LoadMethod::Copy => '\t',
                LoadMethod::Insert { .. } => ',',
            });
        }
        self.fields_in_row += 1;
    }

    /// An integer field.
    pub fn int(&mut self, value: i64) {
        self.begin_field();
        write!(self.buffer, "{value}").expect("writing to a String cannot fail");
    }

    /// A numeric field.
    pub fn decimal(&mut self, value: Decimal4) {
        self.begin_field();
        write!(self.buffer, "{value}").expect("writing to a String cannot fail");
    }

    /// A NULL field.
    pub fn null(&mut self) {
        self.begin_field();
        self.buffer.push_str(match self.method {
            LoadMethod::Copy => "\\N",
            LoadMethod::Insert { .. } => "NULL",
        });
    }

    /// A text field (also used for timestamps, given in PostgreSQL's input format).
    pub fn text(&mut self, value: &str) {
        self.begin_field();
        match self.method {
            LoadMethod::Copy => {
                for character in value.chars() {
                    match character {
                        '\\' => self.buffer.push_str("\\\\"),
                        '\t' => self.buffer.push_str("\\t"),
                        '\n' => self.buffer.push_str("\\n"),
                        '\r' => self.buffer.push_str("\\r"),
                        other => self.buffer.push(other),
                    }
                }
            }
            LoadMethod::Insert { .. } => {
                self.buffer.push('\'');
                for character in value.chars() {
                    if character == '\'' {
                        self.buffer.push('\'');
                    }
                    self.buffer.push(character);
                }
                self.buffer.push('\'');
            }
        }
    }

    /// Ends the current row, sending buffered rows when a chunk or batch is full.
    pub async fn end_row(&mut self) -> Result<(), DriverError> {
        assert_eq!(
            self.fields_in_row,
            self.table.columns.len(),
            "a {} row must have every column",
            self.table.name
        );
        self.fields_in_row = 0;
        self.rows_in_buffer += 1;
        match self.method {
            LoadMethod::Copy => {
                self.buffer.push('\n');
                if self.buffer.len() >= COPY_CHUNK_BYTES {
                    self.flush().await?;
                }
            }
            LoadMethod::Insert { rows_per_statement } => {
                self.buffer.push(')');
                if self.rows_in_buffer >= rows_per_statement {
                    self.flush().await?;
                }
            }
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<(), DriverError> {
        if self.rows_in_buffer == 0 {
            return Ok(());
        }
        match &mut self.copy {
            Some(sink) => {
                let chunk = Bytes::copy_from_slice(self.buffer.as_bytes());
                sink.send(chunk).await.map_err(|error| {
                    DriverError::database(format!("COPY {}", self.table.name), &error)
                })?;
                self.buffer.clear();
            }
            None => {
                self.client
                    .batch_execute(&self.buffer)
                    .await
                    .map_err(|error| {
                        DriverError::database(format!("INSERT INTO {}", self.table.name), &error)
                    })?;
                self.buffer.truncate(self.insert_prefix_length);
            }
        }
        if let Some(progress) = &self.progress {
            progress.inc(self.rows_in_buffer as u64);
        }
        self.rows_written += self.rows_in_buffer as u64;
        self.rows_in_buffer = 0;
        Ok(())
    }

    /// Sends the remaining rows and ends the COPY; returns the rows written.
    pub async fn finish(mut self) -> Result<u64, DriverError> {
        self.flush().await?;
        if let Some(sink) = &mut self.copy {
            let copied = sink.as_mut().finish().await.map_err(|error| {
                DriverError::database(format!("COPY {} (end)", self.table.name), &error)
            })?;
            if copied != self.rows_written {
                return Err(DriverError::new(
                    format!("COPY {}", self.table.name),
                    format!(
                        "server copied {copied} rows, {} were sent",
                        self.rows_written
                    ),
                ));
            }
        }
        Ok(self.rows_written)
    }
}
