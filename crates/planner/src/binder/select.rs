//! One SELECT: FROM and WHERE, grouping and aggregates, HAVING, window functions, the select
//! list, DISTINCT / DISTINCT ON and ORDER BY.
//!
//! The plan is built in SQL's logical order:
//!
//! ```text
//! FROM ─▶ Filter (WHERE) ─▶ Aggregate ─▶ Filter (HAVING) ─▶ Window ─▶ ProjectSet ─▶ Project
//!      ─▶ Distinct | Sort + DistinctOn ─▶ Sort (ORDER BY) ─▶ Project (drops hidden columns)
//! ```
//!
//! ORDER BY and DISTINCT ON may use expressions that are not in the select list: they are
//! computed as hidden columns of the first projection and dropped by the last.

use db001_common::{DataType, Error, Result, SqlState};
use db001_sql::ast;

use super::aggregate::contains_aggregate;
use super::expr::strip_nested;
use super::scope::Resolved;
use super::{AGGREGATE_BASE, AggregateState, Binder, SET_BASE, Scope, WINDOW_BASE, WindowState};
use crate::plan::{Access, Expr, FrameBound, OutputColumn, Plan, SetCall, SortKey, WindowCall};

/// A bound query before its final projection is trimmed.
#[derive(Debug)]
pub(crate) struct BoundSelect {
    pub(crate) plan: Plan,
    pub(crate) columns: Vec<OutputColumn>,
}

/// One select-list entry after `*` expansion.
enum Entry<'q> {
    Expr {
        expr: &'q ast::Expr,
        name: String,
    },
    Column {
        resolved: Resolved,
        name: String,
    },
    /// `(expr).*`: one column per field of the composite `expr` (known once it is bound).
    Fields {
        expr: &'q ast::Expr,
    },
}

impl Binder<'_> {
    /// Binds a SELECT with the query's ORDER BY. `keep_unknown` leaves untyped literals in the
    /// select list untyped (a set operation resolves them).
    pub(crate) fn bind_select(
        &mut self,
        select: &ast::Select,
        order_by: &[ast::OrderByExpr],
        keep_unknown: bool,
    ) -> Result<BoundSelect> {
        let (mut plan, scope) = self.bind_from(&select.from)?;
        if let Some(selection) = &select.selection {
            self.clause = "WHERE";
            let predicate = self.bind_condition(selection, &scope, "WHERE")?;
            plan = Plan::Filter {
                input: Box::new(plan),
                predicate,
            };
        }
        if self.locking && self.lock_target.is_none() {
            self.lock_target = Some(self.lock_rows(select, &plan)?);
        }
        let aggregated = !select.group_by.is_empty()
            || select.having.is_some()
            || select.projection.iter().any(|item| match item {
                ast::SelectItem::Expr { expr, .. } => contains_aggregate(expr),
                _ => false,
            })
            || order_by.iter().any(|o| contains_aggregate(&o.expr));

        let entries = self.expand_select_list(select, &scope)?;
        if aggregated {
            self.aggregate = Some(self.bind_group_by(select, &scope, &entries)?);
        }
        self.window = Some(WindowState::default());
        let result =
            self.bind_select_output(select, order_by, &scope, plan, &entries, keep_unknown);
        self.aggregate = None;
        self.window = None;
        result
    }

    /// The select list with `*` and `t.*` expanded.
    fn expand_select_list<'q>(
        &self,
        select: &'q ast::Select,
        scope: &Scope,
    ) -> Result<Vec<Entry<'q>>> {
        let mut entries = Vec::new();
        for item in &select.projection {
            match item {
                ast::SelectItem::Expr {
                    expr: ast::Expr::FieldWildcard { expr, .. },
                    alias: None,
                } => entries.push(Entry::Fields { expr }),
                ast::SelectItem::Expr { expr, alias } => {
                    let name = alias
                        .as_ref()
                        .map_or_else(|| column_name(expr), |a| a.value.clone());
                    entries.push(Entry::Expr { expr, name });
                }
                ast::SelectItem::Wildcard(span) => {
                    if scope.relations.is_empty() {
                        return Err(Error::syntax(
                            "SELECT * with no tables specified is not valid",
                        )
                        .with_position(span.position(self.sql)));
                    }
                    for visible in &scope.visible {
                        entries.push(Entry::Column {
                            resolved: Resolved {
                                expr: visible.expr.clone(),
                                data_type: visible.data_type,
                                position: match visible.expr {
                                    Expr::Column(i) => Some(i),
                                    _ => None,
                                },
                            },
                            name: visible.name.clone(),
                        });
                    }
                }
                ast::SelectItem::QualifiedWildcard(name) => {
                    let relation = scope
                        .relations
                        .iter()
                        .find(|r| r.name == name.name().value)
                        .ok_or_else(|| {
                            Error::new(
                                SqlState::UNDEFINED_TABLE,
                                format!(
                                    "missing FROM-clause entry for table \"{}\"",
                                    name.name().value
                                ),
                            )
                            .with_position(name.span().position(self.sql))
                        })?;
                    for i in relation.offset..relation.offset + relation.width {
                        entries.push(Entry::Column {
                            resolved: Resolved {
                                expr: Expr::Column(i),
                                data_type: scope.columns[i].data_type,
                                position: Some(i),
                            },
                            name: scope.columns[i].name.clone(),
                        });
                    }
                }
            }
        }
        Ok(entries)
    }

    /// GROUP BY keys (by expression, output position or output alias), and the relations
    /// whose primary key they cover.
    fn bind_group_by(
        &mut self,
        select: &ast::Select,
        scope: &Scope,
        entries: &[Entry<'_>],
    ) -> Result<AggregateState> {
        let mut keys = Vec::new();
        let mut key_exprs = Vec::new();
        let mut key_types = Vec::new();
        self.clause = "GROUP BY";
        for key in &select.group_by {
            if let ast::Expr::Function(call) = strip_nested(key)
                && matches!(
                    call.name.name().value.as_str(),
                    "rollup" | "cube" | "grouping"
                )
            {
                return Err(Error::feature_not_supported(
                    "ROLLUP, CUBE and GROUPING SETS are not supported yet",
                )
                .with_position(key.span().position(self.sql)));
            }
            let entry = match output_position(key, entries.len(), self.sql)? {
                Some(position) => Some(&entries[position]),
                None => match strip_nested(key) {
                    // An output alias, unless an input column has the name.
                    ast::Expr::Column(parts)
                        if parts.len() == 1 && scope.lookup(parts, self.sql)?.is_none() =>
                    {
                        entries.iter().find(|entry| match entry {
                            Entry::Expr { name, .. } => *name == parts[0].value,
                            Entry::Column { .. } | Entry::Fields { .. } => false,
                        })
                    }
                    _ => None,
                },
            };
            let (bound, data_type, text) = match entry {
                Some(Entry::Column { resolved, .. }) => (
                    resolved.expr.clone(),
                    resolved.data_type.without_modifier(),
                    String::new(),
                ),
                Some(Entry::Expr { expr, .. }) => {
                    let (bound, data_type) = self.bind_expr(expr, scope)?;
                    (bound, data_type, strip_nested(expr).to_string())
                }
                Some(Entry::Fields { expr }) => {
                    return Err(Error::feature_not_supported(
                        "grouping by a row expansion (expr).* is not supported by db001",
                    )
                    .with_position(expr.span().position(self.sql)));
                }
                None => {
                    let (bound, data_type) = self.bind_expr(key, scope)?;
                    (bound, data_type, strip_nested(key).to_string())
                }
            };
            let (bound, data_type) = if data_type == DataType::Unknown {
                (
                    self.coerce(bound, data_type, DataType::Text)?,
                    DataType::Text,
                )
            } else {
                (bound, data_type)
            };
            keys.push(text);
            key_exprs.push(bound);
            key_types.push(data_type);
        }
        let dependent = scope
            .relations
            .iter()
            .filter(|relation| {
                !relation.primary_key.is_empty()
                    && relation
                        .primary_key
                        .iter()
                        .all(|c| key_exprs.contains(&Expr::Column(relation.offset + c)))
            })
            .map(|relation| (relation.offset, relation.width))
            .collect();
        Ok(AggregateState {
            keys,
            key_exprs,
            key_types,
            calls: Vec::new(),
            inside_call: false,
            dependent,
        })
    }

    fn bind_select_output(
        &mut self,
        select: &ast::Select,
        order_by: &[ast::OrderByExpr],
        scope: &Scope,
        mut plan: Plan,
        entries: &[Entry<'_>],
        keep_unknown: bool,
    ) -> Result<BoundSelect> {
        self.clause = "SELECT";
        let mut exprs = Vec::with_capacity(entries.len());
        let mut columns = Vec::with_capacity(entries.len());
        for entry in entries {
            if let Entry::Fields { expr } = entry {
                for (bound, column) in self.bind_field_expansion(expr, scope)? {
                    exprs.push(bound);
                    columns.push(column);
                }
                continue;
            }
            let (bound, column) = match entry {
                Entry::Column { resolved, name } => {
                    let origin = resolved.position.map(|p| &scope.columns[p]);
                    let declared = resolved.data_type;
                    let (bound, data_type) = self.grouped_column(resolved.clone(), &[], scope)?;
                    let plain = self.aggregate.is_none();
                    let column = OutputColumn {
                        name: name.clone(),
                        data_type: if plain { declared } else { data_type },
                        table_oid: origin.filter(|_| plain).map_or(0, |c| c.table_oid),
                        column_number: origin.filter(|_| plain).map_or(0, |c| c.column_number),
                    };
                    (bound, column)
                }
                Entry::Expr { expr, name } => {
                    let (mut bound, mut data_type) = self.bind_expr(expr, scope)?;
                    if data_type == DataType::Unknown && !keep_unknown {
                        bound = self.coerce(bound, data_type, DataType::Text)?;
                        data_type = DataType::Text;
                    }
                    // A bare column keeps its declared type modifier and its origin.
                    let origin = match (strip_nested(expr), &bound) {
                        (ast::Expr::Column(_), Expr::Column(i)) if self.aggregate.is_none() => {
                            scope.columns.get(*i)
                        }
                        _ => None,
                    };
                    let column = OutputColumn {
                        name: name.clone(),
                        data_type: origin.map_or(data_type, |c| c.data_type),
                        table_oid: origin.map_or(0, |c| c.table_oid),
                        column_number: origin.map_or(0, |c| c.column_number),
                    };
                    (bound, column)
                }
                Entry::Fields { .. } => continue,
            };
            exprs.push(bound);
            columns.push(column);
        }

        let having = match &select.having {
            Some(having) => {
                self.clause = "HAVING";
                let window = self.window.take();
                let bound = self.bind_condition(having, scope, "HAVING");
                self.window = window;
                Some(bound?)
            }
            None => None,
        };

        let visible = exprs.len();
        self.clause = "ORDER BY";
        let mut keys = Vec::with_capacity(order_by.len());
        for item in order_by {
            let position = self.output_or_hidden(&item.expr, &mut exprs, &columns, scope)?;
            if position >= visible && matches!(select.distinct, Some(ast::Distinct::All)) {
                return Err(Error::new(
                    SqlState::INVALID_COLUMN_REFERENCE,
                    "for SELECT DISTINCT, ORDER BY expressions must appear in select list",
                )
                .with_position(item.expr.span().position(self.sql)));
            }
            keys.push(sort_key(Expr::Column(position), item));
        }
        let distinct_on = match &select.distinct {
            Some(ast::Distinct::On(items)) => {
                self.clause = "DISTINCT ON";
                let mut positions = Vec::with_capacity(items.len());
                for item in items {
                    positions.push(self.output_or_hidden(item, &mut exprs, &columns, scope)?);
                }
                Some(self.distinct_on_order(items, &positions, &mut keys)?)
            }
            _ => None,
        };

        // Every expression is bound: place aggregates and window results.
        let (keys_count, window_base) = match self.aggregate.take() {
            Some(aggregate) => {
                let keys_count = aggregate.key_exprs.len();
                let window_base = keys_count + aggregate.calls.len();
                plan = Plan::Aggregate {
                    input: Box::new(plan),
                    group_by: aggregate.key_exprs,
                    aggregates: aggregate.calls,
                };
                (keys_count, window_base)
            }
            None => (0, scope.width()),
        };
        let window = self.window.take().unwrap_or_default();
        let calls = window.calls;
        let set_base = window_base + calls.len();
        let place = |expr: Expr| finalize(expr, keys_count, window_base, set_base);
        if let Some(predicate) = having {
            plan = Plan::Filter {
                input: Box::new(plan),
                predicate: place(predicate),
            };
        }
        if !calls.is_empty() {
            plan = Plan::Window {
                input: Box::new(plan),
                calls: calls
                    .into_iter()
                    .map(|call| finalize_window_call(call, &place))
                    .collect(),
            };
        }
        if !window.set_calls.is_empty() {
            plan = Plan::ProjectSet {
                input: Box::new(plan),
                calls: window
                    .set_calls
                    .into_iter()
                    .map(|call| SetCall {
                        args: call.args.into_iter().map(place).collect(),
                        ..call
                    })
                    .collect(),
            };
        }
        let width = exprs.len();
        plan = Plan::Project {
            input: Box::new(plan),
            exprs: exprs.into_iter().map(place).collect(),
        };
        match (&select.distinct, distinct_on) {
            (Some(ast::Distinct::All), _) => {
                plan = Plan::Distinct {
                    input: Box::new(plan),
                }
            }
            (_, Some(distinct_keys)) => {
                plan = Plan::DistinctOn {
                    input: Box::new(Plan::Sort {
                        input: Box::new(plan),
                        keys: std::mem::take(&mut keys),
                    }),
                    keys: distinct_keys,
                }
            }
            _ => {}
        }
        if !keys.is_empty() {
            plan = Plan::Sort {
                input: Box::new(plan),
                keys,
            };
        }
        if width > visible {
            plan = Plan::Project {
                input: Box::new(plan),
                exprs: (0..visible).map(Expr::Column).collect(),
            };
        }
        Ok(BoundSelect { plan, columns })
    }

    /// ORDER BY / DISTINCT ON item: an output position, an output column's name, or an
    /// expression over the input (added as a hidden column unless the select list has it).
    fn output_or_hidden(
        &mut self,
        item: &ast::Expr,
        exprs: &mut Vec<Expr>,
        columns: &[OutputColumn],
        scope: &Scope,
    ) -> Result<usize> {
        let visible = columns.len();
        if let Some(position) = output_position(item, visible, self.sql)? {
            return Ok(position);
        }
        if let ast::Expr::Column(parts) = strip_nested(item)
            && parts.len() == 1
        {
            let matches: Vec<usize> = (0..visible)
                .filter(|&i| columns[i].name == parts[0].value)
                .collect();
            match matches.as_slice() {
                [only] => return Ok(*only),
                [] => {}
                _ => {
                    return Err(Error::new(
                        SqlState::AMBIGUOUS_COLUMN,
                        format!("ORDER BY \"{}\" is ambiguous", parts[0].value),
                    )
                    .with_position(item.span().position(self.sql)));
                }
            }
        }
        let (bound, data_type) = self.bind_expr(item, scope)?;
        let bound = if data_type == DataType::Unknown {
            self.coerce(bound, data_type, DataType::Text)?
        } else {
            bound
        };
        Ok(match exprs.iter().position(|e| *e == bound) {
            Some(position) => position,
            None => {
                exprs.push(bound);
                exprs.len() - 1
            }
        })
    }

    /// Checks DISTINCT ON against ORDER BY as PostgreSQL does (the leading ORDER BY items must
    /// be DISTINCT ON expressions until all of them are covered) and extends the sort so that
    /// equal keys are adjacent. Returns the DISTINCT ON keys over the projection.
    fn distinct_on_order(
        &self,
        items: &[ast::Expr],
        positions: &[usize],
        keys: &mut Vec<SortKey>,
    ) -> Result<Vec<Expr>> {
        let mut unmatched: Vec<usize> = positions.to_vec();
        unmatched.dedup();
        for key in keys.iter() {
            if unmatched.is_empty() {
                break;
            }
            let Expr::Column(position) = key.expr else {
                return Err(Error::internal("sort keys are output positions"));
            };
            if !positions.contains(&position) {
                return Err(Error::new(
                    SqlState::INVALID_COLUMN_REFERENCE,
                    "SELECT DISTINCT ON expressions must match initial ORDER BY expressions",
                )
                .or_position(items.first().map(|i| i.span().position(self.sql))));
            }
            unmatched.retain(|p| *p != position);
        }
        for position in unmatched {
            if !keys.iter().any(|k| k.expr == Expr::Column(position)) {
                keys.push(SortKey {
                    expr: Expr::Column(position),
                    descending: false,
                    nulls_first: false,
                });
            }
        }
        Ok(positions.iter().map(|&p| Expr::Column(p)).collect())
    }

    /// The rows a `SELECT ... FOR UPDATE` locks: the executor locks the rows the query returns
    /// as PostgreSQL does (see `db001_executor::locking`); this scan of every row matching FROM
    /// and WHERE is its fallback for plan shapes it cannot follow. Strength and wait policy are
    /// filled in from the clauses afterwards.
    fn lock_rows(&self, select: &ast::Select, plan: &Plan) -> Result<crate::plan::LockRows> {
        let not_allowed = |what: &str| {
            Error::feature_not_supported(format!("FOR UPDATE is not allowed with {what}"))
        };
        if select.distinct.is_some() {
            return Err(not_allowed("DISTINCT clause"));
        }
        if !select.group_by.is_empty() || select.having.is_some() {
            return Err(not_allowed("GROUP BY clause"));
        }
        if select.projection.iter().any(
            |item| matches!(item, ast::SelectItem::Expr { expr, .. } if contains_aggregate(expr)),
        ) {
            return Err(not_allowed("aggregate functions"));
        }
        let single_table =
            || Error::feature_not_supported("FOR UPDATE is supported on a single table only");
        let (table, filter) = match plan {
            Plan::Scan { table, .. } => (table.clone(), None),
            Plan::Filter { input, predicate } => match input.as_ref() {
                Plan::Scan { table, .. } => (table.clone(), Some(predicate.clone())),
                _ => return Err(single_table()),
            },
            _ => return Err(single_table()),
        };
        Ok(crate::plan::LockRows {
            scan: Plan::Scan {
                table: table.clone(),
                access: Access::Sequential,
                filter,
                with_row_id: true,
                alias: None,
            },
            table,
            alias: select.from.first().and_then(|item| match &item.relation {
                ast::TableFactor::Table { alias, .. } => {
                    alias.as_ref().map(|a| a.name.value.clone())
                }
                _ => None,
            }),
            strength: ast::LockStrength::KeyShare,
            wait: ast::LockWait::Wait,
        })
    }
}

/// Moves aggregate and window results (bound at [`AGGREGATE_BASE`] / [`WINDOW_BASE`]) to
/// their final positions: aggregates after the `keys` group keys, window results after the
/// window node's input columns.
fn finalize(expr: Expr, keys: usize, window_base: usize, set_base: usize) -> Expr {
    crate::optimizer::remap(expr, &|c| {
        if c >= SET_BASE {
            Expr::Column(set_base + (c - SET_BASE))
        } else if c >= WINDOW_BASE {
            Expr::Column(window_base + (c - WINDOW_BASE))
        } else if c >= AGGREGATE_BASE {
            Expr::Column(keys + (c - AGGREGATE_BASE))
        } else {
            Expr::Column(c)
        }
    })
}

fn finalize_window_call(call: WindowCall, place: &dyn Fn(Expr) -> Expr) -> WindowCall {
    let bound = |bound: FrameBound| match bound {
        FrameBound::Preceding(e) => FrameBound::Preceding(place(e)),
        FrameBound::Following(e) => FrameBound::Following(place(e)),
        other => other,
    };
    let mut frame = call.frame;
    frame.start = bound(frame.start);
    frame.end = bound(frame.end);
    WindowCall {
        function: call.function,
        args: call.args.into_iter().map(place).collect(),
        filter: call.filter.map(place),
        partition_by: call.partition_by.into_iter().map(place).collect(),
        order_by: call
            .order_by
            .into_iter()
            .map(|k| SortKey {
                expr: place(k.expr),
                ..k
            })
            .collect(),
        frame,
        data_type: call.data_type,
    }
}

/// `ORDER BY 2` / `GROUP BY 2`: the 0-based output position, if the expression is an integer
/// constant.
pub(crate) fn output_position(expr: &ast::Expr, width: usize, sql: &str) -> Result<Option<usize>> {
    let ast::Expr::Literal(ast::Literal::Number(text), span) = strip_nested(expr) else {
        return Ok(None);
    };
    let Ok(position) = text.parse::<i64>() else {
        return Ok(None);
    };
    if position < 1 || position as usize > width {
        return Err(Error::new(
            SqlState::INVALID_COLUMN_REFERENCE,
            format!("ORDER BY position {position} is not in select list"),
        )
        .with_position(span.position(sql)));
    }
    Ok(Some(position as usize - 1))
}

pub(crate) fn sort_key(expr: Expr, item: &ast::OrderByExpr) -> SortKey {
    let descending = item.asc == Some(false);
    SortKey {
        expr,
        descending,
        // PostgreSQL: NULLs sort as larger than everything unless told otherwise.
        nulls_first: item.nulls_first.unwrap_or(descending),
    }
}

/// The name PostgreSQL gives a result column without an alias (`FigureColname`): a cast
/// keeps its operand's name only when that is a real name (a column, a function, ...), not
/// itself a weak one (a type name, `case`, `array`, `row`: `'1'::int4::text` is `text`).
pub(crate) fn column_name(expr: &ast::Expr) -> String {
    fn is_weakly_named(expr: &ast::Expr) -> bool {
        match expr {
            ast::Expr::Cast { expr, .. } => is_weakly_named(expr) || figure(expr).is_none(),
            ast::Expr::TypedString { .. }
            | ast::Expr::Case { .. }
            | ast::Expr::Array(..)
            | ast::Expr::Row(..) => true,
            ast::Expr::Nested(inner, _) => is_weakly_named(inner),
            _ => false,
        }
    }
    fn figure(expr: &ast::Expr) -> Option<String> {
        match expr {
            ast::Expr::Column(parts) => parts.last().map(|p| p.value.clone()),
            ast::Expr::Function(call) => Some(call.name.name().value.clone()),
            ast::Expr::Cast {
                expr, data_type, ..
            } if !is_weakly_named(expr) => {
                figure(expr).or_else(|| Some(type_column_name(&data_type.name)))
            }
            ast::Expr::Cast { data_type, .. } => Some(type_column_name(&data_type.name)),
            ast::Expr::TypedString { data_type, .. } => Some(type_column_name(&data_type.name)),
            ast::Expr::Case { .. } => Some("case".to_string()),
            ast::Expr::Exists { negated: false, .. } => Some("exists".to_string()),
            ast::Expr::Subquery(query, _) => Some(subquery_column_name(query)),
            ast::Expr::ArraySubquery(..) => Some("array".to_string()),
            ast::Expr::Array(..) => Some("array".to_string()),
            ast::Expr::Row(..) => Some("row".to_string()),
            ast::Expr::Nested(inner, _) => figure(inner),
            ast::Expr::Subscript { expr, .. } => figure(expr),
            ast::Expr::FieldSelect { field, .. } => Some(field.value.clone()),
            _ => None,
        }
    }
    figure(expr).unwrap_or_else(|| "?column?".to_string())
}

/// A scalar subquery's column is named after the subquery's (first) result column.
fn subquery_column_name(query: &ast::Query) -> String {
    let mut body = &query.body;
    loop {
        match body {
            ast::SetExpr::SetOperation { left, .. } => body = left,
            ast::SetExpr::Query(inner) => body = &inner.body,
            ast::SetExpr::Select(select) => {
                return match select.projection.first() {
                    Some(ast::SelectItem::Expr { alias: Some(a), .. }) => a.value.clone(),
                    Some(ast::SelectItem::Expr { expr, .. }) => column_name(expr),
                    _ => "?column?".to_string(),
                };
            }
            ast::SetExpr::Values(_) => return "column1".to_string(),
        }
    }
}

/// The column name a cast to this type produces (PostgreSQL uses the internal type name).
fn type_column_name(name: &str) -> String {
    match name {
        "integer" | "int" => "int4",
        "smallint" => "int2",
        "bigint" => "int8",
        "double precision" | "float" => "float8",
        "real" => "float4",
        "boolean" => "bool",
        "character varying" => "varchar",
        "character" => "bpchar",
        "decimal" => "numeric",
        other => other,
    }
    .to_string()
}
