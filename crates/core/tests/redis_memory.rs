//! Pins the Redis memory models against every worked example measured on a live Redis 8.2
//! (../shared/spec/live-redis-figures.md: `_FT.DEBUG VECSIM_INFO … MEMORY`, M = 16,
//! GRAPH_MAX_DEGREE 32), within ±5 %, and checks their shape over n ≥ 2,000, d 64..=1536.

use annlab_core::flat::redis_flat_memory_estimate;
use annlab_core::hnsw::memory::{redis_memory_estimate as hnsw_memory, RedisHnswShape};
use annlab_core::hnsw::redis_index_bytes_estimate as hnsw_bytes;
use annlab_core::svs::memory::{redis_index_bytes_estimate as svs_bytes, redis_memory_estimate};
use annlab_core::svs::{Compression, SvsParams, Target};
use annlab_core::ElementType;
use proptest::prelude::*;

const TOLERANCE: f64 = 0.05;

fn assert_close(what: &str, model: u64, server: u64) {
    let ratio = model as f64 / server as f64;
    assert!(
        (1.0 - TOLERANCE..=1.0 + TOLERANCE).contains(&ratio),
        "{what}: model {model} vs server {server} (ratio {ratio:.4})"
    );
}

fn hnsw(n: u64, dim: u64, workers: u64) -> u64 {
    hnsw_memory(&RedisHnswShape {
        n,
        dim,
        element_type: ElementType::Float32,
        m: 16,
        workers,
    })
    .total()
}

fn sq8() -> SvsParams {
    SvsParams {
        compression: Some(Compression::Lvq8),
        ..SvsParams::default()
    }
}

#[test]
fn hnsw_matches_the_live_worked_examples() {
    assert_close("HNSW 50k x 128", hnsw(50_000, 128, 0), 43_010_580);
    assert_close("HNSW 12k x 784", hnsw(12_000, 784, 0), 42_662_884);
    assert_close("HNSW 50k x 128 WORKERS 2", hnsw(50_000, 128, 2), 43_234_912);
    assert_eq!(
        hnsw_bytes(50_000, 128, ElementType::Float32, 16),
        hnsw(50_000, 128, 0)
    );
}

#[test]
fn hnsw_observed_range_brackets_the_live_figures() {
    for (n, d, server) in [
        (50_000u64, 128u64, 43_010_580u64),
        (12_000, 784, 42_662_884),
    ] {
        let m = hnsw_memory(&RedisHnswShape {
            n,
            dim: d,
            element_type: ElementType::Float32,
            m: 16,
            workers: 0,
        });
        let (low, high) = m.incoming_edges_range(n);
        assert!(
            low <= server && server <= high,
            "{n}x{d}: {low}..{high} vs {server}"
        );
    }
}

#[test]
fn svs_uncompressed_matches_the_live_worked_examples() {
    let p = SvsParams::default();
    assert_close(
        "SVS 50k x 128",
        svs_bytes(50_000, 128, &p, Target::Generic),
        32_316_032,
    );
    assert_close(
        "SVS 12k x 784",
        svs_bytes(12_000, 784, &p, Target::Generic),
        40_159_080,
    );
    // Whole blocks, no id map: 49 · 1024 · (512 + 132) plus at most a few KB.
    let m = redis_memory_estimate(50_000, 128, &p, Target::Generic);
    assert_eq!(m.data_bytes + m.graph_bytes, 49 * 1024 * (512 + 132));
    assert!(m.total() - (m.data_bytes + m.graph_bytes) < 3_600);
}

#[test]
fn svs_global_sq8_matches_the_live_worked_examples() {
    // The AMD server runs every compression as GlobalSQ8: the generic target.
    let p = sq8();
    assert_close(
        "SQ8 50k x 128",
        svs_bytes(50_000, 128, &p, Target::Generic),
        13_049_168,
    );
    assert_close(
        "SQ8 12k x 784",
        svs_bytes(12_000, 784, &p, Target::Generic),
        11_258_424,
    );
}

#[test]
fn svs_with_workers_lies_in_the_documented_range() {
    for (params, server) in [(SvsParams::default(), 32_809_040u64), (sq8(), 13_542_896)] {
        let m = redis_memory_estimate(50_000, 128, &params, Target::Generic);
        let (low, high) = m.total_range_with_workers();
        assert!(
            low as f64 <= server as f64 * (1.0 + TOLERANCE) && server <= high,
            "{low}..{high} vs {server}"
        );
    }
}

#[test]
fn flat_buffer_costs_about_49_bytes_per_vector_over_the_data() {
    for n in [2_000u64, 5_000, 10_000, 10_239] {
        let blocks = n.div_ceil(1024);
        let flat = redis_flat_memory_estimate(n, 128, ElementType::Float32);
        let over = (flat.index_bytes() - blocks * 1024 * 512) as f64 / n as f64;
        assert!((47.0..=52.0).contains(&over), "n={n}: {over}");
    }
    // Before training the compressed SVS index is that buffer (plus the empty backend).
    let m = redis_memory_estimate(8_000, 384, &sq8(), Target::Generic);
    assert_eq!(m.graph_bytes, 0);
    assert_eq!(
        m.flat_buffer_bytes,
        redis_flat_memory_estimate(8_000, 384, ElementType::Float32).index_bytes()
    );
}

fn svs_params(r: usize, compression: Option<Compression>) -> SvsParams {
    SvsParams {
        graph_max_degree: r,
        compression,
        training_threshold: compression.map(|_| 1024),
        ..SvsParams::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn hnsw_grows_with_n_d_and_m(n in 2_000u64..200_000, d in 64u64..=1536, m in 4u64..=64) {
        let at = |n, d, m| hnsw_memory(&RedisHnswShape {
            n, dim: d, element_type: ElementType::Float32, m, workers: 0,
        }).total();
        let base = at(n, d, m);
        prop_assert!(at(n + 1, d, m) > base);
        prop_assert!(at(n, d + 1, m) > base);
        // More links per node but fewer upper levels: M + 1 may cost a few bytes less at
        // small M; doubling M always costs more.
        prop_assert!(at(n, d, m + 1) as f64 > base as f64 * 0.99);
        prop_assert!(at(n, d, 2 * m) > base);
        // Sanity: at least the raw vectors and the full level-0 link slots.
        prop_assert!(base > n * (4 * d + 8 * m));
        // At most the raw data + links + 400 B per vector of bookkeeping (blocks round up).
        let blocks = n.div_ceil(1024);
        prop_assert!(base < blocks * 1024 * (4 * d + 8 * m + 100) + n * 400);
    }

    #[test]
    fn svs_grows_with_n_and_r(n in 2_000usize..200_000, d in 64usize..=1536, r in 8usize..=128) {
        for c in [None, Some(Compression::GlobalSq8), Some(Compression::Lvq8), Some(Compression::LeanVec4x8)] {
            for target in [Target::Intel, Target::Generic] {
                let p = svs_params(r, c);
                let base = redis_memory_estimate(n, d, &p, target);
                prop_assert!(svs_bytes(n + 1024, d, &p, target) > base.total());
                prop_assert!(svs_bytes(n, d, &svs_params(r + 1, c), target) > base.total());
                // Whole blocks: the data is a multiple of 1024 codes.
                prop_assert_eq!(base.graph_bytes % (1024 * 4 * (r as u64 + 1)), 0);
                prop_assert!(base.graph_bytes >= n as u64 * 4 * (r as u64 + 1));
                prop_assert!(base.total() - base.data_bytes - base.graph_bytes - base.codec_bytes < 8_000);
            }
        }
    }
}
