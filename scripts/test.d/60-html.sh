#!/usr/bin/env bash
# HTML report suite (issue 10): runs `tradewarden demo` (debug build) into a
# temporary directory, renders report.html in headless Chromium (Debian's
# `chromium`, installed when absent), fails on console errors or on a chart
# that drew nothing (the page's own self-check writes SELFCHECK-OK/FAIL into
# the DOM), keeps a screenshot under target/test-output/, and runs
# `promtool check metrics` on metrics.prom when promtool is present.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT_DIR=${CARGO_TARGET_DIR:-$ROOT/target}/test-output
log() { printf '  [html] %s\n' "$*"; }
fail() { printf '  [html] FAIL: %s\n' "$*" >&2; exit 1; }

CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "chromium missing and neither root nor sudo: apt-get install chromium"
    SUDO="sudo -n"
  fi
  log "installing Debian's chromium package"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 $SUDO apt-get update -qq
  timeout 1200 $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  CHROME=$(command -v chromium || true)
  [ -n "$CHROME" ] || fail "chromium not found after installation"
fi
"$CHROME" --version 2>/dev/null | head -1 || true

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tw-html.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

log "building and running the demo"
timeout 1200 cargo build -q -p tradewarden-cli --locked
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug/tradewarden
timeout 300 "$BIN" demo --out "$TMP/demo" >"$TMP/demo.log" 2>&1 || { cat "$TMP/demo.log"; fail "demo failed"; }
HTML=$TMP/demo/report.html
[ -s "$HTML" ] || fail "report.html missing"
if grep -Eq '(src|href)="(https?:)?//' "$HTML"; then fail "report.html references the network"; fi

FLAGS=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run
       --disable-extensions --user-data-dir="$TMP/profile" --virtual-time-budget=5000)
log "rendering in headless chromium"
timeout 120 "$CHROME" "${FLAGS[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$HTML" \
  >"$TMP/dom.html" 2>"$TMP/console.log" || { tail -20 "$TMP/console.log"; fail "chromium --dump-dom failed"; }
if grep -E 'CONSOLE|Uncaught|console\.error' "$TMP/console.log" | grep -Eiq 'error|uncaught'; then
  grep -E 'CONSOLE|Uncaught' "$TMP/console.log" | head -20
  fail "console errors while rendering report.html"
fi
MARK=$(grep -o 'SELFCHECK-[A-Z]*[^<]*' "$TMP/dom.html" | head -1 || true)
case "$MARK" in
  SELFCHECK-OK*) log "self-check: $MARK" ;;
  *) fail "self-check did not pass: ${MARK:-no marker (script did not run)}" ;;
esac
# negative controls: the checks above must catch an empty chart and a script error
perl -0pe 's/(data-chart="equity".*?<g class="data">).*?(<\/g>)/$1$2/s' "$HTML" >"$TMP/empty.html"
timeout 120 "$CHROME" "${FLAGS[@]}" --dump-dom "file://$TMP/empty.html" >"$TMP/empty-dom.html" 2>/dev/null || true
grep -q 'SELFCHECK-FAIL[^<]*equity' "$TMP/empty-dom.html" || fail "self-check did not flag an empty chart"
sed 's#</body>#<script>notDefinedAnywhere();</script></body>#' "$HTML" >"$TMP/broken.html"
timeout 120 "$CHROME" "${FLAGS[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$TMP/broken.html" \
  >/dev/null 2>"$TMP/broken.log" || true
grep -E 'CONSOLE|Uncaught' "$TMP/broken.log" | grep -Eiq 'error|uncaught' || fail "console-error detection did not see an injected error"
log "negative controls: empty chart and script error detected"
N=$(grep -o 'class="chart"' "$HTML" | wc -l)
[ "$N" -ge 7 ] || fail "expected at least 7 charts, found $N"

mkdir -p "$OUT_DIR"
timeout 120 "$CHROME" "${FLAGS[@]}" --hide-scrollbars --window-size=960,4200 \
  --screenshot="$OUT_DIR/demo-report.png" "file://$HTML" >/dev/null 2>&1 || fail "screenshot failed"
[ -s "$OUT_DIR/demo-report.png" ] || fail "empty screenshot"
cp "$HTML" "$OUT_DIR/demo-report.html"
log "screenshot: $OUT_DIR/demo-report.png"

if command -v promtool >/dev/null 2>&1; then
  # compatibility names that existing dashboards query break one lint rule (see 20-prometheus.sh)
  ALLOWED='^(trading_pnl_total non-counter metrics should not have "_total" suffix|websocket_connections_total non-counter metrics should not have "_total" suffix|plus_ultra_guardrail_last_violation_count non-histogram and non-summary metrics should not have "_count" suffix)$'
  promtool check metrics <"$TMP/demo/metrics.prom" >"$TMP/lint.log" 2>&1 || true
  if grep -Ev "$ALLOWED" "$TMP/lint.log" | grep -q .; then cat "$TMP/lint.log"; fail "promtool check metrics on metrics.prom"; fi
  log "promtool check metrics: ok ($(grep -c '^# TYPE' "$TMP/demo/metrics.prom") families)"
else
  log "promtool not present: metrics.prom lint skipped"
fi
log "ok"
