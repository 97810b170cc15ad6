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

echo "-- C, shared library"
gcc -std=c11 $WARN -I"$INC" "$SRC/test_returns.c" -L"$LIB" -ltradewarden -lm -o "$OUT/test_returns"
LD_LIBRARY_PATH="$LIB" "$OUT/test_returns"

echo "-- C++17 wrapper, shared library"
g++ -std=c++17 $WARN -I"$INC" "$SRC/test_cpp.cpp" -L"$LIB" -ltradewarden -o "$OUT/test_cpp"
LD_LIBRARY_PATH="$LIB" "$OUT/test_cpp"

echo "-- C and C++ under -fsanitize=address,undefined (static library)"
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
gcc -std=c11 $WARN $SAN -I"$INC" "$SRC/test_returns.c" "$LIB/libtradewarden.a" -lm -lpthread -ldl -o "$OUT/test_returns_san"
ASAN_OPTIONS=detect_leaks=1 "$OUT/test_returns_san"
g++ -std=c++17 $WARN $SAN -I"$INC" "$SRC/test_cpp.cpp" "$LIB/libtradewarden.a" -lpthread -ldl -o "$OUT/test_cpp_san"
ASAN_OPTIONS=detect_leaks=1 "$OUT/test_cpp_san"
