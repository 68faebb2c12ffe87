//! HNSW parameters with Redis names and defaults (VecSim `vec_sim_common.h`).

use serde::{Deserialize, Serialize};

use crate::element::ElementType;

pub const DEFAULT_M: usize = 16;
pub const DEFAULT_EF_CONSTRUCTION: usize = 200;
pub const DEFAULT_EF_RUNTIME: usize = 10;
pub const DEFAULT_EPSILON: f64 = 0.01;
/// hnswlib's default level-generator seed.
pub const DEFAULT_SEED: u64 = 100;

/// Build-time HNSW attributes (FT.CREATE … HNSW).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HnswParams {
    pub m: usize,
    pub ef_construction: usize,
    /// The index default for KNN queries; a query may override it.
    pub ef_runtime: usize,
    pub epsilon: f64,
    pub element_type: ElementType,
    /// Seed for level draws.
    pub seed: u64,
}

impl Default for HnswParams {
    fn default() -> Self {
        Self {
            m: DEFAULT_M,
            ef_construction: DEFAULT_EF_CONSTRUCTION,
            ef_runtime: DEFAULT_EF_RUNTIME,
            epsilon: DEFAULT_EPSILON,
            element_type: ElementType::Float32,
            seed: DEFAULT_SEED,
        }
    }
}

impl HnswParams {
    /// Level-0 degree bound M0 = 2M.
    pub fn m0(&self) -> usize {
        2 * self.m
    }

    /// VecSim uses max(EF_CONSTRUCTION, M).
    pub fn effective_ef_construction(&self) -> usize {
        self.ef_construction.max(self.m)
    }
}
