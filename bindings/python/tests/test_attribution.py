"""P&L attribution by symbol and regime (returns::attribution) against the seed's pandas computation
(Market NN Plus Ultra's report: groupby symbol → sum / Σsum; per regime__ column, groupby label)."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import tradewarden.returns as tr
from tradewarden.errors import InvalidInputError


def frame(n=2000, seed=3):
    g = np.random.default_rng(seed)
    r = g.normal(2e-4, 0.01, n)
    r[g.integers(0, n, 40)] = np.nan
    vol = np.where(g.random(n) < 0.3, "high", "low").astype(object)
    vol[g.integers(0, n, 25)] = None
    return pd.DataFrame({
        "realised_return": r,
        "symbol": g.choice(["AAPL", "MSFT", "NVDA", "TSLA"], n),
        "regime__volatility": vol,
        "regime__trend": g.choice([1, 2, 3], n),  # numeric labels: compared as strings, like the seed's str(label)
        "other": g.random(n),
    })


def seed_by_symbol(df):
    x = df.dropna(subset=["realised_return"])
    g = x.groupby("symbol")["realised_return"].agg(["mean", "sum", "count"])
    total = g["sum"].sum()
    out = {}
    for s, row in g.iterrows():
        out[str(s)] = dict(samples=int(row["count"]), sample_weight=row["count"] / g["count"].sum(),
                           average_return=row["mean"], cumulative_return=row["sum"],
                           contribution=row["sum"] / total if total else 0.0)
    return out


def seed_by_regime(df, column):
    x = df.dropna(subset=["realised_return"])
    n = len(x)
    j = x[["realised_return", column]].dropna()
    out = {}
    for label, grp in j.groupby(column):
        v = grp["realised_return"].to_numpy()
        out[str(label)] = dict(samples=v.size, sample_weight=v.size / n, average_return=v.mean(),
                               cumulative_return=v.sum(), sharpe=v.mean() / v.std(ddof=0),
                               hit_rate=(v > 0).mean())
    return out


def close(a, b):
    return a == pytest.approx(b, rel=1e-12, abs=1e-15)


def test_matches_the_seeds_groupby_by_symbol_and_regime():
    df = frame()
    a = tr.attribution(df)
    want = seed_by_symbol(df)
    assert [row["symbol"] for row in a.by_symbol] == sorted(want, key=lambda s: -want[s]["cumulative_return"])
    for row in a.by_symbol:
        w = want[row["symbol"]]
        for k, v in w.items():
            assert close(row[k], v), (row["symbol"], k)
    assert sum(row["contribution"] for row in a.by_symbol) == pytest.approx(1.0, abs=1e-12)
    assert list(a.by_regime) == ["trend", "volatility"]
    for name, column in [("trend", "regime__trend"), ("volatility", "regime__volatility")]:
        want = seed_by_regime(df, column)
        rows = a.by_regime[name]
        assert [r["samples"] for r in rows] == sorted((w["samples"] for w in want.values()), reverse=True)
        for row in rows:
            for k, v in want[row["label"]].items():
                assert close(row[k], v), (name, row["label"], k)
    by_symbol, by_regime = a.to_frames()
    assert list(by_symbol["symbol"]) == [r["symbol"] for r in a.by_symbol]
    assert set(by_regime) == {"trend", "volatility"}


def test_other_inputs_and_options():
    df = frame(300, seed=5)
    a = tr.attribution(df)
    for other in (pa.Table.from_pandas(df), {c: df[c].to_numpy() for c in df.columns}):
        b = tr.attribution(other)
        assert b.by_symbol == a.by_symbol
        assert b.by_regime.keys() == a.by_regime.keys()
    only = tr.attribution(df, symbol=None, regimes=["regime__trend"])
    assert only.by_symbol == [] and list(only.by_regime) == ["trend"]
    # a missing symbol leaves its row out, as the seed's groupby does
    df2 = df.copy()
    df2.loc[0:9, "symbol"] = None
    got = {r["symbol"]: r["samples"] for r in tr.attribution(df2).by_symbol}
    assert sum(got.values()) == df2.dropna(subset=["realised_return", "symbol"]).shape[0]


def test_bad_inputs_are_typed_errors():
    df = frame(50)
    with pytest.raises(InvalidInputError, match="returns"):
        tr.attribution(df, returns="pnl")
    with pytest.raises(InvalidInputError, match="symbol"):
        tr.attribution(df, symbol="ticker")
    with pytest.raises(InvalidInputError, match="regime__nope"):
        tr.attribution(df, regimes=["regime__nope"])
    bad = df.copy()
    bad.loc[3, "realised_return"] = np.inf
    with pytest.raises(InvalidInputError, match="returns"):
        tr.attribution(bad)
