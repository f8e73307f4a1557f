//! The `losant-tokens` binary (feature `cli`), run as a real program against
//! the fake server over real sockets, one file per command (as ripgrep's
//! tests are): exit statuses, stdout, stderr, JSON, and what the fake holds
//! afterwards. The helpers every file shares are here.
//!
//! - usage.rs: help, --version, completions, typos, exit statuses
//! - list.rs: list, --expiring-within, closed pipes
//! - tokens.rs: create, get, enable, disable, rename, delete
//! - rotate.rs: rotate, --exec, expiries, lost answers, re-runs
//! - relay.rs: a relay between the program and the fake that rewrites answers
//! - owners.rs: every command for an application and an instance
//! - json.rs: --json of every command, and its key order
//! - auth.rs: --token-file, LOSANT_API_TOKEN_FILE, 401s, --ca-file
//! - audit.rs: audit of every owner: findings, outputs, errors, concurrency, CAs
#![allow(dead_code)]

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

#[path = "../common/mod.rs"]
mod common;

mod audit;
mod auth;
mod json;
mod list;
mod owners;
mod relay;
mod rotate;
mod tokens;
mod usage;

use losant_rest::fake::FakeLosant;
use serde_json::Value;

pub use common::MISSING_ID;

pub const APP: &str = "575ec8687ae143cd83dc4a97";
pub const INSTANCE: &str = "5b6c7d8e9f0a1b2c3d4e5f60";

/// What one run of the program did.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts a one-line `error: …` on stderr, nothing on stdout, and exit
    /// status `code`.
    pub fn assert_error(&self, code: i32) {
        assert_eq!(self.code, Some(code), "{self:#?}");
        assert!(self.stdout.is_empty(), "{self:#?}");
        assert!(self.stderr.starts_with("error: "), "{self:#?}");
        assert_eq!(self.stderr.lines().count(), 1, "{self:#?}");
    }

    /// Asserts a usage error as clap reports it: exit status 2, nothing on
    /// stdout, stderr starting with `error: `.
    pub fn assert_usage(&self) {
        assert_eq!(self.code, Some(2), "{self:#?}");
        assert!(self.stdout.is_empty(), "{self:#?}");
        assert!(self.stderr.starts_with("error: "), "{self:#?}");
    }

    pub fn assert_ok(&self) {
        assert_eq!(self.code, Some(0), "{self:#?}");
    }

    /// The ID in the `created token <id> (<name>)` message.
    pub fn created_id(&self) -> String {
        self.stderr
            .lines()
            .find_map(|line| line.strip_prefix("created token "))
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_else(|| panic!("no `created token` message: {self:#?}"))
            .to_owned()
    }
}

/// The program, with the environment pointing at `fake` (or at nothing).
pub fn command(fake: Option<&FakeLosant>, args: &[&str]) -> Command {
    let mut command = common::clean_command(env!("CARGO_BIN_EXE_losant-tokens"), fake);
    command.args(args);
    command
}

pub fn output(mut command: Command) -> Run {
    let output = command.output().expect("run losant-tokens");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

pub fn run_with(fake: Option<&FakeLosant>, args: &[&str]) -> Run {
    output(command(fake, args))
}

pub fn run(fake: &FakeLosant, args: &[&str]) -> Run {
    run_with(Some(fake), args)
}

pub fn stored(fake: &FakeLosant, id: &str) -> Value {
    fake.token(id)
        .unwrap_or_else(|| panic!("the fake has no token {id}"))
}

pub fn methods(fake: &FakeLosant) -> Vec<String> {
    fake.requests().into_iter().map(|r| r.method).collect()
}

/// `METHOD /path` of every request the fake received, in order.
pub fn routes(fake: &FakeLosant) -> Vec<String> {
    fake.requests()
        .into_iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

pub fn json_list(fake: &FakeLosant, args: &[&str]) -> Vec<Value> {
    let out = run(fake, &[&["list", "--json"], args].concat());
    out.assert_ok();
    match serde_json::from_str(&out.stdout) {
        Ok(Value::Array(items)) => items,
        other => panic!("not a JSON array: {other:?}\n{out:#?}"),
    }
}

/// The single JSON document a successful run printed.
pub fn json_of(out: &Run) -> Value {
    out.assert_ok();
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {out:#?}"))
}

/// The date-time `days` days from now (negative: ago) as Losant writes
/// it, such as `2026-11-25T14:48:12.000Z`.
pub fn iso_in(days: i64) -> String {
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

pub fn names(items: &[Value]) -> Vec<&str> {
    items
        .iter()
        .map(|t| t["name"].as_str().expect("a name"))
        .collect()
}

/// Checks that `description` is `base` (if not empty), a space, and the
/// mark `(rotated from <old>, run <16 hex digits>)`; gives the run's nonce.
pub fn run_of(description: &Value, base: &str, old: &str) -> String {
    let text = description.as_str().unwrap_or_default();
    let prefix = if base.is_empty() {
        format!("(rotated from {old}, run ")
    } else {
        format!("{base} (rotated from {old}, run ")
    };
    let run = text
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("not marked as {prefix:?}...: {text:?}"));
    assert!(
        run.len() == 16 && run.bytes().all(|b| b.is_ascii_hexdigit()),
        "{text:?}"
    );
    run.to_owned()
}
