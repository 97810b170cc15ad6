//! The model registry: versions with checksummed manifests under a root
//! directory, `active` / `last_good` pointers
//! (`tradewarden_inference::registry::Registry`). Opening, listing, the
//! inventory (good and corrupt versions), signing and reading the pointers
//! are in every build; registering weights, promote, rollback and loading
//! the active version into a `tw_predictor` load models and need the cargo
//! feature `inference` (C macro `TRADEWARDEN_INFERENCE`).
//!
//! Layout per model name: `<root>/<name>/versions/<version>/` (burnpack
//! weights and `manifest.json`), `<root>/<name>/active.json`,
//! `<root>/<name>/last_good.json`. Names and versions are 1–128 characters
//! of `[A-Za-z0-9._-]`. One writer per root.
//!
//! Signatures: a registry opened with `tw_registry_open_verified` refuses
//! (`TW_ERR_CORRUPT`, naming `manifest.sig`) every version that is not
//! signed by the private half of its verifying key; sign with
//! `tw_registry_register_safetensors_signed` or `tw_registry_sign`. Keys are
//! files of 64 hex characters or 32 raw bytes (ed25519).

use std::ffi::c_char;

#[cfg(feature = "inference")]
use tradewarden_inference::Predictor;
#[cfg(feature = "inference")]
use tradewarden_inference::any::WeightsFormat;
#[cfg(feature = "inference")]
use tradewarden_inference::device::cpu_device;
use tradewarden_inference::registry::{self, Registry, RegistryOptions};

use crate::handle::{self, Tagged, handle};
#[cfg(feature = "inference")]
use crate::inference::{load_model, predictor_ref, tw_predictor};
use crate::{Failure, TW_ERR_NOT_FOUND, guard, non_null, req_str, tw_status, write_out, write_str};

/// A model registry rooted at a directory. Every function taking a
/// `const tw_registry *` may run on several threads at once; the registry
/// is not a lock between processes.
#[derive(Debug)]
pub struct tw_registry(Tagged<Registry>);
handle!(tw_registry, Registry, b"twREGSTR");

/// # Safety
/// `r` must be NULL or a registry of this library.
unsafe fn registry_ref<'a>(r: *const tw_registry) -> Result<&'a Registry, Failure> {
    // SAFETY: forwarded caller contract.
    unsafe { handle::live(r, "registry") }
}

/// The active version of `name`, or `TW_ERR_NOT_FOUND` when nothing was promoted.
fn active(r: &Registry, name: &str) -> Result<String, Failure> {
    r.active(name)?.ok_or_else(|| {
        Failure(
            TW_ERR_NOT_FOUND,
            format!("name = {name:?}: no active version (nothing was promoted)"),
        )
    })
}

/// Opens (creating it if needed) the registry at directory `root`. A
/// directory that cannot be created is `TW_ERR_IO`. Free with `tw_registry_free`.
///
/// # Safety
/// `root` must be a NUL-terminated string, `out` valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_open(
    root: *const c_char,
    out: *mut *mut tw_registry,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let root = unsafe { req_str(root, "root")? };
        non_null(out, "out")?;
        let inner = Registry::open(root)?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_registry>(out, inner) }
    })
}

/// Opens (creating it if needed) the registry at directory `root` with the
/// ed25519 verifying (public) key in the file `verifying_key_path` (64 hex
/// characters or 32 raw bytes): every version loaded, verified, promoted or
/// rolled back to must carry a `manifest.sig` made by its private half;
/// unsigned or mis-signed versions are `TW_ERR_CORRUPT`. A missing key file
/// is `TW_ERR_NOT_FOUND`, a malformed one `TW_ERR_INVALID_INPUT` (the key is
/// never echoed). Free with `tw_registry_free`.
///
/// # Safety
/// `root` and `verifying_key_path` must be NUL-terminated strings, `out`
/// valid for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_open_verified(
    root: *const c_char,
    verifying_key_path: *const c_char,
    out: *mut *mut tw_registry,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let root = unsafe { req_str(root, "root")? };
        // SAFETY: forwarded caller contract.
        let key = unsafe { req_str(verifying_key_path, "verifying_key_path")? };
        non_null(out, "out")?;
        let opts =
            RegistryOptions::default().with_verifying_key(registry::load_verifying_key(key)?);
        let inner = Registry::open_with(root, opts)?;
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_registry>(out, inner) }
    })
}

/// The body of the `tw_registry_register_*` functions: checks the registry,
/// name and version (and loads the signing key, when one is given), loads
/// the model (`weights`: its format and path; `architecture`: the JSON and
/// the parameter name errors use) through the crate's one loader and
/// registers it, signed when a key is given.
///
/// # Safety
/// `registry` must be NULL or a live registry, the strings NULL or
/// NUL-terminated.
#[cfg(feature = "inference")]
unsafe fn register_model(
    registry: *const tw_registry,
    name: *const c_char,
    version: *const c_char,
    weights: (WeightsFormat, *const c_char),
    architecture: (*const c_char, &str),
    signing_key_path: Option<*const c_char>,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { registry_ref(registry)? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(name, "name")? };
        // SAFETY: forwarded caller contract.
        let version = unsafe { req_str(version, "version")? };
        let key = match signing_key_path {
            // SAFETY: forwarded caller contract.
            Some(k) => Some(registry::load_signing_key(unsafe {
                req_str(k, "signing_key_path")?
            })?),
            None => None,
        };
        // SAFETY: forwarded caller contract.
        let model = unsafe { load_model(weights.0, weights.1, architecture.0, architecture.1)? };
        match &key {
            Some(key) => {
                r.register_signed(name, version, &model, Default::default(), key)?;
            }
            None => {
                r.register(name, version, &model, Default::default())?;
            }
        }
        Ok(())
    })
}

/// As `tw_registry_register_safetensors`, and signs the manifest with the
/// ed25519 signing (private) key in the file `signing_key_path` (64 hex
/// characters or 32 raw bytes), in the same atomic registration. On a
/// registry opened with a verifying key, a signing key that is not its
/// private half is `TW_ERR_INVALID_INPUT` and nothing is registered.
///
/// # Safety
/// `registry` must be a live registry and the strings NUL-terminated.
#[cfg(feature = "inference")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_register_safetensors_signed(
    registry: *const tw_registry,
    name: *const c_char,
    version: *const c_char,
    weights_path: *const c_char,
    config_json: *const c_char,
    signing_key_path: *const c_char,
) -> tw_status {
    // SAFETY: forwarded caller contract.
    unsafe {
        register_model(
            registry,
            name,
            version,
            (WeightsFormat::Safetensors, weights_path),
            (config_json, "config_json"),
            Some(signing_key_path),
        )
    }
}

/// Signs (or re-signs) an existing `name`/`version` with the signing key in
/// the file `signing_key_path`, after checking the version's checksums
/// (`TW_ERR_CORRUPT` when they differ). Errors as
/// `tw_registry_register_safetensors_signed`.
///
/// # Safety
/// `registry` must be a live registry and the strings NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_sign(
    registry: *const tw_registry,
    name: *const c_char,
    version: *const c_char,
    signing_key_path: *const c_char,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { registry_ref(registry)? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(name, "name")? };
        // SAFETY: forwarded caller contract.
        let version = unsafe { req_str(version, "version")? };
        // SAFETY: forwarded caller contract.
        let key = unsafe { req_str(signing_key_path, "signing_key_path")? };
        r.sign(name, version, &registry::load_signing_key(key)?)?;
        Ok(())
    })
}

/// Registers `name`/`version` (stage development) from a PyTorch
/// safetensors file with torch's key names and its architecture as JSON (as
/// `tw_predictor_load_safetensors`: an `MlpConfig`, or a GRU / Transformer
/// window model's config with its `"kind"`): the weights are stored as
/// burnpack with a checksummed manifest recording the architecture. A bad
/// name or version is `TW_ERR_INVALID_INPUT`, an existing version
/// `TW_ERR_STATE` (versions are immutable); weights errors as
/// `tw_predictor_load_safetensors`.
///
/// # Safety
/// `registry` must be a live registry and the strings NUL-terminated.
#[cfg(feature = "inference")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_register_safetensors(
    registry: *const tw_registry,
    name: *const c_char,
    version: *const c_char,
    weights_path: *const c_char,
    config_json: *const c_char,
) -> tw_status {
    // SAFETY: forwarded caller contract.
    unsafe {
        register_model(
            registry,
            name,
            version,
            (WeightsFormat::Safetensors, weights_path),
            (config_json, "config_json"),
            None,
        )
    }
}

/// Registers `name`/`version` (stage development) from burnpack weights
/// and their architecture as JSON (as `tw_predictor_load_burnpack`: an
/// `MlpConfig`, or a GRU / Transformer window model's config with its
/// `"kind"`), e.g. a model saved by `save_burnpack` in Rust or Python.
/// Errors as `tw_registry_register_safetensors`, weights errors as
/// `tw_predictor_load_burnpack`.
///
/// # Safety
/// `registry` must be a live registry and the strings NUL-terminated.
#[cfg(feature = "inference")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_register_burnpack(
    registry: *const tw_registry,
    name: *const c_char,
    version: *const c_char,
    weights_path: *const c_char,
    architecture_json: *const c_char,
) -> tw_status {
    // SAFETY: forwarded caller contract.
    unsafe {
        register_model(
            registry,
            name,
            version,
            (WeightsFormat::Burnpack, weights_path),
            (architecture_json, "architecture_json"),
            None,
        )
    }
}

/// Promotes `name`/`version` to production: verifies and loads it first,
/// archives the other production versions, points `last_good` at the
/// previously active version and `active` at this one. A version that fails
/// verification is refused (`TW_ERR_CORRUPT`) and nothing changes; an
/// unknown one is `TW_ERR_NOT_FOUND`.
///
/// # Safety
/// `registry` must be a live registry and the strings NUL-terminated.
#[cfg(feature = "inference")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_promote(
    registry: *const tw_registry,
    name: *const c_char,
    version: *const c_char,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { registry_ref(registry)? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(name, "name")? };
        // SAFETY: forwarded caller contract.
        let version = unsafe { req_str(version, "version")? };
        r.promote(name, version)?;
        Ok(())
    })
}

/// Points `active` of `name` back at its `last_good` version (verified and
/// loaded first); the version rolled back from is archived. Read the version
/// now active with `tw_registry_active_version`. No last-good version, or
/// it is already active: `TW_ERR_STATE`.
///
/// # Safety
/// `registry` must be a live registry and `name` NUL-terminated.
#[cfg(feature = "inference")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_rollback(
    registry: *const tw_registry,
    name: *const c_char,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { registry_ref(registry)? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(name, "name")? };
        r.rollback(name)?;
        Ok(())
    })
}

/// Marks `name`/`version` with the stage named `stage`: `"staging"`, or back
/// to `"development"` (the manifest's spellings). `"production"` and
/// `"archived"` are set by promote and rollback: `TW_ERR_INVALID_INPUT`, as
/// is any other name (the message lists the names); an unknown version is
/// `TW_ERR_NOT_FOUND`. Needs no model: in every build.
///
/// # Safety
/// `registry` must be a live registry and the strings NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_stage(
    registry: *const tw_registry,
    name: *const c_char,
    version: *const c_char,
    stage: *const c_char,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract (each).
        let (r, name, version, stage) = unsafe {
            (
                registry_ref(registry)?,
                req_str(name, "name")?,
                req_str(version, "version")?,
                req_str(stage, "stage")?,
            )
        };
        Ok(r.stage(name, version, stage.parse::<registry::Stage>()?)?)
    })
}

/// Copies the active version of `name`, NUL-terminated, into `buf` of `len`
/// bytes and its length (without the NUL) to `written`. Nothing promoted:
/// `TW_ERR_NOT_FOUND`; `TW_ERR_BUFFER_TOO_SMALL` when it does not fit
/// (nothing written; versions are at most 128 bytes, so 129 always fits).
///
/// # Safety
/// `registry` must be a live registry, `name` NUL-terminated, `buf` valid
/// for `len` writes, `written` for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_active_version(
    registry: *const tw_registry,
    name: *const c_char,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { registry_ref(registry)? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(name, "name")? };
        non_null(buf, "buf")?;
        non_null(written, "written")?;
        let v = active(r, name)?;
        // SAFETY: forwarded caller contract.
        unsafe { write_str(&v, "version", buf, len, written) }
    })
}

/// Writes the number of registered versions of `name` to `out` (0 for an
/// unknown model).
///
/// # Safety
/// `registry` must be a live registry, `name` NUL-terminated, `out` valid
/// for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_version_count(
    registry: *const tw_registry,
    name: *const c_char,
    out: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { registry_ref(registry)? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(name, "name")? };
        non_null(out, "out")?;
        let n = r.versions(name)?.len();
        // SAFETY: forwarded caller contract.
        unsafe { write_out(out, "out", n) }
    })
}

/// Copies the registered version number `index` of `name` (versions sorted
/// by name, 0-based) into `buf` as `tw_registry_active_version`. An index ≥
/// the version count is `TW_ERR_NOT_FOUND`.
///
/// # Safety
/// `registry` must be a live registry, `name` NUL-terminated, `buf` valid
/// for `len` writes, `written` for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_version_name(
    registry: *const tw_registry,
    name: *const c_char,
    index: usize,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { registry_ref(registry)? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(name, "name")? };
        non_null(buf, "buf")?;
        non_null(written, "written")?;
        let versions = r.versions(name)?;
        let v = versions.get(index).ok_or_else(|| {
            Failure(
                TW_ERR_NOT_FOUND,
                format!(
                    "index = {index}: {name:?} has {} registered versions",
                    versions.len()
                ),
            )
        })?;
        // SAFETY: forwarded caller contract.
        unsafe { write_str(v, "version", buf, len, written) }
    })
}

/// Verifies and loads the active version of `name` (any architecture: an
/// MLP, or a GRU / Transformer registered from Rust or Python; predict
/// windows with `tw_predictor_predict_window`) on the CPU into a new
/// predictor named `name`, tagged with the version. Nothing promoted:
/// `TW_ERR_NOT_FOUND`; a version failing verification `TW_ERR_CORRUPT`.
/// Free the predictor with `tw_predictor_free`.
///
/// # Safety
/// `registry` must be a live registry, `name` NUL-terminated, `out` valid
/// for one write.
#[cfg(feature = "inference")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_load_active(
    registry: *const tw_registry,
    name: *const c_char,
    out: *mut *mut tw_predictor,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { registry_ref(registry)? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(name, "name")? };
        non_null(out, "out")?;
        let Some((version, model)) = r.load_active_model(name, &cpu_device())? else {
            return Err(Failure(
                TW_ERR_NOT_FOUND,
                format!("name = {name:?}: no active version (nothing was promoted)"),
            ));
        };
        let inner = Predictor::new(name, version, model);
        // SAFETY: forwarded caller contract.
        unsafe { handle::give::<tw_predictor>(out, inner) }
    })
}

/// Hot swap: verifies and loads the active version of `name` and makes it
/// the serving model of `predictor` (as `tw_predictor_swap`; predictions in
/// flight finish on the old model), e.g. after `tw_registry_promote` or
/// `tw_registry_rollback`. Nothing promoted: `TW_ERR_NOT_FOUND`; a version
/// failing verification `TW_ERR_CORRUPT`; another input or output width
/// `TW_ERR_INVALID_INPUT`. On any error the current model keeps serving. May
/// run concurrently with predictions on `predictor`.
///
/// # Safety
/// `registry` must be a live registry, `name` NUL-terminated, `predictor` a
/// live predictor.
#[cfg(feature = "inference")]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_swap_active(
    registry: *const tw_registry,
    name: *const c_char,
    predictor: *const tw_predictor,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { registry_ref(registry)? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(name, "name")? };
        // SAFETY: forwarded caller contract.
        let p = unsafe { predictor_ref(predictor)? };
        let Some((version, model)) = r.load_active_model(name, &cpu_device())? else {
            return Err(Failure(
                TW_ERR_NOT_FOUND,
                format!("name = {name:?}: no active version (nothing was promoted)"),
            ));
        };
        p.swap(version, model)?;
        Ok(())
    })
}

/// Copies the inventory of `name` as JSON, NUL-terminated, into `buf` of
/// `len` bytes and its length (without the NUL) to `written`: every version,
/// the readable ones under `"versions"` (manifest, `active`, `last_good`,
/// `signed`, as listed) and the corrupt ones under `"corrupt"` (`version`,
/// `path` of the file at fault, `reason`) — a corrupt manifest is reported,
/// not an error (`Registry::inventory`). An unknown model has no versions.
/// `TW_ERR_BUFFER_TOO_SMALL` (the message names the size needed) and
/// nothing written when it does not fit; a corrupt `active`/`last_good`
/// pointer is `TW_ERR_CORRUPT`.
///
/// # Safety
/// `registry` must be a live registry, `name` NUL-terminated, `buf` valid
/// for `len` writes, `written` for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_inventory_json(
    registry: *const tw_registry,
    name: *const c_char,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let r = unsafe { registry_ref(registry)? };
        // SAFETY: forwarded caller contract.
        let name = unsafe { req_str(name, "name")? };
        non_null(buf, "buf")?;
        non_null(written, "written")?;
        let inv = r.inventory(name)?;
        let text = serde_json::to_string(&inv)
            .map_err(|e| Failure(crate::TW_ERR_INTERNAL, format!("inventory to JSON: {e}")))?;
        // SAFETY: forwarded caller contract.
        unsafe { write_str(&text, "inventory", buf, len, written) }
    })
}

/// Freezes learning for `name` (`Registry::freeze_learning`: the canary
/// rollback plan's "freeze online learning"): until
/// `tw_registry_unfreeze_learning`, registering and promoting a version of
/// `name` are `TW_ERR_STATE`; rollback still works. A blank `who` or `why`
/// is `TW_ERR_INVALID_INPUT`.
///
/// # Safety
/// `registry` must be a live registry and the strings NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_freeze_learning(
    registry: *const tw_registry,
    name: *const c_char,
    who: *const c_char,
    why: *const c_char,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract (each).
        let (r, name, who, why) = unsafe {
            (
                registry_ref(registry)?,
                req_str(name, "name")?,
                req_str(who, "who")?,
                req_str(why, "why")?,
            )
        };
        Ok(r.freeze_learning(name, who, why)?)
    })
}

/// Lifts the learning freeze of `name` (no-op when not frozen).
///
/// # Safety
/// `registry` must be a live registry and `name` NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_unfreeze_learning(
    registry: *const tw_registry,
    name: *const c_char,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract (each).
        let (r, name) = unsafe { (registry_ref(registry)?, req_str(name, "name")?) };
        Ok(r.unfreeze_learning(name)?)
    })
}

/// Copies the learning freeze of `name` as JSON (`{"who", "why", "since"}`,
/// since in Unix seconds), NUL-terminated, into `buf` of `len` bytes and its
/// length (without the NUL) to `written`. Not frozen: `TW_ERR_NOT_FOUND`;
/// an unreadable record (which counts as frozen): `TW_ERR_CORRUPT`;
/// `TW_ERR_BUFFER_TOO_SMALL` as `tw_registry_inventory_json`.
///
/// # Safety
/// `registry` must be a live registry, `name` NUL-terminated, `buf` valid
/// for `len` writes, `written` for one write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_learning_freeze_json(
    registry: *const tw_registry,
    name: *const c_char,
    buf: *mut c_char,
    len: usize,
    written: *mut usize,
) -> tw_status {
    guard(|| {
        // SAFETY: forwarded caller contract (each).
        let (r, name) = unsafe { (registry_ref(registry)?, req_str(name, "name")?) };
        non_null(buf, "buf")?;
        non_null(written, "written")?;
        let Some(f) = r.learning_freeze(name)? else {
            return Err(Failure(
                TW_ERR_NOT_FOUND,
                format!("name = {name:?}: learning is not frozen"),
            ));
        };
        let text = serde_json::to_string(&f).map_err(|e| {
            Failure(
                crate::TW_ERR_INTERNAL,
                format!("learning freeze to JSON: {e}"),
            )
        })?;
        // SAFETY: forwarded caller contract.
        unsafe { write_str(&text, "learning freeze", buf, len, written) }
    })
}

/// Frees a registry handle (the files stay); NULL is a no-op.
///
/// # Safety
/// `registry` must be NULL or a registry from `tw_registry_open` not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tw_registry_free(registry: *mut tw_registry) {
    // SAFETY: forwarded caller contract.
    unsafe { handle::free(registry, "registry") }
}

#[cfg(all(test, feature = "inference"))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::inference::{tw_predictor_free, tw_predictor_predict};
    use crate::{TW_ERR_STATE, TW_OK};

    fn cstr(s: &str) -> std::ffi::CString {
        std::ffi::CString::new(s).unwrap()
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "burn tensors (and a model file): minutes per call under Miri"
    )]
    fn register_promote_rollback_load() {
        let data = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../crates/inference/tests/data/mlp_tiny.safetensors"
        );
        let dir = tempfile::tempdir().unwrap();
        let root = cstr(dir.path().to_str().unwrap());
        let weights = cstr(data);
        let point = cstr(r#"{"input": 5, "hidden": [8, 6], "output": 3, "activation": "tanh"}"#);
        let mut r: *mut tw_registry = std::ptr::null_mut();
        assert_eq!(unsafe { tw_registry_open(root.as_ptr(), &mut r) }, TW_OK);
        for v in [c"v1", c"v2"] {
            let st = unsafe {
                tw_registry_register_safetensors(
                    r,
                    c"tiny".as_ptr(),
                    v.as_ptr(),
                    weights.as_ptr(),
                    point.as_ptr(),
                )
            };
            assert_eq!(st, TW_OK);
            assert_eq!(
                unsafe { tw_registry_promote(r, c"tiny".as_ptr(), v.as_ptr()) },
                TW_OK
            );
        }
        let mut n = 0usize;
        assert_eq!(
            unsafe { tw_registry_version_count(r, c"tiny".as_ptr(), &mut n) },
            TW_OK
        );
        assert_eq!(n, 2);
        let mut buf = [0 as c_char; 16];
        let mut w = 0usize;
        assert_eq!(
            unsafe {
                tw_registry_active_version(r, c"tiny".as_ptr(), buf.as_mut_ptr(), 16, &mut w)
            },
            TW_OK
        );
        assert_eq!((w, buf[1] as u8), (2, b'2'));
        assert_eq!(unsafe { tw_registry_rollback(r, c"tiny".as_ptr()) }, TW_OK);
        assert_eq!(
            unsafe { tw_registry_rollback(r, c"tiny".as_ptr()) },
            TW_ERR_STATE
        );
        let mut p: *mut tw_predictor = std::ptr::null_mut();
        assert_eq!(
            unsafe { tw_registry_load_active(r, c"tiny".as_ptr(), &mut p) },
            TW_OK
        );
        assert_eq!(&*unsafe { predictor_ref(p) }.ok().unwrap().version(), "v1");
        assert_eq!(
            unsafe { tw_registry_promote(r, c"tiny".as_ptr(), c"v2".as_ptr()) },
            TW_OK
        );
        assert_eq!(
            unsafe { tw_registry_swap_active(r, c"tiny".as_ptr(), p) },
            TW_OK
        );
        assert_eq!(&*unsafe { predictor_ref(p) }.ok().unwrap().version(), "v2");
        let x = [0.3f64; 5];
        let mut out = [0f32; 3];
        assert_eq!(
            unsafe { tw_predictor_predict(p, x.as_ptr(), 1, 5, out.as_mut_ptr(), 3) },
            TW_OK
        );
        unsafe {
            tw_predictor_free(p);
            tw_registry_free(r);
        }
    }
}

#[cfg(test)]
mod tests_inventory {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{TW_ERR_BUFFER_TOO_SMALL, TW_OK};

    /// The C inventory is the crate's `Registry::inventory` as JSON, a
    /// corrupt manifest included (in a build without models).
    #[test]
    fn inventory_json_is_the_crates() {
        let dir = tempfile::tempdir().unwrap();
        let v = dir.path().join("m/versions");
        std::fs::create_dir_all(v.join("v1")).unwrap();
        std::fs::create_dir_all(v.join("v2")).unwrap();
        std::fs::write(v.join("v1/manifest.json"), b"{\"name\": 3").unwrap();
        std::fs::write(v.join("v2/manifest.json"), b"[]").unwrap();
        let root = std::ffi::CString::new(dir.path().to_str().unwrap()).unwrap();
        let mut r: *mut tw_registry = std::ptr::null_mut();
        assert_eq!(unsafe { tw_registry_open(root.as_ptr(), &mut r) }, TW_OK);
        let mut buf = vec![0 as c_char; 4096];
        let mut n = 0usize;
        let st = unsafe {
            tw_registry_inventory_json(r, c"m".as_ptr(), buf.as_mut_ptr(), buf.len(), &mut n)
        };
        assert_eq!(st, TW_OK);
        let got = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
        let inv = Registry::open(dir.path()).unwrap().inventory("m").unwrap();
        assert_eq!(inv.corrupt.len(), 2);
        assert_eq!(got.to_str().unwrap(), serde_json::to_string(&inv).unwrap());
        let st =
            unsafe { tw_registry_inventory_json(r, c"m".as_ptr(), buf.as_mut_ptr(), 4, &mut n) };
        assert_eq!(st, TW_ERR_BUFFER_TOO_SMALL);
        unsafe { tw_registry_free(r) };
    }
}
