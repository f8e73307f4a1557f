//! `audit`: every token of every owner, findings, table, CSV and JSON.

use losant_rest::fake::{FakeLosant, Fault, Owner};
use serde_json::{Value, json};

use crate::*;

/// The user with 2 tokens, an application with 3, an instance with 2.
fn estate(fake: &FakeLosant) -> (String, String) {
    let app = fake.add_application("Fleet café ☕ 東京");
    let instance = fake.add_instance("Plant");
    fake.seed(2);
    fake.seed_for(&Owner::application(&app), 3);
    fake.seed_for(&Owner::instance(&instance), 2);
    (app, instance)
}

#[test]
fn audit_json_covers_every_owner_without_secrets() {
    let fake = FakeLosant::start();
    let (app, instance) = estate(&fake);
    let out = run(&fake, &["audit", "--json"]);
    let doc = json_of(&out);
    let tokens = doc["tokens"].as_array().expect("tokens");
    assert_eq!(tokens.len(), 7, "{doc:#}");
    assert_eq!(doc["owners"].as_array().map(Vec::len), Some(3), "{doc:#}");
    assert_eq!(doc["errors"], json!([]));
    for t in tokens {
        for key in [
            "id",
            "name",
            "ownerType",
            "ownerId",
            "ownerName",
            "status",
            "scope",
            "expirationDate",
            "creationDate",
            "findings",
        ] {
            assert!(t.get(key).is_some(), "{key}: {t:#}");
        }
        // Seeded tokens have a scope `all.<Owner>`: full access.
        assert!(
            t["findings"]
                .as_array()
                .unwrap()
                .contains(&json!("broad-scope")),
            "{t:#}"
        );
        if t["expirationDate"].is_null() {
            assert!(
                t["findings"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("never-expires"))
            );
        }
    }
    let app_tokens: Vec<&Value> = tokens
        .iter()
        .filter(|t| t["ownerId"] == json!(app))
        .collect();
    assert_eq!(app_tokens.len(), 3);
    assert!(
        app_tokens
            .iter()
            .all(|t| t["ownerName"] == "Fleet café ☕ 東京")
    );
    assert_eq!(
        tokens
            .iter()
            .filter(|t| t["ownerId"] == json!(instance))
            .count(),
        2
    );
    assert!(!out.stdout.contains("fake-secret"), "never a secret");
}

#[test]
fn audit_prints_a_table_or_csv() {
    let fake = FakeLosant::start();
    estate(&fake);
    let out = run(&fake, &["audit"]);
    out.assert_ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 8, "{out:#?}");
    assert!(lines[0].starts_with("OWNER "), "{out:#?}");
    assert!(
        out.stdout.contains("application Fleet café ☕ 東京"),
        "{out:#?}"
    );
    let out = run(&fake, &["audit", "--csv"]);
    out.assert_ok();
    assert!(
        out.stdout
            .starts_with("id,name,ownerType,ownerId,ownerName,status,scope,")
    );
    assert_eq!(out.stdout.lines().count(), 8);
}

#[test]
fn an_owner_that_cannot_be_read_goes_into_errors_and_the_audit_goes_on() {
    let fake = FakeLosant::start();
    let (app, _) = estate(&fake);
    fake.fail_matching(
        "GET",
        &format!("/applications/{app}/tokens"),
        9,
        Fault::status(403),
    );
    let out = run(&fake, &["audit", "--json"]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    let doc: Value = serde_json::from_str(&out.stdout).expect("the document");
    assert_eq!(doc["tokens"].as_array().map(Vec::len), Some(4), "{doc:#}");
    assert_eq!(doc["errors"].as_array().map(Vec::len), Some(1), "{doc:#}");
    assert!(out.stderr.contains("could not be read"), "{out:#?}");
}

#[test]
fn fail_on_exits_one_when_a_token_has_the_finding() {
    let fake = FakeLosant::start();
    let app = fake.add_application("app");
    fake.insert(
        json!({"name": "narrow", "status": "active", "scope": ["all.User.read"],
        "expirationDate": iso_in(90)}),
    );
    fake.insert_for(
        &Owner::application(&app),
        json!({"name": "soon", "status": "active",
        "scope": ["all.Application.read"], "expirationDate": iso_in(3)}),
    );
    run(&fake, &["audit", "--fail-on", "broad-scope,never-expires"]).assert_ok();
    run(
        &fake,
        &[
            "audit",
            "--fail-on",
            "expires-soon",
            "--expiring-within",
            "2",
        ],
    )
    .assert_ok();
    let out = run(&fake, &["audit", "--fail-on", "expired,expires-soon"]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(
        out.stderr.contains("1 token(s) are expires-soon"),
        "{out:#?}"
    );
    run(&fake, &["audit", "--fail-on", "bogus"]).assert_usage();
    run(&fake, &["audit", "--application", APP]).assert_error(2);
    run(&fake, &["audit", "--concurrency", "0"]).assert_usage();
}
