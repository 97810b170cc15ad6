"""tradewarden.inference beyond the float32 MLP: GRU and Transformer window
models (the committed fixture crates/inference/tests/data/window_models.json,
written by the Rust crate's own forward pass), safetensors weights in F16 /
BF16 / F64 written here with numpy's own encoders, other dtypes refused, and
the nn.Sequential key layout."""

from __future__ import annotations

import json
import struct
import threading
from pathlib import Path

import numpy as np
import pytest

from tradewarden import inference as ti
from tradewarden.errors import CorruptError, InvalidConfigError, InvalidInputError

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "crates" / "inference" / "tests" / "data"
DOC = json.loads((FIXTURES / "window_models.json").read_text())
MODELS = {m["name"]: m for m in DOC["models"]}


def windows(entry):
    a = entry["architecture"]
    return np.asarray(DOC["inputs"], dtype=np.float64).reshape(entry["n_rows"], a["window"], a["input"])


def expected(entry):
    return np.asarray(entry["outputs"], dtype=np.float64).reshape(entry["n_rows"], -1)


def load(name):
    e = MODELS[name]
    return ti.Predictor.from_burnpack(FIXTURES / e["weights"], e["architecture"], name=name, version="v1")


# ------------------------------------------------------------ window models


@pytest.mark.parametrize("name", ["gru", "transformer"])
def test_window_models_predict_the_crates_outputs(name):
    e = MODELS[name]
    p = load(name)
    a = e["architecture"]
    assert (p.kind, p.window_shape, p.n_features) == (name, (a["window"], a["input"]), a["window"] * a["input"])
    assert p.config["kind"] == name
    x = windows(e)
    version, y = p.predict_versioned(x)
    assert version == "v1" and y.dtype == np.float32 and y.shape == expected(e).shape
    # the committed values came from one CPU: the SIMD path may move the last bits elsewhere
    np.testing.assert_allclose(y, expected(e), rtol=0, atol=1e-5)
    # bit for bit the Rust model's own forward pass in this process
    model = ti.Model.from_burnpack(FIXTURES / e["weights"], a)
    assert (model.kind, model.window_shape) == (name, (a["window"], a["input"]))
    own = model.forward(x.reshape(len(x), -1))
    assert np.array_equal(y, own)
    # float32 input (the fixture's values are exact in float32): the same bits
    assert np.array_equal(p.predict(x.astype(np.float32)), y)
    # a non-contiguous batch is copied once and gives the same answer
    fortran = np.asfortranarray(x)
    assert not fortran.flags.c_contiguous
    assert np.array_equal(p.predict(fortran), y)
    # one window (2-D, time × features) gives one output row
    one = p.predict(x[1])
    assert one.shape == (1, y.shape[1])
    np.testing.assert_allclose(one[0], y[1], rtol=0, atol=1e-6)
    if a.get("output_kind") == "classes":
        np.testing.assert_allclose(y.sum(axis=1), 1.0, atol=1e-6)


def test_window_input_errors_name_the_dimension():
    e = MODELS["gru"]
    p = load("gru")
    x = windows(e)
    with pytest.raises(InvalidInputError, match="window = 3"):
        p.predict(x.reshape(len(x), 3, 5))  # the same values split the other way
    with pytest.raises(InvalidInputError, match="window"):
        p.predict(x.reshape(len(x), 15, 1))
    with pytest.raises(InvalidInputError, match="window"):
        p.predict(x.ravel())
    with pytest.raises(InvalidInputError, match="window"):
        p.predict(x[np.newaxis])
    bad = x.copy()
    bad[2, 4, 1] = np.nan
    with pytest.raises(InvalidInputError, match=r"features\[2\]\[13\]"):
        p.predict(bad)
    with pytest.raises(InvalidInputError, match="n_rows"):
        p.predict(np.zeros((0, 5, 3)))
    with pytest.raises(InvalidInputError):
        p.predict(np.full((5, 3), "a"))
    pa = pytest.importorskip("pyarrow")
    with pytest.raises(InvalidInputError, match="gru model"):
        p.predict(pa.table({"a": [1.0]}))


def test_window_model_configs_and_formats():
    e = MODELS["gru"]
    path = FIXTURES / e["weights"]
    bad = dict(e["architecture"], dropout=0.1)
    with pytest.raises(InvalidConfigError, match="dropout"):
        ti.Model.from_burnpack(path, bad)
    with pytest.raises(InvalidConfigError, match="lstm"):
        ti.Model.from_burnpack(path, dict(e["architecture"], kind="lstm"))
    # another architecture than the weights: corrupt, not a model
    with pytest.raises(CorruptError, match="weights"):
        ti.Model.from_burnpack(path, MODELS["transformer"]["architecture"])
    # an MLP's safetensors file does not fit a window model: the torch key it
    # lacks is named (window models from torch: test_torch_fixtures.py)
    with pytest.raises(CorruptError, match="weight_ih_l0|proj.weight"):
        ti.Model.from_safetensors(FIXTURES / "mlp_tiny.safetensors", e["architecture"])


def test_window_model_swap_save_and_registry(tmp_path):
    e = MODELS["gru"]
    x = windows(e)
    p = load("gru")
    y = p.predict(x)
    model = ti.Model.from_burnpack(FIXTURES / e["weights"], e["architecture"])
    model.save_burnpack(tmp_path / "gru.bpk")
    # swap by path: the serving architecture is the default config
    assert p.swap("v2", tmp_path / "gru.bpk") == "v1"
    v, y2 = p.predict_versioned(x)
    assert v == "v2" and np.array_equal(y, y2)
    # another output width is refused and the current model keeps serving
    t = MODELS["transformer"]
    with pytest.raises(InvalidInputError, match="model.output"):
        p.swap("v3", FIXTURES / t["weights"], t["architecture"])
    assert p.version == "v2"
    # an MLP reading the same 15 values per row may replace it: rows, not windows, from then on
    mlp = ti.Model.from_pytorch_weights({"input": 15, "hidden": [], "output": 2},
                                        [(np.eye(2, 15), np.zeros(2))])
    p.swap("mlp", mlp)
    assert (p.kind, p.window_shape) == ("mlp", (1, 15))
    np.testing.assert_array_equal(p.predict(x.reshape(len(x), -1)), x.reshape(len(x), -1)[:, :2])
    # the registry stores and serves window models
    reg = ti.Registry(tmp_path / "reg")
    manifest = reg.register("seq", "g1", model, metrics={"mse": 0.1})
    assert manifest["architecture"]["kind"] == "gru"
    reg.promote("seq", "g1")
    served = ti.Predictor.from_registry(reg, "seq")
    assert served.kind == "gru" and np.array_equal(served.predict(x), y)
    assert reg.load("seq", "g1").kind == "gru"


def test_window_predictions_under_concurrent_swaps():
    e = MODELS["gru"]
    x = windows(e)
    p = load("gru")
    y = p.predict(x)
    errors = []

    def run():
        try:
            for _ in range(30):
                v, out = p.predict_versioned(x)
                if not np.array_equal(out, y):
                    errors.append(f"{v}: {out}")
        except Exception as err:  # noqa: BLE001 - reported below
            errors.append(repr(err))

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for i in range(20):
        p.swap(f"v{i + 2}", FIXTURES / e["weights"])
    for t in threads:
        t.join()
    assert errors == []


# --------------------------------------------------- safetensors dtypes


def write_safetensors(path, tensors):
    """tensors: name -> (dtype tag, shape, raw little-endian bytes)."""
    header, blobs, off = {}, [], 0
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def encode(a, dtype):
    a = np.asarray(a)
    if dtype == "F16":
        h = a.astype("<f2")
        assert np.array_equal(h.astype(np.float64), a), "test values must be exact in float16"
        return h.tobytes()
    if dtype == "BF16":
        bits = a.astype("<f4").view("<u4")
        assert not (bits & 0xFFFF).any(), "test values must be exact in bfloat16"
        return (bits >> 16).astype("<u2").tobytes()
    return a.astype({"F32": "<f4", "F64": "<f8"}[dtype]).tobytes()


CONFIG = {"input": 4, "hidden": [6, 5], "output": 3, "activation": "tanh"}


def grid_layers(rng):
    """Weights on a 1/16 grid in [-2, 2): exact in float16 and bfloat16."""
    sizes = [4, 6, 5, 3]
    return [
        (rng.integers(-32, 32, (o, i)) / 16.0, rng.integers(-32, 32, o) / 16.0)
        for i, o in zip(sizes[:-1], sizes[1:])
    ]


def tensors_of(layers, dtype, key=lambda i: f"layers.{i}"):
    t = {}
    for i, (w, b) in enumerate(layers):
        t[f"{key(i)}.weight"] = (dtype, w.shape, encode(w, dtype))
        t[f"{key(i)}.bias"] = (dtype, b.shape, encode(b, dtype))
    return t


def f32_model(layers):
    return ti.Model.from_pytorch_weights(
        CONFIG, [(np.asarray(w, np.float32), np.asarray(b, np.float32)) for w, b in layers])


@pytest.mark.parametrize("dtype", ["F16", "BF16", "F64", "F32"])
def test_safetensors_dtypes_predict_as_the_float32_model(tmp_path, dtype):
    rng = np.random.default_rng(21)
    layers = grid_layers(rng)
    if dtype == "F64":  # arbitrary doubles: rounded to the nearest float32 on load
        layers = [(w + rng.normal(0, 1e-3, w.shape), b + rng.normal(0, 1e-3, b.shape)) for w, b in layers]
    write_safetensors(tmp_path / "w.safetensors", tensors_of(layers, dtype))
    x = rng.normal(0, 1, (17, 4))
    want = ti.Predictor("ref", "v1", f32_model(layers)).predict(x)
    got = ti.Predictor.from_safetensors(tmp_path / "w.safetensors", CONFIG).predict(x)
    assert np.array_equal(got, want)


def test_other_safetensors_dtypes_are_refused_naming_the_tensor(tmp_path):
    layers = grid_layers(np.random.default_rng(3))
    t = tensors_of(layers, "F32")
    t["layers.1.bias"] = ("I64", (5,), np.arange(5, dtype="<i8").tobytes())
    write_safetensors(tmp_path / "w.safetensors", t)
    with pytest.raises(InvalidInputError, match="layers.1.bias: I64"):
        ti.Model.from_safetensors(tmp_path / "w.safetensors", CONFIG)


@pytest.mark.parametrize("key", [lambda i: f"{2 * i}", lambda i: f"net.{2 * i}", lambda i: f"layers.{2 * i}"],
                         ids=["sequential", "self.net", "self.layers"])
def test_sequential_state_dict_keys_are_mapped(tmp_path, key):
    rng = np.random.default_rng(8)
    layers = grid_layers(rng)
    write_safetensors(tmp_path / "w.safetensors", tensors_of(layers, "F16", key))
    x = rng.normal(0, 1, (5, 4))
    want = ti.Predictor("ref", "v1", f32_model(layers)).predict(x)
    assert np.array_equal(ti.Predictor.from_safetensors(tmp_path / "w.safetensors", CONFIG).predict(x), want)
