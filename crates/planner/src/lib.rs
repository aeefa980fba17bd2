//! # db001-planner: from syntax to a plan
//!
//! ```text
//! ast::Statement ──binder──▶ BoundStatement (naive plan) ──optimizer──▶ BoundStatement
//! ```
//!
//! The [`binder`] resolves names against a [`db001_catalog::Catalog`], types every expression
//! with PostgreSQL's rules (including parameter types for the extended protocol's Describe),
//! and builds a plan in the most literal shape. The [`optimizer`] is an ordered list of named
//! rewrite rules that never change results: decorrelation of EXISTS / IN into semi and anti
//! joins, predicate push-down with the choice of join method (index nested loop, hash join,
//! nested loop), index access paths, sort elimination. [`plan`] is the contract with the
//! executor; [`explain`] prints a plan in PostgreSQL's EXPLAIN layout; [`builtin`] names the
//! function library the binder resolves calls to (with PostgreSQL's overload rules) and the
//! executor implements.
//!
//! The planner sees only a catalog and produces only plans: it never reads rows.

pub mod binder;
pub mod builtin;
pub mod explain;
pub mod optimizer;
pub mod plan;
pub mod rules;
pub mod system;

use db001_catalog::Catalog;
use db001_common::{DataType, Result};
use db001_sql::ast;

pub use binder::{Binder, bind_table_expression, resolve_type};
pub use plan::{BoundStatement, OutputColumn, Plan};

/// Binds and optimizes a SELECT / INSERT / UPDATE / DELETE. Returns the plan and the final
/// parameter types (unknown ones resolved to text).
pub fn plan_statement(
    catalog: &Catalog,
    sql: &str,
    statement: &ast::Statement,
    param_types: &[DataType],
) -> Result<(BoundStatement, Vec<DataType>)> {
    plan_statement_in(catalog, sql, statement, param_types, &[])
}

/// [`plan_statement`] with a `search_path`: the schemas unqualified names are looked up in,
/// in order (empty: `public`).
pub fn plan_statement_in(
    catalog: &Catalog,
    sql: &str,
    statement: &ast::Statement,
    param_types: &[DataType],
    search_path: &[String],
) -> Result<(BoundStatement, Vec<DataType>)> {
    let mut binder = Binder::new(catalog, sql, param_types);
    if !search_path.is_empty() {
        binder.set_search_path(search_path);
    }
    let bound = binder.bind_statement(statement)?;
    Ok((bound, binder.param_types()))
}

/// [`plan_statement`] with `pg_catalog`, `information_schema` and the system functions
/// provided by `system` (see [`system`]).
pub fn plan_statement_with_system(
    catalog: &Catalog,
    system: &dyn system::SystemRelations,
    sql: &str,
    statement: &ast::Statement,
    param_types: &[DataType],
) -> Result<(BoundStatement, Vec<DataType>)> {
    plan_statement_with_system_in(catalog, system, sql, statement, param_types, &[])
}

/// [`plan_statement_with_system`] with a `search_path` (as [`plan_statement_in`]).
pub fn plan_statement_with_system_in(
    catalog: &Catalog,
    system: &dyn system::SystemRelations,
    sql: &str,
    statement: &ast::Statement,
    param_types: &[DataType],
    search_path: &[String],
) -> Result<(BoundStatement, Vec<DataType>)> {
    let mut binder = Binder::new(catalog, sql, param_types).with_system(system);
    if !search_path.is_empty() {
        binder.set_search_path(search_path);
    }
    let bound = binder.bind_statement(statement)?;
    Ok((bound, binder.param_types()))
}
