#!/usr/bin/env python3
"""The coverage table of docs/conformance.md: each capability × door (Rust, Python, C, CLI), with the number of
conformance cases that check it through every door that binds it.

  coverage.py render            print the table (markdown)
  coverage.py write             rewrite the generated part of docs/conformance.md
  coverage.py check             exit 1 when docs/conformance.md is stale or a door name does not exist

A door name is checked against the door itself: Rust `pub fn`/`pub struct` in the crates' sources, C
functions in bindings/c/include/tradewarden.h, Python names in tradewarden._native or the public modules
(when the wheel is importable: bindings/python/tests/test_conformance_functions.py), CLI subcommands in
crates/cli/src. The case counts come from tests/conformance/functions.json (and the guardrails scenario).
"""
import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DOC = ROOT / "docs" / "conformance.md"
BEGIN, END = "<!-- coverage:begin (tests/conformance/conformance_coverage.py write) -->", "<!-- coverage:end -->"

R = ["sharpe_ratio", "sortino_ratio", "max_drawdown", "annual_return", "annual_volatility", "calmar_ratio",
     "downside_risk"]
# (group, capability, rust, python, c, cli, conformance key, note) — None: not bound in that door.
ROWS = [(  # returns
    "returns", f"`{f}`", f"returns::{f}", f"_native.{f}", f"tw_returns_{f}", "report", f"returns.{f}",
    "CLI: checked through the summary cases")
    for f in R] + [
    ("returns", "one-pass summary", "returns::Summary", "_native.summary", "tw_returns_summary", "report",
     "returns.summary", "CLI: the `metrics` of `report --json`"),
    ("returns", "other empyrical metrics (VaR, CVaR, tail, omega, stability, beta, alpha, capture, …)",
     "returns::value_at_risk", "_native.value_at_risk", "tw_returns_summary", "report", None,
     "C: as fields of `tw_summary`"),
    ("returns", "mergeable `ReturnsState`", "returns::ReturnsState", "_native.ReturnsState", None, None, None,
     "research / batch: Rust and Python"),
    ("returns", "bootstrap CIs, PSR/DSR/MinTRL, PBO", "returns::bootstrap_ci", "_native.bootstrap_ci", None,
     "report", None, "research: Rust and Python (CLI: PSR and CIs in report.html)"),
    ("returns", "P&L attribution by symbol and regime", "attribution::by_symbol", "returns.attribution", None,
     "report", None, "CLI: by symbol, over the trade log (`report --trades`: ops_summary.json, report.html)"),
    ("returns", "operations summary (seven alerts)", "ops::OperationsSummary", "_native.operations_summary", None,
     "report", None, "Python = CLI document: test_report.py"),
    ("returns", "HTML report page (templates, SVG charts)", "report::render_html", "_native.html_report", None,
     "report", None, "Python = CLI report.html, same bytes: test_report_html.py"),
    ("drift", "`ks_2samp`", "ks::ks_2samp", "_native.ks_2samp", "tw_drift_ks_2samp", None, "drift.ks_2samp", ""),
    ("drift", "`jensenshannon`", "distance::jensenshannon", "_native.jensenshannon", "tw_drift_jensenshannon", None,
     "drift.jensenshannon", ""),
    ("drift", "`psi` of two samples", "psi::psi_of_samples", "_native.psi", "tw_drift_psi", None, "drift.psi", ""),
    ("drift", "Wasserstein, energy, CvM, Anderson, Mann–Whitney, χ²", "distance::wasserstein",
     "_native.wasserstein_distance", None, None, None, "research: scipy's own tests run on the Python door"),
    ("drift", "reference `Profile` (fit, save, load, PSI, KS)", "profile::Profile", "_native.Profile",
     "tw_profile_fit", "drift", None, ""),
    ("drift", "`DriftReport`", "report::DriftReport", "_native.Profile", "tw_report_compute", "drift", None, ""),
    ("drift", "mergeable score states (`ScoreState`: compute, merge, bytes, report; TWSS file)", "state::ScoreState",
     "_native.ScoreState", "tw_score_state_compute", "drift state", None,
     "merged report = `DriftReport` bit for bit (Rust proptest, Python, C); CLI: `drift state`, "
     "`drift report --states` (= `--current` on all rows: crates/cli/tests/drift_states.rs)"),
    ("drift", "`LiveMonitor` (PSI, JS, KS on the profile's bins; detections = transitions into drift)",
     "monitor::LiveMonitor", "_native.LiveMonitor", "tw_monitor_new", None, None, "C: PSI fields only"),
    ("drift", "chunked drift (by size / count / period; never on the reference rows)", "chunk::chunked_drift",
     "drift.chunked_drift", None, "drift chunks", None,
     "CLI chunk = `drift report` on the scored rows: crates/cli/tests/drift_chunks.rs; CLI: size and count only"),
    ("drift", "KL divergence, Hellinger distance, two-proportion z-test", "distance::kl_divergence", None, None,
     None, None, "Rust only (peer values: crates/drift/tests/peer_divergences.rs)"),
    ("drift", "scale-out: Dask (fit, score states, returns states), Spark `mapInArrow`", "state::StateScorer",
     "dask.score", None, None, None, "Python: test_dask.py, test_dask_returns.py, tests_spark (in the test command)"),
    ("guardrails", "`Session` (pre-trade checks, state, kill switch, journal)", "session::Session",
     "_native.Engine", "tw_engine_check_order", "guard", "guardrails_session", "scenario file, every door"),
    ("guardrails", "journal verify", "journal::verify", "_native.verify_journal", "tw_journal_verify", "guard", None,
     ""),
    ("guardrails", "exposure metrics of a trade log", "exposure::exposure_metrics", "_native.exposure_metrics",
     None, "report", None, "CLI: `report --trades`"),
    ("guardrails", "period limits (warning → REDUCING, critical → HALTED)", "period::evaluate",
     "_native.period_evaluate", "tw_engine_evaluate_period", None, None,
     "Python: stateless `evaluate_period(policy, …)` and latching `Engine.evaluate_period`; C: through the engine"),
    ("guardrails", "exposure policy (clip / warn)", "exposure::apply_policy", "_native.exposure_apply_policy", None,
     "demo", None, "CLI: applied by the demo"),
    ("guardrails", "approvals (journaled)", "session::record_approval", "_native.Engine", "tw_journal_record_approval",
     None, None, "Python: `Engine.record_approval`"),
    ("guardrails", "canary ladder", "canary::CanaryMachine", "_native.CanaryMachine", None, "canary", None, ""),
    ("guardrails", "promotion gates", "promotion::evaluate_promotion", "_native.promotion_gates", None, "promote", None,
     ""),
    ("inference", "`Predictor` (load, predict, hot swap)", "predictor::Predictor", "_native.Predictor",
     "tw_predictor_predict", "demo", None, ""),
    ("inference", "window models (GRU, Transformer encoder)", "sequence::GruModel", "_native.Model",
     "tw_predictor_load_burnpack", None, None, "from burnpack or PyTorch safetensors (`nn.GRU`, `nn.TransformerEncoder` keys); C registers them "
     "(`tw_registry_register_safetensors` / `_burnpack`)"),
    ("inference", "safetensors import (F32/F16/BF16/F64, `nn.Sequential` keys)", "model::load_safetensors",
     "_native.Model", "tw_predictor_load_safetensors", None, None, "fixtures generated by torch 2.5.1 (crates/inference/tests/fixtures/torch), checked to 1e-5 in Rust, "
     "Python and C"),
    ("inference", "signed manifests (ed25519)", "registry::register_signed", "inference.public_key",
     "tw_registry_sign", "registry", None, ""),
    ("inference", "GPU backend (wgpu)", "device::wgpu_device", None, None, None, None,
     "Rust feature `wgpu`, tested on llvmpipe; the wheel and libtradewarden are CPU builds"),
    ("guardrails", "drift guard and rollback", "rollback::execute_rollback", "guardrails.drift_guard", None,
     "rollback", None, ""),
    ("inference", "model registry (register, promote, rollback, verify)", "registry::Registry",
     "_native.ModelRegistry", "tw_registry_open", "registry", None, ""),
    ("inference", "market regime classifier", "regime::classify", "_native.regime_classify", None, None, None,
     "ml-trading-bot's rules"),
    ("inference", "prediction sanity guard", "guard::SanityGuard", "_native.sanity_guard_check", None, None, None,
     "ml-trading-bot's 12 % / 6 % rule"),
    ("telemetry", "recovery tracker (`recovery_*` gauges)", "recovery::RecoveryTracker", "_native.RecoveryTracker",
     None, None, None, "Trading-graph's record_operation"),
    ("telemetry", "trading gauges (Autotrader `trading_*`, Quant Bot risk ratios)", "handles::TradingMetrics",
     "_native.TradingMetrics", None, "demo", None, "CLI: set by the demo"),
    ("telemetry", "ml-trading-bot gauges (regime one-hot, prediction quality, predictions)", "handles::MlBotMetrics",
     "_native.MlBotMetrics", None, None, None, ""),
    ("telemetry", "Prometheus exporter (install, render)", "exporter::Exporter", "_native.telemetry_install",
     "tw_metrics_install", "serve-metrics", None, ""),
]


def cases():
    doc = json.loads((HERE / "functions.json").read_text())
    n = {}
    for c in doc["cases"]:
        n[c["fn"]] = n.get(c["fn"], 0) + 1
    session = json.loads((HERE / "guardrails_session.json").read_text())
    n["guardrails_session"] = len(session.get("steps", [])) or 1
    return n


def python_exists(name, native_names):
    """`_native.X`: X among `native_names`; `module.X`: attribute X of the public module tradewarden.module."""
    mod, attr = name.split(".", 1)
    if mod == "_native":
        return attr in native_names
    import importlib

    try:
        return hasattr(importlib.import_module(f"tradewarden.{mod}"), attr)
    except ImportError:
        return False


def missing_names(python_names=None):
    """Door names that do not exist in their door (Python only when `python_names` is given)."""
    header = (ROOT / "bindings/c/include/tradewarden.h").read_text()
    rust = "\n".join(p.read_text() for d in ("crates", "src") for p in (ROOT / d).rglob("*.rs")
                     if "/tests/" not in str(p))
    cli = "\n".join(p.read_text() for p in (ROOT / "crates/cli/src").rglob("*.rs"))
    bad = []
    for group, cap, r, py, c, cl, key, note in ROWS:
        item = r.split("::")[-1]
        if not re.search(rf"pub (fn|struct|enum) {re.escape(item)}\b", rust):
            bad.append(f"rust {r}")
        if c and not re.search(rf"\b{re.escape(c)}\(", header):
            bad.append(f"c {c}")
        for word in (cl or "").split():  # "drift state": the subcommand and its sub-subcommand
            variant = "".join(p.title() for p in word.split("-"))
            if not re.search(rf"\b{variant}\b", cli):
                bad.append(f"cli {cl}")
        if py and python_names is not None and not python_exists(py, python_names):
            bad.append(f"python {py}")
    return bad


def render():
    n = cases()
    lines = ["| area | capability | Rust | Python | C | CLI | conformance cases | note |",
             "|---|---|---|---|---|---|---|---|"]
    code = lambda x: f"`{x}`" if x else "—"  # noqa: E731
    for group, cap, r, py, c, cl, key, note in ROWS:
        k = n.get(key, 0) if key else 0
        cell = f"{k}" if k else "—"
        lines.append(f"| {group} | {cap} | {code(r)} | {code(py)} | {code(c)} | {code(cl)} | {cell} | {note} |")
    return "\n".join(lines)


def spliced():
    text = DOC.read_text()
    a, b = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[:a] + "\n" + render() + "\n" + text[b:]


def main(argv):
    cmd = argv[1] if len(argv) > 1 else "render"
    if cmd == "render":
        print(render())
        return 0
    if cmd == "write":
        DOC.write_text(spliced())
        return 0
    if cmd == "check":
        bad = missing_names()
        if DOC.read_text() != spliced():
            bad.append("docs/conformance.md is stale: python3 tests/conformance/conformance_coverage.py write")
        for b in bad:
            print("coverage:", b, file=sys.stderr)
        return 1 if bad else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
