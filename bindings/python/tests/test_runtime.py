"""Errors, panics, the interpreter lock, fork safety and the stubs."""

import ast
import os
import threading
import time

import numpy as np
import pytest

import tradewarden
from tradewarden import _native, errors


def test_error_tree_is_exhaustive():
    kinds = _native._error_kinds()
    assert [k[1] for k in kinds] == list(range(1, 9))
    for name, _code, cls_name in kinds:
        cls = getattr(errors, cls_name)
        assert issubclass(cls, errors.TradewardenError) and issubclass(cls, Exception)
        assert cls.kind == name
    assert issubclass(errors.InvalidInputError, ValueError)
    assert issubclass(errors.IoError, OSError)


def test_panic_becomes_internal_error_not_base_exception():
    with pytest.raises(errors.InternalError) as info:
        _native._force_panic()
    assert "forced panic" in str(info.value)
    try:
        _native._force_panic()
    except Exception as e:  # what an Airflow task catches
        assert isinstance(e, tradewarden.TradewardenError)


def test_native_calls_release_the_interpreter():
    """While one thread sleeps inside the library, Python code keeps running."""
    done = threading.Event()

    def worker():
        _native._sleep_released(1.0)
        done.set()

    t = threading.Thread(target=worker)
    t.start()
    time.sleep(0.1)  # let the worker enter the native call
    iterations = 0
    while not done.is_set():
        iterations += 1
        sum(range(100))
    t.join()
    # With the lock held for the whole second, this loop could not run at all.
    assert iterations > 1000, iterations


def _wait_child(pid, hung_message):
    """Waits up to 60 s for forked child `pid` and asserts it exited 0 (killed and failed if it hangs)."""
    deadline = time.monotonic() + 60
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail(hung_message)
        time.sleep(0.05)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_thread_pool_survives_fork():
    x = np.arange(100_000, dtype=np.float64)
    assert _native._pool_sum(x) == x.sum()
    pid = os.fork()
    if pid == 0:  # child: the parent's pool threads do not exist here
        try:
            ok = _native._pool_sum(x) == x.sum() and tradewarden.returns.sharpe_ratio(x) > 0
            os._exit(0 if ok else 1)
        except BaseException:
            os._exit(2)
    _wait_child(pid, "forked child hung using the thread pool")
    assert _native._pool_sum(x) == x.sum()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_global_pool_paths_survive_fork():
    # core_metrics splits series of 2^20+ values inside a rayon pool and
    # the predictor shares batches of 257+ rows with it: both used in the
    # parent first, so the child inherits a copy of that pool without threads.
    import tradewarden.inference as ti

    r = np.random.default_rng(1).normal(0.0002, 0.01, size=3_000_000)
    want = tradewarden.returns.core_metrics(r)
    p = ti.Predictor.demo()
    x = np.random.default_rng(2).normal(size=(1000, p.n_features))
    want_pred = p.predict(x)
    pid = os.fork()
    if pid == 0:
        try:
            # In a forked child every call runs inside the process's own pool, where the fused pass
            # splits a 2^20+ series in two halves (crates/core summary.rs): the sums then differ from
            # the one-thread pass in the last bits only (docs/conventions.md, "Results across CPUs").
            got = tradewarden.returns.core_metrics(r)
            ok = all(abs(got[k] - want[k]) <= 1e-12 * abs(want[k]) for k in want)
            ok = ok and bool(np.array_equal(p.predict(x), want_pred))
            os._exit(0 if ok else 1)
        except BaseException:
            os._exit(2)
    _wait_child(pid, "forked child hung on rayon's global pool")


def _stub_params(fn):
    a = fn.args
    return [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs if x.arg != "self"]


def test_stubs_match_the_native_module():
    import inspect

    stub = os.path.join(os.path.dirname(tradewarden.__file__), "_native.pyi")
    tree = ast.parse(open(stub).read())
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    native = {n for n in dir(_native) if callable(getattr(_native, n)) and not n.startswith("__")}
    assert set(funcs) | set(classes) == native, ((set(funcs) | set(classes)) ^ native)
    for name, node in funcs.items():  # parameter names and order, as the module reports them
        params = list(inspect.signature(getattr(_native, name)).parameters)
        assert params == _stub_params(node), name
    for name, node in classes.items():
        cls = getattr(_native, name)
        assert isinstance(cls, type), name
        stubbed = {m.name for m in node.body if isinstance(m, ast.FunctionDef)} - {"__init__"}
        actual = {m for m in vars(cls) if not m.startswith("__") or m == "__len__"}
        assert stubbed == actual, (name, stubbed ^ actual)
        for m in node.body:
            if isinstance(m, ast.FunctionDef) and m.name != "__init__" and not m.name.startswith("__"):
                sig = inspect.signature(getattr(cls, m.name))
                assert [p for p in sig.parameters if p not in ("self", "$self")] == _stub_params(m), (name, m.name)
    assert os.path.exists(os.path.join(os.path.dirname(tradewarden.__file__), "py.typed"))
