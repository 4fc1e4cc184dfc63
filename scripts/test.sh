#!/usr/bin/env bash
# Sets up (first run only) and runs every check and test: formatting, clippy (userspace and
# eBPF crates), unit tests, kernel integration tests and the tmux end-to-end run.
# Kernel tests need root; under CI=true they fail rather than skip.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

# Installs a Debian package when its command (or file) is missing (apt lists refreshed if needed).
need() {
    local command=$1 package=$2
    command -v "$command" >/dev/null 2>&1 && return
    [ -e "$command" ] && return
    echo "setup: installing $package" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get install -y -qq "$package" || { $sudo apt-get update -qq && $sudo apt-get install -y -qq "$package"; }
}
# The foreign-map tests build a small C eBPF object with Debian's clang; the end-to-end
# tests drive the TUI in tmux.
need clang clang
need tmux tmux
# The export tests check the exposition with promtool and start their own Prometheus server
# on a free loopback port (Debian's prometheus package has both). The package's own service
# must not start, nor stay on :9090: a policy-rc.d forbids starting it during the install.
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    blocker=/usr/sbin/policy-rc.d
    ours=""
    if [ ! -e "$blocker" ]; then
        printf '#!/bin/sh\n# mapinspect scripts/test.sh: no service starts during this install\nexit 101\n' |
            $sudo tee "$blocker" >/dev/null
        $sudo chmod +x "$blocker"
        ours=1
    fi
    status=0
    need promtool prometheus || status=$?
    [ -z "$ours" ] || $sudo rm -f "$blocker"
    [ "$status" -eq 0 ] || exit "$status"
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
    fi
fi

# The package test (tests/kernel/package.rs) builds the .deb with cargo-deb and checks man and
# the completions on this machine; the completion scripts get each shell's syntax check.
need man man-db
need /usr/share/bash-completion/bash_completion bash-completion
need zsh zsh
need fish fish
./scripts/package.sh --tools

echo "== cargo fmt --check"
cargo fmt --all --check

echo "== clippy (userspace)"
cargo clippy --all-targets -- -D warnings

echo "== clippy (eBPF crate, bpfel-unknown-none)"
# A nightly installed with --profile minimal has no clippy.
if ! rustup component list --toolchain nightly --installed | grep -q '^clippy'; then
    rustup component add clippy --toolchain nightly
fi
(cd inspector-ebpf && rustup run nightly cargo clippy --release \
    --target bpfel-unknown-none -Z build-std=core -- -D warnings)

echo "== cargo test (unit, kernel, tmux end-to-end)"
# The eBPF crate only builds for the BPF target: it is checked by the clippy run above and
# exercised on the kernel by the inspector tests.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
cargo test --workspace --exclude inspector-ebpf 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line with the totals of every test binary.
total() { grep -E '^test result:' "$log" | grep -Eo "[0-9]+ $1" | awk '{n += $1} END {print n + 0}'; }
echo "tests: $(total passed) passed, $(total failed) failed"
exit "$status"
