//! The operator's durability tools, as subcommands of the `db001` binary:
//!
//! ```text
//! db001 backup  --url URL --to DIR
//! db001 recover --data-dir DIR --from-backup DIR [--archive DIR]... --until TIME|LSN|latest
//! db001 verify  --data-dir DIR
//! db001 migrate --url URL --dir DIR [--down N]
//! ```
//!
//! - **backup** connects to a running server (`URL` as libpq takes it, e.g.
//!   `postgresql://postgres@127.0.0.1:5432/postgres`) and runs `BACKUP TO 'DIR'`: the server
//!   takes a checkpoint and copies it, with the WAL after it, into `DIR` while it keeps serving.
//!   `DIR` is written by the server, so it must be on the server's host (or a shared file
//!   system); it is made absolute here, must be missing or empty, and its growth is printed
//!   every second as progress. Restoring = copying `DIR`'s contents into an empty data
//!   directory and starting the server there.
//! - **recover** builds a new data directory from a base backup plus archived WAL (from
//!   `archive_mode`, or any directory of segments, e.g. a crashed server's `wal/`), replayed
//!   up to the target and no further: an LSN as `pg_lsn` prints it (`0/1A2B3C8`; every commit
//!   whose commit LSN is at or below it), a time (`2025-01-31 12:00:00`, UTC; every commit at
//!   or before it), or `latest`. The server is not running during this.
//! - **verify** checks every checksum of a data directory's checkpoints and WAL and that every
//!   index agrees with its table (see `db001_engine::verify`); exit code 1 when it finds a
//!   problem. Run it on a stopped server's data directory or on a backup.
//!
//! - **migrate** applies the pending `V<n>__*.sql` files of `DIR` to the database at `URL`, one
//!   transaction each, recording them in `schema_migrations`; `--down N` undoes the newest N
//!   with their `U<n>__*.sql` files (see [`crate::migrate`]).
//!
//! Exit codes: 0 success, 1 failure, 2 bad arguments.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use db001_engine::{Config, RecoveryTarget, recover_to_point, verify};
use db001_wal::{StdIo, format_lsn};

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
const POSTGRES_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

/// Runs the subcommand `name` if it is one of the tools; `None` otherwise.
pub fn run_tool(name: &str, args: &[String]) -> Option<ExitCode> {
    let run = match name {
        "backup" => backup,
        "recover" => recover,
        "verify" => verify_command,
        "migrate" => migrate_command,
        _ => return None,
    };
    Some(match Flags::parse(args).map(|flags| (flags.help, flags)) {
        Ok((true, _)) => {
            print!("{}", usage());
            ExitCode::SUCCESS
        }
        Ok((false, flags)) => run(&flags),
        Err(error) => {
            eprintln!("db001 {name}: {error}\n\n{}", usage());
            ExitCode::from(2)
        }
    })
}

/// The tools' usage text.
pub fn usage() -> &'static str {
    "db001 backup  --url URL --to DIR\n\
     db001 recover --data-dir DIR --from-backup DIR [--archive DIR]... --until TIME|LSN|latest\n\
     db001 verify  --data-dir DIR\n\
     db001 migrate --url URL --dir DIR [--down N]\n"
}

/// `--name value` pairs (also `--name=value`); `--archive` may repeat.
#[derive(Debug, Default)]
struct Flags {
    values: Vec<(String, String)>,
    help: bool,
}

impl Flags {
    fn parse(args: &[String]) -> Result<Flags, String> {
        let mut flags = Flags::default();
        let mut words = args.iter();
        while let Some(word) = words.next() {
            let Some(flag) = word.strip_prefix("--") else {
                return Err(format!("unexpected argument '{word}'"));
            };
            if flag == "help" {
                flags.help = true;
                continue;
            }
            let (name, value) = match flag.split_once('=') {
                Some((name, value)) => (name.to_owned(), value.to_owned()),
                None => (
                    flag.to_owned(),
                    words
                        .next()
                        .cloned()
                        .ok_or_else(|| format!("--{flag} needs a value"))?,
                ),
            };
            flags.values.push((name, value));
        }
        Ok(flags)
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.values
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    fn one(&self, name: &str) -> Result<&str, String> {
        match self.all(name).as_slice() {
            [value] => Ok(value),
            [] => Err(format!("--{name} is required")),
            _ => Err(format!("--{name} is given more than once")),
        }
    }

    fn only(&self, allowed: &[&str]) -> Result<(), String> {
        match self
            .values
            .iter()
            .find(|(key, _)| !allowed.contains(&key.as_str()))
        {
            Some((key, _)) => Err(format!("unknown option --{key}")),
            None => Ok(()),
        }
    }
}

fn fail(context: &str, error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("db001 {context}: {error}");
    ExitCode::FAILURE
}

fn engine_error(error: &db001_common::Error) -> String {
    let mut text = format!("{} ({})", error.message(), error.code());
    if let Some(detail) = error.detail() {
        text.push_str(&format!("\nDETAIL: {detail}"));
    }
    if let Some(hint) = error.hint() {
        text.push_str(&format!("\nHINT: {hint}"));
    }
    text
}

// ---------------------------------------------------------------- migrate

fn migrate_command(flags: &Flags) -> ExitCode {
    let parsed = flags.only(&["url", "dir", "down"]).and_then(|()| {
        let down = match flags.all("down").as_slice() {
            [] => None,
            [count] => Some(
                count
                    .parse::<usize>()
                    .map_err(|_| format!("--down takes a count, not '{count}'"))?,
            ),
            _ => return Err("--down is given more than once".to_string()),
        };
        Ok((flags.one("url")?, flags.one("dir")?, down))
    });
    let (url, dir, down) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("db001 migrate: {error}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail("migrate", &error),
    };
    match runtime.block_on(crate::migrate::migrate_over_the_wire(
        url,
        Path::new(dir),
        down,
    )) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(error) => fail("migrate", &error),
    }
}

// ---------------------------------------------------------------- backup

fn backup(flags: &Flags) -> ExitCode {
    let parsed = flags
        .only(&["url", "to"])
        .and_then(|()| Ok((flags.one("url")?, flags.one("to")?)));
    let (url, to) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("db001 backup: {error}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    let to = match std::path::absolute(to) {
        Ok(to) => to,
        Err(error) => return fail("backup", &format!("bad directory '{to}': {error}")),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return fail("backup", &error),
    };
    match runtime.block_on(backup_over_the_wire(url, &to)) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(error) => fail("backup", &error),
    }
}

async fn backup_over_the_wire(url: &str, to: &Path) -> Result<String, String> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|error| format!("bad --url '{url}': {error}"))?;
    let (client, connection) = config
        .connect(tokio_postgres::NoTls)
        .await
        .map_err(|error| format!("cannot connect to {url}: {error}"))?;
    let connection = tokio::spawn(connection);
    let started = Instant::now();
    let progress_dir = to.to_path_buf();
    let progress = tokio::spawn(async move {
        let mut last = 0;
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let bytes = directory_bytes(&progress_dir);
            if bytes != last {
                eprintln!(
                    "db001 backup: {:.1} MB written to {} ({:.0} s)",
                    bytes as f64 / 1048576.0,
                    progress_dir.display(),
                    started.elapsed().as_secs_f64()
                );
                last = bytes;
            }
        }
    });
    let statement = format!("BACKUP TO '{}'", to.to_string_lossy().replace('\'', "''"));
    let result = client.simple_query(&statement).await;
    progress.abort();
    drop(client);
    let _ = connection.await;
    let messages = result.map_err(|error| match error.as_db_error() {
        Some(server) => format!("{} ({})", server.message(), server.code().code()),
        None => error.to_string(),
    })?;
    let row = messages
        .iter()
        .find_map(|message| match message {
            tokio_postgres::SimpleQueryMessage::Row(row) => Some(row),
            _ => None,
        })
        .ok_or("the server answered BACKUP without a row")?;
    let field = |index: usize| row.get(index).unwrap_or("?").to_owned();
    Ok(format!(
        "db001 backup: complete in {:.1} s: {} (checkpoint at LSN {}, WAL to {}, {} files, {} bytes)",
        started.elapsed().as_secs_f64(),
        to.display(),
        field(0),
        field(1),
        field(2),
        field(3)
    ))
}

/// Total size of the files under `dir` (0 when it does not exist yet).
fn directory_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => directory_bytes(&entry.path()),
            _ => entry.metadata().map_or(0, |metadata| metadata.len()),
        })
        .sum()
}

// ---------------------------------------------------------------- recover

/// Parses `--until`: `latest`, an LSN `X/Y` (hex), or a timestamp (UTC).
pub fn parse_target(text: &str) -> Result<RecoveryTarget, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("latest") {
        return Ok(RecoveryTarget::Latest);
    }
    if let Some((high, low)) = text.split_once('/') {
        let high = u64::from_str_radix(high, 16);
        let low = u64::from_str_radix(low, 16);
        return match (high, low) {
            (Ok(high), Ok(low)) if high <= u64::from(u32::MAX) && low <= u64::from(u32::MAX) => {
                Ok(RecoveryTarget::Lsn(high << 32 | low))
            }
            _ => Err(format!("'{text}' is not an LSN like 0/1A2B3C8")),
        };
    }
    let postgres_micros = db001_common::datetime::parse_timestamp(text).map_err(|error| {
        format!(
            "'{text}' is neither latest, an LSN nor a timestamp: {}",
            error.message()
        )
    })?;
    Ok(RecoveryTarget::Time {
        unix_micros: postgres_micros.saturating_add(POSTGRES_EPOCH_UNIX_MICROS),
    })
}

fn recover(flags: &Flags) -> ExitCode {
    let parsed = flags
        .only(&["data-dir", "from-backup", "archive", "until"])
        .and_then(|()| {
            Ok((
                flags.one("data-dir")?,
                flags.one("from-backup")?,
                parse_target(flags.one("until")?)?,
            ))
        });
    let (data_dir, backup, target) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("db001 recover: {error}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    let archives: Vec<PathBuf> = flags
        .all("archive")
        .into_iter()
        .map(PathBuf::from)
        .collect();
    crate::init_logging(tracing::Level::INFO);
    let started = Instant::now();
    match recover_to_point(Config::new(data_dir), Path::new(backup), &archives, target) {
        Ok(report) => {
            let last = match (report.last_commit_lsn, report.last_commit_unix_micros) {
                (Some(lsn), Some(micros)) => {
                    let mut time = String::new();
                    db001_common::datetime::write_timestamp(
                        micros - POSTGRES_EPOCH_UNIX_MICROS,
                        &mut time,
                    );
                    format!("last commit at LSN {} ({time} UTC)", format_lsn(lsn))
                }
                (Some(lsn), None) => format!("last commit at LSN {}", format_lsn(lsn)),
                _ => "no commit after the backup's checkpoint".to_owned(),
            };
            println!(
                "db001 recover: {data_dir} recovered in {:.1} s: checkpoint {}, {} transactions \
                 replayed, {last}, log ends at {}{}; {} archived segments used",
                started.elapsed().as_secs_f64(),
                format_lsn(report.checkpoint_lsn),
                report.transactions_replayed,
                format_lsn(report.end_lsn),
                if report.cut {
                    " (cut at the target)"
                } else {
                    ""
                },
                report.archived_segments_used
            );
            ExitCode::SUCCESS
        }
        Err(error) => fail("recover", &engine_error(&error)),
    }
}

// ---------------------------------------------------------------- verify

fn verify_command(flags: &Flags) -> ExitCode {
    let data_dir = match flags
        .only(&["data-dir"])
        .and_then(|()| flags.one("data-dir"))
    {
        Ok(data_dir) => data_dir,
        Err(error) => {
            eprintln!("db001 verify: {error}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    crate::init_logging(tracing::Level::WARN);
    match verify(Arc::new(StdIo), Path::new(data_dir)) {
        Ok(report) => {
            print!("{report}");
            if report.is_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => fail("verify", &engine_error(&error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_as_latest_lsn_or_time() {
        assert_eq!(parse_target("latest"), Ok(RecoveryTarget::Latest));
        assert_eq!(parse_target("1/A0"), Ok(RecoveryTarget::Lsn(0x1_0000_00A0)));
        assert_eq!(
            parse_target("2000-01-01 00:00:01"),
            Ok(RecoveryTarget::Time {
                unix_micros: POSTGRES_EPOCH_UNIX_MICROS + 1_000_000
            })
        );
        assert!(parse_target("0/XYZ").is_err());
        assert!(parse_target("yesterday-ish").is_err());
    }

    #[test]
    fn flags_repeat_and_reject_strangers() {
        let args: Vec<String> = ["--archive", "a", "--archive=b", "--until", "latest"]
            .iter()
            .map(|word| word.to_string())
            .collect();
        let flags = Flags::parse(&args).expect("valid");
        assert_eq!(flags.all("archive"), vec!["a", "b"]);
        assert_eq!(flags.one("until"), Ok("latest"));
        assert!(flags.one("data-dir").is_err());
        assert!(flags.only(&["archive"]).is_err());
        assert!(Flags::parse(&["stray".to_string()]).is_err());
        assert!(run_tool("unknown", &[]).is_none());
    }
}
