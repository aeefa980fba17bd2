//! `to_char` for dates, times and intervals, and `to_timestamp` / `to_date` parsing with a
//! format (PostgreSQL's `formatting.c`, the datetime half).
//!
//! Supported patterns, in PostgreSQL's spellings and case variants: `HH`, `HH12`, `HH24`,
//! `MI`, `SS`, `MS`, `US`, `SSSS`/`SSSSS`, `AM`/`PM`/`A.M.`/`P.M.` (and lower case),
//! `YYYY`, `Y,YYY`, `YYY`, `YY`, `Y`, `IYYY`..`I`, `BC`/`AD`/`B.C.`/`A.D.`, `MONTH`/`Month`/
//! `month`, `MON`/`Mon`/`mon`, `MM`, `DAY`/`Day`/`day`, `DY`/`Dy`/`dy`, `DDD`, `IDDD`, `DD`,
//! `D`, `ID`, `W`, `WW`, `IW`, `CC`, `J`, `Q`, `RM`/`rm`, `TZ`/`tz`, `OF`; the `FM` prefix
//! (no padding), the `TH`/`th` suffix (ordinal), `FX` (accepted), double-quoted literal text
//! and backslash escapes. Anything else is copied as is, as PostgreSQL does.
//!
//! Parsing (`to_timestamp`, `to_date`) reads the numeric fields as digit runs, month and day
//! names case-insensitively, `AM`/`PM`, and skips separators loosely like PostgreSQL's
//! non-`FX` mode. Malformed input is 22007; impossible field values 22008.

use super::interval::Interval;
use super::{
    TIMESTAMP_INFINITY, TIMESTAMP_NEG_INFINITY, TimestampParts, USECS_PER_DAY, days_in_month,
    timestamp_from_parts, timestamp_to_parts,
};
use crate::error::{Error, Result, SqlState};

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

const ROMAN_MONTHS: [&str; 12] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
];

/// A format pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    AdDots,
    AmDots,
    Ad,
    Am,
    BcDots,
    PmDots,
    Bc,
    Pm,
    Century,
    DayName,
    DayAbbrev,
    DayOfYear,
    DayOfMonth,
    DayOfWeek,
    FixedFormat,
    Hour24,
    Hour12,
    Hour,
    IsoDayOfYear,
    IsoDayOfWeek,
    IsoWeek,
    IsoYear4,
    IsoYear3,
    IsoYear2,
    IsoYear1,
    Julian,
    Minute,
    MonthNumber,
    MonthName,
    MonthAbbrev,
    Millisecond,
    Offset,
    Quarter,
    RomanMonth,
    SecondsOfDay,
    Second,
    TimeZone,
    Microsecond,
    WeekOfYear,
    WeekOfMonth,
    YearComma,
    Year4,
    Year3,
    Year2,
    Year1,
}

/// How a text pattern was capitalised: `MONTH`, `Month` or `month`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Upper,
    Capitalized,
    Lower,
}

/// The pattern table, longest spellings first where one is a prefix of another.
const PATTERNS: &[(&str, Pattern, Case)] = &[
    ("A.D.", Pattern::AdDots, Case::Upper),
    ("A.M.", Pattern::AmDots, Case::Upper),
    ("AD", Pattern::Ad, Case::Upper),
    ("AM", Pattern::Am, Case::Upper),
    ("B.C.", Pattern::BcDots, Case::Upper),
    ("BC", Pattern::Bc, Case::Upper),
    ("CC", Pattern::Century, Case::Upper),
    ("DAY", Pattern::DayName, Case::Upper),
    ("DDD", Pattern::DayOfYear, Case::Upper),
    ("DD", Pattern::DayOfMonth, Case::Upper),
    ("DY", Pattern::DayAbbrev, Case::Upper),
    ("Day", Pattern::DayName, Case::Capitalized),
    ("Dy", Pattern::DayAbbrev, Case::Capitalized),
    ("D", Pattern::DayOfWeek, Case::Upper),
    ("FX", Pattern::FixedFormat, Case::Upper),
    ("HH24", Pattern::Hour24, Case::Upper),
    ("HH12", Pattern::Hour12, Case::Upper),
    ("HH", Pattern::Hour, Case::Upper),
    ("IDDD", Pattern::IsoDayOfYear, Case::Upper),
    ("ID", Pattern::IsoDayOfWeek, Case::Upper),
    ("IW", Pattern::IsoWeek, Case::Upper),
    ("IYYY", Pattern::IsoYear4, Case::Upper),
    ("IYY", Pattern::IsoYear3, Case::Upper),
    ("IY", Pattern::IsoYear2, Case::Upper),
    ("I", Pattern::IsoYear1, Case::Upper),
    ("J", Pattern::Julian, Case::Upper),
    ("MI", Pattern::Minute, Case::Upper),
    ("MM", Pattern::MonthNumber, Case::Upper),
    ("MONTH", Pattern::MonthName, Case::Upper),
    ("MON", Pattern::MonthAbbrev, Case::Upper),
    ("MS", Pattern::Millisecond, Case::Upper),
    ("Month", Pattern::MonthName, Case::Capitalized),
    ("Mon", Pattern::MonthAbbrev, Case::Capitalized),
    ("OF", Pattern::Offset, Case::Upper),
    ("P.M.", Pattern::PmDots, Case::Upper),
    ("PM", Pattern::Pm, Case::Upper),
    ("Q", Pattern::Quarter, Case::Upper),
    ("RM", Pattern::RomanMonth, Case::Upper),
    ("SSSSS", Pattern::SecondsOfDay, Case::Upper),
    ("SSSS", Pattern::SecondsOfDay, Case::Upper),
    ("SS", Pattern::Second, Case::Upper),
    ("TZ", Pattern::TimeZone, Case::Upper),
    ("US", Pattern::Microsecond, Case::Upper),
    ("WW", Pattern::WeekOfYear, Case::Upper),
    ("W", Pattern::WeekOfMonth, Case::Upper),
    ("Y,YYY", Pattern::YearComma, Case::Upper),
    ("YYYY", Pattern::Year4, Case::Upper),
    ("YYY", Pattern::Year3, Case::Upper),
    ("YY", Pattern::Year2, Case::Upper),
    ("Y", Pattern::Year1, Case::Upper),
    ("a.d.", Pattern::AdDots, Case::Lower),
    ("a.m.", Pattern::AmDots, Case::Lower),
    ("ad", Pattern::Ad, Case::Lower),
    ("am", Pattern::Am, Case::Lower),
    ("b.c.", Pattern::BcDots, Case::Lower),
    ("bc", Pattern::Bc, Case::Lower),
    ("cc", Pattern::Century, Case::Lower),
    ("day", Pattern::DayName, Case::Lower),
    ("ddd", Pattern::DayOfYear, Case::Lower),
    ("dd", Pattern::DayOfMonth, Case::Lower),
    ("dy", Pattern::DayAbbrev, Case::Lower),
    ("d", Pattern::DayOfWeek, Case::Lower),
    ("fx", Pattern::FixedFormat, Case::Lower),
    ("hh24", Pattern::Hour24, Case::Lower),
    ("hh12", Pattern::Hour12, Case::Lower),
    ("hh", Pattern::Hour, Case::Lower),
    ("iddd", Pattern::IsoDayOfYear, Case::Lower),
    ("id", Pattern::IsoDayOfWeek, Case::Lower),
    ("iw", Pattern::IsoWeek, Case::Lower),
    ("iyyy", Pattern::IsoYear4, Case::Lower),
    ("iyy", Pattern::IsoYear3, Case::Lower),
    ("iy", Pattern::IsoYear2, Case::Lower),
    ("i", Pattern::IsoYear1, Case::Lower),
    ("j", Pattern::Julian, Case::Lower),
    ("mi", Pattern::Minute, Case::Lower),
    ("mm", Pattern::MonthNumber, Case::Lower),
    ("month", Pattern::MonthName, Case::Lower),
    ("mon", Pattern::MonthAbbrev, Case::Lower),
    ("ms", Pattern::Millisecond, Case::Lower),
    ("of", Pattern::Offset, Case::Lower),
    ("p.m.", Pattern::PmDots, Case::Lower),
    ("pm", Pattern::Pm, Case::Lower),
    ("q", Pattern::Quarter, Case::Lower),
    ("rm", Pattern::RomanMonth, Case::Lower),
    ("sssss", Pattern::SecondsOfDay, Case::Lower),
    ("ssss", Pattern::SecondsOfDay, Case::Lower),
    ("ss", Pattern::Second, Case::Lower),
    ("tz", Pattern::TimeZone, Case::Lower),
    ("us", Pattern::Microsecond, Case::Lower),
    ("ww", Pattern::WeekOfYear, Case::Lower),
    ("w", Pattern::WeekOfMonth, Case::Lower),
    ("y,yyy", Pattern::YearComma, Case::Lower),
    ("yyyy", Pattern::Year4, Case::Lower),
    ("yyy", Pattern::Year3, Case::Lower),
    ("yy", Pattern::Year2, Case::Lower),
    ("y", Pattern::Year1, Case::Lower),
];

/// One element of a parsed format.
#[derive(Debug, Clone, PartialEq)]
enum Item {
    Literal(char),
    Field {
        pattern: Pattern,
        case: Case,
        fill: bool,
        ordinal: Option<Case>,
    },
}

fn compile(format: &str) -> Vec<Item> {
    let mut items = Vec::new();
    let mut rest = format;
    while !rest.is_empty() {
        let fill = rest.starts_with("FM") || rest.starts_with("fm");
        let after_fill = if fill { &rest[2..] } else { rest };
        if let Some((spelling, pattern, case)) = PATTERNS
            .iter()
            .find(|(spelling, _, _)| after_fill.starts_with(spelling))
        {
            rest = &after_fill[spelling.len()..];
            let ordinal = if rest.starts_with("TH") {
                rest = &rest[2..];
                Some(Case::Upper)
            } else if rest.starts_with("th") {
                rest = &rest[2..];
                Some(Case::Lower)
            } else {
                None
            };
            items.push(Item::Field {
                pattern: *pattern,
                case: *case,
                fill,
                ordinal,
            });
            continue;
        }
        if fill {
            // A lone `FM` before text is dropped.
            rest = after_fill;
            continue;
        }
        let mut chars = rest.chars();
        let first = chars.next().expect("rest is not empty");
        match first {
            '"' => {
                let mut literal = chars.as_str();
                loop {
                    let mut inner = literal.chars();
                    match inner.next() {
                        None => break,
                        Some('"') => {
                            literal = inner.as_str();
                            break;
                        }
                        Some('\\') => match inner.next() {
                            Some(escaped) => items.push(Item::Literal(escaped)),
                            None => break,
                        },
                        Some(other) => items.push(Item::Literal(other)),
                    }
                    literal = inner.as_str();
                }
                rest = literal;
            }
            '\\' if chars.as_str().starts_with('"') => {
                items.push(Item::Literal('"'));
                rest = &chars.as_str()[1..];
            }
            other => {
                items.push(Item::Literal(other));
                rest = chars.as_str();
            }
        }
    }
    items
}

fn apply_case(text: &str, case: Case) -> String {
    match case {
        Case::Upper => text.to_uppercase(),
        Case::Lower => text.to_lowercase(),
        Case::Capitalized => text.to_string(),
    }
}

fn ordinal_suffix(value: i64, case: Case) -> &'static str {
    let suffix = match (value % 100, value % 10) {
        (11..=13, _) => "th",
        (_, 1) => "st",
        (_, 2) => "nd",
        (_, 3) => "rd",
        _ => "th",
    };
    if case == Case::Upper {
        match suffix {
            "st" => "ST",
            "nd" => "ND",
            "rd" => "RD",
            _ => "TH",
        }
    } else {
        suffix
    }
}

/// The fields `to_char` prints, from a timestamp or an interval.
struct Moment {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    microsecond: i64,
    /// Days since 2000-01-01, for the week and Julian fields (timestamps only).
    days: Option<i64>,
    with_zone: bool,
    interval: bool,
}

fn julian_of(days: i64) -> i64 {
    days + super::UNIX_TO_POSTGRES_DAYS + 2_440_588
}

fn weekday(days: i64) -> i64 {
    (julian_of(days) + 1).rem_euclid(7)
}

fn iso_week_one(year: i64) -> i64 {
    let day4 = super::days_from_civil(year, 1, 4) - super::UNIX_TO_POSTGRES_DAYS;
    day4 - (weekday(day4) + 6) % 7
}

fn iso_year_week(days: i64, year: i64) -> (i64, i64) {
    let mut iso_year = year;
    if days < iso_week_one(year) {
        iso_year -= 1;
    } else if days >= iso_week_one(year + 1) {
        iso_year += 1;
    }
    (iso_year, (days - iso_week_one(iso_year)) / 7 + 1)
}

fn render(moment: &Moment, format: &str) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let display_year = if moment.year <= 0 && !moment.interval {
        1 - moment.year
    } else {
        moment.year
    };
    let day_of_year = moment.days.map_or(0, |days| {
        days - (super::days_from_civil(moment.year, 1, 1) - super::UNIX_TO_POSTGRES_DAYS) + 1
    });
    for item in compile(format) {
        let Item::Field {
            pattern,
            case,
            fill,
            ordinal,
        } = item
        else {
            if let Item::Literal(c) = item {
                out.push(c);
            }
            continue;
        };
        let number = |value: i64, width: usize| -> String {
            if fill {
                value.to_string()
            } else if value < 0 {
                format!("-{:0width$}", -value, width = width)
            } else {
                format!("{value:0width$}")
            }
        };
        let meridiem = |upper: &str, dots: bool| {
            let pm = moment.hour % 24 >= 12;
            let text = match (pm, dots) {
                (false, false) => "AM",
                (true, false) => "PM",
                (false, true) => "A.M.",
                (true, true) => "P.M.",
            };
            let _ = upper;
            apply_case(text, case)
        };
        let era = |dots: bool| {
            let bc = moment.year <= 0 && !moment.interval;
            let text = match (bc, dots) {
                (false, false) => "AD",
                (true, false) => "BC",
                (false, true) => "A.D.",
                (true, true) => "B.C.",
            };
            apply_case(text, case)
        };
        let (text, value): (String, Option<i64>) = match pattern {
            Pattern::Am | Pattern::Pm => (meridiem("", false), None),
            Pattern::AmDots | Pattern::PmDots => (meridiem("", true), None),
            Pattern::Ad | Pattern::Bc => (era(false), None),
            Pattern::AdDots | Pattern::BcDots => (era(true), None),
            Pattern::FixedFormat => (String::new(), None),
            Pattern::Hour24 => (number(moment.hour, 2), Some(moment.hour)),
            Pattern::Hour | Pattern::Hour12 => {
                let hour = match moment.hour % 12 {
                    0 => 12,
                    other => other,
                };
                (number(hour, 2), Some(hour))
            }
            Pattern::Minute => (number(moment.minute, 2), Some(moment.minute)),
            Pattern::Second => (number(moment.second, 2), Some(moment.second)),
            Pattern::Millisecond => {
                let value = moment.microsecond / 1000;
                (number(value, 3), Some(value))
            }
            Pattern::Microsecond => (number(moment.microsecond, 6), Some(moment.microsecond)),
            Pattern::SecondsOfDay => {
                let value = moment.hour * 3600 + moment.minute * 60 + moment.second;
                (value.to_string(), Some(value))
            }
            Pattern::YearComma => {
                let thousands = display_year / 1000;
                (
                    format!("{thousands},{:03}", display_year % 1000),
                    Some(display_year),
                )
            }
            Pattern::Year4 => (number(display_year, 4), Some(display_year)),
            Pattern::Year3 => (number(display_year % 1000, 3), Some(display_year % 1000)),
            Pattern::Year2 => (number(display_year % 100, 2), Some(display_year % 100)),
            Pattern::Year1 => (number(display_year % 10, 1), Some(display_year % 10)),
            Pattern::IsoYear4
            | Pattern::IsoYear3
            | Pattern::IsoYear2
            | Pattern::IsoYear1
            | Pattern::IsoWeek
            | Pattern::IsoDayOfYear => {
                let (iso_year, iso_week) = moment
                    .days
                    .map_or((display_year, 0), |days| iso_year_week(days, moment.year));
                let iso_year = if iso_year <= 0 {
                    1 - iso_year
                } else {
                    iso_year
                };
                match pattern {
                    Pattern::IsoYear4 => (number(iso_year, 4), Some(iso_year)),
                    Pattern::IsoYear3 => (number(iso_year % 1000, 3), Some(iso_year % 1000)),
                    Pattern::IsoYear2 => (number(iso_year % 100, 2), Some(iso_year % 100)),
                    Pattern::IsoYear1 => (number(iso_year % 10, 1), Some(iso_year % 10)),
                    Pattern::IsoWeek => (number(iso_week, 2), Some(iso_week)),
                    _ => {
                        let value = moment
                            .days
                            .map_or(0, |days| (iso_week - 1) * 7 + (weekday(days) + 6) % 7 + 1);
                        (number(value, 3), Some(value))
                    }
                }
            }
            Pattern::MonthName | Pattern::MonthAbbrev | Pattern::RomanMonth => {
                if moment.month < 1 {
                    (String::new(), None)
                } else {
                    let index = (moment.month - 1) as usize % 12;
                    let text = match pattern {
                        Pattern::MonthName => {
                            let name = apply_case(MONTH_NAMES[index], case);
                            if fill { name } else { format!("{name:<9}") }
                        }
                        Pattern::MonthAbbrev => apply_case(&MONTH_NAMES[index][..3], case),
                        _ => {
                            let roman = apply_case(ROMAN_MONTHS[index], case);
                            if fill { roman } else { format!("{roman:<4}") }
                        }
                    };
                    (text, None)
                }
            }
            Pattern::MonthNumber => (number(moment.month, 2), Some(moment.month)),
            Pattern::DayName | Pattern::DayAbbrev => match moment.days {
                Some(days) => {
                    let name = DAY_NAMES[weekday(days) as usize];
                    let text = if pattern == Pattern::DayName {
                        let name = apply_case(name, case);
                        if fill { name } else { format!("{name:<9}") }
                    } else {
                        apply_case(&name[..3], case)
                    };
                    (text, None)
                }
                None => (String::new(), None),
            },
            Pattern::DayOfYear => (number(day_of_year, 3), Some(day_of_year)),
            Pattern::DayOfMonth => (number(moment.day, 2), Some(moment.day)),
            Pattern::DayOfWeek => {
                let value = moment.days.map_or(0, |days| weekday(days) + 1);
                (value.to_string(), Some(value))
            }
            Pattern::IsoDayOfWeek => {
                let value = moment.days.map_or(0, |days| (weekday(days) + 6) % 7 + 1);
                (value.to_string(), Some(value))
            }
            Pattern::WeekOfMonth => {
                let value = (moment.day - 1) / 7 + 1;
                (value.to_string(), Some(value))
            }
            Pattern::WeekOfYear => {
                let value = (day_of_year - 1) / 7 + 1;
                (number(value, 2), Some(value))
            }
            Pattern::Century => {
                let value = if moment.interval {
                    moment.year / 100
                } else if moment.year > 0 {
                    (moment.year + 99) / 100
                } else {
                    -((99 - (moment.year - 1)) / 100)
                };
                (number(value, 2), Some(value))
            }
            Pattern::Julian => {
                let value = moment.days.map_or(0, julian_of);
                (value.to_string(), Some(value))
            }
            Pattern::Quarter => {
                let value = if moment.month < 1 {
                    0
                } else {
                    (moment.month - 1) / 3 + 1
                };
                (value.to_string(), Some(value))
            }
            Pattern::TimeZone => {
                let zone = if moment.with_zone { "UTC" } else { "" };
                (apply_case(zone, case), None)
            }
            // The session zone is UTC; PostgreSQL prints its offset for `timestamp` too.
            Pattern::Offset => ("+00".to_string(), None),
        };
        out.push_str(&text);
        if let (Some(ordinal), Some(value)) = (ordinal, value) {
            let _ = write!(out, "{}", ordinal_suffix(value, ordinal));
        }
    }
    out
}

/// `to_char(timestamp[tz], format)`; `None` (SQL NULL) for infinite values, as PostgreSQL.
pub fn to_char_timestamp(t: i64, with_zone: bool, format: &str) -> Option<String> {
    if t == TIMESTAMP_INFINITY || t == TIMESTAMP_NEG_INFINITY {
        return None;
    }
    let parts = timestamp_to_parts(t);
    let moment = Moment {
        year: parts.year,
        month: i64::from(parts.month),
        day: i64::from(parts.day),
        hour: i64::from(parts.hour),
        minute: i64::from(parts.minute),
        second: i64::from(parts.second),
        microsecond: i64::from(parts.microsecond),
        days: Some(t.div_euclid(USECS_PER_DAY)),
        with_zone,
        interval: false,
    };
    Some(render(&moment, format))
}

/// `to_char(interval, format)`: years, months, days and the clock of the interval.
pub fn to_char_interval(span: &Interval, format: &str) -> String {
    let moment = Moment {
        year: i64::from(span.months / 12),
        month: i64::from(span.months % 12),
        day: i64::from(span.days),
        hour: span.micros / 3_600_000_000,
        minute: span.micros / 60_000_000 % 60,
        second: span.micros / 1_000_000 % 60,
        microsecond: span.micros % 1_000_000,
        days: None,
        with_zone: false,
        interval: true,
    };
    render(&moment, format)
}

/// Fields read by `to_timestamp` / `to_date`.
#[derive(Debug, Default)]
struct Parsed {
    year: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
    day_of_year: Option<i64>,
    hour: Option<i64>,
    hour12: bool,
    pm: Option<bool>,
    minute: Option<i64>,
    second: Option<i64>,
    microsecond: Option<i64>,
    bc: bool,
    offset_seconds: i64,
}

fn format_error(message: String) -> Error {
    Error::new(SqlState::INVALID_DATETIME_FORMAT, message)
}

/// Reads up to `width` digits (with an optional sign for years) from `input`.
fn take_number<'a>(input: &'a str, width: usize, name: &str) -> Result<(i64, &'a str)> {
    let trimmed = input.trim_start_matches(' ');
    let (negative, unsigned) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let end = unsigned
        .char_indices()
        .take(width)
        .take_while(|(_, c)| c.is_ascii_digit())
        .map(|(index, c)| index + c.len_utf8())
        .last()
        .unwrap_or(0);
    if end == 0 {
        let shown: String = trimmed.chars().take(width.max(1)).collect();
        return Err(
            format_error(format!("invalid value \"{shown}\" for \"{name}\""))
                .with_detail("Value must be an integer."),
        );
    }
    let value: i64 = unsigned[..end].parse().map_err(|_| {
        format_error(format!(
            "value for \"{name}\" in source string is out of range"
        ))
    })?;
    Ok((if negative { -value } else { value }, &unsigned[end..]))
}

/// Matches one of `names` (case-insensitively, full or first three letters) at the start.
fn take_name<'a>(
    input: &'a str,
    names: &[&str],
    full: bool,
    what: &str,
) -> Result<(usize, &'a str)> {
    let trimmed = input.trim_start_matches(' ');
    let lower = trimmed.to_ascii_lowercase();
    for (index, name) in names.iter().enumerate() {
        let candidate = if full {
            name.to_string()
        } else {
            name[..3].to_string()
        };
        if lower.starts_with(&candidate.to_ascii_lowercase()) {
            return Ok((index, &trimmed[candidate.len()..]));
        }
    }
    let shown: String = trimmed.chars().take(if full { 9 } else { 3 }).collect();
    Err(
        format_error(format!("invalid value \"{shown}\" for \"{what}\""))
            .with_detail("The given value did not match any of the allowed values for this field."),
    )
}

fn parse_with_format(input: &str, format: &str) -> Result<Parsed> {
    let mut parsed = Parsed::default();
    let mut rest = input;
    for item in compile(format) {
        match item {
            Item::Literal(c) => {
                // Non-FX mode: a separator in the format skips one character of input,
                // spaces are skipped freely.
                if c == ' ' {
                    rest = rest.trim_start_matches(' ');
                } else if let Some(next) = rest.chars().next()
                    && !next.is_ascii_alphanumeric()
                {
                    rest = &rest[next.len_utf8()..];
                } else if rest.starts_with(c) {
                    rest = &rest[c.len_utf8()..];
                }
            }
            Item::Field { pattern, .. } => {
                let set = |slot: &mut Option<i64>, value: i64| *slot = Some(value);
                match pattern {
                    Pattern::Year4 | Pattern::IsoYear4 => {
                        let (value, after) = take_number(rest, 9, "YYYY")?;
                        set(&mut parsed.year, value);
                        rest = after;
                    }
                    Pattern::YearComma => {
                        let (thousands, after) = take_number(rest, 3, "Y,YYY")?;
                        let after = after.strip_prefix(',').unwrap_or(after);
                        let (units, after) = take_number(after, 3, "Y,YYY")?;
                        set(&mut parsed.year, thousands * 1000 + units);
                        rest = after;
                    }
                    Pattern::Year3 | Pattern::Year2 | Pattern::Year1 => {
                        let width = match pattern {
                            Pattern::Year3 => 3,
                            Pattern::Year2 => 2,
                            _ => 1,
                        };
                        let (value, after) = take_number(rest, width, "YY")?;
                        let year = match width {
                            2 if value < 70 => value + 2000,
                            2 => value + 1900,
                            3 => value + 2000,
                            _ => value + 2020,
                        };
                        set(&mut parsed.year, year);
                        rest = after;
                    }
                    Pattern::MonthNumber => {
                        let (value, after) = take_number(rest, 2, "MM")?;
                        set(&mut parsed.month, value);
                        rest = after;
                    }
                    Pattern::MonthName | Pattern::MonthAbbrev => {
                        let full = pattern == Pattern::MonthName;
                        let (index, after) = take_name(
                            rest,
                            &MONTH_NAMES,
                            full,
                            if full { "MONTH" } else { "MON" },
                        )?;
                        set(&mut parsed.month, index as i64 + 1);
                        rest = after;
                    }
                    Pattern::RomanMonth => {
                        let trimmed = rest.trim_start_matches(' ');
                        let upper = trimmed.to_ascii_uppercase();
                        let found = (0..12)
                            .rev()
                            .filter(|index| upper.starts_with(ROMAN_MONTHS[*index]))
                            .max_by_key(|index| ROMAN_MONTHS[*index].len())
                            .ok_or_else(|| format_error("invalid value for \"RM\"".into()))?;
                        set(&mut parsed.month, found as i64 + 1);
                        rest = &trimmed[ROMAN_MONTHS[found].len()..];
                    }
                    Pattern::DayName | Pattern::DayAbbrev => {
                        let full = pattern == Pattern::DayName;
                        let (_, after) =
                            take_name(rest, &DAY_NAMES, full, if full { "DAY" } else { "DY" })?;
                        rest = after;
                    }
                    Pattern::DayOfMonth => {
                        let (value, after) = take_number(rest, 2, "DD")?;
                        set(&mut parsed.day, value);
                        rest = after;
                    }
                    Pattern::DayOfYear => {
                        let (value, after) = take_number(rest, 3, "DDD")?;
                        set(&mut parsed.day_of_year, value);
                        rest = after;
                    }
                    Pattern::Hour24 => {
                        let (value, after) = take_number(rest, 2, "HH24")?;
                        set(&mut parsed.hour, value);
                        rest = after;
                    }
                    Pattern::Hour | Pattern::Hour12 => {
                        let (value, after) = take_number(rest, 2, "HH12")?;
                        if !(1..=12).contains(&value) {
                            return Err(Error::new(
                                SqlState::INVALID_DATETIME_FORMAT,
                                format!("hour \"{value}\" is invalid for the 12-hour clock"),
                            )
                            .with_hint(
                                "Use the 24-hour clock, or give an hour between 1 and 12.",
                            ));
                        }
                        set(&mut parsed.hour, value);
                        parsed.hour12 = true;
                        rest = after;
                    }
                    Pattern::Minute => {
                        let (value, after) = take_number(rest, 2, "MI")?;
                        set(&mut parsed.minute, value);
                        rest = after;
                    }
                    Pattern::Second => {
                        let (value, after) = take_number(rest, 2, "SS")?;
                        set(&mut parsed.second, value);
                        rest = after;
                    }
                    Pattern::Millisecond => {
                        let (value, after) = take_number(rest, 3, "MS")?;
                        set(&mut parsed.microsecond, value * 1000);
                        rest = after;
                    }
                    Pattern::Microsecond => {
                        let (value, after) = take_number(rest, 6, "US")?;
                        set(&mut parsed.microsecond, value);
                        rest = after;
                    }
                    Pattern::Am | Pattern::Pm | Pattern::AmDots | Pattern::PmDots => {
                        let trimmed = rest.trim_start_matches(' ');
                        let lower = trimmed.to_ascii_lowercase();
                        let (pm, length) = if lower.starts_with("a.m.") {
                            (false, 4)
                        } else if lower.starts_with("p.m.") {
                            (true, 4)
                        } else if lower.starts_with("am") {
                            (false, 2)
                        } else if lower.starts_with("pm") {
                            (true, 2)
                        } else {
                            return Err(format_error(
                                "invalid value for \"AM\" in source string".into(),
                            ));
                        };
                        parsed.pm = Some(pm);
                        rest = &trimmed[length..];
                    }
                    Pattern::Ad | Pattern::Bc | Pattern::AdDots | Pattern::BcDots => {
                        let trimmed = rest.trim_start_matches(' ');
                        let lower = trimmed.to_ascii_lowercase();
                        let (bc, length) = if lower.starts_with("b.c.") {
                            (true, 4)
                        } else if lower.starts_with("a.d.") {
                            (false, 4)
                        } else if lower.starts_with("bc") {
                            (true, 2)
                        } else if lower.starts_with("ad") {
                            (false, 2)
                        } else {
                            return Err(format_error(
                                "invalid value for \"BC\" in source string".into(),
                            ));
                        };
                        parsed.bc = bc;
                        rest = &trimmed[length..];
                    }
                    Pattern::TimeZone | Pattern::Offset => {
                        let trimmed = rest.trim_start_matches(' ');
                        let upper = trimmed.to_ascii_uppercase();
                        if let Some(after) = upper.strip_prefix("UTC").or(upper.strip_prefix("GMT"))
                        {
                            rest = &trimmed[trimmed.len() - after.len()..];
                        } else if trimmed.starts_with(['+', '-']) {
                            let negative = trimmed.starts_with('-');
                            let (hours, after) = take_number(&trimmed[1..], 2, "TZH")?;
                            let (minutes, after) = match after.strip_prefix(':') {
                                Some(after) => take_number(after, 2, "TZM")?,
                                None => (0, after),
                            };
                            let offset = hours * 3600 + minutes * 60;
                            parsed.offset_seconds = if negative { -offset } else { offset };
                            rest = after;
                        } else {
                            return Err(Error::feature_not_supported(
                                "time zone names in to_timestamp are not supported by db001",
                            ));
                        }
                    }
                    Pattern::FixedFormat => {}
                    other => {
                        return Err(Error::feature_not_supported(format!(
                            "the format pattern {other:?} is not supported by db001's to_timestamp"
                        )));
                    }
                }
            }
        }
    }
    Ok(parsed)
}

/// The timestamp (local, before any offset) that parsed fields describe.
fn assemble(parsed: &Parsed, input: &str) -> Result<i64> {
    let field_range = || {
        Error::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            format!("date/time field value out of range: \"{input}\""),
        )
    };
    let mut year = parsed.year.unwrap_or(1);
    if parsed.bc {
        year = 1 - year;
    } else if year == 0 {
        return Err(field_range());
    }
    let (month, day) = match (parsed.day_of_year, parsed.month, parsed.day) {
        (Some(day_of_year), None, None) => {
            let start = super::days_from_civil(year, 1, 1);
            let (_, month, day) = super::civil_from_days(start + day_of_year - 1);
            (i64::from(month), i64::from(day))
        }
        (_, month, day) => (month.unwrap_or(1), day.unwrap_or(1)),
    };
    if !(1..=12).contains(&month) || day < 1 || day > i64::from(days_in_month(year, month as u32)) {
        return Err(field_range());
    }
    let mut hour = parsed.hour.unwrap_or(0);
    if let Some(pm) = parsed.pm {
        hour = match (pm, hour) {
            (false, 12) => 0,
            (true, h) if h < 12 => h + 12,
            (_, h) => h,
        };
    }
    let minute = parsed.minute.unwrap_or(0);
    let second = parsed.second.unwrap_or(0);
    if !(0..24).contains(&hour) || !(0..60).contains(&minute) || !(0..=60).contains(&second) {
        return Err(field_range());
    }
    let parts = TimestampParts {
        year,
        month: month as u32,
        day: day as u32,
        hour: hour as u32,
        minute: minute as u32,
        second: 0,
        microsecond: 0,
    };
    let base = timestamp_from_parts(&parts)?;
    base.checked_add(second * 1_000_000 + parsed.microsecond.unwrap_or(0))
        .filter(|t| super::is_valid_timestamp(*t))
        .ok_or_else(|| Error::new(SqlState::DATETIME_FIELD_OVERFLOW, "timestamp out of range"))
}

/// `to_timestamp(text, format)`: a `timestamptz` (fields read in the session zone, UTC).
pub fn to_timestamp(input: &str, format: &str) -> Result<i64> {
    let parsed = parse_with_format(input, format)?;
    let local = assemble(&parsed, input)?;
    local
        .checked_sub(parsed.offset_seconds * 1_000_000)
        .filter(|t| super::is_valid_timestamp(*t))
        .ok_or_else(|| Error::new(SqlState::DATETIME_FIELD_OVERFLOW, "timestamp out of range"))
}

/// `to_date(text, format)`.
pub fn to_date(input: &str, format: &str) -> Result<i32> {
    let parsed = parse_with_format(input, format)?;
    let local = assemble(&parsed, input)?;
    super::date::timestamp_to_date(local)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datetime::parse_timestamp;

    #[test]
    fn to_char_matches_postgres() {
        let t = parse_timestamp("2024-01-05 13:04:05.123456").expect("valid");
        let shown = to_char_timestamp(
            t,
            false,
            "YYYY-MM-DD HH24:MI:SS.MS US AM am PM Mon Month Day Dy DDD D J Q WW IW CC TZ OF \"quoted\" FMMonth FMDD DDth ddTH HH HH12 SSSS Y,YYY YY Y IYYY",
        );
        assert_eq!(
            shown.as_deref(),
            Some(
                "2024-01-05 13:04:05.123 123456 PM pm PM Jan January   Friday    Fri 005 6 2460315 1 01 01 21  +00 quoted January 5 05th 05TH 01 01 47045 2,024 24 4 2024"
            )
        );
        let midnight = parse_timestamp("2024-01-05 00:04:05").expect("valid");
        assert_eq!(
            to_char_timestamp(midnight, false, "HH12 AM a.m. A.M. P.M.").as_deref(),
            Some("12 AM a.m. A.M. A.M.")
        );
        assert_eq!(
            to_char_timestamp(midnight, true, "TZ OF tz").as_deref(),
            Some("UTC +00 utc")
        );
        assert_eq!(to_char_timestamp(i64::MAX, false, "YYYY"), None);
    }

    #[test]
    fn to_timestamp_reads_common_formats() {
        let mut out = String::new();
        let t = to_timestamp("1/5/2024 1:04 PM", "MM/DD/YYYY HH:MI AM").expect("valid");
        crate::datetime::write_timestamptz(t, &mut out);
        assert_eq!(out, "2024-01-05 13:04:00+00");
        let d = to_date("05 Jan 2024", "DD Mon YYYY").expect("valid");
        out.clear();
        crate::datetime::date::write_date(d, &mut out);
        assert_eq!(out, "2024-01-05");
    }
}
