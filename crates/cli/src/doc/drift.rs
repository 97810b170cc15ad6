//! `tradewarden drift …` documents. `drift report` prints the library's
//! [`DriftReport`] itself.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use tradewarden_drift::chunk::ChunkDrift;
use tradewarden_drift::profile::{FeatureProfile, Profile};
use tradewarden_drift::report::DriftReport;
use tradewarden_drift::state::{CellGrid, FeatureState, ScoreState};

use super::json_number;

/// `drift profile fit` and `drift profile show`: what a profile holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSummary {
    /// The profile's format version.
    pub format_version: u32,
    /// Every feature, by name.
    pub features: Vec<FeatureSummary>,
}

/// One feature of a [`ProfileSummary`], tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeatureSummary {
    /// A numeric feature.
    Numeric {
        /// Feature name.
        name: String,
        /// Non-NaN reference values.
        count: u64,
        /// NaN reference values.
        nan_count: u64,
        /// Smallest reference value.
        min: f64,
        /// Largest reference value.
        max: f64,
        /// Mean of the reference values.
        mean: f64,
        /// Number of bins.
        bins: usize,
        /// Whether the sorted reference values are kept (KS/JS need them).
        keeps_reference: bool,
    },
    /// A categorical feature.
    Categorical {
        /// Feature name.
        name: String,
        /// Non-missing reference values.
        count: u64,
        /// Missing reference values.
        missing: u64,
        /// Distinct categories.
        categories: usize,
    },
}

impl ProfileSummary {
    /// The summary of `p`.
    pub fn of(p: &Profile) -> Self {
        let features = p
            .features
            .iter()
            .map(|(n, f)| match f {
                FeatureProfile::Numeric(x) => FeatureSummary::Numeric {
                    name: n.clone(),
                    count: x.count,
                    nan_count: x.nan_count,
                    min: x.min,
                    max: x.max,
                    mean: x.mean,
                    bins: x.counts.len(),
                    keeps_reference: !x.reference.is_empty(),
                },
                FeatureProfile::Categorical(c) => FeatureSummary::Categorical {
                    name: n.clone(),
                    count: c.count,
                    missing: c.missing,
                    categories: c.counts.len(),
                },
            })
            .collect();
        ProfileSummary {
            format_version: p.format_version,
            features,
        }
    }
}

impl fmt::Display for ProfileSummary {
    /// One line per feature (`drift profile show`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for feature in &self.features {
            writeln!(f, "{feature}")?;
        }
        Ok(())
    }
}

impl fmt::Display for FeatureSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FeatureSummary::Numeric {
                name,
                count,
                min,
                max,
                mean,
                ..
            } => write!(
                f,
                "{name:<20} {:<11} n={count} mean={} min={} max={}",
                "numeric",
                json_number(*mean),
                json_number(*min),
                json_number(*max)
            ),
            FeatureSummary::Categorical {
                name,
                count,
                missing,
                categories,
            } => write!(
                f,
                "{name:<20} {:<11} n={count} missing={missing} categories={categories}",
                "categorical"
            ),
        }
    }
}

/// `drift chunks`: the report of every chunk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChunksDoc {
    /// The chunks in row order.
    pub chunks: Vec<ChunkDoc>,
}

/// One chunk of a [`ChunksDoc`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChunkDoc {
    /// Chunk index (`--size`, `--count`) or period start in Unix seconds (`--period`).
    pub key: f64,
    /// Rows `[start, end)` of the chunk.
    pub rows: [usize; 2],
    /// Rows scored (`[start, end)` each): the chunk's rows outside the reference rows.
    pub scored_rows: Vec<[usize; 2]>,
    /// Drift of the scored rows.
    pub report: DriftReport,
}

fn pair(r: &Range<usize>) -> [usize; 2] {
    [r.start, r.end]
}

impl ChunksDoc {
    /// The document of the library's chunk results.
    pub fn of(chunks: &[ChunkDrift]) -> Self {
        ChunksDoc {
            chunks: chunks
                .iter()
                .map(|c| ChunkDoc {
                    key: c.chunk.key,
                    rows: pair(&c.chunk.rows),
                    scored_rows: c.scored_rows.iter().map(pair).collect(),
                    report: c.report.clone(),
                })
                .collect(),
        }
    }
}

impl fmt::Display for ChunksDoc {
    /// One line per chunk.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.chunks {
            let scored: usize = c.scored_rows.iter().map(|[a, b]| b - a).sum();
            writeln!(
                f,
                "chunk {:<6} rows {:>8}..{:<8} scored {:>8}  {} of {} features drifted{}",
                c.key,
                c.rows[0],
                c.rows[1],
                scored,
                c.report.n_drifted,
                c.report.features.len(),
                if c.report.dataset_drift {
                    " (dataset drift)"
                } else {
                    ""
                }
            )?;
        }
        Ok(())
    }
}

/// `drift state`: the score state written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateDoc {
    /// The state file written.
    pub out: String,
    /// Exact or bounded (`cells`).
    pub grid: CellGrid,
    /// Size of the file in bytes.
    pub bytes: u64,
    /// Every feature of the state.
    pub features: Vec<FeatureStateSummary>,
}

/// One feature of a [`StateDoc`], tagged by `kind`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeatureStateSummary {
    /// A numeric feature.
    Numeric {
        /// Feature name.
        name: String,
        /// Rows seen.
        rows: u64,
        /// NaN values seen.
        nan_count: u64,
        /// Non-NaN values seen.
        count: u64,
    },
    /// A categorical feature.
    Categorical {
        /// Feature name.
        name: String,
        /// Missing values seen.
        missing: u64,
        /// Distinct categories seen.
        categories: usize,
    },
}

impl StateDoc {
    /// The document of `state`, written to `out` (`bytes` long).
    pub fn of(state: &ScoreState, out: &std::path::Path, bytes: u64) -> Self {
        let features = state
            .features()
            .iter()
            .map(|(n, f)| match f {
                FeatureState::Numeric(x) => FeatureStateSummary::Numeric {
                    name: n.clone(),
                    rows: x.rows(),
                    nan_count: x.nan_count(),
                    count: x.count(),
                },
                FeatureState::Categorical(c) => FeatureStateSummary::Categorical {
                    name: n.clone(),
                    missing: c.missing(),
                    categories: c.counts().len(),
                },
            })
            .collect();
        StateDoc {
            out: out.display().to_string(),
            grid: state.grid(),
            bytes,
            features,
        }
    }
}
