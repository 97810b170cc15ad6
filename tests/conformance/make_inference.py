#!/usr/bin/env python3
"""Writes the cases of the inference and telemetry areas of the conformance suite (docs/conformance.md):

  tests/conformance/inference_functions.json   market regime classifier, prediction sanity guard
  tests/conformance/telemetry_recovery.json    recovery tracker (records at given times, summary at `now`)

Inputs are deterministic (Python's own `random` with fixed seeds, rounded to 9 decimals). The expected answers
are not computed here: the Rust runner writes its answers (`TW_CONFORMANCE_OUT=FILE cargo test -p tradewarden
--test conformance_inference`) and `bless FILE` copies them into the files' `expect`; every runner — Rust,
Python, C — then checks its own door against them and, bit for bit, against the Rust answers on the same
machine (tests/conformance/inference_check.py).

  python3 tests/conformance/make_inference.py write         (re)write the cases, keeping blessed expectations
  python3 tests/conformance/make_inference.py bless RUST.json RUST_TELEMETRY.json
    (RUST.json from TW_CONFORMANCE_OUT of conformance_inference, RUST_TELEMETRY.json from
    TW_CONFORMANCE_TELEMETRY_OUT of `cargo test -p tradewarden --test conformance_telemetry`)
"""
import json
import pathlib
import random
import struct
import sys

HERE = pathlib.Path(__file__).resolve().parent
NAN, INF, NINF = "nan", "inf", "-inf"


def walk(seed, n, start=100.0, drift=0.0, vol=0.001):
    """(high, low, close) of a random walk with the given per-step drift and volatility."""
    rng = random.Random(seed)
    c, high, low, close = start, [], [], []
    for _ in range(n):
        c *= 1.0 + drift + rng.gauss(0.0, vol)
        spread = abs(rng.gauss(0.0, vol)) * c
        close.append(round(c, 9))
        high.append(round(c + spread, 9))
        low.append(round(c - spread, 9))
    return high, low, close


def regime(id, hlc, config=None, about=""):
    h, l, c = hlc
    return {"id": f"regime.{id}", "fn": "regime.classify", "capability": "inference.regime", "about": about,
            "args": {"high": h, "low": l, "close": c}, "config": config}


def guard(id, last_close, forecast, thresholds=None, about=""):
    return {"id": f"guard.{id}", "fn": "sanity_guard.check", "capability": "inference.sanity_guard",
            "about": about, "args": {"last_close": last_close, "forecast": forecast}, "thresholds": thresholds}


DEFAULT_REGIME = {"window": 120, "range_bound_max_vol": 0.004, "range_bound_max_abs_momentum": 0.01,
                  "trend_min_abs_momentum": 0.015, "volatile_min_vol": 0.01, "volatile_min_range": 0.03}


def regime_cases():
    up, down = walk(1, 150, drift=0.002, vol=0.001), walk(2, 150, drift=-0.002, vol=0.001)
    flat, wild = walk(3, 150, vol=0.0005), walk(4, 150, vol=0.02)
    mid = walk(5, 150, drift=0.0001, vol=0.006)
    cs = [
        regime("trending_up", up, about="drift +0.2 %/step"),
        regime("trending_down", down, about="drift -0.2 %/step"),
        regime("range_bound", flat, about="small noise"),
        regime("volatile", wild, about="2 % noise"),
        regime("neutral_or_other", mid),
        regime("defaults_explicit", up, DEFAULT_REGIME, about="the defaults written out = null config"),
        regime("short_history", tuple(x[:119] for x in up), about="fewer candles than the window: unknown, NaN"),
        regime("empty", ([], [], []), about="no candles: unknown"),
        regime("one_candle", ([101.0], [99.0], [100.0])),
        regime("window3", tuple(x[-3:] for x in wild), {**DEFAULT_REGIME, "window": 3}),
        regime("constant", ([100.0] * 130, [100.0] * 130, [100.0] * 130), about="vol, momentum, range 0"),
        regime("nan_before_window", ([NAN] + up[0][1:], up[1], up[2]),
               about="only the window is read: a NaN before it is no error"),
        regime("tight_window", tuple(x[-10:] for x in mid), {**DEFAULT_REGIME, "window": 10,
                                                             "volatile_min_vol": 0.5, "volatile_min_range": 0.5}),
    ]
    bad_inputs = [("nan_close", 2, 140, NAN), ("inf_high", 0, 149, INF), ("neg_low", 1, 100, -1.0),
                  ("zero_close", 2, 31, 0.0), ("ninf_low", 1, 60, NINF)]
    for name, which, i, v in bad_inputs:
        hlc = [list(x) for x in up]
        hlc[which][i] = v
        cs.append(regime(name, tuple(hlc), about="a price in the window not finite and > 0: InvalidInput"))
    hlc = [list(x) for x in up]
    hlc[0][130], hlc[1][130] = 99.0, 101.0
    cs.append(regime("high_below_low", tuple(hlc), about="InvalidInput"))
    for name, patch in [("window2", {"window": 2}), ("window0", {"window": 0}),
                        ("zero_vol", {"range_bound_max_vol": 0.0}), ("nan_momentum", {"trend_min_abs_momentum": NAN}),
                        ("inf_range", {"volatile_min_range": INF}), ("neg_vol", {"volatile_min_vol": -0.01})]:
        cs.append(regime(f"config_{name}", up, {**DEFAULT_REGIME, **patch}, about="InvalidConfig"))
    cs.append(regime("config_before_input", ([NAN] * 130, [NAN] * 130, [NAN] * 130), {**DEFAULT_REGIME, "window": 1},
                     about="the config is checked first: InvalidConfig"))
    return cs


def guard_cases():
    rng = random.Random(7)
    smooth = [round(100.0 * (1 + 0.004 * (i + 1) + rng.gauss(0, 0.002)), 9) for i in range(24)]
    return [
        guard("smooth", 100.0, smooth, about="every point kept"),
        guard("jumps", 100.0, [101.0, 113.0, 102.0, 109.0, 103.5, 95.0, 88.0, 99.0], about="both rules fire"),
        guard("not_finite", 50.0, [NAN, 50.5, INF, NINF, 0.0, -50.0, 51.0], about="NaN, ±inf, 0, < 0: not_finite"),
        guard("empty", 100.0, [], about="nothing to check: 0 kept"),
        guard("one_kept", 100.0, [105.0]),
        guard("one_dropped", 100.0, [112.5]),
        guard("step_resets_on_kept_only", 100.0, [105.9, 112.0, 111.9, 100.0, 94.5]),
        guard("custom", 10.0, [10.4, 10.9, 11.0, 9.6, 9.1], {"max_move_from_last_close": 0.05, "max_step_move": 0.03}),
        guard("wide", 10.0, [15.0, 1.0, 20.0], {"max_move_from_last_close": 10.0, "max_step_move": 10.0}),
        guard("tiny_close", 1e-300, [1e-300, 2e-300]),
        guard("last_close_nan", NAN, [1.0], about="InvalidInput"),
        guard("last_close_zero", 0.0, [1.0], about="InvalidInput"),
        guard("last_close_neg", -5.0, [1.0], about="InvalidInput"),
        guard("last_close_inf", INF, [], about="InvalidInput"),
        guard("threshold_nan", 100.0, [101.0], {"max_move_from_last_close": NAN, "max_step_move": 0.06},
              about="InvalidConfig"),
        guard("threshold_zero", 100.0, [101.0], {"max_move_from_last_close": 0.12, "max_step_move": 0.0},
              about="InvalidConfig"),
        guard("threshold_inf", 100.0, [101.0], {"max_move_from_last_close": INF, "max_step_move": 0.06},
              about="InvalidConfig"),
        guard("config_before_input", NAN, [1.0], {"max_move_from_last_close": -1.0, "max_step_move": 0.06},
              about="the thresholds are checked first: InvalidConfig"),
    ]


T0 = 1_700_000_000.0
DEFAULT_RECOVERY = {"capacity": 10000, "retention_seconds": 86400.0, "recent_window": 100, "max_operations": 256}


def rec(at, operation, success, duration, attempts=1, error_type=None, strategy=None, fallback=False):
    return {"at": at, "operation": operation, "success": success, "duration_seconds": duration,
            "attempts": attempts, "error_type": error_type, "recovery_strategy": strategy, "fallback_used": fallback}


def recovery(id, records, now, config=None, about=""):
    return {"id": f"recovery.{id}", "fn": "recovery.summary", "capability": "telemetry.recovery", "about": about,
            "config": config, "records": records, "now": now}


def recovery_cases():
    rng = random.Random(11)
    ops = ["fetch_quotes", "place_order", "load_model"]
    errs = ["Timeout", "ConnectionError", "RateLimited"]
    strategies = ["retry", "fallback_source", "circuit_breaker"]
    mixed = []
    for i in range(60):
        ok = rng.random() < 0.7
        mixed.append(rec(T0 + 10.0 * i, rng.choice(ops), ok, round(rng.uniform(0.01, 3.0), 6), rng.randint(1, 4),
                         None if ok else rng.choice(errs), rng.choice(strategies + [None]), rng.random() < 0.2))
    failing = [rec(T0 + i, "fetch_quotes", False, 1.5, 3, "Timeout", "retry") for i in range(12)]
    small = {"capacity": 5, "retention_seconds": 100.0, "recent_window": 3, "max_operations": 2}
    return [
        recovery("empty", [], T0, about="no records: rates 1, healthy"),
        recovery("mixed", mixed, T0 + 600.0),
        recovery("mixed_explicit_defaults", mixed, T0 + 600.0, DEFAULT_RECOVERY),
        recovery("consecutive_failures", failing, T0 + 20.0, about="twelve failures in a row: alerts"),
        recovery("recovered", failing + [rec(T0 + 13.0, "fetch_quotes", True, 0.2, 2, None, "retry", True)],
                 T0 + 20.0),
        recovery("retention", mixed, T0 + 86400.0 + 300.0, about="records older than the retention dropped"),
        recovery("small_ring", mixed[:20], T0 + 200.0, {**small, "max_operations": 3}, about="capacity 5, window 3"),
        recovery("zero_duration", [rec(T0, "x", True, 0.0)], T0),
        recovery("config_capacity0", [], T0, {**DEFAULT_RECOVERY, "capacity": 0}, about="InvalidInput"),
        recovery("config_window0", [], T0, {**DEFAULT_RECOVERY, "recent_window": 0}, about="InvalidInput"),
        recovery("config_ops0", [], T0, {**DEFAULT_RECOVERY, "max_operations": 0}, about="InvalidInput"),
        recovery("config_retention_nan", [], T0, {**DEFAULT_RECOVERY, "retention_seconds": NAN}, about="InvalidInput"),
        recovery("config_retention_neg", [], T0, {**DEFAULT_RECOVERY, "retention_seconds": -1.0},
                 about="InvalidInput"),
        recovery("empty_operation", [rec(T0, "", True, 0.1)], T0, about="InvalidInput"),
        recovery("negative_duration", [rec(T0, "x", True, -0.1)], T0, about="InvalidInput"),
        recovery("nan_duration", [rec(T0, "x", True, NAN)], T0, about="InvalidInput"),
        recovery("zero_attempts", [rec(T0, "x", False, 0.1, 0)], T0, about="InvalidInput"),
        recovery("nan_at", [rec(NAN, "x", True, 0.1)], T0, about="InvalidInput"),
        recovery("too_many_operations", [rec(T0, "a", True, 0.1), rec(T0, "b", True, 0.1), rec(T0, "c", True, 0.1)],
                 T0, small, about="a third operation name beyond max_operations 2: InvalidInput"),
        recovery("nan_now", [rec(T0, "x", True, 0.1)], NAN, about="InvalidInput"),
    ]


TORCH = "crates/inference/tests/fixtures/torch"
DATA = "crates/inference/tests/data"
OURS = "tests/conformance/data"
ROOT = HERE.parents[1]


def _safetensors(path):
    raw = (ROOT / path).read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def _write_safetensors(path, header, body):
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    (ROOT / path).write_bytes(struct.pack("<Q", len(h)) + h + body)


def derived_files():
    """tests/conformance/data: torch's F32 MLP as F64 (exact: every f32 is an f64, so its answers must be the
    F32 file's bit for bit) and the same file cut short (Corrupt in every door)."""
    (ROOT / OURS).mkdir(exist_ok=True)
    header, body = _safetensors(f"{TORCH}/mlp.safetensors")
    out_h, out_b = {}, b""
    for k, v in sorted(((k, v) for k, v in header.items() if k != "__metadata__"), key=lambda kv: kv[1]["data_offsets"][0]):
        a, b = v["data_offsets"]
        assert v["dtype"] == "F32"
        xs = struct.unpack(f"<{(b - a) // 4}f", body[a:b])
        data = struct.pack(f"<{len(xs)}d", *xs)
        out_h[k] = {"dtype": "F64", "shape": v["shape"], "data_offsets": [len(out_b), len(out_b) + len(data)]}
        out_b += data
    _write_safetensors(f"{OURS}/mlp_f64.safetensors", out_h, out_b)
    raw = (ROOT / TORCH / "mlp.safetensors").read_bytes()
    (ROOT / OURS / "mlp_truncated.safetensors").write_bytes(raw[:len(raw) - 40])


def predictor(id, capability, load, steps, about=""):
    return {"id": f"predictor.{id}", "fn": "predictor.run", "capability": capability, "about": about,
            "load": load, "steps": steps}


def predict(shape, features):
    assert len(features) == shape[0] * shape[1] * shape[2], (shape, len(features))
    return {"op": "predict", "shape": shape, "features": features}


def predictor_cases():
    torch = json.loads((ROOT / TORCH / "expected.json").read_text())["cases"]
    window = json.loads((ROOT / DATA / "window_models.json").read_text())
    cs = []
    mlp_arch = None
    for c in torch:
        arch = c["architecture"]
        w, nf = (arch["window"], arch["input"]) if "kind" in arch else (1, arch["input"])
        cap = {"F32": "inference.window" if "kind" in arch else "inference.safetensors"}.get(c["dtype"],
                                                                                           "inference.safetensors")
        if c["name"] == "mlp":
            mlp_arch = arch
            cap = "inference.predictor"
        cs.append(predictor(f"torch_{c['name']}", cap,
                            {"format": "safetensors", "file": f"{TORCH}/{c['file']}", "config": arch},
                            [predict([c["n_rows"], w, nf], c["inputs"])],
                            about=f"torch 2.5.1 weights ({c['dtype']})"))
    x4 = torch[0]["inputs"]
    gru_arch = next(c["architecture"] for c in torch if c["name"] == "gru")
    for m in window["models"]:
        a = m["architecture"]
        cs.append(predictor(f"burnpack_{m['name']}", "inference.window",
                            {"format": "burnpack", "file": f"{DATA}/{m['weights']}", "config": a},
                            [predict([m["n_rows"], a["window"], a["input"]], window["inputs"]),
                             predict([1, a["window"], a["input"]], window["inputs"][:a["window"] * a["input"]])]))
    st = lambda f, a=None: {"format": "safetensors", "file": f, "config": a or mlp_arch}  # noqa: E731
    cs += [
        predictor("f64_weights", "inference.safetensors", st(f"{OURS}/mlp_f64.safetensors"),
                  [predict([4, 1, 5], x4)], about="F64 tensors: the F32 file's answers bit for bit"),
        predictor("demo", "inference.predictor", {"format": "demo"},
                  [predict([3, 1, 4], [0.01, 0.03, 0.012, 0.5, -0.02, -0.05, 0.02, -1.0, 0.0, 0.0, 0.0, 0.0])]),
        predictor("one_row", "inference.predictor", st(f"{TORCH}/mlp.safetensors"), [predict([1, 1, 5], x4[:5])]),
        predictor("extreme_features", "inference.predictor", st(f"{TORCH}/mlp.safetensors"),
                  [predict([2, 1, 5], [1e30, -1e30, 1e-300, 0.0, -0.0, 3.4e38, -3.4e38, 1.0, 5e-324, 1e6])],
                  about="finite but extreme (beyond f32 too): whatever the library answers, every door alike"),
        predictor("nan_feature", "inference.predictor", st(f"{TORCH}/mlp.safetensors"),
                  [predict([2, 1, 5], x4[:7] + ["nan"] + x4[8:10]), predict([1, 1, 5], x4[:5])],
                  about="InvalidInput, then the predictor still serves"),
        predictor("inf_feature", "inference.predictor", st(f"{TORCH}/mlp.safetensors"),
                  [predict([1, 1, 5], ["inf"] + x4[1:5]), predict([1, 1, 5], x4[:4] + ["-inf"])]),
        predictor("wrong_width", "inference.predictor", st(f"{TORCH}/mlp.safetensors"),
                  [predict([2, 1, 4], x4[:8])], about="4 features for a 5-input model: InvalidInput"),
        predictor("zero_rows", "inference.predictor", st(f"{TORCH}/mlp.safetensors"), [predict([0, 1, 5], [])],
                  about="InvalidInput"),
        predictor("window_wrong_split", "inference.window",
                  {"format": "burnpack", "file": f"{DATA}/gru_window.bpk", "config": window["models"][0]["architecture"]},
                  [predict([1, 3, 5], window["inputs"][:15])],
                  about="the row width (15) is the model's, the split (3 × 5 for 5 × 3) is not: InvalidInput"),
        predictor("missing_file", "inference.predictor", st(f"{OURS}/no_such.safetensors"), [],
                  about="NotFound"),
        predictor("truncated_file", "inference.safetensors", st(f"{OURS}/mlp_truncated.safetensors"), [],
                  about="Corrupt"),
        predictor("wrong_architecture", "inference.safetensors", st(f"{TORCH}/mlp.safetensors",
                                                                    {**mlp_arch, "hidden": [8, 7]}), [],
                  about="tensors that do not fit the architecture: Corrupt"),
        predictor("bad_config", "inference.predictor", st(f"{TORCH}/mlp.safetensors", {**mlp_arch, "activation": "swish"}),
                  [], about="an unknown activation: InvalidConfig"),
        predictor("bad_config_zero_input", "inference.predictor",
                  st(f"{TORCH}/mlp.safetensors", {**mlp_arch, "input": 0}), [], about="InvalidConfig"),
        predictor("burnpack_as_safetensors", "inference.safetensors",
                  st(f"{DATA}/gru_window.bpk", window["models"][0]["architecture"]), [],
                  about="a burnpack file read as safetensors: Corrupt"),
        predictor("hot_swap", "inference.hot_swap", st(f"{TORCH}/mlp.safetensors"), [
            predict([2, 1, 5], x4[:10]),
            {"op": "swap", "version": "v2", "format": "safetensors", "file": f"{OURS}/mlp_f64.safetensors",
             "config": {**mlp_arch, "output_kind": "classes"}},
            predict([2, 1, 5], x4[:10]),
            {"op": "swap", "version": "v3", "format": "safetensors", "file": f"{TORCH}/mlp.safetensors",
             "config": {**mlp_arch, "output": 2}},
            predict([1, 1, 5], x4[:5]),
            {"op": "swap", "version": "v4", "format": "safetensors", "file": f"{OURS}/no_such.safetensors",
             "config": mlp_arch},
            {"op": "swap", "version": "v5", "format": "safetensors", "file": f"{TORCH}/mlp_sequential.safetensors",
             "config": mlp_arch},
            predict([1, 1, 5], x4[:5]),
        ], about="swap to the same weights with softmax (v2); refused swaps (an architecture the weights do not "
                 "fit: Corrupt; a missing file: NotFound) keep v2 serving; then v5"),
        predictor("hot_swap_window", "inference.hot_swap",
                  {"format": "burnpack", "file": f"{DATA}/gru_window.bpk", "config": window["models"][0]["architecture"]},
                  [predict([1, 5, 3], window["inputs"][:15]),
                   {"op": "swap", "version": "t1", "format": "burnpack", "file": f"{DATA}/transformer_window.bpk",
                    "config": window["models"][1]["architecture"]},
                   predict([1, 5, 3], window["inputs"][:15])],
                  about="GRU → Transformer with 3 outputs for 2: InvalidInput, the GRU keeps serving"),
        predictor("hot_swap_formats", "inference.hot_swap",
                  {"format": "burnpack", "file": f"{DATA}/gru_window.bpk", "config": window["models"][0]["architecture"]},
                  [predict([1, 5, 3], window["inputs"][:15]),
                   {"op": "swap", "version": "torch", "format": "safetensors", "file": f"{TORCH}/gru.safetensors",
                    "config": gru_arch},
                   predict([1, 5, 3], window["inputs"][:15]),
                   {"op": "swap", "version": "torch-bf16", "format": "safetensors",
                    "file": f"{TORCH}/gru_bf16.safetensors", "config": gru_arch},
                   predict([2, 5, 3], window["inputs"][:30])],
                  about="burnpack GRU → torch's GRU (F32, then BF16): same architecture, another format"),
        predictor("hot_swap_demo_refused", "inference.hot_swap", {"format": "demo"},
                  [{"op": "swap", "version": "wide", "format": "safetensors", "file": f"{TORCH}/mlp.safetensors",
                    "config": mlp_arch},
                   predict([1, 1, 4], [0.01, 0.03, 0.012, 0.5])],
                  about="5 features for the demo's 4: InvalidInput, the demo keeps serving"),
    ]
    return cs


# An ed25519 key pair as files (64 hex characters): RFC 8032's first test vector (a published key, never a
# secret); `other` is RFC 8032's second one.
SIGNING_KEY_HEX = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
OTHER_KEY_HEX = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"
VERIFYING_KEY_HEX = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"


def key_files():
    for name, hex_ in [("signing.key", SIGNING_KEY_HEX), ("other_signing.key", OTHER_KEY_HEX),
                       ("verifying.pub", VERIFYING_KEY_HEX)]:
        (ROOT / OURS / name).write_text(hex_ + "\n")


def reg(id, capability, op, about="", **args):
    return {"id": f"registry.{id}", "fn": "registry.step", "capability": capability, "about": about, "op": op,
            **args}


def registry_cases():
    """One registry, created empty by each door in its own directory; the steps run in file order."""
    mlp = json.loads((ROOT / TORCH / "expected.json").read_text())["cases"][0]
    arch, x = mlp["architecture"], mlp["inputs"]
    st = lambda f, a=None: {"format": "safetensors", "file": f, "config": a or arch}  # noqa: E731
    gru = json.loads((ROOT / DATA / "window_models.json").read_text())["models"][0]
    R, P, B, I, S, F, T = ("inference.registry", "inference.promote", "inference.rollback", "inference.inventory",
                           "inference.signed", "inference.learning_freeze", "inference.stage")
    return [
        reg("versions_empty", R, "versions", name="m", about="an unknown model has no versions"),
        reg("inventory_empty", I, "inventory", name="m"),
        reg("register_v1", R, "register", name="m", version="v1", model=st(f"{TORCH}/mlp.safetensors")),
        reg("register_v2", R, "register", name="m", version="v2", model=st(f"{TORCH}/mlp_sequential.safetensors")),
        reg("register_v3_f16", R, "register", name="m", version="v3", model=st(f"{TORCH}/mlp_f16.safetensors")),
        reg("register_gru", R, "register", name="g", version="w1",
            model={"format": "burnpack", "file": f"{DATA}/{gru['weights']}", "config": gru["architecture"]}),
        reg("register_again", R, "register", name="m", version="v1", model=st(f"{TORCH}/mlp.safetensors"),
            about="versions are immutable: State"),
        reg("register_bad_version", R, "register", name="m", version="../x", model=st(f"{TORCH}/mlp.safetensors"),
            about="InvalidInput"),
        reg("register_bad_name", R, "register", name="", version="v9", model=st(f"{TORCH}/mlp.safetensors"),
            about="InvalidInput"),
        reg("register_wrong_architecture", R, "register", name="m", version="v9",
            model=st(f"{TORCH}/mlp.safetensors", {**arch, "hidden": [8, 7]}), about="Corrupt, nothing registered"),
        reg("register_missing_file", R, "register", name="m", version="v9", model=st(f"{OURS}/no_such.safetensors"),
            about="NotFound"),
        reg("versions", R, "versions", name="m"),
        reg("inventory_three", I, "inventory", name="m"),
        reg("active_none", P, "active", name="m", about="nothing promoted"),
        reg("rollback_nothing", B, "rollback", name="m", about="no last-good version: State"),
        reg("promote_unknown", P, "promote", name="m", version="v7", about="NotFound"),
        reg("promote_v1", P, "promote", name="m", version="v1"),
        reg("active_v1", P, "active", name="m"),
        reg("predict_v1", P, "predict_active", name="m", shape=[4, 1, 5], features=x,
            about="the active version's answers = the safetensors file's, bit for bit"),
        reg("promote_v2", P, "promote", name="m", version="v2"),
        reg("inventory_v2_active", I, "inventory", name="m"),
        reg("predict_v2", P, "predict_active", name="m", shape=[4, 1, 5], features=x),
        reg("rollback_to_v1", B, "rollback", name="m"),
        reg("active_after_rollback", B, "active", name="m"),
        reg("rollback_again", B, "rollback", name="m", about="last-good is already active: State"),
        reg("promote_v3", P, "promote", name="m", version="v3"),
        reg("corrupt_v1_weights", B, "corrupt", name="m", version="v1", file="weights.bpk",
            about="test harness: one byte of last-good's weights flipped"),
        reg("inventory_corrupt_weights", I, "inventory", name="m",
            about="the manifest still reads: listed (its checksum no longer matches)"),
        reg("rollback_to_corrupt", B, "rollback", name="m", about="the last-good no longer verifies: Corrupt"),
        reg("active_after_refused_rollback", B, "active", name="m", about="v3 still active"),
        reg("promote_corrupt", P, "promote", name="m", version="v1", about="Corrupt, nothing changes"),
        reg("corrupt_v2_manifest", I, "corrupt", name="m", version="v2", file="manifest.json",
            about="test harness: v2's manifest is no longer JSON"),
        reg("inventory_corrupt_manifest", I, "inventory", name="m", about="v2 under corrupt"),
        reg("promote_v3_beside_corrupt", P, "promote", name="m", version="v3",
            about="a corrupt sibling does not block a promotion"),
        reg("predict_gru_unpromoted", P, "predict_active", name="g", shape=[1, 5, 3], features=[0.5] * 15,
            about="nothing promoted: NotFound"),
        reg("promote_gru", P, "promote", name="g", version="w1"),
        reg("predict_gru", P, "predict_active", name="g", shape=[2, 5, 3],
            features=json.loads((ROOT / DATA / "window_models.json").read_text())["inputs"][:30]),
        reg("sign_v3", S, "sign", name="m", version="v3", key="signing.key"),
        reg("inventory_signed", S, "inventory", name="m"),
        reg("verified_promote_signed", S, "promote", name="m", version="v3", verifying_key="verifying.pub",
            about="opened with the verifying key: the signed version verifies"),
        reg("register_signed", S, "register", name="m", version="v4", model=st(f"{TORCH}/mlp.safetensors"),
            key="signing.key", verifying_key="verifying.pub"),
        reg("register_signed_wrong_key", S, "register", name="m", version="v5", model=st(f"{TORCH}/mlp.safetensors"),
            key="other_signing.key", verifying_key="verifying.pub",
            about="a signing key that is not the verifying key's private half: InvalidInput, nothing registered"),
        reg("verified_promote_signed_v4", S, "promote", name="m", version="v4", verifying_key="verifying.pub"),
        reg("register_unsigned_v6", R, "register", name="m", version="v6", model=st(f"{TORCH}/mlp.safetensors")),
        reg("verified_promote_unsigned", S, "promote", name="m", version="v6", verifying_key="verifying.pub",
            about="unsigned under a verifying key: Corrupt"),
        reg("sign_with_other_key", S, "sign", name="m", version="v6", key="other_signing.key"),
        reg("verified_promote_missigned", S, "promote", name="m", version="v6", verifying_key="verifying.pub",
            about="signed by another key: Corrupt"),
        reg("inventory_final", I, "inventory", name="m"),
        # the model's learning freeze (`learning_freeze.json`; the query answers who and why, not the time)
        reg("freeze_none", F, "learning_freeze", name="m", about="not frozen: null"),
        reg("freeze_blank_who", F, "freeze", name="m", who=" ", why="canary rollback",
            about="who and why are required: InvalidInput, nothing written"),
        reg("freeze_still_none", F, "learning_freeze", name="m"),
        reg("freeze", F, "freeze", name="m", who="ops", why="canary rollback"),
        reg("freeze_query", F, "learning_freeze", name="m"),
        reg("frozen_register", F, "register", name="m", version="v7", model=st(f"{TORCH}/mlp.safetensors"),
            about="frozen: State, nothing registered"),
        reg("frozen_promote", F, "promote", name="m", version="v3", about="frozen: State, v4 stays active"),
        reg("frozen_active", F, "active", name="m"),
        reg("frozen_rollback", F, "rollback", name="m", about="rollback still works while frozen"),
        reg("freeze_again", F, "freeze", name="m", who="risk", why="second look",
            about="a second freeze replaces the record"),
        reg("freeze_query_again", F, "learning_freeze", name="m"),
        reg("unfreeze", F, "unfreeze", name="m"),
        reg("unfreeze_again", F, "unfreeze", name="m", about="not frozen: a no-op"),
        reg("unfrozen_query", F, "learning_freeze", name="m"),
        reg("freeze_bad_name", F, "freeze", name="../x", who="ops", why="bad name", about="InvalidInput"),
        # stages by name (`Stage`'s table: the manifest's spellings, one parser for every door)
        reg("stage_staging", T, "stage", name="m", version="v6", stage="staging"),
        reg("stage_inventory", T, "inventory", name="m", about="v6 staging"),
        reg("stage_development", T, "stage", name="m", version="v6", stage="development"),
        reg("stage_production", T, "stage", name="m", version="v6", stage="production",
            about="production and archived are set by promote and rollback: InvalidInput"),
        reg("stage_archived", T, "stage", name="m", version="v6", stage="archived", about="InvalidInput"),
        reg("stage_bad_name", T, "stage", name="m", version="v6", stage="Staging",
            about="names are exact (lower case): InvalidInput"),
        reg("stage_unknown_version", T, "stage", name="m", version="v99", stage="staging", about="NotFound"),
        reg("stage_inventory_final", T, "inventory", name="m", about="v6 back to development"),
    ]


def tel(id, capability, op, about="", **args):
    return {"id": f"telemetry.{id}", "fn": "telemetry.step", "capability": capability, "about": about, "op": op,
            **args}


CUSTOM = {"namespace": "acme", "profile": "plus_ultra", "listen": None, "global_labels": {"service": "pricer"}}


def telemetry_cases():
    """One process per door (the exporter installs once per process); the steps in order. `render` answers the
    exposition's family names and its samples (without `build_info`, whose labels carry the version); on one
    machine the whole text must be the same from every door."""
    reference = [round((i * 0.618034) % 1.0, 9) for i in range(2000)]
    shifted = [round(v + 0.35, 9) for v in reference[:400]]
    E, C, D = "telemetry.exporter", "telemetry.catalog", "telemetry.drift"
    return [
        tel("render_before_install", E, "render", about="State"),
        tel("install_non_loopback", E, "install", config={"listen": "0.0.0.0:1"}, about="InvalidConfig"),
        tel("install_unknown_key", E, "install", config={"bogus": 1}, about="InvalidConfig"),
        tel("install_bad_profile", C, "install", config={"profile": "nope", "listen": None}, about="InvalidConfig"),
        tel("install_bad_namespace", C, "install", config={"namespace": "9 bad", "listen": None},
            about="InvalidConfig"),
        tel("install_bad_label", C, "install", config={"listen": None, "global_labels": {"bad-label": "x"}},
            about="InvalidConfig"),
        tel("install", E, "install", config=CUSTOM, about="namespace acme, profile plus_ultra, no listener"),
        tel("install_again", E, "install", config=CUSTOM, about="State"),
        tel("render_installed", C, "render"),
        tel("monitor_emit", D, "monitor_emit", reference=reference, current=shifted,
            options={"window": 400, "min_values": 100},
            about="drift_score / drift_detections_total through the installed catalog"),
        tel("render_after_emit", C, "render"),
        tel("monitor_emit_again", D, "monitor_emit", reference=reference, current=reference[:400],
            options={"window": 400, "min_values": 100}, about="no drift: the gauge moves, the counter stays"),
        tel("render_final", E, "render"),
    ] + gauge_cases()


def call(handle, fn, **args):
    return {"handle": handle, "call": fn, "args": args}


def gauge_cases():
    """The gauge families bound in Rust and Python only (not C): each step is a list of handle calls, each call's
    answer ok or its error kind; then the exposition they leave (after every step above)."""
    RP = ["rust", "python"]
    snap = {"pnl": 1250.5, "sharpe": 1.8, "winning_trades": 30, "total_trades": 50, "max_drawdown_ratio": 0.12,
            "gross_profit": 4000.0, "gross_loss": 2749.5}
    return [
        tel("trading", "telemetry.trading", "gauges", doors=RP, calls=[
            call("trading", "set_snapshot", strategy="momentum", **snap),
            call("trading", "set_snapshot", strategy="carry", **{**snap, "total_trades": 0, "winning_trades": 0,
                                                                   "pnl": -3.25}),
            call("trading", "set_snapshot", strategy="bad", **{**snap, "sharpe": NAN}),
            call("trading", "set_snapshot", strategy="bad", **{**snap, "winning_trades": 51}),
            call("trading", "set_snapshot", strategy="bad", **{**snap, "gross_loss": INF}),
        ], about="snapshots of two strategies; NaN, winning > total, ±inf: InvalidInput"),
        tel("mlbot", "telemetry.mlbot", "gauges", doors=RP, calls=[
            call("mlbot", "set_regime", symbol="BTCUSDT", timeframe="1h", regime="trending_up"),
            call("mlbot", "set_regime", symbol="BTCUSDT", timeframe="1h", regime="volatile"),
            call("mlbot", "set_regime", symbol="BTCUSDT", timeframe="1h", regime="sideways"),
            call("mlbot", "set_quality", symbol="BTCUSDT", timeframe="1h", metric="mae", value=0.0125),
            call("mlbot", "set_quality", symbol="BTCUSDT", timeframe="1h", metric="mae", value=NAN),
            call("mlbot", "prediction", bot_name="lstm", symbol="BTCUSDT", timeframe="1h", seconds=0.042),
            call("mlbot", "prediction", bot_name="lstm", symbol="BTCUSDT", timeframe="1h", seconds=-1.0),
            call("mlbot", "cache", hits=90, misses=10, size=64),
            call("mlbot", "websocket_connections", n=3),
        ], about="an unknown regime, NaN, a negative duration: InvalidInput"),
        tel("monitoring", "telemetry.monitoring", "gauges", doors=RP, calls=[
            call("monitoring", "risk", name="var_95", value=0.031),
            call("monitoring", "risk", name="var_95", value=INF),
            call("monitoring", "drift", name="psi", value=0.27),
            call("monitoring", "window_size", n=500),
            call("monitoring", "alert", alert="drift"),
            call("monitoring", "alert", alert="drift"),
        ]),
        tel("service", "telemetry.service", "gauges", doors=RP, calls=[
            call("service", "record", endpoint="/predict", http_method="POST", status=200, seconds=0.015, exception=None),
            call("service", "record", endpoint="/predict", http_method="POST", status=500, seconds=0.2,
                 exception="ValueError"),
            call("service", "record", endpoint="/predict", http_method="POST", status=200, seconds=NAN, exception=None),
            call("service", "prediction_rows", rows=128),
        ], about="a NaN duration: InvalidInput"),
        tel("render_gauges", "telemetry.exporter", "render", doors=RP),
    ]


FILES = {
    "inference_functions.json": ("Market regime classifier and prediction sanity guard: the same reading / "
                                 "verdicts (bit for bit) or error kind from Rust, Python and C "
                                 "(tests/conformance/make_inference.py).", lambda: regime_cases() + guard_cases()),
    "telemetry_recovery.json": ("Recovery tracker: records at given Unix times, the summary at `now` (without "
                                "`uptime_seconds`, which depends on the wall clock) or the first error's kind, "
                                "from Rust, Python and C (tests/conformance/make_inference.py).", recovery_cases),
    "inference_predictor.json": ("Predictor: a model loaded from a file (torch's safetensors F32/F16/BF16, F64, "
                                 "burnpack GRU/Transformer, the demo model), then predictions and hot swaps in order; "
                                 "the f32 outputs bit for bit, the versions, or the error kinds, from Rust, Python "
                                 "and C (tests/conformance/make_inference.py).", predictor_cases),
    "inference_registry.json": ("Model registry: one registry per door, created empty, the steps in order "
                                "(register, list, inventory, promote, rollback to last-good incl. a corrupt one, "
                                "signed manifests, the learning freeze; `corrupt` is the test harness flipping a "
                                "byte); each step's "
                                "answer or error kind, from Rust, Python and C, and the registry one door wrote "
                                "read by the others (tests/conformance/make_inference.py).", registry_cases),
    "telemetry_exporter.json": ("Prometheus exporter and metric catalog: install (bad configurations, a second "
                                "install), render, drift metrics emitted by a live monitor, under namespace `acme` "
                                "and profile `plus_ultra`; one process per door, the steps in order "
                                "(tests/conformance/make_inference.py).", telemetry_cases),
}


def dumps(doc):
    """One case per line."""
    lines = ["{", f' "about": {json.dumps(doc["about"], ensure_ascii=False)},', ' "cases": [']
    lines.append(",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in doc["cases"]))
    lines += [" ]", "}"]
    return "\n".join(lines) + "\n"


def write():
    derived_files()
    key_files()
    for name, (about, make) in FILES.items():
        path = HERE / name
        old = {}
        if path.exists():
            old = {c["id"]: c.get("expect") for c in json.loads(path.read_text())["cases"]}
        cases = make()
        assert len({c["id"] for c in cases}) == len(cases), name
        for c in cases:
            if old.get(c["id"]) is not None:
                c["expect"] = old[c["id"]]
        path.write_text(dumps({"about": about, "cases": cases}))


def bless(*rust_answers):
    answers = {}
    for f in rust_answers:
        answers.update(json.loads(pathlib.Path(f).read_text()))
    for name in FILES:
        path = HERE / name
        doc = json.loads(path.read_text())
        for c in doc["cases"]:
            c["expect"] = answers[c["id"]]
        path.write_text(dumps(doc))


if __name__ == "__main__":
    if sys.argv[1:2] == ["write"]:
        write()
    elif sys.argv[1:2] == ["bless"] and len(sys.argv) >= 3:
        bless(*sys.argv[2:])
    else:
        sys.exit(__doc__)
