//! Bytes → a `ReturnsState` (the mergeable returns statistics every door
//! writes with `to_bytes`: Python, the Dask door, C; issue 20) → everything
//! a decoded one is used for. Nothing may panic or hang, and a real state is
//! never refused.
//!
//! First byte (mode, taken mod 3), then the payload:
//! - `0`: the payload as the serialized state (JSON);
//! - `1`: the payload as a NaN policy, a required return, a cut and returns
//!   (at most 64, 2 bytes each: an i16 in basis points, or NaN for
//!   `i16::MIN`): the states of the two parts, their merge and the whole
//!   are real states, whose bytes must load back equal;
//! - `2`: a real state (as for `1`) with one field (chosen by a byte) set to
//!   a value taken from the next 8 bytes (non-finite values clamped: JSON
//!   has none), then decoded: loaded or refused.
//!
//! A decoded state: re-encoding gives bytes that load back equal; `metrics`
//! under its required return gives values (`n` the state's, max drawdown
//! ≤ 0 or NaN) or a typed error. Merged with itself and with a real state
//! (both orders): `n` and the NaN count add up and the merge's metrics
//! keep those invariants, or the merge is a typed refusal.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tradewarden_core::returns::ReturnsState;
use tradewarden_core::{NanPolicy, ReturnsOptions};

fn opts(required_return: f64, nan_policy: NanPolicy) -> ReturnsOptions {
    ReturnsOptions {
        required_return,
        nan_policy,
        ..ReturnsOptions::default()
    }
}

/// Returns, a cut, a NaN policy and a required return from bytes.
fn series(b: &[u8]) -> (Vec<f64>, usize, NanPolicy, f64) {
    let (head, rest) = b.split_at(b.len().min(3));
    let policy = match head.first().copied().unwrap_or(0) % 3 {
        0 => NanPolicy::Skip,
        1 => NanPolicy::Propagate,
        _ => NanPolicy::Error,
    };
    let req = f64::from(head.get(1).copied().unwrap_or(0) as i8) / 1000.0;
    let r: Vec<f64> = rest
        .chunks_exact(2)
        .take(64)
        .map(|c| {
            let v = i16::from_le_bytes([c[0], c[1]]);
            if v == i16::MIN {
                f64::NAN
            } else {
                f64::from(v) / 10_000.0
            }
        })
        .filter(|x| policy != NanPolicy::Error || !x.is_nan())
        .collect();
    let cut = usize::from(head.get(2).copied().unwrap_or(0)) % (r.len() + 1);
    (r, cut, policy, req)
}

/// The real states of `series`: both parts, their merge and the whole.
fn real_states(b: &[u8]) -> Vec<ReturnsState> {
    let (r, cut, policy, req) = series(b);
    let o = opts(req, policy);
    let a = ReturnsState::from_returns(&r[..cut], &o).expect("a real part");
    let c = ReturnsState::from_returns(&r[cut..], &o).expect("a real part");
    let m = a.merge(&c).expect("real parts merge");
    let w = ReturnsState::from_returns(&r, &o).expect("the whole");
    assert_eq!((m.n, m.n_nan), (w.n, w.n_nan));
    vec![a, c, m, w]
}

fn check_metrics(s: &ReturnsState) {
    let Ok(m) = s.metrics(&opts(s.required_return, NanPolicy::Skip)) else {
        return;
    };
    assert_eq!(m.n, s.n);
    assert!(
        m.max_drawdown <= 0.0 || m.max_drawdown.is_nan(),
        "max drawdown {} > 0",
        m.max_drawdown
    );
}

fn check_merge(a: &ReturnsState, b: &ReturnsState) {
    let Ok(m) = a.merge(b) else {
        return;
    };
    assert_eq!(Some(m.n), a.n.checked_add(b.n), "n does not add up");
    assert_eq!(Some(m.n_nan), a.n_nan.checked_add(b.n_nan));
    assert_eq!(m.poisoned, a.poisoned || b.poisoned);
    check_metrics(&m);
}

fn check_decoded(s: &ReturnsState) {
    let b = s.to_bytes().expect("a decoded state is finite");
    assert_eq!(
        &ReturnsState::from_bytes(&b).expect("its bytes load"),
        s,
        "re-encoding does not round-trip"
    );
    check_metrics(s);
    check_merge(s, s);
    let real = ReturnsState::from_returns(
        &[0.01, -0.02, 0.015, f64::NAN, 0.03],
        &opts(s.required_return, NanPolicy::Skip),
    )
    .expect("a real state");
    check_merge(s, &real);
    check_merge(&real, s);
}

const FIELDS: [&str; 14] = [
    "required_return",
    "n",
    "n_nan",
    "poisoned",
    "mean",
    "m2",
    "down2",
    "best",
    "worst",
    "wealth",
    "peak",
    "min_ratio",
    "lowest",
    "pre_peak_lows",
];

/// A JSON value for `field` from 8 bytes.
fn field_value(field: &str, b: [u8; 8], base: &Value) -> Value {
    let x = f64::from_le_bytes(b);
    let x = if x.is_finite() {
        x
    } else {
        f64::MAX.copysign(x)
    };
    let u = u64::from_le_bytes(b);
    match field {
        "n" | "n_nan" => Value::from(if b[7] & 0x80 == 0 { u % 1024 } else { u }),
        "poisoned" => Value::from(b[0] % 2 == 1),
        "best" | "worst" if b[0] == 0 => Value::Null,
        "pre_peak_lows" => {
            let mut pairs = base.as_array().cloned().unwrap_or_default();
            let small = f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])) / 1e6;
            let at = usize::from(b[4]) % (pairs.len() + 1);
            match b[5] % 4 {
                0 if !pairs.is_empty() => {
                    pairs.remove(at.min(pairs.len() - 1));
                }
                1 => pairs.insert(at, Value::from(vec![1.0 + small.abs(), 1.0 - small.abs()])),
                2 if !pairs.is_empty() => {
                    let i = at.min(pairs.len() - 1);
                    pairs[i][usize::from(b[6] % 2)] = Value::from(1.0 + small);
                }
                _ => pairs.reverse(),
            }
            Value::from(pairs)
        }
        // half the time a small change of the real value
        _ if b[7] & 0x80 == 0 => {
            let v = base.as_f64().unwrap_or(0.0);
            let d = f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])) / 1e9;
            Value::from(v + d)
        }
        _ => Value::from(x),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => {
            if let Ok(s) = ReturnsState::from_bytes(rest) {
                check_decoded(&s);
            }
        }
        1 => {
            let states = real_states(rest);
            for s in &states {
                s.validate()
                    .unwrap_or_else(|e| panic!("a real state refused: {e}\n{s:?}"));
                // a state whose sums overflowed cannot be written (a typed
                // error): nothing to decode (≤ 64 returns of ≤ +328 % stay
                // finite, so this is a guard, not a path taken)
                let Ok(b) = s.to_bytes() else {
                    assert!(!s.wealth.is_finite() || !s.peak.is_finite() || !s.m2.is_finite());
                    continue;
                };
                let back = ReturnsState::from_bytes(&b)
                    .unwrap_or_else(|e| panic!("a real state's bytes refused: {e}\n{s:?}"));
                assert_eq!(&back, s);
            }
            // the merge of the two parts, decoded (the other three are
            // reached through mode 0 from their seeds)
            let merged = ReturnsState::from_bytes(&states[2].to_bytes().unwrap_or_default());
            if let Ok(m) = merged {
                check_decoded(&m);
            }
        }
        _ => {
            let Some((&pick, rest)) = rest.split_first() else {
                return;
            };
            let (v, rest) = rest.split_at(rest.len().min(8));
            let mut b8 = [0u8; 8];
            b8[..v.len()].copy_from_slice(v);
            let states = real_states(rest);
            let s = &states[usize::from(pick / 16) % states.len()];
            let mut j = serde_json::to_value(s).expect("a state is JSON");
            let field = FIELDS[usize::from(pick) % FIELDS.len()];
            j[field] = field_value(field, b8, &j[field]);
            let bytes = serde_json::to_vec(&j).expect("JSON");
            if let Ok(d) = ReturnsState::from_bytes(&bytes) {
                check_decoded(&d);
            }
        }
    }
});
