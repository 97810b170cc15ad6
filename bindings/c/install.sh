#!/usr/bin/env bash
# Builds libtradewarden (shared and static) and installs it for C and C++
# projects:
#   PREFIX/include/tradewarden.h, tradewarden.hpp
#   PREFIX/lib/libtradewarden.so, libtradewarden.a
#   PREFIX/lib/cmake/tradewarden/tradewarden-config.cmake (+ -version.cmake)
#   PREFIX/lib/pkgconfig/tradewarden.pc
#
# Usage: bindings/c/install.sh PREFIX [--debug] [--no-build] [--symlink] [--features LIST]
#   --debug          install the debug build (target/debug) instead of release
#   --no-build       do not run cargo (the library must already be built, with
#                    the same --features)
#   --symlink        link the libraries into PREFIX instead of copying them
#                    (tests: the debug static library is several hundred MB)
#   --features LIST  cargo features of tradewarden-capi, comma-separated
#                    (known: inference — the tw_predictor_* functions and
#                    the tw_registry_* ones that load models); passed to cargo build, and recorded in the
#                    installed CMake config and pkg-config file, which then
#                    define TRADEWARDEN_INFERENCE for their users
# Then: find_package(tradewarden) with CMAKE_PREFIX_PATH=PREFIX, or
#       PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags --libs tradewarden
set -euo pipefail
usage() {
  echo "usage: $0 PREFIX [--debug] [--no-build] [--symlink] [--features LIST]" >&2
  [ $# -eq 0 ] || echo "$0: $*" >&2
  exit 2
}
[ $# -ge 1 ] || usage
PREFIX=$1; shift
case "$PREFIX" in -*) usage "the first argument is the PREFIX, got '$PREFIX'" ;; esac
PROFILE=release
BUILD=1
LINK=0
FEATURES=""
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) PROFILE=debug ;;
    --no-build) BUILD=0 ;;
    --symlink) LINK=1 ;;
    --features) [ $# -ge 2 ] || usage "--features needs a value"; FEATURES=$2; shift ;;
    --features=*) FEATURES=${1#--features=} ;;
    *) usage "unknown option '$1'" ;;
  esac
  shift
done
# Known features, comma- or space-separated; normalised to one comma list.
FEATURE_LIST=""
for f in $(echo "$FEATURES" | tr ',' ' '); do
  case "$f" in
    inference) ;;
    *) usage "unknown feature '$f' (known: inference)" ;;
  esac
  case ",$FEATURE_LIST," in *",$f,"*) ;; *) FEATURE_LIST=${FEATURE_LIST:+$FEATURE_LIST,}$f ;; esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
CARGO_FEATURES=()
[ -z "$FEATURE_LIST" ] || CARGO_FEATURES=(--features "$FEATURE_LIST")
if [ "$BUILD" = 1 ]; then
  if [ "$PROFILE" = release ]; then
    cargo build --release -p tradewarden-capi --locked ${CARGO_FEATURES[@]+"${CARGO_FEATURES[@]}"}
  else
    cargo build -p tradewarden-capi --locked ${CARGO_FEATURES[@]+"${CARGO_FEATURES[@]}"}
  fi
fi
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE
for f in libtradewarden.so libtradewarden.a; do
  [ -f "$TARGET/$f" ] || { echo "missing $TARGET/$f: build first" >&2; exit 1; }
done
# The installed files promise the feature's functions: check the library has
# them (a --no-build install of a library built without the feature).
HAS_INFERENCE=0
case ",$FEATURE_LIST," in *",inference,"*) HAS_INFERENCE=1 ;; esac
if command -v nm >/dev/null 2>&1; then
  # grep reads the whole listing (no -q): under pipefail, -q exiting early
  # made nm die of SIGPIPE on a large library and the test fail at random
  if nm -D --defined-only "$TARGET/libtradewarden.so" 2>/dev/null | grep ' tw_predictor_predict$' >/dev/null; then
    built_inference=1
  else
    built_inference=0
  fi
  if [ "$HAS_INFERENCE" = 1 ] && [ "$built_inference" = 0 ]; then
    echo "$TARGET/libtradewarden.so was built without the inference feature:" \
      "build it with cargo build -p tradewarden-capi --features inference" >&2
    exit 1
  fi
  if [ "$HAS_INFERENCE" = 0 ] && [ "$built_inference" = 1 ]; then
    echo "note: $TARGET/libtradewarden.so has the inference functions, but --features inference" \
      "was not given: TRADEWARDEN_INFERENCE will not be defined for users" >&2
  fi
fi
VERSION=$(cargo pkgid -p tradewarden-capi | sed 's/.*[#@]//')
case "$VERSION" in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) echo "cannot read the crate version (got '$VERSION')" >&2; exit 1 ;;
esac
mkdir -p "$PREFIX"
PREFIX=$(cd "$PREFIX" && pwd)
# System libraries the Rust static library needs on Linux
# (cargo rustc -- --print native-static-libs).
PRIVATE_LIBS="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

install -d "$PREFIX/include" "$PREFIX/lib/cmake/tradewarden" "$PREFIX/lib/pkgconfig"
install -m 0644 "$HERE/include/tradewarden.h" "$HERE/include/tradewarden.hpp" "$PREFIX/include/"
if [ "$LINK" = 1 ]; then
  ln -sf "$TARGET/libtradewarden.so" "$PREFIX/lib/libtradewarden.so"
  ln -sf "$TARGET/libtradewarden.a" "$PREFIX/lib/libtradewarden.a"
else
  install -m 0755 "$TARGET/libtradewarden.so" "$PREFIX/lib/"
  install -m 0644 "$TARGET/libtradewarden.a" "$PREFIX/lib/"
fi
# The features as a CMake list, and the defines users of the headers need.
CMAKE_FEATURES=$(echo "$FEATURE_LIST" | tr ',' ';')
DEFINES=""
[ "$HAS_INFERENCE" = 0 ] || DEFINES=" -DTRADEWARDEN_INFERENCE"
sed "s/@FEATURES@/$CMAKE_FEATURES/g" "$HERE/cmake/tradewarden-config.cmake" \
  >"$PREFIX/lib/cmake/tradewarden/tradewarden-config.cmake"
sed "s/@VERSION@/$VERSION/g" "$HERE/cmake/tradewarden-config-version.cmake.in" \
  >"$PREFIX/lib/cmake/tradewarden/tradewarden-config-version.cmake"
sed -e "s#@PREFIX@#$PREFIX#g" -e "s/@VERSION@/$VERSION/g" -e "s/@PRIVATE_LIBS@/$PRIVATE_LIBS/g" \
  -e "s/@DEFINES@/$DEFINES/g" \
  "$HERE/cmake/tradewarden.pc.in" >"$PREFIX/lib/pkgconfig/tradewarden.pc"
echo "installed tradewarden $VERSION ($PROFILE${FEATURE_LIST:+, features: $FEATURE_LIST}) into $PREFIX"
