//! Many requests at once over real sockets: answers in order, at most
//! `concurrency` connections, one failure beside the others.

mod common;

use common::client_for;
use losant_rest::concurrent;
use losant_rest::fake::{FakeLosant, Fault};
use losant_rest::tokens::{GetToken, ListTokens, Owner};
use std::time::Duration;

#[test]
fn send_all_answers_in_order_on_at_most_n_connections() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let ids = fake.seed(40);
    // Slow answers, so that the threads overlap and all want a connection.
    fake.fail_matching(
        "GET",
        "/me/tokens/*",
        40,
        Fault::delay(Duration::from_millis(5)),
    );
    let answers = client.send_all(ids.iter().map(GetToken::new), 3);
    let got: Vec<String> = answers.into_iter().map(|a| a.unwrap().id).collect();
    assert_eq!(got, ids);
    assert!(fake.connection_count() <= 3, "{}", fake.connection_count());
    assert!(fake.connection_count() >= 1);
}

#[test]
fn one_failure_does_not_hide_the_others() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let ids = fake.seed(10);
    // A 500 on a GET is not retried; a 404 is an answer.
    fake.fail_matching(
        "GET",
        &format!("/me/tokens/{}", ids[3]),
        1,
        Fault::status(500),
    );
    let mut requests: Vec<GetToken> = ids.iter().map(GetToken::new).collect();
    requests.push(GetToken::new(common::MISSING_ID));
    requests.push(GetToken::new("not-an-id"));
    let answers = client.send_all(requests, 4);
    assert_eq!(answers.len(), 12);
    assert_eq!(answers[3].as_ref().unwrap_err().status(), Some(500));
    assert!(answers[10].as_ref().unwrap_err().is_not_found());
    assert!(answers[11].as_ref().unwrap_err().is_invalid_request());
    for (i, a) in answers.iter().enumerate().take(10) {
        if i != 3 {
            assert_eq!(a.as_ref().unwrap().id, ids[i]);
        }
    }
}

#[test]
fn map_borrows_the_client_and_keeps_order() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let apps: Vec<String> = (0..12)
        .map(|i| fake.add_application(&format!("a{i}")))
        .collect();
    for (i, app) in apps.iter().enumerate() {
        fake.seed_for(&Owner::application(app), i % 4);
    }
    let counts = concurrent::map(&apps, 5, |app| {
        client.paginate(ListTokens::new().application(app)).count()
    });
    assert_eq!(counts, (0..12).map(|i| i % 4).collect::<Vec<_>>());
    assert!(fake.connection_count() <= 5);
}

#[test]
fn a_panic_in_the_closure_reaches_the_caller() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let ids = fake.seed(6);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        concurrent::map(&ids, 3, |id| {
            let token = client.send(GetToken::new(id)).unwrap();
            assert!(
                token.name != "seeded-token-0004",
                "bad token {}",
                token.name
            );
        })
    }))
    .unwrap_err();
    let message = caught.downcast_ref::<String>().cloned().unwrap_or_default();
    assert_eq!(message, "bad token seeded-token-0004");
}
