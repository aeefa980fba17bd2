//! Date and time arithmetic and field access, as PostgreSQL's `timestamp.c` and `date.c`:
//! `timestamp ± interval` (months first, clamped to the month's last day, then days, then
//! microseconds), `timestamp - timestamp` (justified into days and time), `date ± integer`,
//! `age`, `extract`/`date_part` and `date_trunc`.
//!
//! `timestamptz` arithmetic is the `timestamp` arithmetic: the session time zone is UTC, so
//! local and absolute time agree (see [`super`]).

use super::date::{self, DATE_NEG_INFINITY};
use super::interval::Interval;
use super::{
    TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY, TimestampParts, USECS_PER_DAY, days_in_month,
    timestamp_from_parts, timestamp_to_parts,
};
use crate::error::{Error, Result, SqlState};
use crate::numeric::Numeric;

/// The 22008 error for a timestamp result out of range.
pub fn timestamp_out_of_range() -> Error {
    Error::new(SqlState::DATETIME_FIELD_OVERFLOW, "timestamp out of range")
}

fn is_infinite(t: i64) -> bool {
    t == TIMESTAMP_INFINITY || t == TIMESTAMP_NEG_INFINITY
}

/// `timestamp + interval`.
pub fn timestamp_plus_interval(t: i64, span: &Interval) -> Result<i64> {
    if is_infinite(t) {
        return Ok(t);
    }
    let mut t = t;
    if span.months != 0 {
        let mut parts = timestamp_to_parts(t);
        let months = i64::from(parts.month) - 1 + i64::from(span.months);
        parts.year += months.div_euclid(12);
        parts.month = months.rem_euclid(12) as u32 + 1;
        parts.day = parts.day.min(days_in_month(parts.year, parts.month));
        t = timestamp_from_parts(&parts).map_err(|_| timestamp_out_of_range())?;
    }
    if span.days != 0 {
        t = t
            .checked_add(
                i64::from(span.days)
                    .checked_mul(USECS_PER_DAY)
                    .ok_or_else(timestamp_out_of_range)?,
            )
            .filter(|t| super::is_valid_timestamp(*t))
            .ok_or_else(timestamp_out_of_range)?;
    }
    t.checked_add(span.micros)
        .filter(|t| super::is_valid_timestamp(*t))
        .ok_or_else(timestamp_out_of_range)
}

/// `timestamp - interval`.
pub fn timestamp_minus_interval(t: i64, span: &Interval) -> Result<i64> {
    timestamp_plus_interval(t, &span.checked_neg()?)
}

/// `timestamp - timestamp`: the difference in microseconds, justified into days (PostgreSQL's
/// `timestamp_mi`); 22008 for infinite operands.
pub fn timestamp_minus_timestamp(a: i64, b: i64) -> Result<Interval> {
    if is_infinite(a) || is_infinite(b) {
        return Err(Error::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            "cannot subtract infinite timestamps",
        ));
    }
    let micros = a.checked_sub(b).ok_or_else(super::interval::out_of_range)?;
    Interval::new(0, 0, micros).justify_hours()
}

/// `date + integer`.
pub fn date_plus_days(d: i32, days: i64) -> Result<i32> {
    if date::is_infinite(d) {
        return Ok(d);
    }
    i32::try_from(i64::from(d) + days)
        .ok()
        .filter(|d| date::is_valid_date(*d))
        .ok_or_else(date::out_of_range)
}

/// `date - date`: whole days.
pub fn date_minus_date(a: i32, b: i32) -> Result<i32> {
    if date::is_infinite(a) || date::is_infinite(b) {
        return Err(Error::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            "cannot subtract infinite dates",
        ));
    }
    Ok(a - b)
}

/// `time + interval`: the clock wraps around midnight; months and days are ignored.
pub fn time_plus_interval(t: i64, span: &Interval) -> i64 {
    (t + span.micros.rem_euclid(USECS_PER_DAY)).rem_euclid(USECS_PER_DAY)
}

/// `date + time`: the timestamp of that day at that time.
pub fn date_plus_time(d: i32, time: i64) -> Result<i64> {
    let midnight = date::date_to_timestamp(d)?;
    if is_infinite(midnight) {
        return Ok(midnight);
    }
    midnight
        .checked_add(time)
        .filter(|t| super::is_valid_timestamp(*t))
        .ok_or_else(timestamp_out_of_range)
}

/// `age(a, b)`: the symbolic difference in years, months, days and time (PostgreSQL's
/// `timestamp_age`), borrowing from the month of the earlier operand.
pub fn age(a: i64, b: i64) -> Result<Interval> {
    if is_infinite(a) || is_infinite(b) {
        return Err(timestamp_out_of_range());
    }
    let (one, two) = (timestamp_to_parts(a), timestamp_to_parts(b));
    let mut micros = i64::from(one.microsecond) - i64::from(two.microsecond);
    let mut seconds = i64::from(one.second) - i64::from(two.second);
    let mut minutes = i64::from(one.minute) - i64::from(two.minute);
    let mut hours = i64::from(one.hour) - i64::from(two.hour);
    let mut days = i64::from(one.day) - i64::from(two.day);
    let mut months = i64::from(one.month) - i64::from(two.month);
    let mut years = one.year - two.year;
    let flip = a < b;
    if flip {
        for field in [
            &mut micros,
            &mut seconds,
            &mut minutes,
            &mut hours,
            &mut days,
            &mut months,
            &mut years,
        ] {
            *field = -*field;
        }
    }
    if micros < 0 {
        micros += 1_000_000;
        seconds -= 1;
    }
    if seconds < 0 {
        seconds += 60;
        minutes -= 1;
    }
    if minutes < 0 {
        minutes += 60;
        hours -= 1;
    }
    if hours < 0 {
        hours += 24;
        days -= 1;
    }
    // Borrow one month's days at a time: at most twice, since days start above -31.
    let borrow_from = if flip { one } else { two };
    while days < 0 {
        days += i64::from(days_in_month(borrow_from.year, borrow_from.month));
        months -= 1;
    }
    if months < 0 {
        months += 12;
        years -= 1;
    }
    let mut result = Interval {
        micros: ((hours * 60 + minutes) * 60 + seconds) * 1_000_000 + micros,
        days: i32::try_from(days).map_err(|_| super::interval::out_of_range())?,
        months: i32::try_from(years * 12 + months).map_err(|_| super::interval::out_of_range())?,
    };
    if flip {
        result = result.checked_neg()?;
    }
    Ok(result)
}

/// The source of `extract`, `date_part` and `date_trunc`.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    Timestamp(i64),
    TimestampTz(i64),
    Date(i32),
    Time(i64),
    Interval(Interval),
}

impl Source {
    fn type_name(&self) -> &'static str {
        match self {
            Source::Timestamp(_) => "timestamp without time zone",
            Source::TimestampTz(_) => "timestamp with time zone",
            Source::Date(_) => "date",
            Source::Time(_) => "time without time zone",
            Source::Interval(_) => "interval",
        }
    }
}

/// What `extract` yields.
#[derive(Debug, Clone, PartialEq)]
pub enum Extracted {
    Value(Numeric),
    /// ±Infinity, for monotonic fields of infinite timestamps and dates.
    Infinite {
        negative: bool,
    },
    Null,
}

/// The fields `extract` and `date_trunc` know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Microseconds,
    Milliseconds,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
    Decade,
    Century,
    Millennium,
    DayOfWeek,
    IsoDayOfWeek,
    DayOfYear,
    IsoYear,
    Epoch,
    Julian,
    Timezone,
    TimezoneHour,
    TimezoneMinute,
}

/// The unit a field name spells (PostgreSQL's `DecodeUnits` and `DecodeSpecial` tables).
fn unit_of(name: &str) -> Option<Unit> {
    let lower = name.to_ascii_lowercase();
    let truncated = &lower[..lower.len().min(10)];
    Some(match truncated {
        "us" | "usec" | "usecs" | "useconds" | "microsecon" => Unit::Microseconds,
        "ms" | "msec" | "msecs" | "mseconds" | "millisecon" => Unit::Milliseconds,
        "s" | "sec" | "secs" | "second" | "seconds" => Unit::Second,
        "m" | "min" | "mins" | "minute" | "minutes" => Unit::Minute,
        "h" | "hr" | "hrs" | "hour" | "hours" => Unit::Hour,
        "d" | "day" | "days" => Unit::Day,
        "w" | "week" | "weeks" => Unit::Week,
        "mon" | "mons" | "month" | "months" => Unit::Month,
        "qtr" | "quarter" => Unit::Quarter,
        "y" | "yr" | "yrs" | "year" | "years" => Unit::Year,
        "dec" | "decs" | "decade" | "decades" => Unit::Decade,
        "c" | "cent" | "century" | "centuries" => Unit::Century,
        "mil" | "mils" | "millennia" | "millennium" => Unit::Millennium,
        "dow" => Unit::DayOfWeek,
        "isodow" => Unit::IsoDayOfWeek,
        "doy" => Unit::DayOfYear,
        "isoyear" => Unit::IsoYear,
        "epoch" => Unit::Epoch,
        "j" | "julian" => Unit::Julian,
        "timezone" => Unit::Timezone,
        "timezone_h" => Unit::TimezoneHour,
        "timezone_m" => Unit::TimezoneMinute,
        _ => return None,
    })
}

fn not_recognized(name: &str, source: &Source) -> Error {
    Error::new(
        SqlState::INVALID_PARAMETER_VALUE,
        format!(
            "unit \"{}\" not recognized for type {}",
            name.to_ascii_lowercase(),
            source.type_name()
        ),
    )
}

fn not_supported(name: &str, source: &Source) -> Error {
    Error::feature_not_supported(format!(
        "unit \"{}\" not supported for type {}",
        name.to_ascii_lowercase(),
        source.type_name()
    ))
}

/// `value / 10^scale` as a numeric with that scale (PostgreSQL's `int64_div_fast_to_numeric`).
fn scaled(value: i64, scale: u32) -> Result<Numeric> {
    Numeric::from_parts(i128::from(value), scale)
}

fn integer(value: i64) -> Numeric {
    Numeric::from_i64(value)
}

/// Julian day number of a (astronomical) calendar date.
fn julian_day(year: i64, month: u32, day: u32) -> i64 {
    super::days_from_civil(year, month, day) + 2_440_588
}

/// Day of the week, 0 = Sunday (PostgreSQL's `j2day`).
fn weekday(julian: i64) -> i64 {
    (julian + 1).rem_euclid(7)
}

/// The Julian day of the Monday starting ISO week 1 of `year`.
fn iso_week_one(year: i64) -> i64 {
    let day4 = julian_day(year, 1, 4);
    day4 - (weekday(day4) + 6) % 7
}

/// ISO 8601 year and week of a date.
fn iso_week(year: i64, month: u32, day: u32) -> (i64, i64) {
    let julian = julian_day(year, month, day);
    let mut iso_year = year;
    if julian < iso_week_one(year) {
        iso_year -= 1;
    } else if julian >= iso_week_one(year + 1) {
        iso_year += 1;
    }
    (iso_year, (julian - iso_week_one(iso_year)) / 7 + 1)
}

/// Whether a field is monotonic in the value: infinite sources give ±Infinity for these.
fn is_monotonic(unit: Unit) -> bool {
    matches!(
        unit,
        Unit::Year
            | Unit::Decade
            | Unit::Century
            | Unit::Millennium
            | Unit::Julian
            | Unit::IsoYear
            | Unit::Epoch
    )
}

/// Calendar fields shared by timestamps and dates.
fn calendar_field(unit: Unit, parts: &TimestampParts) -> Option<i64> {
    let year = parts.year;
    Some(match unit {
        Unit::Day => i64::from(parts.day),
        Unit::Month => i64::from(parts.month),
        Unit::Quarter => i64::from((parts.month - 1) / 3 + 1),
        Unit::Year => {
            if year > 0 {
                year
            } else {
                year - 1
            }
        }
        Unit::Decade => {
            if year >= 0 {
                year / 10
            } else {
                -((8 - (year - 1)) / 10)
            }
        }
        Unit::Century => {
            if year > 0 {
                (year + 99) / 100
            } else {
                -((99 - (year - 1)) / 100)
            }
        }
        Unit::Millennium => {
            if year > 0 {
                (year + 999) / 1000
            } else {
                -((999 - (year - 1)) / 1000)
            }
        }
        Unit::Week => iso_week(year, parts.month, parts.day).1,
        Unit::IsoYear => {
            let iso_year = iso_week(year, parts.month, parts.day).0;
            if iso_year > 0 { iso_year } else { iso_year - 1 }
        }
        Unit::DayOfWeek => weekday(julian_day(year, parts.month, parts.day)),
        Unit::IsoDayOfWeek => match weekday(julian_day(year, parts.month, parts.day)) {
            0 => 7,
            other => other,
        },
        Unit::DayOfYear => julian_day(year, parts.month, parts.day) - julian_day(year, 1, 1) + 1,
        _ => return None,
    })
}

/// `extract(field from source)` (PostgreSQL 14+: a numeric).
pub fn extract(field: &str, source: Source) -> Result<Extracted> {
    let unit = unit_of(field).ok_or_else(|| not_recognized(field, &source))?;
    let unsupported = || Err(not_supported(field, &source));
    match source {
        Source::Timestamp(t) | Source::TimestampTz(t) => {
            let with_zone = matches!(source, Source::TimestampTz(_));
            if matches!(
                unit,
                Unit::Timezone | Unit::TimezoneHour | Unit::TimezoneMinute
            ) {
                return if with_zone {
                    Ok(Extracted::Value(integer(0)))
                } else {
                    unsupported()
                };
            }
            if is_infinite(t) {
                return Ok(if is_monotonic(unit) {
                    Extracted::Infinite {
                        negative: t == TIMESTAMP_NEG_INFINITY,
                    }
                } else {
                    Extracted::Null
                });
            }
            let parts = timestamp_to_parts(t);
            let second_micros = i64::from(parts.second) * 1_000_000 + i64::from(parts.microsecond);
            let value = match unit {
                Unit::Microseconds => integer(second_micros),
                Unit::Milliseconds => scaled(second_micros, 3)?,
                Unit::Second => scaled(second_micros, 6)?,
                Unit::Minute => integer(i64::from(parts.minute)),
                Unit::Hour => integer(i64::from(parts.hour)),
                Unit::Epoch => {
                    let unix = i128::from(t)
                        + i128::from(super::UNIX_TO_POSTGRES_DAYS) * i128::from(USECS_PER_DAY);
                    Numeric::from_parts(unix, 6)?
                }
                Unit::Julian => {
                    let day = julian_day(parts.year, parts.month, parts.day);
                    let time = t.rem_euclid(USECS_PER_DAY);
                    integer(day)
                        .checked_add(&integer(time).checked_div(&integer(USECS_PER_DAY))?)?
                }
                other => match calendar_field(other, &parts) {
                    Some(value) => integer(value),
                    None => return unsupported(),
                },
            };
            Ok(Extracted::Value(value))
        }
        Source::Date(d) => {
            if matches!(
                unit,
                Unit::Microseconds
                    | Unit::Milliseconds
                    | Unit::Second
                    | Unit::Minute
                    | Unit::Hour
                    | Unit::Timezone
                    | Unit::TimezoneHour
                    | Unit::TimezoneMinute
            ) {
                return unsupported();
            }
            if date::is_infinite(d) {
                return Ok(if is_monotonic(unit) {
                    Extracted::Infinite {
                        negative: d == DATE_NEG_INFINITY,
                    }
                } else {
                    Extracted::Null
                });
            }
            let (year, month, day) = date::civil_from_date(d);
            let parts = TimestampParts {
                year,
                month,
                day,
                hour: 0,
                minute: 0,
                second: 0,
                microsecond: 0,
            };
            let value = match unit {
                Unit::Epoch => integer((i64::from(d) + super::UNIX_TO_POSTGRES_DAYS) * 86_400),
                Unit::Julian => integer(julian_day(year, month, day)),
                other => match calendar_field(other, &parts) {
                    Some(value) => integer(value),
                    None => return unsupported(),
                },
            };
            Ok(Extracted::Value(value))
        }
        Source::Time(t) => {
            let second_micros = t % 60_000_000;
            let value = match unit {
                Unit::Microseconds => integer(second_micros),
                Unit::Milliseconds => scaled(second_micros, 3)?,
                Unit::Second => scaled(second_micros, 6)?,
                Unit::Minute => integer(t / 60_000_000 % 60),
                Unit::Hour => integer(t / 3_600_000_000),
                Unit::Epoch => scaled(t, 6)?,
                _ => return unsupported(),
            };
            Ok(Extracted::Value(value))
        }
        Source::Interval(span) => {
            let years = i64::from(span.months / 12);
            let second_micros = span.micros % 60_000_000;
            let value = match unit {
                Unit::Microseconds => integer(second_micros),
                Unit::Milliseconds => scaled(second_micros, 3)?,
                Unit::Second => scaled(second_micros, 6)?,
                Unit::Minute => integer(span.micros / 60_000_000 % 60),
                Unit::Hour => integer(span.micros / 3_600_000_000),
                Unit::Day => integer(i64::from(span.days)),
                Unit::Month => integer(i64::from(span.months % 12)),
                Unit::Quarter => integer(i64::from(span.months % 12 / 3 + 1)),
                Unit::Year => integer(years),
                Unit::Decade => integer(years / 10),
                Unit::Century => integer(years / 100),
                Unit::Millennium => integer(years / 1000),
                Unit::Epoch => {
                    let day_month_seconds = (1461 * i64::from(span.months / 12)
                        + 120 * i64::from(span.months % 12)
                        + 4 * i64::from(span.days))
                        * (86_400 / 4);
                    integer(day_month_seconds).checked_add(&scaled(span.micros, 6)?)?
                }
                _ => return unsupported(),
            };
            Ok(Extracted::Value(value))
        }
    }
}

/// `date_trunc(field, source)` for timestamps (with or without zone) and intervals.
pub fn date_trunc(field: &str, source: Source) -> Result<Source> {
    let unit = unit_of(field).ok_or_else(|| not_recognized(field, &source))?;
    let unsupported = || Err(not_supported(field, &source));
    match source {
        Source::Timestamp(t) | Source::TimestampTz(t) => {
            if is_infinite(t) {
                return Ok(source);
            }
            let mut parts = timestamp_to_parts(t);
            let year = parts.year;
            match unit {
                Unit::Week => {
                    let julian = julian_day(parts.year, parts.month, parts.day);
                    let monday = julian - (weekday(julian) + 6) % 7;
                    let micros =
                        (monday - julian) * USECS_PER_DAY + t - t.rem_euclid(USECS_PER_DAY);
                    let truncated = if super::is_valid_timestamp(micros) {
                        micros
                    } else {
                        return Err(timestamp_out_of_range());
                    };
                    return Ok(match source {
                        Source::TimestampTz(_) => Source::TimestampTz(truncated),
                        _ => Source::Timestamp(truncated),
                    });
                }
                Unit::Millennium => {
                    parts.year = if year > 0 {
                        ((year + 999) / 1000) * 1000 - 999
                    } else {
                        -((999 - (year - 1)) / 1000) * 1000 + 1
                    };
                }
                Unit::Century => {
                    parts.year = if year > 0 {
                        ((year + 99) / 100) * 100 - 99
                    } else {
                        -((99 - (year - 1)) / 100) * 100 + 1
                    };
                }
                Unit::Decade => {
                    parts.year = if year > 0 {
                        (year / 10) * 10
                    } else {
                        -((8 - (year - 1)) / 10) * 10
                    };
                }
                _ => {}
            }
            let rank = match unit {
                Unit::Millennium | Unit::Century | Unit::Decade | Unit::Year => 7,
                Unit::Quarter => 6,
                Unit::Month => 5,
                Unit::Day => 4,
                Unit::Hour => 3,
                Unit::Minute => 2,
                Unit::Second => 1,
                Unit::Milliseconds => {
                    parts.microsecond = parts.microsecond / 1000 * 1000;
                    0
                }
                Unit::Microseconds => 0,
                _ => return unsupported(),
            };
            if rank >= 7 {
                parts.month = 1;
            }
            if rank >= 6 {
                parts.month = 3 * ((parts.month - 1) / 3) + 1;
            }
            if rank >= 5 {
                parts.day = 1;
            }
            if rank >= 4 {
                parts.hour = 0;
            }
            if rank >= 3 {
                parts.minute = 0;
            }
            if rank >= 2 {
                parts.second = 0;
            }
            if rank >= 1 {
                parts.microsecond = 0;
            }
            let truncated = timestamp_from_parts(&parts)?;
            Ok(match source {
                Source::TimestampTz(_) => Source::TimestampTz(truncated),
                _ => Source::Timestamp(truncated),
            })
        }
        Source::Interval(span) => {
            let mut years = span.months / 12;
            let mut months = span.months % 12;
            let mut days = span.days;
            let mut hours = span.micros / 3_600_000_000;
            let mut minutes = span.micros / 60_000_000 % 60;
            let mut second_micros = span.micros % 60_000_000;
            let rank = match unit {
                Unit::Millennium => {
                    years = years / 1000 * 1000;
                    8
                }
                Unit::Century => {
                    years = years / 100 * 100;
                    8
                }
                Unit::Decade => {
                    years = years / 10 * 10;
                    8
                }
                Unit::Year => 8,
                Unit::Quarter => {
                    months = 3 * (months / 3);
                    7
                }
                Unit::Month => 7,
                Unit::Day => 6,
                Unit::Hour => 5,
                Unit::Minute => 4,
                Unit::Second => 3,
                Unit::Milliseconds => {
                    second_micros = second_micros / 1000 * 1000;
                    0
                }
                Unit::Microseconds => 0,
                Unit::Week => {
                    return Err(not_supported(field, &source)
                        .with_hint("Months usually have fractional weeks."));
                }
                _ => return unsupported(),
            };
            if rank >= 8 {
                months = 0;
            }
            if rank >= 7 {
                days = 0;
            }
            if rank >= 6 {
                hours = 0;
            }
            if rank >= 5 {
                minutes = 0;
            }
            if rank >= 4 {
                second_micros = 0;
            }
            if rank == 3 {
                second_micros = second_micros / 1_000_000 * 1_000_000;
            }
            Ok(Source::Interval(Interval {
                micros: hours * 3_600_000_000 + minutes * 60_000_000 + second_micros,
                days,
                months: years * 12 + months,
            }))
        }
        Source::Date(_) | Source::Time(_) => unsupported(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datetime::{parse_timestamp, write_timestamp};

    fn ts(text: &str) -> i64 {
        parse_timestamp(text).expect(text)
    }

    fn shown(t: i64) -> String {
        let mut out = String::new();
        write_timestamp(t, &mut out);
        out
    }

    #[test]
    fn month_arithmetic_clamps_to_month_end() {
        let plus_month = timestamp_plus_interval(ts("2024-01-31 10:00"), &Interval::new(1, 0, 0))
            .expect("in range");
        assert_eq!(shown(plus_month), "2024-02-29 10:00:00");
        let minus =
            timestamp_plus_interval(ts("2024-03-31"), &Interval::new(-13, 0, 0)).expect("in range");
        assert_eq!(shown(minus), "2023-02-28 00:00:00");
    }

    #[test]
    fn age_borrows_like_postgres() {
        let mut out = String::new();
        let span = age(ts("2024-03-01"), ts("2023-01-31")).expect("finite");
        crate::datetime::interval::write_interval(&span, &mut out);
        assert_eq!(out, "1 year 1 mon 1 day");
    }

    #[test]
    fn extract_fields() {
        let t = Source::Timestamp(ts("2024-01-01 10:00:05.5"));
        let value = |field: &str, source: Source| match extract(field, source).expect(field) {
            Extracted::Value(n) => n.to_string(),
            other => format!("{other:?}"),
        };
        assert_eq!(value("second", t), "5.500000");
        assert_eq!(value("milliseconds", t), "5500.000");
        assert_eq!(
            value("epoch", Source::Timestamp(ts("2024-01-01 10:00:05"))),
            "1704103205.000000"
        );
        assert_eq!(
            value("julian", Source::Timestamp(ts("2024-01-01 12:00"))),
            "2460311.50000000000000000000"
        );
        assert_eq!(value("week", Source::Timestamp(ts("2024-01-01"))), "1");
        assert_eq!(
            value("isoyear", Source::Timestamp(ts("2021-01-01"))),
            "2020"
        );
        let error = extract("hour", Source::Date(0)).expect_err("no hour in a date");
        assert_eq!(error.message(), "unit \"hour\" not supported for type date");
    }
}
