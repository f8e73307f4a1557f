//! `audit`: issue 17's audit, every token of 43 owners with
//! `client.all_tokens`, over HTTPS through the latency relay, against the
//! floor of round trips the job cannot do without.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use losant_rest::fake::{FakeLosant, Owner};
use losant_rest::owners::AllTokens;

use super::{BenchResult, Goal, Options, Row};
use crate::relay::Relay;
use crate::workflow::{https_fake_behind_relay, our_client};

/// Applications and instances the fake lists; with the user, 43 owners.
const APPLICATIONS: usize = 40;
const INSTANCES: usize = 2;
const OWNERS: usize = 1 + APPLICATIONS + INSTANCES;
/// Tokens each owner holds.
const TOKENS_EACH: usize = 5;
/// The first round's requests: `/me`, `/me/tokens` and the first page of
/// each directory (`/applications`, `/instances`), `concurrency` at a time.
const FIRST_ROUND: u32 = 4;
/// The owners read after the directories: every application and instance.
const OTHERS: u32 = (APPLICATIONS + INSTANCES) as u32;
/// The default concurrency of `AllTokens`, and the reference of one.
const DEFAULT_CONCURRENCY: usize = 8;
/// Quoted from issue 17 (the official JavaScript client, every owner at
/// once on 43 connections, at the same 50 ms round trip): not measured
/// here, there is no JavaScript client in this repository.
const JAVASCRIPT_QUOTED_MS: f64 = 860.0;

/// One run of the job with a new client.
struct Run {
    wall: Duration,
    /// When the directories had been read (the job's progress callback
    /// first counting every owner), from the start.
    directories: Option<Duration>,
    requests: usize,
    connections: usize,
}

/// The round trips no client can save at `concurrency`: the TCP and TLS
/// handshakes (TLS 1.3: one round trip each), the first round, and the
/// owners' rounds. At 8 this is issue 17's `2 + 1 + ceil(43 / 8)` (the
/// user's tokens ride in the first round): 9 round trips. At 1 it is
/// `2 + 43 + 3` (every owner, then `/me` and the two directories, one
/// after another): 48.
const fn floor_rounds(concurrency: usize) -> u32 {
    let c = if concurrency == 0 {
        1
    } else if concurrency > u32::MAX as usize {
        u32::MAX
    } else {
        concurrency as u32
    };
    2 + FIRST_ROUND.div_ceil(c) + OTHERS.div_ceil(c)
}

// Issue 17's floors: (2 + 1 + ceil(43 / 8)) x 50 ms = 450 ms at 8, and
// (2 + 43 + 3) round trips one owner at a time.
const _: () = assert!(floor_rounds(8) == 2 + 1 + 43_u32.div_ceil(8));
const _: () = assert!(floor_rounds(1) == 2 + 43 + 3);

/// Requests the job needs: the first round's four, one list per other owner
/// (five tokens each fit on one page).
fn planned_requests() -> usize {
    (FIRST_ROUND + OTHERS) as usize
}

/// The fake behind the relay, holding 43 owners' tokens.
fn seeded(rtt: Duration) -> BenchResult<(FakeLosant, Relay)> {
    let (fake, relay) = https_fake_behind_relay(TOKENS_EACH, rtt)?;
    for i in 0..APPLICATIONS {
        let id = fake.add_application(&format!("audit application {i:02}"));
        fake.seed_for(&Owner::application(id), TOKENS_EACH);
    }
    for i in 0..INSTANCES {
        let id = fake.add_instance(&format!("audit instance {i}"));
        fake.seed_for(&Owner::instance(id), TOKENS_EACH);
    }
    Ok((fake, relay))
}

/// Runs the audit once with a new client (so new connections, and full
/// handshakes: a new client shares no TLS session with the last one).
/// Errors, rather than a figure, when the inventory is not every token of
/// every owner.
fn run_once(fake: &FakeLosant, relay: &Relay, concurrency: usize) -> BenchResult<Run> {
    let client = our_client(fake, relay)?;
    let directories_at: Arc<Mutex<Option<Instant>>> = Arc::default();
    let seen = Arc::clone(&directories_at);
    let job = AllTokens::new()
        .concurrency(concurrency)
        .on_progress(move |p| {
            if p.owners_total == OWNERS {
                seen.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get_or_insert_with(Instant::now);
            }
        });
    let requests = fake.request_count();
    let connections = relay.connections();
    let start = Instant::now();
    let inventory = client.all_tokens(&job)?;
    let wall = start.elapsed();
    let run = Run {
        wall,
        directories: directories_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map(|at| at.duration_since(start)),
        requests: fake.request_count() - requests,
        connections: relay.connections() - connections,
    };
    if let Some(e) = inventory.errors.first() {
        return Err(format!(
            "audit: {} owner(s) or directories failed, first {}: {}",
            inventory.errors.len(),
            e.what,
            e.error
        )
        .into());
    }
    let tokens = OWNERS * TOKENS_EACH;
    if inventory.owners.len() != OWNERS || inventory.tokens.len() != tokens {
        return Err(format!(
            "audit: {} owners and {} tokens, not {OWNERS} and {tokens}",
            inventory.owners.len(),
            inventory.tokens.len()
        )
        .into());
    }
    Ok(run)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The runs at one concurrency, sorted by wall time.
struct Series {
    concurrency: usize,
    runs: Vec<Run>,
    floor: Duration,
}

impl Series {
    fn median(&self) -> &Run {
        &self.runs[self.runs.len() / 2]
    }

    fn ratio(&self) -> f64 {
        self.median().wall.as_secs_f64() / self.floor.as_secs_f64()
    }

    fn max_connections(&self) -> usize {
        self.runs.iter().map(|r| r.connections).max().unwrap_or(0)
    }
}

fn series(
    fake: &FakeLosant,
    relay: &Relay,
    rtt: Duration,
    concurrency: usize,
    runs: usize,
) -> BenchResult<Series> {
    let floor = rtt * floor_rounds(concurrency);
    println!(
        "  concurrency {concurrency}: {runs} runs, a new client each; floor {} round trips = {:.0} ms",
        floor_rounds(concurrency),
        ms(floor)
    );
    let mut all = Vec::with_capacity(runs);
    for i in 0..runs {
        let run = run_once(fake, relay, concurrency)?;
        println!(
            "    run {}: {:>7.1} ms ({:.2} x floor), directories read at {}, {} requests, {} connection(s)",
            i + 1,
            ms(run.wall),
            run.wall.as_secs_f64() / floor.as_secs_f64(),
            run.directories
                .map_or_else(|| "-".to_owned(), |d| format!("{:.1} ms", ms(d))),
            run.requests,
            run.connections
        );
        all.push(run);
    }
    all.sort_by_key(|r| r.wall);
    let s = Series {
        concurrency,
        runs: all,
        floor,
    };
    let (min, max) = (&s.runs[0], &s.runs[s.runs.len() - 1]);
    println!(
        "    median {:.1} ms (min {:.1}, max {:.1}); {:.3} x the floor of {:.0} ms; connections {} to {}; requests {} to {}",
        ms(s.median().wall),
        ms(min.wall),
        ms(max.wall),
        s.ratio(),
        ms(floor),
        s.runs.iter().map(|r| r.connections).min().unwrap_or(0),
        s.max_connections(),
        s.runs.iter().map(|r| r.requests).min().unwrap_or(0),
        s.runs.iter().map(|r| r.requests).max().unwrap_or(0),
    );
    Ok(s)
}

pub(crate) fn bench_audit(opts: &Options) -> BenchResult<Vec<Row>> {
    let rtt = opts.rtt;
    let (fake, relay) = seeded(rtt)?;
    // Each run at the default concurrency takes about ten round trips, so
    // more of them (2 x --rounds + 1, 7 by default); one owner at a time
    // takes about fifty, so --rounds of those.
    let runs = 2 * opts.rounds + 1;
    println!(
        "[audit] HTTPS through a relay adding a {:.0} ms round trip (fake {}, relay {}): client.all_tokens(&AllTokens::new()) over {OWNERS} owners ({APPLICATIONS} applications, {INSTANCES} instances, the user), {TOKENS_EACH} tokens each",
        ms(rtt),
        fake.url(),
        relay.addr()
    );
    // Not counted: the first use of the fake's TLS and the job's code.
    run_once(&fake, &relay, DEFAULT_CONCURRENCY)?;
    let wide = series(&fake, &relay, rtt, DEFAULT_CONCURRENCY, runs)?;
    let one = series(&fake, &relay, rtt, 1, opts.rounds)?;
    println!(
        "  for comparison, quoted from issue 17, NOT measured here: the JavaScript client, every owner at once, {JAVASCRIPT_QUOTED_MS:.0} ms on 43 connections (at 50 ms); ours at concurrency {}: {:.0} ms on {} connections",
        wide.concurrency,
        ms(wide.median().wall),
        wide.max_connections()
    );
    let planned = planned_requests() as f64;
    let mut rows = Vec::new();
    for (s, time_name, conns_name, reqs_name, goals) in [
        (
            &wide,
            "HTTPS audit c=8 vs floor, ms",
            "HTTPS audit c=8, connections",
            "HTTPS audit c=8, requests",
            Some((1.25, DEFAULT_CONCURRENCY)),
        ),
        (
            &one,
            "HTTPS audit c=1 vs floor, ms",
            "HTTPS audit c=1, connections",
            "HTTPS audit c=1, requests",
            None,
        ),
    ] {
        let median = s.median();
        rows.push(Row::given(
            time_name,
            "floor",
            (ms(median.wall), ms(s.floor), s.ratio()),
            goals.map_or(Goal::Info, |(ratio, _)| Goal::AtMost(ratio)),
        ));
        let most = s.max_connections() as f64;
        let allowed = s.concurrency as f64;
        rows.push(Row::given(
            conns_name,
            "limit",
            (most, allowed, most / allowed),
            goals.map_or(Goal::Info, |(_, n)| Goal::OursAtMost(n as f64)),
        ));
        let requests = median.requests as f64;
        rows.push(Row::given(
            reqs_name,
            "planned",
            (requests, planned, requests / planned),
            Goal::Info,
        ));
    }
    Ok(rows)
}
