"""Configs and results cross the native boundary as Python objects, not JSON text (issue #18 item 2): results
are plain dicts/lists with the library's f64 bits, configs are read as strictly as JSON text was (NaN / ±inf,
non-plain objects and wrongly typed fields are InvalidConfigError naming the argument)."""

import math

import numpy as np
import pytest

import tradewarden.drift as td
import tradewarden.guardrails as tg
from tradewarden import _native
from tradewarden.errors import InvalidConfigError, InvalidInputError


def _data(seed, n, shift=0.0):
    rng = np.random.default_rng(seed)
    return {"a": rng.normal(shift, 1.0, n), "b": rng.gamma(2.0, 1.0 + shift, n)}


def test_report_is_plain_data_and_its_floats_are_the_librarys_bits():
    ref, cur = _data(1, 3000), _data(2, 2000, 0.3)
    p = td.Profile.fit(ref, 10)
    native = p._p.score(list(cur.items()), {"alpha": 0.05})
    assert type(native) is dict and type(native["features"]) is list
    assert all(type(f) is dict for f in native["features"])
    for f in native["features"]:
        # the report's KS is the crate's exact two-sample KS: the same f64 bits as the scipy-compatible door
        # (a float result crossing without any JSON text)
        stat, pvalue, *_ = _native.ks_2samp(ref[f["name"]], cur[f["name"]], "two-sided", "auto", "raise")
        ks = f["ks"]
        assert type(ks) is list and all(type(x) is float for x in ks)  # a Rust tuple comes back as a list
        assert ks[0].hex() == float(stat).hex(), f["name"]
        assert ks[1].hex() == float(pvalue).hex(), f["name"]
        # large samples are scored by PSI: the statistic is the feature's psi, and the undefined p-value is None
        assert f["method"] == "psi" and f["statistic"] == f["psi"] and f["pvalue"] is None
    # the public wrapper sees the same dicts
    r = p.score(cur, alpha=0.05)
    assert r.to_dict() == {k: native[k] for k in ("features", "n_drifted", "drift_share", "dataset_drift",
                                                  "options")}


def test_the_json_round_trip_of_a_report_is_exact():
    p = td.Profile.fit(_data(3, 1500), 8)
    r = p.score(_data(4, 900, 0.2))
    import json

    assert json.loads(r.to_json()) == r.to_dict()  # repr-exact floats: nothing was lost on the way in


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_options_are_refused_and_named(bad):
    # the crate's own validation answers (as from Rust and C): InvalidInputError naming the field
    p = td.Profile.fit(_data(5, 500), 5)
    with pytest.raises(InvalidInputError, match="alpha"):
        p.score(_data(6, 300), alpha=bad)
    with pytest.raises(InvalidInputError, match="psi_threshold"):
        td.LiveMonitor(p, psi_threshold=bad)


def test_non_plain_and_wrongly_typed_configs_are_refused():
    p = td.Profile.fit(_data(7, 500), 5)
    with pytest.raises(InvalidConfigError, match="options.*not JSON serializable"):
        p.score(_data(8, 300), alpha={0.05})
    with pytest.raises(InvalidConfigError, match="options"):
        p.score(_data(8, 300), alpha="0.05")  # a string is not a number, as in JSON
    # a NaN limit reaches the policy's own validation (InvalidConfig naming the limit, as from Rust)
    with pytest.raises(InvalidConfigError, match=r"pre_trade\.max_order_notional = NaN"):
        tg.Policy.from_dict({"pre_trade": {"max_order_notional": float("nan")}})
    cfg = {"pass_score": 95.0, "marginal_score": 75.0, "metrics": [
        {"name": "latency", "bad": "increase", "effect_tolerance": 0.1, "alpha": 0.05, "weight": 1.0,
         "critical": "no"}]}  # a truthy string is not a bool
    with pytest.raises(InvalidConfigError, match="judge config"):
        tg.judge(cfg, {"latency": [1.0, 2.0, 3.0]}, {"latency": [1.0, 2.0, 3.0]})


def test_tuples_and_int_keys_read_as_json_would_have_written_them():
    # a tuple is a JSON array; the same options through a list or a tuple give the same report
    p = td.Profile.fit(_data(9, 800), 6)
    cur = _data(10, 400, 0.1)
    a = p.score(cur, ks_bands=[0.05, 0.1, 0.2, 0.3])
    b = p.score(cur, ks_bands=(0.05, 0.1, 0.2, 0.3))
    assert a.to_dict() == b.to_dict()


def test_deep_nesting_is_refused_not_a_crash():
    deep = []
    for _ in range(200):
        deep = [deep]
    with pytest.raises(InvalidConfigError, match="nested deeper"):
        tg.judge({"metrics": deep, "pass_score": 1.0, "marginal_score": 0.5}, {}, {})


def test_missing_values_in_results_stay_none():
    # serde's None / a NaN the library reports come back as None (the JSON text's null), never as a float NaN
    p = td.Profile.fit({"c": ["x", "y", "x", "y"] * 50, "a": np.linspace(0, 1, 200)}, 5)
    r = p.score({"c": ["x", "y"] * 40, "a": np.linspace(0, 1, 80)})
    for f in r.features:
        for v in f.values():
            assert not (isinstance(v, float) and math.isnan(v))
