//! The abstract syntax tree.
//!
//! The tree mirrors SQL's surface, not db001's plans: the binder (in the planner crate) resolves
//! names and types. Every node that an error can point at carries a [`Span`] so that a binder
//! error reports the same 1-based character position PostgreSQL would.
//!
//! Identifiers are stored case-folded (unquoted names lower-cased, quoted names kept as written),
//! so later stages compare names with `==`.
//!
//! `Display` prints SQL that parses back to an equal tree (modulo spans); the parser's tests
//! check that round trip.

use std::fmt;

mod objects;
pub mod visit;

pub use objects::*;

/// A byte range into the statement text. `start` is a byte offset; [`Span::position`] converts
/// it to PostgreSQL's 1-based character position.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// PostgreSQL's 1-based character position of the span's start within `sql`.
    pub fn position(&self, sql: &str) -> u32 {
        let start = (self.start as usize).min(sql.len());
        let chars = sql
            .char_indices()
            .take_while(|(offset, _)| *offset < start)
            .count();
        chars as u32 + 1
    }
}

/// An identifier, case-folded as PostgreSQL folds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    pub value: String,
    pub span: Span,
}

/// A possibly schema-qualified name: `t`, `public.t`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectName {
    /// One to three parts, outermost first.
    pub parts: Vec<Ident>,
}

impl ObjectName {
    /// The last part: the object's own name.
    pub fn name(&self) -> &Ident {
        self.parts
            .last()
            .expect("an object name has at least one part")
    }

    /// The schema part, if qualified.
    pub fn schema(&self) -> Option<&Ident> {
        if self.parts.len() >= 2 {
            self.parts.get(self.parts.len() - 2)
        } else {
            None
        }
    }

    pub fn span(&self) -> Span {
        let first = self
            .parts
            .first()
            .expect("an object name has at least one part");
        Span {
            start: first.span.start,
            end: self.name().span.end,
        }
    }
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Select(Box<Query>),
    Insert(Box<Insert>),
    Update(Box<Update>),
    Delete(Box<Delete>),
    CreateTable(Box<CreateTable>),
    DropTable(DropTable),
    CreateIndex(Box<CreateIndex>),
    DropIndex(DropIndex),
    /// `BEGIN` / `START TRANSACTION` with optional modes.
    Begin(Vec<TransactionMode>),
    /// `COMMIT` / `END`.
    Commit,
    /// `ROLLBACK` / `ABORT`.
    Rollback,
    /// `SET [SESSION | LOCAL] name { TO | = } value`, `SET TIME ZONE ...`.
    Set(SetStatement),
    /// `SET TRANSACTION ...` and `SET SESSION CHARACTERISTICS AS TRANSACTION ...`.
    SetTransaction {
        session: bool,
        modes: Vec<TransactionMode>,
    },
    /// `SHOW name`, `SHOW ALL`, `SHOW TRANSACTION ISOLATION LEVEL`.
    Show(Ident),
    /// `RESET name` / `RESET ALL` (`None`).
    Reset(Option<Ident>),
    /// `EXPLAIN [ANALYZE] statement`.
    Explain {
        analyze: bool,
        statement: Box<Statement>,
    },
    /// `CHECKPOINT`.
    Checkpoint,
    /// `BACKUP TO 'directory'`: db001's own statement (not PostgreSQL's) for an online base
    /// backup written by the server into a directory on its host. `backup` is not a
    /// PostgreSQL keyword, so the parser recognises it only as the first word of a statement.
    Backup {
        to: String,
    },
    /// `COPY ... FROM STDIN | TO STDOUT` (see [`Copy`]).
    Copy(Box<Copy>),
    /// `CREATE ROLE | USER | GROUP name [WITH] options`.
    CreateRole(Box<CreateRole>),
    /// `ALTER ROLE | USER name [WITH] options`, `ALTER ROLE name RENAME TO new`.
    AlterRole(Box<AlterRole>),
    /// `DROP ROLE | USER | GROUP [IF EXISTS] name, ...`.
    DropRole {
        if_exists: bool,
        names: Vec<Ident>,
    },
    /// `DISCARD ALL | PLANS | SEQUENCES | TEMP`.
    Discard(DiscardTarget),
    /// `CLOSE name` / `CLOSE ALL` (`None`): closes cursors.
    Close(Option<Ident>),
    /// `LISTEN channel`.
    Listen(Ident),
    /// `UNLISTEN channel` / `UNLISTEN *` (`None`).
    Unlisten(Option<Ident>),
    AlterTable(Box<AlterTable>),
    Truncate(Truncate),
    CreateView(Box<CreateView>),
    /// `DROP VIEW`, `DROP SEQUENCE`, `DROP SCHEMA`.
    DropObjects(DropObjects),
    CreateSchema(CreateSchema),
    CreateSequence(Box<CreateSequence>),
    /// `SAVEPOINT name`.
    Savepoint(Ident),
    /// `RELEASE [SAVEPOINT] name`.
    ReleaseSavepoint(Ident),
    /// `ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name`.
    RollbackToSavepoint(Ident),
    Prepare(Box<Prepare>),
    Execute(Execute),
    /// `DEALLOCATE [PREPARE] name`, or `DEALLOCATE [PREPARE] ALL` (`None`).
    Deallocate(Option<Ident>),
    /// `PREPARE TRANSACTION 'gid'`.
    PrepareTransaction(String),
    /// `COMMIT PREPARED 'gid'`.
    CommitPrepared(String),
    /// `ROLLBACK PREPARED 'gid'`.
    RollbackPrepared(String),
    /// `VACUUM [ (option [, ...]) | FULL FREEZE VERBOSE ANALYZE ] [table [, ...]]`.
    Vacuum(Vacuum),
}

/// `VACUUM`: options (lower-cased names, each on or off) and the tables (none: all).
#[derive(Debug, Clone, PartialEq)]
pub struct Vacuum {
    pub options: Vec<(Ident, bool)>,
    pub tables: Vec<ObjectName>,
}

/// `ISOLATION LEVEL ...`, `READ ONLY`, `READ WRITE`, `[NOT] DEFERRABLE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionMode {
    IsolationLevel(IsolationLevel),
    ReadOnly,
    ReadWrite,
    Deferrable(bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IsolationLevel {
    ReadUncommitted,
    ReadCommitted,
    RepeatableRead,
    Serializable,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SetStatement {
    pub local: bool,
    pub name: Ident,
    /// `DEFAULT` when `None`.
    pub value: Option<Vec<SetValue>>,
}

/// One item of a `SET` value list (`SET search_path = a, b`).
#[derive(Debug, Clone, PartialEq)]
pub enum SetValue {
    /// A bare word or quoted identifier: `ON`, `public`, `"$user"`.
    Word(String),
    /// A string literal.
    String(String),
    /// A numeric literal as written, with its sign.
    Number(String),
}

/// A query: `[WITH ...] body [ORDER BY ...] [LIMIT ...] [OFFSET ...] [FOR UPDATE ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub with: Option<With>,
    pub body: SetExpr,
    pub order_by: Vec<OrderByExpr>,
    pub limit: Option<Expr>,
    pub offset: Option<Expr>,
    pub locking: Vec<LockingClause>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct With {
    pub recursive: bool,
    pub ctes: Vec<Cte>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cte {
    pub name: Ident,
    pub columns: Vec<Ident>,
    pub query: Box<Query>,
}

/// `FOR UPDATE | FOR NO KEY UPDATE | FOR SHARE | FOR KEY SHARE [OF t] [NOWAIT | SKIP LOCKED]`.
#[derive(Debug, Clone, PartialEq)]
pub struct LockingClause {
    pub strength: LockStrength,
    pub of: Vec<ObjectName>,
    pub wait: LockWait,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockStrength {
    Update,
    NoKeyUpdate,
    Share,
    KeyShare,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockWait {
    Wait,
    NoWait,
    SkipLocked,
}

/// The body of a query: a SELECT, VALUES, a parenthesised query, or a set operation.
#[derive(Debug, Clone, PartialEq)]
pub enum SetExpr {
    Select(Box<Select>),
    Values(Values),
    Query(Box<Query>),
    SetOperation {
        op: SetOperator,
        all: bool,
        left: Box<SetExpr>,
        right: Box<SetExpr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOperator {
    Union,
    Intersect,
    Except,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Values {
    pub rows: Vec<Vec<Expr>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    pub distinct: Option<Distinct>,
    pub projection: Vec<SelectItem>,
    /// Comma-separated FROM items; each may be a join tree.
    pub from: Vec<TableWithJoins>,
    pub selection: Option<Expr>,
    pub group_by: Vec<Expr>,
    pub having: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Distinct {
    All,
    On(Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    /// An expression with an optional alias.
    Expr { expr: Expr, alias: Option<Ident> },
    /// `*`.
    Wildcard(Span),
    /// `t.*`.
    QualifiedWildcard(ObjectName),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableWithJoins {
    pub relation: TableFactor,
    pub joins: Vec<Join>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TableFactor {
    Table {
        name: ObjectName,
        alias: Option<TableAlias>,
    },
    Derived {
        lateral: bool,
        subquery: Box<Query>,
        alias: Option<TableAlias>,
    },
    /// A function in FROM: `generate_series(1, 10) AS g(i)`.
    Function {
        name: ObjectName,
        args: Vec<Expr>,
        /// `WITH ORDINALITY`: a bigint column numbering the rows from 1 follows the function's.
        with_ordinality: bool,
        alias: Option<TableAlias>,
    },
    /// A parenthesised join tree.
    NestedJoin(Box<TableWithJoins>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableAlias {
    pub name: Ident,
    pub columns: Vec<Ident>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Join {
    pub relation: TableFactor,
    pub kind: JoinKind,
    pub constraint: JoinConstraint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
    Cross,
}

#[derive(Debug, Clone, PartialEq)]
pub enum JoinConstraint {
    On(Expr),
    Using(Vec<Ident>),
    Natural,
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderByExpr {
    pub expr: Expr,
    /// `Some(true)` for ASC, `Some(false)` for DESC.
    pub asc: Option<bool>,
    /// `Some(true)` for NULLS FIRST.
    pub nulls_first: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Insert {
    pub table: ObjectName,
    pub alias: Option<Ident>,
    pub columns: Vec<Ident>,
    /// `OVERRIDING SYSTEM VALUE` / `OVERRIDING USER VALUE`.
    pub overriding: Option<Overriding>,
    pub source: InsertSource,
    pub on_conflict: Option<OnConflict>,
    pub returning: Vec<SelectItem>,
}

/// Whose value an INSERT puts into identity columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overriding {
    /// The statement's: explicit values go even into `GENERATED ALWAYS` columns.
    System,
    /// The sequence's: explicit values for identity columns are ignored.
    User,
}

#[derive(Debug, Clone, PartialEq)]
pub enum InsertSource {
    Query(Box<Query>),
    DefaultValues,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OnConflict {
    /// The conflict target's columns (empty when there is none or it names a constraint).
    pub target: Vec<Ident>,
    /// `ON CONFLICT (columns) WHERE predicate`: selects partial unique indexes. db001 has no
    /// partial indexes, and a full unique index satisfies every predicate, so it only has to
    /// bind.
    pub target_predicate: Option<Expr>,
    /// `ON CONFLICT ON CONSTRAINT name`.
    pub constraint: Option<Ident>,
    pub action: OnConflictAction,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OnConflictAction {
    DoNothing,
    DoUpdate {
        assignments: Vec<Assignment>,
        selection: Option<Expr>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub column: Ident,
    /// `DEFAULT` when `None`.
    pub value: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub table: ObjectName,
    pub alias: Option<Ident>,
    pub assignments: Vec<Assignment>,
    pub from: Vec<TableWithJoins>,
    pub selection: Option<Expr>,
    pub returning: Vec<SelectItem>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    pub table: ObjectName,
    pub alias: Option<Ident>,
    pub using: Vec<TableWithJoins>,
    pub selection: Option<Expr>,
    pub returning: Vec<SelectItem>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreateTable {
    pub if_not_exists: bool,
    pub name: ObjectName,
    pub columns: Vec<ColumnDef>,
    pub constraints: Vec<TableConstraint>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDef {
    pub name: Ident,
    pub data_type: TypeName,
    pub constraints: Vec<ColumnConstraint>,
}

/// A type as written: `integer`, `varchar(20)`, `numeric(12, 2)`, `double precision`, `int[]`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeName {
    /// The canonical lower-case name, multi-word names joined by one space. Every spelling of
    /// a built-in type maps to one name: `integer`, `smallint`, `bigint`, `real`,
    /// `double precision`, `numeric`, `boolean`, `character`, `character varying`, `timestamp`
    /// (also `timestamp without time zone`), `timestamptz` (also `timestamp with time zone`),
    /// `time`, `timetz`, `interval`; other names as written (`text`, `date`, `uuid`, `bytea`,
    /// `json`, `jsonb`, `serial`, `bigserial`, ...), `pg_catalog.` dropped, other schemas kept
    /// as `schema.name`.
    pub name: String,
    /// Type modifiers: `varchar(20)` has `[20]`, `numeric(12,2)` has `[12, 2]`.
    pub modifiers: Vec<i64>,
    /// Number of `[]` suffixes.
    pub array_dims: u32,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnConstraint {
    pub name: Option<Ident>,
    pub kind: ColumnConstraintKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ColumnConstraintKind {
    NotNull,
    Null,
    PrimaryKey,
    Unique,
    Default(Expr),
    Check(Expr),
    References {
        table: ObjectName,
        columns: Vec<Ident>,
        on_delete: Option<ReferentialAction>,
        on_update: Option<ReferentialAction>,
    },
    /// `GENERATED { ALWAYS | BY DEFAULT } AS IDENTITY [( sequence options )]`.
    Identity {
        always: bool,
        options: Vec<SequenceOption>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableConstraint {
    pub name: Option<Ident>,
    pub kind: TableConstraintKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TableConstraintKind {
    PrimaryKey(Vec<Ident>),
    Unique(Vec<Ident>),
    Check(Expr),
    ForeignKey {
        columns: Vec<Ident>,
        table: ObjectName,
        referred_columns: Vec<Ident>,
        on_delete: Option<ReferentialAction>,
        on_update: Option<ReferentialAction>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferentialAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DropTable {
    pub if_exists: bool,
    pub names: Vec<ObjectName>,
    pub cascade: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreateIndex {
    pub unique: bool,
    pub if_not_exists: bool,
    /// Optional: PostgreSQL makes up a name when it is omitted.
    pub name: Option<Ident>,
    pub table: ObjectName,
    pub columns: Vec<OrderByExpr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DropIndex {
    pub if_exists: bool,
    pub names: Vec<ObjectName>,
    pub cascade: bool,
}

/// An expression. Every variant that an error can point at carries its span.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A column reference, one to three parts: `c`, `t.c`, `s.t.c`.
    Column(Vec<Ident>),
    Literal(Literal, Span),
    /// `$n`, 1-based.
    Parameter(u32, Span),
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
        span: Span,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
        span: Span,
    },
    /// `expr IS [NOT] NULL`, `IS [NOT] TRUE`, ...
    Is {
        expr: Box<Expr>,
        negated: bool,
        test: IsTest,
        span: Span,
    },
    /// `expr IS [NOT] DISTINCT FROM expr`.
    IsDistinctFrom {
        left: Box<Expr>,
        right: Box<Expr>,
        negated: bool,
        span: Span,
    },
    /// `expr [NOT] BETWEEN low AND high`.
    Between {
        expr: Box<Expr>,
        negated: bool,
        low: Box<Expr>,
        high: Box<Expr>,
        span: Span,
    },
    /// `expr [NOT] IN (list)`.
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
        span: Span,
    },
    /// `expr [NOT] IN (subquery)`.
    InSubquery {
        expr: Box<Expr>,
        subquery: Box<Query>,
        negated: bool,
        span: Span,
    },
    /// `expr op ANY|ALL (subquery or array)`.
    AnyAll {
        left: Box<Expr>,
        op: BinaryOp,
        all: bool,
        right: Box<Expr>,
        span: Span,
    },
    /// `expr [NOT] LIKE | ILIKE pattern [ESCAPE e]`.
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        escape: Option<Box<Expr>>,
        negated: bool,
        case_insensitive: bool,
        span: Span,
    },
    /// `CAST(expr AS type)` or `expr::type`.
    Cast {
        expr: Box<Expr>,
        data_type: TypeName,
        span: Span,
    },
    /// A typed literal: `timestamp '2020-01-01'`, `interval '1 day'`.
    TypedString {
        data_type: TypeName,
        value: String,
        span: Span,
    },
    /// `CASE [operand] WHEN ... THEN ... [ELSE ...] END`.
    Case {
        operand: Option<Box<Expr>>,
        when_then: Vec<(Expr, Expr)>,
        else_result: Option<Box<Expr>>,
        span: Span,
    },
    /// A function call, including aggregates and window functions.
    Function(Box<FunctionCall>),
    /// `(subquery)` as a scalar.
    Subquery(Box<Query>, Span),
    /// `ARRAY(subquery)`: the subquery's values as an array.
    ArraySubquery(Box<Query>, Span),
    /// `[NOT] EXISTS (subquery)`.
    Exists {
        subquery: Box<Query>,
        negated: bool,
        span: Span,
    },
    /// `ARRAY[...]`.
    Array(Vec<Expr>, Span),
    /// `(a, b, ...)`: a row constructor.
    Row(Vec<Expr>, Span),
    /// `expr[index]`.
    Subscript {
        expr: Box<Expr>,
        index: Box<Expr>,
        span: Span,
    },
    /// `(expr).field`: one field of a composite value.
    FieldSelect {
        expr: Box<Expr>,
        field: Ident,
        span: Span,
    },
    /// `(expr).*`: every field of a composite value, as separate columns of a select list.
    FieldWildcard {
        expr: Box<Expr>,
        span: Span,
    },
    /// `expr COLLATE name`.
    Collate {
        expr: Box<Expr>,
        collation: ObjectName,
        span: Span,
    },
    /// Parenthesised expression, kept so `Display` round-trips and spans stay right.
    Nested(Box<Expr>, Span),
    /// `DEFAULT` as a value: meaningful only as an item of `INSERT ... VALUES`, where it asks
    /// for the column's default. PostgreSQL's grammar accepts it anywhere an expression may
    /// stand and its analyser rejects it elsewhere with 42601 `DEFAULT is not allowed in this
    /// context`; the binder does the same. (`UPDATE ... SET c = DEFAULT` is
    /// [`Assignment::value`] `None` instead.)
    Default(Span),
}

#[derive(Debug, Clone, PartialEq)]
pub struct FunctionCall {
    pub name: ObjectName,
    pub args: Vec<Expr>,
    /// `count(*)`.
    pub star: bool,
    pub distinct: bool,
    /// `ORDER BY` inside the argument list: `string_agg(x, ',' ORDER BY y)`.
    pub order_by: Vec<OrderByExpr>,
    /// `FILTER (WHERE ...)`.
    pub filter: Option<Box<Expr>>,
    /// `OVER (...)`.
    pub over: Option<WindowSpec>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WindowSpec {
    pub partition_by: Vec<Expr>,
    pub order_by: Vec<OrderByExpr>,
    pub frame: Option<WindowFrame>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WindowFrame {
    pub units: WindowFrameUnits,
    pub start: WindowFrameBound,
    pub end: Option<WindowFrameBound>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowFrameUnits {
    Rows,
    Range,
    Groups,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WindowFrameBound {
    CurrentRow,
    UnboundedPreceding,
    UnboundedFollowing,
    Preceding(Box<Expr>),
    Following(Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A numeric literal as written (`42`, `3.14`, `1e10`); the binder decides its type as
    /// PostgreSQL does (int4, int8, numeric). A unary minus written directly before a number
    /// is folded into it (`-5` is `Number("-5")`), as PostgreSQL's grammar folds it, so
    /// `-2147483648` is one int4 literal.
    Number(String),
    /// A string literal with escapes already processed.
    String(String),
    Boolean(bool),
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Plus,
    Minus,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Plus,
    Minus,
    Multiply,
    Divide,
    Modulo,
    /// `^`
    Exponent,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
    /// `||`
    Concat,
    /// `~`, `~*`, `!~`, `!~*`
    RegexMatch {
        case_insensitive: bool,
        negated: bool,
    },
    /// `->`
    JsonGet,
    /// `->>`
    JsonGetText,
    /// `#>`
    JsonPath,
    /// `#>>`
    JsonPathText,
    /// `@>`
    Contains,
    /// `<@`
    ContainedBy,
    /// `&`, `|`, `#`, `<<`, `>>`
    BitAnd,
    BitOr,
    BitXor,
    ShiftLeft,
    ShiftRight,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsTest {
    Null,
    True,
    False,
    Unknown,
}

impl Expr {
    /// The span of the expression's text.
    pub fn span(&self) -> Span {
        match self {
            Expr::Column(parts) => Span {
                start: parts.first().map_or(0, |p| p.span.start),
                end: parts.last().map_or(0, |p| p.span.end),
            },
            Expr::Function(call) => call.span,
            Expr::Literal(_, span)
            | Expr::Parameter(_, span)
            | Expr::Unary { span, .. }
            | Expr::Binary { span, .. }
            | Expr::Is { span, .. }
            | Expr::IsDistinctFrom { span, .. }
            | Expr::Between { span, .. }
            | Expr::InList { span, .. }
            | Expr::InSubquery { span, .. }
            | Expr::AnyAll { span, .. }
            | Expr::Like { span, .. }
            | Expr::Cast { span, .. }
            | Expr::TypedString { span, .. }
            | Expr::Case { span, .. }
            | Expr::Subquery(_, span)
            | Expr::ArraySubquery(_, span)
            | Expr::Exists { span, .. }
            | Expr::Array(_, span)
            | Expr::Row(_, span)
            | Expr::Subscript { span, .. }
            | Expr::FieldSelect { span, .. }
            | Expr::FieldWildcard { span, .. }
            | Expr::Collate { span, .. }
            | Expr::Nested(_, span)
            | Expr::Default(span) => *span,
        }
    }
}

impl fmt::Display for Ident {
    /// Prints the identifier, quoted when it would not read back as itself.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = !self.value.is_empty()
            && self
                .value
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && self
                .value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$')
            && !crate::keywords::requires_quotes(&self.value);
        if plain {
            f.write_str(&self.value)
        } else {
            write!(f, "\"{}\"", self.value.replace('"', "\"\""))
        }
    }
}

/// `COPY table [(columns)] FROM STDIN | TO STDOUT [[WITH] options]` or `COPY (query) TO STDOUT`.
/// Files and programs on the server are not supported (psql's `\copy` uses STDIN/STDOUT).
#[derive(Debug, Clone, PartialEq)]
pub struct Copy {
    pub source: CopySource,
    /// `FROM STDIN` (true) or `TO STDOUT` (false).
    pub from: bool,
    pub options: Vec<CopyOption>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CopySource {
    Table {
        name: ObjectName,
        columns: Vec<Ident>,
    },
    Query(Box<Query>),
}

/// One COPY option, in either syntax: `FORMAT csv`, `HEADER`, `DELIMITER ','`, `NULL ''`,
/// `FORCE_QUOTE (a, b)`, `FREEZE on`. Names are lower case with `_` between words.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyOption {
    pub name: String,
    pub value: CopyOptionValue,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CopyOptionValue {
    /// The option alone (`HEADER`, `CSV`).
    None,
    /// A word, string or number as written (strings unquoted).
    Text(String),
    /// `*`.
    Star,
    /// `(column, ...)`.
    Columns(Vec<Ident>),
}

/// `CREATE ROLE` (`login` false), `CREATE USER` (`login` true by default).
#[derive(Debug, Clone, PartialEq)]
pub struct CreateRole {
    pub name: Ident,
    /// `USER` rather than `ROLE` or `GROUP`: LOGIN unless NOLOGIN is given.
    pub user: bool,
    pub options: Vec<RoleOption>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlterRole {
    pub name: Ident,
    pub action: AlterRoleAction,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AlterRoleAction {
    Options(Vec<RoleOption>),
    Rename(Ident),
}

/// A role attribute of CREATE / ALTER ROLE.
#[derive(Debug, Clone, PartialEq)]
pub enum RoleOption {
    /// `SUPERUSER`, `NOCREATEDB`, ...: the attribute name without `NO`, lower case, and whether
    /// it is granted.
    Flag { name: String, value: bool },
    /// `CONNECTION LIMIT n`.
    ConnectionLimit(i32),
    /// `[ENCRYPTED] PASSWORD 'text'`; `None` is `PASSWORD NULL`.
    Password(Option<String>),
    /// `VALID UNTIL 'timestamp'`.
    ValidUntil(String),
}

/// What `DISCARD` throws away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscardTarget {
    All,
    Plans,
    Sequences,
    Temp,
}
