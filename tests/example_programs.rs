//! The custom-request example and the tour's closing audit, run as real
//! programs, offline against the fake.

mod common;

use losant_rest::fake::{FakeLosant, Owner};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn custom_request_runs_offline_both_ways() {
    let out = common::example_command("custom_request", None)
        .output()
        .expect("run the example");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("5 tokens in all; newest:"), "{stdout}");
    assert!(
        stdout.contains("signed in as Fake <fake.user@example.com>"),
        "{stdout}"
    );
    assert!(stdout.contains("2 of 5 tokens match"), "{stdout}");
    assert!(stdout.contains("refused before sending"), "{stdout}");
}

#[test]
fn custom_request_reads_a_given_server() {
    let fake = FakeLosant::start();
    fake.seed(2);
    let out = common::example_command("custom_request", Some(&fake))
        .output()
        .expect("run the example");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("2 tokens in all"), "{stdout}");
    let paths: Vec<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/me/tokens", "/me", "/me/tokens"]);
}

#[test]
fn the_tour_ends_with_an_audit() {
    let out = common::example_command("tour", None)
        .output()
        .expect("run the tour");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    let audit = stdout
        .split("An audit: every token of every owner")
        .nth(1)
        .unwrap_or_else(|| panic!("no audit in {stdout}"));
    assert!(audit.contains("264 tokens of 4 owners"), "{audit}");
    assert!(audit.contains("greenhouse"), "{audit}");
    assert!(audit.contains("edge gateway"), "{audit}");
    assert!(audit.contains("never expire"), "{audit}");
    assert!(!stdout.contains("fake-secret-"), "{stdout}");
}

#[test]
fn the_tour_audits_a_given_server_and_reports_what_it_cannot_read() {
    let fake = FakeLosant::start();
    fake.seed(2);
    let app = fake.add_application("plant");
    fake.seed_for(&Owner::application(&app), 3);
    fake.fail_matching(
        "GET",
        &format!("/applications/{app}/tokens"),
        1,
        losant_rest::fake::Fault::status(403),
    );
    let out = common::example_command("tour", Some(&fake))
        .output()
        .expect("run the tour");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("2 tokens of 1 owners"), "{stdout}");
    assert!(stdout.contains("could not read plant: "), "{stdout}");
    assert!(fake.requests().iter().all(|r| r.method == "GET"));
}
