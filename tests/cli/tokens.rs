//! `create`, `get`, `enable`, `disable`, `rename` and `delete`.

use losant_rest::fake::{FakeLosant, Fault};
use serde_json::{Value, json};

use crate::*;

#[test]
fn create_prints_the_secret_alone_on_stdout() {
    let fake = FakeLosant::start();
    let out = run(
        &fake,
        &[
            "create",
            "deploy bot",
            "--scope",
            "all.User.read",
            "--scope=userApiTokens.get",
            "--description",
            "used by CI",
            "--expires",
            "2030-01-01",
        ],
    );
    out.assert_ok();
    let secret = out.stdout.strip_suffix('\n').expect("a line");
    assert!(!secret.is_empty() && !secret.contains('\n'), "{out:#?}");
    assert!(!out.stderr.contains(secret), "{out:#?}");
    let id = out.created_id();
    assert!(out.stderr.contains("(deploy bot)"), "{out:#?}");
    assert_eq!(fake.token_count(), 1);
    let token = stored(&fake, &id);
    assert_eq!(token["name"], "deploy bot");
    assert_eq!(token["description"], "used by CI");
    assert_eq!(
        token["scope"],
        json!(["all.User.read", "userApiTokens.get"])
    );
    assert_eq!(token["expirationDate"], "2030-01-01T00:00:00.000Z");
    assert_eq!(token["status"], "active");

    // The secret is the one the server issued, on the create answer only.
    assert_eq!(methods(&fake), ["POST"]);
}

#[test]
fn create_refuses_a_date_it_cannot_read_before_sending() {
    let fake = FakeLosant::start();
    for bad in [
        "tomorrow",
        "next tuesday",
        "2030-02-30",
        "2020-01-01T00:00:00Z",
    ] {
        let out = run(&fake, &["create", "x", "--expires", bad]);
        out.assert_usage();
        assert!(out.stderr.contains("--expires"), "{bad}: {out:#?}");
    }
    assert_eq!(fake.request_count(), 0, "nothing was sent");
    assert_eq!(fake.token_count(), 0);

    // --expires-in DAYS: that many days from now, in Losant's format.
    let before = iso_in(10);
    let out = run(&fake, &["create", "x", "--expires-in", "10"]);
    let after = iso_in(10);
    out.assert_ok();
    let token = stored(&fake, &out.created_id());
    let expires = token["expirationDate"].as_str().expect("a date");
    assert!(
        before[..19] <= expires[..19] && expires[..19] <= after[..19],
        "{before} <= {expires} <= {after}"
    );
    assert_eq!(expires.len(), "2030-01-01T00:00:00.000Z".len(), "{expires}");
}

#[test]
fn create_after_a_lost_answer_says_a_token_may_exist_and_how_to_find_it() {
    let fake = FakeLosant::start();
    // The fake makes the token, then drops the connection unanswered.
    fake.fail_matching("POST", "/me/tokens", 1, Fault::reset_after_processing());
    let out = run(&fake, &["create", "ci bot"]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(out.stdout.is_empty(), "{out:#?}");
    assert_eq!(fake.token_count(), 1, "the fake made it");
    assert!(
        out.stderr
            .contains("a token named \"ci bot\" may have been created anyway"),
        "{out:#?}"
    );
    assert!(
        out.stderr
            .contains("`losant-tokens list --filter 'ci bot' --sort creationDate --desc`"),
        "{out:#?}"
    );
    assert!(out.stderr.contains("`losant-tokens delete ID`"), "{out:#?}");

    // A 502 from a gateway says nothing about what the server did: the same.
    fake.fail_matching("POST", "/me/tokens", 1, Fault::status(502));
    let out = run(&fake, &["create", "ci bot"]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(
        out.stderr.contains("may have been created anyway"),
        "{out:#?}"
    );
    // A 504 after the server made the token: the same, and the token exists.
    let before = fake.token_count();
    fake.fail_matching("POST", "/me/tokens", 1, Fault::status_after_processing(504));
    let out = run(&fake, &["create", "ci bot"]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(out.stdout.is_empty(), "{out:#?}");
    assert!(
        out.stderr.contains("may have been created anyway"),
        "{out:#?}"
    );
    assert_eq!(fake.token_count(), before + 1, "the fake made it");
    // A name with a quote: the advice still works when pasted into a shell.
    fake.fail_matching("POST", "/me/tokens", 1, Fault::reset_after_processing());
    let out = run(&fake, &["create", "bob's $HOME bot"]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    let advice = out
        .stderr
        .split('`')
        .find(|part| part.contains("list --filter"))
        .unwrap_or_else(|| panic!("no advice: {out:#?}"));
    assert_eq!(
        advice,
        r"losant-tokens list --filter 'bob'\''s $HOME bot' --sort creationDate --desc"
    );
    let words = std::process::Command::new("sh")
        .args([
            "-c",
            &format!("for w in {}; do echo \"$w\"; done", &advice[14..]),
        ])
        .output()
        .expect("sh");
    let words = String::from_utf8_lossy(&words.stdout);
    assert!(words.lines().any(|w| w == "bob's $HOME bot"), "{words}");
    // A 400 is a refusal: nothing was made, and no such advice.
    fake.fail_matching("POST", "/me/tokens", 1, Fault::status(400));
    let out = run(&fake, &["create", "ci bot"]);
    out.assert_error(1);
    assert!(!out.stderr.contains("may have been"), "{out:#?}");
}

#[test]
fn get_prints_key_value_lines() {
    let fake = FakeLosant::start();
    let ids = fake.seed(2);
    let out = run(&fake, &["get", &ids[1]]);
    out.assert_ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    for expected in [
        format!("id: {}", ids[1]).as_str(),
        "name: seeded-token-0001",
        "status: active",
        "description: -",
        "scope: all.User",
        "expirationDate: -",
    ] {
        assert!(lines.contains(&expected), "{expected:?} in {out:#?}");
    }
    assert!(lines.iter().all(|l| l.contains(": ")), "{out:#?}");
}

#[test]
fn enable_and_disable_change_the_stored_status() {
    let fake = FakeLosant::start();
    let ids = fake.seed(3);
    let out = run(&fake, &["disable", &ids[0]]);
    out.assert_ok();
    assert!(out.stdout.is_empty());
    assert_eq!(stored(&fake, &ids[0])["status"], "inactive");
    assert!(out.stderr.contains("inactive"), "{out:#?}");

    run(&fake, &["enable", &ids[2]]).assert_ok();
    assert_eq!(stored(&fake, &ids[2])["status"], "active");
    let patches: Vec<Value> = fake
        .requests()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("a JSON body"))
        .collect();
    assert_eq!(
        patches,
        [json!({"status": "inactive"}), json!({"status": "active"})]
    );
    assert_eq!(methods(&fake), ["PATCH", "PATCH"]);
}

#[test]
fn rename_and_delete_change_the_store() {
    let fake = FakeLosant::start();
    let ids = fake.seed(2);
    run(&fake, &["rename", &ids[0], "renamed token"]).assert_ok();
    assert_eq!(stored(&fake, &ids[0])["name"], "renamed token");

    let out = run(&fake, &["delete", &ids[1]]);
    out.assert_ok();
    assert!(out.stderr.contains(&ids[1]), "{out:#?}");
    assert!(fake.token(&ids[1]).is_none());
    assert_eq!(fake.token_count(), 1);

    let again = run(&fake, &["delete", &ids[1]]);
    again.assert_error(1);
    assert!(again.stderr.contains("404 NotFound"), "{again:#?}");
}
