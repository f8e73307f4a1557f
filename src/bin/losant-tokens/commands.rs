//! The commands but `rotate`: list, create, get, enable, disable, rename and
//! delete, for whichever owner the command line names.

use std::io::{self, Write};
use std::time::{Duration, SystemTime};

use losant_rest::Client;
use losant_rest::schema::{ApiTokenPatch, ApiTokenPost, FilterField, TokenStatus};
use losant_rest::tokens::{
    CreateToken, DeleteToken, GetToken, ListTokens, Owner, SortDirection, UpdateToken,
};
use serde_json::json;

use crate::cli::{CreateArgs, ListArgs, PROGRAM, RenameArgs, Status};
use crate::date;
use crate::report::{
    Failure, clean, created_json, describe, key_values, may_have_reached, note, print_json,
    print_secret, secret_of, status_word, token_json, write_table,
};

/// The page size `list` asks for: Losant's largest.
const PAGE_SIZE: u32 = 1000;

const SECONDS_PER_DAY: u64 = 86_400;

/// What every command works with: the client, whose tokens, and whether to
/// print JSON.
pub struct Ctx {
    pub client: Client,
    pub owner: Owner,
    pub json: bool,
}

impl Ctx {
    /// A command line to suggest, for the same owner:
    /// `losant-tokens disable ID --application APP`.
    pub fn advice(&self, args: &str) -> String {
        match &self.owner {
            Owner::Application(id) => format!("{PROGRAM} {args} --application {}", clean(id)),
            Owner::Instance(id) => format!("{PROGRAM} {args} --instance {}", clean(id)),
            _ => format!("{PROGRAM} {args}"),
        }
    }

    /// The command that lists the tokens named `name` (already `clean`),
    /// newest first, the name quoted for a POSIX shell so that the advice
    /// works as pasted whatever the name holds (`'`, `$`, spaces).
    pub fn find_named(&self, name: &str) -> String {
        let quoted = format!("'{}'", name.replace('\'', r"'\''"));
        self.advice(&format!(
            "list --filter {quoted} --sort creationDate --desc"
        ))
    }

    /// ` for application ID`, ` for instance ID`, or nothing for the user.
    pub fn whose(&self) -> String {
        match &self.owner {
            Owner::Application(id) => format!(" for application {}", clean(id)),
            Owner::Instance(id) => format!(" for instance {}", clean(id)),
            _ => String::new(),
        }
    }

    pub fn get(&self, id: &str) -> GetToken {
        GetToken::new(id).owner(self.owner.clone())
    }

    pub fn create(&self, body: ApiTokenPost) -> CreateToken {
        CreateToken::new(body).owner(self.owner.clone())
    }

    pub fn update(&self, id: &str, body: ApiTokenPatch) -> UpdateToken {
        UpdateToken::new(id, body).owner(self.owner.clone())
    }

    pub fn delete(&self, id: &str) -> DeleteToken {
        DeleteToken::new(id).owner(self.owner.clone())
    }
}

pub fn list(ctx: &Ctx, args: &ListArgs) -> Result<(), Failure> {
    // The table and the JSON need no links: leave them out of every page.
    let mut request = ListTokens::new()
        .owner(ctx.owner.clone())
        .per_page(PAGE_SIZE)
        .links(false)
        .sort_field(args.sort.field());
    if args.desc {
        request = request.sort_direction(SortDirection::Desc);
    }
    let status = args.status.map(Status::token_status);
    // The API filters on one field: the name when a glob is given, else the
    // status. The status is checked here as well, which covers both cases.
    match (&args.filter, &status) {
        (Some(glob), _) => request = request.filter_field(FilterField::Name).filter(glob),
        (None, Some(status)) => {
            request = request
                .filter_field(FilterField::Status)
                .filter(status.as_str());
        }
        (None, None) => {}
    }
    let now = SystemTime::now();
    let window = args
        .expiring_within
        .map(|days| Duration::from_secs(u64::from(days) * SECONDS_PER_DAY));
    let mut tokens = Vec::new();
    for token in ctx.client.paginate(request) {
        let token = token?;
        let status_ok = status
            .as_ref()
            .is_none_or(|wanted| token.status.as_ref() == Some(wanted));
        if !status_ok {
            continue;
        }
        let Some(window) = window else {
            tokens.push(token);
            continue;
        };
        // Tokens that never expire are left out, and so are expired ones
        // unless asked for.
        let keep = match (token.expiration_date.as_deref(), token.expires_at()) {
            (None, _) => false,
            (Some(text), None) => {
                note(&format!(
                    "note: left out token {} ({}): cannot read its expirationDate {}",
                    token.id,
                    clean(&token.name),
                    clean(text)
                ));
                false
            }
            (Some(_), Some(_)) if token.is_expired_at(now) => args.include_expired,
            (Some(_), Some(_)) => token.expires_within(window, now),
        };
        if keep {
            tokens.push(token);
        }
    }
    if ctx.json {
        print_json(&tokens)?;
        return Ok(());
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    write_table(&mut out, &tokens, |token| token.is_expired_at(now))?;
    out.flush()?;
    Ok(())
}

pub fn create(ctx: &Ctx, args: CreateArgs) -> Result<(), Failure> {
    let started = SystemTime::now();
    let name = clean(&args.name);
    let mut body = ApiTokenPost::new(args.name);
    if !args.scope.is_empty() {
        body = body.scope(args.scope);
    }
    if let Some(description) = args.description {
        body = body.description(description);
    }
    // Read and checked (a date in the future) before anything is sent.
    if let Some(when) = args.expiry.when() {
        body = body.expiration_date(date::format(when));
    }
    let token = ctx.client.send(ctx.create(body)).map_err(|e| {
        if may_have_reached(&e) {
            Failure::Partial {
                error: describe(&e),
                state: format!(
                    "a token named {name:?} may have been created anyway, and nobody has \
                     its secret: look for one made since {started} with `{}`, and delete it \
                     with `{}`",
                    ctx.find_named(&name),
                    ctx.advice("delete ID"),
                    started = date::format(started),
                ),
            }
        } else {
            Failure::Call(e)
        }
    })?;
    let printed = if ctx.json {
        secret_of(&token).and_then(|secret| {
            print_json(&created_json(&token, secret))
                .map_err(|e| format!("cannot write the secret to stdout: {e}"))
        })
    } else {
        print_secret(&token)
    };
    if let Err(reason) = printed {
        return Err(Failure::Partial {
            error: reason,
            state: format!(
                "the token {} exists and is {}, but its secret is lost: delete it with `{}`",
                token.id,
                status_word(token.status.as_ref()),
                ctx.advice(&format!("delete {}", token.id))
            ),
        });
    }
    note(&format!(
        "created token {} ({}){}",
        token.id,
        clean(&token.name),
        ctx.whose()
    ));
    Ok(())
}

pub fn get(ctx: &Ctx, id: &str) -> Result<(), Failure> {
    let token = ctx.client.send(ctx.get(id))?;
    if ctx.json {
        print_json(&token_json(&token))?;
    } else {
        let mut out = io::stdout().lock();
        out.write_all(key_values(&token).as_bytes())?;
        out.flush()?;
    }
    Ok(())
}

pub fn set_status(ctx: &Ctx, id: &str, status: TokenStatus) -> Result<(), Failure> {
    let token = ctx
        .client
        .send(ctx.update(id, ApiTokenPatch::new().status(status)))?;
    if ctx.json {
        print_json(&token_json(&token))?;
    }
    note(&format!(
        "token {} ({}){} is now {}",
        token.id,
        clean(&token.name),
        ctx.whose(),
        status_word(token.status.as_ref())
    ));
    Ok(())
}

pub fn rename(ctx: &Ctx, args: RenameArgs) -> Result<(), Failure> {
    let token = ctx
        .client
        .send(ctx.update(&args.id, ApiTokenPatch::new().name(args.name)))?;
    if ctx.json {
        print_json(&token_json(&token))?;
    }
    note(&format!(
        "renamed token {}{} to {}",
        token.id,
        ctx.whose(),
        clean(&token.name)
    ));
    Ok(())
}

pub fn delete(ctx: &Ctx, id: &str) -> Result<(), Failure> {
    let done = ctx.client.send(ctx.delete(id))?;
    if !done.success {
        return Err(Failure::Partial {
            error: "Losant did not confirm the delete".into(),
            state: format!(
                "the token {id} may still exist: check with `{}`",
                ctx.advice(&format!("get {id}"))
            ),
        });
    }
    if ctx.json {
        print_json(&json!({ "id": id, "success": true }))?;
    }
    note(&format!("deleted token {id}{}", ctx.whose()));
    Ok(())
}
