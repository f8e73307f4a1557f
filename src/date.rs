//! Losant's dates: RFC 3339 date-time strings such as
//! `2030-01-01T00:00:00.000Z`, read into and written from
//! [`SystemTime`]. The crate's one calendar: the schema helpers
//! ([`ApiToken::expires_at`](crate::schema::ApiToken::expires_at) and
//! friends) and the fake use it.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use losant_rest::date;
//!
//! let t = date::parse("2030-01-01T00:00:00.000Z").unwrap();
//! assert_eq!(t, UNIX_EPOCH + Duration::from_secs(1_893_456_000));
//! assert_eq!(date::format(t), "2030-01-01T00:00:00.000Z");
//! // Offsets and any number of fraction digits, as RFC 3339 allows.
//! assert_eq!(date::parse("2030-01-01T01:30:00.000000+01:30"), Some(t));
//! assert_eq!(date::parse("next tuesday"), None);
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Reads an RFC 3339 date-time: `YYYY-MM-DDTHH:MM:SS`, an optional fraction
/// of a second (any number of digits; those past nanoseconds are dropped),
/// and `Z` or an offset `±HH:MM`. `t`, `z` and a space for the `T` are
/// accepted too, as RFC 3339 allows. A leap second (`:60`) counts as the
/// first second of the next minute.
///
/// `None` for anything else: a date that does not exist (`2026-02-30`), a
/// missing offset, trailing text, or a time `SystemTime` cannot hold. It
/// never panics.
#[must_use]
pub fn parse(s: &str) -> Option<SystemTime> {
    let bytes = s.as_bytes();
    let digits = |at: usize, n: usize| -> Option<u32> {
        let part = bytes.get(at..at + n)?;
        part.iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let year = digits(0, 4)?;
    let month = digits(5, 2)?;
    let day = digits(8, 2)?;
    let hour = digits(11, 2)?;
    let minute = digits(14, 2)?;
    let second = digits(17, 2)?;
    if bytes.get(4) != Some(&b'-')
        || bytes.get(7) != Some(&b'-')
        || !matches!(bytes.get(10), Some(b'T' | b't' | b' '))
        || bytes.get(13) != Some(&b':')
        || bytes.get(16) != Some(&b':')
    {
        return None;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0u32;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 9 {
                nanos = nanos * 10 + u32::from(bytes[i] - b'0');
            }
            i += 1;
        }
        let read = i - start;
        if read == 0 {
            return None;
        }
        for _ in read..9 {
            nanos *= 10;
        }
    }
    let offset: i64 = match bytes.get(i..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), ..] => {
            if bytes.len() != i + 6 || bytes[i + 3] != b':' {
                return None;
            }
            let (oh, om) = (digits(i + 1, 2)?, digits(i + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let off = i64::from(oh * 3600 + om * 60);
            if *sign == b'-' { -off } else { off }
        }
        _ => return None,
    };
    let days = days_from_civil(i64::from(year), month, day);
    let secs = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset;
    from_unix(secs, nanos)
}

/// Writes `t` as Losant does: `YYYY-MM-DDTHH:MM:SS.mmmZ`, in UTC, to the
/// millisecond (rounded down). Times before 1970 work too; a year past
/// 9999 has more digits. It never panics.
#[must_use]
pub fn format(t: SystemTime) -> String {
    let (secs, millis) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (
            i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
            d.subsec_millis(),
        ),
        Err(e) => {
            // Before 1970: floor to the millisecond below.
            let d = e.duration();
            let s = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
            let ms = d.subsec_nanos().div_ceil(1_000_000);
            if ms == 0 {
                (-s, 0)
            } else {
                (-s - 1, 1000 - ms)
            }
        }
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// `t` plus `d`, or the latest representable time rather than a panic.
pub(crate) fn add(t: SystemTime, d: Duration) -> SystemTime {
    t.checked_add(d).unwrap_or_else(|| {
        // Far enough for any expiry; SystemTime's range is platform-defined.
        t.checked_add(Duration::from_secs(253_402_300_799))
            .unwrap_or(t)
    })
}

fn from_unix(secs: i64, nanos: u32) -> Option<SystemTime> {
    if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::new(secs.unsigned_abs(), nanos))
    } else {
        UNIX_EPOCH
            .checked_sub(Duration::from_secs(secs.unsigned_abs()))?
            .checked_add(Duration::from_nanos(u64::from(nanos)))
    }
}

fn is_leap(year: u32) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day counted from 1970-01-01 (Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    // Both within their ranges by construction.
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> SystemTime {
        from_unix(secs, 0).unwrap()
    }

    #[test]
    fn known_dates() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(UNIX_EPOCH));
        assert_eq!(parse("2025-01-01T00:00:00.000Z"), Some(at(1_735_689_600)));
        assert_eq!(parse("2024-02-29T12:00:00Z"), Some(at(1_709_208_000)));
        assert_eq!(parse("1969-12-31T23:59:59Z"), Some(at(-1)));
        assert_eq!(parse("2000-03-01t00:00:00z"), Some(at(951_868_800)));
        assert_eq!(parse("2000-03-01 00:00:00-00:30"), Some(at(951_870_600)));
        assert_eq!(
            parse("2030-01-01T00:00:00.123456789123Z"),
            Some(at(1_893_456_000) + Duration::from_nanos(123_456_789))
        );
        assert_eq!(
            parse("2030-01-01T00:00:00.5Z"),
            Some(at(1_893_456_000) + Duration::from_millis(500))
        );
        // A leap second is the next minute's first.
        assert_eq!(parse("2016-12-31T23:59:60Z"), parse("2017-01-01T00:00:00Z"));
    }

    #[test]
    fn refusals() {
        for bad in [
            "",
            "2030",
            "2030-01-01",
            "2030-01-01T00:00:00",
            "2030-01-01T00:00:00.Z",
            "2030-01-01T00:00:00.000",
            "2030-01-01T00:00:00ZZ",
            "2030-01-01T00:00:00+0100",
            "2030-01-01T00:00:00+01:00 ",
            "2030-02-29T00:00:00Z",
            "2030-13-01T00:00:00Z",
            "2030-00-01T00:00:00Z",
            "2030-01-00T00:00:00Z",
            "2030-01-01T24:00:00Z",
            "2030-01-01T00:60:00Z",
            "2030-01-01T00:00:61Z",
            "2030-01-01T00:00:00+24:00",
            "2030-01-01X00:00:00Z",
            "+030-01-01T00:00:00Z",
            "2030-01-01T00:00:00\u{e9}",
            "\u{e9}\u{e9}\u{e9}\u{e9}-01-01T00:00:00Z",
            "next tuesday",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn format_round_trips() {
        for s in [
            "1970-01-01T00:00:00.000Z",
            "2025-01-01T00:00:00.000Z",
            "2024-02-29T23:59:59.999Z",
            "1969-12-31T23:59:59.999Z",
            "0001-01-01T00:00:00.000Z",
            "9999-12-31T23:59:59.999Z",
        ] {
            assert_eq!(format(parse(s).unwrap()), s);
        }
        // Below a millisecond, rounded down, before 1970 as after.
        assert_eq!(
            format(UNIX_EPOCH - Duration::from_nanos(1)),
            "1969-12-31T23:59:59.999Z"
        );
        assert_eq!(
            format(UNIX_EPOCH + Duration::from_nanos(1_999_999)),
            "1970-01-01T00:00:00.001Z"
        );
    }

    #[test]
    fn every_day_of_four_centuries_round_trips() {
        let start = days_from_civil(1900, 1, 1);
        for d in start..start + 146_097 {
            let (y, m, day) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, day), d);
            assert!(day <= days_in_month(u32::try_from(y).unwrap(), m));
        }
    }
}
