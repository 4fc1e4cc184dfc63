//! Timing helpers: medians of repeated runs, and how durations and rates are printed.
use std::time::{Duration, Instant};

use super::BenchResult;

/// The median of `reps` timed runs.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub median: Duration,
    pub reps: usize,
}

impl Timing {
    /// Entries per second at the median time.
    pub fn rate(&self, entries: usize) -> f64 {
        entries as f64 / self.median.as_secs_f64().max(1e-12)
    }
}

/// Runs `run` `warmup` times untimed, then `reps` times timed, and returns the median with
/// the last run's output. Each output is dropped only after its clock stopped, so freeing
/// a big snapshot is not counted as reading it.
pub fn measure<T>(
    reps: usize,
    warmup: usize,
    mut run: impl FnMut() -> BenchResult<T>,
) -> BenchResult<(Timing, T)> {
    assert!(reps > 0, "at least one timed run");
    for _ in 0..warmup {
        drop(run()?);
    }
    let mut times = Vec::with_capacity(reps);
    let mut last = None;
    for _ in 0..reps {
        let start = Instant::now();
        let out = run()?;
        times.push(start.elapsed());
        last = Some(out);
    }
    let timing = Timing {
        median: median(&mut times),
        reps,
    };
    Ok((timing, last.expect("reps > 0")))
}

/// The middle value (the mean of the two middle ones for an even count).
pub fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    let mid = times.len() / 2;
    if times.len() % 2 == 1 {
        times[mid]
    } else {
        (times[mid - 1] + times[mid]) / 2
    }
}

/// "250 ns", "812 µs", "12.3 ms", "3.21 s": three significant figures or so, fixed width friendly.
pub fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 1e-6 {
        format!("{} ns", d.as_nanos())
    } else if secs < 1e-3 {
        format!("{:.0} µs", secs * 1e6)
    } else if secs < 1.0 {
        format!("{:.2} ms", secs * 1e3)
    } else {
        format!("{secs:.2} s")
    }
}

/// "8.12 M/s", "512 k/s".
pub fn fmt_rate(per_second: f64) -> String {
    if per_second >= 1e6 {
        format!("{:.2} M/s", per_second / 1e6)
    } else if per_second >= 1e3 {
        format!("{:.0} k/s", per_second / 1e3)
    } else {
        format!("{per_second:.0} /s")
    }
}

/// "1M", "100k", "10k" for entry counts in labels.
pub fn fmt_count(n: usize) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1_000 && n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

/// Like [`measure`] for two methods compared by their ratio: their runs alternate (a, b,
/// a, b, ...), so a slow stretch of the machine (another job, a frequency change) lands on
/// both instead of skewing the ratio.
pub fn measure_pair<A, B>(
    reps: usize,
    warmup: usize,
    mut a: impl FnMut() -> BenchResult<A>,
    mut b: impl FnMut() -> BenchResult<B>,
) -> BenchResult<((Timing, A), (Timing, B))> {
    assert!(reps > 0, "at least one timed run");
    for _ in 0..warmup {
        drop(a()?);
        drop(b()?);
    }
    let (mut a_times, mut b_times) = (Vec::with_capacity(reps), Vec::with_capacity(reps));
    let (mut a_last, mut b_last) = (None, None);
    for _ in 0..reps {
        let start = Instant::now();
        let out = a()?;
        a_times.push(start.elapsed());
        drop(a_last.replace(out));
        let start = Instant::now();
        let out = b()?;
        b_times.push(start.elapsed());
        drop(b_last.replace(out));
    }
    let timing = |times: &mut [Duration]| Timing {
        median: median(times),
        reps,
    };
    Ok((
        (timing(&mut a_times), a_last.expect("reps > 0")),
        (timing(&mut b_times), b_last.expect("reps > 0")),
    ))
}
