#!/usr/bin/env python3
"""The coverage table of docs/conformance.md: each capability × door (Rust, Python, C, CLI), with the number of
conformance cases that check it through every door that binds it.

  coverage.py render            print the table (markdown)
  coverage.py write             rewrite the generated part of docs/conformance.md
  coverage.py check             exit 1 when docs/conformance.md is stale or a door name does not exist

A door name is checked against the door itself: Rust `pub fn`/`pub struct` in the crates' sources, C
functions in bindings/c/include/tradewarden.h, Python names in tradewarden._native or the public modules
(when the wheel is importable: bindings/python/tests/test_conformance_functions.py), CLI subcommands in
crates/cli/src. The case counts come from every case file tests/conformance/*.json (`cases()`).
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
# (group, capability, rust, python, c, cli, conformance key, note) — None: not bound in that door (Rust None: the
# capability is composed in the CLI, no library function). One row per capability of the mission (DESIGN.md's five
# areas and the seed inventory, ../shared/reference/seed-behaviour.md); a capability whose doors differ is split.
ROWS = [(  # returns
    "returns", f"`{f}`", f"returns::{f}", f"_native.{f}", f"tw_returns_{f}", "report", f"returns.{f}",
    "CLI: checked through the summary cases")
    for f in R] + [
    ("returns", "one-pass summary", "returns::Summary", "_native.summary", "tw_returns_summary", "report",
     "returns.summary", "CLI: the `metrics` of `report --json`"),
    ("returns", "other empyrical metrics (VaR, CVaR, tail, omega, stability, beta, alpha, capture, …)",
     "returns::value_at_risk", "_native.value_at_risk", "tw_returns_summary", "report", "returns.other_metrics",
     "VaR, CVaR, tail, Omega, stability, skew, kurtosis, win rate, profit factor, ulcer, beta, alpha, up/down "
     "capture; C: as fields of `tw_summary` (historical VaR/CVaR at 0.05, Omega at 0; no capture); CLI: through "
     "the summary cases"),
    ("returns", "explicit conventions (annualisation, risk-free, ddof, NaN policy)", "returns::ReturnsOptions",
     "returns.sharpe_ratio", "tw_returns_sharpe_ratio", "report", "returns.conventions",
     "the seeds' five Sharpe conventions as parameters (C: `tw_returns_options`; CLI: `report` flags); cases through "
     "`_native` (strict; `returns.*` is the empyrical-compatible wrapper): the period by name (Rust, Python) = its "
     "number (C), risk-free, required return, NaN policies, bad options; ddof is Rust-only (1 in Python and C)"),
    ("returns", "mergeable `ReturnsState`", "returns::ReturnsState", "_native.ReturnsState", None, None,
     "returns.state", "research / batch: Rust and Python; merged parts, the whole, and the bytes the Rust runner "
     "wrote (`expect.text`) read by Python, whose own bytes must be the same"),
    ("returns", "bootstrap confidence intervals (every metric)", "returns::bootstrap_ci", "returns.bootstrap_ci", None,
     "report", "returns.bootstrap", "CLI: CIs in report.html (covered by the page's sha256); cases through "
     "`_native.bootstrap_ci`"),
    ("returns", "probabilistic Sharpe ratio", "returns::probabilistic_sharpe_ratio",
     "returns.probabilistic_sharpe_ratio", None, "report", "returns.psr", "CLI: PSR in report.html; cases through "
     "`_native`"),
    ("returns", "deflated Sharpe ratio", "returns::deflated_sharpe_ratio", "returns.deflated_sharpe_ratio", None,
     None, "returns.dsr", "needs the trials' Sharpe ratios: Rust and Python (cases through `_native`)"),
    ("returns", "minimum track record length", "returns::min_track_record_length",
     "returns.min_track_record_length", None, None, "returns.min_trl", "Rust and Python (cases through `_native`)"),
    ("returns", "probability of backtest overfitting (CSCV)", "returns::pbo",
     "returns.probability_of_backtest_overfitting", None, None, "returns.pbo",
     "Rust and Python (a returns matrix): the file writes T x N row by row; Python reads it C- and Fortran-ordered "
     "and through `promotion_gates`, Rust through `pbo` and `evaluate_promotion`: one PBO (the issue's bug)"),
    ("returns", "P&L attribution by symbol and regime", "attribution::by_symbol", "returns.attribution", None,
     "report", "returns.attribution", "CLI: by symbol, over the trade log (`report --trades`: ops_summary.json, "
     "report.html); cases: by symbol (`_native.attribution_by_symbol`), not by regime"),
    ("returns", "operations summary (seven alerts)", "ops::OperationsSummary", "_native.operations_summary", None,
     "report", "returns.operations_summary", "Python document = Rust document (the seven alerts with a trade log); "
     "Python = CLI document: test_report.py"),
    ("returns", "HTML report page (templates, SVG charts)", "report::html_report", "_native.html_report", None,
     "report", "returns.html_report", "Python page = Rust page (sha256 in the case file); "
     "one library call per door (summary + page; drift and guardrail-events sections from "
     "`--drift-report`/`--journal`, Python `drift=`/`journal=`); Python = CLI report.html, same bytes: "
     "test_report_html.py; no C door yet"),
    ("returns", "demo report page (templates: metrics, drift, guardrail tables; SVG charts)", "demo::render_demo",
     None, None, "demo", None, "CLI: the demo's report.html (60-html.sh renders it)"),
    ("drift", "`ks_2samp`", "ks::ks_2samp", "_native.ks_2samp", "tw_drift_ks_2samp", None, "drift.ks_2samp", ""),
    ("drift", "`jensenshannon`", "distance::jensenshannon", "_native.jensenshannon", "tw_drift_jensenshannon", None,
     "drift.jensenshannon", ""),
    ("drift", "`psi` of two samples", "psi::psi_of_samples", "_native.psi", "tw_drift_psi", None, "drift.psi", ""),
    ("drift", "Wasserstein, energy, CvM, Anderson, Mann–Whitney, χ²", "distance::wasserstein",
     "_native.wasserstein_distance", None, None, "drift.distances",
     "research: scipy's own tests run on the Python door; cases: drift_cases.json (`drift.distances`: the six "
     "through `_native`)"),
    ("drift", "KL divergence, Hellinger distance, two-proportion z-test", "distance::kl_divergence", None, None,
     None, None, "Rust only (peer values: crates/drift/tests/peer_divergences.rs)"),
    ("drift", "reference `Profile` (fit, PSI, KS against the frozen bins)", "profile::Profile", "_native.Profile",
     "tw_profile_fit", "drift profile", "drift.profile",
     "Python: PSI and KS of the native `Profile` through its report (`score`); C: `tw_profile_psi` / `tw_profile_ks`"),
    ("drift", "persisted profiles (binary + JSON, checksummed, fail closed)", "profile::Profile",
     "drift.Profile", "tw_profile_save", "drift profile", "drift.profile_persisted",
     "C: `tw_profile_save` / `tw_profile_load`; CLI: `drift profile fit/show` (format by content); cases: every "
     "door saves the bytes the file holds (C: binary only; Python: `_native.Profile`, which `drift.Profile` wraps) "
     "and loads them (both forms; corrupted → `Corrupt`)"),
    ("drift", "per-feature `DriftReport`", "report::DriftReport", "_native.Profile", "tw_report_compute",
     "drift report", "drift.report",
     "the same JSON document from each door (categorical columns: Rust and Python — C takes numeric columns)"),
    ("drift", "mergeable score states (`ScoreState`: compute, merge, bytes, report; TWSS file)", "state::ScoreState",
     "_native.ScoreState", "tw_score_state_compute", "drift state", "drift.score_state",
     "merged report = `DriftReport` bit for bit (Rust proptest, Python, C); CLI: `drift state`, "
     "`drift report --states` (= `--current` on all rows: crates/cli/tests/drift_states.rs)"),
    ("drift", "`LiveMonitor` (PSI, JS, KS on the profile's bins; detections = transitions into drift)",
     "monitor::LiveMonitor", "_native.LiveMonitor", "tw_monitor_score_all", None, "drift.monitor",
     "C: `tw_monitor_score` (PSI) and `tw_monitor_score_all` (PSI, JS, KS; test_reach.c); CLI: none (a "
     "long-running monitor is a library object)"),
    ("drift", "chunked drift (by size / count / period; never on the reference rows)", "chunk::chunked_drift",
     "drift.chunked_drift", None, "drift chunks", "drift.chunked_drift",
     "CLI chunk = `drift report` on the scored rows (by `--size`, `--count` or `--period` of the time column): "
     "crates/cli/tests/drift_chunks.rs; cases through the native door (`_native.Profile.chunked_drift`)"),
    ("drift", "prediction-quality drift (MAE, MAPE, directional accuracy)", "quality::prediction_quality",
     "drift.prediction_quality", None, None, "drift.prediction_quality",
     "Rust and Python (cases through `_native.prediction_quality`, the aligned-arrays path)"),
    ("drift", "bounded states' KS intervals and the compact scorer (TWSC: profile without reference + K-point "
     "grids)", "state::StateScorer", "drift.StateScorer", "tw_state_scorer_ks_bounds", None, "drift.scorer",
     "intervals from the saved scorer = against the full profile, bit for bit (Rust proptest, Python, C "
     "test_score_state.c); C also `tw_score_state_ks_bounds`; CLI: `drift report --states` refuses bounded states; "
     "cases through `_native.StateScorer` (which `drift.StateScorer` wraps)"),
    ("drift", "scale-out: Dask (fit, score states, returns states), Spark `mapInArrow`", "state::StateScorer",
     "dask.score", None, None, "drift.scale_out", "cases: Rust `StateScorer` vs `dask.score` (synchronous scheduler), same bits; Python: test_dask.py, test_dask_returns.py, tests_spark (in the test command; "
     "Dask and Spark take the saved scorer)"),
    ("guardrails", "per-order pre-trade checks (notional, price band, position, leverage)", "engine::check_order",
     "_native.Engine", "tw_engine_check_order", "demo", "guardrails_session",
     "scenario file, every door (CLI: the demo's orders)"),
    ("guardrails", "latched circuit breaker (ACTIVE → REDUCING → HALTED, named reset)", "state::StateStore",
     "guardrails.Engine", "tw_engine_reset", "guard reset", "guardrails_session", "scenario file, every door"),
    ("guardrails", "kill switch (`KILL_SWITCH` file, other processes' kills seen)", "state::KillSwitch",
     "guardrails.Engine", "tw_engine_kill", "guard kill", "guardrails_session",
     "Python: `Engine.kill`; C test: another engine's kill reaches `check_order`"),
    ("guardrails", "state persistence across restarts (state, high-water mark, overrides)", "session::Session",
     "guardrails.Engine", "tw_engine_new_from_policy_file", "guard status", "guardrails_persistence",
     "guardrails_doors.json: state, high-water mark, overrides and kill written by one door, reopened by another "
     "(46-conformance-guardrails.sh, six door pairs); a missing or corrupt state file is HALTED, a corrupt "
     "overrides/high-water-mark file `Corrupt`, in every door; CLI: `guard status --json` on the directories the "
     "Python door left (state, overrides, exit 5 unless ACTIVE)"),
    ("guardrails", "audit journal (hash-chained; verify, tail, stats)", "journal::Journal",
     "_native.verify_journal", "tw_journal_verify", "guard journal", "guardrails_journal",
     "guardrails_doors.json: a journal written by one door verified and read by the others; edited, deleted, "
     "swapped, unreadable records `Corrupt` in every door (Rust/Python: a report with a problem; C: the status); "
     "a torn last line counted, not fatal (the next open appends a `repair` record); stats and tail are Rust "
     "(`journal::journal_stats`) and CLI (`guard journal`) only: no cases; CLI: `guard journal verify --json` on "
     "the directories the Python door left"),
    ("guardrails", "period limits, latching (warning → REDUCING, critical → HALTED)", "session::Session",
     "guardrails.Engine", "tw_engine_evaluate_period", None, "guardrails_period_latching",
     "guardrails_doors.json; Python: `Engine.evaluate_period`; C: through the engine; the tracked high-water "
     "mark survives a restart into another door"),
    ("guardrails", "period limits, stateless evaluation", "period::evaluate", "_native.period_evaluate",
     "tw_period_evaluate", "guard period", "guardrails_period_stateless",
     "guardrails_doors.json (Python through `guardrails.evaluate_period`); CLI `guard period --json`: the "
     "cases without NaN/±inf inputs (its observation is JSON text), run by the Python runner"),
    ("guardrails", "size override and learning freeze (persisted, journaled)", "session::Session",
     "guardrails.Engine", "tw_engine_set_size_override", "guard size-override", "guardrails_overrides",
     "guardrails_doors.json; also `tw_engine_set_learning_frozen`, `guard freeze-learning`"),
    ("guardrails", "exposure metrics of a trade log", "exposure::exposure_metrics", "_native.exposure_metrics",
     None, "report", "guardrails_exposure_metrics", "guardrails_functions.json (Rust, Python); CLI: `report --trades`"),
    ("guardrails", "exposure policy (clip / warn)", "exposure::apply_policy", "_native.exposure_apply_policy", None,
     "demo", "guardrails_exposure_policy", "guardrails_functions.json (Rust, Python); CLI: applied by the demo"),
    ("guardrails", "approvals (journaled)", "session::record_approval", "_native.Engine", "tw_journal_record_approval",
     None, "guardrails_approvals", "guardrails_doors.json; Python: `Engine.record_approval`; C: the journal's "
     "`tw_journal_record_approval` (the runner closes the engine of that directory around it: one writer)"),
    ("guardrails", "canary ladder", "canary::CanaryMachine", "_native.CanaryMachine", None, "canary", "guardrails_canary",
     "guardrails_functions.json (Rust, Python: `guardrails.CanaryMachine`); every door evaluates through "
     "`try_evaluate`: a NaN or negative drawdown is `InvalidInput` (CLI too)"),
    ("guardrails", "promotion gates", "promotion::evaluate_promotion", "_native.promotion_gates", None, "promote",
     "guardrails_promotion_gates", "guardrails_functions.json (Python: `guardrails.promotion_gates`): a "
     "row-major strategy matrix gives the gate the PBO of `returns::pbo` / "
     "`returns.probability_of_backtest_overfitting` in both doors (issue #18's bug)"),
    ("guardrails", "drift guard and rollback plan", "rollback::execute_rollback", "guardrails.drift_guard", None,
     "rollback", "guardrails_drift_guard_rollback",
     "guardrails_functions.json (Rust, Python: `drift_guard`, `Engine.execute_rollback`)"),
    ("inference", "`Predictor` (load, predict)", "predictor::Predictor", "_native.Predictor",
     "tw_predictor_predict", "demo", "inference.predictor", "cases: tests/conformance/inference_predictor.json "
     "(Rust, Python `_native.Predictor`, C); CLI: none"),
    ("inference", "hot swap (predictions in flight finish on the old model)", "predictor::swap",
     "inference.Predictor", "tw_predictor_swap", None, "inference.hot_swap",
     "C: also `tw_registry_swap_active`; CLI: none (a swap is inside a serving process)"),
    ("inference", "window models (GRU, Transformer encoder)", "sequence::GruModel", "_native.Model",
     "tw_predictor_load_burnpack", None, "inference.window", "from burnpack or PyTorch safetensors (`nn.GRU`, `nn.TransformerEncoder` keys); C registers them "
     "(`tw_registry_register_safetensors` / `_burnpack`)"),
    ("inference", "safetensors import (F32/F16/BF16/F64, `nn.Sequential` keys)", "model::load_safetensors",
     "_native.Model", "tw_predictor_load_safetensors", None, "inference.safetensors", "fixtures generated by torch 2.5.1 (crates/inference/tests/fixtures/torch), checked to 1e-5 in Rust, "
     "Python and C"),
    ("inference", "model registry (register, list, verify)", "registry::Registry",
     "inference.Registry", "tw_registry_open", "registry list", "inference.registry",
     "C: registering needs the feature `inference`; `list` fails on a corrupt manifest (strict)"),
    ("inference", "registry promote (verified and loaded first)", "registry::promote", "inference.Registry",
     "tw_registry_promote", "registry promote", "inference.promote", "a corrupt sibling does not block it"),
    ("inference", "registry rollback to last-good", "registry::rollback", "inference.Registry",
     "tw_registry_rollback", "registry rollback", "inference.rollback", "a last-good version that no longer verifies is refused"),
    ("inference", "registry inventory (good and corrupt versions, file and reason)", "registry::inventory",
     "inference.Registry", "tw_registry_inventory_json", "registry inventory", "inference.inventory",
     "Python `Registry.inventory()`; C: JSON, burn-free (test_reach.c); CLI exit 0 where `list` exits 4 "
     "(crates/cli/tests/reach.rs)"),
    ("inference", "signed manifests (ed25519)", "registry::register_signed", "inference.public_key",
     "tw_registry_sign", "registry sign", "inference.signed", ""),
    ("inference", "learning freeze of a model (refuses register and promote)", "registry::freeze_learning",
     "inference.Registry", "tw_registry_freeze_learning", "registry freeze-learning", "inference.learning_freeze",
     "the registry's freeze (`learning_freeze.json`): freeze, unfreeze, query (Python "
     "`Registry.freeze_learning` / `unfreeze_learning` / `learning_freeze`, C also `tw_registry_unfreeze_learning`, "
     "`tw_registry_learning_freeze_json`, CLI also `registry unfreeze-learning` / `learning-freeze`); the CLI's "
     "`rollback` freezes too; not the guardrails engine's "
     "`learning_frozen` override (Python `Engine`, C `tw_engine_set_learning_frozen`: the size-override row)"),
    ("inference", "version stage by name (staging, development)", "registry::stage", "inference.Registry",
     "tw_registry_stage", "registry stage", "inference.stage",
     "one parser (`Stage: FromStr`, the manifest's spellings); production and archived are set by promote "
     "and rollback (InvalidInput); C: burn-free"),
    ("inference", "GPU backend (wgpu)", "device::wgpu_device", None, None, None, None,
     "Rust feature `wgpu`, tested on llvmpipe; the wheel and libtradewarden are CPU builds"),
    ("inference", "market regime classifier", "regime::classify", "_native.regime_classify", "tw_regime_classify",
     "regime", "inference.regime", "ml-trading-bot's rules; C: test_reach.c; CLI `regime --data` = `regime::classify` "
     "(crates/cli/tests/reach.rs)"),
    ("inference", "prediction sanity guard", "guard::SanityGuard", "_native.sanity_guard_check",
     "tw_sanity_guard_check", None, "inference.sanity_guard", "ml-trading-bot's 12 % / 6 % rule; C: one verdict per point"),
    ("telemetry", "metric catalog (one table of Prometheus names, seed profiles)", "catalog::Catalog",
     "telemetry.install", "tw_metrics_install", "serve-metrics", "telemetry.catalog",
     "names resolved per namespace/profile; Python/C/CLI through the exporter's config"),
    ("telemetry", "Prometheus exporter (install, render)", "exporter::Exporter", "_native.telemetry_install",
     "tw_metrics_install", "serve-metrics", "telemetry.exporter", ""),
    ("telemetry", "alert rules (deploy/prometheus/rules, promtool-tested)", "catalog::contains_series", None, None,
     None, None, "files, not doors: every series they query is in the catalog (crates/metrics/tests/"
     "deploy_coverage.rs); promtool runs the rule tests in the test command"),
    ("telemetry", "Grafana dashboards (deploy/grafana)", "catalog::contains_series", None, None, None, None,
     "files, not doors: every series a panel queries is in the catalog (deploy_coverage.rs)"),
    ("telemetry", "recovery tracker (`recovery_*` gauges)", "recovery::RecoveryTracker", "_native.RecoveryTracker",
     "tw_recovery_new", None, "telemetry.recovery", "Trading-graph's record_operation; C: record and JSON summary (no gauge "
     "export from C yet)"),
    ("telemetry", "trading gauges (Autotrader `trading_*`, Quant Bot risk ratios)", "handles::TradingMetrics",
     "_native.TradingMetrics", None, "demo", "telemetry.trading", "CLI: set by the demo; cases: Rust and Python "
     "(tests/conformance/telemetry_exporter.json)"),
    ("telemetry", "ml-trading-bot gauges (regime one-hot, prediction quality, predictions, cache, websockets)",
     "handles::MlBotMetrics", "_native.MlBotMetrics", None, None, "telemetry.mlbot", "Python: test_reach.py"),
    ("telemetry", "live monitoring gauges (Plus Ultra `monitoring_*`)", "handles::MonitoringMetrics",
     "telemetry.MonitoringMetrics", None, None, "telemetry.monitoring", "Python: test_reach.py"),
    ("telemetry", "service metrics (requests, latency, exceptions, prediction rows)", "handles::ServiceMetrics",
     "telemetry.ServiceMetrics", None, None, "telemetry.service", "Python: test_reach.py"),
    ("telemetry", "drift metrics (`drift_detections_total`, `drift_score`)", "handles::DriftMetrics",
     "telemetry.DriftMetrics", "tw_monitor_emit", None, "telemetry.drift", "C: emitted by the live monitor "
     "(cases: a `LiveMonitor` emitting under the installed catalog, tests/conformance/telemetry_exporter.json)"),
    ("operations", "`doctor` / `health` (state, policy, models, exporter)", None, None, None, "doctor", None,
     "CLI only: composed in crates/cli/src/cmd/doctor.rs from `Policy::load`, `StateStore`, `Registry`, "
     "`ExporterConfig`"),
    ("operations", "`snapshot` (tar.gz with a sha256 manifest; restore verified)", None, None, None, "snapshot",
     None, "CLI only: crates/cli/src/cmd/snapshot.rs (writes through `core::fs::write_atomic`)"),
    ("operations", "demo (the whole system on embedded data)", "demo::DemoReport", None, None, "demo", None,
     "CLI `demo`; the model is the inference crate's `demo` module"),
]


def cases():
    """Cases per conformance key over every case file of tests/conformance (`*.json`): each entry of a file's
    `cases` counts under its `capability` (else its `fn`); a scenario file (`steps`) counts its steps under the
    file's `capability` (else its name). One file per area, so areas grow without touching each other."""
    n = {}
    for p in sorted(HERE.glob("*.json")):
        doc = json.loads(p.read_text())
        if isinstance(doc.get("cases"), list):
            for c in doc["cases"]:
                key = c.get("capability", c["fn"])
                n[key] = n.get(key, 0) + 1
        elif isinstance(doc.get("steps"), list):
            key = doc.get("capability", p.stem)
            n[key] = n.get(key, 0) + (len(doc["steps"]) or 1)
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
        item = (r or "").split("::")[-1]
        if r and not re.search(rf"pub (fn|struct|enum) {re.escape(item)}\b", rust):
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
    doors = list(zip(*[(r, py, c, cl) for _, _, r, py, c, cl, _, _ in ROWS]))
    counts = ", ".join(f"{name} {sum(1 for x in col if x)}" for name, col in zip(("Rust", "Python", "C", "CLI"), doors))
    lines += ["", f"{len(ROWS)} capabilities; offered by {counts}."]
    multi, uncovered = multi_door_uncovered(n)
    head = (f"Bound in two or more languages (Rust, Python, C): {multi}; with conformance cases: "
            f"{multi - len(uncovered)}; **without cases: {len(uncovered)}**")
    if uncovered:
        head += (" (the suite's remaining work; checked by other tests of each door, named in the notes): "
                 + "; ".join(uncovered) + ".")
    else:
        head += " — every capability bound in two or more languages runs through the conformance runners."
    lines += ["", head]
    return "\n".join(lines)


def multi_door_uncovered(n):
    """(number of capabilities bound in two or more of Rust/Python/C, the capabilities among them without a
    conformance case): the target is every such capability with cases."""
    multi, uncovered = 0, []
    for _, cap, r, py, c, _, key, _ in ROWS:
        if sum(1 for x in (r, py, c) if x) >= 2:
            multi += 1
            if not (key and n.get(key)):
                uncovered.append(cap)
    return multi, uncovered


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
