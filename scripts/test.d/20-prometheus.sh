#!/usr/bin/env bash
# Prometheus suite for tradewarden-metrics (issue 6):
#   1. promtool check rules  deploy/prometheus/rules/*.yml
#   2. promtool test rules   deploy/prometheus/tests/*.yml  (each alert fires and stays silent)
#   3. promtool check metrics on our exposition (native and plus_ultra profiles)
#   4. end to end: a real Prometheus on 127.0.0.1 with our rules scrapes the
#      serve_demo example (breach values set), until the target is up, a series
#      is queryable through the HTTP API and a breach alert is firing.
# Installs Debian's prometheus package when promtool/prometheus are missing.
# Everything binds to 127.0.0.1; every wait is bounded; everything started is
# stopped on exit. A prometheus service that the package may start on :9090 is
# neither used nor touched.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DEPLOY=$ROOT/deploy/prometheus
WAIT_S=${TW_PROM_WAIT_S:-90}

log() { printf '  [prometheus] %s\n' "$*"; }
fail() { printf '  [prometheus] FAIL: %s\n' "$*" >&2; exit 1; }

if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then fail "promtool/prometheus missing and not root: apt-get install prometheus"; fi
  log "installing Debian's prometheus package"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq
  timeout 900 apt-get install -y -qq prometheus >/dev/null
fi
promtool --version 2>&1 | head -1

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tw-prom.XXXXXX")
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    # bounded wait, then force
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

log "promtool check rules"
promtool check rules "$DEPLOY"/rules/*.yml >"$TMP/check-rules.log" 2>&1 || { cat "$TMP/check-rules.log"; fail "check rules"; }

log "promtool test rules"
promtool test rules "$DEPLOY"/tests/*.yml >"$TMP/test-rules.log" 2>&1 || { cat "$TMP/test-rules.log"; fail "test rules"; }
grep -c SUCCESS "$TMP/test-rules.log" | xargs -I{} printf '  [prometheus] %s rule test files passed\n' {}

log "building the serve_demo example"
timeout 1200 cargo build -q -p tradewarden-metrics --example serve_demo --locked
DEMO=${CARGO_TARGET_DIR:-$ROOT/target}/debug/examples/serve_demo
[ -x "$DEMO" ] || fail "serve_demo binary not found at $DEMO"

# Compatibility names that existing dashboards query break two lint rules on
# purpose; anything else promtool reports is an error.
ALLOWED_LINT='^(trading_pnl_total non-counter metrics should not have "_total" suffix|websocket_connections_total non-counter metrics should not have "_total" suffix|plus_ultra_guardrail_last_violation_count non-histogram and non-summary metrics should not have "_count" suffix)$'
for profile in native plus-ultra; do
  args=(--print --breach)
  [ "$profile" = plus-ultra ] && args+=(--plus-ultra)
  timeout 30 "$DEMO" "${args[@]}" >"$TMP/expo-$profile.txt"
  grep -q '^# TYPE' "$TMP/expo-$profile.txt" || fail "empty exposition ($profile)"
  if grep -q 'quantile=' "$TMP/expo-$profile.txt"; then fail "summary found in exposition ($profile)"; fi
  set +e
  promtool check metrics <"$TMP/expo-$profile.txt" >"$TMP/lint-$profile.log" 2>&1
  set -e
  if grep -Ev "$ALLOWED_LINT" "$TMP/lint-$profile.log" | grep -q .; then
    cat "$TMP/lint-$profile.log"
    fail "promtool check metrics ($profile)"
  fi
  log "promtool check metrics ($profile): ok ($(grep -c '^# TYPE' "$TMP/expo-$profile.txt") families)"
done

# --- end to end -------------------------------------------------------------
# http_get PORT PATH: plain HTTP/1.0 over bash's /dev/tcp (no curl needed), bounded.
http_get() {
  timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$2" >&3
    cat <&3' _ "$1" "$2" 2>/dev/null
}
# get_has PORT PATH REGEX: the response matches REGEX (response buffered to a
# file first, so grep -q exiting early cannot SIGPIPE the reader under pipefail).
get_has() {
  http_get "$1" "$2" >"$TMP/resp" || return 1
  grep -q -- "$3" "$TMP/resp"
}
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.5
  done
  log "$what: ok"
}

log "starting serve_demo on 127.0.0.1 (ephemeral port, breach values)"
"$DEMO" --listen 127.0.0.1:0 --breach --seconds "$((WAIT_S * 3))" >"$TMP/demo.out" 2>"$TMP/demo.err" &
PIDS+=($!)
demo_port() { sed -n 's#^serving http://127\.0\.0\.1:\([0-9]*\)/metrics$#\1#p' "$TMP/demo.out"; }
demo_up() { [ -n "$(demo_port)" ]; }
wait_for 30 "serve_demo listening" demo_up || { cat "$TMP/demo.err"; fail "serve_demo did not start"; }
DPORT=$(demo_port)
get_has "$DPORT" /metrics '^tradewarden_circuit_breaker_active 1' || fail "serve_demo does not expose the breaker"

PPORT=""
for _ in $(seq 1 20); do
  p=$((20000 + RANDOM % 20000))
  if port_free "$p"; then PPORT=$p; break; fi
done
[ -n "$PPORT" ] || fail "no free loopback port for prometheus"

cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
$(for f in "$DEPLOY"/rules/*.yml; do printf '  - %s\n' "$f"; done)
scrape_configs:
  - job_name: tradewarden_demo
    static_configs:
      - targets: ["127.0.0.1:$DPORT"]
EOF
promtool check config "$TMP/prometheus.yml" >/dev/null || fail "generated prometheus.yml is invalid"

log "starting prometheus on 127.0.0.1:$PPORT"
prometheus --config.file="$TMP/prometheus.yml" \
  --storage.tsdb.path="$TMP/data" \
  --web.listen-address="127.0.0.1:$PPORT" \
  >"$TMP/prometheus.log" 2>&1 &
PIDS+=($!)

ready() { get_has "$PPORT" /-/ready '200 OK'; }
target_up() { get_has "$PPORT" /api/v1/targets '"health":"up"'; }
series_ok() {
  get_has "$PPORT" '/api/v1/query?query=tradewarden_circuit_breaker_active' \
    '"__name__":"tradewarden_circuit_breaker_active".*"value":\[[0-9.]*,"1"\]'
}
# firing NAME: ALERTS{alertname="NAME",alertstate="firing"} is non-empty (query API).
firing() {
  get_has "$PPORT" "/api/v1/query?query=ALERTS%7Balertname%3D%22$1%22%2Calertstate%3D%22firing%22%7D" \
    '"result":\[{'
}
alert_firing() {
  http_get "$PPORT" '/api/v1/alerts' >"$TMP/alerts.json" || true
  firing TradewardenCircuitBreakerActive && firing DailyLossExceeded
}
on_fail() { tail -20 "$TMP/prometheus.log" >&2 || true; fail "$1"; }

wait_for "$WAIT_S" "prometheus ready" ready || on_fail "prometheus not ready"
wait_for "$WAIT_S" "target up" target_up || on_fail "scrape target never up"
wait_for "$WAIT_S" "series queryable through /api/v1/query" series_ok || on_fail "series not queryable"
wait_for "$WAIT_S" "breach alerts firing (TradewardenCircuitBreakerActive, DailyLossExceeded)" alert_firing \
  || { cat "$TMP/alerts.json" >&2 || true; on_fail "breach alerts not firing"; }
# Values inside the limits must not alert.
for quiet in DrawdownCritical FillRateCritical RealisedSlippageCritical ModelPrecisionCritical HourlyLossExceeded; do
  get_has "$PPORT" "/api/v1/query?query=ALERTS%7Balertname%3D%22$quiet%22%7D" '"result":\[\]' \
    || fail "$quiet is pending or firing on in-limit values"
done
log "in-limit values stay silent: ok"
log "all prometheus checks passed"
