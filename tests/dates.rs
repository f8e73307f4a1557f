//! `losant_rest::date` never panics and round-trips; token date helpers;
//! an `expirationDate` that is not a date-time is refused before sending;
//! the fake's seeded expiries are relative to now.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::client_for;
use losant_rest::date;
use losant_rest::fake::FakeLosant;
use losant_rest::schema::ApiTokenPost;
use losant_rest::tokens::{CreateToken, ListTokens};
use proptest::prelude::*;

proptest! {
    #[test]
    fn parse_never_panics(s in "\\PC{0,40}") {
        let _ = date::parse(&s);
    }

    #[test]
    fn parse_never_panics_on_near_dates(
        s in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,12})?([Zz]|[+-][0-9]{2}:[0-9]{2})?"
    ) {
        if let Some(t) = date::parse(&s) {
            // What parses formats, and the format parses back to the millisecond.
            let again = date::parse(&date::format(t)).unwrap();
            let diff = t.duration_since(again).unwrap_or_else(|e| e.duration());
            prop_assert!(diff < Duration::from_millis(1));
        }
    }

    #[test]
    fn format_then_parse_is_identity_to_the_millisecond(ms in -62_135_596_800_000i64..253_402_300_799_999i64) {
        let t = if ms >= 0 {
            UNIX_EPOCH + Duration::from_millis(ms.unsigned_abs())
        } else {
            UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
        };
        let s = date::format(t);
        prop_assert_eq!(s.len(), 24);
        prop_assert_eq!(date::parse(&s), Some(t));
    }
}

#[test]
fn format_never_panics_at_the_edges() {
    for t in [
        UNIX_EPOCH,
        UNIX_EPOCH + Duration::from_secs(u64::from(u32::MAX) * 1000),
        UNIX_EPOCH - Duration::from_secs(100 * 365 * 86_400),
        SystemTime::now(),
    ] {
        assert!(date::format(t).ends_with('Z'));
    }
}

#[test]
fn a_bad_expiration_date_is_refused_and_nothing_is_sent() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    for bad in ["tomorrow", "2030-01-01", "2030-02-30T00:00:00Z", ""] {
        let err = client
            .send(CreateToken::new(
                ApiTokenPost::new("x").expiration_date(bad),
            ))
            .unwrap_err();
        match &err {
            losant_rest::Error::InvalidRequest(e) => assert_eq!(e.field(), "expirationDate"),
            other => panic!("{bad:?}: {other:?}"),
        }
        assert!(!err.to_string().contains("tomorrow"), "{err}");
    }
    assert_eq!(fake.request_count(), 0);
    assert_eq!(fake.connection_count(), 0);

    // What the helpers write is accepted, and the server reads it back.
    let in_a_month = Duration::from_secs(30 * 86_400);
    let created = client
        .send(CreateToken::new(
            ApiTokenPost::new("x").expires_in(in_a_month),
        ))
        .unwrap();
    let now = SystemTime::now();
    assert!(created.expires_within(in_a_month + Duration::from_secs(60), now));
    assert!(!created.expires_within(in_a_month - Duration::from_secs(60), now));
    assert!(created.created_at().is_some());
}

#[test]
fn seeded_expiries_are_relative_to_now() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    fake.seed(16);
    let tokens = client.send(ListTokens::new()).unwrap().items;
    let now = SystemTime::now();
    let day = Duration::from_secs(86_400);
    for (i, t) in tokens.iter().enumerate() {
        assert_eq!(t.name, format!("seeded-token-{i:04}"));
        let created = t.created_at().unwrap();
        assert!(
            created < now - 300 * day && created > now - 401 * day,
            "{i}"
        );
        match i % 8 {
            1 | 3 | 5 | 7 => assert_eq!(t.expires_at(), None, "{i}"),
            0 => assert!(t.expires_at().unwrap() > now + 3000 * day, "{i}"),
            2 => assert!(t.expires_within(8 * day, now) && !t.expires_within(6 * day, now)),
            4 => assert!(
                t.is_expired_at(now) && !t.is_expired_at(now - 31 * day),
                "{i}"
            ),
            _ => assert!(t.expires_within(181 * day, now) && !t.expires_within(179 * day, now)),
        }
    }
}
