//! CREATE VIEW, CREATE SCHEMA and CREATE SEQUENCE.

use db001_catalog::{RelationKind, SequenceSchema, ViewSchema, codec_objects};
use db001_common::{DataType, Error, Result, SqlState};
use db001_planner::BoundStatement;
use db001_sql::ast;

use super::{Ddl, shown_name};
use crate::log_record::LogOp;
use crate::result::{CommandTag, StatementResult};

pub(super) fn create_view(ddl: &mut Ddl<'_>, create: &ast::CreateView) -> Result<StatementResult> {
    let schema_name = ddl.creation_schema(&create.name)?;
    let name = create.name.name().value.clone();
    let statement = ast::Statement::Select(create.query.clone());
    let search_path = ddl.search_path.to_vec();
    let sql = ddl.sql;
    let catalog = ddl.catalog()?;
    let existing = match catalog.relation_kind(&schema_name, &name) {
        None => None,
        Some(RelationKind::View) if create.or_replace => catalog.view(&schema_name, &name).cloned(),
        Some(_) if create.or_replace => {
            return Err(Error::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("\"{name}\" is not a view"),
            ));
        }
        Some(_) => {
            return Err(Error::new(
                SqlState::DUPLICATE_TABLE,
                format!("relation \"{name}\" already exists"),
            ));
        }
    };
    let (bound, _) = db001_planner::plan_statement_in(catalog, sql, &statement, &[], &search_path)?;
    let BoundStatement::Query { columns, .. } = bound else {
        return Err(Error::internal("a view's query bound to something else"));
    };
    if create.columns.len() > columns.len() {
        return Err(Error::syntax(
            "CREATE VIEW specifies more column names than columns",
        ));
    }
    let mut view_columns: Vec<(String, DataType)> = Vec::with_capacity(columns.len());
    for (i, column) in columns.iter().enumerate() {
        let column_name = create
            .columns
            .get(i)
            .map_or_else(|| column.name.clone(), |ident| ident.value.clone());
        if view_columns
            .iter()
            .any(|(existing, _)| *existing == column_name)
        {
            return Err(Error::new(
                SqlState::DUPLICATE_COLUMN,
                format!("column \"{column_name}\" specified more than once"),
            ));
        }
        view_columns.push((column_name, column.data_type));
    }
    if let Some(existing) = &existing {
        if view_columns.len() < existing.columns.len() {
            return Err(Error::new(
                SqlState::INVALID_TABLE_DEFINITION,
                "cannot drop columns from view",
            ));
        }
        for ((old_name, old_type), (new_name, new_type)) in
            existing.columns.iter().zip(&view_columns)
        {
            if old_name != new_name {
                return Err(Error::new(
                    SqlState::INVALID_TABLE_DEFINITION,
                    format!("cannot change name of view column \"{old_name}\" to \"{new_name}\""),
                )
                .with_hint(
                    "Use ALTER VIEW ... RENAME COLUMN ... to change name of view column instead.",
                ));
            }
            if old_type != new_type {
                return Err(Error::new(
                    SqlState::INVALID_TABLE_DEFINITION,
                    format!(
                        "cannot change data type of view column \"{old_name}\" from {} to {}",
                        old_type.sql_name(),
                        new_type.sql_name()
                    ),
                ));
            }
        }
    }
    // What the view reads: every relation its query names, resolved as the binder did.
    let relations = ast::visit::query_relations(&create.query);
    let mut depends_on = Vec::new();
    for relation in &relations.names {
        if relation.schema().is_none() && relations.cte_names.contains(&relation.name().value) {
            continue;
        }
        let Some(schema) = ddl.relation_schema(relation)? else {
            continue;
        };
        let catalog = ddl.catalog()?;
        let id = catalog
            .table(&schema, &relation.name().value)
            .map(|entry| entry.schema.id)
            .or_else(|| catalog.view(&schema, &relation.name().value).map(|v| v.id));
        if let Some(id) = id
            && !depends_on.contains(&id)
        {
            depends_on.push(id);
        }
    }
    let catalog = ddl.catalog()?;
    let id = match &existing {
        Some(existing) => existing.id,
        None => catalog.allocate_oid(),
    };
    let view = ViewSchema {
        id,
        name,
        schema_name,
        query: create.query.to_string(),
        columns: view_columns,
        depends_on,
    };
    let mut bytes = Vec::new();
    codec_objects::encode_view(&view, &mut bytes);
    catalog.add_view(view, existing.is_some())?;
    ddl.bump_version()?;
    ddl.log(LogOp::CreateView { view: bytes });
    Ok(StatementResult::command(CommandTag::CreateView))
}

pub(super) fn create_schema(
    ddl: &mut Ddl<'_>,
    create: &ast::CreateSchema,
) -> Result<StatementResult> {
    let name = &create.name.value;
    if name.starts_with("pg_") {
        return Err(Error::new(
            SqlState::new("42939"),
            format!("unacceptable schema name \"{name}\""),
        )
        .with_detail("The prefix \"pg_\" is reserved for system schemas."));
    }
    let catalog = ddl.catalog()?;
    if catalog.schema_exists(name) {
        if create.if_not_exists {
            return Ok(StatementResult::command(CommandTag::CreateSchema));
        }
        return Err(Error::new(
            SqlState::new("42P06"),
            format!("schema \"{name}\" already exists"),
        ));
    }
    let oid = catalog.allocate_oid();
    catalog.add_schema(name, oid)?;
    let mut bytes = Vec::new();
    codec_objects::encode_schema(oid, name, &mut bytes);
    ddl.bump_version()?;
    ddl.log(LogOp::CreateSchema { schema: bytes });
    Ok(StatementResult::command(CommandTag::CreateSchema))
}

pub(super) fn create_sequence(
    ddl: &mut Ddl<'_>,
    create: &ast::CreateSequence,
) -> Result<StatementResult> {
    let schema_name = ddl.creation_schema(&create.name)?;
    let name = create.name.name().value.clone();
    if ddl.catalog()?.relation_exists(&schema_name, &name) {
        if create.if_not_exists {
            return Ok(StatementResult::command(CommandTag::CreateSequence));
        }
        return Err(Error::new(
            SqlState::DUPLICATE_TABLE,
            format!("relation \"{name}\" already exists"),
        ));
    }
    let id = ddl.catalog()?.allocate_oid();
    let mut sequence = sequence_schema(id, &name, &schema_name, &create.options, None)?;
    // OWNED BY table.column: same schema, existing column.
    let owned_by = create.options.iter().rev().find_map(|option| match option {
        ast::SequenceOption::OwnedBy(owner) => Some(owner.clone()),
        _ => None,
    });
    if let Some(Some(owner)) = owned_by {
        if owner.parts.len() < 2 {
            return Err(Error::syntax("invalid relation name in OWNED BY clause")
                .with_hint("Specify OWNED BY table.column or OWNED BY NONE."));
        }
        let column = owner.name().value.clone();
        let table_name = ast::ObjectName {
            parts: owner.parts[..owner.parts.len() - 1].to_vec(),
        };
        let table = ddl.table(&table_name)?;
        if table.schema.schema_name != schema_name {
            return Err(Error::new(
                SqlState::new("55000"),
                "sequence must be in same schema as table it is linked to",
            ));
        }
        if table.schema.column_index(&column).is_none() {
            return Err(Error::new(
                SqlState::UNDEFINED_COLUMN,
                format!(
                    "column \"{column}\" of relation \"{}\" does not exist",
                    shown_name(&table_name)
                ),
            ));
        }
        sequence.owned_by = Some((table.schema.id, column));
    }
    let entry = crate::sequences::new_entry(sequence);
    let mut bytes = Vec::new();
    codec_objects::encode_sequence(&entry.schema, entry.state.current(), &mut bytes);
    ddl.catalog()?.add_sequence(entry.clone())?;
    crate::sequences::register(ddl.db, &entry);
    ddl.bump_version()?;
    ddl.log(LogOp::CreateSequence { sequence: bytes });
    Ok(StatementResult::command(CommandTag::CreateSequence))
}

/// A sequence definition from CREATE SEQUENCE options (or an identity column's), with
/// PostgreSQL's defaults and checks. `column_type` is the type of the column a `serial` or
/// identity sequence belongs to (its default `AS` type).
pub(super) fn sequence_schema(
    id: u32,
    name: &str,
    schema_name: &str,
    options: &[ast::SequenceOption],
    column_type: Option<DataType>,
) -> Result<SequenceSchema> {
    let invalid = |message: String| Error::new(SqlState::INVALID_PARAMETER_VALUE, message);
    let mut seen = Vec::new();
    let mut data_type = column_type.unwrap_or(DataType::BigInt);
    let mut increment = 1i64;
    let mut min = None;
    let mut max = None;
    let mut start = None;
    let mut cache = 1i64;
    let mut cycle = false;
    for option in options {
        let kind = std::mem::discriminant(option);
        if seen.contains(&kind) {
            return Err(Error::syntax("conflicting or redundant options"));
        }
        seen.push(kind);
        match option {
            ast::SequenceOption::As(type_name) => {
                data_type = db001_planner::resolve_type(type_name)?;
                if !matches!(
                    data_type,
                    DataType::SmallInt | DataType::Int | DataType::BigInt
                ) {
                    return Err(invalid(
                        "sequence type must be smallint, integer, or bigint".to_string(),
                    ));
                }
            }
            ast::SequenceOption::IncrementBy(n) => increment = *n,
            ast::SequenceOption::MinValue(n) => min = *n,
            ast::SequenceOption::MaxValue(n) => max = *n,
            ast::SequenceOption::StartWith(n) => start = Some(*n),
            ast::SequenceOption::Cache(n) => cache = *n,
            ast::SequenceOption::Cycle(c) => cycle = *c,
            ast::SequenceOption::OwnedBy(_) => {}
        }
    }
    if increment == 0 {
        return Err(invalid("INCREMENT must not be zero".to_string()));
    }
    let (type_min, type_max) = match data_type {
        DataType::SmallInt => (i64::from(i16::MIN), i64::from(i16::MAX)),
        DataType::Int => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let type_name = data_type.sql_name();
    let max_value = max.unwrap_or(if increment > 0 { type_max } else { -1 });
    let min_value = min.unwrap_or(if increment > 0 { 1 } else { type_min });
    if max_value < type_min || max_value > type_max {
        return Err(invalid(format!(
            "MAXVALUE ({max_value}) is out of range for sequence data type {type_name}"
        )));
    }
    if min_value < type_min || min_value > type_max {
        return Err(invalid(format!(
            "MINVALUE ({min_value}) is out of range for sequence data type {type_name}"
        )));
    }
    if min_value >= max_value {
        return Err(invalid(format!(
            "MINVALUE ({min_value}) must be less than MAXVALUE ({max_value})"
        )));
    }
    let start = start.unwrap_or(if increment > 0 { min_value } else { max_value });
    if start < min_value {
        return Err(invalid(format!(
            "START value ({start}) cannot be less than MINVALUE ({min_value})"
        )));
    }
    if start > max_value {
        return Err(invalid(format!(
            "START value ({start}) cannot be greater than MAXVALUE ({max_value})"
        )));
    }
    if cache <= 0 {
        return Err(invalid(format!(
            "CACHE ({cache}) must be greater than zero"
        )));
    }
    Ok(SequenceSchema {
        id,
        name: name.to_string(),
        schema_name: schema_name.to_string(),
        data_type,
        start,
        increment,
        min_value,
        max_value,
        cache,
        cycle,
        owned_by: None,
    })
}
