//! Help, --version, completions, suggestions on typos and exit statuses.

use losant_rest::fake::FakeLosant;

use crate::*;

const COMMANDS: [&str; 10] = [
    "list",
    "create",
    "get",
    "enable",
    "disable",
    "rename",
    "delete",
    "rotate",
    "completions",
    "help",
];

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
        &["show", "--help"],
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
    for command in COMMANDS {
        assert!(top.contains(command), "{command} missing from:\n{top}");
    }
    assert!(run_with(None, &["list", "-h"]).stdout.contains("--status"));
    let rotate = run_with(None, &["rotate", "--help"]).stdout;
    for needle in [
        "--delete-old",
        "--exec <CMD>",
        "--no-expiry",
        "--expires-in <DAYS>",
        "LOSANT_NEW_TOKEN_ID",
        "(rotated from ID, run NONCE)",
        "converges",
    ] {
        assert!(rotate.contains(needle), "{needle:?} in\n{rotate}");
    }
}

#[test]
fn each_command_has_help_with_owner_json_and_exit_codes() {
    for command in &COMMANDS[..8] {
        let out = run_with(None, &[command, "--help"]);
        assert_eq!(out.code, Some(0), "{command}: {out:#?}");
        assert!(out.stderr.is_empty(), "{command}: {out:#?}");
        let text = &out.stdout;
        for needle in [
            format!("Usage: losant-tokens {command}").as_str(),
            "--application <ID>",
            "--instance <ID>",
            "--json",
            "--token-file <FILE>",
            "--ca-file <FILE>",
            "Exit status: 0 success; 1 a request to Losant failed",
            "LOSANT_API_TOKEN_FILE",
        ] {
            assert!(text.contains(needle), "{command}: {needle:?} in\n{text}");
        }
        // `help COMMAND` is the same text, and so is `-h` after the owner
        // (clap's short help for -h).
        assert_eq!(run_with(None, &["help", command]).stdout, *text);
        let short = run_with(None, &["--application", APP, command, "-h"]);
        short.assert_ok();
        assert!(short.stdout.contains("Usage: losant-tokens"), "{short:#?}");
        // The command's own options come first, then the global ones under
        // their own heading (as cargo groups its options), and the short
        // help keeps to one line per option.
        let own = short.stdout.find("\nOptions:\n");
        let global = short.stdout.find("\nGlobal Options:\n");
        assert!(
            own.is_some() && global.is_some() && own < global,
            "{command}: {short:#?}"
        );
        let section = |start: Option<usize>| {
            let rest = &short.stdout[start.unwrap_or_default() + 1..];
            let end = rest.find("\n\n").unwrap_or(rest.len());
            rest[..end]
                .lines()
                .filter_map(|line| line.split_whitespace().next())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let (own_flags, global_flags) = (section(own), section(global));
        for flag in [
            "--application",
            "--instance",
            "--json",
            "--token-file",
            "--ca-file",
        ] {
            assert!(
                global_flags.iter().any(|f| f == flag),
                "{command}: {flag} in {short:#?}"
            );
            assert!(
                !own_flags.iter().any(|f| f == flag),
                "{command}: {flag} in {short:#?}"
            );
        }
        for line in short.stdout.lines() {
            let possible = line.contains("[possible values:");
            assert!(line.len() <= 100 || possible, "{command}: {line:?}");
        }
    }
    let list = run_with(None, &["list", "--help"]).stdout;
    assert!(list.contains("--expiring-within <DAYS>"), "{list}");
    assert!(list.contains("--include-expired"), "{list}");
    let rotate = run_with(None, &["rotate", "--help"]).stdout;
    for key in ["`oldAction`", "`replaced`", "`secret`", "`alreadyRotated`"] {
        assert!(rotate.contains(key), "{key} in\n{rotate}");
    }
    let create = run_with(None, &["create", "--help"]).stdout;
    assert!(create.contains("`secret`"), "{create}");
    assert!(create.contains("--expires <DATE>"), "{create}");
    assert!(
        create.contains("checked before anything is sent"),
        "{create}"
    );
}

#[test]
fn version_and_completions() {
    let out = run_with(None, &["--version"]);
    out.assert_ok();
    assert_eq!(
        out.stdout,
        format!("losant-tokens {}\n", env!("CARGO_PKG_VERSION"))
    );
    for (shell, needle) in [
        ("bash", "_losant__tokens()"),
        ("zsh", "#compdef losant-tokens"),
        ("fish", "complete -c losant-tokens"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = run_with(None, &["completions", shell]);
        out.assert_ok();
        assert!(out.stdout.contains(needle), "{shell}: {}", out.stdout);
        // Every command and the rotate flags are completed.
        for word in ["rotate", "list", "exec", "token-file"] {
            assert!(out.stdout.contains(word), "{shell}: {word}");
        }
        assert!(out.stderr.is_empty());
    }
    run_with(None, &["completions", "tcsh"]).assert_usage();
}

#[test]
fn typos_get_suggestions() {
    let out = run_with(None, &["lst"]);
    out.assert_usage();
    assert!(out.stderr.contains("'list'"), "{out:#?}");
    let out = run_with(None, &["rotate", "x", "--delete-olds"]);
    out.assert_usage();
    assert!(out.stderr.contains("--delete-old"), "{out:#?}");
    let out = run_with(None, &["list", "--sort", "creationdat"]);
    out.assert_usage();
    assert!(out.stderr.contains("creationDate"), "{out:#?}");
}

#[test]
fn bad_arguments_exit_two_without_a_request() {
    let fake = FakeLosant::start();
    for args in [
        &["frobnicate"][..],
        &["--verbose"],
        &["list", "--bogus"],
        &["list", "--status", "maybe"],
        &["list", "--status"],
        &["list", "--filter"],
        &["list", "--sort", "size"],
        &["list", "--json=yes"],
        &["list", "extra"],
        &["list", "--include-expired"],
        &["create"],
        &["create", "a", "b"],
        &["create", "n", "--scope"],
        &["create", "n", "--expires", "tomorrow"],
        &["create", "n", "--expires", "2020-01-01"],
        &["create", "n", "--expires-in", "0"],
        &[
            "create",
            "n",
            "--expires-in",
            "3",
            "--expires",
            "2099-01-01",
        ],
        &["get"],
        &["get", MISSING_ID, MISSING_ID],
        &["rename", MISSING_ID],
        &["rotate", MISSING_ID, "--force"],
        &["rotate", MISSING_ID, "--no-expiry", "--expires-in", "3"],
        &["help", "frobnicate"],
    ] {
        run(&fake, args).assert_usage();
    }
    // With no arguments at all: the help, on stderr, and exit 2.
    let out = run(&fake, &[]);
    assert_eq!(out.code, Some(2), "{out:#?}");
    assert!(
        out.stdout.is_empty() && out.stderr.contains("Usage:"),
        "{out:#?}"
    );
    // A malformed ID is refused before anything is sent: one line.
    for args in [
        &["get", "not-an-id"][..],
        &["delete", "../../me"],
        &["rotate", "nope"],
    ] {
        run(&fake, args).assert_error(2);
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
    assert!(out.stderr.contains("--token-file"), "{out:#?}");
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
}
