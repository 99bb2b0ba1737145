# Shared helpers for the scripts in this folder. Source it; do not run it.
# shellcheck shell=bash

WARMCC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WARMCC_TARGET_DIR="${CARGO_TARGET_DIR:-$WARMCC_ROOT/target}"
case "$WARMCC_TARGET_DIR" in /*) ;; *) WARMCC_TARGET_DIR="$WARMCC_ROOT/$WARMCC_TARGET_DIR" ;; esac

# rustup installs into ~/.cargo/bin; a fresh login shell may not have it on PATH yet.
if ! command -v cargo >/dev/null 2>&1 && [ -x "${CARGO_HOME:-$HOME/.cargo}/bin/cargo" ]; then
    PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
    export PATH
fi

if [ -t 1 ]; then
    _bold=$'\033[1m' _red=$'\033[31m' _green=$'\033[32m' _reset=$'\033[0m'
else
    _bold='' _red='' _green='' _reset=''
fi

say() { printf '%s==> %s%s\n' "$_bold" "$*" "$_reset"; }
warn() { printf '%swarning:%s %s\n' "$_red" "$_reset" "$*" >&2; }
die() {
    printf '%serror:%s %s\n' "$_red" "$_reset" "$*" >&2
    exit 1
}

# Seconds since the epoch with milliseconds, for step timings.
now() { date +%s.%N; }
# elapsed START -> "12.3s"
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }'; }

# link_static_warmcc PROFILE [CARGO ARGS...]: builds the `warmcc` binary as it ships (see
# scripts/build-release): static glibc, position-dependent. `cargo rustc` gives these flags to
# the binary's own compile and link only, so dependencies (proc macros among them) build as usual.
link_static_warmcc() {
    local profile=$1
    shift
    cargo rustc --profile "$profile" -p warmcc --bin warmcc "$@" -- \
        -C target-feature=+crt-static -C relocation-model=static
}
