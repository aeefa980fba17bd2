//! `Display` for COPY, role management and session housekeeping statements.

use std::fmt::{self, Display, Formatter};

use super::{QuotedString, comma_list};
use crate::ast::*;

impl Display for Copy {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("COPY ")?;
        match &self.source {
            CopySource::Table { name, columns } => {
                write!(f, "{name}")?;
                if !columns.is_empty() {
                    f.write_str(" (")?;
                    comma_list(f, columns)?;
                    f.write_str(")")?;
                }
            }
            CopySource::Query(query) => write!(f, "({query})")?,
        }
        f.write_str(if self.from {
            " FROM STDIN"
        } else {
            " TO STDOUT"
        })?;
        if !self.options.is_empty() {
            f.write_str(" WITH (")?;
            comma_list(f, &self.options)?;
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl Display for CopyOption {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        match &self.value {
            CopyOptionValue::None => Ok(()),
            CopyOptionValue::Text(text) => write!(f, " {}", QuotedString(text)),
            CopyOptionValue::Star => f.write_str(" *"),
            CopyOptionValue::Columns(columns) => {
                f.write_str(" (")?;
                comma_list(f, columns)?;
                f.write_str(")")
            }
        }
    }
}

impl Display for RoleOption {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            RoleOption::Flag { name, value } => {
                let prefix = if *value { "" } else { "NO" };
                write!(f, "{prefix}{}", name.to_ascii_uppercase())
            }
            RoleOption::ConnectionLimit(limit) => write!(f, "CONNECTION LIMIT {limit}"),
            RoleOption::Password(None) => f.write_str("PASSWORD NULL"),
            RoleOption::Password(Some(password)) => {
                write!(f, "PASSWORD {}", QuotedString(password))
            }
            RoleOption::ValidUntil(until) => write!(f, "VALID UNTIL {}", QuotedString(until)),
        }
    }
}

fn role_options(f: &mut Formatter<'_>, options: &[RoleOption]) -> fmt::Result {
    for option in options {
        write!(f, " {option}")?;
    }
    Ok(())
}

impl Display for CreateRole {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let what = if self.user { "USER" } else { "ROLE" };
        write!(f, "CREATE {what} {}", self.name)?;
        role_options(f, &self.options)
    }
}

impl Display for AlterRole {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "ALTER ROLE {}", self.name)?;
        match &self.action {
            AlterRoleAction::Options(options) => role_options(f, options),
            AlterRoleAction::Rename(to) => write!(f, " RENAME TO {to}"),
        }
    }
}

impl Display for DiscardTarget {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DiscardTarget::All => "ALL",
            DiscardTarget::Plans => "PLANS",
            DiscardTarget::Sequences => "SEQUENCES",
            DiscardTarget::Temp => "TEMP",
        })
    }
}
