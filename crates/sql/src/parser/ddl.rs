//! CREATE TABLE, CREATE INDEX, DROP TABLE and DROP INDEX (and the dispatch of the other CREATE
//! and DROP statements to `objects.rs`).
//!
//! Clauses that only tune physical storage (`WITH (fillfactor = 90)`, `TABLESPACE`,
//! `UNLOGGED`, `CONCURRENTLY`, `USING btree`) are accepted and ignored: an in-memory engine has
//! nothing for them to change, and pgbench and pg_dump output use them. Clauses that would change
//! behaviour db001 does not implement (temporary tables, deferrable constraints, partial
//! indexes, ...) fail with 0A000 rather than be silently dropped.

use db001_common::Result;

use super::Parser;
use crate::ast::{
    ColumnConstraint, ColumnConstraintKind, ColumnDef, CreateIndex, CreateTable, DropIndex,
    DropTable, Expr, Ident, ObjectName, ReferentialAction, Statement, TableConstraint,
    TableConstraintKind,
};
use crate::keywords::kw;
use crate::lexer::{Symbol, TokenKind};

impl Parser<'_, '_> {
    pub(super) fn parse_create(&mut self) -> Result<Statement> {
        let create = self.advance().span;
        if self.is_keyword(kw::OR) && self.is_keyword_at(1, kw::REPLACE) {
            let or = self.peek().span;
            if self.is_keyword_at(2, kw::VIEW) {
                self.advance();
                self.advance();
                return self.parse_create_view(true);
            }
            return Err(self.unsupported("CREATE OR REPLACE", or));
        }
        if matches!(self.peek_keyword(), Some(kw::GLOBAL | kw::LOCAL))
            && matches!(
                Self::keyword_of(self.peek_nth(1)),
                Some(kw::TEMP | kw::TEMPORARY)
            )
            || matches!(self.peek_keyword(), Some(kw::TEMP | kw::TEMPORARY))
        {
            return Err(self.unsupported("temporary tables", self.peek().span));
        }
        // Unlogged tables skip the WAL; logging them anyway loses nothing.
        let unlogged = self.eat_keyword(kw::UNLOGGED);
        match self.peek_keyword() {
            Some(kw::ROLE | kw::USER | kw::GROUP) if !unlogged => self.parse_create_role(),
            Some(kw::TABLE) => self.parse_create_table(),
            Some(kw::UNIQUE | kw::INDEX) if !unlogged => self.parse_create_index(),
            Some(kw::SEQUENCE) => self.parse_create_sequence(),
            Some(kw::VIEW) if !unlogged => self.parse_create_view(false),
            Some(kw::RECURSIVE) if !unlogged && self.is_keyword_at(1, kw::VIEW) => {
                Err(self.unsupported("CREATE RECURSIVE VIEW", self.peek().span))
            }
            Some(kw::SCHEMA) if !unlogged => self.parse_create_schema(),
            Some(keyword) if !unlogged => {
                let what = format!("CREATE {}", keyword.as_str().to_ascii_uppercase());
                Err(self.unsupported(&what, create))
            }
            _ => Err(self.error_here()),
        }
    }

    pub(super) fn parse_if_not_exists(&mut self) -> bool {
        self.eat_keywords(&[kw::IF, kw::NOT, kw::EXISTS])
    }

    fn parse_create_table(&mut self) -> Result<Statement> {
        self.advance();
        let if_not_exists = self.parse_if_not_exists();
        let name = self.parse_object_name()?;
        if self.is_keyword(kw::AS) || self.is_keyword(kw::OF) || self.is_keyword(kw::PARTITION) {
            let what = format!(
                "CREATE TABLE ... {}",
                self.peek_keyword()
                    .map_or("", |keyword| keyword.as_str())
                    .to_ascii_uppercase()
            );
            return Err(self.unsupported(&what, self.peek().span));
        }
        self.expect_symbol(Symbol::LeftParen)?;
        let mut columns = Vec::new();
        let mut constraints = Vec::new();
        if !self.is_symbol(Symbol::RightParen) {
            loop {
                if self.at_table_constraint() {
                    constraints.push(self.parse_table_constraint()?);
                } else if self.is_keyword(kw::LIKE) {
                    return Err(self.unsupported("CREATE TABLE ... (LIKE ...)", self.peek().span));
                } else {
                    columns.push(self.parse_column_def()?);
                }
                if !self.eat_symbol(Symbol::Comma) {
                    break;
                }
            }
        }
        self.expect_symbol(Symbol::RightParen)?;
        self.parse_table_options()?;
        Ok(Statement::CreateTable(Box::new(CreateTable {
            if_not_exists,
            name,
            columns,
            constraints,
        })))
    }

    /// Storage options after the column list: accepted and ignored, or rejected.
    fn parse_table_options(&mut self) -> Result<()> {
        loop {
            match self.peek_keyword() {
                Some(kw::WITH) if self.is_symbol_at(1, Symbol::LeftParen) => {
                    self.advance();
                    self.skip_storage_parameters()?;
                }
                Some(kw::TABLESPACE) => {
                    self.advance();
                    self.expect_col_id()?;
                }
                Some(kw::USING) => {
                    self.advance();
                    self.expect_col_id()?;
                }
                Some(kw::INHERITS | kw::PARTITION | kw::ON) => {
                    let what = format!(
                        "CREATE TABLE ... {}",
                        self.peek_keyword()
                            .map_or("", |keyword| keyword.as_str())
                            .to_ascii_uppercase()
                    );
                    return Err(self.unsupported(&what, self.peek().span));
                }
                _ => return Ok(()),
            }
        }
    }

    /// `( name [= value], ... )`: storage parameters, read and dropped.
    fn skip_storage_parameters(&mut self) -> Result<()> {
        self.expect_symbol(Symbol::LeftParen)?;
        self.comma_separated(|parser| {
            parser.expect_col_label()?;
            while parser.eat_symbol(Symbol::Dot) {
                parser.expect_col_label()?;
            }
            if parser.eat_symbol(Symbol::Equals) {
                let token = parser.advance();
                match &token.kind {
                    TokenKind::Number(_) | TokenKind::String { .. } => {}
                    TokenKind::Symbol(Symbol::Minus | Symbol::Plus) => {
                        if !matches!(parser.advance().kind, TokenKind::Number(_)) {
                            return Err(parser.error_at(token));
                        }
                    }
                    _ if Self::is_col_label_token(token) => {}
                    _ => return Err(parser.error_at(token)),
                }
            }
            Ok(())
        })?;
        self.expect_symbol(Symbol::RightParen)?;
        Ok(())
    }

    pub(super) fn at_table_constraint(&self) -> bool {
        match self.peek_keyword() {
            Some(kw::CONSTRAINT | kw::CHECK | kw::UNIQUE | kw::PRIMARY | kw::FOREIGN) => true,
            Some(kw::EXCLUDE) => {
                self.is_symbol_at(1, Symbol::LeftParen) || self.is_keyword_at(1, kw::USING)
            }
            _ => false,
        }
    }

    pub(super) fn parse_column_def(&mut self) -> Result<ColumnDef> {
        let name = self.expect_col_id()?;
        let data_type = self.parse_type_name()?;
        let mut constraints = Vec::new();
        loop {
            let constraint_name = if self.eat_keyword(kw::CONSTRAINT) {
                Some(self.expect_col_id()?)
            } else {
                None
            };
            let Some(kind) = self.parse_column_constraint_kind()? else {
                if constraint_name.is_some() {
                    return Err(self.error_here());
                }
                self.reject_misplaced_attribute()?;
                break;
            };
            if matches!(
                kind,
                ColumnConstraintKind::PrimaryKey
                    | ColumnConstraintKind::Unique
                    | ColumnConstraintKind::References { .. }
            ) {
                self.parse_constraint_attributes(false)?;
            }
            constraints.push(ColumnConstraint {
                name: constraint_name,
                kind,
            });
        }
        Ok(ColumnDef {
            name,
            data_type,
            constraints,
        })
    }

    fn parse_column_constraint_kind(&mut self) -> Result<Option<ColumnConstraintKind>> {
        let kind = match self.peek_keyword() {
            Some(kw::NOT) if self.is_keyword_at(1, kw::NULL) => {
                self.advance();
                self.advance();
                ColumnConstraintKind::NotNull
            }
            Some(kw::NULL) => {
                self.advance();
                ColumnConstraintKind::Null
            }
            Some(kw::PRIMARY) => {
                self.advance();
                self.expect_keyword(kw::KEY)?;
                self.parse_index_options()?;
                ColumnConstraintKind::PrimaryKey
            }
            Some(kw::UNIQUE) => {
                self.advance();
                self.reject_nulls_distinct()?;
                self.parse_index_options()?;
                ColumnConstraintKind::Unique
            }
            Some(kw::CHECK) => ColumnConstraintKind::Check(self.parse_check()?),
            Some(kw::DEFAULT) => {
                self.advance();
                ColumnConstraintKind::Default(self.parse_restricted_expr()?)
            }
            Some(kw::GENERATED) => {
                let generated = self.advance().span;
                let always = if self.eat_keyword(kw::ALWAYS) {
                    true
                } else {
                    self.expect_keyword(kw::BY)?;
                    self.expect_keyword(kw::DEFAULT)?;
                    false
                };
                self.expect_keyword(kw::AS)?;
                if self.is_symbol(Symbol::LeftParen) {
                    return Err(self.unsupported("generated columns", generated));
                }
                self.expect_keyword(kw::IDENTITY)?;
                let options = if self.eat_symbol(Symbol::LeftParen) {
                    let options = self.parse_sequence_options(true)?;
                    self.expect_symbol(Symbol::RightParen)?;
                    options
                } else {
                    Vec::new()
                };
                ColumnConstraintKind::Identity { always, options }
            }
            Some(kw::REFERENCES) => {
                self.advance();
                let (table, columns, on_delete, on_update) = self.parse_references_tail()?;
                ColumnConstraintKind::References {
                    table,
                    columns,
                    on_delete,
                    on_update,
                }
            }
            Some(kw::COLLATE) => {
                return Err(self.unsupported("a column collation", self.peek().span));
            }
            _ => return Ok(None),
        };
        Ok(Some(kind))
    }

    /// `CHECK ( expr ) [NO INHERIT]`.
    fn parse_check(&mut self) -> Result<Expr> {
        self.advance();
        self.expect_symbol(Symbol::LeftParen)?;
        let expr = self.parse_expr()?;
        self.expect_symbol(Symbol::RightParen)?;
        self.eat_keywords(&[kw::NO, kw::INHERIT]);
        Ok(expr)
    }

    fn reject_nulls_distinct(&self) -> Result<()> {
        if self.is_keyword(kw::NULLS) {
            return Err(self.unsupported("NULLS [NOT] DISTINCT", self.peek().span));
        }
        Ok(())
    }

    /// Index options of PRIMARY KEY and UNIQUE: `INCLUDE` is rejected, storage ignored.
    fn parse_index_options(&mut self) -> Result<()> {
        loop {
            if self.is_keyword(kw::INCLUDE) {
                return Err(self.unsupported("INCLUDE", self.peek().span));
            }
            if self.is_keyword(kw::WITH) && self.is_symbol_at(1, Symbol::LeftParen) {
                self.advance();
                self.skip_storage_parameters()?;
            } else if self.eat_keywords(&[kw::USING, kw::INDEX, kw::TABLESPACE]) {
                self.expect_col_id()?;
            } else {
                return Ok(());
            }
        }
    }

    /// `DEFERRABLE`, `NOT DEFERRABLE`, `INITIALLY {DEFERRED | IMMEDIATE}` (and, for table
    /// constraints, `NOT VALID`) after a constraint. The defaults are accepted; deferral is not
    /// implemented.
    fn parse_constraint_attributes(&mut self, table_constraint: bool) -> Result<()> {
        loop {
            if self.eat_keywords(&[kw::NOT, kw::DEFERRABLE])
                || self.eat_keywords(&[kw::INITIALLY, kw::IMMEDIATE])
                || (table_constraint && self.eat_keywords(&[kw::NOT, kw::VALID]))
            {
                continue;
            }
            if self.is_keyword(kw::DEFERRABLE)
                || (self.is_keyword(kw::INITIALLY) && self.is_keyword_at(1, kw::DEFERRED))
            {
                return Err(self.unsupported("deferrable constraints", self.peek().span));
            }
            return Ok(());
        }
    }

    /// A constraint attribute after a column constraint that cannot be deferred (or after
    /// none): PostgreSQL's "misplaced ... clause".
    fn reject_misplaced_attribute(&self) -> Result<()> {
        let clause = if self.is_keyword(kw::DEFERRABLE) {
            "DEFERRABLE"
        } else if self.is_keyword(kw::NOT) && self.is_keyword_at(1, kw::DEFERRABLE) {
            "NOT DEFERRABLE"
        } else if self.is_keyword(kw::INITIALLY) && self.is_keyword_at(1, kw::DEFERRED) {
            "INITIALLY DEFERRED"
        } else if self.is_keyword(kw::INITIALLY) && self.is_keyword_at(1, kw::IMMEDIATE) {
            "INITIALLY IMMEDIATE"
        } else if self.is_keyword(kw::NOT) {
            // Only NULL or DEFERRABLE may follow NOT here.
            return Err(self.error_at(self.peek_nth(1)));
        } else {
            return Ok(());
        };
        Err(self.syntax_error(format!("misplaced {clause} clause"), self.peek().span))
    }

    /// After `REFERENCES`: `table [(columns)] [MATCH ...] [ON DELETE ...] [ON UPDATE ...]`.
    #[allow(clippy::type_complexity)]
    fn parse_references_tail(
        &mut self,
    ) -> Result<(
        ObjectName,
        Vec<Ident>,
        Option<ReferentialAction>,
        Option<ReferentialAction>,
    )> {
        let table = self.parse_object_name()?;
        let columns = if self.is_symbol(Symbol::LeftParen) {
            self.parse_parenthesized_column_list()?
        } else {
            Vec::new()
        };
        let mut on_delete = None;
        let mut on_update = None;
        loop {
            if self.is_keyword(kw::MATCH) {
                self.advance();
                if !self.eat_keyword(kw::SIMPLE) {
                    return Err(self.unsupported("MATCH FULL and MATCH PARTIAL", self.peek().span));
                }
            } else if on_delete.is_none() && self.eat_keywords(&[kw::ON, kw::DELETE]) {
                on_delete = Some(self.parse_referential_action()?);
            } else if on_update.is_none() && self.eat_keywords(&[kw::ON, kw::UPDATE]) {
                on_update = Some(self.parse_referential_action()?);
            } else {
                return Ok((table, columns, on_delete, on_update));
            }
        }
    }

    fn parse_referential_action(&mut self) -> Result<ReferentialAction> {
        let action = if self.eat_keywords(&[kw::NO, kw::ACTION]) {
            ReferentialAction::NoAction
        } else if self.eat_keyword(kw::RESTRICT) {
            ReferentialAction::Restrict
        } else if self.eat_keyword(kw::CASCADE) {
            ReferentialAction::Cascade
        } else if self.eat_keywords(&[kw::SET, kw::NULL]) {
            ReferentialAction::SetNull
        } else if self.eat_keywords(&[kw::SET, kw::DEFAULT]) {
            ReferentialAction::SetDefault
        } else {
            return Err(self.error_here());
        };
        if self.is_symbol(Symbol::LeftParen) {
            return Err(
                self.unsupported("a column list in SET NULL or SET DEFAULT", self.peek().span)
            );
        }
        Ok(action)
    }

    pub(super) fn parse_table_constraint(&mut self) -> Result<TableConstraint> {
        let start = self.start();
        let name = if self.eat_keyword(kw::CONSTRAINT) {
            Some(self.expect_col_id()?)
        } else {
            None
        };
        let kind = match self.peek_keyword() {
            Some(kw::PRIMARY) => {
                self.advance();
                self.expect_keyword(kw::KEY)?;
                let columns = self.parse_parenthesized_column_list()?;
                self.parse_index_options()?;
                TableConstraintKind::PrimaryKey(columns)
            }
            Some(kw::UNIQUE) => {
                self.advance();
                self.reject_nulls_distinct()?;
                let columns = self.parse_parenthesized_column_list()?;
                self.parse_index_options()?;
                TableConstraintKind::Unique(columns)
            }
            Some(kw::CHECK) => TableConstraintKind::Check(self.parse_check()?),
            Some(kw::FOREIGN) => {
                self.advance();
                self.expect_keyword(kw::KEY)?;
                let columns = self.parse_parenthesized_column_list()?;
                self.expect_keyword(kw::REFERENCES)?;
                let (table, referred_columns, on_delete, on_update) =
                    self.parse_references_tail()?;
                TableConstraintKind::ForeignKey {
                    columns,
                    table,
                    referred_columns,
                    on_delete,
                    on_update,
                }
            }
            Some(kw::EXCLUDE) => {
                return Err(self.unsupported("exclusion constraints", self.peek().span));
            }
            _ => return Err(self.error_here()),
        };
        self.parse_constraint_attributes(true)?;
        Ok(TableConstraint {
            name,
            kind,
            span: self.span_from(start),
        })
    }

    /// `CREATE [UNIQUE] INDEX [CONCURRENTLY] [[IF NOT EXISTS] name] ON [ONLY] t [USING method]
    /// ( elements ) [WITH (...)] [TABLESPACE ...]`.
    fn parse_create_index(&mut self) -> Result<Statement> {
        let unique = self.eat_keyword(kw::UNIQUE);
        self.expect_keyword(kw::INDEX)?;
        // Building concurrently only matters when other sessions write during the build.
        self.eat_keyword(kw::CONCURRENTLY);
        let if_not_exists = self.parse_if_not_exists();
        let name = if if_not_exists || !self.is_keyword(kw::ON) {
            Some(self.expect_col_id()?)
        } else {
            None
        };
        self.expect_keyword(kw::ON)?;
        self.eat_keyword(kw::ONLY);
        let table = self.parse_object_name()?;
        if self.eat_keyword(kw::USING) {
            let method = self.expect_col_id()?;
            if method.value != "btree" && method.value != "hash" {
                return Err(
                    self.unsupported(&format!("index method {}", method.value), method.span)
                );
            }
        }
        self.expect_symbol(Symbol::LeftParen)?;
        let columns = self.comma_separated(Self::parse_index_element)?;
        self.expect_symbol(Symbol::RightParen)?;
        if self.is_keyword(kw::INCLUDE) {
            return Err(self.unsupported("INCLUDE", self.peek().span));
        }
        self.reject_nulls_distinct()?;
        loop {
            if self.is_keyword(kw::WITH) && self.is_symbol_at(1, Symbol::LeftParen) {
                self.advance();
                self.skip_storage_parameters()?;
            } else if self.eat_keyword(kw::TABLESPACE) {
                self.expect_col_id()?;
            } else {
                break;
            }
        }
        if self.is_keyword(kw::WHERE) {
            return Err(self.unsupported("partial indexes", self.peek().span));
        }
        Ok(Statement::CreateIndex(Box::new(CreateIndex {
            unique,
            if_not_exists,
            name,
            table,
            columns,
        })))
    }

    /// A column, a function call or a parenthesised expression, with its ordering.
    fn parse_index_element(&mut self) -> Result<crate::ast::OrderByExpr> {
        let call = Self::is_type_function_name_token(self.peek())
            && (self.is_symbol_at(1, Symbol::LeftParen) || self.is_symbol_at(1, Symbol::Dot));
        // Above every operator's level: only the primary itself.
        let expr = if self.is_symbol(Symbol::LeftParen) || call {
            self.parse_expr_bp(super::expr::level::CAST + 1, false)?
        } else {
            Expr::Column(vec![self.expect_col_id()?])
        };
        if self.is_keyword(kw::COLLATE) {
            return Err(self.unsupported("an index collation", self.peek().span));
        }
        if Self::is_col_id_token(self.peek()) && !matches!(self.peek_keyword(), Some(kw::NULLS)) {
            return Err(self.unsupported("an operator class", self.peek().span));
        }
        self.parse_ordering(expr)
    }

    pub(super) fn parse_drop(&mut self) -> Result<Statement> {
        let drop = self.advance().span;
        if matches!(self.peek_keyword(), Some(kw::ROLE | kw::USER | kw::GROUP)) {
            return self.parse_drop_role();
        }
        let index = match self.peek_keyword() {
            Some(kw::TABLE) => false,
            Some(kw::INDEX) => true,
            Some(kw::VIEW) => return self.parse_drop_objects(crate::ast::ObjectKind::View),
            Some(kw::SEQUENCE) => {
                return self.parse_drop_objects(crate::ast::ObjectKind::Sequence);
            }
            Some(kw::SCHEMA) => return self.parse_drop_objects(crate::ast::ObjectKind::Schema),
            Some(keyword) => {
                let what = format!("DROP {}", keyword.as_str().to_ascii_uppercase());
                return Err(self.unsupported(&what, drop));
            }
            None => return Err(self.error_here()),
        };
        self.advance();
        if index {
            self.eat_keyword(kw::CONCURRENTLY);
        }
        let if_exists = self.eat_keywords(&[kw::IF, kw::EXISTS]);
        let names = self.comma_separated(Self::parse_object_name)?;
        let cascade = if self.eat_keyword(kw::CASCADE) {
            true
        } else {
            self.eat_keyword(kw::RESTRICT);
            false
        };
        Ok(if index {
            Statement::DropIndex(DropIndex {
                if_exists,
                names,
                cascade,
            })
        } else {
            Statement::DropTable(DropTable {
                if_exists,
                names,
                cascade,
            })
        })
    }
}
