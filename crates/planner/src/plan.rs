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
}

/// One aggregate computed by an Aggregate node.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateCall {
    pub function: AggregateFunction,
    /// The argument (none for `count(*)`).
    pub arg: Option<Expr>,
    pub distinct: bool,
    /// The result type.
    pub data_type: DataType,
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
    Limit {
        input: Box<Plan>,
        limit: Option<Expr>,
        offset: Option<Expr>,
    },
    /// Inner (or left outer) nested-loop join; output is left row then right row.
    NestedLoopJoin {
        left: Box<Plan>,
        right: Box<Plan>,
        condition: Option<Expr>,
        left_outer: bool,
        right_width: usize,
    },
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
/// query's WHERE clause.
#[derive(Debug, Clone)]
pub struct LockRows {
    pub table: TableRef,
    pub scan: Plan,
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
