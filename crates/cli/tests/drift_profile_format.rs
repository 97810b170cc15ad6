//! `drift profile fit/show` and `drift report --profile` with both profile
//! forms (issue 21): `--out p.json` writes checksummed JSON, `--out p.bin`
//! the binary form; every reader detects the form by content, so a JSON
//! profile written by the library (Python's `Profile.to_json`) is accepted,
//! and a tampered one is refused with a one-line error, exit 4.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{run, s, write_columns};

use serde_json::Value;
use tradewarden_drift::profile::{Profile, ProfileOptions};
use tradewarden_drift::report::FeatureData;

fn json(args: &[&str], code: i32) -> Value {
    let (out, err) = run(args, code);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"))
}

/// Deterministic values with 17 significant digits (a lossy float parser
/// would change some of them).
fn series(n: usize, k: u64) -> Vec<f64> {
    let mut x = k.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64 * 3.0 - 1.0
        })
        .collect()
}

#[test]
fn fit_out_json_writes_checksummed_json_that_show_and_report_read() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (series(800, 1), series(800, 2));
    let reference = d.path().join("ref.csv");
    write_columns(&reference, &[("a", &a), ("b", &b)]);
    let current = d.path().join("cur.csv");
    write_columns(&current, &[("a", &series(500, 3)), ("b", &series(500, 4))]);

    let pj = d.path().join("p.json");
    json(
        &[
            "drift",
            "profile",
            "fit",
            "--input",
            s(&reference),
            "--out",
            s(&pj),
            "--json",
        ],
        0,
    );
    let text = std::fs::read_to_string(&pj).unwrap();
    let doc: Value = serde_json::from_str(&text).expect("p.json is JSON");
    assert_eq!(doc["format_version"], 1);
    assert!(
        doc["checksum"].as_str().unwrap().starts_with("fnv1a64:"),
        "{}",
        doc["checksum"]
    );
    // the file is the library's JSON form, bit for bit: the values of the
    // CSV come back exactly (float_roundtrip in a plain build)
    let p = Profile::from_json(&text).unwrap();
    let mut sorted = a.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(p.numeric("a").unwrap().reference, sorted);

    let v = json(&["drift", "profile", "show", s(&pj), "--json"], 0);
    assert_eq!(v["features"][0]["count"], 800);
    let v = json(
        &[
            "drift",
            "report",
            "--profile",
            s(&pj),
            "--current",
            s(&current),
            "--json",
        ],
        0,
    );
    assert_eq!(v["features"].as_array().unwrap().len(), 2);

    // --out p.bin writes the binary form, read the same way
    let pb = d.path().join("p.bin");
    run(
        &[
            "drift",
            "profile",
            "fit",
            "--input",
            s(&reference),
            "--out",
            s(&pb),
        ],
        0,
    );
    let bytes = std::fs::read(&pb).unwrap();
    assert_eq!(&bytes[..4], b"TWDP");
    assert_eq!(Profile::from_bytes(&bytes).unwrap(), p);
    let w = json(&["drift", "profile", "show", s(&pb), "--json"], 0);
    assert_eq!(w, json(&["drift", "profile", "show", s(&pj), "--json"], 0));

    // a binary profile under a .json name (what older builds wrote) still reads
    let legacy = d.path().join("legacy.json");
    std::fs::write(&legacy, &bytes).unwrap();
    json(&["drift", "profile", "show", s(&legacy), "--json"], 0);
}

#[test]
fn library_json_profiles_are_accepted_and_tampering_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let x = series(300, 7);
    let side: Vec<Option<&str>> = (0..300)
        .map(|i| Some(if i % 3 == 0 { "buy" } else { "sell" }))
        .collect();
    // what Python's `Profile.fit(...).to_json()` returns (the same Rust code)
    let p = Profile::fit_features(
        &[
            ("x", FeatureData::Numeric(&x)),
            ("side", FeatureData::Categorical(&side)),
        ],
        &ProfileOptions::default(),
    )
    .unwrap();
    let text = p.to_json().unwrap();
    let path = d.path().join("from_python.json");
    std::fs::write(&path, &text).unwrap();
    let v = json(&["drift", "profile", "show", s(&path), "--json"], 0);
    assert_eq!(v["features"].as_array().unwrap().len(), 2);
    let current = d.path().join("cur.csv");
    write_columns(&current, &[("x", &series(200, 8))]);
    let r = json(
        &[
            "drift",
            "report",
            "--profile",
            s(&path),
            "--current",
            s(&current),
            "--columns",
            "x",
            "--json",
        ],
        0,
    );
    assert_eq!(r["features"][0]["name"], "x");

    // an older JSON profile without a checksum: accepted (after validation)
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc.as_object_mut().unwrap().remove("checksum");
    let old = d.path().join("old.json");
    std::fs::write(&old, doc.to_string()).unwrap();
    json(&["drift", "profile", "show", s(&old), "--json"], 0);

    // a tampered value: checksum mismatch, exit 4, one line
    let mean = p.numeric("x").unwrap().mean;
    let needle = format!("\"mean\":{}", serde_json::to_string(&mean).unwrap());
    assert!(text.contains(&needle));
    let bad = d.path().join("tampered.json");
    std::fs::write(&bad, text.replacen(&needle, "\"mean\":0.5", 1)).unwrap();
    let (_, err) = run(&["drift", "profile", "show", s(&bad)], 4);
    assert!(err.contains("checksum"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");

    // structurally invalid without a checksum (unsorted edges): exit 4 naming the field
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc.as_object_mut().unwrap().remove("checksum");
    let edges = doc["features"]["x"]["numeric"]["edges"]
        .as_array_mut()
        .unwrap();
    edges.swap(2, 5);
    let unsorted = d.path().join("unsorted.json");
    std::fs::write(&unsorted, doc.to_string()).unwrap();
    let (_, err) = run(
        &[
            "drift",
            "report",
            "--profile",
            s(&unsorted),
            "--current",
            s(&current),
            "--columns",
            "x",
        ],
        4,
    );
    assert!(err.contains("edges"), "{err}");

    // neither form
    let junk = d.path().join("junk.json");
    std::fs::write(&junk, "not a profile").unwrap();
    run(&["drift", "profile", "show", s(&junk)], 4);
}
