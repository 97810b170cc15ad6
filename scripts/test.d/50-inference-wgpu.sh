#!/usr/bin/env bash
# tradewarden-inference on burn's wgpu backend (issue 7): runs the flex-vs-wgpu
# parity test (tests/wgpu_parity.rs, feature `wgpu`) in a DEBUG build. With no
# GPU, wgpu uses Mesa's software Vulkan driver (llvmpipe), installed from
# Debian's `mesa-vulkan-drivers` when no Vulkan ICD is present (apt-get, through
# sudo when not root). No release build on this path.
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { printf '  [inference-wgpu] %s\n' "$*"; }
fail() { printf '  [inference-wgpu] FAIL: %s\n' "$*" >&2; exit 1; }

icds() {
  local f
  for f in /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json; do
    [ -e "$f" ] && printf '%s ' "$(basename "$f")"
  done
  return 0
}
have_icd() { [ -n "$(icds)" ]; }

if ! have_icd; then
  if [ "$(id -u)" = 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo -n)
  else
    fail "no Vulkan driver and not root (no sudo): apt-get install mesa-vulkan-drivers"
  fi
  log "installing Debian's mesa-vulkan-drivers (software Vulkan: llvmpipe)"
  export DEBIAN_FRONTEND=noninteractive
  if ! timeout 900 "${SUDO[@]}" apt-get install -y -qq mesa-vulkan-drivers >/dev/null 2>&1; then
    timeout 600 "${SUDO[@]}" apt-get update -qq
    timeout 900 "${SUDO[@]}" apt-get install -y -qq mesa-vulkan-drivers >/dev/null
  fi
  have_icd || fail "mesa-vulkan-drivers installed but no Vulkan ICD found"
fi
log "Vulkan ICDs: $(icds)"

start=$SECONDS
# One test binary, debug profile; the feature is enabled for this crate only.
timeout 2400 cargo test -p tradewarden-inference --features wgpu --locked --test wgpu_parity -- --test-threads 1
log "wgpu parity test passed in $((SECONDS - start)) s (build included)"
