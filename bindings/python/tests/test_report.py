"""tradewarden.report.operations_summary: the library's operations summary from Python — the seed's check T2
(all seven alerts), the same document as `tradewarden report`, typed errors."""

import json
import subprocess

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import tradewarden as tw
from tradewarden.report import operations_summary

T2_RETURNS = np.array([0.02, -0.03, 0.015, -0.025, 0.01])
T2_TRADES = {
    "timestamp": [1, 2, 3, 4, 5],
    "symbol": ["AAA", "AAA", "BBB", "BBB", "BBB"],
    "position": [100.0, -80.0, 120.0, -90.0, 140.0],
    "price": [10.0, 10.5, 9.5, 9.8, 10.2],
    "pnl": [200.0, -260.0, 150.0, -220.0, 175.0],
}
T2_THRESHOLDS = {"min_sharpe": 1.5, "max_drawdown": 0.01, "max_gross_exposure": 0.4, "max_turnover": 0.05,
                 "min_tail_return": -150, "max_tail_frequency": 0.1, "max_symbol_exposure": 0.5}


@pytest.mark.parametrize("kind", ["dict", "pandas", "arrow"])
def test_seed_t2_all_seven_alerts(kind):
    trades = {"dict": T2_TRADES, "pandas": pd.DataFrame(T2_TRADES), "arrow": pa.table(T2_TRADES)}[kind]
    doc = operations_summary(T2_RETURNS, trades=trades, capital=1000, thresholds=T2_THRESHOLDS)
    g = doc["guardrails"]
    assert g["gross_exposure_peak"] == pytest.approx(1.428, abs=1e-12)
    assert g["turnover_rate"] == pytest.approx(1.6304, abs=1e-12)
    assert g["tail_return_quantile"] == pytest.approx(-252.0, abs=1e-9)
    assert g["tail_event_frequency"] == pytest.approx(0.2, abs=1e-12)
    assert g["max_symbol_exposure"] == pytest.approx(1.428, abs=1e-12)
    assert [t.split()[0] for t in doc["triggered"]] == ["Sharpe", "Max", "Gross", "Turnover", "Tail", "Tail",
                                                         "Symbol"]
    assert doc["triggered"][2] == "Gross exposure peak 1.428 exceeded limit 0.400"
    # the risk section is the one-pass summary's
    s = tw.returns.summary(T2_RETURNS)
    assert doc["risk"]["sharpe"] == s["sharpe_ratio"]
    assert doc["risk"]["max_drawdown"] == s["max_drawdown"]


def test_no_trades_no_guardrails_and_exposure_thresholds_refused():
    doc = operations_summary(T2_RETURNS, thresholds={"min_tail_return": -0.01})
    assert "guardrails" not in doc
    assert len(doc["triggered"]) == 1 and doc["triggered"][0].startswith("Tail return -0.0")
    with pytest.raises(tw.InvalidInputError, match="trades"):
        operations_summary(T2_RETURNS, thresholds={"max_turnover": 0.05})


@pytest.mark.parametrize("bad, name", [({"max_drawdown": 2.0}, "max_drawdown"),
                                       ({"max_tail_frequency": -1}, "max_tail_frequency"),
                                       ({"min_tail_return": 0.5}, "min_tail_return")])
def test_bad_thresholds_are_named(bad, name):
    # thresholds are configuration: the crate's validator names every bad field
    with pytest.raises(tw.InvalidConfigError, match=name):
        operations_summary(T2_RETURNS, thresholds=bad)


def test_unknown_threshold_and_wrong_types_are_typed():
    with pytest.raises(tw.InvalidConfigError, match="max_net_exposure"):
        operations_summary(T2_RETURNS, thresholds={"max_net_exposure": 1.0})
    with pytest.raises(tw.InvalidInputError, match="thresholds"):
        operations_summary(T2_RETURNS, thresholds=[1.0])
    with pytest.raises(tw.InvalidInputError, match="min_sharpe"):
        operations_summary(T2_RETURNS, thresholds={"min_sharpe": "high"})
    with pytest.raises(tw.InvalidInputError, match="capital"):
        operations_summary(T2_RETURNS, trades=T2_TRADES, capital=0.0)
    with pytest.raises(tw.InvalidInputError, match="trades"):
        operations_summary(T2_RETURNS, trades=[1, 2, 3])
    with pytest.raises(tw.TradewardenError, match="pnl"):
        operations_summary(T2_RETURNS, trades={k: v for k, v in T2_TRADES.items() if k != "pnl"})


def test_same_document_as_the_cli(tmp_path):
    """One answer through two doors: the CLI's ops_summary.json equals the Python document."""
    from pathlib import Path

    # the binary of this checkout, built (a no-op after `cargo test`), never a stale one from PATH
    root = Path(__file__).resolve().parents[3]
    build = subprocess.run(["cargo", "build", "-q", "--locked", "-p", "tradewarden-cli", "--message-format=json"],
                           cwd=root, check=True, capture_output=True, text=True).stdout
    exes = [m["executable"] for m in map(json.loads, build.splitlines())
            if m.get("reason") == "compiler-artifact" and m.get("executable")
            and m["target"]["name"] == "tradewarden"]
    assert len(exes) == 1, build[-2000:]
    exe = exes[0]
    r = tmp_path / "r.csv"
    r.write_text("ret\n" + "\n".join(repr(float(x)) for x in T2_RETURNS) + "\n")
    t = tmp_path / "t.csv"
    pd.DataFrame(T2_TRADES).to_csv(t, index=False)
    th = tmp_path / "th.json"
    th.write_text(json.dumps(T2_THRESHOLDS))
    out = subprocess.run([exe, "report", "--returns", str(r), "--trades", str(t), "--capital", "1000",
                          "--thresholds", str(th), "--nan-policy", "skip", "--out", str(tmp_path / "out"),
                          "--json"], check=True, capture_output=True, text=True).stdout
    cli = json.loads(out)
    py = operations_summary(T2_RETURNS, trades=T2_TRADES, capital=1000, thresholds=T2_THRESHOLDS)
    assert cli == py
