//! `Accept-Version` evaluation: which node-semver ranges the fake can serve.
//!
//! Losant's server framework answers every request with the newest release
//! the client's range admits, and refuses a range no release it serves
//! satisfies. The fake serves every `1.x.y` from `1.0.0` up to its configured
//! version (1.31.0 unless [`super::FakeLosantBuilder::api_version`] says
//! otherwise).

/// The newest API version the fake serves unless told otherwise.
pub(super) const NEWEST: Version = [1, 31, 0];

/// The first version whose tokens carry `applicationId`/`instanceId` and
/// that serves instance tokens.
pub(super) const OWNER_IDS: Version = [1, 31, 0];

/// Parses an exact release such as `1.30.0` (a leading `v` is allowed).
pub(super) fn parse_release(s: &str) -> Option<Version> {
    let s = s.trim().trim_start_matches(['v', 'V']);
    let mut out = [0; 3];
    let mut parts = s.split('.');
    for slot in &mut out {
        let p = parts.next()?;
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = p.parse().ok()?;
    }
    parts.next().is_none().then_some(out)
}

/// A release version, `[major, minor, patch]`.
pub(super) type Version = [u64; 3];

/// One end of a set of releases: the version and whether it is included.
type Bound = (Version, bool);

/// The releases from `lo` up to `hi` (`None`: no upper end).
#[derive(Clone, Copy)]
struct Interval {
    lo: Bound,
    hi: Option<Bound>,
}

impl Interval {
    const ALL: Interval = Interval {
        lo: ([0; 3], true),
        hi: None,
    };
    const NONE: Interval = Interval {
        lo: ([0; 3], false),
        hi: Some(([0; 3], false)),
    };

    fn and(self, other: Interval) -> Interval {
        let lo = if (self.lo.0, !self.lo.1) >= (other.lo.0, !other.lo.1) {
            self.lo
        } else {
            other.lo
        };
        let hi = match (self.hi, other.hi) {
            (Some(a), Some(b)) => Some(if a <= b { a } else { b }),
            (a, b) => a.or(b),
        };
        Interval { lo, hi }
    }

    fn is_empty(&self) -> bool {
        self.hi
            .is_some_and(|hi| hi.0 < self.lo.0 || (hi.0 == self.lo.0 && !(hi.1 && self.lo.1)))
    }
}

/// A version as written in a range: parts are `None` where missing or
/// `x`/`X`/`*`; the flag tells whether it has a prerelease tag.
struct Partial([Option<u64>; 3], bool);

impl Partial {
    fn parse(s: &str) -> Option<Partial> {
        let s = s.trim_start_matches(['v', 'V']);
        let s = s.split_once('+').map_or(s, |(v, _)| v);
        let (s, pre) = match s.split_once('-') {
            Some((v, tag)) if !tag.is_empty() => (v, true),
            Some(_) => return None,
            None => (s, false),
        };
        let mut parts = [None; 3];
        let mut wild = false;
        for (i, p) in s.split('.').enumerate() {
            let number = !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
            if i >= 3 || !(number || matches!(p, "x" | "X" | "*")) {
                return None;
            }
            wild |= !number;
            if !wild {
                parts[i] = Some(p.parse().ok()?);
            }
        }
        Some(Partial(parts, pre))
    }

    /// `>=` this: the lowest release it covers (`1.2` → `1.2.0`).
    fn lower(&self) -> Bound {
        (self.0.map(|p| p.unwrap_or(0)), true)
    }

    /// `<=` this: `1.2` → below `1.3.0`, `1.2.3` → up to `1.2.3`, `*` → none.
    fn upper(&self) -> Option<Bound> {
        match self.0 {
            [None, ..] => None,
            [Some(m), None, _] => Some(([m.saturating_add(1), 0, 0], false)),
            [Some(m), Some(n), None] => Some(([m, n.saturating_add(1), 0], false)),
            [Some(m), Some(n), Some(p)] => Some(([m, n, p], !self.1)),
        }
    }

    /// The releases `{op}{self}` admits, as node-semver desugars it.
    fn with_op(&self, op: &str) -> Option<Interval> {
        let lo = self.lower();
        let below = |hi: Version| Some((hi, false));
        let iv = match (op, self.0) {
            (">" | "<", [None, ..]) => Interval::NONE,
            ("" | "=" | "<=", _) => Interval {
                lo: if op == "<=" { Interval::ALL.lo } else { lo },
                hi: self.upper(),
            },
            (">=", _) => Interval { lo, hi: None },
            (">", _) => Interval {
                lo: self.upper().map_or(lo, |(v, incl)| (v, !incl)),
                hi: None,
            },
            ("<", _) => Interval {
                lo: Interval::ALL.lo,
                hi: below(lo.0),
            },
            ("~" | "~>" | "^", [None, ..]) => Interval::ALL,
            ("~" | "~>", [Some(m), None, _])
            | ("^", [Some(m @ 1..), ..] | [Some(m @ 0), None, _]) => Interval {
                lo,
                hi: below([m.saturating_add(1), 0, 0]),
            },
            ("~" | "~>", [Some(m), Some(n), _]) | ("^", [Some(m @ 0), Some(n @ 1..), _]) => {
                Interval {
                    lo,
                    hi: below([m, n.saturating_add(1), 0]),
                }
            }
            ("^", [Some(0), Some(0), None]) => Interval {
                lo,
                hi: below([0, 1, 0]),
            },
            ("^", [Some(0), Some(0), Some(p)]) => Interval {
                lo,
                hi: below([0, 0, p.saturating_add(1)]),
            },
            _ => return None,
        };
        Some(iv)
    }
}

/// Whether a node-semver range (`^1.31.0`, `~1.2`, `1`, `1.x`, `*`, `>= 1.0.0 <2`,
/// `1.2 - 1.5`, alternatives joined by `||`, …) admits some release from
/// `1.0.0` up to `newest`, as the real API's version negotiation does; an
/// empty range is `*`. `None` if it is not a valid range.
pub(super) fn accepts_version(range: &str, newest: Version) -> Option<bool> {
    let api = Interval {
        lo: ([1, 0, 0], true),
        hi: Some((newest, true)),
    };
    let mut accepted = false;
    for alternative in range.split("||") {
        let tokens: Vec<&str> = alternative.split_whitespace().collect();
        let mut iv = api;
        let mut i = 0;
        while i < tokens.len() {
            if tokens.get(i + 1) == Some(&"-") {
                let from = Partial::parse(tokens[i])?;
                let to = Partial::parse(tokens.get(i + 2)?)?;
                iv = iv.and(Interval {
                    lo: from.lower(),
                    hi: to.upper(),
                });
                i += 3;
                continue;
            }
            let (op, mut version) = tokens[i].split_at(
                tokens[i]
                    .find(|c| !matches!(c, '<' | '>' | '=' | '~' | '^'))
                    .unwrap_or(tokens[i].len()),
            );
            if version.is_empty() {
                // `>= 1.2.3`: the version is the next token.
                i += 1;
                version = tokens.get(i)?;
            }
            iv = iv.and(Partial::parse(version)?.with_op(op)?);
            i += 1;
        }
        accepted |= !iv.is_empty();
    }
    Some(accepted)
}

#[cfg(test)]
mod tests {
    use super::{NEWEST, accepts_version, parse_release};

    #[test]
    fn accept_version_ranges_are_semver() {
        for ok in [
            "^1.31.0",
            "^1.20.1",
            "~1.2",
            "1",
            "1.x",
            "*",
            "",
            ">= 1.0.0 <2",
            ">=0.9.0",
            "<2",
            "1.20 - 1.31",
            "^2.0.0 || ^1.0.0",
            "^1.31.0-beta.1",
            "v1.31.0",
            "=1.31.0",
        ] {
            assert_eq!(accepts_version(ok, NEWEST), Some(true), "{ok:?}");
        }
        for no in [
            "^2.0.0",
            ">1",
            "<1",
            "0.x",
            "^0.5.0",
            "1.31.0-beta",
            ">=1.0.0 <1.0.0",
            "^1.32.0",
            ">1.31.0",
        ] {
            assert_eq!(accepts_version(no, NEWEST), Some(false), "{no:?}");
        }
        for bad in [
            "latest",
            "garbage",
            "1.garbage",
            "=>1",
            "1.2.3.4",
            "1 -",
            "1.2.3 || x.y",
        ] {
            assert_eq!(accepts_version(bad, NEWEST), None, "{bad:?}");
        }
    }

    #[test]
    fn an_older_server_refuses_newer_ranges() {
        let old = parse_release("1.30.0").unwrap();
        assert_eq!(accepts_version("^1.31.0", old), Some(false));
        assert_eq!(accepts_version("^1.30.0", old), Some(true));
        assert_eq!(accepts_version("1.x", old), Some(true));
        assert_eq!(parse_release("v1.2.3"), Some([1, 2, 3]));
        assert_eq!(parse_release("1.2"), None);
        assert_eq!(parse_release("1.2.x"), None);
    }
}
