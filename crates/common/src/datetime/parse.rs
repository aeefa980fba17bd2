//! Decoding date/time input text into fields, shared by `date`, `time`, `timestamp` and
//! `timestamptz` input (PostgreSQL's `ParseDateTime` + `DecodeDateTime`, reduced).
//!
//! The text is split into fields at whitespace and commas, then each field is classified:
//!
//! | field | examples | meaning |
//! | --- | --- | --- |
//! | date | `2024-01-05`, `01/05/2024`, `20240105`, `2024-Jan-05`, `5-jan-2024` | year, month, day (DateStyle MDY for ambiguous numeric dates) |
//! | time | `10:00`, `10:00:00.5`, `10:00+05`, `10:00:00Z` | hour, minute, second, fraction (rounded half to even to µs), optional zone |
//! | ISO | `2024-01-05T10:00:00Z` | a date and a time joined by `T` |
//! | number | `5`, `2024` | with a month name: the day or the year (more than two digits) |
//! | word | `jan`..`december`, `am`/`pm`, `bc`/`ad`, `z`/`utc`/`gmt`, day names, `epoch`, `infinity`, `-infinity`, `now`, `today`, `tomorrow`, `yesterday`, `allballs` | |
//! | zone | `+05`, `-0330`, `+05:30` | a UTC offset (ISO sign: `+05` is five hours east of Greenwich) |
//!
//! Errors keep PostgreSQL's split: text that cannot be read is 22007 (`invalid input syntax`),
//! fields outside their ranges are 22008 (`date/time field value out of range`). A word that
//! PostgreSQL would take as a time zone name or abbreviation (`EST`, `Europe/Paris`) is 0A000:
//! db001 carries no time zone database, so only UTC and numeric offsets are understood.

use crate::error::{Error, Result, SqlState};

/// A special input word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Special {
    Epoch,
    Infinity,
    NegativeInfinity,
    Now,
    Today,
    Tomorrow,
    Yesterday,
}

/// The fields found in the input.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fields {
    /// Astronomical year (BC already applied: 1 BC is 0), month and day.
    pub(crate) date: Option<(i64, u32, u32)>,
    /// Hour (0..=24), minute, second (0..=60) and microseconds (may be 1_000_000 after rounding).
    pub(crate) time: Option<Clock>,
    /// UTC offset in seconds, east positive.
    pub(crate) offset_seconds: Option<i64>,
    pub(crate) special: Option<Special>,
}

/// Why decoding failed; the caller names the type in the message.
#[derive(Debug)]
pub(crate) enum Failure {
    Syntax,
    FieldRange,
    Unsupported(String),
}

impl Failure {
    /// The error PostgreSQL reports for this failure on input `text` of type `type_name`.
    pub(crate) fn into_error(self, type_name: &str, text: &str) -> Error {
        match self {
            Failure::Syntax => Error::new(
                SqlState::INVALID_DATETIME_FORMAT,
                format!("invalid input syntax for type {type_name}: \"{text}\""),
            ),
            Failure::FieldRange => Error::new(
                SqlState::DATETIME_FIELD_OVERFLOW,
                format!("date/time field value out of range: \"{text}\""),
            ),
            Failure::Unsupported(zone) => Error::feature_not_supported(format!(
                "time zone \"{zone}\" is not supported by db001"
            ))
            .with_hint("db001 knows only UTC and numeric offsets such as +05:30."),
        }
    }
}

type Decoded<T> = std::result::Result<T, Failure>;

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

const DAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

/// The month a word names (`jan`, `january`, `sept`), if any.
fn month_of(word: &str) -> Option<u32> {
    if word == "sept" {
        return Some(9);
    }
    MONTHS
        .iter()
        .position(|name| word.len() >= 3 && name.starts_with(word))
        .map(|index| index as u32 + 1)
}

fn is_day_name(word: &str) -> bool {
    matches!(word, "tues" | "wednes" | "thur" | "thurs")
        || DAYS
            .iter()
            .any(|name| word.len() >= 3 && name.starts_with(word))
}

/// Common time zone abbreviations from PostgreSQL's `Default` set, which db001 recognises only
/// to refuse them (0A000) instead of calling them a syntax error.
fn is_zone_abbreviation(word: &str) -> bool {
    matches!(
        word,
        "est"
            | "edt"
            | "cst"
            | "cdt"
            | "mst"
            | "mdt"
            | "pst"
            | "pdt"
            | "akst"
            | "akdt"
            | "hst"
            | "ast"
            | "adt"
            | "nst"
            | "ndt"
            | "cet"
            | "cest"
            | "eet"
            | "eest"
            | "wet"
            | "west"
            | "bst"
            | "ist"
            | "msk"
            | "jst"
            | "kst"
            | "aest"
            | "aedt"
            | "acst"
            | "acdt"
            | "awst"
            | "nzst"
            | "nzdt"
            | "sast"
            | "brt"
            | "art"
            | "met"
            | "mest"
    )
}

/// Hour, minute, second and microseconds of a clock field.
type Clock = (i64, i64, i64, i64);

/// A decoded time of day with an optional trailing zone.
fn decode_time(field: &str) -> Decoded<(Clock, Option<i64>)> {
    // Split off a zone: `Z`, `+hh[:mm]`, `-hhmm`.
    let zone_at = field.find(['+', '-', 'z']);
    let (clock, zone) = match zone_at {
        Some(at) => (&field[..at], Some(&field[at..])),
        None => (field, None),
    };
    let offset = zone.map(decode_zone).transpose()?.flatten();
    let mut parts = clock.split(':');
    let hour = number_field(parts.next())?;
    let minute = number_field(parts.next())?;
    let (mut second, mut micros) = (0, 0);
    if let Some(seconds) = parts.next() {
        let (whole, fraction) = match seconds.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (seconds, None),
        };
        second = number_field(Some(whole))?;
        if let Some(fraction) = fraction {
            if !fraction.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Failure::Syntax);
            }
            micros = round_fraction(fraction.as_bytes());
        }
    }
    if parts.next().is_some() {
        return Err(Failure::Syntax);
    }
    Ok(((hour, minute, second, micros), offset))
}

/// A run of at most a few ASCII digits, required.
fn number_field(text: Option<&str>) -> Decoded<i64> {
    let text = text.ok_or(Failure::Syntax)?;
    if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Failure::Syntax);
    }
    text.parse().map_err(|_| Failure::Syntax)
}

/// `Z`, `+hh`, `+hhmm`, `+hh:mm`, `+hh:mm:ss` → seconds east of UTC.
fn decode_zone(zone: &str) -> Decoded<Option<i64>> {
    if zone == "z" {
        return Ok(Some(0));
    }
    let (sign, rest) = match zone.as_bytes().first() {
        Some(b'+') => (1, &zone[1..]),
        Some(b'-') => (-1, &zone[1..]),
        _ => return Err(Failure::Syntax),
    };
    let (hours, minutes, seconds) = if rest.contains(':') {
        let mut parts = rest.split(':');
        let hours = number_field(parts.next())?;
        let minutes = number_field(parts.next())?;
        let seconds = match parts.next() {
            Some(part) => number_field(Some(part))?,
            None => 0,
        };
        if parts.next().is_some() {
            return Err(Failure::Syntax);
        }
        (hours, minutes, seconds)
    } else {
        if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Failure::Syntax);
        }
        match rest.len() {
            1 | 2 => (number_field(Some(rest))?, 0, 0),
            3 | 4 => (
                number_field(Some(&rest[..rest.len() - 2]))?,
                number_field(Some(&rest[rest.len() - 2..]))?,
                0,
            ),
            6 => (
                number_field(Some(&rest[..2]))?,
                number_field(Some(&rest[2..4]))?,
                number_field(Some(&rest[4..]))?,
            ),
            _ => return Err(Failure::Syntax),
        }
    };
    if hours > 15 || minutes > 59 || seconds > 59 {
        return Err(Failure::FieldRange);
    }
    Ok(Some(sign * (hours * 3600 + minutes * 60 + seconds)))
}

/// Fractional-second digits rounded to microseconds, ties to even (may return 1_000_000).
pub(crate) fn round_fraction(digits: &[u8]) -> i64 {
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

/// One part of a date field: digits or a month name.
#[derive(Debug, Clone, Copy)]
enum DatePart<'a> {
    Number(&'a str),
    Month(u32),
}

fn date_part(text: &str) -> Decoded<DatePart<'_>> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(DatePart::Number(text));
    }
    month_of(text).map(DatePart::Month).ok_or(Failure::Syntax)
}

fn value_of(digits: &str) -> i64 {
    digits.bytes().fold(0i64, |total, digit| {
        total
            .saturating_mul(10)
            .saturating_add(i64::from(digit - b'0'))
    })
}

/// A year as written: two-digit years (exactly two digits) are 1970..2069.
fn year_of(digits: &str) -> i64 {
    let year = value_of(digits);
    if digits.len() == 2 {
        if year < 70 { year + 2000 } else { year + 1900 }
    } else {
        year
    }
}

/// A delimited date `a-b-c` / `a/b/c` / `a.b.c` → (year, month, day) before range checks.
fn decode_delimited_date(field: &str) -> Decoded<(i64, i64, i64)> {
    let parts: Vec<&str> = field.split(['-', '/', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return Err(Failure::Syntax);
    };
    let (a, b, c) = (date_part(a)?, date_part(b)?, date_part(c)?);
    Ok(match (a, b, c) {
        (DatePart::Number(y), DatePart::Number(m), DatePart::Number(d)) if y.len() > 2 => {
            (year_of(y), value_of(m), value_of(d))
        }
        // DateStyle MDY.
        (DatePart::Number(m), DatePart::Number(d), DatePart::Number(y)) => {
            (year_of(y), value_of(m), value_of(d))
        }
        (DatePart::Number(y), DatePart::Month(m), DatePart::Number(d)) if y.len() > 2 => {
            (year_of(y), i64::from(m), value_of(d))
        }
        (DatePart::Number(d), DatePart::Month(m), DatePart::Number(y)) => {
            (year_of(y), i64::from(m), value_of(d))
        }
        (DatePart::Month(m), DatePart::Number(d), DatePart::Number(y)) => {
            (year_of(y), i64::from(m), value_of(d))
        }
        _ => return Err(Failure::Syntax),
    })
}

/// Decodes `text` (already trimmed and lower-cased by the caller) into fields.
pub(crate) fn decode(text: &str) -> Decoded<Fields> {
    let mut fields = Fields::default();
    let mut raw_date: Option<(i64, i64, i64)> = None;
    let mut month_name: Option<u32> = None;
    let mut loose_numbers: Vec<&str> = Vec::new();
    let mut bc = false;
    let mut meridiem: Option<bool> = None;
    let tokens: Vec<&str> = text
        .split(|c: char| crate::text::is_pg_space(c) || c == ',')
        .filter(|token| !token.is_empty())
        .collect();
    if tokens.is_empty() {
        return Err(Failure::Syntax);
    }
    for token in tokens {
        let first = token.as_bytes()[0];
        if first.is_ascii_digit() {
            // `2024-01-05t10:00` joins a date and a time with `t`.
            let (date_text, time_text) = match token.find('t') {
                Some(at) if token[..at].contains(['-', '/']) || at == 8 => {
                    (Some(&token[..at]), Some(&token[at + 1..]))
                }
                _ if token.contains(':') => (None, Some(token)),
                _ => (Some(token), None),
            };
            if let Some(date_text) = date_text {
                if raw_date.is_some() {
                    return Err(Failure::Syntax);
                }
                if date_text.contains(['-', '/', '.']) {
                    raw_date = Some(decode_delimited_date(date_text)?);
                } else if date_text.bytes().all(|b| b.is_ascii_digit()) {
                    match date_text.len() {
                        8 => {
                            raw_date = Some((
                                value_of(&date_text[..4]),
                                value_of(&date_text[4..6]),
                                value_of(&date_text[6..]),
                            ))
                        }
                        1..=7 => loose_numbers.push(date_text),
                        _ => return Err(Failure::Syntax),
                    }
                } else {
                    return Err(Failure::Syntax);
                }
            }
            if let Some(time_text) = time_text {
                if fields.time.is_some() || time_text.is_empty() {
                    return Err(Failure::Syntax);
                }
                let (time, offset) = decode_time(time_text)?;
                fields.time = Some(time);
                if offset.is_some() {
                    fields.offset_seconds = offset;
                }
            }
            continue;
        }
        if first == b'+' || (first == b'-' && token.len() > 1 && token != "-infinity") {
            if fields.offset_seconds.is_some() {
                return Err(Failure::Syntax);
            }
            fields.offset_seconds = decode_zone(token)?;
            continue;
        }
        let special = match token {
            "epoch" => Some(Special::Epoch),
            "infinity" | "+infinity" => Some(Special::Infinity),
            "-infinity" => Some(Special::NegativeInfinity),
            "now" => Some(Special::Now),
            "today" => Some(Special::Today),
            "tomorrow" => Some(Special::Tomorrow),
            "yesterday" => Some(Special::Yesterday),
            _ => None,
        };
        if let Some(special) = special {
            if fields.special.is_some() {
                return Err(Failure::Syntax);
            }
            fields.special = Some(special);
            continue;
        }
        match token {
            "allballs" => {
                fields.time = Some((0, 0, 0, 0));
                fields.offset_seconds = Some(0);
            }
            "am" | "a.m." => meridiem = Some(false),
            "pm" | "p.m." => meridiem = Some(true),
            "bc" => bc = true,
            "ad" => {}
            "z" | "zulu" | "utc" | "gmt" | "ut" => fields.offset_seconds = Some(0),
            "t" => {}
            word => {
                if let Some(month) = month_of(word) {
                    if month_name.is_some() {
                        return Err(Failure::Syntax);
                    }
                    month_name = Some(month);
                } else if word.contains(['-', '/']) && word.as_bytes()[0].is_ascii_alphabetic() {
                    // `jan-05-2024`, or a zone name such as `america/new_york`.
                    match decode_delimited_date(word) {
                        Ok(date) => raw_date = Some(date),
                        Err(_) if word.contains('/') => {
                            return Err(Failure::Unsupported(word.to_string()));
                        }
                        Err(failure) => return Err(failure),
                    }
                } else if is_day_name(word) {
                } else if is_zone_abbreviation(word) {
                    // A zone PostgreSQL knows by name; db001 cannot convert it.
                    return Err(Failure::Unsupported(word.to_string()));
                } else {
                    return Err(Failure::Syntax);
                }
            }
        }
    }

    // A month name with loose numbers: `Jan 5 2024`, `5 January 2024`, `January 5, 2024`.
    if let Some(month) = month_name {
        if raw_date.is_some() {
            return Err(Failure::Syntax);
        }
        let (day, year) = match loose_numbers.as_slice() {
            [first, second] if first.len() > 2 => (value_of(second), year_of(first)),
            [first, second] => (value_of(first), year_of(second)),
            _ => return Err(Failure::Syntax),
        };
        raw_date = Some((year, i64::from(month), day));
    } else if !loose_numbers.is_empty() {
        return Err(Failure::Syntax);
    }

    if let Some((hour, minute, second, micros)) = &mut fields.time {
        if let Some(pm) = meridiem {
            if *hour < 1 || *hour > 12 {
                return Err(Failure::FieldRange);
            }
            *hour = match (pm, *hour) {
                (false, 12) => 0,
                (true, 12) => 12,
                (true, h) => h + 12,
                (false, h) => h,
            };
        }
        let valid = (0..=24).contains(hour)
            && (0..=59).contains(minute)
            && (0..=60).contains(second)
            && !(*hour == 24 && (*minute != 0 || *second != 0 || *micros != 0));
        if !valid {
            return Err(Failure::FieldRange);
        }
    } else if meridiem.is_some() {
        return Err(Failure::Syntax);
    }

    if let Some((year, month, day)) = raw_date {
        if fields.special.is_some() {
            return Err(Failure::Syntax);
        }
        if !(1..=10_000_000).contains(&year) || !(1..=12).contains(&month) {
            return Err(Failure::FieldRange);
        }
        let year = if bc { 1 - year } else { year };
        let month = month as u32;
        if day < 1 || day > i64::from(super::days_in_month(year, month)) {
            return Err(Failure::FieldRange);
        }
        fields.date = Some((year, month, day as u32));
    } else if bc {
        return Err(Failure::Syntax);
    }
    Ok(fields)
}

/// The session's current time as microseconds since 2000-01-01 UTC, for the input words
/// `now`, `today`, `tomorrow` and `yesterday`.
pub(crate) fn clock_micros() -> i64 {
    let since_unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |duration| duration.as_micros() as i64);
    since_unix - super::UNIX_TO_POSTGRES_DAYS * super::USECS_PER_DAY
}

/// Decodes and reports failures with PostgreSQL's messages for `type_name`.
pub(crate) fn decode_for(text: &str, type_name: &str) -> Result<Fields> {
    let lower = text
        .trim_matches(crate::text::is_pg_space)
        .to_ascii_lowercase();
    decode(&lower).map_err(|failure| failure.into_error(type_name, text))
}
