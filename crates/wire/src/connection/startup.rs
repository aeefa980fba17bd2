//! The startup phase: from the first byte to the first ReadyForQuery.
//!
//! 1. Encryption negotiation: SSLRequest and GSSENCRequest are each answered `N` once
//!    (db001 speaks clear text; a client that insists ends here). A CancelRequest cancels the
//!    running statement of the session it names when its secret matches (see
//!    `db001_engine::CancelHandle`; sessions register at step 5), and the connection closes
//!    with no answer either way, as in PostgreSQL.
//! 2. The StartupMessage: protocol 3.x only; newer minors and `_pq_.` options are answered with
//!    NegotiateProtocolVersion, as PostgreSQL 15 does.
//! 3. A connection slot (FATAL 53300 past `max_connections`), checked only now so that cancel
//!    requests and refused negotiations never count.
//! 4. Startup settings: `client_encoding` must name UTF8 (compared as PostgreSQL compares
//!    encoding names); every other parameter, and each `-c name=value` in `options`, goes to
//!    the session's `set_startup_parameter`, so the engine is the one authority on settings; a
//!    rejected one is FATAL, as in PostgreSQL.
//! 5. Trust authentication: AuthenticationOk, the ParameterStatus set PostgreSQL 15 reports (in
//!    its order, values from the session's settings), BackendKeyData (a fresh random secret,
//!    registered for CancelRequests until the connection ends), ReadyForQuery.
//!
//! Every wait here is bounded by `WireOptions::startup_timeout`.

use std::io;
use std::sync::Arc;

use bytes::BytesMut;
use db001_common::{Error, SqlState};
use tokio::sync::watch;

use super::{Incoming, Io};
use crate::backend;
use crate::engine_api::{QueryEngine, QuerySession};
use crate::frontend::{self, PROTOCOL_MINOR_NEWEST, StartupRequest};
use crate::server::{CancelRegistration, ConnectionSlot, Shared};

/// A session that passed startup, with the slot it holds.
pub(super) struct Established<S> {
    pub session: S,
    pub slot: ConnectionSlot,
    pub reported: ReportedParameters,
    /// The session's entry for CancelRequests, removed when the connection ends.
    pub cancel_registration: Option<CancelRegistration>,
}

/// What the StartupMessage asked for.
#[derive(Debug, Default, PartialEq, Eq)]
struct StartupParameters {
    minor_version: u16,
    user: String,
    database: String,
    /// Parameters for the session, in the order given.
    settings: Vec<(String, String)>,
    /// `_pq_.` protocol options db001 does not know (all of them).
    unrecognized_options: Vec<String>,
}

/// The parameters PostgreSQL 15 reports with ParameterStatus (its GUC_REPORT set), in the order
/// it sends them at startup.
pub(super) const REPORTED_PARAMETERS: [&str; 13] = [
    "application_name",
    "client_encoding",
    "DateStyle",
    "default_transaction_read_only",
    "in_hot_standby",
    "integer_datetimes",
    "IntervalStyle",
    "is_superuser",
    "server_encoding",
    "server_version",
    "session_authorization",
    "standard_conforming_strings",
    "TimeZone",
];

/// The reported parameters' values as last sent, so that a change (after SET, RESET or the end
/// of a transaction) is reported once, as PostgreSQL does.
#[derive(Debug)]
pub(super) struct ReportedParameters {
    user: String,
    server_version: String,
    sent: Vec<String>,
    /// The session's settings generation when `sent` was last brought up to date.
    generation: Option<u64>,
}

impl ReportedParameters {
    fn new(user: &str, server_version: &str) -> ReportedParameters {
        ReportedParameters {
            user: user.to_owned(),
            server_version: server_version.to_owned(),
            sent: Vec::new(),
            generation: None,
        }
    }

    /// The value of a reported parameter: the session's, else what PostgreSQL would say.
    fn value(&self, session: &impl QuerySession, name: &str) -> String {
        match name {
            "session_authorization" => self.user.clone(),
            "server_version" => self.server_version.clone(),
            "in_hot_standby" => "off".to_owned(),
            _ => session.setting(name).unwrap_or_else(|| {
                match name {
                    "client_encoding" | "server_encoding" => "UTF8",
                    "DateStyle" => "ISO, MDY",
                    "default_transaction_read_only" => "off",
                    "integer_datetimes" | "is_superuser" | "standard_conforming_strings" => "on",
                    "IntervalStyle" => "postgres",
                    "TimeZone" => "UTC",
                    _ => "",
                }
                .to_owned()
            }),
        }
    }

    /// Writes ParameterStatus for every reported parameter whose value changed since the last
    /// call (all of them on the first call).
    pub(super) fn report_changes(&mut self, session: &impl QuerySession, out: &mut BytesMut) {
        // Unchanged settings: nothing to compare (this runs before every ReadyForQuery).
        let generation = session.settings_generation();
        if generation.is_some() && generation == self.generation {
            return;
        }
        self.generation = generation;
        for (index, name) in REPORTED_PARAMETERS.iter().enumerate() {
            let value = self.value(session, name);
            if self.sent.get(index) != Some(&value) {
                backend::parameter_status(out, name, &value);
                if index < self.sent.len() {
                    self.sent[index] = value;
                } else {
                    self.sent.push(value);
                }
            }
        }
    }
}

/// Runs the startup phase. `None` means the connection ended (cleanly, or after a FATAL error
/// was sent).
pub(super) async fn establish<E: QueryEngine>(
    io: &mut Io,
    engine: &E,
    shared: &Arc<Shared>,
    shutdown: &mut watch::Receiver<bool>,
) -> io::Result<Option<Established<E::Session>>> {
    let timeout = shared.options.startup_timeout;
    match tokio::time::timeout(timeout, establish_unbounded(io, engine, shared, shutdown)).await {
        Ok(result) => result,
        Err(_elapsed) => {
            tracing::debug!("startup did not finish within {timeout:?}; closing");
            Ok(None)
        }
    }
}

async fn establish_unbounded<E: QueryEngine>(
    io: &mut Io,
    engine: &E,
    shared: &Arc<Shared>,
    shutdown: &mut watch::Receiver<bool>,
) -> io::Result<Option<Established<E::Session>>> {
    let Some((minor_version, parameters)) = negotiate(io, shared, shutdown).await? else {
        return Ok(None);
    };
    let parameters = match StartupParameters::from_packet(minor_version, parameters) {
        Ok(parameters) => parameters,
        Err(error) => {
            shared.metrics.record_error(&error);
            io.send_fatal(&error).await?;
            return Ok(None);
        }
    };
    let Some(slot) = shared.try_acquire_slot() else {
        let error = Error::new(
            SqlState::TOO_MANY_CONNECTIONS,
            "sorry, too many clients already",
        );
        shared.metrics.record_error(&error);
        io.send_fatal(&error).await?;
        return Ok(None);
    };
    let mut session = engine.session();
    session.set_identity(&parameters.user, &parameters.database);
    for (name, value) in &parameters.settings {
        if let Err(error) = session.set_startup_parameter(name, value) {
            shared.metrics.record_error(&error);
            io.send_fatal(&error).await?;
            return Ok(None);
        }
    }

    let out = &mut io.output;
    if parameters.minor_version > PROTOCOL_MINOR_NEWEST
        || !parameters.unrecognized_options.is_empty()
    {
        let options: Vec<&str> = parameters
            .unrecognized_options
            .iter()
            .map(String::as_str)
            .collect();
        backend::negotiate_protocol_version(out, PROTOCOL_MINOR_NEWEST, &options);
    }
    backend::authentication_ok(out);
    let mut reported = ReportedParameters::new(&parameters.user, &shared.options.server_version);
    reported.report_changes(&session, out);
    let process_id = session.backend_pid();
    let secret = shared.new_secret_key();
    let cancel_registration = session
        .cancel_handle()
        .map(|handle| shared.register_cancel(process_id, secret, handle));
    backend::backend_key_data(out, process_id, secret);
    backend::ready_for_query(out, session.transaction_status().as_byte());
    io.flush().await?;
    tracing::debug!(user = %parameters.user, process_id, "session started");
    Ok(Some(Established {
        session,
        slot,
        reported,
        cancel_registration,
    }))
}

/// Reads startup packets until a StartupMessage; answers encryption requests on the way.
async fn negotiate(
    io: &mut Io,
    shared: &Shared,
    shutdown: &mut watch::Receiver<bool>,
) -> io::Result<Option<(u16, Vec<(String, String)>)>> {
    let mut ssl_refused = false;
    let mut gss_refused = false;
    // SSLRequest and GSSENCRequest are each allowed once, so the StartupMessage is at the
    // latest the third packet; anything else ends the connection inside the loop.
    for _ in 0..3 {
        let packet = match io
            .read_frame(shutdown, frontend::take_startup_packet)
            .await?
        {
            Incoming::Frame(packet) => packet,
            Incoming::Closed | Incoming::Shutdown => return Ok(None),
            Incoming::Broken(error) => {
                io.send_fatal(&error).await?;
                return Ok(None);
            }
        };
        let request = match frontend::parse_startup(packet) {
            Ok(request) => request,
            Err(error) => {
                io.send_fatal(&error).await?;
                return Ok(None);
            }
        };
        match request {
            StartupRequest::SslRequest if !ssl_refused => {
                ssl_refused = true;
                backend::encryption_refused(&mut io.output);
                io.flush().await?;
            }
            StartupRequest::GssEncRequest if !gss_refused => {
                gss_refused = true;
                backend::encryption_refused(&mut io.output);
                io.flush().await?;
            }
            StartupRequest::SslRequest => {
                io.send_fatal(&unsupported_protocol(1234, 5679)).await?;
                return Ok(None);
            }
            StartupRequest::GssEncRequest => {
                io.send_fatal(&unsupported_protocol(1234, 5680)).await?;
                return Ok(None);
            }
            StartupRequest::Cancel {
                process_id,
                secret_key,
            } => {
                // PostgreSQL answers a CancelRequest with nothing, matched or not.
                let cancelled = shared.cancel(process_id, secret_key);
                tracing::debug!(process_id, cancelled, "cancel request");
                return Ok(None);
            }
            StartupRequest::UnsupportedVersion { major, minor } => {
                io.send_fatal(&unsupported_protocol(major, minor)).await?;
                return Ok(None);
            }
            StartupRequest::Startup {
                minor_version,
                parameters,
            } => return Ok(Some((minor_version, parameters))),
        }
    }
    let error = Error::new(SqlState::PROTOCOL_VIOLATION, "too many startup packets");
    io.send_fatal(&error).await?;
    Ok(None)
}

fn unsupported_protocol(major: u16, minor: u16) -> Error {
    Error::feature_not_supported(format!(
        "unsupported frontend protocol {major}.{minor}: server supports 3.0 to 3.{PROTOCOL_MINOR_NEWEST}"
    ))
    .fatal()
}

impl StartupParameters {
    fn from_packet(
        minor_version: u16,
        parameters: Vec<(String, String)>,
    ) -> Result<StartupParameters, Error> {
        let mut result = StartupParameters {
            minor_version,
            ..StartupParameters::default()
        };
        for (name, value) in parameters {
            match name.as_str() {
                "user" => result.user = value,
                // One database per server: any name connects to it.
                "database" => result.database = value,
                // The session's client_encoding is UTF8 already; only the name needs checking.
                "client_encoding" => check_client_encoding(&value)?,
                "replication" => {
                    if !matches!(
                        value.to_ascii_lowercase().as_str(),
                        "false" | "off" | "no" | "0"
                    ) {
                        return Err(Error::feature_not_supported(
                            "replication connections are not supported",
                        )
                        .fatal());
                    }
                }
                "options" => result.settings.extend(split_options(&value)?),
                option if option.starts_with("_pq_.") => result.unrecognized_options.push(name),
                _ => result.settings.push((name, value)),
            }
        }
        if result.user.is_empty() {
            return Err(Error::new(
                SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
                "no PostgreSQL user name specified in startup packet",
            )
            .fatal());
        }
        if result.database.is_empty() {
            result.database = result.user.clone();
        }
        Ok(result)
    }
}

/// db001 speaks UTF-8 only. PostgreSQL compares encoding names ignoring case and everything
/// but letters and digits, so `utf8`, `UTF-8` and asyncpg's `'utf-8'` all match.
fn check_client_encoding(value: &str) -> Result<(), Error> {
    let cleaned: String = value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if cleaned == "utf8" || cleaned == "unicode" {
        Ok(())
    } else {
        Err(Error::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("invalid value for parameter \"client_encoding\": \"{value}\""),
        )
        .with_detail("db001 supports only the UTF8 client encoding.")
        .fatal())
    }
}

/// Splits the `options` startup parameter as PostgreSQL does (whitespace separates, a
/// backslash escapes the next character) and reads `-c name=value`, `-cname=value` and
/// `--name=value` switches.
fn split_options(options: &str) -> Result<Vec<(String, String)>, Error> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut characters = options.chars();
    while let Some(c) = characters.next() {
        if c.is_whitespace() {
            if in_word {
                words.push(std::mem::take(&mut word));
                in_word = false;
            }
            continue;
        }
        in_word = true;
        if c == '\\' {
            if let Some(escaped) = characters.next() {
                word.push(escaped);
            }
        } else {
            word.push(c);
        }
    }
    if in_word {
        words.push(word);
    }

    let invalid = |word: &str| {
        Error::new(
            SqlState::SYNTAX_ERROR,
            format!("invalid command-line argument for server process: {word}"),
        )
        .with_hint("Try \"-c name=value\" or \"--name=value\".")
        .fatal()
    };
    let mut settings = Vec::new();
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        let assignment = if word == "-c" {
            words.next().ok_or_else(|| invalid(&word))?
        } else if let Some(rest) = word.strip_prefix("--") {
            rest.to_owned()
        } else if let Some(rest) = word.strip_prefix("-c") {
            rest.to_owned()
        } else {
            return Err(invalid(&word));
        };
        let (name, value) = assignment
            .split_once('=')
            .ok_or_else(|| invalid(&assignment))?;
        settings.push((name.replace('-', "_"), value.to_owned()));
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn jdbc_startup_parameters_become_settings() {
        let parameters = StartupParameters::from_packet(
            0,
            pairs(&[
                ("user", "alice"),
                ("database", "shop"),
                ("client_encoding", "UTF8"),
                ("DateStyle", "ISO"),
                ("TimeZone", "Etc/UTC"),
                ("extra_float_digits", "2"),
            ]),
        )
        .expect("valid startup");
        assert_eq!(parameters.user, "alice");
        assert_eq!(parameters.database, "shop");
        assert_eq!(
            parameters.settings,
            pairs(&[
                ("DateStyle", "ISO"),
                ("TimeZone", "Etc/UTC"),
                ("extra_float_digits", "2")
            ])
        );
    }

    #[test]
    fn database_defaults_to_the_user() {
        let parameters =
            StartupParameters::from_packet(0, pairs(&[("user", "bob")])).expect("valid");
        assert_eq!(parameters.database, "bob");
    }

    #[test]
    fn missing_user_is_fatal_28000() {
        let error =
            StartupParameters::from_packet(0, pairs(&[("database", "x")])).expect_err("no user");
        assert_eq!(error.code(), SqlState::INVALID_AUTHORIZATION_SPECIFICATION);
        assert_eq!(error.severity(), db001_common::Severity::Fatal);
    }

    #[test]
    fn client_encoding_accepts_utf8_spellings_only() {
        for good in ["UTF8", "utf8", "'utf-8'", "Unicode"] {
            assert!(check_client_encoding(good).is_ok(), "{good}");
        }
        let error = check_client_encoding("LATIN1").expect_err("not UTF-8");
        assert_eq!(error.code(), SqlState::INVALID_PARAMETER_VALUE);
    }

    #[test]
    fn options_are_split_like_postgres() {
        assert_eq!(
            split_options(r"-c search_path=a\ b --work-mem=4MB -cgeqo=off").expect("valid"),
            pairs(&[("search_path", "a b"), ("work_mem", "4MB"), ("geqo", "off")])
        );
        assert_eq!(
            split_options("-d 5").expect_err("not a setting").code(),
            SqlState::SYNTAX_ERROR
        );
        assert!(split_options("-c").is_err());
    }

    #[test]
    fn protocol_options_are_collected() {
        let parameters =
            StartupParameters::from_packet(2, pairs(&[("user", "u"), ("_pq_.compression", "on")]))
                .expect("valid");
        assert_eq!(parameters.unrecognized_options, vec!["_pq_.compression"]);
        assert!(parameters.settings.is_empty());
    }

    #[test]
    fn replication_connections_are_refused() {
        let error =
            StartupParameters::from_packet(0, pairs(&[("user", "u"), ("replication", "database")]))
                .expect_err("no replication");
        assert_eq!(error.code(), SqlState::FEATURE_NOT_SUPPORTED);
        assert!(
            StartupParameters::from_packet(0, pairs(&[("user", "u"), ("replication", "false")]))
                .is_ok()
        );
    }
}
