//! Goals, rows and the summary tables.

#[allow(clippy::wildcard_imports)]
use super::*;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Goal {
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
    pub(crate) fn met(self, row: &Row) -> bool {
        match self {
            Goal::AtLeast(goal) => row.ratio >= goal,
            Goal::AtMost(goal) => row.ratio <= goal,
            Goal::OursAtMost(goal) => row.ours <= goal,
            Goal::Info => true,
        }
    }

    pub(crate) fn describe(self) -> String {
        match self {
            Goal::AtLeast(goal) => format!(">= {goal:.2}"),
            Goal::AtMost(goal) => format!("<= {goal:.2}"),
            Goal::OursAtMost(goal) => format!("us<={goal}"),
            Goal::Info => "-".to_owned(),
        }
    }
}

pub(crate) struct Row {
    pub(crate) name: &'static str,
    pub(crate) other: &'static str,
    pub(crate) ours: f64,
    pub(crate) theirs: f64,
    pub(crate) ratio: f64,
    pub(crate) goal: Goal,
    /// Decimals shown for `ours` and `theirs`.
    pub(crate) decimals: usize,
    /// Client-thread CPU per call, ours and the other side's, in µs.
    pub(crate) cpu_us: Option<(f64, f64)>,
}

impl Row {
    pub(crate) fn timed(
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
    pub(crate) fn threads(
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
    pub(crate) fn given(
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

    pub(crate) fn memory(
        name: &'static str,
        other: &'static str,
        ours: u64,
        theirs: u64,
        max: f64,
    ) -> Self {
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

pub(crate) fn print_summary(rows: &[Row]) {
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
    println!(
        "audit rows: milliseconds, median run; floor = 2 handshakes + the rounds at that concurrency, in round trips; connections: the most in one run"
    );
    println!(
        "audit, quoted from issue 17 and not measured here: the JavaScript client, every owner at once, 0.86 s on 43 connections"
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
