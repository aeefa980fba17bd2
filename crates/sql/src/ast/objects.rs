//! Statements about schema objects beyond tables and indexes (ALTER TABLE, TRUNCATE, views,
//! schemas, sequences) and the session-level statements (savepoints, PREPARE / EXECUTE /
//! DEALLOCATE). Split from `ast.rs` by concept; re-exported from [`crate::ast`].

use super::{ColumnDef, Expr, Ident, ObjectName, Query, Statement, TableConstraint, TypeName};

/// `ALTER TABLE [IF EXISTS] [ONLY] name action [, ...]` (or one of the RENAME forms, which
/// stand alone).
#[derive(Debug, Clone, PartialEq)]
pub struct AlterTable {
    pub if_exists: bool,
    pub name: ObjectName,
    pub actions: Vec<AlterTableAction>,
}

/// One action of ALTER TABLE.
#[derive(Debug, Clone, PartialEq)]
pub enum AlterTableAction {
    /// `ADD [COLUMN] [IF NOT EXISTS] column_def`.
    AddColumn {
        if_not_exists: bool,
        column: ColumnDef,
    },
    /// `DROP [COLUMN] [IF EXISTS] name [CASCADE | RESTRICT]`.
    DropColumn {
        if_exists: bool,
        name: Ident,
        cascade: bool,
    },
    /// `ADD table_constraint`.
    AddConstraint(TableConstraint),
    /// `DROP CONSTRAINT [IF EXISTS] name [CASCADE | RESTRICT]`.
    DropConstraint {
        if_exists: bool,
        name: Ident,
        cascade: bool,
    },
    /// `ALTER [COLUMN] name SET DEFAULT expr` / `DROP DEFAULT` (`None`).
    SetDefault {
        column: Ident,
        default: Option<Expr>,
    },
    /// `ALTER [COLUMN] name SET NOT NULL` (`true`) / `DROP NOT NULL` (`false`).
    SetNotNull { column: Ident, not_null: bool },
    /// `RENAME [COLUMN] old TO new`.
    RenameColumn { old: Ident, new: Ident },
    /// `RENAME CONSTRAINT old TO new`.
    RenameConstraint { old: Ident, new: Ident },
    /// `RENAME TO new`.
    RenameTable(Ident),
}

/// `TRUNCATE [TABLE] [ONLY] name [, ...] [RESTART IDENTITY | CONTINUE IDENTITY]
/// [CASCADE | RESTRICT]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Truncate {
    pub names: Vec<ObjectName>,
    pub restart_identity: bool,
    pub cascade: bool,
}

/// `CREATE [OR REPLACE] VIEW name [(columns)] AS query`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateView {
    pub or_replace: bool,
    pub name: ObjectName,
    pub columns: Vec<Ident>,
    pub query: Box<Query>,
}

/// The kinds of object `DROP` names beyond tables and indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    View,
    Sequence,
    Schema,
}

impl ObjectKind {
    /// The SQL keyword(s) naming the kind.
    pub fn keyword(self) -> &'static str {
        match self {
            ObjectKind::View => "VIEW",
            ObjectKind::Sequence => "SEQUENCE",
            ObjectKind::Schema => "SCHEMA",
        }
    }
}

/// `DROP { VIEW | SEQUENCE | SCHEMA } [IF EXISTS] name [, ...] [CASCADE | RESTRICT]`.
#[derive(Debug, Clone, PartialEq)]
pub struct DropObjects {
    pub kind: ObjectKind,
    pub if_exists: bool,
    pub names: Vec<ObjectName>,
    pub cascade: bool,
}

/// `CREATE SCHEMA [IF NOT EXISTS] name`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateSchema {
    pub if_not_exists: bool,
    pub name: Ident,
}

/// `CREATE SEQUENCE [IF NOT EXISTS] name [options]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateSequence {
    pub if_not_exists: bool,
    pub name: ObjectName,
    pub options: Vec<SequenceOption>,
}

/// One option of CREATE SEQUENCE (and of an identity column's parenthesised options).
#[derive(Debug, Clone, PartialEq)]
pub enum SequenceOption {
    /// `AS type`.
    As(TypeName),
    /// `INCREMENT [BY] n`.
    IncrementBy(i64),
    /// `MINVALUE n` / `NO MINVALUE` (`None`).
    MinValue(Option<i64>),
    /// `MAXVALUE n` / `NO MAXVALUE` (`None`).
    MaxValue(Option<i64>),
    /// `START [WITH] n`.
    StartWith(i64),
    /// `CACHE n`.
    Cache(i64),
    /// `CYCLE` (`true`) / `NO CYCLE` (`false`).
    Cycle(bool),
    /// `OWNED BY table.column` / `OWNED BY NONE` (`None`).
    OwnedBy(Option<ObjectName>),
}

/// `PREPARE name [(type, ...)] AS statement`.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepare {
    pub name: Ident,
    pub param_types: Vec<TypeName>,
    pub statement: Box<Statement>,
}

/// `EXECUTE name [(expr, ...)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Execute {
    pub name: Ident,
    pub params: Vec<Expr>,
}
