//! `drift chunks` (issue 21, the CLI door for chunked drift): a chunk is
//! never scored on the rows the profile was fitted on (provenance recorded by
//! `drift profile fit --reference-rows` or given to `drift chunks`), a chunk
//! that partly overlaps them is scored on the rest — the same report as
//! `drift report --current` on exactly those rows — and drift exits 6 with
//! `--fail-on-drift`; bad ranges are exit 3.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{run, s, write_columns};

use std::io::Write;
use std::path::Path;

use serde_json::Value;

fn json(args: &[&str], code: i32) -> Value {
    let (out, err) = run(args, code);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"))
}

fn write_csv(path: &Path, x: &[f64], y: &[f64]) {
    write_columns(path, &[("x", x), ("y", y)]);
}

#[test]
fn chunks_skip_the_reference_rows_and_match_drift_report_on_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    // 1 000 rows; rows 700.. shifted by +2 (drift)
    let x: Vec<f64> = (0..1000)
        .map(|i| ((i * 37) % 101) as f64 / 10.0 + if i >= 700 { 2.0 } else { 0.0 })
        .collect();
    let y: Vec<f64> = (0..1000).map(|i| ((i * 53) % 97) as f64).collect();
    let data = dir.path().join("data.csv");
    write_csv(&data, &x, &y);
    let reference = dir.path().join("ref.csv");
    write_csv(&reference, &x[..400], &y[..400]);
    let middle = dir.path().join("rows400_600.csv");
    write_csv(&middle, &x[400..600], &y[400..600]);
    let p = dir.path().join("p.json");
    run(
        &[
            "drift",
            "profile",
            "fit",
            "--input",
            s(&reference),
            "--out",
            s(&p),
            "--reference-rows",
            "0..400",
        ],
        0,
    );

    let doc = json(
        &[
            "drift",
            "chunks",
            "--profile",
            s(&p),
            "--data",
            s(&data),
            "--size",
            "300",
            "--json",
        ],
        0,
    );
    let chunks = doc["chunks"].as_array().unwrap();
    // chunk 0 (rows 0..300) is all reference: not scored
    let keys: Vec<f64> = chunks.iter().map(|c| c["key"].as_f64().unwrap()).collect();
    assert_eq!(keys, [1.0, 2.0, 3.0]);
    assert_eq!(chunks[0]["rows"], serde_json::json!([300, 600]));
    assert_eq!(chunks[0]["scored_rows"], serde_json::json!([[400, 600]]));
    // chunk 1 scored on rows 400..600 = drift report on exactly those rows
    let direct = json(
        &[
            "drift",
            "report",
            "--profile",
            s(&p),
            "--current",
            s(&middle),
            "--json",
        ],
        0,
    );
    assert_eq!(chunks[0]["report"], direct);
    assert_eq!(chunks[0]["report"]["features"][0]["n_current"], 200);
    // the shifted chunks drift, the middle one does not
    assert_eq!(chunks[0]["report"]["dataset_drift"], false);
    assert_eq!(chunks[2]["report"]["dataset_drift"], true);
    run(
        &[
            "drift",
            "chunks",
            "--profile",
            s(&p),
            "--data",
            s(&data),
            "--count",
            "4",
            "--fail-on-drift",
        ],
        6,
    );
    // --incomplete drop: the 100-row tail chunk goes
    let dropped = json(
        &[
            "drift",
            "chunks",
            "--profile",
            s(&p),
            "--data",
            s(&data),
            "--size",
            "300",
            "--incomplete",
            "drop",
            "--json",
        ],
        0,
    );
    assert_eq!(dropped["chunks"].as_array().unwrap().len(), 2);

    // a profile without provenance needs --reference-rows; given ranges must agree with a recorded one
    let bare = dir.path().join("bare.json");
    run(
        &[
            "drift",
            "profile",
            "fit",
            "--input",
            s(&reference),
            "--out",
            s(&bare),
        ],
        0,
    );
    let (_, err) = run(
        &[
            "drift",
            "chunks",
            "--profile",
            s(&bare),
            "--data",
            s(&data),
            "--size",
            "300",
        ],
        3,
    );
    assert!(err.contains("reference_rows"), "{err}");
    let ok = json(
        &[
            "drift",
            "chunks",
            "--profile",
            s(&bare),
            "--data",
            s(&data),
            "--size",
            "300",
            "--reference-rows",
            "0..400",
            "--json",
        ],
        0,
    );
    assert_eq!(ok["chunks"], doc["chunks"]);
    let (_, err) = run(
        &[
            "drift",
            "chunks",
            "--profile",
            s(&p),
            "--data",
            s(&data),
            "--size",
            "300",
            "--reference-rows",
            "0..300",
        ],
        3,
    );
    assert!(err.contains("reference_rows"), "{err}");
    for bad in ["400..0", "0-400", "a..b"] {
        let (_, err) = run(
            &[
                "drift",
                "chunks",
                "--profile",
                s(&bare),
                "--data",
                s(&data),
                "--size",
                "300",
                "--reference-rows",
                bad,
            ],
            3,
        );
        assert!(
            err.contains("reference_rows") && err.lines().count() == 1,
            "{bad}: {err}"
        );
    }
    let (_, err) = run(
        &[
            "drift",
            "chunks",
            "--profile",
            s(&p),
            "--data",
            s(&data),
            "--size",
            "300",
            "--incomplete",
            "trim",
        ],
        3,
    );
    assert!(err.contains("keep"), "{err}");
}

/// `drift chunks --period` (issue 21: chunking by calendar period from the
/// CLI): one chunk per UTC day of the data's `timestamp` column, the
/// reference day never scored, each day's report = `drift report --current`
/// on that day's rows; bad periods and data without a time column are exit 3.
#[test]
fn period_chunks_follow_the_time_column() {
    let dir = tempfile::tempdir().unwrap();
    let day0 = 19_676_i64 * 86_400; // a UTC midnight
    let n_day = 250usize;
    let mut rows: Vec<(i64, f64, f64)> = Vec::new();
    for d in 0..4 {
        for i in 0..n_day {
            let k = d * n_day + i;
            // 250 rows a day, spread over the day; day 3 shifted by +2 (drift)
            let t = day0 + d as i64 * 86_400 + (i as i64 * 86_399) / n_day as i64;
            let x = ((k * 37) % 101) as f64 / 10.0 + if d == 3 { 2.0 } else { 0.0 };
            rows.push((t, x, ((k * 53) % 97) as f64));
        }
    }
    let write = |path: &Path, r: &[(i64, f64, f64)], with_time: bool| {
        let mut f = std::fs::File::create(path).unwrap();
        writeln!(f, "{}x,y", if with_time { "timestamp," } else { "" }).unwrap();
        for (t, x, y) in r {
            if with_time {
                write!(f, "{t},").unwrap();
            }
            writeln!(f, "{x:?},{y:?}").unwrap();
        }
    };
    let data = dir.path().join("data.csv");
    write(&data, &rows, true);
    let reference = dir.path().join("ref.csv");
    write(&reference, &rows[..n_day], false);
    let day1 = dir.path().join("day1.csv");
    write(&day1, &rows[n_day..2 * n_day], false);
    let p = dir.path().join("p.json");
    run(
        &[
            "drift",
            "profile",
            "fit",
            "--input",
            s(&reference),
            "--out",
            s(&p),
            "--reference-rows",
            "0..250",
        ],
        0,
    );
    let chunks_with = |period: &str| {
        json(
            &[
                "drift",
                "chunks",
                "--profile",
                s(&p),
                "--data",
                s(&data),
                "--period",
                period,
                "--json",
            ],
            0,
        )
    };
    let doc = chunks_with("1d");
    let chunks = doc["chunks"].as_array().unwrap();
    let keys: Vec<f64> = chunks.iter().map(|c| c["key"].as_f64().unwrap()).collect();
    // day 0 is the reference: never scored
    assert_eq!(keys, [1, 2, 3].map(|d| (day0 + d * 86_400) as f64), "{doc}");
    assert_eq!(chunks[0]["rows"], serde_json::json!([250, 500]));
    let direct = json(
        &[
            "drift",
            "report",
            "--profile",
            s(&p),
            "--current",
            s(&day1),
            "--json",
        ],
        0,
    );
    assert_eq!(chunks[0]["report"], direct);
    assert_eq!(chunks[0]["report"]["dataset_drift"], false);
    assert_eq!(chunks[2]["report"]["dataset_drift"], true);
    // the same periods spelled three ways
    assert_eq!(chunks_with("daily")["chunks"], doc["chunks"]);
    assert_eq!(chunks_with("86400")["chunks"], doc["chunks"]);
    // 12-hour periods: two per day (each day's rows fall into its two halves)
    assert_eq!(chunks_with("12h")["chunks"].as_array().unwrap().len(), 6);

    for bad in ["0", "-1d", "1y", "soon"] {
        let arg = format!("--period={bad}");
        let (_, err) = run(
            &[
                "drift",
                "chunks",
                "--profile",
                s(&p),
                "--data",
                s(&data),
                &arg,
            ],
            3,
        );
        assert!(err.contains("period"), "{bad}: {err}");
    }
    let (_, err) = run(
        &[
            "drift",
            "chunks",
            "--profile",
            s(&p),
            "--data",
            s(&day1),
            "--period",
            "1d",
        ],
        3,
    );
    assert!(err.contains("timestamp column"), "{err}");
    // --period with --size: a usage error
    run(
        &[
            "drift",
            "chunks",
            "--profile",
            s(&p),
            "--data",
            s(&data),
            "--period",
            "1d",
            "--size",
            "10",
        ],
        2,
    );
}
