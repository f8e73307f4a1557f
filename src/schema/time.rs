//! Dates on tokens as [`SystemTime`]s, read and written with
//! [`crate::date`], so that "expires within 30 days" is one call.

use std::time::{Duration, SystemTime};

use super::{ApiToken, ApiTokenPost};
use crate::date;

impl ApiToken {
    /// When the token stops working; `None` when it never expires (or its
    /// `expirationDate` is not a date-time [`date::parse`] can read).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use losant_rest::schema::ApiToken;
    ///
    /// let mut token = ApiToken::default();
    /// assert_eq!(token.expires_at(), None);
    /// token.expiration_date = Some("2030-01-01T00:00:00.000Z".into());
    /// assert_eq!(token.expires_at(), losant_rest::date::parse("2030-01-01T00:00:00Z"));
    ///
    /// let day = Duration::from_secs(86_400);
    /// let new_year = token.expires_at().unwrap();
    /// assert!(token.expires_within(30 * day, new_year - 10 * day));
    /// assert!(!token.expires_within(30 * day, new_year - 40 * day));
    /// assert!(token.is_expired_at(new_year));
    /// assert!(!token.is_expired_at(SystemTime::UNIX_EPOCH));
    /// ```
    #[must_use]
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expiration_date.as_deref().and_then(date::parse)
    }

    /// When the token was created; `None` when the server did not say (or
    /// wrote something [`date::parse`] cannot read).
    #[must_use]
    pub fn created_at(&self) -> Option<SystemTime> {
        self.creation_date.as_deref().and_then(date::parse)
    }

    /// Whether the token has an expiry and it is at or before `now`.
    #[must_use]
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        self.expires_at().is_some_and(|at| at <= now)
    }

    /// Whether the token has not expired at `now` but will within `window`
    /// of it: `now < expiry <= now + window`.
    #[must_use]
    pub fn expires_within(&self, window: Duration, now: SystemTime) -> bool {
        self.expires_at()
            .is_some_and(|at| at > now && at <= date::add(now, window))
    }
}

impl ApiTokenPost {
    /// Sets when the token expires, written as Losant writes dates
    /// (`2030-01-01T00:00:00.000Z`, to the millisecond). Defaults to never.
    ///
    /// ```
    /// use std::time::Duration;
    /// use losant_rest::schema::ApiTokenPost;
    ///
    /// let at = losant_rest::date::parse("2030-01-01T00:00:00Z").unwrap();
    /// let post = ApiTokenPost::new("ci").expires_at(at);
    /// assert_eq!(post.expiration_date.as_deref(), Some("2030-01-01T00:00:00.000Z"));
    /// let month = ApiTokenPost::new("ci").expires_in(Duration::from_secs(30 * 86_400));
    /// assert!(month.expiration_date.is_some());
    /// ```
    #[must_use]
    pub fn expires_at(mut self, when: SystemTime) -> Self {
        self.expiration_date = Some(date::format(when));
        self
    }

    /// Sets the token to expire `d` from now (by this machine's clock).
    /// Defaults to never.
    #[must_use]
    pub fn expires_in(self, d: Duration) -> Self {
        self.expires_at(date::add(SystemTime::now(), d))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_dates_mean_no_expiry() {
        let token = ApiToken {
            expiration_date: Some("someday".into()),
            creation_date: Some("2025-01-01T00:00:00.000Z".into()),
            ..ApiToken::default()
        };
        assert_eq!(token.expires_at(), None);
        assert!(!token.is_expired_at(SystemTime::now()));
        assert!(!token.expires_within(Duration::MAX, SystemTime::now()));
        assert_eq!(token.created_at(), date::parse("2025-01-01T00:00:00Z"));
    }

    #[test]
    fn expired_is_not_expiring() {
        let now = SystemTime::now();
        let token = ApiTokenPost::new("n").expires_in(Duration::ZERO);
        let token = ApiToken {
            expiration_date: token.expiration_date,
            ..ApiToken::default()
        };
        let later = now + Duration::from_secs(1);
        assert!(token.is_expired_at(later));
        assert!(!token.expires_within(Duration::from_secs(3600), later));
        // A huge window does not overflow.
        let future = ApiTokenPost::new("n").expires_in(Duration::from_secs(86_400));
        let future = ApiToken {
            expiration_date: future.expiration_date,
            ..ApiToken::default()
        };
        assert!(future.expires_within(Duration::MAX, now));
    }
}
