//! FOREIGN KEY and CHECK constraints in `pg_constraint`, and every constraint's definition as
//! `pg_get_constraintdef` prints it.
//!
//! db001 keeps these constraints by name inside their table's schema, without an object id of
//! their own, so their `pg_constraint.oid` is derived from the table's id and their position,
//! as `pg_attrdef`'s ids are: `table * 10000 + 2000 + n` for the n-th foreign key and
//! `table * 10000 + 4000 + n` for the n-th check. PRIMARY KEY and UNIQUE constraints are their
//! index and carry its id.

use db001_catalog::{Catalog, ForeignKey, ReferentialAction, TableSchema};
use db001_common::{ElementType, Value};

use super::contents::{constraint_of, index_keys, int_array, namespace_of};
use super::names;
use super::relation::{Row, Rows};

const FOREIGN_KEY_BASE: u32 = 2000;
const CHECK_BASE: u32 = 4000;
const PER_TABLE: u32 = 10_000;

/// A constraint `pg_constraint` shows, by its id.
enum Found<'a> {
    Key { kind: char, columns: Vec<String> },
    Foreign(&'a TableSchema, &'a ForeignKey),
    Check(&'a str),
}

fn foreign_key_oid(table: u32, position: usize) -> u32 {
    table.wrapping_mul(PER_TABLE) + FOREIGN_KEY_BASE + position as u32
}

fn check_oid(table: u32, position: usize) -> u32 {
    table.wrapping_mul(PER_TABLE) + CHECK_BASE + position as u32
}

/// `pg_constraint.confupdtype` / `confdeltype`.
fn action_code(action: ReferentialAction) -> char {
    match action {
        ReferentialAction::NoAction => 'a',
        ReferentialAction::Restrict => 'r',
        ReferentialAction::Cascade => 'c',
        ReferentialAction::SetNull => 'n',
        ReferentialAction::SetDefault => 'd',
    }
}

fn action_words(action: ReferentialAction) -> Option<&'static str> {
    match action {
        ReferentialAction::NoAction => None,
        ReferentialAction::Restrict => Some("RESTRICT"),
        ReferentialAction::Cascade => Some("CASCADE"),
        ReferentialAction::SetNull => Some("SET NULL"),
        ReferentialAction::SetDefault => Some("SET DEFAULT"),
    }
}

/// Column positions as `conkey` holds them: attribute numbers, from 1.
fn attribute_numbers(positions: impl IntoIterator<Item = usize>) -> Value {
    int_array(
        ElementType::SmallInt,
        positions.into_iter().map(|p| p as i64 + 1),
    )
}

/// A `pg_constraint` row of `table` with what foreign keys and checks have alike: not
/// deferrable, validated, local, not inherited, no type or parent.
fn constraint_row<'r>(
    rows: &'r mut Rows,
    table: &TableSchema,
    oid: u32,
    name: &str,
    kind: char,
) -> Row<'r> {
    let mut row = rows.row();
    row.oid("oid", oid)
        .text("conname", name)
        .oid("connamespace", namespace_of(&table.schema_name))
        .char("contype", kind)
        .set("condeferrable", Value::Bool(false))
        .set("condeferred", Value::Bool(false))
        .set("convalidated", Value::Bool(true))
        .oid("conrelid", table.id)
        .oid("contypid", 0)
        .oid("conparentid", 0)
        .set("conislocal", Value::Bool(true))
        .set("coninhcount", Value::Int16(0));
    row
}

/// Appends the rows of every table's foreign keys and checks to `pg_constraint`.
pub(super) fn foreign_key_and_check_rows(rows: &mut Rows, catalog: &Catalog) {
    for table in catalog.tables() {
        let schema = &table.schema;
        for (position, foreign) in schema.foreign_keys.iter().enumerate() {
            let referenced = catalog.table_by_id(foreign.referenced_table);
            let referenced_index = referenced
                .and_then(|t| t.schema.unique_index_on(&foreign.referenced_columns))
                .map_or(0, |index| index.id);
            constraint_row(
                rows,
                schema,
                foreign_key_oid(schema.id, position),
                &foreign.name,
                'f',
            )
            .oid("conindid", referenced_index)
            .oid("confrelid", foreign.referenced_table)
            .char("confupdtype", action_code(foreign.on_update))
            .char("confdeltype", action_code(foreign.on_delete))
            .char("confmatchtype", 's')
            .set("connoinherit", Value::Bool(true))
            .set("conkey", attribute_numbers(foreign.columns.iter().copied()))
            .set(
                "confkey",
                attribute_numbers(foreign.referenced_columns.iter().copied()),
            );
        }
        for (position, check) in schema.checks.iter().enumerate() {
            let referenced = db001_sql::parse_expr(&check.expr)
                .map(|expr| db001_sql::ast::visit::column_names(&expr))
                .unwrap_or_default();
            let columns = schema
                .columns
                .iter()
                .enumerate()
                .filter(|(_, column)| referenced.contains(&column.name))
                .map(|(position, _)| position);
            constraint_row(
                rows,
                schema,
                check_oid(schema.id, position),
                &check.name,
                'c',
            )
            .oid("conindid", 0)
            .oid("confrelid", 0)
            .char("confupdtype", ' ')
            .char("confdeltype", ' ')
            .char("confmatchtype", ' ')
            .set("connoinherit", Value::Bool(false))
            .set("conkey", attribute_numbers(columns))
            .text("conbin", &check.expr);
        }
    }
}

fn find(catalog: &Catalog, id: u32) -> Option<Found<'_>> {
    let (table, slot) = (id / PER_TABLE, id % PER_TABLE);
    if let Some(entry) = catalog.table_by_id(table) {
        let schema = &entry.schema;
        if let Some(position) = slot.checked_sub(CHECK_BASE) {
            return schema
                .checks
                .get(position as usize)
                .map(|check| Found::Check(&check.expr));
        }
        if let Some(position) = slot.checked_sub(FOREIGN_KEY_BASE) {
            return schema
                .foreign_keys
                .get(position as usize)
                .map(|foreign| Found::Foreign(schema, foreign));
        }
    }
    catalog.tables().find_map(|entry| {
        let schema = &entry.schema;
        let index = schema.indexes.iter().find(|i| i.id == id)?;
        let kind = constraint_of(index)?;
        let columns = index_keys(index)
            .into_iter()
            .map(|n| names::quote_identifier(&schema.columns[n as usize - 1].name))
            .collect();
        Some(Found::Key { kind, columns })
    })
}

/// `pg_get_constraintdef(id [, pretty])`: `None` for an id that is no constraint.
pub(super) fn definition(catalog: &Catalog, id: u32, pretty: bool) -> Option<String> {
    Some(match find(catalog, id)? {
        Found::Key { kind, columns } => {
            let kind = if kind == 'p' { "PRIMARY KEY" } else { "UNIQUE" };
            format!("{kind} ({})", columns.join(", "))
        }
        Found::Foreign(schema, foreign) => foreign_key_definition(catalog, schema, foreign),
        Found::Check(expr) => {
            // The expression is kept as db001 prints it; PostgreSQL adds one level of
            // parentheses unless asked for the pretty form.
            let expr = strip_outer_parentheses(expr);
            if pretty {
                format!("CHECK ({expr})")
            } else {
                format!("CHECK (({expr}))")
            }
        }
    })
}

fn foreign_key_definition(catalog: &Catalog, schema: &TableSchema, foreign: &ForeignKey) -> String {
    let column_list = |owner: &TableSchema, positions: &[usize]| {
        positions
            .iter()
            .map(|&p| {
                owner
                    .columns
                    .get(p)
                    .map_or_else(String::new, |c| names::quote_identifier(&c.name))
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (target, target_columns) = match catalog.table_by_id(foreign.referenced_table) {
        Some(entry) => {
            let referenced = &entry.schema;
            let name = names::quote_identifier(&referenced.name);
            let name = if referenced.schema_name == "public" {
                name
            } else {
                format!(
                    "{}.{name}",
                    names::quote_identifier(&referenced.schema_name)
                )
            };
            (name, column_list(referenced, &foreign.referenced_columns))
        }
        None => (foreign.referenced_table.to_string(), String::new()),
    };
    let mut text = format!(
        "FOREIGN KEY ({}) REFERENCES {target}({target_columns})",
        column_list(schema, &foreign.columns)
    );
    if let Some(words) = action_words(foreign.on_update) {
        text.push_str(" ON UPDATE ");
        text.push_str(words);
    }
    if let Some(words) = action_words(foreign.on_delete) {
        text.push_str(" ON DELETE ");
        text.push_str(words);
    }
    text
}

/// `(a > 0)` → `a > 0`, but `(a) > (b)` stays whole.
fn strip_outer_parentheses(expr: &str) -> &str {
    let trimmed = expr.trim();
    let Some(inner) = trimmed
        .strip_prefix('(')
        .and_then(|rest| rest.strip_suffix(')'))
    else {
        return trimmed;
    };
    let mut depth = 0i32;
    let mut in_string = false;
    for c in inner.chars() {
        match c {
            '\'' => in_string = !in_string,
            '(' if !in_string => depth += 1,
            ')' if !in_string => {
                depth -= 1;
                if depth < 0 {
                    return trimmed;
                }
            }
            _ => {}
        }
    }
    if depth == 0 { inner } else { trimmed }
}

#[cfg(test)]
mod tests {
    use super::strip_outer_parentheses;

    #[test]
    fn only_enclosing_parentheses_are_stripped() {
        assert_eq!(strip_outer_parentheses("(a > 0)"), "a > 0");
        assert_eq!(strip_outer_parentheses("(a) > (b)"), "(a) > (b)");
        assert_eq!(strip_outer_parentheses("a <> b"), "a <> b");
        assert_eq!(strip_outer_parentheses("(a = ')(')"), "a = ')('");
    }
}
