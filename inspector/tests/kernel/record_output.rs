//! Where `mapinspect record` writes: nothing touched until the recording is whole (an
//! existing file survives every failure), no file left by a recording with no frame,
//! a FIFO refused rather than blocked on, SIGHUP a clean stop, the file private (0600).
use std::{
    fs,
    os::unix::fs::PermissionsExt as _,
    path::Path,
    process::{Command, Output, Stdio},
    thread::sleep,
    time::{Duration, Instant},
};

use inspector::record::reader;

use crate::record::{BINARY, Dir};

/// `record -o file ARGS`, killed if it runs past `limit` (a FIFO would block forever).
fn record_within(file: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(BINARY)
        .args(["record", "-o", file.to_str().unwrap()])
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "record -o {} {args:?} still runs after {limit:?}",
                file.display()
            );
        }
        sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn names(dir: &Dir) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(&dir.0)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_failed_recording_leaves_the_output_as_it_was() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let dir = Dir::new("output");
    let keep = dir.file("keep.mirec");
    fs::write(&keep, "earlier recording").unwrap();
    // 1K cannot hold the bundled object's header: refused, the old file untouched.
    let output = record_within(&keep, &["--max-size", "1K"], Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let header: u64 = stderr
        .split("the header alone takes ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no header size in: {stderr}"));
    assert_eq!(fs::read_to_string(&keep).unwrap(), "earlier recording");
    assert_eq!(names(&dir), ["keep.mirec"]);

    // Room for the header and not one frame: an error, no file, the old one untouched.
    let room = (header + 16).to_string();
    let output = record_within(&keep, &["--max-size", &room], Duration::from_secs(30));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("nothing recorded"), "{stderr}");
    assert_eq!(fs::read_to_string(&keep).unwrap(), "earlier recording");
    let fresh = dir.file("fresh.mirec");
    let output = record_within(&fresh, &["--max-size", &room], Duration::from_secs(30));
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(names(&dir), ["keep.mirec"], "no file left behind");

    // A FIFO is refused at once, before anything is loaded.
    let fifo = dir.file("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: c is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let output = record_within(&fifo, &[], Duration::from_secs(10));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("is a FIFO, not a regular file"), "{stderr}");
}

#[test]
fn sighup_stops_a_recording_cleanly_into_a_private_file() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let dir = Dir::new("hup");
    let file = dir.file("hup.mirec");
    fs::write(&file, "replaced once whole").unwrap();
    let child = Command::new(BINARY)
        .args(["record", "-o", file.to_str().unwrap(), "--interval", "0.2"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    sleep(Duration::from_millis(1500));
    // Until the end, the file is the old one.
    assert_eq!(fs::read_to_string(&file).unwrap(), "replaced once whole");
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGHUP) };
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("stopped by SIGHUP"), "{stderr}");
    assert!(!stderr.trim_end().ends_with(';'), "{stderr}");
    let recording = reader::open(&file).unwrap();
    assert!(recording.frames.len() >= 2 && recording.damage.is_none());
    let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{mode:o}");
    assert_eq!(names(&dir), ["hup.mirec"]);
}
