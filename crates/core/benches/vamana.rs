//! Vamana build and search on a seeded synthetic 5k × 128 set (L2, FP32, R = 32, L = 200,
//! Redis build settings), one thread, one query at a time. Timing targets live here, never in
//! tests; the side-by-side with Intel SVS on real data is `bench/svs/run.sh`.
//!
//! `ANNLAB_BENCH_N` overrides the row count.

use annlab_core::store::FullPrecisionStore;
use annlab_core::vamana::{build_vamana, BuildConfig, SearchParams, VamanaSearcher};
use annlab_core::{Matrix, Metric, NoControl};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const DIM: usize = 128;
const QUERIES: usize = 100;
const SEED: u64 = 2024;

fn rows() -> usize {
    std::env::var("ANNLAB_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000)
}

fn bench(c: &mut Criterion) {
    let n = rows();
    let all = Matrix::new(
        DIM,
        annlab_core::rng::synthetic_clustered(n + QUERIES, DIM, 16, SEED),
    )
    .unwrap();
    let base = all.select_rows(&(0..n).collect::<Vec<_>>()).unwrap();
    let queries = all
        .select_rows(&(n..n + QUERIES).collect::<Vec<_>>())
        .unwrap();
    let store = FullPrecisionStore::<f32>::from_matrix(&base, Metric::L2).unwrap();
    let config = BuildConfig::redis(32, 200, Metric::L2);

    let mut group = c.benchmark_group("vamana");
    group.sample_size(10);
    group.bench_function(BenchmarkId::new("build", n), |b| {
        b.iter(|| build_vamana(&store, config, &mut NoControl).unwrap())
    });
    let graph = build_vamana(&store, config, &mut NoControl).unwrap();
    let mut searcher = VamanaSearcher::new();
    group.throughput(Throughput::Elements(QUERIES as u64));
    for w in [10, 50, 100] {
        let params = SearchParams::with_window(w);
        group.bench_function(BenchmarkId::new("search_window", w), |b| {
            b.iter(|| {
                for q in queries.iter_rows() {
                    std::hint::black_box(searcher.search(&graph, &store, q, 10, &params));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
