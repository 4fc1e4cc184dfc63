//! `mapinspect record`: reads every map of the source each `--interval` and appends a frame
//! to the file (`crate::record`), until `--duration`, `--max-size`, Ctrl-C, SIGTERM or SIGHUP;
//! each such stop leaves a file that replays whole (written aside, renamed into place at the
//! end, so a failure never destroys what `-o` named). Ends with one line of what was written.
use std::{
    os::unix::fs::PermissionsExt as _,
    path::Path,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use color_eyre::eyre::{Result, WrapErr as _, eyre};
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

/// Below this no recording fits (the header alone takes a few hundred bytes).
const MIN_MAX_SIZE: u64 = 1 << 10;

/// `--max-size`: a byte count (K, M, G) a recording can fit in.
pub fn parse_max_size(text: &str) -> Result<u64, String> {
    let bytes = crate::loader::object_file::parse_bytes(text)?;
    if bytes < MIN_MAX_SIZE {
        return Err(format!(
            "{bytes} bytes is too small for a recording (at least 1K: the header alone takes \
             hundreds of bytes)"
        ));
    }
    Ok(bytes)
}

pub fn run(cli: &Cli, output: &Path, duration: Option<Duration>, max_size: u64) -> Result<()> {
    check_output(output)?;
    let loaded = super::load(cli)?;
    let header = header(&loaded, cli.interval);
    // Written aside and renamed over `output` once whole: a failed or cut recording leaves
    // whatever was there before. 0600: the file may hold every map of the host.
    let file = temporary(output)?;
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
        let mut hangup = signal(SignalKind::hangup()).wrap_err("cannot handle SIGHUP")?;
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
                _ = hangup.recv() => return Ok(Ended::Signal("SIGHUP")),
            }
        }
    })?;
    // An error here drops the temporary file: nothing is left, nothing replaced.
    let line = summary(&tally, &ended, max_size, writer.written(), output)?;
    writer
        .into_inner()
        .persist(output)
        .map_err(|err| err.error)
        .wrap_err_with(|| format!("cannot write {}", output.display()))?;
    eprintln!("mapinspect: {line}");
    Ok(())
}

/// Refuses an output that exists and is not a regular file (a FIFO would block the
/// recording, a device would be written to), before anything is loaded.
fn check_output(output: &Path) -> Result<()> {
    match std::fs::symlink_metadata(output) {
        Ok(meta) if !meta.file_type().is_file() => Err(eyre!(
            "{}: is {}, not a regular file; record writes a file (choose another -o)",
            output.display(),
            crate::loader::object_file::kind_of(&meta.file_type())
        )),
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(err) => Err(eyre!("{}: {err}", output.display())),
    }
}

/// A new 0600 file beside `output`, removed if dropped before `persist`.
fn temporary(output: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = match output.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = output
        .file_name()
        .map_or_else(|| "recording".into(), |name| name.to_string_lossy());
    tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".part")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .wrap_err_with(|| format!("cannot create a file in {}", dir.display()))
}

/// The closing line, or the error of a recording with no frame (nothing to replay).
fn summary(
    tally: &Tally,
    ended: &Ended,
    max_size: u64,
    written: u64,
    output: &Path,
) -> Result<String> {
    let why = match ended {
        Ended::Duration => "--duration reached".to_string(),
        Ended::Full { block } if tally.frames == 0 => {
            return Err(eyre!(
                "nothing recorded: the first frame ({block} bytes) does not fit in --max-size \
                 {max_size} after the header ({written} bytes); raise --max-size ({} was not \
                 written)",
                output.display()
            ));
        }
        Ended::Full { block } => format!(
            "stopped before --max-size {max_size}: the next frame ({block} bytes) would not fit"
        ),
        Ended::Signal(name) => format!("stopped by {name}"),
    };
    if tally.frames == 0 {
        return Err(eyre!(
            "nothing recorded ({why} before the first frame); {} was not written",
            output.display()
        ));
    }
    let per_frame = tally.per_frame();
    Ok(format!(
        "recorded {} into {} ({why}): {written} bytes{}{per_frame}",
        tally.frames(),
        output.display(),
        if per_frame.is_empty() { "" } else { "; " },
    ))
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
    frames: u64,
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
        self.frames += 1;
    }

    fn frames(&self) -> String {
        match self.frames {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_size_has_its_own_message() {
        let err = parse_max_size("10").unwrap_err();
        assert!(err.contains("too small for a recording"), "{err}");
        assert!(!err.contains("ELF"), "{err}");
        assert_eq!(parse_max_size("5M"), Ok(5 << 20));
    }

    #[test]
    fn a_recording_without_frames_is_an_error_and_the_summary_has_no_dangling_separator() {
        let out = Path::new("keep.mirec");
        let full = Ended::Full { block: 6_657_232 };
        let err = summary(&Tally::default(), &full, 5 << 20, 211, out).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("nothing recorded"), "{text}");
        assert!(text.contains("6657232 bytes") && text.contains("keep.mirec was not written"));
        let mut tally = Tally::default();
        tally.add(BlockKind::KeyFrame, 100);
        let line = summary(&tally, &full, 5 << 20, 311, out).unwrap();
        assert!(
            line.ends_with("311 bytes; whole frames 100 bytes each"),
            "{line}"
        );
        assert!(
            !summary(&tally, &Ended::Duration, 1 << 20, 311, out)
                .unwrap()
                .ends_with("; ")
        );
    }

    #[test]
    fn an_output_that_is_not_a_regular_file_is_refused() {
        let err = check_output(Path::new("/dev/null"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("a character device, not a regular file"),
            "{err}"
        );
        assert!(check_output(Path::new("/nonexistent-dir/x.mirec")).is_ok());
    }
}
