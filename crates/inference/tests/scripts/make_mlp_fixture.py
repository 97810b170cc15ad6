"""Writes the tiny PyTorch-style MLP fixture used by tests/pytorch_import.rs.

Requires only `numpy` and `safetensors` (no torch):

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install numpy safetensors
    /tmp/venv/bin/python crates/inference/tests/scripts/make_mlp_fixture.py

Outputs (committed):
- tests/data/mlp_tiny.safetensors: keys `layers.{i}.weight` ([out, in], as
  torch.nn.Linear stores them) and `layers.{i}.bias`, float32, the layout of a
  torch module holding `self.layers = nn.ModuleList([...])`;
- tests/data/mlp_tiny_expected.json: the config, the inputs and numpy's
  float64 forward pass (raw outputs, sorted "quantile" rows, softmax rows).
"""

import json
import pathlib

import numpy as np
from safetensors.numpy import save_file

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE.parent / "data"

INPUT, HIDDEN, OUTPUT = 5, [8, 6], 3
N_ROWS = 7


def main() -> None:
    rng = np.random.default_rng(20261123)
    sizes = [INPUT, *HIDDEN, OUTPUT]
    tensors = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        bound = 1.0 / np.sqrt(fan_in)
        tensors[f"layers.{i}.weight"] = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        tensors[f"layers.{i}.bias"] = rng.uniform(-bound, bound, (fan_out,)).astype(np.float32)
    OUT.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(OUT / "mlp_tiny.safetensors"))

    x = rng.normal(0.0, 1.0, (N_ROWS, INPUT)).astype(np.float32)
    h = x.astype(np.float64)
    n_layers = len(sizes) - 1
    for i in range(n_layers):
        w = tensors[f"layers.{i}.weight"].astype(np.float64)
        b = tensors[f"layers.{i}.bias"].astype(np.float64)
        h = h @ w.T + b
        if i < n_layers - 1:
            h = np.tanh(h)
    raw = h
    sorted_rows = np.sort(raw, axis=1)
    e = np.exp(raw - raw.max(axis=1, keepdims=True))
    softmax = e / e.sum(axis=1, keepdims=True)

    expected = {
        "config": {"input": INPUT, "hidden": HIDDEN, "output": OUTPUT, "activation": "tanh"},
        "n_rows": N_ROWS,
        "inputs": x.reshape(-1).astype(float).tolist(),
        "point": raw.reshape(-1).tolist(),
        "quantiles_sorted": sorted_rows.reshape(-1).tolist(),
        "softmax": softmax.reshape(-1).tolist(),
    }
    (OUT / "mlp_tiny_expected.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()
