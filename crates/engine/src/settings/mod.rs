//! Session settings: `SET`, `SHOW`, `RESET`, `current_setting()`, `set_config()` and
//! `pg_settings` for the parameters clients touch.
//!
//! One session's values live behind a shared lock because two parts of the session write
//! them: statements (`SET`) and functions inside queries (`set_config(...)`, which asyncpg
//! calls on every connection). [`Settings`] clones share the values.
//!
//! Names are matched case-insensitively. Parameters with a dot in the name
//! (`myapp.user_id`) are placeholders any session may set, as in PostgreSQL.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use db001_common::{Error, Result, SqlState};
use db001_sql::ast;
use db001_txn::IsolationLevel;
use parking_lot::Mutex;

mod known;

pub(crate) use known::KNOWN;

/// One session's settings; clones share the values (see the module docs).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    values: Arc<Mutex<Values>>,
    synchronous_commit_default: bool,
}

/// The values by canonical name, and what every statement reads of them already parsed.
#[derive(Debug)]
struct Values {
    map: BTreeMap<String, String>,
    /// Bumped by every change, so readers of many values (the wire's ParameterStatus report
    /// after each statement) can tell that nothing changed without reading them.
    version: u64,
    hot: Hot,
}

/// The settings read on every statement or transaction, parsed once per change instead of
/// looked up and parsed each time.
#[derive(Debug, Clone, Copy)]
struct Hot {
    statement_timeout: Option<Duration>,
    lock_timeout: Option<Duration>,
    deadlock_timeout: Duration,
    synchronous_commit: bool,
    default_isolation: IsolationLevel,
    default_read_only: bool,
    default_deferrable: bool,
}

impl Values {
    fn new(map: BTreeMap<String, String>) -> Values {
        let hot = Hot::of(&map);
        Values {
            map,
            version: 0,
            hot,
        }
    }

    /// Changes the map and brings the parsed values and the version up to date.
    fn change<T>(&mut self, edit: impl FnOnce(&mut BTreeMap<String, String>) -> T) -> T {
        let result = edit(&mut self.map);
        self.hot = Hot::of(&self.map);
        self.version += 1;
        result
    }
}

impl Hot {
    fn of(map: &BTreeMap<String, String>) -> Hot {
        let get = |name: &str| map.get(name).map_or("", String::as_str);
        Hot {
            statement_timeout: nonzero(duration_ms(get("statement_timeout"))),
            lock_timeout: nonzero(duration_ms(get("lock_timeout"))),
            deadlock_timeout: Duration::from_millis(
                duration_ms(get("deadlock_timeout")).map_or(1000, |ms| ms.max(1) as u64),
            ),
            synchronous_commit: get("synchronous_commit") != "off",
            default_isolation: parse_isolation(get("default_transaction_isolation"))
                .unwrap_or(IsolationLevel::ReadCommitted),
            default_read_only: get("default_transaction_read_only") == "on",
            default_deferrable: get("default_transaction_deferrable") == "on",
        }
    }
}

impl Settings {
    pub(crate) fn new(synchronous_commit: bool) -> Settings {
        Settings {
            values: Arc::new(Mutex::new(Values::new(defaults(synchronous_commit)))),
            synchronous_commit_default: synchronous_commit,
        }
    }

    /// The canonical name of a known setting.
    pub(crate) fn canonical(name: &str) -> Result<&'static str> {
        KNOWN
            .iter()
            .map(|p| p.name)
            .find(|k| k.eq_ignore_ascii_case(name))
            .ok_or_else(|| unrecognized(name))
    }

    /// The canonical name of a known setting, or the lower-cased name of a placeholder
    /// (`myapp.user_id`).
    fn key(name: &str) -> Result<String> {
        match Self::canonical(name) {
            Ok(canonical) => Ok(canonical.to_string()),
            Err(_) if name.contains('.') => Ok(name.to_ascii_lowercase()),
            Err(error) => Err(error),
        }
    }

    /// The value of a known setting.
    pub(crate) fn get(&self, name: &'static str) -> String {
        self.values
            .lock()
            .map
            .get(name)
            .cloned()
            .unwrap_or_default()
    }

    /// A number that changes whenever any value does.
    pub(crate) fn version(&self) -> u64 {
        self.values.lock().version
    }

    /// `current_setting(name [, missing_ok])` and `SHOW`: `None` for an unset placeholder.
    pub(crate) fn lookup(&self, name: &str) -> Result<Option<String>> {
        let key = Self::key(name)?;
        Ok(self.values.lock().map.get(&key).cloned())
    }

    /// Every set value with its canonical name, in name order (placeholders included).
    pub(crate) fn all(&self) -> Vec<(String, String)> {
        self.values
            .lock()
            .map
            .iter()
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect()
    }

    /// `SET name = value`.
    pub(crate) fn set(&self, name: &str, value: Option<&[ast::SetValue]>) -> Result<()> {
        let value = match value {
            None => None,
            Some(items) => Some(
                items
                    .iter()
                    .map(|item| match item {
                        ast::SetValue::Word(w) => w.clone(),
                        ast::SetValue::String(s) => s.clone(),
                        ast::SetValue::Number(n) => n.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        };
        self.set_text(name, value.as_deref()).map(|_| ())
    }

    /// Sets a parameter from text (`None`: back to its default); returns the value now in
    /// force, as `set_config` does.
    pub(crate) fn set_text(&self, name: &str, value: Option<&str>) -> Result<String> {
        let key = Self::key(name)?;
        let known = KNOWN.iter().find(|p| p.name == key);
        if let Some(parameter) = known
            && parameter.context == "internal"
        {
            return Err(Error::new(
                SqlState::new("55P02"),
                format!("parameter \"{}\" cannot be changed", parameter.name),
            ));
        }
        let value = match (value, known) {
            (Some(value), Some(parameter)) => validate(parameter.name, value)?,
            (Some(value), None) => value.to_string(),
            (None, _) => self.default_of(&key),
        };
        self.values
            .lock()
            .change(|map| map.insert(key, value.clone()));
        Ok(value)
    }

    /// `RESET name` / `RESET ALL`.
    pub(crate) fn reset(&self, name: Option<&str>) -> Result<()> {
        match name {
            Some(name) => {
                let key = Self::key(name)?;
                let default = self.default_of(&key);
                self.values.lock().change(|map| map.insert(key, default));
            }
            None => {
                let fresh = defaults(self.synchronous_commit_default);
                self.values.lock().change(|values| {
                    // Fixed parameters (and the session's identity) survive RESET ALL.
                    let kept: Vec<(String, String)> = KNOWN
                        .iter()
                        .filter(|p| p.context == "internal")
                        .filter_map(|p| values.get(p.name).map(|v| (p.name.to_string(), v.clone())))
                        .collect();
                    *values = fresh;
                    values.extend(kept);
                });
            }
        }
        Ok(())
    }

    /// Sets a fixed parameter (server version, session authorization) for this session.
    pub(crate) fn set_fixed(&self, name: &'static str, value: &str) {
        self.values
            .lock()
            .change(|map| map.insert(name.to_string(), value.to_string()));
    }

    fn default_of(&self, key: &str) -> String {
        if key == "synchronous_commit" {
            return on_off(self.synchronous_commit_default).to_string();
        }
        KNOWN
            .iter()
            .find(|p| p.name == key)
            .map_or_else(String::new, |p| p.default.to_string())
    }

    /// A new transaction's isolation level, read-only and deferrable defaults, under one lock.
    pub(crate) fn transaction_defaults(&self) -> (IsolationLevel, bool, bool) {
        let hot = self.values.lock().hot;
        (
            hot.default_isolation,
            hot.default_read_only,
            hot.default_deferrable,
        )
    }

    /// `deadlock_timeout`, `lock_timeout` and `statement_timeout` (`None`: no limit), under
    /// one lock.
    pub(crate) fn timeouts(&self) -> (Duration, Option<Duration>, Option<Duration>) {
        let hot = self.values.lock().hot;
        (
            hot.deadlock_timeout,
            hot.lock_timeout,
            hot.statement_timeout,
        )
    }

    pub(crate) fn default_isolation(&self) -> IsolationLevel {
        self.values.lock().hot.default_isolation
    }

    pub(crate) fn default_read_only(&self) -> bool {
        self.values.lock().hot.default_read_only
    }

    pub(crate) fn synchronous_commit(&self) -> bool {
        self.values.lock().hot.synchronous_commit
    }

    pub(crate) fn set_deferrable_default(&self, deferrable: bool) {
        self.set_fixed("default_transaction_deferrable", on_off(deferrable));
    }

    /// Sets a value only the server decides (`max_prepared_transactions`), bypassing the
    /// read-only check.
    pub(crate) fn set_server_value(&self, name: &'static str, value: String) {
        self.set_fixed(name, &value);
    }

    pub(crate) fn set_isolation_default(&self, level: IsolationLevel) {
        self.set_fixed("default_transaction_isolation", level.name());
    }

    pub(crate) fn set_read_only_default(&self, read_only: bool) {
        self.set_fixed("default_transaction_read_only", on_off(read_only));
    }
}

fn defaults(synchronous_commit: bool) -> BTreeMap<String, String> {
    let mut values: BTreeMap<String, String> = KNOWN
        .iter()
        .map(|p| (p.name.to_string(), p.default.to_string()))
        .collect();
    values.insert(
        "synchronous_commit".to_string(),
        on_off(synchronous_commit).to_string(),
    );
    values
}

/// 42704 for a parameter nobody defined.
pub(crate) fn unrecognized(name: &str) -> Error {
    Error::new(
        SqlState::UNDEFINED_OBJECT,
        format!("unrecognized configuration parameter \"{name}\""),
    )
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
        | "jit"
        | "default_transaction_deferrable"
        | "transaction_deferrable"
        | "array_nulls"
        | "escape_string_warning"
        | "row_security" => boolean(name, value),
        "password_encryption" => match value.to_ascii_lowercase().as_str() {
            "md5" => Ok("md5".to_string()),
            "scram-sha-256" => Ok("scram-sha-256".to_string()),
            _ => Err(invalid(name, value)),
        },
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
        | "idle_session_timeout"
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
    fn every_change_moves_the_version_and_the_parsed_values() {
        let settings = Settings::new(true);
        let start = settings.version();
        assert_eq!(settings.timeouts().2, None);
        settings
            .set_text("statement_timeout", Some("2s"))
            .expect("valid");
        assert_eq!(settings.timeouts().2, Some(Duration::from_secs(2)));
        let after_set = settings.version();
        assert!(after_set > start);
        settings.set_isolation_default(IsolationLevel::Serializable);
        assert_eq!(settings.default_isolation(), IsolationLevel::Serializable);
        settings
            .set_text("synchronous_commit", Some("off"))
            .expect("valid");
        assert!(!settings.synchronous_commit());
        let before_reset = settings.version();
        assert!(before_reset > after_set);
        settings.reset(None).expect("reset all");
        assert!(settings.version() > before_reset);
        assert_eq!(settings.timeouts().2, None);
        assert!(settings.synchronous_commit());
        assert_eq!(settings.default_isolation(), IsolationLevel::ReadCommitted);
        // A clone shares the values, and so the version.
        let clone = settings.clone();
        clone.set_text("lock_timeout", Some("50ms")).expect("valid");
        assert_eq!(settings.timeouts().1, Some(Duration::from_millis(50)));
        assert_eq!(settings.version(), clone.version());
    }

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
        let settings = Settings::new(true);
        settings
            .set(
                "lock_timeout",
                Some(&[ast::SetValue::String("250ms".into())]),
            )
            .expect("valid");
        assert_eq!(settings.timeouts().1, Some(Duration::from_millis(250)));
        assert_eq!(settings.timeouts().2, None);
        assert_eq!(settings.timeouts().0, Duration::from_secs(1));
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
        let settings = Settings::new(true);
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

    #[test]
    fn placeholders_set_config_and_reset_all() {
        let settings = Settings::new(true);
        assert_eq!(settings.lookup("myapp.user_id").expect("placeholder"), None);
        assert_eq!(
            settings.set_text("myapp.user_id", Some("42")).expect("set"),
            "42"
        );
        assert_eq!(
            settings.lookup("MyApp.User_Id").expect("placeholder"),
            Some("42".to_string())
        );
        let shared = settings.clone();
        shared
            .set_text("jit", Some("on"))
            .expect("set through a clone");
        assert_eq!(settings.get("jit"), "on");
        settings.set_fixed("server_version", "15.0");
        settings.reset(None).expect("reset all");
        assert_eq!(settings.get("jit"), "off");
        assert_eq!(settings.lookup("myapp.user_id").expect("placeholder"), None);
        assert_eq!(settings.get("server_version"), "15.0");
        assert_eq!(
            settings.lookup("nope").expect_err("unknown").code(),
            SqlState::UNDEFINED_OBJECT
        );
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
