//! Hypothesis tests for categorical and binary features: χ² on contingency
//! tables (as `scipy.stats.chi2_contingency`) and the two-proportion z-test.
//! Mann–Whitney U lives in `tradewarden_core::stats::mannwhitney` (shared
//! with the canary judge) and is re-exported here.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::error::{Error, Result};

pub use tradewarden_core::stats::mannwhitney::{
    MannWhitneyU, MwuAlternative, MwuMethod, mannwhitneyu,
};

/// Result of a χ² test of independence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Chi2Result {
    /// The χ² statistic.
    pub statistic: f64,
    /// p-value, P(χ²_dof > statistic).
    pub pvalue: f64,
    /// Degrees of freedom (r−1)(c−1).
    pub dof: usize,
}

/// χ² test of independence on an r×c table of counts, as
/// `scipy.stats.chi2_contingency(observed, correction)`: expected =
/// row·col/total; with dof = 1 and `correction`, Yates' correction moves each
/// observed count towards its expectation by min(0.5, |o − e|).
///
/// ```
/// use tradewarden_drift::tests::chi2_contingency;
/// let r = chi2_contingency(&[vec![10.0, 20.0], vec![20.0, 10.0]], true).unwrap();
/// assert_eq!(r.dof, 1);
/// assert!((r.statistic - 5.4).abs() < 1e-12);
/// ```
pub fn chi2_contingency(observed: &[Vec<f64>], correction: bool) -> Result<Chi2Result> {
    let c = observed.first().map_or(0, Vec::len);
    for (i, row) in observed.iter().enumerate() {
        if row.len() != c {
            return Err(Error::invalid(
                "observed",
                format!("row {i} has {} columns", row.len()),
                "rows must have equal length",
            ));
        }
    }
    let flat: Vec<f64> = observed.iter().flatten().copied().collect();
    chi2_contingency_table(&flat, observed.len(), correction).map(|(r, _)| r)
}

/// [`chi2_contingency`] of a row-major table of `n_rows` rows (the columns
/// are `observed.len() / n_rows`), with scipy's `expected_freq` (row-major,
/// the table's shape: row sum · column sum / total): what
/// `scipy.stats.chi2_contingency` returns, without a table of rows.
///
/// # Errors
/// An empty table, a length that is not a whole number of rows, a count
/// that is negative or not finite (all naming `observed`), an expected
/// frequency of 0.
///
/// ```
/// use tradewarden_drift::tests::chi2_contingency_table;
/// let (r, expected) = chi2_contingency_table(&[10.0, 20.0, 20.0, 10.0], 2, true).unwrap();
/// assert_eq!((r.dof, expected), (1, vec![15.0; 4]));
/// assert!((r.statistic - 5.4).abs() < 1e-12);
/// ```
pub fn chi2_contingency_table(
    observed: &[f64],
    n_rows: usize,
    correction: bool,
) -> Result<(Chi2Result, Vec<f64>)> {
    if n_rows == 0 || observed.is_empty() {
        return Err(Error::invalid(
            "observed",
            "empty table",
            "needs at least one row and one column",
        ));
    }
    if !observed.len().is_multiple_of(n_rows) {
        return Err(Error::invalid(
            "observed",
            format!("{} counts in {n_rows} rows", observed.len()),
            "rows must have equal length",
        ));
    }
    let r = n_rows;
    let c = observed.len() / r;
    if let Some(&v) = observed.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
        return Err(Error::invalid(
            "observed",
            v,
            "counts must be finite and non-negative",
        ));
    }
    let rows: Vec<f64> = observed
        .chunks_exact(c)
        .map(|row| row.iter().sum())
        .collect();
    let mut cols = vec![0.0; c];
    for row in observed.chunks_exact(c) {
        for (s, &v) in cols.iter_mut().zip(row) {
            *s += v;
        }
    }
    let total: f64 = rows.iter().sum();
    let dof = (r - 1) * (c - 1);
    let yates = dof == 1 && correction;
    let mut stat = 0.0;
    let mut expected = Vec::with_capacity(observed.len());
    for (row, &rs) in observed.chunks_exact(c).zip(&rows) {
        for (&o, &cs) in row.iter().zip(&cols) {
            let e = rs * cs / total;
            if !(e > 0.0) {
                return Err(Error::Degenerate {
                    param: "observed",
                    reason: "an expected frequency is zero (empty row or column)",
                });
            }
            let mut o = o;
            if yates {
                let d = e - o;
                o += d.signum() * d.abs().min(0.5);
            }
            stat += (o - e) * (o - e) / e;
            expected.push(e);
        }
    }
    if dof == 0 {
        let r = Chi2Result {
            statistic: 0.0,
            pvalue: 1.0,
            dof,
        };
        return Ok((r, expected));
    }
    let dist =
        ChiSquared::new(dof as f64).map_err(|_| Error::invalid("dof", dof, "must be positive"))?;
    let r = Chi2Result {
        statistic: stat,
        pvalue: dist.sf(stat),
        dof,
    };
    Ok((r, expected))
}

/// Result of [`proportions_ztest`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ZTestResult {
    /// z = (p1 − p2)/se with the pooled standard error.
    pub statistic: f64,
    /// Two-sided p-value 2·Φ(−|z|).
    pub pvalue: f64,
}

/// Two-sample z-test for proportions (pooled variance, two-sided; as
/// statsmodels `proportions_ztest` defaults): p = (x1+x2)/(n1+n2),
/// se = sqrt(p(1−p)(1/n1 + 1/n2)). Identical proportions give z = 0, p = 1.
pub fn proportions_ztest(
    successes1: u64,
    n1: u64,
    successes2: u64,
    n2: u64,
) -> Result<ZTestResult> {
    if n1 == 0 {
        return Err(Error::TooFewValues {
            param: "n1",
            actual: 0,
            min: 1,
        });
    }
    if n2 == 0 {
        return Err(Error::TooFewValues {
            param: "n2",
            actual: 0,
            min: 1,
        });
    }
    if successes1 > n1 {
        return Err(Error::invalid("successes1", successes1, "must be ≤ n1"));
    }
    if successes2 > n2 {
        return Err(Error::invalid("successes2", successes2, "must be ≤ n2"));
    }
    let (p1, p2) = (successes1 as f64 / n1 as f64, successes2 as f64 / n2 as f64);
    let p = (successes1 + successes2) as f64 / (n1 + n2) as f64;
    let se = (p * (1.0 - p) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    if se == 0.0 {
        return Ok(ZTestResult {
            statistic: 0.0,
            pvalue: 1.0,
        });
    }
    let z = (p1 - p2) / se;
    Ok(ZTestResult {
        statistic: z,
        pvalue: (2.0 * tradewarden_core::stats::norm_sf(z.abs())).min(1.0),
    })
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn bad_tables() {
        assert!(matches!(
            chi2_contingency(&[], true),
            Err(Error::InvalidParameter {
                param: "observed",
                ..
            })
        ));
        assert!(matches!(
            chi2_contingency(&[vec![1.0, -1.0], vec![1.0, 1.0]], true),
            Err(Error::InvalidParameter {
                param: "observed",
                ..
            })
        ));
        assert!(matches!(
            chi2_contingency(&[vec![1.0, 2.0], vec![1.0]], true),
            Err(Error::InvalidParameter {
                param: "observed",
                ..
            })
        ));
        assert!(matches!(
            chi2_contingency(&[vec![0.0, 0.0], vec![1.0, 2.0]], true),
            Err(Error::Degenerate { .. })
        ));
        let same = chi2_contingency(&[vec![5.0, 7.0], vec![5.0, 7.0]], true).unwrap();
        assert_eq!((same.statistic, same.pvalue), (0.0, 1.0));
    }

    #[test]
    fn table_form_is_the_rows_form_with_scipys_expected() {
        // scipy.stats.chi2_contingency([[12, 5, 7], [3, 9, 14]]):
        // statistic 8.810286935286934, dof 2, expected [[7.2, 6.72, 10.08], [7.8, 7.28, 10.92]]
        let rows = [vec![12.0, 5.0, 7.0], vec![3.0, 9.0, 14.0]];
        let flat: Vec<f64> = rows.iter().flatten().copied().collect();
        let (t, expected) = chi2_contingency_table(&flat, 2, true).unwrap();
        assert_eq!(t, chi2_contingency(&rows, true).unwrap());
        assert_eq!(t.dof, 2);
        assert!(
            (t.statistic - 8.810_286_935_286_934).abs() < 1e-12,
            "{}",
            t.statistic
        );
        let want = [7.2, 6.72, 10.08, 7.8, 7.28, 10.92];
        for (e, w) in expected.iter().zip(want) {
            assert!((e - w).abs() < 1e-12, "{e} vs {w}");
        }
        // Yates on 2 x 2, one column
        let (y, e) = chi2_contingency_table(&[10.0, 20.0, 20.0, 10.0], 2, true).unwrap();
        assert!((y.statistic - 5.4).abs() < 1e-12);
        assert_eq!(e, vec![15.0; 4]);
        let (one, e) = chi2_contingency_table(&[3.0, 4.0], 2, true).unwrap();
        assert_eq!(
            (one.statistic, one.pvalue, one.dof, e.len()),
            (0.0, 1.0, 0, 2)
        );
        for (v, n) in [
            (&[][..], 1),
            (&[1.0, 2.0][..], 0),
            (&[1.0, 2.0, 3.0][..], 2),
        ] {
            assert!(
                matches!(
                    chi2_contingency_table(v, n, true),
                    Err(Error::InvalidParameter {
                        param: "observed",
                        ..
                    })
                ),
                "{v:?} in {n} rows"
            );
        }
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            assert!(chi2_contingency_table(&[1.0, bad, 2.0, 3.0], 2, true).is_err());
        }
    }

    #[test]
    fn ztest() {
        let r = proportions_ztest(30, 100, 30, 100).unwrap();
        assert_eq!((r.statistic, r.pvalue), (0.0, 1.0));
        // statsmodels proportions_ztest([30, 45], [100, 100]) -> z = -2.1908902300206647 (pooled formula)
        let r = proportions_ztest(30, 100, 45, 100).unwrap();
        assert!(
            (r.statistic + 2.190_890_230_020_664_7).abs() < 1e-9,
            "{}",
            r.statistic
        );
        assert!(matches!(
            proportions_ztest(1, 0, 1, 1),
            Err(Error::TooFewValues { param: "n1", .. })
        ));
        assert!(matches!(
            proportions_ztest(5, 4, 1, 1),
            Err(Error::InvalidParameter {
                param: "successes1",
                ..
            })
        ));
    }
}
