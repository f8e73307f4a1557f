//! The timed sections over plain HTTP: token, lookup, threads, page,
//! decode, send_as.

#[allow(clippy::wildcard_imports)]
use super::*;

/// `token`: the server named by its IP address.
pub(crate) fn bench_token(opts: &Options, base: &str, canned: &Canned) -> BenchResult<Vec<Row>> {
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
pub(crate) fn bench_lookup(opts: &Options, base: &str, canned: &Canned) -> BenchResult<Vec<Row>> {
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
pub(crate) const BURST: u32 = 1000;
/// Bursts per side; each side reports its smallest.
pub(crate) const BURSTS: usize = 5;

/// `threads`: how many threads each side starts per request on a pooled
/// connection, from the system's count of tasks created around bursts.
pub(crate) fn bench_threads(base: &str, canned: &Canned) -> BenchResult<Vec<Row>> {
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
pub(crate) type Side<'a> = Box<dyn FnMut() -> BenchResult<()> + 'a>;

/// Tasks (processes and threads) the kernel has created since boot, on the
/// whole machine: the `processes` line of `/proc/stat`. It only ever grows,
/// so other processes' forks can only add to a count taken around a burst.
pub(crate) fn tasks_created() -> BenchResult<u64> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let line = stat
        .lines()
        .find_map(|l| l.strip_prefix("processes "))
        .ok_or("no `processes` line in /proc/stat")?;
    Ok(line.trim().parse()?)
}

pub(crate) fn bench_page(opts: &Options, base: &str, canned: &Canned) -> BenchResult<Vec<Row>> {
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

/// The three fields of a token a script reads, for `send_as`.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Three {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) expiration_date: Option<String>,
}

/// A page of [`Three`]s and the count a script checks.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ThreePage {
    pub(crate) items: Vec<Three>,
    pub(crate) total_count: u64,
}

/// `send_as`: the page of `page`, decoded into three fields a token.
pub(crate) fn bench_send_as(opts: &Options, base: &str, canned: &Canned) -> BenchResult<Vec<Row>> {
    let client = our_client(base)?;
    let agent = bare_agent();
    let url = format!("{base}/me/tokens{SHARED_QUERY}&perPage={PAGE_SIZE}");
    let authorization = format!("Bearer {ACCESS_TOKEN}");
    let bytes = canned.page_body.len() as u64;
    let request = ListTokens::new().per_page(PAGE_SIZE);

    let page: ThreePage = client.send_as(&request)?;
    let last = page.items.last().ok_or("an empty page")?;
    if page.items.len() != PAGE_SIZE as usize
        || page.total_count != u64::from(PAGE_SIZE)
        || last.id.len() != 24
        || !last.name.starts_with("ci-deploy-")
        || last.expiration_date.is_none()
    {
        return Err(format!("unexpected page of {} tokens", page.items.len()).into());
    }
    drop(page);

    println!(
        "[send_as] ListTokens perPage={PAGE_SIZE} into three fields a token, vs read undecoded"
    );
    let cmp = compare(
        opts,
        || {
            black_box(client.send_as::<ThreePage>(&request)?);
            Ok(bytes)
        },
        || {
            black_box(bare_get(&agent, &url, &authorization)?);
            Ok(bytes)
        },
    )?;
    let mut rows = vec![Row::timed(
        "send_as 3 fields x 1000, calls/s",
        "ureq",
        &cmp,
        Unit::Calls,
        Goal::AtLeast(0.4),
    )];
    // The parser's limit, for reference: the same page skipped whole,
    // keeping nothing (`IgnoredAny`), which no answer type can beat.
    println!(
        "[send_as] for reference: the same page skipped whole (IgnoredAny), vs read undecoded"
    );
    let cmp = compare(
        opts,
        || {
            black_box(client.send_as::<serde::de::IgnoredAny>(&request)?);
            Ok(bytes)
        },
        || {
            black_box(bare_get(&agent, &url, &authorization)?);
            Ok(bytes)
        },
    )?;
    rows.push(Row::timed(
        "send_as skip all x 1000, calls/s",
        "ureq",
        &cmp,
        Unit::Calls,
        Goal::Info,
    ));
    Ok(rows)
}

/// `decode`: the client's own decode (`__decode_as`, what `send` and
/// `send_as` decode with) on the page in memory, typed against
/// `serde_json::Value`.
pub(crate) fn bench_decode(opts: &Options, body: &[u8]) -> BenchResult<Vec<Row>> {
    use losant_rest::__decode_as as decode;
    let bytes = body.len() as u64;
    let typed: ApiTokens = decode(body)?;
    if typed.items.len() != PAGE_SIZE as usize {
        return Err("the canned page does not decode into 1000 tokens".into());
    }
    let mut rows = Vec::new();
    println!("[decode] {bytes} B in memory: ApiTokens vs serde_json::Value");
    let cmp = compare(
        opts,
        || {
            black_box(decode::<ApiTokens>(black_box(body))?);
            Ok(bytes)
        },
        || {
            black_box(decode::<serde_json::Value>(black_box(body))?);
            Ok(bytes)
        },
    )?;
    rows.push(Row::timed(
        "decode ApiTokens, MB/s",
        "Value",
        &cmp,
        Unit::MegaBytes,
        Goal::AtLeast(2.0),
    ));
    println!("[decode] {bytes} B in memory: three fields a token vs serde_json::Value");
    let cmp = compare(
        opts,
        || {
            black_box(decode::<ThreePage>(black_box(body))?);
            Ok(bytes)
        },
        || {
            black_box(decode::<serde_json::Value>(black_box(body))?);
            Ok(bytes)
        },
    )?;
    rows.push(Row::timed(
        "decode 3 fields, MB/s",
        "Value",
        &cmp,
        Unit::MegaBytes,
        Goal::Info,
    ));
    Ok(rows)
}
