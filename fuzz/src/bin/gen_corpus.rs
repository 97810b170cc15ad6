//! Writes the seed corpus of every fuzz target under `fuzz/corpus/<target>/`
//! (valid inputs made with the library itself, plus a few pseudo-random
//! ones for the `arbitrary`-driven targets). Not a fuzz target: built with
//! them and run by `scripts/fuzz --gen-corpus`. Rerunning it rewrites the
//! same files, except the registry's weights seed (`--features inference`:
//! a freshly initialised MLP). The journal's `regression-*` seeds are not
//! generated: they are minimised findings, kept by hand.
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use tradewarden_core::NanPolicy;
use tradewarden_drift::profile::{
    BinStrategy, CategoricalProfile, FeatureProfile, NumericProfile, Profile, ProfileOptions,
};
use tradewarden_guardrails::journal::{Chain, Event};
use tradewarden_guardrails::{Decision, DenyReason, Side};

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).expect("create corpus dir");
    std::fs::write(dir.join(name), bytes).expect("write seed");
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// xorshift64*: reproducible pseudo-random bytes.
fn noise(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
        })
        .collect()
}

fn data(n: usize, k: u64) -> Vec<f64> {
    (0..n as u64)
        .map(|i| ((i * 37 + k) % 101) as f64 / 10.0 - 5.0)
        .collect()
}

fn profiles() -> Vec<(&'static str, Profile)> {
    let num = |v: &[f64], o: ProfileOptions| {
        FeatureProfile::Numeric(NumericProfile::fit(v, &o).expect("fit"))
    };
    let mut out = Vec::new();

    let mut p = Profile::new();
    p.insert("x", num(&data(40, 0), ProfileOptions::default()));
    out.push(("quantile", p));

    let mut p = Profile::new();
    let o = ProfileOptions {
        bins: BinStrategy::EqualWidth { bins: 5 },
        keep_reference: false,
        ..Default::default()
    };
    p.insert("w", num(&data(30, 3), o));
    out.push(("equal_width_no_ref", p));

    let mut p = Profile::new();
    let o = ProfileOptions {
        bins: BinStrategy::Sturges,
        ..Default::default()
    };
    p.insert("s", num(&data(25, 7), o));
    out.push(("sturges", p));

    let mut p = Profile::new();
    let mut v = data(20, 11);
    v[4] = f64::NAN;
    let o = ProfileOptions {
        bins: BinStrategy::Explicit {
            edges: vec![-1.0, 0.0, 2.5],
        },
        nan_policy: NanPolicy::Skip,
        keep_reference: true,
    };
    p.insert("e", num(&v, o));
    out.push(("explicit_skip", p));

    let mut p = Profile::new();
    let c = CategoricalProfile::fit(&[Some("buy"), Some("sell"), None, Some("buy")]).expect("fit");
    p.insert("side", FeatureProfile::Categorical(c));
    p.insert("x", num(&data(12, 5), ProfileOptions::default()));
    out.push(("mixed", p));
    out
}

fn profile_seeds(root: &Path) {
    let dir = root.join("profile_decode");
    for (name, p) in profiles() {
        let bin = p.to_bytes();
        let json = p.to_json().expect("json").into_bytes();
        write(&dir, &format!("{name}-decode-bin"), &cat(&[&[0], &bin]));
        write(&dir, &format!("{name}-decode-json"), &cat(&[&[0], &json]));
        write(&dir, &format!("{name}-payload"), &cat(&[&[1], &bin[24..]]));
        write(&dir, &format!("{name}-json"), &cat(&[&[2], &json]));
        write(&dir, &format!("{name}-raw"), &cat(&[&[3], &bin]));
    }
}

const POLICY_TOML: &str = r#"[pre_trade]
max_order_notional = 50000.0
min_order_notional = 10.0
max_order_equity_fraction = 0.5
max_order_quantity = 1000.0
max_position_quantity = 2000.0
max_position_notional = 100000.0
max_gross_leverage = 2.0
max_net_leverage = 1.0
price_band_ratio = 0.02
max_data_age_s = 5.0
min_confidence = 0.55
oversize = "clip"
rate_limit = { orders_per_second = 500.0, burst = 100.0 }

[symbols.AAPL]
max_order_notional = 20000.0

[symbols.MSFT]

[symbols.ES]
max_position_quantity = 50.0
disabled = false
"#;

const POLICY_YAML: &str = "pre_trade:\n  max_order_quantity: 10.0\n  oversize: deny\n  allow_missing_data_timestamp: true\nsymbols:\n  BTC-USD:\n    max_position_quantity: 3.0\n";

const POLICY_JSON: &str = r#"{"pre_trade": {"max_position_quantity": 5.0, "price_band_ratio": 0.1, "allow_missing_reference_price": true}, "symbols": {"x": {}, "y": {"disabled": true}}}"#;

fn policy_seeds(root: &Path) {
    let dir = root.join("policy_engine");
    let sep = b"\n=====\n";
    for (i, (mode, text)) in [(1u8, POLICY_TOML), (2, POLICY_YAML), (3, POLICY_JSON)]
        .into_iter()
        .enumerate()
    {
        for k in 0..3u64 {
            let ops = noise(100 + 10 * i as u64 + k, 64 + 96 * k as usize);
            write(
                &dir,
                &format!("raw{mode}-{k}"),
                &cat(&[&[mode], text.as_bytes(), sep, &ops]),
            );
        }
    }
    for k in 0..6u64 {
        write(
            &dir,
            &format!("built-{k}"),
            &cat(&[&[0], sep, &noise(200 + k, 96 + 64 * k as usize)]),
        );
    }
}

fn journal_lines(n: usize, chain: &mut Chain) -> Vec<u8> {
    let mut out = Vec::new();
    for k in 0..n {
        let ev = match k % 3 {
            0 => Event::Decision {
                symbol: "AAPL".into(),
                side: Side::Buy,
                quantity: 10.0,
                decision: Decision::Deny {
                    reason: DenyReason::PriceBand,
                },
            },
            1 => Event::Violation {
                rule: "fill_rate".into(),
                value: 0.5,
                threshold: None,
            },
            _ => Event::Approval {
                who: "alice".into(),
                why: "canary clean".into(),
                what: "promote v2".into(),
            },
        };
        let line = chain.line(1_700_000_000.0 + k as f64, ev).expect("line");
        out.extend_from_slice(&line);
        out.push(b'\n');
    }
    out
}

fn journal_seeds(root: &Path) {
    let dir = root.join("journal");
    let sep = b"=====\n";
    let mut c = Chain::default();
    let three = journal_lines(3, &mut c);
    write(&dir, "clean", &cat(&[&[0], &three]));
    let mut torn = three.clone();
    torn.extend_from_slice(br#"{"seq":4,"ts":1700000010.0,"prev":"ab"#);
    write(&dir, "torn-tail", &cat(&[&[1], &torn]));
    let mut c = Chain::default();
    let rotated = journal_lines(2, &mut c);
    let current = journal_lines(2, &mut c);
    write(&dir, "rotated", &cat(&[&[2], &rotated, sep, &current]));
    write(&dir, "rotated-only", &cat(&[&[16 | 4], &rotated, sep]));
    let mut edited = three.clone();
    if let Some(i) = edited.iter().position(|&b| b == b'A') {
        edited[i] = b'B';
    }
    write(&dir, "edited", &cat(&[&[3], &edited]));
    write(&dir, "empty", &[8]);
    write(&dir, "garbage", &cat(&[&[5], b"not json\n\xff\xfe\n{}\n"]));
}

const MANIFEST: &str = r#"{"name":"m","version":"v1","architecture":{"input":4,"hidden":[8],"output":1,"activation":"relu","output_kind":"point"},"files":{"weights.bpk":"0000000000000000000000000000000000000000000000000000000000000000"},"metrics":{"auc":0.61},"stage":"development","created_at":1700000000.5}"#;

fn registry_seeds(root: &Path) {
    let dir = root.join("registry_manifest");
    let sep = b"=====\n";
    let active = br#"{"version":"v1","switched_at":1700000001.0}"#;
    let last_good = br#"{"version":"v2","switched_at":1700000002.0}"#;
    write(&dir, "manifest", &cat(&[&[0], MANIFEST.as_bytes()]));
    write(
        &dir,
        "with-pointers",
        &cat(&[&[2], MANIFEST.as_bytes(), sep, active, sep, last_good]),
    );
    let gru = MANIFEST.replace(
        r#"{"input":4,"hidden":[8],"output":1,"activation":"relu","output_kind":"point"}"#,
        r#"{"kind":"gru","input":3,"window":5,"hidden":4,"output":1}"#,
    );
    write(&dir, "gru", &cat(&[&[0], gru.as_bytes()]));
    // Flags 1|4|8: real checksum, a verifying key, signed by the harness.
    let weights = b"not a burnpack";
    write(
        &dir,
        "signed",
        &cat(&[
            &[13],
            MANIFEST.as_bytes(),
            sep,
            active,
            sep,
            last_good,
            sep,
            weights,
        ]),
    );
    // Flags 1|2|4: the signature part written as is (a wrong one).
    let bad_sig = "0".repeat(128);
    write(
        &dir,
        "bad-signature",
        &cat(&[
            &[7],
            MANIFEST.as_bytes(),
            sep,
            active,
            sep,
            last_good,
            sep,
            weights,
            sep,
            bad_sig.as_bytes(),
        ]),
    );
    #[cfg(feature = "inference")]
    weights_seed(&dir, active, last_good);
}

/// A real burnpack of a small MLP, its checksum patched in by the harness.
#[cfg(feature = "inference")]
fn weights_seed(dir: &Path, active: &[u8], last_good: &[u8]) {
    let sep = b"=====\n";
    let bpk = std::env::temp_dir().join(format!("tw-gen-corpus-{}.bpk", std::process::id()));
    let dev = tradewarden_inference::device::cpu_device();
    let cfg = tradewarden_inference::MlpConfig::new(4, vec![8], 1);
    let m = tradewarden_inference::Mlp::new(cfg, &dev).expect("mlp");
    m.save_burnpack(&bpk).expect("save burnpack");
    let w = std::fs::read(&bpk).expect("read burnpack");
    let _ = std::fs::remove_file(&bpk);
    write(
        dir,
        "weights",
        &cat(&[
            &[1],
            MANIFEST.as_bytes(),
            sep,
            active,
            sep,
            last_good,
            sep,
            &w,
        ]),
    );
}

fn io_seeds(root: &Path) {
    let dir = root.join("io_ingest");
    write(
        &dir,
        "csv",
        b"\x00date,ret,a\n2024-01-02,0.01,1\n2024-01-03,-0.02,2\n2024-01-04,,3\n2024-01-05,NaN,4\n",
    );
    write(&dir, "csv-one-col", b"\x00ret\n0.5\n-0.25\n1e-3\n");
    write(&dir, "csv-as-parquet", b"\x03x,y\n1,2\n");
    let schema = Arc::new(Schema::new(vec![
        Field::new("date", DataType::Utf8, false),
        Field::new("ret", DataType::Float64, true),
        Field::new("a", DataType::Int64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(vec!["d1", "d2", "d3"])),
            Arc::new(Float64Array::from(vec![Some(0.01), None, Some(-0.02)])),
            Arc::new(Int64Array::from(vec![1, 2, 3])),
        ],
    )
    .expect("batch");
    let tmp = std::env::temp_dir().join(format!("tw-gen-corpus-{}.parquet", std::process::id()));
    tradewarden_core::io::write_parquet(&tmp, &[batch]).expect("write parquet");
    let pq = std::fs::read(&tmp).expect("read parquet");
    let _ = std::fs::remove_file(&tmp);
    write(&dir, "parquet", &cat(&[&[1], &pq]));
    write(&dir, "parquet-both", &cat(&[&[3], &pq]));
}

/// The variants of `Call` in fuzz_targets/capi.rs, in declaration order
/// (`arbitrary` picks a variant by its index): keep in step with it. A seed
/// decoded with another order still runs, only other calls.
const CALLS: [&str; 43] = [
    "Scalar",
    "Summary",
    "Ks",
    "Js",
    "ProfileFit",
    "ProfilePsi",
    "ProfileKs",
    "ProfileCount",
    "ProfileSaveLoad",
    "ProfileLoadBytes",
    "MonitorNew",
    "MonitorPush",
    "MonitorScore",
    "MonitorEmit",
    "Report",
    "ReportProfiles",
    "ReportQuery",
    "EngineNew",
    "EngineSymbol",
    "EngineCheck",
    "EngineFill",
    "EnginePosition",
    "EngineEquity",
    "EngineReset",
    "EngineEscalate",
    "EngineKill",
    "EngineSizeOverride",
    "EngineRead",
    "Names",
    "LastError",
    "StateCompute",
    "StateMerge",
    "StateBytes",
    "StateFromBytes",
    "StateReport",
    "StateFree",
    "ScorerNew",
    "ScorerState",
    "ScorerKsBounds",
    "ScorerSaveLoad",
    "ScorerLoadBytes",
    "ScorerNulls",
    "ScorerFree",
];

/// A call stream for the capi harness, written the way `arbitrary` 1.x
/// reads it back: an enum variant is a u32 (LE) scaled to the variant count,
/// integers little-endian, a bool one byte (bit 0), an `Option` a bool then
/// the value, a `Vec` each element behind a `true` byte and a `false` byte
/// at the end. `TW_FUZZ_TRACE=1 capi SEED` prints what a seed decodes to.
#[derive(Default)]
struct Calls(Vec<u8>);

impl Calls {
    fn variant(&mut self, k: usize, n: usize) -> &mut Self {
        let (k, n) = (k as u64, n as u64);
        let x = (k << 32).div_ceil(n);
        self.0.extend_from_slice(&(x as u32).to_le_bytes());
        self
    }
    fn call(&mut self, name: &str) -> &mut Self {
        let k = CALLS
            .iter()
            .position(|c| *c == name)
            .expect("a Call variant");
        self.variant(k, CALLS.len())
    }
    fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    fn u16(&mut self, v: u16) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    /// `Num::Small`: multiples of 1/64 in [-512, 512).
    fn num(&mut self, v: f64) -> &mut Self {
        self.variant(0, 3);
        self.0
            .extend_from_slice(&((v * 64.0).round() as i16).to_le_bytes());
        self
    }
    fn nums(&mut self, v: &[f64]) -> &mut Self {
        for &x in v {
            self.u8(1).num(x);
        }
        self.u8(0)
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        for &x in b {
            self.u8(1).u8(x);
        }
        self.u8(0)
    }
    /// `Name::Fixed`: 0 "x", 1 "y", 2 "c".
    fn name(&mut self, k: u8) -> &mut Self {
        self.variant(0, 2).u8(k)
    }
    /// `Vec<(Name, Vec<Num>)>`.
    fn feats(&mut self, f: &[(u8, &[f64])]) -> &mut Self {
        for (k, v) in f {
            self.u8(1).name(*k).nums(v);
        }
        self.u8(0)
    }
    /// `EngineCheck`: symbol, side, quantity, price, reference, data
    /// timestamp, timestamp, confidence.
    fn order(&mut self, sym: u8, side: u8, n: [f64; 6]) -> &mut Self {
        self.call("EngineCheck").u8(sym).u8(side);
        for x in n {
            self.num(x);
        }
        self
    }
}

/// The capi profile: numeric `x` (stored reference, deciles) and `y`
/// (equal width) and categorical `c` — the names of the harness's fixed
/// `Name`s, so its states, reports and scorers meet them.
fn capi_profile() -> Profile {
    use tradewarden_drift::report::FeatureData;
    let x: Vec<f64> = (0..120u64)
        .map(|i| ((i * 37) % 61) as f64 / 8.0 - 3.0)
        .collect();
    let c: Vec<Option<&str>> = (0..120)
        .map(|i| [Some("buy"), Some("sell"), None][i % 3])
        .collect();
    let mut p = Profile::fit_features(
        &[
            ("c", FeatureData::Categorical(&c)),
            ("x", FeatureData::Numeric(&x)),
        ],
        &ProfileOptions::default(),
    )
    .expect("fit");
    let o = ProfileOptions {
        bins: BinStrategy::EqualWidth { bins: 6 },
        ..Default::default()
    };
    let y = NumericProfile::fit(&data(80, 13), &o).expect("fit y");
    p.insert("y", FeatureProfile::Numeric(y));
    p
}

fn capi_seeds(root: &Path) {
    use tradewarden_drift::report::FeatureData;
    use tradewarden_drift::state::{CellGrid, ScoreState, StateScorer};
    let dir = root.join("capi");
    // Unstructured seeds: the call stream only.
    for k in 0..8u64 {
        write(
            &dir,
            &format!("noise-{k}"),
            &noise(300 + k, 128 + 128 * k as usize),
        );
    }
    let sep = tradewarden_fuzz::SEP;
    let p = capi_profile();
    let prof = cat(&[b"P", &p.to_bytes()]);
    let cur = data(90, 29);
    let state = |grid: CellGrid, n: usize| {
        let s =
            ScoreState::build(&p, &[("x", FeatureData::Numeric(&cur[..n]))], grid).expect("state");
        cat(&[b"S", &s.to_bytes()])
    };
    let exact = state(CellGrid::Exact, 90);
    let bounded = state(CellGrid::Bounded { cells: 8 }, 60);
    let scorer = StateScorer::new(p.clone(), CellGrid::Bounded { cells: 8 }).expect("scorer");
    let scorer = cat(&[b"C", &scorer.to_bytes()]);
    let policies: [(u8, &str); 3] = [(0, POLICY_TOML), (1, POLICY_YAML), (2, POLICY_JSON)];
    let policy = |k: usize| {
        let (ext, text) = policies[k];
        cat(&[b"E", &[ext], text.as_bytes()])
    };
    for part in [
        &prof,
        &exact,
        &bounded,
        &scorer,
        &policy(0),
        &policy(1),
        &policy(2),
    ] {
        assert!(
            !part.windows(sep.len()).any(|w| w == sep),
            "an artefact holds the separator"
        );
    }
    let pre = |parts: &[&[u8]]| {
        let mut out = Vec::new();
        for part in parts {
            out.extend_from_slice(part);
            out.extend_from_slice(sep);
        }
        out
    };
    let v: Vec<f64> = (0..24)
        .map(|i| f64::from((i * 7) % 19) / 4.0 - 2.0)
        .collect();

    // The engine: orders of every symbol and side, fills, state changes.
    let mut c = Calls::default();
    for (sym, side) in [(0, 0), (1, 1), (2, 0), (0, 1), (3, 2)] {
        c.order(sym, side, [2.0, 100.0, 100.0, 0.5, 1.0, 0.9]);
    }
    c.order(0, 0, [500.0, 100.0, 100.0, 0.5, 1.0, 0.9]) // clipped
        .order(1, 0, [1.0, 150.0, 100.0, 0.5, 1.0, 0.9]) // price band
        .order(2, 1, [1.0, 100.0, 100.0, 0.0, 9.0, 0.2]); // stale, low confidence
    c.call("EngineFill").u8(0).u8(0).num(2.0).num(100.0);
    c.call("EnginePosition").u8(1).num(3.0).num(99.0);
    c.call("EngineRead").u8(0).call("EngineRead").u8(2);
    c.call("EngineEscalate").u8(2).bytes(b"drawdown");
    c.order(0, 0, [1.0, 100.0, 100.0, 0.5, 1.0, 0.9]);
    c.call("EngineReset").u8(0).bytes(b"ops").bytes(b"ok");
    c.call("EngineSymbol").bytes(b"MSFT");
    let engine = c.0;
    for k in 0..3 {
        write(
            &dir,
            &format!("engine-{k}"),
            &cat(&[&pre(&[&prof, &policy(k)]), &engine]),
        );
    }

    // The profile: monitor, report, PSI/KS, states merged and reported.
    let mut c = Calls::default();
    c.call("ProfilePsi").bytes(b"x").nums(&v).u8(0).num(0.0);
    c.call("ProfileKs").bytes(b"x").nums(&v).u8(0);
    c.call("MonitorNew").u8(0);
    c.call("MonitorPush").bytes(b"x").nums(&v);
    c.call("MonitorScore").bytes(b"x").call("MonitorEmit");
    c.call("Report")
        .u8(1)
        .bytes(b"x")
        .nums(&v)
        .u8(1)
        .bytes(b"y")
        .nums(&v[..12])
        .u8(0)
        .u8(0);
    c.call("ReportQuery").u16(0).u16(64).bytes(b"x");
    c.call("StateCompute")
        .feats(&[(0, &v[..]), (1, &v[..10])])
        .u8(0);
    c.call("StateCompute").feats(&[(0, &v[5..])]).u8(0);
    c.call("StateMerge").u8(0).u8(1);
    c.call("StateReport").u8(0).u8(0);
    c.call("StateBytes").u8(0).u16(3);
    c.call("StateCompute")
        .feats(&[(0, &v[..])])
        .u8(4 | (7 << 3)); // 8 cells
    c.call("ReportProfiles");
    write(&dir, "profile-states", &cat(&[&pre(&[&prof]), &c.0]));

    // The scorer: made from the profile, its states, intervals, files.
    let mut c = Calls::default();
    c.call("ScorerNew").u8(4 | (7 << 3)).u8(2); // 8 cells
    c.call("ScorerState")
        .u8(0)
        .feats(&[(0, &v[..]), (1, &v[..9])])
        .u8(0);
    c.call("ScorerKsBounds").u8(0).u8(0).name(0);
    c.call("ScorerState").u8(0).feats(&[(0, &v[3..])]).u8(0);
    c.call("StateMerge").u8(0).u8(1);
    c.call("ScorerKsBounds").u8(0).u8(0).name(0);
    c.call("ScorerSaveLoad").u8(0).u8(0).u16(0);
    c.call("ScorerSaveLoad").u8(0).u8(2).u16(40);
    c.call("ScorerSaveLoad").u8(0).u8(3).u16(30);
    c.call("ScorerNew").u8(0).u8(2); // exact
    c.call("ScorerState").u8(2).feats(&[(0, &v[..])]).u8(0);
    c.call("StateReport").u8(2).u8(0);
    for k in 0..10 {
        c.call("ScorerNulls").u8(k).u8(0).u16(u16::from(k) * 3);
    }
    c.call("ScorerFree").u8(0);
    write(&dir, "scorer", &cat(&[&pre(&[&prof]), &c.0]));

    // Loaded states and scorer, then the unstructured calls.
    let all = pre(&[&prof, &exact, &bounded, &scorer]);
    for k in 0..4u64 {
        write(
            &dir,
            &format!("artefacts-noise-{k}"),
            &cat(&[&all, &noise(400 + k, 256 + 128 * k as usize)]),
        );
        write(
            &dir,
            &format!("engine-noise-{k}"),
            &cat(&[
                &pre(&[&prof, &policy(k as usize % 3)]),
                &noise(500 + k, 256 + 128 * k as usize),
            ]),
        );
    }
}

/// Score states (issue 22) of the profile `score_state_decode` decodes
/// against: exact and bounded grids, an empty partition of a feature, NaN
/// skipped; each as the whole bytes (mode 0) and as the payload only
/// (mode 1: the target wraps it in a valid header).
fn score_state_seeds(root: &Path) {
    use tradewarden_drift::report::FeatureData;
    use tradewarden_drift::state::{CellGrid, ScoreState};
    let dir = root.join("score_state_decode");
    let x: Vec<f64> = (0..200u64)
        .map(|i| ((i * 37) % 41) as f64 / 4.0 - 5.0)
        .collect();
    let c: Vec<Option<&str>> = (0..200)
        .map(|i| [Some("a"), Some("b"), None][i % 3])
        .collect();
    let profile = Profile::fit_features(
        &[
            ("c", FeatureData::Categorical(&c)),
            ("x", FeatureData::Numeric(&x)),
        ],
        &ProfileOptions::default(),
    )
    .expect("fit");
    let cur = data(300, 11);
    let cats: Vec<Option<&str>> = (0..300)
        .map(|i| [Some("b"), Some("new"), None][i % 3])
        .collect();
    let cases: Vec<(&str, CellGrid, usize)> = vec![
        ("exact", CellGrid::Exact, 300),
        ("exact_small", CellGrid::Exact, 3),
        ("bounded8", CellGrid::Bounded { cells: 8 }, 300),
        ("bounded64", CellGrid::Bounded { cells: 64 }, 50),
    ];
    for (name, grid, n) in cases {
        let s = ScoreState::build(
            &profile,
            &[
                ("c", FeatureData::Categorical(&cats[..n])),
                ("x", FeatureData::Numeric(&cur[..n])),
            ],
            grid,
        )
        .expect("state");
        let b = s.to_bytes();
        write(&dir, &format!("{name}-whole"), &cat(&[&[0], &b]));
        write(&dir, &format!("{name}-payload"), &cat(&[&[1], &b[24..]]));
    }
}

/// Sketch grids and grid counts (issue 22) for `sketch_grid_decode`: the
/// target's fixed grid (`tradewarden_fuzz::grid_fixture`) and the counts of
/// its reference (whole and one partition: the target scores these against
/// that grid), a one-cell grid, a categorical-only grid, a grid under NaN
/// policy `skip`; each as the whole bytes (mode 0 grid / 2 counts) and as
/// the payload only (mode 1 / 3: the target wraps it in a valid header).
fn sketch_grid_seeds(root: &Path) {
    use tradewarden_drift::report::FeatureData;
    use tradewarden_drift::state::SketchGrid;
    let dir = root.join("sketch_grid_decode");
    let g = tradewarden_fuzz::grid_fixture();
    let (x, y, c) = tradewarden_fuzz::grid_reference();
    let all = [
        ("c", FeatureData::Categorical(&c)),
        ("x", FeatureData::Numeric(&x)),
        ("y", FeatureData::Numeric(&y)),
    ];
    let part = [
        ("c", FeatureData::Categorical(&c[..70])),
        ("x", FeatureData::Numeric(&x[..70])),
        ("y", FeatureData::Numeric(&y[..70])),
    ];
    let (_, counts) = g.reference_part(&all).expect("reference part");
    let (_, part_counts) = g.reference_part(&part).expect("reference part");
    let one_cell = SketchGrid::from_reference(&all[1..2], 4, 1, NanPolicy::Error, 1024)
        .expect("one-cell grid");
    let cat_only =
        SketchGrid::from_reference(&all[..1], 4, 8, NanPolicy::Error, 1024).expect("grid");
    let skip = SketchGrid::from_reference(&all, 3, 64, NanPolicy::Skip, 1024).expect("grid");
    let grids: [(&str, Vec<u8>); 4] = [
        ("grid", g.to_bytes()),
        ("grid_one_cell", one_cell.to_bytes()),
        ("grid_categorical", cat_only.to_bytes()),
        ("grid_skip", skip.to_bytes()),
    ];
    for (name, b) in grids {
        write(&dir, &format!("{name}-whole"), &cat(&[&[0], &b]));
        write(&dir, &format!("{name}-payload"), &cat(&[&[1], &b[24..]]));
    }
    for (name, b) in [
        ("counts", counts.to_bytes()),
        ("counts_part", part_counts.to_bytes()),
    ] {
        write(&dir, &format!("{name}-whole"), &cat(&[&[2], &b]));
        write(&dir, &format!("{name}-payload"), &cat(&[&[3], &b[24..]]));
    }
}

/// Rank summaries (issue 22's pass 1) for `rank_summary_decode`: a
/// partition's summary (all items kept), one with fewer items than values
/// (e > 0), a merge of two, a compressed merge, a constant column, one with
/// NaN counted (policy skip), and an empty one (all NaN); each as the whole
/// bytes (mode 0) and as the payload only (mode 1: the target wraps it in a
/// valid header).
fn rank_summary_seeds(root: &Path) {
    use tradewarden_drift::state::RankSummary;
    let dir = root.join("rank_summary_decode");
    let (x, y, _) = tradewarden_fuzz::grid_reference();
    let sum = |v: &[f64], items: usize, p: NanPolicy| {
        RankSummary::from_values(v, items, p).expect("rank summary")
    };
    let a = sum(&x, 4096, NanPolicy::Error);
    let b = sum(&y, 16, NanPolicy::Error);
    let mut merged = a.clone();
    merged.merge(&b).expect("merge");
    let node = RankSummary::merge_node(&[&a, &b], 8).expect("merge node");
    let mut with_nan = y.clone();
    with_nan[3] = f64::NAN;
    let seeds = [
        ("partition", a.to_bytes()),
        ("few_items", b.to_bytes()),
        ("merged", merged.to_bytes()),
        ("node", node.to_bytes()),
        ("constant", sum(&[2.5; 40], 8, NanPolicy::Error).to_bytes()),
        ("nan_skip", sum(&with_nan, 32, NanPolicy::Skip).to_bytes()),
        ("empty", sum(&[f64::NAN; 3], 8, NanPolicy::Skip).to_bytes()),
    ];
    for (name, b) in seeds {
        write(&dir, &format!("{name}-whole"), &cat(&[&[0], &b]));
        write(&dir, &format!("{name}-payload"), &cat(&[&[1], &b[24..]]));
    }
}

/// Returns states for `returns_state_decode`: serialized real states (a
/// partition, a merge whose drawdown straddles the cut, NaN skipped and
/// propagated, all NaN, one value, a rising series) as mode 0; returns as
/// mode 1 (2 bytes each, basis points; `i16::MIN` is NaN) under each NaN
/// policy; and field mutations of a real state as mode 2.
fn returns_state_seeds(root: &Path) {
    use tradewarden_core::ReturnsOptions;
    use tradewarden_core::returns::ReturnsState;
    let dir = root.join("returns_state_decode");
    let o = |p: NanPolicy, req: f64| ReturnsOptions {
        nan_policy: p,
        required_return: req,
        ..ReturnsOptions::default()
    };
    let r = [
        0.01, -0.02, 0.015, 0.03, -0.04, 0.02, 0.05, -0.01, -0.03, 0.04, 0.0, -0.005,
    ];
    let st = |v: &[f64], p: NanPolicy, req: f64| {
        ReturnsState::from_returns(v, &o(p, req)).expect("returns state")
    };
    let a = st(&r[..5], NanPolicy::Error, 0.0);
    let b = st(&r[5..], NanPolicy::Error, 0.0);
    let mut with_nan = r.to_vec();
    with_nan[4] = f64::NAN;
    let seeds = [
        ("partition", a.clone()),
        ("merged", a.merge(&b).expect("merge")),
        ("nan_skip", st(&with_nan, NanPolicy::Skip, 0.001)),
        ("nan_propagate", st(&with_nan, NanPolicy::Propagate, 0.0)),
        ("all_nan", st(&[f64::NAN; 3], NanPolicy::Skip, 0.0)),
        ("one_value", st(&[0.02], NanPolicy::Error, 0.0)),
        ("rising", st(&[0.001; 50], NanPolicy::Error, -0.01)),
        ("empty", ReturnsState::new(0.0).expect("empty")),
    ];
    for (name, s) in &seeds {
        write(
            &dir,
            &format!("{name}-json"),
            &cat(&[&[0], &s.to_bytes().expect("bytes")]),
        );
    }
    let bp = |v: &[f64]| -> Vec<u8> {
        v.iter()
            .flat_map(|x| {
                let q = if x.is_nan() {
                    i16::MIN
                } else {
                    (x * 10_000.0).round() as i16
                };
                q.to_le_bytes()
            })
            .collect()
    };
    // head: policy (0 skip, 1 propagate, 2 error), required return (‰, i8), cut
    for (name, head) in [
        ("skip", [0u8, 0, 5]),
        ("propagate", [1, 1, 3]),
        ("error", [2, 0xfe, 7]),
    ] {
        let body = cat(&[&[1], &head, &bp(&with_nan)]);
        write(&dir, &format!("series-{name}"), &body);
    }
    write(
        &dir,
        "series-big",
        &cat(&[
            &[1],
            &[0, 0, 9],
            &bp(&[3.0, -0.9, 2.5, -2.0, 1.0, -1.0, 0.5]),
        ]),
    );
    // mode 2: field index (pick % 14, state pick / 16 % 4), 8 value bytes, the series
    for pick in [5u8, 10, 11, 13, 29, 45, 61, 7, 1] {
        let body = cat(&[&[2, pick], &0.5f64.to_le_bytes(), &[0, 0, 5], &bp(&r)]);
        write(&dir, &format!("mutate-{pick}"), &body);
    }
}

fn main() {
    let root: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("corpus"));
    profile_seeds(&root);
    score_state_seeds(&root);
    sketch_grid_seeds(&root);
    rank_summary_seeds(&root);
    returns_state_seeds(&root);
    policy_seeds(&root);
    journal_seeds(&root);
    registry_seeds(&root);
    io_seeds(&root);
    capi_seeds(&root);
    println!("seed corpus written under {}", root.display());
}
