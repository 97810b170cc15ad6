//! Exposure metrics over a trade log and the clip/warn exposure policy
//! (Market NN Plus Ultra's definitions, see `docs/guardrails.md`).
//!
//! Rows are grouped by timestamp (ascending): `gross_t = Σ|notional|`,
//! `net_t = Σ notional`, `pnl_t = Σ pnl`, each divided by capital where stated.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tradewarden_core::stats::quantile_sorted;

use crate::error::{Error, Result};
use crate::policy::{Enforcement, ExposurePolicy};
use crate::telemetry;

/// A validated trade log (owned columns; clipping scales them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TradeLog {
    /// Unix seconds (rows are grouped by equal timestamps).
    pub timestamp: Vec<i64>,
    /// Symbol per row.
    pub symbol: Vec<String>,
    /// Signed notional per row (given, or position × price).
    pub notional: Vec<f64>,
    /// Signed position per row, when given (scaled with notional).
    pub position: Option<Vec<f64>>,
    /// P&L per row.
    pub pnl: Vec<f64>,
    /// Optional sector per row.
    pub sector: Option<Vec<String>>,
    /// Optional factor per row.
    pub factor: Option<Vec<String>>,
}

fn check_len(param: &'static str, len: usize, n: usize) -> Result<()> {
    if len != n {
        return Err(Error::Core(tradewarden_core::Error::LengthMismatch {
            param,
            actual: len,
            other: "timestamp",
            expected: n,
        }));
    }
    Ok(())
}

fn check_finite(param: &'static str, x: &[f64]) -> Result<()> {
    if let Some((index, &value)) = x.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::Core(tradewarden_core::Error::NonFinite {
            param,
            index,
            value,
        }));
    }
    Ok(())
}

impl TradeLog {
    /// Builds a trade log from columns. `notional` wins when given; otherwise
    /// notional = position × price, and without both the call fails
    /// ([`Error::MissingColumn`]). Lengths must match; NaN/±inf is an error.
    pub fn new<S: AsRef<str>>(
        timestamp: &[i64],
        symbol: &[S],
        notional: Option<&[f64]>,
        position: Option<&[f64]>,
        price: Option<&[f64]>,
        pnl: &[f64],
    ) -> Result<TradeLog> {
        let n = timestamp.len();
        if n == 0 {
            return Err(Error::Core(tradewarden_core::Error::Empty {
                param: "timestamp",
                min: 1,
            }));
        }
        check_len("symbol", symbol.len(), n)?;
        check_len("pnl", pnl.len(), n)?;
        check_finite("pnl", pnl)?;
        if let Some(p) = position {
            check_len("position", p.len(), n)?;
            check_finite("position", p)?;
        }
        let notional = match (notional, position, price) {
            (Some(x), _, _) => {
                check_len("notional", x.len(), n)?;
                check_finite("notional", x)?;
                x.to_vec()
            }
            (None, Some(p), Some(px)) => {
                check_len("price", px.len(), n)?;
                check_finite("price", px)?;
                p.iter().zip(px).map(|(a, b)| a * b).collect()
            }
            _ => {
                return Err(Error::MissingColumn {
                    column: "notional",
                    reason: "give notional, or both position and price".into(),
                });
            }
        };
        Ok(TradeLog {
            timestamp: timestamp.to_vec(),
            symbol: symbol.iter().map(|s| s.as_ref().to_string()).collect(),
            notional,
            position: position.map(<[f64]>::to_vec),
            pnl: pnl.to_vec(),
            sector: None,
            factor: None,
        })
    }

    /// Adds a sector column.
    pub fn with_sector<S: AsRef<str>>(mut self, sector: &[S]) -> Result<TradeLog> {
        check_len("sector", sector.len(), self.len())?;
        self.sector = Some(sector.iter().map(|s| s.as_ref().to_string()).collect());
        Ok(self)
    }

    /// Adds the sector column from the policy's registered symbols
    /// (`[symbols.X] sector = "..."`). Every symbol of the log must be
    /// registered with a sector; otherwise an error names the first that is not.
    pub fn with_sectors_from(self, policy: &crate::policy::Policy) -> Result<TradeLog> {
        let mut sector = Vec::with_capacity(self.len());
        for s in &self.symbol {
            match policy.symbols.get(s) {
                Some(spec) => match &spec.sector {
                    Some(sec) => sector.push(sec.clone()),
                    None => {
                        return Err(Error::invalid(
                            "symbols.sector",
                            s,
                            "symbol has no sector in the policy",
                        ));
                    }
                },
                None => {
                    return Err(Error::invalid(
                        "symbol",
                        s,
                        "not registered in the policy's [symbols]",
                    ));
                }
            }
        }
        self.with_sector(&sector)
    }

    /// Adds a factor column.
    pub fn with_factor<S: AsRef<str>>(mut self, factor: &[S]) -> Result<TradeLog> {
        check_len("factor", factor.len(), self.len())?;
        self.factor = Some(factor.iter().map(|s| s.as_ref().to_string()).collect());
        Ok(self)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.timestamp.len()
    }

    /// Whether there are no rows (never true for a constructed log).
    pub fn is_empty(&self) -> bool {
        self.timestamp.is_empty()
    }

    fn scale_rows(&mut self, factor: f64, mut keep: impl FnMut(usize) -> bool) {
        for i in 0..self.len() {
            if keep(i) {
                self.notional[i] *= factor;
                self.pnl[i] *= factor;
                if let Some(p) = self.position.as_mut() {
                    p[i] *= factor;
                }
            }
        }
    }

    /// Row indices grouped by ascending timestamp.
    fn groups(&self) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut start = 0;
        for i in 1..=self.len() {
            if i == self.len() || self.timestamp[i] != self.timestamp[start] {
                out.push(start..i);
                start = i;
            }
        }
        out
    }

    fn order(&self) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..self.len()).collect();
        idx.sort_by_key(|&i| self.timestamp[i]);
        idx
    }
}

/// The nine exposure metrics (seed definitions).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExposureMetrics {
    /// max_t gross_t ÷ capital.
    pub gross_exposure_peak: f64,
    /// mean_t gross_t ÷ capital.
    pub gross_exposure_mean: f64,
    /// mean_t net_t ÷ capital.
    pub net_exposure_mean: f64,
    /// max_t |net_t| ÷ capital.
    pub net_exposure_peak: f64,
    /// mean_t |net_t − net_{t−1}| ÷ capital, first difference 0 (counted).
    pub turnover_rate: f64,
    /// numpy linear percentile of pnl_t at the tail percentile.
    pub tail_return_quantile: f64,
    /// mean of pnl_t ≤ tail_return_quantile.
    pub tail_return_mean: f64,
    /// share of pnl_t ≤ tail_return_quantile.
    pub tail_event_frequency: f64,
    /// max over symbols of max |notional| ÷ capital.
    pub max_symbol_exposure: f64,
}

fn check_capital(capital: f64) -> Result<()> {
    if !(capital.is_finite() && capital > 0.0) {
        return Err(Error::invalid("capital", capital, "must be finite and > 0"));
    }
    Ok(())
}

/// Computes the exposure metrics of a trade log.
///
/// ```
/// use tradewarden_guardrails::exposure::{TradeLog, exposure_metrics};
/// let log = TradeLog::new(&[1, 2, 3, 4, 5], &["AAA", "AAA", "BBB", "BBB", "BBB"], None,
///     Some(&[100.0, -80.0, 120.0, -90.0, 140.0]), Some(&[10.0, 10.5, 9.5, 9.8, 10.2]),
///     &[200.0, -260.0, 150.0, -220.0, 175.0]).unwrap();
/// let m = exposure_metrics(&log, 1000.0, 5.0).unwrap();
/// assert!((m.gross_exposure_peak - 1.428).abs() < 1e-12);
/// assert!((m.turnover_rate - 1.6304).abs() < 1e-12);
/// assert!((m.tail_return_quantile + 252.0).abs() < 1e-9);
/// ```
pub fn exposure_metrics(
    log: &TradeLog,
    capital: f64,
    tail_percentile: f64,
) -> Result<ExposureMetrics> {
    check_capital(capital)?;
    if !(0.0..=100.0).contains(&tail_percentile) {
        return Err(Error::invalid(
            "tail_percentile",
            tail_percentile,
            "must be in [0, 100]",
        ));
    }
    if log.is_empty() {
        return Err(Error::Core(tradewarden_core::Error::Empty {
            param: "trades",
            min: 1,
        }));
    }
    let sorted = sorted_log(log);
    let groups = sorted.groups();
    let k = groups.len() as f64;
    let (mut gpeak, mut gsum, mut nsum, mut npeak, mut tsum) =
        (f64::NEG_INFINITY, 0.0, 0.0, 0.0f64, 0.0);
    let mut prev_net: Option<f64> = None;
    let mut pnl_t = Vec::with_capacity(groups.len());
    for g in &groups {
        let gross: f64 = sorted.notional[g.clone()].iter().map(|x| x.abs()).sum();
        let net: f64 = sorted.notional[g.clone()].iter().sum();
        pnl_t.push(sorted.pnl[g.clone()].iter().sum::<f64>());
        gpeak = gpeak.max(gross);
        gsum += gross;
        nsum += net;
        npeak = npeak.max(net.abs());
        if let Some(p) = prev_net {
            tsum += (net - p).abs();
        }
        prev_net = Some(net);
    }
    let mut s = pnl_t.clone();
    s.sort_by(|a, b| a.total_cmp(b));
    let q = quantile_sorted(&s, tail_percentile / 100.0);
    let tail: Vec<f64> = pnl_t.iter().copied().filter(|&x| x <= q).collect();
    let mut max_sym: BTreeMap<&str, f64> = BTreeMap::new();
    for (sym, x) in log.symbol.iter().zip(&log.notional) {
        let e = max_sym.entry(sym.as_str()).or_insert(0.0);
        *e = e.max(x.abs());
    }
    let msym = max_sym.values().copied().fold(0.0, f64::max);
    Ok(ExposureMetrics {
        gross_exposure_peak: gpeak / capital,
        gross_exposure_mean: gsum / k / capital,
        net_exposure_mean: nsum / k / capital,
        net_exposure_peak: npeak / capital,
        turnover_rate: tsum / k / capital,
        tail_return_quantile: q,
        tail_return_mean: tail.iter().sum::<f64>() / tail.len().max(1) as f64,
        tail_event_frequency: tail.len() as f64 / k,
        max_symbol_exposure: msym / capital,
    })
}

fn sorted_log(log: &TradeLog) -> TradeLog {
    let idx = log.order();
    TradeLog {
        timestamp: idx.iter().map(|&i| log.timestamp[i]).collect(),
        symbol: Vec::new(),
        notional: idx.iter().map(|&i| log.notional[i]).collect(),
        position: None,
        pnl: idx.iter().map(|&i| log.pnl[i]).collect(),
        sector: None,
        factor: None,
    }
}

/// Exposure of each symbol / sector / factor group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Exposures {
    /// Symbol → max |notional| ÷ capital.
    pub symbol: BTreeMap<String, f64>,
    /// Sector → max_t Σ|notional| of its rows ÷ capital.
    pub sector: BTreeMap<String, f64>,
    /// Factor → max_t Σ|notional| of its rows ÷ capital.
    pub factor: BTreeMap<String, f64>,
}

fn group_exposure(log: &TradeLog, keys: &[String], capital: f64) -> BTreeMap<String, f64> {
    // (group, timestamp) → Σ|notional|; then max over timestamps.
    let mut per: BTreeMap<(&str, i64), f64> = BTreeMap::new();
    for ((k, t), x) in keys.iter().zip(&log.timestamp).zip(&log.notional) {
        *per.entry((k.as_str(), *t)).or_insert(0.0) += x.abs();
    }
    let mut out: BTreeMap<String, f64> = BTreeMap::new();
    for ((g, _), v) in per {
        let e = out.entry(g.to_string()).or_insert(0.0);
        *e = e.max(v / capital);
    }
    out
}

fn exposures(log: &TradeLog, capital: f64) -> Exposures {
    let mut symbol: BTreeMap<String, f64> = BTreeMap::new();
    for (s, x) in log.symbol.iter().zip(&log.notional) {
        let e = symbol.entry(s.clone()).or_insert(0.0);
        *e = e.max(x.abs() / capital);
    }
    Exposures {
        symbol,
        sector: log
            .sector
            .as_ref()
            .map(|k| group_exposure(log, k, capital))
            .unwrap_or_default(),
        factor: log
            .factor
            .as_ref()
            .map(|k| group_exposure(log, k, capital))
            .unwrap_or_default(),
    }
}

/// One exposure-policy violation (seed record shape).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExposureViolation {
    /// Rule name, e.g. `gross_exposure_peak`, `symbol_exposure:AAA`.
    pub name: String,
    /// Observed value (NaN when the column is missing).
    pub value: f64,
    /// The limit; `None` when a cap's group column is missing.
    pub threshold: Option<f64>,
    /// Human-readable message.
    pub message: String,
}

/// Result of applying the exposure policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExposureOutcome {
    /// Metrics after clipping.
    pub metrics: ExposureMetrics,
    /// Violations remaining after clipping (all breaches in warn mode).
    pub violations: Vec<ExposureViolation>,
    /// Whether any row was scaled.
    pub scaled: bool,
    /// The (possibly scaled) trades.
    pub trades: TradeLog,
    /// Group exposures after clipping.
    pub exposures: Exposures,
}

fn enabled(limit: Option<f64>) -> Option<f64> {
    limit.filter(|l| *l > 0.0)
}

fn apply_caps(
    log: &mut TradeLog,
    caps: &BTreeMap<String, f64>,
    col: Option<Vec<String>>,
    capital: f64,
    scaled: &mut bool,
) {
    let Some(keys) = col else { return };
    let ex = group_exposure(log, &keys, capital);
    for (g, &cap) in caps {
        if cap <= 0.0 {
            continue;
        }
        if let Some(&v) = ex.get(g)
            && v > cap
        {
            log.scale_rows(cap / v, |i| keys[i] == *g);
            *scaled = true;
        }
    }
}

/// Applies the exposure policy to a trade log: clip (in the seed's order) or
/// warn, then record violations with the documented tolerance.
///
/// ```
/// use tradewarden_guardrails::ExposurePolicy;
/// use tradewarden_guardrails::exposure::{TradeLog, apply_policy};
/// let log = TradeLog::new(&[1, 1, 2, 2], &["AAA", "BBB", "AAA", "BBB"],
///     Some(&[200.0, 40.0, 200.0, 40.0]), None, None, &[1.0, 1.0, 1.0, 1.0]).unwrap();
/// let policy = ExposurePolicy { enabled: true, capital: 200.0, max_gross_exposure: Some(0.5),
///     ..Default::default() };
/// let out = apply_policy(&log, &policy).unwrap();
/// assert!(out.scaled && out.violations.is_empty());
/// assert!((out.metrics.gross_exposure_peak - 0.5).abs() < 1e-12);
/// ```
pub fn apply_policy(log: &TradeLog, p: &ExposurePolicy) -> Result<ExposureOutcome> {
    check_capital(p.capital)?;
    let cap = p.capital;
    let mut t = log.clone();
    let mut scaled = false;
    if p.enabled && p.enforcement == Enforcement::Clip {
        // 1. symbol caps.
        let ex = exposures(&t, cap);
        for (s, &c) in &p.symbol_caps {
            if c > 0.0
                && let Some(&v) = ex.symbol.get(s)
                && v > c
            {
                t.scale_rows(c / v, |i| t_symbol_eq(log, i, s));
                scaled = true;
            }
        }
        // 2. sector then factor caps; a missing group column is an error.
        for (caps, col, name) in [
            (&p.sector_caps, t.sector.clone(), "sector"),
            (&p.factor_caps, t.factor.clone(), "factor"),
        ] {
            if caps.values().any(|c| *c > 0.0) && col.is_none() {
                return Err(Error::MissingColumn {
                    column: if name == "sector" { "sector" } else { "factor" },
                    reason: format!("{name}_caps are set and enforcement is clip"),
                });
            }
            apply_caps(&mut t, caps, col, cap, &mut scaled);
        }
        // 3. gross, net, turnover: scale all rows.
        type Pick = fn(&ExposureMetrics) -> f64;
        let global: [(Option<f64>, Pick); 3] = [
            (p.max_gross_exposure, |m| m.gross_exposure_peak),
            (p.max_net_exposure, |m| m.net_exposure_peak),
            (p.max_turnover, |m| m.turnover_rate),
        ];
        for (limit, pick) in global {
            if let Some(l) = enabled(limit) {
                let v = pick(&exposure_metrics(&t, cap, p.tail_percentile)?);
                if v > l {
                    t.scale_rows(l / v, |_| true);
                    scaled = true;
                }
            }
        }
        // 4. tail floor: scale all rows when 0 < floor/value < 1.
        if let Some(floor) = p.tail_floor {
            let v = exposure_metrics(&t, cap, p.tail_percentile)?.tail_return_quantile;
            let r = floor / v;
            if r > 0.0 && r < 1.0 {
                t.scale_rows(r, |_| true);
                scaled = true;
            }
        }
    }
    let metrics = exposure_metrics(&t, cap, p.tail_percentile)?;
    let ex = exposures(&t, cap);
    let mut violations = Vec::new();
    if p.enabled {
        let tol = p.tolerance;
        let above = |v: f64, l: f64| v > l * (1.0 + tol);
        let mut push = |name: String, value: f64, threshold: Option<f64>, message: String| {
            violations.push(ExposureViolation {
                name,
                value,
                threshold,
                message,
            });
        };
        for (name, limit, v) in [
            (
                "gross_exposure_peak",
                p.max_gross_exposure,
                metrics.gross_exposure_peak,
            ),
            (
                "net_exposure_peak",
                p.max_net_exposure,
                metrics.net_exposure_peak,
            ),
            ("turnover_rate", p.max_turnover, metrics.turnover_rate),
        ] {
            if let Some(l) = enabled(limit)
                && above(v, l)
            {
                push(
                    name.into(),
                    v,
                    Some(l),
                    format!("{name} {v:.6} exceeds limit {l:.6}"),
                );
            }
        }
        if let Some(f) = p.tail_floor {
            let v = metrics.tail_return_quantile;
            if v < f - f.abs() * tol {
                push(
                    "tail_return_quantile".into(),
                    v,
                    Some(f),
                    format!("tail_return_quantile {v:.6} below floor {f:.6}"),
                );
            }
        }
        if let Some(l) = enabled(p.max_tail_frequency) {
            let v = metrics.tail_event_frequency;
            if above(v, l) {
                push(
                    "tail_event_frequency".into(),
                    v,
                    Some(l),
                    format!("tail_event_frequency {v:.6} exceeds limit {l:.6}"),
                );
            }
        }
        for (kind, caps, values, has_col) in [
            ("symbol", &p.symbol_caps, &ex.symbol, true),
            ("sector", &p.sector_caps, &ex.sector, t.sector.is_some()),
            ("factor", &p.factor_caps, &ex.factor, t.factor.is_some()),
        ] {
            if !has_col {
                if caps.values().any(|c| *c > 0.0) {
                    push(
                        format!("{kind}_caps"),
                        f64::NAN,
                        None,
                        format!("{kind}_caps set but the trade log has no {kind} column"),
                    );
                }
                continue;
            }
            for (g, &c) in caps {
                if c <= 0.0 {
                    continue;
                }
                if let Some(&v) = values.get(g)
                    && above(v, c)
                {
                    push(
                        format!("{kind}_exposure:{g}"),
                        v,
                        Some(c),
                        format!("{kind} exposure {g} {v:.6} exceeds cap {c:.6}"),
                    );
                }
            }
        }
        telemetry::record_violations(violations.iter().map(|v| match v.name.split(':').next() {
            Some("symbol_exposure") => "symbol_exposure",
            Some("sector_exposure") => "sector_exposure",
            Some("factor_exposure") => "factor_exposure",
            Some("gross_exposure_peak") => "gross_exposure_peak",
            Some("net_exposure_peak") => "net_exposure_peak",
            Some("turnover_rate") => "turnover_rate",
            Some("tail_return_quantile") => "tail_return_quantile",
            Some("tail_event_frequency") => "tail_event_frequency",
            Some("sector_caps") => "sector_caps",
            Some("factor_caps") => "factor_caps",
            _ => "other",
        }));
    }
    Ok(ExposureOutcome {
        metrics,
        violations,
        scaled,
        trades: t,
        exposures: ex,
    })
}

fn t_symbol_eq(log: &TradeLog, i: usize, s: &str) -> bool {
    log.symbol[i] == s
}

// ------------------------------------------------------------ Arrow input ---

/// Column names of a trade log in Arrow record batches (the seed lets every
/// name be configured). Defaults: `timestamp`, `symbol`, `notional`,
/// `position`, `price`, `pnl`, `sector`, `factor`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TradeLogColumns {
    /// Integer, `Timestamp(_)`, `Date32` or `Date64` column; only equality and
    /// order matter (values are kept in the column's own unit).
    pub timestamp: String,
    /// String column (Utf8, LargeUtf8 or Utf8View).
    pub symbol: String,
    /// Signed notional; when absent, `position × price` is used.
    pub notional: String,
    /// Signed position (optional unless `notional` is absent).
    pub position: String,
    /// Price (needed only when `notional` is absent).
    pub price: String,
    /// P&L per row.
    pub pnl: String,
    /// Optional sector column (string).
    pub sector: String,
    /// Optional factor column (string).
    pub factor: String,
}

impl Default for TradeLogColumns {
    fn default() -> Self {
        TradeLogColumns {
            timestamp: "timestamp".into(),
            symbol: "symbol".into(),
            notional: "notional".into(),
            position: "position".into(),
            price: "price".into(),
            pnl: "pnl".into(),
            sector: "sector".into(),
            factor: "factor".into(),
        }
    }
}

fn arrow_ints(a: &dyn arrow_array::Array, param: &'static str, out: &mut Vec<i64>) -> Result<()> {
    out.extend(tradewarden_core::io::time_values(a, param)?);
    Ok(())
}

fn arrow_strings(
    a: &dyn arrow_array::Array,
    param: &'static str,
    out: &mut Vec<String>,
) -> Result<()> {
    if a.null_count() > 0 {
        return Err(Error::invalid(
            param,
            format!("{} nulls", a.null_count()),
            "must not be null",
        ));
    }
    let v = tradewarden_core::io::str_values(a, param)?;
    out.extend(v.into_iter().map(|s| s.unwrap_or_default().to_string()));
    Ok(())
}

impl TradeLog {
    /// Builds a trade log from Arrow record batches (concatenated in order).
    ///
    /// `timestamp`, `symbol` and `pnl` are required; `notional` is used when
    /// present, else `position × price` (both required then); `position`,
    /// `sector` and `factor` are picked up when present. Numeric columns may
    /// be float64/float32/int64/int32; a null or non-finite number is an
    /// error naming the column, as is a missing required column
    /// ([`Error::MissingColumn`]) or a column of the wrong type.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
    /// use tradewarden_guardrails::exposure::{TradeLog, TradeLogColumns};
    /// let batch = RecordBatch::try_from_iter([
    ///     ("timestamp", Arc::new(Int64Array::from(vec![1, 1, 2])) as ArrayRef),
    ///     ("symbol", Arc::new(StringArray::from(vec!["A", "B", "A"])) as ArrayRef),
    ///     ("notional", Arc::new(Float64Array::from(vec![10.0, -5.0, 8.0])) as ArrayRef),
    ///     ("pnl", Arc::new(Float64Array::from(vec![0.5, -0.1, 0.2])) as ArrayRef),
    /// ]).unwrap();
    /// let log = TradeLog::from_batches(&[batch], &TradeLogColumns::default()).unwrap();
    /// assert_eq!(log.len(), 3);
    /// assert_eq!(log.symbol[1], "B");
    /// ```
    pub fn from_batches(
        batches: &[arrow_array::RecordBatch],
        columns: &TradeLogColumns,
    ) -> Result<TradeLog> {
        use tradewarden_core::io::as_f64;
        let Some(first) = batches.first() else {
            return Err(Error::Core(tradewarden_core::Error::Empty {
                param: "batches",
                min: 1,
            }));
        };
        let schema = first.schema();
        let has = |name: &str| schema.index_of(name).is_ok();
        let need = |param: &'static str, name: &str| -> Result<()> {
            if has(name) {
                Ok(())
            } else {
                Err(Error::MissingColumn {
                    column: param,
                    reason: format!(
                        "no column named {name:?} in the record batches (available: {})",
                        schema
                            .fields()
                            .iter()
                            .map(|f| f.name().as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                })
            }
        };
        need("timestamp", &columns.timestamp)?;
        need("symbol", &columns.symbol)?;
        need("pnl", &columns.pnl)?;
        let use_notional = has(&columns.notional);
        if !use_notional {
            need("position", &columns.position)?;
            need("price", &columns.price)?;
        }
        let with_position = has(&columns.position);
        let with_sector = has(&columns.sector);
        let with_factor = has(&columns.factor);
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        let mut ts = Vec::with_capacity(rows);
        let mut sym = Vec::with_capacity(rows);
        let (mut notional, mut position, mut price, mut pnl) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::with_capacity(rows));
        let (mut sector, mut factor) = (Vec::new(), Vec::new());
        for b in batches {
            let col = |param: &'static str, name: &str| {
                b.column_by_name(name).ok_or_else(|| Error::MissingColumn {
                    column: param,
                    reason: format!("column {name:?} missing from a later record batch"),
                })
            };
            arrow_ints(
                col("timestamp", &columns.timestamp)?.as_ref(),
                "timestamp",
                &mut ts,
            )?;
            arrow_strings(col("symbol", &columns.symbol)?.as_ref(), "symbol", &mut sym)?;
            pnl.extend_from_slice(&as_f64(col("pnl", &columns.pnl)?.as_ref(), "pnl")?);
            if use_notional {
                notional.extend_from_slice(&as_f64(
                    col("notional", &columns.notional)?.as_ref(),
                    "notional",
                )?);
            } else {
                price.extend_from_slice(&as_f64(col("price", &columns.price)?.as_ref(), "price")?);
            }
            if with_position {
                position.extend_from_slice(&as_f64(
                    col("position", &columns.position)?.as_ref(),
                    "position",
                )?);
            }
            if with_sector {
                arrow_strings(
                    col("sector", &columns.sector)?.as_ref(),
                    "sector",
                    &mut sector,
                )?;
            }
            if with_factor {
                arrow_strings(
                    col("factor", &columns.factor)?.as_ref(),
                    "factor",
                    &mut factor,
                )?;
            }
        }
        let mut log = TradeLog::new(
            &ts,
            &sym,
            use_notional.then_some(notional.as_slice()),
            with_position.then_some(position.as_slice()),
            (!use_notional).then_some(price.as_slice()),
            &pnl,
        )?;
        if with_sector {
            log = log.with_sector(&sector)?;
        }
        if with_factor {
            log = log.with_factor(&factor)?;
        }
        Ok(log)
    }
}
