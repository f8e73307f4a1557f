//! Output and errors: tables, `key: value` lines, JSON, messages on stderr,
//! and the exit status of a failure.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::process::ExitCode;

use losant_rest::Error;
use losant_rest::schema::{ApiToken, OrgRole, TokenStatus};
use serde_json::Value;

/// Why a command failed.
pub enum Failure {
    /// A call failed and nothing needs saying beyond the error.
    Call(Error),
    /// Writing to stdout failed.
    Output(io::Error),
    /// The command line or the configuration cannot be used, or a request
    /// was refused before it was sent: exit status 2.
    Usage(String),
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
    /// Prints the failure on stderr and gives the exit status: 2 for a
    /// request refused before sending or a bad configuration, 1 otherwise.
    pub fn report(self) -> ExitCode {
        match self {
            Failure::Call(e @ (Error::InvalidRequest(_) | Error::Config(_))) => {
                note(&format!("error: {}", describe(&e)));
                ExitCode::from(2)
            }
            Failure::Call(e) => {
                note(&format!("error: {}", describe(&e)));
                ExitCode::from(1)
            }
            // The reader went away (`losant-tokens list | head`): it has all
            // it wanted, as with other tools, so there is nothing to say.
            Failure::Output(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
            Failure::Output(e) => {
                note(&format!("error: cannot write to stdout: {e}"));
                ExitCode::from(1)
            }
            Failure::Usage(message) => {
                note(&format!("error: {message}"));
                ExitCode::from(2)
            }
            Failure::Partial { error, state } => {
                note(&format!("error: {error}\n{state}"));
                ExitCode::from(1)
            }
        }
    }
}

/// An error on one line: `404 NotFound: API Token was not found` for a
/// Losant error, the error's own words otherwise. A 401 also says where the
/// access token came from and which URL refused it (never the token).
pub fn describe(e: &Error) -> String {
    let mut text = match e {
        Error::Api(api) => match &api.kind {
            Some(kind) => format!("{} {}: {}", api.status, clean(kind), clean(&api.message)),
            None => format!("{}: {}", api.status, clean(&api.message)),
        },
        other => clean(&other.to_string()),
    };
    if crate::connect::is_refused(e) {
        if let Some(hint) = crate::connect::refused_hint() {
            text.push_str(" (");
            text.push_str(hint);
            text.push(')');
        }
    }
    text
}

/// Whether a failed create or update may have taken effect anyway: Losant
/// may have carried it out although the call failed (a 5xx, a time-out or a
/// dropped connection after the request went out).
pub fn may_have_reached(e: &Error) -> bool {
    e.may_have_been_applied()
}

/// The secret of a freshly created token, or why there is none.
pub fn secret_of(token: &ApiToken) -> Result<&str, String> {
    token
        .token
        .as_ref()
        .map(losant_rest::schema::SecretToken::expose_secret)
        .ok_or_else(|| "Losant sent no secret for the new token".to_owned())
}

/// Prints a created token's secret on stdout, alone on its line.
pub fn print_secret(token: &ApiToken) -> Result<(), String> {
    let secret = secret_of(token)?;
    let mut out = io::stdout().lock();
    writeln!(out, "{secret}")
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write the secret to stdout: {e}"))
}

/// A token as a JSON object (never with its secret: `ApiToken` does not
/// serialize it).
pub fn token_json(token: &ApiToken) -> Value {
    serde_json::to_value(token).unwrap_or(Value::Null)
}

/// A created token as a JSON object, with its secret under `secret`.
pub fn created_json(token: &ApiToken, secret: &str) -> Value {
    let mut value = token_json(token);
    if let Value::Object(fields) = &mut value {
        fields.insert("secret".into(), Value::String(secret.to_owned()));
    }
    value
}

/// Prints one JSON document on stdout, pretty, with a final newline, and
/// with every object's keys sorted at every depth: the one key order of
/// every command's `--json`, whatever order the types declare their fields.
pub fn print_json(value: &impl serde::Serialize) -> io::Result<()> {
    let value = sorted(serde_json::to_value(value).map_err(io::Error::from)?);
    let mut out = io::BufWriter::new(io::stdout().lock());
    serde_json::to_writer_pretty(&mut out, &value).map_err(io::Error::from)?;
    writeln!(out)?;
    out.flush()
}

/// `value` with every object's keys in sorted order, at every depth. (A map
/// built from sorted pairs keeps that order whether or not `serde_json`
/// preserves insertion order in this build.)
pub fn sorted(value: Value) -> Value {
    match value {
        Value::Object(fields) => {
            let mut pairs: Vec<(String, Value)> =
                fields.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(pairs.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The list table: ID, NAME, STATUS, SCOPE, CREATED, EXPIRES, aligned by
/// display width. `has_expired` says whether a token's expiry has passed;
/// such a token shows `(expired)` after its date.
pub fn write_table(
    out: &mut impl Write,
    tokens: &[ApiToken],
    has_expired: impl Fn(&ApiToken) -> bool,
) -> io::Result<()> {
    let rows: Vec<Vec<String>> = tokens
        .iter()
        .map(|t| {
            let mut expires = or_dash(t.expiration_date.as_deref());
            if has_expired(t) {
                expires.push_str(" (expired)");
            }
            vec![
                clean(&t.id),
                clean(&t.name),
                or_dash(t.status.as_ref().map(TokenStatus::as_str)),
                join(&t.scope, ",").unwrap_or_else(|| "-".into()),
                or_dash(t.creation_date.as_deref()),
                expires,
            ]
        })
        .collect();
    write_aligned(
        out,
        &["ID", "NAME", "STATUS", "SCOPE", "CREATED", "EXPIRES"],
        &rows,
    )
}

/// A header and rows in columns two spaces apart, aligned by the columns
/// the text takes in a terminal; the last column is not padded.
pub fn write_aligned(
    out: &mut impl Write,
    header: &[&str],
    rows: &[Vec<String>],
) -> io::Result<()> {
    let header: Vec<String> = header.iter().map(|h| (*h).to_owned()).collect();
    let mut widths = vec![0; header.len()];
    for row in std::iter::once(&header).chain(rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(crate::width::width(cell));
        }
    }
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(&widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&crate::width::pad(cell, *width));
                line.push_str("  ");
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// A token as `key: value` lines, `-` for what is unset.
pub fn key_values(t: &ApiToken) -> String {
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
        ("applicationId", t.application_id.as_deref()),
        ("instanceId", t.instance_id.as_deref()),
        ("creatorType", creator_type.as_deref()),
        ("creatorId", t.creator_id.as_deref()),
        ("creatorName", t.creator_name.as_deref()),
    ]
    .map(|(key, value)| format!("{key}: {}\n", or_dash(value)));
    fields.concat()
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
    clean(&text)
}

/// `active`, `inactive`, or whatever else the server said.
pub fn status_word(status: Option<&TokenStatus>) -> String {
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
    (!items.is_empty()).then(|| clean(&items.join(separator)))
}

/// Text from the server or the command line, with control characters
/// escaped so that it stays on its line and cannot drive the terminal, and
/// with the bidirectional controls escaped too, so that a name cannot
/// reorder what a table shows after it (a token called
/// `ci\u{202E}evitca` would otherwise print as `ciactive` in an audit).
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || is_bidi_control(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The characters that change the direction of the text after them:
/// the embeddings, overrides and isolates, and the implicit marks.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// A message on stderr. A failure to write it is ignored: there is nowhere
/// left to report it.
pub fn note(message: &str) {
    let _ = writeln!(io::stderr().lock(), "{message}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use losant_rest::schema::SecretToken;

    #[test]
    fn the_secret_is_only_under_its_key() {
        let mut token = ApiToken::default();
        token.id = "575ec7417ae143cd83dc4a95".into();
        token.name = "n".into();
        token.token = Some(SecretToken::new("s3cr3t-value"));
        assert!(!token_json(&token).to_string().contains("s3cr3t-value"));
        assert!(!format!("{token:?}").contains("s3cr3t-value"));
        assert!(!key_values(&token).contains("s3cr3t-value"));
        let created = created_json(&token, secret_of(&token).unwrap());
        assert_eq!(created["secret"], "s3cr3t-value");
        assert_eq!(created["id"], "575ec7417ae143cd83dc4a95");
    }

    #[test]
    fn clean_escapes_control_characters() {
        assert_eq!(clean("a\nb\u{1b}[2J"), "a\\nb\\u{1b}[2J");
    }
}
