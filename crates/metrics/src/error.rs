//! Errors of `tradewarden-metrics`.

use tradewarden_core::{Classify, ErrorKind};

/// Errors of `tradewarden-metrics`.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// A metric name or namespace is not a valid Prometheus name.
    #[error("invalid metric name {param} = {value:?}: {reason}")]
    InvalidMetricName {
        /// Parameter name.
        param: &'static str,
        /// The bad value.
        value: String,
        /// Why.
        reason: String,
    },
    /// A label name is not a valid Prometheus label name.
    #[error("invalid label name {param} = {value:?}: {reason}")]
    InvalidLabelName {
        /// Parameter name.
        param: &'static str,
        /// The bad value.
        value: String,
        /// Why.
        reason: String,
    },
    /// A listen address could not be parsed as `ip:port`.
    #[error("invalid listen address {param} = {value:?}: {reason}")]
    InvalidAddress {
        /// Parameter name.
        param: &'static str,
        /// The bad value.
        value: String,
        /// Why.
        reason: String,
    },
    /// A non-loopback listen address without `allow_non_loopback = true`.
    #[error(
        "listen address {addr} is not loopback: set allow_non_loopback = true to expose metrics beyond this host"
    )]
    NonLoopbackAddress {
        /// The address.
        addr: String,
    },
    /// The listen port is already taken.
    #[error("listen address {addr} is already in use")]
    PortInUse {
        /// The address.
        addr: String,
    },
    /// Binding or serving failed for another reason.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Histogram buckets are empty, not finite or not strictly increasing.
    #[error("invalid buckets for {metric}: {reason}")]
    InvalidBuckets {
        /// The metric.
        metric: String,
        /// Why.
        reason: String,
    },
    /// A configuration names a metric that is not in the catalog.
    #[error("{param} names {value:?}, which is not in the metric catalog")]
    UnknownMetric {
        /// Parameter name.
        param: &'static str,
        /// The name.
        value: String,
    },
    /// A global recorder is already installed in this process.
    #[error("a metrics recorder is already installed in this process")]
    RecorderAlreadyInstalled,
    /// An invalid argument to a recording call.
    #[error("invalid {param} = {value}: {reason}")]
    InvalidInput {
        /// Parameter name.
        param: &'static str,
        /// The bad value.
        value: String,
        /// Why.
        reason: String,
    },
    /// Rendering the exposition failed.
    #[error("cannot render metrics: {reason}")]
    Render {
        /// Why.
        reason: String,
    },
    /// A configuration has several problems; all are listed.
    #[error("invalid metrics configuration: {}", join(.errors))]
    InvalidConfig {
        /// Every problem found.
        errors: Vec<MetricsError>,
    },
    /// An error from `tradewarden-core` (configuration loading).
    #[error(transparent)]
    Core(#[from] tradewarden_core::Error),
}

impl Classify for MetricsError {
    fn kind(&self) -> ErrorKind {
        match self {
            MetricsError::InvalidMetricName { .. }
            | MetricsError::InvalidLabelName { .. }
            | MetricsError::InvalidAddress { .. }
            | MetricsError::NonLoopbackAddress { .. }
            | MetricsError::InvalidBuckets { .. }
            | MetricsError::UnknownMetric { .. }
            | MetricsError::InvalidConfig { .. } => ErrorKind::InvalidConfig,
            MetricsError::InvalidInput { .. } => ErrorKind::InvalidInput,
            MetricsError::PortInUse { .. } | MetricsError::Listen { .. } => ErrorKind::Io,
            MetricsError::RecorderAlreadyInstalled => ErrorKind::State,
            MetricsError::Render { .. } => ErrorKind::Internal,
            MetricsError::Core(e) => e.kind(),
        }
    }
}

fn join(errors: &[MetricsError]) -> String {
    errors
        .iter()
        .map(|e| e.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Result alias of this crate.
pub type Result<T, E = MetricsError> = std::result::Result<T, E>;

/// Checks a Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub(crate) fn validate_metric_name(param: &'static str, value: &str) -> Result<()> {
    let mut chars = value.chars();
    let ok = match chars.next() {
        None => false,
        Some(c) => {
            (c.is_ascii_alphabetic() || c == '_' || c == ':')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        }
    };
    if ok {
        Ok(())
    } else {
        Err(MetricsError::InvalidMetricName {
            param,
            value: value.to_string(),
            reason: "must match [a-zA-Z_:][a-zA-Z0-9_:]*".into(),
        })
    }
}

/// Checks a Prometheus label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`.
pub(crate) fn validate_label_name(param: &'static str, value: &str) -> Result<()> {
    let mut chars = value.chars();
    let ok = match chars.next() {
        None => false,
        Some(c) => {
            (c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        }
    };
    if !ok {
        return Err(MetricsError::InvalidLabelName {
            param,
            value: value.to_string(),
            reason: "must match [a-zA-Z_][a-zA-Z0-9_]*".into(),
        });
    }
    if value.starts_with("__") {
        return Err(MetricsError::InvalidLabelName {
            param,
            value: value.to_string(),
            reason: "names starting with __ are reserved by Prometheus".into(),
        });
    }
    Ok(())
}

/// Checks histogram buckets: non-empty, finite, strictly increasing.
pub(crate) fn validate_buckets(metric: &str, buckets: &[f64]) -> Result<()> {
    let bad = |reason: &str| MetricsError::InvalidBuckets {
        metric: metric.to_string(),
        reason: reason.to_string(),
    };
    if buckets.is_empty() {
        return Err(bad("no buckets given"));
    }
    if let Some(b) = buckets.iter().find(|b| !b.is_finite()) {
        return Err(bad(&format!("bucket {b} is not finite")));
    }
    if let Some(w) = buckets.windows(2).find(|w| w[0] >= w[1]) {
        return Err(bad(&format!(
            "buckets must increase strictly, but {} is followed by {}",
            w[0], w[1]
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_labels_are_checked() {
        validate_metric_name("m", "a_b:c9").unwrap();
        for bad in ["", "9a", "a-b", "é"] {
            let e = validate_metric_name("metric", bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidConfig);
            assert!(e.to_string().contains("metric"), "{e}");
        }
        validate_label_name("l", "_x1").unwrap();
        for bad in ["", "a:b", "1a", "__reserved", "a b"] {
            let e = validate_label_name("label", bad).unwrap_err();
            assert!(matches!(e, MetricsError::InvalidLabelName { .. }));
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
    }

    #[test]
    fn buckets_are_checked() {
        validate_buckets("m", &[0.1, 1.0]).unwrap();
        for bad in [
            &[][..],
            &[1.0, 1.0],
            &[2.0, 1.0],
            &[f64::NAN],
            &[1.0, f64::INFINITY],
        ] {
            let e = validate_buckets("m", bad).unwrap_err();
            assert!(matches!(e, MetricsError::InvalidBuckets { .. }), "{bad:?}");
            assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        }
    }

    #[test]
    fn kinds() {
        assert_eq!(
            MetricsError::PortInUse { addr: "x".into() }.kind(),
            ErrorKind::Io
        );
        assert_eq!(
            MetricsError::RecorderAlreadyInstalled.kind(),
            ErrorKind::State
        );
    }
}
