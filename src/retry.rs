//! The whole retry policy: which answers and failures allow another
//! attempt, for which requests, how long to wait, and when a 404 means that
//! an earlier attempt already did the job.
//!
//! The send loop in `run.rs` only reports what happened to each attempt,
//! and `failure.rs` says what a failure means (how far the attempt got,
//! whether it is a passing one); every decision to send again is made here.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::Error;
use crate::failure::{Reached, Retry};

/// The settings the builder fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Policy {
    pub(crate) max_retries: u32,
    pub(crate) backoff: Backoff,
    /// The longest `Retry-After` worth waiting for; a longer one fails the
    /// call at once, because a script that seems to hang is worse.
    pub(crate) max_retry_after: Duration,
}

/// One call's retries: counts them and remembers whether an earlier attempt
/// may have been carried out.
#[derive(Debug)]
pub(crate) struct Retries<'a> {
    policy: &'a Policy,
    retry_safe: bool,
    retry: u32,
    may_have_applied: bool,
    rng: Option<Rng>,
}

impl<'a> Retries<'a> {
    pub(crate) fn new(policy: &'a Policy, retry_safe: bool) -> Self {
        Retries {
            policy,
            retry_safe,
            retry: 0,
            may_have_applied: false,
            rng: None,
        }
    }

    /// How many retries have been made so far.
    pub(crate) fn count(&self) -> u32 {
        self.retry
    }

    /// Whether an answer of `status` to a retry means that an earlier
    /// attempt already did the job: a 404 after an attempt that may have
    /// been carried out without its answer arriving.
    pub(crate) fn already_done(&self, status: u16) -> bool {
        status == 404 && self.may_have_applied
    }

    /// The error that ends the call, the last attempt's `e`, marked when an
    /// earlier attempt may have been carried out, so that
    /// `may_have_been_applied` answers for every attempt, not the last one.
    pub(crate) fn give_up(&self, e: Error) -> Error {
        if self.may_have_applied {
            e.after_an_applied_attempt()
        } else {
            e
        }
    }

    /// The wait before the next attempt after an error answer, or `None` to
    /// give the answer to the caller. 429, 502, 503 and 504 are worth
    /// another try for a request safe to repeat.
    pub(crate) fn after_status(
        &mut self,
        status: u16,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        // A gateway's 502 or 504 says nothing about whether the server
        // behind it acted; a 429 or 503 says it did not.
        self.may_have_applied |= matches!(status, 502 | 504);
        let transient = matches!(status, 429 | 502 | 503 | 504);
        if !(transient && self.retry_safe) || self.retry >= self.policy.max_retries {
            return None;
        }
        let wait = match retry_after {
            Some(wait) if wait > self.policy.max_retry_after => return None,
            Some(wait) => wait,
            None => self.backoff(),
        };
        self.retry += 1;
        Some(wait)
    }

    /// The wait before the next attempt after a failure that got as far as
    /// `reached`, or `None` to give the error to the caller. A passing
    /// failure goes again when nothing was sent, or when the request is safe
    /// to repeat.
    pub(crate) fn after_failure(&mut self, reached: Reached, retry: Retry) -> Option<Duration> {
        let allowed = match (retry, reached) {
            (Retry::Never, _) => false,
            (Retry::Transient, Reached::NotSent) => true,
            (Retry::Transient, Reached::MaybeSent | Reached::Answered) => self.retry_safe,
        };
        if !allowed || self.retry >= self.policy.max_retries {
            return None;
        }
        self.may_have_applied |= reached != Reached::NotSent;
        let wait = self.backoff();
        self.retry += 1;
        Some(wait)
    }

    fn backoff(&mut self) -> Duration {
        let rng = self.rng.get_or_insert_with(Rng::new);
        self.policy.backoff.delay(self.retry, rng)
    }
}

/// Exponential backoff with full jitter: the wait before retry `n` (from 0) is
/// uniform in `[0, min(max, initial * 2^n)]`, so that many clients failing
/// together do not come back together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Backoff {
    pub(crate) initial: Duration,
    pub(crate) max: Duration,
}

impl Backoff {
    /// The ceiling of the wait before retry `retry`.
    pub(crate) fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.initial.saturating_mul(factor).min(self.max)
    }

    /// A random wait before retry `retry`, never above the ceiling.
    pub(crate) fn delay(&self, retry: u32, rng: &mut Rng) -> Duration {
        let ceiling = self.ceiling(retry);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rng.next() % nanos.saturating_add(1))
    }
}

/// A small xorshift generator. Jitter needs spread, not cryptographic
/// strength, and std's `RandomState` already gives a random seed, so no
/// dependency is needed.
#[derive(Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new() -> Self {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() ^ u64::from(d.subsec_nanos())),
        );
        Rng(hasher.finish() | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

/// How long a `Retry-After` value asks to wait: either whole seconds or an
/// HTTP-date (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`). A date in the
/// past means no wait. `None` when the value is neither.
pub(crate) fn retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = http_date(value)?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(at.saturating_sub(now)))
}

/// Seconds since the Unix epoch of an IMF-fixdate.
fn http_date(value: &str) -> Option<u64> {
    let mut parts = value.split_ascii_whitespace();
    let _weekday = parts.next()?.strip_suffix(',')?;
    let day: u64 = parts.next()?.parse().ok()?;
    let month: u32 = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: u64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(str::parse::<u64>);
    let (h, m, s) = (
        clock.next()?.ok()?,
        clock.next()?.ok()?,
        clock.next()?.ok()?,
    );
    if parts.next()? != "GMT" || parts.next().is_some() || clock.next().is_some() {
        return None;
    }
    // Four-digit years, as the format has; larger ones would overflow below.
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 || !(1970..=9999).contains(&year) {
        return None;
    }
    // The crate's one calendar; the checks above keep every value in range.
    let days =
        crate::date::days_from_civil(i64::try_from(year).ok()?, month, u32::try_from(day).ok()?);
    Some(u64::try_from(days).ok()? * 86_400 + h * 3600 + m * 60 + s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: Policy = Policy {
        max_retries: 2,
        backoff: Backoff {
            initial: Duration::ZERO,
            max: Duration::ZERO,
        },
        max_retry_after: Duration::from_secs(5),
    };

    const NOT_SENT: Reached = Reached::NotSent;
    const MAYBE: Reached = Reached::MaybeSent;

    #[test]
    fn only_safe_requests_retry_after_they_may_have_been_sent() {
        let mut post = Retries::new(&POLICY, false);
        assert_eq!(post.after_failure(MAYBE, Retry::Transient), None);
        assert_eq!(post.after_status(503, None), None);
        assert!(post.after_failure(NOT_SENT, Retry::Transient).is_some());
        let mut get = Retries::new(&POLICY, true);
        assert!(get.after_failure(MAYBE, Retry::Transient).is_some());
        assert!(get.after_status(503, None).is_some());
        assert_eq!(get.after_status(503, None), None, "two retries at most");
        assert_eq!(get.count(), 2);
        for reached in [NOT_SENT, MAYBE, Reached::Answered] {
            let mut r = Retries::new(&POLICY, true);
            assert_eq!(r.after_failure(reached, Retry::Never), None);
        }
        assert_eq!(Retries::new(&POLICY, true).after_status(500, None), None);
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let mut r = Retries::new(&POLICY, true);
        assert_eq!(
            r.after_status(429, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(r.after_status(429, Some(Duration::from_secs(6))), None);
    }

    #[test]
    fn a_404_is_done_only_after_an_attempt_that_may_have_applied() {
        let mut after_503 = Retries::new(&POLICY, true);
        after_503.after_status(503, None);
        assert!(!after_503.already_done(404));
        let mut after_504 = Retries::new(&POLICY, true);
        after_504.after_status(504, None);
        assert!(after_504.already_done(404));
        let mut after_drop = Retries::new(&POLICY, true);
        after_drop.after_failure(MAYBE, Retry::Transient);
        assert!(after_drop.already_done(404));
        assert!(!after_drop.already_done(500));
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:51:37 GMT", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            retry_after("Thu, 01 Jan 2037 00:00:00 GMT", UNIX_EPOCH),
            Some(Duration::from_secs(2_114_380_800))
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-1", now), None);
        assert_eq!(retry_after("Sun, 06 Foo 1994 08:49:37 GMT", now), None);
        assert_eq!(retry_after("Sun, 06 Nov 1994 08:49:37 PST", now), None);
        assert_eq!(
            retry_after("Sun, 06 Nov 999999999999 08:49:37 GMT", now),
            None
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(2),
        };
        assert_eq!(b.ceiling(0), Duration::from_millis(100));
        assert_eq!(b.ceiling(3), Duration::from_millis(800));
        assert_eq!(b.ceiling(5), Duration::from_secs(2));
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(2));
        let mut rng = Rng::new();
        for retry in 0..64 {
            assert!(b.delay(retry, &mut rng) <= b.ceiling(retry));
        }
    }

    proptest::proptest! {
        #[test]
        fn no_backoff_exceeds_its_cap(
            initial_ms in 0u64..10_000,
            max_ms in 0u64..120_000,
            retry in 0u32..200,
        ) {
            let b = Backoff {
                initial: Duration::from_millis(initial_ms),
                max: Duration::from_millis(max_ms),
            };
            let mut rng = Rng::new();
            let delay = b.delay(retry, &mut rng);
            proptest::prop_assert!(delay <= b.ceiling(retry));
            proptest::prop_assert!(delay <= b.max);
        }

        #[test]
        fn retry_after_never_panics(value in "\\PC*") {
            let _ = retry_after(&value, SystemTime::now());
        }
    }
}
