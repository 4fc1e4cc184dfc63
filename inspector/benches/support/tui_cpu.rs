//! mapinspect's own CPU share while its TUI runs: the real binary on a pseudo-terminal (so it
//! draws as it would for a user), keys typed into the terminal, and utime + stime from
//! /proc/<pid>/stat over a measured window after a warm-up.
use std::{
    fs::File,
    io::{Read as _, Write as _},
    os::fd::{FromRawFd as _, OwnedFd},
    os::unix::process::CommandExt as _,
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use super::BenchResult;

/// Runs `mapinspect args..` on a fresh pty, types `keys` after `settle`, waits `settle`
/// again, then returns its CPU use over `window` as a share of one core. Quits with `q`.
pub fn cpu_share(
    exe: &Path,
    args: &[&str],
    keys: &[u8],
    settle: Duration,
    window: Duration,
) -> BenchResult<f64> {
    let (master, slave) = open_pty()?;
    let slave_file = File::from(slave);
    let mut command = Command::new(exe);
    command
        .args(args)
        .env("TERM", "xterm-256color")
        .stdin(Stdio::from(slave_file.try_clone()?))
        .stdout(Stdio::from(slave_file.try_clone()?))
        .stderr(Stdio::from(slave_file));
    // SAFETY: setsid and ioctl are async-signal-safe; the child makes the pty (its stdin)
    // its controlling terminal, as a login shell would have.
    unsafe {
        command.pre_exec(|| {
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY, 0);
            Ok(())
        });
    }
    let mut child = command.spawn()?;
    // The Command holds the pty's slave end: close it here, so the drain below sees the end
    // of the terminal when the child exits.
    drop(command);
    let mut writer = File::from(master.try_clone()?);
    // Drain the screen so the child never blocks on a full pty.
    let mut reader = File::from(master);
    let drain = std::thread::spawn(move || {
        let mut buf = [0u8; 1 << 14];
        while matches!(reader.read(&mut buf), Ok(n) if n > 0) {}
    });
    std::thread::sleep(settle);
    writer.write_all(keys)?;
    std::thread::sleep(settle);
    let pid = child.id();
    let (t0, c0) = (Instant::now(), cpu_ticks(pid)?);
    std::thread::sleep(window);
    let (t1, c1) = (Instant::now(), cpu_ticks(pid)?);
    writer.write_all(b"q")?;
    let deadline = Instant::now() + Duration::from_secs(5);
    while child.try_wait()?.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(writer);
    let _ = drain.join();
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    Ok((c1 - c0) as f64 / hz / (t1 - t0).as_secs_f64())
}

/// utime + stime of `pid`, in clock ticks (fields 14 and 15 of /proc/<pid>/stat).
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

/// A pseudo-terminal pair of 120x40 cells.
fn open_pty() -> BenchResult<(OwnedFd, OwnedFd)> {
    let (mut master, mut slave) = (-1, -1);
    let size = libc::winsize {
        ws_row: 40,
        ws_col: 120,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: master and slave are writable locals; name and termios may be null; size is
    // a live winsize.
    let ret = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    if ret != 0 {
        return Err(format!("openpty: {}", std::io::Error::last_os_error()).into());
    }
    // SAFETY: openpty succeeded and returned two new fds that nothing else owns.
    Ok(unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) })
}
