//! `time [without time zone]`: an `i64` count of microseconds since midnight, 0 through
//! 24:00:00 inclusive, as PostgreSQL's `TimeADT`.

use super::USECS_PER_DAY;
use super::parse::{self, Special};
use crate::error::Result;

/// `time_in`: the time fields of the input; a date part and a zone are read and ignored.
pub fn parse_time(text: &str) -> Result<i64> {
    let fields = parse::decode_for(text, "time")?;
    match (fields.special, fields.time) {
        (None, Some((hour, minute, second, micros))) => {
            Ok(((hour * 3600 + minute * 60 + second) * 1_000_000 + micros).min(USECS_PER_DAY))
        }
        (Some(Special::Now), None) => Ok(parse::clock_micros().rem_euclid(USECS_PER_DAY)),
        _ => Err(parse::Failure::Syntax.into_error("time", text)),
    }
}

/// `time_out`: `HH:MM:SS` with the fraction's trailing zeros removed.
pub fn write_time(t: i64, out: &mut String) {
    use std::fmt::Write;
    let seconds = t / 1_000_000;
    write!(
        out,
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
    .expect("writing to a String cannot fail");
    super::write_fraction((t % 1_000_000) as u32, out);
}

/// The time of day of a finite timestamp.
pub fn time_of_timestamp(t: i64) -> i64 {
    t.rem_euclid(USECS_PER_DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        let mut out = String::new();
        write_time(parse_time(text).expect(text), &mut out);
        out
    }

    #[test]
    fn times_read_and_print_like_postgres() {
        assert_eq!(round_trip("12:34"), "12:34:00");
        assert_eq!(round_trip("12:34:56.789"), "12:34:56.789");
        assert_eq!(round_trip("24:00"), "24:00:00");
        assert_eq!(round_trip("1:2:3"), "01:02:03");
        assert_eq!(round_trip("12:34 pm"), "12:34:00");
        assert_eq!(round_trip("12:34 am"), "00:34:00");
        assert_eq!(round_trip("2024-01-01 10:00"), "10:00:00");
        assert_eq!(round_trip("allballs"), "00:00:00");
        assert_eq!(round_trip("10:00+05"), "10:00:00");
        assert_eq!(round_trip("12:00:00.1234567"), "12:00:00.123457");
        assert_eq!(round_trip("23:59:59.9999999"), "24:00:00");
        assert!(parse_time("25:00").is_err());
    }
}
