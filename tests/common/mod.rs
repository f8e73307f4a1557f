//! What every test file shares: a fake server and a client pointed at it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use losant_rest::Client;
use losant_rest::fake::FakeLosant;

pub const MISSING_ID: &str = "575ec7417ae143cd83dc4a95";

/// A fake server and a client for it, with backoff shortened so that retry
/// tests stay fast.
pub fn setup() -> (FakeLosant, Client) {
    let fake = FakeLosant::start();
    let client = client_for(&fake);
    (fake, client)
}

pub fn builder_for(fake: &FakeLosant) -> losant_rest::ClientBuilder {
    Client::builder()
        .access_token(fake.access_token())
        .base_url(fake.url())
        .backoff(Duration::from_millis(1), Duration::from_millis(20))
}

pub fn client_for(fake: &FakeLosant) -> Client {
    builder_for(fake).build().expect("client")
}

/// The example `name` as a command whose environment points at `fake`, or
/// at nothing: no Losant variables and no proxy from the test's own
/// environment leak into it.
pub fn example_command(name: &str, fake: Option<&FakeLosant>) -> Command {
    clean_command(example(name), fake)
}

/// The program at `path` as a command whose environment points at `fake`,
/// or at nothing, as [`example_command`] does: for the package's binaries,
/// such as `env!("CARGO_BIN_EXE_losant-tokens")`.
pub fn clean_command(path: impl AsRef<std::ffi::OsStr>, fake: Option<&FakeLosant>) -> Command {
    let mut command = Command::new(path);
    clear_environment(&mut command);
    if let Some(fake) = fake {
        command
            .env("LOSANT_API_TOKEN", fake.access_token())
            .env("LOSANT_API_URL", fake.url());
    }
    command
}

/// Keeps the test's Losant and proxy variables out of `command`.
fn clear_environment(command: &mut Command) {
    let listed = [
        "LOSANT_API_TOKEN",
        "LOSANT_API_URL",
        "ALL_PROXY",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "all_proxy",
        "https_proxy",
        "http_proxy",
    ];
    // Those, and any other LOSANT_* or *_proxy variable the test has.
    let present = std::env::vars_os().map(|(name, _)| name).filter(|name| {
        let name = name.to_string_lossy().to_ascii_uppercase();
        name.starts_with("LOSANT_") || name.ends_with("_PROXY")
    });
    for var in present.chain(listed.map(Into::into)) {
        command.env_remove(var);
    }
}

/// The built example `name`. Cargo builds examples next to the integration
/// tests (`target/<profile>/deps/<test>-…` and `target/<profile>/examples/`)
/// before it runs them. When the binary is missing, or older than its
/// sources (a lone `cargo test --test cli` after an edit), it is built here,
/// once per test binary.
pub fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();
    let mut built = BUILT
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(path) = built.get(name) {
        return path.clone();
    }
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps");
    let binary = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if stale(&binary, name) {
        let mut build = Command::new(env!("CARGO"));
        build
            .args(["build", "--features", "fake", "--example", name])
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if profile_dir.file_name() == Some("release".as_ref()) {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build --example");
        assert!(status.success(), "cargo build --example {name} failed");
    }
    assert!(
        binary.is_file(),
        "no example binary at {}",
        binary.display()
    );
    built.insert(name.to_owned(), binary.clone());
    binary
}

/// Whether `binary` is missing or older than a source it is built from.
fn stale(binary: &Path, name: &str) -> bool {
    let modified = |path: &Path| path.metadata().and_then(|m| m.modified()).ok();
    let Some(built) = modified(binary) else {
        return true;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    sources(&root.join("src"))
        .into_iter()
        .chain([
            root.join(format!("examples/{name}.rs")),
            root.join("Cargo.toml"),
        ])
        .any(|source| modified(&source).is_some_and(|m| m > built))
}

/// Every file under `dir`, in subdirectories too (the fake is a folder).
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(sources(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Runs the `#[ignore]`d test `name` of the current test binary in a child
/// process with `envs` set, and asserts that it passed. Tests that need the
/// process environment change the child's, never their own, so that no test
/// races another one that reads the environment.
pub fn run_in_child(name: &str, envs: &[(&str, &str)]) {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut command = Command::new(exe);
    command.args([
        name,
        "--exact",
        "--ignored",
        "--test-threads",
        "1",
        "--nocapture",
    ]);
    clear_environment(&mut command);
    command.envs(envs.iter().copied());
    let output = command.output().expect("run the test binary again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child test {name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The proleptic Gregorian date of `days` days after 1970-01-01 (before it,
/// when negative) as (year, month, day): Howard Hinnant's `civil_from_days`.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = u32::try_from(doy - (153 * mp + 2) / 5 + 1).expect("1..=31");
    let month = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).expect("1..=12");
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Starts the `fake_server` example with `args` and returns it with the URL
/// it says it listens on.
pub fn spawn_fake_server<I, S>(args: I) -> (std::process::Child, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(example("fake_server"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start fake_server");
    let mut first = String::new();
    let mut stdout = BufReader::new(child.stdout.take().expect("a piped stdout"));
    stdout
        .read_line(&mut first)
        .expect("fake_server's first line");
    let url = first
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .to_owned();
    (child, url)
}
