//! Where the access token comes from, what a 401 says, and private CAs.

use std::path::PathBuf;

use losant_rest::fake::FakeLosant;

use crate::*;

/// A file of its own holding `text`.
fn file(name: &str, text: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("losant-tokens-auth-{}-{name}", std::process::id()));
    std::fs::write(&path, text).expect("write a test file");
    path
}

#[test]
fn the_access_token_comes_from_a_file_with_its_newline_dropped() {
    let fake = FakeLosant::start();
    fake.seed(1);
    let path = file("token", &format!("{}\n", fake.access_token()));
    let path = path.to_str().expect("a UTF-8 path");

    // --token-file, without LOSANT_API_TOKEN.
    let mut cmd = command(Some(&fake), &["list", "--token-file", path]);
    cmd.env_remove("LOSANT_API_TOKEN");
    output(cmd).assert_ok();

    // LOSANT_API_TOKEN_FILE.
    let mut cmd = command(Some(&fake), &["list"]);
    cmd.env_remove("LOSANT_API_TOKEN")
        .env("LOSANT_API_TOKEN_FILE", path);
    output(cmd).assert_ok();
    assert_eq!(fake.request_count(), 2);
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Bearer {}", fake.access_token()))),
        "the token was sent without its newline"
    );

    // --token-file wins over the environment.
    let mut cmd = command(Some(&fake), &["list", "--token-file", path]);
    cmd.env("LOSANT_API_TOKEN", "not-the-token");
    output(cmd).assert_ok();

    // Both variables: ambiguous, refused, nothing sent.
    let before = fake.request_count();
    let mut cmd = command(Some(&fake), &["list"]);
    cmd.env("LOSANT_API_TOKEN_FILE", path);
    let out = output(cmd);
    out.assert_error(2);
    assert!(
        out.stderr
            .contains("both LOSANT_API_TOKEN_FILE and LOSANT_API_TOKEN")
    );

    // A missing or empty file.
    let out = run(&fake, &["list", "--token-file", "/nonexistent/token"]);
    out.assert_error(2);
    assert!(
        out.stderr
            .contains("cannot read the token file /nonexistent/token"),
        "{out:#?}"
    );
    let empty = file("empty", "\n");
    let out = run(&fake, &["list", "--token-file", empty.to_str().unwrap()]);
    out.assert_error(2);
    assert!(out.stderr.contains("is empty"), "{out:#?}");
    assert_eq!(fake.request_count(), before);

    // A file that cannot be a token (a wrong path: a log, /dev/zero) is
    // refused without being read to its end, and its content never shows.
    let big = file("big", &"leaked-content ".repeat(10_000));
    let out = run(&fake, &["list", "--token-file", big.to_str().unwrap()]);
    out.assert_error(2);
    assert!(out.stderr.contains("larger than 64 KiB"), "{out:#?}");
    assert!(!out.stderr.contains("leaked-content"), "{out:#?}");
    #[cfg(unix)]
    {
        let out = run(&fake, &["list", "--token-file", "/dev/zero"]);
        out.assert_error(2);
    }
    let binary =
        std::env::temp_dir().join(format!("losant-tokens-auth-{}-binary", std::process::id()));
    std::fs::write(&binary, b"leaked-content\xff\xfe").expect("write a test file");
    let out = run(&fake, &["list", "--token-file", binary.to_str().unwrap()]);
    out.assert_error(2);
    assert!(out.stderr.contains("not UTF-8"), "{out:#?}");
    assert!(!out.stderr.contains("leaked-content"), "{out:#?}");
    assert_eq!(fake.request_count(), before);
}

#[test]
fn a_refused_token_says_where_it_came_from_and_which_url_refused_it() {
    let fake = FakeLosant::start();
    let mut cmd = command(Some(&fake), &["list"]);
    cmd.env("LOSANT_API_TOKEN", "not-the-token");
    let out = output(cmd);
    out.assert_error(1);
    assert!(
        out.stderr.starts_with("error: 401 Unauthorized"),
        "{out:#?}"
    );
    assert!(
        out.stderr.contains(&format!(
            "(the access token from LOSANT_API_TOKEN was refused by {})",
            fake.url()
        )),
        "{out:#?}"
    );
    assert!(!out.stderr.contains("not-the-token"), "{out:#?}");

    let path = file("wrong", "wrong-token-value\n");
    let mut cmd = command(Some(&fake), &["get", MISSING_ID]);
    cmd.env_remove("LOSANT_API_TOKEN")
        .env("LOSANT_API_TOKEN_FILE", &path);
    let out = output(cmd);
    out.assert_error(1);
    assert!(
        out.stderr.contains(&format!(
            "(the access token from LOSANT_API_TOKEN_FILE ({}) was refused by {})",
            path.display(),
            fake.url()
        )),
        "{out:#?}"
    );
    assert!(!out.stderr.contains("wrong-token-value"), "{out:#?}");
}

/// A private CA: without it the HTTPS fake is not trusted; with --ca-file
/// or LOSANT_CA_FILE every command reaches it.
#[cfg(feature = "rustls")]
#[test]
fn a_private_ca_from_a_file_is_trusted_for_every_command() {
    let fake = FakeLosant::builder()
        .tls(true)
        .start()
        .expect("an HTTPS fake");
    assert!(fake.url().starts_with("https://"), "{}", fake.url());
    let ids = fake.seed(2);
    let out = run(&fake, &["list"]);
    out.assert_error(1);
    assert!(out.stderr.contains("certificate"), "{out:#?}");

    let ca = file("ca.pem", FakeLosant::ca_pem());
    let ca = ca.to_str().expect("a UTF-8 path");
    let out = run(&fake, &["list", "--ca-file", ca]);
    out.assert_ok();
    assert!(out.stdout.contains(&ids[0]), "{out:#?}");
    for args in [
        &["get", &ids[0]][..],
        &["disable", &ids[1]],
        &["rotate", &ids[1], "--no-expiry"],
    ] {
        let mut cmd = command(Some(&fake), args);
        cmd.env("LOSANT_CA_FILE", ca);
        output(cmd).assert_ok();
    }

    // A file that holds no certificate: a configuration error, exit 2.
    let bad = file("bad.pem", "not a certificate\n");
    let out = run(&fake, &["list", "--ca-file", bad.to_str().unwrap()]);
    out.assert_error(2);
    let out = run(&fake, &["list", "--ca-file", "/nonexistent/ca.pem"]);
    out.assert_error(2);
    assert!(out.stderr.contains("cannot read --ca-file"), "{out:#?}");
}
