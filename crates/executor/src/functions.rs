//! Scalar functions: the original handful (`coalesce`, `greatest`, `abs`, `round`, session
//! functions) and the dispatch into the function library ([`crate::library`]); and LIKE.

use std::cmp::Ordering;
use std::sync::Arc;

use db001_common::{Error, Numeric, Result, SqlState, Value};
use db001_planner::plan::Function;

use crate::eval::Env;

/// Calls a scalar function on evaluated arguments (argument types were checked by the binder).
pub fn call(function: Function, args: Vec<Value>, env: Env<'_>) -> Result<Value> {
    let session = &env.ctx.session;
    match function {
        Function::Coalesce => Ok(args
            .into_iter()
            .find(|v| !v.is_null())
            .unwrap_or(Value::Null)),
        Function::NullIf => {
            let mut args = args.into_iter();
            let (left, right) = (next(&mut args)?, next(&mut args)?);
            Ok(match left.sql_cmp(&right)? {
                Some(Ordering::Equal) => Value::Null,
                _ => left,
            })
        }
        Function::Greatest | Function::Least => {
            let mut best: Option<Value> = None;
            for value in args.into_iter().filter(|v| !v.is_null()) {
                best = Some(match best {
                    None => value,
                    Some(current) => {
                        let ordering = value.sql_cmp(&current)?.unwrap_or(Ordering::Equal);
                        let replace = match function {
                            Function::Greatest => ordering == Ordering::Greater,
                            _ => ordering == Ordering::Less,
                        };
                        if replace { value } else { current }
                    }
                });
            }
            Ok(best.unwrap_or(Value::Null))
        }
        Function::Abs => Ok(match single(args)? {
            Value::Int16(v) => Value::Int16(
                v.checked_abs()
                    .ok_or_else(|| Error::out_of_range("smallint out of range"))?,
            ),
            Value::Int32(v) => Value::Int32(
                v.checked_abs()
                    .ok_or_else(|| Error::out_of_range("integer out of range"))?,
            ),
            Value::Int64(v) => Value::Int64(
                v.checked_abs()
                    .ok_or_else(|| Error::out_of_range("bigint out of range"))?,
            ),
            Value::Float32(v) => Value::Float32(v.abs()),
            Value::Float64(v) => Value::Float64(v.abs()),
            Value::Numeric(n) => Value::Numeric(n.abs()),
            other => other,
        }),
        Function::Round | Function::Trunc | Function::Floor | Function::Ceil => {
            round_like(function, args)
        }
        Function::Lower => text_map(args, crate::library::lower),
        Function::Upper => text_map(args, crate::library::upper),
        Function::Length => Ok(match single(args)? {
            Value::Text(s) => Value::Int32(s.chars().count() as i32),
            _ => Value::Null,
        }),
        Function::Version => Ok(Value::text(&session.version)),
        Function::CurrentDatabase => Ok(Value::text(&session.database)),
        Function::CurrentSchema => Ok(Value::text("public")),
        Function::CurrentUser => Ok(Value::text(&session.user)),
        Function::PgBackendPid => Ok(Value::Int32(session.backend_pid)),
        Function::Random => Ok(Value::Float64(random_unit())),
        Function::Builtin(builtin) => crate::library::call(builtin, args, env),
    }
}

fn next(args: &mut impl Iterator<Item = Value>) -> Result<Value> {
    args.next()
        .ok_or_else(|| Error::internal("missing function argument"))
}

fn single(args: Vec<Value>) -> Result<Value> {
    next(&mut args.into_iter())
}

fn text_map(args: Vec<Value>, f: impl Fn(&str) -> String) -> Result<Value> {
    Ok(match single(args)? {
        Value::Text(s) => Value::Text(Arc::from(f(&s))),
        _ => Value::Null,
    })
}

fn round_like(function: Function, args: Vec<Value>) -> Result<Value> {
    let mut args = args.into_iter();
    let value = next(&mut args)?;
    let places = match args.next() {
        Some(Value::Int32(p)) => Some(p),
        Some(Value::Null) => return Ok(Value::Null),
        Some(_) => return Err(Error::internal("round: places must be an integer")),
        None => None,
    };
    Ok(match value {
        Value::Null => Value::Null,
        Value::Float64(v) => Value::Float64(match function {
            // PostgreSQL's round(float8) is rint(): halves go to the even neighbour.
            Function::Round => v.round_ties_even(),
            Function::Trunc => v.trunc(),
            Function::Floor => v.floor(),
            _ => v.ceil(),
        }),
        Value::Numeric(n) => {
            let scale = places.unwrap_or(0);
            Value::Numeric(match function {
                Function::Round => n.checked_round_to_scale(scale)?,
                Function::Trunc => n.checked_trunc_to_scale(scale)?,
                Function::Floor => floor_numeric(&n)?,
                _ => floor_numeric(&n.neg())?.neg(),
            })
        }
        other => other,
    })
}

fn floor_numeric(n: &Numeric) -> Result<Numeric> {
    let truncated = n.trunc_to_scale(0);
    if n.sql_less_than_zero() && truncated != *n {
        truncated.checked_sub(&Numeric::from_i64(1))
    } else {
        Ok(truncated)
    }
}

trait NumericSign {
    fn sql_less_than_zero(&self) -> bool;
}

impl NumericSign for Numeric {
    fn sql_less_than_zero(&self) -> bool {
        *self < Numeric::from_i64(0)
    }
}

/// A pseudo-random number in [0, 1) from a per-thread xorshift generator seeded by the clock.
fn random_unit() -> f64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0x9E37_79B9_7F4A_7C15, |d| d.as_nanos() as u64)
                | 1,
        );
    }
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

/// SQL LIKE with `%`, `_` and the default escape character `\`.
pub fn like(value: &str, pattern: &str) -> Result<bool> {
    let value: Vec<char> = value.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < pattern.len() {
        if pattern[i] == '\\' {
            if i + 1 == pattern.len() {
                return Err(Error::new(
                    SqlState::INVALID_ESCAPE_SEQUENCE,
                    "LIKE pattern must not end with escape character",
                ));
            }
            i += 1;
        }
        i += 1;
    }
    // Iterative matching with backtracking to the last `%` (linear in practice, no recursion).
    let (mut v, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while v < value.len() {
        if p < pattern.len() {
            match pattern[p] {
                '%' => {
                    star = Some((p, v));
                    p += 1;
                    continue;
                }
                '_' => {
                    v += 1;
                    p += 1;
                    continue;
                }
                '\\' => {
                    // Validated above: an escape is always followed by a character.
                    let escaped = pattern[p + 1];
                    if escaped == value[v] {
                        v += 1;
                        p += 2;
                        continue;
                    }
                }
                c if c == value[v] => {
                    v += 1;
                    p += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((star_p, star_v)) => {
                star = Some((star_p, star_v + 1));
                p = star_p + 1;
                v = star_v + 1;
            }
            None => return Ok(false),
        }
    }
    while p < pattern.len() && pattern[p] == '%' {
        p += 1;
    }
    Ok(p == pattern.len())
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_matches_postgres_semantics() {
        let cases = [
            ("abc", "abc", true),
            ("abc", "a%", true),
            ("abc", "%c", true),
            ("abc", "%b%", true),
            ("abc", "a_c", true),
            ("abc", "a_", false),
            ("", "%", true),
            ("", "_", false),
            ("a%c", "a\\%c", true),
            ("abc", "a\\%c", false),
            ("aaab", "%a%b", true),
            ("mississippi", "%iss%ppi", true),
        ];
        for (value, pattern, expected) in cases {
            assert_eq!(
                like(value, pattern).expect("valid"),
                expected,
                "{value} LIKE {pattern}"
            );
        }
        assert!(like("a", "a\\").is_err());
    }
}
