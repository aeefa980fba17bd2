//! Types: resolving type names, typing literals, and PostgreSQL's implicit coercions.

use db001_common::value::CastKind;
use db001_common::{DataType, Error, NumericTypmod, Result, SqlState, Value, cast_context};
use db001_sql::ast;

use crate::plan::Expr;

/// Resolves a type as written to a db001 type. Array types of any declared dimensions are
/// one-dimensional arrays, as PostgreSQL treats them (it ignores declared dimensions too).
pub fn resolve_type(type_name: &ast::TypeName) -> Result<DataType> {
    let scalar = resolve_scalar_type(type_name)?;
    if type_name.array_dims == 0 {
        return Ok(scalar);
    }
    db001_common::array::element_of(scalar).map(DataType::Array)
}

fn resolve_scalar_type(type_name: &ast::TypeName) -> Result<DataType> {
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
        // Transaction and command ids are bigint in db001 (see crate::system).
        "bigint" | "int8" | "xid" | "cid" => no_modifiers(DataType::BigInt),
        "oid" => no_modifiers(DataType::Oid),
        "int2vector" => no_modifiers(DataType::Int2Vector),
        "oidvector" => no_modifiers(DataType::OidVector),
        // `name` and `"char"` are text in db001 (see crate::system).
        "name" | "char" => no_modifiers(DataType::Text),
        "double precision" | "float8" | "float" => no_modifiers(DataType::Double),
        "real" | "float4" => no_modifiers(DataType::Real),
        "text" => no_modifiers(DataType::Text),
        "bytea" => no_modifiers(DataType::Bytea),
        "date" => no_modifiers(DataType::Date),
        "uuid" => no_modifiers(DataType::Uuid),
        "json" => no_modifiers(DataType::Json),
        "jsonb" => no_modifiers(DataType::Jsonb),
        "timestamp" | "timestamp without time zone" | "time" | "timestamptz" | "interval"
            if !modifiers.is_empty() =>
        {
            Err(Error::feature_not_supported(format!(
                "precision for type {} is not supported by db001",
                type_name.name
            ))
            .with_hint("Declare the type without a precision; db001 keeps microseconds."))
        }
        "timestamp" | "timestamp without time zone" => Ok(DataType::Timestamp),
        "timestamptz" | "timestamp with time zone" => Ok(DataType::TimestampTz),
        "time" | "time without time zone" => Ok(DataType::Time),
        "interval" => Ok(DataType::Interval),
        "timetz" | "time with time zone" => Err(Error::feature_not_supported(
            "type time with time zone is not supported by db001",
        )),
        // `character` without a length is `character(1)`; `bpchar` has no length.
        "character" | "bpchar" => match modifiers.as_slice() {
            [] if type_name.name == "bpchar" => Ok(DataType::Bpchar(None)),
            [] => Ok(DataType::Bpchar(Some(1))),
            [n] if *n >= 1 && *n <= 10_485_760 => Ok(DataType::Bpchar(Some(*n as u32))),
            [_] => Err(Error::syntax(
                "length for type char must be between 1 and 10485760",
            )),
            _ => Err(Error::syntax("invalid type modifier")),
        },
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

/// Whether the type is an integer type.
pub fn is_integer(data_type: DataType) -> bool {
    matches!(
        data_type,
        DataType::SmallInt | DataType::Int | DataType::BigInt
    )
}

/// The common type of two expressions as PostgreSQL's `select_common_type` chooses it (see
/// [`super::resolve::select_common_type`]); unknowns take the other side's type, two
/// unknowns are text.
pub fn common_type(left: DataType, right: DataType) -> Option<DataType> {
    super::resolve::select_common_type(&[left, right])
}

/// Whether an assignment (INSERT, UPDATE) may convert `from` to `to` (PostgreSQL's implicit
/// and assignment casts, `pg_cast.castcontext` `i` and `a`).
pub fn assignment_castable(from: DataType, to: DataType) -> bool {
    cast_context(from, to).is_some_and(|kind| kind <= CastKind::Assignment)
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
        // Both string types cast implicitly to each other: the first one stays.
        assert_eq!(
            common_type(DataType::Varchar(Some(3)), DataType::Text),
            Some(DataType::Varchar(None))
        );
        assert_eq!(
            common_type(DataType::Text, DataType::Varchar(Some(3))),
            Some(DataType::Text)
        );
        assert_eq!(common_type(DataType::Text, DataType::Int), None);
        assert_eq!(
            common_type(DataType::Unknown, DataType::Int),
            Some(DataType::Int)
        );
    }
}
