//! Loading configuration documents (TOML, YAML, JSON) and validating them as a whole.
//!
//! Config types derive `serde::Deserialize` with `#[serde(deny_unknown_fields)]`;
//! [`load_config`] picks the format from the file extension and names the
//! offending key on a parse error. Semantic checks collect *every* violation
//! with a [`Validator`] and report them together.

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{Error, Result, Violation};

/// A configuration document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFormat {
    /// TOML.
    Toml,
    /// YAML.
    Yaml,
    /// JSON.
    Json,
}

// Names of every door (Python's `Policy.parse(format=)`, file extensions):
// `yml` is an alias of `yaml`.
crate::named_enum!(
    ConfigFormat,
    "format",
    [
        ("toml", ConfigFormat::Toml),
        ("yaml", ConfigFormat::Yaml),
        ("yml", ConfigFormat::Yaml),
        ("json", ConfigFormat::Json),
    ]
);

impl ConfigFormat {
    /// Format from a file extension (`toml`, `yaml`/`yml`, `json`, any case).
    ///
    /// ```
    /// use std::path::Path;
    /// use tradewarden_core::config::ConfigFormat;
    /// assert_eq!(ConfigFormat::from_path(Path::new("p.YML")).unwrap(), ConfigFormat::Yaml);
    /// assert_eq!("json".parse::<ConfigFormat>().unwrap(), ConfigFormat::Json);
    /// assert!("xml".parse::<ConfigFormat>().unwrap_err().to_string().contains("'yaml' (or 'yml')"));
    /// ```
    pub fn from_path(path: &Path) -> Result<ConfigFormat> {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(|e| e.to_ascii_lowercase().parse::<ConfigFormat>().ok())
            .ok_or_else(|| {
                Error::invalid(
                    "path",
                    path.display(),
                    "configuration file must end in .toml, .yaml, .yml or .json",
                )
            })
    }

    fn name(self) -> &'static str {
        crate::names::Named::as_str(self)
    }
}

/// Parses a configuration document from a string.
pub fn parse_config<T: DeserializeOwned>(text: &str, format: ConfigFormat) -> Result<T> {
    parse_named(text, format, "<string>")
}

fn parse_named<T: DeserializeOwned>(text: &str, format: ConfigFormat, path: &str) -> Result<T> {
    let res: std::result::Result<T, String> = match format {
        ConfigFormat::Toml => toml::from_str(text).map_err(|e| e.to_string()),
        ConfigFormat::Yaml => serde_yaml_ng::from_str(text).map_err(|e| e.to_string()),
        ConfigFormat::Json => serde_json::from_str(text).map_err(|e| e.to_string()),
    };
    res.map_err(|reason| Error::ConfigParse {
        path: path.to_string(),
        format: format.name(),
        reason: reason.trim().replace('\n', " "),
    })
}

/// Reads and parses a configuration file; the format comes from its extension.
///
/// ```
/// # use serde::Deserialize;
/// #[derive(Deserialize)]
/// #[serde(deny_unknown_fields)]
/// struct Limits { max_notional: f64 }
/// let dir = std::env::temp_dir().join(format!("tw-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("limits.toml");
/// std::fs::write(&path, "max_notional = 1e6\n").unwrap();
/// let l: Limits = tradewarden_core::config::load_config(&path).unwrap();
/// assert_eq!(l.max_notional, 1e6);
/// ```
pub fn load_config<T: DeserializeOwned>(path: impl AsRef<Path>) -> Result<T> {
    let path = path.as_ref();
    let format = ConfigFormat::from_path(path)?;
    let text = std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::NotFound {
                what: "configuration file",
                name: path.display().to_string(),
            }
        } else {
            Error::io(path, e)
        }
    })?;
    parse_named(&text, format, &path.display().to_string())
}

/// Collects every violation of a configuration, then reports them at once.
///
/// ```
/// use tradewarden_core::config::Validator;
/// let mut v = Validator::new();
/// v.check(-1.0 > 0.0, "capital", -1.0, "must be > 0");
/// v.check(0.5 < 0.3, "warning_pct", 0.5, "must be tighter than critical_pct");
/// let err = v.finish().unwrap_err();
/// assert!(err.to_string().contains("capital = -1"));
/// assert!(err.to_string().contains("warning_pct = 0.5"));
/// ```
#[derive(Debug, Default)]
pub struct Validator {
    violations: Vec<Violation>,
}

impl Validator {
    /// An empty validator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a violation unless `ok`.
    pub fn check(
        &mut self,
        ok: bool,
        field: impl Into<String>,
        value: impl std::fmt::Display,
        reason: impl Into<String>,
    ) -> &mut Self {
        if !ok {
            self.push(field, value, reason);
        }
        self
    }

    /// Records a violation.
    pub fn push(
        &mut self,
        field: impl Into<String>,
        value: impl std::fmt::Display,
        reason: impl Into<String>,
    ) -> &mut Self {
        self.violations.push(Violation {
            field: field.into(),
            value: value.to_string(),
            reason: reason.into(),
        });
        self
    }

    /// Checks a value is finite and > 0.
    pub fn positive(&mut self, field: impl Into<String>, value: f64) -> &mut Self {
        self.check(
            value.is_finite() && value > 0.0,
            field,
            value,
            "must be finite and > 0",
        )
    }

    /// Checks a value is finite and ≥ 0.
    pub fn non_negative(&mut self, field: impl Into<String>, value: f64) -> &mut Self {
        self.check(
            value.is_finite() && value >= 0.0,
            field,
            value,
            "must be finite and >= 0",
        )
    }

    /// Checks a value is in the closed interval `[lo, hi]`.
    pub fn in_range(
        &mut self,
        field: impl Into<String>,
        value: f64,
        lo: f64,
        hi: f64,
    ) -> &mut Self {
        self.check(
            value.is_finite() && value >= lo && value <= hi,
            field,
            value,
            format!("must be in [{lo}, {hi}]"),
        )
    }

    /// Violations so far.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// `Ok(())` when nothing was violated, else [`Error::InvalidConfig`] with all of them.
    pub fn finish(self) -> Result<()> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidConfig {
                violations: self.violations,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Cfg {
        capital: f64,
        #[serde(default)]
        name: String,
    }

    #[test]
    fn three_formats_same_value() {
        let t: Cfg = parse_config("capital = 5.0\nname = \"x\"", ConfigFormat::Toml).unwrap();
        let y: Cfg = parse_config("capital: 5.0\nname: x", ConfigFormat::Yaml).unwrap();
        let j: Cfg = parse_config(r#"{"capital": 5.0, "name": "x"}"#, ConfigFormat::Json).unwrap();
        assert_eq!(t, y);
        assert_eq!(y, j);
    }

    #[test]
    fn unknown_key_is_named() {
        for (text, f) in [
            ("capital = 1.0\ncapitol = 2.0", ConfigFormat::Toml),
            ("capital: 1.0\ncapitol: 2.0", ConfigFormat::Yaml),
            (r#"{"capital": 1.0, "capitol": 2.0}"#, ConfigFormat::Json),
        ] {
            let e = parse_config::<Cfg>(text, f).unwrap_err();
            assert!(e.to_string().contains("capitol"), "{f:?}: {e}");
        }
    }

    #[test]
    fn missing_file_and_bad_extension() {
        let e = load_config::<Cfg>("/nonexistent/x.toml").unwrap_err();
        assert!(matches!(e, Error::NotFound { .. }));
        let e = load_config::<Cfg>("/nonexistent/x.ini").unwrap_err();
        assert!(e.to_string().contains(".toml"));
    }
}
