//! `workflow`: a short session over HTTPS through the latency relay,
//! against the crate's fake server with TLS, ours against bare ureq.

use std::time::{Duration, Instant};

use losant_rest::Client;
use losant_rest::fake::{FakeLosant, Fault};
use losant_rest::schema::{ApiTokenPatch, ApiTokenPost};
use losant_rest::tokens::{CreateToken, DeleteToken, GetToken, ListTokens, UpdateToken};

use super::{BenchResult, Goal, Options, Row, SHARED_QUERY, Timeouts, bare_config_builder, median};
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
fn timed<T>(latencies: &mut Vec<Duration>, f: impl FnOnce() -> BenchResult<T>) -> BenchResult<T> {
    let start = Instant::now();
    let out = f()?;
    latencies.push(start.elapsed());
    Ok(out)
}

/// Our client for the fake, trusting its CA and reaching it through the
/// relay (`localhost` is mapped to the relay's address).
pub(crate) fn our_client(fake: &FakeLosant, relay: &Relay) -> BenchResult<Client> {
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
pub(crate) fn bare_agent(relay: &Relay) -> BenchResult<(ureq::Agent, String)> {
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
        .header("accept-version", &super::mirrored().accept_version)
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
            .header("accept-version", &super::mirrored().accept_version)
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

/// The crate's fake server with TLS, seeded with `seeded` tokens, behind a
/// [`Relay`] that adds `rtt`: what any HTTPS section measures against. Reach
/// it with [`our_client`] and [`bare_agent`].
pub(crate) fn https_fake_behind_relay(
    seeded: usize,
    rtt: Duration,
) -> BenchResult<(FakeLosant, Relay)> {
    let fake = FakeLosant::builder().tls(true).start()?;
    fake.seed(seeded);
    let upstream = std::net::SocketAddr::from(([127, 0, 0, 1], fake.port()));
    let relay = Relay::start(upstream, rtt)?;
    Ok((fake, relay))
}

pub(crate) fn bench_workflow(opts: &Options) -> BenchResult<Vec<Row>> {
    let (fake, relay) = https_fake_behind_relay(SEEDED, opts.rtt)?;
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
