//! mapinspect's own CPU share while its TUI runs: the real binary in a tmux pane (a real
//! terminal, as a user has), keys typed with send-keys, the screen read back with
//! capture-pane to check the keys did what they should, and utime + stime of the process
//! from /proc/<pid>/stat over a measured window after a warm-up.
use std::{
    path::Path,
    time::{Duration, Instant},
};

use super::{BenchResult, tmux::Session};

/// Runs `mapinspect args..` in a tmux pane, types `keys` after `settle`, waits `settle`
/// again, checks the screen shows `expect`, then returns its CPU use over `window` as a
/// share of one core. An error if it exits before the end, or the screen is not as expected.
pub fn cpu_share(
    exe: &Path,
    args: &[&str],
    keys: &[&str],
    expect: Option<&str>,
    settle: Duration,
    window: Duration,
) -> BenchResult<f64> {
    let session = Session::exec(exe, args)?;
    std::thread::sleep(settle);
    let pid: u32 = session
        .tmux("display-message", &["-p", "#{pane_pid}"])?
        .trim()
        .parse()
        .map_err(|_| "no pane pid")?;
    if !keys.is_empty() {
        session.keys(keys)?;
    }
    std::thread::sleep(settle);
    let screen = session.tmux("capture-pane", &["-p"])?;
    if let Some(text) = expect
        && !screen.contains(text)
    {
        return Err(format!("mapinspect {args:?} does not show {text:?}:\n{screen}").into());
    }
    let (t0, c0) = (Instant::now(), cpu_ticks(pid)?);
    std::thread::sleep(window);
    let (t1, c1) = (Instant::now(), cpu_ticks(pid)?);
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    if comm.trim() != "mapinspect" {
        return Err(format!("mapinspect {args:?} is gone before the end:\n{screen}").into());
    }
    session.keys(&["q"])?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Ok((c1 - c0) as f64 / hz / (t1 - t0).as_secs_f64())
}

/// utime + stime of `pid` (all its threads), in clock ticks: fields 14 and 15 of
/// /proc/<pid>/stat.
fn cpu_ticks(pid: u32) -> BenchResult<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name may hold spaces: count fields after its closing parenthesis.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).ok_or("bad stat")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |n: usize| -> BenchResult<u64> {
        Ok(fields.get(n - 3).ok_or("short stat")?.parse::<u64>()?)
    };
    Ok(field(14)? + field(15)?)
}
