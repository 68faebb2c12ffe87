//! HNSW build and search on a seeded synthetic 20k × 768 set (L2, FP32, M = 16,
//! EF_CONSTRUCTION = 200). One thread, one query at a time.
//!
//! `ANNLAB_BENCH_N` overrides the row count (e.g. 5000 for a quick run).

use annlab_core::hnsw::{Hnsw, HnswParams};
use annlab_core::store::FullPrecisionStore;
use annlab_core::{Matrix, Metric, NoControl};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

const DIM: usize = 768;
const QUERIES: usize = 100;
const SEED: u64 = 2024;

fn rows() -> usize {
    std::env::var("ANNLAB_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000)
}

fn data(n: usize) -> (Matrix, Matrix) {
    let all = annlab_core::rng::synthetic_clustered(n + QUERIES, DIM, 32, SEED);
    let all = Matrix::new(DIM, all).unwrap();
    let base = all.select_rows(&(0..n).collect::<Vec<_>>()).unwrap();
    let queries = all
        .select_rows(&(n..n + QUERIES).collect::<Vec<_>>())
        .unwrap();
    (base, queries)
}

fn params() -> HnswParams {
    HnswParams {
        m: 16,
        ef_construction: 200,
        ..HnswParams::default()
    }
}

fn bench_build(c: &mut Criterion) {
    let n = rows();
    let (base, _) = data(n);
    let mut group = c.benchmark_group("hnsw_build");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(
        BenchmarkId::new("l2_f32_m16_efc200", format!("{n}x{DIM}")),
        |b| {
            b.iter(|| {
                let store = FullPrecisionStore::<f32>::from_matrix(&base, Metric::L2).unwrap();
                Hnsw::build(store, params(), &mut NoControl).unwrap()
            })
        },
    );
    group.finish();
}

fn bench_search(c: &mut Criterion) {
    let n = rows();
    let (base, queries) = data(n);
    let store = FullPrecisionStore::<f32>::from_matrix(&base, Metric::L2).unwrap();
    let index = Hnsw::build(store, params(), &mut NoControl).unwrap();
    let mut scratch = index.new_scratch();
    let mut group = c.benchmark_group("hnsw_search");
    group.throughput(Throughput::Elements(QUERIES as u64));
    for ef in [10, 50, 100, 200] {
        group.bench_with_input(BenchmarkId::new("k10_ef", ef), &ef, |b, &ef| {
            b.iter(|| {
                let mut found = 0usize;
                for q in queries.iter_rows() {
                    found += index.search(q, 10, ef, &mut scratch).unwrap().hits.len();
                }
                found
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_search, bench_build);
criterion_main!(benches);
