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

/// The columns `text` takes in a terminal, for the characters these tests
/// use: `☕` and CJK ideographs take two, everything else one.
fn columns(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '☕' | '\u{4E00}'..='\u{9FFF}' => 2,
            _ => 1,
        })
        .sum()
}

/// The column at which `word` starts in `line`.
fn column_of(line: &str, word: &str) -> usize {
    let at = line
        .find(word)
        .unwrap_or_else(|| panic!("no {word:?} in {line:?}"));
    columns(&line[..at])
}

/// The token named `name` in an audit document.
fn token_named<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no token {name:?} in {doc:#}"))
}

#[test]
fn every_finding_reaches_the_document_as_the_vocabulary_defines_it() {
    let fake = FakeLosant::start();
    let app = fake.add_application("Fleet");
    let instance = fake.add_instance("Plant");
    let read = json!(["all.User.read"]);
    fake.insert(json!({"name": "never", "status": "active", "scope": read,
        "creationDate": "2025-01-01T00:00:00.000Z"}));
    fake.insert(json!({"name": "expired", "status": "active", "scope": read,
        "expirationDate": iso_in(-1)}));
    let app_owner = Owner::application(&app);
    fake.insert_for(
        &app_owner,
        json!({"name": "soon", "status": "active",
        "scope": ["all.Application.read"], "expirationDate": iso_in(10)}),
    );
    fake.insert_for(
        &app_owner,
        json!({"name": "later", "status": "active",
        "scope": ["applicationApiTokens.get", "all."], "expirationDate": iso_in(40)}),
    );
    let inst_owner = Owner::instance(&instance);
    fake.insert_for(
        &inst_owner,
        json!({"name": "off", "status": "inactive",
        "scope": ["all.Instance.read", "all.Organization"], "expirationDate": iso_in(365)}),
    );
    fake.insert_for(
        &inst_owner,
        json!({"name": "odd date", "status": "active",
        "scope": ["all.User.read"], "expirationDate": "someday"}),
    );

    let out = run(&fake, &["audit", "--json"]);
    let doc = json_of(&out);
    let findings = |name: &str| token_named(&doc, name)["findings"].clone();
    assert_eq!(findings("never"), json!(["never-expires"]));
    assert_eq!(findings("expired"), json!(["expired"]));
    assert_eq!(findings("soon"), json!(["expires-soon"]));
    // `all.` and `applicationApiTokens.get` are not full access.
    assert_eq!(findings("later"), json!([]));
    assert_eq!(findings("off"), json!(["broad-scope", "inactive"]));
    assert_eq!(findings("odd date"), json!([]));
    // A date the audit cannot read is named rather than passed over.
    assert!(
        out.stderr
            .contains("cannot read its expirationDate someday"),
        "{out:#?}"
    );

    let never = token_named(&doc, "never");
    assert_eq!(never["ownerType"], "user");
    assert_eq!(never["ownerName"], "Fake User");
    assert_eq!(never["expirationDate"], Value::Null);
    assert_eq!(never["creationDate"], "2025-01-01T00:00:00.000Z");
    assert_eq!(never["status"], "active");
    assert_eq!(never["scope"], read);
    let soon = token_named(&doc, "soon");
    assert_eq!(
        (&soon["ownerType"], &soon["ownerId"], &soon["ownerName"]),
        (&json!("application"), &json!(app), &json!("Fleet"))
    );
    let off = token_named(&doc, "off");
    assert_eq!(
        (&off["ownerType"], &off["ownerId"], &off["ownerName"]),
        (&json!("instance"), &json!(instance), &json!("Plant"))
    );
    // The user's ID is GET /me's, on the user's tokens (the fake's stored
    // tokens have no ownerId here) and on the user's owner entry.
    let me = losant_rest::Client::builder()
        .access_token(fake.access_token())
        .base_url(fake.url())
        .build()
        .unwrap()
        .send(losant_rest::me::GetMe::new())
        .unwrap();
    assert_eq!(never["ownerId"], json!(me.id), "{never:#}");
    assert_eq!(doc["owners"][0]["ownerId"], json!(me.id), "{doc:#}");
    let owners: Vec<(&Value, &Value, &Value)> = doc["owners"]
        .as_array()
        .expect("owners")
        .iter()
        .map(|o| (&o["ownerType"], &o["name"], &o["tokenCount"]))
        .collect();
    assert_eq!(
        owners,
        [
            (&json!("user"), &json!("Fake User"), &json!(2)),
            (&json!("application"), &json!("Fleet"), &json!(2)),
            (&json!("instance"), &json!("Plant"), &json!(2)),
        ]
    );

    // The window of `expires-soon` is --expiring-within.
    let doc = json_of(&run(&fake, &["audit", "--json", "--expiring-within", "45"]));
    assert_eq!(
        token_named(&doc, "later")["findings"],
        json!(["expires-soon"])
    );
    let doc = json_of(&run(&fake, &["audit", "--json", "--expiring-within", "5"]));
    assert_eq!(token_named(&doc, "soon")["findings"], json!([]));
}

#[test]
fn the_table_is_aligned_by_display_width_and_the_csv_is_rfc_4180() {
    let fake = FakeLosant::start();
    let app = fake.add_application("café ☕ 東京");
    let app_token = fake.insert_for(
        &Owner::application(&app),
        json!({"name": "東京 ☕ deploy", "status": "active",
        "scope": ["all.Application"]}),
    );
    let user_token = fake.insert(json!({"name": "ci, \"nightly\"", "status": "inactive",
        "scope": ["all.User.read"], "expirationDate": iso_in(3)}));
    let out = run(&fake, &["audit"]);
    out.assert_ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{out:#?}");
    let (user, application) = if lines[1].starts_with("user") {
        (lines[1], lines[2])
    } else {
        (lines[2], lines[1])
    };
    assert!(
        application.starts_with("application café ☕ 東京 "),
        "{out:#?}"
    );
    for (header, user_cell, app_cell) in [
        ("ID", user_token.as_str(), app_token.as_str()),
        ("NAME", "ci, ", "東京 ☕ deploy"),
        ("STATUS", "inactive", "active"),
        ("SCOPE", "all.User.read", "all.Application"),
        (
            "FINDINGS",
            "expires-soon,inactive",
            "never-expires,broad-scope",
        ),
    ] {
        let want = column_of(lines[0], header);
        assert_eq!(column_of(user, user_cell), want, "{header}\n{}", out.stdout);
        assert_eq!(
            column_of(application, app_cell),
            want,
            "{header}\n{}",
            out.stdout
        );
    }

    let out = run(&fake, &["audit", "--csv"]);
    out.assert_ok();
    let lines: Vec<&str> = out.stdout.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "id,name,ownerType,ownerId,ownerName,status,scope,expirationDate,creationDate,findings"
    );
    assert_eq!(
        lines.len(),
        4,
        "a header, two rows, the last CRLF: {out:#?}"
    );
    let ci = lines
        .iter()
        .find(|l| l.contains("nightly"))
        .expect("ci row");
    assert!(
        ci.contains(",\"ci, \"\"nightly\"\"\",user,"),
        "quoted with doubled quotes: {ci}"
    );
    assert!(ci.ends_with(",expires-soon inactive"), "{ci}");

    run(&fake, &["audit", "--csv", "--json"]).assert_error(2);
}

#[test]
fn progress_goes_to_stderr_only_when_it_is_a_terminal() {
    let fake = FakeLosant::start();
    estate(&fake);
    // The tests' stderr is a pipe: not a word on it.
    let out = run(&fake, &["audit"]);
    out.assert_ok();
    assert_eq!(out.stderr, "", "{out:#?}");
}

#[test]
fn concurrency_bounds_the_owners_read_at_once() {
    let fake = FakeLosant::start();
    for i in 0..20 {
        let app = fake.add_application(&format!("app {i:02}"));
        fake.seed_for(&Owner::application(&app), 1);
    }
    // Slow answers, so that every thread the audit has is busy at once.
    let slow = || Fault::delay(std::time::Duration::from_millis(150));
    fake.fail_matching("GET", "/applications/*/tokens", 20, slow());
    let doc = json_of(&run(&fake, &["audit", "--json"]));
    assert_eq!(doc["tokens"].as_array().map(Vec::len), Some(20));
    // The default, 8: more than the 4 connections of the first round, and
    // never more than 8.
    let default = fake.connection_count();
    assert!((5..=8).contains(&default), "{default} connections");

    let fake_one = FakeLosant::start();
    for i in 0..6 {
        let app = fake_one.add_application(&format!("app {i}"));
        fake_one.seed_for(&Owner::application(&app), 1);
    }
    fake_one.fail_matching("GET", "/applications/*/tokens", 6, slow());
    let doc = json_of(&run(&fake_one, &["audit", "--json", "--concurrency", "1"]));
    assert_eq!(doc["tokens"].as_array().map(Vec::len), Some(6));
    assert_eq!(fake_one.connection_count(), 1);
}

#[test]
fn a_directory_that_cannot_be_read_is_reported_and_the_rest_is_audited() {
    let fake = FakeLosant::start();
    let (app, _) = estate(&fake);
    fake.fail_matching("GET", "/instances", 5, Fault::status(403));
    let out = run(&fake, &["audit"]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    // The user's 2 tokens and the application's 3, under the header.
    assert_eq!(out.stdout.lines().count(), 6, "{out:#?}");
    assert!(out.stdout.contains("application Fleet"), "{out:#?}");
    assert!(
        out.stderr.contains("cannot read GET /instances: 403"),
        "{out:#?}"
    );
    assert!(
        out.stderr
            .contains("1 owner(s) or directories could not be read")
    );

    let out = run(&fake, &["audit", "--json"]);
    assert_eq!(out.code, Some(1), "{out:#?}");
    let doc: Value = serde_json::from_str(&out.stdout).expect("the document");
    let errors = doc["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{doc:#}");
    assert_eq!(errors[0]["what"], "GET /instances");
    assert_eq!(errors[0]["ownerType"], Value::Null);
    assert!(
        errors[0]["error"]
            .as_str()
            .is_some_and(|e| e.starts_with("403")),
        "{doc:#}"
    );
    assert_eq!(
        doc["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["ownerId"] == json!(app))
            .count(),
        3
    );
}

#[test]
fn no_secret_shows_in_any_output_of_the_audit() {
    let fake = FakeLosant::start();
    let app = fake.add_application("Fleet");
    fake.seed(1);
    let mut secrets = vec![fake.access_token().to_owned()];
    for owner in [
        &["create", "mine"][..],
        &["--application", &app, "create", "theirs"],
    ] {
        let out = run(&fake, owner);
        out.assert_ok();
        secrets.push(out.stdout.trim().to_owned());
    }
    assert!(
        secrets[1..].iter().all(|s| s.starts_with("fake-secret-")),
        "{secrets:?}"
    );
    fake.fail_matching("GET", "/instances", 5, Fault::status(500));
    for args in [&["audit"][..], &["audit", "--csv"], &["audit", "--json"]] {
        let out = run(&fake, args);
        assert_eq!(out.code, Some(1), "{out:#?}");
        assert!(out.stdout.contains("theirs"), "{out:#?}");
        for secret in &secrets {
            assert!(!out.stdout.contains(secret.as_str()), "{args:?}: {out:#?}");
            assert!(!out.stderr.contains(secret.as_str()), "{args:?}: {out:#?}");
        }
    }
    // Refused outright: the error says where the token came from, not what it is.
    let mut cmd = command(Some(&fake), &["audit"]);
    cmd.env("LOSANT_API_TOKEN", "a-wrong-secret-token");
    let out = output(cmd);
    out.assert_error(1);
    assert!(out.stderr.contains("LOSANT_API_TOKEN"), "{out:#?}");
    assert!(!out.stderr.contains("a-wrong-secret-token"), "{out:#?}");
}

/// It needs the rustls feature, as auth.rs's test of the other commands.
#[cfg(feature = "rustls")]
#[test]
fn a_private_ca_is_trusted_by_the_audit_too() {
    let fake = FakeLosant::builder()
        .tls(true)
        .start()
        .expect("an HTTPS fake");
    estate(&fake);
    let out = run(&fake, &["audit"]);
    out.assert_error(1);
    assert!(out.stderr.contains("certificate"), "{out:#?}");
    let ca =
        std::env::temp_dir().join(format!("losant-tokens-audit-{}-ca.pem", std::process::id()));
    std::fs::write(&ca, FakeLosant::ca_pem()).expect("write the CA");
    let ca = ca.to_str().expect("a UTF-8 path");
    let doc = json_of(&run(&fake, &["--ca-file", ca, "audit", "--json"]));
    assert_eq!(doc["tokens"].as_array().map(Vec::len), Some(7));
    let mut cmd = command(Some(&fake), &["audit", "--csv"]);
    cmd.env("LOSANT_CA_FILE", ca);
    let out = output(cmd);
    out.assert_ok();
    assert_eq!(out.stdout.lines().count(), 8, "{out:#?}");
}

#[test]
fn a_name_cannot_reorder_the_table() {
    let fake = FakeLosant::start();
    let app = fake.add_application("plant\u{202E}nimda");
    // Shown as is, `evil\u{202E}evitca` reads "evilactive" on a terminal.
    let name = "evil\u{202E}evitca";
    fake.insert_for(
        &Owner::application(&app),
        json!({"name": name, "status": "active", "scope": ["all.Application.read"],
        "expirationDate": iso_in(100)}),
    );
    let out = run(&fake, &["audit"]);
    out.assert_ok();
    assert!(!out.stdout.contains('\u{202E}'), "{out:#?}");
    assert!(out.stdout.contains("evil\\u{202e}evitca"), "{out:#?}");
    assert!(out.stdout.contains("plant\\u{202e}nimda"), "{out:#?}");
    // The JSON is data: the name as it is.
    let doc = json_of(&run(&fake, &["audit", "--json"]));
    assert_eq!(doc["tokens"][0]["name"], name);
}

#[test]
fn progress_shows_when_stderr_is_a_terminal() {
    // util-linux `script` runs the audit on a pseudo-terminal.
    let script = std::path::Path::new("/usr/bin/script");
    if !script.exists() {
        eprintln!("skipped: no /usr/bin/script to make a terminal with");
        return;
    }
    let fake = FakeLosant::start();
    estate(&fake);
    let program = env!("CARGO_BIN_EXE_losant-tokens");
    let mut cmd = common::clean_command(script, Some(&fake));
    cmd.args(["-qefc", &format!("'{program}' audit"), "/dev/null"])
        .stdin(std::process::Stdio::null());
    let out = output(cmd);
    assert_eq!(out.code, Some(0), "{out:#?}");
    // The terminal shows stdout and stderr together: the progress, ended
    // by a line break, then the table.
    assert!(out.stdout.contains("audit: 3/3 owners read"), "{out:#?}");
    assert!(out.stdout.contains("OWNER "), "{out:#?}");
}

#[test]
fn a_reader_that_goes_away_does_not_hide_the_verdict() {
    use std::io::Read;
    use std::process::Stdio;
    let fake = FakeLosant::start();
    // About 2,000 lines: far more than a pipe buffer holds. Every seeded
    // token has the scope `all.User`, so --fail-on broad-scope fails.
    fake.seed(2000);
    let audit = |args: &[&str]| {
        let mut child = command(Some(&fake), args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn losant-tokens");
        let mut stdout = child.stdout.take().expect("piped stdout");
        let mut first = [0u8; 64];
        stdout.read_exact(&mut first).expect("the first bytes");
        drop(stdout); // as `head` does once it has its lines
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .expect("piped stderr")
            .read_to_string(&mut stderr)
            .expect("stderr");
        (child.wait().expect("wait").code(), stderr)
    };
    let (code, stderr) = audit(&["audit", "--fail-on", "broad-scope"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("2000 token(s) are broad-scope"), "{stderr}");
    // Without a verdict, a closed pipe ends quietly, as `list | head` does.
    let (code, stderr) = audit(&["audit", "--csv"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn audit_org_id_reads_only_that_organizations_applications() {
    let fake = FakeLosant::start();
    let org = "5c0000000000000000000abc";
    let mine = fake.add_application("Own");
    let theirs = fake.add_organization_application(org, "Acme", "Acme fleet");
    let other = fake.add_organization_application("5c0000000000000000000def", "Other", "Else");
    fake.seed(1);
    for app in [&mine, &theirs, &other] {
        fake.seed_for(&Owner::application(app), 2);
    }
    let doc = json_of(&run(&fake, &["audit", "--json", "--org-id", org]));
    let owner_ids: Vec<&Value> = doc["tokens"]
        .as_array()
        .expect("tokens")
        .iter()
        .map(|t| &t["ownerId"])
        .collect();
    assert_eq!(
        owner_ids.iter().filter(|id| **id == &json!(theirs)).count(),
        2,
        "{doc:#}"
    );
    assert!(!owner_ids.contains(&&json!(mine)), "{doc:#}");
    assert!(!owner_ids.contains(&&json!(other)), "{doc:#}");
    let lists: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/applications")
        .map(|r| r.query)
        .collect();
    assert!(!lists.is_empty());
    assert!(
        lists.iter().all(|q| q.contains(&format!("orgId={org}"))),
        "{lists:?}"
    );
}

#[test]
fn audit_refuses_a_bad_org_id_before_sending_anything() {
    let fake = FakeLosant::start();
    estate(&fake);
    for bad in [
        "acme",
        "",
        "5c0000000000000000000ab",
        "5c0000000000000000000abz",
    ] {
        let out = run(&fake, &["audit", "--org-id", bad]);
        assert_eq!(out.code, Some(2), "{bad:?}: {out:#?}");
        assert!(out.stderr.contains("--org-id"), "{out:#?}");
    }
    assert_eq!(fake.request_count(), 0);
    let out = run(&fake, &["audit", "--json", "--org-id", "sandbox"]);
    out.assert_ok();
}
