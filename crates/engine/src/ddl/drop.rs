//! DROP TABLE / INDEX / VIEW / SEQUENCE / SCHEMA, and the dependencies that make a DROP fail
//! (2BP01) unless it CASCADEs.
//!
//! PostgreSQL records dependencies in `pg_depend`; db001 derives them from the catalog when a
//! DROP asks:
//!
//! | object | what depends on it | with CASCADE |
//! | --- | --- | --- |
//! | table | views reading it, foreign keys of other tables referencing it, defaults using its owned sequences | dropped (the foreign key constraints, not the tables) |
//! | view | views reading it | dropped |
//! | sequence | column defaults calling `nextval` on it | the defaults are dropped |
//! | schema | everything in it | dropped |
//!
//! Owned sequences (`serial`, identity) go with their table without being asked for.

use db001_catalog::{Catalog, RelationKind, TableSchema, codec};
use db001_common::{Error, Result, SqlState};
use db001_sql::ast;

use super::{Ddl, shown_name, undefined_schema, wrong_kind};
use crate::log_record::LogOp;
use crate::result::{CommandTag, StatementResult};
use crate::transaction::DdlAction;

/// Something a DROP removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
    Table(u32),
    View(u32),
    Sequence(u32),
    Schema(String),
    /// A foreign key constraint of a table.
    ForeignKey {
        table: u32,
        name: String,
    },
    /// A column's default.
    Default {
        table: u32,
        column: String,
    },
}

/// How PostgreSQL describes `target` in messages.
fn describe(ddl: &Ddl<'_>, catalog: &Catalog, target: &Target) -> String {
    match target {
        Target::Table(id) => catalog.table_by_id(*id).map_or_else(
            || format!("table {id}"),
            |t| {
                format!(
                    "table {}",
                    ddl.display_name(&t.schema.schema_name, &t.schema.name)
                )
            },
        ),
        Target::View(id) => catalog.views().find(|v| v.id == *id).map_or_else(
            || format!("view {id}"),
            |v| format!("view {}", ddl.display_name(&v.schema_name, &v.name)),
        ),
        Target::Sequence(id) => catalog.sequence_by_id(*id).map_or_else(
            || format!("sequence {id}"),
            |s| {
                format!(
                    "sequence {}",
                    ddl.display_name(&s.schema.schema_name, &s.schema.name)
                )
            },
        ),
        Target::Schema(name) => format!("schema {name}"),
        Target::ForeignKey { table, name } => format!(
            "constraint {name} on table {}",
            table_name(ddl, catalog, *table)
        ),
        Target::Default { table, column } => format!(
            "default value for column {column} of table {}",
            table_name(ddl, catalog, *table)
        ),
    }
}

fn table_name(ddl: &Ddl<'_>, catalog: &Catalog, id: u32) -> String {
    catalog.table_by_id(id).map_or_else(
        || id.to_string(),
        |t| ddl.display_name(&t.schema.schema_name, &t.schema.name),
    )
}

/// The sequence a default's `nextval('name')` names, resolved through `search_path`.
pub(super) fn default_sequence(
    catalog: &Catalog,
    search_path: &[String],
    default: &str,
) -> Option<u32> {
    let parsed = db001_sql::parse_expr(default).ok()?;
    let mut found = None;
    ast::visit::walk_expr(&parsed, &mut |node| {
        if let ast::Expr::Function(call) = node
            && call.name.name().value == "nextval"
            && let Some(ast::Expr::Literal(ast::Literal::String(text), _)) = call.args.first()
            && let Ok(ast::Expr::Column(parts)) = db001_sql::parse_expr(text)
        {
            let name = ast::ObjectName { parts };
            let schema = match name.schema() {
                Some(schema) => Some(schema.value.as_str()),
                None => catalog.find_relation_schema(search_path, &name.name().value),
            };
            if let Some(schema) = schema
                && let Some(entry) = catalog.sequence(schema, &name.name().value)
            {
                found = Some(entry.schema.id);
            }
        }
    });
    found
}

/// What depends on `target`: (dependent, whether it goes automatically — owned sequences —
/// rather than being a dependency that needs CASCADE).
fn dependents(ddl: &Ddl<'_>, catalog: &Catalog, target: &Target) -> Vec<(Target, bool)> {
    let mut found = Vec::new();
    match target {
        Target::Table(id) => {
            for view in catalog.views_depending_on(*id) {
                found.push((Target::View(view.id), false));
            }
            for (entry, foreign) in catalog.references_to(*id) {
                if entry.schema.id != *id {
                    found.push((
                        Target::ForeignKey {
                            table: entry.schema.id,
                            name: foreign.name.clone(),
                        },
                        false,
                    ));
                }
            }
            for sequence in catalog.owned_sequences(*id, None) {
                found.push((Target::Sequence(sequence.schema.id), true));
            }
        }
        Target::View(id) => {
            for view in catalog.views_depending_on(*id) {
                found.push((Target::View(view.id), false));
            }
        }
        Target::Sequence(id) => {
            for entry in catalog.tables() {
                for column in &entry.schema.columns {
                    if let Some(default) = &column.default
                        && default_sequence(catalog, ddl.search_path, default) == Some(*id)
                    {
                        found.push((
                            Target::Default {
                                table: entry.schema.id,
                                column: column.name.clone(),
                            },
                            false,
                        ));
                    }
                }
            }
        }
        Target::Schema(name) => {
            for (relation, kind) in catalog.relations_in(name) {
                let target = match kind {
                    RelationKind::Table => catalog
                        .table(name, &relation)
                        .map(|t| Target::Table(t.schema.id)),
                    RelationKind::View => catalog.view(name, &relation).map(|v| Target::View(v.id)),
                    RelationKind::Sequence => catalog
                        .sequence(name, &relation)
                        .filter(|s| s.schema.owned_by.is_none())
                        .map(|s| Target::Sequence(s.schema.id)),
                    RelationKind::Index => None,
                };
                if let Some(target) = target {
                    found.push((target, false));
                }
            }
        }
        Target::ForeignKey { .. } | Target::Default { .. } => {}
    }
    found
}

/// Everything dropping `targets` removes, or 2BP01 naming what depends on them when that
/// needs CASCADE and `cascade` is false.
pub(super) fn plan_drop(
    ddl: &mut Ddl<'_>,
    targets: Vec<Target>,
    cascade: bool,
) -> Result<Vec<Target>> {
    let catalog = ddl.catalog()?.clone();
    let mut all = targets.clone();
    let mut reasons = Vec::new();
    let mut index = 0;
    while index < all.len() {
        let current = all[index].clone();
        for (dependent, automatic) in dependents(ddl, &catalog, &current) {
            if all.contains(&dependent) {
                continue;
            }
            // A foreign key or default of a table that goes anyway needs nothing.
            let owner_dropped = match &dependent {
                Target::ForeignKey { table, .. } | Target::Default { table, .. } => {
                    all.contains(&Target::Table(*table))
                }
                _ => false,
            };
            if owner_dropped {
                continue;
            }
            if !automatic {
                reasons.push(format!(
                    "{} depends on {}",
                    describe(ddl, &catalog, &dependent),
                    describe(ddl, &catalog, &current)
                ));
            }
            all.push(dependent);
        }
        index += 1;
    }
    if !reasons.is_empty() && !cascade {
        let message = if targets.len() == 1 {
            format!(
                "cannot drop {} because other objects depend on it",
                describe(ddl, &catalog, &targets[0])
            )
        } else {
            "cannot drop desired object(s) because other objects depend on them".to_string()
        };
        return Err(Error::new(SqlState::new("2BP01"), message)
            .with_detail(reasons.join("\n"))
            .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
    }
    Ok(all)
}

/// Removes everything [`plan_drop`] found from the private catalog, and logs it.
pub(super) fn apply_drop(ddl: &mut Ddl<'_>, all: &[Target]) -> Result<()> {
    for target in all {
        if let Target::Table(id) = target {
            ddl.lock_exclusive(*id)?;
        }
    }
    // Constraints and defaults of tables that stay.
    type SchemaChange = Box<dyn Fn(&mut TableSchema)>;
    let mut altered: Vec<TableSchema> = Vec::new();
    for target in all {
        let (table, change): (u32, SchemaChange) = match target {
            Target::ForeignKey { table, name } => {
                let name = name.clone();
                (
                    *table,
                    Box::new(move |s: &mut TableSchema| s.foreign_keys.retain(|f| f.name != name)),
                )
            }
            Target::Default { table, column } => {
                let column = column.clone();
                (
                    *table,
                    Box::new(move |s: &mut TableSchema| {
                        for c in &mut s.columns {
                            if c.name == column {
                                c.default = None;
                            }
                        }
                    }),
                )
            }
            _ => continue,
        };
        let position = match altered.iter().position(|s| s.id == table) {
            Some(position) => position,
            None => {
                let Some(entry) = ddl.catalog()?.table_by_id(table) else {
                    continue;
                };
                altered.push(entry.schema.as_ref().clone());
                altered.len() - 1
            }
        };
        change(&mut altered[position]);
    }
    for schema in altered {
        let mut bytes = Vec::new();
        codec::encode_table(&schema, &mut bytes);
        ddl.catalog()?.replace_schema(schema)?;
        ddl.log(LogOp::AlterTable { schema: bytes });
    }
    for target in all {
        match target {
            Target::View(id) => {
                let catalog = ddl.catalog()?;
                let found = catalog
                    .views()
                    .find(|v| v.id == *id)
                    .map(|v| (v.schema_name.clone(), v.name.clone()));
                if let Some((schema, name)) = found {
                    catalog.remove_view(&schema, &name);
                    ddl.log(LogOp::DropView { view: *id });
                }
            }
            Target::Table(id) => {
                let catalog = ddl.catalog()?;
                let found = catalog
                    .table_by_id(*id)
                    .map(|t| (t.schema.schema_name.clone(), t.schema.name.clone()));
                if let Some((schema, name)) = found {
                    catalog.remove_table(&schema, &name);
                    ddl.log(LogOp::DropTable { table: *id });
                }
            }
            _ => {}
        }
    }
    for target in all {
        if let Target::Sequence(id) = target {
            let catalog = ddl.catalog()?;
            let found = catalog
                .sequence_by_id(*id)
                .map(|s| (s.schema.schema_name.clone(), s.schema.name.clone()));
            if let Some((schema, name)) = found {
                catalog.remove_sequence(&schema, &name);
                ddl.log(LogOp::DropSequence { sequence: *id });
            }
        }
    }
    for target in all {
        if let Target::Schema(name) = target
            && ddl.catalog()?.remove_schema(name)
        {
            ddl.log(LogOp::DropSchema { name: name.clone() });
        }
    }
    ddl.bump_version()
}

pub(super) fn drop_tables(ddl: &mut Ddl<'_>, drop: &ast::DropTable) -> Result<StatementResult> {
    let mut targets = Vec::new();
    for name in &drop.names {
        let Some(schema) = relation_schema_or_skip(ddl, name, drop.if_exists)? else {
            if drop.if_exists {
                continue;
            }
            return Err(Error::undefined_table(&shown_name(name)));
        };
        let relation = &name.name().value;
        let catalog = ddl.catalog()?;
        match catalog.relation_kind(&schema, relation) {
            Some(RelationKind::Table) => {
                let id = catalog
                    .table(&schema, relation)
                    .map(|t| t.schema.id)
                    .ok_or_else(|| Error::internal("a table that is not"))?;
                targets.push(Target::Table(id));
            }
            Some(kind) => return Err(wrong_kind(relation, RelationKind::Table, kind)),
            None => return Err(Error::undefined_table(&shown_name(name))),
        }
    }
    let all = plan_drop(ddl, targets, drop.cascade)?;
    apply_drop(ddl, &all)?;
    Ok(StatementResult::command(CommandTag::DropTable))
}

/// The schema of the relation `name`, `None` if there is none; a missing schema in a
/// qualified name is 3F000, or `None` under IF EXISTS.
fn relation_schema_or_skip(
    ddl: &mut Ddl<'_>,
    name: &ast::ObjectName,
    if_exists: bool,
) -> Result<Option<String>> {
    match ddl.relation_schema(name) {
        Err(_) if if_exists => Ok(None),
        other => other,
    }
}

pub(super) fn drop_objects(ddl: &mut Ddl<'_>, drop: &ast::DropObjects) -> Result<StatementResult> {
    let (kind, tag) = match drop.kind {
        ast::ObjectKind::View => (RelationKind::View, CommandTag::DropView),
        ast::ObjectKind::Sequence => (RelationKind::Sequence, CommandTag::DropSequence),
        ast::ObjectKind::Schema => return drop_schemas(ddl, drop),
    };
    let mut targets = Vec::new();
    for name in &drop.names {
        let relation = &name.name().value;
        let missing = || {
            Error::new(
                SqlState::UNDEFINED_TABLE,
                format!("{} \"{}\" does not exist", kind.noun(), shown_name(name)),
            )
        };
        let Some(schema) = relation_schema_or_skip(ddl, name, drop.if_exists)? else {
            if drop.if_exists {
                continue;
            }
            return Err(missing());
        };
        let catalog = ddl.catalog()?.clone();
        let actual = catalog
            .relation_kind(&schema, relation)
            .ok_or_else(missing)?;
        if actual != kind {
            return Err(wrong_kind(relation, kind, actual));
        }
        match kind {
            RelationKind::View => {
                let id = catalog
                    .view(&schema, relation)
                    .map(|v| v.id)
                    .ok_or_else(missing)?;
                targets.push(Target::View(id));
            }
            _ => {
                let entry = catalog.sequence(&schema, relation).ok_or_else(missing)?;
                if let Some((table, column)) = &entry.schema.owned_by
                    && let Some(owner) = catalog.table_by_id(*table)
                    && owner
                        .schema
                        .columns
                        .iter()
                        .any(|c| c.name == *column && c.identity.is_some())
                {
                    let owner_name =
                        ddl.display_name(&owner.schema.schema_name, &owner.schema.name);
                    return Err(Error::new(
                        SqlState::new("2BP01"),
                        format!(
                            "cannot drop sequence {relation} because column {column} of table {owner_name} requires it"
                        ),
                    )
                    .with_hint(format!(
                        "You can drop column {column} of table {owner_name} instead."
                    )));
                }
                targets.push(Target::Sequence(entry.schema.id));
            }
        }
    }
    let all = plan_drop(ddl, targets, drop.cascade)?;
    apply_drop(ddl, &all)?;
    Ok(StatementResult::command(tag))
}

fn drop_schemas(ddl: &mut Ddl<'_>, drop: &ast::DropObjects) -> Result<StatementResult> {
    let mut targets = Vec::new();
    for name in &drop.names {
        if name.parts.len() > 1 {
            return Err(Error::syntax(format!(
                "schema name cannot be qualified: {}",
                shown_name(name)
            )));
        }
        let schema = name.name().value.clone();
        if !ddl.catalog()?.schema_exists(&schema) {
            if drop.if_exists {
                continue;
            }
            return Err(undefined_schema(&schema));
        }
        targets.push(Target::Schema(schema));
    }
    let all = plan_drop(ddl, targets, drop.cascade)?;
    apply_drop(ddl, &all)?;
    Ok(StatementResult::command(CommandTag::DropSchema))
}

pub(super) fn drop_indexes(ddl: &mut Ddl<'_>, drop: &ast::DropIndex) -> Result<StatementResult> {
    for name in &drop.names {
        let index_name = name.name().value.clone();
        let Some(schema) = relation_schema_or_skip(ddl, name, drop.if_exists)? else {
            if drop.if_exists {
                continue;
            }
            return Err(Error::new(
                SqlState::UNDEFINED_OBJECT,
                format!("index \"{}\" does not exist", shown_name(name)),
            ));
        };
        let catalog = ddl.catalog()?.clone();
        match catalog.relation_kind(&schema, &index_name) {
            Some(RelationKind::Index) => {}
            Some(kind) => return Err(wrong_kind(&index_name, RelationKind::Index, kind)),
            None => {
                return Err(Error::new(
                    SqlState::UNDEFINED_OBJECT,
                    format!("index \"{}\" does not exist", shown_name(name)),
                ));
            }
        }
        let (entry, index) = catalog
            .index_owner(&schema, &index_name)
            .map(|(entry, index)| (entry.clone(), index.clone()))
            .ok_or_else(|| Error::internal("an index without a table"))?;
        let table_name = ddl.display_name(&entry.schema.schema_name, &entry.schema.name);
        if index.constraint {
            return Err(Error::new(
                SqlState::new("2BP01"),
                format!(
                    "cannot drop index {index_name} because constraint {index_name} on table {table_name} requires it"
                ),
            )
            .with_hint(format!(
                "You can drop constraint {index_name} on table {table_name} instead."
            )));
        }
        // A foreign key that has no other unique index to look its keys up in needs it.
        let mut remaining = entry.schema.as_ref().clone();
        remaining.indexes.retain(|i| i.id != index.id);
        let needed_by: Vec<String> = catalog
            .references_to(entry.schema.id)
            .into_iter()
            .filter(|(_, foreign)| {
                remaining
                    .unique_index_on(&foreign.referenced_columns)
                    .is_none()
            })
            .map(|(child, foreign)| {
                format!(
                    "constraint {} on table {} depends on index {index_name}",
                    foreign.name,
                    ddl.display_name(&child.schema.schema_name, &child.schema.name)
                )
            })
            .collect();
        if !needed_by.is_empty() {
            if !drop.cascade {
                return Err(Error::new(
                    SqlState::new("2BP01"),
                    format!("cannot drop index {index_name} because other objects depend on it"),
                )
                .with_detail(needed_by.join("\n"))
                .with_hint("Use DROP ... CASCADE to drop the dependent objects too."));
            }
            let targets: Vec<Target> = catalog
                .references_to(entry.schema.id)
                .into_iter()
                .filter(|(_, foreign)| {
                    remaining
                        .unique_index_on(&foreign.referenced_columns)
                        .is_none()
                })
                .map(|(child, foreign)| Target::ForeignKey {
                    table: child.schema.id,
                    name: foreign.name.clone(),
                })
                .collect();
            apply_drop(ddl, &targets)?;
        }
        let mut schema = ddl
            .catalog()?
            .table_by_id(entry.schema.id)
            .map(|t| t.schema.as_ref().clone())
            .ok_or_else(|| Error::internal("the index's table vanished"))?;
        schema.indexes.retain(|i| i.id != index.id);
        ddl.catalog()?.replace_schema(schema)?;
        ddl.log(LogOp::DropIndex {
            table: entry.schema.id,
            index: index.id,
        });
        ddl.txn.on_commit.push(DdlAction::DropIndex {
            table: entry.storage.clone(),
            index_id: index.id,
        });
    }
    ddl.bump_version()?;
    Ok(StatementResult::command(CommandTag::DropIndex))
}
