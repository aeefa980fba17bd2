//! The binder: resolves an AST against a catalog into a typed plan.
//!
//! It follows PostgreSQL's analysis rules where clients can tell the difference: how literals
//! and parameters get their types (from context, as PostgreSQL's `unknown` type does), how
//! columns are named (`?column?`, `count`, ...), which errors come with which SQLSTATE and
//! position. The plans it produces are naive (filters above sequential scans, nested loops in
//! FROM order, subqueries inside expressions); the optimizer (`crate::optimizer`) then turns
//! subqueries into joins where it can, pushes predicates down, and chooses index access and
//! join methods.
//!
//! By concept:
//!
//! | module | binds |
//! | --- | --- |
//! | `statement` | the entry point, VALUES lists, INSERT, UPDATE, DELETE |
//! | `query` | `WITH [RECURSIVE]`, set operations, a query's ORDER BY / LIMIT / OFFSET |
//! | `select` | one SELECT: WHERE, GROUP BY, HAVING, select list, `DISTINCT [ON]`, ORDER BY |
//! | `from` | FROM items and joins (ON, USING, NATURAL; outer joins; derived tables; functions) |
//! | `scope` / `names` | what a name means: PostgreSQL's namespace rules, grouped columns, outer columns of correlated subqueries |
//! | `expr` / `coerce` | scalar expressions, operators, functions, implicit casts |
//! | `aggregate` / `window` | aggregate calls and window calls |
//! | `subquery` | subqueries inside expressions |

mod aggregate;
mod arrays;
mod coerce;
mod dml_join;
mod expr;
mod from;
mod functions;
mod identity;
mod locking;
mod names;
mod operators;
mod query;
mod records;
mod resolve;
mod rules;
mod scope;
mod select;
mod sequences;
mod set_functions;
mod signatures;
mod statement;
mod subquery;
mod system;
mod table_expr;
mod upsert;
mod views;
mod window;

use db001_catalog::Catalog;
use db001_common::{DataType, Error, Result, SqlState};
use db001_sql::ast;

pub use coerce::{assignment_castable, resolve_type};
pub use table_expr::bind_table_expression;

use crate::plan::{AggregateCall, OutputColumn, Plan, TableRef, WindowCall};
pub(crate) use scope::{Scope, ScopeColumn};

/// Aggregate results are bound as columns from this position on, and moved behind the group
/// keys once the number of keys is final (grouping by a primary key lets a query use the
/// table's other columns, which then become keys too).
pub(crate) const AGGREGATE_BASE: usize = usize::MAX / 4;
/// Window function results are bound as columns from this position on, and moved behind the
/// window node's input columns when the SELECT is finished.
pub(crate) const WINDOW_BASE: usize = usize::MAX / 2;
/// Results of set-returning functions in the select list are bound as columns from this
/// position on, and moved behind the ProjectSet node's input columns when the SELECT is done.
pub(crate) const SET_BASE: usize = usize::MAX / 4 * 3;

/// State of an aggregated SELECT while its select list, HAVING and ORDER BY are bound.
#[derive(Debug)]
pub(crate) struct AggregateState {
    /// GROUP BY keys as normalised SQL text, for matching select-list expressions.
    pub(crate) keys: Vec<String>,
    /// GROUP BY keys bound over the input row, for matching column references.
    pub(crate) key_exprs: Vec<Expr>,
    pub(crate) key_types: Vec<DataType>,
    pub(crate) calls: Vec<AggregateCall>,
    /// True while an aggregate's argument is bound (against the input rows).
    pub(crate) inside_call: bool,
    /// Input column ranges whose columns may be used ungrouped because their table's primary
    /// key is grouped.
    pub(crate) dependent: Vec<(usize, usize)>,
}

/// Window calls of the SELECT being bound.
#[derive(Debug, Default)]
pub(crate) struct WindowState {
    pub(crate) calls: Vec<WindowCall>,
    /// True while a window call's arguments are bound.
    pub(crate) inside_call: bool,
    /// Set-returning function calls of the select list (they live exactly as long as the
    /// window calls: while the select list and ORDER BY are bound).
    pub(crate) set_calls: Vec<crate::plan::SetCall>,
}

/// A query level around the subquery being bound.
#[derive(Debug)]
pub(crate) struct OuterLevel {
    pub(crate) scope: Scope,
    pub(crate) aggregate: Option<AggregateState>,
    pub(crate) window: Option<WindowState>,
    pub(crate) clause: &'static str,
    /// The values the subquery nested in this level reads from it: expressions over this
    /// level's row (see `crate::plan::SubqueryExpr::correlated`).
    pub(crate) captures: Vec<Expr>,
}

/// A WITH query visible by name.
#[derive(Debug)]
pub(crate) struct CteBinding {
    pub(crate) name: String,
    pub(crate) state: CteState,
    /// How many subquery levels deep it was declared.
    pub(crate) depth: usize,
}

#[derive(Debug)]
pub(crate) enum CteState {
    /// Bound: references copy the plan (in a shared [`Plan::Materialize`] node numbered `id`
    /// when the rows cannot depend on where they are read).
    Ready {
        id: usize,
        plan: Plan,
        columns: Vec<OutputColumn>,
    },
    /// A recursive query's own name inside its recursive term.
    WorkTable {
        id: usize,
        columns: Vec<OutputColumn>,
        references: usize,
    },
    /// Being bound where a self-reference is an error (the message says why).
    Pending { message: String },
}

/// Column references seen, by level, for the "aggregate over outer columns only" check.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ColumnRefs {
    pub(crate) local: usize,
    pub(crate) outer: usize,
}

use crate::plan::Expr;

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
    /// Schemas unqualified names are looked up in, in order.
    pub(crate) search_path: Vec<String>,
    /// Views being expanded (outermost first), to refuse a view that reads itself.
    pub(crate) expanding_views: Vec<u32>,
    pub(crate) window: Option<WindowState>,
    /// Enclosing query levels while a subquery expression is bound, innermost last.
    pub(crate) outer: Vec<OuterLevel>,
    /// WITH queries in scope, innermost last.
    pub(crate) ctes: Vec<CteBinding>,
    /// Work tables handed out to recursive queries.
    pub(crate) work_tables: usize,
    pub(crate) column_refs: ColumnRefs,
    /// Set while a column of an enclosing query is bound for a subquery (changes a message).
    pub(crate) outer_binding: bool,
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
            search_path: vec!["public".to_string()],
            expanding_views: Vec::new(),
            window: None,
            outer: Vec::new(),
            ctes: Vec::new(),
            work_tables: 0,
            column_refs: ColumnRefs::default(),
            outer_binding: false,
        }
    }

    /// Lets the binder resolve system relations, `reg*` constants and system functions.
    pub fn with_system(mut self, system: &'a dyn crate::system::SystemRelations) -> Binder<'a> {
        self.system = Some(system);
        self
    }

    /// Sets the schemas unqualified names are looked up in (`search_path`, with `$user`
    /// already replaced and schemas that do not exist left in: they are skipped).
    pub fn set_search_path(&mut self, search_path: &[String]) {
        self.search_path = search_path.to_vec();
    }

    /// The schema an object name lives in: its own qualifier, or the first schema of the
    /// search path holding a relation of that name (`None`: no such relation).
    pub(crate) fn relation_schema(&self, name: &ast::ObjectName) -> Option<String> {
        match name.schema() {
            Some(schema) => Some(schema.value.clone()),
            None => self
                .catalog
                .find_relation_schema(&self.search_path, &name.name().value)
                .map(str::to_string),
        }
    }

    /// 42P01 for `name`, spelled as written.
    pub(crate) fn undefined_relation(&self, name: &ast::ObjectName) -> Error {
        let shown: Vec<&str> = name.parts.iter().map(|p| p.value.as_str()).collect();
        Error::undefined_table(&shown.join(".")).with_position(name.span().position(self.sql))
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

    /// Looks up a table by possibly qualified name (through the search path).
    pub(crate) fn table(&self, name: &ast::ObjectName) -> Result<TableRef> {
        if let Some(system) = self.system_table(name) {
            return system;
        }
        let schema = self
            .relation_schema(name)
            .ok_or_else(|| self.undefined_relation(name))?;
        let relation = &name.name().value;
        if let Some(entry) = self.catalog.table(&schema, relation) {
            return Ok(TableRef {
                schema: std::sync::Arc::clone(&entry.schema),
                storage: std::sync::Arc::clone(&entry.storage),
                rules: None,
            });
        }
        match self.catalog.relation_kind(&schema, relation) {
            Some(db001_catalog::RelationKind::View) => Err(Error::feature_not_supported(format!(
                "writing to view \"{relation}\" is not supported"
            ))
            .with_position(name.span().position(self.sql))),
            Some(
                kind @ (db001_catalog::RelationKind::Sequence | db001_catalog::RelationKind::Index),
            ) => Err(Error::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("cannot open relation \"{relation}\""),
            )
            .with_detail(format!(
                "This operation is not supported for {}s.",
                kind.noun()
            ))
            .with_position(name.span().position(self.sql))),
            _ => Err(self.undefined_relation(name)),
        }
    }
}
