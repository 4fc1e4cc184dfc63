#!/usr/bin/env bash
# Runs each cargo fuzz target (fuzz/) for SECS seconds (default 120), seeded with real
# objects: the bundled one and the C fixture, their .BTF, and key/value strings.
# Needs the nightly toolchain (libFuzzer); installs cargo-fuzz if it is missing.
# Usage: scripts/fuzz.sh [SECS] [TARGET...]   (targets: object btf kv_parse recording)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-120}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(object btf kv_parse recording)

./scripts/setup.sh
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
for tool in clang llvm-objcopy; do
    command -v "$tool" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq clang llvm; }
done

# Seeds. The bundled object comes from a normal build (build.rs puts it in OUT_DIR).
cargo build -p inspector -q
bundled=$(ls -t target/debug/build/inspector-*/out/inspector | head -1)
mkdir -p fuzz/corpus/object fuzz/corpus/btf fuzz/corpus/kv_parse fuzz/corpus/recording
cp "$bundled" fuzz/corpus/object/bundled.o
clang -target bpf -g -O2 -I/usr/include/x86_64-linux-gnu -c inspector/tests/fixtures/foreign.bpf.c \
    -o fuzz/corpus/object/foreign.o
llvm-objcopy --dump-section .BTF=fuzz/corpus/btf/bundled.btf "$bundled" /dev/null
llvm-objcopy --dump-section .BTF=fuzz/corpus/btf/foreign.btf fuzz/corpus/object/foreign.o /dev/null
i=0
for seed in $'u32\n42' $'u64\n0xffffffffffffffff' $'i8\n-128' $'char[16]\nhello' \
    $'u8[4]\n1\t2\t3\t4' $'bytes[8]\n00 11 22 33 44 55 66 77' $'u16[3]\n1\t2\t3' $'char[1]\n'; do
    printf '%s' "$seed" > "fuzz/corpus/kv_parse/seed$i"
    i=$((i + 1))
done
# A recording of the bundled object (recording needs root; without it the target starts
# from nothing and finds the magic by itself, slowly).
if [ "$(id -u)" -eq 0 ]; then
    ./target/debug/mapinspect record -o fuzz/corpus/recording/bundled.rec --duration 1 \
        --interval 0.2 2>/dev/null || echo "fuzz: no recording seed (record failed)" >&2
fi

cd fuzz
for target in "${targets[@]}"; do
    echo "== fuzz $target for ${secs}s"
    # AYA_BUILD_SKIP: the targets do not need the bundled object, only the parsers.
    AYA_BUILD_SKIP=1 cargo +nightly fuzz run "$target" "corpus/$target" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096
done
