//! The planner's view of `pg_catalog` and `information_schema`: what the engine provides so
//! that clients' catalog queries bind like any other query.
//!
//! **Relations.** A system relation (`pg_class`, `information_schema.columns`, ...) binds as
//! a table whose rows the engine materialised from its catalog when the statement was bound
//! ([`SystemRelations::relation`]): an ordinary [`TableRef`] with frozen rows, so scans,
//! joins, sorts and every other operator work on it unchanged. Name resolution follows
//! PostgreSQL's search path, where `pg_catalog` is implicitly first: an unqualified
//! `pg_class` is the system relation even if `public` had one of that name;
//! `information_schema` relations need their schema.
//!
//! **Functions.** Calls such as `pg_table_is_visible(oid)`, `format_type(oid, typmod)`,
//! `current_setting(name)` or `set_config(...)` bind to a [`SystemFunction`]; the executor
//! hands them to the engine at run time (`db001_executor::SystemFunctions`), which answers
//! from the session and the catalog the transaction sees.
//!
//! **Types.** Object ids are `oid` (4 bytes, unsigned, see `db001_common::oid`), as are the
//! catalog's `oid[]`, `int2vector` and `oidvector` columns; db001 has no `reg*` types of its
//! own, `xid` and `cid` are `bigint`, `name` and `"char"` are `text`.
//! Casts to `regclass`, `regtype`, `regproc`, `regnamespace` and `regrole` are bound by what
//! they are used for: a string constant becomes the object's id at bind time
//! (`'pg_class'::regclass`), another string becomes an id lookup at run time, and an id
//! becomes the object's name (`conrelid::regclass` prints `orders`). The difference from
//! PostgreSQL: `SELECT 'pg_class'::regclass` shows `1259`, not `pg_class`.

use db001_catalog::Catalog;
use db001_common::Result;

use crate::plan::TableRef;

/// The engine's side of system relations.
pub trait SystemRelations: std::fmt::Debug {
    /// The system relation `name` in `schema` (`None`: unqualified, which finds only
    /// `pg_catalog` relations), materialised against `catalog`; `None` when there is no such
    /// system relation.
    fn relation(
        &self,
        catalog: &Catalog,
        schema: Option<&str>,
        name: &str,
    ) -> Option<Result<TableRef>>;

    /// The id of the object a `reg*` constant names (`'public.orders'::regclass`,
    /// `'int4'::regtype`); an error (42P01, 42704, ...) when it does not exist. A numeric
    /// string is taken as the id itself.
    fn object_id(&self, catalog: &Catalog, kind: ObjectKind, name: &str) -> Result<i64>;
}

/// What a `reg*` type names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// `regclass`: a relation (table, index, sequence, view, system relation).
    Relation,
    /// `regtype`.
    Type,
    /// `regproc` / `regprocedure`.
    Function,
    /// `regnamespace`.
    Namespace,
    /// `regrole`.
    Role,
}

impl ObjectKind {
    /// The kind a type name such as `regclass` stands for.
    pub fn of_type_name(name: &str) -> Option<ObjectKind> {
        Some(match name {
            "regclass" => ObjectKind::Relation,
            "regtype" => ObjectKind::Type,
            "regproc" | "regprocedure" => ObjectKind::Function,
            "regnamespace" => ObjectKind::Namespace,
            "regrole" => ObjectKind::Role,
            _ => return None,
        })
    }
}

/// Functions answered by the engine from the session and the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemFunction {
    /// `current_setting(name [, missing_ok])`.
    CurrentSetting,
    /// `set_config(name, value, is_local)`.
    SetConfig,
    /// `current_schemas(include_implicit)`: the search path as `text[]`.
    CurrentSchemas,
    /// `session_user`.
    SessionUser,
    /// `pg_table_is_visible(oid)` and the other `pg_*_is_visible`.
    IsVisible(ObjectKind),
    /// `pg_get_userbyid(oid)`.
    UserById,
    /// `format_type(type_oid, typmod)`.
    FormatType,
    /// `pg_get_expr(expression, relation [, pretty])`.
    GetExpr,
    /// `pg_get_indexdef(index [, column, pretty])`.
    IndexDef,
    /// `pg_get_constraintdef(constraint [, pretty])`.
    ConstraintDef,
    /// `pg_get_viewdef(view [, pretty])`.
    ViewDef,
    /// `pg_encoding_to_char(encoding)`.
    EncodingToChar,
    /// `obj_description(oid [, catalog])`, `shobj_description(oid, catalog)`.
    ObjectDescription,
    /// `col_description(table, column)`.
    ColumnDescription,
    /// `to_regclass(text)`, `to_regtype(text)`, ...: the id, or NULL when nothing has the
    /// name.
    ToReg(ObjectKind),
    /// `id::regclass` and friends: the object's name (the id as text when unknown).
    RegName(ObjectKind),
    /// `text::regclass` at run time: the id, or an error when nothing has the name.
    RegId(ObjectKind),
    /// `pg_relation_is_publishable(relation)`: false (no publications).
    RelationIsPublishable,
    /// `pg_partition_ancestors(relation)`: the relation itself (db001 has no partitions).
    PartitionAncestors,
    /// `pg_get_statisticsobjdef_columns(oid)`, `pg_get_triggerdef(oid [, pretty])`,
    /// `pg_get_function_result(oid)`, `pg_get_function_arguments(oid)`: definitions of
    /// objects db001 does not have, or of functions (their signature text).
    ObjectDefinition(DefinitionKind),
    /// `pg_get_serial_sequence(table, column)`.
    SerialSequence,
    /// `pg_advisory_unlock_all()`: db001 takes no advisory locks, so there is nothing to
    /// release.
    AdvisoryUnlockAll,
    /// `pg_is_in_recovery()`: false.
    IsInRecovery,
    /// `has_table_privilege(...)` and the other `has_*_privilege`: every role may do
    /// everything (db001 has no privileges yet).
    HasPrivilege,
    /// `pg_postmaster_start_time()`.
    StartTime,
}

/// What an [`SystemFunction::ObjectDefinition`] call asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefinitionKind {
    StatisticsColumns,
    Trigger,
    FunctionResult,
    FunctionArguments,
}

impl SystemFunction {
    /// Whether a NULL argument makes the result NULL without a call (PostgreSQL's strict).
    pub fn is_strict(self) -> bool {
        !matches!(
            self,
            SystemFunction::CurrentSetting
                | SystemFunction::SetConfig
                | SystemFunction::AdvisoryUnlockAll
                | SystemFunction::IsInRecovery
                | SystemFunction::StartTime
                | SystemFunction::SessionUser
        )
    }
}
