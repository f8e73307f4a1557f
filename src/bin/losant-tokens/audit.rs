//! `audit`: every token of every owner the access token reaches, each with
//! its findings, as a table, CSV or one JSON document.
//!
//! The findings and the three outputs are plain functions over [`Report`],
//! the audit's own view of the tokens; reading the owners is `run`, a thin
//! adapter over the library's `Client::all_tokens`.

use std::io::{self, Write};
use std::time::{Duration, SystemTime};

use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use losant_rest::schema::{ApiToken, TokenStatus};

use crate::report::{clean, write_aligned};

pub const HELP: &str = "\
Reads every token of every owner the access token reaches (the user, every
application, every instance), several owners at once, and gives each token
its findings:
  never-expires  it has no expiration date
  expires-soon   it expires within --expiring-within DAYS (default 30)
  expired        its expiration date has passed
  broad-scope    a scope `all.<Thing>` with nothing after it: full access,
                 such as all.Application, all.User, all.Organization
  inactive       it is disabled

Prints an aligned table by default (one token a line with its owner, scopes
and findings), --csv for a spreadsheet, or --json for one document
{\"tokens\": [...], \"owners\": [...], \"errors\": [...]}; never a secret.
An owner that cannot be read goes into `errors` (and a note on stderr), the
audit goes on, and the exit status is 1. --fail-on FINDING[,FINDING] exits 1
when any token has one of them, for CI and cron. Progress goes to stderr
while it runs, when stderr is a terminal.
--org-id ID (24 hex characters or `sandbox`) reads only that organization's
applications; the user's own tokens and every instance are still read.
In --csv, a cell that begins with =, +, -, @, a tab or a carriage return gets
a leading ' so that a spreadsheet does not run it as a formula.";

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Print CSV (a header, then one token a line) instead of a table
    #[arg(long)]
    pub csv: bool,
    /// The window of `expires-soon`, in days
    #[arg(long, value_name = "DAYS", default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub expiring_within: u32,
    /// How many owners to read at once
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Exit 1 when any token has one of these findings
    #[arg(
        long,
        value_name = "FINDING[,FINDING]",
        value_enum,
        value_delimiter = ','
    )]
    pub fail_on: Vec<Finding>,
    /// Read only the applications of this organization (24 hex characters
    /// or `sandbox`)
    #[arg(long, value_name = "ID")]
    pub org_id: Option<String>,
}

/// What the audit says about a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Finding {
    NeverExpires,
    ExpiresSoon,
    Expired,
    BroadScope,
    Inactive,
}

impl Finding {
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::NeverExpires => "never-expires",
            Finding::ExpiresSoon => "expires-soon",
            Finding::Expired => "expired",
            Finding::BroadScope => "broad-scope",
            Finding::Inactive => "inactive",
        }
    }
}

/// One token as the audit sees it: no secret, by construction.
#[derive(Debug, Clone, Default)]
pub struct Row {
    pub id: String,
    pub name: String,
    /// `user`, `application` or `instance`.
    pub owner_type: String,
    pub owner_id: Option<String>,
    pub owner_name: Option<String>,
    pub status: Option<String>,
    pub scope: Vec<String>,
    pub expiration_date: Option<String>,
    pub creation_date: Option<String>,
    pub findings: Vec<Finding>,
}

/// One owner whose tokens were read.
#[derive(Debug, Clone, Default)]
pub struct OwnerRow {
    pub owner_type: String,
    pub owner_id: Option<String>,
    pub name: Option<String>,
    pub token_count: usize,
}

/// An owner, or a directory of owners, that could not be read.
#[derive(Debug, Clone, Default)]
pub struct ErrorRow {
    pub owner_type: Option<String>,
    pub owner_id: Option<String>,
    /// `GET /applications`, or the owner's name.
    pub what: String,
    pub error: String,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub tokens: Vec<Row>,
    pub owners: Vec<OwnerRow>,
    pub errors: Vec<ErrorRow>,
}

/// The findings of a token, in the vocabulary's order. The dates are read
/// with the library's own helpers (`ApiToken::is_expired_at`,
/// `ApiToken::expires_within`); a token whose `expirationDate` cannot be
/// read has no expiry finding (see [`unreadable_expiry`]).
pub fn findings(token: &ApiToken, now: SystemTime, window: Duration) -> Vec<Finding> {
    let mut out = Vec::new();
    if token.expiration_date.is_none() {
        out.push(Finding::NeverExpires);
    } else if token.is_expired_at(now) {
        out.push(Finding::Expired);
    } else if token.expires_within(window, now) {
        out.push(Finding::ExpiresSoon);
    }
    if token.scope.iter().any(|s| is_broad(s)) {
        out.push(Finding::BroadScope);
    }
    if token.status == Some(TokenStatus::Inactive) {
        out.push(Finding::Inactive);
    }
    out
}

/// The `expirationDate` of a token that has one the audit cannot read, so
/// that it can say so rather than pass over it in silence.
pub fn unreadable_expiry(token: &ApiToken) -> Option<&str> {
    token
        .expiration_date
        .as_deref()
        .filter(|_| token.expires_at().is_none())
}

/// `all.Application`, `all.User`, `all.Organization`: `all.` and one more
/// word, which grants everything on that kind of resource.
pub fn is_broad(scope: &str) -> bool {
    scope
        .strip_prefix("all.")
        .is_some_and(|rest| !rest.is_empty() && !rest.contains('.'))
}

/// The `--json` document. Its keys are sorted when it is printed.
pub fn to_json(report: &Report) -> Value {
    let tokens: Vec<Value> = report
        .tokens
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "name": t.name,
                "ownerType": t.owner_type,
                "ownerId": t.owner_id,
                "ownerName": t.owner_name,
                "status": t.status,
                "scope": t.scope,
                "expirationDate": t.expiration_date,
                "creationDate": t.creation_date,
                "findings": t.findings.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let owners: Vec<Value> = report
        .owners
        .iter()
        .map(|o| {
            json!({
                "ownerType": o.owner_type,
                "ownerId": o.owner_id,
                "name": o.name,
                "tokenCount": o.token_count,
            })
        })
        .collect();
    let errors: Vec<Value> = report
        .errors
        .iter()
        .map(|e| {
            json!({
                "ownerType": e.owner_type,
                "ownerId": e.owner_id,
                "what": e.what,
                "error": e.error,
            })
        })
        .collect();
    json!({ "tokens": tokens, "owners": owners, "errors": errors })
}

const CSV_HEADER: [&str; 10] = [
    "id",
    "name",
    "ownerType",
    "ownerId",
    "ownerName",
    "status",
    "scope",
    "expirationDate",
    "creationDate",
    "findings",
];

/// RFC 4180 CSV: a header, then one token a line; scopes and findings are
/// separated by spaces within their fields.
pub fn write_csv(out: &mut impl Write, report: &Report) -> io::Result<()> {
    let line = |fields: &[&str]| {
        let quoted: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        format!("{}\r\n", quoted.join(","))
    };
    out.write_all(line(&CSV_HEADER).as_bytes())?;
    for t in &report.tokens {
        let scope = t.scope.join(" ");
        let findings: Vec<&str> = t.findings.iter().map(|f| f.as_str()).collect();
        let findings = findings.join(" ");
        let fields = [
            t.id.as_str(),
            &t.name,
            &t.owner_type,
            t.owner_id.as_deref().unwrap_or(""),
            t.owner_name.as_deref().unwrap_or(""),
            t.status.as_deref().unwrap_or(""),
            &scope,
            t.expiration_date.as_deref().unwrap_or(""),
            t.creation_date.as_deref().unwrap_or(""),
            &findings,
        ];
        out.write_all(line(&fields).as_bytes())?;
    }
    Ok(())
}

/// A field, quoted when it holds a comma, a quote or a line break. A field
/// that a spreadsheet would run as a formula (OWASP's CSV injection) gets a
/// leading `'` first.
fn csv_field(field: &str) -> String {
    let defused;
    let field = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        defused = format!("'{field}");
        defused.as_str()
    } else {
        field
    };
    if field.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// The table: one token a line with its owner, scopes and findings,
/// aligned by the columns text takes in a terminal.
pub fn write_table(out: &mut impl Write, report: &Report) -> io::Result<()> {
    let rows: Vec<Vec<String>> = report
        .tokens
        .iter()
        .map(|t| {
            let owner = match &t.owner_name {
                Some(name) => format!("{} {}", t.owner_type, clean(name)),
                None => t.owner_type.clone(),
            };
            let findings: Vec<&str> = t.findings.iter().map(|f| f.as_str()).collect();
            vec![
                owner,
                clean(&t.id),
                clean(&t.name),
                dash(t.status.as_deref()),
                if t.scope.is_empty() {
                    "-".to_owned()
                } else {
                    clean(&t.scope.join(","))
                },
                dash(t.expiration_date.as_deref()),
                if findings.is_empty() {
                    "-".to_owned()
                } else {
                    findings.join(",")
                },
            ]
        })
        .collect();
    write_aligned(
        out,
        &[
            "OWNER", "ID", "NAME", "STATUS", "SCOPE", "EXPIRES", "FINDINGS",
        ],
        &rows,
    )
}

fn dash(value: Option<&str>) -> String {
    value.map_or_else(|| "-".to_owned(), clean)
}

/// Why the audit exits 1, if it does: owners that could not be read, or
/// tokens with a finding named in `--fail-on`.
pub fn verdict(report: &Report, fail_on: &[Finding]) -> Option<String> {
    let mut reasons = Vec::new();
    if !report.errors.is_empty() {
        reasons.push(format!(
            "{} owner(s) or directories could not be read (see `errors`)",
            report.errors.len()
        ));
    }
    for finding in fail_on {
        let n = report
            .tokens
            .iter()
            .filter(|t| t.findings.contains(finding))
            .count();
        if n > 0 {
            reasons.push(format!("{n} token(s) are {}", finding.as_str()));
        }
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

/// `losant-tokens audit`.
pub fn run(ctx: &crate::commands::Ctx, args: &AuditArgs) -> Result<(), crate::report::Failure> {
    use std::io::IsTerminal;

    use losant_rest::owners::AllTokens;
    use losant_rest::tokens::Owner;

    use crate::report::{Failure, note, print_json};

    if ctx.owner != Owner::Me {
        return Err(Failure::Usage(
            "audit reads every owner: --application and --instance do not apply".into(),
        ));
    }
    if args.csv && ctx.json {
        return Err(Failure::Usage("give --csv or --json, not both".into()));
    }
    let mut job = AllTokens::new().concurrency(usize::from(args.concurrency));
    if let Some(org) = &args.org_id {
        // Checked here so that a bad ID stops the audit before anything is
        // sent: the library would refuse it only with GET /applications,
        // after the other owners' requests had gone out.
        if org != "sandbox" && !(org.len() == 24 && org.bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(Failure::Usage(format!(
                "--org-id {}: must be 24 hexadecimal characters or `sandbox`",
                clean(org)
            )));
        }
        job = job.org_id(org.clone());
    }
    let progress = io::stderr().is_terminal();
    if progress {
        job = job.on_progress(|p| {
            let _ = write!(
                io::stderr().lock(),
                "\raudit: {}/{} owners read",
                p.owners_done,
                p.owners_total
            );
        });
    }
    let inventory = ctx.client.all_tokens(&job);
    if progress {
        // Ends the progress line, also before an error is printed.
        let _ = writeln!(io::stderr().lock());
    }
    let inventory = inventory?;
    let window = Duration::from_secs(u64::from(args.expiring_within) * 86_400);
    let report = from_inventory(&inventory, SystemTime::now(), window);
    for owned in &inventory.tokens {
        if let Some(text) = unreadable_expiry(&owned.token) {
            note(&format!(
                "note: token {} ({}): cannot read its expirationDate {}, so it has no \
                 expiry finding",
                clean(&owned.token.id),
                clean(&owned.token.name),
                clean(text)
            ));
        }
    }
    for e in &report.errors {
        note(&format!(
            "note: cannot read {}: {}",
            clean(&e.what),
            clean(&e.error)
        ));
    }
    let written = if ctx.json {
        print_json(&to_json(&report))
    } else {
        let mut out = io::BufWriter::new(io::stdout().lock());
        if args.csv {
            write_csv(&mut out, &report)
        } else {
            write_table(&mut out, &report)
        }
        .and_then(|()| out.flush())
    };
    match (written, verdict(&report, &args.fail_on)) {
        (Ok(()), None) => Ok(()),
        // A reader that went away (`audit --fail-on expired | head`) has
        // what it wanted, but the verdict stands: CI must still see it.
        (Err(e), Some(reason)) if e.kind() == io::ErrorKind::BrokenPipe => Err(Failure::Partial {
            error: reason,
            state: "the audit's output was cut short by its reader".into(),
        }),
        (Err(e), _) => Err(Failure::Output(e)),
        (Ok(()), Some(reason)) => Err(Failure::Partial {
            error: reason,
            state: "the audit above covers every owner that could be read".into(),
        }),
    }
}

/// The audit's view of the library's inventory.
fn from_inventory(
    inventory: &losant_rest::owners::Inventory,
    now: SystemTime,
    window: Duration,
) -> Report {
    use losant_rest::tokens::Owner;

    // The user's ID is GET /me's: `Owner::Me` does not carry it.
    let owner_parts = |owner: &Owner| -> (String, Option<String>) {
        match owner {
            Owner::Application(id) => ("application".into(), Some(id.clone())),
            Owner::Instance(id) => ("instance".into(), Some(id.clone())),
            _ => ("user".into(), inventory.user_id.clone()),
        }
    };
    let tokens = inventory
        .tokens
        .iter()
        .map(|owned| {
            let t = &owned.token;
            let (owner_type, owner_id) = owner_parts(&owned.owner);
            let status = t.status.as_ref().map(|s| s.as_str().to_owned());
            Row {
                id: t.id.clone(),
                name: t.name.clone(),
                owner_type,
                owner_id: owner_id.or_else(|| t.owner_id.clone()),
                owner_name: owned.owner_name.clone(),
                findings: findings(t, now, window),
                status,
                scope: t.scope.clone(),
                expiration_date: t.expiration_date.clone(),
                creation_date: t.creation_date.clone(),
            }
        })
        .collect();
    let owners = inventory
        .owners
        .iter()
        .map(|o| {
            let (owner_type, owner_id) = owner_parts(&o.owner);
            OwnerRow {
                owner_type,
                owner_id,
                name: o.name.clone(),
                token_count: o.token_count,
            }
        })
        .collect();
    let errors = inventory
        .errors
        .iter()
        .map(|e| {
            let (owner_type, owner_id) = match &e.owner {
                Some(owner) => {
                    let (kind, id) = owner_parts(owner);
                    (Some(kind), id)
                }
                None => (None, None),
            };
            ErrorRow {
                owner_type,
                owner_id,
                what: e.what.clone(),
                error: crate::report::describe(&e.error),
            }
        })
        .collect();
    Report {
        tokens,
        owners,
        errors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(86_400);

    fn at(text: &str) -> SystemTime {
        crate::date::parse(text).expect(text)
    }

    fn scopes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn findings_follow_the_vocabulary() {
        let now = at("2030-01-01T00:00:00Z");
        let window = 30 * DAY;
        let read = scopes(&["all.User.read"]);
        let f = |exp: Option<&str>, status: Option<&str>, scope: &[String]| {
            let token: ApiToken = serde_json::from_value(json!({
                "id": "5a0000000000000000000001", "name": "t",
                "expirationDate": exp, "status": status, "scope": scope,
            }))
            .unwrap();
            findings(&token, now, window)
        };
        assert_eq!(f(None, Some("active"), &read), [Finding::NeverExpires]);
        assert_eq!(
            f(Some("2029-12-31T23:59:59Z"), Some("active"), &read),
            [Finding::Expired]
        );
        assert_eq!(
            f(Some("2030-01-01T00:00:00Z"), None, &read),
            [Finding::Expired]
        );
        assert_eq!(
            f(Some("2030-01-31T00:00:00Z"), Some("active"), &read),
            [Finding::ExpiresSoon]
        );
        assert!(f(Some("2030-01-31T00:00:01Z"), Some("active"), &read).is_empty());
        assert!(f(Some("someday"), Some("active"), &read).is_empty());
        assert_eq!(
            f(None, Some("inactive"), &scopes(&["all.Application"])),
            [
                Finding::NeverExpires,
                Finding::BroadScope,
                Finding::Inactive
            ]
        );
    }

    #[test]
    fn an_unreadable_expiry_is_named() {
        let mut token = ApiToken::default();
        assert_eq!(unreadable_expiry(&token), None);
        token.expiration_date = Some("2030-01-01T00:00:00.000Z".into());
        assert_eq!(unreadable_expiry(&token), None);
        token.expiration_date = Some("someday".into());
        assert_eq!(unreadable_expiry(&token), Some("someday"));
    }

    #[test]
    fn broad_scopes_are_all_and_one_word() {
        for broad in [
            "all.Application",
            "all.User",
            "all.Organization",
            "all.Instance",
        ] {
            assert!(is_broad(broad), "{broad}");
        }
        for narrow in [
            "all.User.read",
            "all.",
            "all",
            "userApiTokens.get",
            "xall.User",
        ] {
            assert!(!is_broad(narrow), "{narrow}");
        }
    }

    fn sample() -> Report {
        Report {
            tokens: vec![
                Row {
                    id: "5a0000000000000000000001".into(),
                    name: "café ☕ 東京".into(),
                    owner_type: "application".into(),
                    owner_id: Some("5b0000000000000000000001".into()),
                    owner_name: Some("Fleet, \"north\"".into()),
                    status: Some("active".into()),
                    scope: scopes(&["all.Application", "all.User.read"]),
                    expiration_date: None,
                    creation_date: Some("2025-01-01T00:00:00.000Z".into()),
                    findings: vec![Finding::NeverExpires, Finding::BroadScope],
                },
                Row {
                    id: "5a0000000000000000000002".into(),
                    name: "ci".into(),
                    owner_type: "user".into(),
                    status: Some("inactive".into()),
                    expiration_date: Some("2031-01-01T00:00:00.000Z".into()),
                    findings: vec![Finding::Inactive],
                    ..Row::default()
                },
            ],
            owners: vec![OwnerRow {
                owner_type: "user".into(),
                token_count: 1,
                ..OwnerRow::default()
            }],
            errors: vec![],
        }
    }

    #[test]
    fn json_has_every_field_and_null_for_no_expiry() {
        let doc = to_json(&sample());
        let first = &doc["tokens"][0];
        for key in [
            "id",
            "name",
            "ownerType",
            "ownerId",
            "ownerName",
            "status",
            "scope",
            "expirationDate",
            "creationDate",
            "findings",
        ] {
            assert!(first.get(key).is_some(), "{key}: {first:#}");
        }
        assert_eq!(first["expirationDate"], Value::Null);
        assert_eq!(first["findings"], json!(["never-expires", "broad-scope"]));
        assert_eq!(doc["owners"][0]["tokenCount"], 1);
        assert_eq!(doc["errors"], json!([]));
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        let mut out = Vec::new();
        write_csv(&mut out, &sample()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], CSV_HEADER.join(","));
        assert_eq!(
            lines[1],
            "5a0000000000000000000001,café ☕ 東京,application,5b0000000000000000000001,\
             \"Fleet, \"\"north\"\"\",active,all.Application all.User.read,,\
             2025-01-01T00:00:00.000Z,never-expires broad-scope"
        );
        assert_eq!(lines.len(), 4, "two rows and the final CRLF");
    }

    #[test]
    fn csv_defuses_formulas_and_still_quotes() {
        let mut report = sample();
        report.tokens[0].name = "=HYPERLINK(\"x\")".into();
        report.tokens[1].name = "-1+2".into();
        let mut out = Vec::new();
        write_csv(&mut out, &report).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(
            lines[1]
                .starts_with("5a0000000000000000000001,\"'=HYPERLINK(\"\"x\"\")\",application,"),
            "{text}"
        );
        assert!(
            lines[2].starts_with("5a0000000000000000000002,'-1+2,user,"),
            "{text}"
        );
        for (cell, want) in [
            ("+1", "'+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            ("ci", "ci"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(csv_field(cell), want, "{cell:?}");
        }
        // The table and JSON keep the name as it is.
        assert_eq!(to_json(&report)["tokens"][1]["name"], "-1+2");
        let mut table = Vec::new();
        write_table(&mut table, &report).unwrap();
        assert!(!String::from_utf8(table).unwrap().contains("'-1+2"));
    }

    #[test]
    fn the_table_aligns_by_display_width() {
        let mut out = Vec::new();
        write_table(&mut out, &sample()).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let column =
            |line: &str, word: &str| crate::width::width(&line[..line.find(word).expect(word)]);
        assert_eq!(column(lines[0], "STATUS"), column(lines[1], "active"));
        assert_eq!(column(lines[0], "STATUS"), column(lines[2], "inactive"));
        assert_eq!(
            column(lines[0], "FINDINGS"),
            column(lines[1], "never-expires")
        );
        assert!(
            lines[1].starts_with("application Fleet, \"north\""),
            "{text}"
        );
        assert!(lines[2].ends_with("inactive"), "{text}");
    }

    #[test]
    fn the_verdict_names_errors_and_failing_findings() {
        let mut report = sample();
        assert_eq!(verdict(&report, &[]), None);
        assert_eq!(verdict(&report, &[Finding::Expired]), None);
        assert_eq!(
            verdict(&report, &[Finding::BroadScope, Finding::Inactive]).as_deref(),
            Some("1 token(s) are broad-scope; 1 token(s) are inactive")
        );
        report.errors.push(ErrorRow {
            what: "GET /instances".into(),
            error: "403 Forbidden".into(),
            ..ErrorRow::default()
        });
        assert!(verdict(&report, &[]).unwrap().starts_with("1 owner(s)"));
    }
}

#[cfg(test)]
mod args_tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Line {
        #[command(flatten)]
        audit: AuditArgs,
    }

    #[test]
    fn fail_on_takes_a_comma_separated_list_and_defaults_hold() {
        let line =
            Line::try_parse_from(["audit", "--fail-on", "never-expires,broad-scope"]).unwrap();
        assert_eq!(
            line.audit.fail_on,
            [Finding::NeverExpires, Finding::BroadScope]
        );
        assert_eq!(line.audit.expiring_within, 30);
        assert_eq!(line.audit.concurrency, 8);
        assert!(!line.audit.csv);
        for bad in [
            &["audit", "--fail-on", "old"][..],
            &["audit", "--concurrency", "0"],
            &["audit", "--expiring-within", "-3"],
        ] {
            assert!(Line::try_parse_from(bad).is_err(), "{bad:?}");
        }
        for finding in [
            Finding::NeverExpires,
            Finding::ExpiresSoon,
            Finding::Expired,
            Finding::BroadScope,
            Finding::Inactive,
        ] {
            let parsed = Finding::from_str(finding.as_str(), false).unwrap();
            assert_eq!(parsed, finding);
        }
    }
}
