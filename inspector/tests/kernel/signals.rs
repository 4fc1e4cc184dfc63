//! Signals sent to the TUI from another shell, in a real terminal (tmux): TERM, HUP, INT and
//! QUIT leave the terminal as `q` does (no alternate screen, cursor shown, tty modes back),
//! exit with 128 + the signal and leave nothing loaded; TSTP leaves the screen and `fg`
//! brings it back.
use std::{
    thread::sleep,
    time::{Duration, Instant},
};

use super::{
    bpf_objects::{self, Held},
    tmux::Session,
    util,
};

/// The mapinspect the pane's shell runs, once it has loaded its object.
fn mapinspect_in(session: &Session) -> u32 {
    let shell = session.pane_pid();
    let start = Instant::now();
    loop {
        if let Some(pid) = bpf_objects::children(shell).into_iter().next() {
            return pid;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no mapinspect in the pane"
        );
        sleep(Duration::from_millis(50));
    }
}

/// Waits for the live maps, then reads what the process holds.
fn running(session: &Session) -> (u32, Held) {
    session.wait_for("live maps", Duration::from_secs(15), |s| {
        s.contains("EXECS") && s.contains("EXP_LRU")
    });
    let pid = mapinspect_in(session);
    let held = bpf_objects::held_by(pid);
    assert!(
        !held.progs.is_empty() && !held.maps.is_empty(),
        "mapinspect holds its programs and maps: {held:?}"
    );
    assert_eq!(
        session.display("#{alternate_on}"),
        "1",
        "the TUI is on the alternate screen"
    );
    (pid, held)
}

fn kill(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal} {pid}");
}

/// The tty modes a shell needs to be usable, as `stty -a` names them (`-icanon` if off).
const SANE: [&str; 4] = ["icanon", "echo", "isig", "opost"];

/// After the exit the pane's shell (non-interactive: it does not fix the tty itself) prints
/// the exit status and the modes mapinspect left.
fn session_for_signals() -> Session {
    let binary = env!("CARGO_BIN_EXE_mapinspect");
    let modes = SANE.join("|");
    Session::start(&format!(
        "{binary} --interval 0.2; echo EXIT=$?; \
         echo STTY=$(stty -a | tr ' ;' '\\n\\n' | grep -Ex -- '-?({modes})' | tr '\\n' ' '); sleep 30"
    ))
}

fn ends_cleanly_on(signal: &str, number: i32) {
    let session = session_for_signals();
    let (pid, held) = running(&session);
    kill(pid, signal);
    let screen = session.wait_for("exit", Duration::from_secs(10), |s| s.contains("STTY="));
    assert!(
        screen.contains(&format!("EXIT={}", 128 + number)),
        "{signal}: exit status 128+{number}:\n{screen}"
    );
    assert!(
        screen.contains(&format!("stopped by SIG{signal}")),
        "{signal}: says why it ended:\n{screen}"
    );
    assert!(!screen.contains("panicked"), "{screen}");
    assert_eq!(
        session.display("#{alternate_on}"),
        "0",
        "{signal}: alternate screen left"
    );
    assert_eq!(
        session.display("#{cursor_flag}"),
        "1",
        "{signal}: cursor shown"
    );
    let modes = screen
        .lines()
        .find_map(|l| l.split("STTY=").nth(1))
        .expect("the stty line");
    for mode in SANE {
        assert!(
            modes.split_whitespace().any(|m| m == mode),
            "{signal}: {mode} is back on; stty shows: {modes}"
        );
    }
    assert!(
        !screen.contains("EXECS"),
        "{signal}: the TUI is gone:\n{screen}"
    );
    bpf_objects::assert_released(&held, Duration::from_secs(5));
}

#[test]
fn term_restores_the_terminal_detaches_and_exits_143() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    ends_cleanly_on("TERM", libc::SIGTERM);
}

#[test]
fn hup_restores_the_terminal_detaches_and_exits_129() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    ends_cleanly_on("HUP", libc::SIGHUP);
}

#[test]
fn int_restores_the_terminal_detaches_and_exits_130() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    ends_cleanly_on("INT", libc::SIGINT);
}

#[test]
fn quit_restores_the_terminal_detaches_and_exits_131() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    ends_cleanly_on("QUIT", libc::SIGQUIT);
}

#[test]
fn tstp_and_ctrl_z_leave_the_screen_and_fg_brings_it_back() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    // An interactive shell, for job control: it reports the stop and runs `fg`.
    let session = Session::start("env PS1='sh> ' bash --norc --noprofile -i");
    session.wait_for("the prompt", Duration::from_secs(5), |s| s.contains("sh>"));
    let binary = env!("CARGO_BIN_EXE_mapinspect");
    session.keys(&[&format!("{binary} --interval 0.2"), "Enter"]);
    let (pid, held) = running(&session);

    kill(pid, "TSTP");
    let screen = session.wait_for("the shell after the stop", Duration::from_secs(10), |s| {
        s.contains("Stopped")
    });
    assert_eq!(
        session.display("#{alternate_on}"),
        "0",
        "screen left:\n{screen}"
    );
    assert_eq!(session.display("#{cursor_flag}"), "1", "cursor shown");
    assert_eq!(
        bpf_objects::held_by(pid),
        held,
        "stopped, not ended: all still held"
    );

    session.keys(&["fg", "Enter"]);
    // Redrawn in full: the map list and the footer are back, not just what changed.
    session.wait_for("the TUI again", Duration::from_secs(10), |s| {
        s.contains("EXECS") && s.contains("EXP_LRU") && s.contains("q quit")
    });
    assert_eq!(session.display("#{alternate_on}"), "1");
    // Ctrl-Z, a key in raw mode (no SIGTSTP from the terminal), does the same.
    session.keys(&["C-z"]);
    session.wait_for("the shell after Ctrl-Z", Duration::from_secs(10), |s| {
        s.matches("Stopped").count() >= 2
    });
    assert_eq!(session.display("#{alternate_on}"), "0");
    session.keys(&["fg", "Enter"]);
    session.wait_for(
        "the TUI after the second fg",
        Duration::from_secs(10),
        |s| s.contains("EXECS") && s.contains("EXP_LRU") && s.contains("q quit"),
    );
    // Keys reach it again (raw mode is back): ? opens the help, q closes it and q quits.
    session.keys(&["?"]);
    session.wait_for("help", Duration::from_secs(5), |s| s.contains("close help"));
    session.keys(&["q"]);
    session.wait_for("help closed", Duration::from_secs(5), |s| {
        !s.contains("close help")
    });
    session.keys(&["q"]);
    session.wait_for("the shell again", Duration::from_secs(10), |s| {
        !s.contains("EXP_LRU")
    });
    session.keys(&["echo EXIT=$?", "Enter"]);
    let screen = session.wait_for("exit", Duration::from_secs(5), |s| s.contains("EXIT=0"));
    assert!(!screen.contains("panicked"), "{screen}");
    bpf_objects::assert_released(&held, Duration::from_secs(5));
}

#[test]
fn headless_dump_killed_while_waiting_leaves_nothing_loaded() {
    let Some(_guard) = util::kernel() else {
        return;
    };
    // dump --wait keeps the default dispositions: the process dies, and with it every fd
    // its programs, links and maps hang on (nothing is pinned).
    for signal in ["TERM", "HUP", "INT", "QUIT"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mapinspect"))
            .args(["dump", "--wait", "60"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("mapinspect runs");
        let start = Instant::now();
        let held = loop {
            let held = bpf_objects::held_by(child.id());
            if !held.links.is_empty() {
                break held;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "dump did not load"
            );
            sleep(Duration::from_millis(50));
        };
        kill(child.id(), signal);
        let status = child.wait().expect("wait");
        assert!(!status.success(), "{signal}: {status:?}");
        bpf_objects::assert_released(&held, Duration::from_secs(5));
    }
}
