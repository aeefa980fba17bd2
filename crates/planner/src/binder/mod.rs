//! The binder: resolves an AST against a catalog into a typed plan.
//!
//! It follows PostgreSQL's analysis rules where clients can tell the difference: how literals
//! and parameters get their types (from context, as PostgreSQL's `unknown` type does), how
//! columns are named (`?column?`, `count`, ...), which errors come with which SQLSTATE and
//! position. The plans it produces are naive (filters above sequential scans, nested loops in
//! FROM order); the optimizer (`crate::optimizer`) then pushes predicates down and chooses index
//! access.

mod arrays;
mod coerce;
mod expr;
mod functions;
mod operators;
mod resolve;
mod signatures;
mod statement;
mod system;

use db001_catalog::Catalog;
use db001_common::{DataType, Error, Result, SqlState};
use db001_sql::ast;

pub use coerce::{assignment_castable, resolve_type};

use crate::plan::{AggregateCall, TableRef};

/// State of an aggregated SELECT while its select list, HAVING and ORDER BY are bound.
#[derive(Debug)]
pub(crate) struct AggregateState {
    /// GROUP BY keys as normalised SQL text, for matching select-list expressions.
    pub(crate) keys: Vec<String>,
    pub(crate) key_types: Vec<DataType>,
    pub(crate) calls: Vec<AggregateCall>,
    /// True while an aggregate's argument is bound (against the input rows).
    pub(crate) inside_call: bool,
}

/// One column visible to expressions.
#[derive(Debug, Clone)]
pub(crate) struct ScopeColumn {
    /// The table alias (or name) that qualifies the column.
    pub(crate) qualifier: Option<String>,
    pub(crate) name: String,
    pub(crate) data_type: DataType,
    pub(crate) table_oid: u32,
    pub(crate) column_number: i16,
}

/// One relation in FROM.
#[derive(Debug, Clone)]
pub(crate) struct ScopeRelation {
    pub(crate) name: String,
    pub(crate) offset: usize,
    pub(crate) width: usize,
}

/// The columns an expression can refer to, in input-row order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    pub(crate) columns: Vec<ScopeColumn>,
    pub(crate) relations: Vec<ScopeRelation>,
}

impl Scope {
    /// Resolves `c`, `t.c` or `s.t.c` to a position.
    pub(crate) fn resolve(&self, parts: &[ast::Ident], sql: &str) -> Result<(usize, &ScopeColumn)> {
        let position = |ident: &ast::Ident| ident.span.position(sql);
        let (qualifier, name) = match parts {
            [name] => (None, name),
            [.., table, name] => (Some(table), name),
            [] => return Err(Error::internal("empty column reference")),
        };
        if let Some(table) = qualifier
            && !self.relations.iter().any(|r| r.name == table.value)
        {
            return Err(Error::new(
                SqlState::UNDEFINED_TABLE,
                format!("missing FROM-clause entry for table \"{}\"", table.value),
            )
            .with_position(position(table)));
        }
        let mut found = None;
        for (index, column) in self.columns.iter().enumerate() {
            let qualifier_matches =
                qualifier.is_none_or(|q| column.qualifier.as_deref() == Some(q.value.as_str()));
            if qualifier_matches && column.name == name.value {
                if found.is_some() {
                    return Err(Error::new(
                        SqlState::AMBIGUOUS_COLUMN,
                        format!("column reference \"{}\" is ambiguous", name.value),
                    )
                    .with_position(position(&parts[0])));
                }
                found = Some((index, column));
            }
        }
        found.ok_or_else(|| {
            let shown = match qualifier {
                Some(table) => format!("column {}.{} does not exist", table.value, name.value),
                None => format!("column \"{}\" does not exist", name.value),
            };
            Error::new(SqlState::UNDEFINED_COLUMN, shown).with_position(position(&parts[0]))
        })
    }
}

/// Binds statements against one catalog.
#[derive(Debug)]
pub struct Binder<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) sql: &'a str,
    /// Types of `$1..$n`, `Unknown` until the client or the context decides.
    pub(crate) params: Vec<DataType>,
    pub(crate) aggregate: Option<AggregateState>,
    /// The clause being bound, for "not allowed in WHERE" messages.
    pub(crate) clause: &'static str,
    pub(crate) depth: usize,
    /// Set while binding the top-level SELECT of a `FOR UPDATE / FOR SHARE` query.
    pub(crate) locking: bool,
    /// What that query locks, once its FROM and WHERE are bound.
    pub(crate) lock_target: Option<crate::plan::LockRows>,
    /// Where `pg_catalog` and `information_schema` come from (see [`crate::system`]).
    pub(crate) system: Option<&'a dyn crate::system::SystemRelations>,
}

impl<'a> Binder<'a> {
    /// A binder for statement text `sql` with the client's parameter types.
    pub fn new(catalog: &'a Catalog, sql: &'a str, param_types: &[DataType]) -> Binder<'a> {
        Binder {
            catalog,
            sql,
            params: param_types.to_vec(),
            aggregate: None,
            clause: "WHERE",
            depth: 0,
            locking: false,
            lock_target: None,
            system: None,
        }
    }

    /// Lets the binder resolve system relations, `reg*` constants and system functions.
    pub fn with_system(mut self, system: &'a dyn crate::system::SystemRelations) -> Binder<'a> {
        self.system = Some(system);
        self
    }

    /// The parameter types after binding: unknown ones resolved as text, as PostgreSQL does.
    pub fn param_types(&self) -> Vec<DataType> {
        self.params
            .iter()
            .map(|t| {
                if *t == DataType::Unknown {
                    DataType::Text
                } else {
                    *t
                }
            })
            .collect()
    }

    /// Looks up a table by possibly qualified name.
    pub(crate) fn table(&self, name: &ast::ObjectName) -> Result<TableRef> {
        if let Some(system) = self.system_table(name) {
            return system;
        }
        let schema = name.schema().map_or("public", |s| s.value.as_str());
        self.catalog
            .table(schema, &name.name().value)
            .map(|entry| TableRef {
                schema: std::sync::Arc::clone(&entry.schema),
                storage: std::sync::Arc::clone(&entry.storage),
            })
            .ok_or_else(|| {
                Error::undefined_table(&name.name().value)
                    .with_position(name.span().position(self.sql))
            })
    }
}
