#!/usr/bin/env bash
# Cross-door conformance, C runners.
# 1. tests/conformance/functions.json (returns, drift functions): the cases
#    as lines (C has no JSON parser), bindings/c/tests/c/conformance_functions.c
#    answers them through the C ABI, tests/conformance/functions_check.py
#    compares with the file's `expect` and, bit for bit, with the Rust
#    runner's answers on this machine.
# 2. tests/conformance/guardrails_session.json
# run through the C ABI (bindings/c/tests/c/conformance_session.c checks each
# decision), then the journal and state it left compared with the scenario's
# `expected` (tests/conformance/guardrails_journal.py). The Rust, Python and
# CLI runners of the same file run in cargo test and the Python suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
command -v gcc >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq gcc >/dev/null; }
cargo build -p tradewarden-capi --locked
LIB="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
S=$(mktemp -d "${TMPDIR:-/tmp}/tw-conformance.XXXXXX")
trap 'rm -rf "$S"' EXIT
TW_CONFORMANCE_OUT="$S/rust.json" cargo test -q --locked -p tradewarden --test conformance_functions
python3 "$ROOT/tests/conformance/functions_check.py" c-cases "$S/cases.tsv"
gcc -std=c11 -Wall -Wextra -Werror -I"$ROOT/bindings/c/include" \
  "$ROOT/bindings/c/tests/c/conformance_functions.c" -L"$LIB" -ltradewarden -lm -o "$S/conformance_functions"
LD_LIBRARY_PATH="$LIB" "$S/conformance_functions" "$S/cases.tsv" > "$S/c-answers.tsv"
python3 "$ROOT/tests/conformance/functions_check.py" c-answers "$S/c-answers.tsv" "$S/rust.json"

SC="$ROOT/tests/conformance/guardrails_session.json"
python3 "$ROOT/tests/conformance/guardrails_journal.py" policy "$SC" "$S/policy.toml"
gcc -std=c11 -Wall -Wextra -Werror -I"$ROOT/bindings/c/include" \
  "$ROOT/bindings/c/tests/c/conformance_session.c" -L"$LIB" -ltradewarden -lm -o "$S/conformance_session"
LD_LIBRARY_PATH="$LIB" "$S/conformance_session" "$S/policy.toml" "$S/state"
python3 "$ROOT/tests/conformance/guardrails_journal.py" compare "$SC" "$S/state"
