//! Helpers shared by the integration tests.

#![allow(dead_code)]

use db001_sql::ast::{Expr, Statement};

/// `cases` property-test cases, or as many as `PROPTEST_CASES` says (for long local runs).
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    let default = proptest::test_runner::Config::default();
    if std::env::var_os("PROPTEST_CASES").is_some() {
        default
    } else {
        proptest::test_runner::Config { cases, ..default }
    }
}

/// Parses exactly one statement, panicking with the error otherwise.
pub fn statement(sql: &str) -> Statement {
    let mut statements = db001_sql::parse(sql).unwrap_or_else(|error| panic!("{sql}: {error:?}"));
    assert_eq!(statements.len(), 1, "{sql}");
    statements.remove(0)
}

/// Parses an expression, panicking with the error otherwise.
pub fn expr(sql: &str) -> Expr {
    db001_sql::parse_expr(sql).unwrap_or_else(|error| panic!("{sql}: {error:?}"))
}

/// The error for `sql`: (SQLSTATE, message, position).
pub fn error(sql: &str) -> (String, String, Option<u32>) {
    match db001_sql::parse(sql) {
        Ok(statements) => panic!("{sql} parsed: {statements:?}"),
        Err(error) => (
            error.code().code().to_string(),
            error.message().to_string(),
            error.position(),
        ),
    }
}

/// A tree's `Debug` text with every span blanked, for comparing trees while ignoring spans.
pub fn without_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    while let Some(index) = rest.find("Span {") {
        out.push_str(&rest[..index]);
        out.push_str("Span");
        let after = &rest[index..];
        let close = after.find('}').expect("a span's Debug closes");
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Prints every statement of `sql`, parses the text again, and checks the trees are equal
/// (spans aside). Returns the printed text.
pub fn assert_round_trip(sql: &str) -> String {
    let first = db001_sql::parse(sql).unwrap_or_else(|error| panic!("{sql}: {error:?}"));
    let printed: Vec<String> = first.iter().map(ToString::to_string).collect();
    let text = printed.join("; ");
    let second = db001_sql::parse(&text).unwrap_or_else(|error| {
        panic!("printed text does not parse: {text}\nfrom: {sql}\n{error:?}")
    });
    assert_eq!(
        without_spans(&format!("{first:#?}")),
        without_spans(&format!("{second:#?}")),
        "round trip changed the tree\nsql:     {sql}\nprinted: {text}"
    );
    // Printing is a fixed point after one round.
    let reprinted: Vec<String> = second.iter().map(ToString::to_string).collect();
    assert_eq!(printed, reprinted, "printing is not stable for {sql}");
    text
}

/// The expression fully parenthesised, to make precedence visible: `1 + 2 * 3` is
/// `(1 + (2 * 3))`. Explicit parentheses in the source show as `{...}`.
pub fn shape(expr: &Expr) -> String {
    use db001_sql::ast::{IsTest, UnaryOp};
    match expr {
        Expr::Unary { op, expr, .. } => match op {
            UnaryOp::Not => format!("(NOT {})", shape(expr)),
            UnaryOp::Minus => format!("(- {})", shape(expr)),
            UnaryOp::Plus => format!("(+ {})", shape(expr)),
        },
        Expr::Binary {
            op, left, right, ..
        } => format!("({} {op} {})", shape(left), shape(right)),
        Expr::Is {
            expr,
            negated,
            test,
            ..
        } => {
            let test = match test {
                IsTest::Null => "NULL",
                IsTest::True => "TRUE",
                IsTest::False => "FALSE",
                IsTest::Unknown => "UNKNOWN",
            };
            let not = if *negated { "NOT " } else { "" };
            format!("({} IS {not}{test})", shape(expr))
        }
        Expr::IsDistinctFrom {
            left,
            right,
            negated,
            ..
        } => {
            let not = if *negated { "NOT " } else { "" };
            format!("({} IS {not}DISTINCT FROM {})", shape(left), shape(right))
        }
        Expr::Between {
            expr,
            negated,
            low,
            high,
            ..
        } => {
            let not = if *negated { "NOT " } else { "" };
            format!(
                "({} {not}BETWEEN {} AND {})",
                shape(expr),
                shape(low),
                shape(high)
            )
        }
        Expr::InList {
            expr,
            list,
            negated,
            ..
        } => {
            let not = if *negated { "NOT " } else { "" };
            let list: Vec<String> = list.iter().map(shape).collect();
            format!("({} {not}IN [{}])", shape(expr), list.join(", "))
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
            let escape = escape
                .as_ref()
                .map(|escape| format!(" ESCAPE {}", shape(escape)))
                .unwrap_or_default();
            format!("({} {not}{like} {}{escape})", shape(expr), shape(pattern))
        }
        Expr::Cast {
            expr, data_type, ..
        } => format!("({}::{data_type})", shape(expr)),
        Expr::Subscript { expr, index, .. } => format!("({}[{}])", shape(expr), shape(index)),
        Expr::Collate {
            expr, collation, ..
        } => format!("({} COLLATE {collation})", shape(expr)),
        Expr::AnyAll {
            left,
            op,
            all,
            right,
            ..
        } => {
            let quantifier = if *all { "ALL" } else { "ANY" };
            format!("({} {op} {quantifier} {})", shape(left), shape(right))
        }
        Expr::Nested(expr, _) => format!("{{{}}}", shape(expr)),
        other => other.to_string(),
    }
}

/// `shape` of the parsed expression.
pub fn shape_of(sql: &str) -> String {
    shape(&expr(sql))
}
