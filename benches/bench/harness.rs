//! Timing: slices, rounds, ratios, the calling thread's CPU time.

#[allow(clippy::wildcard_imports)]
use super::*;

/// What one side did in one timed period.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Rate {
    pub(crate) calls: u64,
    pub(crate) bytes: u64,
    pub(crate) elapsed: Duration,
    /// CPU time of the calling thread (not the server's), when the kernel
    /// reports it.
    pub(crate) cpu: Duration,
}

impl Rate {
    /// Microseconds of this thread's CPU per call, if known.
    pub(crate) fn cpu_per_call_us(self) -> Option<f64> {
        (self.cpu > Duration::ZERO && self.calls > 0)
            .then(|| self.cpu.as_secs_f64() * 1e6 / self.calls as f64)
    }

    pub(crate) fn per_sec(self, unit: Unit) -> f64 {
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
pub(crate) enum Unit {
    Calls,
    MegaBytes,
}

/// Calls `f` until `period` is over; `f` returns the bytes it handled.
pub(crate) fn run_for(
    period: Duration,
    mut f: impl FnMut() -> BenchResult<u64>,
) -> BenchResult<Rate> {
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
pub(crate) fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = stat.split_whitespace().next()?.parse().ok()?;
    (ns > 0).then(|| Duration::from_nanos(ns))
}

pub(crate) fn fmt_us(us: Option<f64>) -> String {
    us.map_or_else(|| "n/a".to_owned(), |us| format!("{us:.1}"))
}

/// Both sides, round by round.
pub(crate) struct Comparison {
    pub(crate) ours: Vec<Rate>,
    pub(crate) theirs: Vec<Rate>,
    /// Per round, the median over its slices of ours / theirs. It is the
    /// same for calls and bytes, since every call of a side handles the same
    /// bytes.
    pub(crate) round_ratios: Vec<f64>,
}

impl Comparison {
    pub(crate) fn median(side: &[Rate], unit: Unit) -> f64 {
        median(side.iter().map(|r| r.per_sec(unit)).collect())
    }

    /// The median of the per-round ratios.
    pub(crate) fn ratio(&self) -> f64 {
        median(self.round_ratios.clone())
    }

    /// Client-thread CPU per call over every round, ours and theirs.
    pub(crate) fn cpu_per_call_us(&self) -> Option<(f64, f64)> {
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
pub(crate) const SLICE: Duration = Duration::from_millis(100);

pub(crate) fn compare(
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

pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => f64::midpoint(values[n / 2 - 1], values[n / 2]),
    }
}
