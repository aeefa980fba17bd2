//! Settings: layering, parsing, and the shipped config file.

use std::collections::HashMap;
use std::io::Write;

use super::*;

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|word| word.to_string()).collect()
}

fn run(args_list: &[&str], env: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    match load(&args(args_list), |name| env.get(name).cloned())? {
        Command::Run(settings) => Ok(settings),
        other => panic!("expected settings, got {other:?}"),
    }
}

fn config_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(text.as_bytes()).expect("write temp file");
    file
}

#[test]
fn the_shipped_config_file_parses_and_states_the_defaults() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/database.yaml");
    let text = std::fs::read_to_string(path).expect("config/database.yaml exists");
    let file = parse_file(&text).expect("the shipped file is valid");
    let mut settings = Settings::default();
    let entries = file.entries();
    // Every key is documented in the file, with its default value.
    let written: Vec<&str> = entries.iter().map(|(key, _)| *key).collect();
    assert_eq!(written, KEYS);
    for (key, value) in entries {
        settings.set(key, &value).expect("valid value");
    }
    assert_eq!(settings, Settings::default());
}

#[test]
fn precedence_is_flags_then_environment_then_file_then_defaults() {
    let file = config_file("listen: 0.0.0.0:7000\nhttp_listen: 0.0.0.0:7001\nmax_connections: 7\n");
    let path = file.path().to_str().expect("UTF-8 temp path");
    let settings = run(
        &["--config", path, "--listen", "127.0.0.1:9000"],
        &[
            ("DB001_LISTEN", "127.0.0.1:8000"),
            ("DB001_HTTP_LISTEN", "127.0.0.1:8001"),
        ],
    )
    .expect("valid");
    assert_eq!(settings.listen, "127.0.0.1:9000", "flag wins");
    assert_eq!(
        settings.http_listen, "127.0.0.1:8001",
        "environment beats file"
    );
    assert_eq!(settings.max_connections, 7, "file beats default");
    assert_eq!(settings.data_dir, PathBuf::from("./data"), "default");
}

#[test]
fn config_file_can_come_from_the_environment() {
    let file = config_file("data_dir: /var/lib/db001\n");
    let path = file.path().to_str().expect("UTF-8 temp path");
    let settings = run(&[], &[("DB001_CONFIG", path)]).expect("valid");
    assert_eq!(settings.data_dir, PathBuf::from("/var/lib/db001"));
}

#[test]
fn unknown_keys_in_the_file_are_an_error_naming_the_key() {
    let file = config_file("listen: 127.0.0.1:1\nlisten_adress: x\n");
    let path = file.path().to_str().expect("UTF-8 temp path");
    let error = run(&["--config", path], &[]).expect_err("unknown key");
    assert!(error.0.contains("listen_adress"), "{error}");
    assert!(error.0.contains("line 2"), "{error}");
}

#[test]
fn a_named_config_file_must_exist() {
    let error = run(&["--config", "/nonexistent/db001.yaml"], &[]).expect_err("missing");
    assert!(error.0.contains("cannot read config file"), "{error}");
}

#[test]
fn empty_and_comment_only_files_mean_defaults() {
    assert!(parse_file("").is_ok());
    assert!(parse_file("# nothing\n\n---\n").is_ok());
}

#[test]
fn flags_accept_both_spellings_and_reject_strangers() {
    let settings = run(
        &[
            "--synchronous-commit=off",
            "--data-dir",
            "/tmp/x",
            "--wal-writer-delay",
            "1s",
        ],
        &[],
    )
    .expect("valid");
    assert!(!settings.synchronous_commit);
    assert_eq!(settings.data_dir, PathBuf::from("/tmp/x"));
    assert_eq!(settings.wal_writer_delay, Duration::from_secs(1));
    assert!(run(&["--bogus", "1"], &[]).is_err());
    assert!(run(&["--listen"], &[]).is_err());
    assert!(run(&["stray"], &[]).is_err());
    assert_eq!(load(&args(&["--help"]), |_| None), Ok(Command::Help));
    assert_eq!(load(&args(&["--version"]), |_| None), Ok(Command::Version));
}

#[test]
fn values_are_parsed_and_checked() {
    let mut settings = Settings::default();
    settings.set("wal_segment_size", "32MB").expect("valid");
    assert_eq!(settings.wal_segment_bytes, 32 << 20);
    settings.set("wal_segment_size", "1048576").expect("valid");
    assert_eq!(settings.wal_segment_bytes, 1 << 20);
    assert!(
        settings.set("wal_segment_size", "3MB").is_err(),
        "not a power of two"
    );
    assert!(
        settings.set("wal_segment_size", "16TB").is_err(),
        "unknown unit"
    );
    settings
        .set("max_message_size", "1GB")
        .expect_err("above the limit");
    settings.set("max_message_size", "8MB").expect("valid");
    assert_eq!(settings.max_message_bytes, 8 << 20);
    assert!(settings.set("synchronous_commit", "maybe").is_err());
    settings.set("synchronous_commit", "ON").expect("valid");
    assert!(settings.synchronous_commit);
    assert!(settings.set("max_connections", "0").is_err());
    assert!(settings.set("max_connections", "-1").is_err());
    assert!(settings.set("listen", "5432").is_err());
    assert!(settings.set("listen", "localhost:99999").is_err());
    settings.set("listen", "[::1]:0").expect("valid");
    settings.set("shutdown_grace", "2min").expect("valid");
    assert_eq!(settings.shutdown_grace, Duration::from_secs(120));
    settings.set("log_level", "debug").expect("valid");
    assert_eq!(settings.log_level, tracing::Level::DEBUG);
    assert!(settings.set("log_level", "loud").is_err());
    for (text, method) in [
        ("fdatasync", SyncMethod::Fdatasync),
        ("fsync", SyncMethod::Fsync),
        ("OPEN_DATASYNC", SyncMethod::OpenDatasync),
    ] {
        settings.set("wal_sync_method", text).expect("valid");
        assert_eq!(settings.wal_sync_method, method);
    }
    let error = settings
        .set("wal_sync_method", "fsync_writethrough")
        .expect_err("not supported");
    assert!(error.contains("open_datasync"), "{error}");
    assert_eq!(settings.wal_sync_method, SyncMethod::OpenDatasync);
}

#[test]
fn engine_config_carries_the_settings() {
    let mut settings = Settings::default();
    settings.set("synchronous_commit", "off").expect("valid");
    settings.set("wal_writer_delay", "50ms").expect("valid");
    settings.set("wal_sync_method", "fsync").expect("valid");
    let config = settings.engine_config();
    assert_eq!(config.wal_sync_method, SyncMethod::Fsync);
    assert!(!config.synchronous_commit);
    assert_eq!(config.wal_writer_delay_ms, 50);
    assert_eq!(config.wal_segment_bytes, 16 << 20);
    assert_eq!(config.data_dir, PathBuf::from("./data"));
}

#[test]
fn hba_rules_come_from_a_yaml_list_or_a_separated_string() {
    let file = config_file(
        "hba:\n  - hostssl all alice 0.0.0.0/0 scram-sha-256\n  - host all all 127.0.0.1/32 md5\n",
    );
    let path = file.path().to_str().expect("UTF-8 temp path");
    let settings = run(&["--config", path], &[]).expect("valid");
    let lines: Vec<&str> = settings.hba.iter().map(|rule| rule.line.as_str()).collect();
    assert_eq!(
        lines,
        [
            "hostssl all alice 0.0.0.0/0 scram-sha-256",
            "host all all 127.0.0.1/32 md5"
        ]
    );
    let settings = run(
        &["--config", path],
        &[(
            "DB001_HBA",
            "host all all ::1/128 reject; host all all all trust",
        )],
    )
    .expect("valid");
    assert_eq!(
        settings.hba.len(),
        2,
        "the environment replaces the file's list"
    );
    assert_eq!(settings.hba[0].method, db001_wire::hba::AuthMethod::Reject);
    let settings = run(&["--hba", "host all all all password"], &[]).expect("valid");
    assert_eq!(settings.hba.len(), 1);
}

#[test]
fn bad_hba_rules_name_the_rule() {
    let file = config_file(
        "hba:\n  - host all all 127.0.0.1/32 trust\n  - host all all 10.0.0.0/40 md5\n",
    );
    let path = file.path().to_str().expect("UTF-8 temp path");
    let error = run(&["--config", path], &[]).expect_err("bad mask");
    assert!(
        error.0.contains("hba rule 2")
            && error.0.contains("invalid CIDR mask")
            && error.0.contains("host all all 10.0.0.0/40 md5"),
        "{error}"
    );
    let error = run(&["--hba", "# nothing"], &[]).expect_err("no rules");
    assert!(error.0.contains("no rules"), "{error}");
    // A scalar where a list is expected is a YAML error, not a silent default.
    let file = config_file("hba: 7\n");
    let path = file.path().to_str().expect("UTF-8 temp path");
    assert!(run(&["--config", path], &[]).is_err());
}

#[test]
fn ssl_needs_both_files_and_reports_unusable_ones() {
    let error = run(&["--ssl", "on"], &[]).expect_err("no files");
    assert!(error.0.contains("ssl_cert_file"), "{error}");
    let error = run(&["--ssl", "on", "--ssl-cert-file", "/x.crt"], &[]).expect_err("no key");
    assert!(error.0.contains("ssl_key_file"), "{error}");
    let settings = run(
        &[
            "--ssl",
            "on",
            "--ssl-cert-file",
            "/no/such/server.crt",
            "--ssl-key-file",
            "/no/such/server.key",
        ],
        &[],
    )
    .expect("paths are checked when the server starts");
    assert!(settings.engine_config().ssl, "SHOW ssl reports on");
    let error = settings.tls_config().expect_err("missing files");
    assert!(error.contains("/no/such/server.crt"), "{error}");
    let not_pem = config_file("not a certificate");
    let path = not_pem.path().to_str().expect("UTF-8 temp path");
    let settings = run(
        &[
            "--ssl",
            "on",
            "--ssl-cert-file",
            path,
            "--ssl-key-file",
            path,
        ],
        &[],
    )
    .expect("valid settings");
    let error = settings.tls_config().expect_err("not PEM");
    assert!(
        error.contains("server certificate file") && error.contains(path),
        "{error}"
    );
    // Off: the files are not read.
    let settings = run(&["--ssl-cert-file", "/no/such.crt"], &[]).expect("valid");
    assert!(settings.tls_config().expect("ssl off").is_none());
}
