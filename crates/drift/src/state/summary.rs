//! A deterministic, mergeable quantile summary ([`RankSummary`]): the pass-1
//! summary of a bounded job whose grid must be the same every run.
//!
//! **Construction.** A partition of n finite values is sorted and, with
//! k = min(m, n) items, emits the values at the ranks rⱼ = ⌈j·n/k⌉
//! (j = 1..=k, 1-based) with weights wⱼ = rⱼ − rⱼ₋₁ (r₀ = 0): each item
//! stands for the block of sorted values (rⱼ₋₁, rⱼ] and is that block's
//! largest value. Equal values are one item (weights added).
//!
//! **The bound.** Let R(x) = #{values ≤ x} and R̂(x) = Σ wⱼ over items with
//! value ≤ x. A block whose largest value is ≤ x lies wholly ≤ x; at most
//! one block straddles x, and R̂ leaves out at most its w − 1 values ≤ x:
//!
//! R̂(x) ≤ R(x) ≤ R̂(x) + e,  e = max wⱼ − 1 = ⌈n/k⌉ − 1 < n/m.
//!
//! **Merging** is the union of the items (equal values added): R̂ and R
//! both add over partitions, so the errors add — e ≤ Σₚ (⌈nₚ/m⌉ − 1) <
//! Σₚ nₚ/m = n/m for partitions summarised with m items each. The union is
//! a set of (value, weight) pairs sorted by value, so merging is exactly
//! associative and commutative: the same partitions give the same bytes
//! whatever the order or tree of merges. [`RankSummary::compress`] bounds the
//! size (at most m items again) at an added error < N/m, tracked in e.
//!
//! **Quantiles.** The value at rank t (1 ≤ t ≤ n) is the first item value v
//! with R̂(v) ≥ t; then #{values ≤ v} ≥ t and #{values < v} < t + e, so v's
//! ranks straddle [t, t + e). Grid points at ranks ⌈i·n/K⌉ leave at most
//! ⌈n/K⌉ + e − 1 values strictly inside any cell (< n/K + n/m).
//!
//! The binary form (`TWRS`, framed like the sketch grid) is validated when
//! read ([`RankSummary::from_bytes`]).

use super::sketch_grid::{frame, gcorrupt, unframe};
use super::{HEADER, Reader, put_u64};
use crate::error::{Artefact, Error, Result};
use tradewarden_core::NanPolicy;

const SUMMARY_MAGIC: &[u8; 4] = b"TWRS";

/// Largest item budget m of [`RankSummary::from_values`] and
/// [`RankSummary::compress`] (2²⁴).
pub const MAX_SUMMARY_ITEMS: usize = 1 << 24;

/// Default item budget m of the bounded job's pass 1 (rank error < n/4096).
pub const DEFAULT_SUMMARY_ITEMS: usize = 4096;

/// A deterministic mergeable quantile summary of finite `f64` values: items
/// (value, weight) sorted by value, the count n, the NaN/±inf values skipped,
/// min and max, and a rank-error bound e in values (construction, bound and
/// merge rules: `docs/scale-out.md`).
///
/// ```
/// use tradewarden_core::NanPolicy;
/// use tradewarden_drift::state::RankSummary;
/// let data: Vec<f64> = (0..10_000).map(|i| ((i * 7919) % 10_007) as f64).collect();
/// let mut a = RankSummary::from_values(&data[..4000], 64, NanPolicy::Error).unwrap();
/// let b = RankSummary::from_values(&data[4000..], 64, NanPolicy::Error).unwrap();
/// a.merge(&b).unwrap();
/// assert_eq!(a.n(), 10_000);
/// assert!(a.rank_error() as f64 <= 10_000.0 / 64.0);
/// // R̂(x) ≤ R(x) ≤ R̂(x) + e
/// let exact = data.iter().filter(|&&v| v <= 5000.0).count() as u64;
/// let (lo, hi) = a.rank_bounds(5000.0);
/// assert!(lo <= exact && exact <= hi);
/// // the same partitions merged in the other order: the same bytes
/// let mut c = RankSummary::from_values(&data[4000..], 64, NanPolicy::Error).unwrap();
/// c.merge(&RankSummary::from_values(&data[..4000], 64, NanPolicy::Error).unwrap()).unwrap();
/// assert_eq!(a.to_bytes(), c.to_bytes());
/// assert_eq!(RankSummary::from_bytes(&a.to_bytes()).unwrap(), a);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RankSummary {
    n: u64,
    nan_count: u64,
    err: u64,
    min: f64,
    max: f64,
    values: Vec<f64>,
    weights: Vec<u64>,
}

fn check_items(param: &'static str, m: usize) -> Result<()> {
    if m == 0 || m > MAX_SUMMARY_ITEMS {
        return Err(Error::invalid(
            param,
            m,
            "must be in 1..=MAX_SUMMARY_ITEMS (16777216)",
        ));
    }
    Ok(())
}

fn ceil_div(a: u128, b: u128) -> u64 {
    // callers keep a / b ≤ n ≤ u64::MAX
    a.div_ceil(b) as u64
}

impl RankSummary {
    /// The summary of one partition with at most `items` (m) items: sorted,
    /// values at ranks ⌈j·n/k⌉, k = min(m, n); exact (e = 0) when n ≤ m.
    /// NaN and ±inf are an error naming the first offending index under
    /// `NanPolicy::Error` and `Propagate`, skipped and counted under `Skip`.
    /// −0.0 is taken as +0.0.
    ///
    /// # Errors
    /// `items` outside 1..=[`MAX_SUMMARY_ITEMS`]; a non-finite value unless
    /// the policy is `Skip`.
    pub fn from_values(values: &[f64], items: usize, nan_policy: NanPolicy) -> Result<Self> {
        check_items("items", items)?;
        if nan_policy != NanPolicy::Skip {
            crate::sample::check_finite("values", values)?;
        }
        let mut v: Vec<f64> = values
            .iter()
            .filter(|x| x.is_finite())
            .map(|x| x + 0.0)
            .collect();
        let nan_count = (values.len() - v.len()) as u64;
        crate::sample::sort_f64(&mut v);
        let n = v.len() as u64;
        let mut s = RankSummary {
            n,
            nan_count,
            err: 0,
            min: 0.0,
            max: 0.0,
            values: Vec::new(),
            weights: Vec::new(),
        };
        let (Some(&min), Some(&max)) = (v.first(), v.last()) else {
            return Ok(s);
        };
        (s.min, s.max) = (min, max);
        let k = (items as u64).min(n);
        let mut prev = 0u64;
        let mut widest = 0u64;
        for j in 1..=k {
            let r = ceil_div(u128::from(j) * u128::from(n), u128::from(k));
            let w = r - prev;
            widest = widest.max(w);
            s.push(v[(r - 1) as usize], w);
            prev = r;
        }
        s.err = widest - 1;
        Ok(s)
    }

    fn push(&mut self, value: f64, weight: u64) {
        match (self.values.last(), self.weights.last_mut()) {
            (Some(&last), Some(w)) if last == value => *w += weight,
            _ => {
                self.values.push(value);
                self.weights.push(weight);
            }
        }
    }

    /// Finite values summarised.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// NaN/±inf values skipped (`NanPolicy::Skip`).
    pub fn nan_count(&self) -> u64 {
        self.nan_count
    }

    /// The rank-error bound e, in values: R̂(x) ≤ R(x) ≤ R̂(x) + e for every
    /// x (< n/m for partitions of m items, merged).
    pub fn rank_error(&self) -> u64 {
        self.err
    }

    /// Items retained.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// No value summarised.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Smallest and largest value (exact); `None` when empty.
    pub fn min_max(&self) -> Option<(f64, f64)> {
        (self.n > 0).then_some((self.min, self.max))
    }

    /// (R̂(x), min(R̂(x) + e, n)): the number of values ≤ `x` lies in this
    /// range.
    pub fn rank_bounds(&self, x: f64) -> (u64, u64) {
        let k = self.values.partition_point(|&v| v <= x);
        let lo: u64 = self.weights[..k].iter().sum();
        (lo, lo.saturating_add(self.err).min(self.n))
    }

    /// Adds another partition's summary: the union of the items (equal
    /// values added), errors, counts and NaN counts added; on error `self`
    /// is unchanged. Associative and commutative, exactly.
    ///
    /// # Errors
    /// `Error::Merge` when a count overflows u64.
    pub fn merge(&mut self, other: &RankSummary) -> Result<()> {
        let add =
            |a: u64, b: u64, what: &str| a.checked_add(b).ok_or_else(|| super::overflow(what));
        let n = add(self.n, other.n, "rank summary count")?;
        let nan_count = add(self.nan_count, other.nan_count, "rank summary NaN count")?;
        let err = add(self.err, other.err, "rank summary error")?;
        let mut out = RankSummary {
            n,
            nan_count,
            err,
            min: 0.0,
            max: 0.0,
            values: Vec::with_capacity(self.values.len() + other.values.len()),
            weights: Vec::with_capacity(self.values.len() + other.values.len()),
        };
        out.min_max_of(self, other);
        let (a, b) = (self, other);
        let (mut i, mut j) = (0, 0);
        while i < a.values.len() || j < b.values.len() {
            let take_a = j == b.values.len() || (i < a.values.len() && a.values[i] <= b.values[j]);
            if take_a {
                out.push(a.values[i], a.weights[i]);
                i += 1;
            } else {
                out.push(b.values[j], b.weights[j]);
                j += 1;
            }
        }
        *a = out;
        Ok(())
    }

    fn min_max_of(&mut self, a: &RankSummary, b: &RankSummary) {
        (self.min, self.max) = match (a.min_max(), b.min_max()) {
            (Some((x, y)), Some((u, v))) => (x.min(u), y.max(v)),
            (Some(m), None) | (None, Some(m)) => m,
            (None, None) => (0.0, 0.0),
        };
    }

    /// Merges several summaries (any order, the same result).
    ///
    /// # Errors
    /// As [`RankSummary::merge`]; no parts is `TooFewValues`.
    pub fn merge_all(parts: &[&RankSummary]) -> Result<RankSummary> {
        super::merge_parts(parts, RankSummary::merge)
    }

    /// One node of a merge tree over partitions' summaries: their union
    /// ([`RankSummary::merge_all`]), compressed to `items` when it holds more
    /// than 2·`items` items. The rule every door's tree merge uses (Dask's
    /// `sketch_grid`), so that a node's size stays bounded whatever the fan-in
    /// and the result depends only on the tree (the same partitioning and
    /// fan-in, the same bytes); each compression adds < n/`items` to the
    /// stated rank error.
    ///
    /// ```
    /// use tradewarden_drift::state::RankSummary;
    /// use tradewarden_core::NanPolicy;
    /// let parts: Vec<RankSummary> = (0..4)
    ///     .map(|p| {
    ///         let v: Vec<f64> = (0..1000).map(|i| f64::from(i * 4 + p)).collect();
    ///         RankSummary::from_values(&v, 64, NanPolicy::Error).unwrap()
    ///     })
    ///     .collect();
    /// let refs: Vec<&RankSummary> = parts.iter().collect();
    /// let node = RankSummary::merge_node(&refs, 64).unwrap();
    /// assert_eq!(node.n(), 4000);
    /// assert!(node.len() <= 128);
    /// assert!(node.rank_error() < 4000 / 64 * 2);
    /// ```
    ///
    /// # Errors
    /// As [`RankSummary::merge_all`]; `items` outside 1..=[`MAX_SUMMARY_ITEMS`].
    pub fn merge_node(parts: &[&RankSummary], items: usize) -> Result<RankSummary> {
        check_items("items", items)?;
        let mut s = RankSummary::merge_all(parts)?;
        if s.values.len() > items.saturating_mul(2) {
            s.compress(items)?;
        }
        Ok(s)
    }

    /// At most `items` (m) items again: consecutive items grouped into
    /// blocks cut where the cumulative weight first reaches ⌈j·n/m⌉, each
    /// block kept as its last item with the block's weight. The error grows
    /// by the largest weight a block leaves out before its last item
    /// (< n/m), capped at n; the last item (the maximum) stays.
    /// Deterministic.
    ///
    /// # Errors
    /// `items` outside 1..=[`MAX_SUMMARY_ITEMS`].
    pub fn compress(&mut self, items: usize) -> Result<()> {
        check_items("items", items)?;
        if self.values.len() <= items {
            return Ok(());
        }
        let (n, m) = (u128::from(self.n), items as u128);
        let mut out = RankSummary {
            n: self.n,
            nan_count: self.nan_count,
            err: self.err,
            min: self.min,
            max: self.max,
            values: Vec::with_capacity(items),
            weights: Vec::with_capacity(items),
        };
        let (mut acc, mut block, mut j, mut added) = (0u64, 0u64, 1u128, 0u64);
        for (&v, &w) in self.values.iter().zip(&self.weights) {
            acc += w;
            block += w;
            if acc >= ceil_div(j * n, m) {
                added = added.max(block - w);
                out.values.push(v);
                out.weights.push(block);
                block = 0;
                while j <= m && acc >= ceil_div(j * n, m) {
                    j += 1;
                }
            }
        }
        // capped at n: a rank is at most n whatever the error (rank_bounds
        // clamps to n), and a stored e > n is refused as corrupt — uncapped,
        // compressing a summary that already carried an error to very few
        // items saved bytes its own loader refused (fuzz finding 7,
        // rank_summary_decode)
        out.err = self.err.saturating_add(added).min(self.n);
        *self = out;
        Ok(())
    }

    /// The value at rank `t` (1 ≤ t ≤ n): the first item value v with
    /// R̂(v) ≥ t (#{≤ v} ≥ t, #{< v} < t + e).
    fn at_rank(&self, t: u64) -> f64 {
        let mut acc = 0u64;
        for (&v, &w) in self.values.iter().zip(&self.weights) {
            acc += w;
            if acc >= t {
                return v;
            }
        }
        self.max
    }

    fn empty_error() -> Error {
        Error::TooFewValues {
            param: "summary",
            actual: 0,
            min: 1,
        }
    }

    /// The values at ranks ⌈i·n/`cells`⌉ (i = 1..=`cells`, the last one the
    /// maximum), equal ones merged: strictly increasing, at most `cells`.
    ///
    /// # Errors
    /// An empty summary; `cells` = 0.
    pub fn points(&self, cells: usize) -> Result<Vec<f64>> {
        if self.n == 0 {
            return Err(Self::empty_error());
        }
        if cells == 0 {
            return Err(Error::invalid("cells", cells, "must be at least 1"));
        }
        let (n, k) = (u128::from(self.n), cells as u128);
        let mut out: Vec<f64> = Vec::with_capacity(cells);
        // one walk over the items: the targets increase
        let (mut acc, mut idx) = (0u64, 0usize);
        for i in 1..=k {
            let t = ceil_div(i * n, k);
            while acc < t && idx < self.values.len() {
                acc += self.weights[idx];
                idx += 1;
            }
            let v = if idx == 0 {
                self.values[0]
            } else {
                self.values[idx - 1]
            };
            if out.last().is_none_or(|&l| l < v) {
                out.push(v);
            }
        }
        Ok(out)
    }

    /// The approximate `q`-quantile (0 ≤ q ≤ 1): the value at rank
    /// max(1, ⌈q·n⌉); `q = 0` gives the exact minimum, `q = 1` the maximum.
    ///
    /// # Errors
    /// `q` outside [0, 1]; an empty summary.
    pub fn quantile(&self, q: f64) -> Result<f64> {
        if !(0.0..=1.0).contains(&q) {
            return Err(Error::invalid("q", q, "must be in [0, 1]"));
        }
        if self.n == 0 {
            return Err(Self::empty_error());
        }
        if q == 0.0 {
            return Ok(self.min);
        }
        // q = 1 is rank n exactly: q·n in f64 rounds once n passes 2⁵³
        // (fuzz: n ≈ 2⁵⁶ gave a value below the maximum)
        let t = if q == 1.0 {
            self.n
        } else {
            ((q * self.n as f64).ceil() as u64).clamp(1, self.n)
        };
        Ok(self.at_rank(t))
    }

    /// Bin edges at ranks ⌈k·n/bins⌉ (k = 1..bins), usable as
    /// `BinStrategy::Explicit`: −inf first, +inf last, strictly increasing
    /// (ties merged). A constant feature gets the constant's edges, as a
    /// quantile fit of it.
    ///
    /// # Errors
    /// `bins` outside 2..=[`crate::profile::MAX_BINS`], an empty summary.
    pub fn quantile_edges(&self, bins: usize) -> Result<Vec<f64>> {
        crate::profile::check_bins(bins)?;
        let Some((min, max)) = self.min_max() else {
            return Err(Self::empty_error());
        };
        if min == max {
            return Ok(crate::profile::constant_edges(min));
        }
        let mut e = vec![f64::NEG_INFINITY];
        for k in 1..bins {
            let v = self.at_rank(ceil_div(k as u128 * u128::from(self.n), bins as u128));
            if e.last() != Some(&v) {
                e.push(v);
            }
        }
        e.push(f64::INFINITY);
        Ok(e)
    }

    /// Binary form: `TWRS`, u32 version ([`super::SKETCH_GRID_FORMAT_VERSION`]),
    /// u64 payload length, u64 FNV-1a of the payload; payload: u64 n, u64 NaN
    /// count, u64 e, f64 bits min, f64 bits max, u64 items, each: f64 bits
    /// value, u64 weight.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(HEADER + 56 + 16 * self.values.len());
        p.resize(HEADER, 0);
        for x in [
            self.n,
            self.nan_count,
            self.err,
            self.min.to_bits(),
            self.max.to_bits(),
            self.values.len() as u64,
        ] {
            put_u64(&mut p, x);
        }
        for (v, w) in self.values.iter().zip(&self.weights) {
            put_u64(&mut p, v.to_bits());
            put_u64(&mut p, *w);
        }
        frame(SUMMARY_MAGIC, p)
    }

    /// Reads the binary form, validated: framing and checksum, finite
    /// strictly increasing values, weights ≥ 1 summing to n, e ≤ n, min ≤
    /// the first value, max = the last (both 0 and no item when n = 0), no
    /// trailing bytes.
    ///
    /// # Errors
    /// `Error::Corrupt` (artefact: rank summary) naming the field,
    /// `Error::Version`.
    pub fn from_bytes(bytes: &[u8]) -> Result<RankSummary> {
        Self::decode(bytes).map_err(|e| e.in_artefact(Artefact::RankSummary))
    }

    fn decode(bytes: &[u8]) -> Result<RankSummary> {
        let a = Artefact::RankSummary;
        let payload = unframe(bytes, SUMMARY_MAGIC, a)?;
        let mut r = Reader { b: payload, pos: 0 };
        let n = r.u64("n")?;
        let nan_count = r.u64("nan_count")?;
        let err = r.u64("error")?;
        let min = f64::from_bits(r.u64("min")?);
        let max = f64::from_bits(r.u64("max")?);
        let len = r.len(16, "items")?;
        let mut values = Vec::with_capacity(len);
        let mut weights = Vec::with_capacity(len);
        let mut total = 0u64;
        for _ in 0..len {
            let v = f64::from_bits(r.u64("items")?);
            let w = r.u64("items")?;
            if !v.is_finite() || v.to_bits() == (-0.0f64).to_bits() {
                return Err(gcorrupt(
                    a,
                    "items",
                    format!("value {v} not finite (or -0)"),
                ));
            }
            if values.last().is_some_and(|&l| l >= v) {
                return Err(gcorrupt(a, "items", format!("value {v} out of order")));
            }
            if w == 0 {
                return Err(gcorrupt(a, "items", format!("weight 0 at value {v}")));
            }
            total = total
                .checked_add(w)
                .ok_or_else(|| gcorrupt(a, "items", "weights overflow u64".into()))?;
            values.push(v);
            weights.push(w);
        }
        if r.pos != payload.len() {
            return Err(gcorrupt(a, "length", "trailing bytes".into()));
        }
        if total != n {
            return Err(gcorrupt(a, "n", format!("weights sum to {total}, n = {n}")));
        }
        if err > n {
            return Err(gcorrupt(a, "error", format!("{err} above n = {n}")));
        }
        let ok = match (values.first(), values.last()) {
            (Some(&f), Some(&l)) => min.is_finite() && min <= f && max.to_bits() == l.to_bits(),
            _ => min.to_bits() == 0 && max.to_bits() == 0,
        };
        if !ok {
            return Err(gcorrupt(
                a,
                "min_max",
                format!("min {min} / max {max} disagree with the items"),
            ));
        }
        Ok(RankSummary {
            n,
            nan_count,
            err,
            min,
            max,
            values,
            weights,
        })
    }
}
