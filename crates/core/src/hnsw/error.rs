//! Errors of the HNSW index.

use crate::control::Cancelled;
use crate::error::CoreError;

/// Why an HNSW build or query failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HnswError {
    /// `reason` is the server's text for that M (see [`super::HnswParams::validate`]).
    #[error("{reason}")]
    InvalidM { m: usize, reason: &'static str },
    /// An FT.CREATE value out of range, with the server's text.
    #[error("Bad arguments for vector similarity HNSW index `{name}`: Value is outside acceptable bounds")]
    InvalidParameter { name: &'static str, value: String },
    /// A query-time value the server refuses (EF_RUNTIME 0, a negative range EPSILON).
    #[error("Error parsing vector similarity parameters: Invalid value was given")]
    InvalidRuntimeValue { name: &'static str, value: String },
    #[error("the store holds {len} vectors; HNSW ids are 32-bit")]
    TooManyVectors { len: usize },
    #[error("query has dimension {got}, the index has {expected}")]
    QueryDimension { expected: usize, got: usize },
    #[error("the query is a zero or non-finite vector, which COSINE cannot normalise")]
    QueryNotNormalizable,
    #[error("k must be at least 1")]
    ZeroK,
    #[error(transparent)]
    Core(#[from] CoreError),
    #[error("{0}")]
    Cancelled(#[from] Cancelled),
}

impl HnswError {
    /// The FT.CREATE attribute a parameter error is about, for a form that shows it next to
    /// that field.
    pub fn attribute(&self) -> Option<&'static str> {
        match self {
            Self::InvalidM { .. } => Some("M"),
            Self::InvalidParameter { name, .. } | Self::InvalidRuntimeValue { name, .. } => {
                Some(name)
            }
            _ => None,
        }
    }
}
