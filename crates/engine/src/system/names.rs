//! Names and ids of objects: namespaces, relations, types, functions and roles, both ways;
//! and `format_type`, PostgreSQL's SQL spelling of a type.

use db001_catalog::Catalog;
use db001_common::{DataType, Error, Result, SqlState};
use db001_planner::system::ObjectKind;

use super::generated_data::{PROCS, TYPES};
use super::generated_relations::RELATIONS;

pub(crate) const NAMESPACE_TOAST: u32 = 99;
pub(crate) const NAMESPACE_CATALOG: u32 = 11;
pub(crate) const NAMESPACE_PUBLIC: u32 = 2200;
pub(crate) const NAMESPACE_INFORMATION_SCHEMA: u32 = 13207;
/// The bootstrap superuser, `postgres`.
pub(crate) const ROLE_BOOTSTRAP: u32 = 10;
/// `pg_database_owner`, owner of `public`.
pub(crate) const ROLE_DATABASE_OWNER: u32 = 6171;
/// The `default` collation, which every string column has.
pub(crate) const COLLATION_DEFAULT: u32 = 100;

/// The built-in namespaces: (oid, name, owner).
pub(crate) const NAMESPACES: &[(u32, &str, u32)] = &[
    (NAMESPACE_TOAST, "pg_toast", ROLE_BOOTSTRAP),
    (NAMESPACE_CATALOG, "pg_catalog", ROLE_BOOTSTRAP),
    (NAMESPACE_PUBLIC, "public", ROLE_DATABASE_OWNER),
    (
        NAMESPACE_INFORMATION_SCHEMA,
        "information_schema",
        ROLE_BOOTSTRAP,
    ),
];

pub(crate) fn namespace_oid(name: &str) -> Option<u32> {
    NAMESPACES
        .iter()
        .find(|(_, n, _)| *n == name)
        .map(|(oid, _, _)| *oid)
}

pub(crate) fn namespace_name(oid: u32) -> Option<&'static str> {
    NAMESPACES
        .iter()
        .find(|(o, _, _)| *o == oid)
        .map(|(_, name, _)| *name)
}

/// The type oid and modifier of a db001 type, as `pg_attribute` reports them.
pub(crate) fn type_of(data_type: DataType) -> (u32, i32) {
    (data_type.oid(), data_type.type_modifier())
}

/// `format_type(oid, typmod)`: PostgreSQL's SQL name of a type with its modifier.
pub(crate) fn format_type(oid: u32, typmod: Option<i32>) -> Option<String> {
    let row = TYPES.iter().find(|t| t.0 == oid)?;
    let typmod = typmod.filter(|&m| m >= 0);
    // An array is its element's name with [] (PostgreSQL drops the modifier there).
    if row.1.starts_with('_') && row.9 != 0 && row.2 == -1 {
        return format_type(row.9, typmod).map(|element| format!("{element}[]"));
    }
    let base = match row.1 {
        "bool" => "boolean",
        "int2" => "smallint",
        "int4" => "integer",
        "int8" => "bigint",
        "float4" => "real",
        "float8" => "double precision",
        "varchar" => "character varying",
        "bpchar" => "character",
        "timestamp" => "timestamp without time zone",
        "timestamptz" => "timestamp with time zone",
        "time" => "time without time zone",
        "timetz" => "time with time zone",
        "varbit" => "bit varying",
        "char" => "\"char\"",
        other => other,
    };
    let modifier = match (row.1, typmod) {
        ("varchar" | "bpchar", Some(m)) => format!("({})", m - 4),
        ("numeric", Some(m)) => format!("({},{})", (m - 4) >> 16, (m - 4) & 0xffff),
        _ => String::new(),
    };
    Some(format!("{base}{modifier}"))
}

/// The name `regtype` prints: `format_type` without a modifier.
pub(crate) fn type_name(oid: u32) -> Option<String> {
    format_type(oid, None)
}

/// A relation's name as `regclass` prints it: qualified only when not on the search path.
pub(crate) fn relation_name(catalog: &Catalog, oid: u32) -> Option<String> {
    if let Some(def) = RELATIONS.iter().find(|def| def.oid == oid) {
        return Some(if def.schema == "pg_catalog" {
            def.name.to_string()
        } else {
            format!("{}.{}", def.schema, def.name)
        });
    }
    for table in catalog.tables() {
        let schema = &table.schema;
        let qualify = |name: &str| {
            if schema.schema_name == "public" {
                quote_identifier(name)
            } else {
                format!(
                    "{}.{}",
                    quote_identifier(&schema.schema_name),
                    quote_identifier(name)
                )
            }
        };
        if schema.id == oid {
            return Some(qualify(&schema.name));
        }
        if let Some(index) = schema.indexes.iter().find(|index| index.id == oid) {
            return Some(qualify(&index.name));
        }
    }
    None
}

pub(crate) use db001_sql::keywords::quote_identifier;

/// The id a name denotes for a `reg*` type or `to_reg*` function; `None` when nothing has
/// the name.
pub(crate) fn object_id(catalog: &Catalog, kind: ObjectKind, name: &str) -> Result<Option<i64>> {
    let (schema, object) = split_name(name);
    let id = match kind {
        ObjectKind::Relation => {
            let system = RELATIONS.iter().find(|def| {
                def.name == object
                    && match schema.as_deref() {
                        Some(schema) => def.schema == schema,
                        None => def.schema == "pg_catalog",
                    }
            });
            match system {
                Some(def) => Some(def.oid),
                None => {
                    let schema = schema.unwrap_or_else(|| "public".to_string());
                    catalog
                        .table(&schema, &object)
                        .map(|table| table.schema.id)
                        .or_else(|| {
                            catalog
                                .index_owner(&schema, &object)
                                .map(|(_, index)| index.id)
                        })
                }
            }
        }
        ObjectKind::Type => type_oid(&object),
        ObjectKind::Function => PROCS.iter().find(|p| p.1 == object).map(|p| p.0),
        ObjectKind::Namespace => namespace_oid(&object),
        ObjectKind::Role => catalog.role(&object).map(|role| role.oid),
    };
    Ok(id.map(i64::from))
}

/// The oid of a type named in SQL (`int4`, `integer`, `character varying`, `text[]`).
fn type_oid(name: &str) -> Option<u32> {
    if let Some(element) = name.strip_suffix("[]") {
        let element = type_oid(element)?;
        return TYPES.iter().find(|t| t.0 == element).map(|t| t.10);
    }
    if let Some(row) = TYPES.iter().find(|t| t.1 == name) {
        return Some(row.0);
    }
    let spelled = match name {
        "boolean" => "bool",
        "smallint" => "int2",
        "integer" | "int" => "int4",
        "bigint" => "int8",
        "real" => "float4",
        "double precision" => "float8",
        "character varying" => "varchar",
        "character" => "bpchar",
        "timestamp without time zone" => "timestamp",
        "timestamp with time zone" => "timestamptz",
        "time without time zone" => "time",
        "decimal" => "numeric",
        _ => return None,
    };
    TYPES.iter().find(|t| t.1 == spelled).map(|t| t.0)
}

/// `schema.name` or `name`, with double quotes removed and unquoted parts lower-cased.
fn split_name(name: &str) -> (Option<String>, String) {
    let unquote = |part: &str| -> String {
        let part = part.trim();
        match part.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
            Some(quoted) => quoted.replace("\"\"", "\""),
            None => part.to_lowercase(),
        }
    };
    match name.split_once('.') {
        Some((schema, object)) if !name.starts_with('"') || schema.ends_with('"') => {
            (Some(unquote(schema)), unquote(object))
        }
        _ => (None, unquote(name)),
    }
}

/// The error a `reg*` constant gives for a name nothing has.
pub(crate) fn undefined(kind: ObjectKind, name: &str) -> Error {
    match kind {
        ObjectKind::Relation => Error::new(
            SqlState::UNDEFINED_TABLE,
            format!("relation \"{name}\" does not exist"),
        ),
        ObjectKind::Type => Error::new(
            SqlState::UNDEFINED_OBJECT,
            format!("type \"{name}\" does not exist"),
        ),
        ObjectKind::Function => Error::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("function \"{name}\" does not exist"),
        ),
        ObjectKind::Namespace => Error::new(
            SqlState::new("3F000"),
            format!("schema \"{name}\" does not exist"),
        ),
        ObjectKind::Role => Error::new(
            SqlState::UNDEFINED_OBJECT,
            format!("role \"{name}\" does not exist"),
        ),
    }
}

/// The name of an object by id, as `reg*` output prints it.
pub(crate) fn object_name(catalog: &Catalog, kind: ObjectKind, oid: u32) -> Option<String> {
    match kind {
        ObjectKind::Relation => relation_name(catalog, oid),
        ObjectKind::Type => type_name(oid),
        ObjectKind::Function => PROCS.iter().find(|p| p.0 == oid).map(|p| p.1.to_string()),
        ObjectKind::Namespace => namespace_name(oid).map(str::to_string),
        ObjectKind::Role => role_name(catalog, oid),
    }
}

pub(crate) fn role_name(catalog: &Catalog, oid: u32) -> Option<String> {
    catalog
        .roles()
        .find(|role| role.oid == oid)
        .map(|role| role.name.clone())
        .or_else(|| (oid == ROLE_DATABASE_OWNER).then(|| "pg_database_owner".to_string()))
}
