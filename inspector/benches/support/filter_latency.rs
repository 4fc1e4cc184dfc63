//! Keystroke-to-filtered-frame on a big map, as a user types it: the real binary in a tmux
//! pane over a pinned map, the filter typed with send-keys, the screen polled with
//! capture-pane until it shows the key echoed and then the table filtered by it (the
//! table's caption gives the match count only once the rows are those of the new filter).
use std::{
    path::Path,
    time::{Duration, Instant},
};

use super::{BenchResult, tmux::Session};

/// How long one step may take before the run is declared stuck (the figure is then a MISS
/// by any target, so the bench reports an error instead).
const STUCK: Duration = Duration::from_secs(30);

pub struct FilterLatency {
    /// The slowest echo of a typed key on the filter line.
    pub echo_max: Duration,
    /// The slowest keystroke-to-filtered-frame, one key at a time (each typed once the
    /// previous one's rows are on screen).
    pub key_max: Duration,
    /// The whole needle typed in one burst: from sending it to its filtered frame.
    pub burst: Duration,
    /// What the caption counted for the whole needle.
    pub matches: u64,
}

/// Opens `mapinspect --pin pin` (refreshing every 0.2 s, as in the report) and types
/// `needle` into the table's filter, key by key, then again as a burst.
pub fn measure(exe: &Path, pin: &str, needle: &str) -> BenchResult<FilterLatency> {
    let session = Session::exec(exe, &["--pin", pin, "--interval", "0.2"])?;
    // The first read of a big map takes a while: wait for its rows, then give the table the
    // keyboard.
    wait(&session, "the map's rows", |s| {
        s.contains(" · hash") && !s.contains("reading…")
    })?;
    session.keys(&["Enter"])?;
    std::thread::sleep(Duration::from_millis(300));

    session.keys(&["/"])?;
    wait(&session, "the filter line", |s| s.contains("filter /"))?;
    let (mut echo_max, mut key_max, mut matches) = (Duration::ZERO, Duration::ZERO, 0);
    for end in 1..=needle.len() {
        let typed = &needle[..end];
        let start = Instant::now();
        session.keys(&["-l", &needle[end - 1..end]])?;
        wait(&session, "the key's echo", |s| {
            s.contains(&format!("filter /{typed}"))
        })?;
        echo_max = echo_max.max(start.elapsed());
        let (_, count) = wait_count(&session, typed)?;
        key_max = key_max.max(start.elapsed());
        matches = count;
    }

    // Esc clears the filter; wait until the whole map is back, then type it all at once.
    session.keys(&["Escape"])?;
    wait(&session, "the unfiltered table", |s| {
        !s.contains(&format!("/{needle}")) && !s.contains("ordering")
    })?;
    session.keys(&["/"])?;
    wait(&session, "the filter line", |s| s.contains("filter /"))?;
    let start = Instant::now();
    session.keys(&["-l", needle])?;
    let (_, burst_count) = wait_count(&session, needle)?;
    let burst = start.elapsed();
    if burst_count != matches {
        return Err(format!(
            "/{needle} matched {matches} typed key by key but {burst_count} typed at once"
        )
        .into());
    }
    session.keys(&["Escape", "q"])?;
    Ok(FilterLatency {
        echo_max,
        key_max,
        burst,
        matches,
    })
}

/// Polls the screen until `check` holds; an error naming `what` after [`STUCK`].
fn wait(session: &Session, what: &str, check: impl Fn(&str) -> bool) -> BenchResult<String> {
    let start = Instant::now();
    loop {
        let screen = session.screen()?;
        if check(&screen) {
            return Ok(screen);
        }
        if start.elapsed() > STUCK {
            return Err(format!("waited {STUCK:?} for {what}:\n{screen}").into());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Waits for the caption `/<typed>: N match` and returns the screen and N.
fn wait_count(session: &Session, typed: &str) -> BenchResult<(String, u64)> {
    let caption = format!("/{typed}: ");
    let count = |screen: &str| {
        screen.lines().find_map(|line| {
            let rest = &line[line.find(&caption)? + caption.len()..];
            let (number, after) = rest.split_once(' ')?;
            after
                .starts_with("match")
                .then(|| number.parse::<u64>().ok())?
        })
    };
    let screen = wait(session, "the filtered rows", |s| count(s).is_some())?;
    let n = count(&screen).ok_or("no count")?;
    Ok((screen, n))
}
