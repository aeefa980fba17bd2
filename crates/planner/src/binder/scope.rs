//! Name resolution: which columns an expression can name, and what naming one reads.
//!
//! A [`Scope`] follows PostgreSQL's namespace rules (`parse_relation.c`):
//!
//! - `columns` is the physical layout of the row the expression is evaluated over: every column
//!   of every FROM item, in FROM order.
//! - `relations` are the FROM items that can be named (`t.c`, `t.*`): tables, derived tables and
//!   functions, each a contiguous range of `columns` under its alias.
//! - `visible` is what an unqualified name can mean, in `SELECT *` order. For plain FROM items
//!   and ON joins that is every column; a `JOIN ... USING (c)` / `NATURAL JOIN` shows `c` once
//!   (the merged column: the left value for inner and left joins, the right value for right
//!   joins, `COALESCE(left, right)` for full joins) followed by the other columns of both sides,
//!   while `l.c` and `r.c` stay reachable qualified.

use db001_common::{DataType, Error, Result, SqlState};
use db001_sql::ast;

use crate::plan::{Expr, TableRef};

/// One column of the input row.
#[derive(Debug, Clone)]
pub(crate) struct ScopeColumn {
    /// The table alias (or name) that qualifies the column.
    pub(crate) qualifier: Option<String>,
    pub(crate) name: String,
    pub(crate) data_type: DataType,
    pub(crate) table_oid: u32,
    pub(crate) column_number: i16,
}

/// One FROM item that can be named.
#[derive(Debug, Clone)]
pub(crate) struct ScopeRelation {
    pub(crate) name: String,
    pub(crate) offset: usize,
    pub(crate) width: usize,
    /// Positions (relative to `offset`) of the table's primary key columns; empty when it has
    /// none. Grouping by them makes every column of the relation usable (PostgreSQL's
    /// functional dependency rule).
    pub(crate) primary_key: Vec<usize>,
}

/// A name usable unqualified.
#[derive(Debug, Clone)]
pub(crate) struct Visible {
    pub(crate) name: String,
    /// What it reads: a column of the input row, or an expression over it (a merged column).
    pub(crate) expr: Expr,
    /// Its type, with the declared modifier.
    pub(crate) data_type: DataType,
}

/// The columns an expression can refer to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    pub(crate) columns: Vec<ScopeColumn>,
    pub(crate) relations: Vec<ScopeRelation>,
    pub(crate) visible: Vec<Visible>,
}

/// A resolved column name.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) expr: Expr,
    /// The type with its declared modifier.
    pub(crate) data_type: DataType,
    /// The input column it is, if it is one.
    pub(crate) position: Option<usize>,
}

impl Scope {
    /// A scope of one relation whose columns are all visible.
    pub(crate) fn relation(
        name: &str,
        columns: Vec<ScopeColumn>,
        primary_key: Vec<usize>,
    ) -> Scope {
        let visible = columns
            .iter()
            .enumerate()
            .map(|(i, c)| Visible {
                name: c.name.clone(),
                expr: Expr::Column(i),
                data_type: c.data_type,
            })
            .collect();
        Scope {
            relations: vec![ScopeRelation {
                name: name.to_string(),
                offset: 0,
                width: columns.len(),
                primary_key,
            }],
            columns,
            visible,
        }
    }

    /// The scope of a table under `name` (its alias or own name), columns renamed by
    /// `column_aliases`.
    pub(crate) fn table(name: &str, table: &TableRef, column_aliases: &[ast::Ident]) -> Scope {
        let columns = table
            .schema
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| ScopeColumn {
                qualifier: Some(name.to_string()),
                name: column_aliases
                    .get(i)
                    .map_or(column.name.clone(), |a| a.value.clone()),
                data_type: column.data_type,
                table_oid: table.schema.id,
                column_number: i as i16 + 1,
            })
            .collect();
        let primary_key = table
            .schema
            .primary_key()
            .map(|index| index.columns.clone())
            .unwrap_or_default();
        Scope::relation(name, columns, primary_key)
    }

    /// The input row's width.
    pub(crate) fn width(&self) -> usize {
        self.columns.len()
    }

    /// Places `right` after `self` in the input row. `visible` is left for the caller (it
    /// depends on the join's kind and USING list); `right_visible` returns the right side's
    /// visible names with their expressions moved to the combined row.
    pub(crate) fn concat(mut self, right: Scope) -> (Scope, Vec<Visible>) {
        let offset = self.columns.len();
        self.columns.extend(right.columns);
        self.relations
            .extend(right.relations.into_iter().map(|mut relation| {
                relation.offset += offset;
                relation
            }));
        let right_visible = right
            .visible
            .into_iter()
            .map(|mut visible| {
                visible.expr = shift(visible.expr, offset);
                visible
            })
            .collect();
        (self, right_visible)
    }

    /// Resolves `c`, `t.c` or `s.t.c` in this scope. `Ok(None)` when this scope has no such
    /// relation (qualified) or name (unqualified), so an enclosing query may have it; errors
    /// when the name is ambiguous or the named relation lacks the column.
    pub(crate) fn lookup(&self, parts: &[ast::Ident], sql: &str) -> Result<Option<Resolved>> {
        let position = |ident: &ast::Ident| ident.span.position(sql);
        match parts {
            [] => Err(Error::internal("empty column reference")),
            [name] => {
                let mut found: Option<&Visible> = None;
                for visible in self.visible.iter().filter(|v| v.name == name.value) {
                    if found.is_some() {
                        return Err(Error::new(
                            SqlState::AMBIGUOUS_COLUMN,
                            format!("column reference \"{}\" is ambiguous", name.value),
                        )
                        .with_position(position(name)));
                    }
                    found = Some(visible);
                }
                Ok(found.map(|visible| Resolved {
                    expr: visible.expr.clone(),
                    data_type: visible.data_type,
                    position: match visible.expr {
                        Expr::Column(i) => Some(i),
                        _ => None,
                    },
                }))
            }
            [.., table, name] => {
                let Some(relation) = self.relations.iter().find(|r| r.name == table.value) else {
                    return Ok(None);
                };
                let mut found = None;
                for i in relation.offset..relation.offset + relation.width {
                    if self.columns[i].name == name.value {
                        if found.is_some() {
                            return Err(Error::new(
                                SqlState::AMBIGUOUS_COLUMN,
                                format!(
                                    "column reference \"{}.{}\" is ambiguous",
                                    table.value, name.value
                                ),
                            )
                            .with_position(position(&parts[0])));
                        }
                        found = Some(i);
                    }
                }
                match found {
                    Some(i) => Ok(Some(Resolved {
                        expr: Expr::Column(i),
                        data_type: self.columns[i].data_type,
                        position: Some(i),
                    })),
                    None => Err(Error::new(
                        SqlState::UNDEFINED_COLUMN,
                        format!("column {}.{} does not exist", table.value, name.value),
                    )
                    .with_position(position(&parts[0]))),
                }
            }
        }
    }
}

/// The error for a name no scope (this query's or an enclosing one's) has.
pub(crate) fn unresolved(parts: &[ast::Ident], sql: &str) -> Error {
    let position = parts.first().map(|p| p.span.position(sql));
    match parts {
        [.., table, _] => Error::new(
            SqlState::UNDEFINED_TABLE,
            format!("missing FROM-clause entry for table \"{}\"", table.value),
        )
        .or_position(parts.get(parts.len() - 2).map(|t| t.span.position(sql))),
        _ => Error::new(
            SqlState::UNDEFINED_COLUMN,
            format!(
                "column \"{}\" does not exist",
                parts.last().map_or("", |p| p.value.as_str())
            ),
        )
        .or_position(position),
    }
}

/// Moves an expression's column references `offset` columns to the right.
pub(crate) fn shift(expr: Expr, offset: usize) -> Expr {
    if offset == 0 {
        return expr;
    }
    crate::optimizer::remap(expr, &|c| Expr::Column(c + offset))
}
