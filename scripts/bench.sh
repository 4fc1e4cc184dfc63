#!/usr/bin/env bash
# Sets up (first run only) and runs the benchmarks. Needs root (they create and pin maps).
#   snapshot: mapinspect's snapshot and per-key fallback against `bpftool map dump` and a raw
#             batch loop, the TUI's key-to-frame time and a snapshot's peak memory, on maps of
#             10k/100k/1M entries (about 90 s).
#   commands: the user's whole commands (`dump --json`, `dump --limit 0`, `--system dump
#             --json`) against bpftool's as processes, the map-count iterator, mmap reads and
#             the TUI's own CPU share, each target printed ok/MISS (about 5 min).
#   record:   `mapinspect record` of 100k-entry maps changing 1% a second: bytes per whole
#             and per partial frame, and the partial frame's share of a whole one (about 30 s).
# Usage: ./scripts/bench.sh [snapshot|commands|record] [--quick]   (no name: all)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

# Installs a Debian package when its command is missing (apt lists refreshed if needed).
need() {
    local command=$1 package=$2
    command -v "$command" >/dev/null 2>&1 && return
    echo "setup: installing $package" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get install -y -qq "$package" || { $sudo apt-get update -qq && $sudo apt-get install -y -qq "$package"; }
}
# The commands bench runs the TUI in tmux, and measures each command's peak RSS with GNU
# time (a child's own ru_maxrss starts at its parent's, the bench's, high-water mark).
need tmux tmux
[ -x /usr/bin/time ] || need /usr/bin/time time

benches=(snapshot commands record)
case "${1:-}" in
snapshot | commands | record)
    benches=("$1")
    shift
    ;;
esac
for bench in "${benches[@]}"; do
    cargo bench -p inspector --bench "$bench" -- "$@"
done
