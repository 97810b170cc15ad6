#!/usr/bin/env bash
# empyrical-reloaded 0.7.1's OWN test suite, run against tradewarden.returns (issue 19).
# The pinned sdist is downloaded once (pip, cached under ~/.cache/tradewarden/peer-suites/), its tests/
# are extracted and run with the plugin bindings/python/peer_suites/empyrical/tradewarden_as_empyrical.py,
# which maps the module names empyrical, empyrical.stats, empyrical.perf_attrib to tradewarden.returns and
# deselects the tests listed (with reasons) in deselected.txt. Any other failing test fails this script.
#
# Runs after 30-python.sh (which installs the wheel into $ROOT/.venv); standalone it needs that .venv
# (or VENV=/path/to/venv with tradewarden installed).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VENV=${VENV:-$ROOT/.venv}
PY="$VENV/bin/python"
VERSION=0.7.1
CACHE=${TRADEWARDEN_PEER_CACHE:-$HOME/.cache/tradewarden/peer-suites}
SUITE="$ROOT/bindings/python/peer_suites/empyrical"

if [ ! -x "$PY" ]; then
  echo "no venv at $VENV: run scripts/test.d/30-python.sh first (or set VENV)" >&2
  exit 1
fi
"$PY" -c 'import tradewarden.returns' || { echo "tradewarden is not installed in $VENV" >&2; exit 1; }
"$PY" -m pip install -q -r "$ROOT/bindings/python/peer_suites/requirements-empyrical.txt"

mkdir -p "$CACHE"
SDIST="$CACHE/empyrical_reloaded-$VERSION.tar.gz"
if [ ! -f "$SDIST" ]; then
  "$PY" -m pip download -q "empyrical-reloaded==$VERSION" --no-deps --no-binary :all: -d "$CACHE"
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
tar xzf "$SDIST" -C "$WORK" "empyrical_reloaded-$VERSION/tests"
cd "$WORK/empyrical_reloaded-$VERSION"
# -p loads the plugin before the suite's conftest imports empyrical; rootdir here so that node ids are
# tests/<file>::<test> as in deselected.txt. The sdist's src/ is not extracted: empyrical's code is never
# importable.
PYTHONPATH="$SUITE" "$PY" -m pytest -q -p no:cacheprovider -p tradewarden_as_empyrical \
  --rootdir . -o addopts= -o pythonpath= tests "$@"
