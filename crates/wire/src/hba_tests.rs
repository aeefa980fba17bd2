use super::*;

fn rules(lines: &[&str]) -> Vec<HbaRule> {
    parse_rules(lines.iter().copied()).expect("valid rules")
}

fn facts<'a>(address: &str, tls: bool, user: &'a str, database: &'a str) -> ConnectionFacts<'a> {
    ConnectionFacts {
        address: address.parse().expect("an IP address"),
        tls,
        user,
        database,
    }
}

/// The method chosen for a connection, `None` when no rule matches.
fn method(rules: &[HbaRule], facts: &ConnectionFacts<'_>) -> Option<AuthMethod> {
    find(rules, facts).map(|rule| rule.method)
}

#[test]
fn defaults_trust_loopback_and_ask_everyone_else_for_scram() {
    let rules = default_rules();
    for loopback in ["127.0.0.1", "::1", "::ffff:127.0.0.1"] {
        assert_eq!(
            method(&rules, &facts(loopback, false, "u", "d")),
            Some(AuthMethod::Trust),
            "{loopback}"
        );
    }
    for remote in ["127.0.0.2", "10.1.2.3", "2001:db8::1", "::2"] {
        assert_eq!(
            method(&rules, &facts(remote, false, "u", "d")),
            Some(AuthMethod::ScramSha256),
            "{remote}"
        );
    }
}

#[test]
fn first_matching_rule_wins() {
    let rules = rules(&[
        "host all alice 127.0.0.1/32 reject",
        "host all all 127.0.0.1/32 md5",
        "host all alice 127.0.0.1/32 trust",
    ]);
    assert_eq!(
        method(&rules, &facts("127.0.0.1", false, "alice", "d")),
        Some(AuthMethod::Reject)
    );
    assert_eq!(
        method(&rules, &facts("127.0.0.1", false, "bob", "d")),
        Some(AuthMethod::Md5)
    );
    assert_eq!(method(&rules, &facts("10.0.0.1", false, "bob", "d")), None);
}

#[test]
fn cidr_edges() {
    let rules = rules(&[
        "host all all 192.168.1.0/24 trust",
        "host all all 10.0.0.0/8 md5",
        "host all all 2001:db8::/32 password",
        "host all all 172.16.0.7/32 reject",
    ]);
    let check = |address: &str, expected: Option<AuthMethod>| {
        assert_eq!(
            method(&rules, &facts(address, false, "u", "d")),
            expected,
            "{address}"
        );
    };
    check("192.168.1.0", Some(AuthMethod::Trust));
    check("192.168.1.255", Some(AuthMethod::Trust));
    check("192.168.2.0", None);
    check("192.168.0.255", None);
    check("10.255.255.255", Some(AuthMethod::Md5));
    check("11.0.0.0", None);
    check("2001:db8:ffff::1", Some(AuthMethod::Password));
    check("2001:db9::1", None);
    check("172.16.0.7", Some(AuthMethod::Reject));
    check("172.16.0.8", None);
    // An IPv4 client seen through an IPv6 socket matches IPv4 rules, never IPv6 ones.
    check("::ffff:10.9.8.7", Some(AuthMethod::Md5));
    // An IPv4 rule never matches a real IPv6 address and the reverse.
    check("::a00:1", None);
}

#[test]
fn zero_length_masks_match_every_address_of_their_family() {
    let rules = rules(&["host all all 0.0.0.0/0 md5", "host all all ::/0 trust"]);
    assert_eq!(
        method(&rules, &facts("255.255.255.255", false, "u", "d")),
        Some(AuthMethod::Md5)
    );
    assert_eq!(
        method(&rules, &facts("ffff::1", false, "u", "d")),
        Some(AuthMethod::Trust)
    );
}

#[test]
fn host_bits_past_the_mask_are_ignored_as_in_postgres() {
    let rules = rules(&["host all all 192.168.1.77/24 trust"]);
    assert_eq!(
        method(&rules, &facts("192.168.1.3", false, "u", "d")),
        Some(AuthMethod::Trust)
    );
}

#[test]
fn separate_mask_column() {
    let rules = rules(&[
        "host all all 10.1.0.0 255.255.0.0 md5",
        "host all all ::1 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff trust",
    ]);
    assert_eq!(
        method(&rules, &facts("10.1.200.3", false, "u", "d")),
        Some(AuthMethod::Md5)
    );
    assert_eq!(method(&rules, &facts("10.2.0.1", false, "u", "d")), None);
    assert_eq!(
        method(&rules, &facts("::1", false, "u", "d")),
        Some(AuthMethod::Trust)
    );
}

#[test]
fn connection_types_follow_tls() {
    let rules = rules(&[
        "hostssl all all all scram-sha-256",
        "hostnossl all all all reject",
        "local all all trust",
        "hostgssenc all all all trust",
    ]);
    assert_eq!(
        method(&rules, &facts("10.0.0.1", true, "u", "d")),
        Some(AuthMethod::ScramSha256)
    );
    assert_eq!(
        method(&rules, &facts("10.0.0.1", false, "u", "d")),
        Some(AuthMethod::Reject)
    );
    let only_never =
        parse_rules(["local all all trust", "hostgssenc all all all trust"]).expect("valid");
    assert_eq!(
        method(&only_never, &facts("127.0.0.1", false, "u", "d")),
        None
    );
}

#[test]
fn database_and_user_lists_and_keywords() {
    let rules = rules(&[
        "host shop,stock alice,bob all md5",
        "host sameuser all all password",
        "host replication all all reject",
        "host all \"all\" all scram-sha-256",
        "host all \"a,b\" all reject",
    ]);
    assert_eq!(
        method(&rules, &facts("10.0.0.1", false, "bob", "stock")),
        Some(AuthMethod::Md5)
    );
    assert_eq!(
        method(&rules, &facts("10.0.0.1", false, "carol", "carol")),
        Some(AuthMethod::Password)
    );
    // `replication` matches no ordinary database, and a quoted "all" is just a name.
    assert_eq!(
        method(&rules, &facts("10.0.0.1", false, "carol", "replication")),
        None
    );
    assert_eq!(
        method(&rules, &facts("10.0.0.1", false, "all", "x")),
        Some(AuthMethod::ScramSha256)
    );
    assert_eq!(
        method(&rules, &facts("10.0.0.1", false, "a,b", "x")),
        Some(AuthMethod::Reject)
    );
    assert_eq!(method(&rules, &facts("10.0.0.1", false, "a", "x")), None);
}

#[test]
fn comments_and_blank_lines_are_skipped_and_multi_line_items_count_lines() {
    let parsed = parse_rules([
        "# a comment",
        "",
        "host all all 127.0.0.1/32 trust   # trailing comment",
        "host all all ::1/128 md5\nhost all all 0.0.0.0/0 reject",
    ])
    .expect("valid");
    assert_eq!(parsed.len(), 3);
    assert_eq!(
        parsed[0].line,
        "host all all 127.0.0.1/32 trust   # trailing comment"
    );
    let error = parse_rules([
        "# one",
        "host all all ::1/128 md5\nhost all all nonsense trust",
    ])
    .expect_err("bad address");
    assert_eq!(error.line_number, 3);
}

#[test]
fn bad_lines_name_the_line_and_the_problem() {
    let cases = [
        ("hots all all all trust", "invalid connection type \"hots\""),
        (
            "host all all",
            "end-of-line before IP address specification",
        ),
        (
            "host all all all",
            "end-of-line before authentication method",
        ),
        ("host all all 10.0.0.0/33 trust", "invalid CIDR mask"),
        ("host all all ::/129 trust", "invalid CIDR mask"),
        ("host all all 10.0.0.0/x trust", "invalid CIDR mask"),
        ("host all all 300.1.1.1/32 trust", "invalid IP address"),
        (
            "host all all example.com trust",
            "host names are not supported",
        ),
        ("host all all 10.0.0.0 255.0.255.0 trust", "invalid IP mask"),
        (
            "host all all 10.0.0.0 ffff:: trust",
            "IP address and mask do not match",
        ),
        ("host all all 10.0.0.0", "end-of-line before netmask"),
        (
            "host all all all md6",
            "invalid authentication method \"md6\"",
        ),
        ("host all all all ldap", "not supported by db001"),
        (
            "host all all all md5 clientcert=verify-ca",
            "authentication option",
        ),
        ("host all +admins all md5", "group membership"),
        ("host all all samenet md5", "not supported"),
        (
            "host all \"unterminated all all md5",
            "unterminated quoted string",
        ),
        ("host , all all md5", "empty name"),
    ];
    for (line, expected) in cases {
        let error = parse_rules([line]).expect_err(line);
        assert_eq!(error.line_number, 1);
        assert_eq!(error.line, line);
        assert!(
            error.message.contains(expected),
            "{line}: {} should contain {expected}",
            error.message
        );
        assert!(error.to_string().contains(line), "{error}");
    }
}
