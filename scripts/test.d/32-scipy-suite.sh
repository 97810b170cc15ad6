#!/usr/bin/env bash
# scipy's own tests of the functions tradewarden.drift replaces (issue 19): scipy's test files, from the
# pinned scipy wheel, run with scipy's ks_2samp, cramervonmises_2samp, wasserstein_distance,
# energy_distance and scipy.spatial.distance.jensenshannon swapped for tradewarden.drift's
# (bindings/python/peer_suites/scipy/swap_plugin.py). Expected counts and every deselection, with its
# reason: docs/python.md, "scipy's own tests".
#
# Runs after 30-python.sh (which installs the wheel into $ROOT/.venv); standalone it needs that .venv
# (or VENV=/path/to/venv with tradewarden installed), as 31-empyrical-suite.sh and 34-spark.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VENV=${VENV:-$ROOT/.venv}
PY="$VENV/bin/python"
SUITE="$ROOT/bindings/python/peer_suites/scipy"
SITE="$ROOT/target/peer-suites/scipy-site"   # the pinned scipy + test deps, apart from the venv
PIP_CACHE="${PIP_CACHE_DIR:-$ROOT/target/peer-suites/pip-cache}"

if [ ! -x "$PY" ]; then
  echo "no venv at $VENV: run scripts/test.d/30-python.sh first (or set VENV)" >&2
  exit 1
fi
"$PY" -c 'import tradewarden.drift' || { echo "tradewarden is not installed in $VENV" >&2; exit 1; }

# install the pinned scipy (wheel, cached) into a directory of its own once per pin
STAMP="$SITE/.requirements"
if ! cmp -s "$SUITE/requirements.txt" "$STAMP" 2>/dev/null; then
  rm -rf "$SITE"
  mkdir -p "$SITE"
  "$PY" -m pip install -q --cache-dir "$PIP_CACHE" --no-deps --only-binary=:all: \
    --target "$SITE" -r "$SUITE/requirements.txt"
  cp "$SUITE/requirements.txt" "$STAMP"
fi

SCIPY="$SITE/scipy"
T="$SCIPY/stats/tests"
# Exactly the test classes / functions of the five functions.
SELECT=(
  "$T/test_stats.py::TestKSTwoSamples"
  "$T/test_stats.py::TestWassersteinDistance"
  "$T/test_stats.py::TestEnergyDistance"
  "$T/test_hypotests.py::TestCvm_2samp"
  "$SCIPY/spatial/tests/test_distance.py::test_jensenshannon"
  # pdist(X, 'test_jensenshannon') calls the Python jensenshannon per pair (random data, iris); the other
  # pdist jensenshannon tests run scipy's C metric and never reach the function
  "$SCIPY/spatial/tests/test_distance.py::TestPdist::test_pdist_jensenshannon_random_nonC"
  "$SCIPY/spatial/tests/test_distance.py::TestPdist::test_pdist_jensenshannon_iris_nonC"
)
# Deselections, each with its reason (also in docs/python.md):
DESELECT=(
  # tests scipy's private helpers _count_paths_outside_method / _compute_outer_prob_inside_method
  # (imported from scipy.stats._stats_py), not ks_2samp: it would pass without testing us
  "$T/test_stats.py::TestKSTwoSamples::test_some_code_paths"
  # tests scipy's private _pval_cvm_2samp_exact (imported from scipy.stats._hypotests), not
  # cramervonmises_2samp: it would pass without testing us
  "$T/test_hypotests.py::TestCvm_2samp::test_exact_pvalue"
)
ARGS=()
for d in "${DESELECT[@]}"; do ARGS+=(--deselect "$d"); done

# xslow tests (scipy skips them unless SCIPY_XSLOW=1) run too: they are part of the contract.
cd "$SUITE"
SCIPY_XSLOW="${SCIPY_XSLOW:-1}" PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}" \
  "$PY" -m pytest -q -p no:cacheprovider -p swap_plugin --rootdir="$SCIPY" \
  -o addopts="" "${ARGS[@]}" "${SELECT[@]}" "$@"
