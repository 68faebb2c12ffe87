//! The core's wasm `simd128` kernels and the build pre-screen, run as the browser runs them
//! (wasm32 + simd128, in Node through wasm-bindgen-test-runner; see `tests/e2e/run.sh`).
#![cfg(target_arch = "wasm32")]

use annlab_core::distance::{self, reference, KernelPath};
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
