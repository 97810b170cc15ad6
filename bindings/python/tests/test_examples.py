"""The Python examples run as scripts (Dagster in-process materialisation; an Airflow task in a forked process)."""

import os
import subprocess
import sys

import pytest

EXAMPLES = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "python"))


def _run(name):
    r = subprocess.run([sys.executable, os.path.join(EXAMPLES, name)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_dagster_asset_example():
    out = _run("dagster_asset.py")
    try:
        import dagster  # noqa: F401
    except ImportError:
        assert "dagster is not installed" in out
        pytest.skip("dagster not installed: the example ran its library calls only")
    assert "materialised 3 assets" in out and "drifted=['regime', 'spread_bps']" in out


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_airflow_dag_task_runs_in_a_forked_process():
    out = _run("airflow_dag.py")
    assert "same_as_parent=True" in out and "drifted=['momentum']" in out
