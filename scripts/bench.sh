#!/usr/bin/env bash
# Sets up (first run only) and runs the map-reading benchmark: mapinspect's snapshot and
# per-key fallback against `bpftool map dump` and a raw batch loop, the TUI's key-to-frame
# time and a snapshot's peak memory, on maps of 10k/100k/1M entries. Needs root (it creates
# and pins maps); takes a few minutes. Arguments go to the bench, e.g. --quick (10k/100k).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec cargo bench -p inspector --bench snapshot -- "$@"
