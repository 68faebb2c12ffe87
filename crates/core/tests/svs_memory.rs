//! Pins the Redis SVS-VAMANA memory model: the spec §3.6 bytes-per-vector rows for
//! d = 384, 768, 1536 (d′ = d/2) in whole 1,024-vector blocks, the 4·(R+1) graph (no id map),
//! the codec state and the flat buffer.

use annlab_core::flat::redis_flat_memory_estimate;
use annlab_core::svs::memory::{
    document_bytes, graph_bytes_per_vector, redis_index_bytes_estimate, redis_memory_estimate,
    REDIS_SVS_COMPRESSION_FIXED_BYTES, REDIS_SVS_FIXED_BYTES, REDIS_SVS_PER_BLOCK_BYTES,
};
use annlab_core::svs::{Compression, SvsParams, Target};
use annlab_core::ElementType;

/// (d, [FP32, SQ8, LVQ4, LVQ8, LVQ4x4, LVQ4x8, LeanVec4x8, LeanVec8x8]) from spec §3.6.
const TABLE: [(usize, [u64; 8]); 3] = [
    (384, [1536, 384, 197, 389, 389, 581, 522, 586]),
    (768, [3072, 768, 389, 773, 773, 1157, 970, 1162]),
    (1536, [6144, 1536, 773, 1541, 1541, 2309, 1930, 2314]),
];

const COLUMNS: [Option<Compression>; 8] = [
    None,
    Some(Compression::GlobalSq8),
    Some(Compression::Lvq4),
    Some(Compression::Lvq8),
    Some(Compression::Lvq4x4),
    Some(Compression::Lvq4x8),
    Some(Compression::LeanVec4x8),
    Some(Compression::LeanVec8x8),
];

/// n above the default training threshold, so the backend graph exists.
const N: usize = 20_000;
/// N rounded up to whole 1,024-vector blocks.
const SLOTS: u64 = 20 * 1024;
const FIXED: u64 = REDIS_SVS_FIXED_BYTES + 20 * REDIS_SVS_PER_BLOCK_BYTES;

fn codec_state(c: Option<Compression>, d: u64) -> u64 {
    match c {
        None => 0,
        Some(Compression::GlobalSq8) => 8 + REDIS_SVS_COMPRESSION_FIXED_BYTES,
        Some(Compression::LeanVec4x8 | Compression::LeanVec8x8) => {
            4 * d + 4 * (d / 2) * d + REDIS_SVS_COMPRESSION_FIXED_BYTES
        }
        Some(_) => 4 * d + REDIS_SVS_COMPRESSION_FIXED_BYTES,
    }
}

#[test]
fn full_index_estimate_matches_the_spec_rows_on_intel() {
    for (d, row) in TABLE {
        for r in [32usize, 64] {
            for (c, data) in COLUMNS.iter().zip(row) {
                let params = SvsParams {
                    graph_max_degree: r,
                    compression: *c,
                    ..SvsParams::default()
                };
                let per_vector = data + 4 * (r as u64 + 1);
                let expected = SLOTS * per_vector + codec_state(*c, d as u64) + FIXED;
                assert_eq!(
                    redis_index_bytes_estimate(N, d, &params, Target::Intel),
                    expected,
                    "d={d} R={r} compression={c:?}"
                );
            }
        }
    }
}

#[test]
fn graph_constants_and_whole_blocks() {
    assert_eq!(graph_bytes_per_vector(32), 132);
    assert_eq!(graph_bytes_per_vector(40), 164);
    assert_eq!(graph_bytes_per_vector(64), 260);
    // d = 768 FP32, R = 32: one vector reserves a whole block of 1,024 × 3,204 B.
    let p = SvsParams::default();
    let one_block = 1024 * (3072 + 132) + REDIS_SVS_FIXED_BYTES + REDIS_SVS_PER_BLOCK_BYTES;
    assert_eq!(
        redis_index_bytes_estimate(1, 768, &p, Target::Intel),
        one_block
    );
    assert_eq!(
        redis_index_bytes_estimate(1024, 768, &p, Target::Intel),
        one_block
    );
    assert!(redis_index_bytes_estimate(1025, 768, &p, Target::Intel) > one_block + 1024 * 3204);
    assert_eq!(redis_index_bytes_estimate(0, 768, &p, Target::Intel), 0);
}

#[test]
fn generic_target_estimates_every_compression_as_global_sq8() {
    for (d, _) in TABLE {
        for c in Compression::ACCEPTED_BY_REDIS {
            let params = SvsParams {
                compression: Some(c),
                reduce: c.is_leanvec().then_some(d / 4),
                ..SvsParams::default()
            };
            let m = redis_memory_estimate(N, d, &params, Target::Generic);
            assert_eq!(m.data_bytes, SLOTS * d as u64, "d={d} {c}");
            assert_eq!(m.codec_bytes, 8 + REDIS_SVS_COMPRESSION_FIXED_BYTES);
        }
    }
}

#[test]
fn fp16_and_flat_buffer_and_documents() {
    let fp16 = SvsParams {
        element_type: ElementType::Float16,
        ..SvsParams::default()
    };
    assert_eq!(
        redis_memory_estimate(N, 384, &fp16, Target::Intel).data_bytes,
        SLOTS * 768
    );
    // Compressed with n below the threshold: only the FP32 flat buffer exists.
    let lvq = SvsParams {
        compression: Some(Compression::Lvq8),
        ..SvsParams::default()
    };
    let m = redis_memory_estimate(8_575, 384, &lvq, Target::Intel);
    assert_eq!(m.graph_bytes, 0);
    assert_eq!(
        m.flat_buffer_bytes,
        redis_flat_memory_estimate(8_575, 384, ElementType::Float32).index_bytes()
    );
    assert_eq!(m.total(), m.flat_buffer_bytes + REDIS_SVS_FIXED_BYTES);
    assert_eq!(m.flat_buffer_residue_max, 0);
    // The documents keep full-precision blobs regardless of compression.
    assert_eq!(
        document_bytes(8_575, 384, ElementType::Float32),
        8_575 * 384 * 4
    );
    assert_eq!(document_bytes(10, 384, ElementType::Float16), 10 * 384 * 2);
}
