//! CREATE / DROP TABLE and INDEX, applied to the transaction's private catalog copy (see the
//! catalog crate's docs for why DDL is transactional this way).

use std::sync::Arc;

use db001_catalog::{ColumnSchema, IndexSchema, TableSchema, codec};
use db001_common::{Error, Result, SqlState};
use db001_sql::ast;
use db001_txn::Snapshot;

use crate::database::Database;
use crate::log_record::LogOp;
use crate::result::{CommandTag, StatementResult};
use crate::transaction::{DdlAction, Transaction};

/// Runs one DDL statement in `txn`.
pub(crate) fn execute(
    db: &Database,
    txn: &mut Transaction,
    snapshot: Snapshot,
    statement: &ast::Statement,
    sql: &str,
) -> Result<StatementResult> {
    match statement {
        ast::Statement::CreateTable(create) => create_table(db, txn, create, sql),
        ast::Statement::DropTable(drop) => drop_table(db, txn, drop),
        ast::Statement::CreateIndex(create) => create_index(db, txn, snapshot, create),
        ast::Statement::DropIndex(drop) => drop_index(db, txn, drop),
        _ => Err(Error::internal("not a DDL statement")),
    }
}

fn schema_of(name: &ast::ObjectName) -> Result<String> {
    match name.schema() {
        None => Ok("public".to_string()),
        Some(schema) if schema.value == "public" => Ok("public".to_string()),
        Some(schema) => Err(Error::new(
            SqlState::new("3F000"),
            format!("schema \"{}\" does not exist", schema.value),
        )),
    }
}

fn create_table(
    db: &Database,
    txn: &mut Transaction,
    create: &ast::CreateTable,
    sql: &str,
) -> Result<StatementResult> {
    let schema_name = schema_of(&create.name)?;
    let name = create.name.name().value.clone();
    let position = |span: ast::Span| span.position(sql);
    let write_set_len = txn.write_set.len();
    let catalog = txn.begin_ddl(db)?;
    if catalog.relation_exists(&schema_name, &name) {
        if create.if_not_exists {
            return Ok(StatementResult::command(CommandTag::CreateTable));
        }
        return Err(Error::new(
            SqlState::DUPLICATE_TABLE,
            format!("relation \"{name}\" already exists"),
        ));
    }
    let mut columns: Vec<ColumnSchema> = Vec::with_capacity(create.columns.len());
    let mut primary: Option<Vec<usize>> = None;
    let mut uniques: Vec<Vec<usize>> = Vec::new();
    let multiple_primary = || {
        Error::new(
            SqlState::INVALID_TABLE_DEFINITION,
            format!("multiple primary keys for table \"{name}\" are not allowed"),
        )
    };
    for (i, column) in create.columns.iter().enumerate() {
        if columns.iter().any(|c| c.name == column.name.value) {
            return Err(Error::new(
                SqlState::DUPLICATE_COLUMN,
                format!("column \"{}\" specified more than once", column.name.value),
            )
            .with_position(position(column.name.span)));
        }
        let data_type = db001_planner::resolve_type(&column.data_type)
            .map_err(|e| e.or_position(Some(position(column.data_type.span))))?;
        let mut nullable = true;
        let mut default = None;
        for constraint in &column.constraints {
            match &constraint.kind {
                ast::ColumnConstraintKind::NotNull => nullable = false,
                ast::ColumnConstraintKind::Null => {}
                ast::ColumnConstraintKind::PrimaryKey => {
                    if primary.is_some() {
                        return Err(multiple_primary());
                    }
                    primary = Some(vec![i]);
                    nullable = false;
                }
                ast::ColumnConstraintKind::Unique => uniques.push(vec![i]),
                ast::ColumnConstraintKind::Default(expr) => default = Some(expr.to_string()),
                ast::ColumnConstraintKind::Check(_) => {
                    return Err(Error::feature_not_supported(
                        "CHECK constraints are not supported yet",
                    ));
                }
                ast::ColumnConstraintKind::References { .. } => {
                    return Err(Error::feature_not_supported(
                        "FOREIGN KEY constraints are not supported yet",
                    ));
                }
                ast::ColumnConstraintKind::Identity { .. } => {
                    return Err(Error::feature_not_supported(
                        "identity columns are not supported yet",
                    ));
                }
            }
        }
        columns.push(ColumnSchema {
            name: column.name.value.clone(),
            data_type,
            nullable,
            default,
        });
    }
    let column_positions = |idents: &[ast::Ident]| -> Result<Vec<usize>> {
        idents
            .iter()
            .map(|ident| {
                columns
                    .iter()
                    .position(|c| c.name == ident.value)
                    .ok_or_else(|| {
                        Error::new(
                            SqlState::UNDEFINED_COLUMN,
                            format!("column \"{}\" named in key does not exist", ident.value),
                        )
                        .with_position(position(ident.span))
                    })
            })
            .collect()
    };
    for constraint in &create.constraints {
        match &constraint.kind {
            ast::TableConstraintKind::PrimaryKey(idents) => {
                if primary.is_some() {
                    return Err(multiple_primary());
                }
                primary = Some(column_positions(idents)?);
            }
            ast::TableConstraintKind::Unique(idents) => uniques.push(column_positions(idents)?),
            ast::TableConstraintKind::Check(_) => {
                return Err(Error::feature_not_supported(
                    "CHECK constraints are not supported yet",
                ));
            }
            ast::TableConstraintKind::ForeignKey { .. } => {
                return Err(Error::feature_not_supported(
                    "FOREIGN KEY constraints are not supported yet",
                ));
            }
        }
    }
    if let Some(key) = &primary {
        for &column in key {
            columns[column].nullable = false;
        }
    }
    // Check DEFAULT expressions now (type errors belong to CREATE TABLE, as in PostgreSQL).
    for column in &columns {
        if let Some(default) = &column.default {
            check_default(default, column)?;
        }
    }
    let table_id = catalog.allocate_oid();
    let mut indexes = Vec::new();
    let mut add_index = |catalog: &mut db001_catalog::Catalog,
                         columns_of: Vec<usize>,
                         primary: bool,
                         names: &[ColumnSchema]| {
        let suffix = if primary {
            "pkey".to_string()
        } else {
            let joined: Vec<&str> = columns_of.iter().map(|&c| names[c].name.as_str()).collect();
            format!("{}_key", joined.join("_"))
        };
        indexes.push(IndexSchema {
            id: catalog.allocate_oid(),
            name: format!("{name}_{suffix}"),
            columns: columns_of,
            unique: true,
            primary,
        });
    };
    if let Some(key) = primary {
        add_index(catalog, key, true, &columns);
    }
    for unique in uniques {
        add_index(catalog, unique, false, &columns);
    }
    for index in &indexes {
        if catalog.relation_exists(&schema_name, &index.name) {
            return Err(Error::new(
                SqlState::DUPLICATE_TABLE,
                format!("relation \"{}\" already exists", index.name),
            ));
        }
    }
    let schema = TableSchema {
        id: table_id,
        name,
        schema_name,
        columns,
        indexes,
    };
    let mut encoded = Vec::new();
    codec::encode_table(&schema, &mut encoded);
    catalog.add_table(schema)?;
    catalog.bump_version(db.catalog().version());
    txn.ddl_log
        .push((write_set_len, LogOp::CreateTable { schema: encoded }));
    Ok(StatementResult::command(CommandTag::CreateTable))
}

fn check_default(default: &str, column: &ColumnSchema) -> Result<()> {
    let parsed = db001_sql::parse_expr(default)?;
    let catalog = db001_catalog::Catalog::new();
    let mut binder = db001_planner::Binder::new(&catalog, default, &[]);
    let statement = ast::Statement::Select(Box::new(ast::Query {
        with: None,
        body: ast::SetExpr::Select(Box::new(ast::Select {
            distinct: None,
            projection: vec![ast::SelectItem::Expr {
                expr: parsed,
                alias: None,
            }],
            from: Vec::new(),
            selection: None,
            group_by: Vec::new(),
            having: None,
            span: ast::Span::default(),
        })),
        order_by: Vec::new(),
        limit: None,
        offset: None,
        locking: Vec::new(),
        span: ast::Span::default(),
    }));
    let bound = binder.bind_statement(&statement)?;
    let from = bound
        .columns()
        .and_then(|c| c.first())
        .map(|c| c.data_type)
        .ok_or_else(|| Error::internal("default expression has no type"))?;
    if from != db001_common::DataType::Text
        && !db001_planner::binder::assignment_castable(from, column.data_type)
    {
        return Err(Error::datatype_mismatch(format!(
            "column \"{}\" is of type {} but default expression is of type {}",
            column.name,
            column.data_type.sql_name(),
            from.sql_name()
        ))
        .with_hint("You will need to rewrite or cast the expression."));
    }
    Ok(())
}

fn drop_table(
    db: &Database,
    txn: &mut Transaction,
    drop: &ast::DropTable,
) -> Result<StatementResult> {
    let write_set_len = txn.write_set.len();
    let catalog = txn.begin_ddl(db)?;
    let mut dropped = Vec::new();
    for name in &drop.names {
        let schema_name = schema_of(name)?;
        let table = name.name().value.as_str();
        match catalog.remove_table(&schema_name, table) {
            Some(entry) => dropped.push(entry.schema.id),
            None if drop.if_exists => {}
            None => return Err(Error::undefined_table(table)),
        }
    }
    catalog.bump_version(db.catalog().version());
    for table in dropped {
        txn.ddl_log
            .push((write_set_len, LogOp::DropTable { table }));
    }
    Ok(StatementResult::command(CommandTag::DropTable))
}

fn create_index(
    db: &Database,
    txn: &mut Transaction,
    snapshot: Snapshot,
    create: &ast::CreateIndex,
) -> Result<StatementResult> {
    let write_set_len = txn.write_set.len();
    let schema_name = schema_of(&create.table)?;
    let table_name = create.table.name().value.clone();
    let catalog = txn.begin_ddl(db)?;
    let entry = catalog
        .table(&schema_name, &table_name)
        .cloned()
        .ok_or_else(|| Error::undefined_table(&table_name))?;
    let mut positions = Vec::with_capacity(create.columns.len());
    for item in &create.columns {
        let ast::Expr::Column(parts) = &item.expr else {
            return Err(Error::feature_not_supported(
                "indexes on expressions are not supported yet",
            ));
        };
        if item.asc == Some(false) || item.nulls_first.is_some() {
            return Err(Error::feature_not_supported(
                "DESC and NULLS FIRST/LAST in indexes are not supported yet",
            ));
        }
        let column = &parts.last().expect("a column reference has a name").value;
        let position = entry.schema.column_index(column).ok_or_else(|| {
            Error::new(
                SqlState::UNDEFINED_COLUMN,
                format!("column \"{column}\" does not exist"),
            )
        })?;
        positions.push(position);
    }
    let name = match &create.name {
        Some(name) => name.value.clone(),
        None => {
            let joined: Vec<&str> = positions
                .iter()
                .map(|&c| entry.schema.columns[c].name.as_str())
                .collect();
            format!("{table_name}_{}_idx", joined.join("_"))
        }
    };
    if catalog.relation_exists(&schema_name, &name) {
        if create.if_not_exists {
            return Ok(StatementResult::command(CommandTag::CreateIndex));
        }
        return Err(Error::new(
            SqlState::DUPLICATE_TABLE,
            format!("relation \"{name}\" already exists"),
        ));
    }
    let index = IndexSchema {
        id: catalog.allocate_oid(),
        name,
        columns: positions,
        unique: create.unique,
        primary: false,
    };
    entry.storage.add_index(
        entry.schema.index_spec(&index),
        &snapshot,
        &db.shared.manager,
    )?;
    txn_register_index(txn, &entry.storage, index.id);
    let catalog = txn
        .catalog
        .as_mut()
        .expect("begin_ddl made a private catalog");
    let mut schema = entry.schema.as_ref().clone();
    schema.indexes.push(index.clone());
    catalog.replace_schema(schema)?;
    catalog.bump_version(db.catalog().version());
    let mut encoded = Vec::new();
    codec::encode_index(&index, &mut encoded);
    txn.ddl_log.push((
        write_set_len,
        LogOp::CreateIndex {
            table: entry.schema.id,
            index: encoded,
        },
    ));
    Ok(StatementResult::command(CommandTag::CreateIndex))
}

fn txn_register_index(txn: &mut Transaction, table: &Arc<db001_storage::Table>, index_id: u32) {
    txn.on_rollback.push(DdlAction::DropIndex {
        table: Arc::clone(table),
        index_id,
    });
}

fn drop_index(
    db: &Database,
    txn: &mut Transaction,
    drop: &ast::DropIndex,
) -> Result<StatementResult> {
    let write_set_len = txn.write_set.len();
    let catalog = txn.begin_ddl(db)?;
    let mut dropped = Vec::new();
    for name in &drop.names {
        let schema_name = schema_of(name)?;
        let index_name = name.name().value.as_str();
        let Some((entry, index)) = catalog.index_owner(&schema_name, index_name) else {
            if drop.if_exists {
                continue;
            }
            return Err(Error::new(
                SqlState::UNDEFINED_OBJECT,
                format!("index \"{index_name}\" does not exist"),
            ));
        };
        if index.primary {
            return Err(Error::new(
                SqlState::new("2BP01"),
                format!(
                    "cannot drop index {index_name} because constraint {index_name} on table {} requires it",
                    entry.schema.name
                ),
            )
            .with_hint(format!(
                "You can drop constraint {index_name} on table {} instead.",
                entry.schema.name
            )));
        }
        let mut schema = entry.schema.as_ref().clone();
        let storage = Arc::clone(&entry.storage);
        let index_id = index.id;
        schema.indexes.retain(|i| i.id != index_id);
        let table_id = schema.id;
        catalog.replace_schema(schema)?;
        dropped.push((table_id, index_id, storage));
    }
    catalog.bump_version(db.catalog().version());
    for (table, index, storage) in dropped {
        txn.ddl_log
            .push((write_set_len, LogOp::DropIndex { table, index }));
        txn.on_commit.push(DdlAction::DropIndex {
            table: storage,
            index_id: index,
        });
    }
    Ok(StatementResult::command(CommandTag::DropIndex))
}
