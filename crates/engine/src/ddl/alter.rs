//! ALTER TABLE.
//!
//! The actions of one statement are applied in order to a working copy of the table's schema,
//! which remembers, for every column, which old column it comes from (`origins`). Then:
//! - if the rows' layout changed (a column dropped, or added with a value to fill in: a
//!   default, `serial`, identity) or the storage's index descriptions must be refreshed (an
//!   indexed column or a constraint index renamed), the table is rewritten into new storage
//!   (`rewrite`), new rows built from old ones;
//! - otherwise the schema is replaced and new indexes are built on the existing storage.
//!
//! Either way the rows are then checked against the constraints the statement added (NOT NULL,
//! CHECK, FOREIGN KEY, and unique indexes as they are built), all under an exclusive lock on
//! the table. Columns added without a value need no rewrite: rows written before read the new
//! column as NULL.
//!
//! Not supported (0A000): renaming a table, or a column of a table, that a view reads (views
//! are stored as SQL text and would no longer bind), ALTER COLUMN ... TYPE, identity changes.

use db001_catalog::{ColumnSchema, TableSchema, codec, codec_objects};
use db001_common::value::CastKind;
use db001_common::{Error, Result, Row, SqlState, Value};
use db001_sql::ast;

use super::create_table::{
    PendingConstraints, apply_constraints, check_default, column_plan, create_owned_sequence,
    nextval_default, table_constraint,
};
use super::drop::{Target, apply_drop};
use super::{Ddl, rewrite, validate};
use crate::log_record::LogOp;
use crate::result::{CommandTag, StatementResult};
use crate::transaction::DdlAction;

/// The statement's working state.
struct Work {
    schema: TableSchema,
    /// For each column of `schema`: the position of the old column it comes from.
    origins: Vec<Option<usize>>,
    rewrite: bool,
    /// New indexes to build.
    build: Vec<u32>,
    /// Indexes removed (dropped from the old storage at commit when there is no rewrite).
    removed_indexes: Vec<u32>,
    checks: Vec<String>,
    foreign_keys: Vec<String>,
    not_null: Vec<usize>,
    /// Objects of other tables to drop (CASCADE).
    drops: Vec<Target>,
    /// Other tables whose schema changes (their foreign keys into this table renumbered).
    others: Vec<TableSchema>,
}

fn undefined_column(column: &str, table: &str) -> Error {
    Error::new(
        SqlState::UNDEFINED_COLUMN,
        format!("column \"{column}\" of relation \"{table}\" does not exist"),
    )
}

pub(super) fn alter_table(ddl: &mut Ddl<'_>, alter: &ast::AlterTable) -> Result<StatementResult> {
    let entry = match ddl.find_table(&alter.name) {
        Ok(Some(entry)) => entry,
        Ok(None) if alter.if_exists => return Ok(StatementResult::command(CommandTag::AlterTable)),
        Err(error) if alter.if_exists && error.code().code() == "3F000" => {
            return Ok(StatementResult::command(CommandTag::AlterTable));
        }
        Ok(None) => return Err(Error::undefined_table(&super::shown_name(&alter.name))),
        Err(error) => return Err(error),
    };
    ddl.lock_exclusive(entry.schema.id)?;
    let width = entry.schema.columns.len();
    let mut work = Work {
        schema: entry.schema.as_ref().clone(),
        origins: (0..width).map(Some).collect(),
        rewrite: false,
        build: Vec::new(),
        removed_indexes: Vec::new(),
        checks: Vec::new(),
        foreign_keys: Vec::new(),
        not_null: Vec::new(),
        drops: Vec::new(),
        others: Vec::new(),
    };
    for action in &alter.actions {
        apply_action(ddl, &mut work, action)?;
    }
    finish(ddl, &entry, work)?;
    Ok(StatementResult::command(CommandTag::AlterTable))
}

fn apply_action(ddl: &mut Ddl<'_>, work: &mut Work, action: &ast::AlterTableAction) -> Result<()> {
    let table = work.schema.name.clone();
    let column_position = |schema: &TableSchema, name: &str| {
        schema
            .column_index(name)
            .ok_or_else(|| undefined_column(name, &table))
    };
    match action {
        ast::AlterTableAction::AddColumn {
            if_not_exists,
            column,
        } => {
            if work.schema.column_index(&column.name.value).is_some() {
                if *if_not_exists {
                    return Ok(());
                }
                return Err(Error::new(
                    SqlState::DUPLICATE_COLUMN,
                    format!(
                        "column \"{}\" of relation \"{table}\" already exists",
                        column.name.value
                    ),
                ));
            }
            let position = work.schema.columns.len();
            let mut pending = PendingConstraints::default();
            let plan = column_plan(column, &table, position, &mut pending)?;
            work.schema.columns.push(plan.column.clone());
            work.origins.push(None);
            if let Some(options) = &plan.sequence {
                create_owned_sequence(ddl, &work.schema, position, options)?;
                if plan.column.identity.is_none() {
                    let sequence = ddl
                        .catalog()?
                        .owned_sequences(work.schema.id, Some(&plan.column.name))
                        .into_iter()
                        .next()
                        .ok_or_else(|| Error::internal("the serial sequence was just created"))?;
                    work.schema.columns[position].default = Some(nextval_default(
                        &work.schema.schema_name,
                        &sequence.schema.name,
                    ));
                }
            }
            let added_column = work.schema.columns[position].clone();
            if let Some(default) = &added_column.default {
                check_default(ddl, default, &added_column)?;
            }
            if added_column.default.is_some() || added_column.identity.is_some() {
                work.rewrite = true;
            }
            if !added_column.nullable {
                work.not_null.push(position);
            }
            add_constraints(ddl, work, pending)?;
        }
        ast::AlterTableAction::DropColumn {
            if_exists,
            name,
            cascade,
        } => {
            let Some(position) = work.schema.column_index(&name.value) else {
                if *if_exists {
                    return Ok(());
                }
                return Err(undefined_column(&name.value, &table));
            };
            drop_column(ddl, work, position, *cascade)?;
        }
        ast::AlterTableAction::AddConstraint(constraint) => {
            let mut pending = PendingConstraints::default();
            let columns = work.schema.columns.clone();
            table_constraint(constraint, &table, &columns, &mut pending, ddl.sql)?;
            add_constraints(ddl, work, pending)?;
        }
        ast::AlterTableAction::DropConstraint {
            if_exists,
            name,
            cascade,
        } => drop_constraint(ddl, work, &name.value, *if_exists, *cascade)?,
        ast::AlterTableAction::SetDefault { column, default } => {
            let position = column_position(&work.schema, &column.value)?;
            if work.schema.columns[position].identity.is_some() {
                return Err(Error::syntax(format!(
                    "column \"{}\" of relation \"{table}\" is an identity column",
                    column.value
                ))
                .with_hint("Use ALTER TABLE ... ALTER COLUMN ... DROP IDENTITY instead."));
            }
            let text = default.as_ref().map(ToString::to_string);
            if let Some(text) = &text {
                let column_schema = work.schema.columns[position].clone();
                check_default(ddl, text, &column_schema)?;
            }
            work.schema.columns[position].default = text;
        }
        ast::AlterTableAction::SetNotNull { column, not_null } => {
            let position = column_position(&work.schema, &column.value)?;
            if *not_null {
                if work.schema.columns[position].nullable {
                    work.schema.columns[position].nullable = false;
                    work.not_null.push(position);
                }
            } else {
                if work
                    .schema
                    .primary_key()
                    .is_some_and(|key| key.columns.contains(&position))
                {
                    return Err(Error::new(
                        SqlState::INVALID_TABLE_DEFINITION,
                        format!("column \"{}\" is in a primary key", column.value),
                    ));
                }
                if work.schema.columns[position].identity.is_some() {
                    return Err(Error::new(
                        SqlState::INVALID_TABLE_DEFINITION,
                        format!(
                            "column \"{}\" of relation \"{table}\" is an identity column",
                            column.value
                        ),
                    ));
                }
                work.schema.columns[position].nullable = true;
                work.not_null.retain(|&c| c != position);
            }
        }
        ast::AlterTableAction::RenameColumn { old, new } => {
            let position = work.schema.column_index(&old.value).ok_or_else(|| {
                Error::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!("column \"{}\" does not exist", old.value),
                )
            })?;
            if work.schema.column_index(&new.value).is_some() {
                return Err(Error::new(
                    SqlState::DUPLICATE_COLUMN,
                    format!(
                        "column \"{}\" of relation \"{table}\" already exists",
                        new.value
                    ),
                ));
            }
            refuse_if_viewed(ddl, work.schema.id, "renaming a column of")?;
            for check in &mut work.schema.checks {
                let mut parsed = db001_sql::parse_expr(&check.expr)?;
                if ast::visit::rename_column(&mut parsed, &old.value, &new.value) {
                    check.expr = parsed.to_string();
                }
            }
            for sequence in ddl
                .catalog()?
                .owned_sequences(work.schema.id, Some(&old.value))
            {
                let mut renamed = sequence.schema.as_ref().clone();
                renamed.owned_by = Some((work.schema.id, new.value.clone()));
                let mut bytes = Vec::new();
                codec_objects::encode_sequence(&renamed, sequence.state.current(), &mut bytes);
                ddl.catalog()?.replace_sequence(renamed)?;
                ddl.log(LogOp::AlterSequence { sequence: bytes });
            }
            work.schema.columns[position].name = new.value.clone();
            if work
                .schema
                .indexes
                .iter()
                .any(|index| index.columns.contains(&position))
            {
                // The storage's index descriptions name the column in error messages.
                work.rewrite = true;
            }
        }
        ast::AlterTableAction::RenameConstraint { old, new } => {
            if !work.schema.has_constraint(&old.value) {
                return Err(Error::new(
                    SqlState::UNDEFINED_OBJECT,
                    format!(
                        "constraint \"{}\" for table \"{table}\" does not exist",
                        old.value
                    ),
                ));
            }
            if work.schema.has_constraint(&new.value) {
                return Err(Error::new(
                    SqlState::DUPLICATE_OBJECT,
                    format!(
                        "constraint \"{}\" for relation \"{table}\" already exists",
                        new.value
                    ),
                ));
            }
            if let Some(index) = work
                .schema
                .indexes
                .iter_mut()
                .find(|i| i.constraint && i.name == old.value)
            {
                if ddl
                    .catalog()?
                    .relation_exists(&work.schema.schema_name, &new.value)
                {
                    return Err(Error::new(
                        SqlState::DUPLICATE_TABLE,
                        format!("relation \"{}\" already exists", new.value),
                    ));
                }
                index.name = new.value.clone();
                work.rewrite = true;
            }
            for check in &mut work.schema.checks {
                if check.name == old.value {
                    check.name = new.value.clone();
                }
            }
            for foreign in &mut work.schema.foreign_keys {
                if foreign.name == old.value {
                    foreign.name = new.value.clone();
                }
            }
        }
        ast::AlterTableAction::RenameTable(new) => {
            if ddl
                .catalog()?
                .relation_exists(&work.schema.schema_name, &new.value)
            {
                return Err(Error::new(
                    SqlState::DUPLICATE_TABLE,
                    format!("relation \"{}\" already exists", new.value),
                ));
            }
            refuse_if_viewed(ddl, work.schema.id, "renaming")?;
            work.schema.name = new.value.clone();
        }
    }
    Ok(())
}

/// 0A000 when a view reads the table: views keep their query as text, which names the table
/// and its columns.
fn refuse_if_viewed(ddl: &mut Ddl<'_>, table: u32, what: &str) -> Result<()> {
    if let Some(view) = ddl.catalog()?.views_depending_on(table).first() {
        return Err(Error::feature_not_supported(format!(
            "{what} a table that a view reads is not supported (view \"{}\")",
            view.name
        ))
        .with_hint("Drop the view, alter the table, and create the view again."));
    }
    Ok(())
}

/// Names and adds pending constraints to the working schema, remembering what to build and
/// check.
fn add_constraints(ddl: &mut Ddl<'_>, work: &mut Work, pending: PendingConstraints) -> Result<()> {
    let added = apply_constraints(ddl, &mut work.schema, pending)?;
    work.build.extend(added.indexes);
    work.checks.extend(added.checks);
    work.foreign_keys.extend(added.foreign_keys);
    for column in added.not_null {
        if !work.not_null.contains(&column) {
            work.not_null.push(column);
        }
    }
    Ok(())
}

/// Whether a view's query (as text) may read `column`: it names it, or uses `*`.
fn view_may_read(query: &str, column: &str) -> bool {
    let Ok(tokens) = db001_sql::lexer::tokenize(query) else {
        return true;
    };
    tokens.iter().any(|token| match &token.kind {
        db001_sql::lexer::TokenKind::Word { text, .. } => {
            db001_sql::lexer::fold_identifier(text) == column
        }
        db001_sql::lexer::TokenKind::QuotedIdent(text) => text == column,
        db001_sql::lexer::TokenKind::Symbol(db001_sql::lexer::Symbol::Star) => true,
        _ => false,
    })
}

fn drop_column(ddl: &mut Ddl<'_>, work: &mut Work, position: usize, cascade: bool) -> Result<()> {
    let table_id = work.schema.id;
    let column = work.schema.columns[position].name.clone();
    let table = ddl.display_name(&work.schema.schema_name, &work.schema.name);
    let catalog = ddl.catalog()?.clone();
    // What outside the table depends on the column.
    let mut reasons = Vec::new();
    for view in catalog.views_depending_on(table_id) {
        if view_may_read(&view.query, &column) {
            reasons.push(format!(
                "view {} depends on column {column} of table {table}",
                ddl.display_name(&view.schema_name, &view.name)
            ));
            work.drops.push(Target::View(view.id));
        }
    }
    for (child, foreign) in catalog.references_to(table_id) {
        if child.schema.id != table_id && foreign.referenced_columns.contains(&position) {
            reasons.push(format!(
                "constraint {} on table {} depends on column {column} of table {table}",
                foreign.name,
                ddl.display_name(&child.schema.schema_name, &child.schema.name)
            ));
            work.drops.push(Target::ForeignKey {
                table: child.schema.id,
                name: foreign.name.clone(),
            });
        }
    }
    if !reasons.is_empty() && !cascade {
        return Err(Error::new(
            SqlState::new("2BP01"),
            format!(
                "cannot drop column {column} of table {table} because other objects depend on it"
            ),
        )
        .with_detail(reasons.join("\n"))
        .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
    }
    // What inside the table goes with it.
    let schema = &mut work.schema;
    let removed: Vec<u32> = schema
        .indexes
        .iter()
        .filter(|index| index.columns.contains(&position))
        .map(|index| index.id)
        .collect();
    schema.indexes.retain(|index| !removed.contains(&index.id));
    work.removed_indexes.extend(removed);
    schema.checks.retain(|check| {
        db001_sql::parse_expr(&check.expr)
            .map(|expr| !ast::visit::column_names(&expr).contains(&column))
            .unwrap_or(true)
    });
    schema.foreign_keys.retain(|foreign| {
        let references_column =
            foreign.referenced_table == table_id && foreign.referenced_columns.contains(&position);
        !(foreign.columns.contains(&position) || references_column)
    });
    for sequence in catalog.owned_sequences(table_id, Some(&column)) {
        work.drops.push(Target::Sequence(sequence.schema.id));
    }
    // Renumber the columns after it.
    let shift = |positions: &mut Vec<usize>| {
        for p in positions.iter_mut() {
            if *p > position {
                *p -= 1;
            }
        }
    };
    schema.columns.remove(position);
    work.origins.remove(position);
    for index in &mut schema.indexes {
        shift(&mut index.columns);
    }
    for foreign in &mut schema.foreign_keys {
        shift(&mut foreign.columns);
        if foreign.referenced_table == table_id {
            shift(&mut foreign.referenced_columns);
        }
    }
    // Each referencing table once (it may hold several foreign keys to this one).
    let mut children: Vec<u32> = Vec::new();
    for (child, _) in catalog.references_to(table_id) {
        if child.schema.id == table_id || children.contains(&child.schema.id) {
            continue;
        }
        children.push(child.schema.id);
        let found = work.others.iter().position(|s| s.id == child.schema.id);
        let other = match found {
            Some(at) => &mut work.others[at],
            None => {
                work.others.push(child.schema.as_ref().clone());
                work.others.last_mut().expect("just pushed")
            }
        };
        // This copy is written after the dependent drops are applied (see `finish`), so it
        // must leave out the foreign keys on the dropped column too (CASCADE got this far).
        other.foreign_keys.retain(|foreign| {
            !(foreign.referenced_table == table_id
                && foreign.referenced_columns.contains(&position))
        });
        for foreign in &mut other.foreign_keys {
            if foreign.referenced_table == table_id {
                shift(&mut foreign.referenced_columns);
            }
        }
    }
    work.not_null.retain(|&c| c != position);
    for c in &mut work.not_null {
        if *c > position {
            *c -= 1;
        }
    }
    work.rewrite = true;
    Ok(())
}

fn drop_constraint(
    ddl: &mut Ddl<'_>,
    work: &mut Work,
    name: &str,
    if_exists: bool,
    cascade: bool,
) -> Result<()> {
    let table = work.schema.name.clone();
    if !work.schema.has_constraint(name) {
        if if_exists {
            return Ok(());
        }
        return Err(Error::new(
            SqlState::UNDEFINED_OBJECT,
            format!("constraint \"{name}\" of relation \"{table}\" does not exist"),
        ));
    }
    if let Some(index) = work
        .schema
        .indexes
        .iter()
        .find(|i| i.constraint && i.name == name)
        .cloned()
    {
        let mut remaining = work.schema.clone();
        remaining.indexes.retain(|i| i.id != index.id);
        let catalog = ddl.catalog()?.clone();
        let display = ddl.display_name(&work.schema.schema_name, &table);
        let mut reasons = Vec::new();
        let mut dependents = Vec::new();
        for (child, foreign) in catalog.references_to(work.schema.id) {
            if remaining
                .unique_index_on(&foreign.referenced_columns)
                .is_none()
            {
                reasons.push(format!(
                    "constraint {} on table {} depends on index {name}",
                    foreign.name,
                    ddl.display_name(&child.schema.schema_name, &child.schema.name)
                ));
                if child.schema.id == work.schema.id {
                    work.schema.foreign_keys.retain(|f| f.name != foreign.name);
                } else {
                    dependents.push(Target::ForeignKey {
                        table: child.schema.id,
                        name: foreign.name.clone(),
                    });
                }
            }
        }
        if !reasons.is_empty() && !cascade {
            return Err(Error::new(
                SqlState::new("2BP01"),
                format!(
                    "cannot drop constraint {name} on table {display} because other objects depend on it"
                ),
            )
            .with_detail(reasons.join("\n"))
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
        }
        work.drops.extend(dependents);
        work.schema.indexes.retain(|i| i.id != index.id);
        work.removed_indexes.push(index.id);
        work.build.retain(|&id| id != index.id);
    }
    work.schema.checks.retain(|c| c.name != name);
    work.checks.retain(|c| c != name);
    work.schema.foreign_keys.retain(|f| f.name != name);
    work.foreign_keys.retain(|f| f != name);
    Ok(())
}

fn finish(ddl: &mut Ddl<'_>, entry: &db001_catalog::TableEntry, work: Work) -> Result<()> {
    if !work.drops.is_empty() {
        apply_drop(ddl, &work.drops)?;
    }
    for other in work.others {
        let mut bytes = Vec::new();
        codec::encode_table(&other, &mut bytes);
        ddl.catalog()?.replace_schema(other)?;
        ddl.log(LogOp::AlterTable { schema: bytes });
    }
    let schema = work.schema;
    let width = entry.schema.columns.len();
    let old_rows = validate::visible_rows(ddl, &entry.storage, width)?;
    let rows: Vec<(u64, Row)> = if work.rewrite {
        let fills = fill_expressions(ddl, &schema, &work.origins)?;
        let snapshot = ddl.fresh_snapshot();
        let ctx = ddl.exec_context(snapshot);
        let env = db001_executor::eval::Env {
            ctx: &ctx,
            outer: None,
        };
        let mut rows = Vec::with_capacity(old_rows.len());
        for (row_id, old) in &old_rows {
            let mut row = Vec::with_capacity(schema.columns.len());
            for (position, origin) in work.origins.iter().enumerate() {
                let value = match (origin, &fills[position]) {
                    (Some(old_position), _) => old[*old_position].clone(),
                    (None, Some(fill)) => db001_executor::eval::eval(fill, &Vec::new(), env)?,
                    (None, None) => Value::Null,
                };
                row.push(conform_value(value, &schema.columns[position])?);
            }
            rows.push((*row_id, row));
        }
        rows
    } else {
        // Columns added without a value read as NULL in the rows written before.
        let width = schema.columns.len();
        old_rows
            .into_iter()
            .map(|(row_id, mut row)| {
                row.resize(width, Value::Null);
                (row_id, row)
            })
            .collect()
    };
    for &column in &work.not_null {
        validate::not_null(&schema, &rows, column)?;
    }
    for name in &work.checks {
        validate::check(ddl, &schema, &rows, name)?;
    }
    for name in &work.foreign_keys {
        let Some(foreign) = schema.foreign_keys.iter().find(|f| f.name == *name) else {
            continue;
        };
        if foreign.referenced_table == schema.id {
            validate::foreign_key(&schema, &rows, foreign, &schema, &rows)?;
        } else {
            let parent = ddl
                .catalog()?
                .table_by_id(foreign.referenced_table)
                .cloned()
                .ok_or_else(|| Error::internal("a referenced table vanished"))?;
            let parent_rows =
                validate::visible_rows(ddl, &parent.storage, parent.schema.columns.len())?;
            validate::foreign_key(&schema, &rows, foreign, &parent.schema, &parent_rows)?;
        }
    }
    if work.rewrite {
        let rows = rows.into_iter().map(|(_, row)| row).collect();
        rewrite::rewrite(ddl, schema, rows, &work.build)?;
    } else {
        let snapshot = ddl.fresh_snapshot();
        for index in &schema.indexes {
            if work.build.contains(&index.id) {
                entry.storage.add_index(
                    schema.index_spec(index),
                    &snapshot,
                    &ddl.db.shared.manager,
                )?;
                ddl.txn.on_rollback.push(DdlAction::DropIndex {
                    table: entry.storage.clone(),
                    index_id: index.id,
                });
            }
        }
        for &index_id in &work.removed_indexes {
            ddl.txn.on_commit.push(DdlAction::DropIndex {
                table: entry.storage.clone(),
                index_id,
            });
        }
        let mut bytes = Vec::new();
        codec::encode_table(&schema, &mut bytes);
        ddl.catalog()?.replace_schema(schema)?;
        ddl.log(LogOp::AlterTable { schema: bytes });
    }
    ddl.bump_version()
}

/// For each new column, the expression that fills it in existing rows (its default, or the
/// `nextval` of an identity column's sequence).
fn fill_expressions(
    ddl: &mut Ddl<'_>,
    schema: &TableSchema,
    origins: &[Option<usize>],
) -> Result<Vec<Option<db001_planner::plan::Expr>>> {
    let mut fills = Vec::with_capacity(origins.len());
    for (position, origin) in origins.iter().enumerate() {
        let column = &schema.columns[position];
        let text = match (origin, &column.default, column.identity) {
            (Some(_), _, _) => None,
            (None, Some(default), _) => Some(default.clone()),
            (None, None, Some(_)) => ddl
                .catalog()?
                .owned_sequences(schema.id, Some(&column.name))
                .first()
                .map(|sequence| {
                    nextval_default(&sequence.schema.schema_name, &sequence.schema.name)
                }),
            (None, None, None) => None,
        };
        let fill = match text {
            Some(text) => {
                let catalog = ddl.catalog()?;
                let empty = TableSchema::default();
                let (expr, _) = db001_planner::bind_table_expression(
                    catalog,
                    &empty,
                    &text,
                    "DEFAULT expressions",
                )?;
                Some(expr)
            }
            None => None,
        };
        fills.push(fill);
    }
    Ok(fills)
}

/// Casts a value to its column's type as an assignment does.
fn conform_value(value: Value, column: &ColumnSchema) -> Result<Value> {
    if value.is_null() {
        return Ok(value);
    }
    value.cast(column.data_type, CastKind::Assignment)
}
