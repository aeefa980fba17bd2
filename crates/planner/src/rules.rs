//! What a write must keep true beyond a row's own types: CHECK constraints and foreign keys.
//!
//! The binder compiles them once per statement, for the written table and every table a
//! referential action may write in turn (a cascading delete writes the referencing table,
//! whose own rules then apply), into one [`WriteRules`] shared by the statement's plan; the
//! executor's `constraints` module enforces them. Plans of tables that are only read carry
//! none.
//!
//! Rules refer to columns by position in the table's rows and to other tables by
//! [`TableRef`], so enforcing them needs no catalog.

use std::collections::HashMap;

use db001_catalog::ReferentialAction;
use db001_common::DataType;

use crate::plan::{Expr, TableRef};

/// The rules of every table a statement may write, by table id.
#[derive(Debug, Clone, Default)]
pub struct WriteRules {
    pub tables: HashMap<u32, TableRules>,
}

impl WriteRules {
    /// The rules of table `id` (`None`: the table has none).
    pub fn of(&self, id: u32) -> Option<&TableRules> {
        self.tables.get(&id)
    }

    /// Whether no table has any rule.
    pub fn is_empty(&self) -> bool {
        self.tables.values().all(TableRules::is_empty)
    }
}

/// One table's rules.
#[derive(Debug, Clone)]
pub struct TableRules {
    pub table: TableRef,
    pub checks: Vec<CheckRule>,
    /// Foreign keys of this table: its rows must reference existing rows.
    pub references: Vec<ForeignKeyRule>,
    /// Foreign keys of other tables (or this one) that reference this table.
    pub referenced_by: Vec<ReferencedRule>,
}

impl TableRules {
    pub fn is_empty(&self) -> bool {
        self.checks.is_empty() && self.references.is_empty() && self.referenced_by.is_empty()
    }
}

/// A CHECK constraint: a row violates it when the predicate is false (NULL passes).
#[derive(Debug, Clone)]
pub struct CheckRule {
    pub name: String,
    /// Over the table's row.
    pub predicate: Expr,
}

/// A foreign key seen from the referencing table.
#[derive(Debug, Clone)]
pub struct ForeignKeyRule {
    pub name: String,
    /// Referencing columns of this table, in the order of the referenced index's key.
    pub columns: Vec<usize>,
    pub parent: TableRef,
    /// The unique index of the referenced table the key is looked up in.
    pub parent_index: u32,
    /// Referenced columns, in index key order (aligned with `columns`).
    pub parent_columns: Vec<usize>,
    /// The referenced columns' types, which the referencing values are cast to for lookup.
    pub key_types: Vec<DataType>,
}

/// A foreign key seen from the referenced table.
#[derive(Debug, Clone)]
pub struct ReferencedRule {
    pub name: String,
    pub child: TableRef,
    /// Referencing columns of the child.
    pub child_columns: Vec<usize>,
    /// Referenced columns of this table, aligned with `child_columns`.
    pub parent_columns: Vec<usize>,
    /// The child columns' types (this table's key values are cast to them to compare).
    pub child_types: Vec<DataType>,
    pub on_delete: ReferentialAction,
    pub on_update: ReferentialAction,
    /// An index of the child whose leading columns are exactly `child_columns`, in order, to
    /// find referencing rows without scanning the child.
    pub child_index: Option<u32>,
    /// Defaults of the child columns (for SET DEFAULT), aligned with `child_columns`;
    /// `Literal(NULL)` where a column has none.
    pub defaults: Vec<Expr>,
}
