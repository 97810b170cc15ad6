//! Inference (cargo feature `inference`, C macro `TRADEWARDEN_INFERENCE`): a
//! thread-safe, hot-swappable MLP predictor (`tradewarden-inference`, burn on
//! the CPU).
//!
//! A `tw_predictor` wraps [`Predictor`]: `tw_predictor_predict`,
//! `tw_predictor_version`, `tw_predictor_n_features` / `_n_outputs` and
//! `tw_predictor_swap` may all run on several threads at once on the same
//! handle. A prediction runs its whole batch on one model version; a swap
//! never makes a caller wait or fail. Only `tw_predictor_free` needs
//! exclusive access (no call on the handle in flight).

use std::ffi::c_char;

use tradewarden_core::config::{ConfigFormat, parse_config};
use tradewarden_inference::demo::demo_predictor;
use tradewarden_inference::device::cpu_device;
use tradewarden_inference::{Mlp, MlpConfig, Predictor};

use crate::handle::{self, Tagged, handle};
use crate::{
    Failure, TW_ERR_BUFFER_TOO_SMALL, TW_ERR_INVALID_INPUT, guard, non_null, req_str, tw_status,
};

/// A thread-safe predictor whose model can be replaced (`tw_predictor_swap`)
/// while other threads predict. Every function taking a `tw_predictor` may
/// run concurrently with the others, except `tw_predictor_free`.
#[derive(Debug)]
pub struct tw_predictor(Tagged<Predictor>);
handle!(tw_predictor, Predictor, b"twPREDCT");

/// # Safety
/// `p` must be NULL or a predictor of this library.
pub(crate) unsafe fn predictor_ref<'a>(p: *const tw_predictor) -> Result<&'a Predictor, Failure> {
    // SAFETY: forwarded caller contract.
    unsafe { handle::live(p, "predictor") }
}

/// Loads an MLP from a PyTorch-layout safetensors file and its architecture
/// (`MlpConfig` as JSON).
///
/// # Safety
/// Both must be NULL or NUL-terminated strings.
pub(crate) unsafe fn load_mlp(
    weights_path: *const c_char,
    config_json: *const c_char,
) -> Result<Mlp, Failure> {
    // SAFETY: forwarded caller contract.
    let path = unsafe { req_str(weights_path, "weights_path")? };
    // SAFETY: forwarded caller contract.
    let text = unsafe { req_str(config_json, "config_json")? };
    let config: MlpConfig = parse_config(text, ConfigFormat::Json)?;
    Ok(Mlp::load_safetensors(path, config, &cpu_device())?)
}

/// Copies `s` NUL-terminated into `buf` (`len` bytes) and its length (without
/// the NUL) into `written`; `TW_ERR_BUFFER_TOO_SMALL` and nothing written when
/// it does not fit.
///
/// # Safety
/// `buf` valid for `len` writes, `written` for one write (both non-NULL).
unsafe fn copy_str(
    s: &str,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> Result<(), Failure> {
    let bytes = s.as_bytes();
    if bytes.len() + 1 > len {
        return Err(Failure(
            TW_ERR_BUFFER_TOO_SMALL,
            format!("len = {len}: the version needs {} bytes", bytes.len() + 1),
        ));
    }
    // SAFETY: buf is valid for len ≥ bytes.len() + 1 writes (checked above).
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf.cast::<u8>(), bytes.len());
        *buf.add(bytes.len()) = 0;
        *written = bytes.len();
    }
    Ok(())
}

/// The demo model embedded in the library (`4 → 16 → 1`, tanh, point
/// forecast of the next-day return from the features `mom_5d`, `mom_20d`,
/// `vol_20d`, `volume_z`; see docs/inference.md), named `demo`, on the CPU.
/// Free it with `tw_predictor_free`.
///
/// # Safety
/// `out` must be valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_predictor_demo(out: *mut *mut tw_predictor) -> tw_status {
    guard(|| {
        non_null(out, "out")?;
        let inner = demo_predictor(&cpu_device())?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_predictor>(out, inner) }
    })
}

/// A predictor named `name` (the `model` label of the inference metrics: a
/// stable name such as the model type, not the version) serving, as
/// `version`, the MLP whose weights are the PyTorch-layout safetensors file
/// `weights_path` (`layers.{i}.weight` / `.bias`) and whose architecture is
/// `config_json`, an `MlpConfig` as JSON, e.g.
/// `{"input": 5, "hidden": [8, 6], "output": 3, "activation": "tanh",
/// "output_kind": "point"}`. Bad JSON or architecture: `TW_ERR_INVALID_CONFIG`;
/// missing file: `TW_ERR_NOT_FOUND`; malformed weights or tensors not fitting
/// the architecture: `TW_ERR_CORRUPT`. Free it with `tw_predictor_free`.
///
/// # Safety
/// The strings must be NUL-terminated, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_predictor_load_safetensors(
    name: *const c_char,
    version: *const c_char,
    weights_path: *const c_char,
    config_json: *const c_char,
    out: *mut *mut tw_predictor,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(name, "name")? };
        // SAFETY: forwarded caller contract.
        let version = unsafe { req_str(version, "version")? };
        non_null(out, "out")?;
        // SAFETY: forwarded caller contract.
        let model = unsafe { load_mlp(weights_path, config_json)? };
        let inner = Predictor::new(name, version, model);
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_predictor>(out, inner) }
    })
}

/// Writes the number of input features per row (fixed for the predictor's
/// life: a swap keeps it).
///
/// # Safety
/// `predictor` must be a live predictor, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_predictor_n_features(
    predictor: *const tw_predictor,
    out: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { predictor_ref(predictor)? };
        non_null(out, "out")?;
        let n = p.n_features();
        // SAFETY: checked non-NULL above.
        unsafe { *out = n };
        Ok(())
    })
}

/// Writes the number of outputs per row (fixed for the predictor's life: a
/// swap keeps it).
///
/// # Safety
/// `predictor` must be a live predictor, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_predictor_n_outputs(
    predictor: *const tw_predictor,
    out: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { predictor_ref(predictor)? };
        non_null(out, "out")?;
        let n = p.n_outputs();
        // SAFETY: checked non-NULL above.
        unsafe { *out = n };
        Ok(())
    })
}

/// Predicts `n_rows` rows of `n_features` features each (`features`,
/// row-major: row `r`, feature `c` at `r * n_features + c`) into `out`:
/// `n_rows * n_outputs` floats, row-major, with the model's output
/// post-processing (softmax for `classes`, sorted rows for `quantiles`).
/// The whole batch runs on one model version, even during a swap.
///
/// `TW_ERR_INVALID_INPUT` when `n_rows` is 0, `n_features` is not the
/// model's, `n_rows × n_features` or `out_len` is not a possible array length
/// (its byte size overflows), or a feature is NaN/±inf (the message names
/// `features[row][col]`);
/// `TW_ERR_BUFFER_TOO_SMALL` when `out_len < n_rows * n_outputs`. `out` is
/// written only on success. May run on several threads at once.
///
/// # Safety
/// `predictor` must be a live predictor, `features` valid for
/// `n_rows * n_features` reads, `out` for `out_len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_predictor_predict(
    predictor: *const tw_predictor,
    features: *const f64,
    n_rows: usize,
    n_features: usize,
    out: *mut f32,
    out_len: usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { predictor_ref(predictor)? };
        non_null(features, "features")?;
        non_null(out, "out")?;
        // A capacity that cannot be an array is refused whatever the batch.
        handle::check_len(out, out_len, "out")?;
        // Input and output widths never change (a swap keeps them), so the
        // checks below hold for whichever version serves the batch.
        let (width_in, width_out) = (p.n_features(), p.n_outputs());
        if n_features != width_in {
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                format!(
                    "n_features = {n_features}: the model takes {} features per row",
                    width_in
                ),
            ));
        }
        if n_rows == 0 {
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                "n_rows = 0: at least one row is required".into(),
            ));
        }
        let (Some(n_in), Some(n_out)) = (
            n_rows.checked_mul(n_features),
            n_rows.checked_mul(width_out),
        ) else {
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                format!("n_rows = {n_rows}: the batch size overflows"),
            ));
        };
        if out_len < n_out {
            return Err(Failure(
                TW_ERR_BUFFER_TOO_SMALL,
                format!(
                    "out_len = {out_len}: n_rows = {n_rows} × n_outputs = {} needs {n_out} floats",
                    width_out
                ),
            ));
        }
        // SAFETY: valid for n_rows × n_features reads (caller's contract);
        // slice_in refuses a byte size that overflows.
        let x = unsafe { handle::slice_in(features, n_in, "features")? };
        let pred = p.predict(x, n_rows)?;
        if pred.values.len() != n_out {
            return Err(Failure(
                crate::TW_ERR_INTERNAL,
                format!(
                    "the model returned {} values, expected {n_out}",
                    pred.values.len()
                ),
            ));
        }
        // SAFETY: valid for out_len ≥ n_out writes (checked above; caller's contract).
        let dst = unsafe { handle::slice_out(out, n_out, "out")? };
        handle::copy_into(dst, &pred.values);
        Ok(())
    })
}

/// Hot swap: loads `weights_path` / `config_json` (as
/// `tw_predictor_load_safetensors`) and makes it the serving model, tagged
/// `version`. Predictions in flight finish on the old version; later ones
/// use the new one; no caller waits. The new model must have the same number
/// of features and outputs (else `TW_ERR_INVALID_INPUT`). On any error the
/// current model keeps serving. May run concurrently with predictions.
///
/// # Safety
/// `predictor` must be a live predictor, the strings NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_predictor_swap(
    predictor: *mut tw_predictor,
    version: *const c_char,
    weights_path: *const c_char,
    config_json: *const c_char,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { predictor_ref(predictor)? };
        // SAFETY: forwarded caller contract.
        let version = unsafe { req_str(version, "version")? };
        // SAFETY: forwarded caller contract.
        let model = unsafe { load_mlp(weights_path, config_json)? };
        p.swap(version, model)?;
        Ok(())
    })
}

/// Copies the version tag of the serving model, NUL-terminated, into `buf`
/// of `len` bytes and its length (without the NUL) to `written`.
/// `TW_ERR_BUFFER_TOO_SMALL` when it does not fit (nothing written; see
/// `tw_predictor_version_length`).
///
/// # Safety
/// `predictor` must be a live predictor, `buf` valid for `len` writes,
/// `written` for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_predictor_version(
    predictor: *const tw_predictor,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { predictor_ref(predictor)? };
        non_null(buf, "buf")?;
        non_null(written, "written")?;
        let v = p.version();
        // SAFETY: both checked non-NULL; validity by the caller's contract.
        unsafe { copy_str(&v, buf, len, written) }
    })
}

/// Writes the buffer size (including the NUL) the serving version tag needs.
///
/// # Safety
/// `predictor` must be a live predictor, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_predictor_version_length(
    predictor: *const tw_predictor,
    out: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { predictor_ref(predictor)? };
        non_null(out, "out")?;
        let n = p.version().len() + 1;
        // SAFETY: checked non-NULL above.
        unsafe { *out = n };
        Ok(())
    })
}

/// Frees a predictor; NULL is a no-op. No other call on it may be in flight.
///
/// # Safety
/// `predictor` must be NULL or a live predictor, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_predictor_free(predictor: *mut tw_predictor) {
    // SAFETY: forwarded caller contract.
    unsafe { handle::free(predictor, "predictor") }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{TW_ERR_NULL_ARGUMENT, TW_OK};

    /// The rows the C test predicts with the demo model.
    const ROWS: [f64; 8] = [0.01, 0.03, 0.015, 0.5, -0.02, -0.05, 0.02, -1.0];

    #[test]
    #[cfg_attr(miri, ignore = "burn tensors: minutes per call under Miri")]
    fn demo_matches_rust_api() {
        let mut p: *mut tw_predictor = std::ptr::null_mut();
        assert_eq!(unsafe { tw_predictor_demo(&mut p) }, TW_OK);
        let mut out = [0f32; 2];
        assert_eq!(
            unsafe { tw_predictor_predict(p, ROWS.as_ptr(), 2, 4, out.as_mut_ptr(), 2) },
            TW_OK
        );
        let expected = demo_predictor(&cpu_device())
            .unwrap()
            .predict(&ROWS, 2)
            .unwrap();
        assert_eq!(out.to_vec(), expected.values);
        // The numbers test_inference.c asserts.
        println!("demo outputs: {:.9} {:.9}", out[0], out[1]);
        // test_inference.c asserts these constants (DEMO_OUT0/1, ±1e-6).
        for (got, want) in out.iter().zip([-0.000_250_976_f32, 0.000_651_773]) {
            assert!((got - want).abs() <= 1e-6, "{got} vs {want}");
        }
        let mut small = [7f32; 1];
        assert_eq!(
            unsafe { tw_predictor_predict(p, ROWS.as_ptr(), 2, 4, small.as_mut_ptr(), 1) },
            TW_ERR_BUFFER_TOO_SMALL
        );
        assert_eq!(small[0], 7.0);
        assert_eq!(
            unsafe { tw_predictor_predict(p, ROWS.as_ptr(), 2, 3, out.as_mut_ptr(), 2) },
            TW_ERR_INVALID_INPUT
        );
        assert_eq!(
            unsafe { tw_predictor_predict(p, std::ptr::null(), 2, 4, out.as_mut_ptr(), 2) },
            TW_ERR_NULL_ARGUMENT
        );
        unsafe { tw_predictor_free(p) };
    }

    fn cstr(s: &str) -> std::ffi::CString {
        std::ffi::CString::new(s).unwrap()
    }

    /// Swaps between two versions while four threads predict through the
    /// ABI: every call succeeds and every answer is one version's, never a mix.
    #[test]
    #[cfg_attr(
        miri,
        ignore = "burn tensors (and a model file): minutes per call under Miri"
    )]
    fn predict_concurrently_with_swaps() {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../crates/inference/tests/data"
        );
        let path = cstr(&format!("{dir}/mlp_tiny.safetensors"));
        let point = cstr(r#"{"input": 5, "hidden": [8, 6], "output": 3, "activation": "tanh"}"#);
        let classes = cstr(
            r#"{"input": 5, "hidden": [8, 6], "output": 3, "activation": "tanh", "output_kind": "classes"}"#,
        );
        let mut p: *mut tw_predictor = std::ptr::null_mut();
        let st = unsafe {
            tw_predictor_load_safetensors(
                cstr("tiny").as_ptr(),
                cstr("point").as_ptr(),
                path.as_ptr(),
                point.as_ptr(),
                &mut p,
            )
        };
        assert_eq!(st, TW_OK);
        let x = [0.3f64; 10];
        let run = |p: *const tw_predictor| {
            let mut out = [0f32; 6];
            assert_eq!(
                unsafe { tw_predictor_predict(p, x.as_ptr(), 2, 5, out.as_mut_ptr(), 6) },
                TW_OK
            );
            out
        };
        let as_point = run(p);
        let point_v = cstr("point");
        let classes_v = cstr("classes");
        unsafe { tw_predictor_swap(p, classes_v.as_ptr(), path.as_ptr(), classes.as_ptr()) };
        let as_classes = run(p);
        assert_ne!(as_point, as_classes);
        let addr = p as usize;
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..50 {
                        let out = run(addr as *const tw_predictor);
                        assert!(out == as_point || out == as_classes, "mixed: {out:?}");
                    }
                });
            }
            for i in 0..20 {
                let (v, c) = if i % 2 == 0 {
                    (&point_v, &point)
                } else {
                    (&classes_v, &classes)
                };
                let st = unsafe {
                    tw_predictor_swap(
                        addr as *mut tw_predictor,
                        v.as_ptr(),
                        path.as_ptr(),
                        c.as_ptr(),
                    )
                };
                assert_eq!(st, TW_OK);
            }
        });
        unsafe { tw_predictor_free(p) };
    }
}
