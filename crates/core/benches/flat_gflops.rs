//! Exact k-NN throughput in GFLOP/s: the blocked SIMD path against the scalar reference path.
//!
//! `cargo bench -p annlab-core --bench flat_gflops` (optionally `-- <rows> <dim> <queries> <k>`).
//! FLOPs per distance: 2·dim for IP (multiply + add), 3·dim for L2 (plus the subtraction); the
//! top-k bookkeeping is not counted.

use std::hint::black_box;
use std::time::Instant;

use annlab_core::distance::kernel_path;
use annlab_core::flat::{exact_knn, exact_knn_reference, flops_per_distance};
use annlab_core::{rng, Matrix, Metric};

fn best_seconds(repeats: usize, mut run: impl FnMut()) -> f64 {
    (0..repeats)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let arg = |i: usize, default: usize| args.get(i).copied().unwrap_or(default);
    let (rows, dim, num_queries, k) = (arg(0, 10_000), arg(1, 768), arg(2, 100), arg(3, 10));
    let base = Matrix::new(dim, rng::synthetic_clustered(rows, dim, 16, 42)).unwrap();
    let queries = Matrix::new(dim, rng::synthetic_clustered(num_queries, dim, 16, 43)).unwrap();
    println!(
        "exact k-NN: {rows} x {dim} base, {num_queries} queries, k={k}, FP32, kernels: {}",
        kernel_path().name()
    );
    println!(
        "{:<6} {:>12} {:>12} {:>10}",
        "metric", "simd GFLOP/s", "scalar GFLOP/s", "ratio"
    );
    for metric in [Metric::L2, Metric::Ip] {
        let flops = (rows * num_queries) as f64 * flops_per_distance(metric, dim) as f64;
        let simd = best_seconds(5, || {
            black_box(exact_knn(&base, &queries, metric, k).unwrap());
        });
        let scalar = best_seconds(2, || {
            black_box(exact_knn_reference(&base, &queries, metric, k).unwrap());
        });
        let (g_simd, g_scalar) = (flops / simd / 1e9, flops / scalar / 1e9);
        println!(
            "{:<6} {:>12.2} {:>14.2} {:>9.1}x",
            metric.redis_name(),
            g_simd,
            g_scalar,
            g_simd / g_scalar
        );
    }
}
