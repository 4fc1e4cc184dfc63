//! Least privilege: each mode runs with exactly the capabilities it needs (set with
//! setpriv, as root or as nobody), and a missing one is named with the fix.
use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

/// Runs mapinspect with `args` as `user` (None: root) holding exactly `caps` (setpriv names,
/// e.g. "bpf", "perfmon").
fn mapinspect_with(user: Option<u32>, caps: &[&str], args: &[&str]) -> Output {
    let list: String = caps.iter().map(|c| format!(",+{c}")).collect();
    let mut command = Command::new("setpriv");
    if let Some(uid) = user {
        command.args([
            format!("--reuid={uid}"),
            format!("--regid={uid}"),
            "--clear-groups".into(),
            format!("--ambient-caps=-all{list}"),
        ]);
    } else {
        command.arg(format!("--bounding-set=-all{list}"));
    }
    command
        .arg(format!("--inh-caps=-all{list}"))
        .arg(env!("CARGO_BIN_EXE_mapinspect"))
        .args(args)
        .output()
        .expect("setpriv (util-linux) runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A hash map pinned by bpftool (a foreign owner) under a per-test bpffs directory, with
/// one entry; `world_readable` opens the pin to other users. Removed on drop.
struct Pinned {
    dir: PathBuf,
    map: PathBuf,
}

impl Pinned {
    fn new(test: &str, world_readable: bool) -> Self {
        let dir =
            Path::new("/sys/fs/bpf").join(format!("mapinspect-test-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let map = dir.join("m");
        let path = map.to_str().unwrap();
        let bpftool = |args: &[&str]| {
            let out = Command::new("bpftool").args(args).output().unwrap();
            assert!(out.status.success(), "bpftool {args:?}: {}", stderr(&out));
        };
        bpftool(&[
            "map", "create", path, "type", "hash", "key", "4", "value", "8", "entries", "4",
            "name", "mi_priv",
        ]);
        let value = ["value", "7", "0", "0", "0", "0", "0", "0", "0"];
        bpftool(
            &[
                &["map", "update", "pinned", path, "key", "1", "0", "0", "0"][..],
                &value,
            ]
            .concat(),
        );
        if world_readable {
            use std::os::unix::fs::PermissionsExt as _;
            for p in [&dir, &map] {
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
        }
        Self { dir, map }
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const NOBODY: u32 = 65534;

#[test]
fn the_bundled_object_loads_with_cap_bpf_and_cap_perfmon_alone() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let out = mapinspect_with(None, &["bpf", "perfmon"], &["dump", "--limit", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("EXP_LRU"));
    // As another user, tracefs (root's, mode 0700) also needs CAP_DAC_READ_SEARCH.
    let caps = ["bpf", "perfmon", "dac_read_search"];
    let out = mapinspect_with(Some(NOBODY), &caps, &["dump", "--limit", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_missing_capability_is_named_with_the_fix() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let out = mapinspect_with(None, &["bpf"], &["dump"]);
    let text = stderr(&out);
    assert!(!out.status.success());
    assert!(text.contains("needs CAP_BPF and CAP_PERFMON"), "{text}");
    assert!(text.contains("lacks CAP_PERFMON"), "{text}");
    assert!(text.contains("setcap cap_bpf,cap_perfmon+ep"), "{text}");
    assert!(!text.contains("EPERM"), "named, not an errno: {text}");

    let out = mapinspect_with(None, &["bpf", "perfmon"], &["--system", "dump"]);
    let text = stderr(&out);
    assert!(!out.status.success());
    assert!(text.contains("finding maps by id"), "{text}");
    assert!(text.contains("lacks CAP_SYS_ADMIN"), "{text}");

    let out = mapinspect_with(Some(NOBODY), &[], &["dump"]);
    let text = stderr(&out);
    assert!(
        text.contains("lacks CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH"),
        "{text}"
    );
    assert!(text.contains("sudo mapinspect"), "{text}");
}

#[test]
fn foreign_maps_by_id_need_cap_sys_admin_and_a_pin_only_cap_bpf() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let pinned = Pinned::new("privilege", true);
    let pin = pinned.map.to_str().unwrap();
    let out = mapinspect_with(None, &["sys_admin"], &["--system", "dump", "--limit", "0"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // A pin needs CAP_BPF only: its users go unlisted (that needs CAP_SYS_ADMIN).
    let out = mapinspect_with(Some(NOBODY), &["bpf"], &["--pin", pin, "dump"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1/"),
        "one entry"
    );
    let out = mapinspect_with(Some(NOBODY), &[], &["--pin", pin, "dump"]);
    assert!(stderr(&out).contains("lacks CAP_BPF"), "{}", stderr(&out));
}

#[test]
fn a_pin_the_user_may_not_open_says_whose_it_is() {
    let Some(_guard) = crate::util::kernel() else {
        return;
    };
    let pinned = Pinned::new("privilege-mode", false);
    let pin = pinned.map.to_str().unwrap();
    // The directory lets nobody in, the pin itself does not.
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&pinned.dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = mapinspect_with(Some(NOBODY), &["bpf"], &["--pin", pin, "dump"]);
    let text = stderr(&out);
    assert!(!out.status.success());
    assert!(text.contains("owner uid 0, mode 600"), "{text}");
}
