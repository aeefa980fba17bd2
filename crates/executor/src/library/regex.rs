//! The POSIX regular expression operators `~`, `~*`, `!~`, `!~*`.
//!
//! PostgreSQL's patterns are "advanced regular expressions" (ARE); the `regex` crate reads
//! most of the same syntax (classes, `[[:alpha:]]`, quantifiers, `{m,n}`, non-greedy
//! quantifiers, `(?i)` and other embedded options, `\d \s \w`). Translated here: `\m`, `\M`
//! and `\y` (word boundaries) become `\b`, `\Y` becomes `\B`, `\Z` becomes `\z`. Not
//! available (error 2201B): back-references (`\1`), lookahead and lookbehind, and the
//! `***:` / `***=` prefixes.
//!
//! Compiled patterns are cached per thread, so a pattern applied to every row of a scan is
//! compiled once.

use std::cell::RefCell;
use std::collections::HashMap;

use db001_common::{Error, Result, SqlState, Value};

/// Patterns kept per thread; the cache is cleared when it grows past this.
const CACHED_PATTERNS_MAX: usize = 256;

thread_local! {
    static CACHE: RefCell<HashMap<(String, bool), regex::Regex>> = RefCell::new(HashMap::new());
}

/// PostgreSQL's ARE escapes that mean something else (or nothing) to the `regex` crate.
fn translate(pattern: &str) -> Result<String> {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('m' | 'M' | 'y') => out.push_str("\\b"),
            Some('Y') => out.push_str("\\B"),
            Some('Z') => out.push_str("\\z"),
            Some(digit @ '1'..='9') => {
                return Err(invalid(&format!(
                    "back-references (\\{digit}) are not supported by db001"
                )));
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    Ok(out)
}

fn invalid(reason: &str) -> Error {
    Error::new(
        SqlState::new("2201B"),
        format!("invalid regular expression: {reason}"),
    )
}

/// Whether `text` matches `pattern` (anywhere, as PostgreSQL's `~` does).
pub(crate) fn matches(text: &str, pattern: &str, case_insensitive: bool) -> Result<bool> {
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let key = (pattern.to_string(), case_insensitive);
        if let Some(compiled) = cache.get(&key) {
            return Ok(compiled.is_match(text));
        }
        let compiled = regex::RegexBuilder::new(&translate(pattern)?)
            .case_insensitive(case_insensitive)
            .build()
            .map_err(|error| invalid(&error.to_string()))?;
        let matched = compiled.is_match(text);
        if cache.len() >= CACHED_PATTERNS_MAX {
            cache.clear();
        }
        cache.insert(key, compiled);
        Ok(matched)
    })
}

/// The operator on evaluated arguments (NULLs are handled by the caller: the operator is
/// strict).
pub(crate) fn call(args: &[Value], case_insensitive: bool, negated: bool) -> Result<Value> {
    let (Some(Value::Text(text)), Some(Value::Text(pattern))) = (args.first(), args.get(1)) else {
        return Ok(Value::Null);
    };
    Ok(Value::Bool(
        matches(text, pattern, case_insensitive)? != negated,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_patterns() {
        assert!(matches("pg_toast", "^pg_toast", false).expect("valid"));
        assert!(matches("customer", "^(customer)$", false).expect("valid"));
        assert!(!matches("customers", "^(customer)$", false).expect("valid"));
        assert!(matches("CUSTOMER", "^customer$", true).expect("valid"));
        assert!(matches("a word here", "\\mword\\M", false).expect("valid"));
        assert!(matches("x1", "[[:alpha:]][[:digit:]]", false).expect("valid"));
        let error = matches("aa", "(a)\\1", false).expect_err("back-reference");
        assert_eq!(error.code(), SqlState::new("2201B"));
        assert!(matches("a", "(", false).is_err());
        assert_eq!(
            call(&[Value::text("abc"), Value::text("^a")], false, true).expect("valid"),
            Value::Bool(false)
        );
    }
}
