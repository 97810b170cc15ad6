"""The public modules and the Python examples pass ``mypy --strict`` (issue #18): the stub of the native
module (``_native.pyi``) and the annotations of ``tradewarden/*.py`` are what a user's type checker sees.
Configuration (third-party packages without stubs read as Any): ``bindings/python/pyproject.toml``."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PKG = ROOT / "bindings" / "python"


def test_mypy_strict_on_the_package_and_the_examples(tmp_path):
    examples = sorted(str(p) for p in (ROOT / "examples" / "python").glob("*.py"))
    assert examples, "examples/python/*.py not found"
    env = dict(os.environ, MYPYPATH=str(PKG / "python"))
    cmd = [sys.executable, "-m", "mypy", "--strict", "--config-file", str(PKG / "pyproject.toml"),
           "--cache-dir", str(tmp_path / "mypy-cache"), str(PKG / "python" / "tradewarden"), *examples]
    r = subprocess.run(cmd, cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"mypy --strict failed:\n{r.stdout}\n{r.stderr}"
    assert "Success: no issues found" in r.stdout, r.stdout
