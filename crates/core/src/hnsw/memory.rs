//! Redis memory model for HNSW (spec §4.2).
//!
//! Redis reports `vector_index_sz_mb` from VecSim's allocator. This module models it from the
//! index shape alone, so the CLI and the browser can show "what Redis would use" next to our
//! exact bytes. It is a documented estimate, not a measurement.
//!
//! Per vector, VecSim's `EstimateElementSize` counts the data (`dim · sizeof(TYPE)`), a 32-byte
//! level-0 header plus `4 · M0` link slots (the level-0 block is always allocated at full M0),
//! and 20 bytes of metadata (2 visited tag + 9 label/flags + 1 lock + 8 label-hash bucket):
//! d = 768, FLOAT32, M = 16 gives 3,072 + 32 + 128 + 20 = **3,252 B**.
//!
//! On top of that, this model adds what the estimate leaves out but the allocator sees:
//! - **Block growth**: vectors and level-0 records live in blocks of 1,024 vectors, each an
//!   allocation with an 8-byte header, so `n` is rounded up to a whole block for
//!   `data + 32 + 4·M0` (the 20 metadata bytes are charged per actual vector).
//! - **Upper levels**: a node reaches level ≥ l with probability M^−l, so `n/(M−1)` upper
//!   lists are expected, each `16 + 4·M` bytes (count, incoming-edge bookkeeping and M links);
//!   a node with any upper level (probability 1/M) holds them in one allocation with an 8-byte
//!   header. Expected values are rounded to whole bytes.
//!
//! Not modelled: hash-table slack, per-level incoming-edge vector growth, the fixed per-index
//! structures (a few hundred bytes) and the tiered frontend buffer.

use crate::element::ElementType;

/// Vectors per storage block (VecSim `DEFAULT_BLOCK_SIZE`).
pub const REDIS_BLOCK_VECTORS: u64 = 1024;
/// Header VecSim's allocator adds to every tracked allocation.
pub const REDIS_ALLOCATION_HEADER_BYTES: u64 = 8;
/// Fixed part of a level-0 record in `EstimateElementSize`.
pub const REDIS_LEVEL0_HEADER_BYTES: u64 = 32;
/// Per-vector metadata in `EstimateElementSize`.
pub const REDIS_METADATA_BYTES: u64 = 20;
/// Fixed part of one upper-level list.
pub const REDIS_UPPER_LIST_HEADER_BYTES: u64 = 16;

/// VecSim's `EstimateElementSize` for one vector: data + 32 + 4·M0 + 20 bytes.
pub fn vecsim_element_size_estimate(dim: u64, element_type: ElementType, m: u64) -> u64 {
    dim * element_type.size_bytes() as u64
        + REDIS_LEVEL0_HEADER_BYTES
        + 4 * (2 * m)
        + REDIS_METADATA_BYTES
}

/// The modelled `vector_index_sz_mb` (in bytes) of an HNSW index of `n` vectors; see the
/// module docs for every term.
pub fn redis_index_bytes_estimate(n: u64, dim: u64, element_type: ElementType, m: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let blocks = n.div_ceil(REDIS_BLOCK_VECTORS);
    let block_record = dim * element_type.size_bytes() as u64 + REDIS_LEVEL0_HEADER_BYTES + 8 * m;
    // One data block and one level-0 graph block per 1,024 vectors.
    let level0 = blocks * (REDIS_BLOCK_VECTORS * block_record + 2 * REDIS_ALLOCATION_HEADER_BYTES);
    let metadata = n * REDIS_METADATA_BYTES;
    level0 + metadata + expected_upper_bytes(n, m)
}

/// Expected bytes of the upper-level lists of `n` nodes (M ≥ 2).
pub fn expected_upper_bytes(n: u64, m: u64) -> u64 {
    if m < 2 {
        return 0;
    }
    let n = n as f64;
    let m_f = m as f64;
    let lists = n / (m_f - 1.0) * (REDIS_UPPER_LIST_HEADER_BYTES + 4 * m) as f64;
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

    #[test]
    fn spec_worked_example_is_3252_bytes_per_vector() {
        assert_eq!(
            vecsim_element_size_estimate(768, ElementType::Float32, 16),
            3252
        );
        // The spec's ≈3,257 B with expected upper levels: 3,252 + 80/15 + 8/16.
        let upper_per_vector = expected_upper_bytes(1_000_000, 16) as f64 / 1e6;
        assert!((upper_per_vector - (80.0 / 15.0 + 0.5)).abs() < 1e-6);
        let total = redis_index_bytes_estimate(1024 * 1000, 768, ElementType::Float32, 16);
        let per_vector = total as f64 / (1024.0 * 1000.0);
        assert!((3257.0..3258.0).contains(&per_vector), "{per_vector}");
    }

    #[test]
    fn storage_grows_in_whole_blocks() {
        let et = ElementType::Float16;
        let one = redis_index_bytes_estimate(1, 4, et, 8);
        let full = redis_index_bytes_estimate(1024, 4, et, 8);
        let next = redis_index_bytes_estimate(1025, 4, et, 8);
        let record = 8 + 32 + 64;
        assert_eq!(one, 1024 * record + 16 + 20 + expected_upper_bytes(1, 8));
        // Inside the first block only metadata and upper levels grow.
        assert_eq!(
            full - one,
            1023 * 20 + expected_upper_bytes(1024, 8) - expected_upper_bytes(1, 8)
        );
        assert!(next - full >= 1024 * record + 16);
        assert_eq!(redis_index_bytes_estimate(0, 4, et, 8), 0);
    }

    #[test]
    fn documents_hold_raw_blobs() {
        assert_eq!(document_bytes(10, 768, ElementType::Float32), 30_720);
        assert_eq!(document_bytes(10, 768, ElementType::Bfloat16), 15_360);
    }
}
