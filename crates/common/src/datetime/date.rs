//! `date`: an `i32` count of days since 2000-01-01, with `i32::MIN`/`i32::MAX` standing for
//! `-infinity`/`infinity` as in PostgreSQL. The finite range is PostgreSQL's: 4714-11-24 BC
//! through 5874897-12-31, wider than `timestamp`'s, so converting a far date to a timestamp
//! can fail (22008 `date out of range for timestamp`).

use super::parse::{self, Special};
use super::{
    TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY, USECS_PER_DAY, civil_from_days, days_from_civil,
    is_valid_timestamp,
};
use crate::error::{Error, Result, SqlState};

/// `infinity`.
pub const DATE_INFINITY: i32 = i32::MAX;
/// `-infinity`.
pub const DATE_NEG_INFINITY: i32 = i32::MIN;
/// The first valid date, 4714-11-24 BC (Julian day 0).
pub const DATE_MIN: i32 = -2_451_545;
/// One past the last valid date, 5874898-01-01.
pub const DATE_END: i32 = 2_145_031_949;

/// Days from 1970-01-01 to 2000-01-01.
const UNIX_TO_POSTGRES_DAYS: i64 = super::UNIX_TO_POSTGRES_DAYS;

/// Whether `d` is a finite date in PostgreSQL's range.
pub fn is_valid_date(d: i32) -> bool {
    (DATE_MIN..DATE_END).contains(&d)
}

/// Whether `d` is `infinity` or `-infinity`.
pub fn is_infinite(d: i32) -> bool {
    d == DATE_INFINITY || d == DATE_NEG_INFINITY
}

/// The 22008 error for a date outside the range.
pub fn out_of_range() -> Error {
    Error::new(SqlState::DATETIME_FIELD_OVERFLOW, "date out of range")
}

/// The date of a (astronomical) year, month and day, or 22008.
pub fn date_from_civil(year: i64, month: u32, day: u32) -> Result<i32> {
    let days = days_from_civil(year, month, day) - UNIX_TO_POSTGRES_DAYS;
    i32::try_from(days)
        .ok()
        .filter(|d| is_valid_date(*d))
        .ok_or_else(out_of_range)
}

/// The (astronomical) year, month and day of a finite date.
pub fn civil_from_date(d: i32) -> (i64, u32, u32) {
    civil_from_days(i64::from(d) + UNIX_TO_POSTGRES_DAYS)
}

/// `date_in`: the date fields of the input (a time part is read and ignored).
pub fn parse_date(text: &str) -> Result<i32> {
    let fields = parse::decode_for(text, "date")?;
    let today = || parse::clock_micros().div_euclid(USECS_PER_DAY) as i32;
    let day = match (fields.special, fields.date) {
        (None, Some((year, month, day))) => {
            let days = days_from_civil(year, month, day) - UNIX_TO_POSTGRES_DAYS;
            return i32::try_from(days)
                .ok()
                .filter(|d| is_valid_date(*d))
                .ok_or_else(|| {
                    Error::new(
                        SqlState::DATETIME_FIELD_OVERFLOW,
                        format!("date out of range: \"{text}\""),
                    )
                });
        }
        (Some(Special::Infinity), None) => DATE_INFINITY,
        (Some(Special::NegativeInfinity), None) => DATE_NEG_INFINITY,
        (Some(Special::Epoch), None) => -(UNIX_TO_POSTGRES_DAYS as i32),
        (Some(Special::Now | Special::Today), None) => today(),
        (Some(Special::Tomorrow), None) => today() + 1,
        (Some(Special::Yesterday), None) => today() - 1,
        _ => return Err(parse::Failure::Syntax.into_error("date", text)),
    };
    Ok(day)
}

/// `date_out` with `DateStyle = ISO`: `2024-01-05`, `0044-03-15 BC`, `infinity`.
pub fn write_date(d: i32, out: &mut String) {
    use std::fmt::Write;
    match d {
        DATE_INFINITY => out.push_str("infinity"),
        DATE_NEG_INFINITY => out.push_str("-infinity"),
        _ => {
            let (year, month, day) = civil_from_date(d);
            let (shown, bc) = if year <= 0 {
                (1 - year, true)
            } else {
                (year, false)
            };
            write!(out, "{shown:04}-{month:02}-{day:02}").expect("writing to a String cannot fail");
            if bc {
                out.push_str(" BC");
            }
        }
    }
}

/// `date` → `timestamp`: midnight of the day; 22008 beyond the timestamp range.
pub fn date_to_timestamp(d: i32) -> Result<i64> {
    match d {
        DATE_INFINITY => Ok(TIMESTAMP_INFINITY),
        DATE_NEG_INFINITY => Ok(TIMESTAMP_NEG_INFINITY),
        _ => match i64::from(d).checked_mul(USECS_PER_DAY) {
            Some(t) if is_valid_timestamp(t) => Ok(t),
            _ => Err(Error::new(
                SqlState::DATETIME_FIELD_OVERFLOW,
                "date out of range for timestamp",
            )),
        },
    }
}

/// `timestamp` → `date`: the day the timestamp falls on.
pub fn timestamp_to_date(t: i64) -> Result<i32> {
    match t {
        TIMESTAMP_INFINITY => Ok(DATE_INFINITY),
        TIMESTAMP_NEG_INFINITY => Ok(DATE_NEG_INFINITY),
        _ => i32::try_from(t.div_euclid(USECS_PER_DAY))
            .ok()
            .filter(|d| is_valid_date(*d))
            .ok_or_else(out_of_range),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(d: i32) -> String {
        let mut out = String::new();
        write_date(d, &mut out);
        out
    }

    #[test]
    fn range_ends_match_postgres() {
        assert_eq!(text(DATE_MIN), "4714-11-24 BC");
        assert_eq!(text(DATE_END - 1), "5874897-12-31");
        assert_eq!(parse_date("5874897-12-31").expect("valid"), DATE_END - 1);
        assert_eq!(parse_date("4714-11-24 BC").expect("valid"), DATE_MIN);
        let error = parse_date("5874898-01-01").expect_err("out of range");
        assert_eq!(error.message(), "date out of range: \"5874898-01-01\"");
        assert_eq!(parse_date("2000-01-01").expect("valid"), 0);
        assert_eq!(parse_date("epoch").expect("valid"), -10_957);
    }

    #[test]
    fn input_forms() {
        for form in [
            "2024-01-05",
            "Jan 5 2024",
            "5 January 2024",
            "2024/01/05",
            "01/05/2024",
            "2024-Jan-05",
            "20240105",
            "2024-01-05 12:34",
            "January 5, 2024",
        ] {
            assert_eq!(text(parse_date(form).expect(form)), "2024-01-05", "{form}");
        }
        assert_eq!(
            parse_date("2024-02-30").expect_err("no such day").code(),
            SqlState::DATETIME_FIELD_OVERFLOW
        );
        assert_eq!(
            parse_date("garbage").expect_err("not a date").code(),
            SqlState::INVALID_DATETIME_FORMAT
        );
    }
}
