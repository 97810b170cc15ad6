//! The error model shared by every tradewarden crate.
//!
//! Every crate has its own `thiserror` enum; each maps onto the small, stable
//! [`ErrorKind`] through [`Classify`]. The Python exception classes and the C
//! status codes are exhaustive matches on [`ErrorKind`], so it is deliberately
//! *not* `#[non_exhaustive]`: adding a kind must break those matches at
//! compile time.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The stable classification of every tradewarden error.
///
/// The numeric [`code`](ErrorKind::code) is part of the C ABI and never changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A caller passed a bad argument: empty series, NaN, length mismatch, out-of-range value.
    InvalidInput,
    /// A configuration document is invalid (unknown keys, inconsistent limits, …).
    InvalidConfig,
    /// Something named does not exist (a file, a feature, a model version).
    NotFound,
    /// The operating system failed a read or write.
    Io,
    /// Persisted data exists but cannot be trusted (bad checksum, bad format, wrong version).
    Corrupt,
    /// The operation is not allowed in the current state (e.g. trading halted).
    State,
    /// The request is well-formed but not supported by this build or backend.
    Unsupported,
    /// A bug in tradewarden (including a caught panic).
    Internal,
}

impl ErrorKind {
    /// Every kind, in code order.
    pub const ALL: [ErrorKind; 8] = [
        ErrorKind::InvalidInput,
        ErrorKind::InvalidConfig,
        ErrorKind::NotFound,
        ErrorKind::Io,
        ErrorKind::Corrupt,
        ErrorKind::State,
        ErrorKind::Unsupported,
        ErrorKind::Internal,
    ];

    /// Stable numeric code (1-based; 0 is reserved for "ok" in the C ABI).
    pub const fn code(self) -> u32 {
        match self {
            ErrorKind::InvalidInput => 1,
            ErrorKind::InvalidConfig => 2,
            ErrorKind::NotFound => 3,
            ErrorKind::Io => 4,
            ErrorKind::Corrupt => 5,
            ErrorKind::State => 6,
            ErrorKind::Unsupported => 7,
            ErrorKind::Internal => 8,
        }
    }

    /// Stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::InvalidConfig => "invalid_config",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Io => "io",
            ErrorKind::Corrupt => "corrupt",
            ErrorKind::State => "state",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Implemented by every crate error: its stable [`ErrorKind`].
pub trait Classify {
    /// The stable kind of this error.
    fn kind(&self) -> ErrorKind;
}

/// One violated rule in a configuration document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    /// Dotted path of the offending field, e.g. `limits.daily_loss.critical_pct`.
    pub field: String,
    /// The offending value, rendered as text.
    pub value: String,
    /// Why it is invalid.
    pub reason: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {}: {}", self.field, self.value, self.reason)
    }
}

/// Errors of `tradewarden-core`.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An argument has a value outside its domain.
    #[error("invalid {param} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name as the caller spells it.
        param: &'static str,
        /// The bad value.
        value: String,
        /// What was expected.
        reason: String,
    },
    /// An input series has no values.
    #[error("{param} is empty: at least {min} value(s) required")]
    Empty {
        /// Parameter name.
        param: &'static str,
        /// Minimum number of values.
        min: usize,
    },
    /// Two series that must be aligned have different lengths.
    #[error("length mismatch: {param} has {actual} values but {other} has {expected}")]
    LengthMismatch {
        /// Parameter name.
        param: &'static str,
        /// Its length.
        actual: usize,
        /// The series it must match.
        other: &'static str,
        /// That series' length.
        expected: usize,
    },
    /// A NaN or ±inf under `NanPolicy::Error`.
    #[error("{param}[{index}] = {value} is not finite (nan_policy = error; use skip or propagate)")]
    NonFinite {
        /// Parameter name.
        param: &'static str,
        /// First offending position.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A configuration document violates one or more rules; all are listed.
    #[error("invalid configuration: {}", join_violations(.violations))]
    InvalidConfig {
        /// Every violation found.
        violations: Vec<Violation>,
    },
    /// A configuration document could not be parsed.
    #[error("cannot parse {format} configuration {path}: {reason}")]
    ConfigParse {
        /// File (or `<string>`).
        path: String,
        /// toml, yaml or json.
        format: &'static str,
        /// Parser message (names the unknown or bad key).
        reason: String,
    },
    /// A named thing does not exist.
    #[error("{what} not found: {name}")]
    NotFound {
        /// What kind of thing.
        what: &'static str,
        /// Its name.
        name: String,
    },
    /// An I/O failure on a path.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Persisted or external data cannot be trusted or decoded.
    #[error("corrupt {what}: {reason}")]
    Corrupt {
        /// What was being read.
        what: String,
        /// Why it is rejected.
        reason: String,
    },
    /// Not supported.
    #[error("unsupported: {what}")]
    Unsupported {
        /// What was requested.
        what: String,
    },
    /// A bug.
    #[error("internal error: {reason}")]
    Internal {
        /// Description.
        reason: String,
    },
}

fn join_violations(v: &[Violation]) -> String {
    v.iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

impl Classify for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidParameter { .. }
            | Error::Empty { .. }
            | Error::LengthMismatch { .. }
            | Error::NonFinite { .. } => ErrorKind::InvalidInput,
            Error::InvalidConfig { .. } | Error::ConfigParse { .. } => ErrorKind::InvalidConfig,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::Io { .. } => ErrorKind::Io,
            Error::Corrupt { .. } => ErrorKind::Corrupt,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::Internal { .. } => ErrorKind::Internal,
        }
    }
}

impl Error {
    /// Shorthand for [`Error::InvalidParameter`].
    pub fn invalid(
        param: &'static str,
        value: impl fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidParameter {
            param,
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias of `tradewarden-core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_unique() {
        let codes: Vec<u32> = ErrorKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes, vec![1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn messages_name_parameter_and_value() {
        let e = Error::invalid("cutoff", 1.5, "must be in (0, 1)");
        assert_eq!(e.to_string(), "invalid cutoff = 1.5: must be in (0, 1)");
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = Error::InvalidConfig {
            violations: vec![
                Violation {
                    field: "a".into(),
                    value: "-1".into(),
                    reason: "must be > 0".into(),
                },
                Violation {
                    field: "b".into(),
                    value: "2".into(),
                    reason: "must be < 1".into(),
                },
            ],
        };
        assert!(
            e.to_string()
                .contains("a = -1: must be > 0; b = 2: must be < 1")
        );
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
    }
}
