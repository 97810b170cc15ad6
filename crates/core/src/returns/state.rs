//! Mergeable sufficient statistics of a returns series.
//!
//! A [`ReturnsState`] summarises a run of consecutive returns so that states
//! of consecutive partitions (days of a month, files of a partitioned Parquet
//! dataset, Dask partitions) combine **in order** into the state of the whole
//! series, and the metrics computed from it equal the single-series functions
//! ([`sharpe_ratio`](super::sharpe_ratio), [`max_drawdown`](super::max_drawdown),
//! …) up to floating-point rounding (the moments are merged with the pairwise
//! formulas of Chan et al. / Pébay, the wealth is a product of partition
//! products).
//!
//! The maximum drawdown is exact under merging: besides the compounded wealth,
//! the running peak and the partition's own worst peak-to-trough ratio, the
//! state keeps, for each new running peak of the partition, the lowest wealth
//! reached before it (only where that low changed, so a random walk keeps
//! O(√n) pairs and a steadily rising series one). Appending partition `B` to
//! `A` needs the lowest wealth of `B` before `B` regains `A`'s peak, which is
//! read from those pairs by a binary search. Formulas: `docs/conventions.md`.
//!
//! ```
//! use tradewarden_core::returns::{self, ReturnsState};
//! use tradewarden_core::ReturnsOptions;
//! let r = [0.01, -0.02, 0.015, 0.005, -0.03, 0.02, 0.01, -0.005];
//! let o = ReturnsOptions::default();
//! let a = ReturnsState::from_returns(&r[..3], &o).unwrap();
//! let b = ReturnsState::from_returns(&r[3..], &o).unwrap();
//! let whole = a.merge(&b).unwrap().metrics(&o).unwrap();
//! assert!((whole.max_drawdown - returns::max_drawdown(&r, &o).unwrap()).abs() < 1e-15);
//! assert!((whole.sharpe_ratio - returns::sharpe_ratio(&r, &o).unwrap()).abs() < 1e-12);
//! ```

use serde::{Deserialize, Serialize};

use crate::{Error, NanPolicy, Result, ReturnsOptions};

/// Format version of the serialized state.
pub const RETURNS_STATE_VERSION: u32 = 1;

/// Mergeable sufficient statistics of consecutive returns (see the module
/// documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnsState {
    /// Format version ([`RETURNS_STATE_VERSION`]).
    pub version: u32,
    /// The per-period required return the downside sum was taken against.
    pub required_return: f64,
    /// Values used (NaN excluded).
    pub n: u64,
    /// NaN values seen (skipped under [`NanPolicy::Skip`]).
    pub n_nan: u64,
    /// Whether a NaN was seen under [`NanPolicy::Propagate`]: metrics are NaN.
    pub poisoned: bool,
    /// Mean of the values.
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
    /// Sum of `min(r − required_return, 0)²`.
    pub down2: f64,
    /// Largest value (`None` when empty).
    pub best: Option<f64>,
    /// Smallest value (`None` when empty).
    pub worst: Option<f64>,
    /// Compounded wealth `Π (1 + r)` of the partition, starting at 1.
    pub wealth: f64,
    /// Running peak of the wealth, the starting 1 included.
    pub peak: f64,
    /// Lowest `wealth / running peak` (1 when there was no loss).
    pub min_ratio: f64,
    /// Lowest wealth reached, the starting 1 included (a starting point
    /// below the previous partition's peak is that partition's last point,
    /// so counting it never changes a merged drawdown).
    pub lowest: f64,
    /// `(new peak, lowest wealth before it)`, peaks ascending, lows
    /// descending; one pair per change of the low.
    pub pre_peak_lows: Vec<(f64, f64)>,
}

/// Metrics computed from a [`ReturnsState`]; each equals the function of the
/// same name on the whole series.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StateMetrics {
    /// Values used.
    pub n: u64,
    /// Arithmetic mean per period.
    pub mean: f64,
    /// Standard deviation (ddof from the options).
    pub std: f64,
    /// Annualised Sharpe ratio.
    pub sharpe_ratio: f64,
    /// Annualised Sortino ratio.
    pub sortino_ratio: f64,
    /// Maximum drawdown (≤ 0).
    pub max_drawdown: f64,
    /// Annualised (geometric) return.
    pub annual_return: f64,
    /// Annualised volatility.
    pub annual_volatility: f64,
    /// Calmar ratio.
    pub calmar_ratio: f64,
    /// Cumulative return `Π (1 + r) − 1`.
    pub cum_return: f64,
    /// Best single return.
    pub best: f64,
    /// Worst single return.
    pub worst: f64,
}

impl ReturnsState {
    /// An empty state whose downside sum is taken against `required_return`
    /// (per period, as [`ReturnsOptions::required_return`]).
    pub fn new(required_return: f64) -> Result<Self> {
        if !required_return.is_finite() {
            return Err(Error::invalid(
                "required_return",
                required_return,
                "must be finite",
            ));
        }
        Ok(ReturnsState {
            version: RETURNS_STATE_VERSION,
            required_return,
            n: 0,
            n_nan: 0,
            poisoned: false,
            mean: 0.0,
            m2: 0.0,
            down2: 0.0,
            best: None,
            worst: None,
            wealth: 1.0,
            peak: 1.0,
            min_ratio: 1.0,
            lowest: 1.0,
            pre_peak_lows: Vec::new(),
        })
    }

    /// The state of `returns` under the options' required return and NaN
    /// policy.
    pub fn from_returns(returns: &[f64], opts: &ReturnsOptions) -> Result<Self> {
        opts.validate()?;
        let mut s = Self::new(opts.required_return)?;
        s.extend(returns, opts.nan_policy)?;
        Ok(s)
    }

    /// Appends consecutive returns. Under [`NanPolicy::Error`] a non-finite
    /// value is an error naming its position in the whole stream (the state is
    /// then unchanged); ±inf is always an error.
    pub fn extend(&mut self, returns: &[f64], policy: NanPolicy) -> Result<()> {
        let offset = self.n.saturating_add(self.n_nan) as usize;
        for (i, &x) in returns.iter().enumerate() {
            let bad = match policy {
                NanPolicy::Error => !x.is_finite(),
                _ => x.is_infinite(),
            };
            if bad {
                return Err(Error::NonFinite {
                    param: "returns",
                    index: offset + i,
                    value: x,
                });
            }
        }
        let mut part = ReturnsState::new(self.required_return)?;
        part.fill(returns, policy);
        *self = self.merge(&part)?;
        Ok(())
    }

    /// Fills an empty state from values already checked against `policy`.
    fn fill(&mut self, returns: &[f64], policy: NanPolicy) {
        // Mean and central moment in two passes (exact to rounding).
        let mut sum = 0.0;
        let mut n = 0u64;
        for &x in returns {
            if x.is_nan() {
                continue;
            }
            sum += x;
            n += 1;
        }
        self.n_nan = returns.len() as u64 - n;
        if self.n_nan > 0 && policy == NanPolicy::Propagate {
            self.poisoned = true;
        }
        self.n = n;
        if n == 0 {
            return;
        }
        let mean = sum / n as f64;
        let req = self.required_return;
        let (mut m2, mut down2) = (0.0, 0.0);
        let (mut best, mut worst) = (f64::NEG_INFINITY, f64::INFINITY);
        let (mut wealth, mut peak, mut min_ratio, mut lowest) = (1.0f64, 1.0f64, 1.0f64, 1.0f64);
        let mut pairs: Vec<(f64, f64)> = Vec::new();
        for &x in returns {
            if x.is_nan() {
                continue;
            }
            let d = x - mean;
            m2 += d * d;
            let e = (x - req).min(0.0);
            down2 += e * e;
            best = best.max(x);
            worst = worst.min(x);
            wealth *= 1.0 + x;
            if wealth > peak {
                push_pair(&mut pairs, wealth, lowest);
                peak = wealth;
            } else {
                min_ratio = min_ratio.min(wealth / peak);
            }
            lowest = lowest.min(wealth);
        }
        self.mean = mean;
        self.m2 = m2;
        self.down2 = down2;
        self.best = Some(best);
        self.worst = Some(worst);
        self.wealth = wealth;
        self.peak = peak;
        self.min_ratio = min_ratio;
        self.lowest = lowest;
        self.pre_peak_lows = pairs;
    }

    /// Lowest wealth of this partition (on its own scale) before its running
    /// peak first exceeds `h` (the starting 1 included).
    fn low_before_exceeding(&self, h: f64) -> f64 {
        let k = self.pre_peak_lows.partition_point(|&(m, _)| m <= h);
        match self.pre_peak_lows.get(k) {
            Some(&(_, low)) => low,
            None => self.lowest,
        }
    }

    /// The state of `self` followed by `next` (order matters for the wealth
    /// path; the moments merge either way). Both must use the same options:
    /// the same required return and, where both show it, the same NaN policy.
    ///
    /// # Errors
    /// `InvalidParameter` for states taken under different options or counts
    /// that would overflow, `Corrupt` when either state fails
    /// [`Self::validate`], `Unsupported` for another format version.
    pub fn merge(&self, next: &ReturnsState) -> Result<ReturnsState> {
        if self.version != RETURNS_STATE_VERSION || next.version != RETURNS_STATE_VERSION {
            return Err(Error::Unsupported {
                what: format!(
                    "returns state version {} / {} (this build reads {RETURNS_STATE_VERSION})",
                    self.version, next.version
                ),
            });
        }
        if self.required_return.to_bits() != next.required_return.to_bits() {
            return Err(Error::invalid(
                "next.required_return",
                next.required_return,
                format!("must equal the first state's {}", self.required_return),
            ));
        }
        self.validate()?;
        next.validate()?;
        // The NaN policy shows in a state that counted a NaN: poisoned under
        // `propagate`, not under `skip` (`error` counts none).
        let skipped = |s: &ReturnsState| s.n_nan > 0 && !s.poisoned;
        if (skipped(self) && next.poisoned) || (self.poisoned && skipped(next)) {
            return Err(Error::invalid(
                "next.nan_policy",
                if next.poisoned { "propagate" } else { "skip" },
                format!(
                    "the first state was taken under nan_policy = {}: states of one series \
                     share their options",
                    if self.poisoned { "propagate" } else { "skip" }
                ),
            ));
        }
        let overflow = |field: &'static str, v: u64| {
            Error::invalid(field, v, "the merged count overflows a u64")
        };
        let n_total = self
            .n
            .checked_add(next.n)
            .ok_or(overflow("next.n", next.n))?;
        let n_nan = self
            .n_nan
            .checked_add(next.n_nan)
            .ok_or(overflow("next.n_nan", next.n_nan))?;
        if n_total.checked_add(n_nan).is_none() {
            return Err(overflow("next.n_nan", next.n_nan));
        }
        if next.n == 0 {
            let mut s = self.clone();
            s.n_nan = n_nan;
            s.poisoned |= next.poisoned;
            return Ok(s);
        }
        if self.n == 0 {
            let mut s = next.clone();
            s.n_nan = n_nan;
            s.poisoned |= self.poisoned;
            return Ok(s);
        }
        let (na, nb) = (self.n as f64, next.n as f64);
        let n = na + nb;
        let delta = next.mean - self.mean;
        let mean = self.mean + delta * nb / n;
        let m2 = self.m2 + next.m2 + delta * delta * na * nb / n;

        let w0 = self.wealth;
        // `next` regains this state's peak once its own running peak exceeds h.
        let h = self.peak / w0;
        let low = next.low_before_exceeding(h);
        let fix = w0 * low / self.peak;
        let mut pairs = self.pre_peak_lows.clone();
        for &(m, l) in &next.pre_peak_lows {
            if m > h {
                push_pair(&mut pairs, w0 * m, self.lowest.min(w0 * l));
            }
        }
        Ok(ReturnsState {
            version: RETURNS_STATE_VERSION,
            required_return: self.required_return,
            n: n_total,
            n_nan,
            poisoned: self.poisoned || next.poisoned,
            mean,
            m2,
            down2: self.down2 + next.down2,
            best: opt(self.best, next.best, f64::max),
            worst: opt(self.worst, next.worst, f64::min),
            wealth: w0 * next.wealth,
            peak: self.peak.max(w0 * next.peak),
            min_ratio: self.min_ratio.min(next.min_ratio).min(fix),
            lowest: self.lowest.min(w0 * next.lowest),
            pre_peak_lows: pairs,
        })
    }

    /// Merges states of consecutive partitions, in order.
    pub fn merge_all<'a, I>(states: I) -> Result<ReturnsState>
    where
        I: IntoIterator<Item = &'a ReturnsState>,
    {
        let mut it = states.into_iter();
        let first = it.next().ok_or(Error::Empty {
            param: "states",
            min: 1,
        })?;
        it.try_fold(first.clone(), |acc, s| acc.merge(s))
    }

    /// The serialized state (serde JSON, UTF-8): the bytes every door writes
    /// (Python `ReturnsState.to_bytes`, the Dask door) and [`Self::from_bytes`]
    /// reads.
    ///
    /// # Errors
    /// `InvalidInput` when the state holds a non-finite value (JSON has no
    /// infinity or NaN: such bytes would not load; returns given in percent
    /// instead of fractions overflow the wealth).
    ///
    /// ```
    /// use tradewarden_core::returns::ReturnsState;
    /// use tradewarden_core::ReturnsOptions;
    /// let s = ReturnsState::from_returns(&[0.01, -0.02, 0.015], &ReturnsOptions::default()).unwrap();
    /// assert_eq!(ReturnsState::from_bytes(&s.to_bytes().unwrap()).unwrap(), s);
    /// assert!(ReturnsState::from_bytes(b"not a state").is_err());
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let b = serde_json::to_vec(self).map_err(|e| Error::Internal {
            reason: format!("returns state: {e}"),
        })?;
        serde_json::from_slice::<ReturnsState>(&b).map_err(|_| {
            Error::invalid(
                "state",
                format!(
                    "wealth = {}, peak = {}, m2 = {}",
                    self.wealth, self.peak, self.m2
                ),
                "holds a non-finite value (returns given in percent instead of fractions?) \
                 and cannot be serialized",
            )
        })?;
        Ok(b)
    }

    /// A state from [`Self::to_bytes`], failing closed: the decoded fields
    /// pass [`Self::validate`] or the bytes are refused.
    ///
    /// # Errors
    /// `Corrupt` when `data` is not a serialized returns state or a field
    /// breaks an invariant of real states (naming the field and its value),
    /// `Unsupported` for another format version than [`RETURNS_STATE_VERSION`].
    pub fn from_bytes(data: &[u8]) -> Result<ReturnsState> {
        let s: ReturnsState = serde_json::from_slice(data).map_err(|e| Error::Corrupt {
            what: "returns state".into(),
            reason: format!("data is not a serialized returns state: {e}"),
        })?;
        if s.version != RETURNS_STATE_VERSION {
            return Err(Error::Unsupported {
                what: format!(
                    "returns state version {} (this build reads {RETURNS_STATE_VERSION})",
                    s.version
                ),
            });
        }
        s.validate()?;
        Ok(s)
    }

    /// Checks the invariants every state built by [`Self::new`],
    /// [`Self::from_returns`], [`Self::extend`] and [`Self::merge`] holds, so
    /// that a state read from bytes (another process, another door) or built
    /// field by field is never trusted: run by [`Self::from_bytes`] on every
    /// decode and by [`Self::merge`] on both operands.
    ///
    /// The rules (`docs/conventions.md`, "Mergeable state"):
    /// - `required_return` is finite; `poisoned` implies `n_nan > 0`;
    ///   `n + n_nan` fits in a `u64`; `pre_peak_lows` holds at most `n` pairs;
    /// - `n = 0`: the empty state's values (`mean = m2 = down2 = 0`, no
    ///   best/worst, `wealth = peak = min_ratio = lowest = 1`, no pairs);
    /// - `n > 0`: finite `best ≥ worst`; a finite `mean` lies in
    ///   `[worst, best]` up to rounding; `0 ≤ m2 ≤ n·(best − worst)²` and
    ///   `0 ≤ down2 ≤ n·min(worst − required_return, 0)²` up to rounding
    ///   (`down2 = 0` when `worst ≥ required_return`); `n = 1`: `m2 = 0`
    ///   and `mean = best = worst`;
    /// - the wealth path: `peak ≥ 1`, `lowest ≤ 1`, `min_ratio ≤ 1`; when
    ///   the path stayed positive (`lowest > 0`, i.e. no return of −100 % or
    ///   worse): `lowest ≤ wealth ≤ peak`, `0 ≤ min_ratio` and
    ///   `min_ratio ≥ lowest / peak` up to rounding, the pairs' peaks
    ///   non-decreasing within `[1, peak]` (up to rounding) and their lows strictly
    ///   decreasing within `[lowest, 1]`.
    ///
    /// Every comparison lets NaN through (an in-memory state whose sums
    /// overflowed holds NaN or ±inf; bytes cannot: JSON has no such number).
    ///
    /// # Errors
    /// `Corrupt` naming the first field that breaks a rule and its value;
    /// `Unsupported` for another format version.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, value: String, rule: &str| -> Result<()> {
            Err(Error::Corrupt {
                what: "returns state".into(),
                reason: format!("field `{field}` = {value}: {rule}"),
            })
        };
        if self.version != RETURNS_STATE_VERSION {
            return Err(Error::Unsupported {
                what: format!(
                    "returns state version {} (this build reads {RETURNS_STATE_VERSION})",
                    self.version
                ),
            });
        }
        if !self.required_return.is_finite() {
            return bad(
                "required_return",
                self.required_return.to_string(),
                "must be finite",
            );
        }
        if self.poisoned && self.n_nan == 0 {
            return bad(
                "poisoned",
                "true".into(),
                "a state is poisoned only by a NaN it counted (n_nan = 0)",
            );
        }
        if self.n.checked_add(self.n_nan).is_none() {
            return bad(
                "n_nan",
                self.n_nan.to_string(),
                &format!("n + n_nan overflows a u64 (n = {})", self.n),
            );
        }
        if self.pre_peak_lows.len() as u64 > self.n {
            return bad(
                "pre_peak_lows",
                format!("{} pairs", self.pre_peak_lows.len()),
                &format!("at most one pair per value (n = {})", self.n),
            );
        }
        if self.n == 0 {
            let empty = [
                ("mean", self.mean, 0.0),
                ("m2", self.m2, 0.0),
                ("down2", self.down2, 0.0),
                ("wealth", self.wealth, 1.0),
                ("peak", self.peak, 1.0),
                ("min_ratio", self.min_ratio, 1.0),
                ("lowest", self.lowest, 1.0),
            ];
            for (field, v, want) in empty {
                if v != want {
                    return bad(field, v.to_string(), &format!("must be {want} when n = 0"));
                }
            }
            for (field, v) in [("best", self.best), ("worst", self.worst)] {
                if let Some(x) = v {
                    return bad(field, x.to_string(), "must be null when n = 0");
                }
            }
            return Ok(());
        }
        let (Some(best), Some(worst)) = (self.best, self.worst) else {
            let field = if self.best.is_none() { "best" } else { "worst" };
            return bad(field, "null".into(), "must be set when n > 0");
        };
        for (field, v) in [("best", best), ("worst", worst)] {
            if !v.is_finite() {
                return bad(field, v.to_string(), "must be finite (returns are)");
            }
        }
        if worst > best {
            return bad(
                "worst",
                worst.to_string(),
                &format!("must be ≤ best = {best}"),
            );
        }
        // Rounding slack of sums over n values and of up to n merges.
        let n = self.n as f64;
        let tol = 8.0 * (n + 1.0) * f64::EPSILON;
        let scale = best.abs().max(worst.abs());
        if self.mean.is_finite()
            && (self.mean < worst - tol * scale || self.mean > best + tol * scale)
        {
            return bad(
                "mean",
                self.mean.to_string(),
                &format!("must lie in [worst, best] = [{worst}, {best}]"),
            );
        }
        if self.m2 < 0.0 {
            return bad("m2", self.m2.to_string(), "a sum of squares is ≥ 0");
        }
        let spread = (best - worst) + tol * scale;
        if self.m2 > n * spread * spread * (1.0 + tol) {
            return bad(
                "m2",
                self.m2.to_string(),
                &format!(
                    "must be ≤ n·(best − worst)² (n = {}, best = {best}, worst = {worst})",
                    self.n
                ),
            );
        }
        if self.down2 < 0.0 {
            return bad("down2", self.down2.to_string(), "a sum of squares is ≥ 0");
        }
        let e = (worst - self.required_return).min(0.0);
        if self.down2 > n * e * e * (1.0 + tol) {
            return bad(
                "down2",
                self.down2.to_string(),
                &format!(
                    "must be ≤ n·min(worst − required_return, 0)² (n = {}, worst = {worst}, \
                     required_return = {})",
                    self.n, self.required_return
                ),
            );
        }
        if self.n == 1 {
            if self.m2 != 0.0 {
                return bad("m2", self.m2.to_string(), "must be 0 when n = 1");
            }
            if best != worst || self.mean != best {
                return bad(
                    "mean",
                    self.mean.to_string(),
                    &format!(
                        "best, worst and mean are the one value when n = 1 (best = {best}, worst = {worst})"
                    ),
                );
            }
        }
        if self.peak < 1.0 {
            return bad(
                "peak",
                self.peak.to_string(),
                "the running peak starts at 1",
            );
        }
        if self.lowest > 1.0 {
            return bad(
                "lowest",
                self.lowest.to_string(),
                "the lowest wealth starts at 1",
            );
        }
        if self.min_ratio > 1.0 {
            return bad("min_ratio", self.min_ratio.to_string(), "must be ≤ 1");
        }
        if !(self.lowest > 0.0) {
            // a return of −100 % or worse: the path left the positive wealths,
            // where merged peaks and pairs follow no order
            return Ok(());
        }
        if self.wealth < self.lowest || self.wealth > self.peak {
            return bad(
                "wealth",
                self.wealth.to_string(),
                &format!(
                    "must lie in [lowest, peak] = [{}, {}]",
                    self.lowest, self.peak
                ),
            );
        }
        if self.min_ratio < 0.0 || self.min_ratio < self.lowest / self.peak * (1.0 - tol) {
            return bad(
                "min_ratio",
                self.min_ratio.to_string(),
                &format!(
                    "must be ≥ lowest / peak = {} (a positive path)",
                    self.lowest / self.peak
                ),
            );
        }
        let mut last: Option<(f64, f64)> = None;
        for (i, &(m, low)) in self.pre_peak_lows.iter().enumerate() {
            let name = format!("pre_peak_lows[{i}]");
            // appended pairs are scaled by the wealth before them: an ulp of slack
            if m < 1.0 - tol || m > self.peak {
                return bad(
                    &name,
                    format!("({m}, {low})"),
                    &format!("its peak must lie in [1, peak = {}]", self.peak),
                );
            }
            if low < self.lowest || low > 1.0 {
                return bad(
                    &name,
                    format!("({m}, {low})"),
                    &format!("its low must lie in [lowest = {}, 1]", self.lowest),
                );
            }
            if let Some((pm, pl)) = last
                && (m < pm * (1.0 - tol) || low >= pl)
            {
                return bad(
                    &name,
                    format!("({m}, {low})"),
                    &format!(
                        "peaks must not decrease and lows must decrease (previous ({pm}, {pl}))"
                    ),
                );
            }
            last = Some((m, low));
        }
        Ok(())
    }

    /// The metrics of the whole series. `opts.required_return` must equal the
    /// state's; `opts.nan_policy` is not used (the state applied its own).
    pub fn metrics(&self, opts: &ReturnsOptions) -> Result<StateMetrics> {
        let ann = opts.validate()?;
        if opts.required_return.to_bits() != self.required_return.to_bits() {
            return Err(Error::invalid(
                "required_return",
                opts.required_return,
                format!(
                    "the state's downside sum was taken against {}",
                    self.required_return
                ),
            ));
        }
        if self.n == 0 && self.n_nan == 0 {
            return Err(Error::Empty {
                param: "returns",
                min: 1,
            });
        }
        let nan = f64::NAN;
        if self.poisoned || self.n == 0 {
            return Ok(StateMetrics {
                n: self.n,
                mean: nan,
                std: nan,
                sharpe_ratio: nan,
                sortino_ratio: nan,
                max_drawdown: nan,
                annual_return: nan,
                annual_volatility: nan,
                calmar_ratio: nan,
                cum_return: nan,
                best: nan,
                worst: nan,
            });
        }
        let n = self.n as f64;
        let enough = self.n >= 2;
        let std = if self.n > opts.ddof as u64 {
            (self.m2 / (n - opts.ddof as f64)).max(0.0).sqrt()
        } else {
            nan
        };
        let sharpe = if enough {
            (self.mean - opts.risk_free) / std * ann.sqrt()
        } else {
            nan
        };
        let downside = (self.down2 / n).sqrt();
        let sortino = if enough {
            (self.mean - opts.required_return) * ann / (downside * ann.sqrt())
        } else {
            nan
        };
        let n_raw = self.n as f64 + self.n_nan as f64;
        let annual_return = self.wealth.powf(ann / n_raw) - 1.0;
        let mdd = self.min_ratio - 1.0;
        let calmar = if mdd < 0.0 {
            let v = annual_return / mdd.abs();
            if v.is_infinite() { nan } else { v }
        } else {
            nan
        };
        Ok(StateMetrics {
            n: self.n,
            mean: self.mean,
            std,
            sharpe_ratio: sharpe,
            sortino_ratio: sortino,
            max_drawdown: mdd,
            annual_return,
            annual_volatility: if enough { std * ann.sqrt() } else { nan },
            calmar_ratio: calmar,
            cum_return: self.wealth - 1.0,
            best: self.best.unwrap_or(nan),
            worst: self.worst.unwrap_or(nan),
        })
    }
}

/// Records a new running peak `m` with the lowest wealth `low` before it,
/// keeping one pair per distinct low (a pair whose low equals the previous
/// one only extends the previous pair's peak).
fn push_pair(pairs: &mut Vec<(f64, f64)>, m: f64, low: f64) {
    match pairs.last_mut() {
        Some(last) if last.1 == low => last.0 = m,
        _ => pairs.push((m, low)),
    }
}

fn opt(a: Option<f64>, b: Option<f64>, f: fn(f64, f64) -> f64) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(f(x, y)),
        (x, None) => x,
        (None, y) => y,
    }
}
