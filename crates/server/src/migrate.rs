//! Schema migrations: `db001 migrate --url URL --dir DIR [--down N]`, and the `migrations_dir`
//! setting that applies a directory when the server starts.
//!
//! ## Files
//!
//! A directory holds `V<n>__<name>.sql` (apply version `n`) and `U<n>__<name>.sql` (undo it),
//! Flyway's naming; versions are positive integers, applied in increasing order. Other files
//! are ignored. A version may appear once per prefix.
//!
//! ## The record
//!
//! `schema_migrations (version BIGINT PRIMARY KEY, name TEXT, checksum TEXT, applied_at
//! TIMESTAMPTZ)` holds one row per applied version, with the SHA-256 (hex) of the `V` file's
//! bytes as applied. Before doing anything the runner compares every recorded version with the
//! directory and refuses to go on when
//! - an applied file's checksum changed (someone edited history: the database no longer
//!   matches what the file says it ran),
//! - an applied version has no file (the directory is not the one the database came from),
//! - a pending version is older than the newest applied one (it would run out of order).
//!
//! ## One transaction per migration
//!
//! Each migration runs as `BEGIN`; the file's statements; the `schema_migrations` insert (or,
//! going down, delete); `COMMIT`. DDL is transactional in db001 (and PostgreSQL), so a file
//! that fails half-way leaves nothing behind — neither its tables nor its record — and the
//! runner stops there with the error, earlier migrations staying applied. Files must not hold
//! their own BEGIN/COMMIT.
//!
//! The runner speaks to a [`MigrationTarget`]: a client over the wire (`db001 migrate`) or an
//! embedded session (start-up), so both run exactly the same steps.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The table recording applied versions.
pub const MIGRATIONS_TABLE: &str = "schema_migrations";

/// Where migrations run: something that executes simple-query SQL.
pub trait MigrationTarget {
    /// Runs `sql` (one or more statements) as a simple query.
    fn batch(&mut self, sql: &str) -> impl Future<Output = Result<(), String>> + Send;
    /// Runs one query and returns its rows as text (NULL as `None`).
    fn rows(
        &mut self,
        sql: &str,
    ) -> impl Future<Output = Result<Vec<Vec<Option<String>>>, String>> + Send;
}

/// One migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    pub version: i64,
    pub name: String,
    pub path: PathBuf,
}

/// The `V` and `U` files of a directory, each sorted by version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MigrationDir {
    pub up: Vec<MigrationFile>,
    pub down: Vec<MigrationFile>,
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Versions applied (going up) or undone (going down), in the order they ran.
    pub versions: Vec<i64>,
}

/// Reads a migration directory.
pub fn read_dir(dir: &Path) -> Result<MigrationDir, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|error| format!("cannot read migration directory {}: {error}", dir.display()))?;
    let mut found = MigrationDir::default();
    for entry in entries {
        let entry = entry.map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
        let path = entry.path();
        let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stem) = file_name.strip_suffix(".sql") else {
            continue;
        };
        let (list, rest) = if let Some(rest) = stem.strip_prefix('V') {
            (&mut found.up, rest)
        } else if let Some(rest) = stem.strip_prefix('U') {
            (&mut found.down, rest)
        } else {
            continue;
        };
        let Some((version, name)) = rest.split_once("__") else {
            return Err(format!(
                "{file_name}: a migration file is named V<version>__<name>.sql or U<version>__<name>.sql"
            ));
        };
        let version: i64 = match version.parse() {
            Ok(version) if version > 0 => version,
            _ => {
                return Err(format!(
                    "{file_name}: the version must be a positive integer"
                ));
            }
        };
        if list.iter().any(|file| file.version == version) {
            return Err(format!("{file_name}: version {version} appears twice"));
        }
        list.push(MigrationFile {
            version,
            name: name.to_string(),
            path,
        });
    }
    found.up.sort_by_key(|file| file.version);
    found.down.sort_by_key(|file| file.version);
    Ok(found)
}

/// The SHA-256 of `bytes`, in lower-case hex.
pub fn checksum(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

fn read_file(file: &MigrationFile) -> Result<String, String> {
    std::fs::read_to_string(&file.path)
        .map_err(|error| format!("cannot read {}: {error}", file.path.display()))
}

/// A recorded version: (version, checksum).
type Applied = Vec<(i64, String)>;

async fn applied(target: &mut impl MigrationTarget) -> Result<Applied, String> {
    target
        .batch(&format!(
            "CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (\
             version BIGINT PRIMARY KEY, \
             name TEXT NOT NULL, \
             checksum TEXT NOT NULL, \
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        ))
        .await?;
    let rows = target
        .rows(&format!(
            "SELECT version, checksum FROM {MIGRATIONS_TABLE} ORDER BY version"
        ))
        .await?;
    rows.into_iter()
        .map(|row| match row.as_slice() {
            [Some(version), Some(checksum)] => version
                .parse()
                .map(|version| (version, checksum.clone()))
                .map_err(|_| format!("{MIGRATIONS_TABLE} holds a bad version '{version}'")),
            _ => Err(format!("{MIGRATIONS_TABLE} holds a malformed row")),
        })
        .collect()
}

/// Checks the recorded history against the directory (see the module docs).
fn verify_history(dir: &MigrationDir, applied: &Applied) -> Result<(), String> {
    for (version, recorded) in applied {
        let Some(file) = dir.up.iter().find(|file| file.version == *version) else {
            return Err(format!(
                "version {version} is applied but no V{version}__*.sql file is in the directory"
            ));
        };
        let actual = checksum(read_file(file)?.as_bytes());
        if actual != *recorded {
            return Err(format!(
                "{} was changed after it was applied (checksum {actual}, recorded {recorded}); \
                 restore the file or repair {MIGRATIONS_TABLE} by hand",
                file.path.display()
            ));
        }
    }
    Ok(())
}

/// Runs `body` and then `record` in one transaction; rolls back on any error.
async fn in_transaction(
    target: &mut impl MigrationTarget,
    body: &str,
    record: &str,
) -> Result<(), String> {
    target.batch("BEGIN").await?;
    let result = async {
        target.batch(body).await?;
        target.batch(record).await?;
        target.batch("COMMIT").await
    }
    .await;
    if result.is_err() {
        // The error is what matters; a failed ROLLBACK (connection gone) adds nothing.
        let _ = target.batch("ROLLBACK").await;
    }
    result
}

/// Applies every pending `V` migration of `dir`, in order.
pub async fn up(target: &mut impl MigrationTarget, dir: &MigrationDir) -> Result<Outcome, String> {
    let applied = applied(target).await?;
    verify_history(dir, &applied)?;
    let newest = applied
        .iter()
        .map(|(version, _)| *version)
        .max()
        .unwrap_or(0);
    let mut outcome = Outcome::default();
    for file in &dir.up {
        if applied.iter().any(|(version, _)| *version == file.version) {
            continue;
        }
        if file.version < newest {
            return Err(format!(
                "{} is older than the newest applied version {newest}; it would run out of order",
                file.path.display()
            ));
        }
        let sql = read_file(file)?;
        let record = format!(
            "INSERT INTO {MIGRATIONS_TABLE} (version, name, checksum) VALUES ({}, {}, '{}')",
            file.version,
            quote(&file.name),
            checksum(sql.as_bytes())
        );
        in_transaction(target, &sql, &record)
            .await
            .map_err(|error| format!("{} failed: {error}", file.path.display()))?;
        outcome.versions.push(file.version);
    }
    Ok(outcome)
}

/// Undoes the newest `count` applied migrations with their `U` files, newest first.
pub async fn down(
    target: &mut impl MigrationTarget,
    dir: &MigrationDir,
    count: usize,
) -> Result<Outcome, String> {
    let applied = applied(target).await?;
    verify_history(dir, &applied)?;
    let mut outcome = Outcome::default();
    for (version, _) in applied.iter().rev().take(count) {
        let Some(file) = dir.down.iter().find(|file| file.version == *version) else {
            return Err(format!(
                "version {version} has no U{version}__*.sql file to undo it"
            ));
        };
        let sql = read_file(file)?;
        let record = format!("DELETE FROM {MIGRATIONS_TABLE} WHERE version = {version}");
        in_transaction(target, &sql, &record)
            .await
            .map_err(|error| format!("{} failed: {error}", file.path.display()))?;
        outcome.versions.push(*version);
    }
    Ok(outcome)
}

/// A SQL string literal.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

// ---------------------------------------------------------------- targets

/// A PostgreSQL-protocol connection (db001 or PostgreSQL itself).
impl MigrationTarget for tokio_postgres::Client {
    async fn batch(&mut self, sql: &str) -> Result<(), String> {
        self.batch_execute(sql)
            .await
            .map_err(|error| wire_error(&error))
    }

    async fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, String> {
        let messages = self.simple_query(sql).await.map_err(|e| wire_error(&e))?;
        Ok(messages
            .into_iter()
            .filter_map(|message| match message {
                tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                ),
                _ => None,
            })
            .collect())
    }
}

fn wire_error(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = format!("{} ({})", db.message(), db.code().code());
            if let Some(detail) = db.detail() {
                text.push_str(&format!("\nDETAIL: {detail}"));
            }
            text
        }
        None => error.to_string(),
    }
}

/// An embedded session (the server applying `migrations_dir` before it listens).
impl MigrationTarget for db001_engine::Session {
    async fn batch(&mut self, sql: &str) -> Result<(), String> {
        self.execute_sql(sql, &[])
            .await
            .map(|_| ())
            .map_err(|error| format!("{} ({})", error.message(), error.code()))
    }

    async fn rows(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, String> {
        let results = self
            .execute_sql(sql, &[])
            .await
            .map_err(|error| format!("{} ({})", error.message(), error.code()))?;
        Ok(results
            .into_iter()
            .flat_map(|result| result.rows)
            .map(|row| {
                row.iter()
                    .map(|value| (!value.is_null()).then(|| value.to_text()))
                    .collect()
            })
            .collect())
    }
}

/// `db001 migrate`: connects to `url` and applies `dir` (or undoes `down` versions).
pub async fn migrate_over_the_wire(
    url: &str,
    dir: &Path,
    down_count: Option<usize>,
) -> Result<String, String> {
    let migrations = read_dir(dir)?;
    let (mut client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .map_err(|error| format!("cannot connect to {url}: {}", wire_error(&error)))?;
    let connection = tokio::spawn(connection);
    let result = match down_count {
        Some(count) => down(&mut client, &migrations, count).await,
        None => up(&mut client, &migrations).await,
    };
    drop(client);
    // The connection task ends once the client is gone; its own error adds nothing here.
    let _ = connection.await;
    let outcome = result?;
    Ok(summary(&outcome, down_count.is_some()))
}

/// One line saying what a run did.
pub fn summary(outcome: &Outcome, down: bool) -> String {
    let verb = if down { "undid" } else { "applied" };
    if outcome.versions.is_empty() {
        return if down {
            "nothing to undo".to_string()
        } else {
            "schema is up to date".to_string()
        };
    }
    let versions: Vec<String> = outcome.versions.iter().map(|v| v.to_string()).collect();
    format!(
        "{verb} {} migration(s): {}",
        outcome.versions.len(),
        versions.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_files_are_split_and_sorted_by_version() {
        let dir = tempfile::tempdir().expect("temporary directory");
        for name in [
            "V10__ten.sql",
            "V2__two.sql",
            "U2__two.sql",
            "README.md",
            "V1__one.sql",
        ] {
            std::fs::write(dir.path().join(name), "SELECT 1;").expect("write");
        }
        let found = read_dir(dir.path()).expect("valid directory");
        let versions: Vec<i64> = found.up.iter().map(|f| f.version).collect();
        assert_eq!(versions, [1, 2, 10]);
        assert_eq!(found.down.len(), 1);
        assert_eq!(found.up[2].name, "ten");
    }

    #[test]
    fn bad_names_and_duplicates_are_refused() {
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join("V1_one.sql"), "").expect("write");
        assert!(read_dir(dir.path()).is_err());
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join("V0__zero.sql"), "").expect("write");
        assert!(read_dir(dir.path()).is_err());
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join("V1__a.sql"), "").expect("write");
        std::fs::write(dir.path().join("V01__b.sql"), "").expect("write");
        assert!(read_dir(dir.path()).unwrap_err().contains("twice"));
    }

    #[test]
    fn checksum_is_sha256_hex() {
        assert_eq!(
            checksum(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn quotes_are_doubled() {
        assert_eq!(quote("it's"), "'it''s'");
    }
}
