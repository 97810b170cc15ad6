#!/usr/bin/env bash
# Cross-door conformance of the drift capabilities, C runner:
# tests/conformance/drift_cases.json (reference profile, persisted profiles,
# DriftReport, score states, the live monitor, the compact scorer) as lines
# (C has no JSON parser) plus the artefacts each case loads as files
# (tests/conformance/drift_check.py c-cases), answered through the C ABI by
# bindings/c/tests/c/conformance_drift.c, then compared with the file's
# `expect` and with the Rust runner's answers on this machine
# (drift_check.py c-answers). The Rust and Python runners of the same file
# run in cargo test and the Python suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
command -v gcc >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq gcc >/dev/null; }
cargo build -p tradewarden-capi --locked
LIB="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
S=$(mktemp -d "${TMPDIR:-/tmp}/tw-conformance-drift.XXXXXX")
trap 'rm -rf "$S"' EXIT
TW_CONFORMANCE_OUT="$S/rust.json" cargo test -q --locked -p tradewarden --test conformance_drift
python3 "$ROOT/tests/conformance/drift_check.py" c-cases "$S/cases.tsv" "$S/artefacts"
gcc -std=c11 -Wall -Wextra -Werror -I"$ROOT/bindings/c/include" \
  "$ROOT/bindings/c/tests/c/conformance_drift.c" -L"$LIB" -ltradewarden -lm -o "$S/conformance_drift"
mkdir -p "$S/saved"
LD_LIBRARY_PATH="$LIB" "$S/conformance_drift" "$S/cases.tsv" "$S/saved" > "$S/c-answers.tsv"
python3 "$ROOT/tests/conformance/drift_check.py" c-answers "$S/c-answers.tsv" "$S/rust.json"
