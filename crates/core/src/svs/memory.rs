//! Redis memory model for SVS-VAMANA: what `vector_index_sz_mb` reports (spec §1.10, §3.6).
//!
//! ```text
//! backend (graph built):  ⌈n/1024⌉ · 1024 · (code bytes + 4·(R+1))     whole 1,024-vector blocks
//!                         + codec state + ~1.6 KB + 24 B per block      (no per-vector id map)
//! frontend (compressed, n < TRAINING_THRESHOLD): the flat buffer of n full-precision vectors
//!                         (the FLAT model, ~49 B per vector on top of the data) + ~1.6 KB
//! ```
//! - code bytes: [`crate::quant::bytes_per_vector`] of the effective codec (the §3.6 table);
//!   the graph is one `(R + 1) × u32` record per vector, allocated at full R. Both live in
//!   SVS's blocked storage, reserved a whole 1,024-vector block at a time (the server logs
//!   "Required memory for a block of 1024 vectors").
//! - codec state: LVQ the f32 mean (4d), LeanVec the mean and the f32 projection (4d + 4·d′·d),
//!   plus [`REDIS_SVS_COMPRESSION_FIXED_BYTES`] for any compressed index (measured with
//!   GlobalSQ8 at d = 128 and 784: 720 B both times).
//! - With WORKERS > 0 the server leaves a few hundred vectors (615 and 639 at n = 50,000) in
//!   the flat buffer once indexing ends. That is a range, not the point estimate:
//!   [`RedisSvsMemory::flat_buffer_residue_max`] is the flat buffer of
//!   [`FLAT_BUFFER_RESIDUE_MAX_VECTORS`] vectors, to add to the total at most.
//!
//! Sources read (layout facts only):
//! - RedisAI/VectorSimilarity:src/VecSim/algorithms/svs/svs.h (blocked data and graph, no VecSim-side id map)
//! - RedisAI/VectorSimilarity:src/VecSim/algorithms/svs/svs_utils.h (block size, build parameters)
//! - RedisAI/VectorSimilarity:src/VecSim/algorithms/svs/svs_tiered.h (flat frontend, training threshold)
//! - ../shared/spec/live-redis-figures.md (the fixed parts, measured on 8.2.13)

use crate::element::ElementType;
use crate::flat::redis_flat_memory_estimate;
use crate::quant::{bytes_per_vector, leanvec::effective_reduced_dim, CodecKind};

use super::params::{SvsParams, Target};
use super::target::{effective_codec, effective_config};

/// Vectors per SVS storage block.
pub const REDIS_SVS_BLOCK_VECTORS: u64 = 1024;
/// Index objects of the tiered SVS index (live 8.2: 1.9–2.7 KB uncompressed at 12 and 49
/// blocks, i.e. about this plus [`REDIS_SVS_PER_BLOCK_BYTES`]).
pub const REDIS_SVS_FIXED_BYTES: u64 = 1_600;
/// Per storage block: its allocation header and its entry in the block list.
pub const REDIS_SVS_PER_BLOCK_BYTES: u64 = 24;
/// Extra state of a compressed index (quantiser objects), measured with GlobalSQ8.
pub const REDIS_SVS_COMPRESSION_FIXED_BYTES: u64 = 720;
/// Upper end of the vectors left in the flat buffer with WORKERS > 0 (615 and 639 observed).
pub const FLAT_BUFFER_RESIDUE_MAX_VECTORS: u64 = 700;

/// Bytes of the graph record per vector: 4·(R+1).
pub fn graph_bytes_per_vector(graph_max_degree: usize) -> u64 {
    4 * (graph_max_degree as u64 + 1)
}

/// Shared codec state (independent of n), without [`REDIS_SVS_COMPRESSION_FIXED_BYTES`].
pub fn codec_state_bytes(kind: CodecKind, dim: usize) -> u64 {
    let d = dim as u64;
    match kind {
        CodecKind::Float32 | CodecKind::Float16 => 0,
        CodecKind::GlobalSq8 => 8,
        CodecKind::Lvq4 | CodecKind::Lvq8 | CodecKind::Lvq4x4 | CodecKind::Lvq4x8 => 4 * d,
        CodecKind::LeanVec4x8 { reduce } | CodecKind::LeanVec8x8 { reduce } => {
            4 * d + 4 * effective_reduced_dim(reduce, dim) as u64 * d
        }
    }
}

/// The parts of the Redis estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct RedisSvsMemory {
    /// Codes of whole 1,024-vector blocks.
    pub data_bytes: u64,
    /// Graph records of whole 1,024-vector blocks.
    pub graph_bytes: u64,
    pub codec_bytes: u64,
    /// Index objects and per-block bookkeeping.
    pub fixed_bytes: u64,
    /// The uncompressed flat buffer (only while Redis still serves from it).
    pub flat_buffer_bytes: u64,
    /// With WORKERS > 0: at most this much more for vectors left in the flat buffer after
    /// indexing (not part of [`RedisSvsMemory::total`]; 0 while the buffer is all there is).
    pub flat_buffer_residue_max: u64,
}

impl RedisSvsMemory {
    /// The point estimate (WORKERS 0, or every vector moved to the graph).
    pub fn total(&self) -> u64 {
        self.data_bytes
            + self.graph_bytes
            + self.codec_bytes
            + self.fixed_bytes
            + self.flat_buffer_bytes
    }

    /// The range with WORKERS > 0: from [`RedisSvsMemory::total`] to the total plus the residue.
    pub fn total_range_with_workers(&self) -> (u64, u64) {
        (self.total(), self.total() + self.flat_buffer_residue_max)
    }
}

/// The parts of what `vector_index_sz_mb` would count for `n` vectors.
pub fn redis_memory_estimate(
    n: usize,
    dim: usize,
    params: &SvsParams,
    target: Target,
) -> RedisSvsMemory {
    if n == 0 {
        return RedisSvsMemory::default();
    }
    let effective = effective_config(params, n, dim, target);
    let n64 = n as u64;
    if effective.redis_serves_flat_buffer {
        return RedisSvsMemory {
            fixed_bytes: REDIS_SVS_FIXED_BYTES,
            flat_buffer_bytes: flat_buffer_bytes(n64, dim, params.element_type),
            ..RedisSvsMemory::default()
        };
    }
    let codec = effective_codec(params, dim, target);
    let blocks = n64.div_ceil(REDIS_SVS_BLOCK_VECTORS);
    let slots = blocks * REDIS_SVS_BLOCK_VECTORS;
    let compressed_fixed = if params.compression.is_some() {
        REDIS_SVS_COMPRESSION_FIXED_BYTES
    } else {
        0
    };
    let residue = FLAT_BUFFER_RESIDUE_MAX_VECTORS.min(n64);
    RedisSvsMemory {
        data_bytes: slots * bytes_per_vector(codec, dim) as u64,
        graph_bytes: slots * graph_bytes_per_vector(params.graph_max_degree),
        codec_bytes: codec_state_bytes(codec, dim) + compressed_fixed,
        fixed_bytes: REDIS_SVS_FIXED_BYTES + blocks * REDIS_SVS_PER_BLOCK_BYTES,
        flat_buffer_bytes: 0,
        flat_buffer_residue_max: flat_buffer_bytes(residue, dim, params.element_type),
    }
}

/// Bytes of the tiered index's flat buffer holding `n` vectors at the index's precision (the
/// FLAT model; SVS stores FLOAT16 as FLOAT16 and everything else as FLOAT32).
pub fn flat_buffer_bytes(n: u64, dim: usize, element_type: ElementType) -> u64 {
    redis_flat_memory_estimate(n, dim, flat_type(element_type)).index_bytes()
}

/// What Redis's `vector_index_sz_mb` would report for this index, in bytes (documented model).
pub fn redis_index_bytes_estimate(n: usize, dim: usize, params: &SvsParams, target: Target) -> u64 {
    redis_memory_estimate(n, dim, params, target).total()
}

/// Raw vector blobs in the HASH documents (outside the index, always full precision).
pub fn document_bytes(n: usize, dim: usize, element_type: ElementType) -> u64 {
    n as u64 * dim as u64 * element_type.size_bytes() as u64
}

/// SVS only takes FLOAT32/FLOAT16; anything else is stored as FP32 by annlab.
fn flat_type(t: ElementType) -> ElementType {
    match t {
        ElementType::Float16 => ElementType::Float16,
        ElementType::Float32 | ElementType::Bfloat16 => ElementType::Float32,
    }
}
