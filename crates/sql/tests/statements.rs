//! Statement parsing: one test per statement kind, asserting the tree's shape.

mod common;

use common::statement;
use db001_sql::ast::*;

fn query(sql: &str) -> Query {
    match statement(sql) {
        Statement::Select(query) => *query,
        other => panic!("{sql}: {other:?}"),
    }
}

fn select(sql: &str) -> Select {
    match query(sql).body {
        SetExpr::Select(select) => *select,
        other => panic!("{sql}: {other:?}"),
    }
}

fn names(idents: &[Ident]) -> Vec<&str> {
    idents.iter().map(|ident| ident.value.as_str()).collect()
}

fn aliases(select: &Select) -> Vec<Option<String>> {
    select
        .projection
        .iter()
        .map(|item| match item {
            SelectItem::Expr { alias, .. } => alias.as_ref().map(|alias| alias.value.clone()),
            SelectItem::Wildcard(_) => Some("*".to_string()),
            SelectItem::QualifiedWildcard(name) => Some(format!("{name}.*")),
        })
        .collect()
}

#[test]
fn statements_are_split_on_semicolons_and_empty_ones_skipped() {
    let statements = db001_sql::parse(";; SELECT 1; ;SELECT 2;").expect("parses");
    assert_eq!(statements.len(), 2);
    assert!(db001_sql::parse("").expect("parses").is_empty());
    assert!(
        db001_sql::parse(" ; -- nothing\n;")
            .expect("parses")
            .is_empty()
    );
    // A semicolon inside a string does not split.
    assert_eq!(
        db001_sql::parse("SELECT ';'; SELECT $$;$$")
            .expect("parses")
            .len(),
        2
    );
}

#[test]
fn select_projection_and_aliases() {
    let items = select("SELECT a, b AS x, c y, 1 value, t.*, *, s.t.* FROM t");
    assert_eq!(
        aliases(&items),
        vec![
            None,
            Some("x".to_string()),
            Some("y".to_string()),
            Some("value".to_string()),
            Some("t.*".to_string()),
            Some("*".to_string()),
            Some("s.t.*".to_string()),
        ]
    );
    // Keyword operators not followed by an operand are bare labels, as in PostgreSQL.
    let labels = select("SELECT 1 and, 2 is, 3 like, 4 in, 5 between, 6 not, 7 collate");
    assert_eq!(
        aliases(&labels),
        ["and", "is", "like", "in", "between", "not", "collate"]
            .iter()
            .map(|label| Some(label.to_string()))
            .collect::<Vec<_>>()
    );
    // Keywords after AS may be anything.
    assert_eq!(
        aliases(&select("SELECT 1 AS from, 2 AS \"Mixed\"")),
        vec![Some("from".to_string()), Some("Mixed".to_string())]
    );
    // An empty target list is allowed.
    assert!(select("SELECT FROM t").projection.is_empty());
    assert!(select("SELECT").projection.is_empty());
}

#[test]
fn select_distinct_where_group_having() {
    let select = select(
        "SELECT DISTINCT ON (a, b) a, count(*) FROM t WHERE a > 1 GROUP BY a, b HAVING count(*) > 2",
    );
    assert!(matches!(&select.distinct, Some(Distinct::On(on)) if on.len() == 2));
    assert!(select.selection.is_some());
    assert_eq!(select.group_by.len(), 2);
    assert!(select.having.is_some());
    assert_eq!(
        self::select("SELECT DISTINCT a FROM t").distinct,
        Some(Distinct::All)
    );
    assert_eq!(self::select("SELECT ALL a FROM t").distinct, None);
}

#[test]
fn from_items_and_joins() {
    let select = select(
        "SELECT * FROM a, b AS bb (x, y) NATURAL JOIN c \
         LEFT OUTER JOIN d ON d.id = c.id RIGHT JOIN e USING (id, k) FULL JOIN f ON true \
         CROSS JOIN g INNER JOIN h ON true JOIN (i JOIN j ON i.x = j.x) ON true",
    );
    assert_eq!(select.from.len(), 2);
    assert!(matches!(
        &select.from[0].relation,
        TableFactor::Table { name, alias: None } if name.to_string() == "a"
    ));
    let second = &select.from[1];
    match &second.relation {
        TableFactor::Table {
            alias: Some(alias), ..
        } => {
            assert_eq!(alias.name.value, "bb");
            assert_eq!(names(&alias.columns), ["x", "y"]);
        }
        other => panic!("{other:?}"),
    }
    let kinds: Vec<(JoinKind, &str)> = second
        .joins
        .iter()
        .map(|join| {
            let constraint = match &join.constraint {
                JoinConstraint::On(_) => "on",
                JoinConstraint::Using(_) => "using",
                JoinConstraint::Natural => "natural",
                JoinConstraint::None => "none",
            };
            (join.kind, constraint)
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (JoinKind::Inner, "natural"),
            (JoinKind::Left, "on"),
            (JoinKind::Right, "using"),
            (JoinKind::Full, "on"),
            (JoinKind::Cross, "none"),
            (JoinKind::Inner, "on"),
            (JoinKind::Inner, "on"),
        ]
    );
    assert!(matches!(
        second.joins[6].relation,
        TableFactor::NestedJoin(_)
    ));
}

#[test]
fn derived_tables_and_table_functions() {
    let select = select(
        "SELECT * FROM (SELECT 1) AS s, LATERAL (VALUES (1, 2)) v (a, b), \
         generate_series(1, 10) AS g(i), pg_catalog.unnest($1) u",
    );
    assert!(matches!(
        &select.from[0].relation,
        TableFactor::Derived { lateral: false, alias: Some(alias), .. } if alias.name.value == "s"
    ));
    assert!(matches!(
        &select.from[1].relation,
        TableFactor::Derived { lateral: true, .. }
    ));
    match &select.from[2].relation {
        TableFactor::Function {
            name, args, alias, ..
        } => {
            assert_eq!(name.to_string(), "generate_series");
            assert_eq!(args.len(), 2);
            assert_eq!(names(&alias.as_ref().expect("an alias").columns), ["i"]);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        &select.from[3].relation,
        TableFactor::Function { name, .. } if name.to_string() == "pg_catalog.unnest"
    ));
}

#[test]
fn order_limit_offset_fetch_and_locking() {
    let query = query(
        "SELECT a FROM t ORDER BY a DESC NULLS FIRST, b ASC, c NULLS LAST LIMIT 10 OFFSET 5 \
         FOR UPDATE OF t NOWAIT FOR SHARE SKIP LOCKED",
    );
    let order: Vec<(Option<bool>, Option<bool>)> = query
        .order_by
        .iter()
        .map(|item| (item.asc, item.nulls_first))
        .collect();
    assert_eq!(
        order,
        vec![
            (Some(false), Some(true)),
            (Some(true), None),
            (None, Some(false))
        ]
    );
    assert_eq!(
        query.limit.as_ref().map(ToString::to_string),
        Some("10".to_string())
    );
    assert_eq!(
        query.offset.as_ref().map(ToString::to_string),
        Some("5".to_string())
    );
    assert_eq!(
        query.locking,
        vec![
            LockingClause {
                strength: LockStrength::Update,
                of: vec![ObjectName {
                    parts: vec![Ident {
                        value: "t".to_string(),
                        span: query.locking[0].of[0].parts[0].span,
                    }]
                }],
                wait: LockWait::NoWait,
            },
            LockingClause {
                strength: LockStrength::Share,
                of: Vec::new(),
                wait: LockWait::SkipLocked,
            },
        ]
    );
    let fetch = self::query("SELECT 1 OFFSET 2 ROWS FETCH FIRST 3 ROWS ONLY");
    assert_eq!(
        fetch.limit.map(|limit| limit.to_string()),
        Some("3".to_string())
    );
    assert_eq!(
        fetch.offset.map(|offset| offset.to_string()),
        Some("2".to_string())
    );
    let one = self::query("SELECT 1 FETCH NEXT ROW ONLY");
    assert_eq!(
        one.limit.map(|limit| limit.to_string()),
        Some("1".to_string())
    );
    assert_eq!(self::query("SELECT 1 LIMIT ALL").limit, None);
    let reversed = self::query("SELECT 1 OFFSET 1 LIMIT 2 FOR KEY SHARE");
    assert!(reversed.limit.is_some() && reversed.offset.is_some());
    let locked_first = self::query("SELECT 1 FOR NO KEY UPDATE LIMIT 1");
    assert_eq!(locked_first.locking[0].strength, LockStrength::NoKeyUpdate);
    assert!(locked_first.limit.is_some());
}

#[test]
fn set_operations_bind_intersect_tighter() {
    let query = query("SELECT 1 UNION SELECT 2 INTERSECT SELECT 3 EXCEPT ALL SELECT 4");
    // ((1 UNION (2 INTERSECT 3)) EXCEPT ALL 4)
    match query.body {
        SetExpr::SetOperation {
            op: SetOperator::Except,
            all: true,
            left,
            ..
        } => match *left {
            SetExpr::SetOperation {
                op: SetOperator::Union,
                all: false,
                right,
                ..
            } => assert!(matches!(
                *right,
                SetExpr::SetOperation {
                    op: SetOperator::Intersect,
                    ..
                }
            )),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    let parenthesised =
        self::query("(SELECT 1 ORDER BY 1 LIMIT 1) UNION DISTINCT (SELECT 2) ORDER BY 1");
    assert_eq!(parenthesised.order_by.len(), 1);
    assert!(matches!(
        parenthesised.body,
        SetExpr::SetOperation { left, .. } if matches!(*left, SetExpr::Query(_))
    ));
}

#[test]
fn with_values_and_table() {
    let query = query(
        "WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t WHERE n < 5), \
         u AS MATERIALIZED (SELECT 2) SELECT * FROM t",
    );
    let with = query.with.expect("a WITH clause");
    assert!(with.recursive);
    assert_eq!(with.ctes.len(), 2);
    assert_eq!(names(&with.ctes[0].columns), ["n"]);
    match self::query("VALUES (1, 'a'), (2, 'b')").body {
        SetExpr::Values(values) => assert_eq!(values.rows.len(), 2),
        other => panic!("{other:?}"),
    }
    let table = select("TABLE s.t");
    assert!(matches!(table.projection[..], [SelectItem::Wildcard(_)]));
    assert_eq!(table.from.len(), 1);
}

#[test]
fn insert() {
    let insert = match statement(
        "INSERT INTO s.t AS x (a, b) VALUES (1, DEFAULT), ($1, 'b') \
         ON CONFLICT (a) DO UPDATE SET b = excluded.b, c = DEFAULT WHERE x.b <> 'z' RETURNING a, x.*",
    ) {
        Statement::Insert(insert) => *insert,
        other => panic!("{other:?}"),
    };
    assert_eq!(insert.table.to_string(), "s.t");
    assert_eq!(insert.alias.map(|alias| alias.value), Some("x".to_string()));
    assert_eq!(names(&insert.columns), ["a", "b"]);
    match &insert.source {
        InsertSource::Query(query) => match &query.body {
            SetExpr::Values(values) => {
                assert_eq!(values.rows.len(), 2);
                assert!(matches!(values.rows[0][1], Expr::Default(_)));
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    let on_conflict = insert.on_conflict.expect("ON CONFLICT");
    assert_eq!(names(&on_conflict.target), ["a"]);
    match on_conflict.action {
        OnConflictAction::DoUpdate {
            assignments,
            selection,
        } => {
            assert_eq!(assignments.len(), 2);
            assert!(assignments[1].value.is_none());
            assert!(selection.is_some());
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(insert.returning.len(), 2);

    for (sql, source) in [
        ("INSERT INTO t DEFAULT VALUES", "default"),
        ("INSERT INTO t SELECT * FROM u", "query"),
        ("INSERT INTO t (SELECT 1)", "query"),
        ("INSERT INTO t (a) (SELECT 1)", "query"),
        (
            "INSERT INTO t WITH x AS (SELECT 1) SELECT * FROM x",
            "query",
        ),
    ] {
        match statement(sql) {
            Statement::Insert(insert) => {
                let kind = match insert.source {
                    InsertSource::DefaultValues => "default",
                    InsertSource::Query(_) => "query",
                };
                assert_eq!(kind, source, "{sql}");
            }
            other => panic!("{other:?}"),
        }
    }
    match statement("INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING") {
        Statement::Insert(insert) => assert_eq!(
            insert.on_conflict,
            Some(OnConflict {
                target: Vec::new(),
                target_predicate: None,
                constraint: None,
                action: OnConflictAction::DoNothing
            })
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn update() {
    let update = match statement(
        "UPDATE ONLY t AS x SET a = a + 1, b = DEFAULT, (c, d) = (1, DEFAULT) \
         FROM u WHERE u.id = x.id RETURNING *",
    ) {
        Statement::Update(update) => *update,
        other => panic!("{other:?}"),
    };
    assert_eq!(update.alias.map(|alias| alias.value), Some("x".to_string()));
    let assigned: Vec<(&str, bool)> = update
        .assignments
        .iter()
        .map(|assignment| (assignment.column.value.as_str(), assignment.value.is_some()))
        .collect();
    assert_eq!(
        assigned,
        vec![("a", true), ("b", false), ("c", true), ("d", false)]
    );
    assert_eq!(update.from.len(), 1);
    assert!(update.selection.is_some());
    assert_eq!(update.returning.len(), 1);
    // A bare alias is allowed, but SET is never one.
    match statement("UPDATE t x SET a = 1") {
        Statement::Update(update) => assert_eq!(update.alias.map(|a| a.value), Some("x".into())),
        other => panic!("{other:?}"),
    }
    match statement("UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;") {
        Statement::Update(update) => {
            assert!(update.alias.is_none());
            assert_eq!(
                update.assignments[0]
                    .value
                    .as_ref()
                    .map(ToString::to_string),
                Some("abalance + $1".to_string())
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn delete() {
    match statement("DELETE FROM t AS x USING u, v WHERE x.a = u.a RETURNING x.a") {
        Statement::Delete(delete) => {
            assert_eq!(delete.alias.map(|alias| alias.value), Some("x".to_string()));
            assert_eq!(delete.using.len(), 2);
            assert!(delete.selection.is_some());
            assert_eq!(delete.returning.len(), 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(statement("DELETE FROM t"), Statement::Delete(_)));
}

#[test]
fn create_table() {
    let create = match statement(
        "CREATE TABLE IF NOT EXISTS public.orders (\
           id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, \
           customer_id int CONSTRAINT fk REFERENCES customer (id) ON DELETE CASCADE ON UPDATE SET NULL, \
           note varchar(20) NULL DEFAULT 'none' CHECK (note <> ''), \
           total numeric(12, 2) NOT NULL DEFAULT 0 UNIQUE, \
           created timestamp with time zone DEFAULT now() NOT NULL, \
           tags text[], \
           CONSTRAINT pk2 UNIQUE (customer_id, note), \
           CHECK (total >= 0), \
           FOREIGN KEY (customer_id) REFERENCES customer (id) ON DELETE RESTRICT, \
           PRIMARY KEY (id)\
         ) WITH (fillfactor = 90)",
    ) {
        Statement::CreateTable(create) => *create,
        other => panic!("{other:?}"),
    };
    assert!(create.if_not_exists);
    assert_eq!(create.name.to_string(), "public.orders");
    let columns: Vec<(&str, String, usize)> = create
        .columns
        .iter()
        .map(|column| {
            (
                column.name.value.as_str(),
                column.data_type.to_string(),
                column.constraints.len(),
            )
        })
        .collect();
    assert_eq!(
        columns,
        vec![
            ("id", "bigint".to_string(), 2),
            ("customer_id", "integer".to_string(), 1),
            ("note", "character varying(20)".to_string(), 3),
            ("total", "numeric(12, 2)".to_string(), 3),
            ("created", "timestamptz".to_string(), 2),
            ("tags", "text[]".to_string(), 0),
        ]
    );
    assert_eq!(
        create.columns[0].constraints[0].kind,
        ColumnConstraintKind::Identity {
            always: false,
            options: Vec::new()
        }
    );
    match &create.columns[1].constraints[0] {
        ColumnConstraint {
            name: Some(name),
            kind:
                ColumnConstraintKind::References {
                    table,
                    columns,
                    on_delete,
                    on_update,
                },
        } => {
            assert_eq!(name.value, "fk");
            assert_eq!(table.to_string(), "customer");
            assert_eq!(names(columns), ["id"]);
            assert_eq!(*on_delete, Some(ReferentialAction::Cascade));
            assert_eq!(*on_update, Some(ReferentialAction::SetNull));
        }
        other => panic!("{other:?}"),
    }
    let kinds: Vec<String> = create
        .constraints
        .iter()
        .map(|constraint| match &constraint.kind {
            TableConstraintKind::PrimaryKey(columns) => format!("pk {:?}", names(columns)),
            TableConstraintKind::Unique(columns) => format!("unique {:?}", names(columns)),
            TableConstraintKind::Check(_) => "check".to_string(),
            TableConstraintKind::ForeignKey { on_delete, .. } => format!("fk {on_delete:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "unique [\"customer_id\", \"note\"]",
            "check",
            "fk Some(Restrict)",
            "pk [\"id\"]"
        ]
    );
    assert_eq!(
        create.constraints[0]
            .name
            .as_ref()
            .map(|name| name.value.as_str()),
        Some("pk2")
    );
}

#[test]
fn type_names_are_canonical() {
    let type_of = |spelling: &str| -> String {
        match statement(&format!("CREATE TABLE t (c {spelling})")) {
            Statement::CreateTable(create) => create.columns[0].data_type.to_string(),
            other => panic!("{other:?}"),
        }
    };
    for (spelling, canonical) in [
        ("int", "integer"),
        ("integer", "integer"),
        ("int4", "integer"),
        ("INT2", "smallint"),
        ("smallint", "smallint"),
        ("int8", "bigint"),
        ("bigint", "bigint"),
        ("float8", "double precision"),
        ("double precision", "double precision"),
        ("float", "double precision"),
        ("float(24)", "real"),
        ("float(53)", "double precision"),
        ("real", "real"),
        ("float4", "real"),
        ("numeric", "numeric"),
        ("decimal(10, 2)", "numeric(10, 2)"),
        ("dec", "numeric"),
        ("bool", "boolean"),
        ("boolean", "boolean"),
        ("text", "text"),
        ("varchar", "character varying"),
        ("varchar(5)", "character varying(5)"),
        ("character varying(5)", "character varying(5)"),
        ("char", "character"),
        ("char(3)", "character(3)"),
        ("character(3)", "character(3)"),
        ("national character varying(2)", "character varying(2)"),
        ("timestamp", "timestamp"),
        ("timestamp without time zone", "timestamp"),
        ("timestamp(3) with time zone", "timestamptz(3)"),
        ("timestamptz", "timestamptz"),
        ("time", "time"),
        ("time with time zone", "timetz"),
        ("date", "date"),
        ("interval", "interval"),
        ("uuid", "uuid"),
        ("bytea", "bytea"),
        ("json", "json"),
        ("jsonb", "jsonb"),
        ("serial", "serial"),
        ("bigserial", "bigserial"),
        ("pg_catalog.int4", "integer"),
        ("int[]", "integer[]"),
        ("int[3][]", "integer[][]"),
        ("int ARRAY", "integer[]"),
        ("myschema.mytype", "myschema.mytype"),
        ("\"MyType\"", "\"MyType\""),
    ] {
        assert_eq!(type_of(spelling), canonical, "{spelling}");
    }
}

#[test]
fn drop_and_index_statements() {
    assert_eq!(
        statement("DROP TABLE IF EXISTS a, s.b CASCADE"),
        Statement::DropTable(DropTable {
            if_exists: true,
            names: match statement("DROP TABLE IF EXISTS a, s.b CASCADE") {
                Statement::DropTable(drop) => drop.names,
                other => panic!("{other:?}"),
            },
            cascade: true,
        })
    );
    match statement("DROP TABLE t RESTRICT") {
        Statement::DropTable(drop) => assert!(!drop.if_exists && !drop.cascade),
        other => panic!("{other:?}"),
    }
    match statement("DROP INDEX CONCURRENTLY IF EXISTS ix") {
        Statement::DropIndex(drop) => assert!(drop.if_exists && drop.names.len() == 1),
        other => panic!("{other:?}"),
    }
    match statement(
        "CREATE UNIQUE INDEX IF NOT EXISTS ix ON t USING btree (a DESC, lower(b), (a + b) NULLS FIRST)",
    ) {
        Statement::CreateIndex(create) => {
            assert!(create.unique && create.if_not_exists);
            assert_eq!(create.name.map(|name| name.value), Some("ix".to_string()));
            assert_eq!(create.columns.len(), 3);
            assert_eq!(create.columns[0].asc, Some(false));
            assert!(matches!(create.columns[1].expr, Expr::Function(_)));
            assert!(matches!(create.columns[2].expr, Expr::Nested(..)));
            assert_eq!(create.columns[2].nulls_first, Some(true));
        }
        other => panic!("{other:?}"),
    }
    match statement("CREATE INDEX ON t (a)") {
        Statement::CreateIndex(create) => assert!(create.name.is_none() && !create.unique),
        other => panic!("{other:?}"),
    }
}

#[test]
fn transaction_control() {
    use IsolationLevel::{ReadCommitted, ReadUncommitted, RepeatableRead, Serializable};
    use TransactionMode::{Deferrable, ReadOnly, ReadWrite};
    let level = TransactionMode::IsolationLevel;
    for (sql, expected) in [
        ("BEGIN", Statement::Begin(vec![])),
        ("BEGIN WORK", Statement::Begin(vec![])),
        (
            "BEGIN TRANSACTION READ ONLY",
            Statement::Begin(vec![ReadOnly]),
        ),
        (
            "START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE DEFERRABLE",
            Statement::Begin(vec![level(Serializable), ReadWrite, Deferrable(true)]),
        ),
        (
            "begin isolation level read committed",
            Statement::Begin(vec![level(ReadCommitted)]),
        ),
        (
            "BEGIN ISOLATION LEVEL REPEATABLE READ NOT DEFERRABLE",
            Statement::Begin(vec![level(RepeatableRead), Deferrable(false)]),
        ),
        (
            "BEGIN ISOLATION LEVEL READ UNCOMMITTED",
            Statement::Begin(vec![level(ReadUncommitted)]),
        ),
        ("COMMIT", Statement::Commit),
        ("COMMIT WORK", Statement::Commit),
        ("END TRANSACTION", Statement::Commit),
        ("COMMIT AND NO CHAIN", Statement::Commit),
        ("ROLLBACK", Statement::Rollback),
        ("ROLLBACK TRANSACTION", Statement::Rollback),
        ("ABORT", Statement::Rollback),
        ("ABORT WORK", Statement::Rollback),
        (
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
            Statement::SetTransaction {
                session: false,
                modes: vec![level(RepeatableRead)],
            },
        ),
        (
            "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            Statement::SetTransaction {
                session: true,
                modes: vec![level(Serializable)],
            },
        ),
        ("CHECKPOINT", Statement::Checkpoint),
        (
            "backup TO '/var/backups/it''s'",
            Statement::Backup {
                to: "/var/backups/it's".to_string(),
            },
        ),
        (
            "PREPARE TRANSACTION 'g1'",
            Statement::PrepareTransaction("g1".to_string()),
        ),
        (
            "COMMIT PREPARED 'g1'",
            Statement::CommitPrepared("g1".to_string()),
        ),
        (
            "ROLLBACK PREPARED 'it''s'",
            Statement::RollbackPrepared("it's".to_string()),
        ),
    ] {
        assert_eq!(statement(sql), expected, "{sql}");
    }
}

#[test]
fn vacuum_and_two_phase_commit() {
    let vacuum = |sql: &str| match statement(sql) {
        Statement::Vacuum(vacuum) => (
            vacuum
                .options
                .iter()
                .map(|(name, on)| (name.value.clone(), *on))
                .collect::<Vec<_>>(),
            vacuum
                .tables
                .iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>(),
        ),
        other => panic!("{sql}: {other:?}"),
    };
    assert_eq!(vacuum("VACUUM"), (vec![], vec![]));
    assert_eq!(
        vacuum("vacuum full verbose t, s.u"),
        (
            vec![("full".to_string(), true), ("verbose".to_string(), true)],
            vec!["t".to_string(), "s.u".to_string()]
        )
    );
    assert_eq!(
        vacuum("VACUUM (ANALYZE, VERBOSE false) t"),
        (
            vec![
                ("analyze".to_string(), true),
                ("verbose".to_string(), false)
            ],
            vec!["t".to_string()]
        )
    );
    for sql in [
        "VACUUM",
        "VACUUM (full, verbose false) t, s.u",
        "PREPARE TRANSACTION 'a''b'",
        "COMMIT PREPARED 'x'",
        "ROLLBACK PREPARED 'x'",
    ] {
        common::assert_round_trip(sql);
    }
    // END PREPARED and ABORT PREPARED are not PostgreSQL.
    assert!(db001_sql::parse("END PREPARED 'x'").is_err());
    assert!(db001_sql::parse("COMMIT PREPARED x").is_err());
    assert_eq!(
        db001_sql::parse("VACUUM t (a)")
            .expect_err("column lists")
            .code()
            .code(),
        "0A000"
    );
}

#[test]
fn set_show_reset() {
    let set = |sql: &str| match statement(sql) {
        Statement::Set(set) => (set.local, set.name.value, set.value),
        other => panic!("{sql}: {other:?}"),
    };
    let word = |value: &str| SetValue::Word(value.to_string());
    let string = |value: &str| SetValue::String(value.to_string());
    let number = |value: &str| SetValue::Number(value.to_string());
    assert_eq!(
        set("SET search_path TO \"$user\", public"),
        (
            false,
            "search_path".to_string(),
            Some(vec![word("$user"), word("public")])
        )
    );
    assert_eq!(
        set("SET LOCAL statement_timeout = 0"),
        (
            true,
            "statement_timeout".to_string(),
            Some(vec![number("0")])
        )
    );
    assert_eq!(
        set("SET SESSION extra_float_digits = -3"),
        (
            false,
            "extra_float_digits".to_string(),
            Some(vec![number("-3")])
        )
    );
    assert_eq!(
        set("SET application_name = 'pgjdbc'"),
        (
            false,
            "application_name".to_string(),
            Some(vec![string("pgjdbc")])
        )
    );
    assert_eq!(
        set("SET enable_seqscan TO off"),
        (false, "enable_seqscan".to_string(), Some(vec![word("off")]))
    );
    assert_eq!(
        set("SET standard_conforming_strings = on"),
        (
            false,
            "standard_conforming_strings".to_string(),
            Some(vec![word("on")])
        )
    );
    assert_eq!(
        set("SET work_mem TO DEFAULT"),
        (false, "work_mem".to_string(), None)
    );
    assert_eq!(
        set("SET myapp.user_id = 42"),
        (false, "myapp.user_id".to_string(), Some(vec![number("42")]))
    );
    assert_eq!(
        set("SET TIME ZONE 'UTC'"),
        (false, "timezone".to_string(), Some(vec![string("UTC")]))
    );
    assert_eq!(
        set("SET TIME ZONE LOCAL"),
        (false, "timezone".to_string(), None)
    );
    assert_eq!(
        set("SET TIME ZONE -5"),
        (false, "timezone".to_string(), Some(vec![number("-5")]))
    );
    assert_eq!(
        set("SET NAMES 'UTF8'"),
        (
            false,
            "client_encoding".to_string(),
            Some(vec![string("UTF8")])
        )
    );
    assert_eq!(
        set("SET SCHEMA 'app'"),
        (false, "search_path".to_string(), Some(vec![string("app")]))
    );
    let show = |sql: &str| match statement(sql) {
        Statement::Show(name) => name.value,
        other => panic!("{sql}: {other:?}"),
    };
    assert_eq!(
        show("SHOW TRANSACTION ISOLATION LEVEL"),
        "transaction_isolation"
    );
    assert_eq!(
        show("show standard_conforming_strings"),
        "standard_conforming_strings"
    );
    assert_eq!(show("SHOW TIME ZONE"), "timezone");
    assert_eq!(show("SHOW ALL"), "all");
    assert_eq!(show("SHOW \"DateStyle\""), "DateStyle");
    assert_eq!(show("SHOW server_version"), "server_version");
    assert_eq!(statement("RESET ALL"), Statement::Reset(None));
    match statement("RESET search_path") {
        Statement::Reset(Some(name)) => assert_eq!(name.value, "search_path"),
        other => panic!("{other:?}"),
    }
    match statement("RESET TIME ZONE") {
        Statement::Reset(Some(name)) => assert_eq!(name.value, "timezone"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn explain() {
    let explained = |sql: &str| match statement(sql) {
        Statement::Explain { analyze, statement } => (analyze, statement.to_string()),
        other => panic!("{sql}: {other:?}"),
    };
    assert_eq!(
        explained("EXPLAIN SELECT 1"),
        (false, "SELECT 1".to_string())
    );
    assert_eq!(
        explained("EXPLAIN ANALYZE VERBOSE UPDATE t SET a = 1"),
        (true, "UPDATE t SET a = 1".to_string())
    );
    assert_eq!(
        explained("EXPLAIN (ANALYZE, COSTS OFF, FORMAT TEXT) DELETE FROM t"),
        (true, "DELETE FROM t".to_string())
    );
    assert_eq!(
        explained("EXPLAIN (ANALYZE false) INSERT INTO t VALUES (1)"),
        (false, "INSERT INTO t VALUES (1)".to_string())
    );
    assert_eq!(
        explained("EXPLAIN (SELECT 1)"),
        (false, "(SELECT 1)".to_string())
    );
}
