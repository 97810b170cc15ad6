//! Output documents of the `tradewarden` command, one module per command
//! family. Each is `Serialize` (what `--json` prints: keys sorted, as
//! `serde_json::Value` orders them) and `Deserialize` (to parse that output
//! back), with `Display` for the human form where the command prints one.

pub mod demo;
pub mod drift;
pub mod guard;
pub mod regime;
pub mod registry;

/// A float as JSON writes it (`1.0`, `0.25`, `null` for NaN or infinity):
/// the human lines print numbers as the JSON document does.
pub(crate) fn json_number(x: f64) -> String {
    serde_json::Value::from(x).to_string()
}
