//! `Profile::fit_features` (parallel over columns) equals fitting each
//! column on its own, keeps the last of two columns with one name, and
//! reports the first failing column in input order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tradewarden_drift::profile::{
    CategoricalProfile, FeatureProfile, NumericProfile, Profile, ProfileOptions,
};
use tradewarden_drift::report::FeatureData;

#[test]
fn parallel_fit_equals_column_by_column() {
    let cols: Vec<Vec<f64>> = (0..12)
        .map(|c| {
            (0..5000)
                .map(|i| ((i * (c + 3)) % 997) as f64 / 10.0)
                .collect()
        })
        .collect();
    let names: Vec<String> = (0..12).map(|c| format!("f{c}")).collect();
    let cats = [Some("a"), Some("b"), None, Some("a")];
    let mut data: Vec<(&str, FeatureData<'_>)> = names
        .iter()
        .zip(&cols)
        .map(|(n, c)| (n.as_str(), FeatureData::Numeric(c)))
        .collect();
    data.push(("side", FeatureData::Categorical(&cats)));
    data.push(("f0", FeatureData::Numeric(&cols[5]))); // replaces the first f0
    let o = ProfileOptions::default();
    let p = Profile::fit_features(&data, &o).unwrap();
    let mut want = Profile::new();
    for (n, d) in &data {
        let f = match d {
            FeatureData::Numeric(x) => FeatureProfile::Numeric(NumericProfile::fit(x, &o).unwrap()),
            FeatureData::Categorical(x) => {
                FeatureProfile::Categorical(CategoricalProfile::fit(x).unwrap())
            }
        };
        want.insert(*n, f);
    }
    assert_eq!(p, want);
    assert_eq!(p.numeric("f0").unwrap(), want.numeric("f0").unwrap());
}

#[test]
fn first_failing_column_in_input_order_is_reported() {
    let good: Vec<f64> = (0..100).map(f64::from).collect();
    let nan = [1.0, f64::NAN, 2.0];
    let short = [1.0];
    let data = [
        ("ok", FeatureData::Numeric(&good)),
        ("has_nan", FeatureData::Numeric(&nan)),
        ("too_short", FeatureData::Numeric(&short)),
    ];
    for _ in 0..20 {
        let e = Profile::fit_features(&data, &ProfileOptions::default()).unwrap_err();
        assert!(
            e.to_string().contains("NaN") || e.to_string().to_lowercase().contains("finite"),
            "{e}"
        );
    }
}
