//! Types: resolving type names, typing literals, and PostgreSQL's implicit coercions.

use db001_common::value::CastKind;
use db001_common::{DataType, Error, NumericTypmod, Result, SqlState, Value};
use db001_sql::ast;

use crate::plan::Expr;

/// Resolves a type as written to a db001 type.
pub fn resolve_type(type_name: &ast::TypeName) -> Result<DataType> {
    if type_name.array_dims > 0 {
        return Err(Error::feature_not_supported(
            "array types are not supported yet",
        ));
    }
    let modifiers = &type_name.modifiers;
    let no_modifiers = |data_type: DataType| -> Result<DataType> {
        if modifiers.is_empty() {
            Ok(data_type)
        } else {
            Err(Error::syntax(format!(
                "type modifier is not allowed for type \"{}\"",
                type_name.name
            )))
        }
    };
    match type_name.name.as_str() {
        "boolean" | "bool" => no_modifiers(DataType::Bool),
        "smallint" | "int2" => no_modifiers(DataType::SmallInt),
        "integer" | "int" | "int4" => no_modifiers(DataType::Int),
        "bigint" | "int8" => no_modifiers(DataType::BigInt),
        "double precision" | "float8" | "float" => no_modifiers(DataType::Double),
        "text" => no_modifiers(DataType::Text),
        "timestamp" | "timestamp without time zone" => no_modifiers(DataType::Timestamp),
        "character varying" | "varchar" => match modifiers.as_slice() {
            [] => Ok(DataType::Varchar(None)),
            [n] if *n >= 1 && *n <= 10_485_760 => Ok(DataType::Varchar(Some(*n as u32))),
            [_] => Err(Error::syntax(
                "length for type varchar must be between 1 and 10485760",
            )),
            _ => Err(Error::syntax("invalid type modifier")),
        },
        "numeric" | "decimal" => match modifiers.as_slice() {
            [] => Ok(DataType::Numeric(None)),
            [precision] => numeric_typmod(*precision, 0),
            [precision, scale] => numeric_typmod(*precision, *scale),
            _ => Err(Error::syntax("invalid NUMERIC type modifier")),
        },
        other => Err(Error::feature_not_supported(format!(
            "type \"{other}\" is not supported yet"
        ))),
    }
}

fn numeric_typmod(precision: i64, scale: i64) -> Result<DataType> {
    if !(1..=1000).contains(&precision) {
        return Err(Error::syntax(format!(
            "NUMERIC precision {precision} must be between 1 and 1000"
        )));
    }
    if scale < 0 || scale > precision {
        return Err(Error::syntax(format!(
            "NUMERIC scale {scale} must be between 0 and precision {precision}"
        )));
    }
    if precision > db001_common::types::NUMERIC_PRECISION_MAX as i64 {
        return Err(Error::feature_not_supported(format!(
            "NUMERIC precision {precision} is above db001's limit of {}",
            db001_common::types::NUMERIC_PRECISION_MAX
        )));
    }
    Ok(DataType::Numeric(Some(NumericTypmod {
        precision: precision as u16,
        scale: scale as u16,
    })))
}

/// The value and type of a numeric literal as PostgreSQL types it: int4 if it fits, else int8,
/// else numeric; anything with a point or exponent is numeric.
pub fn number_literal(text: &str) -> Result<(Value, DataType)> {
    let is_integer = text
        .bytes()
        .enumerate()
        .all(|(i, b)| b.is_ascii_digit() || (i == 0 && b == b'-'));
    if is_integer {
        if let Ok(v) = text.parse::<i32>() {
            return Ok((Value::Int32(v), DataType::Int));
        }
        if let Ok(v) = text.parse::<i64>() {
            return Ok((Value::Int64(v), DataType::BigInt));
        }
    }
    let numeric = db001_common::Numeric::parse(text)?;
    Ok((Value::Numeric(numeric), DataType::Numeric(None)))
}

/// Rank in PostgreSQL's numeric promotion order, or None for non-numeric types.
fn numeric_rank(data_type: DataType) -> Option<u8> {
    Some(match data_type {
        DataType::SmallInt => 1,
        DataType::Int => 2,
        DataType::BigInt => 3,
        DataType::Numeric(_) => 4,
        DataType::Double => 5,
        _ => return None,
    })
}

/// Whether the type is an integer type.
pub fn is_integer(data_type: DataType) -> bool {
    matches!(
        data_type,
        DataType::SmallInt | DataType::Int | DataType::BigInt
    )
}

/// The common type two operands are promoted to, if PostgreSQL would find one implicitly.
pub fn common_type(left: DataType, right: DataType) -> Option<DataType> {
    use DataType::*;
    if left == right {
        return Some(left);
    }
    match (left, right) {
        (Unknown, other) | (other, Unknown) => Some(if other == Unknown { Text } else { other }),
        (a, b) if a.is_string() && b.is_string() => Some(Text),
        (a, b) => {
            let (ra, rb) = (numeric_rank(a)?, numeric_rank(b)?);
            Some(if ra >= rb {
                a.without_modifier()
            } else {
                b.without_modifier()
            })
        }
    }
}

/// Whether PostgreSQL casts `from` to `to` implicitly (in expressions and assignments).
pub fn implicitly_castable(from: DataType, to: DataType) -> bool {
    if from == to || from == DataType::Unknown {
        return true;
    }
    if from.is_string() && to.is_string() {
        return true;
    }
    match (numeric_rank(from), numeric_rank(to)) {
        (Some(a), Some(b)) => a <= b,
        _ => false,
    }
}

/// Whether an assignment (INSERT, UPDATE) may convert `from` to `to` (PostgreSQL's assignment
/// casts: implicit ones plus numeric narrowing and anything to text).
pub fn assignment_castable(from: DataType, to: DataType) -> bool {
    implicitly_castable(from, to)
        || (numeric_rank(from).is_some() && numeric_rank(to).is_some())
        || to.is_string()
}

/// Wraps `expr` (of type `from`) so it yields `to`; literals are converted at once.
///
/// Implicit numeric promotions do not come through here: the evaluator's operators accept mixed
/// numeric operands and promote them as PostgreSQL's cross-type operators do, which also keeps a
/// bare column on one side of a comparison (so an index on it stays usable).
pub fn cast_expr(expr: Expr, from: DataType, to: DataType, kind: CastKind) -> Result<Expr> {
    if from == to || to == DataType::Unknown {
        return Ok(expr);
    }
    if let Expr::Literal(value) = &expr {
        let cast = match value {
            Value::Text(s) if from == DataType::Unknown => Value::parse_text(to, s)?,
            other => other.cast(to, kind)?,
        };
        return Ok(Expr::Literal(cast));
    }
    Ok(Expr::Cast {
        expr: Box::new(expr),
        to,
    })
}

/// The error PostgreSQL gives for an operator without a matching signature.
pub fn no_operator(symbol: &str, left: DataType, right: DataType) -> Error {
    Error::new(
        SqlState::UNDEFINED_FUNCTION,
        format!(
            "operator does not exist: {} {symbol} {}",
            left.sql_name(),
            right.sql_name()
        ),
    )
    .with_hint(
        "No operator matches the given name and argument types. You might need to add explicit type casts.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_typed_like_postgres() {
        assert_eq!(number_literal("42").expect("ok").1, DataType::Int);
        assert_eq!(number_literal("-2147483648").expect("ok").1, DataType::Int);
        assert_eq!(
            number_literal("2147483648").expect("ok").1,
            DataType::BigInt
        );
        assert_eq!(
            number_literal("99999999999999999999").expect("ok").1,
            DataType::Numeric(None)
        );
        assert_eq!(
            number_literal("1.5").expect("ok").1,
            DataType::Numeric(None)
        );
    }

    #[test]
    fn promotion_follows_postgres() {
        assert_eq!(
            common_type(DataType::Int, DataType::BigInt),
            Some(DataType::BigInt)
        );
        assert_eq!(
            common_type(DataType::Int, DataType::Numeric(None)),
            Some(DataType::Numeric(None))
        );
        assert_eq!(
            common_type(DataType::Numeric(None), DataType::Double),
            Some(DataType::Double)
        );
        assert_eq!(
            common_type(DataType::Varchar(Some(3)), DataType::Text),
            Some(DataType::Text)
        );
        assert_eq!(common_type(DataType::Text, DataType::Int), None);
        assert_eq!(
            common_type(DataType::Unknown, DataType::Int),
            Some(DataType::Int)
        );
    }
}
