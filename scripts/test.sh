#!/usr/bin/env bash
# Sets up (first run only) and runs every check and test: formatting, clippy (userspace and
# eBPF crates), unit tests, kernel integration tests and the tmux end-to-end run.
# Kernel tests need root; under CI=true they fail rather than skip.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

# The foreign-map tests build a small C eBPF object with Debian's clang.
if ! command -v clang >/dev/null 2>&1; then
    echo "setup: installing clang" >&2
    if [ "$(id -u)" -eq 0 ]; then apt-get install -y -qq clang || { apt-get update -qq && apt-get install -y -qq clang; }
    else sudo apt-get install -y -qq clang; fi
fi

echo "== cargo fmt --check"
cargo fmt --all --check

echo "== clippy (userspace)"
cargo clippy --all-targets -- -D warnings

echo "== clippy (eBPF crate, bpfel-unknown-none)"
(cd inspector-ebpf && rustup run nightly cargo clippy --release \
    --target bpfel-unknown-none -Z build-std=core -- -D warnings)

echo "== cargo test (unit, kernel, tmux end-to-end)"
# The eBPF crate only builds for the BPF target: it is checked by the clippy run above and
# exercised on the kernel by the inspector tests.
cargo test --workspace --exclude inspector-ebpf
