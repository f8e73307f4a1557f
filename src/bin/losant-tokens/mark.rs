//! The mark a replacement's description ends with:
//! `(rotated from <old ID>, run <nonce>)`.
//!
//! The old ID lets a re-run find what earlier runs of the same rotate left,
//! whichever run made them. The run's nonce (16 hex digits, new for every
//! run) tells which token THIS run made: after a lost create answer, the
//! token carrying it is the one nobody has the secret of, exactly, whatever
//! Losant's clock says and whatever another rotate of the same token running
//! at the same time creates. A description ending with the older
//! `(rotated from <old ID>)`, without a run, is still recognised as a
//! replacement (a description may have been written by hand that way), but
//! never as this run's.

use std::hash::{BuildHasher, RandomState};
use std::process;
use std::time::{SystemTime, UNIX_EPOCH};

use losant_rest::schema::ApiToken;

/// A nonce for one run of `rotate`: 16 hex digits. `RandomState` is seeded
/// randomly per process by std; the time and the process ID make two runs
/// started in the same instant differ even if that seed were not random.
pub fn new_run() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let hash = RandomState::new().hash_one((nanos, process::id()));
    format!("{hash:016x}")
}

/// `(rotated from <old ID>, run <run>)`: the mark of a replacement for
/// `old_id` made by the run `run`.
pub fn mark(old_id: &str, run: &str) -> String {
    format!("(rotated from {}, run {run})", old_id.to_ascii_lowercase())
}

/// A description's mark, taken apart: the text before it, the old ID it
/// names, and the run that made it (none for the older form).
struct Parsed<'a> {
    base: &'a str,
    old_id: &'a str,
    run: Option<&'a str>,
}

fn parse(description: &str) -> Option<Parsed<'_>> {
    let trimmed = description.trim_end();
    let start = trimmed.rfind("(rotated from ")?;
    let inner = trimmed[start + "(rotated from ".len()..].strip_suffix(')')?;
    let (old_id, run) = match inner.split_once(", run ") {
        Some((id, run)) => (id, Some(run)),
        None => (inner, None),
    };
    let word = |s: &str| !s.is_empty() && !s.contains([' ', ',', '(', ')']);
    if !word(old_id) {
        return None;
    }
    if run.is_some_and(|run| run.len() != 16 || !run.bytes().all(|b| b.is_ascii_hexdigit())) {
        return None;
    }
    Some(Parsed {
        base: trimmed[..start].trim_end(),
        old_id,
        run,
    })
}

/// Whether `token` was made by rotating the token `old_id`, by any run.
pub fn is_successor(token: &ApiToken, old_id: &str) -> bool {
    token
        .description
        .as_deref()
        .and_then(parse)
        .is_some_and(|p| p.old_id.eq_ignore_ascii_case(old_id))
}

/// Whether `token` was made by the run `run` rotating `old_id`.
pub fn made_by(token: &ApiToken, old_id: &str, run: &str) -> bool {
    token
        .description
        .as_deref()
        .and_then(parse)
        .is_some_and(|p| {
            p.old_id.eq_ignore_ascii_case(old_id)
                && p.run.is_some_and(|r| r.eq_ignore_ascii_case(run))
        })
}

/// A description with its mark, if any, taken off, so that a token rotated
/// again and again carries one mark. Only a mark naming a Losant ID (24 hex
/// digits) is taken off: text that merely looks like one stays.
pub fn unmarked(description: &str) -> &str {
    match parse(description) {
        Some(p) if p.old_id.len() == 24 && p.old_id.bytes().all(|b| b.is_ascii_hexdigit()) => {
            p.base
        }
        _ => description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "5a0000000000000000000001";
    const RUN: &str = "0123456789abcdef";

    fn described(description: &str) -> ApiToken {
        let mut token = ApiToken::default();
        token.description = Some(description.into());
        token
    }

    #[test]
    fn runs_get_their_own_nonce() {
        let (a, b) = (new_run(), new_run());
        for run in [&a, &b] {
            assert_eq!(run.len(), 16, "{run}");
            assert!(run.bytes().all(|b| b.is_ascii_hexdigit()), "{run}");
        }
        assert_ne!(a, b);
    }

    #[test]
    fn the_mark_names_the_old_token_and_the_run() {
        let ours = described(&format!("ci {}", mark(OLD, RUN)));
        assert!(is_successor(&ours, OLD));
        assert!(made_by(&ours, OLD, RUN));
        assert!(!made_by(&ours, OLD, "fedcba9876543210"));
        assert!(!made_by(&ours, "5a0000000000000000000002", RUN));
        assert_eq!(unmarked(ours.description.as_deref().unwrap()), "ci");

        // The older form, without a run: a replacement, but nobody's run.
        let older = described(&format!("ci (rotated from {OLD})  "));
        assert!(is_successor(&older, OLD));
        assert!(!made_by(&older, OLD, RUN));
        assert_eq!(unmarked(older.description.as_deref().unwrap()), "ci");

        // Not marks: text after the mark, a malformed run, a word that is
        // not an ID.
        for text in [
            format!("{} and more", mark(OLD, RUN)),
            format!("(rotated from {OLD}, run 0123)"),
            format!("(rotated from {OLD}, run {RUN}0)"),
            "(rotated from two words)".to_owned(),
        ] {
            assert!(!is_successor(&described(&text), OLD), "{text}");
            assert_eq!(unmarked(&text), text);
        }
        assert_eq!(unmarked("x (rotated from me)"), "x (rotated from me)");
    }
}
