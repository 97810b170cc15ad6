//! Per-feature drift reports over many features, in parallel (rayon).
//!
//! Method choice (documented rule, after Evidently's defaults):
//! - numeric feature, reference ≤ [`ReportOptions::large_sample`] (1000) values:
//!   **KS** decides (drift when the — possibly corrected — p-value < `alpha`);
//! - numeric feature, larger reference: **PSI** decides (drift when PSI >
//!   `psi_threshold`, default 0.2), because KS p-values flag negligible shifts
//!   at large n;
//! - categorical feature, small reference: **χ²** on the 2×k table of
//!   reference/current counts (p < `alpha`), larger: **Jensen–Shannon**
//!   distance over category frequencies (> `js_threshold`, default 0.1).
//!
//! For numeric features KS, PSI and JS are always computed and reported;
//! severity comes from the bands of the deciding statistic (KS bands on the
//! KS statistic, PSI bands on PSI — Autotrader's bands by default).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tradewarden_core::par::CollectOrdered;

use crate::error::{Error, Result};
use crate::ks::KsResult;
use crate::profile::{CategoricalProfile, FeatureProfile, NumericProfile, Profile, ProfileOptions};
use crate::psi::PsiMode;
use crate::state::ScoreState;

/// Drift severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Below the low band.
    None,
    /// Above the low band.
    Low,
    /// Above the medium band.
    Medium,
    /// Above the high band.
    High,
    /// Above the critical band.
    Critical,
}

impl Severity {
    /// Stable lower-case name (used as a metric label).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Severity thresholds on a statistic: severity is the highest band whose
/// threshold the statistic strictly exceeds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityBands {
    /// Low above this.
    pub low: f64,
    /// Medium above this.
    pub medium: f64,
    /// High above this.
    pub high: f64,
    /// Critical above this.
    pub critical: f64,
}

impl SeverityBands {
    /// Autotrader's KS-statistic bands: >0.1 low, >0.2 medium, >0.3 high, >0.5 critical.
    pub const AUTOTRADER_KS: SeverityBands = SeverityBands {
        low: 0.1,
        medium: 0.2,
        high: 0.3,
        critical: 0.5,
    };
    /// Autotrader's PSI bands: >0.05 low, >0.1 medium, >0.2 high, >0.25 critical.
    pub const AUTOTRADER_PSI: SeverityBands = SeverityBands {
        low: 0.05,
        medium: 0.1,
        high: 0.2,
        critical: 0.25,
    };

    /// Severity of `value`.
    pub fn classify(&self, value: f64) -> Severity {
        if value > self.critical {
            Severity::Critical
        } else if value > self.high {
            Severity::High
        } else if value > self.medium {
            Severity::Medium
        } else if value > self.low {
            Severity::Low
        } else {
            Severity::None
        }
    }

    fn validate(&self, param: &'static str) -> Result<()> {
        let v = [self.low, self.medium, self.high, self.critical];
        if v.iter().any(|x| !x.is_finite()) || v.windows(2).any(|w| w[0] > w[1]) {
            return Err(Error::invalid(
                param,
                format!("{v:?}"),
                "bands must be finite and non-decreasing",
            ));
        }
        Ok(())
    }
}

/// Multiple-testing correction across the p-value-based features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Correction {
    /// Raw p-values.
    #[default]
    None,
    /// p·m, capped at 1.
    Bonferroni,
    /// Benjamini–Hochberg step-up adjusted p-values.
    BenjaminiHochberg,
}

/// The statistic that decided a feature's drift flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Two-sample Kolmogorov–Smirnov.
    Ks,
    /// Population Stability Index.
    Psi,
    /// Jensen–Shannon distance.
    JensenShannon,
    /// χ² test of homogeneity.
    Chi2,
}

impl Method {
    /// Stable name (metric label).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Ks => "ks",
            Method::Psi => "psi",
            Method::JensenShannon => "jensenshannon",
            Method::Chi2 => "chi2",
        }
    }
}

/// Options of a drift report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportOptions {
    /// Significance level of p-value tests (0 < alpha < 1).
    pub alpha: f64,
    /// PSI drift threshold.
    pub psi_threshold: f64,
    /// Jensen–Shannon distance drift threshold.
    pub js_threshold: f64,
    /// Reference size above which the large-sample methods decide.
    pub large_sample: usize,
    /// Multiple-testing correction.
    pub correction: Correction,
    /// Bands on the KS statistic.
    pub ks_bands: SeverityBands,
    /// Bands on PSI.
    pub psi_bands: SeverityBands,
    /// Dataset drift when the share of drifted features ≥ this.
    pub drift_share: f64,
    /// PSI mode.
    pub psi_mode: PsiMode,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            alpha: 0.05,
            psi_threshold: 0.2,
            js_threshold: 0.1,
            large_sample: 1000,
            correction: Correction::None,
            ks_bands: SeverityBands::AUTOTRADER_KS,
            psi_bands: SeverityBands::AUTOTRADER_PSI,
            drift_share: 0.5,
            psi_mode: PsiMode::default(),
        }
    }
}

impl ReportOptions {
    /// Checks every option's range (typed error naming the option).
    pub fn validate(&self) -> Result<()> {
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::invalid("alpha", self.alpha, "must be in (0, 1)"));
        }
        if !(self.psi_threshold >= 0.0 && self.psi_threshold.is_finite()) {
            return Err(Error::invalid(
                "psi_threshold",
                self.psi_threshold,
                "must be finite and ≥ 0",
            ));
        }
        if !(self.js_threshold >= 0.0 && self.js_threshold <= 1.0) {
            return Err(Error::invalid(
                "js_threshold",
                self.js_threshold,
                "must be in [0, 1]",
            ));
        }
        if !(self.drift_share > 0.0 && self.drift_share <= 1.0) {
            return Err(Error::invalid(
                "drift_share",
                self.drift_share,
                "must be in (0, 1]",
            ));
        }
        self.ks_bands.validate("ks_bands")?;
        self.psi_bands.validate("psi_bands")
    }
}

/// Current data of one feature.
#[derive(Debug, Clone, Copy)]
pub enum FeatureData<'a> {
    /// Numeric values.
    Numeric(&'a [f64]),
    /// Categorical values (`None` = missing).
    Categorical(&'a [Option<&'a str>]),
}

/// Drift of one feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureDrift {
    /// Feature name.
    pub name: String,
    /// The deciding method.
    pub method: Method,
    /// The deciding statistic.
    pub statistic: f64,
    /// Raw p-value of the deciding test (p-value methods only).
    pub pvalue: Option<f64>,
    /// p-value after the multiple-testing correction.
    pub pvalue_adjusted: Option<f64>,
    /// KS statistic and p-value (numeric features).
    pub ks: Option<(f64, f64)>,
    /// PSI.
    pub psi: Option<f64>,
    /// Jensen–Shannon distance (natural log) over the profile's bins / categories.
    pub jensenshannon: Option<f64>,
    /// Drift flag.
    pub drift: bool,
    /// Severity from the bands.
    pub severity: Severity,
    /// Reference size.
    pub n_reference: u64,
    /// Current size.
    pub n_current: u64,
    /// The reference holds one value only (a constant feature: min = max,
    /// or a single category). Such a feature is still scored — its bins
    /// are below / equal to / above the constant, so any current value
    /// other than the constant shows as drift — and flagged here instead of
    /// failing the report (absent in reports written before it: `false`).
    #[serde(default)]
    pub constant_reference: bool,
}

/// Drift over a set of features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// Per-feature results, in input order.
    pub features: Vec<FeatureDrift>,
    /// Number of drifted features.
    pub n_drifted: usize,
    /// Share of drifted features.
    pub drift_share: f64,
    /// Whether the dataset as a whole drifted (share ≥ options.drift_share).
    pub dataset_drift: bool,
    /// The options used.
    pub options: ReportOptions,
}

fn numeric_drift(
    name: &str,
    p: &NumericProfile,
    cur: &[f64],
    o: &ReportOptions,
) -> Result<FeatureDrift> {
    // Unsorted when nothing needs the order (the default options): KS on
    // the fused grid, PSI/JS by binning; the same numbers as sorting first.
    let (ks, psi, js) = match p.score_unsorted(cur, o.psi_mode)? {
        Some(r) => r,
        None => p.score_sorted(&p.prepare_current(cur)?, o.psi_mode)?,
    };
    Ok(numeric_feature(name, p, &ks, psi, js, cur.len() as u64, o))
}

/// A numeric feature's drift from its statistics (shared by the raw-data
/// path and the score-state path, `crate::state`).
pub(crate) fn numeric_feature(
    name: &str,
    p: &NumericProfile,
    ks: &KsResult,
    psi: f64,
    js: Option<f64>,
    n_current: u64,
    o: &ReportOptions,
) -> FeatureDrift {
    let small = p.count as usize <= o.large_sample;
    let (method, statistic, pvalue, severity) = if small {
        (
            Method::Ks,
            ks.statistic,
            Some(ks.pvalue),
            o.ks_bands.classify(ks.statistic),
        )
    } else {
        (Method::Psi, psi, None, o.psi_bands.classify(psi))
    };
    FeatureDrift {
        name: name.to_string(),
        method,
        statistic,
        pvalue,
        pvalue_adjusted: pvalue,
        ks: Some((ks.statistic, ks.pvalue)),
        psi: Some(psi),
        jensenshannon: js,
        drift: if small {
            ks.pvalue < o.alpha
        } else {
            psi > o.psi_threshold
        },
        severity,
        n_reference: p.count,
        n_current,
        constant_reference: p.is_constant(),
    }
}

fn categorical_drift(
    name: &str,
    p: &CategoricalProfile,
    cur: &[Option<&str>],
    o: &ReportOptions,
) -> Result<FeatureDrift> {
    let (_, e, a) = p.aligned_counts(cur)?;
    categorical_feature(name, p, &e, &a, o)
}

/// A categorical feature's drift from the reference (`e`) and current
/// (`a`) counts over the union of categories in name order (shared by the
/// raw-data path and the score-state path, `crate::state`).
pub(crate) fn categorical_feature(
    name: &str,
    p: &CategoricalProfile,
    e: &[u64],
    a: &[u64],
    o: &ReportOptions,
) -> Result<FeatureDrift> {
    let eps = match o.psi_mode {
        PsiMode::Standard { epsilon } => epsilon,
        PsiMode::Evidently => crate::psi::DEFAULT_PSI_EPSILON,
    };
    let psi = if e.len() < 2 {
        0.0
    } else {
        crate::psi::psi_from_counts(e, a, eps)?
    };
    let ef: Vec<f64> = e.iter().map(|&x| x as f64).collect();
    let af: Vec<f64> = a.iter().map(|&x| x as f64).collect();
    let js = crate::distance::jensenshannon(&ef, &af, None)?;
    let small = p.count as usize <= o.large_sample;
    let n_cur: u64 = a.iter().sum();
    let (method, statistic, pvalue, drift) = if small {
        let r = if ef.len() < 2 {
            crate::tests::Chi2Result {
                statistic: 0.0,
                pvalue: 1.0,
                dof: 0,
            }
        } else {
            crate::tests::chi2_contingency(&[ef.clone(), af.clone()], true)?
        };
        (
            Method::Chi2,
            r.statistic,
            Some(r.pvalue),
            r.pvalue < o.alpha,
        )
    } else {
        (Method::JensenShannon, js, None, js > o.js_threshold)
    };
    Ok(FeatureDrift {
        name: name.to_string(),
        method,
        statistic,
        pvalue,
        pvalue_adjusted: pvalue,
        ks: None,
        psi: Some(psi),
        jensenshannon: Some(js),
        drift,
        severity: o.psi_bands.classify(psi),
        n_reference: p.count,
        n_current: n_cur,
        constant_reference: p.counts.len() == 1,
    })
}

/// Adjusts p-values (in place) for multiple testing.
pub fn adjust_pvalues(p: &mut [f64], correction: Correction) {
    let m = p.len();
    match correction {
        Correction::None => {}
        Correction::Bonferroni => {
            for v in p.iter_mut() {
                *v = (*v * m as f64).min(1.0);
            }
        }
        Correction::BenjaminiHochberg => {
            let mut idx: Vec<usize> = (0..m).collect();
            idx.sort_by(|&a, &b| p[b].total_cmp(&p[a])); // descending
            let mut running = 1.0f64;
            let orig = p.to_vec();
            for (k, &i) in idx.iter().enumerate() {
                let rank = (m - k) as f64; // ascending rank of this p
                running = running.min(orig[i] * m as f64 / rank);
                p[i] = running.min(1.0);
            }
        }
    }
}

impl DriftReport {
    /// Scores `current` features against a frozen `profile`, features in
    /// parallel. A name missing from the profile is [`Error::UnknownFeature`].
    ///
    /// ```
    /// use tradewarden_drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};
    /// use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
    /// let reference: Vec<f64> = (0..500).map(|i| (i % 97) as f64).collect();
    /// let mut profile = Profile::new();
    /// profile.insert("x", FeatureProfile::Numeric(NumericProfile::fit(&reference, &ProfileOptions::default()).unwrap()));
    /// let shifted: Vec<f64> = reference.iter().map(|v| v + 50.0).collect();
    /// let r = DriftReport::compute(&profile, &[("x", FeatureData::Numeric(&shifted))], &ReportOptions::default()).unwrap();
    /// assert!(r.features[0].drift && r.dataset_drift);
    /// ```
    pub fn compute(
        profile: &Profile,
        current: &[(&str, FeatureData<'_>)],
        options: &ReportOptions,
    ) -> Result<Self> {
        options.validate()?;
        if current.is_empty() {
            return Err(Error::TooFewValues {
                param: "current",
                actual: 0,
                min: 1,
            });
        }
        let features: Vec<FeatureDrift> = current
            .par_iter()
            .map(|(name, data)| match (profile.feature(name)?, data) {
                (FeatureProfile::Numeric(p), FeatureData::Numeric(v)) => {
                    numeric_drift(name, p, v, options)
                }
                (FeatureProfile::Categorical(p), FeatureData::Categorical(v)) => {
                    categorical_drift(name, p, v, options)
                }
                _ => Err(Error::invalid(
                    "current",
                    *name,
                    "feature type differs from the profile's",
                )),
            })
            .collect_ordered()?;
        Ok(Self::finish(features, options))
    }

    /// Scores a merged [`ScoreState`] (per-partition states of the current
    /// data, built against `profile` and merged): equal to
    /// [`DriftReport::compute`] on all the current data with the features
    /// in name order, **bit for bit** — the KS statistic and p-value, PSI,
    /// Jensen–Shannon, χ², drift flags and severities come from the same
    /// counts through the same code. See [`crate::state`] for why KS is
    /// exact from cell counts.
    ///
    /// ```
    /// use tradewarden_drift::profile::{Profile, ProfileOptions};
    /// use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
    /// use tradewarden_drift::state::{CellGrid, ScoreState};
    /// let r: Vec<f64> = (0..400).map(|i| ((i * 13) % 50) as f64).collect();
    /// let c: Vec<f64> = (0..900).map(|i| ((i * 7) % 61) as f64 * 0.9).collect();
    /// let profile = Profile::fit_features(&[("x", FeatureData::Numeric(&r))], &ProfileOptions::default()).unwrap();
    /// let parts: Vec<ScoreState> = c
    ///     .chunks(250)
    ///     .map(|p| ScoreState::build(&profile, &[("x", FeatureData::Numeric(p))], CellGrid::Exact).unwrap())
    ///     .collect();
    /// let merged = ScoreState::merge_all(&parts.iter().collect::<Vec<_>>()).unwrap();
    /// let o = ReportOptions::default();
    /// let direct = DriftReport::compute(&profile, &[("x", FeatureData::Numeric(&c))], &o).unwrap();
    /// assert_eq!(DriftReport::compute_states(&profile, &merged, &o).unwrap(), direct);
    /// ```
    ///
    /// # Errors
    /// As [`DriftReport::compute`], plus: a state built against another
    /// profile or on a bounded grid, Evidently's PSI mode on a numeric
    /// feature (`InvalidParameter`: not supported by score states).
    pub fn compute_states(
        profile: &Profile,
        state: &ScoreState,
        options: &ReportOptions,
    ) -> Result<Self> {
        options.validate()?;
        if state.features().is_empty() {
            return Err(Error::TooFewValues {
                param: "current",
                actual: 0,
                min: 1,
            });
        }
        let features = state.feature_drifts(profile, options)?;
        Ok(Self::finish(features, options))
    }

    /// Multiple-testing correction, drift flags of p-value features and
    /// the dataset-level summary.
    fn finish(mut features: Vec<FeatureDrift>, options: &ReportOptions) -> Self {
        let with_p: Vec<usize> = (0..features.len())
            .filter(|&i| features[i].pvalue.is_some())
            .collect();
        let mut ps: Vec<f64> = with_p
            .iter()
            .map(|&i| features[i].pvalue.unwrap_or(1.0))
            .collect();
        adjust_pvalues(&mut ps, options.correction);
        for (&i, &pa) in with_p.iter().zip(&ps) {
            features[i].pvalue_adjusted = Some(pa);
            features[i].drift = pa < options.alpha;
        }
        let n_drifted = features.iter().filter(|f| f.drift).count();
        let share = n_drifted as f64 / features.len() as f64;
        DriftReport {
            features,
            n_drifted,
            drift_share: share,
            dataset_drift: share >= options.drift_share,
            options: options.clone(),
        }
    }

    /// Scores a **current profile** against a reference profile: the result
    /// equals [`DriftReport::compute`] on the current data the profile was
    /// fitted on. This is how partitioned current data is scored (Dask,
    /// Spark): each partition is fitted with `keep_reference = true`, the
    /// partition profiles are merged ([`NumericProfile::merge`] keeps the
    /// exact sorted values, categorical counts add), and the merged profile is
    /// scored here. Every feature of `current` is scored, in name order; a
    /// numeric current feature fitted without its stored values is an error
    /// (KS needs them). Values the current profile skipped as NaN are not
    /// seen again.
    ///
    /// ```
    /// use tradewarden_drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};
    /// use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
    /// let reference: Vec<f64> = (0..500).map(|i| (i % 97) as f64).collect();
    /// let current: Vec<f64> = reference.iter().map(|v| v + 5.0).collect();
    /// let fit = |v: &[f64]| FeatureProfile::Numeric(NumericProfile::fit(v, &ProfileOptions::default()).unwrap());
    /// let (mut rp, mut cp) = (Profile::new(), Profile::new());
    /// rp.insert("x", fit(&reference));
    /// cp.insert("x", fit(&current));
    /// let o = ReportOptions::default();
    /// let direct = DriftReport::compute(&rp, &[("x", FeatureData::Numeric(&current))], &o).unwrap();
    /// assert_eq!(DriftReport::compute_profiles(&rp, &cp, &o).unwrap(), direct);
    /// ```
    pub fn compute_profiles(
        reference: &Profile,
        current: &Profile,
        options: &ReportOptions,
    ) -> Result<Self> {
        enum Owned<'a> {
            Numeric(&'a [f64]),
            Categorical(Vec<Option<&'a str>>),
        }
        let mut owned: Vec<(&str, Owned<'_>)> = Vec::with_capacity(current.features.len());
        for (name, f) in &current.features {
            let o = match f {
                FeatureProfile::Numeric(p) => {
                    if !p.options.keep_reference {
                        return Err(Error::invalid(
                            "current",
                            name,
                            "numeric current feature was fitted with keep_reference = false; \
                             fit current partitions with keep_reference = true",
                        ));
                    }
                    Owned::Numeric(&p.reference)
                }
                FeatureProfile::Categorical(p) => {
                    let mut v: Vec<Option<&str>> =
                        Vec::with_capacity((p.count + p.missing) as usize);
                    for (cat, &n) in &p.counts {
                        v.extend(std::iter::repeat_n(Some(cat.as_str()), n as usize));
                    }
                    v.extend(std::iter::repeat_n(None, p.missing as usize));
                    Owned::Categorical(v)
                }
            };
            owned.push((name.as_str(), o));
        }
        let data: Vec<(&str, FeatureData<'_>)> = owned
            .iter()
            .map(|(n, o)| {
                let d = match o {
                    Owned::Numeric(v) => FeatureData::Numeric(v),
                    Owned::Categorical(v) => FeatureData::Categorical(v.as_slice()),
                };
                (*n, d)
            })
            .collect();
        Self::compute(reference, &data, options)
    }

    /// Fits profiles on `reference` (same names, same order not required) with
    /// `profile_options`, then [`DriftReport::compute`].
    pub fn from_slices(
        reference: &[(&str, FeatureData<'_>)],
        current: &[(&str, FeatureData<'_>)],
        profile_options: &ProfileOptions,
        options: &ReportOptions,
    ) -> Result<Self> {
        let fitted: Vec<(String, FeatureProfile)> = reference
            .par_iter()
            .map(|(name, data)| -> Result<(String, FeatureProfile)> {
                let f = match data {
                    FeatureData::Numeric(v) => {
                        FeatureProfile::Numeric(NumericProfile::fit(v, profile_options)?)
                    }
                    FeatureData::Categorical(v) => {
                        FeatureProfile::Categorical(CategoricalProfile::fit(v)?)
                    }
                };
                Ok(((*name).to_string(), f))
            })
            .collect_ordered()?;
        let mut profile = Profile::new();
        for (n, f) in fitted {
            profile.insert(n, f);
        }
        Self::compute(&profile, current, options)
    }

    /// JSON text of the report.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(|e| Error::Corrupt {
            artefact: crate::error::Artefact::Report,
            what: "json",
            reason: e.to_string(),
        })
    }

    /// A report read back from its JSON text ([`DriftReport::to_json`], or
    /// the document `tradewarden drift report --json` prints), checked by
    /// [`DriftReport::validate`]: it fails closed.
    ///
    /// ```
    /// use tradewarden_drift::profile::{Profile, ProfileOptions};
    /// use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
    ///
    /// let x: Vec<f64> = (0..200).map(|i| (i % 13) as f64).collect();
    /// let cols = [("x", FeatureData::Numeric(&x))];
    /// let profile = Profile::fit_features(&cols, &ProfileOptions::default())?;
    /// let report = DriftReport::compute(&profile, &cols, &ReportOptions::default())?;
    /// let text = report.to_json()?;
    /// assert_eq!(DriftReport::from_json(&text)?, report);
    /// let forged = text.replace("\"n_drifted\":0", "\"n_drifted\":1");
    /// assert!(DriftReport::from_json(&forged).is_err());
    /// # Ok::<(), tradewarden_drift::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Corrupt`] (artefact `report`) for text that is not a
    /// report; as [`DriftReport::validate`].
    pub fn from_json(text: &str) -> Result<DriftReport> {
        let r: DriftReport = serde_json::from_str(text).map_err(|e| Error::Corrupt {
            artefact: crate::error::Artefact::Report,
            what: "json",
            reason: e.to_string(),
        })?;
        r.validate()?;
        Ok(r)
    }

    /// Checks a report received from outside (read back, or converted from
    /// another language): the options pass [`ReportOptions::validate`],
    /// `n_drifted` counts the features flagged, `drift_share` is that count
    /// over the features (bit for bit) and `dataset_drift` follows from it.
    ///
    /// # Errors
    /// [`Error::Corrupt`] (artefact `report`) naming the field that
    /// disagrees; the options' typed error for options out of range.
    pub fn validate(&self) -> Result<()> {
        let corrupt = |reason: String| Error::Corrupt {
            artefact: crate::error::Artefact::Report,
            what: "summary",
            reason,
        };
        self.options.validate()?;
        let n = self.features.iter().filter(|f| f.drift).count();
        if n != self.n_drifted {
            return Err(corrupt(format!(
                "n_drifted is {} but {n} feature(s) are flagged",
                self.n_drifted
            )));
        }
        let share = n as f64 / self.features.len() as f64;
        if share.to_bits() != self.drift_share.to_bits() {
            return Err(corrupt(format!(
                "drift_share is {} but {n} of {} feature(s) drifted",
                self.drift_share,
                self.features.len()
            )));
        }
        if self.dataset_drift != (share >= self.options.drift_share) {
            return Err(corrupt(format!(
                "dataset_drift is {} for a drift share of {share} and a threshold of {}",
                self.dataset_drift, self.options.drift_share
            )));
        }
        Ok(())
    }
}

/// Owned or borrowed columns gathered from Arrow record batches.
pub(crate) enum Column<'a> {
    Numeric(std::borrow::Cow<'a, [f64]>),
    Categorical(Vec<Option<&'a str>>),
}

/// The feature data of gathered columns (borrowed).
pub(crate) fn feature_data<'c>(
    cols: &'c [(String, Column<'_>)],
) -> Vec<(&'c str, FeatureData<'c>)> {
    cols.iter()
        .map(|(n, c)| {
            let d = match c {
                Column::Numeric(v) => FeatureData::Numeric(v.as_ref()),
                Column::Categorical(v) => FeatureData::Categorical(v.as_slice()),
            };
            (n.as_str(), d)
        })
        .collect()
}

pub(crate) fn gather_columns<'a>(
    profile: &Profile,
    batches: &'a [arrow_array::RecordBatch],
) -> Result<Vec<(String, Column<'a>)>> {
    gather_columns_by(batches, |name| {
        profile
            .features
            .get(name)
            .map(|f| matches!(f, FeatureProfile::Numeric(_)))
    })
}

/// The columns of `batches` whose name `numeric` knows (`Some(true)`:
/// numeric, `Some(false)`: categorical), read as
/// [`DriftReport::compute_batches`] reads them.
pub(crate) fn gather_columns_by<'a>(
    batches: &'a [arrow_array::RecordBatch],
    numeric: impl Fn(&str) -> Option<bool>,
) -> Result<Vec<(String, Column<'a>)>> {
    use arrow_array::Array;
    let Some(first) = batches.first() else {
        return Err(Error::TooFewValues {
            param: "batches",
            actual: 0,
            min: 1,
        });
    };
    let schema = first.schema();
    let mut out = Vec::new();
    for (ci, field) in schema.fields().iter().enumerate() {
        let name = field.name();
        let Some(is_numeric) = numeric(name) else {
            continue;
        };
        let col = match is_numeric {
            true => {
                if batches.len() == 1 {
                    Column::Numeric(tradewarden_core::io::as_f64(
                        first.column(ci).as_ref(),
                        "batch",
                    )?)
                } else {
                    let mut v = Vec::new();
                    for b in batches {
                        let c = b
                            .column_by_name(name)
                            .ok_or_else(|| Error::UnknownFeature {
                                param: "batches",
                                name: name.clone(),
                            })?;
                        v.extend_from_slice(&tradewarden_core::io::as_f64(c.as_ref(), "batch")?);
                    }
                    Column::Numeric(std::borrow::Cow::Owned(v))
                }
            }
            false => {
                let mut v: Vec<Option<&'a str>> = Vec::new();
                for b in batches {
                    let c = b
                        .column_by_name(name)
                        .ok_or_else(|| Error::UnknownFeature {
                            param: "batches",
                            name: name.clone(),
                        })?;
                    match tradewarden_core::io::str_values(c.as_ref(), "batch") {
                        Ok(s) => v.extend(s),
                        Err(_) => {
                            return Err(Error::invalid(
                                "batch",
                                format!("column {name}: {}", c.data_type()),
                                "categorical features need a string column (utf8, large_utf8, utf8_view)",
                            ));
                        }
                    }
                }
                Column::Categorical(v)
            }
        };
        out.push((name.clone(), col));
    }
    if out.is_empty() {
        return Err(Error::UnknownFeature {
            param: "batches",
            name: "(no column matches a profiled feature)".into(),
        });
    }
    Ok(out)
}

impl DriftReport {
    /// Scores the columns of Arrow record batches (same schema) whose names
    /// are profiled features; other columns are ignored. Numeric columns are
    /// read by `tradewarden_core::io::as_f64` (float64 zero-copy for a single
    /// batch without nulls; float32/16 and 8- to 64-bit integers converted) —
    /// nulls become NaN and follow the profile's NaN policy; categorical
    /// columns are utf8, large utf8 or utf8 view (`io::str_values`; nulls are
    /// missing values).
    pub fn compute_batches(
        profile: &Profile,
        batches: &[arrow_array::RecordBatch],
        options: &ReportOptions,
    ) -> Result<Self> {
        let cols = gather_columns(profile, batches)?;
        Self::compute(profile, &feature_data(&cols), options)
    }

    /// Reads a Parquet file and scores it as [`DriftReport::compute_batches`].
    pub fn compute_parquet(
        profile: &Profile,
        path: &std::path::Path,
        options: &ReportOptions,
    ) -> Result<Self> {
        let batches = tradewarden_core::io::read_parquet(path)?;
        Self::compute_batches(profile, &batches, options)
    }
}
