#!/usr/bin/env bash
# C ABI: build libtradewarden (.so and .a), compile the C and C++ tests with
# gcc/g++ and run them, then again under AddressSanitizer + UBSan (leaks included).
set -euo pipefail
export RUST_BACKTRACE=0  # the forced-panic test prints only its one-line message
cd "$(dirname "$0")/../.."
ROOT=$PWD
if ! command -v gcc >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq gcc g++ >/dev/null
fi
cargo build -p tradewarden-capi --locked
LIB="$ROOT/target/debug"
INC="$ROOT/bindings/c/include"
OUT="$ROOT/target/ctest"
mkdir -p "$OUT"
SRC="$ROOT/bindings/c/tests/c"
WARN="-Wall -Wextra -Werror"

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/tw-ctest.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
C_TESTS="test_returns test_drift test_engine"

echo "-- C, shared library"
for t in $C_TESTS; do
  gcc -std=c11 $WARN -I"$INC" "$SRC/$t.c" -L"$LIB" -ltradewarden -lm -o "$OUT/$t"
  mkdir -p "$SCRATCH/$t"
  LD_LIBRARY_PATH="$LIB" "$OUT/$t" "$SCRATCH/$t"
done

echo "-- C++17 wrapper, shared library"
g++ -std=c++17 $WARN -I"$INC" "$SRC/test_cpp.cpp" -L"$LIB" -ltradewarden -o "$OUT/test_cpp"
mkdir -p "$SCRATCH/test_cpp"
LD_LIBRARY_PATH="$LIB" "$OUT/test_cpp" "$SCRATCH/test_cpp"

echo "-- C and C++ under -fsanitize=address,undefined (static library)"
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
for t in $C_TESTS; do
  gcc -std=c11 $WARN $SAN -I"$INC" "$SRC/$t.c" "$LIB/libtradewarden.a" -lm -lpthread -ldl -o "$OUT/${t}_san"
  mkdir -p "$SCRATCH/${t}_san"
  ASAN_OPTIONS=detect_leaks=1 "$OUT/${t}_san" "$SCRATCH/${t}_san"
done
g++ -std=c++17 $WARN $SAN -I"$INC" "$SRC/test_cpp.cpp" "$LIB/libtradewarden.a" -lpthread -ldl -o "$OUT/test_cpp_san"
mkdir -p "$SCRATCH/test_cpp_san"
ASAN_OPTIONS=detect_leaks=1 "$OUT/test_cpp_san" "$SCRATCH/test_cpp_san"

echo "-- C microbenchmark (smoke run: builds and runs; figures in docs/performance.md)"
gcc -std=c11 $WARN -O2 -I"$INC" "$ROOT/bindings/c/benches/check_order.c" "$LIB/libtradewarden.a" -lm -lpthread -ldl -o "$OUT/bench_check_order"
mkdir -p "$SCRATCH/bench"
"$OUT/bench_check_order" "$SCRATCH/bench" 1000 >/dev/null
