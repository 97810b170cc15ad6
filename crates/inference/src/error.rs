//! The crate's error type.

use tradewarden_core::{Classify, ErrorKind};

/// Result alias of this crate.
pub type Result<T, E = InferenceError> = std::result::Result<T, E>;

/// Every failure of `tradewarden-inference`.
///
/// Each variant maps to a stable [`ErrorKind`] through [`Classify`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InferenceError {
    /// An error from `tradewarden-core`, with its kind: a configuration
    /// rejected with all its violations listed (kind `InvalidConfig`), or a
    /// failed atomic write (kind `Io`).
    #[error(transparent)]
    Core(#[from] tradewarden_core::Error),
    /// An input buffer does not have the size the model expects.
    #[error("shape mismatch: {param} has {actual} values, expected {expected} ({reason})")]
    ShapeMismatch {
        /// The offending argument.
        param: &'static str,
        /// The expected number of values.
        expected: usize,
        /// The number of values passed.
        actual: usize,
        /// How the expected size is derived.
        reason: String,
    },
    /// An argument is out of range.
    #[error("invalid input: {param} = {value}: {reason}")]
    InvalidInput {
        /// The offending argument.
        param: &'static str,
        /// Its value, rendered as text.
        value: String,
        /// Why it is rejected.
        reason: String,
    },
    /// A feature value is NaN or infinite.
    #[error(
        "features[{row}][{column}] = {value} is not finite (NaN and ±inf features are rejected)"
    )]
    NonFiniteFeature {
        /// Row of the offending value.
        row: usize,
        /// Column (feature index) of the offending value.
        column: usize,
        /// The value.
        value: f64,
    },
    /// A weight file is unreadable, malformed, or does not fit the architecture.
    #[error("weights {path}: {reason}")]
    Weights {
        /// The weight file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file does not exist.
    #[error("not found: {path}")]
    NotFound {
        /// The missing path.
        path: String,
    },
    /// The operating system failed a read or write.
    #[error("i/o error on {path}: {source}")]
    Io {
        /// The path involved.
        path: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A registry file does not match the checksum its manifest records.
    #[error("checksum mismatch for {path}: manifest sha256 {expected}, file sha256 {actual}")]
    ChecksumMismatch {
        /// The file.
        path: String,
        /// sha256 recorded in the manifest.
        expected: String,
        /// sha256 of the file on disk.
        actual: String,
    },
    /// A registry document (manifest or pointer) is unreadable.
    #[error("corrupt registry document {path}: {reason}")]
    CorruptDocument {
        /// The document.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The operation is not allowed in the registry's current state.
    #[error("registry state: {reason}")]
    State {
        /// Why.
        reason: String,
    },
    /// A device (backend) cannot be used: the feature is not compiled in, no
    /// adapter was found (e.g. no GPU and no software Vulkan driver), or the
    /// driver refused to create a device.
    #[error("device unavailable ({backend}): {reason}")]
    DeviceUnavailable {
        /// The backend asked for, e.g. `"wgpu"`.
        backend: &'static str,
        /// Why it cannot be used.
        reason: String,
    },
    /// The backend failed to execute or read back a tensor.
    #[error("backend error: {reason}")]
    Backend {
        /// The backend's message.
        reason: String,
    },
}

impl Classify for InferenceError {
    fn kind(&self) -> ErrorKind {
        match self {
            InferenceError::Core(e) => e.kind(),
            InferenceError::ShapeMismatch { .. }
            | InferenceError::InvalidInput { .. }
            | InferenceError::NonFiniteFeature { .. } => ErrorKind::InvalidInput,
            InferenceError::Weights { .. }
            | InferenceError::ChecksumMismatch { .. }
            | InferenceError::CorruptDocument { .. } => ErrorKind::Corrupt,
            InferenceError::State { .. } => ErrorKind::State,
            InferenceError::NotFound { .. } => ErrorKind::NotFound,
            InferenceError::Io { .. } => ErrorKind::Io,
            InferenceError::Backend { .. } => ErrorKind::Internal,
            InferenceError::DeviceUnavailable { .. } => ErrorKind::Unsupported,
        }
    }
}

impl InferenceError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::NotFound {
            InferenceError::NotFound {
                path: path.display().to_string(),
            }
        } else {
            InferenceError::Io {
                path: path.display().to_string(),
                source,
            }
        }
    }
}
