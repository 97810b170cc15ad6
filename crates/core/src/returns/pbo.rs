//! Probability of backtest overfitting (PBO) by combinatorially symmetric
//! cross-validation (CSCV; Bailey, Borwein, López de Prado & Zhu 2017).
//!
//! The T × N matrix of per-period returns of **all** trials of a strategy
//! search is cut into `S` contiguous blocks (rows beyond `⌊T/S⌋·S` are dropped
//! from the end). For each of the `C(S, S/2)` ways to pick half of the blocks
//! as in-sample (IS, in lexicographic order of the block indices, as
//! `itertools.combinations`), the complement is out-of-sample (OOS). The IS
//! winner is the first argmax of the metric; its OOS rank `r` (1..N, ties
//! averaged) gives `ω = r/(N+1)` and `logit = ln(ω/(1−ω))`. PBO is the share
//! of logits ≤ 0.
//!
//! The metric is computed from per-block sufficient statistics (count, sum
//! and sum of squares of the mean-shifted returns, plus a constant-block flag):
//! the matrix is read twice, once per column, and never re-sliced per
//! combination. Each combination and its complement are evaluated together
//! (IS of one is OOS of the other), and combinations run in parallel with
//! rayon; the result does not depend on the thread count.
//!
//! ```
//! use tradewarden_core::returns::pbo::{pbo, StrategyMatrix};
//! // 3 strategies × 40 periods, column-major
//! let values: Vec<f64> = (0..120).map(|i| ((i * 37 % 101) as f64 - 50.0) * 1e-4).collect();
//! let m = StrategyMatrix::new(&values, 40, 3).unwrap();
//! let r = pbo(m, 4).unwrap();
//! assert_eq!(r.n_combinations, 6);
//! assert!((0.0..=1.0).contains(&r.pbo));
//! ```

use std::borrow::Cow;

use crate::par::CollectOrdered;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::io::ReturnsMatrix;

/// Largest accepted number of blocks: `C(24, 12) = 2 704 156` combinations.
pub const MAX_BLOCKS: usize = 24;

/// A borrowed T × N matrix of per-period returns (rows = periods, columns =
/// strategies), in either memory order:
///
/// * [`StrategyMatrix::new`]: column-major (Fortran order), strategy `j` is
///   the contiguous slice `values[j*n_rows .. (j+1)*n_rows]`;
/// * [`StrategyMatrix::from_row_major`]: row-major (C order), period `i` is
///   the contiguous slice `values[i*n_cols .. (i+1)*n_cols]`.
///
/// Both views of the same matrix give bit-identical results: every column is
/// read in the same order whatever the layout. A caller never reorders a
/// matrix itself; it names the order it holds.
#[derive(Debug, Clone, Copy)]
pub struct StrategyMatrix<'a> {
    values: &'a [f64],
    n_rows: usize,
    n_cols: usize,
    row_major: bool,
}

impl<'a> StrategyMatrix<'a> {
    /// Wraps `values` (column-major, `n_rows · n_cols` long).
    pub fn new(values: &'a [f64], n_rows: usize, n_cols: usize) -> Result<Self> {
        Self::checked(values, n_rows, n_cols, false)
    }

    /// Wraps `values` (row-major: T rows of N strategies each, C order,
    /// `n_rows · n_cols` long), without copying.
    ///
    /// ```
    /// use tradewarden_core::returns::pbo::StrategyMatrix;
    /// // 3 periods × 2 strategies, row by row
    /// let rows = [1.0, 10.0, 2.0, 20.0, 3.0, 30.0];
    /// let m = StrategyMatrix::from_row_major(&rows, 3, 2).unwrap();
    /// assert_eq!(&*m.column(1).unwrap(), &[10.0, 20.0, 30.0]);
    /// assert!(StrategyMatrix::from_row_major(&rows, 4, 2).is_err());
    /// ```
    pub fn from_row_major(values: &'a [f64], n_rows: usize, n_cols: usize) -> Result<Self> {
        Self::checked(values, n_rows, n_cols, true)
    }

    fn checked(values: &'a [f64], n_rows: usize, n_cols: usize, row_major: bool) -> Result<Self> {
        let expected = n_rows.checked_mul(n_cols).ok_or_else(|| {
            Error::invalid(
                "n_rows",
                n_rows,
                format!("n_rows · n_cols overflows (n_cols = {n_cols})"),
            )
        })?;
        if values.len() != expected {
            return Err(Error::invalid(
                "values",
                format!("{} values", values.len()),
                format!("expected n_rows · n_cols = {n_rows} · {n_cols} = {expected}"),
            ));
        }
        Ok(StrategyMatrix {
            values,
            n_rows,
            n_cols,
            row_major,
        })
    }

    /// Number of rows (periods).
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns (strategies).
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Whether the values are in row-major (C) order.
    pub fn is_row_major(&self) -> bool {
        self.row_major
    }

    /// Column `j` (strategy), if it exists: borrowed from a column-major
    /// matrix, gathered into a new vector from a row-major one.
    pub fn column(&self, j: usize) -> Option<Cow<'a, [f64]>> {
        if j >= self.n_cols {
            return None;
        }
        Some(if self.row_major {
            Cow::Owned(
                self.values
                    .iter()
                    .skip(j)
                    .step_by(self.n_cols)
                    .copied()
                    .collect(),
            )
        } else {
            Cow::Borrowed(&self.values[j * self.n_rows..(j + 1) * self.n_rows])
        })
    }
}

impl<'a> TryFrom<&'a ReturnsMatrix> for StrategyMatrix<'a> {
    type Error = Error;
    fn try_from(m: &'a ReturnsMatrix) -> Result<Self> {
        StrategyMatrix::new(&m.values, m.n_rows, m.n_cols())
    }
}

/// Sufficient statistics of one strategy over one half (S/2 blocks) of the
/// sample, as handed to a [`PboMetric`].
#[derive(Debug, Clone, Copy)]
pub struct HalfStats {
    n: usize,
    shift: f64,
    sum_dev: f64,
    sum_sq_dev: f64,
    constant: bool,
}

impl HalfStats {
    /// The statistics of a slice of returns (for testing a custom
    /// [`PboMetric`]; [`pbo_with`] builds them from block sums).
    ///
    /// ```
    /// use tradewarden_core::returns::pbo::{HalfStats, Metric, PboMetric};
    /// let h = HalfStats::from_values(&[0.01, -0.02, 0.03]);
    /// assert!((h.mean() - 0.02 / 3.0).abs() < 1e-15);
    /// assert!(Metric::Sharpe.score(&h) > 0.0);
    /// ```
    pub fn from_values(x: &[f64]) -> HalfStats {
        let n = x.len();
        let shift = if n == 0 {
            0.0
        } else {
            x.iter().sum::<f64>() / n as f64
        };
        let (mut s1, mut s2) = (0.0, 0.0);
        for &v in x {
            let d = v - shift;
            s1 += d;
            s2 += d * d;
        }
        HalfStats {
            n,
            shift,
            sum_dev: s1,
            sum_sq_dev: s2,
            constant: x.windows(2).all(|w| w[0] == w[1]),
        }
    }

    /// Number of observations in the half.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Arithmetic mean of the returns.
    pub fn mean(&self) -> f64 {
        self.shift + self.sum_dev / self.n as f64
    }

    /// Sum of the returns.
    pub fn sum(&self) -> f64 {
        self.shift * self.n as f64 + self.sum_dev
    }

    /// True when every return in the half is the same value.
    pub fn is_constant(&self) -> bool {
        self.constant
    }

    /// Variance with `ddof` (exactly 0 for a constant half; NaN when n ≤ ddof).
    pub fn variance(&self, ddof: u8) -> f64 {
        let n = self.n as f64;
        if self.n <= ddof as usize {
            return f64::NAN;
        }
        if self.constant {
            return 0.0;
        }
        let ss = self.sum_sq_dev - self.sum_dev * self.sum_dev / n;
        ss.max(0.0) / (n - ddof as f64)
    }
}

/// A performance measure computable from a half's sufficient statistics
/// (larger is better). NaN marks it undefined, which [`pbo_with`] rejects.
pub trait PboMetric: Sync {
    /// The metric of one strategy over one half.
    fn score(&self, half: &HalfStats) -> f64;

    /// The metric of every strategy over one half of `n` observations, from
    /// the strategies' shifts and shifted sums; writes `out[j]`. The default
    /// calls [`score`](PboMetric::score) per strategy; override it with a
    /// vectorisable loop for speed. Never called for a half in which some
    /// strategy is constant (those go through `score`).
    fn score_batch(
        &self,
        n: usize,
        shift: &[f64],
        sum_dev: &[f64],
        sum_sq_dev: &[f64],
        out: &mut [f64],
    ) {
        for (j, o) in out.iter_mut().enumerate() {
            *o = self.score(&HalfStats {
                n,
                shift: shift[j],
                sum_dev: sum_dev[j],
                sum_sq_dev: sum_sq_dev[j],
                constant: false,
            });
        }
    }
}

/// Built-in metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Per-period Sharpe ratio `mean / std(ddof = 1)` (default; as ffn).
    /// Undefined (NaN) for a constant half.
    #[default]
    Sharpe,
    /// Mean per-period return.
    Mean,
    /// Sum of per-period returns.
    Sum,
}

impl PboMetric for Metric {
    fn score(&self, h: &HalfStats) -> f64 {
        match self {
            Metric::Sharpe => {
                let v = h.variance(1);
                if h.constant || v.is_nan() || v <= 0.0 {
                    f64::NAN
                } else {
                    h.mean() / v.sqrt()
                }
            }
            Metric::Mean => h.mean(),
            Metric::Sum => h.sum(),
        }
    }

    fn score_batch(
        &self,
        n: usize,
        shift: &[f64],
        sum_dev: &[f64],
        sum_sq_dev: &[f64],
        out: &mut [f64],
    ) {
        let nf = n as f64;
        let inv_n = 1.0 / nf;
        match self {
            Metric::Sharpe if n > 1 => {
                let inv_n1 = 1.0 / (nf - 1.0);
                let it = out.iter_mut().zip(shift).zip(sum_dev).zip(sum_sq_dev);
                for (((o, &c), &s), &q) in it {
                    let var = (q - s * s * inv_n) * inv_n1;
                    let m = c + s * inv_n;
                    // computed unconditionally, then selected: keeps the loop vectorisable
                    let r = m / var.sqrt();
                    *o = if var > 0.0 { r } else { f64::NAN };
                }
            }
            Metric::Sharpe => out.iter_mut().for_each(|o| *o = f64::NAN),
            Metric::Mean => {
                for ((o, &c), &s) in out.iter_mut().zip(shift).zip(sum_dev) {
                    *o = c + s * inv_n;
                }
            }
            Metric::Sum => {
                for ((o, &c), &s) in out.iter_mut().zip(shift).zip(sum_dev) {
                    *o = c * nf + s;
                }
            }
        }
    }
}

/// Least-squares line of OOS performance on IS performance of the IS winners.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Degradation {
    /// Slope (NaN when the IS performance does not vary).
    pub slope: f64,
    /// Intercept (NaN when the IS performance does not vary).
    pub intercept: f64,
    /// Coefficient of determination (NaN when either side does not vary).
    pub r_squared: f64,
}

/// Result of [`pbo`] / [`pbo_with`]. Per-combination vectors are in
/// lexicographic order of the IS block sets (as `itertools.combinations`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PboResult {
    /// Probability of backtest overfitting: share of logits ≤ 0.
    pub pbo: f64,
    /// Logit of the IS winner's relative OOS rank, per combination.
    pub logits: Vec<f64>,
    /// Mean relative OOS rank ω of the IS winner.
    pub mean_oos_rank: f64,
    /// Number of combinations `C(S, S/2)`.
    pub n_combinations: usize,
    /// Number of blocks S.
    pub n_blocks: usize,
    /// Rows used (`⌊T/S⌋·S`; the rest is dropped from the end).
    pub n_rows_used: usize,
    /// Column of the IS winner, per combination.
    pub winners: Vec<usize>,
    /// IS performance of the IS winner, per combination.
    pub is_performance: Vec<f64>,
    /// OOS performance of the IS winner, per combination.
    pub oos_performance: Vec<f64>,
    /// Probability of loss: share of combinations whose winner's OOS performance is < 0.
    pub prob_loss: f64,
    /// Regression of OOS on IS performance of the winners.
    pub degradation: Degradation,
}

/// PBO with the default metric (per-period Sharpe, ddof = 1).
pub fn pbo(strategies: StrategyMatrix<'_>, n_blocks: usize) -> Result<PboResult> {
    pbo_with(strategies, n_blocks, &Metric::Sharpe)
}

/// Binomial coefficient (exact for the sizes accepted here).
fn binom(n: usize, k: usize) -> usize {
    if k > n {
        return 0;
    }
    let k = k.min(n - k);
    let mut c: u128 = 1;
    for i in 0..k {
        c = c * (n - i) as u128 / (i + 1) as u128;
    }
    c as usize
}

/// Per-block sufficient statistics, laid out `[block][strategy]`.
struct Blocks {
    n_cols: usize,
    block_len: usize,
    shift: Vec<f64>,
    sum: Vec<f64>,
    sq: Vec<f64>,
    tot_sum: Vec<f64>,
    tot_sq: Vec<f64>,
    /// Per block per strategy: `Some(v)` when the block is constant at v.
    const_val: Vec<Option<f64>>,
    /// Strategies with at least S/2 constant blocks (a half may be constant).
    suspects: Vec<usize>,
}

/// One column's shift and per-block (Σd, Σd², constant value).
type ColumnBlocks = (f64, Vec<(f64, f64, Option<f64>)>);

fn block_stats(m: &StrategyMatrix<'_>, s: usize) -> Result<Blocks> {
    let t = m.n_rows;
    let n = m.n_cols;
    let block_len = t / s;
    let used = block_len * s;
    let per_col: Vec<ColumnBlocks> = (0..n)
        .into_par_iter()
        .map(|j| {
            let col = m.column(j).unwrap_or_default();
            if let Some(i) = col.iter().position(|v| !v.is_finite()) {
                return Err(Error::invalid(
                    "strategies",
                    format!("{} at row {i}, column {j}", col[i]),
                    "every return must be finite",
                ));
            }
            let col = &col[..used];
            let c = col.iter().sum::<f64>() / used as f64;
            let blocks = col
                .chunks_exact(block_len)
                .map(|b| {
                    let (mut s1, mut s2) = (0.0, 0.0);
                    for &v in b {
                        let d = v - c;
                        s1 += d;
                        s2 += d * d;
                    }
                    let first = b[0];
                    let constant = b.iter().all(|&v| v == first);
                    (s1, s2, constant.then_some(first))
                })
                .collect();
            Ok((c, blocks))
        })
        .collect_ordered()?;
    let mut out = Blocks {
        n_cols: n,
        block_len,
        shift: vec![0.0; n],
        sum: vec![0.0; s * n],
        sq: vec![0.0; s * n],
        tot_sum: vec![0.0; n],
        tot_sq: vec![0.0; n],
        const_val: vec![None; s * n],
        suspects: Vec::new(),
    };
    for (j, (c, blocks)) in per_col.into_iter().enumerate() {
        out.shift[j] = c;
        let mut n_const = 0;
        for (b, (s1, s2, cv)) in blocks.into_iter().enumerate() {
            out.sum[b * n + j] = s1;
            out.sq[b * n + j] = s2;
            out.tot_sum[j] += s1;
            out.tot_sq[j] += s2;
            out.const_val[b * n + j] = cv;
            n_const += usize::from(cv.is_some());
        }
        if n_const >= s / 2 {
            out.suspects.push(j);
        }
    }
    Ok(out)
}

/// Lexicographic unranking of the `rank`-th `k`-subset of `{lo, …, n−1}`.
fn unrank(mut rank: usize, lo: usize, n: usize, k: usize, out: &mut Vec<usize>) {
    out.clear();
    let mut c = lo;
    for remaining in (1..=k).rev() {
        loop {
            let count = binom(n - c - 1, remaining - 1);
            if rank < count {
                out.push(c);
                c += 1;
                break;
            }
            rank -= count;
            c += 1;
        }
    }
}

/// Advances a lexicographic `k`-subset of `{…, n−1}` in place; returns the
/// first changed position, or `None` at the end.
fn next_combination(comb: &mut [usize], n: usize) -> Option<usize> {
    let k = comb.len();
    let mut i = k;
    while i > 0 {
        i -= 1;
        if comb[i] < n - k + i {
            comb[i] += 1;
            for j in i + 1..k {
                comb[j] = comb[j - 1] + 1;
            }
            return Some(i);
        }
    }
    None
}

/// One direction (IS → OOS) of one combination.
#[derive(Debug, Clone, Copy)]
struct Outcome {
    winner: usize,
    is_perf: f64,
    oos_perf: f64,
    omega: f64,
}

fn first_argmax(x: &[f64]) -> usize {
    let mut best = 0;
    for (j, &v) in x.iter().enumerate().skip(1) {
        if v > x[best] {
            best = j;
        }
    }
    best
}

fn outcome(train: &[f64], test: &[f64]) -> Outcome {
    let w = first_argmax(train);
    let v = test[w];
    let (mut less, mut equal) = (0usize, 0usize);
    for &x in test {
        less += usize::from(x < v);
        equal += usize::from(x == v);
    }
    let rank = less as f64 + (equal as f64 + 1.0) / 2.0;
    Outcome {
        winner: w,
        is_perf: train[w],
        oos_perf: v,
        omega: rank / (test.len() as f64 + 1.0),
    }
}

/// PBO with a custom metric (see [`PboMetric`]).
///
/// Errors: `n_blocks` odd, < 2 or > [`MAX_BLOCKS`]; fewer rows than
/// `n_blocks`; fewer than 2 strategies; a non-finite return; a metric that is
/// NaN for some strategy in some half (e.g. Sharpe of a constant half).
pub fn pbo_with<M: PboMetric>(
    strategies: StrategyMatrix<'_>,
    n_blocks: usize,
    metric: &M,
) -> Result<PboResult> {
    let s = n_blocks;
    if s < 2 || !s.is_multiple_of(2) {
        return Err(Error::invalid("n_blocks", s, "must be even and ≥ 2"));
    }
    if s > MAX_BLOCKS {
        return Err(Error::invalid(
            "n_blocks",
            s,
            format!("must be ≤ {MAX_BLOCKS} (C(S, S/2) combinations)"),
        ));
    }
    if strategies.n_cols < 2 {
        return Err(Error::invalid(
            "strategies",
            format!("{} column(s)", strategies.n_cols),
            "at least 2 strategies are required",
        ));
    }
    if strategies.n_rows < s {
        return Err(Error::invalid(
            "strategies",
            format!("{} row(s)", strategies.n_rows),
            format!("at least n_blocks = {s} rows are required"),
        ));
    }
    let blocks = block_stats(&strategies, s)?;
    let n = blocks.n_cols;
    let k = s / 2;
    let n_comb = binom(s, k);
    let half = n_comb / 2;
    let half_n = blocks.block_len * k;
    const CHUNK: usize = 128;
    let n_chunks = half.div_ceil(CHUNK);

    let chunks: Vec<Vec<(Outcome, Outcome)>> = (0..n_chunks)
        .into_par_iter()
        .map(|ci| -> Result<Vec<(Outcome, Outcome)>> {
            let start = ci * CHUNK;
            let end = (start + CHUNK).min(half);
            let mut rest = Vec::with_capacity(k);
            // combinations containing block 0: 0 followed by a (k−1)-subset of 1..S
            unrank(start, 1, s, k - 1, &mut rest);
            let mut comb = Vec::with_capacity(k);
            let (mut is_s, mut is_q) = (vec![0.0; n], vec![0.0; n]);
            let (mut oos_s, mut oos_q) = (vec![0.0; n], vec![0.0; n]);
            let (mut ps, mut pq) = (vec![0.0; k * n], vec![0.0; k * n]);
            let mut from = 0;
            let (mut p_is, mut p_oos) = (vec![0.0; n], vec![0.0; n]);
            let mut in_is = vec![false; s];
            let mut out = Vec::with_capacity(end - start);
            for idx in start..end {
                comb.clear();
                comb.push(0);
                comb.extend_from_slice(&rest);
                // partial[d] = Σ of blocks comb[0..=d]; refresh from the first changed depth
                for d in from..k {
                    let b = comb[d];
                    let (bs, bq) = (
                        &blocks.sum[b * n..(b + 1) * n],
                        &blocks.sq[b * n..(b + 1) * n],
                    );
                    if d == 0 {
                        ps[..n].copy_from_slice(bs);
                        pq[..n].copy_from_slice(bq);
                    } else {
                        let (lo_s, hi_s) = ps.split_at_mut(d * n);
                        let (lo_q, hi_q) = pq.split_at_mut(d * n);
                        let (prev_s, prev_q) = (&lo_s[(d - 1) * n..], &lo_q[(d - 1) * n..]);
                        for j in 0..n {
                            hi_s[j] = prev_s[j] + bs[j];
                            hi_q[j] = prev_q[j] + bq[j];
                        }
                    }
                }
                is_s.copy_from_slice(&ps[(k - 1) * n..k * n]);
                is_q.copy_from_slice(&pq[(k - 1) * n..k * n]);
                for j in 0..n {
                    oos_s[j] = blocks.tot_sum[j] - is_s[j];
                    oos_q[j] = blocks.tot_sq[j] - is_q[j];
                }
                metric.score_batch(half_n, &blocks.shift, &is_s, &is_q, &mut p_is);
                metric.score_batch(half_n, &blocks.shift, &oos_s, &oos_q, &mut p_oos);
                if !blocks.suspects.is_empty() {
                    in_is.iter_mut().for_each(|x| *x = false);
                    for &b in &comb {
                        in_is[b] = true;
                    }
                    for &j in &blocks.suspects {
                        for (side, perf) in [(true, &mut p_is), (false, &mut p_oos)] {
                            let mut val: Option<f64> = None;
                            let mut constant = true;
                            for (b, _) in in_is.iter().enumerate().filter(|(_, x)| **x == side) {
                                match (blocks.const_val[b * n + j], val) {
                                    (Some(v), None) => val = Some(v),
                                    (Some(v), Some(w)) if v == w => {}
                                    _ => {
                                        constant = false;
                                        break;
                                    }
                                }
                            }
                            if constant {
                                let (sum_dev, sum_sq_dev) = if side {
                                    (is_s[j], is_q[j])
                                } else {
                                    (oos_s[j], oos_q[j])
                                };
                                perf[j] = metric.score(&HalfStats {
                                    n: half_n,
                                    shift: blocks.shift[j],
                                    sum_dev,
                                    sum_sq_dev,
                                    constant: true,
                                });
                            }
                        }
                    }
                }
                for (side, perf) in [("in-sample", &p_is), ("out-of-sample", &p_oos)] {
                    if let Some(j) = perf.iter().position(|v| v.is_nan()) {
                        return Err(Error::invalid(
                            "metric",
                            format!("NaN for strategy {j} in the {side} half of combination {idx}"),
                            "the metric is undefined there (for Sharpe: a constant half)",
                        ));
                    }
                }
                out.push((outcome(&p_is, &p_oos), outcome(&p_oos, &p_is)));
                // rest[i] changed → comb[i + 1] and deeper need new partial sums
                from = next_combination(&mut rest, s).map_or(k, |i| i + 1);
            }
            Ok(out)
        })
        .collect_ordered()?;

    let mut res = vec![
        Outcome {
            winner: 0,
            is_perf: 0.0,
            oos_perf: 0.0,
            omega: 0.0
        };
        n_comb
    ];
    for (i, (a, b)) in chunks.into_iter().flatten().enumerate() {
        res[i] = a;
        // the complement of the i-th combination is the (C−1−i)-th
        res[n_comb - 1 - i] = b;
    }
    let logits: Vec<f64> = res
        .iter()
        .map(|o| (o.omega / (1.0 - o.omega)).ln())
        .collect();
    let cf = n_comb as f64;
    let pbo = logits.iter().filter(|&&l| l <= 0.0).count() as f64 / cf;
    let mean_oos_rank = res.iter().map(|o| o.omega).sum::<f64>() / cf;
    let is_performance: Vec<f64> = res.iter().map(|o| o.is_perf).collect();
    let oos_performance: Vec<f64> = res.iter().map(|o| o.oos_perf).collect();
    let prob_loss = oos_performance.iter().filter(|&&v| v < 0.0).count() as f64 / cf;
    let degradation = regress(&is_performance, &oos_performance);
    Ok(PboResult {
        pbo,
        logits,
        mean_oos_rank,
        n_combinations: n_comb,
        n_blocks: s,
        n_rows_used: blocks.block_len * s,
        winners: res.iter().map(|o| o.winner).collect(),
        is_performance,
        oos_performance,
        prob_loss,
        degradation,
    })
}

fn regress(x: &[f64], y: &[f64]) -> Degradation {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    if sxx.is_nan() || sxx <= 0.0 {
        return Degradation {
            slope: f64::NAN,
            intercept: f64::NAN,
            r_squared: f64::NAN,
        };
    }
    let slope = sxy / sxx;
    Degradation {
        slope,
        intercept: my - slope * mx,
        r_squared: if syy > 0.0 {
            sxy * sxy / (sxx * syy)
        } else {
            f64::NAN
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unrank_matches_iteration() {
        let (n, k) = (9, 4);
        let mut c: Vec<usize> = (1..1 + k).collect();
        let total = binom(n - 1, k);
        let mut u = Vec::new();
        for r in 0..total {
            unrank(r, 1, n, k, &mut u);
            assert_eq!(u, c, "rank {r}");
            let more = next_combination(&mut c, n).is_some();
            assert_eq!(more, r + 1 < total);
        }
        assert_eq!(binom(16, 8), 12_870);
        assert_eq!(binom(24, 12), 2_704_156);
    }

    /// The row-major copy of a column-major `t × n` matrix.
    fn transpose(v: &[f64], t: usize, n: usize) -> Vec<f64> {
        (0..t)
            .flat_map(|i| (0..n).map(move |j| v[j * t + i]))
            .collect()
    }

    fn same(a: &Result<PboResult>, b: &Result<PboResult>) -> bool {
        match (a, b) {
            (Ok(a), Ok(b)) => {
                a.pbo.to_bits() == b.pbo.to_bits()
                    && a.winners == b.winners
                    && a.logits.len() == b.logits.len()
                    && a.logits
                        .iter()
                        .zip(&b.logits)
                        .all(|(x, y)| x.to_bits() == y.to_bits())
                    && a.oos_performance
                        .iter()
                        .zip(&b.oos_performance)
                        .all(|(x, y)| x.to_bits() == y.to_bits())
            }
            (Err(a), Err(b)) => a.to_string() == b.to_string(),
            _ => false,
        }
    }

    #[test]
    fn from_row_major_reads_the_transpose() {
        let (t, n) = (40, 3);
        let cols: Vec<f64> = (0..t * n)
            .map(|i| ((i * 37 % 101) as f64 - 50.0) * 1e-4)
            .collect();
        let rows = transpose(&cols, t, n);
        let a = StrategyMatrix::new(&cols, t, n).unwrap();
        let b = StrategyMatrix::from_row_major(&rows, t, n).unwrap();
        assert!(!a.is_row_major() && b.is_row_major());
        for j in 0..n {
            assert_eq!(a.column(j), b.column(j));
        }
        assert!(b.column(n).is_none());
        assert!(same(&pbo(a, 4), &pbo(b, 4)));
        // the same buffer read in the other order is another matrix
        let wrong = StrategyMatrix::new(&rows, t, n).unwrap();
        assert!(!same(&pbo(a, 4), &pbo(wrong, 4)));
        // a non-finite value is reported at its (row, column) in either order
        let mut bad = rows.clone();
        bad[5 * n + 2] = f64::NAN;
        let e = pbo(StrategyMatrix::from_row_major(&bad, t, n).unwrap(), 4).unwrap_err();
        assert!(e.to_string().contains("row 5, column 2"), "{e}");
    }

    #[test]
    fn from_row_major_is_validated_like_new() {
        let v = [0.0; 6];
        let e = StrategyMatrix::from_row_major(&v, 4, 2).unwrap_err();
        let e2 = StrategyMatrix::new(&v, 4, 2).unwrap_err();
        assert_eq!(e.to_string(), e2.to_string());
        assert!(
            e.to_string().contains("values") && e.to_string().contains("6 values"),
            "{e}"
        );
        let e = StrategyMatrix::from_row_major(&v, usize::MAX, 2).unwrap_err();
        assert!(e.to_string().contains("n_rows"), "{e}");
        assert_eq!(
            crate::error::Classify::kind(&e),
            crate::error::ErrorKind::InvalidInput
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(64))]
        #[test]
        fn from_row_major_of_the_transpose_equals_new(
            t in 2usize..40,
            n in 1usize..6,
            s in proptest::sample::select(vec![2usize, 4, 6]),
            seed in proptest::prelude::any::<u64>(),
        ) {
            let mut x = seed | 1;
            let cols: Vec<f64> = (0..t * n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // a few exact repeats so that constant blocks and ties occur
                    ((x % 9) as f64 - 4.0) * 1e-3
                })
                .collect();
            let rows = transpose(&cols, t, n);
            let a = StrategyMatrix::new(&cols, t, n).unwrap();
            let b = StrategyMatrix::from_row_major(&rows, t, n).unwrap();
            proptest::prop_assert!(same(&pbo(a, s), &pbo(b, s)));
        }
    }
}
