//! What `losant_rest` costs on top of the HTTP round trip, measured against
//! bare `ureq` in the same run.
//!
//! ```text
//! cargo bench --bench bench -- [--secs N] [--rounds N] [--only SECTION] [--host H]
//! ```
//!
//! The bench starts its own HTTP/1.1 keep-alive server on 127.0.0.1 (std
//! only, a thread per connection, canned bodies with `Content-Length`) and
//! measures:
//!
//! 1. **`token`**: `client.send(GetToken::new(id))` (a ~700-byte token,
//!    decoded into `ApiToken`) against bare `ureq` sending the same `GET`,
//!    with the same URL, headers and agent configuration as
//!    `ClientBuilder::build` sets up, and reading the body into a `Vec`.
//!    Goal: ours at least 0.9 times as many calls per second. For reference
//!    (row `ureq-nr`, no goal), also against a bare agent that skips name
//!    resolution for the IP-literal host: with a global time-out set, ureq
//!    resolves on a new thread for every request, pooled connection or not,
//!    and this row shows what that costs.
//! 2. **`page`**: `client.send(ListTokens::new().per_page(1000))` (a ~670 KB
//!    page decoded into `ApiTokens`) against bare `ureq` reading the same body
//!    undecoded. Goal: ratio at least 0.2.
//! 3. **`decode`**: on the same bytes in memory, the client's decode into
//!    `ApiTokens` (UTF-8 checked once, then `serde_json::from_str`) against
//!    `serde_json::from_slice` into `serde_json::Value`. Goal: typed at least twice
//!    as fast.
//! 4. **`rss`**: peak resident memory (`VmHWM`) of a child process (this
//!    binary run again with `--rss-paginate URL` or `--rss-one-page URL`)
//!    that walks 100,000 tokens with `client.paginate(..per_page(1000))`,
//!    against one that fetches and holds a single decoded 1000-token page.
//!    Goals: paginating stays under 3 times the single page, and walking
//!    100,000 tokens peaks no more than 1.25 times walking 10,000.
//!
//! Each timed section warms both sides up, then runs `--rounds` rounds
//! (default 3) of `--secs` seconds per side (default 2). Within a round the
//! two sides take turns in slices of about 100 ms (ABBA order), and the
//! round's ratio is the median of its per-slice ratios; the section reports
//! the median of the round ratios. The machine is shared and noisy, which is
//! why every figure is a ratio taken between neighbouring slices rather than
//! an absolute rate. The rates in the table are the medians of the rounds'
//! overall rates.
//!
//! A second table gives each timed row's CPU time per call on the calling
//! thread (from `/proc/thread-self/schedstat`, so it excludes the server
//! thread and time spent waiting for a core): the steadiest measure of what
//! our client adds on a busy machine.
//!
//! `--only token|page|decode|rss` runs one section (handy under a profiler,
//! for example `valgrind --tool=callgrind target/release/deps/bench-*
//! --only token --secs 2 --rounds 1`). The process exits with status 0 even
//! when a goal is missed; read the `result` column. Linux only (`/proc`).

use std::collections::HashMap;
use std::error::Error;
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use losant_rest::Client;
use losant_rest::schema::ApiTokens;
use losant_rest::tokens::{GetToken, ListTokens};

type BoxError = Box<dyn Error + Send + Sync>;
type BenchResult<T> = Result<T, BoxError>;

const ACCESS_TOKEN: &str = "bench-access-token";
const TOKEN_ID: &str = "5f1e3c9a2b4d00000000002a";
const OWNER_ID: &str = "575ec7417ae143cd83dc4a95";
/// What `ClientBuilder` sends by default; mirrored by the bare agent.
const ACCEPT_VERSION: &str = "^1.30.0";
const USER_AGENT: &str = concat!("losant-rest/", env!("CARGO_PKG_VERSION"), " (Rust)");
/// The shared parameters every request of ours carries, at their defaults.
const SHARED_QUERY: &str = "?_actions=false&_links=true&_embedded=true";
const PAGE_SIZE: u32 = 1000;
const SMALL_TOTAL: u64 = 10_000;
const LARGE_TOTAL: u64 = 100_000;

const USAGE: &str = "usage: bench [--secs N] [--rounds N] [--only token|page|decode|rss] [--host H]

  --secs N     seconds each side runs per round (default 2, fractions allowed)
  --rounds N   rounds per timed section, alternating sides (default 3)
  --only S     run one section: token, page, decode or rss
  --host H     name the clients use for the local server (default 127.0.0.1;
               `localhost` adds a name lookup to every request)
  --help       print this help";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> BenchResult<()> {
    match parse_args(args)? {
        Mode::Help => {
            println!("{USAGE}");
            Ok(())
        }
        Mode::RssOnePage(url) => child_one_page(&url),
        Mode::RssPaginate(url) => child_paginate(&url),
        Mode::Bench(opts) => bench(&opts),
    }
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Token,
    Page,
    Decode,
    Rss,
}

struct Options {
    secs: f64,
    rounds: usize,
    only: Option<Section>,
    /// The host name the clients use for the server.
    host: String,
}

impl Options {
    fn runs(&self, section: Section) -> bool {
        self.only.is_none_or(|only| only == section)
    }

    fn period(&self) -> Duration {
        Duration::from_secs_f64(self.secs)
    }

    fn warm_up(&self) -> Duration {
        Duration::from_secs_f64((self.secs / 4.0).min(0.5))
    }
}

enum Mode {
    Help,
    Bench(Options),
    RssOnePage(String),
    RssPaginate(String),
}

fn parse_args(args: Vec<String>) -> BenchResult<Mode> {
    let mut opts = Options {
        secs: 2.0,
        rounds: 3,
        only: None,
        host: "127.0.0.1".to_owned(),
    };
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{flag} needs a value\n\n{USAGE}"))
        };
        match flag.as_str() {
            "--help" | "-h" => return Ok(Mode::Help),
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
                    "page" => Section::Page,
                    "decode" => Section::Decode,
                    "rss" => Section::Rss,
                    other => return Err(format!("unknown section {other:?}\n\n{USAGE}").into()),
                });
            }
            "--host" => opts.host = value()?,
            "--rss-one-page" => return Ok(Mode::RssOnePage(value()?)),
            "--rss-paginate" => return Ok(Mode::RssPaginate(value()?)),
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}").into()),
        }
    }
    Ok(Mode::Bench(opts))
}

// ---------------------------------------------------------------------------
// The benchmark
// ---------------------------------------------------------------------------

fn bench(opts: &Options) -> BenchResult<()> {
    print_machine();
    let canned = Arc::new(Canned::new());
    let server = Server::start(Arc::clone(&canned))?;
    let base = server.url(&opts.host);
    println!(
        "server {base}: token body {} B, page body {} B ({} tokens); {} round(s) of {} s per side",
        canned.token_body.len(),
        canned.page_body.len(),
        PAGE_SIZE,
        opts.rounds,
        opts.secs
    );
    println!();

    let mut rows = Vec::new();
    if opts.runs(Section::Token) {
        rows.extend(bench_token(opts, &base, &canned)?);
    }
    if opts.runs(Section::Page) {
        rows.extend(bench_page(opts, &base, &canned)?);
    }
    if opts.runs(Section::Decode) {
        rows.push(bench_decode(opts, &canned.page_body)?);
    }
    if opts.runs(Section::Rss) {
        rows.extend(bench_rss(&base)?);
    }
    print_summary(&rows);
    Ok(())
}

fn print_machine() {
    let cpus = thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    println!("machine: {cpus} CPU(s), {model}");
}

/// Our client, configured as a user would, minus the environment's proxy.
fn our_client(base: &str) -> BenchResult<Client> {
    Ok(Client::builder()
        .access_token(ACCESS_TOKEN)
        .base_url(base)
        .no_proxy()
        .build()?)
}

/// A bare agent configured exactly as `ClientBuilder::build_unchecked` does
/// with the defaults (time-outs, status handling, redirects, user agent,
/// accept, pool size), with no proxy.
fn bare_agent() -> ureq::Agent {
    bare_config().new_agent()
}

/// The configuration of [`bare_agent`].
fn bare_config() -> ureq::config::Config {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .timeout_connect(Some(Duration::from_secs(10)))
        .user_agent(USER_AGENT)
        .accept("application/json")
        .max_idle_connections(16)
        .max_idle_connections_per_host(16)
        .proxy(None)
        .build()
}

/// The same agent, except that it skips name resolution for an IP-literal
/// host. With a global time-out set, ureq's default resolver runs
/// `getaddrinfo` on a new thread for every request, even one that reuses a
/// pooled connection; this agent shows what a request costs without that.
fn bare_agent_without_resolver_thread() -> ureq::Agent {
    ureq::Agent::with_parts(
        bare_config(),
        ureq::unversioned::transport::DefaultConnector::new(),
        IpLiteralResolver::default(),
    )
}

/// Answers IP-literal hosts at once and hands names to ureq's resolver.
#[derive(Debug, Default)]
struct IpLiteralResolver(ureq::unversioned::resolver::DefaultResolver);

impl ureq::unversioned::resolver::Resolver for IpLiteralResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let literal = uri.host().and_then(|host| {
            let ip = host.trim_start_matches('[').trim_end_matches(']');
            let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
                Some("https") => 443,
                _ => 80,
            });
            Some(std::net::SocketAddr::new(ip.parse().ok()?, port))
        });
        match literal {
            Some(addr) => {
                let mut addrs = self.empty();
                addrs.push(addr);
                Ok(addrs)
            }
            None => self.0.resolve(uri, config, timeout),
        }
    }
}

/// One bare `GET`, with the headers our client sends, the body read into a
/// `Vec` and not decoded.
fn bare_get(agent: &ureq::Agent, url: &str, authorization: &str) -> BenchResult<Vec<u8>> {
    let mut response = agent
        .get(url)
        .header("accept-version", ACCEPT_VERSION)
        .header("authorization", authorization)
        .call()?;
    if response.status() != 200 {
        return Err(format!("bare GET {url}: status {}", response.status()).into());
    }
    Ok(response.body_mut().read_to_vec()?)
}

fn bench_token(opts: &Options, base: &str, canned: &Canned) -> BenchResult<Vec<Row>> {
    let client = our_client(base)?;
    let agent = bare_agent();
    let url = format!("{base}/me/tokens/{TOKEN_ID}{SHARED_QUERY}");
    let authorization = format!("Bearer {ACCESS_TOKEN}");
    let bytes = canned.token_body.len() as u64;

    // Setup: both sides get what they should before anything is timed.
    let token = client.send(GetToken::new(TOKEN_ID))?;
    if token.id != TOKEN_ID || token.scope.is_empty() {
        return Err(format!("unexpected token {token:?}").into());
    }
    if bare_get(&agent, &url, &authorization)? != canned.token_body {
        return Err("bare ureq got another body".into());
    }

    // Our GetToken against one bare agent; only the agent differs between
    // the two comparisons below.
    let against = |bare: &ureq::Agent| {
        compare(
            opts,
            || {
                black_box(client.send(GetToken::new(TOKEN_ID))?);
                Ok(bytes)
            },
            || {
                black_box(bare_get(bare, &url, &authorization)?);
                Ok(bytes)
            },
        )
    };

    println!("[token] GetToken, sequential on one keep-alive connection");
    let cmp = against(&agent)?;
    let token_row = Row::timed(
        "GetToken, calls/s",
        "ureq",
        &cmp,
        Unit::Calls,
        Goal::AtLeast(0.9),
    );

    let floor = bare_agent_without_resolver_thread();
    if bare_get(&floor, &url, &authorization)? != canned.token_body {
        return Err("bare ureq (no resolver thread) got another body".into());
    }
    println!(
        "[token] for reference: GetToken vs bare ureq without the per-request resolver thread"
    );
    let cmp = against(&floor)?;
    Ok(vec![
        token_row,
        Row::timed(
            "GetToken, calls/s",
            "ureq-nr",
            &cmp,
            Unit::Calls,
            Goal::Info,
        ),
    ])
}

fn bench_page(opts: &Options, base: &str, canned: &Canned) -> BenchResult<Vec<Row>> {
    let client = our_client(base)?;
    let agent = bare_agent();
    let url = format!("{base}/me/tokens{SHARED_QUERY}&perPage={PAGE_SIZE}");
    let authorization = format!("Bearer {ACCESS_TOKEN}");
    let bytes = canned.page_body.len() as u64;
    let request = ListTokens::new().per_page(PAGE_SIZE);

    let page = client.send(request.clone())?;
    if page.items.len() != PAGE_SIZE as usize || page.total_count != Some(u64::from(PAGE_SIZE)) {
        return Err(format!("unexpected page of {} tokens", page.items.len()).into());
    }
    drop(page);
    if bare_get(&agent, &url, &authorization)? != canned.page_body {
        return Err("bare ureq got another body".into());
    }

    println!("[page] ListTokens perPage={PAGE_SIZE}, decoded vs read undecoded");
    let cmp = compare(
        opts,
        || {
            black_box(client.send(request.clone())?);
            Ok(bytes)
        },
        || {
            black_box(bare_get(&agent, &url, &authorization)?);
            Ok(bytes)
        },
    )?;
    Ok(vec![
        Row::timed(
            "ListTokens 1000, calls/s",
            "ureq",
            &cmp,
            Unit::Calls,
            Goal::AtLeast(0.2),
        ),
        Row::timed(
            "ListTokens 1000, MB/s",
            "ureq",
            &cmp,
            Unit::MegaBytes,
            Goal::AtLeast(0.2),
        ),
    ])
}

fn bench_decode(opts: &Options, body: &[u8]) -> BenchResult<Row> {
    let bytes = body.len() as u64;
    let typed: ApiTokens = serde_json::from_slice(body)?;
    if typed.items.len() != PAGE_SIZE as usize {
        return Err("the canned page does not decode into 1000 tokens".into());
    }
    println!("[decode] {bytes} B in memory: ApiTokens vs serde_json::Value");
    let cmp = compare(
        opts,
        || {
            // The client's own decode path: UTF-8 checked once, then `str`.
            let text = std::str::from_utf8(black_box(body))?;
            black_box(serde_json::from_str::<ApiTokens>(text)?);
            Ok(bytes)
        },
        || {
            black_box(serde_json::from_slice::<serde_json::Value>(black_box(
                body,
            ))?);
            Ok(bytes)
        },
    )?;
    Ok(Row::timed(
        "decode ApiTokens, MB/s",
        "Value",
        &cmp,
        Unit::MegaBytes,
        Goal::AtLeast(2.0),
    ))
}

// ---------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------

/// What one side did in one timed period.
#[derive(Debug, Clone, Copy, Default)]
struct Rate {
    calls: u64,
    bytes: u64,
    elapsed: Duration,
    /// CPU time of the calling thread (not the server's), when the kernel
    /// reports it.
    cpu: Duration,
}

impl Rate {
    /// Microseconds of this thread's CPU per call, if known.
    fn cpu_per_call_us(self) -> Option<f64> {
        (self.cpu > Duration::ZERO && self.calls > 0)
            .then(|| self.cpu.as_secs_f64() * 1e6 / self.calls as f64)
    }

    fn per_sec(self, unit: Unit) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        match unit {
            Unit::Calls => self.calls as f64 / secs,
            Unit::MegaBytes => self.bytes as f64 / secs / 1e6,
        }
    }
}

impl std::ops::AddAssign for Rate {
    fn add_assign(&mut self, other: Rate) {
        self.calls += other.calls;
        self.bytes += other.bytes;
        self.elapsed += other.elapsed;
        self.cpu += other.cpu;
    }
}

#[derive(Debug, Clone, Copy)]
enum Unit {
    Calls,
    MegaBytes,
}

/// Calls `f` until `period` is over; `f` returns the bytes it handled.
fn run_for(period: Duration, mut f: impl FnMut() -> BenchResult<u64>) -> BenchResult<Rate> {
    let cpu_start = thread_cpu();
    let start = Instant::now();
    let mut calls = 0;
    let mut bytes = 0;
    loop {
        bytes += f()?;
        calls += 1;
        let elapsed = start.elapsed();
        if elapsed >= period {
            let cpu = match (cpu_start, thread_cpu()) {
                (Some(a), Some(b)) => b.saturating_sub(a),
                _ => Duration::ZERO,
            };
            return Ok(Rate {
                calls,
                bytes,
                elapsed,
                cpu,
            });
        }
    }
}

/// The calling thread's time on a CPU so far, from
/// `/proc/thread-self/schedstat` (nanoseconds, first field). Less disturbed
/// by neighbours than wall time: waiting for a core does not count.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = stat.split_whitespace().next()?.parse().ok()?;
    (ns > 0).then(|| Duration::from_nanos(ns))
}

fn fmt_us(us: Option<f64>) -> String {
    us.map_or_else(|| "n/a".to_owned(), |us| format!("{us:.1}"))
}

/// Both sides, round by round.
struct Comparison {
    ours: Vec<Rate>,
    theirs: Vec<Rate>,
    /// Per round, the median over its slices of ours / theirs. It is the
    /// same for calls and bytes, since every call of a side handles the same
    /// bytes.
    round_ratios: Vec<f64>,
}

impl Comparison {
    fn median(side: &[Rate], unit: Unit) -> f64 {
        median(side.iter().map(|r| r.per_sec(unit)).collect())
    }

    /// The median of the per-round ratios.
    fn ratio(&self) -> f64 {
        median(self.round_ratios.clone())
    }

    /// Client-thread CPU per call over every round, ours and theirs.
    fn cpu_per_call_us(&self) -> Option<(f64, f64)> {
        let total = |side: &[Rate]| {
            side.iter()
                .fold(Rate::default(), |mut sum, &r| {
                    sum += r;
                    sum
                })
                .cpu_per_call_us()
        };
        Some((total(&self.ours)?, total(&self.theirs)?))
    }
}

/// How long one side runs before the other takes over, within a round:
/// short enough that a burst of load from a neighbour hits both sides.
const SLICE: Duration = Duration::from_millis(100);

fn compare(
    opts: &Options,
    mut ours: impl FnMut() -> BenchResult<u64>,
    mut theirs: impl FnMut() -> BenchResult<u64>,
) -> BenchResult<Comparison> {
    run_for(opts.warm_up(), &mut ours)?;
    run_for(opts.warm_up(), &mut theirs)?;
    let mut cmp = Comparison {
        ours: Vec::new(),
        theirs: Vec::new(),
        round_ratios: Vec::new(),
    };
    let slices = (opts.period().as_secs_f64() / SLICE.as_secs_f64())
        .ceil()
        .max(1.0) as usize;
    let slice = opts.period() / slices as u32;
    for round in 0..opts.rounds {
        let mut o = Rate::default();
        let mut t = Rate::default();
        let mut ratios = Vec::with_capacity(slices);
        for i in 0..slices {
            // ABBA order, starting with the other side every other round.
            let (so, st) = if (round + i) % 2 == 0 {
                let so = run_for(slice, &mut ours)?;
                (so, run_for(slice, &mut theirs)?)
            } else {
                let st = run_for(slice, &mut theirs)?;
                (run_for(slice, &mut ours)?, st)
            };
            ratios.push(so.per_sec(Unit::Calls) / st.per_sec(Unit::Calls));
            o += so;
            t += st;
        }
        let ratio = median(ratios);
        println!(
            "  round {}: ours {:>8.1}/s {:>7.1} MB/s {:>8} us CPU/call | other {:>8.1}/s {:>7.1} MB/s {:>8} us CPU/call | ratio {:.3}",
            round + 1,
            o.per_sec(Unit::Calls),
            o.per_sec(Unit::MegaBytes),
            fmt_us(o.cpu_per_call_us()),
            t.per_sec(Unit::Calls),
            t.per_sec(Unit::MegaBytes),
            fmt_us(t.cpu_per_call_us()),
            ratio
        );
        cmp.ours.push(o);
        cmp.theirs.push(t);
        cmp.round_ratios.push(ratio);
    }
    Ok(cmp)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => f64::midpoint(values[n / 2 - 1], values[n / 2]),
    }
}

// ---------------------------------------------------------------------------
// Peak memory, in child processes
// ---------------------------------------------------------------------------

/// What a child reports: its peak resident set before any request, and after.
#[derive(Debug, Clone, Copy)]
struct Peak {
    baseline_kib: u64,
    peak_kib: u64,
    items: u64,
}

fn bench_rss(base: &str) -> BenchResult<Vec<Row>> {
    println!("[rss] peak resident memory (VmHWM) of a child process");
    let one = child(
        "--rss-one-page",
        &format!("{base}/c{LARGE_TOTAL}"),
        u64::from(PAGE_SIZE),
    )?;
    let small = child(
        "--rss-paginate",
        &format!("{base}/c{SMALL_TOTAL}"),
        SMALL_TOTAL,
    )?;
    let large = child(
        "--rss-paginate",
        &format!("{base}/c{LARGE_TOTAL}"),
        LARGE_TOTAL,
    )?;
    for (what, p) in [
        ("one decoded page ", one),
        ("paginate  10,000 ", small),
        ("paginate 100,000 ", large),
    ] {
        println!(
            "  {what}: peak {:>7} KiB (baseline {:>6} KiB, +{:>7} KiB), {} tokens",
            p.peak_kib,
            p.baseline_kib,
            p.peak_kib.saturating_sub(p.baseline_kib),
            p.items
        );
    }
    Ok(vec![
        Row::memory(
            "paginate 100k vs 1 page, KiB",
            "1 page",
            large.peak_kib,
            one.peak_kib,
            3.0,
        ),
        Row::memory(
            "paginate 100k vs 10k, KiB",
            "10k",
            large.peak_kib,
            small.peak_kib,
            1.25,
        ),
    ])
}

/// Runs this binary again in `mode` against `url`, and checks that it saw
/// `expected` tokens.
fn child(mode: &str, url: &str, expected: u64) -> BenchResult<Peak> {
    let exe = std::env::current_exe()?;
    let output = Command::new(exe).args([mode, url]).output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "child {mode} {url} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let fields: HashMap<&str, u64> = stdout
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| Some((k, v.parse().ok()?)))
        .collect();
    let field = |k: &str| {
        fields
            .get(k)
            .copied()
            .ok_or_else(|| format!("child {mode} printed no {k}: {stdout:?}"))
    };
    let peak = Peak {
        baseline_kib: field("baseline_kib")?,
        peak_kib: field("peak_kib")?,
        items: field("items")?,
    };
    if peak.items != expected {
        return Err(format!("child {mode} saw {} tokens, not {expected}", peak.items).into());
    }
    Ok(peak)
}

/// `--rss-one-page`: fetch one decoded page and hold it while reading the peak.
fn child_one_page(url: &str) -> BenchResult<()> {
    let baseline = vm_hwm_kib()?;
    let client = our_client(url)?;
    let page = client.send(ListTokens::new().per_page(PAGE_SIZE))?;
    let page = black_box(page);
    let peak = vm_hwm_kib()?;
    println!(
        "baseline_kib={baseline} peak_kib={peak} items={}",
        page.items.len()
    );
    Ok(())
}

/// `--rss-paginate`: walk every token, holding none of them.
fn child_paginate(url: &str) -> BenchResult<()> {
    let baseline = vm_hwm_kib()?;
    let client = our_client(url)?;
    let mut items = 0u64;
    for token in client.paginate(ListTokens::new().per_page(PAGE_SIZE)) {
        black_box(token?);
        items += 1;
    }
    let peak = vm_hwm_kib()?;
    println!("baseline_kib={baseline} peak_kib={peak} items={items}");
    Ok(())
}

/// This process's peak resident set so far, from `/proc/self/status`.
fn vm_hwm_kib() -> BenchResult<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .ok_or("no VmHWM in /proc/self/status")?;
    let kib = line.trim().trim_end_matches("kB").trim().parse()?;
    Ok(kib)
}

// ---------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Goal {
    AtLeast(f64),
    Below(f64),
    /// For reference only.
    Info,
}

impl Goal {
    fn met(self, ratio: f64) -> bool {
        match self {
            Goal::AtLeast(goal) => ratio >= goal,
            Goal::Below(goal) => ratio < goal,
            Goal::Info => true,
        }
    }

    fn describe(self) -> String {
        match self {
            Goal::AtLeast(goal) => format!(">= {goal:.2}"),
            Goal::Below(goal) => format!("<  {goal:.2}"),
            Goal::Info => "-".to_owned(),
        }
    }
}

struct Row {
    name: &'static str,
    other: &'static str,
    ours: f64,
    theirs: f64,
    ratio: f64,
    goal: Goal,
    /// Client-thread CPU per call, ours and the other side's, in µs.
    cpu_us: Option<(f64, f64)>,
}

impl Row {
    fn timed(
        name: &'static str,
        other: &'static str,
        cmp: &Comparison,
        unit: Unit,
        goal: Goal,
    ) -> Self {
        Row {
            name,
            other,
            ours: Comparison::median(&cmp.ours, unit),
            theirs: Comparison::median(&cmp.theirs, unit),
            ratio: cmp.ratio(),
            goal,
            cpu_us: cmp.cpu_per_call_us(),
        }
    }

    fn memory(name: &'static str, other: &'static str, ours: u64, theirs: u64, max: f64) -> Self {
        Row {
            name,
            other,
            ours: ours as f64,
            theirs: theirs as f64,
            ratio: ours as f64 / theirs as f64,
            goal: Goal::Below(max),
            cpu_us: None,
        }
    }
}

fn print_summary(rows: &[Row]) {
    println!();
    println!(
        "{:<30} {:>12} {:>12} {:<7} {:>7}  {:<8} result",
        "target", "ours", "other", "(other)", "ratio", "goal"
    );
    println!("{}", "-".repeat(89));
    for row in rows {
        println!(
            "{:<30} {:>12.1} {:>12.1} {:<7} {:>7.3}  {:<8} {}",
            row.name,
            row.ours,
            row.theirs,
            row.other,
            row.ratio,
            row.goal.describe(),
            match (row.goal, row.goal.met(row.ratio)) {
                (Goal::Info, _) => "info",
                (_, true) => "PASS",
                (_, false) => "FAIL",
            }
        );
    }
    println!(
        "timed rows: median rates over rounds; ratio: median over rounds of the median slice-pair ratio"
    );
    println!(
        "ureq: bare ureq configured as our client; ureq-nr: the same without the per-request resolver thread"
    );
    println!("decode row: ours = serde_json into ApiTokens, other = into serde_json::Value");
    let cpu_rows: Vec<_> = rows
        .iter()
        .filter_map(|r| Some((r.name, r.other, r.cpu_us?)))
        .collect();
    if cpu_rows.is_empty() {
        return;
    }
    println!();
    println!(
        "client-thread CPU per call, all rounds (excludes the server thread; less noisy than wall time)"
    );
    println!(
        "{:<30} {:>12} {:>12} {:<7} {:>9} {:>10}",
        "target", "ours us", "other us", "(other)", "added us", "other/ours"
    );
    for (name, other, (ours, theirs)) in cpu_rows {
        println!(
            "{name:<30} {ours:>12.1} {theirs:>12.1} {other:<7} {:>9.1} {:>10.3}",
            ours - theirs,
            theirs / ours
        );
    }
}

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

/// Whole responses (status line, headers, body) built once, and the bodies.
struct Canned {
    token_body: Vec<u8>,
    page_body: Vec<u8>,
    token_response: Vec<u8>,
    page_response: Vec<u8>,
    not_found_response: Vec<u8>,
}

impl Canned {
    fn new() -> Self {
        let mut token = String::new();
        write_token(&mut token, 42, TOKEN_DESCRIPTION_LONG);
        let page = page_body(0, PAGE_SIZE.into(), PAGE_SIZE.into());
        Canned {
            token_response: response(200, token.as_bytes()),
            page_response: response(200, page.as_bytes()),
            not_found_response: response(404, br#"{"type":"NotFound","message":"No such route"}"#),
            token_body: token.into_bytes(),
            page_body: page.into_bytes(),
        }
    }
}

const TOKEN_DESCRIPTION: &str = "Deploys application workflows from CI";
const TOKEN_DESCRIPTION_LONG: &str =
    "Deploys application workflows and dashboards from the CI pipeline";

/// One token as Losant writes it, about 670 bytes, its ID and name derived
/// from `index`.
fn write_token(out: &mut String, index: u64, description: &str) {
    let status = if index % 7 == 3 { "inactive" } else { "active" };
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        concat!(
            r#"{{"id":"5f1e3c9a2b4d{i:012x}","apiTokenId":"5f1e3c9a2b4d{i:012x}","#,
            r#""ownerId":"{owner}","ownerType":"user","creatorId":"{owner}","#,
            r#""creatorType":"user","creatorName":"Avery Example","#,
            r#""name":"ci-deploy-{i:06}","description":"{description}","#,
            r#""creationDate":"2025-03-14T09:26:53.589Z","#,
            r#""lastUpdated":"2025-11-02T17:41:08.112Z","#,
            r#""expirationDate":"2027-03-14T00:00:00.000Z","defaultRole":"view","#,
            r#""scope":["all.User.read","userApiTokens.get","applications.get","#,
            r#""devices.get","dashboards.get"],"status":"{status}","_type":"apiToken","#,
            r#""_links":{{"self":{{"href":"/me/tokens/5f1e3c9a2b4d{i:012x}"}},"#,
            r#""tokens":{{"href":"/me/tokens"}}}}}}"#
        ),
        i = index,
        owner = OWNER_ID,
        description = description,
        status = status,
    );
}

/// Page `page` of a collection of `total` tokens, `per_page` to a page.
fn page_body(page: u64, per_page: u64, total: u64) -> String {
    let first = page.saturating_mul(per_page).min(total);
    let last = first.saturating_add(per_page).min(total);
    let mut out = String::with_capacity(usize::try_from((last - first) * 680 + 512).unwrap_or(0));
    out.push_str(r#"{"items":["#);
    for i in first..last {
        if i > first {
            out.push(',');
        }
        write_token(&mut out, i, TOKEN_DESCRIPTION);
    }
    let _ = write!(
        out,
        concat!(
            r#"],"count":{count},"totalCount":{total},"perPage":{per_page},"page":{page},"#,
            r#""sortField":"name","sortDirection":"asc","ownerId":"{owner}","#,
            r#""ownerType":"user","_type":"apiTokens","#,
            r#""_links":{{"self":{{"href":"/me/tokens?page={page}&perPage={per_page}"}}}}}}"#
        ),
        count = last - first,
        total = total,
        per_page = per_page,
        page = page,
        owner = OWNER_ID,
    );
    out
}

/// A whole HTTP/1.1 response with a JSON body.
fn response(status: u16, body: &[u8]) -> Vec<u8> {
    let reason = if status == 200 { "OK" } else { "Not Found" };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json; charset=utf-8\r\n\
         content-length: {}\r\nconnection: keep-alive\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

struct Server {
    port: u16,
}

impl Server {
    /// Listens on a free port of 127.0.0.1 and serves every connection on its
    /// own thread, until the process ends.
    fn start(canned: Arc<Canned>) -> BenchResult<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let canned = Arc::clone(&canned);
                thread::spawn(move || {
                    // A client that goes away mid-request is not our problem.
                    let _ = serve(stream, &canned);
                });
            }
        });
        Ok(Server { port })
    }

    /// The server's base URL, naming it `host` (it listens on 127.0.0.1).
    fn url(&self, host: &str) -> String {
        format!("http://{host}:{}", self.port)
    }
}

/// Serves requests on one keep-alive connection until the client closes it.
fn serve(stream: TcpStream, canned: &Canned) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::with_capacity(16 * 1024, stream.try_clone()?);
    let mut writer = stream;
    let mut request_line = Vec::with_capacity(256);
    let mut line = Vec::with_capacity(256);
    loop {
        request_line.clear();
        if reader.read_until(b'\n', &mut request_line)? == 0 {
            return Ok(());
        }
        let mut content_length = 0u64;
        loop {
            line.clear();
            if reader.read_until(b'\n', &mut line)? == 0 {
                return Ok(());
            }
            if line == b"\r\n" || line == b"\n" {
                break;
            }
            if let Some(value) = header_value(&line, b"content-length") {
                content_length = value.trim().parse().unwrap_or(0);
            }
        }
        io::copy(&mut (&mut reader).take(content_length), &mut io::sink())?;
        let target = std::str::from_utf8(&request_line)
            .ok()
            .and_then(|l| l.split(' ').nth(1))
            .unwrap_or("/");
        match route(target) {
            Route::Token => writer.write_all(&canned.token_response)?,
            Route::CannedPage => writer.write_all(&canned.page_response)?,
            Route::Page {
                page,
                per_page,
                total,
            } => writer.write_all(&response(200, page_body(page, per_page, total).as_bytes()))?,
            Route::NotFound => writer.write_all(&canned.not_found_response)?,
        }
    }
}

/// The value of header `name` (lower case) if `line` is that header.
fn header_value<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a str> {
    let colon = line.iter().position(|&b| b == b':')?;
    if !line[..colon].eq_ignore_ascii_case(name) {
        return None;
    }
    std::str::from_utf8(&line[colon + 1..]).ok()
}

enum Route {
    Token,
    /// The canned first page of a 1000-token collection.
    CannedPage,
    /// Page `page` of a `total`-token collection (a path under `/c<total>`).
    Page {
        page: u64,
        per_page: u64,
        total: u64,
    },
    NotFound,
}

fn route(target: &str) -> Route {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    // `/c<total>/me/tokens...`: a generated collection of `total` tokens.
    let (total, path) = match path
        .strip_prefix("/c")
        .and_then(|p| p.find('/').map(|at| p.split_at(at)))
    {
        Some((total, rest)) => match total.parse::<u64>() {
            Ok(total) => (Some(total), rest),
            Err(_) => return Route::NotFound,
        },
        None => (None, path),
    };
    if path == "/me/tokens" {
        let param = |key: &str| {
            query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| v.parse::<u64>().ok())
        };
        return match total {
            None => Route::CannedPage,
            Some(total) => Route::Page {
                page: param("page").unwrap_or(0),
                per_page: param("perPage").unwrap_or(100),
                total,
            },
        };
    }
    match path.strip_prefix("/me/tokens/") {
        Some(id) if !id.is_empty() && !id.contains('/') => Route::Token,
        _ => Route::NotFound,
    }
}
