#!/usr/bin/env bash
# Builds the Debian package (target/debian/mapinspect_<version>-1_<arch>.deb) with cargo-deb:
# a release build, the man pages and completions that binary generates from its own clap
# definitions, then `cargo deb --no-build` ([package.metadata.deb] in inspector/Cargo.toml).
# Prints the .deb's path as its last line. `--tools` only installs cargo-deb.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_DEB_VERSION=3.8.0

say() { printf 'package: %s\n' "$*" >&2; }

if ! cargo deb --version 2>/dev/null | grep -q " $CARGO_DEB_VERSION\$"; then
    say "installing cargo-deb $CARGO_DEB_VERSION"
    cargo install "cargo-deb@$CARGO_DEB_VERSION" --locked
fi
[ "${1:-}" = --tools ] && exit 0

./scripts/setup.sh
say "release build"
cargo build --release --locked -p inspector --bin mapinspect --example man

target=$(cargo metadata --no-deps --format-version 1 |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
bin="$target/release/mapinspect"
# cargo-deb finds these through the target/release/pkg paths of its asset list.
out="$target/release/pkg"
rm -rf "$out"
mkdir -p "$out/man" "$out/completions"
"$target/release/examples/man" "$out/man" >/dev/null
gzip -9n "$out"/man/*.1
"$bin" completions bash >"$out/completions/mapinspect"
"$bin" completions zsh >"$out/completions/_mapinspect"
"$bin" completions fish >"$out/completions/mapinspect.fish"
# Debian's machine-readable copyright file with both licenses' full text (cargo-deb's own
# holds one license file): a License paragraph's text is indented, blank lines as " .".
license_text() { sed -e 's/^[[:space:]]*$/./' -e 's/^/ /' "$1"; }
{
    printf 'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n'
    printf 'Upstream-Name: mapinspect\n\n'
    printf 'Files: *\nCopyright: The mapinspect developers\nLicense: MIT or Apache-2.0\n\n'
    printf 'License: MIT\n'
    license_text LICENSE-MIT
    printf '\nLicense: Apache-2.0\n'
    license_text LICENSE-APACHE
} >"$out/copyright"

say "cargo deb"
cargo deb -p inspector --no-build --locked | tail -n 1
