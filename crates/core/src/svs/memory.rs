//! Redis memory model for SVS-VAMANA (spec §1.10, §3.6).
//!
//! ```text
//! backend (graph built):   n × (data + 4·(R+1) + ID_MAP) + codec state
//! frontend (n < threshold, compressed): the FLAT model of n full-precision vectors
//! ```
//! - data: [`crate::quant::bytes_per_vector`] of the effective codec (the §3.6 table).
//! - graph: one `(R + 1) × u32` record per vector, allocated at full R.
//! - ID_MAP: [`ID_MAP_BYTES_PER_VECTOR`], an estimate (UNCERTAIN in the spec).
//! - codec state: GlobalSQ8 8 B; LVQ the f32 mean (4d); LeanVec mean + f32 projection
//!   (4d + 4·d′·d).
//! - frontend: while compressed and n < TRAINING_THRESHOLD, nothing is built; vectors sit in
//!   the brute-force buffer, modelled like a FLAT index
//!   ([`crate::flat::redis_flat_memory_estimate`]).
//!
//! Allocator headers (8 B per allocation) and block rounding are left out: SVS allocates large
//! blocks, so they are noise at this scale.

use crate::element::ElementType;
use crate::flat::redis_flat_memory_estimate;
use crate::quant::{bytes_per_vector, leanvec::effective_reduced_dim, CodecKind};

use super::params::{SvsParams, Target};
use super::target::{effective_codec, effective_config};

/// Per-vector bytes of SVS's two external↔internal id hash maps plus the status byte
/// (translation.h). Derivation: each map holds an 8-byte key and an 8-byte value per entry in
/// an open-addressing table at an average load of about 0.6, so 2 × 16 / 0.6 ≈ 53 B, plus
/// 1 status byte, rounded up to 8-byte alignment: 56 B. The spec brackets it at 40–80 B.
pub const ID_MAP_BYTES_PER_VECTOR: u64 = 56;

/// Bytes of the graph record per vector: 4·(R+1).
pub fn graph_bytes_per_vector(graph_max_degree: usize) -> u64 {
    4 * (graph_max_degree as u64 + 1)
}

/// Shared codec state (independent of n).
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RedisSvsMemory {
    pub data_bytes: u64,
    pub graph_bytes: u64,
    pub id_map_bytes: u64,
    pub codec_bytes: u64,
    /// The uncompressed flat buffer (only while Redis still serves from it).
    pub flat_buffer_bytes: u64,
}

impl RedisSvsMemory {
    pub fn total(&self) -> u64 {
        self.data_bytes
            + self.graph_bytes
            + self.id_map_bytes
            + self.codec_bytes
            + self.flat_buffer_bytes
    }
}

/// The parts of what `vector_index_sz_mb` would count for `n` vectors.
pub fn redis_memory_estimate(
    n: usize,
    dim: usize,
    params: &SvsParams,
    target: Target,
) -> RedisSvsMemory {
    let effective = effective_config(params, n, dim, target);
    let n64 = n as u64;
    if effective.redis_serves_flat_buffer {
        let flat = redis_flat_memory_estimate(n64, dim, flat_type(params.element_type));
        return RedisSvsMemory {
            flat_buffer_bytes: flat.index_bytes(),
            ..RedisSvsMemory::default()
        };
    }
    let codec = effective_codec(params, dim, target);
    RedisSvsMemory {
        data_bytes: n64 * bytes_per_vector(codec, dim) as u64,
        graph_bytes: n64 * graph_bytes_per_vector(params.graph_max_degree),
        id_map_bytes: n64 * ID_MAP_BYTES_PER_VECTOR,
        codec_bytes: codec_state_bytes(codec, dim),
        flat_buffer_bytes: 0,
    }
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
