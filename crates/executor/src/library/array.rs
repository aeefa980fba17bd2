//! Array constructors, operators and functions over one-dimensional arrays.

use std::cmp::Ordering;
use std::sync::Arc;

use db001_common::array::Array;
use db001_common::{Error, Result, Value};
use db001_planner::builtin::ArrayFunction;
use db001_planner::plan::BinaryOp;

use super::{Arguments, text_value};

fn array_of(value: &Value) -> Result<Option<&Arc<Array>>> {
    match value {
        Value::Null => Ok(None),
        Value::Array(array) => Ok(Some(array)),
        other => Err(Error::internal(format!(
            "expected an array, got {}",
            other.data_type().sql_name()
        ))),
    }
}

/// The comparison of `left op right` for ANY/ALL: `None` when either is NULL.
fn compare(op: BinaryOp, left: &Value, right: &Value) -> Result<Option<bool>> {
    Ok(left.sql_cmp(right)?.map(|ordering| match op {
        BinaryOp::Eq => ordering == Ordering::Equal,
        BinaryOp::NotEq => ordering != Ordering::Equal,
        BinaryOp::Lt => ordering == Ordering::Less,
        BinaryOp::LtEq => ordering != Ordering::Greater,
        BinaryOp::Gt => ordering == Ordering::Greater,
        _ => ordering != Ordering::Less,
    }))
}

/// Calls an array function. NULL handling is per function (most are not strict).
pub(crate) fn call(function: ArrayFunction, args: Vec<Value>) -> Result<Value> {
    use ArrayFunction as F;
    if let F::Construct(element) = function {
        return Ok(Array::new(element, args).into_value());
    }
    let mut args = Arguments::new(args);
    Ok(match function {
        F::Construct(_) => return Err(Error::internal("handled above")),
        F::Quantified { op, all } => {
            let left = args.next()?;
            let right = args.next()?;
            let Some(array) = array_of(&right)? else {
                return Ok(Value::Null);
            };
            // ANY: true on the first match, NULL if some comparison was unknown, else false;
            // ALL: the same with false and true swapped. Empty arrays give false / true.
            let mut unknown = false;
            for element in &array.values {
                match compare(op, &left, element)? {
                    Some(result) if result != all => return Ok(Value::Bool(!all)),
                    Some(_) => {}
                    None => unknown = true,
                }
            }
            if unknown {
                Value::Null
            } else {
                Value::Bool(all)
            }
        }
        F::Subscript => {
            let array = args.next()?;
            let index = args.next()?;
            match (array_of(&array)?, index.as_i64()) {
                (Some(array), Some(index)) => array.get(index),
                _ => Value::Null,
            }
        }
        F::Length | F::Upper => {
            let array = args.next()?;
            let dimension = args.int()?;
            match array_of(&array)? {
                Some(array) if dimension == 1 && !array.values.is_empty() => {
                    let length = array.values.len() as i32;
                    Value::Int32(if function == F::Upper {
                        array.lower_bound + length - 1
                    } else {
                        length
                    })
                }
                _ => Value::Null,
            }
        }
        F::Lower => {
            let array = args.next()?;
            let dimension = args.int()?;
            match array_of(&array)? {
                Some(array) if dimension == 1 && !array.values.is_empty() => {
                    Value::Int32(array.lower_bound)
                }
                _ => Value::Null,
            }
        }
        F::Cardinality => {
            let array = args.next()?;
            match array_of(&array)? {
                Some(array) => Value::Int32(array.values.len() as i32),
                None => Value::Null,
            }
        }
        F::Ndims => {
            let array = args.next()?;
            match array_of(&array)? {
                Some(array) if !array.values.is_empty() => Value::Int32(1),
                _ => Value::Null,
            }
        }
        F::ToString => {
            let array = args.next()?;
            let separator = args.optional_text()?;
            let null_text = args.optional_text()?;
            let (Some(array), Some(separator)) = (array_of(&array)?, separator) else {
                return Ok(Value::Null);
            };
            let parts: Vec<String> = array
                .values
                .iter()
                .filter_map(|value| {
                    if value.is_null() {
                        null_text.clone()
                    } else {
                        Some(value.to_text())
                    }
                })
                .collect();
            text_value(parts.join(&separator))
        }
        F::FromString => {
            let text = args.optional_text()?;
            let separator = args.optional_text()?;
            let null_text = args.optional_text()?;
            let Some(text) = text else {
                return Ok(Value::Null);
            };
            let pieces: Vec<String> = match separator {
                None => text.chars().map(String::from).collect(),
                Some(_) if text.is_empty() => Vec::new(),
                Some(separator) if separator.is_empty() => vec![text],
                Some(separator) => text.split(separator.as_str()).map(String::from).collect(),
            };
            let values = pieces
                .into_iter()
                .map(|piece| {
                    if null_text.as_deref() == Some(piece.as_str()) {
                        Value::Null
                    } else {
                        text_value(piece)
                    }
                })
                .collect();
            Array::new(db001_common::ElementType::Text, values).into_value()
        }
        F::Append | F::Prepend | F::Cat => {
            let first = args.next()?;
            let second = args.next()?;
            let (array_side, other) = if function == F::Prepend {
                (&second, &first)
            } else {
                (&first, &second)
            };
            let element = match (array_side, other) {
                (Value::Array(array), _) => array.element,
                (_, Value::Array(array)) if function == F::Cat => array.element,
                (Value::Null, _) if function != F::Cat => {
                    // A NULL array with a new element: PostgreSQL builds a one-element array,
                    // but it cannot know the element type here from a NULL; the binder gave
                    // the element the array's element type, so use the value's own type.
                    match db001_common::ElementType::of(other.data_type()) {
                        Some(element) => element,
                        None => return Ok(Value::Null),
                    }
                }
                _ => return Ok(Value::Null),
            };
            let mut values = Vec::new();
            match function {
                F::Cat => {
                    for side in [&first, &second] {
                        if let Some(array) = array_of(side)? {
                            values.extend(array.values.iter().cloned());
                        }
                    }
                }
                F::Append => {
                    if let Some(array) = array_of(&first)? {
                        values.extend(array.values.iter().cloned());
                    }
                    values.push(second.clone());
                }
                _ => {
                    values.push(first.clone());
                    if let Some(array) = array_of(&second)? {
                        values.extend(array.values.iter().cloned());
                    }
                }
            }
            Array::new(element, values).into_value()
        }
        F::Position => {
            let array = args.next()?;
            let wanted = args.next()?;
            let Some(array) = array_of(&array)? else {
                return Ok(Value::Null);
            };
            // IS NOT DISTINCT FROM: a NULL finds the first NULL element.
            array
                .values
                .iter()
                .position(|value| {
                    (value.is_null() && wanted.is_null())
                        || (!value.is_null()
                            && !wanted.is_null()
                            && value.sql_cmp(&wanted).ok().flatten() == Some(Ordering::Equal))
                })
                .map_or(Value::Null, |index| Value::Int32(index as i32 + 1))
        }
        F::Contains => {
            let container = args.next()?;
            let contained = args.next()?;
            let (Some(container), Some(contained)) = (array_of(&container)?, array_of(&contained)?)
            else {
                return Ok(Value::Null);
            };
            // NULL elements never match, as in PostgreSQL's array_contain_compare.
            Value::Bool(contained.values.iter().all(|wanted| {
                !wanted.is_null()
                    && container
                        .values
                        .iter()
                        .any(|value| value.sql_cmp(wanted).ok().flatten() == Some(Ordering::Equal))
            }))
        }
        F::Remove => {
            let array = args.next()?;
            let unwanted = args.next()?;
            let Some(array) = array_of(&array)? else {
                return Ok(Value::Null);
            };
            let values = array
                .values
                .iter()
                .filter(|value| {
                    !((value.is_null() && unwanted.is_null())
                        || (!value.is_null()
                            && !unwanted.is_null()
                            && value.sql_cmp(&unwanted).ok().flatten() == Some(Ordering::Equal)))
                })
                .cloned()
                .collect();
            Array::new(array.element, values).into_value()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use db001_common::ElementType;

    fn int_array(values: &[Option<i32>]) -> Value {
        Array::new(
            ElementType::Int,
            values
                .iter()
                .map(|v| v.map_or(Value::Null, Value::Int32))
                .collect(),
        )
        .into_value()
    }

    #[test]
    fn any_and_all_follow_three_valued_logic() {
        let any = ArrayFunction::Quantified {
            op: BinaryOp::Eq,
            all: false,
        };
        let all = ArrayFunction::Quantified {
            op: BinaryOp::Eq,
            all: true,
        };
        let run = |function, left: i32, array: Value| {
            call(function, vec![Value::Int32(left), array]).expect("valid")
        };
        assert_eq!(
            run(any, 2, int_array(&[Some(1), Some(2)])),
            Value::Bool(true)
        );
        assert!(run(any, 3, int_array(&[Some(1), None])).is_null());
        assert_eq!(run(any, 3, int_array(&[])), Value::Bool(false));
        assert_eq!(run(all, 1, int_array(&[])), Value::Bool(true));
        assert_eq!(run(all, 1, int_array(&[Some(2), None])), Value::Bool(false));
        assert!(run(all, 1, int_array(&[Some(1), None])).is_null());
    }
}
