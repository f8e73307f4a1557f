//! `list`: the table, JSON, filters, sorting, pages, expiries, closed pipes.

use losant_rest::fake::{FakeLosant, Owner};
use serde_json::json;

use crate::*;

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
    let columns: Vec<usize> = ["ID", "NAME", "STATUS", "SCOPE", "CREATED", "EXPIRES"]
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
        assert_eq!(
            line[columns[3]..].split(' ').next(),
            Some("all.User"),
            "{line}"
        );
        assert_eq!(line.find(created), Some(columns[4]), "{line}");
        assert_eq!(&line[columns[5]..], expires, "{line}");
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
// list --expiring-within, and expiries in rotate

#[test]
fn list_expiring_within_keeps_what_expires_soon_and_expired_only_when_asked() {
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
    assert_eq!(names(&week), ["soon"]);
    let week = json_list(&fake, &["--expiring-within", "7", "--include-expired"]);
    assert_eq!(names(&week), ["expired", "soon"]);
    assert!(json_list(&fake, &["--expiring-within=0"]).is_empty());
    assert_eq!(
        names(&json_list(
            &fake,
            &["--expiring-within=0", "--include-expired"]
        )),
        ["expired"]
    );
    assert_eq!(
        names(&json_list(&fake, &["--expiring-within", "60"])),
        ["later", "soon"]
    );

    // The table marks the expired token.
    let out = run(
        &fake,
        &["list", "--expiring-within", "7", "--include-expired"],
    );
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
        run(&fake, &["list", "--expiring-within", bad]).assert_usage();
    }
}

#[test]
fn list_shows_every_scope_and_aligns_wide_names() {
    let fake = FakeLosant::start();
    fake.insert(json!({"name": "café ☕ 東京", "status": "active",
        "scope": ["all.User.read", "userApiTokens.get"]}));
    fake.insert(json!({"name": "plain", "status": "active", "scope": []}));
    let out = run(&fake, &["list"]);
    out.assert_ok();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[1].contains(" all.User.read,userApiTokens.get "),
        "{out:#?}"
    );
    assert!(lines[2].contains(" active  -  "), "{out:#?}");
    // STATUS starts in the same terminal column on every line: the wide
    // name takes 12 columns for its 9 characters.
    let column = |line: &str, word: &str| {
        let at = line.find(word).expect(word);
        line[..at]
            .chars()
            .map(|c| match c {
                '☕' | '東' | '京' => 2,
                _ => 1,
            })
            .sum::<usize>()
    };
    assert_eq!(
        column(lines[0], "STATUS"),
        column(lines[1], "active"),
        "{out:#?}"
    );
    assert_eq!(
        column(lines[0], "STATUS"),
        column(lines[2], "active"),
        "{out:#?}"
    );
}

/// `losant-tokens list | head -1`: the reader goes away early; the tool
/// ends quietly with exit 0, as other tools do.
#[test]
fn list_into_a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let fake = FakeLosant::start();
    // About 2,000 lines of 150 bytes: far more than a pipe buffer holds.
    fake.seed(2000);
    let mut child = command(Some(&fake), &["list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn losant-tokens");
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut first = [0u8; 64];
    stdout.read_exact(&mut first).expect("the header");
    assert!(
        first.starts_with(b"ID "),
        "{:?}",
        String::from_utf8_lossy(&first)
    );
    drop(stdout); // as `head` does once it has its lines
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("piped stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}
