//! Binding arrays: `ARRAY[...]`, `value op ANY/ALL (array)`, `array[index]`, and the array
//! functions (`array_length`, `cardinality`, `array_to_string`, `string_to_array`,
//! `array_append`, `array_prepend`, `array_cat`, `array_position`, `array_remove`,
//! `array_lower`, `array_upper`, `array_ndims`).
//!
//! Arrays are one-dimensional (see `db001_common::array`): nested `ARRAY[[...]]` is refused
//! with 0A000. `ANY`/`ALL` over a subquery belongs to subquery support and is refused here.

use db001_common::array::element_of;
use db001_common::{DataType, Error, Result, SqlState};
use db001_sql::ast;

use super::expr::undefined_function;
use super::functions::{Argument, Bound};
use super::{Binder, Scope};
use crate::builtin::{ArrayFunction, Builtin};
use crate::plan::{BinaryOp, Expr, Function};

fn is_array_function(name: &str) -> bool {
    matches!(
        name,
        "array_length"
            | "cardinality"
            | "array_lower"
            | "array_upper"
            | "array_ndims"
            | "array_to_string"
            | "array_append"
            | "array_prepend"
            | "array_cat"
            | "array_position"
            | "array_remove"
    )
}

fn array_call(function: ArrayFunction, args: Vec<Expr>) -> Expr {
    Expr::Function {
        function: Function::Builtin(Builtin::Array(function)),
        args,
    }
}

impl Binder<'_> {
    /// An `int2vector` or `oidvector` used where an array is expected becomes the array of
    /// its element type (its lower bound 0 kept), as PostgreSQL lets vectors stand for
    /// arrays; other expressions are returned as they are.
    pub(crate) fn as_array(&mut self, expr: Expr, data_type: DataType) -> Result<Argument> {
        match data_type {
            DataType::Int2Vector | DataType::OidVector => {
                let element = data_type
                    .array_element()
                    .expect("vectors have an element type");
                let array = DataType::Array(element);
                Ok((self.coerce(expr, data_type, array)?, array))
            }
            _ => Ok((expr, data_type)),
        }
    }

    /// `ARRAY[a, b, ...]`: the elements' common type (unknown literals are text).
    pub(crate) fn bind_array_constructor(
        &mut self,
        items: &[ast::Expr],
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        if items
            .iter()
            .any(|item| matches!(item, ast::Expr::Array(..)))
        {
            return Err(Error::feature_not_supported(
                "multidimensional arrays are not supported by db001",
            ));
        }
        if items.is_empty() {
            return Err(Error::new(
                SqlState::INDETERMINATE_DATATYPE,
                "cannot determine type of empty array",
            )
            .with_hint("Explicitly cast to the desired type, for example ARRAY[]::integer[]."));
        }
        let mut bound = Vec::with_capacity(items.len());
        for item in items {
            bound.push(self.bind_expr(item, scope)?);
        }
        let (values, element_type) = self.unify(bound, "ARRAY")?;
        let element = element_of(element_type)?;
        Ok((
            array_call(ArrayFunction::Construct(element), values),
            DataType::Array(element),
        ))
    }

    /// `left op ANY (array)` / `left op ALL (array)`.
    pub(crate) fn bind_quantified(
        &mut self,
        left: &ast::Expr,
        op: ast::BinaryOp,
        all: bool,
        right: &ast::Expr,
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        if matches!(right, ast::Expr::Subquery(..)) {
            return Err(Error::feature_not_supported(
                "ANY/ALL with a subquery is not supported yet",
            ));
        }
        let op = match op {
            ast::BinaryOp::Eq => BinaryOp::Eq,
            ast::BinaryOp::NotEq => BinaryOp::NotEq,
            ast::BinaryOp::Lt => BinaryOp::Lt,
            ast::BinaryOp::LtEq => BinaryOp::LtEq,
            ast::BinaryOp::Gt => BinaryOp::Gt,
            ast::BinaryOp::GtEq => BinaryOp::GtEq,
            other => {
                return Err(Error::feature_not_supported(format!(
                    "operator {other:?} with ANY/ALL is not supported by db001"
                )));
            }
        };
        let (l, lt) = self.bind_expr(left, scope)?;
        let (r, rt) = self.bind_expr(right, scope)?;
        let (r, rt) = self.as_array(r, rt)?;
        let (l, r) = match (lt, rt) {
            (DataType::Unknown, DataType::Unknown) => {
                let array = DataType::Array(db001_common::ElementType::Text);
                (
                    self.coerce(l, lt, DataType::Text)?,
                    self.coerce(r, rt, array)?,
                )
            }
            (known, DataType::Unknown) => {
                let array = DataType::Array(element_of(known)?);
                (l, self.coerce(r, rt, array)?)
            }
            (_, DataType::Array(element)) => {
                let element_type = element.data_type();
                let implicit = |from: DataType, to: DataType| {
                    db001_common::cast_context(from, to) == Some(db001_common::CastKind::Implicit)
                };
                if lt.without_modifier() == element_type
                    || lt == DataType::Unknown
                    || (lt.is_string() && element_type.is_string())
                    || implicit(lt, element_type)
                {
                    (self.coerce(l, lt, element_type)?, r)
                } else if implicit(element_type, lt) {
                    let wider = DataType::Array(element_of(lt)?);
                    (l, self.coerce(r, rt, wider)?)
                } else {
                    return Err(super::coerce::no_operator(op.symbol(), lt, element_type));
                }
            }
            (_, other) => {
                return Err(Error::new(
                    SqlState::WRONG_OBJECT_TYPE,
                    format!(
                        "op ANY/ALL (array) requires array on right side, not {}",
                        other.sql_name()
                    ),
                ));
            }
        };
        Ok((
            array_call(ArrayFunction::Quantified { op, all }, vec![l, r]),
            DataType::Bool,
        ))
    }

    /// `array[index]`.
    pub(crate) fn bind_subscript(
        &mut self,
        array: &ast::Expr,
        index: &ast::Expr,
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        let (array, array_type) = self.bind_expr(array, scope)?;
        let (array, array_type) = self.as_array(array, array_type)?;
        let DataType::Array(element) = array_type else {
            return Err(Error::new(
                SqlState::DATATYPE_MISMATCH,
                format!(
                    "cannot subscript type {} because it does not support subscripting",
                    array_type.sql_name()
                ),
            ));
        };
        let (index, index_type) = self.bind_expr(index, scope)?;
        if !matches!(
            index_type,
            DataType::SmallInt | DataType::Int | DataType::BigInt | DataType::Unknown
        ) {
            return Err(Error::new(
                SqlState::DATATYPE_MISMATCH,
                "array subscript must have type integer",
            ));
        }
        let index = self.coerce(index, index_type, DataType::Int)?;
        Ok((
            array_call(ArrayFunction::Subscript, vec![array, index]),
            element.data_type(),
        ))
    }

    /// The array functions; the arguments come back when `name` is not one of them.
    pub(crate) fn bind_array_function(&mut self, name: &str, args: Vec<Argument>) -> Result<Bound> {
        let args = if is_array_function(name) {
            args.into_iter()
                .map(|(expr, data_type)| self.as_array(expr, data_type))
                .collect::<Result<Vec<Argument>>>()?
        } else {
            args
        };
        let types: Vec<DataType> = args.iter().map(|(_, t)| *t).collect();
        let function = match (name, args.len()) {
            ("array_length", 2) => ArrayFunction::Length,
            ("cardinality", 1) => ArrayFunction::Cardinality,
            ("array_lower", 2) => ArrayFunction::Lower,
            ("array_upper", 2) => ArrayFunction::Upper,
            ("array_ndims", 1) => ArrayFunction::Ndims,
            ("array_to_string", 2 | 3) => ArrayFunction::ToString,
            ("string_to_array", 2 | 3) => ArrayFunction::FromString,
            ("array_append", 2) => ArrayFunction::Append,
            ("array_prepend", 2) => ArrayFunction::Prepend,
            ("array_cat", 2) => ArrayFunction::Cat,
            ("array_position", 2) => ArrayFunction::Position,
            ("array_remove", 2) => ArrayFunction::Remove,
            (
                "array_length" | "cardinality" | "array_lower" | "array_upper" | "array_ndims"
                | "array_to_string" | "string_to_array" | "array_append" | "array_prepend"
                | "array_cat" | "array_position" | "array_remove",
                _,
            ) => return Err(undefined_function(name, &types)),
            _ => return Ok(Bound::NotMine(args)),
        };
        if function == ArrayFunction::FromString {
            let mut bound = Vec::with_capacity(args.len());
            for (expr, data_type) in args {
                if !data_type.is_string() && data_type != DataType::Unknown {
                    return Err(undefined_function(name, &types));
                }
                bound.push(self.coerce(expr, data_type, DataType::Text)?);
            }
            let text_array = DataType::Array(db001_common::ElementType::Text);
            return Ok(Bound::Done((array_call(function, bound), text_array)));
        }
        // The array argument decides the element type.
        let array_position = usize::from(function == ArrayFunction::Prepend);
        let array_type = types[array_position];
        let element = match array_type {
            DataType::Array(element) => element,
            DataType::Unknown => {
                let other = types.get(1 - array_position).copied();
                match (function, other) {
                    (
                        ArrayFunction::Append
                        | ArrayFunction::Prepend
                        | ArrayFunction::Position
                        | ArrayFunction::Remove,
                        Some(known),
                    ) if known != DataType::Unknown => element_of(known)?,
                    (ArrayFunction::Cat, Some(DataType::Array(element))) => element,
                    _ => {
                        return Err(Error::new(
                            SqlState::DATATYPE_MISMATCH,
                            "could not determine polymorphic type because input has type unknown",
                        ));
                    }
                }
            }
            _ => return Err(undefined_function(name, &types)),
        };
        let array_type = DataType::Array(element);
        let element_type = element.data_type();
        let mut bound = Vec::with_capacity(args.len());
        for (position, (expr, data_type)) in args.into_iter().enumerate() {
            let target = match (function, position) {
                (_, p) if p == array_position => array_type,
                (ArrayFunction::Cat, _) => array_type,
                (
                    ArrayFunction::Append
                    | ArrayFunction::Prepend
                    | ArrayFunction::Position
                    | ArrayFunction::Remove,
                    _,
                ) => element_type,
                (ArrayFunction::ToString, _) => DataType::Text,
                _ => DataType::Int,
            };
            let coercible = data_type == target
                || data_type == DataType::Unknown
                || db001_common::cast_context(data_type, target)
                    == Some(db001_common::CastKind::Implicit);
            if !coercible {
                return Err(undefined_function(name, &types));
            }
            bound.push(self.coerce(expr, data_type, target)?);
        }
        let result = match function {
            ArrayFunction::Append
            | ArrayFunction::Prepend
            | ArrayFunction::Cat
            | ArrayFunction::Remove => array_type,
            ArrayFunction::ToString => DataType::Text,
            _ => DataType::Int,
        };
        Ok(Bound::Done((array_call(function, bound), result)))
    }
}
