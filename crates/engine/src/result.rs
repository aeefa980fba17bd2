//! What a statement gives back: result columns, rows and the command tag.

use std::fmt;
use std::sync::Arc;

use db001_common::{DataType, Row};

/// A result column as RowDescription describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub data_type: DataType,
    /// OID of the table the column comes from, or 0.
    pub table_oid: u32,
    /// Attribute number within that table, or 0.
    pub column_number: i16,
}

/// The outcome of one statement.
#[derive(Debug, Clone)]
pub struct StatementResult {
    /// `Some` for statements that return rows (SELECT, SHOW, ... RETURNING), even when no row
    /// came back; `None` for the others.
    pub columns: Option<Arc<[Column]>>,
    pub rows: Vec<Row>,
    pub tag: CommandTag,
}

impl StatementResult {
    /// A result without rows.
    pub fn command(tag: CommandTag) -> StatementResult {
        StatementResult {
            columns: None,
            rows: Vec::new(),
            tag,
        }
    }
}

/// The command tag of CommandComplete, built from the typed statement, never from its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandTag {
    Select(u64),
    Insert(u64),
    Update(u64),
    Delete(u64),
    CreateTable,
    DropTable,
    CreateIndex,
    DropIndex,
    Begin,
    Commit,
    Rollback,
    Set,
    Reset,
    Show,
    Explain,
    Checkpoint,
    CreateRole,
    AlterRole,
    DropRole,
    /// `DISCARD ALL`: the wire also drops the session's prepared statements and portals.
    DiscardAll,
    Discard,
    /// `CLOSE name` / `CLOSE ALL` (`true`).
    CloseCursor(bool),
    Listen,
    Unlisten,
    /// `DEALLOCATE name` for a name that is not a SQL-level prepared statement: the wire drops
    /// its protocol-level statement of that name (26000 when it has none). (`DEALLOCATE ALL`
    /// also makes the wire drop all of its statements.)
    DeallocateProtocol(String),
    /// A finished `COPY`: rows copied.
    Copy(u64),
    /// `COPY ... FROM STDIN` is waiting for data: the wire sends CopyInResponse for this
    /// stream and feeds the data to `Session::copy_data` (see `copy`).
    CopyIn(CopyStream),
    /// `COPY ... TO STDOUT` of this stream and this many rows: each result row holds one piece
    /// of output — a text value per line (the header line too) in text and CSV, a bytea value
    /// per row in binary (the file header before the first row, the trailer as the last
    /// piece); the wire sends CopyOutResponse, the pieces as CopyData, CopyDone, and `COPY n`.
    CopyOut(CopyStream, u64),
    AlterTable,
    Truncate,
    CreateView,
    DropView,
    CreateSchema,
    DropSchema,
    CreateSequence,
    DropSequence,
    Savepoint,
    Release,
    Prepare,
    Deallocate,
    DeallocateAll,
    PrepareTransaction,
    CommitPrepared,
    RollbackPrepared,
    Vacuum,
}

impl fmt::Display for CommandTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandTag::Select(n) => write!(f, "SELECT {n}"),
            CommandTag::Insert(n) => write!(f, "INSERT 0 {n}"),
            CommandTag::Update(n) => write!(f, "UPDATE {n}"),
            CommandTag::Delete(n) => write!(f, "DELETE {n}"),
            CommandTag::CreateTable => f.write_str("CREATE TABLE"),
            CommandTag::DropTable => f.write_str("DROP TABLE"),
            CommandTag::CreateIndex => f.write_str("CREATE INDEX"),
            CommandTag::DropIndex => f.write_str("DROP INDEX"),
            CommandTag::Begin => f.write_str("BEGIN"),
            CommandTag::Commit => f.write_str("COMMIT"),
            CommandTag::Rollback => f.write_str("ROLLBACK"),
            CommandTag::Set => f.write_str("SET"),
            CommandTag::Reset => f.write_str("RESET"),
            CommandTag::Show => f.write_str("SHOW"),
            CommandTag::Explain => f.write_str("EXPLAIN"),
            CommandTag::Checkpoint => f.write_str("CHECKPOINT"),
            CommandTag::CreateRole => f.write_str("CREATE ROLE"),
            CommandTag::AlterRole => f.write_str("ALTER ROLE"),
            CommandTag::DropRole => f.write_str("DROP ROLE"),
            CommandTag::DiscardAll => f.write_str("DISCARD ALL"),
            CommandTag::Discard => f.write_str("DISCARD"),
            CommandTag::CloseCursor(false) => f.write_str("CLOSE CURSOR"),
            CommandTag::CloseCursor(true) => f.write_str("CLOSE CURSOR ALL"),
            CommandTag::Listen => f.write_str("LISTEN"),
            CommandTag::Unlisten => f.write_str("UNLISTEN"),
            CommandTag::DeallocateProtocol(_) => f.write_str("DEALLOCATE"),
            CommandTag::Copy(n) => write!(f, "COPY {n}"),
            CommandTag::CopyIn(_) => f.write_str("COPY"),
            CommandTag::CopyOut(_, n) => write!(f, "COPY {n}"),
            CommandTag::AlterTable => f.write_str("ALTER TABLE"),
            CommandTag::Truncate => f.write_str("TRUNCATE TABLE"),
            CommandTag::CreateView => f.write_str("CREATE VIEW"),
            CommandTag::DropView => f.write_str("DROP VIEW"),
            CommandTag::CreateSchema => f.write_str("CREATE SCHEMA"),
            CommandTag::DropSchema => f.write_str("DROP SCHEMA"),
            CommandTag::CreateSequence => f.write_str("CREATE SEQUENCE"),
            CommandTag::DropSequence => f.write_str("DROP SEQUENCE"),
            CommandTag::Savepoint => f.write_str("SAVEPOINT"),
            CommandTag::Release => f.write_str("RELEASE"),
            CommandTag::Prepare => f.write_str("PREPARE"),
            CommandTag::Deallocate => f.write_str("DEALLOCATE"),
            CommandTag::DeallocateAll => f.write_str("DEALLOCATE ALL"),
            CommandTag::PrepareTransaction => f.write_str("PREPARE TRANSACTION"),
            CommandTag::CommitPrepared => f.write_str("COMMIT PREPARED"),
            CommandTag::RollbackPrepared => f.write_str("ROLLBACK PREPARED"),
            CommandTag::Vacuum => f.write_str("VACUUM"),
        }
    }
}

/// The transaction state ReadyForQuery reports.
/// The shape of a COPY data stream, as CopyInResponse and CopyOutResponse announce it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyStream {
    /// Columns in each row.
    pub columns: u16,
    /// `FORMAT binary` (every column binary) rather than text or CSV (every column text).
    pub binary: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionStatus {
    /// `I`: not in a transaction block.
    Idle,
    /// `T`: in a transaction block.
    InBlock,
    /// `E`: in a failed transaction block; statements fail with 25P02 until it ends.
    Failed,
}

impl TransactionStatus {
    /// The status byte of ReadyForQuery.
    pub fn as_byte(self) -> u8 {
        match self {
            TransactionStatus::Idle => b'I',
            TransactionStatus::InBlock => b'T',
            TransactionStatus::Failed => b'E',
        }
    }
}
