#!/usr/bin/env bash
# Installs what building and running mapinspect needs, skipping what is already there:
# the nightly rust-src component (for -Z build-std=core on bpfel-unknown-none), bpf-linker,
# bpftool, and a tracefs mount (tracepoint attach needs it). Verified recipe: ../shared/notes/toolchain.md.
set -euo pipefail

BPF_LINKER_VERSION=0.10.4

say() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if ! rustup toolchain list | grep -q '^nightly'; then
    say "installing the nightly toolchain"
    rustup toolchain install nightly --profile minimal
fi

if ! rustup component list --toolchain nightly --installed | grep -q '^rust-src'; then
    say "adding rust-src to nightly"
    rustup component add rust-src --toolchain nightly
fi

# bpf-linker 0.10.4 loads the nightly toolchain's own libLLVM, found through rustup's
# LD_LIBRARY_PATH: ask it through `rustup run nightly`, as aya-build runs it.
if ! rustup run nightly bpf-linker --version 2>/dev/null | grep -q "$BPF_LINKER_VERSION"; then
    say "installing bpf-linker $BPF_LINKER_VERSION"
    cargo install "bpf-linker@$BPF_LINKER_VERSION" --locked
fi

# bpftool (Debian's) is the reference the benchmark compares against, and creates maps
# that mapinspect did not create in the tests.
if ! command -v bpftool >/dev/null 2>&1; then
    say "installing bpftool"
    as_root apt-get update -qq
    as_root apt-get install -y -qq bpftool
fi

if [ ! -d /sys/kernel/tracing/events ] && [ ! -d /sys/kernel/debug/tracing/events ]; then
    say "mounting tracefs at /sys/kernel/tracing"
    as_root mount -t tracefs tracefs /sys/kernel/tracing
fi
