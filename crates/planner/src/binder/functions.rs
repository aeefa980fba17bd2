//! Binding calls of non-aggregate functions: the special forms (`coalesce`, `greatest`,
//! `nullif`, session functions), the variadic and polymorphic built-ins (`concat`, `format`,
//! `to_json`, `json_build_object`, `jsonb_extract_path`, array functions), and everything
//! else through the fixed-type overload table (`signatures`) with PostgreSQL's resolution
//! rules (`resolve`).

use db001_common::{DataType, Error, Result, SqlState};

use super::Binder;
use super::expr::undefined_function;
use super::resolve::{Choice, select};
use super::signatures;
use crate::builtin::{Builtin, JsonFunction, StringFunction};
use crate::plan::{Expr, Function};

/// A bound argument: expression and type.
pub(crate) type Argument = (Expr, DataType);

/// 42725 for a call PostgreSQL cannot pick an overload for.
pub(crate) fn not_unique(name: &str, types: &[DataType]) -> Error {
    let shown: Vec<&str> = types.iter().map(|t| t.sql_name()).collect();
    Error::new(
        SqlState::AMBIGUOUS_FUNCTION,
        format!("function {name}({}) is not unique", shown.join(", ")),
    )
    .with_hint(
        "Could not choose a best candidate function. You might need to add explicit type casts.",
    )
}

/// 42804 when a polymorphic function gets only unknown arguments.
fn indeterminate(what: &str) -> Error {
    Error::new(
        SqlState::DATATYPE_MISMATCH,
        format!("could not determine polymorphic type because input has type {what}"),
    )
}

impl Binder<'_> {
    /// Binds a call of a scalar (non-aggregate, non-window) function `name` to bound `args`.
    pub(crate) fn bind_scalar_function(
        &mut self,
        name: &str,
        args: Vec<Argument>,
    ) -> Result<(Expr, DataType)> {
        let types: Vec<DataType> = args.iter().map(|(_, t)| *t).collect();
        let args = match self.bind_sequence_function(name, args)? {
            Bound::Done(bound) => return Ok(bound),
            Bound::NotMine(args) => args,
        };
        let args = match self.bind_special_function(name, args)? {
            Bound::Done(bound) => return Ok(bound),
            Bound::NotMine(args) => args,
        };
        let args = match self.bind_array_function(name, args)? {
            Bound::Done(bound) => return Ok(bound),
            Bound::NotMine(args) => args,
        };
        let args = match self.bind_system_function(name, args)? {
            Bound::Done(bound) => return Ok(bound),
            Bound::NotMine(args) => args,
        };
        let candidates = signatures::of_name(name);
        if candidates.is_empty() {
            return Err(undefined_function(name, &types));
        }
        let parameter_lists: Vec<&[DataType]> = candidates
            .iter()
            .map(|signature| signature.parameters)
            .collect();
        let signature = match select(&parameter_lists, &types, false) {
            Choice::One(index) => candidates[index],
            Choice::NoMatch => return Err(undefined_function(name, &types)),
            Choice::Ambiguous => return Err(not_unique(name, &types)),
        };
        let Some(function) = signature.function else {
            let shown: Vec<&str> = signature.parameters.iter().map(|t| t.sql_name()).collect();
            return Err(Error::feature_not_supported(format!(
                "function {name}({}) is not supported by db001",
                shown.join(", ")
            )));
        };
        let mut bound = Vec::with_capacity(args.len());
        for ((expr, from), parameter) in args.into_iter().zip(signature.parameters) {
            bound.push(self.coerce(expr, from, *parameter)?);
        }
        Ok((
            Expr::Function {
                function,
                args: bound,
            },
            signature.result,
        ))
    }

    /// Forms that are not plain overloads; the arguments come back when `name` is not one
    /// of them.
    fn bind_special_function(&mut self, name: &str, args: Vec<Argument>) -> Result<Bound> {
        let types: Vec<DataType> = args.iter().map(|(_, t)| *t).collect();
        let arity = |n: usize| -> Result<()> {
            if args.len() == n {
                Ok(())
            } else {
                Err(undefined_function(name, &types))
            }
        };
        let call = |function: Function, args: Vec<Expr>| Expr::Function { function, args };
        Ok(Bound::Done(match name {
            "coalesce" | "greatest" | "least" => {
                if args.is_empty() {
                    return Err(undefined_function(name, &types));
                }
                let (bound, data_type) = self.unify(args, &name.to_uppercase())?;
                let function = match name {
                    "coalesce" => Function::Coalesce,
                    "greatest" => Function::Greatest,
                    _ => Function::Least,
                };
                (call(function, bound), data_type)
            }
            "nullif" => {
                arity(2)?;
                let mut iter = args.into_iter();
                let (l, lt) = iter.next().expect("two args");
                let (r, rt) = iter.next().expect("two args");
                let (l, r, data_type) = self.unify_pair(l, lt, r, rt, "=")?;
                (call(Function::NullIf, vec![l, r]), data_type)
            }
            "version" => {
                arity(0)?;
                (call(Function::Version, Vec::new()), DataType::Text)
            }
            "current_database" | "current_catalog" => {
                arity(0)?;
                (call(Function::CurrentDatabase, Vec::new()), DataType::Text)
            }
            "current_schema" => {
                arity(0)?;
                (call(Function::CurrentSchema, Vec::new()), DataType::Text)
            }
            "current_user" | "session_user" | "user" | "current_role" => {
                arity(0)?;
                (call(Function::CurrentUser, Vec::new()), DataType::Text)
            }
            "pg_backend_pid" => {
                arity(0)?;
                (call(Function::PgBackendPid, Vec::new()), DataType::Int)
            }
            "current_time" => {
                return Err(Error::feature_not_supported(
                    "CURRENT_TIME (time with time zone) is not supported by db001",
                )
                .with_hint("Use LOCALTIME or CURRENT_TIMESTAMP."));
            }
            "current_timestamp" | "localtimestamp" | "localtime" if !args.is_empty() => {
                return Err(Error::feature_not_supported(format!(
                    "{} with a precision is not supported by db001",
                    name.to_uppercase()
                )));
            }
            "concat" | "concat_ws" | "format" => {
                if args.is_empty() {
                    return Err(undefined_function(name, &types));
                }
                let function = match name {
                    "concat" => StringFunction::Concat,
                    "concat_ws" => StringFunction::ConcatWithSeparator,
                    _ => StringFunction::Format,
                };
                let mut bound = Vec::with_capacity(args.len());
                for (index, (expr, data_type)) in args.into_iter().enumerate() {
                    // The separator and the format are text; the rest are "any" (unknown
                    // literals are text there too).
                    let target =
                        if (index == 0 && name != "concat") || data_type == DataType::Unknown {
                            DataType::Text
                        } else {
                            data_type
                        };
                    bound.push(self.coerce(expr, data_type, target)?);
                }
                (
                    call(Function::Builtin(Builtin::String(function)), bound),
                    DataType::Text,
                )
            }
            "to_json" | "to_jsonb" => {
                arity(1)?;
                let (expr, data_type) = args.into_iter().next().expect("one arg");
                if data_type == DataType::Unknown {
                    return Err(indeterminate("unknown"));
                }
                let (function, result) = if name == "to_json" {
                    (JsonFunction::ToJson, DataType::Json)
                } else {
                    (JsonFunction::ToJsonb, DataType::Jsonb)
                };
                (
                    call(Function::Builtin(Builtin::Json(function)), vec![expr]),
                    result,
                )
            }
            "json_build_object" | "jsonb_build_object" | "json_build_array"
            | "jsonb_build_array" => {
                let (function, result) = match name {
                    "json_build_object" => (JsonFunction::JsonBuildObject, DataType::Json),
                    "jsonb_build_object" => (JsonFunction::JsonbBuildObject, DataType::Jsonb),
                    "json_build_array" => (JsonFunction::JsonBuildArray, DataType::Json),
                    _ => (JsonFunction::JsonbBuildArray, DataType::Jsonb),
                };
                let mut bound = Vec::with_capacity(args.len());
                for (expr, data_type) in args {
                    bound.push(self.coerce(expr, data_type, data_type_or_text(data_type))?);
                }
                (
                    call(Function::Builtin(Builtin::Json(function)), bound),
                    result,
                )
            }
            "json_extract_path"
            | "json_extract_path_text"
            | "jsonb_extract_path"
            | "jsonb_extract_path_text" => {
                if args.is_empty() {
                    return Err(undefined_function(name, &types));
                }
                let jsonb = name.starts_with("jsonb");
                let document_type = if jsonb {
                    DataType::Jsonb
                } else {
                    DataType::Json
                };
                let mut iter = args.into_iter();
                let (document, from) = iter.next().expect("checked non-empty");
                if from != document_type && from != DataType::Unknown {
                    return Err(undefined_function(name, &types));
                }
                let mut bound = vec![self.coerce(document, from, document_type)?];
                for (expr, data_type) in iter {
                    if !data_type.is_string() && data_type != DataType::Unknown {
                        return Err(undefined_function(name, &types));
                    }
                    bound.push(self.coerce(expr, data_type, DataType::Text)?);
                }
                let (function, result) = match (jsonb, name.ends_with("_text")) {
                    (true, false) => (JsonFunction::JsonbExtractPath, DataType::Jsonb),
                    (true, true) => (JsonFunction::JsonbExtractPathText, DataType::Text),
                    (false, false) => (JsonFunction::JsonExtractPath, DataType::Json),
                    (false, true) => (JsonFunction::JsonExtractPathText, DataType::Text),
                };
                (
                    call(Function::Builtin(Builtin::Json(function)), bound),
                    result,
                )
            }
            _ => return Ok(Bound::NotMine(args)),
        }))
    }
}

/// What a special-form binder did with a call.
pub(crate) enum Bound {
    Done((Expr, DataType)),
    /// Not a function this binder handles: the arguments, untouched.
    NotMine(Vec<Argument>),
}

/// Unknown literals passed to `"any"` parameters are text.
fn data_type_or_text(data_type: DataType) -> DataType {
    if data_type == DataType::Unknown {
        DataType::Text
    } else {
        data_type
    }
}
