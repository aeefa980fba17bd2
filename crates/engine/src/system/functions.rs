//! The system functions (`db001_planner::system::SystemFunction`), answered from the
//! session's settings and the catalog the statement sees.

use db001_common::{ElementType, Error, Result, SqlState, Value};
use db001_planner::system::{DefinitionKind, ObjectKind, SystemFunction};

use super::SystemCatalog;
use super::contents::index_definition;
use super::generated_data::PROCS;
use super::generated_relations::RELATIONS;
use super::names;
use crate::settings::unrecognized;

fn text(value: &Value) -> Option<&str> {
    match value {
        Value::Text(text) => Some(text),
        _ => None,
    }
}

fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Int16(v) => Some(i64::from(*v)),
        Value::Int32(v) => Some(i64::from(*v)),
        Value::Int64(v) => Some(*v),
        Value::Oid(v) => Some(i64::from(*v)),
        _ => None,
    }
}

/// An object id found by name, as the `oid` value system functions return.
fn oid_value(id: i64) -> Value {
    u32::try_from(id).map_or(Value::Null, Value::Oid)
}

fn oid(value: &Value) -> Option<u32> {
    integer(value).and_then(|v| u32::try_from(v).ok())
}

fn boolean(value: Option<&Value>) -> bool {
    matches!(value, Some(Value::Bool(true)))
}

fn optional_text(value: Option<String>) -> Value {
    value.map_or(Value::Null, |text| Value::text(&text))
}

pub(super) fn call(
    system: &SystemCatalog,
    function: SystemFunction,
    args: &[Value],
) -> Result<Value> {
    let arg = |index: usize| args.get(index).unwrap_or(&Value::Null);
    let catalog = system.current_catalog();
    Ok(match function {
        SystemFunction::CurrentSetting => {
            let Some(name) = text(arg(0)) else {
                return Ok(Value::Null);
            };
            match system.settings.lookup(name) {
                Ok(Some(value)) => Value::text(&value),
                Ok(None) | Err(_) if boolean(args.get(1)) => Value::Null,
                Ok(None) => return Err(unrecognized(name)),
                Err(error) => return Err(error),
            }
        }
        SystemFunction::SetConfig => {
            let Some(name) = text(arg(0)) else {
                return Err(Error::new(
                    SqlState::NULL_VALUE_NOT_ALLOWED,
                    "SET requires parameter name",
                ));
            };
            Value::text(&system.settings.set_text(name, text(arg(1)))?)
        }
        SystemFunction::CurrentSchemas => {
            let mut schemas = Vec::new();
            if boolean(args.first()) {
                schemas.push(Value::text("pg_catalog"));
            }
            schemas.push(Value::text("public"));
            db001_common::array::Array::new(ElementType::Text, schemas).into_value()
        }
        SystemFunction::SessionUser => Value::text(&system.identity().user),
        SystemFunction::IsVisible(kind) => {
            let Some(id) = oid(arg(0)) else {
                return Ok(Value::Null);
            };
            match kind {
                ObjectKind::Relation => {
                    if let Some(def) = RELATIONS.iter().find(|def| def.oid == id) {
                        Value::Bool(def.schema == "pg_catalog")
                    } else {
                        match names::relation_name(&catalog, id) {
                            Some(name) => Value::Bool(!name.contains('.')),
                            None => Value::Null,
                        }
                    }
                }
                _ => Value::Bool(true),
            }
        }
        SystemFunction::UserById => {
            let Some(id) = oid(arg(0)) else {
                return Ok(Value::Null);
            };
            Value::text(
                &names::role_name(&catalog, id).unwrap_or_else(|| format!("unknown (OID={id})")),
            )
        }
        SystemFunction::FormatType => {
            let Some(id) = oid(arg(0)) else {
                return Ok(Value::Null);
            };
            let typmod = integer(arg(1)).map(|m| m as i32);
            Value::text(&names::format_type(id, typmod).unwrap_or_else(|| "???".to_string()))
        }
        SystemFunction::GetExpr => {
            // Expressions are kept as SQL text (column defaults); shown as PostgreSQL
            // deparses the common cases.
            let Some(expression) = text(arg(0)) else {
                return Ok(Value::Null);
            };
            Value::text(&deparse_default(expression))
        }
        SystemFunction::IndexDef => {
            let Some(id) = oid(arg(0)) else {
                return Ok(Value::Null);
            };
            let column = integer(arg(1)).unwrap_or(0);
            let pretty = boolean(args.get(2));
            let mut found = Value::Null;
            for table in catalog.tables() {
                if let Some(index) = table.schema.indexes.iter().find(|i| i.id == id) {
                    found = if column > 0 {
                        let position = index.columns.get(column as usize - 1);
                        optional_text(
                            position
                                .map(|&c| names::quote_identifier(&table.schema.columns[c].name)),
                        )
                    } else {
                        Value::text(&index_definition(table, index, pretty))
                    };
                    break;
                }
            }
            found
        }
        SystemFunction::ConstraintDef => {
            let Some(id) = oid(arg(0)) else {
                return Ok(Value::Null);
            };
            optional_text(super::constraints::definition(
                &catalog,
                id,
                boolean(args.get(1)),
            ))
        }
        SystemFunction::ViewDef => Value::Null,
        SystemFunction::EncodingToChar => match integer(arg(0)) {
            Some(6) => Value::text("UTF8"),
            Some(0) => Value::text("SQL_ASCII"),
            _ => Value::text(""),
        },
        // db001 keeps no comments (COMMENT ON is not supported).
        SystemFunction::ObjectDescription | SystemFunction::ColumnDescription => Value::Null,
        SystemFunction::ToReg(kind) => {
            let Some(name) = text(arg(0)) else {
                return Ok(Value::Null);
            };
            match names::object_id(&catalog, kind, name)? {
                Some(id) => oid_value(id),
                None => Value::Null,
            }
        }
        SystemFunction::RegName(kind) => {
            let Some(id) = oid(arg(0)) else {
                return Ok(Value::Null);
            };
            if id == 0 {
                return Ok(Value::text("-"));
            }
            Value::text(&names::object_name(&catalog, kind, id).unwrap_or_else(|| id.to_string()))
        }
        SystemFunction::RegId(kind) => {
            let Some(name) = text(arg(0)) else {
                return Ok(Value::Null);
            };
            if let Ok(id) = name.trim().parse::<i64>() {
                return Ok(Value::Oid(db001_common::oid::parse_oid(&id.to_string())?));
            }
            match names::object_id(&catalog, kind, name)? {
                Some(id) => oid_value(id),
                None => return Err(names::undefined(kind, name)),
            }
        }
        SystemFunction::RelationIsPublishable => Value::Bool(false),
        SystemFunction::PartitionAncestors => arg(0).clone(),
        SystemFunction::ObjectDefinition(kind) => match kind {
            DefinitionKind::StatisticsColumns | DefinitionKind::Trigger => Value::Null,
            DefinitionKind::FunctionResult | DefinitionKind::FunctionArguments => {
                let Some(id) = oid(arg(0)) else {
                    return Ok(Value::Null);
                };
                match PROCS.iter().find(|p| p.0 == id) {
                    None => Value::Null,
                    Some(proc) if kind == DefinitionKind::FunctionResult => {
                        let result = names::type_name(proc.4).unwrap_or_default();
                        Value::text(&if proc.3 {
                            format!("SETOF {result}")
                        } else {
                            result
                        })
                    }
                    Some(proc) => {
                        let arguments: Vec<String> = proc
                            .5
                            .iter()
                            .map(|&t| names::type_name(t).unwrap_or_default())
                            .collect();
                        Value::text(&arguments.join(", "))
                    }
                }
            }
        },
        SystemFunction::SerialSequence => Value::Null,
        SystemFunction::AdvisoryUnlockAll => Value::text(""),
        SystemFunction::IsInRecovery => Value::Bool(false),
        SystemFunction::HasPrivilege => Value::Bool(true),
        SystemFunction::StartTime => Value::TimestampTz(system.start_micros),
    })
}

/// A column default as `pg_get_expr` shows it: a string literal gets the cast PostgreSQL
/// stores with it; everything else is shown as written.
fn deparse_default(expression: &str) -> String {
    let trimmed = expression.trim();
    if trimmed.starts_with('\'') && trimmed.ends_with('\'') && trimmed.len() >= 2 {
        return format!("{trimmed}::text");
    }
    trimmed.to_string()
}
