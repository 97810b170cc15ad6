#!/usr/bin/env bash
# C ABI: build libtradewarden (.so and .a), compile the C and C++ tests with
# gcc/g++ and run them, then again under AddressSanitizer + UBSan (leaks
# included); the panic-containment test against a library built with the
# feature test-panic (the production library must not export its hook); install the package into a scratch prefix with
# bindings/c/install.sh and build examples/cpp with find_package(tradewarden)
# (plain and sanitized) and a C test with pkg-config; with the feature
# inference, the same through an install.sh --features inference prefix,
# whose CMake config and pkg-config file must define TRADEWARDEN_INFERENCE.
# Installs gcc/g++ and cmake with apt when missing.
set -euo pipefail
export RUST_BACKTRACE=0  # the forced-panic test prints only its one-line message
cd "$(dirname "$0")/../.."
ROOT=$PWD
if ! command -v gcc >/dev/null 2>&1 || ! command -v g++ >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq gcc g++ >/dev/null
fi
if ! command -v cmake >/dev/null 2>&1 || ! command -v pkg-config >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "cmake/pkg-config missing and not root: apt-get install cmake pkg-config" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq
  timeout 900 apt-get install -y -qq cmake pkg-config >/dev/null
fi
LIB="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
INC="$ROOT/bindings/c/include"
SRC="$ROOT/bindings/c/tests/c"
WARN="-Wall -Wextra -Werror"

# Binaries and scratch files live in one temporary directory, removed on exit
# (the debug library is large: link the shared one where static adds nothing).
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/tw-ctest.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
OUT="$SCRATCH/bin"
mkdir -p "$OUT"
C_TESTS="test_returns test_drift test_engine test_monitor test_report test_score_state test_journal test_handles test_reach"

# tw_debug_force_panic exists only in a library built with the cargo feature
# test-panic: build that one first and keep a copy of its shared library for
# the panic-containment test below, then the production library that the
# rest of this suite (and the install) uses.
cargo build -p tradewarden-capi --features test-panic --locked
mkdir -p "$SCRATCH/panic-lib"
cp "$LIB/libtradewarden.so" "$SCRATCH/panic-lib/"
cargo build -p tradewarden-capi --locked
# (grep without -q reads nm's whole output: under pipefail an early exit
# would kill nm with SIGPIPE and hide an exported symbol)
if nm -D --defined-only "$LIB/libtradewarden.so" | grep -w tw_debug_force_panic >/dev/null \
  || grep -q tw_debug_force_panic "$INC/tradewarden.h"; then
  echo "the production library or header has the test-only tw_debug_force_panic" >&2
  exit 1
fi

echo "-- C, shared library"
for t in $C_TESTS; do
  gcc -std=c11 $WARN -I"$INC" "$SRC/$t.c" -L"$LIB" -ltradewarden -lm -o "$OUT/$t"
  mkdir -p "$SCRATCH/$t"
  LD_LIBRARY_PATH="$LIB" "$OUT/$t" "$SCRATCH/$t"
done

echo "-- a panic inside the library is TW_ERR_INTERNAL, never unwinding into C (feature test-panic)"
gcc -std=c11 $WARN -DTW_TEST_PANIC -I"$INC" "$SRC/test_returns.c" -L"$SCRATCH/panic-lib" -ltradewarden -lm \
  -o "$OUT/test_returns_panic"
LD_LIBRARY_PATH="$SCRATCH/panic-lib" "$OUT/test_returns_panic"
rm -rf "$SCRATCH/panic-lib" "$OUT/test_returns_panic"

echo "-- C++17 wrapper, shared library"
g++ -std=c++17 $WARN -I"$INC" "$SRC/test_cpp.cpp" -L"$LIB" -ltradewarden -o "$OUT/test_cpp"
mkdir -p "$SCRATCH/test_cpp"
LD_LIBRARY_PATH="$LIB" "$OUT/test_cpp" "$SCRATCH/test_cpp"

echo "-- C and C++ under -fsanitize=address,undefined (leak detection on)"
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
for t in $C_TESTS; do
  gcc -std=c11 $WARN $SAN -I"$INC" "$SRC/$t.c" -L"$LIB" -ltradewarden -lm -o "$OUT/${t}_san"
  mkdir -p "$SCRATCH/${t}_san"
  ASAN_OPTIONS=detect_leaks=1 LD_LIBRARY_PATH="$LIB" "$OUT/${t}_san" "$SCRATCH/${t}_san"
  rm -f "$OUT/${t}_san"
done
echo "-- static library, under the sanitizers"
g++ -std=c++17 $WARN $SAN -I"$INC" "$SRC/test_cpp.cpp" "$LIB/libtradewarden.a" -lpthread -ldl -o "$OUT/test_cpp_san"
mkdir -p "$SCRATCH/test_cpp_san"
ASAN_OPTIONS=detect_leaks=1 "$OUT/test_cpp_san" "$SCRATCH/test_cpp_san"
rm -f "$OUT/test_cpp_san"

echo "-- C microbenchmark (smoke run: builds and runs; figures in docs/performance.md)"
gcc -std=c11 $WARN -O2 -I"$INC" "$ROOT/bindings/c/benches/check_order.c" -L"$LIB" -ltradewarden -lm -o "$OUT/bench_check_order"
mkdir -p "$SCRATCH/bench"
LD_LIBRARY_PATH="$LIB" "$OUT/bench_check_order" "$SCRATCH/bench" 1000 >/dev/null

echo "-- installed package: find_package(tradewarden) example and pkg-config"
PREFIX="$SCRATCH/prefix"
"$ROOT/bindings/c/install.sh" "$PREFIX" --debug --no-build --symlink
cmake -S "$ROOT/examples/cpp" -B "$OUT/example" -DCMAKE_PREFIX_PATH="$PREFIX" >/dev/null
cmake --build "$OUT/example" >/dev/null
"$OUT/example/engine" "$ROOT/examples/cpp/policy.toml" "$SCRATCH/example-state" >"$SCRATCH/example.out"
grep -q '^KS first vs second half' "$SCRATCH/example.out"
grep -q '^tradewarden_order_denials_total{reason="price_band"} [1-9]' "$SCRATCH/example.out"
grep -q '^live PSI (last 200 days): ' "$SCRATCH/example.out"
grep -q '^drift report: method ks, statistic 0\.[0-9]*, drifted 1 of 1 features' "$SCRATCH/example.out"
grep -q '^journal: [1-9][0-9]* records, 0 torn lines' "$SCRATCH/example.out"
grep -q '^drift_score{feature="daily_return",method="psi"} ' "$SCRATCH/example.out"
echo "example (shared): ok"
cmake -S "$ROOT/examples/cpp" -B "$OUT/example_san" -DCMAKE_PREFIX_PATH="$PREFIX" -DTW_LINK_STATIC=ON \
  -DCMAKE_CXX_FLAGS="$SAN" -DCMAKE_EXE_LINKER_FLAGS="$SAN" >/dev/null
cmake --build "$OUT/example_san" >/dev/null
ASAN_OPTIONS=detect_leaks=1 "$OUT/example_san/engine" "$ROOT/examples/cpp/policy.toml" >/dev/null
rm -rf "$OUT/example_san"
echo "example (static, sanitizers): ok"
# the version file: 0.(minor) is found, another major or minor is not
mkdir -p "$SCRATCH/version"
cat >"$SCRATCH/version/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(version_check LANGUAGES C)
find_package(tradewarden ${WANT} QUIET)
if(tradewarden_FOUND)
  set(got 1)
else()
  set(got 0)
endif()
if(NOT got EQUAL EXPECT)
  message(FATAL_ERROR "find_package(tradewarden ${WANT}): found=${tradewarden_FOUND}, expected ${EXPECT}")
endif()
CMAKE
VERSION=$(PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" pkg-config --modversion tradewarden)
MAJOR_MINOR=${VERSION%.*}
for want in "$MAJOR_MINOR:1" "$VERSION:1" "$((${VERSION%%.*} + 1)).0:0" "${VERSION%%.*}.$((${MAJOR_MINOR#*.} + 1)):0"; do
  rm -rf "$OUT/version"
  cmake -S "$SCRATCH/version" -B "$OUT/version" -DCMAKE_PREFIX_PATH="$PREFIX" \
    -DWANT="${want%:*}" -DEXPECT="${want#*:}" >/dev/null
done
echo "cmake version file: ok"
# shellcheck disable=SC2046
gcc -std=c11 $WARN "$SRC/test_returns.c" $(PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" pkg-config --cflags --libs tradewarden) -lm \
  -Wl,-rpath,"$PREFIX/lib" -o "$OUT/test_returns_pc"
"$OUT/test_returns_pc" >/dev/null
echo "pkg-config build: ok"
# the default install defines no feature macro; --features inference needs a
# library built with it; an unknown feature is a usage error
case "$(PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" pkg-config --cflags tradewarden)" in
  *TRADEWARDEN_INFERENCE*) echo "default install defines TRADEWARDEN_INFERENCE" >&2; exit 1 ;;
esac
grep -q '^set(tradewarden_FEATURES "")$' "$PREFIX/lib/cmake/tradewarden/tradewarden-config.cmake"
if "$ROOT/bindings/c/install.sh" "$SCRATCH/prefix-bad" --debug --no-build --symlink --features inference 2>/dev/null; then
  echo "install.sh --features inference accepted a library built without it" >&2; exit 1
fi
set +e
"$ROOT/bindings/c/install.sh" "$SCRATCH/prefix-bad" --debug --no-build --features gpu 2>/dev/null
rc=$?
set -e
[ "$rc" = 2 ] || { echo "install.sh --features gpu: exit $rc, want 2" >&2; exit 1; }
echo "install.sh --features checks: ok"

echo "-- feature inference (tw_predictor, tw_registry): C tests (plain and sanitized), C++ Predictor and Registry"
# Same target directory, so burn is shared with the other inference builds;
# the plain library is rebuilt afterwards (a few seconds) so target/debug
# keeps the default, small libtradewarden. Shared library only: the debug
# static archive with burn is ~380 MB.
cargo build -p tradewarden-capi --features inference --locked
trap 'cargo build -p tradewarden-capi --locked -q; rm -rf "$SCRATCH"' EXIT
DATA="$ROOT/crates/inference/tests/data"
gcc -std=c11 $WARN -DTRADEWARDEN_INFERENCE -I"$INC" "$SRC/test_inference.c" -L"$LIB" -ltradewarden -lm \
  -o "$OUT/test_inference"
LD_LIBRARY_PATH="$LIB" "$OUT/test_inference" "$DATA"
gcc -std=c11 $WARN $SAN -DTRADEWARDEN_INFERENCE -I"$INC" "$SRC/test_inference.c" -L"$LIB" -ltradewarden -lm \
  -o "$OUT/test_inference_san"
ASAN_OPTIONS=detect_leaks=1 LD_LIBRARY_PATH="$LIB" "$OUT/test_inference_san" "$DATA"
gcc -std=c11 $WARN -DTRADEWARDEN_INFERENCE -I"$INC" "$SRC/test_registry.c" -L"$LIB" -ltradewarden -lm \
  -o "$OUT/test_registry"
mkdir -p "$SCRATCH/test_registry"
LD_LIBRARY_PATH="$LIB" "$OUT/test_registry" "$DATA" "$SCRATCH/test_registry"
gcc -std=c11 $WARN $SAN -DTRADEWARDEN_INFERENCE -I"$INC" "$SRC/test_registry.c" -L"$LIB" -ltradewarden -lm \
  -o "$OUT/test_registry_san"
mkdir -p "$SCRATCH/test_registry_san"
ASAN_OPTIONS=detect_leaks=1 LD_LIBRARY_PATH="$LIB" "$OUT/test_registry_san" "$DATA" "$SCRATCH/test_registry_san"
# PyTorch-generated weights (crates/inference/tests/fixtures/torch: torch's
# key names, its outputs; expected.h holds them as C constants)
TORCH="$ROOT/crates/inference/tests/fixtures/torch"
gcc -std=c11 $WARN -DTRADEWARDEN_INFERENCE -I"$INC" -I"$TORCH" "$SRC/test_torch_fixtures.c" -L"$LIB" \
  -ltradewarden -lm -o "$OUT/test_torch_fixtures"
mkdir -p "$SCRATCH/test_torch_fixtures"
LD_LIBRARY_PATH="$LIB" "$OUT/test_torch_fixtures" "$TORCH" "$DATA" "$SCRATCH/test_torch_fixtures"
gcc -std=c11 $WARN $SAN -DTRADEWARDEN_INFERENCE -I"$INC" -I"$TORCH" "$SRC/test_torch_fixtures.c" -L"$LIB" \
  -ltradewarden -lm -o "$OUT/test_torch_fixtures_san"
mkdir -p "$SCRATCH/test_torch_fixtures_san"
ASAN_OPTIONS=detect_leaks=1 LD_LIBRARY_PATH="$LIB" "$OUT/test_torch_fixtures_san" "$TORCH" "$DATA" \
  "$SCRATCH/test_torch_fixtures_san"
g++ -std=c++17 $WARN -DTRADEWARDEN_INFERENCE -I"$INC" "$SRC/test_inference_cpp.cpp" -L"$LIB" -ltradewarden \
  -o "$OUT/test_inference_cpp"
mkdir -p "$SCRATCH/test_inference_cpp"
LD_LIBRARY_PATH="$LIB" "$OUT/test_inference_cpp" "$DATA" "$SCRATCH/test_inference_cpp"

echo "-- installed with --features inference: CMake and pkg-config define TRADEWARDEN_INFERENCE"
PREFIX_INF="$SCRATCH/prefix-inference"
"$ROOT/bindings/c/install.sh" "$PREFIX_INF" --debug --no-build --symlink --features inference
PC_INF="$PREFIX_INF/lib/pkgconfig"
case "$(PKG_CONFIG_PATH="$PC_INF" pkg-config --cflags tradewarden)" in
  *-DTRADEWARDEN_INFERENCE*) ;;
  *) echo "pkg-config --cflags lacks -DTRADEWARDEN_INFERENCE" >&2; exit 1 ;;
esac
# test_registry.c refuses to compile without the macro: no -D of our own here
# shellcheck disable=SC2046
gcc -std=c11 $WARN "$SRC/test_registry.c" $(PKG_CONFIG_PATH="$PC_INF" pkg-config --cflags --libs tradewarden) -lm \
  -Wl,-rpath,"$PREFIX_INF/lib" -o "$OUT/test_registry_pc"
mkdir -p "$SCRATCH/test_registry_pc"
"$OUT/test_registry_pc" "$DATA" "$SCRATCH/test_registry_pc" >/dev/null
echo "pkg-config build (inference): ok"
mkdir -p "$SCRATCH/inference-cmake"
cat >"$SCRATCH/inference-cmake/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(tw_inference_check LANGUAGES C)
find_package(tradewarden REQUIRED)
if(NOT tradewarden_HAS_INFERENCE OR NOT "inference" IN_LIST tradewarden_FEATURES)
  message(FATAL_ERROR "tradewarden_HAS_INFERENCE=${tradewarden_HAS_INFERENCE} FEATURES=${tradewarden_FEATURES}")
endif()
add_executable(test_registry "${SRC}/test_registry.c")
target_compile_options(test_registry PRIVATE -Wall -Wextra -Werror)
target_link_libraries(test_registry PRIVATE tradewarden::tradewarden m)
CMAKE
cmake -S "$SCRATCH/inference-cmake" -B "$OUT/inference-cmake" -DCMAKE_PREFIX_PATH="$PREFIX_INF" -DSRC="$SRC" >/dev/null
cmake --build "$OUT/inference-cmake" >/dev/null
mkdir -p "$SCRATCH/test_registry_cmake"
"$OUT/inference-cmake/test_registry" "$DATA" "$SCRATCH/test_registry_cmake" >/dev/null
echo "find_package build (inference): ok"
