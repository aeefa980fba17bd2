//! Test-only TLS material, made afresh for each run so that no key is committed: a CA and a
//! certificate for `localhost` / 127.0.0.1 signed by it, and a tokio-postgres TLS connector that
//! trusts that CA (rustls with the ring provider, as the server uses).
//!
//! Not part of the `db001-tests` library (which would then need rcgen): the test files that use
//! it include it with `#[path]`, as `crates/wire/tests/support` includes `raw.rs`.

use std::sync::Arc;

use tokio_rustls::rustls;

/// PEM texts of the CA, the server certificate and the server's private key.
pub struct TestCertificates {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

impl TestCertificates {
    pub fn generate() -> TestCertificates {
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let mut ca_params =
            rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "db001 test CA");
        let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let key = rcgen::KeyPair::generate().expect("server key");
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .expect("server parameters");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        let cert = params.signed_by(&key, &issuer).expect("server certificate");
        TestCertificates {
            ca_pem: ca_cert.pem(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }

    /// A tokio-postgres TLS connector that trusts only this CA.
    pub fn connector(&self) -> tokio_postgres_rustls::MakeRustlsConnect {
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        roots
            .add(
                rustls::pki_types::CertificateDer::from_pem_slice(self.ca_pem.as_bytes())
                    .expect("CA PEM"),
            )
            .expect("CA usable as a root");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        tokio_postgres_rustls::MakeRustlsConnect::new(config)
    }
}
