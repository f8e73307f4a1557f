//! The tour and the stand-alone fake server, run as real programs.

mod common;

use std::process::{Command, Output};

use common::example;
use losant_rest::Client;
use losant_rest::fake::{FakeLosant, Fault};
use losant_rest::tokens::ListTokens;

fn tour(fake: Option<&FakeLosant>, args: &[&str]) -> Output {
    common::example_command("tour", fake)
        .args(args)
        .output()
        .expect("run the tour")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_tour_runs_offline_without_a_token() {
    let out = tour(None, &[]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("runs offline"), "{stdout}");
    assert!(stdout.contains("walked 245 tokens"), "{stdout}");
    assert!(stdout.contains("secret: present"), "{stdout}");
    assert!(stdout.contains("a read never carries it"), "{stdout}");
    assert!(stdout.contains("now inactive"), "{stdout}");
    assert!(stdout.contains("success: true"), "{stdout}");
    assert!(stdout.contains("12 tokens: seeded-token-0000"), "{stdout}");
    assert!(
        !stdout.contains("fake-secret-"),
        "the secret is never printed: {stdout}"
    );
}

#[test]
fn the_tour_lists_the_application_it_is_given() {
    let fake = FakeLosant::start();
    let app = "575ec8687ae143cd83dc4a99";
    fake.seed_for(&losant_rest::fake::Owner::application(app), 3);
    let out = common::example_command("tour", Some(&fake))
        .env("LOSANT_APPLICATION_ID", app)
        .output()
        .expect("run the tour");
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("3 tokens: seeded-token-0000"), "{stdout}");
    let listed = fake
        .requests()
        .iter()
        .filter(|r| r.path == format!("/applications/{app}/tokens"))
        .count();
    assert_eq!(listed, 1);
}

#[test]
fn with_a_token_the_tour_only_reads_unless_told_to_write() {
    let fake = FakeLosant::start();
    fake.seed(3);
    let out = tour(Some(&fake), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Read-only"));
    assert!(fake.requests().iter().all(|r| r.method == "GET"));
    assert_eq!(fake.token_count(), 3);

    fake.clear_requests();
    let out = tour(Some(&fake), &["--write"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let methods: Vec<_> = fake.requests().into_iter().map(|r| r.method).collect();
    for method in ["POST", "PATCH", "DELETE"] {
        assert!(methods.iter().any(|m| m == method), "{methods:?}");
    }
    assert_eq!(fake.token_count(), 3, "the token it created is gone again");
}

#[test]
fn the_tour_deletes_what_it_created_even_when_a_step_fails() {
    let fake = FakeLosant::start();
    // The list, pagination and the create pass; the get of one token fails.
    fake.fail_matching("GET", "/me/tokens/*", 1, Fault::status(500));
    let out = tour(Some(&fake), &["--write"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("500"), "{}", text(&out.stderr));
    assert_eq!(fake.token_count(), 0);
    assert_eq!(
        fake.requests().last().map(|r| r.method.clone()).as_deref(),
        Some("DELETE")
    );
}

#[test]
fn the_tour_rejects_unknown_arguments() {
    let out = tour(None, &["--bogus"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_fake_server_example_serves_until_killed() {
    let (mut child, url) = common::spawn_fake_server(["--token", "cli-token", "--seed", "4"]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let client = Client::builder()
        .access_token("cli-token")
        .base_url(&url)
        .no_proxy()
        .build()
        .unwrap();
    let page = client.send(ListTokens::new());
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(page.unwrap().items.len(), 4);

    let bad = Command::new(example("fake_server"))
        .arg("--port")
        .arg("x")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[cfg(feature = "rustls")]
#[test]
fn the_fake_server_example_serves_https_and_writes_its_ca() {
    let ca_file = std::env::temp_dir().join(format!("fake-server-ca-{}.pem", std::process::id()));
    let (mut child, url) = common::spawn_fake_server([
        "--seed".as_ref(),
        "2".as_ref(),
        "--tls".as_ref(),
        "--ca-out".as_ref(),
        ca_file.as_os_str(),
    ]);
    let ca = std::fs::read_to_string(&ca_file);
    let _ = std::fs::remove_file(&ca_file);
    let answer = ca.as_ref().ok().map(|ca| {
        let root = ureq::tls::Certificate::from_pem(ca.as_bytes()).unwrap();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .proxy(None)
            .ip_family(ureq::config::IpFamily::Ipv4Only)
            .tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::new_with_certs(&[root]))
                    .build(),
            )
            .build()
            .into();
        agent
            .get(format!("{url}/me/tokens"))
            .header("Authorization", "Bearer fake-losant-access-token")
            .call()
            .map(|r| r.status().as_u16())
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    assert_eq!(ca.unwrap(), FakeLosant::ca_pem());
    assert_eq!(answer.unwrap().unwrap(), 200);
}
