//! `mapinspect record`: reads every map of the source each `--interval` and appends a frame
//! to the file (`crate::record`), until `--duration`, `--max-size`, Ctrl-C or SIGTERM; each
//! way out leaves a file that replays whole. Ends with one line of what was written.
use std::{
    fs::File,
    path::Path,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use color_eyre::eyre::{Result, WrapErr as _};
use tokio::signal::unix::{SignalKind, signal};

use super::Cli;
use crate::{
    loader::{self, Loaded, Source},
    maps::{
        self, MapHandle, MapKind,
        types::{Annotator, TypeInfo},
    },
    record::{
        format::{BlockKind, Header, Note},
        maps::{note, program, recorded},
        writer::{Appended, Read, Recorder, Writer},
    },
};

/// A key frame at least this often: a seek replays at most this many frames.
pub const FULL_EVERY: u32 = 30;

/// What ended the recording.
#[derive(Debug)]
enum Ended {
    Duration,
    Full { block: u64 },
    Signal(&'static str),
}

pub fn run(cli: &Cli, output: &Path, duration: Option<Duration>, max_size: u64) -> Result<()> {
    let loaded = super::load(cli)?;
    let header = header(&loaded, cli.interval);
    let file = File::create(output).wrap_err_with(|| format!("{}", output.display()))?;
    let mut writer =
        Writer::new(file, &header, max_size).wrap_err_with(|| format!("{}", output.display()))?;
    let mut recorder = Recorder::new(loaded.maps.len(), FULL_EVERY);
    // Per map, as the collector keeps them: kernel symbols are loaded once.
    let mut annotators: Vec<Annotator> = loaded.maps.iter().map(|_| Annotator::default()).collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut tally = Tally::default();
    let started = Instant::now();
    let ended = runtime.block_on(async {
        let mut terminate = signal(SignalKind::terminate()).wrap_err("cannot handle SIGTERM")?;
        let mut interrupt = signal(SignalKind::interrupt()).wrap_err("cannot handle SIGINT")?;
        let mut next = started;
        loop {
            let at_ms = started.elapsed().as_millis() as u64;
            let reads = loaded
                .maps
                .iter()
                .zip(&mut annotators)
                .map(|(map, annotator)| read(map, annotator))
                .collect();
            let (kind, frame) = recorder.frame(at_ms, reads);
            match writer.append(kind, &frame)? {
                Appended::Written(bytes) => tally.add(kind, bytes),
                Appended::WouldExceed { block } => return Ok(Ended::Full { block }),
            }
            // A read slower than the interval delays the next one rather than piling up.
            next = (next + cli.interval).max(Instant::now());
            if duration.is_some_and(|limit| next.duration_since(started) > limit) {
                return Ok::<_, color_eyre::Report>(Ended::Duration);
            }
            tokio::select! {
                () = tokio::time::sleep_until(next.into()) => {}
                _ = terminate.recv() => return Ok(Ended::Signal("SIGTERM")),
                _ = interrupt.recv() => return Ok(Ended::Signal("SIGINT")),
            }
        }
    })?;
    let why = match ended {
        Ended::Duration => "--duration reached".to_string(),
        Ended::Full { block } => format!(
            "stopped before --max-size {max_size}: the next frame ({block} bytes) would not fit"
        ),
        Ended::Signal(name) => format!("stopped by {name}"),
    };
    eprintln!(
        "mapinspect: recorded {} into {} ({why}): {} bytes; {}",
        tally.frames(),
        output.display(),
        writer.written(),
        tally.per_frame()
    );
    Ok(())
}

/// The header: the source, the host's facts the panes explain with, every map's layouts.
fn header(loaded: &Loaded, interval: Duration) -> Header {
    let started_unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_millis() as u64);
    Header {
        tool: format!("mapinspect {}", env!("CARGO_PKG_VERSION")),
        source: describe(&loaded.source),
        kernel: loader::kernel_release(),
        possible_cpus: u32::try_from(maps::possible_cpus()).unwrap_or(u32::MAX),
        started_unix_ms,
        interval_ms: interval.as_millis() as u64,
        full_every: FULL_EVERY,
        programs: loaded.programs.iter().map(program).collect(),
        maps: loaded.maps.iter().map(|map| recorded(&map.desc)).collect(),
    }
}

fn describe(source: &Source) -> String {
    match source {
        Source::Bundled => "bundled object".into(),
        Source::Object(path) => format!("--object {}", path.display()),
        Source::System => "--system".into(),
        Source::MapId(id) => format!("--map-id {id}"),
        Source::Pin(path) => format!("--pin {}", path.display()),
    }
}

/// One map now, as the live collector would read it, with what its entries stand for where
/// the replay cannot tell from the bytes (inner maps, programs, stack symbols).
fn read(map: &MapHandle, annotator: &mut Annotator) -> Read {
    let kind = map.meta().kind;
    if matches!(kind, MapKind::Ringbuf | MapKind::UserRingbuf) {
        return match map.ring_positions() {
            Ok(ring) => Read::Ring {
                size: ring.ring_size,
                producer: ring.producer_pos,
                consumer: ring.consumer_pos,
            },
            Err(_) => Read::Unlisted,
        };
    }
    if kind.unlisted_reason().is_some() {
        return Read::Unlisted;
    }
    match map.snapshot() {
        // LPM prefixes the replay reads from the keys itself.
        Ok(snap) if TypeInfo::applies(kind) && kind != MapKind::LpmTrie => {
            let info = TypeInfo::read(map, Ok(&snap), annotator);
            let mut notes: Vec<(u32, Note)> = info
                .annotations
                .iter()
                .filter_map(|(&i, annotation)| Some((i as u32, note(annotation)?)))
                .collect();
            notes.sort_unstable_by_key(|(i, _)| *i);
            Read::Annotated(snap, notes)
        }
        Ok(snap) => Read::Entries(snap),
        Err(err) => Read::Failed(crate::report::one_line(&err)),
    }
}

/// Frames written and their bytes, whole and partial apart.
#[derive(Default)]
struct Tally {
    key: (u64, u64),
    partial: (u64, u64),
}

impl Tally {
    fn add(&mut self, kind: BlockKind, bytes: u64) {
        let slot = if kind == BlockKind::KeyFrame {
            &mut self.key
        } else {
            &mut self.partial
        };
        slot.0 += 1;
        slot.1 += bytes;
    }

    fn frames(&self) -> String {
        match self.key.0 + self.partial.0 {
            1 => "1 frame".into(),
            n => format!("{n} frames"),
        }
    }

    /// "whole frames 5120 bytes each, partial frames 96 bytes each" (averages).
    fn per_frame(&self) -> String {
        let average = |(count, bytes): (u64, u64)| bytes.checked_div(count);
        let mut parts = Vec::new();
        if let Some(bytes) = average(self.key) {
            parts.push(format!("whole frames {bytes} bytes each"));
        }
        if let Some(bytes) = average(self.partial) {
            parts.push(format!("partial frames {bytes} bytes each"));
        }
        parts.join(", ")
    }
}
