//! ALTER TABLE and TRUNCATE.
//!
//! ALTER TABLE forms that db001 does not implement (changing a column's type, identity
//! changes, ownership, storage parameters, triggers, ...) fail with 0A000 naming the form;
//! ALTER of other object kinds (ALTER INDEX, ALTER SEQUENCE, ...) likewise.

use db001_common::Result;

use super::Parser;
use crate::ast::{AlterTable, AlterTableAction, Statement, Truncate};
use crate::keywords::kw;
use crate::lexer::Symbol;

impl Parser<'_, '_> {
    /// `ALTER TABLE [IF EXISTS] [ONLY] name [*] action [, ...]`.
    pub(super) fn parse_alter(&mut self) -> Result<Statement> {
        let alter = self.advance().span;
        match self.peek_keyword() {
            Some(kw::TABLE) => {}
            Some(keyword) => {
                let what = format!("ALTER {}", keyword.as_str().to_ascii_uppercase());
                return Err(self.unsupported(&what, alter));
            }
            None => return Err(self.error_here()),
        }
        self.advance();
        if self.is_keyword(kw::ALL) {
            return Err(self.unsupported("ALTER TABLE ALL IN TABLESPACE", self.peek().span));
        }
        let if_exists = self.eat_keywords(&[kw::IF, kw::EXISTS]);
        self.eat_keyword(kw::ONLY);
        let name = self.parse_object_name()?;
        self.eat_symbol(Symbol::Star);
        if self.is_keyword(kw::RENAME) {
            let action = self.parse_rename()?;
            return Ok(Statement::AlterTable(Box::new(AlterTable {
                if_exists,
                name,
                actions: vec![action],
            })));
        }
        let actions = self.comma_separated(Self::parse_alter_table_action)?;
        Ok(Statement::AlterTable(Box::new(AlterTable {
            if_exists,
            name,
            actions,
        })))
    }

    /// `RENAME TO name`, `RENAME [COLUMN] a TO b`, `RENAME CONSTRAINT a TO b`.
    fn parse_rename(&mut self) -> Result<AlterTableAction> {
        self.advance();
        if self.eat_keyword(kw::TO) {
            return Ok(AlterTableAction::RenameTable(self.expect_col_id()?));
        }
        if self.eat_keyword(kw::CONSTRAINT) {
            let old = self.expect_col_id()?;
            self.expect_keyword(kw::TO)?;
            let new = self.expect_col_id()?;
            return Ok(AlterTableAction::RenameConstraint { old, new });
        }
        self.eat_keyword(kw::COLUMN);
        let old = self.expect_col_id()?;
        self.expect_keyword(kw::TO)?;
        let new = self.expect_col_id()?;
        Ok(AlterTableAction::RenameColumn { old, new })
    }

    fn parse_alter_table_action(&mut self) -> Result<AlterTableAction> {
        let start = self.peek().span;
        match self.peek_keyword() {
            Some(kw::ADD) => {
                self.advance();
                if self.at_table_constraint() {
                    let constraint = self.parse_table_constraint()?;
                    return Ok(AlterTableAction::AddConstraint(constraint));
                }
                self.eat_keyword(kw::COLUMN);
                let if_not_exists = self.parse_if_not_exists();
                let column = self.parse_column_def()?;
                Ok(AlterTableAction::AddColumn {
                    if_not_exists,
                    column,
                })
            }
            Some(kw::DROP) => {
                self.advance();
                if self.eat_keyword(kw::CONSTRAINT) {
                    let if_exists = self.eat_keywords(&[kw::IF, kw::EXISTS]);
                    let name = self.expect_col_id()?;
                    let cascade = self.parse_drop_behavior();
                    return Ok(AlterTableAction::DropConstraint {
                        if_exists,
                        name,
                        cascade,
                    });
                }
                self.eat_keyword(kw::COLUMN);
                let if_exists = self.eat_keywords(&[kw::IF, kw::EXISTS]);
                let name = self.expect_col_id()?;
                let cascade = self.parse_drop_behavior();
                Ok(AlterTableAction::DropColumn {
                    if_exists,
                    name,
                    cascade,
                })
            }
            Some(kw::ALTER) => {
                self.advance();
                self.eat_keyword(kw::COLUMN);
                let column = self.expect_col_id()?;
                if self.eat_keywords(&[kw::SET, kw::DEFAULT]) {
                    let default = self.parse_restricted_expr()?;
                    return Ok(AlterTableAction::SetDefault {
                        column,
                        default: Some(default),
                    });
                }
                if self.eat_keywords(&[kw::DROP, kw::DEFAULT]) {
                    return Ok(AlterTableAction::SetDefault {
                        column,
                        default: None,
                    });
                }
                if self.eat_keywords(&[kw::SET, kw::NOT, kw::NULL]) {
                    return Ok(AlterTableAction::SetNotNull {
                        column,
                        not_null: true,
                    });
                }
                if self.eat_keywords(&[kw::DROP, kw::NOT, kw::NULL]) {
                    return Ok(AlterTableAction::SetNotNull {
                        column,
                        not_null: false,
                    });
                }
                if self.is_keyword(kw::TYPE)
                    || (self.is_keyword(kw::SET) && self.is_keyword_at(1, kw::DATA))
                {
                    return Err(self.unsupported("ALTER COLUMN ... TYPE", self.peek().span));
                }
                Err(self.unsupported("this ALTER COLUMN form", self.peek().span))
            }
            Some(kw::RENAME) => Err(self.syntax_error(
                format!(
                    "syntax error at or near \"{}\"",
                    &self.sql[start.start as usize..start.end as usize]
                ),
                start,
            )),
            Some(kw::SET) if self.is_keyword_at(1, kw::SCHEMA) => {
                Err(self.unsupported("ALTER TABLE ... SET SCHEMA", start))
            }
            Some(keyword) => {
                let what = format!("ALTER TABLE ... {}", keyword.as_str().to_ascii_uppercase());
                Err(self.unsupported(&what, start))
            }
            None => Err(self.error_here()),
        }
    }

    /// `[CASCADE | RESTRICT]`: whether CASCADE was written.
    pub(super) fn parse_drop_behavior(&mut self) -> bool {
        if self.eat_keyword(kw::CASCADE) {
            true
        } else {
            self.eat_keyword(kw::RESTRICT);
            false
        }
    }

    /// `TRUNCATE [TABLE] [ONLY] name [*] [, ...] [RESTART IDENTITY | CONTINUE IDENTITY]
    /// [CASCADE | RESTRICT]`.
    pub(super) fn parse_truncate(&mut self) -> Result<Statement> {
        self.advance();
        self.eat_keyword(kw::TABLE);
        let names = self.comma_separated(|parser| {
            parser.eat_keyword(kw::ONLY);
            let name = parser.parse_object_name()?;
            parser.eat_symbol(Symbol::Star);
            Ok(name)
        })?;
        let restart_identity = if self.eat_keywords(&[kw::RESTART, kw::IDENTITY]) {
            true
        } else {
            self.eat_keywords(&[kw::CONTINUE, kw::IDENTITY]);
            false
        };
        let cascade = self.parse_drop_behavior();
        Ok(Statement::Truncate(Truncate {
            names,
            restart_identity,
            cascade,
        }))
    }
}
