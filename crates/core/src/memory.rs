//! Exact byte accounting of our own index structures.

use serde::{Deserialize, Serialize};

/// Bytes held by an index, split the way the dashboard draws them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MemoryBreakdown {
    /// Vector payloads (raw or compressed codes, including per-vector constants).
    pub vector_bytes: u64,
    /// Adjacency lists and level/degree bookkeeping.
    pub graph_bytes: u64,
    /// Everything else: codec parameters, id maps, entry points, projection matrices.
    pub other_bytes: u64,
}

impl MemoryBreakdown {
    pub fn index_bytes(&self) -> u64 {
        self.vector_bytes + self.graph_bytes + self.other_bytes
    }
}
