//! Runs the fake Losant API until killed.
//!
//! ```text
//! cargo run --features fake --example fake_server -- [--port N] [--token T] [--seed N]
//! ```

use std::io::Write as _;
use std::process::ExitCode;

use losant_rest::fake::FakeLosant;

const USAGE: &str = "usage: fake_server [--port N] [--token T] [--seed N]

Serves a fake Losant API (user API tokens) on 127.0.0.1 until killed.
  --port N   port to listen on (default 0: a random free port)
  --token T  accepted bearer token (default: fake-losant-access-token)
  --seed N   pre-create N tokens named seeded-token-0000...
  --help     print this help";

struct Options {
    port: u16,
    token: Option<String>,
    seed: usize,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut opts = Options {
        port: 0,
        token: None,
        seed: 0,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg, None),
        };
        if flag == "--help" || flag == "-h" {
            return Ok(None);
        }
        if !matches!(flag.as_str(), "--port" | "--token" | "--seed") {
            return Err(format!("unknown argument: {flag}"));
        }
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--port" => {
                opts.port = value
                    .parse()
                    .map_err(|_| format!("invalid port: {value}"))?;
            }
            "--seed" => {
                opts.seed = value
                    .parse()
                    .map_err(|_| format!("invalid seed count: {value}"))?;
            }
            _ if value.is_empty() => return Err("--token must not be empty".into()),
            _ => opts.token = Some(value),
        }
    }
    Ok(Some(opts))
}

fn main() -> ExitCode {
    let opts = match parse(std::env::args().skip(1)) {
        Ok(Some(opts)) => opts,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("fake_server: {e} (try --help)");
            return ExitCode::from(2);
        }
    };
    let mut builder = FakeLosant::builder().port(opts.port);
    if let Some(token) = opts.token {
        builder = builder.access_token(token);
    }
    let fake = match builder.start() {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("fake_server: cannot listen on 127.0.0.1:{}: {e}", opts.port);
            return ExitCode::FAILURE;
        }
    };
    let _ = fake.seed(opts.seed);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {}", fake.url());
    let _ = writeln!(out, "access token: {}", fake.access_token());
    let _ = out.flush();
    drop(out);
    loop {
        std::thread::park();
    }
}
