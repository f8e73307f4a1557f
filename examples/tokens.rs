//! `tokens`: a command-line tool for your Losant user API tokens.
//!
//! ```text
//! export LOSANT_API_TOKEN=...                 # required
//! export LOSANT_API_URL=https://api.losant.com # optional
//!
//! cargo run --example tokens -- list [--filter GLOB] [--status active|inactive]
//!                                    [--sort FIELD] [--desc] [--json]
//! cargo run --example tokens -- create NAME [--scope S]... [--description D] [--expires DATE]
//! cargo run --example tokens -- get ID
//! cargo run --example tokens -- enable ID
//! cargo run --example tokens -- disable ID
//! cargo run --example tokens -- rename ID NAME
//! cargo run --example tokens -- delete ID
//! cargo run --example tokens -- rotate ID [--delete-old]
//! cargo run --example tokens -- --help          # or `<command> --help`
//! ```
//!
//! Data (tables, JSON, `key: value` lines, secrets) goes to stdout; messages
//! go to stderr, so `SECRET=$(tokens create ci)` captures the secret alone.
//! The exit status is 0 on success, 1 when a request to Losant fails, and 2
//! for bad arguments or configuration (including a malformed token ID).
//!
//! `rotate` creates a replacement with the old token's name, description,
//! scopes, roles and expiry, prints its secret, then disables the old token
//! (or deletes it with `--delete-old`). If a step fails it says which tokens
//! exist and which are active, and what to run next.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::process::ExitCode;

use losant_rest::schema::{
    ApiToken, ApiTokenPatch, ApiTokenPost, FilterField, OrgRole, SortDirection, SortField,
    TokenStatus,
};
use losant_rest::tokens::{CreateToken, DeleteToken, GetToken, ListTokens, UpdateToken};
use losant_rest::{Client, Error};

/// The page size `list` asks for: Losant's largest.
const PAGE_SIZE: u32 = 1000;

const USAGE: &str = "\
tokens: manage your Losant user API tokens

Usage: tokens <COMMAND> [OPTIONS]

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

Options:
  -h, --help          Show help; `tokens <COMMAND> --help` shows a command's

Environment:
  LOSANT_API_TOKEN    The access token to authenticate with (required)
  LOSANT_API_URL      The API base URL (default: https://api.losant.com)

Data and secrets go to stdout, messages to stderr. Exit status: 0 on success,
1 when a request fails, 2 for bad arguments or configuration.
";

const LIST_USAGE: &str = "\
Usage: tokens list [OPTIONS]

Lists every token (all pages) as a table: ID, NAME, STATUS, CREATED, EXPIRES.

Options:
  --filter GLOB       Only tokens whose name matches GLOB (`*` matches anything)
  --status STATUS     Only `active` or `inactive` tokens
  --sort FIELD        Sort by name, status, id, creationDate, lastUpdated or
                      expirationDate (default: name)
  --desc              Sort in descending order
  --json              Print a JSON array of the tokens instead of a table
  -h, --help          Show this help
";

const CREATE_USAGE: &str = "\
Usage: tokens create NAME [OPTIONS]

Creates a token and prints its secret on stdout, alone on its line. It is
shown only this once: store it.

Options:
  --scope SCOPE       A scope, such as `all.User.read`; repeat for more
                      (default: Losant's)
  --description TEXT  A description
  --expires DATE      When the token stops working: an ISO 8601 date-time
                      such as 2030-01-01T00:00:00.000Z, or a date such as
                      2030-01-01 (midnight UTC)
  -h, --help          Show this help
";

const GET_USAGE: &str = "\
Usage: tokens get ID

Shows the token with ID ID, one `key: value` per line (`-` when unset).
";

const ENABLE_USAGE: &str = "\
Usage: tokens enable ID

Makes the token with ID ID active.
";

const DISABLE_USAGE: &str = "\
Usage: tokens disable ID

Makes the token with ID ID inactive.
";

const RENAME_USAGE: &str = "\
Usage: tokens rename ID NAME

Renames the token with ID ID to NAME.
";

const DELETE_USAGE: &str = "\
Usage: tokens delete ID

Deletes the token with ID ID.
";

const ROTATE_USAGE: &str = "\
Usage: tokens rotate ID [--delete-old]

Creates a new token with the same name, description, scopes, default role,
organization roles and expiry as the token ID, prints the new secret on
stdout, then disables the old token. If a step fails, says which tokens exist
and which are active, and exits with status 1.

Options:
  --delete-old        Delete the old token instead of disabling it
  -h, --help          Show this help
";

fn main() -> ExitCode {
    let command = match args().and_then(parse) {
        Ok(Parsed::Run(command)) => command,
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
    let outcome = match command {
        Command::List(args) => list(&client, &args),
        Command::Create(args) => create(&client, args),
        Command::Get(id) => get(&client, id),
        Command::SetStatus(id, status) => set_status(&client, id, status),
        Command::Rename(args) => rename(&client, args),
        Command::Delete(id) => delete(&client, &id),
        Command::Rotate(args) => rotate(&client, &args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

// ---------------------------------------------------------------------------
// Arguments

/// A command line that cannot be run; exit status 2.
#[derive(Debug)]
struct Usage(String);

enum Parsed {
    Help(&'static str),
    Run(Command),
}

enum Command {
    List(ListArgs),
    Create(CreateArgs),
    Get(String),
    SetStatus(String, TokenStatus),
    Rename(RenameArgs),
    Delete(String),
    Rotate(RotateArgs),
}

#[derive(Default)]
struct ListArgs {
    filter: Option<String>,
    status: Option<TokenStatus>,
    sort: Option<SortField>,
    desc: bool,
    json: bool,
}

struct CreateArgs {
    name: String,
    scopes: Vec<String>,
    description: Option<String>,
    expires: Option<String>,
}

struct RenameArgs {
    id: String,
    name: String,
}

struct RotateArgs {
    id: String,
    delete_old: bool,
}

/// The arguments after the program name, which must be UTF-8.
fn args() -> Result<Vec<String>, Usage> {
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

fn parse(args: Vec<String>) -> Result<Parsed, Usage> {
    let mut lexer = Lexer {
        args: args.into_iter(),
        positional_only: false,
    };
    let command = match lexer.next() {
        None => return Err(Usage("no command given; see `tokens --help`".into())),
        Some(Arg::Help) => return Ok(Parsed::Help(USAGE)),
        Some(Arg::Flag { name, .. }) => {
            return Err(Usage(format!(
                "unknown option `{}`; see `tokens --help`",
                clean(&name)
            )));
        }
        Some(Arg::Positional(command)) => command,
    };
    let lx = &mut lexer;
    let run = match command.as_str() {
        "help" => return help(lx),
        "list" => parse_list(lx)?.map(Command::List),
        "create" => parse_create(lx)?.map(Command::Create),
        "get" => parse_id(lx, "get")?.map(Command::Get),
        "enable" => parse_id(lx, "enable")?.map(|id| Command::SetStatus(id, TokenStatus::Active)),
        "disable" => {
            parse_id(lx, "disable")?.map(|id| Command::SetStatus(id, TokenStatus::Inactive))
        }
        "rename" => parse_rename(lx)?.map(Command::Rename),
        "delete" => parse_id(lx, "delete")?.map(Command::Delete),
        "rotate" => parse_rotate(lx)?.map(Command::Rotate),
        other => {
            return Err(Usage(format!(
                "unknown command `{}`; see `tokens --help`",
                clean(other)
            )));
        }
    };
    Ok(match run {
        Some(command) => Parsed::Run(command),
        None => Parsed::Help(usage_of(&command).unwrap_or(USAGE)),
    })
}

fn usage_of(command: &str) -> Option<&'static str> {
    Some(match command {
        "list" => LIST_USAGE,
        "create" => CREATE_USAGE,
        "get" => GET_USAGE,
        "enable" => ENABLE_USAGE,
        "disable" => DISABLE_USAGE,
        "rename" => RENAME_USAGE,
        "delete" => DELETE_USAGE,
        "rotate" => ROTATE_USAGE,
        "help" => USAGE,
        _ => return None,
    })
}

/// `tokens help [COMMAND]`.
fn help(lx: &mut Lexer) -> Result<Parsed, Usage> {
    let Some(mut topics) = walk(lx, "help", 0, 1, |_, _, _| Ok(false))? else {
        return Ok(Parsed::Help(USAGE));
    };
    match topics.next() {
        None => Ok(Parsed::Help(USAGE)),
        Some(topic) => usage_of(&topic).map(Parsed::Help).ok_or_else(|| {
            Usage(format!(
                "unknown command `{}`; see `tokens --help`",
                clean(&topic)
            ))
        }),
    }
}

fn parse_list(lx: &mut Lexer) -> Result<Option<ListArgs>, Usage> {
    let mut args = ListArgs::default();
    let parsed = walk(lx, "list", 0, 0, |lx, name, value| {
        match name {
            "--filter" => args.filter = Some(lx.value(name, value)?),
            "--status" => args.status = Some(parse_status(&lx.value(name, value)?)?),
            "--sort" => args.sort = Some(parse_sort(&lx.value(name, value)?)?),
            "--desc" => args.desc = switch(name, value.as_deref())?,
            "--json" => args.json = switch(name, value.as_deref())?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(parsed.map(|_| args))
}

fn parse_create(lx: &mut Lexer) -> Result<Option<CreateArgs>, Usage> {
    let (mut scopes, mut description, mut expires) = (Vec::new(), None, None);
    let parsed = walk(lx, "create", 1, 1, |lx, name, value| {
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
fn parse_id(lx: &mut Lexer, command: &str) -> Result<Option<String>, Usage> {
    let parsed = walk(lx, command, 1, 1, |_, _, _| Ok(false))?;
    Ok(parsed.map(|mut positional| positional.next().unwrap_or_default()))
}

fn parse_rename(lx: &mut Lexer) -> Result<Option<RenameArgs>, Usage> {
    let parsed = walk(lx, "rename", 2, 2, |_, _, _| Ok(false))?;
    Ok(parsed.map(|mut positional| RenameArgs {
        id: positional.next().unwrap_or_default(),
        name: positional.next().unwrap_or_default(),
    }))
}

fn parse_rotate(lx: &mut Lexer) -> Result<Option<RotateArgs>, Usage> {
    let mut delete_old = false;
    let parsed = walk(lx, "rotate", 1, 1, |_, name, value| {
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

/// Reads a command's arguments to the end. `--help` stops the walk and gives
/// `None`; each other flag goes to `flag`, which says whether it knows it;
/// and between `min` and `max` positional arguments must remain, which are
/// returned in order.
fn walk(
    lx: &mut Lexer,
    command: &str,
    min: usize,
    max: usize,
    mut flag: impl FnMut(&mut Lexer, &str, Option<String>) -> Result<bool, Usage>,
) -> Result<Option<std::vec::IntoIter<String>>, Usage> {
    let mut positional = Vec::new();
    while let Some(arg) = lx.next() {
        match arg {
            Arg::Help => return Ok(None),
            Arg::Flag { name, value } => {
                if !flag(lx, &name, value)? {
                    return Err(Usage(format!(
                        "unknown option `{}` for `{command}`; see `tokens {command} --help`",
                        clean(&name)
                    )));
                }
            }
            Arg::Positional(arg) => positional.push(arg),
        }
    }
    let usage = usage_of(command).unwrap_or(USAGE);
    let synopsis = usage
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("Usage: "))
        .unwrap_or(command);
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

// ---------------------------------------------------------------------------
// Commands

fn list(client: &Client, args: &ListArgs) -> Result<(), Failure> {
    let mut request = ListTokens::new().per_page(PAGE_SIZE);
    if let Some(field) = &args.sort {
        request = request.sort_field(field.clone());
    }
    if args.desc {
        request = request.sort_direction(SortDirection::Desc);
    }
    // The API filters on one field: the name when a glob is given, else the
    // status. The status is checked here as well, which covers both cases.
    match (&args.filter, &args.status) {
        (Some(glob), _) => request = request.filter_field(FilterField::Name).filter(glob),
        (None, Some(status)) => {
            request = request
                .filter_field(FilterField::Status)
                .filter(status.as_str());
        }
        (None, None) => {}
    }
    let mut tokens = Vec::new();
    for token in client.paginate(request) {
        let token = token?;
        if args
            .status
            .as_ref()
            .is_none_or(|wanted| token.status.as_ref() == Some(wanted))
        {
            tokens.push(token);
        }
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &tokens).map_err(io::Error::from)?;
        writeln!(out)?;
    } else {
        write_table(&mut out, &tokens)?;
    }
    out.flush()?;
    Ok(())
}

fn write_table(out: &mut impl Write, tokens: &[ApiToken]) -> io::Result<()> {
    let header = ["ID", "NAME", "STATUS", "CREATED", "EXPIRES"].map(String::from);
    let rows: Vec<[String; 5]> = tokens
        .iter()
        .map(|t| {
            [
                clean(&t.id),
                clean(&t.name),
                or_dash(t.status.as_ref().map(TokenStatus::as_str)),
                or_dash(t.creation_date.as_deref()),
                or_dash(t.expiration_date.as_deref()),
            ]
        })
        .collect();
    let mut widths = [0; 5];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ");
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn create(client: &Client, args: CreateArgs) -> Result<(), Failure> {
    let name = args.name.clone();
    let mut body = ApiTokenPost::new(args.name);
    if !args.scopes.is_empty() {
        body = body.scope(args.scopes);
    }
    if let Some(description) = args.description {
        body = body.description(description);
    }
    if let Some(expires) = args.expires {
        body = body.expiration_date(expires);
    }
    let token = client.send(CreateToken::new(body)).map_err(|e| {
        if may_have_reached(&e) {
            Failure::Partial {
                error: describe(&e),
                state: format!(
                    "the token may have been created anyway: look for it with \
                     `tokens list --filter '{}'`",
                    clean(&name)
                ),
            }
        } else {
            Failure::Call(e)
        }
    })?;
    if let Err(reason) = print_secret(&token) {
        return Err(Failure::Partial {
            error: reason,
            state: format!(
                "the token {} exists and is {}, but its secret is lost: delete it with \
                 `tokens delete {}`",
                token.id,
                status_word(token.status.as_ref()),
                token.id
            ),
        });
    }
    note(&format!(
        "created token {} ({})",
        token.id,
        clean(&token.name)
    ));
    Ok(())
}

fn get(client: &Client, id: String) -> Result<(), Failure> {
    let t = client.send(GetToken::new(id))?;
    let status = t.status.as_ref().map(TokenStatus::as_str);
    let default_role = t.default_role.as_ref().map(ToString::to_string);
    let org_roles: Vec<String> = t.org_roles.iter().map(org_role).collect();
    let owner_type = t.owner_type.as_ref().map(ToString::to_string);
    let creator_type = t.creator_type.as_ref().map(ToString::to_string);
    let fields = [
        ("id", Some(t.id.as_str())),
        ("name", Some(t.name.as_str())),
        ("status", status),
        ("description", t.description.as_deref()),
        ("scope", join(&t.scope, ", ").as_deref()),
        ("defaultRole", default_role.as_deref()),
        ("orgRoles", join(&org_roles, "; ").as_deref()),
        ("expirationDate", t.expiration_date.as_deref()),
        ("creationDate", t.creation_date.as_deref()),
        ("lastUpdated", t.last_updated.as_deref()),
        ("ownerType", owner_type.as_deref()),
        ("ownerId", t.owner_id.as_deref()),
        ("creatorType", creator_type.as_deref()),
        ("creatorId", t.creator_id.as_deref()),
        ("creatorName", t.creator_name.as_deref()),
    ]
    .map(|(key, value)| format!("{key}: {}\n", or_dash(value)));
    let mut out = io::stdout().lock();
    out.write_all(fields.concat().as_bytes())?;
    out.flush()?;
    Ok(())
}

/// `sandbox=view`, or `<org>=admin applications[<id>=collaborate]
/// dashboards[<id>=view <id>=none]`.
fn org_role(role: &OrgRole) -> String {
    let mut text = format!("{}={}", role.org_id, role.role);
    for (label, roles) in [
        ("applications", &role.application_roles),
        ("dashboards", &role.dashboard_roles),
    ] {
        if !roles.is_empty() {
            let list: Vec<String> = roles
                .iter()
                .map(|r| format!("{}={}", r.resource_id, r.role))
                .collect();
            let _ = write!(text, " {label}[{}]", list.join(" "));
        }
    }
    text
}

fn set_status(client: &Client, id: String, status: TokenStatus) -> Result<(), Failure> {
    let token = client.send(UpdateToken::new(id, ApiTokenPatch::new().status(status)))?;
    note(&format!(
        "token {} ({}) is now {}",
        token.id,
        clean(&token.name),
        status_word(token.status.as_ref())
    ));
    Ok(())
}

fn rename(client: &Client, args: RenameArgs) -> Result<(), Failure> {
    let token = client.send(UpdateToken::new(
        args.id,
        ApiTokenPatch::new().name(args.name),
    ))?;
    note(&format!(
        "renamed token {} to {}",
        token.id,
        clean(&token.name)
    ));
    Ok(())
}

fn delete(client: &Client, id: &str) -> Result<(), Failure> {
    let done = client.send(DeleteToken::new(id))?;
    if !done.success {
        return Err(Failure::Partial {
            error: "Losant did not confirm the delete".into(),
            state: format!("the token {id} may still exist: check with `tokens get {id}`"),
        });
    }
    note(&format!("deleted token {id}"));
    Ok(())
}

fn rotate(client: &Client, args: &RotateArgs) -> Result<(), Failure> {
    // 1. Read the old token. A malformed ID is a usage error, as elsewhere.
    let old = client
        .send(GetToken::new(args.id.clone()))
        .map_err(|e| match e {
            Error::InvalidRequest(_) | Error::Config(_) => Failure::Call(e),
            _ => Failure::Partial {
                error: describe(&e),
                state: format!(
                    "nothing was changed: no new token was created and the token {} was \
                     not touched",
                    clean(&args.id)
                ),
            },
        })?;
    let old_id = &old.id;
    let old_state = status_word(old.status.as_ref());
    let name = clean(&old.name);

    // 2. Create its replacement.
    let new = client
        .send(CreateToken::new(replacement(&old)))
        .map_err(|e| {
            let state = if may_have_reached(&e) {
                format!(
                    "a new token named {name:?} may have been created anyway: look for it \
                     with `tokens list --filter '{name}'` and delete it if it is there; the \
                     old token {old_id} is unchanged and still {old_state}"
                )
            } else {
                format!(
                    "no new token was created; the old token {old_id} is unchanged and \
                     still {old_state}"
                )
            };
            Failure::Partial {
                error: describe(&e),
                state,
            }
        })?;

    // 3. Hand over the secret before touching the old token.
    if let Err(reason) = print_secret(&new) {
        return Err(Failure::Partial {
            error: reason,
            state: format!(
                "the new token {} exists and is {}, but its secret is lost: delete it with \
                 `tokens delete {}`; the old token {old_id} is unchanged and still {old_state}",
                new.id,
                status_word(new.status.as_ref()),
                new.id
            ),
        });
    }
    note(&format!("created token {} ({name})", new.id));

    // 4. Retire the old token.
    retire(client, &old, &new, args.delete_old)
}

/// The body that creates a copy of `old`: the same name, description,
/// scopes, default role, organization roles and expiry.
fn replacement(old: &ApiToken) -> ApiTokenPost {
    let mut body = ApiTokenPost::new(old.name.clone());
    if let Some(description) = &old.description {
        body = body.description(description.clone());
    }
    if !old.scope.is_empty() {
        body = body.scope(old.scope.clone());
    }
    if let Some(role) = &old.default_role {
        body = body.default_role(role.clone());
    }
    if !old.org_roles.is_empty() {
        body = body.org_roles(old.org_roles.clone());
    }
    if let Some(expires) = &old.expiration_date {
        body = body.expiration_date(expires.clone());
    }
    body
}

/// Disables the old token, or deletes it, once `new` replaces it; on failure,
/// says which tokens exist and are active.
fn retire(
    client: &Client,
    old: &ApiToken,
    new: &ApiToken,
    delete_old: bool,
) -> Result<(), Failure> {
    let (old_id, new_id) = (&old.id, &new.id);
    let retired = if delete_old {
        client
            .send(DeleteToken::new(old_id.clone()))
            .map_err(|e| (describe(&e), may_have_reached(&e)))
            .and_then(|done| {
                if done.success {
                    Ok("deleted")
                } else {
                    Err(("Losant did not confirm the delete".to_owned(), true))
                }
            })
    } else {
        let disable = ApiTokenPatch::new().status(TokenStatus::Inactive);
        client
            .send(UpdateToken::new(old_id.clone(), disable))
            .map(|_| "disabled")
            .map_err(|e| (describe(&e), may_have_reached(&e)))
    };
    let (error, unsure) = match retired {
        Ok(done) => {
            note(&format!(
                "{done} the old token {old_id}; {} is now the token {new_id}",
                clean(&new.name)
            ));
            return Ok(());
        }
        Err(failed) => failed,
    };
    let old_state = status_word(old.status.as_ref());
    let (verb, command) = if delete_old {
        ("deleted", "delete")
    } else {
        ("disabled", "disable")
    };
    let old_part = if unsure {
        format!(
            "the old token {old_id} may or may not have been {verb}: check with \
             `tokens get {old_id}`"
        )
    } else if delete_old {
        format!(
            "the old token {old_id} still exists and is {old_state}: delete it with \
             `tokens delete {old_id}`"
        )
    } else {
        format!(
            "the old token {old_id} is still {old_state}: {command} it with \
             `tokens {command} {old_id}`"
        )
    };
    Err(Failure::Partial {
        error,
        state: format!(
            "the new token {new_id} exists and is {}; {old_part}",
            status_word(new.status.as_ref())
        ),
    })
}

// ---------------------------------------------------------------------------
// Output and errors

/// Why a command failed.
enum Failure {
    /// A call failed and nothing needs saying beyond the error.
    Call(Error),
    /// Writing to stdout failed.
    Output(io::Error),
    /// A step failed after others succeeded (or may have): `state` says what
    /// exists now and what to do about it.
    Partial { error: String, state: String },
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Call(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Output(e)
    }
}

impl Failure {
    /// Prints the failure on stderr and gives the exit status.
    fn report(self) -> ExitCode {
        match self {
            Failure::Call(e @ (Error::InvalidRequest(_) | Error::Config(_))) => {
                note(&format!("error: {}", describe(&e)));
                ExitCode::from(2)
            }
            Failure::Call(e) => {
                note(&format!("error: {}", describe(&e)));
                ExitCode::from(1)
            }
            // The reader went away (`tokens list | head`): nothing to say.
            Failure::Output(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(1),
            Failure::Output(e) => {
                note(&format!("error: cannot write to stdout: {e}"));
                ExitCode::from(1)
            }
            Failure::Partial { error, state } => {
                note(&format!("error: {error}\n{state}"));
                ExitCode::from(1)
            }
        }
    }
}

/// An error on one line: `404 NotFound: API Token was not found` for a
/// Losant error, the error's own words otherwise.
fn describe(e: &Error) -> String {
    match e {
        Error::Api(api) => match &api.kind {
            Some(kind) => format!("{} {}: {}", api.status, clean(kind), clean(&api.message)),
            None => format!("{}: {}", api.status, clean(&api.message)),
        },
        other => clean(&other.to_string()),
    }
}

/// Whether a failed create or update may have taken effect anyway: the
/// request may have reached the server, which did not refuse it.
fn may_have_reached(e: &Error) -> bool {
    !matches!(
        e,
        Error::Api(_) | Error::InvalidRequest(_) | Error::Config(_)
    ) && !e.is_connect()
}

/// Prints a created token's secret on stdout, alone on its line.
fn print_secret(token: &ApiToken) -> Result<(), String> {
    let Some(secret) = &token.token else {
        return Err("Losant sent no secret for the new token".into());
    };
    let mut out = io::stdout().lock();
    writeln!(out, "{}", secret.expose_secret())
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write the secret to stdout: {e}"))
}

/// `active`, `inactive`, or whatever else the server said.
fn status_word(status: Option<&TokenStatus>) -> String {
    match status {
        Some(status) => clean(status.as_str()),
        None => "of unknown status".into(),
    }
}

fn or_dash(value: Option<&str>) -> String {
    match value {
        Some(value) if !value.is_empty() => clean(value),
        _ => "-".into(),
    }
}

fn join(items: &[String], separator: &str) -> Option<String> {
    (!items.is_empty()).then(|| items.join(separator))
}

/// Text from the server or the command line, with control characters
/// escaped so that it stays on its line and cannot drive the terminal.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A message on stderr. A failure to write it is ignored: there is nowhere
/// left to report it.
fn note(message: &str) {
    let _ = writeln!(io::stderr().lock(), "{message}");
}
