//! Compiling a written table's constraints into [`WriteRules`] (see `crate::rules`).
//!
//! Starting from the table a statement writes, every table a referential action can write
//! (CASCADE, SET NULL, SET DEFAULT) is added in turn, so a chain of cascades is covered; a
//! table is compiled once however many paths reach it (self-references and cycles included).

use std::collections::VecDeque;
use std::sync::Arc;

use db001_catalog::{ReferentialAction, TableEntry};
use db001_common::{Error, Result};

use super::{Binder, bind_table_expression};
use crate::plan::TableRef;
use crate::rules::{CheckRule, ForeignKeyRule, ReferencedRule, TableRules, WriteRules};

fn table_ref(entry: &TableEntry) -> TableRef {
    TableRef {
        schema: Arc::clone(&entry.schema),
        storage: Arc::clone(&entry.storage),
        rules: None,
    }
}

impl Binder<'_> {
    /// The target of a write with its rules attached (`rules` stays `None` when no table
    /// involved has any).
    pub(crate) fn with_write_rules(&mut self, mut table: TableRef) -> Result<TableRef> {
        let rules = self.write_rules(&table)?;
        if !rules.is_empty() {
            table.rules = Some(Arc::new(rules));
        }
        Ok(table)
    }

    fn write_rules(&mut self, target: &TableRef) -> Result<WriteRules> {
        let mut rules = WriteRules::default();
        let mut queue = VecDeque::from([target.clone()]);
        while let Some(table) = queue.pop_front() {
            let id = table.schema.id;
            if rules.tables.contains_key(&id) {
                continue;
            }
            let compiled = self.table_rules(&table)?;
            for referenced in &compiled.referenced_by {
                let writes_child = [referenced.on_delete, referenced.on_update]
                    .iter()
                    .any(|a| {
                        matches!(
                            a,
                            ReferentialAction::Cascade
                                | ReferentialAction::SetNull
                                | ReferentialAction::SetDefault
                        )
                    });
                if writes_child && !rules.tables.contains_key(&referenced.child.schema.id) {
                    queue.push_back(referenced.child.clone());
                }
            }
            rules.tables.insert(id, compiled);
        }
        Ok(rules)
    }

    fn table_rules(&mut self, table: &TableRef) -> Result<TableRules> {
        let schema = &table.schema;
        let mut checks = Vec::with_capacity(schema.checks.len());
        for check in &schema.checks {
            let (predicate, _) =
                bind_table_expression(self.catalog, schema, &check.expr, "check constraints")?;
            checks.push(CheckRule {
                name: check.name.clone(),
                predicate,
            });
        }
        let mut references = Vec::with_capacity(schema.foreign_keys.len());
        for foreign in &schema.foreign_keys {
            let parent = if foreign.referenced_table == schema.id {
                table.clone()
            } else {
                let entry = self
                    .catalog
                    .table_by_id(foreign.referenced_table)
                    .ok_or_else(|| {
                        Error::internal(format!(
                            "foreign key \"{}\" references a table that does not exist",
                            foreign.name
                        ))
                    })?;
                table_ref(entry)
            };
            let index = parent
                .schema
                .unique_index_on(&foreign.referenced_columns)
                .ok_or_else(|| {
                    Error::internal(format!(
                        "foreign key \"{}\" has no unique index to look keys up in",
                        foreign.name
                    ))
                })?;
            // Reorder the pairs into the index's key order.
            let mut columns = Vec::with_capacity(index.columns.len());
            let mut key_types = Vec::with_capacity(index.columns.len());
            for &parent_column in &index.columns {
                let at = foreign
                    .referenced_columns
                    .iter()
                    .position(|&c| c == parent_column)
                    .ok_or_else(|| Error::internal("foreign key and index disagree"))?;
                columns.push(foreign.columns[at]);
                key_types.push(parent.schema.columns[parent_column].data_type);
            }
            references.push(ForeignKeyRule {
                name: foreign.name.clone(),
                columns,
                parent_index: index.id,
                parent_columns: index.columns.clone(),
                key_types,
                parent: parent.clone(),
            });
        }
        let mut referenced_by = Vec::new();
        let referencing: Vec<(TableEntry, db001_catalog::ForeignKey)> = self
            .catalog
            .references_to(schema.id)
            .into_iter()
            .map(|(entry, foreign)| (entry.clone(), foreign.clone()))
            .collect();
        for (entry, foreign) in referencing {
            let child = if entry.schema.id == schema.id {
                table.clone()
            } else {
                table_ref(&entry)
            };
            let child_index = child
                .schema
                .indexes
                .iter()
                .find(|index| index.columns.starts_with(&foreign.columns))
                .map(|index| index.id);
            let mut defaults = Vec::with_capacity(foreign.columns.len());
            for &column in &foreign.columns {
                defaults.push(self.bound_default(&child.schema, column)?);
            }
            referenced_by.push(ReferencedRule {
                name: foreign.name.clone(),
                child_types: foreign
                    .columns
                    .iter()
                    .map(|&c| child.schema.columns[c].data_type)
                    .collect(),
                child_columns: foreign.columns.clone(),
                parent_columns: foreign.referenced_columns.clone(),
                on_delete: foreign.on_delete,
                on_update: foreign.on_update,
                child_index,
                defaults,
                child,
            });
        }
        Ok(TableRules {
            table: TableRef {
                rules: None,
                ..table.clone()
            },
            checks,
            references,
            referenced_by,
        })
    }
}
