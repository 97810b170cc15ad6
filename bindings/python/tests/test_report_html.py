"""tradewarden.report.html_report: the library's report page from Python — the same bytes as the CLI's
report.html for the same input, user text escaped, typed errors."""

import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tradewarden as tw
from tradewarden.report import html_report

T2_TRADES = {
    "timestamp": [1, 2, 3, 4, 5],
    "symbol": ["AAA", "AAA", "BBB", "BBB", "<script>x</script>"],
    "position": [100.0, -80.0, 120.0, -90.0, 140.0],
    "price": [10.0, 10.5, 9.5, 9.8, 10.2],
    "pnl": [200.0, -260.0, 150.0, -220.0, 175.0],
}


def _series(n, seed=11):
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2023-01-02", periods=n)
    return dates, 0.0004 + 0.01 * rng.standard_normal(n)


@pytest.fixture(scope="module")
def cli():
    """The `tradewarden` binary of this checkout (built; a no-op after `cargo test`), never one from PATH."""
    root = Path(__file__).resolve().parents[3]
    build = subprocess.run(["cargo", "build", "-q", "--locked", "-p", "tradewarden-cli", "--message-format=json"],
                           cwd=root, check=True, capture_output=True, text=True).stdout
    exes = [m["executable"] for m in map(json.loads, build.splitlines())
            if m.get("reason") == "compiler-artifact" and m.get("executable")
            and m["target"]["name"] == "tradewarden"]
    assert len(exes) == 1, build[-2000:]
    return exes[0]


def _cli_page(exe, out, *args):
    subprocess.run([exe, "report", *map(str, args), "--out", str(out)], check=True, capture_output=True)
    return (out / "report.html").read_text(encoding="utf-8")


def test_dated_series_with_benchmark_and_thresholds_same_bytes_as_the_cli(cli, tmp_path):
    dates, r = _series(300)
    b = r * 0.5 + 0.0001
    rp, bp, th = tmp_path / "r.csv", tmp_path / "b.csv", tmp_path / "th.json"
    pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "ret": [repr(float(x)) for x in r]}).to_csv(rp, index=False)
    pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "bench": [repr(float(x)) for x in b]}).to_csv(bp, index=False)
    th.write_text(json.dumps({"min_sharpe": 100.0}))
    page = _cli_page(cli, tmp_path / "out", "--returns", rp, "--benchmark", bp, "--thresholds", th)
    py = html_report(r, b, dates=dates, date_column="date", name="r.csv", benchmark_name="b.csv",
                     thresholds={"min_sharpe": 100.0})
    assert py == page
    assert page.count('<svg class="chart"') == 5 and "<li>Sharpe ratio" in page
    # a Series with a DatetimeIndex brings its dates
    assert html_report(pd.Series(r, index=dates), b, name="r.csv", benchmark_name="b.csv",
                       thresholds={"min_sharpe": 100.0}) == page


def test_no_dates_same_bytes_as_the_cli_and_the_reason_is_shown(cli, tmp_path):
    _, r = _series(200, seed=5)
    rp = tmp_path / "nodates.csv"
    rp.write_text("ret\n" + "\n".join(repr(float(x)) for x in r) + "\n")
    page = _cli_page(cli, tmp_path / "out", "--returns", rp, "--period", "weekly", "--risk-free", "0.0001")
    py = html_report(r, name="nodates.csv", missing_dates="no date or timestamp column in nodates.csv",
                     period="weekly", risk_free=0.0001)
    assert py == page
    assert "Monthly returns heatmap omitted: no date or timestamp column in nodates.csv" in page
    assert "No alert triggered (no thresholds given)." in page


def test_trade_log_attribution_same_bytes_as_the_cli_and_symbols_escaped(cli, tmp_path):
    r = np.array([0.02, -0.03, 0.015, -0.025, 0.01])
    rp, tp = tmp_path / "r.csv", tmp_path / "t.csv"
    rp.write_text("ret\n" + "\n".join(repr(float(x)) for x in r) + "\n")
    pd.DataFrame(T2_TRADES).to_csv(tp, index=False)
    page = _cli_page(cli, tmp_path / "out", "--returns", rp, "--trades", tp, "--capital", "1000")
    py = html_report(r, name="r.csv", missing_dates="no date or timestamp column in r.csv", trades=T2_TRADES,
                     capital=1000)
    assert py == page
    assert "<td>&lt;script&gt;x&lt;/script&gt;</td>" in page
    assert page.count("<script>") == 1  # the page's own self-check only


def test_names_reaching_the_page_are_escaped():
    dates, r = _series(80)
    page = html_report(r, dates=dates, date_column="<b>d</b>", name="<script>alert(1)</script>",
                       benchmark=r * 0.1, benchmark_name='x"><img src=y>')
    assert page.count("<script>") == 1
    assert "<img" not in page and "<b>d</b>" not in page
    assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in page
    assert "<code>x&quot;&gt;&lt;img src=y&gt;</code>" in page


def test_typed_errors_name_the_parameter():
    dates, r = _series(50)
    with pytest.raises(tw.InvalidInputError, match="dates"):
        html_report(r, dates=dates[:-1])
    with pytest.raises(tw.InvalidInputError, match="benchmark"):
        html_report(r, r[:-1])
    with pytest.raises(tw.InvalidInputError, match="dates"):
        html_report(r, dates=np.arange(50.0))
    with pytest.raises(tw.InvalidConfigError, match="max_drawdown"):
        html_report(r, thresholds={"max_drawdown": 2.0})
    with pytest.raises(tw.InvalidInputError, match="period"):
        html_report(r, period="fortnightly")


JOURNAL_LINES = [
    '{"seq":1,"ts":1700000000.5,"kind":"decision","symbol":"AAA","side":"buy","quantity":1.0,'
    '"decision":{"decision":"allow"}}',
    '{"seq":2,"ts":1700000001.0,"kind":"transition","from":"ACTIVE","to":"HALTED",'
    '"reason":"loss > <b>limit</b>","actor":"\\"ops\\""}',
    '{"seq":3,"ts":1700000002.0,"kind":"violation","rule":"<script>r</script>","value":0.031,"threshold":0.02}',
    "not a journal line",
]


def test_drift_and_journal_sections_same_bytes_as_the_cli_and_escaped(cli, tmp_path):
    from tradewarden.drift import DriftReport

    dates, r = _series(120)
    rp = tmp_path / "r.csv"
    pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "ret": [repr(float(x)) for x in r]}).to_csv(rp, index=False)
    x = np.arange(300) % 17 * 1.0
    hostile = "<img src=x onerror=alert(1)>"
    report = DriftReport.compute({hostile: x, "calm": x}, {hostile: x + 9.0, "calm": x})
    assert report.n_drifted == 1
    dp = tmp_path / "drift.json"
    dp.write_text(json.dumps(report.to_dict()))
    jd = tmp_path / "journal"
    jd.mkdir()
    (jd / "journal.jsonl").write_text("\n".join(JOURNAL_LINES) + "\n")
    page = _cli_page(cli, tmp_path / "out", "--returns", rp, "--drift-report", dp, "--journal", jd)
    py = html_report(r, dates=dates, name="r.csv", drift=report, journal=jd)
    assert py == page
    assert html_report(r, dates=dates, name="r.csv", drift=report.to_dict(), journal=str(jd)) == page
    assert page.count("<script>") == 1 and "<img" not in page and "<b>limit" not in page
    assert "<tr><td>&lt;img src=x onerror=alert(1)&gt;</td><td>ks</td>" in page
    assert "1 unreadable journal line(s) skipped." in page
    assert "<td>violation</td><td>&lt;script&gt;r&lt;/script&gt;: 0.0310 (limit 0.0200)</td>" in page
    # without them: the plain page, no section
    plain = html_report(r, dates=dates, name="r.csv")
    assert "<h2>Drift</h2>" not in plain and "<h2>Guardrail events</h2>" not in plain
    # a forged drift report and a missing journal directory: typed errors
    forged = report.to_dict()
    forged["n_drifted"] = 0
    with pytest.raises(tw.CorruptError, match="n_drifted"):
        html_report(r, drift=forged)
    with pytest.raises(tw.IoError, match="no-such-dir"):
        html_report(r, journal=tmp_path / "no-such-dir")
    with pytest.raises(tw.InvalidInputError, match="drift"):
        html_report(r, drift=[1, 2])
