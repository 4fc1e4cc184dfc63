//! The Debian package as a user gets it: scripts/package.sh builds it, `dpkg -i` installs it
//! on this machine, then `mapinspect` runs from sudo's secure_path, `man` finds its pages,
//! bash, zsh and fish complete `mapinspect du<Tab>` to `dump`, and `apt-get remove` leaves
//! none of its files behind. Root only (it installs into the machine); a guard purges the
//! package however the test ends.
use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

use super::{tools::have, util};

const PACKAGE: &str = "mapinspect";
/// sudo's secure_path on Debian: where `sudo mapinspect` looks.
const SECURE_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Runs `command`, which must succeed; its output.
fn run(command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(command: &mut Command) -> String {
    String::from_utf8(run(command).stdout).unwrap()
}

/// dpkg's status of the package: "installed", "config-files", ... or "not-installed".
fn status() -> String {
    let output = Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Status}", PACKAGE])
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if output.status.success() && !status.is_empty() {
        status
    } else {
        "not-installed".to_string()
    }
}

/// Purges the package when the test ends, passed or not: this machine is someone's.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        if status() != "not-installed" {
            let _ = Command::new("dpkg").args(["--purge", PACKAGE]).status();
        }
    }
}

/// `mapinspect ARGS` the way `sudo mapinspect` finds it: only secure_path, nothing else set.
fn installed_mapinspect(args: &[&str]) -> Command {
    let mut command = Command::new(PACKAGE);
    command.env_clear().env("PATH", SECURE_PATH).args(args);
    command
}

fn build_package(repo: &Path) -> PathBuf {
    let out = stdout(&mut Command::new(repo.join("scripts/package.sh")));
    let deb = PathBuf::from(out.lines().last().unwrap_or_default().trim());
    assert!(
        deb.extension().is_some_and(|e| e == "deb") && deb.is_file(),
        "package.sh's last line names the .deb: {out}"
    );
    deb
}

#[test]
fn package_installs_runs_completes_and_removes_cleanly() {
    let Some(_kernel) = util::kernel() else {
        return;
    };
    assert_eq!(
        status(),
        "not-installed",
        "a mapinspect package is already on this machine; this test installs and removes \
         one: remove it first (apt-get purge mapinspect)"
    );
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let deb = build_package(repo);

    let guard = Installed;
    run(Command::new("dpkg").arg("-i").arg(&deb));
    assert_eq!(status(), "installed");
    let files: Vec<(PathBuf, bool)> = stdout(Command::new("dpkg").args(["-L", PACKAGE]))
        .lines()
        .map(|l| (PathBuf::from(l), Path::new(l).is_dir()))
        .collect();
    for expected in [
        "/usr/bin/mapinspect",
        "/usr/share/man/man1/mapinspect.1.gz",
        "/usr/share/man/man1/mapinspect-dump.1.gz",
        "/usr/share/bash-completion/completions/mapinspect",
        "/usr/share/zsh/vendor-completions/_mapinspect",
        "/usr/share/fish/vendor_completions.d/mapinspect.fish",
        "/usr/share/doc/mapinspect/copyright",
        "/usr/share/doc/mapinspect/LICENSE-MIT",
        "/usr/share/doc/mapinspect/LICENSE-APACHE",
        "/usr/share/doc/mapinspect/CHANGELOG.md",
    ] {
        assert!(
            files.iter().any(|(f, _)| f == Path::new(expected)),
            "{expected} in {files:?}"
        );
    }

    // Debian's copyright file names both licenses, each with its full text.
    let copyright = std::fs::read_to_string("/usr/share/doc/mapinspect/copyright").unwrap();
    for part in [
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
        "License: MIT or Apache-2.0",
        "\nLicense: MIT\n Copyright (c) The mapinspect developers\n .\n Permission is hereby",
        "\nLicense: Apache-2.0\n",
        " TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION",
    ] {
        assert!(copyright.contains(part), "{part:?} in {copyright}");
    }

    // The installed binary is the release build package.sh just made: same long version,
    // which names this checkout's commit.
    let version = stdout(&mut installed_mapinspect(&["--version"]));
    assert_names_this_build(&version, repo);
    // And it works as root from there: the bundled object loads and its maps read.
    let dump = stdout(&mut installed_mapinspect(&["dump", "--json"]));
    let maps: serde_json::Value = serde_json::from_str(&dump).unwrap();
    assert!(maps.as_array().is_some_and(|m| m.len() > 8), "{dump}");

    if have("man") {
        let page = stdout(Command::new("man").args(["-w", PACKAGE]));
        assert_eq!(page.trim(), "/usr/share/man/man1/mapinspect.1.gz");
        let rendered = stdout(
            Command::new("man")
                .arg(PACKAGE)
                .env("MANPAGER", "cat")
                .env("MANWIDTH", "80"),
        );
        assert!(rendered.contains("EXAMPLES") && rendered.contains("mapinspect-dump(1)"));
    }
    completes_in_each_shell();

    run(Command::new("apt-get").args(["remove", "-y", "-qq", PACKAGE]));
    assert_eq!(status(), "not-installed", "no conffiles: remove forgets it");
    for (path, was_dir) in &files {
        // Shared directories (/usr/bin) stay; the package's own files and its doc dir go.
        if !was_dir || path.to_string_lossy().contains(PACKAGE) {
            assert!(!path.exists(), "{} left behind", path.display());
        }
    }
    drop(guard);
}

/// `mapinspect du<Tab>` completes to `dump` in each shell the package serves, from the
/// places the package put the scripts (a missing shell: see [`have`]).
fn completes_in_each_shell() {
    if have("bash") {
        // bash-completion's loader finds the script by the command's name, as on Tab.
        let bash = stdout(Command::new("bash").arg("-c").arg(
            "source /usr/share/bash-completion/bash_completion
             __load_completion mapinspect || exit 3
             func=$(complete -p mapinspect | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p')
             COMP_WORDS=(mapinspect du); COMP_CWORD=1; COMP_LINE='mapinspect du'; COMP_POINT=13
             \"$func\" mapinspect du mapinspect
             echo \"${COMPREPLY[*]}\"",
        ));
        assert_eq!(bash.trim(), "dump", "bash completes du<Tab>");
    }
    if have("zsh") {
        // The vendor directory is on zsh's fpath, so compinit binds the function.
        let zsh = stdout(Command::new("zsh").args([
            "-fc",
            "autoload -U compinit && compinit -u -D && print -r -- $_comps[mapinspect]",
        ]));
        assert_eq!(zsh.trim(), "_mapinspect", "zsh binds the completion");
    }
    if have("fish") {
        // fish loads vendor completions by name and answers the commandline.
        let fish = stdout(Command::new("fish").args(["-c", "complete -C'mapinspect du'"]));
        assert!(fish.lines().any(|l| l.starts_with("dump")), "fish: {fish}");
    }
}

/// `version` is `mapinspect --version` of a release build of this checkout: this crate's
/// version, the HEAD commit (`-dirty` or not), and an embedded eBPF object.
fn assert_names_this_build(version: &str, repo: &Path) {
    let expected = format!("mapinspect {} (commit ", env!("CARGO_PKG_VERSION"));
    assert!(version.starts_with(&expected), "{expected}... in {version}");
    assert!(version.contains("\neBPF object: sha256 "), "{version}");
    if let Ok(head) = Command::new("git")
        .args([
            "-C",
            repo.to_str().unwrap(),
            "rev-parse",
            "--short=12",
            "HEAD",
        ])
        .output()
        && head.status.success()
    {
        let head = String::from_utf8_lossy(&head.stdout);
        assert!(
            version.contains(&format!("(commit {}", head.trim())),
            "{head} in {version}"
        );
    }
}

/// The workspace's target directory (where scripts/package.sh's release build lands).
fn target_dir(repo: &Path) -> PathBuf {
    let metadata = stdout(
        Command::new("cargo")
            .args(["metadata", "--no-deps", "--format-version", "1"])
            .current_dir(repo),
    );
    let metadata: serde_json::Value = serde_json::from_str(&metadata).unwrap();
    PathBuf::from(metadata["target_directory"].as_str().unwrap())
}

/// Removes the `cargo install --root` directory however the test ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// README's `cargo install --locked --path inspector`, into a scratch root. It builds in the
/// workspace's target directory, as package.sh does, so after the package test (or before
/// it) the release build is there and this only links and copies.
#[test]
fn cargo_install_from_the_source_tree_names_its_commit() {
    // Not a kernel test, but it builds in the target directory the package test builds in:
    // one at a time.
    let Some(_kernel) = util::kernel() else {
        return;
    };
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let root = Scratch(
        std::env::temp_dir().join(format!("mapinspect-cargo-install-{}", std::process::id())),
    );
    let _ = std::fs::remove_dir_all(&root.0);
    run(Command::new("cargo")
        .args(["install", "--locked", "--path", "inspector", "--root"])
        .arg(&root.0)
        .env("CARGO_TARGET_DIR", target_dir(repo))
        .current_dir(repo));
    let installed = root.0.join("bin/mapinspect");
    let version = stdout(Command::new(&installed).arg("--version").env_clear());
    assert_names_this_build(&version, repo);
    drop(root);
}
