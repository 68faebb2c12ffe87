//! Why a bundle could not be built. Messages are shown to users as they are.

/// An input the exporter refuses: it would produce a plan that is wrong, or a command Redis
/// rejects.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExportError {
    #[error("{which} run index {index} is out of range (the report has {len} runs)")]
    RunOutOfRange {
        which: &'static str,
        index: usize,
        len: usize,
    },
    #[error("run {index} is {found}, but the {which} run must be {expected}")]
    WrongAlgorithm {
        which: &'static str,
        index: usize,
        expected: &'static str,
        found: &'static str,
    },
    #[error("search point {index} is out of range (the SVS run has {len} points)")]
    PointOutOfRange { index: usize, len: usize },
    #[error("the HNSW run has no search points")]
    NoHnswPoints,
    #[error("invalid {what} {name:?}: {reason}")]
    InvalidName {
        what: &'static str,
        name: String,
        reason: &'static str,
    },
    #[error("{0}")]
    NameClash(String),
    #[error(
        "prefix {a:?} overlaps prefix {b:?}: one index would also index the other's keys; choose a different new prefix"
    )]
    PrefixOverlap { a: String, b: String },
    #[error(
        "the comparison was measured at DIM {measured}, but the production vectors have DIM {production}; measure on a sample of the production vectors"
    )]
    DimMismatch { measured: usize, production: usize },
    #[error(
        "the comparison was measured with metric {measured}, but the production index uses {production}"
    )]
    MetricMismatch {
        measured: String,
        production: String,
    },
    #[error(
        "the chosen SVS config has {attribute} = {chosen}, but the measured run used {measured}; export the configuration that was measured"
    )]
    ConfigMismatch {
        attribute: &'static str,
        measured: String,
        chosen: String,
    },
    /// The SVS attributes would be refused by FT.CREATE (text follows the server's error).
    #[error("{0}")]
    InvalidSvs(String),
    #[error("invalid production fact `{field}`: {reason}")]
    InvalidFacts { field: &'static str, reason: String },
}
