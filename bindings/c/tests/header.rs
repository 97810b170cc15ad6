//! The committed header `include/tradewarden.h` must equal what cbindgen
//! generates from the source: a change to the ABI without regenerating the
//! header fails here. Regenerate with `TW_BLESS=1 cargo test -p tradewarden-capi --test header`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

fn generate() -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).unwrap()
}

fn differs(committed: &str, generated: &str) -> bool {
    committed.replace("\r\n", "\n") != generated
}

#[test]
fn header_is_up_to_date() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("include/tradewarden.h");
    let generated = generate();
    if std::env::var_os("TW_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        !differs(&committed, &generated),
        "include/tradewarden.h is stale: regenerate with TW_BLESS=1 cargo test -p tradewarden-capi --test header"
    );
    // The check itself can fail: an edited header is detected.
    let edited = committed.replace("tw_returns_sharpe_ratio", "tw_returns_sharpe");
    assert!(differs(&edited, &generated));
    assert!(generated.contains("tw_status tw_returns_sharpe_ratio(const double *returns,"));
    assert!(generated.contains("#define TW_OK 0"));
    // The test-only panic hook never reaches the production header.
    assert!(!generated.contains("tw_debug_force_panic"));
}
