//! Redis memory model for HNSW: what `vector_index_sz_mb` (VecSim's allocator count) reports.
//!
//! Derived from VecSim's allocation layout, not fitted to a server figure. Every tracked
//! allocation costs its size plus an 8-byte header ([`REDIS_ALLOCATION_HEADER_BYTES`]).
//! Capacity `C = ⌈n / 1024⌉ · 1024`: storage grows one 1,024-vector block at a time, and each
//! growth resizes the per-id arrays to `C`.
//!
//! ```text
//! per block    vector block 1024·dim·sizeof(T) (+ header, + ≤ 64 B alignment slack)
//!              graph block  1024·(72 + 4·M0)   (+ header)          M0 = 2·M
//! per slot     9 (packed label + flags) + 2 (visited tag, per search handler) + 8 (hash bucket)
//! per vector   72 level-0 incoming-edge vector object + 32 label-hash node
//!              + upper levels: n/(M−1) lists of (16 + 4·M) + a 72 B vector object each,
//!                and one 8 B header per node that has any (n/M)
//!              + the incoming-edge buffers (expected; data-dependent, see below)
//! fixed        ~1.8 KB (index objects, the tiered wrapper and its empty flat frontend)
//! ```
//! - The graph record is `ElementGraphData`: toplevel (8) + `std::mutex` (40 on glibc) +
//!   the upper-level pointer (8) + the inline level-0 `LevelData` (incoming-edge pointer 8 +
//!   u16 count, padded to 16) = 72 B, then `4·M0` link slots. An upper `LevelData` is
//!   `16 + 4·M`. `EstimateElementSize` counts 32 instead of 72 and omits the edge vectors.
//! - Every level of every node owns a `vecsim_stl::vector<idType>` allocated through the
//!   allocator: a vtable, two `shared_ptr`s to the allocator and three pointers = 64 B + header.
//! - Levels: `level = ⌊−ln(u) / ln M⌋`, so `P(level ≥ l) = M^−l` and a node has
//!   `Σ M^−l = 1/(M−1)` upper levels on average.
//! - Incoming-edge buffers hold the unidirectional edges pointing at a node (`4·capacity`
//!   plus a header once the first one arrives). Their count depends on the data: 3–28 B per
//!   vector were observed (live 8.2 on clustered and 784-d data; search 2.10 on Gaussian data),
//!   so the model charges [`EXPECTED_INCOMING_EDGE_BYTES`] and reports the observed range in
//!   [`RedisHnswMemory::incoming_edges_range`].
//! - Search 2.10 (Redis Stack 7.4) and 8.2 share this layout; 2.10 also sizes the per-slot
//!   arrays for 1,024 slots while the index is empty, which no longer matters at n ≥ 1.
//!
//! Sources read (layout facts only):
//! - RedisAI/VectorSimilarity:src/VecSim/algorithms/hnsw/graph_data.h (ElementGraphData, ElementLevelData)
//! - RedisAI/VectorSimilarity:src/VecSim/algorithms/hnsw/hnsw.h (growByBlock, resizeIndexCommon, getRandomLevel)
//! - RedisAI/VectorSimilarity:src/VecSim/memory/vecsim_malloc.cpp (allocation header)
//! - RedisAI/VectorSimilarity:src/VecSim/memory/vecsim_base.h and src/VecSim/utils/vecsim_stl.h (vector object)
//! - RedisAI/VectorSimilarity:src/VecSim/utils/data_block.cpp (aligned block allocation)

use crate::element::ElementType;

/// Vectors per storage block (VecSim `DEFAULT_BLOCK_SIZE`).
pub const REDIS_BLOCK_VECTORS: u64 = 1024;
/// Header VecSim's allocator adds to every tracked allocation.
pub const REDIS_ALLOCATION_HEADER_BYTES: u64 = 8;
/// Upper bound of the alignment slack of one aligned vector block.
pub const REDIS_BLOCK_ALIGNMENT_BYTES: u64 = 64;
/// Fixed part of a level-0 record in `EstimateElementSize`.
pub const REDIS_LEVEL0_HEADER_BYTES: u64 = 32;
/// Per-vector metadata in `EstimateElementSize`.
pub const REDIS_METADATA_BYTES: u64 = 20;
/// Fixed part of the real `ElementGraphData` (toplevel, mutex, upper pointer, level-0 header).
pub const REDIS_ELEMENT_GRAPH_HEADER_BYTES: u64 = 72;
/// Fixed part of one upper-level `LevelData` (incoming-edge pointer, link count, padding).
pub const REDIS_UPPER_LIST_HEADER_BYTES: u64 = 16;
/// One `vecsim_stl::vector` object (64 B) plus its allocation header.
pub const REDIS_EDGE_VECTOR_OBJECT_BYTES: u64 = 72;
/// One label→id hash node: next pointer, key and value (24 B) plus its allocation header.
pub const REDIS_LABEL_NODE_BYTES: u64 = 32;
/// Per id slot: packed label + flags (9), one visited tag (2, per search handler), a bucket (8).
pub const REDIS_METADATA_SLOT_BYTES: u64 = 9;
pub const REDIS_VISITED_TAG_BYTES: u64 = 2;
pub const REDIS_HASH_BUCKET_BYTES: u64 = 8;
/// Expected incoming-edge buffer bytes per vector (middle of the observed 3–28 B).
pub const EXPECTED_INCOMING_EDGE_BYTES: u64 = 16;
/// Observed range of the incoming-edge buffer bytes per vector.
pub const INCOMING_EDGE_BYTES_RANGE: (u64, u64) = (3, 28);
/// Index objects, the tiered wrapper and its empty flat frontend (search 2.10: 21,312 B for
/// an empty index, of which ~19.5 KB are the 1,024-slot arrays).
pub const REDIS_HNSW_FIXED_BYTES: u64 = 1_800;

/// The shape the HNSW model needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedisHnswShape {
    pub n: u64,
    pub dim: u64,
    pub element_type: ElementType,
    pub m: u64,
    /// Server WORKERS: each concurrent search handler keeps its own visited-tag array.
    pub workers: u64,
}

/// The parts of the modelled `vector_index_sz_mb`, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct RedisHnswMemory {
    /// Whole 1,024-vector blocks of raw vectors.
    pub vector_blocks: u64,
    /// Whole 1,024-vector blocks of `ElementGraphData` + level-0 links.
    pub graph_blocks: u64,
    /// Label/flag metadata, visited tags and hash buckets, sized to the block capacity.
    pub id_slots: u64,
    /// Per vector: the level-0 incoming-edge vector object and the label hash node.
    pub per_vector: u64,
    /// Expected upper-level lists with their vector objects and headers.
    pub upper_levels: u64,
    /// Expected incoming-edge buffers.
    pub incoming_edges: u64,
    pub fixed: u64,
}

impl RedisHnswMemory {
    pub fn total(&self) -> u64 {
        self.vector_blocks
            + self.graph_blocks
            + self.id_slots
            + self.per_vector
            + self.upper_levels
            + self.incoming_edges
            + self.fixed
    }

    /// The total with the incoming-edge buffers at the low and high end of what was observed.
    pub fn incoming_edges_range(&self, n: u64) -> (u64, u64) {
        let rest = self.total() - self.incoming_edges;
        (
            rest + n * INCOMING_EDGE_BYTES_RANGE.0,
            rest + n * INCOMING_EDGE_BYTES_RANGE.1,
        )
    }
}

/// VecSim's `EstimateElementSize` for one vector: data + 32 + 4·M0 + 20 bytes. It is what
/// VecSim itself estimates, kept for comparison; the model is [`redis_memory_estimate`].
pub fn vecsim_element_size_estimate(dim: u64, element_type: ElementType, m: u64) -> u64 {
    dim * element_type.size_bytes() as u64
        + REDIS_LEVEL0_HEADER_BYTES
        + 4 * (2 * m)
        + REDIS_METADATA_BYTES
}

/// Bytes of one graph record: `ElementGraphData` plus M0 = 2·M link slots.
pub fn element_graph_bytes(m: u64) -> u64 {
    REDIS_ELEMENT_GRAPH_HEADER_BYTES + 4 * 2 * m
}

/// The parts of what `vector_index_sz_mb` would report for this shape; see the module docs.
pub fn redis_memory_estimate(shape: &RedisHnswShape) -> RedisHnswMemory {
    let n = shape.n;
    if n == 0 {
        return RedisHnswMemory::default();
    }
    let blocks = n.div_ceil(REDIS_BLOCK_VECTORS);
    let capacity = blocks * REDIS_BLOCK_VECTORS;
    let row = shape.dim * shape.element_type.size_bytes() as u64;
    let header = REDIS_ALLOCATION_HEADER_BYTES;
    let handlers = 1 + shape.workers;
    let slot =
        REDIS_METADATA_SLOT_BYTES + handlers * REDIS_VISITED_TAG_BYTES + REDIS_HASH_BUCKET_BYTES;
    RedisHnswMemory {
        vector_blocks: blocks * (REDIS_BLOCK_VECTORS * row + header + REDIS_BLOCK_ALIGNMENT_BYTES),
        graph_blocks: blocks * (REDIS_BLOCK_VECTORS * element_graph_bytes(shape.m) + header),
        id_slots: capacity * slot + (2 + handlers) * header,
        per_vector: n * (REDIS_EDGE_VECTOR_OBJECT_BYTES + REDIS_LABEL_NODE_BYTES),
        upper_levels: expected_upper_bytes(n, shape.m),
        incoming_edges: n * EXPECTED_INCOMING_EDGE_BYTES,
        fixed: REDIS_HNSW_FIXED_BYTES,
    }
}

/// The modelled `vector_index_sz_mb` (in bytes) of an HNSW index of `n` vectors with the
/// server's default WORKERS 0; see [`redis_memory_estimate`].
pub fn redis_index_bytes_estimate(n: u64, dim: u64, element_type: ElementType, m: u64) -> u64 {
    redis_memory_estimate(&RedisHnswShape {
        n,
        dim,
        element_type,
        m,
        workers: 0,
    })
    .total()
}

/// Expected bytes of the upper-level lists of `n` nodes (M ≥ 2): `n/(M−1)` lists of
/// `16 + 4·M` bytes, each with its incoming-edge vector object, plus one allocation header per
/// node that has any (`n/M`).
pub fn expected_upper_bytes(n: u64, m: u64) -> u64 {
    if m < 2 {
        return 0;
    }
    let n = n as f64;
    let m_f = m as f64;
    let list = (REDIS_UPPER_LIST_HEADER_BYTES + 4 * m + REDIS_EDGE_VECTOR_OBJECT_BYTES) as f64;
    let lists = n / (m_f - 1.0) * list;
    let headers = n / m_f * REDIS_ALLOCATION_HEADER_BYTES as f64;
    (lists + headers).round() as u64
}

/// Bytes of the raw vector blobs that `n` HASH documents keep (`dim · sizeof(TYPE)` each).
/// They stay outside `vector_index_sz_mb`.
pub fn document_bytes(n: u64, dim: u64, element_type: ElementType) -> u64 {
    n * dim * element_type.size_bytes() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(n: u64, dim: u64, m: u64) -> RedisHnswShape {
        RedisHnswShape {
            n,
            dim,
            element_type: ElementType::Float32,
            m,
            workers: 0,
        }
    }

    #[test]
    fn vecsim_estimate_is_3252_bytes_per_vector_at_768_m16() {
        assert_eq!(
            vecsim_element_size_estimate(768, ElementType::Float32, 16),
            3252
        );
        // The real record carries the mutex and the edge vectors the estimate leaves out.
        assert_eq!(element_graph_bytes(16), 200);
    }

    #[test]
    fn upper_levels_follow_the_level_generator() {
        // 1e6 nodes at M = 16: 1e6/15 lists of 16 + 64 + 72 bytes, 1e6/16 headers.
        let expected: f64 = 1e6 / 15.0 * 152.0 + 1e6 / 16.0 * 8.0;
        assert_eq!(expected_upper_bytes(1_000_000, 16), expected.round() as u64);
        assert_eq!(expected_upper_bytes(1000, 1), 0);
    }

    #[test]
    fn storage_grows_in_whole_blocks() {
        let one = redis_memory_estimate(&shape(1, 4, 8));
        let full = redis_memory_estimate(&shape(1024, 4, 8));
        let next = redis_memory_estimate(&shape(1025, 4, 8));
        assert_eq!(one.vector_blocks, full.vector_blocks);
        assert_eq!(one.graph_blocks, 1024 * (72 + 64) + 8);
        assert_eq!(next.graph_blocks, 2 * one.graph_blocks);
        assert_eq!(next.id_slots - full.id_slots, 1024 * (9 + 2 + 8));
        assert_eq!(redis_index_bytes_estimate(0, 4, ElementType::Float32, 8), 0);
    }

    #[test]
    fn every_worker_adds_a_visited_array() {
        let base = redis_memory_estimate(&shape(50_000, 128, 16));
        let two = redis_memory_estimate(&RedisHnswShape {
            workers: 2,
            ..shape(50_000, 128, 16)
        });
        assert_eq!(two.total() - base.total(), 2 * (50_176 * 2 + 8));
    }

    #[test]
    fn documents_hold_raw_blobs() {
        assert_eq!(document_bytes(10, 768, ElementType::Float32), 30_720);
        assert_eq!(document_bytes(10, 768, ElementType::Bfloat16), 15_360);
    }
}
