#!/usr/bin/env bash
# Cross-door conformance of the drift capabilities, C runner:
# tests/conformance/drift_cases.json (reference profile, persisted profiles,
# DriftReport, score states, the live monitor, the compact scorer) as lines
# (C has no JSON parser) plus the artefacts each case loads as files
# (tests/conformance/drift_check.py c-cases), answered through the C ABI by
# bindings/c/tests/c/conformance_drift.c, then compared with the file's
# `expect` and with the Rust runner's answers on this machine
# (drift_check.py c-answers). Then the profiles, score states and scorers
# the C door saved are loaded by the Rust door (TW_DRIFT_FOREIGN), which must
# give the file's answers from them. The Rust and Python runners of the same
# file run in cargo test and the Python suite.
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
TW_DRIFT_FOREIGN="$S/saved" cargo test -q --locked -p tradewarden --test conformance_drift \
  every_case_gives_the_expected_answer -- --nocapture | tee "$S/foreign.log"
grep -E "^foreign artefacts: [1-9][0-9]* loaded, 0 differ" "$S/foreign.log"
