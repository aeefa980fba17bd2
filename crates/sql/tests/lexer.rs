//! Lexer tests: token boundaries, literal decoding and lexical errors, each checked against what
//! PostgreSQL 15 does with the same text.

use std::borrow::Cow;

use db001_sql::keywords::kw;
use db001_sql::lexer::{Symbol, TokenKind, tokenize};

/// The kinds of the tokens of `sql`, without the final Eof.
fn kinds(sql: &str) -> Vec<TokenKind<'_>> {
    let mut tokens: Vec<TokenKind<'_>> = tokenize(sql)
        .unwrap_or_else(|error| panic!("{sql}: {error:?}"))
        .into_iter()
        .map(|token| token.kind)
        .collect();
    assert_eq!(tokens.pop(), Some(TokenKind::Eof));
    tokens
}

fn string(value: &str) -> TokenKind<'_> {
    TokenKind::String {
        value: Cow::Borrowed(value),
        national: false,
    }
}

fn the_string(sql: &str) -> String {
    match kinds(sql).as_slice() {
        [TokenKind::String { value, .. }] => value.to_string(),
        other => panic!("{sql}: {other:?}"),
    }
}

/// (SQLSTATE, message, position) of a lexical error.
fn lex_error(sql: &str) -> (String, String, Option<u32>) {
    let error = tokenize(sql).expect_err(sql);
    (
        error.code().code().to_string(),
        error.message().to_string(),
        error.position(),
    )
}

#[test]
fn words_carry_their_keyword_and_keep_their_case() {
    let tokens = kinds("SELECT Name FROM \"Mixed\"\"Case\"");
    assert_eq!(
        tokens,
        vec![
            TokenKind::Word {
                text: "SELECT",
                keyword: Some(kw::SELECT)
            },
            TokenKind::Word {
                text: "Name",
                keyword: Some(kw::NAME)
            },
            TokenKind::Word {
                text: "FROM",
                keyword: Some(kw::FROM)
            },
            TokenKind::QuotedIdent(Cow::Owned("Mixed\"Case".to_string())),
        ]
    );
    assert_eq!(
        kinds("customer_id a$b _x été"),
        vec![
            TokenKind::Word {
                text: "customer_id",
                keyword: None
            },
            TokenKind::Word {
                text: "a$b",
                keyword: None
            },
            TokenKind::Word {
                text: "_x",
                keyword: None
            },
            TokenKind::Word {
                text: "été",
                keyword: None
            },
        ]
    );
}

#[test]
fn quoted_identifiers_are_truncated_to_63_bytes() {
    let long = format!("\"{}\"", "x".repeat(70));
    match kinds(&long).as_slice() {
        [TokenKind::QuotedIdent(value)] => assert_eq!(value.len(), 63),
        other => panic!("{other:?}"),
    }
    // Truncation never splits a character.
    let accented = format!("\"{}\"", "é".repeat(40));
    match kinds(&accented).as_slice() {
        [TokenKind::QuotedIdent(value)] => assert_eq!(value.len(), 62),
        other => panic!("{other:?}"),
    }
    assert_eq!(db001_sql::lexer::fold_identifier("ABC"), "abc");
    assert_eq!(db001_sql::lexer::fold_identifier("ÉcOLE"), "École");
}

#[test]
fn numbers_follow_postgres_rules() {
    for text in [
        "1", "42", "1.5", ".5", "1.", "1e10", "1E+10", "2.5e-3", "1.e3", "00012",
    ] {
        assert_eq!(kinds(text), vec![TokenKind::Number(text)], "{text}");
    }
    // `1..2` is the integer 1, then `..`, then 2 (PostgreSQL: syntax error at or near "..").
    assert_eq!(
        kinds("1..2"),
        vec![
            TokenKind::Number("1"),
            TokenKind::Other(".."),
            TokenKind::Number("2")
        ]
    );
    // `1.2.3` is 1.2 then .3.
    assert_eq!(
        kinds("1.2.3"),
        vec![TokenKind::Number("1.2"), TokenKind::Number(".3")]
    );
    assert_eq!(
        kinds("t.c"),
        vec![
            TokenKind::Word {
                text: "t",
                keyword: None
            },
            TokenKind::Symbol(Symbol::Dot),
            TokenKind::Word {
                text: "c",
                keyword: None
            },
        ]
    );
}

#[test]
fn trailing_junk_after_numbers_and_parameters_is_an_error() {
    let junk = |sql: &str, near: &str| {
        assert_eq!(
            lex_error(sql),
            (
                "42601".to_string(),
                format!("trailing junk after numeric literal at or near \"{near}\""),
                Some(8)
            ),
            "{sql}"
        );
    };
    junk("select 123abc", "123abc");
    junk("select 1e", "1e");
    junk("select 1e+", "1e+");
    junk("select 1.5x", "1.5x");
    junk("select 1e5x", "1e5x");
    junk("select 1_000", "1_000");
    junk("select 0x10", "0x10");
    assert_eq!(
        lex_error("select $1abc"),
        (
            "42601".to_string(),
            "trailing junk after parameter at or near \"$1abc\"".to_string(),
            Some(8)
        )
    );
}

#[test]
fn parameters() {
    assert_eq!(
        kinds("$1 $23"),
        vec![TokenKind::Parameter(1), TokenKind::Parameter(23)]
    );
    assert_eq!(kinds("$99999999999"), vec![TokenKind::Parameter(u32::MAX)]);
    assert_eq!(kinds("$"), vec![TokenKind::Other("$")]);
}

#[test]
fn standard_strings_double_their_quotes_and_keep_backslashes() {
    assert_eq!(kinds("'abc'"), vec![string("abc")]);
    assert_eq!(the_string("'it''s'"), "it's");
    assert_eq!(the_string(r"'a\nb'"), r"a\nb");
    assert_eq!(the_string("''"), "");
    // Adjacent pieces separated by a newline are one string (also across `--` comments).
    assert_eq!(the_string("'foo'\n'bar'"), "foobar");
    assert_eq!(the_string("'foo' -- c\n  'bar'\r\n'baz'"), "foobarbaz");
    // On one line they are two strings (and a syntax error for the parser).
    assert_eq!(kinds("'a' 'b'"), vec![string("a"), string("b")]);
    // A block comment does not join pieces.
    assert_eq!(kinds("'a' /* c */\n'b'"), vec![string("a"), string("b")]);
}

#[test]
fn escape_strings_process_backslashes() {
    assert_eq!(the_string(r"E'a\nb\tc\\d\'e'"), "a\nb\tc\\d'e");
    assert_eq!(the_string(r"e'\x41\101\u0041\U00000041'"), "AAAA");
    assert_eq!(the_string(r"E'\303\251'"), "é");
    assert_eq!(the_string(r"E'\uD83D\uDE00'"), "😀");
    assert_eq!(the_string(r"E'\q\v'"), "qv");
    assert_eq!(the_string(r"E'\b\f\r'"), "\u{8}\u{c}\r");
    assert_eq!(the_string("E'it''s'"), "it's");
    assert_eq!(the_string("E'a\\n'\n'b\\n'"), "a\nb\n");
    // `e'` after a longer word is not an escape string: `ne'x'` is the word `ne` and 'x'.
    assert_eq!(
        kinds("ne'x'"),
        vec![
            TokenKind::Word {
                text: "ne",
                keyword: None
            },
            string("x")
        ]
    );
}

#[test]
fn escape_string_errors_match_postgres() {
    assert_eq!(
        lex_error(r"select e'\u12'"),
        (
            "22025".to_string(),
            "invalid Unicode escape".to_string(),
            Some(10)
        )
    );
    assert_eq!(
        lex_error(r"select e'\u0000'"),
        (
            "42601".to_string(),
            r#"invalid Unicode escape value at or near "\u0000""#.to_string(),
            Some(10)
        )
    );
    assert_eq!(
        lex_error(r"select e'\U0010FFFF', e'\U00110000'"),
        (
            "42601".to_string(),
            r#"invalid Unicode escape value at or near "\U00110000""#.to_string(),
            Some(25)
        )
    );
    assert_eq!(
        lex_error(r"select e'\xe9'"),
        (
            "22021".to_string(),
            "invalid byte sequence for encoding \"UTF8\": 0xe9".to_string(),
            None
        )
    );
    assert_eq!(
        lex_error(r"select E'\0'"),
        (
            "22021".to_string(),
            "invalid byte sequence for encoding \"UTF8\": 0x00".to_string(),
            None
        )
    );
    assert_eq!(
        lex_error(r"select e'\uD800'"),
        (
            "42601".to_string(),
            "invalid Unicode surrogate pair at or near \"'\"".to_string(),
            Some(16)
        )
    );
}

#[test]
fn dollar_quoted_strings() {
    assert_eq!(kinds("$$it's \\ raw$$"), vec![string("it's \\ raw")]);
    assert_eq!(the_string("$a$x$a$"), "x");
    assert_eq!(the_string("$fn$ $$inner$$ $fn$"), " $$inner$$ ");
    assert_eq!(the_string("$_x1$ $x1$ $_x1$"), " $x1$ ");
    // Tags are case-sensitive.
    assert_eq!(the_string("$A$ $a$ $A$"), " $a$ ");
    assert_eq!(
        kinds("$a$x$b$ $a$"),
        vec![TokenKind::String {
            value: Cow::Borrowed("x$b$ "),
            national: false
        }]
    );
}

#[test]
fn prefixed_strings() {
    assert_eq!(
        kinds("N'abc'"),
        vec![TokenKind::String {
            value: Cow::Borrowed("abc"),
            national: true
        }]
    );
    assert_eq!(
        kinds("B'101' x'1F'"),
        vec![TokenKind::BitString("101"), TokenKind::BitString("1F")]
    );
}

#[test]
fn operators_are_cut_as_postgres_cuts_them() {
    use Symbol::*;
    let symbols = |sql: &str| -> Vec<Symbol> {
        kinds(sql)
            .into_iter()
            .map(|kind| match kind {
                TokenKind::Symbol(symbol) => symbol,
                other => panic!("{sql}: {other:?}"),
            })
            .collect()
    };
    assert_eq!(
        symbols(
            "+ - * / % ^ = <> != < <= > >= || :: ( ) , ; . [ ] ~ ~* !~ !~* -> ->> & | # << >> : := =>"
        ),
        vec![
            Plus,
            Minus,
            Star,
            Slash,
            Percent,
            Caret,
            Equals,
            NotEquals,
            NotEquals,
            Less,
            LessEquals,
            Greater,
            GreaterEquals,
            Concat,
            DoubleColon,
            LeftParen,
            RightParen,
            Comma,
            Semicolon,
            Dot,
            LeftBracket,
            RightBracket,
            Tilde,
            TildeStar,
            NotTilde,
            NotTildeStar,
            Arrow,
            LongArrow,
            Ampersand,
            Pipe,
            Hash,
            ShiftLeft,
            ShiftRight,
            Colon,
            ColonEquals,
            EqualsGreater,
        ]
    );
    // A trailing + or - leaves the operator unless it contains ~ ! @ # ^ & | ` ? %.
    assert_eq!(symbols("=-"), vec![Equals, Minus]);
    assert_eq!(symbols("<-"), vec![Less, Minus]);
    assert_eq!(symbols("*-+"), vec![Star, Minus, Plus]);
    assert_eq!(kinds("@-"), vec![TokenKind::Operator("@-")]);
    assert_eq!(kinds("@>"), vec![TokenKind::Operator("@>")]);
    assert_eq!(kinds("?|"), vec![TokenKind::Operator("?|")]);
    // A comment start ends the operator.
    assert_eq!(symbols("*--comment\n+"), vec![Star, Plus]);
    assert_eq!(symbols("</**/>"), vec![Less, Greater]);
}

#[test]
fn comments_are_skipped_and_nest() {
    assert_eq!(
        kinds("1 -- one\n/* two /* nested */ still */ 2"),
        vec![TokenKind::Number("1"), TokenKind::Number("2")]
    );
    assert_eq!(kinds("-- only a comment"), vec![]);
    assert_eq!(kinds(""), vec![]);
}

#[test]
fn unterminated_literals_report_postgres_messages() {
    let cases = [
        (
            "select 'abc",
            "unterminated quoted string at or near \"'abc\"",
        ),
        (
            "select e'abc",
            "unterminated quoted string at or near \"e'abc\"",
        ),
        (
            "select e'\\'",
            "unterminated quoted string at or near \"e'\\'\"",
        ),
        (
            "select \"abc",
            "unterminated quoted identifier at or near \"\"abc\"",
        ),
        (
            "select /* abc",
            "unterminated /* comment at or near \"/* abc\"",
        ),
        (
            "select /* a /* b */",
            "unterminated /* comment at or near \"/* a /* b */\"",
        ),
        (
            "select $$abc",
            "unterminated dollar-quoted string at or near \"$$abc\"",
        ),
        (
            "select \"\"",
            "zero-length delimited identifier at or near \"\"\"\"",
        ),
    ];
    for (sql, message) in cases {
        assert_eq!(
            lex_error(sql),
            ("42601".to_string(), message.to_string(), Some(8)),
            "{sql}"
        );
    }
}

#[test]
fn spans_are_byte_ranges_and_positions_count_characters() {
    let sql = "SELECT 'é', x";
    let tokens = tokenize(sql).expect("lexes");
    let x = &tokens[3];
    assert_eq!(&sql[x.span.start as usize..x.span.end as usize], "x");
    // 'é' is two bytes but one character: x is the 13th character.
    assert_eq!(x.span.position(sql), 13);
    let eof = tokens.last().expect("eof");
    assert_eq!(eof.span.start as usize, sql.len());
}

#[test]
fn stray_characters_become_other_tokens() {
    assert_eq!(
        kinds("\\ { } é\u{0}"),
        vec![
            TokenKind::Other("\\"),
            TokenKind::Other("{"),
            TokenKind::Other("}"),
            TokenKind::Word {
                text: "é",
                keyword: None
            },
            TokenKind::Other("\u{0}"),
        ]
    );
}
