//! Which bpf-linker the build needs, and whether the one installed is it. Apart from
//! prereqs.rs (no dependencies) so tests/build_script.rs can include it and run its tests.

/// The bpf-linker release scripts/setup.sh installs (it loads nightly's own LLVM 22).
pub const VERSION: &str = "0.10.4";

/// The one-line fix for a missing or different bpf-linker.
pub fn install_command() -> String {
    format!("cargo install bpf-linker@{VERSION} --locked")
}

/// What is wrong with the bpf-linker whose `--version` printed `line` ("bpf-linker 0.10.4"),
/// or None when it is the version the build needs.
pub fn mismatch(line: &str) -> Option<String> {
    let found = line
        .strip_prefix("bpf-linker")
        .map(str::trim)
        .and_then(|rest| rest.split_whitespace().next());
    match found {
        Some(version) if version == VERSION => None,
        Some(version) => Some(format!(
            "bpf-linker {VERSION} (this machine has {version}: other releases link against \
             another LLVM than nightly's)"
        )),
        None => Some(format!(
            "bpf-linker {VERSION} (`bpf-linker --version` printed {line:?}, not a version)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pinned_version_passes() {
        assert_eq!(mismatch(&format!("bpf-linker {VERSION}")), None);
        assert_eq!(mismatch(&format!("bpf-linker {VERSION}\n")), None);
    }

    #[test]
    fn another_version_is_named_with_the_pinned_one() {
        for other in ["0.10.3", "0.9.15", "0.10.40", "0.10.4-rc1", "1.0.0"] {
            let problem = mismatch(&format!("bpf-linker {other}")).expect(other);
            assert!(
                problem.contains(other) && problem.contains(VERSION),
                "{problem}"
            );
        }
    }

    #[test]
    fn an_unreadable_version_is_a_mismatch() {
        for line in ["", "bpf-linker", "something else 0.10.4"] {
            let problem = mismatch(line).expect(line);
            assert!(problem.contains(VERSION), "{problem}");
        }
    }

    #[test]
    fn the_fix_installs_the_pinned_release() {
        assert_eq!(
            install_command(),
            "cargo install bpf-linker@0.10.4 --locked"
        );
    }
}
