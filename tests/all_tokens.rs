//! `client.all_tokens(..)` over real sockets: every owner's tokens with the
//! owner attached, owners and directories that fail reported while the job
//! goes on, bounded connections, progress.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{builder_for, client_for};
use losant_rest::fake::{FakeLosant, Fault};
use losant_rest::owners::{AllTokens, Progress};
use losant_rest::schema::OwnerType;
use losant_rest::tokens::Owner;

/// 40 applications, 2 instances and the user, 5 tokens each.
fn forty_three(fake: &FakeLosant) -> (Vec<String>, Vec<String>) {
    fake.seed(5);
    let apps: Vec<String> = (0..40)
        .map(|i| fake.add_application(&format!("app {i:02}")))
        .collect();
    let instances: Vec<String> = ["instance a", "instance b"]
        .iter()
        .map(|n| fake.add_instance(n))
        .collect();
    for app in &apps {
        fake.seed_for(&Owner::application(app), 5);
    }
    for instance in &instances {
        fake.seed_for(&Owner::instance(instance), 5);
    }
    (apps, instances)
}

#[test]
fn every_token_of_43_owners_with_its_owner() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let (apps, instances) = forty_three(&fake);
    let seen = Arc::new(Mutex::new(Vec::<Progress>::new()));
    let log = Arc::clone(&seen);
    let job = AllTokens::new().on_progress(move |p| log.lock().unwrap().push(p));
    let inventory = client.all_tokens(&job).unwrap();
    assert!(inventory.errors.is_empty(), "{:?}", inventory.errors);
    assert_eq!(inventory.owners.len(), 43);
    assert_eq!(inventory.tokens.len(), 215);

    // Owners in order: the user, the applications, the instances.
    let expected: Vec<Owner> = std::iter::once(Owner::Me)
        .chain(apps.iter().map(Owner::application))
        .chain(instances.iter().map(Owner::instance))
        .collect();
    let owners: Vec<Owner> = inventory.owners.iter().map(|o| o.owner.clone()).collect();
    assert_eq!(owners, expected);
    assert_eq!(inventory.owners[0].name.as_deref(), Some("Fake User"));

    assert_eq!(inventory.owners[1].name.as_deref(), Some("app 00"));
    assert_eq!(inventory.owners[42].name.as_deref(), Some("instance b"));
    assert!(inventory.owners.iter().all(|o| o.token_count == 5));

    // Grouped by owner, each token is its owner's.
    for (i, t) in inventory.tokens.iter().enumerate() {
        assert_eq!(t.owner, expected[i / 5], "token {i}");
        assert_eq!(t.token.name, format!("seeded-token-{:04}", i % 5));
        let (kind, id) = match &t.owner {
            Owner::Me => (OwnerType::User, None),
            Owner::Application(id) => (OwnerType::Application, Some(id)),
            Owner::Instance(id) => (OwnerType::Instance, Some(id)),
            _ => unreachable!(),
        };
        assert_eq!(t.token.owner_type, Some(kind));
        if let Some(id) = id {
            assert_eq!(t.token.owner_id.as_ref(), Some(id));
        }
        assert!(t.token.token.is_none());
    }

    // 3 directory calls, the user's tokens and 42 lists: one page each.
    assert_eq!(fake.request_count(), 46);
    assert!(fake.connection_count() <= 8, "{}", fake.connection_count());
    for r in fake.requests() {
        if r.path != "/me" {
            assert_eq!(
                r.query_param("perPage").as_deref(),
                Some("1000"),
                "{}",
                r.path
            );
        }
        assert_eq!(r.query_param("_links").as_deref(), Some("false"));
    }
    let seen = seen.lock().unwrap();
    let last = seen.iter().max_by_key(|p| p.owners_done).unwrap();
    assert_eq!((last.owners_done, last.owners_total), (43, 43));
    // The user's ID, which `Owner::Me` does not carry, from GET /me.
    let me = client.send(losant_rest::me::GetMe::new()).unwrap();
    assert_eq!(inventory.user_id.as_deref(), Some(me.id.as_str()));
}

#[test]
fn owners_that_cannot_be_read_are_reported_and_the_job_goes_on() {
    let fake = FakeLosant::start();
    let client = builder_for(&fake).max_retries(1).build().unwrap();
    let (apps, instances) = forty_three(&fake);
    let path = |app: &str| format!("/applications/{app}/tokens");
    fake.fail_matching("GET", &path(&apps[3]), 1, Fault::status(403));
    fake.fail_matching("GET", &path(&apps[17]), 1, Fault::status(404));
    fake.fail_matching("GET", &path(&apps[30]), 5, Fault::status(503));
    fake.fail_matching(
        "GET",
        &format!("/instances/{}/tokens", instances[1]),
        2,
        Fault::reset(),
    );
    let inventory = client.all_tokens(&AllTokens::new()).unwrap();
    assert_eq!(inventory.owners.len(), 39);
    assert_eq!(inventory.tokens.len(), 39 * 5);
    let errors: Vec<(Option<Owner>, &str, Option<u16>)> = inventory
        .errors
        .iter()
        .map(|e| (e.owner.clone(), e.what.as_str(), e.error.status()))
        .collect();
    assert_eq!(
        errors,
        [
            (Some(Owner::application(&apps[3])), "app 03", Some(403)),
            (Some(Owner::application(&apps[17])), "app 17", Some(404)),
            (Some(Owner::application(&apps[30])), "app 30", Some(503)),
            (Some(Owner::instance(&instances[1])), "instance b", None),
        ]
    );
    assert!(
        !inventory
            .owners
            .iter()
            .any(|o| o.owner == Owner::application(&apps[3]))
    );
}

#[test]
fn a_directory_that_fails_is_reported_and_the_rest_is_read() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let (apps, _) = forty_three(&fake);
    fake.fail_matching("GET", "/instances", 5, Fault::status(500));
    fake.fail_matching("GET", "/me", 1, Fault::status(500));
    let inventory = client.all_tokens(&AllTokens::new()).unwrap();
    assert_eq!(inventory.owners.len(), 41);
    let errors: Vec<(Option<Owner>, &str)> = inventory
        .errors
        .iter()
        .map(|e| (e.owner.clone(), e.what.as_str()))
        .collect();
    assert_eq!(errors, [(None, "GET /me"), (None, "GET /instances")]);
    // Without /me, the user's tokens are still read, without a name.
    assert_eq!(inventory.owners[0].owner, Owner::Me);
    assert_eq!(inventory.owners[0].name, None);
    assert_eq!(inventory.user_id, None);
    assert_eq!(inventory.owners[1].owner, Owner::application(&apps[0]));
}

#[test]
fn scopes_that_reach_only_some_owners() {
    // Application tokens and the applications directory, nothing else.
    let fake = FakeLosant::builder()
        .scopes(["applications.get", "applicationApiTokens.get"])
        .start()
        .unwrap();
    let client = client_for(&fake);
    let (apps, _) = forty_three(&fake);
    let inventory = client.all_tokens(&AllTokens::new()).unwrap();
    let owners: Vec<Owner> = inventory.owners.iter().map(|o| o.owner.clone()).collect();
    assert_eq!(
        owners,
        apps.iter().map(Owner::application).collect::<Vec<_>>()
    );
    let errors: Vec<(Option<Owner>, &str, bool)> = inventory
        .errors
        .iter()
        .map(|e| (e.owner.clone(), e.what.as_str(), e.error.is_forbidden()))
        .collect();
    assert_eq!(
        errors,
        [
            (None, "GET /me", true),
            (None, "GET /instances", true),
            (Some(Owner::Me), "GET /me/tokens", true),
        ]
    );
}

#[test]
fn nothing_readable_is_an_error() {
    let fake = FakeLosant::start();
    forty_three(&fake);
    let client = builder_for(&fake).access_token("wrong").build().unwrap();
    let err = client.all_tokens(&AllTokens::new()).unwrap_err();
    assert!(err.is_unauthorized(), "{err:?}");

    // Every first call forbidden: nothing at all could be read.
    let fake = FakeLosant::builder()
        .scopes(["devices.get"])
        .start()
        .unwrap();
    let err = client_for(&fake).all_tokens(&AllTokens::new()).unwrap_err();
    assert!(err.is_forbidden(), "{err:?}");
}

#[test]
fn small_pages_concurrency_and_switches() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let (apps, instances) = forty_three(&fake);
    let job = AllTokens::new().per_page(3).concurrency(2);
    let inventory = client.all_tokens(&job).unwrap();
    assert!(inventory.errors.is_empty(), "{:?}", inventory.errors);
    assert_eq!(inventory.owners.len(), 43);
    assert_eq!(inventory.tokens.len(), 215);
    // The applications in name order across 14 pages.
    let got: Vec<&Owner> = inventory.owners[1..41].iter().map(|o| &o.owner).collect();
    let want: Vec<Owner> = apps.iter().map(Owner::application).collect();
    assert_eq!(got, want.iter().collect::<Vec<_>>());
    assert!(fake.connection_count() <= 2, "{}", fake.connection_count());

    fake.clear_requests();
    let only = AllTokens::new().me(false).applications(false);
    let inventory = client.all_tokens(&only).unwrap();
    let owners: Vec<Owner> = inventory.owners.iter().map(|o| o.owner.clone()).collect();
    assert_eq!(
        owners,
        instances.iter().map(Owner::instance).collect::<Vec<_>>()
    );
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.path.starts_with("/instances"))
    );
}

#[test]
fn org_id_reaches_the_applications_directory() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let org = "575ecdf07ae143cd83dc4a9a";
    fake.add_application("mine");
    let theirs = fake.add_organization_application(org, "Acme", "theirs");
    fake.seed_for(&Owner::application(&theirs), 2);
    let inventory = client
        .all_tokens(&AllTokens::new().org_id(org).me(false).instances(false))
        .unwrap();
    assert_eq!(inventory.owners.len(), 1);
    assert_eq!(inventory.owners[0].owner, Owner::application(&theirs));
    assert_eq!(inventory.tokens.len(), 2);
    let sent = fake.requests();
    assert_eq!(sent[0].query_param("orgId").as_deref(), Some(org));
}

#[test]
fn slow_owners_are_read_eight_at_a_time() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    forty_three(&fake);
    fake.fail_matching(
        "GET",
        "/applications/*/tokens",
        40,
        Fault::delay(Duration::from_millis(100)),
    );
    let started = std::time::Instant::now();
    let inventory = client.all_tokens(&AllTokens::new()).unwrap();
    let took = started.elapsed();
    assert_eq!(inventory.tokens.len(), 215);
    // One after another would take 40 × 100 ms = 4 s; 8 at a time, 5 rounds
    // (0.5 s). The bound is generous both ways.
    assert!(took < Duration::from_millis(2500), "{took:?}");
    assert!(fake.connection_count() <= 8);
}

#[test]
fn a_directory_total_too_large_to_believe_is_read_page_by_page() {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    let app = fake.add_application("only");
    fake.seed_for(&Owner::application(&app), 2);
    // A first page that claims 10^15 applications, one a page. Planning a
    // page number for each of them would need gigabytes; the rest of the
    // directory is read page by page instead, up to the fake's empty page 1.
    let lie = format!(
        r#"{{"items":[{{"id":"{app}","name":"only"}}],"count":1,
            "totalCount":1000000000000000,"perPage":1,"page":0}}"#
    );
    fake.fail_matching("GET", "/applications", 1, Fault::status(200).with_body(lie));
    let job = AllTokens::new().me(false).instances(false);
    let inventory = client.all_tokens(&job).unwrap();
    assert!(inventory.errors.is_empty(), "{:?}", inventory.errors);
    assert_eq!(inventory.owners.len(), 1);
    assert_eq!(inventory.tokens.len(), 2);
    let pages: Vec<Option<String>> = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/applications")
        .map(|r| r.query_param("page"))
        .collect();
    assert_eq!(pages, [Some("0".into()), Some("1".into())]);
}
