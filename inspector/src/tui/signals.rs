//! Signals while the TUI runs. TERM, HUP, INT and QUIT end the loop as `q` does, so the
//! collector stops, programs detach and the terminal is restored before the process exits
//! with 128 + the signal. TSTP (Ctrl-Z from a shell's `kill`, or a job-control stop) leaves
//! the screen, stops, and redraws everything on `fg`.
use std::{
    io,
    pin::Pin,
    task::{Context, Poll},
};

use futures_util::Stream;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// What a signal asks of the loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caught {
    /// Quit, then exit with 128 + this signal number.
    Quit(i32),
    /// Leave the terminal, stop until SIGCONT, then come back.
    Suspend,
}

/// The signals mapinspect handles, as one stream. Must be created inside the runtime.
pub struct Signals {
    handlers: Vec<(Caught, Signal)>,
}

impl Signals {
    pub fn new() -> io::Result<Self> {
        let quits = [libc::SIGTERM, libc::SIGHUP, libc::SIGINT, libc::SIGQUIT];
        let mut handlers = Vec::new();
        for number in quits {
            handlers.push((Caught::Quit(number), signal(SignalKind::from_raw(number))?));
        }
        handlers.push((
            Caught::Suspend,
            signal(SignalKind::from_raw(libc::SIGTSTP))?,
        ));
        Ok(Self { handlers })
    }
}

impl Stream for Signals {
    type Item = Caught;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Caught>> {
        for (caught, handler) in &mut self.get_mut().handlers {
            if let Poll::Ready(Some(())) = handler.poll_recv(cx) {
                return Poll::Ready(Some(*caught));
            }
        }
        Poll::Pending
    }
}

/// The loop ended because of this signal: main exits with 128 + it.
#[derive(Debug, thiserror::Error)]
#[error("stopped by {}", name(.0))]
pub struct Interrupted(pub i32);

impl Interrupted {
    /// The shell's convention for a process ended by a signal.
    pub fn exit_status(&self) -> u8 {
        u8::try_from(128 + self.0).unwrap_or(u8::MAX)
    }
}

fn name(number: &i32) -> String {
    match *number {
        libc::SIGTERM => "SIGTERM".into(),
        libc::SIGHUP => "SIGHUP".into(),
        libc::SIGINT => "SIGINT".into(),
        libc::SIGQUIT => "SIGQUIT".into(),
        other => format!("signal {other}"),
    }
}

/// Puts the terminal back as the shell had it (errors ignored: after a hangup there is no
/// terminal to restore, and this runs on the way out).
pub fn leave_terminal() {
    let _ = ratatui::try_restore();
    let _ = crossterm::execute!(io::stdout(), crossterm::cursor::Show);
}

/// Leaves the terminal, stops the process as SIGTSTP would have, and takes the terminal
/// again once continued, blank: the caller redraws everything.
pub fn suspend() -> io::Result<()> {
    leave_terminal();
    // SAFETY: raise has no preconditions; SIGSTOP cannot be caught, so this returns once a
    // SIGCONT (the shell's `fg`) continues the process.
    unsafe { libc::raise(libc::SIGSTOP) };
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(
        io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
        crossterm::cursor::Hide
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_status_is_128_plus_the_signal() {
        assert_eq!(Interrupted(libc::SIGTERM).exit_status(), 143);
        assert_eq!(Interrupted(libc::SIGHUP).exit_status(), 129);
        assert_eq!(Interrupted(libc::SIGINT).exit_status(), 130);
        assert_eq!(Interrupted(libc::SIGQUIT).exit_status(), 131);
        assert_eq!(Interrupted(libc::SIGTERM).to_string(), "stopped by SIGTERM");
    }
}
