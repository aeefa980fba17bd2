//! No input makes the parser panic: random text, random bytes, token soups and mutated corpus
//! statements all return `Ok` or `Err`. Whatever parses must also survive the `Display` round
//! trip.

mod common;

use common::assert_round_trip;
use proptest::prelude::*;

/// Words and symbols that make up SQL, so random sequences reach deep into the grammar.
const VOCABULARY: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "BY",
    "HAVING",
    "ORDER",
    "LIMIT",
    "OFFSET",
    "FETCH",
    "FIRST",
    "ROWS",
    "ONLY",
    "FOR",
    "UPDATE",
    "SHARE",
    "NOWAIT",
    "UNION",
    "INTERSECT",
    "EXCEPT",
    "ALL",
    "DISTINCT",
    "ON",
    "AS",
    "JOIN",
    "LEFT",
    "RIGHT",
    "FULL",
    "OUTER",
    "INNER",
    "CROSS",
    "NATURAL",
    "USING",
    "LATERAL",
    "WITH",
    "RECURSIVE",
    "VALUES",
    "TABLE",
    "INSERT",
    "INTO",
    "DEFAULT",
    "CONFLICT",
    "DO",
    "NOTHING",
    "SET",
    "DELETE",
    "RETURNING",
    "CREATE",
    "INDEX",
    "UNIQUE",
    "PRIMARY",
    "KEY",
    "REFERENCES",
    "CHECK",
    "CONSTRAINT",
    "NOT",
    "NULL",
    "DROP",
    "IF",
    "EXISTS",
    "CASCADE",
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "ISOLATION",
    "LEVEL",
    "READ",
    "WRITE",
    "SERIALIZABLE",
    "SHOW",
    "RESET",
    "EXPLAIN",
    "ANALYZE",
    "AND",
    "OR",
    "IS",
    "ISNULL",
    "TRUE",
    "FALSE",
    "UNKNOWN",
    "BETWEEN",
    "IN",
    "LIKE",
    "ILIKE",
    "ESCAPE",
    "ANY",
    "SOME",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "CAST",
    "ARRAY",
    "ROW",
    "COLLATE",
    "AT",
    "TIME",
    "ZONE",
    "OVER",
    "PARTITION",
    "FILTER",
    "PRECEDING",
    "FOLLOWING",
    "UNBOUNDED",
    "CURRENT",
    "EXTRACT",
    "POSITION",
    "SUBSTRING",
    "TRIM",
    "LEADING",
    "COALESCE",
    "NULLIF",
    "OPERATOR",
    "CURRENT_TIMESTAMP",
    "USER",
    "int",
    "integer",
    "varchar",
    "timestamp",
    "interval",
    "double",
    "precision",
    "numeric",
    "text",
    "a",
    "b",
    "t",
    "name",
    "value",
    "count",
    "f",
    "\"Q\"",
    "1",
    "2.5",
    ".5",
    "1e3",
    "'s'",
    "E'\\n'",
    "$$d$$",
    "$1",
    "(",
    ")",
    "[",
    "]",
    ",",
    ";",
    ".",
    "*",
    "+",
    "-",
    "/",
    "%",
    "^",
    "=",
    "<>",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "||",
    "::",
    "~",
    "!~*",
    "->",
    "->>",
    "&",
    "|",
    "#",
    "<<",
    ">>",
    ":",
    "@>",
    "\\",
    "..",
];

/// Random words, half the time after `SELECT` so more of them parse.
fn soup() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec(prop::sample::select(VOCABULARY), 0..40),
    )
        .prop_map(|(select, words)| {
            let words = words.join(" ");
            if select {
                format!("SELECT {words}")
            } else {
                words
            }
        })
}

/// Parses and, when that succeeds, checks the round trip.
fn check(sql: &str) {
    if db001_sql::parse(sql).is_ok() {
        assert_round_trip(sql);
    }
    let _ = db001_sql::parse_expr(sql);
}

fn corpus() -> Vec<&'static str> {
    include_str!("corpus/statements.sql")
        .split("\n\n")
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .collect()
}

proptest! {
    #![proptest_config(common::proptest_config(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        check(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn sql_characters_never_panic(text in "[a-zA-Z0-9 ,;()'\"$.:+*/%^<>=|~!@#&_\\[\\]\\\\\n-]{0,80}") {
        check(&text);
    }

    #[test]
    fn token_soups_never_panic_and_round_trip(sql in soup()) {
        check(&sql);
    }

    #[test]
    fn mutated_statements_never_panic_and_round_trip(
        index in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(VOCABULARY)), 1..4),
    ) {
        let corpus = corpus();
        let mut words: Vec<String> = index
            .get(&corpus)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        for (at, operation, word) in edits {
            let position = at.index(words.len() + 1);
            match operation {
                0 if position < words.len() => {
                    words.remove(position);
                }
                1 => words.insert(position, word.to_string()),
                _ if position < words.len() => words[position] = word.to_string(),
                _ => words.push(word.to_string()),
            }
        }
        check(&words.join(" "));
    }
}
