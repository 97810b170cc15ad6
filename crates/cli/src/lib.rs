//! The documents the `tradewarden` command prints with `--json`, typed.
//!
//! Every command of the `tradewarden` executable prints one JSON document
//! on stdout with `--json` (else its human summary, the document's
//! `Display` where it has one). The documents that are not a library
//! result (those are printed as the library type, e.g.
//! [`tradewarden_drift::report::DriftReport`] for `drift report`,
//! [`tradewarden_guardrails::rollback::RollbackReport`] for `rollback`) are
//! defined here, one module per command family, so that automation written
//! in Rust parses the command's output into the same type the command
//! serialised (`docs/cli.md` lists which document each command prints):
//!
//! ```
//! use tradewarden_cli::doc::registry::RolledBack;
//! let out = r#"{"name": "mlp", "active": "v1"}"#; // `registry rollback --json`
//! let doc: RolledBack = serde_json::from_str(out).unwrap();
//! assert_eq!(doc.active, "v1");
//! assert_eq!(doc.to_string(), "mlp: rolled back, active = v1");
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod doc;
