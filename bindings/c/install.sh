#!/usr/bin/env bash
# Builds libtradewarden (shared and static) and installs it for C and C++
# projects:
#   PREFIX/include/tradewarden.h, tradewarden.hpp
#   PREFIX/lib/libtradewarden.so, libtradewarden.a
#   PREFIX/lib/cmake/tradewarden/tradewarden-config.cmake (+ -version.cmake)
#   PREFIX/lib/pkgconfig/tradewarden.pc
#
# Usage: bindings/c/install.sh PREFIX [--debug] [--no-build] [--symlink]
#   --debug     install the debug build (target/debug) instead of release
#   --no-build  do not run cargo (the library must already be built)
#   --symlink   link the libraries into PREFIX instead of copying them
#               (tests: the debug static library is several hundred MB)
# Then: find_package(tradewarden) with CMAKE_PREFIX_PATH=PREFIX, or
#       PKG_CONFIG_PATH=PREFIX/lib/pkgconfig pkg-config --cflags --libs tradewarden
set -euo pipefail
usage() { echo "usage: $0 PREFIX [--debug] [--no-build]" >&2; exit 2; }
[ $# -ge 1 ] || usage
PREFIX=$1; shift
PROFILE=release
BUILD=1
LINK=0
for arg in "$@"; do
  case "$arg" in
    --debug) PROFILE=debug ;;
    --no-build) BUILD=0 ;;
    --symlink) LINK=1 ;;
    *) usage ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
if [ "$BUILD" = 1 ]; then
  if [ "$PROFILE" = release ]; then
    cargo build --release -p tradewarden-capi --locked
  else
    cargo build -p tradewarden-capi --locked
  fi
fi
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE
for f in libtradewarden.so libtradewarden.a; do
  [ -f "$TARGET/$f" ] || { echo "missing $TARGET/$f: build first" >&2; exit 1; }
done
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
install -m 0644 "$HERE/cmake/tradewarden-config.cmake" "$PREFIX/lib/cmake/tradewarden/"
sed "s/@VERSION@/$VERSION/g" "$HERE/cmake/tradewarden-config-version.cmake.in" \
  >"$PREFIX/lib/cmake/tradewarden/tradewarden-config-version.cmake"
sed -e "s#@PREFIX@#$PREFIX#g" -e "s/@VERSION@/$VERSION/g" -e "s/@PRIVATE_LIBS@/$PRIVATE_LIBS/g" \
  "$HERE/cmake/tradewarden.pc.in" >"$PREFIX/lib/pkgconfig/tradewarden.pc"
echo "installed tradewarden $VERSION ($PROFILE) into $PREFIX"
