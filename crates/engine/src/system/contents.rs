//! The rows of each `pg_catalog` relation: fixed ones from PostgreSQL 15's data, live ones
//! from db001's catalog, volatile ones from the session.

use db001_catalog::{Catalog, IndexSchema, TableEntry, TableSchema};
use db001_common::{DataType, ElementType, Result, Value};

use super::generated_data::{PROCS, TYPES};
use super::generated_relations::RELATIONS;
use super::names::{
    self, COLLATION_DEFAULT, NAMESPACE_CATALOG, NAMESPACE_INFORMATION_SCHEMA, NAMESPACE_PUBLIC,
    NAMESPACES, ROLE_BOOTSTRAP,
};
use super::relation::{RelationDef, Rows};
use super::{SessionIdentity, SystemCatalog};
use crate::settings::{KNOWN, Settings};

/// `heap` and `btree` in `pg_am`.
const AM_HEAP: u32 = 2;
const AM_BTREE: u32 = 403;
/// The default btree operator class of `int4` (all index columns report one; clients only
/// check that it is a default class).
const OPCLASS_DEFAULT: u32 = 1978;

type Builder = fn(&'static RelationDef) -> Rows;

/// The builder of a relation whose rows never change.
pub(super) fn fixed_builder(def: &'static RelationDef) -> Option<Builder> {
    if is_volatile(def) || is_live(def) {
        return None;
    }
    Some(match def.name {
        "pg_type" => pg_type,
        "pg_proc" => pg_proc,
        "pg_am" => pg_am,
        "pg_database" => pg_database,
        "pg_collation" => pg_collation,
        "pg_tablespace" => pg_tablespace,
        // Everything else: relations db001 has nothing for (pg_inherits, pg_trigger, ...).
        _ => Rows::new,
    })
}

/// Relations whose rows change without the catalog changing.
pub(super) fn is_volatile(def: &RelationDef) -> bool {
    matches!(def.name, "pg_settings" | "pg_stat_activity")
}

fn is_live(def: &RelationDef) -> bool {
    def.schema == "information_schema"
        || matches!(
            def.name,
            "pg_namespace"
                | "pg_class"
                | "pg_attribute"
                | "pg_index"
                | "pg_constraint"
                | "pg_attrdef"
                | "pg_roles"
                | "pg_authid"
                | "pg_user"
                | "pg_tables"
                | "pg_indexes"
                | "pg_stat_user_tables"
        )
}

pub(super) fn build_live(def: &'static RelationDef, catalog: &Catalog) -> Result<Rows> {
    if def.schema == "information_schema" {
        return Ok(super::information_schema::build(def, catalog));
    }
    let mut rows = Rows::new(def);
    match def.name {
        "pg_namespace" => pg_namespace(&mut rows, catalog),
        "pg_class" => pg_class(&mut rows, catalog),
        "pg_attribute" => pg_attribute(&mut rows, catalog),
        "pg_index" => pg_index(&mut rows, catalog),
        "pg_constraint" => pg_constraint(&mut rows, catalog),
        "pg_attrdef" => pg_attrdef(&mut rows, catalog),
        "pg_roles" | "pg_authid" | "pg_user" => roles(&mut rows, catalog, def.name),
        "pg_tables" => pg_tables(&mut rows, catalog),
        "pg_indexes" => pg_indexes(&mut rows, catalog),
        "pg_stat_user_tables" => pg_stat_user_tables(&mut rows, catalog),
        _ => {}
    }
    Ok(rows)
}

pub(super) fn build_volatile(
    def: &'static RelationDef,
    settings: &Settings,
    identity: &SessionIdentity,
    system: &SystemCatalog,
) -> Result<Rows> {
    let mut rows = Rows::new(def);
    match def.name {
        "pg_settings" => pg_settings(&mut rows, settings),
        "pg_stat_activity" => {
            rows.row()
                .oid("datid", 5)
                .text("datname", &identity.database)
                .set("pid", Value::Int32(identity.backend_pid))
                .oid("usesysid", ROLE_BOOTSTRAP)
                .text("usename", &identity.user)
                .text("application_name", &identity.application_name)
                .set("backend_start", Value::TimestampTz(system.start_micros))
                .text("state", "active")
                .text("backend_type", "client backend");
        }
        _ => {}
    }
    Ok(rows)
}

/// The namespace oid of a schema name (user schemas get none yet: db001 tables live in
/// `public` unless a schema is named, and such names are reported under `public`'s oid).
pub(crate) fn namespace_of(schema: &str) -> u32 {
    names::namespace_oid(schema).unwrap_or(NAMESPACE_PUBLIC)
}

fn pg_namespace(rows: &mut Rows, _catalog: &Catalog) {
    for (oid, name, owner) in NAMESPACES {
        rows.row()
            .oid("oid", *oid)
            .text("nspname", name)
            .oid("nspowner", *owner);
    }
}

fn system_namespace(def: &RelationDef) -> u32 {
    if def.schema == "information_schema" {
        NAMESPACE_INFORMATION_SCHEMA
    } else {
        NAMESPACE_CATALOG
    }
}

fn pg_class(rows: &mut Rows, catalog: &Catalog) {
    for def in RELATIONS {
        rows.row()
            .oid("oid", def.oid)
            .text("relname", def.name)
            .oid("relnamespace", system_namespace(def))
            .oid("relowner", ROLE_BOOTSTRAP)
            .oid("relam", if def.kind == 'r' { AM_HEAP } else { 0 })
            .oid("relfilenode", def.oid)
            .char("relpersistence", 'p')
            .char("relkind", def.kind)
            .set("relnatts", Value::Int16(def.columns.len() as i16))
            .set("relispopulated", Value::Bool(true))
            .char("relreplident", 'n')
            .set("reltuples", Value::Float32(-1.0));
    }
    for table in catalog.tables() {
        let schema = &table.schema;
        let namespace = namespace_of(&schema.schema_name);
        rows.row()
            .oid("oid", schema.id)
            .text("relname", &schema.name)
            .oid("relnamespace", namespace)
            .oid("relowner", ROLE_BOOTSTRAP)
            .oid("relam", AM_HEAP)
            .oid("relfilenode", schema.id)
            .set("relhasindex", Value::Bool(!schema.indexes.is_empty()))
            .char("relpersistence", 'p')
            .char("relkind", 'r')
            .set("relchecks", Value::Int16(schema.checks.len() as i16))
            // PostgreSQL implements foreign keys with (internal) triggers on both tables, and
            // psql shows a table's foreign keys and "Referenced by" only when it has triggers.
            .set(
                "relhastriggers",
                Value::Bool(
                    !schema.foreign_keys.is_empty() || !catalog.references_to(schema.id).is_empty(),
                ),
            )
            .set("relnatts", Value::Int16(schema.columns.len() as i16))
            .set("relispopulated", Value::Bool(true))
            .char("relreplident", 'd')
            .set(
                "reltuples",
                Value::Float32(table.storage.row_estimate() as f32),
            );
        for index in &schema.indexes {
            rows.row()
                .oid("oid", index.id)
                .text("relname", &index.name)
                .oid("relnamespace", namespace)
                .oid("relowner", ROLE_BOOTSTRAP)
                .oid("relam", AM_BTREE)
                .oid("relfilenode", index.id)
                .char("relpersistence", 'p')
                .char("relkind", 'i')
                .set("relnatts", Value::Int16(index.columns.len() as i16))
                .set("relispopulated", Value::Bool(true))
                .char("relreplident", 'n');
        }
    }
}

/// One `pg_attribute` row for a column of type `data_type`.
#[allow(clippy::too_many_arguments)]
fn attribute(
    rows: &mut Rows,
    relation: u32,
    number: usize,
    name: &str,
    data_type: DataType,
    not_null: bool,
    has_default: bool,
) {
    let (type_oid, typmod) = names::type_of(data_type);
    let type_row = TYPES.iter().find(|t| t.0 == type_oid);
    let collation = if data_type.is_string()
        || matches!(
            data_type,
            DataType::Array(ElementType::Text | ElementType::Varchar | ElementType::Bpchar)
        ) {
        COLLATION_DEFAULT
    } else {
        0
    };
    let mut row = rows.row();
    row.oid("attrelid", relation)
        .text("attname", name)
        .oid("atttypid", type_oid)
        .set("attstattarget", Value::Int32(-1))
        .set("attlen", Value::Int16(data_type.type_len()))
        .set("attnum", Value::Int16(number as i16))
        .set(
            "attndims",
            Value::Int32(i32::from(matches!(data_type, DataType::Array(_)))),
        )
        .set("attcacheoff", Value::Int32(-1))
        .set("atttypmod", Value::Int32(typmod))
        .set("attnotnull", Value::Bool(not_null))
        .set("atthasdef", Value::Bool(has_default))
        .set("attislocal", Value::Bool(true))
        .oid("attcollation", collation);
    if let Some(type_row) = type_row {
        row.set("attbyval", Value::Bool(type_row.3))
            .char("attalign", type_row.12)
            .char("attstorage", type_row.13);
    }
}

fn pg_attribute(rows: &mut Rows, catalog: &Catalog) {
    for def in RELATIONS {
        for (index, column) in def.columns.iter().enumerate() {
            attribute(
                rows,
                def.oid,
                index + 1,
                column.name,
                column.data_type,
                column.not_null,
                false,
            );
        }
    }
    for table in catalog.tables() {
        let schema = &table.schema;
        for (index, column) in schema.columns.iter().enumerate() {
            attribute(
                rows,
                schema.id,
                index + 1,
                &column.name,
                column.data_type,
                !column.nullable,
                column.default.is_some(),
            );
        }
        for index in &schema.indexes {
            for (position, &column) in index.columns.iter().enumerate() {
                let column = &schema.columns[column];
                attribute(
                    rows,
                    index.id,
                    position + 1,
                    &column.name,
                    column.data_type,
                    false,
                    false,
                );
            }
        }
    }
}

/// `indkey`: the 1-based column numbers of an index.
pub(super) fn index_keys(index: &IndexSchema) -> Vec<i64> {
    index.columns.iter().map(|&c| c as i64 + 1).collect()
}

pub(super) fn int_array(element: ElementType, values: impl IntoIterator<Item = i64>) -> Value {
    let items = values
        .into_iter()
        .map(|v| match element {
            ElementType::SmallInt => Value::Int16(v as i16),
            ElementType::Int => Value::Int32(v as i32),
            _ => Value::Int64(v),
        })
        .collect();
    db001_common::array::Array::new(element, items).into_value()
}

fn pg_index(rows: &mut Rows, catalog: &Catalog) {
    for table in catalog.tables() {
        let schema = &table.schema;
        for index in &schema.indexes {
            let count = index.columns.len();
            rows.row()
                .oid("indexrelid", index.id)
                .oid("indrelid", schema.id)
                .set("indnatts", Value::Int16(count as i16))
                .set("indnkeyatts", Value::Int16(count as i16))
                .set("indisunique", Value::Bool(index.unique))
                .set("indisprimary", Value::Bool(index.primary))
                .set("indimmediate", Value::Bool(true))
                .set("indisvalid", Value::Bool(true))
                .set("indisready", Value::Bool(true))
                .set("indislive", Value::Bool(true))
                .set(
                    "indkey",
                    int_array(ElementType::SmallInt, index_keys(index)),
                )
                .set(
                    "indcollation",
                    int_array(
                        ElementType::BigInt,
                        index.columns.iter().map(|&c| {
                            if schema.columns[c].data_type.is_string() {
                                i64::from(COLLATION_DEFAULT)
                            } else {
                                0
                            }
                        }),
                    ),
                )
                .set(
                    "indclass",
                    int_array(
                        ElementType::BigInt,
                        std::iter::repeat_n(i64::from(OPCLASS_DEFAULT), count),
                    ),
                )
                .set(
                    "indoption",
                    int_array(ElementType::SmallInt, std::iter::repeat_n(0, count)),
                );
        }
    }
}

/// Whether an index stands for a constraint: the primary key, UNIQUE constraints, and
/// unique indexes named as PostgreSQL names UNIQUE constraints (`table_column_key`).
pub(super) fn constraint_of(index: &IndexSchema) -> Option<char> {
    if index.primary {
        Some('p')
    } else if index.unique && (index.constraint || index.name.ends_with("_key")) {
        Some('u')
    } else {
        None
    }
}

fn pg_constraint(rows: &mut Rows, catalog: &Catalog) {
    for table in catalog.tables() {
        let schema = &table.schema;
        for index in &schema.indexes {
            let Some(kind) = constraint_of(index) else {
                continue;
            };
            rows.row()
                .oid("oid", index.id)
                .text("conname", &index.name)
                .oid("connamespace", namespace_of(&schema.schema_name))
                .char("contype", kind)
                .set("convalidated", Value::Bool(true))
                .oid("conrelid", schema.id)
                .oid("conindid", index.id)
                .set("conislocal", Value::Bool(true))
                .set("connoinherit", Value::Bool(true))
                .set(
                    "conkey",
                    int_array(ElementType::SmallInt, index_keys(index)),
                );
        }
    }
    super::constraints::foreign_key_and_check_rows(rows, catalog);
}

/// The id of a column default in `pg_attrdef` (db001 keeps defaults on the column).
pub(super) fn attrdef_oid(table: u32, column: usize) -> i64 {
    i64::from(table) * 10_000 + column as i64 + 1
}

fn pg_attrdef(rows: &mut Rows, catalog: &Catalog) {
    for table in catalog.tables() {
        let schema = &table.schema;
        for (index, column) in schema.columns.iter().enumerate() {
            if let Some(default) = &column.default {
                rows.row()
                    .set("oid", Value::Int64(attrdef_oid(schema.id, index)))
                    .oid("adrelid", schema.id)
                    .set("adnum", Value::Int16(index as i16 + 1))
                    .text("adbin", default);
            }
        }
    }
}

fn roles(rows: &mut Rows, catalog: &Catalog, relation: &str) {
    for role in catalog.roles() {
        let mut row = rows.row();
        let password = match relation {
            "pg_authid" => role.password.as_deref().map(Value::text),
            _ => Some(Value::text("********")),
        };
        if relation == "pg_user" {
            row.text("usename", &role.name)
                .oid("usesysid", role.oid)
                .set("usecreatedb", Value::Bool(role.create_db))
                .set("usesuper", Value::Bool(role.superuser))
                .set("userepl", Value::Bool(role.replication))
                .set("usebypassrls", Value::Bool(role.bypass_rls))
                .set("passwd", password.unwrap_or(Value::Null));
            continue;
        }
        row.oid("oid", role.oid)
            .text("rolname", &role.name)
            .set("rolsuper", Value::Bool(role.superuser))
            .set("rolinherit", Value::Bool(role.inherit))
            .set("rolcreaterole", Value::Bool(role.create_role))
            .set("rolcreatedb", Value::Bool(role.create_db))
            .set("rolcanlogin", Value::Bool(role.login))
            .set("rolreplication", Value::Bool(role.replication))
            .set("rolbypassrls", Value::Bool(role.bypass_rls))
            .set("rolconnlimit", Value::Int32(role.connection_limit))
            .set("rolpassword", password.unwrap_or(Value::Null));
    }
}

fn pg_tables(rows: &mut Rows, catalog: &Catalog) {
    for def in RELATIONS.iter().filter(|def| def.kind == 'r') {
        rows.row()
            .text("schemaname", def.schema)
            .text("tablename", def.name)
            .text("tableowner", "postgres");
    }
    for table in catalog.tables() {
        let schema = &table.schema;
        rows.row()
            .text("schemaname", &schema.schema_name)
            .text("tablename", &schema.name)
            .text("tableowner", "postgres")
            .set("hasindexes", Value::Bool(!schema.indexes.is_empty()));
    }
}

fn pg_indexes(rows: &mut Rows, catalog: &Catalog) {
    for table in catalog.tables() {
        let schema = &table.schema;
        for index in &schema.indexes {
            rows.row()
                .text("schemaname", &schema.schema_name)
                .text("tablename", &schema.name)
                .text("indexname", &index.name)
                .text("indexdef", &index_definition(table, index, false));
        }
    }
}

/// `pg_get_indexdef`: `CREATE [UNIQUE] INDEX name ON [schema.]table USING btree (a, b)`.
pub(super) fn index_definition(table: &TableEntry, index: &IndexSchema, pretty: bool) -> String {
    let schema: &TableSchema = &table.schema;
    let columns: Vec<String> = index
        .columns
        .iter()
        .map(|&c| names::quote_identifier(&schema.columns[c].name))
        .collect();
    let unique = if index.unique { "UNIQUE " } else { "" };
    let table_name = if pretty && schema.schema_name == "public" {
        names::quote_identifier(&schema.name)
    } else {
        format!(
            "{}.{}",
            names::quote_identifier(&schema.schema_name),
            names::quote_identifier(&schema.name)
        )
    };
    format!(
        "CREATE {unique}INDEX {} ON {table_name} USING btree ({})",
        names::quote_identifier(&index.name),
        columns.join(", ")
    )
}

fn pg_stat_user_tables(rows: &mut Rows, catalog: &Catalog) {
    for table in catalog.tables() {
        let schema = &table.schema;
        rows.row()
            .oid("relid", schema.id)
            .text("schemaname", &schema.schema_name)
            .text("relname", &schema.name)
            .set(
                "n_live_tup",
                Value::Int64(table.storage.row_estimate() as i64),
            );
    }
}

fn pg_settings(rows: &mut Rows, settings: &Settings) {
    for (name, value) in settings.all() {
        let parameter = KNOWN.iter().find(|p| p.name == name);
        let mut row = rows.row();
        row.text("name", &name).text("setting", &value);
        if let Some(parameter) = parameter {
            let source = if value == parameter.default {
                "default"
            } else {
                "session"
            };
            row.text("vartype", parameter.vartype)
                .text("context", parameter.context)
                .text("short_desc", parameter.description)
                .text("source", source)
                .text("boot_val", parameter.default)
                .text("reset_val", parameter.default)
                .text("category", "Client Connection Defaults")
                .set("pending_restart", Value::Bool(false));
            if !parameter.unit.is_empty() {
                row.text("unit", parameter.unit);
            }
        }
    }
}

fn pg_type(def: &'static RelationDef) -> Rows {
    let mut rows = Rows::new(def);
    for t in TYPES {
        let [input, output, receive, send, modin, modout, analyze] = t.11;
        rows.row()
            .oid("oid", t.0)
            .text("typname", t.1)
            .oid("typnamespace", NAMESPACE_CATALOG)
            .oid("typowner", ROLE_BOOTSTRAP)
            .set("typlen", Value::Int16(t.2))
            .set("typbyval", Value::Bool(t.3))
            .char("typtype", t.4)
            .char("typcategory", t.5)
            .set("typispreferred", Value::Bool(t.6))
            .set("typisdefined", Value::Bool(true))
            .char("typdelim", t.7)
            .text("typsubscript", t.8)
            .oid("typelem", t.9)
            .oid("typarray", t.10)
            .text("typinput", input)
            .text("typoutput", output)
            .text("typreceive", receive)
            .text("typsend", send)
            .text("typmodin", modin)
            .text("typmodout", modout)
            .text("typanalyze", analyze)
            .char("typalign", t.12)
            .char("typstorage", t.13)
            .set("typtypmod", Value::Int32(-1))
            .oid("typcollation", t.14);
    }
    rows
}

fn pg_proc(def: &'static RelationDef) -> Rows {
    let mut rows = Rows::new(def);
    for p in PROCS {
        rows.row()
            .oid("oid", p.0)
            .text("proname", p.1)
            .oid("pronamespace", NAMESPACE_CATALOG)
            .oid("proowner", ROLE_BOOTSTRAP)
            .oid("prolang", 12)
            .set("procost", Value::Float32(1.0))
            .char("prokind", p.2)
            .set("proisstrict", Value::Bool(p.7))
            .set("proretset", Value::Bool(p.3))
            .char("provolatile", p.6)
            .char("proparallel", 's')
            .set("pronargs", Value::Int16(p.5.len() as i16))
            .oid("prorettype", p.4)
            .set(
                "proargtypes",
                int_array(ElementType::BigInt, p.5.iter().map(|&t| i64::from(t))),
            )
            .text("prosrc", p.1);
    }
    rows
}

fn pg_am(def: &'static RelationDef) -> Rows {
    let mut rows = Rows::new(def);
    for (oid, name, handler, kind) in [
        (AM_HEAP, "heap", "heap_tableam_handler", 't'),
        (AM_BTREE, "btree", "bthandler", 'i'),
        (405, "hash", "hashhandler", 'i'),
        (783, "gist", "gisthandler", 'i'),
        (2742, "gin", "ginhandler", 'i'),
        (4000, "spgist", "spghandler", 'i'),
        (3580, "brin", "brinhandler", 'i'),
    ] {
        rows.row()
            .oid("oid", oid)
            .text("amname", name)
            .text("amhandler", handler)
            .char("amtype", kind);
    }
    rows
}

/// db001 serves one database under any name; `pg_database` lists PostgreSQL's three.
fn pg_database(def: &'static RelationDef) -> Rows {
    let mut rows = Rows::new(def);
    let acl = || {
        db001_common::array::Array::new(
            ElementType::Text,
            vec![
                Value::text("=c/postgres"),
                Value::text("postgres=CTc/postgres"),
            ],
        )
        .into_value()
    };
    for (oid, name, template, acl) in [
        (5, "postgres", false, None),
        (1, "template1", true, Some(acl())),
        (4, "template0", true, Some(acl())),
    ] {
        rows.row()
            .oid("oid", oid)
            .text("datname", name)
            .oid("datdba", ROLE_BOOTSTRAP)
            .set("encoding", Value::Int32(6))
            .char("datlocprovider", 'c')
            .set("datistemplate", Value::Bool(template))
            .set("datallowconn", Value::Bool(oid != 4))
            .set("datconnlimit", Value::Int32(-1))
            .oid("dattablespace", 1663)
            .text("datcollate", "C.UTF-8")
            .text("datctype", "C.UTF-8")
            .set("datacl", acl.unwrap_or(Value::Null));
    }
    rows
}

fn pg_collation(def: &'static RelationDef) -> Rows {
    let mut rows = Rows::new(def);
    for (oid, name, provider, encoding, collate) in [
        (COLLATION_DEFAULT, "default", 'd', -1, None),
        (950, "C", 'c', -1, Some("C")),
        (951, "POSIX", 'c', -1, Some("POSIX")),
        (12341, "C.utf8", 'c', 6, Some("C.utf8")),
    ] {
        let mut row = rows.row();
        row.oid("oid", oid)
            .text("collname", name)
            .oid("collnamespace", NAMESPACE_CATALOG)
            .oid("collowner", ROLE_BOOTSTRAP)
            .char("collprovider", provider)
            .set("collisdeterministic", Value::Bool(true))
            .set("collencoding", Value::Int32(encoding));
        if let Some(collate) = collate {
            row.text("collcollate", collate).text("collctype", collate);
        }
    }
    rows
}

fn pg_tablespace(def: &'static RelationDef) -> Rows {
    let mut rows = Rows::new(def);
    for (oid, name) in [(1663, "pg_default"), (1664, "pg_global")] {
        rows.row()
            .oid("oid", oid)
            .text("spcname", name)
            .oid("spcowner", ROLE_BOOTSTRAP);
    }
    rows
}
