//! `mapinspect record` on the bundled object, then `replay` of the file in a real terminal
//! (tmux) as nobody with no capabilities: no root, no BPF. Also the ways a recording ends
//! (--duration, --max-size, SIGTERM) and a file cut short, each leaving a file that replays.
use std::{
    fs,
    os::unix::fs::PermissionsExt as _,
    path::{Path, PathBuf},
    process::{Command, Stdio},
    thread::sleep,
    time::Duration,
};

use inspector::record::reader;

use crate::tmux::Session;

pub(crate) const BINARY: &str = env!("CARGO_BIN_EXE_mapinspect");

/// A directory of this test's own, readable by nobody, removed on drop.
pub(crate) struct Dir(pub(crate) PathBuf);

impl Dir {
    pub(crate) fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("mapinspect-record-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(&path).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        Self(path)
    }

    pub(crate) fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Records the bundled object while execs of `true` give its maps something to count.
fn record(file: &Path, args: &[&str]) -> String {
    let child = Command::new(BINARY)
        .args(["record", "-o", file.to_str().unwrap()])
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for _ in 0..20 {
        let _ = Command::new("true").status();
        sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "record failed: {stderr}");
    // Recordings are created 0600; nobody replays them once shared, as the README says.
    fs::set_permissions(file, fs::Permissions::from_mode(0o644)).unwrap();
    stderr
}

/// `mapinspect replay FILE` as uid 65534 with every capability dropped, in tmux.
fn replay_as_nobody(file: &Path) -> Session {
    Session::start(&format!(
        "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
         --ambient-caps=-all --bounding-set=-all {BINARY} replay {}; echo EXIT=$?; sleep 30",
        file.display()
    ))
}

/// "frame N/M" in the header.
fn frame_of(screen: &str) -> Option<(usize, usize)> {
    let header = screen.lines().next()?;
    let at = header.find("frame ")? + "frame ".len();
    let (n, rest) = header[at..].split_once('/')?;
    let m: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((n.parse().ok()?, m.parse().ok()?))
}

#[test]
fn the_bundled_object_records_and_replays_without_root() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let dir = Dir::new("e2e");
    let file = dir.file("bundled.mirec");
    let stderr = record(&file, &["--duration", "2", "--interval", "0.25"]);
    assert!(stderr.contains("(--duration reached)"), "{stderr}");
    let recording = reader::open(&file).unwrap();
    let frames = recording.frames.len();
    assert!(frames >= 6, "{frames} frames: {stderr}");
    assert!(recording.damage.is_none());
    assert!(recording.descs.iter().any(|d| d.meta.name == "EXECS"));

    let session = replay_as_nobody(&file);
    let first = format!("frame 1/{frames}");
    let screen = session.wait_for("the replay", Duration::from_secs(15), |s| {
        s.contains("replay bundled.mirec") && s.contains(&first) && s.contains("EXECS")
    });
    assert!(screen.contains("paused"), "{screen}");
    // Step on, to the end, back one, and to the start again.
    session.keys(&["."]);
    session.wait_for("frame 2", Duration::from_secs(5), |s| {
        frame_of(s) == Some((2, frames))
    });
    session.keys(&[">"]);
    session.wait_for("the last frame", Duration::from_secs(5), |s| {
        frame_of(s) == Some((frames, frames))
    });
    session.keys(&[","]);
    session.wait_for("a frame back", Duration::from_secs(5), |s| {
        frame_of(s) == Some((frames - 1, frames))
    });
    // EVENTS (the fourth map, per-CPU counts of the recorded execs and opens): its entries
    // and the per-CPU pane, decoded from the recorded layouts.
    session.keys(&["Down", "Down", "Down", "Enter"]);
    let screen = session.wait_for("EVENTS entries", Duration::from_secs(5), |s| {
        s.contains(" EVENTS · percpu_array") && s.contains("per-CPU · key") && s.contains("cpu0")
    });
    assert!(
        !screen.contains("EPERM") && !screen.contains("permission"),
        "{screen}"
    );
    // Play at 4x: frames move on their own and the replay pauses at the last.
    session.keys(&["<", "]", "]", "Space"]);
    session.wait_for("playing", Duration::from_secs(5), |s| s.contains("playing"));
    session.wait_for("the end", Duration::from_secs(15), |s| {
        frame_of(s) == Some((frames, frames)) && s.contains("paused")
    });
    session.keys(&["q"]);
    session.wait_for("a clean exit", Duration::from_secs(5), |s| {
        s.contains("EXIT=0")
    });
}

#[test]
fn a_recording_cut_short_replays_up_to_its_last_whole_frame() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let dir = Dir::new("cut");
    let file = dir.file("cut.mirec");
    record(&file, &["--duration", "1", "--interval", "0.25"]);
    let whole = reader::open(&file).unwrap().frames.len();
    // The host died in the middle of the last frame.
    let bytes = fs::read(&file).unwrap();
    fs::write(&file, &bytes[..bytes.len() - 7]).unwrap();
    let cut = reader::open(&file).unwrap();
    assert_eq!(cut.frames.len(), whole - 1);
    let session = replay_as_nobody(&file);
    let screen = session.wait_for("the cut replay", Duration::from_secs(15), |s| {
        frame_of(s) == Some((1, whole - 1))
    });
    assert!(
        screen.contains(&format!("frame {whole} is cut short")),
        "the status says why the replay ends early:\n{screen}"
    );
    session.keys(&["q"]);
    session.wait_for("a clean exit", Duration::from_secs(5), |s| {
        s.contains("EXIT=0")
    });
}

#[test]
fn max_size_and_sigterm_end_a_recording_that_replays() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let dir = Dir::new("ends");
    let small = dir.file("small.mirec");
    let stderr = record(
        &small,
        &["--max-size", "6K", "--interval", "0.1", "--duration", "60"],
    );
    assert!(
        stderr.contains("stopped before --max-size 6144"),
        "{stderr}"
    );
    assert!(fs::metadata(&small).unwrap().len() <= 6144);
    let recording = reader::open(&small).unwrap();
    assert!(!recording.frames.is_empty() && recording.damage.is_none());

    let term = dir.file("term.mirec");
    let child = Command::new(BINARY)
        .args(["record", "-o", term.to_str().unwrap(), "--interval", "0.2"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    sleep(Duration::from_millis(1500));
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("stopped by SIGTERM"), "{stderr}");
    let recording = reader::open(&term).unwrap();
    assert!(recording.frames.len() >= 2 && recording.damage.is_none());

    // Not a recording: a clear error, exit 1.
    let output = Command::new(BINARY)
        .args(["replay", "/etc/passwd"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a mapinspect recording"), "{stderr}");
}
