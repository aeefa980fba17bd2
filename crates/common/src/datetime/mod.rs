//! Dates and times: the calendar, and the input and output of `timestamp` and `timestamptz`.
//!
//! A timestamp is an `i64` count of microseconds since 2000-01-01 00:00:00 (PostgreSQL's
//! epoch) on the proleptic Gregorian calendar, with `i64::MIN`/`i64::MAX` standing for
//! `-infinity`/`infinity`, exactly PostgreSQL's `Timestamp`. The valid finite range is
//! PostgreSQL's: 4714-11-24 00:00:00 BC up to (not including) 294277-01-01. A `timestamptz`
//! has the same representation, counted in UTC.
//!
//! | module | owns |
//! | --- | --- |
//! | `parse` | splitting input text into date, time and zone fields (shared by every type) |
//! | [`date`] | `date`: days since 2000-01-01 |
//! | [`time`] | `time`: microseconds since midnight |
//! | [`interval`] | `interval`: months, days, microseconds; its input, output and arithmetic |
//! | [`arith`] | timestamp and date arithmetic, `age`, `date_trunc`, `extract` |
//! | [`format`] | `to_char`, `to_timestamp`, `to_date` |
//!
//! Input accepts what clients and SQL scripts send in practice, with PostgreSQL's results (see
//! `parse` for the field forms): ISO dates, DateStyle MDY numeric dates, month names, a time
//! after a space or `T` with fractions rounded to microseconds half-to-even, `24:00:00` and the
//! leap second `:60` rolling over, UTC offsets, `BC`/`AD`, and the special words `infinity`,
//! `-infinity`, `epoch`, `now`, `today`, `tomorrow`, `yesterday`. Malformed text is 22007,
//! impossible field values 22008.
//!
//! # Time zones
//!
//! db001's session time zone is always UTC (`SET TimeZone` accepts only UTC spellings). A
//! `timestamptz` is therefore shown with the offset `+00`, and a `timestamp` converts to and
//! from `timestamptz` without shifting. Input offsets (`+05:30`, `Z`, `UTC`) are honoured;
//! zone names and abbreviations (`Europe/Paris`, `EST`) need a time zone database db001 does
//! not carry and fail with 0A000 rather than being misread. Julian dates (`J2451545`) are
//! not accepted.

pub mod arith;
pub mod date;
pub mod format;
pub mod interval;
pub(crate) mod parse;
pub mod time;

use crate::error::{Error, Result, SqlState};
use parse::Special;

/// Microseconds per day.
pub const USECS_PER_DAY: i64 = 86_400_000_000;
/// The smallest finite timestamp: 4714-11-24 00:00:00 BC.
pub const TIMESTAMP_MIN: i64 = -211_813_488_000_000_000;
/// One past the largest finite timestamp: 294277-01-01 00:00:00.
pub const TIMESTAMP_END: i64 = 9_223_371_331_200_000_000;
/// `infinity`.
pub const TIMESTAMP_INFINITY: i64 = i64::MAX;
/// `-infinity`.
pub const TIMESTAMP_NEG_INFINITY: i64 = i64::MIN;
/// Days from 1970-01-01 to 2000-01-01.
pub const UNIX_TO_POSTGRES_DAYS: i64 = 10_957;

/// Whether `t` is a finite timestamp inside PostgreSQL's range.
pub fn is_valid_timestamp(t: i64) -> bool {
    (TIMESTAMP_MIN..TIMESTAMP_END).contains(&t)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (year 0 is 1 BC).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (year 0 is 1 BC).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Whether a (astronomical) year is a leap year.
pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in a month of a (astronomical) year.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// A finite timestamp broken into calendar fields. `year` is astronomical (0 = 1 BC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimestampParts {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub microsecond: u32,
}

/// The calendar fields of a finite timestamp.
pub fn timestamp_to_parts(t: i64) -> TimestampParts {
    let days = t.div_euclid(USECS_PER_DAY);
    let time = t.rem_euclid(USECS_PER_DAY);
    let (year, month, day) = civil_from_days(days + UNIX_TO_POSTGRES_DAYS);
    let seconds = time / 1_000_000;
    TimestampParts {
        year,
        month,
        day,
        hour: (seconds / 3600) as u32,
        minute: (seconds / 60 % 60) as u32,
        second: (seconds % 60) as u32,
        microsecond: (time % 1_000_000) as u32,
    }
}

/// The timestamp of calendar fields, or 22008 `timestamp out of range` outside PostgreSQL's
/// range. Fields are not validated here beyond the final range (callers check them).
pub fn timestamp_from_parts(parts: &TimestampParts) -> Result<i64> {
    let days = days_from_civil(parts.year, parts.month, parts.day) - UNIX_TO_POSTGRES_DAYS;
    let seconds = i128::from(days) * 86_400
        + i128::from(parts.hour) * 3600
        + i128::from(parts.minute) * 60
        + i128::from(parts.second);
    let micros = seconds * 1_000_000 + i128::from(parts.microsecond);
    i64::try_from(micros)
        .ok()
        .filter(|t| is_valid_timestamp(*t))
        .ok_or_else(|| Error::new(SqlState::DATETIME_FIELD_OVERFLOW, "timestamp out of range"))
}

/// `timestamp_out` with `DateStyle = ISO`: `2024-01-02 03:04:05.5`, `0044-03-15 00:00:00 BC`,
/// `infinity`.
pub fn write_timestamp(t: i64, out: &mut String) {
    match t {
        TIMESTAMP_INFINITY => out.push_str("infinity"),
        TIMESTAMP_NEG_INFINITY => out.push_str("-infinity"),
        _ => write_date_time(t, "", out),
    }
}

/// Writes the date and time of a finite timestamp as `YYYY-MM-DD HH:MM:SS[.ffffff]`, with
/// `zone` (e.g. `+00`) after the time, then ` BC` when needed.
fn write_date_time(t: i64, zone: &str, out: &mut String) {
    use std::fmt::Write;
    let parts = timestamp_to_parts(t);
    let (year, bc) = if parts.year <= 0 {
        (1 - parts.year, true)
    } else {
        (parts.year, false)
    };
    write!(
        out,
        "{year:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        parts.month, parts.day, parts.hour, parts.minute, parts.second
    )
    .expect("writing to a String cannot fail");
    write_fraction(parts.microsecond, out);
    out.push_str(zone);
    if bc {
        out.push_str(" BC");
    }
}

/// `.ffffff` with trailing zeros removed; nothing for zero.
pub(crate) fn write_fraction(microsecond: u32, out: &mut String) {
    if microsecond != 0 {
        let fraction = format!("{microsecond:06}");
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
}

/// `timestamptz_out` in the session time zone UTC: `2024-01-02 03:04:05.5+00`.
pub fn write_timestamptz(t: i64, out: &mut String) {
    match t {
        TIMESTAMP_INFINITY => out.push_str("infinity"),
        TIMESTAMP_NEG_INFINITY => out.push_str("-infinity"),
        _ => write_date_time(t, "+00", out),
    }
}

/// The microseconds of local date and time fields, before range checks.
fn local_micros(date: (i64, u32, u32), time: Option<(i64, i64, i64, i64)>) -> i128 {
    let (year, month, day) = date;
    let days = days_from_civil(year, month, day) - UNIX_TO_POSTGRES_DAYS;
    let (hour, minute, second, micros) = time.unwrap_or_default();
    i128::from(days) * i128::from(USECS_PER_DAY)
        + (i128::from(hour) * 3600 + i128::from(minute) * 60 + i128::from(second)) * 1_000_000
        + i128::from(micros)
}

/// Start of the current day (UTC) plus `days`.
fn today_plus(days: i64) -> i64 {
    parse::clock_micros().div_euclid(USECS_PER_DAY) * USECS_PER_DAY + days * USECS_PER_DAY
}

/// Shared by `timestamp_in` and `timestamptz_in`: `with_zone` applies the input's UTC offset.
fn parse_timestamp_like(text: &str, type_name: &str, with_zone: bool) -> Result<i64> {
    let fields = parse::decode_for(text, type_name)?;
    let invalid = || parse::Failure::Syntax.into_error(type_name, text);
    let base = match (fields.special, fields.date) {
        (Some(Special::Infinity), None) if fields.time.is_none() => {
            return Ok(TIMESTAMP_INFINITY);
        }
        (Some(Special::NegativeInfinity), None) if fields.time.is_none() => {
            return Ok(TIMESTAMP_NEG_INFINITY);
        }
        (Some(Special::Now), None) if fields.time.is_none() => return Ok(parse::clock_micros()),
        (Some(Special::Epoch), None) if fields.time.is_none() => {
            return Ok(-UNIX_TO_POSTGRES_DAYS * USECS_PER_DAY);
        }
        (Some(Special::Today), None) => i128::from(today_plus(0)),
        (Some(Special::Tomorrow), None) => i128::from(today_plus(1)),
        (Some(Special::Yesterday), None) => i128::from(today_plus(-1)),
        (None, Some(date)) => local_micros(date, None),
        _ => return Err(invalid()),
    };
    let (hour, minute, second, micros) = fields.time.unwrap_or_default();
    let mut total = base
        + (i128::from(hour) * 3600 + i128::from(minute) * 60 + i128::from(second)) * 1_000_000
        + i128::from(micros);
    if with_zone {
        total -= i128::from(fields.offset_seconds.unwrap_or(0)) * 1_000_000;
    }
    i64::try_from(total)
        .ok()
        .filter(|t| is_valid_timestamp(*t))
        .ok_or_else(|| {
            Error::new(
                SqlState::DATETIME_FIELD_OVERFLOW,
                format!("timestamp out of range: \"{text}\""),
            )
        })
}

/// `timestamp_in`: a UTC offset in the input is ignored, as PostgreSQL ignores it.
pub fn parse_timestamp(text: &str) -> Result<i64> {
    parse_timestamp_like(text, "timestamp", false)
}

/// `timestamptz_in`: the input's UTC offset is applied; without one the session zone (UTC).
pub fn parse_timestamptz(text: &str) -> Result<i64> {
    parse_timestamp_like(text, "timestamp with time zone", true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days_round_trip() {
        for days in (-2_500_000i64..2_500_000).step_by(997) {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days);
            assert!((1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month));
        }
        assert_eq!(days_from_civil(2000, 1, 1), UNIX_TO_POSTGRES_DAYS);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }

    #[test]
    fn range_bounds_match_postgres() {
        let mut out = String::new();
        write_timestamp(TIMESTAMP_MIN, &mut out);
        assert_eq!(out, "4714-11-24 00:00:00 BC");
        out.clear();
        write_timestamp(TIMESTAMP_END - 1, &mut out);
        assert_eq!(out, "294276-12-31 23:59:59.999999");
        let parts = timestamp_to_parts(-1);
        assert_eq!(
            (parts.year, parts.month, parts.day, parts.microsecond),
            (1999, 12, 31, 999_999)
        );
        assert_eq!(timestamp_from_parts(&parts).expect("in range"), -1);
    }
}
