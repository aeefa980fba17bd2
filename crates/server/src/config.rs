//! Server settings from four layers: built-in defaults < the YAML file < `DB001_*` environment
//! variables < command-line flags.
//!
//! Every setting has one name, used everywhere: `wal_segment_size` in the file,
//! `DB001_WAL_SEGMENT_SIZE` in the environment, `--wal-segment-size` on the command line. All
//! three sources deliver text, and one function ([`Settings::set`]) parses it, so a value means
//! the same wherever it is written. `config/database.yaml` documents every key.
//!
//! The file is read with `serde-saphyr` into a struct that denies unknown fields: a misspelt key
//! stops the server at startup with its line and column, instead of being silently ignored.
//! Every field is read as a string scalar, so `off`, `16MB` and `200ms` reach the parser as
//! written (YAML's own idea of `off` as a boolean does not get in the way). The one list,
//! `hba`, is a sequence of such strings in the file; in the environment and on the command
//! line its rules are separated by newlines or `;`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use db001_wal::SyncMethod;
use serde::Deserialize;

/// Where the configuration file is looked for when neither `--config` nor `DB001_CONFIG` names
/// one. Missing is fine for this default path; a named file must exist.
pub const DEFAULT_CONFIG_PATH: &str = "config/database.yaml";

/// Every setting of the server, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `listen`: address for PostgreSQL clients (`HOST:PORT`; port 0 picks a free port).
    pub listen: String,
    /// `http_listen`: address for `/health` and `/metrics`.
    pub http_listen: String,
    /// `data_dir`: where the WAL and checkpoints live.
    pub data_dir: PathBuf,
    /// `synchronous_commit`: acknowledge a commit only once its WAL record is on disk.
    pub synchronous_commit: bool,
    /// `max_connections`: sessions allowed at once.
    pub max_connections: usize,
    /// `max_message_size`: the largest protocol message a client may send.
    pub max_message_bytes: usize,
    /// `wal_segment_size`: size of one WAL segment file.
    pub wal_segment_bytes: u64,
    /// `wal_writer_delay`: with `synchronous_commit = off`, the longest a commit stays unflushed.
    pub wal_writer_delay: Duration,
    /// `wal_sync_method`: how the WAL writer makes records durable (fdatasync, fsync,
    /// open_datasync).
    pub wal_sync_method: SyncMethod,
    /// `checkpoint_interval`: the longest time between checkpoints (0: no timed checkpoints).
    pub checkpoint_interval: Duration,
    /// `max_wal_size`: WAL written since the last checkpoint that starts the next one.
    pub max_wal_bytes: u64,
    /// `archive_mode`: copy WAL segments to `archive_dir` before removing them.
    pub archive_mode: bool,
    /// `archive_dir`: where archived segments go (required when `archive_mode` is on).
    pub archive_dir: Option<PathBuf>,
    /// `shutdown_grace`: how long SIGTERM waits for busy sessions.
    pub shutdown_grace: Duration,
    /// `log_level`: error, warn, info, debug or trace.
    pub log_level: tracing::Level,
    /// `max_prepared_transactions`: transactions that may wait prepared for two-phase commit
    /// at once (0, PostgreSQL's default, disables PREPARE TRANSACTION).
    pub max_prepared_transactions: usize,
    /// `migrations_dir`: a directory of `V<n>__*.sql` migrations applied at start-up, before
    /// clients are accepted (see `crate::migrate`); none when empty.
    pub migrations_dir: Option<PathBuf>,
    /// `ssl`: answer SSLRequest with TLS (needs `ssl_cert_file` and `ssl_key_file`).
    pub ssl: bool,
    /// `ssl_cert_file`: the server certificate chain, PEM.
    pub ssl_cert_file: Option<PathBuf>,
    /// `ssl_key_file`: the server's private key, PEM.
    pub ssl_key_file: Option<PathBuf>,
    /// `hba`: host-based authentication rules in `pg_hba.conf` syntax, first match wins.
    pub hba: Vec<db001_wire::hba::HbaRule>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            listen: "127.0.0.1:5432".to_owned(),
            http_listen: "127.0.0.1:8080".to_owned(),
            data_dir: PathBuf::from("./data"),
            synchronous_commit: true,
            max_connections: 100,
            max_message_bytes: 64 << 20,
            wal_segment_bytes: 16 << 20,
            wal_writer_delay: Duration::from_millis(200),
            wal_sync_method: SyncMethod::Fdatasync,
            checkpoint_interval: Duration::from_secs(300),
            max_wal_bytes: 1 << 30,
            archive_mode: false,
            archive_dir: None,
            shutdown_grace: Duration::from_secs(5),
            log_level: tracing::Level::INFO,
            max_prepared_transactions: 0,
            migrations_dir: None,
            ssl: false,
            ssl_cert_file: None,
            ssl_key_file: None,
            hba: db001_wire::hba::default_rules(),
        }
    }
}

/// Every key, as written in the file (flags use `-` for `_`, the environment upper case).
pub const KEYS: &[&str] = &[
    "listen",
    "http_listen",
    "data_dir",
    "synchronous_commit",
    "max_connections",
    "max_message_size",
    "wal_segment_size",
    "wal_writer_delay",
    "wal_sync_method",
    "checkpoint_interval",
    "max_wal_size",
    "archive_mode",
    "archive_dir",
    "shutdown_grace",
    "log_level",
    "max_prepared_transactions",
    "migrations_dir",
    "ssl",
    "ssl_cert_file",
    "ssl_key_file",
    "hba",
];

/// The file's shape. Unknown keys are an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    listen: Option<String>,
    http_listen: Option<String>,
    data_dir: Option<String>,
    synchronous_commit: Option<String>,
    max_connections: Option<String>,
    max_message_size: Option<String>,
    wal_segment_size: Option<String>,
    wal_writer_delay: Option<String>,
    wal_sync_method: Option<String>,
    checkpoint_interval: Option<String>,
    max_wal_size: Option<String>,
    archive_mode: Option<String>,
    archive_dir: Option<String>,
    shutdown_grace: Option<String>,
    log_level: Option<String>,
    max_prepared_transactions: Option<String>,
    migrations_dir: Option<String>,
    ssl: Option<String>,
    ssl_cert_file: Option<String>,
    ssl_key_file: Option<String>,
    /// One rule per item.
    hba: Option<Vec<String>>,
}

impl FileSettings {
    fn entries(self) -> Vec<(&'static str, String)> {
        [
            ("listen", self.listen),
            ("http_listen", self.http_listen),
            ("data_dir", self.data_dir),
            ("synchronous_commit", self.synchronous_commit),
            ("max_connections", self.max_connections),
            ("max_message_size", self.max_message_size),
            ("wal_segment_size", self.wal_segment_size),
            ("wal_writer_delay", self.wal_writer_delay),
            ("wal_sync_method", self.wal_sync_method),
            ("checkpoint_interval", self.checkpoint_interval),
            ("max_wal_size", self.max_wal_size),
            ("archive_mode", self.archive_mode),
            ("archive_dir", self.archive_dir),
            ("shutdown_grace", self.shutdown_grace),
            ("log_level", self.log_level),
            ("max_prepared_transactions", self.max_prepared_transactions),
            ("migrations_dir", self.migrations_dir),
            ("ssl", self.ssl),
            ("ssl_cert_file", self.ssl_cert_file),
            ("ssl_key_file", self.ssl_key_file),
            // Rules never span lines, so the list travels as lines, like a pg_hba.conf.
            ("hba", self.hba.map(|rules| rules.join("\n"))),
        ]
        .into_iter()
        .filter_map(|(key, value)| value.map(|value| (key, value)))
        .collect()
    }
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Run(Settings),
    Help,
    Version,
}

/// A configuration problem, reported at startup before anything is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The `--help` text.
pub fn usage() -> String {
    let mut text = String::from(
        "db001: an in-memory PostgreSQL-compatible database server\n\n\
         Usage: db001 [--config FILE] [--KEY VALUE]...\n\n\
         Settings (also DB001_KEY in the environment, or KEY in the config file;\n\
         flags override the environment, which overrides the file):\n",
    );
    for key in KEYS {
        text.push_str(&format!("  --{}\n", key.replace('_', "-")));
    }
    text.push_str(&format!(
        "\n  --config FILE   the YAML file (default {DEFAULT_CONFIG_PATH} if it exists; also DB001_CONFIG)\n  \
         --help, --version\n\nEvery key is described in config/database.yaml.\n\n\
         Durability tools:\n{}",
        crate::tools::usage()
    ));
    text
}

/// Resolves the settings from the command line (`args`, without the program name), the
/// environment (`env`) and the file they name.
pub fn load(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Command, ConfigError> {
    let mut flags: Vec<(String, String)> = Vec::new();
    let mut config_flag = None;
    let mut words = args.iter();
    while let Some(word) = words.next() {
        let Some(flag) = word.strip_prefix("--") else {
            return Err(ConfigError(format!(
                "unexpected argument '{word}' (try --help)"
            )));
        };
        let (name, inline_value) = match flag.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (flag, None),
        };
        match name {
            "help" => return Ok(Command::Help),
            "version" => return Ok(Command::Version),
            _ => {}
        }
        let value = match inline_value {
            Some(value) => value,
            None => words
                .next()
                .cloned()
                .ok_or_else(|| ConfigError(format!("--{name} needs a value")))?,
        };
        if name == "config" {
            config_flag = Some(value);
            continue;
        }
        let key = name.replace('-', "_");
        if !KEYS.contains(&key.as_str()) {
            return Err(ConfigError(format!("unknown option --{name} (try --help)")));
        }
        flags.push((key, value));
    }

    let mut settings = Settings::default();
    let (config_path, required) = match config_flag.or_else(|| env("DB001_CONFIG")) {
        Some(path) => (PathBuf::from(path), true),
        None => (PathBuf::from(DEFAULT_CONFIG_PATH), false),
    };
    if let Some(file) = read_file(&config_path, required)? {
        for (key, value) in file.entries() {
            settings.set(key, &value).map_err(|error| {
                ConfigError(format!("{}: {key}: {error}", config_path.display()))
            })?;
        }
    }
    for key in KEYS {
        let variable = format!("DB001_{}", key.to_ascii_uppercase());
        if let Some(value) = env(&variable) {
            settings
                .set(key, &value)
                .map_err(|error| ConfigError(format!("{variable}: {error}")))?;
        }
    }
    for (key, value) in flags {
        settings
            .set(&key, &value)
            .map_err(|error| ConfigError(format!("--{}: {error}", key.replace('_', "-"))))?;
    }
    settings.validate().map_err(ConfigError)?;
    Ok(Command::Run(settings))
}

fn read_file(path: &Path, required: bool) -> Result<Option<FileSettings>, ConfigError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(None);
        }
        Err(error) => {
            return Err(ConfigError(format!(
                "cannot read config file {}: {error}",
                path.display()
            )));
        }
    };
    parse_file(&text)
        .map(Some)
        .map_err(|error| ConfigError(format!("config file {}: {error}", path.display())))
}

/// Parses the YAML text of a config file. An empty file (or only comments) is all defaults.
fn parse_file(text: &str) -> Result<FileSettings, String> {
    if text.lines().all(|line| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#') || line == "---"
    }) {
        return Ok(FileSettings::default());
    }
    serde_saphyr::from_str::<FileSettings>(text).map_err(|error| error.to_string())
}

impl Settings {
    /// Sets one key from its text form.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let value = value.trim();
        match key {
            "listen" => self.listen = address(value)?,
            "http_listen" => self.http_listen = address(value)?,
            "data_dir" => {
                if value.is_empty() {
                    return Err("must not be empty".to_owned());
                }
                self.data_dir = PathBuf::from(value);
            }
            "synchronous_commit" => self.synchronous_commit = boolean(value)?,
            "max_connections" => {
                self.max_connections = integer(value)?;
                if !(1..=10_000).contains(&self.max_connections) {
                    return Err(format!("{value} is outside 1..=10000"));
                }
            }
            "max_message_size" => {
                let bytes = bytes(value)?;
                if !(10_000..=db001_wire::MESSAGE_BYTES_LIMIT as u64).contains(&bytes) {
                    return Err(format!("{value} is outside 10000 bytes ..= 1GB"));
                }
                self.max_message_bytes = bytes as usize;
            }
            "wal_segment_size" => {
                let bytes = bytes(value)?;
                if !bytes.is_power_of_two() || !(1 << 20..=1 << 30).contains(&bytes) {
                    return Err(format!(
                        "{value} must be a power of two between 1MB and 1GB"
                    ));
                }
                self.wal_segment_bytes = bytes;
            }
            "wal_writer_delay" => {
                self.wal_writer_delay = duration(value)?;
                if !(Duration::from_millis(1)..=Duration::from_secs(10))
                    .contains(&self.wal_writer_delay)
                {
                    return Err(format!("{value} is outside 1ms..=10s"));
                }
            }
            "wal_sync_method" => {
                self.wal_sync_method = SyncMethod::from_name(value).ok_or_else(|| {
                    format!("expected fdatasync, fsync or open_datasync, got '{value}'")
                })?;
            }
            "checkpoint_interval" => {
                self.checkpoint_interval = duration(value)?;
                if self.checkpoint_interval > Duration::from_secs(24 * 3600) {
                    return Err(format!("{value} is longer than 1 day"));
                }
            }
            "max_wal_size" => {
                let bytes = bytes(value)?;
                if bytes != 0 && bytes < 1 << 20 {
                    return Err(format!("{value} is below 1MB (0 turns the trigger off)"));
                }
                self.max_wal_bytes = bytes;
            }
            "archive_mode" => self.archive_mode = boolean(value)?,
            "migrations_dir" => {
                self.migrations_dir = (!value.is_empty()).then(|| PathBuf::from(value));
            }
            "archive_dir" => {
                self.archive_dir = (!value.is_empty()).then(|| PathBuf::from(value));
            }
            "shutdown_grace" => {
                self.shutdown_grace = duration(value)?;
                if self.shutdown_grace > Duration::from_secs(3600) {
                    return Err(format!("{value} is longer than 1h"));
                }
            }
            "log_level" => {
                self.log_level = match value.to_ascii_lowercase().as_str() {
                    "error" => tracing::Level::ERROR,
                    "warn" | "warning" => tracing::Level::WARN,
                    "info" => tracing::Level::INFO,
                    "debug" => tracing::Level::DEBUG,
                    "trace" => tracing::Level::TRACE,
                    _ => {
                        return Err(format!(
                            "expected error, warn, info, debug or trace, got '{value}'"
                        ));
                    }
                }
            }
            "max_prepared_transactions" => {
                self.max_prepared_transactions = integer(value)?;
                if self.max_prepared_transactions > 10_000 {
                    return Err(format!("{value} is outside 0..=10000"));
                }
            }
            "ssl" => self.ssl = boolean(value)?,
            "ssl_cert_file" => {
                self.ssl_cert_file = (!value.is_empty()).then(|| PathBuf::from(value));
            }
            "ssl_key_file" => {
                self.ssl_key_file = (!value.is_empty()).then(|| PathBuf::from(value));
            }
            "hba" => {
                let rules = db001_wire::hba::parse_rules(value.split(['\n', ';']))
                    .map_err(|error| error.to_string())?;
                if rules.is_empty() {
                    return Err(
                        "no rules: every connection would be refused (write `host all all \
                         0.0.0.0/0 reject` to mean that)"
                            .to_owned(),
                    );
                }
                self.hba = rules;
            }
            other => return Err(format!("unknown setting '{other}'")),
        }
        Ok(())
    }

    /// Checks what single keys cannot: combinations.
    pub fn validate(&self) -> Result<(), String> {
        if self.archive_mode && self.archive_dir.is_none() {
            return Err("archive_mode is on but archive_dir is not set".to_owned());
        }
        if self.ssl && (self.ssl_cert_file.is_none() || self.ssl_key_file.is_none()) {
            return Err("ssl is on but ssl_cert_file and ssl_key_file are not both set".to_owned());
        }
        Ok(())
    }

    /// The TLS configuration when `ssl` is on: reads and checks the certificate and key, with
    /// an error naming the file that is missing or unusable.
    pub fn tls_config(&self) -> Result<Option<db001_wire::tls::TlsConfig>, String> {
        if !self.ssl {
            return Ok(None);
        }
        let (Some(cert), Some(key)) = (&self.ssl_cert_file, &self.ssl_key_file) else {
            return Err("ssl is on but ssl_cert_file and ssl_key_file are not both set".to_owned());
        };
        db001_wire::tls::TlsConfig::from_files(cert, key).map(Some)
    }

    /// The engine's configuration.
    pub fn engine_config(&self) -> db001_engine::Config {
        let mut config = db001_engine::Config::new(&self.data_dir);
        config.synchronous_commit = self.synchronous_commit;
        config.wal_segment_bytes = self.wal_segment_bytes;
        config.wal_writer_delay_ms =
            u64::try_from(self.wal_writer_delay.as_millis()).unwrap_or(u64::MAX);
        config.wal_sync_method = self.wal_sync_method;
        config.checkpoint_interval = self.checkpoint_interval;
        config.max_wal_bytes = self.max_wal_bytes;
        config.archive_dir = if self.archive_mode {
            self.archive_dir.clone()
        } else {
            None
        };
        config.max_prepared_transactions = self.max_prepared_transactions;
        config.ssl = self.ssl;
        config
    }
}

/// `HOST:PORT`, where HOST may be a name, an IPv4 address or a bracketed IPv6 address.
fn address(value: &str) -> Result<String, String> {
    let (host, port) = value
        .rsplit_once(':')
        .ok_or_else(|| format!("expected HOST:PORT, got '{value}'"))?;
    if host.is_empty() {
        return Err(format!("expected HOST:PORT, got '{value}'"));
    }
    port.parse::<u16>()
        .map_err(|_| format!("invalid port in '{value}'"))?;
    Ok(value.to_owned())
}

/// PostgreSQL's boolean spellings.
fn boolean(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Ok(true),
        "off" | "false" | "no" | "0" => Ok(false),
        _ => Err(format!("expected on or off, got '{value}'")),
    }
}

fn integer<T: std::str::FromStr>(value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("expected a whole number, got '{value}'"))
}

/// A size: plain bytes, or with PostgreSQL's units `B`, `kB`, `MB`, `GB` (powers of 1024; the
/// unit's case is not significant).
fn bytes(value: &str) -> Result<u64, String> {
    let (number, unit) = split_unit(value);
    let number: u64 = integer(number)?;
    let scale: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1 << 10,
        "mb" => 1 << 20,
        "gb" => 1 << 30,
        _ => return Err(format!("unknown size unit '{unit}' (use B, kB, MB or GB)")),
    };
    number
        .checked_mul(scale)
        .ok_or_else(|| format!("'{value}' is too large"))
}

/// A duration: plain milliseconds, or with a unit `ms`, `s`, `min`.
fn duration(value: &str) -> Result<Duration, String> {
    let (number, unit) = split_unit(value);
    let number: u64 = integer(number)?;
    match unit {
        "" | "ms" => Ok(Duration::from_millis(number)),
        "s" => Ok(Duration::from_secs(number)),
        "min" => Ok(Duration::from_secs(number.saturating_mul(60))),
        _ => Err(format!("unknown time unit '{unit}' (use ms, s or min)")),
    }
}

fn split_unit(value: &str) -> (&str, &str) {
    let split = value
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(value.len());
    (value[..split].trim(), value[split..].trim())
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
