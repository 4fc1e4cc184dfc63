//! tmux as the test's terminal: a detached session runs a command, send-keys types, and
//! capture-pane reads the screen as a person would see it.
use std::{
    process::Command,
    thread::sleep,
    time::{Duration, Instant},
};

/// A detached tmux session that is killed when the test ends, however it ends.
pub struct Session(pub String);

impl Session {
    pub fn start(command: &str) -> Self {
        // Unique per test: the tests of this file may run at the same time.
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("mapinspect-e2e-{}-{n}", std::process::id());
        // When the previous test's session was the last, the tmux server may still be
        // exiting: a new session then fails once; the next try starts a new server.
        let mut tries = 0;
        loop {
            let output = Command::new("tmux")
                .args([
                    "new-session",
                    "-d",
                    "-s",
                    &name,
                    "-x",
                    "140",
                    "-y",
                    "40",
                    command,
                ])
                .output()
                .expect("tmux runs");
            if output.status.success() {
                break;
            }
            tries += 1;
            assert!(
                tries < 5,
                "tmux new-session failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            sleep(Duration::from_millis(200));
        }
        Self(name)
    }

    pub fn screen(&self) -> String {
        let output = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.0])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["send-keys", "-t", &self.0])
            .args(keys)
            .status()
            .expect("send-keys");
        assert!(status.success());
    }

    /// Polls the screen until `check` holds, for at most `limit`.
    pub fn wait_for(&self, what: &str, limit: Duration, check: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < limit,
                "waited {limit:?} for {what}; screen:\n{screen}"
            );
            sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .status();
    }
}

impl Session {
    /// A tmux format for the pane, e.g. `#{alternate_on}`.
    pub fn display(&self, format: &str) -> String {
        let output = Command::new("tmux")
            .args(["display-message", "-p", "-t", &self.0, format])
            .output()
            .expect("display-message");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    /// The pid of the pane's first process (the shell that runs the command).
    pub fn pane_pid(&self) -> u32 {
        self.display("#{pane_pid}").parse().expect("a pane pid")
    }
}
