//! Session settings: `SET`, `SHOW`, `RESET` for the parameters clients touch.

use std::collections::BTreeMap;
use std::time::Duration;

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
    ("deadlock_timeout", "1s"),
    ("default_transaction_deferrable", "off"),
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
    ("max_prepared_transactions", "0"),
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
    "max_prepared_transactions",
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

    pub(crate) fn default_deferrable(&self) -> bool {
        self.get("default_transaction_deferrable") == "on"
    }

    pub(crate) fn set_deferrable_default(&mut self, deferrable: bool) {
        self.values.insert(
            "default_transaction_deferrable",
            on_off(deferrable).to_string(),
        );
    }

    pub(crate) fn synchronous_commit(&self) -> bool {
        self.get("synchronous_commit") != "off"
    }

    /// Sets a value only the server decides (`max_prepared_transactions`), bypassing the
    /// read-only check.
    pub(crate) fn set_server_value(&mut self, name: &'static str, value: String) {
        self.values.insert(name, value);
    }

    /// `statement_timeout`, `None` when 0 (no limit).
    pub(crate) fn statement_timeout(&self) -> Option<Duration> {
        nonzero(duration_ms(self.get("statement_timeout")))
    }

    /// `lock_timeout`, `None` when 0 (no limit).
    pub(crate) fn lock_timeout(&self) -> Option<Duration> {
        nonzero(duration_ms(self.get("lock_timeout")))
    }

    /// `deadlock_timeout`: how long a waiter waits before it looks for a deadlock.
    pub(crate) fn deadlock_timeout(&self) -> Duration {
        Duration::from_millis(
            duration_ms(self.get("deadlock_timeout")).map_or(1000, |ms| ms.max(1) as u64),
        )
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

fn nonzero(ms: Option<i64>) -> Option<Duration> {
    ms.filter(|ms| *ms > 0)
        .map(|ms| Duration::from_millis(ms as u64))
}

/// A time setting in milliseconds, as PostgreSQL reads one whose unit is ms: a plain number is
/// milliseconds; `us`, `ms`, `s`, `min`, `h` and `d` suffixes (optionally after spaces) scale
/// it. Fractions are rounded to whole milliseconds.
pub(crate) fn duration_ms(value: &str) -> Option<i64> {
    let value = value.trim();
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit.trim() {
        "" | "ms" => 1.0,
        "us" => 0.001,
        "s" => 1000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        _ => return None,
    };
    let ms = (number * scale).round();
    (ms.is_finite() && ms.abs() < 1e15).then_some(ms as i64)
}

/// How `SHOW` prints a time setting: in the largest unit that divides it (`1s`, `1500ms`,
/// `2min`), `0` for zero.
pub(crate) fn show_duration(ms: i64) -> String {
    if ms == 0 {
        return "0".to_string();
    }
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("min", 60_000),
        ("s", 1000),
    ] {
        if ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
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
        "default_transaction_read_only"
        | "transaction_read_only"
        | "default_transaction_deferrable"
        | "jit" => boolean(name, value),
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
        "statement_timeout"
        | "lock_timeout"
        | "idle_in_transaction_session_timeout"
        | "deadlock_timeout" => {
            let ms = duration_ms(value).ok_or_else(|| {
                Error::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("invalid value for parameter \"{name}\": \"{value}\""),
                )
                .with_hint("Valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\".")
            })?;
            let minimum = if name == "deadlock_timeout" { 1 } else { 0 };
            if !(minimum..=i64::from(i32::MAX)).contains(&ms) {
                return Err(Error::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!(
                        "{ms} ms is outside the valid range for parameter \"{name}\" ({minimum} .. {})",
                        i32::MAX
                    ),
                ));
            }
            Ok(show_duration(ms))
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
    fn time_settings_read_and_print_as_postgresql_does() {
        assert_eq!(duration_ms("1000"), Some(1000));
        assert_eq!(duration_ms("1.5s"), Some(1500));
        assert_eq!(duration_ms("2 min"), Some(120_000));
        assert_eq!(duration_ms("10 parsecs"), None);
        assert_eq!(show_duration(1000), "1s");
        assert_eq!(show_duration(1500), "1500ms");
        assert_eq!(show_duration(90_000), "90s");
        assert_eq!(show_duration(120_000), "2min");
        assert_eq!(show_duration(0), "0");
        let mut settings = Settings::new(true);
        settings
            .set(
                "lock_timeout",
                Some(&[ast::SetValue::String("250ms".into())]),
            )
            .expect("valid");
        assert_eq!(settings.lock_timeout(), Some(Duration::from_millis(250)));
        assert_eq!(settings.statement_timeout(), None);
        assert_eq!(settings.deadlock_timeout(), Duration::from_secs(1));
        let error = settings
            .set(
                "statement_timeout",
                Some(&[ast::SetValue::Number("-1".into())]),
            )
            .expect_err("negative");
        assert_eq!(error.code(), SqlState::INVALID_PARAMETER_VALUE);
        assert!(
            settings
                .set(
                    "deadlock_timeout",
                    Some(&[ast::SetValue::Number("0".into())])
                )
                .is_err()
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
                .map_or_else(
                    || item.to_ascii_lowercase(),
                    |inner| inner.replace("\"\"", "\""),
                );
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
