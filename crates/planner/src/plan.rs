//! Physical plans and bound expressions: what the executor runs.
//!
//! Everything here is resolved: columns are positions in the input row, types are decided,
//! tables are handles to their storage. Parameters stay symbolic (`Expr::Parameter`) so a plan
//! can be executed many times with different values.

use std::sync::Arc;

use db001_catalog::TableSchema;
use db001_common::{DataType, Value};
use db001_storage::Table;

/// A table as a plan refers to it.
#[derive(Debug, Clone)]
pub struct TableRef {
    pub schema: Arc<TableSchema>,
    pub storage: Arc<Table>,
    /// For the target of INSERT, UPDATE and DELETE: the constraints its writes must keep
    /// (see [`crate::rules`]); `None` for tables that are only read.
    pub rules: Option<Arc<crate::rules::WriteRules>>,
}

/// A bound scalar expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Position in the input row.
    Column(usize),
    Literal(Value),
    /// 0-based parameter index.
    Parameter(usize),
    /// Position in the current row of the enclosing nested loop's outer (left) input: lets the
    /// inner side of a join look up an index with values from the outer row.
    OuterColumn(usize),
    Negate(Box<Expr>),
    Not(Box<Expr>),
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    /// `IS [NOT] TRUE / FALSE` (`value`), `IS [NOT] UNKNOWN` is IsNull.
    IsBool {
        expr: Box<Expr>,
        value: bool,
        negated: bool,
    },
    IsDistinctFrom {
        left: Box<Expr>,
        right: Box<Expr>,
        negated: bool,
    },
    Cast {
        expr: Box<Expr>,
        to: DataType,
    },
    Function {
        function: Function,
        args: Vec<Expr>,
    },
    Case {
        operand: Option<Box<Expr>>,
        when_then: Vec<(Expr, Expr)>,
        else_result: Option<Box<Expr>>,
    },
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        negated: bool,
        case_insensitive: bool,
    },
    /// The i-th value a correlated subquery receives from the row of the query around it (see
    /// [`SubqueryExpr::correlated`]). Fixed for one run of the subquery's plan, like a parameter.
    Correlated(usize),
    /// A subquery used as a value: scalar, `EXISTS`, `IN`, `op ANY/ALL`.
    Subquery(Box<SubqueryExpr>),
}

/// A subquery inside an expression.
///
/// Its plan is a separate query level: column positions inside it refer to its own rows, and
/// values of the enclosing row reach it only through `correlated`, evaluated over the enclosing
/// row before each run and read inside as [`Expr::Correlated`]. A subquery with no correlated
/// values gives the same answer for every row, so the executor runs it at most once per
/// statement.
#[derive(Debug, Clone)]
pub struct SubqueryExpr {
    pub kind: SubqueryKind,
    pub plan: Plan,
    pub correlated: Vec<Expr>,
}

impl PartialEq for SubqueryExpr {
    /// Two subqueries are the same expression only if they are the same node: plans are not
    /// compared (a query has no cheap structural equality, and false negatives only cost a
    /// duplicate hidden column).
    fn eq(&self, other: &SubqueryExpr) -> bool {
        std::ptr::eq(self, other)
    }
}

/// What a subquery expression computes from its rows.
#[derive(Debug, Clone, PartialEq)]
pub enum SubqueryKind {
    /// `(SELECT x ...)`: the single value; NULL without rows; 21000 with more than one row.
    Scalar,
    /// `EXISTS (...)`: whether there is a row.
    Exists,
    /// `ARRAY(...)`: the values of every row as an array of this type (empty without rows).
    Array(DataType),
    /// `left op ANY (...)` (`IN` is `= ANY`) or `left op ALL (...)`, with SQL's NULL rules.
    Compare {
        left: Box<Expr>,
        op: BinaryOp,
        all: bool,
    },
}

/// Binary operators after binding (both operands already have compatible types).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
    Power,
    Concat,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
}

impl BinaryOp {
    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq
                | BinaryOp::NotEq
                | BinaryOp::Lt
                | BinaryOp::LtEq
                | BinaryOp::Gt
                | BinaryOp::GtEq
        )
    }

    /// The operator with its operands swapped (`a < b` ⇔ `b > a`).
    pub fn flip(self) -> BinaryOp {
        match self {
            BinaryOp::Lt => BinaryOp::Gt,
            BinaryOp::LtEq => BinaryOp::GtEq,
            BinaryOp::Gt => BinaryOp::Lt,
            BinaryOp::GtEq => BinaryOp::LtEq,
            other => other,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Subtract => "-",
            BinaryOp::Multiply => "*",
            BinaryOp::Divide => "/",
            BinaryOp::Modulo => "%",
            BinaryOp::Power => "^",
            BinaryOp::Concat => "||",
            BinaryOp::Eq => "=",
            BinaryOp::NotEq => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
        }
    }
}

/// Scalar functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    Abs,
    Coalesce,
    NullIf,
    Greatest,
    Least,
    Lower,
    Upper,
    Length,
    Round,
    Trunc,
    Floor,
    Ceil,
    Version,
    CurrentDatabase,
    CurrentSchema,
    CurrentUser,
    PgBackendPid,
    Random,
    /// The function library (`crate::builtin`).
    Builtin(crate::builtin::Builtin),
}

/// Aggregate functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFunction {
    /// `count(*)`.
    CountStar,
    Count,
    Sum,
    Avg,
    Min,
    Max,
    /// `json_agg(x)`: a JSON array of the values, NULLs included.
    JsonAgg,
    /// `jsonb_agg(x)`.
    JsonbAgg,
    /// `array_agg(x)`: an array of the values, NULLs included.
    ArrayAgg,
    /// `bool_and` / `every`.
    BoolAnd,
    BoolOr,
    /// `string_agg(value, delimiter)`.
    StringAgg,
}

impl AggregateFunction {
    /// The name EXPLAIN prints.
    pub fn name(self) -> &'static str {
        match self {
            AggregateFunction::CountStar | AggregateFunction::Count => "count",
            AggregateFunction::Sum => "sum",
            AggregateFunction::Avg => "avg",
            AggregateFunction::Min => "min",
            AggregateFunction::Max => "max",
            AggregateFunction::BoolAnd => "bool_and",
            AggregateFunction::BoolOr => "bool_or",
            AggregateFunction::StringAgg => "string_agg",
            AggregateFunction::JsonAgg => "json_agg",
            AggregateFunction::JsonbAgg => "jsonb_agg",
            AggregateFunction::ArrayAgg => "array_agg",
        }
    }
}

/// One aggregate computed by an Aggregate node (or over a window frame).
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateCall {
    pub function: AggregateFunction,
    /// The arguments (none for `count(*)`).
    pub args: Vec<Expr>,
    pub distinct: bool,
    /// `FILTER (WHERE ...)`: rows for which it is not true are skipped.
    pub filter: Option<Expr>,
    /// `ORDER BY` inside the call: the order values are fed in (matters for `string_agg`).
    pub order_by: Vec<SortKey>,
    /// The result type.
    pub data_type: DataType,
}

/// Functions that need a window (`OVER (...)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowFunction {
    RowNumber,
    Rank,
    DenseRank,
    PercentRank,
    CumeDist,
    Ntile,
    Lag,
    Lead,
    FirstValue,
    LastValue,
    NthValue,
    /// An aggregate over the frame.
    Aggregate(AggregateFunction),
}

impl WindowFunction {
    /// The name EXPLAIN prints.
    pub fn name(self) -> &'static str {
        match self {
            WindowFunction::RowNumber => "row_number",
            WindowFunction::Rank => "rank",
            WindowFunction::DenseRank => "dense_rank",
            WindowFunction::PercentRank => "percent_rank",
            WindowFunction::CumeDist => "cume_dist",
            WindowFunction::Ntile => "ntile",
            WindowFunction::Lag => "lag",
            WindowFunction::Lead => "lead",
            WindowFunction::FirstValue => "first_value",
            WindowFunction::LastValue => "last_value",
            WindowFunction::NthValue => "nth_value",
            WindowFunction::Aggregate(function) => function.name(),
        }
    }
}

/// One window function computed by a Window node.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowCall {
    pub function: WindowFunction,
    pub args: Vec<Expr>,
    /// `FILTER (WHERE ...)` of an aggregate over a window.
    pub filter: Option<Expr>,
    pub partition_by: Vec<Expr>,
    pub order_by: Vec<SortKey>,
    pub frame: WindowFrame,
    pub data_type: DataType,
}

/// The rows of its partition a window function's value is computed over.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowFrame {
    pub units: FrameUnits,
    pub start: FrameBound,
    pub end: FrameBound,
}

impl WindowFrame {
    /// SQL's default frame: `RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW` (the whole
    /// partition when there is no ORDER BY, since then every row is a peer of every other).
    pub fn default_frame() -> WindowFrame {
        WindowFrame {
            units: FrameUnits::Range,
            start: FrameBound::UnboundedPreceding,
            end: FrameBound::CurrentRow,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameUnits {
    Rows,
    Range,
    Groups,
}

/// One end of a frame; offsets are evaluated once per partition row.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameBound {
    UnboundedPreceding,
    Preceding(Expr),
    CurrentRow,
    Following(Expr),
    UnboundedFollowing,
}

/// One ORDER BY key.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub expr: Expr,
    pub descending: bool,
    pub nulls_first: bool,
}

/// How a scan reaches its rows.
#[derive(Debug, Clone)]
pub enum Access {
    Sequential,
    /// A range of an index. The bounds are expressions evaluated at run time (they may hold
    /// parameters), each a prefix of the index's columns.
    Index {
        index_id: u32,
        index_name: String,
        lower: IndexBound,
        upper: IndexBound,
        reverse: bool,
    },
}

/// One end of an index range.
#[derive(Debug, Clone)]
pub enum IndexBound {
    Unbounded,
    /// Key values (a prefix of the index columns), with the column types to cast them to.
    Included(Vec<(Expr, DataType)>),
    Excluded(Vec<(Expr, DataType)>),
}

/// A physical plan node. Each produces rows of a fixed width.
#[derive(Debug, Clone)]
pub enum Plan {
    /// One row with no columns: `SELECT` without FROM.
    Single,
    /// Literal rows.
    Values {
        rows: Vec<Vec<Expr>>,
    },
    /// Rows of a table, optionally followed by the row id as a trailing `bigint` column (for
    /// UPDATE and DELETE).
    Scan {
        table: TableRef,
        access: Access,
        filter: Option<Expr>,
        with_row_id: bool,
        /// The name the query gave the table (`FROM orders o`), for EXPLAIN.
        alias: Option<String>,
    },
    /// Rows of a set-returning function in FROM.
    FunctionScan {
        function: TableFunction,
        args: Vec<Expr>,
        /// `WITH ORDINALITY`: each row also gets its number (bigint, from 1).
        ordinality: bool,
        /// The name the query gave it, for EXPLAIN.
        alias: Option<String>,
    },
    Filter {
        input: Box<Plan>,
        predicate: Expr,
    },
    Project {
        input: Box<Plan>,
        exprs: Vec<Expr>,
    },
    /// Output: the group-by values, then one column per aggregate.
    Aggregate {
        input: Box<Plan>,
        group_by: Vec<Expr>,
        aggregates: Vec<AggregateCall>,
    },
    Sort {
        input: Box<Plan>,
        keys: Vec<SortKey>,
    },
    Distinct {
        input: Box<Plan>,
    },
    /// `DISTINCT ON (keys)`: the first row of each run of rows with equal keys (the input is
    /// sorted so that equal keys are adjacent).
    DistinctOn {
        input: Box<Plan>,
        keys: Vec<Expr>,
    },
    Limit {
        input: Box<Plan>,
        limit: Option<Expr>,
        offset: Option<Expr>,
    },
    /// Nested-loop join; output is the left row then the right row (the left row alone for
    /// semi and anti joins). `condition` reads the combined row. The right side may read the
    /// current left row through [`Expr::OuterColumn`] (an index nested loop), except in right
    /// and full joins, whose right side is run once.
    NestedLoopJoin {
        left: Box<Plan>,
        right: Box<Plan>,
        condition: Option<Expr>,
        kind: JoinKind,
        right_width: usize,
    },
    /// Hash join: builds a hash table on the right input's `right_keys`, probes it with each
    /// left row's `left_keys` (NULL keys never match), then checks `condition` on the combined
    /// row. Output as for [`Plan::NestedLoopJoin`].
    HashJoin {
        left: Box<Plan>,
        right: Box<Plan>,
        left_keys: Vec<Expr>,
        right_keys: Vec<Expr>,
        condition: Option<Expr>,
        kind: JoinKind,
        right_width: usize,
    },
    /// `UNION ALL`: every input's rows in turn.
    Append {
        inputs: Vec<Plan>,
    },
    /// `INTERSECT [ALL]` and `EXCEPT [ALL]` (rows compare with NULLs equal).
    SetOp {
        op: SetOpKind,
        all: bool,
        left: Box<Plan>,
        right: Box<Plan>,
    },
    /// `WITH RECURSIVE`: the anchor's rows, then the recursive term run again and again over
    /// the rows the previous round produced (its [`Plan::WorkTableScan`]) until a round adds
    /// nothing. `distinct` (UNION rather than UNION ALL) drops rows already produced.
    RecursiveUnion {
        name: String,
        work_table: usize,
        anchor: Box<Plan>,
        recursive: Box<Plan>,
        distinct: bool,
    },
    /// The previous round's rows of the [`Plan::RecursiveUnion`] with the same `work_table`.
    WorkTableScan {
        name: String,
        work_table: usize,
        /// The recursive query's column names.
        columns: Vec<String>,
    },
    /// The rows of a WITH query that the statement reads more than once: computed the first
    /// time any reference is read and shared by every reference (so that `random()` in it
    /// gives every reference the same values, as PostgreSQL's CTE Scan does). The optimizer
    /// inlines a WITH query read only once.
    Materialize {
        id: usize,
        label: CteLabel,
        input: Box<Plan>,
    },
    /// Window functions: each input row followed by one value per call.
    Window {
        input: Box<Plan>,
        calls: Vec<WindowCall>,
    },
    /// Set-returning functions in the select list (PostgreSQL's ProjectSet): for each input
    /// row, the calls run in lockstep; the row is repeated as many times as the longest call
    /// returns values, followed by one value per call (NULL once a shorter call is done). A
    /// row for which every call returns nothing disappears.
    ProjectSet {
        input: Box<Plan>,
        calls: Vec<SetCall>,
    },
}

/// One set-returning function call of a [`Plan::ProjectSet`]; its arguments read the input row.
#[derive(Debug, Clone)]
pub struct SetCall {
    pub function: SetFunction,
    pub args: Vec<Expr>,
    pub data_type: DataType,
}

/// Set-returning functions usable in the select list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetFunction {
    /// `generate_series(start, stop [, step])` over integers or numerics.
    GenerateSeries,
    /// `unnest(array)`: the elements.
    Unnest,
    /// `generate_subscripts(array, dimension [, reverse])`: the subscripts of a dimension.
    GenerateSubscripts,
    /// `information_schema._pg_expandarray(array)`: a record `(x, n)` per element.
    ExpandArray,
}

impl SetFunction {
    /// The name EXPLAIN and error messages use.
    pub fn name(self) -> &'static str {
        match self {
            SetFunction::GenerateSeries => "generate_series",
            SetFunction::Unnest => "unnest",
            SetFunction::GenerateSubscripts => "generate_subscripts",
            SetFunction::ExpandArray => "_pg_expandarray",
        }
    }
}

/// How EXPLAIN names a WITH query's reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CteLabel {
    pub name: String,
    /// The alias of this reference (`FROM c AS x`).
    pub alias: Option<String>,
    pub columns: Vec<String>,
}

/// How a join combines its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    /// Unmatched left rows too, with NULLs for the right side.
    Left,
    /// Unmatched right rows too, with NULLs for the left side.
    Right,
    Full,
    /// Each left row that has a match, once (EXISTS, IN).
    Semi,
    /// Each left row that has no match (NOT EXISTS).
    Anti,
}

impl JoinKind {
    /// Whether output rows carry the right side's columns.
    pub fn emits_right(self) -> bool {
        !matches!(self, JoinKind::Semi | JoinKind::Anti)
    }

    /// Whether unmatched left rows are output.
    pub fn keeps_left(self) -> bool {
        matches!(self, JoinKind::Left | JoinKind::Full | JoinKind::Anti)
    }

    /// Whether unmatched right rows are output.
    pub fn keeps_right(self) -> bool {
        matches!(self, JoinKind::Right | JoinKind::Full)
    }

    /// The same join with its inputs swapped.
    pub fn swapped(self) -> Option<JoinKind> {
        Some(match self {
            JoinKind::Inner => JoinKind::Inner,
            JoinKind::Left => JoinKind::Right,
            JoinKind::Right => JoinKind::Left,
            JoinKind::Full => JoinKind::Full,
            JoinKind::Semi | JoinKind::Anti => return None,
        })
    }
}

/// `INTERSECT` or `EXCEPT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOpKind {
    Intersect,
    Except,
}

/// Set-returning functions usable in FROM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFunction {
    /// `generate_series(start, stop [, step])` over integers or numerics: one column.
    GenerateSeries,
    /// `unnest(array)`: the elements, one column.
    Unnest,
    /// `pg_partition_ancestors(regclass)`: a partition and its ancestors. db001 has no
    /// partitioned tables, so no table is a partition and the set is always empty, as
    /// PostgreSQL's is for an ordinary table.
    PartitionAncestors,
}

impl TableFunction {
    /// The function's name (EXPLAIN's relation name without an alias).
    pub fn name(self) -> &'static str {
        match self {
            TableFunction::GenerateSeries => "generate_series",
            TableFunction::Unnest => "unnest",
            TableFunction::PartitionAncestors => "pg_partition_ancestors",
        }
    }
}

/// A result column of a query.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputColumn {
    pub name: String,
    pub data_type: DataType,
    pub table_oid: u32,
    pub column_number: i16,
}

/// Where an inserted column's value comes from.
#[derive(Debug, Clone)]
pub enum InsertValue {
    /// The n-th column of the source row.
    Source(usize),
    /// A DEFAULT expression (no column references).
    Default(Expr),
    Null,
}

/// What a bound statement does.
#[derive(Debug, Clone)]
pub enum BoundStatement {
    Query {
        plan: Plan,
        columns: Vec<OutputColumn>,
        /// `FOR UPDATE / FOR SHARE`: the rows to lock before the query runs.
        lock: Option<LockRows>,
    },
    Insert {
        table: TableRef,
        source: Plan,
        /// One entry per table column.
        values: Vec<InsertValue>,
        returning: Option<Returning>,
        /// `ON CONFLICT ...`.
        on_conflict: Option<Box<OnConflict>>,
    },
    Update {
        table: TableRef,
        /// Produces the table's columns followed by the row id.
        scan: Plan,
        /// (column position, new value over the scan row).
        assignments: Vec<(usize, Expr)>,
        returning: Option<Returning>,
    },
    Delete {
        table: TableRef,
        scan: Plan,
        returning: Option<Returning>,
    },
}

/// `INSERT ... ON CONFLICT`: what counts as a conflict and what to do about it.
#[derive(Debug, Clone)]
pub struct OnConflict {
    /// The unique indexes a conflict is looked for in (the arbiters). Empty for a DO NOTHING
    /// without target: every unique index arbitrates then.
    pub arbiters: Vec<u32>,
    /// `None` for DO NOTHING.
    pub update: Option<ConflictUpdate>,
}

/// `DO UPDATE SET ... [WHERE ...]`. Expressions read the existing row's columns followed by
/// the proposed row's (`excluded`).
#[derive(Debug, Clone)]
pub struct ConflictUpdate {
    /// (column position, new value).
    pub assignments: Vec<(usize, Expr)>,
    pub predicate: Option<Expr>,
}

/// The rows a `SELECT ... FOR UPDATE` locks: a scan of one table (with row ids) filtered by the
/// query's WHERE clause; the strongest requested lock strength and the strictest wait policy
/// (NOWAIT over SKIP LOCKED over waiting, as PostgreSQL combines clauses).
#[derive(Debug, Clone)]
pub struct LockRows {
    pub table: TableRef,
    /// The table's alias in FROM, if it has one (`FOR UPDATE OF` may name it).
    pub alias: Option<String>,
    pub scan: Plan,
    pub strength: db001_sql::ast::LockStrength,
    pub wait: db001_sql::ast::LockWait,
}

/// A RETURNING list: expressions over the written row.
#[derive(Debug, Clone)]
pub struct Returning {
    pub exprs: Vec<Expr>,
    pub columns: Vec<OutputColumn>,
}

impl BoundStatement {
    /// The result columns, if the statement returns rows.
    pub fn columns(&self) -> Option<&[OutputColumn]> {
        match self {
            BoundStatement::Query { columns, .. } => Some(columns),
            BoundStatement::Insert { returning, .. }
            | BoundStatement::Update { returning, .. }
            | BoundStatement::Delete { returning, .. } => {
                returning.as_ref().map(|r| r.columns.as_slice())
            }
        }
    }
}
