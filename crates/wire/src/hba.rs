//! Host-based authentication rules: which method authenticates a connection, chosen as
//! PostgreSQL's `pg_hba.conf` chooses it.
//!
//! A rule is one line of `pg_hba.conf` syntax:
//!
//! ```text
//! TYPE       DATABASE   USER     ADDRESS          METHOD
//! host       all        all      127.0.0.1/32     trust
//! hostssl    shop       alice    10.0.0.0/8       scram-sha-256
//! hostnossl  all        all      0.0.0.0/0        reject
//! host       all        bob      ::1 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff   md5
//! ```
//!
//! - **TYPE**: `host` (any TCP connection), `hostssl` (TLS only), `hostnossl` (plain only),
//!   `hostgssenc` (never matches: db001 has no GSSAPI encryption), `hostnogssenc` (any TCP),
//!   `local` (never matches: db001 has no Unix-domain socket).
//! - **DATABASE** and **USER**: `all`, or a comma-separated list of names (double quotes
//!   keep a name literal: `"all"` is a role named all). DATABASE also knows `sameuser`;
//!   `replication` never matches (db001 refuses replication connections).
//! - **ADDRESS**: `all`, a CIDR block (`192.168.0.0/16`, `::1/128`) or an address and a
//!   separate mask column. A client on an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, when
//!   the server listens on `[::]`) is matched as its IPv4 address.
//! - **METHOD**: `trust`, `reject`, `scram-sha-256`, `md5`, `password`.
//!
//! The first rule whose type, database, user and address all match decides; no match refuses
//! the connection (28000), as in PostgreSQL. Lines that are empty or start with `#` are skipped,
//! and `#` starts a comment anywhere outside quotes. Anything db001 cannot honour exactly (host
//! names, `samenet`, `+group`, other methods, options after the method) is a configuration error
//! naming the line, rather than a rule that silently means something else.

use std::fmt;
use std::net::IpAddr;

/// Which connections a rule's TYPE column admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionType {
    /// `host`, `hostnogssenc`: any TCP connection.
    Host,
    /// `hostssl`: TLS only.
    HostSsl,
    /// `hostnossl`: plain TCP only.
    HostNoSsl,
    /// `local`, `hostgssenc`: kinds of connection db001 never has.
    Never,
}

/// How a matched connection authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Trust,
    Reject,
    ScramSha256,
    /// md5, or SCRAM for a role whose stored verifier is SCRAM (as PostgreSQL does).
    Md5,
    /// The password in clear text (AuthenticationCleartextPassword), checked against the
    /// stored verifier.
    Password,
}

impl AuthMethod {
    fn parse(word: &str) -> Result<AuthMethod, String> {
        Ok(match word {
            "trust" => AuthMethod::Trust,
            "reject" => AuthMethod::Reject,
            "scram-sha-256" => AuthMethod::ScramSha256,
            "md5" => AuthMethod::Md5,
            "password" => AuthMethod::Password,
            "peer" | "ident" | "gss" | "sspi" | "pam" | "ldap" | "radius" | "cert" | "bsd" => {
                return Err(format!(
                    "authentication method \"{word}\" is not supported by db001 (use trust, \
                     reject, scram-sha-256, md5 or password)"
                ));
            }
            _ => return Err(format!("invalid authentication method \"{word}\"")),
        })
    }

    /// The name as written in a rule.
    pub fn name(self) -> &'static str {
        match self {
            AuthMethod::Trust => "trust",
            AuthMethod::Reject => "reject",
            AuthMethod::ScramSha256 => "scram-sha-256",
            AuthMethod::Md5 => "md5",
            AuthMethod::Password => "password",
        }
    }
}

/// One name in a DATABASE or USER column.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NamePattern {
    All,
    /// DATABASE only: the database named like the user.
    SameUser,
    /// DATABASE only: never matches (db001 has no replication connections).
    Replication,
    Name(String),
}

/// The ADDRESS column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AddressPattern {
    All,
    V4 { network: u32, mask: u32 },
    V6 { network: u128, mask: u128 },
}

impl AddressPattern {
    fn matches(self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        match (self, address) {
            (AddressPattern::All, _) => true,
            (AddressPattern::V4 { network, mask }, IpAddr::V4(v4)) => {
                u32::from(v4) & mask == network
            }
            (AddressPattern::V6 { network, mask }, IpAddr::V6(v6)) => {
                u128::from(v6) & mask == network
            }
            _ => false,
        }
    }
}

/// One parsed rule, with the line it came from (for logs and errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HbaRule {
    connection_type: ConnectionType,
    databases: Vec<NamePattern>,
    users: Vec<NamePattern>,
    address: AddressPattern,
    pub method: AuthMethod,
    /// The rule as written.
    pub line: String,
}

/// A configuration error in one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HbaError {
    /// 1-based position of the rule in the list.
    pub line_number: usize,
    pub line: String,
    pub message: String,
}

impl fmt::Display for HbaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "hba rule {}: {} (in \"{}\")",
            self.line_number, self.message, self.line
        )
    }
}

impl std::error::Error for HbaError {}

/// What is known about a connection when its rule is chosen.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionFacts<'a> {
    pub address: IpAddr,
    pub tls: bool,
    pub user: &'a str,
    pub database: &'a str,
}

/// The rules used when none are configured: trust on loopback, SCRAM everywhere else.
pub const DEFAULT_RULES: [&str; 4] = [
    "host all all 127.0.0.1/32 trust",
    "host all all ::1/128 trust",
    "host all all 0.0.0.0/0 scram-sha-256",
    "host all all ::/0 scram-sha-256",
];

/// The default rules, parsed.
pub fn default_rules() -> Vec<HbaRule> {
    parse_rules(DEFAULT_RULES.iter().copied()).expect("the built-in rules are valid")
}

/// Parses rules in order, skipping empty and comment lines. Each item may itself hold several
/// lines (one rule per line).
pub fn parse_rules<'a>(items: impl IntoIterator<Item = &'a str>) -> Result<Vec<HbaRule>, HbaError> {
    let mut rules = Vec::new();
    let mut line_number = 0;
    for item in items {
        for line in item.lines() {
            line_number += 1;
            let tokens = tokenize(line).map_err(|message| HbaError {
                line_number,
                line: line.trim().to_owned(),
                message,
            })?;
            if tokens.is_empty() {
                continue;
            }
            let rule = parse_rule(&tokens, line.trim()).map_err(|message| HbaError {
                line_number,
                line: line.trim().to_owned(),
                message,
            })?;
            rules.push(rule);
        }
    }
    Ok(rules)
}

/// The first rule matching `facts`, as PostgreSQL picks it.
pub fn find<'r>(rules: &'r [HbaRule], facts: &ConnectionFacts<'_>) -> Option<&'r HbaRule> {
    rules.iter().find(|rule| rule.matches(facts))
}

impl HbaRule {
    fn matches(&self, facts: &ConnectionFacts<'_>) -> bool {
        let type_matches = match self.connection_type {
            ConnectionType::Host => true,
            ConnectionType::HostSsl => facts.tls,
            ConnectionType::HostNoSsl => !facts.tls,
            ConnectionType::Never => false,
        };
        type_matches
            && self.databases.iter().any(|pattern| match pattern {
                NamePattern::All => true,
                NamePattern::SameUser => facts.database == facts.user,
                NamePattern::Replication => false,
                NamePattern::Name(name) => name == facts.database,
            })
            && self.users.iter().any(|pattern| match pattern {
                NamePattern::Name(name) => name == facts.user,
                _ => true,
            })
            && self.address.matches(facts.address)
    }
}

/// Splits a line into whitespace-separated tokens; double quotes group, and `#` outside
/// quotes ends the line. Quotes stay in the token, so that the name-list columns can tell
/// `"all"` (a name) from `all` (the keyword) and `"a,b"` from `a,b` (see [`names`]).
fn tokenize(line: &str) -> Result<Vec<String>, String> {
    let mut tokens = Vec::new();
    let mut characters = line.chars().peekable();
    loop {
        while characters.peek().is_some_and(|c| c.is_whitespace()) {
            characters.next();
        }
        match characters.peek() {
            None | Some('#') => return Ok(tokens),
            Some(_) => {}
        }
        let mut token = String::new();
        let mut in_quotes = false;
        while let Some(&c) = characters.peek() {
            if !in_quotes && (c.is_whitespace() || c == '#') {
                break;
            }
            characters.next();
            if c == '"' {
                in_quotes = !in_quotes;
            }
            token.push(c);
        }
        if in_quotes {
            return Err("unterminated quoted string".to_owned());
        }
        tokens.push(token);
    }
}

fn parse_rule(tokens: &[String], line: &str) -> Result<HbaRule, String> {
    let word = |index: usize, what: &str| -> Result<&String, String> {
        tokens
            .get(index)
            .ok_or_else(|| format!("end-of-line before {what}"))
    };
    let connection_type = match word(0, "connection type")?.as_str() {
        "host" | "hostnogssenc" => ConnectionType::Host,
        "hostssl" => ConnectionType::HostSsl,
        "hostnossl" => ConnectionType::HostNoSsl,
        "local" | "hostgssenc" => ConnectionType::Never,
        other => return Err(format!("invalid connection type \"{other}\"")),
    };
    let databases = names(word(1, "database specification")?, true)?;
    let users = names(word(2, "role specification")?, false)?;
    // `local` lines have no ADDRESS column.
    let mut next = 3;
    let address = if tokens[0] == "local" {
        AddressPattern::All
    } else {
        let (address, used) = address(tokens, 3)?;
        next += used;
        address
    };
    let method = AuthMethod::parse(word(next, "authentication method")?)?;
    if let Some(option) = tokens.get(next + 1) {
        return Err(format!(
            "authentication option \"{option}\" is not supported by db001"
        ));
    }
    Ok(HbaRule {
        connection_type,
        databases,
        users,
        address,
        method,
        line: line.to_owned(),
    })
}

/// A DATABASE or USER column: comma-separated names or keywords.
fn names(text: &str, database: bool) -> Result<Vec<NamePattern>, String> {
    let mut patterns = Vec::new();
    for item in split_commas(text) {
        let (name, quoted) = unquote(&item);
        if name.is_empty() && !quoted {
            return Err(format!("empty name in \"{text}\""));
        }
        let pattern = match (quoted, name.as_str()) {
            (false, "all") => NamePattern::All,
            (false, "sameuser") if database => NamePattern::SameUser,
            (false, "replication") if database => NamePattern::Replication,
            (false, "samerole" | "samegroup") if database => {
                return Err(format!("\"{name}\" is not supported by db001"));
            }
            (false, other) if other.starts_with('+') => {
                return Err(format!(
                    "group membership (\"{other}\") is not supported by db001"
                ));
            }
            (false, other) if other.starts_with('@') => {
                return Err(format!(
                    "file inclusion (\"{other}\") is not supported by db001"
                ));
            }
            _ => NamePattern::Name(name),
        };
        patterns.push(pattern);
    }
    Ok(patterns)
}

/// Splits on commas outside double quotes.
fn split_commas(text: &str) -> Vec<String> {
    let mut items = vec![String::new()];
    let mut in_quotes = false;
    for c in text.chars() {
        match c {
            '"' => {
                in_quotes = !in_quotes;
                items.last_mut().expect("never empty").push(c);
            }
            ',' if !in_quotes => items.push(String::new()),
            _ => items.last_mut().expect("never empty").push(c),
        }
    }
    items
}

/// Removes quoting: `"a""b"` → `a"b`; reports whether there were quotes.
fn unquote(item: &str) -> (String, bool) {
    if !item.contains('"') {
        return (item.to_owned(), false);
    }
    let mut name = String::new();
    let mut characters = item.chars().peekable();
    let mut in_quotes = false;
    while let Some(c) = characters.next() {
        if c == '"' {
            if in_quotes && characters.peek() == Some(&'"') {
                characters.next();
                name.push('"');
            } else {
                in_quotes = !in_quotes;
            }
        } else {
            name.push(c);
        }
    }
    (name, true)
}

/// The ADDRESS column at `tokens[at]`, with an optional separate mask after it; returns the
/// pattern and how many tokens it used.
fn address(tokens: &[String], at: usize) -> Result<(AddressPattern, usize), String> {
    let text = tokens
        .get(at)
        .ok_or_else(|| "end-of-line before IP address specification".to_owned())?;
    match text.as_str() {
        "all" => return Ok((AddressPattern::All, 1)),
        "samehost" | "samenet" => {
            return Err(format!("\"{text}\" is not supported by db001"));
        }
        _ => {}
    }
    if let Some((address, bits)) = text.split_once('/') {
        let address: IpAddr = address
            .parse()
            .map_err(|_| format!("invalid IP address \"{address}\""))?;
        let bits: u32 = bits
            .parse()
            .map_err(|_| format!("invalid CIDR mask in address \"{text}\""))?;
        return Ok((network(address, bits, text)?, 1));
    }
    let address: IpAddr = text.parse().map_err(|_| {
        format!("invalid IP address \"{text}\" (host names are not supported by db001)")
    })?;
    let mask_text = tokens
        .get(at + 1)
        .ok_or_else(|| "end-of-line before netmask specification".to_owned())?;
    let mask: IpAddr = mask_text
        .parse()
        .map_err(|_| format!("invalid IP mask \"{mask_text}\""))?;
    let pattern = match (address, mask) {
        (IpAddr::V4(address), IpAddr::V4(mask)) => {
            let bits = contiguous_bits(u128::from(u32::from(mask)) << 96, mask_text)?;
            network(IpAddr::V4(address), bits, text)?
        }
        (IpAddr::V6(address), IpAddr::V6(mask)) => {
            let bits = contiguous_bits(u128::from(mask), mask_text)?;
            network(IpAddr::V6(address), bits, text)?
        }
        _ => return Err("IP address and mask do not match".to_owned()),
    };
    Ok((pattern, 2))
}

/// The length of a netmask, which must be ones followed by zeros.
fn contiguous_bits(mask: u128, text: &str) -> Result<u32, String> {
    let bits = mask.leading_ones();
    if mask.checked_shl(bits).unwrap_or(0) != 0 {
        return Err(format!("invalid IP mask \"{text}\""));
    }
    Ok(bits)
}

/// The network `address/bits`. Host bits set in the address are masked off, as PostgreSQL
/// does (`192.168.1.5/24` is `192.168.1.0/24`).
fn network(address: IpAddr, bits: u32, text: &str) -> Result<AddressPattern, String> {
    let invalid = || format!("invalid CIDR mask in address \"{text}\"");
    match address {
        IpAddr::V4(v4) => {
            let shift = 32u32.checked_sub(bits).ok_or_else(invalid)?;
            let mask = u32::MAX.checked_shl(shift).unwrap_or(0);
            Ok(AddressPattern::V4 {
                network: u32::from(v4) & mask,
                mask,
            })
        }
        IpAddr::V6(v6) => {
            let shift = 128u32.checked_sub(bits).ok_or_else(invalid)?;
            let mask = u128::MAX.checked_shl(shift).unwrap_or(0);
            Ok(AddressPattern::V6 {
                network: u128::from(v6) & mask,
                mask,
            })
        }
    }
}

#[cfg(test)]
#[path = "hba_tests.rs"]
mod tests;
