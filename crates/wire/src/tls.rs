//! TLS: the server's certificate and key, and the byte stream a connection runs over.
//!
//! A PostgreSQL client asks for TLS with an SSLRequest packet on the plain socket; a server
//! with a certificate answers `S` and the TLS handshake follows on the same socket, after
//! which the whole protocol (StartupMessage, authentication, queries, COPY) runs inside TLS.
//! Without a certificate the answer is `N` and the client goes on in clear text (or gives up,
//! as `sslmode=require` does).
//!
//! [`Stream`] is the connection's socket in either state. It is an enum rather than a generic
//! parameter or a `Box<dyn AsyncRead + AsyncWrite>`: the connection code stays monomorphic,
//! the plain path costs one predictable branch per read or write and no extra copy, and the
//! upgrade after `S` swaps the variant in place.
//!
//! rustls runs with the `ring` provider and its default protocol versions (TLS 1.2 and 1.3),
//! which is what libpq, pgjdbc, psycopg, asyncpg and node-postgres negotiate.

use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::server::TlsStream;

/// The server side of TLS: a certificate chain and its key, ready to accept handshakes.
#[derive(Clone)]
pub struct TlsConfig {
    acceptor: tokio_rustls::TlsAcceptor,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TlsConfig")
    }
}

impl TlsConfig {
    /// Reads a PEM certificate chain (`ssl_cert_file`: the server's certificate first, then
    /// any intermediates) and a PEM private key (`ssl_key_file`: PKCS#8, PKCS#1 or SEC1).
    /// Errors name the file and what is wrong with it.
    pub fn from_files(cert_file: &Path, key_file: &Path) -> Result<TlsConfig, String> {
        let read = |path: &Path, what: &str| {
            std::fs::read(path)
                .map_err(|error| format!("could not read {what} \"{}\": {error}", path.display()))
        };
        let cert_pem = read(cert_file, "server certificate file")?;
        let key_pem = read(key_file, "private key file")?;
        TlsConfig::from_pem(&cert_pem, &key_pem).map_err(|problem| match problem {
            PemProblem::Certificate(message) => format!(
                "server certificate file \"{}\": {message}",
                cert_file.display()
            ),
            PemProblem::Key(message) => {
                format!("private key file \"{}\": {message}", key_file.display())
            }
            PemProblem::Pair(message) => format!(
                "server certificate \"{}\" and private key \"{}\": {message}",
                cert_file.display(),
                key_file.display()
            ),
        })
    }

    /// [`TlsConfig::from_files`] on PEM text already in memory.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<TlsConfig, PemProblem> {
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| PemProblem::Certificate(format!("not valid PEM: {error}")))?;
        if chain.is_empty() {
            return Err(PemProblem::Certificate(
                "no \"BEGIN CERTIFICATE\" section found".to_owned(),
            ));
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|error| {
            PemProblem::Key(match error {
                rustls_pki_types::pem::Error::NoItemsFound => {
                    "no \"BEGIN PRIVATE KEY\" (PKCS#8), \"BEGIN RSA PRIVATE KEY\" or \
                     \"BEGIN EC PRIVATE KEY\" section found"
                        .to_owned()
                }
                other => format!("not valid PEM: {other}"),
            })
        })?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| PemProblem::Pair(error.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|error| PemProblem::Pair(error.to_string()))?;
        Ok(TlsConfig {
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        })
    }

    /// Runs the server side of a handshake on `stream`.
    pub(crate) async fn accept(&self, stream: TcpStream) -> io::Result<TlsStream<TcpStream>> {
        self.acceptor.accept(stream).await
    }
}

/// Which of the two PEM inputs is wrong, or whether they do not belong together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PemProblem {
    Certificate(String),
    Key(String),
    Pair(String),
}

/// A connection's socket: plain TCP, or TLS after an accepted SSLRequest.
#[derive(Debug)]
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// Only while the socket is handed to the TLS handshake; every operation fails.
    Upgrading,
}

impl Stream {
    pub(crate) fn is_tls(&self) -> bool {
        matches!(self, Stream::Tls(_))
    }
}

fn upgrading_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "socket is being upgraded to TLS",
    )
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        buffer: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_read(context, buffer),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_read(context, buffer),
            Stream::Upgrading => Poll::Ready(Err(upgrading_error())),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        context: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_write(context, data),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_write(context, data),
            Stream::Upgrading => Poll::Ready(Err(upgrading_error())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_flush(context),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(context),
            Stream::Upgrading => Poll::Ready(Err(upgrading_error())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(stream) => Pin::new(stream).poll_shutdown(context),
            Stream::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(context),
            Stream::Upgrading => Poll::Ready(Err(upgrading_error())),
        }
    }
}
