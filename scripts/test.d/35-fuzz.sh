#!/usr/bin/env bash
# Fuzz smoke: cargo clippy on the fuzz crate (not a workspace member: all
# targets, -D warnings); builds every cargo-fuzz target of fuzz/ (nightly,
# release, debug assertions, AddressSanitizer); checks the panic hook of
# io_ingest (scripts/fuzz --check-hook); and runs each target for FUZZ_SMOKE_SECONDS
# (20) over its committed seed corpus, an input running past 10 s counting
# as a hang. Any crash, hang, out-of-memory or failed assertion fails the
# suite (the input is left under fuzz/artifacts/TARGET/). Installs the
# nightly toolchain (minimal profile) and cargo-fuzz when missing.
# The build lives in FUZZ_TARGET_DIR (default ~/.cache/tradewarden/fuzz-target,
# outside the checkout) so that a later run on the same machine, e.g. CI's
# fresh clone, only rebuilds the project's crates: a cold sanitized build of
# arrow/parquet takes far longer than the smoke (docs/reliability.md,
# "Fuzzing", for the numbers and the long campaigns).
set -euo pipefail
cd "$(dirname "$0")/../.."
export FUZZ_TARGET_DIR=${FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tradewarden/fuzz-target}
# Stale sanitized builds pile up there; past TW_FUZZ_CAP_GB (15) it is emptied first.
used_gb=$(du -s --block-size=1G "$FUZZ_TARGET_DIR" 2>/dev/null | cut -f1)
if [ "${used_gb:-0}" -gt "${TW_FUZZ_CAP_GB:-15}" ]; then
  echo "emptying $FUZZ_TARGET_DIR (${used_gb} GB > ${TW_FUZZ_CAP_GB:-15} GB)"
  rm -rf "$FUZZ_TARGET_DIR"
fi
start=$(date +%s)
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
./scripts/fuzz --clippy
linted=$(date +%s)
echo "fuzz crate clippy in $((linted - start)) s"
./scripts/fuzz --build
./scripts/fuzz --check-hook
built=$(date +%s)
echo "fuzz targets built and the panic hook checked in $((built - linted)) s"
failed=()
for t in $(./scripts/fuzz --list); do
  FUZZ_TIMEOUT=10 ./scripts/fuzz "$t" "${FUZZ_SMOKE_SECONDS:-20}" || failed+=("$t")
done
echo "fuzz smoke: clippy $((linted - start)) s, build $((built - linted)) s, runs $(( $(date +%s) - built )) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz smoke FAILED: ${failed[*]}" >&2
  exit 1
fi
