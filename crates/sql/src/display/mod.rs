//! `Display` for every AST node: SQL text that parses back to an equal tree (spans aside).
//!
//! The parser keeps parentheses as [`Expr::Nested`], so a tree it produced needs no extra
//! parentheses to print back faithfully: every node is printed in its own syntax and operator
//! precedence takes care of itself. A few choices keep the round trip exact:
//!
//! - Casts print as `CAST(x AS t)`, never `x::t`, because `-1::int` would read back as
//!   `-(1::int)` while `CAST(-1 AS int)` keeps the folded literal.
//! - Row constructors print as `ROW(...)`, which reads back the same for any arity.
//! - Long `AND`/`OR` chains, which the parser balances, print flat; re-parsing the flat list
//!   rebuilds the same shape.
//! - Identifiers are quoted whenever they are keywords that are not unreserved (see
//!   [`Ident`]'s `Display`), which is valid in every position.
//! - Functions with special syntax print in that syntax (`EXTRACT(year FROM x)`,
//!   `POSITION(a IN b)`, `CURRENT_TIMESTAMP`) when their arguments allow it, and otherwise as a
//!   call to the quoted name, which PostgreSQL resolves to the same function.
//!
//! Trees built by hand (not by the parser) still print as valid SQL with the right structure
//! wherever the printed form allows it; only the parentheses they lack may come back as
//! [`Expr::Nested`].

use std::fmt::{self, Display, Formatter, Write};

mod client;
mod ddl;
mod expr;
mod objects;

use crate::ast::*;

/// Runs a recursive step of printing on a fresh stack segment when this one runs low: trees
/// may nest [`crate::MAX_DEPTH`] levels, and a debug build spends about 3 KiB of stack per
/// level printing them.
fn guarded(print: impl FnOnce() -> fmt::Result) -> fmt::Result {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, print)
}

/// Writes `items` separated by `separator`.
fn list<T: Display>(f: &mut Formatter<'_>, items: &[T], separator: &str) -> fmt::Result {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            f.write_str(separator)?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

fn comma_list<T: Display>(f: &mut Formatter<'_>, items: &[T]) -> fmt::Result {
    list(f, items, ", ")
}

/// A string literal: `'it''s'`.
struct QuotedString<'a>(&'a str);

impl Display for QuotedString<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('\'')?;
        for piece in self.0.split_inclusive('\'') {
            f.write_str(piece)?;
            if piece.ends_with('\'') {
                f.write_char('\'')?;
            }
        }
        f.write_char('\'')
    }
}

impl Display for ObjectName {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        list(f, &self.parts, ".")
    }
}

impl Display for Statement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Statement::Select(query) => write!(f, "{query}"),
            Statement::Insert(insert) => write!(f, "{insert}"),
            Statement::Update(update) => write!(f, "{update}"),
            Statement::Delete(delete) => write!(f, "{delete}"),
            Statement::CreateTable(create) => write!(f, "{create}"),
            Statement::DropTable(drop) => write!(f, "{drop}"),
            Statement::CreateIndex(create) => write!(f, "{create}"),
            Statement::DropIndex(drop) => write!(f, "{drop}"),
            Statement::Begin(modes) => {
                f.write_str("BEGIN")?;
                if !modes.is_empty() {
                    f.write_char(' ')?;
                    comma_list(f, modes)?;
                }
                Ok(())
            }
            Statement::Commit => f.write_str("COMMIT"),
            Statement::Rollback => f.write_str("ROLLBACK"),
            Statement::Set(set) => write!(f, "{set}"),
            Statement::SetTransaction { session, modes } => {
                if *session {
                    f.write_str("SET SESSION CHARACTERISTICS AS TRANSACTION ")?;
                } else {
                    f.write_str("SET TRANSACTION ")?;
                }
                comma_list(f, modes)
            }
            Statement::Show(name) => {
                f.write_str("SHOW ")?;
                setting_name(f, &name.value)
            }
            Statement::Reset(None) => f.write_str("RESET ALL"),
            Statement::Reset(Some(name)) => {
                f.write_str("RESET ")?;
                setting_name(f, &name.value)
            }
            Statement::Explain { analyze, statement } => {
                f.write_str(if *analyze {
                    "EXPLAIN ANALYZE "
                } else {
                    "EXPLAIN "
                })?;
                write!(f, "{statement}")
            }
            Statement::Checkpoint => f.write_str("CHECKPOINT"),
            Statement::Backup { to } => write!(f, "BACKUP TO {}", QuotedString(to)),
            Statement::Copy(copy) => write!(f, "{copy}"),
            Statement::CreateRole(create) => write!(f, "{create}"),
            Statement::AlterRole(alter) => write!(f, "{alter}"),
            Statement::DropRole { if_exists, names } => {
                f.write_str(if *if_exists {
                    "DROP ROLE IF EXISTS "
                } else {
                    "DROP ROLE "
                })?;
                comma_list(f, names)
            }
            Statement::Discard(target) => write!(f, "DISCARD {target}"),
            Statement::Close(None) => f.write_str("CLOSE ALL"),
            Statement::Close(Some(name)) => write!(f, "CLOSE {name}"),
            Statement::Listen(channel) => write!(f, "LISTEN {channel}"),
            Statement::Unlisten(None) => f.write_str("UNLISTEN *"),
            Statement::Unlisten(Some(channel)) => write!(f, "UNLISTEN {channel}"),
            Statement::AlterTable(alter) => write!(f, "{alter}"),
            Statement::Truncate(truncate) => write!(f, "{truncate}"),
            Statement::CreateView(create) => write!(f, "{create}"),
            Statement::DropObjects(drop) => write!(f, "{drop}"),
            Statement::CreateSchema(create) => write!(f, "{create}"),
            Statement::CreateSequence(create) => write!(f, "{create}"),
            Statement::Savepoint(name) => write!(f, "SAVEPOINT {name}"),
            Statement::ReleaseSavepoint(name) => write!(f, "RELEASE SAVEPOINT {name}"),
            Statement::RollbackToSavepoint(name) => write!(f, "ROLLBACK TO SAVEPOINT {name}"),
            Statement::Prepare(prepare) => write!(f, "{prepare}"),
            Statement::Execute(execute) => write!(f, "{execute}"),
            Statement::Deallocate(None) => f.write_str("DEALLOCATE ALL"),
            Statement::Deallocate(Some(name)) => write!(f, "DEALLOCATE {name}"),
            Statement::PrepareTransaction(gid) => {
                f.write_str("PREPARE TRANSACTION ")?;
                write!(f, "{}", QuotedString(gid))
            }
            Statement::CommitPrepared(gid) => {
                f.write_str("COMMIT PREPARED ")?;
                write!(f, "{}", QuotedString(gid))
            }
            Statement::RollbackPrepared(gid) => {
                f.write_str("ROLLBACK PREPARED ")?;
                write!(f, "{}", QuotedString(gid))
            }
            Statement::Vacuum(vacuum) => {
                f.write_str("VACUUM")?;
                if !vacuum.options.is_empty() {
                    f.write_str(" (")?;
                    for (i, (name, on)) in vacuum.options.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        // Option names are plain lower-case words.
                        f.write_str(&name.value)?;
                        if !on {
                            f.write_str(" false")?;
                        }
                    }
                    f.write_char(')')?;
                }
                if !vacuum.tables.is_empty() {
                    f.write_char(' ')?;
                    comma_list(f, &vacuum.tables)?;
                }
                Ok(())
            }
        }
    }
}

/// A setting name: dotted parts, each quoted if it must be. `all` prints as `ALL`.
fn setting_name(f: &mut Formatter<'_>, name: &str) -> fmt::Result {
    if name == "all" {
        return f.write_str("ALL");
    }
    for (index, part) in name.split('.').enumerate() {
        if index > 0 {
            f.write_char('.')?;
        }
        write!(f, "{}", plain_ident(part))?;
    }
    Ok(())
}

fn plain_ident(value: &str) -> Ident {
    Ident {
        value: value.to_string(),
        span: Span::default(),
    }
}

impl Display for TransactionMode {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            TransactionMode::IsolationLevel(level) => write!(f, "ISOLATION LEVEL {level}"),
            TransactionMode::ReadOnly => f.write_str("READ ONLY"),
            TransactionMode::ReadWrite => f.write_str("READ WRITE"),
            TransactionMode::Deferrable(true) => f.write_str("DEFERRABLE"),
            TransactionMode::Deferrable(false) => f.write_str("NOT DEFERRABLE"),
        }
    }
}

impl Display for IsolationLevel {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IsolationLevel::ReadUncommitted => "READ UNCOMMITTED",
            IsolationLevel::ReadCommitted => "READ COMMITTED",
            IsolationLevel::RepeatableRead => "REPEATABLE READ",
            IsolationLevel::Serializable => "SERIALIZABLE",
        })
    }
}

impl Display for SetStatement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if self.local { "SET LOCAL " } else { "SET " })?;
        setting_name(f, &self.name.value)?;
        f.write_str(" TO ")?;
        match &self.value {
            None => f.write_str("DEFAULT"),
            Some(values) => comma_list(f, values),
        }
    }
}

impl Display for SetValue {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            // `on`, `true` and `false` are reserved words that SET reads as values.
            SetValue::Word(word) if matches!(word.as_str(), "on" | "true" | "false") => {
                f.write_str(word)
            }
            SetValue::Word(word) => write!(f, "{}", plain_ident(word)),
            SetValue::String(value) => write!(f, "{}", QuotedString(value)),
            SetValue::Number(number) => f.write_str(number),
        }
    }
}

impl Display for Query {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        guarded(|| self.write(f))
    }
}

impl Query {
    fn write(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if let Some(with) = &self.with {
            write!(f, "{with} ")?;
        }
        write!(f, "{}", self.body)?;
        if !self.order_by.is_empty() {
            f.write_str(" ORDER BY ")?;
            comma_list(f, &self.order_by)?;
        }
        if let Some(limit) = &self.limit {
            write!(f, " LIMIT {limit}")?;
        }
        if let Some(offset) = &self.offset {
            write!(f, " OFFSET {offset}")?;
        }
        for clause in &self.locking {
            write!(f, " {clause}")?;
        }
        Ok(())
    }
}

impl Display for With {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if self.recursive {
            "WITH RECURSIVE "
        } else {
            "WITH "
        })?;
        comma_list(f, &self.ctes)
    }
}

impl Display for Cte {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        if !self.columns.is_empty() {
            f.write_str(" (")?;
            comma_list(f, &self.columns)?;
            f.write_char(')')?;
        }
        write!(f, " AS ({})", self.query)
    }
}

impl Display for LockingClause {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "FOR {}", self.strength)?;
        if !self.of.is_empty() {
            f.write_str(" OF ")?;
            comma_list(f, &self.of)?;
        }
        if self.wait != LockWait::Wait {
            write!(f, " {}", self.wait)?;
        }
        Ok(())
    }
}

impl Display for LockStrength {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LockStrength::Update => "UPDATE",
            LockStrength::NoKeyUpdate => "NO KEY UPDATE",
            LockStrength::Share => "SHARE",
            LockStrength::KeyShare => "KEY SHARE",
        })
    }
}

/// Prints nothing for the default, [`LockWait::Wait`].
impl Display for LockWait {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LockWait::Wait => "",
            LockWait::NoWait => "NOWAIT",
            LockWait::SkipLocked => "SKIP LOCKED",
        })
    }
}

impl Display for SetExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        guarded(|| self.write(f))
    }
}

impl SetExpr {
    fn write(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            SetExpr::Select(select) => write!(f, "{select}"),
            SetExpr::Values(values) => write!(f, "{values}"),
            SetExpr::Query(query) => write!(f, "({query})"),
            SetExpr::SetOperation {
                op,
                all,
                left,
                right,
            } => {
                let all = if *all { " ALL" } else { "" };
                write!(f, "{left} {op}{all} {right}")
            }
        }
    }
}

impl Display for SetOperator {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SetOperator::Union => "UNION",
            SetOperator::Intersect => "INTERSECT",
            SetOperator::Except => "EXCEPT",
        })
    }
}

impl Display for Values {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("VALUES ")?;
        for (index, row) in self.rows.iter().enumerate() {
            if index > 0 {
                f.write_str(", ")?;
            }
            f.write_char('(')?;
            comma_list(f, row)?;
            f.write_char(')')?;
        }
        Ok(())
    }
}

impl Display for Select {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("SELECT")?;
        if let Some(distinct) = &self.distinct {
            write!(f, " {distinct}")?;
        }
        if !self.projection.is_empty() {
            f.write_char(' ')?;
            comma_list(f, &self.projection)?;
        }
        if !self.from.is_empty() {
            f.write_str(" FROM ")?;
            comma_list(f, &self.from)?;
        }
        if let Some(selection) = &self.selection {
            write!(f, " WHERE {selection}")?;
        }
        if !self.group_by.is_empty() {
            f.write_str(" GROUP BY ")?;
            comma_list(f, &self.group_by)?;
        }
        if let Some(having) = &self.having {
            write!(f, " HAVING {having}")?;
        }
        Ok(())
    }
}

impl Display for Distinct {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Distinct::All => f.write_str("DISTINCT"),
            Distinct::On(exprs) => {
                f.write_str("DISTINCT ON (")?;
                comma_list(f, exprs)?;
                f.write_char(')')
            }
        }
    }
}

impl Display for SelectItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            SelectItem::Expr { expr, alias: None } => write!(f, "{expr}"),
            SelectItem::Expr {
                expr,
                alias: Some(alias),
            } => write!(f, "{expr} AS {alias}"),
            SelectItem::Wildcard(_) => f.write_char('*'),
            SelectItem::QualifiedWildcard(name) => write!(f, "{name}.*"),
        }
    }
}

impl Display for TableWithJoins {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        guarded(|| self.write(f))
    }
}

impl TableWithJoins {
    fn write(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.relation)?;
        for join in &self.joins {
            write!(f, " {join}")?;
        }
        Ok(())
    }
}

impl Display for Join {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.constraint {
            JoinConstraint::Natural => write!(f, "NATURAL {} {}", self.kind, self.relation),
            JoinConstraint::None => write!(f, "{} {}", self.kind, self.relation),
            constraint => write!(f, "{} {} {constraint}", self.kind, self.relation),
        }
    }
}

impl Display for JoinKind {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JoinKind::Inner => "JOIN",
            JoinKind::Left => "LEFT JOIN",
            JoinKind::Right => "RIGHT JOIN",
            JoinKind::Full => "FULL JOIN",
            JoinKind::Cross => "CROSS JOIN",
        })
    }
}

/// `ON expr`, `USING (columns)`, `NATURAL` (which a [`Join`] prints before its kind), or
/// nothing.
impl Display for JoinConstraint {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            JoinConstraint::On(expr) => write!(f, "ON {expr}"),
            JoinConstraint::Using(columns) => {
                f.write_str("USING (")?;
                comma_list(f, columns)?;
                f.write_char(')')
            }
            JoinConstraint::Natural => f.write_str("NATURAL"),
            JoinConstraint::None => Ok(()),
        }
    }
}

impl Display for TableFactor {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            TableFactor::Table { name, alias } => {
                write!(f, "{name}")?;
                optional_alias(f, alias)
            }
            TableFactor::Derived {
                lateral,
                subquery,
                alias,
            } => {
                if *lateral {
                    f.write_str("LATERAL ")?;
                }
                write!(f, "({subquery})")?;
                optional_alias(f, alias)
            }
            TableFactor::Function {
                name,
                args,
                with_ordinality,
                alias,
            } => {
                write!(f, "{name}(")?;
                comma_list(f, args)?;
                f.write_char(')')?;
                if *with_ordinality {
                    f.write_str(" WITH ORDINALITY")?;
                }
                optional_alias(f, alias)
            }
            TableFactor::NestedJoin(inner) => write!(f, "({inner})"),
        }
    }
}

fn optional_alias(f: &mut Formatter<'_>, alias: &Option<TableAlias>) -> fmt::Result {
    match alias {
        Some(alias) => write!(f, " AS {alias}"),
        None => Ok(()),
    }
}

impl Display for TableAlias {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name)?;
        if !self.columns.is_empty() {
            f.write_str(" (")?;
            comma_list(f, &self.columns)?;
            f.write_char(')')?;
        }
        Ok(())
    }
}

impl Display for OrderByExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.expr)?;
        ordering(f, self)
    }
}

/// ` ASC`/` DESC` and ` NULLS FIRST`/` NULLS LAST`, as given.
fn ordering(f: &mut Formatter<'_>, order: &OrderByExpr) -> fmt::Result {
    match order.asc {
        Some(true) => f.write_str(" ASC")?,
        Some(false) => f.write_str(" DESC")?,
        None => {}
    }
    match order.nulls_first {
        Some(true) => f.write_str(" NULLS FIRST"),
        Some(false) => f.write_str(" NULLS LAST"),
        None => Ok(()),
    }
}

impl Display for Insert {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "INSERT INTO {}", self.table)?;
        if let Some(alias) = &self.alias {
            write!(f, " AS {alias}")?;
        }
        if !self.columns.is_empty() {
            f.write_str(" (")?;
            comma_list(f, &self.columns)?;
            f.write_char(')')?;
        }
        match self.overriding {
            Some(Overriding::System) => f.write_str(" OVERRIDING SYSTEM VALUE")?,
            Some(Overriding::User) => f.write_str(" OVERRIDING USER VALUE")?,
            None => {}
        }
        write!(f, " {}", self.source)?;
        if let Some(on_conflict) = &self.on_conflict {
            write!(f, " {on_conflict}")?;
        }
        returning(f, &self.returning)
    }
}

impl Display for InsertSource {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            InsertSource::Query(query) => write!(f, "{query}"),
            InsertSource::DefaultValues => f.write_str("DEFAULT VALUES"),
        }
    }
}

impl Display for OnConflict {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("ON CONFLICT")?;
        if !self.target.is_empty() {
            f.write_str(" (")?;
            comma_list(f, &self.target)?;
            f.write_char(')')?;
            if let Some(predicate) = &self.target_predicate {
                write!(f, " WHERE {predicate}")?;
            }
        }
        if let Some(constraint) = &self.constraint {
            write!(f, " ON CONSTRAINT {constraint}")?;
        }
        write!(f, " {}", self.action)
    }
}

impl Display for OnConflictAction {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            OnConflictAction::DoNothing => f.write_str("DO NOTHING"),
            OnConflictAction::DoUpdate {
                assignments,
                selection,
            } => {
                f.write_str("DO UPDATE SET ")?;
                comma_list(f, assignments)?;
                if let Some(selection) = selection {
                    write!(f, " WHERE {selection}")?;
                }
                Ok(())
            }
        }
    }
}

fn returning(f: &mut Formatter<'_>, items: &[SelectItem]) -> fmt::Result {
    if !items.is_empty() {
        f.write_str(" RETURNING ")?;
        comma_list(f, items)?;
    }
    Ok(())
}

impl Display for Assignment {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.value {
            Some(value) => write!(f, "{} = {value}", self.column),
            None => write!(f, "{} = DEFAULT", self.column),
        }
    }
}

impl Display for Update {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "UPDATE {}", self.table)?;
        if let Some(alias) = &self.alias {
            write!(f, " AS {alias}")?;
        }
        f.write_str(" SET ")?;
        comma_list(f, &self.assignments)?;
        if !self.from.is_empty() {
            f.write_str(" FROM ")?;
            comma_list(f, &self.from)?;
        }
        if let Some(selection) = &self.selection {
            write!(f, " WHERE {selection}")?;
        }
        returning(f, &self.returning)
    }
}

impl Display for Delete {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "DELETE FROM {}", self.table)?;
        if let Some(alias) = &self.alias {
            write!(f, " AS {alias}")?;
        }
        if !self.using.is_empty() {
            f.write_str(" USING ")?;
            comma_list(f, &self.using)?;
        }
        if let Some(selection) = &self.selection {
            write!(f, " WHERE {selection}")?;
        }
        returning(f, &self.returning)
    }
}
