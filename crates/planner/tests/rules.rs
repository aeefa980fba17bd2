//! The optimizer's join and subquery rules, checked through the plans they produce (as
//! EXPLAIN prints them) over a catalog of empty tables.

use db001_catalog::{Catalog, ColumnSchema, IndexSchema, TableSchema};
use db001_common::{DataType, SqlState};
use db001_planner::{BoundStatement, explain, plan_statement};

/// `orders(id pk, customer_id indexed, amount, note)`, `customers(id pk, name, city)` and
/// `tags(label, weight)` without indexes.
fn catalog() -> Catalog {
    let mut catalog = Catalog::new();
    let column = |name: &str, data_type: DataType| ColumnSchema {
        name: name.to_string(),
        data_type,
        nullable: true,
        default: None,
        identity: None,
    };
    let mut add =
        |name: &str, columns: Vec<ColumnSchema>, indexes: Vec<(&str, Vec<usize>, bool)>| {
            let id = catalog.allocate_oid();
            let indexes = indexes
                .into_iter()
                .map(|(index_name, columns, primary)| IndexSchema {
                    id: catalog.allocate_oid(),
                    name: index_name.to_string(),
                    columns,
                    unique: primary,
                    primary,
                    constraint: primary,
                })
                .collect();
            catalog
                .add_table(TableSchema {
                    id,
                    name: name.to_string(),
                    schema_name: "public".to_string(),
                    columns,
                    indexes,
                    checks: Vec::new(),
                    foreign_keys: Vec::new(),
                })
                .expect("new table");
        };
    add(
        "customers",
        vec![
            column("id", DataType::Int),
            column("name", DataType::Text),
            column("city", DataType::Text),
        ],
        vec![("customers_pkey", vec![0], true)],
    );
    add(
        "orders",
        vec![
            column("id", DataType::Int),
            column("customer_id", DataType::Int),
            column("amount", DataType::Numeric(None)),
            column("note", DataType::Text),
        ],
        vec![
            ("orders_pkey", vec![0], true),
            ("orders_customer", vec![1], false),
        ],
    );
    add(
        "tags",
        vec![
            column("label", DataType::Text),
            column("weight", DataType::Int),
        ],
        Vec::new(),
    );
    catalog
}

fn plan(sql: &str) -> Vec<String> {
    let catalog = catalog();
    let statements = db001_sql::parse(sql).expect("parses");
    let (bound, _) = plan_statement(&catalog, sql, &statements[0], &[]).expect("plans");
    match bound {
        BoundStatement::Query { plan, .. } => explain::explain(&plan),
        other => panic!("not a query: {other:?}"),
    }
}

fn error(sql: &str) -> SqlState {
    let catalog = catalog();
    match db001_sql::parse(sql) {
        Ok(statements) => plan_statement(&catalog, sql, &statements[0], &[])
            .expect_err("fails")
            .code(),
        Err(error) => error.code(),
    }
}

#[track_caller]
fn assert_plan(sql: &str, expected: &[&str]) {
    assert_eq!(plan(sql), expected, "plan of {sql}");
}

#[test]
fn join_on_an_indexed_column_is_an_index_nested_loop() {
    assert_plan(
        "SELECT * FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.city = 'x'",
        &[
            "Nested Loop",
            "  ->  Seq Scan on customers c",
            "        Filter: (c.city = 'x'::text)",
            "  ->  Index Scan using orders_customer on orders o",
            "        Index Cond: (o.customer_id = c.id)",
        ],
    );
}

#[test]
fn equi_join_without_an_index_is_a_hash_join() {
    assert_plan(
        "SELECT * FROM orders o JOIN tags t ON t.weight = o.id + 1 AND t.label <> o.note",
        &[
            "Hash Join",
            "  Hash Cond: ((o.id + 1) = t.weight)",
            "  Join Filter: (t.label <> o.note)",
            "  ->  Seq Scan on orders o",
            "  ->  Hash",
            "        ->  Seq Scan on tags t",
        ],
    );
}

#[test]
fn join_without_equality_is_a_nested_loop_over_the_kept_inner_side() {
    assert_plan(
        "SELECT * FROM tags a JOIN tags b ON a.weight < b.weight",
        &[
            "Nested Loop",
            "  Join Filter: (a.weight < b.weight)",
            "  ->  Seq Scan on tags a",
            "  ->  Seq Scan on tags b",
        ],
    );
}

#[test]
fn outer_joins_keep_filters_on_the_preserved_side_out_of_the_nullable_side() {
    // The WHERE conjunct on the nullable side of a LEFT JOIN stays above the join; the ON
    // conjunct on the right side goes into it.
    assert_plan(
        "SELECT * FROM tags a LEFT JOIN tags b ON a.label = b.label AND b.weight > 1 WHERE b.weight IS NULL",
        &[
            "Hash Left Join",
            "  Hash Cond: (a.label = b.label)",
            "  Filter: (b.weight IS NULL)",
            "  ->  Seq Scan on tags a",
            "  ->  Hash",
            "        ->  Seq Scan on tags b",
            "              Filter: (b.weight > 1)",
        ],
    );
    assert_plan(
        "SELECT * FROM tags a FULL JOIN tags b USING (label)",
        &[
            "Hash Full Join",
            "  Hash Cond: (a.label = b.label)",
            "  ->  Seq Scan on tags a",
            "  ->  Hash",
            "        ->  Seq Scan on tags b",
        ],
    );
}

#[test]
fn right_joins_never_rescan_their_right_side_per_left_row() {
    assert_plan(
        "SELECT * FROM customers c RIGHT JOIN orders o ON o.customer_id = c.id",
        &[
            "Hash Right Join",
            "  Hash Cond: (c.id = o.customer_id)",
            "  ->  Seq Scan on customers c",
            "  ->  Hash",
            "        ->  Seq Scan on orders o",
        ],
    );
}

#[test]
fn exists_and_in_become_semi_joins_and_not_exists_an_anti_join() {
    assert_plan(
        "SELECT name FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.amount > 10)",
        &[
            "Nested Loop Semi Join",
            "  ->  Seq Scan on customers c",
            "  ->  Index Scan using orders_customer on orders o",
            "        Index Cond: (o.customer_id = c.id)",
            "        Filter: (o.amount > 10)",
        ],
    );
    assert_plan(
        "SELECT * FROM tags WHERE label IN (SELECT note FROM orders WHERE amount > 1)",
        &[
            "Hash Semi Join",
            "  Hash Cond: (tags.label = orders.note)",
            "  ->  Seq Scan on tags",
            "  ->  Hash",
            "        ->  Seq Scan on orders",
            "              Filter: (orders.amount > 1)",
        ],
    );
    assert_plan(
        "SELECT * FROM tags t WHERE NOT EXISTS (SELECT 1 FROM tags u WHERE u.weight = t.weight + 1)",
        &[
            "Hash Anti Join",
            "  Hash Cond: ((t.weight + 1) = u.weight)",
            "  ->  Seq Scan on tags t",
            "  ->  Hash",
            "        ->  Seq Scan on tags u",
        ],
    );
}

#[test]
fn not_in_and_aggregating_subqueries_stay_subplans() {
    // NOT IN's NULL rules are not an anti join's; an aggregate must see every inner row.
    assert_plan(
        "SELECT * FROM tags WHERE weight NOT IN (SELECT id FROM orders)",
        &[
            "Seq Scan on tags",
            "  Filter: (NOT (tags.weight = ANY (SubPlan 1)))",
            "  SubPlan 1",
            "    ->  Seq Scan on orders",
        ],
    );
    assert_plan(
        "SELECT * FROM customers c WHERE 2 < (SELECT count(*) FROM orders o WHERE o.customer_id = c.id)",
        &[
            "Seq Scan on customers c",
            "  Filter: (2 < (SubPlan 1))",
            "  SubPlan 1",
            "    ->  Aggregate",
            "          ->  Index Scan using orders_customer on orders o",
            "                Index Cond: (o.customer_id = c.id)",
        ],
    );
}

#[test]
fn filters_reach_the_scans_of_derived_tables_and_with_queries() {
    assert_plan(
        "SELECT * FROM (SELECT id, amount * 2 AS double FROM orders) s WHERE s.id = 7",
        &[
            "Index Scan using orders_pkey on orders",
            "  Index Cond: (id = 7)",
        ],
    );
    assert_plan(
        "WITH big AS (SELECT * FROM orders WHERE amount > 100) SELECT * FROM big WHERE customer_id = 3",
        &[
            "Index Scan using orders_customer on orders",
            "  Index Cond: (customer_id = 3)",
            "  Filter: (amount > 100)",
        ],
    );
    // A filter on group keys filters the rows before grouping; one on an aggregate cannot.
    assert_plan(
        "SELECT * FROM (SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id) s WHERE customer_id = 4 AND n > 1",
        &[
            "HashAggregate",
            "  Group Key: customer_id",
            "  Filter: (count(*) > 1)",
            "  ->  Index Scan using orders_customer on orders",
            "        Index Cond: (customer_id = 4)",
        ],
    );
    // A filter may not pass a LIMIT.
    assert_plan(
        "SELECT * FROM (SELECT * FROM tags LIMIT 3) s WHERE weight = 1",
        &["Limit", "  Filter: (weight = 1)", "  ->  Seq Scan on tags"],
    );
}

#[test]
fn set_operations_windows_and_recursion_have_their_nodes() {
    assert_plan(
        "SELECT label FROM tags UNION SELECT note FROM orders",
        &[
            "HashAggregate",
            "  Group Key: tags.label",
            "  ->  Append",
            "        ->  Seq Scan on tags",
            "        ->  Seq Scan on orders",
        ],
    );
    assert_plan(
        "SELECT weight FROM tags INTERSECT ALL SELECT id FROM orders",
        &[
            "HashSetOp Intersect All",
            "  ->  Seq Scan on tags",
            "  ->  Seq Scan on orders",
        ],
    );
    assert_plan(
        "SELECT label, rank() OVER (PARTITION BY weight ORDER BY label) FROM tags ORDER BY 2",
        &[
            "Sort",
            "  Sort Key: rank() OVER (PARTITION BY weight ORDER BY label)",
            "  ->  WindowAgg",
            "        ->  Seq Scan on tags",
        ],
    );
    assert_plan(
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT n FROM r",
        &[
            "Recursive Union",
            "  ->  Result",
            "  ->  WorkTable Scan on r",
            "        Filter: (n < 5)",
        ],
    );
}

#[test]
fn name_resolution_follows_postgres() {
    // USING merges the column: unqualified `label` is no longer ambiguous.
    assert!(!plan("SELECT label FROM tags a JOIN tags b USING (label)").is_empty());
    assert_eq!(
        error("SELECT label FROM tags a JOIN tags b ON a.label = b.label"),
        SqlState::AMBIGUOUS_COLUMN
    );
    assert_eq!(
        error("SELECT * FROM tags a JOIN tags b USING (nope)"),
        SqlState::UNDEFINED_COLUMN
    );
    assert_eq!(error("SELECT * FROM tags, tags"), SqlState::new("42712"));
    // Grouping by a primary key makes the other columns of its table usable.
    assert!(!plan("SELECT c.name, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.id").is_empty());
    assert_eq!(
        error("SELECT label, count(*) FROM tags GROUP BY weight"),
        SqlState::GROUPING_ERROR
    );
    // A correlated subquery reads the outer query's columns; an unknown one is 42703.
    assert!(
        !plan("SELECT (SELECT count(*) FROM orders WHERE customer_id = c.id) FROM customers c")
            .is_empty()
    );
    assert_eq!(
        error("SELECT (SELECT nope FROM orders) FROM customers"),
        SqlState::UNDEFINED_COLUMN
    );
    assert_eq!(error("SELECT * FROM (SELECT 1)"), SqlState::SYNTAX_ERROR);
}

#[test]
fn unsupported_features_are_0a000() {
    for sql in [
        "SELECT * FROM tags, LATERAL (SELECT 1) s",
        "SELECT 1 WHERE generate_series(1, 3) > 1",
        "SELECT * FROM json_each(NULL)",
        "SELECT (SELECT sum(t.weight)) FROM tags t",
    ] {
        assert_eq!(error(sql), SqlState::FEATURE_NOT_SUPPORTED, "{sql}");
    }
}
