"""The MLP of crates/inference in onnxruntime, side by side with tradewarden's
predictor (issue 7: "the same model in onnxruntime ... measured in the same
run: we are not slower").

Not part of ./scripts/test (quick mode): it needs onnx and onnxruntime, which
the test venv does not install. Run it in its own venv with the wheel:

    python3 -m venv /tmp/ortvenv
    /tmp/ortvenv/bin/pip install onnx onnxruntime numpy
    .venv/bin/maturin build --release -m bindings/python/Cargo.toml -o /tmp/wheels -i /tmp/ortvenv/bin/python
    /tmp/ortvenv/bin/pip install --force-reinstall --no-deps /tmp/wheels/tradewarden-*.whl
    /tmp/ortvenv/bin/python benches/compare/onnx_mlp.py --threads 1
    /tmp/ortvenv/bin/python benches/compare/onnx_mlp.py --threads 2

What it does, in one process:

1. Equality. The PyTorch fixture crates/inference/tests/data/mlp_tiny.safetensors
   (5 → 8 → 6 → 3, tanh) and one random 64 → 32 → 16 → 4 model per activation
   (relu, tanh, sigmoid, gelu, silu) and output kind (point, quantiles,
   classes) are written / read as safetensors, loaded by tradewarden
   (``Model.from_safetensors``) and built as an ONNX graph by hand from the
   same file (``onnx.helper``: Gemm with transB=1 per linear layer, the
   activation as ONNX nodes — Relu, Tanh, Sigmoid, x·½(1+erf(x/√2)) for the
   exact GELU, x·Sigmoid(x) for SiLU — then nothing, TopK(largest=0) for
   sorted quantiles, Softmax for classes). Outputs must agree to 1e-5
   (absolute) on the same float32 inputs, else the script exits 1.
2. Timing. The bench model of crates/inference/benches/mlp.rs (64 → 128 →
   128 → 3, relu, point), random weights written as safetensors: batch 1 and
   batch 1024, the same float32 input every call, onnxruntime
   ``InferenceSession.run`` (CPUExecutionProvider, intra_op_num_threads =
   --threads, inter_op 1, sequential, all graph optimisations) against
   ``tradewarden.inference.Predictor.predict`` (float32 input: read in place).
   Each call is timed on its own (perf_counter); the two alternate in rounds
   so that machine load hits both; the median of all calls is reported.

The equality pass runs first, in the same process: it also raises glibc's
dynamic mmap threshold, so the batch-1024 figure of tradewarden is the
warmed one (a fresh process pays page faults for its 512 KiB activation
buffers every call, ≈ 2× slower; see docs/performance.md, Inference).

``--threads`` also sets RAYON_NUM_THREADS before tradewarden is imported:
burn's flex backend runs large matmuls (m·n·k ≥ its threshold, e.g. batch
1024) on a rayon pool of every core by default.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import struct
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURE = os.path.join(ROOT, "crates", "inference", "tests", "data", "mlp_tiny.safetensors")
FIXTURE_CONFIG = {"input": 5, "hidden": [8, 6], "output": 3, "activation": "tanh"}
BENCH_CONFIG = {"input": 64, "hidden": [128, 128], "output": 3, "activation": "relu", "output_kind": "point"}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads and RAYON_NUM_THREADS")
    p.add_argument("--calls-1", type=int, default=20000, help="timed calls per contender, batch 1")
    p.add_argument("--calls-1024", type=int, default=1000, help="timed calls per contender, batch 1024")
    p.add_argument("--rounds", type=int, default=10, help="alternating rounds the calls are split into")
    p.add_argument("--json", help="also write the figures to this file")
    return p.parse_args()


if __name__ == "__main__":
    ARGS = parse_args()
    os.environ["RAYON_NUM_THREADS"] = str(ARGS.threads)
else:  # imported by compare.py for its graph builder: no argument parsing, the importer's thread pool
    ARGS = None

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

ort.set_default_logger_severity(3)

import tradewarden  # noqa: E402
from tradewarden.inference import Model, Predictor  # noqa: E402


# ---------------------------------------------------------------- safetensors (no dependency)
def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        assert v["dtype"] == "F32", (k, v["dtype"])
        a, b = v["data_offsets"]
        out[k] = np.frombuffer(body[a:b], dtype="<f4").reshape(v["shape"]).copy()
    return out


def write_safetensors(path, tensors):
    header, chunks, off = {}, [], 0
    for k, t in tensors.items():
        b = np.ascontiguousarray(t, dtype="<f4").tobytes()
        header[k] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        chunks.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


def random_torch_mlp(config, rng):
    sizes = [config["input"], *config["hidden"], config["output"]]
    t = {}
    for i, (fi, fo) in enumerate(zip(sizes[:-1], sizes[1:])):
        bound = 1.0 / np.sqrt(fi)
        t[f"layers.{i}.weight"] = rng.uniform(-bound, bound, (fo, fi)).astype(np.float32)
        t[f"layers.{i}.bias"] = rng.uniform(-bound, bound, (fo,)).astype(np.float32)
    return t


# ---------------------------------------------------------------- ONNX graph by hand
def activation_nodes(kind, x, i):
    y = f"a{i}"
    if kind == "relu":
        return [helper.make_node("Relu", [x], [y])], y
    if kind == "tanh":
        return [helper.make_node("Tanh", [x], [y])], y
    if kind == "sigmoid":
        return [helper.make_node("Sigmoid", [x], [y])], y
    if kind == "silu":
        return [helper.make_node("Sigmoid", [x], [f"s{i}"]), helper.make_node("Mul", [x, f"s{i}"], [y])], y
    if kind == "gelu":  # exact: x * 0.5 * (1 + erf(x / sqrt(2)))
        return [
            helper.make_node("Div", [x, "sqrt2"], [f"g{i}_d"]),
            helper.make_node("Erf", [f"g{i}_d"], [f"g{i}_e"]),
            helper.make_node("Add", [f"g{i}_e", "one"], [f"g{i}_p"]),
            helper.make_node("Mul", [x, f"g{i}_p"], [f"g{i}_m"]),
            helper.make_node("Mul", [f"g{i}_m", "half"], [y]),
        ], y
    raise ValueError(kind)


def onnx_mlp(tensors, config):
    n_layers = len(config.get("hidden", [])) + 1
    act = config.get("activation", "relu")
    kind = config.get("output_kind", "point")
    inits = []
    if act == "gelu":
        inits += [
            numpy_helper.from_array(np.array(np.sqrt(2.0), np.float32), "sqrt2"),
            numpy_helper.from_array(np.array(1.0, np.float32), "one"),
            numpy_helper.from_array(np.array(0.5, np.float32), "half"),
        ]
    nodes, x = [], "x"
    for i in range(n_layers):
        w, b = tensors[f"layers.{i}.weight"], tensors[f"layers.{i}.bias"]
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        nodes.append(helper.make_node("Gemm", [x, f"w{i}", f"b{i}"], [f"h{i}"], transB=1))
        x = f"h{i}"
        if i < n_layers - 1:
            more, x = activation_nodes(act, x, i)
            nodes += more
    if kind == "quantiles":
        inits.append(numpy_helper.from_array(np.array([config["output"]], np.int64), "k"))
        nodes.append(helper.make_node("TopK", [x, "k"], ["y", "idx"], axis=-1, largest=0, sorted=1))
    elif kind == "classes":
        nodes.append(helper.make_node("Softmax", [x], ["y"], axis=-1))
    else:
        nodes.append(helper.make_node("Identity", [x], ["y"]))
    graph = helper.make_graph(
        nodes, "tradewarden_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", config["input"]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", config["output"]])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def session(model, threads):
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])


# ---------------------------------------------------------------- 1. equality
def check_equal(tmp, rng):
    cases = [("mlp_tiny.safetensors fixture (tanh, point)", FIXTURE, FIXTURE_CONFIG)]
    for kind in ("point", "quantiles", "classes"):
        cases.append((f"PyTorch fixture, {kind}", FIXTURE, dict(FIXTURE_CONFIG, output_kind=kind)))
    for act in ("relu", "tanh", "sigmoid", "gelu", "silu"):
        for kind in ("point", "quantiles", "classes"):
            cfg = {"input": 64, "hidden": [32, 16], "output": 4, "activation": act, "output_kind": kind}
            path = os.path.join(tmp, f"{act}_{kind}.safetensors")
            write_safetensors(path, random_torch_mlp(cfg, rng))
            cases.append((f"64→32→16→4 {act}, {kind}", path, cfg))
    cases.append(("bench model 64→128→128→3 relu", os.path.join(tmp, "bench.safetensors"), BENCH_CONFIG))
    worst, ok = 0.0, True
    for label, path, cfg in cases:
        tensors = read_safetensors(path)
        sess = session(onnx_mlp(tensors, cfg), 1)
        ours = Predictor("cmp", "v1", Model.from_safetensors(path, cfg))
        for rows in (1, 7, 1024):
            x = rng.normal(0.0, 1.0, (rows, cfg["input"])).astype(np.float32)
            a = sess.run(["y"], {"x": x})[0]
            b = ours.predict(x)
            d = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
            worst = max(worst, d)
            if a.shape != b.shape or not d <= 1e-5:
                ok = False
                print(f"MISMATCH {label} rows={rows}: max |Δ| = {d:.3g}", file=sys.stderr)
    print(f"equality: {len(cases)} models × batch 1/7/1024, max |onnxruntime − tradewarden| = {worst:.3g} "
          f"({'OK' if ok else 'FAIL'}, tolerance 1e-5)")
    return ok, worst, len(cases)


# ---------------------------------------------------------------- 2. timing
def time_pair(fns, x, calls, rounds):
    per_round = max(1, calls // rounds)
    samples = {k: [] for k in fns}
    for f in fns.values():  # warm-up
        for _ in range(min(200, per_round)):
            f(x)
    pc = time.perf_counter
    for r in range(rounds):
        order = list(fns.items()) if r % 2 == 0 else list(fns.items())[::-1]
        for k, f in order:
            s = samples[k]
            for _ in range(per_round):
                t = pc()
                f(x)
                s.append(pc() - t)
    return {k: (statistics.median(v), float(np.percentile(v, 90)), len(v)) for k, v in samples.items()}


def main():
    rng = np.random.default_rng(20261123)
    with tempfile.TemporaryDirectory() as tmp:
        bench_path = os.path.join(tmp, "bench.safetensors")
        write_safetensors(bench_path, random_torch_mlp(BENCH_CONFIG, rng))
        ok, worst, n_cases = check_equal(tmp, rng)

        sess = session(onnx_mlp(read_safetensors(bench_path), BENCH_CONFIG), ARGS.threads)
        pred = Predictor("bench", "v1", Model.from_safetensors(bench_path, BENCH_CONFIG))
        fns = {
            "onnxruntime InferenceSession.run": lambda x: sess.run(["y"], {"x": x}),
            "tradewarden Predictor.predict": pred.predict,
        }
        results = {}
        for rows, calls in ((1, ARGS.calls_1), (1024, ARGS.calls_1024)):
            x = ((np.arange(rows * 64) % 97) * 0.01 - 0.5).astype(np.float32).reshape(rows, 64)
            assert np.max(np.abs(sess.run(["y"], {"x": x})[0] - pred.predict(x))) <= 1e-5
            results[rows] = time_pair(fns, x, calls, ARGS.rounds)

    load = os.getloadavg()
    print(f"\n{datetime.date.today()}  {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; onnxruntime {ort.__version__}, onnx {onnx.__version__}, "
          f"numpy {np.__version__}, tradewarden {getattr(tradewarden, '__version__', '?')}, Python {platform.python_version()}")
    print(f"MLP 64→128→128→3 relu, float32 input, threads = {ARGS.threads} "
          f"(onnxruntime intra_op_num_threads, RAYON_NUM_THREADS)\n")
    print("| batch | onnxruntime session.run p50 (p90) | tradewarden Predictor.predict p50 (p90) | ours / onnxruntime |")
    print("|---|---|---|---|")
    doc = {"threads": ARGS.threads, "load": load, "equal_max_abs": worst, "equal_cases": n_cases, "rows": {}}
    for rows, r in results.items():
        (o50, o90, n), (t50, t90, _) = r["onnxruntime InferenceSession.run"], r["tradewarden Predictor.predict"]
        fmt = (lambda s: f"{s * 1e6:.2f} µs") if rows == 1 else (lambda s: f"{s * 1e6:.0f} µs")
        print(f"| {rows} | {fmt(o50)} ({fmt(o90)}) | {fmt(t50)} ({fmt(t90)}) | {t50 / o50:.2f}× |")
        doc["rows"][rows] = {"ort_p50_s": o50, "ort_p90_s": o90, "tw_p50_s": t50, "tw_p90_s": t90, "calls": n}
    if ARGS.json:
        with open(ARGS.json, "w") as f:
            json.dump(doc, f, indent=1)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
