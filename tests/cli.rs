//! The `losant-tokens` binary (feature `cli`), run as a real program against
//! the fake server, for the user, an application and an instance: exit
//! statuses, stdout, stderr, JSON, and what the fake holds afterwards.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

mod common;

use losant_rest::fake::{FakeLosant, Fault, Owner};
use serde_json::{Value, json};

use common::MISSING_ID;

/// What one run of the program did.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Asserts a one-line `error: …` on stderr, nothing on stdout, and exit
    /// status `code`.
    fn assert_error(&self, code: i32) {
        assert_eq!(self.code, Some(code), "{self:#?}");
        assert!(self.stdout.is_empty(), "{self:#?}");
        assert!(self.stderr.starts_with("error: "), "{self:#?}");
        assert_eq!(self.stderr.lines().count(), 1, "{self:#?}");
    }

    fn assert_ok(&self) {
        assert_eq!(self.code, Some(0), "{self:#?}");
    }

    /// The ID in the `created token <id> (<name>)` message.
    fn created_id(&self) -> String {
        self.stderr
            .lines()
            .find_map(|line| line.strip_prefix("created token "))
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("no `created token` message: {self:#?}"))
            .to_owned()
    }
}

/// The program, with the environment pointing at `fake` (or at nothing).
fn command(fake: Option<&FakeLosant>, args: &[&str]) -> Command {
    let mut command = common::clean_command(env!("CARGO_BIN_EXE_losant-tokens"), fake);
    command.args(args);
    command
}

fn run_with(fake: Option<&FakeLosant>, args: &[&str]) -> Run {
    let output = command(fake, args).output().expect("run losant-tokens");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

fn run(fake: &FakeLosant, args: &[&str]) -> Run {
    run_with(Some(fake), args)
}

fn stored(fake: &FakeLosant, id: &str) -> Value {
    fake.token(id)
        .unwrap_or_else(|| panic!("the fake has no token {id}"))
}

fn methods(fake: &FakeLosant) -> Vec<String> {
    fake.requests().into_iter().map(|r| r.method).collect()
}

fn json_list(fake: &FakeLosant, args: &[&str]) -> Vec<Value> {
    let out = run(fake, &[&["list", "--json"], args].concat());
    out.assert_ok();
    match serde_json::from_str(&out.stdout) {
        Ok(Value::Array(items)) => items,
        other => panic!("not a JSON array: {other:?}\n{out:#?}"),
    }
}

/// The date-time `days` days from now (negative: ago) as Losant writes
/// it, such as `2026-11-25T14:48:12.000Z`.
fn iso_in(days: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let secs = i64::try_from(now).expect("a sane clock") + days * 86_400;
    let (day, time) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = common::civil_from_days(day);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

fn names(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|t| t["name"].as_str().expect("a name"))
        .collect()
}

// ---------------------------------------------------------------------------
// Help and usage

#[test]
fn help_goes_to_stdout_and_exits_zero() {
    for args in [
        &["--help"][..],
        &["-h"],
        &["help"],
        &["help", "rotate"],
        &["list", "--help"],
        &["create", "-h"],
        &["get", "--help"],
        &["rotate", "--help"],
        &["rename", "only-an-id", "--help"],
    ] {
        // No token needed for help.
        let out = run_with(None, args);
        assert_eq!(out.code, Some(0), "{args:?}: {out:#?}");
        assert!(
            out.stdout.contains("Usage: losant-tokens"),
            "{args:?}: {out:#?}"
        );
        assert!(out.stderr.is_empty(), "{args:?}: {out:#?}");
    }
    let top = run_with(None, &["--help"]).stdout;
    for command in [
        "list", "create", "get", "enable", "disable", "rename", "delete", "rotate",
    ] {
        assert!(top.contains(command), "{command} missing from:\n{top}");
    }
    assert!(run_with(None, &["list", "-h"]).stdout.contains("--status"));
    assert!(
        run_with(None, &["rotate", "-h"])
            .stdout
            .contains("--delete-old")
    );
}

#[test]
fn bad_arguments_exit_two_without_a_request() {
    let fake = FakeLosant::start();
    for args in [
        &[][..],
        &["frobnicate"],
        &["--verbose"],
        &["list", "--bogus"],
        &["list", "--status", "maybe"],
        &["list", "--status"],
        &["list", "--filter"],
        &["list", "--sort", "size"],
        &["list", "--json=yes"],
        &["list", "extra"],
        &["create"],
        &["create", "a", "b"],
        &["create", "n", "--scope"],
        &["get"],
        &["get", MISSING_ID, MISSING_ID],
        &["rename", MISSING_ID],
        &["rotate", MISSING_ID, "--force"],
        &["help", "frobnicate"],
        // A malformed ID is refused before anything is sent.
        &["get", "not-an-id"],
        &["delete", "../../me"],
        &["rotate", "nope"],
    ] {
        let out = run(&fake, args);
        assert_eq!(out.code, Some(2), "{args:?}: {out:#?}");
        assert!(out.stdout.is_empty(), "{args:?}: {out:#?}");
        assert!(out.stderr.starts_with("error: "), "{args:?}: {out:#?}");
        assert_eq!(out.stderr.lines().count(), 1, "{args:?}: {out:#?}");
    }
    assert_eq!(fake.request_count(), 0);
    assert!(
        run(&fake, &["list", "--status", "maybe"])
            .stderr
            .contains("maybe")
    );
}

#[test]
fn a_missing_access_token_exits_two() {
    let out = run_with(None, &["list"]);
    out.assert_error(2);
    assert!(out.stderr.contains("LOSANT_API_TOKEN"), "{out:#?}");
}

#[test]
fn api_errors_exit_one_with_status_type_and_message() {
    let fake = FakeLosant::start();
    let out = run(&fake, &["get", MISSING_ID]);
    out.assert_error(1);
    assert_eq!(out.stderr, "error: 404 NotFound: API Token was not found\n");
    for args in [
        &["enable", MISSING_ID][..],
        &["disable", MISSING_ID],
        &["rename", MISSING_ID, "x"],
        &["delete", MISSING_ID],
    ] {
        let out = run(&fake, args);
        out.assert_error(1);
        assert!(out.stderr.contains("404 NotFound"), "{args:?}: {out:#?}");
    }

    // A wrong access token: 401 from the server.
    let out = command(Some(&fake), &["list"])
        .env("LOSANT_API_TOKEN", "not-the-token")
        .output()
        .expect("run losant-tokens");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: 401 Unauthorized"), "{stderr}");
}

// ---------------------------------------------------------------------------
// list

#[test]
fn list_prints_an_aligned_table() {
    let fake = FakeLosant::start();
    let ids = fake.seed(3);
    let out = run(&fake, &["list"]);
    out.assert_ok();
    assert!(out.stderr.is_empty(), "{out:#?}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{out:#?}");
    let header = lines[0];
    let columns: Vec<usize> = ["ID", "NAME", "STATUS", "CREATED", "EXPIRES"]
        .iter()
        .map(|h| header.find(h).expect("a header"))
        .collect();
    assert!(columns.windows(2).all(|w| w[0] < w[1]), "{header}");
    for (i, (line, id)) in lines[1..].iter().zip(&ids).enumerate() {
        let token = stored(&fake, id);
        let name = format!("seeded-token-{i:04}");
        let status = token["status"].as_str().expect("a status");
        let created = token["creationDate"].as_str().expect("a creation date");
        let expires = match token["expirationDate"].as_str() {
            // Seeded dates are in Losant's format, which sorts as it reads.
            Some(date) if date <= iso_in(0).as_str() => format!("{date} (expired)"),
            Some(date) => date.to_owned(),
            None => "-".to_owned(),
        };
        assert_eq!(line.find(id.as_str()), Some(columns[0]), "{line}");
        assert_eq!(line.find(&name), Some(columns[1]), "{line}");
        assert_eq!(line[columns[2]..].split(' ').next(), Some(status), "{line}");
        assert_eq!(line.find(created), Some(columns[3]), "{line}");
        assert_eq!(&line[columns[4]..], expires, "{line}");
    }
    // Seeded token 1 never expires, token 2 is inactive.
    assert!(lines[2].ends_with(" -"), "{}", lines[2]);
    assert!(lines[3].contains(" inactive "), "{}", lines[3]);

    // An empty account is a header alone.
    let empty = FakeLosant::start();
    let out = run(&empty, &["list"]);
    out.assert_ok();
    assert_eq!(out.stdout.lines().count(), 1);
    assert!(out.stdout.starts_with("ID "));
}

#[test]
fn list_json_is_an_array_of_tokens_without_secrets() {
    let fake = FakeLosant::start();
    let ids = fake.seed(4);
    let items = json_list(&fake, &[]);
    assert_eq!(items.len(), 4);
    for (item, id) in items.iter().zip(&ids) {
        assert_eq!(item["id"], json!(id));
        assert_eq!(item["status"], stored(&fake, id)["status"]);
        assert!(item.get("token").is_none());
    }
    assert_eq!(items[2]["status"], "inactive");
}

#[test]
fn list_filters_by_name_and_status() {
    let fake = FakeLosant::start();
    fake.seed(12);

    let by_name = json_list(&fake, &["--filter", "seeded-token-000*"]);
    assert_eq!(by_name.len(), 10);
    let last = fake.requests().pop().expect("a request");
    assert_eq!(last.query_param("filterField").as_deref(), Some("name"));
    assert_eq!(
        last.query_param("filter").as_deref(),
        Some("seeded-token-000*")
    );

    let by_status = json_list(&fake, &["--status", "inactive"]);
    assert_eq!(
        names(&by_status),
        [
            "seeded-token-0002",
            "seeded-token-0005",
            "seeded-token-0008",
            "seeded-token-0011"
        ]
    );
    let last = fake.requests().pop().expect("a request");
    assert_eq!(last.query_param("filterField").as_deref(), Some("status"));
    assert_eq!(last.query_param("filter").as_deref(), Some("inactive"));

    // Both: the name on the server, the status here.
    let both = json_list(
        &fake,
        &["--filter", "seeded-token-000*", "--status=inactive"],
    );
    assert_eq!(
        names(&both),
        [
            "seeded-token-0002",
            "seeded-token-0005",
            "seeded-token-0008"
        ]
    );
    let last = fake.requests().pop().expect("a request");
    assert_eq!(last.query_param("filterField").as_deref(), Some("name"));
    let active = json_list(&fake, &["--status", "active", "--filter", "*1"]);
    assert_eq!(names(&active), ["seeded-token-0001"]);
}

#[test]
fn list_sorts_in_either_direction() {
    let fake = FakeLosant::start();
    fake.seed(6);
    let desc = json_list(&fake, &["--sort", "name", "--desc"]);
    let mut expected: Vec<String> = (0..6).map(|i| format!("seeded-token-{i:04}")).collect();
    expected.reverse();
    assert_eq!(names(&desc), expected);
    let last = fake.requests().pop().expect("a request");
    assert_eq!(last.query_param("sortField").as_deref(), Some("name"));
    assert_eq!(last.query_param("sortDirection").as_deref(), Some("desc"));
    assert_eq!(last.query_param("perPage").as_deref(), Some("1000"));

    let by_date = json_list(&fake, &["--sort", "creationDate"]);
    let dates: Vec<&str> = by_date
        .iter()
        .map(|t| t["creationDate"].as_str().expect("a date"))
        .collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    let last = fake.requests().pop().expect("a request");
    assert_eq!(
        last.query_param("sortField").as_deref(),
        Some("creationDate")
    );
    assert_eq!(last.query_param("sortDirection"), None);
    // Seeded creation dates are not in name order, so the sort did something.
    assert_ne!(names(&by_date), names(&json_list(&fake, &[])));

    let table = run(&fake, &["list", "--sort", "expirationDate", "--desc"]);
    table.assert_ok();
    let last = fake.requests().pop().expect("a request");
    assert_eq!(
        last.query_param("sortField").as_deref(),
        Some("expirationDate")
    );
}

#[test]
fn list_walks_every_page_past_a_thousand() {
    let fake = FakeLosant::start();
    let ids = fake.seed(1500);
    let items = json_list(&fake, &[]);
    assert_eq!(items.len(), 1500);
    let mut seen: Vec<&str> = items
        .iter()
        .map(|t| t["id"].as_str().expect("an id"))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 1500);
    assert!(
        ids.iter()
            .all(|id| seen.binary_search(&id.as_str()).is_ok())
    );
    let pages: Vec<Option<String>> = fake
        .requests()
        .iter()
        .map(|r| r.query_param("page"))
        .collect();
    assert_eq!(pages, [None, Some("1".to_owned())]);

    let table = run(&fake, &["list"]);
    table.assert_ok();
    assert_eq!(table.stdout.lines().count(), 1501);
}

// ---------------------------------------------------------------------------
// create, get, enable, disable, rename, delete

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

    // An expiry that is not a date-time: refused before sending, exit 2.
    let sent = fake.request_count();
    let out = run(&fake, &["create", "x", "--expires", "next tuesday"]);
    out.assert_error(2);
    assert!(out.stderr.contains("expirationDate"), "{out:#?}");
    assert_eq!(fake.request_count(), sent);
    assert_eq!(fake.token_count(), 1);
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

// ---------------------------------------------------------------------------
// rotate

/// A token with every field rotate copies.
fn rich_token(fake: &FakeLosant) -> String {
    fake.insert(json!({
        "id": "5a0000000000000000000001",
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

fn assert_copied(fake: &FakeLosant, old_id: &str, new_id: &str) {
    let new = stored(fake, new_id);
    assert_ne!(old_id, new_id);
    assert_eq!(new["status"], "active");
    assert_eq!(new["name"], "ci deploy");
    assert_eq!(new["description"], "used by the deploy job");
    assert_eq!(new["scope"], json!(["all.User.read", "userApiTokens.get"]));
    assert_eq!(new["defaultRole"], "view");
    assert_eq!(
        new["orgRoles"],
        json!([{"orgId": "sandbox", "role": "edit", "applicationRoles": [
            {"resourceId": "5a5a5a5a5a5a5a5a5a5a5a5a", "role": "collaborate"}]}])
    );
    assert_eq!(new["expirationDate"], "2031-06-30T12:00:00.000Z");
}

#[test]
fn rotate_copies_the_token_and_disables_the_old_one() {
    let fake = FakeLosant::start();
    let old = rich_token(&fake);
    let out = run(&fake, &["rotate", &old]);
    out.assert_ok();
    assert_eq!(out.stdout.lines().count(), 1, "{out:#?}");
    assert!(out.stdout.starts_with("fake-secret-"), "{out:#?}");
    let new = out.created_id();
    assert_copied(&fake, &old, &new);
    assert_eq!(fake.token_count(), 2);
    assert_eq!(stored(&fake, &old)["status"], "inactive");
    assert_eq!(methods(&fake), ["GET", "POST", "PATCH"]);
}

#[test]
fn rotate_delete_old_leaves_only_the_new_token() {
    let fake = FakeLosant::start();
    let old = rich_token(&fake);
    let out = run(&fake, &["rotate", "--delete-old", &old]);
    out.assert_ok();
    assert_eq!(out.stdout.lines().count(), 1, "{out:#?}");
    let new = out.created_id();
    assert_copied(&fake, &old, &new);
    assert!(fake.token(&old).is_none());
    assert_eq!(fake.token_count(), 1);
    assert_eq!(methods(&fake), ["GET", "POST", "DELETE"]);
}

/// Fails the first `method` request on `path_glob` with a 500; every other
/// request passes untouched.
fn fail_first(fake: &FakeLosant, method: &str, path_glob: &str) {
    fake.fail_matching(method, path_glob, 1, Fault::status(500));
}

#[test]
fn rotate_says_what_exists_when_disabling_fails() {
    let fake = FakeLosant::start();
    let old = fake.seed(1).remove(0);
    fail_first(&fake, "PATCH", "/me/tokens/*"); // GET and POST pass.
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
    assert_eq!(methods(&fake), ["GET", "POST", "PATCH"]);
    assert_eq!(stored(&fake, &old)["status"], "active");
    assert_eq!(stored(&fake, &new)["status"], "active");

    // The advice works.
    run(&fake, &["disable", &old]).assert_ok();
    assert_eq!(stored(&fake, &old)["status"], "inactive");
}

#[test]
fn rotate_says_what_exists_when_deleting_fails() {
    let fake = FakeLosant::start();
    let old = fake.seed(1).remove(0);
    fail_first(&fake, "DELETE", "/me/tokens/*"); // GET and POST pass.
    let out = run(&fake, &["rotate", &old, "--delete-old"]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert_eq!(out.stdout.lines().count(), 1, "{out:#?}");
    let new = out.created_id();
    let state = format!(
        "the new token {new} exists and is active; the old token {old} still exists and is \
         active: delete it with `losant-tokens delete {old}`"
    );
    assert!(out.stderr.contains(&state), "{out:#?}");
    assert_eq!(methods(&fake), ["GET", "POST", "DELETE"]);
    assert_eq!(fake.token_count(), 2);
}

#[test]
fn rotate_says_nothing_changed_when_creating_fails() {
    let fake = FakeLosant::start();
    let old = fake.seed(1).remove(0);
    fail_first(&fake, "POST", "/me/tokens"); // The GET passes.
    let out = run(&fake, &["rotate", &old]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert!(out.stdout.is_empty(), "{out:#?}");
    let state =
        format!("no new token was created; the old token {old} is unchanged and still active");
    assert!(out.stderr.contains(&state), "{out:#?}");
    assert_eq!(methods(&fake), ["GET", "POST"]);
    assert_eq!(fake.token_count(), 1);
    assert_eq!(stored(&fake, &old)["status"], "active");
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

// ---------------------------------------------------------------------------
// Every command's help

#[test]
fn each_command_has_help_with_owner_json_and_exit_codes() {
    for command in [
        "list", "create", "get", "enable", "disable", "rename", "delete", "rotate",
    ] {
        let out = run_with(None, &[command, "--help"]);
        assert_eq!(out.code, Some(0), "{command}: {out:#?}");
        assert!(out.stderr.is_empty(), "{command}: {out:#?}");
        let text = &out.stdout;
        assert!(
            text.starts_with(&format!("Usage: losant-tokens {command}")),
            "{text}"
        );
        for needle in [
            "--application ID",
            "--instance ID",
            "--json",
            "Exit status: 0 success; 1 a request to Losant failed; 2 bad arguments",
            "LOSANT_API_TOKEN",
        ] {
            assert!(text.contains(needle), "{command}: {needle:?} in\n{text}");
        }
        // `help COMMAND` is the same text, and so is `-h` after the owner.
        assert_eq!(run_with(None, &["help", command]).stdout, *text);
        assert_eq!(
            run_with(None, &["--application", APP, command, "-h"]).stdout,
            *text
        );
    }
    let list = run_with(None, &["list", "--help"]).stdout;
    assert!(list.contains("--expiring-within DAYS"), "{list}");
    assert!(list.contains("already expired"), "{list}");
    let create = run_with(None, &["create", "--help"]).stdout;
    assert!(create.contains("`secret`"), "{create}");
    let rotate = run_with(None, &["rotate", "--help"]).stdout;
    assert!(rotate.contains("`oldAction`"), "{rotate}");
    let top = run_with(None, &["--help"]).stdout;
    for needle in ["--application ID", "--instance ID", "--json", "Exit status"] {
        assert!(top.contains(needle), "{needle:?} in\n{top}");
    }
}

// ---------------------------------------------------------------------------
// Owners: applications and instances

const APP: &str = "575ec8687ae143cd83dc4a97";
const INSTANCE: &str = "5b6c7d8e9f0a1b2c3d4e5f60";

/// `METHOD /path` of every request the fake received, in order.
fn routes(fake: &FakeLosant) -> Vec<String> {
    fake.requests()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// The single JSON document a successful run printed.
fn json_of(out: &Run) -> Value {
    out.assert_ok();
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {out:#?}"))
}

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
        out.assert_error(2);
        assert!(out.stderr.contains("at most one"), "{out:#?}");
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

    let out = run(&fake, &["rotate", &old, "--application", APP]);
    out.assert_ok();
    let secret = out.stdout.strip_suffix('\n').expect("a line");
    assert!(secret.starts_with("fake-secret-"), "{out:#?}");
    assert!(!out.stderr.contains(secret), "{out:#?}");
    let new = out.created_id();
    assert_ne!(new, old);

    // The new token has the old one's settings; the old one is disabled.
    let copy = stored(&fake, &new);
    for field in [
        "name",
        "description",
        "scope",
        "defaultRole",
        "orgRoles",
        "expirationDate",
    ] {
        assert_eq!(copy[field], original[field], "{field}: {copy:#}");
    }
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
            format!("POST {base}"),
            format!("PATCH {base}/{old}"),
        ]
    );
    let requests = fake.requests();
    let posted: Value = serde_json::from_slice(&requests[1].body).expect("a JSON body");
    assert_eq!(posted["orgRoles"], original["orgRoles"]);
    assert_eq!(posted["scope"], original["scope"]);
    let patched: Value = serde_json::from_slice(&requests[2].body).expect("a JSON body");
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
        ],
    );
    let doc = json_of(&out);
    let newer = doc["new"]["id"].as_str().expect("the new id").to_owned();
    assert_eq!(doc["old"]["id"], json!(new));
    assert_eq!(doc["oldAction"], "deleted");
    assert!(doc["secret"].as_str().unwrap().starts_with("fake-secret-"));
    assert!(fake.token(&new).is_none());
    let newest = stored(&fake, &newer);
    for field in ["name", "description", "scope", "defaultRole", "orgRoles"] {
        assert_eq!(newest[field], original[field], "{field}");
    }
    assert_eq!(fake.token_count_for(&app), 2);
    assert_eq!(
        routes(&fake),
        [
            format!("GET {base}/{new}"),
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
    let out = run(&fake, &["rotate", &old, "--application", APP]);
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

// ---------------------------------------------------------------------------
// list --expiring-within, and expiries in rotate

#[test]
fn list_expiring_within_keeps_what_expires_soon_or_has_expired() {
    let fake = FakeLosant::start();
    let insert = |owner: &Owner, name: &str, expires: Option<String>| {
        let mut token = json!({"name": name, "status": "active"});
        if let Some(date) = expires {
            token["expirationDate"] = json!(date);
        }
        fake.insert_for(owner, token)
    };
    let me = Owner::Me;
    insert(&me, "expired", Some(iso_in(-2)));
    insert(&me, "soon", Some(iso_in(3)));
    insert(&me, "later", Some(iso_in(40)));
    insert(&me, "never", None);
    let odd = insert(&me, "odd", Some("someday".into()));

    let week = json_list(&fake, &["--expiring-within", "7"]);
    assert_eq!(names(&week), ["expired", "soon"]);
    assert_eq!(
        names(&json_list(&fake, &["--expiring-within=0"])),
        ["expired"]
    );
    assert_eq!(
        names(&json_list(&fake, &["--expiring-within", "60"])),
        ["expired", "later", "soon"]
    );

    // The table marks the expired token.
    let out = run(&fake, &["list", "--expiring-within", "7"]);
    out.assert_ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{out:#?}");
    assert!(lines[1].contains("expired") && lines[1].ends_with(" (expired)"));
    assert!(lines[2].contains("soon") && !lines[2].contains("(expired)"));
    // A date that cannot be read leaves its token out, with a note.
    assert_eq!(
        out.stderr,
        format!("note: left out token {odd} (odd): cannot read its expirationDate someday\n")
    );
    // So does the whole list, where tokens that never expire show `-`.
    let all = run(&fake, &["list"]);
    all.assert_ok();
    assert_eq!(all.stdout.matches("(expired)").count(), 1, "{all:#?}");
    assert!(
        all.stdout
            .lines()
            .any(|l| l.starts_with(|c: char| c.is_ascii_hexdigit()) && l.ends_with(" -"))
    );

    // With other filters, and for an application.
    assert_eq!(
        names(&json_list(
            &fake,
            &["--expiring-within", "7", "--filter", "s*"]
        )),
        ["soon"]
    );
    let app = Owner::application(APP);
    insert(&app, "app soon", Some(iso_in(1)));
    insert(&app, "app later", Some(iso_in(30)));
    assert_eq!(
        names(&json_list(
            &fake,
            &["--application", APP, "--expiring-within", "2"]
        )),
        ["app soon"]
    );

    // A number of days, or exit 2.
    for bad in ["-1", "soon", "1.5", ""] {
        run(&fake, &["list", "--expiring-within", bad]).assert_error(2);
    }
}

#[test]
fn rotate_does_not_copy_an_expiry_that_has_passed() {
    let fake = FakeLosant::start();
    let old = fake.insert(json!({
        "name": "stale",
        "scope": ["all.User.read"],
        "expirationDate": iso_in(-3),
        "status": "active",
    }));
    let out = run(&fake, &["rotate", &old]);
    out.assert_ok();
    assert!(out.stderr.contains("the old token expired on"), "{out:#?}");
    assert!(out.stderr.contains("no expiration date"), "{out:#?}");
    let new = stored(&fake, &out.created_id());
    assert!(new.get("expirationDate").is_none(), "{new:#}");
    assert_eq!(new["scope"], json!(["all.User.read"]));
    let posted: Value = serde_json::from_slice(&fake.requests()[1].body).expect("JSON");
    assert!(posted.get("expirationDate").is_none(), "{posted:#}");
}

// ---------------------------------------------------------------------------
// --json

#[test]
fn json_output_for_every_command() {
    let fake = FakeLosant::start();
    let ids = fake.seed(3);

    let doc = json_of(&run(&fake, &["get", &ids[0], "--json"]));
    assert_eq!(doc["id"], json!(ids[0]));
    assert_eq!(doc["name"], "seeded-token-0000");
    assert!(doc.get("secret").is_none() && doc.get("token").is_none());

    let out = run(
        &fake,
        &["--json", "create", "ci", "--scope", "all.User.read"],
    );
    let doc = json_of(&out);
    let secret = doc["secret"].as_str().expect("a secret");
    assert!(secret.starts_with("fake-secret-"), "{doc:#}");
    assert!(!out.stderr.contains(secret), "{out:#?}");
    assert_eq!(doc["name"], "ci");
    assert_eq!(doc["scope"], json!(["all.User.read"]));
    assert!(doc.get("token").is_none(), "{doc:#}");
    assert_eq!(stored(&fake, doc["id"].as_str().unwrap())["name"], "ci");

    let doc = json_of(&run(&fake, &["disable", &ids[1], "--json"]));
    assert_eq!(
        (&doc["id"], &doc["status"]),
        (&json!(ids[1]), &json!("inactive"))
    );
    let doc = json_of(&run(&fake, &["enable", "--json", &ids[1]]));
    assert_eq!(doc["status"], "active");
    let doc = json_of(&run(&fake, &["rename", &ids[1], "new name", "--json"]));
    assert_eq!(doc["name"], "new name");
    let doc = json_of(&run(&fake, &["delete", &ids[2], "--json"]));
    assert_eq!(doc, json!({"id": ids[2], "success": true}));

    let out = run(&fake, &["rotate", &ids[0], "--json"]);
    let doc = json_of(&out);
    let secret = doc["secret"].as_str().expect("a secret");
    assert!(!out.stderr.contains(secret), "{out:#?}");
    assert_eq!(doc["oldAction"], "disabled");
    assert_eq!(doc["old"]["id"], json!(ids[0]));
    assert_eq!(doc["old"]["status"], "inactive");
    assert_eq!(doc["new"]["name"], "seeded-token-0000");
    assert_eq!(doc["new"]["status"], "active");
    assert!(doc["new"].get("token").is_none(), "{doc:#}");
    let new = doc["new"]["id"].as_str().expect("an id");
    assert_eq!(stored(&fake, new)["status"], "active");
    assert_eq!(stored(&fake, &ids[0])["status"], "inactive");

    // Errors stay on stderr with nothing on stdout.
    run(&fake, &["get", MISSING_ID, "--json"]).assert_error(1);
}

#[test]
fn rotate_json_hands_over_the_secret_even_when_disabling_fails() {
    let fake = FakeLosant::start();
    let old = fake.seed(1).remove(0);
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
