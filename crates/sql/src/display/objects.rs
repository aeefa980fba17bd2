//! `Display` for ALTER TABLE, TRUNCATE, views, schemas, sequences, PREPARE and EXECUTE.

use std::fmt::{self, Display, Formatter, Write};

use super::ddl::drop_statement;
use super::{comma_list, list};
use crate::ast::*;

impl Display for AlterTable {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("ALTER TABLE ")?;
        if self.if_exists {
            f.write_str("IF EXISTS ")?;
        }
        write!(f, "{} ", self.name)?;
        comma_list(f, &self.actions)
    }
}

impl Display for AlterTableAction {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            AlterTableAction::AddColumn {
                if_not_exists,
                column,
            } => {
                f.write_str("ADD COLUMN ")?;
                if *if_not_exists {
                    f.write_str("IF NOT EXISTS ")?;
                }
                write!(f, "{column}")
            }
            AlterTableAction::DropColumn {
                if_exists,
                name,
                cascade,
            } => {
                f.write_str("DROP COLUMN ")?;
                if *if_exists {
                    f.write_str("IF EXISTS ")?;
                }
                write!(f, "{name}")?;
                if *cascade {
                    f.write_str(" CASCADE")?;
                }
                Ok(())
            }
            AlterTableAction::AddConstraint(constraint) => write!(f, "ADD {constraint}"),
            AlterTableAction::DropConstraint {
                if_exists,
                name,
                cascade,
            } => {
                f.write_str("DROP CONSTRAINT ")?;
                if *if_exists {
                    f.write_str("IF EXISTS ")?;
                }
                write!(f, "{name}")?;
                if *cascade {
                    f.write_str(" CASCADE")?;
                }
                Ok(())
            }
            AlterTableAction::SetDefault {
                column,
                default: Some(default),
            } => write!(f, "ALTER COLUMN {column} SET DEFAULT {default}"),
            AlterTableAction::SetDefault {
                column,
                default: None,
            } => write!(f, "ALTER COLUMN {column} DROP DEFAULT"),
            AlterTableAction::SetNotNull {
                column,
                not_null: true,
            } => write!(f, "ALTER COLUMN {column} SET NOT NULL"),
            AlterTableAction::SetNotNull {
                column,
                not_null: false,
            } => write!(f, "ALTER COLUMN {column} DROP NOT NULL"),
            AlterTableAction::RenameColumn { old, new } => {
                write!(f, "RENAME COLUMN {old} TO {new}")
            }
            AlterTableAction::RenameConstraint { old, new } => {
                write!(f, "RENAME CONSTRAINT {old} TO {new}")
            }
            AlterTableAction::RenameTable(new) => write!(f, "RENAME TO {new}"),
        }
    }
}

impl Display for Truncate {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("TRUNCATE TABLE ")?;
        comma_list(f, &self.names)?;
        if self.restart_identity {
            f.write_str(" RESTART IDENTITY")?;
        }
        if self.cascade {
            f.write_str(" CASCADE")?;
        }
        Ok(())
    }
}

impl Display for CreateView {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if self.or_replace {
            "CREATE OR REPLACE VIEW "
        } else {
            "CREATE VIEW "
        })?;
        write!(f, "{}", self.name)?;
        if !self.columns.is_empty() {
            f.write_str(" (")?;
            comma_list(f, &self.columns)?;
            f.write_char(')')?;
        }
        write!(f, " AS {}", self.query)
    }
}

impl Display for DropObjects {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        drop_statement(
            f,
            self.kind.keyword(),
            self.if_exists,
            &self.names,
            self.cascade,
        )
    }
}

impl Display for CreateSchema {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE SCHEMA ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{}", self.name)
    }
}

impl Display for CreateSequence {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("CREATE SEQUENCE ")?;
        if self.if_not_exists {
            f.write_str("IF NOT EXISTS ")?;
        }
        write!(f, "{}", self.name)?;
        for option in &self.options {
            write!(f, " {option}")?;
        }
        Ok(())
    }
}

impl Display for SequenceOption {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            SequenceOption::As(data_type) => write!(f, "AS {data_type}"),
            SequenceOption::IncrementBy(n) => write!(f, "INCREMENT BY {n}"),
            SequenceOption::MinValue(Some(n)) => write!(f, "MINVALUE {n}"),
            SequenceOption::MinValue(None) => f.write_str("NO MINVALUE"),
            SequenceOption::MaxValue(Some(n)) => write!(f, "MAXVALUE {n}"),
            SequenceOption::MaxValue(None) => f.write_str("NO MAXVALUE"),
            SequenceOption::StartWith(n) => write!(f, "START WITH {n}"),
            SequenceOption::Cache(n) => write!(f, "CACHE {n}"),
            SequenceOption::Cycle(true) => f.write_str("CYCLE"),
            SequenceOption::Cycle(false) => f.write_str("NO CYCLE"),
            SequenceOption::OwnedBy(Some(name)) => write!(f, "OWNED BY {name}"),
            SequenceOption::OwnedBy(None) => f.write_str("OWNED BY NONE"),
        }
    }
}

impl Display for Prepare {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "PREPARE {}", self.name)?;
        if !self.param_types.is_empty() {
            f.write_str(" (")?;
            comma_list(f, &self.param_types)?;
            f.write_char(')')?;
        }
        write!(f, " AS {}", self.statement)
    }
}

impl Display for Execute {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "EXECUTE {}", self.name)?;
        if !self.params.is_empty() {
            f.write_char('(')?;
            list(f, &self.params, ", ")?;
            f.write_char(')')?;
        }
        Ok(())
    }
}
