//! The two sides of every comparison: our client, and bare ureq configured
//! as our client configures it.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Our client, configured as a user would, minus the environment's proxy.
pub(crate) fn our_client(base: &str) -> BenchResult<Client> {
    Ok(Client::builder()
        .access_token(ACCESS_TOKEN)
        .base_url(base)
        .no_proxy()
        .build()?)
}

/// The client's default time-outs: the whole attempt, and the connection.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(30);
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A bare agent configured exactly as `ClientBuilder::build` does with the
/// defaults (time-outs, status handling, redirects, user agent, accept, pool
/// size), with no proxy, and ureq's own resolver.
pub(crate) fn bare_agent() -> ureq::Agent {
    bare_config(Timeouts::Client).new_agent()
}

/// Whether a bare agent has the client's time-outs or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timeouts {
    Client,
    None,
}

/// The configuration of [`bare_agent`], or the same without time-outs.
pub(crate) fn bare_config(timeouts: Timeouts) -> ureq::config::Config {
    bare_config_builder(timeouts).build()
}

pub(crate) fn bare_config_builder(
    timeouts: Timeouts,
) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
    let on = timeouts == Timeouts::Client;
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(on.then_some(TIMEOUT))
        .timeout_connect(on.then_some(CONNECT_TIMEOUT))
        .user_agent(&mirrored().user_agent)
        .accept("application/json")
        .max_idle_connections(16)
        .max_idle_connections_per_host(16)
        .proxy(None)
}

/// The same agent, except that it skips name resolution for an IP-literal
/// host. With a global time-out set, ureq's default resolver runs
/// `getaddrinfo` on a new thread for every request, even one that reuses a
/// pooled connection; this agent shows what a request costs without that.
pub(crate) fn bare_agent_without_resolver_thread() -> ureq::Agent {
    ureq::Agent::with_parts(
        bare_config(Timeouts::Client),
        ureq::unversioned::transport::DefaultConnector::new(),
        IpLiteralResolver::default(),
    )
}

/// Answers IP-literal hosts at once and hands names to ureq's resolver.
#[derive(Debug, Default)]
pub(crate) struct IpLiteralResolver(ureq::unversioned::resolver::DefaultResolver);

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
pub(crate) fn bare_get(
    agent: &ureq::Agent,
    url: &str,
    authorization: &str,
) -> BenchResult<Vec<u8>> {
    let mut response = agent
        .get(url)
        .header("accept-version", &mirrored().accept_version)
        .header("authorization", authorization)
        .call()?;
    if response.status() != 200 {
        return Err(format!("bare GET {url}: status {}", response.status()).into());
    }
    Ok(response.body_mut().read_to_vec()?)
}

/// One bare agent to compare our `GetToken` against, and what to report.
pub(crate) struct Against {
    /// Shown in the `(other)` column.
    pub(crate) label: &'static str,
    pub(crate) agent: ureq::Agent,
    pub(crate) goal: Goal,
    /// The section's progress line.
    pub(crate) what: &'static str,
}

/// Our `GetToken` against each of `against`, on one keep-alive connection
/// per side; only the agent differs between the comparisons.
pub(crate) fn get_token_rows(
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

/// What our client sends that a bare agent must send too, as the client
/// itself sent it: learned once, from a request of ours to the bench's
/// server, so the bare side cannot drift from the client.
pub(crate) struct Mirrored {
    pub(crate) accept_version: String,
    pub(crate) user_agent: String,
}

static MIRRORED: std::sync::OnceLock<Mirrored> = std::sync::OnceLock::new();

/// `GET /bench/echo`: the bench server answers with the headers and the
/// query it was sent.
struct Echo;

impl losant_rest::Request for Echo {
    type Response = HashMap<String, String>;

    fn method(&self) -> losant_rest::request::Method {
        losant_rest::request::Method::Get
    }

    fn path(&self, path: &mut losant_rest::request::Path<'_>) {
        path.push("/bench/echo");
    }
}

/// Sends one request of ours to the bench's server at `base`, and keeps the
/// `Accept-Version` and `User-Agent` it carried for the bare agents; checks
/// that the client sends [`SHARED_QUERY`] and `Accept: application/json`, as
/// the bare requests do.
pub(crate) fn mirror(base: &str) -> BenchResult<()> {
    let mut sent = our_client(base)?.send(Echo)?;
    let mut take = |name: &str| {
        sent.remove(name)
            .ok_or_else(|| format!("our client sent no {name}"))
    };
    let query = take("query")?;
    if query != SHARED_QUERY {
        return Err(
            format!("our client's query is {query:?}, the bench's {SHARED_QUERY:?}").into(),
        );
    }
    if take("accept")? != "application/json" {
        return Err("our client's Accept is not application/json".into());
    }
    let mirrored = Mirrored {
        accept_version: take("accept-version")?,
        user_agent: take("user-agent")?,
    };
    println!(
        "mirrored from our client: Accept-Version {:?}, User-Agent {:?}",
        mirrored.accept_version, mirrored.user_agent
    );
    // A second call keeps the first values: they are the same client's.
    let _ = MIRRORED.set(mirrored);
    Ok(())
}

/// The headers [`mirror`] learned; before it ran, none.
pub(crate) fn mirrored() -> &'static Mirrored {
    MIRRORED.get_or_init(|| Mirrored {
        accept_version: String::new(),
        user_agent: String::new(),
    })
}
