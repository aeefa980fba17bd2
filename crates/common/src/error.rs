//! The one error type of db001.
//!
//! Every failure a client can see is an [`Error`] carrying a PostgreSQL SQLSTATE, a message, and
//! optionally a detail, a hint and a 1-based character position into the statement text (psql
//! draws the caret from it). Drivers branch on the SQLSTATE, so it is chosen to match what
//! PostgreSQL 15 reports for the same statement, never a catch-all.
//!
//! Two conditions travel through the same type although a client rarely sees them:
//! [`Error::wait_for`] tells the session that the statement met a row being written by another
//! transaction and must wait for it and retry, and [`Error::is_retryable_conflict`] classifies
//! it. Should such an error ever escape to a client it is reported as a serialization failure
//! (40001), the safe answer.
//!
//! The error is boxed so that `Result<T, Error>` stays one word wide on the hot path.

use std::fmt;

/// A PostgreSQL SQLSTATE: five ASCII characters, the first two naming the class.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SqlState([u8; 5]);

impl SqlState {
    /// Builds a SQLSTATE from its five-character code.
    pub const fn new(code: &str) -> SqlState {
        let bytes = code.as_bytes();
        assert!(bytes.len() == 5, "a SQLSTATE has five characters");
        SqlState([bytes[0], bytes[1], bytes[2], bytes[3], bytes[4]])
    }

    /// The five-character code, e.g. `"42P01"`.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).expect("SQLSTATE codes are built from ASCII")
    }

    pub const SUCCESSFUL_COMPLETION: SqlState = SqlState::new("00000");
    pub const WARNING: SqlState = SqlState::new("01000");
    pub const CONNECTION_EXCEPTION: SqlState = SqlState::new("08000");
    pub const PROTOCOL_VIOLATION: SqlState = SqlState::new("08P01");
    pub const FEATURE_NOT_SUPPORTED: SqlState = SqlState::new("0A000");
    pub const CARDINALITY_VIOLATION: SqlState = SqlState::new("21000");
    pub const DATA_EXCEPTION: SqlState = SqlState::new("22000");
    pub const STRING_DATA_RIGHT_TRUNCATION: SqlState = SqlState::new("22001");
    pub const NUMERIC_VALUE_OUT_OF_RANGE: SqlState = SqlState::new("22003");
    pub const NULL_VALUE_NOT_ALLOWED: SqlState = SqlState::new("22004");
    pub const INVALID_DATETIME_FORMAT: SqlState = SqlState::new("22007");
    pub const DATETIME_FIELD_OVERFLOW: SqlState = SqlState::new("22008");
    pub const DIVISION_BY_ZERO: SqlState = SqlState::new("22012");
    pub const INVALID_ARGUMENT_FOR_POWER_FUNCTION: SqlState = SqlState::new("2201F");
    pub const INVALID_PARAMETER_VALUE: SqlState = SqlState::new("22023");
    pub const INVALID_ESCAPE_SEQUENCE: SqlState = SqlState::new("22025");
    pub const INVALID_TEXT_REPRESENTATION: SqlState = SqlState::new("22P02");
    pub const INVALID_BINARY_REPRESENTATION: SqlState = SqlState::new("22P03");
    pub const BAD_COPY_FILE_FORMAT: SqlState = SqlState::new("22P04");
    pub const CHARACTER_NOT_IN_REPERTOIRE: SqlState = SqlState::new("22021");
    pub const INTEGRITY_CONSTRAINT_VIOLATION: SqlState = SqlState::new("23000");
    pub const NOT_NULL_VIOLATION: SqlState = SqlState::new("23502");
    pub const FOREIGN_KEY_VIOLATION: SqlState = SqlState::new("23503");
    pub const UNIQUE_VIOLATION: SqlState = SqlState::new("23505");
    pub const CHECK_VIOLATION: SqlState = SqlState::new("23514");
    pub const INVALID_CURSOR_STATE: SqlState = SqlState::new("24000");
    pub const INVALID_TRANSACTION_STATE: SqlState = SqlState::new("25000");
    pub const ACTIVE_SQL_TRANSACTION: SqlState = SqlState::new("25001");
    pub const READ_ONLY_SQL_TRANSACTION: SqlState = SqlState::new("25006");
    pub const NO_ACTIVE_SQL_TRANSACTION: SqlState = SqlState::new("25P01");
    pub const IN_FAILED_SQL_TRANSACTION: SqlState = SqlState::new("25P02");
    pub const INVALID_SQL_STATEMENT_NAME: SqlState = SqlState::new("26000");
    pub const INVALID_AUTHORIZATION_SPECIFICATION: SqlState = SqlState::new("28000");
    pub const INVALID_PASSWORD: SqlState = SqlState::new("28P01");
    pub const INVALID_CURSOR_NAME: SqlState = SqlState::new("34000");
    pub const SERIALIZATION_FAILURE: SqlState = SqlState::new("40001");
    pub const DEADLOCK_DETECTED: SqlState = SqlState::new("40P01");
    pub const SYNTAX_ERROR: SqlState = SqlState::new("42601");
    pub const INSUFFICIENT_PRIVILEGE: SqlState = SqlState::new("42501");
    pub const GROUPING_ERROR: SqlState = SqlState::new("42803");
    pub const DATATYPE_MISMATCH: SqlState = SqlState::new("42804");
    pub const WRONG_OBJECT_TYPE: SqlState = SqlState::new("42809");
    pub const INVALID_COLUMN_DEFINITION: SqlState = SqlState::new("42611");
    pub const UNDEFINED_COLUMN: SqlState = SqlState::new("42703");
    pub const UNDEFINED_FUNCTION: SqlState = SqlState::new("42883");
    pub const UNDEFINED_TABLE: SqlState = SqlState::new("42P01");
    pub const UNDEFINED_PARAMETER: SqlState = SqlState::new("42P02");
    pub const UNDEFINED_OBJECT: SqlState = SqlState::new("42704");
    pub const DUPLICATE_COLUMN: SqlState = SqlState::new("42701");
    pub const DUPLICATE_OBJECT: SqlState = SqlState::new("42710");
    pub const DUPLICATE_TABLE: SqlState = SqlState::new("42P07");
    pub const DUPLICATE_PREPARED_STATEMENT: SqlState = SqlState::new("42P05");
    pub const AMBIGUOUS_COLUMN: SqlState = SqlState::new("42702");
    pub const AMBIGUOUS_FUNCTION: SqlState = SqlState::new("42725");
    pub const INVALID_COLUMN_REFERENCE: SqlState = SqlState::new("42P10");
    pub const INVALID_TABLE_DEFINITION: SqlState = SqlState::new("42P16");
    pub const INDETERMINATE_DATATYPE: SqlState = SqlState::new("42P18");
    pub const CANNOT_COERCE: SqlState = SqlState::new("42846");
    pub const UNDEFINED_DATABASE: SqlState = SqlState::new("3D000");
    pub const PROGRAM_LIMIT_EXCEEDED: SqlState = SqlState::new("54000");
    pub const STATEMENT_TOO_COMPLEX: SqlState = SqlState::new("54001");
    pub const TOO_MANY_COLUMNS: SqlState = SqlState::new("54011");
    pub const OBJECT_IN_USE: SqlState = SqlState::new("55006");
    pub const LOCK_NOT_AVAILABLE: SqlState = SqlState::new("55P03");
    pub const QUERY_CANCELED: SqlState = SqlState::new("57014");
    pub const ADMIN_SHUTDOWN: SqlState = SqlState::new("57P01");
    pub const TOO_MANY_CONNECTIONS: SqlState = SqlState::new("53300");
    pub const OUT_OF_MEMORY: SqlState = SqlState::new("53200");
    pub const DISK_FULL: SqlState = SqlState::new("53100");
    pub const IO_ERROR: SqlState = SqlState::new("58030");
    pub const INTERNAL_ERROR: SqlState = SqlState::new("XX000");
    pub const DATA_CORRUPTED: SqlState = SqlState::new("XX001");
    pub const INDEX_CORRUPTED: SqlState = SqlState::new("XX002");
}

impl fmt::Debug for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for SqlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How bad an error is, as PostgreSQL's `severity` field names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The statement failed; the session goes on.
    Error,
    /// The session ends (e.g. authentication failed, too many connections).
    Fatal,
}

impl Severity {
    /// The severity word the wire protocol sends.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "ERROR",
            Severity::Fatal => "FATAL",
        }
    }
}

/// Every error db001 reports. Boxed so the `Result` stays small.
#[derive(Clone, PartialEq)]
pub struct Error(Box<ErrorInner>);

#[derive(Clone, PartialEq)]
struct ErrorInner {
    code: SqlState,
    severity: Severity,
    message: String,
    detail: Option<String>,
    hint: Option<String>,
    /// Where it happened (PostgreSQL's CONTEXT field), e.g. `COPY t, line 3`.
    context: Option<String>,
    /// 1-based character offset into the statement text.
    position: Option<u32>,
    /// Set when a statement must wait for this transaction to finish and then retry.
    wait_for: Option<u64>,
}

/// The result type used throughout db001.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error with a SQLSTATE and a message.
    pub fn new(code: SqlState, message: impl Into<String>) -> Error {
        Error(Box::new(ErrorInner {
            code,
            severity: Severity::Error,
            message: message.into(),
            detail: None,
            hint: None,
            context: None,
            position: None,
            wait_for: None,
        }))
    }

    /// Adds a context line (PostgreSQL's CONTEXT field).
    pub fn with_context(mut self, context: impl Into<String>) -> Error {
        self.0.context = Some(context.into());
        self
    }

    pub fn context(&self) -> Option<&str> {
        self.0.context.as_deref()
    }

    /// Adds a detail line.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Error {
        self.0.detail = Some(detail.into());
        self
    }

    /// Adds a hint line.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.0.hint = Some(hint.into());
        self
    }

    /// Sets the 1-based character position in the statement text.
    pub fn with_position(mut self, position: u32) -> Error {
        self.0.position = Some(position);
        self
    }

    /// Sets the position only when none is set yet.
    pub fn or_position(mut self, position: Option<u32>) -> Error {
        if self.0.position.is_none() {
            self.0.position = position;
        }
        self
    }

    /// Marks the error as fatal: the session ends after it is sent.
    pub fn fatal(mut self) -> Error {
        self.0.severity = Severity::Fatal;
        self
    }

    /// The statement met a row that transaction `txn_id` is writing: wait for it, then retry.
    pub fn wait_for(txn_id: u64) -> Error {
        let mut error = Error::new(
            SqlState::SERIALIZATION_FAILURE,
            "could not serialize access due to concurrent update",
        );
        error.0.wait_for = Some(txn_id);
        error
    }

    /// The transaction whose end this statement must wait for, if the error is such a conflict.
    pub fn waiting_for(&self) -> Option<u64> {
        self.0.wait_for
    }

    pub fn code(&self) -> SqlState {
        self.0.code
    }

    pub fn severity(&self) -> Severity {
        self.0.severity
    }

    pub fn message(&self) -> &str {
        &self.0.message
    }

    pub fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }

    pub fn hint(&self) -> Option<&str> {
        self.0.hint.as_deref()
    }

    pub fn position(&self) -> Option<u32> {
        self.0.position
    }

    /// Whether a client may retry the whole transaction (40001 or 40P01).
    pub fn is_retryable_conflict(&self) -> bool {
        self.0.code == SqlState::SERIALIZATION_FAILURE || self.0.code == SqlState::DEADLOCK_DETECTED
    }

    // Constructors for the common cases, named after their SQLSTATE.

    pub fn syntax(message: impl Into<String>) -> Error {
        Error::new(SqlState::SYNTAX_ERROR, message)
    }

    pub fn feature_not_supported(message: impl Into<String>) -> Error {
        Error::new(SqlState::FEATURE_NOT_SUPPORTED, message)
    }

    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(SqlState::INTERNAL_ERROR, message)
    }

    pub fn undefined_table(name: &str) -> Error {
        Error::new(
            SqlState::UNDEFINED_TABLE,
            format!("relation \"{name}\" does not exist"),
        )
    }

    pub fn undefined_column(name: &str) -> Error {
        Error::new(
            SqlState::UNDEFINED_COLUMN,
            format!("column \"{name}\" does not exist"),
        )
    }

    pub fn invalid_text(type_name: &str, input: &str) -> Error {
        Error::new(
            SqlState::INVALID_TEXT_REPRESENTATION,
            format!("invalid input syntax for type {type_name}: \"{input}\""),
        )
    }

    pub fn out_of_range(message: impl Into<String>) -> Error {
        Error::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, message)
    }

    pub fn division_by_zero() -> Error {
        Error::new(SqlState::DIVISION_BY_ZERO, "division by zero")
    }

    pub fn datatype_mismatch(message: impl Into<String>) -> Error {
        Error::new(SqlState::DATATYPE_MISMATCH, message)
    }

    pub fn io(context: &str, error: &std::io::Error) -> Error {
        let code = if error.raw_os_error() == Some(28) {
            SqlState::DISK_FULL
        } else {
            SqlState::IO_ERROR
        };
        Error::new(code, format!("{context}: {error}"))
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.0.severity.as_str(),
            self.0.code,
            self.0.message
        )?;
        if let Some(detail) = &self.0.detail {
            write!(f, " (detail: {detail})")?;
        }
        if let Some(position) = self.0.position {
            write!(f, " (position {position})")?;
        }
        Ok(())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for Error {}

/// Returns early with an error built from a SQLSTATE and a `format!` message.
#[macro_export]
macro_rules! bail {
    ($code:expr, $($arg:tt)*) => {
        return Err($crate::Error::new($code, format!($($arg)*)))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_word() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn wait_for_is_a_serialization_failure_if_it_escapes() {
        let error = Error::wait_for(7);
        assert_eq!(error.waiting_for(), Some(7));
        assert_eq!(error.code().code(), "40001");
        assert!(error.is_retryable_conflict());
        assert!(!Error::syntax("x").is_retryable_conflict());
    }

    #[test]
    fn position_is_kept_once_set() {
        let error = Error::syntax("x").with_position(3).or_position(Some(9));
        assert_eq!(error.position(), Some(3));
    }
}
