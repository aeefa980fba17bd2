//! TLS and authentication as clients see them, against the scripted engine (its roles:
//! `scram_user` and `md5_user` with password `secret`, `nologin`, no `ghost`; see
//! `support/fake.rs`). tokio-postgres is the client: it speaks SCRAM-SHA-256, md5 and cleartext
//! passwords and, with tokio-postgres-rustls, TLS.

mod support;

use std::sync::Arc;
use std::time::Duration;

use db001_wire::hba;
use db001_wire::tls::TlsConfig;
use db001_wire::{WireMetrics, WireOptions};
use support::Server;
use support::raw::{BackendMessage, RawConnection, message};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[path = "../../../tests/src/tls_certificates.rs"]
mod tls_certificates;

use tls_certificates::TestCertificates as Certificates;

/// A server with TLS and these rules.
async fn server(certificates: &Certificates, rules: &[&str]) -> Server {
    let tls = TlsConfig::from_pem(
        certificates.cert_pem.as_bytes(),
        certificates.key_pem.as_bytes(),
    )
    .expect("valid certificate and key");
    Server::start_with(WireOptions {
        tls: Some(tls),
        hba: hba::parse_rules(rules.iter().copied()).expect("valid rules"),
        metrics: Arc::new(WireMetrics::default()),
        ..WireOptions::default()
    })
    .await
}

/// Connects as `user` with `password` (over TLS when `tls` is given) and runs `select 1`;
/// returns the SQLSTATE and message of a refusal.
async fn try_login(
    server: &Server,
    tls: Option<&tokio_postgres_rustls::MakeRustlsConnect>,
    user: &str,
    password: Option<&str>,
) -> Result<(), (String, String)> {
    let mut config = server.config();
    config.user(user);
    if let Some(password) = password {
        config.password(password);
    }
    let refused = |error: tokio_postgres::Error| match error.as_db_error() {
        Some(db) => (db.code().code().to_owned(), db.message().to_owned()),
        None => ("client".to_owned(), error.to_string()),
    };
    let client = match tls {
        Some(tls) => {
            config.ssl_mode(tokio_postgres::config::SslMode::Require);
            let (client, connection) = config.connect(tls.clone()).await.map_err(refused)?;
            tokio::spawn(connection);
            client
        }
        None => {
            let (client, connection) = config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(refused)?;
            tokio::spawn(connection);
            client
        }
    };
    let rows = client
        .simple_query("select 1")
        .await
        .map_err(|error| ("query".to_owned(), error.to_string()))?;
    assert!(!rows.is_empty(), "select 1 answers");
    Ok(())
}

fn expect_refusal(result: Result<(), (String, String)>, code: &str, message: &str) {
    match result {
        Ok(()) => panic!("expected {code} {message}, but the login succeeded"),
        Err((actual_code, actual_message)) => {
            assert_eq!(
                (actual_code.as_str(), actual_message.as_str()),
                (code, message)
            );
        }
    }
}

#[tokio::test]
async fn scram_md5_and_cleartext_over_tls() {
    let certificates = Certificates::generate();
    let server = server(
        &certificates,
        &[
            "hostssl all scram_user 127.0.0.1/32 scram-sha-256",
            "hostssl all md5_user 127.0.0.1/32 md5",
            "hostssl all plain_user,nologin 127.0.0.1/32 trust",
            "hostssl db001 all 127.0.0.1/32 password",
        ],
    )
    .await;
    let tls = certificates.connector();

    try_login(&server, Some(&tls), "scram_user", Some("secret"))
        .await
        .expect("SCRAM with the right password");
    expect_refusal(
        try_login(&server, Some(&tls), "scram_user", Some("wrong")).await,
        "28P01",
        "password authentication failed for user \"scram_user\"",
    );
    try_login(&server, Some(&tls), "md5_user", Some("secret"))
        .await
        .expect("md5 with the right password");
    expect_refusal(
        try_login(&server, Some(&tls), "md5_user", Some("Secret")).await,
        "28P01",
        "password authentication failed for user \"md5_user\"",
    );
    // `password` (cleartext) for a role without a password fails like a wrong password.
    let failures_before = server.metrics.authentication_failures();
    try_login(&server, Some(&tls), "someone", Some("x"))
        .await
        .expect_err("someone has no password");
    assert_eq!(
        server.metrics.authentication_failures(),
        failures_before + 1
    );
    // NOLOGIN and unknown roles under trust: AuthenticationOk, then 28000.
    expect_refusal(
        try_login(&server, Some(&tls), "nologin", None).await,
        "28000",
        "role \"nologin\" is not permitted to log in",
    );
    try_login(&server, Some(&tls), "plain_user", None)
        .await
        .expect("trust");
    // Every session here was TLS; a plain connection finds no rule.
    assert!(server.metrics.tls_sessions() >= 7);
    expect_refusal(
        try_login(&server, None, "scram_user", Some("secret")).await,
        "28000",
        "no pg_hba.conf entry for host \"127.0.0.1\", user \"scram_user\", database \"db001\", \
         no encryption",
    );
}

#[tokio::test]
async fn md5_rule_uses_scram_for_scram_verifiers_and_cleartext_checks_both() {
    let certificates = Certificates::generate();
    let server = server(
        &certificates,
        &[
            "host all scram_user 127.0.0.1/32 md5",
            "host all all 127.0.0.1/32 password",
        ],
    )
    .await;
    try_login(&server, None, "scram_user", Some("secret"))
        .await
        .expect("md5 rule, SCRAM verifier: SCRAM");
    try_login(&server, None, "md5_user", Some("secret"))
        .await
        .expect("cleartext against an md5 verifier");
    expect_refusal(
        try_login(&server, None, "md5_user", Some("nope")).await,
        "28P01",
        "password authentication failed for user \"md5_user\"",
    );
    // A role without a password and a role that does not exist fail the same way.
    for user in ["plain_user", "ghost"] {
        expect_refusal(
            try_login(&server, None, user, Some("anything")).await,
            "28P01",
            &format!("password authentication failed for user \"{user}\""),
        );
    }
}

#[tokio::test]
async fn reject_unknown_roles_and_missing_rules() {
    let certificates = Certificates::generate();
    let server = server(
        &certificates,
        &[
            "host all rejected 127.0.0.1/32 reject",
            "host all ghost,tester 127.0.0.1/32 trust",
            "host all scram_user 127.0.0.1/32 scram-sha-256",
        ],
    )
    .await;
    let tls = certificates.connector();
    expect_refusal(
        try_login(&server, None, "rejected", None).await,
        "28000",
        "pg_hba.conf rejects connection for host \"127.0.0.1\", user \"rejected\", database \
         \"db001\", no encryption",
    );
    expect_refusal(
        try_login(&server, Some(&tls), "rejected", None).await,
        "28000",
        "pg_hba.conf rejects connection for host \"127.0.0.1\", user \"rejected\", database \
         \"db001\", SSL encryption",
    );
    expect_refusal(
        try_login(&server, None, "ghost", None).await,
        "28000",
        "role \"ghost\" does not exist",
    );
    expect_refusal(
        try_login(&server, Some(&tls), "nobody", None).await,
        "28000",
        "no pg_hba.conf entry for host \"127.0.0.1\", user \"nobody\", database \"db001\", \
         SSL encryption",
    );
    try_login(&server, None, "tester", None)
        .await
        .expect("trusted");
    assert_eq!(server.metrics.authentication_failures(), 4);
}

/// The raw exchange: message order and PostgreSQL's protocol errors.
#[tokio::test]
async fn sasl_messages_and_protocol_errors() {
    let certificates = Certificates::generate();
    let server = server(&certificates, &["host all all 127.0.0.1/32 scram-sha-256"]).await;

    // AuthenticationSASL lists exactly SCRAM-SHA-256.
    let (mut connection, request) = at_sasl_request(server.address).await;
    assert_eq!(request.tag, b'R');
    assert_eq!(request.body, b"\0\0\0\x0aSCRAM-SHA-256\0\0");
    // A Query instead of the SASL answer is a protocol violation.
    connection.send(&message::query("select 1")).await;
    let messages = connection.read_until_closed().await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let text = String::from_utf8_lossy(&messages[0].body).into_owned();
    assert!(text.contains("C08P01"), "{text}");
    assert!(
        text.contains("expected SASL response, got message type 81"),
        "{text}"
    );

    // An unknown mechanism.
    let (mut connection, _) = at_sasl_request(server.address).await;
    connection
        .send(&sasl_initial_response("SCRAM-SHA-1", Some(b"n,,n=,r=abc")))
        .await;
    let text = error_text(&mut connection).await;
    assert!(
        text.contains("client selected an invalid SASL authentication mechanism"),
        "{text}"
    );

    // A malformed client-first message.
    let (mut connection, _) = at_sasl_request(server.address).await;
    connection
        .send(&sasl_initial_response("SCRAM-SHA-256", Some(b"x")))
        .await;
    let text = error_text(&mut connection).await;
    assert!(text.contains("malformed SCRAM message"), "{text}");

    // No initial response: an empty SASLContinue asks for it.
    let (mut connection, _) = at_sasl_request(server.address).await;
    connection
        .send(&sasl_initial_response("SCRAM-SHA-256", None))
        .await;
    let challenge = connection.read_message().await.expect("SASLContinue");
    assert_eq!(challenge.body, 11_i32.to_be_bytes());
    let mut response = vec![b'p'];
    let data = b"n,,n=,r=clientnonce";
    response.extend_from_slice(&(4 + data.len() as i32).to_be_bytes());
    response.extend_from_slice(data);
    connection.send(&response).await;
    let server_first = connection.read_message().await.expect("server-first");
    assert_eq!(server_first.body[..4], 11_i32.to_be_bytes());
    assert!(server_first.body[4..].starts_with(b"r=clientnonce"));
    assert_eq!(server.metrics.authentication_failures(), 3);
}

/// Connects as `scram_user` and reads the server's first answer (AuthenticationSASL under a
/// scram-sha-256 rule).
async fn at_sasl_request(address: std::net::SocketAddr) -> (RawConnection, BackendMessage) {
    let mut connection = RawConnection::connect(address).await;
    connection
        .send(&message::startup(&[("user", "scram_user")]))
        .await;
    let request = connection.read_message().await.expect("AuthenticationSASL");
    (connection, request)
}

async fn error_text(connection: &mut RawConnection) -> String {
    let messages = connection.read_until_closed().await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0].tag, b'E');
    String::from_utf8_lossy(&messages[0].body).into_owned()
}

fn sasl_initial_response(mechanism: &str, data: Option<&[u8]>) -> Vec<u8> {
    let mut body = mechanism.as_bytes().to_vec();
    body.push(0);
    match data {
        Some(data) => {
            body.extend_from_slice(&(data.len() as i32).to_be_bytes());
            body.extend_from_slice(data);
        }
        None => body.extend_from_slice(&(-1_i32).to_be_bytes()),
    }
    let mut message = vec![b'p'];
    message.extend_from_slice(&(4 + body.len() as i32).to_be_bytes());
    message.extend_from_slice(&body);
    message
}

/// A client that answers `S` with garbage instead of a ClientHello loses only its own
/// connection; plain and TLS clients go on being served.
#[tokio::test]
async fn garbage_instead_of_a_client_hello_closes_only_that_connection() {
    let certificates = Certificates::generate();
    let server = server(&certificates, &["host all all 127.0.0.1/32 trust"]).await;
    let tls = certificates.connector();
    let mut connection = RawConnection::connect(server.address).await;
    connection.send(&message::ssl_request()).await;
    assert_eq!(connection.read_byte().await, b'S');
    connection
        .stream
        .write_all(b"GET / HTTP/1.1\r\n\r\n")
        .await
        .expect("send garbage");
    let mut rest = Vec::new();
    let read = tokio::time::timeout(
        Duration::from_secs(10),
        connection.stream.read_to_end(&mut rest),
    )
    .await
    .expect("the server closes the connection");
    // rustls may answer with a TLS alert record (type 21) before closing; never with protocol
    // messages.
    if read.is_ok() && !rest.is_empty() {
        assert_eq!(rest[0], 21, "a TLS alert, got {rest:?}");
    }
    try_login(&server, Some(&tls), "tester", None)
        .await
        .expect("TLS still served");
    try_login(&server, None, "tester", None)
        .await
        .expect("plain still served");

    // Data pipelined after the SSLRequest, before the handshake, is refused as PostgreSQL does.
    let mut connection = RawConnection::connect(server.address).await;
    let mut bytes = message::ssl_request();
    bytes.extend_from_slice(&message::startup(&[("user", "tester")]));
    connection.send(&bytes).await;
    assert_eq!(connection.read_byte().await, b'S');
    let text = error_text(&mut connection).await;
    assert!(
        text.contains("received unencrypted data after SSL request"),
        "{text}"
    );
}

#[tokio::test]
async fn without_tls_ssl_requests_get_n_and_sslmode_require_fails() {
    let server = Server::start().await;
    let certificates = Certificates::generate();
    let tls = certificates.connector();
    let error = try_login(&server, Some(&tls), "tester", None)
        .await
        .expect_err("the server has no TLS");
    assert_eq!(error.0, "client");
    assert!(
        error.1.contains("TLS") || error.1.contains("SSL"),
        "{error:?}"
    );
    try_login(&server, None, "tester", None)
        .await
        .expect("plain");
}

#[test]
fn bad_certificate_and_key_files_are_named() {
    let certificates = Certificates::generate();
    let directory = std::env::temp_dir().join(format!("db001-tls-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("temporary directory");
    let cert = directory.join("server.crt");
    let key = directory.join("server.key");
    std::fs::write(&cert, &certificates.cert_pem).expect("write certificate");
    std::fs::write(&key, &certificates.key_pem).expect("write key");
    TlsConfig::from_files(&cert, &key).expect("valid files");

    let missing = directory.join("missing.key");
    let error = TlsConfig::from_files(&cert, &missing).expect_err("missing key");
    assert!(error.contains("missing.key"), "{error}");
    // Certificate and key swapped.
    let error = TlsConfig::from_files(&key, &cert).expect_err("swapped");
    assert!(
        error.contains("server certificate file") && error.contains("server.key"),
        "{error}"
    );
    // A key that does not belong to the certificate.
    let other_key = directory.join("other.key");
    std::fs::write(
        &other_key,
        rcgen::KeyPair::generate().expect("key").serialize_pem(),
    )
    .expect("write other key");
    let error = TlsConfig::from_files(&cert, &other_key).expect_err("mismatched key");
    assert!(error.contains("other.key"), "{error}");
    let _ = std::fs::remove_dir_all(&directory);
}

/// `startup_timeout` bounds the whole authentication: a client that is asked for its SCRAM
/// message and never answers is disconnected, and does not count as a failed login.
#[tokio::test]
async fn startup_timeout_covers_the_password_exchange() {
    let server = Server::start_with(WireOptions {
        startup_timeout: Duration::from_millis(300),
        hba: hba::parse_rules(["host all all 127.0.0.1/32 scram-sha-256"]).expect("valid"),
        metrics: Arc::new(WireMetrics::default()),
        ..WireOptions::default()
    })
    .await;
    let (mut connection, request) = at_sasl_request(server.address).await;
    assert_eq!(request.tag, b'R');
    let started = std::time::Instant::now();
    let rest = connection.read_until_closed().await;
    assert!(rest.is_empty(), "{rest:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(server.metrics.authentication_failures(), 0);
}
