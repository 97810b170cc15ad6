//! Per-partition **score states**: what a worker sends back after scoring
//! one partition of current data against a frozen, broadcast reference
//! [`Profile`] — a summary whose size depends on the reference (its distinct
//! values, bins and categories), not on the number of current rows.
//!
//! A numeric feature's state holds the counts of current values in the
//! reference's **cells** — below the first distinct reference value, equal
//! to each distinct value, strictly between consecutive distinct values,
//! above the last — kept sparse (only non-empty cells, so at most
//! min(2m + 1, rows) of them for m distinct reference values), with the
//! largest current value of each open cell, the counts in the profile's
//! PSI/JS bins, the number of rows and of skipped NaN/±inf values, and
//! min/max. A categorical feature's state holds the
//! count per category (categories unseen in the reference included) and the
//! missing count. States of partitions merge by adding integers (and taking
//! min/max), so [`ScoreState::merge`] is exactly associative and
//! commutative, and [`crate::report::DriftReport::compute_states`] on the
//! merged state equals [`crate::report::DriftReport::compute`] on all the
//! current data **bit for bit** (features in name order).
//!
//! **Why KS is exact from cell counts.** scipy evaluates F₁ − F₂ (reference
//! minus current ECDF) at every pooled value, as `i/n₁ − j/n₂` with the
//! counts of values ≤ x. At a distinct reference value rₖ, i and j are the
//! cumulative cell counts: every evaluation there is reproduced with the
//! same integers and the same float operations. Inside the open cell
//! (rₖ, rₖ₊₁) only j grows, so F₁ − F₂ there is at most its value at rₖ
//! (never a new maximum, and never one of data2 that beats data1's) and at
//! least its value at the cell's last current value, where j is the
//! cumulative count through the cell — reproduced exactly, located at the
//! cell's largest current value. The statistic, its sign and the p-value
//! (from the exact n₁, n₂, by the same function as `ks_2samp`) are exact;
//! the location is exact too unless n₂ > 2⁵² (then two consecutive
//! evaluations inside one cell may round to the same float and scipy would
//! name an earlier value of that cell).
//!
//! **Bounded variant** ([`CellGrid::Bounded`]): for references with many
//! distinct values, K grid points gᵢ taken from the sorted reference at
//! ranks ⌈i·n₁/K⌉ − 1 (the last one is the maximum) replace the distinct
//! values, so a state holds O(K) numbers. F₁ − F₂ is then known exactly at
//! the grid points and at the left limit of each grid point, which gives a
//! lower bound D_lo of the KS statistic; inside an open cell F₁ moves by at
//! most the reference mass strictly inside it (< 1/K by the choice of ranks)
//! and F₂ by the current mass in it, which gives an upper bound D_hi with
//! D_lo ≤ D ≤ D_hi and **D_hi − D_lo ≤ 1/K** (both bounds are computed with
//! the same rounding as D, so the inclusion holds for the floats). PSI,
//! Jensen–Shannon and the categorical statistics stay exact
//! ([`ScoreState::ks_bounds`]).
//!
//! **Reference never gathered** ([`SketchGrid`]): the grid points (and PSI
//! bin edges) from merged quantile sketches, the reference's exact counts
//! at the points from one pass over its partitions ([`GridCounts`],
//! mergeable), [`StateScorer::from_grid_counts`] → the same compact scorer;
//! the interval still holds D, its width is at most
//! [`StateScorer::rank_bounds`] (≈ 1/K + twice the sketch's rank error).
//!
//! **Not supported** (a typed error, never a wrong number; score the raw
//! values with `DriftReport::compute` or merge current profiles with
//! `DriftReport::compute_profiles`): Sturges bins and Evidently's PSI (their
//! bins depend on the current values), profiles fitted without the stored
//! reference (KS needs it — or a [`SketchGrid`]). **Moments** (mean, M2) are not kept: their
//! merge (Chan et al.) is not exact in floating point, so a merged state
//! would depend on the partitioning; no report field uses them.
//!
//! ```
//! use tradewarden_drift::profile::{FeatureProfile, NumericProfile, Profile, ProfileOptions};
//! use tradewarden_drift::report::{DriftReport, FeatureData, ReportOptions};
//! use tradewarden_drift::state::{CellGrid, ScoreState};
//! let reference: Vec<f64> = (0..500).map(|i| (i % 97) as f64).collect();
//! let mut profile = Profile::new();
//! profile.insert("x", FeatureProfile::Numeric(NumericProfile::fit(&reference, &ProfileOptions::default()).unwrap()));
//! let current: Vec<f64> = (0..300).map(|i| (i % 89) as f64 + 3.5).collect();
//! // two partitions, scored where they lie, states merged
//! let mut s = ScoreState::build(&profile, &[("x", FeatureData::Numeric(&current[..120]))], CellGrid::Exact).unwrap();
//! let t = ScoreState::build(&profile, &[("x", FeatureData::Numeric(&current[120..]))], CellGrid::Exact).unwrap();
//! s.merge(&ScoreState::from_bytes(&t.to_bytes()).unwrap()).unwrap();
//! let o = ReportOptions::default();
//! let direct = DriftReport::compute(&profile, &[("x", FeatureData::Numeric(&current))], &o).unwrap();
//! assert_eq!(DriftReport::compute_states(&profile, &s, &o).unwrap(), direct);
//! ```

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use tradewarden_core::NanPolicy;
use tradewarden_core::par::CollectOrdered;

use crate::error::{Error, Result};
use crate::ks::KsResult;
use crate::profile::{BinStrategy, CategoricalProfile, FeatureProfile, NumericProfile, Profile};
use crate::psi::PsiMode;
use crate::report::{FeatureData, FeatureDrift, ReportOptions};

mod sketch_grid;
mod summary;
pub use sketch_grid::{GridCounts, SKETCH_GRID_FORMAT_VERSION, SketchGrid};
pub use summary::{DEFAULT_SUMMARY_ITEMS, MAX_SUMMARY_ITEMS, RankSummary};

/// Version of the persisted score-state format (binary header).
pub const SCORE_STATE_FORMAT_VERSION: u32 = 1;

/// Largest number of grid points of [`CellGrid::Bounded`] (2²⁴).
pub const MAX_GRID_CELLS: usize = 1 << 24;

const MAGIC: &[u8; 4] = b"TWSS";

/// Which reference values delimit the cells of numeric features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum CellGrid {
    /// Every distinct reference value: KS exact (state size O(distinct values)).
    #[default]
    Exact,
    /// `cells` grid points from the sorted reference: KS as an interval of
    /// width ≤ 1/`cells` (state size O(cells)).
    Bounded {
        /// Number of grid points K (1..=[`MAX_GRID_CELLS`]).
        cells: usize,
    },
}

/// Score state of one numeric feature (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct NumericState {
    rows: u64,
    nan_count: u64,
    count: u64,
    min: f64,
    max: f64,
    n_cells: u64,
    cells: Vec<Cell>,
    bins: Vec<u64>,
}

/// One non-empty cell of a numeric state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// Cell index: 2k at open cell k (below point k; 2m above the last),
    /// 2k + 1 at point k.
    pub index: u64,
    /// Current values in the cell (≥ 1).
    pub count: u64,
    /// Largest current value of an open cell (the KS location); −inf for a
    /// point cell (its values all equal the point).
    pub max: f64,
}

impl NumericState {
    /// Current rows seen (finite values plus skipped NaN/±inf).
    pub fn rows(&self) -> u64 {
        self.rows
    }
    /// NaN/±inf values skipped (`NanPolicy::Skip`).
    pub fn nan_count(&self) -> u64 {
        self.nan_count
    }
    /// Finite values counted.
    pub fn count(&self) -> u64 {
        self.count
    }
    /// Smallest finite value (+inf when none).
    pub fn min(&self) -> f64 {
        self.min
    }
    /// Largest finite value (−inf when none).
    pub fn max(&self) -> f64 {
        self.max
    }
    /// Number of cells, 2m + 1 (open cell 0, point 0, open cell 1, …, point
    /// m − 1, open cell m).
    pub fn n_cells(&self) -> u64 {
        self.n_cells
    }
    /// The non-empty cells, by ascending index (a state holds at most
    /// min(2m + 1, finite values) of them).
    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }
    /// Counts in the profile's bins.
    pub fn bins(&self) -> &[u64] {
        &self.bins
    }
}

/// Score state of one categorical feature.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoricalState {
    counts: BTreeMap<String, u64>,
    missing: u64,
}

impl CategoricalState {
    /// Count per category (categories absent from the reference included).
    pub fn counts(&self) -> &BTreeMap<String, u64> {
        &self.counts
    }
    /// Missing values (`None`).
    pub fn missing(&self) -> u64 {
        self.missing
    }
}

/// Score state of one feature.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureState {
    /// Numeric feature.
    Numeric(NumericState),
    /// Categorical feature.
    Categorical(CategoricalState),
}

/// Mergeable score state of one or more partitions of current data against
/// one reference [`Profile`] (identified by its content checksum).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreState {
    profile_checksum: u64,
    grid: CellGrid,
    features: BTreeMap<String, FeatureState>,
}

/// KS interval and exact PSI / Jensen–Shannon of a numeric feature from a
/// bounded state ([`ScoreState::ks_bounds`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KsBounds {
    /// Feature name.
    pub name: String,
    /// Lower bound of the KS statistic (attained at a data point).
    pub statistic_lo: f64,
    /// Upper bound of the KS statistic; `statistic_hi − statistic_lo ≤ 1/K`.
    pub statistic_hi: f64,
    /// p-value at `statistic_hi` (a lower bound of the p-value).
    pub pvalue_lo: f64,
    /// p-value at `statistic_lo` (an upper bound of the p-value).
    pub pvalue_hi: f64,
    /// PSI over the profile's bins (exact).
    pub psi: f64,
    /// Jensen–Shannon distance over the profile's bins (exact).
    pub jensenshannon: Option<f64>,
    /// Reference size.
    pub n_reference: u64,
    /// Current rows.
    pub n_current: u64,
}

/// Content checksum of a profile: FNV-1a of its canonical binary payload
/// (the same checksum its JSON form carries).
fn profile_checksum(profile: &Profile) -> u64 {
    let mut p = Vec::new();
    crate::binfmt::encode_profile(profile, &mut p);
    crate::binfmt::fnv1a(&p)
}

/// The cell grid of a numeric profile: points, #reference ≤ point and
/// #reference < point.
#[derive(Debug, Clone)]
struct Grid {
    points: Vec<f64>,
    le: Vec<u64>,
    lt: Vec<u64>,
}

impl Grid {
    fn of(p: &NumericProfile, grid: CellGrid, name: &str) -> Result<Grid> {
        let r = &p.reference;
        if r.is_empty() {
            return Err(Error::invalid(
                "keep_reference",
                false,
                "this statistic needs the stored reference (score states need it for KS)",
            ));
        }
        if p.options.bins == BinStrategy::Sturges {
            return Err(Error::invalid(
                "bins",
                format!("sturges (feature {name:?})"),
                "Sturges bins depend on the current values: not supported by score states; \
                 score the raw values (DriftReport::compute) or merge current profiles \
                 (DriftReport::compute_profiles)",
            ));
        }
        let mut g = Grid {
            points: Vec::new(),
            le: Vec::new(),
            lt: Vec::new(),
        };
        let every_value = |g: &mut Grid| {
            let mut i = 0usize;
            while i < r.len() {
                let x = r[i];
                let start = i;
                while i < r.len() && r[i] == x {
                    i += 1;
                }
                g.points.push(x);
                g.lt.push(start as u64);
                g.le.push(i as u64);
            }
        };
        match grid {
            CellGrid::Exact => every_value(&mut g),
            CellGrid::Bounded { cells } => {
                check_grid_cells(cells)?;
                if cells >= r.len() {
                    // K ≥ n: the positions ⌈q·n/K⌉ − 1 (q = 1..=K) below
                    // start at 0, end at n − 1 and step by at most one, so
                    // they visit every value: the points are every distinct
                    // value, the exact grid — in O(n) instead of K steps
                    // (2^24 for the largest grid, whatever n).
                    every_value(&mut g);
                    return Ok(g);
                }
                let n = r.len() as u64;
                let k = cells as u64;
                for q in 1..=k {
                    // ⌈q·n/K⌉ − 1 without overflow (q ≤ K ≤ 2^24, n < 2^40 in practice)
                    let pos = (u128::from(q) * u128::from(n)).div_ceil(u128::from(k)) - 1;
                    let x = r[usize::try_from(pos).unwrap_or(r.len() - 1).min(r.len() - 1)];
                    if g.points.last().is_some_and(|&l| l == x) {
                        continue;
                    }
                    g.points.push(x);
                    g.lt.push(r.partition_point(|&v| v < x) as u64);
                    g.le.push(r.partition_point(|&v| v <= x) as u64);
                }
            }
        }
        Ok(g)
    }

    /// Cell of a finite value (+0.0-normalised): 2k+1 at point k, 2k in the
    /// open cell below point k (2m above the last). The definition
    /// [`CellLookup::cell`] is tested against.
    #[cfg(test)]
    fn cell(&self, x: f64) -> usize {
        let k = self.points.partition_point(|&v| v < x);
        if k < self.points.len() && self.points[k] == x {
            2 * k + 1
        } else {
            2 * k
        }
    }
}

/// [`Grid::cell`] for many values: the range of the grid's points is cut
/// into equal buckets (4 per point, at most 2¹⁶), and a value's search runs
/// only over the points of its bucket. The bucket of x, ⌊(x − g₀)·scale⌋
/// clamped, is monotone in x, so the points of lower buckets are all < x
/// and those of higher buckets all > x: the cell is exactly
/// [`Grid::cell`]'s (test: `cell_lookup_is_the_binary_search`) for any
/// points — equal-width buckets only make the search short when the points
/// are spread (a quantile grid of a normal column: one or two points per
/// bucket; a heavy tail or an overflowing range falls back towards the full
/// binary search). Measured on 500k × 6 columns, K = 1 024 (`cargo bench -p
/// tradewarden-drift --bench grid`): see docs/performance.md.
pub(crate) struct CellLookup<'a> {
    points: &'a [f64],
    /// The points and 4 × +inf after them: a value's point test and its
    /// bucket's 4-wide count never branch on the end (values are finite).
    padded: Vec<f64>,
    lo: f64,
    scale: f64,
    last: usize,
    /// `first[b]`: the number of points in buckets below b (b = 0..=buckets).
    first: Vec<u32>,
}

impl<'a> CellLookup<'a> {
    pub(crate) fn new(points: &'a [f64]) -> Self {
        let buckets = (4 * points.len()).clamp(1, 1 << 16);
        let (lo, hi) = match (points.first(), points.last()) {
            (Some(&a), Some(&b)) => (a, b),
            _ => (0.0, 0.0),
        };
        let span = hi - lo;
        // 0 (one bucket: the full binary search) for an empty, one-point or
        // overflowing range, and for a range so narrow that the quotient is
        // infinite (subnormal spans)
        let scale = if span > 0.0 && span.is_finite() {
            Some(buckets as f64 / span)
                .filter(|s| s.is_finite())
                .unwrap_or(0.0)
        } else {
            0.0
        };
        let mut padded = Vec::with_capacity(points.len() + 4);
        padded.extend_from_slice(points);
        padded.extend([f64::INFINITY; 4]);
        let mut me = CellLookup {
            points,
            padded,
            lo,
            scale,
            last: buckets - 1,
            first: vec![0; buckets + 1],
        };
        for &x in points {
            let b = me.bucket(x);
            me.first[b + 1] += 1;
        }
        for b in 0..buckets {
            me.first[b + 1] += me.first[b];
        }
        me
    }

    /// 0 at or below the first point (and for every x when `scale` is 0),
    /// `last` from (x − g₀)·scale ≥ last on: non-decreasing in x.
    #[inline]
    fn bucket(&self, x: f64) -> usize {
        let t = (x - self.lo) * self.scale;
        if t >= self.last as f64 {
            self.last
        } else if t > 0.0 {
            t as usize
        } else {
            0
        }
    }

    /// [`Grid::cell`] of a finite, +0.0-normalised value.
    #[inline]
    pub(crate) fn cell(&self, x: f64) -> usize {
        let b = self.bucket(x);
        let (s, e) = (self.first[b] as usize, self.first[b + 1] as usize);
        let p = &self.padded;
        let k = if e - s <= 4 {
            // the points after the bucket are > x (or the +inf padding):
            // counting four from s counts exactly the bucket's points < x
            s + usize::from(p[s] < x)
                + usize::from(p[s + 1] < x)
                + usize::from(p[s + 2] < x)
                + usize::from(p[s + 3] < x)
        } else {
            s + self.points[s..e].partition_point(|&v| v < x)
        };
        2 * k + usize::from(p[k] == x)
    }
}

fn check_grid_cells(cells: usize) -> Result<()> {
    if cells == 0 || cells > MAX_GRID_CELLS {
        return Err(Error::invalid(
            "cells",
            cells,
            "must be in 1..=MAX_GRID_CELLS (16777216)",
        ));
    }
    Ok(())
}

fn numeric_state(name: &str, p: &NumericProfile, values: &[f64], g: &Grid) -> Result<NumericState> {
    if p.edges.len() < 2 || p.counts.len() + 1 != p.edges.len() {
        return Err(Error::Corrupt {
            artefact: crate::error::Artefact::Profile,
            what: "counts",
            reason: format!(
                "feature {name:?}: {} counts for {} edges",
                p.counts.len(),
                p.edges.len()
            ),
        });
    }
    numeric_state_on(&p.edges, p.options.nan_policy, values, g)
}

/// A numeric state on explicit bin `edges` (validated by the caller) and
/// grid `g`: what [`numeric_state`] and a [`SketchGrid`] share.
fn numeric_state_on(
    edges: &[f64],
    nan_policy: NanPolicy,
    values: &[f64],
    g: &Grid,
) -> Result<NumericState> {
    let skip = nan_policy == NanPolicy::Skip;
    let m = g.points.len();
    let mut s = NumericState {
        rows: values.len() as u64,
        nan_count: 0,
        count: 0,
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        n_cells: (2 * m + 1) as u64,
        cells: Vec::new(),
        bins: Vec::new(),
    };
    let mut finite: Vec<f64> = Vec::with_capacity(values.len());
    for (index, &v) in values.iter().enumerate() {
        if !v.is_finite() {
            if skip {
                s.nan_count += 1;
                continue;
            }
            return Err(Error::NonFinite {
                param: "current",
                index,
                value: v,
            });
        }
        let x = v + 0.0;
        finite.push(x);
        s.min = s.min.min(x);
        s.max = s.max.max(x);
    }
    s.count = finite.len() as u64;
    s.bins = crate::profile::bin_counts(&finite, edges)?;
    s.cells = if m <= DENSE_POINTS {
        dense_cells(&finite, g)
    } else {
        crate::sample::sort_f64(&mut finite);
        sorted_cells(&finite, g)
    };
    Ok(s)
}

/// Up to this many grid points a partition's cells are counted in a dense
/// array by binary search (cache-resident); above, the partition is sorted
/// and walked against the points (memory O(rows), time O(rows·log rows +
/// rows·log(m/rows)), whatever the reference's size). Both give the same
/// cells (tested).
const DENSE_POINTS: usize = 4096;

fn dense_cells(values: &[f64], g: &Grid) -> Vec<Cell> {
    let n_cells = 2 * g.points.len() + 1;
    let mut count = vec![0u64; n_cells];
    let mut max = vec![f64::NEG_INFINITY; n_cells];
    let look = CellLookup::new(&g.points);
    for &x in values {
        let c = look.cell(x);
        count[c] += 1;
        max[c] = max[c].max(x);
    }
    count
        .iter()
        .zip(&max)
        .enumerate()
        .filter(|(_, (n, _))| **n > 0)
        .map(|(index, (&count, &x))| Cell {
            index: index as u64,
            count,
            max: if index.is_multiple_of(2) {
                x
            } else {
                f64::NEG_INFINITY
            },
        })
        .collect()
}

/// Cells of ascending values: each value's point is found by galloping
/// from the previous one's.
fn sorted_cells(sorted: &[f64], g: &Grid) -> Vec<Cell> {
    let points = &g.points;
    let mut out: Vec<Cell> = Vec::new();
    let mut lo = 0usize; // points below lo are < every value still to come
    for &x in sorted {
        let rest = &points[lo..];
        let mut bound = 1usize;
        while bound < rest.len() && rest[bound - 1] < x {
            bound *= 2;
        }
        let start = bound / 2;
        let end = bound.min(rest.len());
        lo += start + rest[start..end].partition_point(|&v| v < x);
        let (index, max) = if lo < points.len() && points[lo] == x {
            (2 * lo + 1, f64::NEG_INFINITY)
        } else {
            (2 * lo, x)
        };
        match out.last_mut() {
            Some(c) if c.index == index as u64 => {
                c.count += 1;
                c.max = c.max.max(max);
            }
            _ => out.push(Cell {
                index: index as u64,
                count: 1,
                max,
            }),
        }
    }
    out
}

fn categorical_state(values: &[Option<&str>]) -> CategoricalState {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    let mut missing = 0;
    for v in values {
        match v {
            Some(s) => match counts.get_mut(*s) {
                Some(c) => *c += 1,
                None => {
                    counts.insert((*s).to_string(), 1);
                }
            },
            None => missing += 1,
        }
    }
    CategoricalState { counts, missing }
}

/// Folds `parts` into a clone of the first with `merge` (the `merge_all` of
/// score states and grid counts); no parts is `TooFewValues`.
fn merge_parts<T: Clone>(parts: &[&T], merge: impl Fn(&mut T, &T) -> Result<()>) -> Result<T> {
    let Some((first, rest)) = parts.split_first() else {
        return Err(Error::TooFewValues {
            param: "parts",
            actual: 0,
            min: 1,
        });
    };
    let mut acc = (*first).clone();
    for p in rest {
        merge(&mut acc, p)?;
    }
    Ok(acc)
}

fn overflow(what: &str) -> Error {
    Error::Merge {
        reason: format!("merged {what} overflows u64"),
    }
}

fn add_counts(a: &mut [u64], b: &[u64], what: &str) -> Result<()> {
    for (x, y) in a.iter_mut().zip(b) {
        *x = x.checked_add(*y).ok_or_else(|| overflow(what))?;
    }
    Ok(())
}

/// Union of two ascending cell lists, counts added (checked), maxima combined.
fn merge_cells(a: &[Cell], b: &[Cell]) -> Result<Vec<Cell>> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let ka = a.get(i).map_or(u64::MAX, |c| c.index);
        let kb = b.get(j).map_or(u64::MAX, |c| c.index);
        if ka < kb {
            out.push(a[i]);
            i += 1;
        } else if kb < ka {
            out.push(b[j]);
            j += 1;
        } else {
            out.push(Cell {
                index: ka,
                count: a[i]
                    .count
                    .checked_add(b[j].count)
                    .ok_or_else(|| overflow("cell count"))?,
                max: a[i].max.max(b[j].max),
            });
            i += 1;
            j += 1;
        }
    }
    Ok(out)
}

/// Walks the cells in index order: `take(c)` is the cell at index `c`, if
/// non-empty (indices asked in ascending order).
struct CellCursor<'a> {
    cells: &'a [Cell],
    pos: usize,
}

impl CellCursor<'_> {
    fn take(&mut self, index: usize) -> Option<Cell> {
        let c = *self.cells.get(self.pos)?;
        (c.index == index as u64).then(|| {
            self.pos += 1;
            c
        })
    }
}

impl NumericState {
    fn merged(&self, o: &NumericState, name: &str) -> Result<NumericState> {
        if self.n_cells != o.n_cells || self.bins.len() != o.bins.len() {
            return Err(Error::Merge {
                reason: format!(
                    "feature {name:?}: {} cells / {} bins vs {} cells / {} bins",
                    self.n_cells,
                    self.bins.len(),
                    o.n_cells,
                    o.bins.len()
                ),
            });
        }
        let mut s = self.clone();
        s.rows = s.rows.checked_add(o.rows).ok_or_else(|| overflow("rows"))?;
        s.nan_count = s
            .nan_count
            .checked_add(o.nan_count)
            .ok_or_else(|| overflow("nan_count"))?;
        s.count = s
            .count
            .checked_add(o.count)
            .ok_or_else(|| overflow("count"))?;
        s.cells = merge_cells(&self.cells, &o.cells)?;
        add_counts(&mut s.bins, &o.bins, "bin count")?;
        s.min = s.min.min(o.min);
        s.max = s.max.max(o.max);
        Ok(s)
    }

    /// The ECDF-difference extremes `[a max, a min, b max, b min]` and
    /// their locations, as the merge walk of `ks_2samp` finds them (see the
    /// module docs): exact for the exact grid.
    fn extremes(&self, g: &Grid, n1: f64, n2: f64) -> ([f64; 4], [f64; 4]) {
        let mut ext = [
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
        ];
        let mut loc = [f64::NAN; 4];
        let (mut i, mut j) = (0u64, 0u64);
        let m = g.points.len();
        let mut cur = CellCursor {
            cells: &self.cells,
            pos: 0,
        };
        for k in 0..=m {
            if let Some(cell) = cur.take(2 * k) {
                j += cell.count;
                let d = i as f64 / n1 - j as f64 / n2;
                if d < ext[3] {
                    (ext[3], loc[3]) = (d, cell.max);
                }
            }
            if k < m {
                let x = g.points[k];
                let c = cur.take(2 * k + 1).map_or(0, |c| c.count);
                i = g.le[k];
                j += c;
                let d = i as f64 / n1 - j as f64 / n2;
                if d > ext[0] {
                    (ext[0], loc[0]) = (d, x);
                }
                if d < ext[1] {
                    (ext[1], loc[1]) = (d, x);
                }
                if c > 0 {
                    if d > ext[2] {
                        (ext[2], loc[2]) = (d, x);
                    }
                    if d < ext[3] {
                        (ext[3], loc[3]) = (d, x);
                    }
                }
            }
        }
        (ext, loc)
    }

    /// [D_lo, D_hi] on a bounded grid (module docs).
    fn ks_interval(&self, g: &Grid, n_ref: u64, n2: f64) -> (f64, f64) {
        let n1 = n_ref as f64;
        let (mut lo, mut hi) = (0.0f64, 0.0f64);
        let diff = |i: u64, j: u64| i as f64 / n1 - j as f64 / n2;
        let (mut i, mut j) = (0u64, 0u64);
        let m = g.points.len();
        let mut cur = CellCursor {
            cells: &self.cells,
            pos: 0,
        };
        for k in 0..=m {
            // open cell k: F1 in [i, lt[k]] (n1 above the last point: a grid
            // from a sketch may end below the reference's maximum), F2 in [j, j + c]
            let c = cur.take(2 * k).map_or(0, |c| c.count);
            let i_end = if k < m { g.lt[k] } else { n_ref };
            if c > 0 || i_end > i {
                let j_end = j + c;
                // the left limit of the next point (or the last value) is a data point
                let at_end = diff(i_end, j_end).abs();
                lo = lo.max(at_end);
                hi = hi.max(at_end).max(diff(i_end, j)).max(-diff(i, j_end));
                j = j_end;
            }
            if k < m {
                i = g.le[k];
                j += cur.take(2 * k + 1).map_or(0, |c| c.count);
                let d = diff(i, j).abs();
                lo = lo.max(d);
                hi = hi.max(d);
            }
        }
        (lo, hi)
    }

    /// KS, PSI and Jensen–Shannon (as `NumericProfile::score_sorted`).
    fn score(
        &self,
        p: &NumericProfile,
        g: &Grid,
        mode: PsiMode,
    ) -> Result<(KsResult, f64, Option<f64>)> {
        let epsilon = standard_epsilon(mode)?;
        self.check_nonempty()?;
        let (n1, n2) = (p.reference.len() as u64, self.count);
        let (ext, loc) = self.extremes(g, n1 as f64, n2 as f64);
        let ks = crate::ks::ks_from_extremes(n1, n2, &ext, &loc);
        let (psi, js) = p.psi_js_of_counts(&self.bins, epsilon)?;
        Ok((ks, psi, js))
    }

    fn check_nonempty(&self) -> Result<()> {
        if self.count == 0 {
            return Err(Error::TooFewValues {
                param: "current",
                actual: 0,
                min: 1,
            });
        }
        Ok(())
    }
}

fn standard_epsilon(mode: PsiMode) -> Result<f64> {
    match mode {
        PsiMode::Standard { epsilon } => Ok(epsilon),
        PsiMode::Evidently => Err(Error::invalid(
            "psi_mode",
            "evidently",
            "Evidently's PSI bins depend on the current values: not supported by score \
             states; score the raw values (DriftReport::compute) or merge current profiles \
             (DriftReport::compute_profiles)",
        )),
    }
}

impl CategoricalState {
    fn merged(&self, o: &CategoricalState) -> Result<CategoricalState> {
        let mut s = self.clone();
        s.missing = s
            .missing
            .checked_add(o.missing)
            .ok_or_else(|| overflow("missing"))?;
        for (k, v) in &o.counts {
            let c = s.counts.entry(k.clone()).or_insert(0);
            *c = c
                .checked_add(*v)
                .ok_or_else(|| overflow("category count"))?;
        }
        Ok(s)
    }

    /// Reference and current counts over the union of categories, sorted by
    /// name (as `CategoricalProfile::aligned_counts`).
    fn aligned(&self, p: &CategoricalProfile) -> Result<(Vec<u64>, Vec<u64>)> {
        if self.counts.is_empty() {
            return Err(Error::TooFewValues {
                param: "current",
                actual: 0,
                min: 1,
            });
        }
        let mut keys: Vec<&String> = p.counts.keys().collect();
        keys.extend(self.counts.keys().filter(|k| !p.counts.contains_key(*k)));
        keys.sort();
        let e = keys
            .iter()
            .map(|k| p.counts.get(*k).copied().unwrap_or(0))
            .collect();
        let a = keys
            .iter()
            .map(|k| self.counts.get(*k).copied().unwrap_or(0))
            .collect();
        Ok((e, a))
    }
}

/// The per-feature states of one partition (`grid_of` gives a numeric
/// feature's cell grid).
fn build_with<'g>(
    profile: &Profile,
    checksum: u64,
    grid: CellGrid,
    current: &[(&str, FeatureData<'_>)],
    grid_of: impl Fn(&str, &NumericProfile) -> Result<std::borrow::Cow<'g, Grid>> + Sync,
) -> Result<ScoreState> {
    for (i, (name, _)) in current.iter().enumerate() {
        if current[..i].iter().any(|(n, _)| n == name) {
            return Err(Error::invalid(
                "current",
                *name,
                "duplicate feature name (a score state has one entry per feature)",
            ));
        }
    }
    let built: Vec<FeatureState> = current
        .par_iter()
        .map(|(name, data)| match (profile.feature(name)?, data) {
            (FeatureProfile::Numeric(p), FeatureData::Numeric(v)) => {
                let g = grid_of(name, p)?;
                numeric_state(name, p, v, &g).map(FeatureState::Numeric)
            }
            (FeatureProfile::Categorical(_), FeatureData::Categorical(v)) => {
                Ok(FeatureState::Categorical(categorical_state(v)))
            }
            _ => Err(Error::invalid(
                "current",
                *name,
                "feature type differs from the profile's",
            )),
        })
        .collect_ordered()?;
    let features = current
        .iter()
        .zip(built)
        .map(|((n, _), f)| ((*n).to_string(), f))
        .collect();
    Ok(ScoreState {
        profile_checksum: checksum,
        grid,
        features,
    })
}

/// A frozen profile prepared for scoring many partitions (one per worker):
/// its content checksum and every numeric feature's cell grid are computed
/// once, not per partition as [`ScoreState::build`] does.
///
/// ```
/// use tradewarden_drift::profile::{Profile, ProfileOptions};
/// use tradewarden_drift::report::FeatureData;
/// use tradewarden_drift::state::{CellGrid, ScoreState, StateScorer};
/// let r: Vec<f64> = (0..300).map(|i| (i % 41) as f64).collect();
/// let profile = Profile::fit_features(&[("x", FeatureData::Numeric(&r))], &ProfileOptions::default()).unwrap();
/// let c = [1.5, 2.0, 40.5];
/// let scorer = StateScorer::new(profile.clone(), CellGrid::Exact).unwrap();
/// let a = scorer.state(&[("x", FeatureData::Numeric(&c))]).unwrap();
/// assert_eq!(a, ScoreState::build(&profile, &[("x", FeatureData::Numeric(&c))], CellGrid::Exact).unwrap());
/// ```
#[derive(Debug)]
pub struct StateScorer {
    profile: Profile,
    checksum: u64,
    grid: CellGrid,
    grids: BTreeMap<String, Grid>,
}

impl StateScorer {
    /// Prepares `profile` for scoring partitions on `grid`.
    ///
    /// # Errors
    /// A bad `cells` count. (A feature that score states do not support —
    /// Sturges bins, no stored reference — fails when it is scored.)
    pub fn new(profile: Profile, grid: CellGrid) -> Result<Self> {
        if let CellGrid::Bounded { cells } = grid {
            check_grid_cells(cells)?;
        }
        let grids: BTreeMap<String, Grid> = profile
            .features
            .par_iter()
            .filter_map(|(name, f)| match f {
                FeatureProfile::Numeric(p) => {
                    Grid::of(p, grid, name).ok().map(|g| (name.clone(), g))
                }
                FeatureProfile::Categorical(_) => None,
            })
            .collect();
        Ok(StateScorer {
            checksum: profile_checksum(&profile),
            profile,
            grid,
            grids,
        })
    }

    /// The profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The grid.
    pub fn grid(&self) -> CellGrid {
        self.grid
    }

    /// The score state of one partition, equal to [`ScoreState::build`]
    /// with this profile and grid.
    ///
    /// # Errors
    /// As [`ScoreState::build`].
    pub fn state(&self, current: &[(&str, FeatureData<'_>)]) -> Result<ScoreState> {
        build_with(
            &self.profile,
            self.checksum,
            self.grid,
            current,
            |name, p| match self.grids.get(name) {
                Some(g) => Ok(std::borrow::Cow::Borrowed(g)),
                None => Grid::of(p, self.grid, name).map(std::borrow::Cow::Owned),
            },
        )
    }

    /// The score state of Arrow record batches (same schema): the columns
    /// named as profiled features, read as [`DriftReport::compute_batches`]
    /// reads them (float64 zero-copy for one batch without nulls, float32 and
    /// integers converted, nulls as NaN; utf8 / large utf8 categories, nulls
    /// missing); other columns are ignored. Equal to [`StateScorer::state`]
    /// on the same values — without converting strings one by one in the
    /// caller's language.
    ///
    /// [`DriftReport::compute_batches`]: crate::report::DriftReport::compute_batches
    ///
    /// # Errors
    /// No batch, no column matching a feature, a column of an unsupported
    /// type; then as [`StateScorer::state`].
    pub fn state_batches(&self, batches: &[arrow_array::RecordBatch]) -> Result<ScoreState> {
        let cols = crate::report::gather_columns(&self.profile, batches)?;
        self.state(&crate::report::feature_data(&cols))
    }

    /// The KS intervals (and exact PSI / Jensen–Shannon) of a (merged) state
    /// built with this scorer — the numbers of [`ScoreState::ks_bounds`]
    /// against the full profile, bit for bit, from the scorer's own grids
    /// and bins: a decoded compact scorer ([`StateScorer::from_bytes`],
    /// kilobytes for a bounded grid) is all the client of a distributed job
    /// needs, the reference never has to be loaded there.
    ///
    /// ```
    /// use tradewarden_drift::profile::{NumericProfile, Profile, ProfileOptions, FeatureProfile};
    /// use tradewarden_drift::psi::PsiMode;
    /// use tradewarden_drift::report::FeatureData;
    /// use tradewarden_drift::state::{CellGrid, StateScorer};
    /// let r: Vec<f64> = (0..1000).map(|i| f64::from(i) * 0.5).collect();
    /// let c: Vec<f64> = (0..700).map(|i| f64::from(i) * 0.8).collect();
    /// let o = ProfileOptions { keep_reference: true, ..Default::default() };
    /// let mut profile = Profile::new();
    /// profile.insert("x", FeatureProfile::Numeric(NumericProfile::fit(&r, &o).unwrap()));
    /// let scorer = StateScorer::new(profile.clone(), CellGrid::Bounded { cells: 64 }).unwrap();
    /// let compact = StateScorer::from_bytes(&scorer.to_bytes()).unwrap(); // no reference inside
    /// let state = compact.state(&[("x", FeatureData::Numeric(&c))]).unwrap();
    /// assert_eq!(
    ///     compact.ks_bounds(&state, PsiMode::default()).unwrap(),
    ///     state.ks_bounds(&profile, PsiMode::default()).unwrap(),
    /// );
    /// ```
    ///
    /// # Errors
    /// A state of another profile or grid, an empty current feature,
    /// Evidently's PSI mode.
    pub fn ks_bounds(&self, state: &ScoreState, psi_mode: PsiMode) -> Result<Vec<KsBounds>> {
        if state.profile_checksum != self.checksum {
            return Err(state_mismatch(format!(
                "checksum {:016x} (the scorer's profile: {:016x})",
                state.profile_checksum, self.checksum
            )));
        }
        if state.grid != self.grid {
            return Err(state_mismatch(format!(
                "grid {:?} (the scorer's: {:?})",
                state.grid, self.grid
            )));
        }
        state.bounds_with(&self.profile, psi_mode, |name, p| {
            match self.grids.get(name) {
                Some(g) => Ok(std::borrow::Cow::Borrowed(g)),
                None => Grid::of(p, self.grid, name).map(std::borrow::Cow::Owned),
            }
        })
    }

    /// Writes the compact form ([`StateScorer::to_bytes`]) to `path`
    /// atomically (temp file, fsync, rename) — e.g. beside the frozen
    /// reference profile, so that a job's client loads kilobytes instead of
    /// the profile.
    ///
    /// # Errors
    /// I/O errors naming the path.
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        tradewarden_core::fs::write_atomic(path, &self.to_bytes())?;
        Ok(())
    }

    /// Reads a scorer written by [`StateScorer::save`], validated as
    /// [`StateScorer::from_bytes`] (fails closed on any damage).
    ///
    /// # Errors
    /// I/O errors naming the path; `Error::Corrupt` naming the damaged field.
    pub fn load(path: &std::path::Path) -> Result<StateScorer> {
        let bytes = std::fs::read(path).map_err(|e| tradewarden_core::Error::io(path, e))?;
        StateScorer::from_bytes(&bytes)
    }
}

const SCORER_MAGIC: &[u8; 4] = b"TWSC";
/// Version of the compact scorer form ([`StateScorer::to_bytes`]).
pub const SCORER_FORMAT_VERSION: u32 = 1;

impl StateScorer {
    /// The compact form to ship to workers instead of the profile: the
    /// profile **without its stored reference** (bins, counts, moments,
    /// categories), its content checksum, and every numeric feature's cell
    /// grid. Scoring with the decoded scorer gives the same states as this
    /// one (the states carry the full profile's checksum, so they merge and
    /// report against the full profile). For a bounded grid of K cells the
    /// size is O(K + bins) per feature whatever the reference's size — the
    /// way to score against a reference too large to broadcast. A feature
    /// with Sturges bins keeps its reference: its bins are made from it at
    /// scoring time, a profile without it does not load, and score states
    /// do not support that feature anyway (it has no grid).
    ///
    /// ```text
    /// header  "TWSC", u32 version, u64 payload length, u64 FNV-1a of payload
    /// payload u64 profile checksum, u8 grid (0 exact, 1 bounded), u64 cells,
    ///         vec<u8> the stripped profile's binary form (Profile::to_bytes),
    ///         u32 grids, each: str feature, vec<f64 bits> points, vec<u64> le, vec<u64> lt
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut stripped = self.profile.clone();
        for f in stripped.features.values_mut() {
            if let FeatureProfile::Numeric(p) = f
                && p.options.bins != BinStrategy::Sturges
            {
                p.reference = Vec::new();
                p.options.keep_reference = false;
            }
        }
        stripped.reference_rows = None;
        let body = stripped.to_bytes();
        let mut p = vec![0u8; HEADER];
        put_u64(&mut p, self.checksum);
        match self.grid {
            CellGrid::Exact => {
                p.push(0);
                put_u64(&mut p, 0);
            }
            CellGrid::Bounded { cells } => {
                p.push(1);
                put_u64(&mut p, cells as u64);
            }
        }
        put_u64(&mut p, body.len() as u64);
        p.extend_from_slice(&body);
        p.extend_from_slice(&(self.grids.len() as u32).to_le_bytes());
        for (name, g) in &self.grids {
            put_str(&mut p, name);
            put_u64(&mut p, g.points.len() as u64);
            g.points.iter().for_each(|x| put_u64(&mut p, x.to_bits()));
            for v in [&g.le, &g.lt] {
                put_u64(&mut p, v.len() as u64);
                v.iter().for_each(|&c| put_u64(&mut p, c));
            }
        }
        let len = (p.len() - HEADER) as u64;
        let sum = crate::binfmt::fnv1a(&p[HEADER..]);
        p[..4].copy_from_slice(SCORER_MAGIC);
        p[4..8].copy_from_slice(&SCORER_FORMAT_VERSION.to_le_bytes());
        p[8..16].copy_from_slice(&len.to_le_bytes());
        p[16..24].copy_from_slice(&sum.to_le_bytes());
        p
    }

    /// Reads the compact form, validated: magic, version, length, checksum,
    /// the stripped profile (as every loaded profile), and each grid (a
    /// numeric feature of the profile; finite, strictly increasing points;
    /// `lt ≤ le`, both non-decreasing and ≤ the feature's reference count;
    /// at most `cells` points for a bounded grid).
    ///
    /// # Errors
    /// `Error::Corrupt` naming the field, `Error::Version`.
    pub fn from_bytes(bytes: &[u8]) -> Result<StateScorer> {
        Self::decode(bytes).map_err(|e| e.in_artefact(crate::error::Artefact::Scorer))
    }

    fn decode(bytes: &[u8]) -> Result<StateScorer> {
        if bytes.len() < HEADER || &bytes[..4] != SCORER_MAGIC {
            return Err(corrupt(
                "header",
                "bad magic or truncated scorer header".into(),
            ));
        }
        let mut r = Reader { b: bytes, pos: 4 };
        let version = r.u32("header")?;
        if version != SCORER_FORMAT_VERSION {
            return Err(Error::Version {
                artefact: crate::error::Artefact::Scorer,
                found: version,
                expected: SCORER_FORMAT_VERSION,
            });
        }
        let (len, sum) = (r.u64("length")?, r.u64("checksum")?);
        let payload = &bytes[HEADER..];
        if payload.len() as u64 != len {
            return Err(corrupt(
                "length",
                format!("header says {len} bytes, payload has {}", payload.len()),
            ));
        }
        if crate::binfmt::fnv1a(payload) != sum {
            return Err(corrupt("checksum", "scorer checksum mismatch".into()));
        }
        let mut r = Reader { b: payload, pos: 0 };
        let checksum = r.u64("profile checksum")?;
        let grid = match (r.u8("grid")?, r.u64("grid")?) {
            (0, 0) => CellGrid::Exact,
            (1, k) => {
                let cells =
                    usize::try_from(k).map_err(|_| corrupt("grid", format!("{k} cells")))?;
                check_grid_cells(cells).map_err(|e| corrupt("grid", e.to_string()))?;
                CellGrid::Bounded { cells }
            }
            (t, k) => return Err(corrupt("grid", format!("tag {t} with {k} cells"))),
        };
        let n = r.len(1, "profile")?;
        let profile = Profile::from_bytes(r.take(n, "profile")?)?;
        let ng = r.u32("grids")?;
        let mut grids = BTreeMap::new();
        for _ in 0..ng {
            let name = r.str("grids")?;
            let Ok(FeatureProfile::Numeric(p)) = profile.feature(&name) else {
                return Err(corrupt(
                    "grids",
                    format!("{name:?} is not a numeric feature of the profile"),
                ));
            };
            let np = r.len(8, "points")?;
            let points: Vec<f64> = (0..np)
                .map(|_| r.u64("points").map(f64::from_bits))
                .collect::<Result<_>>()?;
            let le = r.vu("le")?;
            let lt = r.vu("lt")?;
            let bad = |why: &str| corrupt("grids", format!("feature {name:?}: {why}"));
            if le.len() != np || lt.len() != np {
                return Err(bad("points, le and lt differ in length"));
            }
            if points.iter().any(|x| !x.is_finite()) || points.windows(2).any(|w| w[0] >= w[1]) {
                return Err(bad("points not finite and strictly increasing"));
            }
            if !counts_are_possible(&lt, &le, p.count) {
                return Err(bad("counts not ordered or above the reference count"));
            }
            if let CellGrid::Bounded { cells } = grid
                && np > cells
            {
                return Err(bad("more points than cells"));
            }
            if grids
                .insert(name.clone(), Grid { points, le, lt })
                .is_some()
            {
                return Err(bad("repeated"));
            }
        }
        if r.pos != payload.len() {
            return Err(corrupt("length", "trailing bytes after the grids".into()));
        }
        Ok(StateScorer {
            profile,
            checksum,
            grid,
            grids,
        })
    }
}

fn state_mismatch(value: String) -> Error {
    Error::InvalidParameter {
        param: "state",
        value,
        reason: "the score state was built against another profile (or a different grid)",
    }
}

impl ScoreState {
    /// Scores one partition of current data against `profile`: the same
    /// inputs as [`crate::report::DriftReport::compute`] (one entry per
    /// feature, names unique). Rows of any length, zero included (an empty
    /// partition gives an empty state that merges as the identity).
    ///
    /// # Errors
    /// A name missing from the profile (`UnknownFeature`), a type that
    /// differs from the profile's, a duplicate name, NaN/±inf under a NaN
    /// policy other than `skip` (`NonFinite` naming `current` and the index
    /// within this partition), a profile without the stored reference or
    /// with Sturges bins (`InvalidParameter`: not supported by score
    /// states), a bad `cells` count.
    pub fn build(
        profile: &Profile,
        current: &[(&str, FeatureData<'_>)],
        grid: CellGrid,
    ) -> Result<ScoreState> {
        if let CellGrid::Bounded { cells } = grid {
            check_grid_cells(cells)?;
        }
        build_with(
            profile,
            profile_checksum(profile),
            grid,
            current,
            |name, p| Grid::of(p, grid, name).map(std::borrow::Cow::Owned),
        )
    }

    /// The grid the state was built on.
    pub fn grid(&self) -> CellGrid {
        self.grid
    }

    /// Content checksum of the profile the state was built against.
    pub fn profile_checksum(&self) -> u64 {
        self.profile_checksum
    }

    /// Per-feature states, by name.
    pub fn features(&self) -> &BTreeMap<String, FeatureState> {
        &self.features
    }

    /// Merges another partition's state: counts add (checked), min/max and
    /// the open cells' maxima combine — exactly associative and commutative.
    /// On error `self` is unchanged.
    ///
    /// # Errors
    /// `Error::Merge` when the states come from different profiles, grids or
    /// feature sets, or a count overflows `u64`.
    pub fn merge(&mut self, other: &ScoreState) -> Result<()> {
        if self.profile_checksum != other.profile_checksum {
            return Err(Error::Merge {
                reason: format!(
                    "score states of different profiles (checksums {:016x} vs {:016x})",
                    self.profile_checksum, other.profile_checksum
                ),
            });
        }
        if self.grid != other.grid {
            return Err(Error::Merge {
                reason: format!(
                    "score states on different grids ({:?} vs {:?})",
                    self.grid, other.grid
                ),
            });
        }
        if !self.features.keys().eq(other.features.keys()) {
            return Err(Error::Merge {
                reason: format!(
                    "score states of different features ({:?} vs {:?})",
                    self.features.keys().collect::<Vec<_>>(),
                    other.features.keys().collect::<Vec<_>>()
                ),
            });
        }
        let mut out = BTreeMap::new();
        for ((name, a), b) in self.features.iter().zip(other.features.values()) {
            let f = match (a, b) {
                (FeatureState::Numeric(a), FeatureState::Numeric(b)) => {
                    FeatureState::Numeric(a.merged(b, name)?)
                }
                (FeatureState::Categorical(a), FeatureState::Categorical(b)) => {
                    FeatureState::Categorical(a.merged(b)?)
                }
                _ => {
                    return Err(Error::Merge {
                        reason: format!(
                            "feature {name:?} is numeric in one state and categorical in the other"
                        ),
                    });
                }
            };
            out.insert(name.clone(), f);
        }
        self.features = out;
        Ok(())
    }

    /// Merges several states (any order gives the same result).
    ///
    /// # Errors
    /// As [`ScoreState::merge`]; no parts is `TooFewValues`.
    pub fn merge_all(parts: &[&ScoreState]) -> Result<ScoreState> {
        merge_parts(parts, ScoreState::merge)
    }

    /// Checks that the state belongs to `profile` (checksum, features,
    /// types, cell and bin counts).
    fn check_against(&self, profile: &Profile) -> Result<()> {
        if self.profile_checksum != profile_checksum(profile) {
            return Err(state_mismatch(format!(
                "checksum {:016x}",
                self.profile_checksum
            )));
        }
        Ok(())
    }

    /// The per-feature drift of an exact state, in name order (the
    /// statistics from counts shared with `DriftReport::compute`).
    pub(crate) fn feature_drifts(
        &self,
        profile: &Profile,
        o: &ReportOptions,
    ) -> Result<Vec<FeatureDrift>> {
        self.check_against(profile)?;
        if let CellGrid::Bounded { cells } = self.grid {
            return Err(Error::InvalidParameter {
                param: "state",
                value: format!("bounded grid of {cells} cells"),
                reason: "the KS statistic of a bounded state is an interval: use \
                         ScoreState::ks_bounds (or build the state with CellGrid::Exact)",
            });
        }
        let items: Vec<(&String, &FeatureState)> = self.features.iter().collect();
        items
            .par_iter()
            .map(|(name, f)| match (profile.feature(name)?, f) {
                (FeatureProfile::Numeric(p), FeatureState::Numeric(s)) => {
                    let g = Grid::of(p, self.grid, name)?;
                    s.check_shape(&g, p, name)?;
                    let (ks, psi, js) = s.score(p, &g, o.psi_mode)?;
                    Ok(crate::report::numeric_feature(
                        name, p, &ks, psi, js, s.rows, o,
                    ))
                }
                (FeatureProfile::Categorical(p), FeatureState::Categorical(s)) => {
                    let (e, a) = s.aligned(p)?;
                    crate::report::categorical_feature(name, p, &e, &a, o)
                }
                _ => Err(state_mismatch(format!("feature {name:?} of another type"))),
            })
            .collect_ordered()
    }

    /// KS intervals (and exact PSI / Jensen–Shannon) of the numeric
    /// features, in name order; for a [`CellGrid::Bounded`] state
    /// `statistic_hi − statistic_lo ≤ 1/K`, for an exact state the interval
    /// is as wide as the data between distinct reference values allows (use
    /// `DriftReport::compute_states` there).
    ///
    /// # Errors
    /// A state of another profile, an empty current feature, Evidently's
    /// PSI mode (not supported by score states).
    pub fn ks_bounds(&self, profile: &Profile, psi_mode: PsiMode) -> Result<Vec<KsBounds>> {
        self.check_against(profile)?;
        self.bounds_with(profile, psi_mode, |name, p| {
            Grid::of(p, self.grid, name).map(std::borrow::Cow::Owned)
        })
    }

    /// [`ScoreState::ks_bounds`] over `profile`'s bins with each numeric
    /// feature's grid from `grid_of` (the state's checksum is checked by the
    /// caller). The reference size is the profile's count (equal to the
    /// stored reference's length, validated on load), so a profile without
    /// its reference (a decoded [`StateScorer`]) gives the same numbers.
    fn bounds_with<'g>(
        &self,
        profile: &Profile,
        psi_mode: PsiMode,
        grid_of: impl Fn(&str, &NumericProfile) -> Result<std::borrow::Cow<'g, Grid>>,
    ) -> Result<Vec<KsBounds>> {
        let epsilon = standard_epsilon(psi_mode)?;
        let mut out = Vec::new();
        for (name, f) in &self.features {
            let (FeatureProfile::Numeric(p), FeatureState::Numeric(s)) =
                (profile.feature(name)?, f)
            else {
                continue;
            };
            let g = grid_of(name, p)?;
            s.check_shape(&g, p, name)?;
            s.check_nonempty()?;
            let (n1, n2) = (p.count, s.count);
            let (lo, hi) = s.ks_interval(&g, n1, n2 as f64);
            let (psi, js) = p.psi_js_of_counts(&s.bins, epsilon)?;
            out.push(KsBounds {
                name: name.clone(),
                statistic_lo: lo,
                statistic_hi: hi,
                pvalue_lo: crate::ks::ks_pvalue(n1, n2, hi),
                pvalue_hi: crate::ks::ks_pvalue(n1, n2, lo),
                psi,
                jensenshannon: js,
                n_reference: p.count,
                n_current: s.rows,
            });
        }
        Ok(out)
    }

    /// Size of [`ScoreState::to_bytes`] in bytes, without encoding.
    pub fn nbytes(&self) -> usize {
        let mut n = HEADER + 8 + 1 + 8 + 4;
        for (name, f) in &self.features {
            n += 8 + name.len() + 1;
            n += match f {
                FeatureState::Numeric(s) => {
                    5 * 8 + 3 * 8 + 8 * s.bins.len() + encoded_cells_len(&s.cells)
                }
                FeatureState::Categorical(s) => {
                    4 + s.counts.keys().map(|k| 16 + k.len()).sum::<usize>() + 8
                }
            };
        }
        n
    }

    /// Binary form: `TWSS` magic, u32 format version, u64 payload length,
    /// u64 FNV-1a checksum of the payload, then the payload (little-endian):
    ///
    /// ```text
    /// u64 profile checksum, u8 grid (0 exact, 1 bounded), u64 cells (0 for exact),
    /// u32 feature count, then per feature (name order): str name, u8 kind
    ///   numeric (0): u64 rows, nan_count, count; f64 min, max; u64 cells (2m + 1);
    ///                u64 non-empty cells, each: varint index gap, varint count,
    ///                f64 max (open cells only); vec<u64> bins
    ///   categorical (1): u32 k, k × (str name, u64 count) in name order, u64 missing
    /// str = u64 length + UTF-8; vec = u64 length + elements
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut p = Vec::with_capacity(self.nbytes());
        p.extend_from_slice(&[0u8; HEADER]);
        put_u64(&mut p, self.profile_checksum);
        match self.grid {
            CellGrid::Exact => {
                p.push(0);
                put_u64(&mut p, 0);
            }
            CellGrid::Bounded { cells } => {
                p.push(1);
                put_u64(&mut p, cells as u64);
            }
        }
        p.extend_from_slice(&(self.features.len() as u32).to_le_bytes());
        for (name, f) in &self.features {
            put_str(&mut p, name);
            match f {
                FeatureState::Numeric(s) => {
                    p.push(0);
                    for v in [s.rows, s.nan_count, s.count] {
                        put_u64(&mut p, v);
                    }
                    for v in [s.min, s.max] {
                        put_u64(&mut p, v.to_bits());
                    }
                    put_u64(&mut p, s.n_cells);
                    put_u64(&mut p, s.cells.len() as u64);
                    let mut next = 0u64;
                    for c in &s.cells {
                        put_varint(&mut p, c.index - next);
                        put_varint(&mut p, c.count);
                        if c.index.is_multiple_of(2) {
                            put_u64(&mut p, c.max.to_bits());
                        }
                        next = c.index + 1;
                    }
                    put_u64(&mut p, s.bins.len() as u64);
                    s.bins.iter().for_each(|&c| put_u64(&mut p, c));
                }
                FeatureState::Categorical(s) => {
                    p.push(1);
                    p.extend_from_slice(&(s.counts.len() as u32).to_le_bytes());
                    for (k, &c) in &s.counts {
                        put_str(&mut p, k);
                        put_u64(&mut p, c);
                    }
                    put_u64(&mut p, s.missing);
                }
            }
        }
        let len = (p.len() - HEADER) as u64;
        let sum = crate::binfmt::fnv1a(&p[HEADER..]);
        p[..4].copy_from_slice(MAGIC);
        p[4..8].copy_from_slice(&SCORE_STATE_FORMAT_VERSION.to_le_bytes());
        p[8..16].copy_from_slice(&len.to_le_bytes());
        p[16..24].copy_from_slice(&sum.to_le_bytes());
        p
    }

    /// Reads the binary form, validated: magic, version, length, checksum,
    /// framing (every length within the payload), and the state's own
    /// invariants (cells = 2m + 1 with m + 1 open-cell maxima, Σ cells =
    /// Σ bins = count, rows = count + nan_count, min/max consistent with
    /// the count, categories in strictly ascending order with non-zero
    /// counts, no overflow). Whether it belongs to a profile is checked when
    /// it is scored or merged.
    ///
    /// # Errors
    /// `Error::Corrupt` whose `what` names the field, `Error::Version`.
    pub fn from_bytes(bytes: &[u8]) -> Result<ScoreState> {
        if bytes.len() < HEADER || &bytes[..4] != MAGIC {
            return Err(corrupt("header", "bad magic or truncated header".into()));
        }
        let rd = |a: &[u8]| {
            let mut x = [0u8; 8];
            x.copy_from_slice(a);
            u64::from_le_bytes(x)
        };
        let mut v4 = [0u8; 4];
        v4.copy_from_slice(&bytes[4..8]);
        let version = u32::from_le_bytes(v4);
        if version != SCORE_STATE_FORMAT_VERSION {
            return Err(Error::Version {
                artefact: crate::error::Artefact::ScoreState,
                found: version,
                expected: SCORE_STATE_FORMAT_VERSION,
            });
        }
        let (len, sum) = (rd(&bytes[8..16]), rd(&bytes[16..24]));
        let payload = &bytes[HEADER..];
        if payload.len() as u64 != len {
            return Err(corrupt(
                "length",
                format!("header says {len} bytes, payload has {}", payload.len()),
            ));
        }
        if crate::binfmt::fnv1a(payload) != sum {
            return Err(corrupt("checksum", "checksum mismatch".into()));
        }
        let s = decode(payload)?;
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<()> {
        if let CellGrid::Bounded { cells } = self.grid {
            check_grid_cells(cells).map_err(|e| corrupt("grid", e.to_string()))?;
        }
        for (name, f) in &self.features {
            match f {
                FeatureState::Numeric(s) => s.validate(name)?,
                FeatureState::Categorical(s) => {
                    let mut total = s.missing;
                    for (k, &c) in &s.counts {
                        if c == 0 {
                            return Err(corrupt(
                                "counts",
                                format!("feature {name:?}: category {k:?} has count 0"),
                            ));
                        }
                        total = total.checked_add(c).ok_or_else(|| {
                            corrupt("counts", format!("feature {name:?}: counts overflow u64"))
                        })?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes the binary form ([`ScoreState::to_bytes`]) to `path`
    /// atomically (temp file, fsync, rename): a reader sees the old file or
    /// the whole new one.
    ///
    /// # Errors
    /// I/O errors naming the path.
    pub fn save(&self, path: &std::path::Path) -> Result<()> {
        tradewarden_core::fs::write_atomic(path, &self.to_bytes())?;
        Ok(())
    }

    /// Reads a state written by [`ScoreState::save`], validated as
    /// [`ScoreState::from_bytes`] (fails closed on any damage).
    ///
    /// ```
    /// use tradewarden_drift::profile::{NumericProfile, Profile, ProfileOptions, FeatureProfile};
    /// use tradewarden_drift::report::FeatureData;
    /// use tradewarden_drift::state::{CellGrid, ScoreState};
    /// let r: Vec<f64> = (0..100).map(f64::from).collect();
    /// let o = ProfileOptions { keep_reference: true, ..Default::default() };
    /// let mut profile = Profile::new();
    /// profile.insert("x", FeatureProfile::Numeric(NumericProfile::fit(&r, &o).unwrap()));
    /// let s = ScoreState::build(&profile, &[("x", FeatureData::Numeric(&r))], CellGrid::Exact).unwrap();
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("part.twss");
    /// s.save(&path).unwrap();
    /// assert_eq!(ScoreState::load(&path).unwrap(), s);
    /// ```
    ///
    /// # Errors
    /// I/O errors naming the path; `Error::Corrupt` naming the damaged field.
    pub fn load(path: &std::path::Path) -> Result<ScoreState> {
        let bytes = std::fs::read(path).map_err(|e| tradewarden_core::Error::io(path, e))?;
        ScoreState::from_bytes(&bytes)
    }
}

fn checked_sum(mut it: impl Iterator<Item = u64>) -> Option<u64> {
    it.try_fold(0u64, |a, c| a.checked_add(c))
}

impl NumericState {
    fn validate(&self, name: &str) -> Result<()> {
        let bad = |what: &'static str, reason: String| {
            corrupt(what, format!("feature {name:?}: {reason}"))
        };
        if self.n_cells.is_multiple_of(2) {
            return Err(bad(
                "cells",
                format!("{} cells (need 2m + 1)", self.n_cells),
            ));
        }
        let sc = checked_sum(self.cells.iter().map(|c| c.count))
            .ok_or_else(|| bad("cells", "counts overflow u64".into()))?;
        let sb = checked_sum(self.bins.iter().copied())
            .ok_or_else(|| bad("bins", "counts overflow u64".into()))?;
        if sc != self.count {
            return Err(bad("cells", format!("sum to {sc}, count = {}", self.count)));
        }
        if self.bins.len() < 2 || sb != self.count {
            return Err(bad(
                "bins",
                format!(
                    "{} bins summing to {sb}, count = {}",
                    self.bins.len(),
                    self.count
                ),
            ));
        }
        if self.count.checked_add(self.nan_count) != Some(self.rows) {
            return Err(bad(
                "rows",
                format!(
                    "{} rows, count + nan_count = {} + {}",
                    self.rows, self.count, self.nan_count
                ),
            ));
        }
        let ok_range = if self.count == 0 {
            self.min == f64::INFINITY && self.max == f64::NEG_INFINITY
        } else {
            self.min.is_finite() && self.max.is_finite() && self.min <= self.max
        };
        if !ok_range {
            return Err(bad(
                "min",
                format!(
                    "min {} / max {} with count {}",
                    self.min, self.max, self.count
                ),
            ));
        }
        let mut prev: Option<u64> = None;
        for c in &self.cells {
            let ordered = prev.is_none_or(|p| c.index > p) && c.index < self.n_cells;
            let max_ok = if c.index.is_multiple_of(2) {
                c.max.is_finite() && c.max >= self.min && c.max <= self.max
            } else {
                c.max == f64::NEG_INFINITY
            };
            if !ordered || c.count == 0 || !max_ok {
                return Err(bad(
                    "cells",
                    format!(
                        "cell {} (count {}, max {}) after {prev:?} of {}",
                        c.index, c.count, c.max, self.n_cells
                    ),
                ));
            }
            prev = Some(c.index);
        }
        Ok(())
    }

    /// Shape against the profile's grid and bins (before scoring).
    fn check_shape(&self, g: &Grid, p: &NumericProfile, name: &str) -> Result<()> {
        if self.n_cells != (2 * g.points.len() + 1) as u64 || self.bins.len() != p.counts.len() {
            return Err(state_mismatch(format!(
                "feature {name:?}: {} cells / {} bins, the profile has {} / {}",
                self.n_cells,
                self.bins.len(),
                2 * g.points.len() + 1,
                p.counts.len()
            )));
        }
        Ok(())
    }
}

const HEADER: usize = 24;

fn corrupt(what: &'static str, reason: String) -> Error {
    Error::Corrupt {
        artefact: crate::error::Artefact::ScoreState,
        what,
        reason,
    }
}

fn put_u64(o: &mut Vec<u8>, v: u64) {
    o.extend_from_slice(&v.to_le_bytes());
}

/// LEB128 (7 bits a byte, high bit = more).
fn put_varint(o: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        o.push((v as u8) | 0x80);
        v >>= 7;
    }
    o.push(v as u8);
}

fn varint_len(v: u64) -> usize {
    (64 - v.max(1).leading_zeros() as usize).div_ceil(7)
}

/// Encoded size of the non-empty cells (gap and count varints, the max of
/// open cells).
fn encoded_cells_len(cells: &[Cell]) -> usize {
    let mut next = 0u64;
    let mut n = 0;
    for c in cells {
        n += varint_len(c.index - next) + varint_len(c.count);
        if c.index.is_multiple_of(2) {
            n += 8;
        }
        next = c.index + 1;
    }
    n
}

fn put_str(o: &mut Vec<u8>, s: &str) {
    put_u64(o, s.len() as u64);
    o.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.b.len())
            .ok_or_else(|| corrupt(what, "truncated payload".into()))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self, what: &'static str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }
    fn u32(&mut self, what: &'static str) -> Result<u32> {
        let mut a = [0u8; 4];
        a.copy_from_slice(self.take(4, what)?);
        Ok(u32::from_le_bytes(a))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.take(8, what)?);
        Ok(u64::from_le_bytes(a))
    }
    /// A length of `elem`-byte items that fits in the rest of the payload
    /// (so no allocation exceeds the input's size).
    fn len(&mut self, elem: usize, what: &'static str) -> Result<usize> {
        let n = self.u64(what)?;
        let rest = (self.b.len() - self.pos) as u64;
        if n.checked_mul(elem as u64).is_none_or(|t| t > rest) {
            return Err(corrupt(what, format!("length {n} exceeds the payload")));
        }
        usize::try_from(n).map_err(|_| corrupt(what, "length overflow".into()))
    }
    fn str(&mut self, what: &'static str) -> Result<String> {
        let n = self.len(1, what)?;
        String::from_utf8(self.take(n, what)?.to_vec())
            .map_err(|_| corrupt(what, "invalid UTF-8 in a name".into()))
    }
    fn varint(&mut self, what: &'static str) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8(what)?;
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(corrupt(what, "varint overflows u64".into()));
            }
            v |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(corrupt(what, "varint longer than 10 bytes".into()))
    }
    fn vu(&mut self, what: &'static str) -> Result<Vec<u64>> {
        let n = self.len(8, what)?;
        (0..n).map(|_| self.u64(what)).collect()
    }
}

fn decode(b: &[u8]) -> Result<ScoreState> {
    let mut r = Reader { b, pos: 0 };
    let profile_checksum = r.u64("profile checksum")?;
    let grid = match (r.u8("grid")?, r.u64("grid")?) {
        (0, 0) => CellGrid::Exact,
        (1, k) => CellGrid::Bounded {
            cells: usize::try_from(k).map_err(|_| corrupt("grid", format!("{k} cells")))?,
        },
        (t, k) => return Err(corrupt("grid", format!("tag {t} with {k} cells"))),
    };
    let nf = r.u32("features")?;
    let mut features = BTreeMap::new();
    let mut last: Option<String> = None;
    for _ in 0..nf {
        let name = r.str("features")?;
        if last.as_ref().is_some_and(|l| *l >= name) {
            return Err(corrupt(
                "features",
                format!("feature {name:?} out of order or repeated"),
            ));
        }
        let f = match r.u8("features")? {
            0 => {
                let rows = r.u64("rows")?;
                let nan_count = r.u64("nan_count")?;
                let count = r.u64("count")?;
                let min = f64::from_bits(r.u64("min")?);
                let max = f64::from_bits(r.u64("max")?);
                let n_cells = r.u64("cells")?;
                // each non-empty cell takes at least 2 bytes
                let nnz = r.len(2, "cells")?;
                let mut cells = Vec::with_capacity(nnz);
                let mut next = 0u64;
                for _ in 0..nnz {
                    let index = next
                        .checked_add(r.varint("cells")?)
                        .filter(|&i| i < n_cells)
                        .ok_or_else(|| {
                            corrupt(
                                "cells",
                                format!("feature {name:?}: cell index out of range"),
                            )
                        })?;
                    let count = r.varint("cells")?;
                    let max = if index.is_multiple_of(2) {
                        f64::from_bits(r.u64("cells")?)
                    } else {
                        f64::NEG_INFINITY
                    };
                    cells.push(Cell { index, count, max });
                    next = index + 1;
                }
                let bins = r.vu("bins")?;
                FeatureState::Numeric(NumericState {
                    rows,
                    nan_count,
                    count,
                    min,
                    max,
                    n_cells,
                    cells,
                    bins,
                })
            }
            1 => {
                let k = r.u32("counts")?;
                let mut counts = BTreeMap::new();
                let mut prev: Option<String> = None;
                for _ in 0..k {
                    let cat = r.str("counts")?;
                    let c = r.u64("counts")?;
                    if prev.as_ref().is_some_and(|p| *p >= cat) {
                        return Err(corrupt(
                            "counts",
                            format!("feature {name:?}: category {cat:?} out of order or repeated"),
                        ));
                    }
                    prev = Some(cat.clone());
                    counts.insert(cat, c);
                }
                let missing = r.u64("missing")?;
                FeatureState::Categorical(CategoricalState { counts, missing })
            }
            t => {
                return Err(corrupt(
                    "features",
                    format!("feature {name:?}: unknown kind tag {t}"),
                ));
            }
        };
        last = Some(name.clone());
        features.insert(name, f);
    }
    if r.pos != b.len() {
        return Err(corrupt(
            "length",
            format!("{} trailing bytes", b.len() - r.pos),
        ));
    }
    Ok(ScoreState {
        profile_checksum,
        grid,
        features,
    })
}

/// Whether `lt` and `le` can be the counts of `n` values below and at or
/// below strictly increasing points g₀ < g₁ < …: one length and the chain
/// lt₀ ≤ le₀ ≤ lt₁ ≤ le₁ ≤ … ≤ n (a value ≤ gₖ₋₁ is < gₖ, so leₖ₋₁ ≤ ltₖ).
/// Loaded grids and grid counts are checked with it.
pub(crate) fn counts_are_possible(lt: &[u64], le: &[u64], n: u64) -> bool {
    lt.len() == le.len()
        && lt
            .iter()
            .zip(le)
            .flat_map(|(a, b)| [*a, *b])
            .chain([n])
            .try_fold(0_u64, |prev, x| (prev <= x).then_some(x))
            .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ks::{Alternative, KsMethod, ks_2samp};
    use crate::profile::ProfileOptions;
    use rand::{Rng, SeedableRng};

    /// `CellLookup::cell` = `Grid::cell` (the binary search over all points)
    /// for every value: points of normal, lognormal and Cauchy quantiles, a
    /// range that overflows (±1e308), one point, subnormal and huge points,
    /// K = 1 … 20 000; values at the points, between them, outside, and
    /// random.
    #[test]
    fn cell_lookup_is_the_binary_search() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        let mut sets: Vec<Vec<f64>> = vec![
            vec![1.5],
            vec![-1e308, 0.0, 1e308],
            vec![-f64::MAX, -1.0, 5e-324, 1e-300, f64::MAX],
            vec![-2.0, -1.0, 0.0, 1.0, 2.0],
            vec![0.0, 5e-324, 1e-323],
            vec![1.0, 1.0 + f64::EPSILON, 1.0 + 2.0 * f64::EPSILON],
        ];
        for k in [2usize, 7, 100, 1024, 4097, 20_000] {
            for kind in 0..3 {
                let mut v: Vec<f64> = (0..k)
                    .map(|_| {
                        let u: f64 = rng.random::<f64>().clamp(1e-12, 1.0 - 1e-12);
                        match kind {
                            0 => (u - 0.5) * 6.0,
                            1 => (u * 8.0).exp(),
                            _ => (std::f64::consts::PI * (u - 0.5)).tan(),
                        }
                    })
                    .collect();
                v.sort_by(f64::total_cmp);
                v.dedup();
                sets.push(v);
            }
        }
        for points in sets {
            let g = Grid {
                points: points.clone(),
                le: vec![0; points.len()],
                lt: vec![0; points.len()],
            };
            let look = CellLookup::new(&points);
            let mut probes: Vec<f64> = points.clone();
            probes.extend(points.windows(2).map(|w| w[0] / 2.0 + w[1] / 2.0));
            probes.extend(points.iter().map(|p| p.next_up()));
            probes.extend(points.iter().map(|p| p.next_down()));
            probes.extend([0.0, -f64::MAX, f64::MAX, 1e-310, -1e-310]);
            for _ in 0..2000 {
                let i = rng.random_range(0..points.len());
                probes.push(points[i] * (1.0 + (rng.random::<f64>() - 0.5) * 1e-3));
            }
            for x in probes.into_iter().filter(|x| x.is_finite()) {
                let x = x + 0.0;
                assert_eq!(
                    look.cell(x),
                    g.cell(x),
                    "x = {x:e}, {} points",
                    points.len()
                );
            }
        }
    }

    /// The count chain lt₀ ≤ le₀ ≤ lt₁ ≤ … ≤ n, and a bounded scorer whose
    /// grid breaks it across two points (le₀ > lt₁: impossible counts that
    /// the old per-vector checks let through) is refused when loaded.
    #[test]
    fn impossible_grid_counts_are_refused() {
        assert!(counts_are_possible(&[0, 2, 5], &[1, 4, 5], 5));
        assert!(counts_are_possible(&[], &[], 0));
        assert!(!counts_are_possible(&[0, 2], &[3, 4], 4)); // le0 > lt1
        assert!(!counts_are_possible(&[1], &[0], 4)); // lt > le
        assert!(!counts_are_possible(&[0], &[5], 4)); // above n
        assert!(!counts_are_possible(&[0, 1], &[1], 4)); // lengths
        let r: Vec<f64> = (0..400).map(|i| f64::from((i * 37) % 101)).collect();
        let mut profile = Profile::new();
        profile.insert(
            "x",
            FeatureProfile::Numeric(NumericProfile::fit(&r, &ProfileOptions::default()).unwrap()),
        );
        let mut scorer = StateScorer::new(profile, CellGrid::Bounded { cells: 8 }).unwrap();
        assert!(StateScorer::from_bytes(&scorer.to_bytes()).is_ok());
        let g = scorer.grids.get_mut("x").unwrap();
        assert!(g.lt.len() >= 3 && g.le[0] < g.lt[2]);
        // le and lt still each non-decreasing and lt ≤ le, but lt1 < le0
        g.lt[1] = g.lt[0];
        g.le[0] = g.lt[2];
        g.le[1] = g.le[1].max(g.lt[2]);
        let e = StateScorer::from_bytes(&scorer.to_bytes()).unwrap_err();
        assert!(matches!(e, Error::Corrupt { what: "grids", .. }), "{e}");
    }

    /// A scorer of a profile with a Sturges feature saves bytes that load
    /// (capi fuzz finding 6: the compact form stripped that feature's
    /// reference, and a Sturges profile without its reference is refused
    /// as corrupt): the loaded scorer re-encodes to the same bytes, scores
    /// the other feature as the original, and refuses the Sturges one.
    #[test]
    fn scorer_with_a_sturges_feature_round_trips() {
        let r: Vec<f64> = (0..300).map(|i| f64::from((i * 37) % 101) / 7.0).collect();
        let c: Vec<f64> = (0..120).map(|i| f64::from((i * 13) % 97) / 6.0).collect();
        let sturges = ProfileOptions {
            bins: BinStrategy::Sturges,
            keep_reference: true,
            ..Default::default()
        };
        let mut profile = Profile::new();
        profile.insert(
            "s",
            FeatureProfile::Numeric(NumericProfile::fit(&r, &sturges).unwrap()),
        );
        profile.insert(
            "x",
            FeatureProfile::Numeric(NumericProfile::fit(&r, &ProfileOptions::default()).unwrap()),
        );
        for grid in [CellGrid::Exact, CellGrid::Bounded { cells: 8 }] {
            let scorer = StateScorer::new(profile.clone(), grid).unwrap();
            let bytes = scorer.to_bytes();
            let loaded = StateScorer::from_bytes(&bytes).unwrap();
            assert_eq!(loaded.to_bytes(), bytes);
            let cur = [("x", FeatureData::Numeric(&c))];
            let (a, b) = (scorer.state(&cur).unwrap(), loaded.state(&cur).unwrap());
            assert_eq!(a, b);
            assert_eq!(
                loaded.ks_bounds(&b, PsiMode::default()).unwrap(),
                scorer.ks_bounds(&a, PsiMode::default()).unwrap()
            );
            let s = [("s", FeatureData::Numeric(&c))];
            assert!(scorer.state(&s).is_err());
            assert!(loaded.state(&s).is_err());
        }
    }

    /// A bounded grid of K ≥ n cells (the O(n) path) is the grid of the
    /// definition: K steps, point q at sorted index ⌈q·n/K⌉ − 1, equal
    /// points merged, counts by binary search. Also K just below n (the
    /// K-step path itself) against the same definition.
    #[test]
    fn bounded_grid_of_k_at_least_n_is_the_k_step_grid() {
        fn by_definition(r: &[f64], k: usize) -> (Vec<u64>, Vec<u64>, Vec<u64>) {
            let (mut points, mut lt, mut le): (Vec<f64>, Vec<u64>, Vec<u64>) = Default::default();
            let n = r.len() as u128;
            for q in 1..=k as u128 {
                let x = r[((q * n).div_ceil(k as u128) - 1) as usize];
                if points.last() == Some(&x) {
                    continue;
                }
                points.push(x);
                lt.push(r.partition_point(|&v| v < x) as u64);
                le.push(r.partition_point(|&v| v <= x) as u64);
            }
            (points.iter().map(|x| x.to_bits()).collect(), lt, le)
        }
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(0x24);
        for case in 0..300 {
            let ties = [1.0, 4.0, 1e9][case % 3];
            let nr = rng.random_range(1..400usize);
            let r: Vec<f64> = (0..nr)
                .map(|_| ((rng.random::<f64>() - 0.5) * 8.0 * ties).round() / ties)
                .collect();
            let p = NumericProfile::fit(&r, &ProfileOptions::default()).unwrap();
            let n = p.reference.len();
            for k in [n.saturating_sub(1).max(1), n, n + 1, n + 7, 2 * n + 3, 5000] {
                let g = Grid::of(&p, CellGrid::Bounded { cells: k }, "x").unwrap();
                let got = (g.points.iter().map(|x| x.to_bits()).collect(), g.lt, g.le);
                assert_eq!(got, by_definition(&p.reference, k), "n = {n}, K = {k}");
            }
        }
    }

    /// Both ways of counting cells (dense binary search, sorted galloping
    /// walk) give the same cells, on ties, values equal to points, values
    /// below and above every point.
    #[test]
    fn dense_and_sorted_cells_agree() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(0x23);
        for case in 0..400 {
            let ties = [1.0, 4.0, 1e9][case % 3];
            let nr = rng.random_range(2..3000usize);
            let r: Vec<f64> = (0..nr)
                .map(|_| ((rng.random::<f64>() - 0.5) * 8.0 * ties).round() / ties)
                .collect();
            let Ok(p) = NumericProfile::fit(&r, &ProfileOptions::default()) else {
                continue;
            };
            let g = Grid::of(&p, CellGrid::Exact, "x").unwrap();
            let n = rng.random_range(0..[5usize, 300, 5000][case % 3]);
            let mut c: Vec<f64> = (0..n)
                .map(|i| {
                    if i % 5 == 0 {
                        r[rng.random_range(0..nr)]
                    } else {
                        ((rng.random::<f64>() - 0.5) * 10.0 * ties).round() / ties
                    }
                })
                .collect();
            let dense = dense_cells(&c, &g);
            crate::sample::sort_f64(&mut c);
            assert_eq!(sorted_cells(&c, &g), dense, "case {case}");
        }
    }

    /// The whole KS result from cells — statistic, p-value, location, sign
    /// and method — equals `ks_2samp` on the raw values, bit for bit.
    #[test]
    fn ks_from_cells_equals_ks_2samp() {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(0x22);
        for case in 0..300 {
            let ties = [1.0, 4.0, 1e9][case % 3];
            let nr = rng.random_range(2..400usize);
            let nc = rng.random_range(1..[50usize, 600, 12_000][case % 3]);
            let r: Vec<f64> = (0..nr)
                .map(|_| ((rng.random::<f64>() - 0.5) * 8.0 * ties).round() / ties)
                .collect();
            let shift = rng.random_range(-1.0..1.0f64);
            let c: Vec<f64> = (0..nc)
                .map(|_| ((rng.random::<f64>() - 0.5 + shift) * 8.0 * ties).round() / ties)
                .collect();
            let Ok(p) = NumericProfile::fit(&r, &ProfileOptions::default()) else {
                continue;
            };
            let g = Grid::of(&p, CellGrid::Exact, "x").unwrap();
            let s = numeric_state("x", &p, &c, &g).unwrap();
            let (n1, n2) = (p.reference.len() as u64, s.count);
            let (ext, loc) = s.extremes(&g, n1 as f64, n2 as f64);
            let got = crate::ks::ks_from_extremes(n1, n2, &ext, &loc);
            let want = ks_2samp(
                &r,
                &c,
                Alternative::TwoSided,
                KsMethod::Auto,
                NanPolicy::Error,
            )
            .unwrap();
            let bits = |k: &KsResult| {
                (
                    k.statistic.to_bits(),
                    k.pvalue.to_bits(),
                    k.statistic_location.to_bits(),
                    k.statistic_sign,
                    k.method_used,
                )
            };
            assert_eq!(bits(&got), bits(&want), "case {case}");
        }
    }
}
