//! `rotate`: replace a token with a new one with the same settings, then
//! disable (or delete) the old one, saying what exists if a step fails.

use losant_rest::Error;
use losant_rest::schema::{ApiToken, ApiTokenPatch, ApiTokenPost, TokenStatus};
use serde_json::{Value, json};

use crate::args::RotateArgs;
use crate::commands::{Ctx, has_passed};
use crate::report::{
    Failure, clean, describe, may_have_reached, note, print_json, print_secret, secret_of,
    status_word, token_json,
};

pub fn rotate(ctx: &Ctx, args: &RotateArgs) -> Result<(), Failure> {
    // 1. Read the old token. A malformed ID is a usage error, as elsewhere.
    let old = ctx.client.send(ctx.get(&args.id)).map_err(|e| match e {
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
    let new = ctx
        .client
        .send(ctx.create(replacement(&old)))
        .map_err(|e| {
            let state = if may_have_reached(&e) {
                format!(
                    "a new token named {name:?} may have been created anyway: look for it \
                     with `{}` and delete it if it is there; the old token {old_id} is \
                     unchanged and still {old_state}",
                    ctx.advice(&format!("list --filter '{name}'"))
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
    let lost = |reason: String| Failure::Partial {
        error: reason,
        state: format!(
            "the new token {} exists and is {}, but its secret is lost: delete it with \
             `{}`; the old token {old_id} is unchanged and still {old_state}",
            new.id,
            status_word(new.status.as_ref()),
            ctx.advice(&format!("delete {}", new.id))
        ),
    };

    if ctx.json {
        // One document, once the old token is handled: the secret goes out
        // whether or not that step worked.
        let secret = secret_of(&new).map_err(lost)?;
        let retired = retire(ctx, &old, &new, args.delete_old);
        let (old_json, action) = match &retired {
            Ok((action, Some(updated))) => (token_json(updated), json!(action)),
            Ok((action, None)) => (token_json(&old), json!(action)),
            Err(_) => (token_json(&old), Value::Null),
        };
        let document = json!({
            "secret": secret,
            "new": token_json(&new),
            "old": old_json,
            "oldAction": action,
        });
        if let Err(e) = print_json(&document) {
            // The old token was handled already: say how it stands.
            let old_part = match &retired {
                Ok(("disabled", _)) => format!(
                    "the old token {old_id} was disabled: enable it again with `{}`",
                    ctx.advice(&format!("enable {old_id}"))
                ),
                Ok((action, _)) => format!("the old token {old_id} was {action}"),
                Err(_) => format!(
                    "retiring the old token {old_id} failed too: check it with `{}`",
                    ctx.advice(&format!("get {old_id}"))
                ),
            };
            return Err(Failure::Partial {
                error: format!("cannot write the secret to stdout: {e}"),
                state: format!(
                    "the new token {} exists and is {}, but its secret is lost: delete it \
                     with `{}`; {old_part}",
                    new.id,
                    status_word(new.status.as_ref()),
                    ctx.advice(&format!("delete {}", new.id))
                ),
            });
        }
        note(&format!("created token {} ({name}){}", new.id, ctx.whose()));
        return retired.map(|(action, _)| announce(ctx, &old, &new, action));
    }

    // 3. Hand over the secret before touching the old token.
    print_secret(&new).map_err(lost)?;
    note(&format!("created token {} ({name}){}", new.id, ctx.whose()));

    // 4. Retire the old token.
    let (action, _) = retire(ctx, &old, &new, args.delete_old)?;
    announce(ctx, &old, &new, action);
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

/// The body that creates a copy of `old`: the same name, description,
/// scopes, default role and organization roles, and the same expiry unless
/// it has passed (said on stderr).
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
        if has_passed(expires) == Some(true) {
            note(&format!(
                "the old token expired on {}: the new token gets no expiration date",
                clean(expires)
            ));
        } else {
            // A future date, or one this tool cannot read: Losant judges it.
            body = body.expiration_date(expires.clone());
        }
    }
    body
}

/// Disables the old token, or deletes it, once `new` replaces it: gives
/// what was done (`disabled` or `deleted`) and the old token as updated, if
/// Losant sent it. On failure, says which tokens exist and are active.
fn retire(
    ctx: &Ctx,
    old: &ApiToken,
    new: &ApiToken,
    delete_old: bool,
) -> Result<(&'static str, Option<ApiToken>), Failure> {
    let (old_id, new_id) = (&old.id, &new.id);
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
    let (error, unsure) = match retired {
        Ok(done) => return Ok(done),
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
        state: format!(
            "the new token {new_id} exists and is {}; {old_part}",
            status_word(new.status.as_ref())
        ),
    })
}
