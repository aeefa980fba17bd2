//! Subqueries in expressions: `(SELECT ...)`, `EXISTS`, `IN`, `op ANY/ALL`.
//!
//! A subquery is bound as its own query level with the current scope pushed as an enclosing
//! level (see `names.rs` for how its columns are captured). Its plan is left as bound: the
//! optimizer first tries to turn it into a join, then optimizes what is left.

use db001_common::{DataType, Error, Result};
use db001_sql::ast;

use super::{Binder, OuterLevel, Scope};
use crate::plan::{BinaryOp, Expr, OutputColumn, Plan, SubqueryExpr, SubqueryKind};

impl Binder<'_> {
    /// Binds a subquery expression.
    pub(crate) fn bind_subquery_expr(
        &mut self,
        expr: &ast::Expr,
        scope: &Scope,
    ) -> Result<(Expr, DataType)> {
        match expr {
            ast::Expr::Subquery(query, span) => {
                let (plan, columns, correlated) = self.bind_subquery(query, scope)?;
                let [column] = columns.as_slice() else {
                    return Err(Error::syntax("subquery must return only one column")
                        .with_position(span.position(self.sql)));
                };
                let data_type = column.data_type.without_modifier();
                Ok((subquery(SubqueryKind::Scalar, plan, correlated), data_type))
            }
            ast::Expr::ArraySubquery(query, span) => {
                let (plan, columns, correlated) = self.bind_subquery(query, scope)?;
                let [column] = columns.as_slice() else {
                    return Err(Error::syntax("subquery must return only one column")
                        .with_position(span.position(self.sql)));
                };
                let element = column.data_type.without_modifier();
                let array = element.array_of().ok_or_else(|| {
                    Error::feature_not_supported(format!(
                        "arrays of type {} are not supported by db001",
                        element.sql_name()
                    ))
                })?;
                Ok((
                    subquery(SubqueryKind::Array(array), plan, correlated),
                    array,
                ))
            }
            ast::Expr::Exists {
                subquery: query,
                negated,
                ..
            } => {
                let (plan, _, correlated) = self.bind_subquery(query, scope)?;
                let exists = subquery(SubqueryKind::Exists, plan, correlated);
                Ok((negate(exists, *negated), DataType::Bool))
            }
            ast::Expr::InSubquery {
                expr: left,
                subquery: query,
                negated,
                span,
            } => {
                let any = self.bind_compare(left, BinaryOp::Eq, false, query, *span, scope)?;
                Ok((negate(any, *negated), DataType::Bool))
            }
            ast::Expr::AnyAll {
                left,
                op,
                all,
                right,
                span,
            } => {
                let ast::Expr::Subquery(query, _) = super::expr::strip_nested(right) else {
                    return Err(Error::feature_not_supported(
                        "ANY/ALL over arrays is not supported yet",
                    ));
                };
                let op = match op {
                    ast::BinaryOp::Eq => BinaryOp::Eq,
                    ast::BinaryOp::NotEq => BinaryOp::NotEq,
                    ast::BinaryOp::Lt => BinaryOp::Lt,
                    ast::BinaryOp::LtEq => BinaryOp::LtEq,
                    ast::BinaryOp::Gt => BinaryOp::Gt,
                    ast::BinaryOp::GtEq => BinaryOp::GtEq,
                    other => {
                        return Err(Error::feature_not_supported(format!(
                            "operator {other:?} with ANY/ALL is not supported yet"
                        )));
                    }
                };
                let compare = self.bind_compare(left, op, *all, query, *span, scope)?;
                Ok((compare, DataType::Bool))
            }
            _ => Err(Error::internal("not a subquery expression")),
        }
    }

    /// `left op ANY/ALL (query)`.
    fn bind_compare(
        &mut self,
        left: &ast::Expr,
        op: BinaryOp,
        all: bool,
        query: &ast::Query,
        span: ast::Span,
        scope: &Scope,
    ) -> Result<Expr> {
        if let ast::Expr::Row(..) = super::expr::strip_nested(left) {
            return Err(Error::feature_not_supported(
                "row constructors with IN/ANY/ALL are not supported yet",
            ));
        }
        let (left_bound, left_type) = self.bind_expr(left, scope)?;
        let (plan, columns, correlated) = self.bind_subquery(query, scope)?;
        let column = match columns.as_slice() {
            [column] => column,
            [] => {
                return Err(Error::syntax("subquery has too few columns")
                    .with_position(span.position(self.sql)));
            }
            _ => {
                return Err(Error::syntax("subquery has too many columns")
                    .with_position(span.position(self.sql)));
            }
        };
        let right_type = column.data_type.without_modifier();
        let (left_bound, right_bound, _) = self
            .unify_pair(
                left_bound,
                left_type,
                Expr::Column(0),
                right_type,
                op.symbol(),
            )
            .map_err(|e| e.or_position(Some(span.position(self.sql))))?;
        let plan = if right_bound == Expr::Column(0) {
            plan
        } else {
            Plan::Project {
                input: Box::new(plan),
                exprs: vec![right_bound],
            }
        };
        Ok(subquery(
            SubqueryKind::Compare {
                left: Box::new(left_bound),
                op,
                all,
            },
            plan,
            correlated,
        ))
    }

    /// Binds a query nested in an expression over `scope`; returns its optimized plan, its
    /// columns and the values it reads from `scope`'s row.
    pub(crate) fn bind_subquery(
        &mut self,
        query: &ast::Query,
        scope: &Scope,
    ) -> Result<(Plan, Vec<OutputColumn>, Vec<Expr>)> {
        self.outer.push(OuterLevel {
            scope: scope.clone(),
            aggregate: self.aggregate.take(),
            window: self.window.take(),
            clause: self.clause,
            captures: Vec::new(),
        });
        let locking = std::mem::replace(&mut self.locking, false);
        let refs = std::mem::take(&mut self.column_refs);
        let result = self.bind_query(query);
        self.column_refs = refs;
        self.locking = locking;
        let level = self.outer.pop().expect("pushed above");
        self.aggregate = level.aggregate;
        self.window = level.window;
        self.clause = level.clause;
        // The values handed to the subquery are this level's column references.
        for capture in &level.captures {
            if matches!(capture, Expr::Correlated(_)) {
                self.column_refs.outer += 1;
            } else {
                self.column_refs.local += 1;
            }
        }
        let (plan, columns) = result?;
        // The optimizer optimizes the plan with the statement (after trying to turn it into
        // a join).
        Ok((plan, columns, level.captures))
    }
}

fn subquery(kind: SubqueryKind, plan: Plan, correlated: Vec<Expr>) -> Expr {
    Expr::Subquery(Box::new(SubqueryExpr {
        kind,
        plan,
        correlated,
    }))
}

fn negate(expr: Expr, negated: bool) -> Expr {
    if negated {
        Expr::Not(Box::new(expr))
    } else {
        expr
    }
}
