//! Errors of codec training and encoding.

use crate::control::Cancelled;
use crate::error::CoreError;

/// Why a codec could not be trained or a data set not encoded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QuantError {
    #[error("the data set is empty")]
    Empty,
    #[error("at least one training row is needed (training_rows = 0)")]
    NoTrainingRows,
    #[error("row {row} has a non-finite value at column {col}")]
    NonFinite { row: usize, col: usize },
    #[error("row {row} is a zero vector, which has no direction under COSINE")]
    ZeroVectorUnderCosine { row: usize },
    #[error("LeanVec REDUCE must be at least 1")]
    ZeroReduce,
    #[error(
        "row {row} has components too large for LVQ's float16 scale/bias (|x − mean| > 65504)"
    )]
    OutOfHalfRange { row: usize },
    #[error("the PCA eigen-decomposition of the {dim}×{dim} covariance did not converge")]
    PcaDidNotConverge { dim: usize },
    #[error("{0}")]
    Cancelled(#[from] Cancelled),
    #[error(transparent)]
    Core(CoreError),
}

impl From<CoreError> for QuantError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Empty => QuantError::Empty,
            CoreError::NonFinite { row, col } => QuantError::NonFinite { row, col },
            CoreError::ZeroVectorUnderCosine { row } => QuantError::ZeroVectorUnderCosine { row },
            CoreError::Cancelled(c) => QuantError::Cancelled(c),
            other => QuantError::Core(other),
        }
    }
}
