//! The command line: sections, options, `--help`.

#[allow(clippy::wildcard_imports)]
use super::*;

pub(crate) const USAGE: &str =
    "usage: bench [--secs N] [--rounds N] [--only SECTION] [--host H] [--rtt-ms N]

  --secs N     seconds each side runs per round (default 2, fractions allowed)
  --rounds N   rounds per timed section, alternating sides (default 3);
               the audit runs 2N+1 times at concurrency 8, N times at 1
  --only S     run one section: token, lookup, threads, page, send_as,
               decode, rss, workflow or audit
  --host H     the name the lookup, threads and rss sections use for the
               local server (default localhost); token and page always use
               127.0.0.1
  --rtt-ms N   the round trip the relay of the workflow and audit adds
               (default 50)
  --help       print this help";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Token,
    Lookup,
    Threads,
    Page,
    SendAs,
    Decode,
    Rss,
    Workflow,
    Audit,
}

pub(crate) struct Options {
    pub(crate) secs: f64,
    pub(crate) rounds: usize,
    pub(crate) only: Option<Section>,
    /// The host name the by-name sections use for the server.
    pub(crate) host: String,
    /// The round trip the relay of the workflow and audit sections adds.
    pub(crate) rtt: Duration,
}

impl Options {
    pub(crate) fn runs(&self, section: Section) -> bool {
        self.only.is_none_or(|only| only == section)
    }

    pub(crate) fn period(&self) -> Duration {
        Duration::from_secs_f64(self.secs)
    }

    pub(crate) fn warm_up(&self) -> Duration {
        Duration::from_secs_f64((self.secs / 4.0).min(0.5))
    }
}

pub(crate) enum Mode {
    Help,
    Bench(Options),
    RssOnePage(String),
    RssPaginate(String),
}

pub(crate) fn parse_args(args: Vec<String>) -> BenchResult<Mode> {
    let mut opts = Options {
        secs: 2.0,
        rounds: 3,
        only: None,
        host: "localhost".to_owned(),
        rtt: Duration::from_millis(50),
    };
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value\n\n{USAGE}"))
        };
        match flag.as_str() {
            "--help" | "-h" => return Ok(Mode::Help),
            // What `cargo bench` passes to every bench target.
            "--bench" => {}
            "--secs" => {
                let secs: f64 = value()?.parse().map_err(|e| format!("--secs: {e}"))?;
                if !(secs.is_finite() && secs > 0.0) {
                    return Err("--secs must be a positive number".into());
                }
                opts.secs = secs;
            }
            "--rounds" => {
                let rounds: usize = value()?.parse().map_err(|e| format!("--rounds: {e}"))?;
                opts.rounds = rounds.max(1);
            }
            "--only" => {
                opts.only = Some(match value()?.as_str() {
                    "token" => Section::Token,
                    "lookup" => Section::Lookup,
                    "threads" => Section::Threads,
                    "page" => Section::Page,
                    "send_as" => Section::SendAs,
                    "decode" => Section::Decode,
                    "rss" => Section::Rss,
                    "workflow" => Section::Workflow,
                    "audit" => Section::Audit,
                    other => return Err(format!("unknown section {other:?}\n\n{USAGE}").into()),
                });
            }
            "--host" => opts.host = value()?,
            "--rtt-ms" => {
                let ms: f64 = value()?.parse().map_err(|e| format!("--rtt-ms: {e}"))?;
                if !(ms.is_finite() && ms > 0.0) {
                    return Err("--rtt-ms must be a positive number of milliseconds".into());
                }
                opts.rtt = Duration::from_secs_f64(ms / 1000.0);
            }
            "--rss-one-page" => return Ok(Mode::RssOnePage(value()?)),
            "--rss-paginate" => return Ok(Mode::RssPaginate(value()?)),
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}").into()),
        }
    }
    Ok(Mode::Bench(opts))
}
