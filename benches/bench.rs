//! What `losant_rest` costs on top of the HTTP round trip, measured against
//! bare `ureq` in the same run.
//!
//! ```text
//! cargo bench --bench bench -- [--secs N] [--rounds N] [--only SECTION] [--host H] [--rtt-ms N]
//! ```
//!
//! The bench starts its own HTTP/1.1 keep-alive server on 127.0.0.1 (std
//! only, a thread per connection, canned bodies with `Content-Length`),
//! reached either by IP address or by the host name `--host` (default
//! `localhost`, which `/etc/hosts` answers), and measures:
//!
//! 1. **`token`** (by IP, `127.0.0.1`): `client.send(GetToken::new(id))` (a
//!    ~700-byte token, decoded into `ApiToken`) against bare `ureq` sending
//!    the same `GET`, with the same URL, headers and agent configuration as
//!    `ClientBuilder::build` sets up (30 s global and 10 s connect
//!    time-outs included), and reading the body into a `Vec`. Goal: ours at
//!    least 0.9 times as many calls per second. For reference (row
//!    `ureq-nr`, no goal), also against a bare agent that skips name
//!    resolution for the IP-literal host: with a time-out set, ureq's
//!    default resolver resolves on a new thread for every request, pooled
//!    connection or not, and this row shows what that costs.
//! 2. **`lookup`** (by name): the same `GetToken`, the server named
//!    `localhost`. Our client looks a host up only when it opens a
//!    connection (`src/lookup.rs`), so on a pooled connection it does no
//!    lookup and starts no thread; bare ureq asks its resolver on every
//!    request. Goals: ours at least 1.0 times bare ureq with the same
//!    time-outs (`ureq`: a lookup on a new thread per request), and at least
//!    0.9 times bare ureq with no time-outs at all (`ureq-nt`: a lookup per
//!    request on the calling thread).
//! 3. **`threads`** (by name): threads started per request on a pooled
//!    connection, for ours, `ureq` and `ureq-nt`. Method: after each side's
//!    first request (which opens its connection, and may start a thread for
//!    that lookup), read the kernel's count of tasks created since boot (the
//!    `processes` line of `/proc/stat`; every `clone`, thread or process,
//!    adds one) before and after a burst of 1,000 sequential requests; the
//!    sides take turns, five bursts each, and each side reports its
//!    smallest count divided by 1,000. The counter is machine-wide, so other
//!    processes' forks can only add to a burst's count: the smallest is an
//!    upper bound on the side's own threads, and exact whenever one burst ran
//!    while nothing else forked (the raw counts are printed). Counting the
//!    threads alive (`/proc/self/task`, `Threads:` in `/proc/self/status`)
//!    would miss the short-lived ones. Goal: ours at most 0.01 per request
//!    (0 expected; bare ureq with time-outs shows 1).
//! 4. **`page`** (by IP): `client.send(ListTokens::new().per_page(1000))` (a
//!    ~670 KB page decoded into `ApiTokens`) against bare `ureq` reading the
//!    same body undecoded. Goal: ratio at least 0.2.
//! 5. **`decode`**: on the same bytes in memory, the client's decode into
//!    `ApiTokens` (UTF-8 checked once, then `serde_json::from_str`) against
//!    `serde_json::from_slice` into `serde_json::Value`. Goal: typed at least
//!    twice as fast.
//! 6. **`rss`** (by name): peak resident memory (`VmHWM`) of a child process
//!    (this binary run again with `--rss-paginate URL` or `--rss-one-page
//!    URL`) that walks 100,000 tokens with
//!    `client.paginate(..per_page(1000))`, against one that fetches and holds
//!    a single decoded 1000-token page. Goals: paginating peaks at most 3
//!    times the single page, and walking 100,000 tokens peaks at most 1.1
//!    times walking 10,000.
//! 7. **`workflow`**: HTTPS over a realistic path. The crate's fake server
//!    with TLS (`FakeLosant::builder().tls(true)`, seeded with 100 tokens)
//!    sits behind a latency relay on 127.0.0.1 (the kernel here has no
//!    netem): the relay waits one round trip (`--rtt-ms`, default 50)
//!    before connecting upstream, as a TCP handshake would, then holds every
//!    chunk for half a round trip in each direction, forwarding each as soon
//!    as it is due with `TCP_NODELAY` on both sockets (no bandwidth limit, no
//!    Nagle stalls of its own), and counts the connections it accepts and
//!    the bytes the server sends on each. A session is five times: list all
//!    100 tokens (ours with `client.paginate(..per_page(100))`, which should
//!    stop on `totalCount` after one page; bare ureq with one `GET`), create,
//!    get, patch, delete: 25 requests, with a new
//!    client (so a new connection and a full TLS handshake) per session. Our
//!    client trusts the fake's CA (`add_root_certificates`) and reaches the
//!    relay by name (`resolve("localhost", relay)`); bare ureq sends the same
//!    requests by hand to `https://localhost:RELAYPORT`, trusting only that
//!    CA, with our client's configuration. Each round runs one session per
//!    side (alternating which goes first); the table shows each side's
//!    median session: wall time, requests (as the fake counted them), TCP
//!    connections (as the relay counted them), and the ratio to the floor,
//!    one round trip per request plus two for the first connection's TCP
//!    and TLS handshakes (TLS 1.3: one round trip). Each session also
//!    prints its first request's time and the others' median and maximum (a
//!    Nagle or delayed-ACK stall would show as a maximum above one round
//!    trip) and how many requests asked to wait for `100 Continue`. A
//!    reconnect probe then makes each side's client open a second connection
//!    (the fake closes one after a response) and reports the round trips of
//!    the request that reconnected and whether TLS resumed (the server sends
//!    no certificate chain on a resumed handshake, so far fewer bytes).
//!    Goals: ours at most 1.1 times the floor, on one connection, and no
//!    slower than bare ureq (the median of the per-round wall-time ratios at
//!    most 1.02, which allows for timer noise).
//!
//! Each timed section (1, 2, 4, 5) warms both sides up, then runs `--rounds`
//! rounds (default 3) of `--secs` seconds per side (default 2). Within a
//! round the two sides take turns in slices of about 100 ms (ABBA order),
//! and the round's ratio is the median of its per-slice ratios; the section
//! reports the median of the round ratios. The machine is shared and noisy,
//! which is why every figure is a ratio taken between neighbouring slices
//! rather than an absolute rate. The rates in the table are the medians of
//! the rounds' overall rates.
//!
//! A second table gives each timed row's CPU time per call on the calling
//! thread (from `/proc/thread-self/schedstat`, so it excludes the server
//! thread and time spent waiting for a core): the steadiest measure of what
//! our client adds on a busy machine.
//!
//! `--only token|lookup|threads|page|decode|rss|workflow` runs one section
//! (handy under a profiler, for example `valgrind --tool=callgrind
//! target/release/deps/bench-* --only token --secs 2 --rounds 1`). The
//! process exits with status 0 even when a goal is missed; read the
//! `result` column. Linux only (`/proc`); the workflow needs the `rustls`
//! feature (on by default) and is skipped without it.

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

const USAGE: &str = "usage: bench [--secs N] [--rounds N] [--only SECTION] [--host H] [--rtt-ms N]

  --secs N     seconds each side runs per round (default 2, fractions allowed)
  --rounds N   rounds per timed section, alternating sides (default 3)
  --only S     run one section: token, lookup, threads, page, decode, rss or
               workflow
  --host H     the name the lookup, threads and rss sections use for the
               local server (default localhost); token and page always use
               127.0.0.1
  --rtt-ms N   the round trip the workflow's relay adds (default 50)
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
    Lookup,
    Threads,
    Page,
    Decode,
    Rss,
    Workflow,
}

struct Options {
    secs: f64,
    rounds: usize,
    only: Option<Section>,
    /// The host name the by-name sections use for the server.
    host: String,
    /// The round trip the relay of the workflow section adds.
    rtt: Duration,
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
                    "decode" => Section::Decode,
                    "rss" => Section::Rss,
                    "workflow" => Section::Workflow,
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

// ---------------------------------------------------------------------------
// The benchmark
// ---------------------------------------------------------------------------

fn bench(opts: &Options) -> BenchResult<()> {
    print_machine();
    let canned = Arc::new(Canned::new());
    let server = Server::start(Arc::clone(&canned))?;
    let base = server.url("127.0.0.1");
    let named = server.url(&opts.host);
    println!(
        "server {base} (by name {named}): token body {} B, page body {} B ({} tokens); {} round(s) of {} s per side",
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
    if opts.runs(Section::Lookup) {
        rows.extend(bench_lookup(opts, &named, &canned)?);
    }
    if opts.runs(Section::Threads) {
        rows.extend(bench_threads(&named, &canned)?);
    }
    if opts.runs(Section::Page) {
        rows.extend(bench_page(opts, &base, &canned)?);
    }
    if opts.runs(Section::Decode) {
        rows.push(bench_decode(opts, &canned.page_body)?);
    }
    if opts.runs(Section::Rss) {
        rows.extend(bench_rss(&named)?);
    }
    if opts.runs(Section::Workflow) {
        rows.extend(workflow::bench_workflow(opts)?);
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

/// The client's default time-outs: the whole attempt, and the connection.
const TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A bare agent configured exactly as `ClientBuilder::build` does with the
/// defaults (time-outs, status handling, redirects, user agent, accept, pool
/// size), with no proxy, and ureq's own resolver.
fn bare_agent() -> ureq::Agent {
    bare_config(Timeouts::Client).new_agent()
}

/// Whether a bare agent has the client's time-outs or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timeouts {
    Client,
    None,
}

/// The configuration of [`bare_agent`], or the same without time-outs.
fn bare_config(timeouts: Timeouts) -> ureq::config::Config {
    bare_config_builder(timeouts).build()
}

fn bare_config_builder(
    timeouts: Timeouts,
) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
    let on = timeouts == Timeouts::Client;
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(on.then_some(TIMEOUT))
        .timeout_connect(on.then_some(CONNECT_TIMEOUT))
        .user_agent(USER_AGENT)
        .accept("application/json")
        .max_idle_connections(16)
        .max_idle_connections_per_host(16)
        .proxy(None)
}

/// The same agent, except that it skips name resolution for an IP-literal
/// host. With a global time-out set, ureq's default resolver runs
/// `getaddrinfo` on a new thread for every request, even one that reuses a
/// pooled connection; this agent shows what a request costs without that.
fn bare_agent_without_resolver_thread() -> ureq::Agent {
    ureq::Agent::with_parts(
        bare_config(Timeouts::Client),
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

/// One bare agent to compare our `GetToken` against, and what to report.
struct Against {
    /// Shown in the `(other)` column.
    label: &'static str,
    agent: ureq::Agent,
    goal: Goal,
    /// The section's progress line.
    what: &'static str,
}

/// Our `GetToken` against each of `against`, on one keep-alive connection
/// per side; only the agent differs between the comparisons.
fn get_token_rows(
    opts: &Options,
    base: &str,
    canned: &Canned,
    section: &str,
    name: &'static str,
    against: &[Against],
) -> BenchResult<Vec<Row>> {
    let client = our_client(base)?;
    let url = format!("{base}/me/tokens/{TOKEN_ID}{SHARED_QUERY}");
    let authorization = format!("Bearer {ACCESS_TOKEN}");
    let bytes = canned.token_body.len() as u64;

    // Setup: every side gets what it should before anything is timed.
    let token = client.send(GetToken::new(TOKEN_ID))?;
    if token.id != TOKEN_ID || token.scope.is_empty() {
        return Err(format!("unexpected token {token:?}").into());
    }
    for side in against {
        if bare_get(&side.agent, &url, &authorization)? != canned.token_body {
            return Err(format!("bare ureq ({}) got another body", side.label).into());
        }
    }

    let mut rows = Vec::new();
    for side in against {
        println!("[{section}] {}", side.what);
        let cmp = compare(
            opts,
            || {
                black_box(client.send(GetToken::new(TOKEN_ID))?);
                Ok(bytes)
            },
            || {
                black_box(bare_get(&side.agent, &url, &authorization)?);
                Ok(bytes)
            },
        )?;
        rows.push(Row::timed(name, side.label, &cmp, Unit::Calls, side.goal));
    }
    Ok(rows)
}

/// `token`: the server named by its IP address.
fn bench_token(opts: &Options, base: &str, canned: &Canned) -> BenchResult<Vec<Row>> {
    get_token_rows(
        opts,
        base,
        canned,
        "token",
        "GetToken by IP, calls/s",
        &[
            Against {
                label: "ureq",
                agent: bare_agent(),
                goal: Goal::AtLeast(0.9),
                what: "GetToken by IP vs bare ureq with the same time-outs",
            },
            Against {
                label: "ureq-nr",
                agent: bare_agent_without_resolver_thread(),
                goal: Goal::Info,
                what: "for reference: GetToken by IP vs bare ureq without the per-request resolver thread",
            },
        ],
    )
}

/// `lookup`: the server named by a host name, which `/etc/hosts` answers.
fn bench_lookup(opts: &Options, base: &str, canned: &Canned) -> BenchResult<Vec<Row>> {
    get_token_rows(
        opts,
        base,
        canned,
        "lookup",
        "GetToken by name, calls/s",
        &[
            Against {
                label: "ureq",
                agent: bare_agent(),
                goal: Goal::AtLeast(1.0),
                what: "GetToken by name vs bare ureq with the same time-outs (a lookup thread per request)",
            },
            Against {
                label: "ureq-nt",
                agent: bare_config(Timeouts::None).new_agent(),
                goal: Goal::AtLeast(0.9),
                what: "GetToken by name vs bare ureq without time-outs (a lookup per request, no thread)",
            },
        ],
    )
}

/// Requests in one burst of the `threads` section.
const BURST: u32 = 1000;
/// Bursts per side; each side reports its smallest.
const BURSTS: usize = 5;

/// `threads`: how many threads each side starts per request on a pooled
/// connection, from the system's count of tasks created around bursts.
fn bench_threads(base: &str, canned: &Canned) -> BenchResult<Vec<Row>> {
    let client = our_client(base)?;
    let timed = bare_agent();
    let untimed = bare_config(Timeouts::None).new_agent();
    let url = format!("{base}/me/tokens/{TOKEN_ID}{SHARED_QUERY}");
    let authorization = format!("Bearer {ACCESS_TOKEN}");
    let ours = || -> BenchResult<()> {
        black_box(client.send(GetToken::new(TOKEN_ID))?);
        Ok(())
    };
    let bare = |agent: &ureq::Agent| -> BenchResult<()> {
        if bare_get(agent, &url, &authorization)? != canned.token_body {
            return Err("bare ureq got another body".into());
        }
        Ok(())
    };
    let mut sides: [(&str, Side<'_>); 3] = [
        ("ours", Box::new(ours)),
        ("ureq", Box::new(|| bare(&timed))),
        ("ureq-nt", Box::new(|| bare(&untimed))),
    ];
    println!(
        "[threads] tasks created system-wide (/proc/stat `processes`) around bursts of {BURST} GetToken by name, after each side's first request; smallest of {BURSTS} bursts"
    );
    // The first request opens the connection (and may start a thread for
    // its lookup); it is not counted.
    for (_, side) in &mut sides {
        side()?;
    }
    let mut best = [u64::MAX; 3];
    let mut all: [Vec<u64>; 3] = Default::default();
    for _ in 0..BURSTS {
        for (i, (_, side)) in sides.iter_mut().enumerate() {
            let before = tasks_created()?;
            for _ in 0..BURST {
                side()?;
            }
            let created = tasks_created()?.saturating_sub(before);
            best[i] = best[i].min(created);
            all[i].push(created);
        }
    }
    let per_request = |i: usize| best[i] as f64 / f64::from(BURST);
    for (i, (label, _)) in sides.iter().enumerate() {
        println!(
            "  {label:<8} {:.3} threads/request (tasks per burst: {:?})",
            per_request(i),
            all[i]
        );
    }
    Ok(vec![
        Row::threads(
            "threads/request by name",
            "ureq",
            per_request(0),
            per_request(1),
            Goal::OursAtMost(0.01),
        ),
        Row::threads(
            "threads/request by name",
            "ureq-nt",
            per_request(0),
            per_request(2),
            Goal::Info,
        ),
    ])
}

/// One side of the `threads` section: one request.
type Side<'a> = Box<dyn FnMut() -> BenchResult<()> + 'a>;

/// Tasks (processes and threads) the kernel has created since boot, on the
/// whole machine: the `processes` line of `/proc/stat`. It only ever grows,
/// so other processes' forks can only add to a count taken around a burst.
fn tasks_created() -> BenchResult<u64> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let line = stat
        .lines()
        .find_map(|l| l.strip_prefix("processes "))
        .ok_or("no `processes` line in /proc/stat")?;
    Ok(line.trim().parse()?)
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
            1.1,
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
    /// The ratio at least this.
    AtLeast(f64),
    /// The ratio at most this.
    AtMost(f64),
    /// Our own figure (not the ratio) at most this.
    OursAtMost(f64),
    /// For reference only.
    Info,
}

impl Goal {
    fn met(self, row: &Row) -> bool {
        match self {
            Goal::AtLeast(goal) => row.ratio >= goal,
            Goal::AtMost(goal) => row.ratio <= goal,
            Goal::OursAtMost(goal) => row.ours <= goal,
            Goal::Info => true,
        }
    }

    fn describe(self) -> String {
        match self {
            Goal::AtLeast(goal) => format!(">= {goal:.2}"),
            Goal::AtMost(goal) => format!("<= {goal:.2}"),
            Goal::OursAtMost(goal) => format!("us<={goal}"),
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
    /// Decimals shown for `ours` and `theirs`.
    decimals: usize,
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
            decimals: 1,
            cpu_us: cmp.cpu_per_call_us(),
        }
    }

    /// Threads started per request, ours and the other side's; the ratio
    /// is ours over theirs.
    fn threads(
        name: &'static str,
        other: &'static str,
        ours: f64,
        theirs: f64,
        goal: Goal,
    ) -> Self {
        Row {
            name,
            other,
            ours,
            theirs,
            ratio: ours / theirs,
            goal,
            decimals: 3,
            cpu_us: None,
        }
    }

    /// Figures given as they are, with a ratio of their own.
    #[cfg_attr(not(feature = "rustls"), allow(dead_code))]
    fn given(
        name: &'static str,
        other: &'static str,
        (ours, theirs, ratio): (f64, f64, f64),
        goal: Goal,
    ) -> Self {
        Row {
            name,
            other,
            ours,
            theirs,
            ratio,
            goal,
            decimals: 1,
            cpu_us: None,
        }
    }

    fn memory(name: &'static str, other: &'static str, ours: u64, theirs: u64, max: f64) -> Self {
        Row {
            name,
            other,
            ours: ours as f64,
            theirs: theirs as f64,
            ratio: ours as f64 / theirs as f64,
            goal: Goal::AtMost(max),
            decimals: 0,
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
            "{:<30} {:>12.*} {:>12.*} {:<7} {:>7}  {:<8} {}",
            row.name,
            row.decimals,
            row.ours,
            row.decimals,
            row.theirs,
            row.other,
            if row.ratio.is_finite() {
                format!("{:.3}", row.ratio)
            } else {
                "-".to_owned()
            },
            row.goal.describe(),
            match (row.goal, row.goal.met(row)) {
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
        "ureq: bare ureq configured as our client (same time-outs); ureq-nr: the same without the per-request resolver thread; ureq-nt: the same without time-outs"
    );
    println!("decode row: ours = serde_json into ApiTokens, other = into serde_json::Value");
    println!(
        "threads rows: fewest tasks created on the machine in a burst of {BURST} requests, per request"
    );
    println!(
        "workflow rows: milliseconds; floor = one round trip per request plus two (TCP, TLS handshakes)"
    );
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

// ---------------------------------------------------------------------------
// The workflow over HTTPS, through a latency relay
// ---------------------------------------------------------------------------

/// `workflow`: a short session over HTTPS through [`Relay`], against the
/// crate's fake server with TLS, ours against bare ureq.
#[cfg(feature = "rustls")]
mod workflow {
    use std::time::{Duration, Instant};

    use losant_rest::Client;
    use losant_rest::fake::{FakeLosant, Fault};
    use losant_rest::schema::{ApiTokenPatch, ApiTokenPost};
    use losant_rest::tokens::{CreateToken, DeleteToken, GetToken, ListTokens, UpdateToken};

    use super::{
        BenchResult, Goal, Options, Row, SHARED_QUERY, Timeouts, bare_config_builder, median,
    };
    use crate::relay::Relay;

    /// Tokens the fake holds; every list asks for all of them at once.
    const SEEDED: usize = 100;
    /// Times the session repeats: list, create, get, patch, delete.
    const REPEATS: usize = 5;

    /// What one side's session took.
    struct Session {
        wall: Duration,
        /// Each request's wall time, in order.
        latencies: Vec<Duration>,
        /// Requests the fake received.
        requests: usize,
        /// TCP connections the relay accepted.
        connections: usize,
        /// Requests that asked to wait for `100 Continue`.
        expects: usize,
    }

    impl Session {
        /// One round trip per request, and two for the first TCP and TLS
        /// handshakes.
        fn floor(&self, rtt: Duration) -> Duration {
            rtt * (self.requests as u32 + 2)
        }
    }

    /// Runs `session` (which returns each request's latency) with the fake's
    /// and the relay's counters read around it.
    fn measure(
        fake: &FakeLosant,
        relay: &Relay,
        session: impl FnOnce() -> BenchResult<Vec<Duration>>,
    ) -> BenchResult<Session> {
        let requests = fake.request_count();
        let recorded = fake.requests().len();
        let connections = relay.connections();
        let start = Instant::now();
        let latencies = session()?;
        let wall = start.elapsed();
        let expects = fake.requests()[recorded..]
            .iter()
            .filter(|r| r.header("expect").is_some())
            .count();
        Ok(Session {
            wall,
            latencies,
            requests: fake.request_count() - requests,
            connections: relay.connections() - connections,
            expects,
        })
    }

    /// Times `f` into `latencies`.
    fn timed<T>(
        latencies: &mut Vec<Duration>,
        f: impl FnOnce() -> BenchResult<T>,
    ) -> BenchResult<T> {
        let start = Instant::now();
        let out = f()?;
        latencies.push(start.elapsed());
        Ok(out)
    }

    /// Our client for the fake, trusting its CA and reaching it through the
    /// relay (`localhost` is mapped to the relay's address).
    fn our_client(fake: &FakeLosant, relay: &Relay) -> BenchResult<Client> {
        Ok(Client::builder()
            .access_token(fake.access_token())
            .base_url(format!("https://localhost:{}", relay.addr().port()))
            .resolve("localhost", relay.addr())
            .add_root_certificates(FakeLosant::ca_pem())
            .no_proxy()
            .build()?)
    }

    /// A bare agent configured as our client, trusting only the fake's CA,
    /// and the base URL that reaches the fake through the relay by name.
    fn bare_agent(relay: &Relay) -> BenchResult<(ureq::Agent, String)> {
        let ca = ureq::tls::Certificate::from_pem(FakeLosant::ca_pem().as_bytes())?;
        let tls = ureq::tls::TlsConfig::builder()
            .provider(ureq::tls::TlsProvider::Rustls)
            .root_certs(ureq::tls::RootCerts::new_with_certs(&[ca]))
            .build();
        let agent = bare_config_builder(Timeouts::Client)
            .tls_config(tls)
            .build()
            .new_agent();
        Ok((agent, format!("https://localhost:{}", relay.addr().port())))
    }

    /// The session with our client, a new one (so a new connection).
    fn ours(fake: &FakeLosant, relay: &Relay) -> BenchResult<Vec<Duration>> {
        let client = our_client(fake, relay)?;
        let mut latencies = Vec::new();
        for i in 0..REPEATS {
            let l = &mut latencies;
            // Every token, as a program would list them: the walk should
            // stop on `totalCount` without asking for an empty page.
            let listed = timed(l, || {
                let mut listed = 0;
                for token in client.paginate(ListTokens::new().per_page(SEEDED as u32)) {
                    token?;
                    listed += 1;
                }
                Ok(listed)
            })?;
            if listed != SEEDED {
                return Err(format!("listed {listed} tokens, not {SEEDED}").into());
            }
            let post = ApiTokenPost::new(format!("bench-workflow-{i}")).scope(["all.User.read"]);
            let created = timed(l, || Ok(client.send(CreateToken::new(post))?))?;
            let id = created.id;
            timed(l, || Ok(client.send(GetToken::new(&id))?))?;
            let patch = ApiTokenPatch::new().description("patched by the benchmark");
            timed(l, || Ok(client.send(UpdateToken::new(&id, patch))?))?;
            timed(l, || Ok(client.send(DeleteToken::new(&id))?))?;
        }
        Ok(latencies)
    }

    /// A bare request with the headers our client sends on every call.
    fn signed<B>(request: ureq::RequestBuilder<B>, authorization: &str) -> ureq::RequestBuilder<B> {
        request
            .header("accept-version", super::ACCEPT_VERSION)
            .header("authorization", authorization)
    }

    /// The same session by hand with a bare agent configured as our client,
    /// trusting the fake's CA, and reaching the relay by name.
    fn bare(fake: &FakeLosant, relay: &Relay) -> BenchResult<Vec<Duration>> {
        let (agent, base) = bare_agent(relay)?;
        let authorization = format!("Bearer {}", fake.access_token());
        let collection = format!("{base}/me/tokens{SHARED_QUERY}");
        let one = |id: &str| format!("{base}/me/tokens/{id}{SHARED_QUERY}");
        let check = |what: &str, mut response: ureq::http::Response<ureq::Body>| {
            let status = response.status();
            let body = response.body_mut().read_to_vec()?;
            if !status.is_success() {
                return Err(format!("bare {what}: status {status}").into());
            }
            BenchResult::Ok(body)
        };
        let mut latencies = Vec::new();
        for i in 0..REPEATS {
            let l = &mut latencies;
            let list = format!("{collection}&perPage={SEEDED}");
            let page = timed(l, || {
                let response = signed(agent.get(&list), &authorization).call()?;
                check("list", response)
            })?;
            let page: serde_json::Value = serde_json::from_slice(&page)?;
            if page["items"].as_array().map(Vec::len) != Some(SEEDED) {
                return Err("bare list: not every token".into());
            }
            let created = timed(l, || {
                let body = format!(r#"{{"name":"bench-workflow-{i}","scope":["all.User.read"]}}"#);
                let response = signed(agent.post(&collection), &authorization)
                    .content_type("application/json")
                    .send(body.as_bytes())?;
                check("create", response)
            })?;
            let created: serde_json::Value = serde_json::from_slice(&created)?;
            let id = created["id"].as_str().ok_or("bare create: no id")?;
            let url = one(id);
            timed(l, || {
                let response = signed(agent.get(&url), &authorization).call()?;
                check("get", response)
            })?;
            timed(l, || {
                let response = signed(agent.patch(&url), &authorization)
                    .content_type("application/json")
                    .send(&br#"{"description":"patched by the benchmark"}"#[..])?;
                check("patch", response)
            })?;
            timed(l, || {
                let response = signed(agent.delete(&url), &authorization).call()?;
                check("delete", response)
            })?;
        }
        Ok(latencies)
    }

    /// One side's `GET` of a token: what the reconnect probe repeats.
    type Get = Box<dyn FnMut() -> BenchResult<()>>;

    fn our_get(fake: &FakeLosant, relay: &Relay, id: &str) -> BenchResult<Get> {
        let client = our_client(fake, relay)?;
        let id = id.to_owned();
        Ok(Box::new(move || {
            client.send(GetToken::new(&id))?;
            Ok(())
        }))
    }

    fn bare_get(fake: &FakeLosant, relay: &Relay, id: &str) -> BenchResult<Get> {
        let (agent, base) = bare_agent(relay)?;
        let url = format!("{base}/me/tokens/{id}{SHARED_QUERY}");
        let authorization = format!("Bearer {}", fake.access_token());
        Ok(Box::new(move || {
            let mut response = agent
                .get(&url)
                .header("accept-version", super::ACCEPT_VERSION)
                .header("authorization", &authorization)
                .call()?;
            response.body_mut().read_to_vec()?;
            if response.status() != 200 {
                return Err(format!("bare get: status {}", response.status()).into());
            }
            Ok(())
        }))
    }

    /// What a second connection of the same client costs.
    struct Reconnect {
        /// The request that had to open it, in round trips.
        rtts: f64,
        /// Bytes from the server on a fresh client's first connection, and
        /// on the second connection of a client that already had one (one
        /// `GET` each): a resumed TLS handshake sends no certificates.
        fresh_bytes: u64,
        again_bytes: u64,
        /// Connections the probe's second client opened (2 expected).
        connections: usize,
    }

    /// Makes a client reconnect: the fake closes the connection after a
    /// response, and once the close has crossed the relay, the next request
    /// needs a new connection (TCP and TLS handshakes again).
    fn reconnect(
        fake: &FakeLosant,
        relay: &Relay,
        rtt: Duration,
        new_get: impl Fn() -> BenchResult<Get>,
    ) -> BenchResult<Reconnect> {
        let bytes = |index: usize| relay.bytes_down(index).ok_or("relay: no such connection");
        let fresh = relay.connections();
        new_get()?()?;
        let fresh_bytes = bytes(fresh)?;

        let first = relay.connections();
        let mut get = new_get()?;
        get()?;
        fake.fail_next(1, Fault::close_after_response());
        get()?;
        std::thread::sleep(rtt * 2 + Duration::from_millis(20));
        let again = relay.connections();
        let start = Instant::now();
        get()?;
        let rtts = start.elapsed().as_secs_f64() / rtt.as_secs_f64();
        Ok(Reconnect {
            rtts,
            fresh_bytes,
            again_bytes: bytes(again)?,
            connections: relay.connections() - first,
        })
    }

    fn ms(d: Duration) -> f64 {
        d.as_secs_f64() * 1e3
    }

    pub(super) fn bench_workflow(opts: &Options) -> BenchResult<Vec<Row>> {
        let fake = FakeLosant::builder().tls(true).start()?;
        fake.seed(SEEDED);
        let upstream = std::net::SocketAddr::from(([127, 0, 0, 1], fake.port()));
        let relay = Relay::start(upstream, opts.rtt)?;
        let rtt = opts.rtt;
        println!(
            "[workflow] HTTPS through a relay adding a {:.0} ms round trip (fake {}, relay {}): {REPEATS} x (list {SEEDED}, create, get, patch, delete), a new client per session",
            ms(rtt),
            fake.url(),
            relay.addr()
        );
        let mut sessions: [Vec<Session>; 2] = Default::default();
        let mut ratios = Vec::new();
        for round in 0..opts.rounds {
            // Alternate which side goes first.
            let (o, t) = if round % 2 == 0 {
                let o = measure(&fake, &relay, || ours(&fake, &relay))?;
                (o, measure(&fake, &relay, || bare(&fake, &relay))?)
            } else {
                let t = measure(&fake, &relay, || bare(&fake, &relay))?;
                (measure(&fake, &relay, || ours(&fake, &relay))?, t)
            };
            ratios.push(o.wall.as_secs_f64() / t.wall.as_secs_f64());
            for (side, s) in [("ours", &o), ("ureq", &t)] {
                let first = s.latencies.first().copied().unwrap_or_default();
                let rest: Vec<f64> = s.latencies.iter().skip(1).map(|&d| ms(d)).collect();
                let max = rest.iter().copied().fold(0.0, f64::max);
                println!(
                    "  round {}: {side:<4} {:>7.1} ms, {} requests, {} connection(s), {} Expect header(s); {:.2} x floor; first request {:.1} ms, the rest median {:.1} ms, max {:.1} ms",
                    round + 1,
                    ms(s.wall),
                    s.requests,
                    s.connections,
                    s.expects,
                    s.wall.as_secs_f64() / s.floor(rtt).as_secs_f64(),
                    ms(first),
                    median(rest),
                    max
                );
            }
            sessions[0].push(o);
            sessions[1].push(t);
        }
        // Each side's median session by wall time.
        let pick = |side: &mut Vec<Session>| {
            side.sort_by_key(|s| s.wall);
            side.swap_remove(side.len() / 2)
        };
        let [mut o, mut t] = sessions;
        let (o, t) = (pick(&mut o), pick(&mut t));
        println!();
        println!(
            "  {:<6} {:>9} {:>9} {:>12} {:>9} {:>10}",
            "side", "wall ms", "requests", "connections", "floor ms", "x floor"
        );
        for (side, s) in [("ours", &o), ("ureq", &t)] {
            println!(
                "  {side:<6} {:>9.1} {:>9} {:>12} {:>9.1} {:>10.3}",
                ms(s.wall),
                s.requests,
                s.connections,
                ms(s.floor(rtt)),
                s.wall.as_secs_f64() / s.floor(rtt).as_secs_f64()
            );
        }
        let floor = ms(o.floor(rtt));

        println!();
        println!(
            "  reconnect probe: the fake closes the connection after a response; the next GET opens a second one"
        );
        let id = fake.seed(1).remove(0);
        let probes = [
            (
                "ours",
                reconnect(&fake, &relay, rtt, || our_get(&fake, &relay, &id))?,
            ),
            (
                "ureq",
                reconnect(&fake, &relay, rtt, || bare_get(&fake, &relay, &id))?,
            ),
        ];
        for (side, r) in &probes {
            println!(
                "  {side:<6} {} connections; the GET that reconnected took {:.2} round trips; server sent {} B on a fresh client's connection, {} B on the second: TLS {}",
                r.connections,
                r.rtts,
                r.fresh_bytes,
                r.again_bytes,
                if r.again_bytes + 512 < r.fresh_bytes {
                    "resumed"
                } else {
                    "not resumed (full handshake)"
                }
            );
        }
        Ok(vec![
            Row::given(
                "HTTPS workflow vs floor, ms",
                "floor",
                (ms(o.wall), floor, ms(o.wall) / floor),
                Goal::AtMost(1.1),
            ),
            Row::given(
                "HTTPS workflow vs ureq, ms",
                "ureq",
                (ms(o.wall), ms(t.wall), median(ratios)),
                Goal::AtMost(1.02),
            ),
            Row::given(
                "HTTPS workflow, connections",
                "ureq",
                (
                    o.connections as f64,
                    t.connections as f64,
                    o.connections as f64 / t.connections as f64,
                ),
                Goal::OursAtMost(1.0),
            ),
        ])
    }
}

/// Without TLS there is no HTTPS fake to run the workflow against.
#[cfg(not(feature = "rustls"))]
mod workflow {
    pub(super) fn bench_workflow(_: &super::Options) -> super::BenchResult<Vec<super::Row>> {
        println!("[workflow] skipped: it needs the `rustls` feature");
        Ok(Vec::new())
    }
}

/// A TCP relay on 127.0.0.1 that makes loopback look like a long path: it
/// waits one round trip before connecting upstream (the TCP handshake's),
/// then holds every chunk for half a round trip in each direction. Chunks
/// are forwarded as they come (each is due half a round trip after it was
/// read, whatever is still in flight), with `TCP_NODELAY` on both sockets,
/// so the relay neither limits bandwidth nor adds Nagle stalls of its own.
/// It counts the connections it accepts.
#[cfg_attr(not(feature = "rustls"), allow(dead_code))]
mod relay {
    use std::io::{self, Read, Write};
    use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex, PoisonError, mpsc};
    use std::thread;
    use std::time::{Duration, Instant};

    pub(crate) struct Relay {
        addr: SocketAddr,
        /// Per accepted connection, in order, the bytes relayed from the
        /// server to the client.
        connections: Arc<Mutex<Vec<Arc<AtomicU64>>>>,
    }

    impl Relay {
        /// Listens on a free port of 127.0.0.1 and relays to `upstream`
        /// with `rtt` added, until the process ends.
        pub(crate) fn start(upstream: SocketAddr, rtt: Duration) -> io::Result<Relay> {
            let listener = TcpListener::bind("127.0.0.1:0")?;
            let addr = listener.local_addr()?;
            let connections = Arc::new(Mutex::new(Vec::new()));
            let accepted = Arc::clone(&connections);
            thread::spawn(move || {
                for client in listener.incoming() {
                    let Ok(client) = client else { continue };
                    let down = Arc::new(AtomicU64::new(0));
                    accepted
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(Arc::clone(&down));
                    thread::spawn(move || {
                        // A side that goes away ends the relay of its
                        // connection; nothing to report.
                        let _ = relay(client, upstream, rtt, &down);
                    });
                }
            });
            Ok(Relay { addr, connections })
        }

        pub(crate) fn addr(&self) -> SocketAddr {
            self.addr
        }

        /// Connections accepted so far.
        pub(crate) fn connections(&self) -> usize {
            self.connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .len()
        }

        /// Bytes relayed so far from the server to the client on connection
        /// `index` (counting from 0 in the order of acceptance).
        pub(crate) fn bytes_down(&self, index: usize) -> Option<u64> {
            let connections = self
                .connections
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            Some(connections.get(index)?.load(Ordering::SeqCst))
        }
    }

    fn relay(
        client: TcpStream,
        upstream: SocketAddr,
        rtt: Duration,
        down_bytes: &Arc<AtomicU64>,
    ) -> io::Result<()> {
        client.set_nodelay(true)?;
        // The TCP handshake: the client's first bytes wait for it.
        thread::sleep(rtt);
        let server = TcpStream::connect(upstream)?;
        server.set_nodelay(true)?;
        let half = rtt / 2;
        let up = pump(client.try_clone()?, server.try_clone()?, half, None)?;
        let down = pump(server, client, half, Some(Arc::clone(down_bytes)))?;
        let _ = up.join();
        let _ = down.join();
        Ok(())
    }

    /// Copies `from` to `to`, each chunk `delay` after it was read, counting
    /// the bytes read into `count`; an end of stream is passed on (as a
    /// shutdown of `to`'s writing side) after the same delay. Two threads:
    /// one reads, one writes when due.
    fn pump(
        mut from: TcpStream,
        mut to: TcpStream,
        delay: Duration,
        count: Option<Arc<AtomicU64>>,
    ) -> io::Result<thread::JoinHandle<()>> {
        let (tx, rx) = mpsc::channel::<(Instant, Option<Vec<u8>>)>();
        thread::Builder::new().spawn(move || {
            let mut buf = vec![0; 64 * 1024];
            loop {
                let chunk = match from.read(&mut buf) {
                    Ok(0) | Err(_) => None,
                    Ok(n) => Some(buf[..n].to_vec()),
                };
                if let (Some(count), Some(chunk)) = (&count, &chunk) {
                    count.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                }
                let end = chunk.is_none();
                if tx.send((Instant::now() + delay, chunk)).is_err() || end {
                    return;
                }
            }
        })?;
        thread::Builder::new().spawn(move || {
            for (due, chunk) in rx {
                let now = Instant::now();
                if due > now {
                    thread::sleep(due - now);
                }
                match chunk {
                    Some(bytes) if to.write_all(&bytes).is_ok() => {}
                    _ => {
                        let _ = to.shutdown(Shutdown::Write);
                        return;
                    }
                }
            }
        })
    }
}
