//! Every system relation builds, with the right columns, against a catalog with a table.

use std::sync::Arc;

use db001_catalog::{Catalog, ColumnSchema, IndexSchema, TableSchema};
use db001_common::{DataType, Value, row_codec};
use db001_planner::system::{ObjectKind, SystemRelations};
use db001_txn::{Snapshot, TxnManager};

use super::generated_relations::RELATIONS;
use super::{SessionIdentity, SystemCatalog};
use crate::settings::Settings;

fn catalog() -> Catalog {
    let mut catalog = Catalog::new();
    catalog
        .add_table(TableSchema {
            id: 16384,
            name: "customer".into(),
            schema_name: "public".into(),
            columns: vec![
                ColumnSchema {
                    name: "id".into(),
                    data_type: DataType::Int,
                    nullable: false,
                    default: None,
                    identity: None,
                },
                ColumnSchema {
                    name: "name".into(),
                    data_type: DataType::Varchar(Some(40)),
                    nullable: true,
                    default: Some("'x'".into()),
                    identity: None,
                },
            ],
            indexes: vec![IndexSchema {
                id: 16387,
                name: "customer_pkey".into(),
                columns: vec![0],
                unique: true,
                primary: true,
                constraint: true,
            }],
            checks: Vec::new(),
            foreign_keys: Vec::new(),
        })
        .expect("new table");
    catalog
}

fn system(catalog: &Catalog) -> SystemCatalog {
    SystemCatalog::new(
        Settings::new(true),
        SessionIdentity {
            user: "postgres".into(),
            database: "postgres".into(),
            backend_pid: 1000,
            application_name: String::new(),
        },
        Arc::new(catalog.clone()),
        0,
    )
}

fn rows(system: &SystemCatalog, catalog: &Catalog, schema: &str, name: &str) -> Vec<Vec<Value>> {
    let table = system
        .relation(catalog, Some(schema), name)
        .expect("a system relation")
        .expect("builds");
    let manager = Arc::new(TxnManager::new(10));
    let snapshot = Snapshot {
        read_ts: 10,
        own: db001_txn::TXN_ID_BIT,
    };
    table
        .storage
        .scan(snapshot, manager)
        .map(|entry| {
            let (_, data) = entry.expect("scans");
            row_codec::decode_row(&data).expect("decodes")
        })
        .collect()
}

#[test]
fn every_relation_builds() {
    let catalog = catalog();
    let system = system(&catalog);
    for def in RELATIONS {
        let table = system
            .relation(&catalog, Some(def.schema), def.name)
            .expect("known")
            .expect("builds");
        assert_eq!(
            table.schema.columns.len(),
            def.columns.len(),
            "{}",
            def.name
        );
    }
    assert!(system.take_volatile(), "pg_settings was read");
}

#[test]
fn live_contents_follow_the_catalog() {
    let catalog = catalog();
    let system = system(&catalog);
    let class = rows(&system, &catalog, "pg_catalog", "pg_class");
    let names: Vec<&Value> = class.iter().map(|row| &row[1]).collect();
    assert!(names.contains(&&Value::text("customer")));
    assert!(names.contains(&&Value::text("customer_pkey")));
    assert!(names.contains(&&Value::text("pg_class")));
    let attributes = rows(&system, &catalog, "pg_catalog", "pg_attribute");
    let name_column = attributes
        .iter()
        .find(|row| row[0] == Value::Oid(16384) && row[1] == Value::text("name"))
        .expect("customer.name");
    // atttypid varchar, atttypmod 40 + 4
    assert_eq!(name_column[2], Value::Oid(1043));
    assert_eq!(name_column[8], Value::Int32(44));
    let columns = rows(&system, &catalog, "information_schema", "columns");
    assert!(
        columns
            .iter()
            .any(|row| row[2] == Value::text("customer") && row[3] == Value::text("id"))
    );
    let roles = rows(&system, &catalog, "pg_catalog", "pg_roles");
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0][0], Value::text("postgres"));
}

#[test]
fn names_resolve_like_postgres() {
    let catalog = catalog();
    let system = system(&catalog);
    assert!(system.relation(&catalog, None, "customer").is_none());
    assert!(
        system
            .relation(&catalog, Some("public"), "pg_class")
            .is_none()
    );
    let missing = system
        .relation(&catalog, Some("pg_catalog"), "nope")
        .expect("an answer")
        .expect_err("no such relation");
    assert_eq!(missing.code().code(), "42P01");
    assert_eq!(
        system
            .object_id(&catalog, ObjectKind::Relation, "pg_catalog.pg_class")
            .expect("exists"),
        1259
    );
    assert_eq!(
        system
            .object_id(&catalog, ObjectKind::Relation, "customer")
            .expect("exists"),
        16384
    );
    assert_eq!(
        system
            .object_id(&catalog, ObjectKind::Type, "character varying")
            .expect("exists"),
        1043
    );
    assert_eq!(
        super::names::format_type(1700, Some((12 << 16 | 2) + 4)).as_deref(),
        Some("numeric(12,2)")
    );
    assert_eq!(
        super::names::format_type(1015, None).as_deref(),
        Some("character varying[]")
    );
}
