#!/usr/bin/env bash
# Python wheel: build with maturin into a local venv and run pytest.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VENV="$ROOT/.venv"
PY=${PYTHON:-python3}

if ! "$PY" -m venv --help >/dev/null 2>&1; then
  echo "installing python3-venv"
  apt-get update -qq && apt-get install -y -qq python3-venv python3-pip >/dev/null
fi
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install -q -r bindings/python/requirements-test.txt

rm -rf "$ROOT/target/wheels"
"$VENV/bin/maturin" build --release -m bindings/python/Cargo.toml -o "$ROOT/target/wheels" -i "$VENV/bin/python"
"$VENV/bin/python" -m pip install -q --force-reinstall --no-deps "$ROOT"/target/wheels/tradewarden-*.whl

cd "$ROOT/bindings/python"
"$VENV/bin/python" -m pytest -q -p no:cacheprovider tests

# The side-by-side harness in quick mode (numpy/scipy peers only), so it cannot rot.
cd "$ROOT"
"$VENV/bin/python" benches/compare/compare.py --quick
