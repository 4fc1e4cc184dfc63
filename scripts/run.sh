#!/usr/bin/env bash
# Sets up (first run only), builds and runs mapinspect as root. Arguments go to mapinspect:
#   ./scripts/run.sh            the live TUI
#   ./scripts/run.sh dump --json
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo build --release --quiet
if [ "$(id -u)" -eq 0 ]; then
    exec ./target/release/mapinspect "$@"
else
    exec sudo ./target/release/mapinspect "$@"
fi
