//! Bytes → the documents of a model registry (`manifest.json` of a version,
//! `active.json`, `last_good.json`, the weights) → `manifest`, `versions`,
//! `list`, `verify`, `active`, `last_good` and, for a small MLP whose
//! checksum matches, `load_model`. Nothing may panic; a manifest that loads
//! names the version it was read for.
//!
//! Layout: byte 0 = flags (bit 0: write the weights' real sha256 into the
//! manifest's `files`, so loading gets past the checksum; bit 1: a second
//! version `v2` with the same manifest), then up to four parts separated by
//! the line `=====\n`: manifest, active.json, last_good.json, weights.bpk.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};
use tradewarden_inference::any::Architecture;
use tradewarden_inference::device::cpu_device;
use tradewarden_inference::registry::Registry;

/// A scratch directory on tmpfs when there is one (fsync costs nothing there).
fn scratch() -> std::io::Result<tempfile::TempDir> {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm)
    } else {
        tempfile::tempdir()
    }
}

const SEP: &[u8] = b"=====\n";

fn parts(mut b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    while out.len() < 3 {
        match b.windows(SEP.len()).position(|w| w == SEP) {
            Some(i) => {
                out.push(&b[..i]);
                b = &b[i + SEP.len()..];
            }
            None => break,
        }
    }
    out.push(b);
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Parameters of an MLP architecture (None on overflow).
fn mlp_params(a: &Architecture) -> Option<usize> {
    let Architecture::Mlp(c) = a else { return None };
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
    let p = parts(rest);
    let Ok(root) = scratch() else { return };
    let reg = Registry::open(root.path()).expect("open a fresh registry");
    let model = root.path().join("m");
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
    if let Ok(list) = reg.list("m") {
        assert_eq!(list.len(), versions.len());
        for e in &list {
            assert_eq!(e.manifest.name, "m");
            let _ = e.manifest.architecture.n_features();
            let _ = e.manifest.architecture.n_outputs();
            let _ = e.manifest.architecture.kind();
        }
    }
    for v in versions {
        if let Ok(m) = reg.manifest("m", v) {
            assert_eq!((m.name.as_str(), m.version.as_str()), ("m", *v));
        }
        if let Ok(m) = reg.verify("m", v) {
            // Loading allocates the declared architecture first: only small
            // MLPs, so the fuzzer measures the loader, not the allocator.
            if mlp_params(&m.architecture).is_some_and(|n| n <= 1 << 16) {
                let _ = reg.load_model("m", v, &cpu_device());
            }
        }
    }
});
