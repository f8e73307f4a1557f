//! The command line, on clap's derive: every command, flag and help text.
//!
//! The doc comments of the arguments are the help texts users read, so they
//! name variables and flags as a user types them, without backticks.
#![allow(clippy::doc_markdown)]

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use clap::{Args, Parser, Subcommand, ValueEnum};
use losant_rest::schema::{SortField, TokenStatus};
use losant_rest::tokens::Owner;

use crate::date;

/// The program's name, as the help texts and the advice in messages spell it.
pub const PROGRAM: &str = "losant-tokens";

/// The heading of the options every command takes, below each command's
/// own (as cargo groups its manifest options).
const GLOBAL: &str = "Global Options";

/// What every command's help ends with: where the access token comes from,
/// and the exit status.
const ENVIRONMENT_AND_EXIT: &str = "\
Environment:
  LOSANT_API_TOKEN       The access token to authenticate with
  LOSANT_API_TOKEN_FILE  A file holding the access token (its surrounding
                         whitespace, such as the final newline, is dropped)
  LOSANT_API_URL         The API base URL (default: https://api.losant.com)
  LOSANT_CA_FILE         PEM certificates of CAs to trust besides the built-in
                         roots (as --ca-file)
  --token-file comes first, then LOSANT_API_TOKEN_FILE or LOSANT_API_TOKEN
  (setting both is refused).

Data and secrets go to stdout, messages to stderr. With --json, every
object's keys are sorted, at every depth (as `jq -S` sorts them).

Exit status: 0 success; 1 a request to Losant failed (or a deploy command
failed); 2 bad arguments or configuration, or a request refused before
sending, such as a malformed ID or a date that cannot be read.";

const CREATE_HELP: &str = "\
Creates a token and prints its secret on stdout, alone on its line. It is
shown only this once: store it. With --json, prints the new token as one
object instead, with its secret under `secret`.

If Losant's answer is lost (a 502/504, a time-out, a dropped connection), the
token may have been created anyway: the error says how to find it.";

const ROTATE_HELP: &str = "\
Creates a replacement for the token ID with its name, scopes, default role and
organization roles, and its description with `(rotated from ID, run NONCE)`
at the end (NONCE: 16 hex digits, new for every run; an earlier such mark is
replaced, so a token carries one however often it is rotated), then hands
the new secret over: to CMD's standard input with --exec, else on stdout.
Only then is the old token disabled (or deleted with --delete-old).

Expiry: a token that has an expiration date is replaced only with --expires,
--expires-in or --no-expiry (copying its date or its remaining lifetime would
be a guess); a token without one gets a replacement without one.

With --exec CMD, CMD runs through `sh -c` with the new secret on its standard
input (one line), LOSANT_NEW_TOKEN_ID and LOSANT_OLD_TOKEN_ID in its
environment, and its output on stderr. CMD does not get LOSANT_API_TOKEN (a
CMD that calls Losant can use a token file). When CMD exits 0 the old token
is retired; otherwise the new token is deleted, the old one is left as it
was, and the exit status is 1. An empty CMD is refused before anything is
sent: it would exit 0 without the secret.

If Losant's answer to the create is lost (a 502/504, a time-out, a dropped
connection), the new token may exist while nobody has its secret: rotate
looks for the token of that name carrying this run's mark (its NONCE, so the
clocks play no part) and deletes it, or says what it could not delete. Tokens
marked by another run are named and left alone. The old token stays active.
Do not run two rotates of one token at once: one can delete, as an earlier
run's, the replacement the other is deploying.

Running the same rotate again after an interruption converges: exactly one
active replacement, the old token disabled, never no active token.
  - Old token inactive and one active token rotated from it: nothing to do
    (with --delete-old, the old token is deleted); exit 0.
  - Old token still active: a replacement made by an interrupted run cannot
    hand its secret over again, so a fresh one is made and handed over, and
    only then are the earlier replacements deleted and the old token retired.

With --json: one object once the old token is handled, with `new` (the new
token), `old` (the old token), `oldAction` (`disabled`, `deleted`, or null
when that step failed), `replaced` (the IDs of earlier replacements it
deleted) and `secret` (the new secret; not with --exec). When there was
nothing to do, `alreadyRotated` is true and `new` is the active replacement.";

/// Manage the Losant API tokens of your user, an application or an instance.
#[derive(Debug, Parser)]
#[command(name = PROGRAM, version, after_help = ENVIRONMENT_AND_EXIT)]
#[command(propagate_version = true, arg_required_else_help = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// The options every command takes, before or after the command's name.
#[derive(Debug, Args)]
pub struct Global {
    /// Act on the tokens of the application ID (default: the signed-in user's)
    #[arg(long, value_name = "ID", global = true, conflicts_with = "instance", help_heading = GLOBAL)]
    pub application: Option<String>,
    /// Act on the tokens of the instance ID (default: the signed-in user's)
    #[arg(long, value_name = "ID", global = true, help_heading = GLOBAL)]
    pub instance: Option<String>,
    /// Print one JSON document on stdout instead of text
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub json: bool,
    /// Read the access token from FILE instead of LOSANT_API_TOKEN
    #[arg(long, value_name = "FILE", global = true, help_heading = GLOBAL)]
    pub token_file: Option<PathBuf>,
    /// Trust the CA certificates (PEM) in FILE besides the built-in roots
    #[arg(long, value_name = "FILE", global = true, help_heading = GLOBAL)]
    pub ca_file: Option<PathBuf>,
}

impl Global {
    /// Whose tokens: the application's, the instance's or the user's. clap
    /// does not see a conflict between a global option given before the
    /// command and another after it, so it is checked here too.
    pub fn owner(&self) -> Result<Owner, String> {
        match (&self.application, &self.instance) {
            (Some(_), Some(_)) => Err(
                "the argument '--application <ID>' cannot be used with '--instance <ID>'".into(),
            ),
            (Some(id), None) => Ok(Owner::Application(id.clone())),
            (None, Some(id)) => Ok(Owner::Instance(id.clone())),
            (None, None) => Ok(Owner::Me),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List tokens as a table (ID, NAME, STATUS, SCOPE, CREATED, EXPIRES)
    #[command(after_help = ENVIRONMENT_AND_EXIT)]
    List(ListArgs),
    /// Create a token and print its secret
    #[command(long_about = CREATE_HELP, after_help = ENVIRONMENT_AND_EXIT)]
    Create(CreateArgs),
    /// Show one token, one `key: value` per line
    #[command(visible_alias = "show", after_help = ENVIRONMENT_AND_EXIT)]
    Get(IdArg),
    /// Make a token active
    #[command(after_help = ENVIRONMENT_AND_EXIT)]
    Enable(IdArg),
    /// Make a token inactive
    #[command(after_help = ENVIRONMENT_AND_EXIT)]
    Disable(IdArg),
    /// Rename a token
    #[command(after_help = ENVIRONMENT_AND_EXIT)]
    Rename(RenameArgs),
    /// Delete a token
    #[command(after_help = ENVIRONMENT_AND_EXIT)]
    Delete(IdArg),
    /// Replace a token with a new one, hand its secret over, then retire the old one
    #[command(long_about = ROTATE_HELP, after_help = ENVIRONMENT_AND_EXIT)]
    Rotate(RotateArgs),
    /// Every token of every owner the access token reaches, with findings
    #[command(long_about = crate::audit::HELP, after_help = ENVIRONMENT_AND_EXIT)]
    Audit(crate::audit::AuditArgs),
    /// Print a shell completion script on stdout
    #[command(after_help = "\
Examples:
  losant-tokens completions bash > ~/.local/share/bash-completion/completions/losant-tokens
  losant-tokens completions zsh > ~/.zfunc/_losant-tokens
  losant-tokens completions fish > ~/.config/fish/completions/losant-tokens.fish")]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct IdArg {
    /// The token's ID (24 hexadecimal characters)
    pub id: String,
}

#[derive(Debug, Args)]
pub struct RenameArgs {
    /// The token's ID
    pub id: String,
    /// Its new name
    pub name: String,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only tokens whose name matches GLOB (`*` matches anything)
    #[arg(long, value_name = "GLOB")]
    pub filter: Option<String>,
    /// Only active or inactive tokens
    #[arg(long, value_enum, ignore_case = true)]
    pub status: Option<Status>,
    /// Only tokens that expire within the next DAYS days
    ///
    /// DAYS is a whole number. Tokens that never expire, or have already
    /// expired (unless --include-expired), are left out.
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub expiring_within: Option<u32>,
    /// With --expiring-within: keep tokens that have already expired too
    #[arg(long, requires = "expiring_within")]
    pub include_expired: bool,
    /// Sort by this field
    #[arg(long, value_enum, ignore_case = true, default_value = "name")]
    pub sort: Sort,
    /// Sort in descending order
    #[arg(long)]
    pub desc: bool,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The new token's name
    pub name: String,
    /// A scope, such as `all.User.read`; repeat for more (default: Losant's)
    #[arg(long, value_name = "SCOPE")]
    pub scope: Vec<String>,
    /// A description
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    #[command(flatten)]
    pub expiry: ExpiryArgs,
}

#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct ExpiryArgs {
    /// When the token stops working: RFC 3339, or YYYY-MM-DD (midnight UTC)
    ///
    /// An RFC 3339 date-time such as 2030-01-01T00:00:00.000Z, or a date such
    /// as 2030-01-01 (midnight UTC), in the future; checked before anything is
    /// sent.
    #[arg(long, value_name = "DATE", value_parser = future_date)]
    pub expires: Option<SystemTime>,
    /// The token stops working DAYS days from now
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub expires_in: Option<u32>,
}

impl ExpiryArgs {
    /// The expiry asked for, if any.
    pub fn when(&self) -> Option<SystemTime> {
        self.expires.or_else(|| {
            self.expires_in
                .map(|days| SystemTime::now() + Duration::from_secs(u64::from(days) * 86_400))
        })
    }
}

#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The ID of the token to replace
    pub id: String,
    /// Delete the old token instead of disabling it
    #[arg(long)]
    pub delete_old: bool,
    /// Hand the new secret to CMD on stdin; retire the old token if CMD exits 0
    ///
    /// CMD runs through `sh -c`, with the new secret on its standard input
    /// and LOSANT_NEW_TOKEN_ID and LOSANT_OLD_TOKEN_ID set (not
    /// LOSANT_API_TOKEN). The old token is retired only when CMD exits 0.
    #[arg(long, value_name = "CMD", value_parser = deploy_command)]
    pub exec: Option<String>,
    #[command(flatten)]
    pub expiry: ExpiryArgs,
    /// Give the new token no expiration date, even if the old one had one
    #[arg(long, conflicts_with_all = ["expires", "expires_in"])]
    pub no_expiry: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Status {
    Active,
    Inactive,
}

impl Status {
    pub fn token_status(self) -> TokenStatus {
        match self {
            Status::Active => TokenStatus::Active,
            Status::Inactive => TokenStatus::Inactive,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "camelCase")]
pub enum Sort {
    Name,
    Status,
    Id,
    CreationDate,
    LastUpdated,
    ExpirationDate,
}

impl Sort {
    pub fn field(self) -> SortField {
        match self {
            Sort::Name => SortField::Name,
            Sort::Status => SortField::Status,
            Sort::Id => SortField::Id,
            Sort::CreationDate => SortField::CreationDate,
            Sort::LastUpdated => SortField::LastUpdated,
            Sort::ExpirationDate => SortField::ExpirationDate,
        }
    }
}

/// A deploy command with something to run. `sh -c ''` (as from
/// `--exec "$UNSET_VARIABLE"`) exits 0 without reading the secret: the old
/// token would be retired while nobody has the new one.
fn deploy_command(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        return Err("the deploy command is empty: it would exit 0 without the secret".into());
    }
    Ok(text.to_owned())
}

/// A date on the command line: RFC 3339, or a bare `YYYY-MM-DD` (midnight
/// UTC), in the future.
fn future_date(text: &str) -> Result<SystemTime, String> {
    let bytes = text.as_bytes();
    let bare = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    let full = if bare {
        format!("{text}T00:00:00.000Z")
    } else {
        text.to_owned()
    };
    let when = date::parse(&full).ok_or_else(|| {
        "expected an RFC 3339 date-time such as 2030-01-01T00:00:00.000Z, or a date \
         such as 2030-01-01"
            .to_owned()
    })?;
    if when <= SystemTime::now() {
        return Err(format!(
            "{} has passed: a token that expires then could never be used",
            date::format(when)
        ));
    }
    Ok(when)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(words: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once(PROGRAM).chain(words.iter().copied()))
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn owner_and_json_go_before_or_after_the_command() {
        let id = "575ec8687ae143cd83dc4a97";
        for words in [
            &["--application", id, "list"][..],
            &["list", "--application", id],
            &["list", &format!("--application={id}")],
        ] {
            let cli = parse(words).unwrap();
            assert_eq!(
                cli.global.owner(),
                Ok(Owner::Application(id.into())),
                "{words:?}"
            );
        }
        let cli = parse(&["--json", "get", id, "--instance", id]).unwrap();
        assert!(cli.global.json);
        assert_eq!(cli.global.owner(), Ok(Owner::Instance(id.into())));
        assert_eq!(parse(&["show", id]).unwrap().global.owner(), Ok(Owner::Me));
        let both = parse(&["--application", id, "get", id, "--instance", id]).unwrap();
        assert!(both.global.owner().is_err());
    }

    #[test]
    fn bad_lines_are_refused() {
        for words in [
            &["list", "--application", "a", "--instance", "b"][..],
            &["list", "--application"],
            &["list", "--expiring-within", "-1"],
            &["list", "--expiring-within", "1.5"],
            &["list", "--include-expired"],
            &["create", "x", "--expires", "tomorrow"],
            &["create", "x", "--expires", "2001-01-01"],
            &[
                "create",
                "x",
                "--expires",
                "2099-01-01",
                "--expires-in",
                "3",
            ],
            &["create", "x", "--expires-in", "0"],
            &["rotate", "x", "--no-expiry", "--expires-in", "3"],
            &["rotate", "x", "--exec", ""],
            &["rotate", "x", "--exec", " \n\t"],
            &["completions", "tcsh"],
        ] {
            assert!(parse(words).is_err(), "{words:?}");
        }
    }

    #[test]
    fn dates_are_read_before_anything_is_sent() {
        let cli = parse(&["create", "x", "--expires", "2099-01-01"]).unwrap();
        let Command::Create(args) = cli.command else {
            panic!("not a create")
        };
        assert_eq!(
            args.expiry.when().map(date::format).as_deref(),
            Some("2099-01-01T00:00:00.000Z")
        );
        let cli = parse(&["rotate", "x", "--expires-in", "2"]).unwrap();
        let Command::Rotate(args) = cli.command else {
            panic!("not a rotate")
        };
        let when = args.expiry.when().unwrap();
        let ahead = when.duration_since(SystemTime::now()).unwrap();
        assert!(ahead > Duration::from_secs(2 * 86_400 - 60), "{ahead:?}");
    }
}
