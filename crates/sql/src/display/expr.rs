//! `Display` for expressions, function calls and window specifications.

use std::fmt::{self, Display, Formatter, Write};

use super::{QuotedString, comma_list, guarded};
use crate::ast::*;
use crate::keywords::{Category, Keyword};
use crate::parser::expr::{binary_level, level};

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        guarded(|| self.write(f))
    }
}

impl Expr {
    fn write(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Column(parts) => super::list(f, parts, "."),
            Expr::Literal(literal, _) => write!(f, "{literal}"),
            Expr::Parameter(number, _) => write!(f, "${number}"),
            Expr::Unary { op, expr, .. } => {
                // `NOT x`, `-x`, and `- -x` rather than the comment `--x`.
                let space = *op == UnaryOp::Not || starts_with_sign(expr);
                write!(f, "{op}{}{expr}", if space { " " } else { "" })
            }
            Expr::Binary {
                op, left, right, ..
            } => write!(f, "{left} {op} {right}"),
            Expr::Is {
                expr,
                negated,
                test,
                ..
            } => {
                let not = if *negated { "NOT " } else { "" };
                write!(f, "{expr} IS {not}{test}")
            }
            Expr::IsDistinctFrom {
                left,
                right,
                negated,
                ..
            } => {
                let not = if *negated { "NOT " } else { "" };
                write!(f, "{left} IS {not}DISTINCT FROM {right}")
            }
            Expr::Between {
                expr,
                negated,
                low,
                high,
                ..
            } => {
                let not = if *negated { "NOT " } else { "" };
                write!(f, "{expr} {not}BETWEEN {low} AND {high}")
            }
            Expr::InList {
                expr,
                list,
                negated,
                ..
            } => {
                let not = if *negated { "NOT " } else { "" };
                write!(f, "{expr} {not}IN (")?;
                comma_list(f, list)?;
                f.write_char(')')
            }
            Expr::InSubquery {
                expr,
                subquery,
                negated,
                ..
            } => {
                let not = if *negated { "NOT " } else { "" };
                write!(f, "{expr} {not}IN ({subquery})")
            }
            Expr::AnyAll {
                left,
                op,
                all,
                right,
                ..
            } => {
                let quantifier = if *all { "ALL" } else { "ANY" };
                match right.as_ref() {
                    Expr::Subquery(query, _) => write!(f, "{left} {op} {quantifier} ({query})"),
                    other => write!(f, "{left} {op} {quantifier} ({other})"),
                }
            }
            Expr::Like {
                expr,
                pattern,
                escape,
                negated,
                case_insensitive,
                ..
            } => {
                let not = if *negated { "NOT " } else { "" };
                let like = if *case_insensitive { "ILIKE" } else { "LIKE" };
                write!(f, "{expr} {not}{like} {pattern}")?;
                if let Some(escape) = escape {
                    write!(f, " ESCAPE {escape}")?;
                }
                Ok(())
            }
            Expr::Cast {
                expr, data_type, ..
            } => write!(f, "CAST({expr} AS {data_type})"),
            Expr::TypedString {
                data_type, value, ..
            } => write!(f, "{data_type} {}", QuotedString(value)),
            Expr::Case {
                operand,
                when_then,
                else_result,
                ..
            } => {
                f.write_str("CASE")?;
                if let Some(operand) = operand {
                    write!(f, " {operand}")?;
                }
                for (condition, result) in when_then {
                    write!(f, " WHEN {condition} THEN {result}")?;
                }
                if let Some(else_result) = else_result {
                    write!(f, " ELSE {else_result}")?;
                }
                f.write_str(" END")
            }
            Expr::Function(call) => write!(f, "{call}"),
            Expr::Subquery(query, _) => write!(f, "({query})"),
            Expr::ArraySubquery(query, _) => write!(f, "ARRAY({query})"),
            Expr::Exists {
                subquery, negated, ..
            } => {
                let not = if *negated { "NOT " } else { "" };
                write!(f, "{not}EXISTS ({subquery})")
            }
            Expr::Array(elements, _) => {
                f.write_str("ARRAY[")?;
                comma_list(f, elements)?;
                f.write_char(']')
            }
            Expr::Row(items, _) => {
                f.write_str("ROW(")?;
                comma_list(f, items)?;
                f.write_char(')')
            }
            Expr::Subscript { expr, index, .. } => write!(f, "{expr}[{index}]"),
            Expr::FieldSelect { expr, field, .. } => write!(f, "{expr}.{field}"),
            Expr::FieldWildcard { expr, .. } => write!(f, "{expr}.*"),
            Expr::Collate {
                expr, collation, ..
            } => write!(f, "{expr} COLLATE {collation}"),
            Expr::Nested(expr, _) => write!(f, "({expr})"),
            Expr::Default(_) => f.write_str("DEFAULT"),
        }
    }
}

/// Whether the expression's text begins with `+` or `-`.
fn starts_with_sign(expr: &Expr) -> bool {
    match expr {
        Expr::Unary {
            op: UnaryOp::Plus | UnaryOp::Minus,
            ..
        } => true,
        Expr::Literal(Literal::Number(text), _) => text.starts_with('-'),
        Expr::Binary { left, .. } => starts_with_sign(left),
        Expr::Is { expr, .. }
        | Expr::Between { expr, .. }
        | Expr::InList { expr, .. }
        | Expr::InSubquery { expr, .. }
        | Expr::Like { expr, .. }
        | Expr::Subscript { expr, .. }
        | Expr::Collate { expr, .. } => starts_with_sign(expr),
        Expr::IsDistinctFrom { left, .. } | Expr::AnyAll { left, .. } => starts_with_sign(left),
        _ => false,
    }
}

/// Functions PostgreSQL spells as bare keywords.
const KEYWORD_FUNCTIONS: &[&str] = &[
    "current_date",
    "current_role",
    "current_user",
    "session_user",
    "user",
    "current_catalog",
    "current_schema",
];

/// Keyword functions that take an optional precision.
const PRECISION_FUNCTIONS: &[&str] = &[
    "current_time",
    "current_timestamp",
    "localtime",
    "localtimestamp",
];

impl Display for FunctionCall {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let plain = !self.star
            && !self.distinct
            && self.order_by.is_empty()
            && self.filter.is_none()
            && self.over.is_none();
        if plain
            && let [name] = self.name.parts.as_slice()
            && special_syntax(f, &name.value, &self.args)?
        {
            return Ok(());
        }
        match self.name.parts.as_slice() {
            [name] => function_name_part(f, name)?,
            parts => super::list(f, parts, ".")?,
        }
        f.write_char('(')?;
        if self.star {
            f.write_char('*')?;
        } else {
            if self.distinct {
                f.write_str("DISTINCT ")?;
            }
            comma_list(f, &self.args)?;
        }
        if !self.order_by.is_empty() {
            f.write_str(" ORDER BY ")?;
            comma_list(f, &self.order_by)?;
        }
        f.write_char(')')?;
        if let Some(filter) = &self.filter {
            write!(f, " FILTER (WHERE {filter})")?;
        }
        if let Some(over) = &self.over {
            write!(f, " OVER ({over})")?;
        }
        Ok(())
    }
}

/// Prints a call in its special syntax when it has one and the arguments fit; returns whether
/// it printed anything.
fn special_syntax(f: &mut Formatter<'_>, name: &str, args: &[Expr]) -> Result<bool, fmt::Error> {
    if KEYWORD_FUNCTIONS.contains(&name) && args.is_empty() {
        f.write_str(&name.to_ascii_uppercase())?;
        return Ok(true);
    }
    if PRECISION_FUNCTIONS.contains(&name) {
        match args {
            [] => f.write_str(&name.to_ascii_uppercase())?,
            [Expr::Literal(Literal::Number(precision), _)]
                if precision.bytes().all(|byte| byte.is_ascii_digit()) =>
            {
                write!(f, "{}({precision})", name.to_ascii_uppercase())?;
            }
            _ => return Ok(false),
        }
        return Ok(true);
    }
    match (name, args) {
        ("coalesce" | "greatest" | "least" | "grouping", [_, ..])
        | ("nullif", [_, _])
        | ("substring" | "overlay", _) => {
            write!(f, "{}(", name.to_ascii_uppercase())?;
            comma_list(f, args)?;
            f.write_char(')')?;
            Ok(true)
        }
        ("extract", [Expr::Literal(Literal::String(field), _), source]) => {
            f.write_str("EXTRACT(")?;
            let word = !field.is_empty()
                && field
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte == b'_');
            if word {
                f.write_str(field)?;
            } else {
                write!(f, "{}", QuotedString(field))?;
            }
            write!(f, " FROM {source})")?;
            Ok(true)
        }
        ("position", [haystack, needle]) if is_b_expr(haystack) && is_b_expr(needle) => {
            write!(f, "POSITION({needle} IN {haystack})")?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

impl Display for WindowSpec {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let mut separator = "";
        if !self.partition_by.is_empty() {
            f.write_str("PARTITION BY ")?;
            comma_list(f, &self.partition_by)?;
            separator = " ";
        }
        if !self.order_by.is_empty() {
            write!(f, "{separator}ORDER BY ")?;
            comma_list(f, &self.order_by)?;
            separator = " ";
        }
        if let Some(frame) = &self.frame {
            write!(f, "{separator}{frame}")?;
        }
        Ok(())
    }
}

impl Display for WindowFrame {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.end {
            Some(end) => write!(f, "{} BETWEEN {} AND {end}", self.units, self.start),
            None => write!(f, "{} {}", self.units, self.start),
        }
    }
}

impl Display for WindowFrameUnits {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            WindowFrameUnits::Rows => "ROWS",
            WindowFrameUnits::Range => "RANGE",
            WindowFrameUnits::Groups => "GROUPS",
        })
    }
}

impl Display for UnaryOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UnaryOp::Plus => "+",
            UnaryOp::Minus => "-",
            UnaryOp::Not => "NOT",
        })
    }
}

impl Display for IsTest {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IsTest::Null => "NULL",
            IsTest::True => "TRUE",
            IsTest::False => "FALSE",
            IsTest::Unknown => "UNKNOWN",
        })
    }
}

impl Display for WindowFrameBound {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            WindowFrameBound::CurrentRow => f.write_str("CURRENT ROW"),
            WindowFrameBound::UnboundedPreceding => f.write_str("UNBOUNDED PRECEDING"),
            WindowFrameBound::UnboundedFollowing => f.write_str("UNBOUNDED FOLLOWING"),
            WindowFrameBound::Preceding(offset) => write!(f, "{offset} PRECEDING"),
            WindowFrameBound::Following(offset) => write!(f, "{offset} FOLLOWING"),
        }
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Number(text) => f.write_str(text),
            Literal::String(value) => write!(f, "{}", QuotedString(value)),
            Literal::Boolean(true) => f.write_str("TRUE"),
            Literal::Boolean(false) => f.write_str("FALSE"),
            Literal::Null => f.write_str("NULL"),
        }
    }
}

impl Display for BinaryOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BinaryOp::Plus => "+",
            BinaryOp::Minus => "-",
            BinaryOp::Multiply => "*",
            BinaryOp::Divide => "/",
            BinaryOp::Modulo => "%",
            BinaryOp::Exponent => "^",
            BinaryOp::Eq => "=",
            BinaryOp::NotEq => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::And => "AND",
            BinaryOp::Or => "OR",
            BinaryOp::Concat => "||",
            BinaryOp::RegexMatch {
                case_insensitive: false,
                negated: false,
            } => "~",
            BinaryOp::RegexMatch {
                case_insensitive: true,
                negated: false,
            } => "~*",
            BinaryOp::RegexMatch {
                case_insensitive: false,
                negated: true,
            } => "!~",
            BinaryOp::RegexMatch {
                case_insensitive: true,
                negated: true,
            } => "!~*",
            BinaryOp::JsonGet => "->",
            BinaryOp::JsonGetText => "->>",
            BinaryOp::JsonPath => "#>",
            BinaryOp::JsonPathText => "#>>",
            BinaryOp::Contains => "@>",
            BinaryOp::ContainedBy => "<@",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitOr => "|",
            BinaryOp::BitXor => "#",
            BinaryOp::ShiftLeft => "<<",
            BinaryOp::ShiftRight => ">>",
        })
    }
}

/// Whether an expression prints as a `b_expr`, so it may stand where PostgreSQL's grammar
/// allows only those (`POSITION(a IN b)`): no boolean operators, `IS` tests other than
/// `IS DISTINCT FROM`, pattern matching, subquery comparisons or `COLLATE`.
pub(crate) fn is_b_expr(expr: &Expr) -> bool {
    match expr {
        Expr::Binary { op, .. } => binary_level(*op) >= level::COMPARISON,
        Expr::AnyAll { .. }
        | Expr::Unary {
            op: UnaryOp::Not, ..
        }
        | Expr::Is { .. }
        | Expr::Between { .. }
        | Expr::InList { .. }
        | Expr::InSubquery { .. }
        | Expr::Like { .. }
        | Expr::Collate { .. }
        | Expr::Default(_) => false,
        _ => true,
    }
}

/// How a function name prints without quotes: keywords that may name functions print bare.
pub(crate) fn function_name_part(f: &mut Formatter<'_>, part: &Ident) -> fmt::Result {
    match Keyword::lookup(&part.value) {
        Some(keyword)
            if keyword.category() == Category::TypeFunctionName
                && keyword.as_str() == part.value =>
        {
            f.write_str(&part.value)
        }
        _ => write!(f, "{part}"),
    }
}
