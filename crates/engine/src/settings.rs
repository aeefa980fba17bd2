//! Session settings: `SET`, `SHOW`, `RESET` for the parameters clients touch.

use std::collections::BTreeMap;

use db001_common::{Error, Result, SqlState};
use db001_sql::ast;
use db001_txn::IsolationLevel;

/// The settings db001 knows: canonical name (as `SHOW` prints it in the column header) and
/// default value. Names are matched case-insensitively.
const KNOWN: &[(&str, &str)] = &[
    ("application_name", ""),
    ("client_encoding", "UTF8"),
    ("client_min_messages", "notice"),
    ("DateStyle", "ISO, MDY"),
    ("default_transaction_isolation", "read committed"),
    ("default_transaction_read_only", "off"),
    ("extra_float_digits", "1"),
    ("idle_in_transaction_session_timeout", "0"),
    ("integer_datetimes", "on"),
    ("IntervalStyle", "postgres"),
    ("is_superuser", "on"),
    ("jit", "off"),
    ("lock_timeout", "0"),
    ("max_connections", "100"),
    ("search_path", "\"$user\", public"),
    ("server_encoding", "UTF8"),
    ("server_version", "15.0"),
    ("server_version_num", "150000"),
    ("standard_conforming_strings", "on"),
    ("statement_timeout", "0"),
    ("synchronous_commit", "on"),
    ("TimeZone", "UTC"),
    ("transaction_isolation", "read committed"),
    ("transaction_read_only", "off"),
];

/// Settings that only the server sets.
const READ_ONLY: &[&str] = &[
    "integer_datetimes",
    "is_superuser",
    "max_connections",
    "server_encoding",
    "server_version",
    "server_version_num",
];

/// One session's settings.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    values: BTreeMap<&'static str, String>,
}

impl Settings {
    pub(crate) fn new(synchronous_commit: bool) -> Settings {
        let mut values: BTreeMap<&'static str, String> =
            KNOWN.iter().map(|(k, v)| (*k, v.to_string())).collect();
        values.insert("synchronous_commit", on_off(synchronous_commit).to_string());
        Settings { values }
    }

    /// The canonical name of a setting.
    pub(crate) fn canonical(name: &str) -> Result<&'static str> {
        KNOWN
            .iter()
            .map(|(k, _)| *k)
            .find(|k| k.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                Error::new(
                    SqlState::UNDEFINED_OBJECT,
                    format!("unrecognized configuration parameter \"{name}\""),
                )
            })
    }

    pub(crate) fn get(&self, name: &'static str) -> &str {
        self.values.get(name).map_or("", String::as_str)
    }

    /// `SET name = value`.
    pub(crate) fn set(&mut self, name: &str, value: Option<&[ast::SetValue]>) -> Result<()> {
        let canonical = Self::canonical(name)?;
        if READ_ONLY.contains(&canonical) {
            return Err(Error::new(
                SqlState::new("55P02"),
                format!("parameter \"{canonical}\" cannot be changed now"),
            ));
        }
        let value = match value {
            None => default_of(canonical).to_string(),
            Some(items) => items
                .iter()
                .map(|item| match item {
                    ast::SetValue::Word(w) => w.clone(),
                    ast::SetValue::String(s) => s.clone(),
                    ast::SetValue::Number(n) => n.clone(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        };
        let value = validate(canonical, &value)?;
        self.values.insert(canonical, value);
        Ok(())
    }

    /// `RESET name` / `RESET ALL`.
    pub(crate) fn reset(&mut self, name: Option<&str>, synchronous_commit: bool) -> Result<()> {
        match name {
            Some(name) => {
                let canonical = Self::canonical(name)?;
                self.values
                    .insert(canonical, default_of(canonical).to_string());
            }
            None => *self = Settings::new(synchronous_commit),
        }
        Ok(())
    }

    pub(crate) fn default_isolation(&self) -> IsolationLevel {
        parse_isolation(self.get("default_transaction_isolation"))
            .unwrap_or(IsolationLevel::ReadCommitted)
    }

    pub(crate) fn default_read_only(&self) -> bool {
        self.get("default_transaction_read_only") == "on"
    }

    pub(crate) fn synchronous_commit(&self) -> bool {
        self.get("synchronous_commit") != "off"
    }

    pub(crate) fn set_isolation_default(&mut self, level: IsolationLevel) {
        self.values
            .insert("default_transaction_isolation", level.name().to_string());
    }

    pub(crate) fn set_read_only_default(&mut self, read_only: bool) {
        self.values.insert(
            "default_transaction_read_only",
            on_off(read_only).to_string(),
        );
    }
}

fn default_of(canonical: &str) -> &'static str {
    KNOWN
        .iter()
        .find(|(k, _)| *k == canonical)
        .map_or("", |(_, v)| v)
}

fn on_off(value: bool) -> &'static str {
    if value { "on" } else { "off" }
}

/// The isolation level named by a setting value.
pub(crate) fn parse_isolation(value: &str) -> Option<IsolationLevel> {
    match value.to_ascii_lowercase().as_str() {
        "read uncommitted" | "read committed" => Some(IsolationLevel::ReadCommitted),
        "repeatable read" => Some(IsolationLevel::RepeatableRead),
        "serializable" => Some(IsolationLevel::Serializable),
        _ => None,
    }
}

fn invalid(name: &str, value: &str) -> Error {
    Error::new(
        SqlState::INVALID_PARAMETER_VALUE,
        format!("invalid value for parameter \"{name}\": \"{value}\""),
    )
}

fn boolean(name: &str, value: &str) -> Result<String> {
    match value.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Ok("on".to_string()),
        "off" | "false" | "no" | "0" => Ok("off".to_string()),
        _ => Err(Error::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("parameter \"{name}\" requires a Boolean value"),
        )),
    }
}

/// Checks and normalises a value the way PostgreSQL would accept it.
fn validate(name: &'static str, value: &str) -> Result<String> {
    match name {
        "client_encoding" => {
            let normalized = value.to_ascii_uppercase().replace(['-', '_'], "");
            if normalized == "UTF8" || normalized == "UNICODE" {
                Ok("UTF8".to_string())
            } else {
                Err(Error::feature_not_supported(format!(
                    "client_encoding \"{value}\" is not supported: db001 speaks UTF8 only"
                )))
            }
        }
        "DateStyle" => {
            if value.to_ascii_uppercase().starts_with("ISO") {
                Ok("ISO, MDY".to_string())
            } else {
                Err(Error::feature_not_supported(format!(
                    "DateStyle \"{value}\" is not supported: db001 uses ISO"
                )))
            }
        }
        "standard_conforming_strings" => match boolean(name, value)?.as_str() {
            "on" => Ok("on".to_string()),
            _ => Err(Error::feature_not_supported(
                "standard_conforming_strings = off is not supported",
            )),
        },
        "synchronous_commit" => match value.to_ascii_lowercase().as_str() {
            "local" | "remote_write" | "remote_apply" => Ok("on".to_string()),
            _ => boolean(name, value),
        },
        "default_transaction_read_only" | "transaction_read_only" | "jit" => boolean(name, value),
        "default_transaction_isolation" | "transaction_isolation" => parse_isolation(value)
            .map(|l| l.name().to_string())
            .ok_or_else(|| invalid(name, value)),
        // The session time zone is always UTC (see db001_common::datetime): other zones
        // would need a time zone database.
        "TimeZone" => match value.to_ascii_lowercase().as_str() {
            "utc" | "etc/utc" | "gmt" | "etc/gmt" | "z" | "zulu" | "uct" | "universal" => {
                Ok(value.to_string())
            }
            _ => Err(Error::feature_not_supported(format!(
                "time zone \"{value}\" is not supported by db001"
            ))
            .with_hint("db001 sessions run in UTC: SET TimeZone = 'UTC'.")),
        },
        "extra_float_digits" => match value.parse::<i32>() {
            Ok(n) if (-15..=3).contains(&n) => Ok(n.to_string()),
            _ => Err(invalid(name, value)),
        },
        "statement_timeout" | "lock_timeout" | "idle_in_transaction_session_timeout" => {
            let digits = value.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            if digits.parse::<i64>().is_ok() {
                Ok(value.to_string())
            } else {
                Err(invalid(name, value))
            }
        }
        _ => Ok(value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_case_insensitively() {
        assert_eq!(
            Settings::canonical("datestyle").expect("known"),
            "DateStyle"
        );
        assert_eq!(
            Settings::canonical("nope").expect_err("unknown").code(),
            SqlState::UNDEFINED_OBJECT
        );
    }

    #[test]
    fn set_validates_and_normalises() {
        let mut settings = Settings::new(true);
        settings
            .set(
                "client_encoding",
                Some(&[ast::SetValue::String("utf-8".into())]),
            )
            .expect("utf8 is fine");
        assert_eq!(settings.get("client_encoding"), "UTF8");
        assert!(
            settings
                .set(
                    "client_encoding",
                    Some(&[ast::SetValue::String("LATIN1".into())])
                )
                .is_err()
        );
        settings
            .set(
                "synchronous_commit",
                Some(&[ast::SetValue::Word("off".into())]),
            )
            .expect("boolean");
        assert!(!settings.synchronous_commit());
        assert!(settings.set("server_version", None).is_err());
    }
}

/// Parses a `search_path` value (`"$user", public`) into schema names, `$user` replaced by
/// `user`, quotes removed, empty items dropped.
pub(crate) fn search_path(value: &str, user: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            let unquoted = item
                .strip_prefix('"')
                .and_then(|rest| rest.strip_suffix('"'))
                .map_or_else(|| item.to_ascii_lowercase(), |inner| inner.replace("\"\"", "\""));
            if unquoted == "$user" {
                user.to_string()
            } else {
                unquoted
            }
        })
        .collect()
}

#[cfg(test)]
mod search_path_tests {
    #[test]
    fn user_is_replaced_and_quotes_removed() {
        assert_eq!(
            super::search_path("\"$user\", public, \"My Schema\", App", "alice"),
            ["alice", "public", "My Schema", "app"]
        );
        assert!(super::search_path("", "alice").is_empty());
    }
}
