//! Catalog objects besides tables: constraints kept in a table's schema (CHECK, FOREIGN KEY),
//! views, sequences and schemas (namespaces).
//!
//! Columns are referred to by position, as indexes do; ALTER TABLE ... DROP COLUMN renumbers
//! them (and the constraints of other tables that refer to the table) in one place, the
//! engine's DDL. CHECK expressions and view queries are kept as SQL text (the AST's `Display`,
//! which parses back to the same tree) and bound when used, like column defaults.

use std::sync::Arc;

use db001_common::DataType;

use crate::sequence::SequenceState;

/// `GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// Inserting an explicit value fails (428C9) unless `OVERRIDING SYSTEM VALUE`.
    Always,
    /// An explicit value wins over the sequence.
    ByDefault,
}

/// What happens to referencing rows when a referenced key is deleted or changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReferentialAction {
    /// Fail at the end of the statement if referencing rows remain (the default).
    #[default]
    NoAction,
    /// Fail at once if referencing rows exist.
    Restrict,
    /// Delete (or update) the referencing rows too.
    Cascade,
    /// Set the referencing columns to NULL.
    SetNull,
    /// Set the referencing columns to their defaults.
    SetDefault,
}

impl ReferentialAction {
    /// The byte the codecs store.
    pub fn code(self) -> u8 {
        match self {
            ReferentialAction::NoAction => 0,
            ReferentialAction::Restrict => 1,
            ReferentialAction::Cascade => 2,
            ReferentialAction::SetNull => 3,
            ReferentialAction::SetDefault => 4,
        }
    }

    pub fn from_code(code: u8) -> Option<ReferentialAction> {
        Some(match code {
            0 => ReferentialAction::NoAction,
            1 => ReferentialAction::Restrict,
            2 => ReferentialAction::Cascade,
            3 => ReferentialAction::SetNull,
            4 => ReferentialAction::SetDefault,
            _ => return None,
        })
    }
}

/// A CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckConstraint {
    pub name: String,
    /// The boolean expression as SQL text over the table's column names.
    pub expr: String,
}

/// A FOREIGN KEY constraint, kept in the referencing table's schema.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ForeignKey {
    pub name: String,
    /// Positions of the referencing columns in this table.
    pub columns: Vec<usize>,
    /// The referenced table's id.
    pub referenced_table: u32,
    /// Positions of the referenced columns there (a primary key or unique constraint).
    pub referenced_columns: Vec<usize>,
    pub on_delete: ReferentialAction,
    pub on_update: ReferentialAction,
}

/// A view: a stored query, expanded wherever the view is named.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ViewSchema {
    pub id: u32,
    pub name: String,
    pub schema_name: String,
    /// The query as SQL text.
    pub query: String,
    /// The view's columns as created (names after the optional column list). The query is
    /// re-bound on use; its first `columns.len()` result columns are the view's, which keeps
    /// `SELECT *` views at the width they had when created, as PostgreSQL does.
    pub columns: Vec<(String, DataType)>,
    /// Ids of the tables and views the query reads (DROP ... RESTRICT refuses to drop them).
    pub depends_on: Vec<u32>,
}

/// A sequence's definition. Its changing value is a [`SequenceState`], shared by every copy
/// of the catalog: sequences are not transactional.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceSchema {
    pub id: u32,
    pub name: String,
    pub schema_name: String,
    /// `smallint`, `integer` or `bigint`.
    pub data_type: DataType,
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    pub cache: i64,
    pub cycle: bool,
    /// `OWNED BY table.column`: the table's id and the column's name. Dropping the table (or
    /// the column) drops the sequence; `serial` and identity columns own theirs.
    pub owned_by: Option<(u32, String)>,
}

/// A sequence: definition and value.
#[derive(Debug, Clone)]
pub struct SequenceEntry {
    pub schema: Arc<SequenceSchema>,
    pub state: Arc<SequenceState>,
}

/// The OID PostgreSQL gives the `public` schema.
pub const PUBLIC_SCHEMA_OID: u32 = 2200;
