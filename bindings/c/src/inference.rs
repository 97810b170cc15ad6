//! Inference (cargo feature `inference`, C macro `TRADEWARDEN_INFERENCE`): a
//! thread-safe, hot-swappable predictor (`tradewarden-inference`, burn on
//! the CPU) serving an MLP over rows of features, or a GRU / Transformer over
//! windows of time steps × features (`tw_predictor_load_burnpack`,
//! `tw_predictor_predict_window`).
//!
//! A `tw_predictor` wraps [`Predictor`]: `tw_predictor_predict`,
//! `tw_predictor_version`, `tw_predictor_n_features` / `_n_outputs` and
//! `tw_predictor_swap` may all run on several threads at once on the same
//! handle. A prediction runs its whole batch on one model version; a swap
//! never makes a caller wait or fail. Only `tw_predictor_free` needs
//! exclusive access (no call on the handle in flight).

use std::ffi::c_char;

use tradewarden_inference::Predictor;
use tradewarden_inference::any::{AnyModel, WeightsFormat, load_weights};
use tradewarden_inference::demo::demo_predictor;
use tradewarden_inference::device::cpu_device;

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

/// Loads any architecture from a weights file: `Architecture` as JSON (an
/// `MlpConfig`, or a window model's config with its `"kind"`), then the
/// weights in `format` (safetensors with PyTorch's key names, or burnpack)
/// through the crate's one loader; `json_param` names the JSON argument in
/// errors.
///
/// # Safety
/// Both must be NULL or NUL-terminated strings.
pub(crate) unsafe fn load_model(
    format: WeightsFormat,
    weights_path: *const c_char,
    architecture_json: *const c_char,
    json_param: &str,
) -> Result<AnyModel, Failure> {
    // SAFETY: forwarded caller contract.
    let path = unsafe { req_str(weights_path, "weights_path")? };
    // SAFETY: forwarded caller contract.
    let text = unsafe { req_str(architecture_json, json_param)? };
    Ok(load_weights(format, path, text, &cpu_device())?)
}

/// The body of the `tw_predictor_load_*` constructors: checks `name`,
/// `version` and `out`, loads the model, hands the predictor out.
///
/// # Safety
/// The strings must be NULL or NUL-terminated, `out` NULL or valid for one
/// write.
unsafe fn new_predictor<M: Into<AnyModel>>(
    name: *const c_char,
    version: *const c_char,
    out: *mut *mut tw_predictor,
    load: impl FnOnce() -> Result<M, Failure>,
) -> Result<(), Failure> {
    // SAFETY: forwarded caller contract.
    let name = unsafe { req_str(name, "name")? };
    // SAFETY: forwarded caller contract.
    let version = unsafe { req_str(version, "version")? };
    non_null(out, "out")?;
    let inner = Predictor::new(name, version, load()?);
    // SAFETY: forwarded caller contract.
    unsafe { handle::give::<tw_predictor>(out, inner) }
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
/// `version`, the model whose weights are the PyTorch state dict in the
/// safetensors file `weights_path`, with torch's key names, and whose
/// architecture is `config_json`: an `MlpConfig` as JSON, e.g.
/// `{"input": 5, "hidden": [8, 6], "output": 3, "activation": "tanh",
/// "output_kind": "point"}` (keys `layers.{i}.weight` / `.bias`, or an
/// `nn.Sequential`'s `0.weight`, `2.weight`, …), or a window model's config
/// with its `"kind"` (as `tw_predictor_load_burnpack`: an `nn.GRU` named
/// `gru` + `nn.Linear` `head`, or `proj`, `pos`, an `nn.TransformerEncoder`
/// named `encoder` and `head`; docs/inference.md). F16, BF16 and F64
/// tensors are converted to f32; other dtypes are `TW_ERR_INVALID_INPUT`.
/// Bad JSON or architecture: `TW_ERR_INVALID_CONFIG`; missing file:
/// `TW_ERR_NOT_FOUND`; malformed weights or tensors not fitting the
/// architecture: `TW_ERR_CORRUPT`. Free it with `tw_predictor_free`.
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
        // SAFETY: forwarded caller contract (for the closure too).
        unsafe {
            new_predictor(name, version, out, || {
                load_model(
                    WeightsFormat::Safetensors,
                    weights_path,
                    config_json,
                    "config_json",
                )
            })
        }
    })
}

/// A predictor named `name` serving, as `version`, any model saved as
/// burnpack (`weights_path`, e.g. by `save_burnpack` in Rust or Python) with
/// its architecture `architecture_json`: an `MlpConfig` as for
/// `tw_predictor_load_safetensors`, or a window model's config with its
/// `"kind"`, e.g. `{"kind": "gru", "input": 3, "window": 32, "hidden": 16,
/// "layers": 1, "output": 2}` or `{"kind": "transformer", "input": 3,
/// "window": 32, "d_model": 16, "n_heads": 2, "n_layers": 1, "d_ff": 32,
/// "output": 3, "output_kind": "classes"}` (fields in docs/inference.md).
/// Predict windows with `tw_predictor_predict_window`. Bad JSON or
/// architecture: `TW_ERR_INVALID_CONFIG`; missing file: `TW_ERR_NOT_FOUND`;
/// malformed weights or tensors not fitting the architecture:
/// `TW_ERR_CORRUPT`. Free it with `tw_predictor_free`.
///
/// # Safety
/// The strings must be NUL-terminated, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_predictor_load_burnpack(
    name: *const c_char,
    version: *const c_char,
    weights_path: *const c_char,
    architecture_json: *const c_char,
    out: *mut *mut tw_predictor,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract (for the closure too).
        unsafe {
            new_predictor(name, version, out, || {
                load_model(
                    WeightsFormat::Burnpack,
                    weights_path,
                    architecture_json,
                    "architecture_json",
                )
            })
        }
    })
}

/// Hot swap to burnpack weights of any architecture (as
/// `tw_predictor_load_burnpack`), tagged `version`. The new model must read
/// rows of the same width (`window × n_features`) and give the same number
/// of outputs (else `TW_ERR_INVALID_INPUT`); it may be of another
/// architecture. On any error the current model keeps serving. May run
/// concurrently with predictions.
///
/// # Safety
/// `predictor` must be a live predictor, the strings NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_predictor_swap_burnpack(
    predictor: *mut tw_predictor,
    version: *const c_char,
    weights_path: *const c_char,
    architecture_json: *const c_char,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { predictor_ref(predictor)? };
        // SAFETY: forwarded caller contract.
        let version = unsafe { req_str(version, "version")? };
        // SAFETY: forwarded caller contract.
        let model = unsafe {
            load_model(
                WeightsFormat::Burnpack,
                weights_path,
                architecture_json,
                "architecture_json",
            )?
        };
        p.swap(version, model)?;
        Ok(())
    })
}

/// Writes the time steps per sample (`window`) and the features per step
/// (`n_features`) of the serving model: `(window, input)` for a GRU or a
/// Transformer, `(1, input)` for an MLP. Their product, the row width
/// (`tw_predictor_n_features`), never changes; a swap to another
/// architecture may change the split.
///
/// # Safety
/// `predictor` must be a live predictor, `window` and `n_features` valid for
/// one write each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_predictor_window_shape(
    predictor: *const tw_predictor,
    window: *mut usize,
    n_features: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { predictor_ref(predictor)? };
        non_null(window, "window")?;
        non_null(n_features, "n_features")?;
        let (w, f) = p.window_shape();
        // SAFETY: both checked non-NULL above.
        unsafe {
            *window = w;
            *n_features = f;
        }
        Ok(())
    })
}

/// Predicts `n_rows` windows of `window` time steps × `n_features` features
/// (`features`, row-major: sample `r`, step `t`, feature `c` at
/// `(r * window + t) * n_features + c`, oldest step first) into `out`:
/// `n_rows * n_outputs` floats, row-major, after the model's output
/// post-processing. `window` and `n_features` must be the serving model's
/// (`tw_predictor_window_shape`; an MLP reads windows of 1 step), checked
/// against the model version that computes the batch.
///
/// Every size is checked before `features` is read: `TW_ERR_INVALID_INPUT`
/// when `n_rows` is 0, `window × n_features` is not the model's row width,
/// `window` or `n_features` is not the model's (the message names it), the
/// sizes or `out_len` overflow, or a feature is NaN/±inf (the message names
/// `features[row][t * n_features + c]`); `TW_ERR_BUFFER_TOO_SMALL` when
/// `out_len < n_rows * n_outputs`. `out` is written only on success. May
/// run on several threads at once.
///
/// # Safety
/// `predictor` must be a live predictor, `features` valid for
/// `n_rows * window * n_features` reads, `out` for `out_len` writes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_predictor_predict_window(
    predictor: *const tw_predictor,
    features: *const f64,
    n_rows: usize,
    window: usize,
    n_features: usize,
    out: *mut f32,
    out_len: usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let p = unsafe { predictor_ref(predictor)? };
        non_null(features, "features")?;
        non_null(out, "out")?;
        handle::check_len(out, out_len, "out")?;
        // The row width and the outputs never change (a swap keeps them):
        // the buffer sizes below hold for whichever version serves the
        // batch, and the library checks the exact split on that version.
        let (width_in, width_out) = (p.n_features(), p.n_outputs());
        if n_rows == 0 {
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                "n_rows = 0: at least one window is required".into(),
            ));
        }
        let Some(row) = window.checked_mul(n_features) else {
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                format!("window = {window} × n_features = {n_features} overflows"),
            ));
        };
        if row != width_in {
            let (w, f) = p.window_shape();
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                format!(
                    "window = {window} × n_features = {n_features}: the model reads \
                     {w} × {f} = {width_in} values per window"
                ),
            ));
        }
        let (Some(n_in), Some(n_out)) = (n_rows.checked_mul(row), n_rows.checked_mul(width_out))
        else {
            return Err(Failure(
                TW_ERR_INVALID_INPUT,
                format!("n_rows = {n_rows}: the batch size overflows"),
            ));
        };
        if out_len < n_out {
            return Err(Failure(
                TW_ERR_BUFFER_TOO_SMALL,
                format!(
                    "out_len = {out_len}: n_rows = {n_rows} × n_outputs = {width_out} needs {n_out} floats"
                ),
            ));
        }
        // SAFETY: valid for n_rows × window × n_features reads (caller's
        // contract); slice_in refuses a byte size that overflows.
        let x = unsafe { handle::slice_in(features, n_in, "features")? };
        let pred = p.predict_window(x, n_rows, window, n_features)?;
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

/// Writes the number of values per row (fixed for the predictor's life: a
/// swap keeps it): the input features of an MLP, `window × n_features` of a
/// window model (see `tw_predictor_window_shape`).
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
        let model = unsafe {
            load_model(
                WeightsFormat::Safetensors,
                weights_path,
                config_json,
                "config_json",
            )?
        };
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

    fn last_error() -> String {
        let mut buf = vec![0 as c_char; 1024];
        let mut n = 0usize;
        assert_eq!(
            unsafe { crate::tw_last_error_message(buf.as_mut_ptr(), buf.len(), &mut n) },
            TW_OK
        );
        buf[..n].iter().map(|c| *c as u8 as char).collect()
    }

    const DATA: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../crates/inference/tests/data"
    );
    /// The architectures of crates/inference/tests/data/window_models.json.
    const GRU: &str = r#"{"kind": "gru", "input": 3, "window": 5, "hidden": 6, "layers": 2, "output": 2, "output_kind": "point"}"#;
    const TRANSFORMER: &str = r#"{"kind": "transformer", "input": 3, "window": 5, "d_model": 8, "n_heads": 2, "n_layers": 1, "d_ff": 16, "output": 3, "output_kind": "classes", "pooling": "mean"}"#;
    /// The fixture's 4 windows of 5 steps × 3 features (its generator's formula).
    fn windows() -> Vec<f64> {
        (0..4 * 5 * 3)
            .map(|k| ((k * 29 % 31) as f64 - 15.0) / 8.0)
            .collect()
    }

    fn load_window(arch: &str, file: &str) -> *mut tw_predictor {
        let mut p: *mut tw_predictor = std::ptr::null_mut();
        let path = cstr(&format!("{DATA}/{file}"));
        let st = unsafe {
            tw_predictor_load_burnpack(
                c"seq".as_ptr(),
                c"v1".as_ptr(),
                path.as_ptr(),
                cstr(arch).as_ptr(),
                &mut p,
            )
        };
        assert_eq!(st, TW_OK, "{}", last_error());
        p
    }

    /// The C entry points give the Rust model's own outputs bit for bit, and
    /// the committed values test_inference.c asserts (±1e-5).
    #[test]
    #[cfg_attr(miri, ignore = "burn tensors: minutes per call under Miri")]
    fn window_models_match_rust_api() {
        use tradewarden_inference::any::Architecture;
        let x = windows();
        // window_models.json's outputs (test_inference.c: GRU_OUT, TRANSFORMER_OUT)
        let committed: [(&str, &str, &[f32]); 2] = [
            (
                GRU,
                "gru_window.bpk",
                &[
                    -0.19160415,
                    0.7393659,
                    -0.20462607,
                    0.7540606,
                    -0.19674967,
                    0.7398863,
                    -0.20802006,
                    0.75255126,
                ],
            ),
            (
                TRANSFORMER,
                "transformer_window.bpk",
                &[
                    0.35402542, 0.34848502, 0.29748955, 0.3282309, 0.36596206, 0.30580705,
                    0.36050823, 0.33302873, 0.30646306, 0.3356217, 0.34989083, 0.31448746,
                ],
            ),
        ];
        for (arch, file, want) in committed {
            let p = load_window(arch, file);
            let (mut w, mut f, mut no) = (0usize, 0usize, 0usize);
            assert_eq!(
                unsafe { tw_predictor_window_shape(p, &mut w, &mut f) },
                TW_OK
            );
            assert_eq!(unsafe { tw_predictor_n_outputs(p, &mut no) }, TW_OK);
            assert_eq!((w, f), (5, 3));
            let mut out = vec![0f32; 4 * no];
            let st = unsafe {
                tw_predictor_predict_window(p, x.as_ptr(), 4, 5, 3, out.as_mut_ptr(), out.len())
            };
            assert_eq!(st, TW_OK);
            let own = Architecture::from_json(arch)
                .unwrap()
                .load_burnpack(format!("{DATA}/{file}"), &cpu_device())
                .unwrap()
                .forward_f64(&x, 4)
                .unwrap();
            assert_eq!(out, own, "{file}: C vs the Rust model");
            for (a, b) in out.iter().zip(want) {
                assert!((a - b).abs() <= 1e-5, "{file}: {a} vs committed {b}");
            }
            // the flat row entry point reads the same buffer the same way
            let mut flat = vec![0f32; 4 * no];
            let st = unsafe {
                tw_predictor_predict(p, x.as_ptr(), 4, 15, flat.as_mut_ptr(), flat.len())
            };
            assert_eq!(st, TW_OK);
            assert_eq!(flat, out);
            unsafe { tw_predictor_free(p) };
        }
    }

    /// A GRU registered from Rust is served by the C registry's predictor.
    #[test]
    #[cfg_attr(miri, ignore = "burn tensors and files: minutes per call under Miri")]
    fn registry_serves_window_models() {
        use tradewarden_inference::any::Architecture;
        use tradewarden_inference::registry::Registry;
        let dir = tempfile::tempdir().unwrap();
        let model = Architecture::from_json(GRU)
            .unwrap()
            .load_burnpack(format!("{DATA}/gru_window.bpk"), &cpu_device())
            .unwrap();
        let reg = Registry::open(dir.path()).unwrap();
        reg.register("seq", "g1", &model, Default::default())
            .unwrap();
        reg.promote("seq", "g1").unwrap();
        let root = cstr(dir.path().to_str().unwrap());
        let mut r: *mut crate::registry::tw_registry = std::ptr::null_mut();
        assert_eq!(
            unsafe { crate::registry::tw_registry_open(root.as_ptr(), &mut r) },
            TW_OK
        );
        let mut p: *mut tw_predictor = std::ptr::null_mut();
        assert_eq!(
            unsafe { crate::registry::tw_registry_load_active(r, c"seq".as_ptr(), &mut p) },
            TW_OK,
            "{}",
            last_error()
        );
        let x = windows();
        let mut out = [0f32; 8];
        let st =
            unsafe { tw_predictor_predict_window(p, x.as_ptr(), 4, 5, 3, out.as_mut_ptr(), 8) };
        assert_eq!(st, TW_OK);
        assert_eq!(out.to_vec(), model.forward_f64(&x, 4).unwrap());
        assert_eq!(
            unsafe { crate::registry::tw_registry_swap_active(r, c"seq".as_ptr(), p) },
            TW_OK
        );
        unsafe {
            tw_predictor_free(p);
            crate::registry::tw_registry_free(r);
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "burn tensors: minutes per call under Miri")]
    fn window_misuse_is_typed_and_writes_nothing() {
        let x = windows();
        let p = load_window(GRU, "gru_window.bpk");
        let mut keep = [7f32; 8];
        let mut call = |w: usize, f: usize, n: usize, len: usize| unsafe {
            tw_predictor_predict_window(p, x.as_ptr(), n, w, f, keep.as_mut_ptr(), len)
        };
        // same row width split the other way: refused by the library's check
        assert_eq!(call(3, 5, 4, 8), TW_ERR_INVALID_INPUT);
        assert!(last_error().contains("window = 3"));
        // a row width that is not the model's: refused before reading
        assert_eq!(call(5, 4, 4, 8), TW_ERR_INVALID_INPUT);
        assert_eq!(call(usize::MAX, 2, 1, 8), TW_ERR_INVALID_INPUT);
        assert_eq!(call(5, 3, 0, 8), TW_ERR_INVALID_INPUT);
        assert_eq!(call(5, 3, usize::MAX / 2, 8), TW_ERR_INVALID_INPUT);
        assert_eq!(call(5, 3, 4, 7), TW_ERR_BUFFER_TOO_SMALL);
        assert_eq!(call(5, 3, 4, usize::MAX), TW_ERR_INVALID_INPUT);
        assert_eq!(keep, [7f32; 8]);
        let mut bad = x.clone();
        bad[(2 * 5 + 4) * 3 + 1] = f64::NAN;
        let st =
            unsafe { tw_predictor_predict_window(p, bad.as_ptr(), 4, 5, 3, keep.as_mut_ptr(), 8) };
        assert_eq!(st, TW_ERR_INVALID_INPUT);
        assert!(last_error().contains("features[2][13]"));
        assert_eq!(keep, [7f32; 8]);
        let st = unsafe {
            tw_predictor_predict_window(p, std::ptr::null(), 4, 5, 3, keep.as_mut_ptr(), 8)
        };
        assert_eq!(st, TW_ERR_NULL_ARGUMENT);
        // a swap to a model of another output width is refused
        let t = cstr(&format!("{DATA}/transformer_window.bpk"));
        let st = unsafe {
            tw_predictor_swap_burnpack(p, c"t".as_ptr(), t.as_ptr(), cstr(TRANSFORMER).as_ptr())
        };
        assert_eq!(st, TW_ERR_INVALID_INPUT);
        // a bad architecture is a config error; the weights of another one corrupt
        let g = cstr(&format!("{DATA}/gru_window.bpk"));
        let st = unsafe {
            tw_predictor_swap_burnpack(
                p,
                c"t".as_ptr(),
                g.as_ptr(),
                c"{\"kind\": \"lstm\"}".as_ptr(),
            )
        };
        assert_eq!(st, crate::TW_ERR_INVALID_CONFIG);
        let st =
            unsafe { tw_predictor_swap_burnpack(p, c"t".as_ptr(), t.as_ptr(), cstr(GRU).as_ptr()) };
        assert_eq!(st, crate::TW_ERR_CORRUPT);
        let st = unsafe {
            tw_predictor_swap_burnpack(p, c"v2".as_ptr(), g.as_ptr(), cstr(GRU).as_ptr())
        };
        assert_eq!(st, TW_OK);
        unsafe { tw_predictor_free(p) };
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
