#!/usr/bin/env bash
# Sets up (first run only) and runs the benchmarks. Needs root (they create and pin maps).
#   snapshot: mapinspect's snapshot and per-key fallback against `bpftool map dump` and a raw
#             batch loop, the TUI's key-to-frame time and a snapshot's peak memory, on maps of
#             10k/100k/1M entries (about 90 s).
#   commands: the user's whole commands (`dump --json`, `dump --limit 0`, `--system dump
#             --json`) against bpftool's as processes, the map-count iterator, mmap reads and
#             the TUI's own CPU share, each target printed ok/MISS (about 5 min).
# Usage: ./scripts/bench.sh [snapshot|commands] [--quick]   (no name: both)
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
benches=(snapshot commands)
case "${1:-}" in
snapshot | commands)
    benches=("$1")
    shift
    ;;
esac
for bench in "${benches[@]}"; do
    cargo bench -p inspector --bench "$bench" -- "$@"
done
