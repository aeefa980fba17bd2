//! Binding of system relations, system functions and `reg*` casts (see [`crate::system`]).

use db001_common::{DataType, ElementType, Error, Result, SqlState, Value};
use db001_sql::ast;

use super::expr::{strip_nested, undefined_function};
use super::functions::{Argument, Bound};
use super::{Binder, Scope};
use crate::builtin::Builtin;
use crate::plan::{Expr, Function, TableRef};
use crate::system::{DefinitionKind, ObjectKind, SystemFunction};

const BOOL: DataType = DataType::Bool;
const INT: DataType = DataType::Int;
const OID: DataType = DataType::Oid;
const TEXT: DataType = DataType::Text;

/// The overloads of one system function: parameter lists and the result type.
struct Overloads {
    function: SystemFunction,
    parameters: &'static [&'static [DataType]],
    result: DataType,
}

const fn overloads(
    function: SystemFunction,
    parameters: &'static [&'static [DataType]],
    result: DataType,
) -> Overloads {
    Overloads {
        function,
        parameters,
        result,
    }
}

/// The system functions by name (names as PostgreSQL spells them, `pg_catalog.` dropped).
fn system_function(name: &str) -> Option<Overloads> {
    use SystemFunction as F;
    Some(match name {
        "current_setting" => overloads(F::CurrentSetting, &[&[TEXT], &[TEXT, BOOL]], TEXT),
        "set_config" => overloads(F::SetConfig, &[&[TEXT, TEXT, BOOL]], TEXT),
        "current_schemas" => overloads(
            F::CurrentSchemas,
            &[&[BOOL]],
            DataType::Array(ElementType::Text),
        ),
        "pg_table_is_visible" => overloads(F::IsVisible(ObjectKind::Relation), &[&[OID]], BOOL),
        "pg_type_is_visible" => overloads(F::IsVisible(ObjectKind::Type), &[&[OID]], BOOL),
        "pg_function_is_visible" => overloads(F::IsVisible(ObjectKind::Function), &[&[OID]], BOOL),
        "pg_collation_is_visible" | "pg_opclass_is_visible" | "pg_operator_is_visible" => {
            overloads(F::IsVisible(ObjectKind::Namespace), &[&[OID]], BOOL)
        }
        "pg_get_userbyid" => overloads(F::UserById, &[&[OID]], TEXT),
        "format_type" => overloads(F::FormatType, &[&[OID, INT]], TEXT),
        "pg_get_expr" => overloads(F::GetExpr, &[&[TEXT, OID], &[TEXT, OID, BOOL]], TEXT),
        "pg_get_indexdef" => overloads(F::IndexDef, &[&[OID], &[OID, INT, BOOL]], TEXT),
        "pg_get_constraintdef" => overloads(F::ConstraintDef, &[&[OID], &[OID, BOOL]], TEXT),
        "pg_get_viewdef" => overloads(F::ViewDef, &[&[OID], &[OID, BOOL]], TEXT),
        "pg_encoding_to_char" => overloads(F::EncodingToChar, &[&[INT]], TEXT),
        "obj_description" | "shobj_description" => {
            overloads(F::ObjectDescription, &[&[OID], &[OID, TEXT]], TEXT)
        }
        "col_description" => overloads(F::ColumnDescription, &[&[OID, INT]], TEXT),
        "to_regclass" => overloads(F::ToReg(ObjectKind::Relation), &[&[TEXT]], OID),
        "to_regtype" => overloads(F::ToReg(ObjectKind::Type), &[&[TEXT]], OID),
        "to_regproc" | "to_regprocedure" => {
            overloads(F::ToReg(ObjectKind::Function), &[&[TEXT]], OID)
        }
        "to_regnamespace" => overloads(F::ToReg(ObjectKind::Namespace), &[&[TEXT]], OID),
        "to_regrole" => overloads(F::ToReg(ObjectKind::Role), &[&[TEXT]], OID),
        "pg_relation_is_publishable" => overloads(F::RelationIsPublishable, &[&[OID]], BOOL),
        "pg_partition_ancestors" => overloads(F::PartitionAncestors, &[&[OID]], OID),
        "pg_get_statisticsobjdef_columns" => overloads(
            F::ObjectDefinition(DefinitionKind::StatisticsColumns),
            &[&[OID]],
            TEXT,
        ),
        "pg_get_triggerdef" => overloads(
            F::ObjectDefinition(DefinitionKind::Trigger),
            &[&[OID], &[OID, BOOL]],
            TEXT,
        ),
        "pg_get_function_result" => overloads(
            F::ObjectDefinition(DefinitionKind::FunctionResult),
            &[&[OID]],
            TEXT,
        ),
        "pg_get_function_arguments" | "pg_get_function_identity_arguments" => overloads(
            F::ObjectDefinition(DefinitionKind::FunctionArguments),
            &[&[OID]],
            TEXT,
        ),
        "pg_get_serial_sequence" => overloads(F::SerialSequence, &[&[TEXT, TEXT]], TEXT),
        "pg_advisory_unlock_all" => overloads(F::AdvisoryUnlockAll, &[&[]], TEXT),
        "pg_is_in_recovery" => overloads(F::IsInRecovery, &[&[]], BOOL),
        "has_table_privilege"
        | "has_schema_privilege"
        | "has_database_privilege"
        | "has_column_privilege"
        | "has_sequence_privilege"
        | "has_function_privilege"
        | "has_any_column_privilege" => overloads(
            F::HasPrivilege,
            &[
                &[TEXT, TEXT],
                &[OID, TEXT],
                &[TEXT, TEXT, TEXT],
                &[OID, TEXT, TEXT],
                &[TEXT, OID, TEXT],
            ],
            BOOL,
        ),
        "pg_postmaster_start_time" => overloads(F::StartTime, &[&[]], DataType::TimestampTz),
        "session_user" => overloads(F::SessionUser, &[&[]], TEXT),
        _ => return None,
    })
}

fn call(function: SystemFunction, args: Vec<Expr>) -> Expr {
    Expr::Function {
        function: Function::Builtin(Builtin::System(function)),
        args,
    }
}

impl Binder<'_> {
    /// The system relation a FROM item names, if it is one (see [`crate::system`]).
    pub(crate) fn system_table(&self, name: &ast::ObjectName) -> Option<Result<TableRef>> {
        let system = self.system?;
        let schema = name.schema().map(|s| s.value.as_str());
        if name.parts.len() == 3 && name.parts[0].value != "postgres" {
            return None;
        }
        system
            .relation(self.catalog, schema, &name.name().value)
            .map(|result| {
                result.map_err(|error| error.or_position(Some(name.span().position(self.sql))))
            })
    }

    /// A call of a system function; the arguments come back when `name` is not one.
    pub(crate) fn bind_system_function(
        &mut self,
        name: &str,
        args: Vec<Argument>,
    ) -> Result<Bound> {
        let Some(overloads) = system_function(name) else {
            return Ok(Bound::NotMine(args));
        };
        let types: Vec<DataType> = args.iter().map(|(_, t)| *t).collect();
        let candidates: Vec<&[DataType]> = overloads.parameters.to_vec();
        let parameters = match super::resolve::select(&candidates, &types, false) {
            super::resolve::Choice::One(index) => candidates[index],
            _ => return Err(undefined_function(name, &types)),
        };
        let mut bound = Vec::with_capacity(args.len());
        for ((expr, from), parameter) in args.into_iter().zip(parameters) {
            bound.push(self.coerce(expr, from, *parameter)?);
        }
        Ok(Bound::Done((
            call(overloads.function, bound),
            overloads.result,
        )))
    }

    /// `expr::regclass` and the other `reg*` casts; `None` for other target types.
    pub(crate) fn bind_system_cast(
        &mut self,
        inner: &ast::Expr,
        data_type: &ast::TypeName,
        scope: &Scope,
    ) -> Result<Option<(Expr, DataType)>> {
        let Some(kind) = ObjectKind::of_type_name(&data_type.name) else {
            return Ok(None);
        };
        if data_type.array_dims > 0 {
            return Err(Error::feature_not_supported(format!(
                "arrays of {} are not supported by db001",
                data_type.name
            )));
        }
        if let ast::Expr::Literal(ast::Literal::String(text), _) = strip_nested(inner) {
            let Some(system) = self.system else {
                return Err(Error::feature_not_supported(format!(
                    "type \"{}\" is not supported here",
                    data_type.name
                )));
            };
            let id = system
                .object_id(self.catalog, kind, text)
                .map_err(|error| error.or_position(Some(inner.span().position(self.sql))))?;
            let id = u32::try_from(id).map_err(|_| db001_common::oid::oid_out_of_range())?;
            return Ok(Some((Expr::Literal(Value::Oid(id)), OID)));
        }
        let (bound, from) = self.bind_expr(inner, scope)?;
        if from.is_string() || from == DataType::Unknown {
            let bound = self.coerce(bound, from, TEXT)?;
            return Ok(Some((call(SystemFunction::RegId(kind), vec![bound]), OID)));
        }
        if matches!(
            from,
            DataType::SmallInt | DataType::Int | DataType::BigInt | DataType::Oid
        ) {
            let bound = self.coerce(bound, from, OID)?;
            return Ok(Some((
                call(SystemFunction::RegName(kind), vec![bound]),
                TEXT,
            )));
        }
        Err(Error::new(
            SqlState::CANNOT_COERCE,
            format!("cannot cast type {} to {}", from.sql_name(), data_type.name),
        )
        .with_position(inner.span().position(self.sql)))
    }
}

impl Binder<'_> {
    /// `a ~ b`, `a ~* b`, `a !~ b`, `a !~* b` on strings.
    pub(crate) fn bind_regex(
        &mut self,
        left: &ast::Expr,
        right: &ast::Expr,
        case_insensitive: bool,
        negated: bool,
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        let (l, lt) = self.bind_expr(left, scope)?;
        let (r, rt) = self.bind_expr(right, scope)?;
        let stringy = |t: DataType| t.is_string() || t == DataType::Unknown;
        if !stringy(lt) || !stringy(rt) {
            let symbol = match (case_insensitive, negated) {
                (false, false) => "~",
                (true, false) => "~*",
                (false, true) => "!~",
                (true, true) => "!~*",
            };
            return Err(Error::new(
                SqlState::UNDEFINED_FUNCTION,
                format!(
                    "operator does not exist: {} {symbol} {}",
                    lt.sql_name(),
                    rt.sql_name()
                ),
            )
            .with_hint(
                "No operator matches the given name and argument types. You might need to add explicit type casts.",
            ));
        }
        let l = self.coerce(l, lt, TEXT)?;
        let r = self.coerce(r, rt, TEXT)?;
        Ok((
            Expr::Function {
                function: Function::Builtin(Builtin::RegexMatch {
                    case_insensitive,
                    negated,
                }),
                args: vec![l, r],
            },
            BOOL,
        ))
    }

    /// `expr COLLATE name`: db001 compares strings by code point, which is the `C`
    /// collation; `C`, `POSIX` and `default` are accepted and change nothing.
    pub(crate) fn bind_collate(
        &mut self,
        expr: &ast::Expr,
        collation: &ast::ObjectName,
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        let name = collation.name().value.as_str();
        let schema_ok = collation
            .schema()
            .is_none_or(|schema| schema.value == "pg_catalog");
        if !schema_ok
            || !matches!(
                name,
                "C" | "POSIX" | "default" | "c" | "posix" | "ucs_basic"
            )
        {
            return Err(Error::new(
                SqlState::UNDEFINED_OBJECT,
                format!("collation \"{name}\" for encoding \"UTF8\" does not exist"),
            )
            .with_position(collation.span().position(self.sql)));
        }
        let (bound, data_type) = self.bind_expr(expr, scope)?;
        if !data_type.is_string() && data_type != DataType::Unknown {
            return Err(Error::new(
                SqlState::DATATYPE_MISMATCH,
                format!(
                    "collations are not supported by type {}",
                    data_type.sql_name()
                ),
            ));
        }
        Ok((bound, data_type))
    }
}
