//! A walk through every API token action, and an application's tokens.
//!
//! ```text
//! cargo run --example tour                 # offline, against the built-in fake server
//! LOSANT_API_TOKEN=… cargo run --example tour           # the real API, read-only
//! LOSANT_API_TOKEN=… cargo run --example tour -- --write   # the real API, create/patch/delete too
//! ```
//!
//! Against the real API it lists only, unless `--write` is given; a token it
//! creates is always deleted again, even when a later step fails. Set
//! `LOSANT_APPLICATION_ID` to list one of your applications' tokens too. It
//! ends with an audit: every token of every owner the access token reaches.

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use losant_rest::fake::{FakeLosant, Owner};
use losant_rest::owners::AllTokens;
use losant_rest::schema::{ApiTokenPatch, ApiTokenPost, SortDirection, SortField, TokenStatus};
use losant_rest::tokens::{CreateToken, DeleteToken, GetToken, ListTokens, UpdateToken};
use losant_rest::{Client, Result};

fn main() -> ExitCode {
    let write = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--write") => true,
        Some("-h" | "--help") => {
            println!("usage: tour [--write]   (set LOSANT_API_TOKEN to use the real API)");
            return ExitCode::SUCCESS;
        }
        Some(other) => {
            eprintln!("error: unknown argument {other:?} (try --help)");
            return ExitCode::from(2);
        }
    };
    // Keep the fake alive for the whole tour when there is one.
    let mut application = std::env::var("LOSANT_APPLICATION_ID")
        .ok()
        .filter(|id| !id.is_empty());
    let (client, fake, write) = match std::env::var("LOSANT_API_TOKEN") {
        Ok(token) if !token.is_empty() => match Client::from_env() {
            Ok(client) => {
                println!("Using the real Losant API at {}.", client.base_url());
                if !write {
                    println!("Read-only: pass --write to create, change and delete a token too.");
                }
                (client, None, write)
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        _ => {
            let fake = FakeLosant::start();
            fake.seed(245);
            let app = application.get_or_insert_with(|| fake.add_application("greenhouse"));
            fake.seed_for(&Owner::application(app.as_str()), 12);
            // More owners for the audit at the end.
            let warehouse = fake.add_application("warehouse");
            fake.seed_for(&Owner::application(warehouse), 4);
            let edge = fake.add_instance("edge gateway");
            fake.seed_for(&Owner::instance(edge), 3);
            println!("LOSANT_API_TOKEN is not set, so this tour runs offline against the");
            println!(
                "built-in fake Losant server at {}, seeded with 245 tokens.",
                fake.url()
            );
            let client = Client::builder()
                .access_token(fake.access_token())
                .base_url(fake.url())
                .build()
                .expect("the fake's URL is valid");
            (client, Some(fake), true)
        }
    };
    match tour(&client, write)
        .and_then(|()| match &application {
            Some(app) => application_tokens(&client, app),
            None => Ok(()),
        })
        .and_then(|()| audit(&client))
    {
        Ok(()) => {
            if let Some(fake) = fake {
                println!(
                    "\nThe fake server saw {} requests. Done.",
                    fake.request_count()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn tour(client: &Client, write: bool) -> Result<()> {
    println!("\n1. List: the five newest tokens (GET /me/tokens)");
    let page = client.send(
        ListTokens::new()
            .sort_field(SortField::CreationDate)
            .sort_direction(SortDirection::Desc)
            .per_page(5),
    )?;
    println!(
        "   {} tokens in all; this page:",
        page.total_count.unwrap_or(0)
    );
    for token in &page.items {
        println!(
            "   {}  {:<24} {}",
            token.id,
            token.name,
            status(token.status.as_ref())
        );
    }

    println!("\n2. Paginate: every token, 100 per page, one page in memory at a time");
    let (mut count, mut active) = (0, 0);
    for token in client.paginate(ListTokens::new().per_page(100)) {
        let token = token?;
        count += 1;
        active += usize::from(token.status == Some(TokenStatus::Active));
    }
    println!("   walked {count} tokens, {active} of them active");

    if !write {
        return Ok(());
    }

    println!("\n3. Create (POST /me/tokens): the only answer that carries the secret");
    let created = client.send(CreateToken::new(
        ApiTokenPost::new("losant-rest tour")
            .description("created by the losant-rest tour; safe to delete")
            .scope(["all.User.read"]),
    ))?;
    // Whatever happens next, the token is deleted again.
    let result = with_token(client, &created);
    println!("\n6. Delete (DELETE /me/tokens/{})", created.id);
    let deleted = client.send(DeleteToken::new(&created.id));
    match (&result, deleted) {
        (_, Ok(ok)) => println!("   success: {}", ok.success),
        (Ok(()), Err(e)) => return Err(e),
        (Err(_), Err(e)) => eprintln!("   could not delete {}: {e}", created.id),
    }
    if result.is_ok() {
        match client.send(GetToken::new(&created.id)) {
            Err(e) if e.status() == Some(404) => println!("   reading it again: {e}"),
            Err(e) => return Err(e),
            Ok(_) => println!("   the token is still there?"),
        }
    }
    result
}

fn application_tokens(client: &Client, app: &str) -> Result<()> {
    println!("\n7. An application's tokens (GET /applications/{app}/tokens)");
    println!("   the same requests, with .application(id); here, every page of them");
    let mut names = Vec::new();
    for token in client.paginate(ListTokens::new().application(app).per_page(5)) {
        names.push(token?.name);
    }
    println!("   {} tokens: {}", names.len(), names.join(", "));
    Ok(())
}

fn with_token(client: &Client, created: &losant_rest::schema::ApiToken) -> Result<()> {
    let secret = created.token.as_ref();
    println!("   created {} ({})", created.id, created.name);
    println!(
        "   secret: present, {} characters; printed as {:?} and {}",
        secret.map_or(0, |s| s.expose_secret().len()),
        secret,
        secret.map_or_else(|| "-".to_owned(), ToString::to_string)
    );

    println!("\n4. Get (GET /me/tokens/{})", created.id);
    let fetched = client.send(GetToken::new(&created.id))?;
    println!(
        "   {} is {}; the secret is {}",
        fetched.name,
        status(fetched.status.as_ref()),
        if fetched.token.is_some() {
            "here again?!"
        } else {
            "gone: a read never carries it"
        }
    );

    println!("\n5. Disable (PATCH /me/tokens/{})", created.id);
    let off = client.send(UpdateToken::new(
        &created.id,
        ApiTokenPatch::new().status(TokenStatus::Inactive),
    ))?;
    println!(
        "   now {}, last updated {}",
        status(off.status.as_ref()),
        off.last_updated.as_deref().unwrap_or("-")
    );
    Ok(())
}

/// Every token of every owner, read 8 owners at a time, and what a security
/// review asks about them.
fn audit(client: &Client) -> Result<()> {
    println!("\n8. An audit: every token of every owner (client.all_tokens)");
    let inventory = client.all_tokens(&AllTokens::new())?;
    println!(
        "   {} tokens of {} owners:",
        inventory.tokens.len(),
        inventory.owners.len()
    );
    for owner in &inventory.owners {
        let kind = match owner.owner {
            Owner::Me => "user",
            Owner::Application(_) => "application",
            Owner::Instance(_) => "instance",
            _ => "owner",
        };
        println!(
            "   {kind:<12} {:<20} {:>4} tokens",
            owner.name.as_deref().unwrap_or("-"),
            owner.token_count
        );
    }
    let now = SystemTime::now();
    let month = Duration::from_secs(30 * 86_400);
    let count = |f: &dyn Fn(&losant_rest::schema::ApiToken) -> bool| {
        inventory.tokens.iter().filter(|t| f(&t.token)).count()
    };
    let never = count(&|t| t.expires_at().is_none());
    let expired = count(&|t| t.is_expired_at(now));
    let soon = count(&|t| t.expires_within(month, now));
    let broad = count(&|t| {
        t.scope.iter().any(|s| {
            s.strip_prefix("all.")
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('.'))
        })
    });
    let inactive = count(&|t| t.status == Some(TokenStatus::Inactive));
    println!("   findings: {never} never expire, {expired} expired, {soon} expire within 30 days,");
    println!("             {broad} have a full-access scope (all.<Thing>), {inactive} inactive");
    if let Some(t) = inventory
        .tokens
        .iter()
        .find(|t| t.token.expires_within(month, now))
    {
        println!(
            "   e.g. {} of {} expires {}",
            t.token.name,
            t.owner_name.as_deref().unwrap_or("?"),
            t.token.expiration_date.as_deref().unwrap_or("-")
        );
    }
    for e in &inventory.errors {
        println!("   could not read {}: {}", e.what, e.error);
    }
    Ok(())
}

fn status(status: Option<&TokenStatus>) -> &str {
    status.map_or("-", TokenStatus::as_str)
}
