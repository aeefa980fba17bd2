//! Binding expressions: names to positions, literals and parameters to types, operators and
//! functions to their PostgreSQL signatures.

use db001_common::{DataType, Error, Result, SqlState, Value};
use db001_sql::ast;

use super::coerce::{
    cast_expr, common_type, is_integer, no_operator, number_literal, resolve_type,
};
use super::{Binder, Scope};
use crate::plan::{BinaryOp, Expr};
use db001_common::value::CastKind;

/// Deepest expression nesting the binder follows (the parser bounds it too).
const DEPTH_MAX: usize = 1000;

impl Binder<'_> {
    /// Binds an expression; returns it with its type (`Unknown` for untyped literals/params).
    pub(crate) fn bind_expr(
        &mut self,
        expr: &ast::Expr,
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        self.depth += 1;
        if self.depth > DEPTH_MAX {
            self.depth -= 1;
            return Err(Error::new(
                SqlState::STATEMENT_TOO_COMPLEX,
                "stack depth limit exceeded",
            ));
        }
        let result = self
            .bind_expr_inner(expr, scope)
            .map_err(|e| e.or_position(Some(expr.span().position(self.sql))));
        self.depth -= 1;
        result
    }

    /// Binds an expression and coerces it to `target` as an implicit conversion.
    pub(crate) fn bind_expr_to(
        &mut self,
        expr: &ast::Expr,
        scope: &Scope,
        target: DataType,
    ) -> Result<Expr> {
        let (bound, data_type) = self.bind_expr(expr, scope)?;
        self.coerce(bound, data_type, target)
            .map_err(|e| e.or_position(Some(expr.span().position(self.sql))))
    }

    /// Binds a condition (WHERE, HAVING, ON, CASE WHEN): it must be boolean.
    pub(crate) fn bind_condition(
        &mut self,
        expr: &ast::Expr,
        scope: &Scope,
        clause: &str,
    ) -> Result<Expr> {
        let (bound, data_type) = self.bind_expr(expr, scope)?;
        match data_type {
            DataType::Bool => Ok(bound),
            DataType::Unknown => self.coerce(bound, data_type, DataType::Bool),
            other => Err(Error::datatype_mismatch(format!(
                "argument of {clause} must be type boolean, not type {}",
                other.sql_name()
            ))
            .with_position(expr.span().position(self.sql))),
        }
    }

    /// Implicit coercion of a bound expression from one type to another.
    pub(crate) fn coerce(&mut self, expr: Expr, from: DataType, to: DataType) -> Result<Expr> {
        if from == to || to == DataType::Unknown {
            return Ok(expr);
        }
        if from == DataType::Unknown {
            if let Expr::Parameter(index) = expr {
                self.set_param_type(index, to);
                return Ok(expr);
            }
            return cast_expr(expr, from, to, CastKind::Implicit);
        }
        let compatible =
            (from.is_numeric() && to.is_numeric()) || (from.is_string() && to.is_string());
        if compatible {
            // The evaluator mixes numeric widths and string kinds freely; a cast node is only
            // needed where the value itself must change representation (`char` to text drops
            // the padding, text to `char` compares without it).
            let representation_changes = std::mem::discriminant(&from)
                != std::mem::discriminant(&to)
                && (from.is_numeric()
                    || matches!(from, DataType::Bpchar(_))
                    || matches!(to, DataType::Bpchar(_)));
            if representation_changes {
                return cast_expr(expr, from, to, CastKind::Implicit);
            }
            return Ok(expr);
        }
        if from.without_modifier() == to.without_modifier() {
            return Ok(expr);
        }
        if db001_common::cast_context(from, to) == Some(CastKind::Implicit) {
            return cast_expr(expr, from, to, CastKind::Implicit);
        }
        Err(Error::datatype_mismatch(format!(
            "column is of type {} but expression is of type {}",
            to.sql_name(),
            from.sql_name()
        ))
        .with_hint("You will need to rewrite or cast the expression."))
    }

    fn bind_expr_inner(&mut self, expr: &ast::Expr, scope: &Scope) -> Result<(Expr, DataType)> {
        if let Some(found) = self.match_group_key(expr)? {
            return Ok(found);
        }
        match expr {
            ast::Expr::Nested(inner, _) => self.bind_expr(inner, scope),
            ast::Expr::Column(parts) => self.bind_column(parts, scope),
            ast::Expr::Literal(literal, _) => Ok(match literal {
                ast::Literal::Number(text) => {
                    let (value, data_type) = number_literal(text)?;
                    (Expr::Literal(value), data_type)
                }
                ast::Literal::String(s) => (Expr::Literal(Value::text(s)), DataType::Unknown),
                ast::Literal::Boolean(b) => (Expr::Literal(Value::Bool(*b)), DataType::Bool),
                ast::Literal::Null => (Expr::Literal(Value::Null), DataType::Unknown),
            }),
            ast::Expr::Parameter(number, _) => {
                let index = *number as usize;
                if index == 0 || index > 65535 {
                    return Err(Error::new(
                        SqlState::UNDEFINED_PARAMETER,
                        format!("there is no parameter ${number}"),
                    ));
                }
                if self.params.len() < index {
                    self.params.resize(index, DataType::Unknown);
                }
                Ok((Expr::Parameter(index - 1), self.params[index - 1]))
            }
            ast::Expr::Unary {
                op, expr: inner, ..
            } => self.bind_unary(*op, inner, scope),
            ast::Expr::Binary {
                op, left, right, ..
            } => self.bind_binary(*op, left, right, scope),
            ast::Expr::Is {
                expr: inner,
                negated,
                test,
                ..
            } => {
                let (bound, data_type) = self.bind_expr(inner, scope)?;
                match test {
                    ast::IsTest::Null => Ok((
                        Expr::IsNull {
                            expr: Box::new(bound),
                            negated: *negated,
                        },
                        DataType::Bool,
                    )),
                    ast::IsTest::Unknown => {
                        let bound = self.coerce_bool(bound, data_type, "IS UNKNOWN")?;
                        Ok((
                            Expr::IsNull {
                                expr: Box::new(bound),
                                negated: *negated,
                            },
                            DataType::Bool,
                        ))
                    }
                    ast::IsTest::True | ast::IsTest::False => {
                        let bound = self.coerce_bool(bound, data_type, "IS TRUE")?;
                        Ok((
                            Expr::IsBool {
                                expr: Box::new(bound),
                                value: *test == ast::IsTest::True,
                                negated: *negated,
                            },
                            DataType::Bool,
                        ))
                    }
                }
            }
            ast::Expr::IsDistinctFrom {
                left,
                right,
                negated,
                ..
            } => {
                let (left, right, _) = self.bind_comparable(left, right, scope, "=")?;
                Ok((
                    Expr::IsDistinctFrom {
                        left: Box::new(left),
                        right: Box::new(right),
                        negated: *negated,
                    },
                    DataType::Bool,
                ))
            }
            ast::Expr::Between {
                expr: inner,
                negated,
                low,
                high,
                ..
            } => {
                let (value, low_bound, _) = self.bind_comparable(inner, low, scope, ">=")?;
                let (value_again, high_bound, _) =
                    self.bind_comparable(inner, high, scope, "<=")?;
                let (lower_op, upper_op) = if *negated {
                    (BinaryOp::Lt, BinaryOp::Gt)
                } else {
                    (BinaryOp::GtEq, BinaryOp::LtEq)
                };
                let lower = binary(lower_op, value, low_bound);
                let upper = binary(upper_op, value_again, high_bound);
                let combined = if *negated {
                    Expr::Or(Box::new(lower), Box::new(upper))
                } else {
                    Expr::And(Box::new(lower), Box::new(upper))
                };
                Ok((combined, DataType::Bool))
            }
            ast::Expr::InList {
                expr: inner,
                list,
                negated,
                ..
            } => {
                let mut items = Vec::with_capacity(list.len() + 1);
                items.push(self.bind_expr(inner, scope)?);
                for item in list {
                    items.push(self.bind_expr(item, scope)?);
                }
                let (mut bound, _) = self.unify(items, "IN")?;
                let value = bound.remove(0);
                Ok((
                    Expr::InList {
                        expr: Box::new(value),
                        list: bound,
                        negated: *negated,
                    },
                    DataType::Bool,
                ))
            }
            ast::Expr::Like {
                expr: inner,
                pattern,
                escape,
                negated,
                case_insensitive,
                ..
            } => {
                if escape.is_some() {
                    return Err(Error::feature_not_supported(
                        "LIKE ... ESCAPE is not supported yet",
                    ));
                }
                let value = self.bind_expr_to(inner, scope, DataType::Text)?;
                let pattern = self.bind_expr_to(pattern, scope, DataType::Text)?;
                Ok((
                    Expr::Like {
                        expr: Box::new(value),
                        pattern: Box::new(pattern),
                        negated: *negated,
                        case_insensitive: *case_insensitive,
                    },
                    DataType::Bool,
                ))
            }
            ast::Expr::Cast {
                expr: inner,
                data_type,
                ..
            } => {
                if let Some(bound) = self.bind_system_cast(inner, data_type, scope)? {
                    return Ok(bound);
                }
                let target = resolve_type(data_type)?;
                if let (ast::Expr::Array(items, _), DataType::Array(element)) =
                    (strip_nested(inner), target)
                    && items.is_empty()
                {
                    // `ARRAY[]::integer[]`: the cast gives the empty array its type.
                    let empty = db001_common::array::Array::new(element, Vec::new());
                    return Ok((Expr::Literal(empty.into_value()), target));
                }
                let (bound, from) = self.bind_expr(inner, scope)?;
                self.explicit_cast(bound, from, target)
            }
            ast::Expr::TypedString {
                data_type, value, ..
            } => {
                let target = resolve_type(data_type)?;
                Ok((Expr::Literal(Value::parse_text(target, value)?), target))
            }
            ast::Expr::Case {
                operand,
                when_then,
                else_result,
                ..
            } => self.bind_case(operand.as_deref(), when_then, else_result.as_deref(), scope),
            ast::Expr::Function(call) => self.bind_function(call, scope),
            ast::Expr::Subquery(..)
            | ast::Expr::ArraySubquery(..)
            | ast::Expr::Exists { .. }
            | ast::Expr::InSubquery { .. } => self.bind_subquery_expr(expr, scope),
            ast::Expr::AnyAll { right, .. }
                if matches!(strip_nested(right), ast::Expr::Subquery(..)) =>
            {
                self.bind_subquery_expr(expr, scope)
            }
            ast::Expr::AnyAll {
                left,
                op,
                all,
                right,
                ..
            } => self.bind_quantified(left, *op, *all, right, scope),
            ast::Expr::Array(items, _) => self.bind_array_constructor(items, scope),
            ast::Expr::Subscript {
                expr: array, index, ..
            } => self.bind_subscript(array, index, scope),
            ast::Expr::Row(..) => Err(Error::feature_not_supported(
                "row constructors are not supported yet",
            )),
            ast::Expr::FieldSelect {
                expr: inner, field, ..
            } => self.bind_field_select(inner, field, scope),
            ast::Expr::FieldWildcard { span, .. } => Err(Error::feature_not_supported(
                "row expansion via \"*\" is not supported here",
            )
            .with_position(span.position(self.sql))),
            ast::Expr::Collate {
                expr, collation, ..
            } => self.bind_collate(expr, collation, scope),
            ast::Expr::Default(_) => Err(Error::syntax("DEFAULT is not allowed in this context")),
        }
    }

    /// In an aggregated query, an expression that is a GROUP BY key reads that key.
    fn match_group_key(&mut self, expr: &ast::Expr) -> Result<Option<(Expr, DataType)>> {
        let Some(aggregate) = &self.aggregate else {
            return Ok(None);
        };
        if aggregate.inside_call || aggregate.keys.is_empty() {
            return Ok(None);
        }
        let text = strip_nested(expr).to_string();
        Ok(aggregate
            .keys
            .iter()
            .position(|key| *key == text)
            .map(|i| (Expr::Column(i), aggregate.key_types[i])))
    }

    fn coerce_bool(&mut self, expr: Expr, data_type: DataType, what: &str) -> Result<Expr> {
        match data_type {
            DataType::Bool => Ok(expr),
            DataType::Unknown => self.coerce(expr, data_type, DataType::Bool),
            other => Err(Error::datatype_mismatch(format!(
                "argument of {what} must be type boolean, not type {}",
                other.sql_name()
            ))),
        }
    }

    fn set_param_type(&mut self, index: usize, data_type: DataType) {
        if self.params.len() <= index {
            self.params.resize(index + 1, DataType::Unknown);
        }
        if self.params[index] == DataType::Unknown {
            self.params[index] = data_type.without_modifier();
        }
    }

    fn bind_unary(
        &mut self,
        op: ast::UnaryOp,
        inner: &ast::Expr,
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        match op {
            ast::UnaryOp::Not => {
                let (bound, data_type) = self.bind_expr(inner, scope)?;
                let bound = self.coerce_bool(bound, data_type, "NOT")?;
                Ok((Expr::Not(Box::new(bound)), DataType::Bool))
            }
            ast::UnaryOp::Plus => {
                let (bound, data_type) = self.bind_expr(inner, scope)?;
                if !data_type.is_numeric() && data_type != DataType::Unknown {
                    return Err(no_unary_operator("+", data_type));
                }
                Ok((bound, data_type))
            }
            ast::UnaryOp::Minus => {
                // `-2147483648` is an int4 constant in PostgreSQL: fold the sign into the literal.
                if let ast::Expr::Literal(ast::Literal::Number(text), _) = strip_nested(inner) {
                    let negated = match text.strip_prefix('-') {
                        Some(positive) => positive.to_string(),
                        None => format!("-{text}"),
                    };
                    let (value, data_type) = number_literal(&negated)?;
                    return Ok((Expr::Literal(value), data_type));
                }
                let (bound, data_type) = self.bind_expr(inner, scope)?;
                if !data_type.is_numeric() && data_type != DataType::Interval {
                    return Err(no_unary_operator("-", data_type));
                }
                Ok((Expr::Negate(Box::new(bound)), data_type))
            }
        }
    }

    fn bind_binary(
        &mut self,
        op: ast::BinaryOp,
        left: &ast::Expr,
        right: &ast::Expr,
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        let arithmetic = |op| -> Option<BinaryOp> {
            Some(match op {
                ast::BinaryOp::Plus => BinaryOp::Add,
                ast::BinaryOp::Minus => BinaryOp::Subtract,
                ast::BinaryOp::Multiply => BinaryOp::Multiply,
                ast::BinaryOp::Divide => BinaryOp::Divide,
                ast::BinaryOp::Modulo => BinaryOp::Modulo,
                ast::BinaryOp::Exponent => BinaryOp::Power,
                _ => return None,
            })
        };
        let comparison = |op| -> Option<BinaryOp> {
            Some(match op {
                ast::BinaryOp::Eq => BinaryOp::Eq,
                ast::BinaryOp::NotEq => BinaryOp::NotEq,
                ast::BinaryOp::Lt => BinaryOp::Lt,
                ast::BinaryOp::LtEq => BinaryOp::LtEq,
                ast::BinaryOp::Gt => BinaryOp::Gt,
                ast::BinaryOp::GtEq => BinaryOp::GtEq,
                _ => return None,
            })
        };
        if let Some(bound_op) = comparison(op) {
            let (left, right, _) = self.bind_comparable(left, right, scope, bound_op.symbol())?;
            return Ok((binary(bound_op, left, right), DataType::Bool));
        }
        if let Some(bound_op) = arithmetic(op) {
            return self.bind_arithmetic(bound_op, left, right, scope);
        }
        match op {
            ast::BinaryOp::And | ast::BinaryOp::Or => {
                let word = if op == ast::BinaryOp::And {
                    "AND"
                } else {
                    "OR"
                };
                let (l, lt) = self.bind_expr(left, scope)?;
                let l = self
                    .coerce_bool(l, lt, word)
                    .map_err(|e| e.with_position(left.span().position(self.sql)))?;
                let (r, rt) = self.bind_expr(right, scope)?;
                let r = self
                    .coerce_bool(r, rt, word)
                    .map_err(|e| e.with_position(right.span().position(self.sql)))?;
                Ok((
                    if op == ast::BinaryOp::And {
                        Expr::And(Box::new(l), Box::new(r))
                    } else {
                        Expr::Or(Box::new(l), Box::new(r))
                    },
                    DataType::Bool,
                ))
            }
            ast::BinaryOp::JsonGet | ast::BinaryOp::JsonGetText => {
                let left = self.bind_expr(left, scope)?;
                let right = self.bind_expr(right, scope)?;
                self.bind_json_get(op == ast::BinaryOp::JsonGetText, left, right)
            }
            ast::BinaryOp::JsonPath | ast::BinaryOp::JsonPathText => {
                let left = self.bind_expr(left, scope)?;
                let right = self.bind_expr(right, scope)?;
                self.bind_json_path(op == ast::BinaryOp::JsonPathText, left, right)
            }
            ast::BinaryOp::Contains | ast::BinaryOp::ContainedBy => {
                let left = self.bind_expr(left, scope)?;
                let right = self.bind_expr(right, scope)?;
                if op == ast::BinaryOp::Contains {
                    self.bind_contains("@>", left, right, false)
                } else {
                    self.bind_contains("<@", right, left, true)
                }
            }
            ast::BinaryOp::Concat => {
                let left = self.bind_expr(left, scope)?;
                let right = self.bind_expr(right, scope)?;
                let ((l, lt), (r, rt)) = match self.bind_special_concat(left, right)? {
                    Ok(bound) => return Ok(bound),
                    Err(operands) => operands,
                };
                let stringy = |t: DataType| t.is_string() || t == DataType::Unknown;
                if !stringy(lt) && !stringy(rt) {
                    return Err(no_operator("||", lt, rt));
                }
                let l = if lt == DataType::Unknown {
                    self.coerce(l, lt, DataType::Text)?
                } else {
                    l
                };
                let r = if rt == DataType::Unknown {
                    self.coerce(r, rt, DataType::Text)?
                } else {
                    r
                };
                Ok((binary(BinaryOp::Concat, l, r), DataType::Text))
            }
            ast::BinaryOp::RegexMatch {
                case_insensitive,
                negated,
            } => self.bind_regex(left, right, case_insensitive, negated, scope),
            other => Err(Error::feature_not_supported(format!(
                "operator {other:?} is not supported yet"
            ))),
        }
    }

    fn bind_arithmetic(
        &mut self,
        op: BinaryOp,
        left: &ast::Expr,
        right: &ast::Expr,
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        let (l, lt) = self.bind_expr(left, scope)?;
        let (r, rt) = self.bind_expr(right, scope)?;
        let (l, lt, r, rt) = match (lt, rt) {
            (DataType::Unknown, DataType::Unknown) => {
                return Err(Error::new(
                    SqlState::AMBIGUOUS_FUNCTION,
                    format!("operator is not unique: unknown {} unknown", op.symbol()),
                ));
            }
            (DataType::Unknown, other) if other.is_numeric() => {
                (self.coerce(l, lt, other)?, other, r, rt)
            }
            (other, DataType::Unknown) if other.is_numeric() => {
                (l, lt, self.coerce(r, rt, other)?, other)
            }
            (DataType::Unknown, _) | (_, DataType::Unknown) => {
                return self.bind_temporal_arithmetic(op, (l, lt), (r, rt));
            }
            _ => (l, lt, r, rt),
        };
        if !lt.is_numeric() || !rt.is_numeric() {
            let temporal = |t: DataType| {
                matches!(
                    t,
                    DataType::Date
                        | DataType::Time
                        | DataType::Timestamp
                        | DataType::TimestampTz
                        | DataType::Interval
                )
            };
            if temporal(lt) || temporal(rt) {
                return self.bind_temporal_arithmetic(op, (l, lt), (r, rt));
            }
            return Err(no_operator(op.symbol(), lt, rt));
        }
        let result = if op == BinaryOp::Power {
            if matches!(lt, DataType::Numeric(_)) || matches!(rt, DataType::Numeric(_)) {
                DataType::Numeric(None)
            } else {
                DataType::Double
            }
        } else if (lt == DataType::Real) != (rt == DataType::Real) {
            // `real` has operators only with `real` and `double precision`: with anything
            // else PostgreSQL resolves to the double precision operator.
            DataType::Double
        } else {
            common_type(lt, rt).ok_or_else(|| no_operator(op.symbol(), lt, rt))?
        };
        if op == BinaryOp::Modulo && result == DataType::Double {
            return Err(no_operator("%", lt, rt));
        }
        let (l, r) = if op == BinaryOp::Power {
            (self.coerce(l, lt, result)?, self.coerce(r, rt, result)?)
        } else {
            (l, r)
        };
        Ok((binary(op, l, r), result))
    }

    /// Binds two operands that are compared: unknowns take the other side's type; numbers mix;
    /// strings mix; otherwise the types must match.
    pub(crate) fn bind_comparable(
        &mut self,
        left: &ast::Expr,
        right: &ast::Expr,
        scope: &Scope,
        symbol: &str,
    ) -> Result<(Expr, Expr, DataType)> {
        let (l, lt) = self.bind_expr(left, scope)?;
        let (r, rt) = self.bind_expr(right, scope)?;
        self.unify_pair(l, lt, r, rt, symbol)
            .map_err(|e| e.or_position(Some(right.span().position(self.sql))))
    }

    pub(crate) fn unify_pair(
        &mut self,
        l: Expr,
        lt: DataType,
        r: Expr,
        rt: DataType,
        symbol: &str,
    ) -> Result<(Expr, Expr, DataType)> {
        match (lt, rt) {
            (DataType::Unknown, DataType::Unknown) => {
                let l = self.coerce(l, lt, DataType::Text)?;
                let r = self.coerce(r, rt, DataType::Text)?;
                Ok((l, r, DataType::Text))
            }
            (DataType::Unknown, other) => Ok((self.coerce(l, lt, other)?, r, other)),
            (other, DataType::Unknown) => Ok((l, self.coerce(r, rt, other)?, other)),
            (DataType::Json, _) | (_, DataType::Json) => Err(no_operator(symbol, lt, rt)),
            (a, b) if a.is_numeric() && b.is_numeric() => {
                // `real` compares with anything but `real` in double precision: convert only
                // the other side (the evaluator compares floats in double precision anyway).
                if (a == DataType::Real) != (b == DataType::Real) {
                    let (l, r) = if a == DataType::Real {
                        (l, self.coerce(r, b, DataType::Double)?)
                    } else {
                        (self.coerce(l, a, DataType::Double)?, r)
                    };
                    return Ok((l, r, DataType::Double));
                }
                let common = common_type(a, b).ok_or_else(|| no_operator(symbol, a, b))?;
                // Integers compare across widths without a cast, keeping index columns bare.
                if is_integer(a) && is_integer(b) {
                    return Ok((l, r, common));
                }
                Ok((
                    self.coerce(l, a, common)?,
                    self.coerce(r, b, common)?,
                    common,
                ))
            }
            // `char` against `varchar` compares as `char` (trailing spaces ignored).
            (DataType::Bpchar(_), DataType::Varchar(_)) => Ok((
                l,
                self.coerce(r, rt, DataType::Bpchar(None))?,
                DataType::Bpchar(None),
            )),
            (DataType::Varchar(_), DataType::Bpchar(_)) => Ok((
                self.coerce(l, lt, DataType::Bpchar(None))?,
                r,
                DataType::Bpchar(None),
            )),
            (a, b) if a.is_string() && b.is_string() => Ok((l, r, DataType::Text)),
            (a, b) if a.without_modifier() == b.without_modifier() => Ok((l, r, a)),
            // Dates and timestamps of either kind compare across types without casts (the
            // session time zone is UTC), keeping index columns bare.
            (
                DataType::Date | DataType::Timestamp | DataType::TimestampTz,
                DataType::Date | DataType::Timestamp | DataType::TimestampTz,
            ) => Ok((l, r, common_type(lt, rt).unwrap_or(DataType::TimestampTz))),
            (a, b) => {
                let implicit = |from: DataType, to: DataType| {
                    db001_common::cast_context(from, to) == Some(CastKind::Implicit)
                };
                if implicit(a, b) && !implicit(b, a) {
                    Ok((self.coerce(l, a, b)?, r, b))
                } else if implicit(b, a) && !implicit(a, b) {
                    Ok((l, self.coerce(r, b, a)?, a))
                } else {
                    Err(no_operator(symbol, a, b))
                }
            }
        }
    }

    /// Brings a list of expressions to one type (IN lists, CASE results, COALESCE, ...).
    pub(crate) fn unify(
        &mut self,
        items: Vec<(Expr, DataType)>,
        construct: &str,
    ) -> Result<(Vec<Expr>, DataType)> {
        let mut target = DataType::Unknown;
        for (_, data_type) in &items {
            // Untyped items (NULL, string literals) take the others' type; only when all are
            // untyped does the result become text (below), as in PostgreSQL.
            if *data_type == DataType::Unknown {
                continue;
            }
            let previous = if target == DataType::Unknown {
                *data_type
            } else {
                target
            };
            target = common_type(previous, *data_type).ok_or_else(|| {
                Error::datatype_mismatch(format!(
                    "{construct} types {} and {} cannot be matched",
                    target.sql_name(),
                    data_type.sql_name()
                ))
            })?;
        }
        if target == DataType::Unknown {
            target = DataType::Text;
        }
        let mut bound = Vec::with_capacity(items.len());
        for (expr, data_type) in items {
            bound.push(self.coerce(expr, data_type, target)?);
        }
        Ok((bound, target))
    }

    fn explicit_cast(
        &mut self,
        bound: Expr,
        from: DataType,
        target: DataType,
    ) -> Result<(Expr, DataType)> {
        if from == DataType::Unknown
            && let Expr::Parameter(index) = bound
        {
            self.set_param_type(index, target);
            if target.type_modifier() == -1 {
                return Ok((bound, target));
            }
        }
        let castable = db001_common::cast_context(from, target).is_some();
        if !castable {
            return Err(Error::new(
                SqlState::CANNOT_COERCE,
                format!(
                    "cannot cast type {} to {}",
                    from.sql_name(),
                    target.sql_name()
                ),
            ));
        }
        // A string literal is converted now, as PostgreSQL's parser does (so its errors point
        // at it); a string type's length limit applies as an explicit cast (truncating).
        // Typed values are cast when the statement runs: their errors carry no position.
        if from == DataType::Unknown
            && let Expr::Literal(Value::Text(s)) = &bound
        {
            let value = if target.is_string() {
                Value::Text(std::sync::Arc::clone(s)).cast(target, CastKind::Explicit)?
            } else {
                Value::parse_text(target, s)?
            };
            return Ok((Expr::Literal(value), target));
        }
        Ok((
            Expr::Cast {
                expr: Box::new(bound),
                to: target,
            },
            target,
        ))
    }

    fn bind_case(
        &mut self,
        operand: Option<&ast::Expr>,
        when_then: &[(ast::Expr, ast::Expr)],
        else_result: Option<&ast::Expr>,
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        let mut conditions = Vec::with_capacity(when_then.len());
        let bound_operand = match operand {
            Some(operand) => {
                let (bound, data_type) = self.bind_expr(operand, scope)?;
                let mut whens = Vec::with_capacity(when_then.len() + 1);
                whens.push((bound, data_type));
                for (when, _) in when_then {
                    whens.push(self.bind_expr(when, scope)?);
                }
                let (mut unified, _) = self.unify(whens, "CASE")?;
                let operand = unified.remove(0);
                conditions = unified;
                Some(Box::new(operand))
            }
            None => {
                for (when, _) in when_then {
                    conditions.push(self.bind_condition(when, scope, "CASE/WHEN")?);
                }
                None
            }
        };
        let mut results = Vec::with_capacity(when_then.len() + 1);
        for (_, then) in when_then {
            results.push(self.bind_expr(then, scope)?);
        }
        if let Some(else_result) = else_result {
            results.push(self.bind_expr(else_result, scope)?);
        }
        // PostgreSQL resolves the result type with the ELSE branch first.
        if else_result.is_some() {
            results.rotate_right(1);
        }
        let (mut results, data_type) = self.unify(results, "CASE")?;
        if else_result.is_some() {
            results.rotate_left(1);
        }
        let else_bound = if else_result.is_some() {
            results.pop().map(Box::new)
        } else {
            None
        };
        Ok((
            Expr::Case {
                operand: bound_operand,
                when_then: conditions.into_iter().zip(results).collect(),
                else_result: else_bound,
            },
            data_type,
        ))
    }

    fn bind_function(
        &mut self,
        call: &ast::FunctionCall,
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        let name = call.name.name().value.as_str();
        if let Some(schema) = call.name.schema()
            && schema.value != "pg_catalog"
            && !(schema.value == "information_schema" && name == "_pg_expandarray")
        {
            return Err(undefined_function(&call.name.to_string_lossy(), &[]));
        }
        if let Some(over) = &call.over {
            return self.bind_window_call(call, over, scope);
        }
        if let Some(aggregate) = self.bind_aggregate_call(call, scope)? {
            return Ok(aggregate);
        }
        if let Some(bound) = self.bind_set_function(name, call, scope)? {
            return Ok(bound);
        }
        if call.distinct || call.filter.is_some() || !call.order_by.is_empty() || call.star {
            return Err(Error::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("{name} is not an aggregate function"),
            ));
        }
        let mut args = Vec::with_capacity(call.args.len());
        for arg in &call.args {
            args.push(self.bind_expr(arg, scope)?);
        }
        self.bind_scalar_function(name, args)
    }
}

/// Calls `f` on every expression node (pre-order), not descending into subqueries.
pub(crate) fn visit(expr: &ast::Expr, f: &mut dyn FnMut(&ast::Expr)) {
    f(expr);
    match expr {
        ast::Expr::Unary { expr, .. }
        | ast::Expr::Is { expr, .. }
        | ast::Expr::Cast { expr, .. }
        | ast::Expr::Collate { expr, .. }
        | ast::Expr::FieldSelect { expr, .. }
        | ast::Expr::FieldWildcard { expr, .. }
        | ast::Expr::Nested(expr, _) => visit(expr, f),
        ast::Expr::Binary { left, right, .. } | ast::Expr::IsDistinctFrom { left, right, .. } => {
            visit(left, f);
            visit(right, f);
        }
        ast::Expr::Between {
            expr, low, high, ..
        } => {
            visit(expr, f);
            visit(low, f);
            visit(high, f);
        }
        ast::Expr::InList { expr, list, .. } => {
            visit(expr, f);
            list.iter().for_each(|e| visit(e, f));
        }
        ast::Expr::Like { expr, pattern, .. } => {
            visit(expr, f);
            visit(pattern, f);
        }
        ast::Expr::Case {
            operand,
            when_then,
            else_result,
            ..
        } => {
            if let Some(operand) = operand {
                visit(operand, f);
            }
            for (when, then) in when_then {
                visit(when, f);
                visit(then, f);
            }
            if let Some(e) = else_result {
                visit(e, f);
            }
        }
        ast::Expr::Function(call) => call.args.iter().for_each(|e| visit(e, f)),
        ast::Expr::Array(items, _) | ast::Expr::Row(items, _) => {
            items.iter().for_each(|e| visit(e, f))
        }
        ast::Expr::Subscript { expr, index, .. } => {
            visit(expr, f);
            visit(index, f);
        }
        ast::Expr::AnyAll { left, right, .. } => {
            visit(left, f);
            visit(right, f);
        }
        ast::Expr::InSubquery { expr, .. } => visit(expr, f),
        ast::Expr::Column(_)
        | ast::Expr::Literal(..)
        | ast::Expr::Parameter(..)
        | ast::Expr::TypedString { .. }
        | ast::Expr::Subquery(..)
        | ast::Expr::ArraySubquery(..)
        | ast::Expr::Default(_)
        | ast::Expr::Exists { .. } => {}
    }
}

/// Removes redundant parentheses.
pub(crate) fn strip_nested(expr: &ast::Expr) -> &ast::Expr {
    match expr {
        ast::Expr::Nested(inner, _) => strip_nested(inner),
        other => other,
    }
}

fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    Expr::Binary {
        op,
        left: Box::new(left),
        right: Box::new(right),
    }
}

pub(crate) fn undefined_function(name: &str, types: &[DataType]) -> Error {
    let args: Vec<&str> = types.iter().map(|t| t.sql_name()).collect();
    Error::new(
        SqlState::UNDEFINED_FUNCTION,
        format!("function {name}({}) does not exist", args.join(", ")),
    )
    .with_hint("No function matches the given name and argument types. You might need to add explicit type casts.")
}

fn no_unary_operator(symbol: &str, data_type: DataType) -> Error {
    Error::new(
        SqlState::UNDEFINED_FUNCTION,
        format!("operator does not exist: {symbol} {}", data_type.sql_name()),
    )
}

trait ObjectNameText {
    fn to_string_lossy(&self) -> String;
}

impl ObjectNameText for ast::ObjectName {
    fn to_string_lossy(&self) -> String {
        self.parts
            .iter()
            .map(|p| p.value.as_str())
            .collect::<Vec<_>>()
            .join(".")
    }
}
