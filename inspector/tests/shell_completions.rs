//! `mapinspect completions SHELL` and the man pages as scripts/package.sh makes them: each
//! completion script passes its own shell's syntax check, each man page renders without a
//! warning from man-db. The shells and man come from scripts/test.sh; a missing one skips
//! with a printed reason locally and fails under CI=true.
use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

#[path = "support/tools.rs"]
mod tools;
use tools::have;

fn mapinspect(args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_mapinspect"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "mapinspect {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// A fresh directory for one test's files, removed by the caller.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mapinspect-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn syntax_check(shell: &str, script: &Path) {
    let output = Command::new(shell).arg("-n").arg(script).output().unwrap();
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "{shell} -n {}: {}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn completion_scripts_pass_their_shells_syntax_check() {
    let dir = scratch("completions");
    let subcommands: Vec<String> = <inspector::cli::Cli as clap::CommandFactory>::command()
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .map(|sub| sub.get_name().to_string())
        .collect();
    for sub in ["dump", "flood", "record", "replay", "export", "completions"] {
        assert!(
            subcommands.iter().any(|s| s == sub),
            "{sub} in {subcommands:?}"
        );
    }
    for shell in ["bash", "zsh", "fish"] {
        let script = mapinspect(&["completions", shell]).stdout;
        let text = String::from_utf8(script).unwrap();
        for sub in &subcommands {
            assert!(
                text.contains(sub.as_str()),
                "{shell} completion lacks {sub}"
            );
        }
        let path = dir.join(format!("mapinspect.{shell}"));
        std::fs::write(&path, &text).unwrap();
        if have(shell) {
            syntax_check(shell, &path);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unknown_shell_is_refused_with_the_choices() {
    let output = Command::new(env!("CARGO_BIN_EXE_mapinspect"))
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bash") && stderr.contains("zsh"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty(), "nothing printed on a refusal");
}

#[test]
fn man_pages_render_without_warnings() {
    let dir = scratch("man");
    let pages = inspector::cli::manual::write_man_pages(&dir).unwrap();
    let subcommands = <inspector::cli::Cli as clap::CommandFactory>::command()
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .count();
    assert_eq!(
        pages.len(),
        1 + subcommands,
        "mapinspect.1 and one per subcommand: {pages:?}"
    );
    if have("man") {
        for page in &pages {
            let output = Command::new("man")
                .args(["--warnings", "-E", "UTF-8", "-l"])
                .arg(page)
                .env("MANWIDTH", "80")
                .env("MANPAGER", "cat")
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(
                output.status.success() && stderr.is_empty(),
                "{}: {stderr}",
                page.display()
            );
            let text = String::from_utf8_lossy(&output.stdout);
            assert!(
                text.contains("mapinspect"),
                "{} renders: {text}",
                page.display()
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
