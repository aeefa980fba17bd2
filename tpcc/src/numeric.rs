//! An exact fixed-point decimal with four fractional digits, exchanged with the server as
//! PostgreSQL's binary `numeric`.
//!
//! Why: TPC-C keeps money and rates in `numeric(p, s)` columns, and consistency condition 1
//! (W_YTD = sum of D_YTD) only holds if nothing on the way rounds. tokio-postgres has no
//! `numeric` mapping of its own, and passing money as `double precision` would both change the
//! SQL the server sees (a float parameter added to a numeric column) and lose exactness. Every
//! TPC-C numeric has at most four fractional digits, and four decimal digits are exactly one
//! base-10000 digit of the wire format, which keeps the codec short.
//!
//! Wire format (PostgreSQL `numeric_send`): i16 digit count, i16 weight (power of 10000 of the
//! first digit), u16 sign (0x0000 positive, 0x4000 negative, 0xC000 NaN, 0xD000/0xF000
//! infinities), u16 display scale, then the base-10000 digits, most significant first.

use std::error::Error as StdError;
use std::fmt;

use bytes::{BufMut, BytesMut};
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

/// A decimal number in units of 1/10000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Decimal4(pub i64);

const UNITS_PER_ONE: i64 = 10_000;
const SIGN_POSITIVE: u16 = 0x0000;
const SIGN_NEGATIVE: u16 = 0x4000;

impl Decimal4 {
    /// Zero.
    pub const ZERO: Decimal4 = Decimal4(0);

    /// An amount given in hundredths (cents).
    pub const fn from_cents(cents: i64) -> Self {
        Decimal4(cents * 100)
    }

    /// A whole number.
    pub const fn from_integer(value: i64) -> Self {
        Decimal4(value * UNITS_PER_ONE)
    }

    /// The value as a float, for display only.
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / UNITS_PER_ONE as f64
    }

    /// Multiplies by a whole number.
    pub fn times(self, factor: i64) -> Self {
        Decimal4(self.0 * factor)
    }
}

impl std::ops::Add for Decimal4 {
    type Output = Decimal4;
    fn add(self, other: Decimal4) -> Decimal4 {
        Decimal4(self.0 + other.0)
    }
}

impl std::ops::AddAssign for Decimal4 {
    fn add_assign(&mut self, other: Decimal4) {
        self.0 += other.0;
    }
}

impl fmt::Display for Decimal4 {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let units = UNITS_PER_ONE as u64;
        write!(
            formatter,
            "{sign}{}.{:04}",
            magnitude / units,
            magnitude % units
        )
    }
}

impl ToSql for Decimal4 {
    fn to_sql(
        &self,
        _type: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        let magnitude = self.0.unsigned_abs();
        let units = UNITS_PER_ONE as u64;
        let mut integer = magnitude / units;
        let fraction = (magnitude % units) as i16;
        // An i64 divided by 10^4 has at most four base-10000 digits; one more for the fraction.
        let mut digits = [0i16; 6];
        let mut count = 0;
        while integer > 0 {
            digits[count] = (integer % units) as i16;
            integer /= units;
            count += 1;
        }
        digits[..count].reverse();
        // The first digit's power of 10000: -1 when there is no integer part.
        let weight = count as i16 - 1;
        digits[count] = fraction;
        count += 1;
        while count > 0 && digits[count - 1] == 0 {
            count -= 1;
        }
        let sign = if self.0 < 0 && count > 0 {
            SIGN_NEGATIVE
        } else {
            SIGN_POSITIVE
        };
        out.put_i16(count as i16);
        out.put_i16(if count == 0 { 0 } else { weight });
        out.put_u16(sign);
        out.put_u16(4);
        for digit in &digits[..count] {
            out.put_i16(*digit);
        }
        Ok(IsNull::No)
    }

    fn accepts(sql_type: &Type) -> bool {
        *sql_type == Type::NUMERIC
    }

    to_sql_checked!();
}

/// Why a `numeric` from the server did not fit a [`Decimal4`].
#[derive(Debug)]
struct NumericDecodeError(&'static str);

impl fmt::Display for NumericDecodeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "numeric value not representable: {}", self.0)
    }
}

impl StdError for NumericDecodeError {}

impl<'a> FromSql<'a> for Decimal4 {
    /// Digits beyond the fourth fractional place are truncated; TPC-C never produces them.
    fn from_sql(_type: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        let header = |index: usize| -> Result<u16, NumericDecodeError> {
            raw.get(index * 2..index * 2 + 2)
                .map(|bytes| u16::from_be_bytes([bytes[0], bytes[1]]))
                .ok_or(NumericDecodeError("truncated header"))
        };
        let count = header(0)? as i16;
        let weight = header(1)? as i16;
        let sign = header(2)?;
        if sign != SIGN_POSITIVE && sign != SIGN_NEGATIVE {
            return Err(Box::new(NumericDecodeError("NaN or infinity")));
        }
        if count < 0 || raw.len() != 8 + count as usize * 2 {
            return Err(Box::new(NumericDecodeError(
                "digit count does not match length",
            )));
        }
        let mut units: i64 = 0;
        for index in 0..count as usize {
            let digit = i64::from(header(4 + index)? as i16);
            if !(0..UNITS_PER_ONE).contains(&digit) {
                return Err(Box::new(NumericDecodeError("digit outside 0..10000")));
            }
            // The digit is worth 10000^(weight - index); in units of 1/10000 that is
            // 10000^(weight - index + 1).
            let exponent = i32::from(weight) - index as i32 + 1;
            if exponent < 0 {
                break;
            }
            let scaled = (0..exponent).try_fold(digit, |value, _| value.checked_mul(UNITS_PER_ONE));
            units = scaled
                .and_then(|scaled| units.checked_add(scaled))
                .ok_or(NumericDecodeError("magnitude beyond 64 bits"))?;
        }
        Ok(Decimal4(if sign == SIGN_NEGATIVE { -units } else { units }))
    }

    fn accepts(sql_type: &Type) -> bool {
        *sql_type == Type::NUMERIC
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(value: Decimal4) -> Vec<u8> {
        let mut out = BytesMut::new();
        value
            .to_sql(&Type::NUMERIC, &mut out)
            .expect("encoding never fails");
        out.to_vec()
    }

    fn words(raw: &[u8]) -> Vec<i16> {
        raw.chunks(2)
            .map(|pair| i16::from_be_bytes([pair[0], pair[1]]))
            .collect()
    }

    #[test]
    fn encodes_like_postgresql() {
        // 300000.00 = 30 * 10000^1 -> digits [30], weight 1.
        assert_eq!(
            words(&encode(Decimal4::from_cents(30_000_000))),
            vec![1, 1, 0, 4, 30]
        );
        // 12.34 -> digits [12, 3400], weight 0.
        assert_eq!(
            words(&encode(Decimal4(123_400))),
            vec![2, 0, 0, 4, 12, 3400]
        );
        // -0.1234 -> digits [1234], weight -1, negative.
        assert_eq!(
            words(&encode(Decimal4(-1234))),
            vec![1, -1, 0x4000, 4, 1234]
        );
        assert_eq!(words(&encode(Decimal4::ZERO)), vec![0, 0, 0, 4]);
        // 10000.5 -> digits [1, 0, 5000], weight 1.
        assert_eq!(
            words(&encode(Decimal4(100_005_000))),
            vec![3, 1, 0, 4, 1, 0, 5000]
        );
    }

    #[test]
    fn round_trips() {
        for units in [
            0,
            1,
            -1,
            9999,
            10_000,
            123_456_789,
            -98_765_432_100,
            i64::MAX / 2,
        ] {
            let value = Decimal4(units);
            let decoded = Decimal4::from_sql(&Type::NUMERIC, &encode(value)).expect("valid");
            assert_eq!(decoded, value);
        }
    }

    #[test]
    fn decodes_extra_fraction_digits_by_truncation() {
        // 1.23456789 with dscale 8: digits [1, 2345, 6789], weight 0.
        let raw: Vec<u8> = [3i16, 0, 0, 8, 1, 2345, 6789]
            .iter()
            .flat_map(|word| word.to_be_bytes())
            .collect();
        assert_eq!(
            Decimal4::from_sql(&Type::NUMERIC, &raw).expect("valid"),
            Decimal4(12_345)
        );
    }

    #[test]
    fn rejects_nan_and_garbage() {
        let nan: Vec<u8> = [0i16, 0, 0xC000u16 as i16, 0]
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect();
        assert!(Decimal4::from_sql(&Type::NUMERIC, &nan).is_err());
        assert!(Decimal4::from_sql(&Type::NUMERIC, &[0, 1]).is_err());
        let wrong_length: Vec<u8> = [2i16, 0, 0, 0, 1]
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect();
        assert!(Decimal4::from_sql(&Type::NUMERIC, &wrong_length).is_err());
    }

    #[test]
    fn displays_with_four_places() {
        assert_eq!(Decimal4::from_cents(-1000).to_string(), "-10.0000");
        assert_eq!(Decimal4(5).to_string(), "0.0005");
        assert_eq!(Decimal4::from_integer(3).times(2).to_string(), "6.0000");
    }
}
