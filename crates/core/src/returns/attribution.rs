//! P&L attribution by symbol and by regime, as Market NN Plus Ultra's
//! report computes it (seed-behaviour.md, "Attribution"): each symbol's
//! share of the summed returns, and per `regime__*` column the performance
//! of each regime label. Formulas in docs/conventions.md, "Attribution".
//!
//! Rows whose return is NaN are left out (the seed's `dropna`); a row whose
//! regime label is missing is left out of that regime column only. The
//! regime rows' Sharpe ratio is the seed's per-period `mean / std₀` (population
//! standard deviation, not annualised) without its `+1e-6` guard: a constant
//! group has a NaN Sharpe, not a huge one.
//!
//! ```
//! use tradewarden_core::returns::attribution::{by_regime, by_symbol};
//! let symbols = ["AAA", "BBB", "AAA", "BBB"];
//! let r = [0.02, -0.01, 0.01, 0.05];
//! let rows = by_symbol(&symbols, &r).unwrap();
//! assert_eq!(rows[0].symbol, "BBB"); // largest summed return first: 0.04 of 0.07
//! assert!((rows[0].contribution - 4.0 / 7.0).abs() < 1e-12 && (rows[1].contribution - 3.0 / 7.0).abs() < 1e-12);
//! let trend = [Some("up"), Some("down"), None, Some("up")];
//! let groups = by_regime(&[("regime__trend", &trend[..])], &r).unwrap();
//! assert_eq!(groups[0].name, "trend");
//! assert_eq!((groups[0].rows[0].label.as_str(), groups[0].rows[0].samples), ("up", 2));
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The prefix that marks a regime column.
pub const REGIME_PREFIX: &str = "regime__";

/// One symbol's attribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SymbolAttribution {
    /// The symbol.
    pub symbol: String,
    /// Rows with a finite return.
    pub samples: usize,
    /// `samples / Σ samples`.
    pub sample_weight: f64,
    /// Mean return.
    pub average_return: f64,
    /// Summed return (the seed's additive "cumulative" P&L).
    pub cumulative_return: f64,
    /// `cumulative_return / Σ cumulative_return` over all symbols; 0 when the
    /// total is 0 (the seed's rule).
    pub contribution: f64,
}

/// One regime label's performance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegimeAttribution {
    /// The label.
    pub label: String,
    /// Rows with this label and a finite return.
    pub samples: usize,
    /// `samples / (rows with a finite return)` — the seed's denominator, so a
    /// column with missing labels sums to less than 1.
    pub sample_weight: f64,
    /// Mean return.
    pub average_return: f64,
    /// Summed return.
    pub cumulative_return: f64,
    /// Per-period `mean / std₀` (NaN for a constant group).
    pub sharpe: f64,
    /// Share of returns > 0.
    pub hit_rate: f64,
}

/// The attribution of one regime column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegimeGroup {
    /// The column's name without the `regime__` prefix (the whole name when
    /// that leaves nothing, as the seed).
    pub name: String,
    /// One row per label, most samples first (ties: label order).
    pub rows: Vec<RegimeAttribution>,
}

fn check_returns(returns: &[f64]) -> Result<()> {
    if let Some(i) = returns.iter().position(|r| r.is_infinite()) {
        return Err(Error::invalid(
            "returns",
            returns[i],
            format!("must be finite or NaN (row {i})"),
        ));
    }
    Ok(())
}

fn same_len(n: usize, m: usize, param: &'static str) -> Result<()> {
    if n != m {
        return Err(Error::LengthMismatch {
            param,
            actual: m,
            other: "returns",
            expected: n,
        });
    }
    Ok(())
}

#[derive(Default)]
struct Acc {
    n: usize,
    sum: f64,
    sum_sq_dev: f64,
    mean: f64,
    positive: usize,
}

impl Acc {
    fn push(&mut self, r: f64) {
        self.n += 1;
        self.sum += r;
        // Welford: the population variance without cancellation
        let d = r - self.mean;
        self.mean += d / self.n as f64;
        self.sum_sq_dev += d * (r - self.mean);
        if r > 0.0 {
            self.positive += 1;
        }
    }

    fn average(&self) -> f64 {
        self.sum / self.n as f64
    }
}

/// Attribution by symbol: one row per symbol with at least one finite
/// return, largest summed return first (ties: symbol order).
///
/// Errors: `symbols` and `returns` of different lengths; an infinite return.
pub fn by_symbol<S: AsRef<str>>(symbols: &[S], returns: &[f64]) -> Result<Vec<SymbolAttribution>> {
    same_len(returns.len(), symbols.len(), "symbols")?;
    symbol_rows(symbols.iter().map(|s| Some(s.as_ref())), returns)
}

/// [`by_symbol`] where a symbol may be missing (`None`): such rows are left
/// out, as the seed's `groupby` leaves out a missing key.
pub fn by_symbol_with_missing(
    symbols: &[Option<&str>],
    returns: &[f64],
) -> Result<Vec<SymbolAttribution>> {
    same_len(returns.len(), symbols.len(), "symbols")?;
    symbol_rows(symbols.iter().copied(), returns)
}

fn symbol_rows<'a>(
    symbols: impl Iterator<Item = Option<&'a str>>,
    returns: &[f64],
) -> Result<Vec<SymbolAttribution>> {
    check_returns(returns)?;
    let mut acc: BTreeMap<&str, Acc> = BTreeMap::new();
    for (s, &r) in symbols.zip(returns) {
        if let (Some(s), false) = (s, r.is_nan()) {
            acc.entry(s).or_default().push(r);
        }
    }
    let total: f64 = acc.values().map(|a| a.sum).sum();
    let n: usize = acc.values().map(|a| a.n).sum();
    let mut rows: Vec<SymbolAttribution> = acc
        .into_iter()
        .map(|(s, a)| SymbolAttribution {
            symbol: s.to_string(),
            samples: a.n,
            sample_weight: a.n as f64 / n as f64,
            average_return: a.average(),
            cumulative_return: a.sum,
            contribution: if total != 0.0 { a.sum / total } else { 0.0 },
        })
        .collect();
    rows.sort_by(|a, b| b.cumulative_return.total_cmp(&a.cumulative_return));
    Ok(rows)
}

/// Attribution by regime: for each column (`name`, one label per row,
/// `None` = missing), in name order, the rows of each label. Columns are
/// given by their full name; the group is named without the `regime__`
/// prefix. A column with no labelled finite row gives no group.
///
/// Errors: a column whose length differs from `returns`; two columns with
/// the same name; an infinite return.
pub fn by_regime<S: AsRef<str>>(
    columns: &[(S, &[Option<&str>])],
    returns: &[f64],
) -> Result<Vec<RegimeGroup>> {
    check_returns(returns)?;
    let finite = returns.iter().filter(|r| !r.is_nan()).count();
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by(|&a, &b| columns[a].0.as_ref().cmp(columns[b].0.as_ref()));
    let mut groups = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        let (name, labels) = (&columns[i].0, columns[i].1);
        let name = name.as_ref();
        if k > 0 && columns[order[k - 1]].0.as_ref() == name {
            return Err(Error::invalid(
                "columns",
                format!("{name:?}"),
                "a regime column is given twice",
            ));
        }
        same_len(returns.len(), labels.len(), "columns")?;
        let mut acc: BTreeMap<&str, Acc> = BTreeMap::new();
        for (l, &r) in labels.iter().zip(returns) {
            if let (Some(l), false) = (l, r.is_nan()) {
                acc.entry(l).or_default().push(r);
            }
        }
        if acc.is_empty() {
            continue;
        }
        let mut rows: Vec<RegimeAttribution> = acc
            .into_iter()
            .map(|(l, a)| {
                let std0 = (a.sum_sq_dev / a.n as f64).sqrt();
                RegimeAttribution {
                    label: l.to_string(),
                    samples: a.n,
                    sample_weight: a.n as f64 / finite as f64,
                    average_return: a.average(),
                    cumulative_return: a.sum,
                    sharpe: if std0 > 0.0 { a.mean / std0 } else { f64::NAN },
                    hit_rate: a.positive as f64 / a.n as f64,
                }
            })
            .collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.samples));
        let short = name.strip_prefix(REGIME_PREFIX).unwrap_or(name);
        groups.push(RegimeGroup {
            name: if short.is_empty() { name } else { short }.to_string(),
            rows,
        });
    }
    Ok(groups)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn symbol_shares_sum_to_one_and_nan_rows_are_left_out() {
        let s = ["A", "B", "C", "A", "B", "C", "A"];
        let r = [0.01, 0.02, -0.005, f64::NAN, 0.01, 0.0, 0.03];
        let rows = by_symbol(&s, &r).unwrap();
        assert_eq!(
            rows.iter().map(|x| x.symbol.as_str()).collect::<Vec<_>>(),
            ["A", "B", "C"]
        );
        let a = &rows[0];
        assert_eq!((a.samples, a.cumulative_return), (2, 0.01 + 0.03));
        assert!((a.average_return - 0.02).abs() < 1e-15);
        assert!((a.sample_weight - 2.0 / 6.0).abs() < 1e-15);
        let total = 0.04 + 0.03 - 0.005;
        assert!((a.contribution - 0.04 / total).abs() < 1e-15);
        let sum: f64 = rows.iter().map(|x| x.contribution).sum();
        assert!((sum - 1.0).abs() < 1e-12);
        // a zero total gives zero contributions (the seed's rule), not NaN
        let z = by_symbol(&["A", "B"], &[0.01, -0.01]).unwrap();
        assert!(z.iter().all(|x| x.contribution == 0.0));
        // only NaN: no rows
        assert!(by_symbol(&["A"], &[f64::NAN]).unwrap().is_empty());
        // a missing symbol leaves its row out of every share
        let m = by_symbol_with_missing(&[Some("A"), None, Some("B")], &[0.01, 0.5, 0.03]).unwrap();
        assert_eq!(m.len(), 2);
        assert!(
            (m[0].contribution - 0.75).abs() < 1e-12 && (m[0].sample_weight - 0.5).abs() < 1e-15
        );
    }

    #[test]
    fn regime_rows_follow_the_seed() {
        let r = [0.01, -0.02, 0.03, f64::NAN, 0.02, 0.0];
        let vol = [
            Some("high"),
            Some("high"),
            Some("low"),
            Some("low"),
            None,
            Some("high"),
        ];
        let trend = [Some("up"); 6];
        let g = by_regime(&[("regime__vol", &vol[..]), ("regime__", &trend[..])], &r).unwrap();
        assert_eq!(g.len(), 2);
        // name order: "regime__" < "regime__vol"; an empty suffix keeps the full name
        assert_eq!(
            (g[0].name.as_str(), g[1].name.as_str()),
            ("regime__", "vol")
        );
        let high = &g[1].rows[0];
        assert_eq!((high.label.as_str(), high.samples), ("high", 3));
        assert!((high.sample_weight - 3.0 / 5.0).abs() < 1e-15);
        let m = (0.01 - 0.02 + 0.0) / 3.0;
        let std0 =
            (((0.01f64 - m).powi(2) + (-0.02f64 - m).powi(2) + (0.0f64 - m).powi(2)) / 3.0).sqrt();
        assert!((high.sharpe - m / std0).abs() < 1e-12);
        assert!((high.hit_rate - 1.0 / 3.0).abs() < 1e-15);
        let low = &g[1].rows[1];
        assert_eq!(low.samples, 1);
        assert!(low.sharpe.is_nan(), "a one-value group has no Sharpe");
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        assert!(matches!(
            by_symbol(&["A"], &[0.1, 0.2]).unwrap_err(),
            Error::LengthMismatch {
                param: "symbols",
                ..
            }
        ));
        assert!(matches!(
            by_symbol(&["A", "B"], &[0.1, f64::INFINITY]).unwrap_err(),
            Error::InvalidParameter {
                param: "returns",
                ..
            }
        ));
        let l = [Some("x")];
        assert!(matches!(
            by_regime(&[("regime__a", &l[..])], &[0.1, 0.2]).unwrap_err(),
            Error::LengthMismatch {
                param: "columns",
                ..
            }
        ));
        assert!(matches!(
            by_regime(&[("regime__a", &l[..]), ("regime__a", &l[..])], &[0.1]).unwrap_err(),
            Error::InvalidParameter {
                param: "columns",
                ..
            }
        ));
    }
}
