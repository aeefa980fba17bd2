//! COPY FROM STDIN and COPY TO STDOUT.
//!
//! **COPY TO** runs the query (`SELECT cols FROM table`, or the given query) and returns its
//! rows formatted as lines (`copy_format`) or, in binary format, as binary rows
//! (`copy_binary`); the wire streams them as CopyData.
//!
//! **COPY FROM** is a pause in the middle of a statement: [`Session::copy`] checks the
//! target, plans the insert, and returns `CommandTag::CopyIn`; the wire sends CopyInResponse
//! and hands every CopyData to [`Session::copy_data`], then CopyDone to
//! [`Session::copy_done`] (or CopyFail to [`Session::copy_fail`]). Rows are parsed as they
//! arrive and inserted in batches through the ordinary INSERT path (`INSERT ... VALUES ($1,
//! ...), (...)`, planned once per batch size), so constraints, defaults of missing columns
//! and conflicts with other writers behave as in INSERT. A bad row fails the statement with
//! PostgreSQL's error (22P04 for the wrong number of fields, 22P02 and friends for a value)
//! and a CONTEXT naming the line; the failed statement takes its transaction with it, so
//! nothing of the COPY stays.

use std::sync::Arc;

use db001_common::{DataType, Error, Result, SqlState, Value};
use db001_planner::BoundStatement;
use db001_sql::ast;

use super::Session;
use crate::copy_binary::{self, BinaryItem};
use crate::copy_format::CopyFormat;
use crate::result::{Column, CommandTag, CopyStream, StatementResult};

/// Rows inserted per INSERT statement.
const COPY_BATCH_ROWS: usize = 256;
/// The most text a COPY keeps waiting for the end of a record (a record larger than this is
/// an error rather than unbounded memory).
const COPY_RECORD_BYTES_MAX: usize = 256 << 20;

/// A COPY FROM STDIN in progress.
#[derive(Debug)]
pub(crate) struct CopyIn {
    /// For CONTEXT lines: `COPY name, line n`.
    table: String,
    columns: Vec<(String, DataType)>,
    insert_prefix: String,
    format: CopyFormat,
    /// Received text not yet split into records.
    buffer: String,
    /// The bytes of a UTF-8 character cut in half by a CopyData boundary.
    partial: Vec<u8>,
    line: u64,
    header_pending: bool,
    /// `\.` was seen: later data is ignored.
    ended: bool,
    /// Parameter values of the batch being filled, row after row.
    batch: Vec<Value>,
    batch_rows: usize,
    /// The insert plan for a full batch.
    full_batch: Option<Arc<BoundStatement>>,
    copied: u64,
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Session {
    /// `COPY`: runs COPY TO at once; starts COPY FROM (see the module docs).
    pub(super) async fn copy(&mut self, copy: &ast::Copy, _sql: &str) -> Result<StatementResult> {
        let format = CopyFormat::from_options(&copy.options, copy.from)?;
        if !copy.from {
            return self.copy_out(copy, format).await;
        }
        let ast::CopySource::Table { name, columns } = &copy.source else {
            return Err(Error::internal(
                "COPY (query) FROM is refused by the parser",
            ));
        };
        let catalog = self.current_catalog();
        let schema_name = name.schema().map_or("public", |s| s.value.as_str());
        let table_name = &name.name().value;
        if matches!(schema_name, "pg_catalog" | "information_schema") {
            return Err(Error::new(
                SqlState::new("42501"),
                format!("permission denied for table {table_name}"),
            ));
        }
        let table = catalog
            .table(schema_name, table_name)
            .ok_or_else(|| Error::undefined_table(table_name))?;
        let schema = Arc::clone(&table.schema);
        let mut targets = Vec::new();
        if columns.is_empty() {
            for column in &schema.columns {
                targets.push((column.name.clone(), column.data_type));
            }
        } else {
            for column in columns {
                let position = schema.column_index(&column.value).ok_or_else(|| {
                    Error::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!(
                            "column \"{}\" of relation \"{table_name}\" does not exist",
                            column.value
                        ),
                    )
                })?;
                if targets.iter().any(|(name, _)| name == &column.value) {
                    return Err(Error::new(
                        SqlState::DUPLICATE_COLUMN,
                        format!("column \"{}\" specified more than once", column.value),
                    ));
                }
                targets.push((column.value.clone(), schema.columns[position].data_type));
            }
        }
        let column_list: Vec<String> = targets.iter().map(|(name, _)| quote(name)).collect();
        let insert_prefix = format!(
            "INSERT INTO {}.{} ({}) VALUES ",
            quote(schema_name),
            quote(table_name),
            column_list.join(", ")
        );
        // In binary format the "header" is the signature block every stream starts with.
        let header_pending = format.header || format.binary;
        let mut state = CopyIn {
            table: table_name.clone(),
            columns: targets,
            insert_prefix,
            format,
            buffer: String::new(),
            partial: Vec::new(),
            line: 0,
            header_pending,
            ended: false,
            batch: Vec::new(),
            batch_rows: 0,
            full_batch: None,
            copied: 0,
        };
        // Plan a full batch now: errors about the target come before any data.
        state.full_batch = Some(self.plan_copy_insert(&state, COPY_BATCH_ROWS)?);
        let stream = CopyStream {
            columns: state.columns.len() as u16,
            binary: state.format.binary,
        };
        self.copy_in = Some(Box::new(state));
        Ok(StatementResult::command(CommandTag::CopyIn(stream)))
    }

    fn plan_copy_insert(&mut self, state: &CopyIn, rows: usize) -> Result<Arc<BoundStatement>> {
        let width = state.columns.len();
        let mut sql = state.insert_prefix.clone();
        for row in 0..rows {
            if row > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for column in 0..width {
                if column > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", row * width + column + 1));
            }
            sql.push(')');
        }
        let statement = db001_sql::parse(&sql)?
            .pop()
            .ok_or_else(|| Error::internal("COPY built an empty INSERT"))?;
        let types: Vec<DataType> = (0..rows)
            .flat_map(|_| state.columns.iter().map(|(_, data_type)| *data_type))
            .collect();
        let catalog = self.current_catalog();
        let (bound, _) = db001_planner::plan_statement_with_system(
            &catalog,
            self.system.as_ref(),
            &sql,
            &statement,
            &types,
        )?;
        Ok(Arc::new(bound))
    }

    /// Whether a COPY FROM STDIN is waiting for data.
    pub fn copy_in_progress(&self) -> bool {
        self.copy_in.is_some()
    }

    /// One CopyData message of a COPY FROM STDIN. An error ends the COPY and fails its
    /// statement (the wire then ignores the rest of the client's COPY messages).
    pub async fn copy_data(&mut self, data: &[u8]) -> Result<()> {
        let result = self.copy_data_inner(data).await;
        if result.is_err() {
            self.copy_in = None;
            self.fail_statement();
        }
        result
    }

    async fn copy_data_inner(&mut self, data: &[u8]) -> Result<()> {
        let Some(mut state) = self.copy_in.take() else {
            return Ok(());
        };
        let result = self.feed(&mut state, data).await;
        self.copy_in = Some(state);
        result
    }

    async fn feed(&mut self, state: &mut CopyIn, data: &[u8]) -> Result<()> {
        if state.ended {
            return Ok(());
        }
        if state.format.binary {
            return self.feed_binary(state, data).await;
        }
        let mut bytes = std::mem::take(&mut state.partial);
        bytes.extend_from_slice(data);
        let valid_up_to = match std::str::from_utf8(&bytes) {
            Ok(_) => bytes.len(),
            Err(error) if error.error_len().is_none() => error.valid_up_to(),
            Err(_) => {
                return Err(Error::new(
                    SqlState::CHARACTER_NOT_IN_REPERTOIRE,
                    "invalid byte sequence for encoding \"UTF8\"",
                )
                .with_context(format!(
                    "COPY {}, line {}",
                    state.table,
                    state.line + 1
                )));
            }
        };
        state.partial = bytes.split_off(valid_up_to);
        state
            .buffer
            .push_str(std::str::from_utf8(&bytes).map_err(|_| Error::internal("checked UTF-8"))?);
        while let Some(record) = state.format.take_record(&mut state.buffer) {
            self.copy_record(state, &record).await?;
            if state.ended {
                state.buffer.clear();
                return Ok(());
            }
        }
        if state.buffer.len() > COPY_RECORD_BYTES_MAX {
            return Err(
                Error::new(SqlState::PROGRAM_LIMIT_EXCEEDED, "COPY record is too long")
                    .with_context(format!("COPY {}, line {}", state.table, state.line + 1)),
            );
        }
        Ok(())
    }

    async fn copy_record(&mut self, state: &mut CopyIn, record: &str) -> Result<()> {
        state.line += 1;
        if state.header_pending {
            state.header_pending = false;
            return Ok(());
        }
        if state.format.is_end_marker(record) {
            state.ended = true;
            return Ok(());
        }
        let context = |state: &CopyIn| format!("COPY {}, line {}", state.table, state.line);
        let fields = state
            .format
            .parse_record(record)
            .map_err(|error| error.with_context(context(state)))?;
        let width = state.columns.len();
        if fields.len() < width {
            let missing = &state.columns[fields.len()].0;
            return Err(Error::new(
                SqlState::BAD_COPY_FILE_FORMAT,
                format!("missing data for column \"{missing}\""),
            )
            .with_context(format!("{}: \"{record}\"", context(state))));
        }
        if fields.len() > width {
            return Err(Error::new(
                SqlState::BAD_COPY_FILE_FORMAT,
                "extra data after last expected column",
            )
            .with_context(format!("{}: \"{record}\"", context(state))));
        }
        for (field, (name, data_type)) in fields.into_iter().zip(&state.columns) {
            let value = match field {
                None => Value::Null,
                Some(text) => Value::parse_text(*data_type, &text).map_err(|error| {
                    error.with_context(format!("{}, column {name}: \"{text}\"", context(state)))
                })?,
            };
            state.batch.push(value);
        }
        state.batch_rows += 1;
        if state.batch_rows == COPY_BATCH_ROWS {
            self.flush_copy_batch(state).await?;
        }
        Ok(())
    }

    /// Binary COPY data: whole rows out of the byte buffer (`partial`), as they complete.
    async fn feed_binary(&mut self, state: &mut CopyIn, data: &[u8]) -> Result<()> {
        state.partial.extend_from_slice(data);
        loop {
            let item = crate::copy_binary::next_item(
                &state.partial,
                !state.header_pending,
                &state.columns,
            )
            .map_err(|error| {
                let line = format!("COPY {}, line {}", state.table, state.line + 1);
                match error.context() {
                    Some(column) => {
                        let column = column.to_string();
                        error.with_context(format!("{line}, {column}"))
                    }
                    None => error.with_context(line),
                }
            })?;
            match item {
                BinaryItem::Incomplete => break,
                BinaryItem::Header { consumed } => {
                    state.header_pending = false;
                    state.partial.drain(..consumed);
                }
                BinaryItem::Row { consumed, values } => {
                    state.partial.drain(..consumed);
                    state.line += 1;
                    state.batch.extend(values);
                    state.batch_rows += 1;
                    if state.batch_rows == COPY_BATCH_ROWS {
                        self.flush_copy_batch(state).await?;
                    }
                }
                BinaryItem::Trailer => {
                    state.ended = true;
                    state.partial.clear();
                    return Ok(());
                }
            }
        }
        if state.partial.len() > COPY_RECORD_BYTES_MAX {
            return Err(
                Error::new(SqlState::PROGRAM_LIMIT_EXCEEDED, "COPY record is too long")
                    .with_context(format!("COPY {}, line {}", state.table, state.line + 1)),
            );
        }
        Ok(())
    }

    async fn flush_copy_batch(&mut self, state: &mut CopyIn) -> Result<()> {
        if state.batch_rows == 0 {
            return Ok(());
        }
        let plan = match (&state.full_batch, state.batch_rows) {
            (Some(plan), COPY_BATCH_ROWS) => Arc::clone(plan),
            _ => self.plan_copy_insert(state, state.batch_rows)?,
        };
        let params = std::mem::take(&mut state.batch);
        let rows = state.batch_rows;
        state.batch_rows = 0;
        let line = state.line;
        self.run_planned(&plan, &params).await.map_err(|error| {
            if error.context().is_some() {
                error
            } else {
                error.with_context(format!("COPY {}, line {line}", state.table))
            }
        })?;
        state.copied += rows as u64;
        Ok(())
    }

    /// CopyDone: inserts what remains and reports `COPY n`. With `end_implicit` (a COPY sent
    /// as a simple query) the implicit transaction then commits, as at the end of any simple
    /// query.
    pub async fn copy_done(&mut self, end_implicit: bool) -> Result<StatementResult> {
        let result = self.copy_done_inner().await;
        match result {
            Ok(copied) => {
                if end_implicit && self.txn.as_ref().is_some_and(|t| !t.explicit) {
                    self.end_implicit().await?;
                }
                Ok(StatementResult::command(CommandTag::Copy(copied)))
            }
            Err(error) => {
                self.copy_in = None;
                self.fail_statement();
                Err(error)
            }
        }
    }

    async fn copy_done_inner(&mut self) -> Result<u64> {
        let Some(mut state) = self.copy_in.take() else {
            return Err(Error::new(
                SqlState::PROTOCOL_VIOLATION,
                "unexpected CopyDone: no COPY FROM STDIN in progress",
            ));
        };
        if !state.partial.is_empty() {
            return Err(Error::new(
                SqlState::CHARACTER_NOT_IN_REPERTOIRE,
                "invalid byte sequence for encoding \"UTF8\"",
            ));
        }
        if !state.ended && !state.buffer.is_empty() {
            let record = std::mem::take(&mut state.buffer);
            let record = record.strip_suffix('\r').unwrap_or(&record).to_string();
            self.copy_record(&mut state, &record).await?;
        }
        self.flush_copy_batch(&mut state).await?;
        Ok(state.copied)
    }

    /// CopyFail: the client gave up; the COPY fails with its message.
    pub fn copy_fail(&mut self, message: &str) -> Error {
        self.copy_in = None;
        self.fail_statement();
        Error::new(
            SqlState::QUERY_CANCELED,
            format!("COPY from stdin failed: {message}"),
        )
    }

    async fn copy_out(&mut self, copy: &ast::Copy, format: CopyFormat) -> Result<StatementResult> {
        let sql = match &copy.source {
            ast::CopySource::Table { name, columns } => {
                let list = if columns.is_empty() {
                    "*".to_string()
                } else {
                    columns
                        .iter()
                        .map(|c| quote(&c.value))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let table = name
                    .parts
                    .iter()
                    .map(|part| quote(&part.value))
                    .collect::<Vec<_>>()
                    .join(".");
                format!("SELECT {list} FROM {table}")
            }
            ast::CopySource::Query(query) => query.to_string(),
        };
        let statement = db001_sql::parse(&sql)?
            .pop()
            .ok_or_else(|| Error::internal("COPY built an empty query"))?;
        if !matches!(statement, ast::Statement::Select(_)) {
            return Err(Error::feature_not_supported(
                "COPY (INSERT/UPDATE/DELETE ... RETURNING) TO is not supported",
            ));
        }
        let bound = self.bound_plan(&statement, &sql, None)?;
        let result = self.run_planned(&bound, &[]).await?;
        let columns = result
            .columns
            .clone()
            .unwrap_or_else(|| Arc::from(Vec::new()));
        let stream = CopyStream {
            columns: columns.len() as u16,
            binary: format.binary,
        };
        let count = result.rows.len() as u64;
        let pieces = if format.binary {
            binary_pieces(&columns, &result.rows)?
        } else {
            text_pieces(&format, &columns, &result.rows)
        };
        Ok(StatementResult {
            columns: Some(columns.clone()),
            rows: pieces,
            tag: CommandTag::CopyOut(stream, count),
        })
    }
}

/// COPY TO output in text or CSV: the header line if asked for, then a line per row.
fn text_pieces(format: &CopyFormat, columns: &[Column], rows: &[Vec<Value>]) -> Vec<Vec<Value>> {
    let quoted: Vec<bool> = columns
        .iter()
        .map(|c| format.force_quote_all || format.force_quote.contains(&c.name))
        .collect();
    let mut lines = Vec::with_capacity(rows.len() + 1);
    if format.header {
        let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        lines.push(vec![Value::text(&format.header_line(&names))]);
    }
    for row in rows {
        lines.push(vec![Value::text(&format.format_row(row, &quoted))]);
    }
    lines
}

/// COPY TO output in binary format, cut into CopyData pieces as PostgreSQL cuts it (see
/// `copy_binary`).
fn binary_pieces(columns: &[Column], rows: &[Vec<Value>]) -> Result<Vec<Vec<Value>>> {
    let types: Vec<DataType> = columns.iter().map(|c| c.data_type).collect();
    let mut pieces = Vec::with_capacity(rows.len() + 1);
    let mut piece = Vec::new();
    copy_binary::write_header(&mut piece);
    for row in rows {
        copy_binary::write_row(row, &types, &mut piece)?;
        pieces.push(vec![Value::Bytea(Arc::from(std::mem::take(&mut piece)))]);
    }
    copy_binary::write_trailer(&mut piece);
    pieces.push(vec![Value::Bytea(Arc::from(piece))]);
    Ok(pieces)
}
