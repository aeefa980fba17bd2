//! CREATE TABLE, and the column and constraint definitions ALTER TABLE ... ADD shares.
//!
//! A definition is first turned into catalog terms ([`ColumnPlan`], [`PendingConstraints`]),
//! then the constraints get ids and PostgreSQL's names (`t_pkey`, `t_a_key`, `t_a_check`,
//! `t_a_fkey`, numbered when taken), and `serial` and identity columns get the sequence they
//! own (`t_a_seq`).

use db001_catalog::{
    CheckConstraint, ColumnSchema, ForeignKey, Identity, IndexSchema, ReferentialAction,
    SequenceSchema, TableSchema, codec, codec_objects,
};
use db001_common::{DataType, Error, Result, SqlState};
use db001_sql::ast;

use super::foreign_keys::{PendingForeignKey, resolve_foreign_key};
use super::objects::sequence_schema;
use super::{Ddl, choose_name};
use crate::log_record::LogOp;
use crate::result::{CommandTag, StatementResult};

/// A column definition in catalog terms.
#[derive(Debug)]
pub(super) struct ColumnPlan {
    pub(super) column: ColumnSchema,
    /// `serial` types and identity columns own a sequence; these are its options.
    pub(super) sequence: Option<Vec<ast::SequenceOption>>,
}

/// Constraints written in a table or column definition, not yet named.
#[derive(Debug, Default)]
pub(super) struct PendingConstraints {
    pub(super) primary: Option<(Option<String>, Vec<usize>)>,
    pub(super) uniques: Vec<(Option<String>, Vec<usize>)>,
    /// (name, expression, the column it was written on).
    pub(super) checks: Vec<(Option<String>, ast::Expr, Option<String>)>,
    pub(super) foreign_keys: Vec<PendingForeignKey>,
}

fn multiple_primary(table: &str) -> Error {
    Error::new(
        SqlState::INVALID_TABLE_DEFINITION,
        format!("multiple primary keys for table \"{table}\" are not allowed"),
    )
}

/// Turns a column definition into a [`ColumnPlan`], collecting its constraints into
/// `pending` (`position` is where the column will be).
pub(super) fn column_plan(
    definition: &ast::ColumnDef,
    table: &str,
    position: usize,
    pending: &mut PendingConstraints,
) -> Result<ColumnPlan> {
    let name = &definition.name.value;
    let (data_type, serial) = column_type(&definition.data_type)?;
    let mut nullable = None;
    let mut default = None;
    let mut identity = None;
    let mut sequence = serial.then(Vec::new);
    for constraint in &definition.constraints {
        let constraint_name = constraint.name.as_ref().map(|n| n.value.clone());
        match &constraint.kind {
            ast::ColumnConstraintKind::NotNull | ast::ColumnConstraintKind::Null => {
                let not_null = constraint.kind == ast::ColumnConstraintKind::NotNull;
                if nullable.is_some_and(|n: bool| n == not_null) {
                    return Err(Error::syntax(format!(
                        "conflicting NULL/NOT NULL declarations for column \"{name}\" of table \"{table}\""
                    )));
                }
                nullable = Some(!not_null);
            }
            ast::ColumnConstraintKind::PrimaryKey => {
                if pending.primary.is_some() {
                    return Err(multiple_primary(table));
                }
                pending.primary = Some((constraint_name, vec![position]));
            }
            ast::ColumnConstraintKind::Unique => {
                pending.uniques.push((constraint_name, vec![position]));
            }
            ast::ColumnConstraintKind::Default(expr) => {
                if default.is_some() {
                    return Err(Error::syntax(format!(
                        "multiple default values specified for column \"{name}\" of table \"{table}\""
                    )));
                }
                default = Some(expr.to_string());
            }
            ast::ColumnConstraintKind::Check(expr) => {
                pending
                    .checks
                    .push((constraint_name, expr.clone(), Some(name.clone())));
            }
            ast::ColumnConstraintKind::References {
                table: referenced,
                columns,
                on_delete,
                on_update,
            } => {
                if columns.len() > 1 {
                    return Err(Error::new(
                        SqlState::new("42830"),
                        "number of referencing and referenced columns for foreign key disagree",
                    ));
                }
                pending.foreign_keys.push(PendingForeignKey {
                    name: constraint_name,
                    columns: vec![definition.name.clone()],
                    table: referenced.clone(),
                    referred: columns.clone(),
                    on_delete: action(*on_delete),
                    on_update: action(*on_update),
                });
            }
            ast::ColumnConstraintKind::Identity { always, options } => {
                if identity.is_some() {
                    return Err(Error::syntax(format!(
                        "multiple identity specifications for column \"{name}\" of table \"{table}\""
                    )));
                }
                if !matches!(
                    data_type,
                    DataType::SmallInt | DataType::Int | DataType::BigInt
                ) {
                    return Err(Error::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        "identity column type must be smallint, integer, or bigint",
                    ));
                }
                identity = Some(if *always {
                    Identity::Always
                } else {
                    Identity::ByDefault
                });
                sequence = Some(options.clone());
            }
        }
    }
    if identity.is_some() && (default.is_some() || serial) {
        return Err(Error::syntax(format!(
            "both default and identity specified for column \"{name}\" of table \"{table}\""
        )));
    }
    if serial && default.is_some() {
        return Err(Error::syntax(format!(
            "multiple default values specified for column \"{name}\" of table \"{table}\""
        )));
    }
    if (identity.is_some() || serial) && nullable == Some(true) {
        return Err(Error::syntax(format!(
            "conflicting NULL/NOT NULL declarations for column \"{name}\" of table \"{table}\""
        )));
    }
    let not_null = identity.is_some() || serial;
    Ok(ColumnPlan {
        column: ColumnSchema {
            name: name.clone(),
            data_type,
            nullable: nullable.unwrap_or(true) && !not_null,
            default,
            identity,
        },
        sequence,
    })
}

/// A column's type, and whether it was written as a `serial` type.
fn column_type(type_name: &ast::TypeName) -> Result<(DataType, bool)> {
    if type_name.array_dims == 0 && type_name.modifiers.is_empty() {
        match type_name.name.as_str() {
            "serial" => return Ok((DataType::Int, true)),
            "bigserial" => return Ok((DataType::BigInt, true)),
            "smallserial" => return Ok((DataType::SmallInt, true)),
            _ => {}
        }
    }
    Ok((db001_planner::resolve_type(type_name)?, false))
}

pub(super) fn action(action: Option<ast::ReferentialAction>) -> ReferentialAction {
    match action {
        None | Some(ast::ReferentialAction::NoAction) => ReferentialAction::NoAction,
        Some(ast::ReferentialAction::Restrict) => ReferentialAction::Restrict,
        Some(ast::ReferentialAction::Cascade) => ReferentialAction::Cascade,
        Some(ast::ReferentialAction::SetNull) => ReferentialAction::SetNull,
        Some(ast::ReferentialAction::SetDefault) => ReferentialAction::SetDefault,
    }
}

/// Adds a table constraint to `pending`; columns are looked up in `columns`.
pub(super) fn table_constraint(
    constraint: &ast::TableConstraint,
    table: &str,
    columns: &[ColumnSchema],
    pending: &mut PendingConstraints,
    sql: &str,
) -> Result<()> {
    let name = constraint.name.as_ref().map(|n| n.value.clone());
    let positions = |idents: &[ast::Ident]| -> Result<Vec<usize>> {
        let mut positions = Vec::with_capacity(idents.len());
        for ident in idents {
            let position = columns
                .iter()
                .position(|c| c.name == ident.value)
                .ok_or_else(|| {
                    Error::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!("column \"{}\" named in key does not exist", ident.value),
                    )
                    .with_position(ident.span.position(sql))
                })?;
            if positions.contains(&position) {
                return Err(Error::new(
                    SqlState::DUPLICATE_COLUMN,
                    format!(
                        "column \"{}\" appears twice in primary key constraint",
                        ident.value
                    ),
                )
                .with_position(ident.span.position(sql)));
            }
            positions.push(position);
        }
        Ok(positions)
    };
    match &constraint.kind {
        ast::TableConstraintKind::PrimaryKey(idents) => {
            if pending.primary.is_some() {
                return Err(multiple_primary(table));
            }
            pending.primary = Some((name, positions(idents)?));
        }
        ast::TableConstraintKind::Unique(idents) => {
            pending.uniques.push((name, positions(idents)?));
        }
        ast::TableConstraintKind::Check(expr) => pending.checks.push((name, expr.clone(), None)),
        ast::TableConstraintKind::ForeignKey {
            columns: referencing,
            table: referenced,
            referred_columns,
            on_delete,
            on_update,
        } => {
            for ident in referencing {
                if !columns.iter().any(|c| c.name == ident.value) {
                    return Err(Error::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!(
                            "column \"{}\" referenced in foreign key constraint does not exist",
                            ident.value
                        ),
                    )
                    .with_position(ident.span.position(sql)));
                }
            }
            pending.foreign_keys.push(PendingForeignKey {
                name,
                columns: referencing.clone(),
                table: referenced.clone(),
                referred: referred_columns.clone(),
                on_delete: action(*on_delete),
                on_update: action(*on_update),
            });
        }
    }
    Ok(())
}

/// What applying pending constraints added to a table schema.
#[derive(Debug, Default)]
pub(super) struct Added {
    /// Ids of new indexes (to build over existing rows).
    pub(super) indexes: Vec<u32>,
    /// Names of new CHECK constraints (to validate).
    pub(super) checks: Vec<String>,
    /// Names of new foreign keys (to validate).
    pub(super) foreign_keys: Vec<String>,
    /// Columns that became NOT NULL (to validate).
    pub(super) not_null: Vec<usize>,
}

/// Names the pending constraints and adds them to `schema` (whose table may or may not exist
/// in the catalog yet).
pub(super) fn apply_constraints(
    ddl: &mut Ddl<'_>,
    schema: &mut TableSchema,
    pending: PendingConstraints,
) -> Result<Added> {
    let mut added = Added::default();
    let table = schema.name.clone();
    let duplicate_constraint = |name: &str| {
        Error::new(
            SqlState::DUPLICATE_OBJECT,
            format!("constraint \"{name}\" for relation \"{table}\" already exists"),
        )
    };
    let mut indexes = Vec::new();
    if let Some((name, columns)) = pending.primary {
        if schema.primary_key().is_some() {
            return Err(multiple_primary(&schema.name));
        }
        indexes.push((name, columns, true));
    }
    for (name, columns) in pending.uniques {
        indexes.push((name, columns, false));
    }
    for (name, columns, primary) in indexes {
        if primary {
            for &column in &columns {
                if schema.columns[column].nullable {
                    schema.columns[column].nullable = false;
                    added.not_null.push(column);
                }
            }
        }
        // A UNIQUE identical to an index of the same statement's primary key adds nothing.
        if !primary
            && name.is_none()
            && schema
                .indexes
                .iter()
                .any(|i| i.constraint && i.columns == columns && added.indexes.contains(&i.id))
        {
            continue;
        }
        let name = match name {
            Some(name) => {
                if schema.has_constraint(&name) {
                    return Err(duplicate_constraint(&name));
                }
                name
            }
            None => {
                let column_names: Vec<&str> = columns
                    .iter()
                    .map(|&c| schema.columns[c].name.as_str())
                    .collect();
                let joined = column_names.join("_");
                let catalog = ddl.catalog()?;
                let schema_name = schema.schema_name.clone();
                let taken = |candidate: &str| {
                    catalog.relation_exists(&schema_name, candidate)
                        || schema.indexes.iter().any(|i| i.name == candidate)
                };
                if primary {
                    choose_name(&schema.name, None, "pkey", taken)
                } else {
                    choose_name(&schema.name, Some(&joined), "key", taken)
                }
            }
        };
        let catalog = ddl.catalog()?;
        if catalog.relation_exists(&schema.schema_name, &name)
            || schema.indexes.iter().any(|i| i.name == name)
        {
            return Err(Error::new(
                SqlState::DUPLICATE_TABLE,
                format!("relation \"{name}\" already exists"),
            ));
        }
        let id = catalog.allocate_oid();
        schema.indexes.push(IndexSchema {
            id,
            name,
            columns,
            unique: true,
            primary,
            constraint: true,
        });
        added.indexes.push(id);
    }
    for (name, expr, column) in pending.checks {
        if ast::visit::contains_subquery(&expr) {
            return Err(Error::feature_not_supported(
                "cannot use subquery in check constraint",
            ));
        }
        let name = match name {
            Some(name) => {
                if schema.has_constraint(&name) {
                    return Err(duplicate_constraint(&name));
                }
                name
            }
            None => {
                // PostgreSQL names a check after its column when it refers to exactly one.
                let referenced = ast::visit::column_names(&expr);
                let column = match column {
                    Some(column) => Some(column),
                    None if referenced.len() == 1 => referenced.into_iter().next(),
                    None => None,
                };
                choose_name(&schema.name, column.as_deref(), "check", |candidate| {
                    schema.has_constraint(candidate)
                })
            }
        };
        let text = expr.to_string();
        check_expression(ddl, schema, &text)?;
        schema.checks.push(CheckConstraint {
            name: name.clone(),
            expr: text,
        });
        added.checks.push(name);
    }
    for pending_key in pending.foreign_keys {
        let foreign: ForeignKey = resolve_foreign_key(ddl, schema, pending_key)?;
        if schema.has_constraint(&foreign.name) {
            return Err(duplicate_constraint(&foreign.name));
        }
        added.foreign_keys.push(foreign.name.clone());
        schema.foreign_keys.push(foreign);
    }
    Ok(added)
}

/// Binds a CHECK expression over `schema`'s columns; it must be boolean (42804).
pub(super) fn check_expression(ddl: &mut Ddl<'_>, schema: &TableSchema, text: &str) -> Result<()> {
    let catalog = ddl.catalog()?;
    let (_, data_type) =
        db001_planner::bind_table_expression(catalog, schema, text, "check constraints")?;
    if data_type != DataType::Bool && data_type != DataType::Unknown {
        return Err(Error::datatype_mismatch(format!(
            "argument of CHECK must be type boolean, not type {}",
            data_type.sql_name()
        )));
    }
    Ok(())
}

/// Checks a column's DEFAULT binds (against the private catalog, so it may use sequences
/// created in the same transaction) and can be assigned to the column.
pub(super) fn check_default(ddl: &mut Ddl<'_>, default: &str, column: &ColumnSchema) -> Result<()> {
    let parsed = db001_sql::parse_expr(default)?;
    if !ast::visit::column_names(&parsed).is_empty() {
        return Err(Error::feature_not_supported(
            "cannot use column reference in DEFAULT expression",
        ));
    }
    if ast::visit::contains_subquery(&parsed) {
        return Err(Error::feature_not_supported(
            "cannot use subquery in DEFAULT expression",
        ));
    }
    let search_path = ddl.search_path.to_vec();
    let catalog = ddl.catalog()?;
    let from = default_type(catalog, default, &parsed, &search_path)?;
    if from != DataType::Text
        && from != DataType::Unknown
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
    // A string literal is converted to the column's type now, as PostgreSQL's coercion of an
    // unknown-type constant does (`int DEFAULT 'x'` fails at CREATE with 22P02).
    if let ast::Expr::Literal(ast::Literal::String(text), _) = &parsed {
        db001_common::Value::text(text)
            .cast(column.data_type, db001_common::value::CastKind::Explicit)?;
    }
    Ok(())
}

/// The type of a DEFAULT expression, bound as `SELECT expr` (through the search path, so
/// `nextval('s')` finds its sequence).
fn default_type(
    catalog: &db001_catalog::Catalog,
    text: &str,
    parsed: &ast::Expr,
    search_path: &[String],
) -> Result<DataType> {
    let statement = ast::Statement::Select(Box::new(ast::Query {
        with: None,
        body: ast::SetExpr::Select(Box::new(ast::Select {
            distinct: None,
            projection: vec![ast::SelectItem::Expr {
                expr: parsed.clone(),
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
    let (bound, _) = db001_planner::plan_statement_in(catalog, text, &statement, &[], search_path)?;
    bound
        .columns()
        .and_then(|c| c.first())
        .map(|c| c.data_type)
        .ok_or_else(|| Error::internal("default expression has no type"))
}

/// Creates the sequence a `serial` or identity column owns (named `table_column_seq`) in the
/// private catalog, logs it, and for `serial` sets the column's default to its `nextval`.
pub(super) fn create_owned_sequence(
    ddl: &mut Ddl<'_>,
    table: &TableSchema,
    position: usize,
    options: &[ast::SequenceOption],
) -> Result<()> {
    let column = &table.columns[position];
    let schema_name = table.schema_name.clone();
    let catalog = ddl.catalog()?;
    let name = choose_name(&table.name, Some(&column.name), "seq", |candidate| {
        catalog.relation_exists(&schema_name, candidate)
    });
    let id = catalog.allocate_oid();
    let mut sequence: SequenceSchema =
        sequence_schema(id, &name, &schema_name, options, Some(column.data_type))?;
    sequence.owned_by = Some((table.id, column.name.clone()));
    let entry = crate::sequences::new_entry(sequence);
    let mut bytes = Vec::new();
    codec_objects::encode_sequence(&entry.schema, entry.state.current(), &mut bytes);
    ddl.catalog()?.add_sequence(entry.clone())?;
    crate::sequences::register(ddl.db, &entry);
    ddl.log(LogOp::CreateSequence { sequence: bytes });
    Ok(())
}

/// The text of `nextval` of a sequence, as a `serial` column's default.
pub(super) fn nextval_default(schema: &str, sequence: &str) -> String {
    let qualified = format!(
        "{}.{}",
        ast::Ident {
            value: schema.to_string(),
            span: ast::Span::default()
        },
        ast::Ident {
            value: sequence.to_string(),
            span: ast::Span::default()
        }
    );
    format!("nextval('{}')", qualified.replace('\'', "''"))
}

pub(super) fn create_table(
    ddl: &mut Ddl<'_>,
    create: &ast::CreateTable,
) -> Result<StatementResult> {
    let schema_name = ddl.creation_schema(&create.name)?;
    let name = create.name.name().value.clone();
    if ddl.catalog()?.relation_exists(&schema_name, &name) {
        if create.if_not_exists {
            return Ok(StatementResult::command(CommandTag::CreateTable));
        }
        return Err(Error::new(
            SqlState::DUPLICATE_TABLE,
            format!("relation \"{name}\" already exists"),
        ));
    }
    let mut pending = PendingConstraints::default();
    let mut plans = Vec::with_capacity(create.columns.len());
    for (position, definition) in create.columns.iter().enumerate() {
        if plans
            .iter()
            .any(|p: &ColumnPlan| p.column.name == definition.name.value)
        {
            return Err(Error::new(
                SqlState::DUPLICATE_COLUMN,
                format!(
                    "column \"{}\" specified more than once",
                    definition.name.value
                ),
            )
            .with_position(definition.name.span.position(ddl.sql)));
        }
        let plan = column_plan(definition, &name, position, &mut pending)
            .map_err(|e| e.or_position(Some(definition.data_type.span.position(ddl.sql))))?;
        plans.push(plan);
    }
    let columns: Vec<ColumnSchema> = plans.iter().map(|p| p.column.clone()).collect();
    for constraint in &create.constraints {
        table_constraint(constraint, &name, &columns, &mut pending, ddl.sql)?;
    }
    let id = ddl.catalog()?.allocate_oid();
    let mut schema = TableSchema {
        id,
        name,
        schema_name,
        columns,
        ..TableSchema::default()
    };
    // Sequences of serial and identity columns come first (a serial default names one).
    for (position, plan) in plans.iter().enumerate() {
        if let Some(options) = &plan.sequence {
            create_owned_sequence(ddl, &schema, position, options)?;
            if plan.column.identity.is_none() {
                let sequence = ddl
                    .catalog()?
                    .owned_sequences(id, Some(&plan.column.name))
                    .into_iter()
                    .next()
                    .ok_or_else(|| Error::internal("the serial sequence was just created"))?;
                schema.columns[position].default =
                    Some(nextval_default(&schema.schema_name, &sequence.schema.name));
            }
        }
    }
    for column in schema.columns.clone() {
        if let Some(default) = &column.default {
            check_default(ddl, default, &column)?;
        }
    }
    apply_constraints(ddl, &mut schema, pending)?;
    let mut encoded = Vec::new();
    codec::encode_table(&schema, &mut encoded);
    ddl.catalog()?.add_table(schema)?;
    ddl.bump_version()?;
    ddl.log(LogOp::CreateTable { schema: encoded });
    Ok(StatementResult::command(CommandTag::CreateTable))
}
