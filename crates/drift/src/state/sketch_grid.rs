//! Bounded score states for a reference that is never gathered: the grid
//! points and PSI/JS bin edges come from merged deterministic
//! [`RankSummary`]s ([`SketchGrid::from_summaries`]; the same partitions give
//! the same grid, bit for bit) or KLL [`QuantileSketch`]es
//! ([`SketchGrid::new`], randomized), the
//! reference's exact counts at the points from one pass over its partitions
//! ([`GridCounts`], mergeable), and [`StateScorer::from_grid_counts`] turns
//! the merged profile and counts into the usual compact [`StateScorer`].
//!
//! A distributed job: pass 1 summarises every reference partition and merges
//! the summaries; [`SketchGrid::from_summaries`] takes K quantiles per numeric feature
//! (points) and the bin edges; pass 2 — in one round — fits every reference
//! partition on those edges and counts it at the points
//! ([`SketchGrid::reference_part`]), and scores every current partition at
//! the points ([`SketchGrid::state`]: a current partition needs only the
//! grid, not the reference's counts). The client merges kilobytes. The same
//! grid in one process ([`SketchGrid::scorer`] on all the reference rows,
//! [`StateScorer::state`] on all the current rows) gives the same intervals,
//! PSI and Jensen–Shannon bit for bit.
//!
//! **The bound.** With exact counts #ref < gₖ and #ref ≤ gₖ at every point
//! the interval [D_lo, D_hi] of [`StateScorer::ks_bounds`] contains the
//! exact KS statistic whatever the points are; its width is at most the
//! largest reference mass strictly inside one open cell (below the first
//! point, between two points, above the last), which
//! [`StateScorer::rank_bounds`] states from the counts. Summary points at
//! ranks ⌈i·n/K⌉ leave fewer than ⌈n/K⌉ + e values inside any cell (e the
//! summary's [`RankSummary::rank_error`], < n/m); sketch points about
//! n·(1/K + 2ε) (ε = [`QuantileSketch::rank_error_bound`]); the stated bound
//! is the exact one of the points taken, not these estimates.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use tradewarden_core::NanPolicy;
use tradewarden_core::par::CollectOrdered;

use super::RankSummary;
use super::{
    CellGrid, Grid, HEADER, Reader, ScoreState, StateScorer, categorical_state, check_grid_cells,
    numeric_state_on, put_str, put_u64,
};
use crate::error::{Artefact, Error, Result};
use crate::profile::{
    BinStrategy, CategoricalProfile, FeatureProfile, NumericProfile, Profile, ProfileOptions,
};
use crate::report::FeatureData;
use crate::sketch::QuantileSketch;

const GRID_MAGIC: &[u8; 4] = b"TWSG";
const COUNTS_MAGIC: &[u8; 4] = b"TWGC";
/// Version of the sketch-grid and grid-counts binary forms.
pub const SKETCH_GRID_FORMAT_VERSION: u32 = 1;

/// Bin edges and K grid points per numeric feature, from merged quantile
/// sketches of the reference, plus the categorical feature names and the
/// NaN policy (see the module docs of `state`). Identified by the checksum of
/// its binary form, which the states and counts built on it carry.
#[derive(Debug, Clone, PartialEq)]
pub struct SketchGrid {
    cells: usize,
    nan_policy: NanPolicy,
    numeric: BTreeMap<String, (Vec<f64>, Grid)>,
    categorical: BTreeSet<String>,
    checksum: u64,
}

impl PartialEq for Grid {
    fn eq(&self, o: &Grid) -> bool {
        bits(&self.points) == bits(&o.points) && self.le == o.le && self.lt == o.lt
    }
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// The reference's exact counts at a [`SketchGrid`]'s points, per numeric
/// feature: finite values counted, and for each point gₖ the numbers of
/// values < gₖ and ≤ gₖ. Partitions' counts merge by addition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GridCounts {
    checksum: u64,
    features: BTreeMap<String, PointCounts>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PointCounts {
    n: u64,
    lt: Vec<u64>,
    le: Vec<u64>,
}

pub(super) fn gcorrupt(artefact: Artefact, what: &'static str, reason: String) -> Error {
    Error::Corrupt {
        artefact,
        what,
        reason,
    }
}

fn nan_tag(p: NanPolicy) -> u8 {
    match p {
        NanPolicy::Error => 0,
        NanPolicy::Skip => 1,
        NanPolicy::Propagate => 2,
    }
}

/// K points at the sketch's quantiles i/K (i = 1..=K), equal ones merged.
/// The ranks go to the sketch in chunks, one sorted view of its retained
/// items per chunk (a `quantile` call per rank sorted them K times, 2^24
/// sorts for the largest grid), and nothing is sized by K (at most the
/// retained items are distinct points).
fn sketch_points(s: &QuantileSketch, cells: usize) -> Result<Vec<f64>> {
    const CHUNK: usize = 1 << 16;
    let mut points: Vec<f64> = Vec::new();
    let mut ranks: Vec<f64> = Vec::with_capacity(cells.min(CHUNK));
    let mut start = 1usize;
    while start <= cells {
        let end = cells.min(start + (CHUNK - 1));
        ranks.clear();
        ranks.extend((start..=end).map(|i| i as f64 / cells as f64));
        for x in s.quantiles(&ranks)? {
            let x = x + 0.0;
            if points.last().is_none_or(|&l| l < x) {
                points.push(x);
            }
        }
        start = end + 1;
    }
    Ok(points)
}

pub(super) fn frame(magic: &[u8; 4], mut p: Vec<u8>) -> Vec<u8> {
    let len = (p.len() - HEADER) as u64;
    let sum = crate::binfmt::fnv1a(&p[HEADER..]);
    p[..4].copy_from_slice(magic);
    p[4..8].copy_from_slice(&SKETCH_GRID_FORMAT_VERSION.to_le_bytes());
    p[8..16].copy_from_slice(&len.to_le_bytes());
    p[16..24].copy_from_slice(&sum.to_le_bytes());
    p
}

/// The checked payload of a framed artefact (magic, version, length, FNV-1a).
pub(super) fn unframe<'a>(bytes: &'a [u8], magic: &[u8; 4], a: Artefact) -> Result<&'a [u8]> {
    if bytes.len() < HEADER || &bytes[..4] != magic {
        return Err(gcorrupt(
            a,
            "header",
            "bad magic or truncated header".into(),
        ));
    }
    let mut r = Reader { b: bytes, pos: 4 };
    let version = r.u32("header")?;
    if version != SKETCH_GRID_FORMAT_VERSION {
        return Err(Error::Version {
            artefact: a,
            found: version,
            expected: SKETCH_GRID_FORMAT_VERSION,
        });
    }
    let (len, sum) = (r.u64("length")?, r.u64("checksum")?);
    let payload = &bytes[HEADER..];
    if payload.len() as u64 != len {
        return Err(gcorrupt(
            a,
            "length",
            format!("header says {len} bytes, payload has {}", payload.len()),
        ));
    }
    if crate::binfmt::fnv1a(payload) != sum {
        return Err(gcorrupt(a, "checksum", "checksum mismatch".into()));
    }
    Ok(payload)
}

fn check_names(current: &[(&str, FeatureData<'_>)]) -> Result<()> {
    for (i, (name, _)) in current.iter().enumerate() {
        if current[..i].iter().any(|(n, _)| n == name) {
            return Err(Error::invalid(
                "current",
                *name,
                "duplicate feature name (one entry per feature)",
            ));
        }
    }
    Ok(())
}

impl SketchGrid {
    /// The grid of merged reference sketches: per numeric feature the bin
    /// edges [`QuantileSketch::quantile_edges`]`(bins)` (PSI/JS) and the
    /// points at the sketch's quantiles i/`cells` (i = 1..=K, equal ones
    /// merged, so at most K); `categorical` names the categorical features;
    /// `nan_policy` is the profile's.
    ///
    /// ```
    /// use tradewarden_core::NanPolicy;
    /// use tradewarden_drift::psi::PsiMode;
    /// use tradewarden_drift::report::FeatureData;
    /// use tradewarden_drift::sketch::QuantileSketch;
    /// use tradewarden_drift::state::{GridCounts, ScoreState, SketchGrid, StateScorer};
    /// use tradewarden_drift::profile::Profile;
    /// let r: Vec<f64> = (0..5000).map(|i| ((i * 7919) % 10_007) as f64).collect();
    /// let c: Vec<f64> = (0..3000).map(|i| ((i * 104_729) % 9_001) as f64 + 500.0).collect();
    /// // pass 1: a sketch per reference partition, merged
    /// let mut sk = QuantileSketch::from_values(&r[..2000], 200, NanPolicy::Error).unwrap();
    /// sk.merge(&QuantileSketch::from_values(&r[2000..], 200, NanPolicy::Error).unwrap()).unwrap();
    /// let grid = SketchGrid::new(&[("x", &sk)], &[], 10, 64, NanPolicy::Error).unwrap();
    /// // pass 2: reference partitions -> profile + counts, current partitions -> states
    /// let (p1, n1) = grid.reference_part(&[("x", FeatureData::Numeric(&r[..2000]))]).unwrap();
    /// let (p2, n2) = grid.reference_part(&[("x", FeatureData::Numeric(&r[2000..]))]).unwrap();
    /// let mut s = grid.state(&[("x", FeatureData::Numeric(&c[..1000]))]).unwrap();
    /// s.merge(&grid.state(&[("x", FeatureData::Numeric(&c[1000..]))]).unwrap()).unwrap();
    /// let profile = Profile::merge_all(&[&p1, &p2]).unwrap();
    /// let counts = GridCounts::merge_all(&[&n1, &n2]).unwrap();
    /// let scorer = StateScorer::from_grid_counts(profile, &grid, &counts).unwrap();
    /// let b = &scorer.ks_bounds(&s, PsiMode::default()).unwrap()[0];
    /// assert!(b.statistic_hi - b.statistic_lo <= scorer.rank_bounds()["x"] + 1e-12);
    /// // the same grid in one process: the same numbers, bit for bit
    /// let one = grid.scorer(&[("x", FeatureData::Numeric(&r))]).unwrap();
    /// let s1 = one.state(&[("x", FeatureData::Numeric(&c))]).unwrap();
    /// assert_eq!(one.ks_bounds(&s1, PsiMode::default()).unwrap(), scorer.ks_bounds(&s, PsiMode::default()).unwrap());
    /// ```
    ///
    /// # Errors
    /// A bad `bins` or `cells`, an empty sketch, a name given twice.
    pub fn new(
        sketches: &[(&str, &QuantileSketch)],
        categorical: &[&str],
        bins: usize,
        cells: usize,
        nan_policy: NanPolicy,
    ) -> Result<SketchGrid> {
        check_grid_cells(cells)?;
        crate::profile::check_bins(bins)?;
        let numeric = sketches
            .iter()
            .map(|(name, s)| Ok((*name, s.quantile_edges(bins)?, sketch_points(s, cells)?)))
            .collect::<Result<Vec<_>>>()?;
        Self::build(numeric, categorical, cells, nan_policy)
    }

    /// The grid of merged deterministic [`RankSummary`]s (pass 1 of the
    /// bounded job): per numeric feature the edges
    /// [`RankSummary::quantile_edges`]`(bins)` and the points
    /// [`RankSummary::points`]`(cells)` (ranks ⌈i·n/K⌉). The same summaries
    /// give the same grid, bit for bit; every open cell then holds fewer
    /// than n/K + e + 1 reference values (e = [`RankSummary::rank_error`],
    /// < n/m), and [`StateScorer::rank_bounds`] states the exact figure.
    ///
    /// ```
    /// use tradewarden_core::NanPolicy;
    /// use tradewarden_drift::state::{RankSummary, SketchGrid};
    /// let r: Vec<f64> = (0..5000).map(|i| ((i * 7919) % 10_007) as f64).collect();
    /// let mut s = RankSummary::from_values(&r[..2000], 256, NanPolicy::Error).unwrap();
    /// s.merge(&RankSummary::from_values(&r[2000..], 256, NanPolicy::Error).unwrap()).unwrap();
    /// let g = SketchGrid::from_summaries(&[("x", &s)], &[], 10, 64, NanPolicy::Error).unwrap();
    /// let again = SketchGrid::from_summaries(&[("x", &s)], &[], 10, 64, NanPolicy::Error).unwrap();
    /// assert_eq!(g.to_bytes(), again.to_bytes());
    /// assert!(g.points("x").unwrap().len() <= 64);
    /// ```
    ///
    /// # Errors
    /// As [`SketchGrid::new`].
    pub fn from_summaries(
        summaries: &[(&str, &RankSummary)],
        categorical: &[&str],
        bins: usize,
        cells: usize,
        nan_policy: NanPolicy,
    ) -> Result<SketchGrid> {
        check_grid_cells(cells)?;
        crate::profile::check_bins(bins)?;
        let numeric = summaries
            .iter()
            .map(|(name, s)| Ok((*name, s.quantile_edges(bins)?, s.points(cells)?)))
            .collect::<Result<Vec<_>>>()?;
        Self::build(numeric, categorical, cells, nan_policy)
    }

    fn build(
        features: Vec<(&str, Vec<f64>, Vec<f64>)>,
        categorical: &[&str],
        cells: usize,
        nan_policy: NanPolicy,
    ) -> Result<SketchGrid> {
        let mut numeric = BTreeMap::new();
        for (name, edges, points) in features {
            let edges = crate::profile::validate_explicit(&edges)?;
            let g = Grid {
                points,
                le: Vec::new(),
                lt: Vec::new(),
            };
            if numeric.insert(name.to_string(), (edges, g)).is_some() {
                return Err(Error::invalid("sketches", name, "duplicate feature name"));
            }
        }
        let mut cat = BTreeSet::new();
        for name in categorical {
            if numeric.contains_key(*name) || !cat.insert((*name).to_string()) {
                return Err(Error::invalid(
                    "categorical",
                    *name,
                    "duplicate feature name",
                ));
            }
        }
        if numeric.is_empty() && cat.is_empty() {
            return Err(Error::TooFewValues {
                param: "sketches",
                actual: 0,
                min: 1,
            });
        }
        let mut g = SketchGrid {
            cells,
            nan_policy,
            numeric,
            categorical: cat,
            checksum: 0,
        };
        g.checksum = crate::binfmt::fnv1a(&g.to_bytes()[HEADER..]);
        Ok(g)
    }

    /// [`SketchGrid::from_summaries`] of one [`RankSummary`] (`items` = m,
    /// e.g. [`super::DEFAULT_SUMMARY_ITEMS`]) of all the reference values in
    /// this process — the one-process job when the reference fits in memory
    /// but its grid should not depend on its size. Deterministic: the same
    /// reference gives the same grid, bit for bit.
    ///
    /// # Errors
    /// As [`RankSummary::from_values`] and [`SketchGrid::from_summaries`].
    pub fn from_reference(
        reference: &[(&str, FeatureData<'_>)],
        bins: usize,
        cells: usize,
        nan_policy: NanPolicy,
        items: usize,
    ) -> Result<SketchGrid> {
        check_names(reference)?;
        let mut summaries = Vec::new();
        let mut cat = Vec::new();
        for (name, d) in reference {
            match d {
                FeatureData::Numeric(v) => {
                    summaries.push((*name, RankSummary::from_values(v, items, nan_policy)?));
                }
                FeatureData::Categorical(_) => cat.push(*name),
            }
        }
        let refs: Vec<(&str, &RankSummary)> = summaries.iter().map(|(n, s)| (*n, s)).collect();
        SketchGrid::from_summaries(&refs, &cat, bins, cells, nan_policy)
    }

    /// [`SketchGrid::from_reference`] of Arrow record batches (same schema):
    /// float and integer columns are numeric features, string columns (utf8,
    /// large utf8, utf8 view) categorical ones, other columns are ignored;
    /// read as [`SketchGrid::state_batches`] reads them.
    ///
    /// # Errors
    /// No batch, no usable column; then as [`SketchGrid::from_reference`].
    pub fn from_reference_batches(
        batches: &[arrow_array::RecordBatch],
        bins: usize,
        cells: usize,
        nan_policy: NanPolicy,
        items: usize,
    ) -> Result<SketchGrid> {
        use arrow_schema::DataType;
        let Some(first) = batches.first() else {
            return Err(Error::TooFewValues {
                param: "batches",
                actual: 0,
                min: 1,
            });
        };
        let kinds: BTreeMap<String, bool> = first
            .schema()
            .fields()
            .iter()
            .filter_map(|f| {
                let t = f.data_type();
                let kind = if t.is_floating() || t.is_integer() {
                    true
                } else if matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
                    false
                } else {
                    return None;
                };
                Some((f.name().clone(), kind))
            })
            .collect();
        let cols = crate::report::gather_columns_by(batches, |n| kinds.get(n).copied())?;
        SketchGrid::from_reference(
            &crate::report::feature_data(&cols),
            bins,
            cells,
            nan_policy,
            items,
        )
    }

    /// K, the number of quantiles asked per feature.
    pub fn cells(&self) -> usize {
        self.cells
    }

    /// The checksum that states and counts built on this grid carry.
    pub fn checksum(&self) -> u64 {
        self.checksum
    }

    /// The grid points of numeric feature `name` (strictly increasing, at
    /// most K).
    pub fn points(&self, name: &str) -> Option<&[f64]> {
        self.numeric.get(name).map(|(_, g)| g.points.as_slice())
    }

    /// The PSI/JS bin edges of numeric feature `name` (−inf … +inf).
    pub fn edges(&self, name: &str) -> Option<&[f64]> {
        self.numeric.get(name).map(|(e, _)| e.as_slice())
    }

    /// Feature names (numeric and categorical), sorted.
    pub fn features(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .numeric
            .keys()
            .chain(&self.categorical)
            .map(String::as_str)
            .collect();
        v.sort_unstable();
        v
    }

    fn options(&self, edges: &[f64]) -> ProfileOptions {
        ProfileOptions {
            bins: BinStrategy::Explicit {
                edges: edges.to_vec(),
            },
            nan_policy: self.nan_policy,
            keep_reference: false,
        }
    }

    /// The bounded score state of one partition of current data at the
    /// grid's points (it needs the points and edges only — not the
    /// reference's counts): equal, bit for bit, to
    /// [`StateScorer::state`] of the scorer later built on this grid.
    ///
    /// # Errors
    /// As [`ScoreState::build`] (unknown feature, type, duplicate name,
    /// NaN/±inf unless the policy is `skip`).
    pub fn state(&self, current: &[(&str, FeatureData<'_>)]) -> Result<ScoreState> {
        check_names(current)?;
        let built = current
            .par_iter()
            .map(|(name, data)| match (self.numeric.get(*name), data) {
                (Some((edges, g)), FeatureData::Numeric(v)) => {
                    numeric_state_on(edges, self.nan_policy, v, g).map(super::FeatureState::Numeric)
                }
                (None, FeatureData::Categorical(v)) if self.categorical.contains(*name) => {
                    Ok(super::FeatureState::Categorical(categorical_state(v)))
                }
                (None, _) if !self.categorical.contains(*name) => Err(Error::UnknownFeature {
                    param: "current",
                    name: (*name).to_string(),
                }),
                _ => Err(Error::invalid(
                    "current",
                    *name,
                    "feature type differs from the grid's",
                )),
            })
            .collect_ordered()?;
        Ok(ScoreState {
            profile_checksum: self.checksum,
            grid: CellGrid::Bounded { cells: self.cells },
            features: current
                .iter()
                .zip(built)
                .map(|((n, _), f)| ((*n).to_string(), f))
                .collect(),
        })
    }

    /// [`SketchGrid::state`] of Arrow record batches (same schema): the
    /// columns named as the grid's features, read as
    /// [`StateScorer::state_batches`] reads them; other columns ignored.
    ///
    /// # Errors
    /// No batch, no matching column, an unsupported column type; then as
    /// [`SketchGrid::state`].
    pub fn state_batches(&self, batches: &[arrow_array::RecordBatch]) -> Result<ScoreState> {
        let cols = crate::report::gather_columns_by(batches, |n| self.is_numeric(n))?;
        self.state(&crate::report::feature_data(&cols))
    }

    /// [`SketchGrid::reference_part`] of Arrow record batches (read as
    /// [`SketchGrid::state_batches`]).
    ///
    /// # Errors
    /// As [`SketchGrid::state_batches`] and [`SketchGrid::reference_part`].
    pub fn reference_part_batches(
        &self,
        batches: &[arrow_array::RecordBatch],
    ) -> Result<(Profile, GridCounts)> {
        let cols = crate::report::gather_columns_by(batches, |n| self.is_numeric(n))?;
        self.reference_part(&crate::report::feature_data(&cols))
    }

    fn is_numeric(&self, name: &str) -> Option<bool> {
        if self.numeric.contains_key(name) {
            Some(true)
        } else {
            self.categorical.contains(name).then_some(false)
        }
    }

    /// One reference partition: its profile on the grid's bin edges (no
    /// stored reference; partition profiles merge exactly with
    /// [`Profile::merge_all`]) and its exact counts at the grid's points
    /// (merged with [`GridCounts::merge_all`]). Every feature of the grid
    /// must be present.
    ///
    /// # Errors
    /// A missing, unknown or mistyped feature, a duplicate name; then as
    /// [`NumericProfile::fit`] / [`CategoricalProfile::fit`].
    pub fn reference_part(
        &self,
        reference: &[(&str, FeatureData<'_>)],
    ) -> Result<(Profile, GridCounts)> {
        check_names(reference)?;
        for name in self.features() {
            if !reference.iter().any(|(n, _)| *n == name) {
                return Err(Error::invalid(
                    "reference",
                    name,
                    "feature of the grid missing from the reference partition",
                ));
            }
        }
        type Part = (FeatureProfile, Option<PointCounts>);
        let fitted = reference
            .par_iter()
            .map(|(name, data)| -> Result<Part> {
                match (self.numeric.get(*name), data) {
                    (Some((edges, g)), FeatureData::Numeric(v)) => {
                        let p = NumericProfile::fit(v, &self.options(edges))?;
                        Ok((FeatureProfile::Numeric(p), Some(point_counts(v, g))))
                    }
                    (None, FeatureData::Categorical(v)) if self.categorical.contains(*name) => {
                        Ok((
                            FeatureProfile::Categorical(CategoricalProfile::fit(v)?),
                            None,
                        ))
                    }
                    (None, _) if !self.categorical.contains(*name) => Err(Error::UnknownFeature {
                        param: "reference",
                        name: (*name).to_string(),
                    }),
                    _ => Err(Error::invalid(
                        "reference",
                        *name,
                        "feature type differs from the grid's",
                    )),
                }
            })
            .collect_ordered()?;
        let mut profile = Profile::new();
        let mut counts = GridCounts {
            checksum: self.checksum,
            features: BTreeMap::new(),
        };
        for ((name, _), (f, c)) in reference.iter().zip(fitted) {
            profile.insert(*name, f);
            if let Some(c) = c {
                counts.features.insert((*name).to_string(), c);
            }
        }
        Ok((profile, counts))
    }

    /// The one-process counterpart: [`SketchGrid::reference_part`] of all
    /// the reference rows and [`StateScorer::from_grid_counts`] — the same
    /// scorer (the same intervals, PSI and JS) as the distributed job on
    /// this grid, bit for bit.
    ///
    /// # Errors
    /// As [`SketchGrid::reference_part`].
    pub fn scorer(&self, reference: &[(&str, FeatureData<'_>)]) -> Result<StateScorer> {
        let (p, c) = self.reference_part(reference)?;
        StateScorer::from_grid_counts(p, self, &c)
    }

    /// [`SketchGrid::scorer`] of Arrow record batches (read as
    /// [`SketchGrid::reference_part_batches`]).
    ///
    /// # Errors
    /// As [`SketchGrid::reference_part_batches`].
    pub fn scorer_batches(&self, batches: &[arrow_array::RecordBatch]) -> Result<StateScorer> {
        let (p, c) = self.reference_part_batches(batches)?;
        StateScorer::from_grid_counts(p, self, &c)
    }

    /// Binary form: `TWSG`, u32 version, u64 payload length, u64 FNV-1a of
    /// the payload; payload: u64 cells, u8 NaN policy (0 error, 1 skip, 2
    /// propagate), u32 numeric features, each: str name, `vec<f64 bits>`
    /// edges, `vec<f64 bits>` points; u32 categorical features, each: str
    /// name. The grid's checksum is the payload's FNV-1a.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut p = vec![0u8; HEADER];
        put_u64(&mut p, self.cells as u64);
        p.push(nan_tag(self.nan_policy));
        p.extend_from_slice(&(self.numeric.len() as u32).to_le_bytes());
        for (name, (edges, g)) in &self.numeric {
            put_str(&mut p, name);
            for v in [edges, &g.points] {
                put_u64(&mut p, v.len() as u64);
                v.iter().for_each(|x| put_u64(&mut p, x.to_bits()));
            }
        }
        p.extend_from_slice(&(self.categorical.len() as u32).to_le_bytes());
        for name in &self.categorical {
            put_str(&mut p, name);
        }
        frame(GRID_MAGIC, p)
    }

    /// Reads the binary form, validated: framing and checksum, `cells` in
    /// range, a known NaN policy, names unique (in order), edges as
    /// `BinStrategy::Explicit` accepts them (−inf … +inf, strictly
    /// increasing, 2..=MAX_BINS bins), 1..=K finite strictly increasing
    /// points, no trailing bytes.
    ///
    /// # Errors
    /// `Error::Corrupt` (artefact: sketch grid) naming the field,
    /// `Error::Version`.
    pub fn from_bytes(bytes: &[u8]) -> Result<SketchGrid> {
        Self::decode(bytes).map_err(|e| e.in_artefact(Artefact::SketchGrid))
    }

    fn decode(bytes: &[u8]) -> Result<SketchGrid> {
        let a = Artefact::SketchGrid;
        let payload = unframe(bytes, GRID_MAGIC, a)?;
        let mut r = Reader { b: payload, pos: 0 };
        let k = r.u64("cells")?;
        let cells = usize::try_from(k).map_err(|_| gcorrupt(a, "cells", format!("{k}")))?;
        check_grid_cells(cells).map_err(|e| gcorrupt(a, "cells", e.to_string()))?;
        let nan_policy = match r.u8("nan_policy")? {
            0 => NanPolicy::Error,
            1 => NanPolicy::Skip,
            2 => NanPolicy::Propagate,
            t => return Err(gcorrupt(a, "nan_policy", format!("tag {t}"))),
        };
        let floats = |r: &mut Reader<'_>, what: &'static str| -> Result<Vec<f64>> {
            let n = r.len(8, what)?;
            (0..n).map(|_| r.u64(what).map(f64::from_bits)).collect()
        };
        let mut numeric = BTreeMap::new();
        let mut last: Option<String> = None;
        for _ in 0..r.u32("features")? {
            let name = r.str("features")?;
            if last.as_ref().is_some_and(|l| *l >= name) {
                return Err(gcorrupt(a, "features", format!("{name:?} out of order")));
            }
            last = Some(name.clone());
            let edges = floats(&mut r, "edges")?;
            let canonical = crate::profile::validate_explicit(&edges)
                .map_err(|e| gcorrupt(a, "edges", format!("feature {name:?}: {e}")))?;
            if bits(&canonical) != bits(&edges) {
                return Err(gcorrupt(
                    a,
                    "edges",
                    format!("feature {name:?}: edges must run from -inf to +inf"),
                ));
            }
            let points = floats(&mut r, "points")?;
            if points.is_empty()
                || points.len() > cells
                || points.iter().any(|x| !x.is_finite())
                || points.windows(2).any(|w| w[0] >= w[1])
            {
                return Err(gcorrupt(
                    a,
                    "points",
                    format!(
                        "feature {name:?}: {} points, need 1..={cells} finite, strictly increasing",
                        points.len()
                    ),
                ));
            }
            let g = Grid {
                points,
                le: Vec::new(),
                lt: Vec::new(),
            };
            numeric.insert(name, (edges, g));
        }
        let mut categorical = BTreeSet::new();
        let mut last: Option<String> = None;
        for _ in 0..r.u32("categorical")? {
            let name = r.str("categorical")?;
            if last.as_ref().is_some_and(|l| *l >= name) || numeric.contains_key(&name) {
                return Err(gcorrupt(
                    a,
                    "categorical",
                    format!("{name:?} repeated or out of order"),
                ));
            }
            last = Some(name.clone());
            categorical.insert(name);
        }
        if r.pos != payload.len() {
            return Err(gcorrupt(a, "length", "trailing bytes".into()));
        }
        if numeric.is_empty() && categorical.is_empty() {
            return Err(gcorrupt(a, "features", "no feature".into()));
        }
        Ok(SketchGrid {
            cells,
            nan_policy,
            numeric,
            categorical,
            checksum: crate::binfmt::fnv1a(payload),
        })
    }
}

/// Counts of finite values below / at each point (one binary search per
/// value into the points; NaN/±inf are the profile fit's business).
fn point_counts(values: &[f64], g: &Grid) -> PointCounts {
    let m = g.points.len();
    let mut cell = vec![0u64; 2 * m + 1];
    let mut n = 0u64;
    let look = super::CellLookup::new(&g.points);
    for &v in values {
        if v.is_finite() {
            cell[look.cell(v + 0.0)] += 1;
            n += 1;
        }
    }
    let (mut lt, mut le) = (Vec::with_capacity(m), Vec::with_capacity(m));
    let mut acc = 0u64;
    for k in 0..m {
        acc += cell[2 * k];
        lt.push(acc);
        acc += cell[2 * k + 1];
        le.push(acc);
    }
    PointCounts { n, lt, le }
}

impl GridCounts {
    /// The checksum of the grid these counts were taken on.
    pub fn grid_checksum(&self) -> u64 {
        self.checksum
    }

    /// Finite reference values counted for feature `name`.
    pub fn count(&self, name: &str) -> Option<u64> {
        self.features.get(name).map(|c| c.n)
    }

    /// Adds another partition's counts (same grid, same features); on error
    /// `self` is unchanged.
    ///
    /// # Errors
    /// `Error::Merge`: another grid, other features or lengths, overflow.
    pub fn merge(&mut self, other: &GridCounts) -> Result<()> {
        let merge_err = |reason: String| Error::Merge { reason };
        if self.checksum != other.checksum {
            return Err(merge_err(format!(
                "grid counts of different grids ({:016x} vs {:016x})",
                self.checksum, other.checksum
            )));
        }
        if !self.features.keys().eq(other.features.keys()) {
            return Err(merge_err("grid counts of different features".into()));
        }
        let mut out = self.features.clone();
        for ((name, a), b) in out.iter_mut().zip(other.features.values()) {
            if a.lt.len() != b.lt.len() {
                return Err(merge_err(format!("feature {name:?}: point counts differ")));
            }
            a.n =
                a.n.checked_add(b.n)
                    .ok_or_else(|| super::overflow("count"))?;
            super::add_counts(&mut a.lt, &b.lt, "grid count")?;
            super::add_counts(&mut a.le, &b.le, "grid count")?;
            if a.le.last().is_some_and(|&x| x > a.n) {
                return Err(super::overflow("grid count"));
            }
        }
        self.features = out;
        Ok(())
    }

    /// Merges several partitions' counts (any order, the same result).
    ///
    /// # Errors
    /// As [`GridCounts::merge`]; no parts is `TooFewValues`.
    pub fn merge_all(parts: &[&GridCounts]) -> Result<GridCounts> {
        super::merge_parts(parts, GridCounts::merge)
    }

    /// Binary form: `TWGC`, u32 version, u64 payload length, u64 FNV-1a;
    /// payload: u64 grid checksum, u32 features, each: str name, u64 n,
    /// `vec<u64>` lt, `vec<u64>` le.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut p = vec![0u8; HEADER];
        put_u64(&mut p, self.checksum);
        p.extend_from_slice(&(self.features.len() as u32).to_le_bytes());
        for (name, c) in &self.features {
            put_str(&mut p, name);
            put_u64(&mut p, c.n);
            for v in [&c.lt, &c.le] {
                put_u64(&mut p, v.len() as u64);
                v.iter().for_each(|&x| put_u64(&mut p, x));
            }
        }
        frame(COUNTS_MAGIC, p)
    }

    /// Reads the binary form, validated: framing and checksum, names in
    /// order, `lt` and `le` of one length and possible counts at strictly
    /// increasing points (lt₀ ≤ le₀ ≤ lt₁ ≤ le₁ ≤ … ≤ n), no trailing bytes. (Whether they belong to a grid is checked
    /// by [`StateScorer::from_grid_counts`].)
    ///
    /// # Errors
    /// `Error::Corrupt` (artefact: grid counts) naming the field,
    /// `Error::Version`.
    pub fn from_bytes(bytes: &[u8]) -> Result<GridCounts> {
        Self::decode(bytes).map_err(|e| e.in_artefact(Artefact::GridCounts))
    }

    fn decode(bytes: &[u8]) -> Result<GridCounts> {
        let a = Artefact::GridCounts;
        let payload = unframe(bytes, COUNTS_MAGIC, a)?;
        let mut r = Reader { b: payload, pos: 0 };
        let checksum = r.u64("grid checksum")?;
        let mut features = BTreeMap::new();
        let mut last: Option<String> = None;
        for _ in 0..r.u32("features")? {
            let name = r.str("features")?;
            if last.as_ref().is_some_and(|l| *l >= name) {
                return Err(gcorrupt(a, "features", format!("{name:?} out of order")));
            }
            last = Some(name.clone());
            let n = r.u64("n")?;
            let lt = r.vu("lt")?;
            let le = r.vu("le")?;
            if !super::counts_are_possible(&lt, &le, n) {
                return Err(gcorrupt(
                    a,
                    "counts",
                    format!("feature {name:?}: counts not ordered or above n = {n}"),
                ));
            }
            features.insert(name, PointCounts { n, lt, le });
        }
        if r.pos != payload.len() {
            return Err(gcorrupt(a, "length", "trailing bytes".into()));
        }
        Ok(GridCounts { checksum, features })
    }
}

impl StateScorer {
    /// The bounded scorer of a reference that was never gathered: its
    /// `profile` fitted on `grid`'s bin edges (merged partition profiles of
    /// [`SketchGrid::reference_part`], no stored reference needed) and the
    /// merged exact `counts` at the grid's points. The same compact scorer
    /// type as [`StateScorer::new`] (`to_bytes`, `save`, `ks_bounds`), whose
    /// states are [`SketchGrid::state`]'s (they carry the grid's checksum).
    ///
    /// # Errors
    /// `InvalidParameter` naming `counts` (another grid, a feature's count
    /// differing from the profile's) or `profile` (features, types, edges or
    /// NaN policy other than the grid's).
    pub fn from_grid_counts(
        profile: Profile,
        grid: &SketchGrid,
        counts: &GridCounts,
    ) -> Result<StateScorer> {
        if counts.checksum != grid.checksum {
            return Err(Error::InvalidParameter {
                param: "counts",
                value: format!("grid checksum {:016x}", counts.checksum),
                reason: "the counts were taken on another grid",
            });
        }
        let bad_profile = |name: &str, why: &'static str| Error::InvalidParameter {
            param: "profile",
            value: format!("feature {name:?}"),
            reason: why,
        };
        let names: Vec<&str> = profile.features.keys().map(String::as_str).collect();
        if names != grid.features() {
            return Err(Error::InvalidParameter {
                param: "profile",
                value: format!("features {names:?}"),
                reason: "the profile's features differ from the grid's",
            });
        }
        let mut grids = BTreeMap::new();
        for (name, f) in &profile.features {
            match (f, grid.numeric.get(name)) {
                (FeatureProfile::Numeric(p), Some((edges, g))) => {
                    if bits(&p.edges) != bits(edges) || p.options.nan_policy != grid.nan_policy {
                        return Err(bad_profile(
                            name,
                            "bin edges or NaN policy differ from the grid's (fit it with \
                             SketchGrid::reference_part)",
                        ));
                    }
                    let c = counts
                        .features
                        .get(name)
                        .ok_or_else(|| Error::InvalidParameter {
                            param: "counts",
                            value: format!("feature {name:?}"),
                            reason: "no counts for this numeric feature",
                        })?;
                    if c.lt.len() != g.points.len() || c.n != p.count {
                        return Err(Error::InvalidParameter {
                            param: "counts",
                            value: format!("feature {name:?}: n = {} ({} points)", c.n, c.lt.len()),
                            reason: "the counts differ from the profile's count or the grid's points",
                        });
                    }
                    grids.insert(
                        name.clone(),
                        Grid {
                            points: g.points.clone(),
                            le: c.le.clone(),
                            lt: c.lt.clone(),
                        },
                    );
                }
                (FeatureProfile::Categorical(_), None) => {}
                _ => return Err(bad_profile(name, "feature type differs from the grid's")),
            }
        }
        if counts.features.len() != grids.len() {
            return Err(Error::InvalidParameter {
                param: "counts",
                value: format!("{} features", counts.features.len()),
                reason: "counts of features that are not numeric features of the grid",
            });
        }
        Ok(StateScorer {
            profile,
            checksum: grid.checksum,
            grid: CellGrid::Bounded { cells: grid.cells },
            grids,
        })
    }

    /// Per numeric feature with a grid, the largest reference mass strictly
    /// inside one open cell of the grid (below the first point, between two
    /// points, above the last), as a fraction of the reference count: the
    /// stated width bound of [`StateScorer::ks_bounds`]'s intervals
    /// (`statistic_hi − statistic_lo ≤` it, up to the rounding of the
    /// quotients). At most 1/K for [`StateScorer::new`]'s bounded grids, 0
    /// for exact grids.
    pub fn rank_bounds(&self) -> BTreeMap<String, f64> {
        self.grids
            .iter()
            .filter_map(|(name, g)| {
                let FeatureProfile::Numeric(p) = self.profile.features.get(name)? else {
                    return None;
                };
                let n = p.count;
                let mut start = 0u64;
                let mut worst = 0u64;
                for (lt, le) in g.lt.iter().zip(&g.le) {
                    worst = worst.max(lt.saturating_sub(start));
                    start = *le;
                }
                worst = worst.max(n.saturating_sub(start));
                let frac = if n == 0 { 0.0 } else { worst as f64 / n as f64 };
                Some((name.clone(), frac))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts that no reference can have at increasing points (le₀ > lt₁,
    /// each vector still ordered) are refused when loaded.
    #[test]
    fn impossible_counts_are_refused() {
        let mut features = BTreeMap::new();
        features.insert(
            "x".to_string(),
            PointCounts {
                n: 10,
                lt: vec![0, 4],
                le: vec![3, 5],
            },
        );
        let ok = GridCounts {
            checksum: 7,
            features: features.clone(),
        };
        assert_eq!(GridCounts::from_bytes(&ok.to_bytes()).unwrap(), ok);
        features.get_mut("x").unwrap().lt[1] = 2;
        let bad = GridCounts {
            checksum: 7,
            features,
        };
        let e = GridCounts::from_bytes(&bad.to_bytes()).unwrap_err();
        assert!(matches!(e, Error::Corrupt { what: "counts", .. }), "{e}");
    }

    /// The chunked points are the points of one `quantile` call per rank
    /// (the definition), bit for bit: sketches that compacted (n ≫ k) and
    /// that did not, ties, K across a chunk boundary.
    #[test]
    fn sketch_points_are_the_per_rank_quantiles() {
        let by_definition = |s: &QuantileSketch, cells: usize| -> Vec<u64> {
            let mut points: Vec<f64> = Vec::new();
            for i in 1..=cells {
                let x = s.quantile(i as f64 / cells as f64).unwrap() + 0.0;
                if points.last().is_none_or(|&l| l < x) {
                    points.push(x);
                }
            }
            bits(&points)
        };
        for (n, k, ties) in [
            (50usize, 200u16, 1.0),
            (5_000, 64, 1.0),
            (20_000, 200, 8.0),
            (3, 8, 1.0),
        ] {
            let v: Vec<f64> = (0..n)
                .map(|i| (((i * 7919) % 10_007) as f64 / ties).floor() - 2_000.0)
                .collect();
            let s = QuantileSketch::from_values(&v, k, NanPolicy::Error).unwrap();
            for cells in [1usize, 2, 7, 100, 1_000, (1 << 16) + 3] {
                assert_eq!(
                    bits(&sketch_points(&s, cells).unwrap()),
                    by_definition(&s, cells),
                    "n = {n}, k = {k}, K = {cells}"
                );
            }
        }
    }
}
