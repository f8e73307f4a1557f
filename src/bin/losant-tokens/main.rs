//! `losant-tokens`: a command-line tool for the Losant API tokens of your
//! user, an application or an instance.
//!
//! ```text
//! cargo install losant-rest --features cli
//! export LOSANT_API_TOKEN=...                  # required
//! export LOSANT_API_URL=https://api.losant.com # optional
//!
//! losant-tokens list [--filter GLOB] [--status active|inactive]
//!                    [--expiring-within DAYS] [--sort FIELD] [--desc]
//! losant-tokens create NAME [--scope S]... [--description D] [--expires DATE]
//! losant-tokens get ID
//! losant-tokens enable ID
//! losant-tokens disable ID
//! losant-tokens rename ID NAME
//! losant-tokens delete ID
//! losant-tokens rotate ID [--delete-old]
//! losant-tokens --help                         # or `<command> --help`
//! ```
//!
//! Every command takes `--application ID` or `--instance ID` (the default
//! is the signed-in user's tokens) and `--json` (one JSON document on
//! stdout). Data (tables, JSON, `key: value` lines, secrets) goes to stdout;
//! messages go to stderr, so `SECRET=$(losant-tokens create ci)` captures
//! the secret alone. The exit status is 0 on success, 1 when a request to
//! Losant fails, and 2 for bad arguments or configuration (including a
//! malformed token, application or instance ID, refused before sending).
//!
//! `rotate` creates a replacement with the old token's name, description,
//! scopes, roles and (unless it has passed) expiry, prints its secret, then
//! disables the old token (or deletes it with `--delete-old`). If a step
//! fails it says which tokens exist and which are active, and what to run
//! next.
#![forbid(unsafe_code)]
#![warn(clippy::pedantic)]

mod args;
mod commands;
mod report;
mod rotate;

use std::io::{self, Write};
use std::process::ExitCode;

use losant_rest::Client;

use crate::args::{Command, Parsed, Usage};
use crate::commands::Ctx;
use crate::report::{Failure, note};

fn main() -> ExitCode {
    let invocation = match args::args().and_then(args::parse) {
        Ok(Parsed::Run(invocation)) => invocation,
        Ok(Parsed::Help(text)) => {
            let mut out = io::stdout().lock();
            return match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => Failure::Output(e).report(),
            };
        }
        Err(Usage(message)) => {
            note(&format!("error: {message}"));
            return ExitCode::from(2);
        }
    };
    let client = match Client::from_env() {
        Ok(client) => client,
        Err(e) => return Failure::Call(e).report(),
    };
    let ctx = Ctx {
        client,
        owner: invocation.owner,
        json: invocation.json,
    };
    let outcome = match invocation.command {
        Command::List(args) => commands::list(&ctx, &args),
        Command::Create(args) => commands::create(&ctx, args),
        Command::Get(id) => commands::get(&ctx, &id),
        Command::SetStatus(id, status) => commands::set_status(&ctx, &id, status),
        Command::Rename(args) => commands::rename(&ctx, args),
        Command::Delete(id) => commands::delete(&ctx, &id),
        Command::Rotate(args) => rotate::rotate(&ctx, &args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}
