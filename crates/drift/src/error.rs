//! The error type of `tradewarden-drift`.

use tradewarden_core::{Classify, ErrorKind};

/// Errors of `tradewarden-drift`. Every message names the parameter and the
/// offending value.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A sample has too few (finite) values.
    #[error("{param} has {actual} usable value(s): at least {min} required")]
    TooFewValues {
        /// Parameter name.
        param: &'static str,
        /// Values left after the NaN policy.
        actual: usize,
        /// Minimum required.
        min: usize,
    },
    /// NaN or ±inf under `NanPolicy::Error`.
    #[error("{param}[{index}] = {value} is not finite (nan_policy = error; use skip)")]
    NonFinite {
        /// Parameter name.
        param: &'static str,
        /// First offending position.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A parameter is outside its domain.
    #[error("invalid {param} = {value}: {reason}")]
    InvalidParameter {
        /// Parameter name.
        param: &'static str,
        /// The bad value, rendered.
        value: String,
        /// What was expected.
        reason: &'static str,
    },
    /// A probability vector is invalid (negative entry, wrong sum, length mismatch).
    #[error("invalid probabilities {param}: {reason} (got {value})")]
    InvalidProbabilities {
        /// Parameter name.
        param: &'static str,
        /// The offending value (entry or sum).
        value: f64,
        /// What is wrong.
        reason: &'static str,
    },
    /// A statistic is undefined for this input (e.g. a constant feature where variance is needed).
    #[error("{param}: {reason}")]
    Degenerate {
        /// Parameter name.
        param: &'static str,
        /// Why the statistic is undefined.
        reason: &'static str,
    },
    /// A named feature is not in the profile / input.
    #[error("unknown feature {name:?} (param {param})")]
    UnknownFeature {
        /// Parameter name.
        param: &'static str,
        /// The feature name.
        name: String,
    },
    /// A persisted artefact (profile, score state, scorer, sketch) cannot be read.
    #[error("corrupt {artefact} ({what}): {reason}")]
    Corrupt {
        /// Which kind of artefact was being read.
        artefact: Artefact,
        /// What was being read.
        what: &'static str,
        /// Why it was rejected.
        reason: String,
    },
    /// A persisted artefact (profile, score state, scorer) has a format
    /// version this build does not read.
    #[error("unsupported {artefact} format version {found} (this build reads {expected})")]
    Version {
        /// Which kind of artefact was being read.
        artefact: Artefact,
        /// Version in the file.
        found: u32,
        /// Version this build reads.
        expected: u32,
    },
    /// Two profiles cannot be merged.
    #[error("cannot merge profiles: {reason}")]
    Merge {
        /// Why.
        reason: String,
    },
    /// An error from `tradewarden-core`.
    #[error(transparent)]
    Core(#[from] tradewarden_core::Error),
}

/// The kind of persisted artefact a [`Error::Corrupt`] names.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Artefact {
    /// A reference profile (`TWDP` binary or checksummed JSON).
    Profile,
    /// A live score state (`TWSS`).
    ScoreState,
    /// A compact scorer (`TWSC`).
    Scorer,
    /// A quantile sketch.
    Sketch,
    /// A drift report document.
    Report,
    /// A sketch grid (`TWSG`): bin edges and grid points from merged sketches.
    SketchGrid,
    /// The reference's counts at a sketch grid's points (`TWGC`).
    GridCounts,
    /// A deterministic quantile summary (`TWRS`).
    RankSummary,
}

impl std::fmt::Display for Artefact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Artefact::Profile => "profile",
            Artefact::ScoreState => "score state",
            Artefact::Scorer => "scorer",
            Artefact::Sketch => "quantile sketch",
            Artefact::Report => "report",
            Artefact::SketchGrid => "sketch grid",
            Artefact::GridCounts => "grid counts",
            Artefact::RankSummary => "rank summary",
        })
    }
}

impl Classify for Error {
    fn kind(&self) -> ErrorKind {
        match self {
            Error::TooFewValues { .. }
            | Error::NonFinite { .. }
            | Error::InvalidParameter { .. }
            | Error::InvalidProbabilities { .. }
            | Error::Degenerate { .. }
            | Error::Merge { .. } => ErrorKind::InvalidInput,
            Error::UnknownFeature { .. } => ErrorKind::NotFound,
            Error::Corrupt { .. } | Error::Version { .. } => ErrorKind::Corrupt,
            Error::Core(e) => e.kind(),
        }
    }
}

impl Error {
    /// The same error with a `Corrupt` or `Version` relabelled as
    /// `artefact` (other variants unchanged): a reader shared by two formats
    /// names the one read.
    pub(crate) fn in_artefact(self, artefact: Artefact) -> Self {
        match self {
            Error::Corrupt { what, reason, .. } => Error::Corrupt {
                artefact,
                what,
                reason,
            },
            Error::Version {
                found, expected, ..
            } => Error::Version {
                artefact,
                found,
                expected,
            },
            other => other,
        }
    }

    pub(crate) fn invalid(param: &'static str, value: impl ToString, reason: &'static str) -> Self {
        Error::InvalidParameter {
            param,
            value: value.to_string(),
            reason,
        }
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;
