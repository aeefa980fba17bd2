//! Date and time functions. The calendar work lives in `db001_common::datetime`; this module
//! reads arguments, supplies the clock (the transaction's start for `now()`), and handles
//! time zones for `AT TIME ZONE`.
//!
//! Time zones: the session zone is UTC. `AT TIME ZONE` accepts UTC's names, intervals, and
//! POSIX-style offsets (`'+05'`, `'UTC-3'`, `'Etc/GMT+5'`, where, as in PostgreSQL and POSIX,
//! a positive number is *west* of Greenwich). Named zones with daylight rules
//! (`'Europe/Paris'`) need a time zone database db001 does not carry: 0A000.

use db001_common::datetime::arith::{self, Extracted, Source};
use db001_common::datetime::date::{self, date_from_civil};
use db001_common::datetime::format;
use db001_common::datetime::interval::Interval;
use db001_common::datetime::{TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY, USECS_PER_DAY};
use db001_common::{Error, Result, SqlState, Value};
use db001_planner::builtin::DateTimeFunction;

use super::{Arguments, text_value};
use crate::eval::Env;

/// Microseconds since 2000-01-01 UTC on the wall clock.
fn clock_micros() -> i64 {
    let since_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |duration| duration.as_micros() as i64);
    since_unix - db001_common::datetime::UNIX_TO_POSTGRES_DAYS * USECS_PER_DAY
}

fn source_of(value: Value) -> Result<Source> {
    Ok(match value {
        Value::Timestamp(t) => Source::Timestamp(t),
        Value::TimestampTz(t) => Source::TimestampTz(t),
        Value::Date(d) => Source::Date(d),
        Value::Time(t) => Source::Time(t),
        Value::Interval(span) => Source::Interval(span),
        other => {
            return Err(Error::internal(format!(
                "no date/time fields in a value of type {}",
                other.data_type().sql_name()
            )));
        }
    })
}

fn value_of(source: Source) -> Value {
    match source {
        Source::Timestamp(t) => Value::Timestamp(t),
        Source::TimestampTz(t) => Value::TimestampTz(t),
        Source::Date(d) => Value::Date(d),
        Source::Time(t) => Value::Time(t),
        Source::Interval(span) => Value::Interval(span),
    }
}

fn timestamp_micros(value: &Value) -> Result<i64> {
    match value {
        Value::Timestamp(t) | Value::TimestampTz(t) => Ok(*t),
        other => Err(Error::internal(format!(
            "expected a timestamp, got {}",
            other.data_type().sql_name()
        ))),
    }
}

/// A zone's offset in seconds *east* of UTC, from a zone name or an interval.
fn zone_offset_seconds(zone: &Value) -> Result<i64> {
    if let Value::Interval(span) = zone {
        if span.months != 0 || span.days != 0 {
            return Err(Error::new(
                SqlState::INVALID_PARAMETER_VALUE,
                "interval time zone must not include months or days",
            ));
        }
        return Ok(span.micros / 1_000_000);
    }
    let name = zone.to_text();
    let lower = name.to_ascii_lowercase();
    let posix = lower
        .strip_prefix("etc/")
        .unwrap_or(&lower)
        .trim_start_matches("utc")
        .trim_start_matches("gmt");
    let utc_name = matches!(
        lower.as_str(),
        "utc"
            | "gmt"
            | "z"
            | "zulu"
            | "uct"
            | "ut"
            | "etc/utc"
            | "etc/gmt"
            | "etc/uct"
            | "etc/zulu"
            | "universal"
            | "greenwich"
    );
    if utc_name {
        return Ok(0);
    }
    let unsupported = || {
        Error::feature_not_supported(format!("time zone \"{name}\" is not supported by db001"))
            .with_hint("db001 knows UTC, intervals and POSIX offsets such as '+05' or 'UTC-3'.")
    };
    let (sign, digits) = match posix.as_bytes().first() {
        Some(b'+') => (1, &posix[1..]),
        Some(b'-') => (-1, &posix[1..]),
        Some(b'0'..=b'9') => (1, posix),
        _ => return Err(unsupported()),
    };
    let mut parts = digits.split(':');
    let number = |part: Option<&str>| -> Result<i64> {
        match part {
            None => Ok(0),
            Some(text) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
                text.parse().map_err(|_| unsupported())
            }
            Some(_) => Err(unsupported()),
        }
    };
    let hours = number(parts.next())?;
    let minutes = number(parts.next())?;
    let seconds = number(parts.next())?;
    if parts.next().is_some() || hours > 168 {
        return Err(unsupported());
    }
    // POSIX: a positive offset is west of Greenwich.
    Ok(-sign * (hours * 3600 + minutes * 60 + seconds))
}

fn shift(t: i64, seconds: i64) -> Result<i64> {
    if t == TIMESTAMP_INFINITY || t == TIMESTAMP_NEG_INFINITY {
        return Ok(t);
    }
    t.checked_add(seconds * 1_000_000)
        .filter(|t| db001_common::datetime::is_valid_timestamp(*t))
        .ok_or_else(arith::timestamp_out_of_range)
}

/// Calls a date/time function.
pub(crate) fn call(function: DateTimeFunction, args: Vec<Value>, env: Env<'_>) -> Result<Value> {
    use DateTimeFunction as F;
    let start = env.ctx.transaction_start_micros;
    let mut args = Arguments::new(args);
    Ok(match function {
        F::Now => Value::TimestampTz(start),
        F::ClockTimestamp => Value::TimestampTz(clock_micros()),
        F::CurrentDate => Value::Date(date::timestamp_to_date(start)?),
        F::LocalTimestamp => Value::Timestamp(start),
        F::LocalTime => Value::Time(start.rem_euclid(USECS_PER_DAY)),
        F::DatePart | F::Extract => {
            let field = args.text()?;
            let source = source_of(args.next()?)?;
            let extracted = arith::extract(&field, source)?;
            match (function, extracted) {
                (_, Extracted::Null) => Value::Null,
                (F::Extract, Extracted::Value(n)) => Value::Numeric(n),
                (_, Extracted::Value(n)) => Value::Float64(n.to_f64()),
                (F::Extract, Extracted::Infinite { .. }) => {
                    return Err(Error::feature_not_supported(
                        "numeric infinity is not supported by db001",
                    )
                    .with_hint("Use date_part(), which returns double precision."));
                }
                (_, Extracted::Infinite { negative }) => Value::Float64(if negative {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }),
            }
        }
        F::DateTrunc => {
            let field = args.text()?;
            let source = source_of(args.next()?)?;
            value_of(arith::date_trunc(&field, source)?)
        }
        F::Age => {
            let a = timestamp_micros(&args.next()?)?;
            let b = timestamp_micros(&args.next()?)?;
            Value::Interval(arith::age(a, b)?)
        }
        F::AgeFromToday => {
            let t = timestamp_micros(&args.next()?)?;
            let today = start.div_euclid(USECS_PER_DAY) * USECS_PER_DAY;
            Value::Interval(arith::age(today, t)?)
        }
        F::ToChar => {
            let value = args.next()?;
            let pattern = args.text()?;
            match value {
                Value::Timestamp(t) => {
                    format::to_char_timestamp(t, false, &pattern).map_or(Value::Null, text_value)
                }
                Value::TimestampTz(t) => {
                    format::to_char_timestamp(t, true, &pattern).map_or(Value::Null, text_value)
                }
                Value::Interval(span) => text_value(format::to_char_interval(&span, &pattern)),
                other => {
                    return Err(Error::internal(format!(
                        "to_char of {}",
                        other.data_type().sql_name()
                    )));
                }
            }
        }
        F::ToTimestamp => {
            let text = args.text()?;
            let pattern = args.text()?;
            Value::TimestampTz(format::to_timestamp(&text, &pattern)?)
        }
        F::ToTimestampEpoch => {
            let seconds = args.double()?;
            if seconds.is_nan() {
                return Err(Error::new(
                    SqlState::DATETIME_FIELD_OVERFLOW,
                    "timestamp cannot be NaN",
                ));
            }
            if seconds.is_infinite() {
                return Ok(Value::TimestampTz(if seconds > 0.0 {
                    TIMESTAMP_INFINITY
                } else {
                    TIMESTAMP_NEG_INFINITY
                }));
            }
            let micros = (seconds * 1_000_000.0).round_ties_even()
                - (db001_common::datetime::UNIX_TO_POSTGRES_DAYS * USECS_PER_DAY) as f64;
            if !(-2.0e17..9.2e18).contains(&micros)
                || !db001_common::datetime::is_valid_timestamp(micros as i64)
            {
                return Err(Error::new(
                    SqlState::DATETIME_FIELD_OVERFLOW,
                    format!("timestamp out of range: \"{seconds}\""),
                ));
            }
            Value::TimestampTz(micros as i64)
        }
        F::ToDate => {
            let text = args.text()?;
            let pattern = args.text()?;
            Value::Date(format::to_date(&text, &pattern)?)
        }
        F::JustifyDays | F::JustifyHours | F::JustifyInterval => {
            let Value::Interval(span) = args.next()? else {
                return Err(Error::internal("justify_* of a non-interval"));
            };
            Value::Interval(match function {
                F::JustifyDays => span.justify_days()?,
                F::JustifyHours => span.justify_hours()?,
                _ => span.justify_interval()?,
            })
        }
        F::MakeDate => {
            let (year, month, day) = (args.int()?, args.int()?, args.int()?);
            Value::Date(make_date(year, month, day)?)
        }
        F::MakeTime => {
            let (hour, minute) = (args.int()?, args.int()?);
            let seconds = args.double()?;
            Value::Time(make_time(hour, minute, seconds)?)
        }
        F::MakeTimestamp => {
            let (year, month, day) = (args.int()?, args.int()?, args.int()?);
            let (hour, minute) = (args.int()?, args.int()?);
            let seconds = args.double()?;
            let day = make_date(year, month, day)?;
            let time = make_time(hour, minute, seconds)?;
            Value::Timestamp(arith::date_plus_time(day, time)?)
        }
        F::MakeInterval => make_interval(args.rest())?,
        F::IsFinite => Value::Bool(match args.next()? {
            Value::Date(d) => !date::is_infinite(d),
            Value::Timestamp(t) | Value::TimestampTz(t) => {
                t != TIMESTAMP_INFINITY && t != TIMESTAMP_NEG_INFINITY
            }
            _ => true,
        }),
        F::TimezoneOfTimestamp => {
            let offset = zone_offset_seconds(&args.next()?)?;
            let local = timestamp_micros(&args.next()?)?;
            Value::TimestampTz(shift(local, -offset)?)
        }
        F::TimezoneOfTimestampTz => {
            let offset = zone_offset_seconds(&args.next()?)?;
            let instant = timestamp_micros(&args.next()?)?;
            Value::Timestamp(shift(instant, offset)?)
        }
    })
}

/// `make_date`: negative years are BC; 22008 for impossible dates.
fn make_date(year: i32, month: i32, day: i32) -> Result<i32> {
    let invalid = || {
        Error::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            format!("date field value out of range: {year}-{month:02}-{day:02}"),
        )
    };
    if year == 0 {
        return Err(invalid());
    }
    let astronomical = if year < 0 {
        i64::from(year) + 1
    } else {
        i64::from(year)
    };
    let (Ok(month_number), Ok(day_number)) = (u32::try_from(month), u32::try_from(day)) else {
        return Err(invalid());
    };
    if !(1..=12).contains(&month_number)
        || day_number < 1
        || day_number > db001_common::datetime::days_in_month(astronomical, month_number)
    {
        return Err(invalid());
    }
    date_from_civil(astronomical, month_number, day_number)
}

/// `make_time`: seconds may carry a fraction.
fn make_time(hour: i32, minute: i32, seconds: f64) -> Result<i64> {
    let micros = (seconds * 1_000_000.0).round_ties_even();
    let valid = (0..=24).contains(&hour)
        && (0..60).contains(&minute)
        && (0.0..=60_000_000.0).contains(&micros);
    let total = i64::from(hour) * 3_600_000_000 + i64::from(minute) * 60_000_000 + micros as i64;
    if !valid || total > USECS_PER_DAY {
        return Err(Error::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            format!("time field value out of range: {hour}:{minute:02}:{seconds:02}"),
        ));
    }
    Ok(total)
}

/// `make_interval(years, months, weeks, days, hours, mins, secs)`, positional.
fn make_interval(values: Vec<Value>) -> Result<Value> {
    let mut fields = [0i64; 6];
    let mut seconds = 0.0;
    for (index, value) in values.into_iter().enumerate() {
        match (index, value) {
            (6, Value::Float64(s)) => seconds = s,
            (i, other) if i < 6 => fields[i] = other.as_i64().unwrap_or(0),
            _ => {}
        }
    }
    let [years, months, weeks, days, hours, minutes] = fields;
    let total_months = i32::try_from(years * 12 + months)
        .map_err(|_| db001_common::datetime::interval::out_of_range())?;
    let total_days = i32::try_from(weeks * 7 + days)
        .map_err(|_| db001_common::datetime::interval::out_of_range())?;
    let micros = (hours * 3600 + minutes * 60) as f64 * 1_000_000.0
        + (seconds * 1_000_000.0).round_ties_even();
    if !micros.is_finite() || micros.abs() > 9.2e18 {
        return Err(db001_common::datetime::interval::out_of_range());
    }
    Ok(Value::Interval(Interval::new(
        total_months,
        total_days,
        micros as i64,
    )))
}
