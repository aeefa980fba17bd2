//! PostgreSQL's overload resolution for functions and operators (`func_select_candidate`,
//! documented in "Type Conversion: Functions" of the PostgreSQL manual), over db001's types.
//!
//! Given candidate signatures and the argument types (`Unknown` for untyped literals and
//! parameters), the steps are:
//!
//! 1. an exact match wins (for a binary operator with one unknown side, the unknown side is
//!    first assumed to have the other side's type);
//! 2. candidates whose parameters the arguments cannot reach by implicit casts are dropped;
//! 3. keep those with the most exact type matches, then those with the most parameters of a
//!    preferred type where a conversion is needed;
//! 4. for unknown arguments, settle on a type category (strings win), preferring the
//!    category's preferred type;
//! 5. when the known arguments all have one type, assume the unknowns have it too.
//!
//! A single survivor is the answer; none is "does not exist" (42883), several are "not
//! unique" (42725). Only pseudo-type-free signatures come through here; polymorphic functions
//! (`anyelement`, `"any"`) are bound by hand in `functions`.

use db001_common::{CastKind, DataType, TypeCategory, cast_context};

/// The outcome of resolution: an index into the candidates, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Choice {
    One(usize),
    NoMatch,
    Ambiguous,
}

fn implicit(from: DataType, to: DataType) -> bool {
    from == DataType::Unknown || cast_context(from, to) == Some(CastKind::Implicit)
}

fn base(data_type: DataType) -> DataType {
    data_type.without_modifier()
}

/// Selects among `candidates` (parameter type lists) for `arguments`. `binary_operator`
/// enables step 1's unknown-as-the-other-side rule.
pub(crate) fn select(
    candidates: &[&[DataType]],
    arguments: &[DataType],
    binary_operator: bool,
) -> Choice {
    let arguments: Vec<DataType> = arguments.iter().map(|t| base(*t)).collect();
    let arity: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates[i].len() == arguments.len())
        .collect();
    // 1. Exact match.
    let mut probe = arguments.clone();
    if binary_operator && probe.len() == 2 {
        match (probe[0], probe[1]) {
            (DataType::Unknown, known) if known != DataType::Unknown => probe[0] = known,
            (known, DataType::Unknown) if known != DataType::Unknown => probe[1] = known,
            _ => {}
        }
    }
    if let Some(&exact) = arity.iter().find(|&&i| {
        candidates[i]
            .iter()
            .map(|t| base(*t))
            .eq(probe.iter().copied())
    }) {
        return Choice::One(exact);
    }
    // 2. Reachable by implicit casts.
    let mut alive: Vec<usize> = arity
        .into_iter()
        .filter(|&i| {
            candidates[i]
                .iter()
                .zip(&arguments)
                .all(|(parameter, argument)| implicit(*argument, base(*parameter)))
        })
        .collect();
    match alive.len() {
        0 => return Choice::NoMatch,
        1 => return Choice::One(alive[0]),
        _ => {}
    }
    // 3a. Most exact matches.
    let exact_count = |i: usize| {
        candidates[i]
            .iter()
            .zip(&arguments)
            .filter(|(parameter, argument)| {
                **argument != DataType::Unknown && base(**parameter) == **argument
            })
            .count()
    };
    alive = keep_best(alive, exact_count);
    if alive.len() == 1 {
        return Choice::One(alive[0]);
    }
    // 3b. Most exact-or-preferred matches where the argument is known.
    let preferred_count = |i: usize| {
        candidates[i]
            .iter()
            .zip(&arguments)
            .filter(|(parameter, argument)| {
                **argument != DataType::Unknown
                    && (base(**parameter) == **argument
                        || (parameter.is_preferred()
                            && parameter.category() == argument.category()))
            })
            .count()
    };
    alive = keep_best(alive, preferred_count);
    if alive.len() == 1 {
        return Choice::One(alive[0]);
    }
    // 4. Categories for unknown arguments.
    let unknowns: Vec<usize> = (0..arguments.len())
        .filter(|&position| arguments[position] == DataType::Unknown)
        .collect();
    if unknowns.is_empty() {
        return Choice::Ambiguous;
    }
    let mut settled = Vec::new();
    for &position in &unknowns {
        let mut category: Option<TypeCategory> = None;
        let mut has_preferred = false;
        let mut conflict = false;
        for &i in &alive {
            let parameter = candidates[i][position];
            match category {
                None => {
                    category = Some(parameter.category());
                    has_preferred = parameter.is_preferred();
                }
                Some(current) if current == parameter.category() => {
                    has_preferred |= parameter.is_preferred();
                }
                Some(_) if parameter.category() == TypeCategory::String => {
                    category = Some(TypeCategory::String);
                    has_preferred = parameter.is_preferred();
                }
                Some(_) => conflict = true,
            }
        }
        match category {
            Some(category) if !conflict || category == TypeCategory::String => {
                settled.push((position, category, has_preferred));
            }
            _ => {
                settled.clear();
                break;
            }
        }
    }
    if !settled.is_empty() {
        let kept: Vec<usize> = alive
            .iter()
            .copied()
            .filter(|&i| {
                settled.iter().all(|&(position, category, has_preferred)| {
                    let parameter = candidates[i][position];
                    parameter.category() == category && (!has_preferred || parameter.is_preferred())
                })
            })
            .collect();
        if kept.len() == 1 {
            return Choice::One(kept[0]);
        }
        if !kept.is_empty() {
            alive = kept;
        }
    }
    // 5. Unknowns assumed to be of the known arguments' single type.
    let known: Vec<DataType> = arguments
        .iter()
        .copied()
        .filter(|t| *t != DataType::Unknown)
        .collect();
    if let Some(&first) = known.first()
        && known.iter().all(|t| *t == first)
    {
        let matching: Vec<usize> = alive
            .iter()
            .copied()
            .filter(|&i| {
                candidates[i]
                    .iter()
                    .all(|parameter| implicit(first, base(*parameter)))
            })
            .collect();
        if matching.len() == 1 {
            return Choice::One(matching[0]);
        }
    }
    Choice::Ambiguous
}

/// Keeps the candidates with the highest score (all of them when every score is equal).
fn keep_best(alive: Vec<usize>, score: impl Fn(usize) -> usize) -> Vec<usize> {
    let best = alive.iter().map(|&i| score(i)).max().unwrap_or(0);
    alive.into_iter().filter(|&i| score(i) == best).collect()
}

/// PostgreSQL's `select_common_type` for CASE results, COALESCE, UNION columns, IN lists and
/// VALUES columns: the first known type, replaced by a later one it implicitly casts to (but
/// not back) unless it is its category's preferred type. `None` when categories differ.
pub(crate) fn select_common_type(types: &[DataType]) -> Option<DataType> {
    let mut known = types
        .iter()
        .map(|t| base(*t))
        .filter(|t| *t != DataType::Unknown);
    let Some(mut chosen) = known.next() else {
        return Some(DataType::Text);
    };
    for next in known {
        if next == chosen {
            continue;
        }
        if next.category() != chosen.category() {
            return None;
        }
        if !chosen.is_preferred() && implicit(chosen, next) && !implicit(next, chosen) {
            chosen = next;
        }
    }
    Some(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use DataType as T;

    #[test]
    fn operators_resolve_like_postgres() {
        let plus: &[&[DataType]] = &[
            &[T::Date, T::Int],
            &[T::Date, T::Interval],
            &[T::Date, T::Time],
            &[T::Timestamp, T::Interval],
            &[T::TimestampTz, T::Interval],
            &[T::Interval, T::Interval],
        ];
        // date + unknown: three candidates take a date, none is preferred: not unique.
        assert_eq!(
            select(plus, &[T::Date, T::Unknown], true),
            Choice::Ambiguous
        );
        // timestamp + unknown: only timestamp + interval takes a timestamp exactly.
        assert_eq!(
            select(plus, &[T::Timestamp, T::Unknown], true),
            Choice::One(3)
        );
        assert_eq!(select(plus, &[T::Date, T::SmallInt], true), Choice::One(0));
        assert_eq!(select(plus, &[T::Text, T::Text], true), Choice::NoMatch);
    }

    #[test]
    fn functions_prefer_the_preferred_type() {
        let sqrt: &[&[DataType]] = &[&[T::Double], &[T::Numeric(None)]];
        assert_eq!(select(sqrt, &[T::Int], false), Choice::One(0));
        assert_eq!(select(sqrt, &[T::Numeric(None)], false), Choice::One(1));
        assert_eq!(select(sqrt, &[T::Unknown], false), Choice::One(0));
        let length: &[&[DataType]] = &[&[T::Text], &[T::Bpchar(None)], &[T::Bytea]];
        assert_eq!(select(length, &[T::Unknown], false), Choice::One(0));
        assert_eq!(select(length, &[T::Varchar(None)], false), Choice::One(0));
        assert_eq!(select(length, &[T::Bpchar(Some(3))], false), Choice::One(1));
    }

    #[test]
    fn common_types_follow_select_common_type() {
        assert_eq!(
            select_common_type(&[T::Text, T::Varchar(None)]),
            Some(T::Text)
        );
        assert_eq!(
            select_common_type(&[T::Varchar(None), T::Text]),
            Some(T::Varchar(None))
        );
        assert_eq!(select_common_type(&[T::Real, T::Int]), Some(T::Real));
        assert_eq!(
            select_common_type(&[T::Int, T::Numeric(None)]),
            Some(T::Numeric(None))
        );
        assert_eq!(
            select_common_type(&[T::TimestampTz, T::Date]),
            Some(T::TimestampTz)
        );
        assert_eq!(
            select_common_type(&[T::Date, T::Timestamp]),
            Some(T::Timestamp)
        );
        assert_eq!(select_common_type(&[T::Unknown, T::Unknown]), Some(T::Text));
        assert_eq!(select_common_type(&[T::Int, T::Text]), None);
    }
}
