//! Live monitoring: a rolling window per feature scored incrementally
//! against a frozen profile, and prediction-quality drift.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::profile::{BinStrategy, FeatureProfile, Profile};
use crate::report::{Severity, SeverityBands};
use crate::telemetry;
use tradewarden_core::NanPolicy;
use tradewarden_metrics::catalog;

/// The largest [`LiveMonitorOptions::window`]: 2^24 = 16 777 216 values per
/// feature. A monitor allocates each feature's window up front (2 bytes a
/// value: 32 MiB per feature at the cap), so a larger request is refused
/// with a typed error before anything is allocated — the same bound from
/// Rust, Python and C (`TW_MAX_MONITOR_WINDOW`).
pub const MAX_WINDOW: usize = 1 << 24;

/// Default [`LiveMonitorOptions::js_threshold`]: √0.05 ≈ 0.2236, the
/// Jensen–Shannon *distance* whose square is the seed's alert threshold on
/// the JS *divergence* (Market NN Plus Ultra's live monitor alerts at
/// divergence > 0.05; this crate reports the distance, as scipy's
/// `jensenshannon`, everywhere).
pub const DEFAULT_JS_THRESHOLD: f64 = 0.223_606_797_749_978_96;

/// Default [`LiveMonitorOptions::ks_threshold`]: 0.15, the seed's alert
/// threshold on the KS statistic.
pub const DEFAULT_KS_THRESHOLD: f64 = 0.15;

/// Options of a [`LiveMonitor`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiveMonitorOptions {
    /// Rolling window length per feature (values), in 1..=[`MAX_WINDOW`].
    pub window: usize,
    /// Minimum values in the window before a score is produced.
    pub min_values: usize,
    /// ε floor of bin fractions in PSI.
    pub psi_epsilon: f64,
    /// PSI drift threshold (drift when PSI > it; default 0.2, the seed's).
    pub psi_threshold: f64,
    /// Jensen–Shannon distance threshold (drift when JS > it; default
    /// [`DEFAULT_JS_THRESHOLD`]).
    pub js_threshold: f64,
    /// KS statistic threshold (drift when KS > it; default
    /// [`DEFAULT_KS_THRESHOLD`]).
    pub ks_threshold: f64,
    /// PSI severity bands.
    pub bands: SeverityBands,
    /// Prefix prepended (with `_`) to the metric names; empty by default so
    /// the `tradewarden-metrics` catalog names are emitted verbatim.
    pub prefix: String,
}

impl Default for LiveMonitorOptions {
    fn default() -> Self {
        LiveMonitorOptions {
            window: 10_000,
            min_values: 500,
            psi_epsilon: crate::psi::DEFAULT_PSI_EPSILON,
            psi_threshold: 0.2,
            js_threshold: DEFAULT_JS_THRESHOLD,
            ks_threshold: DEFAULT_KS_THRESHOLD,
            bands: SeverityBands::AUTOTRADER_PSI,
            prefix: telemetry::DEFAULT_PREFIX.to_string(),
        }
    }
}

/// Whether a statistic was over its threshold at the last
/// [`LiveMonitor::score_and_emit`] (the detections counter counts the
/// transitions into drift). Atomic so that emission takes `&self`.
#[derive(Debug, Default)]
struct Latch(AtomicBool);

impl Clone for Latch {
    fn clone(&self) -> Self {
        Latch(AtomicBool::new(self.0.load(Ordering::Relaxed)))
    }
}

impl Latch {
    /// Records `now`; true when it is a transition from not drifted to drifted.
    fn rises(&self, now: bool) -> bool {
        !self.0.swap(now, Ordering::Relaxed) && now
    }
}

#[derive(Debug, Clone)]
struct Window {
    edges: Vec<f64>,
    reference: Vec<u64>,
    reference_total: f64,
    bins: VecDeque<u16>,
    counts: Vec<u64>,
    nan_policy: NanPolicy,
    skipped: u64,
    /// psi, js, ks
    drifted: [Latch; 3],
}

/// The statistics a [`LiveMonitor`] scores, in the order of its telemetry:
/// (`method` label, name used in the detections counter's `metric_type`).
const METHODS: [&str; 3] = ["psi", "jensenshannon", "ks"];

/// A live score of one feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveScore {
    /// Feature.
    pub feature: String,
    /// PSI of the window against the profile.
    pub psi: f64,
    /// Jensen–Shannon distance (natural log) between the reference's and the
    /// window's frequencies over the profile's bins.
    pub jensenshannon: f64,
    /// KS statistic on the profile's bin edges: max over the inner edges of
    /// |F_ref(e⁻) − F_window(e⁻)| (the two empirical CDFs just below each
    /// edge, from the bin counts). A lower bound of the two-sample KS
    /// statistic, equal to it when every value lies on an edge or the
    /// largest gap falls on one.
    pub ks: f64,
    /// Values in the window.
    pub n: usize,
    /// Non-finite values skipped so far under the profile's `skip` NaN
    /// policy (never in the window; 0 under `error`).
    pub skipped: u64,
    /// PSI > `psi_threshold` (PSI decides, as before JS/KS were added).
    pub drift: bool,
    /// JS > `js_threshold`.
    pub js_drift: bool,
    /// KS > `ks_threshold`.
    pub ks_drift: bool,
    /// Severity from the PSI bands.
    pub severity: Severity,
}

impl LiveScore {
    fn flags(&self) -> [(f64, bool); 3] {
        [
            (self.psi, self.drift),
            (self.jensenshannon, self.js_drift),
            (self.ks, self.ks_drift),
        ]
    }
}

/// Rolling-window monitor of PSI, Jensen–Shannon distance and the KS
/// statistic (the seed's three) over the numeric features of a frozen
/// profile. Each pushed value updates its bin count in O(log bins); evicted
/// values are subtracted, so scoring is O(bins). Pushing and scoring
/// allocate nothing beyond the windows allocated at construction.
///
/// Non-finite values follow the profile's NaN policy: `skip` drops and
/// counts them ([`LiveScore::skipped`]), `error` (and `propagate`, which a
/// frozen profile cannot honour) refuse the batch with a typed error.
/// Categorical and Sturges-binned features cannot be scored incrementally
/// and are refused at construction (a typed error naming the feature).
///
/// ```
/// use tradewarden_drift::monitor::{LiveMonitor, LiveMonitorOptions};
/// use tradewarden_drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};
/// let r: Vec<f64> = (0..1000).map(|i| i as f64).collect();
/// let mut p = Profile::new();
/// p.insert("x", FeatureProfile::Numeric(NumericProfile::fit(&r, &ProfileOptions::default()).unwrap()));
/// let opts = LiveMonitorOptions { window: 1000, min_values: 10, ..Default::default() };
/// let mut m = LiveMonitor::new(&p, opts).unwrap();
/// m.push("x", &r).unwrap();
/// let s = m.score("x").unwrap().unwrap();
/// assert_eq!((s.psi, s.jensenshannon, s.ks), (0.0, 0.0, 0.0));
/// ```
#[derive(Debug, Clone)]
pub struct LiveMonitor {
    options: LiveMonitorOptions,
    windows: BTreeMap<String, Window>,
}

fn check_threshold(param: &'static str, v: f64) -> Result<()> {
    if !(v >= 0.0 && v.is_finite()) {
        return Err(Error::invalid(param, v, "must be finite and ≥ 0"));
    }
    Ok(())
}

impl LiveMonitor {
    /// Builds a monitor for every numeric feature of `profile`.
    ///
    /// `window` must be in 1..=[`MAX_WINDOW`], `min_values` in 1..=`window`,
    /// `psi_epsilon` in (0, 1), the thresholds finite and ≥ 0; otherwise an
    /// [`Error`] naming the option. A categorical feature, a Sturges-binned
    /// one (its bins depend on the current data) or one with more than
    /// 65 535 bins is refused with `InvalidParameter` naming `profile` and
    /// the feature — never silently left out.
    pub fn new(profile: &Profile, options: LiveMonitorOptions) -> Result<Self> {
        if options.window == 0 {
            return Err(Error::invalid("window", 0, "must be ≥ 1"));
        }
        if options.window > MAX_WINDOW {
            return Err(Error::invalid(
                "window",
                options.window,
                "must be ≤ MAX_WINDOW = 2^24 = 16777216 values (each feature's window is allocated up front)",
            ));
        }
        if options.min_values == 0 || options.min_values > options.window {
            return Err(Error::invalid(
                "min_values",
                options.min_values,
                "must be in 1..=window",
            ));
        }
        if !(options.psi_epsilon > 0.0 && options.psi_epsilon < 1.0) {
            return Err(Error::invalid(
                "psi_epsilon",
                options.psi_epsilon,
                "must be in (0, 1)",
            ));
        }
        check_threshold("psi_threshold", options.psi_threshold)?;
        check_threshold("js_threshold", options.js_threshold)?;
        check_threshold("ks_threshold", options.ks_threshold)?;
        let mut windows = BTreeMap::new();
        for (name, f) in &profile.features {
            let p = match f {
                FeatureProfile::Numeric(p) => p,
                FeatureProfile::Categorical(_) => {
                    return Err(Error::invalid(
                        "profile",
                        format!("feature {name:?} is categorical"),
                        "a live monitor scores numeric features only: monitor a profile without it",
                    ));
                }
            };
            if p.options.bins == BinStrategy::Sturges || p.edges.is_empty() {
                return Err(Error::invalid(
                    "profile",
                    format!("feature {name:?} has Sturges bins"),
                    "Sturges bins are fitted on reference ∪ current at scoring time, so a \
                     rolling window cannot be binned: fit the profile with quantile, \
                     equal-width or explicit bins",
                ));
            }
            if p.counts.len() > usize::from(u16::MAX) {
                return Err(Error::invalid(
                    "profile",
                    format!("feature {name:?} has {} bins", p.counts.len()),
                    "a live monitor takes at most 65535 bins per feature",
                ));
            }
            // a profile built by hand may be inconsistent: `push` indexes
            // the counts by the edges, so check them once here
            p.validate_bins().map_err(|e| in_monitor_feature(name, e))?;
            windows.insert(
                name.clone(),
                Window {
                    edges: p.edges.clone(),
                    reference: p.counts.clone(),
                    reference_total: p.counts.iter().map(|&c| c as f64).sum(),
                    bins: VecDeque::with_capacity(options.window),
                    counts: vec![0; p.counts.len()],
                    nan_policy: p.options.nan_policy,
                    skipped: 0,
                    drifted: Default::default(),
                },
            );
        }
        Ok(LiveMonitor { options, windows })
    }

    /// Appends values to a feature's window. Non-finite values follow the
    /// feature's NaN policy: skipped and counted under `skip`; otherwise the
    /// batch is refused (`NonFinite` naming `values` and the index) and
    /// nothing is added.
    pub fn push(&mut self, feature: &str, values: &[f64]) -> Result<()> {
        let window = self.options.window;
        let w = self
            .windows
            .get_mut(feature)
            .ok_or_else(|| Error::UnknownFeature {
                param: "feature",
                name: feature.to_string(),
            })?;
        if w.nan_policy != NanPolicy::Skip {
            crate::sample::check_finite("values", values)?;
        }
        let inner = &w.edges[1..w.edges.len() - 1];
        for &v in values {
            if !v.is_finite() {
                w.skipped += 1;
                continue;
            }
            let b = inner.partition_point(|&e| e <= v);
            w.counts[b] += 1;
            w.bins.push_back(b as u16);
            if w.bins.len() > window
                && let Some(old) = w.bins.pop_front()
            {
                w.counts[usize::from(old)] -= 1;
            }
        }
        Ok(())
    }

    /// Scores one feature; `None` until the window holds `min_values`.
    pub fn score(&self, feature: &str) -> Result<Option<LiveScore>> {
        let w = self
            .windows
            .get(feature)
            .ok_or_else(|| Error::UnknownFeature {
                param: "feature",
                name: feature.to_string(),
            })?;
        if w.bins.len() < self.options.min_values {
            return Ok(None);
        }
        let psi = crate::psi::psi_from_counts(&w.reference, &w.counts, self.options.psi_epsilon)?;
        let js = crate::distance::jensenshannon_counts(&w.reference, &w.counts);
        let n = w.bins.len();
        let (mut cum_ref, mut cum_win, mut ks) = (0u64, 0u64, 0.0f64);
        for (&r, &c) in w.reference.iter().zip(&w.counts) {
            cum_ref += r;
            cum_win += c;
            let d = (cum_ref as f64 / w.reference_total - cum_win as f64 / n as f64).abs();
            ks = ks.max(d);
        }
        Ok(Some(LiveScore {
            feature: feature.to_string(),
            psi,
            jensenshannon: js,
            ks,
            n,
            skipped: w.skipped,
            drift: psi > self.options.psi_threshold,
            js_drift: js > self.options.js_threshold,
            ks_drift: ks > self.options.ks_threshold,
            severity: self.options.bands.classify(psi),
        }))
    }

    /// Scores every feature with enough values and emits, through `metrics`
    /// under the installed catalog's names (see [`crate::telemetry`]):
    ///
    /// - `drift_score{feature, method}` for `method` = `psi`,
    ///   `jensenshannon` and `ks`, every call;
    /// - `drift_detections_total{metric_type, severity}` (same `metric_type`
    ///   values; `severity` from the PSI bands) **once per transition into
    ///   drift**: when a statistic exceeds its threshold and did not at the
    ///   feature's previous scored call of this method. A feature that stays
    ///   drifted is not counted again; one that recovers and drifts again
    ///   is. A feature not yet scored (fewer than `min_values`) keeps its
    ///   previous state.
    pub fn score_and_emit(&self) -> Result<Vec<LiveScore>> {
        let score_name = telemetry::name(&self.options.prefix, &catalog::DRIFT_SCORE);
        let det_name = telemetry::name(&self.options.prefix, &catalog::DRIFT_DETECTIONS);
        let mut out = Vec::new();
        for (name, w) in &self.windows {
            if let Some(s) = self.score(name)? {
                for ((method, (value, drifted)), latch) in
                    METHODS.iter().zip(s.flags()).zip(&w.drifted)
                {
                    metrics::gauge!(score_name.clone(), telemetry::labels::FEATURE => name.clone(), telemetry::labels::METHOD => *method).set(value);
                    if latch.rises(drifted) {
                        metrics::counter!(det_name.clone(), telemetry::labels::METRIC_TYPE => *method, telemetry::labels::SEVERITY => s.severity.as_str()).increment(1);
                    }
                }
                out.push(s);
            }
        }
        Ok(out)
    }
}

fn in_monitor_feature(name: &str, e: Error) -> Error {
    match e {
        Error::Corrupt {
            artefact,
            what,
            reason,
        } => Error::Corrupt {
            artefact,
            what,
            reason: format!("feature {name:?}: {reason}"),
        },
        other => other,
    }
}

/// Prediction-quality metrics over matched (prediction, actual) pairs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PredictionQuality {
    /// Matched pairs.
    pub n: usize,
    /// Mean absolute error.
    pub mae: f64,
    /// Mean absolute percentage error in **percent**, denominator |actual| clipped at 1e-6.
    pub mape_pct: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Percent of consecutive steps where prediction and actual move in the same
    /// direction (sign of the first difference); NaN with fewer than 2 pairs.
    pub directional_accuracy_pct: f64,
}

/// Matches each prediction to the actual with the nearest timestamp within
/// `tolerance` seconds (pandas `merge_asof(direction="nearest")`; on a tie the
/// earlier actual wins). Timestamps must be sorted ascending. Returns
/// (prediction, actual) pairs for matched predictions.
pub fn match_nearest(
    pred_ts: &[f64],
    pred: &[f64],
    actual_ts: &[f64],
    actual: &[f64],
    tolerance: f64,
) -> Result<Vec<(f64, f64)>> {
    if pred_ts.len() != pred.len() {
        return Err(Error::invalid(
            "pred",
            format!("length {}", pred.len()),
            "must match pred_ts",
        ));
    }
    if actual_ts.len() != actual.len() {
        return Err(Error::invalid(
            "actual",
            format!("length {}", actual.len()),
            "must match actual_ts",
        ));
    }
    if !(tolerance >= 0.0) {
        return Err(Error::invalid("tolerance", tolerance, "must be ≥ 0"));
    }
    for (param, s) in [
        ("pred_ts", pred_ts),
        ("pred", pred),
        ("actual_ts", actual_ts),
        ("actual", actual),
    ] {
        crate::sample::check_finite(param, s)?;
    }
    for (param, s) in [("pred_ts", pred_ts), ("actual_ts", actual_ts)] {
        if let Some(i) = s.windows(2).position(|w| w[1] < w[0]) {
            return Err(Error::invalid(
                param,
                format!("{param}[{}] = {}", i + 1, s[i + 1]),
                "timestamps must be sorted ascending",
            ));
        }
    }
    let mut out = Vec::new();
    let mut j = 0usize;
    for (&t, &p) in pred_ts.iter().zip(pred) {
        while j + 1 < actual_ts.len() && actual_ts[j + 1] <= t {
            j += 1;
        }
        let mut best: Option<(f64, usize)> = None;
        for k in [j, j + 1] {
            if let Some(&ta) = actual_ts.get(k) {
                let d = (ta - t).abs();
                if d <= tolerance && best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, k));
                }
            }
        }
        if let Some((_, k)) = best {
            out.push((p, actual[k]));
        }
    }
    Ok(out)
}

/// `np.sign`: −1, 0 or 1 (a flat step is 0, not "up" as `f64::signum(0.0)`
/// = 1 would make it); NaN stays NaN (never a hit).
fn np_sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else if x == 0.0 {
        0.0
    } else {
        f64::NAN
    }
}

/// MAE, MAPE (%), RMSE and directional accuracy (%) of matched pairs.
/// Directional accuracy counts steps whose predicted and actual moves have
/// the same `np.sign` (a flat step matches only a flat step), as the seed.
///
/// # Errors
/// No pairs: [`Error::TooFewValues`]. A NaN or ±inf prediction or actual:
/// [`Error::InvalidParameter`] (`InvalidInput`) naming `predictions` or
/// `actuals`, the pair's index and the value — no NaN policy: a metric over
/// a missing value is no number to publish; drop the pair first (as
/// [`match_nearest`] refuses them).
pub fn prediction_quality(pairs: &[(f64, f64)]) -> Result<PredictionQuality> {
    if pairs.is_empty() {
        return Err(Error::TooFewValues {
            param: "pairs",
            actual: 0,
            min: 1,
        });
    }
    for (index, &(p, a)) in pairs.iter().enumerate() {
        for (param, value) in [("predictions", p), ("actuals", a)] {
            if !value.is_finite() {
                return Err(Error::InvalidParameter {
                    param,
                    value: format!("{value} (pair {index})"),
                    reason: "must be finite (no NaN policy here: drop the pair)",
                });
            }
        }
    }
    let n = pairs.len() as f64;
    let mae = pairs.iter().map(|(p, a)| (p - a).abs()).sum::<f64>() / n;
    let mape = pairs
        .iter()
        .map(|(p, a)| (p - a).abs() / a.abs().max(1e-6))
        .sum::<f64>()
        / n
        * 100.0;
    let rmse = (pairs.iter().map(|(p, a)| (p - a) * (p - a)).sum::<f64>() / n).sqrt();
    let dir = if pairs.len() < 2 {
        f64::NAN
    } else {
        let hits = pairs
            .windows(2)
            .filter(|w| np_sign(w[1].0 - w[0].0) == np_sign(w[1].1 - w[0].1))
            .count();
        hits as f64 / (pairs.len() - 1) as f64 * 100.0
    };
    Ok(PredictionQuality {
        n: pairs.len(),
        mae,
        mape_pct: mape,
        rmse,
        directional_accuracy_pct: dir,
    })
}

/// [`prediction_quality`] of aligned arrays: `predictions[i]` against
/// `actuals[i]`.
///
/// ```
/// use tradewarden_drift::monitor::prediction_quality_aligned;
/// let q = prediction_quality_aligned(&[1.0, 2.0, 4.0], &[1.0, 3.0, 4.0]).unwrap();
/// assert_eq!((q.n, q.mae, q.directional_accuracy_pct), (3, 1.0 / 3.0, 100.0));
/// assert!(prediction_quality_aligned(&[1.0, f64::NAN], &[1.0, 2.0]).is_err());
/// ```
///
/// # Errors
/// Arrays of different lengths: [`Error::InvalidParameter`] naming
/// `actuals`; otherwise as [`prediction_quality`].
pub fn prediction_quality_aligned(
    predictions: &[f64],
    actuals: &[f64],
) -> Result<PredictionQuality> {
    if predictions.len() != actuals.len() {
        return Err(Error::InvalidParameter {
            param: "actuals",
            value: format!("length {}", actuals.len()),
            reason: "must match the length of predictions",
        });
    }
    let pairs: Vec<(f64, f64)> = predictions
        .iter()
        .copied()
        .zip(actuals.iter().copied())
        .collect();
    prediction_quality(&pairs)
}

/// Default alert threshold of [`prediction_drift_score`].
pub const PREDICTION_DRIFT_ALERT: f64 = 0.20;

/// drift_score = clamp((mean recent RMSE − training RMSE)/training RMSE, 0, 1).
pub fn prediction_drift_score(recent_rmse: &[f64], training_rmse: f64) -> Result<f64> {
    if !(training_rmse > 0.0 && training_rmse.is_finite()) {
        return Err(Error::invalid(
            "training_rmse",
            training_rmse,
            "must be finite and > 0",
        ));
    }
    if recent_rmse.is_empty() {
        return Err(Error::TooFewValues {
            param: "recent_rmse",
            actual: 0,
            min: 1,
        });
    }
    crate::sample::check_finite("recent_rmse", recent_rmse)?;
    let mean = recent_rmse.iter().sum::<f64>() / recent_rmse.len() as f64;
    Ok(((mean - training_rmse) / training_rmse).clamp(0.0, 1.0))
}

/// Verdict of [`prediction_drift`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PredictionDrift {
    /// clamp((mean recent RMSE − training RMSE)/training RMSE, 0, 1).
    pub score: f64,
    /// The alert threshold used.
    pub threshold: f64,
    /// `score > threshold`.
    pub alert: bool,
}

/// [`prediction_drift_score`] with its alert: `alert = score > threshold`
/// (ml-trading-bot alerts above [`PREDICTION_DRIFT_ALERT`] = 0.20).
///
/// ```
/// use tradewarden_drift::monitor::{prediction_drift, PREDICTION_DRIFT_ALERT};
/// let d = prediction_drift(&[1.3, 1.2], 1.0, PREDICTION_DRIFT_ALERT).unwrap();
/// assert!((d.score - 0.25).abs() < 1e-12 && d.alert);
/// ```
pub fn prediction_drift(
    recent_rmse: &[f64],
    training_rmse: f64,
    threshold: f64,
) -> Result<PredictionDrift> {
    if !(0.0..=1.0).contains(&threshold) {
        return Err(Error::invalid("threshold", threshold, "must be in [0, 1]"));
    }
    let score = prediction_drift_score(recent_rmse, training_rmse)?;
    Ok(PredictionDrift {
        score,
        threshold,
        alert: score > threshold,
    })
}

/// Sets `prediction_quality_metric{symbol,timeframe,metric}` for mae, mape,
/// directional_accuracy and drift_score. Pass `prefix = ""`
/// ([`telemetry::DEFAULT_PREFIX`]) for the catalog name.
pub fn emit_prediction_quality(
    prefix: &str,
    symbol: &str,
    timeframe: &str,
    q: &PredictionQuality,
    drift_score: f64,
) {
    let name = telemetry::name(prefix, &catalog::PREDICTION_QUALITY_METRIC);
    for (metric, v) in [
        ("mae", q.mae),
        ("mape", q.mape_pct),
        ("directional_accuracy", q.directional_accuracy_pct),
        ("drift_score", drift_score),
    ] {
        metrics::gauge!(
            name.clone(),
            telemetry::labels::SYMBOL => symbol.to_string(),
            telemetry::labels::TIMEFRAME => timeframe.to_string(),
            telemetry::labels::METRIC => metric
        )
        .set(v);
    }
}

#[cfg(test)]
mod window_cap_tests {
    use super::*;
    use crate::profile::{NumericProfile, ProfileOptions};

    fn profile() -> Profile {
        let r: Vec<f64> = (0..1000).map(f64::from).collect();
        let mut p = Profile::new();
        p.insert(
            "x",
            FeatureProfile::Numeric(
                NumericProfile::fit(&r, &ProfileOptions::default()).expect("fit"),
            ),
        );
        p
    }

    /// A window beyond the cap is refused before any allocation (2^40 or
    /// usize::MAX would abort the process on allocation), naming the option
    /// and the value; the cap itself is accepted.
    #[test]
    fn window_above_the_cap_is_a_typed_error() {
        let p = profile();
        for window in [MAX_WINDOW + 1, 1 << 40, usize::MAX] {
            let opts = LiveMonitorOptions {
                window,
                min_values: 1,
                ..Default::default()
            };
            let e = LiveMonitor::new(&p, opts).expect_err("over the cap");
            let msg = e.to_string();
            assert!(
                msg.contains("window")
                    && msg.contains(&window.to_string())
                    && msg.contains("MAX_WINDOW"),
                "{msg}"
            );
            assert_eq!(
                tradewarden_core::Classify::kind(&e),
                tradewarden_core::ErrorKind::InvalidInput
            );
        }
        let opts = LiveMonitorOptions {
            window: MAX_WINDOW,
            min_values: 1,
            ..Default::default()
        };
        let mut m = LiveMonitor::new(&p, opts).expect("the cap itself");
        m.push("x", &[1.0, 2.0]).expect("push");
        assert_eq!(m.score("x").expect("score").expect("ready").n, 2);
    }
}
