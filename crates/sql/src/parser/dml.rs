//! INSERT, UPDATE and DELETE.

use db001_common::Result;

use super::Parser;
use crate::ast::{
    Assignment, Delete, Expr, Ident, Insert, InsertSource, OnConflict, OnConflictAction,
    Overriding, SelectItem, Statement, Update,
};
use crate::keywords::kw;
use crate::lexer::Symbol;

impl Parser<'_, '_> {
    /// `INSERT INTO t [AS a] [(cols)] { DEFAULT VALUES | query } [ON CONFLICT ...]
    /// [RETURNING ...]`.
    pub(super) fn parse_insert(&mut self) -> Result<Statement> {
        self.advance();
        self.expect_keyword(kw::INTO)?;
        let table = self.parse_object_name()?;
        let alias = if self.eat_keyword(kw::AS) {
            Some(self.expect_col_id()?)
        } else {
            None
        };
        let mut columns = Vec::new();
        if self.is_symbol(Symbol::LeftParen) && !self.parentheses_start_insert_query() {
            self.advance();
            columns = self.comma_separated(|parser| {
                let column = parser.expect_col_id()?;
                if parser.is_symbol(Symbol::Dot) || parser.is_symbol(Symbol::LeftBracket) {
                    return Err(parser.unsupported(
                        "assigning to a field or element of a column",
                        parser.peek().span,
                    ));
                }
                Ok(column)
            })?;
            self.expect_symbol(Symbol::RightParen)?;
        }
        let overriding = if self.eat_keyword(kw::OVERRIDING) {
            let overriding = if self.eat_keyword(kw::SYSTEM) {
                Overriding::System
            } else if self.eat_keyword(kw::USER) {
                Overriding::User
            } else {
                return Err(self.error_here());
            };
            self.expect_keyword(kw::VALUE)?;
            Some(overriding)
        } else {
            None
        };
        let source = if self.eat_keywords(&[kw::DEFAULT, kw::VALUES]) {
            InsertSource::DefaultValues
        } else if matches!(
            self.peek_keyword(),
            Some(kw::SELECT | kw::VALUES | kw::WITH | kw::TABLE)
        ) || self.is_symbol(Symbol::LeftParen)
        {
            InsertSource::Query(Box::new(self.parse_query()?))
        } else {
            return Err(self.error_here());
        };
        let on_conflict = if self.is_keyword(kw::ON) && self.is_keyword_at(1, kw::CONFLICT) {
            Some(self.parse_on_conflict()?)
        } else {
            None
        };
        let returning = self.parse_returning()?;
        Ok(Statement::Insert(Box::new(Insert {
            table,
            alias,
            columns,
            overriding,
            source,
            on_conflict,
            returning,
        })))
    }

    /// After `INSERT INTO t`, whether `(` opens the source query rather than a column list.
    fn parentheses_start_insert_query(&self) -> bool {
        let mut offset = 0;
        while self.is_symbol_at(offset, Symbol::LeftParen) {
            offset += 1;
        }
        matches!(
            Self::keyword_of(self.peek_nth(offset)),
            Some(kw::SELECT | kw::WITH | kw::TABLE | kw::VALUES)
        )
    }

    fn parse_on_conflict(&mut self) -> Result<OnConflict> {
        self.advance();
        self.advance();
        let mut target = Vec::new();
        let mut target_predicate = None;
        let mut constraint = None;
        if self.eat_symbol(Symbol::LeftParen) {
            target = self.comma_separated(|parser| {
                let column = parser.expect_col_id()?;
                if !parser.is_symbol(Symbol::Comma) && !parser.is_symbol(Symbol::RightParen) {
                    return Err(parser.unsupported(
                        "an ON CONFLICT target other than plain columns",
                        parser.peek().span,
                    ));
                }
                Ok(column)
            })?;
            self.expect_symbol(Symbol::RightParen)?;
            if self.eat_keyword(kw::WHERE) {
                target_predicate = Some(self.parse_expr()?);
            }
        } else if self.eat_keywords(&[kw::ON, kw::CONSTRAINT]) {
            constraint = Some(self.expect_col_id()?);
        }
        self.expect_keyword(kw::DO)?;
        let action = if self.eat_keyword(kw::NOTHING) {
            OnConflictAction::DoNothing
        } else {
            self.expect_keyword(kw::UPDATE)?;
            self.expect_keyword(kw::SET)?;
            let assignments = self.parse_assignments()?;
            let selection = if self.eat_keyword(kw::WHERE) {
                Some(self.parse_expr()?)
            } else {
                None
            };
            OnConflictAction::DoUpdate {
                assignments,
                selection,
            }
        };
        Ok(OnConflict {
            target,
            target_predicate,
            constraint,
            action,
        })
    }

    /// `[RETURNING item, ...]`.
    fn parse_returning(&mut self) -> Result<Vec<SelectItem>> {
        if self.eat_keyword(kw::RETURNING) {
            self.comma_separated(Self::parse_select_item)
        } else {
            Ok(Vec::new())
        }
    }

    /// `UPDATE [ONLY] t [[AS] a] SET ... [FROM ...] [WHERE ...] [RETURNING ...]`.
    pub(super) fn parse_update(&mut self) -> Result<Statement> {
        self.advance();
        self.eat_keyword(kw::ONLY);
        let table = self.parse_object_name()?;
        self.eat_symbol(Symbol::Star);
        let alias = self.parse_relation_alias(true)?;
        self.expect_keyword(kw::SET)?;
        let assignments = self.parse_assignments()?;
        let from = if self.eat_keyword(kw::FROM) {
            self.comma_separated(Self::parse_table_with_joins)?
        } else {
            Vec::new()
        };
        let selection = self.parse_dml_where()?;
        let returning = self.parse_returning()?;
        Ok(Statement::Update(Box::new(Update {
            table,
            alias,
            assignments,
            from,
            selection,
            returning,
        })))
    }

    /// `DELETE FROM [ONLY] t [[AS] a] [USING ...] [WHERE ...] [RETURNING ...]`.
    pub(super) fn parse_delete(&mut self) -> Result<Statement> {
        self.advance();
        self.expect_keyword(kw::FROM)?;
        self.eat_keyword(kw::ONLY);
        let table = self.parse_object_name()?;
        self.eat_symbol(Symbol::Star);
        let alias = self.parse_relation_alias(false)?;
        let using = if self.eat_keyword(kw::USING) {
            self.comma_separated(Self::parse_table_with_joins)?
        } else {
            Vec::new()
        };
        let selection = self.parse_dml_where()?;
        let returning = self.parse_returning()?;
        Ok(Statement::Delete(Box::new(Delete {
            table,
            alias,
            using,
            selection,
            returning,
        })))
    }

    /// An UPDATE or DELETE target's alias: no column list allowed.
    fn parse_relation_alias(&mut self, before_set: bool) -> Result<Option<Ident>> {
        let name = if self.eat_keyword(kw::AS) {
            self.expect_col_id()?
        } else if self.at_col_id() && !(before_set && self.is_keyword(kw::SET)) {
            Self::ident_of(self.advance())
        } else {
            return Ok(None);
        };
        Ok(Some(name))
    }

    fn parse_dml_where(&mut self) -> Result<Option<Expr>> {
        if !self.eat_keyword(kw::WHERE) {
            return Ok(None);
        }
        if self.is_keyword(kw::CURRENT) && self.is_keyword_at(1, kw::OF) {
            return Err(self.unsupported("WHERE CURRENT OF", self.peek().span));
        }
        Ok(Some(self.parse_expr()?))
    }

    /// `column = { expr | DEFAULT }` and `(a, b) = (x, y)`, comma-separated. A multi-column
    /// assignment from a row constructor is spread into one assignment per column.
    fn parse_assignments(&mut self) -> Result<Vec<Assignment>> {
        let mut assignments = Vec::new();
        loop {
            if self.is_symbol(Symbol::LeftParen) {
                self.parse_multiple_assignment(&mut assignments)?;
            } else {
                let column = self.expect_col_id()?;
                if self.is_symbol(Symbol::Dot) || self.is_symbol(Symbol::LeftBracket) {
                    return Err(self.unsupported(
                        "assigning to a field or element of a column",
                        self.peek().span,
                    ));
                }
                self.expect_symbol(Symbol::Equals)?;
                let value = self.parse_assigned_value()?;
                assignments.push(Assignment { column, value });
            }
            if !self.eat_symbol(Symbol::Comma) {
                return Ok(assignments);
            }
        }
    }

    /// `DEFAULT` (as `None`) or an expression.
    fn parse_assigned_value(&mut self) -> Result<Option<Expr>> {
        match self.parse_expr()? {
            Expr::Default(_) => Ok(None),
            expr => Ok(Some(expr)),
        }
    }

    fn parse_multiple_assignment(&mut self, assignments: &mut Vec<Assignment>) -> Result<()> {
        let columns = self.parse_parenthesized_column_list()?;
        self.expect_symbol(Symbol::Equals)?;
        let values_start = self.peek().span;
        let explicit_row = self.eat_keyword(kw::ROW);
        if !self.is_symbol(Symbol::LeftParen) {
            return Err(self.error_here());
        }
        if !explicit_row && self.at_query_start_after(1) {
            return Err(self.unsupported("assigning a subquery to several columns", values_start));
        }
        self.advance();
        let values = self.comma_separated(Self::parse_assigned_value)?;
        self.expect_symbol(Symbol::RightParen)?;
        if values.len() != columns.len() {
            let span = self.span_from(values_start.start);
            return Err(
                self.syntax_error("number of columns does not match number of values", span)
            );
        }
        for (column, value) in columns.into_iter().zip(values) {
            assignments.push(Assignment { column, value });
        }
        Ok(())
    }

    fn at_query_start_after(&self, offset: usize) -> bool {
        match Self::keyword_of(self.peek_nth(offset)) {
            Some(kw::SELECT | kw::WITH | kw::TABLE) => true,
            Some(kw::VALUES) => self.is_symbol_at(offset + 1, Symbol::LeftParen),
            _ => false,
        }
    }
}
