//! The random-data rules of TPC-C 5.11: NURand and its C constants (§2.1.6), a-strings and
//! n-strings (§4.3.2.2), customer last names (§4.3.2.3), zip codes (§4.3.2.7) and the "ORIGINAL"
//! marker (§4.3.3.1).
//!
//! Every generator appends to a caller-owned `String` so the load and the terminals reuse their
//! buffers instead of allocating per row or per transaction.

use crate::rng::Rng;

/// The characters of an a-string: the spec asks for at least 26 lower-case letters, 26
/// upper-case letters and the 10 digits.
pub const ALPHANUMERIC: &[u8; 62] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// The ten syllables whose concatenation by decimal digit forms a last name (§4.3.2.3).
pub const SYLLABLES: [&str; 10] = [
    "BAR", "OUGHT", "ABLE", "PRI", "PRES", "ESE", "ANTI", "CALLY", "ATION", "EING",
];

/// `A` for customer last names in NURand.
pub const NURAND_A_LAST_NAME: i32 = 255;
/// `A` for customer ids in NURand.
pub const NURAND_A_CUSTOMER_ID: i32 = 1023;
/// `A` for item ids in NURand.
pub const NURAND_A_ITEM_ID: i32 = 8191;

/// Appends a random a-string of length `low..=high`.
pub fn append_a_string(rng: &mut Rng, low: usize, high: usize, out: &mut String) {
    let length = rng.between(low as i64, high as i64) as usize;
    out.reserve(length);
    for _ in 0..length {
        let index = rng.below(ALPHANUMERIC.len() as u64) as usize;
        out.push(char::from(ALPHANUMERIC[index]));
    }
}

/// Appends a random n-string (digits only) of length `low..=high`.
pub fn append_n_string(rng: &mut Rng, low: usize, high: usize, out: &mut String) {
    let length = rng.between(low as i64, high as i64) as usize;
    out.reserve(length);
    for _ in 0..length {
        out.push(char::from(b'0' + rng.below(10) as u8));
    }
}

/// Appends an a-string of length `low..=high` that, with probability 1/10, holds "ORIGINAL"
/// at a random position (the I_DATA and S_DATA rule of §4.3.3.1).
pub fn append_data_with_original(rng: &mut Rng, low: usize, high: usize, out: &mut String) {
    let start = out.len();
    append_a_string(rng, low, high, out);
    if rng.below(10) == 0 {
        let length = out.len() - start;
        let position = start + rng.below((length - ORIGINAL.len() + 1) as u64) as usize;
        out.replace_range(position..position + ORIGINAL.len(), ORIGINAL);
    }
}

/// The marker that makes an item or stock row "original" (brand-generic in New-Order).
pub const ORIGINAL: &str = "ORIGINAL";

/// Appends the last name for `number` in `0..=999`: the syllables of its three digits.
pub fn append_last_name(number: u32, out: &mut String) {
    assert!(number <= 999, "last-name number {number} outside 0..=999");
    out.push_str(SYLLABLES[(number / 100) as usize]);
    out.push_str(SYLLABLES[(number / 10 % 10) as usize]);
    out.push_str(SYLLABLES[(number % 10) as usize]);
}

/// Appends a zip code: four random digits followed by "11111" (§4.3.2.7).
pub fn append_zip(rng: &mut Rng, out: &mut String) {
    append_n_string(rng, 4, 4, out);
    out.push_str("11111");
}

/// NURand(A, x, y) = (((random(0, A) | random(x, y)) + C) % (y - x + 1)) + x (§2.1.6).
pub fn nurand(rng: &mut Rng, a: i32, c: i32, x: i32, y: i32) -> i32 {
    let left = rng.between_i32(0, a);
    let right = rng.between_i32(x, y);
    (((left | right) + c) % (y - x + 1)) + x
}

/// The run-time constants C of NURand for the three values of A.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NurandConstants {
    /// C for customer last names (A = 255).
    pub last_name: i32,
    /// C for customer ids (A = 1023).
    pub customer_id: i32,
    /// C for item ids (A = 8191).
    pub item_id: i32,
}

impl NurandConstants {
    /// Constants for the initial population: each C uniform in `0..=A`.
    pub fn random_for_load(rng: &mut Rng) -> Self {
        Self {
            last_name: rng.between_i32(0, NURAND_A_LAST_NAME),
            customer_id: rng.between_i32(0, NURAND_A_CUSTOMER_ID),
            item_id: rng.between_i32(0, NURAND_A_ITEM_ID),
        }
    }

    /// Constants for a measurement run against a database loaded with `load`.
    ///
    /// §2.1.6.1: C for C_ID and OL_I_ID may be reused; C_RUN for C_LAST must differ from C_LOAD
    /// by a delta in 65..=119 other than 96 and 112. Candidates are drawn until one fits; at
    /// most a few hundred draws are ever needed because about a fifth of 0..=255 qualifies.
    pub fn for_run(load: &NurandConstants, rng: &mut Rng) -> Self {
        let mut last_name = rng.between_i32(0, NURAND_A_LAST_NAME);
        for _ in 0..10_000 {
            if run_last_name_constant_is_valid(load.last_name, last_name) {
                break;
            }
            last_name = rng.between_i32(0, NURAND_A_LAST_NAME);
        }
        assert!(
            run_last_name_constant_is_valid(load.last_name, last_name),
            "every C_LOAD in 0..=255 has valid C_RUN values, so the bounded search finds one"
        );
        Self {
            last_name,
            customer_id: load.customer_id,
            item_id: load.item_id,
        }
    }
}

/// The C-delta rule of §2.1.6.1 for the last-name constant.
pub fn run_last_name_constant_is_valid(load: i32, run: i32) -> bool {
    let delta = (run - load).abs();
    (65..=119).contains(&delta) && delta != 96 && delta != 112
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nurand_stays_in_range_for_every_a() {
        let mut rng = Rng::seeded(1);
        let constants = NurandConstants::random_for_load(&mut rng);
        for _ in 0..20_000 {
            let last = nurand(&mut rng, NURAND_A_LAST_NAME, constants.last_name, 0, 999);
            assert!((0..=999).contains(&last));
            let customer = nurand(
                &mut rng,
                NURAND_A_CUSTOMER_ID,
                constants.customer_id,
                1,
                3000,
            );
            assert!((1..=3000).contains(&customer));
            let item = nurand(&mut rng, NURAND_A_ITEM_ID, constants.item_id, 1, 100_000);
            assert!((1..=100_000).contains(&item));
        }
    }

    #[test]
    fn nurand_is_non_uniform() {
        // With A = 255 over 0..=999 the OR of two draws skews mass towards values with many set
        // bits; the most frequent value must be well above the uniform expectation.
        let mut rng = Rng::seeded(2);
        let mut counts = vec![0u32; 1000];
        for _ in 0..200_000 {
            counts[nurand(&mut rng, NURAND_A_LAST_NAME, 0, 0, 999) as usize] += 1;
        }
        let most = counts.iter().copied().max().expect("1000 buckets");
        assert!(
            most > 600,
            "most frequent value drawn {most} times, uniform would give ~200"
        );
    }

    #[test]
    fn nurand_constants_for_load_are_within_a() {
        let mut rng = Rng::seeded(3);
        for _ in 0..1000 {
            let constants = NurandConstants::random_for_load(&mut rng);
            assert!((0..=255).contains(&constants.last_name));
            assert!((0..=1023).contains(&constants.customer_id));
            assert!((0..=8191).contains(&constants.item_id));
        }
    }

    #[test]
    fn run_constants_obey_the_delta_rule_for_every_load_constant() {
        let mut rng = Rng::seeded(4);
        for load_last_name in 0..=255 {
            let load = NurandConstants {
                last_name: load_last_name,
                customer_id: 17,
                item_id: 4000,
            };
            let run = NurandConstants::for_run(&load, &mut rng);
            let delta = (run.last_name - load.last_name).abs();
            assert!((65..=119).contains(&delta), "delta {delta}");
            assert!(delta != 96 && delta != 112, "delta {delta}");
            assert!((0..=255).contains(&run.last_name));
            assert_eq!(run.customer_id, 17);
            assert_eq!(run.item_id, 4000);
        }
    }

    #[test]
    fn delta_rule_rejects_the_forbidden_values() {
        assert!(!run_last_name_constant_is_valid(0, 64));
        assert!(run_last_name_constant_is_valid(0, 65));
        assert!(run_last_name_constant_is_valid(200, 81));
        assert!(!run_last_name_constant_is_valid(0, 96));
        assert!(!run_last_name_constant_is_valid(112, 0));
        assert!(run_last_name_constant_is_valid(0, 119));
        assert!(!run_last_name_constant_is_valid(0, 120));
    }

    #[test]
    fn a_strings_have_the_requested_length_and_alphabet() {
        let mut rng = Rng::seeded(5);
        let mut lengths = std::collections::BTreeSet::new();
        for _ in 0..2000 {
            let mut text = String::new();
            append_a_string(&mut rng, 8, 16, &mut text);
            assert!((8..=16).contains(&text.len()));
            assert!(text.bytes().all(|byte| byte.is_ascii_alphanumeric()));
            lengths.insert(text.len());
        }
        assert_eq!(lengths.len(), 9, "every length in 8..=16 occurs");
    }

    #[test]
    fn n_strings_are_digits() {
        let mut rng = Rng::seeded(6);
        let mut text = String::from("x");
        append_n_string(&mut rng, 16, 16, &mut text);
        assert_eq!(text.len(), 17);
        assert!(text[1..].bytes().all(|byte| byte.is_ascii_digit()));
        let mut zip = String::new();
        append_zip(&mut rng, &mut zip);
        assert_eq!(zip.len(), 9);
        assert!(zip.ends_with("11111"));
        assert!(zip.bytes().all(|byte| byte.is_ascii_digit()));
    }

    #[test]
    fn last_names_follow_the_syllable_table() {
        let mut name = String::new();
        append_last_name(371, &mut name);
        assert_eq!(name, "PRICALLYOUGHT");
        name.clear();
        append_last_name(0, &mut name);
        assert_eq!(name, "BARBARBAR");
        name.clear();
        append_last_name(999, &mut name);
        assert_eq!(name, "EINGEINGEING");
    }

    #[test]
    fn about_ten_percent_of_data_strings_are_original() {
        let mut rng = Rng::seeded(8);
        let mut original = 0;
        for _ in 0..10_000 {
            let mut text = String::new();
            append_data_with_original(&mut rng, 26, 50, &mut text);
            assert!((26..=50).contains(&text.len()));
            if text.contains(ORIGINAL) {
                original += 1;
            }
        }
        assert!(
            (850..1150).contains(&original),
            "{original} of 10000 hold ORIGINAL"
        );
    }
}
