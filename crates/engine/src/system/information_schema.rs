//! `information_schema`: the SQL standard's views of the catalog, for the user's tables (as
//! PostgreSQL shows them to a superuser, `pg_catalog` and `information_schema` relations
//! included in `tables` and `columns`).

use db001_catalog::Catalog;
use db001_common::{DataType, Value};

use super::contents::{constraint_of, namespace_of};
use super::generated_relations::RELATIONS;
use super::names::{self, NAMESPACES};
use super::relation::{RelationDef, Rows};

/// The database name information_schema reports.
const DATABASE: &str = "postgres";

pub(super) fn build(def: &'static RelationDef, catalog: &Catalog) -> Rows {
    let mut rows = Rows::new(def);
    match def.name {
        "schemata" => schemata(&mut rows),
        "tables" => tables(&mut rows, catalog),
        "columns" => columns(&mut rows, catalog),
        "table_constraints" => table_constraints(&mut rows, catalog),
        "key_column_usage" | "constraint_column_usage" => {
            key_columns(&mut rows, catalog, def.name == "key_column_usage")
        }
        _ => {}
    }
    rows
}

fn schemata(rows: &mut Rows) {
    for (_, name, owner) in NAMESPACES {
        let owner = if *owner == names::ROLE_BOOTSTRAP {
            "postgres"
        } else {
            "pg_database_owner"
        };
        rows.row()
            .text("catalog_name", DATABASE)
            .text("schema_name", name)
            .text("schema_owner", owner);
    }
}

fn tables(rows: &mut Rows, catalog: &Catalog) {
    for def in RELATIONS {
        let kind = if def.kind == 'v' {
            "VIEW"
        } else {
            "BASE TABLE"
        };
        rows.row()
            .text("table_catalog", DATABASE)
            .text("table_schema", def.schema)
            .text("table_name", def.name)
            .text("table_type", kind)
            .text(
                "is_insertable_into",
                if def.kind == 'v' { "NO" } else { "YES" },
            )
            .text("is_typed", "NO");
    }
    for table in catalog.tables() {
        let schema = &table.schema;
        rows.row()
            .text("table_catalog", DATABASE)
            .text("table_schema", &schema.schema_name)
            .text("table_name", &schema.name)
            .text("table_type", "BASE TABLE")
            .text("is_insertable_into", "YES")
            .text("is_typed", "NO");
    }
}

/// `data_type` as the standard names it.
fn standard_type_name(data_type: DataType) -> String {
    match data_type {
        DataType::Array(_) => "ARRAY".to_string(),
        other => names::format_type(other.oid(), None).unwrap_or_else(|| "USER-DEFINED".into()),
    }
}

#[allow(clippy::too_many_arguments)]
fn column(
    rows: &mut Rows,
    schema: &str,
    table: &str,
    name: &str,
    position: usize,
    data_type: DataType,
    nullable: bool,
    default: Option<&str>,
) {
    let udt = super::generated_data::TYPES
        .iter()
        .find(|t| t.0 == data_type.oid())
        .map_or("", |t| t.1);
    let mut row = rows.row();
    row.text("table_catalog", DATABASE)
        .text("table_schema", schema)
        .text("table_name", table)
        .text("column_name", name)
        .set("ordinal_position", Value::Int32(position as i32))
        .text("is_nullable", if nullable { "YES" } else { "NO" })
        .text("data_type", &standard_type_name(data_type))
        .text("udt_catalog", DATABASE)
        .text("udt_schema", "pg_catalog")
        .text("udt_name", udt)
        .text("dtd_identifier", &position.to_string())
        .text("is_self_referencing", "NO")
        .text("is_identity", "NO")
        .text("identity_cycle", "NO")
        .text("is_generated", "NEVER")
        .text("is_updatable", "YES");
    if let Some(default) = default {
        row.text("column_default", default);
    }
    match data_type {
        DataType::Varchar(Some(length)) | DataType::Bpchar(Some(length)) => {
            row.set("character_maximum_length", Value::Int32(length as i32))
                .set("character_octet_length", Value::Int32(length as i32 * 4));
        }
        DataType::Varchar(None) | DataType::Text | DataType::Bpchar(None) => {
            row.set("character_octet_length", Value::Int32(1_073_741_824));
        }
        DataType::SmallInt | DataType::Int | DataType::BigInt => {
            let bits = match data_type {
                DataType::SmallInt => 16,
                DataType::Int => 32,
                _ => 64,
            };
            row.set("numeric_precision", Value::Int32(bits))
                .set("numeric_precision_radix", Value::Int32(2))
                .set("numeric_scale", Value::Int32(0));
        }
        DataType::Real | DataType::Double => {
            let bits = if data_type == DataType::Real { 24 } else { 53 };
            row.set("numeric_precision", Value::Int32(bits))
                .set("numeric_precision_radix", Value::Int32(2));
        }
        DataType::Numeric(typmod) => {
            row.set("numeric_precision_radix", Value::Int32(10));
            if let Some(typmod) = typmod {
                row.set(
                    "numeric_precision",
                    Value::Int32(i32::from(typmod.precision)),
                )
                .set("numeric_scale", Value::Int32(i32::from(typmod.scale)));
            }
        }
        DataType::Date
        | DataType::Time
        | DataType::Timestamp
        | DataType::TimestampTz
        | DataType::Interval => {
            let precision = if data_type == DataType::Date { 0 } else { 6 };
            row.set("datetime_precision", Value::Int32(precision));
        }
        _ => {}
    }
}

fn columns(rows: &mut Rows, catalog: &Catalog) {
    for def in RELATIONS {
        for (index, c) in def.columns.iter().enumerate() {
            column(
                rows,
                def.schema,
                def.name,
                c.name,
                index + 1,
                c.data_type,
                !c.not_null,
                None,
            );
        }
    }
    for table in catalog.tables() {
        let schema = &table.schema;
        for (index, c) in schema.columns.iter().enumerate() {
            column(
                rows,
                &schema.schema_name,
                &schema.name,
                &c.name,
                index + 1,
                c.data_type,
                c.nullable,
                c.default.as_deref(),
            );
        }
    }
}

fn table_constraints(rows: &mut Rows, catalog: &Catalog) {
    for table in catalog.tables() {
        let schema = &table.schema;
        for index in &schema.indexes {
            let Some(kind) = constraint_of(index) else {
                continue;
            };
            let kind = if kind == 'p' { "PRIMARY KEY" } else { "UNIQUE" };
            rows.row()
                .text("constraint_catalog", DATABASE)
                .text("constraint_schema", &schema.schema_name)
                .text("constraint_name", &index.name)
                .text("table_catalog", DATABASE)
                .text("table_schema", &schema.schema_name)
                .text("table_name", &schema.name)
                .text("constraint_type", kind)
                .text("is_deferrable", "NO")
                .text("initially_deferred", "NO")
                .text("enforced", "YES")
                .text("nulls_distinct", "YES");
        }
        // NOT NULL columns are CHECK constraints in the standard's view.
        for (position, c) in schema.columns.iter().enumerate() {
            if c.nullable {
                continue;
            }
            let name = format!(
                "{}_{}_{}_not_null",
                namespace_of(&schema.schema_name),
                schema.id,
                position + 1
            );
            rows.row()
                .text("constraint_catalog", DATABASE)
                .text("constraint_schema", &schema.schema_name)
                .text("constraint_name", &name)
                .text("table_catalog", DATABASE)
                .text("table_schema", &schema.schema_name)
                .text("table_name", &schema.name)
                .text("constraint_type", "CHECK")
                .text("is_deferrable", "NO")
                .text("initially_deferred", "NO")
                .text("enforced", "YES");
        }
    }
}

fn key_columns(rows: &mut Rows, catalog: &Catalog, with_positions: bool) {
    for table in catalog.tables() {
        let schema = &table.schema;
        for index in &schema.indexes {
            if constraint_of(index).is_none() {
                continue;
            }
            for (position, &c) in index.columns.iter().enumerate() {
                let mut row = rows.row();
                row.text("constraint_catalog", DATABASE)
                    .text("constraint_schema", &schema.schema_name)
                    .text("constraint_name", &index.name)
                    .text("table_catalog", DATABASE)
                    .text("table_schema", &schema.schema_name)
                    .text("table_name", &schema.name)
                    .text("column_name", &schema.columns[c].name);
                if with_positions {
                    row.set("ordinal_position", Value::Int32(position as i32 + 1));
                }
            }
        }
    }
}
