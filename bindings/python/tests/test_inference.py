"""tradewarden.inference: loading (safetensors, burnpack, PyTorch weights,
registry), outputs against independent numpy forward passes, input forms,
typed errors, hot swap under threads."""

from __future__ import annotations

import json
import math
import os
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

import tradewarden
from tradewarden import inference as ti
from tradewarden.errors import (
    CorruptError,
    InvalidConfigError,
    InvalidInputError,
    NotFoundError,
    StateError,
)

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "crates" / "inference" / "tests" / "data"
DEMO_ASSETS = ROOT / "crates" / "inference" / "assets" / "demo_model"


# ---------------------------------------------------------------- helpers


def write_safetensors(path, tensors):
    """A safetensors file by hand: u64 LE header length, JSON header, raw LE data."""
    header, blobs, off = {}, [], 0
    for name, a in tensors.items():
        b = np.ascontiguousarray(a, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(np.shape(a)), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


_erf = np.vectorize(math.erf)
ACT = {
    "relu": lambda h: np.maximum(h, 0.0),
    "tanh": np.tanh,
    "sigmoid": lambda h: 1.0 / (1.0 + np.exp(-h)),
    "gelu": lambda h: 0.5 * h * (1.0 + _erf(h / math.sqrt(2.0))),
    "silu": lambda h: h / (1.0 + np.exp(-h)),
}


def forward(layers, x, activation="relu", output_kind="point"):
    """numpy MLP forward in float64 (torch layout: weight [out, in])."""
    h = np.asarray(x, dtype=np.float64)
    for i, (w, b) in enumerate(layers):
        h = h @ np.asarray(w, dtype=np.float64).T + np.asarray(b, dtype=np.float64)
        if i < len(layers) - 1:
            h = ACT[activation](h)
    if output_kind == "quantiles":
        h = np.sort(h, axis=1)
    elif output_kind == "classes":
        e = np.exp(h - h.max(axis=1, keepdims=True))
        h = e / e.sum(axis=1, keepdims=True)
    return h


def random_layers(rng, sizes):
    # weights as float32 values (what the model holds), kept in float64 for the reference
    return [
        (rng.normal(0, 0.5, (o, i)).astype(np.float32), rng.normal(0, 0.1, o).astype(np.float32))
        for i, o in zip(sizes[:-1], sizes[1:])
    ]


def save_layers(path, layers):
    t = {}
    for i, (w, b) in enumerate(layers):
        t[f"layers.{i}.weight"] = w
        t[f"layers.{i}.bias"] = b
    write_safetensors(path, t)


def cbor(buf, i=0):
    """Minimal CBOR decoder (the burnpack metadata): returns (value, next index)."""
    ib = buf[i]
    major, info = ib >> 5, ib & 31
    i += 1
    if info < 24:
        n = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        if major == 7:
            fmt = {2: ">e", 4: ">f", 8: ">d"}.get(size)
            if fmt:
                return struct.unpack(fmt, buf[i:i + size])[0], i + size
        n = int.from_bytes(buf[i:i + size], "big")
        i += size
    else:
        raise ValueError(f"unsupported CBOR item {ib:#x}")
    if major == 0:
        return n, i
    if major == 1:
        return -1 - n, i
    if major == 2:
        return bytes(buf[i:i + n]), i + n
    if major == 3:
        return buf[i:i + n].decode(), i + n
    if major == 4:
        out = []
        for _ in range(n):
            v, i = cbor(buf, i)
            out.append(v)
        return out, i
    if major == 5:
        out = {}
        for _ in range(n):
            k, i = cbor(buf, i)
            out[k], i = cbor(buf, i)
        return out, i
    if major == 6:
        return cbor(buf, i)
    if major == 7:
        return {20: False, 21: True, 22: None}.get(n), i
    raise ValueError(major)


def read_burnpack(path):
    """Tensors of a burnpack file (header: b'NRUB', u16 version, u32 LE metadata
    size; CBOR metadata; data section aligned to 256 bytes)."""
    buf = Path(path).read_bytes()
    assert buf[:4] == b"NRUB"
    (size,) = struct.unpack("<I", buf[6:10])
    meta, _ = cbor(buf, 10)
    start = -(-(10 + size) // 256) * 256
    out = {}
    for name, d in meta["tensors"].items():
        assert d["dtype"] == "F32"
        a, b = d["data_offsets"]
        out[name] = np.frombuffer(buf[start + a:start + b], dtype="<f4").reshape(d["shape"])
    return out


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(20260123)


@pytest.fixture()
def two_models(tmp_path, rng):
    """Two 6 → 12 → 3 relu models (A, B) written as safetensors."""
    cfg = {"input": 6, "hidden": [12], "output": 3, "activation": "relu"}
    la, lb = random_layers(rng, [6, 12, 3]), random_layers(rng, [6, 12, 3])
    pa_, pb_ = tmp_path / "a.safetensors", tmp_path / "b.safetensors"
    save_layers(pa_, la)
    save_layers(pb_, lb)
    return cfg, (pa_, la), (pb_, lb)


# ---------------------------------------------------------------- numbers


def test_exported_from_the_package():
    assert tradewarden.inference is ti
    assert "inference" in tradewarden.__all__


@pytest.mark.skipif(not (FIXTURES / "mlp_tiny.safetensors").exists(), reason="source tree fixtures")
@pytest.mark.parametrize("kind,key", [("point", "point"), ("quantiles", "quantiles_sorted"), ("classes", "softmax")])
def test_pytorch_fixture_matches_the_expected_outputs(kind, key):
    # the fixture the Rust tests assert against (crates/inference/tests/pytorch_import.rs)
    e = json.loads((FIXTURES / "mlp_tiny_expected.json").read_text())
    cfg = dict(e["config"], output_kind=kind)
    p = ti.Predictor.from_safetensors(FIXTURES / "mlp_tiny.safetensors", cfg, name="tiny", version="t1")
    x = np.asarray(e["inputs"]).reshape(e["n_rows"], cfg["input"])
    y = p.predict(x)
    assert y.dtype == np.float32 and y.shape == (e["n_rows"], cfg["output"])
    np.testing.assert_allclose(y.ravel(), e[key], rtol=0, atol=1e-5)


@pytest.mark.parametrize("activation", sorted(ACT))
@pytest.mark.parametrize("kind", ["point", "quantiles", "classes"])
def test_numpy_written_safetensors_match_numpy_forward(tmp_path, rng, activation, kind):
    layers = random_layers(rng, [5, 9, 7, 4])
    path = tmp_path / "m.safetensors"
    save_layers(path, layers)
    cfg = {"input": 5, "hidden": [9, 7], "output": 4, "activation": activation, "output_kind": kind}
    x = rng.normal(size=(33, 5))
    want = forward(layers, x, activation, kind)
    p = ti.Predictor.from_safetensors(path, cfg)
    np.testing.assert_allclose(p.predict(x), want, rtol=0, atol=1e-5)
    # the same weights through from_pytorch_weights
    m = ti.Model.from_pytorch_weights(cfg, layers)
    np.testing.assert_allclose(ti.Predictor("m", "v", m).predict(x), want, rtol=0, atol=1e-5)


def test_config_forms_and_burnpack_round_trip(tmp_path, rng):
    layers = random_layers(rng, [3, 4, 2])
    path = tmp_path / "m.safetensors"
    save_layers(path, layers)
    cfg = {"input": 3, "hidden": [4], "output": 2, "activation": "tanh"}
    (tmp_path / "c.json").write_text(json.dumps(cfg))
    (tmp_path / "c.toml").write_text('input = 3\nhidden = [4]\noutput = 2\nactivation = "tanh"\n')
    x = rng.normal(size=(4, 3))
    want = forward(layers, x, "tanh")
    for c in (cfg, json.dumps(cfg), tmp_path / "c.json", str(tmp_path / "c.json"), tmp_path / "c.toml"):
        if str(c).endswith(".toml"):
            pytest.importorskip("tomllib")
        p = ti.Predictor.from_safetensors(path, c)
        np.testing.assert_allclose(p.predict(x), want, atol=1e-5)
    assert p.config == dict(cfg, output_kind="point")
    m = ti.Model.from_safetensors(path, cfg)
    m.save_burnpack(tmp_path / "m.bpk")
    p2 = ti.Predictor.from_burnpack(tmp_path / "m.bpk", cfg, name="bp", version="b1")
    assert (p2.name, p2.version, p2.n_features, p2.n_outputs) == ("bp", "b1", 3, 2)
    np.testing.assert_array_equal(p2.predict(x), p.predict(x))


def test_demo_predictor_matches_numpy_forward_of_the_shipped_weights():
    p = ti.demo_predictor()
    assert (p.name, p.version, p.n_features, p.n_outputs) == (ti.DEMO_MODEL_NAME, ti.DEMO_MODEL_VERSION, 4, 1)
    assert ti.DEMO_FEATURES == ("mom_5d", "mom_20d", "vol_20d", "volume_z")
    # the Rust doc example: momentum up beats momentum down
    up, down = p.predict([[2.0, 1.0, 0.16, 0.0], [-2.0, -1.0, 0.16, 0.0]])[:, 0]
    assert up > down
    if not (DEMO_ASSETS / "weights.bpk").exists():
        pytest.skip("source tree assets")
    t = read_burnpack(DEMO_ASSETS / "weights.bpk")
    # burn stores Linear weights [in, out]
    layers = [(t[f"layers.{i}.weight"].T, t[f"layers.{i}.bias"]) for i in range(2)]
    cfg = json.loads((DEMO_ASSETS / "config.json").read_text())
    assert p.config == cfg
    x = np.random.default_rng(5).normal(size=(64, 4)) * [1.5, 1.5, 0.1, 1.0] + [0, 0, 0.2, 0]
    np.testing.assert_allclose(p.predict(x), forward(layers, x, cfg["activation"]), rtol=0, atol=1e-5)
    # the embedded weights are the asset file's
    np.testing.assert_array_equal(ti.Predictor.from_burnpack(DEMO_ASSETS / "weights.bpk", cfg).predict(x), p.predict(x))


def test_demo_features_match_the_formulas():
    r = np.random.default_rng(3).normal(0, 0.01, 30)
    f = ti.demo_features(r, 0.5)
    w = r[-20:]
    d = max(w.std(ddof=1), 1e-6)
    want = [w[-5:].sum() / (d * math.sqrt(5)), w.sum() / (d * math.sqrt(20)), d * math.sqrt(252), 0.5]
    np.testing.assert_allclose(f, want, rtol=1e-12)
    with pytest.raises(InvalidInputError, match="returns"):
        ti.demo_features(r[:19], 0.0)
    with pytest.raises(InvalidInputError, match="volume_z"):
        ti.demo_features(r, float("nan"))


# ---------------------------------------------------------------- inputs


def test_input_forms_give_the_same_outputs(two_models, rng):
    cfg, (pa_, la), _ = two_models
    p = ti.Predictor.from_safetensors(pa_, cfg)
    x = rng.normal(size=(10, 6))
    want = p.predict(x)
    np.testing.assert_allclose(want, forward(la, x), atol=1e-5)
    assert p.predict(x.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(p.predict(x.astype(np.float32)), want, atol=1e-5)
    for same in (np.asfortranarray(x), np.asfortranarray(x, dtype=np.float32), np.repeat(x, 2, axis=0)[::2],
                 x.T.copy().T, x.tolist(), x.astype(">f8")):
        np.testing.assert_allclose(p.predict(same), want, atol=1e-5)
    xi = rng.integers(-3, 3, size=(4, 6))
    np.testing.assert_allclose(p.predict(xi), p.predict(xi.astype(np.float64)), atol=0)
    version, y = p.predict_versioned(x)
    assert version == "v1"
    np.testing.assert_array_equal(y, want)


def test_arrow_and_dataframes(two_models, rng):
    pa = pytest.importorskip("pyarrow")
    cfg, (pa_, _), _ = two_models
    p = ti.Predictor.from_safetensors(pa_, cfg)
    x = rng.normal(size=(9, 6))
    want = p.predict(x)
    names = [f"f{i}" for i in range(6)]
    table = pa.table({n: x[:, i] for i, n in enumerate(names)})
    np.testing.assert_array_equal(p.predict(table), want)
    np.testing.assert_array_equal(p.predict(table.to_batches()[0]), want)
    chunked = pa.concat_tables([table.slice(0, 4), table.slice(4)])
    np.testing.assert_array_equal(p.predict(chunked), want)
    t32 = pa.table({n: pa.array(x[:, i].astype(np.float32)) for i, n in enumerate(names)})
    np.testing.assert_allclose(p.predict(t32), want, atol=1e-5)
    with pytest.raises(InvalidInputError, match="null"):
        p.predict(table.set_column(2, "f2", pa.array([None] + list(x[1:, 2]), type=pa.float64())))
    with pytest.raises(InvalidInputError, match="columns"):
        p.predict(table.drop_columns(["f5"]))
    with pytest.raises(InvalidInputError, match="columns"):
        p.predict(table.set_column(0, "f0", pa.array(np.arange(9))))
    try:
        import pandas as pd
    except ImportError:
        return
    np.testing.assert_array_equal(p.predict(pd.DataFrame(x, columns=names)), want)


# ---------------------------------------------------------------- errors


def test_typed_errors(two_models, tmp_path):
    cfg, (pa_, _), _ = two_models
    p = ti.Predictor.from_safetensors(pa_, cfg)
    x = np.zeros((3, 6))
    with pytest.raises(InvalidInputError, match="features.ncols"):
        p.predict(np.zeros((3, 5)))
    for bad in (np.nan, np.inf, -np.inf):
        y = x.copy()
        y[1, 2] = bad
        with pytest.raises(InvalidInputError, match=r"features\[1\]\[2\]"):
            p.predict(y)
        with pytest.raises(InvalidInputError, match=r"features\[1\]\[2\]"):
            p.predict(y.astype(np.float32))
    with pytest.raises(InvalidInputError, match="dtype"):
        p.predict(np.array([["a"] * 6]))
    with pytest.raises(InvalidInputError, match="2-D"):
        p.predict(np.zeros(6))
    with pytest.raises(InvalidInputError, match="x"):
        p.predict([[1.0, 2.0], [1.0]])
    with pytest.raises(InvalidInputError):
        p.predict(np.zeros((0, 6)))
    with pytest.raises(InvalidConfigError, match="config"):
        ti.Predictor.from_safetensors(pa_, {"input": 6, "output": 3, "bogus": 1})
    with pytest.raises(InvalidConfigError):
        ti.Predictor.from_safetensors(pa_, {"input": 0, "output": 3})
    with pytest.raises(InvalidConfigError, match="config"):
        ti.Predictor.from_safetensors(pa_, 42)
    with pytest.raises(CorruptError):  # weights do not fit the architecture
        ti.Predictor.from_safetensors(pa_, {"input": 6, "hidden": [11], "output": 3})
    with pytest.raises(NotFoundError):
        ti.Predictor.from_safetensors(tmp_path / "missing.safetensors", cfg)
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a safetensors file")
    with pytest.raises(CorruptError):
        ti.Predictor.from_safetensors(junk, cfg)
    # a refused swap leaves the current model serving
    other = ti.Model.from_pytorch_weights({"input": 5, "output": 3}, [(np.zeros((3, 5)), np.zeros(3))])
    with pytest.raises(InvalidInputError, match="model.input"):
        p.swap("bad", other)
    with pytest.raises(InvalidInputError, match="model"):
        p.swap("bad", 42)
    assert p.version == "v1"
    # errors are ValueError too
    with pytest.raises(ValueError):
        p.predict(np.zeros((3, 5)))


# ---------------------------------------------------------------- hot swap


def test_hot_swap_under_threads(two_models, rng):
    cfg, (pa_, la), (pb_, lb) = two_models
    a, b = ti.Model.from_safetensors(pa_, cfg), ti.Model.from_safetensors(pb_, cfg)
    p = ti.Predictor("swap_test", "A", a)
    x = rng.normal(size=(64, 6))
    want = {"A": ti.Predictor("ref", "A", a).predict(x), "B": ti.Predictor("ref", "B", b).predict(x)}
    np.testing.assert_allclose(want["A"], forward(la, x), atol=1e-5)
    np.testing.assert_allclose(want["B"], forward(lb, x), atol=1e-5)
    assert not np.allclose(want["A"], want["B"])

    stop = threading.Event()
    failures, counts = [], {"A": 0, "B": 0}
    lock = threading.Lock()

    def reader():
        while not stop.is_set():
            try:
                version, y = p.predict_versioned(x)
                ok = np.array_equal(y, want[version])
                with lock:
                    counts[version] += 1
                    if not ok:
                        failures.append(f"outputs of {version} differ")
            except Exception as e:  # noqa: BLE001 - any failure counts
                with lock:
                    failures.append(repr(e))

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        import time

        deadline = time.monotonic() + 0.5
        i = 0
        while i < 200 or time.monotonic() < deadline:  # at least 200 swaps and 0.5 s
            nxt = "B" if i % 2 == 0 else "A"
            i += 1
            prev = p.swap(nxt, b if nxt == "B" else a)
            assert prev == ("A" if nxt == "B" else "B")
            if i % 50 == 1:  # a swap from a weights path, too
                p.swap(nxt, pb_ if nxt == "B" else pa_)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert failures == []
    assert counts["A"] > 0 and counts["B"] > 0, counts
    assert p.version == ("A" if i % 2 == 0 else "B")


# ---------------------------------------------------------------- registry


def test_registry_round_trip(two_models, tmp_path, rng):
    cfg, (pa_, _), (pb_, _) = two_models
    a, b = ti.Model.from_safetensors(pa_, cfg), ti.Model.from_safetensors(pb_, cfg)
    root = tmp_path / "registry"
    reg = ti.Registry(root)
    with pytest.raises(NotFoundError, match="no active version"):
        ti.Predictor.from_registry(root, "mlp")
    m1 = reg.register("mlp", "v1", a, {"rmse": 0.1})
    assert m1["version"] == "v1" and m1["stage"] == "development" and m1["metrics"] == {"rmse": 0.1}
    assert m1["architecture"] == dict(cfg, output_kind="point")
    reg.register("mlp", "v2", b)
    with pytest.raises(StateError):
        reg.register("mlp", "v2", b)
    with pytest.raises(InvalidInputError, match="version"):
        reg.register("mlp", "../x", b)
    assert reg.versions("mlp") == ["v1", "v2"]
    reg.stage("mlp", "v2", "staging")
    assert reg.manifest("mlp", "v2")["stage"] == "staging"
    with pytest.raises(InvalidInputError, match="stage"):
        reg.stage("mlp", "v2", "live")
    reg.promote("mlp", "v1")
    assert reg.active("mlp") == "v1" and reg.last_good("mlp") is None

    x = rng.normal(size=(5, 6))
    p = ti.Predictor.from_registry(root, "mlp")
    assert (p.name, p.version) == ("mlp", "v1")
    np.testing.assert_array_equal(p.predict(x), ti.Predictor("r", "v1", a).predict(x))

    reg.promote("mlp", "v2")
    assert (reg.active("mlp"), reg.last_good("mlp")) == ("v2", "v1")
    version, model = reg.load_active("mlp")
    assert p.swap(version, model) == "v1"
    np.testing.assert_array_equal(p.predict(x), ti.Predictor("r", "v2", b).predict(x))
    listed = reg.list("mlp")
    assert [(e["manifest"]["version"], e["active"], e["last_good"]) for e in listed] == [
        ("v1", False, True),
        ("v2", True, False),
    ]
    assert listed[1]["manifest"] == reg.manifest("mlp", "v2")
    assert reg.list("no-such-model") == []
    assert reg.rollback("mlp") == "v1"
    assert reg.manifest("mlp", "v2")["stage"] == "archived"
    # rollback leaves last_good on the version it returned to
    assert [(e["active"], e["last_good"]) for e in reg.list("mlp")] == [(True, True), (False, False)]
    assert ti.Predictor.from_registry(reg, "mlp").version == "v1"
    with pytest.raises(StateError):
        reg.rollback("mlp")

    # a corrupted checkpoint is refused, nothing changes
    w = root / "mlp" / "versions" / "v2" / "weights.bpk"
    data = bytearray(w.read_bytes())
    data[-1] ^= 0xFF
    w.write_bytes(bytes(data))
    with pytest.raises(CorruptError, match="checksum"):
        reg.verify("mlp", "v2")
    with pytest.raises(CorruptError):
        reg.load("mlp", "v2")
    with pytest.raises(CorruptError):
        reg.promote("mlp", "v2")
    assert reg.active("mlp") == "v1"
    assert reg.verify("mlp", "v1")["version"] == "v1"
    with pytest.raises(NotFoundError):
        reg.load("mlp", "v9")
