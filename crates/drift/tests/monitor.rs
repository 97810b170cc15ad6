//! Live monitor, telemetry and prediction-quality drift.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use tradewarden_drift::Error;
use tradewarden_drift::monitor::{
    LiveMonitor, LiveMonitorOptions, PREDICTION_DRIFT_ALERT, emit_prediction_quality,
    match_nearest, prediction_drift, prediction_drift_score, prediction_quality,
};
use tradewarden_drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};
use tradewarden_drift::report::Severity;

#[derive(Default)]
struct TestRecorder {
    values: Mutex<BTreeMap<String, Arc<AtomicU64>>>,
}

fn key_string(k: &Key) -> String {
    let mut labels: Vec<String> = k
        .labels()
        .map(|l| format!("{}={}", l.key(), l.value()))
        .collect();
    labels.sort();
    format!("{}{{{}}}", k.name(), labels.join(","))
}

impl TestRecorder {
    fn cell(&self, k: &Key) -> Arc<AtomicU64> {
        self.values
            .lock()
            .unwrap()
            .entry(key_string(k))
            .or_default()
            .clone()
    }
    fn get(&self, s: &str) -> Option<u64> {
        self.values
            .lock()
            .unwrap()
            .get(s)
            .map(|a| a.load(Ordering::SeqCst))
    }
}

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.cell(key))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(self.cell(key))
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

fn profile() -> (Profile, Vec<f64>) {
    let r: Vec<f64> = (0..2000)
        .map(|i| (i as f64 * 0.618_033_988_75).fract())
        .collect();
    let mut p = Profile::new();
    p.insert(
        "x",
        FeatureProfile::Numeric(NumericProfile::fit(&r, &ProfileOptions::default()).unwrap()),
    );
    (p, r)
}

#[test]
fn rolling_window_scores_and_emits() {
    let (p, r) = profile();
    let opts = LiveMonitorOptions {
        window: 1000,
        min_values: 100,
        ..Default::default()
    };
    let mut m = LiveMonitor::new(&p, opts).unwrap();
    m.push("x", &r[..50]).unwrap();
    assert!(m.score("x").unwrap().is_none());
    m.push("x", &r[50..1000]).unwrap();
    let s = m.score("x").unwrap().unwrap();
    assert!(s.psi < 0.01 && !s.drift);
    // shift the window completely: values above the reference max
    let shifted: Vec<f64> = r[..1000].iter().map(|v| v + 5.0).collect();
    m.push("x", &shifted).unwrap();
    let s = m.score("x").unwrap().unwrap();
    assert_eq!(s.n, 1000);
    assert!(s.drift && s.severity == Severity::Critical, "{s:?}");
    let rec = TestRecorder::default();
    let scores = metrics::with_local_recorder(&rec, || m.score_and_emit().unwrap());
    assert_eq!(scores.len(), 1);
    // names and label sets are the tradewarden-metrics catalog's (fixed names)
    let g = rec.get("drift_score{feature=x,method=psi}").unwrap();
    assert_eq!(f64::from_bits(g), s.psi);
    assert_eq!(
        rec.get("drift_detections_total{metric_type=psi,severity=critical}"),
        Some(1)
    );
    let catalog = tradewarden_metrics::Catalog::default();
    assert_eq!(
        catalog.lookup("drift_score").unwrap().labels,
        &["feature", "method"]
    );
    assert_eq!(
        catalog.lookup("drift_detections_total").unwrap().labels,
        &["metric_type", "severity"]
    );
    // an explicit prefix is still honoured
    let opts = LiveMonitorOptions {
        window: 1000,
        min_values: 100,
        prefix: "svc".into(),
        ..Default::default()
    };
    let mut m2 = LiveMonitor::new(&p, opts).unwrap();
    m2.push("x", &shifted).unwrap();
    let rec2 = TestRecorder::default();
    metrics::with_local_recorder(&rec2, || m2.score_and_emit().unwrap());
    assert!(rec2.get("svc_drift_score{feature=x,method=psi}").is_some());
}

#[test]
fn monitor_bad_input() {
    let (p, _) = profile();
    assert!(matches!(
        LiveMonitor::new(
            &p,
            LiveMonitorOptions {
                window: 0,
                ..Default::default()
            }
        ),
        Err(Error::InvalidParameter {
            param: "window",
            ..
        })
    ));
    assert!(matches!(
        LiveMonitor::new(
            &p,
            LiveMonitorOptions {
                window: 10,
                min_values: 11,
                ..Default::default()
            }
        ),
        Err(Error::InvalidParameter {
            param: "min_values",
            ..
        })
    ));
    let mut m = LiveMonitor::new(&p, LiveMonitorOptions::default()).unwrap();
    assert!(matches!(
        m.push("nope", &[1.0]),
        Err(Error::UnknownFeature { .. })
    ));
    assert!(matches!(
        m.push("x", &[f64::NAN]),
        Err(Error::NonFinite {
            param: "values",
            ..
        })
    ));
    assert!(matches!(m.score("nope"), Err(Error::UnknownFeature { .. })));
}

#[test]
fn prediction_quality_upstream_check() {
    // ml-trading-bot's test: prediction 3200+i, actual 3200+1.1i, i<10
    let ts: Vec<f64> = (0..10).map(|i| i as f64 * 900.0).collect();
    let pred: Vec<f64> = (0..10).map(|i| 3200.0 + i as f64).collect();
    let act: Vec<f64> = (0..10).map(|i| 3200.0 + 1.1 * i as f64).collect();
    // actuals stamped 60 s later; 15-minute tolerance
    let ats: Vec<f64> = ts.iter().map(|t| t + 60.0).collect();
    let pairs = match_nearest(&ts, &pred, &ats, &act, 900.0).unwrap();
    assert_eq!(pairs.len(), 10);
    let q = prediction_quality(&pairs).unwrap();
    assert!((q.mae - 0.45).abs() < 1e-9);
    assert!((q.mape_pct - 0.014_032).abs() < 1e-6, "{}", q.mape_pct);
    assert_eq!(q.directional_accuracy_pct, 100.0);
    let rec = TestRecorder::default();
    metrics::with_local_recorder(&rec, || {
        emit_prediction_quality(
            tradewarden_drift::telemetry::DEFAULT_PREFIX,
            "BTCUSDT",
            "1h",
            &q,
            0.1,
        )
    });
    let v = rec
        .get("prediction_quality_metric{metric=mae,symbol=BTCUSDT,timeframe=1h}")
        .unwrap();
    assert_eq!(f64::from_bits(v), q.mae);
    let def = tradewarden_metrics::Catalog::default()
        .lookup("prediction_quality_metric")
        .unwrap();
    assert_eq!(def.labels, &["symbol", "timeframe", "metric"]);
}

#[test]
fn nearest_match_respects_tolerance_and_order() {
    let pairs = match_nearest(
        &[10.0, 100.0],
        &[1.0, 2.0],
        &[0.0, 20.0, 300.0],
        &[5.0, 6.0, 7.0],
        10.0,
    )
    .unwrap();
    // 10 is equidistant from 0 and 20: the earlier actual wins; 100 has none within 10
    assert_eq!(pairs, vec![(1.0, 5.0)]);
    assert!(matches!(
        match_nearest(&[2.0, 1.0], &[1.0, 1.0], &[0.0], &[1.0], 1.0),
        Err(Error::InvalidParameter {
            param: "pred_ts",
            ..
        })
    ));
    assert!(matches!(
        match_nearest(&[1.0], &[1.0, 2.0], &[0.0], &[1.0], 1.0),
        Err(Error::InvalidParameter { param: "pred", .. })
    ));
    assert!(matches!(
        match_nearest(&[1.0], &[1.0], &[0.0], &[1.0], -1.0),
        Err(Error::InvalidParameter {
            param: "tolerance",
            ..
        })
    ));
    assert!(matches!(
        prediction_quality(&[]),
        Err(Error::TooFewValues { .. })
    ));
}

#[test]
fn drift_score_clamps_and_alerts() {
    assert_eq!(prediction_drift_score(&[1.0, 1.0], 1.0).unwrap(), 0.0);
    assert_eq!(prediction_drift_score(&[0.5], 1.0).unwrap(), 0.0);
    assert_eq!(prediction_drift_score(&[5.0], 1.0).unwrap(), 1.0);
    let s = prediction_drift_score(&[1.1, 1.3], 1.0).unwrap();
    assert!((s - 0.2).abs() < 1e-12);
    assert!(prediction_drift_score(&[1.3, 1.3], 1.0).unwrap() > PREDICTION_DRIFT_ALERT);
    assert!(matches!(
        prediction_drift_score(&[1.0], 0.0),
        Err(Error::InvalidParameter {
            param: "training_rmse",
            ..
        })
    ));
    assert!(matches!(
        prediction_drift_score(&[], 1.0),
        Err(Error::TooFewValues { .. })
    ));
    let d = prediction_drift(&[1.1, 1.3], 1.0, PREDICTION_DRIFT_ALERT).unwrap();
    // exactly at the threshold (within rounding) is not above it
    assert_eq!(d.alert, d.score > 0.20);
    assert!(
        prediction_drift(&[1.25], 1.0, PREDICTION_DRIFT_ALERT)
            .unwrap()
            .alert
    );
    assert!(
        !prediction_drift(&[1.15], 1.0, PREDICTION_DRIFT_ALERT)
            .unwrap()
            .alert
    );
    assert!(!prediction_drift(&[0.5], 1.0, 0.0).unwrap().alert);
    assert!(matches!(
        prediction_drift(&[1.0], 1.0, 1.5),
        Err(Error::InvalidParameter {
            param: "threshold",
            ..
        })
    ));
    assert!(matches!(
        prediction_drift(&[1.0], f64::NAN, 0.2),
        Err(Error::InvalidParameter {
            param: "training_rmse",
            ..
        })
    ));
}

fn profile_with(values: &[f64], options: ProfileOptions) -> Profile {
    let mut p = Profile::new();
    p.insert(
        "x",
        FeatureProfile::Numeric(NumericProfile::fit(values, &options).unwrap()),
    );
    p
}

/// The monitor scores JS and KS besides PSI (the seed's three): JS equals
/// the crate's `jensenshannon` over the profile's bin counts, KS the
/// largest gap of the two empirical CDFs at the profile's edges, computed
/// here from the raw values.
#[test]
fn monitor_scores_js_and_ks_besides_psi() {
    use tradewarden_drift::distance::jensenshannon;
    let (p, r) = profile();
    let FeatureProfile::Numeric(np) = &p.features["x"] else {
        unreachable!()
    };
    let mut m = LiveMonitor::new(
        &p,
        LiveMonitorOptions {
            window: 400,
            min_values: 100,
            ..Default::default()
        },
    )
    .unwrap();
    // a window that drifts partly: 400 values in the upper 60 % of the range
    let cur: Vec<f64> = r[..400].iter().map(|v| 0.4 + 0.6 * v).collect();
    m.push("x", &cur).unwrap();
    let s = m.score("x").unwrap().unwrap();
    let h = np.histogram(&cur).unwrap();
    let pf: Vec<f64> = np.counts.iter().map(|&c| c as f64).collect();
    let qf: Vec<f64> = h.iter().map(|&c| c as f64).collect();
    assert_eq!(s.jensenshannon, jensenshannon(&pf, &qf, None).unwrap());
    let ecdf = |v: &[f64], e: f64| v.iter().filter(|&&x| x < e).count() as f64 / v.len() as f64;
    let ks = np.edges[1..np.edges.len() - 1]
        .iter()
        .map(|&e| (ecdf(&r, e) - ecdf(&cur, e)).abs())
        .fold(0.0, f64::max);
    assert!((s.ks - ks).abs() < 1e-12, "{} vs {ks}", s.ks);
    assert!(s.ks > 0.35 && s.ks < 0.45, "{}", s.ks);
    assert!(s.jensenshannon > 0.2);
    assert_eq!(s.psi, np.psi(&cur, Default::default()).unwrap());
    assert!(s.ks_drift && s.js_drift && s.drift, "{s:?}");
    // thresholds above the statistics: no flags
    let mut quiet = LiveMonitor::new(
        &p,
        LiveMonitorOptions {
            window: 400,
            min_values: 100,
            psi_threshold: 100.0,
            js_threshold: 0.99,
            ks_threshold: 0.99,
            ..Default::default()
        },
    )
    .unwrap();
    quiet.push("x", &cur).unwrap();
    let q = quiet.score("x").unwrap().unwrap();
    assert!(!q.drift && !q.js_drift && !q.ks_drift);
    // every statistic is emitted, named by the catalog
    let rec = TestRecorder::default();
    metrics::with_local_recorder(&rec, || m.score_and_emit().unwrap());
    for (method, v) in [
        ("psi", s.psi),
        ("jensenshannon", s.jensenshannon),
        ("ks", s.ks),
    ] {
        let g = rec
            .get(&format!("drift_score{{feature=x,method={method}}}"))
            .unwrap();
        assert_eq!(f64::from_bits(g), v, "{method}");
    }
    // a bad threshold is named
    let e = LiveMonitor::new(
        &p,
        LiveMonitorOptions {
            ks_threshold: f64::NAN,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(matches!(
        e,
        Error::InvalidParameter {
            param: "ks_threshold",
            ..
        }
    ));
}

/// The detections counter counts transitions into drift, not every call
/// while drifted; a recovery re-arms it.
#[test]
fn detections_count_transitions_into_drift() {
    let (p, r) = profile();
    let mut m = LiveMonitor::new(
        &p,
        LiveMonitorOptions {
            window: 500,
            min_values: 100,
            ..Default::default()
        },
    )
    .unwrap();
    let shifted: Vec<f64> = r[..500].iter().map(|v| v + 5.0).collect();
    let rec = TestRecorder::default();
    let key = "drift_detections_total{metric_type=psi,severity=critical}";
    m.push("x", &shifted).unwrap();
    metrics::with_local_recorder(&rec, || {
        m.score_and_emit().unwrap();
        m.score_and_emit().unwrap();
        m.score_and_emit().unwrap();
    });
    assert_eq!(
        rec.get(key),
        Some(1),
        "three calls while drifted: one detection"
    );
    for method in ["jensenshannon", "ks"] {
        assert_eq!(
            rec.get(&format!(
                "drift_detections_total{{metric_type={method},severity=critical}}"
            )),
            Some(1),
            "{method}"
        );
    }
    // back to the reference distribution: no drift, no count
    m.push("x", &r[..500]).unwrap();
    let s = metrics::with_local_recorder(&rec, || m.score_and_emit().unwrap());
    assert!(!s[0].drift);
    assert_eq!(rec.get(key), Some(1));
    // drifting again is a new transition
    m.push("x", &shifted).unwrap();
    metrics::with_local_recorder(&rec, || m.score_and_emit().unwrap());
    assert_eq!(rec.get(key), Some(2));
}

/// Non-finite values follow the profile's NaN policy: skipped and counted
/// under `skip`, a typed error (nothing added) under `error`.
#[test]
fn monitor_follows_the_profiles_nan_policy() {
    let r: Vec<f64> = (0..1000).map(f64::from).collect();
    let skip = ProfileOptions {
        nan_policy: tradewarden_core::NanPolicy::Skip,
        ..Default::default()
    };
    let opts = LiveMonitorOptions {
        window: 100,
        min_values: 2,
        ..Default::default()
    };
    let mut m = LiveMonitor::new(&profile_with(&r, skip), opts.clone()).unwrap();
    m.push(
        "x",
        &[1.0, f64::NAN, 500.0, f64::INFINITY, f64::NEG_INFINITY],
    )
    .unwrap();
    let s = m.score("x").unwrap().unwrap();
    assert_eq!((s.n, s.skipped), (2, 3));
    let mut clean = LiveMonitor::new(&profile_with(&r, ProfileOptions::default()), opts).unwrap();
    let e = clean.push("x", &[1.0, f64::NAN]).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NonFinite {
                param: "values",
                index: 1,
                ..
            }
        ),
        "{e:?}"
    );
    clean.push("x", &[1.0, 2.0]).unwrap();
    let s = clean.score("x").unwrap().unwrap();
    assert_eq!((s.n, s.skipped), (2, 0), "the refused batch added nothing");
}

/// Categorical and Sturges-binned features cannot be binned in a rolling
/// window: refused at construction, naming the feature — never silently
/// left out of the monitor.
#[test]
fn monitor_refuses_features_it_cannot_score() {
    use tradewarden_drift::profile::{BinStrategy, CategoricalProfile};
    let r: Vec<f64> = (0..1000).map(f64::from).collect();
    let mut p = profile_with(&r, ProfileOptions::default());
    p.insert(
        "venue",
        FeatureProfile::Categorical(CategoricalProfile::fit(&[Some("a"), Some("b")]).unwrap()),
    );
    let e = LiveMonitor::new(&p, LiveMonitorOptions::default()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                param: "profile",
                ..
            }
        ) && e.to_string().contains("venue")
            && e.to_string().contains("categorical"),
        "{e}"
    );
    let sturges = ProfileOptions {
        bins: BinStrategy::Sturges,
        ..Default::default()
    };
    let mut p = profile_with(&r, ProfileOptions::default());
    p.insert(
        "s",
        FeatureProfile::Numeric(NumericProfile::fit(&r, &sturges).unwrap()),
    );
    let e = LiveMonitor::new(&p, LiveMonitorOptions::default()).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidParameter {
                param: "profile",
                ..
            }
        ) && e.to_string().contains("\"s\"")
            && e.to_string().contains("Sturges"),
        "{e}"
    );
}
