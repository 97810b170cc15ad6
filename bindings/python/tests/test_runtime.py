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


_NO_DEFAULT = object()


def _stub_signature(fn):
    """(name, kind, default) of each parameter of a stub ``def`` (``self`` left out); a default is the literal
    the stub writes (``_NO_DEFAULT`` when none)."""
    import inspect

    a = fn.args
    out = []
    pos = a.posonlyargs + a.args
    pos_defaults = [_NO_DEFAULT] * (len(pos) - len(a.defaults)) + [ast.literal_eval(d) for d in a.defaults]
    for i, (x, d) in enumerate(zip(pos, pos_defaults)):
        kind = inspect.Parameter.POSITIONAL_ONLY if i < len(a.posonlyargs) else inspect.Parameter.POSITIONAL_OR_KEYWORD
        out.append((x.arg, kind, d))
    if a.vararg is not None:
        out.append((a.vararg.arg, inspect.Parameter.VAR_POSITIONAL, _NO_DEFAULT))
    for x, d in zip(a.kwonlyargs, a.kw_defaults):
        out.append((x.arg, inspect.Parameter.KEYWORD_ONLY, _NO_DEFAULT if d is None else ast.literal_eval(d)))
    if a.kwarg is not None:
        out.append((a.kwarg.arg, inspect.Parameter.VAR_KEYWORD, _NO_DEFAULT))
    return [p for p in out if p[0] not in ("self", "cls")]


def _runtime_signature(obj):
    """The same triples from the runtime signature (PyO3's ``__text_signature__``); a default PyO3 cannot
    render as a literal (it writes ``...``) matches any stub default."""
    import inspect

    sig = inspect.signature(obj)
    out = []
    for p in sig.parameters.values():
        if p.name in ("self", "$self", "cls", "$cls", "$type"):
            continue
        d = _NO_DEFAULT if p.default is inspect.Parameter.empty else p.default
        out.append((p.name, p.kind, d))
    return out


def _same_signature(stub, runtime):
    if len(stub) != len(runtime):
        return False
    for (sn, sk, sd), (rn, rk, rd) in zip(stub, runtime):
        if sn != rn or sk != rk:
            return False
        if rd is Ellipsis:  # PyO3: a default that is not a Python literal (e.g. an empty map)
            if sd is _NO_DEFAULT:
                return False
            continue
        if (sd is _NO_DEFAULT) != (rd is _NO_DEFAULT):
            return False
        if sd is not _NO_DEFAULT and not (type(sd) is type(rd) and sd == rd):
            return False
    return True


def test_stubs_match_the_native_module():
    """Every public name of ``_native`` is in the stub and vice versa (functions, classes, their methods,
    module attributes), and each signature agrees with the runtime one: parameter names, order, kinds
    (positional-only, keyword-only) and defaults."""
    stub = os.path.join(os.path.dirname(tradewarden.__file__), "_native.pyi")
    tree = ast.parse(open(stub).read())
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    attrs = {n.target.id for n in tree.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
    native = {n for n in dir(_native) if callable(getattr(_native, n)) and not n.startswith("__")}
    assert set(funcs) | set(classes) == native, ((set(funcs) | set(classes)) ^ native)
    values = {n for n in dir(_native) if not callable(getattr(_native, n)) and not n.startswith("_")
              and not isinstance(getattr(_native, n), type(_native))}
    public_attrs = {a for a in attrs if not a.startswith("_")}
    assert public_attrs == values, public_attrs ^ values
    assert "__version__" in attrs and isinstance(_native.__version__, str)
    problems = []
    for name, node in funcs.items():
        got, want = _stub_signature(node), _runtime_signature(getattr(_native, name))
        if not _same_signature(got, want):
            problems.append((name, got, want))
    for name, node in classes.items():
        cls = getattr(_native, name)
        assert isinstance(cls, type), name
        methods = {m.name: m for m in node.body if isinstance(m, ast.FunctionDef)}
        stubbed = set(methods) - {"__init__"}
        actual = {m for m in vars(cls) if not m.startswith("__") or m == "__len__"}
        assert stubbed == actual, (name, stubbed ^ actual)
        for mname, m in methods.items():
            if mname.startswith("__") and mname != "__init__":
                continue
            target = cls if mname == "__init__" else getattr(cls, mname)
            if isinstance(vars(cls).get(mname), property) or (mname != "__init__" and not callable(target)):
                continue
            if mname == "__init__" and getattr(cls, "__text_signature__", None) is None:
                continue  # no #[new]: not constructible from Python (the stub's __init__ documents the factory)
            got, want = _stub_signature(m), _runtime_signature(target)
            if not _same_signature(got, want):
                problems.append((f"{name}.{mname}", got, want))
    assert not problems, "\n".join(f"{n}:\n  stub    {g}\n  runtime {w}" for n, g, w in problems)
    assert os.path.exists(os.path.join(os.path.dirname(tradewarden.__file__), "py.typed"))
