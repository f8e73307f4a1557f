//! Runs the fake Losant API until killed.
//!
//! ```text
//! cargo run --features fake --example fake_server -- [--port N] [--token T] [--seed N] [--tls [--ca-out FILE]]
//! ```

use std::io::Write as _;
use std::process::ExitCode;

use losant_rest::fake::FakeLosant;

const USAGE: &str = "usage: fake_server [--port N] [--token T] [--seed N] [--tls [--ca-out FILE]]

Serves a fake Losant API (user, application and instance API tokens) on
127.0.0.1 until killed.
  --port N        port to listen on (default 0: a random free port)
  --token T       accepted bearer token (default: fake-losant-access-token)
  --seed N        pre-create N user tokens named seeded-token-0000...
  --tls           serve HTTPS at https://127.0.0.1:PORT with a test certificate
  --ca-out FILE   with --tls: write the test CA (PEM) that clients must trust to FILE
  --help          print this help";

struct Options {
    port: u16,
    token: Option<String>,
    seed: usize,
    tls: bool,
    ca_out: Option<String>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut opts = Options {
        port: 0,
        token: None,
        seed: 0,
        tls: false,
        ca_out: None,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg, None),
        };
        if flag == "--help" || flag == "-h" {
            return Ok(None);
        }
        if flag == "--tls" && inline.is_none() {
            opts.tls = true;
            continue;
        }
        if !matches!(flag.as_str(), "--port" | "--token" | "--seed" | "--ca-out") {
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
            "--ca-out" if value.is_empty() => return Err("--ca-out needs a file name".into()),
            "--ca-out" => opts.ca_out = Some(value),
            _ if value.is_empty() => return Err("--token must not be empty".into()),
            _ => opts.token = Some(value),
        }
    }
    if opts.ca_out.is_some() && !opts.tls {
        return Err("--ca-out needs --tls".into());
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
    if opts.tls {
        match with_tls(builder, opts.ca_out.as_deref()) {
            Ok(b) => builder = b,
            Err(e) => {
                eprintln!("fake_server: {e}");
                return ExitCode::FAILURE;
            }
        }
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
    if let Some(file) = &opts.ca_out {
        let _ = writeln!(out, "test CA written to {file}");
    }
    let _ = out.flush();
    drop(out);
    loop {
        std::thread::park();
    }
}

/// Serves HTTPS (the fake's own rustls, whichever TLS the client uses) and
/// writes the CA clients must trust to `ca_out`, if given.
fn with_tls(
    builder: losant_rest::fake::FakeLosantBuilder,
    ca_out: Option<&str>,
) -> Result<losant_rest::fake::FakeLosantBuilder, String> {
    if let Some(file) = ca_out {
        std::fs::write(file, FakeLosant::ca_pem())
            .map_err(|e| format!("cannot write the test CA to {file}: {e}"))?;
    }
    Ok(builder.tls(true))
}
