#!/usr/bin/env bash
# Miri over the C binding's unsafe code (docs/reliability.md § C ABI): the
# unit tests of tradewarden-capi, which call the extern "C" functions with
# raw pointers — slice construction and its length/alignment checks, handle
# new / use / free and the tag checks (a dead, zeroed, foreign or misaligned
# handle), out-parameters, NULL checks, string buffers — under Miri's
# undefined-behaviour checks (aliasing model, bounds, alignment,
# uninitialised reads, leaks).
#
# Two runs over one build:
#  1. Stacked Borrows, every test except the two hardening tests that compute
#     a drift report;
#  2. those two under Tree Borrows: the report and the score states work on
#     rayon (the score-state unit test, rayon too, is ignored under Miri:
#     minutes interpreted),
#     whose crossbeam-epoch is not Stacked-Borrows clean (upstream), and
#     rayon's pool threads outlive the test, so leaks are not checked there.
# MIRIFLAGS: -Zmiri-disable-isolation because the guardrails session reads
# the wall clock (SystemTime::now) and the profile, engine and journal tests
# use real files in a temporary directory; -Zmiri-deterministic-floats
# because the unit tests compare the ABI with the Rust API bit for bit and
# Miri otherwise perturbs transcendental functions. Tests too slow under
# Miri (burn, the 2 500-value report) are #[cfg_attr(miri, ignore =
# "<reason>")]; the listing prints the reasons.
#
# Installs nightly with the miri and rust-src components when missing.
# Bounded: ≈ 1 min with the Miri build cached, ≈ 2 min from an empty target
# directory on 2 cores (docs/reliability.md), plus the sysroot on a fresh
# machine; each step has a timeout.
set -euo pipefail
cd "$(dirname "$0")/../.."
export RUST_BACKTRACE=0
if ! rustup toolchain list | grep -q '^nightly'; then
  timeout 900 rustup toolchain install nightly --profile minimal
fi
if ! rustup +nightly component list --installed 2>/dev/null | grep -q '^miri'; then
  timeout 900 rustup +nightly component add miri rust-src
fi
timeout 900 cargo +nightly miri setup
start=$SECONDS
BASE="-Zmiri-disable-isolation -Zmiri-deterministic-floats"
echo "-- Miri, Stacked Borrows"
MIRIFLAGS="$BASE" timeout 1800 cargo +nightly miri test -p tradewarden-capi --lib --locked \
  -- --skip tests_hardening::report_ --skip tests_hardening::score_state_
echo "-- Miri, Tree Borrows: the tests that run the drift report or score states on rayon"
MIRIFLAGS="$BASE -Zmiri-tree-borrows -Zmiri-permissive-provenance -Zmiri-ignore-leaks" \
  timeout 600 cargo +nightly miri test -p tradewarden-capi --lib --locked -- tests_hardening::report_ \
  tests_hardening::score_state_
echo "miri: ok in $((SECONDS - start)) s"
