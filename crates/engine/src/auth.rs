//! Passwords: the verifiers stored for roles, and the server side of the two password
//! exchanges PostgreSQL clients speak.
//!
//! - **SCRAM-SHA-256** (RFC 5802 / 7677, PostgreSQL's default): the role stores
//!   `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`, never the password. The
//!   client proves it knows the password ([`ScramExchange`]) and checks the server's
//!   signature in turn. Channel binding is not offered (`n,,` / `y,,` from the client).
//! - **md5**: the role stores `md5` + hex(md5(password + user)); the client answers a random
//!   salt with `md5` + hex(md5(stored-hex + salt)).
//!
//! A role whose verifier is SCRAM can only use SCRAM; one whose verifier is md5 uses md5 (as
//! PostgreSQL does when `pg_hba.conf` says `md5`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

/// PostgreSQL's default `scram_iterations`.
const SCRAM_ITERATIONS: u32 = 4096;

type HmacSha256 = hmac::Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// PBKDF2-HMAC-SHA-256 with one 32-byte block (SCRAM's `Hi`).
fn salted_password(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut first = salt.to_vec();
    first.extend_from_slice(&1u32.to_be_bytes());
    let mut block = hmac(password, &first);
    let mut result = block;
    for _ in 1..iterations {
        block = hmac(password, &block);
        for (r, b) in result.iter_mut().zip(block.iter()) {
            *r ^= b;
        }
    }
    result
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    if getrandom::fill(&mut bytes).is_err() {
        // The OS source practically never fails; fall back to a time-seeded hash rather than
        // refusing to authenticate.
        use std::hash::{BuildHasher, Hasher};
        for chunk in bytes.chunks_mut(8) {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            let value = hasher.finish().to_le_bytes();
            chunk.copy_from_slice(&value[..chunk.len()]);
        }
    }
    bytes
}

/// What `CREATE ROLE ... PASSWORD 'text'` stores: the text itself when it already is a
/// verifier (as PostgreSQL accepts pre-hashed passwords), else a new verifier of the kind
/// `password_encryption` names.
pub fn password_verifier(user: &str, password: &str, encryption: &str) -> String {
    if parse_scram(password).is_some() || is_md5_verifier(password) {
        return password.to_string();
    }
    if encryption == "md5" {
        return md5_verifier(user, password);
    }
    scram_verifier(password, &random_bytes::<16>(), SCRAM_ITERATIONS)
}

fn scram_verifier(password: &str, salt: &[u8], iterations: u32) -> String {
    let salted = salted_password(password.as_bytes(), salt, iterations);
    let client_key = hmac(&salted, b"Client Key");
    let stored_key = sha256(&client_key);
    let server_key = hmac(&salted, b"Server Key");
    format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        BASE64.encode(salt),
        BASE64.encode(stored_key),
        BASE64.encode(server_key)
    )
}

fn is_md5_verifier(text: &str) -> bool {
    text.len() == 35 && text.starts_with("md5") && text[3..].chars().all(|c| c.is_ascii_hexdigit())
}

fn md5_hex(data: &[u8]) -> String {
    use md5::Digest as _;
    md5::Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn md5_verifier(user: &str, password: &str) -> String {
    format!("md5{}", md5_hex(format!("{password}{user}").as_bytes()))
}

/// How a role with this verifier authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordMethod {
    Scram,
    Md5,
}

/// The method a stored verifier calls for.
pub fn method_of(verifier: &str) -> Option<PasswordMethod> {
    if parse_scram(verifier).is_some() {
        Some(PasswordMethod::Scram)
    } else if is_md5_verifier(verifier) {
        Some(PasswordMethod::Md5)
    } else {
        None
    }
}

/// Checks an md5 answer (`md5` + hex(md5(stored-hex + salt))) against a stored verifier.
pub fn md5_answer_matches(verifier: &str, salt: [u8; 4], answer: &str) -> bool {
    if !is_md5_verifier(verifier) {
        return false;
    }
    let mut data = verifier.as_bytes()[3..].to_vec();
    data.extend_from_slice(&salt);
    let expected = format!("md5{}", md5_hex(&data));
    constant_time_eq(expected.as_bytes(), answer.as_bytes())
}

/// Checks a password sent in clear text (the `password` method) against a stored verifier of
/// either kind, as PostgreSQL's `plain_crypt_verify` does.
pub fn password_matches(user: &str, verifier: &str, password: &str) -> bool {
    if let Some(scram) = parse_scram(verifier) {
        let salted = salted_password(password.as_bytes(), &scram.salt, scram.iterations);
        let stored_key = sha256(&hmac(&salted, b"Client Key"));
        let server_key = hmac(&salted, b"Server Key");
        return constant_time_eq(&stored_key, &scram.stored_key)
            && constant_time_eq(&server_key, &scram.server_key);
    }
    is_md5_verifier(verifier)
        && constant_time_eq(md5_verifier(user, password).as_bytes(), verifier.as_bytes())
}

/// A random 4-byte salt for AuthenticationMD5Password.
pub fn md5_salt() -> [u8; 4] {
    random_bytes::<4>()
}

#[derive(Debug)]
struct ScramVerifier {
    iterations: u32,
    salt: Vec<u8>,
    stored_key: Vec<u8>,
    server_key: Vec<u8>,
}

fn parse_scram(text: &str) -> Option<ScramVerifier> {
    let rest = text.strip_prefix("SCRAM-SHA-256$")?;
    let (parameters, keys) = rest.split_once('$')?;
    let (iterations, salt) = parameters.split_once(':')?;
    let (stored_key, server_key) = keys.split_once(':')?;
    Some(ScramVerifier {
        iterations: iterations.parse().ok()?,
        salt: BASE64.decode(salt).ok()?,
        stored_key: BASE64.decode(stored_key).ok()?,
        server_key: BASE64.decode(server_key).ok()?,
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The server side of one SCRAM-SHA-256 exchange.
#[derive(Debug)]
pub struct ScramExchange {
    /// `None` for a role without a SCRAM verifier: the exchange runs with made-up values and
    /// fails at the proof, so a client cannot tell which roles exist.
    verifier: Option<ScramVerifier>,
    nonce: String,
    /// The gs2 header (`n,,` / `y,,`), which the final message must echo in `c=`.
    gs2_header: String,
    client_first_bare: String,
    server_first: String,
}

/// Why an exchange failed: the client sent something malformed, or the password was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScramError {
    Malformed(String),
    WrongPassword,
}

impl ScramExchange {
    /// Starts an exchange for a role's stored verifier.
    pub fn new(verifier: Option<&str>) -> ScramExchange {
        let verifier = verifier.and_then(parse_scram);
        ScramExchange {
            verifier,
            nonce: String::new(),
            gs2_header: String::new(),
            client_first_bare: String::new(),
            server_first: String::new(),
        }
    }

    /// The client-first-message (after the SASLInitialResponse header) → server-first-message.
    pub fn server_first(&mut self, client_first: &str) -> Result<String, ScramError> {
        let malformed = |what: &str| ScramError::Malformed(what.to_string());
        // gs2-header: "n,," or "y,," (no channel binding), optionally with "a=authzid".
        let rest = client_first
            .strip_prefix("n,")
            .or_else(|| client_first.strip_prefix("y,"))
            .ok_or_else(|| malformed("channel binding is not supported"))?;
        let (_authzid, bare) = rest
            .split_once(',')
            .ok_or_else(|| malformed("malformed SCRAM message"))?;
        let client_nonce = bare
            .split(',')
            .find_map(|part| part.strip_prefix("r="))
            .ok_or_else(|| malformed("SCRAM message has no nonce"))?;
        let server_nonce = BASE64.encode(random_bytes::<18>());
        self.nonce = format!("{client_nonce}{server_nonce}");
        self.client_first_bare = bare.to_string();
        self.gs2_header = client_first[..client_first.len() - bare.len()].to_string();
        let (iterations, salt) = match &self.verifier {
            Some(verifier) => (verifier.iterations, verifier.salt.clone()),
            None => (SCRAM_ITERATIONS, random_bytes::<16>().to_vec()),
        };
        self.server_first = format!("r={},s={},i={iterations}", self.nonce, BASE64.encode(salt));
        Ok(self.server_first.clone())
    }

    /// The client-final-message → server-final-message (`v=signature`) when the proof holds.
    pub fn server_final(&self, client_final: &str) -> Result<String, ScramError> {
        let malformed = |what: &str| ScramError::Malformed(what.to_string());
        let (without_proof, proof) = client_final
            .rsplit_once(",p=")
            .ok_or_else(|| malformed("SCRAM message has no proof"))?;
        let nonce = without_proof
            .split(',')
            .find_map(|part| part.strip_prefix("r="))
            .ok_or_else(|| malformed("SCRAM message has no nonce"))?;
        if nonce != self.nonce {
            return Err(malformed("SCRAM nonce does not match"));
        }
        let binding = without_proof
            .split(',')
            .find_map(|part| part.strip_prefix("c="))
            .ok_or_else(|| malformed("SCRAM message has no channel binding"))?;
        if binding != BASE64.encode(&self.gs2_header) {
            return Err(malformed("SCRAM channel binding check failed"));
        }
        let proof = BASE64
            .decode(proof)
            .map_err(|_| malformed("SCRAM proof is not base64"))?;
        let Some(ScramVerifier {
            stored_key,
            server_key,
            ..
        }) = &self.verifier
        else {
            return Err(ScramError::WrongPassword);
        };
        let auth_message = format!(
            "{},{},{without_proof}",
            self.client_first_bare, self.server_first
        );
        let client_signature = hmac(stored_key, auth_message.as_bytes());
        if proof.len() != client_signature.len() {
            return Err(ScramError::WrongPassword);
        }
        let client_key: Vec<u8> = proof
            .iter()
            .zip(client_signature.iter())
            .map(|(p, s)| p ^ s)
            .collect();
        if !constant_time_eq(&sha256(&client_key), stored_key) {
            return Err(ScramError::WrongPassword);
        }
        let server_signature = hmac(server_key, auth_message.as_bytes());
        Ok(format!("v={}", BASE64.encode(server_signature)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client side written from RFC 5802, to check the server against.
    fn client_final(password: &str, client_first_bare: &str, server_first: &str) -> String {
        let parts: Vec<&str> = server_first.split(',').collect();
        let nonce = parts[0].strip_prefix("r=").expect("nonce");
        let salt = BASE64
            .decode(parts[1].strip_prefix("s=").expect("salt"))
            .expect("base64");
        let iterations: u32 = parts[2].strip_prefix("i=").expect("i").parse().expect("n");
        let salted = salted_password(password.as_bytes(), &salt, iterations);
        let client_key = hmac(&salted, b"Client Key");
        let stored_key = sha256(&client_key);
        let without_proof = format!("c=biws,r={nonce}");
        let auth = format!("{client_first_bare},{server_first},{without_proof}");
        let signature = hmac(&stored_key, auth.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(signature)
            .map(|(k, s)| k ^ s)
            .collect();
        format!("{without_proof},p={}", BASE64.encode(proof))
    }

    #[test]
    fn scram_accepts_the_right_password_only() {
        let verifier = password_verifier("alice", "secret", "scram-sha-256");
        assert!(verifier.starts_with("SCRAM-SHA-256$4096:"));
        assert_eq!(method_of(&verifier), Some(PasswordMethod::Scram));
        for (password, accepted) in [("secret", true), ("wrong", false)] {
            let mut exchange = ScramExchange::new(Some(&verifier));
            let first = exchange
                .server_first("n,,n=,r=abcdefghijkl")
                .expect("first message");
            assert!(first.starts_with("r=abcdefghijkl"));
            let last = client_final(password, "n=,r=abcdefghijkl", &first);
            assert_eq!(exchange.server_final(&last).is_ok(), accepted, "{password}");
        }
        assert!(password_matches("anyone", &verifier, "secret"));
        assert!(!password_matches("anyone", &verifier, "secreT"));
        // The final message must echo the gs2 header ("n,," is "biws" in base64).
        let mut exchange = ScramExchange::new(Some(&verifier));
        let first = exchange.server_first("y,,n=,r=abc").expect("first");
        let last = client_final("secret", "n=,r=abc", &first);
        assert_eq!(
            exchange.server_final(&last),
            Err(ScramError::Malformed(
                "SCRAM channel binding check failed".to_string()
            ))
        );
        let mut unknown = ScramExchange::new(None);
        let first = unknown.server_first("n,,n=,r=xyz").expect("first");
        let last = client_final("anything", "n=,r=xyz", &first);
        assert_eq!(unknown.server_final(&last), Err(ScramError::WrongPassword));
    }

    #[test]
    fn md5_matches_postgres() {
        // PostgreSQL: SELECT 'md5' || md5('secret' || 'alice')
        let verifier = password_verifier("alice", "secret", "md5");
        assert_eq!(verifier, format!("md5{}", md5_hex(b"secretalice")));
        let salt = [1, 2, 3, 4];
        let mut inner = verifier.as_bytes()[3..].to_vec();
        inner.extend_from_slice(&salt);
        let answer = format!("md5{}", md5_hex(&inner));
        assert!(md5_answer_matches(&verifier, salt, &answer));
        assert!(!md5_answer_matches(&verifier, [0, 0, 0, 0], &answer));
        assert!(password_matches("alice", &verifier, "secret"));
        assert!(!password_matches("alice", &verifier, "Secret"));
        assert!(!password_matches("alicia", &verifier, "secret"));
        // A verifier given as the password is stored as it is.
        assert_eq!(
            password_verifier("bob", &verifier, "scram-sha-256"),
            verifier
        );
    }
}
