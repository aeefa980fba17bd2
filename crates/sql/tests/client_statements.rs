//! COPY, role management and session housekeeping statements: shapes and Display round trips.

mod common;

use common::{error, statement};
use db001_sql::ast::*;

/// Parses, prints, parses again: the trees must match (spans aside, compared through Display).
fn round_trip(sql: &str) -> Statement {
    let parsed = statement(sql);
    let printed = parsed.to_string();
    let again = statement(&printed);
    assert_eq!(printed, again.to_string(), "{sql}");
    parsed
}

fn copy(sql: &str) -> Copy {
    match round_trip(sql) {
        Statement::Copy(copy) => *copy,
        other => panic!("{sql}: {other:?}"),
    }
}

fn option_names(copy: &Copy) -> Vec<(&str, &CopyOptionValue)> {
    copy.options
        .iter()
        .map(|o| (o.name.as_str(), &o.value))
        .collect()
}

#[test]
fn copy_in_both_option_syntaxes() {
    let pgbench = copy("copy pgbench_accounts from stdin with (freeze on)");
    assert!(pgbench.from);
    assert_eq!(
        option_names(&pgbench),
        vec![("freeze", &CopyOptionValue::Text("on".into()))]
    );
    // What psql's `\copy t (a, b) from 'f' csv header` sends.
    let psql = copy("COPY t (a, b) FROM STDIN csv header DELIMITER AS ';' NULL ''");
    let CopySource::Table { name, columns } = &psql.source else {
        panic!("a table")
    };
    assert_eq!(name.name().value, "t");
    assert_eq!(columns.len(), 2);
    assert_eq!(
        option_names(&psql),
        vec![
            ("format", &CopyOptionValue::Text("csv".into())),
            ("header", &CopyOptionValue::None),
            ("delimiter", &CopyOptionValue::Text(";".into())),
            ("null", &CopyOptionValue::Text(String::new())),
        ]
    );
    let query = copy("COPY (SELECT 1) TO STDOUT WITH (FORMAT csv, HEADER, FORCE_QUOTE *)");
    assert!(!query.from);
    assert!(matches!(query.source, CopySource::Query(_)));
    assert_eq!(
        option_names(&query)[2],
        ("force_quote", &CopyOptionValue::Star)
    );
}

#[test]
fn copy_refuses_files_and_programs() {
    assert_eq!(error("COPY t FROM '/etc/passwd'").0, "0A000");
    assert_eq!(error("COPY t TO PROGRAM 'ls'").0, "0A000");
    assert_eq!(error("COPY (SELECT 1) FROM STDIN").0, "42601");
    assert_eq!(error("COPY t FROM STDOUT").0, "42601");
}

#[test]
fn roles() {
    let Statement::CreateRole(create) = round_trip(
        "CREATE USER alice WITH PASSWORD 'secret' NOSUPERUSER CREATEDB CONNECTION LIMIT 3",
    ) else {
        panic!("create role")
    };
    assert!(create.user);
    assert_eq!(
        create.options,
        vec![
            RoleOption::Password(Some("secret".into())),
            RoleOption::Flag {
                name: "superuser".into(),
                value: false
            },
            RoleOption::Flag {
                name: "createdb".into(),
                value: true
            },
            RoleOption::ConnectionLimit(3),
        ]
    );
    let Statement::AlterRole(alter) = round_trip("ALTER ROLE alice ENCRYPTED PASSWORD NULL") else {
        panic!("alter role")
    };
    assert_eq!(
        alter.action,
        AlterRoleAction::Options(vec![RoleOption::Password(None)])
    );
    assert!(matches!(
        round_trip("ALTER USER bob RENAME TO carol"),
        Statement::AlterRole(_)
    ));
    let Statement::DropRole { if_exists, names } = round_trip("DROP ROLE IF EXISTS a, b") else {
        panic!("drop role")
    };
    assert!(if_exists);
    assert_eq!(names.len(), 2);
    assert_eq!(error("CREATE ROLE x WITH FLY").0, "42601");
}

#[test]
fn session_housekeeping() {
    assert_eq!(
        round_trip("DISCARD ALL"),
        Statement::Discard(DiscardTarget::All)
    );
    assert_eq!(round_trip("CLOSE ALL"), Statement::Close(None));
    assert_eq!(round_trip("UNLISTEN *"), Statement::Unlisten(None));
    assert!(matches!(round_trip("LISTEN jobs"), Statement::Listen(_)));
}
