//! The command line: help texts, the lexer, and one parser per command.
//!
//! Parsing is std-only on purpose: the tool adds no dependency to the crate.

use losant_rest::schema::{SortField, TokenStatus};
use losant_rest::tokens::Owner;

use crate::report::clean;

/// The program's name, as the help texts and the advice in messages spell it.
pub const PROGRAM: &str = "losant-tokens";

const USAGE: &str = "\
losant-tokens: manage the Losant API tokens of your user, an application or
an instance

Usage: losant-tokens [OWNER] [--json] <COMMAND> [ARGS]

Commands:
  list                List tokens as a table, or as JSON
  create NAME         Create a token and print its secret
  get ID              Show one token, one `key: value` per line
  enable ID           Make a token active
  disable ID          Make a token inactive
  rename ID NAME      Rename a token
  delete ID           Delete a token
  rotate ID           Replace a token with a new one with the same settings
  help [COMMAND]      Show this help, or a command's

Owner (every command; at most one):
  --application ID    Act on the tokens of the application ID
  --instance ID       Act on the tokens of the instance ID
                      (default: the tokens of the signed-in user)

Options:
  --json              Print one JSON document on stdout instead of text
  -h, --help          Show help; `losant-tokens <COMMAND> --help` shows a
                      command's

Environment:
  LOSANT_API_TOKEN    The access token to authenticate with (required)
  LOSANT_API_URL      The API base URL (default: https://api.losant.com)

Data and secrets go to stdout, messages to stderr.

Exit status:
  0  success
  1  a request to Losant failed (or writing the output failed)
  2  bad arguments or configuration, such as a malformed ID; nothing was sent
";

const LIST_USAGE: &str = "\
Usage: losant-tokens list [OPTIONS]

Lists every token of the owner (all pages) as a table: ID, NAME, STATUS,
CREATED, EXPIRES. A token whose expiry has passed shows `(expired)` after
its date.

Options:
  --filter GLOB       Only tokens whose name matches GLOB (`*` matches anything)
  --status STATUS     Only `active` or `inactive` tokens
  --expiring-within DAYS
                      Only tokens whose expirationDate falls within the next
                      DAYS days (a whole number, 0 or more), including tokens
                      that have already expired; tokens that never expire are
                      left out
  --sort FIELD        Sort by name, status, id, creationDate, lastUpdated or
                      expirationDate (default: name)
  --desc              Sort in descending order
  --json              Print a JSON array of the tokens instead of a table
";

const CREATE_USAGE: &str = "\
Usage: losant-tokens create NAME [OPTIONS]

Creates a token and prints its secret on stdout, alone on its line. It is
shown only this once: store it.

Options:
  --scope SCOPE       A scope, such as `all.User.read`; repeat for more
                      (default: Losant's)
  --description TEXT  A description
  --expires DATE      When the token stops working: an ISO 8601 date-time
                      such as 2030-01-01T00:00:00.000Z, or a date such as
                      2030-01-01 (midnight UTC)
  --json              Print the new token as a JSON object instead, with
                      its secret under the key `secret`
";

const GET_USAGE: &str = "\
Usage: losant-tokens get ID [OPTIONS]

Shows the token with ID ID, one `key: value` per line (`-` when unset).

Options:
  --json              Print the token as a JSON object instead
";

const ENABLE_USAGE: &str = "\
Usage: losant-tokens enable ID [OPTIONS]

Makes the token with ID ID active.

Options:
  --json              Print the updated token as a JSON object
";

const DISABLE_USAGE: &str = "\
Usage: losant-tokens disable ID [OPTIONS]

Makes the token with ID ID inactive.

Options:
  --json              Print the updated token as a JSON object
";

const RENAME_USAGE: &str = "\
Usage: losant-tokens rename ID NAME [OPTIONS]

Renames the token with ID ID to NAME.

Options:
  --json              Print the updated token as a JSON object
";

const DELETE_USAGE: &str = "\
Usage: losant-tokens delete ID [OPTIONS]

Deletes the token with ID ID.

Options:
  --json              Print {\"id\": ID, \"success\": true} once it is deleted
";

const ROTATE_USAGE: &str = "\
Usage: losant-tokens rotate ID [OPTIONS]

Creates a new token with the same name, description, scopes, default role
and organization roles as the token ID, and the same expiry unless it has
already passed (then the new token does not expire, and stderr says so).
Prints the new secret on stdout, then disables the old token. If a step
fails, says which tokens exist and which are active, and exits with
status 1.

Options:
  --delete-old        Delete the old token instead of disabling it
  --json              Print one JSON object once the old token is handled:
                      `secret` (the new secret), `new` (the new token), `old`
                      (the old token) and `oldAction` (`disabled`, `deleted`,
                      or null when that step failed)
";

/// What every command's help ends with.
const COMMON: &str = "  --application ID    Act on the tokens of the application ID
  --instance ID       Act on the tokens of the instance ID
                      (default: the signed-in user's; at most one of the two)
  -h, --help          Show this help

Environment: LOSANT_API_TOKEN (required), LOSANT_API_URL (optional).

Exit status: 0 success; 1 a request to Losant failed; 2 bad arguments or
configuration, such as a malformed ID (then nothing is sent).
";

/// A command line that cannot be run; exit status 2.
#[derive(Debug)]
pub struct Usage(pub String);

#[derive(Debug)]
pub enum Parsed {
    Help(String),
    Run(Invocation),
}

/// A command to run, for an owner, in text or JSON.
#[derive(Debug)]
pub struct Invocation {
    pub owner: Owner,
    pub json: bool,
    pub command: Command,
}

#[derive(Debug)]
pub enum Command {
    List(ListArgs),
    Create(CreateArgs),
    Get(String),
    SetStatus(String, TokenStatus),
    Rename(RenameArgs),
    Delete(String),
    Rotate(RotateArgs),
}

#[derive(Debug, Default)]
pub struct ListArgs {
    pub filter: Option<String>,
    pub status: Option<TokenStatus>,
    pub sort: Option<SortField>,
    pub desc: bool,
    pub expiring_within_days: Option<u32>,
}

#[derive(Debug)]
pub struct CreateArgs {
    pub name: String,
    pub scopes: Vec<String>,
    pub description: Option<String>,
    pub expires: Option<String>,
}

#[derive(Debug)]
pub struct RenameArgs {
    pub id: String,
    pub name: String,
}

#[derive(Debug)]
pub struct RotateArgs {
    pub id: String,
    pub delete_old: bool,
}

/// The arguments after the program name, which must be UTF-8.
pub fn args() -> Result<Vec<String>, Usage> {
    std::env::args_os()
        .skip(1)
        .map(|arg| {
            arg.into_string().map_err(|arg| {
                Usage(format!(
                    "argument {} is not valid UTF-8",
                    clean(&arg.to_string_lossy())
                ))
            })
        })
        .collect()
}

/// The options every command takes, before or after the command's name.
#[derive(Default)]
struct Shared {
    owner: Option<Owner>,
    json: bool,
}

impl Shared {
    /// Takes `name` if it is a shared option; says whether it was.
    fn take(&mut self, lx: &mut Lexer, name: &str, value: Option<String>) -> Result<bool, Usage> {
        let owner = match name {
            "--application" => Owner::Application(lx.value(name, value)?),
            "--instance" => Owner::Instance(lx.value(name, value)?),
            "--json" => {
                self.json = switch(name, value.as_deref())?;
                return Ok(true);
            }
            _ => return Ok(false),
        };
        if self.owner.is_some() {
            return Err(Usage(
                "give at most one `--application ID` or `--instance ID`".into(),
            ));
        }
        self.owner = Some(owner);
        Ok(true)
    }
}

pub fn parse(args: Vec<String>) -> Result<Parsed, Usage> {
    let mut lexer = Lexer {
        args: args.into_iter(),
        positional_only: false,
    };
    let lx = &mut lexer;
    let mut shared = Shared::default();
    let command = loop {
        match lx.next() {
            None => {
                return Err(Usage(format!("no command given; see `{PROGRAM} --help`")));
            }
            Some(Arg::Help) => return Ok(Parsed::Help(USAGE.to_owned())),
            Some(Arg::Flag { name, value }) => {
                if !shared.take(lx, &name, value)? {
                    return Err(Usage(format!(
                        "unknown option `{}`; see `{PROGRAM} --help`",
                        clean(&name)
                    )));
                }
            }
            Some(Arg::Positional(command)) => break command,
        }
    };
    let sh = &mut shared;
    let run = match command.as_str() {
        "help" => return help(lx),
        "list" => parse_list(lx, sh)?.map(Command::List),
        "create" => parse_create(lx, sh)?.map(Command::Create),
        "get" => parse_id(lx, sh, "get")?.map(Command::Get),
        "enable" => {
            parse_id(lx, sh, "enable")?.map(|id| Command::SetStatus(id, TokenStatus::Active))
        }
        "disable" => {
            parse_id(lx, sh, "disable")?.map(|id| Command::SetStatus(id, TokenStatus::Inactive))
        }
        "rename" => parse_rename(lx, sh)?.map(Command::Rename),
        "delete" => parse_id(lx, sh, "delete")?.map(Command::Delete),
        "rotate" => parse_rotate(lx, sh)?.map(Command::Rotate),
        other => {
            return Err(Usage(format!(
                "unknown command `{}`; see `{PROGRAM} --help`",
                clean(other)
            )));
        }
    };
    Ok(match run {
        Some(command) => Parsed::Run(Invocation {
            owner: shared.owner.unwrap_or(Owner::Me),
            json: shared.json,
            command,
        }),
        None => Parsed::Help(usage_of(&command).unwrap_or_else(|| USAGE.to_owned())),
    })
}

/// A command's help: its own text, then the options and notes all share.
pub fn usage_of(command: &str) -> Option<String> {
    let own = match command {
        "list" => LIST_USAGE,
        "create" => CREATE_USAGE,
        "get" => GET_USAGE,
        "enable" => ENABLE_USAGE,
        "disable" => DISABLE_USAGE,
        "rename" => RENAME_USAGE,
        "delete" => DELETE_USAGE,
        "rotate" => ROTATE_USAGE,
        "help" => return Some(USAGE.to_owned()),
        _ => return None,
    };
    Some(format!("{own}{COMMON}"))
}

/// `losant-tokens help [COMMAND]`.
fn help(lx: &mut Lexer) -> Result<Parsed, Usage> {
    let mut shared = Shared::default();
    let Some(mut topics) = walk(lx, &mut shared, "help", 0, 1, |_, _, _| Ok(false))? else {
        return Ok(Parsed::Help(USAGE.to_owned()));
    };
    match topics.next() {
        None => Ok(Parsed::Help(USAGE.to_owned())),
        Some(topic) => usage_of(&topic).map(Parsed::Help).ok_or_else(|| {
            Usage(format!(
                "unknown command `{}`; see `{PROGRAM} --help`",
                clean(&topic)
            ))
        }),
    }
}

fn parse_list(lx: &mut Lexer, shared: &mut Shared) -> Result<Option<ListArgs>, Usage> {
    let mut args = ListArgs::default();
    let parsed = walk(lx, shared, "list", 0, 0, |lx, name, value| {
        match name {
            "--filter" => args.filter = Some(lx.value(name, value)?),
            "--status" => args.status = Some(parse_status(&lx.value(name, value)?)?),
            "--sort" => args.sort = Some(parse_sort(&lx.value(name, value)?)?),
            "--desc" => args.desc = switch(name, value.as_deref())?,
            "--expiring-within" => {
                args.expiring_within_days = Some(parse_days(&lx.value(name, value)?)?);
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(parsed.map(|_| args))
}

fn parse_create(lx: &mut Lexer, shared: &mut Shared) -> Result<Option<CreateArgs>, Usage> {
    let (mut scopes, mut description, mut expires) = (Vec::new(), None, None);
    let parsed = walk(lx, shared, "create", 1, 1, |lx, name, value| {
        match name {
            "--scope" => scopes.push(lx.value(name, value)?),
            "--description" => description = Some(lx.value(name, value)?),
            "--expires" => expires = Some(expand_date(lx.value(name, value)?)),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(parsed.map(|mut positional| CreateArgs {
        name: positional.next().unwrap_or_default(),
        scopes,
        description,
        expires,
    }))
}

/// The commands whose only argument is a token ID.
fn parse_id(lx: &mut Lexer, shared: &mut Shared, command: &str) -> Result<Option<String>, Usage> {
    let parsed = walk(lx, shared, command, 1, 1, |_, _, _| Ok(false))?;
    Ok(parsed.map(|mut positional| positional.next().unwrap_or_default()))
}

fn parse_rename(lx: &mut Lexer, shared: &mut Shared) -> Result<Option<RenameArgs>, Usage> {
    let parsed = walk(lx, shared, "rename", 2, 2, |_, _, _| Ok(false))?;
    Ok(parsed.map(|mut positional| RenameArgs {
        id: positional.next().unwrap_or_default(),
        name: positional.next().unwrap_or_default(),
    }))
}

fn parse_rotate(lx: &mut Lexer, shared: &mut Shared) -> Result<Option<RotateArgs>, Usage> {
    let mut delete_old = false;
    let parsed = walk(lx, shared, "rotate", 1, 1, |_, name, value| {
        if name != "--delete-old" {
            return Ok(false);
        }
        delete_old = switch(name, value.as_deref())?;
        Ok(true)
    })?;
    Ok(parsed.map(|mut positional| RotateArgs {
        id: positional.next().unwrap_or_default(),
        delete_old,
    }))
}

/// Positional arguments, in order.
type Positional = std::vec::IntoIter<String>;

/// Reads a command's arguments to the end. `--help` stops the walk and gives
/// `None`; each other flag goes to `flag`, which says whether it knows it,
/// and then to the shared options (except for `help`); and between `min`
/// and `max` positional arguments must remain, which are returned in order.
fn walk(
    lx: &mut Lexer,
    shared: &mut Shared,
    command: &str,
    min: usize,
    max: usize,
    mut flag: impl FnMut(&mut Lexer, &str, Option<String>) -> Result<bool, Usage>,
) -> Result<Option<Positional>, Usage> {
    let mut positional = Vec::new();
    while let Some(arg) = lx.next() {
        match arg {
            Arg::Help => return Ok(None),
            Arg::Flag { name, value } => {
                let known = if command == "help" {
                    false
                } else if matches!(name.as_str(), "--application" | "--instance" | "--json") {
                    shared.take(lx, &name, value)?
                } else {
                    flag(lx, &name, value)?
                };
                if !known {
                    return Err(Usage(format!(
                        "unknown option `{}` for `{command}`; see `{PROGRAM} {command} --help`",
                        clean(&name)
                    )));
                }
            }
            Arg::Positional(arg) => positional.push(arg),
        }
    }
    let usage = usage_of(command).unwrap_or_else(|| USAGE.to_owned());
    let synopsis = usage
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("Usage: "))
        .unwrap_or(command)
        .to_owned();
    if positional.len() < min {
        return Err(Usage(format!("missing arguments: usage is `{synopsis}`")));
    }
    if let Some(extra) = positional.get(max) {
        return Err(Usage(format!(
            "unexpected argument `{}`: usage is `{synopsis}`",
            clean(extra)
        )));
    }
    Ok(Some(positional.into_iter()))
}

/// One command-line argument, classified.
enum Arg {
    /// `-h` or `--help`.
    Help,
    /// `--name` or `--name=value`, or any other word that starts with `-`.
    Flag { name: String, value: Option<String> },
    /// Anything else, and everything after `--`.
    Positional(String),
}

struct Lexer {
    args: std::vec::IntoIter<String>,
    positional_only: bool,
}

impl Lexer {
    fn next(&mut self) -> Option<Arg> {
        let arg = self.args.next()?;
        if self.positional_only || arg == "-" || !arg.starts_with('-') {
            return Some(Arg::Positional(arg));
        }
        if arg == "--" {
            self.positional_only = true;
            return self.next();
        }
        if arg == "-h" || arg == "--help" {
            return Some(Arg::Help);
        }
        Some(match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => Arg::Flag {
                name: name.to_owned(),
                value: Some(value.to_owned()),
            },
            _ => Arg::Flag {
                name: arg,
                value: None,
            },
        })
    }

    /// The value of the flag `name`: the part after `=`, or else the next
    /// argument, whatever it looks like.
    fn value(&mut self, name: &str, inline: Option<String>) -> Result<String, Usage> {
        inline
            .or_else(|| self.args.next())
            .ok_or_else(|| Usage(format!("`{name}` needs a value")))
    }
}

/// A flag that takes no value: `true`, or an error for `--flag=value`.
fn switch(name: &str, value: Option<&str>) -> Result<bool, Usage> {
    match value {
        None => Ok(true),
        Some(_) => Err(Usage(format!("`{name}` takes no value"))),
    }
}

fn parse_status(word: &str) -> Result<TokenStatus, Usage> {
    match word.to_ascii_lowercase().as_str() {
        "active" => Ok(TokenStatus::Active),
        "inactive" => Ok(TokenStatus::Inactive),
        _ => Err(Usage(format!(
            "unknown status `{}`: expected `active` or `inactive`",
            clean(word)
        ))),
    }
}

fn parse_sort(word: &str) -> Result<SortField, Usage> {
    match word.to_ascii_lowercase().as_str() {
        "name" => Ok(SortField::Name),
        "status" => Ok(SortField::Status),
        "id" => Ok(SortField::Id),
        "creationdate" => Ok(SortField::CreationDate),
        "lastupdated" => Ok(SortField::LastUpdated),
        "expirationdate" => Ok(SortField::ExpirationDate),
        _ => Err(Usage(format!(
            "unknown sort field `{}`: expected name, status, id, creationDate, \
             lastUpdated or expirationDate",
            clean(word)
        ))),
    }
}

/// A number of days: a whole number from 0 to 1,000,000 (beyond any
/// expiry Losant accepts).
fn parse_days(word: &str) -> Result<u32, Usage> {
    match word.parse::<u32>() {
        Ok(days) if days <= 1_000_000 && !word.starts_with('+') => Ok(days),
        _ => Err(Usage(format!(
            "`--expiring-within` takes a whole number of days, not `{}`",
            clean(word)
        ))),
    }
}

/// A bare date `YYYY-MM-DD` becomes midnight UTC that day; anything else is
/// left for the server to judge.
fn expand_date(date: String) -> String {
    let bytes = date.as_bytes();
    let bare = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if bare {
        format!("{date}T00:00:00.000Z")
    } else {
        date
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_words(words: &[&str]) -> Result<Parsed, Usage> {
        parse(words.iter().map(|w| (*w).to_owned()).collect())
    }

    fn run(words: &[&str]) -> Invocation {
        match parse_words(words) {
            Ok(Parsed::Run(invocation)) => invocation,
            other => panic!("{words:?}: {other:?}"),
        }
    }

    #[test]
    fn owner_and_json_go_before_or_after_the_command() {
        let id = "575ec8687ae143cd83dc4a97";
        for words in [
            &["--application", id, "list"][..],
            &["list", "--application", id],
            &["list", &format!("--application={id}")],
        ] {
            let invocation = run(words);
            assert_eq!(invocation.owner, Owner::Application(id.into()), "{words:?}");
        }
        let invocation = run(&["--json", "get", id, "--instance", id]);
        assert!(invocation.json);
        assert_eq!(invocation.owner, Owner::Instance(id.into()));
        assert_eq!(run(&["get", id]).owner, Owner::Me);
        assert!(!run(&["get", id]).json);
    }

    #[test]
    fn one_owner_at_most() {
        for words in [
            &["list", "--application", "a", "--instance", "b"][..],
            &["--instance", "a", "list", "--instance", "a"],
            &["list", "--application"],
        ] {
            assert!(parse_words(words).is_err(), "{words:?}");
        }
    }

    #[test]
    fn expiring_within_takes_whole_days() {
        let Command::List(args) = run(&["list", "--expiring-within", "30"]).command else {
            panic!("not a list");
        };
        assert_eq!(args.expiring_within_days, Some(30));
        for bad in ["-1", "1.5", "x", "", "+3", "99999999999"] {
            assert!(
                parse_words(&["list", "--expiring-within", bad]).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn every_command_has_help_with_owner_json_and_exit_codes() {
        for command in [
            "list", "create", "get", "enable", "disable", "rename", "delete", "rotate",
        ] {
            let text = usage_of(command).expect("a help text");
            for needle in ["--application", "--instance", "--json", "Exit status"] {
                assert!(text.contains(needle), "{command}: {needle}");
            }
        }
    }
}
