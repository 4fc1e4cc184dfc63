//! `mapinspect replay FILE`: the TUI over a recording. The file is read and checked first
//! (`record::reader`), then a player thread stands in for the collector: it answers the
//! same effects with the same messages, and takes the replay keys the main loop hands it
//! (space, `,` `.` `[` `]` `<` `>`). No root, no BPF: nothing here touches the kernel.
use std::{
    path::Path,
    sync::mpsc,
    time::{Duration, Instant},
};

use color_eyre::eyre::{Result, eyre};
use crossterm::event::KeyEvent;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::{Interrupted, ordering::Commands};
use crate::{
    app::{App, FromCollector, Mode, Ownership, ToCollector, keys},
    record::{Recording, maps::program_status, player::Player, reader},
};

/// Opens the recording at `path` in the TUI until the user quits.
pub fn run(path: &Path) -> Result<()> {
    let recording = reader::open(path)?;
    // The file first (a wrong one is the likelier mistake), then where to show it.
    super::need_a_terminal()?;
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |name| name.to_string_lossy().into(),
    );
    let app = app(&recording);
    let player = Player::new(recording, file, Instant::now())
        .map_err(|err| eyre!("{}: {err}", path.display()))?;
    // The rules' watch is the live collector's; the player takes rules from the commands.
    let (command_tx, command_rx, _rules) = Commands::new();
    let (player_tx, player_rx) = unbounded_channel();
    let thread = std::thread::Builder::new()
        .name("player".into())
        .spawn(move || play(player, &command_rx, &player_tx))?;
    let result = super::show(app, player_rx, &command_tx, replay_key);
    let _ = command_tx.send(ToCollector::Stop);
    let _ = thread.join();
    match result? {
        Some(number) => Err(Interrupted(number).into()),
        None => Ok(()),
    }
}

/// The App a recording opens in: its maps, programs and host facts, read-only.
pub fn app(recording: &Recording) -> App {
    let header = &recording.header;
    let programs = header.programs.iter().map(program_status).collect();
    let interval = Duration::from_millis(header.interval_ms);
    let mut app = App::new(recording.descs.clone(), programs, interval);
    app.possible_cpus = header.possible_cpus as usize;
    app.kernel = header.kernel;
    app.ownership = Ownership::ReadOnly;
    app
}

/// The replay's keys (`keys::replay_command`), taken before the key table while browsing.
pub fn replay_key(app: &App, key: KeyEvent) -> Option<ToCollector> {
    if app.mode != Mode::Normal || app.popup.is_some() {
        return None;
    }
    keys::replay_command(key).map(ToCollector::Replay)
}

/// The player thread: frames on time while playing, answers to effects and keys, until
/// Stop or either channel closes.
pub fn play(
    mut player: Player,
    commands: &mpsc::Receiver<ToCollector>,
    out: &UnboundedSender<FromCollector>,
) {
    let send = |messages: Vec<FromCollector>| messages.into_iter().all(|m| out.send(m).is_ok());
    if !send(player.messages()) {
        return;
    }
    let mut next = player.next_in().map(|gap| Instant::now() + gap);
    loop {
        let wait = next.map_or(Duration::from_secs(3600), |at| {
            at.saturating_duration_since(Instant::now())
        });
        let (result, moved) = match commands.recv_timeout(wait) {
            Ok(ToCollector::Do(effect)) => {
                let playing = player.playing;
                let messages = player.effect(effect);
                (Ok(messages), player.playing != playing)
            }
            Ok(ToCollector::Replay(command)) => (player.command(command), true),
            Err(mpsc::RecvTimeoutError::Timeout) => (player.tick(), true),
            Ok(ToCollector::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => return,
        };
        let messages = result.unwrap_or_else(|err| player.halt(err));
        if !send(messages) {
            return;
        }
        if moved {
            next = player.next_in().map(|gap| Instant::now() + gap);
        }
    }
}
