#!/usr/bin/env bash
# Cross-door conformance, guardrails: tests/conformance/guardrails_doors.json
# (state persistence across restarts, audit journal, period limits latched and
# stateless, size override and learning freeze, approvals).
# 1. The Rust runner (tests/conformance_guardrails.rs) answers every case and
#    writes its answers (and the Rust+Python function cases once more on the
#    forced scalar path, against the file's bits exactly); the C runner (bindings/c/tests/c/conformance_guardrails.c,
#    the steps as lines: C has no JSON parser) answers them through the C ABI;
#    tests/conformance/guardrails_check.py compares C with the file's `expect`
#    and with Rust's answers. (The Python runner runs in the Python suite.)
# 2. Cross-door artefacts: every case of two or more segments runs its first
#    segment through one door and the rest through another (state directories,
#    journals, overrides written by Rust and reopened by C, by C and verified by
#    Python, …), for the six ordered pairs of Rust, C and Python.
#    Python: $TW_PYTHON, else the test command's .venv (scripts/test.d/30-python.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
command -v gcc >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq gcc >/dev/null; }
cargo build -p tradewarden-capi --locked
LIB="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
S=$(mktemp -d "${TMPDIR:-/tmp}/tw-conformance-guard.XXXXXX")
trap 'rm -rf "$S"' EXIT
CHECK="$ROOT/tests/conformance/guardrails_check.py"

TW_CONFORMANCE_OUT="$S/rust.json" cargo test -q --locked -p tradewarden --test conformance_guardrails
# guardrails_functions.json holds the scalar path's bits: forced to it, 0 ulps.
TRADEWARDEN_SIMD=scalar cargo test -q --locked -p tradewarden --test conformance_guardrails functions_as_the_file_says
python3 "$CHECK" c-steps "$S/steps.tsv" "$S/c"
gcc -std=c11 -Wall -Wextra -Werror -I"$ROOT/bindings/c/include" \
  "$ROOT/bindings/c/tests/c/conformance_guardrails.c" -L"$LIB" -ltradewarden -lm -o "$S/conformance_guardrails"
LD_LIBRARY_PATH="$LIB" "$S/conformance_guardrails" "$S/steps.tsv" > "$S/c.jsonl"
python3 "$CHECK" c-answers "$S/c.jsonl" "$S/rust.json"

RUST_EXE=$(cargo test --no-run --locked -p tradewarden --test conformance_guardrails --message-format=json |
  python3 -c 'import json, sys
exes = [m["executable"] for m in map(json.loads, sys.stdin) if m.get("reason") == "compiler-artifact"
        and m.get("executable") and m["target"]["name"] == "conformance_guardrails"]
assert len(exes) == 1, exes
print(exes[0])')
PY=${TW_PYTHON:-$ROOT/.venv/bin/python}
"$PY" -c 'import tradewarden.guardrails' || {
  echo "46-conformance-guardrails: $PY cannot import tradewarden (run scripts/test.d/30-python.sh or set TW_PYTHON)" >&2
  exit 1
}
LD_LIBRARY_PATH="$LIB" python3 "$CHECK" cross "$S/x" "$S/conformance_guardrails" "$RUST_EXE" "$PY"
