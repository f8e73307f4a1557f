//! `rotate`: copies, expiries, --exec, lost answers, and re-runs after each
//! step fails once.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use losant_rest::fake::{FakeLosant, Fault};
use serde_json::{Value, json};

use crate::*;

const OLD: &str = "5a0000000000000000000001";

/// A token with every field rotate copies, expiring in 2031.
fn rich_token(fake: &FakeLosant) -> String {
    fake.insert(json!({
        "id": OLD,
        "name": "ci deploy",
        "description": "used by the deploy job",
        "scope": ["all.User.read", "userApiTokens.get"],
        "defaultRole": "view",
        "orgRoles": [{"orgId": "sandbox", "role": "edit", "applicationRoles": [
            {"resourceId": "5a5a5a5a5a5a5a5a5a5a5a5a", "role": "collaborate"}]}],
        "expirationDate": "2031-06-30T12:00:00.000Z",
        "status": "active",
        "creationDate": "2025-01-01T00:00:00.000Z",
    }))
}

/// A token that never expires (so a rotate needs no expiry flag).
fn plain_token(fake: &FakeLosant) -> String {
    fake.insert(json!({
        "id": OLD,
        "name": "ci deploy",
        "scope": ["all.User.read"],
        "status": "active",
        "creationDate": "2025-01-01T00:00:00.000Z",
    }))
}

const EXPIRES: &str = "2031-06-30T12:00:00.000Z";

fn assert_copied(fake: &FakeLosant, old_id: &str, new_id: &str) {
    let new = stored(fake, new_id);
    assert_ne!(old_id, new_id);
    assert_eq!(new["status"], "active");
    assert_eq!(new["name"], "ci deploy");
    run_of(&new["description"], "used by the deploy job", old_id);
    assert_eq!(new["scope"], json!(["all.User.read", "userApiTokens.get"]));
    assert_eq!(new["defaultRole"], "view");
    assert_eq!(
        new["orgRoles"],
        json!([{"orgId": "sandbox", "role": "edit", "applicationRoles": [
            {"resourceId": "5a5a5a5a5a5a5a5a5a5a5a5a", "role": "collaborate"}]}])
    );
    assert_eq!(new["expirationDate"], EXPIRES);
}

/// Every token the user has, as (id, status).
fn states(fake: &FakeLosant) -> Vec<(String, String)> {
    let client = crate::common::client_for(fake);
    client
        .paginate(losant_rest::tokens::ListTokens::new())
        .map(|t| {
            let t = t.expect("a token");
            (
                t.id,
                t.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            )
        })
        .collect()
}

fn active(fake: &FakeLosant) -> Vec<String> {
    states(fake)
        .into_iter()
        .filter(|(_, s)| s == "active")
        .map(|(id, _)| id)
        .collect()
}

#[test]
fn rotate_copies_the_token_and_disables_the_old_one() {
    let fake = FakeLosant::start();
    let old = rich_token(&fake);
    let out = run(&fake, &["rotate", &old, "--expires", EXPIRES]);
    out.assert_ok();
    assert_eq!(out.stdout.lines().count(), 1, "{out:#?}");
    assert!(out.stdout.starts_with("fake-secret-"), "{out:#?}");
    assert!(!out.stderr.contains(out.stdout.trim()), "{out:#?}");
    let new = out.created_id();
    assert_copied(&fake, &old, &new);
    assert_eq!(fake.token_count(), 2);
    assert_eq!(stored(&fake, &old)["status"], "inactive");
    // Read the old token, look for earlier replacements, create, disable.
    assert_eq!(methods(&fake), ["GET", "GET", "POST", "PATCH"]);
    let lookup = &fake.requests()[1];
    assert_eq!(lookup.query_param("filter").as_deref(), Some("ci deploy"));
    assert_eq!(lookup.query_param("_links").as_deref(), Some("false"));
}

#[test]
fn rotate_delete_old_leaves_only_the_new_token() {
    let fake = FakeLosant::start();
    let old = rich_token(&fake);
    let out = run(
        &fake,
        &["rotate", "--delete-old", &old, "--expires", EXPIRES],
    );
    out.assert_ok();
    assert_eq!(out.stdout.lines().count(), 1, "{out:#?}");
    let new = out.created_id();
    assert_copied(&fake, &old, &new);
    assert!(fake.token(&old).is_none());
    assert_eq!(fake.token_count(), 1);
    assert_eq!(
        methods(&fake),
        ["GET", "GET", "POST", "DELETE"],
        "{:?}",
        routes(&fake)
    );
}

#[test]
fn rotate_never_guesses_an_expiry() {
    let fake = FakeLosant::start();
    let old = rich_token(&fake);
    // The old token expires: say what the new one gets, or nothing happens.
    let out = run(&fake, &["rotate", &old]);
    out.assert_error(2);
    assert!(
        out.stderr.contains(&format!("expires on {EXPIRES}")),
        "{out:#?}"
    );
    assert!(out.stderr.contains("would be a guess"), "{out:#?}");
    assert!(
        out.stderr
            .contains("give --expires DATE, --expires-in DAYS or --no-expiry"),
        "{out:#?}"
    );
    assert_eq!(methods(&fake), ["GET"], "only the old token was read");
    assert_eq!(fake.token_count(), 1);

    // An old token that has expired: the same, with its date.
    let stale = fake.insert(json!({"name": "stale", "status": "active",
        "expirationDate": iso_in(-3)}));
    let out = run(&fake, &["rotate", &stale]);
    out.assert_error(2);
    assert!(out.stderr.contains("expired on"), "{out:#?}");
    assert_eq!(fake.token_count(), 2);

    // --no-expiry, said out loud: a token that never expires.
    let out = run(&fake, &["rotate", &stale, "--no-expiry"]);
    out.assert_ok();
    let new = stored(&fake, &out.created_id());
    assert!(new.get("expirationDate").is_none(), "{new:#}");
    let post = fake
        .requests()
        .into_iter()
        .rfind(|r| r.method == "POST")
        .expect("a POST");
    let posted: Value = serde_json::from_slice(&post.body).expect("JSON");
    assert!(posted.get("expirationDate").is_none(), "{posted:#}");

    // --expires-in DAYS: from now.
    let before = iso_in(30);
    let out = run(&fake, &["rotate", &old, "--expires-in", "30"]);
    out.assert_ok();
    let expires = stored(&fake, &out.created_id())["expirationDate"]
        .as_str()
        .expect("a date")
        .to_owned();
    assert!(before[..19] <= expires[..19] && expires[..19] <= iso_in(30)[..19]);

    // A token that never expired gets a replacement that never expires.
    let never = fake.insert(json!({"name": "never", "status": "active"}));
    let out = run(&fake, &["rotate", &never]);
    out.assert_ok();
    assert!(
        stored(&fake, &out.created_id())
            .get("expirationDate")
            .is_none()
    );
}

/// A folder of its own for a test's files.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("losant-tokens-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// Runs `rotate ARGS --exec CMD` with `DIR` and `BIN` in the environment,
/// and the access token in `$DIR/token` (CMD does not get
/// `LOSANT_API_TOKEN`).
fn rotate_exec(fake: &FakeLosant, dir: &Path, cmd: &str, args: &[&str]) -> Run {
    std::fs::write(dir.join("token"), fake.access_token()).expect("a token file");
    let mut line = vec!["rotate"];
    line.extend_from_slice(args);
    line.extend_from_slice(&["--exec", cmd]);
    let mut command = command(Some(fake), &line);
    command
        .env("DIR", dir)
        .env("BIN", env!("CARGO_BIN_EXE_losant-tokens"));
    output(command)
}

/// A deploy command that keeps the secret and ID it was given, and what the
/// old token looked like while it ran.
const DEPLOY: &str = r#"cat > "$DIR/secret"; printf %s "$LOSANT_NEW_TOKEN_ID" > "$DIR/id"; printf %s "${LOSANT_API_TOKEN-unset}" > "$DIR/access"; env > "$DIR/env"; "$BIN" --token-file "$DIR/token" get "$LOSANT_OLD_TOKEN_ID" > "$DIR/old"; echo deployed"#;

#[test]
fn rotate_exec_hands_the_secret_to_the_command_before_disabling_the_old_token() {
    let fake = FakeLosant::start();
    let old = rich_token(&fake);
    let dir = scratch("exec");
    let out = rotate_exec(&fake, &dir, DEPLOY, &[&old, "--expires", EXPIRES]);
    out.assert_ok();
    assert!(
        out.stdout.is_empty(),
        "the secret went to the command: {out:#?}"
    );
    let new = out.created_id();
    let secret = read(&dir.join("secret"));
    assert!(
        secret.starts_with("fake-secret-") && secret.ends_with('\n'),
        "{secret:?}"
    );
    assert!(!out.stderr.contains(secret.trim()), "{out:#?}");
    assert_eq!(read(&dir.join("id")), new);
    // While the command ran, the old token was still active.
    assert!(read(&dir.join("old")).contains("status: active\n"));
    // The command did not get the access token that manages every token.
    assert_eq!(read(&dir.join("access")), "unset");
    // The secret came on stdin only, never in the environment.
    assert!(!read(&dir.join("env")).contains(secret.trim()));
    assert!(read(&dir.join("env")).contains(&format!("LOSANT_NEW_TOKEN_ID={new}")));
    // The command's own output goes to stderr.
    assert!(out.stderr.contains("deployed\n"), "{out:#?}");
    assert_copied(&fake, &old, &new);
    assert_eq!(stored(&fake, &old)["status"], "inactive");

    // With --delete-old, and in JSON: the document has no secret.
    let dir = scratch("exec-json");
    let out = rotate_exec(
        &fake,
        &dir,
        DEPLOY,
        &[&new, "--delete-old", "--json", "--expires", EXPIRES],
    );
    let doc = json_of(&out);
    assert!(doc.get("secret").is_none(), "{doc:#}");
    assert_eq!(doc["oldAction"], "deleted");
    assert_eq!(doc["new"]["id"], json!(read(&dir.join("id"))));
    assert!(fake.token(&new).is_none());
}

#[test]
fn rotate_refuses_an_empty_deploy_command_before_sending() {
    let fake = FakeLosant::start();
    let old = plain_token(&fake);
    // `--exec "$UNSET"`: `sh -c ''` would exit 0 without the secret, and
    // the old token would be retired while nobody has the new one.
    for cmd in ["", "  \t"] {
        let out = run(&fake, &["rotate", &old, "--exec", cmd]);
        out.assert_usage();
        assert!(
            out.stderr.contains("the deploy command is empty"),
            "{out:#?}"
        );
    }
    assert_eq!(fake.request_count(), 0);
    assert_eq!(active(&fake), [old]);
}

#[test]
fn rotate_exec_failure_deletes_the_new_token_and_keeps_the_old_one() {
    let fake = FakeLosant::start();
    let old = rich_token(&fake);
    let dir = scratch("exec-fails");
    let cmd = r#"printf %s "$LOSANT_NEW_TOKEN_ID" > "$DIR/id"; exit 3"#;
    let out = rotate_exec(&fake, &dir, cmd, &[&old, "--expires", EXPIRES]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(out.stdout.is_empty(), "{out:#?}");
    let new = read(&dir.join("id"));
    assert!(
        out.stderr
            .contains("the deploy command failed (exit status: 3)"),
        "{out:#?}"
    );
    assert!(
        out.stderr.contains(&format!(
            "the new token {new} was deleted; the old token {old} is unchanged and still active"
        )),
        "{out:#?}"
    );
    assert!(fake.token(&new).is_none());
    assert_eq!(fake.token_count(), 1);
    assert_eq!(stored(&fake, &old)["status"], "active");

    // The delete of the new token fails too: it is named, with advice.
    fake.fail_matching("DELETE", "/me/tokens/*", 1, Fault::status(500));
    let out = rotate_exec(&fake, &dir, cmd, &[&old, "--expires", EXPIRES]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    let new = read(&dir.join("id"));
    assert!(
        out.stderr.contains(&format!(
            "the new token {new} exists and is active, but deleting it failed (500 \
             InternalError: 500 Internal Server Error): delete it with `losant-tokens \
             delete {new}`"
        )),
        "{out:#?}"
    );
    assert_eq!(stored(&fake, &old)["status"], "active");
}

#[test]
fn rotate_cleans_up_after_a_lost_create_answer() {
    let fake = FakeLosant::start();
    let old = plain_token(&fake);
    let other = fake.insert(json!({"name": "ci deploy", "status": "active",
        "description": format!("made by hand (rotated from {OLD})")}));
    // The fake makes the token, then drops the connection unanswered.
    fake.fail_matching("POST", "/me/tokens", 1, Fault::reset_after_processing());
    let out = run(&fake, &["rotate", &old]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(out.stdout.is_empty(), "{out:#?}");
    assert!(
        out.stderr
            .contains("was created although its answer was lost, and has been deleted"),
        "{out:#?}"
    );
    assert!(
        out.stderr.contains(&format!(
            "the old token {old} is unchanged and still active"
        )),
        "{out:#?}"
    );
    // Only the token this rotate made went: the one known before stays.
    assert_eq!(fake.token_count(), 2);
    assert!(fake.token(&other).is_some());
    assert_eq!(methods(&fake), ["GET", "GET", "POST", "GET", "DELETE"]);

    // A gateway's 504 after Losant made the token: found and deleted too.
    fake.clear_requests();
    fake.fail_matching("POST", "/me/tokens", 1, Fault::status_after_processing(504));
    let out = run(&fake, &["rotate", &old]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(out.stdout.is_empty(), "{out:#?}");
    assert!(
        out.stderr
            .contains("was created although its answer was lost, and has been deleted"),
        "{out:#?}"
    );
    assert_eq!(fake.token_count(), 2, "the orphan is gone, nothing else");
    assert!(fake.token(&other).is_some());
    assert_eq!(stored(&fake, &old)["status"], "active");
    assert_eq!(methods(&fake), ["GET", "GET", "POST", "GET", "DELETE"]);

    // A 502 without the server acting: looked for, none found.
    fake.clear_requests();
    fake.fail_matching("POST", "/me/tokens", 1, Fault::status(502));
    let out = run(&fake, &["rotate", &old]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(
        out.stderr.contains(&format!(
            "no token carrying this run's mark `(rotated from {OLD}, run "
        )),
        "{out:#?}"
    );
    assert_eq!(fake.token_count(), 2);

    // The lookup fails too: exactly what to look for.
    let fake = FakeLosant::start();
    let old = plain_token(&fake);
    fake.fail_matching("POST", "/me/tokens", 1, Fault::reset_after_processing());
    fake.fail_matching(
        "GET",
        "/me/tokens",
        1,
        Fault::delay(std::time::Duration::ZERO),
    );
    fake.fail_matching("GET", "/me/tokens", 1, Fault::status(500));
    let out = run(&fake, &["rotate", &old]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(out.stderr.contains("looking for it failed too"), "{out:#?}");
    assert!(
        out.stderr.contains(&format!(
            "its description ends with `(rotated from {OLD}, run "
        )),
        "{out:#?}"
    );
    assert_eq!(fake.token_count(), 2, "the lost token is still there");
    assert_eq!(stored(&fake, &old)["status"], "active");
}

/// The token a rotate of `OLD` running at the same time makes: its mark
/// names another run.
const THEIRS: &str = "5a00000000000000000000c0";
const THEIR_RUN: &str = "fedcba9876543210";

/// Runs `rotate OLD` through a relay that, when this run's create arrives,
/// puts in the token another rotate of `OLD` makes just then (dated now),
/// while the fake makes ours and drops the connection unanswered. `behind`:
/// the answers date every token but theirs to 2020, as a Losant whose clock
/// is far behind ours would.
fn lost_answer_beside_another_run(behind: bool) -> (Arc<FakeLosant>, Run) {
    let fake = Arc::new(FakeLosant::start());
    plain_token(&fake);
    let competitor = Arc::clone(&fake);
    let on_request: relay::OnRequest = Box::new(move |method, _| {
        if method == "POST" {
            competitor.insert(
                json!({"id": THEIRS, "name": "ci deploy", "status": "active",
                "description": format!("(rotated from {OLD}, run {THEIR_RUN})"),
                "creationDate": iso_in(0)}),
            );
        }
    });
    let rewrite: relay::Rewrite = Box::new(move |answer| {
        for token in relay::tokens_in(answer) {
            let theirs = token["description"]
                .as_str()
                .is_some_and(|d| d.contains(THEIR_RUN));
            if behind && !theirs {
                token["creationDate"] = json!("2020-01-01T00:00:00.000Z");
            }
        }
    });
    let url = relay::start(&fake, on_request, rewrite);
    fake.fail_matching("POST", "/me/tokens", 1, Fault::reset_after_processing());
    let mut command = command(Some(&fake), &["rotate", OLD]);
    command.env("LOSANT_API_URL", url);
    (fake, output(command))
}

/// After a lost answer: ours (the only token with this run's nonce) is
/// deleted, theirs is named and kept, the old token is untouched.
fn only_ours_went(fake: &FakeLosant, out: &Run) {
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(out.stdout.is_empty(), "{out:#?}");
    assert!(
        out.stderr
            .contains("was created although its answer was lost, and has been deleted"),
        "{out:#?}"
    );
    assert!(
        out.stderr.contains(&format!(
            "left alone: {THEIRS} (named \"ci deploy\" and rotated from {OLD}, but not by \
             this run"
        )),
        "{out:#?}"
    );
    assert_eq!(stored(fake, THEIRS)["status"], "active", "{out:#?}");
    assert_eq!(stored(fake, OLD)["status"], "active");
    assert_eq!(fake.token_count(), 2, "ours is gone: {:?}", states(fake));
    let deletes: Vec<String> = routes(fake)
        .into_iter()
        .filter(|r| r.starts_with("DELETE"))
        .collect();
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert!(!deletes[0].contains(THEIRS), "{deletes:?}");
}

#[test]
fn after_a_lost_answer_only_this_runs_token_goes_whatever_the_clock_says() {
    // Ours looks 2020-old, theirs brand new: the dates do not matter.
    let (fake, out) = lost_answer_beside_another_run(true);
    only_ours_went(&fake, &out);
}

#[test]
fn after_a_lost_answer_of_two_new_replacements_ours_goes_and_theirs_is_named() {
    let (fake, out) = lost_answer_beside_another_run(false);
    only_ours_went(&fake, &out);
}

/// Fails one step of a rotate with `--exec`, then runs the same rotate
/// again, and checks that it converged: the old token disabled (or gone),
/// exactly one active replacement, the one the deploy command was given;
/// and that no state in between had no active token.
fn converges(name: &str, delete_old: bool, plant: impl Fn(&FakeLosant, &Path)) {
    let fake = FakeLosant::start();
    let old = plain_token(&fake);
    let dir = scratch(name);
    let cmd = r#"if [ -e "$DIR/fail" ]; then rm "$DIR/fail"; exit 1; fi; cat > "$DIR/secret"; printf %s "$LOSANT_NEW_TOKEN_ID" > "$DIR/id""#;
    let args: &[&str] = if delete_old {
        &[OLD, "--delete-old"]
    } else {
        &[OLD]
    };
    plant(&fake, &dir);
    let first = rotate_exec(&fake, &dir, cmd, args);
    assert_ne!(
        first.code,
        Some(0),
        "{name}: the planted fault did nothing: {first:#?}"
    );
    assert!(
        !active(&fake).is_empty(),
        "{name}: no active token: {first:#?}"
    );
    let again = rotate_exec(&fake, &dir, cmd, args);
    again.assert_ok();
    let now_active = active(&fake);
    assert_eq!(
        now_active.len(),
        1,
        "{name}: {:?}\n{first:#?}\n{again:#?}",
        states(&fake)
    );
    assert_eq!(
        now_active[0],
        read(&dir.join("id")),
        "{name}: the deployed token"
    );
    assert_ne!(now_active[0], old);
    if delete_old {
        assert!(fake.token(&old).is_none(), "{name}");
        assert_eq!(fake.token_count(), 1, "{name}: {:?}", states(&fake));
    } else {
        assert_eq!(stored(&fake, &old)["status"], "inactive", "{name}");
        assert_eq!(fake.token_count(), 2, "{name}: {:?}", states(&fake));
    }
    // And once more: nothing left to do.
    fake.clear_requests();
    let third = rotate_exec(&fake, &dir, cmd, args);
    if delete_old {
        // The old token is gone: nothing to rotate, and nothing changes.
        assert_eq!(third.code, Some(1), "{name}: {third:#?}");
    } else {
        third.assert_ok();
        assert!(
            third.stderr.contains("was rotated already"),
            "{name}: {third:#?}"
        );
    }
    assert!(!methods(&fake).contains(&"POST".to_owned()), "{name}");
    assert_eq!(active(&fake).len(), 1, "{name}");
}

#[test]
fn an_interrupted_rotate_converges_when_run_again_at_every_step() {
    let fail = |method: &'static str, path: &'static str, fault: Fault| {
        move |fake: &FakeLosant, _: &Path| fake.fail_matching(method, path, 1, fault.clone())
    };
    converges(
        "get-old",
        false,
        fail("GET", "/me/tokens/*", Fault::status(500)),
    );
    converges(
        "lookup",
        false,
        fail("GET", "/me/tokens", Fault::status(500)),
    );
    converges(
        "create",
        false,
        fail("POST", "/me/tokens", Fault::status(500)),
    );
    converges(
        "create-lost",
        false,
        fail("POST", "/me/tokens", Fault::reset_after_processing()),
    );
    // A lost answer whose cleanup fails: the orphan is removed on the re-run.
    converges("create-lost-cleanup", false, |fake, _| {
        fake.fail_matching("POST", "/me/tokens", 1, Fault::reset_after_processing());
        fake.fail_matching("DELETE", "/me/tokens/*", 1, Fault::status(500));
    });
    converges("deploy", false, |_, dir| {
        std::fs::write(dir.join("fail"), "").expect("a flag file");
    });
    converges(
        "disable",
        false,
        fail("PATCH", "/me/tokens/*", Fault::status(500)),
    );
    converges(
        "delete-old",
        true,
        fail("DELETE", "/me/tokens/*", Fault::status(500)),
    );
}

#[test]
fn a_rotate_killed_during_the_deploy_converges_when_run_again() {
    let fake = FakeLosant::start();
    let old = plain_token(&fake);
    let dir = scratch("killed");
    // The deploy command kills the rotate that runs it.
    let out = rotate_exec(&fake, &dir, "kill -9 $PPID", &[&old]);
    assert_eq!(out.code, None, "killed by a signal: {out:#?}");
    let left = out.created_id();
    assert_eq!(active(&fake).len(), 2, "the old token and the new one");

    // A replacement left by an earlier run, then the failure of its delete.
    let deploy = r#"cat > "$DIR/secret"; printf %s "$LOSANT_NEW_TOKEN_ID" > "$DIR/id""#;
    fake.fail_matching("DELETE", "/me/tokens/*", 1, Fault::status(500));
    let out = rotate_exec(&fake, &dir, deploy, &[&old]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    let newer = read(&dir.join("id"));
    assert!(
        out.stderr.contains(&format!(
            "the token {left}, made by an earlier rotate of {old}, still exists; the old \
             token {old} is still active"
        )),
        "{out:#?}"
    );
    assert_eq!(active(&fake).len(), 3);

    // Again: one active replacement, the one deployed last.
    let out = rotate_exec(&fake, &dir, deploy, &[&old]);
    out.assert_ok();
    assert!(
        out.stderr.contains(&format!(
            "deleted the token {left}, made by an earlier rotate of {old}"
        )),
        "{out:#?}"
    );
    assert!(
        out.stderr.contains(&format!("deleted the token {newer}")),
        "{out:#?}"
    );
    assert_eq!(active(&fake), [read(&dir.join("id"))]);
    assert_eq!(stored(&fake, &old)["status"], "inactive");
    assert_eq!(fake.token_count(), 2);
}

/// Fails the first `method` request on `path_glob` with a 500; every other
/// request passes untouched.
fn fail_first(fake: &FakeLosant, method: &str, path_glob: &str) {
    fake.fail_matching(method, path_glob, 1, Fault::status(500));
}

#[test]
fn rotate_says_what_exists_when_disabling_fails() {
    let fake = FakeLosant::start();
    let old = plain_token(&fake);
    fail_first(&fake, "PATCH", "/me/tokens/*");
    let out = run(&fake, &["rotate", &old]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    // The secret was handed over before the failure.
    assert_eq!(out.stdout.lines().count(), 1, "{out:#?}");
    let new = out.created_id();
    assert!(
        out.stderr
            .contains("error: 500 InternalError: 500 Internal Server Error\n"),
        "{out:#?}"
    );
    let state = format!(
        "the new token {new} exists and is active; the old token {old} is still active: \
         disable it with `losant-tokens disable {old}`"
    );
    assert!(out.stderr.contains(&state), "{out:#?}");
    // A 500 may have been carried out: the old token was read again.
    assert_eq!(methods(&fake), ["GET", "GET", "POST", "PATCH", "GET"]);
    assert_eq!(stored(&fake, &old)["status"], "active");
    assert_eq!(stored(&fake, &new)["status"], "active");

    // The advice works.
    run(&fake, &["disable", &old]).assert_ok();
    assert_eq!(stored(&fake, &old)["status"], "inactive");
}

#[test]
fn rotate_says_what_exists_when_deleting_fails() {
    let fake = FakeLosant::start();
    let old = plain_token(&fake);
    fail_first(&fake, "DELETE", "/me/tokens/*");
    let out = run(&fake, &["rotate", &old, "--delete-old"]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert_eq!(out.stdout.lines().count(), 1, "{out:#?}");
    let new = out.created_id();
    let state = format!(
        "the new token {new} exists and is active; the old token {old} still exists and is \
         active: delete it with `losant-tokens delete {old}`"
    );
    assert!(out.stderr.contains(&state), "{out:#?}");
    assert_eq!(methods(&fake), ["GET", "GET", "POST", "DELETE", "GET"]);
    assert_eq!(fake.token_count(), 2);
}

#[test]
fn rotate_reads_the_old_token_again_when_the_answer_to_retiring_it_is_lost() {
    for delete_old in [false, true] {
        let fake = FakeLosant::start();
        let old = plain_token(&fake);
        let method = if delete_old { "DELETE" } else { "PATCH" };
        // Carried out, then the connection drops before the answer.
        fake.fail_matching(method, "/me/tokens/*", 1, Fault::reset_after_processing());
        let mut args = vec!["rotate", &old];
        if delete_old {
            args.push("--delete-old");
        }
        let out = run(&fake, &args);
        out.assert_ok();
        let verb = if delete_old { "deleted" } else { "disabled" };
        assert!(
            out.stderr.contains(&format!("{verb} the old token {old}")),
            "{out:#?}"
        );
        assert_eq!(active(&fake), [out.created_id()]);
    }
}

#[test]
fn rotate_says_nothing_changed_when_creating_fails() {
    let fake = FakeLosant::start();
    let old = plain_token(&fake);
    fail_first(&fake, "POST", "/me/tokens");
    let out = run(&fake, &["rotate", &old]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(out.stdout.is_empty(), "{out:#?}");
    // A 500 may have been carried out: looked for, none found.
    assert!(
        out.stderr.contains(&format!(
            "no token carrying this run's mark `(rotated from {old}, run "
        )),
        "{out:#?}"
    );
    assert!(
        out.stderr.contains(&format!(
            "the old token {old} is unchanged and still active"
        )),
        "{out:#?}"
    );
    assert_eq!(fake.token_count(), 1);
    assert_eq!(stored(&fake, &old)["status"], "active");

    // A 400 is a refusal: no lookup.
    fake.clear_requests();
    fake.fail_matching("POST", "/me/tokens", 1, Fault::status(400));
    let out = run(&fake, &["rotate", &old]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(
        out.stderr.contains(&format!(
            "no new token was created; the old token {old} is unchanged and still active"
        )),
        "{out:#?}"
    );
    assert_eq!(methods(&fake), ["GET", "GET", "POST"]);
}

#[test]
fn rotate_of_a_missing_token_changes_nothing() {
    let fake = FakeLosant::start();
    fake.seed(1);
    let out = run(&fake, &["rotate", MISSING_ID]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(out.stdout.is_empty(), "{out:#?}");
    assert!(
        out.stderr
            .starts_with("error: 404 NotFound: API Token was not found\n"),
        "{out:#?}"
    );
    assert!(out.stderr.contains("nothing was changed"), "{out:#?}");
    assert_eq!(methods(&fake), ["GET"]);
    assert_eq!(fake.token_count(), 1);
}

#[test]
fn rotate_json_hands_over_the_secret_even_when_disabling_fails() {
    let fake = FakeLosant::start();
    let old = plain_token(&fake);
    fake.fail_matching("PATCH", "/me/tokens/*", 1, Fault::status(500));
    let out = run(&fake, &["rotate", &old, "--json"]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    let doc: Value = serde_json::from_str(&out.stdout).expect("one JSON document");
    let secret = doc["secret"].as_str().expect("a secret");
    assert!(!out.stderr.contains(secret), "{out:#?}");
    assert_eq!(doc["oldAction"], Value::Null);
    assert_eq!(doc["old"]["status"], "active");
    let new = doc["new"]["id"].as_str().expect("an id");
    assert!(
        out.stderr.contains(&format!(
            "the new token {new} exists and is active; the old token {old} is still active"
        )),
        "{out:#?}"
    );
}

/// Runs the program with its stdout on /dev/full (every write fails),
/// checks it exited 1, and gives its stderr.
#[cfg(target_os = "linux")]
fn failing_into_dev_full(fake: &FakeLosant, args: &[&str]) -> String {
    let mut cmd = command(Some(fake), args);
    cmd.stdout(std::fs::File::create("/dev/full").expect("/dev/full"));
    let out = cmd.output().expect("run losant-tokens");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    stderr
}

/// The secret cannot be written (stdout is /dev/full): nobody has it, so
/// the new token is deleted and the old one keeps working.
#[cfg(target_os = "linux")]
#[test]
fn rotate_deletes_the_new_token_when_its_secret_cannot_be_written() {
    let fake = FakeLosant::start();
    let old = plain_token(&fake);
    let stderr = failing_into_dev_full(&fake, &["rotate", &old]);
    assert!(
        stderr.contains("cannot write the secret to stdout"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "was deleted; the old token {old} is unchanged and still active"
        )),
        "{stderr}"
    );
    assert_eq!(methods(&fake), ["GET", "GET", "POST", "DELETE"]);
    assert_eq!(active(&fake), [old]);
    assert_eq!(fake.token_count(), 1);
}

/// The JSON document, which holds the only copy of the secret, cannot be
/// written after the old token was disabled: the old token is enabled
/// again and the new one deleted, so a token that works is left. After a
/// `--delete-old`, the new token is kept and the advice rotates it.
#[cfg(target_os = "linux")]
#[test]
fn rotate_json_puts_the_old_token_back_when_the_document_cannot_be_written() {
    let fake = FakeLosant::start();
    let old = plain_token(&fake);
    let stderr = failing_into_dev_full(&fake, &["rotate", &old, "--json"]);
    assert!(
        stderr.contains("cannot write the JSON document to stdout"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("the old token {old} was enabled again")),
        "{stderr}"
    );
    assert_eq!(active(&fake), std::slice::from_ref(&old));
    assert_eq!(fake.token_count(), 1);

    let stderr = failing_into_dev_full(&fake, &["rotate", &old, "--json", "--delete-old"]);
    let left = active(&fake);
    assert_eq!(left.len(), 1, "{stderr}");
    assert_ne!(left[0], old);
    assert!(
        stderr.contains(&format!("losant-tokens rotate {} --exec CMD", left[0])),
        "{stderr}"
    );
}
