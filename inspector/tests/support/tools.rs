//! The rule for tests that need a tool from scripts/test.sh (a shell, man): without it they
//! skip that part with a printed reason locally, and fail under CI=true. Included by
//! shell_completions.rs and kernel/main.rs (`#[path]`; not a test crate of its own).
use std::process::Command;

/// Whether `tool` is on PATH; if not, prints the skip (locally) or fails (CI=true).
pub fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{tool} is not installed (scripts/test.sh installs it), and CI=true forbids skipping"
        );
        eprintln!("SKIPPED: {tool} is not installed (run scripts/test.sh)");
    }
    found
}
