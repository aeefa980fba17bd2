//! Expression parsing: PostgreSQL's operator precedence and every expression form.

mod common;

use common::{expr, shape_of};
use db001_sql::ast::{
    BinaryOp, Expr, FunctionCall, Literal, UnaryOp, WindowFrameBound, WindowFrameUnits,
};

fn call(sql: &str) -> FunctionCall {
    match expr(sql) {
        Expr::Function(call) => *call,
        other => panic!("{sql}: not a call: {other:?}"),
    }
}

/// The call's name and its arguments printed as SQL.
fn call_summary(sql: &str) -> (String, Vec<String>) {
    let call = call(sql);
    let name: Vec<&str> = call
        .name
        .parts
        .iter()
        .map(|part| part.value.as_str())
        .collect();
    (
        name.join("."),
        call.args.iter().map(ToString::to_string).collect(),
    )
}

#[test]
fn arithmetic_precedence_and_associativity() {
    assert_eq!(shape_of("1 + 2 * 3"), "(1 + (2 * 3))");
    assert_eq!(shape_of("1 * 2 + 3"), "((1 * 2) + 3)");
    assert_eq!(shape_of("10 - 2 - 3"), "((10 - 2) - 3)");
    assert_eq!(shape_of("8 / 4 / 2 % 3"), "(((8 / 4) / 2) % 3)");
    assert_eq!(shape_of("2 ^ 3 ^ 2"), "((2 ^ 3) ^ 2)");
    assert_eq!(shape_of("2 * 3 ^ 2"), "(2 * (3 ^ 2))");
    assert_eq!(shape_of("(1 + 2) * 3"), "({(1 + 2)} * 3)");
}

#[test]
fn unary_minus_binds_tighter_than_exponent_and_folds_into_numbers() {
    // PostgreSQL: SELECT -2 ^ 2 is 4.
    assert_eq!(shape_of("-2 ^ 2"), "(-2 ^ 2)");
    assert_eq!(shape_of("-x ^ 2"), "((- x) ^ 2)");
    assert_eq!(shape_of("2 ^ -1"), "(2 ^ -1)");
    assert_eq!(shape_of("- x::int"), "(- (x::integer))");
    assert_eq!(shape_of("-a[1]"), "(- (a[1]))");
    assert_eq!(shape_of("+1"), "(+ 1)");
    assert_eq!(shape_of("-(1)"), "(- {1})");
    assert_eq!(shape_of("2 - -1"), "(2 - -1)");
    assert!(matches!(
        expr("-2147483648"),
        Expr::Literal(Literal::Number(text), _) if text == "-2147483648"
    ));
    // Negating a negative literal takes the sign off again.
    let double_negation = expr("- -1.5");
    assert!(
        matches!(&double_negation, Expr::Literal(Literal::Number(text), _) if text == "1.5"),
        "{double_negation:?}"
    );
    assert!(matches!(
        expr("- - x"),
        Expr::Unary { op: UnaryOp::Minus, expr, .. }
            if matches!(*expr, Expr::Unary { op: UnaryOp::Minus, .. })
    ));
}

#[test]
fn boolean_precedence() {
    assert_eq!(shape_of("a OR b AND c"), "(a OR (b AND c))");
    assert_eq!(shape_of("a AND b OR c"), "((a AND b) OR c)");
    assert_eq!(shape_of("NOT a = b"), "(NOT (a = b))");
    assert_eq!(shape_of("NOT a AND b"), "((NOT a) AND b)");
    assert_eq!(shape_of("NOT NOT a"), "(NOT (NOT a))");
    assert_eq!(
        shape_of("a = b AND c <> d OR e"),
        "(((a = b) AND (c <> d)) OR e)"
    );
    assert_eq!(shape_of("NOT a IS NULL"), "(NOT (a IS NULL))");
}

#[test]
fn comparison_and_pattern_levels() {
    assert_eq!(shape_of("a = b IS NULL"), "((a = b) IS NULL)");
    assert_eq!(shape_of("a IS NULL = b"), "((a IS NULL) = b)");
    // BETWEEN binds tighter than <, as in PostgreSQL.
    assert_eq!(
        shape_of("1 < 2 BETWEEN false AND true"),
        "(1 < (2 BETWEEN FALSE AND TRUE))"
    );
    assert_eq!(
        shape_of("x BETWEEN 1 AND 2 AND y"),
        "((x BETWEEN 1 AND 2) AND y)"
    );
    assert_eq!(
        shape_of("x NOT BETWEEN a + 1 AND b * 2"),
        "(x NOT BETWEEN (a + 1) AND (b * 2))"
    );
    assert_eq!(shape_of("a LIKE b || c"), "(a LIKE (b || c))");
    assert_eq!(shape_of("a = b LIKE c"), "(a = (b LIKE c))");
    assert_eq!(
        shape_of("a NOT ILIKE 'x%' ESCAPE '!'"),
        "(a NOT ILIKE 'x%' ESCAPE '!')"
    );
    assert_eq!(shape_of("a IN (1, 2) = true"), "((a IN [1, 2]) = TRUE)");
    assert_eq!(
        shape_of("x IS NULL IS NOT NULL"),
        "((x IS NULL) IS NOT NULL)"
    );
    assert_eq!(
        shape_of("a IS DISTINCT FROM b + 1"),
        "(a IS DISTINCT FROM (b + 1))"
    );
    assert_eq!(
        shape_of("a IS NOT DISTINCT FROM b"),
        "(a IS NOT DISTINCT FROM b)"
    );
    assert_eq!(shape_of("a ISNULL"), "(a IS NULL)");
    assert_eq!(shape_of("a NOTNULL"), "(a IS NOT NULL)");
    assert_eq!(shape_of("a IS TRUE"), "(a IS TRUE)");
    assert_eq!(shape_of("a IS NOT FALSE"), "(a IS NOT FALSE)");
    assert_eq!(shape_of("a IS UNKNOWN"), "(a IS UNKNOWN)");
}

#[test]
fn other_operators_sit_between_comparison_and_addition() {
    assert_eq!(shape_of("'a' || 'b' || 1 + 2"), "(('a' || 'b') || (1 + 2))");
    assert_eq!(shape_of("a ~ b = true"), "((a ~ b) = TRUE)");
    assert_eq!(shape_of("a !~* b"), "(a !~* b)");
    assert_eq!(shape_of("a & b | c # d << 1"), "((((a & b) | c) # d) << 1)");
    assert_eq!(shape_of("1 + 2 << 3"), "((1 + 2) << 3)");
    assert_eq!(
        shape_of("j -> 'a' ->> 'b' = 'c'"),
        "(((j -> 'a') ->> 'b') = 'c')"
    );
    assert_eq!(shape_of("a >> 1 >= 2"), "((a >> 1) >= 2)");
}

#[test]
fn postfix_operators_bind_tightest() {
    assert_eq!(shape_of("x::text || y"), "((x::text) || y)");
    assert_eq!(shape_of("a[1]::int"), "((a[1])::integer)");
    assert_eq!(shape_of("a[1][2]"), "((a[1])[2])");
    assert_eq!(shape_of("x::int::text"), "((x::integer)::text)");
    assert_eq!(shape_of("a + b COLLATE \"C\""), "(a + (b COLLATE \"C\"))");
    assert_eq!(
        shape_of("a COLLATE pg_catalog.default"),
        "(a COLLATE pg_catalog.\"default\")"
    );
    // OPERATOR(pg_catalog.~) is the operator it names.
    assert_eq!(
        shape_of("c.relname OPERATOR(pg_catalog.~) '^x$' COLLATE pg_catalog.default"),
        "(c.relname ~ ('^x$' COLLATE pg_catalog.\"default\"))"
    );
    assert_eq!(shape_of("a OPERATOR(=) b"), "(a = b)");
}

#[test]
fn at_time_zone_is_the_timezone_function() {
    assert_eq!(
        call_summary("ts AT TIME ZONE 'UTC'"),
        (
            "timezone".to_string(),
            vec!["'UTC'".to_string(), "ts".to_string()]
        )
    );
}

#[test]
fn in_any_all_exists_and_subqueries() {
    assert!(matches!(
        expr("a IN (SELECT 1)"),
        Expr::InSubquery { negated: false, .. }
    ));
    assert!(matches!(
        expr("a NOT IN (VALUES (1))"),
        Expr::InSubquery { negated: true, .. }
    ));
    assert!(matches!(
        expr("a NOT IN (1, 2)"),
        Expr::InList { negated: true, .. }
    ));
    match expr("a = ANY (SELECT b FROM t)") {
        Expr::AnyAll {
            op: BinaryOp::Eq,
            all: false,
            right,
            ..
        } => assert!(matches!(*right, Expr::Subquery(..))),
        other => panic!("{other:?}"),
    }
    match expr("a < ALL ($1::int[])") {
        Expr::AnyAll {
            op: BinaryOp::Lt,
            all: true,
            right,
            ..
        } => assert!(matches!(*right, Expr::Cast { .. })),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        expr("a = SOME (ARRAY[1])"),
        Expr::AnyAll { all: false, .. }
    ));
    assert!(matches!(
        expr("EXISTS (SELECT 1)"),
        Expr::Exists { negated: false, .. }
    ));
    assert!(matches!(
        expr("NOT EXISTS (SELECT 1)"),
        Expr::Exists { negated: true, .. }
    ));
    // NOT applies to the whole comparison, as in PostgreSQL.
    assert!(matches!(
        expr("NOT EXISTS (SELECT 1) = true"),
        Expr::Unary {
            op: UnaryOp::Not,
            ..
        }
    ));
    assert!(matches!(expr("(SELECT max(a) FROM t)"), Expr::Subquery(..)));
    assert_eq!(shape_of("(SELECT 1) + 1"), "((SELECT 1) + 1)");
    // A parenthesised first operand of a set operation.
    match expr("((SELECT 1) UNION SELECT 2)") {
        Expr::Subquery(query, _) => {
            assert!(matches!(
                query.body,
                db001_sql::ast::SetExpr::SetOperation { .. }
            ))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn case_cast_arrays_rows_and_literals() {
    assert_eq!(
        expr("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END").to_string(),
        "CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END"
    );
    match expr("CASE x WHEN 1 THEN 'one' END") {
        Expr::Case {
            operand: Some(_),
            when_then,
            else_result: None,
            ..
        } => assert_eq!(when_then.len(), 1),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        expr("CAST(x AS varchar(10))").to_string(),
        "CAST(x AS character varying(10))"
    );
    assert_eq!(expr("ARRAY[1, 2]").to_string(), "ARRAY[1, 2]");
    match expr("ARRAY[[1, 2], [3, 4]]") {
        Expr::Array(rows, _) => assert!(matches!(rows[0], Expr::Array(..))),
        other => panic!("{other:?}"),
    }
    assert!(matches!(expr("ARRAY[]"), Expr::Array(items, _) if items.is_empty()));
    assert!(matches!(expr("(1, 'a')"), Expr::Row(items, _) if items.len() == 2));
    assert!(matches!(expr("ROW(1)"), Expr::Row(items, _) if items.len() == 1));
    assert!(matches!(expr("ROW()"), Expr::Row(items, _) if items.is_empty()));
    assert!(matches!(expr("(1)"), Expr::Nested(..)));
    assert!(matches!(
        expr("TRUE"),
        Expr::Literal(Literal::Boolean(true), _)
    ));
    assert!(matches!(expr("null"), Expr::Literal(Literal::Null, _)));
    assert!(matches!(expr("$3"), Expr::Parameter(3, _)));
    assert!(matches!(expr("DEFAULT"), Expr::Default(_)));
    assert!(matches!(
        expr("'it''s'"),
        Expr::Literal(Literal::String(value), _) if value == "it's"
    ));
}

#[test]
fn typed_literals() {
    let typed = |sql: &str| match expr(sql) {
        Expr::TypedString {
            data_type, value, ..
        } => (data_type.to_string(), value),
        other => panic!("{sql}: {other:?}"),
    };
    let pair = |name: &str, value: &str| (name.to_string(), value.to_string());
    assert_eq!(
        typed("timestamp '2020-01-01'"),
        pair("timestamp", "2020-01-01")
    );
    assert_eq!(
        typed("TIMESTAMP WITH TIME ZONE '2020-01-01 00:00+02'"),
        pair("timestamptz", "2020-01-01 00:00+02")
    );
    assert_eq!(typed("timestamp(3) 'x'"), pair("timestamp(3)", "x"));
    assert_eq!(typed("interval '1 day'"), pair("interval", "1 day"));
    assert_eq!(typed("date '2020-01-01'"), pair("date", "2020-01-01"));
    assert_eq!(typed("pg_catalog.date 'x'"), pair("date", "x"));
    assert_eq!(typed("int4 '5'"), pair("integer", "5"));
    assert_eq!(
        typed("double precision '1.5'"),
        pair("double precision", "1.5")
    );
    assert_eq!(
        typed("varchar(3) 'abc'"),
        pair("character varying(3)", "abc")
    );
    assert_eq!(typed("uuid $$a$$"), pair("uuid", "a"));
    assert_eq!(typed("N'abc'"), pair("bpchar", "abc"));
    // Without a string after it, a type keyword is a column name.
    assert!(matches!(expr("timestamp"), Expr::Column(parts) if parts[0].value == "timestamp"));
    assert!(matches!(expr("interval"), Expr::Column(_)));
}

#[test]
fn keywords_that_are_not_reserved_name_columns() {
    for name in [
        "name",
        "key",
        "value",
        "type",
        "level",
        "user_id",
        "count",
        "timestamp",
        "position",
        "data",
        "text",
        "date",
        "action",
        "comment",
        "version",
        "year",
        "source",
    ] {
        match expr(name) {
            Expr::Column(parts) => assert_eq!(parts[0].value, name),
            other => panic!("{name}: {other:?}"),
        }
    }
    match expr("t.select") {
        Expr::Column(parts) => assert_eq!(parts[1].value, "select"),
        other => panic!("{other:?}"),
    }
    match expr("S.T.\"Col\"") {
        Expr::Column(parts) => {
            let values: Vec<&str> = parts.iter().map(|part| part.value.as_str()).collect();
            assert_eq!(values, ["s", "t", "Col"]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn function_calls() {
    let count = call("count(*)");
    assert!(count.star && count.args.is_empty());
    let distinct = call("count(DISTINCT a)");
    assert!(distinct.distinct);
    let aggregate = call("string_agg(a, ',' ORDER BY b DESC NULLS LAST)");
    assert_eq!(aggregate.args.len(), 2);
    assert_eq!(aggregate.order_by[0].asc, Some(false));
    assert_eq!(aggregate.order_by[0].nulls_first, Some(false));
    let filtered = call("sum(x) FILTER (WHERE x > 0)");
    assert!(filtered.filter.is_some());
    let qualified = call("pg_catalog.pg_get_userbyid(c.relowner)");
    assert_eq!(qualified.name.to_string(), "pg_catalog.pg_get_userbyid");
    assert_eq!(call("left('abc', 2)").name.name().value, "left");
    assert_eq!(expr("left('abc', 2)").to_string(), "left('abc', 2)");
    assert_eq!(call("now()").args.len(), 0);
}

#[test]
fn window_specifications() {
    let window = call(
        "rank() OVER (PARTITION BY a, b ORDER BY c ROWS BETWEEN 2 PRECEDING AND UNBOUNDED FOLLOWING)",
    );
    let over = window.over.expect("a window");
    assert_eq!(over.partition_by.len(), 2);
    assert_eq!(over.order_by.len(), 1);
    let frame = over.frame.expect("a frame");
    assert_eq!(frame.units, WindowFrameUnits::Rows);
    assert!(matches!(frame.start, WindowFrameBound::Preceding(_)));
    assert_eq!(frame.end, Some(WindowFrameBound::UnboundedFollowing));
    let range = call("sum(x) OVER (ORDER BY t RANGE UNBOUNDED PRECEDING)")
        .over
        .expect("a window")
        .frame
        .expect("a frame");
    assert_eq!(range.units, WindowFrameUnits::Range);
    assert_eq!(range.end, None);
    let groups = call("sum(x) OVER (GROUPS BETWEEN CURRENT ROW AND 1 FOLLOWING)")
        .over
        .expect("a window")
        .frame
        .expect("a frame");
    assert_eq!(groups.start, WindowFrameBound::CurrentRow);
    assert!(call("row_number() OVER ()").over.is_some());
}

#[test]
fn special_syntax_functions_become_plain_calls() {
    let strings = |items: &[&str]| items.iter().map(ToString::to_string).collect::<Vec<_>>();
    let summary = |name: &str, args: &[&str]| (name.to_string(), strings(args));
    assert_eq!(
        call_summary("EXTRACT(YEAR FROM ts)"),
        summary("extract", &["'year'", "ts"])
    );
    assert_eq!(
        call_summary("extract('Epoch' FROM ts)"),
        summary("extract", &["'Epoch'", "ts"])
    );
    assert_eq!(
        call_summary("POSITION('b' IN 'abc')"),
        summary("position", &["'abc'", "'b'"])
    );
    assert_eq!(
        call_summary("SUBSTRING(s FROM 2 FOR 3)"),
        summary("substring", &["s", "2", "3"])
    );
    assert_eq!(
        call_summary("substring(s FOR 3 FROM 2)"),
        summary("substring", &["s", "2", "3"])
    );
    assert_eq!(
        call_summary("substring(s FROM 2)"),
        summary("substring", &["s", "2"])
    );
    assert_eq!(
        call_summary("substring(s FOR 3)"),
        summary("substring", &["s", "1", "3"])
    );
    assert_eq!(
        call_summary("substring(s, 2, 3)"),
        summary("substring", &["s", "2", "3"])
    );
    assert_eq!(call_summary("TRIM(s)"), summary("btrim", &["s"]));
    assert_eq!(
        call_summary("TRIM(BOTH 'x' FROM s)"),
        summary("btrim", &["s", "'x'"])
    );
    assert_eq!(
        call_summary("trim(leading 'x' from s)"),
        summary("ltrim", &["s", "'x'"])
    );
    assert_eq!(
        call_summary("trim(trailing from s)"),
        summary("rtrim", &["s"])
    );
    assert_eq!(
        call_summary("OVERLAY(s PLACING 'x' FROM 2 FOR 1)"),
        summary("overlay", &["s", "'x'", "2", "1"])
    );
    assert_eq!(
        call_summary("COALESCE(a, b, 0)"),
        summary("coalesce", &["a", "b", "0"])
    );
    assert_eq!(call_summary("NULLIF(a, 0)"), summary("nullif", &["a", "0"]));
    assert_eq!(
        call_summary("greatest(1, 2)"),
        summary("greatest", &["1", "2"])
    );
    for (sql, name) in [
        ("CURRENT_DATE", "current_date"),
        ("current_timestamp", "current_timestamp"),
        ("LOCALTIMESTAMP", "localtimestamp"),
        ("CURRENT_USER", "current_user"),
        ("SESSION_USER", "session_user"),
        ("USER", "user"),
        ("current_schema", "current_schema"),
        ("current_schema()", "current_schema"),
    ] {
        assert_eq!(call_summary(sql), summary(name, &[]), "{sql}");
    }
    assert_eq!(
        call_summary("CURRENT_TIMESTAMP(3)"),
        summary("current_timestamp", &["3"])
    );
}

#[test]
fn long_boolean_chains_are_balanced_but_short_ones_are_left_deep() {
    let terms = |count: usize, op: &str| {
        (0..count)
            .map(|index| format!("a = {index}"))
            .collect::<Vec<_>>()
            .join(op)
    };
    fn depth(expr: &Expr) -> usize {
        match expr {
            Expr::Binary {
                op: BinaryOp::Or | BinaryOp::And,
                left,
                right,
                ..
            } => 1 + depth(left).max(depth(right)),
            _ => 0,
        }
    }
    assert_eq!(depth(&expr(&terms(16, " OR "))), 15);
    assert_eq!(depth(&expr(&terms(17, " OR "))), 9);
    let long = expr(&terms(5000, " AND "));
    assert!(depth(&long) < 20, "depth {}", depth(&long));
    // The printed chain is flat and parses back to the same shape.
    let printed = long.to_string();
    assert_eq!(printed, terms(5000, " AND "));
}
