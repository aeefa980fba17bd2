//! Queries: `WITH`, set operations (`INTERSECT` binding tighter than `UNION` and `EXCEPT`),
//! `SELECT`, `VALUES`, `TABLE`, the `FROM` clause with its joins, and the query tail (`ORDER
//! BY`, `LIMIT`/`OFFSET`/`FETCH` in either order, locking clauses).

use db001_common::Result;

use super::Parser;
use crate::ast::{
    Cte, Distinct, Expr, Join, JoinConstraint, JoinKind, Literal, LockStrength, LockWait,
    LockingClause, Query, Select, SelectItem, SetExpr, SetOperator, Span, TableAlias, TableFactor,
    TableWithJoins, Values, With,
};
use crate::keywords::kw;
use crate::lexer::{Symbol, TokenKind};

impl Parser<'_, '_> {
    /// Whether the cursor is at a keyword that begins a query.
    pub(super) fn at_query_start(&self) -> bool {
        match self.peek_keyword() {
            Some(kw::SELECT | kw::WITH | kw::TABLE) => true,
            Some(kw::VALUES) => self.is_symbol_at(1, Symbol::LeftParen),
            _ => false,
        }
    }

    /// Whether the `(` at the cursor opens a query, looking past nested parentheses: used in
    /// FROM to tell a derived table from a parenthesised join.
    fn parentheses_open_query(&self) -> bool {
        let mut offset = 0;
        while self.is_symbol_at(offset, Symbol::LeftParen) {
            offset += 1;
        }
        match Self::keyword_of(self.peek_nth(offset)) {
            Some(kw::SELECT | kw::WITH | kw::TABLE) => true,
            Some(kw::VALUES) => self.is_symbol_at(offset + 1, Symbol::LeftParen),
            _ => false,
        }
    }

    /// A whole query: `[WITH ...] body [ORDER BY ...] [LIMIT ...] [OFFSET ...] [FOR ...]`.
    pub(super) fn parse_query(&mut self) -> Result<Query> {
        self.nested(|parser| {
            let start = parser.start();
            let with = if parser.is_keyword(kw::WITH) {
                Some(parser.parse_with()?)
            } else {
                None
            };
            let first = parser.parse_set_primary()?;
            let body = parser.parse_set_operations(first, 0)?;
            parser.parse_query_tail(with, body, start)
        })
    }

    /// Continues a query whose first operand, `(first)`, was already parsed as a scalar
    /// subquery inside an expression's parentheses.
    pub(super) fn continue_query_after_parenthesized(
        &mut self,
        first: Query,
        start: u32,
    ) -> Result<Query> {
        self.nested(|parser| {
            let body = parser.parse_set_operations(SetExpr::Query(Box::new(first)), 0)?;
            parser.parse_query_tail(None, body, start)
        })
    }

    fn parse_query_tail(&mut self, with: Option<With>, body: SetExpr, start: u32) -> Result<Query> {
        let mut query = Query {
            with,
            body,
            order_by: Vec::new(),
            limit: None,
            offset: None,
            locking: Vec::new(),
            span: Span::default(),
        };
        if self.eat_keyword(kw::ORDER) {
            self.expect_keyword(kw::BY)?;
            query.order_by = self.comma_separated(Self::parse_order_by_expr)?;
        }
        // PostgreSQL allows the limit clauses before or after the locking clauses, not both.
        let limited = self.parse_limit_and_offset(&mut query)?;
        if self.is_keyword(kw::FOR) {
            query.locking = self.parse_locking_clauses()?;
            if !limited {
                self.parse_limit_and_offset(&mut query)?;
            }
        }
        query.span = self.span_from(start);
        Ok(query)
    }

    /// `LIMIT`/`FETCH` and `OFFSET`, each at most once, in either order.
    fn parse_limit_and_offset(&mut self, query: &mut Query) -> Result<bool> {
        let mut seen_limit = false;
        let mut seen_offset = false;
        loop {
            if !seen_limit && self.is_keyword(kw::LIMIT) {
                let limit_span = self.advance().span;
                if !self.eat_keyword(kw::ALL) {
                    query.limit = Some(self.parse_expr()?);
                }
                if self.is_symbol(Symbol::Comma) {
                    return Err(self
                        .syntax_error("LIMIT #,# syntax is not supported", limit_span)
                        .with_hint("Use separate LIMIT and OFFSET clauses."));
                }
                seen_limit = true;
            } else if !seen_limit && self.is_keyword(kw::FETCH) {
                query.limit = Some(self.parse_fetch_first()?);
                seen_limit = true;
            } else if !seen_offset && self.is_keyword(kw::OFFSET) {
                self.advance();
                query.offset = Some(self.parse_expr()?);
                if !self.eat_keyword(kw::ROWS) {
                    self.eat_keyword(kw::ROW);
                }
                seen_offset = true;
            } else {
                return Ok(seen_limit || seen_offset);
            }
        }
    }

    /// `FETCH { FIRST | NEXT } [count] { ROW | ROWS } ONLY`, as the limit it means.
    fn parse_fetch_first(&mut self) -> Result<Expr> {
        self.advance();
        if !self.eat_keyword(kw::FIRST) {
            self.expect_keyword(kw::NEXT)?;
        }
        let count = if matches!(self.peek_keyword(), Some(kw::ROW | kw::ROWS))
            && matches!(self.peek_nth(1).kind, TokenKind::Word { .. })
            && matches!(
                Self::keyword_of(self.peek_nth(1)),
                Some(kw::ONLY | kw::WITH)
            ) {
            Expr::Literal(Literal::Number("1".to_string()), self.peek().span)
        } else {
            self.parse_expr_bp(super::expr::level::UNARY, false)?
        };
        if !self.eat_keyword(kw::ROWS) {
            self.expect_keyword(kw::ROW)?;
        }
        if self.is_keyword(kw::WITH) {
            return Err(self.unsupported("FETCH ... WITH TIES", self.peek().span));
        }
        self.expect_keyword(kw::ONLY)?;
        Ok(count)
    }

    fn parse_locking_clauses(&mut self) -> Result<Vec<LockingClause>> {
        let mut clauses = Vec::new();
        while self.is_keyword(kw::FOR) {
            self.advance();
            let strength = if self.eat_keyword(kw::UPDATE) {
                LockStrength::Update
            } else if self.eat_keyword(kw::SHARE) {
                LockStrength::Share
            } else if self.eat_keywords(&[kw::NO, kw::KEY]) {
                self.expect_keyword(kw::UPDATE)?;
                LockStrength::NoKeyUpdate
            } else if self.eat_keyword(kw::KEY) {
                self.expect_keyword(kw::SHARE)?;
                LockStrength::KeyShare
            } else {
                // `FOR READ ONLY` says what a plain SELECT already is.
                self.expect_keyword(kw::READ)?;
                self.expect_keyword(kw::ONLY)?;
                continue;
            };
            let of = if self.eat_keyword(kw::OF) {
                self.comma_separated(Self::parse_object_name)?
            } else {
                Vec::new()
            };
            let wait = if self.eat_keyword(kw::NOWAIT) {
                LockWait::NoWait
            } else if self.eat_keywords(&[kw::SKIP, kw::LOCKED]) {
                LockWait::SkipLocked
            } else {
                LockWait::Wait
            };
            clauses.push(LockingClause { strength, of, wait });
        }
        Ok(clauses)
    }

    fn parse_with(&mut self) -> Result<With> {
        self.advance();
        let recursive = self.eat_keyword(kw::RECURSIVE);
        let ctes = self.comma_separated(Self::parse_cte)?;
        Ok(With { recursive, ctes })
    }

    fn parse_cte(&mut self) -> Result<Cte> {
        let name = self.expect_col_id()?;
        let columns = if self.is_symbol(Symbol::LeftParen) {
            self.parse_parenthesized_column_list()?
        } else {
            Vec::new()
        };
        self.expect_keyword(kw::AS)?;
        // MATERIALIZED hints change the plan, never the result.
        if !self.eat_keyword(kw::MATERIALIZED) {
            self.eat_keywords(&[kw::NOT, kw::MATERIALIZED]);
        }
        self.expect_symbol(Symbol::LeftParen)?;
        if matches!(
            self.peek_keyword(),
            Some(kw::INSERT | kw::UPDATE | kw::DELETE)
        ) {
            return Err(self.unsupported("a data-modifying statement in WITH", self.peek().span));
        }
        let query = self.parse_query()?;
        self.expect_symbol(Symbol::RightParen)?;
        if matches!(self.peek_keyword(), Some(kw::SEARCH | kw::CYCLE)) {
            return Err(self.unsupported("SEARCH and CYCLE clauses", self.peek().span));
        }
        Ok(Cte {
            name,
            columns,
            query: Box::new(query),
        })
    }

    /// Set operations after `left`, binding operators of precedence `min` or tighter:
    /// `UNION` and `EXCEPT` are 1, `INTERSECT` is 2; all associate to the left.
    fn parse_set_operations(&mut self, left: SetExpr, min: u8) -> Result<SetExpr> {
        let outer = self.begin_chain();
        let mut left = left;
        let mut links = 0;
        while let Some((op, precedence)) = self.peek_set_operator() {
            if precedence < min {
                break;
            }
            self.advance();
            let all = self.eat_keyword(kw::ALL);
            if !all {
                self.eat_keyword(kw::DISTINCT);
            }
            let mut right = self.parse_set_primary()?;
            if self
                .peek_set_operator()
                .is_some_and(|(_, next)| next > precedence)
            {
                right = self.parse_set_operations(right, precedence + 1)?;
            }
            left = SetExpr::SetOperation {
                op,
                all,
                left: Box::new(left),
                right: Box::new(right),
            };
            links += 1;
            self.check_chain(links)?;
        }
        self.end_chain(outer, links);
        Ok(left)
    }

    fn peek_set_operator(&self) -> Option<(SetOperator, u8)> {
        match self.peek_keyword() {
            Some(kw::UNION) => Some((SetOperator::Union, 1)),
            Some(kw::EXCEPT) => Some((SetOperator::Except, 1)),
            Some(kw::INTERSECT) => Some((SetOperator::Intersect, 2)),
            _ => None,
        }
    }

    /// `SELECT ...`, `VALUES ...`, `TABLE name` or `( query )`.
    fn parse_set_primary(&mut self) -> Result<SetExpr> {
        match self.peek_keyword() {
            Some(kw::SELECT) => Ok(SetExpr::Select(Box::new(self.parse_select()?))),
            Some(kw::VALUES) => Ok(SetExpr::Values(self.parse_values()?)),
            Some(kw::TABLE) => {
                let start = self.advance().span;
                let name = self.parse_object_name()?;
                Ok(SetExpr::Select(Box::new(Select {
                    distinct: None,
                    projection: vec![SelectItem::Wildcard(start)],
                    from: vec![TableWithJoins {
                        relation: TableFactor::Table { name, alias: None },
                        joins: Vec::new(),
                    }],
                    selection: None,
                    group_by: Vec::new(),
                    having: None,
                    span: self.span_from(start.start),
                })))
            }
            _ if self.is_symbol(Symbol::LeftParen) => {
                self.advance();
                let query = self.parse_query()?;
                self.expect_symbol(Symbol::RightParen)?;
                Ok(SetExpr::Query(Box::new(query)))
            }
            _ => Err(self.error_here()),
        }
    }

    /// `VALUES ( expr, ... ) [, ...]`; every row must have the same length.
    pub(super) fn parse_values(&mut self) -> Result<Values> {
        let start = self.advance().span.start;
        let rows = self.comma_separated(|parser| {
            parser.expect_symbol(Symbol::LeftParen)?;
            let row = parser.comma_separated(Self::parse_expr)?;
            parser.expect_symbol(Symbol::RightParen)?;
            Ok(row)
        })?;
        let width = rows[0].len();
        if let Some(row) = rows.iter().find(|row| row.len() != width) {
            return Err(
                self.syntax_error("VALUES lists must all be the same length", row[0].span())
            );
        }
        Ok(Values {
            rows,
            span: self.span_from(start),
        })
    }

    fn parse_select(&mut self) -> Result<Select> {
        let start = self.advance().span.start;
        let distinct = if self.eat_keyword(kw::ALL) {
            None
        } else if self.eat_keyword(kw::DISTINCT) {
            if self.eat_keyword(kw::ON) {
                self.expect_symbol(Symbol::LeftParen)?;
                let on = self.comma_separated(Self::parse_expr)?;
                self.expect_symbol(Symbol::RightParen)?;
                Some(Distinct::On(on))
            } else {
                Some(Distinct::All)
            }
        } else {
            None
        };
        let projection = if distinct.is_none() && self.at_select_list_end() {
            Vec::new()
        } else {
            self.comma_separated(Self::parse_select_item)?
        };
        if self.is_keyword(kw::INTO) {
            return Err(self.unsupported("SELECT ... INTO", self.peek().span));
        }
        let from = if self.eat_keyword(kw::FROM) {
            self.comma_separated(Self::parse_table_with_joins)?
        } else {
            Vec::new()
        };
        let selection = if self.eat_keyword(kw::WHERE) {
            Some(self.parse_expr()?)
        } else {
            None
        };
        let group_by = if self.eat_keyword(kw::GROUP) {
            self.expect_keyword(kw::BY)?;
            if self.is_keyword(kw::DISTINCT) {
                return Err(self.unsupported("GROUP BY DISTINCT", self.peek().span));
            }
            self.eat_keyword(kw::ALL);
            self.comma_separated(|parser| {
                if parser.is_symbol(Symbol::LeftParen) && parser.is_symbol_at(1, Symbol::RightParen)
                {
                    return Err(parser.unsupported("an empty grouping set", parser.peek().span));
                }
                if parser.is_keyword(kw::GROUPING) && parser.is_keyword_at(1, kw::SETS) {
                    return Err(parser.unsupported("GROUPING SETS", parser.peek().span));
                }
                parser.parse_expr()
            })?
        } else {
            Vec::new()
        };
        let having = if self.eat_keyword(kw::HAVING) {
            Some(self.parse_expr()?)
        } else {
            None
        };
        if self.is_keyword(kw::WINDOW) {
            return Err(self.unsupported("a WINDOW clause", self.peek().span));
        }
        Ok(Select {
            distinct,
            projection,
            from,
            selection,
            group_by,
            having,
            span: self.span_from(start),
        })
    }

    /// PostgreSQL allows an empty target list: `SELECT FROM t`, `SELECT;`.
    fn at_select_list_end(&self) -> bool {
        match &self.peek().kind {
            TokenKind::Eof => true,
            TokenKind::Symbol(symbol) => matches!(symbol, Symbol::Semicolon | Symbol::RightParen),
            TokenKind::Word {
                keyword: Some(keyword),
                ..
            } => matches!(
                *keyword,
                kw::FROM
                    | kw::WHERE
                    | kw::GROUP
                    | kw::HAVING
                    | kw::WINDOW
                    | kw::UNION
                    | kw::INTERSECT
                    | kw::EXCEPT
                    | kw::ORDER
                    | kw::LIMIT
                    | kw::OFFSET
                    | kw::FETCH
                    | kw::FOR
                    | kw::INTO
            ),
            _ => false,
        }
    }

    /// `*`, `name.*`, or `expr [[AS] alias]`. Also used for RETURNING lists.
    pub(super) fn parse_select_item(&mut self) -> Result<SelectItem> {
        if self.is_symbol(Symbol::Star) {
            return Ok(SelectItem::Wildcard(self.advance().span));
        }
        if self.at_qualified_wildcard() {
            let mut parts = vec![self.expect_col_id()?];
            while self.eat_symbol(Symbol::Dot) {
                if self.eat_symbol(Symbol::Star) {
                    break;
                }
                parts.push(self.expect_col_label()?);
            }
            return Ok(SelectItem::QualifiedWildcard(
                self.check_qualified_name(parts)?,
            ));
        }
        let expr = self.parse_select_item_expr()?;
        let alias = if self.eat_keyword(kw::AS) {
            Some(self.expect_col_label()?)
        } else {
            match &self.peek().kind {
                TokenKind::QuotedIdent(_) | TokenKind::Word { keyword: None, .. } => {
                    Some(Self::ident_of(self.advance()))
                }
                TokenKind::Word {
                    keyword: Some(keyword),
                    ..
                } if keyword.is_bare_label() => Some(Self::ident_of(self.advance())),
                _ => None,
            }
        };
        Ok(SelectItem::Expr { expr, alias })
    }

    /// `name [. name ...] . *` ahead?
    fn at_qualified_wildcard(&self) -> bool {
        if !Self::is_col_id_token(self.peek()) {
            return false;
        }
        let mut offset = 0;
        loop {
            if !self.is_symbol_at(offset + 1, Symbol::Dot) {
                return false;
            }
            if self.is_symbol_at(offset + 2, Symbol::Star) {
                return true;
            }
            if !Self::is_col_label_token(self.peek_nth(offset + 2)) {
                return false;
            }
            offset += 2;
        }
    }

    /// A FROM item and the joins that follow it.
    pub(super) fn parse_table_with_joins(&mut self) -> Result<TableWithJoins> {
        let relation = self.parse_table_factor()?;
        let mut joins = Vec::new();
        loop {
            let natural = self.is_keyword(kw::NATURAL);
            let offset = usize::from(natural);
            let (kind, words) = match Self::keyword_of(self.peek_nth(offset)) {
                Some(kw::CROSS) if !natural && self.is_keyword_at(1, kw::JOIN) => {
                    (JoinKind::Cross, 2)
                }
                Some(kw::JOIN) => (JoinKind::Inner, 1),
                Some(kw::INNER) => (JoinKind::Inner, 2),
                Some(kw::LEFT) => (JoinKind::Left, 2),
                Some(kw::RIGHT) => (JoinKind::Right, 2),
                Some(kw::FULL) => (JoinKind::Full, 2),
                _ if natural => {
                    self.advance();
                    return Err(self.error_here());
                }
                _ => break,
            };
            for _ in 0..offset + words - 1 {
                self.advance();
            }
            if words == 2 && kind != JoinKind::Inner && kind != JoinKind::Cross {
                self.eat_keyword(kw::OUTER);
            }
            self.expect_keyword(kw::JOIN)?;
            let relation = self.parse_table_factor()?;
            let constraint = if natural {
                JoinConstraint::Natural
            } else if kind == JoinKind::Cross {
                JoinConstraint::None
            } else if self.eat_keyword(kw::ON) {
                JoinConstraint::On(self.parse_expr()?)
            } else if self.is_keyword(kw::USING) {
                self.advance();
                let columns = self.parse_parenthesized_column_list()?;
                if self.is_keyword(kw::AS) {
                    return Err(self.unsupported("an alias on JOIN ... USING", self.peek().span));
                }
                JoinConstraint::Using(columns)
            } else {
                return Err(self.error_here());
            };
            joins.push(Join {
                relation,
                kind,
                constraint,
            });
        }
        Ok(TableWithJoins { relation, joins })
    }

    fn parse_table_factor(&mut self) -> Result<TableFactor> {
        let lateral = self.eat_keyword(kw::LATERAL);
        if self.is_symbol(Symbol::LeftParen) {
            let open = self.peek().span;
            if self.parentheses_open_query() {
                self.advance();
                let subquery = self.parse_query()?;
                self.expect_symbol(Symbol::RightParen)?;
                let alias = self.parse_table_alias(false)?;
                if alias.is_none() {
                    let values = matches!(subquery.body, SetExpr::Values(_));
                    let (message, hint) = if values {
                        (
                            "VALUES in FROM must have an alias",
                            "For example, FROM (VALUES ...) [AS] foo.",
                        )
                    } else {
                        (
                            "subquery in FROM must have an alias",
                            "For example, FROM (SELECT ...) [AS] foo.",
                        )
                    };
                    return Err(self.syntax_error(message, open).with_hint(hint));
                }
                return Ok(TableFactor::Derived {
                    lateral,
                    subquery: Box::new(subquery),
                    alias,
                });
            }
            if lateral {
                return Err(self.error_here());
            }
            self.advance();
            let inner = self.nested(Self::parse_table_with_joins)?;
            self.expect_symbol(Symbol::RightParen)?;
            if self.is_keyword(kw::AS) || self.at_col_id() {
                return Err(self.unsupported("an alias on a parenthesized join", self.peek().span));
            }
            return Ok(TableFactor::NestedJoin(Box::new(inner)));
        }
        let only = self.eat_keyword(kw::ONLY);
        let first = self.peek();
        let is_table = Self::is_col_id_token(first);
        if !is_table && !Self::is_type_function_name_token(first) {
            return Err(self.error_here());
        }
        let mut parts = vec![Self::ident_of(self.advance())];
        while self.eat_symbol(Symbol::Dot) {
            parts.push(self.expect_col_label()?);
        }
        let name = self.check_qualified_name(parts)?;
        if self.is_symbol(Symbol::LeftParen) && !only {
            self.advance();
            let args = if self.is_symbol(Symbol::RightParen) {
                Vec::new()
            } else {
                self.comma_separated(Self::parse_expr)?
            };
            self.expect_symbol(Symbol::RightParen)?;
            let with_ordinality =
                self.is_keyword(kw::WITH) && self.is_keyword_at(1, kw::ORDINALITY);
            if with_ordinality {
                self.advance();
                self.advance();
            }
            let alias = self.parse_table_alias(false)?;
            return Ok(TableFactor::Function {
                name,
                args,
                with_ordinality,
                alias,
            });
        }
        if !is_table && name.parts.len() == 1 {
            return Err(self.error_at(first));
        }
        // `t *` (include descendants) is what a table without inheritance means anyway.
        self.eat_symbol(Symbol::Star);
        if self.is_keyword(kw::TABLESAMPLE) {
            return Err(self.unsupported("TABLESAMPLE", self.peek().span));
        }
        let alias = self.parse_table_alias(false)?;
        Ok(TableFactor::Table { name, alias })
    }

    /// `[AS] alias [( column, ... )]`. With `before_set`, a bare `SET` is not an alias (it
    /// starts UPDATE's SET clause).
    pub(super) fn parse_table_alias(&mut self, before_set: bool) -> Result<Option<TableAlias>> {
        let name = if self.eat_keyword(kw::AS) {
            self.expect_col_id()?
        } else if self.at_col_id() && !(before_set && self.is_keyword(kw::SET)) {
            Self::ident_of(self.advance())
        } else {
            return Ok(None);
        };
        let columns = if self.is_symbol(Symbol::LeftParen) {
            self.parse_parenthesized_column_list()?
        } else {
            Vec::new()
        };
        Ok(Some(TableAlias { name, columns }))
    }
}
