//! `rotate`: replace a token with a new one, hand the new secret over (to a
//! deploy command, or stdout), and only then retire the old one.
//!
//! Every replacement's description ends with
//! `(rotated from <old ID>, run <nonce>)` (see mark.rs). That mark is what
//! makes a rotate safe to run again after an interruption (see
//! `ROTATE_HELP` in cli.rs for what a re-run does at each point): the
//! earlier replacements are found, and after a lost create answer the token
//! this run made is the one carrying its nonce.

use std::collections::HashSet;
use std::time::SystemTime;

use losant_rest::Error;
use losant_rest::schema::{ApiToken, ApiTokenPatch, ApiTokenPost, FilterField, TokenStatus};
use losant_rest::tokens::ListTokens;
use serde_json::{Value, json};

use crate::cli::RotateArgs;
use crate::commands::Ctx;
use crate::date;
use crate::deploy;
use crate::mark::{self, is_successor, made_by, mark, unmarked};
use crate::report::{
    Failure, clean, describe, may_have_reached, note, print_json, print_secret, secret_of,
    status_word, token_json,
};

pub fn rotate(ctx: &Ctx, args: &RotateArgs) -> Result<(), Failure> {
    let started = SystemTime::now();
    // What this run creates carries this nonce, and nothing else does.
    let run = mark::new_run();
    // 1. Read the old token. A malformed ID is a usage error, as elsewhere.
    let old = ctx.client.send(ctx.get(&args.id)).map_err(|e| match e {
        Error::InvalidRequest(_) | Error::Config(_) => Failure::Call(e),
        e => {
            let gone = if e.is_not_found() {
                " (if an earlier `rotate --delete-old` of it finished, its replacement \
                 is the token whose description ends with `(rotated from ID, run …)`)"
            } else {
                ""
            };
            Failure::Partial {
                error: describe(&e),
                state: format!(
                    "nothing was changed: no new token was created and the token {} was \
                     not touched{gone}",
                    clean(&args.id)
                ),
            }
        }
    })?;
    let old_state = status_word(old.status.as_ref());
    let unchanged = format!(
        "the old token {} is unchanged and still {old_state}",
        old.id
    );

    // 2. The new token's expiry: asked for, or none when the old had none.
    let expiry = plan_expiry(&old, args, started)?;

    // 3. What earlier runs left: tokens of that name, and which of them
    //    were rotated from this one. 4. Already done: say so.
    let (known, earlier) = match earlier_runs(ctx, &old, args.delete_old, &unchanged)? {
        Earlier::Done => return Ok(()),
        Earlier::Left { known, earlier } => (known, earlier),
    };

    // 5. Create the replacement.
    let name = clean(&old.name);
    let new = match ctx.client.send(ctx.create(replacement(&old, &run, expiry))) {
        Ok(new) => new,
        Err(e @ Error::InvalidRequest(_)) => return Err(Failure::Call(e)),
        Err(e) if may_have_reached(&e) => {
            let cleanup = clean_up_lost(ctx, &old, &known, &run);
            return Err(Failure::Partial {
                error: describe(&e),
                state: format!("{cleanup}; {unchanged}"),
            });
        }
        Err(e) => {
            return Err(Failure::Partial {
                error: describe(&e),
                state: format!("no new token was created; {unchanged}"),
            });
        }
    };
    note(&format!("created token {} ({name}){}", new.id, ctx.whose()));

    // 6. Hand the secret over before touching anything else.
    let secret = match secret_of(&new) {
        Ok(secret) => secret,
        Err(reason) => return Err(discard(ctx, &new, reason, &unchanged)),
    };
    if let Some(command) = &args.exec {
        note(&format!(
            "running the deploy command with the new secret on its stdin: {}",
            clean(command)
        ));
        if let Err(reason) = deploy::run(command, secret, &new.id, &old.id) {
            return Err(discard(ctx, &new, reason, &unchanged));
        }
    } else if !ctx.json {
        if let Err(reason) = print_secret(&new) {
            return Err(discard(ctx, &new, reason, &unchanged));
        }
    }

    // 7. Retire: first what earlier runs left, then the old token.
    let retired = retire(ctx, &old, &new, &earlier, args.delete_old);
    if ctx.json {
        let handed = if args.exec.is_some() {
            None
        } else {
            Some(secret)
        };
        print_rotated(ctx, &old, &new, &earlier, &retired, handed)?;
    }
    let (action, _) = retired?;
    announce(ctx, &old, &new, action);
    Ok(())
}

/// What earlier rotates of the same token left.
enum Earlier {
    /// The rotation was finished already (and is reported).
    Done,
    /// `known`: the IDs of every token with the old token's name;
    /// `earlier`: those rotated from it.
    Left {
        known: HashSet<String>,
        earlier: Vec<ApiToken>,
    },
}

fn earlier_runs(
    ctx: &Ctx,
    old: &ApiToken,
    delete_old: bool,
    unchanged: &str,
) -> Result<Earlier, Failure> {
    let same_name = same_name(ctx, &old.name).map_err(|e| Failure::Partial {
        error: describe(&e),
        state: format!("nothing was changed: no new token was created; {unchanged}"),
    })?;
    let known: HashSet<String> = same_name
        .iter()
        .map(|t| t.id.to_ascii_lowercase())
        .collect();
    let earlier: Vec<ApiToken> = same_name
        .into_iter()
        .filter(|t| t.id != old.id && is_successor(t, &old.id))
        .collect();
    // Already done: the old token is off and one replacement is on.
    if old.status == Some(TokenStatus::Inactive) {
        let active: Vec<&ApiToken> = earlier
            .iter()
            .filter(|t| t.status == Some(TokenStatus::Active))
            .collect();
        match active.as_slice() {
            [] => {}
            [done] => {
                already_rotated(ctx, old, done, delete_old)?;
                return Ok(Earlier::Done);
            }
            several => {
                let ids: Vec<&str> = several.iter().map(|t| t.id.as_str()).collect();
                return Err(Failure::Partial {
                    error: format!(
                        "{} active tokens were rotated from {}: {}",
                        ids.len(),
                        old.id,
                        ids.join(", ")
                    ),
                    state: format!(
                        "nothing was changed; keep the one in use and delete the others with \
                         `{}`",
                        ctx.advice("delete ID")
                    ),
                });
            }
        }
    }
    Ok(Earlier::Left { known, earlier })
}

/// The rotate's one JSON document, once the old token is handled: the
/// secret (unless a deploy command has it) goes out whether or not that
/// step worked.
fn print_rotated(
    ctx: &Ctx,
    old: &ApiToken,
    new: &ApiToken,
    earlier: &[ApiToken],
    retired: &Result<(&'static str, Option<ApiToken>), Failure>,
    secret: Option<&str>,
) -> Result<(), Failure> {
    let (old_json, action) = match retired {
        Ok((action, Some(updated))) => (token_json(updated), json!(action)),
        Ok((action, None)) => (token_json(old), json!(action)),
        Err(_) => (token_json(old), Value::Null),
    };
    let replaced: Vec<&str> = earlier.iter().map(|t| t.id.as_str()).collect();
    let mut document = json!({
        "new": token_json(new),
        "old": old_json,
        "oldAction": action,
        "replaced": if retired.is_ok() { json!(replaced) } else { Value::Null },
    });
    if let Some(secret) = secret {
        document["secret"] = json!(secret);
    }
    print_json(&document).map_err(|e| json_lost(ctx, old, new, retired, secret.is_none(), &e))
}

/// The new token's expiry. Never none for a token that had one unless
/// asked; never a guess (its date, or its remaining lifetime).
fn plan_expiry(
    old: &ApiToken,
    args: &RotateArgs,
    now: SystemTime,
) -> Result<Option<SystemTime>, Failure> {
    if args.no_expiry {
        return Ok(None);
    }
    if let Some(when) = args.expiry.when() {
        return Ok(Some(when));
    }
    let Some(text) = &old.expiration_date else {
        return Ok(None);
    };
    let ask = "give --expires DATE, --expires-in DAYS or --no-expiry; nothing was changed";
    let why = match date::parse(text) {
        Some(at) if at <= now => format!(
            "the token {} expired on {}: say when its replacement expires",
            old.id,
            clean(text)
        ),
        _ => format!(
            "the token {} expires on {}: copying that date, or the time it has left, to \
             its replacement would be a guess",
            old.id,
            clean(text)
        ),
    };
    Err(Failure::Usage(format!("{why}; {ask}")))
}

/// Every token of the owner named exactly `name` (Losant's filter is a
/// case-insensitive glob, so the answer is checked here).
fn same_name(ctx: &Ctx, name: &str) -> Result<Vec<ApiToken>, Error> {
    let request = ListTokens::new()
        .owner(ctx.owner.clone())
        .filter_field(FilterField::Name)
        .filter(name)
        .per_page(1000)
        .links(false);
    let mut out = Vec::new();
    for token in ctx.client.paginate(request) {
        let token = token?;
        if token.name == name {
            out.push(token);
        }
    }
    Ok(out)
}

/// The body that creates a replacement for `old`: the same name, scopes,
/// default role and organization roles, its description marked as made
/// by the run `run` (in place of the old token's own mark), and `expiry`.
fn replacement(old: &ApiToken, run: &str, expiry: Option<SystemTime>) -> ApiTokenPost {
    let base = old.description.as_deref().map_or("", unmarked);
    let description = if base.is_empty() {
        mark(&old.id, run)
    } else {
        format!("{base} {}", mark(&old.id, run))
    };
    let mut body = ApiTokenPost::new(old.name.clone()).description(description);
    if !old.scope.is_empty() {
        body = body.scope(old.scope.clone());
    }
    if let Some(role) = &old.default_role {
        body = body.default_role(role.clone());
    }
    if !old.org_roles.is_empty() {
        body = body.org_roles(old.org_roles.clone());
    }
    if let Some(when) = expiry {
        body = body.expiration_date(date::format(when));
    }
    body
}

/// After a create whose answer was lost: finds the token it may have made
/// (same name, carrying this run's mark) and deletes it. The tokens that
/// another run marked as rotated from `old` and that were unknown before are
/// named and left alone. Says what it found and did.
fn clean_up_lost(ctx: &Ctx, old: &ApiToken, known: &HashSet<String>, run: &str) -> String {
    let name = clean(&old.name);
    let ours = mark(&old.id, run);
    let how_to_find = format!(
        "find it with `{}` (its description ends with `{ours}`) and delete it with `{}`",
        ctx.find_named(&name),
        ctx.advice("delete ID")
    );
    let found = match same_name(ctx, &old.name) {
        Ok(found) => found,
        Err(e) => {
            return format!(
                "a new token named {name:?} may have been created, and nobody has its \
                 secret; looking for it failed too ({}): {how_to_find}",
                describe(&e)
            );
        }
    };
    let (lost, others) = lost_tokens(found, known, &old.id, run);
    let mut parts = Vec::new();
    if lost.is_empty() {
        // What was checked, not a certainty: Losant may still carry the
        // create out after this lookup.
        parts.push(format!(
            "no token carrying this run's mark `{ours}` was found, so none was deleted (one \
             that Losant makes later is deleted by the next rotate of {})",
            old.id
        ));
    }
    let mut deleted = Vec::new();
    let mut left = Vec::new();
    for token in &lost {
        match ctx.client.send(ctx.delete(&token.id)) {
            Ok(done) if done.success => deleted.push(token.id.clone()),
            Ok(_) => left.push(format!("{} (Losant did not confirm the delete)", token.id)),
            Err(e) => left.push(format!("{} ({})", token.id, describe(&e))),
        }
    }
    if !deleted.is_empty() {
        parts.push(format!(
            "the new token {} was created although its answer was lost, and has been \
             deleted (nobody had its secret)",
            deleted.join(", ")
        ));
    }
    if !left.is_empty() {
        parts.push(format!(
            "the new token {} was created although its answer was lost, nobody has its \
             secret, and it could not be deleted: delete it with `{}`",
            left.join(", "),
            ctx.advice("delete ID")
        ));
    }
    if !others.is_empty() {
        // Another rotate of the same token may be deploying one of them now.
        let ids: Vec<&str> = others.iter().map(|t| t.id.as_str()).collect();
        parts.push(format!(
            "left alone: {} (named {name:?} and rotated from {}, but not by this run; \
             another rotate of {} may be using it)",
            ids.join(", "),
            old.id,
            old.id
        ));
    }
    parts.join("; ")
}

/// Sorts the tokens a lookup after a lost create answer found that were
/// unknown before the create and are marked as rotated from `old_id`: those
/// carrying the run `run`'s mark, to delete (this run's create, carried out
/// although its answer was lost: nobody has their secret), and the others,
/// only reported (made by another run, such as another rotate of the same
/// token running now, or marked by hand without a run). Dates play no
/// part: Losant's clock may be anywhere.
fn lost_tokens(
    found: Vec<ApiToken>,
    known: &HashSet<String>,
    old_id: &str,
    run: &str,
) -> (Vec<ApiToken>, Vec<ApiToken>) {
    found
        .into_iter()
        .filter(|t| !known.contains(&t.id.to_ascii_lowercase()) && is_successor(t, old_id))
        .partition(|t| made_by(t, old_id, run))
}

/// The new token cannot be used (its secret was not handed over): deletes
/// it, and says how things stand.
fn discard(ctx: &Ctx, new: &ApiToken, reason: String, unchanged: &str) -> Failure {
    let new_part = match ctx.client.send(ctx.delete(&new.id)) {
        Ok(done) if done.success => format!("the new token {} was deleted", new.id),
        outcome => {
            let why = match outcome {
                Err(e) => describe(&e),
                Ok(_) => "Losant did not confirm the delete".into(),
            };
            format!(
                "the new token {} exists and is {}, but deleting it failed ({why}): \
                 delete it with `{}`",
                new.id,
                status_word(new.status.as_ref()),
                ctx.advice(&format!("delete {}", new.id))
            )
        }
    };
    Failure::Partial {
        error: reason,
        state: format!("{new_part}; {unchanged}"),
    }
}

fn already_rotated(
    ctx: &Ctx,
    old: &ApiToken,
    done: &ApiToken,
    delete_old: bool,
) -> Result<(), Failure> {
    note(&format!(
        "the token {}{} was rotated already: it is inactive, and {} is the active token \
         rotated from it",
        old.id,
        ctx.whose(),
        done.id
    ));
    let action = if delete_old {
        let deleted = ctx.client.send(ctx.delete(&old.id));
        match deleted {
            Ok(ok) if ok.success => "deleted",
            other => {
                let why = match other {
                    Err(e) => describe(&e),
                    Ok(_) => "Losant did not confirm the delete".into(),
                };
                return Err(Failure::Partial {
                    error: why,
                    state: format!(
                        "the token {} is active; the old token {} is inactive and still \
                         exists: delete it with `{}`",
                        done.id,
                        old.id,
                        ctx.advice(&format!("delete {}", old.id))
                    ),
                });
            }
        }
    } else {
        "disabled"
    };
    if ctx.json {
        print_json(&json!({
            "alreadyRotated": true,
            "new": token_json(done),
            "old": token_json(old),
            "oldAction": action,
            "replaced": [],
        }))?;
    }
    if action == "deleted" {
        note(&format!("deleted the old token {}{}", old.id, ctx.whose()));
    }
    Ok(())
}

fn announce(ctx: &Ctx, old: &ApiToken, new: &ApiToken, action: &str) {
    note(&format!(
        "{action} the old token {}{}; {} is now the token {}",
        old.id,
        ctx.whose(),
        clean(&new.name),
        new.id
    ));
}

/// Deletes the replacements earlier runs left, then disables the old token
/// (or deletes it), once `new` has been handed over: gives what was done to
/// the old token (`disabled` or `deleted`) and the old token as updated, if
/// Losant sent it. On failure, says which tokens exist and are active.
fn retire(
    ctx: &Ctx,
    old: &ApiToken,
    new: &ApiToken,
    earlier: &[ApiToken],
    delete_old: bool,
) -> Result<(&'static str, Option<ApiToken>), Failure> {
    let (old_id, new_id) = (&old.id, &new.id);
    let old_state = status_word(old.status.as_ref());
    let new_part = format!(
        "the new token {new_id} exists and is {}",
        status_word(new.status.as_ref())
    );
    for stale in earlier {
        let failed = match ctx.client.send(ctx.delete(&stale.id)) {
            Ok(done) if done.success => None,
            Ok(_) => Some("Losant did not confirm the delete".to_owned()),
            Err(e) => Some(describe(&e)),
        };
        if let Some(error) = failed {
            return Err(Failure::Partial {
                error,
                state: format!(
                    "{new_part}; the token {}, made by an earlier rotate of {old_id}, still \
                     exists; the old token {old_id} is still {old_state}: delete {} with \
                     `{}`, then retire {old_id} with `{}`",
                    stale.id,
                    stale.id,
                    ctx.advice(&format!("delete {}", stale.id)),
                    ctx.advice(&format!(
                        "{} {old_id}",
                        if delete_old { "delete" } else { "disable" }
                    ))
                ),
            });
        }
        note(&format!(
            "deleted the token {}, made by an earlier rotate of {old_id}",
            stale.id
        ));
    }
    let retired = if delete_old {
        ctx.client
            .send(ctx.delete(old_id))
            .map_err(|e| (describe(&e), may_have_reached(&e)))
            .and_then(|done| {
                if done.success {
                    Ok(("deleted", None))
                } else {
                    Err(("Losant did not confirm the delete".to_owned(), true))
                }
            })
    } else {
        let disable = ApiTokenPatch::new().status(TokenStatus::Inactive);
        ctx.client
            .send(ctx.update(old_id, disable))
            .map(|updated| ("disabled", Some(updated)))
            .map_err(|e| (describe(&e), may_have_reached(&e)))
    };
    let (error, mut unsure) = match retired {
        Ok(done) => return Ok(done),
        Err(failed) => failed,
    };
    // The call failed in a way that may have been carried out (a 5xx, a
    // lost answer): read the old token again, which is safe to retry, to
    // say how it stands instead of "may or may not".
    if unsure {
        match ctx.client.send(ctx.get(old_id)) {
            Ok(now) if !delete_old && now.status == Some(TokenStatus::Inactive) => {
                return Ok(("disabled", Some(now)));
            }
            Ok(_) => unsure = false,
            Err(e) if delete_old && e.is_not_found() => return Ok(("deleted", None)),
            Err(_) => {}
        }
    }
    let (verb, command) = if delete_old {
        ("deleted", "delete")
    } else {
        ("disabled", "disable")
    };
    let old_part = if unsure {
        format!(
            "the old token {old_id} may or may not have been {verb}: check with `{}`",
            ctx.advice(&format!("get {old_id}"))
        )
    } else if delete_old {
        format!(
            "the old token {old_id} still exists and is {old_state}: delete it with `{}`",
            ctx.advice(&format!("delete {old_id}"))
        )
    } else {
        format!(
            "the old token {old_id} is still {old_state}: {command} it with `{}`",
            ctx.advice(&format!("{command} {old_id}"))
        )
    };
    Err(Failure::Partial {
        error,
        state: format!("{new_part}; {old_part}"),
    })
}

/// The rotate's JSON document could not be written: how things stand.
/// Without a deploy command nobody has the new secret (its key sorts last,
/// so a reader that went away early never had it): the old token is put
/// back as it was when it was only disabled, and the new one deleted, so
/// that the fleet keeps a token that works.
fn json_lost(
    ctx: &Ctx,
    old: &ApiToken,
    new: &ApiToken,
    retired: &Result<(&'static str, Option<ApiToken>), Failure>,
    deployed: bool,
    e: &std::io::Error,
) -> Failure {
    let old_id = &old.id;
    let error = format!("cannot write the JSON document to stdout: {e}");
    if deployed {
        let old_part = match retired {
            Ok((action, _)) => format!("the old token {old_id} was {action}"),
            Err(_) => format!(
                "retiring the old token {old_id} failed too: check it with `{}`",
                ctx.advice(&format!("get {old_id}"))
            ),
        };
        return Failure::Partial {
            error,
            state: format!(
                "the new token {} exists and is {}, and the deploy command has its secret; \
                 {old_part}",
                new.id,
                status_word(new.status.as_ref())
            ),
        };
    }
    let old_part = match retired {
        Ok(("disabled", _)) => {
            let enable = ApiTokenPatch::new().status(TokenStatus::Active);
            match ctx.client.send(ctx.update(old_id, enable)) {
                Ok(_) => format!("the old token {old_id} was enabled again"),
                Err(e) => format!(
                    "the old token {old_id} was disabled, and enabling it again failed ({}): \
                     enable it with `{}`",
                    describe(&e),
                    ctx.advice(&format!("enable {old_id}"))
                ),
            }
        }
        Ok((action, _)) => format!(
            "the old token {old_id} was {action}, so no token whose secret anyone has is \
             left: get a new secret with `{}`",
            ctx.advice(&format!("rotate {} --exec CMD", new.id))
        ),
        Err(_) => format!(
            "retiring the old token {old_id} failed too: check it with `{}`",
            ctx.advice(&format!("get {old_id}"))
        ),
    };
    let new_part = if matches!(retired, Ok((action, _)) if *action != "disabled") {
        // The only token left: keep it, a rotate can give it a new secret.
        format!(
            "the new token {} exists and is {}, but its secret is lost",
            new.id,
            status_word(new.status.as_ref())
        )
    } else {
        match ctx.client.send(ctx.delete(&new.id)) {
            Ok(done) if done.success => format!(
                "the new token {} was deleted (nobody had its secret)",
                new.id
            ),
            _ => format!(
                "the new token {} exists and is {}, but its secret is lost: delete it with `{}`",
                new.id,
                status_word(new.status.as_ref()),
                ctx.advice(&format!("delete {}", new.id))
            ),
        }
    };
    Failure::Partial {
        error,
        state: format!("{new_part}; {old_part}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "5a0000000000000000000001";
    const RUN: &str = "0123456789abcdef";
    const OTHER_RUN: &str = "fedcba9876543210";

    fn description(old: &ApiToken, run: &str) -> Value {
        serde_json::to_value(replacement(old, run, None)).unwrap()["description"].clone()
    }

    #[test]
    fn one_mark_however_often_a_token_is_rotated() {
        let mut old = ApiToken::default();
        old.id = OLD.into();
        old.description = Some("used by CI".into());
        let first = description(&old, RUN);
        assert_eq!(first, format!("used by CI (rotated from {OLD}, run {RUN})"));

        let mut next = ApiToken::default();
        next.id = "5a0000000000000000000002".into();
        next.description = first.as_str().map(str::to_owned);
        assert!(is_successor(&next, OLD));
        assert!(!is_successor(&next, "5a0000000000000000000003"));
        assert_eq!(
            description(&next, OTHER_RUN),
            format!("used by CI (rotated from 5a0000000000000000000002, run {OTHER_RUN})")
        );

        // The older mark, without a run, is replaced as well.
        next.description = Some(format!("used by CI (rotated from {OLD})"));
        assert_eq!(
            description(&next, RUN),
            format!("used by CI (rotated from 5a0000000000000000000002, run {RUN})")
        );

        old.description = None;
        assert_eq!(
            description(&old, RUN),
            format!("(rotated from {OLD}, run {RUN})")
        );
    }

    fn token(id: &str, description: &str, created: &str) -> ApiToken {
        let mut token = ApiToken::default();
        token.id = id.into();
        token.name = "ci".into();
        token.description = Some(description.into());
        token.creation_date = Some(created.into());
        token
    }

    #[test]
    fn after_a_lost_answer_only_the_token_with_this_runs_mark_is_deleted() {
        let ours = format!("x (rotated from {OLD}, run {RUN})");
        let theirs = format!("x (rotated from {OLD}, run {OTHER_RUN})");
        let found = vec![
            // Ours, dated long before this run began: Losant's clock is
            // behind. The date does not matter.
            token(
                "5a0000000000000000000010",
                &ours,
                "2020-01-01T00:00:00.000Z",
            ),
            // Known before the create: an earlier run's, kept and not named.
            token(
                "5a0000000000000000000011",
                &theirs,
                "2030-01-01T00:00:05.000Z",
            ),
            // Someone else's token of the same name.
            token(
                "5a0000000000000000000012",
                "by hand",
                "2030-01-01T00:00:05.000Z",
            ),
            // Another token's replacement, with our run (cannot happen, but
            // it is not ours to delete).
            token(
                "5a0000000000000000000013",
                &format!("x (rotated from 5a0000000000000000000099, run {RUN})"),
                "2030-01-01T00:00:05.000Z",
            ),
            // Another run's, made "now" by a rotate running at the same
            // time: named, never deleted.
            token(
                "5a0000000000000000000014",
                &theirs,
                "2030-01-01T00:00:05.000Z",
            ),
            // The older mark without a run: nobody's run, never deleted.
            token(
                "5a0000000000000000000015",
                &format!("x (rotated from {OLD})"),
                "2030-01-01T00:00:05.000Z",
            ),
        ];
        let known: HashSet<String> = ["5a0000000000000000000011".to_owned()].into();
        let (lost, others) = lost_tokens(found, &known, OLD, RUN);
        let ids = |v: &[ApiToken]| v.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&lost), ["5a0000000000000000000010"]);
        assert_eq!(
            ids(&others),
            ["5a0000000000000000000014", "5a0000000000000000000015"]
        );

        // Only another run's: nothing to delete.
        let found = vec![token(
            "5a0000000000000000000014",
            &theirs,
            "2030-01-01T00:00:05.000Z",
        )];
        let (lost, others) = lost_tokens(found, &known, OLD, RUN);
        assert!(lost.is_empty());
        assert_eq!(ids(&others), ["5a0000000000000000000014"]);
    }
}
