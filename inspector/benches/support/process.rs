//! Whole commands as a user runs them: a child process whose output is read through a pipe
//! (and thrown away), timed from spawn to exit, its CPU time from wait4's rusage.
//!
//! Peak RSS comes from GNU time (`/usr/bin/time -f %M`) wrapped around the command: Linux
//! starts a child's ru_maxrss at the high-water mark of the process that spawned it (exec
//! records the old mm's), so wait4 on a child of this big bench process would report the
//! bench's own peak for a small command. time is a small process, so its child's figure is
//! the command's own.
use std::{
    io::Read as _,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use super::BenchResult;

/// GNU time, for the peak RSS of the command it runs (scripts/bench.sh installs it).
const TIME: &str = "/usr/bin/time";

/// One finished run of a command.
#[derive(Clone, Copy, Debug)]
pub struct Run {
    pub wall: Duration,
    /// User + system CPU time of the child (from wait4's rusage).
    pub cpu: Duration,
    /// Peak RSS of the command (GNU time's %M), in bytes.
    pub peak_rss: u64,
    /// Bytes it wrote to stdout.
    pub out_bytes: u64,
}

/// Runs `program args..` to completion, reading its stdout through a pipe. A non-zero exit
/// is an error (its stderr goes to ours) unless `tolerate_failure`.
pub fn run(program: &Path, args: &[&str], tolerate_failure: bool) -> BenchResult<Run> {
    let rss_file =
        std::env::temp_dir().join(format!("mapinspect-bench-rss-{}", std::process::id()));
    let start = Instant::now();
    let mut child = Command::new(TIME)
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&rss_file)
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(if tolerate_failure {
            Stdio::null()
        } else {
            Stdio::inherit()
        })
        .spawn()
        .map_err(|e| format!("starting {}: {e}", program.display()))?;
    let mut out = child.stdout.take().ok_or("no stdout pipe")?;
    let mut buf = vec![0u8; 1 << 16];
    let mut out_bytes = 0u64;
    loop {
        match out.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out_bytes += n as u64,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    drop(out);
    let (status, cpu) = wait4(child.id())?;
    let wall = start.elapsed();
    let peak_rss = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|text| text.lines().last()?.trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024);
    let _ = std::fs::remove_file(&rss_file);
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    if !ok && !tolerate_failure {
        return Err(format!(
            "{} {args:?} failed (wait status {status:#x})",
            program.display()
        )
        .into());
    }
    Ok(Run {
        wall,
        cpu,
        peak_rss,
        out_bytes,
    })
}

/// Waits for child `pid`: its wait status and CPU time (its own and its waited children's).
fn wait4(pid: u32) -> BenchResult<(i32, Duration)> {
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for the kernel to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: status and usage are live, writable locals; pid is our own child, which
        // std has not reaped (we never called wait on it).
        let ret = unsafe { libc::wait4(pid as i32, &mut status, 0, &mut usage) };
        if ret == pid as i32 {
            let time = |t: libc::timeval| {
                Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
            };
            let cpu = time(usage.ru_utime) + time(usage.ru_stime);
            return Ok((status, cpu));
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4: {err}").into());
        }
    }
}

/// Medians of runs of two commands, alternating A, B, A, B... so a slow stretch of the
/// machine lands on both. Returns (A's median, B's median), each with its largest peak RSS.
pub fn pair(
    reps: usize,
    mut a: impl FnMut() -> BenchResult<Run>,
    mut b: impl FnMut() -> BenchResult<Run>,
) -> BenchResult<(Run, Run)> {
    let (mut runs_a, mut runs_b) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        runs_a.push(a()?);
        runs_b.push(b()?);
    }
    Ok((median(&mut runs_a), median(&mut runs_b)))
}

/// The run with the median wall time, carrying the largest peak RSS seen.
fn median(runs: &mut [Run]) -> Run {
    let peak = runs.iter().map(|r| r.peak_rss).max().unwrap_or(0);
    runs.sort_by_key(|r| r.wall);
    let mut mid = runs[runs.len() / 2];
    mid.peak_rss = peak;
    mid
}

/// Total of a sequence of runs (one bpftool per map): summed time, largest peak, all output.
pub fn total(runs: &[Run]) -> Run {
    Run {
        wall: runs.iter().map(|r| r.wall).sum(),
        cpu: runs.iter().map(|r| r.cpu).sum(),
        peak_rss: runs.iter().map(|r| r.peak_rss).max().unwrap_or(0),
        out_bytes: runs.iter().map(|r| r.out_bytes).sum(),
    }
}
