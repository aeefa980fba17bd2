//! Operators beyond plain numbers and strings: date/time and interval arithmetic, JSON's
//! `->`/`->>`, and `||` on `bytea`, `jsonb` and arrays.
//!
//! Arithmetic signatures are PostgreSQL 15's (`\do+` in psql), resolved with PostgreSQL's
//! rules (`resolve`), so `date + 1` is a date, `now() + '1 day'` reads the literal as an
//! interval, and `current_date + '1'` is "not unique" (42725) exactly as in PostgreSQL. The
//! bound expression is a plain [`Expr::Binary`]: the evaluator's operators dispatch on the
//! operand values (`db001_common::ops`).

use db001_common::{DataType, Error, Result, SqlState};

use super::Binder;
use super::coerce::no_operator;
use super::functions::Argument;
use super::resolve::{Choice, select};
use crate::builtin::{ArrayFunction, Builtin, JsonFunction};
use crate::plan::{BinaryOp, Expr, Function};

/// One operator overload: left and right operand types and the result type.
type Overload = (DataType, DataType, DataType);

const INT: DataType = DataType::Int;
const DOUBLE: DataType = DataType::Double;
const DATE: DataType = DataType::Date;
const TIME: DataType = DataType::Time;
const TIMESTAMP: DataType = DataType::Timestamp;
const TIMESTAMPTZ: DataType = DataType::TimestampTz;
const INTERVAL: DataType = DataType::Interval;
const TEXT: DataType = DataType::Text;
const JSON: DataType = DataType::Json;
const JSONB: DataType = DataType::Jsonb;

const PLUS: &[Overload] = &[
    (DATE, INT, DATE),
    (INT, DATE, DATE),
    (DATE, INTERVAL, TIMESTAMP),
    (INTERVAL, DATE, TIMESTAMP),
    (DATE, TIME, TIMESTAMP),
    (TIME, DATE, TIMESTAMP),
    (TIME, INTERVAL, TIME),
    (INTERVAL, TIME, TIME),
    (TIMESTAMP, INTERVAL, TIMESTAMP),
    (INTERVAL, TIMESTAMP, TIMESTAMP),
    (TIMESTAMPTZ, INTERVAL, TIMESTAMPTZ),
    (INTERVAL, TIMESTAMPTZ, TIMESTAMPTZ),
    (INTERVAL, INTERVAL, INTERVAL),
];

const MINUS: &[Overload] = &[
    (DATE, DATE, INT),
    (DATE, INT, DATE),
    (DATE, INTERVAL, TIMESTAMP),
    (TIME, TIME, INTERVAL),
    (TIME, INTERVAL, TIME),
    (TIMESTAMP, TIMESTAMP, INTERVAL),
    (TIMESTAMP, INTERVAL, TIMESTAMP),
    (TIMESTAMPTZ, TIMESTAMPTZ, INTERVAL),
    (TIMESTAMPTZ, INTERVAL, TIMESTAMPTZ),
    (INTERVAL, INTERVAL, INTERVAL),
];

const TIMES: &[Overload] = &[(INTERVAL, DOUBLE, INTERVAL), (DOUBLE, INTERVAL, INTERVAL)];

const DIVIDE: &[Overload] = &[(INTERVAL, DOUBLE, INTERVAL)];

/// `->` / `->>`: the JSON side, the key or index side, and the function.
const JSON_GET: &[(DataType, DataType, JsonFunction, JsonFunction)] = &[
    (JSON, TEXT, JsonFunction::JsonGet, JsonFunction::JsonGetText),
    (JSON, INT, JsonFunction::JsonGet, JsonFunction::JsonGetText),
    (
        JSONB,
        TEXT,
        JsonFunction::JsonbGet,
        JsonFunction::JsonbGetText,
    ),
    (
        JSONB,
        INT,
        JsonFunction::JsonbGet,
        JsonFunction::JsonbGetText,
    ),
];

/// 42725 `operator is not unique: date + unknown`.
fn operator_not_unique(symbol: &str, left: DataType, right: DataType) -> Error {
    Error::new(
        SqlState::AMBIGUOUS_FUNCTION,
        format!(
            "operator is not unique: {} {symbol} {}",
            left.sql_name(),
            right.sql_name()
        ),
    )
    .with_hint(
        "Could not choose a best candidate operator. You might need to add explicit type casts.",
    )
}

impl Binder<'_> {
    /// Picks an overload and coerces both operands to it.
    fn resolve_overload(
        &mut self,
        symbol: &str,
        overloads: &[Overload],
        (l, lt): Argument,
        (r, rt): Argument,
    ) -> Result<(Expr, Expr, DataType)> {
        let lists: Vec<[DataType; 2]> = overloads.iter().map(|(a, b, _)| [*a, *b]).collect();
        let slices: Vec<&[DataType]> = lists.iter().map(|pair| &pair[..]).collect();
        match select(&slices, &[lt, rt], true) {
            Choice::One(index) => {
                let (left_type, right_type, result) = overloads[index];
                Ok((
                    self.coerce(l, lt, left_type)?,
                    self.coerce(r, rt, right_type)?,
                    result,
                ))
            }
            Choice::NoMatch => Err(no_operator(symbol, lt, rt)),
            Choice::Ambiguous => Err(operator_not_unique(symbol, lt, rt)),
        }
    }

    /// `+ - * /` where an operand is a date, time, timestamp or interval.
    pub(crate) fn bind_temporal_arithmetic(
        &mut self,
        op: BinaryOp,
        left: Argument,
        right: Argument,
    ) -> Result<(Expr, DataType)> {
        let overloads = match op {
            BinaryOp::Add => PLUS,
            BinaryOp::Subtract => MINUS,
            BinaryOp::Multiply => TIMES,
            BinaryOp::Divide => DIVIDE,
            _ => &[],
        };
        let (l, r, result) = self.resolve_overload(op.symbol(), overloads, left, right)?;
        Ok((
            Expr::Binary {
                op,
                left: Box::new(l),
                right: Box::new(r),
            },
            result,
        ))
    }

    /// `json -> key`, `jsonb ->> index`, ...
    pub(crate) fn bind_json_get(
        &mut self,
        as_text: bool,
        (l, lt): Argument,
        (r, rt): Argument,
    ) -> Result<(Expr, DataType)> {
        let symbol = if as_text { "->>" } else { "->" };
        let overloads: Vec<Overload> = JSON_GET
            .iter()
            .map(|(document, key, _, _)| (*document, *key, *document))
            .collect();
        let lists: Vec<[DataType; 2]> = overloads.iter().map(|(a, b, _)| [*a, *b]).collect();
        let slices: Vec<&[DataType]> = lists.iter().map(|pair| &pair[..]).collect();
        let index = match select(&slices, &[lt, rt], true) {
            Choice::One(index) => index,
            Choice::NoMatch => return Err(no_operator(symbol, lt, rt)),
            Choice::Ambiguous => return Err(operator_not_unique(symbol, lt, rt)),
        };
        let (document_type, key_type, get, get_text) = JSON_GET[index];
        let l = self.coerce(l, lt, document_type)?;
        let r = self.coerce(r, rt, key_type)?;
        let (function, result) = if as_text {
            (get_text, TEXT)
        } else {
            (get, document_type)
        };
        Ok((
            Expr::Function {
                function: Function::Builtin(Builtin::Json(function)),
                args: vec![l, r],
            },
            result,
        ))
    }

    /// `||` when an operand is `bytea`, `jsonb` or an array; `None` for the text forms.
    pub(crate) fn bind_special_concat(
        &mut self,
        (l, lt): Argument,
        (r, rt): Argument,
    ) -> Result<Result<(Expr, DataType), (Argument, Argument)>> {
        let concat = |l: Expr, r: Expr| Expr::Binary {
            op: BinaryOp::Concat,
            left: Box::new(l),
            right: Box::new(r),
        };
        let same_kind = |kind: DataType| {
            (lt == kind || lt == DataType::Unknown)
                && (rt == kind || rt == DataType::Unknown)
                && (lt == kind || rt == kind)
        };
        for kind in [DataType::Bytea, DataType::Jsonb] {
            if same_kind(kind) {
                let l = self.coerce(l, lt, kind)?;
                let r = self.coerce(r, rt, kind)?;
                return Ok(Ok((concat(l, r), kind)));
            }
        }
        let (array_type, element) = match (lt, rt) {
            (DataType::Array(element), _) | (_, DataType::Array(element)) => {
                (DataType::Array(element), element.data_type())
            }
            _ => return Ok(Err(((l, lt), (r, rt)))),
        };
        // array || array, array || element, element || array (unknowns: the array's type
        // when the other side is an array, else the element).
        let target_of = |from: DataType, other: DataType| match from {
            DataType::Array(_) => array_type,
            DataType::Unknown if matches!(other, DataType::Array(_)) => array_type,
            _ => element,
        };
        let (left_target, right_target) = (target_of(lt, rt), target_of(rt, lt));
        let function = match (left_target == array_type, right_target == array_type) {
            (true, true) => ArrayFunction::Cat,
            (true, false) => ArrayFunction::Append,
            _ => ArrayFunction::Prepend,
        };
        let l = self.coerce(l, lt, left_target)?;
        let r = self.coerce(r, rt, right_target)?;
        Ok(Ok((
            Expr::Function {
                function: Function::Builtin(Builtin::Array(function)),
                args: vec![l, r],
            },
            array_type,
        )))
    }

    /// `json #> text[]`, `jsonb #>> text[]`: the path as a text array.
    pub(crate) fn bind_json_path(
        &mut self,
        as_text: bool,
        (l, lt): Argument,
        (r, rt): Argument,
    ) -> Result<(Expr, DataType)> {
        let symbol = if as_text { "#>>" } else { "#>" };
        let text_array = DataType::Array(db001_common::ElementType::Text);
        let (function, result) = match (lt, as_text) {
            (DataType::Jsonb, false) => (JsonFunction::JsonbExtractPath, JSONB),
            (DataType::Jsonb, true) => (JsonFunction::JsonbExtractPathText, TEXT),
            (DataType::Json, false) => (JsonFunction::JsonExtractPath, JSON),
            (DataType::Json, true) => (JsonFunction::JsonExtractPathText, TEXT),
            (DataType::Unknown, _) if rt == DataType::Unknown => {
                return Err(operator_not_unique(symbol, lt, rt));
            }
            _ => return Err(no_operator(symbol, lt, rt)),
        };
        if rt != text_array && rt != DataType::Unknown {
            return Err(no_operator(symbol, lt, rt));
        }
        let r = self.coerce(r, rt, text_array)?;
        Ok((
            Expr::Function {
                function: Function::Builtin(Builtin::Json(function)),
                args: vec![l, r],
            },
            result,
        ))
    }

    /// `container @> contained` for jsonb and arrays (`<@` arrives with its operands swapped).
    pub(crate) fn bind_contains(
        &mut self,
        symbol: &str,
        (container, container_type): Argument,
        (contained, contained_type): Argument,
        swapped: bool,
    ) -> Result<(Expr, DataType)> {
        let shown = |a: DataType, b: DataType| if swapped { (b, a) } else { (a, b) };
        let kind = match (container_type, contained_type) {
            (DataType::Jsonb, DataType::Jsonb | DataType::Unknown)
            | (DataType::Unknown, DataType::Jsonb) => DataType::Jsonb,
            (DataType::Array(element), DataType::Array(other)) if element == other => {
                container_type
            }
            (DataType::Array(_), DataType::Unknown) => container_type,
            (DataType::Unknown, DataType::Array(_)) => contained_type,
            (DataType::Unknown, DataType::Unknown) => {
                let (a, b) = shown(container_type, contained_type);
                return Err(operator_not_unique(symbol, a, b));
            }
            _ => {
                let (a, b) = shown(container_type, contained_type);
                return Err(no_operator(symbol, a, b));
            }
        };
        let container = self.coerce(container, container_type, kind)?;
        let contained = self.coerce(contained, contained_type, kind)?;
        let function = if kind == DataType::Jsonb {
            Builtin::Json(JsonFunction::JsonbContains)
        } else {
            Builtin::Array(ArrayFunction::Contains)
        };
        Ok((
            Expr::Function {
                function: Function::Builtin(function),
                args: vec![container, contained],
            },
            DataType::Bool,
        ))
    }
}
