//! Authentication: the host-based rule for the connection, then the exchange it names.
//!
//! ```text
//!   StartupMessage (user, database)
//!        │
//!        ▼
//!   first hba rule matching (TLS?, database, user, client address) ── none ──▶ FATAL 28000
//!        │
//!        ├─ trust ─────────────────────────────────────────────────────▶ passed
//!        ├─ reject ────────────────────────────────────────────────────▶ FATAL 28000
//!        ├─ password ──── AuthenticationCleartextPassword (3) ◀▶ PasswordMessage
//!        ├─ md5, role's verifier is md5 ── AuthenticationMD5Password (5, salt) ◀▶ PasswordMessage
//!        └─ scram-sha-256, or md5 otherwise ── AuthenticationSASL (10)
//!              ◀ SASLInitialResponse (client-first) ▶ SASLContinue (11, server-first)
//!              ◀ SASLResponse (client-final)        ▶ SASLFinal (12, server signature)
//! ```
//!
//! The caller sends AuthenticationOk after `passed` and only then checks that the role exists
//! and may log in, as PostgreSQL does (under `trust` an unknown role is told `role "x" does
//! not exist`; under a password method it simply fails the password check).
//!
//! **Not revealing roles.** As in PostgreSQL, a role that does not exist, or has no password,
//! or has a verifier of the other kind, still runs the whole exchange with made-up values and
//! fails at the end with the same 28P01 as a wrong password; under `md5` such roles get SCRAM
//! (PostgreSQL's choice with the default `password_encryption`).
//!
//! The cryptography lives in `db001_engine::auth` (verifiers, [`ScramExchange`], md5); this
//! module only moves its messages. Channel binding (`SCRAM-SHA-256-PLUS`) is not offered, so
//! clients send the `n,,` or `y,,` header. Every wait is inside the caller's
//! `startup_timeout`.

use std::io;
use std::net::{IpAddr, Ipv4Addr};

use bytes::Bytes;
use db001_common::{Error, SqlState};
use db001_engine::auth::{self as passwords, PasswordMethod, ScramError, ScramExchange};
use tokio::sync::watch;

use super::{Incoming, Io};
use crate::backend;
use crate::engine_api::QueryEngine;
use crate::frontend;
use crate::hba::{self, AuthMethod, ConnectionFacts};
use crate::server::Shared;

/// AuthenticationCleartextPassword.
const AUTH_CLEARTEXT_PASSWORD: i32 = 3;
/// AuthenticationMD5Password.
const AUTH_MD5_PASSWORD: i32 = 5;
/// AuthenticationSASL.
const AUTH_SASL: i32 = 10;
/// AuthenticationSASLContinue.
const AUTH_SASL_CONTINUE: i32 = 11;
/// AuthenticationSASLFinal.
const AUTH_SASL_FINAL: i32 = 12;
/// The one SASL mechanism offered.
const SCRAM_SHA_256: &str = "SCRAM-SHA-256";

/// How authentication ended.
#[derive(Debug)]
pub(super) enum Authentication {
    /// The client proved who it is (or the rule trusts it): AuthenticationOk is next.
    Passed,
    /// Refused: this FATAL error goes to the client, then the connection closes.
    Failed(Error),
    /// The client went away mid-exchange (libpq does this to ask the user for a password);
    /// nothing is sent.
    Closed,
}

/// Chooses the rule for the connection and runs its exchange.
pub(super) async fn authenticate<E: QueryEngine>(
    io: &mut Io,
    engine: &E,
    shared: &Shared,
    shutdown: &mut watch::Receiver<bool>,
    user: &str,
    database: &str,
) -> io::Result<Authentication> {
    let address = io
        .peer
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |peer| peer.ip());
    let tls = io.stream.is_tls();
    let facts = ConnectionFacts {
        address,
        tls,
        user,
        database,
    };
    let describe = || {
        format!(
            "host \"{address}\", user \"{user}\", database \"{database}\", {}",
            if tls {
                "SSL encryption"
            } else {
                "no encryption"
            }
        )
    };
    let Some(rule) = hba::find(&shared.options.hba, &facts) else {
        return Ok(Authentication::Failed(Error::new(
            SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
            format!("no pg_hba.conf entry for {}", describe()),
        )));
    };
    tracing::debug!(%address, user, database, rule = %rule.line, "hba rule chosen");
    let verifier = engine.login_role(user).and_then(|role| role.password);
    let verifier = verifier.as_deref();
    match rule.method {
        AuthMethod::Trust => Ok(Authentication::Passed),
        AuthMethod::Reject => Ok(Authentication::Failed(Error::new(
            SqlState::INVALID_AUTHORIZATION_SPECIFICATION,
            format!("pg_hba.conf rejects connection for {}", describe()),
        ))),
        AuthMethod::Password => cleartext(io, shutdown, user, verifier).await,
        AuthMethod::Md5 if verifier.and_then(passwords::method_of) == Some(PasswordMethod::Md5) => {
            md5(io, shutdown, user, verifier).await
        }
        AuthMethod::Md5 | AuthMethod::ScramSha256 => scram(io, shutdown, user, verifier).await,
    }
}

/// PostgreSQL's answer to any failed password check.
fn password_failed(user: &str) -> Error {
    Error::new(
        SqlState::INVALID_PASSWORD,
        format!("password authentication failed for user \"{user}\""),
    )
}

fn malformed_scram(detail: &str) -> Error {
    Error::new(SqlState::PROTOCOL_VIOLATION, "malformed SCRAM message").with_detail(detail)
}

/// The next `p` message, or how the exchange ends instead.
enum Answer {
    Body(Bytes),
    End(Authentication),
}

async fn read_answer(
    io: &mut Io,
    shutdown: &mut watch::Receiver<bool>,
    expected: &str,
) -> io::Result<Answer> {
    let incoming = io
        .read_frame(shutdown, |input| {
            frontend::take_authentication_message(input, expected)
        })
        .await?;
    Ok(match incoming {
        Incoming::Frame(body) => Answer::Body(body),
        Incoming::Closed | Incoming::Shutdown => Answer::End(Authentication::Closed),
        Incoming::Broken(error) => Answer::End(Authentication::Failed(error)),
    })
}

/// Sends an authentication request and reads the password that answers it.
async fn ask_password(
    io: &mut Io,
    shutdown: &mut watch::Receiver<bool>,
    code: i32,
    data: &[u8],
) -> io::Result<Result<String, Authentication>> {
    backend::authentication(&mut io.output, code, data);
    io.flush().await?;
    let body = match read_answer(io, shutdown, "password").await? {
        Answer::Body(body) => body,
        Answer::End(end) => return Ok(Err(end)),
    };
    Ok(match frontend::parse_password(body) {
        // A password that is not UTF-8 cannot match a verifier made from SQL text.
        Ok(password) => Ok(String::from_utf8_lossy(&password).into_owned()),
        Err(error) => Err(Authentication::Failed(error)),
    })
}

/// The `password` method: the password in clear text, checked against the verifier.
async fn cleartext(
    io: &mut Io,
    shutdown: &mut watch::Receiver<bool>,
    user: &str,
    verifier: Option<&str>,
) -> io::Result<Authentication> {
    let password = match ask_password(io, shutdown, AUTH_CLEARTEXT_PASSWORD, &[]).await? {
        Ok(password) => password,
        Err(end) => return Ok(end),
    };
    Ok(match verifier {
        Some(verifier) if passwords::password_matches(user, verifier, &password) => {
            Authentication::Passed
        }
        _ => Authentication::Failed(password_failed(user)),
    })
}

/// The `md5` method for a role with an md5 verifier: a random salt, the salted hash back.
async fn md5(
    io: &mut Io,
    shutdown: &mut watch::Receiver<bool>,
    user: &str,
    verifier: Option<&str>,
) -> io::Result<Authentication> {
    let salt = passwords::md5_salt();
    let answer = match ask_password(io, shutdown, AUTH_MD5_PASSWORD, &salt).await? {
        Ok(answer) => answer,
        Err(end) => return Ok(end),
    };
    Ok(match verifier {
        Some(verifier) if passwords::md5_answer_matches(verifier, salt, &answer) => {
            Authentication::Passed
        }
        _ => Authentication::Failed(password_failed(user)),
    })
}

/// SCRAM-SHA-256 (RFC 5802 / 7677) over SASL messages.
async fn scram(
    io: &mut Io,
    shutdown: &mut watch::Receiver<bool>,
    user: &str,
    verifier: Option<&str>,
) -> io::Result<Authentication> {
    // The mechanism list: names, each NUL-terminated, then an empty name.
    let mut mechanisms = Vec::with_capacity(SCRAM_SHA_256.len() + 2);
    mechanisms.extend_from_slice(SCRAM_SHA_256.as_bytes());
    mechanisms.extend_from_slice(&[0, 0]);
    backend::authentication(&mut io.output, AUTH_SASL, &mechanisms);
    io.flush().await?;

    let body = match read_answer(io, shutdown, "SASL").await? {
        Answer::Body(body) => body,
        Answer::End(end) => return Ok(end),
    };
    let (mechanism, initial) = match frontend::parse_sasl_initial_response(body) {
        Ok(parsed) => parsed,
        Err(error) => return Ok(Authentication::Failed(error)),
    };
    if mechanism != SCRAM_SHA_256 {
        return Ok(Authentication::Failed(Error::new(
            SqlState::PROTOCOL_VIOLATION,
            "client selected an invalid SASL authentication mechanism",
        )));
    }
    let client_first = match initial {
        Some(data) => data,
        // No initial response: an empty challenge asks for it (RFC 4422).
        None => {
            backend::authentication(&mut io.output, AUTH_SASL_CONTINUE, &[]);
            io.flush().await?;
            match read_answer(io, shutdown, "SASL").await? {
                Answer::Body(body) => frontend::parse_sasl_response(body),
                Answer::End(end) => return Ok(end),
            }
        }
    };

    let mut exchange = ScramExchange::new(verifier);
    let Ok(client_first) = std::str::from_utf8(&client_first) else {
        return Ok(Authentication::Failed(malformed_scram(
            "The message is not valid UTF-8.",
        )));
    };
    let server_first = match exchange.server_first(client_first) {
        Ok(message) => message,
        Err(error) => return Ok(Authentication::Failed(scram_failure(error, user))),
    };
    backend::authentication(&mut io.output, AUTH_SASL_CONTINUE, server_first.as_bytes());
    io.flush().await?;

    let client_final = match read_answer(io, shutdown, "SASL").await? {
        Answer::Body(body) => frontend::parse_sasl_response(body),
        Answer::End(end) => return Ok(end),
    };
    let Ok(client_final) = std::str::from_utf8(&client_final) else {
        return Ok(Authentication::Failed(malformed_scram(
            "The message is not valid UTF-8.",
        )));
    };
    match exchange.server_final(client_final) {
        Ok(server_final) => {
            backend::authentication(&mut io.output, AUTH_SASL_FINAL, server_final.as_bytes());
            Ok(Authentication::Passed)
        }
        Err(error) => Ok(Authentication::Failed(scram_failure(error, user))),
    }
}

fn scram_failure(error: ScramError, user: &str) -> Error {
    match error {
        ScramError::WrongPassword => password_failed(user),
        ScramError::Malformed(detail) => malformed_scram(&detail),
    }
}
