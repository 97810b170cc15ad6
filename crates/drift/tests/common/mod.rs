//! Shared helpers of the reference-case tests: the deterministic sample
//! generator mirrored from `gen_scipy_cases.py`.
#![allow(dead_code, clippy::unwrap_used)]

use serde_json::Value;

/// Loads `tests/data/scipy_cases.json`.
pub(crate) fn cases() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/scipy_cases.json");
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Regenerates a sample from its spec (seed, n, shift, scale, ties).
pub(crate) fn gen_sample(spec: &Value) -> Vec<f64> {
    let mut state = spec["seed"].as_u64().unwrap();
    let n = spec["n"].as_u64().unwrap() as usize;
    let shift = spec["shift"].as_f64().unwrap();
    let scale = spec["scale"].as_f64().unwrap();
    let ties = spec["ties"].as_f64().unwrap();
    (0..n)
        .map(|_| {
            let mut us = [0.0; 3];
            for u in us.iter_mut() {
                *u = (splitmix64(&mut state) >> 11) as f64 * (1.0 / 9007199254740992.0);
            }
            let mut v = shift + scale * (((us[0] + us[1]) + us[2]) - 1.5);
            if ties > 0.0 {
                v = (v * ties + 0.5).floor() / ties;
            }
            v
        })
        .collect()
}

/// `|got − want| ≤ max(rel·|want|, abs)`, NaN equal to NaN.
pub(crate) fn close(got: f64, want: f64, rel: f64, abs: f64) -> bool {
    if want.is_nan() {
        return got.is_nan();
    }
    (got - want).abs() <= (rel * want.abs()).max(abs)
}
