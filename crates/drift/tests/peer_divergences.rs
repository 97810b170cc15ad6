//! KL divergence, Hellinger distance and the two-proportion z-test against
//! values computed by the peers themselves (scipy 1.17.1 `entropy` /
//! `euclidean`, statsmodels 0.14.4 `proportions_ztest`):
//! `tests/data/peer_divergences.json`, written by
//! `tests/data/make_peer_divergences.py`. Tolerance: 1e-12 relative (the
//! sums may associate differently), KL = +inf exactly where scipy's is.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tradewarden_drift::distance::{hellinger, kl_divergence};
use tradewarden_drift::tests::proportions_ztest;

fn refs() -> Value {
    serde_json::from_str(include_str!("data/peer_divergences.json")).unwrap()
}

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) if s == "inf" => f64::INFINITY,
        v => v.as_f64().unwrap(),
    }
}

fn close(what: &str, got: f64, want: f64) {
    if want.is_infinite() {
        assert_eq!(got, want, "{what}");
        return;
    }
    let tol = 1e-12 * want.abs().max(1e-300) + 1e-15;
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:e}, scipy/statsmodels {want:e}"
    );
}

fn vec_of(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

#[test]
fn kl_and_hellinger_equal_scipy() {
    let r = refs();
    let rows = r["divergences"].as_array().unwrap();
    assert!(rows.len() >= 9);
    for (i, row) in rows.iter().enumerate() {
        let (p, q) = (vec_of(&row["p"]), vec_of(&row["q"]));
        close(
            &format!("hellinger #{i}"),
            hellinger(&p, &q).unwrap(),
            num(&row["hellinger"]),
        );
        for (key, base) in [
            ("kl_base_None", None),
            ("kl_base_2.0", Some(2.0)),
            ("kl_base_10.0", Some(10.0)),
        ] {
            close(
                &format!("{key} #{i}"),
                kl_divergence(&p, &q, base).unwrap(),
                num(&row[key]),
            );
        }
    }
}

#[test]
fn proportions_ztest_equals_statsmodels() {
    let r = refs();
    let rows = r["ztests"].as_array().unwrap();
    assert!(rows.len() >= 5);
    for row in rows {
        let g = |k: &str| row[k].as_u64().unwrap();
        let z = proportions_ztest(g("x1"), g("n1"), g("x2"), g("n2")).unwrap();
        let what = format!("{row}");
        close(&format!("z {what}"), z.statistic, num(&row["z"]));
        close(&format!("p {what}"), z.pvalue, num(&row["p"]));
    }
}
