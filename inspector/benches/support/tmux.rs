//! A detached tmux session for the benchmarks that run the TUI as a user does: a real
//! terminal, keys typed with send-keys, the screen read back with capture-pane.
use std::{path::Path, process::Command};

use super::BenchResult;

/// A detached tmux session, killed when dropped (however the measurement ends).
pub struct Session(String);

impl Session {
    pub fn start(command: &str) -> BenchResult<Self> {
        let name = format!("mapinspect-bench-{}", std::process::id());
        let ok = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &name,
                "-x",
                "120",
                "-y",
                "40",
                command,
            ])
            .status()?
            .success();
        if !ok {
            return Err("tmux new-session failed (is tmux installed?)".into());
        }
        Ok(Self(name))
    }

    /// `tmux <command> -t <session> <args..>` (options before the arguments, as tmux wants).
    pub fn tmux(&self, command: &str, args: &[&str]) -> BenchResult<String> {
        let out = Command::new("tmux")
            .args([command, "-t", &self.0])
            .args(args)
            .output()?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn keys(&self, keys: &[&str]) -> BenchResult<()> {
        let ok = Command::new("tmux")
            .args(["send-keys", "-t", &self.0])
            .args(keys)
            .status()?
            .success();
        if ok {
            Ok(())
        } else {
            Err("tmux send-keys failed".into())
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
    /// `mapinspect args..` as the pane's own process (`exec`: no shell around it).
    pub fn exec(exe: &Path, args: &[&str]) -> BenchResult<Self> {
        let command = std::iter::once(exe.to_str().ok_or("non-UTF-8 path")?)
            .chain(args.iter().copied())
            .map(|word| format!("'{}'", word.replace('\'', r"'\''")))
            .collect::<Vec<_>>()
            .join(" ");
        Self::start(&format!("exec {command}"))
    }

    /// What the pane shows now, as text.
    pub fn screen(&self) -> BenchResult<String> {
        self.tmux("capture-pane", &["-p"])
    }
}
