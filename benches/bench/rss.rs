//! Peak memory, in child processes: this binary run again with
//! `--rss-one-page URL` or `--rss-paginate URL`.

#[allow(clippy::wildcard_imports)]
use super::*;

/// What a child reports: its peak resident set before any request, and after.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Peak {
    pub(crate) baseline_kib: u64,
    pub(crate) peak_kib: u64,
    pub(crate) items: u64,
}

pub(crate) fn bench_rss(base: &str) -> BenchResult<Vec<Row>> {
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
pub(crate) fn child(mode: &str, url: &str, expected: u64) -> BenchResult<Peak> {
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
pub(crate) fn child_one_page(url: &str) -> BenchResult<()> {
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
pub(crate) fn child_paginate(url: &str) -> BenchResult<()> {
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
pub(crate) fn vm_hwm_kib() -> BenchResult<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .ok_or("no VmHWM in /proc/self/status")?;
    let kib = line.trim().trim_end_matches("kB").trim().parse()?;
    Ok(kib)
}
