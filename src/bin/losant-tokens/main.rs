//! `losant-tokens`: a command-line tool for the Losant API tokens of your
//! user, an application or an instance.
//!
//! ```text
//! cargo install losant-rest --features cli
//! export LOSANT_API_TOKEN=...        # or LOSANT_API_TOKEN_FILE, or --token-file FILE
//! losant-tokens list --expiring-within 30
//! losant-tokens create NAME --scope all.User.read --expires-in 90
//! losant-tokens rotate ID --expires-in 90 --exec './deploy-secret.sh'
//! losant-tokens completions bash
//! losant-tokens --help               # or `losant-tokens help COMMAND`
//! ```
//!
//! Every command takes `--application ID` or `--instance ID` (the default
//! is the signed-in user's tokens), `--json` (one JSON document on stdout,
//! keys sorted at every depth), `--token-file FILE` and `--ca-file FILE`.
//! Data (tables, JSON, `key: value` lines, secrets) goes to stdout;
//! messages go to stderr, so `SECRET=$(losant-tokens create ci)` captures
//! the secret alone. The exit status is 0 on success, 1 when a request to
//! Losant (or a deploy command) fails, and 2 for bad arguments or
//! configuration, or a request refused before sending (a malformed ID, a
//! date that cannot be read).
#![forbid(unsafe_code)]
#![warn(clippy::pedantic)]

mod audit;
mod cli;
mod commands;
mod connect;
mod date;
mod deploy;
mod mark;
mod report;
mod rotate;
mod width;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command};
use crate::commands::Ctx;
use crate::report::Failure;

fn main() -> ExitCode {
    // Usage errors exit 2 and help exits 0, as clap decides.
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    if let Command::Completions { shell } = cli.command {
        let mut script = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), cli::PROGRAM, &mut script);
        let mut out = io::stdout().lock();
        out.write_all(&script)?;
        out.flush()?;
        return Ok(());
    }
    let owner = cli.global.owner().map_err(Failure::Usage)?;
    let client = connect::client(&cli.global)?;
    let ctx = Ctx {
        client,
        owner,
        json: cli.global.json,
    };
    match cli.command {
        Command::List(args) => commands::list(&ctx, &args),
        Command::Create(args) => commands::create(&ctx, args),
        Command::Get(args) => commands::get(&ctx, &args.id),
        Command::Enable(args) => {
            commands::set_status(&ctx, &args.id, losant_rest::schema::TokenStatus::Active)
        }
        Command::Disable(args) => {
            commands::set_status(&ctx, &args.id, losant_rest::schema::TokenStatus::Inactive)
        }
        Command::Rename(args) => commands::rename(&ctx, args),
        Command::Delete(args) => commands::delete(&ctx, &args.id),
        Command::Rotate(args) => rotate::rotate(&ctx, &args),
        Command::Audit(args) => audit::run(&ctx, &args),
        Command::Completions { .. } => Ok(()),
    }
}
