//! The closed set of HNSW element types at the runner/worker boundary.

use half::{bf16, f16};

use super::index::{Hnsw, HnswHits};
use super::search::SearchScratch;
use super::{HnswError, HnswParams};
use crate::control::BuildControl;
use crate::element::ElementType;
use crate::matrix::Matrix;
use crate::memory::MemoryBreakdown;
use crate::metric::Metric;
use crate::store::FullPrecisionStore;

/// An HNSW index stored as FLOAT32, FLOAT16 or BFLOAT16.
pub enum AnyHnsw {
    F32(Hnsw<FullPrecisionStore<f32>>),
    F16(Hnsw<FullPrecisionStore<f16>>),
    Bf16(Hnsw<FullPrecisionStore<bf16>>),
}

macro_rules! each {
    ($self:expr, $h:ident => $body:expr) => {
        $crate::dispatch_variants!($self, [AnyHnsw::F32, AnyHnsw::F16, AnyHnsw::Bf16], $h => $body)
    };
}

impl AnyHnsw {
    /// Stores `base` as `params.element_type` (normalised for COSINE) and builds the graph.
    pub fn build(
        base: &Matrix,
        metric: Metric,
        params: HnswParams,
        control: &mut dyn BuildControl,
    ) -> Result<Self, HnswError> {
        params.validate()?;
        Ok(match params.element_type {
            ElementType::Float32 => AnyHnsw::F32(Hnsw::build(
                FullPrecisionStore::from_matrix(base, metric)?,
                params,
                control,
            )?),
            ElementType::Float16 => AnyHnsw::F16(Hnsw::build(
                FullPrecisionStore::from_matrix(base, metric)?,
                params,
                control,
            )?),
            ElementType::Bfloat16 => AnyHnsw::Bf16(Hnsw::build(
                FullPrecisionStore::from_matrix(base, metric)?,
                params,
                control,
            )?),
        })
    }

    pub fn params(&self) -> &HnswParams {
        each!(self, h => h.params())
    }

    pub fn len(&self) -> usize {
        each!(self, h => h.len())
    }

    pub fn is_empty(&self) -> bool {
        each!(self, h => h.is_empty())
    }

    pub fn max_level(&self) -> usize {
        each!(self, h => h.max_level())
    }

    pub fn new_scratch(&self) -> SearchScratch {
        each!(self, h => h.new_scratch())
    }

    /// See [`Hnsw::search`].
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        ef_runtime: usize,
        scratch: &mut SearchScratch,
    ) -> Result<HnswHits, HnswError> {
        each!(self, h => h.search(query, k, ef_runtime, scratch))
    }

    /// See [`Hnsw::range_search`].
    pub fn range_search(
        &self,
        query: &[f32],
        radius: f32,
        epsilon: f64,
        scratch: &mut SearchScratch,
    ) -> Result<HnswHits, HnswError> {
        each!(self, h => h.range_search(query, radius, epsilon, scratch))
    }

    pub fn memory(&self) -> MemoryBreakdown {
        each!(self, h => h.memory())
    }

    pub fn redis_index_bytes_estimate(&self) -> u64 {
        each!(self, h => h.redis_index_bytes_estimate())
    }

    pub fn document_bytes(&self) -> u64 {
        each!(self, h => h.document_bytes())
    }
}
