//! Every command for an application and an instance.

use losant_rest::fake::{FakeLosant, Fault, Owner};
use serde_json::{Value, json};

use crate::*;

#[test]
fn a_malformed_owner_id_exits_two_and_sends_nothing() {
    let fake = FakeLosant::start();
    let id = MISSING_ID;
    for (flag, bad, field) in [
        ("--application", "not-an-app", "applicationId"),
        ("--application", "", "applicationId"),
        ("--application", "../../me", "applicationId"),
        ("--instance", "575ec8687ae143cd83dc4a9", "instanceId"),
        ("--instance", "575ec8687ae143cd83dc4a97/..", "instanceId"),
    ] {
        for args in [
            &["list"][..],
            &["list", "--json"],
            &["create", "n", "--scope", "all.Application"],
            &["get", id],
            &["enable", id],
            &["disable", id],
            &["rename", id, "x"],
            &["delete", id],
            &["rotate", id],
            &["rotate", id, "--delete-old", "--json"],
        ] {
            // After the command, and before it.
            for line in [[args, &[flag, bad]].concat(), [&[flag, bad], args].concat()] {
                let out = run(&fake, &line);
                out.assert_error(2);
                assert!(out.stderr.contains(field), "{line:?}: {out:#?}");
            }
        }
    }
    // Both owners at once.
    for args in [
        &["list", "--application", APP, "--instance", INSTANCE][..],
        &[
            "--application",
            APP,
            "get",
            MISSING_ID,
            "--instance",
            INSTANCE,
        ],
        &["--instance", INSTANCE, "--application", APP, "list"],
    ] {
        let out = run(&fake, args);
        out.assert_usage();
        assert!(out.stderr.contains("cannot be used with"), "{out:#?}");
    }
    assert_eq!(fake.request_count(), 0);
}

#[test]
fn every_command_works_for_an_application() {
    let fake = FakeLosant::start();
    let app = Owner::application(APP);
    let ids = fake.seed_for(&app, 3);
    let mine = fake.seed(2);
    let base = format!("/applications/{APP}/tokens");

    // list: a table and JSON, only the application's tokens.
    let out = run(&fake, &["list", "--application", APP]);
    out.assert_ok();
    assert_eq!(out.stdout.lines().count(), 4, "{out:#?}");
    assert!(
        ids.iter().all(|id| out.stdout.contains(id.as_str())),
        "{out:#?}"
    );
    assert!(!mine.iter().any(|id| out.stdout.contains(id.as_str())));
    let items = json_list(&fake, &["--application", APP]);
    let listed: Vec<&str> = items.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(listed, ids);
    assert!(items.iter().all(|t| t["applicationId"] == APP), "{items:?}");

    // get, and a user's token is not the application's.
    let out = run(&fake, &["get", &ids[0], "--application", APP]);
    out.assert_ok();
    assert!(out.stdout.contains("name: seeded-token-0000\n"), "{out:#?}");
    assert!(
        out.stdout.contains(&format!("applicationId: {APP}\n")),
        "{out:#?}"
    );
    let out = run(&fake, &["get", &mine[0], "--application", APP]);
    out.assert_error(1);
    assert!(out.stderr.contains("404"), "{out:#?}");

    // create, with the owner before the command.
    let out = run(
        &fake,
        &[
            "--application",
            APP,
            "create",
            "app bot",
            "--scope",
            "all.Application.read",
            "--description",
            "reads the app",
        ],
    );
    out.assert_ok();
    let secret = out.stdout.trim_end();
    assert!(
        !secret.is_empty() && !out.stderr.contains(secret),
        "{out:#?}"
    );
    let created = out.created_id();
    assert!(
        out.stderr.contains(&format!("for application {APP}")),
        "{out:#?}"
    );
    assert_eq!(fake.token_count_for(&app), 4);
    let token = stored(&fake, &created);
    assert_eq!(token["scope"], json!(["all.Application.read"]));
    assert_eq!(token["description"], "reads the app");

    // disable, enable, rename, delete.
    run(&fake, &["disable", &ids[0], "--application", APP]).assert_ok();
    assert_eq!(stored(&fake, &ids[0])["status"], "inactive");
    run(&fake, &["enable", &ids[0], "--application", APP]).assert_ok();
    assert_eq!(stored(&fake, &ids[0])["status"], "active");
    run(&fake, &["rename", &ids[1], "renamed", "--application", APP]).assert_ok();
    assert_eq!(stored(&fake, &ids[1])["name"], "renamed");
    run(&fake, &["delete", &ids[2], "--application", APP]).assert_ok();
    assert!(fake.token(&ids[2]).is_none());

    // rotate.
    let out = run(&fake, &["rotate", &ids[1], "--application", APP]);
    out.assert_ok();
    let rotated = out.created_id();
    assert_eq!(stored(&fake, &rotated)["name"], "renamed");
    assert_eq!(stored(&fake, &ids[1])["status"], "inactive");
    assert_eq!(fake.token_count_for(&app), 4);

    // Every request went to the application's tokens; the user's are intact.
    let one = |id: &str| format!("{base}/{id}");
    assert_eq!(
        routes(&fake),
        [
            format!("GET {base}"),
            format!("GET {base}"),
            format!("GET {}", one(&ids[0])),
            format!("GET {}", one(&mine[0])),
            format!("POST {base}"),
            format!("PATCH {}", one(&ids[0])),
            format!("PATCH {}", one(&ids[0])),
            format!("PATCH {}", one(&ids[1])),
            format!("DELETE {}", one(&ids[2])),
            format!("GET {}", one(&ids[1])),
            format!("GET {base}"),
            format!("POST {base}"),
            format!("PATCH {}", one(&ids[1])),
        ]
    );
    assert_eq!(fake.token_count(), 2);
}

/// An application token with scopes, a description, a default role, an
/// organization role and an expiry in the future.
fn app_token(fake: &FakeLosant) -> (String, Value) {
    let token = json!({
        "id": "5a00000000000000000000a1",
        "name": "app deploy",
        "description": "deploys the application",
        "scope": ["all.Application.read", "applicationApiTokens.get"],
        "defaultRole": "view",
        "orgRoles": [{"orgId": "5c0000000000000000000001", "role": "edit",
            "applicationRoles": [{"resourceId": APP, "role": "collaborate"}]}],
        "expirationDate": iso_in(90),
        "status": "active",
        "creationDate": "2025-01-01T00:00:00.000Z",
    });
    let id = fake.insert_for(&Owner::application(APP), token.clone());
    (id, token)
}

#[test]
fn an_application_token_rotates_end_to_end() {
    let fake = FakeLosant::start();
    let app = Owner::application(APP);
    let (old, original) = app_token(&fake);
    let base = format!("/applications/{APP}/tokens");

    let expires = original["expirationDate"].as_str().expect("a date");
    let out = run(
        &fake,
        &["rotate", &old, "--application", APP, "--expires", expires],
    );
    out.assert_ok();
    let secret = out.stdout.strip_suffix('\n').expect("a line");
    assert!(secret.starts_with("fake-secret-"), "{out:#?}");
    assert!(!out.stderr.contains(secret), "{out:#?}");
    let new = out.created_id();
    assert_ne!(new, old);

    // The new token has the old one's settings; the old one is disabled.
    let copy = stored(&fake, &new);
    for field in ["name", "scope", "defaultRole", "orgRoles", "expirationDate"] {
        assert_eq!(copy[field], original[field], "{field}: {copy:#}");
    }
    let first_run = run_of(&copy["description"], "deploys the application", &old);
    assert_eq!(copy["status"], "active");
    assert_eq!(copy["applicationId"], APP);
    assert_eq!(stored(&fake, &old)["status"], "inactive");
    assert_eq!(fake.token_count_for(&app), 2);
    assert_eq!(fake.token_count(), 0, "no user token was made");

    // All under /applications/{id}/tokens, and the body copied the settings.
    assert_eq!(
        routes(&fake),
        [
            format!("GET {base}/{old}"),
            format!("GET {base}"),
            format!("POST {base}"),
            format!("PATCH {base}/{old}"),
        ]
    );
    let requests = fake.requests();
    let posted: Value = serde_json::from_slice(&requests[2].body).expect("a JSON body");
    assert_eq!(posted["orgRoles"], original["orgRoles"]);
    assert_eq!(posted["scope"], original["scope"]);
    let patched: Value = serde_json::from_slice(&requests[3].body).expect("a JSON body");
    assert_eq!(patched, json!({"status": "inactive"}));

    // Again with --delete-old, in JSON: the first copy is replaced and gone.
    fake.clear_requests();
    let out = run(
        &fake,
        &[
            "--application",
            APP,
            "rotate",
            &new,
            "--delete-old",
            "--json",
            "--expires-in",
            "90",
        ],
    );
    let doc = json_of(&out);
    let newer = doc["new"]["id"].as_str().expect("the new id").to_owned();
    assert_eq!(doc["old"]["id"], json!(new));
    assert_eq!(doc["oldAction"], "deleted");
    assert!(doc["secret"].as_str().unwrap().starts_with("fake-secret-"));
    assert!(fake.token(&new).is_none());
    let newest = stored(&fake, &newer);
    for field in ["name", "scope", "defaultRole", "orgRoles"] {
        assert_eq!(newest[field], original[field], "{field}");
    }
    // One mark, naming the token it replaced.
    let second_run = run_of(&newest["description"], "deploys the application", &new);
    assert_ne!(first_run, second_run, "a nonce for every run");
    assert_eq!(fake.token_count_for(&app), 2);
    assert_eq!(
        routes(&fake),
        [
            format!("GET {base}/{new}"),
            format!("GET {base}"),
            format!("POST {base}"),
            format!("DELETE {base}/{new}"),
        ]
    );
}

#[test]
fn a_failed_application_rotation_gives_advice_for_that_application() {
    let fake = FakeLosant::start();
    let (old, _) = app_token(&fake);
    fake.fail_matching("PATCH", "/applications/*/tokens/*", 1, Fault::status(500));
    let out = run(
        &fake,
        &["rotate", &old, "--application", APP, "--no-expiry"],
    );
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert_eq!(out.stdout.lines().count(), 1, "the secret was handed over");
    let new = out.created_id();
    let state = format!(
        "the new token {new} exists and is active; the old token {old} is still active: \
         disable it with `losant-tokens disable {old} --application {APP}`"
    );
    assert!(out.stderr.contains(&state), "{out:#?}");
    // The advice works.
    run(&fake, &["disable", &old, "--application", APP]).assert_ok();
    assert_eq!(stored(&fake, &old)["status"], "inactive");
}

#[test]
fn list_and_get_work_for_an_instance() {
    let fake = FakeLosant::start();
    let instance = Owner::instance(INSTANCE);
    let ids = fake.seed_for(&instance, 2);
    fake.seed(1);
    fake.seed_for(&Owner::application(APP), 1);
    let base = format!("/instances/{INSTANCE}/tokens");

    let items = json_list(&fake, &["--instance", INSTANCE]);
    assert_eq!(names(&items), ["seeded-token-0000", "seeded-token-0001"]);
    assert!(
        items.iter().all(|t| t["instanceId"] == INSTANCE),
        "{items:?}"
    );
    let table = run(&fake, &["--instance", INSTANCE, "list"]);
    table.assert_ok();
    assert_eq!(table.stdout.lines().count(), 3, "{table:#?}");

    let out = run(&fake, &["get", &ids[1], "--instance", INSTANCE]);
    out.assert_ok();
    assert!(
        out.stdout.contains(&format!("instanceId: {INSTANCE}\n")),
        "{out:#?}"
    );
    let doc = json_of(&run(
        &fake,
        &["get", &ids[0], "--instance", INSTANCE, "--json"],
    ));
    assert_eq!(doc["id"], json!(ids[0]));
    assert_eq!(doc["instanceId"], INSTANCE);

    run(&fake, &["disable", &ids[0], "--instance", INSTANCE]).assert_ok();
    assert_eq!(stored(&fake, &ids[0])["status"], "inactive");
    assert!(
        routes(&fake).iter().all(|r| r.contains(&base)),
        "{:?}",
        routes(&fake)
    );
    assert_eq!(fake.token_count_for(&instance), 2);
}
