//! The tool's only calendar code: reading and writing Losant's dates.
//!
//! INTEGRATION: `losant_rest::date::{parse, format}` has the same names and
//! meaning. Once it is in the library, this file's two functions and their
//! helpers give way to `pub use losant_rest::date::{format, parse};` (the
//! rest of the tool calls only `date::parse`, `date::format`,
//! `date::expires_at` and `date::created_at`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use losant_rest::schema::ApiToken;

const SECONDS_PER_DAY: i64 = 86_400;

/// When a token stops working; `None` when it never does or the date cannot
/// be read.
pub fn expires_at(token: &ApiToken) -> Option<SystemTime> {
    token.expiration_date.as_deref().and_then(parse)
}

/// When a token was made; `None` when the date is missing or unreadable.
pub fn created_at(token: &ApiToken) -> Option<SystemTime> {
    token.creation_date.as_deref().and_then(parse)
}

/// An RFC 3339 date-time such as Losant's `2026-11-25T14:48:12.000Z`, with
/// `Z` or an offset (`+01:00`, `-0530`, `+01`), seconds optional, fractions
/// dropped; a date alone counts as midnight UTC. `None` for anything else,
/// or for a date or time that does not exist.
pub fn parse(text: &str) -> Option<SystemTime> {
    let seconds = epoch_seconds(text)?;
    let magnitude = Duration::from_secs(seconds.unsigned_abs());
    if seconds >= 0 {
        UNIX_EPOCH.checked_add(magnitude)
    } else {
        UNIX_EPOCH.checked_sub(magnitude)
    }
}

/// `t` as Losant writes dates: `YYYY-MM-DDTHH:MM:SS.mmmZ`, in UTC.
pub fn format(t: SystemTime) -> String {
    let (seconds, millis) = match t.duration_since(UNIX_EPOCH) {
        Ok(after) => (
            i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            after.subsec_millis(),
        ),
        Err(before) => {
            let before = before.duration();
            let mut seconds = -i64::try_from(before.as_secs()).unwrap_or(i64::MAX);
            let mut millis = before.subsec_millis();
            if before.subsec_nanos() > 0 {
                seconds -= 1;
                millis = (1000 - before.subsec_nanos().div_ceil(1_000_000)) % 1000;
            }
            (seconds, millis)
        }
    };
    let (day, time) = (
        seconds.div_euclid(SECONDS_PER_DAY),
        seconds.rem_euclid(SECONDS_PER_DAY),
    );
    let (year, month, day) = civil_from_days(day);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

/// The seconds since the Unix epoch of a date as [`parse`] reads it.
fn epoch_seconds(text: &str) -> Option<i64> {
    let mut s = Scanner(text.as_bytes());
    let year = s.digits(4)?;
    s.byte(b'-')?;
    let month = s.digits(2)?;
    s.byte(b'-')?;
    let day = s.digits(2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) * SECONDS_PER_DAY;
    if s.is_empty() {
        return Some(seconds);
    }
    if s.byte(b'T').or_else(|| s.byte(b't')).is_none() {
        s.byte(b' ')?;
    }
    let hour = s.digits(2)?;
    s.byte(b':')?;
    let minute = s.digits(2)?;
    let mut second = 0;
    if s.byte(b':').is_some() {
        second = s.digits(2)?;
        if s.byte(b'.').or_else(|| s.byte(b',')).is_some() {
            let fraction = s.0.iter().take_while(|b| b.is_ascii_digit()).count();
            if fraction == 0 {
                return None;
            }
            s.0 = &s.0[fraction..];
        }
    }
    // 60 is a leap second.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    seconds += hour * 3600 + minute * 60 + second;
    let offset = match s.0.first() {
        None => 0,
        Some(b'Z' | b'z') => {
            s.0 = &s.0[1..];
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            s.0 = &s.0[1..];
            let hours = s.digits(2)?;
            let minutes = if s.is_empty() {
                0
            } else {
                let _ = s.byte(b':');
                s.digits(2)?
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 3600 + minutes * 60;
            if sign == b'+' { offset } else { -offset }
        }
        Some(_) => return None,
    };
    s.is_empty().then_some(seconds - offset)
}

/// The days from 1970-01-01 to a date of the proleptic Gregorian calendar
/// (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` days after 1970-01-01: Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The rest of a date being read.
struct Scanner<'a>(&'a [u8]);

impl Scanner<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn byte(&mut self, want: u8) -> Option<()> {
        let (&first, rest) = self.0.split_first()?;
        (first == want).then(|| self.0 = rest)
    }

    /// Exactly `n` ASCII digits, as a number.
    fn digits(&mut self, n: usize) -> Option<i64> {
        let digits = self.0.get(..n)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.0 = &self.0[n..];
        Some(
            digits
                .iter()
                .fold(0, |acc, d| acc * 10 + i64::from(d - b'0')),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(text: &str) -> Option<i64> {
        epoch_seconds(text)
    }

    #[test]
    fn reads_losant_dates() {
        assert_eq!(secs("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(secs("1970-01-01"), Some(0));
        assert_eq!(secs("2026-11-25T14:48:12.000Z"), Some(1_795_618_092));
        assert_eq!(secs("2026-11-25T14:48:12Z"), Some(1_795_618_092));
        assert_eq!(secs("2026-11-25T14:48:12.999999Z"), Some(1_795_618_092));
        assert_eq!(secs("2026-11-25T14:48"), Some(1_795_618_080));
        assert_eq!(secs("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(secs("1969-12-31T23:59:59Z"), Some(-1));
        assert_eq!(secs("2038-01-19T03:14:08Z"), Some(1 << 31));
        assert_eq!(secs("2400-03-01"), Some(13_574_649_600));
    }

    #[test]
    fn applies_offsets() {
        let utc = secs("2026-01-01T00:00:00Z");
        assert_eq!(secs("2026-01-01T01:00:00+01:00"), utc);
        assert_eq!(secs("2026-01-01T01:00:00+0100"), utc);
        assert_eq!(secs("2026-01-01T01:00:00+01"), utc);
        assert_eq!(secs("2025-12-31T18:30:00-05:30"), utc);
        assert_eq!(secs("2026-01-01 00:00:00z"), utc);
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for bad in [
            "",
            "tomorrow",
            "next tuesday",
            "2026",
            "2026-1-01",
            "2026-13-01",
            "2026-00-10",
            "2026-02-29",
            "1900-02-29",
            "2026-04-31",
            "2026-01-01T",
            "2026-01-01T24:00:00Z",
            "2026-01-01T12:60:00Z",
            "2026-01-01T12:00:61Z",
            "2026-01-01T12:00:00.Z",
            "2026-01-01T12:00:00Q",
            "2026-01-01T12:00:00+25:00",
            "2026-01-01T12:00:00Z trailing",
            "２０２６-01-01",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn format_writes_what_parse_reads() {
        for text in [
            "1970-01-01T00:00:00.000Z",
            "2026-11-25T14:48:12.345Z",
            "2000-02-29T23:59:59.999Z",
            "1969-12-31T23:59:59.500Z",
            "2400-03-01T00:00:00.000Z",
        ] {
            let t = parse(text).expect(text);
            // parse drops fractions; add them back to compare.
            let millis: u64 = text[20..23].parse().unwrap();
            let t = t + Duration::from_millis(millis);
            assert_eq!(format(t), text);
        }
        assert_eq!(
            format(UNIX_EPOCH - Duration::from_millis(1)),
            "1969-12-31T23:59:59.999Z"
        );
    }
}
