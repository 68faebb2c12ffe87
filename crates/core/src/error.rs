//! Errors of the core crate. Each module with its own failure modes may add a small error type;
//! this one covers shape and value problems shared by all of them.

/// Shape and value errors shared by the core modules.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CoreError {
    #[error("dimension mismatch: expected {expected}, got {got}")]
    DimensionMismatch { expected: usize, got: usize },
    #[error("data length {len} is not a multiple of dimension {dim}")]
    RaggedData { len: usize, dim: usize },
    #[error("dimension must be at least 1")]
    ZeroDimension,
    #[error("the data set is empty")]
    Empty,
    #[error("row {row} has a non-finite value at column {col}")]
    NonFinite { row: usize, col: usize },
    #[error("row {row} is a zero vector, which has no direction under COSINE")]
    ZeroVectorUnderCosine { row: usize },
    #[error("k must be at least 1")]
    ZeroK,
    #[error("id {id} is out of range for {len} rows")]
    IdOutOfRange { id: usize, len: usize },
    #[error("{0}")]
    Cancelled(#[from] crate::control::Cancelled),
}
