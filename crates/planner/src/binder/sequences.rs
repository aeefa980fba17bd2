//! `nextval`, `currval`, `setval` and `lastval`.
//!
//! PostgreSQL's sequence functions take a `regclass`; a string literal argument is resolved to
//! the sequence when the statement is analysed (`nextval('s')`, as column defaults write it).
//! The binder does the same, through the search path, and passes the sequence's id to the
//! executor. A sequence named by anything but a constant string fails with 0A000.

use db001_common::{DataType, Error, Result, SqlState, Value};
use db001_sql::ast;

use super::Binder;
use super::functions::{Argument, Bound};
use crate::builtin::{Builtin, SequenceFunction};
use crate::plan::{Expr, Function};

impl Binder<'_> {
    pub(crate) fn bind_sequence_function(
        &mut self,
        name: &str,
        args: Vec<Argument>,
    ) -> Result<Bound> {
        let (function, arities): (SequenceFunction, &[usize]) = match name {
            "nextval" => (SequenceFunction::NextValue, &[1]),
            "currval" => (SequenceFunction::CurrentValue, &[1]),
            "setval" => (SequenceFunction::SetValue, &[2, 3]),
            "lastval" => (SequenceFunction::LastValue, &[0]),
            _ => return Ok(Bound::NotMine(args)),
        };
        if !arities.contains(&args.len()) {
            return Ok(Bound::NotMine(args));
        }
        let call = |args| {
            Bound::Done((
                Expr::Function {
                    function: Function::Builtin(Builtin::Sequence(function)),
                    args,
                },
                DataType::BigInt,
            ))
        };
        if function == SequenceFunction::LastValue {
            return Ok(call(Vec::new()));
        }
        let mut args = args.into_iter();
        let Some((first, first_type)) = args.next() else {
            return Err(Error::internal("arity checked above"));
        };
        let name_text = match (&first, first_type) {
            (Expr::Literal(Value::Text(text)), DataType::Unknown | DataType::Text) => {
                text.to_string()
            }
            _ => {
                return Err(Error::feature_not_supported(format!(
                    "{name}() of anything but a constant sequence name is not supported"
                )));
            }
        };
        let id = self.sequence_id(&name_text)?;
        let mut bound = vec![Expr::Literal(Value::Int64(i64::from(id)))];
        if let Some((value, value_type)) = args.next() {
            bound.push(self.coerce(value, value_type, DataType::BigInt)?);
        }
        if let Some((called, called_type)) = args.next() {
            bound.push(self.coerce(called, called_type, DataType::Bool)?);
        }
        Ok(call(bound))
    }

    /// Resolves a sequence name as `regclass` input does: case-folded unless quoted,
    /// optionally schema-qualified, through the search path.
    fn sequence_id(&self, text: &str) -> Result<u32> {
        let parts = match db001_sql::parse_expr(text) {
            Ok(ast::Expr::Column(parts)) if parts.len() <= 2 => parts,
            _ => {
                return Err(Error::new(
                    SqlState::INVALID_TEXT_REPRESENTATION,
                    format!("invalid name syntax: \"{text}\""),
                ));
            }
        };
        let name = ast::ObjectName { parts };
        let relation = name.name().value.clone();
        let shown = name
            .parts
            .iter()
            .map(|p| p.value.as_str())
            .collect::<Vec<_>>()
            .join(".");
        let schema = self
            .relation_schema(&name)
            .ok_or_else(|| Error::undefined_table(&shown))?;
        match self.catalog.sequence(&schema, &relation) {
            Some(entry) => Ok(entry.schema.id),
            None if self.catalog.relation_exists(&schema, &relation) => Err(Error::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("\"{relation}\" is not a sequence"),
            )),
            None => Err(Error::undefined_table(&shown)),
        }
    }
}
