#!/usr/bin/env bash
# Cross-door conformance of the inference and telemetry areas, C runner
# (docs/conformance.md): tests/conformance/inference_functions.json (regime
# classifier, sanity guard), telemetry_recovery.json (recovery tracker),
# inference_predictor.json (load, predict, hot swap) and
# inference_registry.json (one registry, the steps in order) as lines (C has
# no JSON parser); bindings/c/tests/c/conformance_inference.c answers them
# through the C ABI and tests/conformance/inference_check.py compares with
# the files' `expect` and, bit for bit, with the Rust runner's answers on
# this machine — including each door reading the registry the other wrote.
# The library is built with the feature `inference`; the plain library is
# rebuilt on exit so target/debug keeps the default one (as 40-c.sh does).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
command -v gcc >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq gcc >/dev/null; }
LIB="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
S=$(mktemp -d "${TMPDIR:-/tmp}/tw-conformance-inference.XXXXXX")
trap 'rm -rf "$S"' EXIT
cargo build -p tradewarden-capi --features inference --locked
trap 'cargo build -p tradewarden-capi --locked -q; rm -rf "$S"' EXIT
python3 "$ROOT/tests/conformance/inference_check.py" c-cases "$S/cases.tsv"
WARN="-Wall -Wextra -Werror"
gcc -std=c11 $WARN -DTRADEWARDEN_INFERENCE -I"$ROOT/bindings/c/include" \
  "$ROOT/bindings/c/tests/c/conformance_inference.c" -L"$LIB" -ltradewarden -lm -o "$S/conformance_inference"
# the C door: every case, the registry scenario in its own registry, then its reading of that registry
LD_LIBRARY_PATH="$LIB" "$S/conformance_inference" "$S/cases.tsv" "$S/c-registry" > "$S/c-answers.tsv"
LD_LIBRARY_PATH="$LIB" "$S/conformance_inference" "$S/cases.reads.tsv" "$S/c-registry" >> "$S/c-answers.tsv"
# the Rust door: the same, and its reading of the registry the C door wrote
TW_CONFORMANCE_OUT="$S/rust.json" TW_CONFORMANCE_REGISTRY="$S/rust-registry" \
  TW_CONFORMANCE_READ_REGISTRY="$S/c-registry" cargo test -q --locked -p tradewarden --test conformance_inference
# the C door reading the registry the Rust door wrote
LD_LIBRARY_PATH="$LIB" "$S/conformance_inference" "$S/cases.reads.tsv" "$S/rust-registry" > "$S/c-reads-rust.tsv"
python3 "$ROOT/tests/conformance/inference_check.py" c-answers "$S/c-answers.tsv" "$S/rust.json" "$S/c-reads-rust.tsv"

# telemetry_exporter.json: one process per door (the exporter installs once
# per process); the rendered expositions byte for byte as the Rust door's
TW_CONFORMANCE_TELEMETRY_OUT="$S/rust-telemetry.json" \
  cargo test -q --locked -p tradewarden --test conformance_telemetry
python3 "$ROOT/tests/conformance/inference_check.py" t-cases "$S/telemetry.tsv"
gcc -std=c11 $WARN -I"$ROOT/bindings/c/include" \
  "$ROOT/bindings/c/tests/c/conformance_telemetry.c" -L"$LIB" -ltradewarden -lm -o "$S/conformance_telemetry"
mkdir -p "$S/renders"
LD_LIBRARY_PATH="$LIB" "$S/conformance_telemetry" "$S/telemetry.tsv" "$S/renders" > "$S/c-telemetry.tsv"
python3 "$ROOT/tests/conformance/inference_check.py" t-answers "$S/c-telemetry.tsv" "$S/rust-telemetry.json" "$S/renders"
