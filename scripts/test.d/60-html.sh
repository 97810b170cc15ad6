#!/usr/bin/env bash
# HTML report suite (issue 10): runs `tradewarden demo` and `tradewarden
# report` (on a returns CSV with a date column, with a benchmark, and on one
# without dates; debug build) into a temporary directory, renders each
# report.html in headless Chromium (Debian's `chromium`, installed when
# absent), fails on console errors or on a chart that drew nothing (the page's
# own self-check writes SELFCHECK-OK/FAIL into the DOM), keeps screenshots
# under target/test-output/, and runs `promtool check metrics` on metrics.prom
# when promtool is present.
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

FLAGS=(--headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run
       --disable-extensions --user-data-dir="$TMP/profile" --virtual-time-budget=5000)

# check_page FILE NAME N_CHARTS: self-contained, renders without console errors,
# the self-check passes, exactly N_CHARTS charts (at least, for the demo: "+N")
check_page() {
  local html=$1 name=$2 want=$3 n mark
  [ -s "$html" ] || fail "$name: report.html missing"
  if grep -Eq '(src|href)="(https?:)?//' "$html"; then fail "$name: report.html references the network"; fi
  if grep -Eq 'https?://' "$html"; then fail "$name: report.html contains a URL"; fi
  log "$name: rendering in headless chromium"
  timeout 120 "$CHROME" "${FLAGS[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$html" \
    >"$TMP/$name-dom.html" 2>"$TMP/$name-console.log" || { tail -20 "$TMP/$name-console.log"; fail "$name: chromium --dump-dom failed"; }
  if grep -E 'CONSOLE|Uncaught|console\.error' "$TMP/$name-console.log" | grep -Eiq 'error|uncaught'; then
    grep -E 'CONSOLE|Uncaught' "$TMP/$name-console.log" | head -20
    fail "$name: console errors while rendering report.html"
  fi
  mark=$(grep -o 'SELFCHECK-[A-Z]*[^<]*' "$TMP/$name-dom.html" | head -1 || true)
  case "$mark" in
    SELFCHECK-OK*) log "$name: self-check: $mark" ;;
    *) fail "$name: self-check did not pass: ${mark:-no marker (script did not run)}" ;;
  esac
  n=$(grep -o '<svg class="chart"' "$html" | wc -l)
  case "$want" in
    +*) [ "$n" -ge "${want#+}" ] || fail "$name: expected at least ${want#+} charts, found $n" ;;
    *) [ "$n" -eq "$want" ] || fail "$name: expected $want charts, found $n" ;;
  esac
  mkdir -p "$OUT_DIR"
  timeout 120 "$CHROME" "${FLAGS[@]}" --hide-scrollbars --window-size=960,4200 \
    --screenshot="$OUT_DIR/$name-report.png" "file://$html" >/dev/null 2>&1 || fail "$name: screenshot failed"
  [ -s "$OUT_DIR/$name-report.png" ] || fail "$name: empty screenshot"
  cp "$html" "$OUT_DIR/$name-report.html"
  log "$name: screenshot: $OUT_DIR/$name-report.png"
}

HTML=$TMP/demo/report.html
check_page "$HTML" demo +7
# negative controls: the checks above must catch an empty chart and a script error
perl -0pe 's/(data-chart="equity".*?<g class="data">).*?(<\/g>)/$1$2/s' "$HTML" >"$TMP/empty.html"
timeout 120 "$CHROME" "${FLAGS[@]}" --dump-dom "file://$TMP/empty.html" >"$TMP/empty-dom.html" 2>/dev/null || true
grep -q 'SELFCHECK-FAIL[^<]*equity' "$TMP/empty-dom.html" || fail "self-check did not flag an empty chart"
sed 's#</body>#<script>notDefinedAnywhere();</script></body>#' "$HTML" >"$TMP/broken.html"
timeout 120 "$CHROME" "${FLAGS[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$TMP/broken.html" \
  >/dev/null 2>"$TMP/broken.log" || true
grep -E 'CONSOLE|Uncaught' "$TMP/broken.log" | grep -Eiq 'error|uncaught' || fail "console-error detection did not see an injected error"
log "negative controls: empty chart and script error detected"

# `tradewarden report`: 504 days (28 a month from 2023-01), deterministic returns
log "running tradewarden report"
awk 'BEGIN { srand(7); print "date,ret"; for (m = 0; m < 18; m++) for (d = 1; d <= 28; d++)
       printf "%04d-%02d-%02d,%.6f\n", 2023 + int(m / 12), m % 12 + 1, d, 0.0004 + 0.02 * (rand() - 0.5) }' >"$TMP/dated.csv"
awk -F, 'NR == 1 { print "date,bench"; next } { printf "%s,%.6f\n", $1, $2 * 0.5 + 0.0001 }' "$TMP/dated.csv" >"$TMP/bench.csv"
cut -d, -f2 "$TMP/dated.csv" >"$TMP/nodates.csv"
timeout 300 "$BIN" report --returns "$TMP/dated.csv" --benchmark "$TMP/bench.csv" --out "$TMP/report-dated" \
  >"$TMP/report.log" 2>&1 || { cat "$TMP/report.log"; fail "report (dated) failed"; }
timeout 300 "$BIN" report --returns "$TMP/nodates.csv" --out "$TMP/report-nodates" \
  >>"$TMP/report.log" 2>&1 || { cat "$TMP/report.log"; fail "report (no dates) failed"; }
# equity, drawdown, rolling Sharpe, monthly heatmap, return distribution; no heatmap without dates
check_page "$TMP/report-dated/report.html" report-dated 5
check_page "$TMP/report-nodates/report.html" report-nodates 4
grep -q 'Monthly returns heatmap omitted' "$TMP/report-nodates/report.html" || fail "report-nodates: no note for the omitted heatmap"

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
