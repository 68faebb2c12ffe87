//! The core's wasm `simd128` kernels and the build pre-screen, run as the browser runs them
//! (wasm32 + simd128, in Node through wasm-bindgen-test-runner; see `tests/e2e/run.sh`).
#![cfg(target_arch = "wasm32")]

use annlab_core::distance::{self, reference, KernelPath};
use annlab_core::quant::simd::{self, Isa};
use annlab_core::rng::synthetic_clustered;
use annlab_core::store::FullPrecisionStore;
use annlab_core::vamana::{BuildConfig, VamanaBuilder, VamanaGraph};
use annlab_core::{Matrix, Metric};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn code_kernel_matches_the_reference_exactly() {
    assert_eq!(distance::kernel_path(), KernelPath::WasmSimd128);
    let max = distance::CODE_I16_MAX;
    for len in [0usize, 1, 7, 8, 9, 384, 511, 512, 513, 1030, 2100] {
        let codes = |seed: usize| -> Vec<i16> {
            (0..len)
                .map(|i| {
                    let v = ((i * 7919 + seed * 104_729) % (2 * max as usize + 1)) as i16 - max;
                    if seed == 4 {
                        max
                    } else {
                        v
                    }
                })
                .collect()
        };
        let (q, rows) = (codes(0), [codes(1), codes(2), codes(3), codes(4)]);
        let four = [&rows[0][..], &rows[1][..], &rows[2][..], &rows[3][..]];
        let simd = distance::code_dot_1x4_kernel().call(&q, four);
        assert_eq!(simd, reference::dot_i16_1x4(&q, four), "length {len}");
    }
}

fn build(store: &FullPrecisionStore<f32>, config: BuildConfig) -> VamanaGraph {
    let mut builder = VamanaBuilder::new(store, config).unwrap();
    while !builder.step(64).finished {}
    builder.finish()
}

#[wasm_bindgen_test]
fn prescreened_builds_match_exact_builds() {
    for (metric, dim) in [(Metric::Cosine, 96), (Metric::L2, 40)] {
        let base = Matrix::new(dim, synthetic_clustered(900, dim, 6, 77)).unwrap();
        let store = FullPrecisionStore::<f32>::from_matrix(&base, metric).unwrap();
        let config = BuildConfig::redis(16, 40, metric);
        let exact = build(
            &store,
            BuildConfig {
                prescreen: false,
                ..config
            },
        );
        assert_eq!(build(&store, config), exact, "{metric}");
    }
}

/// The simd128 code-domain kernels (LVQ, LeanVec) against their portable scalar bodies.
#[wasm_bindgen_test]
fn code_domain_kernels_match_their_scalar_bodies() {
    let isa = Isa::detect();
    assert_eq!(isa.name(), "wasm-simd128");
    let close = |fast: f32, slow: f32, terms: f32, what: &str| {
        assert!(
            (fast - slow).abs() <= 1e-5 * (terms + 1.0),
            "{what}: {fast} vs {slow}"
        );
    };
    for len in [0usize, 1, 15, 16, 17, 100, 128, 256, 384, 769] {
        let q: Vec<f32> = (0..len)
            .map(|i| ((i * 37 % 101) as f32 / 50.0) - 1.0)
            .collect();
        let c: Vec<u8> = (0..len).map(|i| (i * 91 % 256) as u8).collect();
        let terms: f32 = q
            .iter()
            .zip(&c)
            .map(|(a, b)| (a * f32::from(*b)).abs())
            .sum::<f32>()
            + 1.0;
        close(
            simd::dot_u8(isa, &q, &c),
            simd::dot_u8_scalar(&q, &c),
            terms,
            "dot_u8",
        );
        let l2 = simd::l2_u8_scalar(&q, 0.3, 0.01, &c);
        close(simd::l2_u8(isa, &q, 0.3, 0.01, &c), l2, l2, "l2_u8");
        let padded = len.div_ceil(128) * 128;
        let mut qp = q.clone();
        qp.resize(padded, 0.0);
        let packed: Vec<u8> = (0..padded / 2).map(|i| (i * 53 % 256) as u8).collect();
        let slow = simd::dot_u4_blocked_scalar(&qp, &packed);
        close(
            simd::dot_u4_blocked(isa, &qp, &packed),
            slow,
            terms * 16.0,
            "dot_u4_blocked",
        );
        let slow = simd::l2_u4_blocked_scalar(&qp, -0.2, 0.05, &packed);
        close(
            simd::l2_u4_blocked(isa, &qp, -0.2, 0.05, &packed),
            slow,
            slow,
            "l2_u4_blocked",
        );
        let residual: Vec<u8> = (0..padded).map(|i| (i * 29 % 256) as u8).collect();
        let constants = (-0.25, 0.05, 0.05 / 256.0);
        let slow = simd::l2_u4x8_blocked_scalar(&qp, constants, &packed, &residual);
        let fast = simd::l2_u4x8_blocked(isa, &qp, constants, &packed, &residual);
        close(fast, slow, slow, "l2_u4x8_blocked");
    }
}
