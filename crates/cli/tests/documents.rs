//! The `--json` documents parse into their types (`tradewarden_cli::doc`
//! or the library result the command prints), with exactly the documented
//! keys (a renamed field fails here), the values the library gives on the
//! same inputs, and the human form is the document's `Display`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{s, write_columns};

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tradewarden_cli::doc::demo::DemoDocument;
use tradewarden_cli::doc::drift::{
    ChunksDoc, FeatureStateSummary, FeatureSummary, ProfileSummary, StateDoc,
};
use tradewarden_cli::doc::guard::{
    GuardStatus, JournalStatsDoc, JournalTail, PeriodCheck, PolicyCheck,
};
use tradewarden_cli::doc::regime::RegimeDoc;
use tradewarden_cli::doc::registry::{
    InventoryListing, LearningFreezeStatus, Listing, Promoted, Registered, RolledBack, Signed,
    Staged, Verified,
};
use tradewarden_drift::profile::{Profile, ProfileFormat};
use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
use tradewarden_drift::state::{CellGrid, ScoreState};
use tradewarden_guardrails::journal::{journal_stats, read_dir};
use tradewarden_guardrails::period::{PeriodObservation, PeriodRule, Severity, evaluate};
use tradewarden_guardrails::rollback::RollbackReport;
use tradewarden_guardrails::{Policy, StateStore, TradingState};
use tradewarden_inference::regime::{RegimeConfig, classify};
use tradewarden_inference::registry::Registry;

/// The command's stdout ([`common::run`]).
fn run(args: &[&str], code: i32) -> String {
    common::run(args, code).0
}

/// A `--json` output as JSON and as its typed document, which serialises
/// back to the same JSON (no field lost or added on the way).
fn parse<T: DeserializeOwned + Serialize>(out: &str) -> (Value, T) {
    let raw: Value = serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let typed: T = serde_json::from_str(out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(serde_json::to_value(&typed).unwrap(), raw);
    (raw, typed)
}

/// The command's `--json` output, parsed ([`parse`]).
fn doc<T: DeserializeOwned + Serialize>(args: &[&str], code: i32) -> (Value, T) {
    parse(&run(args, code))
}

/// The keys of a JSON object, sorted.
fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

fn write_csv(path: &Path, x: &[f64], y: &[f64]) {
    write_columns(path, &[("x", x), ("y", y)]);
}

#[test]
fn drift_documents() {
    let dir = tempfile::tempdir().unwrap();
    // 1 000 rows, rows 700.. shifted (drift); the profile is fitted on 0..400
    let x: Vec<f64> = (0..1000)
        .map(|i| ((i * 37) % 101) as f64 / 10.0 + if i >= 700 { 2.0 } else { 0.0 })
        .collect();
    let y: Vec<f64> = (0..1000).map(|i| ((i * 53) % 97) as f64).collect();
    let data = dir.path().join("data.csv");
    write_csv(&data, &x, &y);
    let reference = dir.path().join("ref.csv");
    write_csv(&reference, &x[..400], &y[..400]);
    let middle = dir.path().join("middle.csv");
    write_csv(&middle, &x[400..600], &y[400..600]);

    // profile fit: a `.bin` path gets the binary form (ProfileFormat::for_path)
    let p = dir.path().join("p.BIN");
    let (raw, fit): (_, ProfileSummary) = doc(
        &[
            "drift",
            "profile",
            "fit",
            "--input",
            s(&reference),
            "--out",
            s(&p),
            "--reference-rows",
            "0..400",
            "--json",
        ],
        0,
    );
    assert_eq!(
        ProfileFormat::detect(&std::fs::read(&p).unwrap()),
        Some(ProfileFormat::Binary)
    );
    assert_eq!(keys(&raw), ["features", "format_version"]);
    assert_eq!(
        keys(&raw["features"][0]),
        [
            "bins",
            "count",
            "keeps_reference",
            "kind",
            "max",
            "mean",
            "min",
            "name",
            "nan_count"
        ]
    );
    assert_eq!(raw["features"][0]["kind"], "numeric");
    let profile = Profile::load(&p).unwrap();
    assert_eq!(fit.format_version, profile.format_version);
    let px = profile.numeric("x").unwrap();
    assert_eq!(
        fit.features[0],
        FeatureSummary::Numeric {
            name: "x".into(),
            count: 400,
            nan_count: 0,
            min: x[..400].iter().copied().fold(f64::INFINITY, f64::min),
            max: x[..400].iter().copied().fold(f64::NEG_INFINITY, f64::max),
            mean: px.mean,
            bins: px.counts.len(),
            keeps_reference: true,
        }
    );
    assert!(px.counts.len() >= 2, "{:?}", px.counts);
    assert_eq!(fit.features.len(), 2);

    // profile show: the same document; the human form is its Display
    let (_, shown): (_, ProfileSummary) = doc(&["drift", "profile", "show", s(&p), "--json"], 0);
    assert_eq!(shown, fit);
    let human = run(&["drift", "profile", "show", s(&p)], 0);
    assert_eq!(human, shown.to_string());
    assert!(
        human.starts_with("x ") && human.contains("n=400"),
        "{human}"
    );

    // report: the library's DriftReport on the same rows
    let (raw, report): (_, DriftReport) = doc(
        &[
            "drift",
            "report",
            "--profile",
            s(&p),
            "--current",
            s(&middle),
            "--json",
        ],
        0,
    );
    let want = DriftReport::compute(
        &profile,
        &[
            ("x", FeatureData::Numeric(&x[400..600])),
            ("y", FeatureData::Numeric(&y[400..600])),
        ],
        &ReportOptions::default(),
    )
    .unwrap();
    assert_eq!(report, want);
    assert!(keys(&raw).contains(&"dataset_drift") && keys(&raw).contains(&"n_drifted"));

    // chunks: rows as [start, end] pairs, each report the library's
    let args = [
        "drift",
        "chunks",
        "--profile",
        s(&p),
        "--data",
        s(&data),
        "--size",
        "300",
    ];
    let (raw, chunks): (_, ChunksDoc) = doc(&[&args[..], &["--json"]].concat(), 0);
    assert_eq!(keys(&raw), ["chunks"]);
    assert_eq!(
        keys(&raw["chunks"][0]),
        ["key", "report", "rows", "scored_rows"]
    );
    let c0 = &chunks.chunks[0];
    assert_eq!(
        (c0.key, c0.rows, &c0.scored_rows[..]),
        (1.0, [300, 600], &[[400, 600]][..])
    );
    assert_eq!(c0.report, want);
    assert_eq!(chunks.chunks.len(), 3);
    assert!(chunks.chunks[2].report.dataset_drift);
    assert_eq!(run(&args, 0), chunks.to_string());

    // state: the file written, its size and the library's counts
    let out = dir.path().join("s.twss");
    let (raw, state): (_, StateDoc) = doc(
        &[
            "drift",
            "state",
            "--profile",
            s(&p),
            "--current",
            s(&middle),
            "--out",
            s(&out),
            "--json",
        ],
        0,
    );
    assert_eq!(keys(&raw), ["bytes", "features", "grid", "out"]);
    assert_eq!(
        keys(&raw["features"][0]),
        ["count", "kind", "name", "nan_count", "rows"]
    );
    assert_eq!(state.out, s(&out));
    assert_eq!(state.bytes, std::fs::metadata(&out).unwrap().len());
    assert_eq!(state.grid, CellGrid::Exact);
    let loaded = ScoreState::load(&out).unwrap();
    assert_eq!(loaded.grid(), CellGrid::Exact);
    assert_eq!(
        state.features[0],
        FeatureStateSummary::Numeric {
            name: "x".into(),
            rows: 200,
            nan_count: 0,
            count: 200
        }
    );
    assert_eq!(state.features.len(), loaded.features().len());
}

#[test]
fn registry_documents() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("reg");
    let r = s(&root);
    let name = "demo_momentum_mlp";
    let key = d.path().join("signing.key");
    std::fs::write(&key, "42".repeat(32)).unwrap();

    let (raw, v1): (_, Registered) = doc(
        &[
            "registry",
            "--root",
            r,
            "register-demo",
            "--version",
            "v1",
            "--json",
        ],
        0,
    );
    assert_eq!(keys(&raw), ["files", "name", "signed", "version"]);
    assert_eq!(
        (v1.name.as_str(), v1.version.as_str(), v1.signed),
        (name, "v1", false)
    );
    let reg = Registry::open(&root).unwrap();
    assert_eq!(v1.files, reg.verify(name, "v1").unwrap().files);
    assert!(!v1.files.is_empty());
    let (_, v2): (_, Registered) = doc(
        &[
            "registry",
            "--root",
            r,
            "register-demo",
            "--version",
            "v2",
            "--signing-key",
            s(&key),
            "--json",
        ],
        0,
    );
    assert!(v2.signed);

    for (v, last_good) in [("v1", None), ("v2", Some("v1".to_string()))] {
        let args = [
            "registry",
            "--root",
            r,
            "promote",
            "--name",
            name,
            "--version",
            v,
        ];
        let (raw, p): (_, Promoted) = doc(&[&args[..], &["--json"]].concat(), 0);
        assert_eq!(keys(&raw), ["active", "last_good", "name"]);
        assert_eq!(
            p,
            Promoted {
                name: name.into(),
                active: Some(v.into()),
                last_good
            }
        );
        assert_eq!(p.to_string(), format!("{name}: active = {v}"));
    }

    // list: manifest data and pointer flags, as the library lists them
    let (raw, list): (_, Listing) = doc(&["registry", "--root", r, "list", "--json"], 0);
    assert_eq!(keys(&raw), ["models", "root"]);
    assert_eq!(
        keys(&raw["models"][0]),
        ["active", "last_good", "name", "versions"]
    );
    assert_eq!(
        keys(&raw["models"][0]["versions"][0]),
        [
            "active",
            "created_at",
            "files",
            "last_good",
            "metrics",
            "signed",
            "stage",
            "version"
        ]
    );
    assert_eq!(list.root, r);
    let m = &list.models[0];
    assert_eq!(
        (m.name.as_str(), m.active.as_deref(), m.last_good.as_deref()),
        (name, Some("v2"), Some("v1"))
    );
    let entries = reg.list(name).unwrap();
    assert_eq!(m.versions.len(), entries.len());
    for (got, e) in m.versions.iter().zip(&entries) {
        assert_eq!(got.version, e.manifest.version);
        assert_eq!(got.stage, e.manifest.stage);
        assert_eq!(got.created_at, e.manifest.created_at);
        assert_eq!(got.metrics, e.manifest.metrics);
        assert_eq!(got.files, e.manifest.files);
        assert_eq!(
            (got.active, got.last_good, got.signed),
            (e.active, e.last_good, e.signed)
        );
    }
    let human = run(&["registry", "--root", r, "list"], 0);
    assert_eq!(human, list.to_string());
    assert!(
        human.contains("v2 (") && human.contains(" active signed"),
        "{human}"
    );

    // inventory: the library's Inventory beside the pointers
    let (raw, inv): (_, InventoryListing) =
        doc(&["registry", "--root", r, "inventory", "--json"], 0);
    assert_eq!(keys(&raw), ["models", "root"]);
    assert_eq!(
        keys(&raw["models"][0]),
        ["active", "corrupt", "last_good", "name", "versions"]
    );
    let want = reg.inventory(name).unwrap();
    assert_eq!(inv.models[0].versions, want.versions);
    assert_eq!(inv.models[0].corrupt, want.corrupt);
    assert_eq!(
        run(&["registry", "--root", r, "inventory"], 0),
        inv.to_string()
    );

    // verify, sign, rollback
    let (raw, ver): (_, Verified) = doc(
        &[
            "registry",
            "--root",
            r,
            "verify",
            "--name",
            name,
            "--version",
            "v2",
            "--json",
        ],
        0,
    );
    assert_eq!(keys(&raw), ["files", "name", "verified", "version"]);
    assert!(ver.verified);
    assert_eq!(ver.files, v2.files);
    let (raw, signed): (_, Signed) = doc(
        &[
            "registry",
            "--root",
            r,
            "sign",
            "--name",
            name,
            "--version",
            "v1",
            "--signing-key",
            s(&key),
            "--json",
        ],
        0,
    );
    assert_eq!(keys(&raw), ["name", "public_key", "signed", "version"]);
    let public = run(&["registry", "public-key", "--signing-key", s(&key)], 0);
    assert_eq!(signed.public_key, public.trim());
    let (raw, back): (_, RolledBack) = doc(
        &[
            "registry", "--root", r, "rollback", "--name", name, "--json",
        ],
        0,
    );
    assert_eq!(keys(&raw), ["active", "name"]);
    assert_eq!(back.active, "v1");
    assert_eq!(reg.active(name).unwrap().as_deref(), Some("v1"));

    // stage: the library's names (a bad one refused before anything runs)
    let stage_args = |stage: &'static str| -> Vec<&str> {
        vec![
            "registry",
            "--root",
            r,
            "stage",
            "--name",
            name,
            "--version",
            "v2",
            "--stage",
            stage,
        ]
    };
    let (raw, stage): (_, Staged) = doc(&[&stage_args("staging")[..], &["--json"]].concat(), 0);
    assert_eq!(keys(&raw), ["name", "stage", "version"]);
    assert_eq!(raw["stage"], "staging");
    assert_eq!(stage.stage, reg.manifest(name, "v2").unwrap().stage);
    assert_eq!(stage.to_string(), format!("{name} v2: staging"));
    let (_, err) = common::run(&stage_args("prod"), 3);
    assert!(
        err.contains("stage") && err.contains("\"prod\"") && err.contains("'development'"),
        "{err}"
    );
    common::run(&stage_args("production"), 3);
    assert_eq!(
        reg.manifest(name, "v2").unwrap().stage.as_str(),
        "staging",
        "a refused stage changes nothing"
    );

    // the learning freeze: freeze, query, a refused promotion, unfreeze
    let freeze = |cmd: &[&str], code: i32| -> (Value, LearningFreezeStatus) {
        doc(
            &[&["registry", "--root", r][..], cmd, &["--json"]].concat(),
            code,
        )
    };
    let (raw, none) = freeze(&["learning-freeze", "--name", name], 0);
    assert_eq!(keys(&raw), ["freeze", "name"]);
    assert_eq!(none.freeze, None);
    let (_, frozen) = freeze(
        &[
            "freeze-learning",
            "--name",
            name,
            "--by",
            "ops",
            "--reason",
            "canary rollback",
        ],
        0,
    );
    assert_eq!(frozen.freeze, reg.learning_freeze(name).unwrap());
    let z = frozen.freeze.clone().unwrap();
    assert_eq!((z.who.as_str(), z.why.as_str()), ("ops", "canary rollback"));
    assert_eq!(freeze(&["learning-freeze", "--name", name], 0).1, frozen);
    assert!(
        run(
            &["registry", "--root", r, "learning-freeze", "--name", name],
            0
        )
        .contains("learning frozen by ops")
    );
    common::run(
        &[
            "registry",
            "--root",
            r,
            "promote",
            "--name",
            name,
            "--version",
            "v2",
        ],
        5,
    );
    assert_eq!(reg.active(name).unwrap().as_deref(), Some("v1"));
    common::run(
        &[
            "registry",
            "--root",
            r,
            "freeze-learning",
            "--name",
            name,
            "--by",
            " ",
            "--reason",
            "x",
        ],
        3,
    );
    let (_, lifted) = freeze(&["unfreeze-learning", "--name", name], 0);
    assert_eq!(lifted.freeze, None);
    assert_eq!(reg.learning_freeze(name).unwrap(), None);
}

#[test]
fn guard_documents() {
    let d = tempfile::tempdir().unwrap();
    let st = d.path().join("state");
    let st = s(&st);
    const STATUS_KEYS: [&str; 11] = [
        "actor",
        "kill_switch",
        "kill_switch_record",
        "overrides",
        "persisted_state",
        "reason",
        "seq",
        "since",
        "state",
        "state_dir",
        "state_file",
    ];
    // a fresh directory is HALTED (exit 5)
    let (raw, status): (_, GuardStatus) = doc(&["guard", "status", "--state-dir", st, "--json"], 5);
    assert_eq!(keys(&raw), STATUS_KEYS);
    assert_eq!(status.state, TradingState::Halted);
    assert_eq!(status.changed, None);
    let reset = [
        "guard",
        "reset",
        "--state-dir",
        st,
        "--reason",
        "start of day",
        "--by",
        "alice",
    ];
    let (_, after): (_, GuardStatus) = doc(&[&reset[..], &["--json"]].concat(), 0);
    let store = StateStore::open(Path::new(st)).unwrap();
    assert_eq!(after.state, store.state());
    assert_eq!(after.state, TradingState::Active);
    assert_eq!(after.persisted_state, store.record().state);
    assert_eq!(
        (
            after.actor.as_str(),
            after.reason.as_str(),
            after.seq,
            after.since
        ),
        (
            "alice",
            "start of day",
            store.record().seq,
            store.record().since
        )
    );
    assert_eq!(
        (after.state_file.as_str(), after.kill_switch),
        ("loaded", false)
    );
    assert_eq!(after.state_dir, st);
    let human = run(&["guard", "status", "--state-dir", st], 0);
    assert_eq!(human, format!("{after}\n"));

    // escalate adds `changed`
    let (raw, esc): (_, GuardStatus) = doc(
        &[
            "guard",
            "escalate",
            "--state-dir",
            st,
            "--to",
            "reducing",
            "--reason",
            "drawdown",
            "--json",
        ],
        0,
    );
    let mut with_changed = STATUS_KEYS.to_vec();
    with_changed.insert(0, "changed");
    with_changed.sort_unstable();
    assert_eq!(keys(&raw), with_changed);
    assert_eq!(
        (esc.state, esc.changed),
        (TradingState::Reducing, Some(true))
    );

    // kill: the KILL_SWITCH record
    let (_, killed): (_, GuardStatus) = doc(
        &[
            "guard",
            "kill",
            "--state-dir",
            st,
            "--reason",
            "runaway orders",
            "--by",
            "bob",
            "--json",
        ],
        0,
    );
    assert_eq!(killed.state, TradingState::Killed);
    assert!(killed.kill_switch);
    let record = killed.kill_switch_record.unwrap();
    assert_eq!(
        (record.reason.as_str(), record.activated_by.as_str()),
        ("runaway orders", "bob")
    );

    // journal stats and tail: the library's counts and entries
    let (raw, stats): (_, JournalStatsDoc) = doc(
        &["guard", "journal", "stats", "--state-dir", st, "--json"],
        0,
    );
    assert_eq!(
        keys(&raw),
        [
            "denials",
            "dir",
            "skipped_lines",
            "trades",
            "violations",
            "violations_per_1000_trades"
        ]
    );
    let (entries, skipped) = read_dir(Path::new(st)).unwrap();
    let want = journal_stats(&entries);
    assert_eq!(
        (
            stats.trades,
            stats.denials,
            stats.violations,
            stats.violations_per_1000_trades
        ),
        (want.trades, want.denials, want.violations, want.per_1000)
    );
    assert_eq!(stats.skipped_lines, skipped);
    assert_eq!(
        run(&["guard", "journal", "stats", "--state-dir", st], 0),
        format!("{stats}\n")
    );
    let (raw, tail): (_, JournalTail) = doc(
        &[
            "guard",
            "journal",
            "tail",
            "--state-dir",
            st,
            "-n",
            "2",
            "--json",
        ],
        0,
    );
    assert_eq!(keys(&raw), ["dir", "entries", "skipped_lines", "total"]);
    assert!(entries.len() >= 3, "{entries:?}");
    assert_eq!(tail.total, entries.len());
    assert_eq!(tail.entries.as_slice(), &entries[entries.len() - 2..]);

    // check-policy: the policy as loaded
    let policy = d.path().join("p.toml");
    std::fs::write(
        &policy,
        "[pre_trade]\nmax_order_notional = 1000.0\n[symbols.ES]\n[symbols.NQ]\n",
    )
    .unwrap();
    let (raw, check): (_, PolicyCheck) = doc(&["guard", "check-policy", s(&policy), "--json"], 0);
    assert_eq!(
        keys(&raw),
        [
            "exposure_enabled",
            "file",
            "period",
            "pre_trade",
            "symbols",
            "valid"
        ]
    );
    let p = Policy::load(&policy).unwrap();
    assert_eq!(check.symbols, ["ES", "NQ"]);
    assert_eq!((&check.pre_trade, &check.period), (&p.pre_trade, &p.period));
    assert_eq!(
        (check.valid, check.exposure_enabled),
        (true, p.exposure.enabled)
    );
    assert_eq!(
        run(&["guard", "check-policy", s(&policy)], 0),
        format!("{check}\n")
    );
}

#[test]
fn regime_and_rollback_documents() {
    let d = tempfile::tempdir().unwrap();
    // regime: the classifier's reading on the same candles
    let c: Vec<f64> = (0..130)
        .map(|i| 100.0 * (1.0 + 0.0005 * i as f64))
        .collect();
    let h: Vec<f64> = c.iter().map(|x| x * 1.001).collect();
    let l: Vec<f64> = c.iter().map(|x| x * 0.999).collect();
    let mut csv = String::from("high,low,close\n");
    for i in 0..c.len() {
        csv.push_str(&format!("{:?},{:?},{:?}\n", h[i], l[i], c[i]));
    }
    let f = d.path().join("candles.csv");
    std::fs::write(&f, csv).unwrap();
    let (raw, regime): (_, RegimeDoc) = doc(&["regime", "--data", s(&f), "--json"], 0);
    assert_eq!(
        keys(&raw),
        [
            "candles", "data", "momentum", "range", "regime", "vol", "window"
        ]
    );
    let want = classify(&h, &l, &c, &RegimeConfig::default()).unwrap();
    assert_eq!(regime.regime, want.regime);
    assert_eq!(
        (regime.vol, regime.momentum, regime.range),
        (Some(want.vol), Some(want.momentum), Some(want.range))
    );
    assert_eq!(
        (regime.candles, regime.window),
        (130, RegimeConfig::default().window)
    );
    assert_eq!(run(&["regime", "--data", s(&f)], 0), format!("{regime}\n"));

    // rollback prints the library's RollbackReport
    let st = d.path().join("state");
    run(
        &[
            "guard",
            "reset",
            "--state-dir",
            s(&st),
            "--reason",
            "start",
            "--by",
            "alice",
        ],
        0,
    );
    let (raw, report): (_, RollbackReport) = doc(
        &[
            "rollback",
            "--state-dir",
            s(&st),
            "--reason",
            "bad fills",
            "--by",
            "bob",
            "--dry-run",
            "--json",
        ],
        0,
    );
    assert_eq!(
        keys(&raw),
        ["attempt", "cooldown_s", "dry_run", "max_attempts", "steps"]
    );
    assert_eq!(keys(&raw["steps"][0]), ["detail", "status", "step"]);
    assert!(report.dry_run);
    assert!(report.steps.iter().all(|s| s.status == "planned"));
    for (s, v) in report.steps.iter().zip(raw["steps"].as_array().unwrap()) {
        assert_eq!(v["step"]["step"], s.step.name());
    }
}

#[test]
fn demo_document() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("demo");
    let stdout = run(&["demo", "--out", s(&out), "--json"], 0);
    let (raw, demo): (_, DemoDocument) = parse(&stdout);
    assert_eq!(
        keys(&raw),
        [
            "attribution",
            "conventions",
            "demo",
            "drift",
            "guardrail_state",
            "guardrails",
            "metrics",
            "non_finite",
            "profitability",
            "risk",
            "triggered"
        ]
    );
    // ops_summary.json is the same document
    let file = std::fs::read_to_string(out.join("ops_summary.json")).unwrap();
    assert_eq!(file.trim_end(), stdout.trim_end());
    assert_eq!(demo.demo.seed, 14);
    assert_eq!(demo.demo.symbols, ["CL", "ES", "GC", "NQ"]);
    let g = &demo.guardrail_state;
    assert_eq!((g.final_state.as_str(), g.latched), ("HALTED", true));
    assert_eq!(
        g.halted_at.as_deref(),
        Some(demo.demo.regime_change.as_str())
    );
    assert!(g.orders > 0 && g.denials.values().sum::<u64>() > 0);
    assert_eq!(
        demo.drift.features.len(),
        raw["drift"]["features"].as_array().unwrap().len()
    );
    assert_eq!(
        keys(&raw["drift"]["features"][0]),
        [
            "drift",
            "method",
            "name",
            "psi",
            "pvalue",
            "severity",
            "statistic"
        ]
    );
    assert_eq!(
        keys(&raw["profitability"]),
        [
            "bootstrap",
            "confidence_intervals",
            "deflated_sharpe_ratio",
            "min_track_record_length",
            "n_trials",
            "probabilistic_sharpe_ratio"
        ]
    );
    assert!(!demo.profitability.confidence_intervals.is_empty());
    // every null of the demo's sections has its reason
    for (i, ci) in demo.profitability.confidence_intervals.iter().enumerate() {
        if ci.estimate.is_none() {
            let key = format!("profitability.{}.estimate", ci.metric);
            assert!(demo.summary.non_finite.contains_key(&key), "{i}: {key}");
        }
    }
}

/// `guard period --json` parses back into `PeriodCheck`: typed rule names
/// (a renamed rule fails here), a NaN value (`null`) read back as NaN.
#[test]
fn period_document_parses_back() {
    let d = tempfile::tempdir().unwrap();
    let policy = d.path().join("p.toml");
    std::fs::write(&policy, "[pre_trade]\nmax_order_notional = 1000.0\n").unwrap();
    let obs = r#"{"aum": 1000000.0, "hourly_pnl": -4000.0, "daily_pnl": -25000.0, "equity": 1.0}"#;
    let (raw, check): (_, PeriodCheck) = doc(
        &[
            "guard",
            "period",
            "--policy",
            s(&policy),
            "--observation",
            obs,
            "--json",
        ],
        0,
    );
    assert_eq!(keys(&raw), ["breaches", "policy"]);
    assert_eq!(
        keys(&raw["breaches"][0]),
        ["rule", "severity", "threshold", "value"]
    );
    let want = evaluate(
        &Policy::load(&policy).unwrap().period,
        &serde_json::from_str::<PeriodObservation>(obs).unwrap(),
    );
    let rules: Vec<(PeriodRule, Severity)> = check
        .breaches
        .iter()
        .map(|b| (b.rule, b.severity))
        .collect();
    assert_eq!(
        rules,
        [
            (PeriodRule::HourlyLossRatio, Severity::Warning),
            (PeriodRule::DailyLossRatio, Severity::Critical),
            (PeriodRule::MaxDrawdownRatio, Severity::Critical),
        ]
    );
    assert_eq!(check.breaches.len(), want.len());
    for (got, w) in check.breaches.iter().zip(&want) {
        assert_eq!((got.rule, got.severity), (w.rule, w.severity));
        assert_eq!(got.value.to_bits(), w.value.to_bits());
        assert_eq!(got.threshold, w.threshold);
    }
    // no high-water mark: the drawdown is NaN, written null, read back NaN
    assert!(raw["breaches"][2]["value"].is_null() && check.breaches[2].value.is_nan());
    assert_eq!(raw["breaches"][1]["rule"], "daily_loss_ratio");
    assert_eq!(
        run(
            &[
                "guard",
                "period",
                "--policy",
                s(&policy),
                "--observation",
                obs
            ],
            0
        ),
        check.to_string()
    );
}
