//! Bytes → the documents of a model registry (`manifest.json` of a version,
//! `active.json`, `last_good.json`, the weights, `manifest.sig`) →
//! `manifest`, `versions`, `list`, `inventory`, `verify` (architecture,
//! checksums, signature: every check a load makes before the weights are
//! decoded), `sign`, `active`, `last_good`. Burn-free: the inference crate
//! is built without its `models` feature. Built with the fuzz crate's
//! feature `inference`, small MLPs that verify are also loaded (burn's
//! burnpack decoder). Nothing may panic; a manifest that loads names the
//! version it was read for; a version that verifies is never reported
//! corrupt, and on a registry with a verifying key it carries a signature.
//!
//! Layout: byte 0 = flags, then up to five parts separated by the line
//! `=====\n`: manifest, active.json, last_good.json, weights.bpk,
//! manifest.sig. Flags: bit 0: write the weights' real sha256 into the
//! manifest's `files`, so verification gets past the checksum; bit 1: a
//! second version `v2` with the same manifest; bit 2: open the registry with
//! a verifying key (signatures required); bit 3: sign `v1` with that key
//! (`Registry::sign`, which verifies the files first) instead of writing
//! the fifth part as its `manifest.sig`.
//!
//! The registry root is one directory per process (on tmpfs when there is
//! one), emptied before every input; the key is derived once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use tradewarden_fuzz::{hex, parts};
use tradewarden_inference::registry::{
    Registry, RegistryOptions, SigningKey, signing_key_from_bytes,
};

/// The harness's signing key, derived once per process (an ed25519 public
/// key derivation per input cost more than the checks it fed).
fn key() -> &'static SigningKey {
    static KEY: std::sync::OnceLock<SigningKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| signing_key_from_bytes(&[7u8; 32]).expect("a 32-byte key"))
}

/// Parameters of an MLP architecture (None on overflow).
#[cfg(feature = "inference")]
fn mlp_params(a: &tradewarden_inference::Architecture) -> Option<usize> {
    let tradewarden_inference::Architecture::Mlp(c) = a else {
        return None;
    };
    let mut widths = vec![c.input];
    widths.extend(&c.hidden);
    widths.push(c.output);
    widths.windows(2).try_fold(0usize, |acc, w| {
        acc.checked_add(w[0].checked_mul(w[1])?.checked_add(w[1])?)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let p = parts(rest, 5);
    // One scratch directory per process (tmpfs when there is one), emptied
    // for every input.
    let root = tradewarden_fuzz::fresh_scratch();
    let opts = if flags & 4 != 0 {
        RegistryOptions::default().with_verifying_key(key().verifying_key())
    } else {
        RegistryOptions::default()
    };
    let reg = Registry::open_with(root, opts).expect("open a fresh registry");
    let model = root.join("m");
    let weights = p.get(3).copied().unwrap_or(&[]);
    let mut manifest = p[0].to_vec();
    if flags & 1 != 0
        && let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&manifest)
        && let Some(files) = v.get_mut("files").and_then(|f| f.as_object_mut())
    {
        files.insert(
            "weights.bpk".into(),
            serde_json::Value::String(hex(&Sha256::digest(weights))),
        );
        manifest = serde_json::to_vec(&v).expect("re-serialize");
    }
    let versions: &[&str] = if flags & 2 != 0 {
        &["v1", "v2"]
    } else {
        &["v1"]
    };
    for v in versions {
        let vd = model.join("versions").join(v);
        std::fs::create_dir_all(&vd).expect("mkdir");
        std::fs::write(vd.join("manifest.json"), &manifest).expect("write manifest");
        std::fs::write(vd.join("weights.bpk"), weights).expect("write weights");
        if flags & 8 == 0
            && let Some(sig) = p.get(4)
        {
            std::fs::write(vd.join("manifest.sig"), sig).expect("write signature");
        }
    }
    if flags & 8 != 0 {
        let signed = reg.sign("m", "v1", key());
        // Signing checks the files like verify does, bar the signature.
        if signed.is_ok() {
            assert!(model.join("versions/v1/manifest.sig").is_file());
        }
    }
    if let Some(a) = p.get(1) {
        std::fs::write(model.join("active.json"), a).expect("write active");
    }
    if let Some(l) = p.get(2) {
        std::fs::write(model.join("last_good.json"), l).expect("write last_good");
    }

    let _ = reg.versions("m");
    let _ = reg.active("m");
    let _ = reg.last_good("m");
    let inventory = reg.inventory("m");
    match (&inventory, reg.list("m")) {
        (Ok(inv), Ok(list)) => {
            assert!(inv.corrupt.is_empty());
            assert_eq!(&list, &inv.versions);
            assert_eq!(list.len(), versions.len());
            for e in &list {
                assert_eq!(e.manifest.name, "m");
                assert!(e.manifest.architecture.validate().is_ok());
                let _ = e.manifest.architecture.n_features();
                let _ = e.manifest.architecture.n_outputs();
                let _ = e.manifest.architecture.kind();
                let _ = e.manifest.signing_payload();
            }
        }
        (Ok(inv), Err(_)) => {
            // Only a corrupt version fails the strict listing.
            assert!(!inv.corrupt.is_empty());
            assert_eq!(inv.versions.len() + inv.corrupt.len(), versions.len());
            for c in &inv.corrupt {
                assert!(c.path.ends_with("manifest.json"), "{}", c.path);
                assert!(c.path.contains(&c.version), "{}", c.path);
            }
        }
        // A bad pointer fails both.
        (Err(_), r) => assert!(r.is_err()),
    }
    for v in versions {
        if let Ok(m) = reg.manifest("m", v) {
            assert_eq!((m.name.as_str(), m.version.as_str()), ("m", *v));
        }
        if let Ok(m) = reg.verify("m", v) {
            assert_eq!((m.name.as_str(), m.version.as_str()), ("m", *v));
            assert!(m.architecture.validate().is_ok());
            if flags & 4 != 0 {
                assert!(
                    model
                        .join("versions")
                        .join(v)
                        .join("manifest.sig")
                        .is_file()
                );
            }
            if let Ok(inv) = &inventory {
                assert!(inv.corrupt.iter().all(|c| c.version != *v));
            }
            // With burn: loading allocates the declared architecture first:
            // only small MLPs, so the fuzzer measures the loader, not the
            // allocator.
            #[cfg(feature = "inference")]
            if mlp_params(&m.architecture).is_some_and(|n| n <= 1 << 16) {
                let _ = reg.load_model("m", v, &tradewarden_inference::device::cpu_device());
            }
        }
    }
});
