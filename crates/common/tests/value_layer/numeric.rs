//! `Numeric`: parsing, output, scale rules, rounding, typmods and exactness.

use db001_common::{Numeric, NumericTypmod};
use num_bigint::BigInt;
use proptest::prelude::*;

fn n(text: &str) -> Numeric {
    Numeric::parse(text).expect("a valid numeric literal")
}

fn typmod(precision: u16, scale: u16) -> NumericTypmod {
    NumericTypmod { precision, scale }
}

#[test]
fn output_keeps_the_display_scale() {
    assert_eq!(n("1.50").to_string(), "1.50");
    assert_eq!(n("-0.00").to_string(), "0.00");
    assert_eq!(
        n("0.0000000000000000000000000001").to_string(),
        "0.0000000000000000000000000001"
    );
    assert_eq!(n("-12.3400").to_string(), "-12.3400");
    assert_eq!(n("1e3").to_string(), "1000");
    assert_eq!(
        Numeric::from_i64(i64::MIN).to_string(),
        "-9223372036854775808"
    );
    assert_eq!(
        n("79228162514264337593543950335").to_string(),
        "79228162514264337593543950335"
    );
}

#[test]
fn parse_errors_carry_postgres_messages() {
    let error = Numeric::parse(" 1x ").expect_err("garbage");
    assert_eq!(error.code().code(), "22P02");
    assert_eq!(
        error.message(),
        "invalid input syntax for type numeric: \" 1x \""
    );
    let error = Numeric::parse("NaN").expect_err("NaN");
    assert_eq!(error.code().code(), "0A000");
    assert!(
        error.message().contains("NaN"),
        "says NaN is the problem: {}",
        error.message()
    );
    let error = Numeric::parse("1e40").expect_err("too large");
    assert_eq!(error.code().code(), "22003");
    assert_eq!(error.message(), "value overflows numeric format");
}

#[test]
fn typmod_overflow_has_postgres_detail() {
    let cases = [
        (
            "12345.678",
            typmod(5, 2),
            "A field with precision 5, scale 2 must round to an absolute value less than 10^3.",
        ),
        (
            "0.95",
            typmod(1, 1),
            "A field with precision 1, scale 1 must round to an absolute value less than 1.",
        ),
        (
            "9.5",
            typmod(1, 0),
            "A field with precision 1, scale 0 must round to an absolute value less than 10^1.",
        ),
        (
            "12",
            typmod(3, 5),
            "A field with precision 3, scale 5 must round to an absolute value less than 10^-2.",
        ),
    ];
    for (input, typmod, detail) in cases {
        let error = n(input).apply_typmod(typmod).expect_err(input);
        assert_eq!(error.code().code(), "22003");
        assert_eq!(error.message(), "numeric field overflow");
        assert_eq!(error.detail(), Some(detail));
    }
    assert_eq!(
        n("0.001")
            .apply_typmod(typmod(3, 5))
            .expect("fits")
            .to_string(),
        "0.00100"
    );
    assert_eq!(
        n("-999.994")
            .apply_typmod(typmod(5, 2))
            .expect("fits")
            .to_string(),
        "-999.99"
    );
    assert_eq!(
        n("0")
            .apply_typmod(typmod(1, 1))
            .expect("zero fits")
            .to_string(),
        "0.0"
    );
}

#[test]
fn rounding_is_half_away_from_zero() {
    assert_eq!(n("2.5").to_i64().expect("fits"), 3);
    assert_eq!(n("-2.5").to_i64().expect("fits"), -3);
    assert_eq!(n("2.4999").to_i64().expect("fits"), 2);
    assert_eq!(n("1.005").round_to_scale(2).to_string(), "1.01");
    assert_eq!(n("-1.005").round_to_scale(2).to_string(), "-1.01");
    assert_eq!(n("1234.5").round_to_scale(-2).to_string(), "1200");
    assert_eq!(n("1250").round_to_scale(-2).to_string(), "1300");
    assert_eq!(n("1.5").round_to_scale(3).to_string(), "1.500");
    assert_eq!(n("1.999").trunc_to_scale(2).to_string(), "1.99");
    assert_eq!(n("-1.999").trunc_to_scale(0).to_string(), "-1");
    assert_eq!(n("1999").trunc_to_scale(-3).to_string(), "1000");
    assert_eq!(n("0.4").round_to_scale(-5).to_string(), "0");
    let error = n("1")
        .checked_round_to_scale(29)
        .expect_err("scale above 28");
    assert_eq!(error.code().code(), "22003");
    let error = n("9223372036854775807.5")
        .to_i64()
        .expect_err("rounds past i64");
    assert_eq!(error.message(), "bigint out of range");
}

#[test]
fn arithmetic_scales_follow_postgres() {
    assert_eq!(
        n("1.5").checked_add(&n("2.25")).expect("ok").to_string(),
        "3.75"
    );
    assert_eq!(
        n("1.50").checked_sub(&n("1.5")).expect("ok").to_string(),
        "0.00"
    );
    assert_eq!(
        n("1.50").checked_mul(&n("3")).expect("ok").to_string(),
        "4.50"
    );
    assert_eq!(
        n("0.10").checked_mul(&n("0.10")).expect("ok").to_string(),
        "0.0100"
    );
    // avg(int) is sum::numeric / count::numeric.
    assert_eq!(
        n("7").checked_div(&n("3")).expect("ok").to_string(),
        "2.3333333333333333"
    );
    assert_eq!(
        n("7.5").checked_div(&n("3")).expect("ok").to_string(),
        "2.5000000000000000"
    );
    assert_eq!(
        n("-1").checked_div(&n("3")).expect("ok").to_string(),
        "-0.33333333333333333333"
    );
    assert_eq!(
        n("2").checked_div(&n("3")).expect("ok").to_string(),
        "0.66666666666666666667"
    );
    assert_eq!(n("-7").checked_rem(&n("3")).expect("ok").to_string(), "-1");
    assert_eq!(
        n("7").checked_div_trunc(&n("-2")).expect("ok").to_string(),
        "-3"
    );
    assert_eq!(
        n("5").checked_div(&n("0")).expect_err("zero").code().code(),
        "22012"
    );
    assert_eq!(
        n("5")
            .checked_rem(&n("0.0"))
            .expect_err("zero")
            .code()
            .code(),
        "22012"
    );
    assert_eq!(n("-0.5").neg().to_string(), "0.5");
    assert_eq!(n("0.00").neg().to_string(), "0.00");
    assert_eq!(n("-3.10").abs().to_string(), "3.10");
    assert!(n("0.000").is_zero());
    assert_eq!(n("12.340").scale(), 3);
}

#[test]
fn float_conversions() {
    assert_eq!(Numeric::from_f64(0.1).expect("finite").to_string(), "0.1");
    assert_eq!(
        Numeric::from_f64(1.0 / 3.0).expect("finite").to_string(),
        "0.333333333333333"
    );
    assert_eq!(
        Numeric::from_f64(-1e20).expect("finite").to_string(),
        "-100000000000000000000"
    );
    assert_eq!(Numeric::from_f64(-0.0).expect("finite").to_string(), "0");
    assert_eq!(
        Numeric::from_f64(f64::NAN).expect_err("NaN").code().code(),
        "0A000"
    );
    assert_eq!(
        Numeric::from_f64(f64::INFINITY)
            .expect_err("inf")
            .code()
            .code(),
        "0A000"
    );
    assert_eq!(n("0.1").to_f64(), 0.1);
    assert_eq!(
        n("79228162514264337593543950335").to_f64(),
        7.922816251426434e28
    );
    assert_eq!(n("0.5").exact_f64(), Some(0.5));
    assert_eq!(n("0.1").exact_f64(), None);
    assert_eq!(n("100000000000000000000").exact_f64(), Some(1e20));
    assert_eq!(n("9007199254740993").exact_f64(), None);
    assert_eq!(
        Numeric::from_f64_exact(0.1)
            .expect_err("55 places")
            .code()
            .code(),
        "22003"
    );
    assert_eq!(
        Numeric::from_f64_exact(2f64.powi(62))
            .expect("exact")
            .to_string(),
        "4611686018427387904"
    );
}

#[test]
fn base_10000_form_matches_numeric_send() {
    let form = |text: &str| {
        let (weight, negative, scale, digits) = n(text).to_base_10000();
        (weight, negative, scale, digits)
    };
    assert_eq!(form("0"), (0, false, 0, vec![]));
    assert_eq!(form("0.00"), (0, false, 2, vec![]));
    assert_eq!(form("-1.5"), (0, true, 1, vec![1, 5000]));
    assert_eq!(form("12345678.9"), (1, false, 1, vec![1234, 5678, 9000]));
    assert_eq!(form("0.00001"), (-2, false, 5, vec![1000]));
    assert_eq!(form("100000000"), (2, false, 0, vec![1]));
}

fn reference(value: &Numeric) -> (BigInt, u32) {
    (BigInt::from(value.mantissa()), value.scale())
}

fn arbitrary_numeric() -> impl Strategy<Value = Numeric> {
    (any::<i64>(), 0u32..=12).prop_map(|(mantissa, scale)| {
        Numeric::from_parts(i128::from(mantissa), scale).expect("i64 mantissas fit")
    })
}

proptest! {
    #[test]
    fn add_sub_mul_are_exact(a in arbitrary_numeric(), b in arbitrary_numeric()) {
        let ((ma, sa), (mb, sb)) = (reference(&a), reference(&b));
        let scale = sa.max(sb);
        let align = |m: &BigInt, s: u32| m * BigInt::from(10).pow(scale - s);
        let exact_sum = align(&ma, sa) + align(&mb, sb);
        match a.checked_add(&b) {
            Ok(sum) => prop_assert_eq!(reference(&sum), (exact_sum, scale)),
            Err(_) => prop_assert!(exact_sum.magnitude().bits() > 96),
        }
        let exact_difference = align(&ma, sa) - align(&mb, sb);
        match a.checked_sub(&b) {
            Ok(difference) => prop_assert_eq!(reference(&difference), (exact_difference, scale)),
            Err(_) => prop_assert!(exact_difference.magnitude().bits() > 96),
        }
        if let Ok(product) = a.checked_mul(&b) {
            prop_assert_eq!(reference(&product), (&ma * &mb, sa + sb));
        } else {
            prop_assert!((&ma * &mb).magnitude().bits() > 96);
        }
    }

    #[test]
    fn division_is_correctly_rounded(a in arbitrary_numeric(), b in arbitrary_numeric()) {
        prop_assume!(!b.is_zero());
        let Ok(quotient) = a.checked_div(&b) else {
            // Only an honest overflow may fail.
            return Ok(());
        };
        let (mq, sq) = reference(&quotient);
        let ((ma, sa), (mb, sb)) = (reference(&a), reference(&b));
        // |q - a/b| <= 1/2 ulp  <=>  |2 (q·b − a)| <= |b| · 10^-sq, scaled to integers.
        let scale = sq + sa + sb;
        let qb = &mq * &mb * BigInt::from(10).pow(scale - sq - sb);
        let a_scaled = &ma * BigInt::from(10).pow(scale - sa);
        let error: BigInt = (qb - a_scaled) * BigInt::from(2);
        let ulp_b = mb.magnitude().clone() * num_bigint::BigUint::from(10u32).pow(scale - sq - sb);
        prop_assert!(error.magnitude() <= &ulp_b, "{} / {} = {}", a, b, quotient);
        prop_assert!(sq >= sa.max(sb));
    }

    #[test]
    fn parse_display_round_trip(value in arbitrary_numeric()) {
        let text = value.to_string();
        let parsed = Numeric::parse(&text).expect("our output parses");
        prop_assert_eq!(parsed.to_string(), text);
        prop_assert_eq!(parsed.scale(), value.scale());
    }

    #[test]
    fn base_10000_round_trip(value in arbitrary_numeric()) {
        let (weight, negative, scale, digits) = value.to_base_10000();
        let back = Numeric::from_base_10000(weight, negative, scale, &digits).expect("in range");
        prop_assert_eq!(back.to_string(), value.to_string());
    }
}
