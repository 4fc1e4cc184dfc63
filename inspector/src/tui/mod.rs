//! The live TUI: terminal set-up and tear-down, and the main loop that turns keys and
//! collector refreshes into state updates and frames.
pub mod collector;
pub mod diff;
pub mod ordering;
pub mod pace;
pub mod replay;
mod typed;

use std::{
    io,
    time::{Duration, Instant},
};

mod signals;

pub use signals::Interrupted;

/// How long quitting waits for the collector to finish what it is doing.
const QUIT_GRACE: Duration = Duration::from_secs(2);

use crossterm::event::{Event as TermEvent, EventStream, KeyEvent, KeyEventKind};
use futures_util::{Stream, StreamExt as _};
use ratatui::{Terminal, backend::Backend, layout::Rect};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::{
    app::{App, Effect, FromCollector, Ownership, ToCollector, keys},
    loader::Loaded,
    tui::{
        collector::Collector,
        ordering::Commands,
        signals::{Caught, Signals},
    },
    ui,
};

/// Opens the TUI over a loaded object until the user quits. The terminal is restored on
/// every way out: normal exit, error (the guard), panic (ratatui's hook) and the signals
/// of [`signals`], which end with an [`Interrupted`] error.
pub fn run(loaded: Loaded, interval: Duration) -> color_eyre::Result<()> {
    let descs = loaded.maps.iter().map(|m| m.desc.clone()).collect();
    let mut app = App::new(descs, loaded.programs.clone(), interval);
    app.possible_cpus = crate::maps::possible_cpus();
    app.ownership = if loaded.source.owns_its_maps() {
        Ownership::Own
    } else if loaded.maps.iter().all(|m| m.writable) {
        // The loader made every map writable when --write was given.
        Ownership::Writable
    } else {
        Ownership::ReadOnly
    };
    app.kernel = crate::loader::kernel_release();
    if let Some(warning) = loaded.warnings.first() {
        app.set_status(warning.clone(), false);
    }

    let (command_tx, command_rx, rules_rx) = Commands::new();
    let (collector_tx, collector_rx) = unbounded_channel();
    let collector = std::thread::Builder::new()
        .name("collector".into())
        .spawn(move || Collector::new(loaded, interval, rules_rx).run(command_rx, collector_tx))?;

    let result = show(app, collector_rx, &command_tx, |_, _| None);
    // Programs detach when the collector drops the loaded object. A long operation (a big
    // flood) may still be running: quit anyway after a moment; the kernel detaches and frees
    // everything when the process exits.
    let _ = command_tx.send(ToCollector::Stop);
    let deadline = Instant::now() + QUIT_GRACE;
    while !collector.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    if collector.is_finished() {
        let _ = collector.join();
    }
    match result? {
        Some(number) => Err(Interrupted(number).into()),
        None => Ok(()),
    }
}

/// The screen over any source (the collector, a replay's player) until the user quits: a
/// current-thread runtime, the signal handlers first (a signal from then on finds the loop,
/// not the default action), the terminal, restored on every way out, and the main loop.
/// Returns the signal that ended it, if one did.
pub(crate) fn show<K>(
    app: App,
    from_source: UnboundedReceiver<FromCollector>,
    commands: &Commands,
    own_keys: K,
) -> color_eyre::Result<Option<i32>>
where
    K: Fn(&App, KeyEvent) -> Option<ToCollector>,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let signals = {
        let _context = runtime.enter();
        Signals::new()?
    };
    let _restore = RestoreGuard;
    let terminal = enter_terminal()?;
    runtime.block_on(main_loop(
        terminal,
        app,
        EventStream::new(),
        signals,
        from_source,
        commands,
        own_keys,
    ))
}

/// The TUI draws on stdout and reads keys from the controlling terminal: both must be there.
pub fn need_a_terminal() -> color_eyre::Result<()> {
    use std::io::IsTerminal as _;
    let problem = if !io::stdout().is_terminal() {
        Some("its output is not a terminal")
    } else if std::fs::File::open("/dev/tty").is_err() {
        Some("it has no controlling terminal to read keys from")
    } else {
        None
    };
    match problem {
        Some(why) => Err(color_eyre::eyre::eyre!(
            "the TUI needs a terminal, and {why}: run it in one, or use `mapinspect dump`, \
             `record` or `export` for output without one"
        )),
        None => Ok(()),
    }
}

/// ratatui's set-up (raw mode, alternate screen), failing with a message instead of a panic.
pub(crate) fn enter_terminal() -> color_eyre::Result<ratatui::DefaultTerminal> {
    ratatui::try_init().map_err(|err| color_eyre::eyre::eyre!("cannot set up the terminal: {err}"))
}

struct RestoreGuard;

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        signals::leave_terminal();
    }
}

/// The loop, generic over the terminal and the input so tests can drive it with a
/// TestBackend and scripted keys. `own_keys` sees each key first: what it answers goes to
/// the collector instead of the key table (the replay's keys). Returns the signal that
/// ended it, if one did.
pub async fn main_loop<B, S, G, K>(
    mut terminal: Terminal<B>,
    mut app: App,
    mut input: S,
    mut signals: G,
    mut from_collector: UnboundedReceiver<FromCollector>,
    commands: &Commands,
    own_keys: K,
) -> color_eyre::Result<Option<i32>>
where
    K: Fn(&App, KeyEvent) -> Option<ToCollector>,
    B: Backend,
    B::Error: Send + Sync + 'static,
    S: Stream<Item = io::Result<TermEvent>> + Unpin,
    G: Stream<Item = Caught> + Unpin,
{
    let size = terminal.size()?;
    let mut screen = Rect::new(0, 0, size.width, size.height);
    let mut collector_alive = true;
    // The map the collector reads in full: told again whenever the selection moves, by a
    // key, a drill into an inner map or the list filter alike.
    let mut told = app.selected_map;
    loop {
        // Panes open and close with the state, so the page height is taken before each frame.
        app.page_rows = ui::page_rows(screen, &app);
        terminal.draw(|frame| ui::draw(frame, &app))?;
        tokio::select! {
            event = input.next() => match event {
                // Raw mode turns Ctrl-Z into a key, not SIGTSTP: suspend as the shell would.
                Some(Ok(TermEvent::Key(key))) if keys::is_suspend(key) => {
                    signals::suspend()?;
                    terminal.draw(|_| {})?;
                }
                Some(Ok(TermEvent::Key(key))) if key.kind != KeyEventKind::Release => {
                    if let Some(command) = own_keys(&app, key) {
                        if commands.send(command).is_err() {
                            app.set_status("the collector stopped; the data is frozen", true);
                        }
                    } else if let Some(action) = keys::action_for(app.mode, key)
                        && let Some(effect) = app.update(action)
                        && commands.send(ToCollector::Do(effect)).is_err()
                    {
                        app.set_status("the collector stopped; the data is frozen", true);
                    }
                }
                Some(Ok(TermEvent::Resize(width, height))) => {
                    screen = Rect::new(0, 0, width, height);
                }
                Some(Ok(_)) => {}
                Some(Err(err)) => return Err(err.into()),
                None => return Ok(None),
            },
            caught = signals.next() => match caught {
                Some(Caught::Quit(number)) => return Ok(Some(number)),
                Some(Caught::Suspend) => {
                    signals::suspend()?;
                    // suspend() left a blank screen; an empty frame tells ratatui so, and
                    // the next frame is then drawn whole. (Terminal::clear would ask the
                    // terminal for the cursor position, racing the event stream for the reply.)
                    terminal.draw(|_| {})?;
                }
                None => {}
            },
            message = from_collector.recv(), if collector_alive => match message {
                Some(message) => {
                    app.apply(message);
                    // Apply whatever else arrived before drawing once for all of it.
                    while let Ok(message) = from_collector.try_recv() {
                        app.apply(message);
                    }
                }
                None => {
                    collector_alive = false;
                    app.set_status("the collector stopped; the data is frozen", true);
                }
            },
        }
        if app.selected_map != told && collector_alive {
            told = app.selected_map;
            if commands
                .send(ToCollector::Do(Effect::Select(told)))
                .is_err()
            {
                app.set_status("the collector stopped; the data is frozen", true);
            }
        }
        if app.should_quit {
            return Ok(None);
        }
    }
}
