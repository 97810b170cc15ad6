//! Mergeable quantile sketch (KLL) for references too large to keep sorted,
//! and for bin edges shared by partitioned fits.
//!
//! [`QuantileSketch`] wraps the Apache DataSketches KLL sketch
//! (`datasketches::kll::KllSketch<KllFloat<f64>>`). It is built in one pass,
//! merges across partitions in any order, and answers rank and quantile
//! queries with a **normalized rank error** ε that depends only on `k`
//! ([`QuantileSketch::rank_error_bound`]): for a query, the sketch's rank of
//! `x` is within ε of the exact fraction of values ≤ `x`. DataSketches states
//! this single-sided bound at 99 % confidence (KLL is randomized); for the
//! default `k = 200`, ε ≈ 1.33 %. Merging sketches with different `k` gives
//! the bound of the smallest `k`.
//!
//! **Memory**: the sketch retains O(k · log(n/k)) items in practice about
//! 3·k values plus a few levels — ~600 f64 for `k = 200` at a million values,
//! ~5 KiB serialized ([`QuantileSketch::num_retained`],
//! [`QuantileSketch::to_bytes`]), against 8 bytes per value for a sorted
//! reference.
//!
//! **When to use it**: the exact sorted reference of
//! [`crate::profile::NumericProfile`] remains the default (KS, Wasserstein
//! and the Evidently PSI are then exact, and partition profiles merge into
//! exactly the profile of the whole data). Use a sketch when the reference
//! does not fit in memory or is spread over many workers:
//!
//! - **two-pass partitioned fit**: sketch every partition, merge the
//!   sketches, take [`QuantileSketch::quantile_edges`], then fit every
//!   partition with `BinStrategy::Explicit` edges and
//!   `keep_reference = false`; those profiles merge exactly;
//! - **approximate KS**: [`ks_2samp_sketch`] compares the sketch's CDF with
//!   the exact empirical CDF of the current sample; the statistic is within
//!   ε of the exact KS statistic.
//!
//! Formulas, measured errors and the choice of KLL over t-digest:
//! `docs/drift.md` ("Merging and sketches") and `docs/performance.md`
//! ("Quantile sketch (issue 12)").
//!
//! ```
//! use tradewarden_core::NanPolicy;
//! use tradewarden_drift::sketch::{QuantileSketch, ks_2samp_sketch};
//! let data: Vec<f64> = (0..10_000).map(|i| ((i * 7919) % 10_007) as f64).collect();
//! let mut a = QuantileSketch::from_values(&data[..4000], 200, NanPolicy::Error).unwrap();
//! let b = QuantileSketch::from_values(&data[4000..], 200, NanPolicy::Error).unwrap();
//! a.merge(&b).unwrap();
//! assert_eq!(a.n(), 10_000);
//! let eps = a.rank_error_bound();
//! assert!((a.rank(5003.0).unwrap() - 0.5).abs() <= eps);
//! let edges = a.quantile_edges(10).unwrap(); // usable as BinStrategy::Explicit
//! assert_eq!((edges[0], edges[10]), (f64::NEG_INFINITY, f64::INFINITY));
//! let ks = ks_2samp_sketch(&a, &data[..1000]).unwrap();
//! assert!(ks.statistic <= 0.05 + ks.statistic_error_bound);
//! ```

use datasketches::common::SearchCriteria;
use datasketches::kll::{KllFloat, KllSketch};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tradewarden_core::NanPolicy;

use crate::error::{Error, Result};
use crate::kolmogorov::kolmogn_sf;

/// Default `k` of [`QuantileSketch`] (ε ≈ 1.33 % at 99 % confidence).
pub const DEFAULT_K: u16 = 200;

/// Smallest accepted `k` (DataSketches' minimum).
pub const MIN_K: u16 = 8;

type F64 = KllFloat<f64>;
type Kll = KllSketch<F64>;

/// A mergeable KLL quantile sketch of finite `f64` values (see the
/// [module docs](self)).
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileSketch {
    inner: Kll,
    nan_count: u64,
}

impl Default for QuantileSketch {
    /// An empty sketch with `k = DEFAULT_K`.
    fn default() -> Self {
        QuantileSketch {
            inner: Kll::default(),
            nan_count: 0,
        }
    }
}

fn empty_error() -> Error {
    Error::TooFewValues {
        param: "sketch",
        actual: 0,
        min: 1,
    }
}

impl QuantileSketch {
    /// An empty sketch; `k` (8..=65535, default [`DEFAULT_K`]) trades memory
    /// for accuracy: ε ≈ 2.296 / k^0.9723.
    ///
    /// ```
    /// use tradewarden_drift::sketch::QuantileSketch;
    /// assert!(QuantileSketch::new(4).is_err());
    /// let s = QuantileSketch::new(200).unwrap();
    /// assert!((s.rank_error_bound() - 0.0133).abs() < 1e-3);
    /// ```
    pub fn new(k: u16) -> Result<Self> {
        if k < MIN_K {
            return Err(Error::invalid("k", k, "must be in 8..=65535"));
        }
        let inner = Kll::new(k).map_err(|_| Error::invalid("k", k, "must be in 8..=65535"))?;
        Ok(QuantileSketch {
            inner,
            nan_count: 0,
        })
    }

    /// A sketch of `values` (see [`QuantileSketch::update`]).
    pub fn from_values(values: &[f64], k: u16, nan_policy: NanPolicy) -> Result<Self> {
        let mut s = Self::new(k)?;
        s.update(values, nan_policy)?;
        Ok(s)
    }

    /// Adds `values`. NaN and ±inf are an error naming the first offending
    /// index and value under `NanPolicy::Error` and `NanPolicy::Propagate`
    /// (a sketch cannot propagate a NaN; nothing is added then), and are
    /// skipped and counted ([`QuantileSketch::nan_count`]) under `Skip`.
    /// −0.0 is stored as +0.0.
    pub fn update(&mut self, values: &[f64], nan_policy: NanPolicy) -> Result<()> {
        if nan_policy != NanPolicy::Skip {
            crate::sample::check_finite("values", values)?;
        }
        for &x in values {
            match F64::new(x + 0.0) {
                Ok(v) if x.is_finite() => self.inner.update(v),
                _ => self.nan_count += 1,
            }
        }
        Ok(())
    }

    /// Merges another sketch (any `k`; the merged bound is that of the
    /// smaller `k`). NaN counts add.
    pub fn merge(&mut self, other: &QuantileSketch) -> Result<()> {
        self.inner.merge(&other.inner).map_err(|e| Error::Merge {
            reason: format!("quantile sketch: {e}"),
        })?;
        self.nan_count += other.nan_count;
        Ok(())
    }

    /// `k` this sketch was created with.
    pub fn k(&self) -> u16 {
        self.inner.k()
    }

    /// Number of (finite) values summarised.
    pub fn n(&self) -> u64 {
        self.inner.n()
    }

    /// Whether no value was added.
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Number of NaN/±inf values skipped under `NanPolicy::Skip`.
    pub fn nan_count(&self) -> u64 {
        self.nan_count
    }

    /// Number of items the sketch retains (its memory, 8 bytes each).
    pub fn num_retained(&self) -> usize {
        self.inner.num_retained()
    }

    /// Exact minimum (`None` when empty).
    pub fn min(&self) -> Option<f64> {
        self.inner.min_item().map(|v| **v)
    }

    /// Exact maximum (`None` when empty).
    pub fn max(&self) -> Option<f64> {
        self.inner.max_item().map(|v| **v)
    }

    /// Approximate fraction of values ≤ `x` (within
    /// [`QuantileSketch::rank_error_bound`] of the exact fraction).
    pub fn rank(&self, x: f64) -> Result<f64> {
        let item = F64::new(x).map_err(|_| Error::invalid("x", x, "must not be NaN"))?;
        self.inner
            .rank(&item, SearchCriteria::Inclusive)
            .ok_or_else(empty_error)
    }

    /// Approximate `q`-quantile (0 ≤ q ≤ 1): a retained value whose sketch
    /// rank is the first ≥ `q`; `q = 0` and `q = 1` give the exact minimum and
    /// maximum.
    pub fn quantile(&self, q: f64) -> Result<f64> {
        if !(0.0..=1.0).contains(&q) {
            return Err(Error::invalid("q", q, "must be in [0, 1]"));
        }
        match self.inner.quantile(q, SearchCriteria::Inclusive) {
            Ok(Some(v)) => Ok(*v),
            Ok(None) => Err(empty_error()),
            Err(_) => Err(Error::invalid("q", q, "must be in [0, 1]")),
        }
    }

    /// [`QuantileSketch::quantile`] of each of `qs`, the same values, from one
    /// sorted view of the retained items (each `quantile` call sorts them
    /// again).
    pub(crate) fn quantiles(&self, qs: &[f64]) -> Result<Vec<f64>> {
        match self.inner.quantiles(qs, SearchCriteria::Inclusive) {
            Ok(Some(v)) => Ok(v.into_iter().map(|x| *x).collect()),
            Ok(None) => Err(empty_error()),
            Err(_) => Err(Error::invalid(
                "q",
                format!("{} ranks", qs.len()),
                "must be in [0, 1]",
            )),
        }
    }

    /// Bin edges at the approximate quantiles k/bins (k = 1..bins), usable as
    /// `BinStrategy::Explicit`: −inf first, +inf last, strictly increasing
    /// (equal quantiles — ties — merged, as `BinStrategy::Quantile` does).
    /// The rank of each inner edge is within the rank error bound of k/bins
    /// (plus the weight of one retained item).
    ///
    /// A constant feature (min = max) gets the constant's edges
    /// `[−inf, v, v⁺, +inf]`, as a quantile fit of it (docs/drift.md).
    ///
    /// Errors: `bins` outside 2..=[`crate::profile::MAX_BINS`], an empty
    /// sketch.
    pub fn quantile_edges(&self, bins: usize) -> Result<Vec<f64>> {
        crate::profile::check_bins(bins)?;
        let (Some(min), Some(max)) = (self.min(), self.max()) else {
            return Err(empty_error());
        };
        if min == max {
            return Ok(crate::profile::constant_edges(min));
        }
        let view = self.inner.sorted_view();
        let mut e = vec![f64::NEG_INFINITY];
        for k in 1..bins {
            let q = k as f64 / bins as f64;
            let v = match view.quantile(q, SearchCriteria::Inclusive) {
                Ok(Some(v)) => *v,
                _ => return Err(empty_error()),
            };
            if e.last() != Some(&v) {
                e.push(v);
            }
        }
        e.push(f64::INFINITY);
        Ok(e)
    }

    /// KLL's normalized single-sided rank error for this sketch's (smallest
    /// merged) `k`: 2.296 / k^0.9723, stated by DataSketches at 99 %
    /// confidence; ≈ 0.0133 for `k = 200`.
    pub fn rank_error_bound(&self) -> f64 {
        self.inner.normalized_rank_error()
    }

    /// The DataSketches KLL compact image (readable by DataSketches' KLL
    /// doubles sketch in Java, C++ and Python). The NaN count is not part of
    /// the image (it is in the serde form).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.inner.serialize()
    }

    /// Reads a KLL doubles image; malformed input, NaN or ±inf items are a
    /// typed [`Error::Corrupt`], never a panic. The NaN count starts at 0.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let inner = Kll::deserialize(bytes).map_err(|e| Error::Corrupt {
            artefact: crate::error::Artefact::Sketch,
            what: "bytes",
            reason: e.to_string(),
        })?;
        let finite = |v: Option<&KllFloat<f64>>| v.is_none_or(|x| x.is_finite());
        // every retained item lies within [min, max] (checked on deserialisation)
        if !finite(inner.min_item()) || !finite(inner.max_item()) {
            return Err(Error::Corrupt {
                artefact: crate::error::Artefact::Sketch,
                what: "bytes",
                reason: "items must be finite".into(),
            });
        }
        Ok(QuantileSketch {
            inner,
            nan_count: 0,
        })
    }
}

/// Serde form: `{"kll": <KLL image as bytes>, "nan_count": n}` (JSON renders
/// the bytes as an array of integers).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SketchRepr {
    #[serde(with = "bytes_serde")]
    kll: Vec<u8>,
    nan_count: u64,
}

impl Serialize for QuantileSketch {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        SketchRepr {
            kll: self.to_bytes(),
            nan_count: self.nan_count,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for QuantileSketch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let r = SketchRepr::deserialize(d)?;
        let mut s = QuantileSketch::from_bytes(&r.kll).map_err(serde::de::Error::custom)?;
        s.nan_count = r.nan_count;
        Ok(s)
    }
}

mod bytes_serde {
    use serde::de::{SeqAccess, Visitor};
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    struct BytesVisitor;

    impl<'de> Visitor<'de> for BytesVisitor {
        type Value = Vec<u8>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("bytes or a sequence of bytes")
        }

        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }

        fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
            while let Some(b) = seq.next_element::<u8>()? {
                out.push(b);
            }
            Ok(out)
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        d.deserialize_bytes(BytesVisitor)
    }
}

/// Result of [`ks_2samp_sketch`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SketchKsResult {
    /// D = sup |F̂_ref(x) − F_cur(x)| (two-sided), F̂_ref from the sketch.
    pub statistic: f64,
    /// |D − D_exact| ≤ this (the sketch's rank error bound, 99 % confidence
    /// per DataSketches), D_exact being `ks_2samp` on the full reference.
    pub statistic_error_bound: f64,
    /// Asymptotic two-sided p-value of `statistic` (scipy `method='asymp'`)
    /// with n1 = sketch n, n2 = current length.
    pub pvalue: f64,
    /// A value of `current` where the supremum is attained.
    pub statistic_location: f64,
    /// +1 when the reference CDF is above the current one there, −1 below.
    pub statistic_sign: i8,
    /// n1: values summarised by the sketch.
    pub n_reference: u64,
    /// n2: current values.
    pub n_current: u64,
}

/// Two-sided KS statistic of a reference summarised by a [`QuantileSketch`]
/// against the exact empirical CDF of `current` (finite values; filter NaN
/// first), with an asymptotic p-value.
///
/// D is the supremum over all x of |F̂_ref(x) − F_cur(x)| of the two step
/// functions, computed exactly: at every current value the sketch CDF is
/// taken both inclusive (≤ x) and exclusive (< x); since F_cur is constant
/// between consecutive current values and F̂_ref is monotone, this covers
/// every sketch retained item as well. Because F̂_ref is within ε
/// (`statistic_error_bound`) of the exact reference CDF everywhere (at the
/// sketch's confidence), |D − D_exact| ≤ ε. The p-value is scipy's
/// asymptotic one (`kstwo.sf(D, round(n1·n2/(n1+n2)))`) evaluated at the
/// approximate D.
///
/// ```
/// use tradewarden_core::NanPolicy;
/// use tradewarden_drift::sketch::{QuantileSketch, ks_2samp_sketch};
/// let r: Vec<f64> = (0..5000).map(|i| i as f64 / 5000.0).collect();
/// let s = QuantileSketch::from_values(&r, 200, NanPolicy::Error).unwrap();
/// let shifted: Vec<f64> = r.iter().map(|x| x + 0.5).collect();
/// let ks = ks_2samp_sketch(&s, &shifted).unwrap();
/// assert!((ks.statistic - 0.5).abs() <= ks.statistic_error_bound);
/// assert!(ks.pvalue < 1e-10);
/// ```
pub fn ks_2samp_sketch(reference: &QuantileSketch, current: &[f64]) -> Result<SketchKsResult> {
    if reference.is_empty() {
        return Err(Error::TooFewValues {
            param: "reference",
            actual: 0,
            min: 1,
        });
    }
    crate::sample::check_finite("current", current)?;
    if current.is_empty() {
        return Err(Error::TooFewValues {
            param: "current",
            actual: 0,
            min: 1,
        });
    }
    let mut c: Vec<f64> = current.iter().map(|x| x + 0.0).collect();
    c.sort_unstable_by(f64::total_cmp);
    let view = reference.inner.sorted_view();
    let m = c.len();
    let mf = m as f64;
    let (mut d, mut loc, mut sign) = (0.0f64, c[0], 1i8);
    let mut consider = |diff: f64, x: f64| {
        if diff.abs() > d {
            d = diff.abs();
            loc = x;
            sign = if diff > 0.0 { 1 } else { -1 };
        }
    };
    let mut i = 0;
    while i < m {
        let x = c[i];
        let mut j = i + 1;
        while j < m && c[j] == x {
            j += 1;
        }
        let item = F64::new(x).map_err(|_| Error::invalid("current", x, "must be finite"))?;
        let below = view
            .rank(&item, SearchCriteria::Exclusive)
            .ok_or_else(empty_error)?;
        let at = view
            .rank(&item, SearchCriteria::Inclusive)
            .ok_or_else(empty_error)?;
        consider(below - i as f64 / mf, x); // just below x: F_cur = i/m
        consider(at - j as f64 / mf, x); // at x: F_cur = j/m
        i = j;
    }
    let n1 = reference.n();
    let (a, b) = (n1 as f64, mf);
    let en = a * b / (a + b);
    let pvalue = kolmogn_sf(en.round_ties_even() as u64, d).clamp(0.0, 1.0);
    Ok(SketchKsResult {
        statistic: d,
        statistic_error_bound: reference.rank_error_bound(),
        pvalue,
        statistic_location: loc,
        statistic_sign: sign,
        n_reference: n1,
        n_current: m as u64,
    })
}
