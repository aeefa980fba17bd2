//! `timestamp [without time zone]`: parsing, formatting and the calendar.
//!
//! A timestamp is an `i64` count of microseconds since 2000-01-01 00:00:00 (PostgreSQL's
//! epoch) on the proleptic Gregorian calendar, with `i64::MIN`/`i64::MAX` standing for
//! `-infinity`/`infinity`, exactly PostgreSQL's `Timestamp`. The valid finite range is
//! PostgreSQL's: 4714-11-24 00:00:00 BC up to (not including) 294277-01-01.
//!
//! Input accepts what clients and SQL scripts send in practice, with PostgreSQL's results:
//! ISO dates `2024-01-02`, `20240102`, `01-02-2024` (DateStyle MDY, PostgreSQL's default);
//! a time after a space or `T` (`03:04`, `03:04:05`, `03:04:05.123456789`, fractions rounded
//! to microseconds half-to-even as PostgreSQL's `rint`); `24:00:00` and leap second `:60`
//! rolling over; a time zone (`Z`, `+02`, `-05:30`), which `timestamp without time zone`
//! ignores as PostgreSQL does; `BC`/`AD`; and the special words `infinity`, `-infinity`,
//! `epoch`. Malformed text is 22007, impossible field values 22008.
//!
//! Not accepted (PostgreSQL accepts them): month names (`Jan 2 2024`), Julian dates, and the
//! clock-dependent words `now`, `today`, `tomorrow`, `yesterday` (0A000: they need the
//! session's clock and time zone, which belong to the executor).

use crate::error::{Error, Result, SqlState};

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
const UNIX_TO_POSTGRES_DAYS: i64 = 10_957;

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

fn is_leap_year(year: i64) -> bool {
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
    use std::fmt::Write;
    if t == TIMESTAMP_INFINITY {
        out.push_str("infinity");
        return;
    }
    if t == TIMESTAMP_NEG_INFINITY {
        out.push_str("-infinity");
        return;
    }
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
    if parts.microsecond != 0 {
        let fraction = format!("{:06}", parts.microsecond);
        out.push('.');
        out.push_str(fraction.trim_end_matches('0'));
    }
    if bc {
        out.push_str(" BC");
    }
}

/// A byte cursor over the input being parsed.
struct Cursor<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.position += 1;
            true
        } else {
            false
        }
    }

    /// A run of ASCII digits (possibly empty).
    fn digits(&mut self) -> &[u8] {
        let start = self.position;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.position += 1;
        }
        &self.bytes[start..self.position]
    }

    fn spaces(&mut self) -> usize {
        let start = self.position;
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.position += 1;
        }
        self.position - start
    }
}

/// The value of a digit run, saturating far beyond any valid field.
fn number(digits: &[u8]) -> i64 {
    digits.iter().fold(0i64, |total, digit| {
        total
            .saturating_mul(10)
            .saturating_add(i64::from(digit - b'0'))
    })
}

/// `timestamp_in` (see the module docs for what is accepted).
pub fn parse_timestamp(text: &str) -> Result<i64> {
    let invalid = || {
        Error::new(
            SqlState::INVALID_DATETIME_FORMAT,
            format!("invalid input syntax for type timestamp: \"{text}\""),
        )
    };
    let field_range = || {
        Error::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            format!("date/time field value out of range: \"{text}\""),
        )
    };
    let trimmed = text.trim_matches(crate::text::is_pg_space);
    let lower = trimmed.to_ascii_lowercase();
    match lower.as_str() {
        "infinity" => return Ok(TIMESTAMP_INFINITY),
        "-infinity" => return Ok(TIMESTAMP_NEG_INFINITY),
        "epoch" => return Ok(-UNIX_TO_POSTGRES_DAYS * USECS_PER_DAY),
        "now" | "today" | "tomorrow" | "yesterday" => {
            return Err(Error::feature_not_supported(format!(
                "the timestamp input \"{lower}\" is not supported by db001's value layer"
            ))
            .with_hint("Use now() or CURRENT_TIMESTAMP."));
        }
        _ => {}
    }
    let mut cursor = Cursor {
        bytes: lower.as_bytes(),
        position: 0,
    };

    // The date: Y-M-D, M-D-Y (one- or two-digit first field) or YYYYMMDD.
    let first = cursor.digits().to_vec();
    if first.is_empty() {
        return Err(invalid());
    }
    let (mut year, month, day, short_year) = if cursor.eat(b'-') {
        let second = cursor.digits().to_vec();
        if second.is_empty() || !cursor.eat(b'-') {
            return Err(invalid());
        }
        let third = cursor.digits().to_vec();
        if third.is_empty() {
            return Err(invalid());
        }
        if first.len() <= 2 {
            (
                number(&third),
                number(&first),
                number(&second),
                third.len() <= 2,
            )
        } else {
            (number(&first), number(&second), number(&third), false)
        }
    } else if first.len() == 8 {
        (
            number(&first[..4]),
            number(&first[4..6]),
            number(&first[6..]),
            false,
        )
    } else {
        return Err(invalid());
    };
    if short_year {
        year += if year < 70 { 2000 } else { 1900 };
    }

    // The time, after `T` or whitespace.
    let mut time = (0i64, 0i64, 0i64, 0i64);
    let separated = cursor.eat(b't') || cursor.spaces() > 0;
    if separated && cursor.peek().is_some_and(|b| b.is_ascii_digit()) {
        let hour = cursor.digits().to_vec();
        if hour.len() > 2 || !cursor.eat(b':') {
            return Err(invalid());
        }
        let minute = cursor.digits().to_vec();
        if minute.is_empty() || minute.len() > 2 {
            return Err(invalid());
        }
        let mut second = 0;
        let mut micros = 0;
        if cursor.eat(b':') {
            let digits = cursor.digits().to_vec();
            if digits.is_empty() || digits.len() > 2 {
                return Err(invalid());
            }
            second = number(&digits);
            if cursor.eat(b'.') {
                micros = round_fraction(cursor.digits());
            }
        }
        time = (number(&hour), number(&minute), second, micros);
        cursor.spaces();
    }

    // An ignored time zone, then an optional era.
    if cursor.eat(b'z') {
        cursor.spaces();
    } else if matches!(cursor.peek(), Some(b'+' | b'-')) {
        cursor.position += 1;
        let hours = cursor.digits().to_vec();
        if hours.is_empty() || hours.len() > 4 {
            return Err(invalid());
        }
        if cursor.eat(b':') && cursor.digits().is_empty() {
            return Err(invalid());
        }
        cursor.spaces();
    }
    let rest = &lower[cursor.position..];
    let bc = match rest {
        "" => false,
        "bc" => true,
        "ad" => false,
        _ => return Err(invalid()),
    };

    let (hour, minute, second, micros) = time;
    if year < 1 || !(1..=12).contains(&month) || year > 10_000_000 {
        return Err(field_range());
    }
    let year = if bc { 1 - year } else { year };
    let month = month as u32;
    if day < 1 || day > i64::from(days_in_month(year, month)) {
        return Err(field_range());
    }
    if !(0..=24).contains(&hour)
        || !(0..=59).contains(&minute)
        || !(0..=60).contains(&second)
        || (hour == 24 && (minute != 0 || second != 0 || micros != 0))
    {
        return Err(field_range());
    }
    let days = days_from_civil(year, month, day as u32) - UNIX_TO_POSTGRES_DAYS;
    let total = i128::from(days) * i128::from(USECS_PER_DAY)
        + (i128::from(hour) * 3600 + i128::from(minute) * 60 + i128::from(second)) * 1_000_000
        + i128::from(micros);
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

/// Fractional-second digits rounded to microseconds, ties to even (may return 1_000_000).
fn round_fraction(digits: &[u8]) -> i64 {
    let mut micros = 0i64;
    for index in 0..6 {
        micros = micros * 10 + digits.get(index).map_or(0, |d| i64::from(d - b'0'));
    }
    let Some(&next) = digits.get(6) else {
        return micros;
    };
    let rest_nonzero = digits[7..].iter().any(|d| *d != b'0');
    let round_up = match next {
        b'6'..=b'9' => true,
        b'5' => rest_nonzero || micros % 2 == 1,
        _ => false,
    };
    micros + i64::from(round_up)
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
