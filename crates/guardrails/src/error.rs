//! Errors of `tradewarden-guardrails`.

use std::path::PathBuf;

use tradewarden_core::{Classify, ErrorKind};

/// Errors of `tradewarden-guardrails`.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error from `tradewarden-core` (config parsing, validation, atomic writes).
    #[error(transparent)]
    Core(#[from] tradewarden_core::Error),
    /// An argument has a value outside its domain.
    #[error("invalid {param} = {value}: {reason}")]
    InvalidInput {
        /// Parameter name as the caller spells it.
        param: &'static str,
        /// The bad value, rendered as text.
        value: String,
        /// What was expected.
        reason: String,
    },
    /// A column required by the operation is absent.
    #[error("missing column {column}: {reason}")]
    MissingColumn {
        /// Column name.
        column: &'static str,
        /// Why it is needed.
        reason: String,
    },
    /// A requested trading-state transition is not allowed.
    #[error("illegal transition {from} -> {to}: {reason}")]
    IllegalTransition {
        /// Current state.
        from: &'static str,
        /// Requested state.
        to: &'static str,
        /// Why it is refused.
        reason: String,
    },
    /// A persisted state file exists but cannot be trusted.
    #[error("corrupt state file {path}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Why it is rejected.
        reason: String,
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
}

impl Error {
    pub(crate) fn invalid(
        param: &'static str,
        value: impl std::fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidInput {
            param,
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

impl Classify for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::Core(e) => e.kind(),
            Error::InvalidInput { .. } | Error::MissingColumn { .. } => ErrorKind::InvalidInput,
            Error::IllegalTransition { .. } => ErrorKind::State,
            Error::Corrupt { .. } => ErrorKind::Corrupt,
            Error::Io { .. } => ErrorKind::Io,
        }
    }
}

/// Result alias of `tradewarden-guardrails`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
