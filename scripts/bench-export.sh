#!/usr/bin/env bash
# What a scrape of `mapinspect export` costs on a host with a big map (default 1M entries):
# a hash (counted by the kernel's counter), an array (read whole: the first scrape reads it,
# one within --cache-for is served from the cache), the exporter's peak memory, and
# `bpftool map dump` of the hash side by side. Needs root. Prints ok/MISS against the
# targets: a counted scrape under 50 ms, one that reads the map under 1 s, a cached one under
# 50 ms. Usage: ./scripts/bench-export.sh [ENTRIES]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
entries=${1:-1000000}
cargo build --release -q -p inspector
bin=target/release/mapinspect

grep -q ' /sys/fs/bpf bpf ' /proc/mounts || mount -t bpf bpf /sys/fs/bpf
dir=/sys/fs/bpf/mapinspect-bench-export-$$
mkdir -p "$dir"
pid=""
cleanup() {
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

echo "creating a hash and an array of $entries entries (bpftool creates them, mapinspect flood fills them)..."
bpftool map create "$dir/big" type hash key 4 value 4 entries $((entries + entries / 16)) name mi_bench_big
"$bin" --pin "$dir/big" --write flood mi_bench_big --count "$entries" --from user >/dev/null
bpftool map create "$dir/arr" type array key 4 value 4 entries "$entries" name mi_bench_arr
"$bin" --pin "$dir/arr" --write flood mi_bench_arr --count "$entries" --from user >/dev/null

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
scrape() { curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/metrics"; }
# One exporter per map: its first scrape is what a scrape of that map costs.
export_of() {
    "$bin" export --pin "$1" --listen "127.0.0.1:$port" --cache-for 30 2>/dev/null &
    pid=$!
    until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.1; done
}
export_of "$dir/big"
counted=$(scrape)
# The figure must be the map's count, not just fast.
count=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^mapinspect_map_entries\{/ {printf "%d", $NF}')
[ "$count" = "$entries" ] || { echo "MISS: the hash's scrape says $count entries, not $entries"; exit 1; }
kill "$pid"; wait "$pid" 2>/dev/null || true
export_of "$dir/arr"
reading=$(scrape)
cached=$(scrape)
peak=$(awk '/VmHWM/ {print $2 " " $3}' "/proc/$pid/status")
TIMEFORMAT=%R
bpftool_s=$( { time bpftool map dump pinned "$dir/big" -j >/dev/null; } 2>&1)

verdict() { awk -v t="$1" -v max="$2" 'BEGIN { print (t < max ? "ok" : "MISS") }'; }
printf '%-52s %10s  %s\n' "what" "seconds" "target"
printf '%-52s %10s  %s (< 0.05 s)\n' "scrape of a hash ($entries entries, kernel counter)" "$counted" "$(verdict "$counted" 0.05)"
printf '%-52s %10s  %s (< 1 s)\n' "scrape that reads an array ($entries entries)" "$reading" "$(verdict "$reading" 1)"
printf '%-52s %10s  %s (< 0.05 s)\n' "scrape within --cache-for" "$cached" "$(verdict "$cached" 0.05)"
printf '%-52s %10s\n' "bpftool map dump -j of the hash" "$bpftool_s"
printf '%-52s %10s\n' "exporter peak memory (VmHWM, array)" "$peak"
