//! Pins the Redis SVS-VAMANA memory model: the spec §3.6 bytes-per-vector rows for
//! d = 384, 768, 1536 (d′ = d/2), the 4·(R+1) graph, the id-map estimate and the flat buffer.

use annlab_core::svs::memory::{
    document_bytes, graph_bytes_per_vector, redis_index_bytes_estimate, redis_memory_estimate,
    ID_MAP_BYTES_PER_VECTOR,
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

fn codec_state(c: Option<Compression>, d: u64) -> u64 {
    match c {
        None => 0,
        Some(Compression::GlobalSq8) => 8,
        Some(Compression::LeanVec4x8 | Compression::LeanVec8x8) => 4 * d + 4 * (d / 2) * d,
        Some(_) => 4 * d,
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
                let per_vector = data + 4 * (r as u64 + 1) + 56;
                let expected = N as u64 * per_vector + codec_state(*c, d as u64);
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
fn graph_and_id_map_constants() {
    assert_eq!(graph_bytes_per_vector(32), 132);
    assert_eq!(graph_bytes_per_vector(40), 164);
    assert_eq!(graph_bytes_per_vector(64), 260);
    assert_eq!(ID_MAP_BYTES_PER_VECTOR, 56);
    // Spec §4.2: d = 768 FP32, R = 32: about 3.2 KB per vector.
    let p = SvsParams::default();
    assert_eq!(
        redis_index_bytes_estimate(1, 768, &p, Target::Intel),
        3072 + 132 + 56
    );
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
            assert_eq!(m.data_bytes, (N * d) as u64, "d={d} {c}");
            assert_eq!(m.codec_bytes, 8);
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
        (N * 768) as u64
    );
    // Compressed with n below the threshold: only the FP32 flat buffer exists.
    let lvq = SvsParams {
        compression: Some(Compression::Lvq8),
        ..SvsParams::default()
    };
    let m = redis_memory_estimate(8_575, 384, &lvq, Target::Intel);
    assert_eq!(m.graph_bytes, 0);
    assert_eq!(m.flat_buffer_bytes, 9 * 1024 * 384 * 4 + 8_575 * 8);
    assert_eq!(m.total(), m.flat_buffer_bytes);
    // The documents keep full-precision blobs regardless of compression.
    assert_eq!(
        document_bytes(8_575, 384, ElementType::Float32),
        8_575 * 384 * 4
    );
    assert_eq!(document_bytes(10, 384, ElementType::Float16), 10 * 384 * 2);
}
