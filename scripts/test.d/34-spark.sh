#!/usr/bin/env bash
# Spark (issue 22): the mapInArrow functions of docs/scale-out.md ("Spark"), executed as written by
# bindings/python/tests_spark/test_spark.py in Spark local mode (local[2], loopback only, no UI): the reference
# profile fitted per partition and merged with treeReduce equals Profile.fit of all rows, the per-partition
# current report equals profile.score of all rows, and ReturnsState per time-ordered partition merged in order
# equals the single-series statistics.
#
# Installs the pinned pyspark (bindings/python/tests_spark/requirements.txt) into $ROOT/.venv, and Debian's
# default-jre-headless only when `java` is absent. Runs after 30-python.sh (which installs the wheel into
# .venv); standalone it needs that .venv (or VENV=/path/to/venv with tradewarden installed).
# Every wait is bounded (pip, apt, pytest under `timeout`); the Spark session is stopped by the test fixture.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VENV=${VENV:-$ROOT/.venv}
PY="$VENV/bin/python"
REQ="$ROOT/bindings/python/tests_spark/requirements.txt"
LIMIT_S=${TW_SPARK_TIMEOUT_S:-600}

log() { printf '  [spark] %s\n' "$*"; }
fail() { printf '  [spark] FAIL: %s\n' "$*" >&2; exit 1; }

[ -x "$PY" ] || fail "no venv at $VENV: run scripts/test.d/30-python.sh first (or set VENV)"
"$PY" -c 'import tradewarden.drift, tradewarden.returns' || fail "tradewarden is not installed in $VENV"

if ! command -v java >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then fail "java missing and not root: apt-get install default-jre-headless"; fi
  log "installing Debian's default-jre-headless"
  export DEBIAN_FRONTEND=noninteractive
  timeout 600 apt-get update -qq
  timeout 900 apt-get install -y -qq default-jre-headless >/dev/null
fi
log "$(java -version 2>&1 | head -1)"

want=$(sed -n 's/^pyspark==//p' "$REQ")
[ -n "$want" ] || fail "no pinned pyspark in $REQ"
have=$("$PY" -c 'import pyspark; print(pyspark.__version__)' 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  log "installing pyspark==$want (first time: a ~430 MB download, then pip's cache)"
  timeout 1200 "$PY" -m pip install -q -r "$REQ"
fi
log "pyspark $("$PY" -c 'import pyspark; print(pyspark.__version__)')"

export PYSPARK_PYTHON="$PY" PYSPARK_DRIVER_PYTHON="$PY" SPARK_LOCAL_IP=127.0.0.1
cd "$ROOT/bindings/python"
timeout "$LIMIT_S" "$PY" -m pytest -q -p no:cacheprovider tests_spark "$@"
