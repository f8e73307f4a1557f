//! The commands but `rotate`: list, create, get, enable, disable, rename and
//! delete, for whichever owner the command line names.

use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use losant_rest::Client;
use losant_rest::schema::{ApiToken, ApiTokenPatch, ApiTokenPost, FilterField, TokenStatus};
use losant_rest::tokens::{
    CreateToken, DeleteToken, GetToken, ListTokens, Owner, SortDirection, UpdateToken,
};
use serde_json::json;

use crate::args::{CreateArgs, ListArgs, PROGRAM, RenameArgs};
use crate::report::{
    Failure, clean, created_json, describe, key_values, may_have_reached, note, print_json,
    print_secret, secret_of, status_word, token_json, write_table,
};

/// The page size `list` asks for: Losant's largest.
const PAGE_SIZE: u32 = 1000;

const SECONDS_PER_DAY: i64 = 86_400;

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
    let mut request = ListTokens::new()
        .owner(ctx.owner.clone())
        .per_page(PAGE_SIZE);
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
    let now = now();
    let horizon = args
        .expiring_within_days
        .map(|days| now + i64::from(days) * SECONDS_PER_DAY);
    let mut tokens = Vec::new();
    for token in ctx.client.paginate(request) {
        let token = token?;
        let status_ok = args
            .status
            .as_ref()
            .is_none_or(|wanted| token.status.as_ref() == Some(wanted));
        if !status_ok {
            continue;
        }
        match (horizon, token.expiration_date.as_deref()) {
            (None, _) => tokens.push(token),
            (Some(_), Some(date)) if epoch_seconds(date).is_none() => note(&format!(
                "note: left out token {} ({}): cannot read its expirationDate {}",
                token.id,
                clean(&token.name),
                clean(date)
            )),
            (Some(horizon), _) if expires_by(&token, horizon) => tokens.push(token),
            (Some(_), _) => {}
        }
    }
    if ctx.json {
        print_json(&tokens)?;
        return Ok(());
    }
    let mut out = io::BufWriter::new(io::stdout().lock());
    write_table(&mut out, &tokens, |token| expires_by(token, now))?;
    out.flush()?;
    Ok(())
}

/// Whether `token` has an expiry at or before `horizon` (seconds since the
/// epoch). A token without one, or with one that cannot be read, does not.
fn expires_by(token: &ApiToken, horizon: i64) -> bool {
    token
        .expiration_date
        .as_deref()
        .and_then(epoch_seconds)
        .is_some_and(|expires| expires <= horizon)
}

/// Whether an expiry date has passed; `None` when it cannot be read.
pub fn has_passed(date: &str) -> Option<bool> {
    epoch_seconds(date).map(|expires| expires <= now())
}

/// Seconds since the Unix epoch, now.
fn now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// The seconds since the Unix epoch of an ISO 8601 date-time such as
/// Losant's `2026-11-25T14:48:12.000Z`, or of a date alone (midnight UTC).
///
/// The time may have seconds and a fraction (dropped), and ends with `Z`,
/// an offset (`+01:00`, `-0530`, `+01`) or nothing (UTC). `None` for
/// anything else, or for a date or time that does not exist.
pub fn epoch_seconds(text: &str) -> Option<i64> {
    let mut s = Scanner(text.as_bytes());
    let year = s.digits(4)?;
    s.byte(b'-')?;
    let month = s.digits(2)?;
    s.byte(b'-')?;
    let day = s.digits(2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) * SECONDS_PER_DAY;
    if s.is_empty() {
        return Some(seconds);
    }
    if s.byte(b'T').or_else(|| s.byte(b't')).is_none() {
        s.byte(b' ')?;
    }
    let hour = s.digits(2)?;
    s.byte(b':')?;
    let minute = s.digits(2)?;
    let mut second = 0;
    if s.byte(b':').is_some() {
        second = s.digits(2)?;
        if s.byte(b'.').or_else(|| s.byte(b',')).is_some() {
            let fraction = s.0.iter().take_while(|b| b.is_ascii_digit()).count();
            if fraction == 0 {
                return None;
            }
            s.0 = &s.0[fraction..];
        }
    }
    // 60 is a leap second.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    seconds += hour * 3600 + minute * 60 + second;
    let offset = match s.0.first() {
        None => 0,
        Some(b'Z' | b'z') => {
            s.0 = &s.0[1..];
            0
        }
        Some(&sign @ (b'+' | b'-')) => {
            s.0 = &s.0[1..];
            let hours = s.digits(2)?;
            let minutes = if s.is_empty() {
                0
            } else {
                let _ = s.byte(b':');
                s.digits(2)?
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 3600 + minutes * 60;
            if sign == b'+' { offset } else { -offset }
        }
        Some(_) => return None,
    };
    s.is_empty().then_some(seconds - offset)
}

/// The days from 1970-01-01 to a date of the proleptic Gregorian calendar
/// (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The rest of a date being read.
struct Scanner<'a>(&'a [u8]);

impl Scanner<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn byte(&mut self, want: u8) -> Option<()> {
        let (&first, rest) = self.0.split_first()?;
        (first == want).then(|| self.0 = rest)
    }

    /// Exactly `n` ASCII digits, as a number.
    fn digits(&mut self, n: usize) -> Option<i64> {
        let digits = self.0.get(..n)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.0 = &self.0[n..];
        Some(
            digits
                .iter()
                .fold(0, |acc, d| acc * 10 + i64::from(d - b'0')),
        )
    }
}

pub fn create(ctx: &Ctx, args: CreateArgs) -> Result<(), Failure> {
    let name = clean(&args.name);
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
    let token = ctx.client.send(ctx.create(body)).map_err(|e| {
        if may_have_reached(&e) {
            Failure::Partial {
                error: describe(&e),
                state: format!(
                    "the token may have been created anyway: look for it with `{}`",
                    ctx.advice(&format!("list --filter '{name}'"))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_seconds_reads_losant_dates() {
        assert_eq!(epoch_seconds("1970-01-01T00:00:00.000Z"), Some(0));
        assert_eq!(epoch_seconds("1970-01-01"), Some(0));
        assert_eq!(
            epoch_seconds("2026-11-25T14:48:12.000Z"),
            Some(1_795_618_092)
        );
        assert_eq!(epoch_seconds("2026-11-25T14:48:12Z"), Some(1_795_618_092));
        assert_eq!(
            epoch_seconds("2026-11-25T14:48:12.999999Z"),
            Some(1_795_618_092)
        );
        assert_eq!(epoch_seconds("2026-11-25T14:48"), Some(1_795_618_080));
        assert_eq!(epoch_seconds("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(epoch_seconds("1969-12-31T23:59:59Z"), Some(-1));
        assert_eq!(epoch_seconds("2038-01-19T03:14:08Z"), Some(1 << 31));
        assert_eq!(epoch_seconds("2400-03-01"), Some(13_574_649_600));
    }

    #[test]
    fn epoch_seconds_applies_offsets() {
        let utc = epoch_seconds("2026-01-01T00:00:00Z");
        assert_eq!(epoch_seconds("2026-01-01T01:00:00+01:00"), utc);
        assert_eq!(epoch_seconds("2026-01-01T01:00:00+0100"), utc);
        assert_eq!(epoch_seconds("2026-01-01T01:00:00+01"), utc);
        assert_eq!(epoch_seconds("2025-12-31T18:30:00-05:30"), utc);
        assert_eq!(epoch_seconds("2026-01-01 00:00:00z"), utc);
    }

    #[test]
    fn epoch_seconds_refuses_what_is_not_a_date() {
        for bad in [
            "",
            "next tuesday",
            "2026",
            "2026-1-01",
            "2026-13-01",
            "2026-00-10",
            "2026-02-29",
            "1900-02-29",
            "2026-04-31",
            "2026-01-01T",
            "2026-01-01T24:00:00Z",
            "2026-01-01T12:60:00Z",
            "2026-01-01T12:00:61Z",
            "2026-01-01T12:00:00.Z",
            "2026-01-01T12:00:00Q",
            "2026-01-01T12:00:00+25:00",
            "2026-01-01T12:00:00Z trailing",
            "２０２６-01-01",
        ] {
            assert_eq!(epoch_seconds(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn expires_by_compares_with_the_horizon() {
        let mut token = ApiToken::default();
        assert!(!expires_by(&token, i64::MAX));
        token.expiration_date = Some("2030-01-01T00:00:00.000Z".into());
        let at = epoch_seconds("2030-01-01").unwrap();
        assert!(expires_by(&token, at));
        assert!(!expires_by(&token, at - 1));
        token.expiration_date = Some("soon".into());
        assert!(!expires_by(&token, i64::MAX));
    }
}
