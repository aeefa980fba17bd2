//! The PostgreSQL-generated case tables: text input and operations/casts.
//!
//! Every line must produce PostgreSQL's answer, except the lines listed in the
//! `DIFFERENCES` tables, each an intentional, documented limit of db001.

use db001_common::{CastKind, DataType, Value, ops};

use super::support::{data_type, outcome};

const TEXT_INPUT: &str = include_str!("../cases/text_input.tsv");
const OPERATIONS: &str = include_str!("../cases/operations.tsv");

/// `(type, input, db001's answer, why)` for text inputs where db001 knowingly differs.
const TEXT_INPUT_DIFFERENCES: &[(&str, &str, &str, &str)] = &[
    (
        "numeric",
        "NaN",
        "ERROR 0A000",
        "numeric NaN is not supported",
    ),
    (
        "numeric",
        "Infinity",
        "ERROR 0A000",
        "numeric infinity is not supported",
    ),
    (
        "numeric",
        "-inf",
        "ERROR 0A000",
        "numeric infinity is not supported",
    ),
    (
        "numeric",
        "79228162514264337593543950336",
        "ERROR 22003",
        "above 2^96",
    ),
    (
        "numeric",
        "0.00000000000000000000000000001",
        "ERROR 22003",
        "more than 28 decimal places",
    ),
    ("numeric", "1e29", "ERROR 22003", "above 2^96"),
    ("numeric", "1e1001", "ERROR 22003", "above 2^96"),
];

/// The same for operations and casts: `(line without expected, db001's answer, why)`.
const OPERATION_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "op\tnumeric\t1\t/\tnumeric\t1e12",
        "ERROR 22003",
        "result scale 32 exceeds 28",
    ),
    (
        "op\tnumeric\t79228162514264337593543950335\t+\tnumeric\t1",
        "ERROR 22003",
        "above 2^96",
    ),
    (
        "op\tnumeric\t0.00000000000001\t*\tnumeric\t0.000000000000001",
        "ERROR 22003",
        "result scale 29 exceeds 28",
    ),
    (
        "op\tnumeric\t-8\t^\tnumeric\t0.5",
        "ERROR 2201F",
        "same SQLSTATE; listed because the check runs first",
    ),
    (
        "op\tnumeric\t2\t/\tnumeric\t0.1234567890123456789012345678",
        "ERROR 22003",
        "30 significant digits",
    ),
    (
        "cast\tfloat8\tInfinity\tnumeric",
        "ERROR 0A000",
        "numeric infinity is not supported",
    ),
    (
        "cast\tfloat8\tNaN\tnumeric",
        "ERROR 0A000",
        "numeric NaN is not supported",
    ),
];

fn split(line: &str) -> Vec<&str> {
    line.split('\t').collect()
}

#[test]
fn text_input_matches_postgres() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in TEXT_INPUT.lines().filter(|l| !l.is_empty()) {
        let fields = split(line);
        let [type_name, input, expected] = fields[..] else {
            panic!("malformed case line: {line:?}");
        };
        let difference = TEXT_INPUT_DIFFERENCES
            .iter()
            .find(|(t, i, _, _)| *t == type_name && *i == input);
        let expected = difference.map_or(expected, |(_, _, ours, _)| *ours);
        let ty = data_type(type_name);
        // `'...'::varchar(n)` (and `char(n)`) in the generating SQL is an explicit cast, which truncates;
        // `parse_text` has input (assignment) semantics, tested separately.
        let actual = if matches!(ty, DataType::Varchar(Some(_)) | DataType::Bpchar(Some(_))) {
            outcome(Value::text(input).cast(ty, CastKind::Explicit))
        } else {
            outcome(Value::parse_text(ty, input))
        };
        if actual != expected {
            failures.push(format!(
                "{type_name} {input:?}: expected {expected:?}, got {actual:?}"
            ));
        }
        checked += 1;
    }
    assert!(checked > 150, "the case table was read ({checked} lines)");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn evaluate(fields: &[&str]) -> db001_common::Result<Value> {
    let value = |type_name: &str, text: &str| Value::parse_text(data_type(type_name), text);
    match fields[0] {
        "op" => {
            let left = value(fields[1], fields[2])?;
            let right = value(fields[4], fields[5])?;
            match fields[3] {
                "+" => ops::add(&left, &right),
                "-" => ops::sub(&left, &right),
                "*" => ops::mul(&left, &right),
                "/" => ops::div(&left, &right),
                "%" => ops::rem(&left, &right),
                "^" => ops::pow(&left, &right),
                "||" => ops::concat(&left, &right),
                other => panic!("unknown operator {other}"),
            }
        }
        "neg" => ops::neg(&value(fields[1], fields[2])?),
        "cast" => value(fields[1], fields[2])?.cast(data_type(fields[3]), CastKind::Explicit),
        other => panic!("unknown case kind {other}"),
    }
}

#[test]
fn operations_and_casts_match_postgres() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for line in OPERATIONS.lines().filter(|l| !l.is_empty()) {
        let fields = split(line);
        let (case, expected) = line.rsplit_once('\t').expect("an expected column");
        let difference = OPERATION_DIFFERENCES.iter().find(|(c, _, _)| *c == case);
        let expected = difference.map_or(expected, |(_, ours, _)| *ours);
        let actual = outcome(evaluate(&fields));
        if actual != expected {
            failures.push(format!("{case:?}: expected {expected:?}, got {actual:?}"));
        }
        checked += 1;
    }
    assert!(checked > 150, "the case table was read ({checked} lines)");
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_listed_difference_is_still_a_case() {
    for (type_name, input, _, why) in TEXT_INPUT_DIFFERENCES {
        let prefix = format!("{type_name}\t{input}\t");
        assert!(
            TEXT_INPUT.lines().any(|l| l.starts_with(&prefix)),
            "stale difference: {why}"
        );
    }
    for (case, _, why) in OPERATION_DIFFERENCES {
        let prefix = format!("{case}\t");
        assert!(
            OPERATIONS.lines().any(|l| l.starts_with(&prefix)),
            "stale difference: {why}"
        );
    }
}
