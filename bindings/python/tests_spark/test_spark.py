"""Spark (issue 22): the mapInArrow functions of docs/scale-out.md, executed as written, equal the single-process
profile, report and returns statistics.

Run by scripts/test.d/34-spark.sh (which installs pyspark and, when absent, Java); kept out of tests/ (run by
30-python.sh without pyspark). Spark runs in local mode, local[2], on loopback, without its UI.
"""

import math
import os
import re
import sys
import types

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradewarden import returns as twr
from tradewarden.drift import Profile
from tradewarden.returns import ReturnsState

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
DOC = os.path.join(ROOT, "docs", "scale-out.md")
MARKER = "# Tested as written: bindings/python/tests_spark/test_spark.py"
FEATURES = ["ret_1m", "spread_bps", "momentum", "regime"]


def doc_functions():
    """The Spark block of docs/scale-out.md as a module (not registered in sys.modules, so cloudpickle ships
    its functions to the Python workers by value, as it would a job's)."""
    with open(DOC, encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)
    tested = [b for b in blocks if b.startswith(MARKER)]
    assert len(tested) == 1, f"expected one python block starting with {MARKER!r} in {DOC}, found {len(tested)}"
    mod = types.ModuleType("scale_out_spark")
    exec(compile(tested[0], f"{DOC} (Spark block)", "exec"), mod.__dict__)
    return mod


@pytest.fixture(scope="module")
def doc():
    return doc_functions()


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    # the workers run this interpreter (it has tradewarden); everything binds to loopback
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("tradewarden-tests")
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.default.parallelism", "4")
               # keep the partitions as planned (empty ones included), so the tests see several of them
               .config("spark.sql.adaptive.coalescePartitions.enabled", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.network.timeout", "120s")
               .config("spark.driver.memory", "1g")
               .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("warehouse")))
               .config("spark.local.dir", str(tmp_path_factory.mktemp("spark-local")))
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


def features_frame(n, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "ret_1m": rng.standard_normal(n) * 0.001 + shift * 0.0005,
        "spread_bps": rng.lognormal(1.0, 0.4 + shift * 0.3, n),
        "momentum": rng.integers(-5, 6, n).astype(np.float64),  # ties
        "regime": np.array(["calm", "trend", "stress"])[rng.choice(3, n, p=[0.6, 0.3 - shift * 0.1,
                                                                               0.1 + shift * 0.1])],
        "unused": rng.standard_normal(n),
    })


def write_parquet(pdf, directory, files):
    """The frame as `files` Parquet files (one per partition of a typical job)."""
    os.makedirs(directory)
    for i, part in enumerate(np.array_split(np.arange(len(pdf)), files)):
        pq.write_table(pa.Table.from_pandas(pdf.iloc[part], preserve_index=False),
                       os.path.join(directory, f"part-{i:03d}.parquet"), coerce_timestamps="us")
    return directory


def partition_sizes(df):
    return df.rdd.glom().map(len).collect()


def test_fit_reference_equals_profile_fit_of_all_rows(spark, doc, tmp_path):
    pdf = features_frame(24_000, 1)
    df = spark.read.parquet(write_parquet(pdf, str(tmp_path / "reference"), 6))
    assert len([s for s in partition_sizes(df) if s]) > 1
    single = Profile.fit(pdf[FEATURES])
    for bins in (10, 7):
        merged = doc.fit_reference(df, FEATURES, bins=bins)
        want = single if bins == 10 else Profile.fit(pdf[FEATURES], 7)
        assert set(merged.features) == set(FEATURES)
        assert merged.to_dict() == want.to_dict()  # every feature, every field
        assert merged.to_bytes() == want.to_bytes()


def test_fit_reference_with_empty_partitions(spark, doc, tmp_path):
    pdf = features_frame(6_000, 2)
    # hash partitioning on three regimes over eight partitions: at least five partitions are empty
    df = spark.read.parquet(write_parquet(pdf, str(tmp_path / "reference"), 2)).repartition(8, "regime")
    sizes = partition_sizes(df)
    assert len(sizes) == 8 and sizes.count(0) >= 5 and sum(sizes) == len(pdf)
    assert doc.fit_reference(df, FEATURES).to_bytes() == Profile.fit(pdf[FEATURES]).to_bytes()


def test_score_current_equals_single_process_report(spark, doc, tmp_path):
    ref, cur = features_frame(20_000, 3), features_frame(15_000, 4)
    cur["ret_1m"] += 0.001  # one standard deviation
    cur["spread_bps"] *= 1.8
    profile = doc.fit_reference(spark.read.parquet(write_parquet(ref, str(tmp_path / "ref"), 4)), FEATURES)
    current = spark.read.parquet(write_parquet(cur, str(tmp_path / "cur"), 5))
    assert len([s for s in partition_sizes(current) if s]) > 1
    reports = []
    for options in ({}, {"correction": "benjamini_hochberg"}, {"psi_threshold": 0.1, "alpha": 0.01}):
        want = profile.score(cur[FEATURES], **options)
        for score in (doc.score_current, doc.score_current_profiles):  # score states, the older exact path
            got = score(profile, current, **options)
            assert {f["name"]: f for f in got.features} == {f["name"]: f for f in want.features}, (score, options)
            assert (got.n_drifted, got.drift_share, got.dataset_drift) == (
                want.n_drifted, want.drift_share, want.dataset_drift), (score, options)
        reports.append(want)
    # not vacuous: some features drift and some do not, and the report sees every current row
    assert {f["drift"] for f in reports[0].features} == {True, False}
    assert all(f["n_current"] == len(cur) for f in reports[0].features)


def test_score_current_bounded_with_a_saved_scorer(spark, doc, tmp_path):
    """score_current_bounded: the compact scorer (kilobytes, no reference) broadcast, partitions scored from
    their Arrow tables — the KS intervals, PSI and JS of the single-process bounded state, bit for bit, and
    the exact KS inside each interval."""
    from tradewarden.drift import StateScorer

    ref, cur = features_frame(20_000, 5), features_frame(15_000, 6)
    cur["momentum"] += 0.3
    profile = Profile.fit(ref[FEATURES])
    StateScorer.from_profile(profile, 256).save(tmp_path / "reference-256.twsc")
    scorer = StateScorer.load(tmp_path / "reference-256.twsc")
    current = spark.read.parquet(write_parquet(cur, str(tmp_path / "cur"), 5))
    got = doc.score_current_bounded(scorer, current)
    want = profile.score_state(cur[FEATURES], cells=256).ks_bounds(profile)
    assert got == want
    exact = {f["name"]: f for f in profile.score(cur[FEATURES]).features}
    for b in got:
        assert b["statistic_lo"] <= exact[b["name"]]["ks"][0] <= b["statistic_hi"]
        assert b["psi"] == exact[b["name"]]["psi"]
    assert [b["name"] for b in got] == ["momentum", "ret_1m", "spread_bps"]


def test_returns_state_in_time_order_equals_the_single_series(spark, doc, tmp_path):
    rng = np.random.default_rng(5)
    n = 5_000
    r = rng.normal(0.0003, 0.012, n)
    ts = pd.date_range("2010-01-04", periods=n, freq="B", tz="UTC")
    pdf = pd.DataFrame({"ts": ts, "ret": r, "book": "main"})
    shuffled = pdf.sample(frac=1.0, random_state=1).reset_index(drop=True)  # orderBy must put them back
    df = spark.read.parquet(write_parquet(shuffled, str(tmp_path / "pnl"), 3))
    state = doc.returns_state(df, "ts", "ret", required_return=0.0005)
    assert isinstance(state, ReturnsState) and state.count == n
    # the job really merged several partitions' states
    plan = df.select("ts", "ret").orderBy("ts").rdd.getNumPartitions()
    assert plan > 1
    m = state.metrics(period="daily")
    want = {
        "sharpe_ratio": twr.sharpe_ratio(r),
        "sortino_ratio": twr.sortino_ratio(r, required_return=0.0005),
        "max_drawdown": twr.max_drawdown(r),
        "annual_return": twr.annual_return(r),
        "annual_volatility": twr.annual_volatility(r),
        "calmar_ratio": twr.calmar_ratio(r),
        "cum_return": twr.cum_returns_final(r),
        "mean": float(np.mean(r)),
        "std": float(np.std(r, ddof=1)),
    }
    for k, v in want.items():
        got = getattr(m, k)
        assert got == v or abs(got - v) <= 1e-12 * max(abs(v), 1e-12), (k, got, v)
    assert (m.best, m.worst) == (r.max(), r.min())
    # the order matters, so the check above can fail: the shuffled series has another drawdown
    assert not math.isclose(twr.max_drawdown(shuffled["ret"].to_numpy()), m.max_drawdown, rel_tol=1e-9)
