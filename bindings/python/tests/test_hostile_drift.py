"""Hostile inputs to drift (issues 20 and 21): ``bins`` above ``MAX_BINS`` (2**20) and corrupt or tampered
profiles raise the typed :class:`TradewardenError` subclasses instead of aborting, looping or returning an
absurd PSI."""

import json

import numpy as np
import pytest

import tradewarden.drift as td
from tradewarden.errors import CorruptError, InvalidInputError, TradewardenError

HUGE = 2**40
MAX_BINS = 2**20


def _x(n=1000, seed=0):
    return np.random.default_rng(seed).normal(size=n)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
@pytest.mark.parametrize("keep_reference", [True, False])
def test_profile_fit_with_huge_bins_raises(strategy, keep_reference):
    with pytest.raises(InvalidInputError, match="bins") as e:
        td.Profile.fit({"x": _x()}, bins=HUGE, strategy=strategy, keep_reference=keep_reference)
    assert isinstance(e.value, TradewardenError)
    assert str(HUGE) in str(e.value)
    with pytest.raises(InvalidInputError, match="bins"):
        td.Profile.fit({"x": _x()}, bins=MAX_BINS + 1, strategy=strategy, keep_reference=keep_reference)


@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_psi_with_huge_bins_raises(strategy):
    ref, cur = _x(seed=1), _x(seed=2)
    with pytest.raises(InvalidInputError, match="bins"):
        td.psi(ref, cur, bins=HUGE, strategy=strategy)
    assert np.isfinite(td.psi(ref, cur, bins=10, strategy=strategy))


def test_tampered_json_profile_raises_corrupt():
    p = td.Profile.fit({"x": _x()})
    d = json.loads(p.to_json())
    assert d["checksum"].startswith("fnv1a64:")
    d["features"]["x"]["numeric"]["mean"] += 1.0
    with pytest.raises(CorruptError, match="checksum"):
        td.Profile.from_json(json.dumps(d))


def test_json_profile_without_checksum_is_still_validated():
    p = td.Profile.fit({"x": _x()})
    d = json.loads(p.to_json())
    del d["checksum"]
    assert td.Profile.from_json(json.dumps(d)).to_bytes() == p.to_bytes()
    edges = d["features"]["x"]["numeric"]["edges"]
    edges[2], edges[5] = edges[5], edges[2]  # unsorted edges: once PSI = 2.98e18
    with pytest.raises(CorruptError, match="edges"):
        td.Profile.from_json(json.dumps(d))
    d["features"]["x"]["numeric"]["edges"] = [0.5]
    with pytest.raises(CorruptError, match="edges"):
        td.Profile.from_json(json.dumps(d))


def test_json_profile_round_trip_is_bit_exact():
    values = np.random.default_rng(3).standard_normal(5000) * 10.0 ** np.random.default_rng(4).integers(-300, 300, 5000)
    p = td.Profile.fit({"x": values})
    assert td.Profile.from_json(p.to_json()).to_bytes() == p.to_bytes()
