//! `interval`: PostgreSQL's three-part time span.
//!
//! An interval keeps months, days and microseconds apart, because their lengths are not fixed:
//! adding `1 mon` to January 31 gives February 29 (or 28), adding `1 day` across a daylight
//! saving change keeps the wall clock. Comparison and hashing use PostgreSQL's linear view
//! (`interval_cmp_value`): a month is 30 days and a day 24 hours, so `'1 mon' = '30 days'` is
//! true even though the two are stored (and printed) differently.
//!
//! Input is PostgreSQL's `interval_in` for the `postgres` style and ISO 8601: unit words with
//! their abbreviations and plurals (`1 year 2 mons`, `3 d`, `4 hrs`), clock fields (`04:05:06`,
//! `-02:00`), fractions cascading down (`1.5 days` is 1 day 12 hours, `0.5 mon` is 15 days),
//! SQL `years-months` (`1-2`), `@` and `ago`, a bare number as seconds, and ISO 8601 with
//! designators (`P1Y2M3DT4H5M6S`). Output is `IntervalStyle = postgres`: `1 year 2 mons 3 days
//! 04:05:06`, `-1 days +02:03:00`, `00:00:00`.
//!
//! Arithmetic follows PostgreSQL 15 exactly, including its floating-point cascade of fractional
//! months and days in `interval * float8` and `interval / float8`. Overflow is 22008
//! `interval out of range`; unit values beyond a field's range on input are 22015.

use std::cmp::Ordering;

use super::USECS_PER_DAY;
use crate::error::{Error, Result, SqlState};

/// Microseconds per hour, minute and second.
const USECS_PER_HOUR: i64 = 3_600_000_000;
const USECS_PER_MINUTE: i64 = 60_000_000;
const USECS_PER_SEC: i64 = 1_000_000;
/// PostgreSQL's fixed month length for interval arithmetic and comparison.
pub const DAYS_PER_MONTH: i64 = 30;

/// One `interval` value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Interval {
    /// Microseconds.
    pub micros: i64,
    pub days: i32,
    pub months: i32,
}

/// The 22008 error for an interval result out of range.
pub fn out_of_range() -> Error {
    Error::new(SqlState::DATETIME_FIELD_OVERFLOW, "interval out of range")
}

/// `TSROUND`: rounds to microsecond precision in floating point.
fn ts_round(value: f64) -> f64 {
    (value * 1_000_000.0).round_ties_even() / 1_000_000.0
}

impl Interval {
    pub const ZERO: Interval = Interval {
        micros: 0,
        days: 0,
        months: 0,
    };

    /// An interval of months, days and microseconds.
    pub fn new(months: i32, days: i32, micros: i64) -> Interval {
        Interval {
            micros,
            days,
            months,
        }
    }

    /// PostgreSQL's linear length in microseconds (`interval_cmp_value`): 30-day months,
    /// 24-hour days. Used for comparison, hashing and index keys.
    pub fn span(&self) -> i128 {
        i128::from(self.micros)
            + i128::from(self.days) * i128::from(USECS_PER_DAY)
            + i128::from(self.months) * i128::from(DAYS_PER_MONTH) * i128::from(USECS_PER_DAY)
    }

    /// Comparison as PostgreSQL's `interval_cmp`.
    pub fn cmp_span(&self, other: &Interval) -> Ordering {
        self.span().cmp(&other.span())
    }

    /// `-interval`.
    pub fn checked_neg(&self) -> Result<Interval> {
        Ok(Interval {
            micros: self.micros.checked_neg().ok_or_else(out_of_range)?,
            days: self.days.checked_neg().ok_or_else(out_of_range)?,
            months: self.months.checked_neg().ok_or_else(out_of_range)?,
        })
    }

    /// `interval + interval`, field by field.
    pub fn checked_add(&self, other: &Interval) -> Result<Interval> {
        Ok(Interval {
            micros: self
                .micros
                .checked_add(other.micros)
                .ok_or_else(out_of_range)?,
            days: self.days.checked_add(other.days).ok_or_else(out_of_range)?,
            months: self
                .months
                .checked_add(other.months)
                .ok_or_else(out_of_range)?,
        })
    }

    /// `interval - interval`, field by field.
    pub fn checked_sub(&self, other: &Interval) -> Result<Interval> {
        self.checked_add(&other.checked_neg()?)
    }

    /// `interval * float8` (PostgreSQL's `interval_mul`): whole months and days scale, their
    /// fractions cascade down to days and seconds.
    pub fn checked_mul(&self, factor: f64) -> Result<Interval> {
        let in_i32 = |value: f64| -> Result<i32> {
            if value.is_nan() || value > f64::from(i32::MAX) || value < f64::from(i32::MIN) {
                Err(out_of_range())
            } else {
                Ok(value as i32)
            }
        };
        let months = in_i32(f64::from(self.months) * factor)?;
        let mut days = in_i32(f64::from(self.days) * factor)?;
        let month_remainder_days =
            ts_round((f64::from(self.months) * factor - f64::from(months)) * DAYS_PER_MONTH as f64);
        let mut second_remainder = ts_round(
            (f64::from(self.days) * factor - f64::from(days) + month_remainder_days
                - f64::from(month_remainder_days as i32))
                * 86_400.0,
        );
        if second_remainder.abs() >= 86_400.0 {
            let whole_days = (second_remainder / 86_400.0) as i32;
            days = days.checked_add(whole_days).ok_or_else(out_of_range)?;
            second_remainder -= f64::from(whole_days) * 86_400.0;
        }
        days = days
            .checked_add(month_remainder_days as i32)
            .ok_or_else(out_of_range)?;
        let micros = (self.micros as f64 * factor + second_remainder * USECS_PER_SEC as f64)
            .round_ties_even();
        if micros.is_nan()
            || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&micros)
        {
            return Err(out_of_range());
        }
        Ok(Interval {
            micros: micros as i64,
            days,
            months,
        })
    }

    /// `interval / float8` (PostgreSQL's `interval_div`); 22012 for a zero divisor.
    pub fn checked_div(&self, divisor: f64) -> Result<Interval> {
        if divisor == 0.0 {
            return Err(Error::division_by_zero());
        }
        let months = (f64::from(self.months) / divisor) as i32;
        let mut days = (f64::from(self.days) / divisor) as i32;
        let month_remainder_days = ts_round(
            (f64::from(self.months) / divisor - f64::from(months)) * DAYS_PER_MONTH as f64,
        );
        let mut second_remainder = ts_round(
            (f64::from(self.days) / divisor - f64::from(days) + month_remainder_days
                - f64::from(month_remainder_days as i32))
                * 86_400.0,
        );
        if second_remainder.abs() >= 86_400.0 {
            let whole_days = (second_remainder / 86_400.0) as i32;
            days = days.wrapping_add(whole_days);
            second_remainder -= f64::from(whole_days) * 86_400.0;
        }
        days = days.wrapping_add(month_remainder_days as i32);
        let micros = (self.micros as f64 / divisor + second_remainder * USECS_PER_SEC as f64)
            .round_ties_even();
        if micros.is_nan()
            || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&micros)
        {
            return Err(out_of_range());
        }
        Ok(Interval {
            micros: micros as i64,
            days,
            months,
        })
    }

    /// `justify_hours`: whole 24-hour periods become days, signs made to agree.
    pub fn justify_hours(&self) -> Result<Interval> {
        let mut result = *self;
        let whole_days = result.micros / USECS_PER_DAY;
        result.micros -= whole_days * USECS_PER_DAY;
        result.days =
            i32::try_from(i64::from(result.days) + whole_days).map_err(|_| out_of_range())?;
        if result.days > 0 && result.micros < 0 {
            result.micros += USECS_PER_DAY;
            result.days -= 1;
        } else if result.days < 0 && result.micros > 0 {
            result.micros -= USECS_PER_DAY;
            result.days += 1;
        }
        Ok(result)
    }

    /// `justify_days`: whole 30-day periods become months, signs made to agree.
    pub fn justify_days(&self) -> Result<Interval> {
        let mut result = *self;
        let whole_months = result.days / DAYS_PER_MONTH as i32;
        result.days -= whole_months * DAYS_PER_MONTH as i32;
        result.months = result
            .months
            .checked_add(whole_months)
            .ok_or_else(out_of_range)?;
        if result.months > 0 && result.days < 0 {
            result.days += DAYS_PER_MONTH as i32;
            result.months -= 1;
        } else if result.months < 0 && result.days > 0 {
            result.days -= DAYS_PER_MONTH as i32;
            result.months += 1;
        }
        Ok(result)
    }

    /// `justify_interval`: both justifications, with one sign throughout (PostgreSQL's
    /// `interval_justify_interval`, step for step).
    pub fn justify_interval(&self) -> Result<Interval> {
        let month_days = DAYS_PER_MONTH as i32;
        let mut result = *self;
        if (result.days > 0 && result.micros > 0) || (result.days < 0 && result.micros < 0) {
            let whole_months = result.days / month_days;
            result.days -= whole_months * month_days;
            result.months = result
                .months
                .checked_add(whole_months)
                .ok_or_else(out_of_range)?;
        }
        let whole_days = result.micros / USECS_PER_DAY;
        result.micros -= whole_days * USECS_PER_DAY;
        result.days =
            i32::try_from(i64::from(result.days) + whole_days).map_err(|_| out_of_range())?;
        let whole_months = result.days / month_days;
        result.days -= whole_months * month_days;
        result.months = result
            .months
            .checked_add(whole_months)
            .ok_or_else(out_of_range)?;
        if result.months > 0 && (result.days < 0 || (result.days == 0 && result.micros < 0)) {
            result.days += month_days;
            result.months -= 1;
        } else if result.months < 0 && (result.days > 0 || (result.days == 0 && result.micros > 0))
        {
            result.days -= month_days;
            result.months += 1;
        }
        if result.days > 0 && result.micros < 0 {
            result.micros += USECS_PER_DAY;
            result.days -= 1;
        } else if result.days < 0 && result.micros > 0 {
            result.micros -= USECS_PER_DAY;
            result.days += 1;
        }
        Ok(result)
    }
}

/// `interval_out` with `IntervalStyle = postgres`.
pub fn write_interval(interval: &Interval, out: &mut String) {
    use std::fmt::Write;
    let years = interval.months / 12;
    let months = interval.months % 12;
    let days = interval.days;
    let mut is_zero = true;
    let mut is_before = false;
    let mut part = |value: i64, unit: &str, out: &mut String| {
        if value == 0 {
            return;
        }
        let space = if is_zero { "" } else { " " };
        let plus = if is_before && value > 0 { "+" } else { "" };
        let plural = if value != 1 { "s" } else { "" };
        write!(out, "{space}{plus}{value} {unit}{plural}")
            .expect("writing to a String cannot fail");
        is_before = value < 0;
        is_zero = false;
    };
    part(i64::from(years), "year", out);
    part(i64::from(months), "mon", out);
    part(i64::from(days), "day", out);
    let time = interval.micros;
    let hours = time / USECS_PER_HOUR;
    let minutes = (time / USECS_PER_MINUTE) % 60;
    let seconds = (time / USECS_PER_SEC) % 60;
    let fraction = time % USECS_PER_SEC;
    if is_zero || time != 0 {
        let minus = hours < 0 || minutes < 0 || seconds < 0 || fraction < 0;
        let sign = if minus {
            "-"
        } else if is_before {
            "+"
        } else {
            ""
        };
        write!(
            out,
            "{}{sign}{:02}:{:02}:{:02}",
            if is_zero { "" } else { " " },
            hours.unsigned_abs(),
            minutes.unsigned_abs(),
            seconds.unsigned_abs()
        )
        .expect("writing to a String cannot fail");
        super::write_fraction(fraction.unsigned_abs() as u32, out);
    }
}

/// One field of interval input, as PostgreSQL's `ParseDateTime` classifies it.
#[derive(Debug, Clone, PartialEq)]
enum Field {
    /// Digits with `:` (a clock time).
    Time(String),
    /// Digits, possibly with one `.` fraction, or `y-m`.
    Number(String),
    /// A sign followed by digits (and `:`, `.`, `-`).
    Signed(String),
    /// Letters.
    Word(String),
}

fn tokenize(text: &str) -> Option<Vec<Field>> {
    let bytes = text.as_bytes();
    let mut fields = Vec::new();
    let mut at = 0;
    let take_while = |at: &mut usize, keep: &dyn Fn(u8) -> bool| {
        let start = *at;
        while *at < bytes.len() && keep(bytes[*at]) {
            *at += 1;
        }
        text[start..*at].to_string()
    };
    while at < bytes.len() {
        let byte = bytes[at];
        if crate::text::is_pg_space(char::from(byte)) {
            at += 1;
        } else if byte.is_ascii_digit() || byte == b'.' {
            let start = at;
            take_while(&mut at, &|b: u8| b.is_ascii_digit());
            if bytes.get(at) == Some(&b':') {
                take_while(&mut at, &|b: u8| {
                    b.is_ascii_digit() || b == b':' || b == b'.'
                });
                fields.push(Field::Time(text[start..at].to_string()));
            } else {
                if let Some(&delimiter) = bytes.get(at)
                    && (delimiter == b'-' || delimiter == b'/' || delimiter == b'.')
                {
                    at += 1;
                    take_while(&mut at, &|b: u8| {
                        b.is_ascii_alphanumeric() || b == delimiter
                    });
                }
                fields.push(Field::Number(text[start..at].to_string()));
            }
        } else if byte.is_ascii_alphabetic() {
            let word = take_while(&mut at, &|b: u8| b.is_ascii_alphabetic());
            fields.push(Field::Word(word.to_ascii_lowercase()));
        } else if byte == b'+' || byte == b'-' {
            at += 1;
            while at < bytes.len() && crate::text::is_pg_space(char::from(bytes[at])) {
                at += 1;
            }
            if bytes.get(at).is_some_and(u8::is_ascii_digit) {
                let digits = take_while(&mut at, &|b: u8| {
                    b.is_ascii_digit() || b == b':' || b == b'.' || b == b'-'
                });
                fields.push(Field::Signed(format!("{}{digits}", char::from(byte))));
            } else if bytes.get(at).is_some_and(u8::is_ascii_alphabetic) {
                let word = take_while(&mut at, &|b: u8| b.is_ascii_alphabetic());
                fields.push(Field::Word(format!("{}{}", char::from(byte), word)));
            } else {
                return None;
            }
        } else if byte.is_ascii_punctuation() {
            at += 1;
        } else {
            return None;
        }
    }
    Some(fields)
}

/// Units of interval input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Microsecond,
    Millisecond,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Decade,
    Century,
    Millennium,
}

impl Unit {
    /// The bit of the unit in the "already seen" mask.
    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// The unit a word names; PostgreSQL compares only the first ten characters.
fn unit_of(word: &str) -> Option<Unit> {
    let truncated = &word[..word.len().min(10)];
    Some(match truncated {
        "us" | "usec" | "usecs" | "useconds" | "microsecon" => Unit::Microsecond,
        "ms" | "msec" | "msecs" | "mseconds" | "millisecon" => Unit::Millisecond,
        "s" | "sec" | "secs" | "second" | "seconds" => Unit::Second,
        "m" | "min" | "mins" | "minute" | "minutes" => Unit::Minute,
        "h" | "hr" | "hrs" | "hour" | "hours" => Unit::Hour,
        "d" | "day" | "days" => Unit::Day,
        "w" | "week" | "weeks" => Unit::Week,
        "mon" | "mons" | "month" | "months" => Unit::Month,
        "y" | "yr" | "yrs" | "year" | "years" => Unit::Year,
        "dec" | "decs" | "decade" | "decades" => Unit::Decade,
        "c" | "cent" | "century" | "centuries" => Unit::Century,
        "mil" | "mils" | "millennia" | "millennium" => Unit::Millennium,
        _ => return None,
    })
}

/// Interval fields accumulated while decoding (PostgreSQL's `pg_itm_in`).
#[derive(Debug, Default)]
struct Accumulator {
    micros: i64,
    days: i32,
    months: i32,
    years: i32,
}

/// Why interval input failed.
enum Failure {
    Syntax,
    FieldOverflow,
}

type Decoded<T> = std::result::Result<T, Failure>;

impl Accumulator {
    fn fraction_micros(&mut self, fraction: f64, scale: i64) -> Decoded<()> {
        if fraction == 0.0 {
            return Ok(());
        }
        let scaled = fraction * scale as f64;
        let mut micros = scaled as i64;
        let rest = scaled - micros as f64;
        if rest > 0.5 {
            micros += 1;
        } else if rest < -0.5 {
            micros -= 1;
        }
        self.micros = self
            .micros
            .checked_add(micros)
            .ok_or(Failure::FieldOverflow)?;
        Ok(())
    }

    fn fraction_days(&mut self, fraction: f64, scale: i32) -> Decoded<()> {
        if fraction == 0.0 {
            return Ok(());
        }
        let scaled = fraction * f64::from(scale);
        let extra_days = scaled as i32;
        self.days = self
            .days
            .checked_add(extra_days)
            .ok_or(Failure::FieldOverflow)?;
        self.fraction_micros(scaled - f64::from(extra_days), USECS_PER_DAY)
    }

    fn fraction_years(&mut self, fraction: f64, scale: i32) -> Decoded<()> {
        let extra_months = (fraction * f64::from(scale) * 12.0).round_ties_even() as i32;
        self.months = self
            .months
            .checked_add(extra_months)
            .ok_or(Failure::FieldOverflow)?;
        Ok(())
    }

    fn add_micros(&mut self, value: i64, fraction: f64, scale: i64) -> Decoded<()> {
        let product = value.checked_mul(scale).ok_or(Failure::FieldOverflow)?;
        self.micros = self
            .micros
            .checked_add(product)
            .ok_or(Failure::FieldOverflow)?;
        self.fraction_micros(fraction, scale)
    }

    fn add_days(&mut self, value: i64, scale: i32) -> Decoded<()> {
        let value = i32::try_from(value).map_err(|_| Failure::FieldOverflow)?;
        let days = value.checked_mul(scale).ok_or(Failure::FieldOverflow)?;
        self.days = self.days.checked_add(days).ok_or(Failure::FieldOverflow)?;
        Ok(())
    }

    fn add_months(&mut self, value: i64) -> Decoded<()> {
        let value = i32::try_from(value).map_err(|_| Failure::FieldOverflow)?;
        self.months = self
            .months
            .checked_add(value)
            .ok_or(Failure::FieldOverflow)?;
        Ok(())
    }

    fn add_years(&mut self, value: i64, scale: i32) -> Decoded<()> {
        let value = i32::try_from(value).map_err(|_| Failure::FieldOverflow)?;
        let years = value.checked_mul(scale).ok_or(Failure::FieldOverflow)?;
        self.years = self
            .years
            .checked_add(years)
            .ok_or(Failure::FieldOverflow)?;
        Ok(())
    }

    /// Adds `value + fraction` of `unit`, as `DecodeInterval` does.
    fn add(&mut self, unit: Unit, value: i64, fraction: f64) -> Decoded<()> {
        match unit {
            Unit::Microsecond => self.add_micros(value, fraction, 1),
            Unit::Millisecond => self.add_micros(value, fraction, 1000),
            Unit::Second => self.add_micros(value, fraction, USECS_PER_SEC),
            Unit::Minute => self.add_micros(value, fraction, USECS_PER_MINUTE),
            Unit::Hour => self.add_micros(value, fraction, USECS_PER_HOUR),
            Unit::Day => {
                self.add_days(value, 1)?;
                self.fraction_micros(fraction, USECS_PER_DAY)
            }
            Unit::Week => {
                self.add_days(value, 7)?;
                self.fraction_days(fraction, 7)
            }
            Unit::Month => {
                self.add_months(value)?;
                self.fraction_days(fraction, DAYS_PER_MONTH as i32)
            }
            Unit::Year => {
                self.add_years(value, 1)?;
                self.fraction_years(fraction, 1)
            }
            Unit::Decade => {
                self.add_years(value, 10)?;
                self.fraction_years(fraction, 10)
            }
            Unit::Century => {
                self.add_years(value, 100)?;
                self.fraction_years(fraction, 100)
            }
            Unit::Millennium => {
                self.add_years(value, 1000)?;
                self.fraction_years(fraction, 1000)
            }
        }
    }

    /// A clock field `h:m[:s[.f]]` (or `m:s.f`), signed by `negative`.
    fn add_clock(&mut self, text: &str, negative: bool) -> Decoded<()> {
        let parts: Vec<&str> = text.split(':').collect();
        let number = |part: &str| -> Decoded<i64> {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Failure::Syntax);
            }
            part.parse().map_err(|_| Failure::FieldOverflow)
        };
        let seconds_of = |part: &str| -> Decoded<(i64, i64)> {
            match part.split_once('.') {
                Some((whole, fraction)) => {
                    let fraction_value: f64 = if fraction.is_empty() {
                        0.0
                    } else if fraction.bytes().all(|b| b.is_ascii_digit()) {
                        format!("0.{fraction}")
                            .parse()
                            .map_err(|_| Failure::Syntax)?
                    } else {
                        return Err(Failure::Syntax);
                    };
                    Ok((
                        number(whole)?,
                        (fraction_value * 1e6).round_ties_even() as i64,
                    ))
                }
                None => Ok((number(part)?, 0)),
            }
        };
        let (hours, minutes, seconds, micros) = match parts.as_slice() {
            [hours, minutes] if minutes.contains('.') => {
                let (seconds, micros) = seconds_of(minutes)?;
                (0, number(hours)?, seconds, micros)
            }
            [hours, minutes] => (number(hours)?, number(minutes)?, 0, 0),
            [hours, minutes, seconds] => {
                let (seconds, micros) = seconds_of(seconds)?;
                (number(hours)?, number(minutes)?, seconds, micros)
            }
            _ => return Err(Failure::Syntax),
        };
        if minutes > 59 || seconds > 59 {
            return Err(Failure::FieldOverflow);
        }
        let total = hours
            .checked_mul(USECS_PER_HOUR)
            .and_then(|t| t.checked_add(minutes * USECS_PER_MINUTE + seconds * USECS_PER_SEC))
            .and_then(|t| t.checked_add(micros))
            .ok_or(Failure::FieldOverflow)?;
        let total = if negative { -total } else { total };
        self.micros = self
            .micros
            .checked_add(total)
            .ok_or(Failure::FieldOverflow)?;
        Ok(())
    }
}

/// Splits a number field into its integer value and signed fraction, or handles `y-m`.
fn number_parts(text: &str) -> Decoded<(i64, f64, bool)> {
    let negative = text.starts_with('-');
    let unsigned = text.trim_start_matches(['+', '-']);
    let digits_end = unsigned
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(unsigned.len());
    let (digits, rest) = unsigned.split_at(digits_end);
    let magnitude: i64 = if digits.is_empty() {
        if !rest.starts_with('.') {
            return Err(Failure::Syntax);
        }
        0
    } else {
        digits.parse().map_err(|_| Failure::FieldOverflow)?
    };
    let value = if negative { -magnitude } else { magnitude };
    if rest.is_empty() {
        return Ok((value, 0.0, false));
    }
    if let Some(fraction) = rest.strip_prefix('.') {
        let fraction: f64 = if fraction.is_empty() {
            0.0
        } else if fraction.bytes().all(|b| b.is_ascii_digit()) {
            format!("0.{fraction}")
                .parse()
                .map_err(|_| Failure::Syntax)?
        } else {
            return Err(Failure::Syntax);
        };
        return Ok((value, if negative { -fraction } else { fraction }, false));
    }
    Err(Failure::Syntax)
}

/// `interval_in` for the postgres style (see the module docs).
fn decode(fields: &[Field]) -> Decoded<Accumulator> {
    let mut accumulator = Accumulator::default();
    let mut seen = 0u32;
    let mut pending: Option<Unit> = None;
    let mut unit_waiting = false;
    let mut is_before = false;
    let mut any = false;
    for (index, field) in fields.iter().enumerate().rev() {
        let mut mark = |bits: u32| -> Decoded<()> {
            if seen & bits != 0 {
                return Err(Failure::Syntax);
            }
            seen |= bits;
            any = true;
            Ok(())
        };
        match field {
            Field::Time(text) => {
                accumulator.add_clock(text, false)?;
                mark(Unit::Hour.bit() | Unit::Minute.bit() | seconds_bits())?;
                pending = Some(Unit::Day);
                unit_waiting = false;
            }
            Field::Signed(text) if text[1..].contains(':') => {
                accumulator.add_clock(&text[1..], text.starts_with('-'))?;
                mark(Unit::Hour.bit() | Unit::Minute.bit() | seconds_bits())?;
                pending = Some(Unit::Day);
                unit_waiting = false;
            }
            Field::Number(text) | Field::Signed(text) => {
                let mut unit = pending.unwrap_or(Unit::Second);
                let (value, fraction) = match text.trim_start_matches(['+', '-']).split_once('-') {
                    Some((years, months)) => {
                        // SQL `years-months`.
                        let years: i64 = years.parse().map_err(|_| Failure::Syntax)?;
                        let months: i64 = months.parse().map_err(|_| Failure::Syntax)?;
                        if !(0..12).contains(&months) {
                            return Err(Failure::FieldOverflow);
                        }
                        let sign = if text.starts_with('-') { -1 } else { 1 };
                        unit = Unit::Month;
                        (sign * (years * 12 + months), 0.0)
                    }
                    None => {
                        let (value, fraction, _) = number_parts(text)?;
                        (value, fraction)
                    }
                };
                accumulator.add(unit, value, fraction)?;
                let bits = if unit == Unit::Second && fraction != 0.0 {
                    seconds_bits()
                } else {
                    unit.bit()
                };
                mark(bits)?;
                // As PostgreSQL: the unit carries over to the next field on the left, except
                // that hours are followed by days (`1 12` is not a thing, `1 12:00` is).
                pending = Some(if unit == Unit::Hour { Unit::Day } else { unit });
                unit_waiting = false;
            }
            Field::Word(word) => {
                if word == "@" {
                    continue;
                }
                if unit_waiting {
                    return Err(Failure::Syntax);
                }
                if word == "ago" {
                    if index != fields.len() - 1 {
                        return Err(Failure::Syntax);
                    }
                    is_before = true;
                    continue;
                }
                let unit = unit_of(word).ok_or(Failure::Syntax)?;
                pending = Some(unit);
                unit_waiting = true;
            }
        }
    }
    if !any || unit_waiting {
        return Err(Failure::Syntax);
    }
    if is_before {
        accumulator.micros = accumulator
            .micros
            .checked_neg()
            .ok_or(Failure::FieldOverflow)?;
        accumulator.days = accumulator
            .days
            .checked_neg()
            .ok_or(Failure::FieldOverflow)?;
        accumulator.months = accumulator
            .months
            .checked_neg()
            .ok_or(Failure::FieldOverflow)?;
        accumulator.years = accumulator
            .years
            .checked_neg()
            .ok_or(Failure::FieldOverflow)?;
    }
    Ok(accumulator)
}

fn seconds_bits() -> u32 {
    Unit::Second.bit() | Unit::Millisecond.bit() | Unit::Microsecond.bit()
}

/// ISO 8601 with designators: `P1Y2M3W4DT5H6M7.5S`.
fn decode_iso(text: &str) -> Decoded<Accumulator> {
    let mut accumulator = Accumulator::default();
    let mut rest = text.strip_prefix('P').ok_or(Failure::Syntax)?;
    if rest.is_empty() {
        return Err(Failure::Syntax);
    }
    let mut date_part = true;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('T') {
            date_part = false;
            rest = after;
            continue;
        }
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
            .ok_or(Failure::Syntax)?;
        let (number, after) = rest.split_at(end);
        let value: f64 = number.parse().map_err(|_| Failure::Syntax)?;
        if value.is_nan() || value.abs() > 1.0e15 {
            return Err(Failure::FieldOverflow);
        }
        let whole = value.trunc();
        let (integer, fraction) = (whole as i64, value - whole);
        let designator = after.as_bytes()[0];
        rest = &after[1..];
        match (date_part, designator) {
            (true, b'Y') => accumulator.add(Unit::Year, integer, fraction)?,
            (true, b'M') => accumulator.add(Unit::Month, integer, fraction)?,
            (true, b'W') => accumulator.add(Unit::Week, integer, fraction)?,
            (true, b'D') => accumulator.add(Unit::Day, integer, fraction)?,
            (false, b'H') => accumulator.add(Unit::Hour, integer, fraction)?,
            (false, b'M') => accumulator.add(Unit::Minute, integer, fraction)?,
            (false, b'S') => accumulator.add(Unit::Second, integer, fraction)?,
            _ => return Err(Failure::Syntax),
        }
    }
    Ok(accumulator)
}

/// `interval_in` (see the module docs).
pub fn parse_interval(text: &str) -> Result<Interval> {
    let syntax = || {
        Error::new(
            SqlState::INVALID_DATETIME_FORMAT,
            format!("invalid input syntax for type interval: \"{text}\""),
        )
    };
    let field_overflow = || {
        Error::new(
            SqlState::new("22015"),
            format!("interval field value out of range: \"{text}\""),
        )
    };
    let trimmed = text.trim_matches(crate::text::is_pg_space);
    let decoded = if trimmed.starts_with('P') {
        decode_iso(trimmed)
    } else {
        tokenize(trimmed)
            .ok_or(Failure::Syntax)
            .and_then(|f| decode(&f))
    };
    let accumulator = decoded.map_err(|failure| match failure {
        Failure::Syntax => syntax(),
        Failure::FieldOverflow => field_overflow(),
    })?;
    let months = i64::from(accumulator.years) * 12 + i64::from(accumulator.months);
    Ok(Interval {
        micros: accumulator.micros,
        days: accumulator.days,
        months: i32::try_from(months).map_err(|_| out_of_range())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str) -> String {
        let mut out = String::new();
        write_interval(&parse_interval(text).expect(text), &mut out);
        out
    }

    #[test]
    fn input_and_output_match_postgres() {
        let cases = [
            ("1:30.5", "00:01:30.5"),
            ("1:30", "01:30:00"),
            ("100:00:00", "100:00:00"),
            ("1 day -02:00", "1 day -02:00:00"),
            ("-1 day +02:03", "-1 days +02:03:00"),
            ("1.5 days", "1 day 12:00:00"),
            ("0.5 months", "15 days"),
            ("1.5 years", "1 year 6 mons"),
            ("1 week 2 days", "9 days"),
            ("@ 1 hour ago", "-01:00:00"),
            ("5", "00:00:05"),
            ("1-2", "1 year 2 mons"),
            ("P1Y2M3DT4H5M6S", "1 year 2 mons 3 days 04:05:06"),
            ("P1.5D", "1 day 12:00:00"),
            ("-1 days -02:00:00", "-1 days -02:00:00"),
            ("1 mon -1 day", "1 mon -1 days"),
            ("-1 year -2 mons +3 days", "-1 years -2 mons +3 days"),
            ("0.000001 sec", "00:00:00.000001"),
            ("1.0000005 sec", "00:00:01"),
            ("1.0000015 sec", "00:00:01.000001"),
            ("178000000 years", "178000000 years"),
            ("1 millisecond 2 microseconds", "00:00:00.001002"),
            ("3 decades", "30 years"),
            ("2 centuries", "200 years"),
            ("1 millennium", "1000 years"),
            ("10 days 25:00:00", "10 days 25:00:00"),
            ("-00:00:01", "-00:00:01"),
            ("1 hour 30", "01:00:30"),
            ("1 day 30", "1 day 00:00:30"),
            ("3 4:05", "3 days 04:05:00"),
            ("1.5", "00:00:01.5"),
            ("-1.5", "-00:00:01.5"),
            ("+2 days", "2 days"),
            (
                "1 yr 2 mon 3 d 4 h 5 m 6 s",
                "1 year 2 mons 3 days 04:05:06",
            ),
            ("0", "00:00:00"),
        ];
        for (input, expected) in cases {
            assert_eq!(shown(input), expected, "{input}");
        }
        for bad in ["1 2", "-infinity", "1 day 1 day", "abc", "", "day"] {
            assert!(parse_interval(bad).is_err(), "{bad}");
        }
        let error = parse_interval("2147483648 days").expect_err("too many days");
        assert_eq!(error.code().code(), "22015");
    }

    #[test]
    fn multiplication_cascades_like_postgres() {
        let day = Interval::new(0, 1, 0);
        let month = Interval::new(1, 0, 0);
        let text = |interval: Interval| {
            let mut out = String::new();
            write_interval(&interval, &mut out);
            out
        };
        assert_eq!(text(day.checked_mul(1.5).expect("fits")), "1 day 12:00:00");
        assert_eq!(text(month.checked_mul(0.5).expect("fits")), "15 days");
        assert_eq!(text(month.checked_div(3.0).expect("fits")), "10 days");
        assert_eq!(text(day.checked_div(7.0).expect("fits")), "03:25:42.857143");
        assert!(
            Interval::new(0, 0, USECS_PER_HOUR)
                .checked_mul(1e10)
                .is_err()
        );
        assert_eq!(
            month.cmp_span(&Interval::new(0, 30, 0)),
            Ordering::Equal,
            "'1 mon' = '30 days'"
        );
    }
}
